/*
 * Links: resolving hrefs, the scope of a crawl, per-host keys and shards.
 *
 * libcurl's URL API (7.88) does the parsing and the relative resolution;
 * the few places where it departs from what a browser does with an href
 * are patched up before handing it over: a fragment-only or empty
 * reference (curl drops the last path segment), backslashes in the path
 * (browsers read them as '/'), spaces and non-ASCII bytes (encoded here,
 * in upper case, as browsers do, instead of curl's '+' and lower case).
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libpsl.h>

#include "buf.h"
#include "links.h"
#include "urllist.h"
#include "xmalloc.h"

static CURLU *
url_new(void)
{
	CURLU	*u;

	if ((u = curl_url()) == NULL)
		fatal(EXIT_FAILURE, "out of memory");
	return u;
}

/* A CURLU for an absolute URL, or NULL if it does not parse. */
static CURLU *
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

static bool
c0_or_space(char c)
{
	return (unsigned char)c <= 0x20;
}

/*
 * An href as a browser hands it to its URL parser: C0 controls and
 * spaces trimmed at both ends, tabs and newlines inside dropped,
 * backslashes before the query read as '/', spaces, controls and
 * non-ASCII bytes percent-encoded. Into b, NUL-terminated.
 */
static void
clean_href(struct textbuf *b, const char *s)
{
	const char		*e = s + strlen(s);
	unsigned char		 c;
	bool			 path = true;

	b->len = 0;
	while (s < e && c0_or_space(*s))
		s++;
	while (e > s && c0_or_space(e[-1]))
		e--;
	for (; s < e; s++) {
		c = (unsigned char)*s;
		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == '?' || c == '#')
			path = false;
		if (c == '\\' && path)
			c = '/';
		if (c > 0x20 && c < 0x7f) {
			buf_addc(b, (char)c);
			continue;
		}
		buf_addpct(b, c);
	}
	buf_addc(b, '\0');
	b->len--;
}

/* href resolved against the URL in base (which is left as it was). */
static char *
resolve_one(CURLU *base, const char *href)
{
	CURLU		*u;
	CURLUcode	 uc;
	char		*s, *norm = NULL, *reason = NULL;

	u = curl_url_dup(base);
	if (u == NULL)
		fatal(EXIT_FAILURE, "out of memory");
	/* curl would drop the last segment of the path for "#x". */
	if (href[0] == '#')
		uc = CURLUE_OK;
	else
		uc = curl_url_set(u, CURLUPART_URL, href, 0);
	if (uc == CURLUE_OK)
		uc = curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_URL, &s, 0);
	curl_url_cleanup(u);
	if (uc != CURLUE_OK)
		return NULL;
	if (url_check(s, &norm, &reason) != 0 ||
	    strlen(norm) > URL_MAX_LINE) {
		free(norm);
		norm = NULL;
	}
	free(reason);
	curl_free(s);
	return norm;
}

size_t
links_resolve(const char *page_url, const char *base, char *const *hrefs,
    size_t n, char ***out)
{
	struct textbuf	 b = { NULL, 0, 0 };
	struct strset	*seen;
	CURLU		*page, *bu;
	char		**v = NULL, *url;
	size_t		 i, kept = 0;

	*out = NULL;
	if (n == 0 || (page = url_parse(page_url)) == NULL)
		return 0;
	if (base != NULL && strlen(base) <= URL_MAX_LINE) {
		clean_href(&b, base);
		bu = curl_url_dup(page);
		if (bu == NULL)
			fatal(EXIT_FAILURE, "out of memory");
		if (b.len > 0 && b.data[0] != '#' &&
		    curl_url_set(bu, CURLUPART_URL, b.data, 0) == CURLUE_OK) {
			curl_url_cleanup(page);
			page = bu;
		} else
			curl_url_cleanup(bu);
	}
	seen = strset_new();
	for (i = 0; i < n; i++) {
		if (hrefs[i] == NULL || strlen(hrefs[i]) > URL_MAX_LINE)
			continue;
		clean_href(&b, hrefs[i]);
		if (b.len == 0 || (url = resolve_one(page, b.data)) == NULL)
			continue;
		if (strset_add(seen, url, "") != NULL) {
			free(url);
			continue;
		}
		if (v == NULL)
			v = xcalloc(n, sizeof *v);
		v[kept++] = url;
	}
	strset_free(seen);
	curl_url_cleanup(page);
	free(b.data);
	*out = v;
	return kept;
}

void
links_free(char **v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The parts of a URL the scope needs, lowercased; false if it fails. */
struct parts {
	char	*scheme, *host, *port, *path;
};

static void
parts_free(struct parts *p)
{
	free(p->scheme);
	free(p->host);
	free(p->port);
	free(p->path);
}

static bool
parts_of(const char *url, struct parts *p)
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
		parts_free(p);
		return false;
	}
	lower_str(p->scheme);
	lower_str(p->host);
	return true;
}

static bool
is_http(const char *scheme)
{
	return strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0;
}

/* An IPv6 literal ("[...]") or an IPv4 address (curl writes it dotted). */
static bool
is_ip(const char *host)
{
	if (host[0] == '[')
		return true;
	return host[strspn(host, "0123456789.")] == '\0';
}

/* The registrable domain of a lowercase host, or the host itself. */
static const char *
domain_of(const char *host)
{
	const psl_ctx_t	*psl;
	const char	*d;

	if (is_ip(host) || (psl = psl_builtin()) == NULL)
		return host;
	if ((d = psl_registrable_domain(psl, host)) == NULL)
		return host;
	return d;
}

bool
link_in_scope(enum scope scope, const char *from, const char *link)
{
	struct parts	 f, l;
	const char	*slash;
	size_t		 dirlen;
	bool		 in = false;

	if (!parts_of(from, &f))
		return false;
	if (!parts_of(link, &l)) {
		parts_free(&f);
		return false;
	}
	if (!is_http(l.scheme))
		goto out;
	switch (scope) {
	case SCOPE_HOST:
		in = strcmp(f.host, l.host) == 0 && strcmp(f.port, l.port) == 0;
		break;
	case SCOPE_DOMAIN:
		in = strcmp(domain_of(f.host), domain_of(l.host)) == 0;
		break;
	case SCOPE_PREFIX:
		if (strcmp(f.scheme, l.scheme) != 0 ||
		    strcmp(f.host, l.host) != 0 || strcmp(f.port, l.port) != 0)
			break;
		slash = strrchr(f.path, '/');
		dirlen = slash != NULL ? (size_t)(slash - f.path) + 1 : 0;
		in = strncmp(f.path, l.path, dirlen) == 0;
		break;
	}
out:
	parts_free(&f);
	parts_free(&l);
	return in;
}

char *
url_origin(const char *url)
{
	struct parts	 p;
	char		*o;

	if (!parts_of(url, &p))
		return NULL;
	o = xasprintf("%s://%s:%s", p.scheme, p.host, p.port);
	parts_free(&p);
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
	struct parts	 p;
	char		*norm, *reason;
	uint64_t	 h;

	if (n == 0)
		return 0;
	if (by_host && parts_of(url, &p)) {
		h = fnv1a64(p.host);
		parts_free(&p);
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
