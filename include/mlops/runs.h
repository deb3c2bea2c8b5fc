/*
 * libmlops: experiment tracking (runs), embedded. Semantics follow MLflow Tracking: experiments with unique names,
 * runs with 32-hex ids, write-once params, metric histories with steps and timestamps, mutable tags and notes,
 * artifacts in the content-addressed object store, inputs as lineage edges, search, compare and mlruns/ interop.
 *
 * Ownership of returned information (one rule for the whole module):
 *  - an iterator's _next() hands out `const T *` pointing into the iterator; the struct and its strings stay
 *    valid until the next call on that iterator or its _free();
 *  - a `_get()` hands out a `T *` that is one allocation (struct and strings) released with its own _free();
 *  - strings returned as `char **` are released with mlops_free().
 * Info structs are never filled in by the caller, so fields can be appended in later minor versions.
 *
 * Threading: run handles, iterators and results work through the store handle they were created from (its one
 * database connection), so they and the store are used by one thread at a time; threads that log concurrently
 * open a store handle each. Any number of store handles, in one process or many, may log into the same store at
 * once: writes wait for each other (busy timeout of the store) and a metric flush that still finds the store
 * busy is retried, so MLOPS_EBUSY reaches the caller only when the store stayed locked for longer than the busy
 * timeout on every retry.
 *
 * Durability and the loss window: params, tags, notes, artifacts, inputs, status changes and the id-based calls
 * are committed before the call returns. Metric points are buffered in the run handle and committed by a flush
 * (one transaction per flush): when the buffer holds flush_points points (default 10,000), on the first log call
 * after flush_interval_ms (default 5,000 ms) since the oldest unflushed point, on mlops_run_flush(),
 * mlops_run_end() and mlops_run_free(). A crash of the process loses at most the points logged since the last
 * flush: at most flush_points points or flush_interval_ms of logging, whichever comes first (a process that stops
 * logging without flushing keeps its points in memory until flush/end/free). Under MLOPS_SYNC_NORMAL a committed
 * flush survives a process crash; a power loss may additionally lose the last commits (SQLite WAL, synchronous
 * NORMAL); MLOPS_SYNC_FULL makes each commit durable.
 *
 * Validation (as MLflow): param, metric and tag keys are 1..250 bytes of letters, digits, '_', '-', '.', ' ', '/'
 * (and non-ASCII UTF-8 letters), do not start with '/' and contain no ".." path segment; param values are at most
 * 6,000 bytes, tag values at most 8,000 bytes, all valid UTF-8. A bad key or value is MLOPS_EINVAL, nothing stored.
 *
 * Write rules: nothing is accepted by a deleted run. Params, metrics, artifacts and inputs are accepted through a
 * run handle until mlops_run_end() (a handle owns its run), and through the id-based calls while the run's status
 * is RUNNING or SCHEDULED; a finished run accepts them again after mlops_run_resume(). Tags and notes are
 * annotations, accepted for any run that is not deleted. A refused write is MLOPS_ECONFLICT with a message naming
 * the run and its state. Every mutation writes an audit row in its transaction (actions "experiment.create",
 * "experiment.rename", "experiment.delete", "experiment.restore", "experiment.tag.set", "experiment.tag.delete",
 * "run.start", "run.resume", "run.end", "run.delete", "run.restore", "run.purge", "param.log", "metric.flush"
 * (one row per flush, not per point), "metric.log" (mlops_runs_log_metric), "tag.set", "tag.delete", "artifact.log", "input.log", "runs.import").
 */
#ifndef MLOPS_RUNS_H
#define MLOPS_RUNS_H

#include "common.h"
#include "store.h"

MLOPS_BEGIN_DECLS

/* ======================================================================================================
 * Common types
 * ====================================================================================================== */

/* Run status (MLflow's RunStatus values). */
typedef enum mlops_run_status {
	MLOPS_RUN_RUNNING = 1,
	MLOPS_RUN_SCHEDULED = 2,
	MLOPS_RUN_FINISHED = 3,
	MLOPS_RUN_FAILED = 4,
	MLOPS_RUN_KILLED = 5
} mlops_run_status;

/* Which experiments or runs a listing returns (MLflow's ViewType values). */
typedef enum mlops_view_type {
	MLOPS_VIEW_ACTIVE_ONLY = 1,
	MLOPS_VIEW_DELETED_ONLY = 2,
	MLOPS_VIEW_ALL = 3
} mlops_view_type;

/* Return "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED", or "UNKNOWN" for another value.
 * Never fails, never NULL. */
MLOPS_API const char *mlops_run_status_name(int status);

/* Parse a status name (case-insensitive) into *out_status. Errors: MLOPS_EINVAL (unknown name). */
MLOPS_API int mlops_run_status_parse(int *out_status, const char *name);

/* Id of the experiment every store has (created with the store, named "Default", cannot be deleted). */
#define MLOPS_DEFAULT_EXPERIMENT_ID "0"

/* Buffer size for an experiment id (decimal int64 and a NUL). */
#define MLOPS_EXPERIMENT_ID_BUFSIZE 24

/* Run ids are 32 lowercase hex characters; a buffer holding one with its NUL. */
#define MLOPS_RUN_ID_BUFSIZE 33

/* System tags (MLflow names) set by the library at run start from the run options. */
#define MLOPS_TAG_RUN_NAME "mlflow.runName"
#define MLOPS_TAG_USER "mlflow.user"
#define MLOPS_TAG_PARENT_RUN_ID "mlflow.parentRunId"
#define MLOPS_TAG_SOURCE_NAME "mlflow.source.name"
#define MLOPS_TAG_SOURCE_TYPE "mlflow.source.type"
#define MLOPS_TAG_GIT_COMMIT "mlflow.source.git.commit"
#define MLOPS_TAG_GIT_BRANCH "mlflow.source.git.branch"
#define MLOPS_TAG_GIT_REPO_URL "mlflow.source.git.repoURL"
#define MLOPS_TAG_NOTE "mlflow.note.content"

