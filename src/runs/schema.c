/*
 * The runs module's tables (prefix runs_), their migrations and gc roots, as the store sees them
 * (mlops_runs__module). The tables are described in docs/format.md, section "Runs".
 *
 * Conventions shared by the tables:
 *  - runs are referenced by an integer `rid` (the row id of runs_runs) rather than their 32-hex id, so that the
 *    per-point and per-key tables stay small; metric keys are interned in runs_metric_keys for the same reason;
 *  - times are int64 milliseconds since the epoch;
 *  - SQLite turns a bound NaN into NULL, so every REAL column that may hold a NaN has an `*_nan` companion flag
 *    (1: the value is NaN and the REAL column is NULL); +-Inf are stored as REAL;
 *  - lifecycle is 0 (active) or 1 (deleted); status is an mlops_run_status value.
 */
#include "runs/runs_int.h"

static const char runs_schema_v1[] =
	/* Experiments. `id` is the public decimal id ("0" is the Default experiment created below); names are unique
	 * among all experiments, deleted ones included, as MLflow. */
	"CREATE TABLE runs_experiments ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  artifact_location TEXT NOT NULL DEFAULT '',"
	"  lifecycle INTEGER NOT NULL DEFAULT 0 CHECK (lifecycle IN (0, 1)),"
	"  creation_ms INTEGER NOT NULL,"
	"  last_update_ms INTEGER NOT NULL,"
	"  deleted_ms INTEGER"
	");"
	/* Experiment tags: mutable key/value pairs. */
	"CREATE TABLE runs_experiment_tags ("
	"  experiment_id INTEGER NOT NULL REFERENCES runs_experiments(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (experiment_id, key)"
	") WITHOUT ROWID;"
	/* Runs. `run_id` is the public 32-hex id. `lifecycle` 1 with `deleted_by_experiment` 1 marks a run hidden by
	 * the deletion of its experiment (restored with it). `parent_run_id` is the public id of the parent run
	 * (nested runs), kept as text so that a run can be purged without touching its children. */
	"CREATE TABLE runs_runs ("
	"  rid INTEGER PRIMARY KEY,"
	"  run_id TEXT NOT NULL UNIQUE,"
	"  experiment_id INTEGER NOT NULL REFERENCES runs_experiments(id),"
	"  name TEXT NOT NULL,"
	"  user_name TEXT NOT NULL DEFAULT '',"
	"  status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 5),"
	"  start_ms INTEGER NOT NULL,"
	"  end_ms INTEGER,"
	"  lifecycle INTEGER NOT NULL DEFAULT 0 CHECK (lifecycle IN (0, 1)),"
	"  deleted_ms INTEGER,"
	"  deleted_by_experiment INTEGER NOT NULL DEFAULT 0,"
	"  parent_run_id TEXT"
	");"
	"CREATE INDEX runs_runs_by_experiment ON runs_runs(experiment_id, lifecycle, start_ms DESC);"
	"CREATE INDEX runs_runs_by_parent ON runs_runs(parent_run_id) WHERE parent_run_id IS NOT NULL;"
	/* Params: write-once key/value pairs per run (the overwrite flag replaces a value). The (key, value) index
	 * serves search filters such as params.opt = 'adam'. */
	"CREATE TABLE runs_params ("
	"  rid INTEGER NOT NULL REFERENCES runs_runs(rid) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (rid, key)"
	") WITHOUT ROWID;"
	"CREATE INDEX runs_params_by_key ON runs_params(key, value);"
	/* Run tags (system tags mlflow.* included): mutable key/value pairs. */
	"CREATE TABLE runs_tags ("
	"  rid INTEGER NOT NULL REFERENCES runs_runs(rid) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (rid, key)"
	") WITHOUT ROWID;"
	"CREATE INDEX runs_tags_by_key ON runs_tags(key, value);"
	/* Interned metric keys, shared by every run of the store. */
	"CREATE TABLE runs_metric_keys ("
	"  kid INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE"
	");"
	/* One summary row per (run, metric key), updated at every flush from the flushed points, so that search
	 * filters and sorts on last/min/max without reading history. last_val/last_nan/last_step/last_ts is the
	 * point with the largest (step, timestamp, value) (a NaN value ranks as 0, as MLflow); min_val/max_val
	 * ignore NaN and are NULL when every value is NaN; max_step is the largest step, first_step the smallest.
	 * The (kid, last_val) index serves "metrics.acc > 0.9" and ordering by a metric. */
	"CREATE TABLE runs_metrics ("
	"  rid INTEGER NOT NULL REFERENCES runs_runs(rid) ON DELETE CASCADE,"
	"  kid INTEGER NOT NULL REFERENCES runs_metric_keys(kid),"
	"  last_val REAL,"
	"  last_nan INTEGER NOT NULL DEFAULT 0,"
	"  last_step INTEGER NOT NULL,"
	"  last_ts INTEGER NOT NULL,"
	"  min_val REAL,"
	"  max_val REAL,"
	"  n_points INTEGER NOT NULL,"
	"  first_step INTEGER NOT NULL,"
	"  max_step INTEGER NOT NULL,"
	"  PRIMARY KEY (rid, kid)"
	") WITHOUT ROWID;"
	"CREATE INDEX runs_metrics_by_key ON runs_metrics(kid, last_val);"
	/* Metric history: one block per (run, key, flush). `data` is the encoded points (docs/format.md, "Metric
	 * history blocks": a codec byte, then delta-varint steps, delta-varint timestamps and the raw little-endian
	 * 8-byte doubles, zstd-compressed when that is smaller); step_min/step_max let a range read skip blocks. */
	"CREATE TABLE runs_metric_blocks ("
	"  id INTEGER PRIMARY KEY,"
	"  rid INTEGER NOT NULL REFERENCES runs_runs(rid) ON DELETE CASCADE,"
	"  kid INTEGER NOT NULL REFERENCES runs_metric_keys(kid),"
	"  step_min INTEGER NOT NULL,"
	"  step_max INTEGER NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  data BLOB NOT NULL"
	");"
	"CREATE INDEX runs_metric_blocks_by_run ON runs_metric_blocks(rid, kid, step_min);"
	/* Artifacts: files of a run in the object store. `path` is relative to the run's artifact root. The oids are
	 * a gc root; purging a run drops its rows and lets gc reclaim unshared objects. */
	"CREATE TABLE runs_artifacts ("
	"  rid INTEGER NOT NULL REFERENCES runs_runs(rid) ON DELETE CASCADE,"
	"  path TEXT NOT NULL,"
	"  oid TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  mode INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (rid, path)"
	") WITHOUT ROWID;"
	/* Inputs of a run (dataset versions, objects) with a free-text context; each also has a lineage edge
	 * (kind, id) -> (run, run_id) "input" in store_lineage. Object inputs are a gc root. */
	"CREATE TABLE runs_inputs ("
	"  rid INTEGER NOT NULL REFERENCES runs_runs(rid) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL,"
	"  id TEXT NOT NULL,"
	"  context TEXT,"
	"  created_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (rid, kind, id)"
	") WITHOUT ROWID;"
	/* The Default experiment every store has (MLflow's "0"). */
	"INSERT INTO runs_experiments (id, name, artifact_location, lifecycle, creation_ms, last_update_ms)"
	"  VALUES (0, 'Default', '', 0,"
	"          CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),"
	"          CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));";

/* v2: run search's default order (start_ms DESC, run_id) read from an index, so that a search or a listing over
 * every experiment stops after one page instead of sorting every run. */
static const char runs_schema_v2[] =
	"CREATE INDEX runs_runs_by_start ON runs_runs(start_ms DESC, run_id);";

static const mlops__migration runs_migrations[] = {
	{ .version = 1, .sql = runs_schema_v1, .fn = NULL },
	{ .version = 2, .sql = runs_schema_v2, .fn = NULL },
};

static const char *const runs_gc_roots[] = {
	"SELECT DISTINCT oid FROM runs_artifacts",
	"SELECT DISTINCT id FROM runs_inputs WHERE kind = 'object'",
	NULL,
};

const mlops__module mlops_runs__module = {
	.name = "runs",
	.migrations = runs_migrations,
	.n_migrations = sizeof(runs_migrations) / sizeof(runs_migrations[0]),
	.gc_roots = runs_gc_roots,
};
