/*
 * 'mlops experiments': list, create, rename, delete and restore experiments (public API only).
 */
#include "cli.h"
#include "cmd_runs.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void json_experiment(cli_json *j, const mlops_experiment_info *e)
{
	cli_json_begin_object(j);
	cli_json_key(j, "experiment_id");
	cli_json_string(j, e->experiment_id);
	cli_json_key(j, "name");
	cli_json_string(j, e->name);
	cli_json_key(j, "artifact_location");
	cli_json_string(j, e->artifact_location);
	cli_json_key(j, "lifecycle_stage");
	cli_json_string(j, e->deleted ? "deleted" : "active");
	cli_json_key(j, "creation_time");
	cli_json_int(j, e->creation_ms);
	cli_json_key(j, "last_update_time");
	cli_json_int(j, e->last_update_ms);
	cli_json_key(j, "tags");
	cli_json_begin_object(j);
	for (size_t i = 0; i < e->n_tags; i++) {
		cli_json_key(j, e->tags[i].key);
		cli_json_string(j, e->tags[i].value);
	}
	cli_json_end_object(j);
	cli_json_end_object(j);
}

/* ---- list ---- */

static const char list_usage[] =
	"Usage: mlops [--store DIR] experiments list [--all | --deleted] [--name-like PATTERN] [--json]\n"
	"\n"
	"List experiments (active ones by default) in id order.\n"
	"\n"
	"Options:\n"
	"  --all               active and deleted experiments\n"
	"  --deleted           deleted experiments only\n"
	"  --name-like PATTERN SQL LIKE pattern on the name, case-sensitive ('%' any text, '_' one character)\n"
	"  --json              JSON output (as 'mlops --json experiments list')\n"
	"\n"
	"With --json: an array of {\"experiment_id\", \"name\", \"artifact_location\", \"lifecycle_stage\",\n"
	"\"creation_time\", \"last_update_time\", \"tags\"}.\n";

