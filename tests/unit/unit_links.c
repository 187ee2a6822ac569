/*
 * Unit tests for links.c: href resolution, scope, origins, targets and
 * shards.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "links.h"
#include "tap.h"
#include "url.h"
#include "xmalloc.h"

#define PAGE	"http://Example.COM/a/b/c.html?q=1#top"

/* Resolve one href against PAGE (and base); NULL if it is dropped. */
static void
res(const char *base, const char *href, const char *want)
{
	char	**out, *hrefs[1], *shown, *p;
	size_t	  n;

	hrefs[0] = (char *)href;
	n = links_resolve(PAGE, base, hrefs, 1, &out);
	/* TAP takes one line per test: show controls as '?'. */
	shown = xstrdup(href);
	for (p = shown; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20)
			*p = '?';
	}
	is_str(n == 1 ? out[0] : NULL, want, "resolve [%s] base [%s]", shown,
	    base ? base : "none");
	free(shown);
	links_free(out, n);
}

static void
test_resolve(void)
{
	res(NULL, "d.html", "http://example.com/a/b/d.html");
	res(NULL, "./d.html", "http://example.com/a/b/d.html");
	res(NULL, "../x", "http://example.com/a/x");
	res(NULL, "../../../../y", "http://example.com/y");
	res(NULL, "/abs", "http://example.com/abs");
	res(NULL, "//Other.ORG/p", "http://other.org/p");
	res(NULL, "?z=2", "http://example.com/a/b/c.html?z=2");
	res(NULL, "#frag", "http://example.com/a/b/c.html?q=1");
	res(NULL, "d.html#frag", "http://example.com/a/b/d.html");
	res(NULL, "HTTPS://UP.Example:443/X", "https://up.example:443/X");
	res(NULL, "http://h:8080/", "http://h:8080/");
	res(NULL, "http://h/a/./b/../c", "http://h/a/c");
	res(NULL, "  d.html\n ", "http://example.com/a/b/d.html");
	res(NULL, "d\n.ht\tml", "http://example.com/a/b/d.html");
	res(NULL, "a b.html?x=a b", "http://example.com/a/b/a%20b.html?x=a%20b");
	res(NULL, "caf\xc3\xa9.html", "http://example.com/a/b/caf%C3%A9.html");
	res(NULL, "\\\\evil.example\\x?a\\b",
	    "http://evil.example/x?a\\b");
	res(NULL, "http://127.1/", "http://127.0.0.1/");
	res(NULL, "http://[::1]:8443/p", "http://[::1]:8443/p");
	res(NULL, "javascript:alert(1)", NULL);
	res(NULL, "JavaScript:void(0)", NULL);
	res(NULL, "mailto:a@example.com", NULL);
	res(NULL, "data:text/html,<p>x", NULL);
	res(NULL, "tel:+123", NULL);
	res(NULL, "ftp://example.com/f", NULL);
	res(NULL, "", NULL);
	res(NULL, " \t\n", NULL);
	res(NULL, "http://", NULL);
	res(NULL, "http://exa mple.com/", NULL);

	/* <base href>: absolute, relative, broken. */
	res("http://base.example/dir/", "x.html", "http://base.example/dir/x.html");
	res("http://base.example/dir/", "#f", "http://base.example/dir/");
	res("/other/", "x.html", "http://example.com/other/x.html");
	res("sub/", "x.html", "http://example.com/a/b/sub/x.html");
	res("//cdn.example/s/", "x", "http://cdn.example/s/x");
	res("http://", "x.html", "http://example.com/a/b/x.html");
	res("javascript:0", "x.html", "http://example.com/a/b/x.html");
	res("https://b.example/", "/y", "https://b.example/y");
}

