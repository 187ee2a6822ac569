/*
 * URL lists read as a stream: one line at a time with a fixed-size line
 * buffer, each line checked with libcurl's URL API, duplicates found in a
 * hash set of normalised URLs. Rejected lines become error records.
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

#include "buf.h"
#include "links.h"
#include "sink.h"
#include "stop.h"
#include "urllist.h"
#include "xmalloc.h"

struct source {
	char		**files;
	int		  nfiles;
	int		  next;		/* index of the next file to open */
	FILE		 *f;		/* current input, NULL between files */
	FILE		 *in;		/* what "-" reads */
	const char	 *name;		/* current input's name for messages */
	unsigned long	  line;
	bool		  failed;
	uint64_t	  seq;
	struct strset	 *seen;
	unsigned	  shard_k;	/* keep shard_k - 1 of shard_n */
	unsigned	  shard_n;	/* 0: keep everything */
	bool		  shard_by_url;
	char		  buf[URL_MAX_LINE + 64];
};

/* Whether this run's shard holds key (a normalised URL, or a bad line). */
static bool
mine(const struct source *s, const char *key)
{
	return s->shard_n == 0 ||
	    url_shard(key, !s->shard_by_url, s->shard_n) == s->shard_k - 1;
}

void
source_set_shard(struct source *s, unsigned k, unsigned n, bool by_url)
{
	s->shard_k = k;
	s->shard_n = n;
	s->shard_by_url = by_url;
}

static const char *stdin_argv[] = { "-" };

static const char *
display_name(const char *file)
{
	return strcmp(file, "-") == 0 ? "stdin" : file;
}

struct source *
source_open(char **files, int nfiles, FILE *stdin_f, char *errbuf,
    size_t errlen)
{
	struct source *s;
	struct stat st;
	int i;

	for (i = 0; i < nfiles; i++) {
		if (strcmp(files[i], "-") == 0)
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
	}
	s->in = stdin_f != NULL ? stdin_f : stdin;
	s->seen = strset_new();
	return s;
}

bool
source_failed(const struct source *s)
{
	return s->failed;
}

