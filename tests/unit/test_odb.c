/* Tests of the object database: round trips at the size limits, streaming, dedup, corruption detection, seek,
 * files, and fault injection at every backend call of a put and a get. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "storage/chunker.h"
#include "storage/odb_int.h"

typedef struct fixture {
	char *dir;
	char *objects;
	mlops_odb *odb;
} fixture;

static int setup_backend(void **state, const char *name, int sync)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->dir = th_tmpdir("odb");
	f->objects = mlops__path_join(f->dir, "objects");
	mlops_backend *b;
	char *db = mlops__path_join(f->dir, "store.db");
	const char *loc = strcmp(name, "memory") == 0 ? NULL : strcmp(name, "sqlite") == 0 ? db : f->objects;
	th_ok(mlops_backend_new(&b, name, loc, sync));
	free(db);
	th_ok(mlops__odb_open(&f->odb, b, 3, sync));
	*state = f;
	return 0;
}

static int setup_fs(void **state) { return setup_backend(state, "fs", MLOPS_SYNC_NORMAL); }
static int setup_mem(void **state) { return setup_backend(state, "memory", MLOPS_SYNC_NORMAL); }
static int setup_sqlite(void **state) { return setup_backend(state, "sqlite", MLOPS_SYNC_NORMAL); }
static int setup_fs_full(void **state) { return setup_backend(state, "fs", MLOPS_SYNC_FULL); }

static int teardown(void **state)
{
	fixture *f = *state;
	mlops__odb_free(f->odb);
	th_rmrf(f->dir);
	free(f->dir);
	free(f->objects);
	free(f);
	return 0;
}

static int count_cb(const char *key, uint64_t size, int64_t mtime, void *payload)
{
	(void)key; (void)mtime;
	uint64_t *c = payload;
	c[0]++;
	c[1] += size;
	return 0;
}

/* Number of blobs (c[0]) and their stored bytes (c[1]). */
static void count_blobs(mlops_odb *odb, uint64_t c[2])
{
	c[0] = c[1] = 0;
	th_ok(mlops__odb_list(odb, count_cb, c));
}

static void fill_mixed(uint8_t *p, size_t n, uint64_t seed)
{
	size_t half = n / 2;
	th_fill_text(p, half, seed);
	th_fill_random(p + half, n - half, seed + 1);
}

static void expect_get(mlops_odb *odb, const mlops_oid *id, const void *data, size_t n)
{
	void *got = NULL;
	size_t gn = 0;
	th_ok(mlops__odb_get(&got, &gn, odb, id));
	assert_int_equal(gn, n);
	if (n)
		assert_memory_equal(got, data, n);
	free(got);
}

static void roundtrip_one(mlops_odb *odb, const uint8_t *data, size_t n)
{
	mlops_oid id, want, wid;
	mlops__hash128(&want, data, n);
	th_ok(mlops__odb_put(&id, odb, data, n));
	assert_memory_equal(id.bytes, want.bytes, 16);
	expect_get(odb, &id, data, n);
	uint64_t size = 0;
	th_ok(mlops__odb_size(&size, odb, &id));
	assert_int_equal(size, n);
	bool ex = false;
	th_ok(mlops__odb_exists(&ex, odb, &id));
	assert_true(ex);

	/* The writer fed in odd pieces gives the same id; the reader in odd pieces gives the same bytes. */
	mlops_odb_writer *w;
	th_ok(mlops__odb_writer_new(&w, odb));
	for (size_t off = 0, step = 1; off < n; step = step * 3 + 7) {
		size_t k = step % 9973 + 1;
		if (k > n - off)
			k = n - off;
		th_ok(mlops__odb_writer_write(w, data + off, k));
		off += k;
	}
	assert_int_equal(mlops__odb_writer_size(w), n);
	th_ok(mlops__odb_writer_finish(&wid, w));
	mlops__odb_writer_free(w);
	assert_memory_equal(wid.bytes, want.bytes, 16);

	mlops_odb_reader *r;
	th_ok(mlops__odb_reader_new(&r, odb, &id));
	assert_int_equal(mlops__odb_reader_size(r), n);
	uint8_t *back = malloc(n + 1);
	assert_non_null(back);
	size_t got = 0;
	for (size_t step = 5;; step = step * 7 + 3) {
		size_t k, cap = step % 7919 + 1;
		th_ok(mlops__odb_reader_read(&k, r, back + got, cap < n + 1 - got ? cap : n + 1 - got));
		if (k == 0)
			break;
		got += k;
	}
	assert_int_equal(got, n);
	if (n)
		assert_memory_equal(back, data, n);
	mlops__odb_reader_free(r);
	free(back);
}

