/*
 * libFuzzer target: arbitrary bytes as a URL list, through the real
 * reader (source_open on an fmemopen'd stdin, source_next and
 * seed_duplicate, as the scheduler calls them, into a real
 * sink writing to memory), once per output format, then through the
 * escapers directly.
 *
 * Checks, on every input:
 * - one record or job per input line that is not blank or a comment,
 *   in input order, each naming its line ("stdin:N");
 * - JSON Lines output: every line a well-formed JSON object, valid
 *   UTF-8, no raw control byte; CSV: RFC 4180 records of 14 fields,
 *   valid UTF-8; text: one line per record, no raw control byte;
 * - no password is printed back: not in any field of any record (the
 *   password as written, for lines of the form scheme://user:pass@host),
 *   and not in what a job shows (the password curl finds, for every line
 *   curl accepts, however the slashes are written);
 * - json_string, csv_field and text_safe on the raw input: the JSON and
 *   CSV decode back to the input with each invalid UTF-8 byte as U+FFFD,
 *   the text has no control byte; url_mask_password on it is idempotent.
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "format.h"
#include "options.h"
#include "result.h"
#include "scan.h"
#include "sink.h"
#include "frontier.h"
#include "url.h"
#include "urllist.h"
#include "xmalloc.h"

#include "fuzz.h"

/* The reader's line buffer: longer lines are flagged too long. */
#define RAW_CAP		(URL_MAX_LINE + 63)
#define CSV_FIELDS	18

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct line {
	const char	*p;
	size_t		 len;
	bool		 counts;	/* must give one record or job */
	size_t		 seen;		/* records and jobs naming it */
};

static struct line	*lines;
static size_t		 nlines, caplines;

/* The lines url_read_line() sees, and which of them must give a record. */
static void
split_lines(const char *d, size_t n)
{
	const char	*p = d, *end = d + n, *nl, *s, *e;
	struct line	*l;

	nlines = 0;
	while (p < end) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		if (nlines == caplines) {
			caplines = caplines ? 2 * caplines : 256;
			lines = xrealloc(lines, caplines * sizeof *lines);
		}
		l = &lines[nlines++];
		l->p = p;
		l->len = nl - p;
		l->seen = 0;
		s = p;
		e = nl;
		if (nlines == 1 && e - s >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;
		while (s < e && is_c_space(*s))
			s++;
		while (e > s && is_c_space(e[-1]))
			e--;
		/* A NUL is not blank: such a line is rejected, not skipped. */
		l->counts = l->len > RAW_CAP || (size_t)(e - s) > URL_MAX_LINE ||
		    (s < e && *s != '#');
		p = nl + 1;
	}
}

/* Letters and digits, at least one letter (line numbers are printed). */
static bool
alnum_only(const char *s, size_t n)
{
	size_t	i;
	bool	letter = false;

	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]))
			return false;
		letter |= isalpha((unsigned char)s[i]) != 0;
	}
	return letter;
}

static size_t
occurrences(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t	i, k = 0;

	for (i = 0; i + nlen <= hlen; i++)
		k += memcmp(hay + i, needle, nlen) == 0;
	return k;
}

/*
 * How often the password pw (letters and digits, at most 64) could come
 * out of the line once curl has normalised it: the line read with case
 * and %XX folded, so that "hiddEn5" or "h%69dden5" next to the password
 * "hidden5" does not count as printing it.
 */
static size_t
folded_occurrences(const struct line *l, const char *pw, size_t n)
{
	char	*f = malloc(l->len + 1), lpw[64];
	size_t	 i, k, flen = 0;
	int	 h, lo;

	if (f == NULL)
		abort();
	for (i = 0; i < l->len; i++) {
		if (l->p[i] == '%' && i + 2 < l->len &&
		    (h = hexval(l->p[i + 1])) >= 0 &&
		    (lo = hexval(l->p[i + 2])) >= 0) {
			f[flen++] = (char)tolower(h << 4 | lo);
			i += 2;
		} else
			f[flen++] = (char)tolower((unsigned char)l->p[i]);
	}
	for (i = 0; i < n; i++)
		lpw[i] = (char)tolower((unsigned char)pw[i]);
	k = occurrences(f, flen, lpw, n);
	free(f);
	return k;
}

/* The fixed texts of records: every reason curl and the reader give. */
static struct textbuf	 noise;

