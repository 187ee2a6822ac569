/*
 * Unit tests for robots.c: the examples of RFC 9309 and of Google's
 * robots.txt documentation, group selection, the normal form of
 * percent-encoding, limits.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "robots.h"
#include "tap.h"
#include "xmalloc.h"

/* The verdict for each target under one robots.txt and product. */
static void
verdicts(const char *txt, const char *product, const char *const *targets,
    const int *want, const char *what)
{
	struct robots	*rb = robots_parse(txt, strlen(txt), product);
	size_t		 i;

	for (i = 0; targets[i] != NULL; i++)
		is_int(robots_allowed(rb, targets[i]), want[i], "%s: %s %s",
		    what, product, targets[i]);
	robots_free(rb);
}

static void
one(const char *txt, const char *target, int want, const char *what)
{
	const char	*t[] = { target, NULL };
	int		 w[] = { want };

	verdicts(txt, "pscrape", t, w, what);
}

/* RFC 9309, section 5.1 and 5.2. */
static void
test_rfc(void)
{
	static const char txt[] =
	    "User-Agent: *\n"
	    "Disallow: *.gif$\n"
	    "Disallow: /example/\n"
	    "Allow: /publications/\n"
	    "\n"
	    "User-Agent: foobot\n"
	    "Disallow:/\n"
	    "Allow:/example/page.html\n"
	    "Allow:/example/allowed.gif\n"
	    "\n"
	    "User-Agent: barbot\n"
	    "User-Agent: bazbot\n"
	    "Disallow: /example/page.html\n"
	    "\n"
	    "User-Agent: quxbot\n"
	    "\n"
	    "EOF\n";
	static const char *const foo_t[] = { "/", "/example/page.html",
	    "/example/allowed.gif", "/example/other.html", "/robots.txt",
	    "/publications/", NULL };
	static const int foo_w[] = { 0, 1, 1, 0, 1, 0 };
	static const char *const bar_t[] = { "/example/page.html",
	    "/example/page.html2", "/example/", "/a.gif", "/", NULL };
	static const int bar_w[] = { 0, 0, 1, 1, 1 };
	static const char *const qux_t[] = { "/", "/a.gif", "/example/x",
	    NULL };
	static const int qux_w[] = { 1, 1, 1 };
	static const char *const other_t[] = { "/a.gif", "/x/y.gif",
	    "/a.gif?x=1", "/a.gifs", "/example/", "/example/x", "/example",
	    "/publications/", "/publications/a.gif", "/", NULL };
	static const int other_w[] = { 0, 0, 1, 1, 0, 0, 1, 1, 1, 1 };
	static const char spec[] =
	    "User-Agent: foobot\n"
	    "Allow: /example/page/\n"
	    "Disallow: /example/page/disallowed.gif\n";
	static const char *const spec_t[] = { "/example/page/",
	    "/example/page/x.gif", "/example/page/disallowed.gif", NULL };
	static const int spec_w[] = { 1, 1, 0 };
	static const char special[] =
	    "User-agent: foobot\n"
	    "Disallow: / # comment in line\n"
	    "Allow: /this/path/exactly$\n"
	    "Allow: /this/*/exactly\n";
	static const char *const special_t[] = { "/", "/this/path/exactly",
	    "/this/path/exactly/not", "/this/a/b/exactly",
	    "/this/a/exactly/more", "/this/exactly", NULL };
	static const int special_w[] = { 0, 1, 1, 1, 1, 0 };

	verdicts(txt, "foobot", foo_t, foo_w, "RFC 9309 5.1");
	verdicts(txt, "barbot", bar_t, bar_w, "RFC 9309 5.1");
	verdicts(txt, "bazbot", bar_t, bar_w, "RFC 9309 5.1");
	verdicts(txt, "quxbot", qux_t, qux_w, "RFC 9309 5.1, empty group");
	verdicts(txt, "pscrape", other_t, other_w, "RFC 9309 5.1, '*'");
	verdicts(spec, "foobot", spec_t, spec_w, "RFC 9309 5.2");
	verdicts(special, "FooBot", special_t, special_w,
	    "RFC 9309 2.2.3, # $ *");
}

