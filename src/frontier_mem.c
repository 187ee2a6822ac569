/*
 * The frontier's calls (see frontier.h), and its memory backend: a set of
 * every URL seen, list lines and links alike, with its first origin. That
 * is all a run without --state keeps; the scheduler's host queues and
 * held links hold the rest.
 */
#include "config.h"

#include <stdlib.h>

#include "frontier.h"
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
mem_level_started(struct frontier *f)
{
	(void)f;
}

static void
mem_robots(struct frontier *f, const char *origin, long status,
    const char *body, size_t len)
{
	(void)f;
	(void)origin;
	(void)status;
	(void)body;
	(void)len;
}

static bool
mem_robots_kept(struct frontier *f, const char *origin, long *status,
    char **body, size_t *len)
{
	(void)f;
	(void)origin;
	(void)status;
	(void)body;
	(void)len;
	return false;
}

static size_t
mem_admit_links(struct frontier *f, char **links, size_t n, size_t max,
    const char *referrer, const char *input, unsigned depth, uint64_t *seq,
    bool *admitted)
{
	struct frontier_mem *m = (struct frontier_mem *)f;
	size_t i, k = 0;

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
	mem_admit_seed, mem_hold, mem_level_started, mem_robots,
	mem_robots_kept, mem_admit_links,
	mem_claim_pending, mem_complete, mem_commit, mem_checkpoint, mem_close,
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
frontier_hold(struct frontier *f, uint64_t rank, unsigned depth,
    const char *referrer, const char *input, char **links, size_t n,
    bool *fresh)
{
	f->ops->hold(f, rank, depth, referrer, input, links, n, fresh);
}

void
frontier_level_started(struct frontier *f)
{
	f->ops->level_started(f);
}

void
frontier_robots(struct frontier *f, const char *origin, long status,
    const char *body, size_t len)
{
	f->ops->robots(f, origin, status, body, len);
}

bool
frontier_robots_kept(struct frontier *f, const char *origin, long *status,
    char **body, size_t *len)
{
	return f->ops->robots_kept(f, origin, status, body, len);
}

size_t
frontier_admit_links(struct frontier *f, char **links, size_t n, size_t max,
    const char *referrer, const char *input, unsigned depth, uint64_t *seq,
    bool *admitted)
{
	return f->ops->admit_links(f, links, n, max, referrer, input, depth,
	    seq, admitted);
}

size_t
frontier_claim_pending(struct frontier *f, struct frontier_item **items,
    uint64_t *pages, uint64_t *seq)
{
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
	}
	free(items);
}

bool
frontier_complete(struct frontier *f, const struct result *r)
{
	return f->ops->complete(f, r);
}

int
frontier_commit(struct frontier *f)
{
	return f->ops->commit(f);
}

void
frontier_checkpoint(struct frontier *f)
{
	f->ops->checkpoint(f);
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
