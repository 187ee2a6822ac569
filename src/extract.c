/*
 * Extract: the page's charset, its text count and, with the same parse,
 * its links.
 *
 * charset.c turns the body into UTF-8. textcount.c counts the text as
 * len(BeautifulSoup(body, 'html.parser').text) counts it (doc/NOTES.md,
 * "The text count"), from the source: gumbo's HTML5 tree is not what
 * html.parser sees. gumbo parses the page for its links, into an arena
 * that is dropped in one go (gumbo's own free recurses and crashes on
 * deep trees); a page that would make gumbo slow is first replaced by
 * the copy nest.c writes. A page gumbo cannot parse within its memory
 * cap, or fails an assertion on, fails as a whole (chars 0), counted or
 * not, so that what a page costs does not depend on whether links are
 * wanted.
 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gumbo.h>

#include "budget.h"
#include "buf.h"
#include "charset.h"
#include "extract.h"
#include "nest.h"
#include "scan.h"
#include "stop.h"
#include "textcount.h"
#include "xmalloc.h"

/* --- an arena for gumbo ------------------------------------------------ */

/*
 * gumbo allocates every node, string and vector through its options. An
 * arena makes that cheap and lets the whole tree go at once: never call
 * gumbo_destroy_output, which recurses and crashes on deep trees.
 */
struct chunk {
	struct chunk	*next;
	size_t		 size;
	size_t		 used;
	max_align_t	 data[];
};

struct arena {
	struct chunk	*head;
	void		*last;		/* the newest allocation in head */
	size_t		 lastused;	/* head->used before it */
	size_t		 next;		/* size of the next chunk */
	size_t		 total;		/* bytes handed out */
	size_t		 cap;		/* more abandons the parse */
	sigjmp_buf	 bail;		/* where to */
	struct budget_hold *hold;	/* --max-memory, or NULL */
	size_t		 reserved;	/* what the chunks took from it */
	size_t		 chunks;	/* the chunks' bytes */
};

/*
 * The parser's memory for one page. gumbo takes about 230 bytes a node,
 * and a page can make a node of every 3 or 4 bytes ("<br>" over and over
 * takes 60 times its size), where real pages take 9 to 21 times theirs.
 * Past max(PARSE_MEM_MIN, PARSE_MEM_PER_BYTE * size) the parse is
 * abandoned (longjmp out of the allocator: everything gumbo holds is in
 * the arena, so nothing leaks) and the page fails.
 */
#define PARSE_MEM_MIN		((size_t)128 << 20)
#define PARSE_MEM_PER_BYTE	16

#define ALIGN	sizeof(max_align_t)

/* Why a parse was abandoned (the siglongjmp value). */
#define BAIL_MEMORY	1
#define BAIL_ASSERT	2
#define BAIL_STOP	3	/* a stop signal came (stop.h) */
#define BAIL_BUDGET	4	/* over half of --max-memory */
#define BAIL_LATER	5	/* --max-memory spent; may not wait */

/*
 * Reserve n bytes from --max-memory for a chunk before it is allocated,
 * or abandon the parse: the budget may wait here, inside gumbo, which is
 * safe since everything gumbo holds is in the arena.
 */
static void
arena_reserve(struct arena *a, size_t n)
{
	static const int bail[] = { 0, BAIL_BUDGET, BAIL_LATER, BAIL_STOP };
	enum budget_got got;

	if (a->hold == NULL || (got = budget_take(a->hold, n)) == BUDGET_OK) {
		a->reserved += a->hold != NULL ? n : 0;
		return;
	}
	siglongjmp(a->bail, bail[got]);
}

/*
 * Built for the fuzzer (tests/fuzz), every block gets a chunk of its own,
 * of the exact size, so that AddressSanitizer sees a read past any of
 * them.
 */
#ifdef FUZZING
#define ARENA_EACH	1
#else
#define ARENA_EACH	0
#endif

