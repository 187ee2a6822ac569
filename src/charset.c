/*
 * Charset: the WHATWG encoding sniffing steps and the conversion to UTF-8
 * that the HTML parser needs (gumbo reads UTF-8 only).
 *
 * Labels map to encodings through the WHATWG label table, so that a page
 * is decoded the way a browser would decode it: "iso-8859-1", "latin1"
 * and "us-ascii" mean windows-1252, "gb2312" means gbk, and a label the
 * table does not know is ignored rather than passed to iconv. UTF-8 and
 * windows-1252 are decoded here; the others go through iconv.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uchardet.h>

#include "charset.h"
#include "scan.h"
#include "stop.h"
#include "xmalloc.h"

/* The most of an undeclared page the detector reads (see charset_guess). */
#define GUESS_MAX	(256 * 1024)

enum enc {
	E_UTF_8,
	E_IBM866,
	E_ISO_8859_2,
	E_ISO_8859_3,
	E_ISO_8859_4,
	E_ISO_8859_5,
	E_ISO_8859_6,
	E_ISO_8859_7,
	E_ISO_8859_8,
	E_ISO_8859_8_I,
	E_ISO_8859_10,
	E_ISO_8859_13,
	E_ISO_8859_14,
	E_ISO_8859_15,
	E_ISO_8859_16,
	E_KOI8_R,
	E_KOI8_U,
	E_MACINTOSH,
	E_WINDOWS_874,
	E_WINDOWS_1250,
	E_WINDOWS_1251,
	E_WINDOWS_1252,
	E_WINDOWS_1253,
	E_WINDOWS_1254,
	E_WINDOWS_1255,
	E_WINDOWS_1256,
	E_WINDOWS_1257,
	E_WINDOWS_1258,
	E_X_MAC_CYRILLIC,
	E_GBK,
	E_GB18030,
	E_BIG5,
	E_EUC_JP,
	E_ISO_2022_JP,
	E_SHIFT_JIS,
	E_EUC_KR,
	E_UTF_16BE,
	E_UTF_16LE,
	E_COUNT
};

/*
 * Where glibc has several candidates, the iconv name is the one closest
 * to the WHATWG decoder: Shift_JIS is really Windows-31J (CP932), EUC-KR
 * is windows-949 (CP949), gbk decodes as gb18030 and big5 as Big5-HKSCS.
 */
static const struct encoding {
	const char	*name;
	const char	*iconv;
	unsigned char	 unit;		/* bytes to skip past a bad sequence */
	bool		 ascii;		/* pure ASCII input is already UTF-8 */
} encodings[E_COUNT] = {
	[E_UTF_8] =		{ "utf-8", "UTF-8", 1, true },
	[E_IBM866] =		{ "ibm866", "IBM866", 1, true },
	[E_ISO_8859_2] =	{ "iso-8859-2", "ISO-8859-2", 1, true },
	[E_ISO_8859_3] =	{ "iso-8859-3", "ISO-8859-3", 1, true },
	[E_ISO_8859_4] =	{ "iso-8859-4", "ISO-8859-4", 1, true },
	[E_ISO_8859_5] =	{ "iso-8859-5", "ISO-8859-5", 1, true },
	[E_ISO_8859_6] =	{ "iso-8859-6", "ISO-8859-6", 1, true },
	[E_ISO_8859_7] =	{ "iso-8859-7", "ISO-8859-7", 1, true },
	[E_ISO_8859_8] =	{ "iso-8859-8", "ISO-8859-8", 1, true },
	[E_ISO_8859_8_I] =	{ "iso-8859-8-i", "ISO-8859-8", 1, true },
	[E_ISO_8859_10] =	{ "iso-8859-10", "ISO-8859-10", 1, true },
	[E_ISO_8859_13] =	{ "iso-8859-13", "ISO-8859-13", 1, true },
	[E_ISO_8859_14] =	{ "iso-8859-14", "ISO-8859-14", 1, true },
	[E_ISO_8859_15] =	{ "iso-8859-15", "ISO-8859-15", 1, true },
	[E_ISO_8859_16] =	{ "iso-8859-16", "ISO-8859-16", 1, true },
	[E_KOI8_R] =		{ "koi8-r", "KOI8-R", 1, true },
	[E_KOI8_U] =		{ "koi8-u", "KOI8-RU", 1, true },
	[E_MACINTOSH] =		{ "macintosh", "MACINTOSH", 1, true },
	[E_WINDOWS_874] =	{ "windows-874", "WINDOWS-874", 1, true },
	[E_WINDOWS_1250] =	{ "windows-1250", "WINDOWS-1250", 1, true },
	[E_WINDOWS_1251] =	{ "windows-1251", "WINDOWS-1251", 1, true },
	[E_WINDOWS_1252] =	{ "windows-1252", "WINDOWS-1252", 1, true },
	[E_WINDOWS_1253] =	{ "windows-1253", "WINDOWS-1253", 1, true },
	[E_WINDOWS_1254] =	{ "windows-1254", "WINDOWS-1254", 1, true },
	[E_WINDOWS_1255] =	{ "windows-1255", "WINDOWS-1255", 1, true },
	[E_WINDOWS_1256] =	{ "windows-1256", "WINDOWS-1256", 1, true },
	[E_WINDOWS_1257] =	{ "windows-1257", "WINDOWS-1257", 1, true },
	[E_WINDOWS_1258] =	{ "windows-1258", "WINDOWS-1258", 1, true },
	[E_X_MAC_CYRILLIC] =	{ "x-mac-cyrillic", "MAC-CYRILLIC", 1, true },
	[E_GBK] =		{ "gbk", "GB18030", 1, true },
	[E_GB18030] =		{ "gb18030", "GB18030", 1, true },
	[E_BIG5] =		{ "big5", "BIG5-HKSCS", 1, true },
	[E_EUC_JP] =		{ "euc-jp", "EUC-JP", 1, true },
	[E_ISO_2022_JP] =	{ "iso-2022-jp", "ISO-2022-JP", 1, true },
	[E_SHIFT_JIS] =		{ "shift_jis", "CP932", 1, true },
	[E_EUC_KR] =		{ "euc-kr", "CP949", 1, true },
	[E_UTF_16BE] =		{ "utf-16be", "UTF-16BE", 2, false },
	[E_UTF_16LE] =		{ "utf-16le", "UTF-16LE", 2, false },
};

