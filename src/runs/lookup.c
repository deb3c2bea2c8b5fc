/*
 * Lookups shared by the runs module: a run's state by its public id and the rule that decides whether it accepts
 * a write, interned metric keys, experiments by name.
 */
#include <string.h>

#include "runs/runs_int.h"

int mlops_runs__run_lookup(mlops_runs__run_state *out, mlops_store *store, const char *run_id)
{
	memset(out, 0, sizeof(*out));
	int rc = mlops_runs__check_run_id(run_id);
	if (rc)
		return rc;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	if ((rc = mlops__db_prepare(&st, db,
	                            "SELECT rid, experiment_id, status, lifecycle, deleted_by_experiment "
	                            "FROM runs_runs WHERE run_id = ?")) != 0)
		return rc;
	if ((rc = mlops__db_bind_text(st, 1, run_id)) == 0) {
		rc = mlops__db_step(db, st, "cannot look up run");
		if (rc == 1) {
			out->rid = sqlite3_column_int64(st, 0);
			out->experiment_id = sqlite3_column_int64(st, 1);
			out->status = sqlite3_column_int(st, 2);
			out->lifecycle = sqlite3_column_int(st, 3);
			out->deleted_by_experiment = sqlite3_column_int(st, 4);
			rc = 0;
		} else if (rc == 0) {
			rc = mlops__error(MLOPS_ENOTFOUND, "run %s not found", run_id);
		}
	}
	mlops__db_done(st);
	return rc;
}

int mlops_runs__run_writable(const mlops_runs__run_state *st, const char *run_id, bool annotation, bool owner)
{
	if (st->lifecycle == MLOPS_RUNS__DELETED) {
		if (st->deleted_by_experiment)
			return mlops__error(MLOPS_ECONFLICT,
			                    "run %s is deleted (its experiment %lld is deleted); restore the experiment "
			                    "to write to it", run_id, (long long)st->experiment_id);
		return mlops__error(MLOPS_ECONFLICT, "run %s is deleted; restore it to write to it", run_id);
	}
	if (!annotation && !owner && st->status != MLOPS_RUN_RUNNING && st->status != MLOPS_RUN_SCHEDULED)
		return mlops__error(MLOPS_ECONFLICT, "run %s is %s; resume it to log params, metrics, artifacts or inputs",
		                    run_id, mlops_run_status_name(st->status));
	return 0;
}

int mlops_runs__metric_kid(int64_t *out, mlops_store *store, const char *key, bool create)
{
	*out = 0;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "SELECT kid FROM runs_metric_keys WHERE key = ?");
	if (rc)
		return rc;
	if ((rc = mlops__db_bind_text(st, 1, key)) == 0) {
		rc = mlops__db_step(db, st, "cannot look up metric key");
		if (rc == 1) {
			*out = sqlite3_column_int64(st, 0);
			rc = 0;
		} else if (rc == 0) {
			rc = MLOPS_ENOTFOUND;
		}
	}
	mlops__db_done(st);
	if (rc != MLOPS_ENOTFOUND)
		return rc;
	if (!create)
		return mlops__error(MLOPS_ENOTFOUND, "metric '%s' not found", key);
	if ((rc = mlops__db_prepare(&st, db, "INSERT INTO runs_metric_keys (key) VALUES (?)")) != 0)
		return rc;
	if ((rc = mlops__db_bind_text(st, 1, key)) == 0)
		rc = mlops__db_step(db, st, "cannot add metric key");
	mlops__db_done(st);
	if (rc < 0)
		return rc;
	*out = sqlite3_last_insert_rowid(mlops__db_sqlite(db));
	return 0;
}

int mlops_runs__experiment_lookup(int64_t *out_id, int *out_lifecycle, mlops_store *store, const char *name)
{
	*out_id = -1;
	if (out_lifecycle)
		*out_lifecycle = 0;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "SELECT id, lifecycle FROM runs_experiments WHERE name = ?");
	if (rc)
		return rc;
	if ((rc = mlops__db_bind_text(st, 1, name)) == 0) {
		rc = mlops__db_step(db, st, "cannot look up experiment");
		if (rc == 1) {
			*out_id = sqlite3_column_int64(st, 0);
			if (out_lifecycle)
				*out_lifecycle = sqlite3_column_int(st, 1);
			rc = 0;
		} else if (rc == 0) {
			rc = mlops__error(MLOPS_ENOTFOUND, "experiment '%s' not found", name);
		}
	}
	mlops__db_done(st);
	return rc;
}

int mlops_runs__experiment_state(int *out_lifecycle, mlops_store *store, int64_t experiment_id)
{
	*out_lifecycle = 0;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "SELECT lifecycle FROM runs_experiments WHERE id = ?");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, experiment_id);
	rc = mlops__db_step(db, st, "cannot look up experiment");
	if (rc == 1) {
		*out_lifecycle = sqlite3_column_int(st, 0);
		rc = 0;
	} else if (rc == 0) {
		rc = mlops__error(MLOPS_ENOTFOUND, "experiment %lld not found", (long long)experiment_id);
	}
	mlops__db_done(st);
	return rc;
}

int mlops_runs__begin_run_write(mlops_runs__run_state *st, mlops_store *store, const char *run_id, const char *what,
                                bool annotation, bool owner)
{
	memset(st, 0, sizeof(*st));
	if (!store)
		return mlops__error(MLOPS_EINVAL, "%s: NULL store", what);
	int rc = mlops_runs__check_run_id(run_id);
	if (rc)
		return rc;
	if ((rc = mlops_runs__begin_write(store, what)) != 0)
		return rc;
	rc = mlops_runs__run_lookup(st, store, run_id);
	if (!rc)
		rc = mlops_runs__run_writable(st, run_id, annotation, owner);
	if (rc) {
		mlops__error_prefix("%s", what);
		mlops__db_rollback(mlops_store__db(store));
	}
	return rc;
}
