/*
 * Textcount: what len(BeautifulSoup(page, 'html.parser').text) counts,
 * computed as bs4 4.11 and Python 3.11's html.parser (Debian's
 * 3.11.2-6+deb12u9, with the HTML5 tag rules of gh-135661) compute it, so
 * that the count is the reference program's on any page, not only on pages
 * an HTML5 parser reads the same way. gumbo's tree (extract.c) is not used
 * for it: html.parser reads the inside of textarea, title, iframe, xmp,
 * noembed and noframes as markup, knows no implied tags, and decodes
 * character references by rules of its own.
 *
 * Two layers, each a transcription of the Python it names:
 * - html.parser (html/parser.py, _markupbase.py), with bs4's
 *   convert_charrefs=False: HTMLParser.goahead() and the parse_*
 *   methods, their regular expressions written out by hand (\s is
 *   Python's Unicode whitespace; the tag patterns' space is ASCII). bs4
 *   calls feed() then close(), that is goahead(0) then goahead(1) from
 *   where the first stopped; the two
 *   differ where html.parser waits for more input, and the page is
 *   counted through both.
 * - bs4's tree builder (BeautifulSoup.endData, pushTag, popTag,
 *   _popToTag; BeautifulSoupHTMLParser's handlers): text is gathered
 *   into runs that end at every tag, comment or declaration; a run of
 *   ASCII whitespace becomes one "\n" or " " unless a <pre> or
 *   <textarea> is open; a run made inside script, style, template, rt
 *   or rp (the string containers) is left out. Only the names on bs4's
 *   stack matter, so the stack holds interned names.
 *
 * Everything is linear in the page: each search html.parser repeats from
 * a later start (the next '>', a closing quote, "-->") remembers its last
 * answer, and a tag is either passed or, cut short, ends the page.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "entities.h"
#include "scan.h"
#include "stop.h"
#include "textcount.h"
#include "xmalloc.h"

/* What bs4 does with a tag name. */
#define K_PRE		1	/* preserve_whitespace_tags */
#define K_CONTAINER	2	/* string_containers: text left out */
#define K_VOID		4	/* empty_element_tags */

struct name {
	size_t		 off, len;	/* in names.store */
	uint32_t	 open;		/* on the stack (open_tag_counter) */
	uint32_t	 closed;	/* already_closed_empty_element */
	unsigned	 kind;
};

/* A remembered search: from `from` on, the first match is at `at`. */
struct memo {
	const char	*from;
	const char	*at;		/* NULL: none */
	const char	*end;		/* the match's end */
};

struct tc {
	const char	*s;		/* the page */
	const char	*e;		/* its end */
	const char	*look;		/* where to look for a stop next */
	struct textbuf	*text;
	uint64_t	 chars;

	/* bs4's current_data: one run of text */
	bool		 have;
	bool		 allsp;		/* ASCII whitespace only so far */
	bool		 nl;
	uint64_t	 run0;		/* chars before the run */
	size_t		 tb0;		/* text length before the run */

	/* bs4's tag stack, as name ids (the root not included) */
	uint32_t	*stack;
	size_t		 depth, cap;
	unsigned	 pre;		/* open pre and textarea */
	unsigned	 quiet;		/* open string containers */

	/* interned lower-case names */
	struct name	*names;
	size_t		 nnames, namecap;
	uint32_t	*slots;		/* hash slots: id + 1, 0 empty */
	size_t		 nslots;
	struct textbuf	 store;

	/* html.parser */
	uint32_t	 cdata;		/* script/style id + 1 in CDATA mode */
	const char	*lastsemi;	/* the last ';' of the page */
	struct memo	 m_gt, m_sq, m_dq, m_comment, m_sect;
};

static void
tb_add(struct tc *t, const char *s, size_t n)
{
	if (t->text != NULL && n > 0)
		buf_add(t->text, s, n);
}

