/* Unit tests of src/util: errors, allocation, buffers, hashing, compression, clocks, JSON writer, files. */
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "util/util.h"

/* ---- errors ---- */

static void test_error_basic(void **state)
{
	(void)state;
	mlops_error_clear();
	const mlops_error *e = mlops_error_last();
	assert_non_null(e);
	assert_non_null(e->message);
	assert_int_equal(e->code, MLOPS_OK);
	assert_string_equal(e->message, "");
	assert_int_equal(mlops__error(MLOPS_ENOTFOUND, "run '%s' not found (%d)", "abc", 7), MLOPS_ENOTFOUND);
	e = mlops_error_last();
	assert_int_equal(e->code, MLOPS_ENOTFOUND);
	assert_string_equal(e->message, "run 'abc' not found (7)");
	assert_int_equal(mlops__error_prefix("opening store '%s'", "/x"), MLOPS_ENOTFOUND);
	assert_string_equal(mlops_error_last()->message, "opening store '/x': run 'abc' not found (7)");
	assert_int_equal(mlops_error_last()->code, MLOPS_ENOTFOUND);
	/* An argument pointing into the current message must not be clobbered while formatting. */
	mlops__error(MLOPS_EIO, "again: %s", mlops_error_last()->message);
	assert_string_equal(mlops_error_last()->message, "again: opening store '/x': run 'abc' not found (7)");
	mlops__error_reset();
	assert_int_equal(mlops_error_last()->code, MLOPS_OK);
	assert_string_equal(mlops_error_last()->message, "");
}

static void test_error_truncation(void **state)
{
	(void)state;
	char *big = malloc(10000);
	assert_non_null(big);
	memset(big, 'x', 9999);
	big[9999] = '\0';
	mlops__error(MLOPS_EINVAL, "value %s end", big);
	const char *m = mlops_error_last()->message;
	size_t len = strlen(m);
	assert_int_equal(len, 4095);
	assert_string_equal(m + len - 3, "...");
	assert_memory_equal(m, "value xxx", 9);
	/* Prefixing a full message stays bounded too. */
	mlops__error_prefix("prefix");
	m = mlops_error_last()->message;
	assert_int_equal(strlen(m), 4095);
	assert_memory_equal(m, "prefix: value", 13);
	assert_string_equal(m + 4092, "...");
	free(big);
	mlops_error_clear();
}

static void test_error_errno(void **state)
{
	(void)state;
	assert_int_equal(mlops__error_errno(ENOENT, "cannot open '%s'", "f"), MLOPS_ENOTFOUND);
	char expect[256];
	snprintf(expect, sizeof(expect), "cannot open 'f' (%s)", strerror(ENOENT));
	assert_string_equal(mlops_error_last()->message, expect);
	assert_int_equal(mlops__errno_code(ENOSPC), MLOPS_ENOSPC);
	assert_int_equal(mlops__errno_code(EDQUOT), MLOPS_ENOSPC);
	assert_int_equal(mlops__errno_code(ENOMEM), MLOPS_ENOMEM);
	assert_int_equal(mlops__errno_code(EEXIST), MLOPS_EEXISTS);
	assert_int_equal(mlops__errno_code(EACCES), MLOPS_EIO);
	assert_int_equal(mlops__errno_code(EROFS), MLOPS_EIO);
	assert_int_equal(mlops__errno_code(EPIPE), MLOPS_EIO);
	mlops_error_clear();
}

