/*
 * The async engine: libcurl multi handles driven by libevent loops through
 * CURLMOPT_SOCKETFUNCTION and CURLMOPT_TIMERFUNCTION (the model of curl's
 * docs/examples/hiperfifo.c). At most --jobs transfers are in use at once;
 * new ones are added from the streamed input as others finish.
 *
 * Where the time goes with thousands of transfers (measured, see
 * bench/results): curl 7.88 walks a multi's whole connection cache to find
 * a connection for each new transfer, and opening a thousand connections
 * from one timer call keeps the loop from sending the first requests until
 * the last socket is open. So:
 *   - one event loop per CPU (up to one per LOOP_MIN_JOBS jobs), each in its
 *     own thread with its share of the jobs, so that opening connections
 *     and reading answers runs on every core;
 *   - each loop splits its transfers over multi handles of at most
 *     MULTI_MAX_JOBS, which keeps the connection-cache walks short;
 *   - at most ADD_BATCH transfers are added per pass of a loop, so that its
 *     sockets are serviced between batches.
 *
 * Parsing is CPU work: a small page (most of a slow site's answers) is
 * parsed on its loop, where handing it over would cost more than parsing
 * it; a bigger one goes to a small pool of parse threads, one per CPU.
 * A transfer's slot is given back only when its page has been parsed, so
 * memory stays bounded by --jobs bodies however far parsing falls behind.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/thread.h>

#include "budget.h"
#include "engine.h"
#include "extract.h"
#include "fetch.h"
#include "scheduler.h"
#include "stop.h"
#include "xmalloc.h"

#define LOOP_MIN_JOBS	64	/* fewer jobs than this per loop: fewer loops */
#define MULTI_MAX_JOBS	256	/* transfers per multi handle */
#define ADD_BATCH	32	/* new transfers per pass of a loop */
#define PARSE_HERE_MAX	(16 * 1024) /* bodies up to this are parsed on the loop */
#define IDLE_LOOK_MS	100	/* an idle loop asks the scheduler this often */

/* A finished page waiting for a parse thread. */
struct parsed {
	struct loop	*lp;		/* whose slot it holds */
	struct result	*r;
	char		*body;
	size_t		 len;
	struct budget_hold hold;	/* its body's share of --max-memory */
	struct parsed	*next;
};

/* One multi handle of a loop. */
struct cmulti {
	struct loop	*lp;
	CURLM		*multi;
	struct event	*timer;
	int		 cap;		/* transfers it may hold */
	int		 in_use;
	bool		 fresh;		/* transfers added, not started yet */
};

/* One event loop, run by one thread, with its share of the jobs. */
struct loop {
	struct aengine		*ae;
	struct event_base	*base;
	struct cmulti		*cm;
	int			 ncm;
	struct event		*wake;		/* a parse thread gave slots back */
	struct event		*watch;		/* looks for a stop request */
	struct event		*later;		/* the scheduler's next start */
	struct event		*unpause;	/* lets paused transfers go on */
	struct fetch		**paused;	/* bodies waiting for --max-memory */
	int			 npaused;
	atomic_bool		 starved;	/* idle, waiting for the scheduler */
	pthread_t		 thread;

	struct fetch		**idle;		/* fetches ready for reuse */
	int			 nidle;
	int			 slots;		/* its share of --jobs */
	int			 in_use;	/* transfers + pages being parsed */
	int			 budget;	/* transfers it may add this pass */
	bool			 want_more;	/* the budget ran out */
	bool			 input_done;
	bool			 no_job;	/* the scheduler had none last time */
	bool			 draining;	/* see loop_drain() */

	/* Under the engine's lock. */
	int			 returned;	/* slots freed by parse threads */
	bool			 wake_pending;	/* wake is active already */
};

struct aengine {
	struct run		*run;
	struct loop		*loops;
	int			 nloops;
	int			 nparse;	/* parse threads; 0: parse on the loops */
	struct fetch_share	*share;		/* DNS, TLS sessions: every loop's */

