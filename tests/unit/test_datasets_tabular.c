/*
 * Unit tests of the tabular side of src/datasets: CSV (RFC 4180) and JSON Lines readers, malformed input with
 * line numbers, type inference, statistics against values computed here, sketches within their documented
 * error, bounded memory over a generated 20 MB CSV, and validation against expectations and schemas.
 */
#include <malloc.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "datasets/tabular.h"
#include "util/util.h"

/* ---- helpers ---- */

/* A byte source that hands out at most `step` bytes per call, to cross every buffer boundary. */
typedef struct step_src {
	const char *data;
	size_t len, pos, step;
} step_src;

static int read_step(size_t *out_n, void *buf, size_t cap, void *payload)
{
	step_src *s = payload;
	size_t n = s->len - s->pos;
	if (n > s->step)
		n = s->step;
	if (n > cap)
		n = cap;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	*out_n = n;
	return 0;
}

static mlops_datasets__table_opts opts_of(mlops_datasets__fmt fmt)
{
	mlops_datasets__table_opts o;
	mlops_datasets__table_opts_default(&o, fmt);
	return o;
}

/* Read every row of text into "a|b|<null>\n" form (nulls shown as <null>). */
static int dump_rows(char **out, const char *text, size_t len, const mlops_datasets__table_opts *o, size_t step)
{
	step_src src = { text, len, 0, step };
	mlops_datasets__reader *r = NULL;
	int rc = mlops_datasets__reader_open(&r, o, read_step, &src);
	if (rc)
		return rc;
	mlops_buf b = MLOPS_BUF_INIT;
	mlops__buf_puts(&b, "");
	const mlops_datasets__cell *c;
	size_t n;
	while ((rc = mlops_datasets__reader_next(&c, &n, r)) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (i)
				mlops__buf_putc(&b, '|');
			if (c[i].kind == MLOPS_DATASETS__CELL_NULL)
				mlops__buf_puts(&b, "<null>");
			else
				mlops__buf_put(&b, c[i].s, c[i].n);
		}
		mlops__buf_puts(&b, "\n");
	}
	/* Names last: JSON Lines columns appear as the rows go. Each row shows the cells it had. */
	mlops_buf h = MLOPS_BUF_INIT;
	mlops__buf_puts(&h, "");
	for (size_t i = 0; i < mlops_datasets__reader_ncols(r); i++)
		mlops__buf_printf(&h, "%s%s", i ? "|" : "", mlops_datasets__reader_name(r, i));
	mlops__buf_puts(&h, "\n");
	mlops__buf_put(&h, b.data, b.len);
	mlops__buf_free(&b);
	mlops_datasets__reader_free(r);
	if (rc != MLOPS_ITEROVER) {
		mlops__buf_free(&h);
		return rc;
	}
	*out = mlops__buf_detach(&h);
	return 0;
}

static void expect_rows(const char *text, mlops_datasets__fmt fmt, const char *want)
{
	mlops_datasets__table_opts o = opts_of(fmt);
	size_t steps[] = { 1, 2, 3, 7, 1u << 20 };
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *got = NULL;
		int rc = dump_rows(&got, text, strlen(text), &o, steps[i]);
		if (rc)
			fail_msg("reading %s: %s", text, mlops_error_last()->message);
		assert_string_equal(got, want);
		free(got);
	}
}

/* The error for malformed input: MLOPS_EPARSE whose message starts with "line N:", at every read size. */
static void expect_parse_error(const char *text, size_t len, mlops_datasets__fmt fmt, unsigned line,
                               const char *words)
{
	mlops_datasets__table_opts o = opts_of(fmt);
	size_t steps[] = { 1, 5, 1u << 20 };
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "line %u: ", line);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *got = NULL;
		int rc = dump_rows(&got, text, len, &o, steps[i]);
		free(got);
		assert_int_equal(rc, MLOPS_EPARSE);
		const char *m = mlops_error_last()->message;
		if (strncmp(m, prefix, strlen(prefix)) || !strstr(m, words))
			fail_msg("input %.40s: message '%s', expected '%s...%s'", text, m, prefix, words);
	}
	/* The profiler reports the same. */
	mlops_datasets__mem_src m = { text, len, 0 };
	char *schema = NULL, *stats = NULL;
	assert_int_equal(mlops_datasets__profile(&schema, &stats, NULL, fmt, mlops_datasets__read_mem, &m),
	                 MLOPS_EPARSE);
	assert_null(schema);
	assert_null(stats);
}

static void profile_text(char **schema, char **stats, uint64_t *rows, const char *text, mlops_datasets__fmt fmt)
{
	mlops_datasets__mem_src m = { text, strlen(text), 0 };
	int rc = mlops_datasets__profile(schema, stats, rows, fmt, mlops_datasets__read_mem, &m);
	if (rc)
		fail_msg("profile: %s", mlops_error_last()->message);
}

