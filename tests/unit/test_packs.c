/*
 * Pack files of the "fs" backend: which blobs of a batch are packed, reading pending and published packs, what
 * another instance (another process) sees before and after a flush, removal and the rewriting of packs (also by
 * another instance), a damaged index, touch, stale leftovers, a writer that dies before publishing, a pack the
 * file system refuses, blobs larger than the write buffers, and gc plus verify of a store whose chunks are packed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "storage/fs_pack.h"
#include "util/util.h"

#define LOOSE_FIRST 16 /* blobs of a batch written as loose files before the pack starts */

typedef struct fixture {
	char *dir;
	char *objects;
	char *packs;
	int sync;
	mlops_backend *b;
} fixture;

static int setup_sync(void **state, int sync)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->dir = th_tmpdir("packs");
	f->objects = mlops__path_join(f->dir, "objects");
	f->packs = mlops__path_join(f->objects, "packs");
	f->sync = sync;
	th_ok(mlops_backend_new(&f->b, "fs", f->objects, sync));
	*state = f;
	return 0;
}

static int setup_normal(void **state) { return setup_sync(state, MLOPS_SYNC_NORMAL); }
static int setup_off(void **state) { return setup_sync(state, MLOPS_SYNC_OFF); }

static int teardown(void **state)
{
	fixture *f = *state;
	mlops_backend_free(f->b);
	th_rmrf(f->dir);
	free(f->dir);
	free(f->objects);
	free(f->packs);
	free(f);
	return 0;
}

static mlops_backend *other(fixture *f)
{
	mlops_backend *b;
	th_ok(mlops_backend_new(&b, "fs", f->objects, f->sync));
	return b;
}

static void key_of(char key[MLOPS_OID_BUFSIZE], unsigned i)
{
	snprintf(key, MLOPS_OID_BUFSIZE, "%08x%024x", i * 2654435761u, i);
}

/* Blob i: size 100 + 37 * i bytes (or big_size for every 10th when big_size is set), pseudo-random. */
static size_t blob_size(unsigned i, size_t big_size)
{
	return big_size && i % 10 == 9 ? big_size : 100 + 37 * (size_t)i;
}

static uint8_t *blob_data(unsigned i, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	assert_non_null(d);
	th_fill_random(d, n, 1000 + i);
	return d;
}

static void write_blobs(mlops_backend *b, unsigned from, unsigned to, size_t big)
{
	char key[MLOPS_OID_BUFSIZE];
	for (unsigned i = from; i < to; i++) {
		size_t n = blob_size(i, big);
		uint8_t *d = blob_data(i, n);
		key_of(key, i);
		th_ok(b->write(b, key, d, n));
		free(d);
	}
}

static void expect_blob(mlops_backend *b, unsigned i, size_t big)
{
	char key[MLOPS_OID_BUFSIZE];
	key_of(key, i);
	size_t n = blob_size(i, big);
	uint8_t *want = blob_data(i, n);
	void *got = NULL;
	size_t gn = 0;
	th_ok(b->read(b, &got, &gn, key));
	assert_int_equal(gn, n);
	assert_memory_equal(got, want, n);
	int e = 0;
	th_ok(b->exists(b, &e, key));
	assert_int_equal(e, 1);
	mlops_free(got);
	free(want);
}

static void expect_absent(mlops_backend *b, unsigned i)
{
	char key[MLOPS_OID_BUFSIZE];
	key_of(key, i);
	void *got = NULL;
	size_t gn = 0;
	th_assert_rc(b->read(b, &got, &gn, key), MLOPS_ENOTFOUND);
	int e = 1;
	th_ok(b->exists(b, &e, key));
	assert_int_equal(e, 0);
}

/* Files in the pack directory whose name ends with suffix. */
static int count_suffix(const fixture *f, const char *suffix)
{
	DIR *d = opendir(f->packs);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	size_t sl = strlen(suffix);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		n += l > sl && strcmp(e->d_name + l - sl, suffix) == 0;
	}
	closedir(d);
	return n;
}

