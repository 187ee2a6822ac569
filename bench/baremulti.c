/*
 * The floor for the async engine's memory: a bare libcurl multi handle
 * holding N transfers at once, with libcurl's defaults and bodies thrown
 * away, nothing else (no event library, no parse threads, no records).
 * Run it with N = 1 and N = 10000 on a slow URL: the difference in peak RSS
 * divided by N is what libcurl itself costs per in-flight transfer.
 *
 * usage: baremulti N URL   (URL gets "&i=K" or "?i=K" appended, so that no
 *                           two transfers are the same request)
 * prints one line: transfers=N ok=K wall_s=S peak_rss_kb=R
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <curl/curl.h>

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	CURLM *multi;
	CURLMsg *msg;
	CURL **easy;
	struct rusage ru;
	char url[8192];
	int n, i, running, left, ok = 0;
	double t;

	if (argc != 3 || (n = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: baremulti N URL\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	/* All N at once: the point is to hold N in flight, not to pace them. */
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)n);
	if ((easy = calloc((size_t)n, sizeof *easy)) == NULL)
		return 1;
	t = now();
	for (i = 0; i < n; i++) {
		snprintf(url, sizeof url, "%s%ci=%d", argv[2],
		    strchr(argv[2], '?') ? '&' : '?', i);
		easy[i] = curl_easy_init();
		curl_easy_setopt(easy[i], CURLOPT_URL, url);
		curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(easy[i], CURLOPT_NOSIGNAL, 1L);
		curl_multi_add_handle(multi, easy[i]);
	}
	do {
		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE && msg->data.result ==
			    CURLE_OK)
				ok++;
		if (running > 0)
			curl_multi_poll(multi, NULL, 0, 1000, NULL);
	} while (running > 0);
	t = now() - t;
	getrusage(RUSAGE_SELF, &ru);
	printf("transfers=%d ok=%d wall_s=%.3f peak_rss_kb=%ld\n", n, ok, t,
	    ru.ru_maxrss);
	for (i = 0; i < n; i++) {
		curl_multi_remove_handle(multi, easy[i]);
		curl_easy_cleanup(easy[i]);
	}
	free(easy);
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	return ok == n ? 0 : 1;
}
