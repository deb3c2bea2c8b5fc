/*
 * Several processes on one store: two processes creating the same brand-new store at the same instant (directory
 * and single-file layouts), four processes putting and pinning at once, and gc running while others write.
 * Children report through their exit status; a pipe is the start barrier.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "store/store.h"

#define OBJECTS_PER_CHILD 25

typedef int (*child_fn)(const char *path, int index, void *arg);

/* Fork n children that block on a pipe, release them together, and return how many failed. */
static int run_children(int n, child_fn fn, const char *path, void *arg)
{
	int barrier[2];
	assert_int_equal(pipe(barrier), 0);
	pid_t pids[16];
	assert_true(n <= 16);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(barrier[1]);
			char c;
			ssize_t r;
			while ((r = read(barrier[0], &c, 1)) < 0 && errno == EINTR)
				;
			_exit(fn(path, i, arg));
		}
		pids[i] = pid;
	}
	close(barrier[0]);
	/* closing the write end wakes every child at once (read returns 0) */
	close(barrier[1]);
	int failed = 0;
	for (int i = 0; i < n; i++) {
		int status = 0;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "child %d failed (status 0x%x)\n", i, status);
			failed++;
		}
	}
	return failed;
}

static int child_open_put(const char *path, int index, void *arg)
{
	const mlops_store_options *o = arg;
	mlops_store *s = NULL;
	if (mlops_store_open(&s, path, o) != 0) {
		fprintf(stderr, "child %d: open: %s\n", index, mlops_error_last()->message);
		return 1;
	}
	char data[64], name[32], id[MLOPS_OID_BUFSIZE];
	snprintf(data, sizeof(data), "object of child %d", index);
	snprintf(name, sizeof(name), "child-%d", index);
	int rc = mlops_object_put(id, s, data, strlen(data));
	if (!rc)
		rc = mlops_object_pin(s, name, id);
	if (rc)
		fprintf(stderr, "child %d: %s\n", index, mlops_error_last()->message);
	mlops_store_free(s);
	return rc ? 1 : 0;
}

static int count_action(mlops_store *s, const char *action)
{
	mlops_audit_iter *it = NULL;
	th_ok(mlops_audit_iter_new(&it, s, 0));
	mlops_audit_entry e;
	int n = 0;
	while (mlops_audit_next(&e, it) == 0)
		n += strcmp(e.action, action) == 0;
	mlops_audit_iter_free(it);
	return n;
}

static void check_children_pins(mlops_store *s, int n)
{
	for (int i = 0; i < n; i++) {
		char name[32], want[64], id[MLOPS_OID_BUFSIZE];
		snprintf(name, sizeof(name), "child-%d", i);
		snprintf(want, sizeof(want), "object of child %d", i);
		th_ok(mlops_object_pin_get(id, s, name));
		void *data = NULL;
		size_t got = 0;
		th_ok(mlops_object_get(&data, &got, s, id));
		assert_int_equal(got, strlen(want));
		assert_memory_equal(data, want, got);
		mlops_free(data);
	}
}

static void new_store_race(const char *backend)
{
	for (int round = 0; round < 5; round++) {
		char *dir = th_tmpdir("race");
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, backend ? "store.db" : "store");
		mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
		o.backend = backend;
		assert_int_equal(run_children(2, child_open_put, path, &o), 0);
		mlops_store *s = NULL;
		th_ok(mlops_store_open(&s, path, NULL));
		check_children_pins(s, 2);
		/* the store was created once */
		assert_int_equal(count_action(s, "store.create"), 1);
		assert_int_equal(count_action(s, "store.migrate"), 0);
		mlops_store_info info = MLOPS_STORE_INFO_INIT;
		th_ok(mlops_store_info_get(&info, s));
		assert_int_equal(info.format_version, MLOPS_STORE_FORMAT_VERSION);
		mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
		char *report = NULL;
		th_ok(mlops_store_verify(&vs, &report, s));
		assert_null(report);
		mlops_store_free(s);
		th_rmrf(dir);
		free(dir);
	}
}

static void test_new_store_race_dir(void **state)
{
	(void)state;
	new_store_race(NULL);
}

static void test_new_store_race_single_file(void **state)
{
	(void)state;
	new_store_race("sqlite");
}

static void object_bytes(char *out, size_t cap, int child, int i)
{
	/* distinct content per (child, i), plus one object every child stores */
	if (i == OBJECTS_PER_CHILD - 1)
		snprintf(out, cap, "shared by every child");
	else
		snprintf(out, cap, "child %d object %d", child, i);
}

static int child_many(const char *path, int index, void *arg)
{
	(void)arg;
	mlops_store *s = NULL;
	if (mlops_store_open(&s, path, NULL) != 0) {
		fprintf(stderr, "child %d: open: %s\n", index, mlops_error_last()->message);
		return 1;
	}
	int rc = 0;
	for (int i = 0; i < OBJECTS_PER_CHILD && !rc; i++) {
		char data[64], name[48], id[MLOPS_OID_BUFSIZE];
		object_bytes(data, sizeof(data), index, i);
		snprintf(name, sizeof(name), "c%d-o%d", index, i);
		rc = mlops_object_put(id, s, data, strlen(data));
		if (!rc)
			rc = mlops_object_pin(s, name, id);
		if (!rc)
			rc = mlops_lineage_add(s, "child", name, "object", id, "stored");
	}
	if (rc)
		fprintf(stderr, "child %d: %s\n", index, mlops_error_last()->message);
	mlops_store_free(s);
	return rc ? 1 : 0;
}

