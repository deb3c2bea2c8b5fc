/*
 * Unit tests of MLflow interop (export to and import from the mlruns/ file-store layout: round trip, files as
 * MLflow writes them, malformed input) and of run comparison.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "runs/runs_int.h"

typedef struct fx {
	char *dir;
	mlops_store *a;
	mlops_store *b;
} fx;

static mlops_store *open_store(const char *dir, const char *name)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.sync = MLOPS_SYNC_OFF;
	o.actor = "alice";
	mlops_store *s;
	th_ok(mlops_store_open(&s, path, &o));
	return s;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	f->dir = th_tmpdir("interop");
	f->a = open_store(f->dir, "a");
	f->b = open_store(f->dir, "b");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	mlops_store_free(f->a);
	mlops_store_free(f->b);
	th_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static char *read_text(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot open %s", path);
	char *buf = calloc(1, 1 << 16);
	size_t n = fread(buf, 1, (1 << 16) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void write_text(const char *path, const char *text)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	th_write_file(path, text, strlen(text));
}

static char *run_in(mlops_store *s, const char *exp, const char *name, int64_t start)
{
	mlops_run_options o = MLOPS_RUN_OPTIONS_INIT;
	o.experiment_id = exp;
	o.run_name = name;
	o.start_ms = start;
	mlops_run *r;
	th_ok(mlops_run_start(&r, s, &o));
	char *id = strdup(mlops_run_id(r));
	mlops_run_free(r);
	return id;
}

/* Every param, tag, metric point and artifact of run_id must be the same in both stores. */
static void assert_same_run(mlops_store *a, mlops_store *b, const char *run_id)
{
	mlops_run_info *ia, *ib;
	th_ok(mlops_runs_get(&ia, a, run_id));
	th_ok(mlops_runs_get(&ib, b, run_id));
	assert_string_equal(ia->run_name, ib->run_name);
	assert_string_equal(ia->user, ib->user);
	assert_int_equal(ia->status, ib->status);
	assert_int_equal(ia->start_ms, ib->start_ms);
	assert_int_equal(ia->end_ms, ib->end_ms);
	assert_int_equal(ia->deleted, ib->deleted);
	if (ia->parent_run_id)
		assert_string_equal(ia->parent_run_id, ib->parent_run_id);
	else
		assert_null(ib->parent_run_id);
	mlops_run_info_free(ia);
	mlops_run_info_free(ib);
	for (int kind = 0; kind < 2; kind++) {
		mlops_runs_kv_iter *ka, *kb;
		th_ok(kind ? mlops_runs_tags(&ka, a, run_id) : mlops_runs_params(&ka, a, run_id));
		th_ok(kind ? mlops_runs_tags(&kb, b, run_id) : mlops_runs_params(&kb, b, run_id));
		const mlops_runs_kv *x, *y;
		int ra, rb;
		while ((ra = mlops_runs_kv_next(&x, ka)) == 0) {
			rb = mlops_runs_kv_next(&y, kb);
			assert_int_equal(rb, 0);
			assert_string_equal(x->key, y->key);
			assert_string_equal(x->value, y->value);
		}
		assert_int_equal(ra, MLOPS_ITEROVER);
		assert_int_equal(mlops_runs_kv_next(&y, kb), MLOPS_ITEROVER);
		mlops_runs_kv_iter_free(ka);
		mlops_runs_kv_iter_free(kb);
	}
	mlops_metric_iter *ma;
	th_ok(mlops_runs_metrics(&ma, a, run_id));
	const mlops_metric_summary *m;
	int rc;
	while ((rc = mlops_metric_next(&m, ma)) == 0) {
		mlops_metric_history *ha, *hb;
		th_ok(mlops_runs_metric_history(&ha, a, run_id, m->key, NULL));
		th_ok(mlops_runs_metric_history(&hb, b, run_id, m->key, NULL));
		size_t n = mlops_metric_history_count(ha);
		assert_int_equal(n, mlops_metric_history_count(hb));
		for (size_t k = 0; k < n; k++) {
			assert_int_equal(mlops_metric_history_steps(ha)[k], mlops_metric_history_steps(hb)[k]);
			assert_int_equal(mlops_metric_history_timestamps(ha)[k], mlops_metric_history_timestamps(hb)[k]);
			double va = mlops_metric_history_values(ha)[k], vb = mlops_metric_history_values(hb)[k];
			assert_true((isnan(va) && isnan(vb)) || va == vb);
		}
		mlops_metric_history_free(ha);
		mlops_metric_history_free(hb);
	}
	assert_int_equal(rc, MLOPS_ITEROVER);
	mlops_metric_iter_free(ma);
	mlops_artifact_iter *aa, *ab;
	th_ok(mlops_runs_artifacts(&aa, a, run_id, NULL));
	th_ok(mlops_runs_artifacts(&ab, b, run_id, NULL));
	const mlops_artifact_info *x, *y;
	while ((rc = mlops_artifact_next(&x, aa)) == 0) {
		th_ok(mlops_artifact_next(&y, ab));
		assert_string_equal(x->path, y->path);
		assert_string_equal(x->object_id, y->object_id);
		assert_int_equal(x->size, y->size);
		assert_int_equal(x->mode, y->mode);
	}
	assert_int_equal(rc, MLOPS_ITEROVER);
	assert_int_equal(mlops_artifact_next(&y, ab), MLOPS_ITEROVER);
	mlops_artifact_iter_free(aa);
	mlops_artifact_iter_free(ab);
}

