/*
 * Garbage collection and verification: what gc keeps (pinned objects, their manifest chunks, chunks shared with
 * another pinned object, young blobs) and removes, dry runs, its audit row; verify on a healthy store and on one
 * with a flipped byte, a missing blob, a missing chunk and broken metadata.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "helpers.h"
#include "store/store.h"

typedef struct fixture {
	char *dir;
	mlops_store *s;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->dir = th_tmpdir("gc");
	th_ok(mlops_store_open(&f->s, f->dir, NULL));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	mlops_store_free(f->s);
	th_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static char *blob_path(const fixture *f, const char *key)
{
	char *p = malloc(strlen(f->dir) + 64);
	assert_non_null(p);
	sprintf(p, "%s/objects/%.2s/%s", f->dir, key, key + 2);
	return p;
}

static int blob_on_disk(const fixture *f, const char *key)
{
	char *p = blob_path(f, key);
	struct stat st;
	int ok = stat(p, &st) == 0;
	free(p);
	return ok;
}

static void age_blob(const fixture *f, const char *key, long seconds)
{
	char *p = blob_path(f, key);
	struct timeval tv[2];
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= seconds;
	tv[1] = tv[0];
	assert_int_equal(utimes(p, tv), 0);
	free(p);
}

static uint64_t blob_count(mlops_store *s)
{
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	th_ok(mlops_store_info_get(&info, s));
	return info.object_count;
}

static mlops_gc_stats run_gc(mlops_store *s, int64_t grace, int dry_run)
{
	mlops_gc_options o = MLOPS_GC_OPTIONS_INIT;
	o.grace_seconds = grace;
	o.dry_run = dry_run;
	mlops_gc_stats st = MLOPS_GC_STATS_INIT;
	th_ok(mlops_store_gc(&st, s, &o));
	return st;
}

static int exists(mlops_store *s, const char *id)
{
	int e = -1;
	th_ok(mlops_object_exists(&e, s, id));
	return e;
}

static int count_audit(mlops_store *s, const char *action, char *last_detail, size_t cap)
{
	mlops_audit_iter *it = NULL;
	th_ok(mlops_audit_iter_new(&it, s, 0));
	mlops_audit_entry e;
	int n = 0, rc;
	while ((rc = mlops_audit_next(&e, it)) == 0) {
		if (strcmp(e.action, action) == 0) {
			n++;
			if (last_detail)
				snprintf(last_detail, cap, "%s", e.detail);
		}
	}
	th_assert_rc(rc, MLOPS_ITEROVER);
	mlops_audit_iter_free(it);
	return n;
}

static void test_pinned_kept_unpinned_removed(void **state)
{
	fixture *f = *state;
	char a[MLOPS_OID_BUFSIZE], b[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(a, f->s, "keep me", 7));
	th_ok(mlops_object_put(b, f->s, "drop me", 7));
	th_ok(mlops_object_pin(f->s, "a", a));
	mlops_gc_stats st = run_gc(f->s, 0, 0);
	assert_int_equal(st.objects_kept, 1);
	assert_int_equal(st.objects_removed, 1);
	assert_int_equal(st.objects_young, 0);
	assert_true(st.bytes_removed > 0);
	assert_int_equal(exists(f->s, a), 1);
	assert_int_equal(exists(f->s, b), 0);
	assert_false(blob_on_disk(f, b));
	char detail[512];
	assert_int_equal(count_audit(f->s, "store.gc", detail, sizeof(detail)), 1);
	assert_non_null(strstr(detail, "\"removed\":1"));
	assert_non_null(strstr(detail, "\"kept\":1"));
	/* a second gc finds nothing more */
	st = run_gc(f->s, 0, 0);
	assert_int_equal(st.objects_removed, 0);
	assert_int_equal(st.objects_kept, 1);
	/* unpinned, the object goes too */
	th_ok(mlops_object_unpin(f->s, "a"));
	st = run_gc(f->s, 0, 0);
	assert_int_equal(st.objects_removed, 1);
	assert_int_equal(blob_count(f->s), 0);
}

