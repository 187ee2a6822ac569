/*
 * Run statistics and the reports. Rates are per wall-clock second of the
 * engine's run; the latency percentiles are over the transfers made (bad
 * lines and duplicates make none); CPU time includes the workers (the
 * process engine's children); the speed-up compares pages/s with the
 * slowest engine. With --repeat, an engine's runs are shown together:
 * the medians, and the spread of pages/s that says what is a tie.
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "result.h"
#include "stats.h"
#include "xmalloc.h"

struct stats {
	struct runstats	 cur;		/* the run under way */
	struct timespec	 start;
	struct rusage	 ru_self, ru_children;
	long		 child_rss_kb;	/* the run's workers' peaks, added */
	double		*lat;		/* time_ms of each transfer */
	size_t		 nlat, caplat;

	struct runstats	*runs;		/* the runs finished so far */
	size_t		 nruns;

	uint64_t	 all_failed;	/* over every run */
	uint64_t	 all_counted;	/* records but duplicates */
};

/* Reset the peak RSS (Linux clear_refs), so that each run has its own. */
static void
rss_reset(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f == NULL)
		return;
	fputs("5", f);	/* 5: reset the peak RSS (VmHWM) */
	fclose(f);
}

static long
rss_peak_kb(void)
{
	char line[256];
	long kb = 0;
	FILE *f;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

struct stats *
stats_new(void)
{
	return xcalloc(1, sizeof(struct stats));
}

void
stats_free(struct stats *st)
{
	if (st == NULL)
		return;
	free(st->lat);
	free(st->runs);
	free(st);
}

void
stats_start(struct stats *st, const char *engine, int jobs)
{
	memset(&st->cur, 0, sizeof st->cur);
	st->cur.engine = engine;
	st->cur.jobs = jobs;
	st->nlat = 0;
	st->child_rss_kb = 0;
	rss_reset();
	getrusage(RUSAGE_SELF, &st->ru_self);
	getrusage(RUSAGE_CHILDREN, &st->ru_children);
	clock_gettime(CLOCK_MONOTONIC, &st->start);
}

void
stats_add_costs(struct stats *st, uint64_t connects, uint64_t handshakes,
    uint64_t resumed, const uint64_t http[4])
{
	st->cur.connects += connects;
	st->cur.handshakes += handshakes;
	st->cur.resumed += resumed;
	st->cur.http10 += http[0];
	st->cur.http11 += http[1];
	st->cur.http2 += http[2];
	st->cur.http3 += http[3];
}

void
stats_add(struct stats *st, const struct result *r)
{
	st->cur.urls++;
	if (r->duplicate_of != NULL)
		st->cur.duplicates++;
	else if (r->ok) {
		st->cur.ok++;
		st->cur.not_modified += r->not_modified;
		st->cur.skipped += r->skipped != NULL;
		st->cur.bytes += r->bytes;
		st->cur.chars += r->chars;
	} else
		st->cur.failed++;
	if (r->final_url != NULL) {
		if (st->nlat == st->caplat) {
			st->caplat = st->caplat ? st->caplat * 2 : 1024;
			st->lat = xrealloc(st->lat, st->caplat * sizeof *st->lat);
		}
		st->lat[st->nlat++] = r->time_ms;
	}
	if (r->duplicate_of == NULL) {
		st->all_counted++;
		if (!r->ok)
			st->all_failed++;
	}
}

void
stats_add_child_rss(struct stats *st, long kb)
{
	st->child_rss_kb += kb;
}

const struct runstats *
stats_current(const struct stats *st)
{
	return &st->cur;
}

double
stats_elapsed(const struct stats *st)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - st->start.tv_sec) +
	    (double)(now.tv_nsec - st->start.tv_nsec) / 1e9;
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