/* The path of the first file in the pack directory with this suffix (malloc'ed), or NULL. */
static char *first_with(const fixture *f, const char *suffix)
{
	DIR *d = opendir(f->packs);
	assert_non_null(d);
	char *out = NULL;
	struct dirent *e;
	size_t sl = strlen(suffix);
	while (!out && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l > sl && strcmp(e->d_name + l - sl, suffix) == 0 && strncmp(e->d_name, "pack-", 5) == 0)
			out = mlops__path_join(f->packs, e->d_name);
	}
	closedir(d);
	return out;
}

typedef struct listing {
	unsigned count;
	uint64_t bytes;
	int64_t min_mtime;
} listing;

static int collect(const char *key, uint64_t size, int64_t mtime, void *payload)
{
	(void)key;
	listing *l = payload;
	l->count++;
	l->bytes += size;
	if (!l->min_mtime || mtime < l->min_mtime)
		l->min_mtime = mtime;
	return 0;
}

static listing list_all(mlops_backend *b, int want_rc)
{
	listing l = {0, 0, 0};
	th_assert_rc(b->list(b, collect, &l), want_rc);
	return l;
}

/* A batch: the first blobs are loose files, the rest one pack that appears only at flush, in whole blocks. */
static void test_batch_layout(void **state)
{
	fixture *f = *state;
	write_blobs(f->b, 0, 100, 0);
	char key[MLOPS_OID_BUFSIZE];
	key_of(key, 99);
	long off, size;
	assert_null(th_blob_locate(f->objects, key, &off, &size)); /* not published yet */
	mlops_backend *o = other(f);
	expect_absent(o, 99);
	for (unsigned i = 0; i < 100; i++)
		expect_blob(f->b, i, 0); /* pending: read back from the writer */
	th_ok(f->b->flush(f->b));
	assert_int_equal(count_suffix(f, ".idx"), 1);
	assert_int_equal(count_suffix(f, ".pack"), 1);
	for (unsigned i = 0; i < 100; i++) {
		key_of(key, i);
		char *p = th_blob_locate(f->objects, key, &off, &size);
		assert_non_null(p);
		assert_int_equal(strstr(p, "/packs/") != NULL, i >= LOOSE_FIRST);
		assert_int_equal(size, (long)blob_size(i, 0));
		free(p);
		expect_blob(o, i, 0); /* the other instance finds the new pack */
	}
	char *pk = first_with(f, ".pack");
	struct stat st;
	assert_int_equal(stat(pk, &st), 0);
	assert_int_equal(st.st_size % FS_PACK_ALIGN, 0);
	free(pk);
	listing l = list_all(o, 0);
	assert_int_equal(l.count, 100);
	uint64_t want = 0;
	for (unsigned i = 0; i < 100; i++)
		want += blob_size(i, 0);
	assert_int_equal(l.bytes, want);
	/* Writing blobs again stores nothing new. */
	write_blobs(f->b, 0, 100, 0);
	th_ok(f->b->flush(f->b));
	assert_int_equal(count_suffix(f, ".pack"), 1);
	mlops_backend_free(o);
}

/* Blobs larger than a write buffer, and enough bytes that earlier ones are read back from the file itself. */
static void test_large_blobs(void **state)
{
	fixture *f = *state;
	const size_t big = (9u << 20) + 12345;
	write_blobs(f->b, 0, 40, big);
	for (unsigned i = 0; i < 40; i++)
		expect_blob(f->b, i, big);
	th_ok(f->b->flush(f->b));
	mlops_backend *o = other(f);
	for (unsigned i = 0; i < 40; i++)
		expect_blob(o, i, big);
	mlops_backend_free(o);
}

