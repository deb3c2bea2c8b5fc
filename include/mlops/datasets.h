/*
 * libmlops: versioned datasets. A dataset is a name; a version is an immutable snapshot of one file or of a
 * directory tree (relative paths, sizes, modes, content ids) whose files live in the content-addressed object
 * store, so that content unchanged between versions (and between datasets) is stored once, down to the chunks
 * of large files. Versions carry a message, free-form metadata (a JSON object), parent versions, the actor that
 * committed them and, when given, the run that produced them (lineage).
 *
 * Version specs (the `spec` argument of many calls), resolved by mlops_dataset_resolve():
 *   "name"            the latest version of the dataset (the one with the highest sequence number);
 *   "name@latest"     the same;
 *   "name@v3"         the version with sequence number 3 (sequence numbers count the versions of a dataset in
 *                     this store, from 1; a version received by push/pull gets the next number of the receiving
 *                     store, so numbers are local, version ids are global);
 *   "name@<tag>"      a tag (fixed) or a ref (movable) of the dataset;
 *   "name@<prefix>"   a version of the dataset whose id starts with <prefix> (4..32 hex characters);
 *   "<prefix>"        a version of any dataset whose id starts with <prefix>, when no dataset has that name.
 * Resolution order after '@': "latest", "v<N>", tags and refs, then id prefixes (a tag or ref that looks like
 * hex shadows the prefix). An ambiguous prefix is MLOPS_EINVAL with the candidates in the message.
 *
 * Names: a dataset name is 1..200 bytes of ASCII letters, digits, '_', '-', '.', '/', starting with a letter
 * or digit, without "//", a trailing '/', a "." or ".." segment, or '@'. Tag and ref names are 1..100 bytes of
 * letters, digits, '_', '-', '.', start with a letter or digit, are not "latest", not "v" followed by digits
 * only; a name is either a tag or a ref of a dataset, never both.
 *
 * Paths inside a version are relative, '/'-separated, valid UTF-8 without control characters, with no empty,
 * "." or ".." segment (absolute paths, "a//b", "../x" and NUL are refused with MLOPS_EINVAL naming the path).
 * Regular files keep their permission bits. Symbolic links are stored as links (the target text is the
 * content, never followed) and checked out as links; other special files (fifos, sockets, devices) are refused
 * with MLOPS_EINVAL. Directories are implied by the files they hold (an empty directory is not recorded).
 *
 * Working directories: commit, checkout and status keep, in the store's metadata, a stat cache per directory
 * (path, size, mtime, ctime, inode, mode -> content id) so that unchanged files are not read again (as git's
 * index), and the version last committed from or checked out into each directory (its "head"). A cache entry is
 * trusted only when the file's mtime is at least 2 seconds older than the moment the entry was recorded (the
 * racy-git rule), so a file rewritten within the timestamp granularity of the cache write is always re-read.
 *
 * Ownership of returned information (one rule for the whole module):
 *  - an iterator's _next() hands out `const T *` pointing into the iterator; the struct and its strings stay
 *    valid until the next call on that iterator or its _free();
 *  - a `_get()` hands out a `T *` released with its own _free();
 *  - strings returned as `char **` are released with mlops_free().
 *
 * Threading: handles (store, iterators, file readers) are used by one thread at a time. A commit may use worker
 * threads of its own (mlops_dataset_commit_options.threads); they use the caller's store only through the
 * backend, serialized, and are joined before the call returns.
 *
 * Audit actions written by this module, each in the transaction of its change: "dataset.commit",
 * "dataset.tag", "dataset.untag", "dataset.ref.set", "dataset.ref.delete", "dataset.checkout", "dataset.delete",
 * "dataset.push" (in the receiving store of a push), "dataset.pull" (in the receiving store of a pull).
 * Lineage edges: (dataset_version parent) -> (dataset_version child) relation "parent";
 * (run) -> (dataset_version) relation "produced".
 * Garbage collection (mlops_store_gc) keeps every object a version references: its manifest and its files.
 */
#ifndef MLOPS_DATASETS_H
#define MLOPS_DATASETS_H

#include "common.h"
#include "store.h"

MLOPS_BEGIN_DECLS

/* Version ids are 32 lowercase hex characters; a buffer holding one with its NUL. */
#define MLOPS_DATASET_VERSION_ID_BUFSIZE 33

/* How a path differs between two versions, or between a directory and a version. */
typedef enum mlops_dataset_change {
	MLOPS_DATASET_ADDED = 1,     /* present on the new side (or the directory) only */
	MLOPS_DATASET_DELETED = 2,   /* present on the old side (or the version) only */
	MLOPS_DATASET_MODIFIED = 3,  /* present on both sides with other content or another mode */
	MLOPS_DATASET_UNCHANGED = 4  /* same content and mode */
} mlops_dataset_change;

