/*
 * The floor of workload L on this machine: the least any client can take
 * to make N requests, J at once, to the benchmark's nginx. No libcurl, no
 * parsing, no records: a raw HTTP/1.1 GET per request, on a connection of
 * its own, the response read to its Content-Length and thrown away. Two
 * ways, the two extremes of the engines:
 *
 *   epoll    one thread, non-blocking sockets, epoll (the async engine's
 *            model without libcurl and libevent)
 *   threads  a new thread per request, J alive at once, each doing blocking
 *            socket/connect/send/recv/close (the thread engine's model
 *            without libcurl), stacks of the thread engine's size
 *
 * If the floor at N = J = 10000 is far above the ideal (0.1 s), no engine
 * can get near the ideal on this machine either: the time goes to the
 * kernel's TCP work on both ends and to nginx, which share the same CPUs.
 *
 * usage: floor epoll|threads N J PORT PATH   (127.0.0.1 only)
 * prints one line: mode=M n=N j=J ok=K wall_s=S cpu_s=C
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define STACK	(256 * 1024)	/* ENGINE_THREAD_STACK */
#define RBUF	4096

static struct sockaddr_in addr;
static const char *path;
static int nreq, njobs;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
request(char *buf, size_t len, int i)
{
	return snprintf(buf, len, "GET %s%ci=%d HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n\r\n", path, strchr(path, '?') ? '&' : '?', i);
}

/*
 * Feed bytes of a response; true once it is complete (headers and
 * Content-Length bytes of body, or EOF for a response without one).
 */
struct resp {
	char	head[RBUF];
	size_t	hlen;
	long	body_left;	/* -1 until the headers are in */
};

static bool
resp_feed(struct resp *r, const char *p, size_t n)
{
	char *end, *cl;
	size_t take;

	if (r->body_left < 0) {
		take = n < sizeof r->head - 1 - r->hlen ? n :
		    sizeof r->head - 1 - r->hlen;
		memcpy(r->head + r->hlen, p, take);
		r->hlen += take;
		r->head[r->hlen] = '\0';
		if ((end = strstr(r->head, "\r\n\r\n")) == NULL)
			return false;
		cl = strcasestr(r->head, "\r\ncontent-length:");
		r->body_left = cl ? strtol(cl + 17, NULL, 10) : 0;
		r->body_left -= (long)(r->hlen - (size_t)(end + 4 - r->head));
		return r->body_left <= 0;
	}
	r->body_left -= (long)n;
	return r->body_left <= 0;
}

/* --- epoll ---------------------------------------------------------------- */

struct conn {
	int		fd;
	int		i;
	bool		sent;
	struct resp	r;
};

static int ep, started, done, ok;

static void
conn_start(struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLOUT };

	memset(c, 0, sizeof *c);
	c->r.body_left = -1;
	c->i = started++;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		perror("socket");
		exit(1);
	}
	if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 &&
	    errno != EINPROGRESS) {
		perror("connect");
		exit(1);
	}
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void
conn_end(struct conn *c, bool good)
{
	close(c->fd);
	done++;
	ok += good;
	if (started < nreq)
		conn_start(c);
	else
		c->fd = -1;
}

static void
run_epoll(void)
{
	struct epoll_event evs[256], ev;
	struct conn *conns = calloc((size_t)njobs, sizeof *conns);
	char buf[RBUF];
	int i, k, n;
	ssize_t got;

	ep = epoll_create1(0);
	for (i = 0; i < njobs && i < nreq; i++)
		conn_start(&conns[i]);
	while (done < nreq) {
		n = epoll_wait(ep, evs, 256, -1);
		for (k = 0; k < n; k++) {
			struct conn *c = evs[k].data.ptr;

			if (!c->sent) {
				int len = request(buf, sizeof buf, c->i);

				if (send(c->fd, buf, (size_t)len, 0) != len) {
					conn_end(c, false);
					continue;
				}
				c->sent = true;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				continue;
			}
			got = recv(c->fd, buf, sizeof buf, 0);
			if (got < 0 && errno == EAGAIN)
				continue;
			if (got <= 0)
				conn_end(c, false);
			else if (resp_feed(&c->r, buf, (size_t)got))
				conn_end(c, strncmp(c->r.head, "HTTP/1.1 200",
				    12) == 0);
		}
	}
	free(conns);
}

/* --- threads -------------------------------------------------------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot = PTHREAD_COND_INITIALIZER;
static int alive;

static void *
one(void *arg)
{
	int i = (int)(long)arg, fd, len;
	char buf[RBUF];
	struct resp r = { .body_left = -1 };
	bool good = false;
	ssize_t got;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
		len = request(buf, sizeof buf, i);
		if (send(fd, buf, (size_t)len, 0) == len) {
			while ((got = recv(fd, buf, sizeof buf, 0)) > 0)
				if (resp_feed(&r, buf, (size_t)got)) {
					good = strncmp(r.head, "HTTP/1.1 200",
					    12) == 0;
					break;
				}
		}
	}
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&lock);
	done++;
	ok += good;
	alive--;
	pthread_cond_signal(&slot);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void
run_threads(void)
{
	pthread_attr_t attr;
	pthread_t t;
	int i, err;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < nreq; i++) {
		pthread_mutex_lock(&lock);
		while (alive >= njobs)
			pthread_cond_wait(&slot, &lock);
		alive++;
		pthread_mutex_unlock(&lock);
		if ((err = pthread_create(&t, &attr, one, (void *)(long)i))) {
			fprintf(stderr, "pthread_create: %s\n", strerror(err));
			exit(1);
		}
	}
	pthread_mutex_lock(&lock);
	while (done < nreq)
		pthread_cond_wait(&slot, &lock);
	pthread_mutex_unlock(&lock);
	pthread_attr_destroy(&attr);
}

int
main(int argc, char **argv)
{
	struct rusage ru;
	struct rlimit rl;
	double t;

	if (argc != 6 || (nreq = atoi(argv[2])) < 1 ||
	    (njobs = atoi(argv[3])) < 1 || atoi(argv[4]) < 1) {
		fprintf(stderr, "usage: floor epoll|threads N J PORT PATH\n");
		return 2;
	}
	path = argv[5];
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)atoi(argv[4]));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	t = now();
	if (strcmp(argv[1], "epoll") == 0)
		run_epoll();
	else if (strcmp(argv[1], "threads") == 0)
		run_threads();
	else {
		fprintf(stderr, "floor: unknown mode %s\n", argv[1]);
		return 2;
	}
	t = now() - t;
	getrusage(RUSAGE_SELF, &ru);
	printf("mode=%s n=%d j=%d ok=%d wall_s=%.3f cpu_s=%.3f\n", argv[1],
	    nreq, njobs, ok, t, (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
	    + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	return ok == nreq ? 0 : 1;
}
