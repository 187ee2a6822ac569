/* Jobs and result records: construction and ownership hand-over. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "result.h"
#include "xmalloc.h"

struct job *
job_new(char *url, char *given, char *input, uint64_t seq)
{
	struct job *j = xcalloc(1, sizeof *j);

	j->url = url;
	j->given = given;
	j->input = input;
	j->seq = seq;
	return j;
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->url);
	free(j->given);
	free(j->input);
	free(j->referrer);
	free(j);
}

struct result *
result_from_job(struct job *j)
{
	struct result *r = xcalloc(1, sizeof *r);

	r->url = j->given;
	r->input = j->input;
	r->seq = j->seq;
	r->attempts = j->attempts + 1;
	j->given = NULL;
	j->input = NULL;
	r->job = j;
	return r;
}

void
result_fail(struct result *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);	/* before the free: args may be r->error */
	va_end(ap);
	free(r->error);
	r->error = s;
	r->ok = false;
}

void
result_free(struct result *r)
{
	if (r == NULL)
		return;
	free(r->url);
	free(r->input);
	free(r->final_url);
	free(r->duplicate_of);
	free(r->content_type);
	free(r->error);
	job_free(r->job);
	free(r->eff_url);
	while (r->nlinks > 0)
		free(r->links[--r->nlinks]);
	free(r->links);
	free(r->body);
	free(r);
}
