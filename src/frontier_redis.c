/*
 * The frontier's Redis backend: --frontier redis://HOST[:PORT]/NAME or
 * unix:///PATH?name=NAME, one crawl shared by any number of pscrape
 * processes that run the same command (see frontier.h, and the SHARED
 * FRONTIER section of pscrape(1) for the keys, which users may read).
 *
 * Admission is the partition: each list line is taken by the one process
 * whose admit claims it first (the others skip it, and write nothing for
 * it), and each URL is fetched by the process that admitted or claimed
 * it. Lines are admitted in batches, one script call for many. Or the
 * lists are loaded once (--load) into a queue of lines, which processes
 * with no list take from, a batch at a time, each line by one of them. Links are admitted in Redis as their page is finished, into the
 * queue of the next level; a level's queue is handed out in batches
 * (claim) only when the level before has no work left anywhere, so depth
 * is the shortest, as in one process. Every step is one Lua script, so
 * that it is atomic over all the processes.
 *
 * A process holds what it admitted or claimed (its held set) under a
 * lease: a key that expires unless a heartbeat thread renews it. When a
 * lease runs out (the process was killed), the next claim of any process
 * puts its held URLs back in their queues, counting the release, and the
 * record of a fetch done again says so ("releases"). Loaded lines taken
 * and not yet claimed are held the same way (reading:PID), and go back to
 * the queue of loaded lines.
 *
 * A record is written first and then marked done, so that a kill between
 * the two makes a second record (marked) rather than none.
 *
 * A host's robots.txt is fetched by the first process that needs it, under
 * a lock with the lease's time; the others wait for its copy in Redis.
 * The other politeness limits hold over all the processes too: a start
 * takes one of the host's --per-host slots in Redis (given back when the
 * transfer ends, or freed when its process's lease runs out) and moves
 * the host's next start time on by its interval (--host-rate, its
 * Crawl-delay, or what a 429 set), in Redis's own clock (TIME), which
 * every machine shares.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "buf.h"
#include "clock.h"
#include "frontier.h"
#include "options.h"
#include "result.h"
#include "stop.h"
#include "urllist.h"
#include "xmalloc.h"

#define TIMEOUT_S	10	/* a Redis that answers nothing in this is lost */
/*
 * The URLs done are told to Redis in batches: one script for DONE_BATCH
 * records, or for those DONE_AGE_S old at the next call, and at once
 * before a claim (the level barrier waits for them) or the end. A kill
 * loses the batch: those URLs are fetched again, marked.
 */
#define DONE_BATCH	64
#define DONE_AGE_S	0.05
#define SLOT_POLL_S	0.02	/* a host with no free slot, asked again */
#define SHAS		16	/* scripts sent by EVALSHA; the rest by EVAL */

/*
 * A line's record that a process owes (claimed, no URL held): in
 * owed:PID, by its FILE:LINE, as KIND LEN:URL REST, where KIND is d (a
 * duplicate: REST is the first's FILE:LINE), f (over --max-pages) or e
 * (no URL: REST is the error), URL the line's (as given) and LEN its
 * length. Written, it leaves owed:PID (flush_done); if the process's
 * lease runs out first, the process that releases its URLs takes it and
 * writes the record (lua_claim).
 */
#define LUA_OWE(kind, url, rest) \
    "redis.call('HSET', P..'owed:'..pid, input, " kind "..string.len(" \
    url ")..':'.." url ".." rest ")\n"

/*
 * List lines, in order: each is claimed (or skipped: another process has
 * it), then its URL admitted at depth 0 unless seen or over --max-pages.
 * ARGV: prefix, pid, max_pages, then input, url, given triples. Returns
 * a code and a string for each line: 0 new, 1 seen (the string: the
 * first), 2 another process's line, 3 over --max-pages. The record of a
 * 1 or a 3 is owed (LUA_OWE).
 */
static const char lua_admit[] =
    "local P, pid = ARGV[1], ARGV[2]\n"
    "local max, out, new = tonumber(ARGV[3]), {}, 0\n"
    "local pages = tonumber(redis.call('GET', P..'pages') or '0')\n"
    "for i = 4, #ARGV, 3 do\n"
    "  local input, url, code, first = ARGV[i], ARGV[i + 1], 0, ''\n"
    "  local given = ARGV[i + 2]\n"
    "  if redis.call('HSETNX', P..'lines', input, pid) == 0 then\n"
    "    code = 2\n"
    "  else\n"
    "    local f = redis.call('HGET', P..'seen', url)\n"
    "    if f then code, first = 1, f\n"
    "    elseif max > 0 and pages >= max then code = 3\n"
    "    else\n"
    "      redis.call('HSET', P..'seen', url, input)\n"
    "      redis.call('HSET', P..'info', url, '0\\t'..input..'\\t')\n"
    "      redis.call('SADD', P..'held:'..pid, url)\n"
    "      pages, new = pages + 1, new + 1\n"
    "    end\n"
    "    if code == 1 then " LUA_OWE("'d'", "given", "first")
    "    elseif code == 3 then " LUA_OWE("'f'", "given", "''") "    end\n"
    "  end\n"
    "  out[#out + 1] = code\n"
    "  out[#out + 1] = first\n"
    "end\n"
    "if new > 0 then\n"
    "  redis.call('INCRBY', P..'pages', new)\n"
    "  redis.call('INCRBY', P..'work:0', new)\n"
    "  redis.call('INCRBY', P..'found:0', new)\n"
    "end\n"
    "return out\n";

/*
 * --load: lines of the lists into the queue of loaded lines, each once
 * (by its FILE:LINE: loading the same lists again adds nothing). ARGV:
 * prefix, then input, entry pairs (an empty entry: a blank line or a
 * comment, remembered but not queued: it has no record). Returns how
 * many were new.
 */
static const char lua_load[] =
    "local P, n = ARGV[1], 0\n"
    "for i = 2, #ARGV, 2 do\n"
    "  if redis.call('HSETNX', P..'loaded', ARGV[i], 1) == 1 then\n"
    "    if ARGV[i + 1] ~= '' then\n"
    "      redis.call('RPUSH', P..'input', ARGV[i + 1]) end\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

/*
 * The loaded lines process q took (reading:q) and did not claim (see
 * lua_admit, lua_line): q's lease ran out, so they go back to the front
 * of the queue of loaded lines, in their order. A line in it twice (a
 * stop gave it back, then the lease ran out) is claimed by one process.
 */
#define LUA_UNREAD \
    "    local rk = P..'reading:'..q\n" \
    "    local r = redis.call('LRANGE', rk, 0, -1)\n" \
    "    for i = #r, 1, -1 do\n" \
    "      if redis.call('HEXISTS', P..'lines',\n" \
    "        string.match(r[i], '^[^\\t]*')) == 0 then\n" \
    "        redis.call('LPUSH', P..'input', r[i]) end\n" \
    "    end\n" \
    "    redis.call('DEL', rk)\n"

/*
 * Up to k loaded lines for this process, which holds them in reading:PID
 * until it claims them, so that a kill loses none: first the lines of
 * the processes whose lease ran out go back (LUA_UNREAD), and those this
 * process has claimed since it last asked leave its reading:PID. ARGV:
 * prefix, pid, k. Returns {0, {entry, ...}}: none, when every line is
 * taken and claimed; {1}: none now, but another process holds lines it
 * has not claimed, which come back if its lease runs out (ask again).
 */
static const char lua_take[] =
    "local P, pid, k = ARGV[1], ARGV[2], tonumber(ARGV[3])\n"
    "local own = P..'reading:'..pid\n"
    "local procs = redis.call('SMEMBERS', P..'procs')\n"
    "for _, q in ipairs(procs) do\n"
    "  if q ~= pid and redis.call('EXISTS', P..'alive:'..q) == 0 then\n"
    LUA_UNREAD
    "  end\n"
    "end\n"
    "for _, e in ipairs(redis.call('LRANGE', own, 0, -1)) do\n"
    "  if redis.call('HEXISTS', P..'lines',\n"
    "    string.match(e, '^[^\\t]*')) == 1 then\n"
    "    redis.call('LREM', own, 1, e) end\n"
    "end\n"
    "local out = redis.call('LPOP', P..'input', k)\n"
    "if out then\n"
    "  redis.call('RPUSH', own, unpack(out))\n"
    "  return {0, out}\n"
    "end\n"
    "for _, q in ipairs(procs) do\n"
    "  if q ~= pid then\n"
    "    local r = redis.call('LRANGE', P..'reading:'..q, 0, -1)\n"
    "    for _, e in ipairs(r) do\n"
    "      if redis.call('HEXISTS', P..'lines',\n"
    "        string.match(e, '^[^\\t]*')) == 0 then return {1} end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return {0, {}}\n";

/*
 * The links of a page, for the next level: each unseen one, while under
 * --max-pages, is queued at depth with its input and referrer. ARGV:
 * prefix, depth, referrer, input, max_pages, links... Returns how many.
 */
