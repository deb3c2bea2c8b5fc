/*
 * API tests: the store and object API exercised through libmlops.so and the public headers only, the way a user
 * program sees the library (no internal header, no static library).
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <mlops/mlops.h>

#define ok(call) ok_((call), #call, __LINE__)

static void ok_(int rc, const char *call, int line)
{
	if (rc != 0)
		fail_msg("line %d: %s returned %d: %s [%s]", line, call, rc, mlops_error_last()->message,
		         mlops_error_name(rc));
}

typedef struct fixture {
	char dir[PATH_MAX];
	char store_path[PATH_MAX + 16];
	mlops_store *store;
} fixture;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/mlops-api-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->store_path, sizeof(f->store_path), "%s/store", f->dir);
	if (mlops_store_open(&f->store, f->store_path, NULL) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	mlops_store_free(f->store);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void fill(unsigned char *buf, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
}

static void assert_hex_id(const char *id)
{
	assert_int_equal(strlen(id), MLOPS_OID_HEXLEN);
	for (const char *p = id; *p; p++)
		assert_true((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
}

static void test_version_and_errors(void **state)
{
	(void)state;
	assert_int_equal(mlops_version_number(), MLOPS_VERSION_NUMBER);
	assert_string_equal(mlops_version_string(), MLOPS_VERSION_STRING);
	assert_string_equal(mlops_error_name(MLOPS_ENOTFOUND), "MLOPS_ENOTFOUND");
	assert_string_equal(mlops_error_name(MLOPS_ECORRUPT), "MLOPS_ECORRUPT");
	mlops_error_clear();
	assert_int_equal(mlops_error_last()->code, MLOPS_OK);
	assert_string_equal(mlops_error_last()->message, "");
	/* Every _free accepts NULL. */
	mlops_free(NULL);
	mlops_store_free(NULL);
	mlops_object_reader_free(NULL);
	mlops_object_writer_free(NULL);
	mlops_lineage_iter_free(NULL);
	mlops_audit_iter_free(NULL);
}

static void test_options_versions(void **state)
{
	mlops_store_options so;
	mlops_gc_options go;

	(void)state;
	assert_int_equal(mlops_store_options_init(&so, 999), MLOPS_EVERSION);
	assert_int_equal(mlops_error_last()->code, MLOPS_EVERSION);
	assert_true(strlen(mlops_error_last()->message) > 0);
	ok(mlops_store_options_init(&so, MLOPS_STORE_OPTIONS_VERSION));
	assert_int_equal(so.version, MLOPS_STORE_OPTIONS_VERSION);
	assert_null(so.backend);
	assert_int_equal(mlops_gc_options_init(&go, 0), MLOPS_EVERSION);
	ok(mlops_gc_options_init(&go, MLOPS_GC_OPTIONS_VERSION));
	assert_true(go.grace_seconds < 0);
	assert_int_equal(go.dry_run, 0);
}

static void test_open_must_exist(void **state)
{
	fixture *f = *state;
	mlops_store_options opts = MLOPS_STORE_OPTIONS_INIT;
	mlops_store *s = NULL;
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/absent", f->dir);
	opts.flags = MLOPS_STORE_MUST_EXIST;
	assert_int_equal(mlops_store_open(&s, path, &opts), MLOPS_ENOTFOUND);
	assert_null(s);
	assert_true(strlen(mlops_error_last()->message) > 0);
	assert_int_equal(access(path, F_OK), -1);
	/* The existing store opens with MUST_EXIST. */
	ok(mlops_store_open(&s, f->store_path, &opts));
	assert_string_equal(mlops_store_path(s), f->store_path);
	mlops_store_free(s);
}