/*
 * The WHATWG label table (https://encoding.spec.whatwg.org/#names-and-
 * labels), sorted by strcmp for bsearch. The "replacement" labels and
 * x-user-defined are left out: a browser would not decode the page as
 * text with them, so they are treated as unknown.
 */
static const struct label {
	const char	*label;
	enum enc	 enc;
} labels[] = {
	{ "866",                   E_IBM866 },
	{ "ansi_x3.4-1968",        E_WINDOWS_1252 },
	{ "arabic",                E_ISO_8859_6 },
	{ "ascii",                 E_WINDOWS_1252 },
	{ "asmo-708",              E_ISO_8859_6 },
	{ "big5",                  E_BIG5 },
	{ "big5-hkscs",            E_BIG5 },
	{ "chinese",               E_GBK },
	{ "cn-big5",               E_BIG5 },
	{ "cp1250",                E_WINDOWS_1250 },
	{ "cp1251",                E_WINDOWS_1251 },
	{ "cp1252",                E_WINDOWS_1252 },
	{ "cp1253",                E_WINDOWS_1253 },
	{ "cp1254",                E_WINDOWS_1254 },
	{ "cp1255",                E_WINDOWS_1255 },
	{ "cp1256",                E_WINDOWS_1256 },
	{ "cp1257",                E_WINDOWS_1257 },
	{ "cp1258",                E_WINDOWS_1258 },
	{ "cp819",                 E_WINDOWS_1252 },
	{ "cp866",                 E_IBM866 },
	{ "csbig5",                E_BIG5 },
	{ "cseuckr",               E_EUC_KR },
	{ "cseucpkdfmtjapanese",   E_EUC_JP },
	{ "csgb2312",              E_GBK },
	{ "csibm866",              E_IBM866 },
	{ "csiso2022jp",           E_ISO_2022_JP },
	{ "csiso58gb231280",       E_GBK },
	{ "csiso88596e",           E_ISO_8859_6 },
	{ "csiso88596i",           E_ISO_8859_6 },
	{ "csiso88598e",           E_ISO_8859_8 },
	{ "csiso88598i",           E_ISO_8859_8_I },
	{ "csisolatin1",           E_WINDOWS_1252 },
	{ "csisolatin2",           E_ISO_8859_2 },
	{ "csisolatin3",           E_ISO_8859_3 },
	{ "csisolatin4",           E_ISO_8859_4 },
	{ "csisolatin5",           E_WINDOWS_1254 },
	{ "csisolatin6",           E_ISO_8859_10 },
	{ "csisolatin9",           E_ISO_8859_15 },
	{ "csisolatinarabic",      E_ISO_8859_6 },
	{ "csisolatincyrillic",    E_ISO_8859_5 },
	{ "csisolatingreek",       E_ISO_8859_7 },
	{ "csisolatinhebrew",      E_ISO_8859_8 },
	{ "cskoi8r",               E_KOI8_R },
	{ "csksc56011987",         E_EUC_KR },
	{ "csmacintosh",           E_MACINTOSH },
	{ "csshiftjis",            E_SHIFT_JIS },
	{ "cyrillic",              E_ISO_8859_5 },
	{ "dos-874",               E_WINDOWS_874 },
	{ "ecma-114",              E_ISO_8859_6 },
	{ "ecma-118",              E_ISO_8859_7 },
	{ "elot_928",              E_ISO_8859_7 },
	{ "euc-jp",                E_EUC_JP },
	{ "euc-kr",                E_EUC_KR },
	{ "gb18030",               E_GB18030 },
	{ "gb2312",                E_GBK },
	{ "gb_2312",               E_GBK },
	{ "gb_2312-80",            E_GBK },
	{ "gbk",                   E_GBK },
	{ "greek",                 E_ISO_8859_7 },
	{ "greek8",                E_ISO_8859_7 },
	{ "hebrew",                E_ISO_8859_8 },
	{ "ibm819",                E_WINDOWS_1252 },
	{ "ibm866",                E_IBM866 },
	{ "iso-2022-jp",           E_ISO_2022_JP },
	{ "iso-8859-1",            E_WINDOWS_1252 },
	{ "iso-8859-10",           E_ISO_8859_10 },
	{ "iso-8859-11",           E_WINDOWS_874 },
	{ "iso-8859-13",           E_ISO_8859_13 },
	{ "iso-8859-14",           E_ISO_8859_14 },
	{ "iso-8859-15",           E_ISO_8859_15 },
	{ "iso-8859-16",           E_ISO_8859_16 },
	{ "iso-8859-2",            E_ISO_8859_2 },
	{ "iso-8859-3",            E_ISO_8859_3 },
	{ "iso-8859-4",            E_ISO_8859_4 },
	{ "iso-8859-5",            E_ISO_8859_5 },
	{ "iso-8859-6",            E_ISO_8859_6 },
	{ "iso-8859-6-e",          E_ISO_8859_6 },
	{ "iso-8859-6-i",          E_ISO_8859_6 },
	{ "iso-8859-7",            E_ISO_8859_7 },
	{ "iso-8859-8",            E_ISO_8859_8 },
	{ "iso-8859-8-e",          E_ISO_8859_8 },
	{ "iso-8859-8-i",          E_ISO_8859_8_I },
	{ "iso-8859-9",            E_WINDOWS_1254 },
	{ "iso-ir-100",            E_WINDOWS_1252 },
	{ "iso-ir-101",            E_ISO_8859_2 },
	{ "iso-ir-109",            E_ISO_8859_3 },
	{ "iso-ir-110",            E_ISO_8859_4 },
	{ "iso-ir-126",            E_ISO_8859_7 },
	{ "iso-ir-127",            E_ISO_8859_6 },
	{ "iso-ir-138",            E_ISO_8859_8 },
	{ "iso-ir-144",            E_ISO_8859_5 },
	{ "iso-ir-148",            E_WINDOWS_1254 },
	{ "iso-ir-149",            E_EUC_KR },
	{ "iso-ir-157",            E_ISO_8859_10 },
	{ "iso-ir-58",             E_GBK },
	{ "iso8859-1",             E_WINDOWS_1252 },
	{ "iso8859-10",            E_ISO_8859_10 },
	{ "iso8859-11",            E_WINDOWS_874 },
	{ "iso8859-13",            E_ISO_8859_13 },
	{ "iso8859-14",            E_ISO_8859_14 },
	{ "iso8859-15",            E_ISO_8859_15 },
	{ "iso8859-2",             E_ISO_8859_2 },
	{ "iso8859-3",             E_ISO_8859_3 },
	{ "iso8859-4",             E_ISO_8859_4 },
	{ "iso8859-5",             E_ISO_8859_5 },
	{ "iso8859-6",             E_ISO_8859_6 },
	{ "iso8859-7",             E_ISO_8859_7 },
	{ "iso8859-8",             E_ISO_8859_8 },
	{ "iso8859-9",             E_WINDOWS_1254 },
	{ "iso88591",              E_WINDOWS_1252 },
	{ "iso885910",             E_ISO_8859_10 },
	{ "iso885911",             E_WINDOWS_874 },
	{ "iso885913",             E_ISO_8859_13 },
	{ "iso885914",             E_ISO_8859_14 },
	{ "iso885915",             E_ISO_8859_15 },
	{ "iso88592",              E_ISO_8859_2 },
	{ "iso88593",              E_ISO_8859_3 },
	{ "iso88594",              E_ISO_8859_4 },
	{ "iso88595",              E_ISO_8859_5 },
	{ "iso88596",              E_ISO_8859_6 },
	{ "iso88597",              E_ISO_8859_7 },
	{ "iso88598",              E_ISO_8859_8 },
	{ "iso88599",              E_WINDOWS_1254 },
	{ "iso_8859-1",            E_WINDOWS_1252 },
	{ "iso_8859-15",           E_ISO_8859_15 },
	{ "iso_8859-1:1987",       E_WINDOWS_1252 },
	{ "iso_8859-2",            E_ISO_8859_2 },
	{ "iso_8859-2:1987",       E_ISO_8859_2 },
	{ "iso_8859-3",            E_ISO_8859_3 },
	{ "iso_8859-3:1988",       E_ISO_8859_3 },
	{ "iso_8859-4",            E_ISO_8859_4 },
	{ "iso_8859-4:1988",       E_ISO_8859_4 },
	{ "iso_8859-5",            E_ISO_8859_5 },
	{ "iso_8859-5:1988",       E_ISO_8859_5 },
	{ "iso_8859-6",            E_ISO_8859_6 },
	{ "iso_8859-6:1987",       E_ISO_8859_6 },
	{ "iso_8859-7",            E_ISO_8859_7 },
	{ "iso_8859-7:1987",       E_ISO_8859_7 },
	{ "iso_8859-8",            E_ISO_8859_8 },
	{ "iso_8859-8:1988",       E_ISO_8859_8 },
	{ "iso_8859-9",            E_WINDOWS_1254 },
	{ "iso_8859-9:1989",       E_WINDOWS_1254 },
	{ "koi",                   E_KOI8_R },
	{ "koi8",                  E_KOI8_R },
	{ "koi8-r",                E_KOI8_R },
	{ "koi8-u",                E_KOI8_U },
	{ "koi8_r",                E_KOI8_R },
	{ "korean",                E_EUC_KR },
	{ "ks_c_5601-1987",        E_EUC_KR },
	{ "ks_c_5601-1989",        E_EUC_KR },
	{ "ksc5601",               E_EUC_KR },
	{ "ksc_5601",              E_EUC_KR },
	{ "l1",                    E_WINDOWS_1252 },
	{ "l2",                    E_ISO_8859_2 },
	{ "l3",                    E_ISO_8859_3 },
	{ "l4",                    E_ISO_8859_4 },
	{ "l5",                    E_WINDOWS_1254 },
	{ "l6",                    E_ISO_8859_10 },
	{ "l9",                    E_ISO_8859_15 },
	{ "latin1",                E_WINDOWS_1252 },
	{ "latin2",                E_ISO_8859_2 },
	{ "latin3",                E_ISO_8859_3 },
	{ "latin4",                E_ISO_8859_4 },
	{ "latin5",                E_WINDOWS_1254 },
	{ "latin6",                E_ISO_8859_10 },
	{ "logical",               E_ISO_8859_8_I },
	{ "mac",                   E_MACINTOSH },
	{ "macintosh",             E_MACINTOSH },
	{ "ms932",                 E_SHIFT_JIS },
	{ "ms_kanji",              E_SHIFT_JIS },
	{ "shift-jis",             E_SHIFT_JIS },
	{ "shift_jis",             E_SHIFT_JIS },
	{ "sjis",                  E_SHIFT_JIS },
	{ "sun_eu_greek",          E_ISO_8859_7 },
	{ "tis-620",               E_WINDOWS_874 },
	{ "unicode-1-1-utf-8",     E_UTF_8 },
	{ "us-ascii",              E_WINDOWS_1252 },
	{ "utf-16",                E_UTF_16LE },
	{ "utf-16be",              E_UTF_16BE },
	{ "utf-16le",              E_UTF_16LE },
	{ "utf-8",                 E_UTF_8 },
	{ "utf8",                  E_UTF_8 },
	{ "visual",                E_ISO_8859_8 },
	{ "windows-1250",          E_WINDOWS_1250 },
	{ "windows-1251",          E_WINDOWS_1251 },
	{ "windows-1252",          E_WINDOWS_1252 },
	{ "windows-1253",          E_WINDOWS_1253 },
	{ "windows-1254",          E_WINDOWS_1254 },
	{ "windows-1255",          E_WINDOWS_1255 },
	{ "windows-1256",          E_WINDOWS_1256 },
	{ "windows-1257",          E_WINDOWS_1257 },
	{ "windows-1258",          E_WINDOWS_1258 },
	{ "windows-31j",           E_SHIFT_JIS },
	{ "windows-874",           E_WINDOWS_874 },
	{ "windows-949",           E_EUC_KR },
	{ "x-cp1250",              E_WINDOWS_1250 },
	{ "x-cp1251",              E_WINDOWS_1251 },
	{ "x-cp1252",              E_WINDOWS_1252 },
	{ "x-cp1253",              E_WINDOWS_1253 },
	{ "x-cp1254",              E_WINDOWS_1254 },
	{ "x-cp1255",              E_WINDOWS_1255 },
	{ "x-cp1256",              E_WINDOWS_1256 },
	{ "x-cp1257",              E_WINDOWS_1257 },
	{ "x-cp1258",              E_WINDOWS_1258 },
	{ "x-euc-jp",              E_EUC_JP },
	{ "x-gbk",                 E_GBK },
	{ "x-mac-cyrillic",        E_X_MAC_CYRILLIC },
	{ "x-mac-roman",           E_MACINTOSH },
	{ "x-mac-ukrainian",       E_X_MAC_CYRILLIC },
	{ "x-sjis",                E_SHIFT_JIS },
	{ "x-x-big5",              E_BIG5 },
};

