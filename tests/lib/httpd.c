/*
 * The test HTTP server for pscrape's integration tests and benchmarks: one
 * libevent evhttp loop on 127.0.0.1 serving static fixtures (/f/) and
 * synthetic endpoints that misbehave on purpose (odd statuses, redirect
 * chains and loops, slow, huge, gzip- and brotli-bomb, generated and binary
 * bodies).  Slow answers wait on timers and huge ones are streamed from
 * small blocks, so neither blocks the loop nor holds its body in memory.
 *
 * A second listener, the raw one, answers with bytes instead of evhttp
 * replies, so that it can break HTTP on purpose (see "Raw endpoints"); a
 * third port accepts nothing at all (its backlog is full), so connecting
 * to it hangs.  --port-file gets the three ports, one per line: HTTP, raw,
 * hanging, then a line "SITE NAME PORT" for each site (below), in the
 * order of their names.  Every port is on 127.0.0.1.
 *
 * Sites (--sites DIR): every subdirectory of DIR, named [a-z0-9_]+, is a
 * site with an evhttp port of its own, so that a client that counts scheme
 * + host + port as a host sees several hosts.  Every route works on every
 * port; a path that is no route serves the site's file of that path ("/"
 * and paths ending in '/' its index.html): text/html, text/plain etc. as
 * for /f/, 404 when there is none, 400 for "." and ".." segments (decoded
 * ones too) and empty ones; no symbolic link is followed.  In .html files
 * the text {{SITE_name}} becomes http://127.0.0.1:PORT of site name.  A
 * site's robots.txt is served as it is unless the site has a file
 * robots.status, a number: /robots.txt answers like /status/N then; a file
 * robots.delay holds milliseconds /robots.txt waits before answering; a
 * file robots.flaky, a number N, has only the first N requests answer
 * like robots.status and the later ones with robots.txt (counted as
 * /flaky's key "robots.NAME", which /flaky-reset/robots.NAME forgets).
 * A file page.delay holds milliseconds each .html file whose name begins
 * with "slow" waits before it is sent, so that pages finish out of order.
 * A site's files are sent with validators: ETag "HASH" (FNV-1a 64 of the
 * bytes sent, in hex) and Last-Modified (the file's mtime); a request
 * whose If-None-Match holds that ETag (or "*"), or that has no
 * If-None-Match and an If-Modified-Since not before the mtime, gets 304
 * with the same validators.  A file validators, a number, says which are
 * sent and honoured: 0 none, 1 ETag only, 2 Last-Modified only, 3 both
 * (the default).  They are read at each request, and none is served
 * itself.
 *
 * /stats answers for the port it is asked on ("inflight N\nmax N\ntotal N\n"
 * of the requests that port got, /stats itself left out, then "conns N":
 * the connections whose first counted request came since the reset, so
 * that a client's connection reuse shows), /stats?all=1 for every port
 * together; /stats/reset sets the port's max to what is in flight and its
 * total and conns to 0 (?all=1: every port's and the overall ones).
 *
 * Retries: /flaky/KEY/N/STATUS answers the first N requests for KEY like
 * /status/STATUS (so ?retry-after=V adds a Retry-After: V) and the later
 * ones 200 <html><body><p>ok KEY</p></body></html>; /drop/KEY/N closes the
 * connection of the first N requests for KEY without a byte of answer
 * (curl: "Empty reply from server") and answers the later ones the same
 * 200.  A KEY is [A-Za-z0-9_.-]{1,64}, counted across every port and both
 * endpoints; /flaky-reset/KEY forgets its count, /flaky-reset/ all of them
 * (neither counts in /stats).
 *
 * --log FILE gets a line for every request as it arrives, flushed:
 * "SECONDS.MMM PORT METHOD TARGET" (the time of day in ms, the port it
 * came in on, the target as sent: path and query), or for what reached
 * the raw port and is not HTTP "SECONDS.MMM PORT RAW BYTES"; and a line
 * "SECONDS.MMM PORT 304 TARGET" for each 304 a site file's validators
 * gave.
 *
 * usage: httpd [--port N] [--port-file FILE] [--root DIR] [--log FILE]
 *              [--sites DIR]
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#define ZLIB_CONST
#include <zlib.h>

#ifdef HAVE_BROTLIENC
#include <brotli/encode.h>
#endif

#define PIECE		(64 * 1024)	/* bytes per streamed write */
#define FILE_CHUNK	8192		/* chunk size for /f/...?chunked=1 */
#define BOMB_UNIT	(1024 * 1024)	/* 'a's behind one repeated piece */
#define BOMB_CACHE	64		/* gzip-bomb tails kept in memory */
#define MAX_DELAY_MS	3600000
#define MAX_SIZE	((uint64_t)1 << 50)
#define RAW_HEAD_MAX	(64 * 1024)	/* longest request head read */
#define RAW_LOG_MAX	512		/* bytes of a non-HTTP request logged */
#define SITE_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789_"

/*
 * For /stats, which leaves itself out so that tests can predict the
 * numbers: a request is in flight from its arrival until its last byte is
 * handed to evhttp (a /delay until its timer fires, a stream until its last
 * piece has been written).  Kept for each port and for all of them.
 */
struct counts {
	unsigned long		 inflight;
	unsigned long		 max;
	unsigned long		 total;
	unsigned long		 conns;
};

/* An evhttp port: the main one (ports[0]) or a --sites site's. */
struct port {
	struct evhttp		*http;
	struct evconnlistener	*listener;
	char			*name;		/* a site's, else NULL */
	int			 dirfd;		/* a site's directory, or -1 */
	int			 num;
	struct counts		 n;
	/*
	 * Connections accepted that have not brought a counted request yet,
	 * by their bufferevent (made by new_conn()). One closed before it
	 * did stays, harmless: only a new connection can have its address.
	 */
	struct bufferevent	**fresh;
	size_t			 nfresh;
	size_t			 capfresh;
};

static struct {
	struct event_base	*base;
	struct port		*ports;		/* the main port, then sites */
	size_t			 nports;
	struct evconnlistener	*raw_listener;
	int			 rawport;
	struct event		*accept_retry;
	int			 hole_fd;	/* listens, never accepts */
	int			 hole_filler;	/* fills hole_fd's backlog */
	int			 rootfd;
	FILE			*log;
	struct counts		 all;		/* every port's requests */
} srv = { .rootfd = -1, .hole_fd = -1, .hole_filler = -1 };

/*
 * Streamed bodies reference these blocks instead of copying them, so they
 * live until exit.  bomb_block is one deflate piece (BOMB_UNIT 'a's ending
 * in a sync flush, so it needs no history) repeated to about PIECE bytes.
 */
static unsigned char	 a_block[PIECE];
static unsigned char	 rand_block[PIECE];
static unsigned char	*bomb_block;
static size_t		 bomb_blocklen;
static size_t		 bomb_piecelen;
static uLong		 bomb_unitcrc;

/* What makes a gzip bomb of N bytes differ from others: its end. */
struct bomb {
	uint64_t	 n;
	unsigned char	*tail;		/* last deflate blocks + gzip trailer */
	size_t		 taillen;
	struct bomb	*next;
};
static struct bomb	*bombs;
static int		 nbombs;

/*
 * A response finished later than its request callback: a /delay timer or a
 * streamed body.  It is owned by the connection's close callback until
 * pending_finish() takes it back just before the last send.
 */
/* A stretch of body: blocklen-byte block cycled until left is 0. */
struct seg {
	const unsigned char	*block;
	size_t			 blocklen;
	size_t			 off;
	uint64_t		 left;
	unsigned char		*owned;		/* block, when it is ours */
};

struct pending {
	struct evhttp_request	 *req;
	struct evhttp_connection *evcon;
	struct port		 *port;		/* whose counts it is in */
	struct event		 *timer;
	struct evbuffer		 *head;		/* sent before the body */
	struct seg		  seg[2];	/* the body, one after the other */
	int			  nseg;
	int			  unknown_len;	/* no Content-Length: chunked */
#ifdef HAVE_BROTLIENC
	BrotliEncoderState	 *br;		/* encodes seg[0] when set */
#endif
	struct evbuffer		 *tail;		/* sent after the body */
};

struct route {
	const char	*path;
	int		 prefix;	/* rest of the path is the argument */
	int		 counted;	/* shows in /stats (may be pending) */
	void		(*fn)(struct evhttp_request *, const char *);
};

static void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n, size)) == NULL)
		abort();
	return p;
}

static void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n ? n : 1)) == NULL)
		abort();
	return p;
}

static struct evbuffer *
xevbuffer(void)
{
	struct evbuffer *b;

	if ((b = evbuffer_new()) == NULL)
		abort();
	return b;
}

static const char *
method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return "UNKNOWN";
}

/* Parse a plain decimal number no larger than max; -1 if it is not one. */
static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (*s == '\0' || strlen(s) > 20)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (n > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*out = n;
	return 0;
}

/*
 * The percent-decoded value of argument key in query string q ("" for
 * "key" or "key="), or NULL when absent; *len (if not NULL) gets its
 * length, which counts decoded NUL bytes.  '+' stays '+' so that ?ct= and
 * ?url= values are taken exactly.
 */
static char *
query_arg(const char *q, const char *key, size_t *len)
{
	const char *p, *end, *v;
	size_t klen = strlen(key);
	char *raw, *dec;

	for (p = q; p != NULL; p = *end == '&' ? end + 1 : NULL) {
		end = p + strcspn(p, "&");
		if ((size_t)(end - p) < klen || strncmp(p, key, klen) != 0)
			continue;
		if (p + klen != end && p[klen] != '=')
			continue;
		v = p + klen == end ? end : p + klen + 1;
		if ((raw = strndup(v, (size_t)(end - v))) == NULL)
			abort();
		if ((dec = evhttp_uridecode(raw, 0, len)) == NULL)
			abort();
		free(raw);
		return dec;
	}
	return NULL;
}

