/*
 * The run's memory budget (--max-memory): what bodies and parses may hold
 * at once, in all threads and worker processes together.
 *
 * Each job reserves through its hold: its body as it grows (fetch.c) and
 * its parse before each step (extract.c: the copies a parse makes, then
 * gumbo's arena chunk by chunk). A reservation is granted while the run's
 * total stays within half the budget; past that, one job at a time (the
 * one holding the overdraft token) is granted what it asks for up to half
 * the budget of its own, and the others wait (a thread sleeps; the async
 * engine pauses a transfer or holds a parse back). So the total stays
 * within the budget:
 *
 *	held by the others <= max / 2 and held by the token's job <= max / 2
 *
 * and waiting always ends: the token's job never waits, so it finishes and
 * gives back what it held and the token, which a waiter then takes. A job
 * that alone needs more than half the budget fails, naming --max-memory.
 *
 * Memory kept for reuse (extract.c's parse chunks) may hold a share too,
 * through a hold of its own: a job hands it its bytes (budget_move()) and
 * takes them back (budget_claim()), and a reservation that finds the
 * budget spent first has the keeper free some (budget_on_spent()), so
 * kept memory never makes a job wait. It counts with the others: a
 * job's claim is granted as a reservation would be, and the token's job
 * is granted its overdraft only once what is kept has been freed.
 */
#ifndef PSCRAPE_BUDGET_H
#define PSCRAPE_BUDGET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* What a job holds; zeroed, then budget_hold_init(). May live in shared memory. */
struct budget_hold {
	atomic_size_t	held;
	int		id;		/* for the token; 0 before init */
	bool		nowait;		/* async: refuse rather than wait */
};

enum budget_got {
	BUDGET_OK,
	BUDGET_TOO_BIG,		/* the job would hold over half the budget */
	BUDGET_LATER,		/* spent, and the hold may not wait (nowait) */
	BUDGET_STOPPED		/* a stop signal came while waiting */
};

/*
 * Make the budget of max bytes (0: none, every call grants), before any
 * worker process is forked: the count is in shared memory.
 */
void		budget_init(size_t max);
/*
 * For the process engine: the budget's descriptor (-1: none, its workers
 * then have no budget); room for n worker holds in shared memory (NULL
 * when there is none), made before the workers start; and in a worker,
 * the budget of fd mapped, and its hold, slot (NULL when that fails).
 */
int		budget_fd(void);
struct budget_hold *budget_slots(size_t n);
struct budget_hold *budget_attach(int fd, size_t slot);
/* The reason of a job that failed BUDGET_TOO_BIG, for its record. */
const char	*budget_too_big(void);
/* The budget, 0 when there is none; and what all holds hold of it. */
size_t		budget_max(void);
size_t		budget_used(void);
void		budget_hold_init(struct budget_hold *, bool nowait);
/* Reserve n bytes for the hold, waiting while the budget is spent. */
enum budget_got	budget_take(struct budget_hold *, size_t n);
void		budget_give(struct budget_hold *, size_t n);
/* Give back all the hold holds, and the token if it has it. */
void		budget_release(struct budget_hold *);
/* What from holds (and its token) passes to to, which was released. */
void		budget_hand(struct budget_hold *from, struct budget_hold *to);
/* n bytes held by from are now held by to (the total does not change). */
void		budget_move(struct budget_hold *from, struct budget_hold *to,
		    size_t n);
/*
 * budget_move() of n bytes from from to to, if to may hold n more now
 * (as budget_take() would grant, but never waiting); false if not.
 */
bool		budget_claim(struct budget_hold *to, struct budget_hold *from,
		    size_t n);
/*
 * A reservation that finds the budget spent calls reclaim(want) before it
 * takes the token or waits: it frees kept memory, gives its bytes back
 * with budget_give() and returns how many (0: nothing kept). One per
 * process; it may run in any thread.
 */
void		budget_on_spent(size_t (*reclaim)(size_t want));

#endif
