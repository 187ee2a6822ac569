/* SIGINT and SIGTERM handling: record the signal, nothing else. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "stop.h"

atomic_int stop_signal;

static void
on_stop(int sig)
{
	stop_signal = sig;
}

void
stop_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* Restart reads and writes: a record is never cut in half. */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

const char *
stop_reason(void)
{
	switch (atomic_load(&stop_signal)) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	default:
		return "an output error";
	}
}