/* A key and a value (a param, a tag). */
typedef struct mlops_runs_kv {
	const char *key;
	const char *value;
} mlops_runs_kv;

/* An iterator over key/value pairs (params, run tags, experiment tags), in key order. */
typedef struct mlops_runs_kv_iter mlops_runs_kv_iter;

/* Fetch the next pair. Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_runs_kv_next(const mlops_runs_kv **out, mlops_runs_kv_iter *iter);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_runs_kv_iter_free(mlops_runs_kv_iter *iter);

/* ======================================================================================================
 * Experiments
 * ====================================================================================================== */

typedef struct mlops_experiment_info {
	const char *experiment_id;     /* decimal string, "0" for Default */
	const char *name;
	const char *artifact_location; /* "" unless set at creation or by an import */
	int deleted;                   /* 1 when soft-deleted (MLflow lifecycle_stage "deleted") */
	int64_t creation_ms;
	int64_t last_update_ms;
	const mlops_runs_kv *tags;     /* n_tags experiment tags, in key order */
	size_t n_tags;
} mlops_experiment_info;

/*
 * Create an experiment and write its id into out_id (MLOPS_EXPERIMENT_ID_BUFSIZE bytes; may be NULL).
 * artifact_location may be NULL. Names are unique among all experiments, deleted ones included (as MLflow).
 * Errors: MLOPS_EINVAL (empty name, name over 500 bytes, invalid UTF-8), MLOPS_EEXISTS (name taken; the message
 * says when the holder is deleted), MLOPS_EREADONLY, MLOPS_EBUSY, MLOPS_EIO.
 */
MLOPS_API int mlops_experiment_create(char *out_id, mlops_store *store, const char *name,
                                      const char *artifact_location);

/* Get an experiment by id. Release with mlops_experiment_info_free().
 * Errors: MLOPS_EINVAL (not a decimal id), MLOPS_ENOTFOUND. */
MLOPS_API int mlops_experiment_get(mlops_experiment_info **out, mlops_store *store, const char *experiment_id);

/* Get an experiment by name (exact, case-sensitive). Errors: MLOPS_ENOTFOUND. */
MLOPS_API int mlops_experiment_get_by_name(mlops_experiment_info **out, mlops_store *store, const char *name);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_experiment_info_free(mlops_experiment_info *info);

#define MLOPS_EXPERIMENT_LIST_OPTIONS_VERSION 1

typedef struct mlops_experiment_list_options {
	unsigned int version;  /* MLOPS_EXPERIMENT_LIST_OPTIONS_VERSION */
	int view;              /* an mlops_view_type; 0 means MLOPS_VIEW_ACTIVE_ONLY */
	const char *name_like; /* SQL LIKE pattern on the name (case-sensitive), NULL for all */
} mlops_experiment_list_options;

#define MLOPS_EXPERIMENT_LIST_OPTIONS_INIT { .version = MLOPS_EXPERIMENT_LIST_OPTIONS_VERSION }

MLOPS_API int mlops_experiment_list_options_init(mlops_experiment_list_options *opts, unsigned int version);

typedef struct mlops_experiment_iter mlops_experiment_iter;

/* List experiments in id order. opts may be NULL. Errors: MLOPS_EVERSION, MLOPS_EINVAL (bad view). */
MLOPS_API int mlops_experiment_list(mlops_experiment_iter **out, mlops_store *store,
                                    const mlops_experiment_list_options *opts);

/* Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_experiment_next(const mlops_experiment_info **out, mlops_experiment_iter *iter);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_experiment_iter_free(mlops_experiment_iter *iter);

/* Rename. Errors: MLOPS_ENOTFOUND, MLOPS_EEXISTS (new name taken), MLOPS_EINVAL (bad name),
 * MLOPS_ECONFLICT (experiment deleted), MLOPS_EREADONLY. */
MLOPS_API int mlops_experiment_rename(mlops_store *store, const char *experiment_id, const char *new_name);

/* Set (create or replace) an experiment tag. Errors: MLOPS_ENOTFOUND, MLOPS_EINVAL (bad key or value),
 * MLOPS_ECONFLICT (experiment deleted), MLOPS_EREADONLY. */
MLOPS_API int mlops_experiment_set_tag(mlops_store *store, const char *experiment_id, const char *key,
                                       const char *value);

/* Delete an experiment tag. Errors: MLOPS_ENOTFOUND (experiment or tag), MLOPS_ECONFLICT, MLOPS_EREADONLY. */
MLOPS_API int mlops_experiment_delete_tag(mlops_store *store, const char *experiment_id, const char *key);

/*
 * Soft-delete an experiment: it leaves the active listings, and so do its active runs (as MLflow's SQL store);
 * mlops_experiment_restore() brings back the experiment and the runs its deletion hid (runs deleted on their
 * own stay deleted). Errors: MLOPS_ENOTFOUND, MLOPS_EINVAL (the Default experiment), MLOPS_ECONFLICT (already
 * deleted), MLOPS_EREADONLY.
 */
MLOPS_API int mlops_experiment_delete(mlops_store *store, const char *experiment_id);

/* Errors: MLOPS_ENOTFOUND, MLOPS_ECONFLICT (not deleted), MLOPS_EREADONLY. */
MLOPS_API int mlops_experiment_restore(mlops_store *store, const char *experiment_id);

/* ======================================================================================================
 * Runs: the logging handle
 * ====================================================================================================== */

typedef struct mlops_run mlops_run;

#define MLOPS_RUN_OPTIONS_VERSION 1

