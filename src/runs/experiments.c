/*
 * Experiments: create (unique names), get by id or name, list by view, rename, tags, soft delete and restore
 * (which also hides and brings back the runs the deletion hid, as MLflow's SQL store).
 */
#include "runs/runs_int.h"

#define EXP_COLUMNS "id, name, artifact_location, lifecycle, creation_ms, last_update_ms"

/* A single experiment handed out by a get: the info first, so that the info pointer frees the whole holder. */
typedef struct exp_holder {
	mlops_experiment_info info;
	mlops_runs__arena arena;
} exp_holder;

struct mlops_experiment_iter {
	mlops_runs__list list;
};

static int exp_id_text(char out[MLOPS_EXPERIMENT_ID_BUFSIZE], int64_t id)
{
	snprintf(out, MLOPS_EXPERIMENT_ID_BUFSIZE, "%lld", (long long)id);
	return 0;
}

/* Fill info from a row of EXP_COLUMNS plus the experiment's tags. */
static int exp_read(mlops_experiment_info *info, mlops_runs__arena *a, mlops_store *store, sqlite3_stmt *st)
{
	int err = 0;
	char eid[MLOPS_EXPERIMENT_ID_BUFSIZE];
	int64_t id = sqlite3_column_int64(st, 0);
	exp_id_text(eid, id);
	memset(info, 0, sizeof(*info));
	info->experiment_id = mlops_runs__arena_strdup(a, eid, &err);
	info->name = mlops_runs__arena_strdup(a, (const char *)sqlite3_column_text(st, 1), &err);
	info->artifact_location = mlops_runs__arena_strdup(a, (const char *)sqlite3_column_text(st, 2), &err);
	info->deleted = sqlite3_column_int(st, 3) == MLOPS_RUNS__DELETED;
	info->creation_ms = sqlite3_column_int64(st, 4);
	info->last_update_ms = sqlite3_column_int64(st, 5);
	if (err)
		return err;
	mlops_runs__list tags = { 0 };
	int rc = mlops_runs__kv_fill(&tags, store,
	                             "SELECT key, value FROM runs_experiment_tags WHERE experiment_id = ? ORDER BY key",
	                             id);
	if (!rc && tags.n) {
		mlops_runs_kv *arr = mlops_runs__arena_alloc(a, tags.n * sizeof(*arr), &err);
		if (arr) {
			mlops_runs_kv *src = tags.items;
			for (size_t i = 0; i < tags.n; i++) {
				arr[i].key = mlops_runs__arena_strdup(a, src[i].key, &err);
				arr[i].value = mlops_runs__arena_strdup(a, src[i].value, &err);
			}
			info->tags = arr;
			info->n_tags = tags.n;
		}
		rc = err;
	}
	mlops_runs__list_free(&tags);
	return rc;
}

static int exp_get_where(mlops_experiment_info **out, mlops_store *store, const char *sql, int64_t id,
                         const char *name, const char *what)
{
	*out = NULL;
	exp_holder *h = mlops__calloc(1, sizeof(*h));
	if (!h)
		return MLOPS_ENOMEM;
	mlops_db *db = mlops_store__db(store);
	int rc = mlops__db_begin_read(db);
	if (rc) {
		free(h);
		return rc;
	}
	sqlite3_stmt *st;
	if ((rc = mlops__db_prepare(&st, db, sql)) == 0) {
		if (name)
			rc = mlops__db_bind_text(st, 1, name);
		else
			sqlite3_bind_int64(st, 1, id);
		if (!rc) {
			rc = mlops__db_step(db, st, "cannot read experiment");
			if (rc == 1)
				rc = exp_read(&h->info, &h->arena, store, st);
			else if (rc == 0)
				rc = mlops__error(MLOPS_ENOTFOUND, "experiment %s not found", what);
		}
		mlops__db_done(st);
	}
	mlops__db_commit(db);
	if (rc) {
		mlops_runs__arena_free(&h->arena);
		free(h);
		return rc;
	}
	*out = &h->info;
	return 0;
}

