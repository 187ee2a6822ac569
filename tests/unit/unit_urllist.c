/* Unit tests for the URL-list reader: line reading, checks, masking, set. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "options.h"
#include "sink.h"
#include "strset.h"
#include "tap.h"
#include "url.h"
#include "urllist.h"

static void
check(const char *line, const char *want_norm, const char *want_reason)
{
	char *norm, *reason;
	int rc = url_check(line, &norm, &reason);

	is_int(rc, want_norm ? 0 : -1, "url_check(%s) status", line);
	is_str(norm, want_norm, "url_check(%s) normalised", line);
	is_str(reason, want_reason, "url_check(%s) reason", line);
	free(norm);
	free(reason);
}

/*
 * An internationalised host name becomes the punycode name libcurl looks
 * up, under a UTF-8 locale; under any other, a reason that says what to
 * do. Nothing is resolved.
 */
static void
test_idn(void)
{
	ok(setlocale(LC_CTYPE, "C.UTF-8") != NULL, "the C.UTF-8 locale");
	check("http://m\xc3\xbcller.example/", "http://xn--mller-kva.example/",
	    NULL);
	check("https://M\xc3\x9cLLER.Example:8443/a?b#c",
	    "https://xn--mller-kva.example:8443/a?b#c", NULL);
	check("http://u:p@m\xc3\xbcller.example/",
	    "http://u:p@xn--mller-kva.example/", NULL);
	check("http://xn--mller-kva.example/", "http://xn--mller-kva.example/",
	    NULL);
	check("http://m\xfcller.example/", NULL, "internationalised host name"
	    " 'm\xfcller.example' cannot be converted to punycode: not a valid"
	    " IDNA name in UTF-8");
	setlocale(LC_CTYPE, "C");
	check("http://m\xc3\xbcller.example/", NULL, "internationalised host"
	    " name 'm\xc3\xbcller.example' cannot be converted: the locale's"
	    " character set is ANSI_X3.4-1968, not UTF-8 (set LC_ALL=C.UTF-8,"
	    " or write the host as punycode, xn--...)");
	check("http://Example.COM/", "http://example.com/", NULL);
}

static void
mask(const char *url, const char *want)
{
	char *m = url_mask_password(url);

	is_str(m, want, "mask %s", url);
	free(m);
}

static void
test_read_line(void)
{
	static const char data[] = "one\ntwo\r\n\nx\0y\n0123456789tail";
	FILE *f = fmemopen((void *)data, sizeof data - 1, "r");
	char buf[11];
	bool toolong, hasnul;
	size_t len;

	is_int(url_read_line(f, buf, 10, &len, &toolong, &hasnul), 1, "line 1");
	is_int(len, 3, "line 1 length");
	is_int(url_read_line(f, buf, 10, &len, &toolong, &hasnul), 1, "line 2");
	is_int(len, 4, "CR kept for the caller to trim");
	is_int(url_read_line(f, buf, 10, &len, &toolong, &hasnul), 1, "empty");
	is_int(len, 0, "empty line length 0");
	is_int(url_read_line(f, buf, 10, &len, &toolong, &hasnul), 1, "NUL");
	ok(hasnul && len == 3, "a NUL byte is seen, not a line end");
	is_int(url_read_line(f, buf, 10, &len, &toolong, &hasnul), 1,
	    "a last line without newline");
	ok(toolong && len == 10, "a line over cap is cut and flagged");
	is_int(url_read_line(f, buf, 10, &len, &toolong, &hasnul), 0, "EOF");
	fclose(f);
}

/*
 * Read a list through the real reader (the way main() reads stdin) into
 * a text sink: the records it writes, and a line "job GIVEN URL INPUT"
 * for each job it hands out that seed_duplicate() lets through, in
 * order. The caller frees the result.
 */