/*
 * A password that must never be printed: alphanumeric with a letter (so
 * that masking, truncation or a line number cannot make it up), 3 to 64
 * bytes (which keeps the search linear), written only once in the line,
 * even with case and %XX folded (so that any copy in the output is that
 * one), and in none of the fixed texts (curl's "Bad hostname" holds
 * "hostnam").
 */
static bool
secret(const struct line *l, const char *pw, size_t n)
{
	return n >= 3 && n <= 64 && alnum_only(pw, n) &&
	    folded_occurrences(l, pw, n) == 1 &&
	    occurrences(noise.data, noise.len, pw, n) == 0;
}

/*
 * The password of a line of the form scheme://user:pass@host (the
 * authority up to '/', '?' or '#', its last '@', the first ':' before
 * it), read as a C string, as the reader does; false if none.
 */
static bool
written_password(const struct line *l, const char **pw, size_t *n)
{
	const char	*p = l->p, *end, *auth, *at = NULL, *colon, *q;

	end = memchr(p, '\0', l->len);
	if (end == NULL)
		end = p + l->len;
	while (p < end && !isalpha((unsigned char)*p))	/* BOM, space */
		p++;
	for (q = p; q < end && (isalnum((unsigned char)*q) || *q == '+' ||
	    *q == '-' || *q == '.'); q++)
		;
	if (q == p || end - q < 3 || memcmp(q, "://", 3) != 0)
		return false;
	auth = q + 3;
	for (q = auth; q < end && *q != '/' && *q != '?' && *q != '#'; q++) {
		if (*q == '@')
			at = q;
	}
	if (at == NULL || (colon = memchr(auth, ':', at - auth)) == NULL)
		return false;
	*pw = colon + 1;
	*n = at - *pw;
	return true;
}

static void
no_secret_in(const struct line *l, const char *s, size_t slen)
{
	const char	*pw;
	size_t		 n;

	if (written_password(l, &pw, &n) && secret(l, pw, n) &&
	    occurrences(s, slen, pw, n) != 0) {
		fprintf(stderr, "password '%.*s' printed: %.*s\n", (int)n, pw,
		    (int)slen, s);
		FUZZ_CHECK(!"a password is printed back");
	}
}

/* --- a strict reader of the JSON the sink writes ------------------------ */

struct json {
	const char	*p, *end;
	struct textbuf	 str;		/* the last string decoded */
};

static void
put_cp(struct textbuf *b, unsigned cp)
{
	char	u[3];

	if (cp < 0x80)
		buf_addc(b, (char)cp);
	else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 2);
	} else {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 3);
	}
}