static void test_error_names(void **state)
{
	(void)state;
	assert_string_equal(mlops_error_name(MLOPS_OK), "MLOPS_OK");
	assert_string_equal(mlops_error_name(MLOPS_ERROR), "MLOPS_ERROR");
	assert_string_equal(mlops_error_name(MLOPS_EINVAL), "MLOPS_EINVAL");
	assert_string_equal(mlops_error_name(MLOPS_ENOTFOUND), "MLOPS_ENOTFOUND");
	assert_string_equal(mlops_error_name(MLOPS_EEXISTS), "MLOPS_EEXISTS");
	assert_string_equal(mlops_error_name(MLOPS_ECONFLICT), "MLOPS_ECONFLICT");
	assert_string_equal(mlops_error_name(MLOPS_EBUSY), "MLOPS_EBUSY");
	assert_string_equal(mlops_error_name(MLOPS_ECORRUPT), "MLOPS_ECORRUPT");
	assert_string_equal(mlops_error_name(MLOPS_EIO), "MLOPS_EIO");
	assert_string_equal(mlops_error_name(MLOPS_ENOSPC), "MLOPS_ENOSPC");
	assert_string_equal(mlops_error_name(MLOPS_ENOMEM), "MLOPS_ENOMEM");
	assert_string_equal(mlops_error_name(MLOPS_EREADONLY), "MLOPS_EREADONLY");
	assert_string_equal(mlops_error_name(MLOPS_EVERSION), "MLOPS_EVERSION");
	assert_string_equal(mlops_error_name(MLOPS_EPARSE), "MLOPS_EPARSE");
	assert_string_equal(mlops_error_name(MLOPS_EUSER), "MLOPS_EUSER");
	assert_string_equal(mlops_error_name(MLOPS_ITEROVER), "MLOPS_ITEROVER");
	assert_string_equal(mlops_error_name(-999), "MLOPS_E?");
	assert_string_equal(mlops_error_name(5), "MLOPS_E?");
	assert_int_equal(mlops_version_number(), MLOPS_VERSION_NUMBER);
	assert_string_equal(mlops_version_string(), MLOPS_VERSION_STRING);
}

typedef struct thread_arg {
	pthread_barrier_t *barrier;
	int code;
	char msg[64];
	int seen_code;
	char seen_msg[64];
} thread_arg;

static void *error_thread(void *p)
{
	thread_arg *a = p;
	/* A fresh thread starts with no error. */
	a->seen_code = mlops_error_last()->code;
	snprintf(a->seen_msg, sizeof(a->seen_msg), "%s", mlops_error_last()->message);
	pthread_barrier_wait(a->barrier);
	mlops__error(a->code, "%s", a->msg);
	/* Both threads have set their error before either reads it back. */
	pthread_barrier_wait(a->barrier);
	if (mlops_error_last()->code != a->code || strcmp(mlops_error_last()->message, a->msg) != 0)
		a->seen_code = 12345;
	return NULL;
}

