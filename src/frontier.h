/*
 * The frontier: every URL a run has found (list lines and crawled links,
 * with depth and referrer) and every record it has finished, behind one
 * interface with a backend per store. The memory backend (frontier_mem.c)
 * is a run's duplicate finder and nothing more; the SQLite backend
 * (frontier_sqlite.c, --state) keeps both in a file, so that a run cut
 * short resumes where it stopped. The calls are coarse, each one step
 * that a remote store (a shared frontier for many machines) can do
 * atomically: admit a list line, hold the new links of a page for the
 * next level, admit a level's links, claim what an earlier attempt left
 * pending, complete a record, commit.
 *
 * The scheduler's host queues stay the order in which admitted URLs are
 * fetched. The scheduler calls admit and claim under its lock, the sink
 * calls complete and commit under its own: a backend that needs more
 * locking than that (SQLite) has its own lock, taken last.
 */
#ifndef PSCRAPE_FRONTIER_H
#define PSCRAPE_FRONTIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct options;
struct result;

enum admit {
	ADMIT_NEW,		/* a URL not seen before: fetch it */
	ADMIT_SEEN,		/* seen before: a duplicate of *first */
	ADMIT_DONE,		/* its record went out in an earlier attempt,
				   or (shared) another process has the line */
	ADMIT_FULL,		/* shared: --max-pages is reached */
};
/* The error of an ADMIT_FULL line's record. */
#define FRONTIER_FULL_ERROR \
	"not fetched: --max-pages reached over the --frontier"

/* What a shared frontier's claim() found. */
enum claim {
	CLAIM_ITEMS,		/* URLs of the current level for this process */
	CLAIM_WAIT,		/* the level is being finished elsewhere */
	CLAIM_END,		/* nothing is left anywhere */
};

/*
 * A URL found and not yet finished, as claim hands it back: admitted (a
 * page to queue, rank its seq) or held for the next level (rank: the seq
 * of the page it was found on).
 */
struct frontier_item {
	char		*url;
	char		*input;		/* "FILE:LINE" of its seed */
	char		*referrer;	/* masked, or NULL for a seed */
	unsigned	 depth;
	uint64_t	 rank;
	bool		 held;
	unsigned	 releases;	/* shared: leases that ran out on it */
	/*
	 * Shared: not a URL but the record of a list line (a duplicate,
	 * one over --max-pages, one that is no URL) that a process whose
	 * lease ran out claimed and may not have written: write it as it
	 * is (the caller takes it; frontier_items_free() frees it if not).
	 */
	struct result	*record;
};

/* A host's robots.txt as fetched: what the scheduler makes of it. */
struct robots_copy {
	bool		 ok;
	long		 status;	/* 0: no answer */
	unsigned	 attempts;
	char		*error;		/* or NULL */
	char		*body;		/* or NULL */
	size_t		 len;
};

/* A shared frontier's answer for a host's robots.txt. */
enum robots_share {
	ROBOTS_FETCH,		/* this process fetches it for all */
	ROBOTS_HAVE,		/* fetched by another process: the copy */
	ROBOTS_ELSEWHERE,	/* another process is fetching it */
};

/*
 * --state: a URL's last success in an earlier run (its validators, body
 * hash, chars, and when it was last fetched, in seconds since the
 * epoch). The strings are the frontier's, valid until it is closed.
 */
struct frontier_prev {
	const char	*etag;		/* or NULL */
	const char	*last_modified;	/* or NULL */
	uint64_t	 content_hash;
	bool		 hashed;
	uint64_t	 chars;
	int64_t		 fetched_at;
};

struct frontier;

struct frontier_ops {
	enum admit	(*admit_seed)(struct frontier *, const char *url,
			    const char *input, const char **first);
	void		(*hold)(struct frontier *, uint64_t rank,
			    unsigned depth, const char *referrer,
			    const char *input, char **links, size_t n,
			    bool *fresh);
	void		(*robots)(struct frontier *, const char *origin,
			    const struct robots_copy *);
	bool		(*robots_kept)(struct frontier *, const char *origin,
			    struct robots_copy *);
	size_t		(*admit_links)(struct frontier *, uint64_t rank,
			    char **links,
			    size_t n, size_t max, const char *referrer,
			    const char *input, unsigned depth, uint64_t *seq,
			    bool *admitted);
	size_t		(*claim_pending)(struct frontier *,
			    struct frontier_item **, uint64_t *pages,
			    uint64_t *seq);
	bool		(*previous)(struct frontier *, const char *url,
			    struct frontier_prev *);
	bool		(*complete)(struct frontier *, const struct result *);
	int		(*commit)(struct frontier *);
	void		(*seal)(struct frontier *);
	int		(*commit_sealed)(struct frontier *);
	void		(*checkpoint)(struct frontier *);
	void		(*close)(struct frontier *, bool finished);
	/*
	 * A shared frontier's only; NULL for the others. A backend may
	 * leave NULL the calls it has nothing to do for: robots,
	 * admit_links, claim_pending, commit, seal, commit_sealed,
	 * checkpoint.
	 */
	enum claim	(*claim)(struct frontier *, size_t max,
			    struct frontier_item **, size_t *n);
	void		(*written)(struct frontier *, const struct result *);
	enum robots_share (*robots_get)(struct frontier *, const char *origin,
			    struct robots_copy *);
	/* Many lines at once; NULL: admit_seed() for each. */
	void		(*admit_seeds)(struct frontier *, size_t n,
			    const char **urls, const char **givens,
			    const char **inputs,
			    enum admit *, char **firsts);
	/* A durable frontier's only; NULL for the others. */
	size_t		(*replay)(struct frontier *, struct result ***);
	void		(*flushed)(struct frontier *);
	double		(*host_take)(struct frontier *, const char *origin,
			    int per_host, double interval, uint64_t slot);
	void		(*host_give)(struct frontier *, const char *origin,
			    uint64_t slot);
	double		(*host_slow)(struct frontier *, const char *origin,
			    double interval, double wait, bool twice,
			    double max);
};