static void test_put_get_small_and_large(void **state)
{
	fixture *f = *state;
	const size_t big = 3 * 1024 * 1024 + 123;
	unsigned char *data = malloc(big);
	char id1[MLOPS_OID_BUFSIZE], id2[MLOPS_OID_BUFSIZE], id3[MLOPS_OID_BUFSIZE];
	void *out = NULL;
	size_t out_size = 0;
	uint64_t sz = 0;
	int exists = -1;

	assert_non_null(data);
	fill(data, big, 1);
	ok(mlops_object_put(id1, f->store, "hello", 5));
	assert_hex_id(id1);
	ok(mlops_object_put(id2, f->store, "hello", 5));
	assert_string_equal(id1, id2);
	ok(mlops_object_get(&out, &out_size, f->store, id1));
	assert_int_equal(out_size, 5);
	assert_memory_equal(out, "hello", 5);
	mlops_free(out);

	/* Empty content is an object too; get returns a non-NULL buffer. */
	ok(mlops_object_put(id3, f->store, "", 0));
	ok(mlops_object_get(&out, &out_size, f->store, id3));
	assert_non_null(out);
	assert_int_equal(out_size, 0);
	mlops_free(out);

	ok(mlops_object_put(id2, f->store, data, big));
	assert_hex_id(id2);
	assert_string_not_equal(id1, id2);
	ok(mlops_object_get(&out, &out_size, f->store, id2));
	assert_int_equal(out_size, big);
	assert_memory_equal(out, data, big);
	mlops_free(out);
	ok(mlops_object_size(&sz, f->store, id2));
	assert_int_equal(sz, big);
	ok(mlops_object_exists(&exists, f->store, id2));
	assert_int_equal(exists, 1);
	ok(mlops_object_exists(&exists, f->store, "0123456789abcdef0123456789abcdef"));
	assert_int_equal(exists, 0);
	free(data);
}

static void test_bad_and_missing_ids(void **state)
{
	fixture *f = *state;
	void *out = NULL;
	size_t n = 0;

	assert_int_equal(mlops_object_get(&out, &n, f->store, "not-an-id"), MLOPS_EINVAL);
	assert_int_equal(mlops_object_get(&out, &n, f->store, "0123456789abcdef0123456789abcdef"), MLOPS_ENOTFOUND);
	assert_non_null(strstr(mlops_error_last()->message, "0123456789abcdef0123456789abcdef"));
	assert_int_equal(mlops_object_unpin(f->store, "no-such-pin"), MLOPS_ENOTFOUND);
}

static void test_reader_and_writer_stream(void **state)
{
	fixture *f = *state;
	const size_t n = 1000 * 1000 + 7;
	unsigned char *data = malloc(n), *back = malloc(n);
	char id[MLOPS_OID_BUFSIZE], wid[MLOPS_OID_BUFSIZE];
	mlops_object_reader *r = NULL;
	mlops_object_writer *w = NULL;
	size_t got = 0, rn;

	assert_non_null(data);
	assert_non_null(back);
	fill(data, n, 2);
	ok(mlops_object_put(id, f->store, data, n));

	ok(mlops_object_writer_open(&w, f->store));
	for (size_t off = 0; off < n; off += 9999)
		ok(mlops_object_writer_write(w, data + off, n - off < 9999 ? n - off : 9999));
	ok(mlops_object_writer_commit(wid, w));
	mlops_object_writer_free(w);
	assert_string_equal(id, wid);

	ok(mlops_object_reader_open(&r, f->store, id));
	assert_int_equal(mlops_object_reader_size(r), n);
	do {
		ok(mlops_object_reader_read(&rn, r, back + got, n - got < 4097 ? n - got : 4097));
		got += rn;
	} while (rn > 0 && got < n);
	assert_int_equal(got, n);
	ok(mlops_object_reader_read(&rn, r, back, 10));
	assert_int_equal(rn, 0);
	assert_memory_equal(back, data, n);

	ok(mlops_object_reader_seek(r, 500000));
	ok(mlops_object_reader_read(&rn, r, back, 1000));
	assert_true(rn > 0);
	assert_memory_equal(back, data + 500000, rn);
	assert_int_not_equal(mlops_object_reader_seek(r, n + 1), 0);
	mlops_object_reader_free(r);
	free(data);
	free(back);
}

static void test_files(void **state)
{
	fixture *f = *state;
	char in[PATH_MAX + 8], outp[PATH_MAX + 8], id[MLOPS_OID_BUFSIZE], id2[MLOPS_OID_BUFSIZE];
	const size_t n = 200000;
	unsigned char *data = malloc(n), *back = malloc(n + 1);
	FILE *fp;

	assert_non_null(data);
	assert_non_null(back);
	fill(data, n, 3);
	snprintf(in, sizeof(in), "%s/in.bin", f->dir);
	snprintf(outp, sizeof(outp), "%s/out.bin", f->dir);
	fp = fopen(in, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);

	ok(mlops_object_put_file(id, f->store, in));
	ok(mlops_object_put(id2, f->store, data, n));
	assert_string_equal(id, id2);
	ok(mlops_object_get_file(f->store, id, outp));
	fp = fopen(outp, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(back, 1, n + 1, fp), n);
	fclose(fp);
	assert_memory_equal(back, data, n);
	free(data);
	free(back);
}

