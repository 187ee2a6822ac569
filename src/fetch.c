/*
 * Fetch one page. The curl options follow doc/NOTES.md, "libcurl 7.88.1":
 * http/https only, also after redirects; bounded redirects and timeouts; a
 * low-speed abort; any content encoding, with --max-size enforced on
 * DECODED bytes in the write callback (CURLOPT_MAXFILESIZE counts
 * compressed bytes and misses bodies of unknown length, so it cannot stop
 * a decompression bomb).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "budget.h"
#include "buf.h"
#include "clock.h"
#include "extract.h"
#include "fetch.h"
#include "links.h"
#include "robots.h"
#include "savetext.h"
#include "stop.h"
#include "url.h"
#include "xmalloc.h"

/* A buffer this big is not kept for the next page. */
#define KEEP_BODY_MAX (256 * 1024)
/*
 * Header and trailer bytes one attempt at a URL may receive: the responses
 * of its redirects (and 1xx) counted together, so that no line a server
 * sends can reset the count. libcurl bounds a header line (100 KB) and, in
 * some builds, the headers of a response (300 KB), but not the trailer
 * lines after a chunked body: it keeps every one, and an endless trailer
 * grew to 2 GB before the low-speed abort.
 */
#define HEADERS_MAX (256 * 1024)

/*
 * A transfer that gets fewer than LOW_SPEED_BYTES a second for
 * LOW_SPEED_SECS is given up. pscrape judges it in its progress callback
 * rather than through CURLOPT_LOW_SPEED_*: time a transfer spends waiting
 * for --max-memory (its write callback asleep, or the transfer paused)
 * is not slowness of the server, and libcurl would count it.
 */
#define LOW_SPEED_BYTES	1024
#define LOW_SPEED_SECS	15

/*
 * The most of a validator (ETag, Last-Modified) kept to send back: the
 * value of a header a request can send back is printable ASCII, at most
 * this long.
 */
#define VALIDATOR_MAX	512

/* --state: a validator of the response being received, as it came. */
struct validator {
	bool	 seen;		/* the first is curl's: the next are not */
	bool	 overflow;	/* longer than VALIDATOR_MAX */
	size_t	 len;
	char	 value[VALIDATOR_MAX + 1];
};

struct fetch {
	const struct options	*opt;
	struct savetext		*save;
	CURL			*easy;
	struct job		*job;		/* the transfer in progress */
	struct textbuf		 body;
	size_t			 header_bytes;	/* headers and trailers */
	bool			 too_big;
	bool			 headers_too_big;
	/* --state: the last response's ETag and Last-Modified */
	struct validator	 etag, lastmod;
	struct validator	*last_val;	/* the line before was it */
	bool			 trailers;	/* its headers ended */
	char			 errbuf[CURL_ERROR_SIZE];

	/* --max-memory: what the job holds, and for its body */
	struct budget_hold	 own;
	struct budget_hold	*hold;		/* &own, or a worker's slot */
	size_t			 counted;	/* body capacity reserved */
	bool			 over_budget;	/* the body alone is too big */
	bool			 budget_stop;	/* a stop came while waiting */
	bool			 paused;	/* async: paused for memory */

	/* the low-speed window: its start, the bytes by then */
	double			 slow_t0;
	curl_off_t		 slow_b0;
	bool			 slow_reset;	/* start a new window */
	bool			 too_slow;
	struct curl_slist	*cond;		/* -H's lines and the job's
						   validators, or NULL */
	void			(*on_pause)(void *, struct fetch *);
	void			*pause_arg;
};

/*
 * -b FILE and -c: one cookie store for every handle of the process, in a
 * CURLSH, so that a cookie one transfer receives is sent by the others
 * and the jar is written once, from it, at the end (doc/NOTES.md,
 * "Cookies"). NULL when the cookie engine is off.
 */
static CURLSH *cookie_share;
static pthread_mutex_t cookie_locks[CURL_LOCK_DATA_LAST];

static void
cookie_lock(CURL *e, curl_lock_data data, curl_lock_access access, void *arg)
{
	(void)e, (void)access, (void)arg;
	pthread_mutex_lock(&cookie_locks[data]);
}

static void
cookie_unlock(CURL *e, curl_lock_data data, void *arg)
{
	(void)e, (void)arg;
	pthread_mutex_unlock(&cookie_locks[data]);
}

/* A handle on the cookie store alone, to load or read it. */
static CURL *
cookie_handle(void)
{
	CURL *e;

	if ((e = curl_easy_init()) == NULL)
		fatal(EXIT_FAILURE, "cannot create a curl handle");
	curl_easy_setopt(e, CURLOPT_SHARE, cookie_share);
	return e;
}

