/* Tests of the blob backends: one contract for fs, memory and sqlite; fs sync modes and pending blobs;
 * sqlite batching; the backend registry. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "storage/db.h"
#include "util/util.h"

#define K1 "00112233445566778899aabbccddeeff"
#define K2 "0f112233445566778899aabbccddeeff"
#define K3 "ff112233445566778899aabbccddee00"

typedef struct fixture {
	char *dir;
	char *location;
	const char *name;
	int sync;
	mlops_backend *b;
} fixture;

static int open_backend(fixture *f)
{
	return mlops_backend_new(&f->b, f->name, f->location, f->sync);
}

static int setup_named(void **state, const char *name, int sync)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->name = name;
	f->sync = sync;
	f->dir = th_tmpdir("backends");
	if (strcmp(name, "fs") == 0)
		f->location = mlops__path_join(f->dir, "objects");
	else if (strcmp(name, "sqlite") == 0)
		f->location = mlops__path_join(f->dir, "store.db");
	th_ok(open_backend(f));
	*state = f;
	return 0;
}

static int setup_fs(void **state) { return setup_named(state, "fs", MLOPS_SYNC_NORMAL); }
static int setup_fs_full(void **state) { return setup_named(state, "fs", MLOPS_SYNC_FULL); }
static int setup_fs_off(void **state) { return setup_named(state, "fs", MLOPS_SYNC_OFF); }
static int setup_memory(void **state) { return setup_named(state, "memory", MLOPS_SYNC_NORMAL); }
static int setup_sqlite(void **state) { return setup_named(state, "sqlite", MLOPS_SYNC_NORMAL); }

static int teardown(void **state)
{
	fixture *f = *state;
	mlops_backend_free(f->b);
	th_rmrf(f->dir);
	free(f->dir);
	free(f->location);
	free(f);
	return 0;
}

static void reopen(fixture *f)
{
	mlops_backend_free(f->b);
	f->b = NULL;
	th_ok(open_backend(f));
}

static void expect_blob(mlops_backend *b, const char *key, const void *data, size_t n)
{
	void *got = NULL;
	size_t gn = 0;
	th_ok(b->read(b, &got, &gn, key));
	assert_int_equal(gn, n);
	if (n)
		assert_memory_equal(got, data, n);
	mlops_free(got);
}

typedef struct listing {
	int count;
	char keys[16][MLOPS_OID_BUFSIZE];
	uint64_t sizes[16];
	int64_t mtimes[16];
} listing;

static int collect(const char *key, uint64_t size, int64_t mtime, void *payload)
{
	listing *l = payload;
	if (l->count < 16) {
		snprintf(l->keys[l->count], MLOPS_OID_BUFSIZE, "%s", key);
		l->sizes[l->count] = size;
		l->mtimes[l->count] = mtime;
	}
	l->count++;
	return 0;
}

static int find_key(const listing *l, const char *key)
{
	for (int i = 0; i < l->count && i < 16; i++)
		if (strcmp(l->keys[i], key) == 0)
			return i;
	return -1;
}

/* ---- the contract every backend passes ---- */

