/*
 * The option table and its parser. One sorted table drives getopt_long,
 * --help and tests/docs.sh, which fails when the table, --help and the man
 * page disagree (the curl tool_getparam.c / test1139 model).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <gumbo.h>

#include "engine.h"
#include "options.h"
#include "xmalloc.h"

enum {
	OPT_CACERT = 256,
	OPT_CONNECT_TIMEOUT,
	OPT_DEPTH,
	OPT_DRY_RUN,
	OPT_FAIL_THRESHOLD,
	OPT_HOST_RATE,
	OPT_LOCK,
	OPT_LOCK_WAIT,
	OPT_LOG,
	OPT_MAX_PAGES,
	OPT_MAX_REDIRS,
	OPT_MAX_SIZE,
	OPT_NO_CONFIG,
	OPT_NO_ROBOTS,
	OPT_PER_HOST,
	OPT_RATE,
	OPT_RETRIES,
	OPT_SAVE_TEXT,
	OPT_SCOPE,
	OPT_SHARD,
	OPT_SHARD_BY,
	OPT_SUMMARY,
};

struct optdef {
	const char	*name;
	int		 id;		/* short letter, or OPT_* */
	const char	*arg;		/* argument name, NULL for a flag */
	const char	*def;		/* default as documented, or NULL */
	const char	*help;
};

/* Sorted by long name. The defaults here are the documented ones. */
static const struct optdef optdefs[] = {
	{ "cacert", OPT_CACERT, "FILE", NULL,
	  "CA certificates to verify peers with" },
	{ "config", 'K', "FILE", "$XDG_CONFIG_HOME/pscrape/config",
	  "read long options from FILE, one per line" },
	{ "connect-timeout", OPT_CONNECT_TIMEOUT, "SECS", "10",
	  "give up connecting after SECS seconds" },
	{ "depth", OPT_DEPTH, "N", "0",
	  "also fetch the links of fetched pages, up to N hops from the list" },
	{ "dry-run", OPT_DRY_RUN, NULL, NULL,
	  "check the input and print the URLs that would be fetched" },
	{ "engine", 'e', "NAME", "async",
	  "engine, a comma list of engines, or all: serial, thread, pool,"
	  " process, async" },
	{ "fail-threshold", OPT_FAIL_THRESHOLD, "PCT", "0",
	  "exit 1 only when more than PCT percent of the URLs failed" },
	{ "format", 'f', "FMT", "text",
	  "output format: text, jsonl or csv" },
	{ "header", 'H', "LINE", NULL,
	  "add a request header (repeatable)" },
	{ "help", 'h', NULL, NULL,
	  "show this help and exit" },
	{ "host-rate", OPT_HOST_RATE, "N[/s|/m]", NULL,
	  "start at most N requests a second (or minute) per host" },
	{ "insecure", 'k', NULL, NULL,
	  "do not verify TLS certificates" },
	{ "jobs", 'j', "N", "per engine",
	  "transfers in flight at once, 1-100000; serial 1, thread 100,"
	  " pool 32, process 8, async 100" },
	{ "lock", OPT_LOCK, "FILE", NULL,
	  "exit 4 at once when another run holds FILE locked" },
	{ "lock-wait", OPT_LOCK_WAIT, "SECS", "0",
	  "wait up to SECS seconds for the --lock" },
	{ "log", OPT_LOG, "FILE", NULL,
	  "append start, failures and summary to FILE, timestamped" },
	{ "max-pages", OPT_MAX_PAGES, "N", NULL,
	  "fetch at most N pages in all, links included" },
	{ "max-redirs", OPT_MAX_REDIRS, "N", "10",
	  "follow at most N redirects" },
	{ "max-size", OPT_MAX_SIZE, "BYTES", "10M",
	  "largest decoded body accepted; suffixes K, M, G" },
	{ "no-config", OPT_NO_CONFIG, NULL, NULL,
	  "do not read the default config file" },
	{ "no-robots", OPT_NO_ROBOTS, NULL, NULL,
	  "do not fetch or obey robots.txt" },
	{ "output", 'o', "FILE", "stdout",
	  "write result records to FILE" },
	{ "per-host", OPT_PER_HOST, "N", "4",
	  "at most N requests in flight to one host; 0: no limit" },
	{ "quiet", 'q', NULL, NULL,
	  "print nothing when every URL is ok; failures on stderr" },
	{ "rate", OPT_RATE, "N[/s|/m]", NULL,
	  "start at most N requests a second (or minute) in all" },
	{ "retries", OPT_RETRIES, "N", "2",
	  "retry timeouts, connection errors, 429, 502, 503 and 504 N times" },
	{ "save-text", OPT_SAVE_TEXT, "DIR", NULL,
	  "save each page's extracted text under DIR" },
	{ "scope", OPT_SCOPE, "SCOPE", "host",
	  "links --depth follows: host, domain or prefix" },
	{ "shard", OPT_SHARD, "K/N", NULL,
	  "keep only the URLs of shard K of N (by host)" },
	{ "shard-by", OPT_SHARD_BY, "KEY", "host",
	  "what --shard hashes: host or url" },
	{ "summary", OPT_SUMMARY, "FILE", NULL,
	  "write the per-engine statistics to FILE as JSON" },
	{ "timeout", 't', "SECS", "30",
	  "give up a transfer after SECS seconds in all" },
	{ "user-agent", 'A', "STR", "pscrape/" PACKAGE_VERSION,
	  "User-Agent header to send" },
	{ "verbose", 'v', NULL, NULL,
	  "more detail on stderr (repeatable)" },
	{ "version", 'V', NULL, NULL,
	  "show versions of pscrape and its libraries and exit" },
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

	fprintf(f, "Usage: pscrape [OPTIONS] [FILE...]\n"
	    "Fetch every URL listed in FILEs (or stdin, or for -), extract"
	    " the visible text\nof each page and count its characters.\n\n"
	    "Options:\n");
	for (i = 0; i < NOPTDEFS; i++) {
		const struct optdef *d = &optdefs[i];

		if (d->id < 256)
			snprintf(left, sizeof left, "-%c, --%s%s%s", d->id,
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

static long
parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < min || v > max)
		usage_error("%s: expected an integer from %ld to %ld, got '%s'",
		    opt, min, max, s);
	return v;
}

/* A percentage from 0 to 100, decimals allowed. */
static double
parse_pct(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < 0 || v > 100)
		usage_error("%s: expected a percentage from 0 to 100, got '%s'",
		    opt, s);
	return v;
}

