/*
 * Unit tests for the scheduler's pure parts: the per-host key and the
 * request target it reads off a normalised URL without parsing it again
 * (url_origin_fast() and url_target_fast(), which must agree with
 * url_origin() and url_target(), which parse), and the retry backoff.
 */
#include "config.h"

#include <stdlib.h>

#include "scheduler.h"
#include "tap.h"
#include "url.h"

/*
 * A part of the URL as url_check() normalises it, read both ways: off the
 * string (fast, as the scheduler does) and through curl_url (slow).
 */
struct way {
	const char	*fast_name, *slow_name;
	char		*(*fast)(const char *);
	char		*(*slow)(const char *);
};

static const struct way origin = {
	"url_origin_fast", "url_origin", url_origin_fast, url_origin
};
static const struct way target = {
	"url_target_fast", "url_target", url_target_fast, url_target
};

static void
same(const struct way *w, const char *given, const char *want)
{
	char *norm = NULL, *reason = NULL, *fast, *slow;

	if (url_check(given, &norm, &reason) != 0) {
		ok(0, "%s: url_check refused it: %s", given, reason);
		free(reason);
		return;
	}
	fast = w->fast(norm);
	slow = w->slow(norm);
	is_str(fast, want, "%s(%s)", w->fast_name, norm);
	is_str(slow, want, "%s(%s) agrees", w->slow_name, norm);
	free(fast);
	free(slow);
	free(norm);
}

#define same_origin(given, want)	same(&origin, given, want)
#define same_target(given, want)	same(&target, given, want)

int
main(void)
{
	same_target("http://example.com", "/");
	same_target("http://example.com/", "/");
	same_target("https://example.com/a/b?c#d", "/a/b?c");
	same_target("http://h/a?", "/a");
	same_target("http://h/a?#f", "/a");
	same_target("http://h?q=1", "/?q=1");
	same_target("http://h#f", "/");
	same_target("http://h/a#f?x", "/a");
	same_target("http://h/a/../b/./c", "/b/c");
	same_target("http://h/%7Euser/a%2Fb", "/%7Euser/a%2Fb");
	same_target("http://u:p@h:8080/x?y=1&z", "/x?y=1&z");
	same_target("http://[::1]:8080/x?a", "/x?a");
	same_target("HTTP://EXAMPLE.com/Path?Q", "/Path?Q");
	same_target("http://h/a?b?c", "/a?b?c");
	same_target("http://127.0.0.1:45000/sleep?i=10", "/sleep?i=10");

	same_origin("http://example.com/", "http://example.com:80");
	same_origin("https://example.com/a/b?c#d", "https://example.com:443");
	same_origin("HTTP://EXAMPLE.com:8080/x", "http://example.com:8080");
	same_origin("http://user:pw@h.example:81/", "http://h.example:81");
	same_origin("http://u@h/", "http://h:80");
	same_origin("http://127.0.0.1:45000/delay/300", "http://127.0.0.1:45000");
	same_origin("http://[::1]:8080/x", "http://[::1]:8080");
	same_origin("http://[::1]/x", "http://[::1]:80");
	same_origin("https://h:443/", "https://h:443");
	same_origin("http://h?q=1", "http://h:80");
	same_origin("http://a%40b@h/", "http://h:80");
	same_origin("http://h%25a/", "http://h%a:80");

	is_int((int)(sched_backoff(1) * 1000), 500, "first retry after 0.5 s");
	is_int((int)(sched_backoff(2) * 1000), 1000, "then 1 s");
	is_int((int)(sched_backoff(3) * 1000), 2000, "then 2 s");
	is_int((int)(sched_backoff(7) * 1000), 30000, "at most 30 s");
	is_int((int)(sched_backoff(100) * 1000), 30000, "however many");
	return done_testing();
}
