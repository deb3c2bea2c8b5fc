/*
 * Validation of a tabular stream against expectations (and a schema) in one pass, and the report.
 * Semantics follow Great Expectations where it has an answer:
 *  - column expectations ignore nulls except not_null; `mostly` is the fraction of the non-null values (of all
 *    rows for not_null) that must pass, and unexpected_percent is relative to the same count;
 *  - unique counts every row whose value occurs more than once, the first occurrence included (pandas'
 *    duplicated(keep=False)); values are compared by their text ("1" and "1.0" differ) through a 128-bit hash
 *    set whose memory grows with the number of distinct values (24 bytes each, at most half full);
 *  - a column absent from the data fails its expectations with an "error" message; in JSON Lines a key that
 *    appears only in later lines was null in the earlier ones;
 *  - examples are the first EX_EXAMPLES offending data rows (1-based, header excluded), in row order.
 * Table-level results (row_count, max_null_share, column types) carry an "observed_value".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/expect.h"
#include "util/util.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#define COUNTED (UINT64_C(1) << 63)

static void add_example(ex *e, uint64_t row)
{
	if (e->nex == EX_EXAMPLES && row >= e->examples[EX_EXAMPLES - 1])
		return;
	size_t i = e->nex < EX_EXAMPLES ? e->nex++ : EX_EXAMPLES - 1;
	while (i > 0 && e->examples[i - 1] > row) {
		e->examples[i] = e->examples[i - 1];
		i--;
	}
	e->examples[i] = row;
}

static void unexpected(ex *e, uint64_t row)
{
	e->unexpected++;
	add_example(e, row);
}

static int unique_grow(ex *e)
{
	size_t cap = e->ucap ? e->ucap * 2 : 1024;
	ex_uentry *t = mlops__calloc(cap, sizeof(*t));
	if (!t)
		return MLOPS_ENOMEM;
	for (size_t i = 0; i < e->ucap; i++) {
		ex_uentry *u = &e->utab[i];
		if (!u->row)
			continue;
		size_t k = u->h1 & (cap - 1);
		while (t[k].row)
			k = (k + 1) & (cap - 1);
		t[k] = *u;
	}
	free(e->utab);
	e->utab = t;
	e->ucap = cap;
	return 0;
}

static int check_unique(ex *e, const mlops_datasets__cell *c, uint64_t row)
{
	if ((e->ucount + 1) * 2 > e->ucap) {
		int rc = unique_grow(e);
		if (rc)
			return rc;
	}
	XXH128_hash_t h = XXH3_128bits(c->s, c->n);
	size_t mask = e->ucap - 1;
	for (size_t k = h.low64 & mask;; k = (k + 1) & mask) {
		ex_uentry *u = &e->utab[k];
		if (!u->row) {
			u->h1 = h.low64;
			u->h2 = h.high64;
			u->row = row;
			e->ucount++;
			return 0;
		}
		if (u->h1 == h.low64 && u->h2 == h.high64) {
			if (!(u->row & COUNTED)) {
				unexpected(e, u->row);
				u->row |= COUNTED;
			}
			unexpected(e, row);
			return 0;
		}
	}
}

static bool in_set(const ex *e, const mlops_datasets__cell *c)
{
	size_t lo = 0, hi = e->nset;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(e->set[mid], c->s);
		if (!r)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!e->nnums && !e->set_true && !e->set_false)
		return false;
	double d = 0;
	int64_t iv;
	mlops_datasets__type t = mlops_datasets__classify(c, &d, &iv);
	if (t == MLOPS_DATASETS__TYPE_BOOL)
		return d != 0 ? e->set_true : e->set_false;
	if (t != MLOPS_DATASETS__TYPE_INT && t != MLOPS_DATASETS__TYPE_FLOAT)
		return false;
	lo = 0;
	hi = e->nnums;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->nums[mid] == d)
			return true;
		if (e->nums[mid] < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool between(const ex *e, const mlops_datasets__cell *c)
{
	double d = 0;
	int64_t iv;
	mlops_datasets__type t = mlops_datasets__classify(c, &d, &iv);
	if (e->time_bounds ? t != MLOPS_DATASETS__TYPE_TIMESTAMP
	                   : (t != MLOPS_DATASETS__TYPE_INT && t != MLOPS_DATASETS__TYPE_FLOAT))
		return false;
	if (isnan(d))
		return false;
	if (e->has_min && (e->strict_min ? !(d > e->min) : !(d >= e->min)))
		return false;
	if (e->has_max && (e->strict_max ? !(d < e->max) : !(d <= e->max)))
		return false;
	return true;
}

static int eval_row(ex *e, const mlops_datasets__cell *cells, size_t ncols, uint64_t row)
{
	if (e->kind == EX_ROW_COUNT || e->kind == EX_SCHEMA_COLUMNS)
		return 0;
	const mlops_datasets__cell *c = e->col >= 0 && (size_t)e->col < ncols ? &cells[e->col] : NULL;
	bool null = !c || c->kind == MLOPS_DATASETS__CELL_NULL;
	if (null) {
		e->nulls++;
		if (e->kind == EX_NOT_NULL || e->kind == EX_MAX_NULL_SHARE)
			unexpected(e, row);
		return 0;
	}
	e->nonnull++;
	switch (e->kind) {
	case EX_BETWEEN:
		if (!between(e, c))
			unexpected(e, row);
		return 0;
	case EX_IN_SET:
		if (!in_set(e, c))
			unexpected(e, row);
		return 0;
	case EX_UNIQUE:
		return check_unique(e, c, row);
	case EX_REGEX:
		if (regexec(&e->re, c->s, 0, NULL, 0) != 0)
			unexpected(e, row);
		return 0;
	case EX_COLUMN: {
		double d;
		int64_t iv;
		e->observed = mlops_datasets__widen(e->observed, mlops_datasets__classify(c, &d, &iv));
		if (e->has_dtype && !mlops_datasets__conforms(c, e->dtype))
			unexpected(e, row);
		return 0;
	}
	default:
		return 0;
	}
}

/* Whether the observed share of passing values meets mostly (denominator 0 passes, as in GE). */
static bool mostly_ok(const ex *e, uint64_t denom)
{
	if (!denom)
		return true;
	return (double)(denom - e->unexpected) / (double)denom >= e->mostly;
}