/*
 * Windows-1252 bytes 0x80-0x9f. The five bytes Windows leaves undefined
 * become U+FFFD, as glibc and Python decode them (browsers show C1
 * controls; the count is the same).
 */
static const uint16_t cp1252_c1[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

/* Whether iconv can decode each encoding: 0 unknown, 1 yes, -1 no. */
static atomic_schar usable[E_COUNT];

static int
label_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct label *)elem)->label);
}

static bool
enc_usable(enum enc e)
{
	iconv_t	cd;
	int	u;

	if (e == E_UTF_8 || e == E_WINDOWS_1252)
		return true;
	u = atomic_load_explicit(&usable[e], memory_order_relaxed);
	if (u == 0) {
		cd = iconv_open("UTF-8", encodings[e].iconv);
		u = cd == (iconv_t)-1 ? -1 : 1;
		if (cd != (iconv_t)-1)
			iconv_close(cd);
		atomic_store_explicit(&usable[e], u, memory_order_relaxed);
	}
	return u > 0;
}

static const struct encoding *
find_encoding(const char *name)
{
	size_t	i;

	for (i = 0; i < E_COUNT; i++) {
		if (encodings[i].name == name || strcmp(encodings[i].name,
		    name) == 0)
			return &encodings[i];
	}
	return NULL;
}