static void test_contract(void **state)
{
	fixture *f = *state;
	mlops_backend *b = f->b;
	assert_int_equal(b->version, MLOPS_BACKEND_VERSION);
	int e = 1;
	th_ok(b->exists(b, &e, K1));
	assert_int_equal(e, 0);
	void *got = (void *)1;
	size_t gn = 7;
	th_assert_rc(b->read(b, &got, &gn, K1), MLOPS_ENOTFOUND);
	assert_null(got);
	assert_int_equal(gn, 0);

	const char a[] = "first blob";
	th_ok(b->write(b, K1, a, sizeof(a)));
	th_ok(b->exists(b, &e, K1));
	assert_int_equal(e, 1);
	expect_blob(b, K1, a, sizeof(a));
	/* Writing an existing key succeeds and keeps the first bytes. */
	th_ok(b->write(b, K1, "other", 5));
	expect_blob(b, K1, a, sizeof(a));
	/* Empty blobs are blobs. */
	th_ok(b->write(b, K2, "", 0));
	expect_blob(b, K2, "", 0);
	uint8_t big[100000];
	th_fill_random(big, sizeof(big), 3);
	th_ok(b->write(b, K3, big, sizeof(big)));
	expect_blob(b, K3, big, sizeof(big));

	listing l = {0};
	th_ok(b->list(b, collect, &l));
	assert_int_equal(l.count, 3);
	int i1 = find_key(&l, K1), i2 = find_key(&l, K2), i3 = find_key(&l, K3);
	assert_true(i1 >= 0 && i2 >= 0 && i3 >= 0);
	assert_int_equal(l.sizes[i1], sizeof(a));
	assert_int_equal(l.sizes[i2], 0);
	assert_int_equal(l.sizes[i3], sizeof(big));
	int64_t now = (int64_t)time(NULL);
	assert_true(l.mtimes[i1] > now - 60 && l.mtimes[i1] <= now + 1);

	th_ok(b->flush(b));
	th_ok(b->touch(b, K1));
	th_assert_rc(b->touch(b, "abababababababababababababababab"), MLOPS_ENOTFOUND);
	th_ok(b->remove(b, K2));
	th_ok(b->exists(b, &e, K2));
	assert_int_equal(e, 0);
	th_assert_rc(b->remove(b, K2), MLOPS_ENOTFOUND);
	th_assert_rc(b->read(b, &got, &gn, K2), MLOPS_ENOTFOUND);
	memset(&l, 0, sizeof(l));
	th_ok(b->list(b, collect, &l));
	assert_int_equal(l.count, 2);
	assert_true(find_key(&l, K2) < 0);


	/* Keys are object ids: anything else is refused, never turned into a path. */
	th_assert_rc(b->write(b, "../../etc/passwd", "x", 1), MLOPS_EINVAL);
	th_assert_rc(b->write(b, "00112233445566778899AABBCCDDEEFF", "x", 1), MLOPS_EINVAL);
	th_assert_rc(b->exists(b, &e, "short"), MLOPS_EINVAL);

	th_ok(b->flush(b));
	if (f->location) {
		/* Persistent backends keep everything across a reopen. */
		reopen(f);
		expect_blob(f->b, K1, a, sizeof(a));
		expect_blob(f->b, K3, big, sizeof(big));
		th_ok(f->b->exists(f->b, &e, K2));
		assert_int_equal(e, 0);
	}
}

static int stop_after_one(const char *key, uint64_t size, int64_t mtime, void *payload)
{
	(void)key; (void)size; (void)mtime;
	(*(int *)payload)++;
	return MLOPS_EUSER;
}

static int remove_each(const char *key, uint64_t size, int64_t mtime, void *payload)
{
	(void)size; (void)mtime;
	mlops_backend *b = payload;
	return b->remove(b, key);
}

static void test_list_stop_and_remove(void **state)
{
	fixture *f = *state;
	mlops_backend *b = f->b;
	th_ok(b->write(b, K1, "a", 1));
	th_ok(b->write(b, K2, "b", 1));
	th_ok(b->write(b, K3, "c", 1));
	int calls = 0;
	th_assert_rc(b->list(b, stop_after_one, &calls), MLOPS_EUSER);
	assert_int_equal(calls, 1);
	th_ok(b->flush(b));
	/* gc removes while it lists. */
	th_ok(b->list(b, remove_each, b));
	listing l = {0};
	th_ok(b->list(b, collect, &l));
	assert_int_equal(l.count, 0);
}

/* ---- fs specifics ---- */

static char *blob_path(fixture *f, const char *key)
{
	char rel[64];
	snprintf(rel, sizeof(rel), "%.2s/%s", key, key + 2);
	return mlops__path_join(f->location, rel);
}

static bool path_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static int count_dir(const char *dir)
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