static char *
qarg(struct evhttp_request *req, const char *key)
{
	return query_arg(evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req)),
	    key, NULL);
}

/* A numeric argument no larger than max; def when absent, -1 if bad. */
static int
query_u64(const char *q, const char *key, uint64_t max, uint64_t def,
    uint64_t *out)
{
	char *v;
	int rv = 0;

	*out = def;
	if ((v = query_arg(q, key, NULL)) == NULL)
		return 0;
	if (parse_u64(v, max, out) == -1)
		rv = -1;
	free(v);
	return rv;
}

static int
qflag(struct evhttp_request *req, const char *key)
{
	char *v;
	int on;

	if ((v = qarg(req, key)) == NULL)
		return 0;
	on = strcmp(v, "1") == 0;
	free(v);
	return on;
}

static int
is_head(struct evhttp_request *req)
{
	return evhttp_request_get_command(req) == EVHTTP_REQ_HEAD;
}

static void
add_header(struct evhttp_request *req, const char *key, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), key, value);
}

static void
add_length(struct evhttp_request *req, uint64_t n)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%" PRIu64, n);
	add_header(req, "Content-Length", buf);
}

/*
 * Set the Content-Type: ?ct= wins over the endpoint's own, and an empty
 * ?ct= sends none at all (evhttp's default type is switched off in main).
 * -1 if the override cannot be a header value.
 */
static int
set_ctype(struct evhttp_request *req, const char *ctype)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char *ct;
	int rv = 0;

	if ((ct = qarg(req, "ct")) != NULL)
		ctype = ct;
	if (*ctype != '\0' && evhttp_add_header(h, "Content-Type", ctype) == -1)
		rv = -1;
	free(ct);
	return rv;
}

/* An error page that ignores ?ct= and ?chunked=1: the request was bad. */
static void
fail(struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer *b = xevbuffer();

	evhttp_clear_headers(evhttp_request_get_output_headers(req));
	add_header(req, "Content-Type", "text/html");
	if (!is_head(req))
		evbuffer_add_printf(b, "<html><body><p>%s</p></body></html>",
		    text);
	evhttp_send_reply(req, code, NULL, b);
	evbuffer_free(b);
}

/*
 * Send a whole response.  HEAD, 204 and 304 get no body (evhttp would send
 * one anyway); ?chunked=1 cuts the body into several chunks so the client's
 * chunked decoding is exercised.
 */
static void
reply(struct evhttp_request *req, int code, const char *ctype,
    struct evbuffer *body)
{
	struct evbuffer *piece;
	size_t len = evbuffer_get_length(body);

	if (set_ctype(req, ctype) == -1) {
		fail(req, 400, "bad ct");
		return;
	}
	if (code == 204 || code == 304 || is_head(req)) {
		if (code == 204 || code == 304)
			evhttp_remove_header(evhttp_request_get_output_headers(req),
			    "Content-Type");
		else
			add_length(req, len);
		evbuffer_drain(body, len);
		evhttp_send_reply(req, code, NULL, NULL);
		return;
	}
	if (!qflag(req, "chunked")) {
		evhttp_send_reply(req, code, NULL, body);
		return;
	}
	evhttp_send_reply_start(req, code, NULL);
	piece = xevbuffer();
	while (evbuffer_get_length(body) > 0) {
		evbuffer_remove_buffer(body, piece, FILE_CHUNK);
		evhttp_send_reply_chunk(req, piece);
	}
	evbuffer_free(piece);
	evhttp_send_reply_end(req);
}

/* Reply with <html><body><p>text</p></body></html>. */
static void
page(struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer *b = xevbuffer();

	evbuffer_add_printf(b, "<html><body><p>%s</p></body></html>", text);
	reply(req, code, "text/html", b);
	evbuffer_free(b);
}

static void
not_found(struct evhttp_request *req)
{
	fail(req, 404, "not found");
}

/* The port a request came in on. */
static struct port *
port_of(struct evhttp_request *req)
{
	struct evhttp *http;
	size_t i;

	http = evhttp_connection_get_server(evhttp_request_get_connection(req));
	for (i = 0; i < srv.nports; i++) {
		if (srv.ports[i].http == http)
			return &srv.ports[i];
	}
	abort();
}

static void
counts_up(struct counts *c)
{
	c->total++;
	if (++c->inflight > c->max)
		c->max = c->inflight;
}

/* A counted request arrived: request_cb holds it until it returns. */
/* An accepted connection's bufferevent, made for evhttp: a fresh one. */
static struct bufferevent *
new_conn(struct event_base *base, void *arg)
{
	struct port *pt = arg;
	struct bufferevent *bev;
	size_t i;

	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;
	for (i = 0; i < pt->nfresh; i++)
		if (pt->fresh[i] == bev)
			return bev;
	if (pt->nfresh == pt->capfresh) {
		pt->capfresh = pt->capfresh ? pt->capfresh * 2 : 64;
		if ((pt->fresh = realloc(pt->fresh, pt->capfresh *
		    sizeof *pt->fresh)) == NULL)
			abort();
	}
	pt->fresh[pt->nfresh++] = bev;
	return bev;
}

static void
count_start(struct port *pt, struct evhttp_request *req)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(
	    evhttp_request_get_connection(req));
	size_t i;

	counts_up(&srv.all);
	counts_up(&pt->n);
	for (i = 0; i < pt->nfresh; i++)
		if (pt->fresh[i] == bev) {
			pt->fresh[i] = pt->fresh[--pt->nfresh];
			srv.all.conns++;
			pt->n.conns++;
			break;
		}
}

/*
 * A pending takes over the count that request_cb is about to give back, so
 * it adds to inflight without touching max.
 */
static void
count_hold(struct port *pt)
{
	srv.all.inflight++;
	pt->n.inflight++;
}

static void
count_end(struct port *pt)
{
	srv.all.inflight--;
	pt->n.inflight--;
}

static void pending_closed(struct evhttp_connection *, void *);

static struct pending *
pending_new(struct evhttp_request *req)
{
	struct pending *p = xcalloc(1, sizeof *p);

	p->req = req;
	p->evcon = evhttp_request_get_connection(req);
	p->port = port_of(req);
	evhttp_connection_set_closecb(p->evcon, pending_closed, p);
	count_hold(p->port);
	return p;
}

static void
pending_free(struct pending *p)
{
	int i;

	if (p->timer != NULL)
		event_free(p->timer);
	if (p->head != NULL)
		evbuffer_free(p->head);
	if (p->tail != NULL)
		evbuffer_free(p->tail);
	for (i = 0; i < p->nseg; i++)
		free(p->seg[i].owned);
#ifdef HAVE_BROTLIENC
	if (p->br != NULL)
		BrotliEncoderDestroyInstance(p->br);
#endif
	count_end(p->port);
	free(p);
}

/*
 * Take p back from the connection before the last send: that send may free
 * the connection at once, and its close callback must not see p then.
 */
static void
pending_finish(struct pending *p)
{
	evhttp_connection_set_closecb(p->evcon, NULL, NULL);
	pending_free(p);
}

/*
 * The connection went away before the response was done: the client hung
 * up mid-stream, or the server is shutting down.  evhttp detaches an
 * unfinished request from a connection that failed and leaves it to us;
 * one still attached is freed with the connection.
 */
static void
pending_closed(struct evhttp_connection *evcon, void *arg)
{
	struct pending *p = arg;

	(void)evcon;
	if (evhttp_request_get_connection(p->req) == NULL)
		evhttp_request_free(p->req);
	pending_free(p);
}

/* Call fn(p) in ms milliseconds. */
static void
pending_timer(struct pending *p, uint64_t ms, event_callback_fn fn)
{
	struct timeval tv;

	if ((p->timer = evtimer_new(srv.base, fn, p)) == NULL)
		abort();
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(p->timer, &tv);
}

static void
delay_done(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;
	struct evhttp_request *req = p->req;

	(void)fd;
	(void)what;
	pending_finish(p);
	page(req, 200, "slept");
}

/*
 * Write the next PIECE of a streamed body; evhttp calls this again once the
 * connection's output buffer has drained, so memory stays at one piece.
 */
static uint64_t
body_left(const struct pending *p)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < p->nseg; i++)
		n += p->seg[i].left;
	return n;
}

#ifdef HAVE_BROTLIENC
/*
 * The brotli bomb: seg[0]'s bytes brotli-encoded on the fly, a few MB of
 * input per call, so that neither the encoded body nor its source is ever
 * held whole.  Adds at most room bytes.
 */
static void
brotli_fill(struct pending *p, struct evbuffer *out, size_t room)
{
	struct seg *s = &p->seg[0];
	const uint8_t *next_in, *o;
	size_t avail_in, avail_out = 0, n, fed = 0;
	BrotliEncoderOperation op;

	while (room > 0 && !BrotliEncoderIsFinished(p->br)) {
		if (BrotliEncoderHasMoreOutput(p->br)) {
			n = room;
			o = BrotliEncoderTakeOutput(p->br, &n);
			evbuffer_add(out, o, n);
			room -= n;
			continue;
		}
		if (fed >= 8 * BOMB_UNIT && evbuffer_get_length(out) > 0)
			break;
		n = s->blocklen - s->off;
		if (n > s->left)
			n = (size_t)s->left;
		next_in = s->block + s->off;
		avail_in = n;
		/* Flush every MB so that output comes as the input goes in. */
		op = s->left == 0 ? BROTLI_OPERATION_FINISH :
		    (fed + n) % BOMB_UNIT == 0 ? BROTLI_OPERATION_FLUSH :
		    BROTLI_OPERATION_PROCESS;
		if (!BrotliEncoderCompressStream(p->br, op, &avail_in, &next_in,
		    &avail_out, NULL, NULL))
			errx(1, "brotli encoding failed");
		n -= avail_in;
		s->off = (s->off + n) % s->blocklen;
		s->left -= n;
		fed += n;
	}
}
#endif

