/*
 * Engines: how work is scheduled, and nothing else. Each engine takes jobs
 * from the source, turns each into a result with the fetch module, and
 * hands results to the sink. They are listed in one table (engine.c).
 */
#ifndef PSCRAPE_ENGINE_H
#define PSCRAPE_ENGINE_H

#include "options.h"

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

struct savetext;
struct sink;
struct source;

/* What one engine run works with; shared, owned by main. */
struct run {
	const struct options	*opt;
	struct source		*src;
	struct sink		*sink;
	struct savetext		*save;
	const char		*engine;	/* this engine's name */
	int			 jobs;		/* concurrency to use */
};

struct engine {
	const char	*name;
	int		 default_jobs;
	void		(*run)(struct run *);
};

const struct engine	*engine_find(const char *);
/* "serial, ..." for messages. */
const char		*engine_names(void);

void	engine_serial(struct run *);
void	engine_thread(struct run *);
void	engine_pool(struct run *);

#endif
