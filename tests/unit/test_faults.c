/*
 * Fault injection through the store: for each backend call a store operation makes (a small put, a chunked 1 MiB
 * put, a pin, a get, a gc), fail that call (EIO, ENOSPC, and for writes a short write), then check that the call
 * failed, that verify finds nothing wrong (except the half-written blob of a short write), that what the store
 * shows (pins, pinned objects, the audit log) is unchanged, and that the call succeeds once the fault is gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "store/store.h"

typedef enum scenario {
	SC_PUT_SMALL,
	SC_PUT_BIG,
	SC_PIN,
	SC_GET,
	SC_GC,
	SC_COUNT
} scenario;

static const char *const scenario_names[] = { "put 2 KiB", "put 1 MiB", "pin", "get", "gc" };
static const char *const op_names[] = { "write", "read", "exists", "remove", "list", "flush" };
static const char *const kind_names[] = { "none", "EIO", "ENOSPC", "short write" };

#define Q_SIZE (300u * 1024u)
#define SMALL_SIZE 2048u
#define BIG_SIZE (1024u * 1024u)

typedef struct world {
	char *dir;
	mlops_store *s;
	th_fault_backend *fb;
	char p[MLOPS_OID_BUFSIZE], q[MLOPS_OID_BUFSIZE], g[MLOPS_OID_BUFSIZE];
} world;

static unsigned char *q_data, *small_data, *big_data;

static void world_open(world *w)
{
	memset(w, 0, sizeof(*w));
	w->dir = th_tmpdir("faults");
	char loc[4096];
	snprintf(loc, sizeof(loc), "%s/objects", w->dir);
	mlops_backend *inner = NULL;
	th_ok(mlops_backend_new(&inner, "fs", loc, MLOPS_SYNC_NORMAL));
	w->fb = th_fault_new(inner);
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.backend_instance = th_fault_base(w->fb);
	th_ok(mlops_store_open(&w->s, w->dir, &o));
	th_ok(mlops_object_put(w->p, w->s, "pinned small object", 19));
	th_ok(mlops_object_put(w->q, w->s, q_data, Q_SIZE));
	th_ok(mlops_object_pin(w->s, "p", w->p));
	th_ok(mlops_object_pin(w->s, "q", w->q));
	th_ok(mlops_object_put(w->g, w->s, "garbage", 7));
}

static void world_close(world *w)
{
	mlops_store_free(w->s);
	th_rmrf(w->dir);
	free(w->dir);
}

static int run_op(world *w, scenario sc)
{
	char id[MLOPS_OID_BUFSIZE];
	switch (sc) {
	case SC_PUT_SMALL:
		return mlops_object_put(id, w->s, small_data, SMALL_SIZE);
	case SC_PUT_BIG:
		return mlops_object_put(id, w->s, big_data, BIG_SIZE);
	case SC_PIN:
		return mlops_object_pin(w->s, "r", w->q);
	case SC_GET: {
		void *data = NULL;
		size_t n = 0;
		int rc = mlops_object_get(&data, &n, w->s, w->q);
		if (!rc && (n != Q_SIZE || memcmp(data, q_data, n) != 0))
			fail_msg("get returned wrong bytes");
		mlops_free(data);
		return rc;
	}
	case SC_GC: {
		mlops_gc_options o = MLOPS_GC_OPTIONS_INIT;
		o.grace_seconds = 0;
		mlops_gc_stats st = MLOPS_GC_STATS_INIT;
		return mlops_store_gc(&st, w->s, &o);
	}
	default:
		fail();
	}
	return -1;
}

static int audit_rows(mlops_store *s)
{
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	th_ok(mlops_store_info_get(&info, s));
	return (int)info.audit_rows;
}

static void check_object(mlops_store *s, const char *id, const void *want, size_t n)
{
	void *data = NULL;
	size_t got = 0;
	th_ok(mlops_object_get(&data, &got, s, id));
	assert_int_equal(got, n);
	assert_memory_equal(data, want, n);
	mlops_free(data);
}

/* The state a user can see: pins and the objects they reach. */
static void check_visible(world *w, bool pinned_r)
{
	char got[MLOPS_OID_BUFSIZE];
	th_ok(mlops_object_pin_get(got, w->s, "p"));
	assert_string_equal(got, w->p);
	th_ok(mlops_object_pin_get(got, w->s, "q"));
	assert_string_equal(got, w->q);
	if (pinned_r) {
		th_ok(mlops_object_pin_get(got, w->s, "r"));
		assert_string_equal(got, w->q);
	} else {
		th_assert_rc(mlops_object_pin_get(got, w->s, "r"), MLOPS_ENOTFOUND);
	}
	check_object(w->s, w->p, "pinned small object", 19);
	check_object(w->s, w->q, q_data, Q_SIZE);
}

