/*
 * The scheduler (see scheduler.h). One lock guards everything here. Hosts live
 * in a hash table for the whole run (their robots.txt is the cache); each
 * has a FIFO of jobs waiting for it. A host that has a job to hand out and
 * a free slot sits in a min-heap keyed by the earliest time its next
 * request may start, ties broken by arrival, so hosts take turns. Retries
 * wait in a second heap keyed by their due time. The input is read only
 * while fewer than a window of jobs are queued, and outside the lock, so
 * that a slow standard input never holds up the workers.
 *
 * A crawl (--depth) goes level by level, so that it is the same on every
 * engine and every run: the links of the pages of depth d are held, not
 * queued, until every job of depth d is final (see start_level()).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "frontier.h"
#include "links.h"
#include "options.h"
#include "sink.h"
#include "robots.h"
#include "scheduler.h"
#include "stop.h"
#include "url.h"
#include "urllist.h"
#include "xmalloc.h"

#define BACKOFF_BASE	0.5		/* seconds before the first retry */
#define BACKOFF_MAX	30.0
#define RETRY_AFTER_MAX	60		/* longer: give up, say so */
#define SLOWDOWN_MAX	60.0		/* longest interval a 429 sets */
#define WAIT_SLICE_MS	200		/* blocked readers look for a stop */
#define SEQ_CRAWL	(UINT64_C(1) << 62)	/* seq of jobs not from input */
#define FILL_BATCH	16		/* lines read at a time */
#define CLAIM_POLL_S	0.1		/* a shared frontier's wait, asked again */

enum robots_state {
	ROBOTS_UNKNOWN,		/* nothing asked yet */
	ROBOTS_QUEUED,		/* the robots job waits at the queue's head */
	ROBOTS_PENDING,		/* the robots job is in flight */
	ROBOTS_KNOWN,
	ROBOTS_REMOTE,		/* another process fetches it (--frontier) */
};

struct host {
	char		*origin;	/* "http://host:port": the key */
	struct host	*chain;
	int		 inflight;
	enum robots_state rstate;
	struct robots	*robots;
	char		*rwhy;		/* why all is disallowed, or NULL */
	double		 interval;	/* least seconds between starts */
	double		 next_at;	/* no start before this */
	struct job	*head, *tail;	/* waiting, in order */
	bool		 in_heap;
};

struct heap_item {
	double		 at;
	uint64_t	 tie;
	void		*p;
};

struct heap {
	struct heap_item *v;
	size_t		  n, cap;
};

/* The new links of one page, held for the next level. */
struct held {
	uint64_t	 rank;		/* the page's seq: its place in its level */
	unsigned	 depth;		/* the links' */
	char		*referrer;
	char		*input;
	char		**links;
	size_t		 n;
};

struct sched {
	const struct options *opt;
	struct source	*src;
	struct sink	*sink;
	char		*product;	/* robots.txt user-agent token */

	pthread_mutex_t	 lock;
	pthread_cond_t	 changed;	/* a job is done, or input arrived */
	struct host	**table;
	size_t		 nbuckets, nhosts;
	struct heap	 ready;		/* hosts that may start a job */
	struct heap	 retries;	/* results waiting to be tried again */
	struct frontier	*frontier;	/* every URL read, every link queued */
	uint64_t	 tie;
	uint64_t	 crawl_seq;
	size_t		 queued;	/* jobs waiting in host queues */
	size_t		 window;	/* read ahead while queued < window */
	int		 inflight;
	int		 peak;		/* the most inflight at once */
	uint64_t	 pages;		/* page jobs queued, for --max-pages */
	struct held	*held;		/* links for the next level */
	size_t		 nheld, heldcap;
	bool		 reading;	/* a caller is in source_next() */
	bool		 input_done;
	bool		 stopped;	/* queued jobs were flushed after a stop */
	/* A shared frontier (--frontier): see claim_shared(). */
	size_t		 claim_max;	/* URLs asked for at a time */
	double		 claim_at;	/* not asked again before this */
	enum claim	 claimed;	/* its last answer */
	struct host	**rwait;	/* hosts in ROBOTS_REMOTE */
	size_t		 nrwait, rwaitcap;
	double		 rwait_at;	/* asked again then */
	double		 global_next;	/* --rate: no start before this */
	uint64_t	 slots;		/* --frontier: host slots taken */
	uint64_t	 rng;
};

/* --- a binary min-heap on (at, tie) --------------------------------------- */

static bool
heap_less(const struct heap_item *a, const struct heap_item *b)
{
	return a->at < b->at || (a->at == b->at && a->tie < b->tie);
}

static void
heap_push(struct heap *h, double at, uint64_t tie, void *p)
{
	struct heap_item it = { at, tie, p }, t;
	size_t i, up;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->v = xrealloc(h->v, h->cap * sizeof *h->v);
	}
	i = h->n++;
	h->v[i] = it;
	while (i > 0 && heap_less(&h->v[i], &h->v[up = (i - 1) / 2])) {
		t = h->v[i];
		h->v[i] = h->v[up];
		h->v[up] = t;
		i = up;
	}
}

