/*
 * Store-level commands of the mlops tool: init, info, verify, gc.
 */
#include "cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


static void human_bytes(char *buf, size_t cap, uint64_t n)
{
	static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, cap, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, cap, "%.1f %s", v, units[u]);
}

/* ---- init ---- */

static const char init_usage[] =
	"Usage: mlops [--store DIR] [--backend NAME] init [DIR]\n"
	"\n"
	"Create a store at DIR (default: the --store path, $MLOPS_STORE, else ./.mlops). A store that exists\n"
	"already is left as it is (pending format migrations are applied) and the command says so.\n"
	"With --backend sqlite, DIR names the single database file instead of a directory.\n"
	"\n"
	"Output: the store path and whether it was created; with --json\n"
	"  {\"path\":..., \"created\":true|false, \"format_version\":N}\n";

/* A directory store exists once its metadata database does; a single-file store is that file. */
static bool store_exists(const char *path)
{
	struct stat st;
	char db[PATH_MAX];

	if (stat(path, &st) != 0)
		return false;
	if (!S_ISDIR(st.st_mode))
		return true;
	if ((size_t)snprintf(db, sizeof(db), "%s/mlops.db", path) >= sizeof(db))
		return false;
	return stat(db, &st) == 0;
}

static int init_run(cli_ctx *ctx, int argc, char **argv)
{
	mlops_store_options opts = MLOPS_STORE_OPTIONS_INIT;
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	const char *path;
	char what[PATH_MAX + 64];
	bool existed;
	int rc = cli_parse_operands("init", init_usage, 0, 1, argc, argv);

	if (rc >= 0)
		return rc;
	path = optind < argc ? argv[optind] : ctx->store_path;
	if (path[0] == '\0')
		return cli_usage("init", "empty store path");
	existed = store_exists(path);
	opts.backend = ctx->backend;
	snprintf(what, sizeof(what), "init '%s'", path);
	if (mlops_store_open(&ctx->store, path, &opts) < 0) {
		ctx->store = NULL;
		return cli_fail(what);
	}
	if (mlops_store_info_get(&info, ctx->store) < 0)
		return cli_fail(what);
	if (ctx->json) {
		cli_json j;

		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "path");
		cli_json_string(&j, path);
		cli_json_key(&j, "created");
		cli_json_bool(&j, !existed);
		cli_json_key(&j, "format_version");
		cli_json_int(&j, info.format_version);
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else if (existed) {
		printf("Store already exists at %s (format version %d)\n", path, info.format_version);
	} else {
		printf("Created store at %s (format version %d)\n", path, info.format_version);
	}
	return CLI_OK;
}

const cli_command cli_cmd_init = {"init", "create a store (or say that it exists)", init_run};

/* ---- info ---- */

static const char info_usage[] =
	"Usage: mlops [--store DIR] info\n"
	"\n"
	"Print the store's format version, object count and sizes, pins, lineage edges and audit rows.\n"
	"With --json: {\"path\", \"format_version\", \"object_count\", \"object_bytes\", \"metadata_bytes\",\n"
	"\"pin_count\", \"lineage_edges\", \"audit_rows\", \"library_version\"}.\n";

static int info_run(cli_ctx *ctx, int argc, char **argv)
{
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	mlops_store *store;
	int rc = cli_parse_operands("info", info_usage, 0, 0, argc, argv);

	if (rc >= 0)
		return rc;
	if ((store = cli_store(ctx)) == NULL)
		return CLI_FAIL;
	if (mlops_store_info_get(&info, store) < 0)
		return cli_fail("info");
	if (ctx->json) {
		cli_json j;

		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "path");
		cli_json_string(&j, mlops_store_path(store));
		cli_json_key(&j, "format_version");
		cli_json_int(&j, info.format_version);
		cli_json_key(&j, "object_count");
		cli_json_uint(&j, info.object_count);
		cli_json_key(&j, "object_bytes");
		cli_json_uint(&j, info.object_bytes);
		cli_json_key(&j, "metadata_bytes");
		cli_json_uint(&j, info.metadata_bytes);
		cli_json_key(&j, "pin_count");
		cli_json_uint(&j, info.pin_count);
		cli_json_key(&j, "lineage_edges");
		cli_json_uint(&j, info.lineage_edges);
		cli_json_key(&j, "audit_rows");
		cli_json_uint(&j, info.audit_rows);
		cli_json_key(&j, "library_version");
		cli_json_string(&j, mlops_version_string());
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else {
		char ob[32], mb[32];

		human_bytes(ob, sizeof(ob), info.object_bytes);
		human_bytes(mb, sizeof(mb), info.metadata_bytes);
		printf("store:          %s\n", mlops_store_path(store));
		printf("format version: %d\n", info.format_version);
		printf("objects:        %llu (%s stored)\n", (unsigned long long)info.object_count, ob);
		printf("metadata:       %s\n", mb);
		printf("pins:           %llu\n", (unsigned long long)info.pin_count);
		printf("lineage edges:  %llu\n", (unsigned long long)info.lineage_edges);
		printf("audit rows:     %llu\n", (unsigned long long)info.audit_rows);
		printf("library:        libmlops %s\n", mlops_version_string());
	}
	return CLI_OK;
}

