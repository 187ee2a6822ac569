/*
 * Growable byte buffers (struct textbuf) and their appenders, and the
 * string hashes: fnv1a64 of --shard and --save-text names, table_hash of
 * hash tables.
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
 * runs (--shard and --save-text names depend on it). Never for a table
 * index: anyone can compute lists whose hashes share their low bits.
 */
uint64_t fnv1a64(const char *);
/* SipHash-2-4 of len bytes under a 128-bit key (k0, k1 as little-endian). */
uint64_t siphash24(const uint64_t key[2], const void *, size_t len);
/*
 * The hash of a table's string keys: SipHash-2-4 under a key drawn from
 * getrandom(2) once per process, so that a list cannot be made to collide
 * (an unkeyed hash let 2^17 crafted URLs take 20 times as long). Different
 * in every run: never for a name that is kept or shared.
 */
uint64_t table_hash(const char *);

#endif
