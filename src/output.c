/*
 * Record formatting and the sink. Every string a server or an input file
 * controls goes through an escaper: JSON gets valid UTF-8 with control
 * characters escaped, CSV gets RFC 4180 quoting, text gets control bytes
 * shown as \xNN so one record is always one line.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "output.h"
#include "report.h"
#include "stop.h"
#include "xmalloc.h"

struct sink {
	const struct options	*opt;
	FILE			*out;
	bool			 quiet_out;	/* -q: nothing to stdout */
	FILE			*log;		/* --log, or NULL */
	pthread_mutex_t		 lock;
	struct textbuf		 line;		/* reused per record */
	bool			 header_done;	/* CSV header written */
	bool			 write_failed;
	bool			 epipe;		/* the reader went away */
	uint64_t		 all_failed;	/* over every run */
	uint64_t		 all_counted;	/* records but duplicates */

	/* The progress line, on a terminal only. */
	bool			 progress;
	bool			 progress_shown;
	pthread_t		 progress_thread;
	pthread_cond_t		 progress_stop;
	bool			 progress_done;
	uint64_t		 total;		/* records to come; 0: unknown */

	/* The current run. */
	struct runstats		 cur;
	struct timespec		 start;
	struct rusage		 ru_self, ru_children;
	double			*lat;		/* time_ms of each transfer */
	size_t			 nlat, caplat;

	/* The runs finished so far. */
	struct runstats		*runs;
	size_t			 nruns;
};

static void	progress_erase(struct sink *);

/*
 * Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when
 * the bytes there are not valid UTF-8 (overlong, surrogate, truncated).
 */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void
json_string(struct textbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;

	buf_addc(b, '"');
	while (n > 0) {
		switch (*p) {
		case '"':
			buf_adds(b, "\\\"");
			break;
		case '\\':
			buf_adds(b, "\\\\");
			break;
		case '\n':
			buf_adds(b, "\\n");
			break;
		case '\r':
			buf_adds(b, "\\r");
			break;
		case '\t':
			buf_adds(b, "\\t");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				buf_printf(b, "\\u%04x", *p);
				break;
			}
			if ((len = utf8_len(p, n)) == 0) {
				buf_adds(b, "\\ufffd");
				break;
			}
			buf_add(b, p, len);
			p += len;
			n -= len;
			continue;
		}
		p++;
		n--;
	}
	buf_addc(b, '"');
}

void
csv_field(struct textbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;
	bool quote = false;

	for (len = 0; len < n; len++)
		if (p[len] < 0x20 || p[len] == ',' || p[len] == '"' ||
		    p[len] == 0x7f)
			quote = true;
	if (n > 0 && (p[0] == ' ' || p[n - 1] == ' '))
		quote = true;
	if (quote)
		buf_addc(b, '"');
	while (n > 0) {
		if (*p == '"')
			buf_adds(b, "\"\"");
		else if ((len = utf8_len(p, n)) == 0)
			buf_adds(b, "\xef\xbf\xbd");
		else {
			buf_add(b, p, len);
			p += len;
			n -= len;
			continue;
		}
		p++;
		n--;
	}
	if (quote)
		buf_addc(b, '"');
}

void
text_safe(struct textbuf *b, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\x%02x", *p);
		else
			buf_addc(b, (char)*p);
	}
}

const char *
csv_header(void)
{
	return "url,input,final_url,status,ok,duplicate_of,content_type,"
	    "charset,bytes,chars,time_ms,ttfb_ms,engine,attempts,depth,"
	    "referrer,error\r\n";
}

static void
json_field(struct textbuf *b, const char *name, const char *v)
{
	buf_printf(b, ",\"%s\":", name);
	if (v == NULL)
		buf_adds(b, "null");
	else
		json_string(b, v);
}

static void
csv_next(struct textbuf *b, const char *v)
{
	buf_addc(b, ',');
	if (v != NULL)
		csv_field(b, v);
}