const cli_command cli_cmd_info = {"info", "show counts and sizes of the store", info_run};

/* ---- verify ---- */

static const char verify_usage[] =
	"Usage: mlops [--store DIR] verify\n"
	"\n"
	"Check the whole store without changing it: SQLite integrity and foreign keys, every blob re-hashed,\n"
	"every referenced object present. Prints each problem found.\n"
	"Exit status: 0 when the store is sound, 1 when problems were found (or the check could not run).\n"
	"With --json: {\"ok\", \"objects_checked\", \"bytes_checked\", \"objects_corrupt\", \"objects_missing\",\n"
	"\"metadata_errors\", \"problems\": [{\"kind\", \"object\", \"message\"}]}.\n";

/*
 * Print the library's verify report, a flat array of objects whose values are strings
 * ([{"kind":"corrupt","object":"<id>","message":"..."}]), one problem per line. Only this fixed shape is
 * read; anything else is printed as it is.
 */
static const char *scan_string(const char *p, char *out, size_t cap)
{
	size_t n = 0;

	if (*p != '"')
		return NULL;
	for (p++; *p && *p != '"'; p++) {
		char c = *p;

		if (c == '\\') {
			p++;
			switch (*p) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				/* Non-ASCII escapes are rare in these messages; keep them readable as a '?'. */
				if (strlen(p) < 5)
					return NULL;
				c = '?';
				p += 4;
				break;
			case '\0': return NULL;
			default: c = *p;
			}
		}
		if (n + 1 < cap)
			out[n++] = c;
	}
	if (*p != '"')
		return NULL;
	out[n] = '\0';
	return p + 1;
}

static bool print_report(const char *report)
{
	char key[64], kind[64] = "", object[256] = "", message[2048] = "", other[256];
	const char *p = report;

	while (*p == ' ' || *p == '\n')
		p++;
	if (*p++ != '[')
		return false;
	while (*p) {
		if (*p == ',' || *p == ' ' || *p == '\n' || *p == '{') {
			p++;
		} else if (*p == '}') {
			printf("  %-9s %s: %s\n", kind, object, message);
			kind[0] = object[0] = message[0] = '\0';
			p++;
		} else if (*p == ']') {
			return true;
		} else {
			char *dst = other;
			size_t cap = sizeof(other);

			if ((p = scan_string(p, key, sizeof(key))) == NULL || *p++ != ':')
				return false;
			if (strcmp(key, "kind") == 0) {
				dst = kind;
				cap = sizeof(kind);
			} else if (strcmp(key, "object") == 0) {
				dst = object;
				cap = sizeof(object);
			} else if (strcmp(key, "message") == 0) {
				dst = message;
				cap = sizeof(message);
			}
			if ((p = scan_string(p, dst, cap)) == NULL)
				return false;
		}
	}
	return false;
}

