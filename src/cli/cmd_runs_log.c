/*
 * 'mlops runs start|log-param|log-metric|set-tag|log-artifact|end': logging a small run from the shell (demos,
 * scripts, CI jobs), through the public API. Bulk metric logging belongs to the C API and the bindings.
 */
#include "cli.h"
#include "cmd_runs.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char start_usage[] =
	"Usage: mlops [--store DIR] runs start [--experiment EXP] [--name NAME] [--parent RUN_ID]\n"
	"                                      [--source NAME] [--git-commit SHA] [--tag KEY=VALUE]... [--json]\n"
	"\n"
	"Start a run (status RUNNING) and print its id. EXP is an experiment id or name (an all-digits EXP is tried\n"
	"as an id first, then as a name); a name that is missing is created (default: the Default experiment).\n"
	"RUN_ID is a run id or a unique prefix of it (4 or more hex digits).\n"
	"Log into it with 'runs log-param', 'runs log-metric', 'runs set-tag', 'runs log-artifact'; finish it with\n"
	"'runs end'. With --json: the run as in 'runs list'.\n";

#define MAX_TAGS 64

static int print_info(cli_ctx *ctx, mlops_store *store, const char *id, const char *verb)
{
	mlops_run_info *info;
	if (mlops_runs_get(&info, store, id) < 0)
		return cli_fail("runs");
	if (ctx->json) {
		cli_json j;
		cli_json_init(&j, stdout);
		cli_runs_json_info(&j, info);
		cli_json_end(&j);
	} else if (verb) {
		printf("%s run %s '%s' (%s)\n", verb, info->run_id, info->run_name, mlops_run_status_name(info->status));
	} else {
		printf("%s\n", info->run_id);
	}
	mlops_run_info_free(info);
	return CLI_OK;
}

int cli_runs_start_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"experiment", required_argument, NULL, 'e'},
		{"name", required_argument, NULL, 'n'},
		{"parent", required_argument, NULL, 'p'},
		{"source", required_argument, NULL, 's'},
		{"git-commit", required_argument, NULL, 'g'},
		{"tag", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	mlops_run_options o = MLOPS_RUN_OPTIONS_INIT;
	const char *keys[MAX_TAGS], *values[MAX_TAGS];
	char *split[MAX_TAGS];
	const char *exp = NULL;
	char exp_id[MLOPS_EXPERIMENT_ID_BUFSIZE], parent[MLOPS_RUN_ID_BUFSIZE];
	size_t n = 0;
	int c, rc = CLI_OK;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e': exp = optarg; break;
		case 'n': o.run_name = optarg; break;
		case 'p': o.parent_run_id = optarg; break;
		case 's': o.source_name = optarg; break;
		case 'g': o.git_commit = optarg; break;
		case 't': {
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				rc = cli_usage("runs start", "--tag needs KEY=VALUE, not '%s'", optarg);
			else if (n == MAX_TAGS)
				rc = cli_usage("runs start", "at most %d --tag options", MAX_TAGS);
			if (rc != CLI_OK)
				goto out;
			split[n] = strndup(optarg, (size_t)(eq - optarg));
			keys[n] = split[n];
			values[n++] = eq + 1;
			break;
		}
		case 'j': ctx->json = true; break;
		case 'h': fputs(start_usage, stdout); goto out;
		default: rc = cli_bad_option("runs start", c, argv); goto out;
		}
	}
	if (optind < argc) {
		rc = cli_usage("runs start", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (split[i] == NULL) {
			fprintf(stderr, "mlops: runs start: out of memory\n");
			rc = CLI_FAIL;
			goto out;
		}
	}
	o.tag_keys = keys;
	o.tag_values = values;
	o.n_tags = n;
	mlops_store *store = cli_store(ctx);
	if (store == NULL) {
		rc = CLI_FAIL;
		goto out;
	}
	if (exp) {
		/* An existing experiment by id or name, else a new one of that name. */
		int erc = cli_runs_find_experiment(exp_id, store, exp);
		if (erc == 0) {
			o.experiment_id = exp_id;
		} else if (erc == MLOPS_ENOTFOUND) {
			o.experiment_name = exp;
		} else {
			rc = cli_fail("runs start");
			goto out;
		}
	}
	if (o.parent_run_id) {
		if ((rc = cli_runs_run_id(parent, store, "runs start", o.parent_run_id)) != CLI_OK)
			goto out;
		o.parent_run_id = parent;
	}
	mlops_run *run;
	if (mlops_run_start(&run, store, &o) < 0) {
		rc = cli_fail("runs start");
		goto out;
	}
	char id[MLOPS_RUN_ID_BUFSIZE];
	snprintf(id, sizeof(id), "%s", mlops_run_id(run));
	mlops_run_free(run);
	rc = print_info(ctx, store, id, NULL);
out:
	for (size_t i = 0; i < n; i++)
		free(split[i]);
	return rc;
}

