/*
 * The object database: blob encoding (16-byte header, raw or zstd payload), verification on read, manifests of
 * chunked objects, and the whole-object calls (put, get, exists, size, refs, verify). Streaming is in odb_stream.c.
 * The on-disk format is described in docs/format.md ("Objects").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlops/store.h"
#include "storage/chunker.h"
#include "storage/odb_int.h"

static const uint8_t magic[4] = {'M', 'L', 'O', 'B'};

/* ---- backend calls: every failure gets a message naming the operation and the key ---- */

static int backend_failed(int rc, const char *op, const char *key)
{
	const mlops_error *e = mlops_error_last();
	if (e->code == rc && e->message[0])
		return mlops__error_prefix("object store: cannot %s blob '%s'", op, key);
	return mlops__error(rc, "object store: cannot %s blob '%s': the backend returned %s", op, key,
	                    mlops_error_name(rc));
}

static int b_exists(mlops_odb *odb, bool *out, const char *key)
{
	int e = 0;
	mlops__error_reset();
	int rc = odb->backend->exists(odb->backend, &e, key);
	*out = e != 0;
	return rc ? backend_failed(rc, "look up", key) : 0;
}

int mlops__odb_blob_exists(mlops_odb *odb, bool *out, const char *key)
{
	return b_exists(odb, out, key);
}

static int b_read(mlops_odb *odb, void **out, size_t *out_n, const char *key)
{
	*out = NULL;
	*out_n = 0;
	mlops__error_reset();
	int rc = odb->backend->read(odb->backend, out, out_n, key);
	if (rc == MLOPS_ENOTFOUND)
		return mlops__error(MLOPS_ENOTFOUND, "object store: blob '%s' not found", key);
	if (rc) {
		mlops_free(*out);
		*out = NULL;
		*out_n = 0;
		return backend_failed(rc, "read", key);
	}
	if (!*out && *out_n)
		return mlops__error(MLOPS_EIO, "object store: backend read of blob '%s' returned no buffer", key);
	return 0;
}

int mlops__odb_open(mlops_odb **out, mlops_backend *backend, int level, int sync)
{
	*out = NULL;
	if (!backend)
		return mlops__error(MLOPS_EINVAL, "object store: no backend given");
	int rc = 0;
	if (level < 1 || level > 19) {
		rc = mlops__error(MLOPS_EINVAL, "object store: compression level %d is outside 1..19", level);
		goto fail;
	}
	if (sync != MLOPS_SYNC_NORMAL && sync != MLOPS_SYNC_FULL && sync != MLOPS_SYNC_OFF) {
		rc = mlops__error(MLOPS_EINVAL, "object store: unknown sync mode %d", sync);
		goto fail;
	}
	mlops_odb *odb = mlops__calloc(1, sizeof(*odb));
	if (!odb) {
		rc = MLOPS_ENOMEM;
		goto fail;
	}
	odb->backend = backend;
	odb->level = level;
	odb->sync = sync;
	odb->cctx = ZSTD_createCCtx();
	odb->dctx = ZSTD_createDCtx();
	odb->enc_cap = ODB_HEADER_SIZE + ZSTD_compressBound(MLOPS_CDC_MAX);
	odb->enc = mlops__malloc(odb->enc_cap);
	if (!odb->cctx || !odb->dctx || !odb->enc) {
		odb->backend = NULL;
		mlops__odb_free(odb);
		rc = mlops__error(MLOPS_ENOMEM, "object store: out of memory creating zstd contexts");
		goto fail;
	}
	*out = odb;
	return 0;
fail:
	mlops_backend_free(backend);
	return rc;
}

void mlops__odb_free(mlops_odb *odb)
{
	if (!odb)
		return;
	mlops_backend_free(odb->backend);
	ZSTD_freeCCtx(odb->cctx);
	ZSTD_freeDCtx(odb->dctx);
	free(odb->enc);
	free(odb);
}

mlops_backend *mlops__odb_backend(mlops_odb *odb)
{
	return odb->backend;
}

int mlops__odb_level(const mlops_odb *odb)
{
	return odb->level;
}

int mlops__odb_sync(const mlops_odb *odb)
{
	return odb->sync;
}