/* Return "added", "deleted", "modified", "unchanged", or "unknown" for another value. Never fails, never NULL. */
MLOPS_API const char *mlops_dataset_change_name(int change);

/* ======================================================================================================
 * Commit
 * ====================================================================================================== */

/* Flags of mlops_dataset_commit_options.flags. */
#define MLOPS_DATASET_COMMIT_ROOT 0x1u        /* no parent, even if the dataset has versions */
#define MLOPS_DATASET_COMMIT_ALWAYS 0x2u      /* create a version even when the content equals the parent's */
#define MLOPS_DATASET_COMMIT_NO_PROFILE 0x4u  /* do not profile tabular files (CSV, JSON Lines) */
#define MLOPS_DATASET_COMMIT_NO_CACHE 0x8u    /* read every file, ignoring (but refreshing) the stat cache */

#define MLOPS_DATASET_COMMIT_OPTIONS_VERSION 1

typedef struct mlops_dataset_commit_options {
	unsigned int version;         /* MLOPS_DATASET_COMMIT_OPTIONS_VERSION */
	const char *message;          /* NULL: "" */
	const char *metadata_json;    /* a JSON object, or NULL for {} */
	const char *const *parents;   /* n_parents version specs; none: the dataset's latest version, if any */
	size_t n_parents;
	const char *run_id;           /* the run that produced the data (32 hex), or NULL */
	const char *const *ignore;    /* n_ignore glob patterns (fnmatch) matched against each path component;
	                                 ignore NULL: the defaults ".mlops", ".git", ".dvc", ".DS_Store" */
	size_t n_ignore;
	int threads;                  /* worker threads hashing and storing changed files; 0: the number of
	                                 online CPUs, at most 4; 1: none */
	uint32_t flags;               /* MLOPS_DATASET_COMMIT_* */
} mlops_dataset_commit_options;

#define MLOPS_DATASET_COMMIT_OPTIONS_INIT { .version = MLOPS_DATASET_COMMIT_OPTIONS_VERSION }

MLOPS_API int mlops_dataset_commit_options_init(mlops_dataset_commit_options *opts, unsigned int version);

#define MLOPS_DATASET_COMMIT_STATS_VERSION 1

typedef struct mlops_dataset_commit_stats {
	unsigned int version;    /* set by the caller to MLOPS_DATASET_COMMIT_STATS_VERSION */
	int created;             /* 1: a new version; 0: the content equals the parent's and the parent is returned */
	int64_t seq;             /* sequence number of the returned version */
	uint64_t files;          /* entries of the version */
	uint64_t bytes;          /* sum of their sizes */
	uint64_t files_read;     /* files read and stored because the stat cache could not vouch for them */
	uint64_t bytes_read;
	uint64_t files_profiled; /* tabular files profiled (not found profiled by content already) */
} mlops_dataset_commit_stats;

#define MLOPS_DATASET_COMMIT_STATS_INIT { .version = MLOPS_DATASET_COMMIT_STATS_VERSION }

/*
 * Commit the file or directory at path as a new version of the dataset `name` (created on first commit) and
 * write the version id into out_version_id (MLOPS_DATASET_VERSION_ID_BUFSIZE bytes; may be NULL). out_stats may
 * be NULL; opts may be NULL for the defaults.
 *
 * A directory is walked recursively (ignored names skipped, symbolic links stored as links); a file gives a
 * one-entry version whose path is the file's name. Changed files are read once, chunked and stored before the
 * metadata transaction, which then writes the version row (the next sequence number), its parents, the lineage
 * edges, the audit row, the profiles of tabular files (schema, statistics, row count; a file that does not parse
 * gets its error recorded instead and the commit still succeeds) and the stat cache of the directory, and
 * records the version as the directory's head.
 *
 * When the resulting tree equals the tree of the first parent (by default the latest version) and
 * MLOPS_DATASET_COMMIT_ALWAYS is not set, no version is created: the parent's id is returned and
 * out_stats->created is 0 (the stat cache and the head are still refreshed).
 *
 * The version id is the XXH128 of a canonical text of the version (dataset name, manifest id, parents, run,
 * author, time, message, metadata; docs/format.md "Datasets"), so it is derived from the manifest id and unique.
 * Errors: MLOPS_EVERSION (opts or stats version), MLOPS_EINVAL (bad name, bad metadata JSON, bad run id, a path
 * that cannot be stored, a special file), MLOPS_ENOTFOUND (path, a parent spec), MLOPS_EREADONLY, MLOPS_EBUSY,
 * MLOPS_EIO, MLOPS_ENOSPC, MLOPS_ENOMEM. On error nothing is recorded (objects already stored are left for gc).
 */
