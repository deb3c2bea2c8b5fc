/*
 * Internal declarations shared by the files of the runs module (everything under src/runs): validation, id lookups, reading
 * info rows into library-owned structs, and the writes that the import path reuses inside its own transaction.
 * Not installed; never included outside src/runs.
 */
#ifndef MLOPS_RUNS_INT_H
#define MLOPS_RUNS_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlops/runs.h"
#include "store/store.h"

extern const mlops__module mlops_runs__module;

/* Limits (MLflow's). */
#define MLOPS_RUNS__MAX_KEY 250
#define MLOPS_RUNS__MAX_PARAM_VALUE 6000
#define MLOPS_RUNS__MAX_TAG_VALUE 8000
#define MLOPS_RUNS__MAX_EXPERIMENT_NAME 500

/* Lifecycle column values. */
#define MLOPS_RUNS__ACTIVE 0
#define MLOPS_RUNS__DELETED 1

/* ---- validation (validate.c) ---- */

/* what: "param", "metric", "tag"; MLOPS_EINVAL with a message naming the key and the rule otherwise. */
int mlops_runs__check_key(const char *what, const char *key);
/* Check a value against max bytes and UTF-8 validity. */
int mlops_runs__check_value(const char *what, const char *key, const char *value, size_t max);
/* A run id: exactly 32 lowercase hex characters. */
int mlops_runs__check_run_id(const char *run_id);
/* Parse a decimal experiment id ("0", "12"); MLOPS_EINVAL otherwise. */
int mlops_runs__parse_experiment_id(int64_t *out, const char *experiment_id);
/* Experiment name: non-empty, at most MLOPS_RUNS__MAX_EXPERIMENT_NAME bytes, valid UTF-8. */
int mlops_runs__check_experiment_name(const char *name);
/* Artifact path: relative, '/'-separated, no "." or ".." segment, no empty segment; NULL/"" allowed when
 * allow_root. */
int mlops_runs__check_artifact_path(const char *path, bool allow_root);

/* The arguments every MLflow export/import call checks first (fn names the call): store and a non-empty dir
 * (MLOPS_EINVAL), known versions of the options o and of the stats out when not NULL (MLOPS_EVERSION). */
int mlops_runs__check_mlflow_args(const mlops_store *store, const char *dir, const mlops_mlflow_options *o,
                                  const mlops_mlflow_stats *out, const char *fn);

/* Write a generated run name ("<adjective>-<noun>-<NNN>", as MLflow) into out (names.c). */
int mlops_runs__generate_name(char *out, size_t cap);

/* ---- a string arena for library-owned info structs (arena.c) ---- */

typedef struct mlops_runs__arena {
	struct mlops_runs__arena_block *head;
} mlops_runs__arena;

/* Copy s (NULL stays NULL) into the arena; NULL with MLOPS_ENOMEM recorded on failure (check s first). */
const char *mlops_runs__arena_strdup(mlops_runs__arena *a, const char *s, int *err);
void *mlops_runs__arena_alloc(mlops_runs__arena *a, size_t size, int *err);
void mlops_runs__arena_reset(mlops_runs__arena *a);  /* forget everything, keep the first block */
void mlops_runs__arena_free(mlops_runs__arena *a);

/* A growable array of items whose strings live in the arena; pos is the iterator position. */
typedef struct mlops_runs__list {
	mlops_runs__arena arena;
	void *items;
	size_t n;
	size_t cap;
	size_t pos;
} mlops_runs__list;

int mlops_runs__list_push(mlops_runs__list *l, const void *item, size_t item_size);
void mlops_runs__list_free(mlops_runs__list *l);

/* The next item of l (items of item_size bytes) advancing pos, or NULL at the end (read.c). Never fails. */
const void *mlops_runs__list_next(mlops_runs__list *l, size_t item_size);

/* Defines the public next_fn and free_fn of an iterator type whose struct is { mlops_runs__list list; }: every
 * list-backed iterator of the module has the same argument checks and end-of-list behaviour, only names and item
 * type differ. */
