/*
 * Fetch one page: the only place that sets curl options or decides what a
 * transfer's outcome means. Every engine uses it; they differ only in how
 * they schedule fetch_prepare()/fetch_finish() (or call fetch_page()).
 *
 * A struct fetch owns one reusable easy handle and its body buffer; it is
 * used by one thread at a time.
 */
#ifndef PSCRAPE_FETCH_H
#define PSCRAPE_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "options.h"
#include "result.h"

struct savetext;
struct fetch;
struct budget_hold;

struct fetch	*fetch_new(const struct options *, struct savetext *);
void		 fetch_free(struct fetch *);
/*
 * -b FILE or -c: start the process's cookie store, loaded from -b's file
 * (-1 with a message when it cannot be read); the cookies it holds, as
 * lines of a Netscape cookie file (NULL when there are none or it is
 * off; curl_slist_free_all them); and its end. Called by main() around
 * the run, with no transfer in progress.
 */
int		 fetch_cookies_start(const struct options *, char *err,
		    size_t errlen);
struct curl_slist *fetch_cookies(void);
void		 fetch_cookies_end(void);
/*
 * An engine's share of DNS and TLS sessions (one per engine run, for all
 * its handles and threads): fetch_set_share() puts a handle in it, unless
 * the handle shares the cookie store.
 */
struct fetch_share;
struct fetch_share *fetch_share_new(void);
void		 fetch_share_free(struct fetch_share *);
void		 fetch_set_share(struct fetch *, struct fetch_share *);
/*
 * What the transfers cost since the last take, for -v and --summary:
 * connections opened (CURLINFO_NUM_CONNECTS), TLS handshakes and, of
 * them, resumed sessions, and the transfers that got a response by HTTP
 * version (1.0, 1.1, 2, 3). fetch_counts_take() reads and zeroes them;
 * fetch_counts_add() adds a worker process's.
 */
#define FETCH_HTTP_VERSIONS	4
struct fetch_counts {
	uint64_t	connects;
	uint64_t	handshakes;
	uint64_t	resumed;
	uint64_t	http[FETCH_HTTP_VERSIONS];
};
void		 fetch_counts_take(struct fetch_counts *);
void		 fetch_counts_add(const struct fetch_counts *);
/* The fetch a handle belongs to (for the multi interface). */
struct fetch	*fetch_of(CURL *);
/*
 * --max-memory (budget.h): the fetch's job reserves its body and parse
 * through the fetch's own hold, or through h (a process worker's slot in
 * shared memory; NULL: its own again). With fetch_on_pause() (the async
 * engine) the hold never waits: a body that cannot grow pauses its
 * transfer (CURL_WRITEFUNC_PAUSE) and cb(arg, f) is called, for the
 * loop to unpause it later. fetch_release() frees a big body and gives
 * back what the job held: at the end of every job, so that no finished
 * job keeps memory, or the overdraft token, from the others.
 */
void		 fetch_set_hold(struct fetch *, struct budget_hold *h);
void		 fetch_on_pause(struct fetch *, void (*cb)(void *,
		    struct fetch *), void *arg);
void		 fetch_unpause(struct fetch *);
void		 fetch_release(struct fetch *);
struct budget_hold *fetch_hold(struct fetch *);
/* Point the handle at job (fetch takes the job); returns the handle. */
CURL		*fetch_prepare(struct fetch *, struct job *);
/*
 * Turn the finished transfer into its result record, without extracting.
 * The body stays in the fetch for fetch_extract() or fetch_take_body().
 */
struct result	*fetch_finish(struct fetch *, CURLcode);
/* Extract the body held by the fetch into r (a success only). */
void		 fetch_extract(struct fetch *, struct result *);
/* Hand over the body (malloc'd, *len bytes; NULL when empty). */
char		*fetch_take_body(struct fetch *, size_t *len);
/* The whole step, blocking: prepare, perform, finish, extract. */
struct result	*fetch_page(struct fetch *, struct job *);

/*
 * The extract step on a body that was taken from its fetch; thread-safe.
 * Counts characters, saves the text when --save-text asked for it (the
 * file in r->text_file) and keeps it in r->text with --text; a page
 * whose links are wanted gives its first --max-links. The parse reserves
 * through hold (NULL: outside the budget); false when the hold may not
 * wait and the budget is spent: r is as it was, and the page is to be
 * parsed later.
 */
bool		 page_extract(struct result *, const char *body, size_t len,
		    struct savetext *, const struct options *,
		    struct budget_hold *hold);

#endif
