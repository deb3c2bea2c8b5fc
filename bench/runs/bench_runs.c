/*
 * bench_runs: metric logging throughput through the public C API and bytes on disk per point.
 * Workload (defaults): 100 runs x 10 metrics x 10,000 steps = 10,000,000 points, flushing every 10,000 points,
 * one thread. Values are a decaying curve plus pseudo-random noise (so that they do not compress trivially);
 * timestamps advance 37 ms a step. The same workload is what bench/compare/mlflow_log.py sends to MLflow.
 *
 * Usage: bench_runs [--runs N] [--metrics M] [--steps S] [--flush F] [--mode point|batch|series] [--dir DIR]
 *                   [--json] [--keep]
 *   point:  one mlops_run_log_metric() call per point
 *   batch:  one mlops_run_log_metrics() call per step (all metrics of the step)
 *   series: one mlops_run_log_metric_series() call per metric and run (the numpy path)
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <ftw.h>

#include <mlops/mlops.h>

#define TS0 1700000000000LL

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the process (user + system): the machine may be shared, so wall time alone can mislead. */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec * 1e-6;
}

static double value_of(int run, int metric, int64_t step)
{
	uint64_t x = (uint64_t)run * 0x9E3779B97F4A7C15ull ^ (uint64_t)metric * 0xC2B2AE3D27D4EB4Full ^ (uint64_t)step;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	double noise = (double)(x >> 11) / 9007199254740992.0;
	return 1.0 / (1.0 + 0.001 * (double)step) + 0.01 * noise + metric;
}