static void
stream_refill(struct evhttp_connection *evcon, void *arg)
{
	struct pending *p = arg;
	struct evhttp_request *req = p->req;
	struct evbuffer *out = xevbuffer();
	struct seg *s;
	size_t n, room = PIECE;
	int i;

	(void)evcon;
	room -= (size_t)evbuffer_remove_buffer(p->head, out, room);
#ifdef HAVE_BROTLIENC
	if (p->br != NULL) {
		brotli_fill(p, out, room);
		room = PIECE - evbuffer_get_length(out);
		if (!BrotliEncoderIsFinished(p->br))
			room = 0;	/* the tail waits for the end */
	}
#endif
	for (i = 0; i < p->nseg && room > 0; i++) {
		s = &p->seg[i];
		while (room > 0 && s->left > 0) {
			n = s->blocklen - s->off;
			if (n > room)
				n = room;
			if (n > s->left)
				n = (size_t)s->left;
			evbuffer_add_reference(out, s->block + s->off, n, NULL,
			    NULL);
			s->off = (s->off + n) % s->blocklen;
			s->left -= n;
			room -= n;
		}
	}
	if (body_left(p) == 0 && room > 0)
		evbuffer_remove_buffer(p->tail, out, room);

	if (evbuffer_get_length(out) > 0)
		evhttp_send_reply_chunk_with_cb(req, out, stream_refill, p);
	else {
		pending_finish(p);
		evhttp_send_reply_end(req);
	}
	evbuffer_free(out);
}

/* Send p's head, body and tail with Content-Length, or chunked on request. */
static void
stream_start(struct pending *p, const char *ctype, const char *encoding)
{
	struct evhttp_request *req = p->req;
	uint64_t total;

	if (set_ctype(req, ctype) == -1) {
		pending_finish(p);
		fail(req, 400, "bad ct");
		return;
	}
	if (encoding != NULL)
		add_header(req, "Content-Encoding", encoding);
	total = evbuffer_get_length(p->head) + body_left(p) +
	    evbuffer_get_length(p->tail);
	if (!qflag(req, "chunked") && !p->unknown_len)
		add_length(req, total);
	if (is_head(req)) {
		pending_finish(p);
		evhttp_send_reply(req, 200, NULL, NULL);
		return;
	}
	evhttp_send_reply_start(req, 200, NULL);
	stream_refill(NULL, p);
}

static struct pending *
stream_new(struct evhttp_request *req, const unsigned char *block,
    size_t blocklen, uint64_t bodylen)
{
	struct pending *p = pending_new(req);

	p->head = xevbuffer();
	p->tail = xevbuffer();
	p->nseg = 1;
	p->seg[0].block = block;
	p->seg[0].blocklen = blocklen;
	p->seg[0].left = bodylen;
	return p;
}

/*
 * Make seg the bytes u (n long) repeated times times, cycling through a
 * block of whole copies of about PIECE bytes that the pending owns.
 */
static void
seg_repeat(struct seg *s, const char *u, size_t n, uint64_t times)
{
	size_t copies, i;

	memset(s, 0, sizeof *s);
	if (n == 0 || times == 0) {
		s->block = a_block;
		s->blocklen = 1;
		return;
	}
	copies = n >= PIECE ? 1 : PIECE / n;
	s->owned = xmalloc(copies * n);
	for (i = 0; i < copies; i++)
		memcpy(s->owned + i * n, u, n);
	s->block = s->owned;
	s->blocklen = copies * n;
	s->left = n * times;
}

/*
 * Raw deflate of n <= BOMB_UNIT 'a's, ended by flush: Z_SYNC_FLUSH for the
 * repeated piece, Z_FINISH for the last one.
 */
static unsigned char *
deflate_as(size_t n, int flush, size_t *outlen)
{
	z_stream z;
	unsigned char *out;
	size_t cap, chunk;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		errx(1, "deflateInit2 failed");
	cap = deflateBound(&z, (uLong)n) + 64;
	out = xmalloc(cap);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	do {
		chunk = n < PIECE ? n : PIECE;
		z.next_in = a_block;
		z.avail_in = (uInt)chunk;
		n -= chunk;
		if (deflate(&z, n == 0 ? flush : Z_NO_FLUSH) == Z_STREAM_ERROR ||
		    z.avail_in != 0)
			errx(1, "deflate failed");
	} while (n > 0);
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* CRC-32 of n 'a's, n <= BOMB_UNIT. */
static uLong
crc_of_as(size_t n)
{
	uLong crc = crc32(0, NULL, 0);
	size_t chunk;

	for (; n > 0; n -= chunk) {
		chunk = n < PIECE ? n : PIECE;
		crc = crc32(crc, a_block, (uInt)chunk);
	}
	return crc;
}

static void
bomb_init(void)
{
	unsigned char *piece;
	size_t i, copies;

	piece = deflate_as(BOMB_UNIT, Z_SYNC_FLUSH, &bomb_piecelen);
	copies = PIECE / bomb_piecelen;
	if (copies == 0)
		copies = 1;
	bomb_blocklen = copies * bomb_piecelen;
	bomb_block = xmalloc(bomb_blocklen);
	for (i = 0; i < copies; i++)
		memcpy(bomb_block + i * bomb_piecelen, piece, bomb_piecelen);
	free(piece);
	bomb_unitcrc = crc_of_as(BOMB_UNIT);
}

/*
 * The end of an n-byte bomb: the deflated remainder after the whole pieces
 * and the gzip trailer, whose CRC covers all n bytes.  The CRC of k pieces
 * is built by doubling, so a terabyte costs about forty combines.
 */
static struct bomb *
bomb_make(uint64_t n)
{
	struct bomb *b = xcalloc(1, sizeof *b);
	uint64_t k = n / BOMB_UNIT, plen = BOMB_UNIT;
	size_t r = (size_t)(n % BOMB_UNIT), dlen, i;
	uLong crc = crc32(0, NULL, 0), pcrc = bomb_unitcrc;
	unsigned char *d;

	for (; k > 0; k >>= 1) {
		if (k & 1)
			crc = crc32_combine(crc, pcrc, (z_off_t)plen);
		pcrc = crc32_combine(pcrc, pcrc, (z_off_t)plen);
		plen *= 2;
	}
	crc = crc32_combine(crc, crc_of_as(r), (z_off_t)r);

	d = deflate_as(r, Z_FINISH, &dlen);
	b->n = n;
	b->taillen = dlen + 8;
	b->tail = xmalloc(b->taillen);
	memcpy(b->tail, d, dlen);
	for (i = 0; i < 4; i++) {
		b->tail[dlen + i] = (unsigned char)(crc >> (8 * i));
		b->tail[dlen + 4 + i] = (unsigned char)(n >> (8 * i));
	}
	free(d);
	return b;
}

static void
bomb_free(struct bomb *b)
{
	free(b->tail);
	free(b);
}

/* GET /big/N: N bytes of <p>aaa...</p> ('a's only when N < 7). */
static void
h_big(struct evhttp_request *req, const char *arg)
{
	struct pending *p;
	uint64_t n;

	if (parse_u64(arg, MAX_SIZE, &n) == -1) {
		not_found(req);
		return;
	}
	p = stream_new(req, a_block, sizeof a_block, n < 7 ? n : n - 7);
	if (n >= 7) {
		evbuffer_add(p->head, "<p>", 3);
		evbuffer_add(p->tail, "</p>", 4);
	}
	stream_start(p, "text/html", NULL);
}

/* GET /bytes/N: N bytes of fixed pseudo-random data. */
static void
h_bytes(struct evhttp_request *req, const char *arg)
{
	uint64_t n;

	if (parse_u64(arg, MAX_SIZE, &n) == -1) {
		not_found(req);
		return;
	}
	stream_start(stream_new(req, rand_block, sizeof rand_block, n),
	    "image/png", NULL);
}

static void
h_delay(struct evhttp_request *req, const char *arg)
{
	uint64_t ms;

	if (parse_u64(arg, MAX_DELAY_MS, &ms) == -1) {
		not_found(req);
		return;
	}
	pending_timer(pending_new(req), ms, delay_done);
}

/* GET /echo?h=NAME: the value of request header NAME, HTML-escaped. */
static void
h_echo(struct evhttp_request *req, const char *arg)
{
	struct evbuffer *b = xevbuffer();
	const char *value = NULL;
	char *name, *esc;

	(void)arg;
	if ((name = qarg(req, "h")) != NULL)
		value = evhttp_find_header(evhttp_request_get_input_headers(req),
		    name);
	if ((esc = evhttp_htmlescape(value != NULL ? value : "")) == NULL)
		abort();
	evbuffer_add_printf(b, "<html><body>%s</body></html>", esc);
	reply(req, 200, "text/html", b);
	evbuffer_free(b);
	free(esc);
	free(name);
}

static void
h_echo_method(struct evhttp_request *req, const char *arg)
{
	struct evbuffer *b = xevbuffer();

	(void)arg;
	evbuffer_add_printf(b, "<html><body>%s</body></html>",
	    method_name(evhttp_request_get_command(req)));
	reply(req, 200, "text/html", b);
	evbuffer_free(b);
}

/* A name under --root, relative and without "..". */
static int
safe_path(const char *path)
{
	const char *p = path;
	size_t n;

	if (*path == '\0' || *path == '/')
		return 0;
	for (;;) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		if (p[n] == '\0')
			return 1;
		p += n + 1;
	}
}

