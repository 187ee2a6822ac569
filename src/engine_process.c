/*
 * The process engine: --jobs worker processes, each pscrape-worker (or
 * this same program, worker.h) executed afresh (libcurl is not fork-safe
 * once initialised, and exec leaves nothing of the parent behind), each
 * talking to the parent over
 * its own socketpair in the framed messages of proto.h (the tmux proc.c
 * model).
 *
 * The parent reads the input and multiplexes the workers with poll(2). A
 * worker holds at most one job: it is either idle, waiting for a JOB, or
 * busy until it sends the RESULT. The parent writes only to idle workers,
 * so neither side can block the other, and it reads the next URL only when
 * a worker is free to take it (back-pressure, no buffering of the input).
 * The parent keeps each outstanding job and rebuilds the record from it
 * and the fields the worker sends back.
 *
 * A worker that dies (crash, SIGKILL, OOM killer) shows as end of file on
 * its socket. It is reaped and replaced while work remains, and the job it
 * held goes back to the scheduler, which decides (sched_lost()) whether it
 * is given once more, to whichever worker is free first; if that one dies
 * too, the record says so ("worker 3 died (signal 9)"): a page that kills
 * workers cannot kill them all. Workers that die before they say HELLO
 * mean the program cannot start at all; a few in a row and no more are
 * started. With no worker left, the serial engine fetches the rest of the
 * input in this process, except the jobs that already killed a worker,
 * which fail.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "budget.h"
#include "engine.h"
#include "fetch.h"
#include "proto.h"
#include "savetext.h"
#include "scheduler.h"
#include "sink.h"
#include "stop.h"
#include "urllist.h"
#include "worker.h"
#include "xmalloc.h"

/* Deaths before HELLO in a row after which no more workers are started. */
#define MAX_FAILED_STARTS	3

extern char **environ;

/* A job taken from the scheduler and not yet given to a worker. */
struct pending {
	struct job	*job;
	uint64_t	 origin;	/* origin_hash() of its URL */
};

struct worker {
	int		 slot;		/* messages call it slot + 1 */
	pid_t		 pid;		/* 0: no process to reap in this slot */
	int		 fd;		/* -1: none, or retired */
	bool		 ready;		/* said HELLO: may be given jobs */
	struct job	*held;		/* the job it holds, or NULL */
	struct origins	 went;		/* where its connections are */
	struct proto_in	 in;
	struct textbuf	 text;		/* TEXT pieces of the job held */
};

struct pengine {
	struct run	*run;
	struct worker	*w;
	struct pollfd	*pfd;		/* pfd[i] watches w[i].fd */
	int		 nw;
	int		 nstarted;	/* slots started at least once */
	int		 live;		/* workers with a socket open */
	int		 failed_starts;	/* deaths before HELLO, in a row */
	bool		 no_more;	/* stopped starting workers */
	bool		 stopping;	/* SIGINT or SIGTERM passed on */
	bool		 input_done;	/* the scheduler said SCHED_END */
	long		 wait_ms;	/* until the scheduler may have a job */
	char		**envp;		/* environ with our two (worker.h) */
	char		*exe;		/* the worker program */
	char		*program;	/* PROCESS_PROGRAM_ENV's entry */
	struct budget_hold *holds;	/* each slot's, shared; or NULL */
	struct pending	*pend;		/* jobs taken, not yet given out */
	size_t		 npend;
	size_t		 ahead;		/* how many more than idle workers */
	uint64_t	*claimed;	/* claim()'s: nw * ORIGINS_KEPT */
};

/*
 * Until the scheduler says SCHED_END (never while a worker holds a job)
 * and no job taken waits for a worker.
 */
static bool
work_remains(const struct pengine *pe)
{
	return !pe->input_done || pe->npend > 0;
}

/*
 * The scheduler's next job, or NULL: then pe->wait_ms says how long
 * poll(2) may sleep.
 */
