/*
 * Extract: count the visible text of an HTML page as
 * len(BeautifulSoup(body, 'html.parser').text) counts it (doc/NOTES.md,
 * "The text count"), with gumbo as the parser.
 *
 * Three steps. charset.c turns the body into UTF-8. gumbo parses it into
 * an arena that is dropped in one go (gumbo's own free recurses and
 * crashes on deep trees); a page that would make gumbo slow is first
 * replaced by the copy with the same text that nest.c writes. An
 * iterative walk of the tree counts. Where gumbo's HTML5 tree and
 * html.parser's view of the source differ (whitespace gumbo drops or
 * merges, the CRs and NULs it removes, the newline after <pre>) the walk
 * reads the source text of the nodes to count what bs4 counts.
 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gumbo.h>

#include "buf.h"
#include "charset.h"
#include "extract.h"
#include "nest.h"
#include "scan.h"
#include "tokenize.h"
#include "xmalloc.h"

/* Append to the caller's text, if it wants any. */
static void
tb_add(struct textbuf *tb, const char *s, size_t n)
{
	if (tb != NULL && n > 0)
		buf_add(tb, s, n);
}

/* --- an arena for gumbo ------------------------------------------------ */

/*
 * gumbo allocates every node, string and vector through its options. An
 * arena makes that cheap and lets the whole tree go at once: never call
 * gumbo_destroy_output, which recurses and crashes on deep trees.
 */
struct chunk {
	struct chunk	*next;
	size_t		 size;
	size_t		 used;
	max_align_t	 data[];
};

struct arena {
	struct chunk	*head;
	void		*last;		/* the newest allocation in head */
	size_t		 lastused;	/* head->used before it */
	size_t		 next;		/* size of the next chunk */
	size_t		 total;		/* bytes handed out */
	size_t		 cap;		/* more abandons the parse */
	sigjmp_buf	 bail;		/* where to */
};

/*
 * The parser's memory for one page. gumbo takes about 230 bytes a node,
 * and a page can make a node of every 3 or 4 bytes ("<br>" over and over
 * takes 60 times its size), where real pages take 9 to 21 times theirs.
 * Past max(PARSE_MEM_MIN, PARSE_MEM_PER_BYTE * size) the parse is
 * abandoned (longjmp out of the allocator: everything gumbo holds is in
 * the arena, so nothing leaks) and the page fails.
 */
#define PARSE_MEM_MIN		((size_t)128 << 20)
#define PARSE_MEM_PER_BYTE	16

#define ALIGN	sizeof(max_align_t)

/* Why a parse was abandoned (the siglongjmp value). */
#define BAIL_MEMORY	1
#define BAIL_ASSERT	2

/*
 * Built for the fuzzer (tests/fuzz), every block gets a chunk of its own,
 * of the exact size, so that AddressSanitizer sees a read past any of
 * them.
 */
#ifdef FUZZING
#define ARENA_EACH	1
#else
#define ARENA_EACH	0
#endif

static void *
arena_alloc(void *ud, size_t n)
{
	struct arena	*a = ud;
	struct chunk	*c = a->head, *big;
	void		*p;
	size_t		 asked = n;

	n = n == 0 ? ALIGN : (n + ALIGN - 1) & ~(ALIGN - 1);
	if ((a->total += n) > a->cap)
		siglongjmp(a->bail, BAIL_MEMORY);
	if (ARENA_EACH || n > a->next / 4) {
		/* A big block gets a chunk of its own behind the current
		 * one, so the space left in head is not wasted. */
		big = xmalloc(sizeof *big + (ARENA_EACH ? asked : n));
		big->size = big->used = n;
		if (c == NULL) {
			big->next = NULL;
			a->head = big;
		} else {
			big->next = c->next;
			c->next = big;
		}
		a->last = NULL;
		return big->data;
	}
	if (c == NULL || c->size - c->used < n) {
		c = xmalloc(sizeof *c + a->next);
		c->size = a->next;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		if (a->next < 16 * 1024 * 1024)
			a->next *= 2;
	}
	p = (char *)c->data + c->used;
	a->last = p;
	a->lastused = c->used;
	c->used += n;
	return p;
}

/*
 * Nothing is freed one by one, but gumbo often frees what it allocated
 * just before (token buffers, grown vectors): take that back.
 */
