/*
 * Record formatting. Every string a server or an input file controls goes
 * through an escaper: JSON gets valid UTF-8 with control characters
 * escaped, CSV gets RFC 4180 quoting, text gets control bytes shown as
 * \xNN so one record is always one line.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "buf.h"
#include "format.h"

/*
 * Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when
 * the bytes there are not valid UTF-8 (overlong, surrogate, truncated).
 */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * Append the UTF-8 sequence at p (n bytes left) and return its length; a
 * byte that does not start a valid sequence becomes repl, and counts 1.
 */
static size_t
add_utf8(struct textbuf *b, const unsigned char *p, size_t n,
    const char *repl)
{
	size_t len;

	if ((len = utf8_len(p, n)) == 0) {
		buf_adds(b, repl);
		return 1;
	}
	buf_add(b, p, len);
	return len;
}

/* The two-character JSON escape of c, or NULL when it has none. */
static const char *
json_escape(unsigned char c)
{
	switch (c) {
	case '"':	return "\\\"";
	case '\\':	return "\\\\";
	case '\n':	return "\\n";
	case '\r':	return "\\r";
	case '\t':	return "\\t";
	default:	return NULL;
	}
}

void
json_string(struct textbuf *b, const char *s)
{
	json_stringn(b, s, strlen(s));
}

void
json_stringn(struct textbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;
	const char *esc;

	buf_addc(b, '"');
	for (; n > 0; p += len, n -= len) {
		len = 1;
		if ((esc = json_escape(*p)) != NULL)
			buf_adds(b, esc);
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\u%04x", *p);
		else
			len = add_utf8(b, p, n, "\\ufffd");
	}
	buf_addc(b, '"');
}

void
csv_field(struct textbuf *b, const char *s)
{
	csv_fieldn(b, s, strlen(s));
}

void
csv_fieldn(struct textbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;
	bool quote = false;

	for (len = 0; len < n; len++)
		if (p[len] < 0x20 || p[len] == ',' || p[len] == '"' ||
		    p[len] == 0x7f)
			quote = true;
	if (n > 0 && (p[0] == ' ' || p[n - 1] == ' '))
		quote = true;
	if (quote)
		buf_addc(b, '"');
	for (; n > 0; p += len, n -= len) {
		len = 1;
		if (*p == '"')
			buf_adds(b, "\"\"");
		else
			len = add_utf8(b, p, n, "\xef\xbf\xbd");
	}
	if (quote)
		buf_addc(b, '"');
}

void
text_safe(struct textbuf *b, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\x%02x", *p);
		else
			buf_addc(b, (char)*p);
	}
}

#define CSV_FIELDS "url,input,final_url,status,ok,duplicate_of," \
	"content_type,charset,bytes,chars,time_ms,ttfb_ms,engine,attempts," \
	"depth,referrer,error,robots"

#define CSV_STATE ",not_modified,changed,skipped,replayed"

/* What a record cut by a stop says (stop.c's stop_reason()). */
static const char *const cut_by[] = {
	"interrupted by SIGINT", "interrupted by SIGTERM",
	"interrupted by SIGHUP", "interrupted by SIGQUIT",
	"interrupted by an output error",
	"interrupted by the loss of the --frontier",
};
#define NCUT	(sizeof cut_by / sizeof cut_by[0])

/* Whether s (n bytes) is a stop's error, "not started: " or not. */
static bool
cut_error(const char *s, size_t n)
{
	size_t i, k;

	if (n > 13 && memcmp(s, "not started: ", 13) == 0) {
		s += 13;
		n -= 13;
	}
	for (i = 0; i < NCUT; i++)
		if ((k = strlen(cut_by[i])) == n && memcmp(s, cut_by[i], k) == 0)
			return true;
	return false;
}

/* The CSV column of the error, in every header (CSV_FIELDS). */
#define CSV_ERROR_COLUMN	16

