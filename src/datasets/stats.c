/*
 * One-pass profiling of a tabular stream: type inference over every value (types only widen) and per-column
 * statistics in bounded memory (moments by Welford's method, HyperLogLog distinct count, space-saving top values,
 * exact-then-KLL quantiles), written as the schema and stats JSON documents of the tabular contract.
 * Memory per column is fixed (about 20 KiB of sketches, at most 128 KiB of exact quantile buffer, plus the
 * current lexicographic min and max strings, each bounded by max_field_bytes), whatever the number of rows.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/tabular.h"
#include "util/util.h"

/* XXH3 inlined: hashing every value is on the hot path (same function as mlops__hash64). */
#define XXH_INLINE_ALL
#include <xxhash.h>

#define TOP_REPORTED 10

static const double quantile_ranks[] = { 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 };
static const char *const quantile_keys[] = { "0.01", "0.05", "0.25", "0.5", "0.75", "0.95", "0.99" };

typedef struct col_acc {
	mlops_datasets__type type;
	uint64_t count, nulls;
	/* numeric family (bool, int, float): NaN values are counted, not aggregated */
	uint64_t ncount, nan;
	double shift, s1, s2, dmin, dmax; /* sums of (x - shift) and its square: no division per value */
	int64_t imin, imax;
	mlops_datasets__quant *q;
	/* timestamps: extremes by instant, reported with their original text */
	double tmin, tmax;
	mlops_buf tmin_s, tmax_s;
	/* every value, bytewise: the extremes reported for string columns */
	mlops_buf smin, smax;
	bool shave;
	mlops_datasets__hll hll;
	mlops_datasets__topk *top;
} col_acc;

static void col_free(col_acc *a)
{
	mlops_datasets__quant_free(a->q);
	mlops_datasets__topk_free(a->top);
	mlops_datasets__hll_free(&a->hll);
	mlops__buf_free(&a->tmin_s);
	mlops__buf_free(&a->tmax_s);
	mlops__buf_free(&a->smin);
	mlops__buf_free(&a->smax);
}

static int col_init(col_acc *a, uint64_t nulls)
{
	memset(a, 0, sizeof(*a));
	a->nulls = nulls;
	mlops_datasets__hll_init(&a->hll);
	int rc = mlops_datasets__topk_new(&a->top, MLOPS_DATASETS__TOP_K);
	if (!rc)
		rc = mlops_datasets__quant_new(&a->q);
	return rc;
}

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

static int set_buf(mlops_buf *b, const char *s, size_t n)
{
	mlops__buf_clear(b);
	return mlops__buf_put(b, s, n);
}

