/*
 * 'mlops data' sub-commands that work with directories and other stores: checkout, status, tag, cat, push,
 * pull, delete, gc (listed in the table of cmd_data.c). Public API only.
 */
#include "cmd_data.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define IO_BUF (256 * 1024)

enum { OPT_TO = 1000, OPT_FROM, OPT_OFFSET, OPT_LENGTH, OPT_DRY_RUN, OPT_GRACE, OPT_NO_CACHE, OPT_REF };

/* ---- checkout, status ---- */

static const char checkout_usage[] =
	"Usage: mlops data checkout [--force] [--json] SPEC DIR\n\n"
	"Write version SPEC into DIR (created when missing), each file atomically. Refuses to overwrite local\n"
	"modifications unless --force; files the previous version had and SPEC does not are removed when\n"
	"unmodified.\n";

int cli_data_checkout(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'}, {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	mlops_dataset_checkout_options o = MLOPS_DATASET_CHECKOUT_OPTIONS_INIT;
	int c;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:fjh", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(checkout_usage, stdout);
			return CLI_OK;
		} else if (c == 'j') {
			ctx->json = true;
		} else if (c == 'f') {
			o.flags |= MLOPS_DATASET_CHECKOUT_FORCE;
		} else {
			return cli_bad_option("data checkout", c, argv);
		}
	}
	if (argc - optind != 2)
		return cli_usage("data checkout", "expected SPEC and DIR");
	mlops_store *s = cli_store(ctx);
	if (!s)
		return CLI_FAIL;
	mlops_dataset_checkout_stats st = MLOPS_DATASET_CHECKOUT_STATS_INIT;
	if (mlops_dataset_checkout(&st, s, argv[optind], argv[optind + 1], &o) < 0)
		return cli_fail("data checkout");
	if (ctx->json) {
		cli_json j;
		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "files_written");
		cli_json_uint(&j, st.files_written);
		cli_json_key(&j, "bytes_written");
		cli_json_uint(&j, st.bytes_written);
		cli_json_key(&j, "files_unchanged");
		cli_json_uint(&j, st.files_unchanged);
		cli_json_key(&j, "files_removed");
		cli_json_uint(&j, st.files_removed);
		cli_json_key(&j, "files_kept");
		cli_json_uint(&j, st.files_kept);
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else {
		printf("%llu written (%llu bytes), %llu unchanged, %llu removed, %llu kept (locally modified)\n",
		       (unsigned long long)st.files_written, (unsigned long long)st.bytes_written,
		       (unsigned long long)st.files_unchanged, (unsigned long long)st.files_removed,
		       (unsigned long long)st.files_kept);
	}
	return CLI_OK;
}

static const char status_usage[] =
	"Usage: mlops data status [OPTIONS] [PATH [SPEC]]\n\n"
	"Compare the directory (or file) PATH (default '.') with version SPEC (default: the version last\n"
	"committed from or checked out into PATH): added (A), deleted (D), modified (M) files.\n\n"
	"  -a, --all        also list unchanged files\n"
	"      --no-cache   read every file instead of trusting the stat cache\n"
	"  -j, --json       {\"version_id\", \"added\", \"deleted\", \"modified\", \"unchanged\", \"files_read\",\n"
	"                   \"bytes_read\", \"entries\": [{\"path\", \"change\", \"size\"}]}\n";

