/*
 * Unit tests for charset.c: WHATWG labels, the Content-Type parameter,
 * the <meta> prescan, the order of the sniffing steps and the conversion
 * to UTF-8, with the exact bytes expected.
 */
#include "config.h"

#include <dlfcn.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "tap.h"

#define S(lit)	lit, sizeof(lit) - 1

/* Convert and compare with the expected UTF-8 (NULL: left unconverted). */
static void
conv(const char *cs, const char *in, size_t len, const char *want,
    size_t wantlen, const char *what)
{
	char	*out;
	size_t	 n = 0;

	out = charset_to_utf8(cs, in, len, &n);
	if (want == NULL)
		ok(out == NULL, "%s: not converted", what);
	else
		ok(out != NULL && n == wantlen && memcmp(out, want, n) == 0,
		    "%s: converted", what);
	free(out);
}

/*
 * iconv() wrapped the way ASan's interceptor wraps it, which checks all
 * of *inbytesleft on every call: the bytes offered, summed over the calls.
 * charset.c's calls resolve to this definition (the test is linked
 * statically against libpscrape.a), and it calls the next one in line.
 */
static size_t	iconv_offered;

size_t
iconv(iconv_t cd, char **inbuf, size_t *inbytesleft, char **outbuf,
    size_t *outbytesleft)
{
	static size_t	(*next)(iconv_t, char **, size_t *, char **,
			    size_t *);

	if (next == NULL)
		*(void **)&next = dlsym(RTLD_NEXT, "iconv");
	if (inbuf != NULL && *inbuf != NULL && inbytesleft != NULL)
		iconv_offered += *inbytesleft;
	return next(cd, inbuf, inbytesleft, outbuf, outbytesleft);
}

static const char *
sniff(const char *body, size_t len, const char *ct, size_t *bom)
{
	return charset_sniff(body, len, ct, bom);
}

static void
test_labels(void)
{
	static const char *canon[] = {
		"utf-8", "ibm866", "iso-8859-2", "iso-8859-3", "iso-8859-4",
		"iso-8859-5", "iso-8859-6", "iso-8859-7", "iso-8859-8",
		"iso-8859-8-i", "iso-8859-10", "iso-8859-13", "iso-8859-14",
		"iso-8859-15", "iso-8859-16", "koi8-r", "koi8-u", "macintosh",
		"windows-874", "windows-1250", "windows-1251", "windows-1252",
		"windows-1253", "windows-1254", "windows-1255", "windows-1256",
		"windows-1257", "windows-1258", "x-mac-cyrillic", "gbk",
		"gb18030", "big5", "euc-jp", "iso-2022-jp", "shift_jis",
		"euc-kr", "utf-16be", "utf-16le",
	};
	size_t	i;

	/* Every encoding decodes here (glibc iconv has them all). */
	for (i = 0; i < sizeof canon / sizeof canon[0]; i++)
		is_str(charset_lookup(canon[i], strlen(canon[i])), canon[i],
		    "label %s is its own name", canon[i]);

	is_str(charset_lookup(S("UTF8")), "utf-8", "utf8, any case");
	is_str(charset_lookup(S(" \tutf-8\n ")), "utf-8",
	    "whitespace around a label");
	is_str(charset_lookup(S("unicode-1-1-utf-8")), "utf-8",
	    "unicode-1-1-utf-8");
	is_str(charset_lookup(S("iso-8859-1")), "windows-1252",
	    "iso-8859-1 means windows-1252");
	is_str(charset_lookup(S("Latin1")), "windows-1252",
	    "latin1 means windows-1252");
	is_str(charset_lookup(S("US-ASCII")), "windows-1252",
	    "us-ascii means windows-1252");
	is_str(charset_lookup(S("ascii")), "windows-1252",
	    "ascii means windows-1252");
	is_str(charset_lookup(S("cp819")), "windows-1252",
	    "cp819 means windows-1252");
	is_str(charset_lookup(S("iso-8859-9")), "windows-1254",
	    "iso-8859-9 means windows-1254");
	is_str(charset_lookup(S("tis-620")), "windows-874",
	    "tis-620 means windows-874");
	is_str(charset_lookup(S("sjis")), "shift_jis", "sjis");
	is_str(charset_lookup(S("x-sjis")), "shift_jis", "x-sjis");
	is_str(charset_lookup(S("windows-31j")), "shift_jis", "windows-31j");
	is_str(charset_lookup(S("gb2312")), "gbk", "gb2312 means gbk");
	is_str(charset_lookup(S("big5-hkscs")), "big5", "big5-hkscs");
	is_str(charset_lookup(S("ks_c_5601-1987")), "euc-kr",
	    "ks_c_5601-1987 means euc-kr");
	is_str(charset_lookup(S("utf-16")), "utf-16le",
	    "utf-16 means utf-16le");
	is_str(charset_lookup(S("x-mac-ukrainian")), "x-mac-cyrillic",
	    "x-mac-ukrainian");

	ok(charset_lookup(S("bogus")) == NULL, "unknown label");
	ok(charset_lookup(S("")) == NULL, "empty label");
	ok(charset_lookup(S("   ")) == NULL, "blank label");
	ok(charset_lookup(S("utf-8-but-much-longer-than-any-label")) == NULL,
	    "label longer than any known");
	ok(charset_lookup(S("utf-8x")) == NULL, "no prefix match");
	ok(charset_lookup(S("iso-2022-kr")) == NULL,
	    "a replacement label is not decodable");
	ok(charset_lookup(S("x-user-defined")) == NULL, "x-user-defined");
	ok(charset_lookup(S("cp437")) == NULL,
	    "iconv knows cp437 but WHATWG does not");
}