static void test_error_threads(void **state)
{
	(void)state;
	mlops__error(MLOPS_ECONFLICT, "main thread");
	pthread_barrier_t barrier;
	assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
	thread_arg a = { &barrier, MLOPS_EIO, "thread one", -1, "?" };
	thread_arg b = { &barrier, MLOPS_EBUSY, "thread two", -1, "?" };
	pthread_t ta, tb;
	assert_int_equal(pthread_create(&ta, NULL, error_thread, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, error_thread, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&barrier);
	assert_int_equal(a.seen_code, MLOPS_OK);
	assert_int_equal(b.seen_code, MLOPS_OK);
	assert_string_equal(a.seen_msg, "");
	assert_string_equal(b.seen_msg, "");
	assert_int_equal(mlops_error_last()->code, MLOPS_ECONFLICT);
	assert_string_equal(mlops_error_last()->message, "main thread");
	mlops_error_clear();
}

/* ---- allocation and strings ---- */

static void test_alloc(void **state)
{
	(void)state;
	void *p = mlops_alloc(0);
	assert_non_null(p);
	mlops_free(p);
	mlops_free(NULL);
	p = mlops__calloc(4, 8);
	assert_non_null(p);
	for (int i = 0; i < 32; i++)
		assert_int_equal(((unsigned char *)p)[i], 0);
	p = mlops__realloc(p, 1000);
	assert_non_null(p);
	free(p);
	mlops_error_clear();
	assert_null(mlops__calloc(SIZE_MAX / 2, 4));
	assert_int_equal(mlops_error_last()->code, MLOPS_ENOMEM);
	assert_non_null(strstr(mlops_error_last()->message, "out of memory allocating"));
#if !defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer aborts on impossible sizes instead of returning NULL; valgrind reports them as errors. */
	if (!th_under_valgrind()) {
		mlops_error_clear();
		assert_null(mlops__malloc(SIZE_MAX - 16));
		assert_int_equal(mlops_error_last()->code, MLOPS_ENOMEM);
		char expect[80];
		snprintf(expect, sizeof(expect), "out of memory allocating %zu bytes", SIZE_MAX - 16);
		assert_string_equal(mlops_error_last()->message, expect);
	}
#endif
	mlops_error_clear();
	assert_null(mlops__strdup(NULL));
	assert_int_equal(mlops_error_last()->code, MLOPS_OK);
	char *s = mlops__strdup("hello");
	assert_string_equal(s, "hello");
	free(s);
	s = mlops__strndup("hello", 3);
	assert_string_equal(s, "hel");
	free(s);
	s = mlops__strndup("hi", 10);
	assert_string_equal(s, "hi");
	free(s);
	s = mlops__sprintf("%s-%d", "a", 42);
	assert_string_equal(s, "a-42");
	free(s);
	assert_true(mlops__str_empty(NULL));
	assert_true(mlops__str_empty(""));
	assert_false(mlops__str_empty("x"));
}

/* ---- buffers ---- */

static void test_buf(void **state)
{
	(void)state;
	mlops_buf b = MLOPS_BUF_INIT;
	char *d = mlops__buf_detach(&b);
	assert_non_null(d);
	assert_string_equal(d, "");
	free(d);
	th_ok(mlops__buf_puts(&b, "ab"));
	th_ok(mlops__buf_putc(&b, 'c'));
	th_ok(mlops__buf_put(&b, "dexyz", 2));
	th_ok(mlops__buf_printf(&b, "-%d-%s", 12, "z"));
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "abcde-12-z");
	assert_true(b.cap > b.len);
	/* growth well beyond the first capacity, through printf and put */
	for (int i = 0; i < 10000; i++)
		th_ok(mlops__buf_printf(&b, "%05d", i));
	assert_int_equal(b.len, 10 + 50000);
	assert_memory_equal(b.data + 10, "00000", 5);
	assert_memory_equal(b.data + 10 + 5 * 9999, "09999", 5);
	assert_int_equal(b.data[b.len], '\0');
	char big[5000];
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	th_ok(mlops__buf_printf(&b, "%s!", big));
	assert_int_equal(b.len, 10 + 50000 + 5000);
	assert_int_equal(b.data[b.len - 1], '!');
	assert_int_equal(b.data[b.len - 2], 'q');
	size_t cap = b.cap;
	mlops__buf_clear(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);
	assert_string_equal(b.data, "");
	th_ok(mlops__buf_put(&b, "x\0y", 3));
	assert_int_equal(b.len, 3);
	d = mlops__buf_detach(&b);
	assert_memory_equal(d, "x\0y", 4);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	free(d);
	th_ok(mlops__buf_grow(&b, 100));
	assert_true(b.cap >= 101);
	assert_string_equal(b.data, "");
	mlops__buf_free(&b);
	assert_null(b.data);
	mlops__buf_free(&b);
}

/* ---- hashing ---- */

static void test_hash_vectors(void **state)
{
	(void)state;
	/* Expected values printed by `xxhsum -H2` (XXH128) and `xxhsum -H3` (XXH3_64bits). */
	static const struct { const char *in; const char *hex; } v[] = {
		{ "", "99aa06d3014798d86001c324468d497f" },
		{ "abc", "06b05ab6733a618578af5f94892f3950" },
		{ "The quick brown fox jumps over the lazy dog", "ddd650205ca3e7fa24a1cc2e3a8a7651" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		mlops_oid oid;
		char hex[MLOPS_OID_BUFSIZE];
		mlops__hash128(&oid, v[i].in, strlen(v[i].in));
		mlops__oid_to_hex(hex, &oid);
		assert_string_equal(hex, v[i].hex);
		assert_true(mlops__oid_hex_valid(hex));
	}
	assert_int_equal(mlops__hash64("abc", 3), 0x78af5f94892f3950ull);
}

static void test_hasher_streaming(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	unsigned char *data = malloc(n);
	assert_non_null(data);
	th_fill_random(data, n, 3);
	mlops_oid one, streamed;
	mlops__hash128(&one, data, n);
	mlops_hasher *h;
	th_ok(mlops__hasher_new(&h));
	/* Uneven pieces, including empty ones. */
	size_t off = 0, step = 1;
	while (off < n) {
		size_t k = step < n - off ? step : n - off;
		mlops__hasher_update(h, data + off, k);
		mlops__hasher_update(h, data, 0);
		off += k;
		step = step * 3 + 1;
	}
	mlops__hasher_final(&streamed, h);
	assert_memory_equal(one.bytes, streamed.bytes, 16);
	mlops__hasher_reset(h);
	mlops__hasher_update(h, "abc", 3);
	mlops__hasher_final(&streamed, h);
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, &streamed);
	assert_string_equal(hex, "06b05ab6733a618578af5f94892f3950");
	mlops__hasher_free(h);
	mlops__hasher_free(NULL);
	free(data);
}