static void *
heap_pop(struct heap *h)
{
	struct heap_item t;
	void *p = h->v[0].p;
	size_t i = 0, l, m;

	h->v[0] = h->v[--h->n];
	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < h->n && heap_less(&h->v[l], &h->v[m]))
			m = l;
		if (l + 1 < h->n && heap_less(&h->v[l + 1], &h->v[m]))
			m = l + 1;
		if (m == i)
			break;
		t = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = t;
		i = m;
	}
	return p;
}

/* --- hosts ---------------------------------------------------------------- */

static void
table_grow(struct sched *s)
{
	size_t n = s->nbuckets * 2, i, b;
	struct host **t = xcalloc(n, sizeof *t), *h, *next;

	for (i = 0; i < s->nbuckets; i++)
		for (h = s->table[i]; h != NULL; h = next) {
			next = h->chain;
			b = table_hash(h->origin) & (n - 1);
			h->chain = t[b];
			t[b] = h;
		}
	free(s->table);
	s->table = t;
	s->nbuckets = n;
}

/* The host of url, made on first sight; NULL if url has no origin. */
static struct host *
host_get(struct sched *s, const char *url)
{
	char *origin = url_origin_fast(url);
	struct host *h;
	size_t b;

	if (origin == NULL)
		return NULL;
	b = table_hash(origin) & (s->nbuckets - 1);
	for (h = s->table[b]; h != NULL; h = h->chain)
		if (strcmp(h->origin, origin) == 0) {
			free(origin);
			return h;
		}
	h = xcalloc(1, sizeof *h);
	h->origin = origin;
	h->interval = s->opt->host_rate > 0 ? 1.0 / s->opt->host_rate : 0;
	h->rstate = s->opt->robots ? ROBOTS_UNKNOWN : ROBOTS_KNOWN;
	h->chain = s->table[b];
	s->table[b] = h;
	if (++s->nhosts > s->nbuckets * 2)
		table_grow(s);
	return h;
}

/* Whether h may hand out its first waiting job as soon as time allows. */
static bool
host_ready(const struct sched *s, const struct host *h)
{
	if (h->head == NULL)
		return false;
	if (s->opt->per_host > 0 && h->inflight >= s->opt->per_host)
		return false;
	return h->rstate == ROBOTS_KNOWN || h->rstate == ROBOTS_QUEUED;
}

/* Put h in the ready heap if it belongs there and is not in it yet. */
static void
host_consider(struct sched *s, struct host *h)
{
	if (!h->in_heap && host_ready(s, h)) {
		h->in_heap = true;
		heap_push(&s->ready, h->next_at, s->tie++, h);
	}
}

static void
host_append(struct sched *s, struct host *h, struct job *job, bool front)
{
	job->host = h;
	if (front) {
		job->next = h->head;
		h->head = job;
		if (h->tail == NULL)
			h->tail = job;
	} else {
		job->next = NULL;
		if (h->tail != NULL)
			h->tail->next = job;
		else
			h->head = job;
		h->tail = job;
	}
	s->queued++;
}

static struct job *
host_take(struct sched *s, struct host *h)
{
	struct job *job = h->head;

	if ((h->head = job->next) == NULL)
		h->tail = NULL;
	job->next = NULL;
	s->queued--;
	return job;
}

/* --- records the scheduler makes itself ------------------------------------ */

/*
 * A record for a job that was never requested; takes msg (malloc'd).
 * robots is the record's robots field (static), NULL unless robots.txt
 * is why.
 */
static void
emit_never(struct sched *s, struct job *job, char *msg, const char *robots)
{
	struct result *r = result_from_job(job);

	r->attempts = 0;
	result_fail(r, "%s", msg);
	r->robots = robots;
	free(msg);
	sink_emit(s->sink, r);
}

static void
emit_fail(struct sched *s, struct job *job, char *msg)
{
	emit_never(s, job, msg, NULL);
}

/*
 * --since: the record of a URL fetched ok less than --since ago, not
 * fetched again: a success that carries its last success's chars, hash
 * and validators (and its time, for the next --since).
 */
static void
emit_skipped(struct sched *s, struct job *job, const struct frontier_prev *p)
{
	struct result *r = result_from_job(job);

	r->attempts = 0;
	r->ok = true;
	r->skipped = "since";
	r->chars = p->chars;
	r->content_hash = p->content_hash;
	r->hashed = p->hashed;
	r->changed = CHANGED_NO;
	r->fetched_at = p->fetched_at;
	r->etag = p->etag != NULL ? xstrdup(p->etag) : NULL;
	r->last_modified = p->last_modified != NULL ?
	    xstrdup(p->last_modified) : NULL;
	sink_emit(s->sink, r);
}

/*
 * --state: a page whose last success is known is skipped (--since), or
 * asked for with that success's validators. Not a page whose links are
 * followed: the state keeps no links, so it is fetched and parsed.
 */