static struct job *
next_job(struct pengine *pe)
{
	struct job *job;
	long ms;

	if (pe->input_done)
		return NULL;
	switch (sched_next(pe->run->sched, &job, &ms)) {
	case SCHED_JOB:
		return job;
	case SCHED_WAIT:
		if (ms >= 0 && (pe->wait_ms < 0 || ms < pe->wait_ms))
			pe->wait_ms = ms;
		break;
	case SCHED_END:
		pe->input_done = true;
		break;
	}
	return NULL;
}

/*
 * This program, as a path that executes it. Executing "/proc/self/exe"
 * itself would be simplest, but valgrind --trace-children takes that for
 * its own binary; the link's target is what valgrind reports, so use it,
 * unless the file was replaced since this process started (a rebuild):
 * then only the link leads to the program that is running, and to a
 * worker, ours is /proc/PID/exe.
 */
static char *
self_program(void)
{
	static const char deleted[] = " (deleted)";
	char path[4096];
	ssize_t n;

	n = readlink("/proc/self/exe", path, sizeof path - 1);
	if (n <= 0 || (size_t)n >= sizeof path - 1)
		return xasprintf("/proc/%ld/exe", (long)getpid());
	path[n] = '\0';
	if ((size_t)n > sizeof deleted - 1 &&
	    strcmp(path + n - (sizeof deleted - 1), deleted) == 0)
		return xasprintf("/proc/%ld/exe", (long)getpid());
	return xstrdup(path);
}

/*
 * The program the workers run (worker.h): pscrape-worker beside this
 * program (a build tree), else the installed one, else this program.
 */
static char *
worker_program(const char *self)
{
	const char *slash = strrchr(self, '/');
	char *path;

	if (strncmp(self, "/proc/", 6) != 0 && slash != NULL) {
		path = xasprintf("%.*s/pscrape-worker", (int)(slash - self),
		    self);
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	if (access(PKGLIBEXECDIR "/pscrape-worker", X_OK) == 0)
		return xstrdup(PKGLIBEXECDIR "/pscrape-worker");
	return xstrdup(self);
}

/*
 * PROCESS_WORKER_ENV's entry: "FD:SLOT", SLOT the worker's hold in the
 * budget (budget.h) mapped at BUDGET_FD, or -1. Written before each fork.
 */
static char worker_entry[64];

/*
 * The environment of every worker, built once before any fork: the
 * parent's, without any PSCRAPE_WORKER_ variable, and with ours: the
 * entry above, and program, PROCESS_PROGRAM_ENV's entry.
 */
static char **
worker_env(char *program)
{
	static const char prefix[] = "PSCRAPE_WORKER_";
	size_t n = 0, i, j = 0;
	char **envp;

	while (environ[n] != NULL)
		n++;
	envp = xcalloc(n + 3, sizeof *envp);
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], prefix, sizeof prefix - 1) != 0)
			envp[j++] = environ[i];
	envp[j++] = worker_entry;
	envp[j] = program;
	return envp;
}

/*
 * In the child between fork and exec: only async-signal-safe calls, since
 * an earlier engine of this run may have left a library thread behind.
 * The socket goes to its known number and every other descriptor is
 * closed (other workers' sockets, the output, the input lists); standard
 * input and output become /dev/null so that a worker can never touch the
 * records; standard error stays, for warnings. If exec fails the parent
 * is told why on the socket, so that it can say so once, not per worker.
 */
static void __attribute__((noreturn))
worker_exec(struct pengine *pe, int fd, pid_t parent)
{
	int null;

	/*
	 * Die with the parent: SIGKILLed, it closes our socket, but we would
	 * see that only when the transfer in hand ends. The setting outlives
	 * execve; a parent gone before it was made has left us to another.
	 */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (fd == WORKER_FD)
		fcntl(fd, F_SETFD, 0);
	else if (dup2(fd, WORKER_FD) == -1)
		_exit(127);
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	/* The budget's memfd is at 10 or above (budget.c), clear of these. */
	if (pe->holds != NULL && dup2(budget_fd(), BUDGET_FD) == -1)
		_exit(127);
	closefrom(pe->holds != NULL ? BUDGET_FD + 1 : WORKER_FD + 1);
	execve(pe->exe, pscrape_argv, pe->envp);
	proto_send_noexec(WORKER_FD, errno);
	_exit(127);
}

