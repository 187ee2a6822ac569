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
/* stop_signal when the shared frontier (--frontier) went away. */
#define STOP_FRONTIER	(-2)

/*
 * 0, SIGINT, SIGTERM, SIGHUP, SIGQUIT or STOP_OUTPUT. Atomic rather than
 * volatile sig_atomic_t because every thread reads it; a lock-free atomic
 * is safe in a signal handler.
 */
extern atomic_int stop_signal;

/*
 * Block the four signals, keeping the old mask in *old unless NULL: main's
 * first call, so that one that comes before stop_install() waits for it
 * instead of being lost (a background job of sh starts with SIGINT
 * ignored) or killing us; and around a worker's fork, so that the worker
 * is born with them blocked and keeps what comes until it can handle it.
 * The mask outlives fork and exec.
 */
void		 stop_block(sigset_t *old);
void		 stop_restore(const sigset_t *old);
/* The stop signal waiting while blocked that stop_install() would act on, or 0. */
int		 stop_pending(void);
/* The handlers, then the four signals unblocked: what waited arrives. */
void		 stop_install(void);
/* Why the run stops, for records: "SIGINT", "SIGHUP"..., "an output error". */
const char	*stop_reason(void);

#endif