const char *
charset_lookup(const char *label, size_t len)
{
	const struct label	*l;
	char			 key[32];
	size_t			 i;

	while (len > 0 && is_html_space(*label)) {
		label++;
		len--;
	}
	while (len > 0 && is_html_space(label[len - 1]))
		len--;
	if (len == 0 || len >= sizeof key)
		return NULL;
	for (i = 0; i < len; i++)
		key[i] = lower(label[i]);
	key[len] = '\0';
	l = bsearch(key, labels, sizeof labels / sizeof labels[0],
	    sizeof labels[0], label_cmp);
	if (l == NULL || !enc_usable(l->enc))
		return NULL;
	return encodings[l->enc].name;
}

/* Whether s (len bytes) starts with the string str, ASCII case ignored. */
static bool
prefix_ci(const char *s, size_t len, const char *str)
{
	size_t	i;

	for (i = 0; str[i] != '\0'; i++) {
		if (i == len || lower(s[i]) != lower(str[i]))
			return false;
	}
	return true;
}

const char *
charset_from_content_type(const char *ct)
{
	const char	*p, *name, *val;
	size_t		 nlen, vlen;

	if (ct == NULL || (p = strchr(ct, ';')) == NULL)
		return NULL;
	while (*p == ';') {
		p++;
		while (is_html_space(*p))
			p++;
		name = p;
		while (*p != '\0' && *p != '=' && *p != ';')
			p++;
		nlen = p - name;
		while (nlen > 0 && is_html_space(name[nlen - 1]))
			nlen--;
		if (*p != '=')
			continue;
		p++;
		if (*p == '"') {
			/* A quoted value; a backslash escape is rare enough in
			 * a charset to end the value there. */
			val = ++p;
			while (*p != '\0' && *p != '"' && *p != '\\')
				p++;
			vlen = p - val;
			while (*p != '\0' && *p != ';')
				p++;
		} else {
			val = p;
			while (*p != '\0' && *p != ';')
				p++;
			vlen = p - val;
		}
		/* The first charset parameter decides, known or not. */
		if (equal_ci(name, nlen, "charset"))
			return charset_lookup(val, vlen);
	}
	return NULL;
}

