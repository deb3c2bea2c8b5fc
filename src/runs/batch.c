/*
 * mlops_runs_log_batch: metrics, params and tags of one run by id, validated first and stored in one transaction
 * (MlflowClient.log_batch). Metric points are grouped by key so that each key gets one history block.
 */
#include "runs/runs_int.h"

int mlops_run_batch_init(mlops_run_batch *batch, unsigned int version)
{
	if (!batch)
		return mlops__error(MLOPS_EINVAL, "mlops_run_batch_init: NULL batch");
	if (version != MLOPS_RUN_BATCH_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown run batch version %u", version);
	mlops_run_batch d = MLOPS_RUN_BATCH_INIT;
	*batch = d;
	return 0;
}

static int check_batch(const mlops_run_batch *b)
{
	if (b->version != MLOPS_RUN_BATCH_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown run batch version %u", b->version);
	if ((b->n_metrics && (!b->metric_keys || !b->metric_values)) ||
	    (b->n_params && (!b->param_keys || !b->param_values)) || (b->n_tags && (!b->tag_keys || !b->tag_values)))
		return mlops__error(MLOPS_EINVAL, "log batch: a count is not 0 but its arrays are NULL");
	if (b->flags & ~MLOPS_PARAM_OVERWRITE)
		return mlops__error(MLOPS_EINVAL, "log batch: unknown flags 0x%x", (unsigned)b->flags);
	int rc;
	for (size_t i = 0; i < b->n_metrics; i++)
		if ((rc = mlops_runs__check_key("metric", b->metric_keys[i])) != 0)
			return rc;
	for (size_t i = 0; i < b->n_params; i++)
		if ((rc = mlops_runs__check_key("param", b->param_keys[i])) != 0 ||
		    (rc = mlops_runs__check_value("param", b->param_keys[i], b->param_values[i],
		                                  MLOPS_RUNS__MAX_PARAM_VALUE)) != 0)
			return rc;
	for (size_t i = 0; i < b->n_tags; i++)
		if ((rc = mlops_runs__check_key("tag", b->tag_keys[i])) != 0 ||
		    (rc = mlops_runs__check_value("tag", b->tag_keys[i], b->tag_values[i], MLOPS_RUNS__MAX_TAG_VALUE)) != 0)
			return rc;
	return 0;
}

typedef struct keyed {
	const char *key;
	size_t index;
} keyed;

static int by_key(const void *x, const void *y)
{
	const keyed *a = x, *b = y;
	int c = strcmp(a->key, b->key);
	return c ? c : (a->index < b->index ? -1 : a->index > b->index);
}

/* Append the metric points grouped by key, each group in logging order. */
static int put_metrics(mlops_store *store, int64_t rid, const mlops_run_batch *b)
{
	size_t n = b->n_metrics;
	keyed *order = mlops__malloc(n * sizeof(*order));
	int64_t *st = mlops__malloc(n * sizeof(*st)), *ts = mlops__malloc(n * sizeof(*ts));
	double *v = mlops__malloc(n * sizeof(*v));
	int rc = order && st && ts && v ? 0 : MLOPS_ENOMEM;
	if (!rc) {
		for (size_t i = 0; i < n; i++)
			order[i] = (keyed){ b->metric_keys[i], i };
		qsort(order, n, sizeof(*order), by_key);
		int64_t now = mlops__now_ms();
		for (size_t i = 0; i < n && !rc;) {
			const char *key = order[i].key;
			size_t k = 0;
			for (; i < n && strcmp(order[i].key, key) == 0; i++, k++) {
				size_t j = order[i].index;
				st[k] = b->metric_steps ? b->metric_steps[j] : 0;
				ts[k] = b->metric_timestamps && b->metric_timestamps[j] ? b->metric_timestamps[j] : now;
				v[k] = b->metric_values[j];
			}
			rc = mlops_runs__append_points(store, rid, key, st, ts, v, k);
		}
	}
	free(order);
	free(st);
	free(ts);
	free(v);
	return rc;
}

int mlops_runs_log_batch(mlops_store *store, const char *run_id, const mlops_run_batch *batch)
{
	if (!store || !batch)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_log_batch: NULL argument");
	int rc = check_batch(batch);
	if (rc)
		return rc;
	bool annotation = batch->n_metrics == 0 && batch->n_params == 0;
	mlops_runs__run_state st;
	if ((rc = mlops_runs__begin_run_write(&st, store, run_id, "log batch", annotation, false)) != 0)
		return rc;
	for (size_t i = 0; i < batch->n_params && !rc; i++)
		rc = mlops_runs__put_param(store, st.rid, run_id, batch->param_keys[i], batch->param_values[i],
		                           batch->flags);
	for (size_t i = 0; i < batch->n_tags && !rc; i++) {
		rc = mlops_runs__put_tag(store, st.rid, batch->tag_keys[i], batch->tag_values[i]);
		if (!rc && strcmp(batch->tag_keys[i], MLOPS_TAG_RUN_NAME) == 0) {
			mlops_db *db = mlops_store__db(store);
			sqlite3_stmt *s;
			if ((rc = mlops__db_prepare(&s, db, "UPDATE runs_runs SET name = ? WHERE rid = ?")) == 0) {
				if ((rc = mlops__db_bind_text(s, 1, batch->tag_values[i])) == 0) {
					sqlite3_bind_int64(s, 2, st.rid);
					rc = mlops__db_step(db, s, "cannot rename run");
				}
				mlops__db_done(s);
			}
			rc = rc < 0 ? rc : 0;
		}
		if (!rc)
			rc = mlops_runs__audit(store, "tag.set", "run", run_id, "key", batch->tag_keys[i], "value",
			                       batch->tag_values[i]);
	}
	if (!rc && batch->n_metrics) {
		rc = put_metrics(store, st.rid, batch);
		char pts[24];
		snprintf(pts, sizeof(pts), "%zu", batch->n_metrics);
		if (!rc)
			rc = mlops_runs__audit(store, "metric.log", "run", run_id, "points", pts, NULL, NULL);
	}
	return mlops_runs__end_tx(mlops_store__db(store), rc);
}
