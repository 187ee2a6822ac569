/*
 * Helpers shared by the libFuzzer targets: strict UTF-8 and code-point
 * counting, a check that fails loudly (abort, so libFuzzer saves the
 * input), and splitting the input into a Content-Type and a body.
 * Header-only; each target is one translation unit.
 */
#ifndef PSCRAPE_FUZZ_H
#define PSCRAPE_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/*
 * Length of the valid UTF-8 sequence at s (n bytes left), or 0: strict
 * RFC 3629 (no overlong forms, no surrogates, nothing past U+10FFFF, no
 * sequence cut short).
 */
static inline size_t
fuzz_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char	c = s[0];
	size_t		len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

static inline bool
fuzz_valid_utf8(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, k;

	while (i < len) {
		if ((k = fuzz_utf8_seq(u + i, len - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

/* Code points in (valid) UTF-8: bytes that are not continuation bytes. */
static inline size_t
fuzz_code_points(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/*
 * The input layout of fuzz_charset and fuzz_extract: an optional first
 * line (up to FUZZ_CT_MAX bytes before a '\n') is the Content-Type, the
 * rest is the body. An empty first line means no Content-Type at all
 * (NULL); no '\n' within FUZZ_CT_MAX bytes means the whole input is the
 * body, with no Content-Type. Returns a malloc'd NUL-terminated
 * Content-Type (a NUL inside cuts it, as a C string would) or NULL.
 */
#define FUZZ_CT_MAX	128

static inline char *
fuzz_split_ct(const uint8_t **data, size_t *size)
{
	const uint8_t	*nl;
	size_t		 n = *size < FUZZ_CT_MAX ? *size : FUZZ_CT_MAX;
	char		*ct;

	if ((nl = memchr(*data, '\n', n)) == NULL)
		return NULL;
	n = nl - *data;
	ct = NULL;
	if (n > 0) {
		if ((ct = malloc(n + 1)) == NULL)
			abort();
		memcpy(ct, *data, n);
		ct[n] = '\0';
	}
	*data += n + 1;
	*size -= n + 1;
	return ct;
}

#endif