/*
 * "Extract a character encoding from a meta element": the charset= inside
 * a content attribute such as "text/html; charset=utf-8".
 */
static const char *
meta_content_charset(const char *s, size_t len)
{
	const char	*end = s + len, *p = s, *v;
	char		 q;

	for (;;) {
		while (p < end && !prefix_ci(p, end - p, "charset"))
			p++;
		if (p == end)
			return NULL;
		p += 7;
		while (p < end && is_html_space(*p))
			p++;
		if (p == end)
			return NULL;
		if (*p != '=')
			continue;
		p++;
		while (p < end && is_html_space(*p))
			p++;
		if (p == end)
			return NULL;
		if (*p == '"' || *p == '\'') {
			q = *p++;
			v = memchr(p, q, end - p);
			return v == NULL ? NULL : charset_lookup(p, v - p);
		}
		v = p;
		while (p < end && !is_html_space(*p) && *p != ';')
			p++;
		return charset_lookup(v, p - v);
	}
}

/*
 * "Get an attribute" of the prescan: name and value as ranges of the
 * input (case is ignored when they are compared). Returns false when
 * there are no more attributes, or the bytes run out (*p = NULL).
 */
static bool
prescan_attr(const char **pp, const char *end, const char **name,
    size_t *nlen, const char **val, size_t *vlen)
{
	const char	*p = *pp;
	char		 q;

	while (p < end && (is_html_space(*p) || *p == '/'))
		p++;
	if (p == end)
		goto eof;
	if (*p == '>') {
		*pp = p;
		return false;
	}
	*name = p;
	*val = p;	/* an attribute without a value has an empty one */
	*vlen = 0;
	for (;;) {
		if (p == end)
			goto eof;
		if (*p == '=' && p > *name) {
			*nlen = p++ - *name;
			goto value;
		}
		if (is_html_space(*p))
			break;
		if (*p == '/' || *p == '>') {
			*nlen = p - *name;
			*pp = p;
			return true;
		}
		p++;
	}
	*nlen = p - *name;
	while (p < end && is_html_space(*p))
		p++;
	if (p == end)
		goto eof;
	if (*p != '=') {
		*pp = p;
		return true;
	}
	p++;
value:
	while (p < end && is_html_space(*p))
		p++;
	if (p == end)
		goto eof;
	if (*p == '"' || *p == '\'') {
		q = *p++;
		*val = p;
		while (p < end && *p != q)
			p++;
		if (p == end)
			goto eof;
		*vlen = p - *val;
		*pp = p + 1;
		return true;
	}
	if (*p == '>') {
		*pp = p;
		return true;
	}
	*val = p;
	while (p < end && !is_html_space(*p) && *p != '>')
		p++;
	if (p == end)
		goto eof;
	*vlen = p - *val;
	*pp = p;
	return true;
eof:
	*pp = NULL;
	return false;
}

