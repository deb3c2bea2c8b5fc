/*
 * Permanent removal of soft-deleted runs (MLflow's `mlflow gc` for runs): the run rows go, and with them (foreign
 * keys, ON DELETE CASCADE) params, tags, metric summaries and history blocks, artifact rows and inputs. The
 * artifact objects are then unreferenced, and mlops_store_gc() reclaims those no other run or module uses.
 */
#include "runs/runs_int.h"

static int purge_one(mlops_store *store, int64_t rid, const char *run_id)
{
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "DELETE FROM runs_runs WHERE rid = ?");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, rid);
	rc = mlops__db_step(db, st, "cannot purge run");
	mlops__db_done(st);
	if (rc < 0)
		return mlops__error_prefix("run %s", run_id);
	return mlops_runs__audit(store, "run.purge", "run", run_id, NULL, NULL, NULL, NULL);
}

int mlops_runs_purge(uint64_t *out_purged, mlops_store *store, const char *run_id, int64_t older_than_ms)
{
	if (out_purged)
		*out_purged = 0;
	if (!store)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_purge: NULL store");
	if (older_than_ms < 0)
		return mlops__error(MLOPS_EINVAL, "purge runs: older_than_ms is negative (%lld)", (long long)older_than_ms);
	int rc;
	if (run_id && (rc = mlops_runs__check_run_id(run_id)) != 0)
		return rc;
	if ((rc = mlops_runs__begin_write(store, "purge runs")) != 0)
		return rc;
	mlops_db *db = mlops_store__db(store);
	uint64_t purged = 0;
	if (run_id) {
		mlops_runs__run_state st;
		rc = mlops_runs__run_lookup(&st, store, run_id);
		if (!rc && st.lifecycle != MLOPS_RUNS__DELETED)
			rc = mlops__error(MLOPS_ECONFLICT, "run %s is not deleted; delete it before purging it", run_id);
		if (!rc && (rc = purge_one(store, st.rid, run_id)) == 0)
			purged = 1;
	} else {
		/* Collect first: deleting while stepping the same table is legal in SQLite but not portable. */
		mlops_runs__list victims = { 0 };
		typedef struct victim {
			int64_t rid;
			const char *run_id;
		} victim;
		sqlite3_stmt *st;
		if ((rc = mlops__db_prepare(&st, db, "SELECT rid, run_id FROM runs_runs WHERE lifecycle = 1 AND "
		                                     "deleted_ms <= ? ORDER BY rid")) == 0) {
			sqlite3_bind_int64(st, 1, mlops__now_ms() - older_than_ms);
			while ((rc = mlops__db_step(db, st, "cannot list deleted runs")) == 1) {
				int err = 0;
				victim v = { sqlite3_column_int64(st, 0),
					     mlops_runs__arena_strdup(&victims.arena, (const char *)sqlite3_column_text(st, 1),
					                              &err) };
				if (err || (err = mlops_runs__list_push(&victims, &v, sizeof(v))) != 0) {
					rc = err;
					break;
				}
			}
			mlops__db_done(st);
		}
		for (size_t i = 0; !rc && i < victims.n; i++) {
			const victim *v = (const victim *)victims.items + i;
			if ((rc = purge_one(store, v->rid, v->run_id)) == 0)
				purged++;
		}
		mlops_runs__list_free(&victims);
	}
	if ((rc = mlops_runs__end_tx(db, rc)) != 0)
		return rc;
	if (out_purged)
		*out_purged = purged;
	return 0;
}
