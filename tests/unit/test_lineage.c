/*
 * Lineage tests: adding edges (idempotent, audited, validated), breadth-first walks in both directions with depth
 * limits, diamonds and cycles, and edges added inside a caller's transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "store/store.h"

static int setup(void **state)
{
	mlops_store *s = NULL;
	th_ok(mlops_store_open(&s, ":memory:", NULL));
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	mlops_store_free(*state);
	return 0;
}

/* Walk and render each edge as "from>to@depth", space separated. */
static void walk_str(char *out, size_t cap, mlops_store *s, const char *kind, const char *id, int dir, int max)
{
	mlops_lineage_iter *it = NULL;
	th_ok(mlops_lineage_walk(&it, s, kind, id, dir, max));
	mlops_lineage_edge e;
	size_t len = 0;
	out[0] = '\0';
	int rc;
	while ((rc = mlops_lineage_next(&e, it)) == 0)
		len += (size_t)snprintf(out + len, cap - len, "%s%s>%s@%d", len ? " " : "", e.from_id, e.to_id, e.depth);
	th_assert_rc(rc, MLOPS_ITEROVER);
	th_assert_rc(mlops_lineage_next(&e, it), MLOPS_ITEROVER);
	mlops_lineage_iter_free(it);
}

static void add(mlops_store *s, const char *from, const char *to)
{
	th_ok(mlops_lineage_add(s, "n", from, "n", to, "r"));
}

static void test_chain(void **state)
{
	mlops_store *s = *state;
	add(s, "a", "b");
	add(s, "b", "c");
	add(s, "c", "d");
	char buf[512];
	walk_str(buf, sizeof(buf), s, "n", "a", MLOPS_LINEAGE_DOWNSTREAM, 0);
	assert_string_equal(buf, "a>b@1 b>c@2 c>d@3");
	walk_str(buf, sizeof(buf), s, "n", "a", MLOPS_LINEAGE_DOWNSTREAM, 2);
	assert_string_equal(buf, "a>b@1 b>c@2");
	walk_str(buf, sizeof(buf), s, "n", "a", MLOPS_LINEAGE_DOWNSTREAM, 1);
	assert_string_equal(buf, "a>b@1");
	walk_str(buf, sizeof(buf), s, "n", "d", MLOPS_LINEAGE_UPSTREAM, 0);
	assert_string_equal(buf, "c>d@1 b>c@2 a>b@3");
	walk_str(buf, sizeof(buf), s, "n", "c", MLOPS_LINEAGE_UPSTREAM, 1);
	assert_string_equal(buf, "b>c@1");
	walk_str(buf, sizeof(buf), s, "n", "d", MLOPS_LINEAGE_DOWNSTREAM, 0);
	assert_string_equal(buf, "");
	walk_str(buf, sizeof(buf), s, "n", "zzz", MLOPS_LINEAGE_UPSTREAM, 0);
	assert_string_equal(buf, "");
	/* kinds are part of a node's identity */
	walk_str(buf, sizeof(buf), s, "other", "a", MLOPS_LINEAGE_DOWNSTREAM, 0);
	assert_string_equal(buf, "");
}

static void test_fields(void **state)
{
	mlops_store *s = *state;
	th_ok(mlops_lineage_add(s, MLOPS_KIND_DATASET_VERSION, "ds@3", MLOPS_KIND_RUN, "run1", "input"));
	th_ok(mlops_lineage_add(s, MLOPS_KIND_RUN, "run1", MLOPS_KIND_MODEL_VERSION, "m@1", "produced"));
	mlops_lineage_iter *it = NULL;
	th_ok(mlops_lineage_walk(&it, s, MLOPS_KIND_MODEL_VERSION, "m@1", MLOPS_LINEAGE_UPSTREAM, 0));
	mlops_lineage_edge e;
	th_ok(mlops_lineage_next(&e, it));
	assert_string_equal(e.from_kind, "run");
	assert_string_equal(e.from_id, "run1");
	assert_string_equal(e.to_kind, "model_version");
	assert_string_equal(e.to_id, "m@1");
	assert_string_equal(e.relation, "produced");
	assert_int_equal(e.depth, 1);
	assert_true(e.created_ms > 1600000000000LL);
	th_ok(mlops_lineage_next(&e, it));
	assert_string_equal(e.from_kind, "dataset_version");
	assert_string_equal(e.relation, "input");
	assert_int_equal(e.depth, 2);
	th_assert_rc(mlops_lineage_next(&e, it), MLOPS_ITEROVER);
	mlops_lineage_iter_free(it);
}

static void test_diamond(void **state)
{
	mlops_store *s = *state;
	add(s, "a", "b");
	add(s, "a", "c");
	add(s, "b", "d");
	add(s, "c", "d");
	add(s, "d", "e");
	char buf[512];
	walk_str(buf, sizeof(buf), s, "n", "a", MLOPS_LINEAGE_DOWNSTREAM, 0);
	/* both edges into d are reported, d's own edge once */
	assert_string_equal(buf, "a>b@1 a>c@1 b>d@2 c>d@2 d>e@3");
	walk_str(buf, sizeof(buf), s, "n", "e", MLOPS_LINEAGE_UPSTREAM, 0);
	assert_string_equal(buf, "d>e@1 b>d@2 c>d@2 a>b@3 a>c@3");
}