/* Removing packed blobs rewrites their pack at flush; survivors stay readable here and elsewhere. */
static void test_remove_rewrites(void **state)
{
	fixture *f = *state;
	write_blobs(f->b, 0, 200, 0);
	th_ok(f->b->flush(f->b));
	mlops_backend *o = other(f);
	expect_blob(o, 150, 0); /* o has loaded the first pack */
	char *old = first_with(f, ".pack");
	char key[MLOPS_OID_BUFSIZE];
	for (unsigned i = 100; i < 120; i++) {
		key_of(key, i);
		th_ok(f->b->remove(f->b, key));
		th_assert_rc(f->b->remove(f->b, key), MLOPS_ENOTFOUND);
		expect_absent(f->b, i);
	}
	th_ok(f->b->flush(f->b));
	struct stat st;
	assert_int_equal(stat(old, &st), -1);
	assert_int_equal(count_suffix(f, ".idx"), 1);
	assert_int_equal(count_suffix(f, ".pack"), 1);
	for (unsigned i = 0; i < 200; i++) {
		if (i >= 100 && i < 120) {
			expect_absent(f->b, i);
			expect_absent(o, i);
		} else {
			expect_blob(f->b, i, 0);
			expect_blob(o, i, 0); /* its pack vanished: o finds the rewritten one */
		}
	}
	assert_int_equal(list_all(o, 0).count, 180);
	/* Removing every packed blob leaves no pack at all. */
	for (unsigned i = LOOSE_FIRST; i < 200; i++) {
		if (i >= 100 && i < 120)
			continue;
		key_of(key, i);
		th_ok(o->remove(o, key));
	}
	th_ok(o->flush(o));
	assert_int_equal(count_suffix(f, ".idx"), 0);
	assert_int_equal(count_suffix(f, ".pack"), 0);
	assert_int_equal(list_all(f->b, 0).count, LOOSE_FIRST);
	/* A removed blob written again is stored again. */
	write_blobs(f->b, 0, 200, 0);
	th_ok(f->b->flush(f->b));
	expect_blob(o, 110, 0);
	free(old);
	mlops_backend_free(o);
}

/* A pending blob removed before the flush is left out of the index. */
static void test_remove_pending(void **state)
{
	fixture *f = *state;
	write_blobs(f->b, 0, 50, 0);
	char key[MLOPS_OID_BUFSIZE];
	key_of(key, 40);
	th_ok(f->b->remove(f->b, key));
	expect_absent(f->b, 40);
	th_ok(f->b->flush(f->b));
	mlops_backend *o = other(f);
	expect_absent(o, 40);
	expect_blob(o, 41, 0);
	assert_int_equal(list_all(o, 0).count, 49);
	mlops_backend_free(o);
}

/* Many small batches: once 32 packs are small, a flush merges them into one, and nothing is lost on the way. */
static void test_small_packs_merged(void **state)
{
	fixture *f = *state;
	const unsigned per = 30, batches = 40;
	int most = 0;
	for (unsigned b = 0; b < batches; b++) {
		write_blobs(f->b, b * per, (b + 1) * per, 0);
		th_ok(f->b->flush(f->b));
		int n = count_suffix(f, ".idx");
		assert_int_equal(count_suffix(f, ".pack"), n);
		if (n > most)
			most = n;
	}
	assert_int_equal(most, 31);  /* the 32nd small pack triggered the merge */
	assert_int_equal(count_suffix(f, ".idx"), 1 + (int)(batches - 32));
	mlops_backend *o = other(f);
	for (unsigned i = 0; i < batches * per; i++)
		expect_blob(o, i, 0);
	assert_int_equal(list_all(o, 0).count, batches * per);
	mlops_backend_free(o);
}

