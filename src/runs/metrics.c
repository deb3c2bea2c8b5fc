/*
 * Metric logging: the per-handle buffer (C arrays per interned key), the flush triggers (size, age, explicit),
 * and the flush itself: one transaction that appends one history block per key and merges the flushed points
 * into the per-key summary rows, with one audit row per flush.
 */
#include <math.h>
#include <time.h>

#include "runs/runs_int.h"

#define FLUSH_RETRIES 8

/* ---- the key table of a handle ---- */

static int slots_grow(mlops_run *run)
{
	size_t n = run->n_slots ? run->n_slots * 2 : 16;
	int32_t *s = mlops__malloc(n * sizeof(*s));
	if (!s)
		return MLOPS_ENOMEM;
	for (size_t i = 0; i < n; i++)
		s[i] = -1;
	for (size_t k = 0; k < run->n_series; k++) {
		size_t j = run->series[k].hash & (n - 1);
		while (s[j] >= 0)
			j = (j + 1) & (n - 1);
		s[j] = (int32_t)k;
	}
	free(run->slots);
	run->slots = s;
	run->n_slots = n;
	return 0;
}

/* Find the series of key, creating it (after validating the key) when missing. */
static int series_find(mlops_runs__series **out, mlops_run *run, const char *key)
{
	if (!key)
		return mlops__error(MLOPS_EINVAL, "metric key is NULL");
	size_t len = strlen(key);
	uint64_t h = mlops__hash64(key, len);
	if (run->n_slots) {
		size_t j = h & (run->n_slots - 1);
		while (run->slots[j] >= 0) {
			mlops_runs__series *s = &run->series[run->slots[j]];
			if (s->hash == h && strcmp(s->key, key) == 0) {
				*out = s;
				return 0;
			}
			j = (j + 1) & (run->n_slots - 1);
		}
	}
	int rc = mlops_runs__check_key("metric", key);
	if (rc)
		return rc;
	if ((run->n_series + 1) * 2 > run->n_slots && (rc = slots_grow(run)) != 0)
		return rc;
	if (run->n_series == run->cap_series) {
		size_t cap = run->cap_series ? run->cap_series * 2 : 8;
		mlops_runs__series *p = mlops__realloc(run->series, cap * sizeof(*p));
		if (!p)
			return MLOPS_ENOMEM;
		run->series = p;
		run->cap_series = cap;
	}
	mlops_runs__series *s = &run->series[run->n_series];
	memset(s, 0, sizeof(*s));
	if (!(s->key = mlops__strndup(key, len)))
		return MLOPS_ENOMEM;
	s->hash = h;
	size_t j = h & (run->n_slots - 1);
	while (run->slots[j] >= 0)
		j = (j + 1) & (run->n_slots - 1);
	run->slots[j] = (int32_t)run->n_series++;
	*out = s;
	return 0;
}