struct frontier {
	const struct frontier_ops *ops;
	bool		 durable;	/* records wait for commit() */
	bool		 resumed;	/* durable: goes on with a run cut short */
	bool		 shared;	/* with other processes: claim() */
};

/* The memory backend: today's run, forgotten when it ends. */
struct frontier	*frontier_mem_new(void);
/*
 * --state FILE: open (or make) the state, lock it, check that it was made
 * by the same lists and crawl options (else exit 2, unless --state-reset
 * empties it), and begin a run: the last one again if it did not finish,
 * else a new one. Exits with a message on any error.
 */
struct frontier	*frontier_sqlite_open(const struct options *);
/*
 * --frontier URL: join the crawl shared on Redis (frontier_redis.c): the
 * same lists and options as its other processes (else exit 2), a lease
 * renewed by a thread of its own. Exits with a message (EXIT_FRONTIER
 * when Redis cannot be reached).
 */
struct frontier	*frontier_redis_open(const struct options *);
/* --status: the shared frontier's counts on out; the exit status. */
int		 frontier_redis_status(const struct options *, FILE *out);
struct source;
/*
 * --load: the lines of src's lists into the shared frontier, each once
 * by its FILE:LINE, for processes with no list to take; the exit status.
 */
int		 frontier_redis_load(const struct options *, struct source *);
/*
 * A source_feed (urllist.h) for a process of the shared frontier f with
 * no list: up to max loaded lines, each taken by this process alone and
 * held under its lease until claimed.
 */
size_t		 frontier_redis_lines(void *f, size_t max, char ***entries,
		    bool *later);
/* A source_unfeed: loaded lines taken and not looked at go back. */
void		 frontier_redis_unlines(void *f, char **entries, size_t n);

/*
 * A list line: whether its URL is new (then remembered, with input as
 * its origin), a duplicate (*first: the first origin), or done: its
 * record went out in an earlier attempt of this run.
 */
enum admit	 frontier_admit_seed(struct frontier *, const char *url,
		    const char *input, const char **first);
/*
 * n list lines at once, in order, each as frontier_admit_seed() would
 * (firsts[i]: the first origin of an ADMIT_SEEN, malloc'd, else NULL):
 * one step of a shared frontier, one round trip for many lines. givens[i]
 * is urls[i] as the line gave it (masked), for the record a shared
 * frontier keeps until it is written.
 */
void		 frontier_admit_seeds(struct frontier *, size_t n,
		    const char **urls, const char **givens,
		    const char **inputs, enum admit *,
		    char **firsts);
/*
 * The links of the page of seq rank, found by referrer, for the next
 * level (depth): fresh[i] says which are not seen yet; those are held
 * (by the scheduler, and by a durable frontier until they are admitted).
 */
void		 frontier_hold(struct frontier *, uint64_t rank,
		    unsigned depth, const char *referrer, const char *input,
		    char **links, size_t n, bool *fresh);
/*
 * The robots.txt of origin came in. A durable frontier keeps it, with
 * the time; a shared one gives it to the other processes.
 */
void		 frontier_robots(struct frontier *, const char *origin,
		    const struct robots_copy *);
/*
 * A shared frontier: the robots.txt of origin from another process
 * (ROBOTS_HAVE: *copy filled, freed with robots_copy_free()), or this
 * process is to fetch it (the others wait for it, for up to --lease), or
 * another is fetching it: ask again later.
 */
enum robots_share frontier_robots_get(struct frontier *, const char *origin,
		    struct robots_copy *);
void		 robots_copy_free(struct robots_copy *);
/*
 * How long a kept robots.txt stands for the host's: RFC 9309 2.4 says a
 * crawler should not use a cached robots.txt for more than 24 hours.
 */
#define ROBOTS_KEEP_S	(24 * 3600)
/*
 * The robots.txt of origin that an earlier attempt or run kept, if it
 * was a final answer (2xx, or 4xx but 429) less than ROBOTS_KEEP_S old:
 * true, with *copy filled (freed with robots_copy_free()), so that a
 * resumed run does not ask the host again. An answer that made the host
 * unreachable is not kept: that may have passed.
 */