/*
 * The chunks of finished parses, kept for the next one (any thread's).
 * main.c fixes glibc's mmap threshold, so a new chunk is a new mapping,
 * whose pages the kernel zeroes on first touch and unmaps when it is
 * freed: on workload R (bench/realweb) that was 15% of the CPU, 1 ms a
 * page, and unmapping in a process of 100 threads costs each of them
 * (workload T: the thread engine lost 14-32% to the build before
 * --max-memory, which left freed memory to glibc's heap).
 *
 * Where several parses run at once (the thread, pool and async engines)
 * kept chunks count against --max-memory: a job hands its chunks' share
 * of the budget to the cache's hold, the next parse claims it back with
 * the chunk, and a reservation that finds the budget spent has the cache
 * free chunks first (budget.h). So the cache may keep as much as the
 * parses that run at once use, up to a quarter of the budget, and memory
 * stays within the budget. A process that parses one page at a time (the
 * serial engine, a process worker: extract_cache_limit()) keeps
 * EXTRACT_CACHE_ONE outside the budget, and at most a 16th of it; what
 * is kept adds to the peak of the next parse, so beside a parse that
 * holds more than CACHE_BESIDE, kept chunks it misses go until
 * CACHE_BESIDE is left. 64 MB kept whatever the parse took the parser
 * attacks of tests/integration/hostile.sh to 197-216 MB against their
 * bound of 200 MB a process (176 MB with 16), and 16 MB for every parse
 * left serial 5% slower than with glibc's heap on workload T (twice the
 * page faults). With no budget, CACHE_MAX.
 *
 * The usual chunks are powers of two (arena_init()), kept in a list by
 * size; blocks of other sizes (arena_alloc()) in one more list, of at
 * most ODD_MAX. The fuzzer's build keeps nothing (ARENA_EACH: exact
 * sizes).
 */
#define CACHE_MAX	((size_t)64 << 20)
#define CLASS_MIN	16		/* the smallest chunk, 64 KB, as a shift */
#define CLASS_MAX	24		/* the biggest, 16 MB */
#define ODD		(CLASS_MAX - CLASS_MIN + 1)	/* the other sizes */
#define ODD_MAX		64
#define CACHE_BESIDE	((size_t)16 << 20)

static pthread_mutex_t	 cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk	*kept[ODD + 1];
static size_t		 kept_bytes, kept_odd;
static _Atomic size_t	 cache_limit;		/* 0: several parses at once */
static struct budget_hold cache_hold;		/* when counted */
static pthread_once_t	 cache_once = PTHREAD_ONCE_INIT;

/* What a chunk of size bytes takes, of the budget and of the cache. */
#define CHUNK_BYTES(size)	(sizeof(struct chunk) + (size))

/* Whether kept chunks hold a share of --max-memory. */
static bool
cache_counted(void)
{
	return atomic_load(&cache_limit) == 0 && budget_max() != 0;
}

/* What the cache may keep (cache_lock held). */
static size_t
cache_cap(void)
{
	size_t	max = atomic_load(&cache_limit), b = budget_max();

	if (b == 0)
		return max != 0 ? max : CACHE_MAX;
	if (max == 0)
		return b / 4;
	return max < b / 16 ? max : b / 16;
}

static size_t
class_of(size_t size)
{
	size_t	i;

	for (i = CLASS_MIN; i <= CLASS_MAX; i++)
		if (size == (size_t)1 << i)
			return i - CLASS_MIN;
	return ODD;
}

/* Unlink a kept chunk of size, or NULL (cache_lock held). */
static struct chunk *
unkeep(size_t size)
{
	struct chunk	**pp, *c;
	size_t		 k = class_of(size);

	for (pp = &kept[k]; (c = *pp) != NULL; pp = &c->next)
		if (c->size == size) {
			*pp = c->next;
			kept_bytes -= CHUNK_BYTES(size);
			kept_odd -= k == ODD;
			return c;
		}
	return NULL;
}

/*
 * Unlink kept chunks of at least want bytes in all, or all there are,
 * the odd sizes first, then the biggest, onto *out; how many bytes
 * (cache_lock held).
 */