static int series_reserve(mlops_runs__series *s, size_t extra)
{
	if (s->n + extra <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 256;
	while (cap < s->n + extra)
		cap *= 2;
	int64_t *st = mlops__realloc(s->steps, cap * sizeof(*st));
	if (!st)
		return MLOPS_ENOMEM;
	s->steps = st;
	int64_t *ts = mlops__realloc(s->timestamps, cap * sizeof(*ts));
	if (!ts)
		return MLOPS_ENOMEM;
	s->timestamps = ts;
	double *v = mlops__realloc(s->values, cap * sizeof(*v));
	if (!v)
		return MLOPS_ENOMEM;
	s->values = v;
	s->cap = cap;
	return 0;
}

void mlops_runs__series_free(mlops_run *run)
{
	for (size_t k = 0; k < run->n_series; k++) {
		free(run->series[k].key);
		free(run->series[k].steps);
		free(run->series[k].timestamps);
		free(run->series[k].values);
	}
	free(run->series);
	free(run->slots);
	run->series = NULL;
	run->slots = NULL;
	run->n_series = run->cap_series = run->n_slots = 0;
	run->buffered = 0;
}

/* ---- logging ---- */

static int check_loggable(mlops_run *run, const char *what)
{
	if (!run)
		return mlops__error(MLOPS_EINVAL, "%s: NULL run", what);
	if (run->ended)
		return mlops__error(MLOPS_ECONFLICT, "%s: run %s has ended; resume it to log more", what, run->run_id);
	return 0;
}

/* After points were added: flush on size or age. */
static int maybe_flush(mlops_run *run, int64_t now)
{
	if (run->buffered >= run->flush_points)
		return mlops_runs__flush(run);
	if (run->flush_interval_ms > 0 && run->buffered && now - run->oldest_ms >= run->flush_interval_ms)
		return mlops_runs__flush(run);
	return 0;
}

static void note_added(mlops_run *run, size_t n, int64_t now)
{
	if (n && run->buffered == 0)
		run->oldest_ms = now;
	run->buffered += n;
}

int mlops_run_log_metric(mlops_run *run, const char *key, double value, int64_t step, int64_t timestamp_ms)
{
	int rc = check_loggable(run, "log metric");
	if (rc)
		return rc;
	mlops_runs__series *s;
	if ((rc = series_find(&s, run, key)) != 0 || (rc = series_reserve(s, 1)) != 0)
		return rc;
	int64_t now = mlops__now_ms();
	s->steps[s->n] = step;
	s->timestamps[s->n] = timestamp_ms ? timestamp_ms : now;
	s->values[s->n] = value;
	s->n++;
	note_added(run, 1, now);
	return maybe_flush(run, now);
}

int mlops_run_log_metrics(mlops_run *run, const char *const *keys, const double *values, const int64_t *steps,
                          const int64_t *timestamps, size_t n)
{
	int rc = check_loggable(run, "log metrics");
	if (rc)
		return rc;
	if (n == 0)
		return 0;
	if (!keys || !values)
		return mlops__error(MLOPS_EINVAL, "log metrics: keys and values must not be NULL");
	/* Validate (and intern) every key before buffering anything, so a bad key leaves the buffer untouched. */
	mlops_runs__series *s;
	for (size_t i = 0; i < n; i++) {
		if ((rc = series_find(&s, run, keys[i])) != 0)
			return mlops__error_prefix("log metrics: point %zu", i);
	}
	int64_t now = mlops__now_ms();
	size_t added = 0;
	for (size_t i = 0; i < n; i++) {
		/* Keys are interned already, so only ENOMEM can stop this loop; the points added so far stay counted. */
		if ((rc = series_find(&s, run, keys[i])) != 0 || (rc = series_reserve(s, 1)) != 0)
			break;
		s->steps[s->n] = steps ? steps[i] : 0;
		s->timestamps[s->n] = timestamps && timestamps[i] ? timestamps[i] : now;
		s->values[s->n] = values[i];
		s->n++;
		added++;
	}
	note_added(run, added, now);
	return rc ? rc : maybe_flush(run, now);
}

int mlops_run_log_metric_series(mlops_run *run, const char *key, const double *values, const int64_t *steps,
                                const int64_t *timestamps, size_t n)
{
	int rc = check_loggable(run, "log metric series");
	if (rc)
		return rc;
	mlops_runs__series *s;
	if ((rc = series_find(&s, run, key)) != 0)
		return rc;
	if (n == 0)
		return 0;
	if (!values)
		return mlops__error(MLOPS_EINVAL, "log metric series '%s': values must not be NULL", key);
	if ((rc = series_reserve(s, n)) != 0)
		return rc;
	int64_t now = mlops__now_ms();
	memcpy(s->values + s->n, values, n * sizeof(double));
	if (steps) {
		memcpy(s->steps + s->n, steps, n * sizeof(int64_t));
	} else {
		for (size_t i = 0; i < n; i++)
			s->steps[s->n + i] = (int64_t)i;
	}
	for (size_t i = 0; i < n; i++)
		s->timestamps[s->n + i] = timestamps && timestamps[i] ? timestamps[i] : now;
	s->n += n;
	note_added(run, n, now);
	return maybe_flush(run, now);
}

size_t mlops_run_buffered(const mlops_run *run)
{
	return run ? run->buffered : 0;
}

/* ---- storing points ---- */

typedef struct summary {
	bool present;
	int64_t last_step, last_ts;
	double last;
	double min, max;      /* NaN when no non-NaN value */
	int64_t count;
	int64_t first_step, max_step;
} summary;

static int summary_load(summary *sm, mlops_db *db, int64_t rid, int64_t kid)
{
	memset(sm, 0, sizeof(*sm));
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db,
	                           "SELECT last_val, last_nan, last_step, last_ts, min_val, max_val, n_points, "
	                           "first_step, max_step FROM runs_metrics WHERE rid = ? AND kid = ?");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_int64(st, 2, kid);
	rc = mlops__db_step(db, st, "cannot read metric summary");
	if (rc == 1) {
		sm->present = true;
		sm->last = sqlite3_column_int(st, 1) ? NAN : sqlite3_column_double(st, 0);
		sm->last_step = sqlite3_column_int64(st, 2);
		sm->last_ts = sqlite3_column_int64(st, 3);
		sm->min = sqlite3_column_type(st, 4) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 4);
		sm->max = sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5);
		sm->count = sqlite3_column_int64(st, 6);
		sm->first_step = sqlite3_column_int64(st, 7);
		sm->max_step = sqlite3_column_int64(st, 8);
		rc = 0;
	}
	mlops__db_done(st);
	return rc;
}