/* ---- round trip ---- */

static void test_roundtrip(void **state)
{
	fx *f = *state;
	char eid[MLOPS_EXPERIMENT_ID_BUFSIZE], old[MLOPS_EXPERIMENT_ID_BUFSIZE];
	th_ok(mlops_experiment_create(eid, f->a, "vision's \"best\"", NULL));
	th_ok(mlops_experiment_set_tag(f->a, eid, "owner", "team: vision\nsecond line"));
	/* r1: finished, every kind of data */
	mlops_run_options o = MLOPS_RUN_OPTIONS_INIT;
	o.experiment_id = eid;
	o.run_name = "it's r1";
	o.start_ms = 1700000000000;
	o.git_commit = "abc123";
	mlops_run *r;
	th_ok(mlops_run_start(&r, f->a, &o));
	char *r1 = strdup(mlops_run_id(r));
	th_ok(mlops_run_log_param(r, "lr", "0.001"));
	th_ok(mlops_run_log_param(r, "net/depth", "50"));
	th_ok(mlops_run_log_param(r, "empty", ""));
	th_ok(mlops_run_set_tag(r, "quote", "it's 'quoted' and \"double\""));
	th_ok(mlops_run_set_note(r, "# Notes\nline two"));
	const double vals[] = {0.5, NAN, INFINITY, -INFINITY, 1e-300, 0.1};
	const int64_t steps[] = {0, 1, 2, 3, 4, 4};
	const int64_t ts[] = {1700000000001, 1700000000002, 1700000000003, 1700000000004, 1700000000005,
	                      1700000000006};
	th_ok(mlops_run_log_metric_series(r, "loss", vals, steps, ts, 6));
	th_ok(mlops_run_log_metric(r, "acc/top1", 0.75, -3, 1700000000007));
	th_ok(mlops_run_log_artifact_data(r, "model/weights.bin", "\x00\x01\x02weights", 10));
	th_ok(mlops_run_log_artifact_data(r, "README.md", "hello", 5));
	th_ok(mlops_run_end(r, MLOPS_RUN_FINISHED));
	mlops_run_free(r);
	/* r2: a nested run, still running, then soft-deleted */
	o = (mlops_run_options)MLOPS_RUN_OPTIONS_INIT;
	o.experiment_id = eid;
	o.run_name = "child";
	o.parent_run_id = r1;
	o.start_ms = 1700000001000;
	th_ok(mlops_run_start(&r, f->a, &o));
	char *r2 = strdup(mlops_run_id(r));
	th_ok(mlops_run_log_metric(r, "loss", 2.5, 7, 1700000001001));
	mlops_run_free(r);
	th_ok(mlops_runs_delete(f->a, r2));
	/* r3 in an experiment deleted afterwards (exported under .trash/) */
	th_ok(mlops_experiment_create(old, f->a, "old", NULL));
	char *r3 = run_in(f->a, old, "ancient", 1600000000000);
	th_ok(mlops_runs_log_param(f->a, r3, "k", "v", 0));
	th_ok(mlops_experiment_delete(f->a, old));

	char out[4200];
	snprintf(out, sizeof(out), "%s/mlruns", f->dir);
	mlops_mlflow_stats ex = MLOPS_MLFLOW_STATS_INIT;
	th_ok(mlops_runs_export_mlflow(&ex, f->a, out, NULL));
	assert_int_equal(ex.experiments, 3);   /* Default, vision, old */
	assert_int_equal(ex.runs, 3);
	assert_int_equal(ex.metric_points, 8);
	assert_int_equal(ex.params, 4);
	assert_int_equal(ex.artifacts, 2);
	assert_int_equal(ex.artifact_bytes, 15);

	/* The files are MLflow's. */
	char p[4400];
	snprintf(p, sizeof(p), "%s/%s/meta.yaml", out, eid);
	char *t = read_text(p);
	assert_non_null(strstr(t, "name: 'vision''s \"best\"'\n"));
	assert_non_null(strstr(t, "lifecycle_stage: active\n"));
	snprintf(p, sizeof(p), "experiment_id: '%s'\n", eid);
	assert_non_null(strstr(t, p));
	free(t);
	snprintf(p, sizeof(p), "%s/%s/%s/meta.yaml", out, eid, r1);
	t = read_text(p);
	assert_non_null(strstr(t, "status: 3\n"));
	assert_non_null(strstr(t, "start_time: 1700000000000\n"));
	assert_non_null(strstr(t, "run_name: 'it''s r1'\n"));
	assert_non_null(strstr(t, "user_id: 'alice'\n"));
	free(t);
	snprintf(p, sizeof(p), "%s/%s/%s/metrics/loss", out, eid, r1);
	t = read_text(p);
	assert_string_equal(t, "1700000000001 0.5 0\n1700000000002 NaN 1\n1700000000003 Infinity 2\n"
	                       "1700000000004 -Infinity 3\n1700000000005 1e-300 4\n1700000000006 0.1 4\n");
	free(t);
	snprintf(p, sizeof(p), "%s/%s/%s/metrics/acc/top1", out, eid, r1);
	t = read_text(p);
	assert_string_equal(t, "1700000000007 0.75 -3\n");
	free(t);
	snprintf(p, sizeof(p), "%s/%s/%s/params/net/depth", out, eid, r1);
	t = read_text(p);
	assert_string_equal(t, "50");
	free(t);
	snprintf(p, sizeof(p), "%s/%s/%s/artifacts/model/weights.bin", out, eid, r1);
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_size, 10);
	snprintf(p, sizeof(p), "%s/%s/%s/meta.yaml", out, eid, r2);
	t = read_text(p);
	assert_non_null(strstr(t, "lifecycle_stage: deleted\n"));
	assert_non_null(strstr(t, "end_time: null\n"));
	free(t);
	snprintf(p, sizeof(p), "%s/.trash/%s/%s/meta.yaml", out, old, r3);
	assert_int_equal(stat(p, &sb), 0);
	snprintf(p, sizeof(p), "%s/%s/tags/owner", out, eid);
	t = read_text(p);
	assert_string_equal(t, "team: vision\nsecond line");
	free(t);

	/* A second export into the same directory is refused before anything is written. */
	th_assert_rc(mlops_runs_export_mlflow(NULL, f->a, out, NULL), MLOPS_EEXISTS);

	/* Import into the other store: everything comes back. */
	mlops_mlflow_stats im = MLOPS_MLFLOW_STATS_INIT;
	th_ok(mlops_runs_import_mlflow(&im, f->b, out, NULL));
	assert_int_equal(im.experiments, 3);
	assert_int_equal(im.runs, 3);
	assert_int_equal(im.params, ex.params);
	assert_int_equal(im.tags, ex.tags);
	assert_int_equal(im.metric_points, ex.metric_points);
	assert_int_equal(im.artifacts, 2);
	assert_int_equal(im.artifact_bytes, 15);
	assert_same_run(f->a, f->b, r1);
	assert_same_run(f->a, f->b, r2);
	assert_same_run(f->a, f->b, r3);
	mlops_experiment_info *e;
	th_ok(mlops_experiment_get_by_name(&e, f->b, "vision's \"best\""));
	assert_int_equal(e->n_tags, 1);
	assert_string_equal(e->tags[0].value, "team: vision\nsecond line");
	assert_string_equal(e->artifact_location, "");
	/* r3 is hidden by its experiment's deletion and comes back with it */
	mlops_experiment_info *eo;
	th_ok(mlops_experiment_get_by_name(&eo, f->b, "old"));
	assert_int_equal(eo->deleted, 1);
	th_ok(mlops_experiment_restore(f->b, eo->experiment_id));
	mlops_run_info *i3;
	th_ok(mlops_runs_get(&i3, f->b, r3));
	assert_int_equal(i3->deleted, 0);
	mlops_run_info_free(i3);
	mlops_experiment_info_free(eo);
	/* The imported runs are searchable like any other. */
	mlops_run_search_options so = MLOPS_RUN_SEARCH_OPTIONS_INIT;
	const char *exps[] = {e->experiment_id};
	so.experiment_ids = exps;
	so.n_experiment_ids = 1;
	so.filter = "metrics.loss.min < 0.1 AND params.`net/depth` = '50'";
	mlops_run_search *sr;
	th_ok(mlops_runs_search(&sr, f->b, &so));
	const mlops_run_row *row;
	th_ok(mlops_run_search_next(&row, sr));
	assert_string_equal(row->info->run_id, r1);
	th_assert_rc(mlops_run_search_next(&row, sr), MLOPS_ITEROVER);
	mlops_run_search_free(sr);
	mlops_experiment_info_free(e);
	/* Importing again: the runs exist. */
	th_assert_rc(mlops_runs_import_mlflow(NULL, f->b, out, NULL), MLOPS_EEXISTS);
	mlops_mlflow_options io = MLOPS_MLFLOW_OPTIONS_INIT;
	io.flags = MLOPS_MLFLOW_SKIP_EXISTING;
	im = (mlops_mlflow_stats)MLOPS_MLFLOW_STATS_INIT;
	th_ok(mlops_runs_import_mlflow(&im, f->b, out, &io));
	assert_int_equal(im.runs, 0);
	assert_int_equal(im.runs_skipped, 3);
	/* Export of chosen experiments, active view, no artifacts. */
	snprintf(out, sizeof(out), "%s/mlruns2", f->dir);
	mlops_mlflow_options eo2 = MLOPS_MLFLOW_OPTIONS_INIT;
	const char *ids[] = {eid};
	eo2.experiment_ids = ids;
	eo2.n_experiment_ids = 1;
	eo2.view = MLOPS_VIEW_ACTIVE_ONLY;
	eo2.flags = MLOPS_MLFLOW_NO_ARTIFACTS;
	ex = (mlops_mlflow_stats)MLOPS_MLFLOW_STATS_INIT;
	th_ok(mlops_runs_export_mlflow(&ex, f->a, out, &eo2));
	assert_int_equal(ex.experiments, 1);
	assert_int_equal(ex.runs, 1);
	assert_int_equal(ex.artifacts, 0);
	snprintf(p, sizeof(p), "%s/%s/%s/artifacts/README.md", out, eid, r1);
	assert_int_not_equal(stat(p, &sb), 0);
	const char *missing[] = {"999"};
	eo2.experiment_ids = missing;
	snprintf(out, sizeof(out), "%s/mlruns3", f->dir);
	th_assert_rc(mlops_runs_export_mlflow(NULL, f->a, out, &eo2), MLOPS_ENOTFOUND);
	mlops_mlflow_stats bad = {.version = 42};
	th_assert_rc(mlops_runs_export_mlflow(&bad, f->a, out, NULL), MLOPS_EVERSION);
	free(r1);
	free(r2);
	free(r3);
}

