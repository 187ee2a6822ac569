/*
 * --save-text: each page's extracted text in DIR/<hash>.txt, where the
 * name comes from a hash of the URL (never from its path, so no URL can
 * escape DIR), plus DIR/index.tsv mapping file name to URL, rewritten by
 * each run and listing each file once. Thread-safe: fetch.c saves each
 * page as it is fetched; the process engine's workers save without an
 * index, and their parent lists what they saved. A side output, apart from the
 * records (sink.h) and from -o and --summary (outfile.h).
 */
#ifndef PSCRAPE_SAVETEXT_H
#define PSCRAPE_SAVETEXT_H

#include <stdbool.h>
#include <stddef.h>

struct savetext;

/*
 * Create DIR if missing and, with index, truncate its index (the run's
 * own); without, only check that DIR can be written (a process worker).
 * NULL with a message on error.
 */
struct savetext	*savetext_open(const char *dir, bool index, char *err,
		    size_t errlen);
/*
 * Save one page's text, and list it in the index if there is one.
 * Returns the file's path, "DIR/NAME" (malloc'd), or NULL with a message
 * in err and errno set.
 */
char		*savetext_write(struct savetext *, const char *url,
		    const char *text, size_t len, char *err, size_t errlen);
/*
 * List url's file in the index, once per run; 0, or -1 with a message
 * and errno set.
 */
int		 savetext_list(struct savetext *, const char *url, char *err,
		    size_t errlen);
/*
 * Whether a save failed with errno for DIR itself (full, over quota,
 * read-only, broken, over the file size limit), not for the one page: no
 * later page could be saved either, so the run stops (sink.c).
 */
bool		 savetext_dir_failed(int errnum);
void		 savetext_close(struct savetext *);
/* The file name (16 hex digits + ".txt") used for url. */
void		 savetext_name(const char *url, char name[21]);

#endif
