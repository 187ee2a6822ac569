/*
 * URL lists read as a stream (see urllist.h): one line at a time with a
 * fixed-size line buffer, trimmed, each line checked by url_check(); a
 * URL given as an argument is taken as a line of its own. Rejected lines
 * become error records here; duplicates are found by seed_duplicate() in
 * the run's set of URLs, which the reader does not own (the scheduler
 * does, or the dry run).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "frontier.h"
#include "scan.h"
#include "sink.h"
#include "stop.h"
#include "url.h"
#include "urllist.h"
#include "xmalloc.h"

#define FEED_BATCH	16	/* loaded lines taken at a time */

struct source {
	char		**files;
	int		  nfiles;
	int		  nlistfiles;	/* the first ones are lists, always */
	int		  next;		/* index of the next file to open */
	FILE		 *f;		/* current input, NULL between files */
	FILE		 *in;		/* what "-" reads */
	const char	 *name;		/* current input's name for messages */
	unsigned long	  line;
	unsigned long	  urls;		/* lines of this input not skipped */
	bool		  markup;	/* it looks like HTML or XML */
	bool		  quiet;	/* no warnings: source_quiet() */
	bool		  failed;
	uint64_t	  seq;
	unsigned	  shard_k;	/* keep shard_k - 1 of shard_n */
	unsigned	  shard_n;	/* 0: keep everything */
	bool		  shard_by_url;
	char		  buf[URL_MAX_LINE + 64];
	/* Lines loaded in a shared frontier, not read here: see feed. */
	source_feed	  feed;
	source_unfeed	  unfeed;
	void		 *feed_arg;
	char		**fed;		/* "FILE:LINE\tFLAGS\tLINE" */
	size_t		  nfed, fed_next;
	bool		  later;	/* the feed said: ask again */
	char		 *fed_name;
};

/* Whether this run's shard holds key (a normalised URL, or a bad line). */
static bool
mine(const struct source *s, const char *key)
{
	return url_in_shard(key, s->shard_k, s->shard_n, s->shard_by_url);
}

void
source_set_shard(struct source *s, unsigned k, unsigned n, bool by_url)
{
	s->shard_k = k;
	s->shard_n = n;
	s->shard_by_url = by_url;
}

static const char *stdin_argv[] = { "-" };

bool
arg_is_url(const char *arg)
{
	const char *p = arg;

	if (!isalpha((unsigned char)*p))
		return false;
	while (isalnum((unsigned char)*p) || strchr("+-.", *p) != NULL)
		p++;
	return strncmp(p, "://", 3) == 0;
}

/* Whether files[i] is a URL rather than a list. */
static bool
is_url(const struct source *s, int i)
{
	return i >= s->nlistfiles && arg_is_url(s->files[i]);
}

static const char *
display_name(const char *file)
{
	return strcmp(file, "-") == 0 ? "stdin" : file;
}

struct source *
source_open(char **files, int nfiles, int nlistfiles, FILE *stdin_f,
    char *errbuf, size_t errlen)
{
	struct source *s;
	struct stat st;
	int i;

	for (i = 0; i < nfiles; i++) {
		if (strcmp(files[i], "-") == 0 ||
		    (i >= nlistfiles && arg_is_url(files[i])))
			continue;
		if (stat(files[i], &st) != 0) {
			snprintf(errbuf, errlen, "cannot read '%s': %s",
			    files[i], strerror(errno));
			return NULL;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(errbuf, errlen, "cannot read '%s': %s",
			    files[i], strerror(EISDIR));
			return NULL;
		}
		if (access(files[i], R_OK) != 0) {
			snprintf(errbuf, errlen, "cannot read '%s': %s",
			    files[i], strerror(errno));
			return NULL;
		}
	}
	s = xcalloc(1, sizeof *s);
	if (nfiles == 0) {
		s->files = (char **)stdin_argv;
		s->nfiles = 1;
	} else {
		s->files = files;
		s->nfiles = nfiles;
		s->nlistfiles = nlistfiles;
	}
	s->in = stdin_f != NULL ? stdin_f : stdin;
	return s;
}

void
source_quiet(struct source *s)
{
	s->quiet = true;
}

bool
source_failed(const struct source *s)
{
	return s->failed;
}