static void test_roundtrip_sizes(void **state)
{
	fixture *f = *state;
	static const size_t sizes[] = {0, 1, MLOPS_CHUNK_THRESHOLD - 1, MLOPS_CHUNK_THRESHOLD,
	                               MLOPS_CHUNK_THRESHOLD + 1, 1u << 20};
	uint8_t *buf = malloc(1u << 20);
	assert_non_null(buf);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		th_fill_text(buf, sizes[i], i);
		roundtrip_one(f->odb, buf, sizes[i]);
		th_fill_random(buf, sizes[i], i + 100);
		roundtrip_one(f->odb, buf, sizes[i]);
	}
	free(buf);
}

/* Content under the threshold is one blob; 1 MiB is chunks plus a manifest listing them. */
static void test_layout(void **state)
{
	fixture *f = *state;
	uint64_t c[2];
	uint8_t *buf = malloc(1u << 20);
	assert_non_null(buf);
	mlops_oid id;
	th_fill_random(buf, MLOPS_CHUNK_THRESHOLD - 1, 1);
	th_ok(mlops__odb_put(&id, f->odb, buf, MLOPS_CHUNK_THRESHOLD - 1));
	count_blobs(f->odb, c);
	assert_int_equal(c[0], 1);
	/* Random data does not compress: stored raw, header + bytes. */
	assert_int_equal(c[1], MLOPS_CHUNK_THRESHOLD - 1 + ODB_HEADER_SIZE);

	th_fill_random(buf, 1u << 20, 2);
	th_ok(mlops__odb_put(&id, f->odb, buf, 1u << 20));
	count_blobs(f->odb, c);
	size_t chunks = 0;
	for (size_t off = 0; off < (1u << 20); chunks++)
		off += mlops__cdc_cut(buf + off, (1u << 20) - off);
	assert_true(chunks >= 4);
	assert_int_equal(c[0], 1 + chunks + 1);
	free(buf);
}

typedef struct verify_ctx {
	mlops_odb *odb;
	uint64_t raw;
	int bad;
	size_t blobs;
} verify_ctx;

static int verify_each(const char *key, uint64_t size, int64_t mtime, void *payload)
{
	(void)size; (void)mtime;
	verify_ctx *v = payload;
	uint64_t raw = 0;
	int rc = mlops__odb_verify_blob(&raw, v->odb, key);
	if (rc)
		v->bad++;
	v->raw += raw;
	v->blobs++;
	return 0;
}

static int count_ref(const mlops_oid *chunk, void *payload)
{
	(void)chunk;
	(*(int *)payload)++;
	return 0;
}

static int stop_ref(const mlops_oid *chunk, void *payload)
{
	(void)chunk; (void)payload;
	return MLOPS_EUSER;
}

