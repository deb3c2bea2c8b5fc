/*
 * Metric history blocks: the compact encoding of the points of one (run, key, flush) stored in
 * runs_metric_blocks.data (docs/format.md, "Metric history blocks"), and the MLflow ordering of points used to
 * pick a metric's "last" value.
 *
 * Layout: codec byte (0 raw, 1 zstd); for zstd, a varint raw size and one zstd frame of the raw payload.
 * Raw payload: n zigzag-varint step deltas, n zigzag-varint timestamp deltas (each against the previous point,
 * the first against 0), then the n doubles as 8 byte planes (byte k of every value, little-endian order), which
 * lets zstd find the repeated sign/exponent bytes of a curve. Values are copied bit for bit, so NaN payloads and
 * +-Inf survive.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runs/runs_int.h"

#define CODEC_RAW 0
#define CODEC_ZSTD 1
#define ZSTD_LEVEL 3

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static int get_varint(uint64_t *out, const uint8_t **pp, const uint8_t *end)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (p >= end)
			return -1;
		uint8_t b = *p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			*pp = p;
			return 0;
		}
	}
	return -1;
}

static inline uint64_t zigzag(uint64_t d)
{
	return (d << 1) ^ (uint64_t)((int64_t)d >> 63);
}

static inline uint64_t unzigzag(uint64_t z)
{
	return (z >> 1) ^ (uint64_t)-(int64_t)(z & 1);
}

static size_t put_deltas(uint8_t *p, const int64_t *v, size_t n)
{
	size_t off = 0;
	uint64_t prev = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t cur = (uint64_t)v[i];
		off += put_varint(p + off, zigzag(cur - prev));
		prev = cur;
	}
	return off;
}

static int get_deltas(int64_t *v, size_t n, const uint8_t **pp, const uint8_t *end)
{
	uint64_t prev = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t z;
		if (get_varint(&z, pp, end))
			return -1;
		prev += unzigzag(z);
		v[i] = (int64_t)prev;
	}
	return 0;
}

int mlops_runs__block_encode(mlops_buf *out, const int64_t *steps, const int64_t *timestamps, const double *values,
                             size_t n)
{
	mlops__buf_clear(out);
	size_t raw_cap = n * (10 + 10 + 8);
	uint8_t *raw = mlops__malloc(raw_cap ? raw_cap : 1);
	if (!raw)
		return MLOPS_ENOMEM;
	size_t len = put_deltas(raw, steps, n);
	len += put_deltas(raw + len, timestamps, n);
	uint8_t *planes = raw + len;
	for (size_t i = 0; i < n; i++) {
		uint64_t bits;
		memcpy(&bits, &values[i], 8);
		for (int k = 0; k < 8; k++)
			planes[(size_t)k * n + i] = (uint8_t)(bits >> (8 * k));
	}
	len += n * 8;

	int rc = 0;
	size_t bound = mlops__zstd_bound(len);
	if ((rc = mlops__buf_grow(out, 1 + 10 + bound)) != 0)
		goto done;
	uint8_t *dst = (uint8_t *)out->data;
	dst[0] = CODEC_ZSTD;
	size_t hdr = 1 + put_varint(dst + 1, len);
	size_t zn = 0;
	rc = mlops__zstd_compress(dst + hdr, bound, &zn, raw, len, ZSTD_LEVEL);
	if (rc == 0 && hdr + zn < 1 + len) {
		out->len = hdr + zn;
	} else {
		mlops__error_reset();
		rc = 0;
		dst[0] = CODEC_RAW;
		memcpy(dst + 1, raw, len);
		out->len = 1 + len;
	}
	out->data[out->len] = '\0';
done:
	free(raw);
	return rc;
}

int mlops_runs__block_decode(int64_t *steps, int64_t *timestamps, double *values, size_t n, const void *data,
                             size_t size)
{
	const uint8_t *p = data;
	const uint8_t *end = p + size;
	uint8_t *owned = NULL;
	if (size < 1)
		return mlops__error(MLOPS_ECORRUPT, "metric block is empty");
	uint8_t codec = *p++;
	if (codec == CODEC_ZSTD) {
		uint64_t raw_len;
		if (get_varint(&raw_len, &p, end) || raw_len > n * 28 + 1)
			return mlops__error(MLOPS_ECORRUPT, "metric block of %zu points has a bad raw size", n);
		owned = mlops__malloc(raw_len ? (size_t)raw_len : 1);
		if (!owned)
			return MLOPS_ENOMEM;
		int rc = mlops__zstd_decompress(owned, (size_t)raw_len, p, (size_t)(end - p));
		if (rc) {
			free(owned);
			return mlops__error_prefix("metric block of %zu points", n);
		}
		p = owned;
		end = owned + raw_len;
	} else if (codec != CODEC_RAW) {
		return mlops__error(MLOPS_ECORRUPT, "metric block has unknown codec %u", codec);
	}
	int rc = 0;
	if (get_deltas(steps, n, &p, end) || get_deltas(timestamps, n, &p, end) || (size_t)(end - p) != n * 8) {
		rc = mlops__error(MLOPS_ECORRUPT, "metric block does not decode to %zu points", n);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t bits = 0;
		for (int k = 0; k < 8; k++)
			bits |= (uint64_t)p[(size_t)k * n + i] << (8 * k);
		memcpy(&values[i], &bits, 8);
	}
done:
	free(owned);
	return rc;
}

int mlops_runs__point_cmp(int64_t s1, int64_t t1, double v1, int64_t s2, int64_t t2, double v2)
{
	if (s1 != s2)
		return s1 > s2 ? 1 : -1;
	if (t1 != t2)
		return t1 > t2 ? 1 : -1;
	double a = isnan(v1) ? 0.0 : v1;
	double b = isnan(v2) ? 0.0 : v2;
	if (a != b)
		return a > b ? 1 : -1;
	return 0;
}
