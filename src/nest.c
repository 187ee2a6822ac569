/*
 * Nest: the defence against hostile pages, run before gumbo parses.
 *
 * A few traps in gumbo 0.10.1 let a small page cost gumbo seconds of
 * work (doc/NOTES.md, "gumbo 0.10.1"), and it has no limit to set:
 * - Its tree construction is quadratic in the depth of the stack of open
 *   elements: most start and end tags walk the stack ("has an element in
 *   scope", "any other end tag"). 100,000 nested <div> (600 KB of HTML)
 *   take 14 s, 30,000 nested <blockquote> 1 s. Browsers cap the depth
 *   (Chromium flattens past 512); gumbo has no max_tree_depth.
 * - Tags need not nest deeply to cost as much: many tags that each walk
 *   a stack a few hundred deep add up the same way.
 * - It checks each attribute of a tag against all before it.
 * - It reopens the formatting elements a tag closed implicitly, cloning
 *   them, so a page can make it build many elements per byte.
 *
 * So before parsing, a linear scan runs a model of gumbo's tree
 * construction (the stack of open elements, the list of active formatting
 * elements, the insertion modes that matter, the adoption agency
 * algorithm), following the rules of the installed gumbo 0.10.1 (checked
 * against it tag by tag; it differs from the HTML standard in places),
 * and counts the work gumbo will do. The model must never be shallower
 * than gumbo's stack. Where it is unsure it keeps elements open, but it
 * may not simply skip a pop gumbo does either: an element left open too
 * long lets a later end tag close what gumbo keeps.
 *
 * When the model grows deeper than NEST_CAP, or its walks add up to more
 * work than the page size warrants, a second scan writes a copy of the
 * page in which start tags beyond the cap, the end tags that match them
 * and end tags that close nothing are left out; every other byte is kept,
 * so the text is the same. That scan models the copy itself (its stack
 * holds the kept elements only), which bounds gumbo's stack on the copy.
 * A removed tag that stood between two runs of text becomes "<!>", an
 * empty comment, so that the runs do not merge (bs4 counts a run of
 * whitespace as one character). The copy also cuts tags to TOK_ATTR_CAP
 * attributes and, past a budget of clones, closes formatting elements
 * with an end tag instead of letting gumbo reopen them.
 *
 * Tags and comments are read as gumbo's tokenizer reads them by
 * tokenize.c, which extract.c shares.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gumbo.h>

#include "buf.h"
#include "nest.h"
#include "scan.h"
#include "tokenize.h"
#include "xmalloc.h"

/* Chromium flattens the tree past this depth; so do we. */
#define NEST_CAP	512

/*
 * The model counts the work gumbo's tree construction will do, in units
 * of about a nanosecond: W_SCOPE per element a scope check looks at,
 * W_SPECIAL where the check also asks whether the element is "special"
 * (a list of 80 tags), W_POP per element popped, W_CLONE per element
 * reopened, and per character of text half the stack index of the newest
 * formatting element (gumbo looks for it in the stack before each
 * character).
 * A page may cost WORK_BASE plus WORK_PER_BYTE a byte (gumbo itself takes
 * about 40 ns a byte) before it is flattened harder than NEST_CAP.
 */
#define W_SCOPE		4
#define W_SPECIAL	8
#define W_POP		8
#define W_CLONE		200
#define WORK_BASE	(16u << 20)
#define WORK_PER_BYTE	64

/*
 * gumbo reopens ("reconstructs") the formatting elements that a tag
 * closed implicitly, inside the next element: <p><b>x</p><p>y gives a
 * second <b>. Each reopening clones the element, so a page can make
 * gumbo build many elements per byte. Past this many clones the copy
 * closes such elements with an end tag instead.
 */
#define CLONE_BASE	4096
#define CLONE_DIV	32

/* What a tag is to the tree builder, by GumboTag (HTML elements). */
#define T_VOID		0x0001	/* never stays open */
#define T_RAW		0x0002	/* text up to its end tag */
#define T_SPECIAL	0x0004	/* gumbo's "special" category */
#define T_SCOPE		0x0008	/* bounds "has an element in scope" */
#define T_CLOSEP	0x0010	/* its start tag closes an open <p> */
#define T_FMT		0x0020	/* goes on the active formatting list */
#define T_MARKER	0x0040	/* puts a marker on that list */
#define T_TPART		0x0080	/* caption, colgroup, col, tbody, ..., td */
#define T_BREAKOUT	0x0100	/* leaves SVG and MathML content */
#define T_HEADING	0x0200
#define T_SCOPEEND	0x0400	/* end tag closes it if in scope */
#define T_IGNORE	0x0800	/* html, head, body: never nest in body */
#define T_PRE		0x1000	/* whitespace inside counts as is */
#define T_NOTEXT	0x2000	/* text inside does not count */
#define T_PLAIN		0x4000	/* plaintext: the rest is text */
#define T_NORECON	0x8000	/* inserted without reopening formatting */

#define S_BLOCK		(T_SPECIAL | T_CLOSEP | T_SCOPEEND | T_NORECON)
#define S_HEAD		(T_VOID | T_SPECIAL | T_NORECON)

