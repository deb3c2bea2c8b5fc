/*
 * mlops: the command-line tool's entry point. Parses the global options, finds the command in the table below
 * and runs it; closes the store and reports a failed write of stdout.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define CLI_VERSION MLOPS_VERSION_STRING

static const cli_command *const commands[] = {
	&cli_cmd_init,
	&cli_cmd_info,
	&cli_cmd_verify,
	&cli_cmd_gc,
	&cli_cmd_object,
	/* Module commands: add one line here per command, e.g. "&cli_cmd_runs," (declared in cli.h). */
	&cli_cmd_experiments,
	&cli_cmd_runs,
	&cli_cmd_data,
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void help(void)
{
	printf("Usage: mlops [--store DIR] [--backend NAME] [--json] COMMAND [ARGS...]\n"
	       "\n"
	       "The machine-learning lifecycle in one store: a directory (or one file) managed by libmlops.\n"
	       "\n"
	       "Global options:\n"
	       "  -s, --store DIR      the store (default: $MLOPS_STORE, else ./.mlops)\n"
	       "  -b, --backend NAME   blob backend: fs (default for a directory), sqlite (one file), memory\n"
	       "  -j, --json           machine-readable JSON output on stdout\n"
	       "  -V, --version        print the library and CLI versions\n"
	       "  -h, --help           print this help\n"
	       "\n"
	       "Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		printf("  %-12s %s\n", commands[i]->name, commands[i]->summary);
	printf("\n"
	       "Run 'mlops COMMAND --help' for the options of a command.\n"
	       "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

static int version(bool json)
{
	if (json) {
		cli_json j;

		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "cli");
		cli_json_string(&j, CLI_VERSION);
		cli_json_key(&j, "library");
		cli_json_string(&j, mlops_version_string());
		cli_json_key(&j, "library_number");
		cli_json_int(&j, mlops_version_number());
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else {
		printf("mlops %s\nlibmlops %s\n", CLI_VERSION, mlops_version_string());
	}
	return CLI_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"store", required_argument, NULL, 's'},
		{"backend", required_argument, NULL, 'b'},
		{"json", no_argument, NULL, 'j'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	cli_ctx ctx = {0};
	bool want_version = false;
	const cli_command *cmd = NULL;
	int c, rc;

	ctx.store_path = getenv("MLOPS_STORE");
	if (ctx.store_path == NULL || ctx.store_path[0] == '\0')
		ctx.store_path = "./.mlops";

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:s:b:jVh", opts, NULL)) != -1) {
		switch (c) {
		case 's': ctx.store_path = optarg; break;
		case 'b': ctx.backend = optarg; break;
		case 'j': ctx.json = true; break;
		case 'V': want_version = true; break;
		case 'h': help(); return CLI_OK;
		default:
			fprintf(stderr, "mlops: %s '%s'\nTry 'mlops --help'.\n",
			        c == ':' ? "missing argument of option" : "unknown option", argv[optind - 1]);
			return CLI_USAGE;
		}
	}
	if (want_version)
		return version(ctx.json);
	if (optind >= argc) {
		fprintf(stderr, "mlops: missing command\nTry 'mlops --help'.\n");
		return CLI_USAGE;
	}
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strcmp(commands[i]->name, argv[optind]) == 0)
			cmd = commands[i];
	}
	if (cmd == NULL) {
		fprintf(stderr, "mlops: unknown command '%s'\nTry 'mlops --help'.\n", argv[optind]);
		return CLI_USAGE;
	}

	rc = cmd->run(&ctx, argc - optind, argv + optind);
	mlops_store_free(ctx.store);

	/* A full disk or a closed pipe must not look like success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "mlops: error writing to standard output\n");
		if (rc == CLI_OK)
			rc = CLI_FAIL;
	}
	return rc;
}
