/* Unit tests of dataset versions: commit, resolve, log, tags and refs, files, diff, checkout, status, streams,
 * push/pull, gc, and bad inputs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "datasets/ds_int.h"

typedef struct fx {
	char *tmp;
	char *store_dir;
	char *work;
	mlops_store *store;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	f->tmp = th_tmpdir("ds");
	f->store_dir = malloc(strlen(f->tmp) + 16);
	sprintf(f->store_dir, "%s/store", f->tmp);
	f->work = malloc(strlen(f->tmp) + 16);
	sprintf(f->work, "%s/work", f->tmp);
	assert_int_equal(mkdir(f->work, 0755), 0);
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.actor = "tester";
	th_ok(mlops_store_open(&f->store, f->store_dir, &o));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	mlops_store_free(f->store);
	th_rmrf(f->tmp);
	free(f->tmp);
	free(f->store_dir);
	free(f->work);
	free(f);
	return 0;
}

/* ---- small file-system helpers ---- */

static char *pj(const char *a, const char *b)
{
	char *p = malloc(strlen(a) + strlen(b) + 2);
	sprintf(p, "%s/%s", a, b);
	return p;
}

static void mkdirs(const char *root, const char *rel)
{
	char *p = pj(root, rel);
	for (char *s = p + strlen(root) + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	}
	mkdir(p, 0755);
	free(p);
}

static void put(const char *root, const char *rel, const char *text)
{
	char *p = pj(root, rel);
	char *slash = strrchr(p, '/');
	*slash = '\0';
	mkdirs(root, p + strlen(root) + (strlen(p) > strlen(root) ? 1 : 0));
	*slash = '/';
	th_write_file(p, text, strlen(text));
	free(p);
}

static char *slurp(const char *root, const char *rel, size_t *out_n)
{
	char *p = pj(root, rel);
	FILE *fp = fopen(p, "rb");
	free(p);
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	if (out_n)
		*out_n = (size_t)n;
	return buf;
}

__attribute__((unused)) static void assert_file(const char *root, const char *rel, const char *text)
{
	char *got = slurp(root, rel, NULL);
	if (!got)
		fail_msg("missing file %s/%s", root, rel);
	assert_string_equal(got, text);
	free(got);
}

/* Set the file's mtime back by secs so the stat cache trusts it (racy-git window). */
static void age(const char *root, const char *rel, int secs)
{
	char *p = pj(root, rel);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	struct timespec ts[2] = {{st.st_atim.tv_sec - secs, 0}, {st.st_mtim.tv_sec - secs, st.st_mtim.tv_nsec}};
	assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
	free(p);
}

static int count_log(mlops_store *s, const char *spec)
{
	mlops_dataset_version_iter *it;
	th_ok(mlops_dataset_log(&it, s, spec, 0));
	const mlops_dataset_version_info *v;
	int n = 0, rc;
	while ((rc = mlops_dataset_log_next(&v, it)) == 0)
		n++;
	assert_int_equal(rc, MLOPS_ITEROVER);
	mlops_dataset_version_iter_free(it);
	return n;
}

/* ---- commit, resolve, log, files ---- */