static bool
recall(struct sched *s, struct job *job)
{
	struct frontier_prev p;

	if (job->want_links || !frontier_previous(s->frontier, job->url, &p))
		return false;
	if (s->opt->since_s > 0 && p.fetched_at > 0 &&
	    (int64_t)time(NULL) - p.fetched_at < s->opt->since_s) {
		emit_skipped(s, job, &p);
		return true;
	}
	job->etag = p.etag != NULL ? xstrdup(p.etag) : NULL;
	job->last_modified = p.last_modified != NULL ?
	    xstrdup(p.last_modified) : NULL;
	return false;
}

static void	robots_apply(struct sched *, struct host *,
		    const struct robots_copy *);

/*
 * A robots.txt that an earlier attempt or run of the --state kept (see
 * frontier_robots_kept()): h's, without asking the host again.
 */
static bool
robots_kept(struct sched *s, struct host *h)
{
	struct robots_copy c;

	if (!frontier_robots_kept(s->frontier, h->origin, &c))
		return false;
	robots_apply(s, h, &c);
	robots_copy_free(&c);
	return true;
}

/* --- queueing --------------------------------------------------------------- */

static void
queue_robots(struct sched *s, struct host *h, const struct job *for_job)
{
	struct job *rj = xcalloc(1, sizeof *rj);

	rj->kind = JOB_ROBOTS;
	rj->url = xasprintf("%s/robots.txt", h->origin);
	rj->given = url_mask_password(rj->url);
	rj->input = xstrdup(for_job->input != NULL ? for_job->input : "");
	rj->seq = s->crawl_seq++;
	h->rstate = ROBOTS_QUEUED;
	host_append(s, h, rj, true);
}

static bool	robots_shared(struct sched *, struct host *, const struct job *);
static void	robots_recheck(struct sched *, double);

/* Queue a page job (a seed or a link): its host, robots, --max-pages. */
static void
route(struct sched *s, struct job *job)
{
	struct host *h;

	if (s->opt->max_pages > 0 && s->pages >= s->opt->max_pages) {
		if (job->depth > 0) {
			job_free(job);	/* a link: no record owed */
			return;
		}
		emit_fail(s, job, xasprintf("not fetched: --max-pages %llu"
		    " reached", (unsigned long long)s->opt->max_pages));
		return;
	}
	if ((h = host_get(s, job->url)) == NULL) {
		emit_fail(s, job, xstrdup("URL without a host"));
		return;
	}
	s->pages++;
	job->want_links = job->depth < s->opt->depth;
	if (recall(s, job))
		return;
	host_append(s, h, job, false);
	if (h->rstate == ROBOTS_UNKNOWN && frontier_shared(s->frontier))
		robots_shared(s, h, job);
	else if (h->rstate == ROBOTS_UNKNOWN && !robots_kept(s, h))
		queue_robots(s, h, job);
	host_consider(s, h);
}

/* Whether fill() may read more now. */
static bool
may_read(const struct sched *s)
{
	return !s->input_done && !s->reading && s->queued < s->window &&
	    stop_signal == 0;
}

/*
 * fill() for a shared frontier: up to n lines read in one go (the lock
 * dropped), then admitted in one step, a round trip to the frontier for
 * the batch rather than one for each line.
 */
static void
fill_shared(struct sched *s, int n)
{
	struct job **jobs;
	bool *taken;
	size_t i, got = 0;

	if (!may_read(s))
		return;
	jobs = xcalloc((size_t)n, sizeof *jobs);
	taken = xcalloc((size_t)n, sizeof *taken);
	s->reading = true;
	pthread_mutex_unlock(&s->lock);
	while (got < (size_t)n &&
	    (jobs[got] = source_next(s->src, s->sink)) != NULL)
		got++;
	pthread_mutex_lock(&s->lock);
	s->reading = false;
	/* A feed of loaded lines may have none now and more later. */
	if (got < (size_t)n && !source_later(s->src))
		s->input_done = true;
	seeds_duplicate(s->frontier, jobs, got, s->sink, taken);
	for (i = 0; i < got; i++)
		if (!taken[i])
			route(s, jobs[i]);
	free(jobs);
	free(taken);
	pthread_cond_broadcast(&s->changed);
}

/*
 * Read up to n lines, while the window has room. The lock is dropped
 * around source_next(), which may wait on a pipe; one caller reads at a
 * time.
 */
static void
fill(struct sched *s, int n)
{
	struct job *job;

	if (frontier_shared(s->frontier)) {
		fill_shared(s, n);
		return;
	}
	while (n-- > 0 && may_read(s)) {
		s->reading = true;
		pthread_mutex_unlock(&s->lock);
		job = source_next(s->src, s->sink);
		pthread_mutex_lock(&s->lock);
		s->reading = false;
		if (job == NULL)
			s->input_done = true;
		else if (seed_duplicate(s->frontier, job, s->sink))
			n++;	/* no job: read on, as past a blank line */
		else
			route(s, job);
	}
	pthread_cond_broadcast(&s->changed);
}

/* A job that will not start after a stop: its record, if it owes one. */
static void
drop_on_stop(struct sched *s, struct job *job)
{
	if (job->kind == JOB_ROBOTS)
		job_free(job);
	else
		emit_fail(s, job, xasprintf("not started: interrupted by %s",
		    stop_reason()));
}