static void test_fs_normal_pending(void **state)
{
	fixture *f = *state;
	mlops_backend *b = f->b;
	char *p1 = blob_path(f, K1);
	char *tmp = mlops__path_join(f->location, "tmp");
	th_ok(b->write(b, K1, "pending", 7));
	/* Readable at once, but not under its final name before its bytes are synced. */
	expect_blob(b, K1, "pending", 7);
	int e = 0;
	th_ok(b->exists(b, &e, K1));
	assert_int_equal(e, 1);
	assert_false(path_exists(p1));
	assert_int_equal(count_dir(tmp), 1);
	listing l = {0};
	th_ok(b->list(b, collect, &l));
	assert_int_equal(l.count, 1);
	th_ok(b->flush(b));
	assert_true(path_exists(p1));
	assert_int_equal(count_dir(tmp), 0);
	expect_blob(b, K1, "pending", 7);
	/* A pending blob removed before the flush never appears. */
	th_ok(b->write(b, K2, "gone", 4));
	th_ok(b->remove(b, K2));
	th_ok(b->flush(b));
	char *p2 = blob_path(f, K2);
	assert_false(path_exists(p2));
	assert_int_equal(count_dir(tmp), 0);
	/* free() flushes. */
	th_ok(b->write(b, K3, "at close", 8));
	reopen(f);
	char *p3 = blob_path(f, K3);
	assert_true(path_exists(p3));
	expect_blob(f->b, K3, "at close", 8);
	free(p1);
	free(p2);
	free(p3);
	free(tmp);
}

static void test_fs_normal_autoflush(void **state)
{
	fixture *f = *state;
	mlops_backend *b = f->b;
	char key[MLOPS_OID_BUFSIZE];
	const unsigned n = 16 + 65536; /* 16 loose files, then one pack of 65536 blobs */
	for (unsigned i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%08x%024x", i * 2654435761u, i);
		th_ok(b->write(b, key, &i, sizeof(i)));
	}
	/* The 65536th packed blob triggered a flush: another instance sees every blob without an explicit flush. */
	char *tmp = mlops__path_join(f->location, "tmp");
	assert_int_equal(count_dir(tmp), 0);
	free(tmp);
	mlops_backend *o;
	th_ok(mlops_backend_new(&o, "fs", f->location, f->sync));
	expect_blob(o, key, &(unsigned){n - 1}, sizeof(unsigned));
	listing l = {0};
	th_ok(o->list(o, collect, &l));
	assert_int_equal(l.count, n);
	mlops_backend_free(o);
}

static void test_fs_immediate_modes(void **state)
{
	fixture *f = *state;
	th_ok(f->b->write(f->b, K1, "now", 3));
	char *p = blob_path(f, K1);
	assert_true(path_exists(p));
	free(p);
	char *tmp = mlops__path_join(f->location, "tmp");
	assert_int_equal(count_dir(tmp), 0);
	free(tmp);
}

/* A fan-out directory removed behind the backend's back (by hand, or by a cleanup) is created again. */
static void test_fs_fanout_recreated(void **state)
{
	fixture *f = *state;
	mlops_backend *b = f->b;
	th_ok(b->write(b, K1, "one", 3));
	th_ok(b->flush(b));
	char *p1 = blob_path(f, K1);
	char *dir = mlops__path_join(f->location, "00");
	assert_int_equal(unlink(p1), 0);
	assert_int_equal(rmdir(dir), 0);
	th_ok(b->write(b, "00aa2233445566778899aabbccddeeff", "two", 3));
	th_ok(b->flush(b));
	expect_blob(b, "00aa2233445566778899aabbccddeeff", "two", 3);
	assert_true(path_exists(dir));
	free(p1);
	free(dir);
}

static void test_fs_layout_and_temps(void **state)
{
	fixture *f = *state;
	mlops_backend *b = f->b;
	th_ok(b->write(b, K1, "x", 1));
	th_ok(b->flush(b));
	/* Garbage that is not a blob: a crash's temp file, a stray file, a non-hex directory. */
	char *tmp = mlops__path_join(f->location, "tmp");
	char *old = mlops__path_join(tmp, K2 ".123.1");
	char *fresh = mlops__path_join(tmp, K3 ".123.2");
	th_write_file(old, "partial", 7);
	th_write_file(fresh, "partial", 7);
	struct timespec times[2] = {{time(NULL) - 7200, 0}, {time(NULL) - 7200, 0}};
	assert_int_equal(utimensat(AT_FDCWD, old, times, 0), 0);
	char *stray = mlops__path_join(f->location, "00/notablob");
	th_write_file(stray, "?", 1);
	char *zz = mlops__path_join(f->location, "zz");
	assert_int_equal(mkdir(zz, 0755), 0);
	listing l = {0};
	th_ok(b->list(b, collect, &l));
	assert_int_equal(l.count, 1);
	assert_string_equal(l.keys[0], K1);
	/* Opening removes temp files older than an hour and keeps recent ones (a writer may be using them). */
	reopen(f);
	assert_false(path_exists(old));
	assert_true(path_exists(fresh));
	free(tmp);
	free(old);
	free(fresh);
	free(stray);
	free(zz);
}

