/*
 * The frontier's SQLite backend: --state FILE (see frontier.h, and the
 * STATE FILE section of pscrape(1) for the tables, which users query).
 *
 * What must hold after a kill at any moment: a record goes out (the sink
 * writes it) only after its row is committed, so nothing written is ever
 * fetched again; a URL is fetched again only if it was in flight, or its
 * row in the batch not yet committed. No record is lost: meta 'written'
 * says, from the commit after, which rows have their records out, and
 * the next attempt writes the records of the rows above it again, marked
 * replayed (a second copy when the kill came after the write). Rows are written in one open
 * transaction that the sink commits every BATCH_MS or BATCH_RECORDS (WAL,
 * synchronous=NORMAL: a commit survives the death of the process, which
 * is what a kill is; a power cut may lose the last ones, which are then
 * fetched again). The memory sets answer every question during the run;
 * the database is read only when the state is opened.
 *
 * One run is the same command until it finishes; each try at it is an
 * attempt. A state whose run did not finish is resumed: list lines and
 * links with a final record in this run are not fetched again, the links
 * admitted and not finished (the frontier) are queued again at their
 * depth and rank, and the links that the finished pages of the level
 * held for the next are held again, so that the crawl stays breadth-first.
 * A finished run's state starts the next run.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "frontier.h"
#include "options.h"
#include "result.h"
#include "strset.h"
#include "url.h"
#include "xmalloc.h"

/*
 * 2: pages lost its index pages_url, a third B-tree for every record that
 * no query of pscrape needs (bench/state.sh: 6,000 instructions a record
 * of 22,000).
 * 3: pages lost its PRIMARY KEY(run, key), a B-tree whose keys (FILE:LINE
 * texts, which sort 1, 10, 100, 1000, 1001 ...) a list's records insert
 * in the middle, one after the other, where SQLite splits a page every
 * 11 records: 4,800 instructions of the 11,300 a record cost the thread
 * that inserts. pscrape never looks a row up by key but as a state is
 * opened, and makes one row per key of a run (the memory sets say which
 * keys have one; see sql_complete()). An index on run alone (appended
 * to: 1,700 instructions) keeps the queries of one run fast, and the
 * view frontier looks keys up with a list made once, not a search of
 * pages per link.
 * A state of version 1 or 2 is made version 3 as it is opened.
 */
#define SCHEMA_VERSION	"3"

#define PAGES_TABLE "CREATE TABLE pages(run INTEGER NOT NULL," \
    " key TEXT NOT NULL, url TEXT, input TEXT, depth INTEGER, referrer TEXT," \
    " status INTEGER, ok INTEGER, error TEXT, duplicate_of TEXT," \
    " chars INTEGER, bytes INTEGER, content_hash TEXT, etag TEXT," \
    " last_modified TEXT, fetched_at TEXT);"
#define PAGES_INDEX "CREATE INDEX pages_run ON pages(run);"
#define FRONTIER_VIEW "CREATE VIEW frontier AS SELECT * FROM found" \
    " WHERE (run, url) NOT IN (SELECT run, key FROM pages);"