int mlops__odb_flush(mlops_odb *odb)
{
	if (!odb->backend->flush)
		return 0;
	mlops__error_reset();
	int rc = odb->backend->flush(odb->backend);
	if (rc) {
		const mlops_error *e = mlops_error_last();
		if (e->code == rc && e->message[0])
			return mlops__error_prefix("object store: flush failed");
		return mlops__error(rc, "object store: backend flush failed with %s", mlops_error_name(rc));
	}
	return 0;
}

/* ---- writing blobs ---- */

/*
 * Zstd spends most of its time on incompressible input proving that it is incompressible. Compressing a few
 * spread-out 4 KiB samples first costs a fraction of that; when the samples do not shrink by 3% either, the blob
 * is stored raw without a full attempt. The samples, their level and the 3% are part of the codec choice (the
 * same content must always be stored the same way), so they do not change with the caller or the thread.
 */
#define SAMPLE_SIZE 4096
#define SAMPLE_COUNT 4

static bool looks_incompressible(ZSTD_CCtx *cctx, const uint8_t *raw, size_t n)
{
	if (n < 2 * SAMPLE_SIZE * SAMPLE_COUNT)
		return false;
	uint8_t dst[SAMPLE_SIZE + 512];
	const size_t need = (size_t)SAMPLE_SIZE * SAMPLE_COUNT * 97 / 100;
	/* No sample compresses to more than `most` bytes: once the samples so far fall short of need by more than the
	 * rest could add, the answer is known (the same as after all four), and compressible data pays for one sample
	 * instead of four. */
	const size_t most = ZSTD_COMPRESSBOUND(SAMPLE_SIZE);
	size_t total = 0;
	for (int i = 0; i < SAMPLE_COUNT; i++) {
		size_t off = (n - SAMPLE_SIZE) / (SAMPLE_COUNT - 1) * (size_t)i;
		size_t r = ZSTD_compressCCtx(cctx, dst, sizeof(dst), raw + off, SAMPLE_SIZE, 1);
		if (ZSTD_isError(r))
			return false;
		total += r;
		if (total + (size_t)(SAMPLE_COUNT - 1 - i) * most < need)
			return false;
	}
	return total >= need;
}

int mlops__odb_encode(size_t *out_csize, const char **out_zerr, ZSTD_CCtx *cctx, int level, const uint8_t *raw,
                      size_t n, uint8_t *dst, size_t cap)
{
	*out_csize = 0;
	*out_zerr = NULL;
	if (n == 0 || looks_incompressible(cctx, raw, n))
		return 0;
	size_t csize = ZSTD_compressCCtx(cctx, dst, cap, raw, n, level);
	if (ZSTD_isError(csize)) {
		*out_zerr = ZSTD_getErrorName(csize);
		return MLOPS_ERROR;
	}
	/* zstd only when it saves more than 1/32 of the blob: reading a raw blob costs nothing but a copy. */
	if (csize < n - n / 32)
		*out_csize = csize;
	return 0;
}

void mlops__odb_header(uint8_t *h, int codec, int kind, uint64_t raw_size)
{
	memcpy(h, magic, 4);
	h[4] = ODB_FORMAT_VERSION;
	h[5] = (uint8_t)codec;
	h[6] = (uint8_t)kind;
	h[7] = 0;
	odb_put64(h + 8, raw_size);
}

/* A failed write may have left bytes under key with a backend that is not atomic: remove them when they do not
 * verify, so that a retry can store the blob (a concurrent writer's good blob is kept). The original error stays. */
static void cleanup_failed_write(mlops_odb *odb, const char *key, int kind)
{
	const mlops_error *e = mlops_error_last();
	int code = e->code;
	char saved[512];
	snprintf(saved, sizeof(saved), "%s", e->message);
	bool present = false;
	if (b_exists(odb, &present, key) == 0 && present) {
		int got_kind;
		uint8_t *raw = NULL;
		size_t n;
		int rc = mlops__odb_load_blob(odb, key, kind, UINT64_MAX, &got_kind, &raw, &n);
		free(raw);
		if (rc == MLOPS_ECORRUPT && odb->backend->remove)
			odb->backend->remove(odb->backend, key);
	}
	mlops__error(code, "%s", saved);
}

