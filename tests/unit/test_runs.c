/* Unit tests of the runs module: experiments, runs, params, metrics (buffering, summaries, history), tags, notes,
 * artifacts, inputs, deletion and purge, error paths. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "runs/runs_int.h"

typedef struct fx {
	char *dir;
	mlops_store *store;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	f->dir = th_tmpdir("runs");
	char path[4200];
	snprintf(path, sizeof(path), "%s/store", f->dir);
	th_ok(mlops_store_open(&f->store, path, NULL));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	mlops_store_free(f->store);
	th_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static mlops_run *start(mlops_store *store, const char *name)
{
	mlops_run_options o = MLOPS_RUN_OPTIONS_INIT;
	o.run_name = name;
	mlops_run *run = NULL;
	th_ok(mlops_run_start(&run, store, &o));
	return run;
}

static int64_t audit_count(mlops_store *store, const char *action, const char *object_id)
{
	mlops_audit_iter *it;
	th_ok(mlops_audit_iter_new(&it, store, 0));
	mlops_audit_entry e;
	int64_t n = 0;
	int rc;
	while ((rc = mlops_audit_next(&e, it)) == 0)
		if (strcmp(e.action, action) == 0 && (!object_id || (e.object_id && strcmp(e.object_id, object_id) == 0)))
			n++;
	assert_int_equal(rc, MLOPS_ITEROVER);
	mlops_audit_iter_free(it);
	return n;
}

/* ---- experiments ---- */

static void test_experiments(void **state)
{
	fx *f = *state;
	mlops_experiment_info *e;
	th_ok(mlops_experiment_get(&e, f->store, "0"));
	assert_string_equal(e->name, "Default");
	assert_int_equal(e->deleted, 0);
	mlops_experiment_info_free(e);

	char id[MLOPS_EXPERIMENT_ID_BUFSIZE];
	th_ok(mlops_experiment_create(id, f->store, "vision", "s3://bucket/vision"));
	assert_string_equal(id, "1");
	th_assert_rc(mlops_experiment_create(NULL, f->store, "vision", NULL), MLOPS_EEXISTS);
	th_assert_rc(mlops_experiment_create(NULL, f->store, "", NULL), MLOPS_EINVAL);
	th_ok(mlops_experiment_get_by_name(&e, f->store, "vision"));
	assert_string_equal(e->experiment_id, "1");
	assert_string_equal(e->artifact_location, "s3://bucket/vision");
	mlops_experiment_info_free(e);
	th_assert_rc(mlops_experiment_get_by_name(&e, f->store, "Vision"), MLOPS_ENOTFOUND);
	assert_null(e);
	th_assert_rc(mlops_experiment_get(&e, f->store, "77"), MLOPS_ENOTFOUND);
	th_assert_rc(mlops_experiment_get(&e, f->store, "x1"), MLOPS_EINVAL);

	/* tags */
	th_ok(mlops_experiment_set_tag(f->store, "1", "team", "cv"));
	th_ok(mlops_experiment_set_tag(f->store, "1", "team", "vision"));
	th_ok(mlops_experiment_set_tag(f->store, "1", "a.b", "1"));
	th_assert_rc(mlops_experiment_set_tag(f->store, "1", "bad$key", "1"), MLOPS_EINVAL);
	th_ok(mlops_experiment_get(&e, f->store, "1"));
	assert_int_equal(e->n_tags, 2);
	assert_string_equal(e->tags[0].key, "a.b");
	assert_string_equal(e->tags[1].value, "vision");
	mlops_experiment_info_free(e);
	th_ok(mlops_experiment_delete_tag(f->store, "1", "a.b"));
	th_assert_rc(mlops_experiment_delete_tag(f->store, "1", "a.b"), MLOPS_ENOTFOUND);
	mlops_runs_kv_iter *kv;
	const mlops_runs_kv *p;
	th_ok(mlops_experiment_tags(&kv, f->store, "1"));
	th_ok(mlops_runs_kv_next(&p, kv));
	assert_string_equal(p->key, "team");
	th_assert_rc(mlops_runs_kv_next(&p, kv), MLOPS_ITEROVER);
	mlops_runs_kv_iter_free(kv);

	/* rename */
	th_ok(mlops_experiment_create(id, f->store, "nlp", NULL));
	th_assert_rc(mlops_experiment_rename(f->store, "2", "vision"), MLOPS_EEXISTS);
	th_ok(mlops_experiment_rename(f->store, "2", "language"));
	th_ok(mlops_experiment_get_by_name(&e, f->store, "language"));
	assert_string_equal(e->experiment_id, "2");
	mlops_experiment_info_free(e);

	/* delete hides the experiment and its runs; restore brings back only the runs it hid */
	mlops_run_options o = MLOPS_RUN_OPTIONS_INIT;
	o.experiment_id = "2";
	mlops_run *r1, *r2;
	th_ok(mlops_run_start(&r1, f->store, &o));
	th_ok(mlops_run_start(&r2, f->store, &o));
	th_ok(mlops_runs_delete(f->store, mlops_run_id(r2)));
	th_assert_rc(mlops_experiment_delete(f->store, "0"), MLOPS_EINVAL);
	th_ok(mlops_experiment_delete(f->store, "2"));
	th_assert_rc(mlops_experiment_delete(f->store, "2"), MLOPS_ECONFLICT);
	th_assert_rc(mlops_experiment_set_tag(f->store, "2", "k", "v"), MLOPS_ECONFLICT);
	mlops_run *r3 = NULL;
	th_assert_rc(mlops_run_start(&r3, f->store, &o), MLOPS_ECONFLICT);
	assert_null(r3);
	mlops_run_info *ri;
	th_ok(mlops_runs_get(&ri, f->store, mlops_run_id(r1)));
	assert_int_equal(ri->deleted, 1);
	mlops_run_info_free(ri);
	th_assert_rc(mlops_run_log_param(r1, "lr", "0.1"), MLOPS_ECONFLICT);
	assert_non_null(strstr(mlops_error_last()->message, "experiment 2 is deleted"));
	th_assert_rc(mlops_runs_restore(f->store, mlops_run_id(r1)), MLOPS_ECONFLICT);

	mlops_experiment_list_options lo = MLOPS_EXPERIMENT_LIST_OPTIONS_INIT;
	mlops_experiment_iter *it;
	const mlops_experiment_info *ei;
	size_t n = 0;
	th_ok(mlops_experiment_list(&it, f->store, &lo));
	while (mlops_experiment_next(&ei, it) == 0)
		n++;
	mlops_experiment_iter_free(it);
	assert_int_equal(n, 2); /* Default, vision */
	lo.view = MLOPS_VIEW_DELETED_ONLY;
	th_ok(mlops_experiment_list(&it, f->store, &lo));
	th_ok(mlops_experiment_next(&ei, it));
	assert_string_equal(ei->name, "language");
	assert_int_equal(ei->deleted, 1);
	th_assert_rc(mlops_experiment_next(&ei, it), MLOPS_ITEROVER);
	mlops_experiment_iter_free(it);
	lo.view = MLOPS_VIEW_ALL;
	lo.name_like = "V%";
	th_ok(mlops_experiment_list(&it, f->store, &lo));
	th_assert_rc(mlops_experiment_next(&ei, it), MLOPS_ITEROVER); /* case-sensitive */
	mlops_experiment_iter_free(it);
	lo.name_like = "v_sion";
	th_ok(mlops_experiment_list(&it, f->store, &lo));
	th_ok(mlops_experiment_next(&ei, it));
	assert_string_equal(ei->name, "vision");
	mlops_experiment_iter_free(it);
	lo.view = 9;
	th_assert_rc(mlops_experiment_list(&it, f->store, &lo), MLOPS_EINVAL);

	th_ok(mlops_experiment_restore(f->store, "2"));
	th_assert_rc(mlops_experiment_restore(f->store, "2"), MLOPS_ECONFLICT);
	th_ok(mlops_runs_get(&ri, f->store, mlops_run_id(r1)));
	assert_int_equal(ri->deleted, 0);
	mlops_run_info_free(ri);
	th_ok(mlops_runs_get(&ri, f->store, mlops_run_id(r2)));
	assert_int_equal(ri->deleted, 1); /* deleted on its own before: stays deleted */
	mlops_run_info_free(ri);
	th_ok(mlops_run_log_param(r1, "lr", "0.1"));
	assert_int_equal(audit_count(f->store, "experiment.delete", "2"), 1);
	assert_int_equal(audit_count(f->store, "experiment.create", NULL), 2);
	mlops_run_free(r1);
	mlops_run_free(r2);
}

