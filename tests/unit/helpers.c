/* Shared unit-test helpers: temporary directories, files, deterministic data. */
#include "helpers.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/fs_pack.h"
#include "util/util.h"

char *th_tmpdir(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof(tmpl), "%s/mlops-%s-XXXXXX", base && *base ? base : "/tmp", tag ? tag : "test");
	char *dir = mkdtemp(tmpl);
	assert_non_null(dir);
	char *copy = strdup(dir);
	assert_non_null(copy);
	return copy;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

void th_rmrf(const char *path)
{
	if (path)
		nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

void th_write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

void th_fill_random(void *buf, size_t n, uint64_t seed)
{
	uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
	unsigned char *p = buf;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t v = xorshift(&s);
		memcpy(p + i, &v, 8);
	}
	if (i < n) {
		uint64_t v = xorshift(&s);
		memcpy(p + i, &v, n - i);
	}
}

void th_fill_text(void *buf, size_t n, uint64_t seed)
{
	static const char *words[] = {"alpha", "beta", "gamma", "delta", "loss", "accuracy", "epoch", "model",
	                              "feature", "dataset", "0.125", "42", "\n", ",", " "};
	uint64_t s = seed * 0x9E3779B97F4A7C15ull + 7;
	char *p = buf;
	size_t i = 0;
	while (i < n) {
		const char *w = words[xorshift(&s) % (sizeof(words) / sizeof(words[0]))];
		size_t len = strlen(w);
		if (len > n - i)
			len = n - i;
		memcpy(p + i, w, len);
		i += len;
	}
}

void th_assert_rc_(int rc, int expected, const char *file, int line)
{
	if (rc != expected) {
		const mlops_error *e = mlops_error_last();
		print_error("%s:%d: expected rc %d (%s), got %d (%s): %s\n", file, line, expected,
		            mlops_error_name(expected), rc, mlops_error_name(rc), e->message);
		_fail(file, line);
	}
}

int th_under_valgrind(void)
{
	const char *v = getenv("MLOPS_TEST_VALGRIND");
	return v && *v && strcmp(v, "0") != 0;
}

/* Parse one pack index (docs/format.md) looking for key; the tests read the format independently of fs_pack.c. */
static bool idx_find(const char *path, const mlops_oid *key, long *offset, long *size)
{
	char *data = NULL;
	size_t n = 0;
	if (mlops__file_read_all(&data, &n, path) != 0)
		return false;
	const uint8_t *b = (const uint8_t *)data;
	bool found = false;
	if (n >= FS_PACK_IDX_HEADER + 8 && memcmp(b, FS_PACK_IDX_MAGIC, 4) == 0) {
		uint64_t count = mlops__get_le64(b + 8);
		for (uint64_t i = 0; i < count && FS_PACK_IDX_HEADER + (i + 1) * FS_PACK_IDX_ENTRY <= n; i++) {
			const uint8_t *e = b + FS_PACK_IDX_HEADER + i * FS_PACK_IDX_ENTRY;
			if (memcmp(e, key->bytes, 16) == 0) {
				*offset = (long)mlops__get_le64(e + 16);
				*size = (long)mlops__get_le64(e + 24);
				found = true;
				break;
			}
		}
	}
	free(data);
	return found;
}

char *th_blob_locate(const char *objects, const char *hex, long *offset, long *size)
{
	char rel[64];
	snprintf(rel, sizeof(rel), "%.2s/%s", hex, hex + 2);
	char *loose = mlops__path_join(objects, rel);
	struct stat st;
	if (loose && stat(loose, &st) == 0) {
		*offset = 0;
		*size = (long)st.st_size;
		return loose;
	}
	free(loose);
	mlops_oid key;
	if (mlops__oid_from_hex(&key, hex) != 0)
		return NULL;
	char *dir = mlops__path_join(objects, "packs");
	DIR *d = dir ? opendir(dir) : NULL;
	char *found = NULL;
	struct dirent *e;
	while (d && !found && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (strncmp(e->d_name, "pack-", 5) != 0 || len < 9 || strcmp(e->d_name + len - 4, ".idx") != 0)
			continue;
		char *idx = mlops__path_join(dir, e->d_name);
		if (idx && idx_find(idx, &key, offset, size))
			found = mlops__sprintf("%.*s.pack", (int)(strlen(idx) - 4), idx);
		free(idx);
	}
	if (d)
		closedir(d);
	free(dir);
	return found;
}