/* ---- files as MLflow's FileStore writes them ---- */

static const char *const RUN_A = "0123456789abcdef0123456789abcdef";
static const char *const RUN_B = "fedcba9876543210fedcba9876543210";

static void write_mlflow_tree(const char *root)
{
	char p[4400];
	snprintf(p, sizeof(p), "%s/0/meta.yaml", root);
	write_text(p, "artifact_location: file:///somewhere/mlruns/0\ncreation_time: 1690000000000\n"
	              "experiment_id: '0'\nlast_update_time: 1690000000000\nlifecycle_stage: active\nname: Default\n");
	snprintf(p, sizeof(p), "%s/712345678901234567/meta.yaml", root);
	write_text(p, "artifact_location: s3://bucket/exp\ncreation_time: 1690000000001\n"
	              "experiment_id: '712345678901234567'\nlast_update_time: 1690000000002\nlifecycle_stage: active\n"
	              "name: a rather long experiment name that PyYAML folds onto a continuation line because it\n"
	              "  is longer than eighty characters\n");
	snprintf(p, sizeof(p), "%s/712345678901234567/tags/mlflow.note.content", root);
	write_text(p, "experiment note");
	snprintf(p, sizeof(p), "%s/712345678901234567/%s/meta.yaml", root, RUN_A);
	write_text(p, "artifact_uri: file:///somewhere/mlruns/712345678901234567/0123456789abcdef0123456789abcdef/"
	              "artifacts\nend_time: 1690000009000\nentry_point_name: ''\nexperiment_id: '712345678901234567'\n"
	              "lifecycle_stage: active\nrun_id: 0123456789abcdef0123456789abcdef\nrun_name: \"caring-fox-42\"\n"
	              "run_uuid: 0123456789abcdef0123456789abcdef\nsource_name: ''\nsource_type: 4\nsource_version: ''\n"
	              "start_time: 1690000001000\nstatus: 4\ntags: []\nuser_id: bob\n");
	snprintf(p, sizeof(p), "%s/712345678901234567/%s/params/alpha", root, RUN_A);
	write_text(p, "0.5");
	snprintf(p, sizeof(p), "%s/712345678901234567/%s/tags/mlflow.runName", root, RUN_A);
	write_text(p, "caring-fox-42");
	snprintf(p, sizeof(p), "%s/712345678901234567/%s/metrics/rmse", root, RUN_A);
	write_text(p, "1690000002000 0.9 0\n1690000003000 nan 1\n1690000004000 0.7 2\n1690000004500 -inf 3\n");
	snprintf(p, sizeof(p), "%s/712345678901234567/%s/metrics/old_style", root, RUN_A);
	write_text(p, "1690000002000 3.5\n");
	snprintf(p, sizeof(p), "%s/712345678901234567/%s/artifacts/plots/roc.png", root, RUN_A);
	write_text(p, "PNG...");
	/* A child run of MLflow < 1.30: no run_name in meta.yaml, the name only in the tag; status as a name. */
	snprintf(p, sizeof(p), "%s/712345678901234567/%s/meta.yaml", root, RUN_B);
	write_text(p, "artifact_uri: ./mlruns/712345678901234567/fedcba9876543210fedcba9876543210/artifacts\n"
	              "end_time: null\nexperiment_id: '712345678901234567'\nlifecycle_stage: deleted\n"
	              "run_uuid: fedcba9876543210fedcba9876543210\nstart_time: 1690000005000\nstatus: RUNNING\n"
	              "tags:\n- key: legacy\n  value: ignored\nuser_id: 'o''brien'\n");
	snprintf(p, sizeof(p), "%s/712345678901234567/%s/tags/mlflow.runName", root, RUN_B);
	write_text(p, "legacy-name");
	snprintf(p, sizeof(p), "%s/712345678901234567/%s/tags/mlflow.parentRunId", root, RUN_B);
	write_text(p, RUN_A);
	/* Things that are not experiments or runs are left alone. */
	snprintf(p, sizeof(p), "%s/models/m/meta.yaml", root);
	write_text(p, "name: m\n");
	snprintf(p, sizeof(p), "%s/712345678901234567/models/xyz/meta.yaml", root);
	write_text(p, "model_id: xyz\n");
}