static void
arena_free(void *ud, void *p)
{
	struct arena	*a = ud;

	if (p != NULL && p == a->last) {
		a->total -= a->head->used - a->lastused;
		a->head->used = a->lastused;
		a->last = NULL;
	}
}

static void
arena_init(struct arena *a, size_t len)
{
	a->head = NULL;
	a->last = NULL;
	a->total = 0;
	a->cap = len > PARSE_MEM_MIN / PARSE_MEM_PER_BYTE ?
	    len * PARSE_MEM_PER_BYTE : PARSE_MEM_MIN;
	a->next = 64 * 1024;
	/* About what gumbo needs for a page of this size. */
	while (a->next < 2 * len && a->next < 16 * 1024 * 1024)
		a->next *= 2;
}

static void
arena_clear(struct arena *a)
{
	struct chunk	*c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* --- counting ------------------------------------------------------------ */

struct walk {
	const char	*buf;		/* what gumbo parsed */
	const char	*end;
	uint64_t	 chars;
	struct textbuf	*text;
	unsigned	 pre;		/* open <pre> and <textarea> */
	unsigned	 quiet;		/* open elements whose text is skipped */
	struct extract_links *links;	/* NULL: no links wanted */
	bool		 flat;		/* the page is nest.c's copy */
};

/* Code points in valid UTF-8. */
static size_t
count_cp(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* bs4 turns a run of ASCII whitespace into one "\n" or " ". */
static void
count_run(struct walk *w, const char *s, size_t len)
{
	if (len == 0)
		return;
	if (w->pre == 0 && all_space(s, len)) {
		w->chars++;
		tb_add(w->text, memchr(s, '\n', len) != NULL ? "\n" : " ", 1);
		return;
	}
	w->chars += count_cp(s, len);
	tb_add(w->text, s, len);
}

static bool
valid_utf8(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, n, k;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if (u[i] >= 0xc2 && u[i] <= 0xdf)
			n = 1;
		else if (u[i] >= 0xe0 && u[i] <= 0xef)
			n = 2;
		else if (u[i] >= 0xf0 && u[i] <= 0xf4)
			n = 3;
		else
			return false;
		if (i + n >= len)
			return false;
		for (k = 1; k <= n; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return false;
		}
		if ((u[i] == 0xe0 && u[i + 1] < 0xa0) ||
		    (u[i] == 0xed && u[i + 1] > 0x9f) ||
		    (u[i] == 0xf0 && u[i + 1] < 0x90) ||
		    (u[i] == 0xf4 && u[i + 1] > 0x8f))
			return false;
		i += n + 1;
	}
	return true;
}

/*
 * The run of source text from o to the next tag, as bs4 splits runs: it
 * ends at *segend; the return value is where the next one starts.
 */
static const char *
next_run(const char *o, const char *oe, const char **segend)
{
	const char	*q = o, *r;

	for (;;) {
		if ((q = memchr(q, '<', oe - q)) == NULL) {
			*segend = oe;
			return oe;
		}
		if (q + 1 < oe && (is_alpha(q[1]) || (q[1] == '/' &&
		    q + 2 < oe && is_alpha(q[2])))) {
			*segend = q;
			return (r = tok_tag_end(q, oe, NULL)) != NULL ? r : oe;
		}
		if (q + 1 < oe && (q[1] == '!' || q[1] == '?' || q[1] == '/')) {
			*segend = q;
			return to_gt(q, oe);
		}
		q++;
	}
}

/* Bytes gumbo makes of a run without character references. */
static size_t
plain_len(const char *s, size_t len)
{
	size_t	i, n = len;

	for (i = 0; i < len; i++) {
		if (s[i] == '\0' || (s[i] == '\r' && i + 1 < len &&
		    s[i + 1] == '\n'))
			n--;
	}
	return n;
}

/*
 * Whether s starts with what gumbo makes of the run r (which has no
 * character references): CRLF and CR become LF, NUL goes. Returns the
 * length in s, or -1.
 */
static long
plain_match(const char *r, size_t rlen, const char *s, size_t slen)
{
	size_t	i, k = 0;
	char	c;

	for (i = 0; i < rlen; i++) {
		if ((c = r[i]) == '\0')
			continue;
		if (c == '\r') {
			if (i + 1 < rlen && r[i + 1] == '\n')
				continue;
			c = '\n';
		}
		if (k == slen || s[k] != c)
			return -1;
		k++;
	}
	return k;
}

static bool
has_ref(const char *r, const char *e)
{
	return memchr(r, '&', e - r) != NULL;
}

static size_t
crlf_pairs(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i + 1 < len; i++)
		n += s[i] == '\r' && s[i + 1] == '\n';
	return n;
}