static void test_refs_exists_size(void **state)
{
	fixture *f = *state;
	size_t n = 3u << 20;
	uint8_t *buf = malloc(n);
	assert_non_null(buf);
	fill_mixed(buf, n, 5);
	mlops_oid big, small, missing;
	th_ok(mlops__odb_put(&big, f->odb, buf, n));
	th_ok(mlops__odb_put(&small, f->odb, buf, 100));
	memset(&missing, 0xab, sizeof(missing));
	int refs = 0;
	th_ok(mlops__odb_refs(f->odb, &small, count_ref, &refs));
	assert_int_equal(refs, 0);
	th_ok(mlops__odb_refs(f->odb, &big, count_ref, &refs));
	size_t chunks = 0;
	for (size_t off = 0; off < n; chunks++)
		off += mlops__cdc_cut(buf + off, n - off);
	assert_int_equal(refs, (int)chunks);
	th_assert_rc(mlops__odb_refs(f->odb, &big, stop_ref, NULL), MLOPS_EUSER);
	th_assert_rc(mlops__odb_refs(f->odb, &missing, count_ref, &refs), MLOPS_ENOTFOUND);
	uint64_t size;
	th_ok(mlops__odb_size(&size, f->odb, &big));
	assert_int_equal(size, n);
	th_ok(mlops__odb_size(&size, f->odb, &small));
	assert_int_equal(size, 100);
	th_assert_rc(mlops__odb_size(&size, f->odb, &missing), MLOPS_ENOTFOUND);
	bool ex = true;
	th_ok(mlops__odb_exists(&ex, f->odb, &missing));
	assert_false(ex);
	/* Every blob verifies; the raw bytes of the data blobs add up to the content (no chunk is shared here). */
	verify_ctx v = {f->odb, 0, 0, 0};
	th_ok(mlops__odb_list(f->odb, verify_each, &v));
	assert_int_equal(v.bad, 0);
	assert_int_equal(v.blobs, chunks + 2);
	assert_int_equal(v.raw, n + 100 + 24 + 20 * chunks + 8);
	/* A missing chunk makes the object absent for exists() and damaged for get(). */
	mlops_oid first;
	mlops__hash128(&first, buf, mlops__cdc_cut(buf, n));
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, &first);
	th_ok(mlops__odb_remove(f->odb, hex));
	th_ok(mlops__odb_exists(&ex, f->odb, &big));
	assert_false(ex);
	void *out = (void *)1;
	size_t on = 5;
	th_assert_rc(mlops__odb_get(&out, &on, f->odb, &big), MLOPS_ECORRUPT);
	assert_null(out);
	assert_int_equal(on, 0);
	assert_non_null(strstr(mlops_error_last()->message, hex));
	th_assert_rc(mlops__odb_remove(f->odb, hex), MLOPS_ENOTFOUND);
	free(buf);
}

/* 100 MiB through the writer and the reader without holding it in memory: the source is regenerated. */
typedef struct stream_src {
	uint64_t s;
	uint64_t pos;
} stream_src;

static void stream_fill(stream_src *src, uint8_t *p, size_t n)
{
	/* Alternate 1 MiB text-like and 1 MiB random segments, generated byte by byte from a running state. */
	static const char words[] = "epoch loss accuracy model dataset feature 0.125 42\n";
	for (size_t i = 0; i < n; i++, src->pos++) {
		src->s ^= src->s << 13;
		src->s ^= src->s >> 7;
		src->s ^= src->s << 17;
		p[i] = ((src->pos >> 20) & 1) ? (uint8_t)(src->s >> 24) : (uint8_t)words[(src->s >> 40) % (sizeof(words) - 1)];
	}
}

static void test_stream_100mib(void **state)
{
	fixture *f = *state;
	const uint64_t total = 100ull << 20;
	size_t cap = 3u << 20;
	uint8_t *buf = malloc(cap);
	assert_non_null(buf);
	mlops_hasher *h;
	th_ok(mlops__hasher_new(&h));
	stream_src src = {0x1234567, 0};
	mlops_odb_writer *w;
	th_ok(mlops__odb_writer_new(&w, f->odb));
	uint64_t done = 0;
	for (size_t step = 1; done < total; step++) {
		size_t k = (step * 104729) % cap + 1;
		if (k > total - done)
			k = (size_t)(total - done);
		stream_fill(&src, buf, k);
		mlops__hasher_update(h, buf, k);
		th_ok(mlops__odb_writer_write(w, buf, k));
		done += k;
	}
	mlops_oid id, want, back;
	th_ok(mlops__odb_writer_finish(&id, w));
	mlops__odb_writer_free(w);
	mlops__hasher_final(&want, h);
	assert_memory_equal(id.bytes, want.bytes, 16);
	uint64_t c[2];
	count_blobs(f->odb, c);
	assert_true(c[0] > 100 * 1024 / 256);
	assert_true(c[1] < total); /* the text halves compress */

	mlops_odb_reader *r;
	th_ok(mlops__odb_reader_new(&r, f->odb, &id));
	assert_int_equal(mlops__odb_reader_size(r), total);
	mlops__hasher_reset(h);
	done = 0;
	for (size_t step = 1;; step++) {
		size_t k;
		th_ok(mlops__odb_reader_read(&k, r, buf, (step * 7919) % cap + 1));
		if (k == 0)
			break;
		mlops__hasher_update(h, buf, k);
		done += k;
	}
	mlops__hasher_final(&back, h);
	assert_int_equal(done, total);
	assert_memory_equal(back.bytes, want.bytes, 16);
	mlops__odb_reader_free(r);
	mlops__hasher_free(h);
	free(buf);
}