/* The tables; pscrape(1) documents them, keep the two together. */
static const char schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE attempts(run INTEGER NOT NULL, attempt INTEGER NOT NULL,"
    " started_at TEXT NOT NULL, ended_at TEXT, finished INTEGER,"
    " PRIMARY KEY(run, attempt));"
    PAGES_TABLE PAGES_INDEX
    "CREATE TABLE found(run INTEGER NOT NULL, url TEXT NOT NULL,"
    " input TEXT, depth INTEGER NOT NULL, referrer TEXT, rank INTEGER,"
    " PRIMARY KEY(run, url));"
    "CREATE TABLE held(run INTEGER NOT NULL, rank INTEGER NOT NULL,"
    " depth INTEGER NOT NULL, referrer TEXT, input TEXT, url TEXT NOT NULL);"
    FRONTIER_VIEW
    "CREATE TABLE robots(origin TEXT PRIMARY KEY, status INTEGER,"
    " body BLOB, fetched_at TEXT);";

#define PAGES_COLUMNS "run, key, url, input, depth, referrer, status, ok," \
    " error, duplicate_of, chars, bytes, content_hash, etag, last_modified," \
    " fetched_at"

/*
 * Versions 1 and 2 to 3: pages made again without its primary key (and
 * version 1's index pages_url), each row with its rowid, which meta
 * 'written' and FILE-lock count in.
 */
static const char migrate_to_3[] =
    "DROP VIEW frontier;"
    "ALTER TABLE pages RENAME TO pages_old;"
    PAGES_TABLE
    "INSERT INTO pages(rowid, " PAGES_COLUMNS ") SELECT rowid, "
    PAGES_COLUMNS " FROM pages_old ORDER BY rowid;"
    "DROP TABLE pages_old;"
    PAGES_INDEX FRONTIER_VIEW;

/*
 * Rows of pages to insert: their numbers, and their texts in one buffer
 * (offsets; NOTEXT: NULL), so that staging a row costs no malloc.
 */
enum { S_KEY, S_URL, S_INPUT, S_REFERRER, S_ERROR, S_DUP, S_FETCHED,
    S_HASH, S_ETAG, S_LASTMOD, S_NTEXT };
#define NOTEXT	((size_t)-1)

/*
 * A row of pages, and PAGE_ROWS of them in one statement: a statement
 * run costs SQLite about 2,000 instructions besides its rows'
 * (bench/state.sh), which 32 rows share. A commit's last rows (fewer
 * than PAGE_ROWS) go in one by one.
 */
#define PUT_PAGE "INSERT INTO pages(run, key, url, input, depth," \
    " referrer, status, ok, error, duplicate_of, chars, bytes, fetched_at," \
    " content_hash, etag, last_modified)" \
    " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define PAGE_COLS	16
#define PAGE_ROWS	32

struct stage_row {
	int64_t		 depth, status, ok, chars, bytes;
	size_t		 text[S_NTEXT];
	int		 len[S_NTEXT];	/* of each text: SQLite need not look */
};

struct stage {
	struct stage_row *rows;
	size_t		 n, cap;
	struct textbuf	 texts;
};

struct frontier_sqlite {
	struct frontier	 f;		/* first: the frontier is this */
	const char	*path;
	int		 lockfd;
	sqlite3		*db;
	sqlite3_stmt	*put_page, *put_found, *put_held, *del_held;
	sqlite3_stmt	*put_page_many;	/* PAGE_ROWS rows at once, or NULL */
	sqlite3_stmt	*commit, *begin;	/* parsed once, not per batch */
	sqlite3_stmt	*put_robots, *get_robots, *put_pages, *put_written;
	pthread_mutex_t	 lock;		/* the connection */
	/*
	 * The sets and the rows staged, after lock when both are taken: a
	 * record's row is only copied here as it completes, and inserted
	 * at the commit (sql_seal(), sql_commit_sealed()), which the sink
	 * makes on a thread of its own, so that the engine's loop does
	 * not wait for SQLite.
	 */
	pthread_mutex_t	 set_lock;
	struct stage	*staged, *sealed;
	struct strset	*seen;		/* as frontier_mem's */
	struct strset	*done;		/* keys final in earlier attempts */
	size_t		 ndone;		/* their count: 0, no lookups */
	struct strset	*prev_of;	/* URL -> index in prev, in decimal */
	struct frontier_prev *prev;	/* last successes of earlier runs */
	size_t		 nprev;
	int64_t		 run, attempt;
	uint64_t	 pages;		/* counted against --max-pages */
	uint64_t	 pages_sealed;	/* of the rows sealed: to write */
	bool		 pages_dirty;	/* pages_sealed not written since */
	/*
	 * Rowids of pages, which grow as rows are added: the last row
	 * added, the last committed, the last whose record the sink said
	 * is out, and that as meta 'written' holds it (rows of the run
	 * above it are replayed by the next attempt).
	 */
	int64_t		 last_row, committed, out, out_saved;
	int		 wal_pages;	/* in the log after the last commit */
	bool		 failed;	/* a write failed: said once */
	time_t		 now;		/* the second of now_text */
	char		 now_text[32];
};

/* A fatal error of the state file: exit 2 naming it. */
static void __attribute__((noreturn))
state_fatal(struct frontier_sqlite *q, const char *what)
{
	fatal(EXIT_USAGE, "state file '%s': %s: %s", q->path, what,
	    q->db != NULL ? sqlite3_errmsg(q->db) : strerror(errno));
}

static void
exec_sql(struct frontier_sqlite *q, const char *sql)
{
	if (sqlite3_exec(q->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		state_fatal(q, sql);
}

static sqlite3_stmt *
prepare(struct frontier_sqlite *q, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
		state_fatal(q, "cannot read it (not a pscrape state?)");
	return st;
}

/* The text of meta's key, malloc'd, or NULL. */
static char *
meta_get(struct frontier_sqlite *q, const char *key)
{
	sqlite3_stmt *st = prepare(q, "SELECT value FROM meta WHERE key = ?");
	char *v = NULL;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static void
meta_set(struct frontier_sqlite *q, const char *key, const char *value)
{
	sqlite3_stmt *st = prepare(q,
	    "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		state_fatal(q, "cannot write");
	sqlite3_finalize(st);
}

/* t as ISO 8601 UTC to the second: it sorts as text. */
static void
iso_time(char *buf, size_t len, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
iso_now(char *buf, size_t len)
{
	iso_time(buf, len, time(NULL));
}

/*
 * What makes a run the same run: the lists and the options that change
 * which URLs are fetched. A state made otherwise is not resumed.
 */
struct fingerprint {
	const char	*key, *option;
	char		*value;
};

static void
fingerprint_make(const struct options *opt, struct fingerprint *fp)
{
	struct textbuf b = { 0 };
	int i;

	for (i = 0; i < opt->nfiles; i++) {
		if (i > 0)
			buf_adds(&b, " ");
		buf_adds(&b, i < opt->nlistfiles ? "-i " : "");
		buf_adds(&b, opt->files[i]);
	}
	fp[0] = (struct fingerprint){ "lists", "the lists",
	    b.data != NULL ? b.data : xstrdup("-") };
	fp[1] = (struct fingerprint){ "depth", "--depth",
	    xasprintf("%u", opt->depth) };
	fp[2] = (struct fingerprint){ "scope", "--scope",
	    xasprintf("%d", (int)opt->scope) };
	fp[3] = (struct fingerprint){ "max_pages", "--max-pages",
	    xasprintf("%" PRIu64, opt->max_pages) };
	fp[4] = (struct fingerprint){ "shard", "--shard",
	    xasprintf("%u/%u by %s", opt->shard_k, opt->shard_n,
	    opt->shard_by_url ? "url" : "host") };
	fp[5] = (struct fingerprint){ "robots", "--no-robots",
	    xstrdup(opt->robots ? "1" : "0") };
}
#define NFINGERPRINT 6

/* A fresh state, or an emptied one (--state-reset). */
static void
state_init(struct frontier_sqlite *q, const struct fingerprint *fp)
{
	char now[32];
	int i;

	exec_sql(q, "DELETE FROM meta; DELETE FROM attempts; DELETE FROM pages;"
	    " DELETE FROM found; DELETE FROM held; DELETE FROM robots;");
	iso_now(now, sizeof now);
	meta_set(q, "schema_version", SCHEMA_VERSION);
	meta_set(q, "created_at", now);
	meta_set(q, "run", "0");
	meta_set(q, "run_finished", "1");
	meta_set(q, "written", "0");
	/* Run numbers start again: a mark of the old rows means nothing. */
	if (ftruncate(q->lockfd, 0) != 0)
		state_fatal(q, "cannot empty the lock file of");
	for (i = 0; i < NFINGERPRINT; i++)
		meta_set(q, fp[i].key, fp[i].value);
}

/* Make the tables if the file is new; check the schema version. */
static void
state_schema(struct frontier_sqlite *q, const struct options *opt)
{
	struct fingerprint fp[NFINGERPRINT];
	sqlite3_stmt *st;
	char *v;
	bool fresh;
	int i;

	st = prepare(q, "SELECT count(*) FROM sqlite_master WHERE name ="
	    " 'meta'");
	fresh = sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int(st, 0) == 0;
	sqlite3_finalize(st);
	fingerprint_make(opt, fp);
	if (fresh) {
		exec_sql(q, schema);
		state_init(q, fp);
	}
	v = meta_get(q, "schema_version");
	if (v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "2") == 0)) {
		exec_sql(q, migrate_to_3);
		meta_set(q, "schema_version", SCHEMA_VERSION);
		free(v);
		v = xstrdup(SCHEMA_VERSION);
	}
	if (v == NULL || strcmp(v, SCHEMA_VERSION) != 0)
		fatal(EXIT_USAGE, "state file '%s' has schema version %s; this"
		    " pscrape reads version %s: run the pscrape that made it,"
		    " or give another FILE", q->path, v ? v : "(none)",
		    SCHEMA_VERSION);
	free(v);
	for (i = 0; i < NFINGERPRINT; i++) {
		v = meta_get(q, fp[i].key);
		if (v == NULL || strcmp(v, fp[i].value) != 0) {
			if (!opt->state_reset)
				fatal(EXIT_USAGE, "state file '%s' was made by"
				    " another run: %s differ (there '%s', here"
				    " '%s'); give --state-reset to start it"
				    " afresh", q->path, fp[i].option,
				    v ? v : "", fp[i].value);
			free(v);
			state_init(q, fp);
			break;
		}
		free(v);
	}
	for (i = 0; i < NFINGERPRINT; i++)
		free(fp[i].value);
}

/* Begin a run (the unfinished one again, or the next) and its attempt. */
static void
state_begin(struct frontier_sqlite *q)
{
	sqlite3_stmt *st;
	char *v, now[32], num[32];

	v = meta_get(q, "run");
	q->run = v != NULL ? strtoll(v, NULL, 10) : 0;
	free(v);
	v = meta_get(q, "run_finished");
	if (v == NULL || strcmp(v, "0") != 0) {
		q->run++;
		meta_set(q, "pages", "0");
	}
	free(v);
	v = meta_get(q, "pages");
	q->pages = v != NULL ? strtoull(v, NULL, 10) : 0;
	free(v);
	snprintf(num, sizeof num, "%" PRId64, q->run);
	meta_set(q, "run", num);
	meta_set(q, "run_finished", "0");
	st = prepare(q, "SELECT coalesce(max(attempt), 0) + 1 FROM attempts"
	    " WHERE run = ?");
	sqlite3_bind_int64(st, 1, q->run);
	q->attempt = sqlite3_step(st) == SQLITE_ROW ?
	    sqlite3_column_int64(st, 0) : 1;
	sqlite3_finalize(st);
	q->f.resumed = q->attempt > 1;
	iso_now(now, sizeof now);
	st = prepare(q, "INSERT INTO attempts(run, attempt, started_at)"
	    " VALUES(?, ?, ?)");
	sqlite3_bind_int64(st, 1, q->run);
	sqlite3_bind_int64(st, 2, q->attempt);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		state_fatal(q, "cannot write");
	sqlite3_finalize(st);
}

/*
 * The mark of the records that went out, kept in FILE-lock as well: meta
 * 'written' is set only in the transaction after, so a kill between a
 * batch's write and the next commit would make every record of the batch
 * come again, marked replayed. The sink tells the state after each write
 * (sql_flushed()), and one pwrite() of the run and the rowid there costs
 * a system call where a commit of its own would cost a transaction. The
 * kernel keeps what a killed process wrote; after a power cut the mark
 * may be older, and then only more rows are replayed. MARK_LEN bytes:
 * "RUN ROWID", blank-padded.
 */
#define MARK_LEN	48

static void
mark_write(struct frontier_sqlite *q)
{
	char b[MARK_LEN + 1];

	snprintf(b, sizeof b, "%-23lld %-23lld", (long long)q->run,
	    (long long)q->out);
	b[MARK_LEN - 1] = '\n';
	/* Only fewer replays ride on it: a failed write is not an error. */
	if (pwrite(q->lockfd, b, MARK_LEN, 0) != MARK_LEN)
		return;
}

/* The mark in FILE-lock, if it is of this run. */
static bool
mark_read(struct frontier_sqlite *q, int64_t *rowid)
{
	char b[MARK_LEN + 1];
	long long run, row;

	if (pread(q->lockfd, b, MARK_LEN, 0) != MARK_LEN)
		return false;
	b[MARK_LEN] = '\0';
	if (sscanf(b, "%lld %lld", &run, &row) != 2 || run != q->run)
		return false;
	*rowid = row;
	return true;
}

/*
 * Where the records that went out end: rows above meta 'written' were
 * committed by the attempt before, which may have been killed before it
 * wrote their records. A state made before 'written' was kept has none:
 * its records went out, as far as it can tell.
 */
static void
state_watermark(struct frontier_sqlite *q)
{
	sqlite3_stmt *st;
	int64_t mark;
	char *v;

	st = prepare(q, "SELECT coalesce(max(rowid), 0) FROM pages");
	if (sqlite3_step(st) == SQLITE_ROW)
		q->committed = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	q->last_row = q->committed;
	v = meta_get(q, "written");
	q->out = q->out_saved = v != NULL ? strtoll(v, NULL, 10) : q->committed;
	free(v);
	if (mark_read(q, &mark) && mark > q->out && mark <= q->committed)
		q->out = mark;
}

/*
 * The sets, from the rows of earlier attempts of this run: links found
 * first (their origin weak, as when they were found), then the keys with
 * a final record, whose list lines name themselves.
 */
static void
state_load(struct frontier_sqlite *q)
{
	sqlite3_stmt *st;
	const char *url;

	st = prepare(q, "SELECT url, referrer FROM found WHERE run = ?");
	sqlite3_bind_int64(st, 1, q->run);
	while (sqlite3_step(st) == SQLITE_ROW)
		strset_add_weak(q->seen, (const char *)sqlite3_column_text(st,
		    0), (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	st = prepare(q, "SELECT key, url, input, depth, duplicate_of FROM"
	    " pages WHERE run = ?");
	sqlite3_bind_int64(st, 1, q->run);
	while (sqlite3_step(st) == SQLITE_ROW) {
		strset_add(q->done, (const char *)sqlite3_column_text(st, 0),
		    "");
		url = (const char *)sqlite3_column_text(st, 1);
		if (sqlite3_column_int(st, 3) == 0 && url != NULL &&
		    sqlite3_column_type(st, 4) == SQLITE_NULL)
			strset_add(q->seen, url,
			    (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
}

static char *
column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

/* An ISO 8601 UTC time as iso_now() writes it, in seconds; 0: not one. */
static int64_t
iso_parse(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) ==
	    NULL || *end != '\0')
		return 0;
	return (int64_t)timegm(&tm);
}

/*
 * Each URL's last success in the runs before this one, for an
 * incremental run: its validators, hash and chars (frontier_previous()).
 * The rows of a --since skip or a 304 carry what they did not fetch.
 */
static void
state_load_prev(struct frontier_sqlite *q)
{
	struct frontier_prev *p;
	sqlite3_stmt *st;
	size_t cap = 0;
	char num[32];

	q->prev_of = strset_new();
	/* SQLite: the bare columns come from the row of max(run). */
	st = prepare(q, "SELECT url, etag, last_modified, content_hash, chars,"
	    " fetched_at, max(run) FROM pages WHERE run < ? AND ok = 1 AND"
	    " duplicate_of IS NULL AND url IS NOT NULL GROUP BY url");
	sqlite3_bind_int64(st, 1, q->run);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (q->nprev == cap) {
			cap = cap ? cap * 2 : 256;
			q->prev = xrealloc(q->prev, cap * sizeof *q->prev);
		}
		p = &q->prev[q->nprev];
		memset(p, 0, sizeof *p);
		p->etag = column_dup(st, 1);
		p->last_modified = column_dup(st, 2);
		if (sqlite3_column_type(st, 3) == SQLITE_TEXT) {
			p->content_hash = strtoull((const char *)
			    sqlite3_column_text(st, 3), NULL, 16);
			p->hashed = true;
		}
		p->chars = (uint64_t)sqlite3_column_int64(st, 4);
		p->fetched_at = iso_parse((const char *)sqlite3_column_text(st,
		    5));
		snprintf(num, sizeof num, "%zu", q->nprev++);
		strset_add(q->prev_of, (const char *)sqlite3_column_text(st, 0),
		    num);
	}
	sqlite3_finalize(st);
}

static bool
sql_previous(struct frontier *f, const char *url, struct frontier_prev *p)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;
	const char *i;

	/* No run before (a first run): no hash of url to make. */
	if (q->nprev == 0 || (i = strset_find(q->prev_of, url)) == NULL)
		return false;
	*p = q->prev[strtoull(i, NULL, 10)];
	return true;
}

/* --- the backend ------------------------------------------------------------ */

static enum admit
sql_admit_seed(struct frontier *f, const char *url, const char *input,
    const char **first)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;
	enum admit a;

	pthread_mutex_lock(&q->set_lock);
	*first = strset_add(q->seen, url, input);
	if (q->ndone > 0 && strset_find(q->done, input) != NULL)
		a = ADMIT_DONE;
	else
		a = *first == NULL ? ADMIT_NEW : ADMIT_SEEN;
	pthread_mutex_unlock(&q->set_lock);
	return a;
}

/* A failed write: said once; the run goes on, the state is behind. */
static void
write_failed(struct frontier_sqlite *q)
{
	if (!q->failed)
		warnx_("state file '%s': cannot write: %s", q->path,
		    sqlite3_errmsg(q->db));
	q->failed = true;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Run st, which has no bindings: whether it ran to its end. */
static bool
step_ok(sqlite3_stmt *st)
{
	bool ok = sqlite3_step(st) == SQLITE_DONE;

	sqlite3_reset(st);
	return ok;
}

/* Run st, ready for its next bindings (each of which it then needs). */
static void
step_only(struct frontier_sqlite *q, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		write_failed(q);
	sqlite3_reset(st);
}

static void
step_reset(struct frontier_sqlite *q, sqlite3_stmt *st)
{
	step_only(q, st);
	sqlite3_clear_bindings(st);
}

static void
sql_hold(struct frontier *f, uint64_t rank, unsigned depth,
    const char *referrer, const char *input, char **links, size_t n,
    bool *fresh)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;
	sqlite3_stmt *st = q->put_held;
	size_t i;

	pthread_mutex_lock(&q->lock);
	pthread_mutex_lock(&q->set_lock);
	for (i = 0; i < n; i++) {
		if (!(fresh[i] = strset_find(q->seen, links[i]) == NULL))
			continue;
		sqlite3_bind_int64(st, 1, q->run);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)rank);
		sqlite3_bind_int(st, 3, (int)depth);
		bind_text(st, 4, referrer);
		bind_text(st, 5, input);
		bind_text(st, 6, links[i]);
		step_reset(q, st);
	}
	pthread_mutex_unlock(&q->set_lock);
	pthread_mutex_unlock(&q->lock);
}

static void
sql_robots(struct frontier *f, const char *origin,
    const struct robots_copy *c)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;
	sqlite3_stmt *st = q->put_robots;
	char now[32];

	iso_now(now, sizeof now);
	pthread_mutex_lock(&q->lock);
	bind_text(st, 1, origin);
	/* A 2xx cut short is no answer to keep (status 0). */
	sqlite3_bind_int64(st, 2, c->ok || c->status >= 300 ? c->status : 0);
	if (c->body != NULL)
		sqlite3_bind_blob(st, 3, c->body, (int)c->len, SQLITE_STATIC);
	bind_text(st, 4, now);
	step_reset(q, st);
	pthread_mutex_unlock(&q->lock);
}

static bool
sql_robots_kept(struct frontier *f, const char *origin,
    struct robots_copy *c)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;
	sqlite3_stmt *st = q->get_robots;
	const void *b;
	char since[32];
	bool kept = false;

	iso_time(since, sizeof since, time(NULL) - ROBOTS_KEEP_S);
	pthread_mutex_lock(&q->lock);
	bind_text(st, 1, origin);
	bind_text(st, 2, since);
	if (sqlite3_step(st) == SQLITE_ROW) {
		kept = true;
		memset(c, 0, sizeof *c);
		c->ok = true;
		c->attempts = 1;
		c->status = (long)sqlite3_column_int64(st, 0);
		b = sqlite3_column_blob(st, 1);
		c->len = (size_t)sqlite3_column_bytes(st, 1);
		if (b != NULL) {
			c->body = xmalloc(c->len + 1);
			memcpy(c->body, b, c->len);
			c->body[c->len] = '\0';
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	pthread_mutex_unlock(&q->lock);
	return kept;
}

static size_t
sql_admit_links(struct frontier *f, uint64_t rank, char **links, size_t n,
    size_t max, const char *referrer, const char *input, unsigned depth,
    uint64_t *seq, bool *admitted)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;
	sqlite3_stmt *st = q->put_found;
	size_t i, k = 0;

	pthread_mutex_lock(&q->lock);
	pthread_mutex_lock(&q->set_lock);
	for (i = 0; i < n; i++) {
		admitted[i] = k < max &&
		    strset_add_weak(q->seen, links[i], referrer) == NULL;
		if (!admitted[i])
			continue;
		k++;
		sqlite3_bind_int64(st, 1, q->run);
		sqlite3_bind_text(st, 2, links[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, input, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, (int)depth);
		sqlite3_bind_text(st, 5, referrer, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)(*seq)++);
		step_reset(q, st);
	}
	/*
	 * Under the lock, which a commit takes too: the page's links are
	 * in the state as held or as found, whenever the sink commits.
	 * (Forgetting every held link when a level starts, as this did, let
	 * a commit in the middle of the start keep the links of only some
	 * of the pages, and a kill after it lose the others.)
	 */
	sqlite3_bind_int64(q->del_held, 1, q->run);
	sqlite3_bind_int64(q->del_held, 2, (sqlite3_int64)rank);
	step_reset(q, q->del_held);
	pthread_mutex_unlock(&q->set_lock);
	pthread_mutex_unlock(&q->lock);
	return k;
}

/* Rows of st as items, appended to *v (n of cap). */
static void
add_items(sqlite3_stmt *st, bool held, struct frontier_item **v, size_t *n,
    size_t *cap, uint64_t *seq)
{
	struct frontier_item *it;

	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*v = xrealloc(*v, *cap * sizeof **v);
		}
		it = &(*v)[(*n)++];
		memset(it, 0, sizeof *it);	/* releases, record: none */
		it->url = column_dup(st, 0);
		it->input = column_dup(st, 1);
		it->referrer = column_dup(st, 2);
		it->depth = (unsigned)sqlite3_column_int(st, 3);
		it->rank = (uint64_t)sqlite3_column_int64(st, 4);
		it->held = held;
		if (it->rank >= *seq)
			*seq = it->rank + 1;
	}
	sqlite3_finalize(st);
}

