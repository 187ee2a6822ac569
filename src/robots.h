/*
 * Robots: the robots.txt of one host (RFC 9309), parsed once for our
 * product token and asked, per request target, whether it may be
 * fetched. Pure: no network, no globals.
 *
 * Thread-safe: a parsed struct robots is read-only; robots_allowed() and
 * robots_delay() may be called from any thread at once.
 */
#ifndef PSCRAPE_ROBOTS_H
#define PSCRAPE_ROBOTS_H

#include <stdbool.h>
#include <stddef.h>

#define ROBOTS_MAX_BYTES	(500 * 1024)	/* read of a body, RFC 9309 */
#define ROBOTS_MAX_RULES	10000		/* kept of the matched groups */
#define ROBOTS_MAX_DELAY	60.0		/* Crawl-delay cap, seconds */

struct robots;

/*
 * Parse a robots.txt body for the given product token, e.g. "pscrape".
 * Never fails: garbage parses as allow-all. Only the first
 * ROBOTS_MAX_BYTES are read (RFC 9309 asks for at least 500 KiB), and a
 * line that goes on past them is dropped, not read cut short. This is
 * the one place the limit applies: pass the whole body, or at least its
 * first ROBOTS_MAX_BYTES + 1 bytes, so that the byte past the limit
 * shows whether a line is cut.
 */
struct robots	*robots_parse(const char *body, size_t len,
		    const char *product);
/* allow=true: everything allowed; false: everything disallowed. */
struct robots	*robots_all(bool allow);
/*
 * target: the URL's path plus "?query" as sent in the request line (e.g.
 * "/a/b?x=1"). "/robots.txt" is always allowed.
 */
bool		 robots_allowed(const struct robots *, const char *target);
/*
 * Crawl-delay of the matched group in seconds (fractions allowed), 0 when
 * none; capped at ROBOTS_MAX_DELAY. Of merged groups, the largest.
 */
double		 robots_delay(const struct robots *);
/* The number of rules kept (for tests and diagnostics). */
size_t		 robots_nrules(const struct robots *);
void		 robots_free(struct robots *);

/*
 * Whether target matches the (normalised) pattern of one rule: '*' any
 * run of bytes, '$' at the end anchors; else a prefix match. Exposed for
 * the unit tests.
 */
bool		 robots_match(const char *pattern, const char *target);

#endif