static void test_fs_bad_location(void **state)
{
	(void)state;
	mlops_backend *b = (mlops_backend *)1;
	th_assert_rc(mlops_backend_new(&b, "fs", NULL, MLOPS_SYNC_NORMAL), MLOPS_EINVAL);
	assert_null(b);
	char *dir = th_tmpdir("fsbad");
	char *file = mlops__path_join(dir, "file");
	th_write_file(file, "x", 1);
	char *under = mlops__path_join(file, "objects");
	assert_true(mlops_backend_new(&b, "fs", under, MLOPS_SYNC_NORMAL) < 0);
	assert_null(b);
	assert_true(strstr(mlops_error_last()->message, "objects") != NULL);
	th_assert_rc(mlops_backend_new(&b, "fs", dir, 77), MLOPS_EINVAL);
	th_rmrf(dir);
	free(dir);
	free(file);
	free(under);
}

/* ---- sqlite specifics ---- */

static void test_sqlite_batching(void **state)
{
	fixture *f = *state;
	mlops_backend *b = f->b;
	th_ok(b->write(b, K1, "batched", 7));
	/* Another connection (the store's metadata connection, say) sees the blob only after flush. */
	mlops_db *db;
	th_ok(mlops__db_open(&db, f->location, 0, 1000, MLOPS_SYNC_NORMAL));
	int64_t n = -1;
	th_ok(mlops__db_query_int64(db, &n, "SELECT count(*) FROM blobs"));
	assert_int_equal(n, 0);
	th_ok(b->flush(b));
	th_ok(mlops__db_query_int64(db, &n, "SELECT count(*) FROM blobs"));
	assert_int_equal(n, 1);
	mlops__db_close(db);
}

/* ---- registry ---- */

typedef struct factory_log {
	int calls;
	char location[256];
	int sync;
	int fail;
	unsigned version;
} factory_log;

static int custom_factory(mlops_backend **out, const char *location, int sync, void *payload)
{
	factory_log *log = payload;
	log->calls++;
	snprintf(log->location, sizeof(log->location), "%s", location ? location : "");
	log->sync = sync;
	if (log->fail)
		return mlops__error(MLOPS_EIO, "custom backend cannot reach '%s'", location);
	int rc = mlops_backend_new(out, "memory", NULL, sync);
	if (!rc && log->version)
		(*out)->version = log->version;
	return rc;
}

