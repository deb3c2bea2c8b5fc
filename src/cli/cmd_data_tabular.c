/*
 * 'mlops data schema', 'mlops data stats' and 'mlops data validate': profiles and validation of tabular files
 * (CSV, JSON Lines), either a file of a dataset version (SPEC [PATH], read from the store without checkout) or a
 * local file (--file FILE). Public API only. The JSON documents come from the library; without --json they are
 * printed indented, with --json on one line.
 */
#include "cmd_data_tabular.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define MAX_JSON_FILE (64u << 20)

static const char common_opts[] =
	"  -f, --file FILE          a local file instead of a file of a version\n"
	"      --format FMT         csv or jsonl (default: from the file name: .csv, .jsonl, .ndjson)\n"
	"  -d, --delimiter C        CSV field delimiter (one character, or 'tab'; default ',')\n"
	"      --quote C            CSV quote character (default '\"')\n"
	"      --no-header          CSV: the first record is data; columns are named c1, c2, ...\n"
	"      --max-field-bytes N  longest CSV field or JSON line accepted (default 16 MiB)\n"
	"  -j, --json               one-line JSON output\n"
	"  -h, --help               this help\n";

static const char schema_usage[] =
	"Usage: mlops data schema [OPTIONS] (SPEC [PATH] | --file FILE)\n\n"
	"Print the inferred schema of a tabular file: {\"format\", \"columns\": [{\"name\", \"type\", \"nullable\"}]}.\n"
	"Types: int, float, bool, string, timestamp. For a file of a version, the schema stored at commit is shown\n"
	"(PATH may be omitted for a one-file version); parsing options profile the file again.\n\nOptions:\n";

static const char stats_usage[] =
	"Usage: mlops data stats [OPTIONS] (SPEC [PATH] | --file FILE)\n\n"
	"Print per-column statistics of a tabular file: {\"rows\", \"columns\": {NAME: {\"type\", \"count\", \"nulls\",\n"
	"\"min\", \"max\", \"mean\", \"std\", \"distinct\", \"top\", \"quantiles\"}}}.\n\nOptions:\n";

static const char validate_usage[] =
	"Usage: mlops data validate [OPTIONS] (SPEC [PATH] | --file FILE) [-e FILE] [-s FILE] [--schema-of SPEC[:PATH]]\n\n"
	"Validate a tabular file against expectations and/or a schema and print the report\n"
	"{\"success\", \"rows\", \"results\": [{\"expectation\", \"success\", \"unexpected_count\", \"examples\", ...}]}.\n"
	"Exit status 0 when every expectation passed, 1 when one failed or on error.\n\n"
	"  -e, --expectations FILE  expectations JSON ({\"expectations\": [...]}); '-' reads standard input\n"
	"  -s, --schema FILE        a schema JSON (the format 'mlops data schema' prints)\n"
	"      --schema-of SPEC[:PATH]  the schema stored with a file of a version\n\nOptions:\n";

typedef struct tab_args {
	const char *file;
	const char *spec;
	const char *path;
	const char *expectations;
	const char *schema;
	const char *schema_of;
	mlops_dataset_table_options opts;
	bool opts_given;
	bool json;
} tab_args;

enum { OPT_FORMAT = 1000, OPT_QUOTE, OPT_NO_HEADER, OPT_MAX_FIELD, OPT_SCHEMA_OF };

static int parse_char(char *out, const char *cmd, const char *what, const char *v)
{
	if (!strcmp(v, "tab") || !strcmp(v, "\\t")) {
		*out = '\t';
		return 0;
	}
	if (strlen(v) != 1)
		return cli_usage(cmd, "%s must be one character, got '%s'", what, v);
	*out = v[0];
	return 0;
}