#define MLOPS_RUNS__LIST_ITER(next_fn, free_fn, iter_type, item_type) \
	int next_fn(const item_type **out, iter_type *iter) \
	{ \
		if (out) \
			*out = NULL; \
		if (!out || !iter) \
			return mlops__error(MLOPS_EINVAL, #next_fn ": NULL argument"); \
		*out = mlops_runs__list_next(&iter->list, sizeof(item_type)); \
		return *out ? 0 : MLOPS_ITEROVER; \
	} \
	void free_fn(iter_type *iter) \
	{ \
		if (!iter) \
			return; \
		mlops_runs__list_free(&iter->list); \
		free(iter); \
	}

/* ---- lookups (lookup.c); callers are inside a read or write transaction ---- */

typedef struct mlops_runs__run_state {
	int64_t rid;
	int64_t experiment_id;
	int status;
	int lifecycle;
	int deleted_by_experiment;
} mlops_runs__run_state;

/* Look a run up by its public id. MLOPS_EINVAL (malformed id), MLOPS_ENOTFOUND ("run <id> not found"). */
int mlops_runs__run_lookup(mlops_runs__run_state *out, mlops_store *store, const char *run_id);

/* 0 when the run accepts writes of the given class, else MLOPS_ECONFLICT naming the run and its state.
 * annotation: tags and notes (any non-deleted run); otherwise params, metrics, artifacts, inputs (also needs
 * RUNNING or SCHEDULED unless resumed is true). */
int mlops_runs__run_writable(const mlops_runs__run_state *st, const char *run_id, bool annotation, bool resumed);

/* Open a write transaction, look the run up and check it accepts the write (see mlops_runs__run_writable).
 * On success the transaction is open and *st filled; on failure it is rolled back. */
int mlops_runs__begin_run_write(mlops_runs__run_state *st, mlops_store *store, const char *run_id, const char *what,
                                bool annotation, bool owner);

/* Interned metric key id; create adds a missing key (write transaction). MLOPS_ENOTFOUND when !create. */
int mlops_runs__metric_kid(int64_t *out, mlops_store *store, const char *key, bool create);

/* Experiment id by name; MLOPS_ENOTFOUND when missing. */
int mlops_runs__experiment_lookup(int64_t *out_id, int *out_lifecycle, mlops_store *store, const char *name);

/* Lifecycle of an experiment by id; MLOPS_ENOTFOUND when missing. */
int mlops_runs__experiment_state(int *out_lifecycle, mlops_store *store, int64_t experiment_id);

/* ---- reading rows into info structs (read.c) ---- */

/* The columns mlops_runs__run_info_read() expects, in order, from `runs_runs r`. */
#define MLOPS_RUNS__INFO_COLUMNS \
	"r.run_id, r.experiment_id, r.name, r.user_name, r.parent_run_id, r.status, r.start_ms, r.end_ms, " \
	"r.lifecycle, r.deleted_ms"
#define MLOPS_RUNS__INFO_NCOLS 10

/* Fill *info from the row of st starting at column col0, strings copied into the arena. */
int mlops_runs__run_info_read(mlops_run_info *info, mlops_runs__arena *a, sqlite3_stmt *st, int col0);

/* The columns mlops_runs__summary_read() expects, in order, from `runs_metrics m JOIN runs_metric_keys k`. */
#define MLOPS_RUNS__SUMMARY_COLUMNS \
	"k.key, m.last_val, m.last_nan, m.last_step, m.last_ts, m.min_val, m.max_val, m.n_points, m.first_step, " \
	"m.max_step"
#define MLOPS_RUNS__SUMMARY_NCOLS 10

int mlops_runs__summary_read(mlops_metric_summary *out, mlops_runs__arena *a, sqlite3_stmt *st, int col0);

/* Converts one row of st into an item appended to l (strings into l->arena); 0 or a negative MLOPS_E*. */
typedef int (*mlops_runs__row_fn)(mlops_runs__list *l, sqlite3_stmt *st);

/* Look the run up and append one item per row of sql to l, in a read transaction (read.c). sql takes the run's
 * rid as ?1 and, when text2 is not NULL, text2 as ?2; what is the step failure message ("cannot list inputs").
 * MLOPS_EINVAL/MLOPS_ENOTFOUND for the run id, or the error of the database or of row. */
int mlops_runs__run_rows(mlops_runs__list *l, mlops_store *store, const char *run_id, const char *sql,
                         const char *text2, const char *what, mlops_runs__row_fn row);

/* Key/value pairs from sql (one int64 parameter; columns key, value) into a new iterator / appended to a list of
 * mlops_runs_kv (read.c). */
int mlops_runs__kv_query(mlops_runs_kv_iter **out, mlops_store *store, const char *sql, int64_t id);
int mlops_runs__kv_fill(mlops_runs__list *l, mlops_store *store, const char *sql, int64_t id);

/* Finish a write transaction: commit when rc is 0, roll back otherwise; returns the final code. */
static inline int mlops_runs__end_tx(mlops_db *db, int rc)
{
	if (rc) {
		mlops__db_rollback(db);
		return rc;
	}
	return mlops__db_commit(db);
}

/* Start a write transaction after checking that the store is writable; what names the operation. */
int mlops_runs__begin_write(mlops_store *store, const char *what);

/* The lifecycle condition (SQL) of a view type, NULL for an unknown view; 0 means active only. */
const char *mlops_runs__view_sql(int view);

/* ---- writes reused by the import path; all run inside the caller's write transaction ---- */

/* Audit row with a JSON detail of up to two string fields (k1/k2 NULL to leave out; values may be NULL). */
int mlops_runs__audit(mlops_store *store, const char *action, const char *kind, const char *id, const char *k1,
                      const char *v1, const char *k2, const char *v2);

/* Find an experiment by name or create it (with the given artifact location, creation time and lifecycle). */
int mlops_runs__experiment_ensure(int64_t *out_id, mlops_store *store, const char *name,
                                  const char *artifact_location, int64_t creation_ms, int lifecycle);

/* Insert a run row from info (run_id, status, times, lifecycle, name, user, parent all as given; no tags are
 * added). MLOPS_EEXISTS when the run id is taken. Writes the "run.start" audit row unless audit_action names
 * another one (e.g. "runs.import"). */
int mlops_runs__insert_run(int64_t *out_rid, mlops_store *store, int64_t experiment_id, const mlops_run_info *info,
                           const char *audit_action);

/* Store a param with the write-once rule (flags: MLOPS_PARAM_OVERWRITE); audit "param.log". */
int mlops_runs__put_param(mlops_store *store, int64_t rid, const char *run_id, const char *key, const char *value,
                          uint32_t flags);

/* Set a tag (no audit row: the caller writes one). */
int mlops_runs__put_tag(mlops_store *store, int64_t rid, const char *key, const char *value);

/* Append n points of one key (any order of steps) as one history block and merge them into the summary row.
 * timestamps must be resolved (no 0 = now here). No audit row. */
int mlops_runs__append_points(mlops_store *store, int64_t rid, const char *key, const int64_t *steps,
                              const int64_t *timestamps, const double *values, size_t n);

/* Record an artifact row (replacing the same path). No audit row. */
int mlops_runs__put_artifact(mlops_store *store, int64_t rid, const char *path, const char *oid, uint64_t size,
                             uint32_t mode, int64_t created_ms);

/* ---- the logging handle (run.c, metrics.c) ---- */

/* Buffered points of one metric key in a handle. */
typedef struct mlops_runs__series {
	char *key;
	uint64_t hash;
	int64_t *steps;
	int64_t *timestamps;
	double *values;
	size_t n;
	size_t cap;
} mlops_runs__series;

struct mlops_run {
	mlops_store *store;                         /* referenced (mlops_store__ref) */
	char run_id[MLOPS_RUN_ID_BUFSIZE];
	char experiment_id[MLOPS_EXPERIMENT_ID_BUFSIZE];
	char *name;
	bool ended;                                 /* mlops_run_end() succeeded: only annotations are accepted */
	size_t flush_points;
	int64_t flush_interval_ms;                  /* <= 0: no age trigger */
	size_t buffered;                            /* points in all series */
	int64_t oldest_ms;                          /* wall time of the first point buffered since the last flush */
	mlops_runs__series *series;
	size_t n_series;
	size_t cap_series;
	int32_t *slots;                             /* open addressing over series indexes, -1 empty */
	size_t n_slots;                             /* power of two */
};

/* Shared by the handle and the id-based calls (run.c); owner: the caller is a handle (no status check). */
int mlops_runs__log_params(mlops_store *store, const char *run_id, const char *const *keys,
                           const char *const *values, size_t n, uint32_t flags, bool owner);
int mlops_runs__set_tag(mlops_store *store, const char *run_id, const char *key, const char *value);
int mlops_runs__delete_tag(mlops_store *store, const char *run_id, const char *key);
int mlops_runs__terminate(mlops_store *store, const char *run_id, int status, int64_t end_ms);

/* Commit every buffered point (metrics.c); see mlops_run_flush(). */
int mlops_runs__flush(mlops_run *run);
/* Release the series buffers (metrics.c). */
void mlops_runs__series_free(mlops_run *run);

/* ---- metric history blocks (blocks.c) ---- */

/* Encode n points into out (codec byte + payload; zstd when smaller). */
int mlops_runs__block_encode(mlops_buf *out, const int64_t *steps, const int64_t *timestamps, const double *values,
                             size_t n);
/* Decode a block of n points, appending to the arrays (which must have room for n more). MLOPS_ECORRUPT when the
 * data does not decode to exactly n points. */
int mlops_runs__block_decode(int64_t *steps, int64_t *timestamps, double *values, size_t n, const void *data,
                             size_t size);

/* A NaN-aware total order for the "last" tie-break: a NaN value ranks as 0 (MLflow's SQL store). Returns > 0 when
 * (s1, t1, v1) is greater than (s2, t2, v2). */
int mlops_runs__point_cmp(int64_t s1, int64_t t1, double v1, int64_t s2, int64_t t2, double v2);

#endif
