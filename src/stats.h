/*
 * Run statistics: the counts, times, transfer latencies and peak memory of
 * each engine's run over the list, and the two reports made of them, the
 * aligned table on stderr and the --summary JSON. The sink feeds it every
 * record under its own lock: a struct stats is not thread-safe.
 */
#ifndef PSCRAPE_STATS_H
#define PSCRAPE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct result;

struct runstats {
	const char	*engine;
	int		 jobs;
	int		 peak_inflight;	/* the most transfers at once */
	uint64_t	 urls;		/* records: one per input line */
	uint64_t	 ok, failed, duplicates;
	uint64_t	 not_modified;	/* --state: ok records of a 304 */
	uint64_t	 skipped;	/* --since: ok records not fetched */
	uint64_t	 bytes, chars;	/* of the pages fetched ok */
	double		 wall_s;
	double		 user_s, sys_s;	/* CPU, workers included */
	long		 peak_rss_kb;	/* pscrape's, plus each worker's */
	double		 p50_ms, p90_ms, p99_ms, max_ms;	/* transfers */
	/* What the transfers (robots.txt too) cost: connections opened,
	 * TLS handshakes, resumed sessions, responses by HTTP version. */
	uint64_t	 connects, handshakes, resumed;
	uint64_t	 http10, http11, http2, http3;
};

struct stats;

struct stats	*stats_new(void);
void		 stats_free(struct stats *);
/* Begin one engine's run: zero the counts, start the clocks. */
void		 stats_start(struct stats *, const char *engine, int jobs);
/* Account for one record. */
void		 stats_add(struct stats *, const struct result *);
/*
 * Account for one worker process of the run, reaped: its own peak RSS
 * (wait4's ru_maxrss). RUSAGE_CHILDREN would give the largest child of
 * the whole process's life, not this run's workers.
 */
void		 stats_add_child_rss(struct stats *, long kb);
/*
 * Account for what the run's transfers cost: connections opened, TLS
 * handshakes, resumed sessions, and responses by HTTP version (1.0, 1.1,
 * 2, 3).
 */
void		 stats_add_costs(struct stats *, uint64_t connects,
		    uint64_t handshakes, uint64_t resumed,
		    const uint64_t http[4]);
/* The run under way, and the seconds since it began. */
const struct runstats *stats_current(const struct stats *);
double		 stats_elapsed(const struct stats *);
/*
 * End the run: times, peak RSS and percentiles; jobs is the concurrency
 * the engine really ran with, peak the most transfers it had at once.
 * Returns the run, now last of stats_runs().
 */
const struct runstats *stats_finish(struct stats *, int jobs, int peak);
/* The runs finished so far, in order. */
const struct runstats *stats_runs(const struct stats *, size_t *n);
/* Percent of the records (duplicates aside) that failed, over every run. */
double		 stats_failed_pct(const struct stats *);

/* The q-quantile (0..1) of n sorted values by nearest rank; 0 when n = 0. */
double		 percentile(const double *sorted, size_t n, double q);

/*
 * One engine's runs (--repeat) taken together: each figure its median
 * over them (the middle value; of an even number, the mean of the two
 * middle ones, counts rounded down), and its pages/s judged against the
 * slowest engine's (the lowest median pages/s, the first of equals).
 */
struct enginestats {
	struct runstats	 med;		/* the medians */
	size_t		 nruns;
	double		 pps, pps_min, pps_max;	/* pages/s: median, range */
	double		 spread;	/* (pps_max - pps_min) / pps, percent */
	double		 speedup;	/* pps / the slowest engine's pps */
	bool		 tie;		/* its pages/s range meets the slowest's */
};
/*
 * Group n runs by engine, in the order each engine first ran, into out
 * (room for n); returns how many engines. An engine ties with the
 * slowest when both ran more than once and its lowest pages/s is not
 * above the slowest's highest: the difference is within their spread.
 */
size_t		 stats_by_engine(const struct runstats *, size_t n,
		    struct enginestats *out);
/*
 * The report: a table, or (--summary) JSON; 0, or -1 if writing failed.
 * The table has one row per engine; full adds every column (-v).
 */
void		 stats_table(FILE *, const struct runstats *, size_t n,
		    bool full);
int		 stats_json(FILE *, const struct runstats *, size_t n);

#endif