/* After a stop: every queued job and waiting retry gets its record. */
static void
flush_on_stop(struct sched *s)
{
	struct result *r;
	struct host *h;
	size_t i;

	if (s->stopped)
		return;
	s->stopped = true;
	s->input_done = true;	/* source_next() reads no more after a stop */
	for (i = 0; i < s->nbuckets; i++)
		for (h = s->table[i]; h != NULL; h = h->chain)
			while (h->head != NULL)
				drop_on_stop(s, host_take(s, h));
	while (s->retries.n > 0) {
		r = heap_pop(&s->retries);
		sink_emit(s->sink, r);	/* its last failure stands */
	}
	s->ready.n = 0;
	s->nrwait = 0;
	for (i = 0; i < s->nbuckets; i++)
		for (h = s->table[i]; h != NULL; h = h->chain)
			h->in_heap = false;
}

/* A job that was handed out goes back to the head of its host's queue. */
static void
requeue(struct sched *s, struct job *job)
{
	struct host *h = job->host;

	host_append(s, h, job, true);
	if (job->kind == JOB_ROBOTS)
		h->rstate = ROBOTS_QUEUED;
	host_consider(s, h);
}

/* Retries that are due go back to the head of their host's queue. */
static void
requeue_due(struct sched *s, double now)
{
	struct result *r;
	struct job *job;
	unsigned attempts;

	while (s->retries.n > 0 && s->retries.v[0].at <= now) {
		r = heap_pop(&s->retries);
		attempts = r->attempts;
		job = result_take_job(r);
		job->attempts = attempts;
		/* It came back with an answer: a worker's death is forgotten. */
		free(job->lost);
		job->lost = NULL;
		requeue(s, job);
	}
}

static long
ms_until(double at, double now)
{
	double ms = ceil((at - now) * 1000.0);

	return ms < 1 ? 1 : ms > 86400000 ? 86400000 : (long)ms;
}

static void	start_level(struct sched *);

/* A job for a URL the frontier hands back (its fields taken from it). */
static struct job *
job_from_item(struct frontier_item *it)
{
	struct job *job = xcalloc(1, sizeof *job);

	job->url = it->url;
	job->given = url_mask_password(job->url);
	job->input = it->input;
	job->referrer = it->referrer;
	job->depth = it->depth;
	job->seq = it->rank;
	job->releases = it->releases;
	it->url = it->input = it->referrer = NULL;
	return job;
}

/*
 * A shared frontier, once the lists are read: URLs of the current level
 * that no process has taken yet are queued here; when there are none,
 * the answer (wait for the level to be finished elsewhere, or the end) is
 * kept and the frontier is not asked again for CLAIM_POLL_S.
 */
static enum claim
claim_shared(struct sched *s, double now)
{
	struct frontier_item *items;
	struct job *job;
	size_t i, n;

	s->claimed = frontier_claim(s->frontier, s->claim_max, &items, &n);
	for (i = 0; i < n; i++) {
		/* A line's record another process owed: written here. */
		if (items[i].record != NULL) {
			sink_emit(s->sink, items[i].record);
			items[i].record = NULL;
			continue;
		}
		job = job_from_item(&items[i]);
		job->seq = s->crawl_seq++;
		route(s, job);
	}
	frontier_items_free(items, n);
	if (s->claimed != CLAIM_ITEMS)
		s->claim_at = now + CLAIM_POLL_S;
	return s->claimed;
}

/*
 * A shared frontier: --per-host, --host-rate and the host's Crawl-delay
 * over all its processes (a slot and the host's next start, in Redis).
 * False: not now; job goes back to the head of its host's queue, and the
 * host waits as long as Redis said.
 */
static bool
shared_start(struct sched *s, struct host *h, struct job *job, double now)
{
	double wait;

	job->slot = ++s->slots;
	wait = frontier_host_take(s->frontier, h->origin, s->opt->per_host,
	    h->interval, job->slot);
	if (wait <= 0)
		return true;
	job->slot = 0;
	h->next_at = now + wait;
	requeue(s, job);
	return false;
}

/* A shared frontier: the transfer of job is over, its slot is free. */
static void
shared_end(struct sched *s, struct job *job)
{
	struct host *h = job->host;

	if (job->slot != 0)
		frontier_host_give(s->frontier, h->origin, job->slot);
	job->slot = 0;
}