static const char *
file_ctype(const char *path)
{
	static const struct {
		const char	*ext;
		const char	*type;
	} types[] = {
		{ ".htm", "text/html" },
		{ ".html", "text/html" },
		{ ".json", "application/json" },
		{ ".png", "image/png" },
		{ ".txt", "text/plain" },
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot != NULL && strchr(dot, '/') == NULL) {
		for (i = 0; i < sizeof types / sizeof types[0]; i++) {
			if (strcasecmp(dot, types[i].ext) == 0)
				return types[i].type;
		}
	}
	return "application/octet-stream";
}

/* Read the whole regular file fd and close it; -1 if it is not one. */
static int
read_fd(int fd, struct evbuffer *out)
{
	struct stat st;
	int n;

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	while ((n = evbuffer_read(out, fd, PIECE)) > 0)
		;
	close(fd);
	return n == 0 ? 0 : -1;
}

/* Read a whole regular file under --root; -1 if there is none. */
static int
read_file(const char *path, struct evbuffer *out)
{
	return read_fd(openat(srv.rootfd, path, O_RDONLY | O_CLOEXEC |
	    O_NONBLOCK), out);
}

/* Replace in's contents with their gzip encoding. */
static void
gzip_buffer(struct evbuffer *in)
{
	z_stream z;
	unsigned char *out;
	size_t len = evbuffer_get_length(in), cap;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		errx(1, "deflateInit2 failed");
	cap = deflateBound(&z, (uLong)len) + 64;
	out = xmalloc(cap);
	z.next_in = evbuffer_pullup(in, -1);
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		errx(1, "deflate failed");
	evbuffer_drain(in, len);
	evbuffer_add(in, out, cap - z.avail_out);
	deflateEnd(&z);
	free(out);
}

/* GET /f/PATH: a static file under --root, ?gzip=1 to compress it. */
static void
h_file(struct evhttp_request *req, const char *path)
{
	struct evbuffer *b;

	if (srv.rootfd == -1) {
		fail(req, 404, "no --root");
		return;
	}
	if (!safe_path(path)) {
		fail(req, 400, "bad path");
		return;
	}
	b = xevbuffer();
	if (read_file(path, b) == -1) {
		evbuffer_free(b);
		not_found(req);
		return;
	}
	if (qflag(req, "gzip")) {
		gzip_buffer(b);
		add_header(req, "Content-Encoding", "gzip");
	}
	reply(req, 200, file_ctype(path), b);
	evbuffer_free(b);
}

/*
 * GET /gzipbomb/N: Content-Encoding: gzip that inflates to N 'a's.  The
 * body is a header, one precomputed deflate piece repeated, then the tail
 * made (and cached) for N.
 */
static void
h_gzipbomb(struct evhttp_request *req, const char *arg)
{
	static const unsigned char gzhead[10] = {
		0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3
	};
	struct pending *p;
	struct bomb *b;
	uint64_t n;
	int cached = 1;

	if (parse_u64(arg, MAX_SIZE, &n) == -1) {
		not_found(req);
		return;
	}
	for (b = bombs; b != NULL; b = b->next) {
		if (b->n == n)
			break;
	}
	if (b == NULL) {
		b = bomb_make(n);
		if ((cached = nbombs < BOMB_CACHE)) {
			b->next = bombs;
			bombs = b;
			nbombs++;
		}
	}
	p = stream_new(req, bomb_block, bomb_blocklen,
	    n / BOMB_UNIT * bomb_piecelen);
	evbuffer_add(p->head, gzhead, sizeof gzhead);
	evbuffer_add(p->tail, b->tail, b->taillen);
	if (!cached)
		bomb_free(b);
	stream_start(p, "text/html", "gzip");
}

#ifdef HAVE_BROTLIENC
/*
 * GET /brbomb/N: Content-Encoding: br that decodes to N 'a's, encoded as it
 * is sent (a few hundred bytes per GB), chunked.
 */
static void
h_brbomb(struct evhttp_request *req, const char *arg)
{
	struct pending *p;
	uint64_t n;

	if (parse_u64(arg, MAX_SIZE, &n) == -1) {
		not_found(req);
		return;
	}
	p = stream_new(req, a_block, sizeof a_block, n);
	p->unknown_len = 1;
	if ((p->br = BrotliEncoderCreateInstance(NULL, NULL, NULL)) == NULL)
		abort();
	BrotliEncoderSetParameter(p->br, BROTLI_PARAM_QUALITY, 1);
	BrotliEncoderSetParameter(p->br, BROTLI_PARAM_LGWIN, 24);
	stream_start(p, "text/html", "br");
}
#else
static void
h_brbomb(struct evhttp_request *req, const char *arg)
{
	(void)arg;
	fail(req, 501, "built without libbrotlienc");
}
#endif

/*
 * GET /gen?pre=P&a=A&n=N&b=B&m=M&post=Q: a body generated as it is sent,
 * P, then A N times, then B M times, then Q (every value percent-decoded,
 * NUL bytes included): a megabyte page of nested tags costs a URL of a few
 * dozen bytes.  Content-Type text/html unless ?ct= says otherwise.
 */
static void
h_gen(struct evhttp_request *req, const char *arg)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	char *pre, *a, *b, *post;
	size_t prelen = 0, alen = 0, blen = 0, postlen = 0;
	struct pending *p;
	uint64_t n, m;

	(void)arg;
	if (query_u64(q, "n", MAX_SIZE, 0, &n) == -1 ||
	    query_u64(q, "m", MAX_SIZE, 0, &m) == -1) {
		fail(req, 400, "bad count");
		return;
	}
	pre = query_arg(q, "pre", &prelen);
	a = query_arg(q, "a", &alen);
	b = query_arg(q, "b", &blen);
	post = query_arg(q, "post", &postlen);
	if ((alen > 0 && n > MAX_SIZE / alen) ||
	    (blen > 0 && m > MAX_SIZE / blen)) {
		fail(req, 400, "too big");
	} else {
		p = stream_new(req, a_block, 1, 0);
		p->nseg = 2;
		seg_repeat(&p->seg[0], a ? a : "", alen, n);
		seg_repeat(&p->seg[1], b ? b : "", blen, m);
		if (pre != NULL)
			evbuffer_add(p->head, pre, prelen);
		if (post != NULL)
			evbuffer_add(p->tail, post, postlen);
		stream_start(p, "text/html", NULL);
	}
	free(pre);
	free(a);
	free(b);
	free(post);
}

static void
h_loop(struct evhttp_request *req, const char *arg)
{
	(void)arg;
	add_header(req, "Location", "/loop");
	page(req, 302, "redirect");
}

/* GET /redirect/N: a chain of N 302s ending in a 200. */
static void
h_redirect(struct evhttp_request *req, const char *arg)
{
	char loc[64];
	uint64_t n;

	if (parse_u64(arg, UINT32_MAX, &n) == -1) {
		not_found(req);
		return;
	}
	if (n == 0) {
		page(req, 200, "landed");
		return;
	}
	snprintf(loc, sizeof loc, "/redirect/%" PRIu64, n - 1);
	add_header(req, "Location", loc);
	page(req, 302, "redirect");
}

static void
h_redirect_nolocation(struct evhttp_request *req, const char *arg)
{
	(void)arg;
	page(req, 301, "redirect");
}

/* GET /redirect-to?url=X: 302 to X, taken verbatim after decoding. */
static void
h_redirect_to(struct evhttp_request *req, const char *arg)
{
	char *url;
	int bad;

	(void)arg;
	if ((url = qarg(req, "url")) == NULL) {
		fail(req, 400, "no url");
		return;
	}
	bad = evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Location", url) == -1;
	free(url);
	if (bad)
		fail(req, 400, "bad url");
	else
		page(req, 302, "redirect");
}

/* GET /stats: this port's counts; ?all=1: every port's together. */
static void
h_stats(struct evhttp_request *req, const char *arg)
{
	struct evbuffer *b = xevbuffer();
	const struct counts *c;

	(void)arg;
	c = qflag(req, "all") ? &srv.all : &port_of(req)->n;
	evbuffer_add_printf(b, "inflight %lu\nmax %lu\ntotal %lu\nconns %lu\n",
	    c->inflight, c->max, c->total, c->conns);
	reply(req, 200, "text/plain", b);
	evbuffer_free(b);
}

static void
counts_reset(struct counts *c)
{
	c->max = c->inflight;
	c->total = 0;
	c->conns = 0;
}

/*
 * GET /stats/reset: this port's max down to what is in flight now, its
 * total and conns to 0; ?all=1: every port's and the overall counts.
 */
static void
h_stats_reset(struct evhttp_request *req, const char *arg)
{
	size_t i;

	(void)arg;
	if (qflag(req, "all")) {
		counts_reset(&srv.all);
		for (i = 0; i < srv.nports; i++)
			counts_reset(&srv.ports[i].n);
	} else
		counts_reset(&port_of(req)->n);
	page(req, 200, "reset");
}

/* GET /status/N: answer with status N, 200 to 599; ?retry-after=V adds it. */
static void
h_status(struct evhttp_request *req, const char *arg)
{
	char text[32], *ra;
	uint64_t n;

	if (parse_u64(arg, 599, &n) == -1 || n < 200) {
		not_found(req);
		return;
	}
	if ((ra = qarg(req, "retry-after")) != NULL) {
		add_header(req, "Retry-After", ra);
		free(ra);
	}
	snprintf(text, sizeof text, "status %" PRIu64, n);
	page(req, (int)n, text);
}

/*
 * The request counts of /flaky and /drop, by key: letters, digits, '_',
 * '-' and '.', at most KEY_MAX of them; KEYS_MAX keys in all.
 */
#define KEY_MAX		64
#define KEYS_MAX	256
#define KEY_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789_-."

static struct key {
	char		name[KEY_MAX + 1];
	uint64_t	seen;
} keys[KEYS_MAX];
static size_t	nkeys;