static size_t
sql_claim_pending(struct frontier *f, struct frontier_item **items,
    uint64_t *pages, uint64_t *seq)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;
	struct frontier_item *v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;

	pthread_mutex_lock(&q->lock);
	st = prepare(q, "SELECT url, input, referrer, depth, rank FROM"
	    " frontier WHERE run = ? ORDER BY rank");
	sqlite3_bind_int64(st, 1, q->run);
	add_items(st, false, &v, &n, &cap, seq);
	/* A page's links in the order it held them: rowid. */
	st = prepare(q, "SELECT url, input, referrer, depth, rank FROM held"
	    " WHERE run = ? ORDER BY rank, rowid");
	sqlite3_bind_int64(st, 1, q->run);
	add_items(st, true, &v, &n, &cap, seq);
	pthread_mutex_lock(&q->set_lock);
	*pages = q->pages;
	pthread_mutex_unlock(&q->set_lock);
	pthread_mutex_unlock(&q->lock);
	*items = v;
	return n;
}

/* h as 16 hex digits and a NUL: snprintf() costs 900 instructions a record. */
static void
hex64(char *b, uint64_t h)
{
	int i;

	for (i = 15; i >= 0; i--, h >>= 4)
		b[i] = "0123456789abcdef"[h & 0xf];
	b[16] = '\0';
}

