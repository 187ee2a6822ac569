/*
 * pscrape: fetch every URL of the input lists, count the characters of
 * each page's visible text, report throughput.
 *
 * The data flows one way: source (URL lists) -> engine (scheduling only)
 * -> fetch + extract (fetch.c, extract.c) -> sink (records, summary).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "engine.h"
#include "options.h"
#include "output.h"
#include "result.h"
#include "savetext.h"
#include "urllist.h"
#include "xmalloc.h"

/* --dry-run: print what would be fetched; problems go through the sink. */
static bool
dry_run(struct source *src, struct sink *sink, FILE *out)
{
	struct job *job;
	bool ok = true;

	while ((job = source_next(src, sink)) != NULL) {
		char *shown = url_mask_password(job->url);

		if (ok && (fprintf(out, "%s\n", shown) < 0 ||
		    fflush(out) != 0)) {
			warnx_("cannot write output: %s", strerror(errno));
			ok = false;
		}
		free(shown);
		job_free(job);
	}
	return ok;
}

int
main(int argc, char **argv)
{
	const struct engine *engine;
	struct savetext *save = NULL;
	struct options opt;
	struct source *src;
	struct sink *sink;
	char err[1024];
	bool written = true;
	FILE *out = stdout;
	int status;

	options_parse(&opt, argc, argv);
	engine = engine_find(opt.engine);
	/* A reader that goes away must end in EPIPE, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal(EXIT_FAILURE, "cannot initialise libcurl");

	if ((src = source_open(opt.files, opt.nfiles, err, sizeof err)) == NULL)
		fatal(EXIT_USAGE, "%s", err);
	if (opt.output != NULL && (out = fopen(opt.output, "w")) == NULL)
		fatal(EXIT_WRITE, "cannot write '%s': %s", opt.output,
		    strerror(errno));
	if (opt.save_text != NULL && !opt.dry_run &&
	    (save = savetext_open(opt.save_text, err, sizeof err)) == NULL)
		fatal(EXIT_WRITE, "%s", err);
	sink = sink_new(&opt, out);

	if (opt.dry_run)
		written = dry_run(src, sink, out);
	else {
		struct run run = {
			.opt = &opt,
			.src = src,
			.sink = sink,
			.save = save,
			.engine = engine->name,
			.jobs = opt.jobs ? opt.jobs : engine->default_jobs,
		};

		sink_start(sink, run.engine, run.jobs);
		engine->run(&run);
		sink_finish(sink);
	}

	if (out != stdout && fclose(out) != 0) {
		warnx_("cannot write '%s': %s", opt.output, strerror(errno));
		written = false;
	}
	if (!written || sink_write_failed(sink))
		status = EXIT_WRITE;
	else if (source_failed(src))
		status = EXIT_USAGE;
	else if (sink_any_failed(sink))
		status = EXIT_SOME_FAIL;
	else
		status = EXIT_ALL_OK;

	sink_free(sink);
	savetext_close(save);
	source_close(src);
	options_free(&opt);
	curl_global_cleanup();
	return status;
}
