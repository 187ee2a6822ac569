/*
 * Allocation wrappers that abort on out-of-memory, so that ordinary code
 * needs no NULL checks (the tmux xmalloc.c model), and fatal() for
 * start-up errors.
 */
#ifndef PSCRAPE_XMALLOC_H
#define PSCRAPE_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

/* Print "pscrape: message" on stderr and exit with the given status. */
void fatal(int status, const char *, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* Print "pscrape: message" on stderr. */
void warnx_(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
