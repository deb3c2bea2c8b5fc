/*
 * Unit tests of run search: the filter and order_by grammar (valid and invalid inputs, quoting, error
 * positions), the SQL semantics (missing keys, NaN, LIKE/ILIKE, IN, IS NULL, OR/NOT/parentheses, aggregates),
 * ordering (missing last, NaN after numbers), pagination and projection. Blocks that port MLflow's own tests name
 * the test they mirror (tests/utils/test_search_utils.py, tests/store/tracking/test_sqlalchemy_store.py).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "runs/search_int.h"
#include "test_runs_search_cases.h"

typedef struct fx {
	char *dir;
	char *path;
	mlops_store *store;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	f->dir = th_tmpdir("search");
	f->path = malloc(strlen(f->dir) + 16);
	sprintf(f->path, "%s/store", f->dir);
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.sync = MLOPS_SYNC_OFF;
	o.actor = "tester";
	th_ok(mlops_store_open(&f->store, f->path, &o));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	mlops_store_free(f->store);
	th_rmrf(f->dir);
	free(f->path);
	free(f->dir);
	free(f);
	return 0;
}

/* ---- helpers ---- */

/* Start a run (name, start time) in exp (NULL: Default) and return its id (malloc'd). The run stays RUNNING. */
static char *mk(mlops_store *s, const char *exp, const char *name, int64_t start_ms)
{
	mlops_run_options o = MLOPS_RUN_OPTIONS_INIT;
	o.experiment_id = exp;
	o.run_name = name;
	o.start_ms = start_ms;
	mlops_run *run;
	th_ok(mlops_run_start(&run, s, &o));
	char *id = strdup(mlops_run_id(run));
	mlops_run_free(run);
	return id;
}

static void param(mlops_store *s, const char *id, const char *k, const char *v)
{
	th_ok(mlops_runs_log_param(s, id, k, v, 0));
}

static void tag(mlops_store *s, const char *id, const char *k, const char *v)
{
	th_ok(mlops_runs_set_tag(s, id, k, v));
}

static void metric(mlops_store *s, const char *id, const char *k, double v, int64_t step, int64_t ts)
{
	th_ok(mlops_runs_log_metric(s, id, k, v, step, ts));
}

static char *new_exp(mlops_store *s, const char *name)
{
	char id[MLOPS_EXPERIMENT_ID_BUFSIZE];
	th_ok(mlops_experiment_create(id, s, name, NULL));
	return strdup(id);
}

typedef struct q {
	const char *exp;           /* one experiment, or NULL for all */
	const char *filter;
	const char *order[4];
	int view;
	size_t max;
	const char *token;
} q;

static char last_token[64];

/* Run a search; return the run names in result order joined by spaces, or "ERR <name>" (malloc'd). */
static char *names(mlops_store *s, q in)
{
	mlops_run_search_options o = MLOPS_RUN_SEARCH_OPTIONS_INIT;
	const char *exps[1] = {in.exp};
	if (in.exp) {
		o.experiment_ids = exps;
		o.n_experiment_ids = 1;
	}
	o.filter = in.filter;
	size_t n = 0;
	while (n < 4 && in.order[n])
		n++;
	o.order_by = n ? in.order : NULL;
	o.n_order_by = n;
	o.view = in.view;
	o.max_results = in.max;
	o.page_token = in.token;
	mlops_run_search *r;
	int rc = mlops_runs_search(&r, s, &o);
	char *out = calloc(1, 65536);
	last_token[0] = '\0';
	if (rc) {
		snprintf(out, 65536, "ERR %s", mlops_error_name(rc));
		return out;
	}
	const mlops_run_row *row;
	while ((rc = mlops_run_search_next(&row, r)) == 0) {
		if (out[0])
			strcat(out, " ");
		strcat(out, row->info->run_name);
	}
	assert_int_equal(rc, MLOPS_ITEROVER);
	const char *t = mlops_run_search_next_page_token(r);
	if (t)
		snprintf(last_token, sizeof(last_token), "%s", t);
	mlops_run_search_free(r);
	return out;
}

#define EXPECT(store, expected, ...)                                   \
	do {                                                               \
		q q_ = {__VA_ARGS__};                                          \
		char *got_ = names((store), q_);                               \
		if (strcmp(got_, (expected)) != 0)                             \
			fail_msg("search %s (filter %s): got '%s', expected '%s'", #__VA_ARGS__, \
			         q_.filter ? q_.filter : "-", got_, (expected)); \
		free(got_);                                                    \
	} while (0)

/* ---- grammar: valid filters (mirrors test_search_utils.py::test_filter and test_correct_quote_trimming) ---- */


