/*
 * Links: what crawling needs to know about the links of a page. Resolving
 * its raw hrefs into absolute http(s) URLs, and the scope test of
 * --scope. Pure: no network. What is asked of one URL alone (its normal
 * form, origin, request target, shard) is in url.h.
 *
 * Thread-safe: every call owns all of its state (libpsl's built-in list
 * is read-only).
 */
#ifndef PSCRAPE_LINKS_H
#define PSCRAPE_LINKS_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"		/* enum scope */

/*
 * Resolve raw hrefs against page_url (the final URL after redirects) and
 * base (may be NULL; itself resolved against page_url, ignored if it does
 * not resolve). Keeps only http/https, drops the fragment, normalises like
 * url_check() in url.c (curl_url round trip, lowercased host), drops
 * duplicates within the list and hrefs that fail to parse (javascript:,
 * mailto:, data:, empty, longer than URL_MAX_LINE). Leading and trailing
 * whitespace and C0 controls are trimmed and tabs and newlines inside
 * removed, as browsers do; spaces and non-ASCII bytes are percent-encoded.
 * Returns the number kept, in the order of hrefs; *out is a malloc'd
 * array of malloc'd strings (NULL when none are kept).
 */
size_t	 links_resolve(const char *page_url, const char *base,
	    char *const *hrefs, size_t n, char ***out);
void	 links_free(char **, size_t n);

/*
 * Whether link is in scope relative to from (the URL of the page it was
 * found on). link must be http or https, else false; URLs that do not
 * parse are never in scope.
 * - host: same host (case-insensitive) and same port (default ports
 *   applied: http://h/ and https://h/ differ, http://h:443/ and
 *   https://h/ do not);
 * - domain: same registrable domain via libpsl, any scheme and port; for
 *   IP literals and hosts with no registrable domain (localhost, a
 *   public suffix), the same host;
 * - prefix: same scheme, host and port and link's path starts with the
 *   directory of from's path (up to and including its last '/').
 */
bool	 link_in_scope(enum scope, const char *from, const char *link);

#endif