/* Python's str.isspace() (and \s): the length of the space at p, or 0. */
static size_t
py_space(const char *p, const char *e)
{
	const unsigned char	*u = (const unsigned char *)p;

	if (p >= e)
		return 0;
	if (u[0] < 0x80)
		return (u[0] >= 0x09 && u[0] <= 0x0d) ||
		    (u[0] >= 0x1c && u[0] <= 0x20);
	if (u[0] == 0xc2 && e - p >= 2)
		return u[1] == 0x85 || u[1] == 0xa0 ? 2 : 0;
	if (e - p < 3)
		return 0;
	if (u[0] == 0xe1)
		return u[1] == 0x9a && u[2] == 0x80 ? 3 : 0;
	if (u[0] == 0xe2 && u[1] == 0x80)
		return u[2] <= 0x8a || u[2] == 0xa8 || u[2] == 0xa9 ||
		    u[2] == 0xaf ? 3 : 0;
	if (u[0] == 0xe2)
		return u[1] == 0x81 && u[2] == 0x9f ? 3 : 0;
	if (u[0] == 0xe3)
		return u[1] == 0x80 && u[2] == 0x80 ? 3 : 0;
	return 0;
}

static const char *
skip_space(const char *p, const char *e)
{
	size_t	n;

	while ((n = py_space(p, e)) > 0)
		p += n;
	return p;
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

static size_t
count_cp(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* --- searches ------------------------------------------------------------ */

/*
 * The first c at or after p, remembered in m. A search from before
 * m->from only reads up to m->from.
 */
static const char *
find_char(struct memo *m, const char *p, const char *e, char c)
{
	const char	*q;

	if (m->from != NULL && p < m->from) {
		if ((q = memchr(p, c, m->from - p)) != NULL)
			m->at = q;
		m->from = p;
	} else if (m->from == NULL || (m->at != NULL && p > m->at)) {
		m->from = p;
		m->at = p < e ? memchr(p, c, e - p) : NULL;
	}
	return m->at;
}

/*
 * The first match at or after p of "--\s*>" (close == 0) or "]\s*]\s*>"
 * (close == 1); *end gets its end.
 */
static const char *
find_close(struct memo *m, const char *p, const char *e, int close,
    const char **end)
{
	const char	*q, *r;
	char		 c = close == 0 ? '-' : ']';

	if (m->from == NULL || p < m->from || (m->at != NULL && p > m->at)) {
		m->from = p;
		m->at = NULL;
		for (q = p; q < e && (q = memchr(q, c, e - q)) != NULL; q++) {
			r = q + 1;
			if (close == 0) {
				if (r == e || *r != '-')
					continue;
				r++;
			}
			r = skip_space(r, e);
			if (close == 1) {
				if (r == e || *r != ']')
					continue;
				r = skip_space(r + 1, e);
			}
			if (r < e && *r == '>') {
				m->at = q;
				m->end = r + 1;
				break;
			}
		}
	}
	*end = m->end;
	return m->at;
}

/* --- bs4's runs of text ---------------------------------------------------- */

/* handle_data() with a piece of the current run. */
static void
data(struct tc *t, const char *s, size_t len)
{
	size_t	i;

	if (t->quiet > 0 || len == 0)
		return;		/* a string container's: left out */
	if (!t->have) {
		t->have = true;
		t->allsp = true;
		t->nl = false;
		t->run0 = t->chars;
		t->tb0 = t->text != NULL ? t->text->len : 0;
	}
	if (t->allsp) {
		for (i = 0; i < len; i++) {
			if (s[i] == '\n')
				t->nl = true;
			else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\f' &&
			    s[i] != '\r') {
				t->allsp = false;
				break;
			}
		}
	}
	t->chars += count_cp(s, len);
	tb_add(t, s, len);
}

/* endData(): a run of ASCII whitespace becomes one "\n" or " ". */
static void
flush(struct tc *t)
{
	if (!t->have)
		return;
	t->have = false;
	if (t->pre > 0 || !t->allsp)
		return;
	t->chars = t->run0 + 1;
	if (t->text != NULL) {
		t->text->len = t->tb0;
		buf_addc(t->text, t->nl ? '\n' : ' ');
	}
}

/* A CDATA section: a run of its own, counted even in a container. */
static void
cdata_section(struct tc *t, const char *s, size_t len)
{
	unsigned	quiet = t->quiet;

	flush(t);
	t->quiet = 0;
	t->have = true;		/* even an empty one counts (as " ") */
	t->allsp = true;
	t->nl = false;
	t->run0 = t->chars;
	t->tb0 = t->text != NULL ? t->text->len : 0;
	data(t, s, len);
	flush(t);
	t->quiet = quiet;
}

/* --- bs4's stack of tags ------------------------------------------------- */

static const struct {
	const char	*name;
	unsigned	 kind;
} known[] = {
	{ "pre", K_PRE }, { "textarea", K_PRE },
	{ "script", K_CONTAINER }, { "style", K_CONTAINER },
	{ "template", K_CONTAINER }, { "rt", K_CONTAINER },
	{ "rp", K_CONTAINER },
	{ "area", K_VOID }, { "base", K_VOID }, { "br", K_VOID },
	{ "col", K_VOID }, { "embed", K_VOID }, { "hr", K_VOID },
	{ "img", K_VOID }, { "input", K_VOID }, { "keygen", K_VOID },
	{ "link", K_VOID }, { "menuitem", K_VOID }, { "meta", K_VOID },
	{ "param", K_VOID }, { "source", K_VOID }, { "track", K_VOID },
	{ "wbr", K_VOID }, { "basefont", K_VOID }, { "bgsound", K_VOID },
	{ "command", K_VOID }, { "frame", K_VOID }, { "image", K_VOID },
	{ "isindex", K_VOID }, { "nextid", K_VOID }, { "spacer", K_VOID },
};

static uint64_t
hash_name(const char *s, size_t n)
{
	uint64_t	h = 14695981039346656037ULL;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void
grow_slots(struct tc *t)
{
	size_t		 i, j, n = t->nslots != 0 ? 2 * t->nslots : 64;
	struct name	*nm;

	free(t->slots);
	t->slots = xcalloc(n, sizeof *t->slots);
	t->nslots = n;
	for (i = 0; i < t->nnames; i++) {
		nm = &t->names[i];
		j = hash_name(t->store.data + nm->off, nm->len) & (n - 1);
		while (t->slots[j] != 0)
			j = (j + 1) & (n - 1);
		t->slots[j] = i + 1;
	}
}

/*
 * The id of a tag name as html.parser reports it: lower-cased (str.lower()
 * turns only ASCII letters and the Kelvin sign into ASCII).
 */
static uint32_t
intern(struct tc *t, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	struct name		*nm;
	size_t			 i, off = t->store.len, n, j;
	char			*key;

	for (i = 0; i < len; i++) {
		if (u[i] == 0xe2 && i + 2 < len && u[i + 1] == 0x84 &&
		    u[i + 2] == 0xaa) {
			buf_addc(&t->store, 'k');
			i += 2;
		} else
			buf_addc(&t->store, lower(u[i]));
	}
	key = t->store.data + off;
	n = t->store.len - off;
	if (2 * (t->nnames + 1) > t->nslots)
		grow_slots(t);
	j = hash_name(key, n) & (t->nslots - 1);
	for (; t->slots[j] != 0; j = (j + 1) & (t->nslots - 1)) {
		nm = &t->names[t->slots[j] - 1];
		if (nm->len == n && memcmp(t->store.data + nm->off, key, n) ==
		    0) {
			t->store.len = off;
			return t->slots[j] - 1;
		}
	}
	if (t->nnames == t->namecap) {
		t->namecap = t->namecap != 0 ? 2 * t->namecap : 64;
		t->names = xrealloc(t->names, t->namecap * sizeof *t->names);
	}
	nm = &t->names[t->nnames];
	memset(nm, 0, sizeof *nm);
	nm->off = off;
	nm->len = n;
	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (strlen(known[i].name) == n &&
		    memcmp(known[i].name, key, n) == 0)
			nm->kind = known[i].kind;
	}
	t->slots[j] = t->nnames + 1;
	return t->nnames++;
}

static void
push(struct tc *t, uint32_t id)
{
	struct name	*nm = &t->names[id];

	if (t->depth == t->cap) {
		t->cap = t->cap != 0 ? 2 * t->cap : 64;
		t->stack = xrealloc(t->stack, t->cap * sizeof *t->stack);
	}
	t->stack[t->depth++] = id;
	nm->open++;
	t->pre += (nm->kind & K_PRE) != 0;
	t->quiet += (nm->kind & K_CONTAINER) != 0;
}

/* BeautifulSoup.handle_endtag(): endData(), then _popToTag(). */
static void
soup_endtag(struct tc *t, uint32_t id)
{
	struct name	*nm;
	uint32_t	 top;

	flush(t);
	if (t->names[id].open == 0)
		return;
	do {
		top = t->stack[--t->depth];
		nm = &t->names[top];
		nm->open--;
		t->pre -= (nm->kind & K_PRE) != 0;
		t->quiet -= (nm->kind & K_CONTAINER) != 0;
	} while (top != id);
}

/* BeautifulSoupHTMLParser.handle_endtag(check_already_closed=True). */
static void
endtag(struct tc *t, uint32_t id)
{
	if (t->names[id].closed > 0)
		t->names[id].closed--;
	else
		soup_endtag(t, id);
}

/* handle_starttag(), or handle_startendtag() for "<x/>". */
static void
starttag(struct tc *t, uint32_t id, bool selfclose)
{
	flush(t);
	push(t, id);
	if (selfclose)
		endtag(t, id);
	else if (t->names[id].kind & K_VOID) {
		soup_endtag(t, id);
		t->names[id].closed++;
	}
}

/* --- html.parser: references ---------------------------------------------- */

static void
add_cp(struct tc *t, uint32_t c)
{
	char	u[4];
	size_t	n;

	if (c >= 0xd800 && c <= 0xdfff)
		c = 0xfffd;	/* a lone surrogate: one character all the same */
	if (c < 0x80) {
		u[0] = c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = 0xc0 | c >> 6;
		u[1] = 0x80 | (c & 0x3f);
		n = 2;
	} else if (c < 0x10000) {
		u[0] = 0xe0 | c >> 12;
		u[1] = 0x80 | (c >> 6 & 0x3f);
		u[2] = 0x80 | (c & 0x3f);
		n = 3;
	} else {
		u[0] = 0xf0 | c >> 18;
		u[1] = 0x80 | (c >> 12 & 0x3f);
		u[2] = 0x80 | (c >> 6 & 0x3f);
		u[3] = 0x80 | (c & 0x3f);
		n = 4;
	}
	data(t, u, n);
}

/* windows-1252's 0x80..0x9f; 0 where it leaves a byte undefined. */
static const uint16_t cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

/*
 * charref "&#(?:[0-9]+|[xX][0-9a-fA-F]+)[^0-9a-fA-F]" at p, then bs4's
 * handle_charref(): below 256 the byte in windows-1252 (bs4 tries the
 * document's encoding first, which changes the character but not the
 * count), past U+10FFFF U+FFFD. Returns where parsing goes on, or NULL.
 */
static const char *
charref(struct tc *t, const char *p)
{
	const char	*q = p + 2, *e = t->e, *d;
	uint32_t	 v = 0;
	bool		 hex;

	hex = q < e && (*q == 'x' || *q == 'X');
	d = q += hex;
	while (q < e && (hex ? hexval(*q) >= 0 : is_digit(*q))) {
		if (v <= 0x10ffff)
			v = v * (hex ? 16 : 10) + hexval(*q);
		q++;
	}
	if (q == d || q == e || hexval(*q) >= 0)
		return NULL;
	if (v > 0x10ffff)
		v = 0xfffd;
	else if (v >= 0x80 && v < 0xa0 && cp1252[v - 0x80] != 0)
		v = cp1252[v - 0x80];
	add_cp(t, v);
	return *q == ';' ? q + 1 : q;
}

static int
entity_cmp(const char *s, size_t n, const char *name)
{
	int	c = strncmp(s, name, n);

	return c != 0 ? c : name[n] != '\0' ? -1 : 0;
}

/*
 * entityref "&([a-zA-Z][-.a-zA-Z0-9]*)[^a-zA-Z0-9]" at p, then bs4's
 * handle_entityref(): the name looked up as it is, else "&" and the
 * name as text. A ';' after the name is consumed either way. Returns
 * where parsing goes on, or NULL.
 */
static const char *
entityref(struct tc *t, const char *p)
{
	const char	*n = p + 1, *q, *e = t->e;
	size_t		 lo = 0, hi = sizeof entities / sizeof entities[0], mid;
	int		 c;

	if (n == e || !is_alpha(*n))
		return NULL;
	for (q = n + 1; q < e && (is_alnum(*q) || *q == '-' || *q == '.'); q++)
		;
	if (q == e) {
		/* The regex backs off to the last '-' or '.' of the name. */
		while (--q > n && *q != '-' && *q != '.')
			;
		if (q == n)
			return NULL;
	}
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = entity_cmp(n, q - n, entities[mid].name)) == 0)
			break;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo < hi)
		data(t, entities[mid].utf8, strlen(entities[mid].utf8));
	else
		data(t, p, q - p);
	return *q == ';' ? q + 1 : q;
}

