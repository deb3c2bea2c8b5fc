/* Fault injection over dataset commit, checkout and push: the Nth backend call of a kind fails, for every N
 * until the operation gets through; after each failure the store verifies clean, records nothing new, and a
 * retry without the fault succeeds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

#define BIG (300u * 1024u)

typedef struct world {
	char *dir;       /* temp root */
	char *store_dir;
	char *work;
	mlops_store *s;
	th_fault_backend *fb;
} world;

static char *pj(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);
	if (!p)
		abort();
	snprintf(p, n, "%s/%s", a, b);
	return p;
}

static void write_tree(const char *root, int variant)
{
	char *p = pj(root, "sub");
	mkdir(p, 0755);
	free(p);
	for (int i = 0; i < 6; i++) {
		char name[64], text[64];
		snprintf(name, sizeof(name), "%s/f%d.txt", i % 2 ? "sub" : ".", i);
		snprintf(text, sizeof(text), "file %d variant %d\n", i, i < 3 ? 0 : variant);
		p = pj(root, name);
		th_write_file(p, text, strlen(text));
		free(p);
	}
	static char big[BIG];
	th_fill_random(big, BIG, 99);
	big[BIG / 2] = (char)variant;
	p = pj(root, "sub/big.bin");
	th_write_file(p, big, BIG);
	free(p);
}

static void world_open(world *w)
{
	memset(w, 0, sizeof(*w));
	w->dir = th_tmpdir("dsfault");
	w->store_dir = pj(w->dir, "store");
	w->work = pj(w->dir, "work");
	mkdir(w->store_dir, 0755);
	mkdir(w->work, 0755);
	char *loc = pj(w->store_dir, "objects");
	mlops_backend *inner = NULL;
	th_ok(mlops_backend_new(&inner, "fs", loc, MLOPS_SYNC_NORMAL));
	free(loc);
	w->fb = th_fault_new(inner);
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.backend_instance = th_fault_base(w->fb);
	th_ok(mlops_store_open(&w->s, w->store_dir, &o));
}

static void world_close(world *w)
{
	mlops_store_free(w->s);
	th_rmrf(w->dir);
	free(w->dir);
	free(w->store_dir);
	free(w->work);
}

static void assert_verifies(mlops_store *s)
{
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	char *report = NULL;
	th_ok(mlops_store_verify(&vs, &report, s));
	if (vs.objects_corrupt || vs.objects_missing || vs.metadata_errors)
		fail_msg("store does not verify: %s", report ? report : "");
	mlops_free(report);
}

static int versions(mlops_store *s, const char *name)
{
	mlops_dataset_version_iter *it;
	if (mlops_dataset_log(&it, s, name, 0) != 0)
		return 0;
	const mlops_dataset_version_info *v;
	int n = 0;
	while (mlops_dataset_log_next(&v, it) == 0)
		n++;
	mlops_dataset_version_iter_free(it);
	return n;
}

static int64_t audit_rows(mlops_store *s)
{
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	th_ok(mlops_store_info_get(&info, s));
	return (int64_t)info.audit_rows;
}

static const th_fault_op ops[] = {TH_OP_WRITE, TH_OP_EXISTS, TH_OP_READ, TH_OP_FLUSH};
static const th_fault_kind kinds[] = {TH_FAULT_EIO, TH_FAULT_ENOSPC, TH_FAULT_SHORT_WRITE};

static void test_commit_faults(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t oi = 0; oi < sizeof(ops) / sizeof(ops[0]); oi++) {
		for (size_t ki = 0; ki < sizeof(kinds) / sizeof(kinds[0]); ki++) {
			if (kinds[ki] == TH_FAULT_SHORT_WRITE && ops[oi] != TH_OP_WRITE)
				continue;
			world w;
			world_open(&w);
			write_tree(w.work, 1);
			th_ok(mlops_dataset_commit(NULL, NULL, w.s, "d", w.work, NULL));
			write_tree(w.work, 2);
			for (unsigned n = 1;; n++) {
				int before = versions(w.s, "d");
				int64_t audits = audit_rows(w.s);
				mlops_dataset_commit_options o = MLOPS_DATASET_COMMIT_OPTIONS_INIT;
				o.flags = MLOPS_DATASET_COMMIT_NO_CACHE;
				o.threads = (n % 2) ? 1 : 2;
				th_fault_arm(w.fb, ops[oi], n, kinds[ki]);
				char id[33];
				int rc = mlops_dataset_commit(id, NULL, w.s, "d", w.work, &o);
				int fired = th_fault_fired(w.fb);
				th_fault_arm(w.fb, ops[oi], 0, TH_FAULT_NONE);
				if (!fired) {
					th_ok(rc);
					assert_int_equal(versions(w.s, "d"), before + 1);
					break;
				}
				if (rc == 0) {
					/* The fault hit a call whose failure the store tolerates (e.g. a look-up retried as a
					 * write): the commit must then be complete and correct. */
					assert_int_equal(versions(w.s, "d"), before + 1);
					break;
				}
				failures++;
				assert_int_equal(versions(w.s, "d"), before);
				assert_int_equal(audit_rows(w.s), audits);
				assert_verifies(w.s);
				assert_true(n < 200);
			}
			/* The committed tree checks out byte for byte. */
			char *out = pj(w.dir, "out");
			th_ok(mlops_dataset_checkout(NULL, w.s, "d", out, NULL));
			mlops_dataset_status_counts sc = MLOPS_DATASET_STATUS_COUNTS_INIT;
			th_ok(mlops_dataset_status(NULL, &sc, w.s, w.work, "d", NULL));
			assert_int_equal(sc.unchanged, 7);
			assert_int_equal(sc.modified + sc.added + sc.deleted, 0);
			free(out);
			assert_verifies(w.s);
			world_close(&w);
		}
	}
	assert_true(failures > 20);
}

