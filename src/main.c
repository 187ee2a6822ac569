/*
 * pscrape: fetch every URL of the input lists, count the characters of
 * each page's visible text, report throughput.
 *
 * The data flows one way:
 *
 *   source (URL lists: urllist.c)
 *   -> scheduler (politeness, robots.txt, retries, crawl: scheduler.c)
 *   -> engine (concurrency only: engine_*.c)
 *   -> fetch + extract (fetch.c, extract.c)
 *   -> sink (records, --log, the progress line, statistics: sink.c,
 *      format.c, progress.c, stats.c)
 *   -> report (the per-engine table and --summary: stats.c)
 *
 * The source also emits to the sink: a finished record for each line it
 * rejects (a bad URL, a duplicate), which is never fetched.
 *
 * This file owns the run's phases (main() at the end reads as them):
 * start the process, open the outputs, run each engine over the lists,
 * report, and close with the exit status.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "budget.h"
#include "engine.h"
#include "extract.h"
#include "fetch.h"
#include "format.h"
#include "frontier.h"
#include "options.h"
#include "outfile.h"
#include "result.h"
#include "savetext.h"
#include "scheduler.h"
#include "sink.h"
#include "stats.h"
#include "stop.h"
#include "url.h"
#include "urllist.h"
#include "worker.h"
#include "xmalloc.h"

#define MAX_RUNS 16

/* --dry-run: print what would be fetched; problems go through the sink. */
static bool
dry_run(struct source *src, struct sink *sink, FILE *out)
{
	struct frontier *seen = frontier_mem_new();
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
	frontier_close(seen, true);
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

/* What write_file() writes: --summary's runs, or -c's cookies. */
struct contents {
	const struct runstats	*runs;
	size_t			 nruns;
	struct curl_slist	*cookies;
};

static int
put_summary(FILE *f, const struct contents *c)
{
	return stats_json(f, c->runs, c->nruns);
}

/* The cookies as curl -c writes them: a Netscape cookie file. */
static int
put_cookies(FILE *f, const struct contents *c)
{
	const struct curl_slist *l;

	fprintf(f, "# Netscape HTTP Cookie File\n"
	    "# Written by pscrape %s.\n\n", PACKAGE_VERSION);
	for (l = c->cookies; l != NULL; l = l->next)
		fprintf(f, "%s\n", l->data);
	return ferror(f) ? -1 : 0;
}

/*
 * A run that did not finish (a stop signal, or an output that failed)
 * replaces none of the files of the last run: what it has goes to
 * FILE.partial (see outfile.h), and stderr says so.
 */
static int
commit(struct outfile *o, const char *path)
{
	int rc;

	if (stop_signal == 0)
		return outfile_commit(o);
	if ((rc = outfile_commit_partial(o)) == 1) {
		warnx_("stopped by %s: '%s' left as it was; this run's part is"
		    " in '%s" OUTFILE_PARTIAL "'", stop_reason(), path, path);
		rc = 0;
	}
	return rc;
}

/* A file of ours, whole or not at all: see outfile.h. */
static bool
write_file(const char *path, int (*put)(FILE *, const struct contents *),
    const struct contents *c, bool partial)
{
	struct outfile *o;
	char err[1024];

	if ((o = outfile_open(path, err, sizeof err)) == NULL) {
		warnx_("%s", err);
		return false;
	}
	if (put(outfile_stream(o), c) != 0) {
		warnx_("cannot write '%s': %s", path, strerror(errno));
		outfile_abort(o);
		return false;
	}
	if ((partial ? commit(o, path) : outfile_commit(o)) != 0) {
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
	int fd, sig;

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
		/* Stop signals are blocked still (see main): look for one. */
		if ((sig = stop_pending()) != 0)
			exit(128 + sig);
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

/* What main() holds across its phases. */
struct session {
	struct options		 opt;
	const struct engine	*engines[MAX_RUNS];
	int			 nengines;
	int			 jobs;		/* -j of every engine but serial */
	FILE			*in;		/* stdin copied, or NULL */
	FILE			*log;		/* --log, or NULL */
	FILE			*out;		/* records: stdout or -o's */
	struct outfile		*of;		/* -o, or NULL */
	struct savetext		*save;		/* --save-text, or NULL */
	struct sink		*sink;
	struct frontier		*state;		/* --state, --frontier, or NULL */
	bool			 written;	/* output went out whole */
	bool			 input_failed;
	int			 nruns;		/* the lists read so far */
};

/* The process around the run: signals, limits, libcurl, stdin. */
static void
start_process(struct session *s)
{
	char err[1024];

	/*
	 * A reader that goes away must end in EPIPE, not a silent death; a
	 * file that outgrows ulimit -f in EFBIG, a write error like a full
	 * disk (exit 3, the old -o file kept), not death by SIGXFSZ.
	 */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	stop_install();
	raise_nofile();
	/* Before any worker: they share its count (budget.h). */
	budget_init(s->opt.max_memory);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal(EXIT_FAILURE, "cannot initialise libcurl");
	if (fetch_cookies_start(&s->opt, err, sizeof err) != 0)
		fatal(EXIT_USAGE, "%s", err);
	if (s->nengines > 1 && !s->opt.dry_run && reads_stdin(&s->opt))
		s->in = spool_stdin();
}

/* The lines of -o carried on from an attempt before (outfile.h). */
struct carry {
	enum format	 format;
	bool		 quoted;	/* CSV: in a field that goes on */
};

/* Its records cut by a stop are not final: the run fetches them again. */
static bool
drop_cut(const char *line, size_t len, void *arg)
{
	struct carry *c = arg;

	return format_interrupted(c->format, line, len, &c->quoted);
}

/* --log, a check of the lists, --save-text, -o and the sink over them. */
static void
open_outputs(struct session *s)
{
	const struct options *opt = &s->opt;
	struct source *src;
	char err[1024], *note, *from = NULL;
	uint64_t kept = 0, dropped = 0;
	struct carry carry = { FORMAT_TEXT, false };

	if (opt->log != NULL && (s->log = fopen(opt->log, "ae")) == NULL)
		fatal(EXIT_WRITE, "cannot write '%s': %s", opt->log,
		    strerror(errno));
	/*
	 * Everything that can fail the run before it starts is done before
	 * -o makes its temporary file, which an exit now would leave behind.
	 */
	if ((src = source_open(opt->files, opt->nfiles, opt->nlistfiles, s->in,
	    err, sizeof err)) == NULL)
		fatal(EXIT_USAGE, "%s", err);
	source_close(src);
	if (opt->since_s > 0 && opt->state == NULL)
		fatal(EXIT_USAGE, "--since needs --state: the state file says"
		    " when each URL was fetched");
	if (opt->state != NULL && !opt->dry_run) {
		if (s->nengines > 1 || opt->repeat > 1)
			fatal(EXIT_USAGE, "--state runs one engine once: no"
			    " engine list, no --repeat");
		s->state = frontier_sqlite_open(opt);
	}
	if (opt->frontier != NULL && !opt->dry_run) {
		if (opt->state != NULL || s->nengines > 1 || opt->repeat > 1)
			fatal(EXIT_USAGE, "--frontier runs one engine once: no"
			    " --state, no engine list, no --repeat");
		s->state = frontier_redis_open(opt);
	}
	if (opt->save_text != NULL && !opt->dry_run &&
	    (s->save = savetext_open(opt->save_text, true, err,
	    sizeof err)) == NULL)
		fatal(EXIT_WRITE, "%s", err);
	if (opt->output != NULL && s->state != NULL && s->state->resumed) {
		/* The run goes on: so does its file. */
		carry.format = opt->format;
		s->of = outfile_open_resumed(opt->output, drop_cut, &carry,
		    &kept, &dropped, &from, err, sizeof err);
		if (s->of == NULL)
			fatal(EXIT_WRITE, "%s", err);
		if (kept > 0 || dropped > 0) {
			note = dropped == 0 ? xstrdup("") : xasprintf(" but"
			    " its %" PRIu64 " records of URLs the stop cut,"
			    " which are fetched again", dropped);
			warnx_("--state %s: the run goes on: '%s' starts with"
			    " the %" PRIu64 " lines the attempt before wrote"
			    " (from '%s')%s", opt->state, opt->output, kept,
			    from, note);
			free(note);
		}
		free(from);
		s->out = outfile_stream(s->of);
	} else if (opt->output != NULL) {
		s->of = outfile_open(opt->output, err, sizeof err);
		if (s->of == NULL)
			fatal(EXIT_WRITE, "%s", err);
		s->out = outfile_stream(s->of);
	}
	s->sink = sink_new(opt, s->out, s->of == NULL, s->log);
	if (kept > 0)
		sink_header_written(s->sink);
	if (s->state != NULL)
		sink_hold_for(s->sink, s->state);
	note = xasprintf("start pscrape %s: engine %s, %d list%s",
	    PACKAGE_VERSION, opt->engine, opt->nfiles ? opt->nfiles : 1,
	    opt->nfiles > 1 ? "s" : "");
	sink_log(s->sink, note);
	free(note);
}

/* One engine over the lists, read again from the start (or --dry-run). */
static void
run_engine(struct session *s, const struct engine *e)
{
	const struct options *opt = &s->opt;
	struct run run = {
		.opt = opt,
		.sink = s->sink,
		.save = s->save,
		.engine = e->name,
		.jobs = e->sequential ? 1 : s->jobs,
	};
	struct frontier *frontier;
	struct source *src;
	struct fetch_counts counts;
	char err[1024];

	if (s->in != NULL)
		rewind(s->in);
	src = source_open(opt->files, opt->nfiles, opt->nlistfiles, s->in, err,
	    sizeof err);
	if (src == NULL)
		fatal(EXIT_USAGE, "%s", err);
	if (s->nruns++ > 0)
		source_quiet(src);	/* its warnings were given */
	source_set_shard(src, opt->shard_k, opt->shard_n, opt->shard_by_url);
	/* --frontier with no list: the lines --load put there. */
	if (opt->frontier != NULL && opt->nfiles == 0 && s->state != NULL)
		source_set_feed(src, frontier_redis_lines,
		    frontier_redis_unlines, s->state);
	run.src = src;
	if (opt->dry_run)
		s->written = dry_run(src, s->sink, s->out);
	else {
		fetch_counts_take(&counts);	/* the last engine's, if any */
		/* Each engine's run starts afresh, but for --state's. */
		frontier = s->state != NULL ? s->state : frontier_mem_new();
		sink_start(s->sink, run.engine, run.jobs);
		run.sched = sched_new(opt, src, s->sink, frontier, run.jobs);
		e->run(&run);
		fetch_counts_take(&counts);
		sink_finish(s->sink, run.jobs, sched_peak_inflight(run.sched),
		    &counts);
		sched_free(run.sched);
		if (frontier != s->state)
			frontier_close(frontier, true);
	}
	if (source_failed(src))
		s->input_failed = true;
	/*
	 * After a stop the rest of the input is not read (a list of ten
	 * million lines would keep a stop from being prompt), so its lines
	 * get no record: say where reading ended. Every line read has one.
	 * Not after an output error, which has its own message.
	 */
	if (stop_signal > 0 && !opt->dry_run &&
	    source_unread(src, err, sizeof err))
		warnx_("stopped by %s: input read %s; the lines after it"
		    " have no record", stop_reason(), err);
	source_close(src);
}

/*
 * Each engine in turn, --repeat rounds of them, until a signal asks us to
 * stop. A comparison is fair only at one -j: the one given, or the
 * largest default among them; and only when a load that drifts meets
 * every engine alike, hence rounds of every engine, not each engine's
 * runs together.
 */
static void
run_engines(struct session *s)
{
	int i, round;

	s->jobs = s->opt.jobs;
	for (i = 0; i < s->nengines && s->opt.jobs == 0; i++)
		if (!s->engines[i]->sequential &&
		    s->engines[i]->default_jobs > s->jobs)
			s->jobs = s->engines[i]->default_jobs;

	if (s->opt.dry_run) {
		run_engine(s, s->engines[0]);
		return;
	}
	for (round = 0; round < s->opt.repeat; round++)
		for (i = 0; i < s->nengines; i++) {
			run_engine(s, s->engines[i]);
			if (stop_signal != 0)
				return;
		}
}

/*
 * Above a comparison, what every engine ran with; below it, a note when
 * the politeness limits, not -j, bounded the runs: then they all tie.
 */
static void
table_notes(const struct session *s, const struct runstats *runs,
    size_t nruns, bool below)
{
	const struct options *opt = &s->opt;
	size_t i;

	if (!below) {
		if (s->nengines < 2)
			return;
		fprintf(stderr, "every engine: -j %d%s, --per-host %d%s", s->jobs,
		    s->opt.jobs ? "" : " (the largest default)",
		    opt->per_host, opt->per_host ? "" : " (no limit)");
		if (opt->rate > 0)
			fprintf(stderr, ", --rate %g/s", opt->rate);
		if (opt->host_rate > 0)
			fprintf(stderr, ", --host-rate %g/s", opt->host_rate);
		for (i = 0; i < (size_t)s->nengines; i++)
			if (s->engines[i]->sequential)
				fprintf(stderr, "; %s: -j 1, one at a time",
				    s->engines[i]->name);
		fputc('\n', stderr);
		return;
	}
	for (i = 0; i < nruns; i++) {
		const struct runstats *r = &runs[i];

		/* --since's skips were never transfers. */
		if (r->jobs > 1 && r->peak_inflight < r->jobs &&
		    r->urls - r->skipped > (uint64_t)r->peak_inflight &&
		    (opt->per_host > 0 || opt->rate > 0 || opt->host_rate > 0)) {
			fprintf(stderr, "note: %s had at most %d of -j %d in"
			    " flight: --per-host, --rate or --host-rate\n"
			    "bounded the run, not the engine%s\n", r->engine,
			    r->peak_inflight, r->jobs, s->nengines > 1 ?
			    ", so the engines tie (--per-host 0 lifts it)" : "");
			return;
		}
	}
}

/* The table, --summary, and the records committed to -o or stdout. */
static void
report(struct session *s)
{
	struct contents c = { NULL, 0, NULL };
	const struct runstats *runs;
	size_t nruns;

	runs = c.runs = sink_runs(s->sink, &nruns);
	c.nruns = nruns;
	/* Nobody is left to read a table when the reader went away. */
	if (!s->opt.quiet && nruns > 0 && !sink_reader_gone(s->sink)) {
		table_notes(s, runs, nruns, false);
		stats_table(stderr, runs, nruns, s->opt.verbose > 0);
		table_notes(s, runs, nruns, true);
	}
	if (s->opt.summary != NULL &&
	    !write_file(s->opt.summary, put_summary, &c, true))
		s->written = false;
	if (s->opt.cookie_jar != NULL && !s->opt.dry_run) {
		c.cookies = fetch_cookies();
		if (!write_file(s->opt.cookie_jar, put_cookies, &c, false))
			s->written = false;
		curl_slist_free_all(c.cookies);
	}
	if (s->of != NULL) {
		/* After a write error the old file is kept: see outfile.h. */
		if (sink_write_failed(s->sink) || !s->written)
			outfile_abort(s->of);
		else if (commit(s->of, s->opt.output) != 0) {
			warnx_("cannot write '%s': %s", s->opt.output,
			    strerror(errno));
			s->written = false;
		}
	} else if (!sink_write_failed(s->sink) && fflush(stdout) != 0) {
		if (errno != EPIPE)
			warnx_("cannot write output: %s", strerror(errno));
		s->written = false;
	}
}

/*
 * --load: the lists into the shared frontier, and exit. Nothing is
 * fetched: the processes that crawl run with no list.
 */
static int
load(struct options *opt)
{
	struct source *src;
	char err[1024];
	sigset_t none;
	int status;

	if (opt->frontier == NULL)
		fatal(EXIT_USAGE, "--load needs --frontier URL");
	if (opt->nfiles == 0)
		fatal(EXIT_USAGE, "--load needs a list (FILE, or - for"
		    " stdin)");
	src = source_open(opt->files, opt->nfiles, opt->nlistfiles, NULL, err,
	    sizeof err);
	if (src == NULL)
		fatal(EXIT_USAGE, "%s", err);
	/* Nothing to finish: a signal ends it as it ends any program. */
	sigemptyset(&none);
	stop_restore(&none);
	status = frontier_redis_load(opt, src);
	source_close(src);
	options_free(opt);
	return status;
}

/* The exit status: the first of these that holds, in this order. */
static int
exit_status(const struct session *s)
{
	double failed = sink_failed_pct(s->sink);

	if (stop_signal > 0)
		return 128 + stop_signal;
	if (stop_signal == STOP_FRONTIER)
		return EXIT_FRONTIER;
	if (sink_reader_gone(s->sink))
		return 128 + SIGPIPE;	/* as if SIGPIPE had ended us */
	if (!s->written || sink_write_failed(s->sink) ||
	    sink_save_failed(s->sink))
		return EXIT_WRITE;
	if (s->input_failed)
		return EXIT_USAGE;
	if (failed > s->opt.fail_threshold ||
	    (s->opt.fail_threshold == 0 && failed > 0))
		return EXIT_SOME_FAIL;
	return EXIT_ALL_OK;
}

/* Log the end and let go of everything. */
static void
close_session(struct session *s, int status)
{
	char *note;

	note = xasprintf("end status %d", status);
	sink_log(s->sink, note);
	free(note);
	sink_free(s->sink);
	savetext_close(s->save);
	if (s->in != NULL)
		fclose(s->in);
	if (s->log != NULL)
		fclose(s->log);
	options_free(&s->opt);
	fetch_cookies_end();
	curl_global_cleanup();
}

int
main(int argc, char **argv)
{
	struct session s = { .out = stdout, .written = true };
	int status;

	program_start(argv);
	options_parse(&s.opt, argc, argv);
	if (getenv(PROCESS_WORKER_ENV) != NULL)
		return worker_run(&s.opt);
	s.nengines = engine_list(s.opt.engine, s.engines, MAX_RUNS);
	if (s.opt.status) {
		if (s.opt.frontier == NULL)
			fatal(EXIT_USAGE, "--status needs --frontier URL");
		status = frontier_redis_status(&s.opt, stdout);
		options_free(&s.opt);
		return status;
	}
	if (s.opt.load)
		return load(&s.opt);
	if (s.opt.lock != NULL)
		take_lock(&s.opt);

	start_process(&s);
	open_outputs(&s);
	run_engines(&s);
	/* A run that was stopped is resumed by the next with its --state. */
	frontier_close(s.state, stop_signal == 0);
	report(&s);
	status = exit_status(&s);
	if (status == EXIT_SOME_FAIL)
		sink_print_failures(s.sink);
	close_session(&s, status);
	return status;
}
