/*
 * The frontier's calls (see frontier.h), and its memory backend: a set of
 * every URL seen, list lines and links alike, with its first origin. That
 * is all a run without --state keeps; the scheduler's host queues and
 * held links hold the rest.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "frontier.h"
#include "result.h"
#include "strset.h"
#include "xmalloc.h"

struct frontier_mem {
	struct frontier	 f;		/* first: the frontier is this */
	struct strset	*seen;
};

static enum admit
mem_admit_seed(struct frontier *f, const char *url, const char *input,
    const char **first)
{
	struct frontier_mem *m = (struct frontier_mem *)f;

	*first = strset_add(m->seen, url, input);
	return *first == NULL ? ADMIT_NEW : ADMIT_SEEN;
}

static void
mem_hold(struct frontier *f, uint64_t rank, unsigned depth,
    const char *referrer, const char *input, char **links, size_t n,
    bool *fresh)
{
	struct frontier_mem *m = (struct frontier_mem *)f;
	size_t i;

	(void)rank;
	(void)depth;
	(void)referrer;
	(void)input;
	for (i = 0; i < n; i++)
		fresh[i] = strset_find(m->seen, links[i]) == NULL;
}

static void
mem_robots(struct frontier *f, const char *origin,
    const struct robots_copy *c)
{
	(void)f;
	(void)origin;
	(void)c;
}

static size_t
mem_admit_links(struct frontier *f, uint64_t rank, char **links, size_t n,
    size_t max, const char *referrer, const char *input, unsigned depth,
    uint64_t *seq, bool *admitted)
{
	struct frontier_mem *m = (struct frontier_mem *)f;
	size_t i, k = 0;

	(void)rank;
	(void)input;
	(void)depth;
	for (i = 0; i < n; i++) {
		/* Weak: a list line read later still names its own. */
		admitted[i] = k < max &&
		    strset_add_weak(m->seen, links[i], referrer) == NULL;
		if (admitted[i])
			k++;
	}
	*seq += k;
	return k;
}

static size_t
mem_claim_pending(struct frontier *f, struct frontier_item **items,
    uint64_t *pages, uint64_t *seq)
{
	(void)f;
	(void)seq;
	*items = NULL;
	*pages = 0;
	return 0;
}

static bool
mem_complete(struct frontier *f, const struct result *r)
{
	(void)f;
	(void)r;
	return true;
}

static int
mem_commit(struct frontier *f)
{
	(void)f;
	return 0;
}

static void
mem_checkpoint(struct frontier *f)
{
	(void)f;
}

static void
mem_close(struct frontier *f, bool finished)
{
	struct frontier_mem *m = (struct frontier_mem *)f;

	(void)finished;
	strset_free(m->seen);
	free(m);
}

static const struct frontier_ops mem_ops = {
	.admit_seed = mem_admit_seed,
	.hold = mem_hold,
	.robots = mem_robots,
	.admit_links = mem_admit_links,
	.claim_pending = mem_claim_pending,
	.complete = mem_complete,
	.commit = mem_commit,
	.checkpoint = mem_checkpoint,
	.close = mem_close,
};

struct frontier *
frontier_mem_new(void)
{
	struct frontier_mem *m = xcalloc(1, sizeof *m);

	m->f.ops = &mem_ops;
	m->seen = strset_new();
	return &m->f;
}

/* --- the calls, for every backend ----------------------------------------- */

enum admit
frontier_admit_seed(struct frontier *f, const char *url, const char *input,
    const char **first)
{
	return f->ops->admit_seed(f, url, input, first);
}

void
frontier_admit_seeds(struct frontier *f, size_t n, const char **urls,
    const char **givens, const char **inputs, enum admit *a, char **firsts)
{
	const char *first;
	size_t i;

	if (f->ops->admit_seeds != NULL) {
		f->ops->admit_seeds(f, n, urls, givens, inputs, a, firsts);
		return;
	}
	for (i = 0; i < n; i++) {
		a[i] = f->ops->admit_seed(f, urls[i], inputs[i], &first);
		firsts[i] = a[i] == ADMIT_SEEN ? xstrdup(first) : NULL;
	}
}

void
frontier_hold(struct frontier *f, uint64_t rank, unsigned depth,
    const char *referrer, const char *input, char **links, size_t n,
    bool *fresh)
{
	f->ops->hold(f, rank, depth, referrer, input, links, n, fresh);
}

void
frontier_robots(struct frontier *f, const char *origin,
    const struct robots_copy *c)
{
	if (f->ops->robots != NULL)
		f->ops->robots(f, origin, c);
}