/* A JSON string at j->p, decoded into j->str; false if malformed. */
static bool
json_str(struct json *j)
{
	unsigned	cp;
	int		i, h;

	j->str.len = 0;
	if (j->p == j->end || *j->p++ != '"')
		return false;
	while (j->p < j->end && *j->p != '"') {
		if ((unsigned char)*j->p < 0x20)
			return false;
		if (*j->p != '\\') {
			buf_addc(&j->str, *j->p++);
			continue;
		}
		if (++j->p == j->end)
			return false;
		switch (*j->p++) {
		case '"':	buf_addc(&j->str, '"'); break;
		case '\\':	buf_addc(&j->str, '\\'); break;
		case '/':	buf_addc(&j->str, '/'); break;
		case 'b':	buf_addc(&j->str, '\b'); break;
		case 'f':	buf_addc(&j->str, '\f'); break;
		case 'n':	buf_addc(&j->str, '\n'); break;
		case 'r':	buf_addc(&j->str, '\r'); break;
		case 't':	buf_addc(&j->str, '\t'); break;
		case 'u':
			if (j->end - j->p < 4)
				return false;
			for (cp = 0, i = 0; i < 4; i++) {
				if ((h = hexval(*j->p++)) < 0)
					return false;
				cp = cp << 4 | (unsigned)h;
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				return false;	/* never written alone */
			put_cp(&j->str, cp);
			break;
		default:
			return false;
		}
	}
	if (j->p == j->end)
		return false;
	j->p++;
	buf_addc(&j->str, '\0');
	j->str.len--;
	return true;
}

static bool
json_word(struct json *j, const char *w)
{
	size_t	n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return false;
	j->p += n;
	return true;
}

static bool
json_number(struct json *j)
{
	const char	*s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	while (j->p < j->end && (isdigit((unsigned char)*j->p) ||
	    *j->p == '.' || *j->p == 'e' || *j->p == 'E' || *j->p == '+' ||
	    *j->p == '-'))
		j->p++;
	return j->p > s && isdigit((unsigned char)j->p[-1]);
}

/*
 * One record: a flat object of strings, numbers, booleans and nulls.
 * Returns the line number its "input" names (0 if none), and checks
 * each string value for the password of that line.
 */
static size_t
json_record(const char *s, size_t len)
{
	struct json	 j = { s, s + len, { NULL, 0, 0 } };
	char		 key[32];
	size_t		 lineno = 0, nkeys = 0;
	char		*strs[CSV_FIELDS];
	size_t		 lens[CSV_FIELDS], i, nstrs = 0;
	unsigned long	 v;
	char		*endp;

	FUZZ_CHECK(fuzz_valid_utf8(s, len));
	for (i = 0; i < len; i++)
		FUZZ_CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	FUZZ_CHECK(json_word(&j, "{"));
	for (;;) {
		FUZZ_CHECK(json_str(&j));
		FUZZ_CHECK(j.str.len < sizeof key);
		memcpy(key, j.str.data, j.str.len + 1);
		FUZZ_CHECK(json_word(&j, ":"));
		if (j.p < j.end && *j.p == '"') {
			FUZZ_CHECK(json_str(&j));
			FUZZ_CHECK(nstrs < CSV_FIELDS);
			strs[nstrs] = xmalloc(j.str.len + 1);
			memcpy(strs[nstrs], j.str.data, j.str.len + 1);
			lens[nstrs++] = j.str.len;
			if (strcmp(key, "input") == 0) {
				FUZZ_CHECK(strncmp(j.str.data, "stdin:", 6) == 0);
				v = strtoul(j.str.data + 6, &endp, 10);
				FUZZ_CHECK(*endp == '\0' && v >= 1 &&
				    v <= nlines);
				lineno = v;
			}
		} else if (!json_word(&j, "null") && !json_word(&j, "true") &&
		    !json_word(&j, "false"))
			FUZZ_CHECK(json_number(&j));
		nkeys++;
		if (json_word(&j, "}"))
			break;
		FUZZ_CHECK(json_word(&j, ","));
	}
	FUZZ_CHECK(j.p == j.end);
	FUZZ_CHECK(nkeys == CSV_FIELDS);
	FUZZ_CHECK(lineno != 0);
	for (i = 0; i < nstrs; i++) {
		no_secret_in(&lines[lineno - 1], strs[i], lens[i]);
		free(strs[i]);
	}
	free(j.str.data);
	return lineno;
}

/* --- the reader, as an engine drives it --------------------------------- */

/* The password curl finds in a URL it accepts, or NULL. */
static char *
curl_password(const char *url)
{
	CURLU	*u = curl_url();
	char	*pw = NULL;

	FUZZ_CHECK(u != NULL);
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) != CURLUE_OK)
		pw = NULL;
	curl_url_cleanup(u);
	return pw;
}

static size_t
lineno_of(const char *input)
{
	char		*endp;
	unsigned long	 v;

	FUZZ_CHECK(strncmp(input, "stdin:", 6) == 0);
	v = strtoul(input + 6, &endp, 10);
	FUZZ_CHECK(*endp == '\0' && v >= 1 && v <= nlines);
	return v;
}

