/*
 * Store handle tests: layouts (directory, single file, memory, custom and registered backends), options,
 * read-only and must-exist opens, format versions, store info, the actor, and destruction in any order.
 * Migrations and the committed tests/data/store-v1 and store-v2 fixtures are in test_store_migrate.inc; the object API, pins
 * and the audit log in test_store_objects.inc.
 *
 * Run with MLOPS_GENERATE_FIXTURE=<dir> to write a fresh fixture store (of the current format) into <dir> instead
 * of testing.
 */
#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "store/store.h"
#include "store/store_int.h"

static char *join(const char *a, const char *b)
{
	char *p = malloc(strlen(a) + strlen(b) + 2);
	assert_non_null(p);
	sprintf(p, "%s/%s", a, b);
	return p;
}

static int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void sql_exec(const char *dbpath, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
	sqlite3_close(db);
}

static char *sql_text(const char *dbpath, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	char *out = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static int count_audit(mlops_store *s, const char *action)
{
	mlops_audit_iter *it = NULL;
	th_ok(mlops_audit_iter_new(&it, s, 0));
	mlops_audit_entry e;
	int n = 0, rc;
	while ((rc = mlops_audit_next(&e, it)) == 0)
		n += strcmp(e.action, action) == 0;
	assert_int_equal(rc, MLOPS_ITEROVER);
	mlops_audit_iter_free(it);
	return n;
}

static void expect_error(int rc, int code, const char *needle)
{
	th_assert_rc(rc, code);
	if (needle && !strstr(mlops_error_last()->message, needle))
		fail_msg("message '%s' lacks '%s'", mlops_error_last()->message, needle);
}

/* ---- layouts and options ---- */

static void test_open_create_dir(void **state)
{
	(void)state;
	char *dir = th_tmpdir("store");
	char *path = join(dir, "s");
	mlops_store *s = NULL;
	th_ok(mlops_store_open(&s, path, NULL));
	assert_string_equal(mlops_store_path(s), path);
	char *db = join(path, "mlops.db"), *objects = join(path, "objects");
	assert_true(file_exists(db));
	assert_true(file_exists(objects));
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	th_ok(mlops_store_info_get(&info, s));
	assert_int_equal(info.format_version, MLOPS_STORE_FORMAT_VERSION);
	assert_int_equal(info.object_count, 0);
	assert_int_equal(info.pin_count, 0);
	assert_int_equal(count_audit(s, "store.create"), 1);
	mlops_store_free(s);

	char *v = sql_text(db, "SELECT value FROM store_meta WHERE key = 'hash'");
	assert_string_equal(v, "xxh128");
	free(v);
	v = sql_text(db, "SELECT value FROM store_meta WHERE key = 'chunker'");
	assert_string_equal(v, "fastcdc-16k-64k-256k-v1");
	free(v);
	v = sql_text(db, "SELECT value FROM store_meta WHERE key = 'backend'");
	assert_string_equal(v, "fs");
	free(v);
	v = sql_text(db, "SELECT value FROM store_meta WHERE key = 'created_ms'");
	assert_non_null(v);
	assert_true(atoll(v) > 1600000000000LL);
	free(v);
	v = sql_text(db, "SELECT version FROM store_modules WHERE name = 'store'");
	assert_int_equal(atoi(v), MLOPS_STORE_FORMAT_VERSION);
	free(v);
	v = sql_text(db, "PRAGMA user_version");
	assert_int_equal(atoi(v), MLOPS_STORE_FORMAT_VERSION);
	free(v);

	/* a second open migrates nothing and writes no audit row */
	th_ok(mlops_store_open(&s, path, NULL));
	assert_int_equal(count_audit(s, "store.create"), 1);
	assert_int_equal(count_audit(s, "store.migrate"), 0);
	mlops_store_free(s);
	free(db);
	free(objects);
	free(path);
	th_rmrf(dir);
	free(dir);
}

static void test_must_exist(void **state)
{
	(void)state;
	char *dir = th_tmpdir("store");
	char *missing = join(dir, "nope");
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.flags = MLOPS_STORE_MUST_EXIST;
	mlops_store *s = (mlops_store *)&o;
	expect_error(mlops_store_open(&s, missing, &o), MLOPS_ENOTFOUND, "no store at");
	assert_null(s);
	assert_false(file_exists(missing));
	/* an existing directory without mlops.db is not a store */
	expect_error(mlops_store_open(&s, dir, &o), MLOPS_ENOTFOUND, dir);
	char *db = join(dir, "mlops.db");
	assert_false(file_exists(db));
	/* a missing single file */
	char *file = join(dir, "x.db");
	o.backend = "sqlite";
	expect_error(mlops_store_open(&s, file, &o), MLOPS_ENOTFOUND, "no store at");
	assert_false(file_exists(file));
	/* once created, MUST_EXIST opens it */
	o.backend = NULL;
	th_ok(mlops_store_open(&s, missing, NULL));
	mlops_store_free(s);
	th_ok(mlops_store_open(&s, missing, &o));
	mlops_store_free(s);
	free(file);
	free(db);
	free(missing);
	th_rmrf(dir);
	free(dir);
}

static void test_bad_options(void **state)
{
	(void)state;
	char *dir = th_tmpdir("store");
	mlops_store_options o;
	expect_error(mlops_store_options_init(&o, 99), MLOPS_EVERSION, "99");
	th_ok(mlops_store_options_init(&o, MLOPS_STORE_OPTIONS_VERSION));
	assert_int_equal(o.version, MLOPS_STORE_OPTIONS_VERSION);
	assert_null(o.backend);
	mlops_store *s = NULL;
	o.version = 99;
	expect_error(mlops_store_open(&s, dir, &o), MLOPS_EVERSION, "options version 99");
	o.version = MLOPS_STORE_OPTIONS_VERSION;
	o.compression_level = 25;
	expect_error(mlops_store_open(&s, dir, &o), MLOPS_EINVAL, "compression level 25");
	o.compression_level = 0;
	o.sync = 7;
	expect_error(mlops_store_open(&s, dir, &o), MLOPS_EINVAL, "sync mode 7");
	o.sync = 0;
	o.flags = 0x80;
	expect_error(mlops_store_open(&s, dir, &o), MLOPS_EINVAL, "flags");
	o.flags = 0;
	o.backend = "no-such-backend";
	char *sub = join(dir, "new");
	expect_error(mlops_store_open(&s, sub, &o), MLOPS_ENOTFOUND, "no-such-backend");
	assert_false(file_exists(sub)); /* nothing was created */
	free(sub);
	o.backend = "fs";
	expect_error(mlops_store_open(&s, ":memory:", &o), MLOPS_EINVAL, "needs a directory");
	expect_error(mlops_store_open(&s, "", NULL), MLOPS_EINVAL, "empty");
	expect_error(mlops_store_open(NULL, dir, NULL), MLOPS_EINVAL, NULL);
	assert_null(s);
	th_rmrf(dir);
	free(dir);
}

static void test_memory_store(void **state)
{
	(void)state;
	mlops_store *s = NULL;
	th_ok(mlops_store_open(&s, ":memory:", NULL));
	char id[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(id, s, "hello", 5));
	void *data = NULL;
	size_t n = 0;
	th_ok(mlops_object_get(&data, &n, s, id));
	assert_int_equal(n, 5);
	assert_memory_equal(data, "hello", 5);
	mlops_free(data);
	th_ok(mlops_object_pin(s, "greeting", id));
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	th_ok(mlops_store_info_get(&info, s));
	assert_int_equal(info.object_count, 1);
	assert_int_equal(info.pin_count, 1);
	assert_true(info.object_bytes > 0);
	assert_true(info.metadata_bytes > 0);
	mlops_store_free(s);
	/* a second in-memory store is a different, empty store */
	th_ok(mlops_store_open(&s, ":memory:", NULL));
	int exists = 1;
	th_ok(mlops_object_exists(&exists, s, id));
	assert_int_equal(exists, 0);
	mlops_store_free(s);
}

static void test_single_file(void **state)
{
	(void)state;
	char *dir = th_tmpdir("store");
	char *file = join(dir, "one.mlops");
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.backend = "sqlite";
	mlops_store *s = NULL;
	th_ok(mlops_store_open(&s, file, &o));
	size_t big_n = 700 * 1024;
	unsigned char *big = malloc(big_n);
	assert_non_null(big);
	th_fill_random(big, big_n, 7);
	char small_id[MLOPS_OID_BUFSIZE], big_id[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(small_id, s, "small", 5));
	th_ok(mlops_object_put(big_id, s, big, big_n));
	th_ok(mlops_object_pin(s, "big", big_id));
	mlops_store_free(s);
	char *objects = join(dir, "objects");
	assert_false(file_exists(objects));
	char *v = sql_text(file, "SELECT value FROM store_meta WHERE key = 'backend'");
	assert_string_equal(v, "sqlite");
	free(v);
	v = sql_text(file, "SELECT count(*) FROM blobs");
	assert_true(atoi(v) >= 3); /* small, manifest and chunks */
	free(v);

	/* reopened by the SQLite header alone, and read-only */
	o.backend = NULL;
	o.flags = MLOPS_STORE_READONLY;
	th_ok(mlops_store_open(&s, file, &o));
	void *data = NULL;
	size_t n = 0;
	th_ok(mlops_object_get(&data, &n, s, big_id));
	assert_int_equal(n, big_n);
	assert_memory_equal(data, big, big_n);
	mlops_free(data);
	char pinned[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_pin_get(pinned, s, "big"));
	assert_string_equal(pinned, big_id);
	expect_error(mlops_object_put(small_id, s, "x", 1), MLOPS_EREADONLY, file);
	mlops_store_free(s);

	/* a file store cannot be opened with a directory backend; a non-SQLite file is no store */
	o.flags = 0;
	o.backend = "fs";
	expect_error(mlops_store_open(&s, file, &o), MLOPS_EINVAL, "single SQLite file");
	char *junk = join(dir, "junk.txt");
	th_write_file(junk, "not a database at all", 21);
	expect_error(mlops_store_open(&s, junk, NULL), MLOPS_EINVAL, "not a SQLite database");
	o.backend = "sqlite";
	expect_error(mlops_store_open(&s, dir, &o), MLOPS_EINVAL, "is a directory");
	/* a SQLite database of something else is refused, untouched */
	char *other = join(dir, "other.db");
	sql_exec(other, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
	expect_error(mlops_store_open(&s, other, NULL), MLOPS_EINVAL, "not a libmlops store");
	v = sql_text(other, "SELECT count(*) FROM sqlite_master");
	assert_string_equal(v, "1");
	free(v);
	free(other);
	free(junk);
	free(objects);
	free(big);
	free(file);
	th_rmrf(dir);
	free(dir);
}

static void test_backend_instance(void **state)
{
	(void)state;
	char *dir = th_tmpdir("store");
	mlops_backend *b = NULL;
	th_ok(mlops_backend_new(&b, "memory", NULL, MLOPS_SYNC_NORMAL));
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.backend_instance = b;
	mlops_store *s = NULL;
	th_ok(mlops_store_open(&s, dir, &o));
	char id[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(id, s, "abc", 3));
	/* the blob went to the instance, not to <dir>/objects */
	int has = 0;
	th_ok(b->exists(b, &has, id));
	assert_int_equal(has, 1);
	char *objects = join(dir, "objects");
	assert_false(file_exists(objects));
	mlops_store_free(s); /* frees b */

	/* a failed open leaves the instance with the caller */
	mlops_backend *b2 = NULL;
	th_ok(mlops_backend_new(&b2, "memory", NULL, MLOPS_SYNC_NORMAL));
	o.backend_instance = b2;
	o.flags = MLOPS_STORE_MUST_EXIST;
	char *missing = join(dir, "missing");
	expect_error(mlops_store_open(&s, missing, &o), MLOPS_ENOTFOUND, "no store");
	th_ok(b2->write(b2, id, "x", 1)); /* still alive */
	/* an instance of an unknown version is refused and also stays with the caller */
	o.flags = 0;
	b2->version = 99;
	expect_error(mlops_store_open(&s, dir, &o), MLOPS_EVERSION, "99");
	b2->version = MLOPS_BACKEND_VERSION;
	mlops_backend_free(b2);
	free(missing);
	free(objects);
	th_rmrf(dir);
	free(dir);
}

typedef struct factory_log {
	int calls;
	char location[1024];
} factory_log;

static int test_factory(mlops_backend **out, const char *location, int sync, void *payload)
{
	factory_log *log = payload;
	log->calls++;
	snprintf(log->location, sizeof(log->location), "%s", location ? location : "(null)");
	/* a directory-backed backend of our own: the fs backend at the location we are given */
	return mlops_backend_new(out, "fs", location, sync);
}

static void test_registered_backend(void **state)
{
	(void)state;
	char *dir = th_tmpdir("store");
	factory_log log = { 0, "" };
	th_ok(mlops_backend_register("teststore", test_factory, &log));
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.backend = "teststore";
	mlops_store *s = NULL;
	th_ok(mlops_store_open(&s, dir, &o));
	assert_int_equal(log.calls, 1);
	char *objects = join(dir, "objects");
	assert_string_equal(log.location, objects);
	char id[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(id, s, "registered", 10));
	mlops_store_free(s);
	/* reopened with default options, the store uses the backend it was created with */
	th_ok(mlops_store_open(&s, dir, NULL));
	assert_int_equal(log.calls, 2);
	void *data = NULL;
	size_t n = 0;
	th_ok(mlops_object_get(&data, &n, s, id));
	assert_int_equal(n, 10);
	mlops_free(data);
	mlops_store_free(s);
	th_ok(mlops_backend_unregister("teststore"));
	expect_error(mlops_store_open(&s, dir, NULL), MLOPS_ENOTFOUND, "teststore");
	free(objects);
	th_rmrf(dir);
	free(dir);
}

static void test_readonly(void **state)
{
	(void)state;
	char *dir = th_tmpdir("store");
	mlops_store *s = NULL;
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.flags = MLOPS_STORE_READONLY;
	expect_error(mlops_store_open(&s, dir, &o), MLOPS_ENOTFOUND, "no store at");
	th_ok(mlops_store_open(&s, dir, NULL));
	char id[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(id, s, "ro", 2));
	th_ok(mlops_object_pin(s, "p", id));
	mlops_store_free(s);

	th_ok(mlops_store_open(&s, dir, &o));
	void *data = NULL;
	size_t n = 0;
	th_ok(mlops_object_get(&data, &n, s, id));
	mlops_free(data);
	char got[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_pin_get(got, s, "p"));
	expect_error(mlops_object_put(got, s, "x", 1), MLOPS_EREADONLY, dir);
	expect_error(mlops_object_pin(s, "q", id), MLOPS_EREADONLY, "read-only");
	expect_error(mlops_object_unpin(s, "p"), MLOPS_EREADONLY, "read-only");
	expect_error(mlops_lineage_add(s, "a", "1", "b", "2", "r"), MLOPS_EREADONLY, "read-only");
	mlops_object_writer *w = NULL;
	expect_error(mlops_object_writer_open(&w, s), MLOPS_EREADONLY, "read-only");
	mlops_gc_stats gs = MLOPS_GC_STATS_INIT;
	expect_error(mlops_store_gc(&gs, s, NULL), MLOPS_EREADONLY, "read-only");
	mlops_gc_options go = MLOPS_GC_OPTIONS_INIT;
	go.dry_run = 1;
	th_ok(mlops_store_gc(&gs, s, &go));
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	char *report = NULL;
	th_ok(mlops_store_verify(&vs, &report, s));
	assert_null(report);
	mlops_store_free(s);
	/* nothing was written by the read-only handle */
	th_ok(mlops_store_open(&s, dir, NULL));
	assert_int_equal(count_audit(s, "object.pin"), 1);
	assert_int_equal(count_audit(s, "store.gc"), 0);
	mlops_store_free(s);
	th_rmrf(dir);
	free(dir);
}

static void test_newer_store(void **state)
{
	(void)state;
	char *dir = th_tmpdir("store");
	char *db = join(dir, "mlops.db");
	mlops_store *s = NULL;
	th_ok(mlops_store_open(&s, dir, NULL));
	mlops_store_free(s);
	sql_exec(db, "PRAGMA user_version = 99");
	expect_error(mlops_store_open(&s, dir, NULL), MLOPS_EVERSION, "format version 99");
	char up_to[32];
	snprintf(up_to, sizeof(up_to), "up to format %d", MLOPS_STORE_FORMAT_VERSION);
	assert_non_null(strstr(mlops_error_last()->message, up_to));
	assert_null(s);
	sql_exec(db, "PRAGMA user_version = 1; UPDATE store_modules SET version = 42 WHERE name = 'store'");
	expect_error(mlops_store_open(&s, dir, NULL), MLOPS_EVERSION, "module 'store' is at version 42");
	/* an unknown module is tolerated by open but stops gc, which cannot see its references */
	sql_exec(db, "UPDATE store_modules SET version = 1 WHERE name = 'store';"
	             "INSERT INTO store_modules VALUES ('futuremod', 3)");
	th_ok(mlops_store_open(&s, dir, NULL));
	mlops_gc_stats gs = MLOPS_GC_STATS_INIT;
	expect_error(mlops_store_gc(&gs, s, NULL), MLOPS_EVERSION, "futuremod");
	mlops_store_free(s);
	/* a store whose hash is not ours is refused */
	sql_exec(db, "DELETE FROM store_modules WHERE name = 'futuremod';"
	             "UPDATE store_meta SET value = 'blake3' WHERE key = 'hash'");
	expect_error(mlops_store_open(&s, dir, NULL), MLOPS_EVERSION, "blake3");
	free(db);
	th_rmrf(dir);
	free(dir);
}

static void test_readonly_needs_migration(void **state)
{
	(void)state;
	char *dir = th_tmpdir("store");
	char *db = join(dir, "mlops.db");
	mlops_store *s = NULL;
	th_ok(mlops_store_open(&s, dir, NULL));
	mlops_store_free(s);
	sql_exec(db, "PRAGMA user_version = 0");
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.flags = MLOPS_STORE_READONLY;
	expect_error(mlops_store_open(&s, dir, &o), MLOPS_EREADONLY, "needs migration from format 0 to 2");
	assert_non_null(strstr(mlops_error_last()->message, "open it read-write once"));
	/* a read-write open brings it up to date, and writes an audit row saying so */
	th_ok(mlops_store_open(&s, dir, NULL));
	assert_int_equal(count_audit(s, "store.migrate"), 1);
	mlops_store_free(s);
	th_ok(mlops_store_open(&s, dir, &o));
	mlops_store_free(s);
	free(db);
	th_rmrf(dir);
	free(dir);
}

#include "test_store_migrate.inc"

#include "test_store_objects.inc"

static char *first_actor(mlops_store *s)
{
	mlops_audit_iter *it = NULL;
	th_ok(mlops_audit_iter_new(&it, s, 0));
	mlops_audit_entry e;
	th_ok(mlops_audit_next(&e, it));
	char *actor = strdup(e.actor);
	mlops_audit_iter_free(it);
	return actor;
}

static void test_actor(void **state)
{
	(void)state;
	char *saved_user = getenv("USER") ? strdup(getenv("USER")) : NULL;
	char *saved_actor = getenv("MLOPS_ACTOR") ? strdup(getenv("MLOPS_ACTOR")) : NULL;
	const char *want[] = { "from-options", "from-env", "from-user", "unknown" };
	for (int i = 0; i < 4; i++) {
		setenv("MLOPS_ACTOR", "from-env", 1);
		setenv("USER", "from-user", 1);
		if (i >= 2)
			unsetenv("MLOPS_ACTOR");
		if (i >= 3)
			unsetenv("USER");
		mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
		o.actor = i == 0 ? "from-options" : NULL;
		mlops_store *s = NULL;
		th_ok(mlops_store_open(&s, ":memory:", &o));
		char *actor = first_actor(s);
		assert_string_equal(actor, want[i]);
		free(actor);
		mlops_store_free(s);
	}
	if (saved_user)
		setenv("USER", saved_user, 1);
	if (saved_actor)
		setenv("MLOPS_ACTOR", saved_actor, 1);
	else
		unsetenv("MLOPS_ACTOR");
	free(saved_user);
	free(saved_actor);
}

static void test_reopen_keeps_data(void **state)
{
	(void)state;
	char *dir = th_tmpdir("store");
	mlops_store *s = NULL;
	th_ok(mlops_store_open(&s, dir, NULL));
	char id[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(id, s, "persist", 7));
	th_ok(mlops_object_pin(s, "keep", id));
	th_ok(mlops_lineage_add(s, "run", "r1", "model_version", "m@1", "produced"));
	mlops_store_free(s);
	th_ok(mlops_store_open(&s, dir, NULL));
	char got[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_pin_get(got, s, "keep"));
	assert_string_equal(got, id);
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	th_ok(mlops_store_info_get(&info, s));
	assert_int_equal(info.object_count, 1);
	assert_int_equal(info.pin_count, 1);
	assert_int_equal(info.lineage_edges, 1);
	assert_int_equal(info.audit_rows, 3); /* create, pin, lineage */
	mlops_store_info bad = { .version = 77 };
	th_assert_rc(mlops_store_info_get(&bad, s), MLOPS_EVERSION);
	mlops_store_free(s);
	th_rmrf(dir);
	free(dir);
}

static void test_free_order(void **state)
{
	(void)state;
	mlops_store *s = NULL;
	th_ok(mlops_store_open(&s, ":memory:", NULL));
	size_t n = 200000;
	unsigned char *big = malloc(n);
	assert_non_null(big);
	th_fill_random(big, n, 5);
	char id[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(id, s, big, n));
	th_ok(mlops_lineage_add(s, "a", "1", "b", "2", "r"));
	mlops_object_reader *r = NULL;
	mlops_object_writer *w = NULL;
	mlops_audit_iter *ai = NULL;
	mlops_lineage_iter *li = NULL;
	th_ok(mlops_object_reader_open(&r, s, id));
	th_ok(mlops_object_writer_open(&w, s));
	th_ok(mlops_audit_iter_new(&ai, s, 0));
	th_ok(mlops_lineage_walk(&li, s, "a", "1", MLOPS_LINEAGE_DOWNSTREAM, 0));
	mlops_store_free(s); /* children keep it alive */
	unsigned char *buf = malloc(n);
	assert_non_null(buf);
	size_t total = 0, got = 0;
	do {
		th_ok(mlops_object_reader_read(&got, r, buf + total, n - total));
		total += got;
	} while (got > 0 && total < n);
	assert_int_equal(total, n);
	assert_memory_equal(buf, big, n);
	th_ok(mlops_object_writer_write(w, big, n));
	char wid[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_writer_commit(wid, w));
	assert_string_equal(wid, id);
	mlops_audit_entry ae;
	th_ok(mlops_audit_next(&ae, ai));
	mlops_lineage_edge le;
	th_ok(mlops_lineage_next(&le, li));
	assert_string_equal(le.to_id, "2");
	/* freed in yet another order; the last one closes the store */
	mlops_lineage_iter_free(li);
	mlops_object_reader_free(r);
	mlops_audit_iter_free(ai);
	mlops_object_writer_free(w);
	free(buf);
	free(big);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *gen = getenv("MLOPS_GENERATE_FIXTURE");
	if (gen && *gen)
		return generate_fixture(gen);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_create_dir),
		cmocka_unit_test(test_must_exist),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_memory_store),
		cmocka_unit_test(test_single_file),
		cmocka_unit_test(test_backend_instance),
		cmocka_unit_test(test_registered_backend),
		cmocka_unit_test(test_readonly),
		cmocka_unit_test(test_newer_store),
		cmocka_unit_test(test_readonly_needs_migration),
		cmocka_unit_test(test_module_migration),
		cmocka_unit_test(test_fixture_v1),
		cmocka_unit_test(test_fixture_v2),
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_pins),
		cmocka_unit_test(test_audit_internal),
		cmocka_unit_test(test_actor),
		cmocka_unit_test(test_reopen_keeps_data),
		cmocka_unit_test(test_free_order),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