typedef struct mlops_run_options {
	unsigned int version;          /* MLOPS_RUN_OPTIONS_VERSION */
	const char *experiment_id;     /* NULL: experiment_name, else the Default experiment "0" */
	const char *experiment_name;   /* used when experiment_id is NULL; created when missing */
	const char *run_name;          /* NULL or "": generated, "<adjective>-<noun>-<NNN>" as MLflow */
	const char *parent_run_id;     /* nested run: the parent's id (must exist), or NULL */
	const char *const *tag_keys;   /* n_tags initial tags */
	const char *const *tag_values;
	size_t n_tags;
	const char *source_name;       /* tag mlflow.source.name (e.g. the script), or NULL */
	const char *source_type;       /* tag mlflow.source.type ("LOCAL", "JOB", ...), or NULL */
	const char *git_commit;        /* tag mlflow.source.git.commit, or NULL */
	const char *git_branch;        /* tag mlflow.source.git.branch, or NULL */
	const char *git_repo_url;      /* tag mlflow.source.git.repoURL, or NULL */
	int64_t start_ms;              /* 0: now */
	size_t flush_points;           /* buffered points that trigger a flush; 0: 10,000 */
	int64_t flush_interval_ms;     /* age of the oldest buffered point that triggers a flush at the next log
	                                  call; 0: 5,000; < 0: no age trigger */
} mlops_run_options;

#define MLOPS_RUN_OPTIONS_INIT { .version = MLOPS_RUN_OPTIONS_VERSION }

MLOPS_API int mlops_run_options_init(mlops_run_options *opts, unsigned int version);

/*
 * Start a run (status RUNNING) and return a handle for logging. opts may be NULL (Default experiment, generated
 * name). The run's tags mlflow.runName, mlflow.user (the store's actor), mlflow.parentRunId and mlflow.source.*
 * are set from the options. Errors: MLOPS_EVERSION, MLOPS_EINVAL (bad tag, bad id), MLOPS_ENOTFOUND (experiment
 * or parent run), MLOPS_ECONFLICT (experiment deleted), MLOPS_EREADONLY, MLOPS_EBUSY, MLOPS_EIO.
 */
MLOPS_API int mlops_run_start(mlops_run **out, mlops_store *store, const mlops_run_options *opts);

/*
 * Open a handle on an existing run to log into it again: the status becomes RUNNING and the end time is cleared
 * (as MLflow's start_run(run_id=...)); params may then be overwritten with MLOPS_PARAM_OVERWRITE.
 * Buffering uses the defaults of mlops_run_options. Errors: MLOPS_EINVAL (not a run id), MLOPS_ENOTFOUND,
 * MLOPS_ECONFLICT (run deleted), MLOPS_EREADONLY, MLOPS_EBUSY.
 */
MLOPS_API int mlops_run_resume(mlops_run **out, mlops_store *store, const char *run_id);

/* The run's id (32 lowercase hex). Never fails; valid until the handle is freed. */
MLOPS_API const char *mlops_run_id(const mlops_run *run);

/* The run's experiment id. Never fails; valid until the handle is freed. */
MLOPS_API const char *mlops_run_experiment_id(const mlops_run *run);

/* The run's name (given or generated). Never fails; valid until the handle is freed. */
MLOPS_API const char *mlops_run_name(const mlops_run *run);

/*
 * Log a param. Logging the value already stored is a no-op; another value is MLOPS_ECONFLICT
 * ("param 'lr' of run <id> already logged as '0.1', refusing '0.2'"). Errors: MLOPS_EINVAL (bad key/value),
 * MLOPS_ECONFLICT (other value, run deleted or finished), MLOPS_ENOTFOUND (run purged), MLOPS_EREADONLY.
 */
MLOPS_API int mlops_run_log_param(mlops_run *run, const char *key, const char *value);

/* Flags of mlops_run_log_param_ex(). */
#define MLOPS_PARAM_OVERWRITE 0x1u /* replace a stored value instead of refusing it (meant for resumed runs) */

/* mlops_run_log_param() with flags; an overwrite that changes the value records the old one in the audit row. */
MLOPS_API int mlops_run_log_param_ex(mlops_run *run, const char *key, const char *value, uint32_t flags);

/* Log n params at once, atomically: either all are stored or none (same rules as mlops_run_log_param()). */
MLOPS_API int mlops_run_log_params(mlops_run *run, const char *const *keys, const char *const *values, size_t n);

/*
 * Buffer one metric point. timestamp_ms 0 means now. NaN and +-Inf are stored as such. May flush (size or age
 * trigger); a failed flush returns its error and keeps the points buffered for the next attempt.
 * Errors: MLOPS_EINVAL (bad key), MLOPS_ECONFLICT (run deleted or finished), MLOPS_ENOMEM, or a flush error.
 */
MLOPS_API int mlops_run_log_metric(mlops_run *run, const char *key, double value, int64_t step,
                                   int64_t timestamp_ms);

/*
 * Buffer n points of possibly different keys: point i is (keys[i], values[i], steps[i], timestamps[i]).
 * steps NULL means step 0 for all; timestamps NULL (or an element 0) means now. All keys are validated before
 * any point is buffered.
 */
MLOPS_API int mlops_run_log_metrics(mlops_run *run, const char *const *keys, const double *values,
                                    const int64_t *steps, const int64_t *timestamps, size_t n);

/*
 * Buffer n points of one key (the numpy path): (values[i], steps[i], timestamps[i]). steps NULL means step i
 * for point i; timestamps NULL (or an element 0) means now. Same errors as mlops_run_log_metric().
 */
MLOPS_API int mlops_run_log_metric_series(mlops_run *run, const char *key, const double *values,
                                          const int64_t *steps, const int64_t *timestamps, size_t n);

/* Number of points buffered and not yet committed. Never fails. */
MLOPS_API size_t mlops_run_buffered(const mlops_run *run);

