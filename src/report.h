/*
 * Run reports: the statistics of one engine's run over the list, the
 * aligned table on stderr and the --summary JSON. Pure apart from the
 * FILE written to and the /proc reads for peak memory.
 */
#ifndef PSCRAPE_REPORT_H
#define PSCRAPE_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct runstats {
	const char	*engine;
	int		 jobs;
	uint64_t	 urls;		/* records: one per input line */
	uint64_t	 ok, failed, duplicates;
	uint64_t	 bytes, chars;	/* of the pages fetched ok */
	double		 wall_s;
	double		 user_s, sys_s;	/* CPU, workers included */
	long		 peak_rss_kb;	/* of pscrape itself */
	double		 p50_ms, p90_ms, p99_ms, max_ms;	/* transfers */
};

/* The q-quantile (0..1) of n sorted values by nearest rank; 0 when n = 0. */
double	percentile(const double *sorted, size_t n, double q);
void	report_table(FILE *, const struct runstats *, size_t n);
/* Returns 0, or -1 when writing failed. */
int	report_json(FILE *, const struct runstats *, size_t n);

/* Reset the process's peak RSS (Linux clear_refs), so each run has its own. */
void	rss_reset(void);
long	rss_peak_kb(void);

#endif