static void test_parse_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid_filters) / sizeof(valid_filters[0]); i++) {
		const parse_case *c = &valid_filters[i];
		mlops_runs__arena a = {0};
		srch_node *n;
		int rc = mlops_runs__srch_parse_filter(&n, &a, c->filter);
		if (rc)
			fail_msg("'%s' refused: %s", c->filter, mlops_error_last()->message);
		assert_non_null(n);
		assert_int_equal(n->kind, SRCH_N_CMP);
		assert_int_equal(n->id.entity, c->entity);
		assert_string_equal(n->id.key, c->key);
		assert_int_equal(n->op, c->op);
		if (c->value) {
			assert_int_equal(n->n_vals, 1);
			assert_string_equal(n->vals[0].str, c->value);
		} else {
			assert_int_equal(n->n_vals, 0);
		}
		mlops_runs__arena_free(&a);
	}
	/* Aggregates, attributes, conjunctions and the blank filter. */
	mlops_runs__arena a = {0};
	srch_node *n;
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "metrics.loss.min < 0.2"));
	assert_int_equal(n->id.agg, SRCH_AGG_MIN);
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "metrics.`loss`.max > 0.2"));
	assert_int_equal(n->id.agg, SRCH_AGG_MAX);
	assert_string_equal(n->id.key, "loss");
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "metrics.loss.count >= 3"));
	assert_int_equal(n->id.agg, SRCH_AGG_COUNT);
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "metrics.loss.last = 1"));
	assert_int_equal(n->id.agg, SRCH_AGG_LAST);
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "attribute.start_time >= 1234"));
	assert_int_equal(n->id.attr, SRCH_A_START_TIME);
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "run.status = 'RUNNING'"));
	assert_int_equal(n->id.attr, SRCH_A_STATUS);
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "attributes.`Run name` = 'x'"));
	assert_int_equal(n->id.attr, SRCH_A_RUN_NAME);
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "run_name = 'x'"));
	assert_int_equal(n->id.attr, SRCH_A_RUN_NAME);
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "metrics.rmse < 1 and params.model_class = 'LR'"));
	assert_int_equal(n->kind, SRCH_N_AND);
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "tags.a IS NULL AND params.b = 'val'"));
	assert_int_equal(n->kind, SRCH_N_AND);
	assert_int_equal(n->a->op, SRCH_OP_IS_NULL);
	/* OR binds looser than AND; NOT tighter than both. */
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "params.a = 'x' OR params.b = 'y' AND NOT params.c = 'z'"));
	assert_int_equal(n->kind, SRCH_N_OR);
	assert_int_equal(n->b->kind, SRCH_N_AND);
	assert_int_equal(n->b->b->kind, SRCH_N_NOT);
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "(params.a = 'x' OR params.b = 'y') AND params.c IN ('1', \"2\")"));
	assert_int_equal(n->kind, SRCH_N_AND);
	assert_int_equal(n->a->kind, SRCH_N_OR);
	assert_int_equal(n->b->n_vals, 2);
	assert_string_equal(n->b->vals[1].str, "2");
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "attributes.run_id NOT IN ('a','b')"));
	assert_int_equal(n->op, SRCH_OP_NOT_IN);
	th_ok(mlops_runs__srch_parse_filter(&n, &a, ""));
	assert_null(n);
	th_ok(mlops_runs__srch_parse_filter(&n, &a, "   "));
	assert_null(n);
	th_ok(mlops_runs__srch_parse_filter(&n, &a, NULL));
	assert_null(n);
	mlops_runs__arena_free(&a);
}

/* ---- grammar: invalid filters (mirrors test_search_utils.py::test_error_filter, test_error_comparison_clauses,
 * test_bad_quotes, test_invalid_clauses, test_bad_comparators) ---- */

static void test_parse_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_filters) / sizeof(bad_filters[0]); i++) {
		mlops_runs__arena a = {0};
		srch_node *n = (srch_node *)1;
		int rc = mlops_runs__srch_parse_filter(&n, &a, bad_filters[i]);
		if (rc != MLOPS_EPARSE)
			fail_msg("'%s' gave %s, expected MLOPS_EPARSE", bad_filters[i], mlops_error_name(rc));
		assert_null(n);
		const char *msg = mlops_error_last()->message;
		if (!strstr(msg, "position") || !strstr(msg, bad_filters[i]) || !strchr(msg, '^'))
			fail_msg("message for '%s' lacks the position, the quoted filter or the caret: %s", bad_filters[i], msg);
		mlops_runs__arena_free(&a);
	}
	/* Deep nesting is refused, not a stack overflow. */
	char deep[2048];
	size_t k = 0;
	for (int i = 0; i < 500; i++)
		deep[k++] = '(';
	strcpy(deep + k, "params.a = 'x'");
	mlops_runs__arena a = {0};
	srch_node *n;
	th_assert_rc(mlops_runs__srch_parse_filter(&n, &a, deep), MLOPS_EPARSE);
	mlops_runs__arena_free(&a);
}