static struct key *
key_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < nkeys; i++) {
		if (strlen(keys[i].name) == n &&
		    memcmp(keys[i].name, s, n) == 0)
			return &keys[i];
	}
	return NULL;
}

/*
 * The key at the start of *arg, created if new, with *arg moved past it
 * and its '/'; NULL if there is no valid key or no room for a new one.
 */
static struct key *
key_take(const char **arg)
{
	const char *s = *arg;
	size_t n = strspn(s, KEY_CHARS);
	struct key *k;

	if (n == 0 || n > KEY_MAX || s[n] != '/')
		return NULL;
	if ((k = key_find(s, n)) == NULL) {
		if (nkeys == KEYS_MAX)
			return NULL;
		k = &keys[nkeys++];
		memcpy(k->name, s, n);
		k->name[n] = '\0';
		k->seen = 0;
	}
	*arg = s + n + 1;
	return k;
}

/* The answer of /flaky and /drop once they stop failing. */
static void
key_ok(struct evhttp_request *req, const struct key *k)
{
	char text[KEY_MAX + 8];

	snprintf(text, sizeof text, "ok %s", k->name);
	page(req, 200, text);
}

/*
 * GET /flaky/KEY/N/STATUS: the first N requests for KEY answer like
 * /status/STATUS (?retry-after=V included), the ones after 200 "ok KEY".
 */
static void
h_flaky(struct evhttp_request *req, const char *arg)
{
	char nbuf[32], *slash;
	struct key *k;
	uint64_t n, status;

	if ((k = key_take(&arg)) == NULL ||
	    (size_t)snprintf(nbuf, sizeof nbuf, "%s", arg) >= sizeof nbuf ||
	    (slash = strchr(nbuf, '/')) == NULL) {
		not_found(req);
		return;
	}
	*slash = '\0';
	if (parse_u64(nbuf, UINT32_MAX, &n) == -1 ||
	    parse_u64(slash + 1, 599, &status) == -1 || status < 200) {
		not_found(req);
		return;
	}
	if (++k->seen <= n)
		h_status(req, slash + 1);
	else
		key_ok(req, k);
}

/* Closing from a timer: evhttp is not in the middle of the request then. */
static void
drop_now(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;
	struct evhttp_connection *evcon = p->evcon;

	(void)fd;
	(void)what;
	pending_finish(p);
	evhttp_connection_free(evcon);	/* and the request with it */
}

/*
 * GET /drop/KEY/N: the first N requests for KEY get their connection
 * closed without an answer, the ones after 200 "ok KEY".
 */
static void
h_drop(struct evhttp_request *req, const char *arg)
{
	struct key *k;
	uint64_t n;

	if ((k = key_take(&arg)) == NULL ||
	    parse_u64(arg, UINT32_MAX, &n) == -1) {
		not_found(req);
		return;
	}
	if (++k->seen <= n)
		pending_timer(pending_new(req), 0, drop_now);
	else
		key_ok(req, k);
}

/* GET /flaky-reset/KEY: forget KEY's count; /flaky-reset/: every key's. */
static void
h_flaky_reset(struct evhttp_request *req, const char *arg)
{
	struct key *k;

	if (*arg == '\0')
		nkeys = 0;
	else if ((k = key_find(arg, strlen(arg))) != NULL)
		k->seen = 0;
	page(req, 200, "reset");
}

/*
 * --- Sites (--sites DIR) -------------------------------------------------
 *
 * Every subdirectory of DIR is a site with a port of its own, where the
 * paths that are no route serve the site's files: see the usage comment
 * at the top.
 */

static struct port *
site_find(const char *name, size_t n)
{
	size_t i;

	for (i = 1; i < srv.nports; i++) {
		if (strlen(srv.ports[i].name) == n &&
		    memcmp(srv.ports[i].name, name, n) == 0)
			return &srv.ports[i];
	}
	return NULL;
}

/*
 * The file a site path names, relative to the site's directory: "/" and
 * any path ending in '/' get index.html.  -1 for paths that could leave
 * the directory or are odd: empty segments, "." and "..".
 */
static int
site_path(const char *path, char *out, size_t outlen)
{
	const char *p;
	size_t n;

	if (*path != '/' || (size_t)snprintf(out, outlen, "%s%s", path + 1,
	    path[strlen(path) - 1] == '/' ? "index.html" : "") >= outlen)
		return -1;
	for (p = out;; p += n + 1) {
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return -1;
		if (p[n] == '\0')
			return 0;
	}
}

/* Open path (from site_path) under dirfd, following no symbolic link. */
static int
open_beneath(int dirfd, const char *path)
{
	char name[256];
	size_t n;
	int fd = dirfd, next;

	for (;; path += n + 1) {
		n = strcspn(path, "/");
		if (n >= sizeof name)
			next = -1;
		else {
			memcpy(name, path, n);
			name[n] = '\0';
			next = openat(fd, name, O_RDONLY | O_CLOEXEC |
			    O_NOFOLLOW | (path[n] == '\0' ? O_NONBLOCK :
			    O_DIRECTORY));
		}
		if (fd != dirfd)
			close(fd);
		if (next == -1 || path[n] == '\0')
			return next;
		fd = next;
	}
}

/* Replace each {{SITE_name}} in b with http://127.0.0.1:PORT of site name. */
static void
subst_sites(struct evbuffer *b)
{
	static const char mark[] = "{{SITE_";
	const size_t mlen = sizeof mark - 1;
	struct evbuffer *out = xevbuffer();
	size_t len = evbuffer_get_length(b), i = 0, n;
	const char *s = (const char *)evbuffer_pullup(b, -1), *brace;
	struct port *pt;

	while (i < len) {
		if ((brace = memchr(s + i, '{', len - i)) == NULL) {
			evbuffer_add(out, s + i, len - i);
			break;
		}
		evbuffer_add(out, s + i, (size_t)(brace - (s + i)));
		i = (size_t)(brace - s);
		pt = NULL;
		n = 0;
		if (len - i > mlen && memcmp(s + i, mark, mlen) == 0) {
			while (i + mlen + n < len && strchr(SITE_CHARS,
			    s[i + mlen + n]) != NULL && s[i + mlen + n] != '\0')
				n++;
			if (i + mlen + n + 2 <= len &&
			    memcmp(s + i + mlen + n, "}}", 2) == 0)
				pt = site_find(s + i + mlen, n);
		}
		if (pt != NULL) {
			evbuffer_add_printf(out, "http://127.0.0.1:%d",
			    pt->num);
			i += mlen + n + 2;
		} else
			evbuffer_add(out, s + i++, 1);
	}
	evbuffer_drain(b, len);
	evbuffer_add_buffer(b, out);
	evbuffer_free(out);
}

/*
 * The number in the site's file name (robots.status, robots.delay), at
 * most max; -1 when there is no such file or no such number in it.
 */
static int
site_number(const struct port *pt, const char *name, uint64_t max,
    uint64_t *out)
{
	struct evbuffer *b = xevbuffer();
	char num[32];
	size_t n;
	int rv = -1;

	if (read_fd(openat(pt->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK), b) == 0) {
		if ((n = evbuffer_get_length(b)) < sizeof num) {
			evbuffer_remove(b, num, n);
			num[n] = '\0';
			num[strcspn(num, " \t\r\n")] = '\0';
			rv = parse_u64(num, max, out);
		}
		if (rv == -1)
			warnx("site %s: bad %s", pt->name, name);
	}
	evbuffer_free(b);
	return rv;
}

/* Whether robots.flaky lets this request have robots.status's answer. */
static int
robots_fails(const struct port *pt)
{
	char name[KEY_MAX + 2];
	const char *arg = name;
	struct key *k;
	uint64_t n;

	if (site_number(pt, "robots.flaky", UINT32_MAX, &n) == -1)
		return 1;
	snprintf(name, sizeof name, "robots.%s/", pt->name);
	if ((k = key_take(&arg)) == NULL) {
		warnx("site %s: no key for robots.flaky", pt->name);
		return 1;
	}
	return ++k->seen <= n;
}

/*
 * /robots.txt: robots.status's status if there is one (and robots.flaky
 * says so), else robots.txt.
 */
static void
robots_answer(struct evhttp_request *req, const struct port *pt)
{
	struct evbuffer *b;
	char num[32];
	uint64_t status;

	if (site_number(pt, "robots.status", 599, &status) == 0 &&
	    robots_fails(pt)) {
		snprintf(num, sizeof num, "%" PRIu64, status);
		h_status(req, num);
		return;
	}
	b = xevbuffer();
	if (read_fd(openat(pt->dirfd, "robots.txt", O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW | O_NONBLOCK), b) == -1)
		not_found(req);
	else
		reply(req, 200, "text/plain", b);
	evbuffer_free(b);
}

static void
robots_later(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;
	struct evhttp_request *req = p->req;
	struct port *pt = p->port;

	(void)fd;
	(void)what;
	pending_finish(p);
	robots_answer(req, pt);
}

static void
site_later(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;
	struct evhttp_request *req = p->req;
	struct evbuffer *b = p->head;

	(void)fd;
	(void)what;
	p->head = NULL;
	pending_finish(p);
	reply(req, 200, "text/html", b);
	evbuffer_free(b);
}

/* Whether rel, an .html file, is to wait for page.delay: its *ms. */
static int
site_slow(const struct port *pt, const char *rel, uint64_t *ms)
{
	const char *base = strrchr(rel, '/');

	base = base != NULL ? base + 1 : rel;
	return strncmp(base, "slow", 4) == 0 &&
	    site_number(pt, "page.delay", MAX_DELAY_MS, ms) == 0 && *ms > 0;
}

static void	log_start(int);

/*
 * The validators of a site's file rel (its bytes in b) on the reply; 1
 * when the request's conditions match them and a 304 went out instead.
 */
