/*
 * The serial engine: one page after another on one easy handle (so the
 * connection and DNS cache are reused). The baseline every speed-up is
 * measured against.
 */
#include "config.h"

#include "engine.h"
#include "fetch.h"
#include "scheduler.h"

void
engine_serial(struct run *run)
{
	struct fetch *f = fetch_new(run->opt, run->save);
	struct job *job;

	while ((job = sched_next_wait(run->sched)) != NULL)
		sched_done(run->sched, fetch_page(f, job));
	fetch_free(f);
}
