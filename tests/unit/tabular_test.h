/* Helpers shared by the tabular unit tests (test_datasets_tabular.c, test_datasets_validate.c): options, profiling
 * of a text, and reading the JSON documents back through SQLite's json_extract (not by string matching). */
#ifndef MLOPS_TEST_TABULAR_H
#define MLOPS_TEST_TABULAR_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "datasets/tabular.h"
#include "util/util.h"

static inline mlops_datasets__table_opts opts_of(mlops_datasets__fmt fmt)
{
	mlops_datasets__table_opts o;
	mlops_datasets__table_opts_default(&o, fmt);
	return o;
}

/* Read every row of text into "a|b|<null>\n" form (nulls shown as <null>). */
static inline void profile_text(char **schema, char **stats, uint64_t *rows, const char *text, mlops_datasets__fmt fmt)
{
	mlops_datasets__mem_src m = { text, strlen(text), 0 };
	int rc = mlops_datasets__profile(schema, stats, rows, fmt, mlops_datasets__read_mem, &m);
	if (rc)
		fail_msg("profile: %s", mlops_error_last()->message);
}

/* json_extract through SQLite: the JSON documents are checked by reading them back, not by string matching. */
static sqlite3 *jdb;

static inline sqlite3_stmt *jq(const char *json, const char *path)
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

static inline double jnum(const char *json, const char *path)
{
	sqlite3_stmt *st = jq(json, path);
	if (sqlite3_column_type(st, 0) != SQLITE_INTEGER && sqlite3_column_type(st, 0) != SQLITE_FLOAT)
		fail_msg("%s: not a number in %s", path, json);
	double v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return v;
}

static inline char *jstr(const char *json, const char *path)
{
	sqlite3_stmt *st = jq(json, path);
	const unsigned char *t = sqlite3_column_text(st, 0);
	char *r = strdup(t ? (const char *)t : "<absent>");
	sqlite3_finalize(st);
	return r;
}

static inline void assert_jstr(const char *json, const char *path, const char *want)
{
	char *got = jstr(json, path);
	if (strcmp(got, want))
		fail_msg("%s: got '%s', want '%s' in %s", path, got, want, json);
	free(got);
}

static inline const char *jtype(const char *json, const char *path, char *buf)
{
	sqlite3_stmt *st = jq(json, path);
	const unsigned char *t = sqlite3_column_text(st, 1);
	strcpy(buf, t ? (const char *)t : "absent");
	sqlite3_finalize(st);
	return buf;
}

static inline void jdb_close(void)
{
	if (jdb)
		sqlite3_close(jdb);
	jdb = NULL;
}

#endif
