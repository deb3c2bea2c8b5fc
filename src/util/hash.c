/* XXH3/XXH128 hashing, object ids in hex, and random ids. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <xxhash.h>

#include "util/util.h"

struct mlops_hasher {
	XXH3_state_t *state;
};

void mlops__hash128(mlops_oid *out, const void *data, size_t n)
{
	XXH128_hash_t h = XXH3_128bits(data, n);
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, h);
	memcpy(out->bytes, c.digest, sizeof(out->bytes));
}

uint64_t mlops__hash64(const void *data, size_t n)
{
	return XXH3_64bits(data, n);
}

int mlops__hasher_new(mlops_hasher **out)
{
	*out = NULL;
	mlops_hasher *h = mlops__malloc(sizeof(*h));
	if (!h)
		return MLOPS_ENOMEM;
	h->state = XXH3_createState();
	if (!h->state) {
		free(h);
		return mlops__error(MLOPS_ENOMEM, "out of memory allocating a hash state");
	}
	XXH3_128bits_reset(h->state);
	*out = h;
	return 0;
}

void mlops__hasher_reset(mlops_hasher *h)
{
	XXH3_128bits_reset(h->state);
}

void mlops__hasher_update(mlops_hasher *h, const void *data, size_t n)
{
	if (n)
		XXH3_128bits_update(h->state, data, n);
}

void mlops__hasher_final(mlops_oid *out, mlops_hasher *h)
{
	XXH128_hash_t v = XXH3_128bits_digest(h->state);
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, v);
	memcpy(out->bytes, c.digest, sizeof(out->bytes));
}

void mlops__hasher_free(mlops_hasher *h)
{
	if (!h)
		return;
	XXH3_freeState(h->state);
	free(h);
}

static const char hexdigits[] = "0123456789abcdef";

static void bytes_to_hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits[b[i] >> 4];
		out[2 * i + 1] = hexdigits[b[i] & 0xf];
	}
	out[2 * n] = '\0';
}

void mlops__oid_to_hex(char out[MLOPS_OID_BUFSIZE], const mlops_oid *oid)
{
	bytes_to_hex(out, oid->bytes, sizeof(oid->bytes));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mlops__oid_from_hex(mlops_oid *out, const char *hex)
{
	if (!hex)
		return mlops__error(MLOPS_EINVAL, "object id is NULL");
	size_t len = strnlen(hex, MLOPS_OID_HEXLEN + 1);
	if (len != MLOPS_OID_HEXLEN)
		return mlops__error(MLOPS_EINVAL, "object id '%.40s%s' must be %d hex characters", hex,
		                    len > 40 ? "..." : "", MLOPS_OID_HEXLEN);
	for (size_t i = 0; i < 16; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return mlops__error(MLOPS_EINVAL, "object id '%s' has a non-hex character at position %zu", hex,
			                    hi < 0 ? 2 * i : 2 * i + 1);
		out->bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

bool mlops__oid_hex_valid(const char *hex)
{
	if (!hex)
		return false;
	for (size_t i = 0; i < MLOPS_OID_HEXLEN; i++) {
		char c = hex[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return hex[MLOPS_OID_HEXLEN] == '\0';
}

int mlops__random_hex32(char out[MLOPS_OID_BUFSIZE])
{
	uint8_t b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			out[0] = '\0';
			return mlops__error_errno(errno, "cannot read random bytes");
		}
		got += (size_t)n;
	}
	bytes_to_hex(out, b, sizeof(b));
	return 0;
}
