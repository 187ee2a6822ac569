/*
 * libFuzzer target: arbitrary bytes as a robots.txt. The first line is a
 * pattern, the second a request target, the rest the body.
 *
 * Checks, on every input:
 * - robots_parse never fails; "/robots.txt" is always allowed; the rules
 *   kept are at most ROBOTS_MAX_RULES; the delay is in 0..60;
 * - each verdict is the same when asked twice, and the same for a body
 *   of the file as for that body parsed again;
 * - robots_match agrees with a plain dynamic-programming matcher when the
 *   pattern and the target need no normalising (printable ASCII, no '%').
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "robots.h"
#include "xmalloc.h"

#include "fuzz.h"

#define REF_MAX	256	/* longest pattern and target the reference takes */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A line of the input, NUL-terminated (a NUL inside cuts it). */
static char *
take_line(const char **p, const char *end)
{
	const char	*nl = memchr(*p, '\n', end - *p);
	char		*s;

	if (nl == NULL)
		nl = end;
	s = xstrndup(*p, nl - *p);
	*p = nl < end ? nl + 1 : end;
	return s;
}

static bool
plain(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    *s == '%')
			return false;
	}
	return true;
}

/* Whether pattern p ('*' any run, final '$' anchors) matches s: DP. */
static bool
ref_match(const char *p, const char *s)
{
	static bool	 d[REF_MAX + 1][REF_MAX + 1];
	size_t		 pl = strlen(p), sl = strlen(s), i, j;
	bool		 anchored = pl > 0 && p[pl - 1] == '$', any;

	if (anchored)
		pl--;
	/* d[i][j]: p[0..i) matches s[0..j) exactly. */
	memset(d, 0, sizeof d);
	d[0][0] = true;
	for (i = 1; i <= pl; i++) {
		for (j = 0; j <= sl; j++) {
			if (p[i - 1] == '*')
				d[i][j] = d[i - 1][j] || (j > 0 && d[i][j - 1]);
			else
				d[i][j] = j > 0 && d[i - 1][j - 1] &&
				    p[i - 1] == s[j - 1];
		}
	}
	if (anchored)
		return d[pl][sl];
	for (any = false, j = 0; j <= sl; j++)
		any |= d[pl][j];
	return any;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *end = p + size;
	char		*pattern, *target;
	struct robots	*rb, *again;
	double		 d;
	bool		 v;

	pattern = take_line(&p, end);
	target = take_line(&p, end);

	rb = robots_parse(p, end - p, "pscrape");
	again = robots_parse(p, end - p, "pscrape");
	FUZZ_CHECK(robots_allowed(rb, "/robots.txt"));
	FUZZ_CHECK(robots_nrules(rb) <= ROBOTS_MAX_RULES);
	d = robots_delay(rb);
	FUZZ_CHECK(d >= 0 && d <= ROBOTS_MAX_DELAY);
	v = robots_allowed(rb, target);
	FUZZ_CHECK(v == robots_allowed(rb, target));
	FUZZ_CHECK(v == robots_allowed(again, target));
	FUZZ_CHECK(robots_nrules(rb) == robots_nrules(again));
	robots_free(rb);
	robots_free(again);

	v = robots_match(pattern, target);
	if (strlen(pattern) <= REF_MAX && strlen(target) <= REF_MAX &&
	    plain(pattern) && plain(target))
		FUZZ_CHECK(v == ref_match(pattern, target));

	free(pattern);
	free(target);
	return 0;
}