static void test_concurrent_put_pin(void **state)
{
	(void)state;
	char *dir = th_tmpdir("multi");
	mlops_store *s = NULL;
	th_ok(mlops_store_open(&s, dir, NULL));
	mlops_store_free(s);
	assert_int_equal(run_children(4, child_many, dir, NULL), 0);
	th_ok(mlops_store_open(&s, dir, NULL));
	for (int c = 0; c < 4; c++) {
		for (int i = 0; i < OBJECTS_PER_CHILD; i++) {
			char data[64], name[48], id[MLOPS_OID_BUFSIZE];
			object_bytes(data, sizeof(data), c, i);
			snprintf(name, sizeof(name), "c%d-o%d", c, i);
			th_ok(mlops_object_pin_get(id, s, name));
			void *got = NULL;
			size_t n = 0;
			th_ok(mlops_object_get(&got, &n, s, id));
			assert_int_equal(n, strlen(data));
			assert_memory_equal(got, data, n);
			mlops_free(got);
		}
	}
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	th_ok(mlops_store_info_get(&info, s));
	assert_int_equal(info.pin_count, 4 * OBJECTS_PER_CHILD);
	assert_int_equal(info.object_count, 4 * (OBJECTS_PER_CHILD - 1) + 1);
	assert_int_equal(info.lineage_edges, 4 * OBJECTS_PER_CHILD);
	assert_int_equal(count_action(s, "object.pin"), 4 * OBJECTS_PER_CHILD);
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	char *report = NULL;
	th_ok(mlops_store_verify(&vs, &report, s));
	assert_null(report);
	mlops_store_free(s);
	th_rmrf(dir);
	free(dir);
}

/* Children 0..2 put and pin new content; child 3 runs gc (default grace) again and again meanwhile. */
static int child_gc_or_write(const char *path, int index, void *arg)
{
	if (index < 3)
		return child_many(path, index, arg);
	mlops_store *s = NULL;
	if (mlops_store_open(&s, path, NULL) != 0)
		return 1;
	int rc = 0;
	for (int i = 0; i < 8 && !rc; i++) {
		mlops_gc_stats st = MLOPS_GC_STATS_INIT;
		rc = mlops_store_gc(&st, s, NULL);
	}
	if (rc)
		fprintf(stderr, "gc child: %s\n", mlops_error_last()->message);
	mlops_store_free(s);
	return rc ? 1 : 0;
}

static void test_gc_while_writing(void **state)
{
	(void)state;
	char *dir = th_tmpdir("multigc");
	mlops_store *s = NULL;
	th_ok(mlops_store_open(&s, dir, NULL));
	/* old garbage that the concurrent gc may remove */
	char garbage[10][MLOPS_OID_BUFSIZE];
	for (int i = 0; i < 10; i++) {
		char data[32];
		snprintf(data, sizeof(data), "old garbage %d", i);
		th_ok(mlops_object_put(garbage[i], s, data, strlen(data)));
		char file[4096];
		snprintf(file, sizeof(file), "%s/objects/%.2s/%s", dir, garbage[i], garbage[i] + 2);
		struct timeval tv[2];
		gettimeofday(&tv[0], NULL);
		tv[0].tv_sec -= 2 * 3600;
		tv[1] = tv[0];
		assert_int_equal(utimes(file, tv), 0);
	}
	mlops_store_free(s);
	assert_int_equal(run_children(4, child_gc_or_write, dir, NULL), 0);
	th_ok(mlops_store_open(&s, dir, NULL));
	for (int c = 0; c < 3; c++) {
		for (int i = 0; i < OBJECTS_PER_CHILD; i++) {
			char data[64], name[48], id[MLOPS_OID_BUFSIZE];
			object_bytes(data, sizeof(data), c, i);
			snprintf(name, sizeof(name), "c%d-o%d", c, i);
			th_ok(mlops_object_pin_get(id, s, name));
			void *got = NULL;
			size_t n = 0;
			th_ok(mlops_object_get(&got, &n, s, id));
			assert_int_equal(n, strlen(data));
			mlops_free(got);
		}
	}
	for (int i = 0; i < 10; i++) {
		int e = 1;
		th_ok(mlops_object_exists(&e, s, garbage[i]));
		assert_int_equal(e, 0);
	}
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	char *report = NULL;
	th_ok(mlops_store_verify(&vs, &report, s));
	assert_null(report);
	mlops_store_free(s);
	th_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_store_race_dir),
		cmocka_unit_test(test_new_store_race_single_file),
		cmocka_unit_test(test_concurrent_put_pin),
		cmocka_unit_test(test_gc_while_writing),
	};
	return cmocka_run_group_tests_name("multiproc", tests, NULL, NULL);
}