static size_t
evict(size_t want, struct chunk **out)
{
	struct chunk	*c;
	size_t		 k = ODD, got = 0;

	while (got < want) {
		while (kept[k] == NULL && k > 0)
			k--;
		if ((c = kept[k]) == NULL)
			break;
		kept[k] = c->next;
		kept_odd -= k == ODD;
		got += CHUNK_BYTES(c->size);
		c->next = *out;
		*out = c;
	}
	kept_bytes -= got;
	return got;
}

/* Free evicted chunks and give back the budget they held. */
static void
drop(struct chunk *c, size_t bytes, bool counted)
{
	struct chunk	*next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	if (counted)
		budget_give(&cache_hold, bytes);
}

/* budget_on_spent(): the budget is spent, free want bytes if kept. */
static size_t
cache_reclaim(size_t want)
{
	struct chunk	*out = NULL;
	size_t		 got = 0;

	pthread_mutex_lock(&cache_lock);
	if (cache_counted())
		got = evict(want, &out);
	pthread_mutex_unlock(&cache_lock);
	drop(out, got, true);
	return got;
}

static void
cache_start(void)
{
	budget_hold_init(&cache_hold, true);
	budget_on_spent(cache_reclaim);
}

void
extract_cache_limit(size_t max)
{
	struct chunk	*out = NULL;

	/*
	 * What was kept was kept under the other rule: it goes, and the
	 * budget gets back what it held (nothing if it was not counted, or
	 * kept before budget_init()).
	 */
	pthread_mutex_lock(&cache_lock);
	evict(SIZE_MAX, &out);
	atomic_store(&cache_limit, max);
	pthread_mutex_unlock(&cache_lock);
	drop(out, atomic_load(&cache_hold.held), true);
}

/*
 * A kept chunk of size bytes whose share of the budget hold may take
 * over (budget_claim()), or NULL: only where kept chunks are counted.
 */
static struct chunk *
cache_claim(size_t size, struct budget_hold *hold)
{
	struct chunk	*c = NULL;

	if (ARENA_EACH || hold == NULL || !cache_counted())
		return NULL;
	pthread_mutex_lock(&cache_lock);
	if (kept[class_of(size)] != NULL &&
	    budget_claim(hold, &cache_hold, CHUNK_BYTES(size)) &&
	    (c = unkeep(size)) == NULL)
		budget_move(hold, &cache_hold, CHUNK_BYTES(size));
	pthread_mutex_unlock(&cache_lock);
	return c;
}

/*
 * A kept chunk of size bytes, or NULL, for a parse that has reserved its
 * share of the budget before (reserving may wait, and a chunk in hand
 * while waiting would be memory nobody counts); a counted chunk gives its
 * own share back. On a miss with no room left for one more, kept chunks
 * go (evict()), so that chunks of sizes no longer asked for do not fill
 * the cache for good; and outside the budget, beside a parse that holds
 * parsing bytes, more than CACHE_BESIDE, at most CACHE_BESIDE stays.
 */
static struct chunk *
cache_take(size_t size, size_t parsing)
{
	struct chunk	*c = NULL, *out = NULL;
	size_t		 got = 0, room;
	bool		 counted;

	if (ARENA_EACH)
		return NULL;
	pthread_mutex_lock(&cache_lock);
	counted = cache_counted();
	room = cache_cap();
	if (!counted && parsing > CACHE_BESIDE && room > CACHE_BESIDE)
		room = CACHE_BESIDE;
	if ((c = unkeep(size)) != NULL)
		got = CHUNK_BYTES(size);
	else if (kept_bytes + CHUNK_BYTES(size) > room)
		got = evict(kept_bytes + CHUNK_BYTES(size) - room, &out);
	pthread_mutex_unlock(&cache_lock);
	drop(out, got, counted);
	return c;
}

/*
 * Keep c for a later parse if there is room, else free it; how many of
 * hold's bytes went with it to the cache's hold.
 */
