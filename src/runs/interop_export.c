/*
 * Export of experiments and runs to MLflow's file-store layout (mlruns/), which MLflow's FileStore and
 * MlflowClient(tracking_uri="file:...") read:
 *   <dir>/<exp_id>/meta.yaml, <dir>/<exp_id>/tags/<key>          (deleted experiments under <dir>/.trash/)
 *   <dir>/<exp_id>/<run_id>/meta.yaml, params/<key>, tags/<key>, metrics/<key> ("<ts_ms> <value> <step>" lines),
 *   artifacts/<path>
 * The meta.yaml keys are those MLflow's FileStore writes (_make_persisted_run_info_dict and the experiment's
 * dict). Keys with '/' become nested files, as MLflow stores them.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runs/runs_int.h"

/* MLflow's SourceType.LOCAL. */
#define MLFLOW_SOURCE_LOCAL 4

int mlops_mlflow_options_init(mlops_mlflow_options *opts, unsigned int version)
{
	if (!opts)
		return mlops__error(MLOPS_EINVAL, "mlops_mlflow_options_init: NULL options");
	if (version != MLOPS_MLFLOW_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown mlflow options version %u", version);
	mlops_mlflow_options d = MLOPS_MLFLOW_OPTIONS_INIT;
	*opts = d;
	return 0;
}

/* A YAML scalar for a string: single-quoted (quotes doubled), or double-quoted with escapes when it holds control
 * characters, which single quotes cannot carry. */
static int yaml_str(mlops_buf *b, const char *s)
{
	int ctrl = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			ctrl = 1;
	int rc = mlops__buf_putc(b, ctrl ? '"' : '\'');
	for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
		if (!ctrl)
			rc = *p == '\'' ? mlops__buf_puts(b, "''") : mlops__buf_putc(b, (char)*p);
		else if (*p == '"' || *p == '\\')
			rc = mlops__buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			rc = mlops__buf_puts(b, "\\n");
		else if (*p == '\t')
			rc = mlops__buf_puts(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			rc = mlops__buf_printf(b, "\\x%02x", *p);
		else
			rc = mlops__buf_putc(b, (char)*p);
	}
	return rc ? rc : mlops__buf_putc(b, ctrl ? '"' : '\'');
}

static int write_file(const char *path, const void *data, size_t n)
{
	int rc = mlops__file_write_atomic(path, data, n, false);
	return rc ? mlops__error_prefix("mlflow export: cannot write '%s'", path) : 0;
}

/* End the YAML text in b with a newline and write it as dir/meta.yaml, unless rc already holds an error; b is
 * freed either way. Returns the final code. */
static int write_meta(int rc, const char *dir, mlops_buf *b)
{
	if (!rc)
		rc = mlops__buf_putc(b, '\n');
	char *meta = NULL;
	if (!rc && !(meta = mlops__path_join(dir, "meta.yaml")))
		rc = MLOPS_ENOMEM;
	if (!rc)
		rc = write_file(meta, b->data, b->len);
	free(meta);
	mlops__buf_free(b);
	return rc;
}

/* Write value to <dir>/<key>, creating the directories a key with '/' needs. */
static int write_keyed(const char *dir, const char *key, const char *value)
{
	char *path = mlops__path_join(dir, key);
	if (!path)
		return MLOPS_ENOMEM;
	int rc = 0;
	char *slash = strrchr(path, '/');
	if (slash && slash > path + strlen(dir)) {
		*slash = '\0';
		rc = mlops__mkdir_p(path, 0755);
		*slash = '/';
	}
	if (!rc)
		rc = write_file(path, value, strlen(value));
	free(path);
	return rc;
}

static int mkdir_in(char **out, const char *parent, const char *name)
{
	*out = mlops__path_join(parent, name);
	if (!*out)
		return MLOPS_ENOMEM;
	return mlops__mkdir_p(*out, 0755);
}

typedef struct export_ctx {
	mlops_store *store;
	const char *root;       /* absolute path of the export directory */
	uint32_t flags;
	int view;
	mlops_mlflow_stats st;
} export_ctx;

static int export_kv(export_ctx *x, const char *run_dir, const char *sub, mlops_runs_kv_iter *it, uint64_t *count)
{
	char *dir = NULL;
	int rc = mkdir_in(&dir, run_dir, sub);
	const mlops_runs_kv *kv;
	while (!rc && (rc = mlops_runs_kv_next(&kv, it)) == 0) {
		rc = write_keyed(dir, kv->key, kv->value);
		(*count)++;
	}
	free(dir);
	return rc == MLOPS_ITEROVER ? 0 : rc;
}

static int export_metrics(export_ctx *x, const char *run_dir, const char *run_id)
{
	char *dir = NULL;
	int rc = mkdir_in(&dir, run_dir, "metrics");
	mlops_metric_iter *it = NULL;
	if (!rc)
		rc = mlops_runs_metrics(&it, x->store, run_id);
	const mlops_metric_summary *m;
	mlops_buf b = MLOPS_BUF_INIT;
	while (!rc && (rc = mlops_metric_next(&m, it)) == 0) {
		mlops_metric_history *h = NULL;
		if ((rc = mlops_runs_metric_history(&h, x->store, run_id, m->key, NULL)) != 0)
			break;
		size_t n = mlops_metric_history_count(h);
		const int64_t *steps = mlops_metric_history_steps(h);
		const int64_t *ts = mlops_metric_history_timestamps(h);
		const double *vals = mlops_metric_history_values(h);
		mlops__buf_clear(&b);
		rc = mlops__buf_puts(&b, "");
		for (size_t k = 0; k < n && !rc; k++) {
			char num[32];
			mlops__fmt_double(num, vals[k]);
			rc = mlops__buf_printf(&b, "%lld %s %lld\n", (long long)ts[k], num, (long long)steps[k]);
		}
		mlops_metric_history_free(h);
		if (!rc)
			rc = write_keyed(dir, m->key, b.data);
		x->st.metric_points += n;
	}
	mlops__buf_free(&b);
	mlops_metric_iter_free(it);
	free(dir);
	return rc == MLOPS_ITEROVER ? 0 : rc;
}

static int export_artifacts(export_ctx *x, const char *run_dir, const char *run_id)
{
	char *dir = NULL;
	int rc = mkdir_in(&dir, run_dir, "artifacts");
	if (rc || (x->flags & MLOPS_MLFLOW_NO_ARTIFACTS)) {
		free(dir);
		return rc;
	}
	mlops_artifact_iter *it = NULL;
	rc = mlops_runs_artifacts(&it, x->store, run_id, NULL);
	const mlops_artifact_info *a;
	uint64_t n = 0, bytes = 0;
	while (!rc && (rc = mlops_artifact_next(&a, it)) == 0) {
		n++;
		bytes += a->size;
	}
	mlops_artifact_iter_free(it);
	if (rc == MLOPS_ITEROVER)
		rc = 0;
	if (!rc && n)
		rc = mlops_runs_artifact_restore(x->store, run_id, NULL, dir);
	if (!rc) {
		x->st.artifacts += n;
		x->st.artifact_bytes += bytes;
	}
	free(dir);
	return rc;
}

static int export_run(export_ctx *x, const char *exp_dir, const mlops_run_info *info, int own_delete)
{
	char *run_dir = NULL;
	int rc = mkdir_in(&run_dir, exp_dir, info->run_id);
	mlops_buf b = MLOPS_BUF_INIT;
	if (!rc)
		rc = mlops__buf_printf(&b, "artifact_uri: ");
	if (!rc)
		rc = mlops__buf_printf(&b, "file://%s/artifacts\n", run_dir);
	if (!rc)
		rc = info->end_ms ? mlops__buf_printf(&b, "end_time: %lld\n", (long long)info->end_ms)
		                  : mlops__buf_puts(&b, "end_time: null\n");
	if (!rc)
		rc = mlops__buf_printf(&b, "entry_point_name: ''\nexperiment_id: ");
	if (!rc)
		rc = yaml_str(&b, info->experiment_id);
	if (!rc)
		rc = mlops__buf_printf(&b, "\nlifecycle_stage: %s\nrun_id: %s\nrun_name: ", own_delete ? "deleted" : "active",
		                       info->run_id);
	if (!rc)
		rc = yaml_str(&b, info->run_name ? info->run_name : "");
	if (!rc)
		rc = mlops__buf_printf(&b, "\nrun_uuid: %s\nsource_name: ''\nsource_type: %d\nsource_version: ''\n"
		                       "start_time: %lld\nstatus: %d\ntags: []\nuser_id: ", info->run_id, MLFLOW_SOURCE_LOCAL,
		                       (long long)info->start_ms, info->status);
	if (!rc)
		rc = yaml_str(&b, info->user ? info->user : "");
	rc = write_meta(rc, run_dir, &b);
	mlops_runs_kv_iter *it = NULL;
	if (!rc && (rc = mlops_runs_params(&it, x->store, info->run_id)) == 0)
		rc = export_kv(x, run_dir, "params", it, &x->st.params);
	mlops_runs_kv_iter_free(it);
	it = NULL;
	if (!rc && (rc = mlops_runs_tags(&it, x->store, info->run_id)) == 0)
		rc = export_kv(x, run_dir, "tags", it, &x->st.tags);
	mlops_runs_kv_iter_free(it);
	if (!rc)
		rc = export_metrics(x, run_dir, info->run_id);
	if (!rc)
		rc = export_artifacts(x, run_dir, info->run_id);
	free(run_dir);
	if (!rc)
		x->st.runs++;
	return rc;
}

/* The runs of one experiment with the flag telling a run deleted on its own from one hidden by its experiment. */
typedef struct run_entry {
	mlops_run_info info;
	int own_delete;
} run_entry;

static int list_runs(mlops_runs__list *l, export_ctx *x, const char *experiment_id)
{
	int64_t eid;
	int rc = mlops_runs__parse_experiment_id(&eid, experiment_id);
	if (rc)
		return rc;
	const char *view = mlops_runs__view_sql(x->view);
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT " MLOPS_RUNS__INFO_COLUMNS ", r.deleted_by_experiment FROM runs_runs r "
	         "WHERE r.experiment_id = ? AND r.%s ORDER BY r.start_ms, r.run_id", view);
	mlops_db *db = mlops_store__db(x->store);
	if ((rc = mlops__db_begin_read(db)) != 0)
		return rc;
	sqlite3_stmt *st;
	if ((rc = mlops__db_prepare(&st, db, sql)) == 0) {
		sqlite3_bind_int64(st, 1, eid);
		while ((rc = mlops__db_step(db, st, "mlflow export: cannot list runs")) == 1) {
			run_entry e;
			if ((rc = mlops_runs__run_info_read(&e.info, &l->arena, st, 0)) != 0)
				break;
			e.own_delete = e.info.deleted && !sqlite3_column_int(st, MLOPS_RUNS__INFO_NCOLS);
			if ((rc = mlops_runs__list_push(l, &e, sizeof(e))) != 0)
				break;
		}
		mlops__db_done(st);
	}
	mlops__db_commit(db);
	return rc;
}