/* The message quotes the filter and puts a caret under the offending position (1-based). */
static void test_parse_error_message(void **state)
{
	(void)state;
	mlops_runs__arena a = {0};
	srch_node *n;
	th_assert_rc(mlops_runs__srch_parse_filter(&n, &a, "params.acc = LR"), MLOPS_EPARSE);
	const char *msg = mlops_error_last()->message;
	assert_non_null(strstr(msg, "invalid filter at position 14 near 'LR'"));
	assert_non_null(strstr(msg, "\n  params.acc = LR\n               ^"));
	th_assert_rc(mlops_runs__srch_parse_filter(&n, &a, "metrics.acc > 1 AND tags.x > 'a'"), MLOPS_EPARSE);
	msg = mlops_error_last()->message;
	assert_non_null(strstr(msg, "position 28 near '> 'a''"));
	assert_non_null(strstr(msg, "operator not valid for a tag"));
	th_assert_rc(mlops_runs__srch_parse_filter(&n, &a, "params.a = 'unterminated"), MLOPS_EPARSE);
	msg = mlops_error_last()->message;
	assert_non_null(strstr(msg, "position 12"));
	assert_non_null(strstr(msg, "unterminated quoted string"));
	th_assert_rc(mlops_runs__srch_parse_filter(&n, &a, "params.a = 'x' AND"), MLOPS_EPARSE);
	assert_non_null(strstr(mlops_error_last()->message, "position 19 near '<end>'"));
	/* A long filter is quoted around the position, so the caret stays under it. */
	char longf[600];
	memset(longf, 0, sizeof(longf));
	strcpy(longf, "params.a = 'x'");
	for (int i = 0; i < 20; i++)
		strcat(longf, " AND params.a = 'x'");
	strcat(longf, " AND params.b ~ 'y'");
	th_assert_rc(mlops_runs__srch_parse_filter(&n, &a, longf), MLOPS_EPARSE);
	msg = mlops_error_last()->message;
	const char *line = strstr(msg, "\n  ...");
	assert_non_null(line);
	const char *caret = strchr(line + 1, '\n');
	assert_non_null(caret);
	const char *tilde = strchr(line, '~');
	assert_int_equal((int)(strchr(caret, '^') - caret), (int)(tilde - line));
	mlops_runs__arena_free(&a);
}

/* ---- order_by grammar (mirrors test_search_utils.py::test_invalid_order_by_search_runs and
 * test_space_order_by_search_runs) ---- */

static void test_parse_order(void **state)
{
	(void)state;
	static const char *const bad[] = {"m.acc", "acc", "attri.x", "`metrics.A", "`metrics.A`", "attribute.start",
	                                  "metrics.A != 1", "attribute.run_id ACS", "attribute.run_id decs", "",
	                                  "metrics.a DESC DESC", "params.a, params.b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mlops_runs__arena a = {0};
		srch_order o;
		int rc = mlops_runs__srch_parse_order(&o, &a, bad[i]);
		if (rc != MLOPS_EPARSE)
			fail_msg("order_by '%s' gave %s, expected MLOPS_EPARSE", bad[i], mlops_error_name(rc));
		assert_non_null(strstr(mlops_error_last()->message, "invalid order_by at position"));
		mlops_runs__arena_free(&a);
	}
	static const struct {
		const char *item;
		srch_entity e;
		const char *key;
		int desc;
	} ok[] = {
		{"metrics.`Mean Square Error`", SRCH_METRIC, "Mean Square Error", 0},
		{"metrics.`Mean Square Error` ASC", SRCH_METRIC, "Mean Square Error", 0},
		{"metrics.`Mean Square Error` DESC", SRCH_METRIC, "Mean Square Error", 1},
		{"params.my_param aSc", SRCH_PARAM, "my_param", 0},
		{"params.`my_param` desc", SRCH_PARAM, "my_param", 1},
		{"tags.tag1    DESC", SRCH_TAG, "tag1", 1},
		{"metrics.\"key1\"  desc", SRCH_METRIC, "key1", 1},
		{"metrics.loss.min", SRCH_METRIC, "loss", 0},
		{"params.my_param ", SRCH_PARAM, "my_param", 0},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		mlops_runs__arena a = {0};
		srch_order o;
		int rc = mlops_runs__srch_parse_order(&o, &a, ok[i].item);
		if (rc)
			fail_msg("order_by '%s' refused: %s", ok[i].item, mlops_error_last()->message);
		assert_int_equal(o.id.entity, ok[i].e);
		assert_string_equal(o.id.key, ok[i].key);
		assert_int_equal(o.desc, ok[i].desc);
		mlops_runs__arena_free(&a);
	}
	mlops_runs__arena a = {0};
	srch_order o;
	th_ok(mlops_runs__srch_parse_order(&o, &a, "attributes.created DESC"));
	assert_int_equal(o.id.attr, SRCH_A_START_TIME);
	mlops_runs__arena_free(&a);
}