/* Read the list in data into a sink of format fmt; the output in *out. */
static void
run_reader(const uint8_t *data, size_t size, enum format fmt, char **out,
    size_t *outlen, size_t *njobs)
{
	struct options	 opt;
	struct source	*src;
	struct sink	*sink;
	struct frontier	*seen;
	struct result	*r;
	struct job	*j;
	struct line	*l;
	FILE		*in, *o;
	char		 err[256], *pw, *final;
	size_t		 ln, last = 0;

	/* glibc's fmemopen wants a buffer even for no bytes. */
	in = fmemopen(size ? (void *)data : (void *)"", size, "r");
	FUZZ_CHECK(in != NULL);
	o = open_memstream(out, outlen);
	FUZZ_CHECK(o != NULL);
	memset(&opt, 0, sizeof opt);
	opt.format = fmt;
	sink = sink_new(&opt, o, false, NULL);
	src = source_open(NULL, 0, 0, in, err, sizeof err);
	FUZZ_CHECK(src != NULL);
	seen = frontier_mem_new();
	*njobs = 0;
	while ((j = source_next(src, sink)) != NULL) {
		(*njobs)++;
		ln = lineno_of(j->input);
		FUZZ_CHECK(ln > last);
		last = ln;
		l = &lines[ln - 1];	/* its record is counted in the output */
		/* What a job shows never holds the password curl sends. */
		if ((pw = curl_password(j->url)) != NULL) {
			if (secret(l, pw, strlen(pw)) &&
			    strstr(j->given, pw) != NULL) {
				fprintf(stderr, "password '%s' shown: %s\n",
				    pw, j->given);
				FUZZ_CHECK(!"a job shows its password");
			}
			curl_free(pw);
		}
		no_secret_in(l, j->given, strlen(j->given));
		/* As the scheduler does: a duplicate gets its record now. */
		if (seed_duplicate(seen, j, sink))
			continue;
		/* A record as fetch.c makes one: the final URL masked. */
		final = url_mask_password(j->url);
		r = result_from_job(j);
		if (r->seq % 2 == 0) {
			r->ok = true;
			r->final_url = final;
			r->status = 200;
			r->content_type = xstrdup(r->url);
			r->charset = "utf-8";
		} else {
			free(final);
			result_fail(r, "cannot fetch %s", r->url);
		}
		sink_emit(sink, r);
	}
	FUZZ_CHECK(!source_failed(src));
	frontier_close(seen, true);
	source_close(src);
	sink_free(sink);
	FUZZ_CHECK(fclose(o) == 0);
	fclose(in);
}

/* JSON Lines: each record well-formed; with the jobs, one per line. */
static void
check_jsonl(const char *out, size_t len)
{
	const char	*p = out, *end = out + len, *nl;
	size_t		 ln;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		FUZZ_CHECK(nl != NULL);
		ln = json_record(p, nl - p);
		lines[ln - 1].seen++;
		p = nl + 1;
	}
}

/* Parse RFC 4180 records; returns how many, each of CSV_FIELDS fields. */
static size_t
check_csv(const char *out, size_t len)
{
	const char	*p = out, *end = out + len;
	size_t		 records = 0, fields;

	FUZZ_CHECK(fuzz_valid_utf8(out, len));
	if (len == 0)
		return 0;	/* the header comes with the first record */
	FUZZ_CHECK(len >= strlen(csv_header(0)) &&
	    memcmp(out, csv_header(0), strlen(csv_header(0))) == 0);
	p += strlen(csv_header(0));
	while (p < end) {
		fields = 0;
		for (;;) {
			fields++;
			if (p < end && *p == '"') {
				for (p++;; p++) {
					FUZZ_CHECK(p < end);
					if (*p != '"')
						continue;
					if (p + 1 < end && p[1] == '"') {
						p++;
						continue;
					}
					break;
				}
				p++;
			} else {
				while (p < end && *p != ',' && *p != '\r' &&
				    *p != '\n' && *p != '"')
					p++;
			}
			FUZZ_CHECK(p < end);
			if (*p == ',') {
				p++;
				continue;
			}
			FUZZ_CHECK(end - p >= 2 && p[0] == '\r' && p[1] == '\n');
			p += 2;
			break;
		}
		FUZZ_CHECK(fields == CSV_FIELDS);
		records++;
	}
	return records;
}