static const char lua_hold[] =
    "local P, d, ref, input = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
    "local max, n = tonumber(ARGV[5]), 0\n"
    "for i = 6, #ARGV do\n"
    "  if max > 0 and tonumber(redis.call('GET', P..'pages') or '0')\n"
    "    >= max then break end\n"
    "  if redis.call('HSETNX', P..'seen', ARGV[i], ref) == 1 then\n"
    "    redis.call('INCR', P..'pages')\n"
    "    redis.call('HSET', P..'info', ARGV[i], d..'\\t'..input..'\\t'..ref)\n"
    "    redis.call('RPUSH', P..'queue:'..d, ARGV[i])\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "if n > 0 then\n"
    "  redis.call('INCRBY', P..'work:'..d, n)\n"
    "  redis.call('INCRBY', P..'found:'..d, n)\n"
    "end\n"
    "return n\n";

/*
 * URLs this process holds are done (their records are out), or given
 * back to their queues (a stop). ARGV: prefix, pid, 1 done / 0 back,
 * then url, depth pairs. Returns how many were held here (not those
 * whose lease ran out and went to another process).
 */
static const char lua_complete[] =
    "local P, pid, n = ARGV[1], ARGV[2], 0\n"
    "for i = 4, #ARGV, 2 do\n"
    "  local url, d = ARGV[i], ARGV[i + 1]\n"
    "  if redis.call('SREM', P..'held:'..pid, url) == 1 then\n"
    "    n = n + 1\n"
    "    if ARGV[3] == '1' then\n"
    "      redis.call('DECR', P..'work:'..d)\n"
    "      redis.call('INCR', P..'done:'..d)\n"
    "    else\n"
    "      redis.call('LPUSH', P..'queue:'..d, url)\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return n\n";

/*
 * A line that is no URL (its record is made by the list reader): only
 * the process that claims the line writes it, and owes it until then
 * (LUA_OWE). ARGV: prefix, pid, input, the line, the error. Returns 1
 * when it is this process's.
 */
static const char lua_line[] =
    "local P, pid, input = ARGV[1], ARGV[2], ARGV[3]\n"
    "if redis.call('HSETNX', P..'lines', input, pid) == 0 then\n"
    "  return 0 end\n"
    LUA_OWE("'e'", "ARGV[4]", "ARGV[5]")
    "return 1\n";

/*
 * Work for this process, which has read its lists: first the held URLs
 * of every process whose lease ran out go back to their queues, and the
 * records it owed (LUA_OWE) become this process's to write; then up to k
 * URLs of the current level. When the level's queue is empty and no URL
 * of it is held anywhere (and, at level 0, every process has read its
 * lists), the next level starts; the crawl is done when no URL is left
 * and no other process owes a record. ARGV: prefix, pid, k. Returns
 * {0, level, {url, info, releases, ...}, owed}, {1, level, {}, owed}
 * (wait: the level is being finished elsewhere) or {2, level, {}, owed}
 * (the crawl is done), where owed is {FILE:LINE, record, releases, ...},
 * the records taken over.
 */
static const char lua_claim[] =
    "local P, pid, k = ARGV[1], ARGV[2], tonumber(ARGV[3])\n"
    "local owed = {}\n"
    "redis.call('SREM', P..'readers', pid)\n"
    "for _, q in ipairs(redis.call('SMEMBERS', P..'procs')) do\n"
    "  if redis.call('EXISTS', P..'alive:'..q) == 0 then\n"
    "    local ow = redis.call('HGETALL', P..'owed:'..q)\n"
    "    for i = 1, #ow, 2 do\n"
    "      redis.call('HSET', P..'owed:'..pid, ow[i], ow[i + 1])\n"
    "      owed[#owed + 1] = ow[i]\n"
    "      owed[#owed + 1] = ow[i + 1]\n"
    "      owed[#owed + 1] = redis.call('HINCRBY', P..'releases', ow[i], 1)\n"
    "      redis.call('INCR', P..'released')\n"
    "    end\n"
    "    redis.call('DEL', P..'owed:'..q)\n"
    "    for _, u in ipairs(redis.call('SMEMBERS', P..'held:'..q)) do\n"
    "      local info = redis.call('HGET', P..'info', u) or '0'\n"
    "      local d = string.match(info, '^(%d+)')\n"
    "      redis.call('RPUSH', P..'queue:'..d, u)\n"
    "      redis.call('HINCRBY', P..'releases', u, 1)\n"
    "      redis.call('INCR', P..'released')\n"
    "    end\n"
    "    redis.call('DEL', P..'held:'..q)\n"
    LUA_UNREAD
    "    redis.call('SREM', P..'procs', q)\n"
    "    redis.call('SREM', P..'readers', q)\n"
    "  end\n"
    "end\n"
    "local L = tonumber(redis.call('GET', P..'level') or '0')\n"
    "while true do\n"
    "  local out = {}\n"
    "  for i = 1, k do\n"
    "    local u = redis.call('LPOP', P..'queue:'..L)\n"
    "    if not u then break end\n"
    "    redis.call('SADD', P..'held:'..pid, u)\n"
    "    out[#out + 1] = u\n"
    "    out[#out + 1] = redis.call('HGET', P..'info', u) or '0\\t\\t'\n"
    "    out[#out + 1] = redis.call('HGET', P..'releases', u) or '0'\n"
    "  end\n"
    "  if #out > 0 then return {0, L, out, owed} end\n"
    "  if tonumber(redis.call('GET', P..'work:'..L) or '0') > 0 or\n"
    "    (L == 0 and redis.call('SCARD', P..'readers') > 0) then\n"
    "    return {1, L, {}, owed} end\n"
    "  if tonumber(redis.call('GET', P..'work:'..(L + 1)) or '0') == 0\n"
    "    then\n"
    "    for _, q in ipairs(redis.call('SMEMBERS', P..'procs')) do\n"
    "      if q ~= pid and redis.call('EXISTS', P..'owed:'..q) == 1\n"
    "        then return {1, L, {}, owed} end\n"
    "    end\n"
    "    return {2, L, {}, owed}\n"
    "  end\n"
    "  L = L + 1\n"
    "  redis.call('SET', P..'level', L)\n"
    "end\n";

/*
 * The robots.txt of a host: the copy of the process that fetched it, or
 * this process takes the fetch (a lock that expires after --lease, in
 * case it dies), or another has it. ARGV: prefix, pid, origin, lease ms.
 * Returns {1, {ok, status, attempts, error, body}}, {0} (fetch it) or
 * {2} (wait).
 */
static const char lua_robots_get[] =
    "local P, pid, o = ARGV[1], ARGV[2], ARGV[3]\n"
    "local v = redis.call('HMGET', P..'robots:'..o, 'ok', 'status',\n"
    "  'attempts', 'error', 'body')\n"
    "if v[2] then return {1, v} end\n"
    "if redis.call('SET', P..'robots_lock:'..o, pid, 'NX', 'PX', ARGV[4])\n"
    "  then return {0} end\n"
    "return {2}\n";

/*
 * Redis's clock in ms, for the politeness scripts. TIME is not
 * deterministic: a script calling it may write only under effects
 * replication, the default since Redis 5 (and the only mode in 7.0),
 * which replicate_commands() asks for on Redis 5 and 6 (doc/NOTES.md,
 * "hiredis 0.14.1 and Redis 7.0").
 */
#define LUA_NOW \
    "redis.replicate_commands()\n" \
    "local t = redis.call('TIME')\n" \
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

/*
 * A start at a host (its origin): a slot, if fewer than per_host (0: any
 * number) are taken by live processes, and the host is due; its next
 * start is then the interval (the larger of interval_ms and a 429's) on.
 * ARGV: prefix, pid, origin, per_host, interval_ms, slot. Returns 0
 * (taken), -1 (every slot is taken) or the ms until the host is due.
 */
static const char lua_host_take[] =
    LUA_NOW
    "local P, pid, o = ARGV[1], ARGV[2], ARGV[3]\n"
    "local cap, iv = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
    "local sk, hk = P..'slots:'..o, P..'host:'..o\n"
    "if cap > 0 then\n"
    "  for _, m in ipairs(redis.call('ZRANGE', sk, 0, -1)) do\n"
    "    local q = string.match(m, '^(%d+)')\n"
    "    if redis.call('EXISTS', P..'alive:'..q) == 0 then\n"
    "      redis.call('ZREM', sk, m) end\n"
    "  end\n"
    "  if redis.call('ZCARD', sk) >= cap then return -1 end\n"
    "end\n"
    "local h = redis.call('HMGET', hk, 'next', 'interval')\n"
    "local nx = tonumber(h[1] or '0')\n"
    "if now < nx then return nx - now end\n"
    "if tonumber(h[2] or '0') > iv then iv = tonumber(h[2]) end\n"
    "if iv > 0 then\n"
    "  redis.call('HSET', hk, 'next', string.format('%d', now + iv)) end\n"
    "if cap > 0 then\n"
    "  redis.call('ZADD', sk, now, pid..':'..ARGV[6]) end\n"
    "return 0\n";