int mlops_experiment_get(mlops_experiment_info **out, mlops_store *store, const char *experiment_id)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_experiment_get: NULL argument");
	*out = NULL;
	int64_t id;
	int rc = mlops_runs__parse_experiment_id(&id, experiment_id);
	if (rc)
		return rc;
	return exp_get_where(out, store, "SELECT " EXP_COLUMNS " FROM runs_experiments WHERE id = ?", id, NULL,
	                     experiment_id);
}

int mlops_experiment_get_by_name(mlops_experiment_info **out, mlops_store *store, const char *name)
{
	if (!out || !store || !name)
		return mlops__error(MLOPS_EINVAL, "mlops_experiment_get_by_name: NULL argument");
	*out = NULL;
	char what[560];
	snprintf(what, sizeof(what), "'%.540s'", name);
	return exp_get_where(out, store, "SELECT " EXP_COLUMNS " FROM runs_experiments WHERE name = ?", 0, name, what);
}

void mlops_experiment_info_free(mlops_experiment_info *info)
{
	if (!info)
		return;
	exp_holder *h = (exp_holder *)info;
	mlops_runs__arena_free(&h->arena);
	free(h);
}

int mlops_experiment_create(char *out_id, mlops_store *store, const char *name, const char *artifact_location)
{
	if (out_id)
		out_id[0] = '\0';
	if (!store)
		return mlops__error(MLOPS_EINVAL, "mlops_experiment_create: NULL store");
	int rc = mlops_runs__check_experiment_name(name);
	if (rc)
		return rc;
	if (artifact_location && !mlops__utf8_valid(artifact_location, strlen(artifact_location)))
		return mlops__error(MLOPS_EINVAL, "experiment '%s': artifact location is not valid UTF-8", name);
	if ((rc = mlops_runs__begin_write(store, "create experiment")) != 0)
		return rc;
	int64_t id;
	int lifecycle;
	rc = mlops_runs__experiment_lookup(&id, &lifecycle, store, name);
	if (rc == 0) {
		rc = mlops__error(MLOPS_EEXISTS, "experiment '%s' already exists (id %lld%s)", name, (long long)id,
		                  lifecycle == MLOPS_RUNS__DELETED ? ", deleted: restore or rename it" : "");
	} else if (rc == MLOPS_ENOTFOUND) {
		mlops__error_reset();
		rc = mlops_runs__experiment_ensure(&id, store, name, artifact_location, 0, MLOPS_RUNS__ACTIVE);
	}
	rc = mlops_runs__end_tx(mlops_store__db(store), rc);
	if (!rc && out_id)
		exp_id_text(out_id, id);
	return rc;
}

