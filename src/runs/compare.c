/*
 * mlops_runs_compare(): the params and metric summaries of N runs side by side, as a table of cells (one row per
 * run in the order given, one column per param then per metric), read in one read transaction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runs/runs_int.h"

struct mlops_run_compare {
	mlops_runs__arena arena;
	size_t n_runs;
	size_t n_cols;
	mlops_run_info *infos;
	mlops_compare_column *cols;
	mlops_compare_cell *cells;  /* n_runs x n_cols, row-major */
};

/* What one run holds, sorted by key. */
typedef struct run_data {
	mlops_runs_kv *params;
	size_t n_params;
	mlops_metric_summary *metrics;
	size_t n_metrics;
} run_data;

int mlops_run_compare_options_init(mlops_run_compare_options *opts, unsigned int version)
{
	if (!opts)
		return mlops__error(MLOPS_EINVAL, "mlops_run_compare_options_init: NULL options");
	if (version != MLOPS_RUN_COMPARE_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown run compare options version %u", version);
	mlops_run_compare_options d = MLOPS_RUN_COMPARE_OPTIONS_INIT;
	*opts = d;
	return 0;
}

static int read_run(mlops_run_info *info, run_data *rd, mlops_runs__arena *a, mlops_store *store, const char *run_id)
{
	mlops_runs__run_state rs;
	int rc = mlops_runs__run_lookup(&rs, store, run_id);
	if (rc)
		return rc;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	if ((rc = mlops__db_prepare(&st, db, "SELECT " MLOPS_RUNS__INFO_COLUMNS " FROM runs_runs r WHERE rid = ?")) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, rs.rid);
	rc = mlops__db_step(db, st, "compare: cannot read run");
	if (rc == 1)
		rc = mlops_runs__run_info_read(info, a, st, 0);
	else if (rc == 0)
		rc = mlops__error(MLOPS_ENOTFOUND, "run %s not found", run_id);
	mlops__db_done(st);
	if (rc)
		return rc;
	mlops_runs__list pl = {0};
	rc = mlops_runs__kv_fill(&pl, store, "SELECT key, value FROM runs_params WHERE rid = ? ORDER BY key", rs.rid);
	int err = 0;
	if (!rc && pl.n) {
		/* The list's strings live in its own arena: copy them into the comparison's. */
		rd->params = mlops_runs__arena_alloc(a, pl.n * sizeof(mlops_runs_kv), &err);
		for (size_t k = 0; rd->params && k < pl.n; k++) {
			const mlops_runs_kv *kv = (const mlops_runs_kv *)pl.items + k;
			rd->params[k].key = mlops_runs__arena_strdup(a, kv->key, &err);
			rd->params[k].value = mlops_runs__arena_strdup(a, kv->value, &err);
		}
		rd->n_params = pl.n;
		rc = err;
	}
	mlops_runs__list_free(&pl);
	if (rc)
		return rc;
	if ((rc = mlops__db_prepare(&st, db, "SELECT " MLOPS_RUNS__SUMMARY_COLUMNS " FROM runs_metrics m JOIN "
	                            "runs_metric_keys k ON k.kid = m.kid WHERE m.rid = ? ORDER BY k.key")) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, rs.rid);
	size_t cap = 0;
	while ((rc = mlops__db_step(db, st, "compare: cannot read metrics")) == 1) {
		if (rd->n_metrics == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			mlops_metric_summary *v = mlops_runs__arena_alloc(a, ncap * sizeof(*v), &err);
			if (!v) {
				rc = err;
				break;
			}
			if (rd->n_metrics)
				memcpy(v, rd->metrics, rd->n_metrics * sizeof(*v));
			rd->metrics = v;
			cap = ncap;
		}
		if ((rc = mlops_runs__summary_read(&rd->metrics[rd->n_metrics], a, st, 0)) != 0)
			break;
		rd->n_metrics++;
	}
	mlops__db_done(st);
	return rc;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int cmp_kv(const void *key, const void *item)
{
	return strcmp((const char *)key, ((const mlops_runs_kv *)item)->key);
}

static int cmp_summary(const void *key, const void *item)
{
	return strcmp((const char *)key, ((const mlops_metric_summary *)item)->key);
}

/* The column keys of one kind: those given, or the sorted union over the runs. */
static int column_keys(const char ***out, size_t *out_n, mlops_runs__arena *a, const char *const *given, size_t n_given,
                       const run_data *rd, size_t n_runs, int metrics)
{
	int err = 0;
	if (given) {
		const char **v = mlops_runs__arena_alloc(a, (n_given ? n_given : 1) * sizeof(*v), &err);
		if (!v)
			return err;
		for (size_t k = 0; k < n_given; k++) {
			if (!given[k])
				return mlops__error(MLOPS_EINVAL, "compare: %s key %zu is NULL", metrics ? "metric" : "param", k);
			v[k] = given[k];
		}
		*out = v;
		*out_n = n_given;
		return 0;
	}
	size_t total = 0;
	for (size_t r = 0; r < n_runs; r++)
		total += metrics ? rd[r].n_metrics : rd[r].n_params;
	const char **v = mlops_runs__arena_alloc(a, (total ? total : 1) * sizeof(*v), &err);
	if (!v)
		return err;
	size_t n = 0;
	for (size_t r = 0; r < n_runs; r++) {
		size_t m = metrics ? rd[r].n_metrics : rd[r].n_params;
		for (size_t k = 0; k < m; k++)
			v[n++] = metrics ? rd[r].metrics[k].key : rd[r].params[k].key;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	size_t u = 0;
	for (size_t k = 0; k < n; k++)
		if (u == 0 || strcmp(v[u - 1], v[k]) != 0)
			v[u++] = v[k];
	*out = v;
	*out_n = u;
	return 0;
}

static double metric_value(const mlops_metric_summary *m, int field)
{
	switch (field) {
	case MLOPS_METRIC_MIN: return m->min;
	case MLOPS_METRIC_MAX: return m->max;
	default: return m->last;
	}
}

static int fill_cell(mlops_compare_cell *cell, mlops_runs__arena *a, const run_data *rd, int kind, const char *key,
                     int field)
{
	int err = 0;
	memset(cell, 0, sizeof(*cell));
	cell->number = NAN;
	if (kind == MLOPS_COMPARE_PARAM) {
		const mlops_runs_kv *kv = rd->n_params ? bsearch(key, rd->params, rd->n_params, sizeof(*kv), cmp_kv) : NULL;
		if (kv) {
			cell->present = 1;
			cell->text = kv->value;
		}
		return 0;
	}
	const mlops_metric_summary *m =
		rd->n_metrics ? bsearch(key, rd->metrics, rd->n_metrics, sizeof(*m), cmp_summary) : NULL;
	if (m) {
		char buf[32];
		cell->present = 1;
		cell->number = metric_value(m, field);
		mlops__fmt_double(buf, cell->number);
		cell->text = mlops_runs__arena_strdup(a, buf, &err);
	}
	return err;
}

/* A column is "the same" when every run has the same presence and the same text. */
static int column_same(const mlops_compare_cell *cells, size_t n_runs, size_t n_cols, size_t j)
{
	const mlops_compare_cell *c0 = &cells[j];
	for (size_t i = 1; i < n_runs; i++) {
		const mlops_compare_cell *c = &cells[i * n_cols + j];
		if (c->present != c0->present || (c->present && strcmp(c->text, c0->text) != 0))
			return 0;
	}
	return 1;
}

static int build(mlops_run_compare *cmp, mlops_store *store, const char *const *run_ids, size_t n,
                 const mlops_run_compare_options *o)
{
	int err = 0, rc;
	mlops_runs__arena *a = &cmp->arena;
	run_data *rd = mlops_runs__arena_alloc(a, n * sizeof(*rd), &err);
	cmp->infos = mlops_runs__arena_alloc(a, n * sizeof(*cmp->infos), &err);
	if (err)
		return err;
	memset(rd, 0, n * sizeof(*rd));
	for (size_t i = 0; i < n; i++) {
		if (!run_ids[i])
			return mlops__error(MLOPS_EINVAL, "compare: run id %zu is NULL", i);
		if ((rc = read_run(&cmp->infos[i], &rd[i], a, store, run_ids[i])) != 0)
			return rc;
	}
	cmp->n_runs = n;
	const char **pkeys, **mkeys;
	size_t np, nm;
	if ((rc = column_keys(&pkeys, &np, a, o->param_keys, o->n_param_keys, rd, n, 0)) != 0 ||
	    (rc = column_keys(&mkeys, &nm, a, o->metric_keys, o->n_metric_keys, rd, n, 1)) != 0)
		return rc;
	size_t nc = np + nm;
	cmp->cols = mlops_runs__arena_alloc(a, (nc ? nc : 1) * sizeof(*cmp->cols), &err);
	cmp->cells = mlops_runs__arena_alloc(a, (nc ? nc * n : 1) * sizeof(*cmp->cells), &err);
	if (err)
		return err;
	for (size_t j = 0; j < nc; j++) {
		cmp->cols[j].kind = j < np ? MLOPS_COMPARE_PARAM : MLOPS_COMPARE_METRIC;
		cmp->cols[j].key = j < np ? pkeys[j] : mkeys[j - np];
		for (size_t i = 0; i < n; i++)
			if ((rc = fill_cell(&cmp->cells[i * nc + j], a, &rd[i], cmp->cols[j].kind, cmp->cols[j].key,
			                    o->metric_field)) != 0)
				return rc;
	}
	cmp->n_cols = nc;
	if (!(o->flags & MLOPS_COMPARE_ONLY_DIFFERENT) || n < 2)
		return 0;
	/* Drop the columns that are the same everywhere, compacting columns and cells in place. */
	size_t keep = 0;
	for (size_t j = 0; j < nc; j++) {
		if (column_same(cmp->cells, n, nc, j))
			continue;
		cmp->cols[keep] = cmp->cols[j];
		for (size_t i = 0; i < n; i++)
			cmp->cells[i * nc + keep] = cmp->cells[i * nc + j];
		keep++;
	}
	/* Re-pack rows from stride nc to stride keep. */
	for (size_t i = 0; i < n; i++)
		memmove(&cmp->cells[i * keep], &cmp->cells[i * nc], keep * sizeof(*cmp->cells));
	cmp->n_cols = keep;
	return 0;
}

int mlops_runs_compare(mlops_run_compare **out, mlops_store *store, const char *const *run_ids, size_t n,
                       const mlops_run_compare_options *opts)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_compare: NULL argument");
	*out = NULL;
	if (n == 0 || !run_ids)
		return mlops__error(MLOPS_EINVAL, "compare: no runs given");
	mlops_run_compare_options d = MLOPS_RUN_COMPARE_OPTIONS_INIT;
	const mlops_run_compare_options *o = opts ? opts : &d;
	if (o->version != MLOPS_RUN_COMPARE_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown run compare options version %u", o->version);
	if (o->metric_field < MLOPS_METRIC_LAST || o->metric_field > MLOPS_METRIC_MAX)
		return mlops__error(MLOPS_EINVAL, "compare: unknown metric field %d", o->metric_field);
	if ((o->n_param_keys && !o->param_keys) || (o->n_metric_keys && !o->metric_keys))
		return mlops__error(MLOPS_EINVAL, "compare: a key list is NULL but its count is not 0");
	if (o->flags & ~(uint32_t)MLOPS_COMPARE_ONLY_DIFFERENT)
		return mlops__error(MLOPS_EINVAL, "compare: unknown flags 0x%x", (unsigned)o->flags);
	mlops_run_compare *cmp = mlops__calloc(1, sizeof(*cmp));
	if (!cmp)
		return MLOPS_ENOMEM;
	mlops_db *db = mlops_store__db(store);
	int rc = mlops__db_begin_read(db);
	if (!rc) {
		rc = build(cmp, store, run_ids, n, o);
		mlops__db_commit(db);
	}
	if (rc) {
		mlops_run_compare_free(cmp);
		return rc;
	}
	*out = cmp;
	return 0;
}

size_t mlops_run_compare_n_runs(const mlops_run_compare *cmp)
{
	return cmp ? cmp->n_runs : 0;
}

size_t mlops_run_compare_n_columns(const mlops_run_compare *cmp)
{
	return cmp ? cmp->n_cols : 0;
}

int mlops_run_compare_run(const mlops_run_info **out, const mlops_run_compare *cmp, size_t i)
{
	if (out)
		*out = NULL;
	if (!out || !cmp)
		return mlops__error(MLOPS_EINVAL, "mlops_run_compare_run: NULL argument");
	if (i >= cmp->n_runs)
		return mlops__error(MLOPS_EINVAL, "compare: row %zu out of range (%zu runs)", i, cmp->n_runs);
	*out = &cmp->infos[i];
	return 0;
}

int mlops_run_compare_column(const mlops_compare_column **out, const mlops_run_compare *cmp, size_t j)
{
	if (out)
		*out = NULL;
	if (!out || !cmp)
		return mlops__error(MLOPS_EINVAL, "mlops_run_compare_column: NULL argument");
	if (j >= cmp->n_cols)
		return mlops__error(MLOPS_EINVAL, "compare: column %zu out of range (%zu columns)", j, cmp->n_cols);
	*out = &cmp->cols[j];
	return 0;
}

int mlops_run_compare_cell(const mlops_compare_cell **out, const mlops_run_compare *cmp, size_t i, size_t j)
{
	if (out)
		*out = NULL;
	if (!out || !cmp)
		return mlops__error(MLOPS_EINVAL, "mlops_run_compare_cell: NULL argument");
	if (i >= cmp->n_runs || j >= cmp->n_cols)
		return mlops__error(MLOPS_EINVAL, "compare: cell (%zu, %zu) out of range (%zu x %zu)", i, j, cmp->n_runs,
		                    cmp->n_cols);
	*out = &cmp->cells[i * cmp->n_cols + j];
	return 0;
}

void mlops_run_compare_free(mlops_run_compare *cmp)
{
	if (!cmp)
		return;
	mlops_runs__arena_free(&cmp->arena);
	free(cmp);
}