/*
 * The host's 429, or Retry-After: its interval at least interval_ms, no
 * start before wait_ms from now; a 429 (twice 1) doubles the interval it
 * had over all the processes, up to max_ms, and no start is before that.
 * ARGV: prefix, origin, interval_ms, wait_ms, max_ms, twice. Returns the
 * interval, in ms.
 */
static const char lua_host_slow[] =
    LUA_NOW
    "local hk = ARGV[1]..'host:'..ARGV[2]\n"
    "local iv, w = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
    "local h = redis.call('HMGET', hk, 'next', 'interval')\n"
    "local cur = tonumber(h[2] or '0')\n"
    "if ARGV[6] == '1' then\n"
    "  iv = math.max(iv, math.min(cur * 2, tonumber(ARGV[5])))\n"
    "  w = math.max(w, iv)\n"
    "end\n"
    "if iv > cur then\n"
    "  cur = iv\n"
    "  redis.call('HSET', hk, 'interval', string.format('%d', iv)) end\n"
    "if now + w > tonumber(h[1] or '0') then\n"
    "  redis.call('HSET', hk, 'next', string.format('%d', now + w)) end\n"
    "return cur\n";

/*
 * A process leaves: what it still holds goes back (not a release: it
 * was never fetched), and it is no longer a process of the crawl (the
 * records it owed are written: flush_done() told them first).
 * ARGV: prefix, pid.
 */
static const char lua_leave[] =
    "local P, pid = ARGV[1], ARGV[2]\n"
    "for _, u in ipairs(redis.call('SMEMBERS', P..'held:'..pid)) do\n"
    "  local info = redis.call('HGET', P..'info', u) or '0'\n"
    "  redis.call('LPUSH', P..'queue:'..string.match(info, '^(%d+)'), u)\n"
    "end\n"
    "redis.call('DEL', P..'held:'..pid, P..'alive:'..pid,\n"
    "  P..'reading:'..pid, P..'owed:'..pid)\n"
    "redis.call('SREM', P..'procs', pid)\n"
    "redis.call('SREM', P..'readers', pid)\n"
    "return 0\n";

/*
 * A process's counts since it last told them, added to the crawl's
 * (stats) and its own (stats:PID). ARGV: prefix, pid, then the count of
 * each field of tally_fields, in that order.
 */
static const char lua_tally[] =
    "local P, pid = ARGV[1], ARGV[2]\n"
    "local f = {'records', 'ok', 'failed', 'duplicates', 'bytes', 'chars'}\n"
    "for i, k in ipairs(f) do\n"
    "  if ARGV[i + 2] ~= '0' then\n"
    "    redis.call('HINCRBY', P..'stats', k, ARGV[i + 2])\n"
    "    redis.call('HINCRBY', P..'stats:'..pid, k, ARGV[i + 2])\n"
    "  end\n"
    "end\n"
    "return 0\n";

/* The fields of lua_tally, and of --status, in that order. */
static const char *const tally_fields[] = {
	"records", "ok", "failed", "duplicates", "bytes", "chars"
};
#define NTALLY	(sizeof tally_fields / sizeof tally_fields[0])

struct frontier_redis {
	struct frontier	 f;		/* first: the frontier is this */
	const struct options *opt;
	char		*where;		/* the URL, for messages */
	char		*host, *path;	/* TCP host, or the socket's path */
	int		 port;
	char		*prefix;	/* "pscrape:{NAME}:" */
	char		 pid[24];	/* this process's id in the crawl */
	redisContext	*c;
	pthread_mutex_t	 lock;		/* c, first */
	bool		 later;		/* lua_take said: ask again */
	char		*first;		/* what admit_seed's *first points to */
	char		**done;		/* url, depth, url...: not told yet */
	size_t		 ndone;		/* strings in done */
	/* Records of lines this process owes (LUA_OWE): their FILE:LINE. */
	char		**owing;	/* not written yet */
	size_t		 nowing;
	char		**paid;		/* written, owed:PID not told yet */
	size_t		 npaid;
	unsigned	 kill_owed;	/* PSCRAPE_TEST_KILL=owed:N, or 0 */
	double		 done_since;	/* when the first was put there */
	uint64_t	 tally[NTALLY];	/* records' counts: not told yet */
	bool		 tallied;	/* some of them are not 0 */
	uint64_t	 cut;		/* records of URLs Redis's loss cut */
	/* The heartbeat: its own connection, renewing the lease. */
	pthread_t	 beat;
	pthread_mutex_t	 beat_lock;
	pthread_cond_t	 beat_cond;
	bool		 beating, quit;
	atomic_bool	 lost;		/* Redis went away: said once */
	/* The scripts by their SHA1 in Redis's cache (EVALSHA): c's. */
	struct {
		const char	*script;
		char		 sha[41];
	}		 shas[SHAS];
	size_t		 nshas;
};

/* --- connecting ------------------------------------------------------------ */

/*
 * redis://HOST[:PORT]/NAME or unix:///PATH?name=NAME into q; false (with
 * a message in err) when it is neither.
 */
static bool
parse_where(struct frontier_redis *q, const char *s, char *err, size_t len)
{
	const char *p, *slash, *colon, *name;

	if (strncmp(s, "redis://", 8) == 0) {
		p = s + 8;
		if ((slash = strchr(p, '/')) == NULL || slash == p ||
		    slash[1] == '\0' || strchr(slash + 1, '/') != NULL)
			goto bad;
		colon = memchr(p, ':', (size_t)(slash - p));
		q->host = xstrndup(p, (size_t)((colon ? colon : slash) - p));
		q->port = 6379;
		if (colon != NULL) {
			char *end;
			long port = strtol(colon + 1, &end, 10);

			if (end != slash || port < 1 || port > 65535)
				goto bad;
			q->port = (int)port;
		}
		name = slash + 1;
	} else if (strncmp(s, "unix://", 7) == 0 && s[7] == '/') {
		p = s + 7;
		if ((name = strstr(p, "?name=")) == NULL || name == p ||
		    name[6] == '\0')
			goto bad;
		q->path = xstrndup(p, (size_t)(name - p));
		name += 6;
	} else
		goto bad;
	if (strpbrk(name, "{}") != NULL)
		goto bad;
	q->prefix = xasprintf("pscrape:{%s}:", name);
	return true;
bad:
	snprintf(err, len, "--frontier '%s': not redis://HOST[:PORT]/NAME or"
	    " unix:///PATH?name=NAME", s);
	return false;
}