static void test_like_to_glob(void **state)
{
	(void)state;
	mlops_runs__arena a = {0};
	int err = 0;
	assert_string_equal(mlops_runs__like_to_glob(&a, "a%b_c", &err), "a*b?c");
	assert_string_equal(mlops_runs__like_to_glob(&a, "*?[x]", &err), "[*][?][[]x]");
	assert_string_equal(mlops_runs__like_to_glob(&a, "", &err), "");
	assert_int_equal(err, 0);
	mlops_runs__arena_free(&a);
}

/* ---- store-backed searches ---- */

/* Mirrors test_sqlalchemy_store.py::test_search_vanilla. */
static void test_views(void **state)
{
	fx *f = *state;
	char *e = new_exp(f->store, "vanilla");
	char *r[3] = {mk(f->store, e, "a", 1), mk(f->store, e, "b", 2), mk(f->store, e, "c", 3)};
	EXPECT(f->store, "c b a", .exp = e, .view = MLOPS_VIEW_ALL);
	EXPECT(f->store, "c b a", .exp = e, .view = MLOPS_VIEW_ACTIVE_ONLY);
	EXPECT(f->store, "c b a", .exp = e);
	EXPECT(f->store, "", .exp = e, .view = MLOPS_VIEW_DELETED_ONLY);
	th_ok(mlops_runs_delete(f->store, r[0]));
	EXPECT(f->store, "c b a", .exp = e, .view = MLOPS_VIEW_ALL);
	EXPECT(f->store, "c b", .exp = e, .view = MLOPS_VIEW_ACTIVE_ONLY);
	EXPECT(f->store, "a", .exp = e, .view = MLOPS_VIEW_DELETED_ONLY);
	EXPECT(f->store, "a", .exp = e, .view = MLOPS_VIEW_ALL, .filter = "attributes.lifecycle_stage = 'deleted'");
	th_ok(mlops_runs_restore(f->store, r[0]));
	EXPECT(f->store, "c b a", .exp = e, .view = MLOPS_VIEW_ACTIVE_ONLY);
	EXPECT(f->store, "", .exp = e, .view = MLOPS_VIEW_DELETED_ONLY);
	EXPECT(f->store, "ERR MLOPS_EINVAL", .exp = e, .view = 9);
	EXPECT(f->store, "ERR MLOPS_EINVAL", .exp = "x1");
	for (int i = 0; i < 3; i++)
		free(r[i]);
	free(e);
}

/* Mirrors test_sqlalchemy_store.py::test_search_params and test_search_tags (same cases for both kinds). */
static void test_params_and_tags(void **state)
{
	fx *f = *state;
	char *e = new_exp(f->store, "search_params");
	char *r1 = mk(f->store, e, "r1", 1), *r2 = mk(f->store, e, "r2", 2);
	for (int kind = 0; kind < 2; kind++) {
		void (*put)(mlops_store *, const char *, const char *, const char *) = kind ? tag : param;
		put(f->store, r1, "generic_param", "p_val");
		put(f->store, r2, "generic_param", "p_val");
		put(f->store, r1, "generic_2", "some value");
		put(f->store, r2, "generic_2", "another value");
		put(f->store, r1, "p_a", "abc");
		put(f->store, r2, "p_b", "ABC");
	}
	static const char *const prefixes[] = {"params", "tags"};
	char filter[256];
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < sizeof(kv_cases) / sizeof(kv_cases[0]); i++) {
			snprintf(filter, sizeof(filter), "%s.%s", prefixes[k], kv_cases[i].cond);
			EXPECT(f->store, kv_cases[i].expected, .exp = e, .filter = filter);
		}
	EXPECT(f->store, "r2", .exp = e, .filter = "tags.generic_2 ILIKE '%Other%' and tags.generic_tag ILIKE 'p_val' "
	                                         "OR tags.generic_2 ILIKE '%Other%' and params.generic_param = 'p_val'");
	free(r1);
	free(r2);
	free(e);
}

/* Mirrors test_sqlalchemy_store.py::test_search_metrics and test_search_full. */
static void test_metrics(void **state)
{
	fx *f = *state;
	char *e = new_exp(f->store, "search_metric");
	char *r1 = mk(f->store, e, "r1", 1), *r2 = mk(f->store, e, "r2", 2);
	metric(f->store, r1, "common", 1.0, 1, 1);
	metric(f->store, r2, "common", 1.0, 1, 1);
	metric(f->store, r1, "measure_a", 1.0, 1, 1);
	metric(f->store, r2, "measure_a", 200.0, 2, 1);
	metric(f->store, r2, "measure_a", 400.0, 3, 1);
	metric(f->store, r1, "m_a", 2.0, 2, 1);
	metric(f->store, r2, "m_b", 3.0, 2, 1);
	metric(f->store, r2, "m_b", 4.0, 8, 1);
	metric(f->store, r2, "m_b", 8.0, 3, 1);
	param(f->store, r1, "generic_param", "p_val");
	param(f->store, r2, "generic_param", "p_val");
	param(f->store, r1, "p_a", "abc");
	param(f->store, r2, "p_b", "ABC");
	for (size_t i = 0; i < sizeof(metric_cases) / sizeof(metric_cases[0]); i++)
		EXPECT(f->store, metric_cases[i].expected, .exp = e, .filter = metric_cases[i].filter);
	free(r1);
	free(r2);
	free(e);
}

