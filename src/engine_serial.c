/*
 * The serial engine: one page after another on one easy handle (so the
 * connection and DNS cache are reused). The baseline every speed-up is
 * measured against, and what the other engines fall back on when they
 * cannot start a single thread or worker process.
 *
 * A job that a process worker died on (job->lost: only the process engine
 * loses jobs so, and it falls back on this loop when none is left) is not
 * risked in this process: its record fails with the reason.
 */
#include "config.h"

#include "engine.h"
#include "fetch.h"
#include "extract.h"
#include "scheduler.h"

void
engine_serial(struct run *run)
{
	struct fetch *f = fetch_new(run->opt, run->save);
	struct result *r;
	struct job *job;

	extract_cache_limit(EXTRACT_CACHE_ONE);	/* one parse at a time */
	while ((job = sched_next_wait(run->sched)) != NULL) {
		if (job->lost != NULL) {
			r = result_from_job(job);
			result_fail(r, "%s", job->lost);
		} else
			r = fetch_page(f, job);
		sched_done(run->sched, r);
	}
	fetch_free(f);
	extract_cache_limit(0);		/* for the engine after (all) */
}