static int exp_dir_path(char **out, const export_ctx *x, const mlops_experiment_info *e)
{
	*out = e->deleted ? mlops__sprintf("%s/.trash/%s", x->root, e->experiment_id)
	                  : mlops__sprintf("%s/%s", x->root, e->experiment_id);
	return *out ? 0 : MLOPS_ENOMEM;
}

static int export_experiment(export_ctx *x, const mlops_experiment_info *e)
{
	char *dir = NULL;
	int rc = exp_dir_path(&dir, x, e);
	if (!rc)
		rc = mlops__mkdir_p(dir, 0755);
	mlops_buf b = MLOPS_BUF_INIT;
	if (!rc)
		rc = mlops__buf_puts(&b, "artifact_location: ");
	if (!rc)
		rc = e->artifact_location && e->artifact_location[0] ? yaml_str(&b, e->artifact_location)
		                                                     : mlops__buf_printf(&b, "file://%s", dir);
	if (!rc)
		rc = mlops__buf_printf(&b, "\ncreation_time: %lld\nexperiment_id: ", (long long)e->creation_ms);
	if (!rc)
		rc = yaml_str(&b, e->experiment_id);
	if (!rc)
		rc = mlops__buf_printf(&b, "\nlast_update_time: %lld\nlifecycle_stage: %s\nname: ",
		                       (long long)e->last_update_ms, e->deleted ? "deleted" : "active");
	if (!rc)
		rc = yaml_str(&b, e->name);
	rc = write_meta(rc, dir, &b);
	if (!rc && e->n_tags) {
		char *tdir = NULL;
		rc = mkdir_in(&tdir, dir, "tags");
		for (size_t k = 0; k < e->n_tags && !rc; k++)
			rc = write_keyed(tdir, e->tags[k].key, e->tags[k].value);
		free(tdir);
	}
	mlops_runs__list runs = {0};
	if (!rc)
		rc = list_runs(&runs, x, e->experiment_id);
	for (size_t k = 0; k < runs.n && !rc; k++) {
		const run_entry *re = (const run_entry *)runs.items + k;
		rc = export_run(x, dir, &re->info, re->own_delete);
	}
	mlops_runs__list_free(&runs);
	free(dir);
	if (!rc)
		x->st.experiments++;
	return rc;
}

