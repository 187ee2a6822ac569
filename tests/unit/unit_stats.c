/*
 * Unit tests for the run statistics: each engine's peak RSS is its own
 * (the high-water mark reset at the start of each run, the workers'
 * peaks counted in the run they belong to), percentiles, and --repeat's
 * medians, spread and ties.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "stats.h"
#include "tap.h"

#define MB 1024L	/* in kB */

/* Whether this kernel lets a process reset its own VmHWM. */
static int
can_reset_hwm(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	int ok;

	if (f == NULL)
		return 0;
	ok = fputs("5", f) >= 0;
	return fclose(f) == 0 && ok;
}

/* A run of 120 pages in wall seconds, p50 latency p50 ms. */
static struct runstats
run(const char *engine, double wall, double p50)
{
	struct runstats r;

	memset(&r, 0, sizeof r);
	r.engine = engine;
	r.urls = r.ok = 120;
	r.wall_s = wall;
	r.p50_ms = p50;
	return r;
}

/* Exact values: the doubles below are all exact or the same rounding. */
static void
test_by_engine(void)
{
	/* Three rounds of a, b, c: pages/s a 8 10 12, b 30 20 24, c 12 15 20. */
	struct runstats rs[] = {
		run("a", 15, 3), run("b", 4, 1), run("c", 10, 1),
		run("a", 12, 1), run("b", 6, 1), run("c", 8, 1),
		run("a", 10, 2), run("b", 5, 1), run("c", 6, 1),
	}, two[2];
	struct enginestats es[9];
	char buf[4096];
	FILE *f;

	is_int(stats_by_engine(rs, 9, es), 3, "three engines");
	is_str(es[0].med.engine, "a", "in the order they first ran");
	is_int(es[0].nruns, 3, "three runs each");
	ok(es[0].pps == 10 && es[0].pps_min == 8 && es[0].pps_max == 12,
	    "a: median pages/s 10, range 8-12 (%g %g %g)", es[0].pps,
	    es[0].pps_min, es[0].pps_max);
	ok(es[0].spread == 40, "a: spread (12 - 8) / 10 = 40%% (%g)",
	    es[0].spread);
	ok(es[0].med.wall_s == 12 && es[0].med.p50_ms == 2,
	    "a: every figure its median (wall %g, p50 %g)", es[0].med.wall_s,
	    es[0].med.p50_ms);
	ok(es[0].speedup == 1 && !es[0].tie, "a, the slowest: 1.00x");
	ok(es[1].pps == 24 && es[1].speedup == 24.0 / 10 && !es[1].tie,
	    "b: 24 pages/s, 2.4x, 20-30 clear of a's 8-12 (%g, %g)",
	    es[1].pps, es[1].speedup);
	ok(es[2].pps == 15 && es[2].speedup == 1.5 && es[2].tie,
	    "c: 15 pages/s but 12-20 meets a's 8-12 at 12: a tie");

	f = fmemopen(buf, sizeof buf, "w");
	stats_table(f, rs, 9, false);
	fclose(f);
	is_str(buf,
	    "engine   jobs    urls      ok failed  wall_s  pages/s spread"
	    "  p50_ms  p99_ms   cpu_s  rss_MB speedup\n"
	    "a           0     120     120      0   12.00     10.0  40.0%"
	    "     2.0     0.0    0.00     0.0   1.00x\n"
	    "b           0     120     120      0    5.00     24.0  41.7%"
	    "     1.0     0.0    0.00     0.0   2.40x\n"
	    "c           0     120     120      0    8.00     15.0  53.3%"
	    "     1.0     0.0    0.00     0.0     tie\n",
	    "the table: medians, spread, tie");

	/* An even number of runs: the mean of the middle two. */
	two[0] = run("d", 20, 1);
	two[1] = run("d", 40, 2);
	two[1].ok = 119;
	is_int(stats_by_engine(two, 2, es), 1, "one engine");
	ok(es[0].med.wall_s == 30 && es[0].med.p50_ms == 1.5,
	    "d: wall 30, p50 1.5 (%g %g)", es[0].med.wall_s, es[0].med.p50_ms);
	is_int(es[0].med.ok, 119, "d: counts rounded down");
	/* One run each: no spread to judge a tie by. */
	two[1] = run("e", 20, 1);
	is_int(stats_by_engine(two, 2, es), 2, "two engines");
	ok(!es[1].tie && es[1].speedup == 1, "one run each: equal, no tie");
}

int
main(void)
{
	struct stats *st = stats_new();
	const struct runstats *r;
	double v[] = { 1, 2, 3, 4 };
	long base;
	size_t n;
	char *big;
	long i;

	/* A first run with nothing in it: pscrape's own peak. */
	stats_start(st, "serial", 1);
	r = stats_finish(st, 1, 1);
	base = r->peak_rss_kb;
	ok(base > 0, "a run has a peak RSS (%ld kB)", base);

	/* Workers' peaks are added to the run's, and only to that run. */
	stats_start(st, "process", 8);
	stats_add_child_rss(st, 300 * MB);
	stats_add_child_rss(st, 200 * MB);
	r = stats_finish(st, 8, 8);
	ok(r->peak_rss_kb >= 500 * MB && r->peak_rss_kb < 500 * MB + base +
	    16 * MB, "process: its workers' peaks added (%ld kB)",
	    r->peak_rss_kb);
	stats_start(st, "async", 100);
	r = stats_finish(st, 100, 3);
	ok(r->peak_rss_kb < 100 * MB, "the next run does not inherit them"
	    " (%ld kB)", r->peak_rss_kb);
	is_int(r->peak_inflight, 3, "the most jobs in flight is kept");

	/* A run that touches 128 MB, then one that does not. */
	if (can_reset_hwm()) {
		stats_start(st, "thread", 100);
		/*
		 * mmap, not malloc: ASan keeps freed blocks in quarantine,
		 * resident, and the next run's peak would hold them.
		 */
		big = mmap(NULL, 128 * MB * 1024, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (big == MAP_FAILED)
			abort();
		/* volatile: the pages must really be touched, not optimised out. */
		for (i = 0; i < 128 * MB * 1024; i += 4096)
			((volatile char *)big)[i] = 1;
		r = stats_finish(st, 100, 100);
		ok(r->peak_rss_kb >= 128 * MB, "a run's own high-water mark"
		    " (%ld kB)", r->peak_rss_kb);
		munmap(big, 128 * MB * 1024);
		stats_start(st, "pool", 32);
		r = stats_finish(st, 32, 32);
		ok(r->peak_rss_kb < 64 * MB, "reset for the next run (%ld kB),"
		    " not the process's maximum", r->peak_rss_kb);
	} else {
		printf("ok %d # SKIP /proc/self/clear_refs not writable\n",
		    ++tap_n);
		printf("ok %d # SKIP /proc/self/clear_refs not writable\n",
		    ++tap_n);
	}
	stats_runs(st, &n);
	is_int(n, 5, "every run kept");

	is_int((long)percentile(v, 4, 0.5), 2, "p50 of 1..4 by nearest rank");
	is_int((long)percentile(v, 4, 1.0), 4, "max");
	is_int((long)percentile(v, 0, 0.5), 0, "no values: 0");
	stats_free(st);
	test_by_engine();
	return done_testing();
}