/* Start the worker of a slot; -1 (with a warning) if that fails. */
static int
worker_start(struct pengine *pe, struct worker *w)
{
	int sv[2], saved;
	pid_t pid, parent = getpid();
	sigset_t mask;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		warnx_("process engine: cannot start worker %d: socketpair:"
		    " %s", w->slot + 1, strerror(errno));
		return -1;
	}
	/*
	 * The worker is born with the stop signals blocked and keeps them
	 * so through exec until its handlers are in: one sent to it (by us
	 * in stop_workers, by a terminal to the group) waits, not lost.
	 */
	snprintf(worker_entry, sizeof worker_entry, "%s=%d:%d",
	    PROCESS_WORKER_ENV, WORKER_FD, pe->holds != NULL ? w->slot : -1);
	stop_block(&mask);
	pid = fork();
	saved = errno;
	if (pid == 0)
		worker_exec(pe, sv[1], parent);
	stop_restore(&mask);
	if (pid == -1) {
		close(sv[0]);
		close(sv[1]);
		warnx_("process engine: cannot start worker %d: fork: %s",
		    w->slot + 1, strerror(saved));
		return -1;
	}
	close(sv[1]);
	w->pid = pid;
	w->fd = sv[0];
	w->ready = false;
	pe->pfd[w->slot].fd = w->fd;
	pe->live++;
	return 0;
}

/* Whether starting a worker is worth it, and possible. */
static bool
may_start(const struct pengine *pe)
{
	/* After SIGINT or SIGTERM nothing new is started. */
	return !pe->no_more && stop_signal == 0 && work_remains(pe);
}

/*
 * Start a worker in the slot of one that died. Workers that keep dying
 * before they say HELLO mean the program cannot start: give up then.
 */
static void
worker_replace(struct pengine *pe, struct worker *w)
{
	if (!may_start(pe))
		return;
	if (pe->failed_starts >= MAX_FAILED_STARTS) {
		warnx_("process engine: %d workers in a row died before"
		    " starting; starting no more", pe->failed_starts);
		pe->no_more = true;
		return;
	}
	if (worker_start(pe, w) == -1)
		pe->no_more = true;
}

/*
 * Start the next of the first workers: one per turn of the main loop, so
 * that those already up are served while the others are still in exec
 * (200 execs take most of a second), and none once the work has run out.
 * The first failure ends it, since fork and socketpair fail for lasting
 * reasons (process or descriptor limits): carry on with the workers there
 * are. Slots never started are dropped (poll(2) would also refuse more
 * entries than the descriptor limit).
 */
static void
ramp_up(struct pengine *pe)
{
	if (pe->nstarted == pe->nw)
		return;
	if (may_start(pe) && pe->failed_starts < MAX_FAILED_STARTS) {
		if (worker_start(pe, &pe->w[pe->nstarted]) == 0) {
			pe->nstarted++;
			return;
		}
		pe->no_more = true;
		if (pe->nstarted > 0)
			warnx_("process engine: continuing with %d workers",
			    pe->nstarted);
	}
	pe->nw = pe->nstarted;
}

static char *
describe_exit(int status)
{
	if (WIFSIGNALED(status))
		return xasprintf("signal %d", WTERMSIG(status));
	if (WIFEXITED(status))
		return xasprintf("exit status %d", WEXITSTATUS(status));
	return xasprintf("wait status %#x", (unsigned)status);
}

/*
 * Wait for a worker that is ending, and count its own peak RSS in the run's
 * (the table's figure for the process engine is pscrape's and its
 * workers').
 */
static pid_t
worker_reap(struct pengine *pe, pid_t pid, int *status)
{
	struct rusage ru;
	pid_t got;

	while ((got = wait4(pid, status, 0, &ru)) == -1 && errno == EINTR)
		;
	if (got == pid)
		sink_child_rss(pe->run->sink, ru.ru_maxrss);
	return got;
}