static const uint16_t tagprops[GUMBO_TAG_LAST + 1] = {
	[GUMBO_TAG_HTML] =	T_IGNORE | T_SPECIAL | T_SCOPE,
	[GUMBO_TAG_HEAD] =	T_IGNORE | T_SPECIAL | T_BREAKOUT,
	[GUMBO_TAG_BODY] =	T_IGNORE | T_SPECIAL | T_BREAKOUT,
	[GUMBO_TAG_TITLE] =	T_RAW | T_SPECIAL | T_NORECON,
	[GUMBO_TAG_BASE] =	S_HEAD,
	[GUMBO_TAG_LINK] =	S_HEAD,
	[GUMBO_TAG_META] =	S_HEAD | T_BREAKOUT,
	[GUMBO_TAG_STYLE] =	T_RAW | T_SPECIAL | T_NOTEXT | T_NORECON,
	[GUMBO_TAG_SCRIPT] =	T_RAW | T_SPECIAL | T_NOTEXT | T_NORECON,
	[GUMBO_TAG_NOSCRIPT] =	T_SPECIAL,
	[GUMBO_TAG_TEMPLATE] =	T_SPECIAL | T_SCOPE | T_MARKER | T_NOTEXT |
				T_NORECON,
	[GUMBO_TAG_ARTICLE] =	S_BLOCK,
	[GUMBO_TAG_SECTION] =	S_BLOCK,
	[GUMBO_TAG_NAV] =	S_BLOCK,
	[GUMBO_TAG_ASIDE] =	S_BLOCK,
	[GUMBO_TAG_H1] =	S_BLOCK | T_HEADING | T_BREAKOUT,
	[GUMBO_TAG_H2] =	S_BLOCK | T_HEADING | T_BREAKOUT,
	[GUMBO_TAG_H3] =	S_BLOCK | T_HEADING | T_BREAKOUT,
	[GUMBO_TAG_H4] =	S_BLOCK | T_HEADING | T_BREAKOUT,
	[GUMBO_TAG_H5] =	S_BLOCK | T_HEADING | T_BREAKOUT,
	[GUMBO_TAG_H6] =	S_BLOCK | T_HEADING | T_BREAKOUT,
	[GUMBO_TAG_HGROUP] =	S_BLOCK,
	[GUMBO_TAG_HEADER] =	S_BLOCK,
	[GUMBO_TAG_FOOTER] =	S_BLOCK,
	[GUMBO_TAG_ADDRESS] =	S_BLOCK,
	[GUMBO_TAG_P] =		S_BLOCK | T_BREAKOUT,
	[GUMBO_TAG_HR] =	T_VOID | T_SPECIAL | T_BREAKOUT | T_NORECON,
	[GUMBO_TAG_PRE] =	S_BLOCK | T_PRE | T_BREAKOUT,
	[GUMBO_TAG_BLOCKQUOTE] = S_BLOCK | T_BREAKOUT,
	[GUMBO_TAG_OL] =	S_BLOCK | T_BREAKOUT,
	[GUMBO_TAG_UL] =	S_BLOCK | T_BREAKOUT,
	[GUMBO_TAG_LI] =	T_SPECIAL | T_BREAKOUT | T_NORECON,
	[GUMBO_TAG_DL] =	S_BLOCK | T_BREAKOUT,
	[GUMBO_TAG_DT] =	T_SPECIAL | T_BREAKOUT | T_NORECON,
	[GUMBO_TAG_DD] =	T_SPECIAL | T_BREAKOUT | T_NORECON,
	[GUMBO_TAG_FIGURE] =	S_BLOCK,
	[GUMBO_TAG_FIGCAPTION] = S_BLOCK,
	[GUMBO_TAG_MAIN] =	T_CLOSEP | T_SCOPEEND | T_NORECON,
	[GUMBO_TAG_DIV] =	S_BLOCK | T_BREAKOUT,
	[GUMBO_TAG_A] =		T_FMT,
	[GUMBO_TAG_EM] =	T_FMT | T_BREAKOUT,
	[GUMBO_TAG_STRONG] =	T_FMT | T_BREAKOUT,
	[GUMBO_TAG_SMALL] =	T_FMT | T_BREAKOUT,
	[GUMBO_TAG_S] =		T_FMT | T_BREAKOUT,
	[GUMBO_TAG_CODE] =	T_FMT | T_BREAKOUT,
	[GUMBO_TAG_VAR] =	T_BREAKOUT,
	[GUMBO_TAG_SUB] =	T_BREAKOUT,
	[GUMBO_TAG_SUP] =	T_BREAKOUT,
	[GUMBO_TAG_I] =		T_FMT | T_BREAKOUT,
	[GUMBO_TAG_B] =		T_FMT | T_BREAKOUT,
	[GUMBO_TAG_U] =		T_FMT | T_BREAKOUT,
	[GUMBO_TAG_RUBY] =	T_BREAKOUT,
	[GUMBO_TAG_RT] =	T_NOTEXT | T_NORECON,
	[GUMBO_TAG_RP] =	T_NOTEXT | T_NORECON,
	[GUMBO_TAG_RB] =	T_NORECON,
	[GUMBO_TAG_RTC] =	T_NORECON,
	[GUMBO_TAG_SPAN] =	T_BREAKOUT,
	[GUMBO_TAG_BR] =	T_VOID | T_SPECIAL | T_BREAKOUT,
	[GUMBO_TAG_WBR] =	T_VOID | T_SPECIAL,
	[GUMBO_TAG_IMAGE] =	T_VOID,
	[GUMBO_TAG_IMG] =	T_VOID | T_SPECIAL | T_BREAKOUT,
	[GUMBO_TAG_IFRAME] =	T_RAW | T_SPECIAL | T_NORECON,
	[GUMBO_TAG_EMBED] =	T_VOID | T_SPECIAL | T_BREAKOUT,
	[GUMBO_TAG_OBJECT] =	T_SPECIAL | T_SCOPE | T_MARKER,
	[GUMBO_TAG_PARAM] =	S_HEAD,
	[GUMBO_TAG_SOURCE] =	T_VOID | T_NORECON,
	[GUMBO_TAG_TRACK] =	T_VOID | T_NORECON,
	[GUMBO_TAG_AREA] =	T_VOID | T_SPECIAL,
	[GUMBO_TAG_TABLE] =	T_SPECIAL | T_SCOPE | T_BREAKOUT | T_NORECON,
	[GUMBO_TAG_CAPTION] =	T_SPECIAL | T_SCOPE | T_MARKER | T_TPART,
	[GUMBO_TAG_COLGROUP] =	T_SPECIAL | T_TPART,
	[GUMBO_TAG_COL] =	T_VOID | T_SPECIAL | T_TPART,
	[GUMBO_TAG_TBODY] =	T_SPECIAL | T_TPART,
	[GUMBO_TAG_THEAD] =	T_SPECIAL | T_TPART,
	[GUMBO_TAG_TFOOT] =	T_SPECIAL | T_TPART,
	[GUMBO_TAG_TR] =	T_SPECIAL | T_TPART,
	[GUMBO_TAG_TD] =	T_SPECIAL | T_SCOPE | T_MARKER | T_TPART,
	[GUMBO_TAG_TH] =	T_SPECIAL | T_SCOPE | T_MARKER | T_TPART,
	[GUMBO_TAG_FORM] =	T_SPECIAL | T_NORECON,
	[GUMBO_TAG_FIELDSET] =	S_BLOCK,
	[GUMBO_TAG_INPUT] =	T_VOID | T_SPECIAL,
	[GUMBO_TAG_BUTTON] =	T_SPECIAL | T_SCOPEEND,
	[GUMBO_TAG_SELECT] =	T_SPECIAL,
	[GUMBO_TAG_TEXTAREA] =	T_RAW | T_SPECIAL | T_PRE | T_NORECON,
	[GUMBO_TAG_KEYGEN] =	T_VOID,
	[GUMBO_TAG_DETAILS] =	S_BLOCK,
	[GUMBO_TAG_SUMMARY] =	S_BLOCK,
	[GUMBO_TAG_MENU] =	S_BLOCK | T_BREAKOUT,
	[GUMBO_TAG_MENUITEM] =	S_HEAD,
	[GUMBO_TAG_APPLET] =	T_SPECIAL | T_SCOPE | T_MARKER,
	[GUMBO_TAG_BGSOUND] =	S_HEAD,
	[GUMBO_TAG_DIR] =	S_BLOCK,
	[GUMBO_TAG_FRAME] =	S_HEAD,
	[GUMBO_TAG_FRAMESET] =	S_HEAD,	/* see the note on frameset */
	[GUMBO_TAG_NOFRAMES] =	T_RAW | T_SPECIAL | T_NORECON,
	[GUMBO_TAG_ISINDEX] =	S_HEAD,
	[GUMBO_TAG_LISTING] =	S_BLOCK | T_PRE | T_BREAKOUT,
	[GUMBO_TAG_XMP] =	T_RAW | T_SPECIAL,
	[GUMBO_TAG_NOEMBED] =	T_RAW | T_SPECIAL | T_NORECON,
	[GUMBO_TAG_PLAINTEXT] =	T_PLAIN | T_SPECIAL | T_NORECON,
	[GUMBO_TAG_STRIKE] =	T_FMT | T_BREAKOUT,
	[GUMBO_TAG_BASEFONT] =	S_HEAD,
	[GUMBO_TAG_BIG] =	T_FMT | T_BREAKOUT,
	[GUMBO_TAG_CENTER] =	S_BLOCK | T_BREAKOUT,
	[GUMBO_TAG_FONT] =	T_FMT,
	[GUMBO_TAG_MARQUEE] =	T_SPECIAL | T_SCOPE | T_MARKER,
	[GUMBO_TAG_NOBR] =	T_FMT | T_BREAKOUT,
	[GUMBO_TAG_TT] =	T_FMT | T_BREAKOUT,
};

/*
 * A note on frameset: in body gumbo ignores <frameset> unless nothing has
 * been seen yet, and inside a frameset it ignores everything but
 * framesets, which never make it walk the stack. Not counting them keeps
 * "</frameset>" from closing what gumbo keeps open.
 */

/*
 * An open element of the model, or a formatting element that was closed
 * but is still on gumbo's list of active formatting elements. That list
 * is not kept as such: its entries are the E_INLIST elements of the stack
 * and the closed ones, ordered by seq; its markers (pushed by cells,
 * captions, objects and templates) are a count, as only the newest one
 * matters; mk is that count when the entry was listed.
 */
struct ent {
	uint32_t	key;	/* GumboTag, or a name hash for unknown tags */
	uint32_t	ahash;	/* attributes, for formatting elements */
	uint32_t	seq;	/* order on the formatting list */
	uint32_t	mk;	/* list markers before it */
	uint16_t	props;	/* tagprops[] of an HTML element */
	uint8_t		flags;
};

#define E_FOREIGN	0x01	/* SVG or MathML */
#define E_SVG		0x02	/* SVG rather than MathML */
#define E_HTMLINT	0x04	/* HTML integration point */
#define E_MTEXT		0x08	/* MathML text integration point */
#define E_BOUND		0x10	/* foreign, but special and a scope bound */
#define E_ANNOT		0x20	/* MathML annotation-xml */
#define E_INLIST	0x40	/* on the list of active formatting elements */

struct nest {
	const char	*buf;
	const char	*end;
	struct ent	*st;		/* the stack of open elements */
	size_t		 n;
	size_t		 stcap;
	struct ent	*surv;		/* closed but listed formatting */
	size_t		 nsurv;
	size_t		 survcap;
	uint32_t	*count;		/* open HTML elements by GumboTag */
	size_t		 npre;		/* open T_PRE elements */
	size_t		 nnotext;	/* open T_NOTEXT elements */
	size_t		 nlisted;	/* open E_INLIST elements */
	uint32_t	 markers;	/* markers on the formatting list */
	uint32_t	 seq;
	bool		 formptr;	/* gumbo's form element pointer is set */
	bool		 quirks;
	bool		 started;	/* past the doctype's place */
	size_t		 maxdepth;
	uint64_t	 pops;		/* elements popped so far */
	uint64_t	 tokpops;	/* pops before the current tag */
	int		 tokopen;	/* 0 undecided, 1 kept, -1 left out */
	const struct tok *tok;		/* the current start tag */
	uint64_t	 work;
	uint64_t	 budget;
	uint64_t	 clones;
	uint64_t	 clonebudget;
	bool		 overattr;	/* a tag with too many attributes */
	bool		 stop;

	/* Rewriting: the copy and what has been left out of it. */
	bool		 rewrite;
	size_t		 limit;
	struct textbuf	 out;
	const char	*copied;	/* input up to here is handled */
	const char	*mark;		/* the end of the last markup */
	const char	*pre_end;	/* the end of the last <pre> tag */
	bool		 sep_due;	/* text came before a tag left out */
	bool		 sep_solid;	/* ... and it was solid() */
	uint32_t	 dropped[256];	/* removed start tags by key */
};

enum act { A_KEEP, A_DROP, A_RAW, A_REST, A_AGAIN };

/* gumbo's insertion modes, as far as the model needs them. */
enum mode { M_BODY, M_TABLE, M_TBODY, M_ROW, M_CELL, M_CAPTION, M_COLGROUP };

/* --- the doctype --------------------------------------------------------- */

/*
 * gumbo's quirks mode, which decides whether <table> closes an open <p>.
 * Its quirks lists are compared to the whole identifier, case ignored
 * (the spec means prefixes; gumbo 0.10.1 does not), so few doctypes match.
 */
