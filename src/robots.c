/*
 * Robots: RFC 9309 robots.txt parsing and matching.
 *
 * One pass over the lines keeps two rule lists: the rules of the groups
 * that name our product token and those of the groups that name "*".
 * At the end the first list wins if any group named us (even one without
 * rules), else the second; the other is dropped. Patterns and targets
 * are compared in one normal form of their percent-encoding, and matched
 * with the two-pointer wildcard match (O(pattern * target) at worst, no
 * recursion), so that a hostile file cannot make a check slow.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "robots.h"
#include "scan.h"
#include "xmalloc.h"

struct rule {
	char	*pat;		/* normalised, without a final '$' */
	size_t	 len;		/* specificity: the normalised length */
	bool	 anchored;	/* the pattern ended in '$' */
	bool	 allow;
};

struct rules {
	struct rule	*v;
	size_t		 n, cap;
	bool		 named;		/* a group named it */
	double		 delay;
};

struct robots {
	struct rule	*rules;
	size_t		 n;
	double		 delay;
	bool		 deny_all;
};

static bool
unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/*
 * The normal form of a path or pattern, so that /%7Efoo, /%7efoo and
 * /~foo compare equal: %XX in upper case, or decoded when it stands for
 * an unreserved character; raw bytes that may not appear in a request
 * line (controls, space, non-ASCII) encoded as %XX.
 */
static void
normalise(struct textbuf *b, const char *s, size_t len)
{
	unsigned char		 c;
	size_t			 i;
	int			 h, l;

	b->len = 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%' && i + 2 < len &&
		    (h = hexval(s[i + 1])) >= 0 && (l = hexval(s[i + 2])) >= 0) {
			c = (unsigned char)(h << 4 | l);
			i += 2;
			if (unreserved(c)) {
				buf_addc(b, (char)c);
				continue;
			}
		} else if (c > 0x20 && c < 0x7f) {
			buf_addc(b, (char)c);
			continue;
		}
		buf_addpct(b, c);
	}
	buf_addc(b, '\0');
	b->len--;
}

/*
 * Whether the pattern p (plen bytes, '*' any run) matches s from its
 * start: all of s when anchored, else a prefix of it. The classic glob
 * match that backtracks only to the last '*' seen.
 */
static bool
glob(const char *p, size_t plen, bool anchored, const char *s, size_t slen)
{
	size_t	pi = 0, si = 0, star = 0, mark = 0;
	bool	have_star = false;

	while (si < slen) {
		if (pi < plen && p[pi] == '*') {
			have_star = true;
			star = pi++;
			mark = si;
			continue;
		}
		if (pi == plen && !anchored)
			return true;
		if (pi < plen && p[pi] == s[si]) {
			pi++;
			si++;
			continue;
		}
		if (!have_star)
			return false;
		pi = star + 1;
		si = ++mark;
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

static void
rules_add(struct rules *r, const char *pat, size_t len, bool allow)
{
	struct rule	*ru;

	if (r->n == ROBOTS_MAX_RULES)
		return;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	ru = &r->v[r->n++];
	ru->anchored = len > 0 && pat[len - 1] == '$';
	if (ru->anchored)
		len--;
	ru->pat = xstrndup(pat, len);
	ru->len = len + ru->anchored;
	ru->allow = allow;
}

static void
rules_clear(struct rules *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].pat);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

/*
 * A Crawl-delay value: digits with an optional fraction; what follows
 * the number is ignored. -1 when there is no number.
 */
static double
parse_delay(const char *s, size_t len)
{
	double	v = 0, scale = 1;
	size_t	i = 0;
	bool	digits = false;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		digits = true;
		if (v < 1e6)
			v = v * 10 + (s[i] - '0');
	}
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			digits = true;
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
	}
	if (!digits)
		return -1;
	return v > ROBOTS_MAX_DELAY ? ROBOTS_MAX_DELAY : v;
}

/* Whether s (len bytes) is key, ignoring case. */
static bool
is_key(const char *s, size_t len, const char *key)
{
	size_t	i;

	if (strlen(key) != len)
		return false;
	for (i = 0; i < len; i++) {
		if (lower(s[i]) != key[i])
			return false;
	}
	return true;
}

/*
 * The product token of a user-agent value (up to '/' or whitespace) is
 * the crawler's, ignoring case, or "*".
 */
static void
match_agent(const char *v, size_t len, const char *product, bool *us,
    bool *star)
{
	size_t	n, plen = strlen(product), i;

	for (n = 0; n < len && v[n] != '/' && !is_c_space(v[n]); n++)
		;
	if (n == 1 && v[0] == '*') {
		*star = true;
		return;
	}
	if (n != plen || n == 0)
		return;
	for (i = 0; i < n; i++) {
		if (lower(v[i]) != lower(product[i]))
			return;
	}
	*us = true;
}