/* --- html.parser: tags ------------------------------------------------------ */

/*
 * The tag patterns (tagfind_tolerant, attrfind_tolerant, locatetagend)
 * are those of gh-135661, in Debian's Python 3.11.2-6+deb12u9: their
 * space is [\t\n\r\f ], ASCII without \v, and a NUL is part of a name.
 */
static bool
is_tsp(unsigned char c)
{
	return c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == ' ';
}

/* tagfind_tolerant's name: [a-zA-Z][^\t\n\r\f />]* */
static const char *
tag_name_end(const char *p, const char *e)
{
	for (p++; p < e && !is_tsp(*p) && *p != '/' && *p != '>'; p++)
		;
	return p;
}

/* [\t\n\r\f ]* (slash false) or [\t\n\r\f /]* (slash true) */
static const char *
skip_tsp(const char *p, const char *e, bool slash)
{
	while (p < e && (is_tsp(*p) || (slash && *p == '/')))
		p++;
	return p;
}

/* attrfind_tolerant's tail: (?:[\t\n\r\f ]|/(?!>))* */
static const char *
skip_sep(const char *p, const char *e)
{
	for (;;) {
		if (p < e && is_tsp(*p))
			p++;
		else if (p < e && *p == '/' && (p + 1 == e || p[1] != '>'))
			p++;
		else
			return p;
	}
}