struct m {
	const char	*pattern, *target;
	int		 want;
};

/* Google's documented examples of path matching, and a few more. */
static void
test_match(void)
{
	static const struct m m[] = {
		{ "/", "/", 1 }, { "/", "/any/thing", 1 },
		{ "/*", "/", 1 }, { "/*", "/x", 1 },
		{ "/$", "/", 1 }, { "/$", "/index.html", 0 },
		{ "/fish", "/fish", 1 }, { "/fish", "/fish.html", 1 },
		{ "/fish", "/fish/salmon.html", 1 },
		{ "/fish", "/fishheads", 1 },
		{ "/fish", "/fishheads/yummy.html", 1 },
		{ "/fish", "/fish.php?id=anything", 1 },
		{ "/fish", "/Fish.asp", 0 }, { "/fish", "/catfish", 0 },
		{ "/fish", "/?id=fish", 0 }, { "/fish", "/desert/fish", 0 },
		{ "/fish*", "/fish", 1 }, { "/fish*", "/fish.html", 1 },
		{ "/fish*", "/fish/salmon.html", 1 },
		{ "/fish*", "/fishheads", 1 },
		{ "/fish*", "/fish.php?id=anything", 1 },
		{ "/fish*", "/Fish.asp", 0 }, { "/fish*", "/catfish", 0 },
		{ "/fish*", "/?id=fish", 0 }, { "/fish*", "/desert/fish", 0 },
		{ "/fish/", "/fish/", 1 }, { "/fish/", "/fish/?id=anything", 1 },
		{ "/fish/", "/fish/salmon.htm", 1 }, { "/fish/", "/fish", 0 },
		{ "/fish/", "/fish.html", 0 }, { "/fish/", "/animals/fish/", 0 },
		{ "/fish/", "/Fish/Salmon.asp", 0 },
		{ "/*.php", "/index.php", 1 }, { "/*.php", "/filename.php", 1 },
		{ "/*.php", "/folder/filename.php", 1 },
		{ "/*.php", "/folder/filename.php?parameters", 1 },
		{ "/*.php", "/folder/any.php.file.html", 1 },
		{ "/*.php", "/filename.php/", 1 }, { "/*.php", "/", 0 },
		{ "/*.php", "/windows.PHP", 0 },
		{ "/*.php$", "/filename.php", 1 },
		{ "/*.php$", "/folder/filename.php", 1 },
		{ "/*.php$", "/filename.php?parameters", 0 },
		{ "/*.php$", "/filename.php/", 0 },
		{ "/*.php$", "/filename.php5", 0 },
		{ "/*.php$", "/windows.PHP", 0 },
		{ "/fish*.php", "/fish.php", 1 },
		{ "/fish*.php", "/fishheads/catfish.php?parameters", 1 },
		{ "/fish*.php", "/Fish.PHP", 0 },
		/* '$' inside a pattern is a literal; a star may match none. */
		{ "/a$b", "/a$b", 1 }, { "/a$b", "/a", 0 },
		{ "/a**b$", "/ab", 1 }, { "/a*b*c$", "/axxbyyc", 1 },
		{ "/a*b*c$", "/axxbyycd", 0 }, { "*", "/", 1 },
		{ "$", "/", 0 },
		/* Percent-encoding compared in one normal form. */
		{ "/%7Efoo", "/~foo", 1 }, { "/~foo", "/%7efoo", 1 },
		{ "/%7efoo", "/%7Efoo", 1 }, { "/a%2fb", "/a%2Fb", 1 },
		{ "/a%2Fb", "/a/b", 0 },
		{ "/caf\xc3\xa9", "/caf%C3%A9", 1 },
		{ "/caf\xc3\xa9", "/caf%c3%a9", 1 },
		{ "/a b", "/a%20b", 1 },
		/* RFC 9309 2.2.2, the table of encodings. */
		{ "/foo/bar?baz=quz", "/foo/bar?baz=quz", 1 },
		{ "/foo/bar/\xe3\x83\x84", "/foo/bar/%E3%83%84", 1 },
		{ "/foo/bar/%E3%83%84", "/foo/bar/\xe3\x83\x84", 1 },
		{ "/foo/bar/%62%61%7A", "/foo/bar/baz", 1 },
		/* A lone or broken '%' is a literal. */
		{ "/100%", "/100%", 1 }, { "/%zz", "/%zz", 1 },
		{ "/%4", "/%4", 1 }, { "/%41", "/A", 1 },
	};
	size_t	i;

	for (i = 0; i < sizeof m / sizeof m[0]; i++)
		is_int(robots_match(m[i].pattern, m[i].target), m[i].want,
		    "pattern %s, target %s", m[i].pattern, m[i].target);
}