int cli_data_status(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'}, {"no-cache", no_argument, NULL, OPT_NO_CACHE},
		{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	mlops_dataset_status_options o = MLOPS_DATASET_STATUS_OPTIONS_INIT;
	int c;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:ajh", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(status_usage, stdout);
			return CLI_OK;
		} else if (c == 'j') {
			ctx->json = true;
		} else if (c == 'a') {
			o.flags |= MLOPS_DATASET_STATUS_UNCHANGED;
		} else if (c == OPT_NO_CACHE) {
			o.flags |= MLOPS_DATASET_STATUS_NO_CACHE;
		} else {
			return cli_bad_option("data status", c, argv);
		}
	}
	if (argc - optind > 2)
		return cli_usage("data status", "unexpected argument '%s'", argv[optind + 2]);
	const char *path = argc - optind >= 1 ? argv[optind] : ".";
	const char *spec = argc - optind >= 2 ? argv[optind + 1] : NULL;
	mlops_store *s = cli_store(ctx);
	if (!s)
		return CLI_FAIL;
	mlops_dataset_status_iter *it;
	mlops_dataset_status_counts n = MLOPS_DATASET_STATUS_COUNTS_INIT;
	if (mlops_dataset_status(&it, &n, s, path, spec, &o) < 0)
		return cli_fail("data status");
	cli_json j;
	if (ctx->json) {
		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "version_id");
		cli_json_string(&j, n.version_id);
		cli_json_key(&j, "added");
		cli_json_uint(&j, n.added);
		cli_json_key(&j, "deleted");
		cli_json_uint(&j, n.deleted);
		cli_json_key(&j, "modified");
		cli_json_uint(&j, n.modified);
		cli_json_key(&j, "unchanged");
		cli_json_uint(&j, n.unchanged);
		cli_json_key(&j, "files_read");
		cli_json_uint(&j, n.files_read);
		cli_json_key(&j, "bytes_read");
		cli_json_uint(&j, n.bytes_read);
		cli_json_key(&j, "entries");
		cli_json_begin_array(&j);
	} else {
		printf("against %s: %llu added, %llu deleted, %llu modified, %llu unchanged\n", n.version_id,
		       (unsigned long long)n.added, (unsigned long long)n.deleted, (unsigned long long)n.modified,
		       (unsigned long long)n.unchanged);
	}
	const mlops_dataset_status_entry *e;
	int rc;
	while ((rc = mlops_dataset_status_next(&e, it)) == 0) {
		if (ctx->json) {
			cli_json_begin_object(&j);
			cli_json_key(&j, "path");
			cli_json_string(&j, e->path);
			cli_json_key(&j, "change");
			cli_json_string(&j, mlops_dataset_change_name(e->change));
			cli_json_key(&j, "size");
			cli_json_uint(&j, e->size);
			cli_json_end_object(&j);
		} else {
			const char *t = e->change == MLOPS_DATASET_ADDED     ? "A"
			                : e->change == MLOPS_DATASET_DELETED  ? "D"
			                : e->change == MLOPS_DATASET_MODIFIED ? "M"
			                                                      : " ";
			printf("%s %s\n", t, e->path);
		}
	}
	mlops_dataset_status_iter_free(it);
	if (ctx->json) {
		cli_json_end_array(&j);
		cli_json_end_object(&j);
		cli_json_end(&j);
	}
	return rc == MLOPS_ITEROVER ? CLI_OK : cli_fail("data status");
}

/* ---- tag ---- */

static const char tag_usage[] =
	"Usage: mlops data tag [--ref] SPEC NAME       tag (or, with --ref, point a movable ref at) a version\n"
	"       mlops data tag [--ref] -d DATASET NAME delete a tag (or a ref)\n"
	"       mlops data tag -l [--json] DATASET      list the tags and refs of a dataset\n";

int cli_data_tag(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"ref", no_argument, NULL, OPT_REF}, {"delete", no_argument, NULL, 'd'},
		{"list", no_argument, NULL, 'l'}, {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	bool ref = false, del = false, list = false;
	int c;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:dljh", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(tag_usage, stdout);
			return CLI_OK;
		} else if (c == 'j') {
			ctx->json = true;
		} else if (c == OPT_REF) {
			ref = true;
		} else if (c == 'd') {
			del = true;
		} else if (c == 'l') {
			list = true;
		} else {
			return cli_bad_option("data tag", c, argv);
		}
	}
	int want = list ? 1 : 2;
	if (argc - optind != want)
		return cli_usage("data tag", "expected %s", list ? "DATASET" : del ? "DATASET NAME" : "SPEC NAME");
	mlops_store *s = cli_store(ctx);
	if (!s)
		return CLI_FAIL;
	const char *a = argv[optind], *b = list ? NULL : argv[optind + 1];
	if (!list) {
		int rc = del ? (ref ? mlops_dataset_ref_delete(s, a, b) : mlops_dataset_untag(s, a, b))
		             : (ref ? mlops_dataset_ref_set(s, a, b) : mlops_dataset_tag(s, a, b));
		return rc < 0 ? cli_fail("data tag") : CLI_OK;
	}
	mlops_dataset_ref_iter *it;
	if (mlops_dataset_refs(&it, s, a) < 0)
		return cli_fail("data tag");
	cli_json j;
	if (ctx->json) {
		cli_json_init(&j, stdout);
		cli_json_begin_array(&j);
	}
	const mlops_dataset_ref *r;
	int rc;
	while ((rc = mlops_dataset_refs_next(&r, it)) == 0) {
		if (ctx->json) {
			cli_json_begin_object(&j);
			cli_json_key(&j, "name");
			cli_json_string(&j, r->name);
			cli_json_key(&j, "kind");
			cli_json_string(&j, r->is_tag ? "tag" : "ref");
			cli_json_key(&j, "version_id");
			cli_json_string(&j, r->version_id);
			cli_json_key(&j, "seq");
			cli_json_int(&j, r->seq);
			cli_json_end_object(&j);
		} else {
			printf("%-20s %s  v%lld %s\n", r->name, r->is_tag ? "tag" : "ref", (long long)r->seq, r->version_id);
		}
	}
	mlops_dataset_ref_iter_free(it);
	if (ctx->json) {
		cli_json_end_array(&j);
		cli_json_end(&j);
	}
	return rc == MLOPS_ITEROVER ? CLI_OK : cli_fail("data tag");
}

