/*
 * Monotonic seconds, for the timers that must not jump with the wall clock
 * (the scheduler's start times, fetch.c's low-speed window). Header-only:
 * one call of clock_gettime(), which the vDSO makes cheap on hot paths.
 */
#ifndef PSCRAPE_CLOCK_H
#define PSCRAPE_CLOCK_H

#include <time.h>

static inline double
clock_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