/* A connection, or NULL with why in err. */
static redisContext *
connect_to(struct frontier_redis *q, char *err, size_t len)
{
	struct timeval tv = { TIMEOUT_S, 0 };
	redisContext *c;

	c = q->path != NULL ? redisConnectUnixWithTimeout(q->path, tv) :
	    redisConnectWithTimeout(q->host, q->port, tv);
	if (c == NULL) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	if (c->err != 0) {
		snprintf(err, len, "cannot connect: %s", c->errstr);
		redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	/* Not into the process engine's workers. */
	fcntl(c->fd, F_SETFD, FD_CLOEXEC);
	return c;
}

/*
 * Redis went away (or answered an error): said once, and the run stops
 * as after a signal, with its own exit status (main.c).
 */
static void
lost(struct frontier_redis *q, redisContext *c, const redisReply *r)
{
	if (atomic_exchange(&q->lost, true))
		return;
	warnx_("--frontier %s: %s; stopping", q->where,
	    r != NULL && r->type == REDIS_REPLY_ERROR ? r->str :
	    c->err != 0 ? c->errstr : "no answer");
	if (stop_signal == 0)
		stop_signal = STOP_FRONTIER;
}

/*
 * The SHA1 of script in Redis's script cache, loaded the first time (or
 * NULL: EVAL it). A script is then sent once, not with each call, which
 * on a large one (claim, host_take) is most of the bytes. The lock is
 * held.
 */
static const char *
script_sha(struct frontier_redis *q, const char *script)
{
	const char *argv[] = { "SCRIPT", "LOAD", script };
	redisReply *r;
	size_t i;

	for (i = 0; i < q->nshas; i++)
		if (q->shas[i].script == script)
			return q->shas[i].sha;
	if (q->nshas == SHAS)
		return NULL;
	r = redisCommandArgv(q->c, 3, argv, NULL);
	if (r == NULL || r->type != REDIS_REPLY_STRING ||
	    r->len != sizeof q->shas[i].sha - 1) {
		if (r != NULL)
			freeReplyObject(r);
		return NULL;	/* EVAL will say what is wrong */
	}
	q->shas[i].script = script;
	memcpy(q->shas[i].sha, r->str, r->len + 1);
	q->nshas++;
	freeReplyObject(r);
	return q->shas[i].sha;
}

/*
 * Run a script with argv (argc strings, the prefix and pid first when
 * the script wants them); NULL when Redis is lost. The lock is held.
 * By its SHA1; by its text when Redis does not have it (a restarted
 * Redis has an empty script cache), which puts it back in the cache.
 */
static redisReply *
eval(struct frontier_redis *q, const char *script, int argc,
    const char **argv)
{
	const char **v = xcalloc((size_t)argc + 3, sizeof *v);
	const char *sha;
	redisReply *r;
	int i;

	if (atomic_load(&q->lost)) {
		free(v);
		return NULL;
	}
	v[2] = "0";
	for (i = 0; i < argc; i++)
		v[i + 3] = argv[i];
	r = NULL;
	if ((sha = script_sha(q, script)) != NULL) {
		v[0] = "EVALSHA";
		v[1] = sha;
		r = redisCommandArgv(q->c, argc + 3, v, NULL);
		if (r != NULL && r->type == REDIS_REPLY_ERROR &&
		    strncmp(r->str, "NOSCRIPT", 8) == 0) {
			freeReplyObject(r);
			r = NULL;
		}
	}
	/* Not after an error of the connection: that one stands. */
	if (r == NULL && q->c->err == 0) {
		v[0] = "EVAL";
		v[1] = script;
		r = redisCommandArgv(q->c, argc + 3, v, NULL);
	}
	free(v);
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		lost(q, q->c, r);
		if (r != NULL)
			freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* The end of a call: its reply freed, the lock let go. */
static void
release(struct frontier_redis *q, redisReply *r)
{
	if (r != NULL)
		freeReplyObject(r);
	pthread_mutex_unlock(&q->lock);
}

static long long
reply_int(const redisReply *r)
{
	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		return r->integer;
	if (r->type == REDIS_REPLY_STRING)
		return strtoll(r->str, NULL, 10);
	return -1;
}

/* --- the lease --------------------------------------------------------------- */

static void *
beat_main(void *arg)
{
	struct frontier_redis *q = arg;
	char err[256];
	redisContext *c = connect_to(q, err, sizeof err);
	long ms = q->opt->lease_ms;
	char *alive = xasprintf("%salive:%s", q->prefix, q->pid);
	char *procs = xasprintf("%sprocs", q->prefix);
	char pms[32];
	struct timespec ts;
	redisReply *r;

	if (c == NULL) {
		if (!atomic_exchange(&q->lost, true)) {
			warnx_("--frontier %s: %s; stopping", q->where, err);
			if (stop_signal == 0)
				stop_signal = STOP_FRONTIER;
		}
		free(alive);
		free(procs);
		return NULL;
	}
	snprintf(pms, sizeof pms, "%ld", ms);
	pthread_mutex_lock(&q->beat_lock);
	while (!q->quit) {
		pthread_mutex_unlock(&q->beat_lock);
		/* The lease again, and the process back if it was dropped. */
		redisAppendCommand(c, "SET %s 1 PX %s", alive, pms);
		redisAppendCommand(c, "SADD %s %s", procs, q->pid);
		r = NULL;
		if (redisGetReply(c, (void **)&r) != REDIS_OK ||
		    r->type == REDIS_REPLY_ERROR) {
			lost(q, c, r);
			if (r != NULL)
				freeReplyObject(r);
			pthread_mutex_lock(&q->beat_lock);
			break;
		}
		freeReplyObject(r);
		if (redisGetReply(c, (void **)&r) == REDIS_OK)
			freeReplyObject(r);
		pthread_mutex_lock(&q->beat_lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += ms / 3 / 1000;
		ts.tv_nsec += ms / 3 % 1000 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!q->quit)
			pthread_cond_timedwait(&q->beat_cond, &q->beat_lock,
			    &ts);
	}
	pthread_mutex_unlock(&q->beat_lock);
	free(alive);
	free(procs);
	redisFree(c);
	return NULL;
}

/* --- the backend ------------------------------------------------------------- */

/*
 * A script sent, its reply not read yet (take_replies() reads it): 1, or
 * 0 when Redis is lost. The lock is held.
 */
static int
eval_append(struct frontier_redis *q, const char *script, int argc,
    const char **argv)
{
	const char **v;
	int i, ok;

	if (atomic_load(&q->lost))
		return 0;
	v = xcalloc((size_t)argc + 3, sizeof *v);
	v[0] = "EVAL";
	v[1] = script;
	v[2] = "0";
	for (i = 0; i < argc; i++)
		v[i + 3] = argv[i];
	ok = redisAppendCommandArgv(q->c, argc + 3, v, NULL) == REDIS_OK;
	free(v);
	if (!ok)
		lost(q, q->c, NULL);
	return ok;
}

/* The n replies of what eval_append() sent, read and let go. */
static void
take_replies(struct frontier_redis *q, int n)
{
	redisReply *r;

	for (; n > 0; n--) {
		r = NULL;
		if (redisGetReply(q->c, (void **)&r) != REDIS_OK ||
		    r->type == REDIS_REPLY_ERROR)
			lost(q, q->c, r);
		if (r != NULL)
			freeReplyObject(r);
		if (atomic_load(&q->lost))
			break;
	}
}

/*
 * The counts of the records written since the last time, sent (1) with
 * lua_tally, or not (0: none, or Redis is lost). The lock is held.
 */
static int
tally_append(struct frontier_redis *q)
{
	char num[NTALLY][24];
	const char *argv[NTALLY + 2];
	size_t i;

	if (!q->tallied)
		return 0;
	argv[0] = q->prefix;
	argv[1] = q->pid;
	for (i = 0; i < NTALLY; i++) {
		snprintf(num[i], sizeof num[i], "%" PRIu64, q->tally[i]);
		argv[i + 2] = num[i];
		q->tally[i] = 0;
	}
	q->tallied = false;
	return eval_append(q, lua_tally, (int)NTALLY + 2, argv);
}

/*
 * A record written, counted as stats_add() counts it, for lua_tally.
 * The lock is held.
 */
static void
tally(struct frontier_redis *q, const struct result *r)
{
	q->tally[0]++;
	if (atomic_load(&q->lost) && result_interrupted(r))
		q->cut++;
	if (r->duplicate_of != NULL)
		q->tally[3]++;
	else if (r->ok) {
		q->tally[1]++;
		q->tally[4] += r->bytes;
		q->tally[5] += r->chars;
	} else
		q->tally[2]++;
	q->tallied = true;
}

/*
 * The owed records written since the last time, out of owed:PID: sent
 * (1), or not (0: none, or Redis is lost). The lock is held.
 */
static int
paid_append(struct frontier_redis *q)
{
	const char **argv;
	size_t i;
	int n = 0;

	if (q->npaid == 0)
		return 0;
	argv = xcalloc(q->npaid + 2, sizeof *argv);
	argv[0] = "HDEL";
	argv[1] = xasprintf("%sowed:%s", q->prefix, q->pid);
	for (i = 0; i < q->npaid; i++)
		argv[i + 2] = q->paid[i];
	if (!atomic_load(&q->lost) && redisAppendCommandArgv(q->c,
	    (int)q->npaid + 2, argv, NULL) == REDIS_OK)
		n = 1;
	free((char *)argv[1]);
	free(argv);
	for (i = 0; i < q->npaid; i++)
		free(q->paid[i]);
	q->npaid = 0;
	return n;
}

/* Tell Redis of the URLs done. The lock is held. */
static void
flush_done(struct frontier_redis *q)
{
	const char **argv;
	size_t i;
	int n;

	if (q->ndone == 0 && q->npaid == 0 && !q->tallied)
		return;
	/* The counts ride along: one round trip for both. */
	n = tally_append(q);
	n += paid_append(q);
	argv = xcalloc(q->ndone + 3, sizeof *argv);
	argv[0] = q->prefix;
	argv[1] = q->pid;
	argv[2] = "1";
	for (i = 0; i < q->ndone; i++)
		argv[i + 3] = q->done[i];
	if (q->ndone > 0)
		n += eval_append(q, lua_complete, (int)q->ndone + 3, argv);
	take_replies(q, n);
	free(argv);
	for (i = 0; i < q->ndone; i++)
		free(q->done[i]);
	q->ndone = 0;
}

/* The batch of URLs done, if it is full or old. The lock is held. */
static void
maybe_flush(struct frontier_redis *q)
{
	size_t n = q->ndone + 2 * q->npaid;

	if (n >= 2 * DONE_BATCH || (n > 0 &&
	    clock_now_s() - q->done_since >= DONE_AGE_S))
		flush_done(q);
}

/* Something to tell Redis at the next flush: its age counts from now. */
static void
batch_add(struct frontier_redis *q)
{
	if (q->ndone == 0 && q->npaid == 0)
		q->done_since = clock_now_s();
}

/* The record of the line input is owed here until it is written. */
static void
owing_add(struct frontier_redis *q, const char *input)
{
	q->owing = xrealloc(q->owing, (q->nowing + 1) * sizeof *q->owing);
	q->owing[q->nowing++] = xstrdup(input);
}

/*
 * This process claimed the line input and owes its record (LUA_OWE).
 * PSCRAPE_TEST_KILL=owed:N, for tests/integration/frontier.sh: the Nth
 * such claim kills the process before the record goes out. The lock is
 * held.
 */
static void
owe(struct frontier_redis *q, const char *input)
{
	owing_add(q, input);
	if (q->kill_owed > 0 && --q->kill_owed == 0)
		raise(SIGKILL);
}

/*
 * Whether the record r is one this process owes: then it is written, and
 * owed:PID is told so with the next batch. The lock is held.
 */
static bool
pay(struct frontier_redis *q, const struct result *r)
{
	size_t i;

	if (r->input == NULL)
		return false;
	for (i = 0; i < q->nowing; i++)
		if (strcmp(q->owing[i], r->input) == 0)
			break;
	if (i == q->nowing)
		return false;
	batch_add(q);
	q->paid = xrealloc(q->paid, (q->npaid + 1) * sizeof *q->paid);
	q->paid[q->npaid++] = q->owing[i];
	q->owing[i] = q->owing[--q->nowing];
	maybe_flush(q);
	return true;
}

static void
redis_admit_seeds(struct frontier *f, size_t n, const char **urls,
    const char **givens, const char **inputs, enum admit *a, char **firsts)
{
	struct frontier_redis *q = (struct frontier_redis *)f;
	const char **argv = xcalloc(3 * n + 3, sizeof *argv);
	const redisReply *e;
	char max[32];
	redisReply *r;
	size_t i;

	snprintf(max, sizeof max, "%" PRIu64, q->opt->max_pages);
	argv[0] = q->prefix;
	argv[1] = q->pid;
	argv[2] = max;
	for (i = 0; i < n; i++) {
		argv[3 * i + 3] = inputs[i];
		argv[3 * i + 4] = urls[i];
		argv[3 * i + 5] = givens[i];
		a[i] = ADMIT_DONE;	/* Redis lost: the run stops */
		firsts[i] = NULL;
	}
	pthread_mutex_lock(&q->lock);
	maybe_flush(q);
	r = eval(q, lua_admit, (int)(3 * n + 3), argv);
	for (i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    r->elements == 2 * n && i < n; i++) {
		e = r->element[2 * i + 1];
		switch (reply_int(r->element[2 * i])) {
		case 0:
			a[i] = ADMIT_NEW;
			break;
		case 1:
			if (e->type != REDIS_REPLY_STRING)
				break;
			firsts[i] = xstrndup(e->str, e->len);
			a[i] = ADMIT_SEEN;
			owe(q, inputs[i]);
			break;
		case 3:
			a[i] = ADMIT_FULL;
			owe(q, inputs[i]);
			break;
		}
	}
	release(q, r);
	free(argv);
}

static enum admit
redis_admit_seed(struct frontier *f, const char *url, const char *input,
    const char **first)
{
	struct frontier_redis *q = (struct frontier_redis *)f;
	enum admit a;

	free(q->first);
	redis_admit_seeds(f, 1, &url, &url, &input, &a, &q->first);
	*first = q->first;
	return a;
}

static void
redis_hold(struct frontier *f, uint64_t rank, unsigned depth,
    const char *referrer, const char *input, char **links, size_t n,
    bool *fresh)
{
	struct frontier_redis *q = (struct frontier_redis *)f;
	const char **argv = xcalloc(n + 5, sizeof *argv);
	char d[16], max[32];
	redisReply *r;
	size_t i;

	(void)rank;
	snprintf(d, sizeof d, "%u", depth);
	snprintf(max, sizeof max, "%" PRIu64, q->opt->max_pages);
	argv[0] = q->prefix;
	argv[1] = d;
	argv[2] = referrer;
	argv[3] = input;
	argv[4] = max;
	for (i = 0; i < n; i++) {
		argv[i + 5] = links[i];
		fresh[i] = false;	/* queued in Redis, not here */
	}
	pthread_mutex_lock(&q->lock);
	maybe_flush(q);
	if ((r = eval(q, lua_hold, (int)n + 5, argv)) != NULL)
		freeReplyObject(r);
	pthread_mutex_unlock(&q->lock);
	free(argv);
}

/* The robots.txt this process fetched, for the others. */
static void
redis_robots(struct frontier *f, const char *origin,
    const struct robots_copy *c)
{
	struct frontier_redis *q = (struct frontier_redis *)f;
	char *key = xasprintf("%srobots:%s", q->prefix, origin);
	char *lock = xasprintf("%srobots_lock:%s", q->prefix, origin);
	char ok[4], status[32], attempts[16];
	const char *argv[12];
	size_t len[12];
	int n = 0, i;

	snprintf(ok, sizeof ok, "%d", c->ok);
	snprintf(status, sizeof status, "%ld", c->status);
	snprintf(attempts, sizeof attempts, "%u", c->attempts);
	argv[n++] = "HSET";
	argv[n++] = key;
	argv[n++] = "ok";
	argv[n++] = ok;
	argv[n++] = "status";
	argv[n++] = status;
	argv[n++] = "attempts";
	argv[n++] = attempts;
	if (c->error != NULL) {
		argv[n++] = "error";
		argv[n++] = c->error;
	}
	for (i = 0; i < n; i++)
		len[i] = strlen(argv[i]);
	if (c->body != NULL) {
		argv[n] = "body";
		len[n++] = 4;
		argv[n] = c->body;
		len[n++] = c->len;
	}
	pthread_mutex_lock(&q->lock);
	if (!atomic_load(&q->lost)) {
		redisAppendCommandArgv(q->c, n, argv, len);
		redisAppendCommand(q->c, "DEL %s", lock);
		take_replies(q, 2);
	}
	pthread_mutex_unlock(&q->lock);
	free(key);
	free(lock);
}

static char *
reply_dup(const redisReply *r, size_t *len)
{
	if (r->type != REDIS_REPLY_STRING)
		return NULL;
	if (len != NULL)
		*len = r->len;
	return xstrndup(r->str, r->len);
}

static enum robots_share
redis_robots_get(struct frontier *f, const char *origin,
    struct robots_copy *c)
{
	struct frontier_redis *q = (struct frontier_redis *)f;
	char lease[32];
	const char *argv[] = { q->prefix, q->pid, origin, lease };
	enum robots_share rs = ROBOTS_FETCH;
	redisReply *r, *v;

	memset(c, 0, sizeof *c);
	snprintf(lease, sizeof lease, "%ld", q->opt->lease_ms);
	pthread_mutex_lock(&q->lock);
	r = eval(q, lua_robots_get, 4, argv);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements >= 1) {
		if (reply_int(r->element[0]) == 2)
			rs = ROBOTS_ELSEWHERE;
		else if (reply_int(r->element[0]) == 1 && r->elements == 2 &&
		    (v = r->element[1])->type == REDIS_REPLY_ARRAY &&
		    v->elements == 5) {
			rs = ROBOTS_HAVE;
			c->ok = reply_int(v->element[0]) == 1;
			c->status = (long)reply_int(v->element[1]);
			c->attempts = (unsigned)reply_int(v->element[2]);
			c->error = reply_dup(v->element[3], NULL);
			c->body = reply_dup(v->element[4], &c->len);
		}
	}
	release(q, r);
	return rs;
}

/* A URL given back to its queue; false when it was not held here. */
static bool
give_back(struct frontier_redis *q, const struct job *j)
{
	char d[16];
	const char *argv[] = { q->prefix, q->pid, "0", j->url, d };
	redisReply *r;
	bool held;

	snprintf(d, sizeof d, "%u", j->depth);
	pthread_mutex_lock(&q->lock);
	r = eval(q, lua_complete, 5, argv);
	held = reply_int(r) == 1;
	release(q, r);
	return held;
}

/*
 * Before the record goes out: a line that is no URL goes to the process
 * that claims it; a URL this process stopped before finishing goes back
 * to its queue, for another process (or the next run) to fetch, and has
 * no record here. After a loss of Redis both are written.
 */
static bool
redis_complete(struct frontier *f, const struct result *r)
{
	struct frontier_redis *q = (struct frontier_redis *)f;
	const char *argv[] = { q->prefix, q->pid, r->input,
	    r->url != NULL ? r->url : "", r->error != NULL ? r->error : "" };
	redisReply *rep;
	bool mine;

	if (r->job == NULL) {
		if (r->input == NULL)
			return true;
		pthread_mutex_lock(&q->lock);
		rep = eval(q, lua_line, 5, argv);
		mine = rep == NULL || reply_int(rep) == 1;
		if (rep != NULL && reply_int(rep) == 1)
			owe(q, r->input);
		release(q, rep);
		return mine;
	}
	if (r->job->kind == JOB_PAGE && r->duplicate_of == NULL &&
	    result_interrupted(r) && !atomic_load(&q->lost))
		return !give_back(q, r->job);
	return true;
}

/* After the record went out: its URL is done. */
static void
redis_written(struct frontier *f, const struct result *r)
{
	struct frontier_redis *q = (struct frontier_redis *)f;

	pthread_mutex_lock(&q->lock);
	tally(q, r);
	if (pay(q, r) || r->job == NULL || r->job->kind != JOB_PAGE ||
	    r->duplicate_of != NULL || result_interrupted(r)) {
		pthread_mutex_unlock(&q->lock);
		return;
	}
	batch_add(q);
	q->done = xrealloc(q->done, (q->ndone + 2) * sizeof *q->done);
	q->done[q->ndone++] = xstrdup(r->job->url);
	q->done[q->ndone++] = xasprintf("%u", r->job->depth);
	maybe_flush(q);
	pthread_mutex_unlock(&q->lock);
}

static double
redis_host_take(struct frontier *f, const char *origin, int per_host,
    double interval, uint64_t slot)
{
	struct frontier_redis *q = (struct frontier_redis *)f;
	char cap[16], iv[32], n[32];
	const char *argv[] = { q->prefix, q->pid, origin, cap, iv, n };
	redisReply *r;
	long long v;

	snprintf(cap, sizeof cap, "%d", per_host);
	snprintf(iv, sizeof iv, "%.0f", interval * 1000);
	snprintf(n, sizeof n, "%" PRIu64, slot);
	pthread_mutex_lock(&q->lock);
	r = eval(q, lua_host_take, 6, argv);
	v = r != NULL ? reply_int(r) : 0;	/* lost: the run stops */
	release(q, r);
	/*
	 * Every slot taken: asked again soon (a slot comes free when a
	 * transfer of any process ends).
	 */
	if (v == -1)
		return SLOT_POLL_S;
	return v > 0 ? (double)v / 1000 : 0;
}

static void
redis_host_give(struct frontier *f, const char *origin, uint64_t slot)
{
	struct frontier_redis *q = (struct frontier_redis *)f;
	char *key, *member;
	const char *argv[3];
	redisReply *r;

	/* --per-host 0: host_take took no slot, there is none to give. */
	if (q->opt->per_host == 0)
		return;
	key = xasprintf("%sslots:%s", q->prefix, origin);
	member = xasprintf("%s:%" PRIu64, q->pid, slot);
	argv[0] = "ZREM";
	argv[1] = key;
	argv[2] = member;
	pthread_mutex_lock(&q->lock);
	if (!atomic_load(&q->lost)) {
		r = redisCommandArgv(q->c, 3, argv, NULL);
		if (r == NULL || r->type == REDIS_REPLY_ERROR)
			lost(q, q->c, r);
		if (r != NULL)
			freeReplyObject(r);
	}
	pthread_mutex_unlock(&q->lock);
	free(key);
	free(member);
}

static double
redis_host_slow(struct frontier *f, const char *origin, double interval,
    double wait, bool twice, double max)
{
	struct frontier_redis *q = (struct frontier_redis *)f;
	char iv[32], w[32], cap[32];
	const char *argv[] = { q->prefix, origin, iv, w, cap,
	    twice ? "1" : "0" };
	redisReply *r;
	long long v;

	snprintf(iv, sizeof iv, "%.0f", interval * 1000);
	snprintf(w, sizeof w, "%.0f", wait * 1000);
	snprintf(cap, sizeof cap, "%.0f", max * 1000);
	pthread_mutex_lock(&q->lock);
	r = eval(q, lua_host_slow, 6, argv);
	v = reply_int(r);
	release(q, r);
	/* Redis lost: the run stops; what this process had stands. */
	return v > 0 ? (double)v / 1000 : interval;
}

/* Items from claim's {url, info, releases, ...}. */
static size_t
take_items(const redisReply *v, struct frontier_item **items)
{
	struct frontier_item *it;
	const char *info, *tab, *tab2;
	size_t i, n = v->elements / 3;

	*items = xcalloc(n ? n : 1, sizeof **items);
	for (i = 0; i < n; i++) {
		it = &(*items)[i];
		it->url = xstrdup(v->element[3 * i]->str);
		info = v->element[3 * i + 1]->str;
		it->depth = (unsigned)strtoul(info, NULL, 10);
		if ((tab = strchr(info, '\t')) == NULL)
			tab = info + strlen(info);
		else
			tab++;
		if ((tab2 = strchr(tab, '\t')) == NULL)
			tab2 = tab + strlen(tab);
		it->input = xstrndup(tab, (size_t)(tab2 - tab));
		if (*tab2 == '\t' && tab2[1] != '\0')
			it->referrer = xstrdup(tab2 + 1);
		it->releases = (unsigned)reply_int(v->element[3 * i + 2]);
	}
	return n;
}

/*
 * The record of an owed line taken over (LUA_OWE's KIND LEN:URL REST),
 * as the process that owed it would have written it, marked with the
 * releases; NULL if it is not one.
 */
static struct result *
owed_record(const char *input, const char *s, size_t len, long long releases)
{
	const char *end = s + len, *url;
	struct result *r;
	struct job *job;
	char *colon;
	size_t ulen;

	if (len < 3 || strchr("dfe", s[0]) == NULL)
		return NULL;
	errno = 0;
	ulen = strtoul(s + 1, &colon, 10);
	if (errno != 0 || colon == s + 1 || colon >= end || *colon != ':' ||
	    ulen > (size_t)(end - colon - 1))
		return NULL;
	url = colon + 1;
	job = job_new(xstrndup(url, ulen), xstrndup(url, ulen), xstrdup(input),
	    0);
	job->releases = releases > 0 ? (unsigned)releases : 1;
	r = result_from_job(job);
	r->attempts = 0;
	switch (s[0]) {
	case 'd':
		r->ok = true;
		r->duplicate_of = xstrndup(url + ulen,
		    (size_t)(end - url) - ulen);
		break;
	case 'f':
		result_fail(r, "%s", FRONTIER_FULL_ERROR);
		break;
	default:
		r->error = xstrndup(url + ulen, (size_t)(end - url) - ulen);
		break;
	}
	return r;
}

/*
 * The owed records claim took over ({FILE:LINE, record, releases, ...}),
 * added to *items (n of them) and owed here. The lock is held.
 */
static void
take_owed(struct frontier_redis *q, const redisReply *v,
    struct frontier_item **items, size_t *n)
{
	const redisReply *in, *rec;
	struct result *r;
	size_t i;

	if (v->type != REDIS_REPLY_ARRAY || v->elements < 3)
		return;
	*items = xrealloc(*items, (*n + v->elements / 3) * sizeof **items);
	for (i = 0; i + 2 < v->elements; i += 3) {
		in = v->element[i];
		rec = v->element[i + 1];
		if (in->type != REDIS_REPLY_STRING ||
		    rec->type != REDIS_REPLY_STRING)
			continue;
		r = owed_record(in->str, rec->str, rec->len,
		    reply_int(v->element[i + 2]));
		if (r == NULL)
			continue;
		memset(&(*items)[*n], 0, sizeof **items);
		(*items)[(*n)++].record = r;
		owing_add(q, in->str);
	}
}

static enum claim
redis_claim(struct frontier *f, size_t k, struct frontier_item **items,
    size_t *n)
{
	struct frontier_redis *q = (struct frontier_redis *)f;
	char num[32];
	const char *argv[] = { q->prefix, q->pid, num };
	enum claim c = CLAIM_END;
	redisReply *r;

	*items = NULL;
	*n = 0;
	snprintf(num, sizeof num, "%zu", k);
	pthread_mutex_lock(&q->lock);
	flush_done(q);
	r = eval(q, lua_claim, 3, argv);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements >= 2) {
		switch (reply_int(r->element[0])) {
		case 0:
			if (r->elements >= 3 &&
			    r->element[2]->type == REDIS_REPLY_ARRAY) {
				*n = take_items(r->element[2], items);
				c = CLAIM_ITEMS;
			}
			break;
		case 1:
			c = CLAIM_WAIT;
			break;
		}
		if (r->elements >= 4)
			take_owed(q, r->element[3], items, n);
	}
	release(q, r);
	return c;
}