/*
 * Commit every buffered point in one transaction (history blocks, per-key summaries, one audit row), retried
 * while the store is busy. On failure the points stay buffered. Errors: MLOPS_ECONFLICT (run deleted meanwhile),
 * MLOPS_ENOTFOUND (run purged), MLOPS_EBUSY (locked past every retry), MLOPS_EREADONLY, MLOPS_ENOSPC, MLOPS_EIO.
 */
MLOPS_API int mlops_run_flush(mlops_run *run);

/* Set (create or replace) a run tag. Errors: MLOPS_EINVAL, MLOPS_ECONFLICT (run deleted), MLOPS_EREADONLY. */
MLOPS_API int mlops_run_set_tag(mlops_run *run, const char *key, const char *value);

/* Delete a run tag. Errors: MLOPS_ENOTFOUND (no such tag), MLOPS_ECONFLICT (run deleted), MLOPS_EREADONLY. */
MLOPS_API int mlops_run_delete_tag(mlops_run *run, const char *key);

/* Set the run's note (the tag mlflow.note.content, markdown text as in the MLflow UI; "" clears it). */
MLOPS_API int mlops_run_set_note(mlops_run *run, const char *text);

/*
 * Log a file or a directory as artifacts of the run. A file is stored as "<artifact_path>/<file name>"; a
 * directory is walked recursively and stored as "<artifact_path>/<dir name>/<relative path>" (artifact_path NULL
 * or "" means the run's artifact root). Content goes to the object store (deduplicated; chunked when large);
 * permission bits are kept. Logging a path again replaces its entry. Symbolic links are followed; other special
 * files are skipped. Errors: MLOPS_ENOTFOUND (local path), MLOPS_EINVAL (bad artifact path), MLOPS_ECONFLICT
 * (run deleted or finished), MLOPS_EIO, MLOPS_ENOSPC, MLOPS_EREADONLY.
 */
MLOPS_API int mlops_run_log_artifact(mlops_run *run, const char *local_path, const char *artifact_path);

/* Log the contents of a directory under artifact_path (MLflow's log_artifacts): "<artifact_path>/<relative>". */
MLOPS_API int mlops_run_log_artifacts(mlops_run *run, const char *local_dir, const char *artifact_path);

/* Log size bytes of memory as the artifact at path (MLflow's log_text/log_dict), mode 0644. */
MLOPS_API int mlops_run_log_artifact_data(mlops_run *run, const char *path, const void *data, size_t size);

/*
 * Record an input of the run: kind MLOPS_KIND_DATASET_VERSION or MLOPS_KIND_OBJECT (an object id, which gc then
 * keeps) and its id; context is free text such as "training" or "eval" (may be NULL). Adds the lineage edge
 * (kind, id) -> (MLOPS_KIND_RUN, run id) with relation "input". Logging the same input again updates the context.
 * Errors: MLOPS_EINVAL (unknown kind, malformed object id), MLOPS_ENOTFOUND (object not stored),
 * MLOPS_ECONFLICT (run deleted or finished), MLOPS_EREADONLY.
 */
MLOPS_API int mlops_run_log_input(mlops_run *run, const char *kind, const char *id, const char *context);

/*
 * Flush the buffered points, then set the status (MLOPS_RUN_FINISHED, _FAILED or _KILLED) and the end time.
 * The handle stays valid for reads and mlops_run_free(); further writes need mlops_run_resume(). If the flush
 * fails, the status is not changed and the points stay buffered. Errors: MLOPS_EINVAL (status not terminal),
 * MLOPS_ECONFLICT (run deleted), a flush error, MLOPS_EREADONLY.
 */
MLOPS_API int mlops_run_end(mlops_run *run, int status);

/*
 * Flush the buffered points (errors are recorded in mlops_error_last(), and the points are then lost: call
 * mlops_run_flush() or mlops_run_end() first to handle a failure) and release the handle. The run's status is
 * left as it is (a run freed without end stays RUNNING, as a crashed MLflow run). NULL is a no-op. Never fails.
 */
MLOPS_API void mlops_run_free(mlops_run *run);

/* ======================================================================================================
 * Runs: reading and changing by id (no handle needed)
 * ====================================================================================================== */

typedef struct mlops_run_info {
	const char *run_id;
	const char *experiment_id;
	const char *run_name;
	const char *user;          /* the actor that started the run */
	const char *parent_run_id; /* NULL for a top-level run */
	int status;                /* an mlops_run_status */
	int64_t start_ms;
	int64_t end_ms;            /* 0 while running */
	int deleted;               /* 1 when soft-deleted (itself or through its experiment) */
	int64_t deleted_ms;        /* 0 unless deleted */
} mlops_run_info;

/* Get a run's info. Release with mlops_run_info_free(). Errors: MLOPS_EINVAL (not a run id), MLOPS_ENOTFOUND. */
MLOPS_API int mlops_runs_get(mlops_run_info **out, mlops_store *store, const char *run_id);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_run_info_free(mlops_run_info *info);

#define MLOPS_RUN_LIST_OPTIONS_VERSION 1

typedef struct mlops_run_list_options {
	unsigned int version;                /* MLOPS_RUN_LIST_OPTIONS_VERSION */
	const char *const *experiment_ids;   /* n_experiment_ids experiments, or NULL for all */
	size_t n_experiment_ids;
	int view;                            /* an mlops_view_type; 0 means MLOPS_VIEW_ACTIVE_ONLY */
	const char *parent_run_id;           /* only the children of this run, or NULL */
	size_t limit;                        /* at most this many runs; 0 for all */
} mlops_run_list_options;

#define MLOPS_RUN_LIST_OPTIONS_INIT { .version = MLOPS_RUN_LIST_OPTIONS_VERSION }

MLOPS_API int mlops_run_list_options_init(mlops_run_list_options *opts, unsigned int version);

typedef struct mlops_run_iter mlops_run_iter;