const struct runstats *
stats_finish(struct stats *st, int jobs, int peak)
{
	struct rusage self, children;
	struct runstats *r = &st->cur;

	r->jobs = jobs;
	r->peak_inflight = peak;
	r->wall_s = stats_elapsed(st);
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	r->user_s = tv_diff(&self.ru_utime, &st->ru_self.ru_utime) +
	    tv_diff(&children.ru_utime, &st->ru_children.ru_utime);
	r->sys_s = tv_diff(&self.ru_stime, &st->ru_self.ru_stime) +
	    tv_diff(&children.ru_stime, &st->ru_children.ru_stime);
	r->peak_rss_kb = rss_peak_kb() + st->child_rss_kb;
	if (st->nlat > 0)
		qsort(st->lat, st->nlat, sizeof *st->lat, cmp_double);
	r->p50_ms = percentile(st->lat, st->nlat, 0.50);
	r->p90_ms = percentile(st->lat, st->nlat, 0.90);
	r->p99_ms = percentile(st->lat, st->nlat, 0.99);
	r->max_ms = percentile(st->lat, st->nlat, 1.0);
	st->runs = xrealloc(st->runs, (st->nruns + 1) * sizeof *st->runs);
	st->runs[st->nruns++] = *r;
	return &st->runs[st->nruns - 1];
}

const struct runstats *
stats_runs(const struct stats *st, size_t *n)
{
	*n = st->nruns;
	return st->runs;
}

double
stats_failed_pct(const struct stats *st)
{
	return st->all_counted > 0 ?
	    100.0 * (double)st->all_failed / (double)st->all_counted : 0.0;
}

