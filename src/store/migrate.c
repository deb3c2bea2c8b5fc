/*
 * Format migrations: the store module's own tables (store_*), the per-module version table and the one
 * transaction that brings every module of mlops__modules up to date when a store is opened.
 *
 * PRAGMA user_version holds the store format (the version of the store module's tables); store_modules holds
 * every module's version. A store whose format or any module is newer than this library is refused, so that an
 * old library never writes tables it does not understand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

#define HASH_ALGORITHM "xxh128"
#define CHUNKER "fastcdc-16k-64k-256k-v1"

static const char store_schema_v1[] =
	/* Facts about the store as a whole: format, content hash, chunker, creation time, backend. */
	"CREATE TABLE store_meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	");"
	/* The version each module's tables are at. */
	"CREATE TABLE store_modules ("
	"  name TEXT PRIMARY KEY,"
	"  version INTEGER NOT NULL"
	");"
	/* Objects kept by name (gc roots). */
	"CREATE TABLE store_pins ("
	"  name TEXT PRIMARY KEY,"
	"  oid TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL"
	");"
	/* The audit log: one row per mutating call, written in the call's transaction. */
	"CREATE TABLE store_audit ("
	"  id INTEGER PRIMARY KEY,"
	"  time_ms INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  object_kind TEXT NOT NULL DEFAULT '',"
	"  object_id TEXT NOT NULL DEFAULT '',"
	"  detail TEXT NOT NULL DEFAULT '{}'"
	");"
	"CREATE INDEX store_audit_by_time ON store_audit(time_ms);"
	/* Lineage edges; the UNIQUE index serves downstream walks, store_lineage_by_to upstream ones. */
	"CREATE TABLE store_lineage ("
	"  id INTEGER PRIMARY KEY,"
	"  from_kind TEXT NOT NULL,"
	"  from_id TEXT NOT NULL,"
	"  to_kind TEXT NOT NULL,"
	"  to_id TEXT NOT NULL,"
	"  relation TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  UNIQUE (from_kind, from_id, to_kind, to_id, relation)"
	");"
	"CREATE INDEX store_lineage_by_to ON store_lineage(to_kind, to_id);"
	"INSERT INTO store_meta(key, value) VALUES"
	"  ('hash', '" HASH_ALGORITHM "'),"
	"  ('chunker', '" CHUNKER "'),"
	"  ('created_ms', CAST(CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) AS TEXT));";

static const mlops__migration store_migrations[] = {
	{ 1, store_schema_v1, NULL },
	/* Format 2: the fs backend may keep blobs in pack files (objects/packs/). No table changes; the bump makes a
	   library that knows only loose blobs refuse the store instead of reporting packed blobs as missing. */
	{ 2, NULL, NULL },
};

static const char *const store_gc_roots[] = {
	"SELECT oid FROM store_pins",
	NULL,
};

const mlops__module mlops_store__module = {
	.name = "store",
	.migrations = store_migrations,
	.n_migrations = sizeof(store_migrations) / sizeof(store_migrations[0]),
	.gc_roots = store_gc_roots,
};

int mlops_store__module_latest(const mlops__module *m)
{
	return m->n_migrations ? m->migrations[m->n_migrations - 1].version : 0;
}

static size_t module_count(void)
{
	size_t n = 0;
	while (mlops__modules[n])
		n++;
	return n;
}

static int table_exists(bool *out, mlops_db *db, const char *name)
{
	*out = false;
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
	if (!rc)
		rc = mlops__db_bind_text(st, 1, name);
	if (!rc)
		rc = mlops__db_step(db, st, "cannot read the schema");
	mlops__db_done(st);
	if (rc < 0)
		return rc;
	*out = rc == 1;
	return 0;
}