void
format_record(struct textbuf *b, enum format fmt, const struct result *r)
{
	unsigned depth = r->job != NULL ? r->job->depth : 0;
	const char *referrer = r->job != NULL ? r->job->referrer : NULL;

	switch (fmt) {
	case FORMAT_TEXT:
		if (r->duplicate_of != NULL) {
			buf_adds(b, "Skipped ");
			text_safe(b, r->url);
			buf_adds(b, ": duplicate of ");
			text_safe(b, r->duplicate_of);
		} else if (r->ok) {
			buf_printf(b, "Fetched %" PRIu64 " characters from ",
			    r->chars);
			text_safe(b, r->url);
		} else {
			buf_adds(b, "Failed ");
			text_safe(b, r->url);
			buf_adds(b, ": ");
			text_safe(b, r->error ? r->error : "unknown error");
			if (r->attempts > 1)
				buf_printf(b, " (%u attempts)", r->attempts);
		}
		buf_addc(b, '\n');
		break;
	case FORMAT_JSONL:
		buf_adds(b, "{\"url\":");
		json_string(b, r->url);
		json_field(b, "input", r->input);
		json_field(b, "final_url", r->final_url);
		buf_printf(b, ",\"status\":%ld,\"ok\":%s", r->status,
		    r->ok ? "true" : "false");
		json_field(b, "duplicate_of", r->duplicate_of);
		json_field(b, "content_type", r->content_type);
		json_field(b, "charset", r->charset);
		buf_printf(b, ",\"bytes\":%" PRIu64 ",\"chars\":%" PRIu64
		    ",\"time_ms\":%.3f,\"ttfb_ms\":%.3f", r->bytes, r->chars,
		    r->time_ms, r->ttfb_ms);
		json_field(b, "engine", r->engine);
		buf_printf(b, ",\"attempts\":%u,\"depth\":%u", r->attempts,
		    depth);
		json_field(b, "referrer", referrer);
		json_field(b, "error", r->error);
		buf_adds(b, "}\n");
		break;
	case FORMAT_CSV:
		csv_field(b, r->url);
		csv_next(b, r->input);
		csv_next(b, r->final_url);
		buf_printf(b, ",%ld,%s", r->status, r->ok ? "true" : "false");
		csv_next(b, r->duplicate_of);
		csv_next(b, r->content_type);
		csv_next(b, r->charset);
		buf_printf(b, ",%" PRIu64 ",%" PRIu64 ",%.3f,%.3f", r->bytes,
		    r->chars, r->time_ms, r->ttfb_ms);
		csv_next(b, r->engine);
		buf_printf(b, ",%u,%u", r->attempts, depth);
		csv_next(b, referrer);
		csv_next(b, r->error);
		buf_adds(b, "\r\n");
		break;
	}
}

struct sink *
sink_new(const struct options *opt, FILE *out, bool to_stdout, FILE *log)
{
	struct sink *s = xcalloc(1, sizeof *s);

	s->opt = opt;
	s->out = out;
	s->quiet_out = opt->quiet && to_stdout;
	s->log = log;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->progress_stop, NULL);
	s->progress = !opt->quiet && !opt->dry_run && isatty(STDERR_FILENO);
	return s;
}

void
sink_free(struct sink *s)
{
	if (s == NULL)
		return;
	pthread_cond_destroy(&s->progress_stop);
	pthread_mutex_destroy(&s->lock);
	free(s->line.data);
	free(s->lat);
	free(s->runs);
	free(s);
}

static double
elapsed(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) +
	    (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

/*
 * The progress line: done/total (total once the input is read), ok and
 * failed, pages/s and an ETA, redrawn four times a second.
 */
static void *
progress_main(void *arg)
{
	struct sink *s = arg;
	struct timespec until;
	double secs, rate;
	uint64_t done;
	char total[32], eta[32];

	pthread_mutex_lock(&s->lock);
	while (!s->progress_done) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->progress_stop, &s->lock, &until);
		if (s->progress_done)
			break;
		done = s->cur.urls;
		secs = elapsed(&s->start);
		rate = secs > 0 ? (double)(s->cur.ok + s->cur.failed) / secs : 0;
		/* A crawl finds more pages than the input holds. */
		if (s->total > 0 && s->total >= done)
			snprintf(total, sizeof total, "%llu",
			    (unsigned long long)s->total);
		else
			snprintf(total, sizeof total, "?");
		if (s->total > 0 && s->total >= done && rate > 0)
			snprintf(eta, sizeof eta, "%.0f s",
			    (double)(s->total - done) / rate);
		else
			snprintf(eta, sizeof eta, "?");
		fprintf(stderr, "\r\033[K%s: %llu/%s done, %llu ok, %llu failed,"
		    " %.1f pages/s, ETA %s", s->cur.engine,
		    (unsigned long long)done, total,
		    (unsigned long long)s->cur.ok,
		    (unsigned long long)s->cur.failed, rate, eta);
		fflush(stderr);
		s->progress_shown = true;
	}
	progress_erase(s);
	fflush(stderr);
	pthread_mutex_unlock(&s->lock);
	return NULL;
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
	memset(&s->cur, 0, sizeof s->cur);
	s->cur.engine = engine;
	s->cur.jobs = jobs;
	s->nlat = 0;
	rss_reset();
	getrusage(RUSAGE_SELF, &s->ru_self);
	getrusage(RUSAGE_CHILDREN, &s->ru_children);
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	s->total = 0;
	s->progress_done = false;
	pthread_mutex_unlock(&s->lock);
	if (s->progress && pthread_create(&s->progress_thread, NULL,
	    progress_main, s) != 0)
		s->progress = false;
}

/*
 * Write to the record stream. The first failure stops the run (nothing
 * more can be delivered); a reader that went away (EPIPE) ends it quietly.
 */