static size_t
cache_put(struct chunk *c, struct budget_hold *hold)
{
	size_t	 n = CHUNK_BYTES(c->size), k = class_of(c->size), moved = 0;
	bool	 counted;

	if (ARENA_EACH) {
		free(c);
		return 0;
	}
	pthread_once(&cache_once, cache_start);
	pthread_mutex_lock(&cache_lock);
	counted = cache_counted();
	if ((!counted || hold != NULL) && kept_bytes + n <= cache_cap() &&
	    (k != ODD || kept_odd < ODD_MAX)) {
		if (counted) {
			budget_move(hold, &cache_hold, n);
			moved = n;
		}
		kept_odd += k == ODD;
		c->next = kept[k];
		kept[k] = c;
		kept_bytes += n;
		c = NULL;
	}
	pthread_mutex_unlock(&cache_lock);
	free(c);
	return moved;
}

/*
 * A chunk of size bytes (alloc of them allocated) whose share of the
 * budget the arena holds: a kept one it may claim, or else reserved, then
 * kept or new.
 */
static struct chunk *
chunk_get(struct arena *a, size_t size, size_t alloc)
{
	struct chunk	*c;

	if ((c = cache_claim(size, a->hold)) != NULL) {
		a->reserved += CHUNK_BYTES(size);
	} else {
		arena_reserve(a, CHUNK_BYTES(size));
		if ((c = cache_take(size, a->chunks)) == NULL) {
			c = xmalloc(CHUNK_BYTES(alloc));
			c->size = size;
		}
	}
	a->chunks += CHUNK_BYTES(size);
	return c;
}

static void *
arena_alloc(void *ud, size_t n)
{
	struct arena	*a = ud;
	struct chunk	*c = a->head, *big;
	void		*p;
	size_t		 asked = n;

	n = n == 0 ? ALIGN : (n + ALIGN - 1) & ~(ALIGN - 1);
	if ((a->total += n) > a->cap)
		siglongjmp(a->bail, BAIL_MEMORY);
	/*
	 * gumbo cannot be interrupted, but it allocates every few bytes of
	 * input: a stop abandons the parse here, within milliseconds, as
	 * the memory cap does.
	 */
	if (atomic_load_explicit(&stop_signal, memory_order_relaxed) != 0)
		siglongjmp(a->bail, BAIL_STOP);
	if (ARENA_EACH || n > a->next / 4) {
		/* A big block gets a chunk of its own behind the current
		 * one, so the space left in head is not wasted. */
		big = chunk_get(a, n, ARENA_EACH ? asked : n);
		big->used = n;
		if (c == NULL) {
			big->next = NULL;
			a->head = big;
		} else {
			big->next = c->next;
			c->next = big;
		}
		a->last = NULL;
		return big->data;
	}
	if (c == NULL || c->size - c->used < n) {
		c = chunk_get(a, a->next, a->next);
		c->used = 0;
		c->next = a->head;
		a->head = c;
		if (a->next < 16 * 1024 * 1024)
			a->next *= 2;
	}
	p = (char *)c->data + c->used;
	a->last = p;
	a->lastused = c->used;
	c->used += n;
	return p;
}

/*
 * Nothing is freed one by one, but gumbo often frees what it allocated
 * just before (token buffers, grown vectors): take that back.
 */
static void
arena_free(void *ud, void *p)
{
	struct arena	*a = ud;

	if (p != NULL && p == a->last) {
		a->total -= a->head->used - a->lastused;
		a->head->used = a->lastused;
		a->last = NULL;
	}
}

static void
arena_init(struct arena *a, size_t len, struct budget_hold *hold)
{
	a->hold = hold;
	a->reserved = 0;
	a->chunks = 0;
	a->head = NULL;
	a->last = NULL;
	a->total = 0;
	a->cap = len > PARSE_MEM_MIN / PARSE_MEM_PER_BYTE ?
	    len * PARSE_MEM_PER_BYTE : PARSE_MEM_MIN;
	a->next = 64 * 1024;
	/* About what gumbo needs for a page of this size. */
	while (a->next < 2 * len && a->next < 16 * 1024 * 1024)
		a->next *= 2;
}

static void
arena_clear(struct arena *a)
{
	struct chunk	*c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		a->reserved -= cache_put(c, a->hold);
	}
	a->head = NULL;
	if (a->hold != NULL)
		budget_give(a->hold, a->reserved);
	a->reserved = 0;
}

