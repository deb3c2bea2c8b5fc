/*
 * Unit tests of tabular validation in src/datasets: every expectation passing and failing with its counts and
 * example rows, mostly, schemas (given and inferred), JSON Lines, invalid expectations, and the public API on
 * local files and on files of committed versions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tabular_test.h"

/* ---- validation ---- */

static const char vdata[] =
	"id,age,c,email,x\n"
	"1,30,a,a@x.org,1.5\n"
	"2,,b,bad,\n"
	"3,150,a,c@y.com,2\n"
	"3,40,z,d@z.io,\n"
	"5,-1,b,e@e.e,3.5\n"
	"6,50,a,f@f.f,x\n"
	",60,b,g@g.g,4\n"
	"8,70,,h@h.h,5\n"
	"9,80,a,i@@i,6\n"
	"3,90,b,j@j.j,7\n";

static char *validate_text(bool *ok, const char *text, mlops_datasets__fmt fmt, const char *exps,
                           const char *schema)
{
	mlops_datasets__mem_src m = { text, strlen(text), 0 };
	mlops_datasets__table_opts o = opts_of(fmt);
	char *report = NULL;
	int rc = mlops_datasets__validate(&report, ok, &o, mlops_datasets__read_mem, &m, exps, schema);
	if (rc)
		fail_msg("validate: %s", mlops_error_last()->message);
	return report;
}

/* One expectation against vdata: success, unexpected count, examples ("[3,5]"). */
static void check_one(const char *exp, bool want_ok, int want_count, const char *want_examples)
{
	char exps[512];
	snprintf(exps, sizeof(exps), "{\"expectations\":[%s]}", exp);
	bool ok = !want_ok;
	char *rep = validate_text(&ok, vdata, MLOPS_DATASETS__FMT_CSV, exps, NULL);
	if (ok != want_ok)
		fail_msg("%s: success %d, want %d: %s", exp, ok, want_ok, rep);
	assert_jstr(rep, "$.success", want_ok ? "1" : "0");
	assert_jstr(rep, "$.results[0].success", want_ok ? "1" : "0");
	assert_int_equal((int)jnum(rep, "$.rows"), 10);
	if ((int)jnum(rep, "$.results[0].unexpected_count") != want_count)
		fail_msg("%s: unexpected_count in %s, want %d", exp, rep, want_count);
	assert_jstr(rep, "$.results[0].examples", want_examples);
	free(rep);
}