/* *out true when the blob under key is stored already (and has been touched, so that gc's grace period covers it). */
static int already_stored(mlops_odb *odb, bool *out, const char *key)
{
	*out = false;
	bool present;
	int rc = b_exists(odb, &present, key);
	if (rc || !present)
		return rc;
	if (!odb->backend->touch) {
		*out = true;
		return 0;
	}
	mlops__error_reset();
	rc = odb->backend->touch(odb->backend, key);
	/* Removed by a concurrent gc between exists and touch: the caller writes it again. */
	if (rc == MLOPS_ENOTFOUND)
		return 0;
	if (rc)
		return backend_failed(rc, "touch", key);
	*out = true;
	return 0;
}

static int write_encoded(mlops_odb *odb, const char *key, int kind, const uint8_t *blob, size_t blob_n)
{
	mlops__error_reset();
	int rc = odb->backend->write(odb->backend, key, blob, blob_n);
	if (rc) {
		rc = backend_failed(rc, "write", key);
		cleanup_failed_write(odb, key, kind);
	}
	return rc;
}

int mlops__odb_write_blob(mlops_odb *odb, const char *key, int kind, const uint8_t *blob, size_t blob_n)
{
	bool stored;
	int rc = already_stored(odb, &stored, key);
	if (rc || stored)
		return rc;
	return write_encoded(odb, key, kind, blob, blob_n);
}

/* room: NULL, or raw - ODB_HEADER_SIZE, writable, so that a raw blob is written without copying its payload. */
static int store_blob(mlops_odb *odb, const char *key, int kind, const void *raw, size_t n, uint8_t *room)
{
	bool stored;
	int rc = already_stored(odb, &stored, key);
	if (rc || stored)
		return rc;
	size_t need = ODB_HEADER_SIZE + ZSTD_compressBound(n);
	if (need > odb->enc_cap) {
		uint8_t *p = mlops__realloc(odb->enc, need);
		if (!p)
			return MLOPS_ENOMEM;
		odb->enc = p;
		odb->enc_cap = need;
	}
	size_t csize;
	const char *zerr;
	if (mlops__odb_encode(&csize, &zerr, odb->cctx, odb->level, raw, n, odb->enc + ODB_HEADER_SIZE,
	                      odb->enc_cap - ODB_HEADER_SIZE) != 0)
		return mlops__error(MLOPS_ERROR, "object store: cannot compress blob '%s' (%zu bytes): %s", key, n, zerr);
	uint8_t *blob = odb->enc;
	if (!csize) {
		if (room)
			blob = room;
		else if (n)
			memcpy(odb->enc + ODB_HEADER_SIZE, raw, n);
	}
	mlops__odb_header(blob, csize ? ODB_CODEC_ZSTD : ODB_CODEC_RAW, kind, n);
	return write_encoded(odb, key, kind, blob, ODB_HEADER_SIZE + (csize ? csize : n));
}

int mlops__odb_store_blob(mlops_odb *odb, const char *key, int kind, const void *raw, size_t n)
{
	return store_blob(odb, key, kind, raw, n, NULL);
}

int mlops__odb_store_blob_room(mlops_odb *odb, const char *key, int kind, uint8_t *room, size_t n)
{
	return store_blob(odb, key, kind, room + ODB_HEADER_SIZE, n, room);
}

/* ---- reading blobs ---- */

static const char *kind_name(int kind)
{
	return kind == ODB_KIND_MANIFEST ? "manifest" : "data";
}