/* --- links --------------------------------------------------------------- */

/* The elements whose text bs4 leaves out (their links may still count). */
static bool
skipped(const GumboNode *node)
{
	if (node->type == GUMBO_NODE_TEMPLATE ||
	    (node->parse_flags & GUMBO_INSERTION_FROM_ISINDEX))
		return true;
	switch (node->v.element.tag) {
	case GUMBO_TAG_SCRIPT:
	case GUMBO_TAG_STYLE:
	case GUMBO_TAG_TEMPLATE:
	case GUMBO_TAG_RT:
	case GUMBO_TAG_RP:
		return true;
	default:
		return false;
	}
}

/*
 * Whether a skipped element can hold links that a browser shows: <rt>
 * and <rp> are rendered; script, style and template contents are not.
 */
static bool
has_shown_links(const GumboNode *node)
{
	return node->type == GUMBO_NODE_ELEMENT &&
	    !(node->parse_flags & GUMBO_INSERTION_FROM_ISINDEX) &&
	    (node->v.element.tag == GUMBO_TAG_RT ||
	    node->v.element.tag == GUMBO_TAG_RP);
}

/*
 * Keep the href of an <a> or <area> (or of the <link> nest.c left in
 * the place of one in a flattened page), or the first <base href>.
 */
static void
collect_link(struct extract_links *l, const GumboElement *el, bool flat)
{
	const GumboAttribute	*a;
	size_t			 max = l->max != 0 ? l->max : EXTRACT_MAX_LINKS;

	if (el->tag_namespace != GUMBO_NAMESPACE_HTML)
		return;
	if (el->tag == GUMBO_TAG_A || el->tag == GUMBO_TAG_AREA ||
	    (flat && el->tag == GUMBO_TAG_LINK &&
	    gumbo_get_attribute(&el->attributes, NEST_LINK_MARK) != NULL)) {
		if ((a = gumbo_get_attribute(&el->attributes, "href")) == NULL)
			return;
		/* Past the cap only counted: the record says it cut. */
		if (l->found++ >= max)
			return;
		if (l->n == l->cap) {
			l->cap = l->cap != 0 ? 2 * l->cap : 16;
			l->hrefs = xrealloc(l->hrefs, l->cap * sizeof *l->hrefs);
		}
		l->hrefs[l->n++] = xstrdup(a->value);
	} else if (el->tag == GUMBO_TAG_BASE && l->base == NULL &&
	    (a = gumbo_get_attribute(&el->attributes, "href")) != NULL)
		l->base = xstrdup(a->value);
}

/* Walk the tree for its links with a heap stack: pages can nest deeply. */
static void
walk_links(struct extract_links *links, const GumboNode *doc, bool flat)
{
	const GumboVector	**st;
	unsigned int		 *next;
	size_t			  n = 0, cap = 64;
	const GumboNode		 *node;

	st = xmalloc(cap * sizeof *st);
	next = xmalloc(cap * sizeof *next);
	st[n] = &doc->v.document.children;
	next[n++] = 0;
	while (n > 0) {
		if (next[n - 1] == st[n - 1]->length) {
			n--;
			continue;
		}
		node = st[n - 1]->data[next[n - 1]++];
		if (node->type != GUMBO_NODE_ELEMENT &&
		    node->type != GUMBO_NODE_TEMPLATE)
			continue;
		if (node->type == GUMBO_NODE_ELEMENT)
			collect_link(links, &node->v.element, flat);
		if (skipped(node) && !has_shown_links(node))
			continue;
		if (n == cap) {
			cap *= 2;
			st = xrealloc(st, cap * sizeof *st);
			next = xrealloc(next, cap * sizeof *next);
		}
		st[n] = &node->v.element.children;
		next[n++] = 0;
	}
	free(st);
	free(next);
}