static void test_import_mlflow_files(void **state)
{
	fx *f = *state;
	char root[4200];
	snprintf(root, sizeof(root), "%s/written", f->dir);
	write_mlflow_tree(root);
	mlops_mlflow_stats st = MLOPS_MLFLOW_STATS_INIT;
	th_ok(mlops_runs_import_mlflow(&st, f->b, root, NULL));
	assert_int_equal(st.experiments, 2);
	assert_int_equal(st.runs, 2);
	assert_int_equal(st.params, 1);
	assert_int_equal(st.tags, 3);
	assert_int_equal(st.metric_points, 5);
	assert_int_equal(st.artifacts, 1);
	mlops_experiment_info *e;
	th_ok(mlops_experiment_get_by_name(&e, f->b, "a rather long experiment name that PyYAML folds onto a "
	                                             "continuation line because it is longer than eighty characters"));
	assert_string_equal(e->artifact_location, "s3://bucket/exp");
	assert_int_equal(e->creation_ms, 1690000000001);
	assert_int_equal(e->n_tags, 1);
	mlops_experiment_info_free(e);
	mlops_run_info *i;
	th_ok(mlops_runs_get(&i, f->b, RUN_A));
	assert_string_equal(i->run_name, "caring-fox-42");
	assert_string_equal(i->user, "bob");
	assert_int_equal(i->status, MLOPS_RUN_FAILED);
	assert_int_equal(i->start_ms, 1690000001000);
	assert_int_equal(i->end_ms, 1690000009000);
	assert_int_equal(i->deleted, 0);
	mlops_run_info_free(i);
	th_ok(mlops_runs_get(&i, f->b, RUN_B));
	assert_string_equal(i->run_name, "legacy-name");
	assert_string_equal(i->user, "o'brien");
	assert_string_equal(i->parent_run_id, RUN_A);
	assert_int_equal(i->status, MLOPS_RUN_RUNNING);
	assert_int_equal(i->end_ms, 0);
	assert_int_equal(i->deleted, 1);
	mlops_run_info_free(i);
	mlops_metric_summary *m;
	th_ok(mlops_runs_metric_get(&m, f->b, RUN_A, "rmse"));
	assert_true(isinf(m->last) && m->last < 0);
	assert_int_equal(m->last_step, 3);
	assert_true(m->max == 0.9);
	assert_int_equal(m->count, 4);
	mlops_metric_summary_free(m);
	th_ok(mlops_runs_metric_get(&m, f->b, RUN_A, "old_style"));
	assert_int_equal(m->last_step, 0);
	assert_true(m->last == 3.5);
	assert_int_equal(m->last_timestamp_ms, 1690000002000);
	mlops_metric_summary_free(m);
	mlops_object_reader *rd;
	th_ok(mlops_runs_artifact_open(&rd, f->b, RUN_A, "plots/roc.png"));
	char buf[16] = {0};
	size_t got;
	th_ok(mlops_object_reader_read(&got, rd, buf, sizeof(buf)));
	assert_int_equal(got, 6);
	assert_memory_equal(buf, "PNG...", 6);
	mlops_object_reader_free(rd);
}

