/*
 * A worker of the process engine: see worker.h. Its code is here, apart
 * from the engine's, so that pscrape-worker links none of the parent's
 * libraries.
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "budget.h"
#include "extract.h"
#include "fetch.h"
#include "proto.h"
#include "result.h"
#include "savetext.h"
#include "stop.h"
#include "worker.h"
#include "xmalloc.h"

char **pscrape_argv;

void
program_start(char **argv)
{
	/* Until stop_install(), a stop signal waits: none is lost. */
	stop_block(NULL);
	/*
	 * Bodies and parse chunks are big: with glibc's threshold fixed,
	 * each gets a mapping of its own, given back to the system when
	 * freed; its default threshold rises to 32 MB after the first such
	 * free, and the freed memory stays with the process, outside what
	 * --max-memory counts (a run at -j 32 held 4 times its budget).
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	/*
	 * libcurl (libidn2) converts an internationalised host name from the
	 * locale's character set: take the user's, for LC_CTYPE only.
	 */
	setlocale(LC_CTYPE, "");
	pscrape_argv = argv;
}

/*
 * The time this file was compiled, hashed (FNV-1a): pscrape and
 * pscrape-worker link the same object, so the same build gives the same
 * number, and a rebuild of either from other code another.
 */
unsigned long
worker_build(void)
{
	static const char stamp[] = PACKAGE_VERSION " " __DATE__ " " __TIME__;
	unsigned long h = 2166136261UL;
	const char *s;

	for (s = stamp; *s != '\0'; s++)
		h = ((h ^ (unsigned char)*s) * 16777619UL) & 0xffffffffUL;
	return h;
}

/*
 * A worker: say HELLO, then fetch each JOB with the shared step and send
 * its RESULT back, until the parent closes the socket.
 */
static int
serve(const struct options *opt, int fd, int slot)
{
	struct savetext *save = NULL;
	struct proto_in in;
	struct proto_msg msg;
	struct fetch *f;
	struct job *job;
	struct result *r;
	struct fetch_counts c;
	uint64_t costs[PROTO_COSTS_N];
	char err[1024];
	int rc = EXIT_SUCCESS, got;

	/* A stop aborts the transfer in hand, as in the parent. */
	stop_install();
	memset(&in, 0, sizeof in);
	if (opt->save_text != NULL &&
	    (save = savetext_open(opt->save_text, false, err,
	    sizeof err)) == NULL) {
		warnx_("worker: %s", err);
		return EXIT_FAILURE;
	}
	f = fetch_new(opt, save);
	/* Reserve from the run's budget, through this slot's hold. */
	if (slot >= 0)
		fetch_set_hold(f, budget_attach(BUDGET_FD, (size_t)slot));
	if (proto_send_hello(fd) == -1)
		rc = EXIT_FAILURE;
	while (rc == EXIT_SUCCESS && (got = proto_recv(fd, &in, &msg)) != 0) {
		/*
		 * A parent that is done closes the socket without reading
		 * the HELLO of a worker it never needed: a reset, not EOF.
		 */
		if (got == -1 && errno == ECONNRESET)
			break;
		if (got == -1) {
			warnx_("worker: cannot read from the parent: %s",
			    strerror(errno));
			rc = EXIT_FAILURE;
			break;
		}
		if (msg.type != PROTO_JOB ||
		    (job = proto_get_job(&msg)) == NULL) {
			warnx_("worker: malformed message from the parent");
			rc = EXIT_FAILURE;
			break;
		}
		r = fetch_page(f, job);
		fetch_counts_take(&c);
		costs[0] = c.connects;
		costs[1] = c.handshakes;
		costs[2] = c.resumed;
		memcpy(costs + 3, c.http, sizeof c.http);
		/* Only when it cost something (resumed counts handshakes). */
		if ((costs[0] | costs[1] | costs[3] | costs[4] | costs[5] |
		    costs[6]) != 0 &&
		    proto_send_costs(fd, costs) == -1)
			rc = EXIT_FAILURE;
		else if (proto_send_result(fd, r) == -1)
			rc = EXIT_FAILURE;	/* the parent is gone */
		result_free(r);
	}
	proto_in_free(&in);
	fetch_free(f);
	savetext_close(save);
	close(fd);
	return rc;
}

int
worker_run(struct options *opt)
{
	const char *v = getenv(PROCESS_WORKER_ENV), *colon;
	int fd = atoi(v), slot = -1, rc;
	char err[1024];

	/* "FD:SLOT" (worker.h) */
	if ((colon = strchr(v, ':')) != NULL)
		slot = atoi(colon + 1);

	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);	/* as in main */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return EXIT_FAILURE;
	/* Cookies for this worker's own transfers; the parent writes -c. */
	if (fetch_cookies_start(opt, err, sizeof err) != 0)
		fatal(EXIT_USAGE, "%s", err);
	extract_cache_limit(EXTRACT_CACHE_ONE);	/* one parse at a time */
	rc = serve(opt, fd, slot);
	fetch_cookies_end();
	options_free(opt);
	curl_global_cleanup();
	return rc;
}
