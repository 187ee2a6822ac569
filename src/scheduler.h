/*
 * The scheduler: what to fetch next, and when. It stands between the
 * source and the engines so that every engine gets the same politeness and
 * crawling without knowing about either:
 *
 *  - at most --per-host transfers in flight to one host (scheme, host and
 *    port), while other hosts proceed;
 *  - robots.txt, fetched once per host before anything else there, as a
 *    job of its own kind that the engine fetches like any page; disallowed
 *    URLs become "blocked by robots.txt" records and are never requested;
 *  - --rate over all hosts and --host-rate (or a robots.txt Crawl-delay,
 *    or the slow-down after a 429) per host, as minimum intervals between
 *    request starts: smooth, without bursts;
 *  - --retries of transient failures, with exponential backoff and jitter
 *    (or the server's Retry-After);
 *  - --depth: links of fetched pages, in --scope, each URL once, up to
 *    --max-pages.
 *
 * A job is handed out only when it may start at once, so time spent
 * waiting for a host slot or a rate never counts against its --timeout.
 * The input is read ahead by a bounded window, never all at once.
 *
 * Thread-safe: engines with threads call sched_next_wait() from their
 * reader and sched_done() from any thread; the event-loop engines call
 * sched_next() and sleep at most the time it returns.
 */
#ifndef PSCRAPE_SCHEDULER_H
#define PSCRAPE_SCHEDULER_H

#include "result.h"

struct frontier;
struct options;
struct sink;
struct source;
struct sched;

enum sched_state {
	SCHED_JOB,	/* *job may start now */
	SCHED_WAIT,	/* nothing may start yet: see *wait_ms */
	SCHED_END,	/* nothing is left, or a stop was asked for */
};

/*
 * jobs: the engine's concurrency, which sizes the read-ahead window. The
 * frontier (the caller's, kept after sched_free) remembers what is seen;
 * what an earlier attempt left pending in it is queued at once.
 */
struct sched	*sched_new(const struct options *, struct source *,
		    struct sink *, struct frontier *, int jobs);
/*
 * The next job that may start now (SCHED_JOB, the job in *job), or how
 * long to wait (SCHED_WAIT: *wait_ms, or -1 when only a sched_done() can
 * make a job ready), or SCHED_END once the input is read and nothing is
 * queued or in flight. Never blocks.
 */
enum sched_state sched_next(struct sched *, struct job **job, long *wait_ms);
/* The same, blocking until a job may start; NULL at the end. */
struct job	*sched_next_wait(struct sched *);
/*
 * A transfer is over: its record goes to the sink, or it is queued for a
 * retry; robots.txt results are taken in; links are queued. Consumes r.
 */
void		 sched_done(struct sched *, struct result *r);
/*
 * A job handed out was never started (an engine could not start the
 * thread or send it to the worker meant to fetch it): it goes back to the
 * head of its host's queue as it was, or after a stop gets its "not
 * started" record.
 */
void		 sched_giveback(struct sched *, struct job *);
/*
 * A job handed out was lost without an outcome: the process engine's
 * worker died holding it, why says how. The one place that decides what
 * then: the first time, the job goes back to the head of its host's queue
 * (the record counts the lost try, and job->lost keeps why); lost again on
 * its next try, or after a stop, its record fails with why. This is not a
 * retry of a transient failure (--retries): a page that kills workers must
 * not kill them all. True when the job will be handed out again.
 */
bool		 sched_lost(struct sched *, struct job *, const char *why);
/*
 * True once nothing is left but the jobs in flight: the input is read to
 * its end and no job is queued or waiting for a retry. Only a job in
 * flight (a retry, or links) can bring more work. Engines with a handle
 * per worker free idle ones then, so that their clean-up overlaps the last
 * transfers instead of following them.
 */
bool		 sched_draining(struct sched *);
/* Jobs in flight (handed out, not yet done). */
int		 sched_inflight(struct sched *);
/* The most jobs that were in flight at once. */
int		 sched_peak_inflight(struct sched *);
void		 sched_free(struct sched *);

/* Exposed for the unit tests. */
/* The delay before retry number n (1, 2...), seconds, before jitter. */
double		 sched_backoff(unsigned n);

#endif