static int
site_validators(struct evhttp_request *req, const struct port *pt,
    const char *rel, struct evbuffer *b)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const unsigned char *p;
	const char *inm, *ims;
	char etag[32], date[64];
	struct stat st;
	struct tm tm;
	uint64_t h = UINT64_C(0xcbf29ce484222325), which = 3;
	size_t i, n;
	time_t t;
	int fd, match = 0;

	if (site_number(pt, "validators", 3, &which) == -1)
		which = 3;
	n = evbuffer_get_length(b);
	p = evbuffer_pullup(b, -1);
	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	snprintf(etag, sizeof etag, "\"%016" PRIx64 "\"", h);
	st.st_mtime = 0;
	if ((fd = open_beneath(pt->dirfd, rel)) != -1) {
		if (fstat(fd, &st) == -1)
			st.st_mtime = 0;
		close(fd);
	}
	gmtime_r(&st.st_mtime, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (which & 1)
		add_header(req, "ETag", etag);
	if (which & 2)
		add_header(req, "Last-Modified", date);
	inm = evhttp_find_header(in, "If-None-Match");
	ims = evhttp_find_header(in, "If-Modified-Since");
	if (inm != NULL)
		match = (which & 1) && (strstr(inm, etag) != NULL ||
		    strcmp(inm, "*") == 0);
	else if (ims != NULL && (which & 2)) {
		memset(&tm, 0, sizeof tm);
		if ((p = (const unsigned char *)strptime(ims,
		    "%a, %d %b %Y %H:%M:%S GMT", &tm)) != NULL && *p == '\0' &&
		    (t = timegm(&tm)) != -1)
			match = st.st_mtime <= t;
	}
	if (!match)
		return 0;
	if (srv.log != NULL) {
		log_start(pt->num);
		fprintf(srv.log, "304 %s\n", evhttp_request_get_uri(req));
		fflush(srv.log);
	}
	reply(req, 304, "", b);
	return 1;
}

/* A path of a site port that is no route: the site's files. */
static void
site_serve(struct evhttp_request *req, struct port *pt, const char *path)
{
	char rel[4096];
	const char *ctype;
	struct evbuffer *b;
	uint64_t ms;

	if (strcmp(path, "/robots.txt") == 0) {
		if (site_number(pt, "robots.delay", MAX_DELAY_MS, &ms) == 0 &&
		    ms > 0)
			pending_timer(pending_new(req), ms, robots_later);
		else
			robots_answer(req, pt);
		return;
	}
	if (site_path(path, rel, sizeof rel) == -1) {
		fail(req, 400, "bad path");
		return;
	}
	b = xevbuffer();
	if (strcmp(rel, "robots.status") == 0 ||
	    strcmp(rel, "robots.delay") == 0 ||
	    strcmp(rel, "robots.flaky") == 0 ||
	    strcmp(rel, "page.delay") == 0 ||
	    strcmp(rel, "validators") == 0 ||
	    read_fd(open_beneath(pt->dirfd, rel), b) == -1) {
		evbuffer_free(b);
		not_found(req);
		return;
	}
	ctype = file_ctype(rel);
	if (strcmp(ctype, "text/html") == 0)
		subst_sites(b);
	if (site_validators(req, pt, rel, b)) {
		evbuffer_free(b);
		return;
	}
	if (strcmp(ctype, "text/html") == 0) {
		if (site_slow(pt, rel, &ms)) {
			struct pending *p = pending_new(req);

			p->head = b;
			pending_timer(p, ms, site_later);
			return;
		}
	}
	reply(req, 200, ctype, b);
	evbuffer_free(b);
}

static const struct route routes[] = {
	{ "/big/", 1, 1, h_big },
	{ "/brbomb/", 1, 1, h_brbomb },
	{ "/bytes/", 1, 1, h_bytes },
	{ "/delay/", 1, 1, h_delay },
	{ "/drop/", 1, 1, h_drop },
	{ "/echo", 0, 1, h_echo },
	{ "/echo-method", 0, 1, h_echo_method },
	{ "/f/", 1, 1, h_file },
	{ "/flaky-reset/", 1, 0, h_flaky_reset },
	{ "/flaky/", 1, 1, h_flaky },
	{ "/gen", 0, 1, h_gen },
	{ "/gzipbomb/", 1, 1, h_gzipbomb },
	{ "/loop", 0, 1, h_loop },
	{ "/redirect-nolocation", 0, 1, h_redirect_nolocation },
	{ "/redirect-to", 0, 1, h_redirect_to },
	{ "/redirect/", 1, 1, h_redirect },
	{ "/stats", 0, 0, h_stats },
	{ "/stats/reset", 0, 0, h_stats_reset },
	{ "/status/", 1, 1, h_status },
};

static const struct route *
route_find(const char *path)
{
	const struct route *r;
	size_t i, n;

	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		r = &routes[i];
		n = strlen(r->path);
		if (r->prefix ? strncmp(path, r->path, n) == 0 :
		    strcmp(path, r->path) == 0)
			return r;
	}
	return NULL;
}

/*
 * Streams end with small writes after a drain; without TCP_NODELAY those
 * can wait on the client's delayed ACK.
 */
static void
set_nodelay(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	evutil_socket_t fd;
	int one = 1;

	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
	if (fd != -1)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Start a log line: "SECONDS.MMM PORT ", the time of day to the ms. */
static void
log_start(int port)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(srv.log, "%lld.%03ld %d ", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000000, port);
}

static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct port *pt = arg;
	const struct route *r;
	const char *raw;
	char *path;
	size_t len;
	int counted;

	if (srv.log != NULL) {
		log_start(pt->num);
		fprintf(srv.log, "%s %s\n",
		    method_name(evhttp_request_get_command(req)),
		    evhttp_request_get_uri(req));
		fflush(srv.log);
	}
	set_nodelay(req);

	raw = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if ((path = evhttp_uridecode(raw != NULL ? raw : "", 0, &len)) == NULL)
		abort();
	r = route_find(path);
	if ((counted = (r == NULL || r->counted)))
		count_start(pt, req);

	if (strlen(path) != len)
		fail(req, 400, "NUL in path");
	else if (r != NULL)
		r->fn(req, path + strlen(r->path));
	else if (pt->dirfd != -1)
		site_serve(req, pt, path);
	else
		not_found(req);

	if (counted)
		count_end(pt);
	free(path);
}

/*
 * --- Raw endpoints -------------------------------------------------------
 *
 * The raw listener reads a request head (up to RAW_HEAD_MAX bytes), logs
 * it like evhttp's requests ("GET /raw/..."), and answers with bytes that
 * no evhttp reply could carry.  The path picks the behaviour:
 *
 *   /raw/silent             read the request, never answer
 *   /raw/drip?ms=&part=     a valid page, one byte every ms (200) ms;
 *                           part=body sends the head at once
 *   /raw/reset?at=head|body RST (SO_LINGER 0 and close) in the head, or
 *                           after 1000 of 100000 body bytes
 *   /raw/short              Content-Length 100000, 1000 bytes, then close
 *   /raw/empty              close without a byte
 *   /raw/endless?chunked=1  an endless body at full speed, chunked or
 *                           ended by close (which never comes);
 *                           trailers=1: a chunked body of one chunk,
 *                           then trailer lines without end
 *   /raw/bighead?n=N        a 200 whose one X-Big header is N bytes long
 *   /raw/manyheads?n=N      a 200 with N headers
 *   /raw/say?head=H&body=B&then=close|hang|reset
 *                           H and B verbatim (percent-decoded, NULs kept):
 *                           odd status lines, broken chunking, hostile
 *                           header values
 *   /raw/garbage?n=N        N pseudo-random bytes, then close
 *
 * Each connection serves one request: answers that end and leave the
 * connection open (then=hang) suit only clients that will not reuse it.
 * Anything else that arrives (a request that is not HTTP, such as a
 * protocol a client should have refused to speak) is logged as "RAW "
 * and its first bytes, control bytes as \xNN, and the connection closed.
 */
enum raw_then { THEN_HANG, THEN_CLOSE, THEN_RESET };

struct raw {
	struct bufferevent	*bev;
	struct event		*timer;
	struct evbuffer		*drip;		/* bytes still to send slowly */
	struct timeval		 every;		/* one drip byte per */
	int			 head_done;
	int			 endless;	/* 1: chunked, 2: until close,
						 * 3: trailers */
	enum raw_then		 then;		/* once the output is sent */
	LIST_ENTRY(raw)		 link;		/* in raws, freed at exit */
};

static LIST_HEAD(, raw)	raws = LIST_HEAD_INITIALIZER(raws);

static void	raw_free(struct raw *);

static void
raw_free(struct raw *r)
{
	LIST_REMOVE(r, link);
	if (r->timer != NULL)
		event_free(r->timer);
	if (r->drip != NULL)
		evbuffer_free(r->drip);
	bufferevent_free(r->bev);
	free(r);
}

/* Abort the connection: an RST, not a FIN. */
static void
raw_reset(struct raw *r)
{
	struct linger lg = { 1, 0 };
	evutil_socket_t fd = bufferevent_getfd(r->bev);

	if (fd != -1)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	raw_free(r);
}

static void
raw_tick(evutil_socket_t fd, short what, void *arg)
{
	struct raw *r = arg;
	struct evbuffer *out = bufferevent_get_output(r->bev);

	(void)fd;
	(void)what;
	if (r->drip != NULL && evbuffer_get_length(r->drip) > 0) {
		evbuffer_remove_buffer(r->drip, out, 1);
		evtimer_add(r->timer, &r->every);
		return;
	}
	if (r->then == THEN_RESET)	/* a pause passed: the data is read */
		raw_reset(r);
}

