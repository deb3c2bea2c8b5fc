/*
 * Runs by id, without a handle (MlflowClient's calls): get, list, params and tags, logging a param, a tag or one
 * metric point, setting the terminal status, soft delete and restore.
 */
#include "runs/runs_int.h"

typedef struct run_holder {
	mlops_run_info info;
	mlops_runs__arena arena;
} run_holder;

struct mlops_run_iter {
	mlops_runs__list list;
};

int mlops_runs_get(mlops_run_info **out, mlops_store *store, const char *run_id)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_get: NULL argument");
	*out = NULL;
	int rc = mlops_runs__check_run_id(run_id);
	if (rc)
		return rc;
	run_holder *h = mlops__calloc(1, sizeof(*h));
	if (!h)
		return MLOPS_ENOMEM;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	if ((rc = mlops__db_prepare(&st, db, "SELECT " MLOPS_RUNS__INFO_COLUMNS " FROM runs_runs r WHERE run_id = ?")) ==
	    0) {
		if ((rc = mlops__db_bind_text(st, 1, run_id)) == 0) {
			rc = mlops__db_step(db, st, "cannot read run");
			if (rc == 1)
				rc = mlops_runs__run_info_read(&h->info, &h->arena, st, 0);
			else if (rc == 0)
				rc = mlops__error(MLOPS_ENOTFOUND, "run %s not found", run_id);
		}
		mlops__db_done(st);
	}
	if (rc) {
		mlops_runs__arena_free(&h->arena);
		free(h);
		return rc;
	}
	*out = &h->info;
	return 0;
}

void mlops_run_info_free(mlops_run_info *info)
{
	if (!info)
		return;
	run_holder *h = (run_holder *)info;
	mlops_runs__arena_free(&h->arena);
	free(h);
}