static void
test_list(void)
{
	char	*hrefs[] = { "a", "b", "a#x", "mailto:x@y", "A", "b?", "./a",
	    "http://EXAMPLE.com/a/b/b", NULL };
	char	 big[URL_MAX_LINE + 10];
	char	**out;
	size_t	  n;

	n = links_resolve(PAGE, NULL, hrefs, 8, &out);
	is_int(n, 3, "duplicates and bad hrefs dropped");
	if (n == 3) {
		is_str(out[0], "http://example.com/a/b/a", "list 1");
		is_str(out[1], "http://example.com/a/b/b", "list 2");
		is_str(out[2], "http://example.com/a/b/A", "list 3: path case");
	}
	links_free(out, n);

	n = links_resolve("not a url", NULL, hrefs, 8, &out);
	ok(n == 0 && out == NULL, "a page URL that does not parse: none");
	n = links_resolve(PAGE, NULL, hrefs, 0, &out);
	ok(n == 0 && out == NULL, "no hrefs: none");
	hrefs[0] = "mailto:x";
	n = links_resolve(PAGE, NULL, hrefs, 1, &out);
	ok(n == 0 && out == NULL, "all dropped: none");

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	hrefs[0] = big;
	n = links_resolve(PAGE, NULL, hrefs, 1, &out);
	ok(n == 0, "an href over 8 KiB is dropped");
	links_free(out, n);
	big[URL_MAX_LINE - 40] = '\0';
	n = links_resolve(PAGE, NULL, hrefs, 1, &out);
	ok(n == 1 && strlen(out[0]) == URL_MAX_LINE - 40 + 23,
	    "an href under 8 KiB is kept");
	links_free(out, n);
	links_free(NULL, 0);
}

struct sc {
	enum scope	 scope;
	const char	*from, *link;
	int		 want;
};

