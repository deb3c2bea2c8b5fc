/*
 * Filter cases of the run search tests (test_runs_search.c), most of them ported from MLflow's own tests: the
 * comment above each table names the tests it mirrors.
 */
#ifndef MLOPS_TEST_RUNS_SEARCH_CASES_H
#define MLOPS_TEST_RUNS_SEARCH_CASES_H

#include "runs/search_int.h"

typedef struct parse_case {
	const char *filter;
	srch_entity entity;
	const char *key;
	srch_op op;
	const char *value;   /* as written for numbers, unquoted for strings; NULL for IS [NOT] NULL */
} parse_case;

/* Valid filters (test_search_utils.py::test_filter, test_correct_quote_trimming) and ours. */
static const parse_case valid_filters[] = {
	{"metric.acc >= 0.94", SRCH_METRIC, "acc", SRCH_OP_GE, "0.94"},
	{"metric.acc>=100", SRCH_METRIC, "acc", SRCH_OP_GE, "100"},
	{"params.m!='tf'", SRCH_PARAM, "m", SRCH_OP_NE, "tf"},
	{"params.\"m\"!=\"tf\"", SRCH_PARAM, "m", SRCH_OP_NE, "tf"},
	{"metric.\"legit name\" >= 0.243", SRCH_METRIC, "legit name", SRCH_OP_GE, "0.243"},
	{"metrics.XYZ = 3", SRCH_METRIC, "XYZ", SRCH_OP_EQ, "3"},
	{"params.\"cat dog\" = \"pets\"", SRCH_PARAM, "cat dog", SRCH_OP_EQ, "pets"},
	{"metrics.\"X-Y-Z\" = 3", SRCH_METRIC, "X-Y-Z", SRCH_OP_EQ, "3"},
	{"metrics.\"X//Y#$$@&Z\" = 3", SRCH_METRIC, "X//Y#$$@&Z", SRCH_OP_EQ, "3"},
	{"params.model = 'LinearRegression'", SRCH_PARAM, "model", SRCH_OP_EQ, "LinearRegression"},
	{"`metric`.a >= 0.1", SRCH_METRIC, "a", SRCH_OP_GE, "0.1"},
	{"tags.version = 'commit-hash'", SRCH_TAG, "version", SRCH_OP_EQ, "commit-hash"},
	{"`tags`.source_name = 'a notebook'", SRCH_TAG, "source_name", SRCH_OP_EQ, "a notebook"},
	{"metrics.\"accuracy.2.0\" > 5", SRCH_METRIC, "accuracy.2.0", SRCH_OP_GT, "5"},
	{"metrics.accuracy.2.0 > 5", SRCH_METRIC, "accuracy.2.0", SRCH_OP_GT, "5"},
	{"metrics.`spacey name` > 5", SRCH_METRIC, "spacey name", SRCH_OP_GT, "5"},
	{"params.\"p.a.r.a.m\" != \"a\"", SRCH_PARAM, "p.a.r.a.m", SRCH_OP_NE, "a"},
	{"params.p.a.r.a.m != 'a'", SRCH_PARAM, "p.a.r.a.m", SRCH_OP_NE, "a"},
	{"tags.\"t.a.g\" = \"a\"", SRCH_TAG, "t.a.g", SRCH_OP_EQ, "a"},
	{"tags.version IS NULL", SRCH_TAG, "version", SRCH_OP_IS_NULL, NULL},
	{"tags.version IS NOT NULL", SRCH_TAG, "version", SRCH_OP_IS_NOT_NULL, NULL},
	{"params.lr is null", SRCH_PARAM, "lr", SRCH_OP_IS_NULL, NULL},
	{"params.lr IS NOT NULL", SRCH_PARAM, "lr", SRCH_OP_IS_NOT_NULL, NULL},
	/* test_correct_quote_trimming */
	{"params.m = 'LR'", SRCH_PARAM, "m", SRCH_OP_EQ, "LR"},
	{"params.m = \"LR\"", SRCH_PARAM, "m", SRCH_OP_EQ, "LR"},
	{"params.m = \"L'Hosp\"", SRCH_PARAM, "m", SRCH_OP_EQ, "L'Hosp"},
	{"params.m = 'L''Hosp'", SRCH_PARAM, "m", SRCH_OP_EQ, "L'Hosp"},
	/* ours: numbers in scientific notation, signs, aggregates */
	{"metrics.loss < 1e-3", SRCH_METRIC, "loss", SRCH_OP_LT, "1e-3"},
	{"metrics.loss > -2.5E+2", SRCH_METRIC, "loss", SRCH_OP_GT, "-2.5E+2"},
	{"metrics.loss.min <= .5", SRCH_METRIC, "loss", SRCH_OP_LE, ".5"},
	{"metrics.\"loss.min\" <= 1", SRCH_METRIC, "loss.min", SRCH_OP_LE, "1"},
	{"params.a <> 'x'", SRCH_PARAM, "a", SRCH_OP_NE, "x"},
};