static void
test_content_type(void)
{
	is_str(charset_from_content_type("text/html; charset=UTF-8"), "utf-8",
	    "charset parameter");
	is_str(charset_from_content_type("text/html;charset=\"ISO-8859-1\""),
	    "windows-1252", "quoted charset, no space");
	is_str(charset_from_content_type("text/html; q=1; charset=sjis; x=y"),
	    "shift_jis", "charset among other parameters");
	is_str(charset_from_content_type("text/html; CHARSET=koi8-r "),
	    "koi8-r", "parameter name in capitals");
	ok(charset_from_content_type("text/html") == NULL, "no parameter");
	ok(charset_from_content_type(NULL) == NULL, "no Content-Type");
	ok(charset_from_content_type("text/html; charset=") == NULL,
	    "empty charset");
	ok(charset_from_content_type("text/html; charset=bogus") == NULL,
	    "unknown charset");
	ok(charset_from_content_type("text/html; charset=bogus; "
	    "charset=utf-8") == NULL, "the first charset parameter decides");
	ok(charset_from_content_type("text/html; format=flowed") == NULL,
	    "other parameter only");
}

static void
test_prescan(void)
{
	char	 big[1100];
	size_t	 n;

	is_str(charset_prescan(S("<meta charset=\"utf-8\">")), "utf-8",
	    "meta charset");
	is_str(charset_prescan(S("<html><head><META CHARSET=Shift_JIS>")),
	    "shift_jis", "META CHARSET, unquoted, in capitals");
	is_str(charset_prescan(S("<meta http-equiv=\"Content-Type\" "
	    "content=\"text/html; charset=euc-jp\">")), "euc-jp",
	    "meta http-equiv");
	is_str(charset_prescan(S("<meta content='text/html; charset=koi8-r' "
	    "http-equiv=content-type>")), "koi8-r",
	    "content before http-equiv");
	is_str(charset_prescan(S("<meta http-equiv=Content-Type "
	    "content=\"text/html;charset='gbk'\">")), "gbk",
	    "quoted charset inside content");
	ok(charset_prescan(S("<meta content=\"text/html; charset=utf-8\">")) ==
	    NULL, "content without http-equiv does not count");
	ok(charset_prescan(S("<meta name=x content=\"charset=utf-8\">")) ==
	    NULL, "a named meta does not count");
	is_str(charset_prescan(S("<meta charset=\"utf-16le\">")), "utf-8",
	    "meta utf-16le means utf-8");
	is_str(charset_prescan(S("<meta charset=\"UTF-16\">")), "utf-8",
	    "meta utf-16 means utf-8");
	is_str(charset_prescan(S("<meta charset=bogus><meta charset=big5>")),
	    "big5", "an unknown label is skipped for the next meta");
	is_str(charset_prescan(S("<!-- <meta charset=utf-8> -->"
	    "<meta charset=latin1>")), "windows-1252",
	    "meta inside a comment is skipped");
	is_str(charset_prescan(S("<a title=\"<meta charset=utf-8>\">"
	    "<meta charset=iso-8859-2>")), "iso-8859-2",
	    "meta inside an attribute value is skipped");
	is_str(charset_prescan(S("<script>x</script><meta charset=utf-8>")),
	    "utf-8", "meta after other tags");
	ok(charset_prescan(S("<meta charset=\"utf-8")) == NULL,
	    "meta cut off by the end");
	ok(charset_prescan(S("<metal charset=utf-8>")) == NULL,
	    "<metal> is not <meta>");
	ok(charset_prescan(S("no markup at all")) == NULL, "no meta");
	/* Found by fuzz_charset: an attribute with an empty value or none
	 * left the value pointer unset (UBSan: offset on a null pointer). */
	is_str(charset_prescan(S("<meta content=><meta charset=euc-kr>")),
	    "euc-kr", "meta with an empty content, then a charset");
	is_str(charset_prescan(S("<meta content><meta charset=euc-kr>")),
	    "euc-kr", "meta with a content without value, then a charset");
	ok(charset_prescan(S("<meta http-equiv=content-type content=>")) ==
	    NULL, "meta with an empty content declares nothing");
	ok(charset_prescan(S("<meta charset=>")) == NULL,
	    "meta with an empty charset declares nothing");

	/* Only the first 1024 bytes are looked at. */
	memset(big, ' ', sizeof big);
	n = sizeof big - 30;
	memcpy(big + n, "<meta charset=\"utf-8\">", 22);
	ok(charset_prescan(big, n + 22) == NULL, "meta past 1024 bytes");
	memcpy(big + 1000, "<meta charset=\"utf-8\">", 22);
	is_str(charset_prescan(big, 1022), "utf-8", "meta within 1024 bytes");
}

