/*
 * Helpers shared by the 'mlops runs' and 'mlops experiments' sub-commands (declared in cmd_runs.h): parsing of the
 * sub-commands whose only options are --json and --help, the operand count check, opening the store with the run
 * or experiment an argument names, and the printing of times, run infos and artifacts that several sub-commands share.
 */
#include "cmd_runs.h"

#include <getopt.h>
#include <stdio.h>
#include <time.h>

void cli_runs_fmt_time(char out[32], int64_t ms)
{
	if (ms <= 0) {
		snprintf(out, 32, "-");
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void cli_runs_json_info(cli_json *j, const mlops_run_info *r)
{
	cli_json_begin_object(j);
	cli_json_key(j, "run_id");
	cli_json_string(j, r->run_id);
	cli_json_key(j, "run_name");
	cli_json_string(j, r->run_name);
	cli_json_key(j, "experiment_id");
	cli_json_string(j, r->experiment_id);
	cli_json_key(j, "user_id");
	cli_json_string(j, r->user);
	cli_json_key(j, "status");
	cli_json_string(j, mlops_run_status_name(r->status));
	cli_json_key(j, "start_time");
	cli_json_int(j, r->start_ms);
	cli_json_key(j, "end_time");
	if (r->end_ms)
		cli_json_int(j, r->end_ms);
	else
		cli_json_null(j);
	cli_json_key(j, "lifecycle_stage");
	cli_json_string(j, r->deleted ? "deleted" : "active");
	cli_json_key(j, "parent_run_id");
	cli_json_string(j, r->parent_run_id);
	cli_json_end_object(j);
}

void cli_runs_json_artifact(cli_json *j, const mlops_artifact_info *a)
{
	cli_json_begin_object(j);
	cli_json_key(j, "path");
	cli_json_string(j, a->path);
	cli_json_key(j, "object_id");
	cli_json_string(j, a->object_id);
	cli_json_key(j, "size");
	cli_json_uint(j, a->size);
	cli_json_key(j, "mode");
	cli_json_uint(j, a->mode);
	cli_json_end_object(j);
}

int cli_runs_operand_count(const char *cmd, const char *missing, int min, int max, int argc, char **argv)
{
	if (argc - optind < min)
		return cli_usage(cmd, "%s", missing);
	if (argc - optind > max)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind + max]);
	return -1;
}

int cli_runs_json_operands(cli_ctx *ctx, const char *cmd, const char *usage, int min, int max, int argc,
                           char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'j') {
			ctx->json = true;
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return CLI_OK;
		}
		return cli_bad_option(cmd, c, argv);
	}
	return cli_runs_operand_count(cmd, "missing argument", min, max, argc, argv);
}

int cli_runs_open_run(mlops_store **store, char id[MLOPS_RUN_ID_BUFSIZE], cli_ctx *ctx, const char *cmd,
                      const char *arg)
{
	*store = cli_store(ctx);
	if (*store == NULL)
		return CLI_FAIL;
	return cli_runs_run_id(id, *store, cmd, arg);
}

int cli_runs_open_experiment(mlops_store **store, char id[MLOPS_EXPERIMENT_ID_BUFSIZE], cli_ctx *ctx,
                             const char *cmd, const char *arg)
{
	*store = cli_store(ctx);
	if (*store == NULL)
		return CLI_FAIL;
	return cli_runs_experiment(id, *store, cmd, arg);
}