static void
raw_more_endless(struct raw *r)
{
	struct evbuffer *out = bufferevent_get_output(r->bev);
	int i;

	if (r->endless == 3) {
		/* 64 trailer lines of 1 KB. */
		for (i = 0; i < 64; i++) {
			evbuffer_add_printf(out, "X-Trailer-%d: ", i);
			evbuffer_add_reference(out, a_block, 1000, NULL, NULL);
			evbuffer_add(out, "\r\n", 2);
		}
		return;
	}
	for (i = 0; i < 4; i++) {
		if (r->endless == 1)
			evbuffer_add_printf(out, "%zx\r\n", sizeof a_block);
		evbuffer_add_reference(out, a_block, sizeof a_block, NULL,
		    NULL);
		if (r->endless == 1)
			evbuffer_add(out, "\r\n", 2);
	}
}

/* The output has drained. */
static void
raw_written(struct bufferevent *bev, void *arg)
{
	struct raw *r = arg;
	static const struct timeval pause = { 0, 100000 };

	(void)bev;
	if (!r->head_done || (r->drip != NULL &&
	    evbuffer_get_length(r->drip) > 0))
		return;
	if (r->endless) {
		raw_more_endless(r);
		return;
	}
	switch (r->then) {
	case THEN_HANG:
		break;
	case THEN_CLOSE:
		raw_free(r);
		break;
	case THEN_RESET:
		/* Give the client a moment to read what was sent. */
		if (r->timer == NULL &&
		    (r->timer = evtimer_new(srv.base, raw_tick, r)) == NULL)
			abort();
		evtimer_add(r->timer, &pause);
		break;
	}
}

static void
raw_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		raw_free(arg);
}

/* Log a request that is not HTTP: its first bytes, made printable. */
static void
raw_log_bytes(const unsigned char *p, size_t n)
{
	size_t i;

	if (srv.log == NULL)
		return;
	log_start(srv.rawport);
	fputs("RAW ", srv.log);
	for (i = 0; i < n && i < RAW_LOG_MAX; i++) {
		if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '\\')
			fprintf(srv.log, "\\x%02x", p[i]);
		else
			fputc(p[i], srv.log);
	}
	fputc('\n', srv.log);
	fflush(srv.log);
}

/* The fixed page that slow and broken answers carry. */
static const char raw_page[] = "<html><body><p>raw page</p></body></html>";

static void
raw_answer(struct raw *r, const char *path, const char *q)
{
	struct evbuffer *out = bufferevent_get_output(r->bev);
	uint64_t n, i, ms;
	char *v, *w;
	size_t len;

	r->then = THEN_HANG;
	if (strcmp(path, "/raw/silent") == 0)
		return;
	if (strcmp(path, "/raw/empty") == 0) {
		r->then = THEN_CLOSE;
		return;
	}
	if (strcmp(path, "/raw/drip") == 0) {
		if (query_u64(q, "ms", 60000, 200, &ms) == -1)
			ms = 200;
		r->every.tv_sec = (time_t)(ms / 1000);
		r->every.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		r->drip = xevbuffer();
		v = query_arg(q, "part", NULL);
		evbuffer_add_printf(v != NULL && strcmp(v, "body") == 0 ? out :
		    r->drip, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
		    "Content-Length: %zu\r\n\r\n", sizeof raw_page - 1);
		free(v);
		evbuffer_add(r->drip, raw_page, sizeof raw_page - 1);
		if ((r->timer = evtimer_new(srv.base, raw_tick, r)) == NULL)
			abort();
		evtimer_add(r->timer, &r->every);
		return;
	}
	if (strcmp(path, "/raw/reset") == 0) {
		v = query_arg(q, "at", NULL);
		if (v != NULL && strcmp(v, "body") == 0) {
			evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
			    "Content-Type: text/html\r\n"
			    "Content-Length: 100000\r\n\r\n");
			evbuffer_add(out, a_block, 1000);
		} else
			evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
			    "Content-Type: text/ht");
		free(v);
		r->then = THEN_RESET;
		return;
	}
	if (strcmp(path, "/raw/short") == 0) {
		evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
		    "Connection: close\r\nContent-Type: text/html\r\n"
		    "Content-Length: 100000\r\n\r\n");
		evbuffer_add(out, a_block, 1000);
		r->then = THEN_CLOSE;
		return;
	}
	if (strcmp(path, "/raw/endless") == 0) {
		v = query_arg(q, "chunked", NULL);
		r->endless = v != NULL && strcmp(v, "1") == 0 ? 1 : 2;
		free(v);
		v = query_arg(q, "trailers", NULL);
		if (v != NULL && strcmp(v, "1") == 0)
			r->endless = 3;
		free(v);
		evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
		    "Content-Type: text/html\r\n%s\r\n", r->endless != 2 ?
		    "Transfer-Encoding: chunked\r\n" : "Connection: close\r\n");
		if (r->endless == 3)
			evbuffer_add_printf(out, "%zx\r\n%s\r\n0\r\n",
			    sizeof raw_page - 1, raw_page);
		raw_more_endless(r);
		return;
	}
	if (strcmp(path, "/raw/bighead") == 0 ||
	    strcmp(path, "/raw/manyheads") == 0) {
		if (query_u64(q, "n", (uint64_t)1 << 30, 1000, &n) == -1)
			n = 1000;
		evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
		    "Connection: close\r\nContent-Type: text/html\r\n");
		if (path[5] == 'b') {
			evbuffer_add_printf(out, "X-Big: ");
			for (i = 0; i < n; i += PIECE)
				evbuffer_add_reference(out, a_block, n - i <
				    PIECE ? (size_t)(n - i) : PIECE, NULL, NULL);
			evbuffer_add(out, "\r\n", 2);
		} else {
			for (i = 0; i < n; i++)
				evbuffer_add_printf(out, "X-%" PRIu64 ": v\r\n",
				    i);
		}
		evbuffer_add_printf(out, "Content-Length: %zu\r\n\r\n%s",
		    sizeof raw_page - 1, raw_page);
		r->then = THEN_CLOSE;	/* one request per connection */
		return;
	}
	if (strcmp(path, "/raw/say") == 0) {
		if ((v = query_arg(q, "head", &len)) != NULL)
			evbuffer_add(out, v, len);
		free(v);
		if ((v = query_arg(q, "body", &len)) != NULL)
			evbuffer_add(out, v, len);
		free(v);
		if ((w = query_arg(q, "then", NULL)) != NULL) {
			if (strcmp(w, "close") == 0)
				r->then = THEN_CLOSE;
			else if (strcmp(w, "reset") == 0)
				r->then = THEN_RESET;
		}
		free(w);
		return;
	}
	if (strcmp(path, "/raw/garbage") == 0) {
		if (query_u64(q, "n", PIECE, 4096, &n) == -1)
			n = 4096;
		evbuffer_add(out, rand_block, (size_t)n);
		r->then = THEN_CLOSE;
		return;
	}
	evbuffer_add_printf(out, "HTTP/1.1 404 Not Found\r\n"
	    "Connection: close\r\nContent-Type: text/html\r\n"
	    "Content-Length: 0\r\n\r\n");
	r->then = THEN_CLOSE;
}

/*
 * Is the head's first line "METHOD TARGET HTTP/x"?  Sets *path and *query
 * (malloc'd, query possibly NULL) from the target when it is.
 */
static int
raw_request_line(const char *line, char **method, char **path, char **query)
{
	const char *sp1, *sp2, *qm;

	if ((sp1 = strchr(line, ' ')) == NULL || sp1 == line ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL ||
	    strncmp(sp2 + 1, "HTTP/", 5) != 0 || sp1[1] != '/')
		return -1;
	if ((qm = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1))) == NULL)
		qm = sp2;
	if ((*method = strndup(line, (size_t)(sp1 - line))) == NULL ||
	    (*path = strndup(sp1 + 1, (size_t)(qm - sp1 - 1))) == NULL)
		abort();
	*query = NULL;
	if (qm != sp2 && (*query = strndup(qm + 1,
	    (size_t)(sp2 - qm - 1))) == NULL)
		abort();
	return 0;
}

static void
raw_read(struct bufferevent *bev, void *arg)
{
	struct raw *r = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr end;
	char *line, *method, *path, *query;
	size_t len = evbuffer_get_length(in), n;
	const unsigned char *all;

	if (r->head_done) {
		evbuffer_drain(in, len);	/* whatever else comes */
		return;
	}
	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	all = evbuffer_pullup(in, -1);
	for (n = 0; n < len && all[n] != '\r' && all[n] != '\n'; n++)
		;
	if ((line = strndup((const char *)all, n)) == NULL)
		abort();
	if (raw_request_line(line, &method, &path, &query) == -1) {
		/* Not HTTP: log it once its first line is in, and hang up. */
		if (memchr(all, '\n', len) == NULL && len < RAW_HEAD_MAX) {
			free(line);
			return;
		}
		raw_log_bytes(all, len);
		free(line);
		raw_free(r);
		return;
	}
	if (end.pos == -1 && len < RAW_HEAD_MAX) {
		free(line);	/* the rest of the head is still to come */
		free(method);
		free(path);
		free(query);
		return;
	}
	r->head_done = 1;
	evbuffer_drain(in, len);
	if (srv.log != NULL) {
		log_start(srv.rawport);
		fprintf(srv.log, "%s %s%s%s\n", method, path, query ? "?" : "",
		    query ? query : "");
		fflush(srv.log);
	}
	raw_answer(r, path, query);
	free(line);
	free(method);
	free(path);
	free(query);
	/* Nothing to send and nothing coming: close now. */
	if (r->then == THEN_CLOSE &&
	    evbuffer_get_length(bufferevent_get_output(r->bev)) == 0)
		raw_free(r);
}

