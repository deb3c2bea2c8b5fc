/*
 * libmlops: the store handle, content-addressed objects, lineage and the audit log.
 *
 * A store is a directory (default: "<dir>/mlops.db" for metadata plus "<dir>/objects/" for blobs),
 * a single SQLite file (backend "sqlite"), or a throw-away in-memory store (path ":memory:").
 *
 * Threading: a handle (store, reader, writer, iterator) is used by one thread at a time. Any number of
 * handles may be open on one store, in one process or many. Functions that take no handle
 * (mlops_error_last, mlops_version_*, mlops_*_options_init, mlops_backend_register) are thread-safe.
 */
#ifndef MLOPS_STORE_H
#define MLOPS_STORE_H

#include "common.h"

MLOPS_BEGIN_DECLS

typedef struct mlops_store mlops_store;
struct mlops_backend;

/* Flags of mlops_store_options.flags. */
#define MLOPS_STORE_READONLY 0x1u   /* refuse every write with MLOPS_EREADONLY */
#define MLOPS_STORE_MUST_EXIST 0x2u /* fail with MLOPS_ENOTFOUND instead of creating a new store */

/* Durability of writes (mlops_store_options.sync). */
typedef enum mlops_sync_mode {
	MLOPS_SYNC_NORMAL = 0, /* objects and metadata are durable when a call that commits them returns; batched syncs */
	MLOPS_SYNC_FULL = 1,   /* every object file and its directory are fsynced one by one as they are written */
	MLOPS_SYNC_OFF = 2     /* no fsync at all: fast, survives a process crash but not a power loss */
} mlops_sync_mode;

#define MLOPS_STORE_OPTIONS_VERSION 1

typedef struct mlops_store_options {
	unsigned int version;      /* MLOPS_STORE_OPTIONS_VERSION */
	const char *backend;       /* "fs" (default for a directory), "memory" (default for ":memory:"), "sqlite"
	                              (one file holding metadata and blobs) or a name given to mlops_backend_register() */
	const char *actor;         /* name written to the audit log; NULL: $MLOPS_ACTOR, then $USER, then "unknown" */
	uint32_t flags;            /* MLOPS_STORE_* flags */
	int compression_level;     /* zstd level 1..19 for new objects; 0 means the default (3) */
	int sync;                  /* an mlops_sync_mode */
	int busy_timeout_ms;       /* how long to wait for another writer; 0 means the default (30000) */
	struct mlops_backend *backend_instance; /* a ready blob backend to use instead of `backend`; on success the
	                                          store owns it and frees it with the store */
} mlops_store_options;

#define MLOPS_STORE_OPTIONS_INIT { .version = MLOPS_STORE_OPTIONS_VERSION }

/* Initialize opts with the defaults of the given version. Fails with MLOPS_EVERSION for an unknown version. */
MLOPS_API int mlops_store_options_init(mlops_store_options *opts, unsigned int version);

/*
 * Open the store at path, creating it unless MLOPS_STORE_MUST_EXIST is set. opts may be NULL for the defaults.
 * Runs pending format migrations in one transaction; two processes opening a new store at once both succeed.
 * Errors: MLOPS_ENOTFOUND (missing and MUST_EXIST), MLOPS_EVERSION (store newer than the library, or bad opts
 * version), MLOPS_EREADONLY (read-only open of a store that needs a migration), MLOPS_ECORRUPT, MLOPS_EIO.
 */
MLOPS_API int mlops_store_open(mlops_store **out, const char *path, const mlops_store_options *opts);

/* Close the store. Handles created from it stay usable until they are freed. NULL is a no-op. */
MLOPS_API void mlops_store_free(mlops_store *store);

/* Return the path the store was opened with. Never fails; valid while the store is open. */
MLOPS_API const char *mlops_store_path(const mlops_store *store);

#define MLOPS_STORE_INFO_VERSION 1

typedef struct mlops_store_info {
	unsigned int version;      /* set by the caller to MLOPS_STORE_INFO_VERSION */
	int format_version;        /* on-disk format version of the store (PRAGMA user_version) */
	uint64_t object_count;     /* blobs held by the backend (chunks, small objects and manifests) */
	uint64_t object_bytes;     /* bytes the blobs take in the backend (compressed, with headers) */
	uint64_t metadata_bytes;   /* size of the metadata database */
	uint64_t pin_count;        /* objects pinned by name */
	uint64_t lineage_edges;    /* rows of the lineage table */
	uint64_t audit_rows;       /* rows of the audit log */
} mlops_store_info;

#define MLOPS_STORE_INFO_INIT { .version = MLOPS_STORE_INFO_VERSION }

/* Fill *out (whose version the caller set) with counts and sizes. */
MLOPS_API int mlops_store_info_get(mlops_store_info *out, mlops_store *store);

#define MLOPS_VERIFY_STATS_VERSION 1