static uint64_t denominator(const ex *e, uint64_t rows)
{
	return e->kind == EX_NOT_NULL || e->kind == EX_MAX_NULL_SHARE ? rows : e->nonnull;
}

static bool result_ok(const ex *e, uint64_t rows)
{
	bool present = !e->column || e->col >= 0;
	switch (e->kind) {
	case EX_ROW_COUNT:
		return (!e->has_rmin || rows >= e->rmin) && (!e->has_rmax || rows <= e->rmax);
	case EX_MAX_NULL_SHARE:
		return present && (rows ? (double)e->nulls / (double)rows : 0) <= e->share;
	case EX_SCHEMA_COLUMNS:
		return e->nextra == 0;
	default:
		return present && mostly_ok(e, denominator(e, rows));
	}
}

static void write_result(mlops_json *j, const ex *e, uint64_t rows)
{
	bool present = !e->column || e->col >= 0;
	uint64_t denom = denominator(e, rows);
	bool ok = result_ok(e, rows);
	mlops__json_object_begin(j);
	mlops__json_key(j, "expectation");
	mlops__json_raw(j, e->json);
	mlops__json_key(j, "success");
	mlops__json_bool(j, ok);
	mlops__json_key(j, "unexpected_count");
	mlops__json_uint(j, e->unexpected);
	mlops__json_key(j, "unexpected_percent");
	mlops__json_double(j, denom ? 100.0 * (double)e->unexpected / (double)denom : 0.0);
	if (e->column) {
		mlops__json_key(j, "element_count");
		mlops__json_uint(j, rows);
		mlops__json_key(j, "missing_count");
		mlops__json_uint(j, e->nulls);
	}
	switch (e->kind) {
	case EX_ROW_COUNT:
		mlops__json_key(j, "observed_value");
		mlops__json_uint(j, rows);
		break;
	case EX_MAX_NULL_SHARE:
		mlops__json_key(j, "observed_value");
		mlops__json_double(j, rows ? (double)e->nulls / (double)rows : 0.0);
		break;
	case EX_COLUMN:
		mlops__json_key(j, "observed_value");
		if (present)
			mlops__json_string(j, mlops_datasets__type_name(e->observed));
		else
			mlops__json_null(j);
		break;
	case EX_SCHEMA_COLUMNS:
		mlops__json_key(j, "unexpected_columns");
		mlops__json_array_begin(j);
		for (size_t i = 0; i < e->nextra; i++)
			mlops__json_string(j, e->extra[i]);
		mlops__json_array_end(j);
		break;
	default:
		break;
	}
	if (!present) {
		mlops__json_key(j, "error");
		char msg[300];
		snprintf(msg, sizeof(msg), "column '%.200s' not found", e->column);
		mlops__json_string(j, msg);
	}
	mlops__json_key(j, "examples");
	mlops__json_array_begin(j);
	for (size_t i = 0; i < e->nex; i++)
		mlops__json_uint(j, e->examples[i]);
	mlops__json_array_end(j);
	mlops__json_object_end(j);
}