static void test_pins_and_gc(void **state)
{
	fixture *f = *state;
	mlops_gc_options go = MLOPS_GC_OPTIONS_INIT;
	mlops_gc_stats st = MLOPS_GC_STATS_INIT;
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	char kept[MLOPS_OID_BUFSIZE], gone[MLOPS_OID_BUFSIZE], got[MLOPS_OID_BUFSIZE];
	int exists = 0;

	ok(mlops_object_put(kept, f->store, "keep me", 7));
	ok(mlops_object_put(gone, f->store, "drop me", 7));
	ok(mlops_object_pin(f->store, "keep", kept));
	ok(mlops_object_pin_get(got, f->store, "keep"));
	assert_string_equal(got, kept);
	ok(mlops_store_info_get(&info, f->store));
	assert_int_equal(info.pin_count, 1);
	assert_true(info.object_count >= 2);
	assert_int_equal(mlops_object_pin_get(got, f->store, "absent"), MLOPS_ENOTFOUND);

	/* With the default grace period both young blobs stay. */
	ok(mlops_store_gc(&st, f->store, NULL));
	assert_int_equal(st.objects_removed, 0);
	ok(mlops_object_exists(&exists, f->store, gone));
	assert_int_equal(exists, 1);

	go.grace_seconds = 0;
	go.dry_run = 1;
	ok(mlops_store_gc(&st, f->store, &go));
	assert_int_equal(st.objects_removed, 1);
	ok(mlops_object_exists(&exists, f->store, gone));
	assert_int_equal(exists, 1);

	go.dry_run = 0;
	ok(mlops_store_gc(&st, f->store, &go));
	assert_int_equal(st.objects_removed, 1);
	assert_true(st.bytes_removed > 0);
	ok(mlops_object_exists(&exists, f->store, gone));
	assert_int_equal(exists, 0);
	ok(mlops_object_exists(&exists, f->store, kept));
	assert_int_equal(exists, 1);

	ok(mlops_object_unpin(f->store, "keep"));
	assert_int_equal(mlops_object_pin_get(got, f->store, "keep"), MLOPS_ENOTFOUND);
	ok(mlops_store_gc(&st, f->store, &go));
	assert_int_equal(st.objects_removed, 1);
	ok(mlops_object_exists(&exists, f->store, kept));
	assert_int_equal(exists, 0);
}

/* Flip one byte in the middle of every blob file under dir; returns how many files were changed. */
static int flip_blobs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int changed = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char p[PATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (lstat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			changed += flip_blobs(p);
		} else if (S_ISREG(st.st_mode) && st.st_size > 0) {
			int fd = open(p, O_RDWR);
			unsigned char c;
			off_t at = st.st_size / 2;

			/* Blobs are written read-only; make this one writable first. */
			if (fd < 0 && chmod(p, 0644) == 0)
				fd = open(p, O_RDWR);
			assert_true(fd >= 0);
			assert_int_equal(pread(fd, &c, 1, at), 1);
			c ^= 0x5a;
			assert_int_equal(pwrite(fd, &c, 1, at), 1);
			close(fd);
			changed++;
		}
	}
	closedir(d);
	return changed;
}

static void test_verify_detects_corruption(void **state)
{
	fixture *f = *state;
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	char id[MLOPS_OID_BUFSIZE], objects[PATH_MAX + 32];
	char *report = (char *)"unset";
	const char text[] = "some content that will be damaged on disk";
	void *out = NULL;
	size_t n = 0;

	ok(mlops_object_put(id, f->store, text, sizeof(text)));
	ok(mlops_store_verify(&vs, &report, f->store));
	assert_null(report);
	assert_int_equal(vs.objects_checked, 1);
	assert_int_equal(vs.bytes_checked, sizeof(text));
	assert_int_equal(vs.objects_corrupt + vs.objects_missing + vs.metadata_errors, 0);

	snprintf(objects, sizeof(objects), "%s/objects", f->store_path);
	assert_int_equal(flip_blobs(objects), 1);
	ok(mlops_store_verify(&vs, &report, f->store));
	assert_int_equal(vs.objects_corrupt, 1);
	assert_non_null(report);
	assert_non_null(strstr(report, "corrupt"));
	assert_non_null(strstr(report, id));
	mlops_free(report);
	assert_int_equal(mlops_object_get(&out, &n, f->store, id), MLOPS_ECORRUPT);
	assert_null(out);
}