/* A quoted or bare value (the three alternatives) at p, or NULL. */
static const char *
attr_value(struct tc *t, const char *p)
{
	const char	*e = t->e, *q;

	if (p < e && (*p == '\'' || *p == '"')) {
		q = find_char(*p == '\'' ? &t->m_sq : &t->m_dq, p + 1, e, *p);
		return q != NULL ? q + 1 : NULL;
	}
	while (p < e && *p != '>' && !is_tsp(*p))
		p++;
	return p;
}

/*
 * An attribute at p, what follows it left out:
 * (?<=['"\t\n\r\f /])[^\t\n\r\f />][^\t\n\r\f /=>]*
 * ([\t\n\r\f ]*=[\t\n\r\f ]*(VALUE))?, with the backtracking the regex
 * does when a quote is not closed. Returns its end, or NULL when none
 * starts at p (p is never a tag's first character).
 */
static const char *
attr(struct tc *t, const char *p)
{
	const char	*e = t->e, *a, *b, *v;

	if (p >= e || is_tsp(*p) || *p == '/' || *p == '>' ||
	    (p[-1] != '\'' && p[-1] != '"' && p[-1] != '/' && !is_tsp(p[-1])))
		return NULL;
	for (p++; p < e && !is_tsp(*p) && *p != '/' && *p != '=' && *p != '>';
	    p++)
		;
	a = skip_tsp(p, e, false);
	if (a < e && *a == '=') {
		b = skip_tsp(a + 1, e, false);
		if ((v = attr_value(t, b)) != NULL)
			return v;
		if (b > a + 1)
			return b - 1;	/* a space given back: an empty value */
	}
	return p;
}

