/*
 * 'mlops data schema|stats|validate' (cmd_data_tabular.c): the tabular sub-commands of 'mlops data', listed in
 * the sub-command table of cmd_data.c.
 */
#ifndef MLOPS_CLI_CMD_DATA_TABULAR_H
#define MLOPS_CLI_CMD_DATA_TABULAR_H

#include "cli.h"

int cli_data_schema(cli_ctx *ctx, int argc, char **argv);
int cli_data_stats(cli_ctx *ctx, int argc, char **argv);
int cli_data_validate(cli_ctx *ctx, int argc, char **argv);

#endif