static int col_add(col_acc *a, const mlops_datasets__cell *c)
{
	if (c->kind == MLOPS_DATASETS__CELL_NULL) {
		a->nulls++;
		return 0;
	}
	int rc;
	a->count++;
	uint64_t h = XXH3_64bits(c->s, c->n);
	/* A value the frequent-items sketch still counts was seen before (same 64-bit hash): it is in the distinct
	 * sketch already, cannot be a new min or max, and was classified into the column type; only the numeric
	 * moments and quantiles need each occurrence. Low-cardinality columns mostly take this short path. */
	int seen = mlops_datasets__topk_add(a->top, h, c->s, c->n);
	if (seen < 0)
		return seen;
	if (!seen) {
		if ((rc = mlops_datasets__hll_add(&a->hll, h)))
			return rc;
		if (!a->shave) {
			if ((rc = set_buf(&a->smin, c->s, c->n)) || (rc = set_buf(&a->smax, c->s, c->n)))
				return rc;
			a->shave = true;
		} else if ((unsigned char)c->s[0] <= (unsigned char)a->smin.data[0] &&
		           bytes_cmp(c->s, c->n, a->smin.data, a->smin.len) < 0) {
			if ((rc = set_buf(&a->smin, c->s, c->n)))
				return rc;
		} else if ((unsigned char)c->s[0] >= (unsigned char)a->smax.data[0] &&
		           bytes_cmp(c->s, c->n, a->smax.data, a->smax.len) > 0) {
			if ((rc = set_buf(&a->smax, c->s, c->n)))
				return rc;
		}
	}
	if (a->type == MLOPS_DATASETS__TYPE_STRING || (seen && a->type == MLOPS_DATASETS__TYPE_TIMESTAMP))
		return 0;

	double d = 0;
	int64_t iv = 0;
	mlops_datasets__type t;
	/* A float column's next text value is tried as a float first, a timestamp column's as a timestamp: the
	 * answer is the same as the full classification (an int widens to float anyway), without the failed
	 * attempts that the general order makes. */
	if (a->type == MLOPS_DATASETS__TYPE_FLOAT && c->kind == MLOPS_DATASETS__CELL_TEXT &&
	    mlops_datasets__parse_float(&d, c->s, c->n))
		t = MLOPS_DATASETS__TYPE_FLOAT;
	else if (a->type == MLOPS_DATASETS__TYPE_TIMESTAMP && c->kind != MLOPS_DATASETS__CELL_NUMBER &&
	         c->kind != MLOPS_DATASETS__CELL_RAW && c->n >= 10 && mlops_datasets__parse_timestamp(&d, c->s, c->n))
		t = MLOPS_DATASETS__TYPE_TIMESTAMP;
	else
		t = mlops_datasets__classify(c, &d, &iv);
	mlops_datasets__type nt = mlops_datasets__widen(a->type, t);
	a->type = nt;
	switch (nt) {
	case MLOPS_DATASETS__TYPE_INT:
	case MLOPS_DATASETS__TYPE_FLOAT:
	case MLOPS_DATASETS__TYPE_BOOL:
		if (t == MLOPS_DATASETS__TYPE_INT || t == MLOPS_DATASETS__TYPE_BOOL) {
			if (a->ncount == 0 || iv < a->imin)
				a->imin = iv;
			if (a->ncount == 0 || iv > a->imax)
				a->imax = iv;
		}
		if (isnan(d)) {
			a->nan++;
			return 0;
		}
		if (a->ncount == 0) {
			a->dmin = a->dmax = a->shift = d;
		} else if (d < a->dmin) {
			a->dmin = d;
		} else if (d > a->dmax) {
			a->dmax = d;
		}
		a->ncount++;
		{
			double x = d - a->shift;
			a->s1 += x;
			a->s2 += x * x;
		}
		if (nt == MLOPS_DATASETS__TYPE_BOOL)
			return 0;
		return mlops_datasets__quant_add(a->q, d);
	case MLOPS_DATASETS__TYPE_TIMESTAMP:
		if (a->ncount == 0 || d < a->tmin) {
			a->tmin = d;
			if ((rc = set_buf(&a->tmin_s, c->s, c->n)))
				return rc;
		}
		if (a->ncount == 0 || d > a->tmax) {
			a->tmax = d;
			if ((rc = set_buf(&a->tmax_s, c->s, c->n)))
				return rc;
		}
		a->ncount++;
		return 0;
	default:
		/* Became a string column: the numeric sketches are no longer needed. */
		mlops_datasets__quant_free(a->q);
		a->q = NULL;
		return 0;
	}
}