static const char *const quirks_public[] = {
	"+//Silmaril//dtd html Pro v0r11 19970101//",
	"-//AdvaSoft Ltd//DTD HTML 3.0 asWedit + extensions//",
	"-//AS//DTD HTML 3.0 asWedit + extensions//",
	"-//IETF//DTD HTML 2.0 Level 1//",
	"-//IETF//DTD HTML 2.0 Level 2//",
	"-//IETF//DTD HTML 2.0 Strict Level 1//",
	"-//IETF//DTD HTML 2.0 Strict Level 2//",
	"-//IETF//DTD HTML 2.0 Strict//",
	"-//IETF//DTD HTML 2.0//",
	"-//IETF//DTD HTML 2.1E//",
	"-//IETF//DTD HTML 3.0//",
	"-//IETF//DTD HTML 3.2 Final//",
	"-//IETF//DTD HTML 3.2//",
	"-//IETF//DTD HTML 3//",
	"-//IETF//DTD HTML Level 0//",
	"-//IETF//DTD HTML Level 1//",
	"-//IETF//DTD HTML Level 2//",
	"-//IETF//DTD HTML Level 3//",
	"-//IETF//DTD HTML Strict Level 0//",
	"-//IETF//DTD HTML Strict Level 1//",
	"-//IETF//DTD HTML Strict Level 2//",
	"-//IETF//DTD HTML Strict Level 3//",
	"-//IETF//DTD HTML Strict//",
	"-//IETF//DTD HTML//",
	"-//Metrius//DTD Metrius Presentational//",
	"-//Microsoft//DTD Internet Explorer 2.0 HTML Strict//",
	"-//Microsoft//DTD Internet Explorer 2.0 HTML//",
	"-//Microsoft//DTD Internet Explorer 2.0 Tables//",
	"-//Microsoft//DTD Internet Explorer 3.0 HTML Strict//",
	"-//Microsoft//DTD Internet Explorer 3.0 HTML//",
	"-//Microsoft//DTD Internet Explorer 3.0 Tables//",
	"-//Netscape Comm. Corp.//DTD HTML//",
	"-//Netscape Comm. Corp.//DTD Strict HTML//",
	"-//O'Reilly and Associates//DTD HTML 2.0//",
	"-//O'Reilly and Associates//DTD HTML Extended 1.0//",
	"-//O'Reilly and Associates//DTD HTML Extended Relaxed 1.0//",
	"-//SoftQuad Software//DTD HoTMetaL PRO 6.0::19990601::)"
	    "extensions to HTML 4.0//",
	"-//SoftQuad//DTD HoTMetaL PRO 4.0::19971010::"
	    "extensions to HTML 4.0//",
	"-//Spyglass//DTD HTML 2.0 Extended//",
	"-//SQ//DTD HTML 2.0 HoTMetaL + extensions//",
	"-//Sun Microsystems Corp.//DTD HotJava HTML//",
	"-//Sun Microsystems Corp.//DTD HotJava Strict HTML//",
	"-//W3C//DTD HTML 3 1995-03-24//",
	"-//W3C//DTD HTML 3.2 Draft//",
	"-//W3C//DTD HTML 3.2 Final//",
	"-//W3C//DTD HTML 3.2//",
	"-//W3C//DTD HTML 3.2S Draft//",
	"-//W3C//DTD HTML 4.0 Frameset//",
	"-//W3C//DTD HTML 4.0 Transitional//",
	"-//W3C//DTD HTML Experimental 19960712//",
	"-//W3C//DTD HTML Experimental 970421//",
	"-//W3C//DTD W3 HTML//",
	"-//W3O//DTD W3 HTML 3.0//",
	"-//WebTechs//DTD Mozilla HTML 2.0//",
	"-//WebTechs//DTD Mozilla HTML//",
};

static bool
same(const char *s, size_t len, const char *id)
{
	return strlen(id) == len && memcmp(s, id, len) == 0;
}

/* A quoted identifier of a doctype; false on a missing quote or '>'. */
static bool
doctype_id(const char **pp, const char *end, const char **id, size_t *len)
{
	const char	*p = *pp, *q;

	while (p < end && is_html_space(*p))
		p++;
	if (p == end || (*p != '"' && *p != '\''))
		return false;
	*id = p + 1;
	for (q = p + 1; q < end && *q != *p && *q != '>'; q++)
		;
	if (q == end || *q == '>')
		return false;
	*len = q - *id;
	*pp = q + 1;
	return true;
}

/* Whether the doctype at p ("<!DOCTYPE") puts gumbo in quirks mode. */
static bool
doctype_quirks(const char *p, const char *end)
{
	const char	*name, *pub = "", *sys = "";
	size_t		 nlen, plen = 0, slen = 0, i;
	bool		 haspub = false, hassys = false;

	for (p += 9; p < end && is_html_space(*p); p++)
		;
	for (name = p; p < end && !is_html_space(*p) && *p != '>'; p++)
		;
	nlen = p - name;
	while (p < end && is_html_space(*p))
		p++;
	if (p == end || nlen == 0)
		return true;		/* force-quirks */
	if (*p != '>') {
		if (end - p >= 6 && equal_ci(p, 6, "public")) {
			p += 6;
			if (!doctype_id(&p, end, &pub, &plen))
				return true;
			haspub = true;
			hassys = doctype_id(&p, end, &sys, &slen);
		} else if (end - p >= 6 && equal_ci(p, 6, "system")) {
			p += 6;
			if (!doctype_id(&p, end, &sys, &slen))
				return true;
			hassys = true;
		} else
			return true;
		while (p < end && is_html_space(*p))
			p++;
		if (p == end || (*p != '>' && !hassys))
			return true;
	}
	if (!equal_ci(name, nlen, "html") || (haspub && (same(pub, plen,
	    "HTML") || same(pub, plen, "-//W3O//DTD W3 HTML Strict 3.0//EN//")
	    || same(pub, plen, "-/W3C/DTD HTML 4.0 Transitional/EN"))) ||
	    (hassys && same(sys, slen,
	    "http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd")))
		return true;
	for (i = 0; haspub && i < sizeof quirks_public /
	    sizeof quirks_public[0]; i++) {
		if (equal_ci(pub, plen, quirks_public[i]))
			return true;
	}
	return !hassys && haspub &&
	    (equal_ci(pub, plen, "-//W3C//DTD HTML 4.01 Frameset//") ||
	    equal_ci(pub, plen, "-//W3C//DTD HTML 4.01 Transitional//"));
}

/* --- the stack of open elements ------------------------------------------ */

static const struct ent *
top(const struct nest *m)
{
	return m->n > 0 ? &m->st[m->n - 1] : NULL;
}

static bool
is_html(const struct ent *e, GumboTag tag)
{
	return e != NULL && e->key == (uint32_t)tag && !(e->flags & E_FOREIGN);
}

static bool
is_special(const struct ent *e)
{
	if (e->flags & E_FOREIGN)
		return (e->flags & E_BOUND) != 0;
	return (e->props & T_SPECIAL) != 0;
}

/* Room for one more entry in v, which holds n of *cap (first: the start). */
static struct ent *
room(struct ent *v, size_t n, size_t *cap, size_t first)
{
	if (n == *cap) {
		*cap = *cap == 0 ? first : 2 * *cap;
		v = xrealloc(v, *cap * sizeof *v);
	}
	return v;
}

static void
push(struct nest *m, const struct ent *e)
{
	m->st = room(m->st, m->n, &m->stcap, 64);
	m->st[m->n++] = *e;
	m->nlisted += (e->flags & E_INLIST) != 0;
	if (!(e->flags & E_FOREIGN)) {
		m->count[TOK_KEY_TAG(e->key)]++;
		m->npre += (e->props & T_PRE) != 0;
		m->nnotext += (e->props & T_NOTEXT) != 0;
	}
	if (m->n + m->nsurv > m->maxdepth)
		m->maxdepth = m->n + m->nsurv;
}

/*
 * Whether leaving the start tag t out would change the count: the first
 * <pre> or <textarea> (white space inside counts as it is) and the first
 * element whose text does not count (template, rt, rp, ...) stay, even
 * past the cap; inside them, nothing of their kind matters any more.
 */
static bool
counts_apart(const struct nest *m, const struct tok *t)
{
	return ((tagprops[t->tag] & T_PRE) && m->npre == 0) ||
	    ((tagprops[t->tag] & T_NOTEXT) && m->nnotext == 0);
}

/*
 * Whether the elements the current start tag opens stay in the copy,
 * decided at its first one. Past the cap a tag is left out, unless:
 * - it closed elements first: leaving it out would change where gumbo
 *   puts the text after it;
 * - it is the first <pre> (or <listing>) or the first element whose text
 *   does not count (template, rt, rp) to be open: they change the count;
 * - it is a <select>, a <table> or a part of a table, which change how
 *   the tags after them are read. Those cannot nest without something
 *   that is left out between them.
 * That is allowed within a margin only: past ceiling(), nest_tag() leaves
 * out every tag that may open an element before it changes anything, but
 * for those counts_apart() keeps (two more levels at most).
 */
static bool
gate(struct nest *m)
{
	const struct tok	*t = m->tok;

	if (m->tokopen == 0) {
		m->tokopen = 1;
		if (m->rewrite && m->n + m->nsurv >= m->limit &&
		    m->pops == m->tokpops && !(tagprops[t->tag] & T_RAW) &&
		    t->tag != GUMBO_TAG_SELECT && t->tag != GUMBO_TAG_TABLE &&
		    !(tagprops[t->tag] & T_TPART) && !counts_apart(m, t))
			m->tokopen = -1;
	}
	return m->tokopen > 0;
}

static size_t
ceiling(const struct nest *m)
{
	return m->limit + m->limit / 8 + 8;
}

/* Whether a start tag may open an element, by its kind alone. */
static bool
may_open(const struct nest *m, const struct tok *t)
{
	const struct ent	*e = top(m);

	if (m->count[GUMBO_TAG_TEMPLATE] > 0)
		return !(tagprops[t->tag] & (T_VOID | T_IGNORE | T_RAW));
	if ((e != NULL && (e->flags & E_FOREIGN) &&
	    !(tagprops[t->tag] & T_BREAKOUT)) ||
	    t->tag == GUMBO_TAG_SVG || t->tag == GUMBO_TAG_MATH)
		return !t->selfclose;
	return !(tagprops[t->tag] & (T_VOID | T_RAW | T_IGNORE | T_PLAIN));
}