static int die(const char *what)
{
	const mlops_error *e = mlops_error_last();
	fprintf(stderr, "bench_runs: %s: %s [%s]\n", what, e->message, mlops_error_name(e->code));
	return 1;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

int main(int argc, char **argv)
{
	int runs = 100, metrics = 10, json = 0, keep = 0;
	int64_t steps = 10000;
	size_t flush = 10000;
	const char *mode = "point", *dir = NULL;
	static const struct option lo[] = {
		{ "runs", required_argument, 0, 'r' }, { "metrics", required_argument, 0, 'm' },
		{ "steps", required_argument, 0, 's' }, { "flush", required_argument, 0, 'f' },
		{ "mode", required_argument, 0, 'M' }, { "dir", required_argument, 0, 'd' },
		{ "json", no_argument, 0, 'j' }, { "keep", no_argument, 0, 'k' }, { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'r': runs = atoi(optarg); break;
		case 'm': metrics = atoi(optarg); break;
		case 's': steps = atoll(optarg); break;
		case 'f': flush = (size_t)atoll(optarg); break;
		case 'M': mode = optarg; break;
		case 'd': dir = optarg; break;
		case 'j': json = 1; break;
		case 'k': keep = 1; break;
		default:
			fprintf(stderr, "usage: bench_runs [--runs N] [--metrics M] [--steps S] [--flush F] "
			                "[--mode point|batch|series] [--dir DIR] [--json] [--keep]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (runs <= 0 || metrics <= 0 || metrics > 1000 || steps <= 0 || flush == 0 ||
	    (strcmp(mode, "point") && strcmp(mode, "batch") && strcmp(mode, "series"))) {
		fprintf(stderr, "bench_runs: bad arguments\n");
		return 2;
	}
	char path[4096];
	const char *tmp = getenv("TMPDIR");
	if (dir)
		snprintf(path, sizeof(path), "%s", dir);
	else
		snprintf(path, sizeof(path), "%s/bench-runs-%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());

	mlops_store *store;
	if (mlops_store_open(&store, path, NULL))
		return die("open store");
	char **keys = calloc((size_t)metrics, sizeof(char *));
	const char **kp = calloc((size_t)metrics, sizeof(char *));
	double *vals = calloc((size_t)(steps > metrics ? steps : metrics), sizeof(double));
	int64_t *st = calloc((size_t)(steps > metrics ? steps : metrics), sizeof(int64_t));
	int64_t *ts = calloc((size_t)(steps > metrics ? steps : metrics), sizeof(int64_t));
	for (int m = 0; m < metrics; m++) {
		keys[m] = malloc(32);
		snprintf(keys[m], 32, "metric_%d", m);
		kp[m] = keys[m];
	}

	double t0 = now_s(), c0 = cpu_s();
	for (int r = 0; r < runs; r++) {
		mlops_run_options o = MLOPS_RUN_OPTIONS_INIT;
		o.flush_points = flush;
		o.flush_interval_ms = -1;
		mlops_run *run;
		if (mlops_run_start(&run, store, &o))
			return die("start run");
		if (!strcmp(mode, "point")) {
			for (int64_t s = 0; s < steps; s++)
				for (int m = 0; m < metrics; m++)
					if (mlops_run_log_metric(run, keys[m], value_of(r, m, s), s, TS0 + s * 37))
						return die("log metric");
		} else if (!strcmp(mode, "batch")) {
			for (int64_t s = 0; s < steps; s++) {
				for (int m = 0; m < metrics; m++) {
					vals[m] = value_of(r, m, s);
					st[m] = s;
					ts[m] = TS0 + s * 37;
				}
				if (mlops_run_log_metrics(run, kp, vals, st, ts, (size_t)metrics))
					return die("log metrics");
			}
		} else {
			for (int m = 0; m < metrics; m++) {
				for (int64_t s = 0; s < steps; s++) {
					vals[s] = value_of(r, m, s);
					st[s] = s;
					ts[s] = TS0 + s * 37;
				}
				if (mlops_run_log_metric_series(run, keys[m], vals, st, ts, (size_t)steps))
					return die("log series");
			}
		}
		if (mlops_run_end(run, MLOPS_RUN_FINISHED))
			return die("end run");
		mlops_run_free(run);
	}
	double secs = now_s() - t0, cpu = cpu_s() - c0;
	double points = (double)runs * (double)metrics * (double)steps;

	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	if (mlops_store_info_get(&info, store))
		return die("store info");
	/* Read back one history to check the round trip. */
	mlops_run_iter *it;
	const mlops_run_info *ri;
	if (mlops_runs_list(&it, store, NULL) || mlops_runs_next(&ri, it))
		return die("list runs");
	mlops_metric_history *h;
	double rt0 = now_s();
	if (mlops_runs_metric_history(&h, store, ri->run_id, keys[0], NULL))
		return die("history");
	double read_s = now_s() - rt0;
	if ((int64_t)mlops_metric_history_count(h) != steps) {
		fprintf(stderr, "bench_runs: history of %s has %zu points, expected %lld\n", ri->run_id,
		        mlops_metric_history_count(h), (long long)steps);
		return 1;
	}
	mlops_metric_history_free(h);
	mlops_run_iter_free(it);
	mlops_store_free(store);

	/* Bytes on disk: the whole directory after the store is closed (the WAL is checkpointed on close). */
	char db[4200];
	snprintf(db, sizeof(db), "%s/mlops.db", path);
	struct stat sb;
	uint64_t disk = stat(db, &sb) == 0 ? (uint64_t)sb.st_size : info.metadata_bytes;
	snprintf(db, sizeof(db), "%s/mlops.db-wal", path);
	if (stat(db, &sb) == 0)
		disk += (uint64_t)sb.st_size;

	if (json) {
		printf("{\"mode\":\"%s\",\"runs\":%d,\"metrics\":%d,\"steps\":%lld,\"flush\":%zu,\"points\":%.0f,"
		       "\"seconds\":%.6f,\"points_per_second\":%.0f,\"cpu_seconds\":%.6f,\"points_per_cpu_second\":%.0f,"
		       "\"bytes\":%llu,\"bytes_per_point\":%.3f,"
		       "\"history_read_seconds\":%.6f}\n",
		       mode, runs, metrics, (long long)steps, flush, points, secs, points / secs, cpu, points / cpu,
		       (unsigned long long)disk, (double)disk / points, read_s);
	} else {
		printf("mode %s: %d runs x %d metrics x %lld steps = %.0f points, flush every %zu\n", mode, runs, metrics,
		       (long long)steps, points, flush);
		printf("  time          %.3f s\n", secs);
		printf("  throughput    %.0f points/s\n", points / secs);
		printf("  cpu time      %.3f s (%.0f points per CPU second)\n", cpu, points / cpu);
		printf("  on disk       %llu bytes (%.2f bytes/point)\n", (unsigned long long)disk, (double)disk / points);
		printf("  history read  %.3f ms for %lld points\n", read_s * 1e3, (long long)steps);
	}
	for (int m = 0; m < metrics; m++)
		free(keys[m]);
	free(keys), free(kp), free(vals), free(st), free(ts);
	if (!keep && !dir)
		nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