int mlops_store__meta_get(char **out, mlops_db *db, const char *key)
{
	*out = NULL;
	bool has;
	int rc = table_exists(&has, db, "store_meta");
	if (rc || !has)
		return rc;
	sqlite3_stmt *st;
	rc = mlops__db_prepare(&st, db, "SELECT value FROM store_meta WHERE key = ?1");
	if (!rc)
		rc = mlops__db_bind_text(st, 1, key);
	if (!rc)
		rc = mlops__db_step(db, st, "cannot read store_meta");
	if (rc == 1) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		*out = mlops__strdup(v ? v : "");
		rc = *out ? 0 : MLOPS_ENOMEM;
	}
	mlops__db_done(st);
	return rc;
}

typedef struct versions {
	int user_version;
	int *mod;            /* per entry of mlops__modules */
	bool has_modules;    /* store_modules exists */
	bool foreign;        /* tables of something else and no store_modules: not a store */
} versions;

static int read_versions(versions *v, mlops_db *db, size_t nmod)
{
	int64_t uv = 0;
	int rc = mlops__db_query_int64(db, &uv, "PRAGMA user_version");
	if (rc)
		return rc;
	v->user_version = (int)uv;
	for (size_t i = 0; i < nmod; i++)
		v->mod[i] = 0;
	if ((rc = table_exists(&v->has_modules, db, "store_modules")) != 0)
		return rc;
	if (!v->has_modules) {
		/* "blobs" is the sqlite backend's table of a single-file store created by an interrupted first open. */
		int64_t others = 0;
		rc = mlops__db_query_int64(db, &others, "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
		                                        "AND name <> 'blobs'");
		v->foreign = !rc && others > 0;
		return rc;
	}
	sqlite3_stmt *st;
	rc = mlops__db_prepare(&st, db, "SELECT name, version FROM store_modules");
	while (!rc && (rc = mlops__db_step(db, st, "cannot read store_modules")) == 1) {
		rc = 0;
		const char *name = (const char *)sqlite3_column_text(st, 0);
		for (size_t i = 0; i < nmod && name; i++)
			if (strcmp(mlops__modules[i]->name, name) == 0)
				v->mod[i] = sqlite3_column_int(st, 1);
	}
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

/* 1 when something is pending, 0 when up to date, negative when the store is newer than the library. */
static int compare_versions(const versions *v, const char *path, size_t nmod)
{
	if (v->foreign)
		return mlops__error(MLOPS_EINVAL, "'%s' is a SQLite database of something else, not a libmlops store",
		                    path);
	if (v->user_version > MLOPS_STORE_FORMAT_VERSION)
		return mlops__error(MLOPS_EVERSION, "store '%s' has format version %d; this library (%s) knows up to "
		                    "format %d: upgrade libmlops", path, v->user_version, MLOPS_VERSION_STRING,
		                    MLOPS_STORE_FORMAT_VERSION);
	int pending = v->user_version < MLOPS_STORE_FORMAT_VERSION;
	for (size_t i = 0; i < nmod; i++) {
		int latest = mlops_store__module_latest(mlops__modules[i]);
		if (v->mod[i] > latest)
			return mlops__error(MLOPS_EVERSION, "store '%s': module '%s' is at version %d; this library (%s) "
			                    "knows up to version %d: upgrade libmlops", path, mlops__modules[i]->name,
			                    v->mod[i], MLOPS_VERSION_STRING, latest);
		if (v->mod[i] < latest)
			pending = 1;
	}
	return pending;
}

static int readonly_error(const versions *v, const char *path, size_t nmod)
{
	if (v->user_version < MLOPS_STORE_FORMAT_VERSION)
		return mlops__error(MLOPS_EREADONLY, "store '%s' needs migration from format %d to %d; open it read-write "
		                    "once", path, v->user_version, MLOPS_STORE_FORMAT_VERSION);
	for (size_t i = 0; i < nmod; i++) {
		int latest = mlops_store__module_latest(mlops__modules[i]);
		if (v->mod[i] < latest)
			return mlops__error(MLOPS_EREADONLY, "store '%s' needs migration of module '%s' from version %d to %d; "
			                    "open it read-write once", path, mlops__modules[i]->name, v->mod[i], latest);
	}
	return mlops__error(MLOPS_EREADONLY, "store '%s' needs a migration; open it read-write once", path);
}

static int run_migration(mlops_db *db, const mlops__module *m, size_t k)
{
	const mlops__migration *mg = &m->migrations[k];
	if (mg->version != (int)k + 1)
		return mlops__error(MLOPS_ERROR, "module '%s' lists migration %zu with version %d; versions must be "
		                    "1, 2, 3, ...", m->name, k + 1, mg->version);
	int rc = 0;
	if (mg->sql)
		rc = mlops__db_exec(db, mg->sql);
	if (!rc && mg->fn)
		rc = mg->fn(db);
	if (rc)
		return mlops__error_prefix("migration of module '%s' to version %d", m->name, mg->version);
	return 0;
}

static int set_module_version(mlops_db *db, const char *name, int version)
{
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "INSERT INTO store_modules(name, version) VALUES (?1, ?2) "
	                                    "ON CONFLICT(name) DO UPDATE SET version = excluded.version");
	if (!rc)
		rc = mlops__db_bind_text(st, 1, name);
	if (!rc && sqlite3_bind_int(st, 2, version) != SQLITE_OK)
		rc = mlops__db_error(db, sqlite3_errcode(mlops__db_sqlite(db)), "cannot bind a version");
	if (!rc)
		rc = mlops__db_step(db, st, "cannot update store_modules");
	mlops__db_done(st);
	return rc;
}