	pthread_mutex_t		 lock;		/* guards the fields below */
	pthread_cond_t		 work;
	pthread_cond_t		 go;		/* the loops may start */
	struct parsed		*head, *tail;
	bool			 closing;
	bool			 started;
};

/* Per-socket state, attached to curl's socket with curl_multi_assign. */
struct sockinfo {
	struct cmulti	*cm;
	struct event	 ev;
	bool		 assigned;
};

static void	 add_transfers(struct loop *);
static void	 check_done(struct cmulti *);
static void	 parse_queue(struct aengine *, struct parsed *);
static void	 loop_free(struct loop *);

/*
 * A transfer of this loop is over, which may free what an idle loop waits
 * for (a host slot), or end the run: wake the idle ones.
 */
static void
poke_starved(struct loop *lp)
{
	struct aengine *ae = lp->ae;
	int i;

	for (i = 0; i < ae->nloops; i++)
		if (&ae->loops[i] != lp &&
		    atomic_exchange(&ae->loops[i].starved, false))
			event_active(ae->loops[i].later, EV_TIMEOUT, 0);
}

/*
 * The next job for this loop from the scheduler (which every loop shares),
 * or NULL: then lp->input_done says whether there will be no more, and if
 * not, the loop's timer is set for when the scheduler may have one. A loop
 * with nothing in flight also looks again soon: another loop's transfer
 * ending may free what it waits for.
 */
static struct job *
next_job(struct loop *lp)
{
	struct timeval tv;
	struct job *job;
	long ms;

	switch (sched_next(lp->ae->run->sched, &job, &ms)) {
	case SCHED_JOB:
		return job;
	case SCHED_END:
		lp->input_done = true;
		return NULL;
	case SCHED_WAIT:
		break;
	}
	/* Woken by poke_starved(), or after a while in any case. */
	if (lp->in_use == 0) {
		atomic_store(&lp->starved, true);
		if (ms < 0 || ms > IDLE_LOOK_MS)
			ms = IDLE_LOOK_MS;
	}
	if (ms >= 0) {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		evtimer_add(lp->later, &tv);
	}
	return NULL;
}

/* A loop takes back the slots of its pages (locked by the caller). */
static void
give_back(struct loop *lp, int n)
{
	lp->returned += n;
	if (!lp->wake_pending) {
		lp->wake_pending = true;
		event_active(lp->wake, 0, 0);
	}
}

static void *
parse_main(void *arg)
{
	struct aengine *ae = arg;
	struct parsed *p;

	for (;;) {
		pthread_mutex_lock(&ae->lock);
		while (ae->head == NULL && !ae->closing)
			pthread_cond_wait(&ae->work, &ae->lock);
		if ((p = ae->head) == NULL) {
			pthread_mutex_unlock(&ae->lock);
			return NULL;
		}
		if ((ae->head = p->next) == NULL)
			ae->tail = NULL;
		pthread_mutex_unlock(&ae->lock);

		/*
		 * --max-memory spent: this thread never waits (the page
		 * holding the overdraft token may be behind this one in the
		 * queue), the page goes to the back of the queue instead.
		 */
		if (!page_extract(p->r, p->body, p->len, ae->run->save,
		    ae->run->opt, &p->hold)) {
			nanosleep(&(struct timespec){ 0, 2 * 1000 * 1000 },
			    NULL);
			p->next = NULL;
			parse_queue(ae, p);
			continue;
		}
		budget_release(&p->hold);
		sched_done(ae->run->sched, p->r);
		poke_starved(p->lp);
		free(p->body);

		/* One wakeup for all the slots freed before the loop runs. */
		pthread_mutex_lock(&ae->lock);
		give_back(p->lp, 1);
		pthread_mutex_unlock(&ae->lock);
		free(p);
	}
}

/* The scheduler's wait is over: look for jobs (loop_run adds them). */
static void
on_later(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct loop *lp = arg;
	struct aengine *ae = lp->ae;
	int n;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&ae->lock);
	n = lp->returned;
	lp->returned = 0;
	lp->wake_pending = false;
	pthread_mutex_unlock(&ae->lock);
	lp->in_use -= n;
	add_transfers(lp);
}

