/*
 * A set of strings remembering, for each, where it was first seen: the
 * duplicate finder of a run (list lines and crawled links share one, see
 * seed_duplicate() in urllist.h) and of the hrefs of one page. Keys and
 * origins are copied; memory grows with the distinct keys, and is given
 * back all at once by strset_free(). Not thread-safe: the owner locks.
 */
#ifndef PSCRAPE_STRSET_H
#define PSCRAPE_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct strset;

struct strset	*strset_new(void);
/*
 * Add key; if already present return its first origin, else NULL. An
 * origin given by strset_add() replaces a weak one (it still returns the
 * weak one, then keeps its own).
 */
const char	*strset_add(struct strset *, const char *key,
		    const char *origin);
/*
 * The same, but the origin is weak: it stands only until strset_add()
 * brings the same key. Never replaces an origin.
 */
const char	*strset_add_weak(struct strset *, const char *key,
		    const char *origin);
/* The origin of key, or NULL when it is not in the set. Adds nothing. */
const char	*strset_find(const struct strset *, const char *key);
/* Whether key is in the set; adds nothing. */
bool		 strset_has(const struct strset *, const char *key);
size_t		 strset_count(const struct strset *);
/* Occupied slots looked at by the adds so far: what the tests measure. */
size_t		 strset_probes(const struct strset *);
void		 strset_free(struct strset *);

#endif