static void write_col_stats(mlops_json *j, col_acc *a)
{
	mlops__json_object_begin(j);
	mlops__json_key(j, "type");
	mlops__json_string(j, mlops_datasets__type_name(a->type));
	mlops__json_key(j, "count");
	mlops__json_uint(j, a->count);
	mlops__json_key(j, "nulls");
	mlops__json_uint(j, a->nulls);
	bool numeric = a->type == MLOPS_DATASETS__TYPE_INT || a->type == MLOPS_DATASETS__TYPE_FLOAT ||
	               a->type == MLOPS_DATASETS__TYPE_BOOL;
	if (a->type == MLOPS_DATASETS__TYPE_BOOL && a->ncount) {
		mlops__json_key(j, "min");
		mlops__json_bool(j, a->imin != 0);
		mlops__json_key(j, "max");
		mlops__json_bool(j, a->imax != 0);
	} else if (a->type == MLOPS_DATASETS__TYPE_INT && a->ncount) {
		mlops__json_key(j, "min");
		mlops__json_int(j, a->imin);
		mlops__json_key(j, "max");
		mlops__json_int(j, a->imax);
	} else if (a->type == MLOPS_DATASETS__TYPE_FLOAT && a->ncount) {
		mlops__json_key(j, "min");
		mlops__json_double(j, a->dmin);
		mlops__json_key(j, "max");
		mlops__json_double(j, a->dmax);
	} else if (a->type == MLOPS_DATASETS__TYPE_TIMESTAMP && a->ncount) {
		mlops__json_key(j, "min");
		mlops__json_string_n(j, a->tmin_s.data, a->tmin_s.len);
		mlops__json_key(j, "max");
		mlops__json_string_n(j, a->tmax_s.data, a->tmax_s.len);
	} else if (a->type == MLOPS_DATASETS__TYPE_STRING && a->shave) {
		mlops__json_key(j, "min");
		mlops__json_string_n(j, a->smin.data, a->smin.len);
		mlops__json_key(j, "max");
		mlops__json_string_n(j, a->smax.data, a->smax.len);
	}
	if (numeric) {
		if (a->type == MLOPS_DATASETS__TYPE_FLOAT) {
			mlops__json_key(j, "nan");
			mlops__json_uint(j, a->nan);
		}
		double n = (double)a->ncount;
		mlops__json_key(j, "mean");
		if (a->ncount)
			mlops__json_double(j, a->shift + a->s1 / n);
		else
			mlops__json_null(j);
		mlops__json_key(j, "std");
		if (a->ncount >= 2) {
			double var = (a->s2 - a->s1 * a->s1 / n) / (n - 1);
			mlops__json_double(j, sqrt(var > 0 ? var : 0));
		} else {
			mlops__json_null(j);
		}
	}
	mlops__json_key(j, "distinct");
	/* An estimate above the number of values is clamped to it. */
	uint64_t distinct = (uint64_t)llround(mlops_datasets__hll_estimate(&a->hll));
	mlops__json_uint(j, distinct < a->count ? distinct : a->count);
	mlops__json_key(j, "top");
	mlops__json_array_begin(j);
	mlops_datasets__topk_item *items = NULL;
	size_t nitems = 0;
	mlops_datasets__topk_items(&items, &nitems, a->top);
	for (size_t i = 0; i < nitems && i < TOP_REPORTED; i++) {
		mlops__json_object_begin(j);
		mlops__json_key(j, "value");
		mlops__json_string_n(j, items[i].value, items[i].n);
		if (items[i].truncated) {
			mlops__json_key(j, "truncated");
			mlops__json_bool(j, true);
		}
		mlops__json_key(j, "count");
		mlops__json_uint(j, items[i].count);
		if (items[i].err) {
			mlops__json_key(j, "count_error");
			mlops__json_uint(j, items[i].err);
		}
		mlops__json_object_end(j);
	}
	mlops__json_array_end(j);
	if (numeric && a->type != MLOPS_DATASETS__TYPE_BOOL && a->q && mlops_datasets__quant_count(a->q)) {
		enum { NQ = sizeof(quantile_ranks) / sizeof(quantile_ranks[0]) };
		double qv[NQ];
		int rc = mlops_datasets__quant_get_many(qv, quantile_ranks, NQ, a->q);
		if (rc) {
			j->err = rc;
			return;
		}
		mlops__json_key(j, "quantiles");
		mlops__json_object_begin(j);
		for (size_t i = 0; i < NQ; i++) {
			mlops__json_key(j, quantile_keys[i]);
			mlops__json_double(j, qv[i]);
		}
		mlops__json_object_end(j);
		mlops__json_key(j, "quantiles_exact");
		mlops__json_bool(j, mlops_datasets__quant_exact(a->q));
	}
	mlops__json_object_end(j);
}

