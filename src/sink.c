/*
 * The sink. One lock serialises everything a record sets off: its
 * statistics, its bytes on the record stream, the --log line and any
 * message on stderr (the progress line is erased first, under the same
 * lock, so the two never mix).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fetch.h"
#include "format.h"
#include "frontier.h"
#include "options.h"
#include "progress.h"
#include "result.h"
#include "sink.h"
#include "stats.h"
#include "stop.h"
#include "xmalloc.h"

struct sink {
	const struct options	*opt;
	unsigned		 fields;	/* format_fields(): per run */
	FILE			*out;
	bool			 quiet_out;	/* -q: nothing to stdout */
	bool			 out_tty;	/* out is a terminal */
	FILE			*log;		/* --log, or NULL */
	pthread_mutex_t		 lock;
	struct textbuf		 line;		/* reused per record */
	bool			 header_done;	/* CSV header written */
	enum {
		WRITE_OK,
		WRITE_FAILED,		/* nothing more goes out */
		WRITE_READER_GONE,	/* the same, quietly: EPIPE */
	}			 write;
	uint64_t		 total;		/* records to come; 0: unknown */
	struct stats		*stats;
	struct progress		*progress;	/* NULL: not on a terminal */
	/*
	 * -q with --fail-threshold: failures wait here, and go to stderr only
	 * when the run is judged failed (sink_print_failures), so that cron
	 * does not mail the dead links the threshold allows.
	 */
	bool			 defer;
	struct textbuf		 deferred;	/* the first DEFER_MAX lines */
	uint64_t		 ndeferred;	/* all of them */
	bool			 cert_hinted;	/* the --cacert hint is out */
	bool			 save_failed;	/* --save-text's DIR failed */
	/*
	 * --state: a record goes out only once its row is committed, so
	 * that a killed run never wrote what its state does not hold. The
	 * records of the open batch wait here; the ticker thread commits
	 * the batch when it is BATCH_RECORDS / 2 long or BATCH_MS old (the
	 * thread of the record does, at BATCH_RECORDS, if there is no
	 * ticker); never more than BATCH_RECORDS are uncommitted. A kill
	 * between a commit and the write of its records would lose them:
	 * the next attempt replays them from the state (frontier_replay()),
	 * and those of a kill after the write too, as the state learns
	 * that they are out only with the next commit.
	 */
	struct frontier		*state;
	/*
	 * --frontier: a record goes out first, then its URL is done in the
	 * shared frontier, so that a kill between the two makes a second
	 * record (marked "releases") instead of none.
	 */
	struct frontier		*shared;
	struct textbuf		 held;		/* their lines */
	size_t			 pending;	/* records in the batch */
	struct timespec		 since;		/* the batch's first */
	/*
	 * The ticker is the writer: it commits a batch (frontier_seal()
	 * under the lock, frontier_commit_sealed() outside it, while
	 * records go on coming), then writes its lines, under the lock
	 * again. At most BATCH_RECORDS records are in the batch and the
	 * one being committed together: a record waits for room (room).
	 */
	struct textbuf		 sealed;	/* the lines being committed */
	size_t			 nsealed;	/* their records */
	pthread_cond_t		 room;
	pthread_t		 ticker;
	pthread_cond_t		 tick;
	bool			 ticking;	/* the ticker runs */
	/*
	 * Tests only: SIGKILL at the Nth commit of a batch, after the
	 * commit and before the write of its records (kill_write: after
	 * the write), from PSCRAPE_TEST_KILL ("commit:N" or "write:N").
	 */
	unsigned		 kill_at;
	bool			 kill_write;
};

#define BATCH_RECORDS	512
#define BATCH_MS	100

static void	*ticker_main(void *);

/* Enough lines to say why; the rest are in -o and --log. */
#define DEFER_MAX 100

/* What the progress line shows; called with the lock held. */
static void
progress_counts(void *arg, struct progress_counts *c)
{
	struct sink *s = arg;
	const struct runstats *r = stats_current(s->stats);

	c->engine = r->engine;
	c->done = r->urls;
	c->ok = r->ok;
	c->failed = r->failed;
	c->total = s->total;
	c->secs = stats_elapsed(s->stats);
}

struct sink *
sink_new(const struct options *opt, FILE *out, bool to_stdout, FILE *log)
{
	struct sink *s = xcalloc(1, sizeof *s);
	pthread_condattr_t ca;

	s->opt = opt;
	s->fields = format_fields(opt);
	s->out = out;
	s->quiet_out = opt->quiet && to_stdout;
	s->out_tty = out != NULL && isatty(fileno(out));
	s->log = log;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->tick, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&s->room, NULL);
	s->stats = stats_new();
	s->defer = opt->quiet && opt->fail_threshold > 0;
	if (!opt->quiet && !opt->dry_run)
		s->progress = progress_new(&s->lock, progress_counts, s);
	return s;
}