/* Returns -1 to go on, else the exit code (help printed, usage error). */
static int parse_args(tab_args *a, cli_ctx *ctx, const char *cmd, const char *usage, bool validate, int argc,
                      char **argv)
{
	static const struct option opts[] = {
		{"file", required_argument, NULL, 'f'},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"delimiter", required_argument, NULL, 'd'},
		{"quote", required_argument, NULL, OPT_QUOTE},
		{"no-header", no_argument, NULL, OPT_NO_HEADER},
		{"max-field-bytes", required_argument, NULL, OPT_MAX_FIELD},
		{"expectations", required_argument, NULL, 'e'},
		{"schema", required_argument, NULL, 's'},
		{"schema-of", required_argument, NULL, OPT_SCHEMA_OF},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, rc;
	int64_t n;

	memset(a, 0, sizeof(*a));
	mlops_dataset_table_options_init(&a->opts, MLOPS_DATASET_TABLE_OPTIONS_VERSION);
	a->json = ctx->json;
	cli_getopt_reset();
	/* No leading '+': options may follow SPEC and PATH ("mlops data validate ds a.csv -e exp.json"). */
	while ((c = getopt_long(argc, argv, validate ? ":f:d:e:s:jh" : ":f:d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			fputs(common_opts, stdout);
			return CLI_OK;
		case 'f':
			a->file = optarg;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "csv"))
				a->opts.format = MLOPS_DATASET_TABLE_CSV;
			else if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "ndjson"))
				a->opts.format = MLOPS_DATASET_TABLE_JSONL;
			else
				return cli_usage(cmd, "unknown format '%s' (csv or jsonl)", optarg);
			a->opts_given = true;
			break;
		case 'd':
			if ((rc = parse_char(&a->opts.delimiter, cmd, "the delimiter", optarg)))
				return rc;
			a->opts_given = true;
			break;
		case OPT_QUOTE:
			if ((rc = parse_char(&a->opts.quote, cmd, "the quote", optarg)))
				return rc;
			a->opts_given = true;
			break;
		case OPT_NO_HEADER:
			a->opts.no_header = 1;
			a->opts_given = true;
			break;
		case OPT_MAX_FIELD:
			if (!cli_parse_int64(&n, optarg) || n <= 0)
				return cli_usage(cmd, "--max-field-bytes needs a positive integer, got '%s'", optarg);
			a->opts.max_field_bytes = (uint64_t)n;
			a->opts_given = true;
			break;
		case 'e':
		case 's':
		case OPT_SCHEMA_OF:
			if (!validate)
				return cli_bad_option(cmd, '?', argv);
			if (c == 'e')
				a->expectations = optarg;
			else if (c == 's')
				a->schema = optarg;
			else
				a->schema_of = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	int rest = argc - optind;
	if (a->file) {
		if (rest > 0)
			return cli_usage(cmd, "unexpected argument '%s' with --file", argv[optind]);
	} else {
		if (rest < 1)
			return cli_usage(cmd, "missing SPEC (or --file FILE)");
		if (rest > 2)
			return cli_usage(cmd, "unexpected argument '%s'", argv[optind + 2]);
		a->spec = argv[optind];
		a->path = rest == 2 ? argv[optind + 1] : NULL;
	}
	if (validate && !a->expectations && !a->schema && !a->schema_of)
		return cli_usage(cmd, "give --expectations, --schema or --schema-of");
	if (a->schema && a->schema_of)
		return cli_usage(cmd, "--schema and --schema-of exclude each other");
	return -1;
}

/* Indent a JSON text the library produced (already valid): line breaks after '{', '[' and ',' outside strings. */
static void print_json(const char *s, bool compact)
{
	if (compact) {
		fputs(s, stdout);
		fputc('\n', stdout);
		return;
	}
	int depth = 0;
	bool str = false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (str) {
			fputc(c, stdout);
			if (c == '\\' && p[1])
				fputc(*++p, stdout);
			else if (c == '"')
				str = false;
			continue;
		}
		switch (c) {
		case '"':
			str = true;
			fputc(c, stdout);
			break;
		case '{':
		case '[':
			fputc(c, stdout);
			if (p[1] == (c == '{' ? '}' : ']')) {
				fputc(*++p, stdout);
				break;
			}
			depth++;
			printf("\n%*s", depth * 2, "");
			break;
		case '}':
		case ']':
			depth--;
			printf("\n%*s%c", depth * 2, "", c);
			break;
		case ',':
			printf(",\n%*s", depth * 2, "");
			break;
		case ':':
			fputs(": ", stdout);
			break;
		default:
			fputc(c, stdout);
		}
	}
	fputc('\n', stdout);
}

/* Profile (schema, stats or both) of the file the arguments name. */
static int profile(char **schema, char **stats, uint64_t *rows, cli_ctx *ctx, const tab_args *a)
{
	const mlops_dataset_table_options *o = a->opts_given ? &a->opts : NULL;
	if (a->file)
		return mlops_dataset_profile_file(schema, stats, rows, a->file, o);
	mlops_store *store = cli_store(ctx);
	if (!store)
		return MLOPS_ERROR;
	return mlops_dataset_file_profile(schema, stats, rows, store, a->spec, a->path, o);
}