int
fetch_cookies_start(const struct options *opt, char *err, size_t errlen)
{
	bool file = opt->cookie != NULL && strchr(opt->cookie, '=') == NULL;
	FILE *f;
	CURL *e;
	int i;

	if (!file && opt->cookie_jar == NULL)
		return 0;
	/* libcurl reads a missing file as an empty one: a typo would go
	 * unnoticed. */
	if (file && (f = fopen(opt->cookie, "re")) == NULL) {
		snprintf(err, errlen, "cannot read cookie file '%s': %s",
		    opt->cookie, strerror(errno));
		return -1;
	}
	if (file)
		fclose(f);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&cookie_locks[i], NULL);
	if ((cookie_share = curl_share_init()) == NULL)
		fatal(EXIT_FAILURE, "cannot create a curl share");
	curl_share_setopt(cookie_share, CURLSHOPT_LOCKFUNC, cookie_lock);
	curl_share_setopt(cookie_share, CURLSHOPT_UNLOCKFUNC, cookie_unlock);
	curl_share_setopt(cookie_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
	if (file) {
		/* Loaded once here: a handle given the file would load it
		 * again at its first transfer, over what was received. */
		e = cookie_handle();
		curl_easy_setopt(e, CURLOPT_COOKIEFILE, opt->cookie);
		curl_easy_setopt(e, CURLOPT_COOKIELIST, "RELOAD");
		curl_easy_cleanup(e);
	}
	return 0;
}

struct curl_slist *
fetch_cookies(void)
{
	struct curl_slist *l = NULL;
	CURL *e;

	if (cookie_share == NULL)
		return NULL;
	e = cookie_handle();
	curl_easy_getinfo(e, CURLINFO_COOKIELIST, &l);
	curl_easy_cleanup(e);
	return l;
}

void
fetch_cookies_end(void)
{
	curl_share_cleanup(cookie_share);
	cookie_share = NULL;
}

/*
 * The CA store, loaded once per process and handed to the SSL_CTX of every
 * connection of every engine (doc/NOTES.md, "libcurl 7.88.1"): libcurl
 * 7.88 with OpenSSL 3 would read and parse the whole bundle (145
 * certificates, 25-70 ms of CPU) for each new connection, as Debian's
 * build has a default CApath, which keeps its own CA cache off. It holds
 * what libcurl would load: --cacert's file, else its default bundle, and
 * its default CApath, with the flags libcurl sets for a peer it verifies
 * (trusted first, partial chains). Host and peer checks are libcurl's, as
 * before. With -k nothing is loaded; with another TLS backend libcurl
 * loads it as before; a file OpenSSL cannot read fails every TLS
 * connection, as it did in libcurl.
 */
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static pthread_once_t ca_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t ca_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct options *ca_opt;	/* the first fetch_new()'s */
static X509_STORE *ca_store;		/* NULL: none, or it failed */
static const char *ca_failed;		/* the file or directory that did */
static bool tls_ours;			/* we give the store (OpenSSL) */
static int ssl_seen_index = -1;		/* SSL ex_data: handshake counted */

/* What fetch_counts_take() hands out; counted under counts_lock. */
static pthread_mutex_t counts_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fetch_counts counts;

/* Whether libcurl's TLS is OpenSSL's, whose SSL_CTX we can be given. */
static void
tls_init(void)
{
	const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);

	tls_ours = vi->ssl_version != NULL &&
	    strncmp(vi->ssl_version, "OpenSSL/", 8) == 0 &&
	    vi->age >= CURLVERSION_SEVENTH;
	ssl_seen_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/*
 * Load the store, at the first TLS connection of the process and not
 * before: a run over plain HTTP never pays for it, and no transfer is
 * held up by it at the start.
 */
static void
ca_load(void)
{
	const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
	const char *file, *path;
	X509_STORE *st;

	file = ca_opt->cacert != NULL ? ca_opt->cacert : vi->cainfo;
	path = vi->capath;
	if ((st = X509_STORE_new()) == NULL)
		return;
	if (file != NULL && X509_STORE_load_file(st, file) != 1)
		ca_failed = file;
	else if (path != NULL && X509_STORE_load_path(st, path) != 1)
		ca_failed = path;
	if (ca_failed != NULL) {
		X509_STORE_free(st);
		return;
	}
	X509_STORE_set_flags(st, X509_V_FLAG_TRUSTED_FIRST |
	    X509_V_FLAG_PARTIAL_CHAIN);
	ca_store = st;
}

/* SSL_CTX's info callback: count each connection's handshake once. */
static void
on_ssl_info(const SSL *ssl, int where, int ret)
{
	(void)ret;
	if ((where & SSL_CB_HANDSHAKE_DONE) == 0 ||
	    SSL_get_ex_data(ssl, ssl_seen_index) != NULL)
		return;
	/* TLS 1.3 calls it again for each session ticket received. */
	SSL_set_ex_data((SSL *)ssl, ssl_seen_index, (void *)1);
	pthread_mutex_lock(&counts_lock);
	counts.handshakes++;
	if (SSL_session_reused((SSL *)ssl))
		counts.resumed++;
	pthread_mutex_unlock(&counts_lock);
}

/*
 * CURLOPT_SSL_CTX_FUNCTION, called for each new connection after libcurl
 * has set its SSL_CTX up: the shared store replaces the empty one libcurl
 * made (no CAINFO or CAPATH is given to it, see fetch_new()).
 */