MLOPS_API int mlops_dataset_commit(char *out_version_id, mlops_dataset_commit_stats *out_stats,
                                   mlops_store *store, const char *name, const char *path,
                                   const mlops_dataset_commit_options *opts);

/* ======================================================================================================
 * Versions: resolve, show, log, files
 * ====================================================================================================== */

/*
 * Resolve a version spec (see the top of this header) into a version id written into out_version_id
 * (MLOPS_DATASET_VERSION_ID_BUFSIZE bytes). Errors: MLOPS_EINVAL (malformed spec, ambiguous prefix: the message
 * lists the candidates), MLOPS_ENOTFOUND (no such dataset, version, tag or ref).
 */
MLOPS_API int mlops_dataset_resolve(char *out_version_id, mlops_store *store, const char *spec);

typedef struct mlops_dataset_version_info {
	const char *version_id;
	const char *dataset;
	int64_t seq;                  /* sequence number in this store (name@v<seq>) */
	const char *manifest_id;      /* object id of the tree manifest */
	int is_file;                  /* 1: committed from a single file; 0: from a directory */
	uint64_t file_count;
	uint64_t total_bytes;
	const char *message;          /* "" when none */
	const char *metadata_json;    /* "{}" when none */
	const char *author;           /* the store's actor at commit time */
	int64_t created_ms;
	const char *run_id;           /* NULL when not given */
	const char *const *parents;   /* n_parents parent version ids, first parent first */
	size_t n_parents;
	const char *const *tags;      /* n_tags tag names pointing at this version, sorted */
	size_t n_tags;
} mlops_dataset_version_info;

/* Get a version. Release with mlops_dataset_version_info_free(). Errors: as mlops_dataset_resolve(). */
MLOPS_API int mlops_dataset_version_get(mlops_dataset_version_info **out, mlops_store *store, const char *spec);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_dataset_version_info_free(mlops_dataset_version_info *info);

typedef struct mlops_dataset_version_iter mlops_dataset_version_iter;

/*
 * Iterate versions, newest first. spec "name" (no '@'): every version of the dataset by descending sequence
 * number; a spec naming one version ("name@...", an id prefix): that version and its ancestors (all parents,
 * breadth first by descending creation time; a parent absent from this store, e.g. not pushed, ends its branch).
 * limit 0 means no limit. Errors: as mlops_dataset_resolve().
 */
MLOPS_API int mlops_dataset_log(mlops_dataset_version_iter **out, mlops_store *store, const char *spec,
                                size_t limit);

/* Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_dataset_log_next(const mlops_dataset_version_info **out, mlops_dataset_version_iter *iter);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_dataset_version_iter_free(mlops_dataset_version_iter *iter);

typedef struct mlops_dataset_info {
	const char *name;
	int64_t created_ms;            /* first commit */
	int64_t versions;              /* number of versions in this store */
	const char *latest_version_id;
	int64_t latest_seq;
	int64_t latest_created_ms;
} mlops_dataset_info;

typedef struct mlops_dataset_iter mlops_dataset_iter;

/* Iterate the datasets of the store in name order. Errors: MLOPS_EIO, MLOPS_ENOMEM. */
MLOPS_API int mlops_dataset_list(mlops_dataset_iter **out, mlops_store *store);

/* Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_dataset_list_next(const mlops_dataset_info **out, mlops_dataset_iter *iter);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_dataset_iter_free(mlops_dataset_iter *iter);

typedef struct mlops_dataset_file {
	const char *path;          /* relative, '/'-separated */
	uint64_t size;
	uint32_t mode;             /* POSIX st_mode: S_IFREG | permission bits, or S_IFLNK | 0777 */
	const char *object_id;     /* content id in the object store */
	const char *format;        /* "csv", "jsonl" for tabular files, else NULL */
	int64_t rows;              /* data rows of a profiled tabular file, else -1 */
	const char *profile_error; /* why profiling failed (e.g. "line 7: unterminated quote"), else NULL */
} mlops_dataset_file;

typedef struct mlops_dataset_file_iter mlops_dataset_file_iter;

/* Iterate the files of a version in path order (byte order). Errors: as mlops_dataset_resolve(), MLOPS_ECORRUPT
 * (manifest damaged). */
MLOPS_API int mlops_dataset_files(mlops_dataset_file_iter **out, mlops_store *store, const char *spec);

/* Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_dataset_files_next(const mlops_dataset_file **out, mlops_dataset_file_iter *iter);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_dataset_file_iter_free(mlops_dataset_file_iter *iter);

/*
 * Delete the dataset `name` with all its versions, tags and refs, in one transaction. Working directories whose
 * head was one of its versions lose their head. The objects the versions referenced become garbage for
 * mlops_store_gc() unless another version, a run, a model or a pin references them. Lineage edges and audit rows
 * stay (they are history); an audit row "dataset.delete" records the deletion.
 * Errors: MLOPS_EINVAL (bad name), MLOPS_ENOTFOUND (no such dataset), MLOPS_EREADONLY, MLOPS_EBUSY.
 */
MLOPS_API int mlops_dataset_delete(mlops_store *store, const char *name);

/* ======================================================================================================
 * Tags and refs
 * ====================================================================================================== */

/*
 * Tag the version spec names with `tag` (in the version's dataset). Tags are fixed: tagging again the same
 * version is a no-op, another version is MLOPS_EEXISTS (delete the tag first). Errors: MLOPS_EINVAL (bad tag
 * name), MLOPS_EEXISTS (tag on another version, or a ref of that name), errors of mlops_dataset_resolve(),
 * MLOPS_EREADONLY, MLOPS_EBUSY.
 */
MLOPS_API int mlops_dataset_tag(mlops_store *store, const char *spec, const char *tag);

/* Delete a tag of a dataset. Errors: MLOPS_EINVAL (bad names), MLOPS_ENOTFOUND (no such tag), MLOPS_EREADONLY. */
MLOPS_API int mlops_dataset_untag(mlops_store *store, const char *dataset, const char *tag);

/*
 * Point the ref `ref` of the version's dataset at the version spec names, creating or moving it.
 * Errors: MLOPS_EINVAL (bad ref name), MLOPS_EEXISTS (a tag of that name), errors of mlops_dataset_resolve(),
 * MLOPS_EREADONLY, MLOPS_EBUSY.
 */
MLOPS_API int mlops_dataset_ref_set(mlops_store *store, const char *spec, const char *ref);

/* Delete a ref. Errors: MLOPS_EINVAL (bad names), MLOPS_ENOTFOUND (no such ref), MLOPS_EREADONLY. */
MLOPS_API int mlops_dataset_ref_delete(mlops_store *store, const char *dataset, const char *ref);

typedef struct mlops_dataset_ref {
	const char *name;
	int is_tag;              /* 1: a tag (fixed); 0: a ref (movable) */
	const char *version_id;
	int64_t seq;
	int64_t updated_ms;
} mlops_dataset_ref;

typedef struct mlops_dataset_ref_iter mlops_dataset_ref_iter;

/* Iterate the tags and refs of a dataset in name order. Errors: MLOPS_EINVAL (bad name), MLOPS_ENOTFOUND. */
MLOPS_API int mlops_dataset_refs(mlops_dataset_ref_iter **out, mlops_store *store, const char *dataset);

/* Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_dataset_refs_next(const mlops_dataset_ref **out, mlops_dataset_ref_iter *iter);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_dataset_ref_iter_free(mlops_dataset_ref_iter *iter);

/* ======================================================================================================
 * Diff between two versions
 * ====================================================================================================== */

typedef struct mlops_dataset_diff_entry {
	const char *path;
	int change;                /* MLOPS_DATASET_ADDED, _DELETED or _MODIFIED */
	uint64_t old_size;         /* 0 when added */
	uint64_t new_size;         /* 0 when deleted */
	uint32_t old_mode;         /* 0 when added */
	uint32_t new_mode;         /* 0 when deleted */
	const char *old_id;        /* NULL when added */
	const char *new_id;        /* NULL when deleted */
	int64_t old_rows;          /* row count of a profiled tabular file, else -1 */
	int64_t new_rows;
	const char *schema_change; /* for a modified tabular file whose schema changed: JSON
	                              {"added":[{"name":..,"type":..}],"removed":[{"name":..,"type":..}],
	                               "type_changed":[{"name":..,"from":..,"to":..}],
	                               "nullability_changed":[{"name":..,"from":..,"to":..}]}; else NULL */
} mlops_dataset_diff_entry;

typedef struct mlops_dataset_diff mlops_dataset_diff;

/*
 * Compare two versions (any datasets) path by path: the paths that differ, in path order. Unchanged paths are
 * not listed. Errors: as mlops_dataset_resolve(), MLOPS_ECORRUPT (manifest damaged).
 */
MLOPS_API int mlops_dataset_diff_new(mlops_dataset_diff **out, mlops_store *store, const char *old_spec,
                                     const char *new_spec);

/* Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_dataset_diff_next(const mlops_dataset_diff_entry **out, mlops_dataset_diff *diff);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_dataset_diff_free(mlops_dataset_diff *diff);

/* ======================================================================================================
 * Working directories: checkout and status
 * ====================================================================================================== */

/* Flags of mlops_dataset_checkout_options.flags. */
#define MLOPS_DATASET_CHECKOUT_FORCE 0x1u /* overwrite local modifications */

#define MLOPS_DATASET_CHECKOUT_OPTIONS_VERSION 1

typedef struct mlops_dataset_checkout_options {
	unsigned int version;  /* MLOPS_DATASET_CHECKOUT_OPTIONS_VERSION */
	uint32_t flags;        /* MLOPS_DATASET_CHECKOUT_* */
} mlops_dataset_checkout_options;

#define MLOPS_DATASET_CHECKOUT_OPTIONS_INIT { .version = MLOPS_DATASET_CHECKOUT_OPTIONS_VERSION }

MLOPS_API int mlops_dataset_checkout_options_init(mlops_dataset_checkout_options *opts, unsigned int version);

#define MLOPS_DATASET_CHECKOUT_STATS_VERSION 1

typedef struct mlops_dataset_checkout_stats {
	unsigned int version;        /* set by the caller to MLOPS_DATASET_CHECKOUT_STATS_VERSION */
	uint64_t files_written;      /* files created or replaced */
	uint64_t bytes_written;
	uint64_t files_unchanged;    /* already had the right content and mode */
	uint64_t files_removed;      /* in the directory's previous version, not in the new one, unmodified */
	uint64_t files_kept;         /* in the previous version, not in the new one, locally modified: left alone */
} mlops_dataset_checkout_stats;

#define MLOPS_DATASET_CHECKOUT_STATS_INIT { .version = MLOPS_DATASET_CHECKOUT_STATS_VERSION }

/*
 * Check out the version spec names into the directory dir (created when missing). Each file is written to a
 * temporary name in its directory, given its mode, synced (unless the store's sync mode is OFF) and renamed
 * over the old one, so a file is always either its old or its new content. Files that already hold the right
 * content are not rewritten.
 *
 * Local modifications: a file the checkout would replace whose content differs both from the version being
 * checked out and from the directory's head version (the version last committed from or checked out into dir;
 * with no head, any existing file of other content) makes the whole checkout fail with MLOPS_ECONFLICT before
 * anything is written (the message lists up to 10 such paths), unless MLOPS_DATASET_CHECKOUT_FORCE is set.
 * Files of the head version absent from the new one are removed when unmodified and left in place otherwise
 * (also when forced); files the head version does not know are never touched. Empty directories left by removed
 * files are removed. Afterwards the version is the directory's head and the stat cache knows every file written.
 * A symbolic link in the directory where the version needs a parent directory is MLOPS_ECONFLICT (never
 * followed). Errors: errors of mlops_dataset_resolve(), MLOPS_EVERSION, MLOPS_ECONFLICT, MLOPS_EINVAL (dir
 * empty), MLOPS_ECORRUPT (stored data failed verification; the file being written is not replaced),
 * MLOPS_EIO, MLOPS_ENOSPC, MLOPS_EREADONLY (the stat cache cannot be recorded in a read-only store).
 * After an I/O error some files may be of the new version and others of the old one; the head is not moved,
 * and running the checkout again completes it.
 */
MLOPS_API int mlops_dataset_checkout(mlops_dataset_checkout_stats *out_stats, mlops_store *store,
                                     const char *spec, const char *dir,
                                     const mlops_dataset_checkout_options *opts);

/* Flags of mlops_dataset_status_options.flags. */
#define MLOPS_DATASET_STATUS_UNCHANGED 0x1u  /* also list unchanged files */
#define MLOPS_DATASET_STATUS_NO_CACHE 0x2u   /* read every file, ignoring the stat cache */
#define MLOPS_DATASET_STATUS_NO_UPDATE 0x4u  /* do not write the entries of re-read files into the stat cache */

#define MLOPS_DATASET_STATUS_OPTIONS_VERSION 1

typedef struct mlops_dataset_status_options {
	unsigned int version;        /* MLOPS_DATASET_STATUS_OPTIONS_VERSION */
	const char *const *ignore;   /* as mlops_dataset_commit_options.ignore */
	size_t n_ignore;
	uint32_t flags;              /* MLOPS_DATASET_STATUS_* */
} mlops_dataset_status_options;

#define MLOPS_DATASET_STATUS_OPTIONS_INIT { .version = MLOPS_DATASET_STATUS_OPTIONS_VERSION }

MLOPS_API int mlops_dataset_status_options_init(mlops_dataset_status_options *opts, unsigned int version);