static void
push_html(struct nest *m, GumboTag tag)
{
	struct ent	e;

	if (!gate(m))
		return;
	memset(&e, 0, sizeof e);
	e.key = tag;
	e.props = tagprops[tag];
	if (e.props & T_MARKER)
		m->markers++;
	push(m, &e);
}

static void
forget(struct nest *m, const struct ent *e)
{
	m->nlisted -= (e->flags & E_INLIST) != 0;
	if (!(e->flags & E_FOREIGN)) {
		m->count[TOK_KEY_TAG(e->key)]--;
		m->npre -= (e->props & T_PRE) != 0;
		m->nnotext -= (e->props & T_NOTEXT) != 0;
	}
}

/* Take st[i] out of the stack, leaving what is above it open. */
static void
remove_at(struct nest *m, size_t i)
{
	forget(m, &m->st[i]);
	memmove(&m->st[i], &m->st[i + 1], (m->n - i - 1) * sizeof *m->st);
	m->n--;
	m->pops++;
	m->work += W_POP;
}

static void
add_surv(struct nest *m, const struct ent *e)
{
	m->surv = room(m->surv, m->nsurv, &m->survcap, 16);
	m->surv[m->nsurv++] = *e;
}

/*
 * "Clear the list of active formatting elements up to the last marker":
 * what was listed after the newest marker leaves the list.
 */
static void
clear_to_marker(struct nest *m)
{
	size_t	i, k = 0;

	if (m->markers > 0)
		m->markers--;
	for (i = 0; i < m->nsurv; i++) {
		if (m->surv[i].mk <= m->markers)
			m->surv[k++] = m->surv[i];
	}
	m->nsurv = k;
	for (i = 0; i < m->n; i++) {
		if ((m->st[i].flags & E_INLIST) && m->st[i].mk > m->markers) {
			m->st[i].flags &= ~E_INLIST;
			m->nlisted--;
		}
	}
}

/*
 * Pop st[i] and everything above it. Popped formatting elements stay on
 * gumbo's list, which reopens them at the next text or inline tag,
 * unless the end tag named the element itself (named: st[i] is the
 * element an end tag closes). Closing a cell, a caption or a template
 * clears the list to its marker; closing an object, applet or marquee
 * does so only by its own end tag (gumbo leaves the marker behind when
 * a </table> closes it).
 */
static void
pop_to(struct nest *m, size_t i, bool named)
{
	struct ent	e;
	size_t		j;
	bool		clear;

	m->work += (m->n - i) * W_POP;
	m->pops += m->n - i;
	for (j = m->n; j-- > i;) {
		e = m->st[j];
		forget(m, &e);
		m->n = j;
		if (e.flags & E_FOREIGN)
			continue;
		if (e.props & T_MARKER) {
			clear = e.key == GUMBO_TAG_TD || e.key == GUMBO_TAG_TH ||
			    e.key == GUMBO_TAG_CAPTION ||
			    e.key == GUMBO_TAG_TEMPLATE || (j == i && named);
			if (clear)
				clear_to_marker(m);
		} else if ((e.flags & E_INLIST) && (j != i || !named))
			add_surv(m, &e);
	}
}

/*
 * "Reconstruct the active formatting elements": clone back those closed
 * since the newest marker, oldest first.
 */
static void
reopen(struct nest *m)
{
	struct ent	e;
	size_t		i, k = 0, n = 0;

	for (i = 0; i < m->nsurv; i++)
		n += m->surv[i].mk == m->markers;
	if (n == 0)
		return;
	m->clones += n;
	m->work += n * (W_CLONE + m->n);
	for (;;) {
		/* The oldest waiting one, by list order. */
		k = m->nsurv;
		for (i = 0; i < m->nsurv; i++) {
			if (m->surv[i].mk == m->markers && (k == m->nsurv ||
			    m->surv[i].seq < m->surv[k].seq))
				k = i;
		}
		if (k == m->nsurv)
			break;
		e = m->surv[k];
		m->surv[k] = m->surv[--m->nsurv];
		push(m, &e);
	}
}

enum scope { SC_DEFAULT, SC_BUTTON, SC_LIST, SC_TABLE };

static bool
bounds(const struct ent *e, enum scope sc)
{
	if (e->flags & E_FOREIGN)
		return sc != SC_TABLE && (e->flags & E_BOUND);
	if (sc == SC_TABLE)
		return e->key == GUMBO_TAG_TABLE ||
		    e->key == GUMBO_TAG_TEMPLATE || e->key == GUMBO_TAG_HTML;
	if (e->props & T_SCOPE)
		return true;
	if (sc == SC_BUTTON)
		return e->key == GUMBO_TAG_BUTTON;
	if (sc == SC_LIST)
		return e->key == GUMBO_TAG_OL || e->key == GUMBO_TAG_UL;
	return false;
}

/*
 * The topmost HTML element with this tag (any heading for a heading)
 * that is "in scope", or -1.
 */
static long
in_scope(struct nest *m, GumboTag tag, enum scope sc)
{
	const struct ent	*e;
	size_t			 j;
	bool			 heading = (tagprops[tag] & T_HEADING) != 0;

	if (heading ? m->count[GUMBO_TAG_H1] + m->count[GUMBO_TAG_H2] +
	    m->count[GUMBO_TAG_H3] + m->count[GUMBO_TAG_H4] +
	    m->count[GUMBO_TAG_H5] + m->count[GUMBO_TAG_H6] == 0 :
	    m->count[tag] == 0) {
		/* Not open: gumbo still walks up to a scope bound. */
		m->work += m->n * W_SCOPE;
		return -1;
	}
	for (j = m->n; j-- > 0;) {
		e = &m->st[j];
		m->work += W_SCOPE;
		if (!(e->flags & E_FOREIGN) && (e->key == (uint32_t)tag ||
		    (heading && (e->props & T_HEADING))))
			return j;
		if (bounds(e, sc))
			return -1;
	}
	return -1;
}

static void
close_p(struct nest *m)
{
	long	i;

	if ((i = in_scope(m, GUMBO_TAG_P, SC_BUTTON)) >= 0)
		pop_to(m, i, true);
}

/*
 * Close the nearest <table>, if one is in table scope, as its end tag
 * does and a <table> start tag in a table does.
 */
static bool
close_table(struct nest *m)
{
	long	i;

	if ((i = in_scope(m, GUMBO_TAG_TABLE, SC_TABLE)) < 0)
		return false;
	pop_to(m, i, true);
	return true;
}

/* An <li>, <dd> or <dt> closes the open one, unless a block is between. */
static void
close_item(struct nest *m, GumboTag tag)
{
	const struct ent	*e;
	size_t			 j;

	if (tag == GUMBO_TAG_LI ? m->count[GUMBO_TAG_LI] == 0 :
	    m->count[GUMBO_TAG_DD] + m->count[GUMBO_TAG_DT] == 0) {
		m->work += m->n * W_SPECIAL;
		return;
	}
	for (j = m->n; j-- > 0;) {
		e = &m->st[j];
		m->work += W_SPECIAL;
		if (tag == GUMBO_TAG_LI ? is_html(e, GUMBO_TAG_LI) :
		    (is_html(e, GUMBO_TAG_DD) || is_html(e, GUMBO_TAG_DT))) {
			pop_to(m, j, true);
			return;
		}
		if (is_special(e) && !is_html(e, GUMBO_TAG_ADDRESS) &&
		    !is_html(e, GUMBO_TAG_DIV) && !is_html(e, GUMBO_TAG_P))
			return;
	}
}

/* In a <ruby>, "generate implied end tags" (all but <rtc> for rp, rt). */
static void
ruby_close(struct nest *m, bool rtc)
{
	const struct ent	*e;

	if (in_scope(m, GUMBO_TAG_RUBY, SC_DEFAULT) < 0)
		return;
	while ((e = top(m)) != NULL && !(e->flags & E_FOREIGN) &&
	    (e->key == GUMBO_TAG_DD || e->key == GUMBO_TAG_DT ||
	    e->key == GUMBO_TAG_LI || e->key == GUMBO_TAG_OPTION ||
	    e->key == GUMBO_TAG_OPTGROUP || e->key == GUMBO_TAG_P ||
	    e->key == GUMBO_TAG_RB || e->key == GUMBO_TAG_RP ||
	    e->key == GUMBO_TAG_RT || (rtc && e->key == GUMBO_TAG_RTC)))
		pop_to(m, m->n - 1, true);
}

/* Whether gumbo is "in select": index of the <select>, or -1. */
static long
select_index(const struct nest *m)
{
	const struct ent	*e;
	size_t			 j;

	if (m->count[GUMBO_TAG_SELECT] == 0)
		return -1;
	for (j = m->n; j-- > 0;) {
		e = &m->st[j];
		if (is_html(e, GUMBO_TAG_SELECT))
			return j;
		if (!is_html(e, GUMBO_TAG_OPTION) &&
		    !is_html(e, GUMBO_TAG_OPTGROUP))
			return -1;
	}
	return -1;
}

/*
 * The insertion mode, from the nearest table element: gumbo stays in a
 * table mode while it inserts misplaced elements before the table
 * ("foster parenting"), and in a cell or caption mode inside them.
 * *at is the index of that element.
 */
