/*
 * Engines: how work is run concurrently (threads, a pool, processes, event
 * loops), and what they share. Each engine takes jobs from the scheduler
 * (scheduler.h: politeness, robots.txt, retries, crawling), turns each
 * into a result with the fetch module (fetch.h: curl options, what an
 * outcome means), and hands the result back to the scheduler, which passes
 * it to the sink. Those decisions are not the engines'. They are listed in
 * one table (engine.c); one that cannot start a single thread or worker
 * runs the serial engine instead.
 *
 * Also here, because every engine needs them: the run they work on, the
 * stack size of their threads, fitting -j to the descriptor limit, the
 * origins a curl handle went to lately, and the entry point of the
 * process engine's workers.
 */
#ifndef PSCRAPE_ENGINE_H
#define PSCRAPE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Stack size of the threads the engines start: small, so 10,000 fit, but
 * roomy under the sanitizers, which multiply stack use.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ENGINE_THREAD_STACK	(4 * 1024 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ENGINE_THREAD_STACK	(4 * 1024 * 1024)
#endif
#endif
#ifndef ENGINE_THREAD_STACK
#define ENGINE_THREAD_STACK	(256 * 1024)
#endif

struct options;
struct savetext;
struct sched;
struct sink;
struct source;

/* What one engine run works with; shared, owned by main. */
struct run {
	const struct options	*opt;
	struct source		*src;
	struct sched		*sched;		/* engines take jobs from it */
	struct sink		*sink;
	struct savetext		*save;
	const char		*engine;	/* this engine's name, for messages */
	int			 jobs;		/* concurrency to use */
};

struct engine {
	const char	*name;
	int		 default_jobs;
	/* One at a time whatever -j says: slow on long lists, so "all"
	 * leaves it out. */
	bool		 sequential;
	void		(*run)(struct run *);
};

const struct engine	*engine_find(const char *);
/*
 * Parse an --engine value: a name, a comma list, or "all" (every engine
 * but serial, which is slow on long lists; name it to include it). Returns
 * the number of engines stored in out (at most max), or -1 when a name is
 * unknown.
 */
int			 engine_list(const char *spec,
			    const struct engine **out, int max);
/* "serial, ..." for messages. */
const char		*engine_names(void);

/*
 * Cap run->jobs to what the descriptor limit allows when each job holds
 * per_job descriptors, saying so once on stderr; returns the new value.
 * First the limit is raised to what the jobs need (jobs x per_job + a
 * reserve), the hard limit too when the process may (root with
 * CAP_SYS_RESOURCE), up to /proc/sys/fs/nr_open.
 */
int	engine_fit_jobs(struct run *, int per_job);

/*
 * Connections are not shared between threads (doc/NOTES.md, "libcurl
 * 7.88.1") nor processes: each stays in the easy handle that opened it.
 * So the thread and pool engines put a job on the handle that fetched
 * from its origin lately, when they can, and count on that handle's
 * connection there still being open. struct origins: the last few origins
 * a handle went to, as origin_hash()es, newest first; 0 is none.
 */
#define ORIGINS_KEPT	5	/* an easy handle keeps as many (doc/NOTES.md) */
struct origins {
	uint64_t	 h[ORIGINS_KEPT];
};
/* A hash of url's origin, "scheme://authority" (never 0). */
uint64_t	 origin_hash(const char *url);
/* Where h is in o (0: the last one gone to), or -1. */
int		 origins_rank(const struct origins *o, uint64_t h);
/* Just gone to h. */
void		 origins_add(struct origins *o, uint64_t h);

void	engine_serial(struct run *);
void	engine_thread(struct run *);
void	engine_pool(struct run *);
void	engine_process(struct run *);
void	engine_async(struct run *);

#endif