/* The attributes of one <meta>; NULL unless it declares a usable charset. */
static const char *
prescan_meta(const char **pp, const char *end)
{
	const char	*name, *val, *cs = NULL, *c;
	size_t		 nlen, vlen;
	bool		 seen_he = false, seen_content = false;
	bool		 seen_charset = false, pragma = false, failed = false;
	int		 need_pragma = -1;	/* null, false, true */

	while (prescan_attr(pp, end, &name, &nlen, &val, &vlen)) {
		if (equal_ci(name, nlen, "http-equiv")) {
			if (seen_he)
				continue;
			seen_he = true;
			if (equal_ci(val, vlen, "content-type"))
				pragma = true;
		} else if (equal_ci(name, nlen, "content")) {
			if (seen_content)
				continue;
			seen_content = true;
			if (cs == NULL && !failed &&
			    (c = meta_content_charset(val, vlen)) != NULL) {
				cs = c;
				need_pragma = 1;
			}
		} else if (equal_ci(name, nlen, "charset")) {
			if (seen_charset)
				continue;
			seen_charset = true;
			cs = charset_lookup(val, vlen);
			failed = cs == NULL;
			need_pragma = 0;
		}
	}
	if (*pp == NULL || need_pragma == -1 || (need_pragma == 1 && !pragma))
		return NULL;
	if (cs == NULL)
		return NULL;
	/* A document cannot declare itself UTF-16 from inside: bytes that
	 * the prescan could read are ASCII-compatible. */
	if (strncmp(cs, "utf-16", 6) == 0)
		return "utf-8";
	return cs;
}

const char *
charset_prescan(const char *body, size_t len)
{
	const char	*p = body, *end, *cs, *q, *name, *val;
	size_t		 nlen, vlen;

	end = body + (len < 1024 ? len : 1024);
	while (p < end) {
		if (*p != '<') {
			if ((p = memchr(p, '<', end - p)) == NULL)
				return NULL;
			continue;
		}
		if (prefix_ci(p, end - p, "<!--")) {
			/* The "-->" may share its dashes with the "<!--". */
			for (q = p + 2; q + 3 <= end; q++) {
				if (q[0] == '-' && q[1] == '-' && q[2] == '>')
					break;
			}
			if (q + 3 > end)
				return NULL;
			p = q + 3;
			continue;
		}
		if (prefix_ci(p, end - p, "<meta") && end - p > 5 &&
		    (is_html_space(p[5]) || p[5] == '/')) {
			p += 5;
			if ((cs = prescan_meta(&p, end)) != NULL)
				return cs;
			if (p == NULL)
				return NULL;
			p++;
			continue;
		}
		q = p + 1;
		if (q < end && *q == '/')
			q++;
		if (q < end && is_alpha(*q)) {
			/* Some other tag: skip its attributes, which may hold
			 * a '>' in quotes. */
			while (q < end && !is_html_space(*q) && *q != '>')
				q++;
			p = q;
			while (prescan_attr(&p, end, &name, &nlen, &val,
			    &vlen))
				;
			if (p == NULL)
				return NULL;
			p++;
			continue;
		}
		if (end - p >= 2 && (p[1] == '!' || p[1] == '/' ||
		    p[1] == '?')) {
			if ((p = memchr(p, '>', end - p)) == NULL)
				return NULL;
		}
		p++;
	}
	return NULL;
}

/* Bytes before the first one >= 0x80. */
static size_t
ascii_prefix(const unsigned char *s, size_t len)
{
	size_t		i = 0;
	uint64_t	w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			break;
	}
	while (i < len && s[i] < 0x80)
		i++;
	return i;
}

