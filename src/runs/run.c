/*
 * The run handle: start (experiment resolution, generated names, system tags), resume, params, tags and notes
 * through the handle, end and free. Metric buffering lives in metrics.c, artifacts in artifacts.c.
 */
#include "runs/runs_int.h"

int mlops_run_options_init(mlops_run_options *opts, unsigned int version)
{
	if (!opts)
		return mlops__error(MLOPS_EINVAL, "mlops_run_options_init: NULL options");
	if (version != MLOPS_RUN_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown run options version %u", version);
	mlops_run_options d = MLOPS_RUN_OPTIONS_INIT;
	*opts = d;
	return 0;
}

static int handle_new(mlops_run **out, mlops_store *store, const char *run_id, int64_t experiment_id,
                      const char *name, const mlops_run_options *opts)
{
	mlops_run *run = mlops__calloc(1, sizeof(*run));
	if (!run)
		return MLOPS_ENOMEM;
	if (!(run->name = mlops__strdup(name ? name : ""))) {
		free(run);
		return MLOPS_ENOMEM;
	}
	memcpy(run->run_id, run_id, MLOPS_RUN_ID_BUFSIZE);
	snprintf(run->experiment_id, sizeof(run->experiment_id), "%lld", (long long)experiment_id);
	run->flush_points = opts && opts->flush_points ? opts->flush_points : 10000;
	run->flush_interval_ms = opts && opts->flush_interval_ms ? opts->flush_interval_ms : 5000;
	run->store = store;
	mlops_store__ref(store);
	*out = run;
	return 0;
}

/* The experiment a new run goes to; creates it by name when missing. Inside the write transaction. */
static int resolve_experiment(int64_t *out, mlops_store *store, const mlops_run_options *opts)
{
	int rc, lc = 0;
	if (opts->experiment_id) {
		if ((rc = mlops_runs__parse_experiment_id(out, opts->experiment_id)) != 0 ||
		    (rc = mlops_runs__experiment_state(&lc, store, *out)) != 0)
			return rc;
	} else if (opts->experiment_name) {
		rc = mlops_runs__experiment_lookup(out, &lc, store, opts->experiment_name);
		if (rc == MLOPS_ENOTFOUND) {
			mlops__error_reset();
			return mlops_runs__experiment_ensure(out, store, opts->experiment_name, NULL, 0, MLOPS_RUNS__ACTIVE);
		}
		if (rc)
			return rc;
	} else {
		*out = 0;
		if ((rc = mlops_runs__experiment_state(&lc, store, 0)) != 0)
			return rc;
	}
	if (lc == MLOPS_RUNS__DELETED)
		return mlops__error(MLOPS_ECONFLICT, "experiment %lld is deleted; restore it before starting runs in it",
		                    (long long)*out);
	return 0;
}

static int check_tag(const char *key, const char *value)
{
	int rc = mlops_runs__check_key("tag", key);
	return rc ? rc : mlops_runs__check_value("tag", key, value, MLOPS_RUNS__MAX_TAG_VALUE);
}

int mlops_run_start(mlops_run **out, mlops_store *store, const mlops_run_options *opts)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_run_start: NULL argument");
	*out = NULL;
	mlops_run_options d = MLOPS_RUN_OPTIONS_INIT;
	if (!opts)
		opts = &d;
	if (opts->version != MLOPS_RUN_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown run options version %u", opts->version);
	int rc;
	if (opts->experiment_name && !opts->experiment_id && (rc = mlops_runs__check_experiment_name(opts->experiment_name)))
		return rc;
	if (opts->parent_run_id && (rc = mlops_runs__check_run_id(opts->parent_run_id)) != 0)
		return mlops__error_prefix("parent run");
	if (opts->n_tags && (!opts->tag_keys || !opts->tag_values))
		return mlops__error(MLOPS_EINVAL, "start run: n_tags is %zu but tag_keys or tag_values is NULL",
		                    opts->n_tags);
	for (size_t i = 0; i < opts->n_tags; i++)
		if ((rc = check_tag(opts->tag_keys[i], opts->tag_values[i])) != 0)
			return rc;

	char name[MLOPS_RUNS__MAX_TAG_VALUE + 1];
	if (mlops__str_empty(opts->run_name)) {
		if ((rc = mlops_runs__generate_name(name, sizeof(name))) != 0)
			return rc;
	} else {
		if ((rc = mlops_runs__check_value("run name", opts->run_name, opts->run_name, 250)) != 0)
			return rc;
		snprintf(name, sizeof(name), "%s", opts->run_name);
	}
	const char *sys_keys[] = { MLOPS_TAG_RUN_NAME, MLOPS_TAG_USER, MLOPS_TAG_PARENT_RUN_ID, MLOPS_TAG_SOURCE_NAME,
		                   MLOPS_TAG_SOURCE_TYPE, MLOPS_TAG_GIT_COMMIT, MLOPS_TAG_GIT_BRANCH,
		                   MLOPS_TAG_GIT_REPO_URL };
	const char *sys_values[] = { name, mlops_store__actor(store), opts->parent_run_id, opts->source_name,
		                     opts->source_type, opts->git_commit, opts->git_branch, opts->git_repo_url };
	for (size_t i = 0; i < sizeof(sys_keys) / sizeof(sys_keys[0]); i++)
		if (sys_values[i] && (rc = check_tag(sys_keys[i], sys_values[i])) != 0)
			return rc;

	char run_id[MLOPS_RUN_ID_BUFSIZE];
	if ((rc = mlops__random_hex32(run_id)) != 0)
		return rc;
	if ((rc = mlops_runs__begin_write(store, "start run")) != 0)
		return rc;
	int64_t experiment_id = 0, rid = 0;
	rc = resolve_experiment(&experiment_id, store, opts);
	if (!rc && opts->parent_run_id) {
		mlops_runs__run_state parent;
		rc = mlops_runs__run_lookup(&parent, store, opts->parent_run_id);
		if (rc)
			mlops__error_prefix("parent run");
	}
	if (!rc) {
		mlops_run_info info = { .run_id = run_id, .run_name = name, .user = mlops_store__actor(store),
			                .parent_run_id = opts->parent_run_id, .status = MLOPS_RUN_RUNNING,
			                .start_ms = opts->start_ms ? opts->start_ms : mlops__now_ms() };
		rc = mlops_runs__insert_run(&rid, store, experiment_id, &info, "run.start");
	}
	for (size_t i = 0; !rc && i < sizeof(sys_keys) / sizeof(sys_keys[0]); i++)
		if (sys_values[i])
			rc = mlops_runs__put_tag(store, rid, sys_keys[i], sys_values[i]);
	for (size_t i = 0; !rc && i < opts->n_tags; i++)
		rc = mlops_runs__put_tag(store, rid, opts->tag_keys[i], opts->tag_values[i]);
	if ((rc = mlops_runs__end_tx(mlops_store__db(store), rc)) != 0)
		return rc;
	return handle_new(out, store, run_id, experiment_id, name, opts);
}

int mlops_run_resume(mlops_run **out, mlops_store *store, const char *run_id)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_run_resume: NULL argument");
	*out = NULL;
	mlops_runs__run_state st;
	int rc = mlops_runs__begin_run_write(&st, store, run_id, "resume run", true, true);
	if (rc)
		return rc;
	mlops_db *db = mlops_store__db(store);
	char *name = NULL;
	sqlite3_stmt *s;
	if ((rc = mlops__db_prepare(&s, db, "UPDATE runs_runs SET status = 1, end_ms = NULL WHERE rid = ? "
	                                    "RETURNING name")) == 0) {
		sqlite3_bind_int64(s, 1, st.rid);
		rc = mlops__db_step(db, s, "cannot resume run");
		if (rc == 1) {
			name = mlops__strdup((const char *)sqlite3_column_text(s, 0));
			rc = name ? 0 : MLOPS_ENOMEM;
			/* RETURNING rows must be stepped to completion for the update to finish cleanly. */
			while (!rc && (rc = mlops__db_step(db, s, "cannot resume run")) == 1)
				;
		}
		mlops__db_done(s);
	}
	if (rc >= 0)
		rc = mlops_runs__audit(store, "run.resume", "run", run_id, "previous_status",
		                       mlops_run_status_name(st.status), NULL, NULL);
	if ((rc = mlops_runs__end_tx(db, rc < 0 ? rc : 0)) == 0)
		rc = handle_new(out, store, run_id, st.experiment_id, name, NULL);
	free(name);
	return rc;
}

