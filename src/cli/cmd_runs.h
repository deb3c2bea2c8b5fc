/*
 * Sub-commands of 'mlops runs' defined outside cmd_runs.c, for its table: logging from the shell
 * (cmd_runs_log.c) and, in cmd_runs_query.c, the query commands (search, compare, export, import).
 */
#ifndef MLOPS_CLI_CMD_RUNS_H
#define MLOPS_CLI_CMD_RUNS_H

#include "cli.h"

/* Print a run's info as a JSON object (the form of 'runs list --json'). */
void cli_runs_json_info(cli_json *j, const mlops_run_info *r);

/* cmd_runs_log.c */
int cli_runs_start_run(cli_ctx *ctx, int argc, char **argv);
int cli_runs_log_param_run(cli_ctx *ctx, int argc, char **argv);
int cli_runs_log_metric_run(cli_ctx *ctx, int argc, char **argv);
int cli_runs_set_tag_run(cli_ctx *ctx, int argc, char **argv);
int cli_runs_log_artifact_run(cli_ctx *ctx, int argc, char **argv);
int cli_runs_end_run(cli_ctx *ctx, int argc, char **argv);

#endif