static void test_dedup(void **state)
{
	fixture *f = *state;
	size_t n = 4u << 20, ins = 1000;
	uint8_t *a = malloc(n + ins);
	assert_non_null(a);
	fill_mixed(a, n, 9);
	mlops_oid ida, idb, idc;
	th_ok(mlops__odb_put(&ida, f->odb, a, n));
	uint64_t c1[2], c2[2], c3[2];
	count_blobs(f->odb, c1);
	/* The same content again adds nothing. */
	th_ok(mlops__odb_put(&idb, f->odb, a, n));
	count_blobs(f->odb, c2);
	assert_memory_equal(ida.bytes, idb.bytes, 16);
	assert_int_equal(c1[0], c2[0]);
	assert_int_equal(c1[1], c2[1]);
	/* Insert 1000 bytes in the middle: only the chunks around the edit and a new manifest are added. */
	memmove(a + n / 2 + ins, a + n / 2, n / 2);
	th_fill_random(a + n / 2, ins, 77);
	th_ok(mlops__odb_put(&idc, f->odb, a, n + ins));
	count_blobs(f->odb, c3);
	assert_true(c3[0] > c2[0]);
	assert_true(c3[0] - c2[0] <= 4);
	assert_true(c3[1] - c2[1] < 3 * MLOPS_CDC_MAX);
	expect_get(f->odb, &idc, a, n + ins);
	free(a);
}

static void test_seek(void **state)
{
	fixture *f = *state;
	size_t n = (3u << 20) + 12345;
	uint8_t *src = malloc(n), *buf = malloc(300000);
	assert_non_null(src);
	assert_non_null(buf);
	fill_mixed(src, n, 11);
	mlops_oid id;
	th_ok(mlops__odb_put(&id, f->odb, src, n));
	mlops_odb_reader *r;
	th_ok(mlops__odb_reader_new(&r, f->odb, &id));
	uint64_t s = 99;
	for (int i = 0; i < 300; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		size_t off = (size_t)(s >> 20) % (n + 1), want = (size_t)(s >> 8) % 300000;
		if (i % 10 == 0)
			off = i % 20 == 0 ? 0 : n - 1;
		th_ok(mlops__odb_reader_seek(r, off));
		size_t got = 0;
		while (got < want) {
			size_t k;
			th_ok(mlops__odb_reader_read(&k, r, buf + got, want - got));
			if (k == 0)
				break;
			got += k;
		}
		size_t expect = want < n - off ? want : n - off;
		assert_int_equal(got, expect);
		if (got)
			assert_memory_equal(buf, src + off, got);
	}
	th_ok(mlops__odb_reader_seek(r, n));
	size_t k = 1;
	th_ok(mlops__odb_reader_read(&k, r, buf, 10));
	assert_int_equal(k, 0);
	th_assert_rc(mlops__odb_reader_seek(r, n + 1), MLOPS_EINVAL);
	mlops__odb_reader_free(r);
	/* Seeking in a small (single-blob) object works too. */
	th_ok(mlops__odb_put(&id, f->odb, src, 5000));
	th_ok(mlops__odb_reader_new(&r, f->odb, &id));
	th_ok(mlops__odb_reader_seek(r, 4000));
	th_ok(mlops__odb_reader_read(&k, r, buf, 5000));
	assert_int_equal(k, 1000);
	assert_memory_equal(buf, src + 4000, 1000);
	mlops__odb_reader_free(r);
	free(src);
	free(buf);
}

/* ---- corruption on the fs backend ---- */

static char *blob_file(fixture *f, const mlops_oid *id)
{
	char hex[MLOPS_OID_BUFSIZE], rel[64];
	mlops__oid_to_hex(hex, id);
	snprintf(rel, sizeof(rel), "%.2s/%s", hex, hex + 2);
	return mlops__path_join(f->objects, rel);
}

static void patch_file(const char *path, long off, const void *bytes, size_t n)
{
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bytes, n, off), (ssize_t)n);
	close(fd);
}

/* The file holding a blob (loose, or the pack it was batched into) and where its bytes start and end. */
static char *blob_at(fixture *f, const mlops_oid *id, long *off, long *size)
{
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, id);
	char *p = th_blob_locate(f->objects, hex, off, size);
	assert_non_null(p);
	return p;
}

