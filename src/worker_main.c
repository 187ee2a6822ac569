/*
 * pscrape-worker: a worker of pscrape's process engine (worker.h), run
 * by pscrape with its own arguments, never by hand.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "worker.h"

extern char **environ;

int
main(int argc, char **argv)
{
	struct options opt;
	const char *program = getenv(PROCESS_PROGRAM_ENV), *path;
	char *end;

	if (getenv(PROCESS_WORKER_ENV) == NULL) {
		fprintf(stderr, "pscrape-worker: this program is a worker of"
		    " pscrape's process engine; run pscrape --engine"
		    " process\n");
		return EXIT_USAGE;
	}
	/*
	 * A pscrape of another build: become the program it runs as, so
	 * that parent and worker speak the same protocol and fetch alike.
	 */
	if (program != NULL && strtoul(program, &end, 10) != worker_build() &&
	    *end == ':') {
		path = end + 1;
		execve(path, argv, environ);
		fprintf(stderr, "pscrape-worker: cannot execute %s: %m\n",
		    path);
		return EXIT_FAILURE;
	}
	program_start(argv);
	options_parse(&opt, argc, argv);
	return worker_run(&opt);
}
