/*
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT handling: record the signal, nothing
 * else.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "stop.h"

atomic_int stop_signal;

static void
on_stop(int sig)
{
	stop_signal = sig;
}

/* The four signals that stop a run. */
static void
stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

void
stop_block(sigset_t *old)
{
	sigset_t set;

	stop_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

void
stop_restore(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

int
stop_pending(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction old;
	sigset_t set;
	size_t i;

	if (sigpending(&set) != 0)
		return 0;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (sigismember(&set, sigs[i]) &&
		    (sigs[i] == SIGINT || sigs[i] == SIGTERM ||
		    (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler != SIG_IGN)))
			return sigs[i];
	return 0;
}

void
stop_install(void)
{
	sigset_t set;
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
	/* What came while they were blocked is handled now. */
	stop_set(&set);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
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
	case STOP_FRONTIER:
		return "the loss of the --frontier";
	default:
		return "an output error";
	}
}