static CURLcode
on_ssl_ctx(CURL *e, void *sslctx, void *arg)
{
	SSL_CTX *ctx = sslctx;
	const struct options *opt = arg;

	(void)e;
	SSL_CTX_set_info_callback(ctx, on_ssl_info);
	if (opt->insecure)
		return CURLE_OK;
	pthread_once(&ca_once, ca_load);
	/* What libcurl would have failed with: it fails closed. */
	if (ca_store == NULL)
		return CURLE_SSL_CACERT_BADFILE;
	SSL_CTX_set1_cert_store(ctx, ca_store);
	return CURLE_OK;
}

void
fetch_counts_take(struct fetch_counts *c)
{
	pthread_mutex_lock(&counts_lock);
	*c = counts;
	memset(&counts, 0, sizeof counts);
	pthread_mutex_unlock(&counts_lock);
}

void
fetch_counts_add(const struct fetch_counts *c)
{
	int i;

	pthread_mutex_lock(&counts_lock);
	counts.connects += c->connects;
	counts.handshakes += c->handshakes;
	counts.resumed += c->resumed;
	for (i = 0; i < FETCH_HTTP_VERSIONS; i++)
		counts.http[i] += c->http[i];
	pthread_mutex_unlock(&counts_lock);
}

/* A transfer's connections and HTTP version, counted. */
static void
count_transfer(CURL *e)
{
	long conns = 0, v = 0;
	int i;

	curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &conns);
	curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &v);
	switch (v) {
	case CURL_HTTP_VERSION_1_0:
		i = 0;
		break;
	case CURL_HTTP_VERSION_1_1:
		i = 1;
		break;
	case CURL_HTTP_VERSION_2_0:
		i = 2;
		break;
	case CURL_HTTP_VERSION_3:
		i = 3;
		break;
	default:
		i = -1;	/* no response */
	}
	pthread_mutex_lock(&counts_lock);
	counts.connects += (uint64_t)(conns > 0 ? conns : 0);
	if (i >= 0)
		counts.http[i]++;
	pthread_mutex_unlock(&counts_lock);
}

/*
 * An engine's share: DNS and TLS sessions (resumption) between its
 * handles, a mutex per kind of data as its threads may use them at once.
 * Never connections: doc/NOTES.md, "libcurl 7.88.1".
 */
struct fetch_share {
	CURLSH		*sh;
	pthread_mutex_t	 locks[CURL_LOCK_DATA_LAST];
};

static void
share_lock(CURL *e, curl_lock_data data, curl_lock_access access, void *arg)
{
	struct fetch_share *s = arg;

	(void)e, (void)access;
	pthread_mutex_lock(&s->locks[data]);
}

static void
share_unlock(CURL *e, curl_lock_data data, void *arg)
{
	struct fetch_share *s = arg;

	(void)e;
	pthread_mutex_unlock(&s->locks[data]);
}

struct fetch_share *
fetch_share_new(void)
{
	struct fetch_share *s = xcalloc(1, sizeof *s);
	int i;

	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&s->locks[i], NULL);
	if ((s->sh = curl_share_init()) == NULL)
		fatal(EXIT_FAILURE, "cannot create a curl share");
	curl_share_setopt(s->sh, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(s->sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(s->sh, CURLSHOPT_USERDATA, s);
	curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	return s;
}

void
fetch_share_free(struct fetch_share *s)
{
	int i;

	if (s == NULL)
		return;
	curl_share_cleanup(s->sh);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&s->locks[i]);
	free(s);
}

/*
 * CURLOPT_XFERINFOFUNCTION: abort the transfer once a stop is asked for,
 * or when the last LOW_SPEED_SECS of it not spent waiting for memory
 * brought fewer than LOW_SPEED_BYTES a second (too_slow).
 */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct fetch *f = arg;
	double now;

	(void)dltotal;
	(void)ultotal;
	(void)ulnow;
	if (stop_signal != 0)
		return 1;
	if (f->paused)
		return 0;
	now = clock_now_s();
	if (f->slow_reset || dlnow - f->slow_b0 >=
	    (curl_off_t)LOW_SPEED_BYTES * LOW_SPEED_SECS) {
		f->slow_t0 = now;
		f->slow_b0 = dlnow;
		f->slow_reset = false;
	} else if (now - f->slow_t0 >= LOW_SPEED_SECS) {
		f->too_slow = true;
		return 1;
	}
	return 0;
}

/*
 * Reserve from --max-memory what the body's buffer grows to (as
 * buf_add() grows it) before it grows: 1 when it may, 0 when the job
 * must fail (over_budget or budget_stop), -1 when the transfer is to
 * pause (async: the loop lets it go on later).
 */
static int
body_room(struct fetch *f, size_t len)
{
	size_t want = f->body.len + len + 1, cap = f->body.cap;

	if (want <= cap)
		return 1;
	for (cap = cap != 0 ? cap : 256; cap < want; cap *= 2)
		;
	if (cap <= f->counted)
		return 1;
	f->slow_reset = true;	/* a wait for memory is not slowness */
	switch (budget_take(f->hold, cap - f->counted)) {
	case BUDGET_OK:
		f->counted = cap;
		return 1;
	case BUDGET_LATER:
		return -1;
	case BUDGET_STOPPED:
		f->budget_stop = true;
		return 0;
	default:
		f->over_budget = true;
		return 0;
	}
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;
	int room;

	if ((uint64_t)f->body.len + len > f->opt->max_size) {
		f->too_big = true;
		return 0;	/* CURLE_WRITE_ERROR; too_big tells why */
	}
	f->paused = false;
	if ((room = body_room(f, len)) <= 0) {
		if (room == 0)
			return 0;	/* CURLE_WRITE_ERROR, as above */
		f->paused = true;
		f->on_pause(f->pause_arg, f);
		return CURL_WRITEFUNC_PAUSE;
	}
	buf_add(&f->body, p, len);
	return len;
}

