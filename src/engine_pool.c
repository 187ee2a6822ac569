/*
 * The pool engine: --jobs worker threads fed from a bounded queue that the reader fills (when the queue is full
 * the reader waits: back-pressure, not unbounded buffering). DNS and TLS
 * sessions are shared through a CURLSH; connections are not (doc/NOTES.md,
 * "libcurl 7.88.1": sharing CURL_LOCK_DATA_CONNECT between threads is
 * broken in 7.88), so each connection stays in the easy handle of the
 * worker that opened it: a worker takes first a queued job to an origin
 * it went to lately (its connection may still be open), else the oldest.
 * The queue follows memcached's thread.c: a condition variable per side.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "engine.h"
#include "fetch.h"
#include "scheduler.h"
#include "xmalloc.h"

struct queue {
	pthread_mutex_t	  lock;
	pthread_cond_t	  nonempty;
	pthread_cond_t	  nonfull;
	struct qitem	 *items;	/* a ring of cap slots */
	size_t		  cap;
	size_t		  head;
	size_t		  count;
	bool		  closed;	/* no more jobs will come */
};

struct qitem {
	struct job	*job;
	uint64_t	 origin;	/* origin_hash() of its URL */
};

/* Queued jobs a worker looks at for one to an origin it knows. */
#define AFFINITY_SCAN	64

struct pool {
	struct run	*run;
	struct queue	 q;
	struct fetch_share *share;
};