/* Google's documented order of precedence: longest wins, then allow. */
static void
test_precedence(void)
{
	one("user-agent: *\nallow: /p\ndisallow: /\n", "/page", 1,
	    "allow /p beats disallow /");
	one("user-agent: *\nallow: /folder\ndisallow: /folder\n",
	    "/folder/page", 1, "a tie goes to allow");
	one("user-agent: *\ndisallow: /folder\nallow: /folder\n",
	    "/folder/page", 1, "a tie goes to allow, either order");
	one("user-agent: *\nallow: /page\ndisallow: /*.htm\n", "/page.htm", 0,
	    "disallow /*.htm is longer than allow /page");
	one("user-agent: *\nallow: /$\ndisallow: /\n", "/", 1,
	    "allow /$ beats disallow / at the root");
	one("user-agent: *\nallow: /$\ndisallow: /\n", "/page.htm", 0,
	    "allow /$ only the root");
	one("user-agent: *\ndisallow: /a\nallow: /a*\n", "/ab", 1,
	    "the longer pattern wins, stars count");
	one("user-agent: *\ndisallow: /%7Ea\nallow: /~a\n", "/~a/x", 1,
	    "specificity is the normalised length: a tie, allow");
	one("user-agent: *\ndisallow:\n", "/x", 1,
	    "empty Disallow forbids nothing");
	one("user-agent: *\nallow:\ndisallow: /\n", "/x", 0,
	    "empty Allow allows nothing");
}

static void
test_groups(void)
{
	static const char merged[] =
	    "User-agent: pscrape\n"
	    "Disallow: /a\n"
	    "\n"
	    "User-agent: other\n"
	    "Disallow: /b\n"
	    "\n"
	    "User-agent: PSCRAPE\n"
	    "Disallow: /c\n";
	static const char *const merged_t[] = { "/a", "/b", "/c", "/d", NULL };
	static const int merged_w[] = { 0, 1, 0, 1 };
	static const char stars[] =
	    "User-agent: *\nDisallow: /a\n\n"
	    "User-agent: other\nDisallow: /b\n\n"
	    "User-agent: *\nDisallow: /c\n";
	static const int stars_w[] = { 0, 1, 0, 1 };
	struct robots	*rb;

	verdicts(merged, "pscrape", merged_t, merged_w,
	    "groups naming the product merge");
	verdicts(stars, "pscrape", merged_t, stars_w, "'*' groups merge");
	one("User-agent: *\nDisallow: /\n\nUser-agent: pscrape\nDisallow: /x\n",
	    "/y", 1, "a group naming the product hides '*'");
	one("User-agent: *\nDisallow: /\n\nUser-agent: pscrape\n", "/y", 1,
	    "an empty group naming the product hides '*' too");
	one("User-agent: other\nUser-agent: pscrape\nDisallow: /x\n", "/x", 0,
	    "consecutive user-agent lines share a group");
	one("User-agent: pscrape\nSitemap: http://h/s.xml\n"
	    "User-agent: other\nDisallow: /x\n", "/x", 0,
	    "a sitemap line does not end the user-agent lines");
	one("User-agent: pscrape\nDisallow: /x\nUser-agent: other\n"
	    "Disallow: /y\n", "/y", 1, "a user-agent after a rule starts a group");
	one("User-agent: pScRaPe/1.2 (+http://x)\nDisallow: /x\n", "/x", 0,
	    "product token with version, any case");
	one("User-agent: pscrape extra words\nDisallow: /x\n", "/x", 0,
	    "the first token of the value");
	one("User-agent: pscrapebot\nDisallow: /x\n", "/x", 1,
	    "a longer token is another crawler");
	one("User-agent: pscr\nDisallow: /x\n", "/x", 1,
	    "a prefix of the token is another crawler");
	one("User-agent: other\nDisallow: /x\n", "/x", 1,
	    "no group for us and no '*': allow all");
	one("Disallow: /x\nUser-agent: *\nDisallow: /y\n", "/x", 1,
	    "rules before any user-agent are ignored");
	one("", "/x", 1, "an empty file allows all");
	one("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe", "/x", 1,
	    "garbage allows all");
	rb = robots_parse(NULL, 0, "pscrape");
	ok(robots_allowed(rb, "/"), "a NULL body allows all");
	robots_free(rb);
}

