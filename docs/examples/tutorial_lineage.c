/*
 * Tutorial step 6 (docs/tutorial.md): a training run records the dataset version it read as an input; walking
 * the lineage upstream from the run then finds that version, the versions it derives from, and what produced them.
 * Usage: tutorial_lineage STORE DATASET_SPEC   (e.g. "iris@v2" or "iris@reviewed")
 */
#include <mlops/mlops.h>
#include <stdio.h>

static int fail(const char *what)
{
	const mlops_error *e = mlops_error_last();

	fprintf(stderr, "%s: %s [%s]\n", what, e->message, mlops_error_name(e->code));
	return 1;
}

int main(int argc, char **argv)
{
	mlops_run_options opts = MLOPS_RUN_OPTIONS_INIT;
	char version[MLOPS_DATASET_VERSION_ID_BUFSIZE];
	char run_id[MLOPS_OID_BUFSIZE];
	mlops_lineage_iter *it = NULL;
	mlops_lineage_edge edge;
	mlops_store *store = NULL;
	mlops_run *run = NULL;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s STORE DATASET_SPEC\n", argv[0]);
		return 2;
	}
	if (mlops_store_open(&store, argv[1], NULL) < 0)
		return fail("open");
	if (mlops_dataset_resolve(version, store, argv[2]) < 0) { /* a spec names one immutable version */
		mlops_store_free(store);
		return fail(argv[2]);
	}

	opts.experiment_name = "tutorial";
	opts.run_name = "train-on-data";
	if (mlops_run_start(&run, store, &opts) < 0) {
		mlops_store_free(store);
		return fail("start");
	}
	/* adds the lineage edge (dataset_version, version) -> (run, run id) "input" */
	if (mlops_run_log_input(run, MLOPS_KIND_DATASET_VERSION, version, "training") < 0 ||
	    mlops_run_log_metric(run, "acc", 0.91, 0, 0) < 0 || mlops_run_end(run, MLOPS_RUN_FINISHED) < 0) {
		mlops_run_free(run);
		mlops_store_free(store);
		return fail("run");
	}
	snprintf(run_id, sizeof(run_id), "%s", mlops_run_id(run));
	mlops_run_free(run);
	printf("run %s read %s (%s)\n", run_id, argv[2], version);

	/* everything upstream of the run, breadth first, any depth */
	if (mlops_lineage_walk(&it, store, MLOPS_KIND_RUN, run_id, MLOPS_LINEAGE_UPSTREAM, 0) < 0) {
		mlops_store_free(store);
		return fail("lineage");
	}
	while ((rc = mlops_lineage_next(&edge, it)) == 0)
		printf("  depth %d: %s %.8s... -[%s]-> %s %.8s...\n", edge.depth, edge.from_kind, edge.from_id,
		       edge.relation, edge.to_kind, edge.to_id);
	mlops_lineage_iter_free(it);
	mlops_store_free(store);
	return rc == MLOPS_ITEROVER ? 0 : fail("lineage next");
}