static int write_docs(char **out_schema, char **out_stats, const mlops_datasets__reader *r, col_acc *acc,
                      size_t ncols, uint64_t rows)
{
	int rc = 0;
	if (out_schema) {
		mlops_buf b = MLOPS_BUF_INIT;
		mlops_json j;
		mlops__json_init(&j, &b);
		mlops__json_object_begin(&j);
		mlops__json_key(&j, "format");
		mlops__json_string(&j, mlops_datasets__reader_fmt(r) == MLOPS_DATASETS__FMT_CSV ? "csv" : "jsonl");
		mlops__json_key(&j, "columns");
		mlops__json_array_begin(&j);
		for (size_t i = 0; i < ncols; i++) {
			mlops__json_object_begin(&j);
			mlops__json_key(&j, "name");
			mlops__json_string(&j, mlops_datasets__reader_name(r, i));
			mlops__json_key(&j, "type");
			mlops__json_string(&j, mlops_datasets__type_name(acc[i].type));
			mlops__json_key(&j, "nullable");
			mlops__json_bool(&j, acc[i].nulls > 0);
			mlops__json_object_end(&j);
		}
		mlops__json_array_end(&j);
		mlops__json_object_end(&j);
		rc = mlops__json_finish(&j);
		if (rc) {
			mlops__buf_free(&b);
			return rc;
		}
		*out_schema = mlops__buf_detach(&b);
	}
	if (out_stats) {
		mlops_buf b = MLOPS_BUF_INIT;
		mlops_json j;
		mlops__json_init(&j, &b);
		mlops__json_object_begin(&j);
		mlops__json_key(&j, "rows");
		mlops__json_uint(&j, rows);
		mlops__json_key(&j, "columns");
		mlops__json_object_begin(&j);
		for (size_t i = 0; i < ncols; i++) {
			mlops__json_key(&j, mlops_datasets__reader_name(r, i));
			write_col_stats(&j, &acc[i]);
		}
		mlops__json_object_end(&j);
		mlops__json_object_end(&j);
		rc = mlops__json_finish(&j);
		if (rc) {
			mlops__buf_free(&b);
			if (out_schema) {
				free(*out_schema);
				*out_schema = NULL;
			}
			return rc;
		}
		*out_stats = mlops__buf_detach(&b);
	}
	return 0;
}

int mlops_datasets__profile_ex(char **out_schema_json, char **out_stats_json, uint64_t *out_rows,
                               const mlops_datasets__table_opts *opts, mlops_datasets__read_fn read,
                               void *payload)
{
	if (out_schema_json)
		*out_schema_json = NULL;
	if (out_stats_json)
		*out_stats_json = NULL;
	if (out_rows)
		*out_rows = 0;
	mlops_datasets__reader *r = NULL;
	int rc = mlops_datasets__reader_open(&r, opts, read, payload);
	if (rc)
		return rc;
	col_acc *acc = NULL;
	size_t nacc = 0, acap = 0;
	uint64_t rows = 0;
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
		if (ncols > nacc) {
			if (ncols > acap) {
				size_t cap = acap ? acap : 8;
				while (cap < ncols)
					cap *= 2;
				col_acc *p = mlops__realloc(acc, cap * sizeof(*acc));
				if (!p) {
					rc = MLOPS_ENOMEM;
					goto out;
				}
				acc = p;
				acap = cap;
			}
			/* A JSON Lines key first seen now was null in every earlier row. */
			for (; nacc < ncols; nacc++)
				if ((rc = col_init(&acc[nacc], rows))) {
					col_free(&acc[nacc]);
					goto out;
				}
		}
		for (size_t i = 0; i < ncols; i++)
			if ((rc = col_add(&acc[i], &cells[i])))
				goto out;
		rows++;
	}
	/* Columns named by a header but never given a row still belong in the schema. */
	size_t ncols = mlops_datasets__reader_ncols(r);
	if (ncols > nacc) {
		col_acc *p = mlops__realloc(acc, ncols * sizeof(*acc));
		if (!p) {
			rc = MLOPS_ENOMEM;
			goto out;
		}
		acc = p;
		for (; nacc < ncols; nacc++)
			if ((rc = col_init(&acc[nacc], rows))) {
				col_free(&acc[nacc]);
				goto out;
			}
	}
	rc = write_docs(out_schema_json, out_stats_json, r, acc, nacc, rows);
	if (!rc && out_rows)
		*out_rows = rows;
out:
	for (size_t i = 0; i < nacc; i++)
		col_free(&acc[i]);
	free(acc);
	mlops_datasets__reader_free(r);
	return rc;
}

int mlops_datasets__profile(char **out_schema_json, char **out_stats_json, uint64_t *out_rows,
                            mlops_datasets__fmt fmt, mlops_datasets__read_fn read, void *payload)
{
	mlops_datasets__table_opts o;
	mlops_datasets__table_opts_default(&o, fmt);
	return mlops_datasets__profile_ex(out_schema_json, out_stats_json, out_rows, &o, read, payload);
}
