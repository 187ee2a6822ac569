/*
 * The thread engine: a new pthread for every URL, never reused. At most
 * --jobs are alive at once; the reader waits for a slot before it starts
 * the next, and finished threads are joined as they end (a finished but
 * unjoined thread keeps its stack), the last ones at the end.
 *
 * Stacks are small and explicit so that 10,000 threads fit: the extract
 * step walks and frees trees iteratively, never deeper than a few frames.
 *
 * The threads are new, their fetches are not: a thread takes a fetch (an
 * easy handle with its options set, and its open connections) that an
 * ended thread left idle, the one that last went to its URL's origin if
 * any (idle_take() below), else makes one. Making a fetch is most of
 * what starting a thread costs, and a kept connection saves a TCP connect
 * and, over HTTPS, a TLS handshake.
 * Nor are their stacks: they come from a stack pool (stackpool.h) and go
 * back to it when their thread is joined. Threads are created and joined
 * outside the lock.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fetch.h"
#include "scheduler.h"
#include "stackpool.h"
#include "xmalloc.h"

/* An ended thread, to join, and its stack, to reuse. */
struct ended {
	pthread_t	 t;
	char		*stack;
};

struct tengine {
	struct run	*run;
	pthread_mutex_t	 lock;
	pthread_cond_t	 changed;	/* a thread finished */
	int		 live;		/* started, not yet finished */
	struct ended	*ended;		/* finished, not yet joined */
	size_t		 nended;
	size_t		 capended;
	struct idle	*idle;		/* fetches left by ended threads */
	struct fetch_share *share;	/* DNS, TLS sessions */
};

/*
 * The idle fetches: idle_take() gives the idle one that last went to
 * url's origin (best: the last origin it went to), else the one idle
 * longest, else a new one in share, so there are never more than were in
 * use at once; idle_put() gives it back once the job is done. A hash
 * collision of two origins costs a connection, never a wrong answer. The
 * list is short: no more than the threads at once.
 */
struct idle_fetch {
	struct fetch	*f;
	struct origins	 went;
	uint64_t	 now;		/* the job's origin, while taken */
};

struct idle {
	pthread_mutex_t		  lock;
	const struct run	 *run;
	struct fetch_share	 *share;
	struct idle_fetch	**v;		/* oldest first */
	size_t			  n;
	size_t			  cap;
};

static struct idle *
idle_new(const struct run *run, struct fetch_share *share)
{
	struct idle *id = xcalloc(1, sizeof *id);

	pthread_mutex_init(&id->lock, NULL);
	id->run = run;
	id->share = share;
	return id;
}

static struct idle_fetch *
idle_take(struct idle *id, const char *url)
{
	struct idle_fetch *x = NULL;
	uint64_t h = origin_hash(url);
	size_t i, pick;
	int rank, best = ORIGINS_KEPT;

	pthread_mutex_lock(&id->lock);
	pick = id->n;
	for (i = id->n; i-- > 0 && best > 0; )
		if ((rank = origins_rank(&id->v[i]->went, h)) >= 0 &&
		    rank < best) {
			pick = i;
			best = rank;
		}
	if (pick == id->n && id->n > 0)
		pick = 0;
	if (pick < id->n) {
		x = id->v[pick];
		memmove(id->v + pick, id->v + pick + 1, (id->n - pick - 1) *
		    sizeof *id->v);
		id->n--;
	}
	pthread_mutex_unlock(&id->lock);
	if (x == NULL) {
		x = xcalloc(1, sizeof *x);
		x->f = fetch_new(id->run->opt, id->run->save);
		fetch_set_share(x->f, id->share);
	}
	x->now = h;
	return x;
}

static void
idle_put(struct idle *id, struct idle_fetch *x)
{
	origins_add(&x->went, x->now);
	pthread_mutex_lock(&id->lock);
	if (id->n == id->cap) {
		id->cap = id->cap ? id->cap * 2 : 16;
		id->v = xrealloc(id->v, id->cap * sizeof *id->v);
	}
	id->v[id->n++] = x;
	pthread_mutex_unlock(&id->lock);
}

static bool
idle_drop(struct idle *id)
{
	struct idle_fetch *x = NULL;

	pthread_mutex_lock(&id->lock);
	if (id->n > 0)
		x = id->v[--id->n];
	pthread_mutex_unlock(&id->lock);
	if (x == NULL)
		return false;
	fetch_free(x->f);
	free(x);
	return true;
}

static void
idle_free(struct idle *id)
{
	while (idle_drop(id))
		;
	free(id->v);
	pthread_mutex_destroy(&id->lock);
	free(id);
}

struct tjob {
	struct tengine	*te;
	struct job	*job;
	char		*stack;		/* from the stack pool, or NULL */
};