static void check_verify(world *w, th_fault_kind kind, const char *what)
{
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	char *report = NULL;
	th_ok(mlops_store_verify(&vs, &report, w->s));
	uint64_t allowed_corrupt = kind == TH_FAULT_SHORT_WRITE ? 1 : 0;
	if (vs.objects_corrupt > allowed_corrupt || vs.objects_missing || vs.metadata_errors)
		fail_msg("%s: verify found corrupt %llu missing %llu metadata %llu: %s", what,
		         (unsigned long long)vs.objects_corrupt, (unsigned long long)vs.objects_missing,
		         (unsigned long long)vs.metadata_errors, report ? report : "");
	mlops_free(report);
}

static unsigned calls_of(world *w, th_fault_op op)
{
	return th_fault_calls(w->fb, op);
}

/* How many calls of each kind one run of the scenario makes on a fresh world. */
static void measure(scenario sc, unsigned out[TH_OP_COUNT_])
{
	world w;
	world_open(&w);
	unsigned before[TH_OP_COUNT_];
	for (int op = 0; op < TH_OP_COUNT_; op++)
		before[op] = calls_of(&w, (th_fault_op)op);
	th_ok(run_op(&w, sc));
	for (int op = 0; op < TH_OP_COUNT_; op++)
		out[op] = calls_of(&w, (th_fault_op)op) - before[op];
	world_close(&w);
}

static unsigned run_scenario(scenario sc)
{
	unsigned calls[TH_OP_COUNT_];
	measure(sc, calls);
	unsigned cases = 0;
	for (int op = 0; op < TH_OP_COUNT_; op++) {
		for (int k = TH_FAULT_EIO; k <= TH_FAULT_SHORT_WRITE; k++) {
			if (k == TH_FAULT_SHORT_WRITE && op != TH_OP_WRITE)
				continue;
			for (unsigned nth = 1; nth <= calls[op]; nth++) {
				char what[160];
				snprintf(what, sizeof(what), "%s, %s call %u of %u fails with %s", scenario_names[sc],
				         op_names[op], nth, calls[op], kind_names[k]);
				world w;
				world_open(&w);
				int rows = audit_rows(w.s);
				th_fault_arm(w.fb, (th_fault_op)op, nth, (th_fault_kind)k);
				int rc = run_op(&w, sc);
				if (!th_fault_fired(w.fb))
					fail_msg("%s: the fault did not fire", what);
				if (rc == 0)
					fail_msg("%s: the call succeeded", what);
				if (k == TH_FAULT_ENOSPC && op == TH_OP_WRITE && rc != MLOPS_ENOSPC)
					fail_msg("%s: got %s, want MLOPS_ENOSPC (%s)", what, mlops_error_name(rc),
					         mlops_error_last()->message);
				th_fault_arm(w.fb, (th_fault_op)op, 0, TH_FAULT_NONE);
				assert_int_equal(audit_rows(w.s), rows);
				check_visible(&w, false);
				check_verify(&w, (th_fault_kind)k, what);
				rc = run_op(&w, sc);
				if (rc != 0)
					fail_msg("%s: retry failed: %s", what, mlops_error_last()->message);
				check_visible(&w, sc == SC_PIN);
				if (k != TH_FAULT_SHORT_WRITE && sc == SC_PUT_BIG) {
					char id[MLOPS_OID_BUFSIZE];
					th_ok(mlops_object_put(id, w.s, big_data, BIG_SIZE));
					check_object(w.s, id, big_data, BIG_SIZE);
				}
				if (sc == SC_GC) {
					int e = 1;
					th_ok(mlops_object_exists(&e, w.s, w.g));
					assert_int_equal(e, 0);
				}
				world_close(&w);
				cases++;
			}
		}
	}
	print_message("%s: %u fault cases\n", scenario_names[sc], cases);
	return cases;
}

static void test_put_small(void **state)
{
	(void)state;
	assert_true(run_scenario(SC_PUT_SMALL) >= 3);
}

static void test_put_big(void **state)
{
	(void)state;
	/* at least the manifest and several chunks are written */
	assert_true(run_scenario(SC_PUT_BIG) >= 3 * 5);
}

static void test_pin(void **state)
{
	(void)state;
	assert_true(run_scenario(SC_PIN) >= 2);
}

static void test_get(void **state)
{
	(void)state;
	assert_true(run_scenario(SC_GET) >= 2 * 2);
}

static void test_gc(void **state)
{
	(void)state;
	assert_true(run_scenario(SC_GC) >= 2 * 2);
}

int main(void)
{
	q_data = malloc(Q_SIZE);
	small_data = malloc(SMALL_SIZE);
	big_data = malloc(BIG_SIZE);
	if (!q_data || !small_data || !big_data)
		return 1;
	th_fill_random(q_data, Q_SIZE, 41);
	th_fill_text(small_data, SMALL_SIZE, 42);
	th_fill_random(big_data, BIG_SIZE, 43);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_small),
		cmocka_unit_test(test_put_big),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_gc),
	};
	int rc = cmocka_run_group_tests_name("faults", tests, NULL, NULL);
	free(q_data);
	free(small_data);
	free(big_data);
	return rc;
}