/* ---- runs ---- */

static void test_run_start_and_info(void **state)
{
	fx *f = *state;
	mlops_run_options o = MLOPS_RUN_OPTIONS_INIT;
	o.experiment_name = "auto-created";
	o.source_name = "train.py";
	o.git_commit = "0123456789abcdef";
	const char *tk[] = { "team", "mlflow.source.type" };
	const char *tv[] = { "cv", "JOB" };
	o.tag_keys = tk;
	o.tag_values = tv;
	o.n_tags = 2;
	o.start_ms = 1700000000000;
	mlops_run *run;
	th_ok(mlops_run_start(&run, f->store, &o));
	const char *id = mlops_run_id(run);
	assert_true(mlops__oid_hex_valid(id));
	assert_string_equal(mlops_run_experiment_id(run), "1");
	/* generated name: adjective-noun-NNN */
	const char *name = mlops_run_name(run);
	const char *d1 = strchr(name, '-');
	assert_non_null(d1);
	const char *d2 = strchr(d1 + 1, '-');
	assert_non_null(d2);
	assert_int_equal(strlen(d2 + 1), 3);

	mlops_run_info *ri;
	th_ok(mlops_runs_get(&ri, f->store, id));
	assert_string_equal(ri->run_id, id);
	assert_string_equal(ri->run_name, name);
	assert_string_equal(ri->experiment_id, "1");
	assert_int_equal(ri->status, MLOPS_RUN_RUNNING);
	assert_int_equal(ri->start_ms, 1700000000000);
	assert_int_equal(ri->end_ms, 0);
	assert_null(ri->parent_run_id);
	mlops_run_info_free(ri);

	char *v;
	mlops_runs_kv_iter *kv;
	th_ok(mlops_runs_tags(&kv, f->store, id));
	const mlops_runs_kv *p;
	int seen = 0;
	while (mlops_runs_kv_next(&p, kv) == 0) {
		if (strcmp(p->key, MLOPS_TAG_GIT_COMMIT) == 0 && strcmp(p->value, "0123456789abcdef") == 0)
			seen |= 1;
		if (strcmp(p->key, MLOPS_TAG_SOURCE_NAME) == 0 && strcmp(p->value, "train.py") == 0)
			seen |= 2;
		if (strcmp(p->key, MLOPS_TAG_RUN_NAME) == 0 && strcmp(p->value, name) == 0)
			seen |= 4;
		if (strcmp(p->key, "mlflow.source.type") == 0 && strcmp(p->value, "JOB") == 0)
			seen |= 8;
		if (strcmp(p->key, "team") == 0)
			seen |= 16;
		if (strcmp(p->key, MLOPS_TAG_USER) == 0)
			seen |= 32;
	}
	mlops_runs_kv_iter_free(kv);
	assert_int_equal(seen, 63);

	/* nested run */
	mlops_run_options c = MLOPS_RUN_OPTIONS_INIT;
	c.parent_run_id = id;
	c.run_name = "child";
	mlops_run *child;
	th_ok(mlops_run_start(&child, f->store, &c));
	assert_string_equal(mlops_run_experiment_id(child), "0");
	th_ok(mlops_runs_get(&ri, f->store, mlops_run_id(child)));
	assert_string_equal(ri->parent_run_id, id);
	assert_string_equal(ri->run_name, "child");
	mlops_run_info_free(ri);
	mlops_run_list_options lo = MLOPS_RUN_LIST_OPTIONS_INIT;
	lo.parent_run_id = id;
	mlops_run_iter *it;
	const mlops_run_info *li;
	th_ok(mlops_runs_list(&it, f->store, &lo));
	th_ok(mlops_runs_next(&li, it));
	assert_string_equal(li->run_id, mlops_run_id(child));
	th_assert_rc(mlops_runs_next(&li, it), MLOPS_ITEROVER);
	mlops_run_iter_free(it);

	c.parent_run_id = "0123456789abcdef0123456789abcdef";
	mlops_run *bad = NULL;
	th_assert_rc(mlops_run_start(&bad, f->store, &c), MLOPS_ENOTFOUND);
	assert_null(bad);
	c.parent_run_id = "nothex";
	th_assert_rc(mlops_run_start(&bad, f->store, &c), MLOPS_EINVAL);
	c.parent_run_id = NULL;
	c.experiment_id = "42";
	th_assert_rc(mlops_run_start(&bad, f->store, &c), MLOPS_ENOTFOUND);
	c.experiment_id = NULL;
	c.version = 99;
	th_assert_rc(mlops_run_start(&bad, f->store, &c), MLOPS_EVERSION);

	/* listing per experiment */
	lo = (mlops_run_list_options)MLOPS_RUN_LIST_OPTIONS_INIT;
	const char *exps[] = { "1" };
	lo.experiment_ids = exps;
	lo.n_experiment_ids = 1;
	th_ok(mlops_runs_list(&it, f->store, &lo));
	th_ok(mlops_runs_next(&li, it));
	assert_string_equal(li->run_id, id);
	th_assert_rc(mlops_runs_next(&li, it), MLOPS_ITEROVER);
	mlops_run_iter_free(it);

	th_assert_rc(mlops_runs_get(&ri, f->store, "0123456789abcdef0123456789abcdef"), MLOPS_ENOTFOUND);
	th_assert_rc(mlops_runs_get(&ri, f->store, "ABC"), MLOPS_EINVAL);
	th_assert_rc(mlops_runs_param_get(&v, f->store, id, "nope"), MLOPS_ENOTFOUND);
	assert_int_equal(audit_count(f->store, "run.start", NULL), 2);
	mlops_run_free(child);
	mlops_run_free(run);
}