static void test_validate_expectations(void **state)
{
	(void)state;
	check_one("{\"type\":\"not_null\",\"column\":\"id\"}", false, 1, "[7]");
	check_one("{\"type\":\"not_null\",\"column\":\"id\",\"mostly\":0.9}", true, 1, "[7]");
	check_one("{\"type\":\"not_null\",\"column\":\"id\",\"mostly\":0.91}", false, 1, "[7]");
	check_one("{\"type\":\"between\",\"column\":\"age\",\"min\":0,\"max\":130}", false, 2, "[3,5]");
	check_one("{\"type\":\"between\",\"column\":\"age\",\"min\":0,\"max\":130,\"mostly\":0.75}", true, 2, "[3,5]");
	check_one("{\"type\":\"between\",\"column\":\"age\",\"min\":30,\"strict_min\":true}", false, 2, "[1,5]");
	check_one("{\"type\":\"between\",\"column\":\"x\",\"max\":100}", false, 1, "[6]");
	check_one("{\"type\":\"in_set\",\"column\":\"c\",\"values\":[\"a\",\"b\"]}", false, 1, "[4]");
	check_one("{\"type\":\"in_set\",\"column\":\"c\",\"values\":[\"a\",\"b\",\"z\"]}", true, 0, "[]");
	check_one("{\"type\":\"in_set\",\"column\":\"age\",\"values\":[30,40.0,\"50\",1e2]}", false, 6,
	          "[3,5,7,8,9,10]");
	check_one("{\"type\":\"unique\",\"column\":\"id\"}", false, 3, "[3,4,10]");
	check_one("{\"type\":\"unique\",\"column\":\"email\"}", true, 0, "[]");
	check_one("{\"type\":\"regex\",\"column\":\"email\",\"pattern\":\"^[^@]+@[^@]+$\"}", false, 2, "[2,9]");
	check_one("{\"type\":\"regex\",\"column\":\"email\",\"pattern\":\"^[a-h]@\",\"mostly\":0.7}", true, 3, "[2,9,10]");
	check_one("{\"type\":\"regex\",\"column\":\"email\",\"pattern\":\"^[a-h]@\",\"mostly\":0.71}", false, 3, "[2,9,10]");
	check_one("{\"type\":\"row_count\",\"min\":1,\"max\":5}", false, 0, "[]");
	check_one("{\"type\":\"row_count\",\"min\":10,\"max\":10}", true, 0, "[]");
	check_one("{\"type\":\"max_null_share\",\"column\":\"x\",\"value\":0.1}", false, 2, "[2,4]");
	check_one("{\"type\":\"max_null_share\",\"column\":\"x\",\"value\":0.2}", true, 2, "[2,4]");
	check_one("{\"type\":\"column\",\"column\":\"x\",\"dtype\":\"float\"}", false, 1, "[6]");
	check_one("{\"type\":\"column\",\"column\":\"x\",\"dtype\":\"float\",\"mostly\":0.8}", true, 1, "[6]");
	check_one("{\"type\":\"column\",\"column\":\"age\",\"dtype\":\"int\"}", true, 0, "[]");
	check_one("{\"type\":\"column\",\"column\":\"age\",\"dtype\":\"float\"}", true, 0, "[]");
	check_one("{\"type\":\"column\",\"column\":\"age\"}", true, 0, "[]");
	check_one("{\"type\":\"column\",\"column\":\"nope\"}", false, 0, "[]");
	check_one("{\"type\":\"not_null\",\"column\":\"nope\"}", false, 10, "[1,2,3,4,5,6,7,8,9,10]");

	/* several at once: details of the report */
	bool ok = true;
	char *rep = validate_text(&ok, vdata, MLOPS_DATASETS__FMT_CSV,
	                          "[{\"type\":\"between\",\"column\":\"age\",\"min\":0,\"max\":130,\"meta\":{\"k\":1}},"
	                          "{\"type\":\"max_null_share\",\"column\":\"x\",\"value\":0.1},"
	                          "{\"type\":\"column\",\"column\":\"x\",\"dtype\":\"float\"},"
	                          "{\"type\":\"row_count\",\"max\":5},"
	                          "{\"type\":\"in_set\",\"column\":\"nope\",\"values\":[1]}]",
	                          NULL);
	assert_false(ok);
	assert_true(fabs(jnum(rep, "$.results[0].unexpected_percent") - 200.0 / 9.0) < 1e-9);
	assert_int_equal((int)jnum(rep, "$.results[0].missing_count"), 1);
	assert_int_equal((int)jnum(rep, "$.results[0].expectation.meta.k"), 1);
	assert_true(fabs(jnum(rep, "$.results[1].observed_value") - 0.2) < 1e-12);
	assert_jstr(rep, "$.results[2].observed_value", "string");
	assert_int_equal((int)jnum(rep, "$.results[3].observed_value"), 10);
	assert_jstr(rep, "$.results[4].error", "column 'nope' not found");
	free(rep);
}

static void test_validate_schema(void **state)
{
	(void)state;
	bool ok = true;
	char *rep = validate_text(&ok, vdata, MLOPS_DATASETS__FMT_CSV, NULL,
	                          "{\"columns\":[{\"name\":\"id\",\"type\":\"int\",\"nullable\":false},"
	                          "{\"name\":\"age\",\"type\":\"int\",\"nullable\":true},"
	                          "{\"name\":\"c\",\"type\":\"bool\"}]}");
	assert_false(ok);
	/* column id, not_null id, column age, column c, schema_columns */
	assert_jstr(rep, "$.results[0].expectation.type", "column");
	assert_jstr(rep, "$.results[0].success", "1");
	assert_jstr(rep, "$.results[1].expectation.type", "not_null");
	assert_jstr(rep, "$.results[1].examples", "[7]");
	assert_jstr(rep, "$.results[2].success", "1");
	assert_jstr(rep, "$.results[3].success", "0");
	assert_int_equal((int)jnum(rep, "$.results[3].unexpected_count"), 9);
	assert_jstr(rep, "$.results[4].expectation.type", "schema_columns");
	assert_jstr(rep, "$.results[4].unexpected_columns", "[\"email\",\"x\"]");
	free(rep);

	/* The inferred schema of a file validates that file, and fails a file that breaks it. */
	char *schema = NULL;
	profile_text(&schema, NULL, NULL, vdata, MLOPS_DATASETS__FMT_CSV);
	rep = validate_text(&ok, vdata, MLOPS_DATASETS__FMT_CSV, NULL, schema);
	if (!ok)
		fail_msg("inferred schema rejected its own file: %s", rep);
	free(rep);
	rep = validate_text(&ok, "id,age,c,email,x,extra\n1,2.5,a,b,1,q\n", MLOPS_DATASETS__FMT_CSV, NULL, schema);
	assert_false(ok);
	/* inferred: id, age, c, email (+ not_null: no nulls in email), x */
	assert_jstr(rep, "$.results[1].expectation.column", "age");
	assert_jstr(rep, "$.results[1].examples", "[1]");
	assert_jstr(rep, "$.results[4].expectation.type", "not_null");
	assert_jstr(rep, "$.results[6].unexpected_columns", "[\"extra\"]");
	free(rep);
	free(schema);
}