/* The connection and what redis_new() made, let go. */
static void
redis_free(struct frontier_redis *q)
{
	size_t i;

	redisFree(q->c);
	pthread_mutex_destroy(&q->lock);
	pthread_mutex_destroy(&q->beat_lock);
	pthread_cond_destroy(&q->beat_cond);
	for (i = 0; i < q->nowing; i++)
		free(q->owing[i]);
	free(q->owing);
	for (i = 0; i < q->npaid; i++)
		free(q->paid[i]);
	free(q->paid);
	free(q->first);
	free(q->where);
	free(q->host);
	free(q->path);
	free(q->prefix);
	free(q);
}

/*
 * How this process ended, for --status: "finished", or "stopped" (a
 * signal, a write error, a loss of Redis: then it is not told).
 */
static void
mark_end(struct frontier_redis *q, bool finished)
{
	char *key = xasprintf("%sstats:%s", q->prefix, q->pid);
	const char *argv[] = { "HSET", key, "end",
	    finished ? "finished" : "stopped" };

	if (!atomic_load(&q->lost) &&
	    redisAppendCommandArgv(q->c, 4, argv, NULL) == REDIS_OK)
		take_replies(q, 1);
	free(key);
}

static void
redis_close(struct frontier *f, bool finished)
{
	struct frontier_redis *q = (struct frontier_redis *)f;
	const char *argv[] = { q->prefix, q->pid };
	redisReply *r;
	size_t i;

	pthread_mutex_lock(&q->beat_lock);
	q->quit = true;
	pthread_cond_signal(&q->beat_cond);
	pthread_mutex_unlock(&q->beat_lock);
	if (q->beating)
		pthread_join(q->beat, NULL);
	flush_done(q);
	mark_end(q, finished);
	if ((r = eval(q, lua_leave, 2, argv)) != NULL)
		freeReplyObject(r);
	/* The end of the story begun by lost(), for who reads it. */
	if (atomic_load(&q->lost))
		warnx_("--frontier %s: %" PRIu64 " URLs held here were not"
		    " finished (their records say so); the same command, run"
		    " again once Redis is back, goes on with the crawl",
		    q->where, q->cut);
	for (i = 0; i < q->ndone; i++)
		free(q->done[i]);	/* Redis was lost: never told */
	free(q->done);
	redis_free(q);
}