bool
format_interrupted(enum format fmt, const char *line, size_t len,
    bool *quoted)
{
	const char *p, *end, *v;
	bool was = *quoted, q = false;
	int col = 0;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	end = line + len;
	switch (fmt) {
	case FORMAT_JSONL:
		/* A string's quotes are escaped: this is the field. */
		if ((v = memmem(line, len, ",\"error\":\"", 10)) == NULL)
			return false;
		v += 10;
		return (p = memchr(v, '"', (size_t)(end - v))) != NULL &&
		    cut_error(v, (size_t)(p - v));
	case FORMAT_CSV:
		/* RFC 4180: "" in a quoted field is a quote. */
		for (p = line; p < end; p++)
			if (*p == '"')
				*quoted = !*quoted;
		if (was || *quoted)
			return false;
		for (p = v = line; p <= end; p++) {
			if (p < end && *p == '"')
				q = !q;
			if (p < end && (q || *p != ','))
				continue;
			if (col++ == CSV_ERROR_COLUMN)
				return cut_error(v, (size_t)(p - v));
			v = p + 1;
		}
		return false;
	case FORMAT_TEXT:
		/* "Failed URL: ERROR[ (N attempts)]"; a URL has no ": ". */
		if (len < 7 || memcmp(line, "Failed ", 7) != 0 ||
		    (v = memmem(line, len, ": ", 2)) == NULL)
			return false;
		if (len > 11 && memcmp(end - 10, " attempts)", 10) == 0) {
			for (p = end - 11; p > v && *p >= '0' && *p <= '9'; p--)
				;
			if (p > v + 1 && p < end - 11 && p[0] == '(' &&
			    p[-1] == ' ')
				end = p - 1;
		}
		return cut_error(v + 2, (size_t)(end - v - 2));
	}
	return false;
}

const char *
csv_header(unsigned fields)
{
	/* Indexed by fields: the optional columns come last, in this order. */
	static const char *const header[] = {
		CSV_FIELDS "\r\n",
		CSV_FIELDS ",text_file\r\n",
		CSV_FIELDS ",text\r\n",
		CSV_FIELDS ",text_file,text\r\n",
		CSV_FIELDS ",links_cut\r\n",
		CSV_FIELDS ",links_cut,text_file\r\n",
		CSV_FIELDS ",links_cut,text\r\n",
		CSV_FIELDS ",links_cut,text_file,text\r\n",
		CSV_FIELDS CSV_STATE "\r\n",
		CSV_FIELDS CSV_STATE ",text_file\r\n",
		CSV_FIELDS CSV_STATE ",text\r\n",
		CSV_FIELDS CSV_STATE ",text_file,text\r\n",
		CSV_FIELDS ",links_cut" CSV_STATE "\r\n",
		CSV_FIELDS ",links_cut" CSV_STATE ",text_file\r\n",
		CSV_FIELDS ",links_cut" CSV_STATE ",text\r\n",
		CSV_FIELDS ",links_cut" CSV_STATE ",text_file,text\r\n",
	};

	return header[fields & (FIELD_TEXT_FILE | FIELD_TEXT |
	    FIELD_LINKS_CUT | FIELD_STATE)];
}

unsigned
format_fields(const struct options *opt)
{
	return (opt->save_text != NULL ? FIELD_TEXT_FILE : 0) |
	    (opt->text ? FIELD_TEXT : 0) |
	    (opt->depth > 0 ? FIELD_LINKS_CUT : 0) |
	    (opt->state != NULL && !opt->dry_run ? FIELD_STATE : 0);
}

static void
json_field(struct textbuf *b, const char *name, const char *v)
{
	buf_printf(b, ",\"%s\":", name);
	if (v == NULL)
		buf_adds(b, "null");
	else
		json_string(b, v);
}

static void
csv_next(struct textbuf *b, const char *v)
{
	buf_addc(b, ',');
	if (v != NULL)
		csv_field(b, v);
}

/* changed as JSON, and as CSV (empty when unknown). */
static const char *
changed_name(const struct result *r, bool json)
{
	switch (r->changed) {
	case CHANGED_YES:
		return "true";
	case CHANGED_NO:
		return "false";
	default:
		return json ? "null" : "";
	}
}