static void test_validate_more(void **state)
{
	(void)state;
	bool ok = true;
	/* examples: the first 20 rows; unique counts the first occurrence too */
	mlops_buf b = MLOPS_BUF_INIT;
	mlops__buf_puts(&b, "k,t\n");
	for (int i = 1; i <= 100; i++)
		mlops__buf_printf(&b, "%d,2024-01-%02d\n", i % 2 ? 7 : i, 1 + i % 28);
	char *rep = validate_text(&ok, b.data, MLOPS_DATASETS__FMT_CSV,
	                          "{\"expectations\":[{\"type\":\"unique\",\"column\":\"k\"},"
	                          "{\"type\":\"between\",\"column\":\"t\",\"min\":\"2024-01-01\","
	                          "\"max\":\"2024-01-10T00:00:00Z\"}]}",
	                          NULL);
	assert_false(ok);
	assert_int_equal((int)jnum(rep, "$.results[0].unexpected_count"), 50);
	assert_jstr(rep, "$.results[0].examples", "[1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33,35,37,39]");
	/* t in [Jan 1, Jan 10 00:00]: day = 1 + i % 28 <= 10 passes */
	int fails = 0;
	for (int i = 1; i <= 100; i++)
		fails += 1 + i % 28 > 10;
	assert_int_equal((int)jnum(rep, "$.results[1].unexpected_count"), fails);
	assert_jstr(rep, "$.results[1].examples", "[10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,38,39]");
	free(rep);
	mlops__buf_free(&b);

	/* JSON Lines: a key first seen on line 3 was null before; types from JSON */
	rep = validate_text(&ok,
	                    "{\"a\":1,\"s\":\"x\"}\n{\"a\":2,\"s\":\"5\"}\n{\"a\":3,\"late\":true,\"s\":\"y\"}\n",
	                    MLOPS_DATASETS__FMT_JSONL,
	                    "{\"expectations\":[{\"type\":\"not_null\",\"column\":\"late\"},"
	                    "{\"type\":\"in_set\",\"column\":\"late\",\"values\":[true]},"
	                    "{\"type\":\"column\",\"column\":\"s\",\"dtype\":\"string\"},"
	                    "{\"type\":\"column\",\"column\":\"a\",\"dtype\":\"int\"}]}", NULL);
	assert_false(ok);
	assert_jstr(rep, "$.results[0].examples", "[1,2]");
	assert_jstr(rep, "$.results[1].success", "1");
	assert_jstr(rep, "$.results[2].success", "1");
	assert_jstr(rep, "$.results[3].success", "1");
	free(rep);

	/* malformed data is an error, not a report */
	mlops_datasets__mem_src m = { "a\n1\n\"x\n", 7, 0 };
	mlops_datasets__table_opts o = opts_of(MLOPS_DATASETS__FMT_CSV);
	rep = NULL;
	assert_int_equal(mlops_datasets__validate(&rep, &ok, &o, mlops_datasets__read_mem, &m,
	                                          "[{\"type\":\"row_count\",\"min\":1}]", NULL), MLOPS_EPARSE);
	assert_null(rep);
	assert_non_null(strstr(mlops_error_last()->message, "line 3: unterminated"));
}