static void bind_real_or_null(sqlite3_stmt *st, int idx, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_double(st, idx, v);
}

static int summary_store(const summary *sm, mlops_db *db, int64_t rid, int64_t kid)
{
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db,
	                           "INSERT OR REPLACE INTO runs_metrics (rid, kid, last_val, last_nan, last_step, "
	                           "last_ts, min_val, max_val, n_points, first_step, max_step) "
	                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_int64(st, 2, kid);
	bind_real_or_null(st, 3, sm->last);
	sqlite3_bind_int(st, 4, isnan(sm->last) ? 1 : 0);
	sqlite3_bind_int64(st, 5, sm->last_step);
	sqlite3_bind_int64(st, 6, sm->last_ts);
	bind_real_or_null(st, 7, sm->min);
	bind_real_or_null(st, 8, sm->max);
	sqlite3_bind_int64(st, 9, sm->count);
	sqlite3_bind_int64(st, 10, sm->first_step);
	sqlite3_bind_int64(st, 11, sm->max_step);
	rc = mlops__db_step(db, st, "cannot store metric summary");
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

int mlops_runs__append_points(mlops_store *store, int64_t rid, const char *key, const int64_t *steps,
                              const int64_t *timestamps, const double *values, size_t n)
{
	if (n == 0)
		return 0;
	mlops_db *db = mlops_store__db(store);
	int64_t kid;
	int rc = mlops_runs__metric_kid(&kid, store, key, true);
	if (rc)
		return rc;

	/* The batch's own summary; the first point seeds it. */
	summary b = { .present = true, .last_step = steps[0], .last_ts = timestamps[0], .last = values[0],
	              .min = NAN, .max = NAN, .count = (int64_t)n, .first_step = steps[0], .max_step = steps[0] };
	for (size_t i = 0; i < n; i++) {
		double v = values[i];
		if (i && mlops_runs__point_cmp(steps[i], timestamps[i], v, b.last_step, b.last_ts, b.last) > 0) {
			b.last_step = steps[i];
			b.last_ts = timestamps[i];
			b.last = v;
		}
		if (!isnan(v)) {
			if (isnan(b.min) || v < b.min)
				b.min = v;
			if (isnan(b.max) || v > b.max)
				b.max = v;
		}
		if (steps[i] < b.first_step)
			b.first_step = steps[i];
		if (steps[i] > b.max_step)
			b.max_step = steps[i];
	}

	mlops_buf blk = MLOPS_BUF_INIT;
	if ((rc = mlops_runs__block_encode(&blk, steps, timestamps, values, n)) != 0)
		goto done;
	sqlite3_stmt *st;
	if ((rc = mlops__db_prepare(&st, db,
	                            "INSERT INTO runs_metric_blocks (rid, kid, step_min, step_max, n, data) "
	                            "VALUES (?, ?, ?, ?, ?, ?)")) != 0)
		goto done;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_int64(st, 2, kid);
	sqlite3_bind_int64(st, 3, b.first_step);
	sqlite3_bind_int64(st, 4, b.max_step);
	sqlite3_bind_int64(st, 5, (int64_t)n);
	sqlite3_bind_blob(st, 6, blk.data, (int)blk.len, SQLITE_STATIC);
	rc = mlops__db_step(db, st, "cannot store metric block");
	mlops__db_done(st);
	if (rc < 0)
		goto done;

	summary old;
	if ((rc = summary_load(&old, db, rid, kid)) != 0)
		goto done;
	if (old.present) {
		/* Keep the stored "last" on an equal triple: a later point must be strictly greater, as MLflow. */
		if (mlops_runs__point_cmp(b.last_step, b.last_ts, b.last, old.last_step, old.last_ts, old.last) <= 0) {
			b.last_step = old.last_step;
			b.last_ts = old.last_ts;
			b.last = old.last;
		}
		if (!isnan(old.min) && (isnan(b.min) || old.min < b.min))
			b.min = old.min;
		if (!isnan(old.max) && (isnan(b.max) || old.max > b.max))
			b.max = old.max;
		b.count += old.count;
		if (old.first_step < b.first_step)
			b.first_step = old.first_step;
		if (old.max_step > b.max_step)
			b.max_step = old.max_step;
	}
	rc = summary_store(&b, db, rid, kid);
done:
	mlops__buf_free(&blk);
	return rc;
}

static int flush_tx(mlops_run *run, size_t *n_keys)
{
	mlops_runs__run_state st;
	int rc = mlops_runs__begin_run_write(&st, run->store, run->run_id, "flush metrics", false, true);
	if (rc)
		return rc;
	*n_keys = 0;
	for (size_t k = 0; k < run->n_series && !rc; k++) {
		mlops_runs__series *s = &run->series[k];
		if (!s->n)
			continue;
		rc = mlops_runs__append_points(run->store, st.rid, s->key, s->steps, s->timestamps, s->values, s->n);
		(*n_keys)++;
	}
	if (!rc) {
		char pts[24], keys[24];
		snprintf(pts, sizeof(pts), "%zu", run->buffered);
		snprintf(keys, sizeof(keys), "%zu", *n_keys);
		rc = mlops_runs__audit(run->store, "metric.flush", "run", run->run_id, "points", pts, "keys", keys);
	}
	return mlops_runs__end_tx(mlops_store__db(run->store), rc);
}

int mlops_runs__flush(mlops_run *run)
{
	if (!run->buffered)
		return 0;
	int rc = 0;
	for (int attempt = 0; attempt < FLUSH_RETRIES; attempt++) {
		size_t n_keys;
		rc = flush_tx(run, &n_keys);
		if (rc != MLOPS_EBUSY)
			break;
		/* The busy timeout already waited; back off a little more before the next attempt. */
		struct timespec ts = { 0, (long)(20 + attempt * 40) * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (rc)
		return mlops__error_prefix("run %s: %zu buffered points kept", run->run_id, run->buffered);
	for (size_t k = 0; k < run->n_series; k++)
		run->series[k].n = 0;
	run->buffered = 0;
	run->oldest_ms = 0;
	return 0;
}

int mlops_run_flush(mlops_run *run)
{
	if (!run)
		return mlops__error(MLOPS_EINVAL, "mlops_run_flush: NULL run");
	return mlops_runs__flush(run);
}