static void test_params(void **state)
{
	fx *f = *state;
	mlops_run *run = start(f->store, "params");
	const char *id = mlops_run_id(run);
	th_ok(mlops_run_log_param(run, "lr", "0.1"));
	th_ok(mlops_run_log_param(run, "lr", "0.1"));
	th_assert_rc(mlops_run_log_param(run, "lr", "0.2"), MLOPS_ECONFLICT);
	const char *msg = mlops_error_last()->message;
	assert_non_null(strstr(msg, "'0.1'"));
	assert_non_null(strstr(msg, "'0.2'"));
	assert_non_null(strstr(msg, id));
	char *v;
	th_ok(mlops_runs_param_get(&v, f->store, id, "lr"));
	assert_string_equal(v, "0.1");
	mlops_free(v);
	th_ok(mlops_run_log_param_ex(run, "lr", "0.2", MLOPS_PARAM_OVERWRITE));
	th_ok(mlops_runs_param_get(&v, f->store, id, "lr"));
	assert_string_equal(v, "0.2");
	mlops_free(v);
	th_assert_rc(mlops_run_log_param_ex(run, "lr", "0.3", 0x80), MLOPS_EINVAL);

	/* key rules */
	const char *bad[] = { "", "/abs", "a/../b", "..", "a//b", "a/", "a$b", "tab\tkey", "./a" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		th_assert_rc(mlops_run_log_param(run, bad[i], "x"), MLOPS_EINVAL);
	char longkey[300];
	memset(longkey, 'k', 251);
	longkey[251] = '\0';
	th_assert_rc(mlops_run_log_param(run, longkey, "x"), MLOPS_EINVAL);
	longkey[250] = '\0';
	th_ok(mlops_run_log_param(run, longkey, "x"));
	th_ok(mlops_run_log_param(run, "a..b/c d-e_f.g", "ok"));
	char *big = malloc(6002);
	memset(big, 'v', 6001);
	big[6001] = '\0';
	th_assert_rc(mlops_run_log_param(run, "big", big), MLOPS_EINVAL);
	big[6000] = '\0';
	th_ok(mlops_run_log_param(run, "big", big));
	free(big);

	/* a batch is atomic */
	const char *k[] = { "b1", "b2", "lr" };
	const char *vals[] = { "1", "2", "9" };
	th_assert_rc(mlops_run_log_params(run, k, vals, 3), MLOPS_ECONFLICT);
	th_assert_rc(mlops_runs_param_get(&v, f->store, id, "b1"), MLOPS_ENOTFOUND);
	vals[2] = "0.2";
	th_ok(mlops_run_log_params(run, k, vals, 3));
	mlops_runs_kv_iter *kv;
	const mlops_runs_kv *p;
	size_t n = 0;
	th_ok(mlops_runs_params(&kv, f->store, id));
	while (mlops_runs_kv_next(&p, kv) == 0)
		n++;
	mlops_runs_kv_iter_free(kv);
	assert_int_equal(n, 6);

	/* id-based logging obeys the status rule; resume allows again */
	th_ok(mlops_runs_log_param(f->store, id, "by_id", "1", 0));
	th_ok(mlops_run_end(run, MLOPS_RUN_FINISHED));
	th_assert_rc(mlops_run_log_param(run, "after", "1"), MLOPS_ECONFLICT);
	th_assert_rc(mlops_runs_log_param(f->store, id, "after", "1", 0), MLOPS_ECONFLICT);
	assert_non_null(strstr(mlops_error_last()->message, "FINISHED"));
	th_ok(mlops_run_set_tag(run, "reviewed", "yes")); /* annotations are fine */
	mlops_run *again;
	th_ok(mlops_run_resume(&again, f->store, id));
	th_ok(mlops_run_log_param(again, "after", "1"));
	th_ok(mlops_run_log_param_ex(again, "lr", "0.5", MLOPS_PARAM_OVERWRITE));
	mlops_run_info *ri;
	th_ok(mlops_runs_get(&ri, f->store, id));
	assert_int_equal(ri->status, MLOPS_RUN_RUNNING);
	assert_int_equal(ri->end_ms, 0);
	mlops_run_info_free(ri);
	th_ok(mlops_run_end(again, MLOPS_RUN_FAILED));
	th_ok(mlops_runs_get(&ri, f->store, id));
	assert_int_equal(ri->status, MLOPS_RUN_FAILED);
	assert_true(ri->end_ms > 0);
	mlops_run_info_free(ri);
	th_assert_rc(mlops_run_end(again, MLOPS_RUN_RUNNING), MLOPS_EINVAL);
	assert_true(audit_count(f->store, "param.log", id) >= 8);
	assert_int_equal(audit_count(f->store, "run.resume", id), 1);
	mlops_run_free(again);
	mlops_run_free(run);
}

static void test_tags_notes(void **state)
{
	fx *f = *state;
	mlops_run *run = start(f->store, "tags");
	const char *id = mlops_run_id(run);
	th_ok(mlops_run_set_tag(run, "stage", "a"));
	th_ok(mlops_run_set_tag(run, "stage", "b"));
	th_ok(mlops_run_set_note(run, "# Notes\nbaseline"));
	th_ok(mlops_runs_set_tag(f->store, id, "by.id", "1"));
	th_ok(mlops_run_delete_tag(run, "by.id"));
	th_assert_rc(mlops_runs_delete_tag(f->store, id, "by.id"), MLOPS_ENOTFOUND);
	th_ok(mlops_run_set_tag(run, MLOPS_TAG_RUN_NAME, "renamed"));
	assert_string_equal(mlops_run_name(run), "renamed");
	mlops_run_info *ri;
	th_ok(mlops_runs_get(&ri, f->store, id));
	assert_string_equal(ri->run_name, "renamed");
	mlops_run_info_free(ri);
	mlops_runs_kv_iter *kv;
	const mlops_runs_kv *p;
	int seen = 0;
	th_ok(mlops_runs_tags(&kv, f->store, id));
	while (mlops_runs_kv_next(&p, kv) == 0) {
		if (!strcmp(p->key, "stage") && !strcmp(p->value, "b"))
			seen |= 1;
		if (!strcmp(p->key, MLOPS_TAG_NOTE) && !strcmp(p->value, "# Notes\nbaseline"))
			seen |= 2;
		if (!strcmp(p->key, "by.id"))
			seen |= 4;
	}
	mlops_runs_kv_iter_free(kv);
	assert_int_equal(seen, 3);
	char *tv = malloc(8002);
	memset(tv, 't', 8001);
	tv[8001] = '\0';
	th_assert_rc(mlops_run_set_tag(run, "long", tv), MLOPS_EINVAL);
	free(tv);
	th_ok(mlops_runs_delete(f->store, id));
	th_assert_rc(mlops_runs_delete(f->store, id), MLOPS_ECONFLICT);
	th_assert_rc(mlops_run_set_tag(run, "stage", "c"), MLOPS_ECONFLICT);
	assert_non_null(strstr(mlops_error_last()->message, "deleted"));
	th_assert_rc(mlops_run_set_note(run, "x"), MLOPS_ECONFLICT);
	assert_int_equal(audit_count(f->store, "tag.set", id), 5);
	assert_int_equal(audit_count(f->store, "tag.delete", id), 1);
	mlops_run_free(run);
}

/* ---- metrics ---- */

static mlops_metric_summary *summary(mlops_store *store, const char *id, const char *key)
{
	mlops_metric_summary *s = NULL;
	th_ok(mlops_runs_metric_get(&s, store, id, key));
	return s;
}

static void test_metric_summary(void **state)
{
	fx *f = *state;
	mlops_run *run = start(f->store, "summary");
	const char *id = mlops_run_id(run);
	/* last = largest (step, ts, value); min/max ignore NaN; Inf counts */
	th_ok(mlops_run_log_metric(run, "loss", 5.0, 3, 100));
	th_ok(mlops_run_log_metric(run, "loss", 1.0, 7, 50));
	th_ok(mlops_run_log_metric(run, "loss", NAN, 2, 10));
	th_ok(mlops_run_log_metric(run, "loss", -INFINITY, 1, 10));
	th_ok(mlops_run_log_metric(run, "loss", 9.0, 7, 40));   /* same step, older ts: not last */
	th_ok(mlops_run_flush(run));
	mlops_metric_summary *s = summary(f->store, id, "loss");
	assert_true(s->last == 1.0);
	assert_int_equal(s->last_step, 7);
	assert_int_equal(s->last_timestamp_ms, 50);
	assert_true(isinf(s->min) && s->min < 0);
	assert_true(s->max == 9.0);
	assert_int_equal(s->count, 5);
	assert_int_equal(s->first_step, 1);
	assert_int_equal(s->max_step, 7);
	mlops_metric_summary_free(s);

	/* second flush: tie on (step, ts) -> larger value wins; NaN ranks as 0 */
	th_ok(mlops_run_log_metric(run, "loss", 2.0, 7, 50));
	th_ok(mlops_run_flush(run));
	s = summary(f->store, id, "loss");
	assert_true(s->last == 2.0);
	assert_int_equal(s->count, 6);
	mlops_metric_summary_free(s);
	th_ok(mlops_run_log_metric(run, "loss", NAN, 7, 50)); /* NaN ranks as 0 < 2.0: no change */
	th_ok(mlops_run_log_metric(run, "loss", 2.0, 7, 50)); /* equal triple: keep */
	th_ok(mlops_run_flush(run));
	s = summary(f->store, id, "loss");
	assert_true(s->last == 2.0);
	mlops_metric_summary_free(s);
	th_ok(mlops_run_log_metric(run, "loss", NAN, 8, 1));  /* larger step: NaN becomes last */
	th_ok(mlops_run_flush(run));
	s = summary(f->store, id, "loss");
	assert_true(isnan(s->last));
	assert_int_equal(s->last_step, 8);
	assert_true(s->max == 9.0);
	mlops_metric_summary_free(s);
	th_ok(mlops_run_log_metric(run, "loss", -1.0, 8, 1)); /* -1 < NaN(=0) on a tie: NaN stays last */
	th_ok(mlops_run_flush(run));
	s = summary(f->store, id, "loss");
	assert_true(isnan(s->last));
	mlops_metric_summary_free(s);
	th_ok(mlops_run_log_metric(run, "loss", 0.5, 8, 1)); /* 0.5 > NaN(=0) on a tie: replaces */
	th_ok(mlops_run_flush(run));
	s = summary(f->store, id, "loss");
	assert_true(s->last == 0.5);
	mlops_metric_summary_free(s);

	/* all NaN: min/max NaN */
	th_ok(mlops_run_log_metric(run, "nan", NAN, 0, 1));
	th_ok(mlops_run_log_metric(run, "nan", NAN, 1, 1));
	th_ok(mlops_run_log_metric(run, "inf", INFINITY, 0, 1));
	th_ok(mlops_run_flush(run));
	s = summary(f->store, id, "nan");
	assert_true(isnan(s->min) && isnan(s->max) && isnan(s->last));
	assert_int_equal(s->count, 2);
	mlops_metric_summary_free(s);
	s = summary(f->store, id, "inf");
	assert_true(isinf(s->last) && s->last > 0 && isinf(s->max));
	mlops_metric_summary_free(s);

	mlops_metric_iter *it;
	const mlops_metric_summary *m;
	th_ok(mlops_runs_metrics(&it, f->store, id));
	th_ok(mlops_metric_next(&m, it));
	assert_string_equal(m->key, "inf");
	th_ok(mlops_metric_next(&m, it));
	assert_string_equal(m->key, "loss");
	th_ok(mlops_metric_next(&m, it));
	assert_string_equal(m->key, "nan");
	th_assert_rc(mlops_metric_next(&m, it), MLOPS_ITEROVER);
	mlops_metric_iter_free(it);
	th_assert_rc(mlops_runs_metric_get(&s, f->store, id, "missing"), MLOPS_ENOTFOUND);
	th_assert_rc(mlops_run_log_metric(run, "bad//key", 1, 0, 0), MLOPS_EINVAL);
	assert_int_equal(mlops_run_buffered(run), 0);
	mlops_run_free(run);
}

static void test_flush_triggers(void **state)
{
	fx *f = *state;
	mlops_run_options o = MLOPS_RUN_OPTIONS_INIT;
	o.flush_points = 10;
	o.flush_interval_ms = -1;
	mlops_run *run;
	th_ok(mlops_run_start(&run, f->store, &o));
	char id[MLOPS_RUN_ID_BUFSIZE];
	strcpy(id, mlops_run_id(run));
	for (int i = 0; i < 9; i++)
		th_ok(mlops_run_log_metric(run, "m", i, i, 0));
	assert_int_equal(mlops_run_buffered(run), 9);
	th_assert_rc(mlops_runs_metric_get(&(mlops_metric_summary *){ NULL }, f->store, id, "m"), MLOPS_ENOTFOUND);
	th_ok(mlops_run_log_metric(run, "m", 9, 9, 0)); /* size trigger */
	assert_int_equal(mlops_run_buffered(run), 0);
	mlops_metric_summary *s = summary(f->store, id, "m");
	assert_int_equal(s->count, 10);
	mlops_metric_summary_free(s);
	assert_int_equal(audit_count(f->store, "metric.flush", id), 1);

	/* batch APIs, and a bad key in a batch buffers nothing */
	const char *keys[] = { "a", "b", "a" };
	double vals[] = { 1, 2, 3 };
	int64_t steps[] = { 0, 0, 1 };
	th_ok(mlops_run_log_metrics(run, keys, vals, steps, NULL, 3));
	assert_int_equal(mlops_run_buffered(run), 3);
	const char *badkeys[] = { "a", "/b" };
	th_assert_rc(mlops_run_log_metrics(run, badkeys, vals, NULL, NULL, 2), MLOPS_EINVAL);
	assert_int_equal(mlops_run_buffered(run), 3);
	double series[25];
	for (int i = 0; i < 25; i++)
		series[i] = i * 0.5;
	th_ok(mlops_run_log_metric_series(run, "s", series, NULL, NULL, 25)); /* 28 >= 10: flushed */
	assert_int_equal(mlops_run_buffered(run), 0);
	s = summary(f->store, id, "s");
	assert_int_equal(s->count, 25);
	assert_int_equal(s->max_step, 24);
	assert_true(s->last == 12.0);
	mlops_metric_summary_free(s);
	s = summary(f->store, id, "a");
	assert_int_equal(s->count, 2);
	assert_true(s->last == 3);
	mlops_metric_summary_free(s);
	mlops_run_free(run);

	/* age trigger */
	o.flush_points = 1000;
	o.flush_interval_ms = 20;
	th_ok(mlops_run_start(&run, f->store, &o));
	strcpy(id, mlops_run_id(run));
	th_ok(mlops_run_log_metric(run, "m", 1, 0, 0));
	assert_int_equal(mlops_run_buffered(run), 1);
	struct timespec ts = { 0, 40 * 1000000L };
	nanosleep(&ts, NULL);
	th_ok(mlops_run_log_metric(run, "m", 2, 1, 0));
	assert_int_equal(mlops_run_buffered(run), 0);

	/* free flushes */
	th_ok(mlops_run_log_metric(run, "m", 3, 2, 0));
	assert_int_equal(mlops_run_buffered(run), 1);
	mlops_run_free(run);
	s = summary(f->store, id, "m");
	assert_int_equal(s->count, 3);
	mlops_metric_summary_free(s);

	/* end flushes; flush into a deleted run fails and keeps the points */
	th_ok(mlops_run_start(&run, f->store, &o));
	strcpy(id, mlops_run_id(run));
	th_ok(mlops_run_log_metric(run, "m", 1, 0, 0));
	th_ok(mlops_runs_delete(f->store, id));
	th_assert_rc(mlops_run_flush(run), MLOPS_ECONFLICT);
	assert_int_equal(mlops_run_buffered(run), 1);
	th_ok(mlops_runs_restore(f->store, id));
	th_ok(mlops_run_end(run, MLOPS_RUN_FINISHED));
	assert_int_equal(mlops_run_buffered(run), 0);
	s = summary(f->store, id, "m");
	assert_int_equal(s->count, 1);
	mlops_metric_summary_free(s);
	th_assert_rc(mlops_run_log_metric(run, "m", 1, 0, 0), MLOPS_ECONFLICT);
	th_assert_rc(mlops_runs_log_metric(f->store, id, "m", 1, 0, 0), MLOPS_ECONFLICT);
	mlops_run_free(run);
}

static void test_history(void **state)
{
	fx *f = *state;
	mlops_run_options o = MLOPS_RUN_OPTIONS_INIT;
	o.flush_points = 300; /* several blocks */
	mlops_run *run;
	th_ok(mlops_run_start(&run, f->store, &o));
	char id[MLOPS_RUN_ID_BUFSIZE];
	strcpy(id, mlops_run_id(run));
	/* logged out of order across blocks; values: a slow curve with a spike at 777 and a dip at 123 */
	for (int64_t i = 999; i >= 0; i--) {
		double v = sin((double)i / 100.0);
		if (i == 777)
			v = 50.0;
		if (i == 123)
			v = -50.0;
		th_ok(mlops_run_log_metric(run, "curve", v, i, 1000 + i));
	}
	th_ok(mlops_run_log_metric(run, "special", NAN, 0, 1));
	th_ok(mlops_run_log_metric(run, "special", INFINITY, 1, 1));
	th_ok(mlops_run_log_metric(run, "special", -INFINITY, 2, 1));
	th_ok(mlops_run_log_metric(run, "special", -0.0, 3, 1));
	th_ok(mlops_run_log_metric(run, "special", 5e-324, 4, INT64_MAX));
	th_ok(mlops_run_log_metric(run, "special", 1.0, INT64_MIN, -5));
	th_ok(mlops_run_flush(run));

	mlops_metric_history *h;
	th_ok(mlops_runs_metric_history(&h, f->store, id, "curve", NULL));
	assert_int_equal(mlops_metric_history_count(h), 1000);
	const int64_t *st = mlops_metric_history_steps(h);
	const int64_t *ts = mlops_metric_history_timestamps(h);
	const double *v = mlops_metric_history_values(h);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(st[i], i);
		assert_int_equal(ts[i], 1000 + i);
	}
	assert_true(v[777] == 50.0);
	mlops_metric_history_free(h);

	mlops_history_options ho = MLOPS_HISTORY_OPTIONS_INIT;
	ho.step_min = 100;
	ho.step_max = 199;
	th_ok(mlops_runs_metric_history(&h, f->store, id, "curve", &ho));
	assert_int_equal(mlops_metric_history_count(h), 100);
	assert_int_equal(mlops_metric_history_steps(h)[0], 100);
	assert_int_equal(mlops_metric_history_steps(h)[99], 199);
	mlops_metric_history_free(h);

	ho = (mlops_history_options)MLOPS_HISTORY_OPTIONS_INIT;
	ho.max_points = 20;
	th_ok(mlops_runs_metric_history(&h, f->store, id, "curve", &ho));
	size_t n = mlops_metric_history_count(h);
	assert_true(n <= 20 && n >= 10);
	st = mlops_metric_history_steps(h);
	v = mlops_metric_history_values(h);
	int spike = 0, dip = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			assert_true(st[i] > st[i - 1]);
		spike |= v[i] == 50.0 && st[i] == 777;
		dip |= v[i] == -50.0 && st[i] == 123;
	}
	assert_true(spike && dip);
	/* each bucket of width 100 keeps its own min and max: bucket 0 (steps 0..99) max is sin(0.99) at step 99 */
	assert_int_equal(st[0], 0);
	assert_int_equal(st[1], 99);
	mlops_metric_history_free(h);

	th_ok(mlops_runs_metric_history(&h, f->store, id, "special", NULL));
	assert_int_equal(mlops_metric_history_count(h), 6);
	st = mlops_metric_history_steps(h);
	ts = mlops_metric_history_timestamps(h);
	v = mlops_metric_history_values(h);
	assert_int_equal(st[0], INT64_MIN);
	assert_int_equal(ts[0], -5);
	assert_true(isnan(v[1]));
	assert_true(isinf(v[2]) && v[2] > 0);
	assert_true(isinf(v[3]) && v[3] < 0);
	assert_true(v[4] == 0.0 && signbit(v[4]));
	assert_true(v[5] == 5e-324);
	assert_int_equal(ts[5], INT64_MAX);
	mlops_metric_history_free(h);

	th_ok(mlops_runs_metric_history(&h, f->store, id, "never-logged", NULL));
	assert_int_equal(mlops_metric_history_count(h), 0);
	assert_null(mlops_metric_history_values(h));
	mlops_metric_history_free(h);
	ho = (mlops_history_options)MLOPS_HISTORY_OPTIONS_INIT;
	ho.max_points = 1;
	th_assert_rc(mlops_runs_metric_history(&h, f->store, id, "curve", &ho), MLOPS_EINVAL);
	ho.max_points = 0;
	ho.step_min = 5;
	ho.step_max = 4;
	th_assert_rc(mlops_runs_metric_history(&h, f->store, id, "curve", &ho), MLOPS_EINVAL);
	th_assert_rc(mlops_runs_metric_history(&h, f->store, "0123456789abcdef0123456789abcdef", "curve", NULL),
	             MLOPS_ENOTFOUND);

	/* id-based single point */
	th_ok(mlops_runs_log_metric(f->store, id, "by_id", 4.5, 3, 0));
	mlops_metric_summary *s = summary(f->store, id, "by_id");
	assert_true(s->last == 4.5);
	assert_true(s->last_timestamp_ms > 1600000000000);
	mlops_metric_summary_free(s);
	assert_int_equal(audit_count(f->store, "metric.log", id), 1);
	mlops_run_free(run);
}