struct robots *
robots_parse(const char *body, size_t len, const char *product)
{
	struct rules	 mine = { 0 }, star = { 0 }, *keep;
	struct textbuf	 norm = { NULL, 0, 0 };
	struct robots	*rb;
	const char	*p, *end, *eol, *k, *ke, *v, *ve, *colon, *hash;
	bool		 in_agents = false, g_us = false, g_star = false;
	bool		 allow;
	double		 d;

	if (body == NULL)
		len = 0;
	p = body;
	end = body + (len > ROBOTS_MAX_BYTES ? ROBOTS_MAX_BYTES : len);
	if (len > ROBOTS_MAX_BYTES && *end != '\n' && *end != '\r') {
		/* The line the limit cuts is not read: it could be a rule
		 * cut short ("Allow: /private-b" of a longer path). */
		while (end > p && end[-1] != '\n' && end[-1] != '\r')
			end--;
	}
	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (; p < end; p = eol + 1) {
		for (eol = p; eol < end && *eol != '\n' && *eol != '\r'; eol++)
			;
		if ((hash = memchr(p, '#', eol - p)) == NULL)
			hash = eol;
		if ((colon = memchr(p, ':', hash - p)) == NULL)
			continue;
		for (k = p; k < colon && is_c_space(*k); k++)
			;
		for (ke = colon; ke > k && is_c_space(ke[-1]); ke--)
			;
		for (v = colon + 1; v < hash && is_c_space(*v); v++)
			;
		for (ve = hash; ve > v && is_c_space(ve[-1]); ve--)
			;
		if (is_key(k, ke - k, "user-agent")) {
			if (!in_agents)
				g_us = g_star = false;	/* a new group */
			in_agents = true;
			match_agent(v, ve - v, product, &g_us, &g_star);
			mine.named |= g_us;
			star.named |= g_star;
			continue;
		}
		if (is_key(k, ke - k, "allow"))
			allow = true;
		else if (is_key(k, ke - k, "disallow"))
			allow = false;
		else if (is_key(k, ke - k, "crawl-delay")) {
			in_agents = false;
			if ((d = parse_delay(v, ve - v)) < 0)
				continue;
			if (g_us && d > mine.delay)
				mine.delay = d;
			if (g_star && d > star.delay)
				star.delay = d;
			continue;
		} else
			continue;	/* sitemap, unknown: no effect */
		in_agents = false;
		if (ve == v || (!g_us && !g_star))
			continue;	/* "Disallow:" forbids nothing */
		normalise(&norm, v, ve - v);
		if (g_us)
			rules_add(&mine, norm.data, norm.len, allow);
		if (g_star)
			rules_add(&star, norm.data, norm.len, allow);
	}
	free(norm.data);

	rb = xcalloc(1, sizeof *rb);
	keep = mine.named ? &mine : &star;
	rb->rules = keep->v;
	rb->n = keep->n;
	rb->delay = keep->delay;
	keep->v = NULL;
	keep->n = 0;
	rules_clear(&mine);
	rules_clear(&star);
	return rb;
}

struct robots *
robots_all(bool allow)
{
	struct robots	*rb = xcalloc(1, sizeof *rb);

	rb->deny_all = !allow;
	return rb;
}

/* The path part of a target, up to '?'. */
static bool
is_robots_txt(const char *target)
{
	static const char	name[] = "/robots.txt";

	return strncmp(target, name, sizeof name - 1) == 0 &&
	    (target[sizeof name - 1] == '\0' || target[sizeof name - 1] == '?');
}

bool
robots_allowed(const struct robots *rb, const char *target)
{
	struct textbuf	 t = { NULL, 0, 0 };
	const struct rule *r, *best = NULL;
	size_t		 i;

	if (target == NULL || *target == '\0')
		target = "/";
	if (is_robots_txt(target))
		return true;
	if (rb->deny_all)
		return false;
	if (rb->n == 0)
		return true;
	normalise(&t, target, strlen(target));
	for (i = 0; i < rb->n; i++) {
		r = &rb->rules[i];
		if (best != NULL && (r->len < best->len ||
		    (r->len == best->len && (best->allow || !r->allow))))
			continue;	/* could not win */
		if (glob(r->pat, strlen(r->pat), r->anchored, t.data, t.len))
			best = r;
	}
	free(t.data);
	return best == NULL || best->allow;
}

double
robots_delay(const struct robots *rb)
{
	return rb->delay;
}

size_t
robots_nrules(const struct robots *rb)
{
	return rb->n;
}

void
robots_free(struct robots *rb)
{
	size_t	i;

	if (rb == NULL)
		return;
	for (i = 0; i < rb->n; i++)
		free(rb->rules[i].pat);
	free(rb->rules);
	free(rb);
}

bool
robots_match(const char *pattern, const char *target)
{
	struct textbuf	 p = { NULL, 0, 0 }, t = { NULL, 0, 0 };
	size_t		 plen = strlen(pattern);
	bool		 anchored, m;

	anchored = plen > 0 && pattern[plen - 1] == '$';
	normalise(&p, pattern, plen - anchored);
	normalise(&t, target, strlen(target));
	m = glob(p.data, p.len, anchored, t.data, t.len);
	free(p.data);
	free(t.data);
	return m;
}
