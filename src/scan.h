/*
 * Byte helpers for reading text, shared by charset.c, extract.c, nest.c,
 * tokenize.c, robots.c and urllist.c. Locale-free: ASCII letters, ASCII
 * case folding, hex digits, and two whitespace sets, each named for whose
 * it is: HTML's (is_html_space) and the C locale's isspace() (is_c_space).
 */
#ifndef PSCRAPE_SCAN_H
#define PSCRAPE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* The ASCII whitespace of the HTML standard: no '\v'. */
static inline bool
is_html_space(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r';
}

/*
 * What isspace() is in the C locale: HTML's whitespace and '\v'. URL
 * lists and robots.txt lines are trimmed of it.
 */
static inline bool
is_c_space(unsigned char c)
{
	return is_html_space(c) || c == '\v';
}

static inline bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* The value of a hex digit, or -1. */
static inline int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static inline bool
all_space(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (!is_html_space(s[i]))
			return false;
	}
	return true;
}

/* Whether s (len bytes) is the string str, ASCII case ignored. */
static inline bool
equal_ci(const char *s, size_t len, const char *str)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (str[i] == '\0' || lower(s[i]) != lower(str[i]))
			return false;
	}
	return str[len] == '\0';
}

/* Just after the next '>' from p, or end. */
static inline const char *
to_gt(const char *p, const char *end)
{
	const char	*q = memchr(p, '>', end - p);

	return q == NULL ? end : q + 1;
}

#endif