/* Seconds, decimals allowed, to milliseconds; 0 only when allowed. */
static long
parse_secs(const char *opt, const char *s, bool zero)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < (zero ? 0 : 0.001) || v > 86400.0 * 365)
		usage_error("%s: expected a number of seconds%s, got '%s'", opt,
		    zero ? "" : " greater than 0", s);
	return lround(v * 1000.0);
}

/* N, N/s or N/m: requests per second, greater than 0. */
static double
parse_rate(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end != s && errno == 0 && isfinite(v) && v > 0) {
		if (*end == '\0' || strcmp(end, "/s") == 0)
			return v;
		if (strcmp(end, "/m") == 0)
			return v / 60.0;
	}
	usage_error("%s: expected N, N/s or N/m with N greater than 0, got '%s'",
	    opt, s);
}

/* K/N with 1 <= K <= N. */
static void
parse_shard(struct options *o, const char *s)
{
	unsigned long k, n;
	char *end, *end2;

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

static void
add_header(struct options *o, const char *h)
{
	const char *colon = strchr(h, ':');
	struct curl_slist *l;

	if (colon == NULL || colon == h || strpbrk(h, "\r\n") != NULL)
		usage_error("--header: expected 'Name: value' on one line,"
		    " got '%s'", h);
	l = curl_slist_append(o->headers, h);
	if (l == NULL)
		fatal(EXIT_USAGE, "out of memory");
	o->headers = l;
}

/* Apply one option, from the command line or a config file. */
static void
apply(struct options *o, int id, char *arg)
{
	switch (id) {
	case 'A':
		if (strpbrk(arg, "\r\n") != NULL)
			usage_error("--user-agent: must be one line");
		free(o->user_agent);
		o->user_agent = xstrdup(arg);
		break;
	case 'e':
		if (engine_list(arg, NULL, 0) < 0 || arg[0] == '\0')
			usage_error("--engine: expected all or a comma list of"
			    " %s, got '%s'", engine_names(), arg);
		o->engine = arg;
		break;
	case 'f':
		if (strcmp(arg, "text") == 0)
			o->format = FORMAT_TEXT;
		else if (strcmp(arg, "jsonl") == 0)
			o->format = FORMAT_JSONL;
		else if (strcmp(arg, "csv") == 0)
			o->format = FORMAT_CSV;
		else
			usage_error("--format: expected text, jsonl or csv, got"
			    " '%s'", arg);
		break;
	case 'H':
		add_header(o, arg);
		break;
	case 'h':
		options_usage(stdout);
		exit(EXIT_ALL_OK);
	case 'j':
		o->jobs = (int)parse_long("--jobs", arg, 1, 100000);
		break;
	case 'K':	/* read before everything else: see find_config() */
	case OPT_NO_CONFIG:
		break;
	case 'k':
		o->insecure = true;
		break;
	case 'o':
		o->output = arg;
		break;
	case 'q':
		o->quiet = true;
		break;
	case 't':
		o->timeout_ms = parse_secs("--timeout", arg, false);
		break;
	case 'V':
		print_version();
		exit(EXIT_ALL_OK);
	case 'v':
		o->verbose++;
		break;
	case OPT_CACERT:
		o->cacert = arg;
		break;
	case OPT_CONNECT_TIMEOUT:
		o->connect_timeout_ms = parse_secs("--connect-timeout", arg, false);
		break;
	case OPT_DEPTH:
		o->depth = (unsigned)parse_long("--depth", arg, 0, 1000);
		break;
	case OPT_DRY_RUN:
		o->dry_run = true;
		break;
	case OPT_HOST_RATE:
		o->host_rate = parse_rate("--host-rate", arg);
		break;
	case OPT_MAX_PAGES:
		o->max_pages = (uint64_t)parse_long("--max-pages", arg, 1,
		    LONG_MAX);
		break;
	case OPT_NO_ROBOTS:
		o->robots = false;
		break;
	case OPT_PER_HOST:
		o->per_host = (int)parse_long("--per-host", arg, 0, 100000);
		break;
	case OPT_RATE:
		o->rate = parse_rate("--rate", arg);
		break;
	case OPT_RETRIES:
		o->retries = (unsigned)parse_long("--retries", arg, 0, 100);
		break;
	case OPT_SCOPE:
		if (strcmp(arg, "host") == 0)
			o->scope = SCOPE_HOST;
		else if (strcmp(arg, "domain") == 0)
			o->scope = SCOPE_DOMAIN;
		else if (strcmp(arg, "prefix") == 0)
			o->scope = SCOPE_PREFIX;
		else
			usage_error("--scope: expected host, domain or prefix,"
			    " got '%s'", arg);
		break;
	case OPT_SHARD:
		parse_shard(o, arg);
		break;
	case OPT_SHARD_BY:
		if (strcmp(arg, "host") == 0)
			o->shard_by_url = false;
		else if (strcmp(arg, "url") == 0)
			o->shard_by_url = true;
		else
			usage_error("--shard-by: expected host or url, got '%s'",
			    arg);
		break;
	case OPT_FAIL_THRESHOLD:
		o->fail_threshold = parse_pct("--fail-threshold", arg);
		break;
	case OPT_LOCK:
		o->lock = arg;
		break;
	case OPT_LOCK_WAIT:
		o->lock_wait_ms = parse_secs("--lock-wait", arg, true);
		break;
	case OPT_LOG:
		o->log = arg;
		break;
	case OPT_MAX_REDIRS:
		o->max_redirs = parse_long("--max-redirs", arg, 0, 1000);
		break;
	case OPT_MAX_SIZE:
		if (parse_size(arg, &o->max_size) != 0)
			usage_error("--max-size: expected a positive number of"
			    " bytes, optionally with K, M or G, got '%s'", arg);
		break;
	case OPT_SUMMARY:
		o->summary = arg;
		break;
	case OPT_SAVE_TEXT:
		if (arg[0] == '\0')
			usage_error("--save-text: expected a directory");
		o->save_text = arg;
		break;
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
 * A config file: long options without dashes, one per line, "name value"
 * or "name = value", flags alone; blank lines and # comments skipped.
 * The values are kept in o->owned (options point at them) until
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
		value = name + strcspn(name, " \t=");
		if (*value != '\0') {
			*value++ = '\0';
			value += strspn(value, " \t");
			if (*value == '=')
				value += 1 + strspn(value + 1, " \t");
		}
		if ((d = find_long(name)) == NULL || d->id == 'K' ||
		    d->id == OPT_NO_CONFIG || d->id == 'h' || d->id == 'V')
			usage_error("unknown option '%s'", name);
		if (d->arg != NULL && *value == '\0')
			usage_error("option '%s' needs a value", name);
		if (d->arg == NULL && *value != '\0')
			usage_error("option '%s' takes no value", name);
		o->owned = xrealloc(o->owned, (o->nowned + 1) *
		    sizeof *o->owned);
		o->owned[o->nowned] = xstrdup(value);
		apply(o, d->id, o->owned[o->nowned++]);
	}
	where[0] = '\0';
	free(line);
	fclose(f);
}

void
options_parse(struct options *o, int argc, char **argv)
{
	struct option longopts[NOPTDEFS + 1];
	char shortopts[NOPTDEFS * 2 + 3], *sp = shortopts, *config;
	bool must;
	size_t i;
	int c;

	memset(o, 0, sizeof *o);
	o->engine = "async";
	o->format = FORMAT_TEXT;
	o->timeout_ms = 30000;
	o->connect_timeout_ms = 10000;
	o->max_size = 10 * 1024 * 1024;
	o->max_redirs = 10;
	o->per_host = 4;
	o->robots = true;
	o->retries = 2;

	if ((config = find_config(argc, argv, &must)) != NULL) {
		read_config(o, config, must);
		free(config);
	}

	*sp++ = '+';	/* stop at the first non-option, as POSIX says */
	*sp++ = ':';	/* report a missing argument as ':' */
	for (i = 0; i < NOPTDEFS; i++) {
		longopts[i].name = optdefs[i].name;
		longopts[i].has_arg = optdefs[i].arg ? required_argument :
		    no_argument;
		longopts[i].flag = NULL;
		longopts[i].val = optdefs[i].id;
		if (optdefs[i].id < 256) {
			*sp++ = (char)optdefs[i].id;
			if (optdefs[i].arg)
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
		apply(o, c, optarg);
	}
	if (o->user_agent == NULL)
		o->user_agent = xstrdup("pscrape/" PACKAGE_VERSION);
	o->files = argv + optind;
	o->nfiles = argc - optind;
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
}