double
percentile(const double *sorted, size_t n, double q)
{
	size_t rank;

	if (n == 0)
		return 0.0;
	rank = (size_t)ceil(q * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static double
rate(double v, double secs)
{
	return secs > 0 ? v / secs : 0.0;
}

/* The figures of struct runstats that stats_by_engine() takes medians of. */
enum ftype { F_INT, F_LONG, F_U64, F_DBL };
static const struct {
	size_t		off;
	enum ftype	type;
} figures[] = {
#define FIG(m, t)	{ offsetof(struct runstats, m), t }
	FIG(jobs, F_INT), FIG(peak_inflight, F_INT), FIG(urls, F_U64),
	FIG(ok, F_U64), FIG(failed, F_U64), FIG(duplicates, F_U64),
	FIG(not_modified, F_U64), FIG(skipped, F_U64),
	FIG(bytes, F_U64), FIG(chars, F_U64), FIG(wall_s, F_DBL),
	FIG(user_s, F_DBL), FIG(sys_s, F_DBL), FIG(peak_rss_kb, F_LONG),
	FIG(p50_ms, F_DBL), FIG(p90_ms, F_DBL), FIG(p99_ms, F_DBL),
	FIG(max_ms, F_DBL),
#undef FIG
};

static double
figure(const struct runstats *r, size_t i)
{
	const char *p = (const char *)r + figures[i].off;

	switch (figures[i].type) {
	case F_INT:
		return *(const int *)p;
	case F_LONG:
		return (double)*(const long *)p;
	case F_U64:
		return (double)*(const uint64_t *)p;
	default:
		return *(const double *)p;
	}
}

static void
set_figure(struct runstats *r, size_t i, double v)
{
	char *p = (char *)r + figures[i].off;

	switch (figures[i].type) {
	case F_INT:
		*(int *)p = (int)v;
		break;
	case F_LONG:
		*(long *)p = (long)v;
		break;
	case F_U64:
		*(uint64_t *)p = (uint64_t)v;
		break;
	default:
		*(double *)p = v;
	}
}

/* The median of n values, sorting them. */
static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

size_t
stats_by_engine(const struct runstats *rs, size_t n, struct enginestats *out)
{
	double *v = xcalloc(n > 0 ? n : 1, sizeof *v);
	size_t ne = 0, slow = 0, e, i, f, k;

	for (i = 0; i < n; i++) {
		for (e = 0; e < ne; e++)
			if (strcmp(out[e].med.engine, rs[i].engine) == 0)
				break;
		if (e == ne) {
			memset(&out[ne], 0, sizeof out[ne]);
			out[ne++].med.engine = rs[i].engine;
		}
		out[e].nruns++;
	}
	for (e = 0; e < ne; e++) {
		struct enginestats *es = &out[e];

		for (f = 0; f < sizeof figures / sizeof figures[0]; f++) {
			for (i = k = 0; i < n; i++)
				if (strcmp(rs[i].engine, es->med.engine) == 0)
					v[k++] = figure(&rs[i], f);
			set_figure(&es->med, f, median(v, k));
		}
		for (i = k = 0; i < n; i++)
			if (strcmp(rs[i].engine, es->med.engine) == 0)
				v[k++] = rate((double)rs[i].ok, rs[i].wall_s);
		es->pps = median(v, k);
		es->pps_min = v[0];
		es->pps_max = v[k - 1];
		es->spread = es->pps > 0 ?
		    100.0 * (es->pps_max - es->pps_min) / es->pps : 0.0;
		if (es->pps < out[slow].pps)
			slow = e;
	}
	for (e = 0; e < ne; e++) {
		struct enginestats *es = &out[e];

		es->speedup = out[slow].pps > 0 ? es->pps / out[slow].pps : 0.0;
		es->tie = e != slow && es->nruns > 1 && out[slow].nruns > 1 &&
		    es->pps_min <= out[slow].pps_max;
	}
	free(v);
	return ne;
}

/*
 * The full table (-v) has every column; the default one fits 100
 * columns: the counts, wall_s, pages/s and its spread, p50 and p99,
 * CPU (user + sys) and peak RSS.
 */
void
stats_table(FILE *f, const struct runstats *rs, size_t n, bool full)
{
	struct enginestats *es = xcalloc(n > 0 ? n : 1, sizeof *es);
	bool spread = false;
	size_t ne, i;

	ne = stats_by_engine(rs, n, es);
	for (i = 0; i < ne; i++)
		if (es[i].nruns > 1)
			spread = true;
	if (full)
		fprintf(f, "%-8s %6s %7s %7s %6s %5s %9s %10s %8s %8s %7s %10s"
		    " %7s %7s %7s %7s %7s %7s %7s", "engine", "jobs", "urls",
		    "ok", "failed", "dups", "MB", "chars", "wall_s", "pages/s",
		    "MB/s", "chars/s", "p50_ms", "p90_ms", "p99_ms", "max_ms",
		    "user_s", "sys_s", "rss_MB");
	else
		fprintf(f, "%-7s %5s %7s %7s %6s %7s %8s", "engine", "jobs",
		    "urls", "ok", "failed", "wall_s", "pages/s");
	if (spread)
		fprintf(f, " %6s", "spread");
	if (!full)
		fprintf(f, " %7s %7s %7s %7s", "p50_ms", "p99_ms", "cpu_s",
		    "rss_MB");
	fprintf(f, ne > 1 ? " %7s\n" : "\n", "speedup");
	for (i = 0; i < ne; i++) {
		const struct runstats *r = &es[i].med;

		if (full)
			fprintf(f, "%-8s %6d %7llu %7llu %6llu %5llu %9.2f"
			    " %10llu %8.2f %8.1f %7.2f %10.0f %7.1f %7.1f"
			    " %7.1f %7.1f %7.2f %7.2f %7.1f", r->engine,
			    r->jobs, (unsigned long long)r->urls,
			    (unsigned long long)r->ok,
			    (unsigned long long)r->failed,
			    (unsigned long long)r->duplicates,
			    (double)r->bytes / 1e6,
			    (unsigned long long)r->chars, r->wall_s, es[i].pps,
			    rate((double)r->bytes / 1e6, r->wall_s),
			    rate((double)r->chars, r->wall_s), r->p50_ms,
			    r->p90_ms, r->p99_ms, r->max_ms, r->user_s,
			    r->sys_s, (double)r->peak_rss_kb / 1024.0);
		else
			fprintf(f, "%-7s %5d %7llu %7llu %6llu %7.2f %8.1f",
			    r->engine, r->jobs, (unsigned long long)r->urls,
			    (unsigned long long)r->ok,
			    (unsigned long long)r->failed, r->wall_s,
			    es[i].pps);
		if (spread)
			fprintf(f, " %5.1f%%", es[i].spread);
		if (!full)
			fprintf(f, " %7.1f %7.1f %7.2f %7.1f", r->p50_ms,
			    r->p99_ms, r->user_s + r->sys_s,
			    (double)r->peak_rss_kb / 1024.0);
		if (ne > 1 && es[i].tie)
			fprintf(f, " %7s", "tie");
		else if (ne > 1)
			fprintf(f, " %6.2fx", es[i].speedup);
		fputc('\n', f);
	}
	/* -v: what each run's transfers cost, robots.txt included. */
	for (i = 0; full && i < n; i++)
		fprintf(f, "%s: %llu connections, %llu TLS handshakes (%llu"
		    " resumed); responses: HTTP/1.0 %llu, HTTP/1.1 %llu,"
		    " HTTP/2 %llu, HTTP/3 %llu\n", rs[i].engine,
		    (unsigned long long)rs[i].connects,
		    (unsigned long long)rs[i].handshakes,
		    (unsigned long long)rs[i].resumed,
		    (unsigned long long)rs[i].http10,
		    (unsigned long long)rs[i].http11,
		    (unsigned long long)rs[i].http2,
		    (unsigned long long)rs[i].http3);
	free(es);
}

int
stats_json(FILE *f, const struct runstats *rs, size_t n)
{
	struct enginestats *es = xcalloc(n > 0 ? n : 1, sizeof *es);
	size_t ne, i, j, nth;

	fputs("{\"runs\":[", f);
	for (i = 0; i < n; i++) {
		const struct runstats *r = &rs[i];

		/* The k-th run of its engine was in --repeat's round k. */
		for (j = 0, nth = 1; j < i; j++)
			if (strcmp(rs[j].engine, r->engine) == 0)
				nth++;
		fprintf(f, "%s\n{\"engine\":\"%s\",\"jobs\":%d,"
		    "\"round\":%zu,\"urls\":%llu,"
		    "\"ok\":%llu,\"failed\":%llu,\"duplicates\":%llu,"
		    "\"not_modified\":%llu,\"skipped\":%llu,\"bytes\":%llu,\"chars\":%llu,\"wall_s\":%.6f,"
		    "\"pages_per_s\":%.3f,\"mb_per_s\":%.3f,"
		    "\"chars_per_s\":%.1f,\"latency_ms\":{\"p50\":%.3f,"
		    "\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f},\"user_s\":%.3f,"
		    "\"sys_s\":%.3f,\"peak_rss_kb\":%ld,\"peak_inflight\":%d,"
		    "\"connections\":%llu,\"tls_handshakes\":%llu,"
		    "\"tls_resumed\":%llu,\"http_versions\":{\"1.0\":%llu,"
		    "\"1.1\":%llu,\"2\":%llu,\"3\":%llu}}",
		    i ? "," : "",
		    r->engine, r->jobs, nth, (unsigned long long)r->urls,
		    (unsigned long long)r->ok, (unsigned long long)r->failed,
		    (unsigned long long)r->duplicates,
		    (unsigned long long)r->not_modified,
		    (unsigned long long)r->skipped,
		    (unsigned long long)r->bytes, (unsigned long long)r->chars,
		    r->wall_s, rate((double)r->ok, r->wall_s),
		    rate((double)r->bytes / 1e6, r->wall_s),
		    rate((double)r->chars, r->wall_s), r->p50_ms, r->p90_ms,
		    r->p99_ms, r->max_ms, r->user_s, r->sys_s, r->peak_rss_kb,
		    r->peak_inflight, (unsigned long long)r->connects,
		    (unsigned long long)r->handshakes,
		    (unsigned long long)r->resumed,
		    (unsigned long long)r->http10,
		    (unsigned long long)r->http11,
		    (unsigned long long)r->http2,
		    (unsigned long long)r->http3);
	}
	/* Each engine's runs taken together, as in the table. */
	fputs("\n],\"engines\":[", f);
	ne = stats_by_engine(rs, n, es);
	for (i = 0; i < ne; i++)
		fprintf(f, "%s\n{\"engine\":\"%s\",\"runs\":%zu,"
		    "\"pages_per_s\":{\"median\":%.3f,\"min\":%.3f,"
		    "\"max\":%.3f},\"spread_pct\":%.1f,\"speedup\":%.3f,"
		    "\"tie\":%s}", i ? "," : "", es[i].med.engine, es[i].nruns,
		    es[i].pps, es[i].pps_min, es[i].pps_max, es[i].spread,
		    es[i].speedup, es[i].tie ? "true" : "false");
	fputs("\n]}\n", f);
	free(es);
	return ferror(f) ? -1 : 0;
}