/* Count and copy decoded text, putting back the CRs of CRLFs. */
static void
count_crlf(struct walk *w, const char *s, size_t len, size_t crlf)
{
	const char	*q;

	if (w->pre == 0 && all_space(s, len)) {
		count_run(w, s, len);
		return;
	}
	w->chars += count_cp(s, len);
	for (; crlf > 0 && (q = memchr(s, '\n', len)) != NULL; crlf--) {
		w->chars++;
		tb_add(w->text, s, q - s);
		tb_add(w->text, "\r\n", 2);
		len -= q + 1 - s;
		s = q + 1;
	}
	tb_add(w->text, s, len);
}

/* Past what could be a character reference at p ('&'). */
static const char *
ref_end(const char *p, const char *e)
{
	p++;
	if (p < e && *p == '#')
		p++;
	while (p < e && (is_alpha(*p) || (*p >= '0' && *p <= '9')))
		p++;
	if (p < e && *p == ';')
		p++;
	return p;
}

/*
 * The least and most bytes gumbo can make of the runs r..re: references
 * never decode to more bytes than they take, and to at least one.
 */
static void
ref_bounds(const char *r, const char *re, size_t *lo, size_t *hi)
{
	const char	*e, *nx, *q;

	*lo = *hi = 0;
	for (; r < re; r = nx) {
		nx = next_run(r, re, &e);
		*hi += plain_len(r, e - r);
		while ((q = memchr(r, '&', e - r)) != NULL) {
			*lo += plain_len(r, q - r) + 1;
			r = ref_end(q, e);
		}
		*lo += plain_len(r, e - r);
	}
}

/* Whether s..s+len ends with what gumbo makes of r..re. */
static bool
plain_suffix(const char *r, const char *re, const char *s, size_t len)
{
	size_t	n = plain_len(r, re - r);

	return n <= len && plain_match(r, re - r, s + len - n, n) == (long)n;
}

/*
 * Match the literal runs from r on (up to the first run with references,
 * whose text before the first '&' is included) at s. Returns the length
 * matched or -1; *open tells whether a run with references followed.
 */
static long
literal_match(const char *r, const char *oe, const char *s, size_t len,
    bool *open)
{
	const char	*e, *nx, *amp;
	size_t		 pos = 0;
	long		 k;

	*open = false;
	for (; r < oe; r = nx) {
		nx = next_run(r, oe, &e);
		if ((amp = memchr(r, '&', e - r)) != NULL) {
			*open = true;
			e = amp;
		}
		if ((k = plain_match(r, e - r, s + pos, len - pos)) < 0)
			return -1;
		pos += k;
		if (*open)
			break;
	}
	return pos;
}

/*
 * Walk the runs of the source o..oe against the decoded text s. Runs
 * without references are literal; a run with references (with any runs
 * with references after it) is a wildcard, except for its text before
 * the first and after the last '&'. As in matching a glob, each literal
 * stretch goes at the first place it fits, and the last one at the end.
 * Counts when w is set; returns false if the runs do not fit.
 * A literal run that gumbo leaves empty (NULs only) anchors nothing: the
 * group before it takes the shortest fit, and the NUL may land a few
 * characters early in the text. The count is the same either way.
 */