typedef struct mlops_verify_stats {
	unsigned int version;      /* set by the caller to MLOPS_VERIFY_STATS_VERSION */
	uint64_t objects_checked;  /* blobs read back and re-hashed */
	uint64_t bytes_checked;    /* uncompressed bytes re-hashed */
	uint64_t objects_corrupt;  /* blobs whose content does not match their id or whose header is bad */
	uint64_t objects_missing;  /* objects referenced by metadata (or by a manifest) but absent */
	uint64_t metadata_errors;  /* problems reported by SQLite's integrity_check and foreign_key_check */
} mlops_verify_stats;

#define MLOPS_VERIFY_STATS_INIT { .version = MLOPS_VERIFY_STATS_VERSION }

/*
 * Check the whole store without modifying it: SQLite integrity_check and foreign_key_check, every blob re-hashed,
 * every referenced object present. Returns 0 when the check ran (even if it found problems: look at *out);
 * a store with problems also gets a JSON report in *out_report when out_report is not NULL:
 * [{"kind":"corrupt"|"missing"|"metadata","object":"<id or table>","message":"..."}], released with mlops_free();
 * damage in the blob backend itself (a damaged pack index of the fs backend) is a "corrupt" entry with object
 * "objects", and the objects it held are then reported as missing.
 * *out_report is NULL when nothing was found.
 */
MLOPS_API int mlops_store_verify(mlops_verify_stats *out, char **out_report, mlops_store *store);

#define MLOPS_GC_OPTIONS_VERSION 1

typedef struct mlops_gc_options {
	unsigned int version;   /* MLOPS_GC_OPTIONS_VERSION */
	int dry_run;            /* count what would be removed, remove nothing */
	int64_t grace_seconds;  /* keep unreferenced blobs younger than this (writes of other processes that have not
	                           committed their metadata yet); < 0 means the default (3600), 0 means no grace */
} mlops_gc_options;

#define MLOPS_GC_OPTIONS_INIT { .version = MLOPS_GC_OPTIONS_VERSION, .grace_seconds = -1 }

MLOPS_API int mlops_gc_options_init(mlops_gc_options *opts, unsigned int version);

#define MLOPS_GC_STATS_VERSION 1

typedef struct mlops_gc_stats {
	unsigned int version;      /* set by the caller to MLOPS_GC_STATS_VERSION */
	uint64_t objects_kept;
	uint64_t objects_removed;  /* or, with dry_run, that would be removed */
	uint64_t bytes_removed;
	uint64_t objects_young;    /* unreferenced but kept for the grace period */
} mlops_gc_stats;

#define MLOPS_GC_STATS_INIT { .version = MLOPS_GC_STATS_VERSION }

/*
 * Remove blobs that no metadata references: marks from every root (pins, dataset versions, run artifacts, ...),
 * following manifests to their chunks, then sweeps. Safe while other processes write: blobs younger than the
 * grace period are kept. opts may be NULL for the defaults.
 */
MLOPS_API int mlops_store_gc(mlops_gc_stats *out, mlops_store *store, const mlops_gc_options *opts);

/* ---- Objects: content-addressed, compressed, verified on every read ---- */

/*
 * Store size bytes and write the object id (32 lowercase hex characters and a NUL) into out_id, which must hold
 * MLOPS_OID_BUFSIZE bytes. Content of 64 KiB or more is split into chunks that are stored once however many
 * objects share them. Storing existing content again is cheap and succeeds.
 */
MLOPS_API int mlops_object_put(char *out_id, mlops_store *store, const void *data, size_t size);

/* Store the content of the file at path (streamed; any size). */
MLOPS_API int mlops_object_put_file(char *out_id, mlops_store *store, const char *path);

/*
 * Read a whole object into memory: *out_data (release with mlops_free(); never NULL, even for 0 bytes) and *out_size.
 * Errors: MLOPS_ENOTFOUND, MLOPS_ECORRUPT (content does not match the id; no bytes are returned), MLOPS_EINVAL (bad id).
 */
MLOPS_API int mlops_object_get(void **out_data, size_t *out_size, mlops_store *store, const char *id);

/* Write an object to the file at path atomically (temporary file, fsync, rename); streamed, any size. */
MLOPS_API int mlops_object_get_file(mlops_store *store, const char *id, const char *path);

/* Set *out_exists to 1 when the object is stored (and all its chunks are present), else 0. */
MLOPS_API int mlops_object_exists(int *out_exists, mlops_store *store, const char *id);

/* Set *out_size to the uncompressed size of the object. */
MLOPS_API int mlops_object_size(uint64_t *out_size, mlops_store *store, const char *id);

/* A streaming reader over one object. Every chunk is verified before any of its bytes are returned. */
typedef struct mlops_object_reader mlops_object_reader;

MLOPS_API int mlops_object_reader_open(mlops_object_reader **out, mlops_store *store, const char *id);

