/* Jobs and result records: construction and ownership hand-over. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	free(j->lost);
	free(j->etag);
	free(j->last_modified);
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

struct job *
result_take_job(struct result *r)
{
	struct job *j = r->job;

	j->given = r->url;
	j->input = r->input;
	r->url = r->input = NULL;
	r->job = NULL;
	result_free(r);
	return j;
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
result_clear_outcome(struct result *r)
{
	free(r->final_url);
	free(r->content_type);
	free(r->error);
	free(r->text);
	free(r->text_file);
	free(r->eff_url);
	while (r->nlinks > 0)
		free(r->links[--r->nlinks]);
	free(r->links);
	free(r->body);
	free(r->etag);
	free(r->last_modified);
	r->etag = r->last_modified = NULL;
	r->content_hash = 0;
	r->hashed = r->not_modified = false;
	r->final_url = r->content_type = r->error = r->eff_url = NULL;
	r->text = r->text_file = NULL;
	r->text_len = 0;
	r->links = NULL;
	r->body = NULL;
	r->body_len = 0;
	r->links_cut = 0;
	r->status = 0;
	r->ok = false;
	r->charset = NULL;
	r->bytes = r->chars = 0;
	r->time_ms = r->ttfb_ms = 0;
	r->transient = false;
	r->retry_after = 0;
	r->save_errno = 0;
}

void
result_free(struct result *r)
{
	if (r == NULL)
		return;
	free(r->url);
	free(r->input);
	free(r->duplicate_of);
	job_free(r->job);
	result_clear_outcome(r);
	free(r);
}

bool
result_cert_failed(const struct result *r)
{
	return r->error != NULL && strncmp(r->error, RESULT_CERT_FAILED,
	    strlen(RESULT_CERT_FAILED)) == 0;
}

bool
result_interrupted(const struct result *r)
{
	return r->error != NULL &&
	    (strncmp(r->error, "interrupted by ", 15) == 0 ||
	    strncmp(r->error, "not started: interrupted by ", 28) == 0);
}