static bool
match_runs(struct walk *w, const char *o, const char *oe, const char *s,
    size_t len)
{
	const char	*r, *e, *nx, *g, *ge, *kr, *tail, *tailend, *q;
	const char	*gend;
	size_t		 pos = 0, tries = 0, crlf, d, lo, hi;
	long		 k;
	bool		 open;

	for (r = o; r < oe; r = nx) {
		nx = next_run(r, oe, &e);
		if (r == e)
			continue;
		if (!has_ref(r, e)) {
			if ((k = plain_match(r, e - r, s + pos, len - pos)) < 0)
				return false;
			if (w != NULL)
				count_run(w, r, e - r);
			pos += k;
			continue;
		}
		/* The group of runs with references, up to a literal run. */
		crlf = crlf_pairs(r, e - r);
		tail = r;
		tailend = gend = e;
		for (g = nx, kr = NULL; g < oe; g = nx) {
			nx = next_run(g, oe, &ge);
			if (g == ge)
				continue;
			if (!has_ref(g, ge)) {
				kr = g;
				nx = g;
				break;
			}
			crlf += crlf_pairs(g, ge - g);
			tail = g;
			tailend = gend = ge;
		}
		ref_bounds(r, gend, &lo, &hi);
		for (q = tail; (q = memchr(q, '&', tailend - q)) != NULL;)
			tail = q = ref_end(q, tailend);
		q = memchr(r, '&', e - r);
		if ((k = plain_match(r, q - r, s + pos, len - pos)) < 0)
			return false;
		if (lo < (size_t)k)
			lo = k;
		for (d = pos + lo; d <= len && d <= pos + hi; d++) {
			/* The group decodes to whole characters. */
			if (d < len && ((unsigned char)s[d] & 0xc0) == 0x80)
				continue;
			if (++tries > 64 + 16 * (size_t)(oe - o))
				return false;
			if (!plain_suffix(tail, tailend, s + pos, d - pos))
				continue;
			if (kr == NULL) {
				if (d == len)
					break;
				continue;
			}
			k = literal_match(kr, oe, s + d, len - d, &open);
			if (k >= 0 && (open || d + k == len))
				break;
		}
		if (d > len || d > pos + hi)
			return false;
		if (w != NULL)
			count_crlf(w, s + pos, d - pos, crlf);
		pos = d;
	}
	return pos == len;
}

/*
 * Count a text node. Its source text (original_text) shows what gumbo
 * changed: tags it ignored inside the run (bs4 ends a run at every tag,
 * so "\n</span>\n" is two whitespace runs), CRs it turned into LF, NULs
 * it dropped. So the node counts run by run of its source, as bs4 sees
 * them; when the runs cannot be matched to the decoded text, the
 * decoded text counts, with the CRs put back.
 */
static void
count_text(struct walk *w, const GumboText *t, bool cdata)
{
	const char	*s = t->text, *o = t->original_text.data, *oe;
	size_t		 len = strlen(s), olen = t->original_text.length;

	/* A node that starts with a CRLF has its source start at the LF. */
	if (o != NULL && olen > 0 && o > w->buf && o <= w->end && *o == '\n' &&
	    o[-1] == '\r') {
		o--;
		olen++;
	}
	if (cdata || o == NULL || olen == 0 ||
	    (memchr(o, '<', olen) == NULL && memchr(o, '\r', olen) == NULL &&
	    memchr(o, '\0', olen) == NULL)) {
		count_run(w, s, len);
		return;
	}
	oe = o + olen;
	if (valid_utf8(o, olen) && match_runs(NULL, o, oe, s, len))
		match_runs(w, o, oe, s, len);
	else
		count_crlf(w, s, len, crlf_pairs(o, olen));
}

/*
 * gumbo drops the whitespace between the start of the page and <head>
 * (before the doctype, around <html>); bs4 keeps each run. Count those
 * runs from the source.
 */
static void
count_prefix(struct walk *w)
{
	const char	*p = w->buf, *end = w->end, *q, *r;
	GumboTag	 tag;

	while (p < end) {
		for (q = p; q < end && is_html_space(*q); q++)
			;
		if (q == end || *q != '<') {
			/* Text follows: the space is part of its run. */
			if (q == end)
				count_run(w, p, q - p);
			else if (q > p) {
				w->chars += q - p;
				tb_add(w->text, p, q - p);
			}
			return;
		}
		count_run(w, p, q - p);
		p = q;
		if (end - p >= 4 && memcmp(p, "<!--", 4) == 0)
			p = tok_comment_end(p, end);
		else if (end - p >= 2 && (p[1] == '!' || p[1] == '?'))
			p = to_gt(p, end);
		else if (end - p >= 6 && equal_ci(p + 1, 4, "html") &&
		    (is_html_space(p[5]) || p[5] == '>' || p[5] == '/'))
			p = to_gt(p, end);
		else if (end - p >= 3 && p[1] == '/' && is_alpha(p[2]) &&
		    (r = tok_tag_end(p, end, &tag)) != NULL &&
		    tag != GUMBO_TAG_HEAD && tag != GUMBO_TAG_BODY &&
		    tag != GUMBO_TAG_HTML && tag != GUMBO_TAG_BR)
			p = r;	/* an end tag gumbo ignores here */
		else
			return;
	}
}

