/*
 * Unit tests of the tabular side of src/datasets: CSV (RFC 4180) and JSON Lines readers, malformed input with
 * line numbers, type inference, statistics against values computed here, sketches within their documented
 * error, bounded memory over a generated 20 MB CSV and a wide table. Validation: test_datasets_validate.c.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tabular_test.h"

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
	expect_parse_error("a,b\n1,\"\xff\"", 9, C, 2, "field 2 is not valid UTF-8");   /* quoted, at the end */
	expect_parse_error("a,b\n1,\"x\xff", 9, C, 2, "unterminated quoted field 2");
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
	/* a field of exactly the limit, then an empty last field at the end of the input */
	th_ok(dump_rows(&got, "a,b\n12345678,", 13, &o, 3));
	assert_string_equal(got, "a|b\n12345678|<null>\n");
	free(got);
	/* records longer than the 1 MiB input buffer are kept whole (the buffer grows) */
	size_t bigf = (3u << 20) / 2;
	char *two = malloc(2 * bigf + 16);
	assert_non_null(two);
	memcpy(two, "a,b\n", 4);
	memset(two + 4, 'x', bigf);
	two[4 + bigf] = ',';
	two[5 + bigf] = '"';
	memset(two + 6 + bigf, 'y', bigf);
	memcpy(two + 6 + 2 * bigf, "\"\n", 2);
	mlops_datasets__mem_src mb = { two, 2 * bigf + 8, 0 };
	char *st2 = NULL;
	th_ok(mlops_datasets__profile(NULL, &st2, NULL, C, mlops_datasets__read_mem, &mb));
	char *mx = jstr(st2, "$.columns.b.max");
	assert_int_equal(strlen(mx), bigf);
	assert_true(mx[0] == 'y' && mx[bigf - 1] == 'y');
	free(mx);
	free(st2);
	free(two);
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
		assert_true(mlops_datasets__topk_add(t, mlops__hash64(v, (size_t)n), v, (size_t)n) >= 0);
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
	if (th_under_valgrind())
		skip(); /* valgrind replaces malloc, so mallinfo2() does not see the heap */
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
		cmocka_unit_test(test_top_truncated_and_wide),
	};
	int rc = cmocka_run_group_tests_name("datasets_tabular", tests, NULL, NULL);
	jdb_close();
	return rc;
}