static void
validators_reset(struct fetch *f)
{
	f->etag.seen = f->lastmod.seen = false;
	f->etag.overflow = f->lastmod.overflow = false;
	f->etag.len = f->lastmod.len = 0;
	f->last_val = NULL;
}

static void
validator_add(struct validator *v, const char *p, size_t n)
{
	if (v->overflow || n > VALIDATOR_MAX - v->len) {
		v->overflow = true;
		return;
	}
	memcpy(v->value + v->len, p, n);
	v->len += n;
}

/*
 * The value of the header line p[0..len) after its first n bytes (its
 * name and colon, or none for a line folded onto it) into v, blanks
 * before it and spaces after it dropped, as curl_easy_header() gives it:
 * a folded line joins the value after a space.
 */
static struct validator *
validator_line(struct validator *v, const char *p, size_t len, size_t n)
{
	const char *b = p + n, *e = p + len;

	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == ' ' || (e[-1] >= '\t' && e[-1] <= '\r')))
		e--;
	if (n == 0)
		validator_add(v, " ", 1);
	else if (v->seen)
		return NULL;
	v->seen = true;
	validator_add(v, b, (size_t)(e - b));
	return v;
}

/*
 * CURLOPT_HEADERFUNCTION: each header or trailer line, counted; with
 * --state, the last response's first ETag and Last-Modified kept as they
 * go by, as curl_easy_header(CURLH_HEADER, the last request) would give
 * them after the transfer, which walks every header of the transfer for
 * each name (2,000 instructions a page of 60 bytes, against 800). Each
 * response (a redirect's, a 1xx, a proxy's to CONNECT) starts with its
 * status line, and its trailers come after the blank line that ends its
 * headers.
 */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;
	struct validator *v = NULL;

	if (len > HEADERS_MAX - f->header_bytes) {
		f->headers_too_big = true;
		return 0;	/* CURLE_WRITE_ERROR */
	}
	f->header_bytes += len;
	if (len == 0 || f->opt->state == NULL)
		return len;
	switch (p[0]) {
	case 'H':
		if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
			validators_reset(f);
			f->trailers = false;
		}
		break;
	case '\r':
	case '\n':
		f->trailers = true;
		break;
	case ' ':
	case '\t':
		if (f->last_val != NULL && !f->trailers)
			validator_line(f->last_val, p, len, 0);
		return len;
	case 'E':
	case 'e':
		if (!f->trailers && len > 5 && strncasecmp(p, "ETag:", 5) == 0)
			v = validator_line(&f->etag, p, len, 5);
		break;
	case 'L':
	case 'l':
		if (!f->trailers && len > 14 &&
		    strncasecmp(p, "Last-Modified:", 14) == 0)
			v = validator_line(&f->lastmod, p, len, 14);
		break;
	}
	f->last_val = v;
	return len;
}

/*
 * CURLOPT_DEBUGFUNCTION for -vv: libcurl's trace as its default one prints
 * it (text, and the headers each way, never the bodies), except that no
 * password shows: the value of an Authorization or Proxy-Authorization
 * header is "***" (libcurl sends a URL's user:password there, and base64
 * is no mask), and so is the password of a URL in a line of text
 * ("Issue another request to this URL: 'http://user:password@...").
 */
static int
on_debug(CURL *e, curl_infotype type, char *data, size_t size, void *arg)
{
	static const char *const secret[] = { "authorization:",
	    "proxy-authorization:" };
	const char *prefix, *p = data, *end = data + size, *nl;
	size_t i, len;

	(void)e;
	(void)arg;
	switch (type) {
	case CURLINFO_TEXT:
		prefix = "* ";
		break;
	case CURLINFO_HEADER_IN:
		prefix = "< ";
		break;
	case CURLINFO_HEADER_OUT:
		prefix = "> ";
		break;
	default:
		return 0;
	}
	/*
	 * Each line goes out in one write: the process engine's workers
	 * share the parent's stderr, and a line written in pieces would
	 * interleave with theirs.
	 */
	flockfile(stderr);
	while (p < end) {
		char *out;

		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		for (i = 0; i < sizeof secret / sizeof secret[0]; i++)
			if (len > strlen(secret[i]) &&
			    strncasecmp(p, secret[i], strlen(secret[i])) == 0)
				break;
		if (i < sizeof secret / sizeof secret[0])
			out = xasprintf("%s%.*s ***\n", prefix,
			    (int)strlen(secret[i]), p);
		else if (type == CURLINFO_TEXT) {
			char *line = xstrndup(p, nl != NULL ? len - 1 : len);
			char *shown = url_mask_password(line);

			out = xasprintf("%s%s\n", prefix, shown);
			free(shown);
			free(line);
		} else
			out = xasprintf("%s%.*s%s", prefix, (int)len, p,
			    nl == NULL ? "\n" : "");
		fwrite(out, 1, strlen(out), stderr);
		free(out);
		p += len;
	}
	funlockfile(stderr);
	return 0;
}