static enum sched_state
next_locked(struct sched *s, struct job **jobp, long *wait_ms)
{
	struct host *h;
	struct job *job;
	char *target;
	double now, at;

	*jobp = NULL;
	*wait_ms = -1;
	if (stop_signal != 0) {
		flush_on_stop(s);
		return s->inflight == 0 && !s->reading ? SCHED_END : SCHED_WAIT;
	}
	/*
	 * Read only when nothing may start: a list of one host is then read
	 * as it is fetched, and a host at its cap lets the reader look
	 * further, up to the window, for the jobs of other hosts.
	 */
again:
	now = clock_now_s();
	requeue_due(s, now);
	if (s->nrwait > 0 && now >= s->rwait_at)
		robots_recheck(s, now);
	while (s->ready.n > 0) {
		h = s->ready.v[0].p;
		if (!host_ready(s, h)) {	/* e.g. its queue ran dry */
			heap_pop(&s->ready);
			h->in_heap = false;
			continue;
		}
		if (s->ready.v[0].at < h->next_at) {
			/* Slowed down since it was queued: requeue it. */
			heap_pop(&s->ready);
			heap_push(&s->ready, h->next_at, s->tie++, h);
			continue;
		}
		at = h->next_at > s->global_next ? h->next_at : s->global_next;
		if (at > now) {
			*wait_ms = ms_until(at, now);
			break;
		}
		heap_pop(&s->ready);
		h->in_heap = false;
		job = host_take(s, h);
		if (job->kind == JOB_ROBOTS)
			h->rstate = ROBOTS_PENDING;
		else if (h->robots != NULL) {
			target = url_target_fast(job->url);
			if (target != NULL &&
			    !robots_allowed(h->robots, target)) {
				free(target);
				if (h->rwhy != NULL)
					emit_never(s, job, xstrdup(h->rwhy),
					    "unreachable");
				else
					emit_never(s, job, xstrdup("blocked by"
					    " robots.txt"), "blocked");
				host_consider(s, h);
				continue;
			}
			free(target);
		}
		if (frontier_shared(s->frontier) &&
		    !shared_start(s, h, job, now))
			continue;
		h->inflight++;
		if (++s->inflight > s->peak)
			s->peak = s->inflight;
		h->next_at = now + h->interval;
		if (s->opt->rate > 0)
			s->global_next = now + 1.0 / s->opt->rate;
		host_consider(s, h);
		*jobp = job;
		return SCHED_JOB;
	}
	if (may_read(s)) {
		fill(s, FILL_BATCH);
		*wait_ms = -1;
		goto again;
	}
	if (s->reading && stop_signal == 0) {
		/* Another caller is reading: its lines are as good as ours. */
		while (s->reading)
			pthread_cond_wait(&s->changed, &s->lock);
		*wait_ms = -1;
		goto again;
	}
	if (frontier_shared(s->frontier) && s->input_done &&
	    s->queued < s->claim_max && now >= s->claim_at &&
	    claim_shared(s, now) == CLAIM_ITEMS)
		goto again;
	if (s->retries.n > 0) {
		long w = ms_until(s->retries.v[0].at, now);

		if (*wait_ms < 0 || w < *wait_ms)
			*wait_ms = w;
	}
	if (s->nrwait > 0) {
		long w = ms_until(s->rwait_at, now);

		if (*wait_ms < 0 || w < *wait_ms)
			*wait_ms = w;
	}
	if (s->inflight == 0 && s->queued == 0 && s->retries.n == 0 &&
	    s->input_done) {
		/*
		 * The level barrier of a crawl: the list is read and no
		 * job is queued, in flight or waiting for a retry, so every
		 * page of this level is final and s->held holds all of
		 * their links: the next level starts here, and only here.
		 */
		if (s->nheld > 0) {
			start_level(s);
			goto again;
		}
		/* Shared: the level goes on elsewhere; ask again. */
		if (frontier_shared(s->frontier) && s->claimed != CLAIM_END) {
			*wait_ms = ms_until(s->claim_at, now);
			return SCHED_WAIT;
		}
		return SCHED_END;
	}
	return SCHED_WAIT;
}

enum sched_state
sched_next(struct sched *s, struct job **job, long *wait_ms)
{
	enum sched_state st;

	pthread_mutex_lock(&s->lock);
	st = next_locked(s, job, wait_ms);
	pthread_mutex_unlock(&s->lock);
	return st;
}

struct job *
sched_next_wait(struct sched *s)
{
	struct timespec ts;
	struct job *job;
	long ms;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		switch (next_locked(s, &job, &ms)) {
		case SCHED_JOB:
			pthread_mutex_unlock(&s->lock);
			return job;
		case SCHED_END:
			pthread_mutex_unlock(&s->lock);
			return NULL;
		case SCHED_WAIT:
			break;
		}
		if (ms < 0 || ms > WAIT_SLICE_MS)
			ms = WAIT_SLICE_MS;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += ms / 1000;
		ts.tv_nsec += (ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->changed, &s->lock, &ts);
	}
}

/* --- results ----------------------------------------------------------------- */

double
sched_backoff(unsigned n)
{
	double d = BACKOFF_BASE;

	while (n-- > 1 && d < BACKOFF_MAX)
		d *= 2;
	return d < BACKOFF_MAX ? d : BACKOFF_MAX;
}

/* A uniform double in [0, 1): xorshift64*, under the lock. */
static double
rnd(struct sched *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (double)((s->rng * UINT64_C(2685821657736338717)) >> 11) /
	    9007199254740992.0;
}