static int list_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"deleted", no_argument, NULL, 'd'},
		{"name-like", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	mlops_experiment_list_options lo = MLOPS_EXPERIMENT_LIST_OPTIONS_INIT;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': lo.view = MLOPS_VIEW_ALL; break;
		case 'd': lo.view = MLOPS_VIEW_DELETED_ONLY; break;
		case 'n': lo.name_like = optarg; break;
		case 'j': ctx->json = true; break;
		case 'h': fputs(list_usage, stdout); return CLI_OK;
		default: return cli_bad_option("experiments list", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("experiments list", "unexpected argument '%s'", argv[optind]);
	mlops_store *store = cli_store(ctx);
	if (store == NULL)
		return CLI_FAIL;
	mlops_experiment_iter *it;
	if (mlops_experiment_list(&it, store, &lo) < 0)
		return cli_fail("experiments list");
	const mlops_experiment_info *e;
	cli_json j;
	if (ctx->json) {
		cli_json_init(&j, stdout);
		cli_json_begin_array(&j);
	} else {
		printf("%-6s %-8s %s\n", "ID", "STATE", "NAME");
	}
	int rc;
	while ((rc = mlops_experiment_next(&e, it)) == 0) {
		if (ctx->json)
			json_experiment(&j, e);
		else
			printf("%-6s %-8s %s\n", e->experiment_id, e->deleted ? "deleted" : "active", e->name);
	}
	cli_saved_error err;
	cli_error_save(&err);
	mlops_experiment_iter_free(it);
	if (ctx->json) {
		cli_json_end_array(&j);
		cli_json_end(&j);
	}
	return rc == MLOPS_ITEROVER ? CLI_OK : cli_error_fail(&err, "experiments list");
}

/* ---- create ---- */

static const char create_usage[] =
	"Usage: mlops [--store DIR] experiments create [--artifact-location URI] [--json] NAME\n"
	"\n"
	"Create an experiment and print its id. Names are unique (deleted experiments keep theirs).\n"
	"Fails with MLOPS_EEXISTS (exit 1) when the name is taken.\n"
	"\n"
	"With --json: the experiment as in 'experiments list'.\n";

static int print_experiment(cli_ctx *ctx, mlops_store *store, const char *id, const char *verb)
{
	mlops_experiment_info *e;
	if (mlops_experiment_get(&e, store, id) < 0)
		return cli_fail("experiments");
	if (ctx->json) {
		cli_json j;
		cli_json_init(&j, stdout);
		json_experiment(&j, e);
		cli_json_end(&j);
	} else {
		printf("%s experiment %s '%s'\n", verb, e->experiment_id, e->name);
	}
	mlops_experiment_info_free(e);
	return CLI_OK;
}

static int create_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"artifact-location", required_argument, NULL, 'l'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *loc = NULL;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': loc = optarg; break;
		case 'j': ctx->json = true; break;
		case 'h': fputs(create_usage, stdout); return CLI_OK;
		default: return cli_bad_option("experiments create", c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage("experiments create", argc - optind < 1 ? "missing NAME" : "unexpected argument '%s'",
		                 argv[argc - 1]);
	mlops_store *store = cli_store(ctx);
	if (store == NULL)
		return CLI_FAIL;
	char id[MLOPS_EXPERIMENT_ID_BUFSIZE];
	char what[600];
	snprintf(what, sizeof(what), "experiments create '%.500s'", argv[optind]);
	if (mlops_experiment_create(id, store, argv[optind], loc) < 0)
		return cli_fail(what);
	return print_experiment(ctx, store, id, "created");
}

/* ---- rename, delete, restore ---- */

static const char rename_usage[] =
	"Usage: mlops [--store DIR] experiments rename [--json] EXPERIMENT NEW_NAME\n"
	"\n"
	"Rename an experiment (EXPERIMENT is an id or a name; an all-digits one is tried as an id first, then as a\n"
	"name). Fails with MLOPS_EEXISTS when NEW_NAME is taken.\n"
	"With --json: the experiment as in 'experiments list'.\n";

static const char delete_usage[] =
	"Usage: mlops [--store DIR] experiments delete [--json] EXPERIMENT\n"
	"\n"
	"Soft-delete an experiment (an id or a name; an all-digits one is tried as an id first, then as a name) and\n"
	"hide its runs; 'experiments restore' brings both back.\n"
	"The Default experiment (0) cannot be deleted. With --json: the experiment as in 'experiments list'.\n";

static const char restore_usage[] =
	"Usage: mlops [--store DIR] experiments restore [--json] EXPERIMENT\n"
	"\n"
	"Restore a deleted experiment (an id or a name; an all-digits one is tried as an id first, then as a name)\n"
	"and the runs its deletion hid.\n"
	"With --json: the experiment as in 'experiments list'.\n";

static int rename_run(cli_ctx *ctx, int argc, char **argv)
{
	int rc = cli_runs_json_operands(ctx, "experiments rename", rename_usage, 2, 2, argc, argv);
	if (rc >= 0)
		return rc;
	mlops_store *store;
	char id[MLOPS_EXPERIMENT_ID_BUFSIZE];
	if (cli_runs_open_experiment(&store, id, ctx, "experiments rename", argv[optind]) != CLI_OK)
		return CLI_FAIL;
	if (mlops_experiment_rename(store, id, argv[optind + 1]) < 0)
		return cli_fail("experiments rename");
	return print_experiment(ctx, store, id, "renamed");
}

static int state_change(cli_ctx *ctx, const char *cmd, const char *usage, bool del, int argc, char **argv)
{
	int rc = cli_runs_json_operands(ctx, cmd, usage, 1, 1, argc, argv);
	if (rc >= 0)
		return rc;
	mlops_store *store;
	char id[MLOPS_EXPERIMENT_ID_BUFSIZE];
	if (cli_runs_open_experiment(&store, id, ctx, cmd, argv[optind]) != CLI_OK)
		return CLI_FAIL;
	if ((del ? mlops_experiment_delete(store, id) : mlops_experiment_restore(store, id)) < 0)
		return cli_fail(cmd);
	return print_experiment(ctx, store, id, del ? "deleted" : "restored");
}

static int delete_run(cli_ctx *ctx, int argc, char **argv)
{
	return state_change(ctx, "experiments delete", delete_usage, true, argc, argv);
}

static int restore_run(cli_ctx *ctx, int argc, char **argv)
{
	return state_change(ctx, "experiments restore", restore_usage, false, argc, argv);
}

static const cli_command experiments_subs[] = {
	{"list", "list experiments", list_run},
	{"create", "create an experiment", create_run},
	{"rename", "rename an experiment", rename_run},
	{"delete", "soft-delete an experiment and hide its runs", delete_run},
	{"restore", "restore a deleted experiment and its runs", restore_run},
	{NULL, NULL, NULL},
};

static int experiments_run(cli_ctx *ctx, int argc, char **argv)
{
	return cli_run_subcommand(ctx, "experiments", "Experiments: named groups of runs (MLflow semantics).",
	                          experiments_subs, argc, argv);
}

const cli_command cli_cmd_experiments = {"experiments", "list, create, rename, delete and restore experiments",
                                         experiments_run};
