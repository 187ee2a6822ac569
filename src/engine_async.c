/*
 * The async engine: one libcurl multi handle driven by a libevent loop
 * through CURLMOPT_SOCKETFUNCTION and CURLMOPT_TIMERFUNCTION (the model of
 * curl's docs/examples/hiperfifo.c). At most --jobs transfers are in use at
 * once; new ones are added from the streamed input as others finish.
 *
 * Parsing is CPU work and would serialise the engine on the loop's core,
 * so finished bodies go to a small pool of parse threads, one per CPU.
 * A transfer's slot is given back only when its page has been parsed, so
 * memory stays bounded by --jobs bodies however far parsing falls behind.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "engine.h"
#include "extract.h"
#include "fetch.h"
#include "scheduler.h"
#include "stop.h"
#include "xmalloc.h"

/* A finished page waiting for a parse thread. */
struct parsed {
	struct result	*r;
	char		*body;
	size_t		 len;
	struct parsed	*next;
};

struct aengine {
	struct run		*run;
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct event		*wake;		/* a parse thread gave a slot back */
	struct event		*watch;		/* looks for a stop request */
	struct event		*later;		/* the scheduler's next start */

	struct fetch		**idle;		/* fetches ready for reuse */
	int			 nidle;
	int			 nparse;	/* parse threads; 0: parse here */
	int			 in_use;	/* transfers + pages being parsed */
	bool			 input_done;

	pthread_mutex_t		 lock;		/* guards the fields below */
	pthread_cond_t		 work;
	struct parsed		*head, *tail;
	bool			 closing;
	int			 returned;	/* slots freed by parse threads */
};

/* Per-socket state, attached to curl's socket with curl_multi_assign. */
struct sockinfo {
	struct aengine	*ae;
	struct event	*ev;
};

static void	 add_transfers(struct aengine *);
static void	 check_done(struct aengine *);

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

		page_extract(p->r, p->body, p->len, ae->run->save);
		sched_done(ae->run->sched, p->r);
		free(p->body);
		free(p);

		pthread_mutex_lock(&ae->lock);
		ae->returned++;
		pthread_mutex_unlock(&ae->lock);
		event_active(ae->wake, 0, 0);
	}
}

/* The loop takes back the slots that parse threads have freed. */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct aengine *ae = arg;
	int n;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&ae->lock);
	n = ae->returned;
	ae->returned = 0;
	pthread_mutex_unlock(&ae->lock);
	ae->in_use -= n;
	add_transfers(ae);
}

static void
on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct sockinfo *si = arg;
	struct aengine *ae = si->ae;
	int action = 0, running;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	/* si may be freed inside this call (CURL_POLL_REMOVE). */
	curl_multi_socket_action(ae->multi, fd, action, &running);
	check_done(ae);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct aengine *ae = arg;
	int running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(ae->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(ae);
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
	struct aengine *ae = arg;
	int running;

	(void)fd;
	(void)what;
	if (stop_signal == 0)
		return;
	curl_multi_perform(ae->multi, &running);
	check_done(ae);
}

/* CURLMOPT_SOCKETFUNCTION: watch s for what curl wants, or stop. */
static int
socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct aengine *ae = userp;
	struct sockinfo *si = sockp;
	short kind;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (si != NULL) {
			event_free(si->ev);
			free(si);
		}
		return 0;
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (si == NULL) {
		si = xcalloc(1, sizeof *si);
		si->ae = ae;
		curl_multi_assign(ae->multi, s, si);
	} else
		event_free(si->ev);
	si->ev = event_new(ae->base, s, kind, on_socket_event, si);
	event_add(si->ev, NULL);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: -1 deletes the timer, anything else re-arms it. */
static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct aengine *ae = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(ae->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(ae->timer, &tv);
	return 0;
}

/* The scheduler said when a job may start: look again then. */
static void
on_later(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	add_transfers(arg);
}

