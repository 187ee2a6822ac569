/*
 * Links: what crawling needs to know about URLs. Resolving the raw hrefs
 * of a page into absolute http(s) URLs, the scope test of --scope, the
 * per-host key of politeness and robots.txt (url_origin), the request
 * target robots.txt rules are matched against (url_target), and the
 * shard of --shard. Pure: no network.
 *
 * Thread-safe: every call owns all of its state (libpsl's built-in list
 * is read-only).
 */
#ifndef PSCRAPE_LINKS_H
#define PSCRAPE_LINKS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Resolve raw hrefs against page_url (the final URL after redirects) and
 * base (may be NULL; itself resolved against page_url, ignored if it does
 * not resolve). Keeps only http/https, drops the fragment, normalises like
 * url_check() in urllist.c (curl_url round trip, lowercased host), drops
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

enum scope { SCOPE_HOST, SCOPE_DOMAIN, SCOPE_PREFIX };

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

/*
 * "scheme://host:port" with the default port made explicit, lowercase;
 * NULL for a URL that does not parse. The per-host key for politeness
 * and robots.txt. The caller frees it.
 */
char	*url_origin(const char *url);
/*
 * The request target "/path?query" of url, for robots_allowed(); NULL
 * if it does not parse. The caller frees it.
 */
char	*url_target(const char *url);
/*
 * Shard of url in 0..n-1 (0 when n is 0): FNV-1a 64 of the lowercased
 * host (by_host) or of the whole URL normalised as url_check() does, mod
 * n; for a string that is not a URL, of the string itself. Stable across
 * machines and runs.
 */
unsigned url_shard(const char *url, bool by_host, unsigned n);

#endif
