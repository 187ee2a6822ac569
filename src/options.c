/*
 * The option table and its parser. Each entry says an option's name,
 * argument, default, help and type: the field of struct options it sets
 * and the handler that parses it, one per type of argument, a handler of
 * its own only where an option needs code. The one sorted table drives
 * the defaults, getopt_long, config files, --help and
 * tests/integration/docs.sh, which fails when the table, --help and the
 * man page disagree (the curl tool_getparam.c / test1139 model).
 *
 * Not here: what the options mean to a run (main.c, scheduler.c, the
 * engines read struct options).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <gumbo.h>

#include "engine.h"
#include "options.h"
#include "xmalloc.h"

struct optdef;

/*
 * Applies an option's argument (NULL for a flag) to the options. One
 * handler serves every option of a type, from the entry's field, range or
 * name list; an option that needs code of its own has a handler of its own.
 */
typedef void opthandler(struct options *, const struct optdef *,
    const char *);

struct optdef {
	const char	*name;
	int		 letter;	/* short option, or 0 */
	const char	*arg;		/* argument name, NULL for a flag */
	const char	*def;		/* default, applied at start */
	const char	*help;
	opthandler	*fn;
	size_t		 off;		/* the field in struct options ... */
	size_t		 size;		/* ... and its size */
	long		 min;		/* INT: range; FLAG: value; */
	long		 max;		/* SECS: least milliseconds */
	const char *const *names;	/* set_enum: names in enum order */
	bool		 def_prose;	/* def only describes the zero value */
	bool		 cmdline;	/* not allowed in a config file */
};

/* Generic handlers, one per type of argument. */
static opthandler set_flag, set_count, set_int, set_secs, set_pct, set_rate,
    set_size, set_string, set_enum, set_duration;
/* Options that need code of their own. */
static opthandler set_engine, add_header, show_help, show_version,
    set_nothing, set_shard, set_save_text, set_user_agent, add_input,
    set_output, set_http2, set_cacert;

/*
 * The types, for the table below:
 *   FLAG(field, v)	a flag that sets a bool to v
 *   COUNT(field)	a flag that counts in an int (-v -v)
 *   INT(field, lo, hi)	an integer from lo to hi, in an int, unsigned,
 *			long or uint64_t
 *   SECS(field, lo)	seconds, decimals allowed, as milliseconds in a
 *			long; at least lo milliseconds (0 or 1)
 *   DURATION(field)	N with s, m, h or d (none: seconds), greater than
 *			0, as seconds in a long
 *   PCT(field)		a percentage from 0 to 100, in a double
 *   RATE(field)	N, N/s or N/m, as requests a second in a double
 *   SIZE(field)	bytes with an optional K, M or G, in a uint64_t
 *   STRING(field)	the argument itself, in a const char *
 *   ENUM(field, names)	one of names, as its index in an enum or bool
 *   CALL(handler)	code of its own
 */
#define AT(m)		.off = offsetof(struct options, m),		\
			.size = sizeof(((struct options *)0)->m)
#define FLAG(m, v)	.fn = set_flag, AT(m), .min = (v)
#define COUNT(m)	.fn = set_count, AT(m)
#define INT(m, lo, hi)	.fn = set_int, AT(m), .min = (lo), .max = (hi)
#define SECS(m, lo)	.fn = set_secs, AT(m), .min = (lo)
#define DURATION(m)	.fn = set_duration, AT(m)
#define PCT(m)		.fn = set_pct, AT(m)
#define RATE(m)		.fn = set_rate, AT(m)
#define SIZE(m)		.fn = set_size, AT(m)
#define STRING(m)	.fn = set_string, AT(m)
#define ENUM(m, list)	.fn = set_enum, AT(m), .names = (list)
#define CALL(f)		.fn = (f)

/* In the order of enum format, enum scope and shard_by_url's false, true. */
static const char *const formats[] = { "text", "jsonl", "csv", NULL };
static const char *const scopes[] = { "host", "domain", "prefix", NULL };
static const char *const shard_keys[] = { "host", "url", NULL };

/*
 * Sorted by long name. Each default is written here only: options_parse()
 * starts by applying it through the option's handler, --help shows this
 * same string, and tests/integration/docs.sh checks the man page against
 * --help. A flag's default is the opposite of the value it sets; options
 * without one start at zero.
 */