/* ---- malformed input: a clear error naming the file, and nothing of the failing run stored ---- */

static void test_import_errors(void **state)
{
	fx *f = *state;
	char root[4200], p[4400];
	snprintf(root, sizeof(root), "%s/nope", f->dir);
	th_assert_rc(mlops_runs_import_mlflow(NULL, f->b, root, NULL), MLOPS_ENOTFOUND);
	snprintf(root, sizeof(root), "%s/bad", f->dir);
	write_mlflow_tree(root);
	snprintf(p, sizeof(p), "%s/712345678901234567/%s/metrics/rmse", root, RUN_A);
	write_text(p, "1690000002000 0.9 0\n1690000003000 zero 1\n");
	mlops_mlflow_stats st = MLOPS_MLFLOW_STATS_INIT;
	th_assert_rc(mlops_runs_import_mlflow(&st, f->b, root, NULL), MLOPS_EPARSE);
	assert_non_null(strstr(mlops_error_last()->message, "metrics/rmse:2"));
	assert_int_equal(st.runs, 0);
	mlops_run_info *i;
	th_assert_rc(mlops_runs_get(&i, f->b, RUN_A), MLOPS_ENOTFOUND);
	mlops_runs_kv_iter *it;
	th_assert_rc(mlops_runs_params(&it, f->b, RUN_A), MLOPS_ENOTFOUND);
	/* a metric line with four fields */
	write_text(p, "1 2 3 4\n");
	th_assert_rc(mlops_runs_import_mlflow(NULL, f->b, root, NULL), MLOPS_EPARSE);
	/* an unterminated quoted value in meta.yaml */
	write_text(p, "1 2 3\n");
	snprintf(p, sizeof(p), "%s/712345678901234567/%s/meta.yaml", root, RUN_A);
	write_text(p, "run_id: 0123456789abcdef0123456789abcdef\nrun_name: 'broken\nstatus: 3\n");
	th_assert_rc(mlops_runs_import_mlflow(NULL, f->b, root, NULL), MLOPS_EPARSE);
	assert_non_null(strstr(mlops_error_last()->message, "meta.yaml"));
	/* a line that is not "key: value", and a run id that is not one */
	write_text(p, "run_id 0123\n");
	th_assert_rc(mlops_runs_import_mlflow(NULL, f->b, root, NULL), MLOPS_EPARSE);
	write_text(p, "run_id: 0123\nstatus: 3\n");
	th_assert_rc(mlops_runs_import_mlflow(NULL, f->b, root, NULL), MLOPS_EPARSE);
	write_text(p, "run_id: 0123456789abcdef0123456789abcdef\nstatus: 9\n");
	th_assert_rc(mlops_runs_import_mlflow(NULL, f->b, root, NULL), MLOPS_EPARSE);
	/* a param key MLflow would not accept */
	write_text(p, "run_id: 0123456789abcdef0123456789abcdef\nstatus: 3\n");
	snprintf(p, sizeof(p), "%s/712345678901234567/%s/params/bad*key", root, RUN_A);
	write_text(p, "x");
	th_assert_rc(mlops_runs_import_mlflow(NULL, f->b, root, NULL), MLOPS_EINVAL);
	th_assert_rc(mlops_runs_get(&i, f->b, RUN_A), MLOPS_ENOTFOUND);
	/* a read-only store refuses */
	snprintf(p, sizeof(p), "%s/b", f->dir);
	mlops_store_options ro = MLOPS_STORE_OPTIONS_INIT;
	ro.flags = MLOPS_STORE_READONLY;
	mlops_store *s;
	th_ok(mlops_store_open(&s, p, &ro));
	th_assert_rc(mlops_runs_import_mlflow(NULL, s, root, NULL), MLOPS_EREADONLY);
	mlops_store_free(s);
	mlops_mlflow_options o;
	th_ok(mlops_mlflow_options_init(&o, MLOPS_MLFLOW_OPTIONS_VERSION));
	o.version = 5;
	th_assert_rc(mlops_runs_import_mlflow(NULL, f->b, root, &o), MLOPS_EVERSION);
	th_assert_rc(mlops_mlflow_options_init(&o, 5), MLOPS_EVERSION);
}