static void
test_syntax(void)
{
	one("User-agent: *\r\nDisallow: /x\r\n", "/x", 0, "CRLF");
	one("User-agent: *\rDisallow: /x\r", "/x", 0, "CR alone");
	one("\xef\xbb\xbfUser-agent: *\nDisallow: /x\n", "/x", 0, "BOM");
	one("User-agent: *\nDisallow: /x", "/x", 0, "no final newline");
	one("  USER-AGENT  :  *  \n\tDISALLOW\t:\t/x\t\n", "/x", 0,
	    "keys any case, whitespace around keys and values");
	one("User-agent: *\nDisallow: /x # not /y\n", "/x", 0,
	    "a comment after a value");
	one("User-agent: *\nDisallow: /x#y\n", "/x", 0,
	    "'#' ends the value");
	one("# User-agent: *\n# Disallow: /x\n", "/x", 1, "comment lines");
	one("User-agent: * # everyone\nDisallow: /x\n", "/x", 0,
	    "a comment after the user-agent");
	one("User-agent: *\nDisallow /x\n", "/x", 1,
	    "a line without ':' is ignored");
	one("User-agent: *\nNoindex: /x\nFoo: bar\n", "/x", 1,
	    "unknown keys are ignored");
	one("User-agent: *\nDisallow: /x?y=1\n", "/x?y=1&z", 0,
	    "the query is part of the target");
	one("User-agent: *\nDisallow: /\n", "", 0,
	    "an empty target is the root");
}

static void
test_delay(void)
{
	static const struct {
		const char	*txt;
		double		 want;
		const char	*what;
	} d[] = {
		{ "User-agent: *\nCrawl-delay: 0.5\n", 0.5, "a fraction" },
		{ "User-agent: *\nCrawl-delay: 10\n", 10, "whole seconds" },
		{ "User-agent: *\nCrawl-delay: .25\n", 0.25, "no leading 0" },
		{ "User-agent: *\nCrawl-delay: 1000\n", 60, "capped at 60" },
		{ "User-agent: *\nCrawl-delay: 1e308\n", 1, "1e308: 1" },
		{ "User-agent: *\nCrawl-delay: 99999999999999999999999\n", 60,
		    "huge, capped" },
		{ "User-agent: *\nCrawl-delay: -5\n", 0, "negative ignored" },
		{ "User-agent: *\nCrawl-delay: soon\n", 0, "garbage ignored" },
		{ "User-agent: *\nCrawl-delay:\n", 0, "empty ignored" },
		{ "User-agent: *\nCrawl-delay: 3\n\nUser-agent: pscrape\n"
		    "Disallow: /x\n", 0, "only the matched group's" },
		{ "User-agent: pscrape\nCrawl-delay: 2\n\nUser-agent: *\n"
		    "Crawl-delay: 3\n", 2, "ours, not '*'" },
		{ "User-agent: pscrape\nCrawl-delay: 2\n\nUser-agent: pscrape\n"
		    "Crawl-delay: 4\n", 4, "merged groups: the largest" },
		{ "Crawl-delay: 5\nUser-agent: *\n", 0, "before any group" },
		{ "User-agent: *\nCrawl-delay: 1.5s\n", 1.5, "a unit ignored" },
	};
	struct robots	*rb;
	size_t		 i;

	for (i = 0; i < sizeof d / sizeof d[0]; i++) {
		rb = robots_parse(d[i].txt, strlen(d[i].txt), "pscrape");
		ok(robots_delay(rb) == d[i].want, "crawl-delay: %s", d[i].what);
		if (robots_delay(rb) != d[i].want)
			printf("#   got %g, want %g\n", robots_delay(rb),
			    d[i].want);
		robots_free(rb);
	}
	one("User-agent: a\nCrawl-delay: 5\nUser-agent: pscrape\n"
	    "Disallow: /x\n", "/x", 0, "crawl-delay ends the user-agent lines");
	one("User-agent: a\nCrawl-delay: 5\nUser-agent: pscrape\n"
	    "Disallow: /x\n", "/y", 1, "... so group a's rules are not ours");
}