const char *mlops_run_id(const mlops_run *run)
{
	return run ? run->run_id : "";
}

const char *mlops_run_experiment_id(const mlops_run *run)
{
	return run ? run->experiment_id : "";
}

const char *mlops_run_name(const mlops_run *run)
{
	return run ? run->name : "";
}

static int handle_check(mlops_run *run, const char *what, bool annotation)
{
	if (!run)
		return mlops__error(MLOPS_EINVAL, "%s: NULL run", what);
	if (run->ended && !annotation)
		return mlops__error(MLOPS_ECONFLICT, "%s: run %s has ended; resume it to log more", what, run->run_id);
	return 0;
}

/* Params through a handle or by id: validated, then stored in one transaction. */
int mlops_runs__log_params(mlops_store *store, const char *run_id, const char *const *keys,
                           const char *const *values, size_t n, uint32_t flags, bool owner)
{
	if (n && (!keys || !values))
		return mlops__error(MLOPS_EINVAL, "log params: keys and values must not be NULL");
	if (flags & ~MLOPS_PARAM_OVERWRITE)
		return mlops__error(MLOPS_EINVAL, "log param: unknown flags 0x%x", (unsigned)flags);
	int rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = mlops_runs__check_key("param", keys[i])) != 0 ||
		    (rc = mlops_runs__check_value("param", keys[i], values[i], MLOPS_RUNS__MAX_PARAM_VALUE)) != 0)
			return rc;
	}
	mlops_runs__run_state st;
	if ((rc = mlops_runs__begin_run_write(&st, store, run_id, "log param", false, owner)) != 0)
		return rc;
	for (size_t i = 0; i < n && !rc; i++)
		rc = mlops_runs__put_param(store, st.rid, run_id, keys[i], values[i], flags);
	return mlops_runs__end_tx(mlops_store__db(store), rc);
}