/* Every experiment to export, owned by the caller (free each with mlops_experiment_info_free()). */
static int collect(mlops_experiment_info ***out, size_t *out_n, export_ctx *x, const mlops_mlflow_options *o)
{
	*out = NULL;
	*out_n = 0;
	size_t cap = 16, n = 0;
	mlops_experiment_info **v = mlops__calloc(cap, sizeof(*v));
	if (!v)
		return MLOPS_ENOMEM;
	int rc = 0;
	if (o->experiment_ids) {
		for (size_t k = 0; k < o->n_experiment_ids && !rc; k++) {
			if (n == cap) {
				mlops_experiment_info **nv = mlops__realloc(v, 2 * cap * sizeof(*v));
				if (!nv) {
					rc = MLOPS_ENOMEM;
					break;
				}
				v = nv;
				cap *= 2;
			}
			if (!o->experiment_ids[k])
				rc = mlops__error(MLOPS_EINVAL, "mlflow export: experiment id %zu is NULL", k);
			else if ((rc = mlops_experiment_get(&v[n], x->store, o->experiment_ids[k])) == 0)
				n++;
		}
	} else {
		mlops_experiment_list_options lo = MLOPS_EXPERIMENT_LIST_OPTIONS_INIT;
		lo.view = x->view;
		mlops_experiment_iter *it = NULL;
		rc = mlops_experiment_list(&it, x->store, &lo);
		const mlops_experiment_info *e;
		while (!rc && (rc = mlops_experiment_next(&e, it)) == 0) {
			if (n == cap) {
				mlops_experiment_info **nv = mlops__realloc(v, 2 * cap * sizeof(*v));
				if (!nv) {
					rc = MLOPS_ENOMEM;
					break;
				}
				v = nv;
				cap *= 2;
			}
			/* A copy that outlives the iterator. */
			if ((rc = mlops_experiment_get(&v[n], x->store, e->experiment_id)) == 0)
				n++;
		}
		if (rc == MLOPS_ITEROVER)
			rc = 0;
		mlops_experiment_iter_free(it);
	}
	if (rc) {
		for (size_t k = 0; k < n; k++)
			mlops_experiment_info_free(v[k]);
		free(v);
		return rc;
	}
	*out = v;
	*out_n = n;
	return 0;
}