/* List runs, newest start first (then run id). opts may be NULL. Filters, ordering on metrics and pagination
 * are mlops_runs_search()'s job. Errors: MLOPS_EVERSION, MLOPS_EINVAL (bad view or id). */
MLOPS_API int mlops_runs_list(mlops_run_iter **out, mlops_store *store, const mlops_run_list_options *opts);

/* Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_runs_next(const mlops_run_info **out, mlops_run_iter *iter);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_run_iter_free(mlops_run_iter *iter);

/* Iterate a run's params, in key order. Errors: MLOPS_EINVAL, MLOPS_ENOTFOUND (run). */
MLOPS_API int mlops_runs_params(mlops_runs_kv_iter **out, mlops_store *store, const char *run_id);

/* Get one param's value (release with mlops_free()). Errors: MLOPS_ENOTFOUND (run or param). */
MLOPS_API int mlops_runs_param_get(char **out_value, mlops_store *store, const char *run_id, const char *key);

/* Iterate a run's tags (system tags included), in key order. Errors: MLOPS_EINVAL, MLOPS_ENOTFOUND (run). */
MLOPS_API int mlops_runs_tags(mlops_runs_kv_iter **out, mlops_store *store, const char *run_id);

/* Iterate an experiment's tags, in key order. Errors: MLOPS_EINVAL, MLOPS_ENOTFOUND (experiment). */
MLOPS_API int mlops_experiment_tags(mlops_runs_kv_iter **out, mlops_store *store, const char *experiment_id);

/* Set / delete a run tag by id (MlflowClient.set_tag / delete_tag); same rules as mlops_run_set_tag(). */
MLOPS_API int mlops_runs_set_tag(mlops_store *store, const char *run_id, const char *key, const char *value);
MLOPS_API int mlops_runs_delete_tag(mlops_store *store, const char *run_id, const char *key);

/* Log a param by id (MlflowClient.log_param); same rules as mlops_run_log_param_ex() (flags). */
MLOPS_API int mlops_runs_log_param(mlops_store *store, const char *run_id, const char *key, const char *value,
                                   uint32_t flags);

/* Log one metric point by id, committed before return (MlflowClient.log_metric); unbuffered, so use a handle
 * for many points. Same rules as mlops_run_log_metric(). */
MLOPS_API int mlops_runs_log_metric(mlops_store *store, const char *run_id, const char *key, double value,
                                    int64_t step, int64_t timestamp_ms);

#define MLOPS_RUN_BATCH_VERSION 1

/* Metrics, params and tags for mlops_runs_log_batch(); arrays may be NULL when their count is 0. */
typedef struct mlops_run_batch {
	unsigned int version;               /* MLOPS_RUN_BATCH_VERSION */
	const char *const *metric_keys;     /* n_metrics points: (key, value, step, timestamp) */
	const double *metric_values;
	const int64_t *metric_steps;        /* NULL: step 0 for all */
	const int64_t *metric_timestamps;   /* NULL (or an element 0): now */
	size_t n_metrics;
	const char *const *param_keys;      /* n_params params (write-once rule; MLOPS_PARAM_OVERWRITE in flags) */
	const char *const *param_values;
	size_t n_params;
	const char *const *tag_keys;        /* n_tags tags */
	const char *const *tag_values;
	size_t n_tags;
	uint32_t flags;                     /* MLOPS_PARAM_OVERWRITE */
} mlops_run_batch;

#define MLOPS_RUN_BATCH_INIT { .version = MLOPS_RUN_BATCH_VERSION }

MLOPS_API int mlops_run_batch_init(mlops_run_batch *batch, unsigned int version);

/*
 * Log metrics, params and tags by id in one transaction (MlflowClient.log_batch): everything is validated first and
 * either all of it is stored or nothing. Metric points of one key become one history block. Same rules as the
 * single calls (a batch with metrics or params needs a RUNNING or SCHEDULED run). Errors: MLOPS_EVERSION,
 * MLOPS_EINVAL (a bad key or value, NULL arrays), MLOPS_ENOTFOUND, MLOPS_ECONFLICT (a param logged with another
 * value, run deleted or finished), MLOPS_EREADONLY, MLOPS_EBUSY.
 */
MLOPS_API int mlops_runs_log_batch(mlops_store *store, const char *run_id, const mlops_run_batch *batch);

/*
 * Set a run's status and end time by id (MlflowClient.set_terminated). end_ms 0 means now. A run handle open
 * elsewhere still flushes its points into the run (a handle owns its run until mlops_run_end()).
 * Errors: MLOPS_EINVAL (status), MLOPS_ENOTFOUND, MLOPS_ECONFLICT (deleted), MLOPS_EREADONLY.
 */
MLOPS_API int mlops_runs_set_terminated(mlops_store *store, const char *run_id, int status, int64_t end_ms);

/* Soft-delete a run (it leaves the active listings and refuses writes). Errors: MLOPS_ENOTFOUND,
 * MLOPS_ECONFLICT (already deleted), MLOPS_EREADONLY. */
MLOPS_API int mlops_runs_delete(mlops_store *store, const char *run_id);

/* Restore a soft-deleted run. Errors: MLOPS_ENOTFOUND, MLOPS_ECONFLICT (not deleted, or its experiment is
 * deleted: restore the experiment), MLOPS_EREADONLY. */
MLOPS_API int mlops_runs_restore(mlops_store *store, const char *run_id);

/*
 * Permanently remove soft-deleted runs with everything they own (params, metrics, tags, artifact entries,
 * inputs) (MLflow's `mlflow gc`). run_id NULL means every deleted run whose deletion is older than
 * older_than_ms milliseconds (0: all deleted runs); a given run_id must be deleted. The objects of their
 * artifacts are then unreferenced and mlops_store_gc() removes them. *out_purged (may be NULL) gets the count.
 * Errors: MLOPS_EINVAL (negative older_than_ms, malformed id), MLOPS_ENOTFOUND, MLOPS_ECONFLICT (the given run
 * is not deleted), MLOPS_EREADONLY.
 */