static char *
read_list(const char *data, size_t len)
{
	struct options opt;
	struct source *src;
	struct sink *sink;
	struct strset *seen = strset_new();
	struct job *j;
	char err[256], *out = NULL;
	size_t outlen = 0;
	FILE *in, *o;

	memset(&opt, 0, sizeof opt);
	opt.format = FORMAT_TEXT;
	in = fmemopen((void *)data, len, "r");
	o = open_memstream(&out, &outlen);
	sink = sink_new(&opt, o, false, NULL);
	src = source_open(NULL, 0, 0, in, err, sizeof err);
	while ((j = source_next(src, sink)) != NULL) {
		if (seed_duplicate(seen, j, sink))
			continue;
		fprintf(o, "job %s %s %s\n", j->given, j->url, j->input);
		job_free(j);
	}
	strset_free(seen);
	source_close(src);
	sink_free(sink);
	fclose(o);
	fclose(in);
	return out;
}

#define LIST(lit, want, what) do {					\
	char *got_ = read_list(lit, sizeof(lit) - 1);			\
	is_str(got_, want, what);					\
	free(got_);							\
} while (0)

/*
 * What fuzz_urllist found (the inputs are in tests/fuzz/corpus_urllist/
 * regress_*): every line that is not blank gives a record, and no record
 * or job shows a password.
 */
static void
test_reader(void)
{
	char long_line[8400];

	LIST("\0http://b.test/\n",
	    "Failed : stdin:1: line holds a NUL byte\n",
	    "a line that starts with a NUL is rejected, not skipped");
	LIST("  \0  \nhttp://a.test/\n",
	    "Failed : stdin:1: line holds a NUL byte\n"
	    "job http://a.test/ http://a.test/ stdin:2\n",
	    "a NUL among blanks is rejected");
	LIST("#\0 comment\n\n \t\r\n",
	    "", "a comment with a NUL and blank lines give nothing");
	LIST("http://u:secret@h.test/\0x\n",
	    "Failed http://u:***@h.test/: stdin:1: line holds a NUL byte\n",
	    "a line with a NUL is shown with its password masked");
	LIST("http:/u:hidden1@h.test/\nhttp:///u:hidden2@h.test/\n",
	    "job http:/u:***@h.test/ http://u:hidden1@h.test/ stdin:1\n"
	    "job http:///u:***@h.test/ http://u:hidden2@h.test/ stdin:2\n",
	    "URLs curl takes with one or three slashes are masked");
	LIST("http://a.test/\nbad\nHTTP://A.TEST\nhttp://a.test/\n",
	    "job http://a.test/ http://a.test/ stdin:1\n"
	    "Failed bad: stdin:2: not a URL (expected http:// or https://)\n"
	    "Skipped HTTP://A.TEST: duplicate of stdin:1\n"
	    "Skipped http://a.test/: duplicate of stdin:1\n",
	    "duplicates name the first line, after normalisation");
	LIST("http://u:pw@h b/\n",
	    "Failed http://u:***@h b/: stdin:1: not a valid URL: Bad"
	    " hostname\n", "a URL curl refuses is masked");

	memset(long_line, 'a', sizeof long_line);
	memcpy(long_line, "http://user:longsecret@h.test/", 30);
	memcpy(long_line + sizeof long_line - 1, "\n", 1);
	{
		char *got = read_list(long_line, sizeof long_line);

		is_str(got, "Failed http://user:***@h.test/aaaaaaaaaaaaaaaaa..."
		    ": stdin:1: line longer than 8192 bytes (8 KiB)\n",
		    "a long line is masked before it is cut");
		free(got);
	}
	/* fuzz_urllist: a NUL in a long line left a 42-byte string, and
	 * "..." was written past its end. */
	memset(long_line, 'a', sizeof long_line);
	memcpy(long_line, "http:", 5);
	long_line[42] = '\0';
	long_line[sizeof long_line - 1] = '\n';
	{
		char *got = read_list(long_line, sizeof long_line);

		is_str(got, "Failed http:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    ": stdin:1: line longer than 8192 bytes (8 KiB)\n",
		    "a long line with a NUL at 42: shown up to the NUL");
		free(got);
	}
	long_line[42] = 'a';
	long_line[44] = '\0';
	{
		char *got = read_list(long_line, sizeof long_line);

		is_str(got, "Failed http:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."
		    ": stdin:1: line longer than 8192 bytes (8 KiB)\n",
		    "a long line with a NUL at 44: cut to 40 and '...'");
		free(got);
	}
}

