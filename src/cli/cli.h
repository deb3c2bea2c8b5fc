/*
 * The mlops command-line tool: shared declarations. The CLI is a user of the public API only: it includes
 * <mlops/mlops.h> and links libmlops.so, never an internal header.
 *
 * Exit codes: 0 success, 1 failure (the library's error is printed), 2 usage error.
 */
#ifndef MLOPS_CLI_H
#define MLOPS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mlops/mlops.h>

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

typedef struct cli_ctx {
	const char *store_path; /* --store, else $MLOPS_STORE, else ./.mlops */
	const char *backend;    /* --backend, NULL for the default */
	bool json;              /* --json: machine-readable output on stdout */
	mlops_store *store;     /* opened on first use by cli_store() */
} cli_ctx;

/* Open the store (once) and return it; on failure print the error and return NULL (exit with CLI_FAIL). */
mlops_store *cli_store(cli_ctx *ctx);

/* Print "mlops: <what>: <library message> [<ERROR_NAME>]" to stderr; returns CLI_FAIL. */
int cli_fail(const char *what);

/* Print "mlops <cmd>: <message>" and "Try 'mlops <cmd> --help'." to stderr; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when argv[i] is -h or --help. */
bool cli_is_help(const char *arg);

/* ---- JSON output (cli_json.c): a minimal writer to a FILE, for --json ---- */
typedef struct cli_json {
	FILE *out;
	int depth;
	uint64_t need_comma;
} cli_json;

void cli_json_init(cli_json *j, FILE *out);
void cli_json_begin_object(cli_json *j);
void cli_json_end_object(cli_json *j);
void cli_json_begin_array(cli_json *j);
void cli_json_end_array(cli_json *j);
void cli_json_key(cli_json *j, const char *key);
void cli_json_string(cli_json *j, const char *s);   /* NULL writes null */
void cli_json_int(cli_json *j, int64_t v);
void cli_json_uint(cli_json *j, uint64_t v);
void cli_json_double(cli_json *j, double v);        /* NaN/Inf as the strings "NaN", "Infinity", "-Infinity" */
void cli_json_bool(cli_json *j, bool v);
void cli_json_null(cli_json *j);
void cli_json_raw(cli_json *j, const char *json);   /* text that is already JSON */
void cli_json_end(cli_json *j);                      /* final newline */
bool cli_utf8_valid(const char *s, size_t n);        /* n bytes of valid UTF-8 without NUL */

/* A top-level command. run() gets argv with argv[0] = the command name; it parses its own options
 * (getopt_long, with "+" so that sub-commands see their own options) and handles --help itself. */
typedef struct cli_command {
	const char *name;
	const char *summary;             /* one line for 'mlops --help' */
	int (*run)(cli_ctx *ctx, int argc, char **argv);
} cli_command;

/* Module commands live in cmd_<name>.c, are declared here and listed in main.c's table. */
extern const cli_command cli_cmd_init, cli_cmd_info, cli_cmd_verify, cli_cmd_gc, cli_cmd_object;
/* Declared ahead for the module files; each is listed in main.c's table by the file that defines it. */
extern const cli_command cli_cmd_runs, cli_cmd_experiments, cli_cmd_data;

/* ---- More shared helpers (cli_common.c) ---- */

/*
 * Run the sub-command of a command group ("mlops object put ..."): argv[0] is the group name, argv[1] the
 * sub-command. subs is an array ended by an entry whose name is NULL. Prints the group's help (usage line plus
 * the sub-commands with their summaries) for --help, and a usage error for a missing or unknown sub-command.
 * The sub-command's run() gets argv with argv[0] = the sub-command name.
 */
int cli_run_subcommand(cli_ctx *ctx, const char *group, const char *usage, const cli_command *subs,
                       int argc, char **argv);

/* Parse a whole decimal integer; returns false (and sets nothing) when s is not one or is out of range. */
bool cli_parse_int64(int64_t *out, const char *s);

/*
 * Reset getopt for a (sub-)command's own parsing: GNU getopt re-initializes when optind is 0, and opterr = 0
 * leaves the messages to cli_bad_option(). Use an optstring starting with "+:".
 */
void cli_getopt_reset(void);

/*
 * Parse the arguments of a (sub-)command that has no option but --help and takes min..max operands (left at
 * argv[optind...]). Returns -1 when the command should go on, else the exit code to return: CLI_OK after printing
 * usage for --help, CLI_USAGE after a usage error.
 */
int cli_parse_operands(const char *cmd, const char *usage, int min, int max, int argc, char **argv);

/* Print the usage error for what getopt_long returned ('?' unknown option, ':' missing argument) and return
 * CLI_USAGE. */
int cli_bad_option(const char *cmd, int ret, char **argv);

#endif