/* A damaged index: its blobs are unreadable, list names it after listing everything else, nothing crashes. */
static void test_damaged_index(void **state)
{
	fixture *f = *state;
	write_blobs(f->b, 0, 40, 0);
	th_ok(f->b->flush(f->b));
	char *idx = first_with(f, ".idx");
	int fd = open(idx, O_RDWR);
	assert_true(fd >= 0);
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, FS_PACK_IDX_HEADER + 3), 1);
	b ^= 1;
	assert_int_equal(pwrite(fd, &b, 1, FS_PACK_IDX_HEADER + 3), 1);
	close(fd);
	mlops_backend *o = other(f);
	expect_absent(o, 30);
	expect_blob(o, 3, 0);
	listing l = list_all(o, MLOPS_ECORRUPT);
	assert_int_equal(l.count, LOOSE_FIRST);
	assert_non_null(strstr(mlops_error_last()->message, "damaged"));
	assert_non_null(strstr(mlops_error_last()->message, strrchr(idx, '/') + 1));
	/* A truncated index too. */
	assert_int_equal(truncate(idx, 10), 0);
	mlops_backend_free(o);
	o = other(f);
	list_all(o, MLOPS_ECORRUPT);
	/* Merging small packs leaves the damaged one alone (its data may still be recovered by hand). */
	for (unsigned k = 0; k < 33; k++) {
		write_blobs(o, 1000 + k * 30, 1000 + (k + 1) * 30, 0);
		th_ok(o->flush(o));
	}
	assert_true(count_suffix(f, ".idx") <= 3);
	struct stat st;
	assert_int_equal(stat(idx, &st), 0);
	assert_int_equal(st.st_size, 10);
	expect_blob(o, 1000 + 32 * 30 + 29, 0);
	mlops_backend_free(o);
	free(idx);
}