static void flip_byte(const char *path, long off)
{
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= 0x40;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

static void expect_corrupt(fixture *f, const mlops_oid *id, const char *what)
{
	void *out = (void *)1;
	size_t n = 9;
	th_assert_rc(mlops__odb_get(&out, &n, f->odb, id), MLOPS_ECORRUPT);
	assert_null(out);
	assert_int_equal(n, 0);
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, id);
	const char *msg = mlops_error_last()->message;
	assert_non_null(strstr(msg, hex));
	if (what && !strstr(msg, what)) {
		print_error("message '%s' lacks '%s'\n", msg, what);
		fail();
	}
	uint64_t raw;
	th_assert_rc(mlops__odb_verify_blob(&raw, f->odb, hex), MLOPS_ECORRUPT);
}

static void test_corrupt_flipped_byte(void **state)
{
	fixture *f = *state;
	uint8_t data[5000];
	mlops_oid raw_id, z_id;
	th_fill_random(data, sizeof(data), 1);
	th_ok(mlops__odb_put(&raw_id, f->odb, data, sizeof(data)));
	th_fill_text(data, sizeof(data), 2);
	th_ok(mlops__odb_put(&z_id, f->odb, data, sizeof(data)));
	th_ok(mlops__odb_flush(f->odb));
	char *p1 = blob_file(f, &raw_id), *p2 = blob_file(f, &z_id);
	uint64_t raw;
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, &raw_id);
	th_ok(mlops__odb_verify_blob(&raw, f->odb, hex));
	assert_int_equal(raw, sizeof(data));
	flip_byte(p1, 16 + 2500);
	expect_corrupt(f, &raw_id, "damaged");
	flip_byte(p2, 40);
	expect_corrupt(f, &z_id, NULL);
	free(p1);
	free(p2);
}

static void test_corrupt_truncated_and_header(void **state)
{
	fixture *f = *state;
	uint8_t data[3000];
	th_fill_random(data, sizeof(data), 3);
	mlops_oid id;
	th_ok(mlops__odb_put(&id, f->odb, data, sizeof(data)));
	th_ok(mlops__odb_flush(f->odb));
	char *p = blob_file(f, &id);
	assert_int_equal(truncate(p, 1000), 0);
	expect_corrupt(f, &id, "truncated");
	assert_int_equal(truncate(p, 10), 0);
	expect_corrupt(f, &id, "header");
	free(p);

	/* Each header field checked on its own. */
	static const struct { long off; uint8_t val; const char *what; } cases[] = {
		{0, 'X', "magic"}, {4, 2, "version"}, {5, 9, "codec"}, {6, 5, "kind"}, {7, 1, "reserved"},
		{8, 0xff, "header says"}, {5, 1, "zstd"}, {6, 1, "checksum"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		th_fill_random(data, sizeof(data), 100 + i);
		th_ok(mlops__odb_put(&id, f->odb, data, sizeof(data)));
		th_ok(mlops__odb_flush(f->odb));
		p = blob_file(f, &id);
		patch_file(p, cases[i].off, &cases[i].val, 1);
		expect_corrupt(f, &id, cases[i].what);
		free(p);
	}
}

static void test_corrupt_chunked(void **state)
{
	fixture *f = *state;
	size_t n = 2u << 20;
	uint8_t *buf = malloc(n);
	assert_non_null(buf);
	fill_mixed(buf, n, 21);
	mlops_oid id, chunk;
	th_ok(mlops__odb_put(&id, f->odb, buf, n));
	th_ok(mlops__odb_flush(f->odb));
	/* A damaged manifest fails its checksum. */
	long moff, msize;
	char *pm = blob_at(f, &id, &moff, &msize);
	flip_byte(pm, moff + msize - 30);
	expect_corrupt(f, &id, NULL);
	flip_byte(pm, moff + msize - 30);
	expect_get(f->odb, &id, buf, n);
	/* A damaged chunk: get fails; a reader serves the chunks before it and fails on it. */
	size_t c0 = mlops__cdc_cut(buf, n);
	size_t c1 = mlops__cdc_cut(buf + c0, n - c0);
	mlops__hash128(&chunk, buf + c0, c1);
	long coff, csize;
	char *pc = blob_at(f, &chunk, &coff, &csize);
	flip_byte(pc, coff + 16 + 7);
	void *out = (void *)1;
	size_t on = 1;
	th_assert_rc(mlops__odb_get(&out, &on, f->odb, &id), MLOPS_ECORRUPT);
	assert_null(out);
	char chex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(chex, &chunk);
	assert_non_null(strstr(mlops_error_last()->message, chex));
	mlops_odb_reader *r;
	th_ok(mlops__odb_reader_new(&r, f->odb, &id));
	uint8_t *tmp = malloc(c0);
	size_t k;
	th_ok(mlops__odb_reader_read(&k, r, tmp, c0));
	assert_int_equal(k, c0);
	assert_memory_equal(tmp, buf, c0);
	th_assert_rc(mlops__odb_reader_read(&k, r, tmp, 10), MLOPS_ECORRUPT);
	assert_int_equal(k, 0);
	mlops__odb_reader_free(r);
	uint64_t raw;
	th_assert_rc(mlops__odb_verify_blob(&raw, f->odb, chex), MLOPS_ECORRUPT);
	free(tmp);
	free(pm);
	free(pc);
	free(buf);
}

/* A manifest with a valid checksum whose chunks are not the content of its id: caught by the whole hash. */
static void test_manifest_wrong_content(void **state)
{
	fixture *f = *state;
	size_t n = 1u << 20;
	uint8_t *buf = malloc(n);
	assert_non_null(buf);
	th_fill_random(buf, n, 31);
	odb_builder bld;
	th_ok(mlops__odb_builder_init(&bld));
	for (size_t off = 0; off < n;) {
		size_t c = mlops__cdc_cut(buf + off, n - off);
		th_ok(mlops__odb_builder_add(f->odb, &bld, buf + off, c));
		off += c;
	}
	mlops_oid liar;
	memset(&liar, 0x5c, sizeof(liar));
	th_ok(mlops__odb_builder_finish(f->odb, &bld, &liar));
	mlops__odb_builder_free(&bld);
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, &liar);
	uint64_t raw;
	th_ok(mlops__odb_verify_blob(&raw, f->odb, hex)); /* the blob itself is intact */
	void *out = (void *)1;
	size_t on = 1;
	th_assert_rc(mlops__odb_get(&out, &on, f->odb, &liar), MLOPS_ECORRUPT);
	assert_null(out);
	assert_non_null(strstr(mlops_error_last()->message, "whole content"));
	free(buf);
}