/*
 * The jobs taken and not given out go back to the scheduler, the last
 * first: each goes to the head of its host's queue, so they keep their
 * order there.
 */
static void
giveback_pending(struct pengine *pe)
{
	while (pe->npend > 0)
		sched_giveback(pe->run->sched, pe->pend[--pe->npend].job);
}

/*
 * A worker is gone, or has broken the protocol (problem says how): make
 * sure it is dead, reap it, hand the job it held back to the scheduler
 * (sched_lost() decides whether it goes again), and replace it.
 */
static void
worker_lost(struct pengine *pe, struct worker *w, const char *problem)
{
	struct job *held = w->held;
	int status = 0, n = w->slot + 1;
	char *how, *why, *url;
	pid_t pid;
	bool again;

	close(w->fd);
	w->fd = -1;
	pe->pfd[w->slot].fd = -1;
	/*
	 * End of file means the worker is exiting, and a worker that breaks
	 * the protocol cannot be trusted to: either way SIGKILL bounds the
	 * wait below, and does not change the status of a process that is
	 * already on its way out.
	 */
	kill(w->pid, SIGKILL);
	pid = worker_reap(pe, w->pid, &status);
	how = pid == -1 ? xasprintf("cannot wait: %s", strerror(errno)) :
	    describe_exit(status);
	if (problem != NULL)
		why = xasprintf("worker %d %s", n, problem);
	else
		why = xasprintf("worker %d died (%s)", n, how);
	pe->live--;
	w->pid = 0;
	w->held = NULL;
	memset(&w->went, 0, sizeof w->went);	/* its connections are gone */
	/* What it held of --max-memory, and the token, if it had it. */
	if (pe->holds != NULL)
		budget_release(&pe->holds[w->slot]);
	proto_in_free(&w->in);
	free(w->text.data);
	memset(&w->text, 0, sizeof w->text);

	if (!w->ready) {
		/* The first of a run of failed starts is enough to explain. */
		if (pe->failed_starts++ == 0 && stop_signal == 0)
			warnx_("process engine: worker %d could not start: %s",
			    n, problem != NULL ? problem : how);
	} else if (held == NULL)
		warnx_("process engine: %s", why);
	if (held != NULL) {
		/*
		 * Those held for a choice of worker go back first, so that
		 * this one, in front of them, is the next of its host again.
		 */
		giveback_pending(pe);
		/* The job is the scheduler's again: name it from a copy. */
		url = xstrdup(held->given);
		again = sched_lost(pe->run->sched, held, why);
		if (w->ready)
			warnx_("process engine: %s while fetching %s%s", why,
			    url, again ? "; trying it again" : "");
		free(url);
	}
	free(why);
	free(how);
	worker_replace(pe, w);
}

/* The record of a finished job: the job as held, the fields as sent. */
static int
worker_result(struct pengine *pe, struct worker *w,
    const struct proto_msg *msg)
{
	struct result *r;
	uint64_t seq;
	char err[512];
	int saved;

	if (w->held == NULL)
		return -1;
	r = result_from_job(w->held);
	if (proto_get_result(msg, &seq, r, &w->text) == -1 || seq != r->seq) {
		/* Not a record for this job: it stays held. */
		w->held = result_take_job(r);
		return -1;
	}
	w->held = NULL;
	/* The worker saved the text; the run's index is the parent's. */
	if (r->text_file != NULL && (pe->run->save == NULL ||
	    savetext_list(pe->run->save, r->url, err, sizeof err) != 0)) {
		saved = pe->run->save == NULL ? 0 : errno;
		free(r->text_file);
		r->text_file = NULL;
		result_fail(r, "%s", pe->run->save == NULL ?
		    "worker saved text unasked" : err);
		if (savetext_dir_failed(saved))
			r->save_errno = saved;
	}
	/*
	 * Stopped for no signal (the output, the --frontier lost), the
	 * workers got the SIGTERM of stop_workers(): their records say why
	 * the run stopped, as the other engines' do, not "SIGTERM".
	 */
	if (pe->stopping && stop_signal < 0 && r->error != NULL) {
		size_t ns = strncmp(r->error, "not started: ", 13) == 0 ? 13 : 0;

		if (strcmp(r->error + ns, "interrupted by SIGTERM") == 0)
			result_fail(r, "%sinterrupted by %s",
			    ns ? "not started: " : "", stop_reason());
	}
	sched_done(pe->run->sched, r);
	return 0;
}

