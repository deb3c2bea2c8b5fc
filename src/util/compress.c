/* zstd compression: one-shot with strict size checks, and streaming for payloads larger than memory. */
#include <stdlib.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "util/util.h"

size_t mlops__zstd_bound(size_t n)
{
	return ZSTD_compressBound(n);
}

int mlops__zstd_compress(void *dst, size_t cap, size_t *out_n, const void *src, size_t n, int level)
{
	*out_n = 0;
	size_t r = ZSTD_compress(dst, cap, src, n, level);
	if (ZSTD_isError(r))
		return mlops__error(ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? MLOPS_ENOMEM : MLOPS_ERROR,
		                    "zstd cannot compress %zu bytes into %zu: %s", n, cap, ZSTD_getErrorName(r));
	*out_n = r;
	return 0;
}

int mlops__zstd_decompress(void *dst, size_t raw_size, const void *src, size_t n)
{
	unsigned long long content = ZSTD_getFrameContentSize(src, n);
	if (content == ZSTD_CONTENTSIZE_ERROR)
		return mlops__error(MLOPS_ECORRUPT, "zstd frame of %zu bytes is not valid", n);
	if (content != ZSTD_CONTENTSIZE_UNKNOWN && content != raw_size)
		return mlops__error(MLOPS_ECORRUPT, "zstd frame holds %llu bytes, expected %zu", content, raw_size);
	size_t r = ZSTD_decompress(dst, raw_size, src, n);
	if (ZSTD_isError(r)) {
		if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
			return mlops__error(MLOPS_ENOMEM, "zstd cannot decompress: %s", ZSTD_getErrorName(r));
		return mlops__error(MLOPS_ECORRUPT, "zstd frame of %zu bytes is damaged: %s", n, ZSTD_getErrorName(r));
	}
	if (r != raw_size)
		return mlops__error(MLOPS_ECORRUPT, "zstd frame decompressed to %zu bytes, expected %zu", r, raw_size);
	return 0;
}

struct mlops_zstream {
	ZSTD_CStream *cs;
	ZSTD_DStream *ds;
	bool finished;   /* decompression: the last frame ended exactly at the end of the input so far */
};

int mlops__zstream_compress_new(mlops_zstream **out, int level)
{
	*out = NULL;
	mlops_zstream *z = mlops__calloc(1, sizeof(*z));
	if (!z)
		return MLOPS_ENOMEM;
	z->cs = ZSTD_createCStream();
	if (!z->cs) {
		free(z);
		return mlops__error(MLOPS_ENOMEM, "out of memory creating a zstd compression stream");
	}
	size_t r = ZSTD_CCtx_setParameter(z->cs, ZSTD_c_compressionLevel, level);
	if (ZSTD_isError(r)) {
		mlops__zstream_free(z);
		return mlops__error(MLOPS_EINVAL, "zstd compression level %d: %s", level, ZSTD_getErrorName(r));
	}
	*out = z;
	return 0;
}

int mlops__zstream_decompress_new(mlops_zstream **out)
{
	*out = NULL;
	mlops_zstream *z = mlops__calloc(1, sizeof(*z));
	if (!z)
		return MLOPS_ENOMEM;
	z->ds = ZSTD_createDStream();
	if (!z->ds) {
		free(z);
		return mlops__error(MLOPS_ENOMEM, "out of memory creating a zstd decompression stream");
	}
	size_t r = ZSTD_initDStream(z->ds);
	if (ZSTD_isError(r)) {
		mlops__zstream_free(z);
		return mlops__error(MLOPS_ERROR, "zstd cannot start decompression: %s", ZSTD_getErrorName(r));
	}
	z->finished = true;
	*out = z;
	return 0;
}

static int run_compress(mlops_zstream *z, mlops_buf *out, const void *in, size_t n, bool end)
{
	ZSTD_inBuffer ib = { in, n, 0 };
	ZSTD_EndDirective mode = end ? ZSTD_e_end : ZSTD_e_continue;
	size_t chunk = ZSTD_CStreamOutSize();
	for (;;) {
		int rc = mlops__buf_grow(out, chunk);
		if (rc)
			return rc;
		ZSTD_outBuffer ob = { out->data + out->len, out->cap - out->len - 1, 0 };
		size_t r = ZSTD_compressStream2(z->cs, &ob, &ib, mode);
		out->len += ob.pos;
		out->data[out->len] = '\0';
		if (ZSTD_isError(r))
			return mlops__error(MLOPS_ERROR, "zstd stream compression failed: %s", ZSTD_getErrorName(r));
		/* With e_end, r == 0 means the frame is complete; with e_continue, all input consumed is enough. */
		if (end ? r == 0 : ib.pos == ib.size)
			return 0;
	}
}

static int run_decompress(mlops_zstream *z, mlops_buf *out, const void *in, size_t n, bool end)
{
	ZSTD_inBuffer ib = { in, n, 0 };
	size_t chunk = ZSTD_DStreamOutSize();
	for (;;) {
		int rc = mlops__buf_grow(out, chunk);
		if (rc)
			return rc;
		ZSTD_outBuffer ob = { out->data + out->len, out->cap - out->len - 1, 0 };
		size_t before = ib.pos;
		size_t r = ZSTD_decompressStream(z->ds, &ob, &ib);
		out->len += ob.pos;
		out->data[out->len] = '\0';
		if (ZSTD_isError(r)) {
			if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
				return mlops__error(MLOPS_ENOMEM, "zstd stream decompression: %s", ZSTD_getErrorName(r));
			return mlops__error(MLOPS_ECORRUPT, "zstd stream is damaged: %s", ZSTD_getErrorName(r));
		}
		/* A call that made no progress reports the next header size, not the state of the last frame. */
		if (ib.pos != before || ob.pos > 0)
			z->finished = (r == 0);
		/* A full output buffer may hide more pending output even when all input is consumed. */
		if (ib.pos == ib.size && ob.pos < ob.size)
			break;
	}
	if (end && !z->finished)
		return mlops__error(MLOPS_ECORRUPT, "zstd stream is truncated: the last frame is incomplete");
	return 0;
}

int mlops__zstream_run(mlops_zstream *z, mlops_buf *out, const void *in, size_t n, bool end)
{
	if (z->cs)
		return run_compress(z, out, in, n, end);
	return run_decompress(z, out, in, n, end);
}

void mlops__zstream_free(mlops_zstream *z)
{
	if (!z)
		return;
	ZSTD_freeCStream(z->cs);
	ZSTD_freeDStream(z->ds);
	free(z);
}