static void
write_out(struct sink *s, const char *p, size_t n)
{
	if (s->write_failed)
		return;
	if (fwrite(p, 1, n, s->out) == n && fflush(s->out) == 0)
		return;
	s->write_failed = true;
	if (errno == EPIPE)
		s->epipe = true;
	else
		warnx_("cannot write output: %s", strerror(errno));
	if (stop_signal == 0)
		stop_signal = STOP_OUTPUT;
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

/* Erase the progress line before anything else reaches the terminal. */
static void
progress_erase(struct sink *s)
{
	if (s->progress_shown) {
		fputs("\r\033[K", stderr);
		s->progress_shown = false;
	}
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

void
sink_emit(struct sink *s, struct result *r)
{
	pthread_mutex_lock(&s->lock);
	if (r->engine == NULL)
		r->engine = s->cur.engine;
	s->cur.urls++;
	if (r->duplicate_of != NULL)
		s->cur.duplicates++;
	else if (r->ok) {
		s->cur.ok++;
		s->cur.bytes += r->bytes;
		s->cur.chars += r->chars;
	} else
		s->cur.failed++;
	if (r->final_url != NULL) {
		if (s->nlat == s->caplat) {
			s->caplat = s->caplat ? s->caplat * 2 : 1024;
			s->lat = xrealloc(s->lat, s->caplat * sizeof *s->lat);
		}
		s->lat[s->nlat++] = r->time_ms;
	}
	if (r->duplicate_of == NULL) {
		s->all_counted++;
		if (!r->ok)
			s->all_failed++;
	}
	progress_erase(s);
	if (s->opt->dry_run)
		dry_run_report(s, r);
	else if (!s->quiet_out) {
		if (s->opt->format == FORMAT_CSV && !s->header_done) {
			write_out(s, csv_header(), strlen(csv_header()));
			s->header_done = true;
		}
		s->line.len = 0;
		format_record(&s->line, s->opt->format, r);
		write_out(s, s->line.data, s->line.len);
	}
	if (!r->ok && r->duplicate_of == NULL && !s->opt->dry_run) {
		s->line.len = 0;
		format_record(&s->line, FORMAT_TEXT, r);
		if (s->opt->quiet)	/* cron mails what -q lets through */
			fputs(s->line.data, stderr);
		s->line.data[--s->line.len] = '\0';
		log_line(s, "%s", s->line.data);
	}
	pthread_mutex_unlock(&s->lock);
	result_free(r);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
tv_diff(const struct timeval *end, const struct timeval *start)
{
	return (double)(end->tv_sec - start->tv_sec) +
	    (double)(end->tv_usec - start->tv_usec) / 1e6;
}

void
sink_finish(struct sink *s, int jobs)
{
	struct rusage self, children;
	struct runstats *r = &s->cur;

	/* A CSV file always starts with its header, records or none. */
	pthread_mutex_lock(&s->lock);
	if (s->opt->format == FORMAT_CSV && !s->header_done &&
	    !s->quiet_out) {
		write_out(s, csv_header(), strlen(csv_header()));
		s->header_done = true;
	}
	pthread_mutex_unlock(&s->lock);

	if (s->progress) {
		pthread_mutex_lock(&s->lock);
		s->progress_done = true;
		pthread_cond_signal(&s->progress_stop);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->progress_thread, NULL);
	}
	pthread_mutex_lock(&s->lock);
	r->jobs = jobs;
	r->wall_s = elapsed(&s->start);
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	r->user_s = tv_diff(&self.ru_utime, &s->ru_self.ru_utime) +
	    tv_diff(&children.ru_utime, &s->ru_children.ru_utime);
	r->sys_s = tv_diff(&self.ru_stime, &s->ru_self.ru_stime) +
	    tv_diff(&children.ru_stime, &s->ru_children.ru_stime);
	r->peak_rss_kb = rss_peak_kb();
	if (s->nlat > 0)
		qsort(s->lat, s->nlat, sizeof *s->lat, cmp_double);
	r->p50_ms = percentile(s->lat, s->nlat, 0.50);
	r->p90_ms = percentile(s->lat, s->nlat, 0.90);
	r->p99_ms = percentile(s->lat, s->nlat, 0.99);
	r->max_ms = percentile(s->lat, s->nlat, 1.0);
	s->runs = xrealloc(s->runs, (s->nruns + 1) * sizeof *s->runs);
	s->runs[s->nruns++] = *r;
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
	*n = s->nruns;
	return s->runs;
}

double
sink_failed_pct(const struct sink *s)
{
	return s->all_counted > 0 ?
	    100.0 * (double)s->all_failed / (double)s->all_counted : 0.0;
}

bool
sink_reader_gone(const struct sink *s)
{
	return s->epipe;
}

bool
sink_write_failed(const struct sink *s)
{
	return s->write_failed;
}