static enum mode
table_mode(struct nest *m, size_t *at)
{
	const struct ent	*e;
	size_t			 j;

	if (m->count[GUMBO_TAG_TABLE] == 0)
		return M_BODY;
	for (j = m->n; j-- > 0;) {
		e = &m->st[j];
		m->work++;
		if (e->flags & E_FOREIGN)
			continue;
		*at = j;
		switch (e->key) {
		case GUMBO_TAG_TD:
		case GUMBO_TAG_TH:
			return M_CELL;
		case GUMBO_TAG_CAPTION:
			return M_CAPTION;
		case GUMBO_TAG_COLGROUP:
			return M_COLGROUP;
		case GUMBO_TAG_TR:
			return M_ROW;
		case GUMBO_TAG_TBODY:
		case GUMBO_TAG_THEAD:
		case GUMBO_TAG_TFOOT:
			return M_TBODY;
		case GUMBO_TAG_TABLE:
			return M_TABLE;
		default:
			break;
		}
	}
	return M_BODY;
}

/* A <select> opened in a table mode is "in select in table". */
static bool
select_in_table(struct nest *m, long sel)
{
	size_t	at, n = m->n;
	bool	yes;

	m->n = sel;	/* the mode the select was opened in */
	yes = table_mode(m, &at) != M_BODY;
	m->n = n;
	return yes;
}

/*
 * Whether the tag is one that "in select in table" answers by closing
 * the <select> at sel (a caption, table, section, row or cell tag, start
 * or end) and the select is in that mode.
 */
static bool
table_ends_select(struct nest *m, long sel, GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_CAPTION:
	case GUMBO_TAG_TABLE:
	case GUMBO_TAG_TBODY:
	case GUMBO_TAG_TFOOT:
	case GUMBO_TAG_THEAD:
	case GUMBO_TAG_TR:
	case GUMBO_TAG_TD:
	case GUMBO_TAG_TH:
		return select_in_table(m, sel);
	default:
		return false;
	}
}

/* Pop what is above the nearest tag (any section for TBODY). */
static void
clear_to(struct nest *m, GumboTag tag)
{
	const struct ent	*e;
	size_t			 j;

	for (j = m->n; j-- > 0;) {
		e = &m->st[j];
		m->work += W_SCOPE;
		if (e->flags & E_FOREIGN)
			continue;
		if (e->key == (uint32_t)tag || e->key == GUMBO_TAG_TEMPLATE ||
		    (tag == GUMBO_TAG_TBODY && (e->key == GUMBO_TAG_THEAD ||
		    e->key == GUMBO_TAG_TFOOT))) {
			if (j + 1 < m->n)
				pop_to(m, j + 1, false);
			return;
		}
	}
}

/*
 * The j-th element of the stack and then of the closed but listed ones,
 * if it is on the list of active formatting elements after the newest
 * marker; else NULL.
 */
static struct ent *
list_entry(struct nest *m, size_t j)
{
	struct ent	*s = j < m->n ? &m->st[j] : &m->surv[j - m->n];

	if ((j < m->n && !(s->flags & E_INLIST)) || s->mk != m->markers)
		return NULL;
	return s;
}

/*
 * Noah's ark: at most three identical formatting elements after the
 * last marker stay listed; list the new one.
 */
static void
list_formatting(struct nest *m, struct ent *e, unsigned nattr)
{
	struct ent	*s, *oldest = NULL;
	size_t		 j, same = 0, listed = 0;

	for (j = 0; j < m->n + m->nsurv; j++) {
		if ((s = list_entry(m, j)) == NULL)
			continue;
		listed++;
		if (s->key == e->key && s->ahash == e->ahash) {
			same++;
			if (oldest == NULL || s->seq < oldest->seq)
				oldest = s;
		}
	}
	/* gumbo compares the attributes of each listed element. */
	m->work += m->n + listed * W_SCOPE * (1 + nattr);
	if (same >= 3) {
		if (oldest >= m->st && oldest < m->st + m->n) {
			oldest->flags &= ~E_INLIST;
			m->nlisted--;
		} else
			*oldest = m->surv[--m->nsurv];
	}
	e->flags |= E_INLIST;
	e->mk = m->markers;
	e->seq = ++m->seq;
}

static void
open_html(struct nest *m, const struct tok *t)
{
	struct ent	e;

	if (!gate(m))
		return;
	memset(&e, 0, sizeof e);
	e.key = t->key;
	e.props = tagprops[t->tag];
	if (e.props & T_FMT) {
		e.ahash = tok_attr_hash(t);
		list_formatting(m, &e, t->nattr);
	}
	if (tagprops[t->tag] & T_MARKER)
		m->markers++;
	push(m, &e);
}

static void
open_foreign(struct nest *m, const struct tok *t, bool svg)
{
	struct ent	e;
	GumboTag	tag = t->tag;

	if (!gate(m))
		return;
	memset(&e, 0, sizeof e);
	e.key = t->key;
	e.flags = E_FOREIGN | (svg ? E_SVG : 0);
	if (svg && (tag == GUMBO_TAG_FOREIGNOBJECT || tag == GUMBO_TAG_DESC ||
	    tag == GUMBO_TAG_TITLE))
		e.flags |= E_HTMLINT | E_BOUND;
	if (!svg && (tag == GUMBO_TAG_MI || tag == GUMBO_TAG_MO ||
	    tag == GUMBO_TAG_MN || tag == GUMBO_TAG_MS ||
	    tag == GUMBO_TAG_MTEXT))
		e.flags |= E_MTEXT | E_BOUND;
	if (!svg && tag == GUMBO_TAG_ANNOTATION_XML) {
		e.flags |= E_ANNOT | E_BOUND;
		if (t->htmlenc)
			e.flags |= E_HTMLINT;
	}
	push(m, &e);
}

/* Whether gumbo handles this start tag as SVG/MathML content. */
static bool
foreign_start(const struct nest *m, const struct tok *t)
{
	const struct ent	*e = top(m);

	if (e == NULL || !(e->flags & E_FOREIGN) || (e->flags & E_HTMLINT))
		return false;
	if ((e->flags & E_MTEXT) && t->tag != GUMBO_TAG_MGLYPH &&
	    t->tag != GUMBO_TAG_MALIGNMARK)
		return false;
	if ((e->flags & E_ANNOT) && t->tag == GUMBO_TAG_SVG)
		return false;
	return true;
}

static bool
breakout(const struct tok *t)
{
	return (tagprops[t->tag] & T_BREAKOUT) ||
	    (t->tag == GUMBO_TAG_FONT && t->fontattr);
}

/*
 * The adoption agency algorithm of gumbo 0.10.1, for an end tag of a
 * formatting element (and <a> and <nobr> start tags). Returns false when
 * no such element is listed: then the end tag is "any other end tag".
 */
static bool
adopt(struct nest *m, uint32_t key)
{
	struct ent	*f, *s, fe;
	size_t		 j, k, fi = 0, fb;
	int		 round;

	for (round = 0; round < 8; round++) {
		/* The newest listed element of the kind, after the marker. */
		f = NULL;
		for (j = 0; j < m->n + m->nsurv; j++) {
			if ((s = list_entry(m, j)) == NULL || s->key != key)
				continue;
			if (f == NULL || s->seq > f->seq) {
				f = s;
				fi = j;
			}
		}
		m->work += (m->n + m->nsurv) * W_SCOPE;
		if (f == NULL)
			return round > 0;
		if (fi >= m->n) {
			/* Closed already: it just leaves the list. */
			*f = m->surv[--m->nsurv];
			return true;
		}
		for (j = m->n; j-- > fi + 1;) {
			if (bounds(&m->st[j], SC_DEFAULT))
				return true;	/* not in scope: ignored */
		}
		for (fb = fi + 1; fb < m->n && !is_special(&m->st[fb]); fb++)
			;
		if (fb == m->n) {
			pop_to(m, fi, true);
			return true;
		}
		/*
		 * A block inside it: the element is closed and a clone of
		 * it continues inside the block. gumbo looks at the three
		 * elements below the block: unlisted ones leave the stack,
		 * listed ones are cloned in place.
		 */
		fe = *f;
		for (k = 0, j = fb; k < 3 && j-- > fi + 1; k++) {
			if (m->st[j].flags & E_INLIST)
				m->clones++;
			else {
				remove_at(m, j);
				fb--;
			}
		}
		remove_at(m, fi);
		fb--;
		fe.seq = ++m->seq;
		m->clones++;
		push(m, &fe);	/* then move it just above the block */
		memmove(&m->st[fb + 2], &m->st[fb + 1],
		    (m->n - fb - 2) * sizeof *m->st);
		m->st[fb + 1] = fe;
	}
	return true;
}

/* --- tags by insertion mode ---------------------------------------------- */

/*
 * Inside a <template> gumbo 0.10.1 switches among insertion modes in ways
 * hard to follow (a <col> there can make it ignore a later <style>). Its
 * text does not count, so there the model keeps it simple and safe: every
 * tag opens an element (raw text elements too), and an end tag closes
 * only the current element, if it names it.
 */
static enum act
start_in_template(struct nest *m, const struct tok *t)
{
	const struct ent	*cur = top(m);

	if (cur != NULL && (cur->flags & E_FOREIGN) &&
	    !(cur->flags & E_HTMLINT) && !breakout(t)) {
		if (!t->selfclose)
			open_foreign(m, t, (cur->flags & E_SVG) != 0);
		return A_KEEP;
	}
	if (t->tag == GUMBO_TAG_SVG || t->tag == GUMBO_TAG_MATH) {
		if (!t->selfclose)
			open_foreign(m, t, t->tag == GUMBO_TAG_SVG);
	} else if (!(tagprops[t->tag] & (T_VOID | T_IGNORE)))
		open_html(m, t);
	return A_KEEP;
}

