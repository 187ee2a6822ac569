/* The engine table (the tmux cmd_table[] model). */
#include "config.h"

#include <string.h>

#include "engine.h"

static const struct engine engines[] = {
	{ "serial", 1, engine_serial },
};
#define NENGINES (sizeof engines / sizeof engines[0])

const struct engine *
engine_find(const char *name)
{
	size_t i;

	for (i = 0; i < NENGINES; i++)
		if (strcmp(engines[i].name, name) == 0)
			return &engines[i];
	return NULL;
}

const char *
engine_names(void)
{
	return "serial";
}