static void test_registry(void **state)
{
	(void)state;
	factory_log a = {0}, b2 = {0};
	mlops_backend *b = NULL;
	th_assert_rc(mlops_backend_new(&b, "custom", "loc", MLOPS_SYNC_FULL), MLOPS_ENOTFOUND);
	th_ok(mlops_backend_register("custom", custom_factory, &a));
	th_ok(mlops_backend_new(&b, "custom", "loc", MLOPS_SYNC_FULL));
	assert_int_equal(a.calls, 1);
	assert_string_equal(a.location, "loc");
	assert_int_equal(a.sync, MLOPS_SYNC_FULL);
	th_ok(b->write(b, K1, "z", 1));
	mlops_backend_free(b);
	/* Registering again replaces the factory. */
	th_ok(mlops_backend_register("custom", custom_factory, &b2));
	th_ok(mlops_backend_new(&b, "custom", "x", MLOPS_SYNC_OFF));
	assert_int_equal(a.calls, 1);
	assert_int_equal(b2.calls, 1);
	mlops_backend_free(b);
	/* A failing factory's error comes through. */
	b2.fail = 1;
	th_assert_rc(mlops_backend_new(&b, "custom", "far", MLOPS_SYNC_OFF), MLOPS_EIO);
	assert_null(b);
	assert_non_null(strstr(mlops_error_last()->message, "far"));
	b2.fail = 0;
	b2.version = 99;
	th_assert_rc(mlops_backend_new(&b, "custom", "x", MLOPS_SYNC_OFF), MLOPS_EVERSION);
	assert_null(b);
	th_ok(mlops_backend_unregister("custom"));
	th_assert_rc(mlops_backend_unregister("custom"), MLOPS_ENOTFOUND);
	th_assert_rc(mlops_backend_new(&b, "custom", "x", MLOPS_SYNC_OFF), MLOPS_ENOTFOUND);
	/* Built-ins stay. */
	th_assert_rc(mlops_backend_register("fs", custom_factory, &a), MLOPS_EEXISTS);
	th_assert_rc(mlops_backend_register("memory", custom_factory, &a), MLOPS_EEXISTS);
	th_assert_rc(mlops_backend_register("sqlite", custom_factory, &a), MLOPS_EEXISTS);
	th_assert_rc(mlops_backend_unregister("sqlite"), MLOPS_EINVAL);
	th_assert_rc(mlops_backend_register("", custom_factory, &a), MLOPS_EINVAL);
	th_assert_rc(mlops_backend_register(NULL, custom_factory, &a), MLOPS_EINVAL);
	th_assert_rc(mlops_backend_register("nofactory", NULL, &a), MLOPS_EINVAL);
	th_assert_rc(mlops_backend_new(NULL, "memory", NULL, 0), MLOPS_EINVAL);
	th_ok(mlops_backend_new(&b, "memory", NULL, MLOPS_SYNC_NORMAL));
	mlops_backend_free(b);
	mlops_backend_free(NULL);
}

static void *register_many(void *arg)
{
	int id = *(int *)arg;
	char name[32];
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "t%d-%d", id, i % 10);
		if (mlops_backend_register(name, custom_factory, NULL) != 0)
			return (void *)1;
		if (i % 3 == 2 && mlops_backend_unregister(name) != 0)
			return (void *)1;
	}
	return NULL;
}

static void test_registry_threads(void **state)
{
	(void)state;
	pthread_t t[4];
	int ids[4] = {0, 1, 2, 3};
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, register_many, &ids[i]), 0);
	for (int i = 0; i < 4; i++) {
		void *r;
		assert_int_equal(pthread_join(t[i], &r), 0);
		assert_null(r);
	}
	/* Each thread's names are registered once, whatever the interleaving. */
	for (int id = 0; id < 4; id++) {
		for (int k = 0; k < 10; k++) {
			char name[32];
			snprintf(name, sizeof(name), "t%d-%d", id, k);
			int rc = mlops_backend_unregister(name);
			assert_true(rc == 0 || rc == MLOPS_ENOTFOUND);
		}
	}
}

#define CONTRACT(setup) \
	cmocka_unit_test_setup_teardown(test_contract, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_list_stop_and_remove, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CONTRACT(setup_fs),
		CONTRACT(setup_fs_full),
		CONTRACT(setup_fs_off),
		CONTRACT(setup_memory),
		CONTRACT(setup_sqlite),
		cmocka_unit_test_setup_teardown(test_fs_normal_pending, setup_fs, teardown),
		cmocka_unit_test_setup_teardown(test_fs_normal_autoflush, setup_fs, teardown),
		cmocka_unit_test_setup_teardown(test_fs_immediate_modes, setup_fs_full, teardown),
		cmocka_unit_test_setup_teardown(test_fs_immediate_modes, setup_fs_off, teardown),
		cmocka_unit_test_setup_teardown(test_fs_layout_and_temps, setup_fs, teardown),
		cmocka_unit_test_setup_teardown(test_fs_fanout_recreated, setup_fs, teardown),
		cmocka_unit_test_setup_teardown(test_fs_fanout_recreated, setup_fs_off, teardown),
		cmocka_unit_test(test_fs_bad_location),
		cmocka_unit_test_setup_teardown(test_sqlite_batching, setup_sqlite, teardown),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_registry_threads),
	};
	return cmocka_run_group_tests_name("backends", tests, NULL, NULL);
}
