/*
 * Run inputs: dataset versions and objects a run consumed, stored in runs_inputs with a context and linked in the
 * store's lineage graph as (kind, id) -> (run, run_id) "input".
 */
#include "runs/runs_int.h"

struct mlops_input_iter {
	mlops_runs__list list;
};

int mlops_run_log_input(mlops_run *run, const char *kind, const char *id, const char *context)
{
	if (!run)
		return mlops__error(MLOPS_EINVAL, "log input: NULL run");
	if (run->ended)
		return mlops__error(MLOPS_ECONFLICT, "log input: run %s has ended; resume it to log more", run->run_id);
	if (!kind || !id)
		return mlops__error(MLOPS_EINVAL, "log input of run %s: NULL kind or id", run->run_id);
	int rc = 0;
	if (strcmp(kind, MLOPS_KIND_OBJECT) == 0) {
		mlops_oid oid;
		bool exists = false;
		if (!mlops__oid_hex_valid(id))
			return mlops__error(MLOPS_EINVAL, "log input of run %s: '%.80s' is not an object id", run->run_id, id);
		if ((rc = mlops__oid_from_hex(&oid, id)) != 0 ||
		    (rc = mlops__odb_exists(&exists, mlops_store__odb(run->store), &oid)) != 0)
			return rc;
		if (!exists)
			return mlops__error(MLOPS_ENOTFOUND, "log input of run %s: object %s is not stored", run->run_id, id);
	} else if (strcmp(kind, MLOPS_KIND_DATASET_VERSION) == 0) {
		if (!*id || strlen(id) > 500 || !mlops__utf8_valid(id, strlen(id)))
			return mlops__error(MLOPS_EINVAL, "log input of run %s: bad dataset version id '%.80s'", run->run_id,
			                    id);
	} else {
		return mlops__error(MLOPS_EINVAL, "log input of run %s: unknown kind '%.40s' (expected '%s' or '%s')",
		                    run->run_id, kind, MLOPS_KIND_DATASET_VERSION, MLOPS_KIND_OBJECT);
	}
	if (context && (strlen(context) > 1000 || !mlops__utf8_valid(context, strlen(context))))
		return mlops__error(MLOPS_EINVAL, "log input of run %s: context is longer than 1000 bytes or not UTF-8",
		                    run->run_id);
	mlops_runs__run_state st;
	if ((rc = mlops_runs__begin_run_write(&st, run->store, run->run_id, "log input", false, true)) != 0)
		return rc;
	mlops_db *db = mlops_store__db(run->store);
	sqlite3_stmt *s;
	if ((rc = mlops__db_prepare(&s, db,
	                            "INSERT INTO runs_inputs (rid, kind, id, context, created_ms) VALUES (?, ?, ?, ?, ?) "
	                            "ON CONFLICT (rid, kind, id) DO UPDATE SET context = excluded.context")) == 0) {
		sqlite3_bind_int64(s, 1, st.rid);
		if ((rc = mlops__db_bind_text(s, 2, kind)) == 0 && (rc = mlops__db_bind_text(s, 3, id)) == 0 &&
		    (rc = mlops__db_bind_text(s, 4, context)) == 0) {
			sqlite3_bind_int64(s, 5, mlops__now_ms());
			rc = mlops__db_step(db, s, "cannot store input");
		}
		mlops__db_done(s);
	}
	if (rc >= 0)
		rc = mlops_store__lineage_add(run->store, kind, id, MLOPS_KIND_RUN, run->run_id, "input");
	if (!rc)
		rc = mlops_runs__audit(run->store, "input.log", "run", run->run_id, "kind", kind, "id", id);
	return mlops_runs__end_tx(db, rc < 0 ? rc : 0);
}

static int input_row(mlops_runs__list *l, sqlite3_stmt *st)
{
	int err = 0;
	mlops_run_input in;
	in.kind = mlops_runs__arena_strdup(&l->arena, (const char *)sqlite3_column_text(st, 0), &err);
	in.id = mlops_runs__arena_strdup(&l->arena, (const char *)sqlite3_column_text(st, 1), &err);
	in.context = mlops_runs__arena_strdup(&l->arena, (const char *)sqlite3_column_text(st, 2), &err);
	in.created_ms = sqlite3_column_int64(st, 3);
	return err ? err : mlops_runs__list_push(l, &in, sizeof(in));
}

int mlops_runs_inputs(mlops_input_iter **out, mlops_store *store, const char *run_id)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_inputs: NULL argument");
	*out = NULL;
	mlops_input_iter *it = mlops__calloc(1, sizeof(*it));
	if (!it)
		return MLOPS_ENOMEM;
	int rc = mlops_runs__run_rows(&it->list, store, run_id,
	                              "SELECT kind, id, context, created_ms FROM runs_inputs WHERE rid = ? "
	                              "ORDER BY created_ms, kind, id",
	                              NULL, "cannot list inputs", input_row);
	if (rc) {
		mlops_input_iter_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

MLOPS_RUNS__LIST_ITER(mlops_input_next, mlops_input_iter_free, mlops_input_iter, mlops_run_input)
