/* Placeholder: the process engine is being written. */
#include "config.h"

#include "engine.h"

void
engine_process(struct run *run)
{
	engine_serial(run);
}

int
process_worker_main(const struct options *opt, int fd)
{
	(void)opt;
	(void)fd;
	return 1;
}
