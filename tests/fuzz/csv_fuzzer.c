/*
 * Fuzz target for the tabular readers and validation: the CSV and JSON Lines profilers (with varied options and
 * read sizes, so every buffer boundary is crossed), the expectations/schema reader, and validation of the input
 * against fixed expectations. The first byte chooses the mode and options; the rest is the input. Any outcome is
 * fine except a crash, a leak or a sanitizer report; a parse error must carry a line number, every cell must be
 * valid UTF-8 and NUL-terminated, and every document written must be valid JSON.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/tabular.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct chunk_src {
	const uint8_t *data;
	size_t len, pos, step;
} chunk_src;

static int read_chunks(size_t *out_n, void *buf, size_t cap, void *payload)
{
	chunk_src *s = payload;
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

static const char expectations[] =
	"{\"expectations\":[{\"type\":\"not_null\",\"column\":\"a\"},"
	"{\"type\":\"between\",\"column\":\"b\",\"min\":0,\"max\":100,\"mostly\":0.5},"
	"{\"type\":\"in_set\",\"column\":\"c\",\"values\":[\"x\",1,true]},{\"type\":\"unique\",\"column\":\"a\"},"
	"{\"type\":\"regex\",\"column\":\"c\",\"pattern\":\"^[a-z]+@?$\"},{\"type\":\"row_count\",\"max\":1000},"
	"{\"type\":\"max_null_share\",\"column\":\"b\",\"value\":0.5},"
	"{\"type\":\"column\",\"column\":\"b\",\"dtype\":\"float\"},"
	"{\"type\":\"between\",\"column\":\"t\",\"min\":\"2000-01-01\"}]}";
static const char schema[] =
	"{\"columns\":[{\"name\":\"a\",\"type\":\"int\",\"nullable\":false},{\"name\":\"b\",\"type\":\"float\"}]}";

static void check_error(int rc)
{
	/* A parse error names its line; any other failure here would be a bug (inputs are in memory). */
	if (rc == MLOPS_EPARSE && strncmp(mlops_error_last()->message, "line ", 5) &&
	    strncmp(mlops_error_last()->message, "expectations", 12) &&
	    strncmp(mlops_error_last()->message, "schema", 6))
		abort();
	if (rc && rc != MLOPS_EPARSE && rc != MLOPS_EINVAL)
		abort();
}

/* The documents the library writes must be valid JSON (checked by SQLite's json_valid). */
static void check_json(const char *text)
{
	static sqlite3 *db;
	static sqlite3_stmt *st;
	if (!db && (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	            sqlite3_prepare_v2(db, "SELECT json_valid(?1)", -1, &st, NULL) != SQLITE_OK))
		abort();
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0) != 1)
		abort();
}

/* Statistics agree with themselves: count + nulls = rows and distinct <= count for every column. */
static void check_stats(const char *stats)
{
	static sqlite3 *db;
	static sqlite3_stmt *st;
	if (!db && (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	            sqlite3_prepare_v2(db, "SELECT count(*) FROM json_each(?1, '$.columns') WHERE "
	                               "json_extract(value, '$.count') + json_extract(value, '$.nulls') != "
	                               "json_extract(?1, '$.rows') OR "
	                               "json_extract(value, '$.distinct') > json_extract(value, '$.count')",
	                               -1, &st, NULL) != SQLITE_OK))
		abort();
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, stats, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0) != 0)
		abort();
}

/* Every cell the reader hands out is NUL-terminated, valid UTF-8, and empty when null. */
static void check_reader(const mlops_datasets__table_opts *o, chunk_src *src)
{
	mlops_datasets__reader *r = NULL;
	int rc = mlops_datasets__reader_open(&r, o, read_chunks, src);
	check_error(rc);
	if (rc)
		return;
	const mlops_datasets__cell *c;
	size_t n;
	while ((rc = mlops_datasets__reader_next(&c, &n, r)) == 0) {
		if (!n || n != mlops_datasets__reader_ncols(r))
			abort();
		for (size_t i = 0; i < n; i++) {
			if (c[i].s[c[i].n] != '\0' || !mlops__utf8_valid(c[i].s, c[i].n))
				abort();
			if (c[i].kind == MLOPS_DATASETS__CELL_NULL && c[i].n)
				abort();
		}
	}
	if (rc != MLOPS_ITEROVER)
		check_error(rc);
	mlops_datasets__reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	static const size_t steps[] = { 1, 3, 64, 1u << 20 };
	chunk_src src = { data, size, 0, steps[(mode >> 4) & 3] };
	mlops_datasets__table_opts o;
	mlops_datasets__table_opts_default(&o, (mode & 1) ? MLOPS_DATASETS__FMT_JSONL : MLOPS_DATASETS__FMT_CSV);
	if (mode & 0x40)
		o.delimiter = ';';
	if (mode & 0x80)
		o.has_header = false;
	if (mode & 0x08)
		o.max_field_bytes = 16;

	switch ((mode >> 1) & 3) {
	case 0: {
		char *sch = NULL, *st = NULL;
		uint64_t rows = 0;
		int rc = mlops_datasets__profile_ex(&sch, &st, &rows, &o, read_chunks, &src);
		check_error(rc);
		if (!rc) {
			if (!sch || !st)
				abort();
			check_json(sch);
			check_json(st);
			check_stats(st);
		}
		free(sch);
		free(st);
		break;
	}
	case 1:
		check_reader(&o, &src);
		break;
	case 2: {
		/* the input as expectations, then as a schema */
		char *text = malloc(size + 1);
		if (!text)
			return 0;
		memcpy(text, data, size);
		text[size] = '\0';
		check_error(mlops_datasets__expectations_check(text, NULL));
		check_error(mlops_datasets__expectations_check(NULL, text));
		free(text);
		break;
	}
	default: {
		char *report = NULL;
		bool ok = false;
		int rc = mlops_datasets__validate(&report, &ok, &o, read_chunks, &src, expectations, schema);
		check_error(rc);
		if (!rc) {
			if (!report)
				abort();
			check_json(report);
		}
		free(report);
		break;
	}
	}
	mlops__error_reset();
	return 0;
}