/*
 * locatetagend from p (the name's letter), as check_for_whole_start_tag()
 * and parse_endtag() use it: the end of the tag, or NULL when the match
 * does not end in '>' (-1, "incomplete": a tag cut by the end of the
 * page, or an attribute such as a="x with no closing quote, which stops
 * the match at its '=').
 */
static const char *
tag_end(struct tc *t, const char *p)
{
	const char	*e = t->e, *r;

	p = skip_tsp(tag_name_end(p, e), e, true);
	while ((r = attr(t, p)) != NULL)
		p = skip_tsp(r, e, true);
	return p < e && *p == '>' ? p + 1 : NULL;
}

/*
 * parse_starttag() at p ('<' and a letter): check_for_whole_start_tag(),
 * then the tag, or its text when what is left is not ">" or "/>".
 * Returns the end, or NULL for "incomplete" (-1).
 */
static const char *
parse_starttag(struct tc *t, const char *p)
{
	const char	*e = t->e, *end, *name, *nend, *k, *r, *s, *se;
	uint32_t	 id;
	size_t		 n;

	if ((end = tag_end(t, p + 1)) == NULL)
		return NULL;
	name = p + 1;
	nend = tag_name_end(name, e);
	for (k = skip_sep(nend, e); k < end && (r = attr(t, k)) != NULL;)
		k = skip_sep(r, e);
	/* rawdata[k:endpos].strip() in (">", "/>") */
	s = k;
	se = end;
	if (s < se) {
		s = skip_space(s, se);
		while (se > s) {
			if ((n = py_space(se - 1, se)) > 0 ||
			    (se - s >= 2 && (n = py_space(se - 2, se)) == 2) ||
			    (se - s >= 3 && (n = py_space(se - 3, se)) == 3))
				se -= n;
			else
				break;
		}
	}
	if (s > se || !((se - s == 1 && *s == '>') ||
	    (se - s == 2 && s[0] == '/' && s[1] == '>'))) {
		data(t, p, end - p);
		return end;
	}
	id = intern(t, name, nend - name);
	if (se - s == 2)
		starttag(t, id, true);
	else {
		starttag(t, id, false);
		if ((nend - name == 6 && equal_ci(name, 6, "script")) ||
		    (nend - name == 5 && equal_ci(name, 5, "style")))
			t->cdata = id + 1;
	}
	return end;
}

