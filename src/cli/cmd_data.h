/*
 * 'mlops data' (cmd_data.c, cmd_data_work.c): the versions-side sub-commands listed in the sub-command table of
 * cmd_data.c, and the helper they share.
 */
#ifndef MLOPS_CLI_CMD_DATA_H
#define MLOPS_CLI_CMD_DATA_H

#include "cli.h"

/* Parse a sub-command whose only options are --json and --help, with min..max operands (from optind).
 * Returns -1 to go on, else the exit code (help printed, usage error). */
int cli_data_simple_args(cli_ctx *ctx, const char *cmd, const char *usage, int min, int max, int argc, char **argv);

int cli_data_checkout(cli_ctx *ctx, int argc, char **argv);
int cli_data_status(cli_ctx *ctx, int argc, char **argv);
int cli_data_tag(cli_ctx *ctx, int argc, char **argv);
int cli_data_cat(cli_ctx *ctx, int argc, char **argv);
int cli_data_push(cli_ctx *ctx, int argc, char **argv);
int cli_data_pull(cli_ctx *ctx, int argc, char **argv);
int cli_data_delete(cli_ctx *ctx, int argc, char **argv);
int cli_data_gc(cli_ctx *ctx, int argc, char **argv);

#endif
