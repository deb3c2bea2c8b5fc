/*
 * 'mlops data': versioned datasets from the command line. This file holds the sub-command table (versions side:
 * this file and cmd_data_work.c; tabular side: cmd_data_tabular.c) and commit, list, log, show, diff.
 * Public API only.
 */
#include "cmd_data.h"
#include "cmd_data_tabular.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LIST 256

/* Parse sub-commands whose only options are --json and --help; operands between min and max. -1 goes on. */
int cli_data_simple_args(cli_ctx *ctx, const char *cmd, const char *usage, int min, int max, int argc, char **argv)
{
	static const struct option help_json[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:jh", help_json, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return CLI_OK;
		}
		if (c == 'j') {
			ctx->json = true;
			continue;
		}
		return cli_bad_option(cmd, c, argv);
	}
	int n = argc - optind;
	if (n < min)
		return cli_usage(cmd, "missing argument");
	if (n > max)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind + max]);
	return -1;
}

static void fmt_time(char *out, size_t cap, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void json_strings(cli_json *j, const char *key, const char *const *v, size_t n)
{
	cli_json_key(j, key);
	cli_json_begin_array(j);
	for (size_t i = 0; i < n; i++)
		cli_json_string(j, v[i]);
	cli_json_end_array(j);
}

static void json_version(cli_json *j, const mlops_dataset_version_info *v)
{
	cli_json_begin_object(j);
	cli_json_key(j, "version_id");
	cli_json_string(j, v->version_id);
	cli_json_key(j, "dataset");
	cli_json_string(j, v->dataset);
	cli_json_key(j, "seq");
	cli_json_int(j, v->seq);
	cli_json_key(j, "manifest_id");
	cli_json_string(j, v->manifest_id);
	cli_json_key(j, "is_file");
	cli_json_bool(j, v->is_file);
	cli_json_key(j, "files");
	cli_json_uint(j, v->file_count);
	cli_json_key(j, "bytes");
	cli_json_uint(j, v->total_bytes);
	cli_json_key(j, "message");
	cli_json_string(j, v->message);
	cli_json_key(j, "metadata");
	cli_json_raw(j, v->metadata_json);
	cli_json_key(j, "author");
	cli_json_string(j, v->author);
	cli_json_key(j, "created_ms");
	cli_json_int(j, v->created_ms);
	cli_json_key(j, "run_id");
	cli_json_string(j, v->run_id);
	json_strings(j, "parents", v->parents, v->n_parents);
	json_strings(j, "tags", v->tags, v->n_tags);
	cli_json_end_object(j);
}

static void print_version_line(const mlops_dataset_version_info *v)
{
	char when[32];
	fmt_time(when, sizeof(when), v->created_ms);
	const char *nl = strchr(v->message, '\n');
	int mlen = nl ? (int)(nl - v->message) : (int)strlen(v->message);
	printf("%s@v%lld  %s  %s  %s  %llu files  %.*s", v->dataset, (long long)v->seq, v->version_id, when, v->author,
	       (unsigned long long)v->file_count, mlen, v->message);
	for (size_t i = 0; i < v->n_tags; i++)
		printf("%s%s%s", i ? ", " : "  [", v->tags[i], i + 1 == v->n_tags ? "]" : "");
	printf("\n");
}

/* ---- commit ---- */

enum { OPT_METADATA = 1000, OPT_ROOT, OPT_RUN, OPT_ALWAYS, OPT_NO_PROFILE };

static const char commit_usage[] =
	"Usage: mlops data commit [OPTIONS] NAME PATH\n\n"
	"Commit the file or directory PATH as a new version of dataset NAME. Unchanged files are recognized by\n"
	"the stat cache and not read again; committing an unchanged tree creates no version.\n\n"
	"Options:\n"
	"  -m, --message TEXT     version message\n"
	"      --metadata JSON    free-form metadata (a JSON object)\n"
	"  -p, --parent SPEC      a parent version (repeatable; default: the latest version of NAME)\n"
	"      --root             no parent\n"
	"      --run RUN_ID       the run that produced the data (lineage)\n"
	"      --always           create a version even when nothing changed\n"
	"      --no-profile       do not profile tabular files (CSV, JSON Lines)\n"
	"  -i, --ignore GLOB      skip files and directories with this name (repeatable; replaces the defaults\n"
	"                         .mlops .git .dvc .DS_Store)\n"
	"  -t, --threads N        worker threads (default: CPUs, at most 4)\n"
	"  -j, --json             {\"version_id\", \"dataset\", \"seq\", \"created\", \"files\", \"bytes\", \"files_read\",\n"
	"                         \"bytes_read\", \"files_profiled\"}\n";


static int data_commit(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"message", required_argument, NULL, 'm'}, {"metadata", required_argument, NULL, OPT_METADATA},
		{"parent", required_argument, NULL, 'p'}, {"root", no_argument, NULL, OPT_ROOT},
		{"run", required_argument, NULL, OPT_RUN}, {"always", no_argument, NULL, OPT_ALWAYS},
		{"no-profile", no_argument, NULL, OPT_NO_PROFILE}, {"ignore", required_argument, NULL, 'i'},
		{"threads", required_argument, NULL, 't'}, {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	mlops_dataset_commit_options o = MLOPS_DATASET_COMMIT_OPTIONS_INIT;
	const char *parents[MAX_LIST], *ignore[MAX_LIST];
	size_t np = 0, ni = 0;
	int64_t n;
	int c;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:m:p:i:t:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(commit_usage, stdout);
			return CLI_OK;
		case 'j':
			ctx->json = true;
			break;
		case 'm':
			o.message = optarg;
			break;
		case OPT_METADATA:
			o.metadata_json = optarg;
			break;
		case 'p':
			if (np == MAX_LIST)
				return cli_usage("data commit", "too many parents");
			parents[np++] = optarg;
			break;
		case OPT_ROOT:
			o.flags |= MLOPS_DATASET_COMMIT_ROOT;
			break;
		case OPT_RUN:
			o.run_id = optarg;
			break;
		case OPT_ALWAYS:
			o.flags |= MLOPS_DATASET_COMMIT_ALWAYS;
			break;
		case OPT_NO_PROFILE:
			o.flags |= MLOPS_DATASET_COMMIT_NO_PROFILE;
			break;
		case 'i':
			if (ni == MAX_LIST)
				return cli_usage("data commit", "too many ignore patterns");
			ignore[ni++] = optarg;
			break;
		case 't':
			if (!cli_parse_int64(&n, optarg) || n < 0 || n > 64)
				return cli_usage("data commit", "--threads needs 0..64, got '%s'", optarg);
			o.threads = (int)n;
			break;
		default:
			return cli_bad_option("data commit", c, argv);
		}
	}
	if (argc - optind != 2)
		return cli_usage("data commit", argc - optind < 2 ? "missing NAME or PATH" : "unexpected argument '%s'",
		                 argv[optind + 2 < argc ? optind + 2 : optind]);
	o.parents = np ? parents : NULL;
	o.n_parents = np;
	o.ignore = ni ? ignore : NULL;
	o.n_ignore = ni;
	mlops_store *s = cli_store(ctx);
	if (!s)
		return CLI_FAIL;
	char id[MLOPS_DATASET_VERSION_ID_BUFSIZE];
	mlops_dataset_commit_stats st = MLOPS_DATASET_COMMIT_STATS_INIT;
	if (mlops_dataset_commit(id, &st, s, argv[optind], argv[optind + 1], &o) < 0)
		return cli_fail("data commit");
	if (ctx->json) {
		cli_json j;
		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "version_id");
		cli_json_string(&j, id);
		cli_json_key(&j, "dataset");
		cli_json_string(&j, argv[optind]);
		cli_json_key(&j, "seq");
		cli_json_int(&j, st.seq);
		cli_json_key(&j, "created");
		cli_json_bool(&j, st.created);
		cli_json_key(&j, "files");
		cli_json_uint(&j, st.files);
		cli_json_key(&j, "bytes");
		cli_json_uint(&j, st.bytes);
		cli_json_key(&j, "files_read");
		cli_json_uint(&j, st.files_read);
		cli_json_key(&j, "bytes_read");
		cli_json_uint(&j, st.bytes_read);
		cli_json_key(&j, "files_profiled");
		cli_json_uint(&j, st.files_profiled);
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else {
		printf("%s@v%lld %s%s (%llu files, %llu bytes; %llu files read)\n", argv[optind], (long long)st.seq, id,
		       st.created ? "" : " unchanged", (unsigned long long)st.files, (unsigned long long)st.bytes,
		       (unsigned long long)st.files_read);
	}
	return CLI_OK;
}