/* Whether n bytes at a and b are equal, ASCII case ignored. */
static bool
same_ci(const char *a, const char *b, size_t n)
{
	while (n-- > 0) {
		if (lower(*a++) != lower(*b++))
			return false;
	}
	return true;
}

/*
 * Where CDATA mode's "</name(?=[\t\n\r\f />])" (ASCII, any case) matches
 * at or after p, or NULL.
 */
static const char *
cdata_end(struct tc *t, const char *p)
{
	const struct name	*nm = &t->names[t->cdata - 1];
	const char		*e = t->e, *q;
	unsigned char		 c;

	for (; (q = memchr(p, '<', e - p)) != NULL; p = q + 1) {
		if ((size_t)(e - q) < nm->len + 3 || q[1] != '/' ||
		    !same_ci(q + 2, t->store.data + nm->off, nm->len))
			continue;
		c = q[2 + nm->len];
		if (is_tsp(c) || c == '/' || c == '>')
			return q;
	}
	return NULL;
}

/* parse_endtag() at p ("</"). */
static const char *
parse_endtag(struct tc *t, const char *p)
{
	const char	*e = t->e, *gt, *end, *n;

	if ((gt = find_char(&t->m_gt, p + 2, e, '>')) == NULL)
		return NULL;
	n = p + 2;
	if (!is_alpha(*n)) {
		if (*n == '>')
			return p + 3;	/* "</>": nothing at all */
		flush(t);		/* a bogus comment */
		return gt + 1;
	}
	if ((end = tag_end(t, n)) == NULL)
		return NULL;
	endtag(t, intern(t, n, tag_name_end(n, e) - n));
	t->cdata = 0;
	return end;
}