struct fetch *
fetch_new(const struct options *opt, struct savetext *save)
{
	struct fetch *f = xcalloc(1, sizeof *f);
	CURL *e;

	f->opt = opt;
	f->save = save;
	budget_hold_init(&f->own, false);
	f->hold = &f->own;
	if ((e = f->easy = curl_easy_init()) == NULL)
		fatal(EXIT_FAILURE, "cannot create a curl handle");
	curl_easy_setopt(e, CURLOPT_PRIVATE, f);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, opt->max_redirs);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, opt->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, opt->timeout_ms);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, opt->user_agent);
	if (opt->headers != NULL)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, opt->headers);
	/*
	 * A process has one set of options. Every thread makes its handles
	 * here before any of them connects, so the lock also orders this
	 * write before ca_load()'s read of it in whichever thread that is.
	 */
	pthread_mutex_lock(&ca_lock);
	if (ca_opt == NULL)
		ca_opt = opt;
	pthread_mutex_unlock(&ca_lock);
	pthread_once(&tls_once, tls_init);
	if (tls_ours) {
		/* Nothing for libcurl to load: on_ssl_ctx() gives the store. */
		curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
		curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, (void *)opt);
	} else if (opt->cacert != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, opt->cacert);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, opt->insecure ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, opt->insecure ? 0L : 2L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, f);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	if (opt->proxy != NULL)
		curl_easy_setopt(e, CURLOPT_PROXY, opt->proxy);
	if (opt->http_version != 0)
		curl_easy_setopt(e, CURLOPT_HTTP_VERSION, opt->http_version);
	if (opt->cookie != NULL && strchr(opt->cookie, '=') != NULL)
		curl_easy_setopt(e, CURLOPT_COOKIE, opt->cookie);
	if (cookie_share != NULL) {
		/* "": the cookie engine on, no file read (see above). */
		curl_easy_setopt(e, CURLOPT_SHARE, cookie_share);
		curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
	}
	if (opt->verbose >= 2) {
		curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	}
	return f;
}

void
fetch_free(struct fetch *f)
{
	if (f == NULL)
		return;
	fetch_release(f);
	curl_easy_cleanup(f->easy);
	curl_slist_free_all(f->cond);
	job_free(f->job);
	free(f->body.data);
	free(f);
}

void
fetch_set_share(struct fetch *f, struct fetch_share *s)
{
	/* A handle has one share: the cookies' wins (doc/NOTES.md). */
	if (cookie_share == NULL && s != NULL)
		curl_easy_setopt(f->easy, CURLOPT_SHARE, s->sh);
}

struct fetch *
fetch_of(CURL *e)
{
	struct fetch *f = NULL;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&f);
	return f;
}

void
fetch_set_hold(struct fetch *f, struct budget_hold *h)
{
	fetch_release(f);
	f->hold = h != NULL ? h : &f->own;
}

void
fetch_on_pause(struct fetch *f, void (*cb)(void *, struct fetch *),
    void *arg)
{
	f->on_pause = cb;
	f->pause_arg = arg;
	f->own.nowait = cb != NULL;
}

void
fetch_unpause(struct fetch *f)
{
	curl_easy_pause(f->easy, CURLPAUSE_CONT);
}

struct budget_hold *
fetch_hold(struct fetch *f)
{
	return f->hold;
}

void
fetch_release(struct fetch *f)
{
	if (f->body.cap > KEEP_BODY_MAX) {
		free(f->body.data);
		memset(&f->body, 0, sizeof f->body);
	}
	budget_release(f->hold);
	f->counted = 0;
}

/*
 * --state: the validators of the URL's last success, as request headers
 * after -H's (doc/NOTES.md, "Conditional requests": raw headers, not
 * CURLOPT_TIMECONDITION, so that the server gets its Last-Modified back
 * as it wrote it). The list lives until the next job's transfer.
 */
static void
set_conditions(struct fetch *f, const struct job *job)
{
	const struct curl_slist *h;
	struct curl_slist *l = NULL;
	char *line;

	if (f->cond == NULL && job->etag == NULL && job->last_modified == NULL)
		return;
	curl_slist_free_all(f->cond);
	f->cond = NULL;
	if (job->etag == NULL && job->last_modified == NULL) {
		curl_easy_setopt(f->easy, CURLOPT_HTTPHEADER, f->opt->headers);
		return;
	}
	for (h = f->opt->headers; h != NULL; h = h->next)
		if ((l = curl_slist_append(l, h->data)) == NULL)
			fatal(EXIT_FAILURE, "out of memory");
	if (job->etag != NULL) {
		line = xasprintf("If-None-Match: %s", job->etag);
		if ((l = curl_slist_append(l, line)) == NULL)
			fatal(EXIT_FAILURE, "out of memory");
		free(line);
	}
	if (job->last_modified != NULL) {
		line = xasprintf("If-Modified-Since: %s", job->last_modified);
		if ((l = curl_slist_append(l, line)) == NULL)
			fatal(EXIT_FAILURE, "out of memory");
		free(line);
	}
	f->cond = l;
	curl_easy_setopt(f->easy, CURLOPT_HTTPHEADER, l);
}