/* The "what" of an error line: the library's message already names the file (and the line). */
static const char *what_of(const tab_args *a, const char *cmd, char *buf, size_t n)
{
	if (a->file)
		snprintf(buf, n, "data %s", cmd);
	else
		snprintf(buf, n, "data %s %s", cmd, a->spec);
	return buf;
}

int cli_data_schema(cli_ctx *ctx, int argc, char **argv)
{
	tab_args a;
	int rc = parse_args(&a, ctx, "data schema", schema_usage, false, argc, argv);
	if (rc >= 0)
		return rc;
	char *schema = NULL, what[4200];
	if (profile(&schema, NULL, NULL, ctx, &a)) {
		if (!a.file && !ctx->store)
			return CLI_FAIL; /* cli_store() printed why */
		return cli_fail(what_of(&a, "schema", what, sizeof(what)));
	}
	print_json(schema, a.json);
	mlops_free(schema);
	return CLI_OK;
}

int cli_data_stats(cli_ctx *ctx, int argc, char **argv)
{
	tab_args a;
	int rc = parse_args(&a, ctx, "data stats", stats_usage, false, argc, argv);
	if (rc >= 0)
		return rc;
	char *stats = NULL, what[4200];
	uint64_t rows = 0;
	if (profile(NULL, &stats, &rows, ctx, &a)) {
		if (!a.file && !ctx->store)
			return CLI_FAIL;
		return cli_fail(what_of(&a, "stats", what, sizeof(what)));
	}
	print_json(stats, a.json);
	mlops_free(stats);
	return CLI_OK;
}

/* Read a whole JSON file ('-': standard input) into a malloc'd string. */
static char *read_text(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "mlops data validate: cannot open '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			if (cap >= MAX_JSON_FILE) {
				fprintf(stderr, "mlops data validate: '%s' is larger than %u bytes\n", path, MAX_JSON_FILE);
				free(buf);
				buf = NULL;
				break;
			}
			char *p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = p;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - 1 - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				fprintf(stderr, "mlops data validate: reading '%s' failed\n", path);
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	if (buf)
		buf[n] = '\0';
	else if (!ferror(f))
		fprintf(stderr, "mlops data validate: out of memory reading '%s'\n", path);
	if (f != stdin)
		fclose(f);
	return buf;
}

int cli_data_validate(cli_ctx *ctx, int argc, char **argv)
{
	tab_args a;
	int rc = parse_args(&a, ctx, "data validate", validate_usage, true, argc, argv);
	if (rc >= 0)
		return rc;
	char *exps = NULL, *schema = NULL, *stored_schema = NULL, *report = NULL, what[4200];
	int ok = 0, ret = CLI_FAIL;
	const mlops_dataset_table_options *o = a.opts_given ? &a.opts : NULL;
	if (a.expectations && !(exps = read_text(a.expectations)))
		goto out;
	if (a.schema && !(schema = read_text(a.schema)))
		goto out;
	mlops_store *store = NULL;
	if ((a.schema_of || !a.file) && !(store = cli_store(ctx)))
		goto out;
	if (a.schema_of) {
		char *spec = strdup(a.schema_of);
		if (!spec)
			goto out;
		char *colon = strchr(spec, ':');
		if (colon)
			*colon = '\0';
		rc = mlops_dataset_file_profile(&stored_schema, NULL, NULL, store, spec, colon ? colon + 1 : NULL,
		                                NULL);
		free(spec);
		if (rc) {
			snprintf(what, sizeof(what), "schema of %s", a.schema_of);
			ret = cli_fail(what);
			goto out;
		}
	}
	const char *sch = stored_schema ? stored_schema : schema;
	if (a.file)
		rc = mlops_dataset_validate_file(&report, &ok, a.file, exps, sch, o);
	else
		rc = mlops_dataset_validate(&report, &ok, store, a.spec, a.path, exps, sch, o);
	if (rc) {
		ret = cli_fail(what_of(&a, "validate", what, sizeof(what)));
		goto out;
	}
	print_json(report, a.json);
	if (!ok) {
		fflush(stdout);
		fprintf(stderr, "mlops data validate: %s: expectations failed\n",
		        a.file ? a.file : a.spec);
	}
	ret = ok ? CLI_OK : CLI_FAIL;
out:
	mlops_free(stored_schema);
	free(schema);
	free(exps);
	mlops_free(report);
	return ret;
}
