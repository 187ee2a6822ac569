/*
 * Stopping on SIGINT and SIGTERM: the handler only records the signal.
 * The source then hands out no more jobs, transfers in flight abort from
 * curl's progress callback within a second, and the run ends with the
 * records of everything finished and the summary; main exits 128 + signal.
 */
#ifndef PSCRAPE_STOP_H
#define PSCRAPE_STOP_H

#include <signal.h>
#include <stdatomic.h>

/*
 * 0, SIGINT or SIGTERM. Atomic rather than volatile sig_atomic_t because
 * every thread reads it; a lock-free atomic is safe in a signal handler.
 */
extern atomic_int stop_signal;

void	stop_install(void);

#endif
