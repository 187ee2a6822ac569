/*
 * The thread engine: a new pthread for every URL, never reused. At most
 * --jobs are alive at once; the reader waits for a slot before it starts
 * the next, and finished threads are joined as they end (a finished but
 * unjoined thread keeps its stack), the last ones at the end.
 *
 * Stacks are small and explicit so that 10,000 threads fit: the extract
 * step walks and frees trees iteratively, never deeper than a few frames.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fetch.h"
#include "scheduler.h"
#include "xmalloc.h"

struct tengine {
	struct run	*run;
	pthread_mutex_t	 lock;
	pthread_cond_t	 changed;	/* a thread finished */
	int		 live;		/* started, not yet finished */
	pthread_t	*ended;		/* finished, not yet joined */
	size_t		 nended;
	size_t		 capended;
};

struct tjob {
	struct tengine	*te;
	struct job	*job;
};

static void *
thread_main(void *arg)
{
	struct tjob *tj = arg;
	struct tengine *te = tj->te;
	struct run *run = te->run;
	struct fetch *f = fetch_new(run->opt, run->save);

	sched_done(run->sched, fetch_page(f, tj->job, run->engine));
	fetch_free(f);
	free(tj);

	pthread_mutex_lock(&te->lock);
	if (te->nended == te->capended) {
		te->capended = te->capended ? te->capended * 2 : 64;
		te->ended = xrealloc(te->ended, te->capended *
		    sizeof *te->ended);
	}
	te->ended[te->nended++] = pthread_self();
	te->live--;
	pthread_cond_signal(&te->changed);
	pthread_mutex_unlock(&te->lock);
	return NULL;
}

/* Join the threads that have ended. Called with the lock held. */
static void
reap(struct tengine *te)
{
	while (te->nended > 0)
		pthread_join(te->ended[--te->nended], NULL);
}

void
engine_thread(struct run *run)
{
	struct tengine te = { .run = run };
	pthread_attr_t attr;
	struct tjob *tj;
	struct job *job;
	struct fetch *f;
	bool warned = false, here = false;
	pthread_t t;
	int limit, err;

	/* Each thread's easy handle: its socket and curl's wakeup pair. */
	limit = engine_fit_jobs(run, 3);
	pthread_mutex_init(&te.lock, NULL);
	pthread_cond_init(&te.changed, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, ENGINE_THREAD_STACK);

	for (;;) {
		/* A free thread slot first, then the job, which may start now. */
		pthread_mutex_lock(&te.lock);
		while (te.live >= limit)
			pthread_cond_wait(&te.changed, &te.lock);
		pthread_mutex_unlock(&te.lock);
		if ((job = sched_next_wait(run->sched)) == NULL)
			break;
		tj = xmalloc(sizeof *tj);
		tj->te = &te;
		tj->job = job;
		pthread_mutex_lock(&te.lock);
		for (;;) {
			reap(&te);
			if ((err = pthread_create(&t, &attr, thread_main,
			    tj)) == 0 || te.live == 0)
				break;
			/* The system refuses more: carry on with what it allows. */
			limit = te.live;
			if (!warned)
				warnx_("thread engine: cannot start more than %d"
				    " threads (%s); continuing with %d", te.live,
				    strerror(err), limit);
			warned = true;
			while (te.live >= limit)
				pthread_cond_wait(&te.changed, &te.lock);
		}
		if (err != 0) {
			/* Not one thread: fetch here, one page at a time. */
			pthread_mutex_unlock(&te.lock);
			if (!here)
				warnx_("thread engine: cannot start a thread"
				    " (%s); fetching in this one, one page at a"
				    " time", strerror(err));
			here = true;
			f = fetch_new(run->opt, run->save);
			sched_done(run->sched, fetch_page(f, job, run->engine));
			fetch_free(f);
			free(tj);
			continue;
		}
		te.live++;
		pthread_mutex_unlock(&te.lock);
	}

	pthread_mutex_lock(&te.lock);
	while (te.live > 0)
		pthread_cond_wait(&te.changed, &te.lock);
	reap(&te);
	pthread_mutex_unlock(&te.lock);

	free(te.ended);
	pthread_attr_destroy(&attr);
	pthread_cond_destroy(&te.changed);
	pthread_mutex_destroy(&te.lock);
}
