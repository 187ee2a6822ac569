/*
 * Nest: the defence against pages that make gumbo 0.10.1's tree
 * construction slow (see nest.c). Reading tags as gumbo's tokenizer
 * reads them is tokenize.c's.
 *
 * Thread-safe: every call owns all of its state.
 */
#ifndef PSCRAPE_NEST_H
#define PSCRAPE_NEST_H

#include <stddef.h>

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

#endif
