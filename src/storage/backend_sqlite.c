/*
 * The "sqlite" blob backend: blobs in the table blobs(key, data, mtime) of a SQLite database, normally the store's
 * own metadata file (a single-file store), through a connection of its own.
 *
 * Writes are batched in one write transaction that flush() commits (also every 64 MiB and in free()), because one
 * transaction per blob would cost one WAL sync per blob. The open batch holds the database's write lock: callers
 * flush before they start a metadata write transaction (see odb.h).
 * An instance is used by one thread at a time (one store handle per thread).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlops/store.h"
#include "storage/backends.h"
#include "storage/db.h"
#include "util/util.h"

#define BATCH_MAX_BYTES (64ull * 1024 * 1024)
#define BUSY_TIMEOUT_MS 10000

typedef struct sqlite_backend {
	mlops_backend base;
	mlops_db *db;
	char *name;            /* for messages */
	uint64_t batch_bytes;
	unsigned batch_blobs;
	bool in_tx;
} sqlite_backend;

static int check_key(const char *key)
{
	if (!key || !mlops__oid_hex_valid(key))
		return mlops__error(MLOPS_EINVAL, "sqlite backend: invalid blob key '%s' (want 32 lowercase hex characters)",
		                    key ? key : "(null)");
	return 0;
}

static int sq_commit(sqlite_backend *s)
{
	if (!s->in_tx)
		return 0;
	s->in_tx = false;
	unsigned n = s->batch_blobs;
	s->batch_bytes = 0;
	s->batch_blobs = 0;
	int rc = mlops__db_commit(s->db);
	if (rc)
		return mlops__error_prefix("sqlite backend '%s': cannot commit a batch of %u blobs", s->name, n);
	return 0;
}

/* After a failed statement SQLite may have rolled the whole batch back; keep our state in step with it. */
static int sq_failed(sqlite_backend *s, int rc, const char *what, const char *key)
{
	if (s->in_tx && sqlite3_get_autocommit(mlops__db_sqlite(s->db))) {
		mlops__db_rollback(s->db);
		s->in_tx = false;
		mlops__error_prefix("sqlite backend '%s': %s '%s' failed and SQLite rolled back the %u blobs written "
		                    "since the last flush", s->name, what, key, s->batch_blobs);
		s->batch_bytes = 0;
		s->batch_blobs = 0;
		return rc;
	}
	return mlops__error_prefix("sqlite backend '%s': %s '%s'", s->name, what, key);
}

static int sq_write(mlops_backend *b, const char *key, const void *data, size_t size)
{
	sqlite_backend *s = (sqlite_backend *)b;
	int rc = check_key(key);
	if (rc)
		return rc;
	if (size > (size_t)INT32_MAX)
		return mlops__error(MLOPS_EINVAL, "sqlite backend: blob '%s' of %zu bytes is too large for SQLite", key,
		                    size);
	if (!s->in_tx) {
		rc = mlops__db_begin_write(s->db);
		if (rc)
			return mlops__error_prefix("sqlite backend '%s': cannot write blob '%s'", s->name, key);
		s->in_tx = true;
	}
	sqlite3_stmt *st;
	rc = mlops__db_prepare(&st, s->db, "INSERT OR IGNORE INTO blobs(key, data, mtime) VALUES (?1, ?2, ?3)");
	if (rc)
		return sq_failed(s, rc, "cannot write blob", key);
	rc = mlops__db_bind_text(st, 1, key);
	int src = rc ? SQLITE_OK : sqlite3_bind_blob64(st, 2, size ? data : "", size, SQLITE_STATIC);
	if (!rc && src == SQLITE_OK)
		src = sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	if (!rc && src != SQLITE_OK)
		rc = mlops__db_error(s->db, src, "cannot bind a blob");
	if (!rc)
		rc = mlops__db_step(s->db, st, "cannot insert blob");
	mlops__db_done(st);
	if (rc)
		return sq_failed(s, rc, "cannot write blob", key);
	s->batch_bytes += size;
	s->batch_blobs++;
	if (s->batch_bytes >= BATCH_MAX_BYTES)
		return sq_commit(s);
	return 0;
}

static int sq_read(mlops_backend *b, void **out, size_t *out_size, const char *key)
{
	sqlite_backend *s = (sqlite_backend *)b;
	*out = NULL;
	*out_size = 0;
	int rc = check_key(key);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = mlops__db_prepare(&st, s->db, "SELECT data FROM blobs WHERE key = ?1");
	if (!rc)
		rc = mlops__db_bind_text(st, 1, key);
	if (!rc)
		rc = mlops__db_step(s->db, st, "cannot read blob");
	if (rc == 0) {
		rc = mlops__error(MLOPS_ENOTFOUND, "blob '%s' not found in '%s'", key, s->name);
	} else if (rc == 1) {
		const void *p = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		void *buf = mlops_alloc(n);
		if (!buf) {
			rc = MLOPS_ENOMEM;
		} else {
			if (n)
				memcpy(buf, p, n);
			*out = buf;
			*out_size = n;
			rc = 0;
		}
	} else {
		mlops__error_prefix("sqlite backend '%s': blob '%s'", s->name, key);
	}
	mlops__db_done(st);
	return rc;
}

static int sq_exists(mlops_backend *b, int *out, const char *key)
{
	sqlite_backend *s = (sqlite_backend *)b;
	*out = 0;
	int rc = check_key(key);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = mlops__db_prepare(&st, s->db, "SELECT 1 FROM blobs WHERE key = ?1");
	if (!rc)
		rc = mlops__db_bind_text(st, 1, key);
	if (!rc)
		rc = mlops__db_step(s->db, st, "cannot look up blob");
	if (rc >= 0) {
		*out = rc;
		rc = 0;
	} else {
		mlops__error_prefix("sqlite backend '%s': blob '%s'", s->name, key);
	}
	mlops__db_done(st);
	return rc;
}

