/*
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT handling: record the signal, nothing
 * else.
 */
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
	struct sigaction sa, old;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* Restart reads and writes: a record is never cut in half. */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/*
	 * SIGHUP and SIGQUIT stay ignored when they were ignored at start:
	 * nohup ignores SIGHUP, and a shell without job control SIGQUIT in
	 * the commands it runs in the background.
	 */
	if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
	if (sigaction(SIGQUIT, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaction(SIGQUIT, &sa, NULL);
}

const char *
stop_reason(void)
{
	switch (atomic_load(&stop_signal)) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	case SIGQUIT:
		return "SIGQUIT";
	default:
		return "an output error";
	}
}