static const char log_param_usage[] =
	"Usage: mlops [--store DIR] runs log-param [--overwrite] [--json] RUN_ID KEY VALUE\n"
	"\n"
	"Log a param of a running run. Params are write-once: another value is MLOPS_ECONFLICT (exit 1) unless\n"
	"--overwrite is given. RUN_ID is a run id or a unique prefix of it (4 or more hex digits).\n"
	"With --json: {\"run_id\", \"key\", \"value\"}.\n";

static void json_kv(const char *id, const char *key, const char *value)
{
	cli_json j;
	cli_json_init(&j, stdout);
	cli_json_begin_object(&j);
	cli_json_key(&j, "run_id");
	cli_json_string(&j, id);
	cli_json_key(&j, "key");
	cli_json_string(&j, key);
	cli_json_key(&j, "value");
	cli_json_string(&j, value);
	cli_json_end_object(&j);
	cli_json_end(&j);
}

int cli_runs_log_param_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"overwrite", no_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint32_t flags = 0;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': flags |= MLOPS_PARAM_OVERWRITE; break;
		case 'j': ctx->json = true; break;
		case 'h': fputs(log_param_usage, stdout); return CLI_OK;
		default: return cli_bad_option("runs log-param", c, argv);
		}
	}
	if (argc - optind != 3)
		return cli_usage("runs log-param", "expected RUN_ID KEY VALUE");
	const char *key = argv[optind + 1], *value = argv[optind + 2];
	mlops_store *store;
	char id[MLOPS_RUN_ID_BUFSIZE];
	if (cli_runs_open_run(&store, id, ctx, "runs log-param", argv[optind]) != CLI_OK)
		return CLI_FAIL;
	if (mlops_runs_log_param(store, id, key, value, flags) < 0)
		return cli_fail("runs log-param");
	if (ctx->json)
		json_kv(id, key, value);
	return CLI_OK;
}

static const char log_metric_usage[] =
	"Usage: mlops [--store DIR] runs log-metric [--step N] [--timestamp MS] [--json] RUN_ID KEY VALUE\n"
	"\n"
	"Log one metric point of a running run (committed at once; use the C API or the bindings for many points).\n"
	"RUN_ID is a run id or a unique prefix of it (4 or more hex digits). VALUE may be a number, nan, inf or\n"
	"-inf. With --json: {\"run_id\", \"key\", \"value\", \"step\"}.\n";

int cli_runs_log_metric_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"step", required_argument, NULL, 's'},
		{"timestamp", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int64_t step = 0, ts = 0;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!cli_parse_int64(&step, optarg))
				return cli_usage("runs log-metric", "--step needs an integer, not '%s'", optarg);
			break;
		case 't':
			if (!cli_parse_int64(&ts, optarg))
				return cli_usage("runs log-metric", "--timestamp needs milliseconds, not '%s'", optarg);
			break;
		case 'j': ctx->json = true; break;
		case 'h': fputs(log_metric_usage, stdout); return CLI_OK;
		default: return cli_bad_option("runs log-metric", c, argv);
		}
	}
	if (argc - optind != 3)
		return cli_usage("runs log-metric", "expected RUN_ID KEY VALUE");
	const char *key = argv[optind + 1], *text = argv[optind + 2];
	char *end = NULL;
	double v = strtod(text, &end);
	if (end == text || *end != '\0')
		return cli_usage("runs log-metric", "'%s' is not a number", text);
	mlops_store *store;
	char id[MLOPS_RUN_ID_BUFSIZE];
	if (cli_runs_open_run(&store, id, ctx, "runs log-metric", argv[optind]) != CLI_OK)
		return CLI_FAIL;
	if (mlops_runs_log_metric(store, id, key, v, step, ts) < 0)
		return cli_fail("runs log-metric");
	if (ctx->json) {
		cli_json j;
		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "run_id");
		cli_json_string(&j, id);
		cli_json_key(&j, "key");
		cli_json_string(&j, key);
		cli_json_key(&j, "value");
		cli_json_double(&j, v);
		cli_json_key(&j, "step");
		cli_json_int(&j, step);
		cli_json_end_object(&j);
		cli_json_end(&j);
	}
	return CLI_OK;
}

static const char set_tag_usage[] =
	"Usage: mlops [--store DIR] runs set-tag [--delete] [--json] RUN_ID KEY [VALUE]\n"
	"\n"
	"Set a run tag (also on a finished run), or delete it with --delete. The key mlflow.note.content holds\n"
	"the run's note. RUN_ID is a run id or a unique prefix of it (4 or more hex digits).\n"
	"With --json: {\"run_id\", \"key\", \"value\"} (value null after --delete).\n";

