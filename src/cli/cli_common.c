/*
 * Helpers shared by every command of the mlops tool: opening the store, printing failures and usage errors,
 * option parsing glue and the dispatcher of command groups.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

mlops_store *cli_store(cli_ctx *ctx)
{
	mlops_store_options opts = MLOPS_STORE_OPTIONS_INIT;
	char what[4200];
	int rc;

	if (ctx->store != NULL)
		return ctx->store;
	opts.backend = ctx->backend;
	/* Only 'mlops init' creates a store: a typo in --store must not leave a new empty store behind. */
	opts.flags = MLOPS_STORE_MUST_EXIST;
	rc = mlops_store_open(&ctx->store, ctx->store_path, &opts);
	if (rc < 0) {
		ctx->store = NULL;
		snprintf(what, sizeof(what), "open store '%s'", ctx->store_path);
		cli_fail(what);
		if (rc == MLOPS_ENOTFOUND)
			fprintf(stderr, "mlops: create a store with 'mlops --store %s init', or set MLOPS_STORE\n",
			        ctx->store_path);
		return NULL;
	}
	return ctx->store;
}

int cli_fail(const char *what)
{
	const mlops_error *e = mlops_error_last();
	const char *msg = e->message[0] ? e->message : "unknown error";

	fflush(stdout);
	fprintf(stderr, "mlops: %s: %s [%s]\n", what, msg, mlops_error_name(e->code));
	return CLI_FAIL;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "mlops %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'mlops %s --help'.\n", cmd);
	return CLI_USAGE;
}

bool cli_is_help(const char *arg)
{
	return arg != NULL && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0);
}

void cli_getopt_reset(void)
{
	optind = 0;
	opterr = 0;
}

int cli_bad_option(const char *cmd, int ret, char **argv)
{
	const char *arg = argv[optind - 1];

	if (ret == ':') {
		if (optopt && arg[0] == '-' && arg[1] != '-')
			return cli_usage(cmd, "option '-%c' requires an argument", optopt);
		return cli_usage(cmd, "option '%s' requires an argument", arg);
	}
	if (optopt && !(arg[0] == '-' && arg[1] == '-'))
		return cli_usage(cmd, "unknown option '-%c'", optopt);
	return cli_usage(cmd, "unknown option '%s'", arg);
}

int cli_parse_operands(const char *cmd, const char *usage, int min, int max, int argc, char **argv)
{
	static const struct option help_only[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", help_only, NULL)) != -1) {
		if (c != 'h')
			return cli_bad_option(cmd, c, argv);
		fputs(usage, stdout);
		return CLI_OK;
	}
	if (argc - optind < min)
		return cli_usage(cmd, "missing argument");
	if (argc - optind > max)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind + max]);
	return -1;
}

bool cli_parse_int64(int64_t *out, const char *s)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = (int64_t)v;
	return true;
}

static void group_help(const char *group, const char *usage, const cli_command *subs)
{
	int width = 12;

	for (const cli_command *s = subs; s->name != NULL; s++) {
		if ((int)strlen(s->name) > width)
			width = (int)strlen(s->name);
	}
	printf("Usage: mlops [GLOBAL OPTIONS] %s\n\n%s\n\nCommands:\n", group, usage);
	for (const cli_command *s = subs; s->name != NULL; s++)
		printf("  %-*s %s\n", width, s->name, s->summary);
	printf("\nRun 'mlops %s COMMAND --help' for the options of a command.\n", group);
}

int cli_run_subcommand(cli_ctx *ctx, const char *group, const char *usage, const cli_command *subs,
                       int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(group, "missing command");
	if (cli_is_help(argv[1])) {
		group_help(group, usage, subs);
		return CLI_OK;
	}
	for (const cli_command *s = subs; s->name != NULL; s++) {
		if (strcmp(s->name, argv[1]) == 0)
			return s->run(ctx, argc - 1, argv + 1);
	}
	return cli_usage(group, "unknown command '%s'", argv[1]);
}
