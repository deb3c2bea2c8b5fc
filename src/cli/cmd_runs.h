/*
 * Sub-commands of 'mlops runs' defined outside cmd_runs.c, for its table: logging from the shell
 * (cmd_runs_log.c) and, in cmd_runs_query.c, the query commands (search, compare, export, import); in
 * cmd_runs_resolve.c, how their arguments name experiments and runs; in cmd_runs_common.c, the parsing and
 * printing helpers the runs and experiments commands share.
 */
#ifndef MLOPS_CLI_CMD_RUNS_H
#define MLOPS_CLI_CMD_RUNS_H

#include "cli.h"

/* cmd_runs_common.c */

/* Format ms since the epoch as UTC ISO 8601 ("2024-05-01T12:00:00Z"), "-" when ms <= 0. Never fails. */
void cli_runs_fmt_time(char out[32], int64_t ms);

/* Print a run's info as a JSON object (the form of 'runs list --json'). Never fails. */
void cli_runs_json_info(cli_json *j, const mlops_run_info *r);

/* Print an artifact as a JSON object {path, object_id, size, mode} (the form of 'runs show --json'). Never
 * fails. */
void cli_runs_json_artifact(cli_json *j, const mlops_artifact_info *a);

/* Check that min..max operands are left at argv[optind...]: -1 when so, else CLI_USAGE after printing missing
 * (too few) or the first unexpected argument (too many). */
int cli_runs_operand_count(const char *cmd, const char *missing, int min, int max, int argc, char **argv);

/* Parse a sub-command whose only options are --json and --help and that takes min..max operands (left at
 * argv[optind...]). Returns -1 when the command should go on, else the exit code to return: CLI_OK after printing
 * usage for --help, CLI_USAGE after a usage error. */
int cli_runs_json_operands(cli_ctx *ctx, const char *cmd, const char *usage, int min, int max, int argc,
                           char **argv);

/* Open the store and resolve the run arg names (see cli_runs_run_id()) into id: CLI_OK with *store and id set,
 * or CLI_FAIL after printing why. */
int cli_runs_open_run(mlops_store **store, char id[MLOPS_RUN_ID_BUFSIZE], cli_ctx *ctx, const char *cmd,
                      const char *arg);

/* Open the store and resolve the experiment arg names (see cli_runs_experiment()) into id: CLI_OK with *store and
 * id set, or CLI_FAIL after printing why. */
int cli_runs_open_experiment(mlops_store **store, char id[MLOPS_EXPERIMENT_ID_BUFSIZE], cli_ctx *ctx,
                             const char *cmd, const char *arg);

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