int cli_runs_set_tag_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"delete", no_argument, NULL, 'd'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool del = false;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': del = true; break;
		case 'j': ctx->json = true; break;
		case 'h': fputs(set_tag_usage, stdout); return CLI_OK;
		default: return cli_bad_option("runs set-tag", c, argv);
		}
	}
	if (argc - optind != (del ? 2 : 3))
		return cli_usage("runs set-tag", del ? "expected RUN_ID KEY" : "expected RUN_ID KEY VALUE");
	const char *key = argv[optind + 1], *value = del ? NULL : argv[optind + 2];
	mlops_store *store;
	char id[MLOPS_RUN_ID_BUFSIZE];
	if (cli_runs_open_run(&store, id, ctx, "runs set-tag", argv[optind]) != CLI_OK)
		return CLI_FAIL;
	if ((del ? mlops_runs_delete_tag(store, id, key) : mlops_runs_set_tag(store, id, key, value)) < 0)
		return cli_fail("runs set-tag");
	if (ctx->json)
		json_kv(id, key, value);
	return CLI_OK;
}

static const char log_artifact_usage[] =
	"Usage: mlops [--store DIR] runs log-artifact [--artifact-path DIR] [--json] RUN_ID PATH\n"
	"\n"
	"Store a file or a directory (recursively, modes kept) as artifacts of a running run, under DIR/<name>.\n"
	"RUN_ID is a run id or a unique prefix of it (4 or more hex digits).\n"
	"Restore them with the C API (mlops_runs_artifact_restore). With --json: the run's artifacts as in\n"
	"'runs show'.\n";

int cli_runs_log_artifact_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"artifact-path", required_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dest = NULL;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': dest = optarg; break;
		case 'j': ctx->json = true; break;
		case 'h': fputs(log_artifact_usage, stdout); return CLI_OK;
		default: return cli_bad_option("runs log-artifact", c, argv);
		}
	}
	if (argc - optind != 2)
		return cli_usage("runs log-artifact", "expected RUN_ID PATH");
	mlops_store *store;
	char id[MLOPS_RUN_ID_BUFSIZE];
	if (cli_runs_open_run(&store, id, ctx, "runs log-artifact", argv[optind]) != CLI_OK)
		return CLI_FAIL;
	/* Artifacts go through a run handle; resuming a finished run would change its status, so refuse it. */
	mlops_run_info *info;
	if (mlops_runs_get(&info, store, id) < 0)
		return cli_fail("runs log-artifact");
	int status = info->status, deleted = info->deleted;
	mlops_run_info_free(info);
	if (!deleted && status != MLOPS_RUN_RUNNING && status != MLOPS_RUN_SCHEDULED) {
		fprintf(stderr, "mlops: runs log-artifact: run %s is %s; artifacts go to running runs [MLOPS_ECONFLICT]\n",
		        id, mlops_run_status_name(status));
		return CLI_FAIL;
	}
	mlops_run *run;
	if (mlops_run_resume(&run, store, id) < 0)
		return cli_fail("runs log-artifact");
	int rc = mlops_run_log_artifact(run, argv[optind + 1], dest);
	cli_saved_error err;
	cli_error_save(&err);
	mlops_run_free(run);
	if (rc < 0)
		return cli_error_fail(&err, "runs log-artifact");
	if (!ctx->json)
		return CLI_OK;
	mlops_artifact_iter *it;
	const mlops_artifact_info *a;
	if (mlops_runs_artifacts(&it, store, id, NULL) < 0)
		return cli_fail("runs log-artifact");
	cli_json j;
	cli_json_init(&j, stdout);
	cli_json_begin_array(&j);
	while ((rc = mlops_artifact_next(&a, it)) == 0) {
		cli_runs_json_artifact(&j, a);
	}
	cli_json_end_array(&j);
	cli_json_end(&j);
	cli_error_save(&err);
	mlops_artifact_iter_free(it);
	return rc == MLOPS_ITEROVER ? CLI_OK : cli_error_fail(&err, "runs log-artifact");
}

static const char end_usage[] =
	"Usage: mlops [--store DIR] runs end [--status FINISHED|FAILED|KILLED] [--json] RUN_ID\n"
	"\n"
	"Set a run's final status (default FINISHED) and end time. RUN_ID is a run id or a unique prefix of it\n"
	"(4 or more hex digits). With --json: the run as in 'runs list'.\n";

int cli_runs_end_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"status", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int status = MLOPS_RUN_FINISHED, c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (mlops_run_status_parse(&status, optarg) < 0)
				return cli_usage("runs end", "unknown status '%s'", optarg);
			break;
		case 'j': ctx->json = true; break;
		case 'h': fputs(end_usage, stdout); return CLI_OK;
		default: return cli_bad_option("runs end", c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage("runs end", "expected RUN_ID");
	mlops_store *store;
	char id[MLOPS_RUN_ID_BUFSIZE];
	if (cli_runs_open_run(&store, id, ctx, "runs end", argv[optind]) != CLI_OK)
		return CLI_FAIL;
	if (mlops_runs_set_terminated(store, id, status, 0) < 0)
		return cli_fail("runs end");
	return print_info(ctx, store, id, "ended");
}

