/*
 * One URL (see url.h): checking and normalising, masking a password, the
 * origin, request target and shard of a URL, the fast readings of the
 * first two, and the web-scheme test of a redirect target.
 *
 * libcurl's URL API (7.88) parses. Two things it leaves to us: host
 * names keep their case (lowered here, so that duplicates are found),
 * and a normalised URL is read again for every job, which the fast
 * readings avoid by reading the string.
 */
#include "config.h"

#include <langinfo.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "scan.h"
#include "url.h"
#include "xmalloc.h"

/* --- parsing -------------------------------------------------------------- */

static CURLU *
url_new(void)
{
	CURLU	*u;

	if ((u = curl_url()) == NULL)
		fatal(EXIT_FAILURE, "out of memory");
	return u;
}

/* A CURLU for an absolute URL, or NULL if it does not parse. */
CURLU *
url_parse(const char *url)
{
	CURLU	*u = url_new();

	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

/* A part of u as a malloc'd string, or NULL. */
static char *
url_part(CURLU *u, CURLUPart what, unsigned flags)
{
	char	*s, *c;

	if (curl_url_get(u, what, &s, flags) != CURLUE_OK)
		return NULL;
	c = xstrdup(s);
	curl_free(s);
	return c;
}

static void
lower_str(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

void
url_parts_free(struct url_parts *p)
{
	free(p->scheme);
	free(p->host);
	free(p->port);
	free(p->path);
}

bool
url_parts(const char *url, struct url_parts *p)
{
	CURLU	*u;

	memset(p, 0, sizeof *p);
	if ((u = url_parse(url)) == NULL)
		return false;
	p->scheme = url_part(u, CURLUPART_SCHEME, 0);
	p->host = url_part(u, CURLUPART_HOST, 0);
	p->port = url_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT);
	p->path = url_part(u, CURLUPART_PATH, 0);
	curl_url_cleanup(u);
	if (p->scheme == NULL || p->host == NULL || p->port == NULL ||
	    p->path == NULL) {
		url_parts_free(p);
		return false;
	}
	lower_str(p->scheme);
	lower_str(p->host);
	return true;
}

/* --- checking and showing ------------------------------------------------- */

/* The URL's scheme, lower-cased into buf, or NULL when there is none. */
static const char *
scheme_of(const char *url, char *buf, size_t cap)
{
	size_t i;

	if (!is_alpha((unsigned char)url[0]))
		return NULL;
	for (i = 0; url[i] != ':'; i++) {
		if (url[i] == '\0' || i + 1 >= cap)
			return NULL;
		if (!is_alpha((unsigned char)url[i]) &&
		    (url[i] < '0' || url[i] > '9') && url[i] != '+' &&
		    url[i] != '-' && url[i] != '.')
			return NULL;
		buf[i] = (char)lower((unsigned char)url[i]);
	}
	buf[i] = '\0';
	return buf;
}

/*
 * Host names are case-insensitive but curl_url (7.88) keeps their case;
 * lower-case them (ASCII only: the locale may be a single-byte one, and
 * the bytes of a UTF-8 name are not its letters) so that duplicates are
 * found. *idn tells whether the name is internationalised (not ASCII).
 */
static CURLUcode
lower_host(CURLU *u, bool *idn)
{
	CURLUcode uc;
	char *host, *p;

	*idn = false;
	if ((uc = curl_url_get(u, CURLUPART_HOST, &host, 0)) != CURLUE_OK)
		return uc;
	for (p = host; *p != '\0'; p++) {
		*p = (char)lower((unsigned char)*p);
		if ((unsigned char)*p >= 0x80)
			*idn = true;
	}
	uc = curl_url_set(u, CURLUPART_HOST, host, 0);
	curl_free(host);
	return uc;
}

/*
 * Why an internationalised host name has no punycode ("xn--") form:
 * libcurl converts it with libidn2 from the locale's character set
 * (LC_CTYPE), and 7.88 says only "out of memory" when that fails.
 */
static char *
idn_reason(CURLU *u)
{
	const char *cs = nl_langinfo(CODESET);
	char *host = NULL, *r;

	curl_url_get(u, CURLUPART_HOST, &host, 0);
	if (strcmp(cs, "UTF-8") != 0)
		r = xasprintf("internationalised host name '%s' cannot be"
		    " converted: the locale's character set is %s, not"
		    " UTF-8 (set LC_ALL=C.UTF-8, or write the host as"
		    " punycode, xn--...)", host != NULL ? host : "", cs);
	else
		r = xasprintf("internationalised host name '%s' cannot be"
		    " converted to punycode: not a valid IDNA name in UTF-8",
		    host != NULL ? host : "");
	curl_free(host);
	return r;
}

int
url_check(const char *line, char **norm, char **reason)
{
	char scheme[32], *out = NULL;
	CURLUcode uc;
	CURLU *u;
	bool idn = false;

	*norm = *reason = NULL;
	if (scheme_of(line, scheme, sizeof scheme) == NULL) {
		*reason = xstrdup("not a URL (expected http:// or https://)");
		return -1;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		*reason = xasprintf("unsupported scheme '%s' (only http and"
		    " https)", scheme);
		return -1;
	}
	u = url_new();
	uc = curl_url_set(u, CURLUPART_URL, line, 0);
	if (uc == CURLUE_OK)
		uc = lower_host(u, &idn);
	/*
	 * An internationalised name is fetched, and told apart from others,
	 * as the punycode name libcurl would look up: --dry-run shows it.
	 */
#ifdef CURLU_PUNYCODE	/* 7.88.0 */
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_URL, &out, idn ?
		    CURLU_PUNYCODE : 0);
#else
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_URL, &out, 0);
#endif
	if (uc == CURLUE_OUT_OF_MEMORY && idn) {
		*reason = idn_reason(u);
		curl_url_cleanup(u);
		return -1;
	}
	curl_url_cleanup(u);
	if (uc != CURLUE_OK) {
		*reason = xasprintf("not a valid URL: %s",
		    curl_url_strerror(uc));
		return -1;
	}
	*norm = xstrdup(out);
	curl_free(out);
	return 0;
}

