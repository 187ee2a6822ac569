/*
 * The parse limit of workload T: how many pages one core can parse and
 * count when fetching costs nothing. It links pscrape's own extract code
 * (not a copy), so the limit moves with the engine's parser, and it times
 * only extract_page(): the files are read into memory first, because the
 * engines get their bodies from the network, not from the disk.
 *
 * usage: parselimit [-p PASSES] FILE...   (or a list of files on stdin)
 * prints one line: pages=N bytes=B chars=C seconds=S pages_per_s=X mb_per_s=Y
 * The best of PASSES passes is reported (the least disturbed by the rest of
 * the machine), like hyperfine's min.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extract.h"

struct page {
	char	*data;
	size_t	 len;
};

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((p = realloc(p, cap)) == NULL)
				abort();
		}
		if ((got = fread(p + n, 1, cap - n, f)) == 0)
			break;
		n += got;
	}
	fclose(f);
	*len = n;
	return p;
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
	struct page *pages = NULL;
	size_t npages = 0, cap = 0, i, bytes = 0;
	char line[4096], *path;
	int c, passes = 1, pass, nfiles;
	double best = -1, t;
	uint64_t chars = 0;

	while ((c = getopt(argc, argv, "p:")) != -1) {
		if (c != 'p' || (passes = atoi(optarg)) < 1) {
			fprintf(stderr, "usage: parselimit [-p PASSES] FILE...\n");
			return 2;
		}
	}
	nfiles = argc - optind;
	for (i = 0;; i++) {
		if (nfiles > 0) {
			if ((int)i >= nfiles)
				break;
			path = argv[optind + (int)i];
		} else {
			if (fgets(line, sizeof line, stdin) == NULL)
				break;
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '\0')
				continue;
			path = line;
		}
		if (npages == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((pages = realloc(pages, cap * sizeof *pages)) ==
			    NULL)
				abort();
		}
		if ((pages[npages].data = slurp(path, &pages[npages].len)) ==
		    NULL) {
			perror(path);
			return 1;
		}
		bytes += pages[npages++].len;
	}
	if (npages == 0) {
		fprintf(stderr, "parselimit: no files\n");
		return 2;
	}

	for (pass = 0; pass < passes; pass++) {
		chars = 0;
		t = now();
		for (i = 0; i < npages; i++) {
			struct extract_out out;

			memset(&out, 0, sizeof out);
			/* nginx sends text/html without a charset here. */
			extract_page(pages[i].data, pages[i].len, "text/html",
			    &out, NULL);
			chars += out.chars;
		}
		t = now() - t;
		if (best < 0 || t < best)
			best = t;
	}
	printf("pages=%zu bytes=%zu chars=%llu seconds=%.6f pages_per_s=%.2f"
	    " mb_per_s=%.3f\n", npages, bytes, (unsigned long long)chars, best,
	    (double)npages / best, (double)bytes / 1e6 / best);
	for (i = 0; i < npages; i++)
		free(pages[i].data);
	free(pages);
	return 0;
}