/* ---- cat ---- */

static const char cat_usage[] =
	"Usage: mlops data cat [--offset N] [--length N] SPEC [PATH]\n\n"
	"Write a file of a version to standard output without checking it out (PATH may be omitted for a\n"
	"one-file version).\n";

int cli_data_cat(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"offset", required_argument, NULL, OPT_OFFSET}, {"length", required_argument, NULL, OPT_LENGTH},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	int64_t offset = 0, length = -1;
	int c;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(cat_usage, stdout);
			return CLI_OK;
		} else if (c == OPT_OFFSET) {
			if (!cli_parse_int64(&offset, optarg) || offset < 0)
				return cli_usage("data cat", "--offset needs a byte offset, got '%s'", optarg);
		} else if (c == OPT_LENGTH) {
			if (!cli_parse_int64(&length, optarg) || length < 0)
				return cli_usage("data cat", "--length needs a byte count, got '%s'", optarg);
		} else {
			return cli_bad_option("data cat", c, argv);
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage("data cat", "expected SPEC [PATH]");
	mlops_store *s = cli_store(ctx);
	if (!s)
		return CLI_FAIL;
	mlops_dataset_reader *r;
	if (mlops_dataset_file_open(&r, s, argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL) < 0)
		return cli_fail("data cat");
	int rc = CLI_OK;
	char *buf = malloc(IO_BUF);
	if (!buf) {
		mlops_dataset_reader_free(r);
		fprintf(stderr, "mlops: data cat: out of memory\n");
		return CLI_FAIL;
	}
	if (mlops_dataset_file_seek(r, (uint64_t)offset) < 0) {
		rc = cli_fail("data cat");
	} else {
		uint64_t left = length < 0 ? UINT64_MAX : (uint64_t)length;
		while (left) {
			size_t got;
			if (mlops_dataset_file_read(&got, r, buf, left < IO_BUF ? (size_t)left : IO_BUF) < 0) {
				rc = cli_fail("data cat");
				break;
			}
			if (got == 0)
				break;
			if (fwrite(buf, 1, got, stdout) != got) {
				fprintf(stderr, "mlops: data cat: cannot write to standard output\n");
				rc = CLI_FAIL;
				break;
			}
			left -= got;
		}
	}
	free(buf);
	mlops_dataset_reader_free(r);
	return rc;
}

/* ---- push, pull ---- */

static const char push_usage[] =
	"Usage: mlops data push [--json] SPEC STORE\n\n"
	"Copy version SPEC of this store into the store STORE (a directory, created when missing): only the\n"
	"objects STORE lacks travel; an interrupted push is resumed by running it again.\n";

static const char pull_usage[] =
	"Usage: mlops data pull [--json] SPEC STORE\n\n"
	"Copy version SPEC of the store STORE into this store: only the objects this store lacks travel.\n";

