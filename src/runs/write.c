/*
 * Row-level writes of the runs module that several entry points share (the logging handle, the id-based calls
 * and the mlruns/ import): experiments by name, run rows, params with the write-once rule, tags, artifact rows,
 * and the audit rows that go with them. Everything here runs inside the caller's write transaction.
 */
#include <stdio.h>
#include <string.h>

#include "runs/runs_int.h"

int mlops_runs__audit(mlops_store *store, const char *action, const char *kind, const char *id, const char *k1,
                      const char *v1, const char *k2, const char *v2)
{
	mlops_buf b = MLOPS_BUF_INIT;
	mlops_json j;
	mlops__json_init(&j, &b);
	mlops__json_object_begin(&j);
	if (k1) {
		mlops__json_key(&j, k1);
		mlops__json_string(&j, v1);
	}
	if (k2) {
		mlops__json_key(&j, k2);
		mlops__json_string(&j, v2);
	}
	mlops__json_object_end(&j);
	int rc = mlops__json_finish(&j);
	if (!rc)
		rc = mlops_store__audit(store, action, kind, id, b.data);
	mlops__buf_free(&b);
	return rc;
}

int mlops_runs__experiment_ensure(int64_t *out_id, mlops_store *store, const char *name,
                                  const char *artifact_location, int64_t creation_ms, int lifecycle)
{
	int rc = mlops_runs__experiment_lookup(out_id, NULL, store, name);
	if (rc != MLOPS_ENOTFOUND)
		return rc;
	mlops__error_reset();
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	if ((rc = mlops__db_prepare(&st, db,
	                            "INSERT INTO runs_experiments (name, artifact_location, lifecycle, creation_ms, "
	                            "last_update_ms, deleted_ms) VALUES (?, ?, ?, ?, ?, ?)")) != 0)
		return rc;
	int64_t now = mlops__now_ms();
	if (creation_ms <= 0)
		creation_ms = now;
	if ((rc = mlops__db_bind_text(st, 1, name)) == 0 &&
	    (rc = mlops__db_bind_text(st, 2, artifact_location ? artifact_location : "")) == 0) {
		sqlite3_bind_int(st, 3, lifecycle);
		sqlite3_bind_int64(st, 4, creation_ms);
		sqlite3_bind_int64(st, 5, now);
		if (lifecycle == MLOPS_RUNS__DELETED)
			sqlite3_bind_int64(st, 6, now);
		rc = mlops__db_step(db, st, "cannot create experiment");
	}
	mlops__db_done(st);
	if (rc < 0)
		return rc == MLOPS_EEXISTS ? mlops__error(MLOPS_EEXISTS, "experiment '%s' already exists", name) : rc;
	*out_id = sqlite3_last_insert_rowid(mlops__db_sqlite(db));
	char eid[MLOPS_EXPERIMENT_ID_BUFSIZE];
	snprintf(eid, sizeof(eid), "%lld", (long long)*out_id);
	return mlops_runs__audit(store, "experiment.create", "experiment", eid, "name", name, NULL, NULL);
}

int mlops_runs__insert_run(int64_t *out_rid, mlops_store *store, int64_t experiment_id, const mlops_run_info *info,
                           const char *audit_action)
{
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db,
	                           "INSERT INTO runs_runs (run_id, experiment_id, name, user_name, status, start_ms, "
	                           "end_ms, lifecycle, deleted_ms, parent_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (rc)
		return rc;
	if ((rc = mlops__db_bind_text(st, 1, info->run_id)) == 0 &&
	    (rc = mlops__db_bind_text(st, 3, info->run_name ? info->run_name : "")) == 0 &&
	    (rc = mlops__db_bind_text(st, 4, info->user ? info->user : "")) == 0 &&
	    (rc = mlops__db_bind_text(st, 10, info->parent_run_id)) == 0) {
		sqlite3_bind_int64(st, 2, experiment_id);
		sqlite3_bind_int(st, 5, info->status);
		sqlite3_bind_int64(st, 6, info->start_ms);
		if (info->end_ms)
			sqlite3_bind_int64(st, 7, info->end_ms);
		sqlite3_bind_int(st, 8, info->deleted ? MLOPS_RUNS__DELETED : MLOPS_RUNS__ACTIVE);
		if (info->deleted)
			sqlite3_bind_int64(st, 9, info->deleted_ms ? info->deleted_ms : mlops__now_ms());
		rc = mlops__db_step(db, st, "cannot insert run");
	}
	mlops__db_done(st);
	if (rc < 0)
		return rc == MLOPS_EEXISTS ? mlops__error(MLOPS_EEXISTS, "run %s already exists", info->run_id) : rc;
	*out_rid = sqlite3_last_insert_rowid(mlops__db_sqlite(db));
	char eid[MLOPS_EXPERIMENT_ID_BUFSIZE];
	snprintf(eid, sizeof(eid), "%lld", (long long)experiment_id);
	return mlops_runs__audit(store, audit_action ? audit_action : "run.start", "run", info->run_id,
	                         "experiment_id", eid, "name", info->run_name);
}

