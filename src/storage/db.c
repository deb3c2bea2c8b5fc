/*
 * The metadata database connection: opening with WAL and pragmas, a prepared-statement cache keyed by SQL text,
 * nested transactions with busy retries, and the mapping of SQLite result codes to MLOPS_E* codes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mlops/store.h"
#include "storage/db.h"
#include "util/util.h"

typedef struct stmt_slot {
	char *sql;            /* NULL: empty slot (entries are never removed, so no tombstones) */
	uint64_t hash;
	sqlite3_stmt *stmt;
} stmt_slot;

struct mlops_db {
	sqlite3 *h;
	char *path;
	int busy_timeout_ms;
	int depth;            /* transaction nesting */
	bool aborted;         /* a nested rollback ended the transaction before the outermost commit */
	stmt_slot *slots;     /* open addressing, power-of-two capacity */
	size_t nslots;
	size_t count;
	bool writing;         /* the open transaction was started, or upgraded, by begin_write */
	int (*before_write)(void *payload); /* run before the outermost BEGIN IMMEDIATE and a write's COMMIT */
	void *before_write_payload;
};

void mlops__db_set_before_write(mlops_db *db, int (*fn)(void *payload), void *payload)
{
	db->before_write = fn;
	db->before_write_payload = payload;
}

sqlite3 *mlops__db_sqlite(mlops_db *db)
{
	return db->h;
}

static const char *db_name(const mlops_db *db)
{
	return db->path ? db->path : ":memory:";
}

int mlops__db_error(mlops_db *db, int rc, const char *what)
{
	int ext = rc;
	const char *msg = sqlite3_errstr(rc);
	if (db && db->h) {
		int last = sqlite3_extended_errcode(db->h);
		/* Prefer the connection's detailed message when it describes this same failure. */
		if ((last & 0xff) == (rc & 0xff)) {
			if (ext == (rc & 0xff))
				ext = last;
			msg = sqlite3_errmsg(db->h);
		}
	}
	int code;
	switch (ext & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = MLOPS_EBUSY;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		code = MLOPS_ECORRUPT;
		break;
	case SQLITE_FULL:
		code = MLOPS_ENOSPC;
		break;
	case SQLITE_IOERR:
		code = ext == SQLITE_IOERR_NOMEM ? MLOPS_ENOMEM : MLOPS_EIO;
		break;
	case SQLITE_READONLY:
		code = MLOPS_EREADONLY;
		break;
	case SQLITE_NOMEM:
		code = MLOPS_ENOMEM;
		break;
	case SQLITE_CONSTRAINT:
		code = (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) ? MLOPS_EEXISTS
		                                                                                 : MLOPS_EINVAL;
		break;
	default:
		code = MLOPS_ERROR;
		break;
	}
	if (code == MLOPS_EBUSY)
		return mlops__error(code, "%s: %s (database '%s')", what ? what : "sqlite", msg, db ? db_name(db) : "?");
	return mlops__error(code, "%s: %s", what ? what : "sqlite", msg);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Sleep with backoff (1..50 ms) until deadline; false once the deadline has passed. */
static bool backoff(int *delay_ms, uint64_t deadline_ns)
{
	uint64_t now = mlops__mono_ns();
	if (now >= deadline_ns)
		return false;
	uint64_t left_ms = (deadline_ns - now) / 1000000u + 1;
	int d = *delay_ms;
	if ((uint64_t)d > left_ms)
		d = (int)left_ms;
	sleep_ms(d);
	*delay_ms = *delay_ms * 2 > 50 ? 50 : *delay_ms * 2;
	return true;
}

static uint64_t deadline_after(const mlops_db *db)
{
	int t = db->busy_timeout_ms > 0 ? db->busy_timeout_ms : 0;
	return mlops__mono_ns() + (uint64_t)t * 1000000u;
}

/* Run one statement, retrying while the database is busy until the busy timeout elapses. */
static int exec_retry(mlops_db *db, const char *sql, const char *what)
{
	uint64_t deadline = deadline_after(db);
	int delay = 1;
	for (;;) {
		int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if ((rc & 0xff) == SQLITE_BUSY && backoff(&delay, deadline))
			continue;
		return mlops__db_error(db, rc, what);
	}
}

static int set_wal(mlops_db *db)
{
	/* Two processes creating the same new database race for this pragma: retry while busy. */
	uint64_t deadline = deadline_after(db);
	int delay = 1;
	for (;;) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(db->h, "PRAGMA journal_mode=WAL", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW) {
				const char *mode = (const char *)sqlite3_column_text(st, 0);
				bool wal = mode && strcmp(mode, "wal") == 0;
				char got[32];
				snprintf(got, sizeof(got), "%s", mode ? mode : "(null)");
				sqlite3_finalize(st);
				if (!wal)
					return mlops__error(MLOPS_EIO, "cannot switch database '%s' to WAL mode (journal mode is %s)",
					                    db_name(db), got);
				return 0;
			}
		}
		sqlite3_finalize(st);
		if ((rc & 0xff) == SQLITE_BUSY && backoff(&delay, deadline))
			continue;
		return mlops__db_error(db, rc, "cannot enable WAL mode");
	}
}

