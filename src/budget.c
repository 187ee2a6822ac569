/*
 * The run's memory budget (see budget.h): a count of the bytes reserved
 * and the overdraft token, in the first page of a memfd. The process
 * engine's workers are executed afresh, so they cannot inherit a mapping:
 * they get the memfd and map it, and their holds are in the pages after
 * it, where the parent gives back what a dead worker held. Lock-free
 * atomics rather than a process-shared mutex: a worker that dies mid-call
 * leaves no lock held.
 */
#include "config.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "budget.h"
#include "stop.h"

struct shared {
	atomic_size_t	used;		/* bytes reserved by every hold */
	atomic_int	token;		/* id of the hold that may overdraft */
	atomic_int	ids;		/* the last id handed out */
	size_t		max;
};

static struct shared *sh;
static char too_big[128];
static int shfd = -1;		/* the memfd, -1 when there is none */
static struct budget_hold *slots;	/* budget_slots() */
static size_t (*_Atomic reclaim)(size_t);	/* budget_on_spent() */
static size_t slotbytes;

#define HEADER	4096		/* the count's page; the holds come after */
#define FD_MIN	10		/* clear of the worker's fixed descriptors */

/* How long a waiter sleeps between looks: a parse takes far longer. */
#define WAIT_NS	(2 * 1000 * 1000)

static struct shared *
map_header(int fd)
{
	void *p = mmap(NULL, HEADER, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0);

	return p == MAP_FAILED ? NULL : p;
}

static void
say_too_big(void)
{
	snprintf(too_big, sizeof too_big, "page too big for --max-memory:"
	    " one page may hold half of it (%zu MB) at most",
	    sh->max / 2 >> 20);
}

void
budget_init(size_t max)
{
	int fd;

	if (sh != NULL || max == 0)
		return;
	/* No memfd: a budget for this process alone, none for workers. */
	if ((fd = memfd_create("pscrape-budget", MFD_CLOEXEC)) == -1 ||
	    ftruncate(fd, HEADER) == -1 || (sh = map_header(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		if ((sh = mmap(NULL, HEADER, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED) {
			sh = NULL;
			return;
		}
	} else if ((shfd = fcntl(fd, F_DUPFD_CLOEXEC, FD_MIN)) == -1)
		shfd = fd;
	else
		close(fd);
	atomic_init(&sh->used, 0);
	atomic_init(&sh->token, 0);
	atomic_init(&sh->ids, 0);
	sh->max = max;
	say_too_big();
}

const char *
budget_too_big(void)
{
	return too_big;
}

int
budget_fd(void)
{
	return shfd;
}

struct budget_hold *
budget_slots(size_t n)
{
	void *p;
	size_t i;

	if (shfd == -1 || n == 0)
		return NULL;
	if (slots != NULL)
		munmap(slots, slotbytes);
	slots = NULL;
	slotbytes = n * sizeof *slots;
	if (ftruncate(shfd, HEADER + slotbytes) == -1 ||
	    (p = mmap(NULL, slotbytes, PROT_READ | PROT_WRITE, MAP_SHARED,
	    shfd, HEADER)) == MAP_FAILED)
		return NULL;
	slots = p;
	for (i = 0; i < n; i++)
		budget_hold_init(&slots[i], false);
	return slots;
}

struct budget_hold *
budget_attach(int fd, size_t slot)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) == -1 ||
	    (size_t)st.st_size < HEADER + (slot + 1) * sizeof *slots ||
	    (sh = map_header(fd)) == NULL)
		return NULL;
	slotbytes = (size_t)st.st_size - HEADER;
	if ((p = mmap(NULL, slotbytes, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, HEADER)) == MAP_FAILED)
		return NULL;
	slots = p;
	close(fd);
	say_too_big();
	return &slots[slot];
}

size_t
budget_max(void)
{
	return sh != NULL ? sh->max : 0;
}

size_t
budget_used(void)
{
	return sh != NULL ? atomic_load(&sh->used) : 0;
}

void
budget_hold_init(struct budget_hold *h, bool nowait)
{
	atomic_init(&h->held, 0);
	h->id = sh != NULL ? atomic_fetch_add(&sh->ids, 1) + 1 : 1;
	h->nowait = nowait;
}

enum budget_got
budget_take(struct budget_hold *h, size_t n)
{
	struct timespec ts = { 0, WAIT_NS };
	size_t u, half;
	size_t (*keeper)(size_t);
	int none;

	if (sh == NULL || n == 0)
		return BUDGET_OK;
	half = sh->max / 2;
	if (n > half || atomic_load(&h->held) > half - n)
		return BUDGET_TOO_BIG;
	for (;;) {
		u = atomic_load(&sh->used);
		/* Kept memory goes first, even for the token's job. */
		if (u + n > half && (keeper = atomic_load(&reclaim)) != NULL &&
		    keeper(u + n - half) > 0)
			continue;
		if (u + n <= half || atomic_load(&sh->token) == h->id) {
			if (atomic_compare_exchange_weak(&sh->used, &u,
			    u + n)) {
				atomic_fetch_add(&h->held, n);
				return BUDGET_OK;
			}
			continue;
		}
		/* Spent: the token, if no other job has it. */
		none = 0;
		if (atomic_compare_exchange_strong(&sh->token, &none, h->id))
			continue;
		if (stop_signal != 0)
			return BUDGET_STOPPED;
		if (h->nowait)
			return BUDGET_LATER;
		nanosleep(&ts, NULL);
	}
}

void
budget_give(struct budget_hold *h, size_t n)
{
	if (sh == NULL || n == 0)
		return;
	atomic_fetch_sub(&h->held, n);
	atomic_fetch_sub(&sh->used, n);
}

void
budget_release(struct budget_hold *h)
{
	int id = h->id;

	if (sh == NULL)
		return;
	budget_give(h, atomic_load(&h->held));
	/* Only after: the next holder's grants must find ours gone. */
	atomic_compare_exchange_strong(&sh->token, &id, 0);
}

void
budget_hand(struct budget_hold *from, struct budget_hold *to)
{
	size_t n;
	int id = from->id;

	if (sh == NULL)
		return;
	n = atomic_exchange(&from->held, 0);
	atomic_fetch_add(&to->held, n);
	atomic_compare_exchange_strong(&sh->token, &id, to->id);
}

void
budget_move(struct budget_hold *from, struct budget_hold *to, size_t n)
{
	if (sh == NULL || n == 0)
		return;
	atomic_fetch_sub(&from->held, n);
	atomic_fetch_add(&to->held, n);
}

bool
budget_claim(struct budget_hold *to, struct budget_hold *from, size_t n)
{
	size_t half;

	if (sh == NULL)
		return true;
	half = sh->max / 2;
	/* The used total does not grow: what budget_take() would grant. */
	if (n > half || atomic_load(&to->held) > half - n ||
	    (atomic_load(&sh->used) > half &&
	    atomic_load(&sh->token) != to->id))
		return false;
	budget_move(from, to, n);
	return true;
}

void
budget_on_spent(size_t (*keeper)(size_t))
{
	atomic_store(&reclaim, keeper);
}