MLOPS_API int mlops_runs_purge(uint64_t *out_purged, mlops_store *store, const char *run_id,
                               int64_t older_than_ms);

/* ======================================================================================================
 * Metrics: summaries and history
 * ====================================================================================================== */

/*
 * Summary of one (run, key), maintained at every flush so that reading it never touches the history.
 * last: the point with the largest (step, timestamp, value) where NaN compares as MLflow's SQL store does (a NaN
 * value ranks as 0 for the tie-break; a later point with an equal triple does not replace the stored one).
 * min/max ignore NaN (they are NaN when every value is NaN); +-Inf count as values.
 */
typedef struct mlops_metric_summary {
	const char *key;
	double last;
	int64_t last_step;
	int64_t last_timestamp_ms;
	double min;
	double max;
	uint64_t count;        /* points logged, NaN included */
	int64_t first_step;    /* smallest step */
	int64_t max_step;      /* largest step (== last_step) */
} mlops_metric_summary;

typedef struct mlops_metric_iter mlops_metric_iter;

/* Iterate a run's metric summaries in key order. Errors: MLOPS_EINVAL, MLOPS_ENOTFOUND (run). */
MLOPS_API int mlops_runs_metrics(mlops_metric_iter **out, mlops_store *store, const char *run_id);

/* Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_metric_next(const mlops_metric_summary **out, mlops_metric_iter *iter);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_metric_iter_free(mlops_metric_iter *iter);

/* Get one summary; release with mlops_metric_summary_free(). Errors: MLOPS_EINVAL, MLOPS_ENOTFOUND (run or
 * metric). */
MLOPS_API int mlops_runs_metric_get(mlops_metric_summary **out, mlops_store *store, const char *run_id,
                                    const char *key);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_metric_summary_free(mlops_metric_summary *summary);

#define MLOPS_HISTORY_OPTIONS_VERSION 1

typedef struct mlops_history_options {
	unsigned int version;  /* MLOPS_HISTORY_OPTIONS_VERSION */
	int64_t step_min;      /* first step of the range (inclusive); INIT: INT64_MIN */
	int64_t step_max;      /* last step of the range (inclusive); INIT: INT64_MAX */
	size_t max_points;     /* 0: every point; else downsample to at most max_points (>= 2) points */
} mlops_history_options;

#define MLOPS_HISTORY_OPTIONS_INIT { .version = MLOPS_HISTORY_OPTIONS_VERSION, .step_min = INT64_MIN, \
                                     .step_max = INT64_MAX }

MLOPS_API int mlops_history_options_init(mlops_history_options *opts, unsigned int version);

/* A metric history read into C arrays. */
typedef struct mlops_metric_history mlops_metric_history;

/*
 * Read the points of (run, key) with step_min <= step <= step_max, ordered by (step, timestamp, logging order).
 * Only the stored blocks overlapping the range are read. With max_points, the range of steps present is cut
 * into max_points / 2 buckets of equal step width and each bucket contributes its point of minimum value and its
 * point of maximum value (one point when they coincide; NaN points only when a bucket holds nothing else), in
 * step order, so the extremes of the curve survive. NaN and +-Inf are returned as stored. Buffered points of an
 * open handle are not visible until flushed. opts may be NULL (every point).
 * Errors: MLOPS_EINVAL (bad key, max_points 1, step_min > step_max), MLOPS_ENOTFOUND (run; an unknown key gives
 * an empty history), MLOPS_ECORRUPT (a damaged block), MLOPS_EVERSION.
 */
MLOPS_API int mlops_runs_metric_history(mlops_metric_history **out, mlops_store *store, const char *run_id,
                                        const char *key, const mlops_history_options *opts);

/* Number of points. Never fails. */
MLOPS_API size_t mlops_metric_history_count(const mlops_metric_history *h);

/* Arrays of mlops_metric_history_count() elements (NULL when the count is 0), valid until the history is freed.
 * Never fail. */
MLOPS_API const int64_t *mlops_metric_history_steps(const mlops_metric_history *h);
MLOPS_API const int64_t *mlops_metric_history_timestamps(const mlops_metric_history *h);
MLOPS_API const double *mlops_metric_history_values(const mlops_metric_history *h);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_metric_history_free(mlops_metric_history *h);

/* ======================================================================================================
 * Artifacts and inputs (by run id)
 * ====================================================================================================== */

typedef struct mlops_artifact_info {
	const char *path;      /* relative to the run's artifact root, '/'-separated */
	const char *object_id; /* 32 hex, usable with mlops_object_* */
	uint64_t size;
	uint32_t mode;         /* permission bits (e.g. 0644, 0755) */
	int64_t created_ms;
} mlops_artifact_info;

typedef struct mlops_artifact_iter mlops_artifact_iter;

/* Iterate a run's artifacts in path order; prefix (NULL for all) selects a path or a directory ("model" matches
 * "model" and "model/..." but not "models"). Errors: MLOPS_EINVAL, MLOPS_ENOTFOUND (run). */
MLOPS_API int mlops_runs_artifacts(mlops_artifact_iter **out, mlops_store *store, const char *run_id,
                                   const char *prefix);

/* Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_artifact_next(const mlops_artifact_info **out, mlops_artifact_iter *iter);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_artifact_iter_free(mlops_artifact_iter *iter);

/*
 * Restore artifacts to local files: artifact_path naming one artifact is written to dest_path; naming a directory
 * (or NULL/"" for all) writes every artifact under it to dest_path/<path below it>, creating directories. Each
 * file is written atomically (temporary file, rename) with its mode. Errors: MLOPS_ENOTFOUND (run, or nothing at
 * artifact_path), MLOPS_ECORRUPT, MLOPS_EIO, MLOPS_ENOSPC.
 */