static void test_hex(void **state)
{
	(void)state;
	mlops_oid oid, back;
	for (int i = 0; i < 16; i++)
		oid.bytes[i] = (uint8_t)(i * 17 + 3);
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, &oid);
	assert_int_equal(strlen(hex), 32);
	assert_string_equal(hex, "03142536475869" "7a8b9cadbecfe0f102");
	th_ok(mlops__oid_from_hex(&back, hex));
	assert_memory_equal(oid.bytes, back.bytes, 16);
	th_ok(mlops__oid_from_hex(&back, "031425364758697A8B9CADBECFE0F102"));
	assert_memory_equal(oid.bytes, back.bytes, 16);
	assert_false(mlops__oid_hex_valid("031425364758697A8B9CADBECFE0F102"));
	assert_false(mlops__oid_hex_valid("0314"));
	assert_false(mlops__oid_hex_valid("031425364758697a8b9cadbecfe0f1020"));
	assert_false(mlops__oid_hex_valid(NULL));
	th_assert_rc(mlops__oid_from_hex(&back, "0314"), MLOPS_EINVAL);
	assert_non_null(strstr(mlops_error_last()->message, "0314"));
	th_assert_rc(mlops__oid_from_hex(&back, "031425364758697a8b9cadbecfe0f1020"), MLOPS_EINVAL);
	th_assert_rc(mlops__oid_from_hex(&back, "0314253647586g7a8b9cadbecfe0f102"), MLOPS_EINVAL);
	assert_non_null(strstr(mlops_error_last()->message, "position 13"));
	th_assert_rc(mlops__oid_from_hex(&back, NULL), MLOPS_EINVAL);
	th_assert_rc(mlops__oid_from_hex(&back, ""), MLOPS_EINVAL);
	char r1[MLOPS_OID_BUFSIZE], r2[MLOPS_OID_BUFSIZE];
	th_ok(mlops__random_hex32(r1));
	th_ok(mlops__random_hex32(r2));
	assert_true(mlops__oid_hex_valid(r1));
	assert_true(mlops__oid_hex_valid(r2));
	assert_string_not_equal(r1, r2);
}

/* ---- compression ---- */

static void test_zstd_oneshot(void **state)
{
	(void)state;
	size_t n = 300000;
	char *raw = malloc(n);
	assert_non_null(raw);
	th_fill_text(raw, n, 5);
	size_t cap = mlops__zstd_bound(n);
	assert_true(cap >= n);
	char *z = malloc(cap);
	char *back = malloc(n + 16);
	assert_non_null(z);
	assert_non_null(back);
	size_t zn = 0;
	th_ok(mlops__zstd_compress(z, cap, &zn, raw, n, 3));
	assert_true(zn > 0 && zn < n / 2);
	th_ok(mlops__zstd_decompress(back, n, z, zn));
	assert_memory_equal(raw, back, n);
	/* A frame holding another size than expected. */
	th_assert_rc(mlops__zstd_decompress(back, n - 1, z, zn), MLOPS_ECORRUPT);
	th_assert_rc(mlops__zstd_decompress(back, n + 16, z, zn), MLOPS_ECORRUPT);
	/* A truncated frame and a damaged frame. */
	th_assert_rc(mlops__zstd_decompress(back, n, z, zn / 2), MLOPS_ECORRUPT);
	z[zn / 2] ^= 0x55;
	z[zn / 2 + 1] ^= 0x55;
	int rc = mlops__zstd_decompress(back, n, z, zn);
	assert_int_equal(rc, MLOPS_ECORRUPT);
	assert_true(strlen(mlops_error_last()->message) > 0);
	/* Not a zstd frame at all: the message carries zstd's error name. */
	th_assert_rc(mlops__zstd_decompress(back, 5, "hello world, not zstd", 21), MLOPS_ECORRUPT);
	assert_non_null(strstr(mlops_error_last()->message, "zstd"));
	/* Too small a destination. */
	th_assert_rc(mlops__zstd_compress(z, 4, &zn, raw, n, 3), MLOPS_ERROR);
	assert_non_null(strstr(mlops_error_last()->message, "Destination buffer is too small"));
	/* Empty input round trip. */
	th_ok(mlops__zstd_compress(z, cap, &zn, raw, 0, 3));
	th_ok(mlops__zstd_decompress(back, 0, z, zn));
	free(raw);
	free(z);
	free(back);
}