static const struct optdef optdefs[] = {
	{ "cacert", 0, "FILE", NULL,
	  "CA certificates to verify peers with", CALL(set_cacert) },
	{ "config", 'K', "FILE", "$XDG_CONFIG_HOME/pscrape/config",
	  "read long options from FILE, one per line", CALL(set_nothing),
	  .def_prose = true, .cmdline = true },
	{ "connect-timeout", 0, "SECS", "10",
	  "give up connecting after SECS seconds",
	  SECS(connect_timeout_ms, 1) },
	{ "cookie", 'b', "FILE", NULL,
	  "send the cookies of FILE (Netscape format), or the cookie"
	  " NAME=VALUE when it holds a '='", STRING(cookie) },
	{ "cookie-jar", 'c', "FILE", NULL,
	  "write the cookies known at the end of the run to FILE",
	  STRING(cookie_jar) },
	{ "depth", 0, "N", "0",
	  "also fetch the links of fetched pages, up to N hops from the list",
	  INT(depth, 0, 1000) },
	{ "dry-run", 0, NULL, NULL,
	  "check the input and print the URLs that would be fetched",
	  FLAG(dry_run, true) },
	{ "engine", 'e', "NAME", "async",
	  "engine, a comma list of engines, or all: serial, thread, pool,"
	  " process, async", CALL(set_engine) },
	{ "fail-threshold", 0, "PCT", "0",
	  "exit 1 only when more than PCT percent of the URLs failed",
	  PCT(fail_threshold) },
	{ "format", 'f', "FMT", "text",
	  "output format: text, jsonl or csv", ENUM(format, formats) },
	{ "frontier", 0, "URL", NULL,
	  "share the crawl with every process run with the same command and"
	  " URL: redis://HOST[:PORT]/NAME or unix:///PATH?name=NAME",
	  STRING(frontier) },
	{ "header", 'H', "LINE", NULL,
	  "add a request header (repeatable)", CALL(add_header) },
	{ "help", 'h', NULL, NULL,
	  "show this help and exit", CALL(show_help), .cmdline = true },
	{ "host-rate", 0, "N[/s|/m]", NULL,
	  "start at most N requests a second (or minute) per host",
	  RATE(host_rate) },
	{ "http1.1", 0, NULL, NULL,
	  "speak HTTP/1.1 only", FLAG(http_version, CURL_HTTP_VERSION_1_1) },
	{ "http2", 0, NULL, NULL,
	  "try HTTP/2 (as curl: ALPN over TLS, Upgrade: h2c over http://)",
	  CALL(set_http2) },
	{ "input-file", 'i', "FILE", NULL,
	  "read URLs from FILE, one per line, even if its name looks like a"
	  " URL (repeatable; - is stdin)", CALL(add_input), .cmdline = true },
	{ "insecure", 'k', NULL, NULL,
	  "do not verify TLS certificates", FLAG(insecure, true) },
	{ "jobs", 'j', "N", "per engine",
	  "transfers in flight at once, 1-100000; serial 1, thread 100,"
	  " pool 32, process 8, async 100", INT(jobs, 1, 100000),
	  .def_prose = true },
	{ "lease", 0, "SECS", "30",
	  "with --frontier, give a process's URLs to the others when it has"
	  " not been heard of for SECS seconds", SECS(lease_ms, 1) },
	{ "load", 0, NULL, NULL,
	  "with --frontier, put the lists' lines into the shared crawl"
	  " and exit; its processes run with no list",
	  FLAG(load, true) },
	{ "lock", 0, "FILE", NULL,
	  "exit 4 at once when another run holds FILE locked", STRING(lock) },
	{ "lock-wait", 0, "SECS", "0",
	  "wait up to SECS seconds for the --lock", SECS(lock_wait_ms, 0) },
	{ "log", 0, "FILE", NULL,
	  "append start, failures and summary to FILE, timestamped",
	  STRING(log) },
	{ "max-links", 0, "N", "10000",
	  "with --depth, follow only the first N links of a page",
	  INT(max_links, 1, 10000000) },
	{ "max-memory", 0, "BYTES", "1G",
	  "memory that bodies and parses may hold at once in all the run;"
	  " one page at most half of it", SIZE(max_memory) },
	{ "max-pages", 0, "N", NULL,
	  "fetch at most N pages in all, links included",
	  INT(max_pages, 1, LONG_MAX) },
	{ "max-redirs", 0, "N", "10",
	  "follow at most N redirects", INT(max_redirs, 0, 1000) },
	{ "max-size", 0, "BYTES", "10M",
	  "largest decoded body accepted; suffixes K, M, G", SIZE(max_size) },
	{ "no-config", 0, NULL, NULL,
	  "do not read the default config file", CALL(set_nothing),
	  .cmdline = true },
	{ "no-robots", 0, NULL, NULL,
	  "do not fetch or obey robots.txt", FLAG(robots, false) },
	{ "output", 'o', "FILE", "stdout",
	  "write result records to FILE; - is stdout", CALL(set_output),
	  .def_prose = true },
	{ "per-host", 0, "N", "4",
	  "at most N requests in flight to one host; 0: no limit",
	  INT(per_host, 0, 100000) },
	{ "proxy", 'x', "URL", NULL,
	  "send every request through the proxy at URL", STRING(proxy) },
	{ "quiet", 'q', NULL, NULL,
	  "print nothing when every URL is ok; failures on stderr (with"
	  " --fail-threshold, only over it)",
	  FLAG(quiet, true) },
	{ "rate", 0, "N[/s|/m]", NULL,
	  "start at most N requests a second (or minute) in all", RATE(rate) },
	{ "repeat", 0, "N", "1",
	  "run each engine N times, in turns; the table shows medians",
	  INT(repeat, 1, 100) },
	{ "retries", 0, "N", "2",
	  "retry timeouts, connection errors, 429, 502, 503 and 504 N times",
	  INT(retries, 0, 100) },
	{ "save-text", 0, "DIR", NULL,
	  "save each page's extracted text under DIR", CALL(set_save_text) },
	{ "scope", 0, "SCOPE", "host",
	  "links --depth follows: host, domain or prefix",
	  ENUM(scope, scopes) },
	{ "shard", 0, "K/N", NULL,
	  "keep only the URLs of shard K of N (by host)", CALL(set_shard) },
	{ "shard-by", 0, "KEY", "host",
	  "what --shard hashes: host or url", ENUM(shard_by_url, shard_keys) },
	{ "since", 0, "DURATION", NULL,
	  "with --state, do not fetch URLs fetched ok less than DURATION"
	  " ago (N with s, m, h or d)", DURATION(since_s) },
	{ "state", 0, "FILE", NULL,
	  "keep what the run found and finished in FILE (SQLite), and"
	  " resume the run there after an interruption", STRING(state) },
	{ "state-reset", 0, NULL, NULL,
	  "start the --state FILE afresh when it was made by other lists or"
	  " options", FLAG(state_reset, true) },
	{ "status", 0, NULL, NULL,
	  "with --frontier, print the shared crawl's counts and exit",
	  FLAG(status, true) },
	{ "summary", 0, "FILE", NULL,
	  "write the per-engine statistics to FILE as JSON", STRING(summary) },
	{ "text", 0, NULL, NULL,
	  "add each page's extracted text to its jsonl or csv record",
	  FLAG(text, true) },
	{ "timeout", 't', "SECS", "30",
	  "give up one attempt at a URL after SECS seconds in all; with"
	  " retries a URL may take (retries + 1) x SECS and backoff",
	  SECS(timeout_ms, 1) },
	{ "user-agent", 'A', "STR", "pscrape/" PACKAGE_VERSION,
	  "User-Agent header to send", CALL(set_user_agent) },
	{ "verbose", 'v', NULL, NULL,
	  "more detail on stderr (repeatable)", COUNT(verbose) },
	{ "version", 'V', NULL, NULL,
	  "show versions of pscrape and its libraries and exit",
	  CALL(show_version), .cmdline = true },
};
#define NOPTDEFS (sizeof optdefs / sizeof optdefs[0])