/* ---- list, log, show ---- */

static const char list_usage[] =
	"Usage: mlops data list [--json]\n\n"
	"List the datasets of the store with their number of versions and latest version.\n";

static int data_list(cli_ctx *ctx, int argc, char **argv)
{
	int rc = cli_data_simple_args(ctx, "data list", list_usage, 0, 0, argc, argv);
	if (rc >= 0)
		return rc;
	mlops_store *s = cli_store(ctx);
	if (!s)
		return CLI_FAIL;
	mlops_dataset_iter *it;
	if (mlops_dataset_list(&it, s) < 0)
		return cli_fail("data list");
	cli_json j;
	if (ctx->json) {
		cli_json_init(&j, stdout);
		cli_json_begin_array(&j);
	}
	const mlops_dataset_info *d;
	while ((rc = mlops_dataset_list_next(&d, it)) == 0) {
		if (ctx->json) {
			cli_json_begin_object(&j);
			cli_json_key(&j, "name");
			cli_json_string(&j, d->name);
			cli_json_key(&j, "versions");
			cli_json_int(&j, d->versions);
			cli_json_key(&j, "latest_version_id");
			cli_json_string(&j, d->latest_version_id);
			cli_json_key(&j, "latest_seq");
			cli_json_int(&j, d->latest_seq);
			cli_json_key(&j, "latest_created_ms");
			cli_json_int(&j, d->latest_created_ms);
			cli_json_end_object(&j);
		} else {
			printf("%-30s %5lld versions  latest v%lld %s\n", d->name, (long long)d->versions,
			       (long long)d->latest_seq, d->latest_version_id);
		}
	}
	mlops_dataset_iter_free(it);
	if (ctx->json) {
		cli_json_end_array(&j);
		cli_json_end(&j);
	}
	return rc == MLOPS_ITEROVER ? CLI_OK : cli_fail("data list");
}

