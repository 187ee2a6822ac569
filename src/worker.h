/*
 * A worker of the process engine (engine_process.c): a process that
 * serves jobs over its socket until the parent closes it.
 *
 * Workers are a program of their own, pscrape-worker (src/worker_main.c),
 * linked without SQLite and hiredis, which only the parent uses. A run at
 * -j 200 executes 200 of them, and each library costs every exec its
 * loading and symbol lookups: those two, 2.6 M instructions of the 20 M
 * that executing pscrape took before its first page. The parent looks for the
 * program beside itself (a build tree), then in PKGLIBEXECDIR (where make
 * install puts it); without one it executes itself: pscrape's main() also
 * serves as a worker.
 *
 * The parent passes two variables: PROCESS_WORKER_ENV, "FD:SLOT" (the
 * socket's descriptor, the worker's hold in the run's budget or -1), and
 * PROCESS_PROGRAM_ENV, "BUILD:PATH" (its worker_build() and the program
 * it runs as). A pscrape-worker of another build (an old install beside
 * a new pscrape) executes PATH instead, so parent and worker always run
 * the same code.
 */
#ifndef PSCRAPE_WORKER_H
#define PSCRAPE_WORKER_H

#include "options.h"

#define PROCESS_WORKER_ENV	"PSCRAPE_WORKER_FD"
#define PROCESS_PROGRAM_ENV	"PSCRAPE_WORKER_PROGRAM"
/* Where a worker finds its socket, and its budget's memory. */
#define WORKER_FD		3
#define BUDGET_FD		(WORKER_FD + 1)

extern char	**pscrape_argv;		/* main's argv, for the workers */

/* What main() and pscrape-worker's main() do first. */
void		 program_start(char **argv);
/* The build of this program's code: equal in pscrape and its worker. */
unsigned long	 worker_build(void);
/* A worker's whole life once its options are parsed: the exit status. */
int		 worker_run(struct options *);

#endif