/* Now as iso_now() does it, formatted once a second: every record. */
static const char *
now_text(struct frontier_sqlite *q)
{
	time_t t = time(NULL);

	if (t != q->now) {
		q->now = t;
		iso_time(q->now_text, sizeof q->now_text, t);
	}
	return q->now_text;
}

/* Text t of a row staged, or NULL. */
static void
stage_text(struct stage *g, struct stage_row *w, int i, const char *t)
{
	size_t n;

	if (t == NULL) {
		w->text[i] = NOTEXT;
		return;
	}
	n = strlen(t);
	w->text[i] = g->texts.len;
	w->len[i] = (int)n;
	buf_add(&g->texts, t, n + 1);
}

static bool
sql_complete(struct frontier *f, const struct result *r)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;
	struct stage *g = q->staged;
	struct stage_row *w;
	const struct job *j = r->job;
	/* A link is its URL; a list line, good or bad, is its line. */
	const char *key = j != NULL && j->depth > 0 ? j->url : r->input;
	char now[32], hash[17];
	bool fresh;

	pthread_mutex_lock(&q->set_lock);
	fresh = q->ndone == 0 || strset_find(q->done, key) == NULL;
	if (fresh && !result_interrupted(r)) {
		if (g->n == g->cap) {
			g->cap = g->cap ? g->cap * 2 : 512;
			g->rows = xrealloc(g->rows, g->cap * sizeof *g->rows);
		}
		w = &g->rows[g->n++];
		stage_text(g, w, S_KEY, key);
		stage_text(g, w, S_URL, j != NULL ? j->url : r->url);
		stage_text(g, w, S_INPUT, r->input);
		w->depth = j != NULL ? (int64_t)j->depth : 0;
		stage_text(g, w, S_REFERRER, j != NULL ? j->referrer : NULL);
		w->status = r->status;
		w->ok = r->ok;
		stage_text(g, w, S_ERROR, r->error);
		stage_text(g, w, S_DUP, r->duplicate_of);
		w->chars = (int64_t)r->chars;
		w->bytes = (int64_t)r->bytes;
		if (r->status != 0 || r->final_url != NULL)
			stage_text(g, w, S_FETCHED, now_text(q));
		else if (r->fetched_at > 0) {
			/* A --since skip keeps the time it was fetched. */
			iso_time(now, sizeof now, (time_t)r->fetched_at);
			stage_text(g, w, S_FETCHED, now);
		} else
			stage_text(g, w, S_FETCHED, NULL);
		if (r->hashed)
			hex64(hash, r->content_hash);
		stage_text(g, w, S_HASH, r->hashed ? hash : NULL);
		stage_text(g, w, S_ETAG, r->etag);
		stage_text(g, w, S_LASTMOD, r->last_modified);
		/*
		 * Queued on a host: a page --max-pages counted (not a bad
		 * line, a duplicate or one turned away by the limit).
		 */
		if (j != NULL && j->host != NULL)
			q->pages++;
	}
	pthread_mutex_unlock(&q->set_lock);
	return fresh;
}

