/*
 * Textcount: the text count itself, len(BeautifulSoup(page,
 * 'html.parser').text) with Debian's bs4 4.11 and Python 3.11's
 * html.parser, computed the way they compute it (doc/NOTES.md, "The text
 * count").
 *
 * Thread-safe: every call owns all of its state.
 */
#ifndef PSCRAPE_TEXTCOUNT_H
#define PSCRAPE_TEXTCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"		/* struct textbuf */

/*
 * The code points of text bs4 finds in the page html (UTF-8; bad
 * sequences count as U+FFFD, as Python's errors='replace' decodes them).
 * When text is not NULL that text is appended to it, as UTF-8: exactly
 * the returned number of code points.
 */
uint64_t	textcount(const char *html, size_t len, struct textbuf *text);

#endif
