/*
 * Sub-commands of 'mlops runs' defined outside cmd_runs.c, for its table: logging from the shell
 * (cmd_runs_log.c) and, in cmd_runs_query.c, the query commands (search, compare, export, import); and, in
 * cmd_runs_resolve.c, how their arguments name experiments and runs.
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

/* cmd_runs_resolve.c */

/*
 * An experiment named on the command line: an all-digits argument is tried as an id first, then as a name;
 * anything else is a name. Writes the id into out; returns 0 or the library's error (MLOPS_ENOTFOUND when
 * neither matches), printing nothing.
 */
int cli_runs_find_experiment(char out[MLOPS_EXPERIMENT_ID_BUFSIZE], mlops_store *store, const char *arg);

/* cli_runs_find_experiment() that prints the failure ("no experiment with id or name '...'") as cmd's;
 * returns CLI_OK or CLI_FAIL. */
int cli_runs_experiment(char out[MLOPS_EXPERIMENT_ID_BUFSIZE], mlops_store *store, const char *cmd,
                        const char *arg);

/*
 * A run named on the command line: a full id, or a unique prefix of 4 or more hex digits (looked up among active
 * and deleted runs). Anything else is copied as it is, for the library to judge. Returns CLI_OK with the id in
 * out, or CLI_FAIL after printing "no run with id prefix '...'" or the ambiguous prefix with its candidates.
 */
int cli_runs_run_id(char out[MLOPS_RUN_ID_BUFSIZE], mlops_store *store, const char *cmd, const char *arg);

/* The library's last error, kept while clean-up calls run before it is printed. */
typedef struct cli_saved_error {
	int code;
	char message[1024];
} cli_saved_error;

void cli_error_save(cli_saved_error *e);
/* Print e as cli_fail() prints the last error; returns CLI_FAIL. */
int cli_error_fail(const cli_saved_error *e, const char *what);

#endif