/* touch moves the time of the whole pack (the blob's time) to now. */
static void test_touch(void **state)
{
	fixture *f = *state;
	write_blobs(f->b, 0, 40, 0);
	th_ok(f->b->flush(f->b));
	char *idx = first_with(f, ".idx");
	struct timespec old[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
	assert_int_equal(utimensat(AT_FDCWD, idx, old, 0), 0);
	mlops_backend *o = other(f);
	listing l = list_all(o, 0);
	assert_int_equal(l.min_mtime, 1000000000);
	char key[MLOPS_OID_BUFSIZE];
	key_of(key, 30);
	th_ok(o->touch(o, key));
	struct stat st;
	assert_int_equal(stat(idx, &st), 0);
	assert_true(st.st_mtime > time(NULL) - 100);
	key_of(key, 5000);
	th_assert_rc(o->touch(o, key), MLOPS_ENOTFOUND);
	mlops_backend_free(o);
	free(idx);
}

/* A writer that dies before flushing leaves nothing visible; its leftovers go once they are old. */
static void test_crash_before_publish(void **state)
{
	fixture *f = *state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		mlops_backend *b;
		if (mlops_backend_new(&b, "fs", f->objects, f->sync) != 0)
			_exit(2);
		char key[MLOPS_OID_BUFSIZE];
		uint8_t d[3000];
		memset(d, 7, sizeof(d));
		for (unsigned i = 0; i < 3000; i++) {
			key_of(key, 100000 + i);
			if (b->write(b, key, d, sizeof(d)) != 0)
				_exit(3);
		}
		_exit(0); /* no flush, no free */
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(count_suffix(f, ".idx"), 0);
	assert_int_equal(count_suffix(f, ".pack"), 1);
	mlops_backend *o = other(f);
	listing l = list_all(o, 0);
	assert_int_equal(l.count, f->sync == MLOPS_SYNC_OFF ? LOOSE_FIRST : 0);
	mlops_backend_free(o);
	/* Young leftovers are kept (a writer may still be at work); old ones are removed at open. */
	char *pk = first_with(f, ".pack");
	struct timespec old[2] = {{.tv_sec = time(NULL) - 7200}, {.tv_sec = time(NULL) - 7200}};
	assert_int_equal(utimensat(AT_FDCWD, pk, old, 0), 0);
	o = other(f);
	assert_int_equal(count_suffix(f, ".pack"), 0);
	mlops_backend_free(o);
	free(pk);
}

/* The file system refuses the pack's bytes (a file size limit stands in for a full disk): the write or the flush
 * fails naming the pack, nothing half-written is published, and the same writes succeed once there is room.
 * With 20 MB a later write finds the failed write of the first 8 MiB buffer; with 12 MB the flush does. */
static void write_failure(fixture *f, unsigned count, bool in_write)
{
	struct rlimit old_lim, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_lim), 0);
	void (*old_sig)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old_lim;
	lim.rlim_cur = 1u << 20;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int rc = 0;
	char key[MLOPS_OID_BUFSIZE];
	for (unsigned i = 0; i < count && !rc; i++) {
		uint8_t *d = blob_data(i, 40000);
		key_of(key, i);
		rc = f->b->write(f->b, key, d, 40000);
		free(d);
	}
	bool failed_in_write = rc != 0;
	if (!rc)
		rc = f->b->flush(f->b);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_lim), 0);
	signal(SIGXFSZ, old_sig);
	assert_true(rc < 0);
	assert_non_null(strstr(mlops_error_last()->message, "pack"));
	assert_int_equal(failed_in_write, in_write);
	if (failed_in_write) {
		/* The blobs acknowledged before the failure are gone: the next flush says so, once. */
		th_assert_rc(f->b->flush(f->b), MLOPS_EIO);
		assert_non_null(strstr(mlops_error_last()->message, "were lost"));
	}
	th_ok(f->b->flush(f->b));
	assert_int_equal(count_suffix(f, ".idx"), 0);
	mlops_backend *o = other(f);
	assert_true(list_all(o, 0).count <= LOOSE_FIRST);
	mlops_backend_free(o);
	/* Retried with room: everything is stored and readable elsewhere. */
	for (unsigned i = 0; i < count; i++) {
		uint8_t *d = blob_data(i, 40000);
		key_of(key, i);
		th_ok(f->b->write(f->b, key, d, 40000));
		free(d);
	}
	th_ok(f->b->flush(f->b));
	o = other(f);
	assert_int_equal(list_all(o, 0).count, count);
	for (unsigned i = 0; i < count; i += 7) {
		key_of(key, i);
		void *got = NULL;
		size_t gn = 0;
		th_ok(o->read(o, &got, &gn, key));
		uint8_t *want = blob_data(i, 40000);
		assert_int_equal(gn, 40000);
		assert_memory_equal(got, want, gn);
		free(want);
		mlops_free(got);
	}
	mlops_backend_free(o);
}

static void test_write_failure_at_flush(void **state) { write_failure(*state, 300, false); }
static void test_write_failure_at_write(void **state) { write_failure(*state, 500, true); }