bool
source_unread(const struct source *s, char *where, size_t len)
{
	if (s->feed != NULL)
		return false;	/* the lines not taken stay loaded */
	if (s->f != NULL)
		snprintf(where, len, "up to %s:%lu", s->name, s->line);
	else if (s->next < s->nfiles)
		snprintf(where, len, "up to (not including) %s",
		    is_url(s, s->next) ? "the URL arguments left" :
		    s->files[s->next]);
	else
		return false;
	return true;
}

static void
fed_free(struct source *s)
{
	while (s->fed_next < s->nfed)
		free(s->fed[s->fed_next++]);
	free(s->fed);
	s->fed = NULL;
	s->nfed = s->fed_next = 0;
}

void
source_close(struct source *s)
{
	if (s == NULL)
		return;
	if (s->f != NULL && s->f != s->in)
		fclose(s->f);
	/* Taken from the feed and not looked at (a stop): back to it. */
	if (s->fed_next < s->nfed)
		s->unfeed(s->feed_arg, s->fed + s->fed_next,
		    s->nfed - s->fed_next);
	fed_free(s);
	free(s->fed_name);
	free(s);
}

int
url_read_line(FILE *f, char *buf, size_t cap, size_t *len, bool *toolong,
    bool *hasnul)
{
	size_t n = 0;
	int c;

	*toolong = *hasnul = false;
	while ((c = getc_unlocked(f)) != EOF) {
		if (c == '\n') {
			*len = n;
			return 1;
		}
		if (c == '\0')
			*hasnul = true;
		if (n < cap)
			buf[n++] = (char)c;
		else
			*toolong = true;
	}
	*len = n;
	if (ferror(f))
		return -1;
	return n > 0 || *toolong ? 1 : 0;
}

/* Open the next input; false when there is none left. */
static bool
next_file(struct source *s)
{
	const char *file;

	while (s->next < s->nfiles) {
		file = s->files[s->next++];
		s->name = display_name(file);
		s->line = 0;
		s->urls = 0;
		s->markup = false;
		if (strcmp(file, "-") == 0) {
			s->f = s->in;
			return true;
		}
		if ((s->f = fopen(file, "r")) != NULL)
			return true;
		warnx_("cannot read '%s': %s", file, strerror(errno));
		s->failed = true;
	}
	return false;
}

/*
 * A list without a URL line is most likely a generator's failure: say so,
 * though it fails nothing (an empty list is no error).
 */
static void
end_file(struct source *s, bool whole)
{
	if (whole && s->urls == 0 && !s->quiet)
		warnx_("warning: %s holds no URL (it is empty or only"
		    " comments)", s->name);
	if (s->f != s->in)
		fclose(s->f);
	else
		clearerr(s->in);
	s->f = NULL;
}

static void
reject(struct source *s, struct sink *sink, const char *line, char *reason)
{
	struct result *r;

	if (!mine(s, line)) {
		free(reason);
		return;
	}
	r = xcalloc(1, sizeof *r);
	r->seq = ++s->seq;
	r->url = xstrdup(line);
	r->input = xasprintf("%s:%lu", s->name, s->line);
	r->error = xasprintf("%s: %s", r->input, reason);
	r->muted = s->markup;
	free(reason);
	sink_emit(sink, r);
}

/*
 * Whether the line in s->buf (len bytes) is blank or a comment, which
 * take_line() skips with no record: --load does not queue it.
 */