#define MLOPS_DATASET_STATUS_COUNTS_VERSION 1

typedef struct mlops_dataset_status_counts {
	unsigned int version;     /* set by the caller to MLOPS_DATASET_STATUS_COUNTS_VERSION */
	char version_id[MLOPS_DATASET_VERSION_ID_BUFSIZE]; /* the version compared against */
	uint64_t added;
	uint64_t deleted;
	uint64_t modified;
	uint64_t unchanged;
	uint64_t files_read;      /* files read because the stat cache could not vouch for them */
	uint64_t bytes_read;
} mlops_dataset_status_counts;

#define MLOPS_DATASET_STATUS_COUNTS_INIT { .version = MLOPS_DATASET_STATUS_COUNTS_VERSION }

typedef struct mlops_dataset_status_entry {
	const char *path;
	int change;                /* an mlops_dataset_change */
	uint64_t size;             /* local size; the version's size when deleted */
	const char *version_object_id; /* content id in the version, NULL when added */
	const char *local_object_id;   /* content id of the local file when known (from the stat cache or read);
	                                  NULL when deleted, when added, and when a size change alone showed the
	                                  file modified (such files are not read) */
} mlops_dataset_status_entry;

typedef struct mlops_dataset_status_iter mlops_dataset_status_iter;

/*
 * Compare the file or directory at path with a version: spec, or when spec is NULL the head of the directory
 * (MLOPS_ENOTFOUND when it has none; a single file has no head). A file is compared with the entry of its name
 * (another name is reported as added); a directory is walked (ignored names skipped). Files whose stat matches a trusted cache entry are not read; files read are
 * written into the stat cache (unless MLOPS_DATASET_STATUS_NO_UPDATE or the store is read-only), so the next
 * status is fast. out_iter (may be NULL) lists the changed paths (and the unchanged with
 * MLOPS_DATASET_STATUS_UNCHANGED) in path order; out_counts (may be NULL) gets the totals.
 * Errors: errors of mlops_dataset_resolve(), MLOPS_EVERSION, MLOPS_ENOTFOUND (path, no head),
 * MLOPS_EINVAL (a path that cannot be stored), MLOPS_EIO.
 */
MLOPS_API int mlops_dataset_status(mlops_dataset_status_iter **out_iter, mlops_dataset_status_counts *out_counts,
                                   mlops_store *store, const char *path, const char *spec,
                                   const mlops_dataset_status_options *opts);

/* Ends with MLOPS_ITEROVER. */
MLOPS_API int mlops_dataset_status_next(const mlops_dataset_status_entry **out, mlops_dataset_status_iter *iter);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_dataset_status_iter_free(mlops_dataset_status_iter *iter);

/* ======================================================================================================
 * Streams: read one file of a version without checking it out
 * ====================================================================================================== */

typedef struct mlops_dataset_reader mlops_dataset_reader;

/*
 * Open the file at path of the version spec names (path NULL or "" for the single entry of a one-file version).
 * Every chunk is verified before any of its bytes are returned. Errors: errors of mlops_dataset_resolve(),
 * MLOPS_ENOTFOUND (no such path in the version; the object is missing), MLOPS_EINVAL (path NULL for a version
 * of several files), MLOPS_ECORRUPT.
 */
MLOPS_API int mlops_dataset_file_open(mlops_dataset_reader **out, mlops_store *store, const char *spec,
                                      const char *path);

/* Read up to cap bytes into buf; *out_read is 0 at the end. Errors: MLOPS_ECORRUPT, MLOPS_EIO. */
MLOPS_API int mlops_dataset_file_read(size_t *out_read, mlops_dataset_reader *reader, void *buf, size_t cap);

/* Move the read position to offset (0 <= offset <= size). Errors: MLOPS_EINVAL (beyond the end). */
MLOPS_API int mlops_dataset_file_seek(mlops_dataset_reader *reader, uint64_t offset);

/* Return the size of the file. Never fails. */
MLOPS_API uint64_t mlops_dataset_file_size(const mlops_dataset_reader *reader);

/* NULL is a no-op. Never fails. */
MLOPS_API void mlops_dataset_reader_free(mlops_dataset_reader *reader);

/* ======================================================================================================
 * Moving versions between stores
 * ====================================================================================================== */

#define MLOPS_DATASET_TRANSFER_STATS_VERSION 1