/* ---- compare ---- */

static void test_compare(void **state)
{
	fx *f = *state;
	char *r[3] = {run_in(f->a, NULL, "one", 1), run_in(f->a, NULL, "two", 2), run_in(f->a, NULL, "three", 3)};
	const char *lrs[] = {"0.1", "0.01", "0.1"};
	for (int i = 0; i < 3; i++) {
		th_ok(mlops_runs_log_param(f->a, r[i], "lr", lrs[i], 0));
		th_ok(mlops_runs_log_param(f->a, r[i], "opt", "adam", 0));
		th_ok(mlops_runs_log_metric(f->a, r[i], "acc", 0.5 + 0.1 * i, 1, 1));
		th_ok(mlops_runs_log_metric(f->a, r[i], "acc", 0.2, 0, 1));
	}
	th_ok(mlops_runs_log_param(f->a, r[1], "seed", "7", 0));
	th_ok(mlops_runs_log_metric(f->a, r[2], "loss", NAN, 0, 1));
	const char *ids[] = {r[2], r[0], r[1]};
	mlops_run_compare *c;
	th_ok(mlops_runs_compare(&c, f->a, ids, 3, NULL));
	assert_int_equal(mlops_run_compare_n_runs(c), 3);
	assert_int_equal(mlops_run_compare_n_columns(c), 5);   /* lr opt seed | acc loss */
	static const char *const keys[] = {"lr", "opt", "seed", "acc", "loss"};
	for (size_t j = 0; j < 5; j++) {
		const mlops_compare_column *col;
		th_ok(mlops_run_compare_column(&col, c, j));
		assert_string_equal(col->key, keys[j]);
		assert_int_equal(col->kind, j < 3 ? MLOPS_COMPARE_PARAM : MLOPS_COMPARE_METRIC);
	}
	const mlops_run_info *info;
	th_ok(mlops_run_compare_run(&info, c, 0));
	assert_string_equal(info->run_name, "three");
	const mlops_compare_cell *cell;
	th_ok(mlops_run_compare_cell(&cell, c, 2, 0));
	assert_string_equal(cell->text, "0.01");
	assert_true(isnan(cell->number));
	th_ok(mlops_run_compare_cell(&cell, c, 0, 2));
	assert_int_equal(cell->present, 0);
	assert_null(cell->text);
	th_ok(mlops_run_compare_cell(&cell, c, 2, 2));
	assert_string_equal(cell->text, "7");
	th_ok(mlops_run_compare_cell(&cell, c, 0, 3));
	assert_true(cell->present && fabs(cell->number - 0.7) < 1e-12);
	assert_true(strtod(cell->text, NULL) == cell->number);
	th_ok(mlops_run_compare_cell(&cell, c, 0, 4));
	assert_true(cell->present && isnan(cell->number));
	assert_string_equal(cell->text, "NaN");
	th_assert_rc(mlops_run_compare_cell(&cell, c, 3, 0), MLOPS_EINVAL);
	th_assert_rc(mlops_run_compare_column(NULL, c, 0), MLOPS_EINVAL);
	th_assert_rc(mlops_run_compare_run(&info, c, 3), MLOPS_EINVAL);
	mlops_run_compare_free(c);
	/* Chosen columns, min values, only the columns that differ. */
	mlops_run_compare_options o;
	th_ok(mlops_run_compare_options_init(&o, MLOPS_RUN_COMPARE_OPTIONS_VERSION));
	o.metric_field = MLOPS_METRIC_MIN;
	o.flags = MLOPS_COMPARE_ONLY_DIFFERENT;
	th_ok(mlops_runs_compare(&c, f->a, ids, 3, &o));
	assert_int_equal(mlops_run_compare_n_columns(c), 3);   /* lr seed loss; opt and acc.min are the same */
	const mlops_compare_column *col;
	th_ok(mlops_run_compare_column(&col, c, 1));
	assert_string_equal(col->key, "seed");
	th_ok(mlops_run_compare_column(&col, c, 2));
	assert_string_equal(col->key, "loss");
	th_ok(mlops_run_compare_cell(&cell, c, 1, 0));
	assert_string_equal(cell->text, "0.1");
	mlops_run_compare_free(c);
	const char *pk[] = {"opt", "missing"};
	const char *mk[] = {"acc"};
	o = (mlops_run_compare_options)MLOPS_RUN_COMPARE_OPTIONS_INIT;
	o.param_keys = pk;
	o.n_param_keys = 2;
	o.metric_keys = mk;
	o.n_metric_keys = 1;
	o.metric_field = MLOPS_METRIC_MAX;
	th_ok(mlops_runs_compare(&c, f->a, ids, 3, &o));
	assert_int_equal(mlops_run_compare_n_columns(c), 3);
	th_ok(mlops_run_compare_cell(&cell, c, 1, 1));
	assert_int_equal(cell->present, 0);
	th_ok(mlops_run_compare_cell(&cell, c, 1, 2));
	assert_string_equal(cell->text, "0.5");
	mlops_run_compare_free(c);
	/* Errors. */
	th_assert_rc(mlops_runs_compare(&c, f->a, ids, 0, NULL), MLOPS_EINVAL);
	const char *bad[] = {r[0], "nothex"};
	th_assert_rc(mlops_runs_compare(&c, f->a, bad, 2, NULL), MLOPS_EINVAL);
	const char *gone[] = {r[0], "00000000000000000000000000000000"};
	th_assert_rc(mlops_runs_compare(&c, f->a, gone, 2, NULL), MLOPS_ENOTFOUND);
	o.metric_field = 7;
	th_assert_rc(mlops_runs_compare(&c, f->a, ids, 3, &o), MLOPS_EINVAL);
	mlops_run_compare_free(NULL);
	for (int i = 0; i < 3; i++)
		free(r[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_mlflow_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare, setup, teardown),
	};
	return cmocka_run_group_tests_name("runs_interop", tests, NULL, NULL);
}