static void
test_all(void)
{
	struct robots	*rb;

	rb = robots_all(true);
	ok(robots_allowed(rb, "/") && robots_allowed(rb, "/x?y"),
	    "allow-all allows");
	is_int(robots_delay(rb) == 0, 1, "allow-all: no delay");
	robots_free(rb);
	rb = robots_all(false);
	ok(!robots_allowed(rb, "/") && !robots_allowed(rb, "/x?y"),
	    "disallow-all disallows");
	ok(robots_allowed(rb, "/robots.txt"),
	    "disallow-all still allows /robots.txt");
	ok(!robots_allowed(rb, "/robots.txt.bak"),
	    "... but not /robots.txt.bak");
	robots_free(rb);
	one("User-agent: *\nDisallow: /\n", "/robots.txt", 1,
	    "/robots.txt is always allowed");
	one("User-agent: *\nDisallow: /\n", "/robots.txt?x", 1,
	    "... with a query too");
	robots_free(NULL);
}

/* Limits: the size read, the rules kept, the work of a hostile pattern. */
static void
test_limits(void)
{
	struct textbuf	 b = { NULL, 0, 0 };
	struct robots	*rb;
	char		*t;
	size_t		 i, fill;

	/* "Disallow: /late\n" starts exactly at the limit, or ends on it. */
	buf_adds(&b, "User-agent: *\nDisallow: /early\n");
	fill = ROBOTS_MAX_BYTES - b.len - 16;
	for (i = 0; i < fill - 1; i++)
		buf_addc(&b, '#');
	buf_adds(&b, "\nDisallow: /late\nDisallow: /after\n");
	rb = robots_parse(b.data, b.len, "pscrape");
	ok(!robots_allowed(rb, "/early"), "500 KiB: a rule before");
	ok(!robots_allowed(rb, "/late"), "500 KiB: a rule ending at it");
	ok(robots_allowed(rb, "/after"), "500 KiB: a rule after");
	robots_free(rb);
	/* A rule the limit cuts in two is dropped, not read short. */
	b.len = ROBOTS_MAX_BYTES - 16;
	buf_adds(&b, "\n\n\n\n\nDisallow: /cut\n");
	rb = robots_parse(b.data, b.len, "pscrape");
	ok(robots_allowed(rb, "/c") && robots_allowed(rb, "/cut"),
	    "500 KiB: a rule cut by the limit (to \"/\") is dropped");
	is_int(robots_nrules(rb), 1, "500 KiB: the rule before it kept");
	robots_free(rb);
	/* A line whose end is the byte past the limit is whole. */
	b.len = ROBOTS_MAX_BYTES - 14;
	buf_adds(&b, "Disallow: /end\nDisallow: /past\n");
	rb = robots_parse(b.data, b.len, "pscrape");
	ok(!robots_allowed(rb, "/end") && robots_allowed(rb, "/past"),
	    "500 KiB: a rule whose newline is past the limit is kept");
	robots_free(rb);
	/* A body of exactly the limit ends there: nothing is cut. */
	rb = robots_parse(b.data, ROBOTS_MAX_BYTES, "pscrape");
	ok(!robots_allowed(rb, "/end"),
	    "500 KiB: the last line of a body as long as the limit is read");
	robots_free(rb);

	/*
	 * The limit cuts "Allow: /private-but-this-one-is-public" to
	 * "Allow: /private-b" (its byte 512,000, 0-based, is the 'u'), which
	 * would allow /private-bXYZ. The line is dropped, so "Disallow:
	 * /private" forbids both, for the whole body and for the limit plus
	 * one byte (what fetch passes on).
	 */
	b.len = 0;
	buf_adds(&b, "User-agent: *\nDisallow: /private\n");
	while (b.len < ROBOTS_MAX_BYTES - 17)
		buf_addc(&b, b.len < ROBOTS_MAX_BYTES - 18 ? '#' : '\n');
	buf_adds(&b, "Allow: /private-but-this-one-is-public\n");
	for (i = 0; i < 100 * 1024; i++)
		buf_addc(&b, i % 64 == 63 ? '\n' : '#');
	ok(memcmp(b.data + ROBOTS_MAX_BYTES - 17, "Allow: /private-bu", 18) ==
	    0, "(the limit falls inside the Allow line)");
	for (i = 0; i < 2; i++) {
		rb = robots_parse(b.data, i == 0 ? b.len :
		    ROBOTS_MAX_BYTES + 1, "pscrape");
		ok(!robots_allowed(rb, "/private-bXYZ"), "%s: a cut Allow line"
		    " allows nothing", i == 0 ? "600 KiB" : "500 KiB + 1");
		ok(!robots_allowed(rb, "/private-but-this-one-is-public") &&
		    robots_allowed(rb, "/public"), "%s: ... not even its own path",
		    i == 0 ? "600 KiB" : "500 KiB + 1");
		is_int(robots_nrules(rb), 1, "%s: ... only the Disallow kept",
		    i == 0 ? "600 KiB" : "500 KiB + 1");
		robots_free(rb);
	}

	b.len = 0;
	buf_adds(&b, "User-agent: *\n");
	for (i = 0; i < 2 * ROBOTS_MAX_RULES; i++)
		buf_printf(&b, "Disallow: /p%zu$\n", i);
	rb = robots_parse(b.data, b.len, "pscrape");
	is_int(robots_nrules(rb), ROBOTS_MAX_RULES, "rules are capped");
	ok(!robots_allowed(rb, "/p9999"), "the first rules are kept");
	ok(robots_allowed(rb, "/p10000"), "the rest dropped");
	robots_free(rb);

	/* Stars and a's, then a star and b, against many a's: O(n*m) at worst. */
	b.len = 0;
	buf_adds(&b, "User-agent: *\nDisallow: /");
	for (i = 0; i < 2000; i++)
		buf_adds(&b, "*a");
	buf_adds(&b, "*b\n");
	rb = robots_parse(b.data, b.len, "pscrape");
	t = xmalloc(20002);
	t[0] = '/';
	memset(t + 1, 'a', 20000);
	t[20001] = '\0';
	ok(robots_allowed(rb, t), "a hostile pattern: no match, in time");
	t[20000] = 'b';
	ok(!robots_allowed(rb, t), "a hostile pattern: a match");
	robots_free(rb);
	/* One star before a long literal: each retry rereads the literal. */
	b.len = 0;
	buf_adds(&b, "User-agent: *\nDisallow: /*");
	for (i = 0; i < 2000; i++)
		buf_addc(&b, 'a');
	buf_adds(&b, "b$\n");
	rb = robots_parse(b.data, b.len, "pscrape");
	t[20000] = 'a';
	ok(robots_allowed(rb, t), "a long literal after a star: no match");
	t[20000] = 'b';
	ok(!robots_allowed(rb, t), "a long literal after a star: a match");
	free(t);
	robots_free(rb);
	free(b.data);
}

int
main(void)
{
	test_rfc();
	test_match();
	test_precedence();
	test_groups();
	test_syntax();
	test_delay();
	test_all();
	test_limits();
	return done_testing();
}
