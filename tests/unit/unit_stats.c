/*
 * Unit tests for the run statistics: each engine's peak RSS is its own
 * (the high-water mark reset at the start of each run, the workers'
 * peaks counted in the run they belong to), and percentiles.
 */
#include "config.h"

#include <stdlib.h>
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
	return done_testing();
}