/* Read up to cap bytes into buf; *out_read is 0 at the end of the object. */
MLOPS_API int mlops_object_reader_read(size_t *out_read, mlops_object_reader *reader, void *buf, size_t cap);

/* Move the read position to offset (0 <= offset <= size). */
MLOPS_API int mlops_object_reader_seek(mlops_object_reader *reader, uint64_t offset);

/* Return the uncompressed size of the object. Never fails. */
MLOPS_API uint64_t mlops_object_reader_size(const mlops_object_reader *reader);

MLOPS_API void mlops_object_reader_free(mlops_object_reader *reader);

/* A streaming writer: bytes are chunked and stored as they arrive, in constant memory. */
typedef struct mlops_object_writer mlops_object_writer;

MLOPS_API int mlops_object_writer_open(mlops_object_writer **out, mlops_store *store);

MLOPS_API int mlops_object_writer_write(mlops_object_writer *writer, const void *data, size_t size);

/* Finish the object, make it durable and write its id into out_id (MLOPS_OID_BUFSIZE bytes). The writer
 * accepts no more bytes afterwards; free it with mlops_object_writer_free(). */
MLOPS_API int mlops_object_writer_commit(char *out_id, mlops_object_writer *writer);

/* Free the writer; an uncommitted object is abandoned (its chunks become garbage for gc). NULL is a no-op. */
MLOPS_API void mlops_object_writer_free(mlops_object_writer *writer);

/* Pin an object under a name so that gc keeps it (replaces an existing pin of that name). */
MLOPS_API int mlops_object_pin(mlops_store *store, const char *name, const char *id);

/* Remove a pin. Errors: MLOPS_ENOTFOUND. */
MLOPS_API int mlops_object_unpin(mlops_store *store, const char *name);

/* Write the id pinned under name into out_id (MLOPS_OID_BUFSIZE bytes). Errors: MLOPS_ENOTFOUND. */
MLOPS_API int mlops_object_pin_get(char *out_id, mlops_store *store, const char *name);

/* ---- Lineage: typed edges between things the store knows ---- */

/* Node kinds used by the library; callers may use their own kinds too. */
#define MLOPS_KIND_OBJECT "object"
#define MLOPS_KIND_DATASET_VERSION "dataset_version"
#define MLOPS_KIND_RUN "run"
#define MLOPS_KIND_MODEL_VERSION "model_version"

/*
 * Record that (from_kind, from_id) relates to (to_kind, to_id), e.g. dataset_version -> run with relation "input".
 * Adding an edge that exists already succeeds without a second row.
 */
MLOPS_API int mlops_lineage_add(mlops_store *store, const char *from_kind, const char *from_id,
                                const char *to_kind, const char *to_id, const char *relation);

typedef enum mlops_lineage_direction {
	MLOPS_LINEAGE_DOWNSTREAM = 0, /* edges leaving the node */
	MLOPS_LINEAGE_UPSTREAM = 1    /* edges arriving at the node */
} mlops_lineage_direction;

typedef struct mlops_lineage_edge {
	const char *from_kind;
	const char *from_id;
	const char *to_kind;
	const char *to_id;
	const char *relation;
	int64_t created_ms;
	int depth;               /* 1 for a direct edge of the start node, 2 for the next hop, ... */
} mlops_lineage_edge;

typedef struct mlops_lineage_iter mlops_lineage_iter;

/* Walk edges from a node in one direction, breadth first, up to max_depth hops (0 = unlimited; cycles are cut). */
MLOPS_API int mlops_lineage_walk(mlops_lineage_iter **out, mlops_store *store, const char *kind, const char *id,
                                 int direction, int max_depth);

/* Fetch the next edge; its strings stay valid until the next call on the iterator. Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_lineage_next(mlops_lineage_edge *out, mlops_lineage_iter *iter);

MLOPS_API void mlops_lineage_iter_free(mlops_lineage_iter *iter);

/* ---- Audit log: every mutating call of the store, datasets, runs and registry writes one row ---- */

typedef struct mlops_audit_entry {
	int64_t id;
	int64_t time_ms;
	const char *actor;
	const char *action;      /* e.g. "object.pin", "dataset.commit", "run.start" */
	const char *object_kind;
	const char *object_id;
	const char *detail;      /* JSON text, "{}" when there is nothing more */
} mlops_audit_entry;

typedef struct mlops_audit_iter mlops_audit_iter;

/* Iterate audit rows with time_ms >= since_ms, oldest first. */
MLOPS_API int mlops_audit_iter_new(mlops_audit_iter **out, mlops_store *store, int64_t since_ms);

/* Fetch the next row; its strings stay valid until the next call on the iterator. Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_audit_next(mlops_audit_entry *out, mlops_audit_iter *iter);

MLOPS_API void mlops_audit_iter_free(mlops_audit_iter *iter);

MLOPS_END_DECLS

#endif