int mlops_run_list_options_init(mlops_run_list_options *opts, unsigned int version)
{
	if (!opts)
		return mlops__error(MLOPS_EINVAL, "mlops_run_list_options_init: NULL options");
	if (version != MLOPS_RUN_LIST_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown run list options version %u", version);
	mlops_run_list_options d = MLOPS_RUN_LIST_OPTIONS_INIT;
	*opts = d;
	return 0;
}

int mlops_runs_list(mlops_run_iter **out, mlops_store *store, const mlops_run_list_options *opts)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_list: NULL argument");
	*out = NULL;
	mlops_run_list_options d = MLOPS_RUN_LIST_OPTIONS_INIT;
	if (!opts)
		opts = &d;
	if (opts->version != MLOPS_RUN_LIST_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown run list options version %u", opts->version);
	const char *view = mlops_runs__view_sql(opts->view);
	if (!view)
		return mlops__error(MLOPS_EINVAL, "run list: unknown view type %d", opts->view);
	if (opts->n_experiment_ids && !opts->experiment_ids)
		return mlops__error(MLOPS_EINVAL, "run list: n_experiment_ids is %zu but experiment_ids is NULL",
		                    opts->n_experiment_ids);
	int rc;
	if (opts->parent_run_id && (rc = mlops_runs__check_run_id(opts->parent_run_id)) != 0)
		return rc;
	/* The experiment ids are checked numbers, so they can be written into the SQL; the rest is bound. */
	mlops_buf sql = MLOPS_BUF_INIT;
	rc = mlops__buf_printf(&sql, "SELECT " MLOPS_RUNS__INFO_COLUMNS " FROM runs_runs r WHERE r.%s", view);
	if (!rc && opts->experiment_ids) {
		rc = mlops__buf_puts(&sql, " AND r.experiment_id IN (");
		for (size_t i = 0; i < opts->n_experiment_ids && !rc; i++) {
			int64_t id;
			if ((rc = mlops_runs__parse_experiment_id(&id, opts->experiment_ids[i])) == 0)
				rc = mlops__buf_printf(&sql, "%s%lld", i ? "," : "", (long long)id);
		}
		if (!rc)
			rc = mlops__buf_puts(&sql, opts->n_experiment_ids ? ")" : "NULL)");
	}
	if (!rc && opts->parent_run_id)
		rc = mlops__buf_puts(&sql, " AND r.parent_run_id = ?1");
	if (!rc)
		rc = mlops__buf_puts(&sql, " ORDER BY r.start_ms DESC, r.run_id");
	if (!rc && opts->limit)
		rc = mlops__buf_printf(&sql, " LIMIT %zu", opts->limit);
	if (rc) {
		mlops__buf_free(&sql);
		return rc;
	}
	mlops_run_iter *it = mlops__calloc(1, sizeof(*it));
	if (!it) {
		mlops__buf_free(&sql);
		return MLOPS_ENOMEM;
	}
	/* Run-time SQL of unbounded variety: prepared directly, not through the statement cache. */
	sqlite3 *h = mlops__db_sqlite(mlops_store__db(store));
	sqlite3_stmt *st = NULL;
	int src = sqlite3_prepare_v2(h, sql.data, -1, &st, NULL);
	if (src != SQLITE_OK) {
		rc = mlops__db_error(mlops_store__db(store), src, "cannot list runs");
	} else {
		if (opts->parent_run_id)
			rc = mlops__db_bind_text(st, 1, opts->parent_run_id);
		while (!rc && (rc = mlops__db_step(mlops_store__db(store), st, "cannot list runs")) == 1) {
			mlops_run_info info;
			if ((rc = mlops_runs__run_info_read(&info, &it->list.arena, st, 0)) != 0 ||
			    (rc = mlops_runs__list_push(&it->list, &info, sizeof(info))) != 0)
				break;
		}
	}
	sqlite3_finalize(st);
	mlops__buf_free(&sql);
	if (rc) {
		mlops_run_iter_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

MLOPS_RUNS__LIST_ITER(mlops_runs_next, mlops_run_iter_free, mlops_run_iter, mlops_run_info)

/* A run's key/value pairs: look the run up and read in one read transaction. */
static int run_kv(mlops_runs_kv_iter **out, mlops_store *store, const char *run_id, const char *sql)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "run key/value listing: NULL argument");
	*out = NULL;
	mlops_db *db = mlops_store__db(store);
	int rc = mlops__db_begin_read(db);
	if (rc)
		return rc;
	mlops_runs__run_state st;
	rc = mlops_runs__run_lookup(&st, store, run_id);
	if (!rc)
		rc = mlops_runs__kv_query(out, store, sql, st.rid);
	mlops__db_commit(db);
	return rc;
}

int mlops_runs_params(mlops_runs_kv_iter **out, mlops_store *store, const char *run_id)
{
	return run_kv(out, store, run_id, "SELECT key, value FROM runs_params WHERE rid = ? ORDER BY key");
}

int mlops_runs_tags(mlops_runs_kv_iter **out, mlops_store *store, const char *run_id)
{
	return run_kv(out, store, run_id, "SELECT key, value FROM runs_tags WHERE rid = ? ORDER BY key");
}

int mlops_runs_param_get(char **out_value, mlops_store *store, const char *run_id, const char *key)
{
	if (!out_value || !store || !key)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_param_get: NULL argument");
	*out_value = NULL;
	mlops_db *db = mlops_store__db(store);
	int rc = mlops__db_begin_read(db);
	if (rc)
		return rc;
	mlops_runs__run_state st;
	rc = mlops_runs__run_lookup(&st, store, run_id);
	sqlite3_stmt *s;
	if (!rc && (rc = mlops__db_prepare(&s, db, "SELECT value FROM runs_params WHERE rid = ? AND key = ?")) == 0) {
		sqlite3_bind_int64(s, 1, st.rid);
		if ((rc = mlops__db_bind_text(s, 2, key)) == 0) {
			rc = mlops__db_step(db, s, "cannot read param");
			if (rc == 1) {
				*out_value = mlops__strdup((const char *)sqlite3_column_text(s, 0));
				rc = *out_value ? 0 : MLOPS_ENOMEM;
			} else if (rc == 0) {
				rc = mlops__error(MLOPS_ENOTFOUND, "run %s has no param '%s'", run_id, key);
			}
		}
		mlops__db_done(s);
	}
	mlops__db_commit(db);
	return rc;
}

int mlops_runs_set_tag(mlops_store *store, const char *run_id, const char *key, const char *value)
{
	return mlops_runs__set_tag(store, run_id, key, value);
}

int mlops_runs_delete_tag(mlops_store *store, const char *run_id, const char *key)
{
	return mlops_runs__delete_tag(store, run_id, key);
}

int mlops_runs_log_param(mlops_store *store, const char *run_id, const char *key, const char *value, uint32_t flags)
{
	return mlops_runs__log_params(store, run_id, &key, &value, 1, flags, false);
}

int mlops_runs_log_metric(mlops_store *store, const char *run_id, const char *key, double value, int64_t step,
                          int64_t timestamp_ms)
{
	int rc = mlops_runs__check_key("metric", key);
	if (rc)
		return rc;
	mlops_runs__run_state st;
	if ((rc = mlops_runs__begin_run_write(&st, store, run_id, "log metric", false, false)) != 0)
		return rc;
	int64_t ts = timestamp_ms ? timestamp_ms : mlops__now_ms();
	rc = mlops_runs__append_points(store, st.rid, key, &step, &ts, &value, 1);
	if (!rc)
		rc = mlops_runs__audit(store, "metric.log", "run", run_id, "key", key, NULL, NULL);
	return mlops_runs__end_tx(mlops_store__db(store), rc);
}

int mlops_runs_set_terminated(mlops_store *store, const char *run_id, int status, int64_t end_ms)
{
	if (!store)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_set_terminated: NULL store");
	return mlops_runs__terminate(store, run_id, status, end_ms);
}

/* Soft-delete (del) or restore a run, with its audit row, in one write transaction; fn names the public call. */
static int run_set_lifecycle(mlops_store *store, const char *run_id, bool del, const char *fn)
{
	if (!store)
		return mlops__error(MLOPS_EINVAL, "%s: NULL store", fn);
	int rc = mlops_runs__check_run_id(run_id);
	if (rc || (rc = mlops_runs__begin_write(store, del ? "delete run" : "restore run")) != 0)
		return rc;
	mlops_db *db = mlops_store__db(store);
	mlops_runs__run_state st;
	int lc = 0;
	rc = mlops_runs__run_lookup(&st, store, run_id);
	if (!rc && del && st.lifecycle == MLOPS_RUNS__DELETED)
		rc = mlops__error(MLOPS_ECONFLICT, "run %s is already deleted", run_id);
	if (!rc && !del && st.lifecycle != MLOPS_RUNS__DELETED)
		rc = mlops__error(MLOPS_ECONFLICT, "run %s is not deleted", run_id);
	if (!rc && !del && (rc = mlops_runs__experiment_state(&lc, store, st.experiment_id)) == 0 &&
	    lc == MLOPS_RUNS__DELETED)
		rc = mlops__error(MLOPS_ECONFLICT, "run %s belongs to deleted experiment %lld; restore the experiment",
		                  run_id, (long long)st.experiment_id);
	sqlite3_stmt *s;
	if (!rc && (rc = mlops__db_prepare(&s, db, del ? "UPDATE runs_runs SET lifecycle = 1, deleted_ms = ?2, "
	                                                 "deleted_by_experiment = 0 WHERE rid = ?1"
	                                               : "UPDATE runs_runs SET lifecycle = 0, deleted_ms = NULL, "
	                                                 "deleted_by_experiment = 0 WHERE rid = ?1")) == 0) {
		sqlite3_bind_int64(s, 1, st.rid);
		if (del)
			sqlite3_bind_int64(s, 2, mlops__now_ms());
		rc = mlops__db_step(db, s, del ? "cannot delete run" : "cannot restore run");
		mlops__db_done(s);
	}
	if (rc >= 0)
		rc = mlops_runs__audit(store, del ? "run.delete" : "run.restore", "run", run_id, NULL, NULL, NULL, NULL);
	return mlops_runs__end_tx(db, rc < 0 ? rc : 0);
}

int mlops_runs_delete(mlops_store *store, const char *run_id)
{
	return run_set_lifecycle(store, run_id, true, "mlops_runs_delete");
}

int mlops_runs_restore(mlops_store *store, const char *run_id)
{
	return run_set_lifecycle(store, run_id, false, "mlops_runs_restore");
}
