/*
 * libFuzzer target: the charset sniffer and converter (charset.c).
 *
 * Input: an optional Content-Type line, then the body (see fuzz.h). The
 * body goes through charset_sniff and charset_decode with that
 * Content-Type, and (first byte picks the encoding, the rest is the
 * text) straight through charset_to_utf8 in every encoding the WHATWG
 * table names, so that each decoder is reached whatever the sniffer
 * says.
 *
 * Checks: every name returned is one of the canonical names; a BOM is
 * 0, 2 or 3 bytes and matches the bytes; converted text is valid UTF-8;
 * text handed back unconverted is either declared UTF-8 (gumbo copes
 * with bad bytes there) or pure ASCII in an ASCII-compatible encoding
 * (without ESC for ISO-2022-JP); a body with no declaration that is
 * sniffed as UTF-8 is valid UTF-8 (but for a sequence cut short at the
 * end, which a size limit can do).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"

#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The canonical names charset.c hands out. */
static const char *const names[] = {
	"utf-8", "ibm866", "iso-8859-2", "iso-8859-3", "iso-8859-4",
	"iso-8859-5", "iso-8859-6", "iso-8859-7", "iso-8859-8",
	"iso-8859-8-i", "iso-8859-10", "iso-8859-13", "iso-8859-14",
	"iso-8859-15", "iso-8859-16", "koi8-r", "koi8-u", "macintosh",
	"windows-874", "windows-1250", "windows-1251", "windows-1252",
	"windows-1253", "windows-1254", "windows-1255", "windows-1256",
	"windows-1257", "windows-1258", "x-mac-cyrillic", "gbk", "gb18030",
	"big5", "euc-jp", "iso-2022-jp", "shift_jis", "euc-kr", "utf-16be",
	"utf-16le",
};
#define NNAMES	(sizeof names / sizeof names[0])

static bool
canonical(const char *cs)
{
	size_t	i;

	for (i = 0; i < NNAMES; i++) {
		if (strcmp(cs, names[i]) == 0)
			return true;
	}
	return false;
}

static bool
pure_ascii(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return false;
	}
	return true;
}

/* Valid UTF-8 but perhaps for one sequence cut short by the end. */
static bool
valid_but_tail(const char *s, size_t len)
{
	size_t	k;

	for (k = 0; k < 4 && k <= len; k++) {
		if (fuzz_valid_utf8(s, len - k))
			return k == 0 || (unsigned char)s[len - k] >= 0xc2;
	}
	return false;
}

/* Check one conversion of in (len bytes) from cs. */
static void
check_convert(const char *cs, const char *in, size_t len)
{
	size_t	 outlen = 0;
	char	*out;

	out = charset_to_utf8(cs, in, len, &outlen);
	if (out != NULL) {
		FUZZ_CHECK(fuzz_valid_utf8(out, outlen));
		free(out);
		return;
	}
	if (strcmp(cs, "utf-8") == 0)
		return;
	FUZZ_CHECK(strncmp(cs, "utf-16", 6) != 0);
	FUZZ_CHECK(pure_ascii(in, len));
	if (strcmp(cs, "iso-2022-jp") == 0)
		FUZZ_CHECK(memchr(in, 0x1b, len) == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct charset_text	 out;
	const char		*body, *cs, *declared, *meta, *enc;
	char			*ct;
	size_t			 len, bom;

	ct = fuzz_split_ct(&data, &size);
	body = (const char *)data;
	len = size;

	declared = charset_from_content_type(ct);
	FUZZ_CHECK(declared == NULL || canonical(declared));
	if (ct != NULL) {
		cs = charset_lookup(ct, strlen(ct));
		FUZZ_CHECK(cs == NULL || canonical(cs));
	}
	meta = charset_prescan(body, len);
	FUZZ_CHECK(meta == NULL || (canonical(meta) &&
	    strncmp(meta, "utf-16", 6) != 0));

	cs = charset_sniff(body, len, ct, &bom);
	FUZZ_CHECK(cs != NULL && canonical(cs));
	FUZZ_CHECK(bom <= len);
	if (bom == 3)
		FUZZ_CHECK(memcmp(body, "\xef\xbb\xbf", 3) == 0 &&
		    strcmp(cs, "utf-8") == 0);
	else if (bom == 2)
		FUZZ_CHECK(strncmp(cs, "utf-16", 6) == 0);
	else {
		FUZZ_CHECK(bom == 0);
		if (declared != NULL)
			FUZZ_CHECK(cs == declared);
		else if (meta != NULL)
			FUZZ_CHECK(cs == meta);
		else if (strcmp(cs, "utf-8") == 0)
			FUZZ_CHECK(valid_but_tail(body, len));
	}

	charset_decode(body, len, ct, &out);
	FUZZ_CHECK(out.charset == cs);
	if (out.owned != NULL) {
		FUZZ_CHECK(out.data == out.owned);
		FUZZ_CHECK(fuzz_valid_utf8(out.data, out.len));
		free(out.owned);
	} else {
		FUZZ_CHECK(out.data == body + bom && out.len == len - bom);
		if (strcmp(cs, "utf-8") != 0) {
			FUZZ_CHECK(pure_ascii(out.data, out.len));
			FUZZ_CHECK(strncmp(cs, "utf-16", 6) != 0);
		}
	}

	/* Every decoder, whatever was sniffed. */
	if (len > 0) {
		enc = names[(unsigned char)body[0] % NNAMES];
		if ((cs = charset_lookup(enc, strlen(enc))) != NULL) {
			FUZZ_CHECK(strcmp(cs, enc) == 0);
			check_convert(cs, body + 1, len - 1);
		}
	}
	free(ct);
	return 0;
}
