/*
 * Internals shared by the versions side of the datasets module: names and specs, tree manifests, directory
 * walking, the stat cache and working-directory heads, the pool that hashes and stores files, version rows,
 * and the profile lookup the tabular side uses. Not installed; never included outside src/datasets.
 */
#ifndef MLOPS_DATASETS_DS_INT_H
#define MLOPS_DATASETS_DS_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "mlops/datasets.h"
#include "store/store.h"

/* ---- names.c: validation ---- */

#define DS_NAME_MAX 200
#define DS_REF_MAX 100

/* MLOPS_EINVAL with a message naming the problem, else 0. */
int mlops_datasets__check_name(const char *name);
int mlops_datasets__check_refname(const char *ref, const char *what);
/* A relative manifest path (see datasets.h). */
int mlops_datasets__check_path(const char *path, size_t n);
/* True when the dataset-name part of a spec (before '@', or all of it) names no dataset syntax error:
 * used to tell "name" from "<prefix>". */
bool mlops_datasets__is_hex(const char *s, size_t n);

/* ---- manifest.c: tree manifests ---- */

typedef struct ds_entry {
	const char *path;      /* NUL-terminated */
	uint64_t size;
	uint32_t mode;
	mlops_oid oid;
} ds_entry;

typedef struct ds_manifest {
	ds_entry *entries;     /* sorted by path (strcmp), unique */
	size_t count;
	bool is_file;          /* committed from a single file */
	char *arena;           /* owns the path strings */
} ds_manifest;

/* Encode (entries must be sorted and unique); *out is malloc'd. */
int mlops_datasets__manifest_encode(uint8_t **out, size_t *out_n, const ds_entry *entries, size_t count,
                                    bool is_file);
/* Decode and check (sorted, unique, valid paths); id names the object in messages. */
int mlops_datasets__manifest_decode(ds_manifest *m, const uint8_t *data, size_t n, const char *id);
/* Load the manifest object of a version from the object store. */
int mlops_datasets__manifest_load(ds_manifest *m, mlops_store *store, const char *manifest_hex);
void mlops_datasets__manifest_free(ds_manifest *m);
/* Binary search by path; NULL when absent. */
const ds_entry *mlops_datasets__manifest_find(const ds_manifest *m, const char *path);
uint64_t mlops_datasets__manifest_bytes(const ds_manifest *m);

/* ---- walk.c: directory walking ---- */

typedef struct ds_file {
	char *path;            /* relative, malloc'd */
	uint64_t size;
	uint32_t mode;         /* st_mode (type and permission bits) */
	int64_t mtime_ns;
	int64_t ctime_ns;
	uint64_t ino;
	mlops_oid oid;         /* set once known */
	int state;             /* DS_FILE_* */
} ds_file;

#define DS_FILE_UNKNOWN 0  /* content id not known yet */
#define DS_FILE_CACHED 1   /* oid from a trusted stat cache entry */
#define DS_FILE_READ 2     /* oid computed by reading the file now */

typedef struct ds_walk {
	ds_file *files;        /* sorted by path */
	size_t count;
	size_t cap;
	char *root;            /* the directory walked (as given) */
	bool single;           /* root was a file: one entry, path = its base name */
} ds_walk;

typedef struct ds_ignore {
	const char *const *patterns;
	size_t count;
} ds_ignore;

/* Default ignore patterns when the caller gives none. */
void mlops_datasets__ignore_init(ds_ignore *ig, const char *const *patterns, size_t n);
bool mlops_datasets__ignored(const ds_ignore *ig, const char *name);

/* Walk path (a directory, or a file giving one entry). Special files are MLOPS_EINVAL. */
int mlops_datasets__walk(ds_walk *w, const char *path, const ds_ignore *ig);
void mlops_datasets__walk_free(ds_walk *w);
/* Fill a ds_file from an lstat of full (path not touched). */
void mlops_datasets__file_from_stat(ds_file *f, const struct stat *st);
/* Absolute, symlink-free form of a directory (realpath); malloc'd. */
int mlops_datasets__realdir(char **out, const char *dir);

/* Hash the content of a file (or a link's target text) as an object id, without storing it. */
int mlops_datasets__hash_file(mlops_oid *out, uint64_t *out_size, const char *full, uint32_t mode);

/* ---- statcache.c: stat cache and heads of working directories ---- */

#define DS_RACY_WINDOW_NS 2000000000LL

typedef struct ds_cache_row {
	char *path;
	uint64_t size;
	int64_t mtime_ns;
	int64_t ctime_ns;
	uint64_t ino;
	uint32_t mode;
	mlops_oid oid;
	int64_t cached_ns;
} ds_cache_row;

typedef struct ds_cache {
	int64_t wid;           /* 0 when the directory is unknown */
	int64_t head_vid;      /* 0 when none */
	ds_cache_row *rows;    /* sorted by path */
	size_t count;
} ds_cache;