static void
queue_push(struct queue *q, struct job *job)
{
	struct qitem it = { job, origin_hash(job->url) };

	pthread_mutex_lock(&q->lock);
	while (q->count == q->cap)
		pthread_cond_wait(&q->nonfull, &q->lock);
	q->items[(q->head + q->count++) % q->cap] = it;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

/*
 * Jobs that may start now, from the scheduler into the queue while it has
 * room, by a worker that has just finished one: a job its transfer let
 * out (the next page of its host, under --per-host) is then in the queue
 * when it picks its next, and not only once the reader has woken.
 */
static void
queue_fill(struct queue *q, struct sched *sched)
{
	struct job *job;
	long ms;

	pthread_mutex_lock(&q->lock);
	while (!q->closed && q->count < q->cap &&
	    sched_next(sched, &job, &ms) == SCHED_JOB) {
		q->items[(q->head + q->count++) % q->cap] =
		    (struct qitem){ job, origin_hash(job->url) };
		pthread_cond_signal(&q->nonempty);
	}
	pthread_mutex_unlock(&q->lock);
}

/*
 * The next job for a worker whose fetch went to the origins x: among the
 * first AFFINITY_SCAN queued, the one to the origin it went to last, else the
 * oldest. NULL once the queue is closed and drained; without wait, NULL
 * too when the queue is empty now. A job taken out of order leaves the
 * others in their order, the oldest still first.
 */
static struct qitem
queue_pop(struct queue *q, bool wait, const struct origins *x)
{
	struct qitem it = { NULL, 0 }, tmp;
	size_t i, k, best = 0, prev;
	int rank, bestrank = ORIGINS_KEPT;

	pthread_mutex_lock(&q->lock);
	while (wait && q->count == 0 && !q->closed)
		pthread_cond_wait(&q->nonempty, &q->lock);
	if (q->count == 0 && q->closed)	/* wake the next worker to go */
		pthread_cond_signal(&q->nonempty);
	for (i = 0; i < q->count && i < AFFINITY_SCAN && bestrank > 0; i++) {
		k = (q->head + i) % q->cap;
		if ((rank = origins_rank(x, q->items[k].origin)) >= 0 &&
		    rank < bestrank) {
			best = k;
			bestrank = rank;
		}
	}
	/* Move it to the front, the ones before it one slot back. */
	for (tmp = q->items[best]; bestrank < ORIGINS_KEPT && best != q->head;
	    best = prev) {
		prev = (best + q->cap - 1) % q->cap;
		q->items[best] = q->items[prev];
		q->items[prev] = tmp;
	}
	if (q->count > 0) {
		it = q->items[q->head];
		q->head = (q->head + 1) % q->cap;
		/* Wake the reader when half is gone, not on every pop. */
		if (--q->count == q->cap / 2)
			pthread_cond_signal(&q->nonfull);
	}
	pthread_mutex_unlock(&q->lock);
	return it;
}

/*
 * No more jobs. The idle workers are woken one by one, each by the one
 * before it, not all at once: 1000 woken by a broadcast fight for the lock,
 * and took 35-48 ms to end against 23-32 ms one by one.
 */
static void
queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

static void *
worker_main(void *arg)
{
	struct pool *p = arg;
	struct run *run = p->run;
	struct fetch *f = NULL;
	struct origins went = { { 0 } };
	struct qitem it;

	for (;;) {
		/*
		 * Nothing queued: before waiting, and if only transfers in
		 * flight are left, free the handle (its connection, curl's
		 * wakeup pair) while the last transfers of the others go on:
		 * 1000 clean-ups after the last one cost 50 ms of wall time.
		 * A late retry or link makes a new one.
		 */
		if ((it = queue_pop(&p->q, false, &went)).job == NULL) {
			if (f != NULL && sched_draining(run->sched)) {
				fetch_free(f);
				f = NULL;
				memset(&went, 0, sizeof went);
			}
			if ((it = queue_pop(&p->q, true, &went)).job == NULL)
				break;
		}
		if (f == NULL) {
			f = fetch_new(run->opt, run->save);
			fetch_set_share(f, p->share);
		}
		sched_done(run->sched, fetch_page(f, it.job));
		origins_add(&went, it.origin);
		queue_fill(&p->q, run->sched);
	}
	if (f != NULL)
		fetch_free(f);
	return NULL;
}

void
engine_pool(struct run *run)
{
	struct pool p = { .run = run };
	pthread_attr_t attr;
	pthread_t *workers;
	struct job *job;
	int i, n = 0, err = 0;
	long wait_ms;

	/* Each worker's easy handle: its socket and curl's wakeup pair. */
	engine_fit_jobs(run, 3);
	p.share = fetch_share_new();

	pthread_mutex_init(&p.q.lock, NULL);
	pthread_cond_init(&p.q.nonempty, NULL);
	pthread_cond_init(&p.q.nonfull, NULL);
	p.q.cap = (size_t)run->jobs * 2;
	p.q.items = xcalloc(p.q.cap, sizeof *p.q.items);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, ENGINE_THREAD_STACK);
	/*
	 * Fill the queue first: each worker then starts fetching as soon as it
	 * is created, instead of after all of them are (1000 take ~50 ms).
	 */
	while (p.q.count < p.q.cap &&
	    sched_next(run->sched, &job, &wait_ms) == SCHED_JOB)
		queue_push(&p.q, job);
	workers = xcalloc((size_t)run->jobs, sizeof *workers);
	for (i = 0; i < run->jobs; i++) {
		if ((err = pthread_create(&workers[n], &attr, worker_main,
		    &p)) != 0) {
			if (n > 0)
				warnx_("pool engine: cannot start more than %d"
				    " workers (%s); continuing with %d", n,
				    strerror(err), n);
			break;
		}
		n++;
	}

	if (n == 0) {
		/*
		 * Not one worker: the jobs queued go back, last first so
		 * that they keep their order, and the serial engine does
		 * the rest.
		 */
		warnx_("pool engine: cannot start a worker thread (%s);"
		    " fetching in this one, one page at a time", strerror(err));
		while (p.q.count > 0)
			sched_giveback(run->sched, p.q.items[(p.q.head +
			    --p.q.count) % p.q.cap].job);
		engine_serial(run);
	}
	while (n > 0 && (job = sched_next_wait(run->sched)) != NULL)
		queue_push(&p.q, job);
	queue_close(&p.q);
	for (i = 0; i < n; i++)
		pthread_join(workers[i], NULL);

	free(workers);
	free(p.q.items);
	pthread_attr_destroy(&attr);
	pthread_cond_destroy(&p.q.nonfull);
	pthread_cond_destroy(&p.q.nonempty);
	pthread_mutex_destroy(&p.q.lock);
	fetch_share_free(p.share);
}