static const char log_usage[] =
	"Usage: mlops data log [-n N] [--json] SPEC\n\n"
	"SPEC NAME lists every version of the dataset, newest first; a version (NAME@v3, NAME@TAG, an id prefix)\n"
	"lists it and its ancestors.\n\n"
	"  -n, --limit N   at most N versions\n";

static int data_log(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"limit", required_argument, NULL, 'n'}, {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	int64_t limit = 0;
	int c;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:n:jh", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(log_usage, stdout);
			return CLI_OK;
		} else if (c == 'j') {
			ctx->json = true;
		} else if (c == 'n') {
			if (!cli_parse_int64(&limit, optarg) || limit < 0)
				return cli_usage("data log", "--limit needs a count, got '%s'", optarg);
		} else {
			return cli_bad_option("data log", c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage("data log", argc - optind ? "unexpected argument" : "missing SPEC");
	mlops_store *s = cli_store(ctx);
	if (!s)
		return CLI_FAIL;
	mlops_dataset_version_iter *it;
	if (mlops_dataset_log(&it, s, argv[optind], (size_t)limit) < 0)
		return cli_fail("data log");
	cli_json j;
	if (ctx->json) {
		cli_json_init(&j, stdout);
		cli_json_begin_array(&j);
	}
	const mlops_dataset_version_info *v;
	int rc;
	while ((rc = mlops_dataset_log_next(&v, it)) == 0) {
		if (ctx->json)
			json_version(&j, v);
		else
			print_version_line(v);
	}
	mlops_dataset_version_iter_free(it);
	if (ctx->json) {
		cli_json_end_array(&j);
		cli_json_end(&j);
	}
	return rc == MLOPS_ITEROVER ? CLI_OK : cli_fail("data log");
}

static const char show_usage[] =
	"Usage: mlops data show [--json] SPEC\n\n"
	"Show a version and its files (path, size, mode, content id; rows of tabular files).\n";

static int data_show(cli_ctx *ctx, int argc, char **argv)
{
	int rc = cli_data_simple_args(ctx, "data show", show_usage, 1, 1, argc, argv);
	if (rc >= 0)
		return rc;
	mlops_store *s = cli_store(ctx);
	if (!s)
		return CLI_FAIL;
	const char *spec = argv[optind];
	mlops_dataset_version_info *v;
	if (mlops_dataset_version_get(&v, s, spec) < 0)
		return cli_fail("data show");
	mlops_dataset_file_iter *fi;
	if (mlops_dataset_files(&fi, s, v->version_id) < 0) {
		mlops_dataset_version_info_free(v);
		return cli_fail("data show");
	}
	cli_json j;
	if (ctx->json) {
		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "version");
		json_version(&j, v);
		cli_json_key(&j, "files");
		cli_json_begin_array(&j);
	} else {
		char when[32];
		fmt_time(when, sizeof(when), v->created_ms);
		printf("version   %s\ndataset   %s (v%lld)\nauthor    %s\ncreated   %s\nmessage   %s\nmetadata  %s\n",
		       v->version_id, v->dataset, (long long)v->seq, v->author, when, v->message, v->metadata_json);
		for (size_t i = 0; i < v->n_parents; i++)
			printf("parent    %s\n", v->parents[i]);
		if (v->run_id)
			printf("run       %s\n", v->run_id);
		for (size_t i = 0; i < v->n_tags; i++)
			printf("tag       %s\n", v->tags[i]);
		printf("files     %llu (%llu bytes)\n\n", (unsigned long long)v->file_count,
		       (unsigned long long)v->total_bytes);
	}
	const mlops_dataset_file *f;
	while ((rc = mlops_dataset_files_next(&f, fi)) == 0) {
		if (ctx->json) {
			cli_json_begin_object(&j);
			cli_json_key(&j, "path");
			cli_json_string(&j, f->path);
			cli_json_key(&j, "size");
			cli_json_uint(&j, f->size);
			cli_json_key(&j, "mode");
			cli_json_uint(&j, f->mode);
			cli_json_key(&j, "object_id");
			cli_json_string(&j, f->object_id);
			cli_json_key(&j, "format");
			cli_json_string(&j, f->format);
			cli_json_key(&j, "rows");
			if (f->rows >= 0)
				cli_json_int(&j, f->rows);
			else
				cli_json_null(&j);
			cli_json_key(&j, "profile_error");
			cli_json_string(&j, f->profile_error);
			cli_json_end_object(&j);
		} else {
			printf("%06o %12llu  %s  %s", (unsigned)f->mode, (unsigned long long)f->size, f->object_id, f->path);
			if (f->rows >= 0)
				printf("  (%lld rows)", (long long)f->rows);
			if (f->profile_error)
				printf("  (not a table: %s)", f->profile_error);
			printf("\n");
		}
	}
	mlops_dataset_file_iter_free(fi);
	mlops_dataset_version_info_free(v);
	if (ctx->json) {
		cli_json_end_array(&j);
		cli_json_end_object(&j);
		cli_json_end(&j);
	}
	return rc == MLOPS_ITEROVER ? CLI_OK : cli_fail("data show");
}