/*
 * gumbo 0.10.1 reads a numeric character reference into an int, and
 * Debian's build has lost its check for overflow (signed overflow is
 * undefined, so the compiler may drop the test): "&#xBBBBBBBB;" comes
 * out as the single byte BB, which is not UTF-8, and a value that wraps
 * to a valid code point comes out as that character. bs4, like gumbo
 * for values that fit in an int, makes U+FFFD of anything past U+10FFFF.
 * So in a copy of the page, each reference past INT_MAX has its digits
 * rewritten, to the same length (the walk reads the source by offset),
 * as 0..0110000 or 0..01114112, which gumbo turns into U+FFFD. Returns
 * the copy, or NULL when the page has no such reference.
 */
static char *
tame_refs(const char *buf, size_t n)
{
	const char	*p = buf, *e = buf + n, *d, *q, *big;
	char		*copy = NULL;
	uint64_t	 v;
	size_t		 k, bl;
	bool		 hex;
	int		 dig;

	while ((p = memchr(p, '&', e - p)) != NULL) {
		if (++p == e || *p != '#')
			continue;
		d = p + 1;
		hex = d < e && (*d == 'x' || *d == 'X');
		d += hex;
		v = 0;
		for (q = d; q < e && (dig = hexval(*q)) >= 0 &&
		    (hex || dig < 10); q++) {
			if (v <= INT_MAX)
				v = v * (hex ? 16 : 10) + dig;
		}
		p = q;
		if (v <= INT_MAX)
			continue;
		if (copy == NULL) {
			copy = xmalloc(n);
			memcpy(copy, buf, n);
		}
		/* Past INT_MAX: at least 8 hex or 10 decimal digits. */
		big = hex ? "110000" : "1114112";
		bl = strlen(big);
		k = q - d;
		memset(copy + (d - buf), '0', k - bl);
		memcpy(copy + (q - buf) - bl, big, bl);
	}
	return copy;
}

/* --- the interface ------------------------------------------------------- */

/*
 * gumbo 0.10.1 has assertions that some pages fail (e.g. the 47 bytes
 * "<table><svg><th><foreignObject><select></table>"), and Debian builds it
 * with them on: abort() would take the whole run down. While a thread
 * parses, a SIGABRT raised in it jumps back out of the parse instead (glibc's
 * abort() releases its lock before raising, and everything gumbo holds is
 * in the arena). Any other SIGABRT goes to the handler that was there
 * before ours, which by default ends the process.
 */
static _Thread_local struct arena *parsing;
static pthread_once_t abort_once = PTHREAD_ONCE_INIT;
static struct sigaction abort_before;	/* the handler ours replaced */

static void
on_abort(int sig, siginfo_t *info, void *uc)
{
	const struct sigaction *was = &abort_before;

	if (parsing != NULL)
		siglongjmp(parsing->bail, BAIL_ASSERT);
	/* Not a parse: what was there before (libFuzzer's handler saves the
	 * input), and ours stays for the next parse. */
	if (was->sa_flags & SA_SIGINFO)
		was->sa_sigaction(sig, info, uc);
	else if (was->sa_handler == SIG_IGN)
		return;
	else if (was->sa_handler != SIG_DFL)
		was->sa_handler(sig);
	else {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

static void
catch_abort(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_abort;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGABRT, &sa, &abort_before);
}

/*
 * gumbo's parse, or NULL with *why set when it outgrew the arena's cap or
 * failed one of its assertions. Nothing local changes between sigsetjmp
 * and siglongjmp here, so nothing needs volatile.
 */
static GumboOutput *
parse_bounded(const GumboOptions *opts, struct arena *a, const char *buf,
    size_t n, int *why)
{
	GumboOutput *g;

	pthread_once(&abort_once, catch_abort);
	if ((*why = sigsetjmp(a->bail, 1)) != 0) {
		parsing = NULL;
		return NULL;
	}
	parsing = a;
	g = gumbo_parse_with_options(opts, buf, n);
	parsing = NULL;
	return g;
}

bool
extract_is_html(const char *ct)
{
	size_t	len;

	if (ct == NULL)
		return true;
	while (is_html_space(*ct))
		ct++;
	len = strcspn(ct, "; \t\r\n");
	if (len == 0)
		return true;	/* an empty header is as good as none */
	return equal_ci(ct, len, "text/html") ||
	    equal_ci(ct, len, "application/xhtml+xml");
}

void
extract_page(const char *body, size_t len, const char *content_type,
    struct extract_out *out, struct textbuf *text)
{
	extract_page_links(body, len, content_type, out, text, NULL, NULL);
}

void
extract_links_free(struct extract_links *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->hrefs[i]);
	free(l->hrefs);
	free(l->base);
	l->hrefs = NULL;
	l->base = NULL;
	l->n = l->cap = l->found = 0;
}

