/*
 * Framed messages between the process engine and its workers: encoding
 * and decoding the catalogue of proto.h, and moving whole messages over a
 * socket however the kernel splits them.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "charset.h"
#include "proto.h"
#include "xmalloc.h"

#define PROTO_NULL_STR	UINT32_MAX

/* A payload being decoded; bad sticks once anything does not fit. */
struct cursor {
	const char	*p;
	size_t		 left;
	bool		 bad;
};

static void
put_u32(struct textbuf *b, uint32_t v)
{
	buf_add(b, &v, sizeof v);
}

static void
put_u64(struct textbuf *b, uint64_t v)
{
	buf_add(b, &v, sizeof v);
}

static void
put_f64(struct textbuf *b, double v)
{
	buf_add(b, &v, sizeof v);
}

static void
put_str(struct textbuf *b, const char *s)
{
	size_t len;

	if (s == NULL) {
		put_u32(b, PROTO_NULL_STR);
		return;
	}
	/* Longer strings cannot reach here: the payload cap is far smaller. */
	len = strlen(s);
	put_u32(b, (uint32_t)len);
	buf_add(b, s, len);
}

/* Bytes that may hold NULs: a u32 length and the bytes; NULL is none. */
static void
put_bytes(struct textbuf *b, const char *p, size_t len)
{
	if (p == NULL) {
		put_u32(b, PROTO_NULL_STR);
		return;
	}
	put_u32(b, (uint32_t)len);
	buf_add(b, p, len);
}

