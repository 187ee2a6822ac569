/*
 * Nest: the defence against pages that make gumbo 0.10.1's tree
 * construction slow (see nest.c), and the reading of tags and comments
 * as gumbo's tokenizer reads them, which the count in extract.c shares.
 *
 * Thread-safe: every call owns all of its state.
 */
#ifndef PSCRAPE_NEST_H
#define PSCRAPE_NEST_H

#include <stddef.h>

#include <gumbo.h>

/*
 * Check a page (UTF-8) before gumbo parses it. Returns NULL when gumbo
 * will handle it in about linear time; otherwise a copy with the same
 * text that gumbo will (nesting capped, attribute floods cut, formatting
 * elements closed instead of reopened), *outlen bytes long, which the
 * caller frees.
 */
char		*nest_defend(const char *html, size_t len, size_t *outlen);

/*
 * In that copy, an <a> or <area> with an href that had to be left out
 * becomes <link NEST_LINK_MARK ...its attributes.../>, for the links.
 */
#define NEST_LINK_MARK	"_a"

/*
 * The tag at p ('<' then a letter, or "</" then a letter), read as
 * gumbo's tokenizer reads it, so that a '>' inside a quoted value does
 * not end it. Returns the byte after the tag, or NULL when the input
 * ends inside it (gumbo drops it then). Sets *tag (if not NULL) to the
 * tag's GumboTag, GUMBO_TAG_UNKNOWN for a name gumbo does not know.
 */
const char	*nest_tag_end(const char *p, const char *end, GumboTag *tag);

/* The byte after the comment at p ("<!--"), ended the ways gumbo ends one. */
const char	*nest_comment_end(const char *p, const char *end);

#endif