static void test_zstd_damaged_payload(void **state)
{
	(void)state;
	size_t n = 4096;
	char raw[4096], z[8192], back[4096];
	th_fill_text(raw, n, 9);
	size_t zn;
	th_ok(mlops__zstd_compress(z, sizeof(z), &zn, raw, n, 19));
	/* A damaged magic number: not a frame at all. */
	z[0] ^= 0xff;
	th_assert_rc(mlops__zstd_decompress(back, n, z, zn), MLOPS_ECORRUPT);
}

static void test_zstd_stream(void **state)
{
	(void)state;
	size_t n = 20u << 20;
	unsigned char *raw = malloc(n);
	assert_non_null(raw);
	/* Half text (compressible), half random (not). */
	th_fill_text(raw, n / 2, 11);
	th_fill_random(raw + n / 2, n - n / 2, 12);
	mlops_zstream *c;
	th_ok(mlops__zstream_compress_new(&c, 3));
	mlops_buf z = MLOPS_BUF_INIT;
	size_t off = 0, piece = 777777;
	while (off < n) {
		size_t k = piece < n - off ? piece : n - off;
		th_ok(mlops__zstream_run(c, &z, raw + off, k, false));
		off += k;
	}
	th_ok(mlops__zstream_run(c, &z, NULL, 0, true));
	mlops__zstream_free(c);
	assert_true(z.len > n / 2 && z.len < n);
	mlops_zstream *d;
	th_ok(mlops__zstream_decompress_new(&d));
	mlops_buf out = MLOPS_BUF_INIT;
	off = 0;
	piece = 65521;
	while (off < z.len) {
		size_t k = piece < z.len - off ? piece : z.len - off;
		th_ok(mlops__zstream_run(d, &out, z.data + off, k, off + k == z.len));
		off += k;
	}
	mlops__zstream_free(d);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, raw, n);
	/* A truncated stream is reported when the caller says it ended. */
	th_ok(mlops__zstream_decompress_new(&d));
	mlops__buf_clear(&out);
	th_assert_rc(mlops__zstream_run(d, &out, z.data, z.len - 100, true), MLOPS_ECORRUPT);
	mlops__zstream_free(d);
	/* Garbage is reported as corrupt. */
	th_ok(mlops__zstream_decompress_new(&d));
	mlops__buf_clear(&out);
	th_assert_rc(mlops__zstream_run(d, &out, raw + n / 2, 4096, true), MLOPS_ECORRUPT);
	mlops__zstream_free(d);
	/* The one-shot decompressor reads a streamed frame too. */
	mlops_zstream *c2;
	th_ok(mlops__zstream_compress_new(&c2, 1));
	mlops_buf z2 = MLOPS_BUF_INIT;
	th_ok(mlops__zstream_run(c2, &z2, raw, 100000, true));
	mlops__zstream_free(c2);
	th_ok(mlops__zstd_decompress(out.data, 100000, z2.data, z2.len));
	assert_memory_equal(out.data, raw, 100000);
	mlops__zstream_free(NULL);
	mlops__buf_free(&z2);
	mlops__buf_free(&z);
	mlops__buf_free(&out);
	free(raw);
}

/* ---- clocks ---- */

static void test_clock(void **state)
{
	(void)state;
	int64_t ms = mlops__now_ms();
	int64_t ns = mlops__now_ns();
	/* After 2020-01-01 and consistent with each other. */
	assert_true(ms > 1577836800000LL);
	assert_true(ns / 1000000 >= ms && ns / 1000000 - ms < 1000);
	uint64_t a = mlops__mono_ns();
	usleep(20000);
	uint64_t b = mlops__mono_ns();
	assert_true(b - a >= 20000000u);
	assert_true(b - a < 2000000000u);
}

/* ---- JSON ---- */