CURL *
fetch_prepare(struct fetch *f, struct job *job)
{
	job_free(f->job);
	f->job = job;
	f->too_big = false;
	f->header_bytes = 0;
	f->headers_too_big = false;
	validators_reset(f);
	f->trailers = false;
	f->over_budget = false;
	f->budget_stop = false;
	f->paused = false;
	f->slow_t0 = clock_now_s();
	f->slow_b0 = 0;
	f->slow_reset = false;
	f->too_slow = false;
	f->errbuf[0] = '\0';
	f->body.len = 0;
	fetch_release(f);
	curl_easy_setopt(f->easy, CURLOPT_URL, job->url);
	set_conditions(f, job);
	/*
	 * Over TLS, wait for the connection to the host being opened to say
	 * (ALPN, at its handshake) whether it multiplexes, rather than open
	 * another: --per-host N is then N HTTP/2 streams on one connection,
	 * not N handshakes. Not over plain HTTP: libcurl would learn it only
	 * from the first response, so a slow one would hold every other
	 * transfer to the host back, until their connect timeouts.
	 */
	curl_easy_setopt(f->easy, CURLOPT_PIPEWAIT,
	    strncasecmp(job->url, "https:", 6) == 0 ? 1L : 0L);
	return f->easy;
}

/*
 * The redirect target curl would not follow: the last Location received
 * when it names a scheme other than http and https (curl leaves the
 * effective URL alone for some, e.g. data:), else the effective URL when
 * that has such a scheme; NULL when neither does. The last Location is
 * not in the last request's headers: curl has begun the next request.
 */
static const char *
refused_target(CURL *e)
{
	struct curl_header *h;
	CURLHcode hc;
	char *url = NULL;
	long status = 0;
	int i, last = -1;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	for (i = 0; status >= 300 && status < 400; i++) {
		hc = curl_easy_header(e, "Location", 0, CURLH_HEADER, i, &h);
		if (hc == CURLHE_OK)
			last = i;
		else if (hc != CURLHE_MISSING && hc != CURLHE_NOHEADERS)
			break;	/* CURLHE_NOREQUEST: past the last request */
	}
	if (last >= 0 && curl_easy_header(e, "Location", 0, CURLH_HEADER, last,
	    &h) == CURLHE_OK && !url_web_scheme(h->value))
		return h->value;
	if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK &&
	    url != NULL && !url_web_scheme(url))
		return url;
	return NULL;
}

/*
 * Whether a failed transfer is worth trying again: a timeout or a broken
 * connection, not a refusal of ours (size, scheme) or a stop.
 */
