/*
 * Links: resolving the hrefs of a page, and the scope of a crawl. What is
 * asked of one URL alone (normal form, origin, shard...) is in url.c.
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
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libpsl.h>

#include "buf.h"
#include "links.h"
#include "strset.h"
#include "url.h"
#include "xmalloc.h"

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
	struct url_parts	 f, l;
	const char		*slash;
	size_t			 dirlen;
	bool			 in = false;

	if (!url_parts(from, &f))
		return false;
	if (!url_parts(link, &l)) {
		url_parts_free(&f);
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
	url_parts_free(&f);
	url_parts_free(&l);
	return in;
}