MLOPS_API int mlops_runs_artifact_restore(mlops_store *store, const char *run_id, const char *artifact_path,
                                          const char *dest_path);

/* Open one artifact as a stream (a verified object reader; free with mlops_object_reader_free()).
 * Errors: MLOPS_ENOTFOUND (run or artifact), MLOPS_ECORRUPT. */
MLOPS_API int mlops_runs_artifact_open(mlops_object_reader **out, mlops_store *store, const char *run_id,
                                       const char *artifact_path);

typedef struct mlops_run_input {
	const char *kind;      /* MLOPS_KIND_DATASET_VERSION, MLOPS_KIND_OBJECT */
	const char *id;
	const char *context;   /* NULL when none */
	int64_t created_ms;
} mlops_run_input;

typedef struct mlops_input_iter mlops_input_iter;

/* Iterate a run's inputs in logging order. Errors: MLOPS_EINVAL, MLOPS_ENOTFOUND (run). */
MLOPS_API int mlops_runs_inputs(mlops_input_iter **out, mlops_store *store, const char *run_id);

/* Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_input_next(const mlops_run_input **out, mlops_input_iter *iter);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_input_iter_free(mlops_input_iter *iter);

/* ======================================================================================================
 * Search
 * ====================================================================================================== */

/* Flags of mlops_run_search_options.flags: leave a part out of the rows. */
#define MLOPS_SEARCH_NO_PARAMS 0x1u
#define MLOPS_SEARCH_NO_METRICS 0x2u
#define MLOPS_SEARCH_NO_TAGS 0x4u

#define MLOPS_RUN_SEARCH_OPTIONS_VERSION 1

typedef struct mlops_run_search_options {
	unsigned int version;                /* MLOPS_RUN_SEARCH_OPTIONS_VERSION */
	const char *const *experiment_ids;   /* n_experiment_ids experiments, or NULL for all */
	size_t n_experiment_ids;
	const char *filter;                  /* MLflow filter grammar plus OR, NOT, parentheses and metric aggregates
	                                        (metrics.loss.min < 0.2, .max, .last); NULL or "" for all runs */
	const char *const *order_by;         /* n_order_by items such as "metrics.acc DESC", "attributes.start_time";
	                                        default: start_time DESC, then run_id */
	size_t n_order_by;
	int view;                            /* an mlops_view_type; 0 means MLOPS_VIEW_ACTIVE_ONLY */
	size_t max_results;                  /* page size; 0: 1,000; at most 50,000 (as MLflow) */
	const char *page_token;              /* from mlops_run_search_next_page_token(), or NULL for the first page */
	const char *const *param_keys;       /* projection: only these params in the rows (NULL: all) */
	size_t n_param_keys;
	const char *const *metric_keys;      /* projection: only these metrics (NULL: all) */
	size_t n_metric_keys;
	const char *const *tag_keys;         /* projection: only these tags (NULL: all) */
	size_t n_tag_keys;
	uint32_t flags;                      /* MLOPS_SEARCH_* */
} mlops_run_search_options;

#define MLOPS_RUN_SEARCH_OPTIONS_INIT { .version = MLOPS_RUN_SEARCH_OPTIONS_VERSION }

MLOPS_API int mlops_run_search_options_init(mlops_run_search_options *opts, unsigned int version);

/* One run of a search (or compare) result: its info and the projected params, metric summaries and tags. */
typedef struct mlops_run_row {
	const mlops_run_info *info;
	const mlops_runs_kv *params;            /* n_params, key order */
	size_t n_params;
	const mlops_metric_summary *metrics;    /* n_metrics, key order */
	size_t n_metrics;
	const mlops_runs_kv *tags;              /* n_tags, key order */
	size_t n_tags;
} mlops_run_row;

/* One page of search results. */
typedef struct mlops_run_search mlops_run_search;

/*
 * Run a search. Every value of the filter is bound as a parameter, never pasted into SQL. A run lacking a key the
 * filter compares never matches (not even with !=). order_by: missing values sort last, NaN after numbers, in both
 * directions. Errors: MLOPS_EPARSE (bad filter or order_by: the message quotes it and points at the offending
 * position), MLOPS_EINVAL (bad page token, max_results over 50,000, bad view), MLOPS_EVERSION.
 */
MLOPS_API int mlops_runs_search(mlops_run_search **out, mlops_store *store, const mlops_run_search_options *opts);

/* Fetch the next row of the page. Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_run_search_next(const mlops_run_row **out, mlops_run_search *search);

/* The opaque token of the next page, or NULL when this page is the last. Never fails; valid until freed. */
MLOPS_API const char *mlops_run_search_next_page_token(const mlops_run_search *search);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_run_search_free(mlops_run_search *search);

/* ======================================================================================================
 * Compare: params and metrics of N runs side by side
 * ====================================================================================================== */

/* Which summary value a metric column shows. */
typedef enum mlops_metric_field {
	MLOPS_METRIC_LAST = 0,
	MLOPS_METRIC_MIN = 1,
	MLOPS_METRIC_MAX = 2
} mlops_metric_field;

/* Flags of mlops_run_compare_options.flags. */
#define MLOPS_COMPARE_ONLY_DIFFERENT 0x1u /* drop columns whose value is the same in every run */

#define MLOPS_RUN_COMPARE_OPTIONS_VERSION 1

typedef struct mlops_run_compare_options {
	unsigned int version;             /* MLOPS_RUN_COMPARE_OPTIONS_VERSION */
	const char *const *param_keys;    /* columns: these params (NULL: the union of the runs' params) */
	size_t n_param_keys;
	const char *const *metric_keys;   /* columns: these metrics (NULL: the union of the runs' metrics) */
	size_t n_metric_keys;
	int metric_field;                 /* an mlops_metric_field */
	uint32_t flags;                   /* MLOPS_COMPARE_* */
} mlops_run_compare_options;

