/*
 * Reading rows of the runs tables into the library-owned info structs, and the key/value iterator (params, run
 * tags, experiment tags). Iterators read all their rows at creation, in one read transaction, so that no
 * statement or lock is held between calls and a consistent snapshot is returned.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runs/runs_int.h"

static const char *col_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

int mlops_runs__run_info_read(mlops_run_info *info, mlops_runs__arena *a, sqlite3_stmt *st, int col0)
{
	int err = 0;
	char eid[MLOPS_EXPERIMENT_ID_BUFSIZE];
	memset(info, 0, sizeof(*info));
	info->run_id = mlops_runs__arena_strdup(a, col_text(st, col0), &err);
	snprintf(eid, sizeof(eid), "%lld", (long long)sqlite3_column_int64(st, col0 + 1));
	info->experiment_id = mlops_runs__arena_strdup(a, eid, &err);
	info->run_name = mlops_runs__arena_strdup(a, col_text(st, col0 + 2), &err);
	info->user = mlops_runs__arena_strdup(a, col_text(st, col0 + 3), &err);
	info->parent_run_id = mlops_runs__arena_strdup(a, col_text(st, col0 + 4), &err);
	info->status = sqlite3_column_int(st, col0 + 5);
	info->start_ms = sqlite3_column_int64(st, col0 + 6);
	info->end_ms = sqlite3_column_int64(st, col0 + 7);
	info->deleted = sqlite3_column_int(st, col0 + 8);
	info->deleted_ms = sqlite3_column_int64(st, col0 + 9);
	return err;
}

int mlops_runs__summary_read(mlops_metric_summary *out, mlops_runs__arena *a, sqlite3_stmt *st, int col0)
{
	int err = 0;
	memset(out, 0, sizeof(*out));
	out->key = mlops_runs__arena_strdup(a, col_text(st, col0), &err);
	out->last = sqlite3_column_int(st, col0 + 2) ? NAN : sqlite3_column_double(st, col0 + 1);
	out->last_step = sqlite3_column_int64(st, col0 + 3);
	out->last_timestamp_ms = sqlite3_column_int64(st, col0 + 4);
	out->min = sqlite3_column_type(st, col0 + 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col0 + 5);
	out->max = sqlite3_column_type(st, col0 + 6) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col0 + 6);
	out->count = (uint64_t)sqlite3_column_int64(st, col0 + 7);
	out->first_step = sqlite3_column_int64(st, col0 + 8);
	out->max_step = sqlite3_column_int64(st, col0 + 9);
	return err;
}

/* ---- growable arrays of items owned by an arena-backed list ---- */

int mlops_runs__list_push(mlops_runs__list *l, const void *item, size_t item_size)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *p = mlops__realloc(l->items, cap * item_size);
		if (!p)
			return MLOPS_ENOMEM;
		l->items = p;
		l->cap = cap;
	}
	memcpy((char *)l->items + l->n * item_size, item, item_size);
	l->n++;
	return 0;
}

void mlops_runs__list_free(mlops_runs__list *l)
{
	free(l->items);
	mlops_runs__arena_free(&l->arena);
	memset(l, 0, sizeof(*l));
}

const void *mlops_runs__list_next(mlops_runs__list *l, size_t item_size)
{
	if (l->pos >= l->n)
		return NULL;
	return (const char *)l->items + l->pos++ * item_size;
}

int mlops_runs__run_rows(mlops_runs__list *l, mlops_store *store, const char *run_id, const char *sql,
                         const char *text2, const char *what, mlops_runs__row_fn row)
{
	mlops_db *db = mlops_store__db(store);
	int rc = mlops__db_begin_read(db);
	if (rc)
		return rc;
	mlops_runs__run_state st;
	rc = mlops_runs__run_lookup(&st, store, run_id);
	sqlite3_stmt *s;
	if (!rc && (rc = mlops__db_prepare(&s, db, sql)) == 0) {
		sqlite3_bind_int64(s, 1, st.rid);
		if (!text2 || (rc = mlops__db_bind_text(s, 2, text2)) == 0) {
			while ((rc = mlops__db_step(db, s, what)) == 1) {
				if ((rc = row(l, s)) != 0)
					break;
			}
		}
		mlops__db_done(s);
	}
	mlops__db_commit(db);
	return rc;
}

/* ---- key/value iterator ---- */

struct mlops_runs_kv_iter {
	mlops_runs__list list;
};

int mlops_runs__kv_query(mlops_runs_kv_iter **out, mlops_store *store, const char *sql, int64_t id)
{
	*out = NULL;
	mlops_runs_kv_iter *it = mlops__calloc(1, sizeof(*it));
	if (!it)
		return MLOPS_ENOMEM;
	int rc = mlops_runs__kv_fill(&it->list, store, sql, id);
	if (rc) {
		mlops_runs_kv_iter_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

int mlops_runs__kv_fill(mlops_runs__list *l, mlops_store *store, const char *sql, int64_t id)
{
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, sql);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = mlops__db_step(db, st, "cannot read key/value pairs")) == 1) {
		int err = 0;
		mlops_runs_kv kv;
		kv.key = mlops_runs__arena_strdup(&l->arena, col_text(st, 0), &err);
		kv.value = mlops_runs__arena_strdup(&l->arena, col_text(st, 1), &err);
		if (err || (err = mlops_runs__list_push(l, &kv, sizeof(kv))) != 0) {
			rc = err;
			break;
		}
	}
	mlops__db_done(st);
	return rc;
}

MLOPS_RUNS__LIST_ITER(mlops_runs_kv_next, mlops_runs_kv_iter_free, mlops_runs_kv_iter, mlops_runs_kv)
