/*
 * URL sources: the URL lists named on the command line (or stdin), read as
 * a stream, one URL per line. Bad lines become finished result records
 * handed straight to the sink; good lines become jobs. Duplicates are
 * found by whoever takes the jobs, with seed_duplicate() and a set of
 * the run's URLs, so that crawled links share it. Memory does not grow
 * with the file.
 *
 * Not here: what is asked of one URL (url.h), the set of URLs seen
 * (frontier.h).
 */
#ifndef PSCRAPE_URLLIST_H
#define PSCRAPE_URLLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "result.h"

struct sink;
struct source;
struct frontier;

/*
 * Open the lists (none, or "-": standard input, read from stdin_f when it
 * is not NULL, e.g. a rewound copy). The first nlistfiles are lists
 * whatever their names; after them, a name that arg_is_url() is a URL,
 * taken as a list of one line named "argv:N" (N counts the arguments from
 * the first after nlistfiles). Every file is checked up front so that a
 * typo fails the run before anything is fetched; on error the message is
 * in errbuf and NULL is returned.
 */
struct source	*source_open(char **files, int nfiles, int nlistfiles,
		    FILE *stdin_f, char *errbuf, size_t errlen);
/* Whether an argument is a URL, not a list: it starts "SCHEME://". */
bool		 arg_is_url(const char *);
/*
 * No warning about a list (empty, or HTML) from this source: it was
 * given when the same lists were read before.
 */
void		 source_quiet(struct source *);
/*
 * The next job to fetch, or NULL at the end of the input. Lines that are
 * rejected on the way (bad URL) are emitted to the sink. Duplicates are
 * jobs: see seed_duplicate(). Not thread-safe: one reader at a time.
 */
struct job	*source_next(struct source *, struct sink *);
/*
 * Whether the job of a list line is not to be fetched: its URL is in the
 * frontier (an earlier line, or a link when crawling), then its
 * "duplicate of" record (naming the first) goes to the sink, which takes
 * the job; or its record went out in an earlier attempt of the run
 * (--state), then the job is freed. Else the URL is admitted to the
 * frontier, and the job is the caller's still.
 */
bool		 seed_duplicate(struct frontier *, struct job *,
		    struct sink *);
/*
 * seed_duplicate() for n jobs in one step of the frontier (one round trip
 * to a shared one): taken[i] says which jobs are no longer the caller's.
 */
void		 seeds_duplicate(struct frontier *, struct job **, size_t n,
		    struct sink *, bool *taken);
/*
 * --shard K/N: keep only the lines of shard K (1..N), hashed by host or by
 * the whole URL (a bad line by its text), dropping the others silently:
 * url_in_shard().
 */
void		 source_set_shard(struct source *, unsigned k, unsigned n,
		    bool by_url);
/* Whether reading an input failed part-way (an input error, exit 2). */
bool		 source_failed(const struct source *);
/*
 * Whether the input was left before its end (after a stop: source_next()
 * reads no more then), and where: "up to FILE:LINE", the last line read,
 * or "up to (not including) FILE". The lines after get no record.
 */
bool		 source_unread(const struct source *, char *where, size_t len);
void		 source_close(struct source *);
/*
 * --frontier with no list: the lines come from feed (up to max entries
 * of source_line() a call, malloc'd, in *entries; 0 at the end), not
 * from files; those taken and not looked at when the source is closed
 * (after a stop) are given back to unfeed. 0 with *later: none now, ask
 * again (source_next() returns NULL, and source_later() says so).
 */
typedef size_t	(*source_feed)(void *arg, size_t max, char ***entries,
		    bool *later);
typedef void	(*source_unfeed)(void *arg, char **entries, size_t n);
void		 source_set_feed(struct source *, source_feed, source_unfeed,
		    void *arg);
/* source_next() returned NULL for now, not at the end: see source_feed. */
bool		 source_later(const struct source *);
/*
 * --load: the next line of the lists as it was read (cut, or up to a
 * NUL), malloc'd, as "FILE:LINE<TAB>FLAGS<TAB>LINE" (FLAGS: 's' it is
 * blank or a comment, 't' it was too long, 'n' it held a NUL), for
 * another process's source_next() to take; NULL at the end.
 */
char		*source_line(struct source *);

/* Pure parts, exposed for the unit tests. */

/*
 * Read one line (without its newline) into buf, keeping at most cap bytes.
 * Returns 1 with a line, 0 at end of input, -1 on a read error.
 */
int	 url_read_line(FILE *, char *buf, size_t cap, size_t *len,
	    bool *toolong, bool *hasnul);

#endif