/* Text: one line per record, control bytes shown, not written. */
static size_t
check_text(const char *out, size_t len)
{
	size_t	i, records = 0;

	for (i = 0; i < len; i++) {
		if (out[i] == '\n') {
			records++;
			continue;
		}
		FUZZ_CHECK((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
	}
	FUZZ_CHECK(len == 0 || out[len - 1] == '\n');
	return records;
}

/* --- the escapers on their own ------------------------------------------ */

/* s with each byte that does not start valid UTF-8 replaced by U+FFFD. */
static void
sanitized(struct textbuf *b, const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n = strlen(s), k;

	b->len = 0;
	while (n > 0) {
		if ((k = fuzz_utf8_seq(u, n)) == 0) {
			buf_add(b, "\xef\xbf\xbd", 3);
			k = 1;
		} else
			buf_add(b, u, k);
		u += k;
		n -= k;
	}
}

static void
check_escapers(const char *s)
{
	struct textbuf	 b = { NULL, 0, 0 }, want = { NULL, 0, 0 };
	struct json	 j;
	const char	*p, *end;
	char		*m1, *m2;
	size_t		 i;
	bool		 quoted;

	sanitized(&want, s);

	json_string(&b, s);
	FUZZ_CHECK(fuzz_valid_utf8(b.data, b.len));
	for (i = 0; i < b.len; i++)
		FUZZ_CHECK((unsigned char)b.data[i] >= 0x20 &&
		    b.data[i] != 0x7f);
	j.p = b.data;
	j.end = b.data + b.len;
	memset(&j.str, 0, sizeof j.str);
	FUZZ_CHECK(json_str(&j) && j.p == j.end);
	FUZZ_CHECK(j.str.len == want.len && (want.len == 0 ||
	    memcmp(j.str.data, want.data, want.len) == 0));
	free(j.str.data);

	b.len = 0;
	csv_field(&b, s);
	FUZZ_CHECK(fuzz_valid_utf8(b.data, b.len));
	p = b.data;
	end = b.data + b.len;
	quoted = b.len > 0 && *p == '"';
	if (quoted) {
		FUZZ_CHECK(b.len >= 2 && end[-1] == '"');
		p++;
		end--;
	}
	for (i = 0; p < end; p++, i++) {
		FUZZ_CHECK(i < want.len);
		if (*p == '"') {
			FUZZ_CHECK(quoted && p + 1 < end && p[1] == '"');
			p++;
		} else if (!quoted)
			FUZZ_CHECK(*p != ',' && (unsigned char)*p >= 0x20 &&
			    *p != 0x7f);
		FUZZ_CHECK(*p == want.data[i]);
	}
	FUZZ_CHECK(i == want.len);
	if (want.len > 0 && (want.data[0] == ' ' ||
	    want.data[want.len - 1] == ' '))
		FUZZ_CHECK(quoted);

	/* Masking is idempotent: what a record shows stays as it is. */
	m1 = url_mask_password(s);
	m2 = url_mask_password(m1);
	FUZZ_CHECK(strcmp(m1, m2) == 0);
	free(m1);
	free(m2);

	b.len = 0;
	text_safe(&b, s);
	for (i = 0; i < b.len; i++)
		FUZZ_CHECK((unsigned char)b.data[i] >= 0x20 &&
		    b.data[i] != 0x7f);

	free(b.data);
	free(want.data);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int	i;

	(void)argc;
	(void)argv;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (i = 0; i <= CURLUE_LAST; i++)
		buf_printf(&noise, "%s\n", curl_url_strerror((CURLUcode)i));
	buf_adds(&noise, "not a URL (expected http:// or https://)\n"
	    "unsupported scheme '' (only http and https)\nnot a valid URL: \n"
	    "line longer than 8192 bytes (8 KiB)\nline holds a NUL byte\n"
	    "stdin:\ncannot fetch \nutf-8\nfuzz\n");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*out, *s;
	size_t	 outlen, njobs, i, want = 0, records;

	split_lines((const char *)data, size);
	for (i = 0; i < nlines; i++)
		want += lines[i].counts;

	run_reader(data, size, FORMAT_JSONL, &out, &outlen, &njobs);
	check_jsonl(out, outlen);
	free(out);
	for (i = 0; i < nlines; i++) {
		if (lines[i].seen != (lines[i].counts ? 1u : 0u)) {
			fprintf(stderr, "line %zu: %zu records, want %d\n",
			    i + 1, lines[i].seen, lines[i].counts);
			FUZZ_CHECK(!"one record per line");
		}
	}

	run_reader(data, size, FORMAT_CSV, &out, &outlen, &njobs);
	records = check_csv(out, outlen);
	FUZZ_CHECK(records == want);
	free(out);

	run_reader(data, size, FORMAT_TEXT, &out, &outlen, &njobs);
	records = check_text(out, outlen);
	FUZZ_CHECK(records == want);
	free(out);

	/* The escapers on the input as one C string (up to a NUL). */
	s = xmalloc(size + 1);
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	check_escapers(s);
	free(s);
	return 0;
}