/* ---- diff ---- */

static const char diff_usage[] =
	"Usage: mlops data diff [--json] OLD NEW\n\n"
	"Paths added (A), deleted (D) and modified (M) from version OLD to version NEW, with sizes; for tabular\n"
	"files also row counts and schema changes.\n";

static int data_diff(cli_ctx *ctx, int argc, char **argv)
{
	int rc = cli_data_simple_args(ctx, "data diff", diff_usage, 2, 2, argc, argv);
	if (rc >= 0)
		return rc;
	mlops_store *s = cli_store(ctx);
	if (!s)
		return CLI_FAIL;
	mlops_dataset_diff *d;
	if (mlops_dataset_diff_new(&d, s, argv[optind], argv[optind + 1]) < 0)
		return cli_fail("data diff");
	cli_json j;
	if (ctx->json) {
		cli_json_init(&j, stdout);
		cli_json_begin_array(&j);
	}
	const mlops_dataset_diff_entry *e;
	while ((rc = mlops_dataset_diff_next(&e, d)) == 0) {
		if (ctx->json) {
			cli_json_begin_object(&j);
			cli_json_key(&j, "path");
			cli_json_string(&j, e->path);
			cli_json_key(&j, "change");
			cli_json_string(&j, mlops_dataset_change_name(e->change));
			cli_json_key(&j, "old_size");
			cli_json_uint(&j, e->old_size);
			cli_json_key(&j, "new_size");
			cli_json_uint(&j, e->new_size);
			cli_json_key(&j, "old_id");
			cli_json_string(&j, e->old_id);
			cli_json_key(&j, "new_id");
			cli_json_string(&j, e->new_id);
			cli_json_key(&j, "old_rows");
			e->old_rows >= 0 ? cli_json_int(&j, e->old_rows) : cli_json_null(&j);
			cli_json_key(&j, "new_rows");
			e->new_rows >= 0 ? cli_json_int(&j, e->new_rows) : cli_json_null(&j);
			cli_json_key(&j, "schema_change");
			e->schema_change ? cli_json_raw(&j, e->schema_change) : cli_json_null(&j);
			cli_json_end_object(&j);
			continue;
		}
		char tag = e->change == MLOPS_DATASET_ADDED ? 'A' : e->change == MLOPS_DATASET_DELETED ? 'D' : 'M';
		printf("%c %s", tag, e->path);
		if (e->change == MLOPS_DATASET_MODIFIED)
			printf("  %llu -> %llu bytes", (unsigned long long)e->old_size, (unsigned long long)e->new_size);
		else
			printf("  %llu bytes", (unsigned long long)(e->old_size + e->new_size));
		if (e->old_rows >= 0 || e->new_rows >= 0) {
			if (e->change == MLOPS_DATASET_MODIFIED)
				printf("  rows %lld -> %lld", (long long)e->old_rows, (long long)e->new_rows);
			else
				printf("  %lld rows", (long long)(e->old_rows >= 0 ? e->old_rows : e->new_rows));
		}
		if (e->schema_change)
			printf("  schema %s", e->schema_change);
		printf("\n");
	}
	mlops_dataset_diff_free(d);
	if (ctx->json) {
		cli_json_end_array(&j);
		cli_json_end(&j);
	}
	return rc == MLOPS_ITEROVER ? CLI_OK : cli_fail("data diff");
}

