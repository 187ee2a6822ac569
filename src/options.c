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
	OPT_DRY_RUN,
	OPT_MAX_REDIRS,
	OPT_MAX_SIZE,
	OPT_SAVE_TEXT,
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
	{ "connect-timeout", OPT_CONNECT_TIMEOUT, "SECS", "10",
	  "give up connecting after SECS seconds" },
	{ "dry-run", OPT_DRY_RUN, NULL, NULL,
	  "check the input and print the URLs that would be fetched" },
	{ "engine", 'e', "NAME", "async",
	  "engine, a comma list of engines, or all: serial, thread, pool,"
	  " process, async" },
	{ "format", 'f', "FMT", "text",
	  "output format: text, jsonl or csv" },
	{ "header", 'H', "LINE", NULL,
	  "add a request header (repeatable)" },
	{ "help", 'h', NULL, NULL,
	  "show this help and exit" },
	{ "insecure", 'k', NULL, NULL,
	  "do not verify TLS certificates" },
	{ "jobs", 'j', "N", "per engine",
	  "transfers in flight at once, 1-100000; serial 1, thread 100,"
	  " pool 32, process 8, async 100" },
	{ "max-redirs", OPT_MAX_REDIRS, "N", "10",
	  "follow at most N redirects" },
	{ "max-size", OPT_MAX_SIZE, "BYTES", "10M",
	  "largest decoded body accepted; suffixes K, M, G" },
	{ "output", 'o', "FILE", "stdout",
	  "write result records to FILE" },
	{ "quiet", 'q', NULL, NULL,
	  "no summary on stderr" },
	{ "save-text", OPT_SAVE_TEXT, "DIR", NULL,
	  "save each page's extracted text under DIR" },
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
	fprintf(f, "\nExit status: 0 every URL ok, 1 some URL failed,"
	    " 2 usage or input error.\n"
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

static void __attribute__((format(printf, 1, 2), noreturn))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("pscrape: ", stderr);
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

/* Seconds, decimals allowed, to milliseconds. */
static long
parse_secs(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < 0.001 || v > 86400.0 * 365)
		usage_error("%s: expected a number of seconds greater than 0,"
		    " got '%s'", opt, s);
	return lround(v * 1000.0);
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

void
options_parse(struct options *o, int argc, char **argv)
{
	struct option longopts[NOPTDEFS + 1];
	char shortopts[NOPTDEFS * 2 + 3], *sp = shortopts;
	size_t i;
	int c;

	memset(o, 0, sizeof *o);
	o->engine = "async";
	o->format = FORMAT_TEXT;
	o->timeout_ms = 30000;
	o->connect_timeout_ms = 10000;
	o->max_size = 10 * 1024 * 1024;
	o->max_redirs = 10;

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
		switch (c) {
		case 'A':
			if (strpbrk(optarg, "\r\n") != NULL)
				usage_error("--user-agent: must be one line");
			free(o->user_agent);
			o->user_agent = xstrdup(optarg);
			break;
		case 'e':
			if (engine_list(optarg, NULL, 0) < 0 || optarg[0] == '\0')
				usage_error("--engine: expected all or a comma"
				    " list of %s, got '%s'", engine_names(),
				    optarg);
			o->engine = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o->format = FORMAT_TEXT;
			else if (strcmp(optarg, "jsonl") == 0)
				o->format = FORMAT_JSONL;
			else if (strcmp(optarg, "csv") == 0)
				o->format = FORMAT_CSV;
			else
				usage_error("--format: expected text, jsonl or"
				    " csv, got '%s'", optarg);
			break;
		case 'H':
			add_header(o, optarg);
			break;
		case 'h':
			options_usage(stdout);
			exit(EXIT_ALL_OK);
		case 'j':
			o->jobs = (int)parse_long("--jobs", optarg, 1, 100000);
			break;
		case 'k':
			o->insecure = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 't':
			o->timeout_ms = parse_secs("--timeout", optarg);
			break;
		case 'V':
			print_version();
			exit(EXIT_ALL_OK);
		case 'v':
			o->verbose++;
			break;
		case OPT_CACERT:
			o->cacert = optarg;
			break;
		case OPT_CONNECT_TIMEOUT:
			o->connect_timeout_ms = parse_secs("--connect-timeout",
			    optarg);
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
			break;
		case OPT_MAX_REDIRS:
			o->max_redirs = parse_long("--max-redirs", optarg, 0,
			    1000);
			break;
		case OPT_MAX_SIZE:
			if (parse_size(optarg, &o->max_size) != 0)
				usage_error("--max-size: expected a positive"
				    " number of bytes, optionally with K, M or"
				    " G, got '%s'", optarg);
			break;
		case OPT_SUMMARY:
			o->summary = optarg;
			break;
		case OPT_SAVE_TEXT:
			if (optarg[0] == '\0')
				usage_error("--save-text: expected a directory");
			o->save_text = optarg;
			break;
		case ':':
			usage_error("option '%s' needs an argument",
			    argv[optind - 1]);
		case '?':
		default:
			if (optopt != 0 && optopt < 256)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->user_agent == NULL)
		o->user_agent = xstrdup("pscrape/" PACKAGE_VERSION);
	o->files = argv + optind;
	o->nfiles = argc - optind;
}

void
options_free(struct options *o)
{
	free(o->user_agent);
	curl_slist_free_all(o->headers);
}