#define MLOPS_RUN_COMPARE_OPTIONS_INIT { .version = MLOPS_RUN_COMPARE_OPTIONS_VERSION }

MLOPS_API int mlops_run_compare_options_init(mlops_run_compare_options *opts, unsigned int version);

/* A column of a comparison. */
typedef enum mlops_compare_kind {
	MLOPS_COMPARE_PARAM = 1,
	MLOPS_COMPARE_METRIC = 2
} mlops_compare_kind;

typedef struct mlops_compare_column {
	int kind;          /* an mlops_compare_kind */
	const char *key;
} mlops_compare_column;

typedef struct mlops_compare_cell {
	int present;       /* 0 when the run lacks the key */
	const char *text;  /* the param value, or the metric formatted so that strtod gives it back; NULL if absent */
	double number;     /* the metric value (NaN for a param or when absent) */
} mlops_compare_cell;

typedef struct mlops_run_compare mlops_run_compare;

/* Compare n runs (rows in the order given). Errors: MLOPS_EINVAL (n == 0, bad id), MLOPS_ENOTFOUND (a run). */
MLOPS_API int mlops_runs_compare(mlops_run_compare **out, mlops_store *store, const char *const *run_ids,
                                 size_t n, const mlops_run_compare_options *opts);

/* Number of runs (rows) / columns. Never fail. */
MLOPS_API size_t mlops_run_compare_n_runs(const mlops_run_compare *cmp);
MLOPS_API size_t mlops_run_compare_n_columns(const mlops_run_compare *cmp);

/* Info of row i. Errors: MLOPS_EINVAL (i out of range). */
MLOPS_API int mlops_run_compare_run(const mlops_run_info **out, const mlops_run_compare *cmp, size_t i);

/* Column j. Errors: MLOPS_EINVAL (j out of range). */
MLOPS_API int mlops_run_compare_column(const mlops_compare_column **out, const mlops_run_compare *cmp, size_t j);

/* Cell (row i, column j). Errors: MLOPS_EINVAL (out of range). */
MLOPS_API int mlops_run_compare_cell(const mlops_compare_cell **out, const mlops_run_compare *cmp, size_t i,
                                     size_t j);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_run_compare_free(mlops_run_compare *cmp);

/* ======================================================================================================
 * MLflow interop: the mlruns/ file-store layout
 * ====================================================================================================== */

/* Flags of mlops_mlflow_options.flags. */
#define MLOPS_MLFLOW_NO_ARTIFACTS 0x1u   /* export/import metadata only */
#define MLOPS_MLFLOW_SKIP_EXISTING 0x2u  /* import: skip runs whose id is already stored instead of failing */

#define MLOPS_MLFLOW_OPTIONS_VERSION 1

typedef struct mlops_mlflow_options {
	unsigned int version;               /* MLOPS_MLFLOW_OPTIONS_VERSION */
	const char *const *experiment_ids;  /* export: these experiments (NULL: all); import: ignored */
	size_t n_experiment_ids;
	int view;                           /* export: an mlops_view_type; 0 means MLOPS_VIEW_ALL */
	uint32_t flags;                     /* MLOPS_MLFLOW_* */
} mlops_mlflow_options;

#define MLOPS_MLFLOW_OPTIONS_INIT { .version = MLOPS_MLFLOW_OPTIONS_VERSION }

MLOPS_API int mlops_mlflow_options_init(mlops_mlflow_options *opts, unsigned int version);

#define MLOPS_MLFLOW_STATS_VERSION 1

typedef struct mlops_mlflow_stats {
	unsigned int version;     /* set by the caller to MLOPS_MLFLOW_STATS_VERSION */
	uint64_t experiments;
	uint64_t runs;
	uint64_t runs_skipped;    /* import with MLOPS_MLFLOW_SKIP_EXISTING */
	uint64_t params;
	uint64_t tags;
	uint64_t metric_points;
	uint64_t artifacts;
	uint64_t artifact_bytes;
} mlops_mlflow_stats;

#define MLOPS_MLFLOW_STATS_INIT { .version = MLOPS_MLFLOW_STATS_VERSION }

/*
 * Write experiments and their runs to dir in MLflow's mlruns/ layout (<exp_id>/meta.yaml,
 * <exp_id>/<run_id>/{meta.yaml, params/, metrics/ ("<ts_ms> <value> <step>" lines), tags/, artifacts/}), which
 * MLflow's file store reads. dir is created when missing; existing experiment directories are refused.
 * out and opts may be NULL. Errors: MLOPS_EEXISTS (an experiment directory exists), MLOPS_ENOTFOUND (an
 * experiment), MLOPS_EIO, MLOPS_ENOSPC, MLOPS_ECORRUPT (an artifact object), MLOPS_EVERSION.
 */
MLOPS_API int mlops_runs_export_mlflow(mlops_mlflow_stats *out, mlops_store *store, const char *dir,
                                       const mlops_mlflow_options *opts);

/*
 * Import an mlruns/ directory written by MLflow (or by mlops_runs_export_mlflow): experiments (matched by name,
 * created when missing), runs with their ids, names, status, times, lifecycle, params, metrics with steps and
 * timestamps, tags and artifacts. Each run is imported in one transaction. Errors: MLOPS_ENOTFOUND (dir),
 * MLOPS_EPARSE (a malformed meta.yaml or metric line: the message names the file and line), MLOPS_EEXISTS (a run
 * id already stored, without MLOPS_MLFLOW_SKIP_EXISTING), MLOPS_EIO, MLOPS_EREADONLY, MLOPS_EVERSION.
 */
MLOPS_API int mlops_runs_import_mlflow(mlops_mlflow_stats *out, mlops_store *store, const char *dir,
                                       const mlops_mlflow_options *opts);

MLOPS_END_DECLS

#endif