static void test_young_kept(void **state)
{
	fixture *f = *state;
	char a[MLOPS_OID_BUFSIZE], b[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(a, f->s, "young", 5));
	th_ok(mlops_object_put(b, f->s, "old", 3));
	age_blob(f, b, 7200);
	mlops_gc_stats st = run_gc(f->s, -1, 0); /* default grace: one hour */
	assert_int_equal(st.objects_young, 1);
	assert_int_equal(st.objects_removed, 1);
	assert_int_equal(exists(f->s, a), 1);
	assert_int_equal(exists(f->s, b), 0);
	/* NULL options are the defaults */
	mlops_gc_stats st2 = MLOPS_GC_STATS_INIT;
	th_ok(mlops_store_gc(&st2, f->s, NULL));
	assert_int_equal(st2.objects_young, 1);
	assert_int_equal(st2.objects_removed, 0);
	/* putting existing content again refreshes its age, so a concurrent gc keeps it */
	age_blob(f, a, 7200);
	char again[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(again, f->s, "young", 5));
	st = run_gc(f->s, 3600, 0);
	assert_int_equal(st.objects_young, 1);
	assert_int_equal(exists(f->s, a), 1);
}

static void test_dry_run(void **state)
{
	fixture *f = *state;
	char a[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(a, f->s, "garbage", 7));
	mlops_gc_stats st = run_gc(f->s, 0, 1);
	assert_int_equal(st.objects_removed, 1);
	assert_true(st.bytes_removed > 0);
	assert_int_equal(exists(f->s, a), 1);
	assert_int_equal(count_audit(f->s, "store.gc", NULL, 0), 0);
	mlops_gc_options bad = MLOPS_GC_OPTIONS_INIT;
	bad.version = 5;
	mlops_gc_stats s2 = MLOPS_GC_STATS_INIT;
	th_assert_rc(mlops_store_gc(&s2, f->s, &bad), MLOPS_EVERSION);
	mlops_gc_options o;
	th_assert_rc(mlops_gc_options_init(&o, 9), MLOPS_EVERSION);
	th_ok(mlops_gc_options_init(&o, MLOPS_GC_OPTIONS_VERSION));
	assert_int_equal(o.grace_seconds, -1);
	assert_int_equal(o.dry_run, 0);
}

static void test_manifest_chunks(void **state)
{
	fixture *f = *state;
	size_t n = 1024 * 1024;
	unsigned char *a = malloc(n), *b = malloc(n);
	assert_non_null(a);
	assert_non_null(b);
	th_fill_random(a, n, 21);
	/* b shares its first 768 KiB with a, then differs */
	memcpy(b, a, 768 * 1024);
	th_fill_random(b + 768 * 1024, n - 768 * 1024, 22);
	char ida[MLOPS_OID_BUFSIZE], idb[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(ida, f->s, a, n));
	uint64_t after_a = blob_count(f->s);
	assert_true(after_a >= 5); /* a manifest and several chunks */
	th_ok(mlops_object_put(idb, f->s, b, n));
	uint64_t after_b = blob_count(f->s);
	assert_true(after_b < 2 * after_a); /* shared chunks are stored once */
	th_ok(mlops_object_pin(f->s, "a", ida));
	th_ok(mlops_object_pin(f->s, "b", idb));
	mlops_gc_stats st = run_gc(f->s, 0, 0);
	assert_int_equal(st.objects_removed, 0);
	assert_int_equal(st.objects_kept, after_b);
	/* a unpinned: its manifest and its own chunks go, the chunks it shares with b stay */
	th_ok(mlops_object_unpin(f->s, "a"));
	st = run_gc(f->s, 0, 0);
	assert_true(st.objects_removed >= 2);
	assert_true(st.objects_removed < after_a);
	assert_int_equal(exists(f->s, ida), 0);
	assert_int_equal(exists(f->s, idb), 1);
	void *data = NULL;
	size_t got = 0;
	th_ok(mlops_object_get(&data, &got, f->s, idb));
	assert_int_equal(got, n);
	assert_memory_equal(data, b, n);
	mlops_free(data);
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	char *report = NULL;
	th_ok(mlops_store_verify(&vs, &report, f->s));
	assert_null(report);
	assert_int_equal(vs.objects_missing, 0);
	free(a);
	free(b);
}

/* ---- verify ---- */

static void test_verify_healthy(void **state)
{
	fixture *f = *state;
	size_t n = 400 * 1024;
	unsigned char *big = malloc(n);
	assert_non_null(big);
	th_fill_text(big, n, 4);
	char id[MLOPS_OID_BUFSIZE], small[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(id, f->s, big, n));
	th_ok(mlops_object_put(small, f->s, "s", 1));
	th_ok(mlops_object_pin(f->s, "big", id));
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	char *report = (char *)"sentinel";
	th_ok(mlops_store_verify(&vs, &report, f->s));
	assert_null(report);
	assert_int_equal(vs.objects_checked, blob_count(f->s));
	assert_int_equal(vs.bytes_checked >= n + 1, 1);
	assert_int_equal(vs.objects_corrupt + vs.objects_missing + vs.metadata_errors, 0);
	th_ok(mlops_store_verify(&vs, NULL, f->s));
	mlops_verify_stats bad = { .version = 3 };
	th_assert_rc(mlops_store_verify(&bad, NULL, f->s), MLOPS_EVERSION);
	free(big);
}