static int verify_run(cli_ctx *ctx, int argc, char **argv)
{
	mlops_verify_stats st = MLOPS_VERIFY_STATS_INIT;
	mlops_store *store;
	char *report = NULL;
	uint64_t problems;
	int rc = cli_parse_operands("verify", verify_usage, 0, 0, argc, argv);

	if (rc >= 0)
		return rc;
	if ((store = cli_store(ctx)) == NULL)
		return CLI_FAIL;
	if (mlops_store_verify(&st, &report, store) < 0)
		return cli_fail("verify");
	problems = st.objects_corrupt + st.objects_missing + st.metadata_errors;
	if (ctx->json) {
		cli_json j;

		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "ok");
		cli_json_bool(&j, problems == 0);
		cli_json_key(&j, "objects_checked");
		cli_json_uint(&j, st.objects_checked);
		cli_json_key(&j, "bytes_checked");
		cli_json_uint(&j, st.bytes_checked);
		cli_json_key(&j, "objects_corrupt");
		cli_json_uint(&j, st.objects_corrupt);
		cli_json_key(&j, "objects_missing");
		cli_json_uint(&j, st.objects_missing);
		cli_json_key(&j, "metadata_errors");
		cli_json_uint(&j, st.metadata_errors);
		cli_json_key(&j, "problems");
		cli_json_raw(&j, report != NULL ? report : "[]");
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else {
		char hb[32];

		human_bytes(hb, sizeof(hb), st.bytes_checked);
		printf("checked %llu objects (%s)\n", (unsigned long long)st.objects_checked, hb);
		if (problems == 0) {
			printf("ok: no problems found\n");
		} else {
			printf("PROBLEMS: %llu corrupt, %llu missing, %llu metadata errors\n",
			       (unsigned long long)st.objects_corrupt, (unsigned long long)st.objects_missing,
			       (unsigned long long)st.metadata_errors);
			if (report != NULL && !print_report(report))
				printf("%s\n", report);
		}
	}
	mlops_free(report);
	return problems == 0 ? CLI_OK : CLI_FAIL;
}

const cli_command cli_cmd_verify = {"verify", "check every object and the metadata (exit 1 on problems)",
                                    verify_run};

/* ---- gc ---- */

static const char gc_usage[] =
	"Usage: mlops [--store DIR] gc [--dry-run] [--grace SECONDS]\n"
	"\n"
	"Remove blobs that nothing references (pins, dataset versions, run artifacts, ...).\n"
	"\n"
	"Options:\n"
	"  -n, --dry-run          count what would be removed, remove nothing\n"
	"  -g, --grace SECONDS    keep unreferenced blobs younger than this (default 3600; 0 = no grace);\n"
	"                         protects writes of other processes that have not committed yet\n"
	"\n"
	"With --json: {\"dry_run\", \"objects_kept\", \"objects_removed\", \"bytes_removed\", \"objects_young\"}.\n";

static int gc_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"dry-run", no_argument, NULL, 'n'},
		{"grace", required_argument, NULL, 'g'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	mlops_gc_options go = MLOPS_GC_OPTIONS_INIT;
	mlops_gc_stats st = MLOPS_GC_STATS_INIT;
	mlops_store *store;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:ng:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': go.dry_run = 1; break;
		case 'g':
			if (!cli_parse_int64(&go.grace_seconds, optarg) || go.grace_seconds < 0)
				return cli_usage("gc", "--grace needs a number of seconds >= 0, not '%s'", optarg);
			break;
		case 'h': fputs(gc_usage, stdout); return CLI_OK;
		default: return cli_bad_option("gc", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("gc", "unexpected argument '%s'", argv[optind]);
	if ((store = cli_store(ctx)) == NULL)
		return CLI_FAIL;
	if (mlops_store_gc(&st, store, &go) < 0)
		return cli_fail("gc");
	if (ctx->json) {
		cli_json j;

		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "dry_run");
		cli_json_bool(&j, go.dry_run != 0);
		cli_json_key(&j, "objects_kept");
		cli_json_uint(&j, st.objects_kept);
		cli_json_key(&j, "objects_removed");
		cli_json_uint(&j, st.objects_removed);
		cli_json_key(&j, "bytes_removed");
		cli_json_uint(&j, st.bytes_removed);
		cli_json_key(&j, "objects_young");
		cli_json_uint(&j, st.objects_young);
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else {
		char hb[32];

		human_bytes(hb, sizeof(hb), st.bytes_removed);
		printf("%s %llu blobs (%s); kept %llu referenced, %llu young (grace period)\n",
		       go.dry_run ? "would remove" : "removed", (unsigned long long)st.objects_removed, hb,
		       (unsigned long long)st.objects_kept, (unsigned long long)st.objects_young);
	}
	return CLI_OK;
}

const cli_command cli_cmd_gc = {"gc", "remove unreferenced objects", gc_run};