/*
 * Let curl act on a socket (or its timeouts), then take what finished.
 * The transfers added in their place start at once, with a timeout action,
 * rather than when the timer fires after every other event of this pass:
 * on a slow site each is the next in its slot's chain of requests.
 */
static void
drive(struct cmulti *cm, curl_socket_t fd, int action)
{
	int running;

	curl_multi_socket_action(cm->multi, fd, action, &running);
	check_done(cm);
	if (cm->fresh) {
		cm->fresh = false;
		curl_multi_socket_action(cm->multi, CURL_SOCKET_TIMEOUT, 0,
		    &running);
		check_done(cm);
	}
}

static void
on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct sockinfo *si = arg;
	int action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	/* si may be freed inside this call (CURL_POLL_REMOVE). */
	drive(si->cm, fd, action);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	drive(arg, CURL_SOCKET_TIMEOUT, 0);
}

/*
 * A body that --max-memory has no room for pauses its transfer (the loop
 * never waits): the loop lets it go on a few milliseconds later, when it
 * tries again, and pauses again if the budget is still spent.
 */
static void
on_paused(void *arg, struct fetch *f)
{
	struct loop *lp = arg;
	struct timeval soon = { 0, 5 * 1000 };

	lp->paused[lp->npaused++] = f;
	if (!evtimer_pending(lp->unpause, NULL))
		evtimer_add(lp->unpause, &soon);
}

static void
on_unpause(evutil_socket_t fd, short what, void *arg)
{
	struct loop *lp = arg;
	struct fetch *f;

	(void)fd;
	(void)what;
	/* From the end: one that pauses again is put back there. */
	while (lp->npaused > 0) {
		f = lp->paused[--lp->npaused];
		fetch_unpause(f);
		if (lp->npaused > 0 && lp->paused[lp->npaused - 1] == f)
			break;
	}
}

/* A transfer that ended while paused is no longer to be let go on. */
static void
unpaused(struct loop *lp, struct fetch *f)
{
	int i;

	for (i = 0; i < lp->npaused; i++)
		if (lp->paused[i] == f) {
			lp->paused[i] = lp->paused[--lp->npaused];
			break;
		}
}

/*
 * A stop request cannot reach the loop from the signal handler, so the
 * loop looks for one a few times a second. curl_multi_perform() then runs
 * every transfer's progress callback, which aborts it, even the transfers
 * whose sockets are silent.
 */
static void
on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct loop *lp = arg;
	int i, running;

	(void)fd;
	(void)what;
	if (stop_signal == 0)
		return;
	for (i = 0; i < lp->ncm; i++) {
		curl_multi_perform(lp->cm[i].multi, &running);
		check_done(&lp->cm[i]);
	}
}

/*
 * CURLMOPT_SOCKETFUNCTION: watch s for what curl wants, or stop. The event
 * lives in the sockinfo and is reassigned, not freed and made again.
 */
static int
socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct cmulti *cm = userp;
	struct sockinfo *si = sockp;
	short kind;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (si != NULL) {
			if (si->assigned)
				event_del(&si->ev);
			free(si);
		}
		return 0;
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (si == NULL) {
		si = xcalloc(1, sizeof *si);
		si->cm = cm;
		curl_multi_assign(cm->multi, s, si);
	} else if (si->assigned)
		event_del(&si->ev);
	event_assign(&si->ev, cm->lp->base, s, kind, on_socket_event, si);
	si->assigned = true;
	event_add(&si->ev, NULL);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: -1 deletes the timer, anything else re-arms it. */
static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct cmulti *cm = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(cm->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(cm->timer, &tv);
	return 0;
}

/*
 * Once nothing is left but the transfers in flight (sched_draining()), each
 * one that ends closes an idle connection (CURLMOPT_MAXCONNECTS 1 prunes
 * the cache by one on every return) and frees its handle, so that the
 * clean-up of 1000 connections overlaps the last transfers instead of
 * following them in curl_multi_cleanup(). A new job (a retry, a link)
 * turns it off again.
 */