/* Columns of the data that no schema-generated expectation names. */
static int schema_extra(ex *exs, size_t n, ex *sc, const mlops_datasets__reader *r)
{
	size_t ncols = mlops_datasets__reader_ncols(r);
	for (size_t c = 0; c < ncols; c++) {
		bool known = false;
		for (size_t i = 0; i < n && !known; i++)
			known = exs[i].from_schema && exs[i].col == (long)c;
		if (known)
			continue;
		char **p = mlops__realloc(sc->extra, (sc->nextra + 1) * sizeof(*p));
		if (!p)
			return MLOPS_ENOMEM;
		sc->extra = p;
		sc->extra[sc->nextra] = mlops__strdup(mlops_datasets__reader_name(r, c));
		if (!sc->extra[sc->nextra])
			return MLOPS_ENOMEM;
		sc->nextra++;
	}
	return 0;
}

static void resolve_columns(ex *exs, size_t n, const mlops_datasets__reader *r)
{
	for (size_t i = 0; i < n; i++)
		if (exs[i].column && exs[i].col < 0)
			exs[i].col = mlops_datasets__reader_find(r, exs[i].column);
}

int mlops_datasets__validate(char **out_report, bool *out_success, const mlops_datasets__table_opts *opts,
                             mlops_datasets__read_fn read, void *payload, const char *expectations_json,
                             const char *schema_json)
{
	*out_report = NULL;
	if (out_success)
		*out_success = false;
	ex *exs = NULL;
	size_t n = 0;
	int rc = mlops_datasets__ex_parse(&exs, &n, expectations_json, schema_json);
	if (rc)
		return rc;
	mlops_datasets__reader *r = NULL;
	rc = mlops_datasets__reader_open(&r, opts, read, payload);
	if (rc)
		goto out;
	uint64_t rows = 0;
	size_t known_cols = (size_t)-1;
	for (;;) {
		const mlops_datasets__cell *cells;
		size_t ncols;
		rc = mlops_datasets__reader_next(&cells, &ncols, r);
		if (rc == MLOPS_ITEROVER) {
			rc = 0;
			break;
		}
		if (rc)
			goto out;
		if (ncols != known_cols) {
			resolve_columns(exs, n, r);
			known_cols = ncols;
		}
		rows++;
		for (size_t i = 0; i < n; i++)
			if ((rc = eval_row(&exs[i], cells, ncols, rows)))
				goto out;
	}
	resolve_columns(exs, n, r);
	for (size_t i = 0; i < n; i++)
		if (exs[i].kind == EX_SCHEMA_COLUMNS && (rc = schema_extra(exs, n, &exs[i], r)))
			goto out;

	mlops_buf b = MLOPS_BUF_INIT;
	mlops_json j;
	mlops__json_init(&j, &b);
	mlops__json_object_begin(&j);
	bool all = true;
	for (size_t i = 0; i < n; i++)
		all &= result_ok(&exs[i], rows);
	mlops__json_key(&j, "success");
	mlops__json_bool(&j, all);
	mlops__json_key(&j, "rows");
	mlops__json_uint(&j, rows);
	mlops__json_key(&j, "results");
	mlops__json_array_begin(&j);
	for (size_t i = 0; i < n; i++)
		write_result(&j, &exs[i], rows);
	mlops__json_array_end(&j);
	mlops__json_object_end(&j);
	rc = mlops__json_finish(&j);
	if (rc) {
		mlops__buf_free(&b);
		goto out;
	}
	*out_report = mlops__buf_detach(&b);
	if (out_success)
		*out_success = all;
out:
	mlops_datasets__reader_free(r);
	mlops_datasets__ex_free(exs, n);
	return rc;
}

int mlops_datasets__expectations_check(const char *expectations_json, const char *schema_json)
{
	ex *exs = NULL;
	size_t n = 0;
	int rc = mlops_datasets__ex_parse(&exs, &n, expectations_json, schema_json);
	mlops_datasets__ex_free(exs, n);
	return rc;
}