static void
test_sniff(void)
{
	size_t	bom;

	is_str(sniff(S("\xef\xbb\xbf<p>x"), NULL, &bom), "utf-8",
	    "UTF-8 BOM");
	is_int(bom, 3, "UTF-8 BOM length");
	is_str(sniff(S("\xff\xfe<\0p\0"), NULL, &bom), "utf-16le",
	    "UTF-16LE BOM");
	is_int(bom, 2, "UTF-16LE BOM length");
	is_str(sniff(S("\xfe\xff\0<\0p"), NULL, &bom), "utf-16be",
	    "UTF-16BE BOM");
	is_int(bom, 2, "UTF-16BE BOM length");
	is_str(sniff(S("\xef\xbb\xbf<meta charset=latin1>"),
	    "text/html; charset=koi8-r", &bom), "utf-8",
	    "the BOM beats the header and the meta");
	is_str(sniff(S("\xff\xfe<\0"), "text/html; charset=utf-8", &bom),
	    "utf-16le", "a UTF-16 BOM beats a UTF-8 header");
	is_str(sniff(S("<meta charset=latin1>"), "text/html; charset=koi8-r",
	    &bom), "koi8-r", "the header beats the meta");
	is_int(bom, 0, "no BOM");
	is_str(sniff(S("<meta charset=latin1>"), "text/html; charset=nope",
	    &bom), "windows-1252", "an unknown header label: the meta");
	is_str(sniff(S("<meta charset=euc-kr>"), "text/html", &bom), "euc-kr",
	    "the meta without a header charset");
	is_str(sniff(S("<p>plain ASCII</p>"), "text/html", &bom),
	    "windows-1252", "nothing declared, ASCII: windows-1252");
	is_str(sniff(S("<p>caf\xc3\xa9</p>"), NULL, &bom), "utf-8",
	    "nothing declared, valid UTF-8: utf-8");
	is_str(sniff(S("<p>caf\xc3"), NULL, &bom), "utf-8",
	    "valid UTF-8 cut off at the end: utf-8");
	is_str(sniff(S("<p>caf\xe9</p>"), NULL, &bom), "windows-1252",
	    "nothing declared, not UTF-8: windows-1252");
	is_str(sniff(S("<p>\xed\xa0\x80</p>"), NULL, &bom), "windows-1252",
	    "an encoded surrogate is not UTF-8");
	is_str(sniff(S("<p>\xc0\xaf</p>"), NULL, &bom), "windows-1252",
	    "an overlong form is not UTF-8");
	is_str(sniff(S(""), NULL, &bom), "windows-1252", "empty body");
}