/*
 * Whether a stop signal has come: the parse of a page is then abandoned
 * between its steps (charset.c and textcount.c also stop early inside
 * theirs), so that a stop ends a run within a second however big the
 * pages being parsed.
 */
static bool
stopped(void)
{
	return atomic_load_explicit(&stop_signal, memory_order_relaxed) != 0;
}

/*
 * What a parse may allocate besides gumbo's arena, reserved from
 * --max-memory before it starts: the copies of charset.c (UTF-8 from
 * another charset), tame_refs(), nest.c and textcount.c, and the text
 * kept for --text. Each is about the size of the page, and they are
 * seldom made (an ASCII or UTF-8 page gets none but the text): once the
 * page's size and a little stands for all of them. What a converted page
 * takes beyond it (up to 3 bytes a byte) is in the margin README states.
 */
#define PARSE_COPIES(len)	((len) + 64 * 1024)

void
extract_page_links(const char *body, size_t len, const char *content_type,
    struct extract_out *out, struct textbuf *text,
    struct extract_links *links, struct budget_hold *hold)
{
	struct charset_text	 ct;
	struct arena		 arena;
	GumboOptions		 opts = kGumboDefaultOptions;
	GumboOutput		*g = NULL;
	const char		*buf;
	char			*flat = NULL, *tamed = NULL;
	size_t			 n, copies = hold != NULL ? PARSE_COPIES(len) : 0;
	int			 why = BAIL_STOP;

	memset(out, 0, sizeof *out);
	if (!stopped() && hold != NULL)
		switch (budget_take(hold, copies)) {
		case BUDGET_OK:
			break;
		case BUDGET_TOO_BIG:
			out->over_budget = true;
			return;
		case BUDGET_LATER:
			out->later = true;
			return;
		case BUDGET_STOPPED:
			out->interrupted = true;
			return;
		}
	if (stopped()) {
		out->interrupted = true;
		budget_give(hold, copies);
		return;
	}
	charset_decode(body, len, content_type, &ct);
	buf = ct.data;
	n = ct.len;
	if (!stopped() && (tamed = tame_refs(buf, n)) != NULL)
		buf = tamed;
	if (!stopped() && (flat = nest_defend(buf, n, &n)) != NULL)
		buf = flat;

	arena_init(&arena, n, hold);
	opts.allocator = arena_alloc;
	opts.deallocator = arena_free;
	opts.userdata = &arena;
	opts.max_errors = 0;
	if (stopped() ||
	    (g = parse_bounded(&opts, &arena, buf, n, &why)) == NULL) {
		arena_clear(&arena);
		out->charset = ct.charset;
		out->flattened = flat != NULL;
		out->too_complex = why == BAIL_MEMORY;
		out->parser_failed = why == BAIL_ASSERT;
		out->interrupted = why == BAIL_STOP;
		out->over_budget = why == BAIL_BUDGET;
		out->later = why == BAIL_LATER;
		out->parse_limit = arena.cap;
		free(flat);
		free(tamed);
		free(ct.owned);
		budget_give(hold, copies);
		return;
	}

	if (links != NULL)
		walk_links(links, g->document, flat != NULL);
	arena_clear(&arena);
	out->chars = textcount(ct.data, ct.len, text);
	out->charset = ct.charset;
	out->flattened = flat != NULL;
	/* textcount() stops early on a stop: its count is not the page's. */
	if (stopped()) {
		out->chars = 0;
		out->interrupted = true;
	}
	free(flat);
	free(tamed);
	free(ct.owned);
	budget_give(hold, copies);
}