/* A store whose content is chunked into packs: verify checks every packed blob, gc removes them and rewrites. */
static void test_store_gc_verify(void **state)
{
	(void)state;
	char *dir = th_tmpdir("packs-store");
	mlops_store *s;
	th_ok(mlops_store_open(&s, dir, NULL));
	size_t n = 6u << 20;
	uint8_t *data = malloc(n);
	assert_non_null(data);
	th_fill_random(data, n, 77);
	char keep[MLOPS_OID_BUFSIZE], drop[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_put(keep, s, data, n / 2));
	th_ok(mlops_object_put(drop, s, data + n / 2, n / 2));
	th_ok(mlops_object_pin(s, "keep", keep));
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	th_ok(mlops_store_verify(&vs, NULL, s));
	assert_true(vs.objects_checked > 60);
	assert_int_equal(vs.objects_corrupt + vs.objects_missing, 0);
	mlops_gc_options go = MLOPS_GC_OPTIONS_INIT;
	go.grace_seconds = 0;
	mlops_gc_stats gs = MLOPS_GC_STATS_INIT;
	th_ok(mlops_store_gc(&gs, s, &go));
	assert_true(gs.objects_removed > 20);
	th_ok(mlops_store_verify(&vs, NULL, s));
	assert_int_equal(vs.objects_corrupt + vs.objects_missing, 0);
	void *back = NULL;
	size_t bn = 0;
	th_ok(mlops_object_get(&back, &bn, s, keep));
	assert_int_equal(bn, n / 2);
	assert_memory_equal(back, data, n / 2);
	mlops_free(back);
	th_assert_rc(mlops_object_get(&back, &bn, s, drop), MLOPS_ENOTFOUND);
	/* A flipped byte inside a pack is reported by verify and by a read, never returned as data. */
	mlops_store_free(s);
	char *objects = mlops__path_join(dir, "objects"), *packs = mlops__path_join(objects, "packs");
	DIR *d = opendir(packs);
	assert_non_null(d);
	struct dirent *e;
	char *pk = NULL;
	while (!pk && (e = readdir(d)))
		if (strlen(e->d_name) > 5 && strcmp(e->d_name + strlen(e->d_name) - 5, ".pack") == 0)
			pk = mlops__path_join(packs, e->d_name);
	closedir(d);
	assert_non_null(pk);
	int fd = open(pk, O_RDWR);
	assert_true(fd >= 0);
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, 100000), 1);
	b ^= 0x10;
	assert_int_equal(pwrite(fd, &b, 1, 100000), 1);
	close(fd);
	th_ok(mlops_store_open(&s, dir, NULL));
	th_ok(mlops_store_verify(&vs, NULL, s));
	assert_int_equal(vs.objects_corrupt, 1);
	th_assert_rc(mlops_object_get(&back, &bn, s, keep), MLOPS_ECORRUPT);
	mlops_store_free(s);
	/* A damaged pack index: verify reports it, and the chunks it indexed as missing, instead of failing. */
	size_t plen = strlen(pk);
	char *idx = mlops__sprintf("%.*s.idx", (int)(plen - 5), pk);
	assert_int_equal(truncate(idx, 40), 0);
	th_ok(mlops_store_open(&s, dir, NULL));
	char *report = NULL;
	th_ok(mlops_store_verify(&vs, &report, s));
	assert_non_null(report);
	assert_non_null(strstr(report, "damaged"));
	assert_true(vs.objects_corrupt >= 1);
	assert_true(vs.objects_missing >= 1);
	mlops_free(report);
	mlops_gc_stats gs2 = MLOPS_GC_STATS_INIT;
	th_assert_rc(mlops_store_gc(&gs2, s, &go), MLOPS_ECORRUPT); /* gc does not sweep what it cannot see */
	mlops_store_free(s);
	free(idx);
	free(pk);
	free(packs);
	free(objects);
	free(data);
	th_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_layout, setup_normal, teardown),
		cmocka_unit_test_setup_teardown(test_batch_layout, setup_off, teardown),
		cmocka_unit_test_setup_teardown(test_large_blobs, setup_normal, teardown),
		cmocka_unit_test_setup_teardown(test_remove_rewrites, setup_normal, teardown),
		cmocka_unit_test_setup_teardown(test_remove_rewrites, setup_off, teardown),
		cmocka_unit_test_setup_teardown(test_remove_pending, setup_normal, teardown),
		cmocka_unit_test_setup_teardown(test_small_packs_merged, setup_normal, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_index, setup_normal, teardown),
		cmocka_unit_test_setup_teardown(test_touch, setup_normal, teardown),
		cmocka_unit_test_setup_teardown(test_crash_before_publish, setup_normal, teardown),
		cmocka_unit_test_setup_teardown(test_crash_before_publish, setup_off, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_at_flush, setup_normal, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_at_write, setup_normal, teardown),
		cmocka_unit_test(test_store_gc_verify),
	};
	return cmocka_run_group_tests_name("packs", tests, NULL, NULL);
}