/*
 * The rows staged so far become the next commit's, and the connection
 * is the caller's until sql_commit_sealed(): the commit holds what was
 * done before this moment, and nothing after it.
 */
static void
sql_seal(struct frontier *f)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;
	struct stage *g;

	pthread_mutex_lock(&q->lock);
	pthread_mutex_lock(&q->set_lock);
	g = q->sealed;
	q->sealed = q->staged;
	q->staged = g;
	if (q->pages_sealed != q->pages) {
		q->pages_sealed = q->pages;
		q->pages_dirty = true;
	}
	pthread_mutex_unlock(&q->set_lock);
}

static void
bind_stage(sqlite3_stmt *st, int i, const struct stage *g,
    const struct stage_row *w, int t)
{
	if (w->text[t] != NOTEXT)
		sqlite3_bind_text(st, i, g->texts.data + w->text[t], w->len[t],
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* The statement of PAGE_ROWS rows, or NULL (then rows go one by one). */
static sqlite3_stmt *
prepare_many(struct frontier_sqlite *q)
{
	struct textbuf sql = { 0 };
	sqlite3_stmt *st;
	int k;

	for (k = 0; k < PAGE_ROWS; k++)
		buf_adds(&sql, k == 0 ? PUT_PAGE : ", (?, ?, ?, ?, ?, ?, ?, ?,"
		    " ?, ?, ?, ?, ?, ?, ?, ?)");
	if (sqlite3_prepare_v2(q->db, sql.data, -1, &st, NULL) != SQLITE_OK)
		st = NULL;
	free(sql.data);
	return st;
}

/* Row w's columns into st, from parameter i on. */
static void
bind_row(struct frontier_sqlite *q, sqlite3_stmt *st, int i,
    const struct stage *g, const struct stage_row *w)
{
	sqlite3_bind_int64(st, i, q->run);
	bind_stage(st, i + 1, g, w, S_KEY);
	bind_stage(st, i + 2, g, w, S_URL);
	bind_stage(st, i + 3, g, w, S_INPUT);
	sqlite3_bind_int64(st, i + 4, w->depth);
	bind_stage(st, i + 5, g, w, S_REFERRER);
	sqlite3_bind_int64(st, i + 6, w->status);
	sqlite3_bind_int64(st, i + 7, w->ok);
	bind_stage(st, i + 8, g, w, S_ERROR);
	bind_stage(st, i + 9, g, w, S_DUP);
	sqlite3_bind_int64(st, i + 10, w->chars);
	sqlite3_bind_int64(st, i + 11, w->bytes);
	bind_stage(st, i + 12, g, w, S_FETCHED);
	bind_stage(st, i + 13, g, w, S_HASH);
	bind_stage(st, i + 14, g, w, S_ETAG);
	bind_stage(st, i + 15, g, w, S_LASTMOD);
}

/* Insert the rows sealed, in order. Every column is bound: no clearing. */
static void
insert_sealed(struct frontier_sqlite *q)
{
	struct stage *g = q->sealed;
	size_t i, k;

	/* Made at the first commit that needs it, on the committing thread. */
	if (q->put_page_many == NULL && g->n >= PAGE_ROWS)
		q->put_page_many = prepare_many(q);
	for (i = 0; q->put_page_many != NULL && i + PAGE_ROWS <= g->n;
	    i += PAGE_ROWS) {
		for (k = 0; k < PAGE_ROWS; k++)
			bind_row(q, q->put_page_many, 1 + (int)k * PAGE_COLS, g,
			    &g->rows[i + k]);
		step_only(q, q->put_page_many);
	}
	for (; i < g->n; i++) {
		bind_row(q, q->put_page, 1, g, &g->rows[i]);
		step_only(q, q->put_page);
	}
	if (g->n > 0)
		q->last_row = sqlite3_last_insert_rowid(q->db);
	g->n = 0;
	g->texts.len = 0;
}

/*
 * Before a COMMIT: the count of the pages of the run that --max-pages
 * counted goes in with their rows, so that a resumed run counts on
 * from there.
 */
static void
pages_write(struct frontier_sqlite *q)
{
	if (!q->pages_dirty)
		return;
	sqlite3_bind_int64(q->put_pages, 1, (sqlite3_int64)q->pages_sealed);
	step_reset(q, q->put_pages);
	q->pages_dirty = false;
}

/*
 * Before a COMMIT too: how far the records went out, as the sink said
 * after the last commit (frontier_flushed()). In the transaction that is
 * open anyway, so it costs no commit of its own.
 */
static void
written_write(struct frontier_sqlite *q)
{
	if (q->out == q->out_saved)
		return;
	sqlite3_bind_int64(q->put_written, 1, q->out);
	step_reset(q, q->put_written);
	q->out_saved = q->out;
}

/* Commit what sql_seal() sealed, and let the connection go. */
static int
sql_commit_sealed(struct frontier *f)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;
	int rc = 0;

	insert_sealed(q);
	pages_write(q);
	written_write(q);
	if (!step_ok(q->commit) || !step_ok(q->begin)) {
		write_failed(q);
		rc = -1;
	} else
		q->committed = q->last_row;
	pthread_mutex_unlock(&q->lock);
	return rc;
}

static int
sql_commit(struct frontier *f)
{
	sql_seal(f);
	return sql_commit_sealed(f);
}

static void
sql_flushed(struct frontier *f)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;

	pthread_mutex_lock(&q->lock);
	q->out = q->committed;
	mark_write(q);
	pthread_mutex_unlock(&q->lock);
}