static void
test_strset(void)
{
	struct strset *s = strset_new();
	char key[32], origin[32];
	int i, dups = 0;

	is_str(strset_add(s, "a", "f:1"), NULL, "first add is new");
	is_str(strset_add(s, "a", "f:2"), "f:1", "second add gives the first origin");
	/* Enough keys to grow the table several times. */
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof key, "k%d", i % 10000);
		snprintf(origin, sizeof origin, "f:%d", i);
		if (strset_add(s, key, origin) != NULL)
			dups++;
	}
	is_int(dups, 10000, "10000 repeats found across growth");
	is_int(strset_count(s), 10001, "count of distinct keys");
	is_str(strset_add(s, "k42", "x"), "f:42", "origin survives growth");
	strset_free(s);

	/* A weak origin (a crawled link's) gives way to the first strong one
	 * (a list line's), and never replaces one. */
	s = strset_new();
	is_str(strset_add_weak(s, "u", "page1"), NULL, "weak add is new");
	is_str(strset_add_weak(s, "u", "page2"), "page1",
	    "a second weak add gives the first origin");
	is_str(strset_add(s, "u", "f:1"), "page1",
	    "a strong add over a weak one gives the weak origin");
	is_str(strset_add(s, "u", "f:2"), "f:1", "then the strong one stands");
	is_str(strset_add_weak(s, "u", "page3"), "f:1",
	    "a weak add replaces nothing");
	is_int(strset_count(s), 1, "one key");
	strset_free(s);
}

static void
test_sizes(void)
{
	uint64_t v = 0;

	ok(parse_size("10M", &v) == 0 && v == 10485760, "10M");
	ok(parse_size("1k", &v) == 0 && v == 1024, "1k");
	ok(parse_size("2G", &v) == 0 && v == 2147483648ULL, "2G");
	ok(parse_size("3MB", &v) == 0 && v == 3145728, "3MB");
	ok(parse_size("123", &v) == 0 && v == 123, "plain bytes");
	ok(parse_size("0", &v) != 0, "0 refused");
	ok(parse_size("-1", &v) != 0, "negative refused");
	ok(parse_size("1T", &v) != 0, "unknown suffix refused");
	ok(parse_size("99999999999999999999", &v) != 0, "overflow refused");
	ok(parse_size("1Mx", &v) != 0, "trailing junk refused");
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	check("http://Example.COM", "http://example.com/", NULL);
	check("https://127.0.0.1:8080/a/../b?q=1#frag",
	    "https://127.0.0.1:8080/b?q=1#frag", NULL);
	check("HTTPS://[::1]:443/x", "https://[::1]:443/x", NULL);
	check("ftp://host/x", NULL, "unsupported scheme 'ftp' (only http and https)");
	check("file:///etc/passwd", NULL,
	    "unsupported scheme 'file' (only http and https)");
	check("javascript:alert(1)", NULL,
	    "unsupported scheme 'javascript' (only http and https)");
	check("www.example.com/page", NULL,
	    "not a URL (expected http:// or https://)");
	check("/relative", NULL, "not a URL (expected http:// or https://)");
	check("http://", NULL, "not a valid URL: No host part in the URL");
	check("http://a b", NULL, "not a valid URL: Bad hostname");
	check("http://h:99999/", NULL, "not a valid URL: Port number was not a"
	    " decimal number between 0 and 65535");

	mask("http://u:p@h/", "http://u:***@h/");
	mask("http://u@h/", "http://u@h/");
	mask("http://h/a:b@c", "http://h/a:b@c");
	mask("https://u:p:q@h:1/x?y@z", "https://u:***@h:1/x?y@z");
	mask("http://u:p@x@h/", "http://u:***@h/");
	/* curl reads these as http://u:p@h/ (found by fuzz_urllist). */
	mask("http:/u:p@h/", "http:/u:***@h/");
	mask("http:///u:p@h/", "http:///u:***@h/");
	mask("HTTPS:/u:p@h", "HTTPS:/u:***@h");
	mask("http://h/x?u=ftp://a:b@c", "http://h/x?u=ftp://a:***@c");
	mask("a:/b http://u:p@h", "a:/b http://u:***@h");

	test_idn();
	test_read_line();
	test_reader();
	test_strset();
	test_sizes();
	curl_global_cleanup();
	return done_testing();
}
