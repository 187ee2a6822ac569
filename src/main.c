/*
 * pscrape: fetch every URL of the input lists, count the characters of
 * each page's visible text, report throughput.
 *
 * The data flows one way: source (URL lists) -> engine (scheduling only)
 * -> fetch + extract (fetch.c, extract.c) -> sink (records, statistics)
 * -> report (the per-engine table and --summary).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "engine.h"
#include "options.h"
#include "outfile.h"
#include "output.h"
#include "report.h"
#include "result.h"
#include "savetext.h"
#include "scheduler.h"
#include "stop.h"
#include "strset.h"
#include "url.h"
#include "urllist.h"
#include "xmalloc.h"

#define MAX_RUNS 16

/* --dry-run: print what would be fetched; problems go through the sink. */
static bool
dry_run(struct source *src, struct sink *sink, FILE *out)
{
	struct strset *seen = strset_new();
	struct job *job;
	bool ok = true;

	while ((job = source_next(src, sink)) != NULL) {
		char *shown;

		if (seed_duplicate(seen, job, sink))
			continue;
		shown = url_mask_password(job->url);
		if (ok && (fprintf(out, "%s\n", shown) < 0 ||
		    fflush(out) != 0)) {
			warnx_("cannot write output: %s", strerror(errno));
			ok = false;
		}
		free(shown);
		job_free(job);
	}
	strset_free(seen);
	return ok;
}

/*
 * Several engines run over the same list, so standard input is copied
 * once to an anonymous file that each run reads again from the start.
 */
static FILE *
spool_stdin(void)
{
	char buf[65536];
	size_t n;
	FILE *f;

	if ((f = tmpfile()) == NULL)
		fatal(EXIT_USAGE, "cannot copy standard input: %s",
		    strerror(errno));
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
		if (fwrite(buf, 1, n, f) != n)
			fatal(EXIT_USAGE, "cannot copy standard input: %s",
			    strerror(errno));
	if (ferror(stdin))
		fatal(EXIT_USAGE, "cannot read standard input: %s",
		    strerror(errno));
	return f;
}

static bool
reads_stdin(const struct options *opt)
{
	int i;

	if (opt->nfiles == 0)
		return true;
	for (i = 0; i < opt->nfiles; i++)
		if (strcmp(opt->files[i], "-") == 0)
			return true;
	return false;
}

static bool
write_summary(const char *path, const struct runstats *runs, size_t n)
{
	struct outfile *o;
	char err[1024];

	if ((o = outfile_open(path, err, sizeof err)) == NULL) {
		warnx_("%s", err);
		return false;
	}
	if (report_json(outfile_stream(o), runs, n) != 0) {
		warnx_("cannot write '%s': %s", path, strerror(errno));
		outfile_abort(o);
		return false;
	}
	if (outfile_commit(o) != 0) {
		warnx_("cannot write '%s': %s", path, strerror(errno));
		return false;
	}
	return true;
}

/*
 * --lock: an flock on FILE, taken without waiting (or for up to
 * --lock-wait), held until the process ends. The descriptor is
 * close-on-exec, so no worker keeps it.
 */
static void
take_lock(const struct options *opt)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	long waited = 0;
	int fd;

	if ((fd = open(opt->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0)
		fatal(EXIT_USAGE, "cannot open lock file '%s': %s", opt->lock,
		    strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			fatal(EXIT_USAGE, "cannot lock '%s': %s", opt->lock,
			    strerror(errno));
		if (waited >= opt->lock_wait_ms)
			fatal(EXIT_LOCKED, "another run holds the lock '%s'%s",
			    opt->lock, opt->lock_wait_ms > 0 ?
			    " (waited --lock-wait)" : "");
		nanosleep(&pause, NULL);
		waited += 50;
	}
}

/*
 * Thousands of transfers need thousands of descriptors: take the soft limit
 * up to the hard one. The engines then raise the hard limit too when they
 * need more and may (engine_fit_jobs), and fit -j to what is allowed.
 */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
worker_mode(struct options *opt)
{
	int fd = atoi(getenv(PROCESS_WORKER_ENV)), rc;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);	/* as in main */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return EXIT_FAILURE;
	rc = process_worker_main(opt, fd);
	options_free(opt);
	curl_global_cleanup();
	return rc;
}

