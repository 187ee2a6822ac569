/*
 * A pool of thread stacks for a program that starts and joins threads by
 * the thousand (the thread engine): one mapping made at the start, carved
 * into stacks that each have a guard page below them, and a free list they
 * go back to when their thread is joined. glibc would map, protect and
 * unmap each thread's stack, a fifth of the CPU time with 10,000 threads.
 *
 * It owns the mapping and the free list; not the threads, nor any locking:
 * one thread (the one that creates and joins the others) uses a pool.
 */
#ifndef PSCRAPE_STACKPOOL_H
#define PSCRAPE_STACKPOOL_H

#include <pthread.h>
#include <stddef.h>

struct stackpool {
	char		*base;		/* NULL: none, use glibc's stacks */
	size_t		 each;		/* guard page included */
	size_t		 page;
	int		 count;
	int		 used;		/* handed out at least once */
	char		**free;
	int		 nfree;
};

/*
 * Room for count stacks of size bytes each. Virtual space only (pages are
 * touched as the stacks grow); if it cannot be had, the pool is empty and
 * stackpool_get() always says to use glibc's stacks.
 */
void	 stackpool_init(struct stackpool *, int count, size_t size);
/* A stack, or NULL: use glibc's (pthread_attr_setstacksize). */
char	*stackpool_get(struct stackpool *);
/* Point attr at stack s (from stackpool_get()), above its guard page. */
void	 stackpool_attr(const struct stackpool *, char *s, pthread_attr_t *);
/* s goes back to the free list once its thread is joined; NULL is fine. */
void	 stackpool_put(struct stackpool *, char *s);
void	 stackpool_free(struct stackpool *);

#endif