/*
 * Nothing is held here for a level (hold() queues the links in Redis),
 * nothing pending is claimed at the start (claim() does it), and nothing
 * waits for a commit: those calls are left NULL.
 */
static const struct frontier_ops redis_ops = {
	.admit_seed = redis_admit_seed,
	.admit_seeds = redis_admit_seeds,
	.hold = redis_hold,
	.robots = redis_robots,
	.complete = redis_complete,
	.close = redis_close,
	.claim = redis_claim,
	.written = redis_written,
	.robots_get = redis_robots_get,
	.host_take = redis_host_take,
	.host_give = redis_host_give,
	.host_slow = redis_host_slow,
};

/*
 * What makes processes the same crawl: the lists and the options that
 * change which URLs are fetched. The first process sets it.
 */
static char *
crawl_options(const struct options *opt)
{
	struct textbuf b = { 0 };
	int i;

	buf_printf(&b, "--depth %u --scope %d --max-pages %" PRIu64
	    " --robots %d --shard %u/%u", opt->depth, (int)opt->scope,
	    opt->max_pages, opt->robots, opt->shard_k, opt->shard_n);
	for (i = 0; i < opt->nfiles; i++) {
		buf_adds(&b, i < opt->nlistfiles ? " -i " : " ");
		buf_adds(&b, opt->files[i]);
	}
	return b.data;
}