/* Whether r is retried; if so it is kept in the retry heap. */
static bool
maybe_retry(struct sched *s, struct result *r, struct host *h, double now)
{
	double delay;

	if (r->status == 429 && s->opt->retries > 0) {
		/* Every later request to this host slows down. */
		h->interval = h->interval > 0 ? h->interval * 2 : 1.0;
		if (h->interval > SLOWDOWN_MAX)
			h->interval = SLOWDOWN_MAX;
		if (h->next_at < now + h->interval)
			h->next_at = now + h->interval;
		/* Doubled over all the processes: each 429 counts. */
		if (frontier_shared(s->frontier)) {
			h->interval = frontier_host_slow(s->frontier,
			    h->origin, h->interval, h->next_at - now, true,
			    SLOWDOWN_MAX);
			if (h->next_at < now + h->interval)
				h->next_at = now + h->interval;
		}
	}
	if (!r->transient || r->attempts > s->opt->retries ||
	    stop_signal != 0 || r->retry_after > RETRY_AFTER_MAX)
		return false;
	delay = sched_backoff(r->attempts) * (0.5 + rnd(s));
	if (r->retry_after > 0 && delay < (double)r->retry_after)
		delay = (double)r->retry_after;
	if (r->retry_after > 0 && h->next_at < now + (double)r->retry_after) {
		h->next_at = now + (double)r->retry_after;
		if (frontier_shared(s->frontier))
			h->interval = frontier_host_slow(s->frontier,
			    h->origin, h->interval, (double)r->retry_after,
			    false, SLOWDOWN_MAX);
	}
	heap_push(&s->retries, now + delay, s->tie++, r);
	return true;
}

/*
 * robots.txt is in: 2xx is parsed; a 4xx allows all (there is no file),
 * but for a 429, which says "not now" and was retried like any 429. That,
 * a 5xx or no answer at all makes robots.txt "unreachable" (RFC 9309
 * 2.3.1.4): the host is all disallowed, and each of its records says why,
 * cause first, so that a dead host is not taken for a robots.txt block.
 */
static void
robots_apply(struct sched *s, struct host *h, const struct robots_copy *c)
{
	const char *why = c->error != NULL ? c->error : "no answer";
	char tries[32] = "";

	if (c->attempts > 1)
		snprintf(tries, sizeof tries, ", %u attempts", c->attempts);
	if (c->ok && c->status >= 200 && c->status < 300)
		h->robots = robots_parse(c->body ? c->body : "", c->len,
		    s->product);
	else if (c->status >= 400 && c->status < 500 && c->status != 429)
		h->robots = NULL;	/* everything allowed */
	else {
		h->robots = robots_all(false);
		h->rwhy = c->status >= 400 ?
		    xasprintf("robots.txt answered %s (every page of the host"
		    " disallowed%s)", why, tries) :
		    xasprintf("%s (robots.txt could not be fetched%s)", why,
		    tries);
	}
	if (h->robots != NULL && robots_delay(h->robots) > h->interval)
		h->interval = robots_delay(h->robots);
	h->rstate = ROBOTS_KNOWN;
}

static void
robots_in(struct sched *s, struct host *h, struct result *r)
{
	struct robots_copy c = { r->ok, r->status, r->attempts, r->error,
	    r->body, r->body_len };

	frontier_robots(s->frontier, h->origin, &c);
	robots_apply(s, h, &c);
	result_free(r);
}

/*
 * A shared frontier: the robots.txt of h as another process fetched it,
 * or this process is to fetch it (queued), or h waits while another
 * does (asked again with the claims). False while it waits.
 */
static bool
robots_shared(struct sched *s, struct host *h, const struct job *for_job)
{
	struct robots_copy c;

	switch (frontier_robots_get(s->frontier, h->origin, &c)) {
	case ROBOTS_HAVE:
		robots_apply(s, h, &c);
		robots_copy_free(&c);
		return true;
	case ROBOTS_FETCH:
		queue_robots(s, h, for_job);
		return true;
	case ROBOTS_ELSEWHERE:
		break;
	}
	if (h->rstate != ROBOTS_REMOTE) {
		h->rstate = ROBOTS_REMOTE;
		if (s->nrwait == s->rwaitcap) {
			s->rwaitcap = s->rwaitcap ? s->rwaitcap * 2 : 16;
			s->rwait = xrealloc(s->rwait, s->rwaitcap *
			    sizeof *s->rwait);
		}
		s->rwait[s->nrwait++] = h;
	}
	return false;
}

/* The hosts waiting for another process's robots.txt: ask again. */
static void
robots_recheck(struct sched *s, double now)
{
	struct host *h;
	size_t i, k = 0;

	for (i = 0; i < s->nrwait; i++) {
		h = s->rwait[i];
		if (h->head == NULL)
			h->rstate = ROBOTS_UNKNOWN;	/* asked when needed */
		else if (robots_shared(s, h, h->head))
			host_consider(s, h);
		else
			s->rwait[k++] = h;
	}
	s->nrwait = k;
	s->rwait_at = now + CLAIM_POLL_S;
}

/* Room for one more page's held links. */
static struct held *
held_new(struct sched *s)
{
	if (s->nheld == s->heldcap) {
		s->heldcap = s->heldcap ? s->heldcap * 2 : 64;
		s->held = xrealloc(s->held, s->heldcap * sizeof *s->held);
	}
	return memset(&s->held[s->nheld++], 0, sizeof *s->held);
}

/*
 * Hold the links of a page that are in scope and not seen yet for the
 * next level; the frontier keeps them too (--state: across a kill).
 * Nothing is added to the seen set here: a list line read later, or a
 * page of this level that comes before this one in its level's order,
 * must still be the one that names a link.
 */
