/*
 * 'mlops runs' query sub-commands (cmd_runs_query.c): search, compare, and MLflow mlruns/ export and import,
 * listed in the sub-command table of cmd_runs.c.
 */
#ifndef MLOPS_CLI_CMD_RUNS_QUERY_H
#define MLOPS_CLI_CMD_RUNS_QUERY_H

#include "cli.h"

int cli_runs_search(cli_ctx *ctx, int argc, char **argv);
int cli_runs_compare(cli_ctx *ctx, int argc, char **argv);
int cli_runs_export(cli_ctx *ctx, int argc, char **argv);
int cli_runs_import(cli_ctx *ctx, int argc, char **argv);

#endif