int mlops_runs_export_mlflow(mlops_mlflow_stats *out, mlops_store *store, const char *dir,
                             const mlops_mlflow_options *opts)
{
	mlops_mlflow_options d = MLOPS_MLFLOW_OPTIONS_INIT;
	const mlops_mlflow_options *o = opts ? opts : &d;
	int rc = mlops_runs__check_mlflow_args(store, dir, o, out, "mlops_runs_export_mlflow");
	if (rc)
		return rc;
	if (o->n_experiment_ids && !o->experiment_ids)
		return mlops__error(MLOPS_EINVAL, "mlflow export: n_experiment_ids is %zu but experiment_ids is NULL",
		                    o->n_experiment_ids);
	export_ctx x = {.store = store, .flags = o->flags, .view = o->view ? o->view : MLOPS_VIEW_ALL};
	if (!mlops_runs__view_sql(x.view))
		return mlops__error(MLOPS_EINVAL, "mlflow export: unknown view type %d", o->view);
	rc = mlops__mkdir_p(dir, 0755);
	if (rc)
		return mlops__error_prefix("mlflow export: cannot create '%s'", dir);
	char *root = realpath(dir, NULL);
	if (!root)
		return mlops__error_errno(errno, "mlflow export: cannot resolve '%s'", dir);
	x.root = root;
	mlops_experiment_info **exps = NULL;
	size_t n = 0;
	rc = collect(&exps, &n, &x, o);
	/* Refuse before writing anything when an experiment directory is already there. */
	for (size_t k = 0; k < n && !rc; k++) {
		char *edir = NULL;
		struct stat sb;
		if ((rc = exp_dir_path(&edir, &x, exps[k])) == 0 && lstat(edir, &sb) == 0)
			rc = mlops__error(MLOPS_EEXISTS, "mlflow export: '%s' exists (experiment '%s'); export into an empty "
			                  "directory", edir, exps[k]->name);
		free(edir);
	}
	for (size_t k = 0; k < n && !rc; k++)
		rc = export_experiment(&x, exps[k]);
	for (size_t k = 0; k < n; k++)
		mlops_experiment_info_free(exps[k]);
	free(exps);
	free(root);
	if (rc)
		return rc;
	if (out) {
		x.st.version = MLOPS_MLFLOW_STATS_VERSION;
		*out = x.st;
	}
	return 0;
}