/* Invalid filters (test_search_utils.py::test_error_filter, test_error_comparison_clauses, test_bad_quotes,
 * test_invalid_clauses, test_bad_comparators) and misuses of our additions. */
static const char *const bad_filters[] = {
	/* test_error_filter */
	"metric.acc >= 0.94; metrics.rmse < 1", "m.acc >= 0.94", "acc >= 0.94", "p.model >= 'LR'",
	"attri.x != 1", "a.x != 1", "model >= 'LR'", "metrics.A > 0.1 NAND params.B = 'LR'", "`metrics.A > 0.1",
	"param`.A > 0.1", "`dummy.A > 0.1", "dummy`.A > 0.1", "attribute.start != 1", "attribute.name != 1",
	"attribute.time != 1", "attribute._status != 'RUNNING'", "attribute.status = true",
	"dataset.status = 'true'", "metrics.acc IS NULL", "attribute.status IS NULL",
	/* test_error_comparison_clauses */
	"metric.model = 'LR'", "metric.model = '5'", "params.acc = 5", "tags.acc = 5",
	"metrics.acc != metrics.acc", "1.0 > metrics.acc", "attribute.status = 1",
	/* test_bad_quotes */
	"params.acc = LR", "tags.acc = LR", "params.acc = `LR`", "params.'acc = LR", "params.acc = 'LR",
	"params.acc = LR'", "params.acc = \"LR'", "tags.acc = \"LR'", "tags.acc = = 'LR'",
	"attribute.status IS 'RUNNING'",
	/* test_invalid_clauses */
	"params.acc LR !=", "params.acc LR", "metric.acc !=", "acc != 1.0", "foo is null", "1=1", "1==2",
	/* test_bad_comparators */
	"metrics.abc ~ 1.0", "metrics.abc ~= 1.0", "metrics.abc LIKE 1.0", "params.abc > 'my-param-value'",
	"params.abc < 'v'", "params.abc >= 'v'", "params.abc <= 'v'", "tags.abc > 'my-tag-value'",
	"attributes.status > 'x'", "attributes.start_time LIKE 1234", "attributes.start_time ILIKE 1234",
	"attributes.start_time IN ('1')",
	/* ours: grammar additions and their misuse */
	"(params.a = 'x'", "params.a = 'x')", "NOT", "params.a = 'x' AND", "params.a = 'x' OR OR params.b = 'y'",
	"params.a IN ()", "params.a IN ('x' 'y')", "params.a IN 'x'", "metrics.a > 1e", "metrics.a > 1.2.3",
	"metrics.a > 12abc", "params.a = 'x' !", "metrics. = 1", "metrics.`` = 1", "metrics.a.min.x IS NULL",
	"params.a IS NOT 'x'", "metrics.a IN (1, 2)", "params.a LIKE 5",
};