/* Mirrors test_sqlalchemy_store.py::test_search_attrs, test_search_runs_run_name, test_search_runs_run_id,
 * test_search_runs_start_time_alias, and test_search_utils.py::test_filter_runs_by_start_time / _end_time /
 * _user_id. */
static void test_attributes(void **state)
{
	fx *f = *state;
	char *e1 = new_exp(f->store, "search_attributes_1"), *e2 = new_exp(f->store, "search_attrs_2");
	char *r1 = mk(f->store, e1, "run_name1", 1), *r2 = mk(f->store, e2, "run_name2", 2);
	EXPECT(f->store, "run_name2 run_name1", .filter = "attribute.status != 'blah'");
	EXPECT(f->store, "run_name2 run_name1", .filter = "attribute.status = 'RUNNING'");
	th_ok(mlops_runs_set_terminated(f->store, r2, MLOPS_RUN_FAILED, 300));
	EXPECT(f->store, "run_name1", .filter = "attribute.status = 'RUNNING'");
	EXPECT(f->store, "run_name2", .filter = "attribute.status = 'FAILED'");
	EXPECT(f->store, "run_name2 run_name1", .filter = "attribute.status != 'SCHEDULED'");
	EXPECT(f->store, "", .filter = "attribute.status = 'SCHEDULED'");
	EXPECT(f->store, "", .filter = "attribute.status = 'failed'");
	EXPECT(f->store, "run_name2", .filter = "attribute.status ILIKE 'fail%'");
	EXPECT(f->store, "ERR MLOPS_EPARSE", .filter = "attribute.artifact_uri = 'x'");
	char filter[256];
	/* run_id: =, !=, IN, NOT IN, LIKE on a part of it */
	snprintf(filter, sizeof(filter), "attributes.run_id = '%s'", r1);
	EXPECT(f->store, "run_name1", .filter = filter);
	snprintf(filter, sizeof(filter), "attributes.run_id != '%s'", r1);
	EXPECT(f->store, "run_name2", .filter = filter);
	snprintf(filter, sizeof(filter), "attributes.run_id IN ('%s')", r1);
	EXPECT(f->store, "run_name1", .filter = filter);
	snprintf(filter, sizeof(filter), "attributes.run_id NOT IN ('%s')", r1);
	EXPECT(f->store, "run_name2", .filter = filter);
	snprintf(filter, sizeof(filter), "run_name = 'run_name1' AND run_id IN ('%s')", r1);
	EXPECT(f->store, "run_name1", .filter = filter);
	snprintf(filter, sizeof(filter), "attributes.run_id IN ('%s',  '%s')", r1, r2);
	EXPECT(f->store, "run_name2 run_name1", .filter = filter);
	snprintf(filter, sizeof(filter), "attributes.run_id NOT IN ('%s','%s')", r1, r2);
	EXPECT(f->store, "", .filter = filter);
	snprintf(filter, sizeof(filter), "attributes.run_id LIKE '%%%.16s%%'", r1 + 16);
	EXPECT(f->store, "run_name1", .filter = filter);
	/* run_name and its aliases; the run name tag */
	EXPECT(f->store, "run_name1", .filter = "attributes.run_name = 'run_name1'");
	EXPECT(f->store, "run_name1", .filter = "attributes.`Run name` = 'run_name1'");
	EXPECT(f->store, "run_name2", .filter = "attributes.`run name` = 'run_name2'");
	EXPECT(f->store, "run_name2", .filter = "attributes.`Run Name` = 'run_name2'");
	EXPECT(f->store, "run_name2", .filter = "tags.`mlflow.runName` = 'run_name2'");
	/* start_time and its alias created */
	EXPECT(f->store, "run_name2 run_name1", .filter = "attributes.start_time > 0");
	EXPECT(f->store, "run_name2", .filter = "attributes.created > 1");
	EXPECT(f->store, "", .filter = "attributes.Created > 2");
	EXPECT(f->store, "run_name1 run_name2", .order = {"attributes.created ASC"});
	EXPECT(f->store, "run_name2 run_name1", .order = {"attributes.Created DESC"});
	EXPECT(f->store, "run_name1", .filter = "attribute.start_time = 1");
	/* end_time: a running run has none, so it never matches */
	EXPECT(f->store, "run_name2", .filter = "attribute.end_time >= 0");
	EXPECT(f->store, "run_name2", .filter = "attribute.end_time = 300");
	EXPECT(f->store, "", .filter = "attribute.end_time != 300");
	/* experiment_id and lifecycle_stage (MLflow refuses both in filters) */
	snprintf(filter, sizeof(filter), "attributes.experiment_id = '%s'", e1);
	EXPECT(f->store, "run_name1", .filter = filter);
	EXPECT(f->store, "run_name2 run_name1", .filter = "attributes.lifecycle_stage = 'active'");
	/* user_id: a second handle with another actor starts the third run */
	EXPECT(f->store, "run_name2 run_name1", .filter = "attribute.user_id = 'tester'");
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.actor = "user-id2";
	mlops_store *s2;
	th_ok(mlops_store_open(&s2, f->path, &o));
	char *r3 = mk(s2, e1, "run_name3", 3);
	mlops_store_free(s2);
	EXPECT(f->store, "run_name3", .filter = "attribute.user_id = 'user-id2'");
	/* experiments to search */
	EXPECT(f->store, "run_name3 run_name1", .exp = e1);
	EXPECT(f->store, "run_name2", .exp = e2);
	free(r1);
	free(r2);
	free(r3);
	free(e1);
	free(e2);
}

