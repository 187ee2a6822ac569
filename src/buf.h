/*
 * Growable byte buffers (struct textbuf) and their appenders, and the
 * string hash (fnv1a64) of tables, --shard and --save-text names.
 */
#ifndef PSCRAPE_BUF_H
#define PSCRAPE_BUF_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer; the caller owns data and frees it with free(). */
struct textbuf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void	buf_add(struct textbuf *, const void *, size_t);
void	buf_addc(struct textbuf *, char);
void	buf_adds(struct textbuf *, const char *);
/* Append byte c as "%XX", upper-case hex (RFC 3986 percent-encoding). */
void	buf_addpct(struct textbuf *, unsigned char c);
void	buf_printf(struct textbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * FNV-1a, 64 bits, of a NUL-terminated string: stable across machines and
 * runs (--shard and --save-text names depend on it), and fast for tables.
 */
uint64_t fnv1a64(const char *);

#endif