static void test_blocks(void **state)
{
	(void)state;
	int64_t st[5] = { INT64_MIN, INT64_MAX, 0, -1, 1 };
	int64_t ts[5] = { 0, INT64_MIN, INT64_MAX, 7, 7 };
	double v[5] = { NAN, -INFINITY, 1.5, -0.0, 1e308 };
	mlops_buf b = MLOPS_BUF_INIT;
	th_ok(mlops_runs__block_encode(&b, st, ts, v, 5));
	int64_t st2[5], ts2[5];
	double v2[5];
	th_ok(mlops_runs__block_decode(st2, ts2, v2, 5, b.data, b.len));
	assert_memory_equal(st, st2, sizeof(st));
	assert_memory_equal(ts, ts2, sizeof(ts));
	assert_memory_equal(v, v2, sizeof(v));
	th_assert_rc(mlops_runs__block_decode(st2, ts2, v2, 4, b.data, b.len), MLOPS_ECORRUPT);
	th_assert_rc(mlops_runs__block_decode(st2, ts2, v2, 5, b.data, b.len - 1), MLOPS_ECORRUPT);
	/* a long regular series compresses well below 10 bytes a point */
	enum { N = 10000 };
	int64_t *s3 = malloc(N * sizeof(int64_t)), *t3 = malloc(N * sizeof(int64_t));
	double *v3 = malloc(N * sizeof(double));
	for (int i = 0; i < N; i++) {
		s3[i] = i;
		t3[i] = 1700000000000 + i / 10;
		v3[i] = 1.0 / (1 + i * 0.01);
	}
	th_ok(mlops_runs__block_encode(&b, s3, t3, v3, N));
	assert_true(b.len < (size_t)N * 10);
	int64_t *s4 = malloc(N * sizeof(int64_t)), *t4 = malloc(N * sizeof(int64_t));
	double *v4 = malloc(N * sizeof(double));
	th_ok(mlops_runs__block_decode(s4, t4, v4, N, b.data, b.len));
	assert_memory_equal(v3, v4, N * sizeof(double));
	assert_memory_equal(t3, t4, N * sizeof(int64_t));
	free(s3), free(t3), free(v3), free(s4), free(t4), free(v4);
	mlops__buf_free(&b);
	assert_true(mlops_runs__point_cmp(1, 0, 0, 0, 9, 9) > 0);
	assert_true(mlops_runs__point_cmp(1, 2, NAN, 1, 2, 0.0) == 0);
	assert_true(mlops_runs__point_cmp(1, 2, NAN, 1, 2, -1.0) > 0);
}

