/*
 * bench_runs_search: latency of mlops_runs_search() over a large store (default 100,000 runs x 20 params x
 * 20 metrics x 2 user tags), for the query of the performance goal (a 3-clause filter ordered by a metric,
 * 100 results) and a few others. The store is built once (in transactions of 1,000 runs, through the module's
 * internal writers) and reused by later invocations.
 * Usage: bench_runs_search [RUNS] [DIR] [ITERATIONS] [QUERY]   (defaults: 100000, $TMPDIR or /tmp, 50, all;
 * QUERY is the 1-based number of one query to run, for profiling). With MLOPS_BENCH_MMAP=<bytes> in the
 * environment the store's connection also gets PRAGMA mmap_size=<bytes> (not a library default: it shows what
 * memory-mapped reads would give).
 * Prints p50/p90/max wall-clock milliseconds, the p50 of the thread's CPU time (which shows what the query costs
 * when other processes share the cores) and the number of rows of the first page for each query.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "runs/runs_int.h"

#define N_PARAMS 20
#define N_METRICS 20
#define POINTS 3
#define BATCH 1000

static uint64_t xs(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static double unit(uint64_t *s)
{
	return (double)(xs(s) >> 11) / 9007199254740992.0;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_runs_search: %s: %s (%s)\n", what, mlops_error_last()->message, mlops_error_name(rc));
	exit(1);
}

static const char *const teams[] = {"vision", "nlp", "speech", "rl"};
static const char *const optimizers[] = {"adam", "sgd", "rmsprop"};

/* Populate the store: run i has params p0 = v<i % 10>, p1 = an optimizer, p2..p19 = value<rand % 1000>;
 * metrics m0..m19 with POINTS points each (uniform values in [0, 1)); tags team and mlflow.runName. */
static void build(mlops_store *store, long n_runs)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	mlops_db *db = mlops_store__db(store);
	char pkeys[N_PARAMS][8], mkeys[N_METRICS][8];
	for (int k = 0; k < N_PARAMS; k++)
		snprintf(pkeys[k], sizeof(pkeys[k]), "p%d", k);
	for (int k = 0; k < N_METRICS; k++)
		snprintf(mkeys[k], sizeof(mkeys[k]), "m%d", k);
	uint64_t t0 = mlops__mono_ns();
	for (long i = 0; i < n_runs; i++) {
		int rc;
		if (i % BATCH == 0 && (rc = mlops__db_begin_write(db)) != 0)
			die("begin", rc);
		char run_id[MLOPS_OID_BUFSIZE], name[32];
		if ((rc = mlops__random_hex32(run_id)) != 0)
			die("run id", rc);
		snprintf(name, sizeof(name), "run-%ld", i);
		mlops_run_info info = {.run_id = run_id, .run_name = name, .user = "bench", .status = MLOPS_RUN_FINISHED,
		                       .start_ms = 1700000000000 + i * 1000, .end_ms = 1700000000000 + i * 1000 + 500};
		int64_t rid;
		if ((rc = mlops_runs__insert_run(&rid, store, 0, &info, NULL)) != 0)
			die("insert run", rc);
		for (int k = 0; k < N_PARAMS; k++) {
			char v[32];
			if (k == 0)
				snprintf(v, sizeof(v), "v%ld", i % 10);
			else if (k == 1)
				snprintf(v, sizeof(v), "%s", optimizers[xs(&seed) % 3]);
			else
				snprintf(v, sizeof(v), "value%llu", (unsigned long long)(xs(&seed) % 1000));
			if ((rc = mlops_runs__put_param(store, rid, run_id, pkeys[k], v, 0)) != 0)
				die("param", rc);
		}
		if ((rc = mlops_runs__put_tag(store, rid, "team", teams[xs(&seed) % 4])) != 0 ||
		    (rc = mlops_runs__put_tag(store, rid, MLOPS_TAG_RUN_NAME, name)) != 0)
			die("tag", rc);
		for (int k = 0; k < N_METRICS; k++) {
			int64_t steps[POINTS], ts[POINTS];
			double vals[POINTS];
			for (int p = 0; p < POINTS; p++) {
				steps[p] = p;
				ts[p] = info.start_ms + p;
				vals[p] = unit(&seed);
			}
			if ((rc = mlops_runs__append_points(store, rid, mkeys[k], steps, ts, vals, POINTS)) != 0)
				die("metric", rc);
		}
		if ((i % BATCH == BATCH - 1 || i == n_runs - 1) && (rc = mlops__db_commit(db)) != 0)
			die("commit", rc);
		if (i % 10000 == 9999)
			fprintf(stderr, "  built %ld runs (%.1f s)\n", i + 1, (double)(mlops__mono_ns() - t0) / 1e9);
	}
	fprintf(stderr, "built %ld runs in %.1f s\n", n_runs, (double)(mlops__mono_ns() - t0) / 1e9);
}

static double thread_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

typedef struct query {
	const char *label;
	const char *filter;
	const char *order[2];
	size_t max_results;
	int project;   /* only the keys the query names */
} query;