/*
 * A TEXT piece of the job held. The text of a page is at most about three
 * times its body (a byte of a one-byte charset, three in UTF-8): more is
 * a broken worker, not a page.
 */
static int
worker_text(struct pengine *pe, struct worker *w,
    const struct proto_msg *msg)
{
	if (w->held == NULL || proto_get_text(msg, &w->text) == -1)
		return -1;
	return w->text.len / 4 > pe->run->opt->max_size ? -1 : 0;
}

/* Read what a worker sent and act on every complete message. */
static void
worker_input(struct pengine *pe, struct worker *w)
{
	struct proto_msg msg;
	struct fetch_counts c;
	uint64_t costs[PROTO_COSTS_N];
	uint32_t version;
	char *problem;
	ssize_t n;
	int rc, errnum;

	n = proto_fill(w->fd, &w->in, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	while ((rc = proto_next(&w->in, &msg)) == 1) {
		switch (msg.type) {
		case PROTO_HELLO:
			if (w->ready || proto_get_hello(&msg, &version) == -1)
				goto broken;
			if (version != PROTO_VERSION) {
				worker_lost(pe, w, "speaks another protocol"
				    " version");
				return;
			}
			w->ready = true;
			pe->failed_starts = 0;
			break;
		case PROTO_NOEXEC:
			if (w->ready || proto_get_noexec(&msg, &errnum) == -1)
				goto broken;
			problem = xasprintf("cannot execute %s: %s", pe->exe,
			    strerror(errnum));
			worker_lost(pe, w, problem);
			free(problem);
			return;
		case PROTO_TEXT:
			if (worker_text(pe, w, &msg) == -1)
				goto broken;
			break;
		case PROTO_COSTS:
			if (proto_get_costs(&msg, costs) == -1)
				goto broken;
			c.connects = costs[0];
			c.handshakes = costs[1];
			c.resumed = costs[2];
			memcpy(c.http, costs + 3, sizeof c.http);
			fetch_counts_add(&c);
			break;
		case PROTO_RESULT:
			if (worker_result(pe, w, &msg) == -1)
				goto broken;
			break;
		default:
			goto broken;
		}
	}
	if (rc == -1)
		goto broken;
	/* End of file or a reset: whatever came before it is handled. */
	if (n <= 0)
		worker_lost(pe, w, NULL);
	return;

broken:
	worker_lost(pe, w, "sent a malformed message");
}

/*
 * Tell an idle worker to exit (end of file on its socket) as soon as no
 * work is left, so that the workers exit while the last pages are still
 * being fetched; it is reaped at the end.
 */
static void
worker_retire(struct pengine *pe, struct worker *w)
{
	close(w->fd);
	w->fd = -1;
	pe->pfd[w->slot].fd = -1;
	w->ready = false;
	pe->live--;
}

/* Pending jobs a worker looks at for one to an origin it knows. */
#define AFFINITY_SCAN	64

static bool
idle(const struct worker *w)
{
	return w->fd != -1 && w->ready && w->held == NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The pending job an idle worker is to take on pass 0: the one to the
 * origin it went to latest, of those it went to lately; 1 and 2: the
 * oldest to an origin not in pe->claimed (the first nclaimed, sorted);
 * 3: the oldest. -1: none.
 */
static ssize_t
choose(const struct pengine *pe, const struct worker *w, int pass,
    size_t nclaimed)
{
	size_t i, n = pe->npend < AFFINITY_SCAN ? pe->npend : AFFINITY_SCAN;
	ssize_t best = -1;
	int rank, bestrank = ORIGINS_KEPT;

	if (pass == 3)
		return pe->npend > 0 ? 0 : -1;
	for (i = 0; i < n; i++) {
		if (pass > 0) {
			if (bsearch(&pe->pend[i].origin, pe->claimed, nclaimed,
			    sizeof *pe->claimed, cmp_u64) == NULL)
				return (ssize_t)i;
		} else if ((rank = origins_rank(&w->went,
		    pe->pend[i].origin)) >= 0 && rank < bestrank) {
			best = (ssize_t)i;
			if ((bestrank = rank) == 0)
				break;
		}
	}
	return best;
}

/*
 * pe->claimed: the origins live workers went to lately (pass 1) or last
 * (pass 2), sorted; how many.
 */
static size_t
claim(struct pengine *pe, int pass)
{
	size_t n = 0;
	int i, j;

	for (i = 0; i < pe->nw; i++)
		for (j = 0; j < (pass == 1 ? ORIGINS_KEPT : 1); j++)
			if (pe->w[i].fd != -1 && pe->w[i].went.h[j] != 0)
				pe->claimed[n++] = pe->w[i].went.h[j];
	qsort(pe->claimed, n, sizeof *pe->claimed, cmp_u64);
	return n;
}

/* Give the pending job k to the idle worker w. */
static void
give(struct pengine *pe, struct worker *w, size_t k)
{
	struct pending p = pe->pend[k];

	memmove(pe->pend + k, pe->pend + k + 1,
	    (--pe->npend - k) * sizeof *pe->pend);
	w->held = p.job;
	origins_add(&w->went, p.origin);
	/*
	 * An idle worker reads its socket, so this write completes; it
	 * fails only if the worker died in between, and then the job goes
	 * back untried.
	 */
	if (proto_send_job(w->fd, w->held) == -1) {
		w->held = NULL;
		worker_lost(pe, w, NULL);
		giveback_pending(pe);	/* and this one in front of them */
		sched_giveback(pe->run->sched, p.job);
	}
}

/*
 * Give every idle worker a job, while there are jobs; retire the rest.
 *
 * A worker keeps its connections (doc/NOTES.md, "libcurl 7.88.1"), so a
 * job to an origin goes, when it can, to the worker that went there
 * lately: the pages of a host then share one connection and one TLS
 * handshake, where 8 workers taking them in turns opened about 4 a host
 * (810 for 200 hosts on bench/realweb). For that there must be a choice:
 * up to pe->ahead jobs more than there are idle workers are taken from
 * the scheduler and held here. A worker takes first a job to where it
 * went, then one to an origin no worker went to last (a host its worker
 * would reuse a connection to is left to it), and only then any: no
 * worker idles while a job waits.
 */
static void
dispatch(struct pengine *pe)
{
	struct job *job;
	size_t nidle = 0, nclaimed = 0;
	ssize_t k;
	int i, pass;

	for (i = 0; i < pe->nw; i++)
		if (idle(&pe->w[i]))
			nidle++;
	while (pe->npend < nidle + pe->ahead && (job = next_job(pe)) != NULL)
		pe->pend[pe->npend++] =
		    (struct pending){ job, origin_hash(job->url) };
	for (pass = 0; pass < 4 && nidle > 0 && pe->npend > 0; pass++) {
		if (pass == 1 || pass == 2)
			nclaimed = claim(pe, pass);
		for (i = 0; i < pe->nw && pe->npend > 0; i++) {
			if (!idle(&pe->w[i]) ||
			    (k = choose(pe, &pe->w[i], pass, nclaimed)) == -1)
				continue;
			give(pe, &pe->w[i], (size_t)k);
			nidle--;
		}
	}
	/* None ever: the idle workers retire. */
	if (!work_remains(pe))
		for (i = 0; i < pe->nw; i++)
			if (idle(&pe->w[i]))
				worker_retire(pe, &pe->w[i]);
}

static bool
busy(const struct pengine *pe)
{
	int i;

	for (i = 0; i < pe->nw; i++)
		if (pe->w[i].held != NULL)
			return true;
	return false;
}

/*
 * Pass SIGINT or SIGTERM on to the workers (a terminal's SIGINT reaches
 * them anyway, a SIGTERM to the parent does not): their transfers abort
 * and come back as records, like every engine's.
 */
static void
stop_workers(struct pengine *pe)
{
	int i;

	for (i = 0; i < pe->nw; i++)
		if (pe->w[i].fd != -1)
			kill(pe->w[i].pid, stop_signal > 0 ? stop_signal : SIGTERM);
	pe->stopping = true;
}

void
engine_process(struct run *run)
{
	struct pengine pe;
	struct worker *w;
	char *self;
	int i, n, timeout;

	memset(&pe, 0, sizeof pe);
	pe.run = run;
	/* The parent's end of each worker's socket, and one while spawning. */
	pe.nw = engine_fit_jobs(run, 2);
	pe.w = xcalloc((size_t)pe.nw, sizeof *pe.w);
	pe.pfd = xcalloc((size_t)pe.nw, sizeof *pe.pfd);
	self = self_program();
	pe.exe = worker_program(self);
	pe.program = xasprintf("%s=%lu:%s", PROCESS_PROGRAM_ENV,
	    worker_build(), self);
	free(self);
	pe.envp = worker_env(pe.program);
	pe.holds = budget_slots((size_t)pe.nw);
	/*
	 * Jobs held for a choice of worker are handed out by the scheduler
	 * before they start: with --rate or --host-rate, whose spacing is
	 * counted from then, none are.
	 */
	pe.ahead = run->opt->rate > 0 || run->opt->host_rate > 0 ? 0 :
	    (size_t)pe.nw * (size_t)(run->opt->per_host > 0 &&
	    run->opt->per_host < 4 ? run->opt->per_host : 4);
	pe.pend = xcalloc((size_t)pe.nw + pe.ahead, sizeof *pe.pend);
	pe.claimed = xcalloc((size_t)pe.nw * ORIGINS_KEPT, sizeof *pe.claimed);

	for (i = 0; i < pe.nw; i++) {
		w = &pe.w[i];
		w->slot = i;
		w->fd = -1;
		pe.pfd[i].fd = -1;
		pe.pfd[i].events = POLLIN;
	}

	for (;;) {
		if (stop_signal != 0 && !pe.stopping)
			stop_workers(&pe);
		/* After a stop, those not started are dropped with a record. */
		if (stop_signal != 0)
			giveback_pending(&pe);
		ramp_up(&pe);
		pe.wait_ms = -1;
		dispatch(&pe);
		if (!work_remains(&pe) && !busy(&pe))
			break;
		if (pe.live == 0) {
			giveback_pending(&pe);
			/* The serial engine fails the jobs that killed one. */
			if (stop_signal == 0)
				warnx_("process engine: no worker is running;"
				    " fetching the rest in this process, one"
				    " page at a time");
			engine_serial(run);
			break;
		}
		/*
		 * While workers remain to be started, only look; else sleep
		 * until a worker speaks or the scheduler may have a job. A
		 * stop is looked for a few times a second.
		 */
		timeout = pe.nstarted < pe.nw ? 0 : (int)pe.wait_ms;
		if (timeout < 0 || timeout > 200)
			timeout = 200;
		if ((n = poll(pe.pfd, (nfds_t)pe.nw, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			fatal(EXIT_FAILURE, "poll: %s", strerror(errno));
		}
		for (i = 0; i < pe.nw && n > 0; i++) {
			if (pe.pfd[i].revents == 0)
				continue;
			n--;
			if (pe.w[i].fd != -1)
				worker_input(&pe, &pe.w[i]);
		}
	}

	/* Those not retired yet are idle: end of file tells them to exit. */
	for (i = 0; i < pe.nw; i++)
		if (pe.w[i].fd != -1)
			close(pe.w[i].fd);
	for (i = 0; i < pe.nw; i++) {
		w = &pe.w[i];
		if (w->pid != 0)
			worker_reap(&pe, w->pid, NULL);
		proto_in_free(&w->in);
		free(w->text.data);
	}
	free(pe.pend);
	free(pe.claimed);
	free(pe.envp);
	free(pe.program);
	free(pe.exe);
	free(pe.pfd);
	free(pe.w);
}