/*
 * A row as its record: what the state keeps of it (see pscrape(1),
 * STATE FILE), marked replayed. Its URL is the one fetched, normalised,
 * its password masked as in every record.
 */
static struct result *
row_record(struct frontier_sqlite *q, sqlite3_stmt *st)
{
	const char *url = (const char *)sqlite3_column_text(st, 0);
	struct frontier_prev p;
	struct result *r;
	struct job *j;

	j = job_new(column_dup(st, 0), NULL, column_dup(st, 1), 0);
	j->depth = (unsigned)sqlite3_column_int(st, 2);
	j->referrer = column_dup(st, 3);
	r = result_from_job(j);
	r->url = url != NULL ? url_mask_password(url) : xstrdup("");
	r->attempts = 0;
	r->status = (long)sqlite3_column_int64(st, 4);
	r->ok = sqlite3_column_int(st, 5) != 0;
	r->error = column_dup(st, 6);
	r->duplicate_of = column_dup(st, 7);
	r->chars = (uint64_t)sqlite3_column_int64(st, 8);
	r->bytes = (uint64_t)sqlite3_column_int64(st, 9);
	if (sqlite3_column_type(st, 10) == SQLITE_TEXT) {
		r->content_hash = strtoull((const char *)
		    sqlite3_column_text(st, 10), NULL, 16);
		r->hashed = true;
	}
	r->replayed = true;
	if (!r->ok || r->duplicate_of != NULL)
		return r;
	/* As the record was: a success with no status is a --since skip. */
	if (r->status == 0) {
		r->skipped = "since";
		r->changed = CHANGED_NO;
	} else if (r->status == 304)
		r->not_modified = true;
	if (r->skipped == NULL && r->hashed && url != NULL &&
	    sql_previous(&q->f, url, &p) && p.hashed)
		r->changed = r->content_hash != p.content_hash ? CHANGED_YES :
		    CHANGED_NO;
	return r;
}