static void test_json_nesting(void **state)
{
	(void)state;
	mlops_buf b = MLOPS_BUF_INIT;
	mlops_json j;
	mlops__json_init(&j, &b);
	mlops__json_object_begin(&j);
	mlops__json_key(&j, "a");
	mlops__json_int(&j, -5);
	mlops__json_key(&j, "b");
	mlops__json_array_begin(&j);
	mlops__json_uint(&j, UINT64_MAX);
	mlops__json_bool(&j, true);
	mlops__json_bool(&j, false);
	mlops__json_null(&j);
	mlops__json_object_begin(&j);
	mlops__json_object_end(&j);
	mlops__json_array_begin(&j);
	mlops__json_array_end(&j);
	mlops__json_string(&j, NULL);
	mlops__json_raw(&j, "{\"r\":1}");
	mlops__json_array_end(&j);
	mlops__json_key(&j, "c");
	mlops__json_object_begin(&j);
	mlops__json_key(&j, "d");
	mlops__json_double(&j, 0.5);
	mlops__json_key(&j, "e");
	mlops__json_string(&j, "x");
	mlops__json_object_end(&j);
	mlops__json_key(&j, "min");
	mlops__json_int(&j, INT64_MIN);
	mlops__json_object_end(&j);
	th_ok(mlops__json_finish(&j));
	assert_string_equal(b.data, "{\"a\":-5,\"b\":[18446744073709551615,true,false,null,{},[],null,{\"r\":1}],"
	                            "\"c\":{\"d\":0.5,\"e\":\"x\"},\"min\":-9223372036854775808}");
	/* Top-level sequence of values and an unbalanced document. */
	mlops__buf_clear(&b);
	mlops__json_init(&j, &b);
	mlops__json_array_begin(&j);
	th_assert_rc(mlops__json_finish(&j), MLOPS_EINVAL);
	mlops__buf_clear(&b);
	mlops__json_init(&j, &b);
	mlops__json_array_end(&j);
	th_assert_rc(mlops__json_finish(&j), MLOPS_EINVAL);
	/* Too deep. */
	mlops__buf_clear(&b);
	mlops__json_init(&j, &b);
	for (int i = 0; i < 100; i++)
		mlops__json_array_begin(&j);
	th_assert_rc(mlops__json_finish(&j), MLOPS_EINVAL);
	mlops__buf_free(&b);
}