static void
take_links(struct sched *s, struct result *r)
{
	const struct job *from = r->job;
	struct held *hd;
	char **cand;
	size_t *at, i, n = 0, k = 0;
	bool *fresh;

	/* Past --max-pages no link is queued: hold none. */
	if (s->opt->max_pages > 0 && s->pages >= s->opt->max_pages)
		return;
	cand = xcalloc(r->nlinks, sizeof *cand);
	at = xcalloc(r->nlinks, sizeof *at);
	fresh = xcalloc(r->nlinks, sizeof *fresh);
	for (i = 0; i < r->nlinks; i++)
		if (link_in_scope(s->opt->scope, from->url, r->links[i]) &&
		    url_in_shard(r->links[i], s->opt->shard_k,
		    s->opt->shard_n, s->opt->shard_by_url)) {
			at[n] = i;
			cand[n++] = r->links[i];
		}
	if (n > 0)
		frontier_hold(s->frontier, from->seq, from->depth + 1, r->url,
		    r->input, cand, n, fresh);
	for (i = 0; i < n; i++)
		if (fresh[i]) {
			cand[k++] = cand[i];
			r->links[at[i]] = NULL;
		}
	free(at);
	free(fresh);
	if (k == 0) {
		free(cand);
		return;
	}
	hd = held_new(s);
	hd->rank = from->seq;
	hd->depth = from->depth + 1;
	hd->referrer = xstrdup(r->url);
	hd->input = xstrdup(r->input);
	hd->links = cand;
	hd->n = k;
}