/* Print text from column indent, wrapping words before column width. */
static void
print_wrapped(FILE *f, const char *text, int indent, int width)
{
	int col = indent;
	size_t n;

	while (*text != '\0') {
		n = strcspn(text, " ");
		if (col > indent && col + 1 + (int)n > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		}
		fprintf(f, " %.*s", (int)n, text);
		col += 1 + (int)n;
		text += n;
		text += strspn(text, " ");
	}
	fputc('\n', f);
}

void
options_usage(FILE *f)
{
	char left[64], text[512];
	size_t i;

	fprintf(f, "Usage: pscrape [OPTIONS] [FILE|URL...]\n"
	    "Fetch every URL given or listed in FILEs (or stdin, or for -),"
	    " extract the\nvisible text of each page and count its"
	    " characters.\n\n"
	    "Options:\n");
	for (i = 0; i < NOPTDEFS; i++) {
		const struct optdef *d = &optdefs[i];

		if (d->letter != 0)
			snprintf(left, sizeof left, "-%c, --%s%s%s", d->letter,
			    d->name, d->arg ? " " : "", d->arg ? d->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", d->name,
			    d->arg ? " " : "", d->arg ? d->arg : "");
		if (d->def != NULL)
			snprintf(text, sizeof text, "%s (default: %s)",
			    d->help, d->def);
		else
			snprintf(text, sizeof text, "%s", d->help);
		fprintf(f, "  %-28s", left);
		print_wrapped(f, text, 30, 79);
	}
	fprintf(f, "\nExit status:\n"
	    "  0    every URL ok\n"
	    "  1    some URL failed (more than --fail-threshold percent)\n"
	    "  2    usage or input error\n"
	    "  3    output could not be written\n"
	    "  4    the --lock is held by another run\n"
	    "  5    the --frontier could not be reached, or went away\n"
	    "  129  interrupted by SIGHUP\n"
	    "  130  interrupted by SIGINT\n"
	    "  131  interrupted by SIGQUIT\n"
	    "  141  the reader of standard output went away\n"
	    "  143  interrupted by SIGTERM\n"
	    "See pscrape(1) for the output formats and every detail.\n");
}

