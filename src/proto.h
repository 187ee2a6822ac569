/*
 * The process engine's wire format: framed messages on a stream socket
 * between the parent and its workers (OpenBSD imsg, cut down). A message
 * is a fixed header, u32 type and u32 payload length, then the payload.
 * Both ends are the same binary on the same machine, so numbers travel in
 * host byte order.
 *
 * The catalogue; PROTO_VERSION changes whenever it does:
 *
 *	HELLO	worker -> parent, first: u32 version
 *	NOEXEC	child -> parent, instead of HELLO when it could not execute
 *		the program: u32 errno
 *	JOB	parent -> worker: u64 seq, str url, str given, u8 kind
 *		(enum job_kind), u8 want_links, str etag, str
 *		last_modified (--state: the validators to send)
 *	TEXT	worker -> parent, before the RESULT it belongs to: a piece
 *		of the page's text (--text; NULs and all), the whole
 *		payload, never empty; a text
 *		longer than PROTO_MAX_PAYLOAD comes in several, in order
 *	RESULT	worker -> parent: u64 seq, i64 status, u8 ok, u64 bytes,
 *		u64 chars, f64 time_ms, f64 ttfb_ms, str charset,
 *		str final_url, str content_type, str error, u8 transient,
 *		i64 retry_after, str etag, str last_modified (of the
 *		response), u8 hashed, u64 content_hash, u8 not_modified,
 *		u32 nlinks, str links[nlinks], u64
 *		links_cut, bytes body
 *		(robots.txt jobs only; a bytes is a u32 length and the
 *		bytes, 0xffffffff for none), str text_file, u32
 *		save_errno (0: none), u8 text (1: the
 *		TEXT pieces since the last RESULT, none for "", are the
 *		text; 0: there is no text, and there were no pieces)
 *	COSTS	worker -> parent, before a RESULT, when its transfer cost
 *		something: u64 connects, u64 handshakes, u64 resumed, u64
 *		responses by HTTP version (1.0, 1.1, 2, 3): PROTO_COSTS_N
 *		u64, what the worker's transfers cost since the last COSTS
 *
 * A str is a u32 length and that many bytes, without a NUL; the length
 * 0xffffffff stands for NULL, which is not the same as "".
 */
#ifndef PSCRAPE_PROTO_H
#define PSCRAPE_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "result.h"

#define PROTO_VERSION		7
#define PROTO_HEADER		8		/* u32 type, u32 length */
#define PROTO_MAX_PAYLOAD	(1024 * 1024)	/* more: a broken peer */

enum proto_type {
	PROTO_HELLO = 1,
	PROTO_JOB,
	PROTO_RESULT,
	PROTO_NOEXEC,
	PROTO_TEXT,
	PROTO_COSTS,
};
#define PROTO_COSTS_N		7

/* Bytes received and not yet taken as messages. Zero it to start. */
struct proto_in {
	char		*data;
	size_t		 off;		/* start of the first message */
	size_t		 len;		/* end of the data */
	size_t		 cap;
};

/* One complete message; payload points into the proto_in. */
struct proto_msg {
	uint32_t	 type;
	const char	*payload;
	size_t		 len;
};

/*
 * Send one whole message, blocking; 0, or -1 with errno set (EPIPE when
 * the peer is gone, without SIGPIPE). proto_send_result() sends the
 * record's text first, as TEXT messages.
 */
int	proto_send_hello(int fd);
int	proto_send_job(int fd, const struct job *);
int	proto_send_result(int fd, const struct result *);
int	proto_send_costs(int fd, const uint64_t costs[PROTO_COSTS_N]);
/* Async-signal-safe, for a child whose exec failed: no allocation. */
int	proto_send_noexec(int fd, int errnum);

/*
 * Read what has arrived (flags for recv: MSG_DONTWAIT or 0). Returns the
 * number of bytes read, 0 at end of file, -1 with errno on error.
 */
ssize_t	proto_fill(int fd, struct proto_in *, int flags);
/*
 * Take the next complete message: 1 with one in *msg (valid until the
 * next proto_fill), 0 when more bytes are needed, -1 when the header is
 * impossible.
 */
int	proto_next(struct proto_in *, struct proto_msg *);
/* Block until a whole message is in: 1, 0 at end of file, -1 on error. */
int	proto_recv(int fd, struct proto_in *, struct proto_msg *);
void	proto_in_free(struct proto_in *);

/*
 * Decode payloads; -1 when the payload is malformed. proto_get_job builds
 * a job without its "FILE:LINE" (the worker does not need it). The result
 * decoder fills the fields carried by RESULT straight into the caller's
 * record (made by result_from_job(), or zeroed), whose outcome fields must
 * be zero and whose other fields it leaves alone; on failure whatever it
 * allocated is freed and those fields are zero again. proto_get_text()
 * appends a TEXT piece to text; proto_get_result() then takes the text
 * from it (NULL: no pieces came) and leaves it empty.
 */
int		 proto_get_hello(const struct proto_msg *, uint32_t *version);
int		 proto_get_noexec(const struct proto_msg *, int *errnum);
int		 proto_get_costs(const struct proto_msg *,
		    uint64_t costs[PROTO_COSTS_N]);
struct job	*proto_get_job(const struct proto_msg *);
int		 proto_get_text(const struct proto_msg *, struct textbuf *text);
int		 proto_get_result(const struct proto_msg *, uint64_t *seq,
		    struct result *r, struct textbuf *text);

#endif