/*
 * parse_html_declaration() at p ("<!", not "<!--"): since deb12u9 only
 * "<![CDATA[" opens a marked section; any other "<![" is a bogus comment,
 * where html.parser used to raise on some.
 */
static const char *
parse_declaration(struct tc *t, const char *p)
{
	const char	*e = t->e, *q, *m, *mend;

	if (e - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
		/* _scan_name() waits for what follows "CDATA" */
		if ((m = find_close(&t->m_sect, p + 3, e, 1, &mend)) == NULL)
			return NULL;
		flush(t);
		cdata_section(t, p + 9, m - (p + 9));
		return mend;
	} else if (e - p >= 9 && equal_ci(p, 9, "<!doctype")) {
		if ((q = find_char(&t->m_gt, p + 9, e, '>')) == NULL)
			return NULL;
		flush(t);
		return q + 1;
	}
	if ((q = find_char(&t->m_gt, p + 2, e, '>')) == NULL)
		return NULL;
	flush(t);
	return q + 1;
}

/*
 * goahead(1) at a construct that the page ends inside (deb12u8's
 * handling, gh-135661): a start tag or an end tag that begins with a
 * letter is dropped; "</" as the page's last two characters is text; an
 * unclosed "<![CDATA[" is a CDATA section to the end; a comment, bogus
 * comment, doctype or processing instruction runs to the end. The rest of
 * the page is consumed either way.
 */
static const char *
unclosed(struct tc *t, const char *i)
{
	const char	*e = t->e;

	if (is_alpha(i[1]))
		;
	else if (i[1] == '/') {
		if (i + 2 == e)
			data(t, i, 2);
		else if (!is_alpha(i[2]))
			flush(t);
	} else if (e - i >= 9 && memcmp(i, "<![CDATA[", 9) == 0)
		cdata_section(t, i + 9, e - (i + 9));
	else
		flush(t);
	return e;
}

/* --- html.parser: goahead() ------------------------------------------------ */

#define STOP_LOOK	(64 * 1024)