static void
print_version(void)
{
	curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	printf("pscrape %s\n", PACKAGE_VERSION);
	printf("libcurl %s (%s)\n", cv->version,
	    cv->ssl_version ? cv->ssl_version : "no TLS");
	printf("libevent %s\n", event_get_version());
	/* gumbo 0.10.1 exports no version call; pkg-config saw this one. */
	printf("gumbo %s\n", GUMBO_VERSION);
}

/* "FILE:LINE: " while a config file is read, else "". */
static char where[512];

static void __attribute__((format(printf, 1, 2), noreturn))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pscrape: %s", where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'pscrape --help' for more information.\n", stderr);
	exit(EXIT_USAGE);
}

/*
 * Store v, in range for the field, in the field d names: a bool, an int,
 * unsigned or enum, or a 64-bit integer (long on LP64). Values in range
 * have the same bytes signed or unsigned.
 */
static void
store_int(struct options *o, const struct optdef *d, long v)
{
	char *p = (char *)o + d->off;
	int64_t w = v;
	bool b = v != 0;
	int i = (int)v;

	if (d->size == sizeof b)
		memcpy(p, &b, sizeof b);
	else if (d->size == sizeof i)
		memcpy(p, &i, sizeof i);
	else if (d->size == sizeof w)
		memcpy(p, &w, sizeof w);
	else
		abort();
}

static void
store_double(struct options *o, const struct optdef *d, double v)
{
	memcpy((char *)o + d->off, &v, sizeof v);
}

/* A flag: the field becomes d->min (its default is the opposite). */
static void
set_flag(struct options *o, const struct optdef *d, const char *arg)
{
	(void)arg;
	store_int(o, d, d->min);
}

/* A flag that counts how often it is given. */
static void
set_count(struct options *o, const struct optdef *d, const char *arg)
{
	int *p = (int *)((char *)o + d->off);

	(void)arg;
	(*p)++;
}

/* A finite decimal number at the start of s; *rest is what follows. */
static bool
number(const char *s, double *v, const char **rest)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	*rest = end;
	return end != s && errno == 0 && isfinite(*v);
}

/* An integer from d->min to d->max. */
static void
set_int(struct options *o, const struct optdef *d, const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (end == arg || *end != '\0' || errno != 0 || v < d->min ||
	    v > d->max)
		usage_error("--%s: expected an integer from %ld to %ld,"
		    " got '%s'", d->name, d->min, d->max, arg);
	store_int(o, d, v);
}

/*
 * Seconds, decimals allowed, stored as milliseconds (a long); at least
 * d->min milliseconds, so 0 is refused when d->min is 1.
 */
static void
set_secs(struct options *o, const struct optdef *d, const char *arg)
{
	const char *rest;
	double v;

	if (!number(arg, &v, &rest) || *rest != '\0' ||
	    v < d->min / 1000.0 || v > 86400.0 * 365)
		usage_error("--%s: expected a number of seconds%s, got '%s'",
		    d->name, d->min > 0 ? " greater than 0" : "", arg);
	store_int(o, d, lround(v * 1000.0));
}

/*
 * A duration: a whole number with s, m, h or d (seconds when it has
 * none), greater than 0, at most ten years; stored as seconds.
 */
static void
set_duration(struct options *o, const struct optdef *d, const char *arg)
{
	static const struct {
		char	unit;
		long	secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	char *end;
	long v, mult = 1;
	size_t i;

	errno = 0;
	v = strtol(arg, &end, 10);
	for (i = 0; end[0] != '\0' && end[1] == '\0' &&
	    i < sizeof units / sizeof units[0]; i++)
		if (*end == units[i].unit) {
			mult = units[i].secs;
			end++;
			break;
		}
	if (end == arg || !isdigit((unsigned char)arg[0]) || errno != 0 ||
	    *end != '\0' || v <= 0 || v > 3650L * 86400 / mult)
		usage_error("--%s: expected a duration such as 90s, 30m, 12h"
		    " or 2d, got '%s'", d->name, arg);
	store_int(o, d, v * mult);
}

/* A percentage from 0 to 100, decimals allowed. */
static void
set_pct(struct options *o, const struct optdef *d, const char *arg)
{
	const char *rest;
	double v;

	if (!number(arg, &v, &rest) || *rest != '\0' || v < 0 || v > 100)
		usage_error("--%s: expected a percentage from 0 to 100,"
		    " got '%s'", d->name, arg);
	store_double(o, d, v);
}

/* N, N/s or N/m: stored as requests per second, greater than 0. */
static void
set_rate(struct options *o, const struct optdef *d, const char *arg)
{
	const char *rest;
	double v;

	if (number(arg, &v, &rest) && v > 0) {
		if (*rest == '\0' || strcmp(rest, "/s") == 0) {
			store_double(o, d, v);
			return;
		}
		if (strcmp(rest, "/m") == 0) {
			store_double(o, d, v / 60.0);
			return;
		}
	}
	usage_error("--%s: expected N, N/s or N/m with N greater than 0,"
	    " got '%s'", d->name, arg);
}

/* Bytes with an optional K, M or G suffix (powers of 1024). */
int
parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1024;
		break;
	case 'm': case 'M':
		mult = 1024 * 1024;
		break;
	case 'g': case 'G':
		mult = 1024 * 1024 * 1024;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0' &&
	    !((end[1] == 'b' || end[1] == 'B') && end[2] == '\0'))
		return -1;
	if (v == 0 || v > UINT64_MAX / mult)
		return -1;
	*out = (uint64_t)v * mult;
	return 0;
}