/* json_extract through SQLite: the JSON documents are checked by reading them back, not by string matching. */
static sqlite3 *jdb;

static sqlite3_stmt *jq(const char *json, const char *path)
{
	if (!jdb)
		assert_int_equal(sqlite3_open(":memory:", &jdb), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(jdb, "SELECT json_extract(?1, ?2), json_type(?1, ?2)", -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	return st;
}

static double jnum(const char *json, const char *path)
{
	sqlite3_stmt *st = jq(json, path);
	if (sqlite3_column_type(st, 0) != SQLITE_INTEGER && sqlite3_column_type(st, 0) != SQLITE_FLOAT)
		fail_msg("%s: not a number in %s", path, json);
	double v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *jstr(const char *json, const char *path)
{
	sqlite3_stmt *st = jq(json, path);
	const unsigned char *t = sqlite3_column_text(st, 0);
	char *r = strdup(t ? (const char *)t : "<absent>");
	sqlite3_finalize(st);
	return r;
}

static void assert_jstr(const char *json, const char *path, const char *want)
{
	char *got = jstr(json, path);
	if (strcmp(got, want))
		fail_msg("%s: got '%s', want '%s' in %s", path, got, want, json);
	free(got);
}

static const char *jtype(const char *json, const char *path, char *buf)
{
	sqlite3_stmt *st = jq(json, path);
	const unsigned char *t = sqlite3_column_text(st, 1);
	strcpy(buf, t ? (const char *)t : "absent");
	sqlite3_finalize(st);
	return buf;
}

/* ---- RFC 4180 ---- */

static void test_csv_rfc4180(void **state)
{
	(void)state;
	expect_rows("a,b,c\n1,\"x,y\",3\n", MLOPS_DATASETS__FMT_CSV, "a|b|c\n1|x,y|3\n");
	expect_rows("a,b\n\"he said \"\"hi\"\"\",2\n", MLOPS_DATASETS__FMT_CSV, "a|b\nhe said \"hi\"|2\n");
	expect_rows("a,b\r\n1,2\r\n3,4\r\n", MLOPS_DATASETS__FMT_CSV, "a|b\n1|2\n3|4\n");
	expect_rows("a,b\n\"line1\nline2\",2\n3,4", MLOPS_DATASETS__FMT_CSV, "a|b\nline1\nline2|2\n3|4\n");
	expect_rows("a,b\n1,2\n\n", MLOPS_DATASETS__FMT_CSV, "a|b\n1|2\n");
	expect_rows("\xEF\xBB\xBF" "a,b\n1,2\n", MLOPS_DATASETS__FMT_CSV, "a|b\n1|2\n");
	/* empty unquoted = null, quoted empty = empty string; blank lines skipped; CR-only endings */
	expect_rows("a,b,c\n,\"\",x\n\n\n1,,\n", MLOPS_DATASETS__FMT_CSV, "a|b|c\n<null>||x\n1|<null>|<null>\n");
	expect_rows("a,b\r1,2\r3,4", MLOPS_DATASETS__FMT_CSV, "a|b\n1|2\n3|4\n");
	/* quoted CRLF inside a field is kept; a quote inside an unquoted field is literal */
	expect_rows("a,b\n\"x\r\ny\",ab\"c\n", MLOPS_DATASETS__FMT_CSV, "a|b\nx\r\ny|ab\"c\n");
	/* header only; empty input; duplicate and empty header names */
	expect_rows("a,b\n", MLOPS_DATASETS__FMT_CSV, "a|b\n");
	expect_rows("", MLOPS_DATASETS__FMT_CSV, "\n");
	expect_rows("x,x,,x\n1,2,3,4\n", MLOPS_DATASETS__FMT_CSV, "x|x.1|c3|x.2\n1|2|3|4\n");
	/* UTF-8 passes through */
	expect_rows("name\n\"Zoë, 日本\"\n", MLOPS_DATASETS__FMT_CSV, "name\nZoë, 日本\n");
}

static void test_csv_options(void **state)
{
	(void)state;
	mlops_datasets__table_opts o = opts_of(MLOPS_DATASETS__FMT_CSV);
	o.delimiter = ';';
	o.quote = '\'';
	o.has_header = false;
	const char *text = "1;'a;b'\n2;'it''s'\n";
	char *got = NULL;
	th_ok(dump_rows(&got, text, strlen(text), &o, 3));
	assert_string_equal(got, "c1|c2\n1|a;b\n2|it's\n");
	free(got);
	o.quote = ';';
	assert_int_equal(dump_rows(&got, text, strlen(text), &o, 3), MLOPS_EINVAL);
}

static void test_csv_malformed(void **state)
{
	(void)state;
	const mlops_datasets__fmt C = MLOPS_DATASETS__FMT_CSV;
	expect_parse_error("a,b\n1,2\n3\n", 10, C, 3, "1 fields, expected 2");
	expect_parse_error("a,b\n1,2\n3,4,5\n", 14, C, 3, "more than the 2 fields");
	expect_parse_error("a,b\n1,2\n\"x\ny\",2\n4,5,6\n", 22, C, 5, "more than");
	expect_parse_error("a,b\n1,\"abc\n2,3\n", 15, C, 2, "unterminated quoted field 2");
	expect_parse_error("a,b\n1,\"ab\"c\n", 12, C, 2, "after the closing quote");
	expect_parse_error("a,b\n1,2\n3,\xff\xfe\n", 12, C, 3, "not valid UTF-8");
	expect_parse_error("a,b\n1,2\n3,\xC3\n", 11, C, 3, "not valid UTF-8");
	expect_parse_error("a,\xe2\x82\n", 6, C, 1, "not valid UTF-8");
	/* a huge field beyond the default 16 MiB limit */
	size_t big = MLOPS_DATASETS__MAX_FIELD_DEFAULT + 10;
	char *huge = malloc(big + 16);
	assert_non_null(huge);
	memcpy(huge, "a\nx\n", 4);
	memset(huge + 4, 'y', big);
	memcpy(huge + 4 + big, "\n", 1);
	mlops_datasets__mem_src m = { huge, big + 5, 0 };
	assert_int_equal(mlops_datasets__profile(NULL, NULL, NULL, C, mlops_datasets__read_mem, &m), MLOPS_EPARSE);
	assert_non_null(strstr(mlops_error_last()->message, "line 3: field 1 is longer than 16777216 bytes"));
	/* ... also inside quotes, and with a smaller configured limit */
	huge[4] = '"';
	m.pos = 0;
	assert_int_equal(mlops_datasets__profile(NULL, NULL, NULL, C, mlops_datasets__read_mem, &m), MLOPS_EPARSE);
	assert_non_null(strstr(mlops_error_last()->message, "line 3: field 1 is longer than"));
	free(huge);
	mlops_datasets__table_opts o = opts_of(C);
	o.max_field_bytes = 8;
	char *got = NULL;
	assert_int_equal(dump_rows(&got, "a,b\n1,2\n12345678,x\n123456789,y\n", 31, &o, 4), MLOPS_EPARSE);
	assert_non_null(strstr(mlops_error_last()->message, "line 4: field 1 is longer than 8 bytes"));
}

static void test_jsonl_reader(void **state)
{
	(void)state;
	const mlops_datasets__fmt J = MLOPS_DATASETS__FMT_JSONL;
	expect_rows("{\"a\":1,\"b\":\"x\"}\n{\"b\":\"y\\n\\\"z\\u00e9\\ud83d\\ude00\",\"c\":true}\n\n{\"a\":null}\r\n",
	            J, "a|b|c\n1|x\n<null>|y\n\"z\xC3\xA9\xF0\x9F\x98\x80|true\n<null>|<null>|<null>\n");
	expect_rows(" { \"n\" : [1, {\"x\": \"]\"}] , \"o\":{} } \n{}\n", J, "n|o\n[1, {\"x\": \"]\"}]|{}\n<null>|<null>\n");
	expect_rows("{\"v\":-1.5e3}\n{\"v\":0}", J, "v\n-1.5e3\n0\n");
	expect_rows("", J, "\n");

	expect_parse_error("{\"a\":1}\n[1,2]\n", 14, J, 2, "expected a JSON object");
	expect_parse_error("{\"a\":1}\n\n{\"a\":1} x\n", 18, J, 3, "text after the JSON object");
	expect_parse_error("{\"a\":1,\"a\":2}\n", 14, J, 1, "duplicate key 'a'");
	expect_parse_error("{\"a\":\"\\x\"}\n", 11, J, 1, "bad escape");
	expect_parse_error("{\"a\":\"\\ud800\"}\n", 15, J, 1, "unpaired surrogate");
	expect_parse_error("{\"a\":01}\n", 9, J, 1, "expected ',' or '}'");
	expect_parse_error("{\"a\":-}\n", 8, J, 1, "bad number");
	expect_parse_error("{\"a\":\"abc}\n", 11, J, 1, "unterminated JSON string");
	expect_parse_error("{\"a\":\"\xff\"}\n", 10, J, 1, "not valid UTF-8");
	expect_parse_error("{\"a\":[1,2}\n", 11, J, 1, "unterminated, mismatched");
	expect_parse_error("{\"a\":tru}\n", 10, J, 1, "bad value");
	expect_parse_error("{\"\":1}\n", 7, J, 1, "empty key");
	expect_parse_error("{\"a\":1,}\n", 9, J, 1, "expected a string key");
	mlops_datasets__table_opts o = opts_of(J);
	o.max_field_bytes = 16;
	char *got = NULL;
	assert_int_equal(dump_rows(&got, "{\"a\":1}\n{\"a\":\"0123456789\"}\n", 27, &o, 3), MLOPS_EPARSE);
	assert_non_null(strstr(mlops_error_last()->message, "line 2: longer than 16 bytes"));
}

/* ---- inference ---- */

static void test_infer_types(void **state)
{
	(void)state;
	char *schema = NULL, *stats = NULL;
	uint64_t rows = 0;
	char tb[32];
	profile_text(&schema, &stats, &rows,
	             "i,f,b,s,t,w,x,n,z,nb,ts2\n"
	             "1,1.5,true,a,2024-01-31,1,1,,007,0,2024-02-29T23:59:59.5+01:00\n"
	             "-2,-1e-3,FALSE,b,2024-02-01,2.5,x,,+3,1,2024-03-01 00:00\n"
	             "9223372036854775807,NaN,True,,1999-12-31,,true,,-0,2,2024-03-01T00:00:00Z\n"
	             "-9223372036854775808,-inf,false,c,2000-01-01,3,,,1,3,2024-03-01T00:00:00-0130\n",
	             MLOPS_DATASETS__FMT_CSV);
	assert_int_equal(rows, 4);
	assert_jstr(schema, "$.format", "csv");
	const char *want[][3] = {
		{ "i", "int", "0" }, { "f", "float", "0" }, { "b", "bool", "0" }, { "s", "string", "1" },
		{ "t", "timestamp", "0" }, { "w", "float", "1" }, { "x", "string", "1" }, { "n", "string", "1" },
		{ "z", "int", "0" }, { "nb", "int", "0" }, { "ts2", "timestamp", "0" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char path[64];
		snprintf(path, sizeof(path), "$.columns[%zu].name", i);
		assert_jstr(schema, path, want[i][0]);
		snprintf(path, sizeof(path), "$.columns[%zu].type", i);
		assert_jstr(schema, path, want[i][1]);
		snprintf(path, sizeof(path), "$.columns[%zu].nullable", i);
		assert_jstr(schema, path, want[i][2]);
	}
	assert_jstr(stats, "$.columns.i.min", "-9223372036854775808");
	assert_jstr(stats, "$.columns.i.max", "9223372036854775807");
	assert_int_equal((int)jnum(stats, "$.columns.f.nan"), 1);
	assert_jstr(stats, "$.columns.f.min", "-Infinity");
	assert_jstr(stats, "$.columns.t.min", "1999-12-31");
	assert_jstr(stats, "$.columns.t.max", "2024-02-01");
	/* 23:59:59.5+01:00 on Feb 29 is 22:59:59.5Z, before March 1 00:00 (no zone) and 01:30Z on March 1 */
	assert_jstr(stats, "$.columns.ts2.min", "2024-02-29T23:59:59.5+01:00");
	assert_jstr(stats, "$.columns.ts2.max", "2024-03-01T00:00:00-0130");
	assert_string_equal(jtype(stats, "$.columns.b.min", tb), "false");
	assert_string_equal(jtype(stats, "$.columns.b.max", tb), "true");
	assert_true(fabs(jnum(stats, "$.columns.b.mean") - 0.5) < 1e-12);
	assert_int_equal((int)jnum(stats, "$.columns.n.nulls"), 4);
	assert_int_equal((int)jnum(stats, "$.columns.n.count"), 0);
	assert_jstr(stats, "$.columns.s.min", "a");
	assert_jstr(stats, "$.columns.s.max", "c");
	assert_jstr(stats, "$.columns.x.min", "1");
	assert_jstr(stats, "$.columns.x.max", "x");
	free(schema);
	free(stats);

	/* Values that are not of the type they resemble. */
	const char *strings[] = { "1 ", "0x10", "1,000", "2024-13-01", "2024-02-30", "2023-02-29", "1e", "--1",
	                          "yes", "2024-01-01T25:00", "2024-01-01X", "99999999999999999999", ".", "+" };
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		mlops_datasets__cell c = { strings[i], strlen(strings[i]), MLOPS_DATASETS__CELL_TEXT };
		double d;
		int64_t iv;
		mlops_datasets__type t = mlops_datasets__classify(&c, &d, &iv);
		if (!strcmp(strings[i], "99999999999999999999"))
			assert_int_equal(t, MLOPS_DATASETS__TYPE_FLOAT);
		else if (t != MLOPS_DATASETS__TYPE_STRING)
			fail_msg("'%s' classified as %s", strings[i], mlops_datasets__type_name(t));
	}
	double d;
	assert_true(mlops_datasets__parse_float(&d, "0.1", 3) && d == 0.1);
	assert_true(mlops_datasets__parse_float(&d, "123456789012345678e-5", 21) && d == 123456789012345678e-5);
	assert_true(mlops_datasets__parse_float(&d, "-2.5E+2", 7) && d == -250);
	assert_true(mlops_datasets__parse_float(&d, "Infinity", 8) && isinf(d));
	assert_true(mlops_datasets__parse_timestamp(&d, "1970-01-02T00:00:01Z", 20) && d == 86401);
	assert_true(mlops_datasets__parse_timestamp(&d, "1969-12-31", 10) && d == -86400);
	assert_int_equal(mlops_datasets__widen(MLOPS_DATASETS__TYPE_INT, MLOPS_DATASETS__TYPE_BOOL),
	                 MLOPS_DATASETS__TYPE_STRING);
	assert_int_equal(mlops_datasets__widen(MLOPS_DATASETS__TYPE_NONE, MLOPS_DATASETS__TYPE_BOOL),
	                 MLOPS_DATASETS__TYPE_BOOL);
}

static void test_infer_jsonl(void **state)
{
	(void)state;
	char *schema = NULL, *stats = NULL;
	uint64_t rows = 0;
	profile_text(&schema, &stats, &rows,
	             "{\"id\":1,\"x\":1,\"s\":\"12\",\"b\":true,\"t\":\"2024-05-01T10:00:00Z\",\"o\":[1]}\n"
	             "{\"id\":2,\"x\":2.5,\"s\":\"a\",\"b\":false,\"t\":\"2024-05-02\",\"o\":{\"k\":1}}\n"
	             "{\"id\":3,\"late\":\"v\",\"x\":null}\n",
	             MLOPS_DATASETS__FMT_JSONL);
	assert_int_equal(rows, 3);
	assert_jstr(schema, "$.format", "jsonl");
	assert_jstr(schema, "$.columns[0].name", "id");
	assert_jstr(schema, "$.columns[0].type", "int");
	assert_jstr(schema, "$.columns[1].type", "float");
	assert_jstr(schema, "$.columns[1].nullable", "1");
	assert_jstr(schema, "$.columns[2].type", "string"); /* JSON strings never become numbers */
	assert_jstr(schema, "$.columns[3].type", "bool");
	assert_jstr(schema, "$.columns[4].type", "timestamp");
	assert_jstr(schema, "$.columns[5].type", "string");
	assert_jstr(schema, "$.columns[6].name", "late");
	assert_jstr(schema, "$.columns[6].nullable", "1");
	assert_int_equal((int)jnum(stats, "$.columns.late.nulls"), 2);
	assert_int_equal((int)jnum(stats, "$.columns.late.count"), 1);
	assert_int_equal((int)jnum(stats, "$.columns.b.nulls"), 1);
	assert_true(fabs(jnum(stats, "$.columns.x.mean") - 1.75) < 1e-12);
	free(schema);
	free(stats);
}

/* ---- statistics ---- */

static uint64_t xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void check_stats(size_t n)
{
	/* v: floats with a known sum, k: ints, c: 5 categories with known counts, u: n distinct strings */
	mlops_buf b = MLOPS_BUF_INIT;
	mlops__buf_puts(&b, "v,k,c,u\n");
	double *vals = malloc(n * sizeof(double));
	assert_non_null(vals);
	uint64_t seed = 42, ccount[5] = { 0 };
	double sum = 0, kmin = 1e300, kmax = -1e300;
	size_t nulls = 0, nv = 0;
	for (size_t i = 0; i < n; i++) {
		long k = (long)(xs(&seed) % 2001) - 1000;
		unsigned c = (unsigned)(xs(&seed) % 100);
		c = c < 50 ? 0 : c < 75 ? 1 : c < 90 ? 2 : c < 97 ? 3 : 4;
		ccount[c]++;
		if (k < kmin)
			kmin = (double)k;
		if (k > kmax)
			kmax = (double)k;
		if (i % 10 == 3) {
			nulls++;
			mlops__buf_printf(&b, ",%ld,cat%u,u%zu\n", k, c, i);
			continue;
		}
		char txt[32];
		snprintf(txt, sizeof(txt), "%.2f", (double)(xs(&seed) % 1000000) / 100.0 - 1000.0);
		double v = strtod(txt, NULL);
		vals[nv++] = v;
		sum += v;
		mlops__buf_printf(&b, "%s,%ld,cat%u,u%zu\n", txt, k, c, i);
	}
	double mean = sum / (double)nv, ss = 0;
	for (size_t i = 0; i < nv; i++)
		ss += (vals[i] - mean) * (vals[i] - mean);
	double sd = sqrt(ss / (double)(nv - 1));
	qsort(vals, nv, sizeof(double), dbl_cmp);

	char *schema = NULL, *stats = NULL;
	uint64_t rows = 0;
	profile_text(&schema, &stats, &rows, b.data, MLOPS_DATASETS__FMT_CSV);
	assert_int_equal(rows, n);
	assert_jstr(schema, "$.columns[0].type", "float");
	assert_jstr(schema, "$.columns[1].type", "int");
	assert_int_equal((size_t)jnum(stats, "$.columns.v.count"), nv);
	assert_int_equal((size_t)jnum(stats, "$.columns.v.nulls"), nulls);
	assert_true(jnum(stats, "$.columns.v.min") == vals[0]);
	assert_true(jnum(stats, "$.columns.v.max") == vals[nv - 1]);
	assert_true(fabs(jnum(stats, "$.columns.v.mean") - mean) <= 1e-9 * fabs(mean) + 1e-9);
	assert_true(fabs(jnum(stats, "$.columns.v.std") - sd) <= 1e-9 * sd);
	assert_true(jnum(stats, "$.columns.k.min") == kmin);
	assert_true(jnum(stats, "$.columns.k.max") == kmax);

	/* quantiles: exact up to QEXACT values, else within 2% of rank (documented: 1.6% at 99% confidence) */
	static const char *const qk[] = { "0.01", "0.05", "0.25", "0.5", "0.75", "0.95", "0.99" };
	static const double qr[] = { 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 };
	bool exact = nv <= MLOPS_DATASETS__QEXACT;
	char tb[32];
	assert_string_equal(jtype(stats, "$.columns.v.quantiles_exact", tb), exact ? "true" : "false");
	for (size_t i = 0; i < 7; i++) {
		char path[64];
		snprintf(path, sizeof(path), "$.columns.v.quantiles.\"%s\"", qk[i]);
		double got = jnum(stats, path);
		size_t want_idx = (size_t)ceil(qr[i] * (double)nv) - 1;
		if (exact) {
			assert_true(got == vals[want_idx]);
		} else {
			/* rank of got among the values */
			size_t lo = 0;
			while (lo < nv && vals[lo] < got)
				lo++;
			double rank_err = fabs((double)lo - (double)want_idx) / (double)nv;
			if (rank_err > 0.02)
				fail_msg("quantile %s: rank error %.4f", qk[i], rank_err);
		}
	}
	/* top values of c: exact counts (5 distinct values, fewer than the sketch's counters) */
	for (int i = 0; i < 5; i++) {
		char path[64], want[16];
		snprintf(path, sizeof(path), "$.columns.c.top[%d].value", i);
		snprintf(want, sizeof(want), "cat%d", i);
		assert_jstr(stats, path, want);
		snprintf(path, sizeof(path), "$.columns.c.top[%d].count", i);
		assert_int_equal((uint64_t)jnum(stats, path), ccount[i]);
	}
	assert_int_equal((int)jnum(stats, "$.columns.c.distinct"), 5);
	/* distinct of u: n values, HyperLogLog standard error 0.81%: 3% is beyond 3.5 sigma */
	double du = jnum(stats, "$.columns.u.distinct");
	if (fabs(du - (double)n) > 0.03 * (double)n)
		fail_msg("distinct %.0f for %zu values", du, n);
	free(schema);
	free(stats);
	free(vals);
	mlops__buf_free(&b);
}

static void test_stats_small(void **state)
{
	(void)state;
	check_stats(1000);
}

static void test_stats_large(void **state)
{
	(void)state;
	check_stats(200000);
}

static void test_sketches(void **state)
{
	(void)state;
	/* Heavy hitters survive a stream of a million distinct values; counts within the reported error. */
	mlops_datasets__topk *t = NULL;
	th_ok(mlops_datasets__topk_new(&t, MLOPS_DATASETS__TOP_K));
	uint64_t seed = 7, heavy = 0;
	char v[32];
	for (int i = 0; i < 1000000; i++) {
		int n;
		if (i % 10 == 0) {
			n = snprintf(v, sizeof(v), "HEAVY");
			heavy++;
		} else {
			n = snprintf(v, sizeof(v), "v%llu", (unsigned long long)xs(&seed));
		}
		th_ok(mlops_datasets__topk_add(t, mlops__hash64(v, (size_t)n), v, (size_t)n));
	}
	mlops_datasets__topk_item *items;
	size_t ni;
	th_ok(mlops_datasets__topk_items(&items, &ni, t));
	assert_true(ni >= 1);
	assert_string_equal(items[0].value, "HEAVY");
	assert_true(items[0].count <= heavy && heavy <= items[0].count + items[0].err);
	mlops_datasets__topk_free(t);

	/* HyperLogLog from 0 to 10^6 */
	mlops_datasets__hll *h = malloc(sizeof(*h));
	mlops_datasets__hll_init(h);
	assert_true(mlops_datasets__hll_estimate(h) == 0);
	for (uint64_t i = 1; i <= 1000000; i++) {
		uint64_t hv = mlops__hash64(&i, sizeof(i));
		th_ok(mlops_datasets__hll_add(h, hv));
		th_ok(mlops_datasets__hll_add(h, hv)); /* repeats do not count */
		/* exact while the set holds the hashes */
		if (i <= MLOPS_DATASETS__HLL_SPARSE_MAX)
			assert_true(mlops_datasets__hll_estimate(h) == (double)i);
		if (i == 10 || i == 1000 || i == 30000 || i == 1000000) {
			double e = mlops_datasets__hll_estimate(h);
			if (fabs(e - (double)i) > 0.03 * (double)i + 0.5)
				fail_msg("hll estimate %.1f for %llu", e, (unsigned long long)i);
		}
	}
	mlops_datasets__hll_free(h);
	free(h);

	/* KLL on a sorted and a reverse-sorted stream (adversarial orders for compaction) */
	for (int dir = 0; dir < 2; dir++) {
		mlops_datasets__quant *q = NULL;
		th_ok(mlops_datasets__quant_new(&q));
		const int n = 500000;
		for (int i = 0; i < n; i++)
			th_ok(mlops_datasets__quant_add(q, dir ? (double)(n - 1 - i) : (double)i));
		assert_false(mlops_datasets__quant_exact(q));
		for (double r = 0.1; r < 1; r += 0.1) {
			double got = mlops_datasets__quant_get(q, r);
			if (fabs(got - r * n) > 0.02 * n)
				fail_msg("KLL rank %.1f gave %.0f of %d", r, got, n);
		}
		mlops_datasets__quant_free(q);
	}
}

/* ---- bounded memory over a generated 20 MB CSV ---- */

typedef struct gen_src {
	size_t target, produced;
	uint64_t row, seed;
	char line[256];
	size_t lpos, llen;
	size_t peak_inuse;
} gen_src;

#if defined(__SANITIZE_ADDRESS__)
/* From the AddressSanitizer runtime (sanitizer/allocator_interface.h is not always installed). */
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t inuse(void)
{
	/* AddressSanitizer replaces malloc: ask its allocator. */
	return __sanitizer_get_current_allocated_bytes();
}
#else
static size_t inuse(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}
#endif

static size_t wide_peak;

/* A memory source that samples the heap in use at every read, like read_gen. */
static int read_peak(size_t *out_n, void *buf, size_t cap, void *payload)
{
	size_t m = inuse();
	if (m > wide_peak)
		wide_peak = m;
	return mlops_datasets__read_mem(out_n, buf, cap, payload);
}

static int read_gen(size_t *out_n, void *buf, size_t cap, void *payload)
{
	gen_src *g = payload;
	size_t n = 0;
	char *o = buf;
	size_t m = inuse();
	if (m > g->peak_inuse)
		g->peak_inuse = m;
	while (n < cap && (g->produced < g->target || g->lpos < g->llen)) {
		if (g->lpos == g->llen) {
			if (g->row == 0)
				g->llen = (size_t)snprintf(g->line, sizeof(g->line), "id,user,score,city,when\n");
			else
				g->llen = (size_t)snprintf(g->line, sizeof(g->line),
				                           "%llu,user_%llu@example.org,%.3f,\"City %llu, X\",2024-01-%02lluT10:00:00Z\n",
				                           (unsigned long long)g->row,
				                           (unsigned long long)(xs(&g->seed) % 100000000),
				                           (double)(xs(&g->seed) % 100000) / 7.0,
				                           (unsigned long long)(xs(&g->seed) % 50),
				                           (unsigned long long)(1 + g->row % 28));
			g->lpos = 0;
			g->row++;
		}
		size_t k = g->llen - g->lpos;
		if (k > cap - n)
			k = cap - n;
		memcpy(o + n, g->line + g->lpos, k);
		g->lpos += k;
		n += k;
		g->produced += k;
	}
	*out_n = n;
	return 0;
}

static void test_profile_memory_bounded(void **state)
{
	(void)state;
	size_t base = inuse();
	gen_src small = { .target = 2u << 20, .seed = 1 };
	uint64_t rows_small = 0;
	mlops_datasets__table_opts o = opts_of(MLOPS_DATASETS__FMT_CSV);
	char *stats = NULL;
	th_ok(mlops_datasets__profile_ex(NULL, &stats, &rows_small, &o, read_gen, &small));
	free(stats);
	gen_src big = { .target = 20u << 20, .seed = 1 };
	uint64_t rows_big = 0;
	struct timespec a, b;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	th_ok(mlops_datasets__profile_ex(NULL, &stats, &rows_big, &o, read_gen, &big));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	assert_true(rows_big > 9 * rows_small);
	assert_int_equal((uint64_t)jnum(stats, "$.rows"), rows_big);
	assert_int_equal((uint64_t)jnum(stats, "$.columns.id.max"), rows_big);
	free(stats);
	print_message("profiled %zu bytes, %llu rows in %.3f s CPU (%.1f MB/s incl. generation); heap in use: "
	              "base %zu, peak %zu (2 MB input) and %zu (20 MB input)\n", big.produced,
	              (unsigned long long)rows_big, secs, (double)big.produced / secs / 1e6, base, small.peak_inuse,
	              big.peak_inuse);
	/* The 20 MB profile may not use materially more heap than the 2 MB one (sketches are bounded); the
	 * allowance covers the quantile buffers switching to KLL and allocator slack. */
	assert_true(small.peak_inuse > base);
	assert_true(big.peak_inuse < small.peak_inuse + (4u << 20));
}


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
	                          "{\"type\":\"row_count\",\"max\":5},{\"type\":\"in_set\",\"column\":\"nope\",\"values\":[1]}]",
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
	                          "{\"name\":\"age\",\"type\":\"int\",\"nullable\":true},{\"name\":\"c\",\"type\":\"bool\"}]}");
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
	                          "{\"type\":\"between\",\"column\":\"t\",\"min\":\"2024-01-01\",\"max\":\"2024-01-10T00:00:00Z\"}]}",
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
static void test_top_truncated_and_wide(void **state)
{
	(void)state;
	mlops_buf b = MLOPS_BUF_INIT;
	mlops__buf_puts(&b, "v\n");
	char longv[100];
	memset(longv, 'a', 63);
	memcpy(longv + 63, "\xC3\xA9", 2); /* e-acute straddles byte 64 */
	memset(longv + 65, 'b', 20);
	longv[85] = '\0';
	for (int i = 0; i < 3; i++)
		mlops__buf_printf(&b, "%s\n", longv);
	mlops__buf_puts(&b, "short\n");
	char *stats = NULL;
	profile_text(NULL, &stats, NULL, b.data, MLOPS_DATASETS__FMT_CSV);
	char *v = jstr(stats, "$.columns.v.top[0].value");
	assert_int_equal(strlen(v), 63);
	free(v);
	assert_jstr(stats, "$.columns.v.top[0].truncated", "1");
	assert_int_equal((int)jnum(stats, "$.columns.v.top[0].count"), 3);
	assert_jstr(stats, "$.columns.v.top[1].value", "short");
	assert_jstr(stats, "$.columns.v.min", longv); /* min and max keep the whole value */
	free(stats);
	mlops__buf_free(&b);

	/* 2000 columns x 100 rows, 100 distinct values per column */
	mlops__buf_puts(&b, "");
	for (int c = 0; c < 2000; c++)
		mlops__buf_printf(&b, "%sc%d", c ? "," : "", c);
	mlops__buf_puts(&b, "\n");
	for (int r = 0; r < 100; r++) {
		for (int c = 0; c < 2000; c++)
			mlops__buf_printf(&b, "%s%d", c ? "," : "", r * 7 + c);
		mlops__buf_puts(&b, "\n");
	}
	size_t base = inuse();
	mlops_datasets__mem_src m = { b.data, b.len, 0 };
	wide_peak = 0;
	th_ok(mlops_datasets__profile(NULL, &stats, NULL, MLOPS_DATASETS__FMT_CSV, read_peak, &m));
	assert_int_equal((int)jnum(stats, "$.columns.c1999.distinct"), 100);
	assert_int_equal((int)jnum(stats, "$.columns.c0.max"), 99 * 7);
	free(stats);
	size_t per_col = (wide_peak - base) / 2000;
	print_message("wide table: %zu bytes of heap per column\n", per_col);
	assert_true(per_col < 32 * 1024);
	mlops__buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_rfc4180),
		cmocka_unit_test(test_csv_options),
		cmocka_unit_test(test_csv_malformed),
		cmocka_unit_test(test_jsonl_reader),
		cmocka_unit_test(test_infer_types),
		cmocka_unit_test(test_infer_jsonl),
		cmocka_unit_test(test_stats_small),
		cmocka_unit_test(test_stats_large),
		cmocka_unit_test(test_sketches),
		cmocka_unit_test(test_profile_memory_bounded),
		cmocka_unit_test(test_validate_expectations),
		cmocka_unit_test(test_validate_schema),
		cmocka_unit_test(test_validate_more),
		cmocka_unit_test(test_expectations_invalid),
		cmocka_unit_test(test_api_files),
		cmocka_unit_test(test_top_truncated_and_wide),
	};
	int rc = cmocka_run_group_tests_name("datasets_tabular", tests, NULL, NULL);
	if (jdb)
		sqlite3_close(jdb);
	return rc;
}