static void test_log_batch(void **state)
{
	fx *f = *state;
	mlops_run *run = start(f->store, "batch");
	char id[MLOPS_RUN_ID_BUFSIZE];
	strcpy(id, mlops_run_id(run));
	mlops_run_free(run);
	const char *mk[] = { "b", "a", "b", "a", "b" };
	double mv[] = { 1, 10, 2, 20, NAN };
	int64_t ms[] = { 0, 0, 1, 1, 2 };
	const char *pk[] = { "lr", "opt" }, *pv[] = { "0.1", "adam" };
	const char *tk[] = { "team", MLOPS_TAG_RUN_NAME }, *tv[] = { "cv", "batched" };
	mlops_run_batch b = MLOPS_RUN_BATCH_INIT;
	b.metric_keys = mk;
	b.metric_values = mv;
	b.metric_steps = ms;
	b.n_metrics = 5;
	b.param_keys = pk;
	b.param_values = pv;
	b.n_params = 2;
	b.tag_keys = tk;
	b.tag_values = tv;
	b.n_tags = 2;
	th_ok(mlops_runs_log_batch(f->store, id, &b));
	mlops_metric_summary *s = summary(f->store, id, "b");
	assert_int_equal(s->count, 3);
	assert_true(isnan(s->last) && s->last_step == 2);
	assert_true(s->max == 2);
	mlops_metric_summary_free(s);
	s = summary(f->store, id, "a");
	assert_true(s->last == 20 && s->count == 2);
	mlops_metric_summary_free(s);
	mlops_run_info *ri;
	th_ok(mlops_runs_get(&ri, f->store, id));
	assert_string_equal(ri->run_name, "batched");
	mlops_run_info_free(ri);
	assert_int_equal(audit_count(f->store, "metric.log", id), 1);

	/* all or nothing: a conflicting param rolls back the metrics and tags of the batch */
	pv[0] = "0.2";
	tv[0] = "nlp";
	th_assert_rc(mlops_runs_log_batch(f->store, id, &b), MLOPS_ECONFLICT);
	s = summary(f->store, id, "b");
	assert_int_equal(s->count, 3);
	mlops_metric_summary_free(s);
	char *v;
	th_ok(mlops_runs_param_get(&v, f->store, id, "lr"));
	assert_string_equal(v, "0.1");
	mlops_free(v);
	b.flags = MLOPS_PARAM_OVERWRITE;
	th_ok(mlops_runs_log_batch(f->store, id, &b));
	mlops_metric_history *h;
	th_ok(mlops_runs_metric_history(&h, f->store, id, "b", NULL));
	assert_int_equal(mlops_metric_history_count(h), 6);
	mlops_metric_history_free(h);
	/* validation before anything */
	mk[4] = "bad//key";
	th_assert_rc(mlops_runs_log_batch(f->store, id, &b), MLOPS_EINVAL);
	mk[4] = "b";
	b.param_values = NULL;
	th_assert_rc(mlops_runs_log_batch(f->store, id, &b), MLOPS_EINVAL);
	b.param_values = pv;
	b.version = 3;
	th_assert_rc(mlops_runs_log_batch(f->store, id, &b), MLOPS_EVERSION);
	mlops_run_batch d;
	th_ok(mlops_run_batch_init(&d, MLOPS_RUN_BATCH_VERSION));
	th_ok(mlops_runs_log_batch(f->store, id, &d)); /* empty batch */
	/* finished run: tags only are fine, metrics are refused */
	th_ok(mlops_runs_set_terminated(f->store, id, MLOPS_RUN_FINISHED, 0));
	d.tag_keys = tk;
	d.tag_values = tv;
	d.n_tags = 1;
	th_ok(mlops_runs_log_batch(f->store, id, &d));
	b.version = MLOPS_RUN_BATCH_VERSION;
	th_assert_rc(mlops_runs_log_batch(f->store, id, &b), MLOPS_ECONFLICT);
}