/* A size in bytes, stored as a uint64_t. */
static void
set_size(struct options *o, const struct optdef *d, const char *arg)
{
	uint64_t v;

	if (parse_size(arg, &v) != 0)
		usage_error("--%s: expected a positive number of bytes,"
		    " optionally with K, M or G, got '%s'", d->name, arg);
	memcpy((char *)o + d->off, &v, sizeof v);
}

/* A string, kept as given: argv or o->owned outlive the options. */
static void
set_string(struct options *o, const struct optdef *d, const char *arg)
{
	memcpy((char *)o + d->off, &arg, sizeof arg);
}

/* One of the names d->names lists, stored as its index. */
static void
set_enum(struct options *o, const struct optdef *d, const char *arg)
{
	char list[256];
	size_t i, len = 0;

	for (i = 0; d->names[i] != NULL; i++) {
		if (strcmp(arg, d->names[i]) == 0) {
			store_int(o, d, (long)i);
			return;
		}
		if (len < sizeof list)
			len += snprintf(list + len, sizeof list - len, "%s%s",
			    i == 0 ? "" : d->names[i + 1] == NULL ? " or " :
			    ", ", d->names[i]);
	}
	usage_error("--%s: expected %s, got '%s'", d->name, list, arg);
}

static void
set_engine(struct options *o, const struct optdef *d, const char *arg)
{
	(void)d;
	if (engine_list(arg, NULL, 0) < 0 || arg[0] == '\0')
		usage_error("--engine: expected all or a comma list of"
		    " %s, got '%s'", engine_names(), arg);
	o->engine = arg;
}

static void
add_header(struct options *o, const struct optdef *d, const char *h)
{
	const char *colon = strchr(h, ':');
	struct curl_slist *l;

	(void)d;
	if (colon == NULL || colon == h || strpbrk(h, "\r\n") != NULL)
		usage_error("--header: expected 'Name: value' on one line,"
		    " got '%s'", h);
	l = curl_slist_append(o->headers, h);
	if (l == NULL)
		fatal(EXIT_USAGE, "out of memory");
	o->headers = l;
}

static void
show_help(struct options *o, const struct optdef *d, const char *arg)
{
	(void)o, (void)d, (void)arg;
	options_usage(stdout);
	exit(EXIT_ALL_OK);
}

static void
show_version(struct options *o, const struct optdef *d, const char *arg)
{
	(void)o, (void)d, (void)arg;
	print_version();
	exit(EXIT_ALL_OK);
}

/* --config and --no-config: read before everything else by find_config(). */
static void
set_nothing(struct options *o, const struct optdef *d, const char *arg)
{
	(void)o, (void)d, (void)arg;
}

/* K/N with 1 <= K <= N. */
static void
set_shard(struct options *o, const struct optdef *d, const char *s)
{
	unsigned long k, n;
	char *end, *end2;

	(void)d;
	errno = 0;
	k = strtoul(s, &end, 10);
	if (end != s && *end == '/' && isdigit((unsigned char)end[1])) {
		n = strtoul(end + 1, &end2, 10);
		if (*end2 == '\0' && errno == 0 && k >= 1 && k <= n &&
		    n <= 1000000 && isdigit((unsigned char)s[0])) {
			o->shard_k = (unsigned)k;
			o->shard_n = (unsigned)n;
			return;
		}
	}
	usage_error("--shard: expected K/N with 1 <= K <= N, got '%s'", s);
}