static void test_cycle(void **state)
{
	mlops_store *s = *state;
	add(s, "a", "b");
	add(s, "b", "c");
	add(s, "c", "a");
	add(s, "b", "b");
	char buf[512];
	walk_str(buf, sizeof(buf), s, "n", "a", MLOPS_LINEAGE_DOWNSTREAM, 0);
	assert_string_equal(buf, "a>b@1 b>c@2 b>b@2 c>a@3");
	walk_str(buf, sizeof(buf), s, "n", "a", MLOPS_LINEAGE_UPSTREAM, 0);
	assert_string_equal(buf, "c>a@1 b>c@2 a>b@3 b>b@3");
	walk_str(buf, sizeof(buf), s, "n", "b", MLOPS_LINEAGE_DOWNSTREAM, 1);
	assert_string_equal(buf, "b>c@1 b>b@1");
}

static void test_idempotent_and_audit(void **state)
{
	mlops_store *s = *state;
	add(s, "a", "b");
	add(s, "a", "b");
	th_ok(mlops_lineage_add(s, "n", "a", "n", "b", "other"));
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	th_ok(mlops_store_info_get(&info, s));
	assert_int_equal(info.lineage_edges, 2);
	mlops_audit_iter *it = NULL;
	th_ok(mlops_audit_iter_new(&it, s, 0));
	mlops_audit_entry e;
	int n = 0, rc;
	while ((rc = mlops_audit_next(&e, it)) == 0) {
		if (strcmp(e.action, "lineage.add") != 0)
			continue;
		n++;
		assert_string_equal(e.object_kind, "n");
		assert_string_equal(e.object_id, "a");
		assert_non_null(strstr(e.detail, "\"to_id\":\"b\""));
	}
	th_assert_rc(rc, MLOPS_ITEROVER);
	mlops_audit_iter_free(it);
	assert_int_equal(n, 2);
}

static void test_validation(void **state)
{
	mlops_store *s = *state;
	th_assert_rc(mlops_lineage_add(s, "", "a", "n", "b", "r"), MLOPS_EINVAL);
	assert_non_null(strstr(mlops_error_last()->message, "from kind is empty"));
	th_assert_rc(mlops_lineage_add(s, "n", NULL, "n", "b", "r"), MLOPS_EINVAL);
	th_assert_rc(mlops_lineage_add(s, "n", "a", "n", "", "r"), MLOPS_EINVAL);
	assert_non_null(strstr(mlops_error_last()->message, "to id is empty"));
	th_assert_rc(mlops_lineage_add(s, "n", "a", "n", "b", NULL), MLOPS_EINVAL);
	th_assert_rc(mlops_lineage_add(s, "n", "a", "n", "b", "bad\xff"), MLOPS_EINVAL);
	th_assert_rc(mlops_lineage_add(NULL, "n", "a", "n", "b", "r"), MLOPS_EINVAL);
	mlops_lineage_iter *it = (mlops_lineage_iter *)s;
	th_assert_rc(mlops_lineage_walk(&it, s, "", "a", MLOPS_LINEAGE_DOWNSTREAM, 0), MLOPS_EINVAL);
	assert_null(it);
	th_assert_rc(mlops_lineage_walk(&it, s, "n", "a", 7, 0), MLOPS_EINVAL);
	th_assert_rc(mlops_lineage_walk(&it, s, "n", "a", MLOPS_LINEAGE_UPSTREAM, -1), MLOPS_EINVAL);
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	th_ok(mlops_store_info_get(&info, s));
	assert_int_equal(info.lineage_edges, 0);
	assert_int_equal(info.audit_rows, 1); /* store.create only */
	mlops_lineage_iter_free(NULL);
}

static void test_internal_in_transaction(void **state)
{
	mlops_store *s = *state;
	mlops_db *db = mlops_store__db(s);
	th_ok(mlops__db_begin_write(db));
	th_ok(mlops_store__lineage_add(s, "n", "x", "n", "y", "r"));
	mlops__db_rollback(db);
	th_ok(mlops__db_begin_write(db));
	th_ok(mlops_store__lineage_add(s, "n", "p", "n", "q", "r"));
	th_ok(mlops_store__lineage_add(s, "n", "p", "n", "q", "r"));
	th_assert_rc(mlops_store__lineage_add(s, "n", "p", "", "q", "r"), MLOPS_EINVAL);
	th_ok(mlops__db_commit(db));
	char buf[256];
	walk_str(buf, sizeof(buf), s, "n", "x", MLOPS_LINEAGE_DOWNSTREAM, 0);
	assert_string_equal(buf, "");
	walk_str(buf, sizeof(buf), s, "n", "p", MLOPS_LINEAGE_DOWNSTREAM, 0);
	assert_string_equal(buf, "p>q@1");
}

static void test_wide(void **state)
{
	mlops_store *s = *state;
	/* a fan-out of 300 nodes, each with one child: enough to grow the walk's tables several times */
	char from[32], to[32];
	for (int i = 0; i < 300; i++) {
		snprintf(to, sizeof(to), "c%d", i);
		add(s, "root", to);
		snprintf(from, sizeof(from), "c%d", i);
		snprintf(to, sizeof(to), "g%d", i);
		add(s, from, to);
		add(s, to, "root"); /* back to the root: a cycle per branch */
	}
	mlops_lineage_iter *it = NULL;
	th_ok(mlops_lineage_walk(&it, s, "n", "root", MLOPS_LINEAGE_DOWNSTREAM, 0));
	mlops_lineage_edge e;
	int count[4] = { 0 };
	while (mlops_lineage_next(&e, it) == 0) {
		assert_true(e.depth >= 1 && e.depth <= 3);
		count[e.depth]++;
	}
	mlops_lineage_iter_free(it);
	assert_int_equal(count[1], 300);
	assert_int_equal(count[2], 300);
	assert_int_equal(count[3], 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diamond, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent_and_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_internal_in_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wide, setup, teardown),
	};
	return cmocka_run_group_tests_name("lineage", tests, NULL, NULL);
}