static bool
skipped(const GumboNode *node)
{
	if (node->type == GUMBO_NODE_TEMPLATE ||
	    (node->parse_flags & GUMBO_INSERTION_FROM_ISINDEX))
		return true;
	switch (node->v.element.tag) {
	case GUMBO_TAG_SCRIPT:
	case GUMBO_TAG_STYLE:
	case GUMBO_TAG_TEMPLATE:
	case GUMBO_TAG_RT:
	case GUMBO_TAG_RP:
		return true;
	default:
		return false;
	}
}

/*
 * gumbo drops the newline right after <pre>, <textarea> and <listing>;
 * bs4 does not. In pre and textarea it counts as it is. After listing,
 * which bs4 does not treat apart, it starts the next run of text: it
 * counts unless that run is whitespace only (then it is one character
 * either way), or there is no run (then it is the run).
 */
static void
count_pre_newline(struct walk *w, const GumboElement *el)
{
	const char	*p = el->original_tag.data + el->original_tag.length;
	const char	*q, *r;
	size_t		 n;

	if (el->original_tag.length == 0 || p < w->buf || p >= w->end)
		return;
	if (*p == '\r' && p + 1 < w->end && p[1] == '\n')
		n = 2;
	else if (*p == '\n' || *p == '\r')
		n = 1;
	else
		return;
	if (el->tag == GUMBO_TAG_LISTING) {
		q = p + n;
		r = memchr(q, '<', w->end - q);
		if (r == NULL)
			r = w->end;
		if (r > q && all_space(q, r - q))
			return;
		if (r == q) {
			count_run(w, p, n);
			return;
		}
		w->pre++;	/* the newline joins text: count it as is */
		count_run(w, p, n);
		w->pre--;
		return;
	}
	count_run(w, p, n);
}

struct frame {
	const GumboVector	*kids;
	unsigned int		 next;
	bool			 pre;
	bool			 quiet;
};

/*
 * Whether a skipped element can hold links that a browser shows: <rt>
 * and <rp> are rendered (their text is not counted: bs4 leaves it out);
 * script, style and template contents are not.
 */
static bool
has_shown_links(const GumboNode *node)
{
	return node->type == GUMBO_NODE_ELEMENT &&
	    !(node->parse_flags & GUMBO_INSERTION_FROM_ISINDEX) &&
	    (node->v.element.tag == GUMBO_TAG_RT ||
	    node->v.element.tag == GUMBO_TAG_RP);
}

/*
 * Keep the href of an <a> or <area> (or of the <link> nest.c left in
 * the place of one in a flattened page), or the first <base href>.
 */
static void
collect_link(struct extract_links *l, const GumboElement *el, bool flat)
{
	const GumboAttribute	*a;
	size_t			 max = l->max != 0 ? l->max : EXTRACT_MAX_LINKS;

	if (el->tag_namespace != GUMBO_NAMESPACE_HTML)
		return;
	if (el->tag == GUMBO_TAG_A || el->tag == GUMBO_TAG_AREA ||
	    (flat && el->tag == GUMBO_TAG_LINK &&
	    gumbo_get_attribute(&el->attributes, NEST_LINK_MARK) != NULL)) {
		if (l->n >= max ||
		    (a = gumbo_get_attribute(&el->attributes, "href")) == NULL)
			return;
		if (l->n == l->cap) {
			l->cap = l->cap != 0 ? 2 * l->cap : 16;
			l->hrefs = xrealloc(l->hrefs, l->cap * sizeof *l->hrefs);
		}
		l->hrefs[l->n++] = xstrdup(a->value);
	} else if (el->tag == GUMBO_TAG_BASE && l->base == NULL &&
	    (a = gumbo_get_attribute(&el->attributes, "href")) != NULL)
		l->base = xstrdup(a->value);
}