static void
test_scope(void)
{
	static const struct sc s[] = {
		{ SCOPE_HOST, "http://a.example/x", "http://a.example/y", 1 },
		{ SCOPE_HOST, "http://a.example/x", "http://A.EXAMPLE/y", 1 },
		{ SCOPE_HOST, "http://a.example/x", "http://a.example:80/y", 1 },
		{ SCOPE_HOST, "http://a.example/x", "http://a.example:81/y", 0 },
		{ SCOPE_HOST, "http://a.example/x", "https://a.example/y", 0 },
		{ SCOPE_HOST, "https://a.example/x", "http://a.example:443/", 1 },
		{ SCOPE_HOST, "http://a.example/x", "http://b.example/y", 0 },
		{ SCOPE_HOST, "http://a.example/x", "http://www.a.example/", 0 },
		{ SCOPE_HOST, "http://a.example/x", "ftp://a.example:80/", 0 },
		{ SCOPE_HOST, "http://a.example/x", "mailto:x@a.example", 0 },
		{ SCOPE_HOST, "http://a.example/x", "not a url", 0 },
		{ SCOPE_HOST, "not a url", "http://a.example/", 0 },
		{ SCOPE_HOST, "http://127.0.0.1:8080/", "http://127.1:8080/z", 1 },
		{ SCOPE_HOST, "http://[::1]/", "http://[::1]:80/z", 1 },
		{ SCOPE_DOMAIN, "http://a.example.co.uk/", "http://b.example.co.uk/", 1 },
		{ SCOPE_DOMAIN, "http://a.example.co.uk/", "https://example.co.uk:8443/", 1 },
		{ SCOPE_DOMAIN, "http://a.example.co.uk/", "http://other.co.uk/", 0 },
		{ SCOPE_DOMAIN, "http://www.example.com/", "http://docs.EXAMPLE.com/", 1 },
		{ SCOPE_DOMAIN, "http://example.com/", "http://example.org/", 0 },
		{ SCOPE_DOMAIN, "http://a.github.io/", "http://b.github.io/", 0 },
		{ SCOPE_DOMAIN, "http://127.0.0.1/", "http://127.0.0.1:81/", 1 },
		{ SCOPE_DOMAIN, "http://127.0.0.1/", "http://10.0.0.1/", 0 },
		{ SCOPE_DOMAIN, "http://10.0.0.1/", "http://20.0.0.1/", 0 },
		{ SCOPE_DOMAIN, "http://[::1]/", "http://[::2]/", 0 },
		{ SCOPE_DOMAIN, "http://localhost/", "http://localhost:81/", 1 },
		{ SCOPE_DOMAIN, "http://localhost/", "http://a.localhost/", 0 },
		{ SCOPE_DOMAIN, "http://co.uk/", "http://co.uk/", 1 },
		{ SCOPE_DOMAIN, "http://example.com/", "ftp://example.com/", 0 },
		{ SCOPE_PREFIX, "http://h/docs/a.html", "http://h/docs/x/y", 1 },
		{ SCOPE_PREFIX, "http://h/docs/a.html", "http://h/docs/", 1 },
		{ SCOPE_PREFIX, "http://h/docs/a.html", "http://h/docs", 0 },
		{ SCOPE_PREFIX, "http://h/docs/a.html", "http://h/other", 0 },
		{ SCOPE_PREFIX, "http://h/docs/a.html", "http://h/docsx/", 0 },
		{ SCOPE_PREFIX, "http://h/docs/", "http://h/docs/z?x", 1 },
		{ SCOPE_PREFIX, "http://h/docs", "http://h/other", 1 },
		{ SCOPE_PREFIX, "http://h/", "http://h/any/thing", 1 },
		{ SCOPE_PREFIX, "http://h/docs/a.html", "https://h/docs/x", 0 },
		{ SCOPE_PREFIX, "http://h/docs/a.html", "http://h:81/docs/x", 0 },
		{ SCOPE_PREFIX, "http://h/docs/a.html", "http://H:80/docs/x", 1 },
		{ SCOPE_PREFIX, "http://h/docs/a.html", "http://g/docs/x", 0 },
		{ SCOPE_PREFIX, "http://h/Docs/a.html", "http://h/docs/x", 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof s / sizeof s[0]; i++)
		is_int(link_in_scope(s[i].scope, s[i].from, s[i].link),
		    s[i].want, "scope %s: %s -> %s",
		    s[i].scope == SCOPE_HOST ? "host" :
		    s[i].scope == SCOPE_DOMAIN ? "domain" : "prefix",
		    s[i].from, s[i].link);
}

static void
origin(const char *url, const char *want)
{
	char	*o = url_origin(url);

	is_str(o, want, "url_origin(%s)", url);
	free(o);
}

static void
target(const char *url, const char *want)
{
	char	*t = url_target(url);

	is_str(t, want, "url_target(%s)", url);
	free(t);
}

static void
test_origin_target(void)
{
	origin("http://Example.COM/a", "http://example.com:80");
	origin("HTTPS://example.com/a?b#c", "https://example.com:443");
	origin("http://example.com:8080", "http://example.com:8080");
	origin("https://u:p@example.com:444/", "https://example.com:444");
	origin("http://[::1]/", "http://[::1]:80");
	origin("http://127.1/", "http://127.0.0.1:80");
	origin("not a url", NULL);
	origin("", NULL);

	target("http://h", "/");
	target("http://h/", "/");
	target("http://h/a/b?x=1&y=2#frag", "/a/b?x=1&y=2");
	target("http://h/a/./b/../c", "/a/c");
	target("http://h/%7Efoo", "/%7Efoo");
	target("http://h/a?", "/a");
	target("not a url", NULL);
}

struct sh {
	const char	*url;
	bool		 by_host;
	unsigned	 n, want;
};

/*
 * The shards are FNV-1a 64 mod n; the values were computed here and
 * checked with a few lines of Python:
 *   h = 0xcbf29ce484222325
 *   for b in s.encode(): h = ((h ^ b) * 0x100000001b3) % 2**64
 * e.g. "example.com" -> 0x576846634e2714c6.
 */
static void
test_shard(void)
{
	static const struct sh s[] = {
		{ "http://example.com/", true, 7, 1 },
		{ "http://EXAMPLE.com:8080/x?y", true, 7, 1 },
		{ "https://example.com/other", true, 16, 6 },
		{ "http://example.com/", true, 1000, 350 },
		{ "http://www.example.org/", true, 7, 4 },
		{ "http://www.example.org/", true, 16, 8 },
		{ "http://127.0.0.1/", true, 16, 14 },
		{ "http://127.1/", true, 16, 14 },
		{ "http://example.com/", false, 7, 6 },
		{ "http://EXAMPLE.com", false, 7, 6 },
		{ "http://example.com/", false, 1000, 945 },
		{ "http://example.com/a?b=1", false, 7, 2 },
		{ "http://example.com/a?b=1", false, 16, 3 },
		{ "not a url", true, 1000, 832 },
		{ "not a url", false, 1000, 832 },
		{ "http://example.com/", true, 1, 0 },
		{ "http://example.com/", true, 0, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof s / sizeof s[0]; i++)
		is_int(url_shard(s[i].url, s[i].by_host, s[i].n), s[i].want,
		    "url_shard(%s, %s, %u)", s[i].url,
		    s[i].by_host ? "host" : "url", s[i].n);
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_resolve();
	test_list();
	test_scope();
	test_origin_target();
	test_shard();
	curl_global_cleanup();
	return done_testing();
}