/* ---- files ---- */

static int count_entries(const char *dir)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	int n = -1;
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void test_files(void **state)
{
	fixture *f = *state;
	size_t n = (1u << 20) + 3;
	uint8_t *buf = malloc(n);
	assert_non_null(buf);
	fill_mixed(buf, n, 41);
	char *src = mlops__path_join(f->dir, "in.bin");
	char *outdir = mlops__path_join(f->dir, "out");
	assert_int_equal(mkdir(outdir, 0755), 0);
	char *dst = mlops__path_join(outdir, "copy.bin");
	th_write_file(src, buf, n);
	mlops_oid id, want;
	th_ok(mlops__odb_put_file(&id, f->odb, src));
	mlops__hash128(&want, buf, n);
	assert_memory_equal(id.bytes, want.bytes, 16);
	th_ok(mlops__odb_get_file(f->odb, &id, dst));
	char *back;
	size_t bn;
	th_ok(mlops__file_read_all(&back, &bn, dst));
	assert_int_equal(bn, n);
	assert_memory_equal(back, buf, n);
	free(back);
	/* Replacing an existing file. */
	mlops_oid small;
	th_ok(mlops__odb_put(&small, f->odb, "tiny", 4));
	th_ok(mlops__odb_get_file(f->odb, &small, dst));
	th_ok(mlops__file_read_all(&back, &bn, dst));
	assert_int_equal(bn, 4);
	assert_memory_equal(back, "tiny", 4);
	free(back);
	assert_int_equal(count_entries(outdir), 1);
	/* Into a directory that does not exist: an error, and nothing left behind. */
	char *nodir = mlops__path_join(f->dir, "missing/dir/file.bin");
	assert_true(mlops__odb_get_file(f->odb, &id, nodir) < 0);
	assert_non_null(strstr(mlops_error_last()->message, "missing/dir"));
	char *missing = mlops__path_join(f->dir, "missing");
	struct stat st;
	assert_int_equal(stat(missing, &st), -1);
	/* An object that does not exist: ENOTFOUND and no file. */
	char *absent = mlops__path_join(outdir, "absent.bin");
	mlops_oid none;
	memset(&none, 0x11, sizeof(none));
	th_assert_rc(mlops__odb_get_file(f->odb, &none, absent), MLOPS_ENOTFOUND);
	assert_int_equal(count_entries(outdir), 1);
	/* A damaged object: an error, the old file untouched, no temp file left. */
	th_ok(mlops__odb_flush(f->odb));
	size_t c0 = mlops__cdc_cut(buf, n);
	size_t c1 = mlops__cdc_cut(buf + c0, n - c0);
	mlops_oid chunk;
	mlops__hash128(&chunk, buf + c0 + c1, mlops__cdc_cut(buf + c0 + c1, n - c0 - c1));
	long coff, csize;
	char *pc = blob_at(f, &chunk, &coff, &csize);
	flip_byte(pc, coff + 20);
	th_assert_rc(mlops__odb_get_file(f->odb, &id, dst), MLOPS_ECORRUPT);
	th_ok(mlops__file_read_all(&back, &bn, dst));
	assert_int_equal(bn, 4);
	free(back);
	assert_int_equal(count_entries(outdir), 1);
	/* put_file of a missing file. */
	th_assert_rc(mlops__odb_put_file(&id, f->odb, nodir), MLOPS_ENOTFOUND);
	free(pc);
	free(src);
	free(dst);
	free(outdir);
	free(nodir);
	free(missing);
	free(absent);
	free(buf);
}

