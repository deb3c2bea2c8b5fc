/* Shared unit-test helpers: temporary directories, files, deterministic data. */
#include "helpers.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