/* Walk the tree with a heap stack: pages can nest deeply. */
static void
count_tree(struct walk *w, const GumboNode *doc)
{
	struct frame		*st;
	size_t			 n = 0, cap = 64;
	const GumboNode		*node;
	const GumboElement	*el;
	const char		*c;
	size_t			 clen;
	bool			 pre, hide;

	st = xmalloc(cap * sizeof *st);
	st[n++] = (struct frame){ &doc->v.document.children, 0, false, false };
	while (n > 0) {
		if (st[n - 1].next == st[n - 1].kids->length) {
			n--;
			w->pre -= st[n].pre;
			w->quiet -= st[n].quiet;
			continue;
		}
		node = st[n - 1].kids->data[st[n - 1].next++];
		switch (node->type) {
		case GUMBO_NODE_ELEMENT:
		case GUMBO_NODE_TEMPLATE:
			el = &node->v.element;
			if (w->links != NULL && node->type == GUMBO_NODE_ELEMENT)
				collect_link(w->links, el, w->flat);
			/* Into a skipped element only for its links, quietly. */
			hide = skipped(node);
			if (hide && (w->links == NULL || !has_shown_links(node)))
				break;
			pre = !hide && w->quiet == 0 &&
			    el->tag_namespace == GUMBO_NAMESPACE_HTML &&
			    (el->tag == GUMBO_TAG_PRE ||
			    el->tag == GUMBO_TAG_TEXTAREA);
			if (pre)
				w->pre++;
			if (!hide && w->quiet == 0 && (pre ||
			    (el->tag == GUMBO_TAG_LISTING &&
			    el->tag_namespace == GUMBO_NAMESPACE_HTML)))
				count_pre_newline(w, el);
			if (n == cap) {
				cap *= 2;
				st = xrealloc(st, cap * sizeof *st);
			}
			st[n++] = (struct frame){ &el->children, 0, pre, hide };
			w->quiet += hide;
			break;
		case GUMBO_NODE_TEXT:
		case GUMBO_NODE_WHITESPACE:
			if (w->quiet == 0)
				count_text(w, &node->v.text, false);
			break;
		case GUMBO_NODE_CDATA:
			if (w->quiet == 0)
				count_text(w, &node->v.text, true);
			break;
		case GUMBO_NODE_COMMENT:
			if (w->quiet != 0)
				break;
			/* In HTML a CDATA section is a bogus comment for gumbo
			 * but text for bs4. */
			c = node->v.text.text;
			clen = strlen(c);
			if (node->v.text.original_text.length >= 9 &&
			    memcmp(node->v.text.original_text.data,
			    "<![CDATA[", 9) == 0 && clen >= 9 &&
			    memcmp(c + clen - 2, "]]", 2) == 0)
				count_run(w, c + 7, clen - 9);
			break;
		default:
			break;
		}
	}
	free(st);
}

/*
 * gumbo 0.10.1 reads a numeric character reference into an int, and
 * Debian's build has lost its check for overflow (signed overflow is
 * undefined, so the compiler may drop the test): "&#xBBBBBBBB;" comes
 * out as the single byte BB, which is not UTF-8, and a value that wraps
 * to a valid code point comes out as that character. bs4, like gumbo
 * for values that fit in an int, makes U+FFFD of anything past U+10FFFF.
 * So in a copy of the page, each reference past INT_MAX has its digits
 * rewritten, to the same length (the walk reads the source by offset),
 * as 0..0110000 or 0..01114112, which gumbo turns into U+FFFD. Returns
 * the copy, or NULL when the page has no such reference.
 */
static char *
tame_refs(const char *buf, size_t n)
{
	const char	*p = buf, *e = buf + n, *d, *q, *big;
	char		*copy = NULL;
	uint64_t	 v;
	size_t		 k, bl;
	bool		 hex;
	int		 dig;

	while ((p = memchr(p, '&', e - p)) != NULL) {
		if (++p == e || *p != '#')
			continue;
		d = p + 1;
		hex = d < e && (*d == 'x' || *d == 'X');
		d += hex;
		v = 0;
		for (q = d; q < e && (dig = hexval(*q)) >= 0 &&
		    (hex || dig < 10); q++) {
			if (v <= INT_MAX)
				v = v * (hex ? 16 : 10) + dig;
		}
		p = q;
		if (v <= INT_MAX)
			continue;
		if (copy == NULL) {
			copy = xmalloc(n);
			memcpy(copy, buf, n);
		}
		/* Past INT_MAX: at least 8 hex or 10 decimal digits. */
		big = hex ? "110000" : "1114112";
		bl = strlen(big);
		k = q - d;
		memset(copy + (d - buf), '0', k - bl);
		memcpy(copy + (q - buf) - bl, big, bl);
	}
	return copy;
}

/* --- the interface ------------------------------------------------------- */