static int sq_change(sqlite_backend *s, const char *sql, const char *what, const char *key)
{
	int rc = check_key(key);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = mlops__db_prepare(&st, s->db, sql);
	if (!rc)
		rc = mlops__db_bind_text(st, 1, key);
	if (!rc)
		rc = mlops__db_step(s->db, st, what);
	mlops__db_done(st);
	if (rc)
		return sq_failed(s, rc, what, key);
	if (sqlite3_changes(mlops__db_sqlite(s->db)) == 0)
		return mlops__error(MLOPS_ENOTFOUND, "blob '%s' not found in '%s'", key, s->name);
	return 0;
}

static int sq_remove(mlops_backend *b, const char *key)
{
	return sq_change((sqlite_backend *)b, "DELETE FROM blobs WHERE key = ?1", "cannot remove blob", key);
}

static int sq_touch(mlops_backend *b, const char *key)
{
	sqlite_backend *s = (sqlite_backend *)b;
	int rc = check_key(key);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = mlops__db_prepare(&st, s->db, "UPDATE blobs SET mtime = ?2 WHERE key = ?1");
	if (!rc)
		rc = mlops__db_bind_text(st, 1, key);
	if (!rc && sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL)) != SQLITE_OK)
		rc = mlops__db_error(s->db, sqlite3_errcode(mlops__db_sqlite(s->db)), "cannot bind mtime");
	if (!rc)
		rc = mlops__db_step(s->db, st, "cannot touch blob");
	mlops__db_done(st);
	if (rc)
		return sq_failed(s, rc, "cannot touch blob", key);
	if (sqlite3_changes(mlops__db_sqlite(s->db)) == 0)
		return mlops__error(MLOPS_ENOTFOUND, "blob '%s' not found in '%s'", key, s->name);
	return 0;
}

/* The callback may remove blobs (gc does), so the rows are read into a snapshot first. */
static int sq_list(mlops_backend *b, mlops_backend_list_cb cb, void *payload)
{
	sqlite_backend *s = (sqlite_backend *)b;
	typedef struct { char key[MLOPS_OID_BUFSIZE]; uint64_t size; int64_t mtime; } entry;
	entry *snap = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, s->db, "SELECT key, length(data), mtime FROM blobs");
	while (!rc && (rc = mlops__db_step(s->db, st, "cannot list blobs")) == 1) {
		rc = 0;
		const char *key = (const char *)sqlite3_column_text(st, 0);
		if (!key || strlen(key) != MLOPS_OID_HEXLEN)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			entry *e = mlops__realloc(snap, ncap * sizeof(*e));
			if (!e) {
				rc = MLOPS_ENOMEM;
				break;
			}
			snap = e;
			cap = ncap;
		}
		memcpy(snap[n].key, key, MLOPS_OID_BUFSIZE);
		snap[n].size = (uint64_t)sqlite3_column_int64(st, 1);
		snap[n].mtime = sqlite3_column_int64(st, 2);
		n++;
	}
	mlops__db_done(st);
	if (rc < 0)
		mlops__error_prefix("sqlite backend '%s'", s->name);
	for (size_t i = 0; i < n && !rc; i++)
		rc = cb(snap[i].key, snap[i].size, snap[i].mtime, payload);
	free(snap);
	return rc;
}

static int sq_flush(mlops_backend *b)
{
	return sq_commit((sqlite_backend *)b);
}

static void sq_free(mlops_backend *b)
{
	sqlite_backend *s = (sqlite_backend *)b;
	sq_commit(s); /* a failed commit loses the uncommitted batch, as a crash would */
	mlops__db_close(s->db);
	free(s->name);
	free(s);
}

int mlops__backend_sqlite_new(mlops_backend **out, const char *location, int sync, void *payload)
{
	(void)payload;
	*out = NULL;
	if (sync != MLOPS_SYNC_NORMAL && sync != MLOPS_SYNC_FULL && sync != MLOPS_SYNC_OFF)
		return mlops__error(MLOPS_EINVAL, "sqlite backend: unknown sync mode %d", sync);
	sqlite_backend *s = mlops__calloc(1, sizeof(*s));
	if (!s)
		return MLOPS_ENOMEM;
	s->name = mlops__strdup(location ? location : ":memory:");
	if (!s->name) {
		free(s);
		return MLOPS_ENOMEM;
	}
	int rc = mlops__db_open(&s->db, location, location ? MLOPS_DB_CREATE : MLOPS_DB_MEMORY, BUSY_TIMEOUT_MS, sync);
	if (!rc)
		rc = mlops__db_exec(s->db, "CREATE TABLE IF NOT EXISTS blobs(key TEXT PRIMARY KEY, data BLOB NOT NULL, "
		                           "mtime INTEGER NOT NULL)");
	if (rc) {
		mlops__error_prefix("sqlite backend '%s'", s->name);
		mlops__db_close(s->db);
		free(s->name);
		free(s);
		return rc;
	}
	s->base.version = MLOPS_BACKEND_VERSION;
	s->base.write = sq_write;
	s->base.read = sq_read;
	s->base.exists = sq_exists;
	s->base.remove = sq_remove;
	s->base.list = sq_list;
	s->base.flush = sq_flush;
	s->base.touch = sq_touch;
	s->base.free = sq_free;
	*out = &s->base;
	return 0;
}
