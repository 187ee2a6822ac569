/*
 * Unit tests for the process engine's wire format (proto.c): every message
 * survives the trip whole, NULL stays apart from "", and whatever does not
 * fit is refused rather than guessed at.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "charset.h"
#include "proto.h"
#include "robots.h"
#include "tap.h"
#include "xmalloc.h"

/* The next message from fd, blocking; its type, or -1. */
static int
recv_one(int fd, struct proto_in *in, struct proto_msg *msg)
{
	return proto_recv(fd, in, msg) == 1 ? (int)msg->type : -1;
}

/* Feed raw bytes to a fresh proto_in and try to take a message. */
static int
next_from(const void *bytes, size_t len, struct proto_msg *msg,
    struct proto_in *in)
{
	memset(in, 0, sizeof *in);
	in->data = xmalloc(len + 1);
	in->cap = len + 1;
	memcpy(in->data, bytes, len);
	in->len = len;
	return proto_next(in, msg);
}

/*
 * Send r from a child, as it is more than the socket holds (the sender
 * must wait for the reader), and take it here.
 */
static void
recv_forked(int sv[2], const struct result *r, struct proto_in *in,
    struct proto_msg *msg, const char *received, const char *sent)
{
	pid_t	pid;
	int	status;

	fflush(stdout);
	if ((pid = fork()) == 0)
		_exit(proto_send_result(sv[0], r) == 0 ? 0 : 1);
	is_int(recv_one(sv[1], in, msg), PROTO_RESULT, "%s", received);
	ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "%s", sent);
}