enum robots_share
frontier_robots_get(struct frontier *f, const char *origin,
    struct robots_copy *c)
{
	if (f->ops->robots_get == NULL)
		return ROBOTS_FETCH;
	return f->ops->robots_get(f, origin, c);
}

void
robots_copy_free(struct robots_copy *c)
{
	free(c->error);
	free(c->body);
}

bool
frontier_robots_kept(struct frontier *f, const char *origin,
    struct robots_copy *c)
{
	return f->ops->robots_kept != NULL && f->ops->robots_kept(f, origin, c);
}

size_t
frontier_admit_links(struct frontier *f, uint64_t rank, char **links,
    size_t n, size_t max, const char *referrer, const char *input,
    unsigned depth, uint64_t *seq, bool *admitted)
{
	if (f->ops->admit_links == NULL)
		return 0;
	return f->ops->admit_links(f, rank, links, n, max, referrer, input,
	    depth, seq, admitted);
}

size_t
frontier_claim_pending(struct frontier *f, struct frontier_item **items,
    uint64_t *pages, uint64_t *seq)
{
	if (f->ops->claim_pending == NULL) {
		*items = NULL;
		*pages = 0;
		return 0;
	}
	return f->ops->claim_pending(f, items, pages, seq);
}

void
frontier_items_free(struct frontier_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(items[i].url);
		free(items[i].input);
		free(items[i].referrer);
		result_free(items[i].record);
	}
	free(items);
}

bool
frontier_previous(struct frontier *f, const char *url,
    struct frontier_prev *p)
{
	memset(p, 0, sizeof *p);
	return f->ops->previous != NULL && url != NULL &&
	    f->ops->previous(f, url, p);
}

void
frontier_recall(struct frontier *f, struct result *r)
{
	struct frontier_prev p;
	const char *url = r->job != NULL ? r->job->url : NULL;

	if (!r->ok || r->duplicate_of != NULL || r->skipped != NULL ||
	    !frontier_previous(f, url, &p))
		return;
	if (r->not_modified) {
		r->chars = p.chars;
		r->content_hash = p.content_hash;
		r->hashed = p.hashed;
		/* A 304 need not repeat the validators (RFC 9110, 15.4.5). */
		if (r->etag == NULL && p.etag != NULL)
			r->etag = xstrdup(p.etag);
		if (r->last_modified == NULL && p.last_modified != NULL)
			r->last_modified = xstrdup(p.last_modified);
	}
	if (r->hashed && p.hashed)
		r->changed = r->content_hash != p.content_hash ? CHANGED_YES :
		    CHANGED_NO;
}

bool
frontier_complete(struct frontier *f, const struct result *r)
{
	return f->ops->complete(f, r);
}

int
frontier_commit(struct frontier *f)
{
	return f->ops->commit != NULL ? f->ops->commit(f) : 0;
}

void
frontier_seal(struct frontier *f)
{
	if (f->ops->seal != NULL)
		f->ops->seal(f);
}

int
frontier_commit_sealed(struct frontier *f)
{
	if (f->ops->commit_sealed != NULL)
		return f->ops->commit_sealed(f);
	return frontier_commit(f);
}

void
frontier_flushed(struct frontier *f)
{
	if (f->ops->flushed != NULL)
		f->ops->flushed(f);
}

size_t
frontier_replay(struct frontier *f, struct result ***recs)
{
	*recs = NULL;
	return f->ops->replay != NULL ? f->ops->replay(f, recs) : 0;
}

void
frontier_checkpoint(struct frontier *f)
{
	if (f->ops->checkpoint != NULL)
		f->ops->checkpoint(f);
}

enum claim
frontier_claim(struct frontier *f, size_t max, struct frontier_item **items,
    size_t *n)
{
	return f->ops->claim(f, max, items, n);
}

void
frontier_written(struct frontier *f, const struct result *r)
{
	if (f->ops->written != NULL)
		f->ops->written(f, r);
}

double
frontier_host_take(struct frontier *f, const char *origin, int per_host,
    double interval, uint64_t slot)
{
	return f->ops->host_take(f, origin, per_host, interval, slot);
}

void
frontier_host_give(struct frontier *f, const char *origin, uint64_t slot)
{
	f->ops->host_give(f, origin, slot);
}

double
frontier_host_slow(struct frontier *f, const char *origin, double interval,
    double wait, bool twice, double max)
{
	return f->ops->host_slow(f, origin, interval, wait, twice, max);
}

bool
frontier_shared(const struct frontier *f)
{
	return f->shared;
}

bool
frontier_durable(const struct frontier *f)
{
	return f->durable;
}

void
frontier_close(struct frontier *f, bool finished)
{
	if (f != NULL)
		f->ops->close(f, finished);
}