static void test_expectations_invalid(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		int rc;
		const char *words;
	} bad[] = {
		{ "{\"expectations\":[", MLOPS_EPARSE, "not valid JSON" },
		{ "{\"x\":1}", MLOPS_EINVAL, "expected {\"expectations\"" },
		{ "[1]", MLOPS_EINVAL, "expectation 0: not a JSON object" },
		{ "[{\"column\":\"a\"}]", MLOPS_EINVAL, "'type' (a string) is required" },
		{ "[{\"type\":\"not_null\"},{\"type\":\"bogus\"}]", MLOPS_EINVAL, "expectation 0 (not_null): 'column'" },
		{ "[{\"type\":\"bogus\"}]", MLOPS_EINVAL, "unknown type 'bogus'" },
		{ "[{\"type\":\"not_null\",\"column\":\"a\",\"mostly\":1.5}]", MLOPS_EINVAL, "'mostly' must be" },
		{ "[{\"type\":\"not_null\",\"column\":\"a\",\"mostly\":\"x\"}]", MLOPS_EINVAL, "'mostly' must be" },
		{ "[{\"type\":\"between\",\"column\":\"a\"}]", MLOPS_EINVAL, "'min' or 'max' is required" },
		{ "[{\"type\":\"between\",\"column\":\"a\",\"min\":5,\"max\":1}]", MLOPS_EINVAL, "greater than" },
		{ "[{\"type\":\"between\",\"column\":\"a\",\"min\":\"x\"}]", MLOPS_EINVAL, "number or an ISO 8601" },
		{ "[{\"type\":\"between\",\"column\":\"a\",\"min\":1,\"max\":\"2024-01-01\"}]", MLOPS_EINVAL, "mix" },
		{ "[{\"type\":\"in_set\",\"column\":\"a\"}]", MLOPS_EINVAL, "'values' (an array)" },
		{ "[{\"type\":\"in_set\",\"column\":\"a\",\"values\":[[1]]}]", MLOPS_EINVAL, "strings, numbers" },
		{ "[{\"type\":\"regex\",\"column\":\"a\",\"pattern\":\"(\"}]", MLOPS_EINVAL, "pattern '('" },
		{ "[{\"type\":\"regex\",\"column\":\"a\"}]", MLOPS_EINVAL, "'pattern' (a string)" },
		{ "[{\"type\":\"row_count\",\"min\":-1}]", MLOPS_EINVAL, "integer >= 0" },
		{ "[{\"type\":\"row_count\"}]", MLOPS_EINVAL, "'min' or 'max'" },
		{ "[{\"type\":\"max_null_share\",\"column\":\"a\"}]", MLOPS_EINVAL, "'value' must be" },
		{ "[{\"type\":\"column\",\"column\":\"a\",\"dtype\":\"decimal\"}]", MLOPS_EINVAL, "'dtype' must be" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = mlops_datasets__expectations_check(bad[i].json, NULL);
		if (rc != bad[i].rc || !strstr(mlops_error_last()->message, bad[i].words))
			fail_msg("%s: rc %d, message '%s'", bad[i].json, rc, mlops_error_last()->message);
	}
	static const char *const bad_schema[] = {
		"{\"columns\":3}", "{\"columns\":[{\"type\":\"int\"}]}", "{\"columns\":[{\"name\":\"a\",\"type\":\"x\"}]}",
		"{\"columns\":[{\"name\":\"a\",\"nullable\":\"no\"}]}",
	};
	for (size_t i = 0; i < sizeof(bad_schema) / sizeof(bad_schema[0]); i++)
		assert_int_equal(mlops_datasets__expectations_check(NULL, bad_schema[i]), MLOPS_EINVAL);
	assert_int_equal(mlops_datasets__expectations_check(NULL, "{"), MLOPS_EPARSE);
	th_ok(mlops_datasets__expectations_check("{\"expectations\":[]}", "{\"columns\":[]}"));
}

/* ---- public API: local files and files of versions ---- */