static void run_query(mlops_store *store, const query *qr, int iterations)
{
	double *ms = calloc((size_t)iterations, sizeof(double));
	double *cpu = calloc((size_t)iterations, sizeof(double));
	size_t rows = 0;
	size_t n_order = qr->order[1] ? 2 : qr->order[0] ? 1 : 0;
	const char *pk[] = {"p0"}, *mk[] = {"m1", "m2"}, *tk[] = {"team"};
	for (int it = 0; it < iterations; it++) {
		mlops_run_search_options o = MLOPS_RUN_SEARCH_OPTIONS_INIT;
		o.filter = qr->filter;
		o.order_by = n_order ? qr->order : NULL;
		o.n_order_by = n_order;
		o.max_results = qr->max_results;
		if (qr->project) {
			o.param_keys = pk;
			o.n_param_keys = 1;
			o.metric_keys = mk;
			o.n_metric_keys = 2;
			o.tag_keys = tk;
			o.n_tag_keys = 1;
		}
		uint64_t t0 = mlops__mono_ns();
		double c0 = thread_cpu_ms();
		mlops_run_search *s;
		int rc = mlops_runs_search(&s, store, &o);
		if (rc)
			die(qr->label, rc);
		const mlops_run_row *row;
		size_t n = 0;
		while (mlops_run_search_next(&row, s) == 0)
			n++;
		mlops_run_search_free(s);
		ms[it] = (double)(mlops__mono_ns() - t0) / 1e6;
		cpu[it] = thread_cpu_ms() - c0;
		rows = n;
	}
	qsort(ms, (size_t)iterations, sizeof(double), cmp_double);
	qsort(cpu, (size_t)iterations, sizeof(double), cmp_double);
	printf("%-58s %6zu %9.2f %9.2f %9.2f %9.2f\n", qr->label, rows, ms[iterations / 2], ms[iterations * 9 / 10],
	       ms[iterations - 1], cpu[iterations / 2]);
	free(ms);
	free(cpu);
}

int main(int argc, char **argv)
{
	long n_runs = argc > 1 ? atol(argv[1]) : 100000;
	const char *tmp = getenv("TMPDIR");
	const char *dir = argc > 2 ? argv[2] : tmp && *tmp ? tmp : "/tmp";
	int iterations = argc > 3 ? atoi(argv[3]) : 50;
	int only = argc > 4 ? atoi(argv[4]) : 0;
	if (n_runs <= 0 || iterations <= 0) {
		fprintf(stderr, "usage: bench_runs_search [RUNS] [DIR] [ITERATIONS] [QUERY]\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/mlops-bench-runs-search-%ld", dir, n_runs);
	mlops_store_options so = MLOPS_STORE_OPTIONS_INIT;
	so.sync = MLOPS_SYNC_OFF;
	so.actor = "bench";
	mlops_store *store;
	int rc = mlops_store_open(&store, path, &so);
	if (rc)
		die("open store", rc);
	const char *mm = getenv("MLOPS_BENCH_MMAP");
	if (mm && *mm) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA mmap_size=%lld", atoll(mm));
		if ((rc = mlops__db_exec(mlops_store__db(store), pragma)) != 0)
			die("mmap_size", rc);
		printf("(connection with PRAGMA mmap_size=%lld)\n", atoll(mm));
	}
	int64_t have = 0;
	if ((rc = mlops__db_query_int64(mlops_store__db(store), &have, "SELECT count(*) FROM runs_runs")) != 0)
		die("count runs", rc);
	if (have == 0)
		build(store, n_runs);
	else if (have != n_runs)
		fprintf(stderr, "note: store %s holds %lld runs\n", path, (long long)have);
	uint64_t db_bytes = 0;
	mlops__db_size(mlops_store__db(store), &db_bytes);
	printf("store %s: %lld runs x %d params x %d metrics, metadata %.1f MiB; %d iterations per query\n", path,
	       (long long)(have ? have : n_runs), N_PARAMS, N_METRICS, (double)db_bytes / 1048576.0, iterations);
	printf("%-58s %6s %9s %9s %9s %9s\n", "query", "rows", "p50 ms", "p90 ms", "max ms", "cpu p50");
	static const query queries[] = {
		{"goal: 3 clauses, order by metric, 100 rows (projected)",
		 "metrics.m1 > 0.5 AND params.p0 = 'v3' AND tags.team = 'vision'", {"metrics.m2 DESC"}, 100, 1},
		{"goal: 3 clauses, order by metric, 100 rows (all columns)",
		 "metrics.m1 > 0.5 AND params.p0 = 'v3' AND tags.team = 'vision'", {"metrics.m2 DESC"}, 100, 0},
		{"3 metric clauses (ranges), order by metric, 100 rows",
		 "metrics.m1 > 0.9 AND metrics.m3 < 0.1 AND metrics.m4.max > 0.5", {"metrics.m2 DESC"}, 100, 1},
		{"OR + NOT, order by param then metric, 100 rows",
		 "(params.p1 = 'adam' OR tags.team = 'nlp') AND NOT metrics.m5 < 0.5", {"params.p2", "metrics.m1.min"}, 100,
		 1},
		{"no filter, order by metric, 100 rows", NULL, {"metrics.m2 DESC"}, 100, 1},
		{"no filter, default order, 100 rows", NULL, {NULL}, 100, 1},
		{"LIKE on a param, default order, 1000 rows", "params.p7 LIKE 'value12%'", {NULL}, 1000, 1},
	};
	for (size_t k = 0; k < sizeof(queries) / sizeof(queries[0]); k++)
		if (only <= 0 || (size_t)only == k + 1)
			run_query(store, &queries[k], iterations);
	mlops_store_free(store);
	return 0;
}