int
main(void)
{
	struct result r = {
		.seq = 42, .status = 301, .ok = true, .bytes = 1234,
		.chars = 567, .time_ms = 12.5, .ttfb_ms = 3.25,
		.charset = "shift_jis", .final_url = "http://h/final",
		.content_type = "", .error = NULL,
	};
	struct job job = {
		.url = "http://h/a?b=1", .given = "http://u:***@h/a?b=1",
		.input = "list:3", .seq = 7, .kind = JOB_ROBOTS,
		.want_links = true,
	};
	char *links[] = { "http://h/1", "http://h/2?x" };
	struct result got;
	struct proto_in in, raw;
	struct proto_msg msg;
	struct job *j;
	uint32_t version, hdr[2];
	uint64_t seq;
	struct textbuf text;
	char *big, *trunc;
	size_t i, textlen;
	int sv[2], errnum, pieces, type, status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return 1;
	memset(&in, 0, sizeof in);

	/* --- round trips */
	ok(proto_send_hello(sv[0]) == 0, "HELLO sent");
	is_int(recv_one(sv[1], &in, &msg), PROTO_HELLO, "HELLO received");
	ok(proto_get_hello(&msg, &version) == 0 && version == PROTO_VERSION,
	    "HELLO carries the protocol version");

	{
		const uint64_t sent[PROTO_COSTS_N] = { 1, 2, 1, 0, 3,
		    UINT64_MAX, 0 };
		uint64_t back[PROTO_COSTS_N];

		ok(proto_send_costs(sv[0], sent) == 0, "COSTS sent");
		is_int(recv_one(sv[1], &in, &msg), PROTO_COSTS,
		    "COSTS received");
		ok(proto_get_costs(&msg, back) == 0 &&
		    memcmp(back, sent, sizeof back) == 0,
		    "COSTS carries the 7 counts, 64 bits each");
		msg.len--;
		ok(proto_get_costs(&msg, back) == -1,
		    "a COSTS one byte short is malformed");
	}

	ok(proto_send_job(sv[0], &job) == 0, "JOB sent");
	is_int(recv_one(sv[1], &in, &msg), PROTO_JOB, "JOB received");
	j = proto_get_job(&msg);
	ok(j != NULL, "JOB decodes");
	if (j != NULL) {
		is_int(j->seq, 7, "JOB seq");
		is_str(j->url, job.url, "JOB url");
		is_str(j->given, job.given, "JOB given URL");
		ok(j->input == NULL, "JOB does not carry FILE:LINE");
		ok(j->kind == JOB_ROBOTS && j->want_links,
		    "JOB kind and want_links");
		ok(j->etag == NULL && j->last_modified == NULL,
		    "JOB without validators: none received");
		job_free(j);
	}
	/* --state: the validators to send. */
	job.etag = "W/\"5f-1a\"";
	job.last_modified = "Tue, 01 Dec 2026 10:00:00 GMT";
	ok(proto_send_job(sv[0], &job) == 0, "JOB with validators sent");
	recv_one(sv[1], &in, &msg);
	j = proto_get_job(&msg);
	ok(j != NULL, "JOB with validators decodes");
	if (j != NULL) {
		is_str(j->etag, job.etag, "JOB etag");
		is_str(j->last_modified, job.last_modified,
		    "JOB last_modified");
		job_free(j);
	}
	job.etag = job.last_modified = NULL;

	ok(proto_send_result(sv[0], &r) == 0, "RESULT sent");
	is_int(recv_one(sv[1], &in, &msg), PROTO_RESULT, "RESULT received");
	memset(&got, 0, sizeof got);
	ok(proto_get_result(&msg, &seq, &got, NULL) == 0, "RESULT decodes");
	is_int(seq, 42, "RESULT seq");
	is_int(got.status, 301, "status");
	ok(got.ok, "ok");
	is_int(got.bytes, 1234, "bytes");
	is_int(got.chars, 567, "chars");
	ok(got.time_ms == 12.5 && got.ttfb_ms == 3.25, "timings exact");
	is_str(got.charset, "shift_jis", "charset by name");
	ok(got.charset == charset_lookup("shift_jis", 9),
	    "charset mapped to the receiver's static name");
	is_str(got.final_url, "http://h/final", "final_url");
	ok(got.content_type != NULL && got.content_type[0] == '\0',
	    "an empty string stays empty");
	ok(got.error == NULL, "NULL stays NULL");
	ok(!got.transient && got.retry_after == 0 && got.nlinks == 0 &&
	    got.body == NULL, "no crawl fields: none received");
	ok(got.etag == NULL && got.last_modified == NULL && !got.hashed &&
	    got.content_hash == 0 && !got.not_modified,
	    "no --state fields: none received");
	free(got.final_url);
	free(got.content_type);

	/* --state: the response's validators, the hash, a 304. */
	r.etag = "\"abc\"";
	r.last_modified = "Wed, 02 Dec 2026 10:00:00 GMT";
	r.hashed = true;
	r.content_hash = UINT64_C(0xcbf29ce484222325);
	r.not_modified = true;
	ok(proto_send_result(sv[0], &r) == 0, "RESULT with --state fields sent");
	recv_one(sv[1], &in, &msg);
	memset(&got, 0, sizeof got);
	ok(proto_get_result(&msg, &seq, &got, NULL) == 0,
	    "RESULT with --state fields decodes");
	is_str(got.etag, r.etag, "etag");
	is_str(got.last_modified, r.last_modified, "last_modified");
	ok(got.hashed && got.content_hash == r.content_hash,
	    "content_hash, all 64 bits");
	ok(got.not_modified, "not_modified");
	free(got.etag);
	free(got.last_modified);
	free(got.final_url);
	free(got.content_type);
	r.etag = r.last_modified = NULL;
	r.hashed = r.not_modified = false;
	r.content_hash = 0;

	/* The crawl fields: retry hints, links and a robots.txt body. */
	r.transient = true;
	r.retry_after = 120;
	r.links = links;
	r.nlinks = 2;
	r.links_cut = 13975;
	r.body = "User-agent: *\0Disallow: /";
	r.body_len = 26;
	ok(proto_send_result(sv[0], &r) == 0, "RESULT with links sent");
	recv_one(sv[1], &in, &msg);
	memset(&got, 0, sizeof got);
	ok(proto_get_result(&msg, &seq, &got, NULL) == 0, "RESULT with links decodes");
	ok(got.transient && got.retry_after == 120, "transient, retry_after");
	is_int(got.nlinks, 2, "two links");
	is_int(got.links_cut, 13975, "links_cut");
	if (got.nlinks == 2) {
		is_str(got.links[0], "http://h/1", "first link");
		is_str(got.links[1], "http://h/2?x", "second link");
	}
	ok(got.body_len == 26 && got.body != NULL &&
	    memcmp(got.body, r.body, 26) == 0, "a body with a NUL survives");
	while (got.nlinks > 0)
		free(got.links[--got.nlinks]);
	free(got.links);
	free(got.body);
	free(got.final_url);
	free(got.content_type);
	r.transient = false;
	r.retry_after = 0;
	r.links = NULL;
	r.links_cut = 0;
	r.nlinks = 0;
	r.body = NULL;
	r.body_len = 0;

	/* Several messages in one read are taken one by one. */
	r.ok = false;
	r.status = -1;
	r.charset = NULL;
	r.error = "HTTP 404";
	proto_send_hello(sv[0]);
	proto_send_result(sv[0], &r);
	is_int(recv_one(sv[1], &in, &msg), PROTO_HELLO, "back to back: first");
	is_int(recv_one(sv[1], &in, &msg), PROTO_RESULT, "back to back: second");
	memset(&got, 0, sizeof got);
	ok(proto_get_result(&msg, &seq, &got, NULL) == 0 && !got.ok &&
	    got.status == -1 && got.charset == NULL, "negative status, no charset");
	is_str(got.error, "HTTP 404", "error string");
	free(got.final_url);
	free(got.content_type);
	free(got.error);

	/* A message bigger than one read arrives whole. */
	big = xmalloc(300000);
	memset(big, 'x', 299999);
	big[299999] = '\0';
	r.error = big;
	recv_forked(sv, &r, &in, &msg, "a 300 KB RESULT is received",
	    "in several reads, sent whole");
	memset(&got, 0, sizeof got);
	ok(proto_get_result(&msg, &seq, &got, NULL) == 0 && got.error != NULL &&
	    strlen(got.error) == 299999, "whole");
	free(got.final_url);
	free(got.content_type);
	free(got.error);
	r.error = NULL;
	/* A robots.txt body as fetch passes it on: the limit and one byte. */
	memset(big, '#', 299999);
	r.body = xmalloc(ROBOTS_MAX_BYTES + 1);
	r.body_len = ROBOTS_MAX_BYTES + 1;
	memset(r.body, 'x', r.body_len);
	r.final_url = big;	/* a long URL beside it */
	recv_forked(sv, &r, &in, &msg, "a RESULT with a robots.txt body of"
	    " the limit + 1 byte is received", "... it fits in a message");
	memset(&got, 0, sizeof got);
	ok(proto_get_result(&msg, &seq, &got, NULL) == 0 &&
	    got.body_len == ROBOTS_MAX_BYTES + 1 && got.body != NULL &&
	    memcmp(got.body, r.body, got.body_len) == 0, "... whole");
	free(r.body);
	r.body = NULL;
	r.body_len = 0;
	r.final_url = "http://h/final";
	free(got.final_url);
	free(got.content_type);
	free(got.body);
	free(big);

	/* --text: a text over the payload cap comes in pieces, whole. */
	textlen = 2 * PROTO_MAX_PAYLOAD + 12345;
	big = xmalloc(textlen + 1);
	for (i = 0; i < textlen; i++)
		big[i] = "abc\xc3\xa9\n\0"[i % 7];
	big[textlen] = '\0';
	r.text = big;
	r.text_len = textlen;
	r.text_file = "dir/0123456789abcdef.txt";
	fflush(stdout);
	if ((pid = fork()) == 0)
		_exit(proto_send_result(sv[0], &r) == 0 ? 0 : 1);
	memset(&text, 0, sizeof text);
	for (pieces = 0; (type = recv_one(sv[1], &in, &msg)) == PROTO_TEXT;
	    pieces++)
		if (proto_get_text(&msg, &text) == -1)
			break;
	is_int(pieces, 3, "a text of 2 MiB + 12345 bytes: three TEXT pieces");
	is_int(type, PROTO_RESULT, "... then its RESULT");
	ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "... sent whole");
	memset(&got, 0, sizeof got);
	ok(proto_get_result(&msg, &seq, &got, &text) == 0, "... decodes");
	ok(got.text != NULL && got.text_len == textlen &&
	    memcmp(got.text, big, textlen) == 0 && got.text[textlen] == '\0',
	    "the text is the pieces in order, byte for byte, NULs too");
	ok(text.data == NULL && text.len == 0, "the record took the pieces");
	is_str(got.text_file, "dir/0123456789abcdef.txt", "text_file");
	result_clear_outcome(&got);
	free(big);

	r.text = "";
	r.text_len = 0;
	r.text_file = NULL;
	proto_send_result(sv[0], &r);
	is_int(recv_one(sv[1], &in, &msg), PROTO_RESULT,
	    "an empty text sends no piece");
	memset(&got, 0, sizeof got);
	ok(proto_get_result(&msg, &seq, &got, &text) == 0 && got.text != NULL &&
	    got.text[0] == '\0' && got.text_file == NULL,
	    "... and decodes as \"\", text_file NULL");
	result_clear_outcome(&got);
	r.text = NULL;

	/* Pieces with no text in the RESULT, or a NUL in one: refused. */
	r.text = "stray";
	r.text_len = 5;
	proto_send_result(sv[0], &r);
	r.text = NULL;
	proto_send_result(sv[0], &r);
	recv_one(sv[1], &in, &msg);
	ok(proto_get_text(&msg, &text) == 0, "a TEXT piece");
	recv_one(sv[1], &in, &msg);
	ok(proto_get_result(&msg, &seq, &got, &text) == 0, "(its RESULT)");
	result_clear_outcome(&got);
	recv_one(sv[1], &in, &msg);
	buf_adds(&text, "stray");
	memset(&got, 0, sizeof got);
	ok(proto_get_result(&msg, &seq, &got, &text) == -1 && got.text == NULL,
	    "pieces before a RESULT without text are refused");
	free(text.data);
	memset(&text, 0, sizeof text);
	msg.len = 0;
	ok(proto_get_text(&msg, &text) == -1 && text.len == 0,
	    "an empty TEXT piece is refused");

	ok(proto_send_noexec(sv[0], ENOENT) == 0, "NOEXEC sent");
	is_int(recv_one(sv[1], &in, &msg), PROTO_NOEXEC, "NOEXEC received");
	ok(proto_get_noexec(&msg, &errnum) == 0 && errnum == ENOENT,
	    "NOEXEC carries errno");

	/* End of file. */
	close(sv[0]);
	is_int(proto_recv(sv[1], &in, &msg), 0, "end of file");
	close(sv[1]);
	proto_in_free(&in);

	/* --- refused */
	hdr[0] = PROTO_RESULT;
	hdr[1] = PROTO_MAX_PAYLOAD + 1;
	is_int(next_from(hdr, sizeof hdr, &msg, &raw), -1,
	    "a header announcing too much is refused");
	proto_in_free(&raw);
	hdr[1] = 10;
	is_int(next_from(hdr, sizeof hdr, &msg, &raw), 0,
	    "a partial message waits for more");
	proto_in_free(&raw);

	/* A RESULT cut short, or with bytes to spare, does not decode. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return 1;
	memset(&in, 0, sizeof in);
	r.error = "e";
	r.charset = "utf-8";
	proto_send_result(sv[0], &r);
	recv_one(sv[1], &in, &msg);
	trunc = xmalloc(msg.len);
	memcpy(trunc, msg.payload, msg.len);
	msg.payload = trunc;
	msg.len--;
	memset(&got, 0, sizeof got);
	ok(proto_get_result(&msg, &seq, &got, NULL) == -1 && got.final_url == NULL &&
	    got.error == NULL, "a truncated RESULT is refused, nothing kept");
	msg.len++;
	ok(proto_get_result(&msg, &seq, &got, NULL) == 0, "(the whole one decodes)");
	free(got.final_url);
	free(got.content_type);
	free(got.error);
	/* The charset is the first string: its length follows 49 bytes. */
	memcpy(trunc + 49, "\x05\0\0\0" "bogus", 9);
	memset(&got, 0, sizeof got);
	ok(proto_get_result(&msg, &seq, &got, NULL) == -1,
	    "an unknown charset name is refused");
	free(trunc);

	proto_send_job(sv[0], &job);
	recv_one(sv[1], &in, &msg);
	trunc = xmalloc(msg.len + 1);
	memcpy(trunc, msg.payload, msg.len);
	trunc[msg.len] = 'z';
	msg.payload = trunc;
	msg.len++;
	ok(proto_get_job(&msg) == NULL, "a JOB with trailing bytes is refused");
	/* The url's first byte (after seq and its length) made a NUL. */
	msg.len--;
	trunc[12] = '\0';
	ok(proto_get_job(&msg) == NULL, "a string with a NUL inside is refused");
	free(trunc);
	proto_in_free(&in);
	close(sv[0]);
	close(sv[1]);

	return done_testing();
}
