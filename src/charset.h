/*
 * Charset: find a response body's character encoding the way a browser
 * does (WHATWG "determine the character encoding": byte order mark, then
 * the Content-Type charset, then a <meta> prescan of the first 1024 bytes,
 * then a fallback) and convert the body to UTF-8 for the HTML parser.
 *
 * Encodings are named by static canonical strings ("utf-8",
 * "windows-1252", "shift_jis", ...): compare them with strcmp.
 * Everything here is thread-safe and never fails on bad input.
 */
#ifndef PSCRAPE_CHARSET_H
#define PSCRAPE_CHARSET_H

#include <stddef.h>

/* A body as UTF-8. When owned is not NULL, data points into it. */
struct charset_text {
	const char	*data;		/* UTF-8 without a byte order mark */
	size_t		 len;
	char		*owned;		/* the caller frees it, if set */
	const char	*charset;	/* canonical name of the source */
};

/*
 * The canonical name for a WHATWG encoding label (case and surrounding
 * whitespace ignored), or NULL when the label is unknown or names an
 * encoding this system cannot decode.
 */
const char	*charset_lookup(const char *label, size_t len);

/* The known charset parameter of a Content-Type, or NULL. */
const char	*charset_from_content_type(const char *content_type);

/* The encoding a <meta> in the first 1024 bytes declares, or NULL. */
const char	*charset_prescan(const char *body, size_t len);

/*
 * The encoding of a body, in WHATWG order. *bom is set to the length of a
 * byte order mark to skip (0 if none).
 */
const char	*charset_sniff(const char *body, size_t len,
		    const char *content_type, size_t *bom);

/*
 * Convert len bytes in charset to UTF-8. Returns NULL when the bytes can
 * be handed to the parser unchanged (UTF-8, or pure ASCII in an encoding
 * that extends it); otherwise a buffer the caller frees, *outlen bytes
 * long. Undecodable bytes become U+FFFD.
 */
char		*charset_to_utf8(const char *charset, const char *in,
		    size_t len, size_t *outlen);

/* Sniff and convert in one step. */
void		 charset_decode(const char *body, size_t len,
		    const char *content_type, struct charset_text *out);

#endif