typedef struct mlops_dataset_transfer_stats {
	unsigned int version;     /* set by the caller to MLOPS_DATASET_TRANSFER_STATS_VERSION */
	char version_id[MLOPS_DATASET_VERSION_ID_BUFSIZE]; /* the version transferred */
	int created;              /* 1: the version is new in the receiving store; 0: it had it already */
	int64_t seq;              /* its sequence number in the receiving store */
	uint64_t objects;         /* file objects and the manifest the version references */
	uint64_t blobs_copied;    /* blobs (chunks, manifests, small objects) copied */
	uint64_t bytes_copied;    /* stored (compressed) bytes copied */
	uint64_t blobs_present;   /* blobs the receiving store had already */
} mlops_dataset_transfer_stats;

#define MLOPS_DATASET_TRANSFER_STATS_INIT { .version = MLOPS_DATASET_TRANSFER_STATS_VERSION }

/*
 * Copy the version spec names (resolved in src) into dst: the blobs dst lacks travel as stored (compressed, not
 * re-encoded; chunks before the objects that list them, so a blob present in dst implies its chunks are), then
 * one transaction on dst records the dataset, the version (with the next sequence number of dst), its parents
 * (ids, whether or not dst has them), its profiles, the tags of src pointing at it that dst does not use for
 * another version, the lineage edges and an audit row "dataset.push". Only the named version travels, not its
 * ancestors. Interrupted (an error in the middle), nothing is recorded in dst; running it again copies only the
 * blobs still missing. Pushing a version dst has is cheap and succeeds (created 0). out_stats may be NULL.
 * Errors: errors of mlops_dataset_resolve() (in src), MLOPS_ECORRUPT, MLOPS_EIO, MLOPS_ENOSPC, MLOPS_EREADONLY
 * (dst), MLOPS_EBUSY, MLOPS_EINVAL (src and dst are the same handle).
 */
MLOPS_API int mlops_dataset_push(mlops_dataset_transfer_stats *out_stats, mlops_store *src, mlops_store *dst,
                                 const char *spec);

/* The same copy, seen from the receiving store: copy the version spec names in src into dst; the audit row in
 * dst is "dataset.pull". Errors: as mlops_dataset_push(). */
MLOPS_API int mlops_dataset_pull(mlops_dataset_transfer_stats *out_stats, mlops_store *dst, mlops_store *src,
                                 const char *spec);

/* ---- Tabular data: schema, statistics, validation ---- */

/*
 * Tabular files are CSV (a header row, RFC 4180 quoting) and JSON Lines (one flat JSON object per line). A profile
 * is the inferred schema and per-column statistics, computed in one streaming pass in bounded memory:
 *   schema: {"format":"csv","columns":[{"name":"age","type":"int","nullable":true}, ...]}
 *           types: int (int64), float, bool, string, timestamp (ISO 8601); types only widen over the whole file
 *           (int and float give float, any other mix gives string); an empty unquoted CSV field is null.
 *   stats:  {"rows":N,"columns":{"age":{"type":"int","count":..,"nulls":..,"min":..,"max":..,"mean":..,"std":..,
 *           "distinct":..,"top":[{"value":"..","count":..}],"quantiles":{"0.01":..,"0.5":..,..},
 *           "quantiles_exact":true}}}
 *           (distinct: HyperLogLog, 0.81% standard error; top: frequent-items sketch, exact while at most 64
 *           distinct values; quantiles: exact up to 16384 values per column, then a KLL sketch with a rank error
 *           below 1.6% at 99% confidence.) docs/api/datasets-tabular.md gives every rule.
 * Malformed input (a ragged row, invalid UTF-8, an unterminated quote, a field longer than max_field_bytes, a bad
 * JSON line) is MLOPS_EPARSE with a message "<file>: line N: <problem>".
 *
 * Validation checks a file against expectations (JSON, Great Expectations' vocabulary) and optionally a schema
 * (JSON in the format above), streaming once, and produces a report:
 *   expectations: {"expectations":[{"type":"not_null","column":"id"},
 *                  {"type":"between","column":"age","min":0,"max":130,"mostly":0.99},
 *                  {"type":"in_set","column":"c","values":["a","b"]}, {"type":"unique","column":"id"},
 *                  {"type":"regex","column":"email","pattern":"^[^@]+@[^@]+$"},
 *                  {"type":"row_count","min":1,"max":1000000}, {"type":"max_null_share","column":"x","value":0.1},
 *                  {"type":"column","column":"x","dtype":"float"}]}
 *   report: {"success":true,"rows":N,"results":[{"expectation":{...},"success":true,"unexpected_count":0,
 *            "unexpected_percent":0,"examples":[row numbers, 1-based data rows, at most 20]}, ...]}
 * Regular expressions are POSIX extended (regcomp). Memory is bounded except for "unique", which keeps a 128-bit
 * hash per distinct value (about 48 bytes each).
 *
 * All functions here are thread-safe when called on different store handles; returned strings are released
 * with mlops_free().
 */