static void test_api_files(void **state)
{
	(void)state;
	char *dir = th_tmpdir("tabular");
	char *csv = mlops__path_join(dir, "people.csv");
	char *txt = mlops__path_join(dir, "people.txt");
	char *bad = mlops__path_join(dir, "bad.jsonl");
	th_write_file(csv, vdata, strlen(vdata));
	th_write_file(txt, vdata, strlen(vdata));
	th_write_file(bad, "{\"a\":1}\n{\"a\":\n", 14);

	char *schema = NULL, *stats = NULL;
	uint64_t rows = 0;
	th_ok(mlops_dataset_profile_file(&schema, &stats, &rows, csv, NULL));
	assert_int_equal(rows, 10);
	assert_jstr(schema, "$.columns[1].type", "int");
	assert_int_equal((int)jnum(stats, "$.columns.age.max"), 150);
	mlops_free(schema);
	mlops_free(stats);

	assert_int_equal(mlops_dataset_profile_file(NULL, NULL, &rows, txt, NULL), MLOPS_EINVAL);
	mlops_dataset_table_options o = MLOPS_DATASET_TABLE_OPTIONS_INIT;
	o.format = MLOPS_DATASET_TABLE_CSV;
	th_ok(mlops_dataset_profile_file(NULL, NULL, &rows, txt, &o));
	assert_int_equal(rows, 10);
	o.no_header = 1;
	th_ok(mlops_dataset_profile_file(&schema, NULL, &rows, txt, &o));
	assert_int_equal(rows, 11);
	assert_jstr(schema, "$.columns[0].name", "c1");
	assert_jstr(schema, "$.columns[0].type", "string");
	mlops_free(schema);
	o.version = 99;
	assert_int_equal(mlops_dataset_profile_file(NULL, NULL, &rows, txt, &o), MLOPS_EVERSION);
	th_ok(mlops_dataset_table_options_init(&o, MLOPS_DATASET_TABLE_OPTIONS_VERSION));
	assert_int_equal(mlops_dataset_table_options_init(&o, 7), MLOPS_EVERSION);

	assert_int_equal(mlops_dataset_profile_file(NULL, NULL, &rows, bad, NULL), MLOPS_EPARSE);
	assert_non_null(strstr(mlops_error_last()->message, "bad.jsonl: line 2: "));
	char *missing = mlops__path_join(dir, "missing.csv");
	assert_int_equal(mlops_dataset_profile_file(NULL, NULL, &rows, missing, NULL), MLOPS_ENOTFOUND);

	char *rep = NULL;
	int ok = 1;
	th_ok(mlops_dataset_validate_file(&rep, &ok, csv, "[{\"type\":\"unique\",\"column\":\"id\"}]", NULL, NULL));
	assert_int_equal(ok, 0);
	assert_jstr(rep, "$.results[0].examples", "[3,4,10]");
	mlops_free(rep);
	th_ok(mlops_dataset_validate_file(&rep, &ok, csv, "[{\"type\":\"row_count\",\"min\":10}]", NULL, NULL));
	assert_int_equal(ok, 1);
	mlops_free(rep);
	assert_int_equal(mlops_dataset_validate_file(&rep, &ok, csv, NULL, NULL, NULL), MLOPS_EINVAL);
	assert_int_equal(mlops_dataset_validate_file(&rep, &ok, missing, "[]", NULL, NULL), MLOPS_ENOTFOUND);
	/* bad expectations are reported even when the file is missing */
	assert_int_equal(mlops_dataset_validate_file(&rep, &ok, missing, "[{\"type\":1}]", NULL, NULL), MLOPS_EINVAL);
	assert_null(rep);
	assert_int_equal(mlops_dataset_expectations_check(NULL, NULL), MLOPS_EINVAL);

	/* Files of versions: the stored profile, a profile through the stream, validation without checkout. */
	mlops_store *store = NULL;
	th_ok(mlops_store_open(&store, ":memory:", NULL));
	char vid[MLOPS_DATASET_VERSION_ID_BUFSIZE];
	th_ok(mlops_dataset_commit(vid, NULL, store, "people", dir, NULL));
	th_ok(mlops_dataset_file_profile(&schema, &stats, &rows, store, "people", "people.csv", NULL));
	assert_int_equal(rows, 10);
	assert_jstr(schema, "$.columns[4].type", "string");
	assert_int_equal((int)jnum(stats, "$.columns.id.nulls"), 1);
	mlops_free(schema);
	mlops_free(stats);
	o.format = MLOPS_DATASET_TABLE_CSV;
	o.no_header = 1;
	th_ok(mlops_dataset_file_profile(NULL, NULL, &rows, store, "people@v1", "people.txt", &o));
	assert_int_equal(rows, 11);
	assert_int_equal(mlops_dataset_file_profile(NULL, NULL, &rows, store, "people", "bad.jsonl", NULL),
	                 MLOPS_EPARSE);
	assert_non_null(strstr(mlops_error_last()->message, "line 2"));
	assert_int_equal(mlops_dataset_file_profile(NULL, NULL, &rows, store, "people", "nope.csv", NULL),
	                 MLOPS_ENOTFOUND);
	assert_int_equal(mlops_dataset_file_profile(NULL, NULL, &rows, store, "people", NULL, NULL), MLOPS_EINVAL);
	th_ok(mlops_dataset_validate(&rep, &ok, store, vid, "people.csv",
	                             "[{\"type\":\"regex\",\"column\":\"email\",\"pattern\":\"^[^@]+@[^@]+$\"}]", NULL,
	                             NULL));
	assert_int_equal(ok, 0);
	assert_jstr(rep, "$.results[0].examples", "[2,9]");
	mlops_free(rep);
	mlops_store_free(store);

	free(missing);
	free(csv);
	free(txt);
	free(bad);
	th_rmrf(dir);
	free(dir);
}

/* Long top values are shown truncated at a character boundary; wide tables cost little per column. */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_expectations),
		cmocka_unit_test(test_validate_schema),
		cmocka_unit_test(test_validate_more),
		cmocka_unit_test(test_expectations_invalid),
		cmocka_unit_test(test_api_files),
	};
	int rc = cmocka_run_group_tests_name("datasets_validate", tests, NULL, NULL);
	jdb_close();
	return rc;
}