/*
 * 0 for pure ASCII, 1 for valid UTF-8 with other characters, -1 for
 * invalid UTF-8. A sequence cut short by the end of the input is valid:
 * the body may have been truncated by a size limit.
 */
static int
utf8_kind(const unsigned char *s, size_t len)
{
	size_t		i, n, k;
	unsigned char	c;

	if ((i = ascii_prefix(s, len)) == len)
		return 0;
	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return -1;
		for (k = 1; k <= n; k++) {
			if (i + k == len)
				return 1;
			c = s[i + k];
			if ((c & 0xc0) != 0x80)
				return -1;
			/* Overlong, surrogate and out-of-range forms. */
			if (k == 1 && ((s[i] == 0xe0 && c < 0xa0) ||
			    (s[i] == 0xed && c > 0x9f) ||
			    (s[i] == 0xf0 && c < 0x90) ||
			    (s[i] == 0xf4 && c > 0x8f)))
				return -1;
		}
		i += n + 1;
	}
	return 1;
}

/*
 * libuchardet, opened with dlopen(3) on the first page that needs a
 * guess, as systemd opens its heavy libraries: it brings libstdc++, whose
 * loading and symbol lookups cost every start of the program about 4 M
 * instructions (a fifth of it), and most runs guess no page. Each
 * process of the process engine starts anew, 200 of them at -j 200.
 * A library that cannot be opened is said once; the guess is then none.
 */
static struct {
	uchardet_t	(*new)(void);
	int		(*handle_data)(uchardet_t, const char *, size_t);
	void		(*data_end)(uchardet_t);
	const char	*(*get_charset)(uchardet_t);
	void		(*delete)(uchardet_t);
} ucd;
static pthread_once_t ucd_once = PTHREAD_ONCE_INIT;