/* Join the crawl: an id, the same options, the lease, a reader. */
static void
join(struct frontier_redis *q)
{
	char *want = crawl_options(q->opt), *key;
	redisReply *r;
	int i;

	key = xasprintf("%soptions", q->prefix);
	r = redisCommand(q->c, "SET %s %s NX GET", key, want);
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		fatal(EXIT_FRONTIER, "--frontier %s: %s", q->where,
		    r != NULL ? r->str : q->c->errstr);
	if (r->type == REDIS_REPLY_STRING && strcmp(r->str, want) != 0)
		fatal(EXIT_USAGE, "--frontier %s holds another crawl (its"
		    " options: %s; here: %s): give another NAME", q->where,
		    r->str, want);
	freeReplyObject(r);
	free(key);
	free(want);
	key = xasprintf("%snext_pid", q->prefix);
	r = redisCommand(q->c, "INCR %s", key);
	free(key);
	if (r == NULL || r->type != REDIS_REPLY_INTEGER)
		fatal(EXIT_FRONTIER, "--frontier %s: cannot join", q->where);
	snprintf(q->pid, sizeof q->pid, "%lld", r->integer);
	freeReplyObject(r);
	redisAppendCommand(q->c, "SET %salive:%s 1 PX %ld", q->prefix,
	    q->pid, q->opt->lease_ms);
	redisAppendCommand(q->c, "SADD %sprocs %s", q->prefix, q->pid);
	redisAppendCommand(q->c, "SADD %sreaders %s", q->prefix, q->pid);
	for (i = 0; i < 3; i++) {
		if (redisGetReply(q->c, (void **)&r) != REDIS_OK)
			fatal(EXIT_FRONTIER, "--frontier %s: %s", q->where,
			    q->c->errstr);
		freeReplyObject(r);
	}
}

static struct frontier_redis *
redis_new(const struct options *opt)
{
	struct frontier_redis *q = xcalloc(1, sizeof *q);
	char err[512];

	q->f.ops = &redis_ops;
	q->f.shared = true;
	q->opt = opt;
	q->where = xstrdup(opt->frontier);
	if (!parse_where(q, opt->frontier, err, sizeof err))
		fatal(EXIT_USAGE, "%s", err);
	if ((q->c = connect_to(q, err, sizeof err)) == NULL)
		fatal(EXIT_FRONTIER, "--frontier %s: %s", q->where, err);
	pthread_mutex_init(&q->lock, NULL);
	pthread_mutex_init(&q->beat_lock, NULL);
	pthread_cond_init(&q->beat_cond, NULL);
	atomic_init(&q->lost, false);
	return q;
}

/* Who this process is, for --status: its host name and pid. */
static void
announce(struct frontier_redis *q)
{
	char host[256], pid[24];
	redisReply *r;

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	r = redisCommand(q->c, "HSET %sstats:%s host %s pid %s", q->prefix,
	    q->pid, host, pid);
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		fatal(EXIT_FRONTIER, "--frontier %s: %s", q->where,
		    r != NULL ? r->str : q->c->errstr);
	freeReplyObject(r);
}

void
frontier_redis_unlines(void *arg, char **entries, size_t n)
{
	struct frontier_redis *q = arg;
	const char **argv = xcalloc(n + 2, sizeof *argv);
	redisReply *r;
	size_t i;

	/* LPUSH puts its last first: the lines go back in their order. */
	argv[0] = "LPUSH";
	argv[1] = xasprintf("%sinput", q->prefix);
	for (i = 0; i < n; i++)
		argv[i + 2] = entries[n - 1 - i];
	pthread_mutex_lock(&q->lock);
	if (!atomic_load(&q->lost)) {
		r = redisCommandArgv(q->c, (int)n + 2, argv, NULL);
		if (r == NULL || r->type == REDIS_REPLY_ERROR)
			lost(q, q->c, r);
		if (r != NULL)
			freeReplyObject(r);
	}
	pthread_mutex_unlock(&q->lock);
	free((char *)argv[1]);
	free(argv);
}

/*
 * A process with no list works from the loaded lines: there must be
 * some, or it would read nothing and wait for nothing.
 */
static void
check_loaded(struct frontier_redis *q)
{
	redisReply *r;
	long long loaded;

	r = redisCommand(q->c, "EXISTS %sloaded", q->prefix);
	if (r == NULL || r->type != REDIS_REPLY_INTEGER)
		fatal(EXIT_FRONTIER, "--frontier %s: %s", q->where,
		    r != NULL && r->type == REDIS_REPLY_ERROR ? r->str :
		    q->c->errstr);
	loaded = r->integer;
	/* Freed before the exit: a leak checker reports it otherwise. */
	freeReplyObject(r);
	if (loaded == 0)
		fatal(EXIT_USAGE, "--frontier %s: no list given, and none"
		    " loaded (pscrape --frontier %s --load FILE...)",
		    q->where, q->where);
}

struct frontier *
frontier_redis_open(const struct options *opt)
{
	struct frontier_redis *q = redis_new(opt);
	const char *k;

	/* Each loaded line goes to one process: a shard would drop some. */
	if (opt->nfiles == 0 && opt->shard_n > 0)
		fatal(EXIT_USAGE, "--frontier with no list takes the loaded"
		    " lines: no --shard");
	if (opt->nfiles == 0)
		check_loaded(q);
	if ((k = getenv("PSCRAPE_TEST_KILL")) != NULL &&
	    strncmp(k, "owed:", 5) == 0)
		q->kill_owed = (unsigned)strtoul(k + 5, NULL, 10);
	join(q);
	announce(q);
	if (pthread_create(&q->beat, NULL, beat_main, q) != 0)
		fatal(EXIT_FAILURE, "cannot start a thread");
	q->beating = true;
	return &q->f;
}

/* --- --load ----------------------------------------------------------------- */

#define LOAD_BATCH	256	/* lines sent in one script call */