/* ---- artifacts ---- */

static void write_text(const char *dir, const char *rel, const char *text, int mode)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	th_write_file(path, text, strlen(text));
	assert_int_equal(chmod(path, (mode_t)mode), 0);
}

static char *slurp(const char *path)
{
	char *data = NULL;
	size_t n = 0;
	assert_int_equal(mlops__file_read_all(&data, &n, path), 0);
	return data;
}

static void test_artifacts(void **state)
{
	fx *f = *state;
	mlops_run *run = start(f->store, "artifacts");
	const char *id = mlops_run_id(run);
	char src[4200], path[4400];
	snprintf(src, sizeof(src), "%s/model", f->dir);
	assert_int_equal(mkdir(src, 0755), 0);
	snprintf(path, sizeof(path), "%s/sub", src);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/sub/deeper", src);
	assert_int_equal(mkdir(path, 0755), 0);
	write_text(src, "weights.bin", "0123456789", 0644);
	write_text(src, "run.sh", "#!/bin/sh\necho hi\n", 0755);
	write_text(src, "sub/config.json", "{\"a\":1}", 0600);
	write_text(src, "sub/deeper/dup.bin", "0123456789", 0644); /* same content as weights.bin */
	th_ok(mlops_run_log_artifact(run, src, NULL));
	snprintf(path, sizeof(path), "%s/model/sub/config.json", f->dir);
	th_ok(mlops_run_log_artifact(run, path, "configs"));
	th_ok(mlops_run_log_artifacts(run, src, "flat"));
	th_ok(mlops_run_log_artifact_data(run, "notes/readme.md", "hello", 5));
	th_assert_rc(mlops_run_log_artifact(run, "/nonexistent/file", NULL), MLOPS_ENOTFOUND);
	th_assert_rc(mlops_run_log_artifact(run, path, "../escape"), MLOPS_EINVAL);
	th_assert_rc(mlops_run_log_artifacts(run, path, NULL), MLOPS_EINVAL); /* not a directory */
	th_assert_rc(mlops_run_log_artifact_data(run, "/abs", "x", 1), MLOPS_EINVAL);

	mlops_artifact_iter *it;
	const mlops_artifact_info *a;
	th_ok(mlops_runs_artifacts(&it, f->store, id, "model"));
	const char *expect[] = { "model/run.sh", "model/sub/config.json", "model/sub/deeper/dup.bin",
		                 "model/weights.bin" };
	char oid_w[MLOPS_OID_BUFSIZE] = "", oid_d[MLOPS_OID_BUFSIZE] = "";
	for (size_t i = 0; i < 4; i++) {
		th_ok(mlops_artifact_next(&a, it));
		assert_string_equal(a->path, expect[i]);
		if (i == 0)
			assert_int_equal(a->mode, 0755);
		if (i == 1)
			assert_int_equal(a->mode, 0600);
		if (i == 2)
			strcpy(oid_d, a->object_id);
		if (i == 3) {
			strcpy(oid_w, a->object_id);
			assert_int_equal(a->size, 10);
		}
	}
	th_assert_rc(mlops_artifact_next(&a, it), MLOPS_ITEROVER);
	mlops_artifact_iter_free(it);
	assert_string_equal(oid_w, oid_d); /* deduplicated by content */
	th_ok(mlops_runs_artifacts(&it, f->store, id, "mod"));
	th_assert_rc(mlops_artifact_next(&a, it), MLOPS_ITEROVER); /* a prefix is a path, not a string prefix */
	mlops_artifact_iter_free(it);
	size_t total = 0;
	th_ok(mlops_runs_artifacts(&it, f->store, id, NULL));
	while (mlops_artifact_next(&a, it) == 0)
		total++;
	mlops_artifact_iter_free(it);
	assert_int_equal(total, 4 + 1 + 4 + 1);

	/* restore a directory and a single file */
	char dest[4300];
	snprintf(dest, sizeof(dest), "%s/restored", f->dir);
	th_ok(mlops_runs_artifact_restore(f->store, id, "model", dest));
	snprintf(path, sizeof(path), "%s/sub/deeper/dup.bin", dest);
	char *data = slurp(path);
	assert_string_equal(data, "0123456789");
	free(data);
	struct stat sb;
	snprintf(path, sizeof(path), "%s/run.sh", dest);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0755);
	snprintf(path, sizeof(path), "%s/sub/config.json", dest);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	snprintf(path, sizeof(path), "%s/one.md", f->dir);
	th_ok(mlops_runs_artifact_restore(f->store, id, "notes/readme.md", path));
	data = slurp(path);
	assert_string_equal(data, "hello");
	free(data);
	th_assert_rc(mlops_runs_artifact_restore(f->store, id, "nothing", path), MLOPS_ENOTFOUND);

	/* stream */
	mlops_object_reader *r;
	th_ok(mlops_runs_artifact_open(&r, f->store, id, "configs/config.json"));
	char buf[64];
	size_t got;
	th_ok(mlops_object_reader_read(&got, r, buf, sizeof(buf)));
	assert_int_equal(got, 7);
	assert_memory_equal(buf, "{\"a\":1}", 7);
	mlops_object_reader_free(r);
	th_assert_rc(mlops_runs_artifact_open(&r, f->store, id, "model"), MLOPS_ENOTFOUND);
	assert_int_equal(audit_count(f->store, "artifact.log", id), 4);

	/* purge: artifacts become garbage */
	th_ok(mlops_run_end(run, MLOPS_RUN_FINISHED));
	th_assert_rc(mlops_run_log_artifact_data(run, "late.txt", "x", 1), MLOPS_ECONFLICT);
	uint64_t purged = 9;
	th_assert_rc(mlops_runs_purge(&purged, f->store, id, 0), MLOPS_ECONFLICT);
	th_ok(mlops_runs_delete(f->store, id));
	th_ok(mlops_runs_purge(&purged, f->store, NULL, 3600 * 1000)); /* not old enough */
	assert_int_equal(purged, 0);
	th_ok(mlops_runs_purge(&purged, f->store, NULL, 0));
	assert_int_equal(purged, 1);
	mlops_run_info *ri;
	th_assert_rc(mlops_runs_get(&ri, f->store, id), MLOPS_ENOTFOUND);
	assert_int_equal(audit_count(f->store, "run.purge", id), 1);
	int exists = 0;
	th_ok(mlops_object_exists(&exists, f->store, oid_w));
	assert_int_equal(exists, 1);
	mlops_gc_options go = MLOPS_GC_OPTIONS_INIT;
	go.grace_seconds = 0;
	mlops_gc_stats gs = MLOPS_GC_STATS_INIT;
	th_ok(mlops_store_gc(&gs, f->store, &go));
	th_ok(mlops_object_exists(&exists, f->store, oid_w));
	assert_int_equal(exists, 0);
	mlops_run_free(run);
}

