/*
 * Extract: a pure function from a response body and its Content-Type to
 * the count of visible-text characters, with no network and no globals.
 * Charset detection and conversion to UTF-8 happen here (see charset.h);
 * the count follows the rules of "The text count" in doc/NOTES.md, which
 * match len(BeautifulSoup(body, 'html.parser').text).
 *
 * Thread-safe: every call owns all of its state.
 */
#ifndef PSCRAPE_EXTRACT_H
#define PSCRAPE_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"		/* struct textbuf */

struct budget_hold;

struct extract_out {
	uint64_t	 chars;		/* Unicode code points of visible text */
	const char	*charset;	/* static canonical name: "utf-8", ... */
	bool		 flattened;	/* nesting was capped before parsing */
	bool		 parser_failed;	/* gumbo failed an internal check */
	bool		 too_complex;	/* not parsed: the parser outgrew */
	size_t		 parse_limit;	/* ... this many bytes of memory */
	bool		 interrupted;	/* not parsed: a stop signal came */
	bool		 over_budget;	/* not parsed: over half --max-memory */
	bool		 later;		/* not parsed: the budget is spent */
};

/* Whether a Content-Type names HTML; a missing one (NULL) counts as HTML. */
bool	extract_is_html(const char *content_type);

/*
 * Count the visible text of an HTML body. content_type may be NULL.
 * When text is not NULL the extracted text (UTF-8) is appended to it.
 * Bad bytes become U+FFFD, hostile nesting is flattened; a page whose
 * parse would need more memory than parse_limit (16 times its size, 128 MB
 * at least) is abandoned: too_complex, and chars is 0. So is a page being
 * parsed when a stop signal comes (stop.h): interrupted, at once.
 */
/*
 * The most the chunks of finished parses kept for the next may take.
 * 0, the default, is for a process where several parses run at once:
 * kept chunks then hold a share of --max-memory (budget.h), up to a
 * quarter of it (64 MB with no budget). A process that parses one page
 * at a time (serial, a process worker) keeps EXTRACT_CACHE_ONE outside
 * the budget, and 16 MB beside a big parse: what it keeps adds to its
 * next parse's peak, which its memory bound counts. A change frees what
 * was kept.
 */
#define EXTRACT_CACHE_ONE	((size_t)64 << 20)
void	extract_cache_limit(size_t max);
void	extract_page(const char *body, size_t len, const char *content_type,
	    struct extract_out *out, struct textbuf *text);

#define EXTRACT_MAX_LINKS	10000	/* links kept when max is 0 */

/*
 * Raw link targets found while extracting, in document order: the values
 * as written, with character references decoded by gumbo. The caller
 * zeroes it (and may set max) before the first use, and frees it with
 * extract_links_free().
 */
struct extract_links {
	char	**hrefs;	/* a[href] values, malloc'd */
	size_t	  n, cap;
	char	 *base;		/* the first <base href>, or NULL */
	size_t	  max;		/* keep at most this many (0: 10000) */
	size_t	  found;	/* hrefs there were, kept or not */
};

/*
 * extract_page(), also collecting into links (when not NULL) the href of
 * every HTML <a> and <area> that has one, and the first <base href>, with
 * the same parse. Hrefs are appended to what links holds. A page that is
 * not parsed (too_complex, parser_failed, interrupted, over_budget, later)
 * adds nothing. The parse reserves its memory from --max-memory through
 * hold (budget.h; NULL: outside it), waiting while it is spent unless the
 * hold may not wait: then later, with nothing done.
 */
void	extract_page_links(const char *body, size_t len,
	    const char *content_type, struct extract_out *out,
	    struct textbuf *text, struct extract_links *links,
	    struct budget_hold *hold);
/* Free what links holds and zero it (found too), keeping max. */
void	extract_links_free(struct extract_links *);

#endif