static bool
end_in_template(struct nest *m, const struct tok *t)
{
	const struct ent	*e = top(m);
	size_t			 j;

	if (t->tag == GUMBO_TAG_TEMPLATE) {
		for (j = m->n; j-- > 0;) {
			m->work += W_SCOPE;
			if (is_html(&m->st[j], GUMBO_TAG_TEMPLATE)) {
				pop_to(m, j, true);
				return true;
			}
			/* Most likely inside raw text, for gumbo. */
			if (m->st[j].props & T_RAW)
				return false;
		}
	}
	if (tagprops[t->tag] & T_IGNORE)
		return true;
	if (e == NULL || e->key != t->key)
		return false;
	pop_to(m, m->n - 1, true);
	return true;
}

/* Start tags "in select": most are ignored. */
static enum act
start_select(struct nest *m, const struct tok *t, long sel)
{
	if (table_ends_select(m, sel, t->tag)) {
		pop_to(m, sel, true);
		return A_AGAIN;
	}
	switch (t->tag) {
	case GUMBO_TAG_OPTION:
		if (is_html(top(m), GUMBO_TAG_OPTION))
			pop_to(m, m->n - 1, true);
		open_html(m, t);
		return A_KEEP;
	case GUMBO_TAG_OPTGROUP:
		if (is_html(top(m), GUMBO_TAG_OPTION))
			pop_to(m, m->n - 1, true);
		if (is_html(top(m), GUMBO_TAG_OPTGROUP))
			pop_to(m, m->n - 1, true);
		open_html(m, t);
		return A_KEEP;
	case GUMBO_TAG_SELECT:
		pop_to(m, sel, true);
		return A_KEEP;
	case GUMBO_TAG_INPUT:
	case GUMBO_TAG_KEYGEN:
	case GUMBO_TAG_TEXTAREA:
		pop_to(m, sel, true);
		return A_AGAIN;
	case GUMBO_TAG_SCRIPT:
		return A_RAW;
	case GUMBO_TAG_TEMPLATE:
		/* Not sure what gumbo does: assume it opens. */
		open_html(m, t);
		return A_KEEP;
	default:
		return A_KEEP;
	}
}

/* Start tags in the table modes; others are placed before the table. */
static enum act
start_in_table(struct nest *m, const struct tok *t, enum mode mode)
{
	switch (t->tag) {
	case GUMBO_TAG_CAPTION:
	case GUMBO_TAG_COLGROUP:
		clear_to(m, GUMBO_TAG_TABLE);
		open_html(m, t);
		return A_KEEP;
	case GUMBO_TAG_COL:
		clear_to(m, GUMBO_TAG_TABLE);
		push_html(m, GUMBO_TAG_COLGROUP);
		return A_KEEP;
	case GUMBO_TAG_TBODY:
	case GUMBO_TAG_THEAD:
	case GUMBO_TAG_TFOOT:
		clear_to(m, GUMBO_TAG_TABLE);
		open_html(m, t);
		return A_KEEP;
	case GUMBO_TAG_TR:
	case GUMBO_TAG_TD:
	case GUMBO_TAG_TH:
		/* The implied <tbody> and <tr> come and go with the tag. */
		if (mode == M_TABLE) {
			clear_to(m, GUMBO_TAG_TABLE);
			push_html(m, GUMBO_TAG_TBODY);
			mode = M_TBODY;
		}
		if (m->tokopen < 0)
			return A_KEEP;
		if (t->tag == GUMBO_TAG_TR || mode == M_TBODY) {
			clear_to(m, GUMBO_TAG_TBODY);
			if (t->tag != GUMBO_TAG_TR)
				push_html(m, GUMBO_TAG_TR);
		}
		if (m->tokopen < 0)
			return A_KEEP;
		if (t->tag != GUMBO_TAG_TR)
			clear_to(m, GUMBO_TAG_TR);
		open_html(m, t);
		return A_KEEP;
	case GUMBO_TAG_TABLE:
		/* Closes this table, then opens as in the mode around it. */
		return close_table(m) ? A_AGAIN : A_KEEP;
	case GUMBO_TAG_STYLE:
	case GUMBO_TAG_SCRIPT:
		return A_RAW;
	case GUMBO_TAG_INPUT:
		return A_KEEP;
	case GUMBO_TAG_FORM:
		/* Inserted and closed at once, in table context. */
		m->formptr = true;
		return A_KEEP;
	default:
		return A_AGAIN;	/* "in body", before the table */
	}
}

/* A start tag "in body". */
static enum act
start_in_body(struct nest *m, const struct tok *t)
{
	const struct ent	*cur;
	long			 i;
	size_t			 j;

	if (tagprops[t->tag] & T_IGNORE)
		return A_KEEP;
	switch (t->tag) {
	case GUMBO_TAG_HR:
		close_p(m);
		return A_KEEP;
	case GUMBO_TAG_XMP:
		close_p(m);
		reopen(m);
		return A_RAW;
	case GUMBO_TAG_ISINDEX:
		if (!m->formptr)
			close_p(m);
		return A_KEEP;
	case GUMBO_TAG_FORM:
		if (m->formptr)
			return A_KEEP;	/* ignored */
		close_p(m);
		open_html(m, t);
		m->formptr = m->tokopen > 0;
		return A_KEEP;
	case GUMBO_TAG_PLAINTEXT:
		close_p(m);
		return A_REST;
	case GUMBO_TAG_TABLE:
		if (!m->quirks)
			close_p(m);
		open_html(m, t);
		return A_KEEP;
	case GUMBO_TAG_SVG:
	case GUMBO_TAG_MATH:
		reopen(m);
		if (!t->selfclose)
			open_foreign(m, t, t->tag == GUMBO_TAG_SVG);
		return A_KEEP;
	default:
		break;
	}
	if (tagprops[t->tag] & T_RAW)
		return A_RAW;
	if (tagprops[t->tag] & T_TPART)
		return A_KEEP;	/* ignored outside a table */
	if (!(tagprops[t->tag] & T_NORECON))
		reopen(m);
	if (tagprops[t->tag] & T_VOID)
		return A_KEEP;
	cur = top(m);
	switch (t->tag) {
	case GUMBO_TAG_LI:
	case GUMBO_TAG_DD:
	case GUMBO_TAG_DT:
		close_item(m, t->tag);
		close_p(m);
		break;
	case GUMBO_TAG_A:
		/* An open <a> is closed first, the adoption agency way. */
		if (m->count[GUMBO_TAG_A] > 0 || m->nsurv > 0) {
			adopt(m, GUMBO_TAG_A);
			for (j = m->n; j-- > 0;) {
				if (is_html(&m->st[j], GUMBO_TAG_A) &&
				    (m->st[j].flags & E_INLIST) &&
				    m->st[j].mk == m->markers) {
					remove_at(m, j);
					break;
				}
			}
			reopen(m);
		}
		break;
	case GUMBO_TAG_NOBR:
		if (in_scope(m, GUMBO_TAG_NOBR, SC_DEFAULT) >= 0) {
			adopt(m, GUMBO_TAG_NOBR);
			reopen(m);
		}
		break;
	case GUMBO_TAG_BUTTON:
		if ((i = in_scope(m, GUMBO_TAG_BUTTON, SC_DEFAULT)) >= 0) {
			pop_to(m, i, true);
			reopen(m);
		}
		break;
	case GUMBO_TAG_OPTION:
	case GUMBO_TAG_OPTGROUP:
		if (is_html(cur, GUMBO_TAG_OPTION)) {
			pop_to(m, m->n - 1, true);
			reopen(m);
		}
		break;
	case GUMBO_TAG_RB:
	case GUMBO_TAG_RTC:
	case GUMBO_TAG_RP:
	case GUMBO_TAG_RT:
		ruby_close(m, t->tag == GUMBO_TAG_RB ||
		    t->tag == GUMBO_TAG_RTC);
		break;
	default:
		if (tagprops[t->tag] & T_CLOSEP) {
			close_p(m);
			if ((tagprops[t->tag] & T_HEADING) &&
			    (cur = top(m)) != NULL &&
			    !(cur->flags & E_FOREIGN) &&
			    (cur->props & T_HEADING))
				pop_to(m, m->n - 1, true);
		}
		break;
	}
	open_html(m, t);
	return A_KEEP;
}

static enum act
start_tag(struct nest *m, const struct tok *t)
{
	const struct ent	*cur;
	enum act		 act;
	enum mode		 mode;
	size_t			 at = 0;
	long			 sel;
	int			 again;

	if (m->count[GUMBO_TAG_TEMPLATE] > 0)
		return start_in_template(m, t);
	if (foreign_start(m, t)) {
		if (!breakout(t)) {
			if (!t->selfclose)
				open_foreign(m, t, (top(m)->flags & E_SVG) != 0);
			return A_KEEP;
		}
		while ((cur = top(m)) != NULL && (cur->flags & E_FOREIGN) &&
		    !(cur->flags & (E_HTMLINT | E_MTEXT)))
			remove_at(m, m->n - 1);
	}
	/* A tag the mode hands on is processed again ("reprocess"). */
	for (again = 0; again < 8; again++) {
		if ((sel = select_index(m)) >= 0) {
			if ((act = start_select(m, t, sel)) != A_AGAIN)
				return act;
			continue;
		}
		mode = table_mode(m, &at);
		if (mode == M_COLGROUP && at == m->n - 1) {
			if (t->tag == GUMBO_TAG_COL)
				return A_KEEP;
			pop_to(m, at, true);	/* "anything else" */
			continue;
		}
		if ((tagprops[t->tag] & T_TPART) && mode == M_CAPTION) {
			pop_to(m, at, true);
			continue;
		}
		if ((tagprops[t->tag] & T_TPART) && mode == M_CELL) {
			pop_to(m, at, true);	/* close the cell */
			continue;
		}
		if (mode == M_TABLE || mode == M_TBODY || mode == M_ROW) {
			if ((act = start_in_table(m, t, mode)) != A_AGAIN)
				return act;
			if (t->tag == GUMBO_TAG_TABLE)
				continue;
		}
		return start_in_body(m, t);
	}
	return A_KEEP;
}