static int
held_cmp(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Free what hd holds; the links taken from it are NULL. */
static void
held_free(struct held *hd)
{
	size_t i;

	for (i = 0; i < hd->n; i++)
		free(hd->links[i]);
	free(hd->links);
	free(hd->referrer);
	free(hd->input);
}

/*
 * The next level of a crawl starts: called when the list is read and
 * every job is final (retries and robots.txt included), so the held links
 * are all the links of the level before. They are queued in one order,
 * whatever order their pages finished in: the page's rank in its level
 * (the seq it was queued with), then the link's place on the page. The
 * first of each URL wins, at its shortest depth, and --max-pages cuts the
 * same pages on every run. Each job's seq is its rank in the new level.
 */
/*
 * PSCRAPE_TEST_KILL=level:N, for tests/integration/state.sh: the Nth
 * level start commits the state after its first page's links and kills
 * the process, the moment a batch commit of the sink may come at.
 */
static void
test_kill_level(struct sched *s)
{
	static unsigned levels;
	const char *k = getenv("PSCRAPE_TEST_KILL");

	if (k != NULL && strncmp(k, "level:", 6) == 0 &&
	    ++levels == strtoul(k + 6, NULL, 10)) {
		frontier_commit(s->frontier);
		raise(SIGKILL);
	}
}

static void
start_level(struct sched *s)
{
	struct held *hd;
	struct job *job;
	uint64_t seq;
	size_t i, k, max;
	bool *admitted;

	qsort(s->held, s->nheld, sizeof *s->held, held_cmp);
	for (i = 0; i < s->nheld; i++) {
		hd = &s->held[i];
		/* Past --max-pages no record is owed for a link. */
		max = SIZE_MAX;
		if (s->opt->max_pages > 0)
			max = s->pages >= s->opt->max_pages ? 0 :
			    s->opt->max_pages - s->pages;
		admitted = xcalloc(hd->n, sizeof *admitted);
		seq = s->crawl_seq;
		frontier_admit_links(s->frontier, hd->rank, hd->links, hd->n, max,
		    hd->referrer, hd->input, hd->depth, &s->crawl_seq,
		    admitted);
		for (k = 0; k < hd->n; k++) {
			if (!admitted[k])
				continue;
			job = xcalloc(1, sizeof *job);
			job->url = hd->links[k];
			hd->links[k] = NULL;
			job->given = url_mask_password(job->url);
			job->input = xstrdup(hd->input);
			job->seq = seq++;
			job->depth = hd->depth;
			job->referrer = xstrdup(hd->referrer);
			route(s, job);
		}
		free(admitted);
		held_free(hd);
		if (i == 0)
			test_kill_level(s);
	}
	s->nheld = 0;
}

void
sched_done(struct sched *s, struct result *r)
{
	struct host *h;
	double now = clock_now_s();
	bool retried;

	pthread_mutex_lock(&s->lock);
	h = r->job != NULL ? r->job->host : NULL;
	if (h != NULL) {
		h->inflight--;
		s->inflight--;
	}
	retried = h != NULL && maybe_retry(s, r, h, now);
	/* After maybe_retry(): a 429's slow-down is in Redis before the
	   host's next transfer may start. */
	if (h != NULL)
		shared_end(s, r->job);
	if (retried)
		r = NULL;
	else if (r->job != NULL && r->job->kind == JOB_ROBOTS) {
		robots_in(s, h, r);
		r = NULL;
	} else if (r->job != NULL && r->nlinks > 0 && stop_signal == 0)
		take_links(s, r);
	if (h != NULL)
		host_consider(s, h);
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	/* Written outside the lock, which the engine's threads all want. */
	if (r != NULL)
		sink_emit(s->sink, r);
}

/* A job handed out is no longer in flight: its host may start another. */
static void
job_returned(struct sched *s, struct job *job)
{
	struct host *h = job->host;

	h->inflight--;
	s->inflight--;
	shared_end(s, job);
}

void
sched_giveback(struct sched *s, struct job *job)
{
	pthread_mutex_lock(&s->lock);
	job_returned(s, job);
	if (stop_signal != 0)
		drop_on_stop(s, job);
	else
		requeue(s, job);
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
}

bool
sched_lost(struct sched *s, struct job *job, const char *why)
{
	struct result *r;
	bool again;

	pthread_mutex_lock(&s->lock);
	again = job->lost == NULL && stop_signal == 0;
	if (again) {
		job->attempts++;	/* the record counts the lost one */
		job->lost = xstrdup(why);
		job_returned(s, job);
		requeue(s, job);
		pthread_cond_broadcast(&s->changed);
	}
	pthread_mutex_unlock(&s->lock);
	if (!again) {
		r = result_from_job(job);
		result_fail(r, "%s", why);
		sched_done(s, r);
	}
	return again;
}

bool
sched_draining(struct sched *s)
{
	bool draining;

	pthread_mutex_lock(&s->lock);
	draining = s->input_done && s->queued == 0 && s->retries.n == 0 &&
	    s->nheld == 0 && (!frontier_shared(s->frontier) ||
	    s->claimed == CLAIM_END);
	pthread_mutex_unlock(&s->lock);
	return draining;
}

int
sched_inflight(struct sched *s)
{
	int n;

	pthread_mutex_lock(&s->lock);
	n = s->inflight;
	pthread_mutex_unlock(&s->lock);
	return n;
}

int
sched_peak_inflight(struct sched *s)
{
	int n;

	pthread_mutex_lock(&s->lock);
	n = s->peak;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* --- life ----------------------------------------------------------------- */

/* The product token of a User-Agent: its first word, before any '/'. */
static char *
product_token(const char *ua)
{
	size_t n = strcspn(ua, "/ \t;(");

	return n > 0 ? xstrndup(ua, n) : xstrdup("pscrape");
}

/*
 * What an earlier attempt of the run left: the pages it admitted and did
 * not finish are queued again, at their depth and with their rank; the
 * links it held for the next level are held again. Before any list line
 * is read.
 */
static void
queue_pending(struct sched *s)
{
	struct frontier_item *items, *it;
	struct held *hd = NULL;
	uint64_t pages;
	size_t i, n;

	n = frontier_claim_pending(s->frontier, &items, &pages, &s->crawl_seq);
	s->pages = pages;
	for (i = 0; i < n; i++) {
		it = &items[i];
		if (it->held) {
			if (hd == NULL || hd->rank != it->rank) {
				hd = held_new(s);
				hd->rank = it->rank;
				hd->depth = it->depth;
				hd->referrer = it->referrer;
				hd->input = it->input;
				it->referrer = it->input = NULL;
			}
			hd->links = xrealloc(hd->links, (hd->n + 1) *
			    sizeof *hd->links);
			hd->links[hd->n++] = it->url;
			it->url = NULL;
			continue;
		}
		route(s, job_from_item(it));
	}
	frontier_items_free(items, n);
}

struct sched *
sched_new(const struct options *opt, struct source *src, struct sink *sink,
    struct frontier *frontier, int jobs)
{
	struct sched *s = xcalloc(1, sizeof *s);
	pthread_condattr_t ca;

	s->opt = opt;
	s->src = src;
	s->sink = sink;
	s->product = product_token(opt->user_agent);
	s->nbuckets = 64;
	s->table = xcalloc(s->nbuckets, sizeof *s->table);
	s->frontier = frontier;
	s->crawl_seq = SEQ_CRAWL;
	s->window = jobs > 256 ? (size_t)jobs * 4 : 1024;
	s->claim_max = jobs < 4 ? 4 : jobs > 64 ? 64 : (size_t)jobs;
	s->claimed = CLAIM_WAIT;
	s->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
	    UINT64_C(0x9e3779b97f4a7c15);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->changed, &ca);
	pthread_condattr_destroy(&ca);
	queue_pending(s);
	return s;
}

void
sched_free(struct sched *s)
{
	struct host *h, *next;
	struct job *job;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nbuckets; i++)
		for (h = s->table[i]; h != NULL; h = next) {
			next = h->chain;
			while (h->head != NULL) {
				job = h->head;
				h->head = job->next;
				job_free(job);
			}
			robots_free(h->robots);
			free(h->rwhy);
			free(h->origin);
			free(h);
		}
	while (s->retries.n > 0)
		result_free(heap_pop(&s->retries));
	for (i = 0; i < s->nheld; i++)
		held_free(&s->held[i]);
	free(s->held);
	free(s->rwait);
	free(s->table);
	free(s->ready.v);
	free(s->retries.v);
	free(s->product);
	pthread_cond_destroy(&s->changed);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
