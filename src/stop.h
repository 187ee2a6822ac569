/*
 * Stopping on SIGINT, SIGTERM, SIGHUP and SIGQUIT (the last two unless
 * ignored at start, as under nohup): the handler only records the signal.
 * The source then hands out no more jobs, transfers in flight abort from
 * curl's progress callback within a second, and the run ends with the
 * records of everything finished and the summary; main exits 128 + signal.
 * An output that cannot be written any more stops a run the same way.
 */
#ifndef PSCRAPE_STOP_H
#define PSCRAPE_STOP_H

#include <signal.h>
#include <stdatomic.h>

/* stop_signal when the output can no longer be written. */
#define STOP_OUTPUT	(-1)

/*
 * 0, SIGINT, SIGTERM, SIGHUP, SIGQUIT or STOP_OUTPUT. Atomic rather than
 * volatile sig_atomic_t because every thread reads it; a lock-free atomic
 * is safe in a signal handler.
 */
extern atomic_int stop_signal;

void		 stop_install(void);
/* Why the run stops, for records: "SIGINT", "SIGHUP"..., "an output error". */
const char	*stop_reason(void);

#endif