/* ---- the sub-command table ---- */

static const cli_command data_subs[] = {
	/* versions */
	{"commit", "commit a file or directory as a new version", data_commit},
	{"list", "list the datasets", data_list},
	{"log", "versions of a dataset, or a version and its ancestors", data_log},
	{"show", "a version and its files", data_show},
	{"diff", "files added, deleted, modified between two versions", data_diff},
	{"checkout", "write a version into a directory", cli_data_checkout},
	{"status", "compare a directory with a version", cli_data_status},
	{"tag", "tags (fixed) and refs (movable) of versions", cli_data_tag},
	{"cat", "write a file of a version to standard output", cli_data_cat},
	{"push", "copy a version to another store", cli_data_push},
	{"pull", "copy a version from another store", cli_data_pull},
	{"delete", "delete a dataset with all its versions", cli_data_delete},
	{"gc", "remove objects nothing references", cli_data_gc},
	/* tabular data (cmd_data_tabular.c) */
	{"schema", "inferred schema of a tabular file", cli_data_schema},
	{"stats", "per-column statistics of a tabular file", cli_data_stats},
	{"validate", "validate a tabular file against expectations or a schema", cli_data_validate},
	{NULL, NULL, NULL},
};

static const char data_usage[] = "Versioned datasets: files and directory trees, deduplicated down to chunks.";

static int data_run(cli_ctx *ctx, int argc, char **argv)
{
	return cli_run_subcommand(ctx, "data", data_usage, data_subs, argc, argv);
}

const cli_command cli_cmd_data = {"data", "versioned datasets (commit, checkout, status, diff, push, ...)",
                                  data_run};