static void
ucd_open(void)
{
	void *h;
	const char *err;

	if ((h = dlopen(UCHARDET_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err = dlerror();
		warnx_("cannot load %s (%s): pages that declare no charset"
		    " and are not UTF-8 are read as windows-1252",
		    UCHARDET_SONAME, err != NULL ? err : "unknown error");
		return;
	}
	*(void **)&ucd.handle_data = dlsym(h, "uchardet_handle_data");
	*(void **)&ucd.data_end = dlsym(h, "uchardet_data_end");
	*(void **)&ucd.get_charset = dlsym(h, "uchardet_get_charset");
	*(void **)&ucd.delete = dlsym(h, "uchardet_delete");
	if (ucd.handle_data == NULL || ucd.data_end == NULL ||
	    ucd.get_charset == NULL || ucd.delete == NULL) {
		warnx_("%s lacks a function pscrape calls", UCHARDET_SONAME);
		return;
	}
	/* Last: new set means the others are. */
	*(void **)&ucd.new = dlsym(h, "uchardet_new");
}

/*
 * An undeclared page that is not UTF-8: the reference program's bs4 asks
 * chardet (python3-bs4 recommends python3-chardet), which reads Japanese
 * pages as Shift_JIS or EUC-JP; libuchardet, a port of the same Mozilla
 * detector, guesses here. Only those two guesses are taken: for anything
 * else windows-1252 stays, as it was, which a single-byte guess of
 * chardet's would count the same (one character a byte).
 */
static const char *
charset_guess(const char *body, size_t len)
{
	uchardet_t	 ud;
	const char	*cs, *r = NULL;

	pthread_once(&ucd_once, ucd_open);
	if (ucd.new == NULL || (ud = ucd.new()) == NULL)
		return NULL;
	if (ucd.handle_data(ud, body, len < GUESS_MAX ? len : GUESS_MAX)
	    == 0) {
		ucd.data_end(ud);
		cs = ucd.get_charset(ud);
		if (cs != NULL && equal_ci(cs, strlen(cs), "shift_jis"))
			r = "shift_jis";
		else if (cs != NULL && equal_ci(cs, strlen(cs), "euc-jp"))
			r = "euc-jp";
	}
	ucd.delete(ud);
	return r;
}

const char *
charset_sniff(const char *body, size_t len, const char *content_type,
    size_t *bom)
{
	const unsigned char	*b = (const unsigned char *)body;
	const char		*cs;

	*bom = 0;
	if (len >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) {
		*bom = 3;
		return "utf-8";
	}
	if (len >= 2 && b[0] == 0xff && b[1] == 0xfe &&
	    enc_usable(E_UTF_16LE)) {
		*bom = 2;
		return "utf-16le";
	}
	if (len >= 2 && b[0] == 0xfe && b[1] == 0xff &&
	    enc_usable(E_UTF_16BE)) {
		*bom = 2;
		return "utf-16be";
	}
	if ((cs = charset_from_content_type(content_type)) != NULL)
		return cs;
	if ((cs = charset_prescan(body, len)) != NULL)
		return cs;
	/*
	 * Nothing declared. WHATWG lets a browser guess here, and Chromium's
	 * detector (like bs4) takes bytes that are valid UTF-8 for UTF-8;
	 * legacy text is almost never valid UTF-8 by accident.
	 */
	switch (utf8_kind(b, len)) {
	case 1:
		return "utf-8";
	case -1:
		if ((cs = charset_guess(body, len)) != NULL)
			return cs;
		break;
	}
	return "windows-1252";
}

static size_t
put_utf8(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = 0xc0 | (c >> 6);
		out[1] = 0x80 | (c & 0x3f);
		return 2;
	}
	out[0] = 0xe0 | (c >> 12);
	out[1] = 0x80 | ((c >> 6) & 0x3f);
	out[2] = 0x80 | (c & 0x3f);
	return 3;
}

static char *
from_cp1252(const unsigned char *in, size_t len, size_t *outlen)
{
	size_t	 i, o = 0, high = 0;
	char	*out;

	for (i = 0; i < len; i++)
		high += in[i] >> 7;
	out = xmalloc(len + 2 * high);
	for (i = 0; i < len; i++) {
		if (in[i] < 0x80)
			out[o++] = in[i];
		else if (in[i] < 0xa0)
			o += put_utf8(out + o, cp1252_c1[in[i] - 0x80]);
		else
			o += put_utf8(out + o, in[i]);
	}
	*outlen = o;
	return out;
}

/*
 * iconv sees the input at most ICONV_WINDOW bytes a call. iconv itself
 * never reads past the bad byte it stops at, but a tool that wraps it
 * (ASan's interceptor, for one) checks all of *inbytesleft on every call,
 * and a call ends at each bad byte: over the whole rest of the input, n
 * bad bytes would cost n times the input (9 MB of invalid EUC-JP took 15
 * minutes under ASan). A sequence cut by the end of a window is EINVAL
 * with the input left at its first byte: the next window starts there,
 * in the same conversion state, so the output is the same as in one call.
 */
#define ICONV_WINDOW	1024

static char *
from_iconv(const struct encoding *e, const char *in, size_t len,
    size_t *outlen)
{
	iconv_t	 cd;
	char	*out, *ip = (char *)in, *op;
	size_t	 il = len, wl, rest, ol, o = 0, cap, skip, r;
	unsigned calls = 0;
	int	 err;

	if ((cd = iconv_open("UTF-8", e->iconv)) == (iconv_t)-1)
		return from_cp1252((const unsigned char *)in, len, outlen);
	cap = len + len / 2 + 64;
	out = xmalloc(cap);
	while (il > 0) {
		/* A stop leaves the rest (extract.c drops the page). */
		if ((++calls & 255) == 0 && atomic_load_explicit(&stop_signal,
		    memory_order_relaxed) != 0)
			break;
		wl = il < ICONV_WINDOW ? il : ICONV_WINDOW;
		rest = il - wl;
		op = out + o;
		ol = cap - o;
		r = iconv(cd, &ip, &wl, &op, &ol);
		o = op - out;
		il = rest + wl;
		if (r != (size_t)-1)
			continue;
		err = errno;
		if (err == E2BIG) {
			cap *= 2;
			out = xrealloc(out, cap);
		} else if (err == EINVAL && rest > 0 && wl < ICONV_WINDOW) {
			/* Cut by the end of the window, not of the input. */
			continue;
		} else {
			/* EILSEQ: a bad sequence; EINVAL: one cut off by the
			 * end of the input. Either way one U+FFFD, and go on
			 * with the next code unit. */
			if (cap - o < 3) {
				cap *= 2;
				out = xrealloc(out, cap);
			}
			o += put_utf8(out + o, 0xfffd);
			skip = il < e->unit ? il : e->unit;
			if (err == EINVAL && rest == 0)
				skip = il;
			ip += skip;
			il -= skip;
		}
	}
	iconv_close(cd);
	*outlen = o;
	return out;
}

char *
charset_to_utf8(const char *charset, const char *in, size_t len,
    size_t *outlen)
{
	const struct encoding	*e;

	if ((e = find_encoding(charset)) == NULL)
		e = &encodings[E_WINDOWS_1252];
	if (e == &encodings[E_UTF_8])
		return NULL;
	/* In ISO-2022-JP only an escape sequence leaves ASCII. */
	if (e->ascii && ascii_prefix((const unsigned char *)in, len) == len &&
	    (e != &encodings[E_ISO_2022_JP] || memchr(in, 0x1b, len) == NULL))
		return NULL;
	if (e == &encodings[E_WINDOWS_1252])
		return from_cp1252((const unsigned char *)in, len, outlen);
	return from_iconv(e, in, len, outlen);
}

void
charset_decode(const char *body, size_t len, const char *content_type,
    struct charset_text *out)
{
	size_t	bom;

	out->charset = charset_sniff(body, len, content_type, &bom);
	body += bom;
	len -= bom;
	out->owned = charset_to_utf8(out->charset, body, len, &out->len);
	if (out->owned != NULL)
		out->data = out->owned;
	else {
		out->data = body;
		out->len = len;
	}
}
