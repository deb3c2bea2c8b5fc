/*
 * Tree manifests: the immutable list of a version's entries (path, size, mode, content id), encoded in a compact
 * binary form and stored as an object (docs/format.md, "Datasets"):
 *   "MLDSTREE" | u32 format version (1) | u32 flags (bit 0: single file) | u64 count |
 *   count x ( u32 mode | u64 size | 16-byte XXH128 content id | u32 path length | path bytes )
 * little-endian, entries sorted by path bytes, unique. The object id (XXH128 of these bytes) is the manifest id,
 * so identical trees have identical manifests. Binary rather than JSON so that a 100,000-file tree decodes in a
 * few milliseconds without a parser.
 */
#include <stdlib.h>
#include <string.h>

#include "datasets/ds_int.h"

static const char magic[8] = {'M', 'L', 'D', 'S', 'T', 'R', 'E', 'E'};
#define HEAD_SIZE 24
#define ENTRY_FIXED 32
#define FORMAT_VERSION 1
#define FLAG_SINGLE 0x1u

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

int mlops_datasets__manifest_encode(uint8_t **out, size_t *out_n, const ds_entry *entries, size_t count,
                                    bool is_file)
{
	*out = NULL;
	*out_n = 0;
	size_t total = HEAD_SIZE;
	for (size_t i = 0; i < count; i++)
		total += ENTRY_FIXED + strlen(entries[i].path);
	uint8_t *buf = mlops__malloc(total);
	if (!buf)
		return MLOPS_ENOMEM;
	memcpy(buf, magic, 8);
	put32(buf + 8, FORMAT_VERSION);
	put32(buf + 12, is_file ? FLAG_SINGLE : 0);
	put64(buf + 16, count);
	uint8_t *p = buf + HEAD_SIZE;
	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(entries[i].path);
		put32(p, entries[i].mode);
		put64(p + 4, entries[i].size);
		memcpy(p + 12, entries[i].oid.bytes, 16);
		put32(p + 28, (uint32_t)len);
		memcpy(p + ENTRY_FIXED, entries[i].path, len);
		p += ENTRY_FIXED + len;
	}
	*out = buf;
	*out_n = total;
	return 0;
}

int mlops_datasets__manifest_decode(ds_manifest *m, const uint8_t *data, size_t n, const char *id)
{
	memset(m, 0, sizeof(*m));
	if (n < HEAD_SIZE || memcmp(data, magic, 8) != 0)
		return mlops__error(MLOPS_ECORRUPT, "dataset manifest %s: not a tree manifest", id);
	uint32_t version = get32(data + 8);
	if (version != FORMAT_VERSION)
		return mlops__error(MLOPS_EVERSION, "dataset manifest %s: format version %u is not supported", id,
		                    version);
	uint32_t flags = get32(data + 12);
	uint64_t count = get64(data + 16);
	if (count > (n - HEAD_SIZE) / ENTRY_FIXED)
		return mlops__error(MLOPS_ECORRUPT, "dataset manifest %s: %llu entries do not fit in %zu bytes", id,
		                    (unsigned long long)count, n);
	/* Paths are copied into one arena with their NULs: at most the payload size plus one byte per entry. */
	m->entries = mlops__calloc(count ? count : 1, sizeof(ds_entry));
	m->arena = mlops__malloc(n + count + 1);
	if (!m->entries || !m->arena) {
		mlops_datasets__manifest_free(m);
		return MLOPS_ENOMEM;
	}
	m->is_file = (flags & FLAG_SINGLE) != 0;
	const uint8_t *p = data + HEAD_SIZE, *end = data + n;
	char *a = m->arena;
	for (uint64_t i = 0; i < count; i++) {
		if ((size_t)(end - p) < ENTRY_FIXED)
			goto truncated;
		ds_entry *e = &m->entries[i];
		e->mode = get32(p);
		e->size = get64(p + 4);
		memcpy(e->oid.bytes, p + 12, 16);
		uint32_t len = get32(p + 28);
		p += ENTRY_FIXED;
		if ((size_t)(end - p) < len)
			goto truncated;
		memcpy(a, p, len);
		a[len] = '\0';
		int rc = mlops_datasets__check_path(a, len);
		if (rc) {
			mlops__error_prefix("dataset manifest %s, entry %llu", id, (unsigned long long)i);
			mlops_datasets__manifest_free(m);
			return MLOPS_ECORRUPT;
		}
		e->path = a;
		a += len + 1;
		p += len;
		if (i > 0 && strcmp(m->entries[i - 1].path, e->path) >= 0) {
			mlops__error(MLOPS_ECORRUPT, "dataset manifest %s: entries not sorted at '%s'", id, e->path);
			mlops_datasets__manifest_free(m);
			return MLOPS_ECORRUPT;
		}
		m->count++;
	}
	if (p != end) {
		mlops_datasets__manifest_free(m);
		return mlops__error(MLOPS_ECORRUPT, "dataset manifest %s: %zu trailing bytes", id, (size_t)(end - p));
	}
	return 0;
truncated:
	mlops_datasets__manifest_free(m);
	return mlops__error(MLOPS_ECORRUPT, "dataset manifest %s: truncated", id);
}

int mlops_datasets__manifest_load(ds_manifest *m, mlops_store *store, const char *manifest_hex)
{
	memset(m, 0, sizeof(*m));
	mlops_oid id;
	int rc = mlops__oid_from_hex(&id, manifest_hex);
	if (rc)
		return rc;
	void *data = NULL;
	size_t n = 0;
	rc = mlops__odb_get(&data, &n, mlops_store__odb(store), &id);
	if (rc)
		return mlops__error_prefix("cannot read dataset manifest %s", manifest_hex);
	rc = mlops_datasets__manifest_decode(m, data, n, manifest_hex);
	free(data);
	return rc;
}

void mlops_datasets__manifest_free(ds_manifest *m)
{
	if (!m)
		return;
	free(m->entries);
	free(m->arena);
	memset(m, 0, sizeof(*m));
}

const ds_entry *mlops_datasets__manifest_find(const ds_manifest *m, const char *path)
{
	size_t lo = 0, hi = m->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->entries[mid].path, path);
		if (c == 0)
			return &m->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

uint64_t mlops_datasets__manifest_bytes(const ds_manifest *m)
{
	uint64_t t = 0;
	for (size_t i = 0; i < m->count; i++)
		t += m->entries[i].size;
	return t;
}
