/* Eight processes log metrics, params and tags into one store at once: no MLOPS_EBUSY may reach a caller, and
 * every point must be there afterwards (per-run runs and one run all processes share). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "runs/runs_int.h"

#define WORKERS 8
#define KEYS 4
#define POINTS_PER_KEY 5000
#define SHARED_POINTS 2000

static int worker_fail(int worker, const char *what)
{
	const mlops_error *e = mlops_error_last();
	fprintf(stderr, "worker %d: %s: %s [%s]\n", worker, what, e->message, mlops_error_name(e->code));
	return e->code == MLOPS_EBUSY ? 3 : 2;
}

/* Runs in the child: its own run with KEYS x POINTS_PER_KEY points, plus SHARED_POINTS into the shared run. */
static int worker(int w, const char *path, const char *shared_id, int fd)
{
	mlops_store *store;
	if (mlops_store_open(&store, path, NULL))
		return worker_fail(w, "open");
	mlops_run_options o = MLOPS_RUN_OPTIONS_INIT;
	char name[32];
	snprintf(name, sizeof(name), "worker-%d", w);
	o.run_name = name;
	o.flush_points = 250;
	mlops_run *run;
	if (mlops_run_start(&run, store, &o))
		return worker_fail(w, "start");
	if (write(fd, mlops_run_id(run), 32) != 32)
		return 4;
	if (mlops_run_log_param(run, "worker", name + 7) || mlops_run_set_tag(run, "role", "writer"))
		return worker_fail(w, "param/tag");
	mlops_run *shared;
	if (mlops_run_resume(&shared, store, shared_id))
		return worker_fail(w, "resume shared");
	shared->flush_points = 50;
	static const char *const keys[KEYS] = { "loss", "acc", "lr", "grad.norm" };
	for (int i = 0; i < POINTS_PER_KEY; i++) {
		for (int k = 0; k < KEYS; k++)
			if (mlops_run_log_metric(run, keys[k], (double)(i * KEYS + k), i, 0))
				return worker_fail(w, "log");
		if (i < SHARED_POINTS && mlops_run_log_metric(shared, "all", (double)w, (int64_t)w * SHARED_POINTS + i, 0))
			return worker_fail(w, "log shared");
	}
	if (mlops_run_end(run, MLOPS_RUN_FINISHED))
		return worker_fail(w, "end");
	if (mlops_run_flush(shared))
		return worker_fail(w, "flush shared");
	mlops_run_free(shared);
	mlops_run_free(run);
	mlops_store_free(store);
	return 0;
}

static void test_eight_writers(void **state)
{
	(void)state;
	char *dir = th_tmpdir("runs-mp");
	char path[4200];
	snprintf(path, sizeof(path), "%s/store", dir);
	mlops_store *store;
	th_ok(mlops_store_open(&store, path, NULL));
	mlops_run *shared;
	mlops_run_options so = MLOPS_RUN_OPTIONS_INIT;
	so.run_name = "shared";
	th_ok(mlops_run_start(&shared, store, &so));
	char shared_id[MLOPS_RUN_ID_BUFSIZE];
	strcpy(shared_id, mlops_run_id(shared));

	int fds[WORKERS][2];
	pid_t pids[WORKERS];
	for (int w = 0; w < WORKERS; w++) {
		assert_int_equal(pipe(fds[w]), 0);
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0) {
			close(fds[w][0]);
			int rc = worker(w, path, shared_id, fds[w][1]);
			_exit(rc);
		}
		close(fds[w][1]);
	}
	char ids[WORKERS][MLOPS_RUN_ID_BUFSIZE];
	for (int w = 0; w < WORKERS; w++) {
		int status = 0;
		assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		assert_int_equal(read(fds[w][0], ids[w], 32), 32);
		ids[w][32] = '\0';
		close(fds[w][0]);
	}

	/* every point of every worker is there, in the summaries and in the history */
	static const char *const keys[KEYS] = { "loss", "acc", "lr", "grad.norm" };
	for (int w = 0; w < WORKERS; w++) {
		mlops_run_info *ri;
		th_ok(mlops_runs_get(&ri, store, ids[w]));
		assert_int_equal(ri->status, MLOPS_RUN_FINISHED);
		mlops_run_info_free(ri);
		for (int k = 0; k < KEYS; k++) {
			mlops_metric_summary *s;
			th_ok(mlops_runs_metric_get(&s, store, ids[w], keys[k]));
			assert_int_equal(s->count, POINTS_PER_KEY);
			assert_int_equal(s->max_step, POINTS_PER_KEY - 1);
			assert_true(s->last == (double)((POINTS_PER_KEY - 1) * KEYS + k));
			mlops_metric_summary_free(s);
			mlops_metric_history *h;
			th_ok(mlops_runs_metric_history(&h, store, ids[w], keys[k], NULL));
			assert_int_equal(mlops_metric_history_count(h), POINTS_PER_KEY);
			const double *v = mlops_metric_history_values(h);
			for (int i = 0; i < POINTS_PER_KEY; i++)
				assert_true(v[i] == (double)(i * KEYS + k));
			mlops_metric_history_free(h);
		}
		char *p;
		th_ok(mlops_runs_param_get(&p, store, ids[w], "worker"));
		mlops_free(p);
	}
	mlops_metric_summary *s;
	th_ok(mlops_runs_metric_get(&s, store, shared_id, "all"));
	assert_int_equal(s->count, WORKERS * SHARED_POINTS);
	assert_true(s->last == (double)(WORKERS - 1));
	assert_true(s->min == 0.0 && s->max == (double)(WORKERS - 1));
	mlops_metric_summary_free(s);
	mlops_metric_history *h;
	th_ok(mlops_runs_metric_history(&h, store, shared_id, "all", NULL));
	assert_int_equal(mlops_metric_history_count(h), WORKERS * SHARED_POINTS);
	const int64_t *st = mlops_metric_history_steps(h);
	for (int i = 0; i < WORKERS * SHARED_POINTS; i++)
		assert_int_equal(st[i], i);
	mlops_metric_history_free(h);
	mlops_run_free(shared);
	mlops_store_free(store);
	th_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eight_writers),
	};
	return cmocka_run_group_tests_name("runs_multiproc", tests, NULL, NULL);
}