int mlops_run_log_param_ex(mlops_run *run, const char *key, const char *value, uint32_t flags)
{
	int rc = handle_check(run, "log param", false);
	return rc ? rc : mlops_runs__log_params(run->store, run->run_id, &key, &value, 1, flags, true);
}

int mlops_run_log_param(mlops_run *run, const char *key, const char *value)
{
	return mlops_run_log_param_ex(run, key, value, 0);
}

int mlops_run_log_params(mlops_run *run, const char *const *keys, const char *const *values, size_t n)
{
	int rc = handle_check(run, "log params", false);
	return rc ? rc : mlops_runs__log_params(run->store, run->run_id, keys, values, n, 0, true);
}

int mlops_runs__set_tag(mlops_store *store, const char *run_id, const char *key, const char *value)
{
	int rc = check_tag(key, value);
	if (rc)
		return rc;
	mlops_runs__run_state st;
	if ((rc = mlops_runs__begin_run_write(&st, store, run_id, "set tag", true, true)) != 0)
		return rc;
	rc = mlops_runs__put_tag(store, st.rid, key, value);
	if (!rc && strcmp(key, MLOPS_TAG_RUN_NAME) == 0) {
		/* The run name is both an attribute and the mlflow.runName tag, as in MLflow: keep them equal. */
		mlops_db *db = mlops_store__db(store);
		sqlite3_stmt *s;
		if ((rc = mlops__db_prepare(&s, db, "UPDATE runs_runs SET name = ? WHERE rid = ?")) == 0) {
			if ((rc = mlops__db_bind_text(s, 1, value)) == 0) {
				sqlite3_bind_int64(s, 2, st.rid);
				rc = mlops__db_step(db, s, "cannot rename run");
			}
			mlops__db_done(s);
		}
		rc = rc < 0 ? rc : 0;
	}
	if (!rc)
		rc = mlops_runs__audit(store, "tag.set", "run", run_id, "key", key, "value", value);
	return mlops_runs__end_tx(mlops_store__db(store), rc);
}