char *
url_mask_password(const char *url)
{
	const char *auth, *end, *at, *colon, *p, *q;

	/*
	 * An authority follows a ':' and one or more slashes: curl reads
	 * "http:/u:p@h" and "http:///u:p@h" as "http://u:p@h". The first
	 * one that holds a user and a password is masked.
	 */
	for (p = url; (p = strstr(p, ":/")) != NULL; p++) {
		auth = p + 1 + strspn(p + 1, "/");
		end = auth + strcspn(auth, "/?#");
		at = NULL;
		for (q = auth; q < end; q++)
			if (*q == '@')
				at = q;
		if (at == NULL ||
		    (colon = memchr(auth, ':', (size_t)(at - auth))) == NULL)
			continue;
		return xasprintf("%.*s***%s", (int)(colon + 1 - url), url, at);
	}
	return xstrdup(url);
}

/* --- origin, target, shard ------------------------------------------------ */

char *
url_origin(const char *url)
{
	struct url_parts	 p;
	char			*o;

	if (!url_parts(url, &p))
		return NULL;
	o = xasprintf("%s://%s:%s", p.scheme, p.host, p.port);
	url_parts_free(&p);
	return o;
}

char *
url_target(const char *url)
{
	CURLU	*u;
	char	*path, *query, *t;

	if ((u = url_parse(url)) == NULL)
		return NULL;
	path = url_part(u, CURLUPART_PATH, 0);
	query = url_part(u, CURLUPART_QUERY, 0);
	curl_url_cleanup(u);
	if (path == NULL) {
		free(query);
		return NULL;
	}
	if (query == NULL || *query == '\0') {
		/* As the normalised URL: curl writes "http://h/a?" as
		 * "http://h/a". */
		free(query);
		return path;
	}
	t = xasprintf("%s?%s", path, query);
	free(path);
	free(query);
	return t;
}