/*
 * "Any other end tag": the topmost element it names, unless a special
 * element is above it. gumbo matches an unknown tag name to any element
 * of unknown tag.
 */
static long
other_end(struct nest *m, const struct tok *t)
{
	const struct ent	*e;
	size_t			 j;

	if (m->count[t->tag] == 0) {
		m->work += m->n * W_SPECIAL;
		return -1;
	}
	for (j = m->n; j-- > 0;) {
		e = &m->st[j];
		m->work += W_SPECIAL;
		if (!(e->flags & E_FOREIGN) && (e->key == t->key ||
		    (t->tag == GUMBO_TAG_UNKNOWN &&
		    TOK_KEY_TAG(e->key) == GUMBO_TAG_UNKNOWN)))
			return j;
		if (is_special(e))
			return -1;
	}
	return -1;
}

/* An end tag "in body": whether gumbo does anything with it. */
static bool
end_in_body(struct nest *m, const struct tok *t)
{
	long	i = -1;

	if (tagprops[t->tag] & T_IGNORE)
		return true;
	if (tagprops[t->tag] & T_FMT) {
		if (adopt(m, t->key))
			return true;
		i = other_end(m, t);
	} else switch (t->tag) {
	case GUMBO_TAG_BR:
		reopen(m);
		return true;
	case GUMBO_TAG_P:
		if ((i = in_scope(m, GUMBO_TAG_P, SC_BUTTON)) < 0) {
			reopen(m);	/* and an empty <p> */
			return true;
		}
		break;
	case GUMBO_TAG_LI:
		i = in_scope(m, GUMBO_TAG_LI, SC_LIST);
		break;
	case GUMBO_TAG_FORM:
		/* Only the form goes; what is open inside it stays. */
		if (!m->formptr)
			return false;
		m->formptr = false;
		if ((i = in_scope(m, GUMBO_TAG_FORM, SC_DEFAULT)) < 0)
			return true;
		remove_at(m, i);
		return true;
	case GUMBO_TAG_APPLET:
	case GUMBO_TAG_MARQUEE:
	case GUMBO_TAG_OBJECT:
		i = in_scope(m, t->tag, SC_TABLE);
		break;
	default:
		if (tagprops[t->tag] & (T_SCOPEEND | T_HEADING) ||
		    t->tag == GUMBO_TAG_DD || t->tag == GUMBO_TAG_DT)
			i = in_scope(m, t->tag, SC_DEFAULT);
		else
			i = other_end(m, t);
		break;
	}
	if (i < 0)
		return false;
	pop_to(m, i, true);
	return true;
}

/* End tags in the table modes, the cell and the caption. */
static int
end_in_table(struct nest *m, const struct tok *t, enum mode mode, size_t at)
{
	long	i;

	switch (t->tag) {
	case GUMBO_TAG_TABLE:
		if (mode == M_CELL || mode == M_CAPTION) {
			if (in_scope(m, GUMBO_TAG_TABLE, SC_TABLE) < 0)
				return false;
			pop_to(m, at, true);	/* then the table */
			return -1;
		}
		return close_table(m);
	case GUMBO_TAG_TBODY:
	case GUMBO_TAG_THEAD:
	case GUMBO_TAG_TFOOT:
	case GUMBO_TAG_TR:
		if ((i = in_scope(m, t->tag, SC_TABLE)) < 0 ||
		    mode == M_CAPTION || mode == M_TABLE ||
		    (mode == M_TBODY && t->tag == GUMBO_TAG_TR))
			return false;
		if (mode == M_CELL) {
			pop_to(m, at, true);	/* close the cell */
			return -1;
		}
		pop_to(m, i, true);
		return true;
	case GUMBO_TAG_TD:
	case GUMBO_TAG_TH:
		if (mode != M_CELL ||
		    (i = in_scope(m, t->tag, SC_TABLE)) < 0)
			return false;
		pop_to(m, i, true);
		return true;
	case GUMBO_TAG_CAPTION:
		if (mode != M_CAPTION)
			return false;
		pop_to(m, at, true);
		return true;
	case GUMBO_TAG_COL:
	case GUMBO_TAG_COLGROUP:
		return false;
	default:
		return end_in_body(m, t);
	}
}

/* An end tag: whether gumbo will do anything with it. */
static bool
end_tag(struct nest *m, const struct tok *t)
{
	const struct ent	*e;
	enum mode		 mode;
	size_t			 at = 0, j;
	long			 sel;
	int			 again, r;

	if (m->count[GUMBO_TAG_TEMPLATE] > 0)
		return end_in_template(m, t);
	if ((e = top(m)) != NULL && (e->flags & E_FOREIGN)) {
		for (j = m->n; j-- > 0;) {
			e = &m->st[j];
			m->work += W_SCOPE;
			if (!(e->flags & E_FOREIGN))
				break;
			if (e->key == t->key) {
				pop_to(m, j, true);
				return true;
			}
		}
	}
	for (again = 0; again < 8; again++) {
		if ((sel = select_index(m)) >= 0) {
			if (table_ends_select(m, sel, t->tag) &&
			    in_scope(m, t->tag, SC_TABLE) >= 0) {
				pop_to(m, sel, true);
				continue;
			}
			e = top(m);
			switch (t->tag) {
			case GUMBO_TAG_OPTION:
				if (!is_html(e, GUMBO_TAG_OPTION))
					return false;
				pop_to(m, m->n - 1, true);
				return true;
			case GUMBO_TAG_OPTGROUP:
				if (is_html(e, GUMBO_TAG_OPTION) && m->n >= 2 &&
				    is_html(&m->st[m->n - 2],
				    GUMBO_TAG_OPTGROUP))
					pop_to(m, m->n - 1, true);
				if (!is_html(top(m), GUMBO_TAG_OPTGROUP))
					return false;
				pop_to(m, m->n - 1, true);
				return true;
			case GUMBO_TAG_SELECT:
				pop_to(m, sel, true);
				return true;
			default:
				return false;
			}
		}
		mode = table_mode(m, &at);
		if (mode == M_COLGROUP && at == m->n - 1) {
			if (t->tag == GUMBO_TAG_COL)
				return false;
			pop_to(m, at, true);
			if (t->tag == GUMBO_TAG_COLGROUP)
				return true;
			continue;
		}
		if (mode == M_BODY || mode == M_COLGROUP)
			return end_in_body(m, t);
		if ((r = end_in_table(m, t, mode, at)) >= 0)
			return r;
	}
	return true;
}

/* What gumbo does for text between tags. */
static void
text_work(struct nest *m, const char *s, size_t len)
{
	const struct ent	*e;
	size_t			 j, at;
	bool			 space;

	if (len == 0)
		return;
	space = all_space(s, len);
	if (!space)
		m->started = true;
	if (m->nsurv > 0 && ((e = top(m)) == NULL ||
	    !(e->flags & E_FOREIGN)) && select_index(m) < 0 &&
	    m->count[GUMBO_TAG_TEMPLATE] == 0) {
		/* In a table only text other than spaces reopens. */
		if (!space || table_mode(m, &at) == M_BODY)
			reopen(m);
	}
	if (!space && (e = top(m)) != NULL && is_html(e, GUMBO_TAG_COLGROUP) &&
	    m->count[GUMBO_TAG_TEMPLATE] == 0)
		pop_to(m, m->n - 1, true);	/* "anything else" */
	if (m->nlisted == 0)
		return;
	for (j = m->n; j-- > 0;) {
		if (m->st[j].flags & E_INLIST)
			break;
	}
	m->work += (uint64_t)len * (j + 1) / 2 + (m->n - j);
}

/* --- the copy ------------------------------------------------------------ */

/*
 * Whether the run of text s..e counts as many characters whatever text
 * it is joined to: it holds a character that is not white space, outside
 * any character reference (which could stand for white space).
 */
static bool
solid(const char *s, const char *e)
{
	bool	 some = false;

	for (; s < e; s++) {
		if (*s == '&')
			return false;
		if (!is_html_space(*s) && *s != '\0')
			some = true;
	}
	return some;
}

/* The end of the run of text at p: the next tag, comment or the like. */
static const char *
run_end(const char *p, const char *e)
{
	const char	*q;

	for (q = p; (q = memchr(q, '<', e - q)) != NULL; q++) {
		if (q + 1 < e && (is_alpha(q[1]) || q[1] == '/' ||
		    q[1] == '!' || q[1] == '?'))
			return q;
	}
	return e;
}

/*
 * Text after a tag that was left out would run into the text before it:
 * bs4 counts a run of white space as one character, so an empty comment
 * keeps them apart, unless the text before is solid() and what comes
 * after (known up to p) is solid text or markup. A comment is a node for
 * gumbo: one per tag left out would leave a flood of tags as costly as
 * it was. A '<' just before the tag always needs one: joined to what
 * follows it could start a tag ("b<</x>y" would become "b<y").
 */
static void
sep_settle(struct nest *m, const char *p)
{
	const char	*e;

	if (!m->sep_due)
		return;
	m->sep_due = false;
	e = run_end(m->copied, p);
	if (!m->sep_solid || (e > m->copied && !solid(m->copied, e)) ||
	    (m->out.len > 0 && m->out.data[m->out.len - 1] == '<'))
		buf_add(&m->out, "<!>", 3);
}

/* Copy the input up to p to the rewritten page. */
static void
out_upto(struct nest *m, const char *p)
{
	if (p <= m->copied)
		return;
	sep_settle(m, p);
	buf_add(&m->out, m->copied, p - m->copied);
	m->copied = p;
}