static int set_meta(mlops_db *db, const char *key, const char *value, bool replace)
{
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, replace ? "INSERT OR REPLACE INTO store_meta(key, value) VALUES (?1, ?2)"
	                                            : "INSERT OR IGNORE INTO store_meta(key, value) VALUES (?1, ?2)");
	if (!rc)
		rc = mlops__db_bind_text(st, 1, key);
	if (!rc)
		rc = mlops__db_bind_text(st, 2, value);
	if (!rc)
		rc = mlops__db_step(db, st, "cannot write store_meta");
	mlops__db_done(st);
	return rc;
}

static int write_audit(mlops_db *db, const char *actor, bool created, const char *detail)
{
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "INSERT INTO store_audit(time_ms, actor, action, object_kind, object_id, "
	                                    "detail) VALUES (?1, ?2, ?3, 'store', '', ?4)");
	if (!rc && sqlite3_bind_int64(st, 1, mlops__now_ms()) != SQLITE_OK)
		rc = mlops__db_error(db, sqlite3_errcode(mlops__db_sqlite(db)), "cannot bind a time");
	if (!rc)
		rc = mlops__db_bind_text(st, 2, actor);
	if (!rc)
		rc = mlops__db_bind_text(st, 3, created ? "store.create" : "store.migrate");
	if (!rc)
		rc = mlops__db_bind_text(st, 4, detail);
	if (!rc)
		rc = mlops__db_step(db, st, "cannot write the audit log");
	mlops__db_done(st);
	return rc;
}

/* Inside the write transaction: apply what is pending and record it. */
static int apply(mlops_db *db, const versions *v, size_t nmod, const char *backend_name, const char *actor)
{
	bool created = !v->has_modules;
	mlops_buf detail = MLOPS_BUF_INIT;
	mlops_json j;
	mlops__json_init(&j, &detail);
	mlops__json_object_begin(&j);
	mlops__json_key(&j, "modules");
	mlops__json_object_begin(&j);
	int rc = 0;
	for (size_t i = 0; i < nmod && !rc; i++) {
		const mlops__module *m = mlops__modules[i];
		int latest = mlops_store__module_latest(m);
		if (v->mod[i] >= latest)
			continue;
		for (size_t k = (size_t)v->mod[i]; k < m->n_migrations && !rc; k++)
			rc = run_migration(db, m, k);
		if (!rc)
			rc = set_module_version(db, m->name, latest);
		mlops__json_key(&j, m->name);
		mlops__json_array_begin(&j);
		mlops__json_int(&j, v->mod[i]);
		mlops__json_int(&j, latest);
		mlops__json_array_end(&j);
	}
	mlops__json_object_end(&j);
	mlops__json_object_end(&j);
	if (!rc)
		rc = mlops__json_finish(&j);
	char fmt[16];
	snprintf(fmt, sizeof(fmt), "%d", MLOPS_STORE_FORMAT_VERSION);
	if (!rc)
		rc = set_meta(db, "format", fmt, true);
	if (!rc && created)
		rc = set_meta(db, "backend", backend_name ? backend_name : "fs", false);
	if (!rc)
		rc = write_audit(db, actor, created, detail.data);
	if (!rc) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", MLOPS_STORE_FORMAT_VERSION);
		rc = mlops__db_exec(db, sql);
	}
	mlops__buf_free(&detail);
	return rc;
}