int mlops_runs__put_param(mlops_store *store, int64_t rid, const char *run_id, const char *key, const char *value,
                          uint32_t flags)
{
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "SELECT value FROM runs_params WHERE rid = ? AND key = ?");
	if (rc)
		return rc;
	char *old = NULL;
	sqlite3_bind_int64(st, 1, rid);
	if ((rc = mlops__db_bind_text(st, 2, key)) == 0) {
		rc = mlops__db_step(db, st, "cannot read param");
		if (rc == 1) {
			old = mlops__strdup((const char *)sqlite3_column_text(st, 0));
			rc = old ? 0 : MLOPS_ENOMEM;
		}
	}
	mlops__db_done(st);
	if (rc < 0)
		return rc;
	if (old && strcmp(old, value) == 0) {
		mlops__free(old);
		return 0;
	}
	if (old && !(flags & MLOPS_PARAM_OVERWRITE)) {
		rc = mlops__error(MLOPS_ECONFLICT, "param '%s' of run %s already logged as '%.200s', refusing '%.200s'",
		                  key, run_id, old, value);
		mlops__free(old);
		return rc;
	}
	rc = mlops__db_prepare(&st, db,
	                       old ? "UPDATE runs_params SET value = ?3 WHERE rid = ?1 AND key = ?2"
	                           : "INSERT INTO runs_params (rid, key, value) VALUES (?1, ?2, ?3)");
	if (!rc) {
		sqlite3_bind_int64(st, 1, rid);
		if ((rc = mlops__db_bind_text(st, 2, key)) == 0 && (rc = mlops__db_bind_text(st, 3, value)) == 0)
			rc = mlops__db_step(db, st, "cannot store param");
		mlops__db_done(st);
	}
	if (rc >= 0)
		rc = mlops_runs__audit(store, "param.log", "run", run_id, "key", key, old ? "previous" : NULL, old);
	mlops__free(old);
	return rc < 0 ? rc : 0;
}

int mlops_runs__put_tag(mlops_store *store, int64_t rid, const char *key, const char *value)
{
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db,
	                           "INSERT INTO runs_tags (rid, key, value) VALUES (?, ?, ?) "
	                           "ON CONFLICT (rid, key) DO UPDATE SET value = excluded.value");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, rid);
	if ((rc = mlops__db_bind_text(st, 2, key)) == 0 && (rc = mlops__db_bind_text(st, 3, value)) == 0)
		rc = mlops__db_step(db, st, "cannot store tag");
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

int mlops_runs__put_artifact(mlops_store *store, int64_t rid, const char *path, const char *oid, uint64_t size,
                             uint32_t mode, int64_t created_ms)
{
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db,
	                           "INSERT INTO runs_artifacts (rid, path, oid, size, mode, created_ms) "
	                           "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (rid, path) DO UPDATE SET "
	                           "oid = excluded.oid, size = excluded.size, mode = excluded.mode, "
	                           "created_ms = excluded.created_ms");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, rid);
	if ((rc = mlops__db_bind_text(st, 2, path)) == 0 && (rc = mlops__db_bind_text(st, 3, oid)) == 0) {
		sqlite3_bind_int64(st, 4, (int64_t)size);
		sqlite3_bind_int64(st, 5, (int64_t)mode);
		sqlite3_bind_int64(st, 6, created_ms);
		rc = mlops__db_step(db, st, "cannot store artifact");
	}
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

int mlops_runs__begin_write(mlops_store *store, const char *what)
{
	int rc = mlops_store__check_writable(store, what);
	if (rc)
		return rc;
	return mlops__db_begin_write(mlops_store__db(store));
}