int mlops__odb_load_blob(mlops_odb *odb, const char *key, int want_kind, uint64_t want_size, int *out_kind,
                         uint8_t **out_raw, size_t *out_n)
{
	*out_raw = NULL;
	*out_n = 0;
	*out_kind = -1;
	void *blob;
	size_t bn;
	int rc = b_read(odb, &blob, &bn, key);
	if (rc)
		return rc;
	const uint8_t *b = blob;
	uint8_t *raw = NULL;
	if (bn < ODB_HEADER_SIZE) {
		rc = mlops__error(MLOPS_ECORRUPT, "blob '%s' is %zu bytes, shorter than its %d-byte header", key, bn,
		                  ODB_HEADER_SIZE);
		goto out;
	}
	if (memcmp(b, magic, 4) != 0) {
		rc = mlops__error(MLOPS_ECORRUPT, "blob '%s' has a bad header: magic is not \"MLOB\"", key);
		goto out;
	}
	if (b[4] != ODB_FORMAT_VERSION || b[5] > ODB_CODEC_ZSTD || b[6] > ODB_KIND_MANIFEST || b[7] != 0) {
		rc = mlops__error(MLOPS_ECORRUPT, "blob '%s' has a bad header: format version %u, codec %u, kind %u, "
		                  "reserved %u (want version 1, codec 0|1, kind 0|1, reserved 0)", key, b[4], b[5], b[6],
		                  b[7]);
		goto out;
	}
	int codec = b[5], kind = b[6];
	uint64_t raw_size = odb_get64(b + 8);
	if (want_kind >= 0 && kind != want_kind) {
		rc = mlops__error(MLOPS_ECORRUPT, "blob '%s' is a %s blob where a %s blob was expected", key,
		                  kind_name(kind), kind_name(want_kind));
		goto out;
	}
	uint64_t limit = kind == ODB_KIND_DATA ? MLOPS_CDC_MAX : ODB_MANIFEST_MAX;
	if (raw_size > limit) {
		rc = mlops__error(MLOPS_ECORRUPT, "blob '%s' declares %llu raw bytes, more than a %s blob can hold (%llu)",
		                  key, (unsigned long long)raw_size, kind_name(kind), (unsigned long long)limit);
		goto out;
	}
	if (kind == ODB_KIND_DATA && want_size != UINT64_MAX && raw_size != want_size) {
		rc = mlops__error(MLOPS_ECORRUPT, "blob '%s' declares %llu raw bytes where its manifest lists %llu", key,
		                  (unsigned long long)raw_size, (unsigned long long)want_size);
		goto out;
	}
	const uint8_t *payload = b + ODB_HEADER_SIZE;
	size_t pn = bn - ODB_HEADER_SIZE;
	raw = mlops__malloc((size_t)raw_size);
	if (!raw) {
		rc = MLOPS_ENOMEM;
		goto out;
	}
	if (codec == ODB_CODEC_RAW) {
		if (pn != raw_size) {
			rc = mlops__error(MLOPS_ECORRUPT, "blob '%s' holds %zu payload bytes where its header says %llu "
			                  "(truncated or extended)", key, pn, (unsigned long long)raw_size);
			goto out;
		}
		if (pn)
			memcpy(raw, payload, pn);
	} else {
		unsigned long long content = ZSTD_getFrameContentSize(payload, pn);
		size_t fsize = ZSTD_findFrameCompressedSize(payload, pn);
		if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN || ZSTD_isError(fsize)) {
			rc = mlops__error(MLOPS_ECORRUPT, "blob '%s' has a damaged or truncated zstd frame (%zu bytes)", key,
			                  pn);
			goto out;
		}
		if (content != raw_size || fsize != pn) {
			rc = mlops__error(MLOPS_ECORRUPT, "blob '%s': zstd frame of %zu bytes holds %llu raw bytes, header "
			                  "says %zu payload bytes and %llu raw bytes", key, fsize, content, pn,
			                  (unsigned long long)raw_size);
			goto out;
		}
		size_t r = ZSTD_decompressDCtx(odb->dctx, raw, (size_t)raw_size, payload, pn);
		if (ZSTD_isError(r) || r != raw_size) {
			rc = mlops__error(MLOPS_ECORRUPT, "blob '%s' has a damaged zstd frame: %s", key,
			                  ZSTD_isError(r) ? ZSTD_getErrorName(r) : "wrong size");
			goto out;
		}
	}
	if (kind == ODB_KIND_DATA) {
		mlops_oid want, got;
		if (mlops__oid_from_hex(&want, key) != 0) {
			rc = mlops__error(MLOPS_ECORRUPT, "blob key '%s' is not an object id", key);
			goto out;
		}
		mlops__hash128(&got, raw, (size_t)raw_size);
		if (memcmp(want.bytes, got.bytes, 16) != 0) {
			char hex[MLOPS_OID_BUFSIZE];
			mlops__oid_to_hex(hex, &got);
			rc = mlops__error(MLOPS_ECORRUPT, "blob '%s' is damaged: its %llu bytes hash to %s", key,
			                  (unsigned long long)raw_size, hex);
			goto out;
		}
	} else if (raw_size < 8 || mlops__hash64(raw, (size_t)raw_size - 8) != odb_get64(raw + raw_size - 8)) {
		rc = mlops__error(MLOPS_ECORRUPT, "manifest blob '%s' is damaged: checksum mismatch", key);
		goto out;
	}
	*out_kind = kind;
	*out_raw = raw;
	*out_n = (size_t)raw_size;
	raw = NULL;