static bool
transient(const struct fetch *f, CURLcode rc)
{
	if (stop_signal != 0 || f->too_big || f->headers_too_big ||
	    f->over_budget || f->budget_stop)
		return false;
	if (f->too_slow)
		return true;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

/*
 * The Content-Encoding of the last response, when it is a short list of
 * tokens ("gzip", "br", "gzip, br"); "" when it is something else; NULL
 * when there is none.
 */
static const char *
content_coding(CURL *e)
{
	struct curl_header *h;
	size_t n;

	if (curl_easy_header(e, "Content-Encoding", 0, CURLH_HEADER, -1,
	    &h) != CURLHE_OK)
		return NULL;
	n = strspn(h->value, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_, ");
	return h->value[n] == '\0' && n <= 32 ? h->value : "";
}

/* The reason a transfer failed, in words that name the cause. */
static void
transfer_error(struct fetch *f, CURLcode rc, struct result *r)
{
	const char *target, *coding;
	long oserr = 0;

	if ((rc == CURLE_ABORTED_BY_CALLBACK && stop_signal != 0) ||
	    (rc == CURLE_WRITE_ERROR && f->budget_stop)) {
		result_fail(r, "interrupted by %s", stop_reason());
		return;
	}
	if (rc == CURLE_ABORTED_BY_CALLBACK && f->too_slow) {
		/* libcurl's words for its own low-speed abort */
		result_fail(r, "Operation too slow. Less than %d bytes/sec"
		    " transferred the last %d seconds", LOW_SPEED_BYTES,
		    LOW_SPEED_SECS);
		return;
	}
	if (rc == CURLE_WRITE_ERROR && f->over_budget) {
		result_fail(r, "%s", budget_too_big());
		return;
	}
	if (rc == CURLE_WRITE_ERROR && f->too_big) {
		result_fail(r, "body exceeds --max-size (%llu bytes)",
		    (unsigned long long)f->opt->max_size);
		return;
	}
	if (rc == CURLE_WRITE_ERROR && f->headers_too_big) {
		result_fail(r, "headers too large (over %d KiB)",
		    HEADERS_MAX / 1024);
		return;
	}
	/*
	 * Our callbacks refuse a write only as above: any other write error
	 * comes from libcurl's content decoder, which (7.88, zlib and brotli)
	 * refuses bytes after the end of the compressed stream, as in two
	 * gzip members back to back or trailing garbage. Its message would
	 * blame the disk ("Failed writing received data to disk/application").
	 */
	if (rc == CURLE_WRITE_ERROR &&
	    (coding = content_coding(f->easy)) != NULL) {
		result_fail(r, "bad %s%scontent encoding from server (%s)",
		    coding, coding[0] != '\0' ? " " : "",
		    strcasestr(coding, "gzip") != NULL ?
		    "multi-member or trailing data" : "trailing data");
		return;
	}
	/*
	 * Jobs are http(s) only, so an unsupported protocol comes from a
	 * redirect, or from an answer that is not HTTP at all (curl takes it
	 * for HTTP/0.9, which it refuses).
	 */
	if (rc == CURLE_UNSUPPORTED_PROTOCOL &&
	    (target = refused_target(f->easy)) != NULL) {
		char *masked = url_mask_password(target);

		result_fail(r, "redirect to a scheme other than http or https"
		    " refused: %s", masked);
		free(masked);
		return;
	}
	if (rc == CURLE_UNSUPPORTED_PROTOCOL &&
	    strstr(f->errbuf, "HTTP/0.9") != NULL) {
		result_fail(r, "not an HTTP response (%s)", f->errbuf);
		return;
	}
	/* curl 7.88 says no more when a header line outgrows its buffer. */
	if (rc == CURLE_OUT_OF_MEMORY && f->errbuf[0] == '\0') {
		result_fail(r, "Out of memory (libcurl says so when a response"
		    " header line is over %d bytes)", CURL_MAX_HTTP_HEADER);
		return;
	}
	/* libcurl's words, which its callback's failure would not give. */
	if (rc == CURLE_SSL_CACERT_BADFILE && ca_failed != NULL) {
		result_fail(r, "error setting certificate verify locations: %s",
		    ca_failed);
		return;
	}
	if (rc == CURLE_PEER_FAILED_VERIFICATION) {
		result_fail(r, RESULT_CERT_FAILED "%s", f->errbuf[0] != '\0' ?
		    f->errbuf : curl_easy_strerror(rc));
		return;
	}
	if (curl_easy_getinfo(f->easy, CURLINFO_OS_ERRNO, &oserr) == CURLE_OK &&
	    (oserr == EMFILE || oserr == ENFILE)) {
		result_fail(r, "out of file descriptors (%s): lower -j or raise"
		    " ulimit -n", strerror((int)oserr));
		return;
	}
	result_fail(r, "%s", f->errbuf[0] != '\0' ? f->errbuf :
	    curl_easy_strerror(rc));
}

/*
 * A validator on_header() kept, if a request can send it back: printable
 * ASCII, not empty, at most VALIDATOR_MAX bytes; else NULL.
 */
static char *
validator(struct validator *v)
{
	size_t i;

	if (!v->seen || v->overflow || v->len == 0)
		return NULL;
	for (i = 0; i < v->len; i++)
		if ((unsigned char)(v->value[i] - 0x20) > 0x7e - 0x20)
			return NULL;
	v->value[v->len] = '\0';
	return xstrdup(v->value);
}

/*
 * The body's content hash for --state: 64-bit FNV-1a of the decoded
 * bytes (pscrape(1) names it, for users who compare hashes). A byte a
 * step, it costs far less than the parse.
 */
static uint64_t
body_hash(const char *p, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	while (n-- > 0) {
		h ^= (unsigned char)*p++;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/*
 * --state: a page's validators and hash; a 304 to the validators the job
 * sent is a success, its body (none) not parsed.
 */
static void
state_outcome(struct fetch *f, struct result *r)
{
	const struct job *j = r->job;

	if (f->opt->state == NULL || j == NULL || j->kind != JOB_PAGE)
		return;
	if (r->status == 304 && r->error != NULL &&
	    (j->etag != NULL || j->last_modified != NULL)) {
		free(r->error);
		r->error = NULL;
		r->ok = true;
		r->not_modified = true;
		r->bytes = 0;
	}
	if (!r->ok)
		return;
	r->etag = validator(&f->etag);
	r->last_modified = validator(&f->lastmod);
	if (!r->not_modified) {
		r->content_hash = body_hash(f->body.data, f->body.len);
		r->hashed = true;
	}
}

struct result *
fetch_finish(struct fetch *f, CURLcode rc)
{
	struct result *r = result_from_job(f->job);
	curl_off_t total = 0, ttfb = 0, wait = 0;
	char *s = NULL;
	long status = 0;

	f->job = NULL;
	count_transfer(f->easy);
	curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(f->easy, CURLINFO_TOTAL_TIME_T, &total);
	curl_easy_getinfo(f->easy, CURLINFO_STARTTRANSFER_TIME_T, &ttfb);
	r->status = status;
	r->time_ms = (double)total / 1000.0;
	r->ttfb_ms = (double)ttfb / 1000.0;
	r->bytes = f->body.len;
	if (curl_easy_getinfo(f->easy, CURLINFO_EFFECTIVE_URL, &s) ==
	    CURLE_OK && s != NULL) {
		r->final_url = url_mask_password(s);
		r->eff_url = xstrdup(s);
	}
	s = NULL;
	if (curl_easy_getinfo(f->easy, CURLINFO_CONTENT_TYPE, &s) ==
	    CURLE_OK && s != NULL)
		r->content_type = xstrdup(s);

	if (rc != CURLE_OK) {
		transfer_error(f, rc, r);
		r->transient = transient(f, rc);
	} else if (status >= 400) {
		/* The wait a 429 or 503 asks for, in seconds (0: none). */
		if (curl_easy_getinfo(f->easy, CURLINFO_RETRY_AFTER, &wait) ==
		    CURLE_OK && wait > 0) {
			result_fail(r, "HTTP %ld (Retry-After: %lld s)", status,
			    (long long)wait);
			r->retry_after = wait > LONG_MAX ? LONG_MAX : (long)wait;
		} else
			result_fail(r, "HTTP %ld", status);
		r->transient = status == 429 || status == 502 ||
		    status == 503 || status == 504;
	} else if (status >= 300)
		result_fail(r, "HTTP %ld redirect without a Location", status);
	else if (status < 200)	/* e.g. a 101 the server ended the body of */
		result_fail(r, "HTTP %ld and no final response", status);
	else
		r->ok = true;
	state_outcome(f, r);
	/*
	 * A robots.txt goes to the scheduler (through the process engine's
	 * wire too): what robots_parse() reads and the byte after, which
	 * tells it whether the limit cuts a line.
	 */
	if (r->job != NULL && r->job->kind == JOB_ROBOTS) {
		r->body = fetch_take_body(f, &r->body_len);
		if (r->body_len > ROBOTS_MAX_BYTES + 1)
			r->body_len = ROBOTS_MAX_BYTES + 1;
	}
	return r;
}

char *
fetch_take_body(struct fetch *f, size_t *len)
{
	char *p = f->body.data;

	*len = f->body.len;
	memset(&f->body, 0, sizeof f->body);
	f->counted = 0;	/* what it holds goes with it: budget_hand() */
	return p;
}

bool
page_extract(struct result *r, const char *body, size_t len,
    struct savetext *save, const struct options *opt,
    struct budget_hold *hold)
{
	struct textbuf text = { NULL, 0, 0 };
	struct extract_links links;
	struct extract_out out;
	char err[512];
	bool want;
	int saved;

	if (!r->ok || r->not_modified || !extract_is_html(r->content_type) ||
	    (r->job != NULL && r->job->kind != JOB_PAGE))
		return true;
	memset(&out, 0, sizeof out);
	memset(&links, 0, sizeof links);
	links.max = opt->max_links;
	want = r->job != NULL && r->job->want_links;
	extract_page_links(body ? body : "", len, r->content_type, &out,
	    save != NULL || opt->text ? &text : NULL, want ? &links : NULL,
	    hold);
	if (out.later) {
		extract_links_free(&links);
		free(text.data);
		return false;
	}
	if (out.interrupted || out.over_budget) {
		if (out.interrupted)
			result_fail(r, "interrupted by %s", stop_reason());
		else
			result_fail(r, "%s", budget_too_big());
		extract_links_free(&links);
		free(text.data);
		return true;
	}
	if (want) {
		r->nlinks = links_resolve(r->eff_url != NULL ? r->eff_url :
		    r->job->url, links.base, links.hrefs, links.n, &r->links);
		if (links.found > links.n)
			r->links_cut = links.found;
		extract_links_free(&links);
	}
	r->chars = out.chars;
	r->charset = out.charset;
	if (out.too_complex || out.parser_failed) {
		if (out.too_complex)
			result_fail(r, "page too complex to parse: the HTML"
			    " parser needs more than %zu MB for it",
			    out.parse_limit >> 20);
		else
			result_fail(r, "the HTML parser (gumbo) failed one of"
			    " its internal checks on this page");
		free(text.data);
		return true;
	}
	if (save != NULL && (r->text_file = savetext_write(save, r->url,
	    text.data ? text.data : "", text.len, err, sizeof err)) == NULL) {
		saved = errno;
		result_fail(r, "%s", err);
		if (savetext_dir_failed(saved))
			r->save_errno = saved;
	}
	/* The same bytes as the file: --text and --save-text agree. */
	if (opt->text && r->ok) {
		buf_add(&text, "", 0);
		r->text = text.data;
		r->text_len = text.len;
	} else
		free(text.data);
	return true;
}

void
fetch_extract(struct fetch *f, struct result *r)
{
	/*
	 * On an async loop (which must never wait) only small pages are
	 * parsed here: outside the budget, in its fixed margin.
	 */
	page_extract(r, f->body.data, f->body.len, f->save, f->opt,
	    f->on_pause != NULL ? NULL : f->hold);
}

struct result *
fetch_page(struct fetch *f, struct job *job)
{
	CURLcode rc;
	struct result *r;

	/* A job taken before a stop but not started is not started. */
	rc = stop_signal != 0 ? CURLE_ABORTED_BY_CALLBACK :
	    curl_easy_perform(fetch_prepare(f, job));
	if (rc == CURLE_ABORTED_BY_CALLBACK && f->job != job) {
		r = result_from_job(job);
		result_fail(r, "not started: interrupted by %s",
		    stop_reason());
		return r;
	}
	r = fetch_finish(f, rc);

	fetch_extract(f, r);
	fetch_release(f);
	return r;
}