/* Each file of dir holds either the content of v1 or that of v2 (never a mix or a partial write). */
static void assert_old_or_new(world *w, const char *out)
{
	/* Directory-wide: every file compares equal to v1 or to v2. */
	mlops_dataset_status_options so = MLOPS_DATASET_STATUS_OPTIONS_INIT;
	so.flags = MLOPS_DATASET_STATUS_UNCHANGED | MLOPS_DATASET_STATUS_NO_CACHE | MLOPS_DATASET_STATUS_NO_UPDATE;
	mlops_dataset_status_iter *i1, *i2;
	th_ok(mlops_dataset_status(&i1, NULL, w->s, out, "d@v1", &so));
	th_ok(mlops_dataset_status(&i2, NULL, w->s, out, "d@v2", &so));
	const mlops_dataset_status_entry *e1, *e2;
	while (mlops_dataset_status_next(&e1, i1) == 0) {
		th_ok(mlops_dataset_status_next(&e2, i2));
		assert_string_equal(e1->path, e2->path);
		if (e1->change == MLOPS_DATASET_DELETED || e2->change == MLOPS_DATASET_DELETED)
			continue;
		if (e1->change != MLOPS_DATASET_UNCHANGED && e2->change != MLOPS_DATASET_UNCHANGED)
			fail_msg("'%s' is neither its v1 nor its v2 content", e1->path);
	}
	mlops_dataset_status_iter_free(i1);
	mlops_dataset_status_iter_free(i2);
}

static void test_checkout_faults(void **state)
{
	(void)state;
	int failures = 0;
	const th_fault_op cops[] = {TH_OP_READ, TH_OP_EXISTS};
	for (size_t oi = 0; oi < 2; oi++) {
		world w;
		world_open(&w);
		write_tree(w.work, 1);
		char v1[33], v2[33];
		th_ok(mlops_dataset_commit(v1, NULL, w.s, "d", w.work, NULL));
		write_tree(w.work, 2);
		th_ok(mlops_dataset_commit(v2, NULL, w.s, "d", w.work, NULL));
		char *out = pj(w.dir, "co");
		th_ok(mlops_dataset_checkout(NULL, w.s, "d@v1", out, NULL));
		for (unsigned n = 1;; n++) {
			int64_t audits = audit_rows(w.s);
			th_fault_arm(w.fb, cops[oi], n, TH_FAULT_EIO);
			int rc = mlops_dataset_checkout(NULL, w.s, "d@v2", out, NULL);
			int fired = th_fault_fired(w.fb);
			th_fault_arm(w.fb, cops[oi], 0, TH_FAULT_NONE);
			if (!fired) {
				th_ok(rc);
				break;
			}
			if (rc == 0)
				break;
			failures++;
			/* The head did not move, no audit row, the store verifies, each file is old or new. */
			mlops_dataset_status_counts sc = MLOPS_DATASET_STATUS_COUNTS_INIT;
			th_ok(mlops_dataset_status(NULL, &sc, w.s, out, NULL, NULL));
			assert_string_equal(sc.version_id, v1);
			assert_int_equal(audit_rows(w.s), audits);
			assert_verifies(w.s);
			assert_old_or_new(&w, out);
			/* Retry from v1's point of view: files already at v2 are not local modifications. */
			assert_true(n < 200);
		}
		mlops_dataset_status_counts sc = MLOPS_DATASET_STATUS_COUNTS_INIT;
		th_ok(mlops_dataset_status(NULL, &sc, w.s, out, NULL, NULL));
		assert_string_equal(sc.version_id, v2);
		assert_int_equal(sc.unchanged, 7);
		assert_int_equal(sc.modified + sc.added + sc.deleted, 0);
		free(out);
		world_close(&w);
	}
	assert_true(failures > 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_faults),
		cmocka_unit_test(test_checkout_faults),
	};
	return cmocka_run_group_tests_name("datasets_faults", tests, NULL, NULL);
}
