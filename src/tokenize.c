/*
 * Tokenize: tags, comments and raw text read as gumbo 0.10.1's tokenizer
 * reads them (see tokenize.h). The tree construction that follows is
 * modelled in nest.c.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <gumbo.h>

#include "scan.h"
#include "tokenize.h"

/* FNV-1a: the keys of unknown names and tok_attr_hash(). */
#define FNV_BASIS	2166136261u
#define FNV_PRIME	16777619u

static uint32_t
fnv(uint32_t h, const char *s, size_t len, bool fold)
{
	size_t	i;

	for (i = 0; i < len; i++)
		h = (h ^ (fold ? lower(s[i]) : (unsigned char)s[i])) *
		    FNV_PRIME;
	return h;
}

bool
tok_read_tag(const char *p, const char *end, struct tok *t)
{
	const char	*a, *q, *v;
	size_t		 alen;
	bool		 enc;

	memset(t, 0, sizeof *t);
	t->start = p++;
	if (*p == '/') {
		t->endtag = true;
		p++;
	}
	t->name = p;
	while (p < end && !is_html_space(*p) && *p != '/' && *p != '>')
		p++;
	t->namelen = p - t->name;
	t->attrs = p;
	for (;;) {
		while (p < end && is_html_space(*p))
			p++;
		if (p == end)
			return false;
		if (*p == '>')
			break;
		if (*p == '/') {
			if (++p < end && *p == '>') {
				t->selfclose = true;
				break;
			}
			continue;
		}
		a = p++;
		while (p < end && !is_html_space(*p) && *p != '/' && *p != '>' &&
		    *p != '=')
			p++;
		alen = p - a;
		if (equal_ci(a, alen, "color") || equal_ci(a, alen, "face") ||
		    equal_ci(a, alen, "size"))
			t->fontattr = true;
		enc = equal_ci(a, alen, "encoding");
		if (t->nattr < TOK_ATTR_CAP && equal_ci(a, alen, "href"))
			t->href = true;
		while (p < end && is_html_space(*p))
			p++;
		if (p < end && *p == '=') {
			p++;
			while (p < end && is_html_space(*p))
				p++;
			if (p == end)
				return false;
			if (*p == '"' || *p == '\'') {
				if ((q = memchr(p + 1, *p, end - p - 1)) == NULL)
					return false;
				v = p + 1;
				p = q + 1;
			} else {
				v = p;
				while (p < end && !is_html_space(*p) && *p != '>')
					p++;
				q = p;
			}
			if (enc && (equal_ci(v, q - v, "text/html") ||
			    equal_ci(v, q - v, "application/xhtml+xml")))
				t->htmlenc = true;
		}
		if (++t->nattr == TOK_ATTR_CAP)
			t->cut = p;
	}
	t->end = p + 1;
	t->tag = gumbo_tagn_enum(t->name, t->namelen);
	if (t->tag == GUMBO_TAG_UNKNOWN)
		t->key = (fnv(FNV_BASIS, t->name, t->namelen, true) | 1) << 8 |
		    GUMBO_TAG_UNKNOWN;
	else
		t->key = t->tag;
	return true;
}

uint32_t
tok_attr_hash(const struct tok *t)
{
	/* Up to the '>' that ends the tag (after the '/' of "/>"). */
	return fnv(FNV_BASIS, t->attrs, t->end - 1 - t->attrs, false);
}

const char *
tok_comment_end(const char *p, const char *end)
{
	const char	*q = p + 4, *r;

	if (q < end && *q == '>')
		return q + 1;
	if (end - q >= 2 && q[0] == '-' && q[1] == '>')
		return q + 2;
	while ((r = memchr(q, '>', end - q)) != NULL) {
		if (r - q >= 2 && r[-1] == '-' && r[-2] == '-')
			return r + 1;
		if (r - q >= 3 && r[-1] == '!' && r[-2] == '-' && r[-3] == '-')
			return r + 1;
		q = r + 1;
	}
	return end;
}

const char *
tok_raw_end(const char *p, const char *end, const struct tok *t)
{
	const char	*q, *r;
	size_t		 i;

	while ((q = memchr(p, '<', end - p)) != NULL) {
		p = q + 1;
		if ((size_t)(end - q) < t->namelen + 3 || q[1] != '/')
			continue;
		r = q + 2;
		for (i = 0; i < t->namelen; i++) {
			if (lower(r[i]) != lower(t->name[i]))
				break;
		}
		if (i < t->namelen)
			continue;
		r += t->namelen;
		if (is_html_space(*r) || *r == '/' || *r == '>')
			return q;
	}
	return NULL;
}