static void test_inputs(void **state)
{
	fx *f = *state;
	mlops_run *run = start(f->store, "inputs");
	const char *id = mlops_run_id(run);
	char oid[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(oid, f->store, "training data", 13));
	th_ok(mlops_run_log_input(run, MLOPS_KIND_OBJECT, oid, "training"));
	th_ok(mlops_run_log_input(run, MLOPS_KIND_DATASET_VERSION, "ds:mnist@3", "eval"));
	th_ok(mlops_run_log_input(run, MLOPS_KIND_DATASET_VERSION, "ds:mnist@3", "validation"));
	th_assert_rc(mlops_run_log_input(run, "table", "x", NULL), MLOPS_EINVAL);
	th_assert_rc(mlops_run_log_input(run, MLOPS_KIND_OBJECT, "0123456789abcdef0123456789abcdef", NULL),
	             MLOPS_ENOTFOUND);
	th_assert_rc(mlops_run_log_input(run, MLOPS_KIND_OBJECT, "xyz", NULL), MLOPS_EINVAL);
	mlops_input_iter *it;
	const mlops_run_input *in;
	int seen = 0;
	size_t n = 0;
	th_ok(mlops_runs_inputs(&it, f->store, id));
	while (mlops_input_next(&in, it) == 0) {
		n++;
		if (!strcmp(in->kind, MLOPS_KIND_OBJECT) && !strcmp(in->id, oid) && !strcmp(in->context, "training"))
			seen |= 1;
		if (!strcmp(in->kind, MLOPS_KIND_DATASET_VERSION) && !strcmp(in->context, "validation"))
			seen |= 2;
	}
	mlops_input_iter_free(it);
	assert_int_equal(n, 2);
	assert_int_equal(seen, 3);

	mlops_lineage_iter *li;
	mlops_lineage_edge e;
	th_ok(mlops_lineage_walk(&li, f->store, MLOPS_KIND_RUN, id, MLOPS_LINEAGE_UPSTREAM, 1));
	n = 0;
	int rc;
	while ((rc = mlops_lineage_next(&e, li)) == 0) {
		assert_string_equal(e.relation, "input");
		assert_string_equal(e.to_id, id);
		n++;
	}
	assert_int_equal(rc, MLOPS_ITEROVER);
	mlops_lineage_iter_free(li);
	assert_int_equal(n, 2);
	assert_int_equal(audit_count(f->store, "input.log", id), 3);
	mlops_run_free(run);
}

static void test_readonly_and_free_order(void **state)
{
	fx *f = *state;
	mlops_run *run = start(f->store, "ro");
	char id[MLOPS_RUN_ID_BUFSIZE];
	strcpy(id, mlops_run_id(run));
	th_ok(mlops_run_log_metric(run, "m", 1, 0, 0));
	/* freeing the store first is safe: the run keeps it alive and still flushes */
	mlops_store_free(f->store);
	f->store = NULL;
	mlops_run_free(run);

	char path[4200];
	snprintf(path, sizeof(path), "%s/store", f->dir);
	mlops_store_options so = MLOPS_STORE_OPTIONS_INIT;
	so.flags = MLOPS_STORE_READONLY;
	mlops_store *ro;
	th_ok(mlops_store_open(&ro, path, &so));
	mlops_metric_summary *s = summary(ro, id, "m");
	assert_int_equal(s->count, 1);
	mlops_metric_summary_free(s);
	mlops_run *r2 = NULL;
	th_assert_rc(mlops_run_start(&r2, ro, NULL), MLOPS_EREADONLY);
	th_assert_rc(mlops_experiment_create(NULL, ro, "x", NULL), MLOPS_EREADONLY);
	th_assert_rc(mlops_runs_set_tag(ro, id, "k", "v"), MLOPS_EREADONLY);
	th_assert_rc(mlops_runs_delete(ro, id), MLOPS_EREADONLY);
	th_assert_rc(mlops_run_resume(&r2, ro, id), MLOPS_EREADONLY);
	mlops_store_free(ro);
	th_ok(mlops_store_open(&f->store, path, NULL));
}

