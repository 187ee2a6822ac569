/*
 * URL sources: the URL lists named on the command line (or stdin), read as
 * a stream, one URL per line. Bad lines and duplicates become finished
 * result records handed straight to the sink; good lines become jobs.
 * Memory grows with the set of distinct URLs, never with the file.
 */
#ifndef PSCRAPE_URLLIST_H
#define PSCRAPE_URLLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "result.h"

#define URL_MAX_LINE 8192	/* longest accepted line, bytes */

struct sink;
struct source;

/*
 * Open the lists (none, or "-": standard input, read from stdin_f when it
 * is not NULL, e.g. a rewound copy). Every file is checked up front so
 * that a typo fails the run before anything is fetched; on error the
 * message is in errbuf and NULL is returned.
 */
struct source	*source_open(char **files, int nfiles, FILE *stdin_f,
		    char *errbuf, size_t errlen);
/*
 * The next job to fetch, or NULL at the end of the input. Lines that are
 * rejected on the way (bad URL, duplicate) are emitted to the sink.
 * Not thread-safe: one reader at a time.
 */
struct job	*source_next(struct source *, struct sink *);
/*
 * --shard K/N: keep only the lines of shard K (1..N), hashed by host or by
 * the whole URL (a bad line by its text), dropping the others silently.
 */
void		 source_set_shard(struct source *, unsigned k, unsigned n,
		    bool by_url);
/* Whether reading an input failed part-way (an input error, exit 2). */
bool		 source_failed(const struct source *);
void		 source_close(struct source *);

/* Pure parts, exposed for the unit tests. */

/*
 * Check one trimmed line. On success returns 0 and the normalised URL in
 * *norm (malloc'd); on failure returns -1 and the reason in *reason.
 */
int	 url_check(const char *line, char **norm, char **reason);
/* A copy of url with any password replaced by "***". */
char	*url_mask_password(const char *url);
/*
 * Read one line (without its newline) into buf, keeping at most cap bytes.
 * Returns 1 with a line, 0 at end of input, -1 on a read error.
 */
int	 url_read_line(FILE *, char *buf, size_t cap, size_t *len,
	    bool *toolong, bool *hasnul);

/* A set of strings remembering, for each, where it was first seen. */
struct strset;
struct strset	*strset_new(void);
/* Add key; if already present return its first origin, else NULL. */
const char	*strset_add(struct strset *, const char *key,
		    const char *origin);
size_t		 strset_count(const struct strset *);
void		 strset_free(struct strset *);

#endif