static bool
blank(const struct source *s, size_t len, bool toolong)
{
	const char *line = s->buf, *end = s->buf + len;

	if (s->line == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;
	while (line < end && is_c_space(*line))
		line++;
	while (end > line && is_c_space(end[-1]))
		end--;
	return !toolong && (size_t)(end - line) <= URL_MAX_LINE &&
	    (end == line || line[0] == '#');
}

/*
 * The line in s->buf (len bytes, cut when toolong) as a job, or NULL when
 * it is skipped or rejected (its record emitted).
 */
static struct job *
take_line(struct source *s, struct sink *sink, size_t len, bool toolong,
    bool hasnul)
{
	char *line, *end, *norm, *reason, *given;

	s->buf[len] = '\0';
	line = s->buf;
	if (s->line == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;
	while (is_c_space(*line))
		line++;
	end = s->buf + len;
	while (end > line && is_c_space(end[-1]))
		*--end = '\0';
	/* By length: a line that starts with a NUL is not blank. */
	if (!toolong && (size_t)(end - line) <= URL_MAX_LINE &&
	    (end == line || line[0] == '#'))
		return NULL;
	/*
	 * A page or a sitemap given for a list: one hint, not an error on
	 * stderr for each of its lines (their records still say it).
	 */
	if (s->urls++ == 0 && line[0] == '<' && s->f != NULL) {
		s->markup = true;
		if (!s->quiet)
			warnx_("warning: %s looks like HTML or XML, not a list"
			    " of URLs one a line: its bad lines fail without"
			    " a message each", s->name);
	}
	if (toolong || (size_t)(end - line) > URL_MAX_LINE) {
		/* Masked before it is cut, which could leave part of
		 * a password without its '@'. */
		given = url_mask_password(line);
		/* strlen, not the line's length: a NUL may end it early. */
		if (strlen(given) > 43)
			memcpy(given + 40, "...", 4);
		reject(s, sink, given, xasprintf("line longer than %d"
		    " bytes (8 KiB)", URL_MAX_LINE));
		free(given);
		return NULL;
	}
	if (hasnul) {
		given = url_mask_password(line);
		reject(s, sink, given, xstrdup("line holds a NUL byte"));
		free(given);
		return NULL;
	}
	if (url_check(line, &norm, &reason) != 0) {
		given = url_mask_password(line);
		reject(s, sink, given, reason);
		free(given);
		return NULL;
	}
	if (!mine(s, norm)) {
		free(norm);
		return NULL;
	}
	return job_new(norm, url_mask_password(line),
	    xasprintf("%s:%lu", s->name, s->line), ++s->seq);
}

/*
 * A URL argument, as a line of its own: "argv:N", N its place among the
 * arguments after the options.
 */
static struct job *
take_arg(struct source *s, struct sink *sink)
{
	const char *arg = s->files[s->next++];
	size_t len = strlen(arg), cap = sizeof s->buf - 1;

	s->name = "argv";
	s->line = (unsigned long)(s->next - s->nlistfiles);
	s->markup = false;
	memcpy(s->buf, arg, len < cap ? len : cap);
	return take_line(s, sink, len < cap ? len : cap, len > cap, false);
}

/*
 * The next line of the open input into s->buf: true; false when the input
 * ended (or failed: said, and marked) and is closed, with the warning of
 * a list without a URL when whole.
 */
static bool
file_line(struct source *s, size_t *len, bool *toolong, bool *hasnul,
    bool whole)
{
	int rc;

	rc = url_read_line(s->f, s->buf, sizeof s->buf - 1, len, toolong,
	    hasnul);
	if (rc > 0) {
		s->line++;
		return true;
	}
	if (rc < 0) {
		warnx_("error reading %s after line %lu: %s", s->name, s->line,
		    strerror(errno));
		s->failed = true;
	}
	end_file(s, rc == 0 && whole);
	return false;
}

void
source_set_feed(struct source *s, source_feed feed, source_unfeed unfeed,
    void *arg)
{
	s->feed = feed;
	s->unfeed = unfeed;
	s->feed_arg = arg;
}

bool
source_later(const struct source *s)
{
	return s->later && stop_signal == 0;
}

/*
 * source_next() from the feed: each entry, as source_line() made it, is
 * the line of its FILE:LINE again, rejected or taken as it would be when
 * read from its file.
 */
static struct job *
next_fed(struct source *s, struct sink *sink)
{
	char *e, *flags, *line, *colon;
	struct job *job;
	size_t len;

	for (;;) {
		if (stop_signal != 0)
			return NULL;
		if (s->fed_next == s->nfed) {
			fed_free(s);
			s->nfed = s->feed(s->feed_arg, FEED_BATCH, &s->fed,
			    &s->later);
			if (s->nfed == 0) {
				if (!s->later)
					sink_input_done(sink, s->seq);
				return NULL;
			}
		}
		e = s->fed[s->fed_next];
		if ((flags = strchr(e, '\t')) == NULL ||
		    (line = strchr(flags + 1, '\t')) == NULL ||
		    (colon = memrchr(e, ':', (size_t)(flags - e))) == NULL) {
			free(s->fed[s->fed_next++]);
			continue;	/* not made by source_line() */
		}
		*colon = '\0';
		*line++ = '\0';
		free(s->fed_name);
		s->fed_name = xstrdup(e);
		s->name = s->fed_name;
		s->line = strtoul(colon + 1, NULL, 10);
		len = strlen(line);
		if (len > sizeof s->buf - 1)
			len = sizeof s->buf - 1;
		memcpy(s->buf, line, len);
		job = take_line(s, sink, len, strchr(flags, 't') != NULL,
		    strchr(flags, 'n') != NULL);
		free(s->fed[s->fed_next++]);
		if (job != NULL)
			return job;
	}
}

char *
source_line(struct source *s)
{
	bool toolong, hasnul;
	size_t len;

	for (;;) {
		if (stop_signal != 0)
			return NULL;
		if (s->f == NULL && s->next < s->nfiles &&
		    is_url(s, s->next)) {
			s->name = "argv";
			s->line = (unsigned long)(++s->next - s->nlistfiles);
			return xasprintf("argv:%lu\t\t%s", s->line,
			    s->files[s->next - 1]);
		}
		if (s->f == NULL && !next_file(s))
			return NULL;
		/* Its lines are not looked at: no warning if none is a URL. */
		if (!file_line(s, &len, &toolong, &hasnul, false))
			continue;
		s->buf[len] = '\0';	/* a NUL in it ends it: flag n */
		return xasprintf("%s:%lu\t%s%s%s\t%s", s->name, s->line,
		    blank(s, len, toolong) ? "s" : "", toolong ? "t" : "",
		    hasnul ? "n" : "", s->buf);
	}
}

struct job *
source_next(struct source *s, struct sink *sink)
{
	struct job *job;
	bool toolong, hasnul;
	size_t len;

	if (s->feed != NULL)
		return next_fed(s, sink);
	for (;;) {
		if (stop_signal != 0)
			return NULL;	/* start nothing new */
		if (s->f == NULL && s->next < s->nfiles &&
		    is_url(s, s->next)) {
			if ((job = take_arg(s, sink)) != NULL)
				return job;
			continue;
		}
		if (s->f == NULL && !next_file(s)) {
			sink_input_done(sink, s->seq);
			return NULL;
		}
		if (!file_line(s, &len, &toolong, &hasnul, true))
			continue;
		if ((job = take_line(s, sink, len, toolong, hasnul)) != NULL)
			return job;
	}
}

/* seed_duplicate() once the frontier's answer a (and first) is in. */
static bool
seed_answered(enum admit a, const char *first, struct job *job,
    struct sink *sink)
{
	struct result *r;

	switch (a) {
	case ADMIT_NEW:
		return false;
	case ADMIT_DONE:
		job_free(job);
		return true;
	case ADMIT_FULL:
		r = result_from_job(job);
		r->attempts = 0;
		result_fail(r, "%s", FRONTIER_FULL_ERROR);
		sink_emit(sink, r);
		return true;
	case ADMIT_SEEN:
		break;
	}
	r = result_from_job(job);
	r->attempts = 0;
	r->ok = true;
	r->duplicate_of = xstrdup(first);
	sink_emit(sink, r);
	return true;
}

bool
seed_duplicate(struct frontier *f, struct job *job, struct sink *sink)
{
	const char *first;
	enum admit a;

	a = frontier_admit_seed(f, job->url, job->input, &first);
	return seed_answered(a, first, job, sink);
}

void
seeds_duplicate(struct frontier *f, struct job **jobs, size_t n,
    struct sink *sink, bool *taken)
{
	const char **urls, **givens, **inputs;
	enum admit *a;
	char **firsts;
	size_t i;

	if (n == 0)	/* the end of the lists: no step */
		return;
	urls = xcalloc(n, sizeof *urls);
	givens = xcalloc(n, sizeof *givens);
	inputs = xcalloc(n, sizeof *inputs);
	a = xcalloc(n, sizeof *a);
	firsts = xcalloc(n, sizeof *firsts);
	for (i = 0; i < n; i++) {
		urls[i] = jobs[i]->url;
		givens[i] = jobs[i]->given;
		inputs[i] = jobs[i]->input;
	}
	frontier_admit_seeds(f, n, urls, givens, inputs, a, firsts);
	for (i = 0; i < n; i++) {
		taken[i] = seed_answered(a[i], firsts[i], jobs[i], sink);
		free(firsts[i]);
	}
	free(urls);
	free(givens);
	free(inputs);
	free(a);
	free(firsts);
}