out:
	free(raw);
	mlops_free(blob);
	return rc;
}

int mlops__odb_manifest_parse(odb_manifest *m, const char *key, uint8_t *raw, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->raw = raw;
	m->raw_n = n;
	if (n < ODB_MANIFEST_HEAD + 8)
		goto bad_len;
	if (odb_get32(raw) != 1 || odb_get32(raw + 4) != 0) {
		mlops__error(MLOPS_ECORRUPT, "manifest '%s' has version %u, reserved %u (want 1, 0)", key, odb_get32(raw),
		             odb_get32(raw + 4));
		goto fail;
	}
	m->total = odb_get64(raw + 8);
	m->count = odb_get64(raw + 16);
	if (m->count > (n - ODB_MANIFEST_HEAD - 8) / ODB_MANIFEST_ENTRY ||
	    ODB_MANIFEST_HEAD + m->count * ODB_MANIFEST_ENTRY + 8 != n)
		goto bad_len;
	if (m->count < 2) {
		mlops__error(MLOPS_ECORRUPT, "manifest '%s' lists %llu chunks (a manifest lists at least 2)", key,
		             (unsigned long long)m->count);
		goto fail;
	}
	mlops_oid self;
	if (mlops__oid_from_hex(&self, key) != 0) {
		mlops__error(MLOPS_ECORRUPT, "manifest key '%s' is not an object id", key);
		goto fail;
	}
	uint64_t sum = 0;
	for (uint64_t i = 0; i < m->count; i++) {
		uint32_t sz = odb_manifest_size(m, i);
		if (sz == 0 || sz > MLOPS_CDC_MAX) {
			mlops__error(MLOPS_ECORRUPT, "manifest '%s': chunk %llu has size %u (want 1..%u)", key,
			             (unsigned long long)i, sz, MLOPS_CDC_MAX);
			goto fail;
		}
		if (memcmp(odb_manifest_id(m, i), self.bytes, 16) == 0) {
			mlops__error(MLOPS_ECORRUPT, "manifest '%s' lists itself as chunk %llu", key, (unsigned long long)i);
			goto fail;
		}
		sum += sz;
	}
	if (sum != m->total) {
		mlops__error(MLOPS_ECORRUPT, "manifest '%s': chunk sizes add up to %llu, total says %llu", key,
		             (unsigned long long)sum, (unsigned long long)m->total);
		goto fail;
	}
	return 0;
bad_len:
	mlops__error(MLOPS_ECORRUPT, "manifest '%s' has %zu bytes, which does not match its chunk count", key, n);
fail:
	mlops__odb_manifest_free(m);
	return MLOPS_ECORRUPT;
}

void mlops__odb_manifest_free(odb_manifest *m)
{
	free(m->raw);
	memset(m, 0, sizeof(*m));
}

/* ---- building chunked objects ---- */

int mlops__odb_builder_init(odb_builder *bld)
{
	memset(bld, 0, sizeof(*bld));
	static const uint8_t zero[ODB_MANIFEST_HEAD];
	return mlops__buf_put(&bld->list, zero, sizeof(zero));
}

int mlops__odb_builder_add(mlops_odb *odb, odb_builder *bld, const uint8_t *chunk, size_t n)
{
	mlops_oid id;
	char hex[MLOPS_OID_BUFSIZE];
	mlops__hash128(&id, chunk, n);
	mlops__oid_to_hex(hex, &id);
	int rc = mlops__odb_store_blob(odb, hex, ODB_KIND_DATA, chunk, n);
	if (rc)
		return rc;
	return mlops__odb_builder_record(bld, &id, n);
}

