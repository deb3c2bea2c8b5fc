/*
 * Reading expectations and schemas for validation. JSON is read through SQLite's JSON functions (json_valid,
 * json_each, json_extract) on a private in-memory connection, as the project reads all general JSON: no JSON
 * parser of our own here. Unknown keys are ignored (Great Expectations' "meta" and the like); every known key
 * is checked for its type and range, and a mistake is MLOPS_EINVAL naming the expectation and the field.
 */
#include <math.h>
#include <stdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/expect.h"
#include "util/util.h"

typedef struct jctx {
	sqlite3 *db;
	sqlite3_stmt *get;   /* json_type and json_extract of one path */
} jctx;

static int sql_err(jctx *j, int rc, const char *what)
{
	if (rc == SQLITE_NOMEM)
		return mlops__error(MLOPS_ENOMEM, "%s: out of memory", what);
	return mlops__error(MLOPS_ERROR, "%s: %s", what, j->db ? sqlite3_errmsg(j->db) : sqlite3_errstr(rc));
}

static int jctx_open(jctx *j)
{
	memset(j, 0, sizeof(*j));
	int rc = sqlite3_open_v2(":memory:", &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK)
		return sql_err(j, rc, "opening an in-memory database to read expectations");
	rc = sqlite3_prepare_v2(j->db, "SELECT json_type(?1, ?2), json_extract(?1, ?2)", -1, &j->get, NULL);
	if (rc != SQLITE_OK)
		return sql_err(j, rc, "preparing the expectations reader");
	return 0;
}

static void jctx_close(jctx *j)
{
	sqlite3_finalize(j->get);
	sqlite3_close(j->db);
}

/* Field path of obj: *type gets the JSON type name (NULL when absent); the statement stays positioned on its
 * row until the next call, so the value is read with sqlite3_column_*(j->get, 1). */
static int jfield(jctx *j, const char **type, const char *obj, const char *path)
{
	sqlite3_reset(j->get);
	sqlite3_bind_text(j->get, 1, obj, -1, SQLITE_STATIC);
	sqlite3_bind_text(j->get, 2, path, -1, SQLITE_STATIC);
	int rc = sqlite3_step(j->get);
	if (rc != SQLITE_ROW)
		return sql_err(j, rc, "reading expectations");
	*type = (const char *)sqlite3_column_text(j->get, 0);
	return 0;
}

static bool is_number(const char *t)
{
	return t && (!strcmp(t, "integer") || !strcmp(t, "real"));
}