/* Load the cache and head of root (realpath form). Runs in its own read transaction unless one is open. */
int mlops_datasets__cache_load(ds_cache *c, mlops_store *store, const char *root);
void mlops_datasets__cache_free(ds_cache *c);
/* Whether a row vouches for the file as it is now (stat equal and not racy). */
bool mlops_datasets__cache_trusted(const ds_cache_row *r, const ds_file *f);
/* Find a row by path (binary search); NULL when absent. */
const ds_cache_row *mlops_datasets__cache_find(const ds_cache *c, const char *path);
/* Inside the caller's write transaction: the wid of root (created when missing). */
int mlops_datasets__workdir_id(int64_t *out_wid, mlops_store *store, const char *root);
/* Inside a write transaction: upsert the rows of files with state DS_FILE_READ (cached_ns as given), and
 * delete the rows of the n_stale paths in stale (rows of files that are gone). */
int mlops_datasets__cache_write(mlops_store *store, int64_t wid, const ds_file *files, size_t n,
                                int64_t cached_ns, const char *const *stale, size_t n_stale);
/* Inside a write transaction: set the head (vid 0 clears it). */
int mlops_datasets__head_set(mlops_store *store, int64_t wid, int64_t vid);

/* ---- hashpool.c: reading and storing files with worker threads ---- */

/* Store the files of idx[0..n) (relative to root) into the store's object database, setting their oid and
 * state DS_FILE_READ; threads as in the commit options. The backend is flushed once at the end.
 * *out_bytes gets the bytes read. */
int mlops_datasets__store_files(mlops_store *store, const char *root, bool single, ds_file *files,
                                const size_t *idx, size_t n, int threads, uint64_t *out_bytes);
/* Hash (without storing) the files of idx[0..n). */
int mlops_datasets__hash_files(const char *root, bool single, ds_file *files, const size_t *idx, size_t n,
                               int threads, uint64_t *out_bytes);
/* Full path of a walked file: root + "/" + path, or root itself for a single-file walk. malloc'd. */
char *mlops_datasets__full_path(const char *root, bool single, const char *path);

/* ---- versions.c: version rows ---- */

typedef struct ds_version {
	int64_t vid;
	int64_t did;
	char version_id[MLOPS_OID_BUFSIZE];
	char manifest_id[MLOPS_OID_BUFSIZE];
	char *dataset;
	int64_t seq;
	bool is_file;
	uint64_t file_count;
	uint64_t total_bytes;
	char *message;
	char *metadata;
	char *author;
	int64_t created_ms;
	char *run_id;
} ds_version;

void mlops_datasets__version_clear(ds_version *v);
/* Load a version row by public id or by vid (id NULL). MLOPS_ENOTFOUND when absent. */
int mlops_datasets__version_load(ds_version *v, mlops_store *store, const char *version_id, int64_t vid);
/* Resolve a spec and load the version. */
int mlops_datasets__version_resolve(ds_version *v, mlops_store *store, const char *spec);
/* Dataset id by name (0 when absent). */
int mlops_datasets__dataset_id(int64_t *out_did, mlops_store *store, const char *name);
/* Build a public info struct (one allocation) for a loaded version (parents and tags read from the db). */
int mlops_datasets__info_build(mlops_dataset_version_info **out, mlops_store *store, const ds_version *v);

/* Run a read transaction around fn unless one is open. */
int mlops_datasets__begin_read(mlops_store *store, bool *out_began);
void mlops_datasets__end_read(mlops_store *store, bool began);

/* ---- profiles (versions.c): for the tabular side ---- */

/* The stored profile of a tabular content (oid hex, format "csv"/"jsonl"): any out may be NULL; strings are
 * malloc'd (NULL when absent). *out_found is 0 when the content has no profile. */
int mlops_datasets__profile_lookup(int *out_found, int64_t *out_rows, char **out_schema_json,
                                   char **out_stats_json, char **out_error, mlops_store *store, const char *oid,
                                   const char *format);

/* ---- blobcopy.c ---- */

/* Copy the blobs of object id (its chunks first, then its own blob) from src to dst through the backends, as
 * stored; blobs present in dst are skipped (a present top blob means its chunks are there). */
int mlops_datasets__copy_object(mlops_odb *src, mlops_odb *dst, const mlops_oid *id, uint64_t *blobs_copied,
                                uint64_t *bytes_copied, uint64_t *blobs_present);
/* A new object database over a lock-wrapped view of odb's backend (same compression level and sync), for a
 * worker thread; its flushes are deferred to mlops_datasets__odb_flush_deferred(). */
typedef struct ds_shared_backend ds_shared_backend;
int mlops_datasets__shared_new(ds_shared_backend **out, mlops_odb *odb);
int mlops_datasets__shared_odb(mlops_odb **out, ds_shared_backend *s);
int mlops_datasets__shared_flush(ds_shared_backend *s);
void mlops_datasets__shared_free(ds_shared_backend *s);

#endif