static void
raw_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct raw *r = xcalloc(1, sizeof *r);
	int one = 1;

	LIST_INSERT_HEAD(&raws, r, link);
	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if ((r->bev = bufferevent_socket_new(srv.base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		abort();
	bufferevent_setcb(r->bev, raw_read, raw_written, raw_event, r);
	bufferevent_enable(r->bev, EV_READ | EV_WRITE);
}

/*
 * A port on which connecting hangs: it listens with a backlog of 0 and one
 * connection of our own, never accepted, fills it, so the kernel drops
 * every SYN that follows.
 */
static int
hole_open(void)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((srv.hole_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(srv.hole_fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(srv.hole_fd, 0) == -1 ||
	    getsockname(srv.hole_fd, (struct sockaddr *)&sin, &slen) == -1)
		err(1, "hanging port");
	if ((srv.hole_filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) == -1 ||
	    connect(srv.hole_filler, (struct sockaddr *)&sin, sizeof sin) == -1)
		err(1, "hanging port: filling its backlog");
	return ntohs(sin.sin_port);
}

/*
 * Out of descriptors, accept() keeps failing on the same pending
 * connection: pause accepting briefly instead of spinning.
 */
static void
accept_error(struct evconnlistener *l, void *arg)
{
	static const struct timeval pause = { 0, 100000 };
	int e = EVUTIL_SOCKET_ERROR();

	(void)arg;
	warnx("accept: %s", evutil_socket_error_to_string(e));
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		evconnlistener_disable(l);
		evtimer_add(srv.accept_retry, &pause);
	}
}

static void
accept_resume(evutil_socket_t fd, short what, void *arg)
{
	size_t i;

	(void)fd;
	(void)what;
	(void)arg;
	for (i = 0; i < srv.nports; i++)
		evconnlistener_enable(srv.ports[i].listener);
	evconnlistener_enable(srv.raw_listener);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	event_base_loopbreak(srv.base);
}

/* The benchmark opens thousands of connections at once. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		warn("setrlimit RLIMIT_NOFILE");
}

/* Written under a temporary name and renamed so readers never see half. */
static void
write_port_file(const char *path, int holeport)
{
	char tmp[4096];
	FILE *f;
	size_t i;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path,
	    (long)getpid()) >= sizeof tmp)
		errx(1, "%s: name too long", path);
	if ((f = fopen(tmp, "w")) == NULL)
		err(1, "%s", tmp);
	fprintf(f, "%d\n%d\n%d\n", srv.ports[0].num, srv.rawport, holeport);
	for (i = 1; i < srv.nports; i++)
		fprintf(f, "SITE %s %d\n", srv.ports[i].name, srv.ports[i].num);
	if (fclose(f) == EOF)
		err(1, "%s", tmp);
	if (rename(tmp, path) == -1)
		err(1, "rename %s", path);
}

static void
init_blocks(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t i;

	memset(a_block, 'a', sizeof a_block);
	for (i = 0; i < sizeof rand_block; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		rand_block[i] = (unsigned char)((x * 0x2545f4914f6cdd1dULL) >> 56);
	}
	bomb_init();
}

/*
 * An evhttp port on 127.0.0.1:num (0: any free one) whose requests go to
 * request_cb with pt; its own listener, for a backlog larger than the 128
 * of evhttp_bind_socket() (the kernel still caps it at somaxconn).
 */
static void
port_listen(struct port *pt, uint64_t num, int backlog)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof sin;

	if ((pt->http = evhttp_new(srv.base)) == NULL)
		errx(1, "evhttp_new failed");
	evhttp_set_default_content_type(pt->http, NULL);
	evhttp_set_allowed_methods(pt->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(pt->http, request_cb, pt);
	evhttp_set_bevcb(pt->http, new_conn, pt);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)num);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pt->listener = evconnlistener_new_bind(srv.base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    backlog, (struct sockaddr *)&sin, sizeof sin);
	if (pt->listener == NULL)
		err(1, "bind 127.0.0.1:%" PRIu64, num);
	if (evhttp_bind_listener(pt->http, pt->listener) == NULL)
		errx(1, "evhttp_bind_listener failed");
	evconnlistener_set_error_cb(pt->listener, accept_error);
	if (getsockname(evconnlistener_get_fd(pt->listener),
	    (struct sockaddr *)&sin, &slen) == -1)
		err(1, "getsockname");
	pt->num = ntohs(sin.sin_port);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The ports array: the main port's entry, then one for each subdirectory
 * of sitedir (if any), sorted by name, with its directory open.  Sized
 * once: request callbacks hold pointers into it.
 */
static void
ports_alloc(const char *sitedir)
{
	struct dirent *de;
	struct stat st;
	char **names = NULL;
	size_t n = 0, i;
	int dfd;
	DIR *d;

	if (sitedir != NULL) {
		if ((d = opendir(sitedir)) == NULL)
			err(1, "%s", sitedir);
		while ((errno = 0, de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (fstatat(dirfd(d), de->d_name, &st, 0) == -1)
				err(1, "%s/%s", sitedir, de->d_name);
			if (!S_ISDIR(st.st_mode))
				continue;
			if (strspn(de->d_name, SITE_CHARS) !=
			    strlen(de->d_name))
				errx(1, "%s/%s: a site's name is [a-z0-9_]+",
				    sitedir, de->d_name);
			if ((names = realloc(names, (n + 1) *
			    sizeof *names)) == NULL ||
			    (names[n++] = strdup(de->d_name)) == NULL)
				abort();
		}
		if (errno != 0)
			err(1, "%s", sitedir);
		qsort(names, n, sizeof *names, name_cmp);
		closedir(d);
	}
	srv.nports = 1 + n;
	srv.ports = xcalloc(srv.nports, sizeof *srv.ports);
	srv.ports[0].dirfd = -1;
	for (i = 0; i < n; i++) {
		srv.ports[1 + i].name = names[i];
		if ((dfd = open(sitedir, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1 ||
		    (srv.ports[1 + i].dirfd = openat(dfd, names[i], O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC)) == -1)
			err(1, "%s/%s", sitedir, names[i]);
		close(dfd);
	}
	free(names);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: httpd [--port N] [--port-file FILE] "
	    "[--root DIR] [--log FILE] [--sites DIR]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "log", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "port-file", required_argument, NULL, 'P' },
		{ "root", required_argument, NULL, 'r' },
		{ "sites", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *portfile = NULL, *root = NULL, *logpath = NULL;
	const char *sitedir = NULL;
	struct event *sigterm, *sigint;
	struct sockaddr_in rawsin;
	socklen_t slen;
	struct bomb *b;
	uint64_t port = 0;
	size_t i;
	int ch, holeport;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			logpath = optarg;
			break;
		case 'p':
			if (parse_u64(optarg, 65535, &port) == -1)
				errx(2, "bad port: %s", optarg);
			break;
		case 'P':
			portfile = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 's':
			sitedir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	/* A client that hangs up mid-write must not kill the server. */
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	if (root != NULL &&
	    (srv.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		err(1, "%s", root);
	if (logpath != NULL && (srv.log = fopen(logpath, "a")) == NULL)
		err(1, "%s", logpath);
	init_blocks();

	if ((srv.base = event_base_new()) == NULL)
		errx(1, "event_base_new failed");
	if ((srv.accept_retry = evtimer_new(srv.base, accept_resume,
	    NULL)) == NULL)
		errx(1, "evtimer_new failed");
	ports_alloc(sitedir);
	port_listen(&srv.ports[0], port, 4096);
	for (i = 1; i < srv.nports; i++)
		port_listen(&srv.ports[i], 0, 1024);

	/* The raw listener, on any free port of 127.0.0.1. */
	memset(&rawsin, 0, sizeof rawsin);
	rawsin.sin_family = AF_INET;
	rawsin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv.raw_listener = evconnlistener_new_bind(srv.base, raw_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    1024, (struct sockaddr *)&rawsin, sizeof rawsin);
	slen = sizeof rawsin;
	if (srv.raw_listener == NULL ||
	    getsockname(evconnlistener_get_fd(srv.raw_listener),
	    (struct sockaddr *)&rawsin, &slen) == -1)
		err(1, "raw listener");
	srv.rawport = ntohs(rawsin.sin_port);
	evconnlistener_set_error_cb(srv.raw_listener, accept_error);
	holeport = hole_open();

	sigterm = evsignal_new(srv.base, SIGTERM, on_signal, NULL);
	sigint = evsignal_new(srv.base, SIGINT, on_signal, NULL);
	if (sigterm == NULL || sigint == NULL ||
	    evsignal_add(sigterm, NULL) == -1 || evsignal_add(sigint, NULL) == -1)
		errx(1, "cannot catch signals");

	if (portfile != NULL)
		write_port_file(portfile, holeport);
	printf("listening on 127.0.0.1:%d (raw %d, hanging %d)\n",
	    srv.ports[0].num, srv.rawport, holeport);
	for (i = 1; i < srv.nports; i++)
		printf("site %s on 127.0.0.1:%d\n", srv.ports[i].name,
		    srv.ports[i].num);
	fflush(stdout);

	event_base_dispatch(srv.base);

	/* Freeing the server closes every connection, ending any pending. */
	for (i = 0; i < srv.nports; i++) {
		evhttp_free(srv.ports[i].http);
		if (srv.ports[i].dirfd != -1)
			close(srv.ports[i].dirfd);
		free(srv.ports[i].name);
	}
	free(srv.ports);
	evconnlistener_free(srv.raw_listener);
	while (!LIST_EMPTY(&raws))
		raw_free(LIST_FIRST(&raws));
	close(srv.hole_filler);
	close(srv.hole_fd);
	event_free(srv.accept_retry);
	event_free(sigterm);
	event_free(sigint);
	event_base_free(srv.base);
	libevent_global_shutdown();
	while ((b = bombs) != NULL) {
		bombs = b->next;
		bomb_free(b);
	}
	free(bomb_block);
	if (srv.log != NULL)
		fclose(srv.log);
	if (srv.rootfd != -1)
		close(srv.rootfd);
	return 0;
}
