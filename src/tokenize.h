/*
 * Tokenize: tags, comments and raw text read as gumbo 0.10.1's tokenizer
 * reads them, so that a '>' inside a quoted attribute value does not end
 * a tag and a comment ends where gumbo ends it. Used by the nesting
 * defence (nest.c), which models gumbo's tree construction over these
 * tags. (The text count, textcount.c, reads tags as html.parser does.)
 *
 * Reading only: what a tag does to the tree is nest.c's business.
 * Thread-safe: every call owns all of its state.
 */
#ifndef PSCRAPE_TOKENIZE_H
#define PSCRAPE_TOKENIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gumbo.h>

/*
 * gumbo checks each attribute of a tag against all before it, so the
 * defence cuts a tag to this many attributes; a tag read notes where
 * that cut falls.
 */
#define TOK_ATTR_CAP	64

/* The GumboTag in a key (see struct tok). */
#define TOK_KEY_TAG(k)	((k) & 0xff)

/* A tag as gumbo's tokenizer reads it. */
struct tok {
	const char	*start;		/* '<' */
	const char	*end;		/* after '>' */
	const char	*name;
	size_t		 namelen;
	const char	*attrs;		/* after the name */
	const char	*cut;		/* the end of attribute TOK_ATTR_CAP */
	unsigned	 nattr;
	/*
	 * The tag's GumboTag; for a name gumbo does not know, a hash of the
	 * name (case folded) above GUMBO_TAG_UNKNOWN in the low byte, so
	 * that an end tag finds the unknown element it closes.
	 */
	uint32_t	 key;
	GumboTag	 tag;
	bool		 endtag;
	bool		 selfclose;
	bool		 fontattr;	/* color, face or size: leaves SVG */
	bool		 htmlenc;	/* encoding="text/html" and the like */
	bool		 href;		/* an href in the first TOK_ATTR_CAP */
};

/*
 * Read the tag at p ('<' then a letter, or "</" then a letter) into *t.
 * False when the input ends inside the tag: gumbo drops it then.
 */
bool		 tok_read_tag(const char *p, const char *end, struct tok *t);

/*
 * A hash of the attributes of t as written, which tells formatting
 * elements apart as gumbo's comparison of their attributes does.
 */
uint32_t	 tok_attr_hash(const struct tok *t);

/* The byte after the comment at p ("<!--"), ended the ways gumbo ends one. */
const char	*tok_comment_end(const char *p, const char *end);

/*
 * The end tag that closes the raw text (script, style, textarea, ...)
 * that the start tag t opens and that begins at p, or NULL when the
 * input ends first.
 */
const char	*tok_raw_end(const char *p, const char *end,
		    const struct tok *t);

#endif