/* Start a message: the header, its length filled in by send_msg. */
static void
begin_msg(struct textbuf *b, enum proto_type type)
{
	put_u32(b, type);
	put_u32(b, 0);
}

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Fill in the payload length, send the message, free the buffer. */
static int
send_msg(int fd, struct textbuf *b)
{
	uint32_t len = (uint32_t)(b->len - PROTO_HEADER);
	int rc, saved;

	if (b->len - PROTO_HEADER > PROTO_MAX_PAYLOAD) {
		free(b->data);
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(b->data + sizeof(uint32_t), &len, sizeof len);
	rc = send_all(fd, b->data, b->len);
	saved = errno;
	free(b->data);
	errno = saved;
	return rc;
}

int
proto_send_hello(int fd)
{
	struct textbuf b = { NULL, 0, 0 };

	begin_msg(&b, PROTO_HELLO);
	put_u32(&b, PROTO_VERSION);
	return send_msg(fd, &b);
}

int
proto_send_job(int fd, const struct job *job)
{
	struct textbuf b = { NULL, 0, 0 };

	begin_msg(&b, PROTO_JOB);
	put_u64(&b, job->seq);
	put_str(&b, job->url);
	put_str(&b, job->given);
	buf_addc(&b, (char)job->kind);
	buf_addc(&b, job->want_links ? 1 : 0);
	put_str(&b, job->etag);
	put_str(&b, job->last_modified);
	return send_msg(fd, &b);
}

int
proto_send_costs(int fd, const uint64_t costs[PROTO_COSTS_N])
{
	struct textbuf b = { NULL, 0, 0 };
	int i;

	begin_msg(&b, PROTO_COSTS);
	for (i = 0; i < PROTO_COSTS_N; i++)
		put_u64(&b, costs[i]);
	return send_msg(fd, &b);
}

/* The text, in pieces that each fit in a message. */
static int
send_text(int fd, const char *text, size_t len)
{
	struct textbuf b;
	size_t n;

	for (; len > 0; text += n, len -= n) {
		n = len < PROTO_MAX_PAYLOAD ? len : PROTO_MAX_PAYLOAD;
		memset(&b, 0, sizeof b);
		begin_msg(&b, PROTO_TEXT);
		buf_add(&b, text, n);
		if (send_msg(fd, &b) == -1)
			return -1;
	}
	return 0;
}

int
proto_send_result(int fd, const struct result *r)
{
	struct textbuf b = { NULL, 0, 0 };
	size_t i, len, start;
	uint32_t n;

	if (r->text != NULL && send_text(fd, r->text, r->text_len) == -1)
		return -1;
	begin_msg(&b, PROTO_RESULT);
	put_u64(&b, r->seq);
	put_u64(&b, (uint64_t)(int64_t)r->status);
	buf_addc(&b, r->ok ? 1 : 0);
	put_u64(&b, r->bytes);
	put_u64(&b, r->chars);
	put_f64(&b, r->time_ms);
	put_f64(&b, r->ttfb_ms);
	put_str(&b, r->charset);
	put_str(&b, r->final_url);
	put_str(&b, r->content_type);
	put_str(&b, r->error);
	buf_addc(&b, r->transient ? 1 : 0);
	put_u64(&b, (uint64_t)(int64_t)r->retry_after);
	put_str(&b, r->etag);
	put_str(&b, r->last_modified);
	buf_addc(&b, r->hashed ? 1 : 0);
	put_u64(&b, r->content_hash);
	buf_addc(&b, r->not_modified ? 1 : 0);
	/* Links that would not fit in one message are left out. */
	start = b.len;
	put_u32(&b, 0);
	for (i = 0; i < r->nlinks; i++) {
		len = strlen(r->links[i]);
		if (b.len + 4 + len + 8 + 4 + r->body_len + PROTO_HEADER +
		    4 + (r->text_file ? strlen(r->text_file) : 0) + 4 + 1 >
		    PROTO_MAX_PAYLOAD)
			break;
		put_str(&b, r->links[i]);
	}
	n = (uint32_t)i;
	memcpy(b.data + start, &n, sizeof n);
	put_u64(&b, r->links_cut);
	put_bytes(&b, r->body, r->body_len);
	put_str(&b, r->text_file);
	put_u32(&b, (uint32_t)r->save_errno);
	buf_addc(&b, r->text != NULL ? 1 : 0);
	return send_msg(fd, &b);
}

int
proto_send_noexec(int fd, int errnum)
{
	uint32_t m[3] = { PROTO_NOEXEC, sizeof(uint32_t), (uint32_t)errnum };

	return send_all(fd, (const char *)m, sizeof m);
}

ssize_t
proto_fill(int fd, struct proto_in *in, int flags)
{
	ssize_t n;

	/* Drop the messages already taken, then make room for a read. */
	if (in->off > 0) {
		memmove(in->data, in->data + in->off, in->len - in->off);
		in->len -= in->off;
		in->off = 0;
	}
	if (in->cap - in->len < 4096) {
		in->cap = in->cap == 0 ? 16384 : in->cap * 2;
		in->data = xrealloc(in->data, in->cap);
	}
	do
		n = recv(fd, in->data + in->len, in->cap - in->len, flags);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		in->len += (size_t)n;
	return n;
}

int
proto_next(struct proto_in *in, struct proto_msg *msg)
{
	uint32_t type, len;

	if (in->len - in->off < PROTO_HEADER)
		return 0;
	memcpy(&type, in->data + in->off, sizeof type);
	memcpy(&len, in->data + in->off + sizeof type, sizeof len);
	if (len > PROTO_MAX_PAYLOAD)
		return -1;
	if (in->len - in->off < PROTO_HEADER + (size_t)len)
		return 0;
	msg->type = type;
	msg->payload = in->data + in->off + PROTO_HEADER;
	msg->len = len;
	in->off += PROTO_HEADER + (size_t)len;
	return 1;
}

int
proto_recv(int fd, struct proto_in *in, struct proto_msg *msg)
{
	ssize_t n;
	int rc;

	while ((rc = proto_next(in, msg)) == 0) {
		if ((n = proto_fill(fd, in, 0)) <= 0)
			return n == 0 ? 0 : -1;
	}
	if (rc == -1)
		errno = EPROTO;
	return rc;
}

void
proto_in_free(struct proto_in *in)
{
	free(in->data);
	memset(in, 0, sizeof *in);
}

static void
get(struct cursor *c, void *out, size_t n)
{
	if (c->bad || c->left < n) {
		c->bad = true;
		memset(out, 0, n);
		return;
	}
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
}

static uint32_t
get_u32(struct cursor *c)
{
	uint32_t v;

	get(c, &v, sizeof v);
	return v;
}

static uint64_t
get_u64(struct cursor *c)
{
	uint64_t v;

	get(c, &v, sizeof v);
	return v;
}

static double
get_f64(struct cursor *c)
{
	double v;

	get(c, &v, sizeof v);
	return v;
}

/* A string (malloc'd) or NULL; a string with a NUL inside is malformed. */
static char *
get_str(struct cursor *c)
{
	uint32_t len = get_u32(c);
	char *s;

	if (c->bad || len == PROTO_NULL_STR)
		return NULL;
	if (c->left < len || memchr(c->p, '\0', len) != NULL) {
		c->bad = true;
		return NULL;
	}
	s = xstrndup(c->p, len);
	c->p += len;
	c->left -= len;
	return s;
}

/* Bytes (malloc'd, NUL-terminated for convenience) or NULL. */
static char *
get_bytes(struct cursor *c, size_t *len)
{
	uint32_t n = get_u32(c);
	char *s;

	*len = 0;
	if (c->bad || n == PROTO_NULL_STR)
		return NULL;
	if (c->left < n) {
		c->bad = true;
		return NULL;
	}
	s = xmalloc((size_t)n + 1);
	memcpy(s, c->p, n);
	s[n] = '\0';
	c->p += n;
	c->left -= n;
	*len = n;
	return s;
}

int
proto_get_hello(const struct proto_msg *msg, uint32_t *version)
{
	struct cursor c = { msg->payload, msg->len, false };

	*version = get_u32(&c);
	return c.bad || c.left != 0 ? -1 : 0;
}

int
proto_get_noexec(const struct proto_msg *msg, int *errnum)
{
	struct cursor c = { msg->payload, msg->len, false };

	*errnum = (int)get_u32(&c);
	return c.bad || c.left != 0 ? -1 : 0;
}

struct job *
proto_get_job(const struct proto_msg *msg)
{
	struct cursor c = { msg->payload, msg->len, false };
	uint64_t seq = get_u64(&c);
	char *url = get_str(&c), *given = get_str(&c);
	uint8_t kind = 0, links = 0;
	char *etag, *lm;
	struct job *job;

	get(&c, &kind, sizeof kind);
	get(&c, &links, sizeof links);
	etag = get_str(&c);
	lm = get_str(&c);
	if (c.bad || c.left != 0 || url == NULL || given == NULL ||
	    kind > JOB_ROBOTS || links > 1) {
		free(url);
		free(given);
		free(etag);
		free(lm);
		return NULL;
	}
	job = job_new(url, given, NULL, seq);
	job->kind = (enum job_kind)kind;
	job->want_links = links != 0;
	job->etag = etag;
	job->last_modified = lm;
	return job;
}

int
proto_get_text(const struct proto_msg *msg, struct textbuf *text)
{
	/* A piece is never empty; a NUL is text like any other byte. */
	if (msg->len == 0)
		return -1;
	buf_add(text, msg->payload, msg->len);
	return 0;
}

int
proto_get_costs(const struct proto_msg *msg, uint64_t costs[PROTO_COSTS_N])
{
	struct cursor c = { msg->payload, msg->len, false };
	int i;

	for (i = 0; i < PROTO_COSTS_N; i++)
		costs[i] = get_u64(&c);
	return c.bad || c.left != 0 ? -1 : 0;
}

int
proto_get_result(const struct proto_msg *msg, uint64_t *seq,
    struct result *r, struct textbuf *text)
{
	struct cursor c = { msg->payload, msg->len, false };
	uint8_t ok, transient = 0, has_text = 0, hashed = 0, nm = 0;
	char *charset;
	uint32_t n, i;

	*seq = get_u64(&c);
	r->status = (long)(int64_t)get_u64(&c);
	get(&c, &ok, sizeof ok);
	r->ok = ok != 0;
	r->bytes = get_u64(&c);
	r->chars = get_u64(&c);
	r->time_ms = get_f64(&c);
	r->ttfb_ms = get_f64(&c);
	/* The record holds a static name: map the one received back to it. */
	charset = get_str(&c);
	if (charset != NULL && (r->charset = charset_lookup(charset,
	    strlen(charset))) == NULL)
		c.bad = true;
	free(charset);
	r->final_url = get_str(&c);
	r->content_type = get_str(&c);
	r->error = get_str(&c);
	get(&c, &transient, sizeof transient);
	r->transient = transient != 0;
	r->retry_after = (long)(int64_t)get_u64(&c);
	r->etag = get_str(&c);
	r->last_modified = get_str(&c);
	get(&c, &hashed, sizeof hashed);
	r->hashed = hashed != 0;
	r->content_hash = get_u64(&c);
	get(&c, &nm, sizeof nm);
	r->not_modified = nm != 0;
	n = get_u32(&c);
	if (!c.bad && n > c.left / 4)
		c.bad = true;	/* more than could be there */
	if (!c.bad && n > 0) {
		r->links = xcalloc(n, sizeof *r->links);
		for (i = 0; i < n && !c.bad; i++)
			if ((r->links[i] = get_str(&c)) == NULL)
				c.bad = true;
			else
				r->nlinks++;
	}
	r->links_cut = get_u64(&c);
	r->body = get_bytes(&c, &r->body_len);
	r->text_file = get_str(&c);
	r->save_errno = (int)get_u32(&c);
	get(&c, &has_text, sizeof has_text);
	if (c.bad || c.left != 0 || ok > 1 || transient > 1 || has_text > 1 ||
	    hashed > 1 || nm > 1 ||
	    (has_text == 0 && text != NULL && text->len > 0)) {
		result_clear_outcome(r);
		return -1;
	}
	if (has_text) {
		r->text = text != NULL && text->data != NULL ? text->data :
		    xstrdup("");
		r->text_len = text != NULL ? text->len : 0;
		if (text != NULL)
			memset(text, 0, sizeof *text);
	}
	return 0;
}