unsigned
url_shard(const char *url, bool by_host, unsigned n)
{
	struct url_parts	 p;
	char			*norm, *reason;
	uint64_t		 h;

	if (n == 0)
		return 0;
	if (by_host && url_parts(url, &p)) {
		h = fnv1a64(p.host);
		url_parts_free(&p);
	} else if (!by_host && url_check(url, &norm, &reason) == 0) {
		h = fnv1a64(norm);
		free(norm);
	} else {
		if (!by_host)
			free(reason);
		h = fnv1a64(url);
	}
	return (unsigned)(h % n);
}

bool
url_in_shard(const char *url, unsigned k, unsigned n, bool by_url)
{
	return n == 0 || url_shard(url, !by_url, n) == k - 1;
}

/* --- the fast readings of a normalised URL -------------------------------- */

/*
 * The authority of an http(s) URL, read off the string: from *auth to *end
 * (the first of "/?#"), and the length of the scheme. False for any other
 * scheme.
 */
static bool
authority(const char *url, size_t *slen, const char **auth, const char **end)
{
	if (strncmp(url, "http://", 7) == 0)
		*slen = 4;
	else if (strncmp(url, "https://", 8) == 0)
		*slen = 5;
	else
		return false;
	*auth = url + *slen + 3;
	*end = *auth + strcspn(*auth, "/?#");
	return true;
}

/*
 * A URL normalised by url_check() or links_resolve() reads
 * "scheme://[userinfo@]host[:port]/..." with a lower-case scheme and
 * host; anything else (an upper-case letter, a '%' that curl would
 * decode, an empty host or port) goes the long way.
 */
char *
url_origin_fast(const char *url)
{
	const char *auth, *end, *at, *host, *colon, *p;
	size_t slen;

	if (!authority(url, &slen, &auth, &end))
		return url_origin(url);
	host = auth;
	for (at = auth; at < end; at++)
		if (*at == '@')
			host = at + 1;
	colon = NULL;
	for (p = host; p < end; p++) {
		if (*p == ']')
			colon = NULL;
		else if (*p == ':')
			colon = p;
		else if ((*p >= 'A' && *p <= 'Z') || *p == '%')
			return url_origin(url);	/* curl decodes "%25" */
	}
	if (colon != NULL) {
		if (colon + 1 == end)
			return url_origin(url);
		for (p = colon + 1; p < end; p++)
			if (*p < '0' || *p > '9')
				return url_origin(url);
		return xasprintf("%.*s://%.*s", (int)slen, url,
		    (int)(end - host), host);
	}
	if (host == end)
		return url_origin(url);
	return xasprintf("%.*s://%.*s:%s", (int)slen, url, (int)(end - host),
	    host, slen == 4 ? "80" : "443");
}

/*
 * The target, the fast way: the rest of the string after the authority,
 * without the fragment, "/" when the path is empty, and without a "?"
 * that has nothing after it. Saves a curl_url parse for every job while
 * robots.txt is on (the default). A URL that is not normalised (an
 * upper-case letter in its authority) goes the long way.
 */
char *
url_target_fast(const char *url)
{
	const char *auth, *path, *q, *end;
	size_t slen;

	if (!authority(url, &slen, &auth, &path))
		return url_target(url);
	for (q = auth; q < path; q++)
		if (*q >= 'A' && *q <= 'Z')
			return url_target(url);
	q = path + strcspn(path, "?#");
	end = q;
	if (*q == '?' && q[1] != '\0' && q[1] != '#')
		end = q + 1 + strcspn(q + 1, "#");
	if (path == q)
		return xasprintf("/%.*s", (int)(end - q), q);
	return xasprintf("%.*s", (int)(end - path), path);
}

/* --- redirect targets ----------------------------------------------------- */

/* Whether a URL (or Location value) names http or https, or no scheme. */
bool
url_web_scheme(const char *url)
{
	size_t n = strspn(url, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

	if (url[n] != ':' || n == 0)
		return true;	/* relative */
	return (n == 4 && strncasecmp(url, "http", 4) == 0) ||
	    (n == 5 && strncasecmp(url, "https", 5) == 0);
}