static int transfer(cli_ctx *ctx, bool push, int argc, char **argv)
{
	const char *cmd = push ? "data push" : "data pull";
	int rc = cli_data_simple_args(ctx, cmd, push ? push_usage : pull_usage, 2, 2, argc, argv);
	if (rc >= 0)
		return rc;
	mlops_store *s = cli_store(ctx);
	if (!s)
		return CLI_FAIL;
	mlops_store *other;
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	if (!push)
		o.flags = MLOPS_STORE_MUST_EXIST;
	if (mlops_store_open(&other, argv[optind + 1], &o) < 0)
		return cli_fail(cmd);
	mlops_dataset_transfer_stats st = MLOPS_DATASET_TRANSFER_STATS_INIT;
	rc = push ? mlops_dataset_push(&st, s, other, argv[optind]) : mlops_dataset_pull(&st, s, other, argv[optind]);
	mlops_store_free(other);
	if (rc < 0)
		return cli_fail(cmd);
	if (ctx->json) {
		cli_json j;
		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "version_id");
		cli_json_string(&j, st.version_id);
		cli_json_key(&j, "created");
		cli_json_bool(&j, st.created);
		cli_json_key(&j, "seq");
		cli_json_int(&j, st.seq);
		cli_json_key(&j, "objects");
		cli_json_uint(&j, st.objects);
		cli_json_key(&j, "blobs_copied");
		cli_json_uint(&j, st.blobs_copied);
		cli_json_key(&j, "bytes_copied");
		cli_json_uint(&j, st.bytes_copied);
		cli_json_key(&j, "blobs_present");
		cli_json_uint(&j, st.blobs_present);
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else {
		printf("%s %s (v%lld there): %llu blobs copied (%llu bytes), %llu already present\n",
		       st.created ? "copied" : "already had", st.version_id, (long long)st.seq,
		       (unsigned long long)st.blobs_copied, (unsigned long long)st.bytes_copied,
		       (unsigned long long)st.blobs_present);
	}
	return CLI_OK;
}

int cli_data_push(cli_ctx *ctx, int argc, char **argv)
{
	return transfer(ctx, true, argc, argv);
}

int cli_data_pull(cli_ctx *ctx, int argc, char **argv)
{
	return transfer(ctx, false, argc, argv);
}

/* ---- delete ---- */

static const char delete_usage[] =
	"Usage: mlops data delete NAME\n\n"
	"Delete dataset NAME with all its versions, tags and refs. Its objects become garbage for 'mlops data gc'\n"
	"unless something else references them.\n";

int cli_data_delete(cli_ctx *ctx, int argc, char **argv)
{
	int rc = cli_data_simple_args(ctx, "data delete", delete_usage, 1, 1, argc, argv);
	if (rc >= 0)
		return rc;
	mlops_store *s = cli_store(ctx);
	if (!s)
		return CLI_FAIL;
	return mlops_dataset_delete(s, argv[optind]) < 0 ? cli_fail("data delete") : CLI_OK;
}

/* ---- gc ---- */

static const char gc_usage[] =
	"Usage: mlops data gc [--dry-run] [--grace SECONDS] [--json]\n\n"
	"Remove objects that no dataset version, run, model or pin references (the store's gc).\n";

int cli_data_gc(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"dry-run", no_argument, NULL, OPT_DRY_RUN}, {"grace", required_argument, NULL, OPT_GRACE},
		{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	mlops_gc_options o = MLOPS_GC_OPTIONS_INIT;
	int c;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:jh", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(gc_usage, stdout);
			return CLI_OK;
		} else if (c == 'j') {
			ctx->json = true;
		} else if (c == OPT_DRY_RUN) {
			o.dry_run = 1;
		} else if (c == OPT_GRACE) {
			if (!cli_parse_int64(&o.grace_seconds, optarg) || o.grace_seconds < 0)
				return cli_usage("data gc", "--grace needs seconds, got '%s'", optarg);
		} else {
			return cli_bad_option("data gc", c, argv);
		}
	}
	if (argc != optind)
		return cli_usage("data gc", "unexpected argument '%s'", argv[optind]);
	mlops_store *s = cli_store(ctx);
	if (!s)
		return CLI_FAIL;
	mlops_gc_stats st = MLOPS_GC_STATS_INIT;
	if (mlops_store_gc(&st, s, &o) < 0)
		return cli_fail("data gc");
	if (ctx->json) {
		cli_json j;
		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "objects_kept");
		cli_json_uint(&j, st.objects_kept);
		cli_json_key(&j, "objects_removed");
		cli_json_uint(&j, st.objects_removed);
		cli_json_key(&j, "bytes_removed");
		cli_json_uint(&j, st.bytes_removed);
		cli_json_key(&j, "objects_young");
		cli_json_uint(&j, st.objects_young);
		cli_json_key(&j, "dry_run");
		cli_json_bool(&j, o.dry_run);
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else {
		printf("%s%llu objects removed (%llu bytes), %llu kept, %llu young kept\n", o.dry_run ? "would be: " : "",
		       (unsigned long long)st.objects_removed, (unsigned long long)st.bytes_removed,
		       (unsigned long long)st.objects_kept, (unsigned long long)st.objects_young);
	}
	return CLI_OK;
}