static void
test_convert(void)
{
	conv("utf-8", S("caf\xc3\xa9"), NULL, 0, "utf-8");
	conv("utf-8", S("\xff"), NULL, 0,
	    "invalid utf-8 is left for gumbo to replace");
	conv("windows-1252", S("plain ASCII"), NULL, 0,
	    "windows-1252, ASCII only");
	conv("iso-2022-jp", S("plain ASCII"), NULL, 0,
	    "iso-2022-jp without escapes");
	conv("windows-1252", S("caf\xe9"), S("caf\xc3\xa9"),
	    "windows-1252 e-acute");
	conv("windows-1252", S("\x80\x9f"), S("\xe2\x82\xac\xc5\xb8"),
	    "windows-1252 0x80 and 0x9f");
	conv("windows-1252", S("a\x81" "b"), S("a\xef\xbf\xbd" "b"),
	    "windows-1252 0x81 is U+FFFD");
	conv("windows-1252", S("\x8d\x8f\x90\x9d"),
	    S("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
	    "windows-1252 0x8d 0x8f 0x90 0x9d are U+FFFD");
	conv("iso-8859-2", S("\xb1"), S("\xc4\x85"), "iso-8859-2");
	conv("windows-1251", S("\xcf\xf0\xe8"), S("\xd0\x9f\xd1\x80\xd0\xb8"),
	    "windows-1251");
	conv("koi8-r", S("\xcd\xc9\xd2"), S("\xd0\xbc\xd0\xb8\xd1\x80"),
	    "koi8-r");
	conv("macintosh", S("\x80"), S("\xc3\x84"), "macintosh");
	conv("windows-874", S("\xa1"), S("\xe0\xb8\x81"), "windows-874");
	conv("shift_jis", S("\x93\xfa\x96\x7b"),
	    S("\xe6\x97\xa5\xe6\x9c\xac"), "shift_jis");
	conv("shift_jis", S("\x81\x20" "A"), S("\xef\xbf\xbd\x20" "A"),
	    "shift_jis bad sequence: U+FFFD, then one byte on");
	conv("shift_jis", S("A\x93"), S("A\xef\xbf\xbd"),
	    "shift_jis cut off at the end");
	conv("euc-jp", S("\xc6\xfc\xcb\xdc"), S("\xe6\x97\xa5\xe6\x9c\xac"),
	    "euc-jp");
	conv("iso-2022-jp", S("\x1b$BF|K\\\x1b(B"),
	    S("\xe6\x97\xa5\xe6\x9c\xac"), "iso-2022-jp");
	conv("gbk", S("\xd6\xd0\xce\xc4"), S("\xe4\xb8\xad\xe6\x96\x87"),
	    "gbk");
	conv("big5", S("\xa4\xa4\xa4\xe5"), S("\xe4\xb8\xad\xe6\x96\x87"),
	    "big5");
	conv("euc-kr", S("\xc7\xd1\xb1\xb9"), S("\xed\x95\x9c\xea\xb5\xad"),
	    "euc-kr");
	conv("utf-16le", S("h\0i\0"), S("hi"), "utf-16le");
	conv("utf-16be", S("\0h\0i"), S("hi"), "utf-16be");
	conv("utf-16le", S("=\xd8\0\xde"), S("\xf0\x9f\x98\x80"),
	    "utf-16le surrogate pair");
	conv("utf-16le", S("h\0i"), S("h\xef\xbf\xbd"),
	    "utf-16le cut off in a code unit");
	conv("utf-16le", S("\0\xd8" "A\0"), S("\xef\xbf\xbd" "A"),
	    "utf-16le lone surrogate: U+FFFD, then the next unit");
	conv("utf-16le", S(""), S(""), "utf-16le empty");
}

/*
 * Megabytes of invalid input: one U+FFFD a byte, exactly, and iconv is
 * offered each byte a bounded number of times. Offered the whole rest of
 * the input at every bad byte, 4 MB cost 8 TB of checks, which under ASan
 * took minutes (9 MB of invalid EUC-JP: 15 minutes).
 */
static void
test_convert_invalid(void)
{
	static const char *cs[] = { "euc-jp", "shift_jis" };
	const size_t	 n = 4 << 20;
	char		*in, *out;
	size_t		 i, k, len, fffd;

	in = malloc(n);
	memset(in, 0xff, n);
	for (k = 0; k < sizeof cs / sizeof cs[0]; k++) {
		iconv_offered = 0;
		out = charset_to_utf8(cs[k], in, n, &len);
		for (i = fffd = 0; out != NULL && i + 3 <= len; i += 3)
			fffd += memcmp(out + i, "\xef\xbf\xbd", 3) == 0;
		ok(out != NULL && len == 3 * n && fffd == n,
		    "%s: 4 MiB of 0xff is 4 Mi U+FFFD (%zu bytes, %zu U+FFFD)",
		    cs[k], len, fffd);
		ok(iconv_offered <= 2048 * n,
		    "%s: ... iconv offered each byte at most 2048 times "
		    "(%zu bytes in all)", cs[k], iconv_offered);
		free(out);
	}
	free(in);
}

/* Sequences cut by the end of a window of iconv's input come out whole. */
static void
test_convert_windows(void)
{
	const size_t	 n = 100000;
	char		*in, *want, *out;
	size_t		 i, len;

	/* "A", then 日 in EUC-JP: every 1024-byte window ends inside one. */
	in = malloc(1 + 2 * n);
	want = malloc(1 + 3 * n);
	in[0] = want[0] = 'A';
	for (i = 0; i < n; i++) {
		memcpy(in + 1 + 2 * i, "\xc6\xfc", 2);
		memcpy(want + 1 + 3 * i, "\xe6\x97\xa5", 3);
	}
	out = charset_to_utf8("euc-jp", in, 1 + 2 * n, &len);
	ok(out != NULL && len == 1 + 3 * n && memcmp(out, want, len) == 0,
	    "euc-jp: characters across window ends are decoded whole");
	free(out);
	free(in);
	free(want);

	/* ISO-2022-JP: an escape sequence cut (at 1024), then a
	 * character (at 2048), in a line of "a". */
	in = malloc(4096);
	want = malloc(4086);
	memset(in, 'a', 4096);
	memcpy(in + 1022, "\x1b$BF|\x1b(B", 8);
	memcpy(in + 2044, "\x1b$BF|\x1b(B", 8);
	memset(want, 'a', 4086);
	memcpy(want + 1022, "\xe6\x97\xa5", 3);
	memcpy(want + 1022 + 3 + 1014, "\xe6\x97\xa5", 3);
	out = charset_to_utf8("iso-2022-jp", in, 4096, &len);
	ok(out != NULL && len == 4086 && memcmp(out, want, len) == 0,
	    "iso-2022-jp: an escape and a character across window ends");
	free(out);
	free(in);
	free(want);
}

static void
test_decode(void)
{
	struct charset_text	t;

	charset_decode(S("\xef\xbb\xbf<p>x"), "text/html", &t);
	is_str(t.charset, "utf-8", "decode: BOM charset");
	ok(t.owned == NULL && t.len == 4 && memcmp(t.data, "<p>x", 4) == 0,
	    "decode: the UTF-8 BOM is stripped without a copy");

	charset_decode(S("\xff\xfeh\0i\0"), NULL, &t);
	is_str(t.charset, "utf-16le", "decode: UTF-16LE");
	ok(t.owned != NULL && t.data == t.owned && t.len == 2 &&
	    memcmp(t.data, "hi", 2) == 0, "decode: converted without the BOM");
	free(t.owned);

	charset_decode(S("caf\xe9"), "text/html; charset=latin1", &t);
	is_str(t.charset, "windows-1252", "decode: latin1 header");
	ok(t.owned != NULL && t.len == 5 &&
	    memcmp(t.data, "caf\xc3\xa9", 5) == 0, "decode: converted");
	free(t.owned);

	charset_decode(S("ascii"), "text/html; charset=latin1", &t);
	ok(t.owned == NULL && t.len == 5, "decode: ASCII is not copied");
}

int
main(void)
{
	test_labels();
	test_content_type();
	test_prescan();
	test_sniff();
	test_convert();
	test_convert_invalid();
	test_convert_windows();
	test_decode();
	return done_testing();
}