static void flip_byte(const fixture *f, const char *key, long offset_from_end)
{
	char *p = blob_path(f, key);
	FILE *fp = fopen(p, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, -offset_from_end, SEEK_END), 0);
	int c = fgetc(fp);
	assert_int_not_equal(c, EOF);
	assert_int_equal(fseek(fp, -offset_from_end, SEEK_END), 0);
	fputc(c ^ 0x40, fp);
	assert_int_equal(fclose(fp), 0);
	free(p);
}

static void test_verify_finds_damage(void **state)
{
	fixture *f = *state;
	char x[MLOPS_OID_BUFSIZE], y[MLOPS_OID_BUFSIZE], z[MLOPS_OID_BUFSIZE];
	unsigned char buf[3000];
	th_fill_text(buf, sizeof(buf), 9);
	th_ok(mlops_object_put(x, f->s, buf, sizeof(buf)));
	th_ok(mlops_object_put(y, f->s, "will vanish", 11));
	th_ok(mlops_object_put(z, f->s, "fine", 4));
	th_ok(mlops_object_pin(f->s, "x", x));
	th_ok(mlops_object_pin(f->s, "y", y));
	th_ok(mlops_object_pin(f->s, "z", z));
	flip_byte(f, x, 10);
	char *py = blob_path(f, y);
	assert_int_equal(unlink(py), 0);
	free(py);
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	char *report = NULL;
	th_ok(mlops_store_verify(&vs, &report, f->s));
	assert_non_null(report);
	assert_int_equal(vs.objects_corrupt, 1);
	assert_int_equal(vs.objects_missing, 1);
	assert_int_equal(vs.metadata_errors, 0);
	assert_int_equal(vs.objects_checked, 2);
	char want[128];
	snprintf(want, sizeof(want), "{\"kind\":\"corrupt\",\"object\":\"%s\"", x);
	if (!strstr(report, want))
		fail_msg("report lacks %s: %s", want, report);
	snprintf(want, sizeof(want), "{\"kind\":\"missing\",\"object\":\"%s\"", y);
	if (!strstr(report, want))
		fail_msg("report lacks %s: %s", want, report);
	assert_int_equal(report[0], '[');
	assert_null(strstr(report, z));
	mlops_free(report);
	/* verify changed nothing: the damaged blob is still there, still damaged */
	assert_true(blob_on_disk(f, x));
	void *data = NULL;
	size_t n = 0;
	th_assert_rc(mlops_object_get(&data, &n, f->s, x), MLOPS_ECORRUPT);
	assert_null(data);
	/* gc cannot tell whether a damaged blob is a manifest whose chunks it must keep: it removes nothing */
	char garbage[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(garbage, f->s, "garbage", 7));
	mlops_gc_options o = MLOPS_GC_OPTIONS_INIT;
	o.grace_seconds = 0;
	mlops_gc_stats st = MLOPS_GC_STATS_INIT;
	th_assert_rc(mlops_store_gc(&st, f->s, &o), MLOPS_ECORRUPT);
	assert_non_null(strstr(mlops_error_last()->message, "removed nothing"));
	assert_int_equal(st.objects_removed, 0);
	assert_int_equal(exists(f->s, garbage), 1);
	/* once the damaged object is unpinned, gc proceeds */
	th_ok(mlops_object_unpin(f->s, "x"));
	st = run_gc(f->s, 0, 0);
	assert_int_equal(st.objects_removed, 2);
}

typedef struct chunk_pick {
	int left;
	mlops_oid *out;
} chunk_pick;

static int pick_chunk(const mlops_oid *chunk, void *payload)
{
	chunk_pick *p = payload;
	if (p->left > 0 && --p->left == 0)
		*p->out = *chunk;
	return 0;
}