int mlops_runs__delete_tag(mlops_store *store, const char *run_id, const char *key)
{
	int rc = mlops_runs__check_key("tag", key);
	if (rc)
		return rc;
	mlops_runs__run_state st;
	if ((rc = mlops_runs__begin_run_write(&st, store, run_id, "delete tag", true, true)) != 0)
		return rc;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *s;
	if ((rc = mlops__db_prepare(&s, db, "DELETE FROM runs_tags WHERE rid = ? AND key = ?")) == 0) {
		sqlite3_bind_int64(s, 1, st.rid);
		if ((rc = mlops__db_bind_text(s, 2, key)) == 0)
			rc = mlops__db_step(db, s, "cannot delete tag");
		if (rc == 0 && sqlite3_changes(mlops__db_sqlite(db)) == 0)
			rc = mlops__error(MLOPS_ENOTFOUND, "run %s has no tag '%s'", run_id, key);
		mlops__db_done(s);
	}
	if (!rc)
		rc = mlops_runs__audit(store, "tag.delete", "run", run_id, "key", key, NULL, NULL);
	return mlops_runs__end_tx(db, rc < 0 ? rc : 0);
}

int mlops_run_set_tag(mlops_run *run, const char *key, const char *value)
{
	int rc = handle_check(run, "set tag", true);
	if (!rc && (rc = mlops_runs__set_tag(run->store, run->run_id, key, value)) == 0 &&
	    strcmp(key, MLOPS_TAG_RUN_NAME) == 0) {
		char *n = mlops__strdup(value);
		if (n) {
			free(run->name);
			run->name = n;
		}
	}
	return rc;
}

int mlops_run_delete_tag(mlops_run *run, const char *key)
{
	int rc = handle_check(run, "delete tag", true);
	return rc ? rc : mlops_runs__delete_tag(run->store, run->run_id, key);
}

int mlops_run_set_note(mlops_run *run, const char *text)
{
	return mlops_run_set_tag(run, MLOPS_TAG_NOTE, text);
}

/* Set a terminal status; shared by mlops_run_end and mlops_runs_set_terminated. */
int mlops_runs__terminate(mlops_store *store, const char *run_id, int status, int64_t end_ms)
{
	if (status != MLOPS_RUN_FINISHED && status != MLOPS_RUN_FAILED && status != MLOPS_RUN_KILLED)
		return mlops__error(MLOPS_EINVAL, "end run %s: status %d (%s) is not FINISHED, FAILED or KILLED",
		                    run_id ? run_id : "(null)", status, mlops_run_status_name(status));
	mlops_runs__run_state st;
	int rc = mlops_runs__begin_run_write(&st, store, run_id, "end run", true, true);
	if (rc)
		return rc;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *s;
	if ((rc = mlops__db_prepare(&s, db, "UPDATE runs_runs SET status = ?, end_ms = ? WHERE rid = ?")) == 0) {
		sqlite3_bind_int(s, 1, status);
		sqlite3_bind_int64(s, 2, end_ms ? end_ms : mlops__now_ms());
		sqlite3_bind_int64(s, 3, st.rid);
		rc = mlops__db_step(db, s, "cannot end run");
		mlops__db_done(s);
	}
	if (rc >= 0)
		rc = mlops_runs__audit(store, "run.end", "run", run_id, "status", mlops_run_status_name(status), NULL,
		                       NULL);
	return mlops_runs__end_tx(db, rc < 0 ? rc : 0);
}

int mlops_run_end(mlops_run *run, int status)
{
	if (!run)
		return mlops__error(MLOPS_EINVAL, "mlops_run_end: NULL run");
	if (status != MLOPS_RUN_FINISHED && status != MLOPS_RUN_FAILED && status != MLOPS_RUN_KILLED)
		return mlops__error(MLOPS_EINVAL, "end run %s: status %d (%s) is not FINISHED, FAILED or KILLED",
		                    run->run_id, status, mlops_run_status_name(status));
	int rc = mlops_runs__flush(run);
	if (rc)
		return rc;
	if ((rc = mlops_runs__terminate(run->store, run->run_id, status, 0)) != 0)
		return rc;
	run->ended = true;
	return 0;
}

void mlops_run_free(mlops_run *run)
{
	if (!run)
		return;
	if (run->buffered)
		mlops_runs__flush(run);
	mlops_runs__series_free(run);
	mlops_store__unref(run->store);
	free(run->name);
	free(run);
}