void
sink_free(struct sink *s)
{
	if (s == NULL)
		return;
	progress_free(s->progress);
	stats_free(s->stats);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->tick);
	pthread_cond_destroy(&s->room);
	free(s->held.data);
	free(s->sealed.data);
	free(s->line.data);
	free(s->deferred.data);
	free(s);
}

void
sink_input_done(struct sink *s, uint64_t total)
{
	pthread_mutex_lock(&s->lock);
	s->total = total;
	pthread_mutex_unlock(&s->lock);
}

void
sink_start(struct sink *s, const char *engine, int jobs)
{
	pthread_mutex_lock(&s->lock);
	stats_start(s->stats, engine, jobs);
	s->total = 0;
	pthread_mutex_unlock(&s->lock);
	if (s->state != NULL && !s->ticking) {
		s->ticking = true;
		if (pthread_create(&s->ticker, NULL, ticker_main, s) != 0)
			s->ticking = false;	/* batches close on records */
	}
	if (s->progress != NULL && !progress_start(s->progress)) {
		progress_free(s->progress);
		s->progress = NULL;
	}
}

/*
 * Write to the record stream. The first failure stops the run (nothing
 * more can be delivered); a reader that went away (EPIPE) ends it quietly.
 */
static void
write_out(struct sink *s, const char *p, size_t n)
{
	if (s->write != WRITE_OK)
		return;
	if (fwrite(p, 1, n, s->out) == n && fflush(s->out) == 0)
		return;
	if (errno == EPIPE)
		s->write = WRITE_READER_GONE;
	else {
		s->write = WRITE_FAILED;
		warnx_("cannot write output: %s", strerror(errno));
	}
	if (stop_signal == 0)
		stop_signal = STOP_OUTPUT;
}

void
sink_header_written(struct sink *s)
{
	s->header_done = true;
}

/* A CSV stream starts with its header, once. */
static void
write_header(struct sink *s)
{
	const char *h;

	if (s->opt->format == FORMAT_CSV && !s->header_done) {
		h = csv_header(s->fields);
		write_out(s, h, strlen(h));
		s->header_done = true;
	}
}

/* One --log line: an ISO 8601 local timestamp, then the text. */
static void __attribute__((format(printf, 2, 3)))
log_line(struct sink *s, const char *fmt, ...)
{
	char stamp[40];
	struct tm tm;
	time_t now;
	va_list ap;

	if (s->log == NULL)
		return;
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S%z", &tm);
	/* +hhmm to +hh:mm, the extended form the rest of the stamp uses. */
	memmove(stamp + strlen(stamp) - 1, stamp + strlen(stamp) - 2, 3);
	stamp[strlen(stamp) - 3] = ':';
	fprintf(s->log, "%s ", stamp);
	va_start(ap, fmt);
	vfprintf(s->log, fmt, ap);
	va_end(ap);
	fputc('\n', s->log);
	fflush(s->log);
}

void
sink_log(struct sink *s, const char *text)
{
	pthread_mutex_lock(&s->lock);
	log_line(s, "%s", text);
	pthread_mutex_unlock(&s->lock);
}

/* In a dry run, only problems are reported: on stderr, one per line. */
static void
dry_run_report(struct sink *s, const struct result *r)
{
	s->line.len = 0;
	if (r->duplicate_of != NULL) {
		text_safe(&s->line, r->input);
		buf_adds(&s->line, ": duplicate of ");
		text_safe(&s->line, r->duplicate_of);
	} else
		text_safe(&s->line, r->error);
	fprintf(stderr, "pscrape: %s\n", s->line.data);
}

static long
ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000L +
	    (now.tv_nsec - t->tv_nsec) / 1000000L;
}

/* PSCRAPE_TEST_KILL's moment: after the commit (!write), or the write. */
static void
test_kill(struct sink *s, bool write)
{
	if (s->kill_at > 0 && s->kill_write == write && --s->kill_at == 0)
		raise(SIGKILL);
}

/*
 * Commit the batch, then let its records out. The lock is held on entry
 * and on return; the ticker (outside) lets it go for the commit, while
 * records go on coming into the next batch.
 */
