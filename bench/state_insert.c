/*
 * The cost of --state's inserts, counted without a server or an engine:
 * N records of workload S (bench/state.sh), as the sink hands them over
 * (frontier_complete(), then frontier_seal() and frontier_commit_sealed()
 * every BATCH records, as its ticker does at 256), into a new state.
 * Under valgrind's callgrind the counts are exact and the same on every
 * run, which bench/state.sh's (commits every 0.1 s, so their size
 * depends on the machine's speed) are not:
 *
 *   make libpscrape.a
 *   cc -O2 -g -I. -Isrc -o /tmp/state_insert bench/state_insert.c \
 *       libpscrape.a $(pkg-config --libs libcurl libevent \
 *       libevent_pthreads gumbo sqlite3 libpsl uchardet openssl hiredis) \
 *       -lpthread -lm
 *   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \
 *       /tmp/state_insert /tmp/s.db 5000
 *   callgrind_annotate --inclusive=yes /tmp/cg.out | grep -E 'engine_part|writer_part'
 *
 * engine_part is what the engine's thread pays, writer_part the thread
 * that commits; divide by N. Remove /tmp/s.db* between runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontier.h"
#include "options.h"
#include "result.h"
#include "xmalloc.h"

#define BATCH_MAX	4096

static struct result *rs[BATCH_MAX];

__attribute__((noinline)) static void
engine_part(struct frontier *f, int n)
{
	int i;

	for (i = 0; i < n; i++)
		frontier_complete(f, rs[i]);
}

__attribute__((noinline)) static void
writer_part(struct frontier *f)
{
	frontier_commit_sealed(f);
	frontier_flushed(f);
	frontier_checkpoint(f);
}

int
main(int argc, char **argv)
{
	struct options opt;
	struct frontier *f;
	struct result *r;
	struct job *j;
	char *av[] = { "pscrape", "--no-config", "--state", NULL,
	    "/dev/null", NULL };
	char *url;
	int n, b, done, k, i;

	if (argc < 3) {
		fprintf(stderr, "usage: state_insert STATE N [BATCH]\n");
		return 2;
	}
	av[3] = argv[1];
	n = atoi(argv[2]);
	b = argc > 3 ? atoi(argv[3]) : 256;
	if (b < 1 || b > BATCH_MAX)
		b = 256;
	memset(&opt, 0, sizeof opt);
	options_parse(&opt, 5, av);
	f = frontier_sqlite_open(&opt);
	for (done = 0; done < n; done += k) {
		k = n - done < b ? n - done : b;
		/* A 60-byte page from nginx: its validators, its hash. */
		for (i = 0; i < k; i++) {
			url = xasprintf("http://127.0.0.1:40123/small/%d.html",
			    done + i);
			j = job_new(url, xstrdup(url), xasprintf(
			    "/tmp/tmp.bench/S.txt:%d", done + i + 1),
			    (uint64_t)(done + i + 1));
			j->host = (void *)1;	/* counted by --max-pages */
			r = result_from_job(j);
			r->status = 200;
			r->ok = true;
			r->bytes = 46;
			r->chars = 14;
			r->final_url = xstrdup(url);
			r->etag = xstrdup("\"6b12934d-2e\"");
			r->last_modified = xstrdup("Fri, 04 Dec 2026"
			    " 10:17:49 GMT");
			r->hashed = true;
			r->content_hash = UINT64_C(0x123456789abcdef) *
			    (uint64_t)(done + i + 1);
			rs[i] = r;
		}
		engine_part(f, k);
		frontier_seal(f);
		writer_part(f);
		for (i = 0; i < k; i++) {
			rs[i]->job->host = NULL;
			result_free(rs[i]);
		}
	}
	frontier_close(f, true);
	options_free(&opt);
	return 0;
}
