/* A pool of thread stacks in one mapping (see stackpool.h). */
#include "config.h"

#include <sys/mman.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "stackpool.h"
#include "xmalloc.h"

/* Virtual space only: pages are touched as the stacks grow. */
#define STACKS_MAX_BYTES	((size_t)8 << 30)

void
stackpool_init(struct stackpool *st, int count, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	memset(st, 0, sizeof *st);
	st->page = page > 0 ? (size_t)page : 4096;
	st->each = size + st->page;
	if (count < 1 || (size_t)count > STACKS_MAX_BYTES / st->each)
		return;
	p = mmap(NULL, st->each * (size_t)count, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (p == MAP_FAILED)
		return;
	st->base = p;
	st->count = count;
	st->free = xcalloc((size_t)count, sizeof *st->free);
}

/* Its lowest address, the guard page, made PROT_NONE on first use. */
char *
stackpool_get(struct stackpool *st)
{
	char *s;

	if (st->nfree > 0)
		return st->free[--st->nfree];
	if (st->base == NULL || st->used == st->count)
		return NULL;
	s = st->base + st->each * (size_t)st->used;
	if (mprotect(s, st->page, PROT_NONE) != 0)
		return NULL;
	st->used++;
	return s;
}

void
stackpool_attr(const struct stackpool *st, char *s, pthread_attr_t *attr)
{
	pthread_attr_setstack(attr, s + st->page, st->each - st->page);
}

void
stackpool_put(struct stackpool *st, char *s)
{
	if (s != NULL)
		st->free[st->nfree++] = s;
}

void
stackpool_free(struct stackpool *st)
{
	if (st->base != NULL)
		munmap(st->base, st->each * (size_t)st->count);
	free(st->free);
}
