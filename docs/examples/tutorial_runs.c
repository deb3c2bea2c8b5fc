/*
 * Tutorial step 3 (docs/tutorial.md): track an experiment. Three runs of experiment "tutorial" log params and a
 * metric per epoch; a search with a filter finds the good ones; the best run's accuracy curve is read back.
 */
#include <mlops/mlops.h>
#include <stdio.h>

static int fail(const char *what)
{
	const mlops_error *e = mlops_error_last();

	fprintf(stderr, "%s: %s [%s]\n", what, e->message, mlops_error_name(e->code));
	return 1;
}

/* One training run: the accuracy and loss of each of its five epochs (made-up numbers for the tutorial). */
static int train(mlops_store *store, const char *name, const char *lr, const char *optimizer, const double acc[5],
                 const double loss[5])
{
	mlops_run_options opts = MLOPS_RUN_OPTIONS_INIT;
	mlops_run *run = NULL;
	int64_t epoch;

	opts.experiment_name = "tutorial"; /* created on first use */
	opts.run_name = name;
	if (mlops_run_start(&run, store, &opts) < 0)
		return fail("start");
	if (mlops_run_log_param(run, "lr", lr) < 0 || mlops_run_log_param(run, "optimizer", optimizer) < 0) {
		mlops_run_free(run);
		return fail("log_param");
	}
	for (epoch = 0; epoch < 5; epoch++) {
		/* buffered in the handle; written in one transaction at the next flush or at end */
		if (mlops_run_log_metric(run, "acc", acc[epoch], epoch, 0) < 0 ||
		    mlops_run_log_metric(run, "loss", loss[epoch], epoch, 0) < 0) {
			mlops_run_free(run);
			return fail("log_metric");
		}
	}
	if (mlops_run_end(run, MLOPS_RUN_FINISHED) < 0) {
		mlops_run_free(run);
		return fail("end");
	}
	printf("run %s: %s\n", mlops_run_name(run), mlops_run_id(run));
	mlops_run_free(run);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "tutorial-store";
	const char *order[] = {"metrics.acc DESC"};
	const char *metrics[] = {"acc"};
	mlops_run_search_options sopts = MLOPS_RUN_SEARCH_OPTIONS_INIT;
	mlops_run_search *search = NULL;
	mlops_metric_history *hist = NULL;
	const mlops_run_row *row;
	char best[MLOPS_OID_BUFSIZE] = "";
	mlops_store *store = NULL;
	size_t i, j;
	int rc;

	if (mlops_store_open(&store, path, NULL) < 0)
		return fail("open");
	if (train(store, "adam-fast", "0.01", "adam", (const double[]){0.60, 0.67, 0.74, 0.81, 0.88},
	          (const double[]){0.90, 0.61, 0.42, 0.30, 0.21}) ||
	    train(store, "adam-slow", "0.001", "adam", (const double[]){0.60, 0.62, 0.64, 0.66, 0.68},
	          (const double[]){0.90, 0.85, 0.80, 0.76, 0.72}) ||
	    train(store, "sgd", "0.1", "sgd", (const double[]){0.55, 0.70, 0.78, 0.76, 0.79},
	          (const double[]){1.10, 0.70, 0.45, 0.52, 0.40})) {
		mlops_store_free(store);
		return 1;
	}

	sopts.filter = "metrics.acc > 0.75 AND params.optimizer = 'adam'";
	sopts.order_by = order;
	sopts.n_order_by = 1;
	sopts.metric_keys = metrics; /* rows carry only this metric's summary */
	sopts.n_metric_keys = 1;
	if (mlops_runs_search(&search, store, &sopts) < 0) {
		mlops_store_free(store);
		return fail("search");
	}
	printf("runs with %s:\n", sopts.filter);
	while ((rc = mlops_run_search_next(&row, search)) == 0) {
		for (j = 0; j < row->n_metrics; j++)
			printf("  %-10s %s %.2f (max %.2f over %llu points)\n", row->info->run_name,
			       row->metrics[j].key, row->metrics[j].last, row->metrics[j].max,
			       (unsigned long long)row->metrics[j].count);
		if (best[0] == '\0')
			snprintf(best, sizeof(best), "%s", row->info->run_id);
	}
	mlops_run_search_free(search);
	if (rc != MLOPS_ITEROVER) {
		mlops_store_free(store);
		return fail("search next");
	}

	if (mlops_runs_metric_history(&hist, store, best, "acc", NULL) < 0) {
		mlops_store_free(store);
		return fail("metric history");
	}
	printf("acc of the best run, step by step:");
	for (i = 0; i < mlops_metric_history_count(hist); i++)
		printf(" %lld:%.2f", (long long)mlops_metric_history_steps(hist)[i], mlops_metric_history_values(hist)[i]);
	printf("\n");
	mlops_metric_history_free(hist);
	mlops_store_free(store);
	return 0;
}