static size_t
sql_replay(struct frontier *f, struct result ***recs)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;
	struct result **v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;

	pthread_mutex_lock(&q->lock);
	st = prepare(q, "SELECT url, input, depth, referrer, status, ok,"
	    " error, duplicate_of, chars, bytes, content_hash FROM pages"
	    " WHERE run = ? AND rowid > ? ORDER BY rowid");
	sqlite3_bind_int64(st, 1, q->run);
	sqlite3_bind_int64(st, 2, q->out);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[n++] = row_record(q, st);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&q->lock);
	*recs = v;
	return n;
}

/*
 * SQLite's own checkpoint runs inside the COMMIT that passes 1000 pages
 * of log: after the batch is durable, before its records could go out,
 * and it is slow. Turned off (wal_autocheckpoint=0); the same is done
 * here instead, when the sink has written the batch.
 */
#define CHECKPOINT_PAGES	1000

static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct frontier_sqlite *q = arg;

	(void)db;
	(void)name;
	q->wal_pages = pages;
	return SQLITE_OK;
}

static void
sql_checkpoint(struct frontier *f)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;

	pthread_mutex_lock(&q->lock);
	if (q->wal_pages >= CHECKPOINT_PAGES) {
		pages_write(q);
		written_write(q);
		if (!step_ok(q->commit))
			write_failed(q);
		sqlite3_wal_checkpoint_v2(q->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		q->wal_pages = 0;
		if (!step_ok(q->begin))
			write_failed(q);
	}
	pthread_mutex_unlock(&q->lock);
}

static void
stage_free(struct stage *g)
{
	free(g->rows);
	free(g->texts.data);
	free(g);
}

