/*
 * One URL: everything pscrape asks of a single http(s) URL, without the
 * network. Checking and normalising a list line (url_check), hiding its
 * password (url_mask_password), the per-host key of politeness and
 * robots.txt (url_origin), the request target robots.txt rules are
 * matched against (url_target), with fast readings of both off an
 * already normalised URL, the shard of --shard, and whether a redirect
 * target names a web scheme. libcurl's URL API does the parsing.
 *
 * Not here: reading lists (urllist.h), resolving hrefs and --scope
 * (links.h).
 *
 * Thread-safe: every call owns all of its state.
 */
#ifndef PSCRAPE_URL_H
#define PSCRAPE_URL_H

#include <stdbool.h>

#include <curl/curl.h>

#define URL_MAX_LINE 8192	/* longest URL accepted, list line or link */

/*
 * Check one trimmed line. On success returns 0 and the normalised URL in
 * *norm (malloc'd: a curl_url round trip with a lower-case host); on
 * failure returns -1 and the reason in *reason.
 */
int	 url_check(const char *line, char **norm, char **reason);
/* A copy of url with any password replaced by "***". */
char	*url_mask_password(const char *url);

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
 * url_origin() and url_target() of a URL normalised by url_check() or
 * links_resolve(), read off the string without parsing it again (they
 * run for every job). Anything else goes the long way: the same answer,
 * slower.
 */
char	*url_origin_fast(const char *url);
char	*url_target_fast(const char *url);

/*
 * Shard of url in 0..n-1 (0 when n is 0): FNV-1a 64 of the lowercased
 * host (by_host) or of the whole URL normalised as url_check() does, mod
 * n; for a string that is not a URL, of the string itself. Stable across
 * machines and runs.
 */
unsigned url_shard(const char *url, bool by_host, unsigned n);
/*
 * The rule of --shard K/N --shard-by host|url: whether url (or a line
 * that is not one) falls in shard k (1..n). Always true when n is 0.
 */
bool	 url_in_shard(const char *url, unsigned k, unsigned n, bool by_url);

/* Whether a URL (or Location value) names http or https, or no scheme. */
bool	 url_web_scheme(const char *url);

/* A CURLU for an absolute URL, or NULL if it does not parse. */
CURLU	*url_parse(const char *url);

/* The parts of a URL that --scope and url_origin() compare, lowercased. */
struct url_parts {
	char	*scheme, *host, *port, *path;	/* port: default explicit */
};
/* Fill p; false (p holding nothing) if url does not parse. */
bool	 url_parts(const char *url, struct url_parts *p);
void	 url_parts_free(struct url_parts *p);

#endif
