/*
 * Jobs and result records. A job is one URL to fetch; a result is the one
 * record every input line produces, success or error. Whoever holds a
 * pointer owns it: the source makes jobs, an engine turns each into a
 * result, and sink_emit() consumes the result.
 */
#ifndef PSCRAPE_RESULT_H
#define PSCRAPE_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum job_kind {
	JOB_PAGE,			/* a page: its record goes out */
	JOB_ROBOTS,			/* a host's robots.txt: for the scheduler */
};

struct job {
	char		*url;		/* normalised by curl_url: what is fetched */
	char		*given;		/* as given in the list, password masked */
	char		*input;		/* "FILE:LINE" */
	uint64_t	 seq;		/* input order, from 1 */

	/* Crawling (see scheduler.h); zero for a plain list. */
	enum job_kind	 kind;
	bool		 want_links;	/* collect the page's links */
	unsigned	 depth;		/* hops from the list */
	unsigned	 attempts;	/* made before this one */
	char		*lost;		/* a process worker died on its last
					   try, saying this; see sched_lost() */
	char		*referrer;	/* page the link was found on, masked */
	/* --state: the validators of the URL's last success, to send */
	char		*etag;		/* If-None-Match, or NULL */
	char		*last_modified;	/* If-Modified-Since, or NULL */
	unsigned	 releases;	/* --frontier: leases of other processes
					   that ran out on it (it is redone) */
	void		*host;		/* the scheduler's per-host state */
	uint64_t	 slot;		/* --frontier: its host's slot, or 0 */
	struct job	*next;		/* the scheduler's queues */
};

struct result {
	char		*url;		/* as given, password masked */
	char		*input;		/* "FILE:LINE" */
	char		*final_url;	/* after redirects; NULL: no transfer */
	long		 status;	/* HTTP status; 0 when there was none */
	bool		 ok;
	char		*duplicate_of;	/* "FILE:LINE" of the first copy */
	char		*content_type;
	const char	*charset;	/* static; NULL when not parsed */
	uint64_t	 bytes;		/* decoded body bytes */
	uint64_t	 chars;		/* visible-text code points */
	double		 time_ms;
	double		 ttfb_ms;
	const char	*engine;	/* static; set by sink_emit() */
	char		*error;		/* NULL on success */
	bool		 muted;		/* no line on stderr: hinted once */
	char		*text;		/* --text: the page's text, or NULL */
	size_t		 text_len;	/* its bytes: it may hold a NUL */
	char		*text_file;	/* --save-text: its file, or NULL */
	int		 save_errno;	/* --save-text's DIR failed with it:
					   the run stops; 0 otherwise */
	const char	*robots;	/* static: "blocked" when robots.txt
					   disallows the URL, "unreachable"
					   when it could not be fetched;
					   NULL otherwise */
	uint64_t	 seq;

	/*
	 * --state: the response's validators and a hash of the body (a
	 * success), whether it was a 304 to the job's validators; what the
	 * sink adds from the URL's last success (changed: CHANGED_UNKNOWN
	 * when there is none); skipped: "since" for a URL --since did not
	 * fetch.
	 */
	char		*etag;
	char		*last_modified;
	uint64_t	 content_hash;
	bool		 hashed;
	bool		 not_modified;
	enum changed {
		CHANGED_UNKNOWN, CHANGED_NO, CHANGED_YES
	}		 changed;
	const char	*skipped;	/* static */
	int64_t		 fetched_at;	/* skipped: when it last was, in
					   seconds since the epoch */
	bool		 replayed;	/* rebuilt from the state's row: its
					   record may not have gone out */

	/* Crawling: what the scheduler needs back from a transfer. */
	struct job	*job;		/* the job, for a retry (its url only) */
	unsigned	 attempts;	/* transfers made for this record */
	bool		 transient;	/* worth a retry: timeout, 429, 503... */
	long		 retry_after;	/* seconds the server asked for; 0 */
	char		*eff_url;	/* final URL unmasked, to resolve links */
	char		**links;	/* absolute http(s) links found */
	size_t		 nlinks;
	uint64_t	 links_cut;	/* hrefs the page had when that was
					   more than --max-links; else 0 */
	char		*body;		/* robots.txt only: the body */
	size_t		 body_len;
};

struct job	*job_new(char *url, char *given, char *input, uint64_t seq);
void		 job_free(struct job *);

/*
 * A record for a job: it takes the job's given URL and "FILE:LINE" and
 * keeps the job itself (r->job, freed with the record), whose url and
 * crawl fields the scheduler still needs. The engine name is left NULL:
 * sink_emit() fills it in.
 */
struct result	*result_from_job(struct job *);
/*
 * Undo result_from_job() for a record that is not to go out: the job
 * gets its given URL and "FILE:LINE" back (not attempts: the caller says
 * what they are), the record is freed, the job returned.
 */
struct job	*result_take_job(struct result *);
void		 result_fail(struct result *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/*
 * Free and zero what a transfer fills in (final_url to body_len), keeping
 * what came from the job.
 */
void		 result_clear_outcome(struct result *);
void		 result_free(struct result *);
/*
 * Whether r says only that the run stopped before its URL was done
 * ("interrupted by", "not started: interrupted by"): not a final record,
 * so a state or a shared frontier has its URL fetched again.
 */
bool		 result_interrupted(const struct result *);

/*
 * A peer certificate that could not be verified: fetch_finish() begins
 * the record's error with this, and a host's records whose robots.txt
 * failed so begin with its error; result_cert_failed() tells such a
 * record (the sink gives one hint a run).
 */
#define RESULT_CERT_FAILED	"TLS certificate not verified: "
bool		 result_cert_failed(const struct result *);

#endif