static void
add_transfers(struct aengine *ae)
{
	struct run *run = ae->run;
	struct fetch *f;
	struct job *job;
	long ms = -1;

	while (!ae->input_done && ae->in_use < run->jobs) {
		switch (sched_next(run->sched, &job, &ms)) {
		case SCHED_END:
			ae->input_done = true;
			continue;
		case SCHED_WAIT:
			if (ms >= 0) {
				struct timeval tv = { ms / 1000,
				    (ms % 1000) * 1000 };

				evtimer_add(ae->later, &tv);
			}
			goto out;
		case SCHED_JOB:
			break;
		}
		f = ae->nidle > 0 ? ae->idle[--ae->nidle] :
		    fetch_new(run->opt, run->save);
		curl_multi_add_handle(ae->multi, fetch_prepare(f, job));
		ae->in_use++;
	}
out:
	if (ae->input_done && ae->in_use == 0)
		event_base_loopbreak(ae->base);
}

/* Hand each finished transfer on: to a parse thread, or straight out. */
static void
check_done(struct aengine *ae)
{
	struct run *run = ae->run;
	struct parsed *p;
	struct result *r;
	struct fetch *f;
	CURLcode rc;
	CURLMsg *msg;
	CURL *e;
	int left;

	while ((msg = curl_multi_info_read(ae->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		e = msg->easy_handle;
		rc = msg->data.result;	/* msg dies with remove_handle */
		curl_multi_remove_handle(ae->multi, e);
		f = fetch_of(e);
		r = fetch_finish(f, rc, run->engine);
		p = NULL;
		if (r->ok && extract_is_html(r->content_type) &&
		    ae->nparse == 0)
			fetch_extract(f, r);	/* no parse thread */
		else if (r->ok && extract_is_html(r->content_type)) {
			p = xcalloc(1, sizeof *p);
			p->r = r;
			p->body = fetch_take_body(f, &p->len);
		}
		ae->idle[ae->nidle++] = f;
		if (p == NULL) {
			sched_done(run->sched, r);
			ae->in_use--;
			continue;
		}
		pthread_mutex_lock(&ae->lock);
		if (ae->tail != NULL)
			ae->tail->next = p;
		else
			ae->head = p;
		ae->tail = p;
		pthread_cond_signal(&ae->work);
		pthread_mutex_unlock(&ae->lock);
	}
	add_transfers(ae);
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
	int i, nthreads = ncpu(), started = 0, err;
	pthread_attr_t attr;
	pthread_t *threads;

	engine_fit_jobs(run, 1);	/* one socket per transfer */
	evthread_use_pthreads();
	if ((ae.base = event_base_new()) == NULL)
		fatal(EXIT_FAILURE, "cannot create an event loop");
	if ((ae.multi = curl_multi_init()) == NULL)
		fatal(EXIT_FAILURE, "cannot create a curl multi handle");
	ae.timer = evtimer_new(ae.base, on_timer, &ae);
	ae.wake = event_new(ae.base, -1, 0, on_wake, &ae);
	ae.watch = event_new(ae.base, -1, EV_PERSIST, on_watch, &ae);
	ae.later = evtimer_new(ae.base, on_later, &ae);
	event_add(ae.watch, &(struct timeval){ 0, 200 * 1000 });
	curl_multi_setopt(ae.multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(ae.multi, CURLMOPT_SOCKETDATA, &ae);
	curl_multi_setopt(ae.multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(ae.multi, CURLMOPT_TIMERDATA, &ae);
	ae.idle = xcalloc((size_t)run->jobs, sizeof *ae.idle);
	pthread_mutex_init(&ae.lock, NULL);
	pthread_cond_init(&ae.work, NULL);

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

	add_transfers(&ae);
	/* Pages may be parsing while no socket or timer is pending. */
	if (!ae.input_done || ae.in_use > 0)
		event_base_loop(ae.base, EVLOOP_NO_EXIT_ON_EMPTY);

	pthread_mutex_lock(&ae.lock);
	ae.closing = true;
	pthread_cond_broadcast(&ae.work);
	pthread_mutex_unlock(&ae.lock);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);

	/* The multi before the base: its socket callback fires in cleanup. */
	curl_multi_cleanup(ae.multi);
	for (i = 0; i < ae.nidle; i++)
		fetch_free(ae.idle[i]);
	event_free(ae.later);
	event_free(ae.watch);
	event_free(ae.wake);
	event_free(ae.timer);
	event_base_free(ae.base);
	free(ae.idle);
	free(threads);
	pthread_attr_destroy(&attr);
	pthread_cond_destroy(&ae.work);
	pthread_mutex_destroy(&ae.lock);
}