static void
sql_close(struct frontier *f, bool finished)
{
	struct frontier_sqlite *q = (struct frontier_sqlite *)f;
	sqlite3_stmt *st, *stmts[] = { q->put_page, q->put_page_many,
	    q->put_found, q->put_held, q->del_held, q->put_robots,
	    q->get_robots, q->put_pages, q->put_written, q->commit, q->begin };
	char now[32];
	size_t i;

	sql_commit(f);
	iso_now(now, sizeof now);
	pthread_mutex_lock(&q->lock);
	meta_set(q, "run_finished", finished ? "1" : "0");
	st = prepare(q, "UPDATE attempts SET ended_at = ?, finished = ? WHERE"
	    " run = ? AND attempt = ?");
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, finished);
	sqlite3_bind_int64(st, 3, q->run);
	sqlite3_bind_int64(st, 4, q->attempt);
	if (sqlite3_step(st) != SQLITE_DONE)
		write_failed(q);
	sqlite3_finalize(st);
	if (sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		write_failed(q);
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
		sqlite3_finalize(stmts[i]);
	sqlite3_close(q->db);
	close(q->lockfd);
	strset_free(q->seen);
	strset_free(q->done);
	strset_free(q->prev_of);
	for (i = 0; i < q->nprev; i++) {
		free((char *)q->prev[i].etag);
		free((char *)q->prev[i].last_modified);
	}
	free(q->prev);
	pthread_mutex_destroy(&q->lock);
	pthread_mutex_destroy(&q->set_lock);
	stage_free(q->staged);
	stage_free(q->sealed);
	free(q);
}

static const struct frontier_ops sqlite_ops = {
	.admit_seed = sql_admit_seed,
	.hold = sql_hold,
	.robots = sql_robots,
	.robots_kept = sql_robots_kept,
	.admit_links = sql_admit_links,
	.claim_pending = sql_claim_pending,
	.previous = sql_previous,
	.complete = sql_complete,
	.commit = sql_commit,
	.seal = sql_seal,
	.commit_sealed = sql_commit_sealed,
	.checkpoint = sql_checkpoint,
	.close = sql_close,
	.replay = sql_replay,
	.flushed = sql_flushed,
};

/*
 * One run per state file: a POSIX record lock on FILE-lock, beside
 * SQLite's FILE-wal and FILE-shm, taken without waiting. Not an flock:
 * that belongs to the open file, which a process worker's fork shares
 * until its exec, so a killed run's newborn worker could hold it a moment
 * after the run is gone; a record lock belongs to the process and dies
 * with it. Not on FILE itself: closing any descriptor of a file lets go
 * of the process's record locks on it, and SQLite opens and closes the
 * file as it likes.
 */
static void
state_lock(struct frontier_sqlite *q)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char *path = xasprintf("%s-lock", q->path);

	if ((q->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0)
		fatal(EXIT_USAGE, "cannot open '%s': %s", path,
		    strerror(errno));
	free(path);
	if (fcntl(q->lockfd, F_SETLK, &fl) == 0)
		return;
	if (errno != EACCES && errno != EAGAIN)
		fatal(EXIT_USAGE, "cannot lock state file '%s': %s", q->path,
		    strerror(errno));
	if (fcntl(q->lockfd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		fatal(EXIT_LOCKED, "state file '%s' is in use by another run"
		    " (pid %ld)", q->path, (long)fl.l_pid);
	fatal(EXIT_LOCKED, "state file '%s' is in use by another run",
	    q->path);
}

struct frontier *
frontier_sqlite_open(const struct options *opt)
{
	struct frontier_sqlite *q = xcalloc(1, sizeof *q);

	q->f.ops = &sqlite_ops;
	q->f.durable = true;
	q->path = opt->state;
	state_lock(q);
	/*
	 * q->lock serialises every use of the connection, so SQLite's own
	 * mutexes (the connection's, and the allocator's for its counts)
	 * only cost: 2,500 instructions a record. The setting is the
	 * process's and fails, harmlessly, once SQLite is initialised.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(q->path, &q->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		state_fatal(q, "cannot open");
	sqlite3_busy_timeout(q->db, 5000);
	if (sqlite3_exec(q->db, "PRAGMA journal_mode=WAL;"
	    " PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0", NULL,
	    NULL, NULL) != SQLITE_OK)
		state_fatal(q, "cannot read it (not a pscrape state?)");
	exec_sql(q, "BEGIN IMMEDIATE");
	state_schema(q, opt);
	state_begin(q);
	state_watermark(q);
	exec_sql(q, "COMMIT");
	pthread_mutex_init(&q->lock, NULL);
	pthread_mutex_init(&q->set_lock, NULL);
	q->staged = xcalloc(1, sizeof *q->staged);
	q->sealed = xcalloc(1, sizeof *q->sealed);
	q->pages_sealed = q->pages;
	q->seen = strset_new();
	q->done = strset_new();
	state_load(q);
	q->ndone = strset_count(q->done);
	state_load_prev(q);
	q->put_page = prepare(q, PUT_PAGE);
	q->put_found = prepare(q, "INSERT OR IGNORE INTO found(run, url,"
	    " input, depth, referrer, rank) VALUES(?, ?, ?, ?, ?, ?)");
	q->put_held = prepare(q, "INSERT INTO held(run, rank, depth, referrer,"
	    " input, url) VALUES(?, ?, ?, ?, ?, ?)");
	q->del_held = prepare(q, "DELETE FROM held WHERE run = ? AND rank = ?");
	q->put_robots = prepare(q, "INSERT OR REPLACE INTO robots(origin,"
	    " status, body, fetched_at) VALUES(?, ?, ?, ?)");
	q->put_pages = prepare(q, "INSERT OR REPLACE INTO meta(key, value)"
	    " VALUES('pages', ?)");
	q->put_written = prepare(q, "INSERT OR REPLACE INTO meta(key, value)"
	    " VALUES('written', ?)");
	/* Times are ISO 8601 text: they compare as text. */
	q->get_robots = prepare(q, "SELECT status, body FROM robots WHERE"
	    " origin = ? AND ((status >= 200 AND status < 300) OR (status >="
	    " 400 AND status < 500 AND status != 429)) AND fetched_at > ?");
	q->commit = prepare(q, "COMMIT");
	q->begin = prepare(q, "BEGIN");
	sqlite3_wal_hook(q->db, wal_hook, q);
	exec_sql(q, "BEGIN");
	return &q->f;
}