/*
 * Leave the tag t out of the rewritten page; out_upto() keeps the text
 * around it apart. A <pre> right before it must not eat a newline after
 * it: an empty comment keeps them apart.
 */
static void
out_drop(struct nest *m, const struct tok *t)
{
	out_upto(m, t->start);
	if (t->start == m->pre_end) {
		sep_settle(m, m->copied);
		buf_add(&m->out, "<!>", 3);
	} else if (t->start > m->mark) {
		m->sep_due = true;
		m->sep_solid = solid(m->mark, t->start);
	}
	m->copied = t->end;
}

/*
 * A link (<a> or <area> with an href) left out keeps its attributes in
 * an empty <link> in its place, marked by an attribute NEST_LINK_MARK,
 * so that extract.c still finds it: a <link/> opens nothing and reopens
 * no formatting element (in foreign content too: it closes itself), and
 * parts the text around it as the tag did.
 */
static void
out_link(struct nest *m, const struct tok *t)
{
	const char	*a = t->name + t->namelen, *e;

	e = t->cut != NULL ? t->cut : t->end - 1 - t->selfclose;
	out_upto(m, t->start);
	sep_settle(m, m->copied);
	buf_adds(&m->out, "<link " NEST_LINK_MARK);
	buf_add(&m->out, a, e - a);
	buf_add(&m->out, "/>", 2);
	m->copied = t->end;
}

/*
 * Instead of letting gumbo reopen the formatting elements in m->surv,
 * take each off its list of active formatting elements: an end tag for
 * an element that is not open does just that.
 */
static void
out_close(struct nest *m, const char *after)
{
	const char	*name;

	out_upto(m, after);
	if (m->nsurv > 0)
		sep_settle(m, m->copied);
	while (m->nsurv > 0) {
		name = gumbo_normalized_tagname(
		    TOK_KEY_TAG(m->surv[--m->nsurv].key));
		buf_add(&m->out, "</", 2);
		buf_add(&m->out, name, strlen(name));
		buf_add(&m->out, ">", 1);
	}
}

/* Write a tag with its attributes cut to TOK_ATTR_CAP. */
static void
out_short(struct nest *m, const struct tok *t)
{
	out_upto(m, t->start);
	sep_settle(m, m->copied);
	if (t->endtag) {
		buf_add(&m->out, "</", 2);
		buf_add(&m->out, t->name, t->namelen);
	} else
		buf_add(&m->out, t->start, t->cut - t->start);
	if (t->selfclose)
		buf_add(&m->out, "/", 1);
	buf_add(&m->out, ">", 1);
	m->copied = t->end;
}

/* --- the scan ------------------------------------------------------------ */

static const char *
nest_tag(struct nest *m, const char *p)
{
	struct tok	 t, rt;
	const char	*q;
	enum act	 act;
	uint32_t	*d;
	bool		 keep;

	if (!tok_read_tag(p, m->end, &t)) {
		m->stop = true;		/* gumbo drops a tag cut off by EOF */
		return m->end;
	}
	m->started = true;
	if (t.nattr > TOK_ATTR_CAP)
		m->overattr = true;
	d = &m->dropped[(t.key ^ t.key >> 8) & 0xff];
	if (t.endtag) {
		if (m->rewrite && *d > 0) {
			(*d)--;
			keep = false;
		} else {
			/* An end tag that seems to close nothing goes, unless
			 * the model is wrong and it ends what changes the
			 * count. */
			keep = end_tag(m, &t) ||
			    (tagprops[t.tag] & (T_RAW | T_PRE | T_NOTEXT));
		}
		act = keep ? A_KEEP : A_DROP;
	} else if (m->rewrite && m->n + m->nsurv >= ceiling(m) &&
	    may_open(m, &t) && !counts_apart(m, &t)) {
		act = A_DROP;
		(*d)++;
	} else {
		m->tok = &t;
		m->tokopen = 0;
		m->tokpops = m->pops;
		act = start_tag(m, &t);
		if (m->tokopen < 0) {
			act = A_DROP;
			(*d)++;
		}
	}
	if (m->rewrite) {
		if (act == A_DROP && !t.endtag && t.href &&
		    (t.tag == GUMBO_TAG_A || t.tag == GUMBO_TAG_AREA))
			out_link(m, &t);
		else if (act == A_DROP)
			out_drop(m, &t);
		else if (t.nattr > TOK_ATTR_CAP)
			out_short(m, &t);
	}
	/* Past the clone budget, take formatting elements off gumbo's list
	 * as soon as they are closed (raw text must follow its tag). */
	if (m->rewrite && m->nsurv > 0 && m->clones > m->clonebudget &&
	    act != A_RAW && act != A_REST)
		out_close(m, act == A_DROP ? m->copied : t.end);
	if (act == A_KEEP && (t.tag == GUMBO_TAG_PRE ||
	    t.tag == GUMBO_TAG_LISTING))
		m->pre_end = t.end;
	m->mark = t.end;
	switch (act) {
	case A_RAW:
		if ((q = tok_raw_end(t.end, m->end, &t)) == NULL ||
		    !tok_read_tag(q, m->end, &rt))
			return m->end;
		if (rt.nattr > TOK_ATTR_CAP) {
			m->overattr = true;
			if (m->rewrite)
				out_short(m, &rt);
		}
		m->mark = rt.end;
		return rt.end;
	case A_REST:
		m->stop = true;
		return m->end;
	default:
		return t.end;
	}
}

/* Run the model over the page, up to where it has seen enough. */
static void
nest_run(struct nest *m)
{
	const char	*p = m->buf, *end = m->end, *q;
	size_t		 left;

	while (!m->stop && (q = memchr(p, '<', end - p)) != NULL) {
		text_work(m, p, q - p);
		p = q;
		left = end - p;
		if (left >= 4 && memcmp(p, "<!--", 4) == 0)
			p = tok_comment_end(p, end);
		else if (left >= 9 && !m->started && equal_ci(p, 9, "<!doctype")) {
			/* Only the first token can set the mode. */
			m->quirks = doctype_quirks(p, end);
			m->started = true;
			p = to_gt(p, end);
		} else if (left >= 2 && (p[1] == '!' || p[1] == '?')) {
			if (left >= 9 && memcmp(p, "<![CDATA[", 9) == 0 &&
			    m->n > 0 && (top(m)->flags & E_FOREIGN))
				q = memmem(p + 9, left - 9, "]]>", 3);
			else
				q = memchr(p, '>', left);
			p = q == NULL ? end : q + (*q == '>' ? 1 : 3);
		} else if (left >= 3 && p[1] == '/' && is_alpha(p[2]))
			p = nest_tag(m, p);
		else if (left >= 3 && p[1] == '/')
			p = p[2] == '>' ? p + 3 : to_gt(p, end);
		else if (left >= 2 && is_alpha(p[1]))
			p = nest_tag(m, p);
		else {
			p++;
			continue;
		}
		m->mark = p;
		if (!m->rewrite && (m->maxdepth > NEST_CAP || m->overattr ||
		    m->work > m->budget || m->clones > m->clonebudget))
			m->stop = true;
	}
	if (!m->stop)
		text_work(m, p, end - p);
}

static void
nest_init(struct nest *m, const char *buf, size_t len)
{
	memset(m, 0, sizeof *m);
	m->buf = buf;
	m->end = buf + len;
	m->quirks = true;	/* until a doctype says otherwise */
	m->budget = WORK_BASE + (uint64_t)WORK_PER_BYTE * len;
	m->clonebudget = CLONE_BASE + len / CLONE_DIV;
	m->count = xcalloc(GUMBO_TAG_LAST + 1, sizeof *m->count);
}

static void
nest_free(struct nest *m)
{
	free(m->st);
	free(m->surv);
	free(m->count);
}

/*
 * Whether the page needs flattening before gumbo sees it: 0 if not, else
 * the depth to flatten to first. A page that is not deep but costly
 * (many tags each walking a stack a few hundred deep) starts lower.
 */
static size_t
too_deep(const char *buf, size_t len)
{
	struct nest	m;
	size_t		limit = 0;

	nest_init(&m, buf, len);
	nest_run(&m);
	if (m.maxdepth > NEST_CAP || m.overattr || m.clones > m.clonebudget)
		limit = NEST_CAP;
	else if (m.work > m.budget)
		limit = NEST_CAP / 8;
	nest_free(&m);
	return limit;
}

/* A copy of the page with at most limit elements open at a time. */
static char *
flatten(const char *buf, size_t len, size_t limit, size_t *outlen)
{
	struct nest	m;

	nest_init(&m, buf, len);
	m.rewrite = true;
	m.limit = limit;
	m.copied = buf;
	m.mark = buf;
	/* The copy is never longer, but for a few "<!>". */
	m.out.cap = len + len / 8 + 64;
	m.out.data = xmalloc(m.out.cap);
	nest_run(&m);
	m.stop = false;
	out_upto(&m, m.end);
	sep_settle(&m, m.end);
	nest_free(&m);
	*outlen = m.out.len;
	return m.out.data;
}

/* --- the interface ------------------------------------------------------- */

/*
 * Flatten until the model says gumbo will be fast: at NEST_CAP first,
 * then lower if the walks still cost too much (a deep stack of elements
 * that a later flood of tags walks again and again).
 */
char *
nest_defend(const char *html, size_t len, size_t *outlen)
{
	char	*flat = NULL, *next;
	size_t	 limit, again, n = len;

	if ((limit = too_deep(html, len)) == 0)
		return NULL;
	for (;;) {
		next = flatten(flat != NULL ? flat : html, n, limit, &n);
		free(flat);
		flat = next;
		if (limit <= 8 || (again = too_deep(flat, n)) == 0)
			break;
		limit = again < limit ? again : limit / 8;
	}
	*outlen = n;
	return flat;
}