/*
 * gumbo 0.10.1 has assertions that some pages fail (e.g. the 47 bytes
 * "<table><svg><th><foreignObject><select></table>"), and Debian builds it
 * with them on: abort() would take the whole run down. While a thread
 * parses, a SIGABRT raised in it jumps back out of the parse instead (glibc's
 * abort() releases its lock before raising, and everything gumbo holds is
 * in the arena). Any other SIGABRT goes to the handler that was there
 * before ours, which by default ends the process.
 */
static _Thread_local struct arena *parsing;
static pthread_once_t abort_once = PTHREAD_ONCE_INIT;
static struct sigaction abort_before;	/* the handler ours replaced */

static void
on_abort(int sig, siginfo_t *info, void *uc)
{
	const struct sigaction *was = &abort_before;

	if (parsing != NULL)
		siglongjmp(parsing->bail, BAIL_ASSERT);
	/* Not a parse: what was there before (libFuzzer's handler saves the
	 * input), and ours stays for the next parse. */
	if (was->sa_flags & SA_SIGINFO)
		was->sa_sigaction(sig, info, uc);
	else if (was->sa_handler == SIG_IGN)
		return;
	else if (was->sa_handler != SIG_DFL)
		was->sa_handler(sig);
	else {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

static void
catch_abort(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_abort;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGABRT, &sa, &abort_before);
}

/*
 * gumbo's parse, or NULL with *why set when it outgrew the arena's cap or
 * failed one of its assertions. Nothing local changes between sigsetjmp
 * and siglongjmp here, so nothing needs volatile.
 */
static GumboOutput *
parse_bounded(const GumboOptions *opts, struct arena *a, const char *buf,
    size_t n, int *why)
{
	GumboOutput *g;

	pthread_once(&abort_once, catch_abort);
	if ((*why = sigsetjmp(a->bail, 1)) != 0) {
		parsing = NULL;
		return NULL;
	}
	parsing = a;
	g = gumbo_parse_with_options(opts, buf, n);
	parsing = NULL;
	return g;
}

bool
extract_is_html(const char *ct)
{
	size_t	len;

	if (ct == NULL)
		return true;
	while (is_html_space(*ct))
		ct++;
	len = strcspn(ct, "; \t\r\n");
	if (len == 0)
		return true;	/* an empty header is as good as none */
	return equal_ci(ct, len, "text/html") ||
	    equal_ci(ct, len, "application/xhtml+xml");
}

void
extract_page(const char *body, size_t len, const char *content_type,
    struct extract_out *out, struct textbuf *text)
{
	extract_page_links(body, len, content_type, out, text, NULL);
}

void
extract_links_free(struct extract_links *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->hrefs[i]);
	free(l->hrefs);
	free(l->base);
	l->hrefs = NULL;
	l->base = NULL;
	l->n = l->cap = 0;
}

void
extract_page_links(const char *body, size_t len, const char *content_type,
    struct extract_out *out, struct textbuf *text,
    struct extract_links *links)
{
	struct charset_text	 ct;
	struct arena		 arena;
	struct walk		 w;
	GumboOptions		 opts = kGumboDefaultOptions;
	GumboOutput		*g;
	const char		*buf;
	char			*flat, *tamed;
	size_t			 n;
	int			 why;

	memset(out, 0, sizeof *out);
	charset_decode(body, len, content_type, &ct);
	buf = ct.data;
	n = ct.len;
	if ((tamed = tame_refs(buf, n)) != NULL)
		buf = tamed;
	if ((flat = nest_defend(buf, n, &n)) != NULL)
		buf = flat;

	arena_init(&arena, n);
	opts.allocator = arena_alloc;
	opts.deallocator = arena_free;
	opts.userdata = &arena;
	opts.max_errors = 0;
	if ((g = parse_bounded(&opts, &arena, buf, n, &why)) == NULL) {
		arena_clear(&arena);
		out->charset = ct.charset;
		out->flattened = flat != NULL;
		out->too_complex = why == BAIL_MEMORY;
		out->parser_failed = why == BAIL_ASSERT;
		out->parse_limit = arena.cap;
		free(flat);
		free(tamed);
		free(ct.owned);
		return;
	}

	memset(&w, 0, sizeof w);
	w.buf = buf;
	w.end = buf + n;
	w.text = text;
	w.links = links;
	w.flat = flat != NULL;
	count_prefix(&w);
	count_tree(&w, g->document);

	arena_clear(&arena);
	out->chars = w.chars;
	out->charset = ct.charset;
	out->flattened = flat != NULL;
	free(flat);
	free(tamed);
	free(ct.owned);
}