static void test_misc_api(void **state)
{
	fx *f = *state;
	assert_string_equal(mlops_run_status_name(MLOPS_RUN_KILLED), "KILLED");
	assert_string_equal(mlops_run_status_name(42), "UNKNOWN");
	int st;
	th_ok(mlops_run_status_parse(&st, "finished"));
	assert_int_equal(st, MLOPS_RUN_FINISHED);
	th_assert_rc(mlops_run_status_parse(&st, "DONE"), MLOPS_EINVAL);
	mlops_run_options ro;
	th_ok(mlops_run_options_init(&ro, MLOPS_RUN_OPTIONS_VERSION));
	th_assert_rc(mlops_run_options_init(&ro, 7), MLOPS_EVERSION);
	mlops_history_options ho;
	th_ok(mlops_history_options_init(&ho, MLOPS_HISTORY_OPTIONS_VERSION));
	assert_true(ho.step_min == INT64_MIN && ho.step_max == INT64_MAX);
	mlops_run_list_options lo;
	th_ok(mlops_run_list_options_init(&lo, MLOPS_RUN_LIST_OPTIONS_VERSION));
	mlops_experiment_list_options eo;
	th_ok(mlops_experiment_list_options_init(&eo, MLOPS_EXPERIMENT_LIST_OPTIONS_VERSION));
	mlops_run_free(NULL);
	mlops_run_info_free(NULL);
	mlops_experiment_info_free(NULL);
	mlops_metric_history_free(NULL);
	mlops_metric_summary_free(NULL);
	mlops_run_iter_free(NULL);
	mlops_experiment_iter_free(NULL);
	mlops_runs_kv_iter_free(NULL);
	mlops_artifact_iter_free(NULL);
	mlops_input_iter_free(NULL);
	mlops_metric_iter_free(NULL);
	assert_int_equal(mlops_run_buffered(NULL), 0);
	assert_string_equal(mlops_run_id(NULL), "");

	/* set_terminated by id; list views */
	mlops_run *run = start(f->store, "term");
	char id[MLOPS_RUN_ID_BUFSIZE];
	strcpy(id, mlops_run_id(run));
	th_assert_rc(mlops_runs_set_terminated(f->store, id, MLOPS_RUN_SCHEDULED, 0), MLOPS_EINVAL);
	th_ok(mlops_runs_set_terminated(f->store, id, MLOPS_RUN_KILLED, 1234));
	mlops_run_info *ri;
	th_ok(mlops_runs_get(&ri, f->store, id));
	assert_int_equal(ri->status, MLOPS_RUN_KILLED);
	assert_int_equal(ri->end_ms, 1234);
	mlops_run_info_free(ri);
	/* the handle still owns its run */
	th_ok(mlops_run_log_param(run, "owner", "yes"));
	mlops_run_free(run);
	th_ok(mlops_runs_delete(f->store, id));
	mlops_run_iter *it;
	const mlops_run_info *li;
	th_ok(mlops_runs_list(&it, f->store, NULL));
	th_assert_rc(mlops_runs_next(&li, it), MLOPS_ITEROVER);
	mlops_run_iter_free(it);
	lo.view = MLOPS_VIEW_DELETED_ONLY;
	th_ok(mlops_runs_list(&it, f->store, &lo));
	th_ok(mlops_runs_next(&li, it));
	assert_string_equal(li->run_id, id);
	assert_int_equal(li->deleted, 1);
	assert_true(li->deleted_ms > 0);
	mlops_run_iter_free(it);
	lo.view = MLOPS_VIEW_ALL;
	th_ok(mlops_runs_list(&it, f->store, &lo));
	th_ok(mlops_runs_next(&li, it));
	th_assert_rc(mlops_runs_next(&li, it), MLOPS_ITEROVER);
	mlops_run_iter_free(it);
	lo.view = 0;
	lo.limit = 1;
	const char *noexp[] = { "5" };
	lo.experiment_ids = noexp;
	lo.n_experiment_ids = 1;
	th_ok(mlops_runs_list(&it, f->store, &lo));
	th_assert_rc(mlops_runs_next(&li, it), MLOPS_ITEROVER);
	mlops_run_iter_free(it);
	th_assert_rc(mlops_runs_restore(f->store, "0123456789abcdef0123456789abcdef"), MLOPS_ENOTFOUND);
	th_ok(mlops_runs_restore(f->store, id));
	th_assert_rc(mlops_runs_restore(f->store, id), MLOPS_ECONFLICT);
	assert_int_equal(audit_count(f->store, "run.delete", id), 1);
	assert_int_equal(audit_count(f->store, "run.restore", id), 1);
	assert_int_equal(audit_count(f->store, "run.end", id), 1);
}

/* An object store failure while logging artifacts leaves no artifact row and the run usable; a restore that
 * cannot read an object fails without leaving a partial file. */
static void test_artifact_faults(void **state)
{
	(void)state;
	char *dir = th_tmpdir("runs-faults");
	char loc[4200], file[4200];
	snprintf(loc, sizeof(loc), "%s/objects", dir);
	mlops_backend *inner = NULL;
	th_ok(mlops_backend_new(&inner, "fs", loc, MLOPS_SYNC_NORMAL));
	th_fault_backend *fb = th_fault_new(inner);
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.backend_instance = th_fault_base(fb);
	mlops_store *store;
	th_ok(mlops_store_open(&store, dir, &o));
	mlops_run *run = start(store, "faults");
	const char *id = mlops_run_id(run);

	th_fault_arm(fb, TH_OP_WRITE, 1, TH_FAULT_ENOSPC);
	th_assert_rc(mlops_run_log_artifact_data(run, "a.txt", "some bytes", 10), MLOPS_ENOSPC);
	assert_true(th_fault_fired(fb));
	mlops_artifact_iter *it;
	const mlops_artifact_info *a;
	th_ok(mlops_runs_artifacts(&it, store, id, NULL));
	th_assert_rc(mlops_artifact_next(&a, it), MLOPS_ITEROVER);
	mlops_artifact_iter_free(it);
	assert_int_equal(audit_count(store, "artifact.log", id), 0);

	th_ok(mlops_run_log_artifact_data(run, "a.txt", "some bytes", 10));
	snprintf(file, sizeof(file), "%s/out.txt", dir);
	th_fault_arm(fb, TH_OP_READ, 1, TH_FAULT_EIO);
	th_assert_rc(mlops_runs_artifact_restore(store, id, "a.txt", file), MLOPS_EIO);
	assert_int_not_equal(access(file, F_OK), 0);
	th_ok(mlops_runs_artifact_restore(store, id, "a.txt", file));
	char *data = slurp(file);
	assert_string_equal(data, "some bytes");
	free(data);

	/* purge of one given run */
	th_ok(mlops_run_end(run, MLOPS_RUN_FINISHED));
	th_ok(mlops_runs_delete(store, id));
	uint64_t n = 0;
	th_ok(mlops_runs_purge(&n, store, id, 0));
	assert_int_equal(n, 1);
	th_assert_rc(mlops_runs_purge(&n, store, id, 0), MLOPS_ENOTFOUND);
	th_assert_rc(mlops_runs_purge(&n, store, NULL, -1), MLOPS_EINVAL);
	mlops_run_free(run);
	mlops_store_free(store);
	th_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_experiments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_start_and_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tags_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metric_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_triggers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test_setup_teardown(test_log_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_artifacts, setup, teardown),
		cmocka_unit_test(test_artifact_faults),
		cmocka_unit_test_setup_teardown(test_inputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_and_free_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misc_api, setup, teardown),
	};
	return cmocka_run_group_tests_name("runs", tests, NULL, NULL);
}