#define MLOPS_DATASET_TABLE_AUTO 0u   /* format from the file name: .csv, .jsonl, .ndjson (any case) */
#define MLOPS_DATASET_TABLE_CSV 1u
#define MLOPS_DATASET_TABLE_JSONL 2u

#define MLOPS_DATASET_TABLE_OPTIONS_VERSION 1

typedef struct mlops_dataset_table_options {
	unsigned int version;
	uint32_t format;          /* MLOPS_DATASET_TABLE_AUTO, _CSV or _JSONL */
	char delimiter;           /* CSV field delimiter; 0 means ',' */
	char quote;               /* CSV quote character; 0 means '"' */
	uint32_t no_header;       /* CSV: 1 when the first record is data (columns are then named c1, c2, ...) */
	uint64_t max_field_bytes; /* longest CSV field or JSON line accepted; 0 means 16 MiB */
} mlops_dataset_table_options;

#define MLOPS_DATASET_TABLE_OPTIONS_INIT { .version = MLOPS_DATASET_TABLE_OPTIONS_VERSION }

/* Initialize opts with the defaults. Errors: MLOPS_EINVAL (opts NULL), MLOPS_EVERSION (unknown version). */
MLOPS_API int mlops_dataset_table_options_init(mlops_dataset_table_options *opts, unsigned int version);

/*
 * Profile the local file at path: its schema and statistics as JSON texts and its row count. Any out-parameter
 * may be NULL; opts may be NULL for the defaults. Errors: MLOPS_EINVAL (format unknown from the name and not set,
 * bad options), MLOPS_EVERSION (options version), MLOPS_ENOTFOUND / MLOPS_EIO (opening or reading the file),
 * MLOPS_EPARSE (malformed content, with the line number), MLOPS_ENOMEM.
 */
MLOPS_API int mlops_dataset_profile_file(char **out_schema_json, char **out_stats_json, uint64_t *out_rows,
                                         const char *path, const mlops_dataset_table_options *opts);

/*
 * Validate the local file at path against expectations_json and/or schema_json (either may be NULL, not both).
 * *out_report_json gets the report, *out_success 1 when every expectation passed, else 0 (a failed expectation is
 * not an error: the call returns 0). Errors: MLOPS_EINVAL (bad expectations or schema: the message names the
 * expectation and the field; format unknown; bad options), MLOPS_EPARSE (expectations or schema that are not
 * JSON; malformed content, with the line number), MLOPS_EVERSION, MLOPS_ENOTFOUND, MLOPS_EIO, MLOPS_ENOMEM.
 */
MLOPS_API int mlops_dataset_validate_file(char **out_report_json, int *out_success, const char *path,
                                          const char *expectations_json, const char *schema_json,
                                          const mlops_dataset_table_options *opts);

/*
 * The profile of the tabular file at path of the version spec names (path NULL or "" for the single file of a
 * one-file version). With opts NULL the profile stored at commit is returned when there is one (no data is
 * read); otherwise, or with opts, the file is profiled now through a stream of the version (nothing is stored).
 * Any out-parameter may be NULL. Errors: errors of mlops_dataset_resolve() and mlops_dataset_file_open(),
 * MLOPS_EINVAL (not a tabular file name and no format in opts), MLOPS_EPARSE (the content did not parse, at commit
 * or now: the message gives the line), MLOPS_ECORRUPT, MLOPS_EIO, MLOPS_ENOMEM.
 */
MLOPS_API int mlops_dataset_file_profile(char **out_schema_json, char **out_stats_json, uint64_t *out_rows,
                                         mlops_store *store, const char *spec, const char *path,
                                         const mlops_dataset_table_options *opts);

/*
 * Validate the tabular file at path of the version spec names, streamed from the store without checkout, as
 * mlops_dataset_validate_file() does for a local file. Errors: those of mlops_dataset_validate_file() and of
 * mlops_dataset_file_open(), MLOPS_ECORRUPT.
 */
MLOPS_API int mlops_dataset_validate(char **out_report_json, int *out_success, mlops_store *store, const char *spec,
                                     const char *path, const char *expectations_json, const char *schema_json,
                                     const mlops_dataset_table_options *opts);

/*
 * Check expectations and/or a schema without data (e.g. before a long validation). Errors: MLOPS_EINVAL,
 * MLOPS_EPARSE, MLOPS_ENOMEM, as mlops_dataset_validate_file().
 */
MLOPS_API int mlops_dataset_expectations_check(const char *expectations_json, const char *schema_json);

MLOPS_END_DECLS

#endif