static void test_json_escaping(void **state)
{
	(void)state;
	mlops_buf b = MLOPS_BUF_INIT;
	mlops_json j;
	mlops__json_init(&j, &b);
	mlops__json_array_begin(&j);
	mlops__json_string(&j, "q\"b\\s/\n\r\t\b\f\x01\x1f end");
	mlops__json_string(&j, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	mlops__json_string(&j, "bad\xff" "x");
	mlops__json_string(&j, "over\xc0\xaflong");
	mlops__json_string(&j, "sur\xed\xa0\x80" "r");
	mlops__json_string(&j, "cut\xe2\x82");
	mlops__json_string_n(&j, "nul\0in", 6);
	mlops__json_array_end(&j);
	th_ok(mlops__json_finish(&j));
	assert_string_equal(b.data,
	                    "[\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u001f end\","
	                    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
	                    "\"bad\xef\xbf\xbdx\","
	                    "\"over\xef\xbf\xbd\xef\xbf\xbdlong\","
	                    "\"sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdr\","
	                    "\"cut\xef\xbf\xbd\xef\xbf\xbd\","
	                    "\"nul\\u0000in\"]");
	assert_true(mlops__utf8_valid(b.data, b.len));
	/* Keys are escaped too. */
	mlops__buf_clear(&b);
	mlops__json_init(&j, &b);
	mlops__json_object_begin(&j);
	mlops__json_key(&j, "k\"1");
	mlops__json_int(&j, 1);
	mlops__json_object_end(&j);
	th_ok(mlops__json_finish(&j));
	assert_string_equal(b.data, "{\"k\\\"1\":1}");
	mlops__buf_free(&b);
}

static void test_json_doubles(void **state)
{
	(void)state;
	mlops_buf b = MLOPS_BUF_INIT;
	mlops_json j;
	mlops__json_init(&j, &b);
	mlops__json_array_begin(&j);
	mlops__json_double(&j, NAN);
	mlops__json_double(&j, INFINITY);
	mlops__json_double(&j, -INFINITY);
	mlops__json_double(&j, 0.1);
	mlops__json_double(&j, 1.0);
	mlops__json_double(&j, -2.5e-300);
	mlops__json_array_end(&j);
	th_ok(mlops__json_finish(&j));
	assert_string_equal(b.data, "[\"NaN\",\"Infinity\",\"-Infinity\",0.1,1,-2.5e-300]");
	mlops__buf_free(&b);
}

static void test_fmt_double(void **state)
{
	(void)state;
	char out[32];
	static const double values[] = { 0.0, 0.1, 0.2, 0.3, 1.0 / 3.0, 2.0 / 3.0, 1e-300, 1e300, DBL_MAX, -DBL_MAX,
	                                 DBL_MIN, 4.9e-324, DBL_EPSILON, 123456789.123456789, 1e21, 1e22, -1.5,
	                                 3.141592653589793, 2.718281828459045, 0.30000000000000004, 9007199254740993.0,
	                                 100.0, 1e-7, 5e-324 };
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		mlops__fmt_double(out, values[i]);
		double back = strtod(out, NULL);
		assert_memory_equal(&back, &values[i], sizeof(double));
		assert_true(strlen(out) < 32);
	}
	mlops__fmt_double(out, 0.1);
	assert_string_equal(out, "0.1");
	mlops__fmt_double(out, 0.30000000000000004);
	assert_string_equal(out, "0.30000000000000004");
	mlops__fmt_double(out, 1e-300);
	assert_string_equal(out, "1e-300");
	mlops__fmt_double(out, 1.0);
	assert_string_equal(out, "1");
	mlops__fmt_double(out, -0.0);
	assert_string_equal(out, "-0");
	double nz = strtod(out, NULL);
	assert_true(nz == 0.0 && signbit(nz));
	mlops__fmt_double(out, DBL_MAX);
	assert_string_equal(out, "1.7976931348623157e+308");
	mlops__fmt_double(out, NAN);
	assert_string_equal(out, "NaN");
	mlops__fmt_double(out, INFINITY);
	assert_string_equal(out, "Infinity");
	mlops__fmt_double(out, -INFINITY);
	assert_string_equal(out, "-Infinity");
	/* Many pseudo-random bit patterns round-trip. */
	uint64_t s = 88172645463325252ull;
	for (int i = 0; i < 200000; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		double v;
		memcpy(&v, &s, sizeof(v));
		if (!isfinite(v))
			continue;
		mlops__fmt_double(out, v);
		double back = strtod(out, NULL);
		if (memcmp(&back, &v, sizeof(v)) != 0)
			fail_msg("%s does not round-trip", out);
	}
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(mlops__utf8_valid("", 0));
	assert_true(mlops__utf8_valid("plain", 5));
	assert_true(mlops__utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
	assert_true(mlops__utf8_valid("\xf4\x8f\xbf\xbf", 4));      /* U+10FFFF */
	assert_true(mlops__utf8_valid("\xed\x9f\xbf", 3));          /* U+D7FF */
	assert_false(mlops__utf8_valid("\xc0\xaf", 2));             /* overlong '/' */
	assert_false(mlops__utf8_valid("\xe0\x80\xaf", 3));         /* overlong */
	assert_false(mlops__utf8_valid("\xf0\x80\x80\xaf", 4));     /* overlong */
	assert_false(mlops__utf8_valid("\xed\xa0\x80", 3));         /* surrogate U+D800 */
	assert_false(mlops__utf8_valid("\xf4\x90\x80\x80", 4));     /* U+110000 */
	assert_false(mlops__utf8_valid("\xff", 1));
	assert_false(mlops__utf8_valid("\x80", 1));
	assert_false(mlops__utf8_valid("\xc3", 1));                 /* truncated */
	assert_false(mlops__utf8_valid("\xe2\x82\x41", 3));         /* bad continuation */
}

/* ---- files ---- */

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_file_atomic(void **state)
{
	(void)state;
	char *dir = th_tmpdir("util");
	char *path = mlops__path_join(dir, "f.bin");
	assert_non_null(path);
	th_ok(mlops__file_write_atomic(path, "hello", 5, true));
	char *data;
	size_t n;
	th_ok(mlops__file_read_all(&data, &n, path));
	assert_int_equal(n, 5);
	assert_string_equal(data, "hello");
	free(data);
	/* Overwrite with a larger payload, no sync. */
	size_t big = 3 << 20;
	char *payload = malloc(big);
	assert_non_null(payload);
	th_fill_random(payload, big, 21);
	th_ok(mlops__file_write_atomic(path, payload, big, false));
	th_ok(mlops__file_read_all(&data, &n, path));
	assert_int_equal(n, big);
	assert_memory_equal(data, payload, big);
	assert_int_equal(data[n], '\0');
	free(data);
	/* Empty file. */
	th_ok(mlops__file_write_atomic(path, "", 0, true));
	th_ok(mlops__file_read_all(&data, &n, path));
	assert_int_equal(n, 0);
	assert_string_equal(data, "");
	free(data);
	assert_int_equal(count_entries(dir), 1);
	/* Missing directory: fails, leaves nothing behind. */
	char *missing = mlops__path_join(dir, "nope/f.bin");
	th_assert_rc(mlops__file_write_atomic(missing, "x", 1, true), MLOPS_ENOTFOUND);
	assert_non_null(strstr(mlops_error_last()->message, "nope"));
	assert_int_equal(count_entries(dir), 1);
	/* Rename onto a directory fails after the temp file was written: the temp file is removed. */
	char *sub = mlops__path_join(dir, "sub");
	th_ok(mlops__mkdir_p(sub, 0755));
	char *inner = mlops__path_join(sub, "x");
	th_write_file(inner, "1", 1);
	int rc = mlops__file_write_atomic(sub, "data", 4, true);
	assert_true(rc < 0);
	assert_int_equal(count_entries(dir), 2);
	/* Reading a missing file. */
	th_assert_rc(mlops__file_read_all(&data, &n, missing), MLOPS_ENOTFOUND);
	assert_null(data);
	/* A file without a directory part is written in the current directory. */
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	th_ok(mlops__file_write_atomic("rel.txt", "r", 1, true));
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(count_entries(dir), 3);
	free(inner);
	free(sub);
	free(missing);
	free(payload);
	free(path);
	th_rmrf(dir);
	free(dir);
}

static void test_mkdir_p(void **state)
{
	(void)state;
	char *dir = th_tmpdir("util");
	char *deep = mlops__path_join(dir, "a/b/c/d/");
	th_ok(mlops__mkdir_p(deep, 0755));
	struct stat st;
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	th_ok(mlops__mkdir_p(deep, 0755)); /* exists: fine */
	th_ok(mlops__fsync_dir(deep));
	char *file = mlops__path_join(dir, "a/file");
	th_write_file(file, "x", 1);
	th_assert_rc(mlops__mkdir_p(file, 0755), MLOPS_EEXISTS);
	char *under = mlops__path_join(file, "sub");
	assert_true(mlops__mkdir_p(under, 0755) < 0);
	th_assert_rc(mlops__mkdir_p("", 0755), MLOPS_EINVAL);
	char *missing = mlops__path_join(dir, "missing");
	th_assert_rc(mlops__fsync_dir(missing), MLOPS_ENOTFOUND);
	free(missing);
	free(under);
	free(file);
	free(deep);
	th_rmrf(dir);
	free(dir);
}

static void test_path_join(void **state)
{
	(void)state;
	static const struct { const char *a, *b, *want; } v[] = {
		{ "a", "b", "a/b" }, { "a/", "b", "a/b" }, { "a//", "/b", "a/b" }, { "/", "b", "/b" },
		{ "", "b", "b" }, { "a", "", "a" }, { "/x/y", "z/w", "/x/y/z/w" }, { NULL, "b", "b" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *p = mlops__path_join(v[i].a, v[i].b);
		assert_non_null(p);
		assert_string_equal(p, v[i].want);
		free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_basic),
		cmocka_unit_test(test_error_truncation),
		cmocka_unit_test(test_error_errno),
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_error_threads),
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_hasher_streaming),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_zstd_oneshot),
		cmocka_unit_test(test_zstd_damaged_payload),
		cmocka_unit_test(test_zstd_stream),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_json_nesting),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_json_doubles),
		cmocka_unit_test(test_fmt_double),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_file_atomic),
		cmocka_unit_test(test_mkdir_p),
		cmocka_unit_test(test_path_join),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