static void test_commit_resolve_log(void **state)
{
	fx *f = *state;
	put(f->work, "a.txt", "alpha\n");
	put(f->work, "sub/b.txt", "beta\n");
	put(f->work, "sub/deep/c.bin", "");
	/* Files older than the racy window, so that the stat cache vouches for them afterwards. */
	age(f->work, "a.txt", 10);
	age(f->work, "sub/b.txt", 10);
	age(f->work, "sub/deep/c.bin", 10);
	mlops_dataset_commit_options o = MLOPS_DATASET_COMMIT_OPTIONS_INIT;
	o.message = "first";
	o.metadata_json = "{ \"source\" : \"unit\" }";
	mlops_dataset_commit_stats st = MLOPS_DATASET_COMMIT_STATS_INIT;
	char v1[MLOPS_DATASET_VERSION_ID_BUFSIZE], v2[MLOPS_DATASET_VERSION_ID_BUFSIZE];
	th_ok(mlops_dataset_commit(v1, &st, f->store, "images", f->work, &o));
	assert_int_equal(strlen(v1), 32);
	assert_int_equal(st.created, 1);
	assert_int_equal(st.seq, 1);
	assert_int_equal(st.files, 3);
	assert_int_equal(st.bytes, 11);
	assert_int_equal(st.files_read, 3);

	mlops_dataset_version_info *info;
	th_ok(mlops_dataset_version_get(&info, f->store, "images"));
	assert_string_equal(info->version_id, v1);
	assert_string_equal(info->dataset, "images");
	assert_string_equal(info->message, "first");
	assert_string_equal(info->metadata_json, "{\"source\":\"unit\"}");
	assert_string_equal(info->author, "tester");
	assert_int_equal(info->n_parents, 0);
	assert_int_equal(info->file_count, 3);
	assert_int_equal(info->is_file, 0);
	mlops_dataset_version_info_free(info);

	/* Unchanged tree: no new version, the parent is returned. */
	st = (mlops_dataset_commit_stats)MLOPS_DATASET_COMMIT_STATS_INIT;
	th_ok(mlops_dataset_commit(v2, &st, f->store, "images", f->work, NULL));
	assert_string_equal(v2, v1);
	assert_int_equal(st.created, 0);
	assert_int_equal(st.seq, 1);

	put(f->work, "a.txt", "alpha, changed\n");
	o.message = "second";
	o.metadata_json = NULL;
	th_ok(mlops_dataset_commit(v2, &st, f->store, "images", f->work, &o));
	assert_string_not_equal(v2, v1);
	assert_int_equal(st.created, 1);
	assert_int_equal(st.seq, 2);
	assert_int_equal(st.files_read, 1); /* the others come from the stat cache */

	char id[MLOPS_DATASET_VERSION_ID_BUFSIZE];
	th_ok(mlops_dataset_resolve(id, f->store, "images@v1"));
	assert_string_equal(id, v1);
	th_ok(mlops_dataset_resolve(id, f->store, "images@latest"));
	assert_string_equal(id, v2);
	th_ok(mlops_dataset_resolve(id, f->store, "images"));
	assert_string_equal(id, v2);
	char pfx[9];
	memcpy(pfx, v1, 8);
	pfx[8] = '\0';
	th_ok(mlops_dataset_resolve(id, f->store, pfx));
	assert_string_equal(id, v1);
	char spec[64];
	snprintf(spec, sizeof(spec), "images@%.6s", v2);
	th_ok(mlops_dataset_resolve(id, f->store, spec));
	assert_string_equal(id, v2);
	th_assert_rc(mlops_dataset_resolve(id, f->store, "images@v3"), MLOPS_ENOTFOUND);
	th_assert_rc(mlops_dataset_resolve(id, f->store, "nothere"), MLOPS_ENOTFOUND);
	th_assert_rc(mlops_dataset_resolve(id, f->store, "images@"), MLOPS_EINVAL);
	th_assert_rc(mlops_dataset_resolve(id, f->store, "../x"), MLOPS_EINVAL);
	th_assert_rc(mlops_dataset_resolve(id, f->store, "images@nosuchtag"), MLOPS_ENOTFOUND);

	th_ok(mlops_dataset_version_get(&info, f->store, "images@v2"));
	assert_int_equal(info->n_parents, 1);
	assert_string_equal(info->parents[0], v1);
	assert_string_equal(info->message, "second");
	mlops_dataset_version_info_free(info);

	assert_int_equal(count_log(f->store, "images"), 2);
	assert_int_equal(count_log(f->store, "images@v1"), 1);
	assert_int_equal(count_log(f->store, "images@v2"), 2);

	/* Files of v1, in path order, with sizes and modes. */
	mlops_dataset_file_iter *fi;
	th_ok(mlops_dataset_files(&fi, f->store, "images@v1"));
	const mlops_dataset_file *file;
	const char *want[] = {"a.txt", "sub/b.txt", "sub/deep/c.bin"};
	const uint64_t sizes[] = {6, 5, 0};
	for (int i = 0; i < 3; i++) {
		th_ok(mlops_dataset_files_next(&file, fi));
		assert_string_equal(file->path, want[i]);
		assert_int_equal(file->size, sizes[i]);
		assert_true(S_ISREG(file->mode));
		assert_int_equal(file->rows, -1);
	}
	th_assert_rc(mlops_dataset_files_next(&file, fi), MLOPS_ITEROVER);
	mlops_dataset_file_iter_free(fi);

	/* Lineage: v1 -> v2 "parent". */
	mlops_lineage_iter *li;
	th_ok(mlops_lineage_walk(&li, f->store, MLOPS_KIND_DATASET_VERSION, v1, MLOPS_LINEAGE_DOWNSTREAM, 1));
	mlops_lineage_edge e;
	th_ok(mlops_lineage_next(&e, li));
	assert_string_equal(e.to_id, v2);
	assert_string_equal(e.relation, "parent");
	mlops_lineage_iter_free(li);

	/* List of datasets. */
	mlops_dataset_iter *di;
	th_ok(mlops_dataset_list(&di, f->store));
	const mlops_dataset_info *d;
	th_ok(mlops_dataset_list_next(&d, di));
	assert_string_equal(d->name, "images");
	assert_int_equal(d->versions, 2);
	assert_string_equal(d->latest_version_id, v2);
	th_assert_rc(mlops_dataset_list_next(&d, di), MLOPS_ITEROVER);
	mlops_dataset_iter_free(di);
}