static void test_readonly(void **state)
{
	fixture *f = *state;
	mlops_store_options opts = MLOPS_STORE_OPTIONS_INIT;
	mlops_store *ro = NULL;
	char id[MLOPS_OID_BUFSIZE], id2[MLOPS_OID_BUFSIZE];
	void *out = NULL;
	size_t n;

	ok(mlops_object_put(id, f->store, "abc", 3));
	opts.flags = MLOPS_STORE_READONLY;
	ok(mlops_store_open(&ro, f->store_path, &opts));
	assert_int_equal(mlops_object_put(id2, ro, "xyz", 3), MLOPS_EREADONLY);
	assert_int_equal(mlops_object_pin(ro, "p", id), MLOPS_EREADONLY);
	ok(mlops_object_get(&out, &n, ro, id));
	assert_int_equal(n, 3);
	mlops_free(out);
	mlops_store_free(ro);
}

static void roundtrip_in(const char *path, const char *backend)
{
	mlops_store_options opts = MLOPS_STORE_OPTIONS_INIT;
	mlops_store *s = NULL;
	char id[MLOPS_OID_BUFSIZE];
	unsigned char data[100000];
	void *out = NULL;
	size_t n = 0;

	fill(data, sizeof(data), 4);
	opts.backend = backend;
	ok(mlops_store_open(&s, path, &opts));
	ok(mlops_object_put(id, s, data, sizeof(data)));
	ok(mlops_object_get(&out, &n, s, id));
	assert_int_equal(n, sizeof(data));
	assert_memory_equal(out, data, n);
	mlops_free(out);
	mlops_store_free(s);
}

static void test_memory_and_sqlite_backends(void **state)
{
	fixture *f = *state;
	char path[PATH_MAX + 16];
	struct stat st;

	roundtrip_in(":memory:", NULL);
	snprintf(path, sizeof(path), "%s/single.db", f->dir);
	roundtrip_in(path, "sqlite");
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void test_lineage_and_audit(void **state)
{
	fixture *f = *state;
	mlops_lineage_iter *it = NULL;
	mlops_lineage_edge e;
	mlops_audit_iter *ai = NULL;
	mlops_audit_entry a;
	int count = 0, rc;

	ok(mlops_lineage_add(f->store, "dataset_version", "d1", "run", "r1", "input"));
	ok(mlops_lineage_add(f->store, "run", "r1", "model_version", "m1", "produced"));
	ok(mlops_lineage_add(f->store, "run", "r1", "model_version", "m1", "produced"));

	ok(mlops_lineage_walk(&it, f->store, "dataset_version", "d1", MLOPS_LINEAGE_DOWNSTREAM, 0));
	while ((rc = mlops_lineage_next(&e, it)) == 0) {
		count++;
		if (e.depth == 1) {
			assert_string_equal(e.to_id, "r1");
			assert_string_equal(e.relation, "input");
		} else {
			assert_int_equal(e.depth, 2);
			assert_string_equal(e.to_id, "m1");
		}
	}
	assert_int_equal(rc, MLOPS_ITEROVER);
	assert_int_equal(count, 2);
	mlops_lineage_iter_free(it);

	count = 0;
	ok(mlops_lineage_walk(&it, f->store, "model_version", "m1", MLOPS_LINEAGE_UPSTREAM, 1));
	while ((rc = mlops_lineage_next(&e, it)) == 0) {
		count++;
		assert_string_equal(e.from_id, "r1");
	}
	assert_int_equal(rc, MLOPS_ITEROVER);
	assert_int_equal(count, 1);
	mlops_lineage_iter_free(it);

	ok(mlops_audit_iter_new(&ai, f->store, 0));
	while ((rc = mlops_audit_next(&a, ai)) == 0) {
		assert_non_null(a.action);
		assert_non_null(a.actor);
		assert_non_null(a.detail);
	}
	assert_int_equal(rc, MLOPS_ITEROVER);
	mlops_audit_iter_free(ai);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_and_errors),
		cmocka_unit_test(test_options_versions),
		cmocka_unit_test_setup_teardown(test_open_must_exist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_get_small_and_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_and_missing_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_and_writer_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pins_and_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_detects_corruption, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_and_sqlite_backends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lineage_and_audit, setup, teardown),
	};

	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
