/*
 * The progress line on a terminal: done/total, ok and failed, pages/s and
 * an ETA on stderr, redrawn four times a second by a thread of its own
 * while an engine runs, and erased when it ends. The line shares its
 * owner's lock: the owner holds it to change what the counts come from
 * and to write to stderr, and erases the line first so the two never mix.
 */
#ifndef PSCRAPE_PROGRESS_H
#define PSCRAPE_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct progress_counts {
	const char	*engine;
	uint64_t	 done;		/* records so far */
	uint64_t	 ok, failed;
	uint64_t	 total;		/* records to come; 0: not known yet */
	double		 secs;		/* since the run began */
};

/* Fills in the counts; called with the lock held. */
typedef void	progress_read_fn(void *arg, struct progress_counts *);

struct progress;

/* NULL when stderr is not a terminal. */
struct progress	*progress_new(pthread_mutex_t *lock, progress_read_fn *,
		    void *arg);
void		 progress_free(struct progress *);
/* Start the thread, without the lock; false when it cannot be started. */
bool		 progress_start(struct progress *);
/* Stop the thread and wait for it, without the lock; p may be NULL. */
void		 progress_stop(struct progress *);
/* Erase the line if it shows, with the lock held; p may be NULL. */
void		 progress_erase(struct progress *);

#endif