static void
loop_drain(struct loop *lp, bool on)
{
	int i;

	lp->draining = on;
	for (i = 0; i < lp->ncm; i++)
		curl_multi_setopt(lp->cm[i].multi, CURLMOPT_MAXCONNECTS,
		    on ? 1L : (long)lp->cm[i].cap);
}

/* Fill the loop's free slots, ADD_BATCH per pass at most. */
static void
add_transfers(struct loop *lp)
{
	struct run *run = lp->ae->run;
	struct cmulti *cm;
	struct fetch *f;
	struct job *job;
	int i;

	while (!lp->input_done && lp->in_use < lp->slots) {
		if (lp->budget <= 0) {
			lp->want_more = true;
			return;
		}
		if ((job = next_job(lp)) == NULL) {
			lp->no_job = true;
			break;
		}
		lp->no_job = false;
		if (lp->draining)
			loop_drain(lp, false);
		/* The first multi with room: where a slot was just freed. */
		for (i = 0; i < lp->ncm - 1 && lp->cm[i].in_use >=
		    lp->cm[i].cap; i++)
			;
		cm = &lp->cm[i];
		if (lp->nidle > 0)
			f = lp->idle[--lp->nidle];
		else {
			f = fetch_new(run->opt, run->save);
			fetch_on_pause(f, on_paused, lp);
			fetch_set_share(f, lp->ae->share);
		}
		curl_multi_add_handle(cm->multi, fetch_prepare(f, job));
		cm->in_use++;
		cm->fresh = true;
		lp->in_use++;
		lp->budget--;
	}
	lp->want_more = false;
}

/*
 * Where a finished page is parsed: on the loop, now, when it is small
 * (handing it over would cost more) or there are no parse threads; else
 * by a parse thread, which gets the body with the record. Returns that
 * hand-over, or NULL when there is nothing left to parse.
 */
static struct parsed *
parse_where(struct loop *lp, struct fetch *f, struct result *r)
{
	struct parsed *p;

	if (!r->ok || !extract_is_html(r->content_type))
		return NULL;
	if (lp->ae->nparse == 0 || r->bytes <= PARSE_HERE_MAX) {
		fetch_extract(f, r);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->lp = lp;
	p->r = r;
	p->body = fetch_take_body(f, &p->len);
	budget_hold_init(&p->hold, true);
	budget_hand(fetch_hold(f), &p->hold);
	return p;
}

/*
 * The fetch of a finished transfer is kept for the next one, or freed
 * once the run is draining (see loop_drain()).
 */
static void
keep_fetch(struct loop *lp, struct fetch *f)
{
	if (!lp->draining && lp->no_job && sched_draining(lp->ae->run->sched))
		loop_drain(lp, true);
	if (lp->draining)
		fetch_free(f);
	else
		lp->idle[lp->nidle++] = f;
}

/* A record is done: to the scheduler, and its slot is free again. */
static void
report(struct loop *lp, struct result *r)
{
	sched_done(lp->ae->run->sched, r);
	poke_starved(lp);
	lp->in_use--;
}

/* A page for the parse threads: it keeps its slot until it is parsed. */
static void
parse_queue(struct aengine *ae, struct parsed *p)
{
	pthread_mutex_lock(&ae->lock);
	if (ae->tail != NULL)
		ae->tail->next = p;
	else
		ae->head = p;
	ae->tail = p;
	pthread_cond_signal(&ae->work);
	pthread_mutex_unlock(&ae->lock);
}

/* A transfer of cm is over (rc): its record, parsed, kept, reported. */
static void
transfer_done(struct cmulti *cm, CURL *e, CURLcode rc)
{
	struct loop *lp = cm->lp;
	struct fetch *f = fetch_of(e);
	struct parsed *p;
	struct result *r;

	curl_multi_remove_handle(cm->multi, e);
	cm->in_use--;
	unpaused(lp, f);
	r = fetch_finish(f, rc);
	p = parse_where(lp, f, r);
	fetch_release(f);
	keep_fetch(lp, f);
	if (p != NULL)
		parse_queue(lp->ae, p);
	else
		report(lp, r);
}

/* Read what finished on cm, hand each on, and fill the slots freed. */
static void
check_done(struct cmulti *cm)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(cm->multi, &left)) != NULL) {
		/* By value: msg dies with curl_multi_remove_handle(). */
		if (msg->msg == CURLMSG_DONE)
			transfer_done(cm, msg->easy_handle, msg->data.result);
	}
	add_transfers(cm->lp);
}