/* A CA file that cannot be read would fail every https URL: say so now. */
static void
set_cacert(struct options *o, const struct optdef *d, const char *arg)
{
	struct stat st;
	int fd;

	(void)d;
	if ((fd = open(arg, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		usage_error("--cacert: cannot read '%s': %s", arg,
		    strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		usage_error("--cacert: '%s' is a directory", arg);
	}
	close(fd);
	o->cacert = arg;
}

static void
set_save_text(struct options *o, const struct optdef *d, const char *arg)
{
	(void)d;
	if (arg[0] == '\0')
		usage_error("--save-text: expected a directory");
	o->save_text = arg;
}

/* -i: a list, whatever its name; the arguments follow them in files. */
static void
add_input(struct options *o, const struct optdef *d, const char *arg)
{
	(void)d;
	o->files = xrealloc(o->files, (o->nlistfiles + 1) * sizeof *o->files);
	o->files[o->nlistfiles++] = (char *)arg;
}

/* -o -: standard output, as if there were no -o. */
static void
set_output(struct options *o, const struct optdef *d, const char *arg)
{
	(void)d;
	o->output = strcmp(arg, "-") == 0 ? NULL : arg;
}

/* libcurl refuses CURL_HTTP_VERSION_2_0 without nghttp2: say so now. */
static void
set_http2(struct options *o, const struct optdef *d, const char *arg)
{
	(void)d, (void)arg;
	if (!(curl_version_info(CURLVERSION_NOW)->features &
	    CURL_VERSION_HTTP2))
		usage_error("--http2: this libcurl has no HTTP/2 support");
	o->http_version = CURL_HTTP_VERSION_2_0;
}

/* The User-Agent is ours to free: the default is copied too. */
static void
set_user_agent(struct options *o, const struct optdef *d, const char *arg)
{
	(void)d;
	if (strpbrk(arg, "\r\n") != NULL)
		usage_error("--user-agent: must be one line");
	free(o->user_agent);
	o->user_agent = xstrdup(arg);
}

/*
 * Every option starts at its default: zero, the opposite of a flag's value
 * or the table's default applied through its handler, so a default that
 * does not parse fails every run at once.
 */
static void
set_defaults(struct options *o)
{
	const struct optdef *d;

	memset(o, 0, sizeof *o);
	for (d = optdefs; d < optdefs + NOPTDEFS; d++) {
		if (d->fn == set_flag)
			store_int(o, d, !d->min);
		else if (d->def != NULL && !d->def_prose)
			d->fn(o, d, d->def);
	}
}

/*
 * The config file to read: -K FILE or --config FILE from the command line,
 * else the default one unless --no-config. *must says whether it must
 * exist. Found before parsing so the command line can override it.
 */
static char *
find_config(int argc, char **argv, bool *must)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *file = NULL;
	bool none = false;
	int i;

	*must = false;
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--no-config") == 0)
			none = true;
		else if ((strcmp(argv[i], "-K") == 0 ||
		    strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			file = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			file = argv[i] + 9;
		else if (strncmp(argv[i], "-K", 2) == 0 && argv[i][2] != '\0')
			file = argv[i] + 2;
	}
	if (file != NULL) {
		*must = true;
		return xstrdup(file);
	}
	if (none)
		return NULL;
	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/pscrape/config", xdg);
	if (home != NULL && home[0] != '\0')
		return xasprintf("%s/.config/pscrape/config", home);
	return NULL;
}

static const struct optdef *
find_long(const char *name)
{
	size_t i;

	for (i = 0; i < NOPTDEFS; i++)
		if (strcmp(optdefs[i].name, name) == 0)
			return &optdefs[i];
	return NULL;
}

/*
 * A value written in double quotes, as curl -K reads them: the quotes go,
 * and inside them \" and \\ stand for " and \. Nothing but blanks may
 * follow the closing quote. Unquoted values are kept as they are.
 */
static void
unquote(char *value)
{
	char *r = value + 1, *w = value;

	if (*value != '"')
		return;
	for (; *r != '"'; r++) {
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		if (*r == '\0')
			usage_error("a quoted value lacks its closing quote");
		*w++ = *r;
	}
	if (r[1 + strspn(r + 1, " \t")] != '\0')
		usage_error("text after a quoted value");
	*w = '\0';
}

/*
 * A config file: long options with or without their dashes, one per line,
 * "name value" or "name = value", flags alone, a value in double quotes
 * when it must keep its blanks (unquote()); blank lines and # comments
 * skipped. The values are kept in o->owned (options point at them) until
 * options_free().
 */
static void
read_config(struct options *o, const char *path, bool must)
{
	const struct optdef *d;
	char *line = NULL, *name, *value, *end;
	unsigned long n = 0;
	size_t cap = 0;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL) {
		if (!must && errno == ENOENT)
			return;
		usage_error("cannot read config '%s': %s", path,
		    strerror(errno));
	}
	while (getline(&line, &cap, f) != -1) {
		n++;
		snprintf(where, sizeof where, "%s:%lu: ", path, n);
		name = line + strspn(line, " \t");
		end = name + strlen(name);
		while (end > name && strchr(" \t\r\n", end[-1]) != NULL)
			*--end = '\0';
		if (*name == '\0' || *name == '#')
			continue;
		if (strncmp(name, "--", 2) == 0)
			name += 2;	/* as on the command line, as curl -K */
		value = name + strcspn(name, " \t=");
		if (*value != '\0') {
			*value++ = '\0';
			value += strspn(value, " \t");
			if (*value == '=')
				value += 1 + strspn(value + 1, " \t");
			unquote(value);
		}
		if ((d = find_long(name)) == NULL || d->cmdline)
			usage_error("unknown option '%s'", name);
		if (d->arg != NULL && *value == '\0')
			usage_error("option '%s' needs a value", name);
		if (d->arg == NULL && *value != '\0')
			usage_error("option '%s' takes no value", name);
		o->owned = xrealloc(o->owned, (o->nowned + 1) *
		    sizeof *o->owned);
		o->owned[o->nowned] = xstrdup(value);
		d->fn(o, d, o->owned[o->nowned++]);
	}
	where[0] = '\0';
	free(line);
	fclose(f);
}

/* getopt_long's value for d: its letter, or 256 and its index. */
static int
getopt_val(const struct optdef *d)
{
	return d->letter != 0 ? d->letter : 256 + (int)(d - optdefs);
}

void
options_parse(struct options *o, int argc, char **argv)
{
	struct option longopts[NOPTDEFS + 1];
	char shortopts[NOPTDEFS * 2 + 3], *sp = shortopts, *config;
	const struct optdef *d;
	bool must;
	size_t i;
	int c;

	/* Hidden, for the build: not in the table, so not in --help. */
	if (argc == 3 && strcmp(argv[1], "--completions") == 0) {
		if (options_completion(stdout, argv[2]) != 0)
			usage_error("--completions: expected bash or zsh");
		exit(fflush(stdout) == 0 ? EXIT_ALL_OK : EXIT_WRITE);
	}
	set_defaults(o);
	if ((config = find_config(argc, argv, &must)) != NULL) {
		read_config(o, config, must);
		free(config);
	}

	/*
	 * Options may follow the lists and URLs, as in curl and wget2
	 * (`pscrape URL -o -`): glibc's getopt_long moves the operands
	 * to the end. "--" ends the options, and POSIXLY_CORRECT in the
	 * environment restores POSIX's stop at the first operand.
	 */
	*sp++ = ':';	/* report a missing argument as ':' */
	for (i = 0; i < NOPTDEFS; i++) {
		d = &optdefs[i];
		longopts[i].name = d->name;
		longopts[i].has_arg = d->arg ? required_argument : no_argument;
		longopts[i].flag = NULL;
		longopts[i].val = getopt_val(d);
		if (d->letter != 0) {
			*sp++ = (char)d->letter;
			if (d->arg)
				*sp++ = ':';
		}
	}
	memset(&longopts[NOPTDEFS], 0, sizeof longopts[0]);
	*sp = '\0';

	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == ':')
			usage_error("option '%s' needs an argument",
			    argv[optind - 1]);
		if (c == '?') {
			if (optopt != 0 && optopt < 256)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
		for (d = optdefs; getopt_val(d) != c; d++)
			continue;
		d->fn(o, d, optarg);
	}
	/* A text record is one line: a page's text has no place in it. */
	if (o->text && o->format == FORMAT_TEXT)
		usage_error("--text: needs -f jsonl or -f csv (a text record"
		    " has no room for the page's text)");
	if (o->nlistfiles == 0) {
		o->files = argv + optind;
		o->nfiles = argc - optind;
		return;
	}
	o->nfiles = o->nlistfiles + argc - optind;
	o->files = xrealloc(o->files, o->nfiles * sizeof *o->files);
	memcpy(o->files + o->nlistfiles, argv + optind,
	    (argc - optind) * sizeof *o->files);
}

void
options_free(struct options *o)
{
	size_t i;

	for (i = 0; i < o->nowned; i++)
		free(o->owned[i]);
	free(o->owned);
	free(o->user_agent);
	curl_slist_free_all(o->headers);
	if (o->nlistfiles > 0)
		free(o->files);
}

/*
 * --completions SHELL, a hidden mode for the build (Makefile.am): the
 * bash or zsh completion of pscrape, made from the table, so that it
 * knows every option and what its argument is.
 */

/* What an option's argument completes to: a file, a directory, words. */
static const char *
arg_kind(const struct optdef *d, char *words, size_t len)
{
	const char *p;
	size_t i, n = 0;

	words[0] = '\0';
	if (d->arg == NULL)
		return NULL;
	if (d->fn == set_engine) {
		n = snprintf(words, len, "all ");
		for (p = engine_names(); *p != '\0' && n + 1 < len; p++)
			if (*p != ',')
				words[n++] = *p;
		words[n] = '\0';
		return "engines";
	}
	if (d->names != NULL) {
		for (i = 0; d->names[i] != NULL && n < len; i++)
			n += snprintf(words + n, len - n, "%s%s", i ? " " : "",
			    d->names[i]);
		return "words";
	}
	if (strcmp(d->arg, "FILE") == 0)
		return "file";
	if (strcmp(d->arg, "DIR") == 0)
		return "dir";
	return "none";
}

static void
complete_bash(FILE *f)
{
	const struct optdef *d;
	const char *kind;
	char words[256];

	fputs("# bash completion for pscrape: made by pscrape --completions"
	    " bash.\n_pscrape()\n{\n"
	    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= pre=\n"
	    "\t[ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	    "\t# --option=value: bash makes '=' a word of its own.\n"
	    "\tif [ \"$cur\" = = ]; then\n\t\tcur=\n"
	    "\telif [ \"$prev\" = = ] && [ \"$COMP_CWORD\" -gt 1 ]; then\n"
	    "\t\tprev=${COMP_WORDS[COMP_CWORD-2]}\n\tfi\n"
	    "\tCOMPREPLY=()\n\tcase $prev in\n", f);
	for (d = optdefs; d < optdefs + NOPTDEFS; d++) {
		if ((kind = arg_kind(d, words, sizeof words)) == NULL)
			continue;
		fprintf(f, "\t--%s", d->name);
		if (d->letter != 0)
			fprintf(f, "|-%c", d->letter);
		if (strcmp(kind, "engines") == 0)
			fprintf(f, ")\n\t\t# A comma list: complete its last name."
			    "\n\t\tlocal w=\"%s\"\n"
			    "\t\tcase $cur in *,*) pre=${cur%%,*},;"
			    " cur=${cur##*,};; *) w=\"all $w\";; esac\n"
			    "\t\tCOMPREPLY=($(compgen -P \"$pre\" -W \"$w\""
			    " -- \"$cur\"))\n\t\treturn;;\n",
			    words + strlen("all "));
		else if (strcmp(kind, "words") == 0)
			fprintf(f, ")\n\t\tCOMPREPLY=($(compgen -W \"%s\" --"
			    " \"$cur\"))\n\t\treturn;;\n", words);
		else if (strcmp(kind, "file") == 0 || strcmp(kind, "dir") == 0)
			fprintf(f, ")\n\t\tcompopt -o filenames 2>/dev/null\n"
			    "\t\tCOMPREPLY=($(compgen -%c -- \"$cur\"))\n"
			    "\t\treturn;;\n", kind[0] == 'f' ? 'f' : 'd');
		else
			fputs(")\n\t\treturn;;\n", f);
	}
	fputs("\tesac\n\tcase $cur in\n\t-*)\n\t\tCOMPREPLY=($(compgen -W \"",
	    f);
	for (d = optdefs; d < optdefs + NOPTDEFS; d++)
		fprintf(f, "%s--%s", d == optdefs ? "" : " ", d->name);
	for (d = optdefs; d < optdefs + NOPTDEFS; d++)
		if (d->letter != 0)
			fprintf(f, " -%c", d->letter);
	fputs("\" -- \"$cur\"));;\n\t*)\n\t\tcompopt -o filenames"
	    " 2>/dev/null\n\t\tCOMPREPLY=($(compgen -f -- \"$cur\"));;\n"
	    "\tesac\n}\ncomplete -F _pscrape pscrape\n", f);
}

/*
 * s inside the '...' of a zsh _arguments spec, a backslash before each
 * character of esc: "]" in a description, ":" in a message.
 */
static void
zsh_quoted(FILE *f, const char *s, const char *esc)
{
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else if (strchr(esc, *s) != NULL)
			fprintf(f, "\\%c", *s);
		else
			fputc(*s, f);
	}
}