bool		 frontier_robots_kept(struct frontier *, const char *origin,
		    struct robots_copy *);
/*
 * The held links of the page of seq rank, at depth: admits at most max
 * new ones (admitted[i] says which), remembered with depth, referrer and
 * input, each with the next *seq as its rank. A durable frontier forgets
 * the page's held links in the same step, so that a commit at any moment
 * of a level's start keeps each page's links, held or admitted. Returns
 * how many were admitted.
 */
size_t		 frontier_admit_links(struct frontier *, uint64_t rank,
		    char **links, size_t n, size_t max, const char *referrer,
		    const char *input, unsigned depth, uint64_t *seq,
		    bool *admitted);
/*
 * What an earlier attempt of this run left, to be queued or held again
 * (the caller frees with frontier_items_free()), in rank order; *pages
 * is the pages of the run already counted against --max-pages, and *seq
 * is raised past every rank handed out.
 */
size_t		 frontier_claim_pending(struct frontier *,
		    struct frontier_item **, uint64_t *pages, uint64_t *seq);
void		 frontier_items_free(struct frontier_item *, size_t);
/*
 * The last success of url in an earlier run (a finished one, or one
 * --state-reset did not empty): false when there is none (always, in
 * memory). Thread-safe: what it reads is loaded when the state opens.
 */
bool		 frontier_previous(struct frontier *, const char *url,
		    struct frontier_prev *);
/*
 * --state, for a record about to go out: what its URL's last success
 * tells (changed; a 304's or a --since skip's chars, validators and
 * hash, carried over).
 */
void		 frontier_recall(struct frontier *, struct result *);
/*
 * A record is out: remember it as final (unless it only says the run
 * was interrupted). False: an earlier attempt already wrote this line's
 * record, so this one must not go out.
 */
bool		 frontier_complete(struct frontier *, const struct result *);
/* Make the completed records durable; 0, or -1 (a message was given). */
int		 frontier_commit(struct frontier *);
/*
 * frontier_commit() in two steps, the slow one outside the caller's lock:
 * frontier_seal() takes the records completed so far (those completed
 * after it wait for the next commit), frontier_commit_sealed() makes them
 * durable. Nothing else may commit between the two.
 */
void		 frontier_seal(struct frontier *);
int		 frontier_commit_sealed(struct frontier *);
/*
 * A durable frontier: the records of the last commit (and the replayed
 * ones) are out. It says so with the next commit, which costs nothing
 * more: the rows committed and not yet said to be out are those a kill
 * between a commit and the writing of its records would lose.
 */
void		 frontier_flushed(struct frontier *);
/*
 * A durable frontier being resumed: the final records of the run whose
 * rows were committed and not said to be out (at most the last batch or
 * two of the attempt before), rebuilt from their rows and marked
 * replayed, in the order they were committed; *recs is malloc'd, the
 * caller frees it and each record. 0 for the others.
 */
size_t		 frontier_replay(struct frontier *, struct result ***recs);
/*
 * Tidy the store (SQLite: copy its write-ahead log into the file), when
 * it is due. Called when the records of the last commit are out: a kill
 * during this slow step then loses nothing, where between a commit and
 * the writing of its records it loses them.
 */
void		 frontier_checkpoint(struct frontier *);
/*
 * A shared frontier: up to max URLs of the current level for this process
 * (*items, *n; the caller frees them), once its lists are read; or wait,
 * or the end. The level moves on only when no process holds a URL of it.
 */
enum claim	 frontier_claim(struct frontier *, size_t max,
		    struct frontier_item **, size_t *n);
/* A shared frontier: r's record went out, its URL is done. */
void		 frontier_written(struct frontier *, const struct result *);
bool		 frontier_shared(const struct frontier *);
/*
 * A shared frontier's politeness, over all its processes: whether a
 * transfer to origin may start now, with at most per_host (0: any number)
 * in flight and interval seconds between starts (or the longer interval
 * a 429 set, see frontier_host_slow()). 0: it may, and holds slot (a
 * number of this process's own, not 0) until frontier_host_give(); a
 * slot of a process whose lease ran out is free. Else the seconds to
 * wait before asking again.
 */
double		 frontier_host_take(struct frontier *, const char *origin,
		    int per_host, double interval, uint64_t slot);
void		 frontier_host_give(struct frontier *, const char *origin,
		    uint64_t slot);
/*
 * A shared frontier: origin answered 429 or asked to wait: its starts
 * are at least interval seconds apart from now on, and none is before
 * wait seconds. A 429 (twice) also doubles the interval the host has
 * over all the processes, up to max seconds, and no start is before it.
 * Returns the host's interval over all the processes now.
 */
double		 frontier_host_slow(struct frontier *, const char *origin,
		    double interval, double wait, bool twice, double max);
/* Whether records must wait for frontier_commit() before going out. */
bool		 frontier_durable(const struct frontier *);
/* Commit, record whether the run finished, let go. NULL is allowed. */
void		 frontier_close(struct frontier *, bool finished);

#endif