static void test_open_args(void **state)
{
	(void)state;
	mlops_backend *b;
	mlops_odb *odb = (mlops_odb *)1;
	th_ok(mlops_backend_new(&b, "memory", NULL, 0));
	th_assert_rc(mlops__odb_open(&odb, b, 0, MLOPS_SYNC_NORMAL), MLOPS_EINVAL); /* b is freed */
	assert_null(odb);
	th_ok(mlops_backend_new(&b, "memory", NULL, 0));
	th_assert_rc(mlops__odb_open(&odb, b, 3, 42), MLOPS_EINVAL);
	th_assert_rc(mlops__odb_open(&odb, NULL, 3, 0), MLOPS_EINVAL);
	th_ok(mlops_backend_new(&b, "memory", NULL, 0));
	th_ok(mlops__odb_open(&odb, b, 19, MLOPS_SYNC_OFF));
	assert_ptr_equal(mlops__odb_backend(odb), b);
	uint8_t data[100000];
	th_fill_text(data, sizeof(data), 1);
	mlops_oid id;
	th_ok(mlops__odb_put(&id, odb, data, sizeof(data)));
	expect_get(odb, &id, data, sizeof(data));
	th_assert_rc(mlops__odb_verify_blob(&(uint64_t){0}, odb, "nothex"), MLOPS_ECORRUPT);
	mlops__odb_free(odb);
	mlops__odb_free(NULL);
	mlops__odb_writer_free(NULL);
	mlops__odb_reader_free(NULL);
}

#include "test_odb_faults.inc"

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_sizes, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_sizes, setup_fs, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_sizes, setup_sqlite, teardown),
		cmocka_unit_test_setup_teardown(test_dedup, setup_sqlite, teardown),
		cmocka_unit_test_setup_teardown(test_seek, setup_fs_full, teardown),
		cmocka_unit_test_setup_teardown(test_layout, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_refs_exists_size, setup_fs, teardown),
		cmocka_unit_test_setup_teardown(test_stream_100mib, setup_fs, teardown),
		cmocka_unit_test_setup_teardown(test_dedup, setup_fs, teardown),
		cmocka_unit_test_setup_teardown(test_seek, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_flipped_byte, setup_fs, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_truncated_and_header, setup_fs, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_chunked, setup_fs, teardown),
		cmocka_unit_test_setup_teardown(test_manifest_wrong_content, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_files, setup_fs, teardown),
		cmocka_unit_test(test_open_args),
		cmocka_unit_test(test_faults_put),
		cmocka_unit_test(test_faults_get),
		cmocka_unit_test(test_short_write_detected),
		cmocka_unit_test(test_writer_thread_fault),
		cmocka_unit_test(test_writer_interleaved),
		cmocka_unit_test(test_writer_same_blobs),
		cmocka_unit_test(test_codec_choice),
	};
	return cmocka_run_group_tests_name("odb", tests, NULL, NULL);
}