int mlops__odb_builder_record(odb_builder *bld, const mlops_oid *id, size_t n)
{
	uint8_t entry[ODB_MANIFEST_ENTRY];
	memcpy(entry, id->bytes, 16);
	odb_put32(entry + 16, (uint32_t)n);
	int rc = mlops__buf_put(&bld->list, entry, sizeof(entry));
	if (rc)
		return rc;
	bld->count++;
	bld->total += n;
	return 0;
}

int mlops__odb_builder_finish(mlops_odb *odb, odb_builder *bld, const mlops_oid *id)
{
	if (bld->count < 2)
		return 0;
	uint8_t *p = (uint8_t *)bld->list.data;
	odb_put32(p, 1);
	odb_put32(p + 4, 0);
	odb_put64(p + 8, bld->total);
	odb_put64(p + 16, bld->count);
	uint8_t sum[8];
	odb_put64(sum, mlops__hash64(p, bld->list.len));
	int rc = mlops__buf_put(&bld->list, sum, sizeof(sum));
	if (rc)
		return rc;
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, id);
	return mlops__odb_store_blob(odb, hex, ODB_KIND_MANIFEST, bld->list.data, bld->list.len);
}

void mlops__odb_builder_free(odb_builder *bld)
{
	mlops__buf_free(&bld->list);
}

/* ---- whole objects ---- */

int mlops__odb_put(mlops_oid *out, mlops_odb *odb, const void *data, size_t n)
{
	memset(out, 0, sizeof(*out));
	if (!data && n)
		return mlops__error(MLOPS_EINVAL, "object store: put of %zu bytes from NULL", n);
	mlops_oid id;
	char hex[MLOPS_OID_BUFSIZE];
	mlops__hash128(&id, n ? data : "", n);
	mlops__oid_to_hex(hex, &id);
	int rc;
	if (n < MLOPS_CHUNK_THRESHOLD) {
		rc = mlops__odb_store_blob(odb, hex, ODB_KIND_DATA, n ? data : "", n);
	} else {
		odb_builder bld;
		rc = mlops__odb_builder_init(&bld);
		const uint8_t *p = data;
		for (size_t off = 0; !rc && off < n;) {
			size_t c = mlops__cdc_cut(p + off, n - off);
			rc = mlops__odb_builder_add(odb, &bld, p + off, c);
			off += c;
		}
		if (!rc)
			rc = mlops__odb_builder_finish(odb, &bld, &id);
		mlops__odb_builder_free(&bld);
	}
	if (rc)
		return mlops__error_prefix("cannot store object %s (%zu bytes)", hex, n);
	*out = id;
	return 0;
}

/* Whole content through the streaming reader, which verifies every chunk and the content against the id. */
int mlops__odb_get(void **out, size_t *out_n, mlops_odb *odb, const mlops_oid *id)
{
	*out = NULL;
	*out_n = 0;
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, id);
	mlops_odb_reader *r;
	int rc = mlops__odb_reader_new(&r, odb, id);
	if (rc)
		return rc;
	uint64_t size = mlops__odb_reader_size(r);
	if (size >= SIZE_MAX) {
		rc = mlops__error(MLOPS_ENOMEM, "object %s is too large to read into memory", hex);
		mlops__odb_reader_free(r);
		return rc;
	}
	uint8_t *buf = mlops__malloc((size_t)size);
	if (!buf) {
		mlops__odb_reader_free(r);
		return MLOPS_ENOMEM;
	}
	size_t n = 0;
	while (!rc && n < size) {
		size_t got;
		rc = mlops__odb_reader_read(&got, r, buf + n, (size_t)size - n);
		if (!rc && got == 0)
			rc = mlops__error(MLOPS_EIO, "object %s: read stopped at %zu of %llu bytes", hex, n,
			                  (unsigned long long)size);
		n += got;
	}
	mlops__odb_reader_free(r);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*out_n = n;
	return 0;
}

