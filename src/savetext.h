/*
 * --save-text: each page's extracted text in DIR/<hash>.txt, where the
 * name comes from a hash of the URL (never from its path, so no URL can
 * escape DIR), plus DIR/index.tsv mapping file name to URL. Thread-safe:
 * fetch.c saves each page as it is fetched. A side output, apart from the
 * records (sink.h) and from -o and --summary (outfile.h).
 */
#ifndef PSCRAPE_SAVETEXT_H
#define PSCRAPE_SAVETEXT_H

#include <stddef.h>

struct savetext;

/* Create DIR if missing and open its index; NULL with a message on error. */
struct savetext	*savetext_open(const char *dir, char *err, size_t errlen);
/* Save one page's text; returns 0, or -1 with a message in err. */
int		 savetext_write(struct savetext *, const char *url,
		    const char *text, size_t len, char *err, size_t errlen);
void		 savetext_close(struct savetext *);
/* The file name (16 hex digits + ".txt") used for url. */
void		 savetext_name(const char *url, char name[21]);

#endif