void
format_record(struct textbuf *b, enum format fmt, unsigned fields,
    const struct result *r)
{
	unsigned depth = r->job != NULL ? r->job->depth : 0;
	const char *referrer = r->job != NULL ? r->job->referrer : NULL;

	switch (fmt) {
	case FORMAT_TEXT:
		if (r->duplicate_of != NULL) {
			buf_adds(b, "Skipped ");
			text_safe(b, r->url);
			buf_adds(b, ": duplicate of ");
			text_safe(b, r->duplicate_of);
		} else if (r->skipped != NULL) {
			buf_adds(b, "Skipped ");
			text_safe(b, r->url);
			buf_printf(b, ": fetched less than --since ago (%" PRIu64
			    " characters)", r->chars);
		} else if (r->ok) {
			buf_printf(b, "Fetched %" PRIu64 " characters from ",
			    r->chars);
			text_safe(b, r->url);
			if (r->not_modified)
				buf_adds(b, " (not modified)");
			else if (r->changed == CHANGED_YES)
				buf_adds(b, " (changed)");
			if (r->links_cut > 0)
				buf_printf(b, " (%" PRIu64 " links: only the"
				    " first --max-links followed)",
				    r->links_cut);
		} else {
			buf_adds(b, "Failed ");
			text_safe(b, r->url);
			buf_adds(b, ": ");
			text_safe(b, r->error ? r->error : "unknown error");
			if (r->attempts > 1)
				buf_printf(b, " (%u attempts)", r->attempts);
		}
		if (r->replayed)
			buf_adds(b, " (replayed)");
		buf_addc(b, '\n');
		break;
	case FORMAT_JSONL:
		buf_adds(b, "{\"url\":");
		json_string(b, r->url);
		json_field(b, "input", r->input);
		json_field(b, "final_url", r->final_url);
		buf_printf(b, ",\"status\":%ld,\"ok\":%s", r->status,
		    r->ok ? "true" : "false");
		json_field(b, "duplicate_of", r->duplicate_of);
		json_field(b, "content_type", r->content_type);
		json_field(b, "charset", r->charset);
		buf_printf(b, ",\"bytes\":%" PRIu64 ",\"chars\":%" PRIu64
		    ",\"time_ms\":%.3f,\"ttfb_ms\":%.3f", r->bytes, r->chars,
		    r->time_ms, r->ttfb_ms);
		json_field(b, "engine", r->engine);
		buf_printf(b, ",\"attempts\":%u,\"depth\":%u", r->attempts,
		    depth);
		json_field(b, "referrer", referrer);
		json_field(b, "error", r->error);
		json_field(b, "robots", r->robots);
		/* Only a fetch done again after a lease ran out has it. */
		if (r->job != NULL && r->job->releases > 0)
			buf_printf(b, ",\"releases\":%u", r->job->releases);
		if ((fields & FIELD_LINKS_CUT) && r->links_cut > 0)
			buf_printf(b, ",\"links_cut\":%" PRIu64, r->links_cut);
		else if (fields & FIELD_LINKS_CUT)
			buf_adds(b, ",\"links_cut\":null");
		if (fields & FIELD_STATE) {
			buf_printf(b, ",\"not_modified\":%s,\"changed\":%s",
			    r->not_modified ? "true" : "false",
			    changed_name(r, true));
			json_field(b, "skipped", r->skipped);
			buf_printf(b, ",\"replayed\":%s",
			    r->replayed ? "true" : "false");
		}
		if (fields & FIELD_TEXT_FILE)
			json_field(b, "text_file", r->text_file);
		/* The text may hold a NUL (from &#0; or a NUL byte). */
		if ((fields & FIELD_TEXT) && r->text != NULL) {
			buf_adds(b, ",\"text\":");
			json_stringn(b, r->text, r->text_len);
		} else if (fields & FIELD_TEXT)
			buf_adds(b, ",\"text\":null");
		buf_adds(b, "}\n");
		break;
	case FORMAT_CSV:
		csv_field(b, r->url);
		csv_next(b, r->input);
		csv_next(b, r->final_url);
		buf_printf(b, ",%ld,%s", r->status, r->ok ? "true" : "false");
		csv_next(b, r->duplicate_of);
		csv_next(b, r->content_type);
		csv_next(b, r->charset);
		buf_printf(b, ",%" PRIu64 ",%" PRIu64 ",%.3f,%.3f", r->bytes,
		    r->chars, r->time_ms, r->ttfb_ms);
		csv_next(b, r->engine);
		buf_printf(b, ",%u,%u", r->attempts, depth);
		csv_next(b, referrer);
		csv_next(b, r->error);
		csv_next(b, r->robots);
		if (fields & FIELD_LINKS_CUT)
			buf_addc(b, ',');
		if ((fields & FIELD_LINKS_CUT) && r->links_cut > 0)
			buf_printf(b, "%" PRIu64, r->links_cut);
		if (fields & FIELD_STATE) {
			buf_printf(b, ",%s,%s", r->not_modified ? "true" :
			    "false", changed_name(r, false));
			csv_next(b, r->skipped);
			buf_adds(b, r->replayed ? ",true" : ",false");
		}
		if (fields & FIELD_TEXT_FILE)
			csv_next(b, r->text_file);
		if (fields & FIELD_TEXT)
			buf_addc(b, ',');
		if ((fields & FIELD_TEXT) && r->text != NULL)
			csv_fieldn(b, r->text, r->text_len);
		buf_adds(b, "\r\n");
		break;
	}
}