int
main(int argc, char **argv)
{
	const struct engine *engines[MAX_RUNS];
	const struct runstats *runs;
	struct savetext *save = NULL;
	struct outfile *of = NULL;
	FILE *out = stdout, *in = NULL, *log = NULL;
	bool written = true, input_failed = false;
	struct options opt;
	struct source *src;
	struct sink *sink;
	int status, nengines, i;
	char err[1024], *note;
	size_t nruns;

	pscrape_argv = argv;
	options_parse(&opt, argc, argv);
	if (getenv(PROCESS_WORKER_ENV) != NULL)
		return worker_mode(&opt);
	nengines = engine_list(opt.engine, engines, MAX_RUNS);
	if (opt.lock != NULL)
		take_lock(&opt);

	/*
	 * A reader that goes away must end in EPIPE, not a silent death; a
	 * file that outgrows ulimit -f in EFBIG, a write error like a full
	 * disk (exit 3, the old -o file kept), not death by SIGXFSZ.
	 */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	stop_install();
	raise_nofile();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal(EXIT_FAILURE, "cannot initialise libcurl");
	if (nengines > 1 && !opt.dry_run && reads_stdin(&opt))
		in = spool_stdin();

	if (opt.log != NULL && (log = fopen(opt.log, "ae")) == NULL)
		fatal(EXIT_WRITE, "cannot write '%s': %s", opt.log,
		    strerror(errno));
	/*
	 * Everything that can fail the run before it starts is done before
	 * -o makes its temporary file, which an exit now would leave behind.
	 */
	if ((src = source_open(opt.files, opt.nfiles, in, err,
	    sizeof err)) == NULL)
		fatal(EXIT_USAGE, "%s", err);
	source_close(src);
	if (opt.save_text != NULL && !opt.dry_run &&
	    (save = savetext_open(opt.save_text, err, sizeof err)) == NULL)
		fatal(EXIT_WRITE, "%s", err);
	if (opt.output != NULL) {
		if ((of = outfile_open(opt.output, err, sizeof err)) == NULL)
			fatal(EXIT_WRITE, "%s", err);
		out = outfile_stream(of);
	}
	sink = sink_new(&opt, out, of == NULL, log);
	note = xasprintf("start pscrape %s: engine %s, %d list%s",
	    PACKAGE_VERSION, opt.engine, opt.nfiles ? opt.nfiles : 1,
	    opt.nfiles > 1 ? "s" : "");
	sink_log(sink, note);
	free(note);

	for (i = 0; i < (opt.dry_run ? 1 : nengines); i++) {
		const struct engine *e = engines[i];
		struct run run = {
			.opt = &opt,
			.sink = sink,
			.save = save,
			.engine = e->name,
			.jobs = e->sequential ? 1 :
			    opt.jobs ? opt.jobs : e->default_jobs,
		};

		if (in != NULL)
			rewind(in);
		src = source_open(opt.files, opt.nfiles, in, err, sizeof err);
		if (src == NULL)
			fatal(EXIT_USAGE, "%s", err);
		source_set_shard(src, opt.shard_k, opt.shard_n,
		    opt.shard_by_url);
		run.src = src;
		if (opt.dry_run)
			written = dry_run(src, sink, out);
		else {
			sink_start(sink, run.engine, run.jobs);
			run.sched = sched_new(&opt, src, sink, run.engine,
			    run.jobs);
			e->run(&run);
			sched_free(run.sched);
			sink_finish(sink, run.jobs);
		}
		if (source_failed(src))
			input_failed = true;
		source_close(src);
		if (stop_signal != 0)
			break;
	}

	runs = sink_runs(sink, &nruns);
	/* Nobody is left to read a table when the reader went away. */
	if (!opt.quiet && nruns > 0 && !sink_reader_gone(sink))
		report_table(stderr, runs, nruns);
	if (opt.summary != NULL && !write_summary(opt.summary, runs, nruns))
		written = false;
	if (of != NULL) {
		/* After a write error the old file is kept: see outfile.h. */
		if (sink_write_failed(sink) || !written)
			outfile_abort(of);
		else if (outfile_commit(of) != 0) {
			warnx_("cannot write '%s': %s", opt.output,
			    strerror(errno));
			written = false;
		}
	} else if (!sink_write_failed(sink) && fflush(stdout) != 0) {
		if (errno != EPIPE)
			warnx_("cannot write output: %s", strerror(errno));
		written = false;
	}

	if (stop_signal > 0)
		status = 128 + stop_signal;
	else if (sink_reader_gone(sink))
		status = 128 + SIGPIPE;	/* as if SIGPIPE had ended us */
	else if (!written || sink_write_failed(sink))
		status = EXIT_WRITE;
	else if (input_failed)
		status = EXIT_USAGE;
	else if (sink_failed_pct(sink) > opt.fail_threshold ||
	    (opt.fail_threshold == 0 && sink_failed_pct(sink) > 0))
		status = EXIT_SOME_FAIL;
	else
		status = EXIT_ALL_OK;

	note = xasprintf("end status %d", status);
	sink_log(sink, note);
	free(note);
	sink_free(sink);
	savetext_close(save);
	if (in != NULL)
		fclose(in);
	if (log != NULL)
		fclose(log);
	options_free(&opt);
	curl_global_cleanup();
	return status;
}