void
source_close(struct source *s)
{
	if (s == NULL)
		return;
	if (s->f != NULL && s->f != s->in)
		fclose(s->f);
	strset_free(s->seen);
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

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The URL's scheme, lower-cased into buf, or NULL when there is none. */
static const char *
scheme_of(const char *url, char *buf, size_t cap)
{
	size_t i;

	if (!isalpha((unsigned char)url[0]))
		return NULL;
	for (i = 0; url[i] != ':'; i++) {
		if (url[i] == '\0' || i + 1 >= cap)
			return NULL;
		if (!isalnum((unsigned char)url[i]) && url[i] != '+' &&
		    url[i] != '-' && url[i] != '.')
			return NULL;
		buf[i] = (char)tolower((unsigned char)url[i]);
	}
	buf[i] = '\0';
	return buf;
}

/*
 * Host names are case-insensitive but curl_url (7.88) keeps their case;
 * lower-case them so that duplicates are found.
 */
static CURLUcode
lower_host(CURLU *u)
{
	CURLUcode uc;
	char *host, *p;

	if ((uc = curl_url_get(u, CURLUPART_HOST, &host, 0)) != CURLUE_OK)
		return uc;
	for (p = host; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	uc = curl_url_set(u, CURLUPART_HOST, host, 0);
	curl_free(host);
	return uc;
}

int
url_check(const char *line, char **norm, char **reason)
{
	char scheme[32], *out = NULL;
	CURLUcode uc;
	CURLU *u;

	*norm = *reason = NULL;
	if (scheme_of(line, scheme, sizeof scheme) == NULL) {
		*reason = xstrdup("not a URL (expected http:// or https://)");
		return -1;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		*reason = xasprintf("unsupported scheme '%s' (only http and"
		    " https)", scheme);
		return -1;
	}
	if ((u = curl_url()) == NULL)
		fatal(EXIT_FAILURE, "out of memory");
	uc = curl_url_set(u, CURLUPART_URL, line, 0);
	if (uc == CURLUE_OK)
		uc = lower_host(u);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_URL, &out, 0);
	curl_url_cleanup(u);
	if (uc != CURLUE_OK) {
		*reason = xasprintf("not a valid URL: %s",
		    curl_url_strerror(uc));
		return -1;
	}
	*norm = xstrdup(out);
	curl_free(out);
	return 0;
}

char *
url_mask_password(const char *url)
{
	const char *auth, *end, *at, *colon, *p, *q;

	/*
	 * An authority follows a ':' and one or more slashes: curl reads
	 * "http:/u:p@h" and "http:///u:p@h" as "http://u:p@h". The first
	 * one that holds a user and a password is masked.
	 */
	for (p = url; (p = strstr(p, ":/")) != NULL; p++) {
		auth = p + 1 + strspn(p + 1, "/");
		end = auth + strcspn(auth, "/?#");
		at = NULL;
		for (q = auth; q < end; q++)
			if (*q == '@')
				at = q;
		if (at == NULL ||
		    (colon = memchr(auth, ':', (size_t)(at - auth))) == NULL)
			continue;
		return xasprintf("%.*s***%s", (int)(colon + 1 - url), url, at);
	}
	return xstrdup(url);
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

static void
end_file(struct source *s)
{
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
	free(reason);
	sink_emit(sink, r);
}

struct job *
source_next(struct source *s, struct sink *sink)
{
	char *line, *end, *norm, *reason, *given, *input;
	bool toolong, hasnul;
	const char *first;
	struct result *r;
	size_t len;
	int rc;

	for (;;) {
		if (stop_signal != 0)
			return NULL;	/* start nothing new */
		if (s->f == NULL && !next_file(s)) {
			sink_input_done(sink, s->seq);
			return NULL;
		}
		rc = url_read_line(s->f, s->buf, sizeof s->buf - 1, &len,
		    &toolong, &hasnul);
		if (rc <= 0) {
			if (rc < 0) {
				warnx_("error reading %s after line %lu: %s",
				    s->name, s->line, strerror(errno));
				s->failed = true;
			}
			end_file(s);
			continue;
		}
		s->line++;
		s->buf[len] = '\0';
		line = s->buf;
		if (s->line == 1 && len >= 3 &&
		    memcmp(line, "\xef\xbb\xbf", 3) == 0)
			line += 3;
		while (is_space(*line))
			line++;
		end = s->buf + len;
		while (end > line && is_space(end[-1]))
			*--end = '\0';
		if (toolong || (size_t)(end - line) > URL_MAX_LINE) {
			/* Masked before it is cut, which could leave part of
			 * a password without its '@'. */
			given = url_mask_password(line);
			/* strlen, not the line's length: a NUL may end it
			 * early. */
			if (strlen(given) > 43)
				memcpy(given + 40, "...", 4);
			reject(s, sink, given, xasprintf("line longer than %d"
			    " bytes (8 KiB)", URL_MAX_LINE));
			free(given);
			continue;
		}
		/* By length: a line that starts with a NUL is not blank. */
		if (end == line || line[0] == '#')
			continue;
		if (hasnul) {
			given = url_mask_password(line);
			reject(s, sink, given, xstrdup("line holds a NUL byte"));
			free(given);
			continue;
		}
		if (url_check(line, &norm, &reason) != 0) {
			given = url_mask_password(line);
			reject(s, sink, given, reason);
			free(given);
			continue;
		}
		if (!mine(s, norm)) {
			free(norm);
			continue;
		}
		input = xasprintf("%s:%lu", s->name, s->line);
		if ((first = strset_add(s->seen, norm, input)) != NULL) {
			r = xcalloc(1, sizeof *r);
			r->seq = ++s->seq;
			r->url = url_mask_password(line);
			r->input = input;
			r->ok = true;
			r->duplicate_of = xstrdup(first);
			free(norm);
			sink_emit(sink, r);
			continue;
		}
		return job_new(norm, url_mask_password(line), input, ++s->seq);
	}
}

/*
 * strset: open addressing with linear probing on a 64-bit FNV-1a hash;
 * keys and origins are copied into a pool of large chunks, never freed
 * one by one: a malloc each would cost a third more (a million distinct
 * URLs took 150 MB, now about 110).
 */
struct strset_entry {
	uint64_t	 hash;
	char		*key;		/* NULL: empty slot */
	char		*origin;
};

#define POOL_CHUNK	(256 * 1024)

struct pool_chunk {
	struct pool_chunk	*next;
	char			 data[];
};

struct strset {
	struct strset_entry	*slots;
	size_t			 cap;	/* a power of two */
	size_t			 count;
	struct pool_chunk	*chunks;
	char			*free;	/* room left in chunks */
	size_t			 left;
};

/* A copy of s in the set's pool. */
static char *
pool_strdup(struct strset *set, const char *s)
{
	size_t n = strlen(s) + 1, size;
	struct pool_chunk *c;
	char *p;

	if (n > set->left) {
		size = n > POOL_CHUNK / 4 ? n : POOL_CHUNK;
		c = xmalloc(sizeof *c + size);
		c->next = set->chunks;
		set->chunks = c;
		if (size == n)	/* a big one: keep the room in the last */
			return memcpy(c->data, s, n);
		set->free = c->data;
		set->left = size;
	}
	p = memcpy(set->free, s, n);
	set->free += n;
	set->left -= n;
	return p;
}

struct strset *
strset_new(void)
{
	struct strset *set = xcalloc(1, sizeof *set);

	set->cap = 1024;
	set->slots = xcalloc(set->cap, sizeof *set->slots);
	return set;
}

static void
strset_grow(struct strset *set)
{
	struct strset_entry *old = set->slots;
	size_t oldcap = set->cap, i, j;

	set->cap *= 2;
	set->slots = xcalloc(set->cap, sizeof *set->slots);
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		j = old[i].hash & (set->cap - 1);
		while (set->slots[j].key != NULL)
			j = (j + 1) & (set->cap - 1);
		set->slots[j] = old[i];
	}
	free(old);
}

const char *
strset_add(struct strset *set, const char *key, const char *origin)
{
	uint64_t h = fnv1a64(key);
	size_t j;

	if ((set->count + 1) * 10 > set->cap * 7)
		strset_grow(set);
	for (j = h & (set->cap - 1); set->slots[j].key != NULL;
	    j = (j + 1) & (set->cap - 1)) {
		if (set->slots[j].hash == h &&
		    strcmp(set->slots[j].key, key) == 0)
			return set->slots[j].origin;
	}
	set->slots[j].hash = h;
	set->slots[j].key = pool_strdup(set, key);
	set->slots[j].origin = pool_strdup(set, origin);
	set->count++;
	return NULL;
}

size_t
strset_count(const struct strset *set)
{
	return set->count;
}

void
strset_free(struct strset *set)
{
	struct pool_chunk *c;

	if (set == NULL)
		return;
	while ((c = set->chunks) != NULL) {
		set->chunks = c->next;
		free(c);
	}
	free(set->slots);
	free(set);
}
