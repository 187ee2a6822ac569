/*
 * The serial engine: one page after another on one easy handle (so the
 * connection and DNS cache are reused). The baseline every speed-up is
 * measured against.
 */
#include "config.h"

#include "engine.h"
#include "fetch.h"
#include "output.h"
#include "urllist.h"

void
engine_serial(struct run *run)
{
	struct fetch *f = fetch_new(run->opt, run->save);
	struct job *job;

	while ((job = source_next(run->src, run->sink)) != NULL)
		sink_emit(run->sink, fetch_page(f, job, run->engine));
	fetch_free(f);
}