static int open_error(mlops_db *db, int rc, const char *path, unsigned flags)
{
	struct stat st;
	if ((rc & 0xff) == SQLITE_CANTOPEN && !(flags & MLOPS_DB_CREATE) && stat(path, &st) != 0 && errno == ENOENT)
		return mlops__error(MLOPS_ENOTFOUND, "database '%s' does not exist", path);
	if ((rc & 0xff) == SQLITE_CANTOPEN)
		return mlops__error(MLOPS_EIO, "cannot open database '%s': %s", path,
		                    db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
	char what[512];
	snprintf(what, sizeof(what), "cannot open database '%.400s'", path);
	return mlops__db_error(db, rc, what);
}

int mlops__db_open(mlops_db **out, const char *path, unsigned flags, int busy_timeout_ms, int sync)
{
	*out = NULL;
	bool memory = (flags & MLOPS_DB_MEMORY) != 0;
	if (!memory && mlops__str_empty(path))
		return mlops__error(MLOPS_EINVAL, "database path is empty");
	mlops_db *db = mlops__calloc(1, sizeof(*db));
	if (!db)
		return MLOPS_ENOMEM;
	db->busy_timeout_ms = busy_timeout_ms > 0 ? busy_timeout_ms : 0;
	if (!memory && !(db->path = mlops__strdup(path))) {
		free(db);
		return MLOPS_ENOMEM;
	}
	int oflags = SQLITE_OPEN_NOMUTEX;
	if (memory)
		oflags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	else if (flags & MLOPS_DB_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE | ((flags & MLOPS_DB_CREATE) ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(memory ? ":memory:" : path, &db->h, oflags, NULL);
	if (rc != SQLITE_OK) {
		rc = open_error(db, rc, memory ? ":memory:" : path, flags);
		mlops__db_close(db);
		return rc;
	}
	sqlite3_extended_result_codes(db->h, 1);
	rc = sqlite3_busy_timeout(db->h, db->busy_timeout_ms);
	if (rc != SQLITE_OK) {
		rc = mlops__db_error(db, rc, "cannot set the busy timeout");
		goto fail;
	}
	if (!memory && !(flags & MLOPS_DB_READONLY) && (rc = set_wal(db)) != 0)
		goto fail;
	if ((rc = mlops__db_exec(db, "PRAGMA foreign_keys=ON")) != 0)
		goto fail;
	const char *sync_sql = sync == MLOPS_SYNC_FULL ? "PRAGMA synchronous=FULL"
	                       : sync == MLOPS_SYNC_OFF ? "PRAGMA synchronous=OFF"
	                                                : "PRAGMA synchronous=NORMAL";
	if ((rc = mlops__db_exec(db, sync_sql)) != 0)
		goto fail;
	/* Reads of a large store (search over 100k runs) spend much of their time copying pages out of the page
	 * cache; memory-mapped reads avoid the copies. Writes still go through the WAL. */
	if (!memory && (rc = mlops__db_exec(db, "PRAGMA mmap_size=268435456")) != 0)
		goto fail;
	*out = db;
	return 0;
fail:
	mlops__error_prefix("cannot open database '%s'", db_name(db));
	mlops__db_close(db);
	return rc;
}

void mlops__db_close(mlops_db *db)
{
	if (!db)
		return;
	if (db->h && !sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	for (size_t i = 0; i < db->nslots; i++) {
		if (db->slots[i].sql) {
			sqlite3_finalize(db->slots[i].stmt);
			free(db->slots[i].sql);
		}
	}
	free(db->slots);
	/* close_v2 defers the close if a caller leaked an uncached statement instead of failing. */
	sqlite3_close_v2(db->h);
	free(db->path);
	free(db);
}

static int cache_grow(mlops_db *db)
{
	size_t n = db->nslots ? db->nslots * 2 : 64;
	stmt_slot *s = mlops__calloc(n, sizeof(*s));
	if (!s)
		return MLOPS_ENOMEM;
	for (size_t i = 0; i < db->nslots; i++) {
		if (!db->slots[i].sql)
			continue;
		size_t j = db->slots[i].hash & (n - 1);
		while (s[j].sql)
			j = (j + 1) & (n - 1);
		s[j] = db->slots[i];
	}
	free(db->slots);
	db->slots = s;
	db->nslots = n;
	return 0;
}

/*
 * Statements are cached for the life of the connection: domain modules use a fixed set of SQL strings.
 * SQL built at run time with unbounded variety should be prepared directly on mlops__db_sqlite() instead.
 */
int mlops__db_prepare(sqlite3_stmt **out, mlops_db *db, const char *sql)
{
	*out = NULL;
	size_t len = strlen(sql);
	uint64_t hash = mlops__hash64(sql, len);
	size_t j = 0;
	if (db->nslots) {
		j = hash & (db->nslots - 1);
		while (db->slots[j].sql) {
			if (db->slots[j].hash == hash && strcmp(db->slots[j].sql, sql) == 0) {
				sqlite3_stmt *st = db->slots[j].stmt;
				sqlite3_reset(st);
				sqlite3_clear_bindings(st);
				*out = st;
				return 0;
			}
			j = (j + 1) & (db->nslots - 1);
		}
	}
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	int rc = sqlite3_prepare_v3(db->h, sql, (int)len + 1, SQLITE_PREPARE_PERSISTENT, &st, &tail);
	if (rc != SQLITE_OK) {
		rc = mlops__db_error(db, rc, "cannot prepare SQL");
		mlops__error_prefix("%.200s", sql);
		return rc;
	}
	if (!st)
		return mlops__error(MLOPS_EINVAL, "SQL '%.200s' contains no statement", sql);
	if (tail && *tail && strspn(tail, " \t\r\n;") != strlen(tail)) {
		sqlite3_finalize(st);
		return mlops__error(MLOPS_EINVAL, "SQL '%.200s' holds more than one statement; use mlops__db_exec", sql);
	}
	if ((db->count + 1) * 10 > db->nslots * 7) {
		if ((rc = cache_grow(db)) != 0) {
			sqlite3_finalize(st);
			return rc;
		}
	}
	char *copy = mlops__strndup(sql, len);
	if (!copy) {
		sqlite3_finalize(st);
		return MLOPS_ENOMEM;
	}
	j = hash & (db->nslots - 1);
	while (db->slots[j].sql)
		j = (j + 1) & (db->nslots - 1);
	db->slots[j].sql = copy;
	db->slots[j].hash = hash;
	db->slots[j].stmt = st;
	db->count++;
	*out = st;
	return 0;
}

void mlops__db_done(sqlite3_stmt *stmt)
{
	if (!stmt)
		return;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

int mlops__db_exec(mlops_db *db, const char *sql)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = mlops__db_error(db, rc, "cannot run SQL");
		mlops__error_prefix("%.200s", sql);
		return rc;
	}
	return 0;
}

int mlops__db_begin_read(mlops_db *db)
{
	if (db->depth > 0) {
		db->depth++;
		return 0;
	}
	int rc = exec_retry(db, "BEGIN", "cannot begin a read transaction");
	if (rc)
		return rc;
	db->depth = 1;
	db->aborted = false;
	db->writing = false;
	return 0;
}

/* Nested inside a read transaction, a write upgrades that deferred transaction (and may fail busy). */
int mlops__db_begin_write(mlops_db *db)
{
	if (db->depth > 0) {
		db->depth++;
		db->writing = true;
		return 0;
	}
	int rc = db->before_write ? db->before_write(db->before_write_payload) : 0;
	if (rc)
		return rc;
	rc = exec_retry(db, "BEGIN IMMEDIATE", "cannot begin a write transaction");
	if (rc)
		return rc;
	db->depth = 1;
	db->aborted = false;
	db->writing = true;
	return 0;
}

int mlops__db_commit(mlops_db *db)
{
	if (db->depth <= 0)
		return mlops__error(MLOPS_EINVAL, "commit on database '%s' without a transaction", db_name(db));
	if (--db->depth > 0)
		return db->aborted ? mlops__error(MLOPS_ERROR, "transaction on database '%s' was already rolled back",
		                                  db_name(db))
		                   : 0;
	if (db->aborted) {
		db->aborted = false;
		return mlops__error(MLOPS_ERROR, "transaction on database '%s' was rolled back by a nested call; "
		                    "nothing was committed", db_name(db));
	}
	if (sqlite3_get_autocommit(db->h))
		return mlops__error(MLOPS_ERROR, "transaction on database '%s' was rolled back by SQLite after an "
		                    "error; nothing was committed", db_name(db));
	int rc = db->before_write && db->writing ? db->before_write(db->before_write_payload) : 0;
	db->writing = false;
	if (rc == 0)
		rc = exec_retry(db, "COMMIT", "cannot commit");
	if (rc) {
		if (!sqlite3_get_autocommit(db->h))
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return 0;
}

void mlops__db_rollback(mlops_db *db)
{
	if (db->depth <= 0)
		return;
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	db->depth--;
	db->aborted = db->depth > 0;
	db->writing = false;
}

bool mlops__db_in_tx(mlops_db *db)
{
	return db->depth > 0;
}

int mlops__db_step(mlops_db *db, sqlite3_stmt *stmt, const char *what)
{
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return mlops__db_error(db, rc, what);
}

int mlops__db_bind_text(sqlite3_stmt *stmt, int idx, const char *s)
{
	int rc = s ? sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(stmt, idx);
	if (rc != SQLITE_OK)
		return mlops__error(rc == SQLITE_NOMEM ? MLOPS_ENOMEM : MLOPS_EINVAL, "cannot bind parameter %d: %s", idx,
		                    sqlite3_errstr(rc));
	return 0;
}

int mlops__db_query_int64(mlops_db *db, int64_t *out, const char *sql)
{
	*out = 0;
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, sql);
	if (rc)
		return rc;
	rc = mlops__db_step(db, st, "cannot run query");
	if (rc == 1) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (rc == 0) {
		rc = mlops__error(MLOPS_ENOTFOUND, "query '%.200s' returned no row", sql);
	} else {
		mlops__error_prefix("%.200s", sql);
	}
	mlops__db_done(st);
	return rc;
}

int mlops__db_size(mlops_db *db, uint64_t *out)
{
	*out = 0;
	int64_t pages, page_size;
	int rc = mlops__db_query_int64(db, &pages, "PRAGMA page_count");
	if (!rc)
		rc = mlops__db_query_int64(db, &page_size, "PRAGMA page_size");
	if (rc)
		return rc;
	*out = (uint64_t)pages * (uint64_t)page_size;
	return 0;
}