static int check_meta(mlops_db *db, const char *path)
{
	char *hash = NULL, *chunker = NULL;
	int rc = mlops_store__meta_get(&hash, db, "hash");
	if (!rc)
		rc = mlops_store__meta_get(&chunker, db, "chunker");
	if (!rc && hash && strcmp(hash, HASH_ALGORITHM) != 0)
		rc = mlops__error(MLOPS_EVERSION, "store '%s' identifies objects with hash '%s'; this library knows only "
		                  "'" HASH_ALGORITHM "'", path, hash);
	if (!rc && chunker && strcmp(chunker, CHUNKER) != 0)
		rc = mlops__error(MLOPS_EVERSION, "store '%s' cuts content with chunker '%s'; this library knows only "
		                  "'" CHUNKER "'", path, chunker);
	free(hash);
	free(chunker);
	return rc;
}

int mlops_store__migrate(mlops_db *db, const char *path, bool readonly, const char *backend_name, const char *actor)
{
	size_t nmod = module_count();
	versions v = { 0, NULL, false, false };
	v.mod = mlops__calloc(nmod ? nmod : 1, sizeof(int));
	if (!v.mod)
		return MLOPS_ENOMEM;
	/* Fast path: a store that is up to date is opened without a write transaction. */
	int rc = read_versions(&v, db, nmod);
	if (!rc)
		rc = compare_versions(&v, path, nmod);
	if (rc == 1 && readonly)
		rc = readonly_error(&v, path, nmod);
	if (rc == 1) {
		/* Another process may migrate at the same moment: BEGIN IMMEDIATE waits for it, then we look again. */
		if ((rc = mlops__db_begin_write(db)) != 0)
			goto out;
		rc = read_versions(&v, db, nmod);
		if (!rc)
			rc = compare_versions(&v, path, nmod);
		if (rc == 1)
			rc = apply(db, &v, nmod, backend_name, actor);
		if (rc >= 0 && (rc = mlops__db_commit(db)) == 0)
			rc = 0;
		else
			mlops__db_rollback(db);
	}
	if (!rc)
		rc = check_meta(db, path);
out:
	free(v.mod);
	if (rc < 0 && mlops_error_last()->code == rc && !strstr(mlops_error_last()->message, path))
		mlops__error_prefix("cannot open store '%s'", path);
	return rc;
}

int mlops_store__check_known_modules(mlops_store *store, const char *what)
{
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, store->db, "SELECT name, version FROM store_modules");
	while (!rc && (rc = mlops__db_step(store->db, st, "cannot read store_modules")) == 1) {
		rc = 0;
		const char *name = (const char *)sqlite3_column_text(st, 0);
		bool known = false;
		for (size_t i = 0; mlops__modules[i] && name; i++)
			known = known || strcmp(mlops__modules[i]->name, name) == 0;
		if (!known)
			rc = mlops__error(MLOPS_EVERSION, "%s: store '%s' has module '%s' (version %d) that this library (%s) "
			                  "does not know; it cannot tell which objects that module references", what,
			                  store->path, name ? name : "?", sqlite3_column_int(st, 1), MLOPS_VERSION_STRING);
	}
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}