#include "test_runs_search_order.inc"

/* Mirrors test_search_utils.py::test_filter_runs_by_tag_and_param_is_null; then OR, NOT and parentheses (ours). */
static void test_null_or_not(void **state)
{
	fx *f = *state;
	char *r1 = mk(f->store, NULL, "run1", 1), *r2 = mk(f->store, NULL, "run2", 2);
	tag(f->store, r1, "env", "prod");
	param(f->store, r2, "lr", "0.01");
	EXPECT(f->store, "run1", .filter = "tags.env IS NOT NULL");
	EXPECT(f->store, "run2", .filter = "tags.env IS NULL");
	EXPECT(f->store, "run2", .filter = "params.lr IS NOT NULL");
	EXPECT(f->store, "run1", .filter = "params.lr IS NULL");
	metric(f->store, r1, "a", 0.5, 0, 1);
	metric(f->store, r2, "a", 2.0, 0, 1);
	char *r3 = mk(f->store, NULL, "run3", 3);
	EXPECT(f->store, "run2 run1", .filter = "tags.env = 'prod' OR params.lr = '0.01'");
	EXPECT(f->store, "run2 run1", .filter = "(tags.env = 'prod' OR params.lr = '0.01') AND metrics.a > 0");
	EXPECT(f->store, "run2", .filter = "tags.env = 'prod' AND metrics.a > 1 OR params.lr = '0.01'");
	EXPECT(f->store, "", .filter = "tags.env = 'prod' AND (metrics.a > 1 OR params.lr = '0.01')");
	/* NOT: true for runs that have the key and fail the comparison; never for runs without the key */
	EXPECT(f->store, "run1", .filter = "NOT (metrics.a > 1)");
	EXPECT(f->store, "run1", .filter = "not metrics.a > 1");
	EXPECT(f->store, "run2", .filter = "NOT NOT metrics.a > 1");
	EXPECT(f->store, "", .filter = "NOT tags.env = 'prod'");
	EXPECT(f->store, "run3 run2", .filter = "NOT tags.env IS NOT NULL");
	EXPECT(f->store, "run2 run1", .filter = "NOT (metrics.a > 1 AND metrics.a < 1)");
	EXPECT(f->store, "run3 run2 run1", .filter = "metrics.a > 1 OR tags.env IS NULL OR attributes.run_name = 'run1'");
	EXPECT(f->store, "run2", .filter = "metrics.a > 1 OR metrics.a > 10");
	free(r1);
	free(r2);
	free(r3);
}

/* LIKE is case-sensitive with SQL wildcards only; GLOB specials are literals; values never reach the SQL text. */
static void test_like_and_injection(void **state)
{
	fx *f = *state;
	char *r1 = mk(f->store, NULL, "one", 1), *r2 = mk(f->store, NULL, "two", 2);
	param(f->store, r1, "p", "a*b?c[d]");
	param(f->store, r2, "p", "aXbYc[d]");
	param(f->store, r1, "q", "x' OR '1'='1");
	param(f->store, r2, "q", "100% sure_thing");
	EXPECT(f->store, "one", .filter = "params.p LIKE 'a*b?c[d]'");
	EXPECT(f->store, "two one", .filter = "params.p LIKE 'a_b_c[d]'");
	EXPECT(f->store, "one", .filter = "params.p LIKE '%*%'");
	EXPECT(f->store, "", .filter = "params.p LIKE 'A%'");
	EXPECT(f->store, "two one", .filter = "params.p ILIKE 'A%'");
	EXPECT(f->store, "two", .filter = "params.q LIKE '100% sure%'");
	EXPECT(f->store, "one", .filter = "params.q = 'x'' OR ''1''=''1'");
	EXPECT(f->store, "one", .filter = "params.q = \"x' OR '1'='1\"");
	EXPECT(f->store, "ERR MLOPS_EPARSE", .filter = "params.q = 'x' OR '1'='1'");
	EXPECT(f->store, "", .filter = "params.\"q' OR '1'='1\" = 'a'");
	EXPECT(f->store, "", .filter = "params.q = '); DROP TABLE runs_runs; --'");
	EXPECT(f->store, "two one", .filter = "params.q IS NOT NULL");
	free(r1);
	free(r2);
}