static void
complete_zsh(FILE *f)
{
	const struct optdef *d;
	const char *kind;
	char words[256];
	bool many;

	fputs("#compdef pscrape\n# zsh completion for pscrape: made by"
	    " pscrape --completions zsh.\n_arguments -s -S \\\n", f);
	for (d = optdefs; d < optdefs + NOPTDEFS; d++) {
		kind = arg_kind(d, words, sizeof words);
		many = d->fn == set_count || d->fn == add_header;
		fputs("\t", f);
		if (d->letter != 0)
			fprintf(f, "'%s(-%c --%s)'{-%c%s,--%s%s}'", many ? "*" :
			    "", d->letter, d->name, d->letter, kind ? "+" : "",
			    d->name, kind ? "=" : "");
		else
			fprintf(f, "'%s--%s%s", many ? "*" : "", d->name,
			    kind ? "=" : "");
		fputs("[", f);
		zsh_quoted(f, d->help, "]");
		fputs("]", f);
		if (kind != NULL) {
			fputs(":", f);
			zsh_quoted(f, d->arg, ":");
			if (strcmp(kind, "engines") == 0)
				fprintf(f, ":_sequence compadd - %s", words);
			else if (strcmp(kind, "words") == 0)
				fprintf(f, ":(%s)", words);
			else if (strcmp(kind, "file") == 0)
				fputs(":_files", f);
			else if (strcmp(kind, "dir") == 0)
				fputs(":_files -/", f);
			else
				fputs(": ", f);
		}
		fputs("' \\\n", f);
	}
	fputs("\t'*:URL list:_files'\n", f);
}

int
options_completion(FILE *f, const char *shell)
{
	if (strcmp(shell, "bash") == 0)
		complete_bash(f);
	else if (strcmp(shell, "zsh") == 0)
		complete_zsh(f);
	else
		return -1;
	return 0;
}