static void *
thread_main(void *arg)
{
	struct tjob *tj = arg;
	struct tengine *te = tj->te;
	struct idle_fetch *x = idle_take(te->idle, tj->job->url);
	struct result *r = fetch_page(x->f, tj->job);

	/*
	 * The fetch is idle before the result lets the host's next job out
	 * (--per-host), so that the thread started for it finds it there.
	 */
	idle_put(te->idle, x);
	sched_done(te->run->sched, r);

	pthread_mutex_lock(&te->lock);
	if (te->nended == te->capended) {
		te->capended = te->capended ? te->capended * 2 : 64;
		te->ended = xrealloc(te->ended, te->capended *
		    sizeof *te->ended);
	}
	te->ended[te->nended].t = pthread_self();
	te->ended[te->nended++].stack = tj->stack;
	te->live--;
	pthread_cond_signal(&te->changed);
	pthread_mutex_unlock(&te->lock);
	free(tj);
	return NULL;
}

/*
 * Join the threads that have ended, outside the lock: the ended list is
 * swapped with the reader's own (*mine), which the lock does not guard.
 * Their stacks go back to the pool.
 */
static void
reap(struct tengine *te, struct stackpool *st, struct ended **mine,
    size_t *capmine)
{
	struct ended *e;
	size_t n, cap, i;

	pthread_mutex_lock(&te->lock);
	e = te->ended;
	n = te->nended;
	cap = te->capended;
	te->ended = *mine;
	te->capended = *capmine;
	te->nended = 0;
	pthread_mutex_unlock(&te->lock);
	for (i = 0; i < n; i++) {
		pthread_join(e[i].t, NULL);
		stackpool_put(st, e[i].stack);
	}
	*mine = e;
	*capmine = cap;
}

void
engine_thread(struct run *run)
{
	struct tengine te = { .run = run };
	struct ended *mine = NULL;
	size_t capmine = 0;
	pthread_attr_t attr, own;
	struct stackpool st;
	struct tjob *tj;
	struct job *job;
	bool warned = false;
	pthread_t t;
	int limit, err;

	/* Each thread's easy handle: its socket and curl's wakeup pair. */
	limit = engine_fit_jobs(run, 3);
	te.share = fetch_share_new();
	te.idle = idle_new(run, te.share);
	pthread_mutex_init(&te.lock, NULL);
	pthread_cond_init(&te.changed, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, ENGINE_THREAD_STACK);
	pthread_attr_init(&own);
	stackpool_init(&st, limit, ENGINE_THREAD_STACK);

	for (;;) {
		/* A slot first: the job may then start as soon as it is out. */
		pthread_mutex_lock(&te.lock);
		while (te.live >= limit)
			pthread_cond_wait(&te.changed, &te.lock);
		te.live++;
		pthread_mutex_unlock(&te.lock);
		if ((job = sched_next_wait(run->sched)) == NULL) {
			pthread_mutex_lock(&te.lock);
			te.live--;
			pthread_mutex_unlock(&te.lock);
			break;
		}
		tj = xmalloc(sizeof *tj);
		tj->te = &te;
		tj->job = job;
		for (;;) {
			reap(&te, &st, &mine, &capmine);
			if ((tj->stack = stackpool_get(&st)) != NULL) {
				stackpool_attr(&st, tj->stack, &own);
				err = pthread_create(&t, &own, thread_main, tj);
			} else
				err = pthread_create(&t, &attr, thread_main, tj);
			if (err == 0)
				break;
			stackpool_put(&st, tj->stack);
			pthread_mutex_lock(&te.lock);
			te.live--;
			if (te.live == 0) {
				pthread_mutex_unlock(&te.lock);
				break;
			}
			/* The system refuses more: carry on with what it allows. */
			limit = te.live;
			pthread_mutex_unlock(&te.lock);
			if (!warned)
				warnx_("thread engine: cannot start more than %d"
				    " threads (%s); continuing with %d", limit,
				    strerror(err), limit);
			warned = true;
			/* A slot again, one of those running. */
			pthread_mutex_lock(&te.lock);
			while (te.live >= limit)
				pthread_cond_wait(&te.changed, &te.lock);
			te.live++;
			pthread_mutex_unlock(&te.lock);
		}
		if (err != 0) {
			/* Not one thread: the serial engine does the rest. */
			warnx_("thread engine: cannot start a thread (%s);"
			    " fetching in this one, one page at a time",
			    strerror(err));
			free(tj);
			sched_giveback(run->sched, job);
			engine_serial(run);
			break;
		}
	}

	pthread_mutex_lock(&te.lock);
	while (te.live > 0)
		pthread_cond_wait(&te.changed, &te.lock);
	pthread_mutex_unlock(&te.lock);
	reap(&te, &st, &mine, &capmine);

	idle_free(te.idle);
	free(te.ended);
	free(mine);
	stackpool_free(&st);
	pthread_attr_destroy(&own);
	pthread_attr_destroy(&attr);
	pthread_cond_destroy(&te.changed);
	pthread_mutex_destroy(&te.lock);
	fetch_share_free(te.share);
}