static void test_tags_refs_prefixes(void **state)
{
	fx *f = *state;
	char v1[33], v2[33], id[33];
	put(f->work, "x", "1");
	th_ok(mlops_dataset_commit(v1, NULL, f->store, "d", f->work, NULL));
	put(f->work, "x", "22");
	th_ok(mlops_dataset_commit(v2, NULL, f->store, "d", f->work, NULL));
	th_ok(mlops_dataset_tag(f->store, "d@v1", "gold"));
	th_ok(mlops_dataset_tag(f->store, "d@v1", "gold")); /* same version: no-op */
	th_assert_rc(mlops_dataset_tag(f->store, "d@v2", "gold"), MLOPS_EEXISTS);
	th_assert_rc(mlops_dataset_tag(f->store, "d@v2", "latest"), MLOPS_EINVAL);
	th_assert_rc(mlops_dataset_tag(f->store, "d@v2", "v7"), MLOPS_EINVAL);
	th_assert_rc(mlops_dataset_tag(f->store, "d@v2", "bad name"), MLOPS_EINVAL);
	th_ok(mlops_dataset_resolve(id, f->store, "d@gold"));
	assert_string_equal(id, v1);
	th_ok(mlops_dataset_ref_set(f->store, "d@v1", "prod"));
	th_ok(mlops_dataset_resolve(id, f->store, "d@prod"));
	assert_string_equal(id, v1);
	th_ok(mlops_dataset_ref_set(f->store, "d@v2", "prod")); /* refs move */
	th_ok(mlops_dataset_resolve(id, f->store, "d@prod"));
	assert_string_equal(id, v2);
	th_assert_rc(mlops_dataset_ref_set(f->store, "d@v2", "gold"), MLOPS_EEXISTS);
	th_assert_rc(mlops_dataset_tag(f->store, "d@v2", "prod"), MLOPS_EEXISTS);

	mlops_dataset_version_info *info;
	th_ok(mlops_dataset_version_get(&info, f->store, "d@gold"));
	assert_int_equal(info->n_tags, 1);
	assert_string_equal(info->tags[0], "gold");
	mlops_dataset_version_info_free(info);

	mlops_dataset_ref_iter *ri;
	th_ok(mlops_dataset_refs(&ri, f->store, "d"));
	const mlops_dataset_ref *r;
	th_ok(mlops_dataset_refs_next(&r, ri));
	assert_string_equal(r->name, "gold");
	assert_int_equal(r->is_tag, 1);
	assert_int_equal(r->seq, 1);
	th_ok(mlops_dataset_refs_next(&r, ri));
	assert_string_equal(r->name, "prod");
	assert_int_equal(r->is_tag, 0);
	assert_string_equal(r->version_id, v2);
	th_assert_rc(mlops_dataset_refs_next(&r, ri), MLOPS_ITEROVER);
	mlops_dataset_ref_iter_free(ri);

	th_ok(mlops_dataset_untag(f->store, "d", "gold"));
	th_assert_rc(mlops_dataset_untag(f->store, "d", "gold"), MLOPS_ENOTFOUND);
	th_assert_rc(mlops_dataset_untag(f->store, "d", "prod"), MLOPS_ENOTFOUND); /* a ref, not a tag */
	th_ok(mlops_dataset_ref_delete(f->store, "d", "prod"));
	th_assert_rc(mlops_dataset_resolve(id, f->store, "d@prod"), MLOPS_ENOTFOUND);

	/* Prefixes: fewer than 4 characters are not a prefix; an ambiguous one lists the candidates. A second row
	 * sharing v1's first 6 characters is planted directly in the table. */
	th_assert_rc(mlops_dataset_resolve(id, f->store, "d@abc"), MLOPS_ENOTFOUND);
	char twin[33];
	memcpy(twin, v1, 6);
	memset(twin + 6, v1[6] == '0' ? '1' : '0', 26);
	twin[32] = '\0';
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO datasets_versions (version_id, did, seq, manifest_id, is_file, file_count, total_bytes, "
	         "author, created_ms) SELECT '%s', did, 99, manifest_id, 0, 1, 1, 'x', 0 FROM datasets_versions "
	         "WHERE version_id = '%s'", twin, v1);
	th_ok(mlops__db_exec(mlops_store__db(f->store), sql));
	char p6[16];
	snprintf(p6, sizeof(p6), "d@%.6s", v1);
	th_assert_rc(mlops_dataset_resolve(id, f->store, p6), MLOPS_EINVAL);
	assert_non_null(strstr(mlops_error_last()->message, v1));
	assert_non_null(strstr(mlops_error_last()->message, twin));
	th_assert_rc(mlops_dataset_resolve(id, f->store, p6 + 2), MLOPS_EINVAL);
	snprintf(p6, sizeof(p6), "%.7s", v1);
	th_ok(mlops_dataset_resolve(id, f->store, p6));
	assert_string_equal(id, v1);
	th_ok(mlops_dataset_resolve(id, f->store, twin));
	assert_string_equal(id, twin);
	assert_int_equal(count_log(f->store, "d"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_resolve_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tags_refs_prefixes, setup, teardown),
	};
	return cmocka_run_group_tests_name("datasets", tests, NULL, NULL);
}