/* Param and tag filters, the same for both (test_sqlalchemy_store.py::test_search_params, test_search_tags). */
static const struct {
	const char *cond;
	const char *expected;
} kv_cases[] = {
	{"generic_param = 'p_val'", "r2 r1"},
	{"generic_2 = 'some value'", "r1"},
	{"generic_2 = 'another value'", "r2"},
	{"generic_param = 'wrong_val'", ""},
	{"generic_param = 'P_VAL'", ""},
	{"generic_param != 'P_VAL'", "r2 r1"},
	{"generic_param != 'p_val'", ""},
	{"generic_param != 'wrong_val'", "r2 r1"},
	{"generic_2 != 'wrong_val'", "r2 r1"},
	{"p_a = 'abc'", "r1"},
	{"p_a = 'ABC'", ""},
	{"p_a != 'ABC'", "r1"},
	{"p_b = 'ABC'", "r2"},
	{"generic_2 LIKE '%other%'", "r2"},
	{"generic_2 LIKE 'other%'", ""},
	{"generic_2 LIKE '%other'", ""},
	{"generic_2 LIKE 'other'", ""},
	{"generic_2 LIKE '%Other%'", ""},
	{"generic_2 ILIKE '%Other%'", "r2"},
	{"generic_2 like '_nother value'", "r2"},
	{"generic_2 IN ('some value', 'x')", "r1"},
	{"generic_2 NOT IN ('some value', 'x')", "r2"},
	{"p_a IS NULL", "r2"},
	{"p_a IS NOT NULL", "r1"},
};

/* Metric filters (test_sqlalchemy_store.py::test_search_metrics, test_search_full) and aggregates. */
static const struct {
	const char *filter;
	const char *expected;
} metric_cases[] = {
	{"metrics.common = 1.0", "r2 r1"},
	{"metrics.common > 0.0", "r2 r1"},
	{"metrics.common >= 0.0", "r2 r1"},
	{"metrics.common < 4.0", "r2 r1"},
	{"metrics.common <= 4.0", "r2 r1"},
	{"metrics.common != 1.0", ""},
	{"metrics.common >= 3.0", ""},
	{"metrics.common <= 0.75", ""},
	{"metrics.measure_a > 0.0", "r2 r1"},
	{"metrics.measure_a < 50.0", "r1"},
	{"metrics.measure_a < 1000.0", "r2 r1"},
	{"metrics.measure_a != -12.0", "r2 r1"},
	{"metrics.measure_a > 50.0", "r2"},
	{"metrics.measure_a = 1.0", "r1"},
	{"metrics.measure_a = 400.0", "r2"},
	{"metrics.m_a > 1.0", "r1"},
	{"metrics.m_b > 1.0", "r2"},
	{"metrics.m_b > 5.0", ""},      /* 8.0 was logged, but not at the largest step */
	{"metrics.m_b = 4.0", "r2"},
	/* aggregates (ours) */
	{"metrics.m_b.max > 5.0", "r2"},
	{"metrics.m_b.min = 3", "r2"},
	{"metrics.m_b.last = 4", "r2"},
	{"metrics.m_b.count = 3", "r2"},
	{"metrics.measure_a.min < 300 AND metrics.measure_a.max > 300", "r2"},
	{"metrics.measure_a.min < 100 AND metrics.measure_a.max > 300", ""},
	{"metrics.measure_a.count >= 1", "r2 r1"},
	/* test_search_full */
	{"params.generic_param = 'p_val' and metrics.common = 1.0", "r2 r1"},
	{"params.generic_param = 'p_val' and metrics.common = 1.0 and metrics.m_a > 1.0", "r1"},
	{"params.generic_param = 'p_val' and metrics.common = 1.0 and metrics.m_a > 1.0 and params.p_a LIKE 'a%'",
	 "r1"},
	{"params.generic_param = 'p_val' and metrics.common = 1.0 and metrics.m_a > 1.0 and params.p_a LIKE 'A%'", ""},
	{"params.generic_param = 'p_val' and metrics.common = 1.0 and metrics.m_a > 1.0 and params.p_a ILIKE 'A%'",
	 "r1"},
	{"params.random_bad_name = 'p_val' and metrics.common = 1.0 and metrics.m_a > 1.0", ""},
	{"params.generic_param = 'p_val' and metrics.common = 1.0 and metrics.m_a > 100.0", ""},
	{"metrics.never_logged > 0 OR metrics.never_logged <= 0", ""},
};

#endif
