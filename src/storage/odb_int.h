/*
 * Internals shared by the object database files (odb.c: blobs, manifests, whole-object calls; odb_stream.c:
 * streaming writer and reader, files). Not used outside src/storage.
 */
#ifndef MLOPS_STORAGE_ODB_INT_H
#define MLOPS_STORAGE_ODB_INT_H

#include <zstd.h>

#include "storage/odb.h"

#define ODB_HEADER_SIZE 16
#define ODB_FORMAT_VERSION 1
#define ODB_CODEC_RAW 0
#define ODB_CODEC_ZSTD 1
#define ODB_KIND_DATA 0
#define ODB_KIND_MANIFEST 1
#define ODB_MANIFEST_HEAD 24     /* version u32, reserved u32, total u64, count u64 */
#define ODB_MANIFEST_ENTRY 20    /* id[16], size u32 */
#define ODB_MANIFEST_MAX (1ull << 30) /* largest manifest payload accepted: ~53M chunks, ~3 TiB of content */

struct mlops_odb {
	mlops_backend *backend;
	int level;
	int sync;
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	uint8_t *enc;        /* encode buffer: header + compressed payload */
	size_t enc_cap;
};

/* A decoded manifest (payload kept in raw). */
typedef struct odb_manifest {
	uint8_t *raw;
	size_t raw_n;
	uint64_t total;
	uint64_t count;
} odb_manifest;

static inline uint32_t odb_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t odb_get64(const uint8_t *p)
{
	return (uint64_t)odb_get32(p) | (uint64_t)odb_get32(p + 4) << 32;
}

static inline void odb_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void odb_put64(uint8_t *p, uint64_t v)
{
	odb_put32(p, (uint32_t)v);
	odb_put32(p + 4, (uint32_t)(v >> 32));
}

static inline const uint8_t *odb_manifest_id(const odb_manifest *m, uint64_t i)
{
	return m->raw + ODB_MANIFEST_HEAD + i * ODB_MANIFEST_ENTRY;
}

static inline uint32_t odb_manifest_size(const odb_manifest *m, uint64_t i)
{
	return odb_get32(m->raw + ODB_MANIFEST_HEAD + i * ODB_MANIFEST_ENTRY + 16);
}

/* Store raw bytes as a blob under the hex key unless the key exists already (then touch it). */
int mlops__odb_store_blob(mlops_odb *odb, const char *key, int kind, const void *raw, size_t n);

/* Same, for raw bytes at room + ODB_HEADER_SIZE: the header room is overwritten, so that a blob stored raw is
 * written without copying its payload. */
int mlops__odb_store_blob_room(mlops_odb *odb, const char *key, int kind, uint8_t *room, size_t n);

/* Decide how raw[0..n) is stored and compress it: *out_csize is the zstd payload size written to dst (capacity cap,
 * at least ZSTD_compressBound(n)), or 0 when the blob is to be stored raw. Uses only cctx (thread-safe with one
 * cctx per thread); sets no thread-local error: on a zstd failure returns MLOPS_ERROR with *out_zerr naming it. */
int mlops__odb_encode(size_t *out_csize, const char **out_zerr, ZSTD_CCtx *cctx, int level, const uint8_t *raw,
                      size_t n, uint8_t *dst, size_t cap);
/* Fill a 16-byte blob header. Never fails. */
void mlops__odb_header(uint8_t *h, int codec, int kind, uint64_t raw_size);
/* Store an encoded blob (header included) under key unless the key exists already (then touch it), as
 * mlops__odb_store_blob does after encoding. */
int mlops__odb_write_blob(mlops_odb *odb, const char *key, int kind, const uint8_t *blob, size_t blob_n);

/* Whether a blob is stored under key (a backend exists() with the store's error message on failure). */
int mlops__odb_blob_exists(mlops_odb *odb, bool *out, const char *key);

/* Read and fully verify the blob under key: header, payload, then the content against the key (data) or the
 * checksum (manifest). want_kind -1 accepts both; want_size (data only) is checked before decompressing
 * unless UINT64_MAX. *out_raw is malloc'd. A missing blob is MLOPS_ENOTFOUND. */
int mlops__odb_load_blob(mlops_odb *odb, const char *key, int want_kind, uint64_t want_size, int *out_kind,
                         uint8_t **out_raw, size_t *out_n);

/* Parse and check a manifest payload (takes ownership of raw, also on failure). */
int mlops__odb_manifest_parse(odb_manifest *m, const char *key, uint8_t *raw, size_t n);
void mlops__odb_manifest_free(odb_manifest *m);

/* Collects the chunk list of an object being written (20 bytes per chunk) and stores the chunks. */
typedef struct odb_builder {
	mlops_buf list;      /* manifest bytes from the start (head filled in at the end) */
	uint64_t count;
	uint64_t total;
} odb_builder;

int mlops__odb_builder_init(odb_builder *bld);
int mlops__odb_builder_add(mlops_odb *odb, odb_builder *bld, const uint8_t *chunk, size_t n);
/* Append a chunk that is (or will be) stored elsewhere to the list. */
int mlops__odb_builder_record(odb_builder *bld, const mlops_oid *id, size_t n);
/* Store the manifest under id when there are 2+ chunks; with one chunk the chunk blob is the object. */
int mlops__odb_builder_finish(mlops_odb *odb, odb_builder *bld, const mlops_oid *id);
void mlops__odb_builder_free(odb_builder *bld);

#endif