int mlops_experiment_list_options_init(mlops_experiment_list_options *opts, unsigned int version)
{
	if (!opts)
		return mlops__error(MLOPS_EINVAL, "mlops_experiment_list_options_init: NULL options");
	if (version != MLOPS_EXPERIMENT_LIST_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown experiment list options version %u", version);
	mlops_experiment_list_options d = MLOPS_EXPERIMENT_LIST_OPTIONS_INIT;
	*opts = d;
	return 0;
}

/* The lifecycle condition of a view, or NULL for a bad view (0 means active only). */
const char *mlops_runs__view_sql(int view)
{
	switch (view) {
	case 0:
	case MLOPS_VIEW_ACTIVE_ONLY: return "lifecycle = 0";
	case MLOPS_VIEW_DELETED_ONLY: return "lifecycle = 1";
	case MLOPS_VIEW_ALL: return "lifecycle IN (0, 1)";
	default: return NULL;
	}
}

/* SQLite's LIKE ignores ASCII case; the contract is MLflow's case-sensitive LIKE, which GLOB gives once the
 * pattern is translated ('%' -> '*', '_' -> '?', GLOB's own specials bracketed). */
static char *like_to_glob(const char *like)
{
	mlops_buf b = MLOPS_BUF_INIT;
	int rc = mlops__buf_puts(&b, "");
	for (const char *p = like; *p && !rc; p++) {
		switch (*p) {
		case '%': rc = mlops__buf_putc(&b, '*'); break;
		case '_': rc = mlops__buf_putc(&b, '?'); break;
		case '*': rc = mlops__buf_puts(&b, "[*]"); break;
		case '?': rc = mlops__buf_puts(&b, "[?]"); break;
		case '[': rc = mlops__buf_puts(&b, "[[]"); break;
		default: rc = mlops__buf_putc(&b, *p); break;
		}
	}
	if (rc) {
		mlops__buf_free(&b);
		return NULL;
	}
	return mlops__buf_detach(&b);
}

int mlops_experiment_list(mlops_experiment_iter **out, mlops_store *store, const mlops_experiment_list_options *opts)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_experiment_list: NULL argument");
	*out = NULL;
	mlops_experiment_list_options d = MLOPS_EXPERIMENT_LIST_OPTIONS_INIT;
	if (!opts)
		opts = &d;
	if (opts->version != MLOPS_EXPERIMENT_LIST_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown experiment list options version %u", opts->version);
	const char *view = mlops_runs__view_sql(opts->view);
	if (!view)
		return mlops__error(MLOPS_EINVAL, "experiment list: unknown view type %d", opts->view);
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT " EXP_COLUMNS " FROM runs_experiments WHERE %s AND (?1 IS NULL OR name GLOB ?1)"
	         " ORDER BY id", view);
	char *glob = NULL;
	if (opts->name_like && !(glob = like_to_glob(opts->name_like)))
		return MLOPS_ENOMEM;
	mlops_experiment_iter *it = mlops__calloc(1, sizeof(*it));
	if (!it) {
		free(glob);
		return MLOPS_ENOMEM;
	}
	mlops_db *db = mlops_store__db(store);
	int rc = mlops__db_begin_read(db);
	if (rc) {
		free(glob);
		free(it);
		return rc;
	}
	sqlite3_stmt *st;
	if ((rc = mlops__db_prepare(&st, db, sql)) == 0) {
		if ((rc = mlops__db_bind_text(st, 1, glob)) == 0) {
			while ((rc = mlops__db_step(db, st, "cannot list experiments")) == 1) {
				mlops_experiment_info info;
				if ((rc = exp_read(&info, &it->list.arena, store, st)) != 0 ||
				    (rc = mlops_runs__list_push(&it->list, &info, sizeof(info))) != 0)
					break;
			}
		}
		mlops__db_done(st);
	}
	mlops__db_commit(db);
	free(glob);
	if (rc) {
		mlops_experiment_iter_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

MLOPS_RUNS__LIST_ITER(mlops_experiment_next, mlops_experiment_iter_free, mlops_experiment_iter, mlops_experiment_info)

/* Parse the id, open a write transaction and check that the experiment exists (and is active unless
 * any_state). On success the transaction is open. */
static int exp_begin(int64_t *id, int *lifecycle, mlops_store *store, const char *experiment_id, const char *what,
                     bool any_state)
{
	if (!store)
		return mlops__error(MLOPS_EINVAL, "%s: NULL store", what);
	int rc = mlops_runs__parse_experiment_id(id, experiment_id);
	if (rc)
		return rc;
	if ((rc = mlops_runs__begin_write(store, what)) != 0)
		return rc;
	rc = mlops_runs__experiment_state(lifecycle, store, *id);
	if (!rc && !any_state && *lifecycle == MLOPS_RUNS__DELETED)
		rc = mlops__error(MLOPS_ECONFLICT, "%s: experiment %s is deleted; restore it first", what, experiment_id);
	if (rc)
		mlops__db_rollback(mlops_store__db(store));
	return rc;
}

static int exp_exec(mlops_store *store, const char *sql, int64_t id, const char *t1, const char *t2,
                    const char *what, int *changes)
{
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, sql);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	if ((!t1 || (rc = mlops__db_bind_text(st, 2, t1)) == 0) && (!t2 || (rc = mlops__db_bind_text(st, 3, t2)) == 0))
		rc = mlops__db_step(db, st, what);
	if (rc >= 0 && changes)
		*changes = sqlite3_changes(mlops__db_sqlite(db));
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

int mlops_experiment_rename(mlops_store *store, const char *experiment_id, const char *new_name)
{
	int rc = mlops_runs__check_experiment_name(new_name);
	if (rc)
		return rc;
	int64_t id;
	int lc;
	if ((rc = exp_begin(&id, &lc, store, experiment_id, "rename experiment", false)) != 0)
		return rc;
	char now[24];
	snprintf(now, sizeof(now), "%lld", (long long)mlops__now_ms());
	rc = exp_exec(store, "UPDATE runs_experiments SET name = ?2, last_update_ms = CAST(?3 AS INTEGER) WHERE id = ?1",
	              id, new_name, now, "cannot rename experiment", NULL);
	if (rc == MLOPS_EEXISTS)
		rc = mlops__error(MLOPS_EEXISTS, "cannot rename experiment %s: an experiment named '%s' exists",
		                  experiment_id, new_name);
	if (!rc)
		rc = mlops_runs__audit(store, "experiment.rename", "experiment", experiment_id, "name", new_name, NULL,
		                       NULL);
	return mlops_runs__end_tx(mlops_store__db(store), rc);
}

int mlops_experiment_set_tag(mlops_store *store, const char *experiment_id, const char *key, const char *value)
{
	int rc = mlops_runs__check_key("experiment tag", key);
	if (!rc)
		rc = mlops_runs__check_value("experiment tag", key, value, MLOPS_RUNS__MAX_TAG_VALUE);
	if (rc)
		return rc;
	int64_t id;
	int lc;
	if ((rc = exp_begin(&id, &lc, store, experiment_id, "set experiment tag", false)) != 0)
		return rc;
	rc = exp_exec(store,
	              "INSERT INTO runs_experiment_tags (experiment_id, key, value) VALUES (?1, ?2, ?3) "
	              "ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value",
	              id, key, value, "cannot set experiment tag", NULL);
	if (!rc)
		rc = mlops_runs__audit(store, "experiment.tag.set", "experiment", experiment_id, "key", key, "value",
		                       value);
	return mlops_runs__end_tx(mlops_store__db(store), rc);
}

int mlops_experiment_delete_tag(mlops_store *store, const char *experiment_id, const char *key)
{
	int rc = mlops_runs__check_key("experiment tag", key);
	if (rc)
		return rc;
	int64_t id;
	int lc, changes = 0;
	if ((rc = exp_begin(&id, &lc, store, experiment_id, "delete experiment tag", false)) != 0)
		return rc;
	rc = exp_exec(store, "DELETE FROM runs_experiment_tags WHERE experiment_id = ?1 AND key = ?2", id, key, NULL,
	              "cannot delete experiment tag", &changes);
	if (!rc && changes == 0)
		rc = mlops__error(MLOPS_ENOTFOUND, "experiment %s has no tag '%s'", experiment_id, key);
	if (!rc)
		rc = mlops_runs__audit(store, "experiment.tag.delete", "experiment", experiment_id, "key", key, NULL,
		                       NULL);
	return mlops_runs__end_tx(mlops_store__db(store), rc);
}

/* The statements of a lifecycle change: the experiment row (?1 id, ?2 now) and its runs (?1 id, ?2 now when
 * runs_now). */
typedef struct exp_lifecycle {
	const char *what;
	const char *exp_sql;
	const char *exp_fail;
	const char *runs_sql;
	const char *runs_fail;
	bool runs_now;
	const char *audit;
} exp_lifecycle;

static const exp_lifecycle exp_delete = {
	"delete experiment",
	"UPDATE runs_experiments SET lifecycle = 1, deleted_ms = CAST(?2 AS INTEGER), "
	"last_update_ms = CAST(?2 AS INTEGER) WHERE id = ?1",
	"cannot delete experiment",
	"UPDATE runs_runs SET lifecycle = 1, deleted_ms = CAST(?2 AS INTEGER), "
	"deleted_by_experiment = 1 WHERE experiment_id = ?1 AND lifecycle = 0",
	"cannot delete the experiment's runs",
	true,
	"experiment.delete",
};

static const exp_lifecycle exp_restore = {
	"restore experiment",
	"UPDATE runs_experiments SET lifecycle = 0, deleted_ms = NULL, "
	"last_update_ms = CAST(?2 AS INTEGER) WHERE id = ?1",
	"cannot restore experiment",
	"UPDATE runs_runs SET lifecycle = 0, deleted_ms = NULL, deleted_by_experiment = 0 "
	"WHERE experiment_id = ?1 AND deleted_by_experiment = 1",
	"cannot restore the experiment's runs",
	false,
	"experiment.restore",
};

/* Delete or restore an experiment and the runs its deletion hid, with the audit row, in one write transaction. */
static int exp_set_lifecycle(mlops_store *store, const char *experiment_id, const exp_lifecycle *op)
{
	int64_t id;
	int lc;
	int rc = exp_begin(&id, &lc, store, experiment_id, op->what, true);
	if (rc)
		return rc;
	if (op == &exp_delete && id == 0)
		rc = mlops__error(MLOPS_EINVAL, "the Default experiment (id 0) cannot be deleted");
	else if (op == &exp_delete && lc == MLOPS_RUNS__DELETED)
		rc = mlops__error(MLOPS_ECONFLICT, "experiment %s is already deleted", experiment_id);
	else if (op == &exp_restore && lc != MLOPS_RUNS__DELETED)
		rc = mlops__error(MLOPS_ECONFLICT, "experiment %s is not deleted", experiment_id);
	char now[24];
	snprintf(now, sizeof(now), "%lld", (long long)mlops__now_ms());
	if (!rc)
		rc = exp_exec(store, op->exp_sql, id, now, NULL, op->exp_fail, NULL);
	if (!rc)
		rc = exp_exec(store, op->runs_sql, id, op->runs_now ? now : NULL, NULL, op->runs_fail, NULL);
	if (!rc)
		rc = mlops_runs__audit(store, op->audit, "experiment", experiment_id, NULL, NULL, NULL, NULL);
	return mlops_runs__end_tx(mlops_store__db(store), rc);
}

int mlops_experiment_delete(mlops_store *store, const char *experiment_id)
{
	return exp_set_lifecycle(store, experiment_id, &exp_delete);
}

int mlops_experiment_restore(mlops_store *store, const char *experiment_id)
{
	return exp_set_lifecycle(store, experiment_id, &exp_restore);
}

int mlops_experiment_tags(mlops_runs_kv_iter **out, mlops_store *store, const char *experiment_id)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_experiment_tags: NULL argument");
	*out = NULL;
	int64_t id;
	int lc;
	int rc = mlops_runs__parse_experiment_id(&id, experiment_id);
	if (rc)
		return rc;
	mlops_db *db = mlops_store__db(store);
	if ((rc = mlops__db_begin_read(db)) != 0)
		return rc;
	rc = mlops_runs__experiment_state(&lc, store, id);
	if (!rc)
		rc = mlops_runs__kv_query(out, store,
		                          "SELECT key, value FROM runs_experiment_tags WHERE experiment_id = ? ORDER BY key",
		                          id);
	mlops__db_commit(db);
	return rc;
}