/* Send the n lines of v (entries of source_line()); how many were new. */
static long long
load_batch(struct frontier_redis *q, char **v, size_t n)
{
	const char **argv = xcalloc(2 * n + 1, sizeof *argv);
	redisReply *r;
	long long added;
	size_t i;

	argv[0] = q->prefix;
	for (i = 0; i < n; i++) {
		/* Its FILE:LINE, up to the tab, is the key. */
		argv[2 * i + 1] = xstrndup(v[i], strcspn(v[i], "\t"));
		/* A blank line (flag s): remembered, not queued. */
		argv[2 * i + 2] = v[i][strlen(argv[2 * i + 1]) + 1] == 's' ?
		    "" : v[i];
	}
	r = eval(q, lua_load, (int)(2 * n + 1), argv);
	if (r == NULL)
		fatal(EXIT_FRONTIER, "--frontier %s: cannot load the lists",
		    q->where);
	added = reply_int(r);
	freeReplyObject(r);
	for (i = 0; i < n; i++) {
		free((char *)argv[2 * i + 1]);
		free(v[i]);
	}
	free(argv);
	return added;
}

int
frontier_redis_load(const struct options *opt, struct source *src)
{
	struct frontier_redis *q = redis_new(opt);
	char *v[LOAD_BATCH];
	long long lines = 0, added = 0;
	size_t n = 0;

	while ((v[n] = source_line(src)) != NULL) {
		lines++;
		if (++n == LOAD_BATCH) {
			added += load_batch(q, v, n);
			n = 0;
		}
	}
	if (n > 0)
		added += load_batch(q, v, n);
	warnx_("--frontier %s: %lld lines read, %lld loaded (%lld loaded"
	    " before)", q->where, lines, added, lines - added);
	redis_free(q);
	return source_failed(src) ? EXIT_USAGE : EXIT_ALL_OK;
}

size_t
frontier_redis_lines(void *arg, size_t max, char ***entries, bool *later)
{
	struct frontier_redis *q = arg;
	char num[32];
	const char *argv[] = { q->prefix, q->pid, num };
	const redisReply *v;
	redisReply *r;
	size_t i, n = 0;

	*entries = NULL;
	/* Asked again after {1}: not at once, the others are working. */
	if (q->later) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	snprintf(num, sizeof num, "%zu", max);
	pthread_mutex_lock(&q->lock);
	r = eval(q, lua_take, 3, argv);
	q->later = r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    r->elements == 1 && reply_int(r->element[0]) == 1;
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    (v = r->element[1])->type == REDIS_REPLY_ARRAY && v->elements > 0) {
		*entries = xcalloc(v->elements, sizeof **entries);
		for (i = 0; i < v->elements; i++)
			if (v->element[i]->type == REDIS_REPLY_STRING)
				(*entries)[n++] = xstrndup(v->element[i]->str,
				    v->element[i]->len);
	}
	*later = q->later;
	release(q, r);
	return n;
}

/* --- --status --------------------------------------------------------------- */

static long long
get_int(struct frontier_redis *q, const char *fmt, const char *arg)
{
	redisReply *r;
	char *key = xasprintf("%s%s", q->prefix, arg);
	long long v;

	r = redisCommand(q->c, fmt, key);
	free(key);
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		fatal(EXIT_FRONTIER, "--frontier %s: %s", q->where,
		    r != NULL ? r->str : q->c->errstr);
	v = r->type == REDIS_REPLY_NIL ? 0 : reply_int(r);
	freeReplyObject(r);
	return v;
}

/*
 * "records N: ok N, failed N, duplicates N; N bytes, N chars" of the
 * hash key (stats, or a process's), after what.
 */
static void
print_tally(struct frontier_redis *q, FILE *out, const char *what,
    const char *key)
{
	const char *argv[NTALLY + 2];
	redisReply *r;
	long long v[NTALLY];
	size_t i;

	argv[0] = "HMGET";
	argv[1] = key;
	for (i = 0; i < NTALLY; i++)
		argv[i + 2] = tally_fields[i];
	r = redisCommandArgv(q->c, (int)NTALLY + 2, argv, NULL);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != NTALLY)
		fatal(EXIT_FRONTIER, "--frontier %s: %s", q->where,
		    r != NULL && r->type == REDIS_REPLY_ERROR ? r->str :
		    q->c->errstr);
	for (i = 0; i < NTALLY; i++)
		v[i] = r->element[i]->type == REDIS_REPLY_NIL ? 0 :
		    reply_int(r->element[i]);
	freeReplyObject(r);
	fprintf(out, "%srecords %lld: ok %lld, failed %lld, duplicates %lld;"
	    " %lld bytes, %lld chars\n", what, v[0], v[1], v[2], v[3], v[4],
	    v[5]);
}

/*
 * Whether a process whose lease is alive is gone: it ran on this host and
 * its pid is not there (SIGKILL, a crash). Until its lease runs out it
 * holds its URLs, but it is not running. A pid taken since by another
 * process looks alive: then it says running, as before.
 */
static bool
gone_here(const char *me, const redisReply *host, const redisReply *pid)
{
	char *end;
	long p;

	if (host->type != REDIS_REPLY_STRING ||
	    pid->type != REDIS_REPLY_STRING || strcmp(me, host->str) != 0)
		return false;
	p = strtol(pid->str, &end, 10);
	return *end == '\0' && p > 0 && kill((pid_t)p, 0) == -1 &&
	    errno == ESRCH;
}

/*
 * The counts of the records over all the processes, then each process
 * that joined: its host and pid, and running (its lease is alive),
 * gone (its lease is alive, but it is not running on this host),
 * finished, stopped, or lost (killed: its lease ran out).
 */
static void
status_tallies(struct frontier_redis *q, FILE *out)
{
	long long n = get_int(q, "GET %s", "next_pid"), p, ms;
	char *key, *what, num[32], *state, me[256] = "";
	redisReply *r;

	/* This host's name, for gone_here(); none matches if unknown. */
	if (gethostname(me, sizeof me) != 0)
		me[0] = '\0';
	me[sizeof me - 1] = '\0';

	key = xasprintf("%sstats", q->prefix);
	print_tally(q, out, "", key);
	free(key);
	for (p = 1; p <= n; p++) {
		key = xasprintf("%sstats:%lld", q->prefix, p);
		r = redisCommand(q->c, "HMGET %s host pid end", key);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY ||
		    r->elements != 3)
			fatal(EXIT_FRONTIER, "--frontier %s: %s", q->where,
			    r != NULL && r->type == REDIS_REPLY_ERROR ?
			    r->str : q->c->errstr);
		snprintf(num, sizeof num, "alive:%lld", p);
		if (r->element[2]->type == REDIS_REPLY_STRING)
			state = xstrdup(r->element[2]->str);
		else if ((ms = get_int(q, "PTTL %s", num)) == -2)
			state = xstrdup("lost");	/* no such key */
		else if (gone_here(me, r->element[0], r->element[1]))
			state = xasprintf("gone (not running on this host,"
			    " lost when its lease runs out in %lld s)",
			    ms > 0 ? (ms + 999) / 1000 : 0);
		else
			state = xstrdup("running");
		what = xasprintf("process %lld (%s pid %s): %s; ", p,
		    r->element[0]->type == REDIS_REPLY_STRING ?
		    r->element[0]->str : "?",
		    r->element[1]->type == REDIS_REPLY_STRING ?
		    r->element[1]->str : "?", state);
		print_tally(q, out, what, key);
		freeReplyObject(r);
		free(state);
		free(what);
		free(key);
	}
}

int
frontier_redis_status(const struct options *opt, FILE *out)
{
	struct frontier_redis *q = redis_new(opt);
	long long level, d, found, done, queued, tf = 0, td = 0, tq = 0;
	char key[64];
	redisReply *r;
	size_t i;
	long long held = 0;

	level = get_int(q, "GET %s", "level");
	fprintf(out, "frontier %s: level %lld\n", q->where, level);
	for (d = 0; ; d++) {
		snprintf(key, sizeof key, "found:%lld", d);
		found = get_int(q, "GET %s", key);
		if (found == 0 && d > level)
			break;
		snprintf(key, sizeof key, "done:%lld", d);
		done = get_int(q, "GET %s", key);
		snprintf(key, sizeof key, "queue:%lld", d);
		queued = get_int(q, "LLEN %s", key);
		fprintf(out, "level %lld: found %lld, done %lld, queued %lld\n",
		    d, found, done, queued);
		tf += found;
		td += done;
		tq += queued;
	}
	r = redisCommand(q->c, "SMEMBERS %sprocs", q->prefix);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i < r->elements; i++) {
			snprintf(key, sizeof key, "held:%s",
			    r->element[i]->str);
			held += get_int(q, "SCARD %s", key);
		}
	fprintf(out, "total: found %lld, done %lld, in flight %lld, queued"
	    " %lld\n", tf, td, held, tq);
	fprintf(out, "pages %lld, processes %lld, released %lld\n",
	    get_int(q, "GET %s", "pages"),
	    r != NULL && r->type == REDIS_REPLY_ARRAY ?
	    (long long)r->elements : 0, get_int(q, "GET %s", "released"));
	if (r != NULL)
		freeReplyObject(r);
	status_tallies(q, out);
	redis_free(q);
	return fflush(out) == 0 ? EXIT_ALL_OK : EXIT_WRITE;
}