static void test_verify_missing_chunk(void **state)
{
	fixture *f = *state;
	size_t n = 600 * 1024;
	unsigned char *big = malloc(n);
	assert_non_null(big);
	th_fill_random(big, n, 31);
	char id[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(id, f->s, big, n));
	th_ok(mlops_object_pin(f->s, "big", id));
	/* remove the second chunk the manifest lists */
	mlops_oid oid, chunk;
	th_ok(mlops__oid_from_hex(&oid, id));
	chunk_pick pick = { 2, &chunk };
	th_ok(mlops__odb_refs(mlops_store__odb(f->s), &oid, pick_chunk, &pick));
	assert_int_equal(pick.left, 0);
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, &chunk);
	char *p = blob_path(f, hex);
	assert_int_equal(unlink(p), 0);
	free(p);
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	char *report = NULL;
	th_ok(mlops_store_verify(&vs, &report, f->s));
	assert_int_equal(vs.objects_missing, 1);
	assert_int_equal(vs.objects_corrupt, 0);
	assert_non_null(report);
	assert_non_null(strstr(report, "chunk of object"));
	assert_non_null(strstr(report, id));
	mlops_free(report);
	int e = 1;
	th_ok(mlops_object_exists(&e, f->s, id));
	assert_int_equal(e, 0);
	free(big);
}

static void test_verify_metadata(void **state)
{
	fixture *f = *state;
	char *db = malloc(strlen(f->dir) + 16);
	assert_non_null(db);
	sprintf(db, "%s/mlops.db", f->dir);
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	/* foreign keys are off on this connection, so the bad row goes in */
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE t_parent(id INTEGER PRIMARY KEY);"
	                                 "CREATE TABLE t_child(p INTEGER REFERENCES t_parent(id));"
	                                 "INSERT INTO t_child VALUES (5);"
	                                 "INSERT INTO store_pins VALUES ('bad', 'not-an-id', 0);",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(h);
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	char *report = NULL;
	th_ok(mlops_store_verify(&vs, &report, f->s));
	assert_int_equal(vs.metadata_errors, 2);
	assert_non_null(report);
	assert_non_null(strstr(report, "{\"kind\":\"metadata\",\"object\":\"t_child\""));
	assert_non_null(strstr(report, "invalid object id"));
	mlops_free(report);
	/* gc ignores the unusable root and keeps working */
	mlops_gc_stats st = run_gc(f->s, 0, 0);
	assert_int_equal(st.objects_removed, 0);
	free(db);
}

/* Blobs and metadata in one SQLite file: gc and verify work through the backend's own connection. */
static void test_single_file(void **state)
{
	fixture *f = *state;
	char path[4096];
	snprintf(path, sizeof(path), "%s/one.db", f->dir);
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.backend = "sqlite";
	mlops_store *s = NULL;
	th_ok(mlops_store_open(&s, path, &o));
	size_t n = 500 * 1024;
	unsigned char *big = malloc(n);
	assert_non_null(big);
	th_fill_random(big, n, 77);
	char keep[MLOPS_OID_BUFSIZE], drop[MLOPS_OID_BUFSIZE], small[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(keep, s, big, n));
	big[0] ^= 1;
	th_ok(mlops_object_put(drop, s, big, n));
	th_ok(mlops_object_put(small, s, "small", 5));
	th_ok(mlops_object_pin(s, "keep", keep));
	th_ok(mlops_object_pin(s, "small", small));
	mlops_gc_stats st = run_gc(s, 0, 0);
	assert_int_equal(st.objects_removed, 2); /* drop's manifest and its first chunk */
	assert_int_equal(exists(s, keep), 1);
	assert_int_equal(exists(s, drop), 0);
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	char *report = NULL;
	th_ok(mlops_store_verify(&vs, &report, s));
	assert_null(report);
	assert_int_equal(vs.objects_checked, st.objects_kept);
	mlops_store_free(s);
	/* damage the small object's blob inside the file */
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	char sql[256];
	snprintf(sql, sizeof(sql), "UPDATE blobs SET data = substr(data, 1, length(data) - 1) || x'00' WHERE key = '%s'",
	         small);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(h), 1);
	sqlite3_close(h);
	th_ok(mlops_store_open(&s, path, NULL));
	th_ok(mlops_store_verify(&vs, &report, s));
	assert_int_equal(vs.objects_corrupt, 1);
	assert_non_null(report);
	assert_non_null(strstr(report, small));
	mlops_free(report);
	mlops_store_free(s);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pinned_kept_unpinned_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_young_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manifest_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_healthy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_finds_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_missing_chunk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_metadata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_file, setup, teardown),
	};
	return cmocka_run_group_tests_name("gc", tests, NULL, NULL);
}
