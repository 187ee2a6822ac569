/* The engine table (the tmux cmd_table[] model). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "xmalloc.h"

#include "engine.h"

static const struct engine engines[] = {
	{ "serial", 1, true, engine_serial },
	{ "thread", 100, false, engine_thread },
	{ "pool", 32, false, engine_pool },
	{ "process", 8, false, engine_process },
	{ "async", 100, false, engine_async },
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
	static char names[128];
	size_t i;

	if (names[0] == '\0')
		for (i = 0; i < NENGINES; i++)
			snprintf(names + strlen(names), sizeof names -
			    strlen(names), "%s%s", i ? ", " : "",
			    engines[i].name);
	return names;
}

int
engine_list(const char *spec, const struct engine **out, int max)
{
	char *copy = xstrdup(spec), *name, *next = copy;
	const struct engine *e;
	int n = 0;
	size_t i;

	while ((name = strsep(&next, ",")) != NULL) {
		if (strcmp(name, "all") == 0) {
			for (i = 0; i < NENGINES; i++)
				if (!engines[i].sequential && n < max)
					out[n++] = &engines[i];
			continue;
		}
		if ((e = engine_find(name)) == NULL) {
			free(copy);
			return -1;
		}
		if (n < max)
			out[n++] = e;
	}
	free(copy);
	return n;
}

/* Descriptors kept for the lists, the output, the loop and libraries. */
#define FD_RESERVE 64

/* The most descriptors a process may have: /proc/sys/fs/nr_open. */
static rlim_t
nr_open(void)
{
	long n = 0;
	FILE *f;

	if ((f = fopen("/proc/sys/fs/nr_open", "re")) == NULL)
		return 0;
	if (fscanf(f, "%ld", &n) != 1 || n < 0)
		n = 0;
	fclose(f);
	return (rlim_t)n;
}

/*
 * Raise RLIMIT_NOFILE to need, the hard limit too when the process may
 * (root with CAP_SYS_RESOURCE, as nginx's worker_rlimit_nofile does), but
 * never past nr_open. A refusal is silent: the caller fits -j instead.
 */
static void
raise_to(rlim_t need)
{
	struct rlimit rl, more;
	rlim_t top = nr_open();

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= need)
		return;
	if (top > 0 && need > top)
		need = top;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		more.rlim_cur = more.rlim_max = need;
		if (setrlimit(RLIMIT_NOFILE, &more) == 0)
			return;
	}
	more.rlim_max = rl.rlim_max;
	more.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ?
	    rl.rlim_max : need;
	if (more.rlim_cur > rl.rlim_cur)
		setrlimit(RLIMIT_NOFILE, &more);
}

int
engine_fit_jobs(struct run *run, int per_job)
{
	struct rlimit rl;
	long fit;

	raise_to((rlim_t)run->jobs * (rlim_t)per_job + FD_RESERVE);
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return run->jobs;
	fit = ((long)rl.rlim_cur - FD_RESERVE) / per_job;
	if (fit < 1)
		fit = 1;
	if (run->jobs > fit) {
		warnx_("%s engine: -j %d needs about %ld file descriptors but"
		    " only %ld are allowed (ulimit -n); running %ld at once",
		    run->engine, run->jobs, (long)run->jobs * per_job +
		    FD_RESERVE, (long)rl.rlim_cur, fit);
		run->jobs = (int)fit;
	}
	return run->jobs;
}

uint64_t
origin_hash(const char *url)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	const char *p = strstr(url, "://");

	p = p != NULL ? p + 3 : url;
	p += strcspn(p, "/?#");
	for (; url < p; url++)
		h = (h ^ (unsigned char)*url) * 0x100000001b3ULL;
	return h != 0 ? h : 1;
}

int
origins_rank(const struct origins *o, uint64_t h)
{
	int j;

	for (j = 0; j < ORIGINS_KEPT; j++)
		if (o->h[j] == h)
			return j;
	return -1;
}

void
origins_add(struct origins *o, uint64_t h)
{
	size_t j;

	for (j = 0; j < ORIGINS_KEPT - 1 && o->h[j] != h; j++)
		;
	memmove(o->h + 1, o->h, j * sizeof *o->h);
	o->h[0] = h;
}