static int check_json(jctx *j, const char *text, const char *what)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(j->db, "SELECT json_valid(?1)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_err(j, rc, what);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	int valid = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (valid < 0)
		return sql_err(j, rc, what);
	if (!valid)
		return mlops__error(MLOPS_EPARSE, "%s: not valid JSON", what);
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int num_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int parse_values(jctx *j, ex *e, const char *obj, size_t idx)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(j->db, "SELECT type, value, CAST(value AS TEXT) FROM json_each(?1, '$.values')",
	                            -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_err(j, rc, "reading expectation values");
	sqlite3_bind_text(st, 1, obj, -1, SQLITE_STATIC);
	size_t cap = 0;
	int ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (!t || !strcmp(t, "null"))
			continue;
		if (!strcmp(t, "true") || !strcmp(t, "false")) {
			if (t[0] == 't')
				e->set_true = true;
			else
				e->set_false = true;
			continue;
		}
		if (!strcmp(t, "array") || !strcmp(t, "object")) {
			ret = mlops__error(MLOPS_EINVAL, "expectation %zu (in_set): 'values' may hold strings, numbers "
			                   "and booleans only", idx);
			break;
		}
		if (is_number(t)) {
			double *p = mlops__realloc(e->nums, (e->nnums + 1) * sizeof(*p));
			if (!p) {
				ret = MLOPS_ENOMEM;
				break;
			}
			e->nums = p;
			e->nums[e->nnums++] = sqlite3_column_double(st, 1);
		}
		const char *txt = (const char *)sqlite3_column_text(st, 2);
		if (e->nset == cap) {
			cap = cap ? cap * 2 : 8;
			char **p = mlops__realloc(e->set, cap * sizeof(*p));
			if (!p) {
				ret = MLOPS_ENOMEM;
				break;
			}
			e->set = p;
		}
		e->set[e->nset] = mlops__strdup(txt ? txt : "");
		if (!e->set[e->nset]) {
			ret = MLOPS_ENOMEM;
			break;
		}
		e->nset++;
	}
	if (!ret && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = sql_err(j, rc, "reading expectation values");
	sqlite3_finalize(st);
	if (ret)
		return ret;
	if (e->nset)
		qsort(e->set, e->nset, sizeof(char *), str_cmp);
	if (e->nnums)
		qsort(e->nums, e->nnums, sizeof(double), num_cmp);
	return 0;
}

static const struct {
	const char *name;
	ex_kind kind;
	bool column;
} kinds[] = {
	{ "not_null", EX_NOT_NULL, true }, { "between", EX_BETWEEN, true }, { "in_set", EX_IN_SET, true },
	{ "unique", EX_UNIQUE, true }, { "regex", EX_REGEX, true }, { "row_count", EX_ROW_COUNT, false },
	{ "max_null_share", EX_MAX_NULL_SHARE, true }, { "column", EX_COLUMN, true },
	{ "schema_columns", EX_SCHEMA_COLUMNS, false },
};

/* A bound of between: a number, or an ISO 8601 string (then the column is compared as timestamps). */
static int bound(jctx *j, ex *e, const char *obj, const char *key, bool *has, double *v, size_t idx)
{
	const char *t;
	char path[16];
	snprintf(path, sizeof(path), "$.%s", key);
	int rc = jfield(j, &t, obj, path);
	if (rc)
		return rc;
	if (!t || !strcmp(t, "null"))
		return 0;
	*has = true;
	if (is_number(t)) {
		*v = sqlite3_column_double(j->get, 1);
		if (isnan(*v))
			return mlops__error(MLOPS_EINVAL, "expectation %zu (between): '%s' is not a number", idx, key);
		if (e->time_bounds)
			return mlops__error(MLOPS_EINVAL, "expectation %zu (between): bounds mix numbers and timestamps",
			                    idx);
		return 0;
	}
	const char *s = (const char *)sqlite3_column_text(j->get, 1);
	if (!strcmp(t, "text") && s && mlops_datasets__parse_timestamp(v, s, strlen(s))) {
		if (!strcmp(key, "max") && e->has_min && !e->time_bounds)
			return mlops__error(MLOPS_EINVAL, "expectation %zu (between): bounds mix numbers and timestamps",
			                    idx);
		e->time_bounds = true;
		return 0;
	}
	return mlops__error(MLOPS_EINVAL, "expectation %zu (between): '%s' must be a number or an ISO 8601 "
	                    "timestamp", idx, key);
}

static int flag(jctx *j, bool *out, const char *obj, const char *path, size_t idx, const char *kind)
{
	const char *t;
	int rc = jfield(j, &t, obj, path);
	if (rc)
		return rc;
	if (!t || !strcmp(t, "null"))
		return 0;
	if (strcmp(t, "true") && strcmp(t, "false"))
		return mlops__error(MLOPS_EINVAL, "expectation %zu (%s): '%s' must be true or false", idx, kind,
		                    path + 2);
	*out = t[0] == 't';
	return 0;
}

/* One expectation object (compact JSON text obj) into e. */
static int parse_one(jctx *j, ex *e, const char *obj, size_t idx)
{
	const char *t;
	int rc;
	e->col = -1;
	e->mostly = 1.0;
	e->json = mlops__strdup(obj);
	if (!e->json)
		return MLOPS_ENOMEM;

	if ((rc = jfield(j, &t, obj, "$")))
		return rc;
	if (!t || strcmp(t, "object"))
		return mlops__error(MLOPS_EINVAL, "expectation %zu: not a JSON object", idx);
	if ((rc = jfield(j, &t, obj, "$.type")))
		return rc;
	const char *kname = (const char *)sqlite3_column_text(j->get, 1);
	if (!t || strcmp(t, "text"))
		return mlops__error(MLOPS_EINVAL, "expectation %zu: 'type' (a string) is required", idx);
	size_t k = 0;
	for (; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (!strcmp(kinds[k].name, kname))
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return mlops__error(MLOPS_EINVAL, "expectation %zu: unknown type '%.100s' (known: not_null, between, "
		                    "in_set, unique, regex, row_count, max_null_share, column)", idx, kname);
	e->kind = kinds[k].kind;
	const char *kn = kinds[k].name;

	if (kinds[k].column) {
		if ((rc = jfield(j, &t, obj, "$.column")))
			return rc;
		const char *c = (const char *)sqlite3_column_text(j->get, 1);
		if (!t || strcmp(t, "text") || !c || !*c)
			return mlops__error(MLOPS_EINVAL, "expectation %zu (%s): 'column' (a non-empty string) is required",
			                    idx, kn);
		e->column = mlops__strdup(c);
		if (!e->column)
			return MLOPS_ENOMEM;
	}
	if ((rc = jfield(j, &t, obj, "$.mostly")))
		return rc;
	if (t && strcmp(t, "null")) {
		double m = sqlite3_column_double(j->get, 1);
		if (!is_number(t) || !(m >= 0 && m <= 1))
			return mlops__error(MLOPS_EINVAL, "expectation %zu (%s): 'mostly' must be a number in [0, 1]", idx,
			                    kn);
		e->mostly = m;
	}

	switch (e->kind) {
	case EX_BETWEEN:
		if ((rc = bound(j, e, obj, "min", &e->has_min, &e->min, idx)) ||
		    (rc = bound(j, e, obj, "max", &e->has_max, &e->max, idx)))
			return rc;
		if (!e->has_min && !e->has_max)
			return mlops__error(MLOPS_EINVAL, "expectation %zu (between): 'min' or 'max' is required", idx);
		if (e->has_min && e->has_max && e->min > e->max)
			return mlops__error(MLOPS_EINVAL, "expectation %zu (between): 'min' is greater than 'max'", idx);
		if ((rc = flag(j, &e->strict_min, obj, "$.strict_min", idx, kn)) ||
		    (rc = flag(j, &e->strict_max, obj, "$.strict_max", idx, kn)))
			return rc;
		return 0;
	case EX_IN_SET:
		if ((rc = jfield(j, &t, obj, "$.values")))
			return rc;
		if (!t || strcmp(t, "array"))
			return mlops__error(MLOPS_EINVAL, "expectation %zu (in_set): 'values' (an array) is required", idx);
		return parse_values(j, e, obj, idx);
	case EX_REGEX: {
		if ((rc = jfield(j, &t, obj, "$.pattern")))
			return rc;
		const char *p = (const char *)sqlite3_column_text(j->get, 1);
		if (!t || strcmp(t, "text") || !p)
			return mlops__error(MLOPS_EINVAL, "expectation %zu (regex): 'pattern' (a string) is required", idx);
		int r = regcomp(&e->re, p, REG_EXTENDED | REG_NOSUB);
		if (r) {
			char msg[256];
			regerror(r, &e->re, msg, sizeof(msg));
			return mlops__error(MLOPS_EINVAL, "expectation %zu (regex): pattern '%.200s': %s", idx, p, msg);
		}
		e->re_ok = true;
		return 0;
	}
	case EX_ROW_COUNT:
		for (int b = 0; b < 2; b++) {
			if ((rc = jfield(j, &t, obj, b ? "$.max" : "$.min")))
				return rc;
			if (!t || !strcmp(t, "null"))
				continue;
			sqlite3_int64 v = sqlite3_column_int64(j->get, 1);
			if (strcmp(t, "integer") || v < 0)
				return mlops__error(MLOPS_EINVAL, "expectation %zu (row_count): '%s' must be an integer >= 0",
				                    idx, b ? "max" : "min");
			if (b) {
				e->has_rmax = true;
				e->rmax = (uint64_t)v;
			} else {
				e->has_rmin = true;
				e->rmin = (uint64_t)v;
			}
		}
		if (!e->has_rmin && !e->has_rmax)
			return mlops__error(MLOPS_EINVAL, "expectation %zu (row_count): 'min' or 'max' is required", idx);
		return 0;
	case EX_MAX_NULL_SHARE:
		if ((rc = jfield(j, &t, obj, "$.value")))
			return rc;
		e->share = sqlite3_column_double(j->get, 1);
		if (!is_number(t) || !(e->share >= 0 && e->share <= 1))
			return mlops__error(MLOPS_EINVAL, "expectation %zu (max_null_share): 'value' must be a number in "
			                    "[0, 1]", idx);
		return 0;
	case EX_COLUMN: {
		if ((rc = jfield(j, &t, obj, "$.dtype")))
			return rc;
		if (!t || !strcmp(t, "null"))
			return 0;
		const char *d = (const char *)sqlite3_column_text(j->get, 1);
		if (strcmp(t, "text") || !mlops_datasets__type_parse(&e->dtype, d))
			return mlops__error(MLOPS_EINVAL, "expectation %zu (column): 'dtype' must be one of int, float, "
			                    "bool, string, timestamp", idx);
		e->has_dtype = true;
		return 0;
	}
	default:
		return 0;
	}
}

static int add_ex(ex **arr, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		ex *p = mlops__realloc(*arr, c * sizeof(*p));
		if (!p)
			return MLOPS_ENOMEM;
		*arr = p;
		*cap = c;
	}
	memset(&(*arr)[*n], 0, sizeof(ex));
	(*n)++;
	return 0;
}

/* Expectations generated from a schema: each column present with its type, not_null when not nullable, and no
 * column beyond the schema's. */
static int schema_exs(jctx *j, ex **arr, size_t *n, size_t *cap, const char *schema)
{
	int rc = check_json(j, schema, "schema");
	if (rc)
		return rc;
	const char *t;
	if ((rc = jfield(j, &t, schema, "$.columns")))
		return rc;
	if (!t || strcmp(t, "array"))
		return mlops__error(MLOPS_EINVAL, "schema: 'columns' (an array) is required");
	sqlite3_stmt *st = NULL;
	rc = sqlite3_prepare_v2(j->db, "SELECT json_extract(value, '$.name'), json_type(value, '$.name'), "
	                        "json_extract(value, '$.type'), json_type(value, '$.nullable') "
	                        "FROM json_each(?1, '$.columns')", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_err(j, rc, "reading the schema");
	sqlite3_bind_text(st, 1, schema, -1, SQLITE_STATIC);
	size_t i = 0;
	int ret = 0;
	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *nt = (const char *)sqlite3_column_text(st, 1);
		const char *type = (const char *)sqlite3_column_text(st, 2);
		const char *nullable = (const char *)sqlite3_column_text(st, 3);
		mlops_datasets__type ty = MLOPS_DATASETS__TYPE_STRING;
		if (!name || !nt || strcmp(nt, "text") || !*name) {
			ret = mlops__error(MLOPS_EINVAL, "schema: column %zu has no 'name'", i);
			break;
		}
		if (type && !mlops_datasets__type_parse(&ty, type)) {
			ret = mlops__error(MLOPS_EINVAL, "schema: column '%s' has an unknown type '%.50s'", name, type);
			break;
		}
		if (nullable && strcmp(nullable, "true") && strcmp(nullable, "false") && strcmp(nullable, "null")) {
			ret = mlops__error(MLOPS_EINVAL, "schema: column '%s': 'nullable' must be true or false", name);
			break;
		}
		for (int pass = 0; pass < 2 && !ret; pass++) {
			if (pass == 1 && !(nullable && !strcmp(nullable, "false")))
				break;
			if ((ret = add_ex(arr, n, cap)))
				break;
			ex *e = &(*arr)[*n - 1];
			e->col = -1;
			e->mostly = 1.0;
			e->kind = pass ? EX_NOT_NULL : EX_COLUMN;
			e->from_schema = true;
			e->column = mlops__strdup(name);
			mlops_buf b = MLOPS_BUF_INIT;
			mlops_json w;
			mlops__json_init(&w, &b);
			mlops__json_object_begin(&w);
			mlops__json_key(&w, "type");
			mlops__json_string(&w, pass ? "not_null" : "column");
			mlops__json_key(&w, "column");
			mlops__json_string(&w, name);
			if (!pass && type) {
				mlops__json_key(&w, "dtype");
				mlops__json_string(&w, mlops_datasets__type_name(ty));
				e->has_dtype = true;
				e->dtype = ty;
			}
			mlops__json_key(&w, "source");
			mlops__json_string(&w, "schema");
			mlops__json_object_end(&w);
			ret = mlops__json_finish(&w);
			e->json = ret ? NULL : mlops__buf_detach(&b);
			mlops__buf_free(&b);
			if (!ret && (!e->json || !e->column))
				ret = MLOPS_ENOMEM;
		}
		i++;
	}
	if (!ret && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = sql_err(j, rc, "reading the schema");
	sqlite3_finalize(st);
	if (ret)
		return ret;
	if ((ret = add_ex(arr, n, cap)))
		return ret;
	ex *e = &(*arr)[*n - 1];
	e->col = -1;
	e->mostly = 1.0;
	e->kind = EX_SCHEMA_COLUMNS;
	e->json = mlops__strdup("{\"type\":\"schema_columns\",\"source\":\"schema\"}");
	return e->json ? 0 : MLOPS_ENOMEM;
}

int mlops_datasets__ex_parse(ex **out, size_t *out_n, const char *expectations_json, const char *schema_json)
{
	*out = NULL;
	*out_n = 0;
	jctx j;
	ex *arr = NULL;
	size_t n = 0, cap = 0;
	int rc = jctx_open(&j);
	if (rc)
		goto fail;
	if (expectations_json) {
		if ((rc = check_json(&j, expectations_json, "expectations")))
			goto fail;
		const char *t;
		if ((rc = jfield(&j, &t, expectations_json, "$")))
			goto fail;
		/* {"expectations":[...]} or a bare array */
		const char *path = "$";
		if (t && !strcmp(t, "object")) {
			if ((rc = jfield(&j, &t, expectations_json, "$.expectations")))
				goto fail;
			path = "$.expectations";
		}
		if (!t || strcmp(t, "array")) {
			rc = mlops__error(MLOPS_EINVAL, "expectations: expected {\"expectations\":[...]} or an array");
			goto fail;
		}
		sqlite3_stmt *st = NULL;
		rc = sqlite3_prepare_v2(j.db, "SELECT json(value) FROM json_each(?1, ?2)", -1, &st, NULL);
		if (rc != SQLITE_OK) {
			rc = sql_err(&j, rc, "reading expectations");
			goto fail;
		}
		sqlite3_bind_text(st, 1, expectations_json, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
		int s = SQLITE_DONE;
		rc = 0;
		while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
			const char *obj = (const char *)sqlite3_column_text(st, 0);
			if (!(rc = add_ex(&arr, &n, &cap)))
				rc = parse_one(&j, &arr[n - 1], obj ? obj : "null", n - 1);
		}
		if (!rc && s != SQLITE_DONE)
			rc = sql_err(&j, s, "reading expectations");
		sqlite3_finalize(st);
		if (rc)
			goto fail;
	}
	if (schema_json && (rc = schema_exs(&j, &arr, &n, &cap, schema_json)))
		goto fail;
	jctx_close(&j);
	*out = arr;
	*out_n = n;
	return 0;
fail:
	jctx_close(&j);
	mlops_datasets__ex_free(arr, n);
	return rc;
}

void mlops_datasets__ex_free(ex *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].json);
		free(e[i].column);
		for (size_t k = 0; k < e[i].nset; k++)
			free(e[i].set[k]);
		free(e[i].set);
		free(e[i].nums);
		if (e[i].re_ok)
			regfree(&e[i].re);
		free(e[i].utab);
		for (size_t k = 0; k < e[i].nextra; k++)
			free(e[i].extra[k]);
		free(e[i].extra);
	}
	free(e);
}
