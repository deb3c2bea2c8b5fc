/*
 * Internal object database: content-addressed objects over a blob backend.
 *
 * An object's id is the XXH128 of its raw bytes. Content under 64 KiB is one blob; larger content is cut by
 * FastCDC (chunker.h) into chunks stored as blobs of their own, plus a manifest blob stored under the content id
 * that lists the chunks (content that yields a single chunk is stored as a plain blob). Every blob carries a
 * header (magic "MLOB", format version, codec raw|zstd, kind blob|manifest, raw size); see docs/format.md.
 * Reads verify every blob against its id before returning any byte.
 * When a put finds a blob already stored it calls the backend's touch() so that gc's grace period
 * protects it while the writer commits metadata that references it.
 *
 * Rule for callers: put objects BEFORE opening a metadata write transaction, never inside one (with the
 * single-file "sqlite" backend, blobs and metadata share one database file and a blob write would wait on
 * the caller's own transaction).
 */
#ifndef MLOPS_STORAGE_ODB_H
#define MLOPS_STORAGE_ODB_H

#include <stdbool.h>
#include <stdint.h>

#include "mlops/sys/backend.h"
#include "util/util.h"

#define MLOPS_CHUNK_THRESHOLD (64u * 1024u) /* content of this size or more is chunked */

typedef struct mlops_odb mlops_odb;

/* Take ownership of backend (also on failure). level: zstd level (1..19); sync: mlops_sync_mode. */
int mlops__odb_open(mlops_odb **out, mlops_backend *backend, int level, int sync);
void mlops__odb_free(mlops_odb *odb);
mlops_backend *mlops__odb_backend(mlops_odb *odb);
/* The zstd level and sync mode the odb was opened with, so that another odb over the same backend (a worker
 * thread's) encodes and syncs exactly as this one. */
int mlops__odb_level(const mlops_odb *odb);
int mlops__odb_sync(const mlops_odb *odb);

/* Whole-object put/get. */
int mlops__odb_put(mlops_oid *out, mlops_odb *odb, const void *data, size_t n);
int mlops__odb_get(void **out, size_t *out_n, mlops_odb *odb, const mlops_oid *id);
int mlops__odb_exists(bool *out, mlops_odb *odb, const mlops_oid *id);       /* blob and every chunk present */
int mlops__odb_size(uint64_t *out, mlops_odb *odb, const mlops_oid *id);
int mlops__odb_flush(mlops_odb *odb);                                          /* backend flush */

/* Streaming writer (constant memory: one max-size chunk buffer). */
typedef struct mlops_odb_writer mlops_odb_writer;
int mlops__odb_writer_new(mlops_odb_writer **out, mlops_odb *odb);
int mlops__odb_writer_write(mlops_odb_writer *w, const void *data, size_t n);
int mlops__odb_writer_finish(mlops_oid *out, mlops_odb_writer *w);             /* flushes the backend */
uint64_t mlops__odb_writer_size(const mlops_odb_writer *w);                   /* bytes written so far */
void mlops__odb_writer_free(mlops_odb_writer *w);

/* Streaming reader with seek. */
typedef struct mlops_odb_reader mlops_odb_reader;
int mlops__odb_reader_new(mlops_odb_reader **out, mlops_odb *odb, const mlops_oid *id);
int mlops__odb_reader_read(size_t *out_n, mlops_odb_reader *r, void *buf, size_t cap);
int mlops__odb_reader_seek(mlops_odb_reader *r, uint64_t offset);
uint64_t mlops__odb_reader_size(const mlops_odb_reader *r);
void mlops__odb_reader_free(mlops_odb_reader *r);

/* Store the file at path / write an object to path atomically (temp file, fsync unless SYNC_OFF, rename). */
int mlops__odb_put_file(mlops_oid *out, mlops_odb *odb, const char *path);
int mlops__odb_get_file(mlops_odb *odb, const mlops_oid *id, const char *path);

/* ---- for verify and gc ---- */

/* Call cb for each chunk id a manifest lists; a plain blob has none (cb not called). */
typedef int (*mlops_odb_ref_cb)(const mlops_oid *chunk, void *payload);
int mlops__odb_refs(mlops_odb *odb, const mlops_oid *id, mlops_odb_ref_cb cb, void *payload);

/* Read one blob and check its header and content against its key. Sets *out_raw_bytes to the bytes hashed.
 * Returns 0 when good, MLOPS_ECORRUPT (message says why) when not, MLOPS_ENOTFOUND when absent. A manifest is
 * checked for its own checksum (chunks are separate blobs, verified on their own). */
int mlops__odb_verify_blob(uint64_t *out_raw_bytes, mlops_odb *odb, const char *key);

/* List blobs (key, stored size, mtime) through the backend. */
int mlops__odb_list(mlops_odb *odb, mlops_backend_list_cb cb, void *payload);
int mlops__odb_remove(mlops_odb *odb, const char *key);

#endif