/*
 * Run a loop until its input is done and its slots are all back. A pass
 * refills the budget and adds what it allows; when the budget ran out the
 * next pass does not block, so that the new transfers' sockets are
 * serviced before more are added.
 */
static void
loop_run(struct loop *lp)
{
	for (;;) {
		lp->budget = ADD_BATCH;
		add_transfers(lp);
		if (lp->input_done && lp->in_use == 0)
			break;
		event_base_loop(lp->base, lp->want_more ? EVLOOP_NONBLOCK :
		    EVLOOP_ONCE);
	}
}

static void *
loop_main(void *arg)
{
	struct loop *lp = arg;
	struct aengine *ae = lp->ae;

	pthread_mutex_lock(&ae->lock);
	while (!ae->started)
		pthread_cond_wait(&ae->go, &ae->lock);
	pthread_mutex_unlock(&ae->lock);
	if (lp->slots > 0)
		loop_run(lp);
	/* Its connections are closed here, beside the other loops'. */
	loop_free(lp);
	return NULL;
}

static void
loop_init(struct aengine *ae, struct loop *lp, int maxjobs)
{
	int i;

	lp->ae = ae;
	if ((lp->base = event_base_new()) == NULL)
		fatal(EXIT_FAILURE, "cannot create an event loop");
	lp->ncm = (maxjobs + MULTI_MAX_JOBS - 1) / MULTI_MAX_JOBS;
	if (lp->ncm < 1)
		lp->ncm = 1;
	lp->cm = xcalloc((size_t)lp->ncm, sizeof *lp->cm);
	for (i = 0; i < lp->ncm; i++) {
		struct cmulti *cm = &lp->cm[i];

		cm->lp = lp;
		if ((cm->multi = curl_multi_init()) == NULL)
			fatal(EXIT_FAILURE, "cannot create a curl multi handle");
		cm->timer = evtimer_new(lp->base, on_timer, cm);
		curl_multi_setopt(cm->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
		curl_multi_setopt(cm->multi, CURLMOPT_SOCKETDATA, cm);
		curl_multi_setopt(cm->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
		curl_multi_setopt(cm->multi, CURLMOPT_TIMERDATA, cm);
	}
	lp->wake = event_new(lp->base, -1, 0, on_wake, lp);
	lp->watch = event_new(lp->base, -1, EV_PERSIST, on_watch, lp);
	lp->later = evtimer_new(lp->base, on_later, lp);
	lp->unpause = evtimer_new(lp->base, on_unpause, lp);
	event_add(lp->watch, &(struct timeval){ 0, 200 * 1000 });
	lp->idle = xcalloc((size_t)maxjobs, sizeof *lp->idle);
	lp->paused = xcalloc((size_t)maxjobs, sizeof *lp->paused);
}

/* Split n slots over the loops, and each loop's over its multi handles. */
static void
share_slots(struct aengine *ae, int n, int nloops)
{
	struct loop *lp;
	int i, k;

	for (i = 0; i < nloops; i++) {
		lp = &ae->loops[i];
		lp->slots = n / nloops + (i < n % nloops);
		/*
		 * Idle connections kept: as many as transfers. libcurl's
		 * default, 4 per handle added, is a few when robots.txt and
		 * --per-host hold most jobs back, and it closed the
		 * connection of a host's robots.txt before its pages came:
		 * 467 connections for 200 hosts instead of 200 (issue 17).
		 */
		for (k = 0; k < lp->ncm; k++) {
			lp->cm[k].cap = (lp->slots + lp->ncm - 1) / lp->ncm;
			curl_multi_setopt(lp->cm[k].multi,
			    CURLMOPT_MAXCONNECTS, (long)lp->cm[k].cap);
		}
	}
}

static void
loop_free(struct loop *lp)
{
	int i;

	/* The multis before the base: their socket callback fires in cleanup. */
	for (i = 0; i < lp->ncm; i++) {
		curl_multi_cleanup(lp->cm[i].multi);
		event_free(lp->cm[i].timer);
	}
	for (i = 0; i < lp->nidle; i++)
		fetch_free(lp->idle[i]);
	event_free(lp->later);
	event_free(lp->unpause);
	event_free(lp->watch);
	event_free(lp->wake);
	event_base_free(lp->base);
	free(lp->cm);
	free(lp->idle);
	free(lp->paused);
}

static int
ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

void
engine_async(struct run *run)
{
	struct aengine ae = { .run = run };
	int i, nthreads = ncpu(), nloops, perloop, started = 0, err;
	pthread_attr_t attr;
	pthread_t *threads;

	engine_fit_jobs(run, 1);	/* one socket per transfer */
	evthread_use_pthreads();
	nloops = run->jobs / LOOP_MIN_JOBS;
	nloops = nloops < 1 ? 1 : nloops > nthreads ? nthreads : nloops;
	perloop = (run->jobs + nloops - 1) / nloops;
	ae.share = fetch_share_new();
	ae.loops = xcalloc((size_t)nloops, sizeof *ae.loops);
	for (i = 0; i < nloops; i++)
		loop_init(&ae, &ae.loops[i], perloop);
	pthread_mutex_init(&ae.lock, NULL);
	pthread_cond_init(&ae.work, NULL);
	pthread_cond_init(&ae.go, NULL);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, ENGINE_THREAD_STACK);
	threads = xcalloc((size_t)nthreads, sizeof *threads);
	for (i = 0; i < nthreads; i++) {
		if ((err = pthread_create(&threads[started], &attr, parse_main,
		    &ae)) != 0) {
			if (started == 0)
				warnx_("async engine: cannot start a parse thread"
				    " (%s); parsing on the event loop",
				    strerror(err));
			break;
		}
		started++;
	}
	ae.nparse = started;

	/* Loop 0 is this thread's; the others get one each, if they can. */
	for (ae.nloops = 1; ae.nloops < nloops; ae.nloops++) {
		if ((err = pthread_create(&ae.loops[ae.nloops].thread, &attr,
		    loop_main, &ae.loops[ae.nloops])) != 0) {
			warnx_("async engine: cannot start an event loop thread"
			    " (%s); running %d loop%s", strerror(err),
			    ae.nloops, ae.nloops > 1 ? "s" : "");
			break;
		}
	}
	share_slots(&ae, run->jobs, ae.nloops);
	pthread_mutex_lock(&ae.lock);
	ae.started = true;
	pthread_cond_broadcast(&ae.go);
	pthread_mutex_unlock(&ae.lock);

	loop_run(&ae.loops[0]);
	loop_free(&ae.loops[0]);
	for (i = 1; i < ae.nloops; i++)
		pthread_join(ae.loops[i].thread, NULL);

	pthread_mutex_lock(&ae.lock);
	ae.closing = true;
	pthread_cond_broadcast(&ae.work);
	pthread_mutex_unlock(&ae.lock);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);

	/* The loops that ran freed themselves; these never started. */
	for (i = ae.nloops; i < nloops; i++)
		loop_free(&ae.loops[i]);
	free(ae.loops);
	free(threads);
	pthread_attr_destroy(&attr);
	pthread_cond_destroy(&ae.go);
	pthread_cond_destroy(&ae.work);
	pthread_mutex_destroy(&ae.lock);
	fetch_share_free(ae.share);	/* after every handle of it */
}