static void
batch_commit(struct sink *s, bool outside)
{
	struct textbuf t = s->sealed;

	if (s->pending == 0)
		return;
	s->sealed = s->held;
	s->held = t;
	s->nsealed = s->pending;
	s->pending = 0;
	frontier_seal(s->state);
	if (outside)
		pthread_mutex_unlock(&s->lock);
	frontier_commit_sealed(s->state);
	if (outside)
		pthread_mutex_lock(&s->lock);
	test_kill(s, false);
	if (s->sealed.len > 0) {
		write_header(s);
		write_out(s, s->sealed.data, s->sealed.len);
	}
	test_kill(s, true);
	/* Out; or not, and then the next attempt writes them. */
	if (s->write == WRITE_OK)
		frontier_flushed(s->state);
	s->sealed.len = 0;
	s->nsealed = 0;
	pthread_cond_broadcast(&s->room);
	frontier_checkpoint(s->state);
}

/*
 * A batch is due when it is half the room (so that records go on coming
 * while it is committed) or BATCH_MS old.
 */
static bool
batch_due(const struct sink *s)
{
	return s->pending > 0 && (s->pending >= BATCH_RECORDS / 2 ||
	    ms_since(&s->since) >= BATCH_MS);
}

/* The ticker: a batch is committed BATCH_MS after it began, at the latest. */
static void *
ticker_main(void *arg)
{
	struct sink *s = arg;
	struct timespec ts;

	pthread_mutex_lock(&s->lock);
	while (s->ticking) {
		if (batch_due(s)) {
			batch_commit(s, true);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += BATCH_MS / 2 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->tick, &s->lock, &ts);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/*
 * --state, as an attempt begins: the records the attempt before may not
 * have written, first. Not in the statistics: this attempt did not
 * fetch them.
 */
static void
replay(struct sink *s)
{
	struct result **v;
	size_t i, n;

	n = frontier_replay(s->state, &v);
	for (i = 0; i < n; i++) {
		if (!s->quiet_out) {
			s->line.len = 0;
			format_record(&s->line, s->opt->format, s->fields,
			    v[i]);
			write_header(s);
			write_out(s, s->line.data, s->line.len);
		}
		result_free(v[i]);
	}
	free(v);
	if (s->write == WRITE_OK)
		frontier_flushed(s->state);
}

void
sink_hold_for(struct sink *s, struct frontier *state)
{
	const char *k = getenv("PSCRAPE_TEST_KILL");

	if (!frontier_durable(state)) {
		s->shared = state;
		return;
	}
	s->state = state;
	/* Only its own moments: "level:N" is the scheduler's. */
	if (k != NULL && strncmp(k, "commit:", 7) == 0)
		s->kill_at = (unsigned)strtoul(k + 7, NULL, 10);
	else if (k != NULL && strncmp(k, "write:", 6) == 0) {
		s->kill_write = true;
		s->kill_at = (unsigned)strtoul(k + 6, NULL, 10);
	}
	pthread_mutex_lock(&s->lock);
	replay(s);
	pthread_mutex_unlock(&s->lock);
}

/* A record's line: out now, or with its batch under --state. */
static void
put_record(struct sink *s, const char *p, size_t n)
{
	if (s->state == NULL) {
		write_header(s);
		write_out(s, p, n);
	} else
		buf_add(&s->held, p, n);
}

void
sink_emit(struct sink *s, struct result *r)
{
	pthread_mutex_lock(&s->lock);
	while (s->ticking && s->pending + s->nsealed >= BATCH_RECORDS) {
		pthread_cond_signal(&s->tick);
		pthread_cond_wait(&s->room, &s->lock);
	}
	if (s->state != NULL)
		frontier_recall(s->state, r);
	/* Its line's record went out in an earlier attempt of the run. */
	if ((s->state != NULL && !frontier_complete(s->state, r)) ||
	    (s->shared != NULL && !frontier_complete(s->shared, r))) {
		pthread_mutex_unlock(&s->lock);
		result_free(r);
		return;
	}
	if (s->state != NULL && s->pending++ == 0)
		clock_gettime(CLOCK_MONOTONIC, &s->since);
	if (r->engine == NULL)
		r->engine = stats_current(s->stats)->engine;
	stats_add(s->stats, r);
	/*
	 * The line is erased only for what goes to the terminal: a record
	 * to a file leaves it alone, to be redrawn in place on its schedule.
	 */
	if (s->opt->dry_run || (s->out_tty && !s->quiet_out) ||
	    (!r->ok && r->duplicate_of == NULL && s->opt->quiet && !s->defer))
		progress_erase(s->progress);
	if (s->opt->dry_run) {
		if (!r->muted)
			dry_run_report(s, r);
	} else if (!s->quiet_out) {
		s->line.len = 0;
		format_record(&s->line, s->opt->format, s->fields, r);
		put_record(s, s->line.data, s->line.len);
	}
	if (s->shared != NULL)
		frontier_written(s->shared, r);
	/* Once a run, not once a URL: every URL of the host fails alike. */
	if (!s->cert_hinted && result_cert_failed(r)) {
		s->cert_hinted = true;
		warnx_("%s: the server's TLS certificate could not be verified:"
		    " give the CA that issued it with --cacert FILE, or turn"
		    " verification off with -k", r->url);
	}
	/*
	 * A full --save-text DIR fails every page after it: one message, and
	 * the run stops as on an output error, the pages in flight muted.
	 */
	if (r->save_errno != 0) {
		if (!s->save_failed) {
			s->save_failed = true;
			progress_erase(s->progress);
			warnx_("cannot write in --save-text directory '%s': %s;"
			    " stopping", s->opt->save_text,
			    strerror(r->save_errno));
		}
		if (stop_signal == 0)
			stop_signal = STOP_OUTPUT;
	}
	/* The message stands for the records the stop cut short (-q). */
	if (s->save_failed)
		r->muted = true;
	if (!r->ok && r->duplicate_of == NULL && !s->opt->dry_run) {
		s->line.len = 0;
		format_record(&s->line, FORMAT_TEXT, 0, r);
		if (r->muted)
			;	/* the list's one hint stands for its lines */
		else if (s->defer) {
			if (s->ndeferred++ < DEFER_MAX)
				buf_adds(&s->deferred, s->line.data);
		} else if (s->opt->quiet) /* cron mails what -q lets through */
			fputs(s->line.data, stderr);
		s->line.data[--s->line.len] = '\0';
		log_line(s, "%s", s->line.data);
	}
	if (s->ticking) {
		if (s->pending >= BATCH_RECORDS / 2)
			pthread_cond_signal(&s->tick);
	} else if (s->pending >= BATCH_RECORDS || (s->pending > 0 &&
	    ms_since(&s->since) >= BATCH_MS))
		batch_commit(s, false);
	pthread_mutex_unlock(&s->lock);
	result_free(r);
}

void
sink_finish(struct sink *s, int jobs, int peak, const struct fetch_counts *c)
{
	const struct runstats *r;
	if (s->ticking) {
		pthread_mutex_lock(&s->lock);
		s->ticking = false;
		pthread_cond_signal(&s->tick);
		pthread_cond_broadcast(&s->room);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->ticker, NULL);
	}
	/* A CSV file always starts with its header, records or none. */
	pthread_mutex_lock(&s->lock);
	if (s->state != NULL)
		batch_commit(s, false);
	if (!s->quiet_out)
		write_header(s);
	pthread_mutex_unlock(&s->lock);

	progress_stop(s->progress);
	pthread_mutex_lock(&s->lock);
	stats_add_costs(s->stats, c->connects, c->handshakes, c->resumed,
	    c->http);
	r = stats_finish(s->stats, jobs, peak);
	log_line(s, "summary %s -j %d: %llu URLs, %llu ok, %llu failed, %llu"
	    " duplicates, %.2f s", r->engine, r->jobs,
	    (unsigned long long)r->urls, (unsigned long long)r->ok,
	    (unsigned long long)r->failed, (unsigned long long)r->duplicates,
	    r->wall_s);
	pthread_mutex_unlock(&s->lock);
}

const struct runstats *
sink_runs(const struct sink *s, size_t *n)
{
	return stats_runs(s->stats, n);
}

void
sink_print_failures(struct sink *s)
{
	if (!s->defer || s->ndeferred == 0)
		return;
	if (s->deferred.len > 0)
		fwrite(s->deferred.data, 1, s->deferred.len, stderr);
	if (s->ndeferred > DEFER_MAX)
		fprintf(stderr, "pscrape: %llu more failures (in the records"
		    " and --log)\n",
		    (unsigned long long)(s->ndeferred - DEFER_MAX));
	fprintf(stderr, "pscrape: %.1f%% of the URLs failed, over"
	    " --fail-threshold %g\n", stats_failed_pct(s->stats),
	    s->opt->fail_threshold);
}

void
sink_child_rss(struct sink *s, long kb)
{
	pthread_mutex_lock(&s->lock);
	stats_add_child_rss(s->stats, kb);
	pthread_mutex_unlock(&s->lock);
}

double
sink_failed_pct(const struct sink *s)
{
	return stats_failed_pct(s->stats);
}

bool
sink_write_failed(const struct sink *s)
{
	return s->write != WRITE_OK;
}

bool
sink_save_failed(const struct sink *s)
{
	return s->save_failed;
}

bool
sink_reader_gone(const struct sink *s)
{
	return s->write == WRITE_READER_GONE;
}