/* Read the blob of object id: either its data (*m->raw == NULL, data in *out_data) or its manifest. */
static int load_object(mlops_odb *odb, const mlops_oid *id, odb_manifest *m, uint8_t **out_data, size_t *out_n)
{
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, id);
	memset(m, 0, sizeof(*m));
	*out_data = NULL;
	*out_n = 0;
	int kind;
	uint8_t *raw;
	size_t n;
	int rc = mlops__odb_load_blob(odb, hex, -1, UINT64_MAX, &kind, &raw, &n);
	if (rc == MLOPS_ENOTFOUND)
		return mlops__error(MLOPS_ENOTFOUND, "object %s not found", hex);
	if (rc)
		return rc;
	if (kind == ODB_KIND_MANIFEST)
		return mlops__odb_manifest_parse(m, hex, raw, n);
	*out_data = raw;
	*out_n = n;
	return 0;
}

int mlops__odb_exists(bool *out, mlops_odb *odb, const mlops_oid *id)
{
	*out = false;
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, id);
	bool present;
	int rc = b_exists(odb, &present, hex);
	if (rc || !present)
		return rc;
	odb_manifest m;
	uint8_t *data;
	size_t n;
	rc = load_object(odb, id, &m, &data, &n);
	free(data);
	if (rc == MLOPS_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	bool all = true;
	for (uint64_t i = 0; all && i < m.count; i++) {
		char chex[MLOPS_OID_BUFSIZE];
		mlops_oid cid;
		memcpy(cid.bytes, odb_manifest_id(&m, i), 16);
		mlops__oid_to_hex(chex, &cid);
		rc = b_exists(odb, &all, chex);
		if (rc)
			break;
	}
	mlops__odb_manifest_free(&m);
	if (!rc)
		*out = all;
	return rc;
}

int mlops__odb_size(uint64_t *out, mlops_odb *odb, const mlops_oid *id)
{
	*out = 0;
	odb_manifest m;
	uint8_t *data;
	size_t n;
	int rc = load_object(odb, id, &m, &data, &n);
	if (rc)
		return rc;
	*out = data ? n : m.total;
	free(data);
	mlops__odb_manifest_free(&m);
	return 0;
}

int mlops__odb_refs(mlops_odb *odb, const mlops_oid *id, mlops_odb_ref_cb cb, void *payload)
{
	odb_manifest m;
	uint8_t *data;
	size_t n;
	int rc = load_object(odb, id, &m, &data, &n);
	free(data);
	if (rc)
		return rc;
	for (uint64_t i = 0; !rc && i < m.count; i++) {
		mlops_oid cid;
		memcpy(cid.bytes, odb_manifest_id(&m, i), 16);
		rc = cb(&cid, payload);
	}
	mlops__odb_manifest_free(&m);
	return rc;
}

int mlops__odb_verify_blob(uint64_t *out_raw_bytes, mlops_odb *odb, const char *key)
{
	*out_raw_bytes = 0;
	if (!key || !mlops__oid_hex_valid(key))
		return mlops__error(MLOPS_ECORRUPT, "blob key '%s' is not an object id", key ? key : "(null)");
	int kind;
	uint8_t *raw;
	size_t n;
	int rc = mlops__odb_load_blob(odb, key, -1, UINT64_MAX, &kind, &raw, &n);
	if (rc)
		return rc;
	if (kind == ODB_KIND_MANIFEST) {
		odb_manifest m;
		rc = mlops__odb_manifest_parse(&m, key, raw, n);
		mlops__odb_manifest_free(&m);
	} else {
		free(raw);
	}
	if (!rc)
		*out_raw_bytes = n;
	return rc;
}

int mlops__odb_list(mlops_odb *odb, mlops_backend_list_cb cb, void *payload)
{
	if (!odb->backend->list)
		return mlops__error(MLOPS_EINVAL, "object store: the backend cannot list its blobs");
	mlops__error_reset();
	int rc = odb->backend->list(odb->backend, cb, payload);
	if (rc && mlops_error_last()->code != rc)
		return mlops__error(rc, "object store: listing blobs stopped with %s", mlops_error_name(rc));
	return rc;
}

int mlops__odb_remove(mlops_odb *odb, const char *key)
{
	if (!odb->backend->remove)
		return mlops__error(MLOPS_EINVAL, "object store: the backend cannot remove blobs");
	mlops__error_reset();
	int rc = odb->backend->remove(odb->backend, key);
	if (rc == MLOPS_ENOTFOUND)
		return mlops__error(MLOPS_ENOTFOUND, "object store: blob '%s' not found", key);
	return rc ? backend_failed(rc, "remove", key) : 0;
}