/* Projection and flags: only the params, metrics and tags asked for are in the rows. */
static void test_projection(void **state)
{
	fx *f = *state;
	char *r1 = mk(f->store, NULL, "one", 1);
	param(f->store, r1, "lr", "0.1");
	param(f->store, r1, "opt", "adam");
	param(f->store, r1, "seed", "7");
	metric(f->store, r1, "acc", 0.9, 3, 1);
	metric(f->store, r1, "acc", 0.7, 1, 1);
	metric(f->store, r1, "loss", 0.2, 3, 1);
	tag(f->store, r1, "team", "vision");
	mlops_run_search_options o = MLOPS_RUN_SEARCH_OPTIONS_INIT;
	const char *pk[] = {"seed", "lr", "absent"};
	const char *mkeys[] = {"acc"};
	const char *tk[] = {"team"};
	o.param_keys = pk;
	o.n_param_keys = 3;
	o.metric_keys = mkeys;
	o.n_metric_keys = 1;
	o.tag_keys = tk;
	o.n_tag_keys = 1;
	mlops_run_search *r;
	th_ok(mlops_runs_search(&r, f->store, &o));
	const mlops_run_row *row;
	th_ok(mlops_run_search_next(&row, r));
	assert_string_equal(row->info->run_id, r1);
	assert_string_equal(row->info->run_name, "one");
	assert_int_equal(row->info->status, MLOPS_RUN_RUNNING);
	assert_int_equal(row->info->start_ms, 1);
	assert_int_equal(row->n_params, 2);
	assert_string_equal(row->params[0].key, "lr");
	assert_string_equal(row->params[0].value, "0.1");
	assert_string_equal(row->params[1].key, "seed");
	assert_int_equal(row->n_metrics, 1);
	assert_string_equal(row->metrics[0].key, "acc");
	assert_true(row->metrics[0].last == 0.9);
	assert_true(row->metrics[0].min == 0.7);
	assert_int_equal(row->metrics[0].count, 2);
	assert_int_equal(row->n_tags, 1);
	assert_string_equal(row->tags[0].value, "vision");
	th_assert_rc(mlops_run_search_next(&row, r), MLOPS_ITEROVER);
	mlops_run_search_free(r);
	/* No projection: everything (system tags included); flags leave parts out. */
	o = (mlops_run_search_options)MLOPS_RUN_SEARCH_OPTIONS_INIT;
	o.flags = MLOPS_SEARCH_NO_METRICS | MLOPS_SEARCH_NO_TAGS;
	th_ok(mlops_runs_search(&r, f->store, &o));
	th_ok(mlops_run_search_next(&row, r));
	assert_int_equal(row->n_params, 3);
	assert_int_equal(row->n_metrics, 0);
	assert_int_equal(row->n_tags, 0);
	mlops_run_search_free(r);
	o.flags = MLOPS_SEARCH_NO_PARAMS;
	th_ok(mlops_runs_search(&r, f->store, &o));
	th_ok(mlops_run_search_next(&row, r));
	assert_int_equal(row->n_params, 0);
	assert_int_equal(row->n_metrics, 2);
	assert_true(row->n_tags >= 2);  /* team and mlflow.runName at least */
	mlops_run_search_free(r);
	/* An empty key list projects nothing; a NULL list with a count is refused. */
	o = (mlops_run_search_options)MLOPS_RUN_SEARCH_OPTIONS_INIT;
	o.param_keys = pk;
	o.n_param_keys = 0;
	th_ok(mlops_runs_search(&r, f->store, &o));
	th_ok(mlops_run_search_next(&row, r));
	assert_int_equal(row->n_params, 0);
	mlops_run_search_free(r);
	o.param_keys = NULL;
	o.n_param_keys = 2;
	th_assert_rc(mlops_runs_search(&r, f->store, &o), MLOPS_EINVAL);
	o = (mlops_run_search_options)MLOPS_RUN_SEARCH_OPTIONS_INIT;
	o.version = 99;
	th_assert_rc(mlops_runs_search(&r, f->store, &o), MLOPS_EVERSION);
	th_assert_rc(mlops_runs_search(NULL, f->store, NULL), MLOPS_EINVAL);
	th_ok(mlops_runs_search(&r, f->store, NULL));
	mlops_run_search_free(r);
	mlops_run_search_free(NULL);
	assert_null(mlops_run_search_next_page_token(NULL));
	th_ok(mlops_run_search_options_init(&o, MLOPS_RUN_SEARCH_OPTIONS_VERSION));
	th_assert_rc(mlops_run_search_options_init(&o, 7), MLOPS_EVERSION);
	free(r1);
}

