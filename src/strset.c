/*
 * The string set (see strset.h): open addressing with linear probing on
 * table_hash(), keyed per process: under an unkeyed hash a list made for
 * it puts every URL in one cluster and each insert walks it all. Keys and origins are copied into a pool of large
 * chunks, never freed one by one: a malloc each would cost a third more
 * (a million distinct URLs took 150 MB, now about 110). Whether an origin
 * is weak is the byte just before it in the pool, so that the slots stay
 * three words.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strset.h"
#include "xmalloc.h"

struct strset_entry {
	uint64_t	 hash;
	char		*key;		/* NULL: empty slot */
	char		*origin;	/* origin[-1]: ORIGIN_WEAK or not */
};

#define POOL_CHUNK	(256 * 1024)
#define ORIGIN_STRONG	'\0'
#define ORIGIN_WEAK	'w'

struct pool_chunk {
	struct pool_chunk	*next;
	char			 data[];
};

struct strset {
	struct strset_entry	*slots;
	size_t			 cap;	/* a power of two */
	size_t			 count;
	size_t			 probes;	/* for strset_probes() */
	struct pool_chunk	*chunks;
	char			*free;	/* room left in chunks */
	size_t			 left;
};

/* Room for n bytes in the set's pool. */
static char *
pool_alloc(struct strset *set, size_t n)
{
	size_t size;
	struct pool_chunk *c;
	char *p;

	if (n > set->left) {
		size = n > POOL_CHUNK / 4 ? n : POOL_CHUNK;
		c = xmalloc(sizeof *c + size);
		c->next = set->chunks;
		set->chunks = c;
		if (size == n)	/* a big one: keep the room in the last */
			return c->data;
		set->free = c->data;
		set->left = size;
	}
	p = set->free;
	set->free += n;
	set->left -= n;
	return p;
}

/* A copy of s in the set's pool. */
static char *
pool_strdup(struct strset *set, const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(pool_alloc(set, n), s, n);
}

/* A copy of an origin in the pool, after the byte that says its kind. */
static char *
pool_origin(struct strset *set, const char *origin, char kind)
{
	size_t n = strlen(origin) + 1;
	char *p = pool_alloc(set, n + 1);

	p[0] = kind;
	return memcpy(p + 1, origin, n);
}

struct strset *
strset_new(void)
{
	struct strset *set = xcalloc(1, sizeof *set);

	set->cap = 1024;
	set->slots = xcalloc(set->cap, sizeof *set->slots);
	return set;
}

static void
strset_grow(struct strset *set)
{
	struct strset_entry *old = set->slots;
	size_t oldcap = set->cap, i, j;

	set->cap *= 2;
	set->slots = xcalloc(set->cap, sizeof *set->slots);
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		j = old[i].hash & (set->cap - 1);
		while (set->slots[j].key != NULL)
			j = (j + 1) & (set->cap - 1);
		set->slots[j] = old[i];
	}
	free(old);
}

static const char *
add(struct strset *set, const char *key, const char *origin, char kind)
{
	struct strset_entry *e;
	uint64_t h = table_hash(key);
	const char *first;
	size_t j;

	if ((set->count + 1) * 10 > set->cap * 7)
		strset_grow(set);
	for (j = h & (set->cap - 1); set->slots[j].key != NULL;
	    j = (j + 1) & (set->cap - 1)) {
		e = &set->slots[j];
		set->probes++;
		if (e->hash != h || strcmp(e->key, key) != 0)
			continue;
		first = e->origin;
		if (first[-1] == ORIGIN_WEAK && kind == ORIGIN_STRONG)
			e->origin = pool_origin(set, origin, kind);
		return first;
	}
	e = &set->slots[j];
	e->hash = h;
	e->key = pool_strdup(set, key);
	e->origin = pool_origin(set, origin, kind);
	set->count++;
	return NULL;
}

const char *
strset_add(struct strset *set, const char *key, const char *origin)
{
	return add(set, key, origin, ORIGIN_STRONG);
}

const char *
strset_add_weak(struct strset *set, const char *key, const char *origin)
{
	return add(set, key, origin, ORIGIN_WEAK);
}

const char *
strset_find(const struct strset *set, const char *key)
{
	const struct strset_entry *e;
	uint64_t h = table_hash(key);
	size_t j;

	for (j = h & (set->cap - 1); (e = &set->slots[j])->key != NULL;
	    j = (j + 1) & (set->cap - 1))
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e->origin;
	return NULL;
}

bool
strset_has(const struct strset *set, const char *key)
{
	return strset_find(set, key) != NULL;
}

size_t
strset_count(const struct strset *set)
{
	return set->count;
}

size_t
strset_probes(const struct strset *set)
{
	return set->probes;
}

void
strset_free(struct strset *set)
{
	struct pool_chunk *c;

	if (set == NULL)
		return;
	while ((c = set->chunks) != NULL) {
		set->chunks = c->next;
		free(c);
	}
	free(set->slots);
	free(set);
}
