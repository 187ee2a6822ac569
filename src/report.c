/*
 * Run reports. Rates are per wall-clock second of the engine's run; the
 * latency percentiles are over the transfers made (bad lines and duplicates
 * make none); the speed-up compares pages/s with the slowest engine.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

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

void
report_table(FILE *f, const struct runstats *rs, size_t n)
{
	double slowest = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double pps = rate((double)rs[i].ok, rs[i].wall_s);

		if (i == 0 || pps < slowest)
			slowest = pps;
	}
	fprintf(f, "%-8s %6s %7s %7s %6s %5s %9s %10s %8s %8s %7s %10s"
	    " %7s %7s %7s %7s %7s %7s %7s", "engine", "jobs", "urls", "ok",
	    "failed", "dups", "MB", "chars", "wall_s", "pages/s", "MB/s",
	    "chars/s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "user_s",
	    "sys_s", "rss_MB");
	fprintf(f, n > 1 ? " %7s\n" : "\n", "speedup");
	for (i = 0; i < n; i++) {
		const struct runstats *r = &rs[i];
		double pps = rate((double)r->ok, r->wall_s);

		fprintf(f, "%-8s %6d %7llu %7llu %6llu %5llu %9.2f %10llu %8.2f"
		    " %8.1f %7.2f %10.0f %7.1f %7.1f %7.1f %7.1f %7.2f %7.2f"
		    " %7.1f", r->engine, r->jobs, (unsigned long long)r->urls,
		    (unsigned long long)r->ok, (unsigned long long)r->failed,
		    (unsigned long long)r->duplicates, (double)r->bytes / 1e6,
		    (unsigned long long)r->chars, r->wall_s, pps,
		    rate((double)r->bytes / 1e6, r->wall_s),
		    rate((double)r->chars, r->wall_s), r->p50_ms, r->p90_ms,
		    r->p99_ms, r->max_ms, r->user_s, r->sys_s,
		    (double)r->peak_rss_kb / 1024.0);
		if (n > 1)
			fprintf(f, " %6.2fx", slowest > 0 ? pps / slowest : 0.0);
		fputc('\n', f);
	}
}

int
report_json(FILE *f, const struct runstats *rs, size_t n)
{
	size_t i;

	fputs("{\"runs\":[", f);
	for (i = 0; i < n; i++) {
		const struct runstats *r = &rs[i];

		fprintf(f, "%s\n{\"engine\":\"%s\",\"jobs\":%d,\"urls\":%llu,"
		    "\"ok\":%llu,\"failed\":%llu,\"duplicates\":%llu,"
		    "\"bytes\":%llu,\"chars\":%llu,\"wall_s\":%.6f,"
		    "\"pages_per_s\":%.3f,\"mb_per_s\":%.3f,"
		    "\"chars_per_s\":%.1f,\"latency_ms\":{\"p50\":%.3f,"
		    "\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f},\"user_s\":%.3f,"
		    "\"sys_s\":%.3f,\"peak_rss_kb\":%ld}", i ? "," : "",
		    r->engine, r->jobs, (unsigned long long)r->urls,
		    (unsigned long long)r->ok, (unsigned long long)r->failed,
		    (unsigned long long)r->duplicates,
		    (unsigned long long)r->bytes, (unsigned long long)r->chars,
		    r->wall_s, rate((double)r->ok, r->wall_s),
		    rate((double)r->bytes / 1e6, r->wall_s),
		    rate((double)r->chars, r->wall_s), r->p50_ms, r->p90_ms,
		    r->p99_ms, r->max_ms, r->user_s, r->sys_s, r->peak_rss_kb);
	}
	fputs("\n]}\n", f);
	return ferror(f) ? -1 : 0;
}

void
rss_reset(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f == NULL)
		return;
	fputs("5", f);	/* 5: reset the peak RSS (VmHWM) */
	fclose(f);
}

long
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