static const char *
goahead(struct tc *t, const char *i, bool end)
{
	const char	*e = t->e, *j, *k, *mend;

	while (i < e) {
		/*
		 * Every STOP_LOOK bytes, whether a stop signal came: then
		 * the rest is left (the caller sees stop_signal and drops
		 * the count), so that a stop is prompt on a page of any
		 * size.
		 */
		if (i >= t->look) {
			if (atomic_load_explicit(&stop_signal,
			    memory_order_relaxed) != 0)
				return e;
			t->look = i + STOP_LOOK;
		}
		if (t->cdata != 0) {
			if ((j = cdata_end(t, i)) == NULL)
				break;
		} else
			for (j = i; j < e && *j != '<' && *j != '&'; j++)
				;
		if (i < j)
			data(t, i, j - i);
		if ((i = j) == e)
			break;
		if (*i == '<') {
			if (i + 1 < e && is_alpha(i[1]))
				k = parse_starttag(t, i);
			else if (i + 1 < e && i[1] == '/')
				k = parse_endtag(t, i);
			else if (e - i >= 4 && memcmp(i, "<!--", 4) == 0) {
				k = find_close(&t->m_comment, i + 4, e, 0,
				    &mend);
				if (k != NULL) {
					flush(t);
					k = mend;
				}
			} else if (i + 1 < e && i[1] == '?') {
				k = find_char(&t->m_gt, i + 2, e, '>');
				if (k != NULL) {
					flush(t);
					k++;
				}
			} else if (i + 1 < e && i[1] == '!')
				k = parse_declaration(t, i);
			else if (i + 1 < e) {
				data(t, i, 1);
				k = i + 1;
			} else
				break;
			if (k == NULL) {
				if (!end)
					break;
				k = unclosed(t, i);
			}
			i = k;
		} else if (i + 1 < e && i[1] == '#') {
			if ((k = charref(t, i)) != NULL) {
				i = k;
				continue;
			}
			if (t->lastsemi != NULL && t->lastsemi >= i) {
				data(t, i, 2);	/* "bail by consuming &#" */
				i += 2;
			}
			break;
		} else {
			if ((k = entityref(t, i)) != NULL) {
				i = k;
				continue;
			}
			if (i + 1 < e && is_alpha(i[1])) {
				/* incomplete: "&x" as the last two characters
				 * loses its '&' */
				if (end && e - i == 2)
					i++;
				break;
			}
			if (i + 1 == e)
				break;
			data(t, i, 1);
			i++;
		}
	}
	if (end && i < e && t->cdata == 0) {
		data(t, i, e - i);
		i = e;
	}
	return i;
}

/* --- the interface --------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at p, or 0. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *e, size_t *bad)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, k;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else {
		*bad = 1;
		return 0;
	}
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	for (k = 1; k < n; k++) {
		if (p + k >= e || p[k] < lo || p[k] > hi) {
			*bad = k;	/* the maximal subpart: one U+FFFD */
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

/* A copy with each bad sequence made U+FFFD, or NULL when all is valid. */
static char *
repair_utf8(const char *s, size_t len, size_t *outlen)
{
	const unsigned char	*p = (const unsigned char *)s, *e = p + len;
	struct textbuf		 b = { NULL, 0, 0 };
	size_t			 n, bad;

	while (p < e) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((n = utf8_len(p, e, &bad)) > 0) {
			p += n;
			continue;
		}
		if (b.data == NULL)
			buf_add(&b, s, (const char *)p - s);
		break;
	}
	if (p == e)
		return NULL;
	while (p < e) {
		if ((n = utf8_len(p, e, &bad)) > 0) {
			buf_add(&b, p, n);
			p += n;
		} else {
			buf_add(&b, "\xef\xbf\xbd", 3);
			p += bad;
		}
	}
	*outlen = b.len;
	return b.data;
}

uint64_t
textcount(const char *html, size_t len, struct textbuf *text)
{
	struct tc	 t;
	char		*fixed;
	const char	*p, *q;

	if ((fixed = repair_utf8(html, len, &len)) != NULL)
		html = fixed;
	memset(&t, 0, sizeof t);
	t.s = html;
	t.e = html + len;
	t.text = text;
	for (q = html; (p = memchr(q, ';', t.e - q)) != NULL; q = p + 1)
		t.lastsemi = p;
	/* feed(), then close() */
	p = goahead(&t, html, false);
	goahead(&t, p, true);
	flush(&t);
	free(t.stack);
	free(t.names);
	free(t.slots);
	free(t.store.data);
	free(fixed);
	return t.chars;
}
