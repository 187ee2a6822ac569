/*
 * Command-line options: one table (options.c) drives the defaults,
 * getopt_long parsing, config files, --help and the documentation test
 * that keeps the man page in sync. The table sets the fields below by
 * offset and size, so a field keeps the type its option's type says
 * (options.c), and enum format the order of the --format names. Also
 * the types of option values: enum scope, enum format.
 */
#ifndef PSCRAPE_OPTIONS_H
#define PSCRAPE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <curl/curl.h>

/* --scope: which links a crawl follows (link_in_scope() in links.h). */
enum scope { SCOPE_HOST, SCOPE_DOMAIN, SCOPE_PREFIX };

enum format {
	FORMAT_TEXT,
	FORMAT_JSONL,
	FORMAT_CSV,
};

/* Parsed options; filled once by options_parse() and read-only after. */
struct options {
	const char		*engine;	/* engine name, list or "all" */
	int			 jobs;		/* 0: the engine's default */
	const char		*output;	/* NULL: stdout */
	enum format		 format;
	long			 timeout_ms;
	long			 connect_timeout_ms;
	uint64_t		 max_size;	/* decoded body cap, bytes */
	uint64_t		 max_memory;	/* --max-memory, bytes */
	long			 max_redirs;
	char			*user_agent;
	struct curl_slist	*headers;	/* -H, in order */
	const char		*cacert;
	bool			 insecure;
	const char		*save_text;	/* directory or NULL */
	bool			 text;		/* --text: text in records */
	const char		*summary;	/* --summary FILE or NULL */
	double			 fail_threshold; /* percent */
	const char		*lock;		/* --lock FILE or NULL */
	long			 lock_wait_ms;
	const char		*log;		/* --log FILE or NULL */
	bool			 quiet;
	int			 verbose;
	bool			 dry_run;
	int			 repeat;	/* runs of each engine */
	/* Politeness and crawling: see scheduler.h. */
	int			 per_host;	/* 0: no limit */
	bool			 robots;
	double			 rate;		/* requests/s, all hosts; 0 */
	double			 host_rate;	/* requests/s per host; 0 */
	unsigned		 retries;
	unsigned		 depth;
	enum scope		 scope;
	uint64_t		 max_pages;	/* 0: no limit */
	unsigned		 max_links;	/* hrefs taken from a page */
	unsigned		 shard_k;	/* 1..shard_n */
	unsigned		 shard_n;	/* 0: no sharding */
	bool			 shard_by_url;
	const char		*state;		/* --state FILE or NULL */
	bool			 state_reset;
	long			 since_s;	/* --since; 0: off */
	const char		*frontier;	/* --frontier URL or NULL */
	long			 lease_ms;	/* --lease */
	bool			 status;	/* --status */
	bool			 load;		/* --load */
	/* The -i lists, then the arguments: lists, or URLs (urllist.h). */
	char			**files;	/* none: stdin */
	int			 nfiles;
	int			 nlistfiles;	/* how many -i lists lead */
	/* Sent as they are: see fetch.c and doc/NOTES.md. */
	const char		*proxy;		/* -x, or NULL */
	long			 http_version;	/* 0, or a CURL_HTTP_VERSION_ */
	const char		*cookie;	/* -b FILE or NAME=VALUE */
	const char		*cookie_jar;	/* -c, or NULL */
	char			**owned;	/* config values, freed with us */
	size_t			 nowned;
};

/* Exit statuses, documented in --help and the man page. */
#define EXIT_ALL_OK	0
#define EXIT_SOME_FAIL	1
#define EXIT_USAGE	2
#define EXIT_WRITE	3	/* output could not be written */
#define EXIT_LOCKED	4	/* --lock held by another run */
#define EXIT_FRONTIER	5	/* --frontier unreachable or gone */

/* Parse argv into opts; exits with EXIT_USAGE (message on stderr) on error. */
void	options_parse(struct options *, int, char **);
void	options_free(struct options *);
void	options_usage(FILE *);
/* The completion of pscrape for shell, "bash" or "zsh"; -1 for another. */
int	options_completion(FILE *, const char *shell);
/* BYTES with an optional K, M or G suffix; -1 when malformed or 0. */
int	parse_size(const char *, uint64_t *);

#endif
