/*
 * Reading metrics: per-key summaries (iterator and single get) and histories (step range, min/max-preserving
 * downsampling) read from the history blocks into C arrays.
 */
#include <math.h>

#include "runs/runs_int.h"

struct mlops_metric_iter {
	mlops_runs__list list;
};

typedef struct summary_holder {
	mlops_metric_summary summary;
	mlops_runs__arena arena;
} summary_holder;

struct mlops_metric_history {
	size_t n;
	int64_t *steps;
	int64_t *timestamps;
	double *values;
};

#define SUMMARY_FROM \
	" FROM runs_metrics m JOIN runs_metric_keys k ON k.kid = m.kid WHERE m.rid = ?"

static int summary_row(mlops_runs__list *l, sqlite3_stmt *st)
{
	mlops_metric_summary m;
	int rc = mlops_runs__summary_read(&m, &l->arena, st, 0);
	return rc ? rc : mlops_runs__list_push(l, &m, sizeof(m));
}

int mlops_runs_metrics(mlops_metric_iter **out, mlops_store *store, const char *run_id)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_metrics: NULL argument");
	*out = NULL;
	mlops_metric_iter *it = mlops__calloc(1, sizeof(*it));
	if (!it)
		return MLOPS_ENOMEM;
	int rc = mlops_runs__run_rows(&it->list, store, run_id,
	                              "SELECT " MLOPS_RUNS__SUMMARY_COLUMNS SUMMARY_FROM " ORDER BY k.key", NULL,
	                              "cannot read metrics", summary_row);
	if (rc) {
		mlops_metric_iter_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

MLOPS_RUNS__LIST_ITER(mlops_metric_next, mlops_metric_iter_free, mlops_metric_iter, mlops_metric_summary)

int mlops_runs_metric_get(mlops_metric_summary **out, mlops_store *store, const char *run_id, const char *key)
{
	if (!out || !store || !key)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_metric_get: NULL argument");
	*out = NULL;
	summary_holder *h = mlops__calloc(1, sizeof(*h));
	if (!h)
		return MLOPS_ENOMEM;
	mlops_db *db = mlops_store__db(store);
	int rc = mlops__db_begin_read(db);
	if (rc) {
		free(h);
		return rc;
	}
	mlops_runs__run_state st;
	rc = mlops_runs__run_lookup(&st, store, run_id);
	sqlite3_stmt *s;
	if (!rc && (rc = mlops__db_prepare(&s, db, "SELECT " MLOPS_RUNS__SUMMARY_COLUMNS SUMMARY_FROM
	                                           " AND k.key = ?")) == 0) {
		sqlite3_bind_int64(s, 1, st.rid);
		if ((rc = mlops__db_bind_text(s, 2, key)) == 0) {
			rc = mlops__db_step(db, s, "cannot read metric");
			if (rc == 1)
				rc = mlops_runs__summary_read(&h->summary, &h->arena, s, 0);
			else if (rc == 0)
				rc = mlops__error(MLOPS_ENOTFOUND, "run %s has no metric '%s'", run_id, key);
		}
		mlops__db_done(s);
	}
	mlops__db_commit(db);
	if (rc) {
		mlops_runs__arena_free(&h->arena);
		free(h);
		return rc;
	}
	*out = &h->summary;
	return 0;
}

void mlops_metric_summary_free(mlops_metric_summary *summary)
{
	if (!summary)
		return;
	summary_holder *h = (summary_holder *)summary;
	mlops_runs__arena_free(&h->arena);
	free(h);
}

int mlops_history_options_init(mlops_history_options *opts, unsigned int version)
{
	if (!opts)
		return mlops__error(MLOPS_EINVAL, "mlops_history_options_init: NULL options");
	if (version != MLOPS_HISTORY_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown history options version %u", version);
	mlops_history_options d = MLOPS_HISTORY_OPTIONS_INIT;
	*opts = d;
	return 0;
}

typedef struct point {
	int64_t step;
	int64_t ts;
	double value;
	size_t seq;   /* logging order, the last tie-break */
} point;

static int point_order(const void *a, const void *b)
{
	const point *x = a, *y = b;
	if (x->step != y->step)
		return x->step < y->step ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* Keep, per bucket of equal step width, the points of minimum and maximum value (in step order). */
static size_t downsample(point *p, size_t n, size_t max_points)
{
	size_t buckets = max_points / 2;
	uint64_t width = (uint64_t)p[n - 1].step - (uint64_t)p[0].step;
	width = width / buckets + 1;
	size_t out = 0, i = 0;
	while (i < n) {
		uint64_t b = ((uint64_t)p[i].step - (uint64_t)p[0].step) / width;
		size_t lo = SIZE_MAX, hi = SIZE_MAX, nan_at = SIZE_MAX;
		size_t j = i;
		for (; j < n && ((uint64_t)p[j].step - (uint64_t)p[0].step) / width == b; j++) {
			double v = p[j].value;
			if (isnan(v)) {
				if (nan_at == SIZE_MAX)
					nan_at = j;
				continue;
			}
			if (lo == SIZE_MAX || v < p[lo].value)
				lo = j;
			if (hi == SIZE_MAX || v > p[hi].value)
				hi = j;
		}
		if (lo == SIZE_MAX) {
			p[out++] = p[nan_at];
		} else if (lo == hi) {
			p[out++] = p[lo];
		} else {
			size_t first = lo < hi ? lo : hi, second = lo < hi ? hi : lo;
			point a = p[first], c = p[second];
			p[out++] = a;
			p[out++] = c;
		}
		i = j;
	}
	return out;
}

static int read_points(point **out, size_t *out_n, mlops_store *store, int64_t rid, int64_t kid, int64_t lo,
                       int64_t hi)
{
	*out = NULL;
	*out_n = 0;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *s;
	int rc = mlops__db_prepare(&s, db,
	                           "SELECT n, data FROM runs_metric_blocks WHERE rid = ? AND kid = ? AND step_max >= ? "
	                           "AND step_min <= ? ORDER BY id");
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, rid);
	sqlite3_bind_int64(s, 2, kid);
	sqlite3_bind_int64(s, 3, lo);
	sqlite3_bind_int64(s, 4, hi);
	point *pts = NULL;
	size_t n = 0, cap = 0, seq = 0;
	int64_t *st = NULL, *ts = NULL;
	double *v = NULL;
	size_t tmp_cap = 0;
	while ((rc = mlops__db_step(db, s, "cannot read metric history")) == 1) {
		int64_t bn = sqlite3_column_int64(s, 0);
		const void *data = sqlite3_column_blob(s, 1);
		size_t size = (size_t)sqlite3_column_bytes(s, 1);
		/* A block holds one flush of one key; the bound only stops a damaged count from driving the allocation. */
		if (bn <= 0 || bn > ((int64_t)1 << 31) || size == 0) {
			rc = mlops__error(MLOPS_ECORRUPT, "metric block claims %lld points in %zu bytes", (long long)bn, size);
			break;
		}
		if ((size_t)bn > tmp_cap) {
			tmp_cap = (size_t)bn;
			free(st);
			free(ts);
			free(v);
			st = mlops__malloc(tmp_cap * sizeof(*st));
			ts = mlops__malloc(tmp_cap * sizeof(*ts));
			v = mlops__malloc(tmp_cap * sizeof(*v));
			if (!st || !ts || !v) {
				rc = MLOPS_ENOMEM;
				break;
			}
		}
		if ((rc = mlops_runs__block_decode(st, ts, v, (size_t)bn, data, size)) != 0)
			break;
		for (size_t i = 0; i < (size_t)bn; i++, seq++) {
			if (st[i] < lo || st[i] > hi)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				point *np = mlops__realloc(pts, cap * sizeof(*np));
				if (!np) {
					rc = MLOPS_ENOMEM;
					break;
				}
				pts = np;
			}
			pts[n++] = (point){ st[i], ts[i], v[i], seq };
		}
		if (rc)
			break;
	}
	mlops__db_done(s);
	free(st);
	free(ts);
	free(v);
	if (rc) {
		free(pts);
		return rc;
	}
	*out = pts;
	*out_n = n;
	return 0;
}

int mlops_runs_metric_history(mlops_metric_history **out, mlops_store *store, const char *run_id, const char *key,
                              const mlops_history_options *opts)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_metric_history: NULL argument");
	*out = NULL;
	mlops_history_options d = MLOPS_HISTORY_OPTIONS_INIT;
	if (!opts)
		opts = &d;
	if (opts->version != MLOPS_HISTORY_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown history options version %u", opts->version);
	int rc = mlops_runs__check_key("metric", key);
	if (rc)
		return rc;
	if (opts->max_points == 1)
		return mlops__error(MLOPS_EINVAL, "metric '%s' history: max_points must be 0 or at least 2", key);
	if (opts->step_min > opts->step_max)
		return mlops__error(MLOPS_EINVAL, "metric '%s' history: step_min %lld is greater than step_max %lld", key,
		                    (long long)opts->step_min, (long long)opts->step_max);
	mlops_metric_history *h = mlops__calloc(1, sizeof(*h));
	if (!h)
		return MLOPS_ENOMEM;
	mlops_db *db = mlops_store__db(store);
	if ((rc = mlops__db_begin_read(db)) != 0) {
		free(h);
		return rc;
	}
	point *pts = NULL;
	size_t n = 0;
	mlops_runs__run_state st;
	int64_t kid = 0;
	rc = mlops_runs__run_lookup(&st, store, run_id);
	if (!rc) {
		rc = mlops_runs__metric_kid(&kid, store, key, false);
		if (rc == MLOPS_ENOTFOUND) {
			mlops__error_reset();
			kid = -1;
			rc = 0;
		}
	}
	if (!rc && kid >= 0)
		rc = read_points(&pts, &n, store, st.rid, kid, opts->step_min, opts->step_max);
	mlops__db_commit(db);
	if (!rc && n) {
		qsort(pts, n, sizeof(*pts), point_order);
		if (opts->max_points && n > opts->max_points)
			n = downsample(pts, n, opts->max_points);
		h->steps = mlops__malloc(n * sizeof(int64_t));
		h->timestamps = mlops__malloc(n * sizeof(int64_t));
		h->values = mlops__malloc(n * sizeof(double));
		if (!h->steps || !h->timestamps || !h->values) {
			rc = MLOPS_ENOMEM;
		} else {
			for (size_t i = 0; i < n; i++) {
				h->steps[i] = pts[i].step;
				h->timestamps[i] = pts[i].ts;
				h->values[i] = pts[i].value;
			}
			h->n = n;
		}
	}
	free(pts);
	if (rc) {
		mlops_metric_history_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

size_t mlops_metric_history_count(const mlops_metric_history *h)
{
	return h ? h->n : 0;
}

const int64_t *mlops_metric_history_steps(const mlops_metric_history *h)
{
	return h ? h->steps : NULL;
}

const int64_t *mlops_metric_history_timestamps(const mlops_metric_history *h)
{
	return h ? h->timestamps : NULL;
}

const double *mlops_metric_history_values(const mlops_metric_history *h)
{
	return h ? h->values : NULL;
}

void mlops_metric_history_free(mlops_metric_history *h)
{
	if (!h)
		return;
	free(h->steps);
	free(h->timestamps);
	free(h->values);
	free(h);
}
