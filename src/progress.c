/* The progress line and the thread that redraws it. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "xmalloc.h"

struct progress {
	pthread_mutex_t		*lock;		/* the owner's */
	progress_read_fn	*read;
	void			*arg;
	pthread_t		 thread;
	pthread_cond_t		 stop;
	bool			 done;		/* the thread is to end */
	bool			 shown;		/* the line is on the screen */
};

struct progress *
progress_new(pthread_mutex_t *lock, progress_read_fn *read, void *arg)
{
	struct progress *p;

	if (!isatty(STDERR_FILENO))
		return NULL;
	p = xcalloc(1, sizeof *p);
	p->lock = lock;
	p->read = read;
	p->arg = arg;
	pthread_cond_init(&p->stop, NULL);
	return p;
}

void
progress_free(struct progress *p)
{
	if (p == NULL)
		return;
	pthread_cond_destroy(&p->stop);
	free(p);
}

void
progress_erase(struct progress *p)
{
	if (p != NULL && p->shown) {
		fputs("\r\033[K", stderr);
		p->shown = false;
	}
}

/* Wait until 250 ms after the last draw, or until told to stop. */
static void
progress_wait(struct progress *p)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 250 * 1000 * 1000;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	/* Not sooner on a spurious wake-up: 4 draws a second at most. */
	while (!p->done &&
	    pthread_cond_timedwait(&p->stop, p->lock, &until) == 0)
		;
}

/*
 * Redraw the line every 250 ms until told to stop, in place: the new text
 * over the old, then the rest of the line cleared, so it never blinks
 * blank. The total is known once the input is read; a crawl finds more
 * pages than the input holds, so a total already passed is shown as
 * unknown.
 */
static void *
progress_main(void *arg)
{
	struct progress *p = arg;
	struct progress_counts c;
	char total[32], eta[32];
	double rate;

	pthread_mutex_lock(p->lock);
	while (!p->done) {
		progress_wait(p);
		if (p->done)
			break;
		p->read(p->arg, &c);
		rate = c.secs > 0 ? (double)(c.ok + c.failed) / c.secs : 0;
		if (c.total > 0 && c.total >= c.done)
			snprintf(total, sizeof total, "%llu",
			    (unsigned long long)c.total);
		else
			snprintf(total, sizeof total, "?");
		if (c.total > 0 && c.total >= c.done && rate > 0)
			snprintf(eta, sizeof eta, "%.0f s",
			    (double)(c.total - c.done) / rate);
		else
			snprintf(eta, sizeof eta, "?");
		fprintf(stderr, "\r%s: %llu/%s done, %llu ok, %llu failed,"
		    " %.1f pages/s, ETA %s\033[K", c.engine,
		    (unsigned long long)c.done, total,
		    (unsigned long long)c.ok,
		    (unsigned long long)c.failed, rate, eta);
		fflush(stderr);
		p->shown = true;
	}
	progress_erase(p);
	fflush(stderr);
	pthread_mutex_unlock(p->lock);
	return NULL;
}

bool
progress_start(struct progress *p)
{
	pthread_mutex_lock(p->lock);
	p->done = false;
	pthread_mutex_unlock(p->lock);
	return pthread_create(&p->thread, NULL, progress_main, p) == 0;
}

void
progress_stop(struct progress *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(p->lock);
	p->done = true;
	pthread_cond_signal(&p->stop);
	pthread_mutex_unlock(p->lock);
	pthread_join(p->thread, NULL);
}