/* Random filters: token soup either parses or is MLOPS_EPARSE (never a crash nor another error); random
 * well-formed combinations always compile to SQL that runs. */
static void test_random_filters(void **state)
{
	fx *f = *state;
	char *r1 = mk(f->store, NULL, "one", 1);
	param(f->store, r1, "a", "x");
	metric(f->store, r1, "m", 0.5, 0, 1);
	tag(f->store, r1, "t", "y");
	static const char *const toks[] = {
		"metrics.m", "metrics.m.min", "metrics.`m`.count", "params.a", "tags.t", "attributes.status", "run_id",
		"attributes.start_time", "end_time", "metrics.\"x y\"", "params.", "(", ")", "AND", "OR", "NOT", "IN",
		"NOT IN", "IS", "NULL", "IS NOT NULL", "LIKE", "ILIKE", "=", "!=", "<", "<=", ">", ">=", ",", "'x'",
		"\"y\"", "'%'", "0.5", "-1e3", "12", "'unterminated", "`", ".", "!", "~", "1.2.3", "nan",
	};
	/* Well-formed comparisons, combined at random with AND, OR, NOT and parentheses: these must all run. */
	static const char *const cmps[] = {
		"metrics.m > 0.5", "metrics.m.min <= -1e3", "metrics.`m`.count = 1", "metrics.m.max != 0.5",
		"params.a = 'x'", "params.a IN ('x', 'y')", "params.a NOT IN ('x')", "params.a ILIKE 'X'",
		"tags.t LIKE '%'", "tags.t IS NULL", "params.zz IS NOT NULL", "attributes.status != 'RUNNING'",
		"end_time >= 12", "run_id NOT IN ('x')", "metrics.nope < 1", "lifecycle_stage = 'active'",
	};
	uint64_t seed = 42;
	int parsed = 0;
	for (int i = 0; i < 4000; i++) {
		char filter[1024] = "";
		int structured = i % 2;
		uint64_t x = seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		int n = 1 + (int)((x >> 33) % 7), open = 0;
		for (int k = 0; k < n; k++) {
			x = seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			if (!structured) {
				strcat(filter, toks[(x >> 33) % (sizeof(toks) / sizeof(toks[0]))]);
				strcat(filter, (x >> 20) % 4 ? " " : "");
				continue;
			}
			if (k)
				strcat(filter, (x >> 40) % 2 ? " AND " : " OR ");
			if ((x >> 42) % 3 == 0)
				strcat(filter, "NOT ");
			if ((x >> 44) % 3 == 0) {
				strcat(filter, "(");
				open++;
			}
			strcat(filter, cmps[(x >> 33) % (sizeof(cmps) / sizeof(cmps[0]))]);
			if (open && (x >> 46) % 2) {
				strcat(filter, ")");
				open--;
			}
		}
		while (open--)
			strcat(filter, ")");
		mlops_run_search_options o = MLOPS_RUN_SEARCH_OPTIONS_INIT;
		o.filter = filter;
		mlops_run_search *r = NULL;
		int rc = mlops_runs_search(&r, f->store, &o);
		if (rc != 0 && (structured || rc != MLOPS_EPARSE))
			fail_msg("filter '%s' gave %s: %s", filter, mlops_error_name(rc), mlops_error_last()->message);
		parsed += rc == 0;
		mlops_run_search_free(r);
	}
	assert_true(parsed >= 2000);
	free(r1);
}

#define STORE_TESTS                                                                      \
	cmocka_unit_test_setup_teardown(test_views, setup, teardown),                        \
	cmocka_unit_test_setup_teardown(test_params_and_tags, setup, teardown),              \
	cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),                      \
	cmocka_unit_test_setup_teardown(test_attributes, setup, teardown),                   \
	cmocka_unit_test_setup_teardown(test_order_metrics_nan_missing, setup, teardown),    \
	cmocka_unit_test_setup_teardown(test_order_attributes, setup, teardown),             \
	cmocka_unit_test_setup_teardown(test_max_results_and_pages, setup, teardown),        \
	cmocka_unit_test_setup_teardown(test_null_or_not, setup, teardown),                  \
	cmocka_unit_test_setup_teardown(test_like_and_injection, setup, teardown),           \
	cmocka_unit_test_setup_teardown(test_projection, setup, teardown),                   \
	cmocka_unit_test_setup_teardown(test_random_filters, setup, teardown),

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_error_message),
		cmocka_unit_test(test_parse_order),
		cmocka_unit_test(test_like_to_glob),
		STORE_TESTS
	};
	return cmocka_run_group_tests_name("runs_search", tests, NULL, NULL);
}
