/* Unit tests of dataset versions: commit, resolve, log, tags and refs, files, checkout, status, streams, diff.
 * Deduplication, push/pull, gc, deletion and bad inputs are in test_datasets_transfer.c. */
#include "datasets_helpers.h"

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

/* ---- checkout round trips ---- */

static void assert_mode(const char *root, const char *rel, mode_t want)
{
	char *p = pj(root, rel);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, want);
	free(p);
}

static void test_checkout_round_trip(void **state)
{
	fx *f = *state;
	put(f->work, "top.txt", "top\n");
	put(f->work, "a/b/c/deep.txt", "deep\n");
	put(f->work, "a/empty", "");
	put(f->work, "exec.sh", "#!/bin/sh\necho hi\n");
	char *p = pj(f->work, "exec.sh");
	assert_int_equal(chmod(p, 0750), 0);
	free(p);
	p = pj(f->work, "link");
	assert_int_equal(symlink("top.txt", p), 0);
	free(p);
	/* A large file of 3 MiB, chunked by the object store. */
	size_t big_n = 3u << 20;
	char *big = th_xmalloc(big_n);
	th_fill_random(big, big_n, 7);
	p = pj(f->work, "a/big.bin");
	th_write_file(p, big, big_n);
	free(p);
	char v1[33];
	th_ok(mlops_dataset_commit(v1, NULL, f->store, "tree", f->work, NULL));

	char *out = pj(f->tmp, "out");
	mlops_dataset_checkout_stats cs = MLOPS_DATASET_CHECKOUT_STATS_INIT;
	th_ok(mlops_dataset_checkout(&cs, f->store, "tree@v1", out, NULL));
	assert_int_equal(cs.files_written, 6);
	assert_int_equal(cs.files_unchanged, 0);
	assert_file(out, "top.txt", "top\n");
	assert_file(out, "a/b/c/deep.txt", "deep\n");
	assert_file(out, "a/empty", "");
	assert_file(out, "exec.sh", "#!/bin/sh\necho hi\n");
	assert_mode(out, "exec.sh", 0750);
	char target[64];
	p = pj(out, "link");
	ssize_t tn = readlink(p, target, sizeof(target));
	free(p);
	assert_int_equal(tn, 7);
	assert_memory_equal(target, "top.txt", 7);
	size_t got_n;
	char *got = slurp(out, "a/big.bin", &got_n);
	assert_int_equal(got_n, big_n);
	assert_memory_equal(got, big, big_n);
	free(got);

	/* Status of the fresh checkout: everything unchanged. */
	mlops_dataset_status_counts sc = MLOPS_DATASET_STATUS_COUNTS_INIT;
	th_ok(mlops_dataset_status(NULL, &sc, f->store, out, NULL, NULL));
	assert_string_equal(sc.version_id, v1);
	assert_int_equal(sc.unchanged, 6);
	assert_int_equal(sc.added + sc.deleted + sc.modified, 0);

	/* Checking out the same version again writes nothing. */
	cs = (mlops_dataset_checkout_stats)MLOPS_DATASET_CHECKOUT_STATS_INIT;
	th_ok(mlops_dataset_checkout(&cs, f->store, "tree@v1", out, NULL));
	assert_int_equal(cs.files_written, 0);
	assert_int_equal(cs.files_unchanged, 6);

	/* v2: one file changed, one removed, one added; checkout moves the directory from v1 to v2. */
	put(f->work, "top.txt", "top v2\n");
	p = pj(f->work, "a/b/c/deep.txt");
	unlink(p);
	free(p);
	put(f->work, "new/file.txt", "new\n");
	char v2[33];
	th_ok(mlops_dataset_commit(v2, NULL, f->store, "tree", f->work, NULL));
	cs = (mlops_dataset_checkout_stats)MLOPS_DATASET_CHECKOUT_STATS_INIT;
	th_ok(mlops_dataset_checkout(&cs, f->store, "tree@v2", out, NULL));
	assert_int_equal(cs.files_written, 2);
	assert_int_equal(cs.files_removed, 1);
	assert_file(out, "top.txt", "top v2\n");
	assert_file(out, "new/file.txt", "new\n");
	p = pj(out, "a/b");
	struct stat st;
	assert_int_not_equal(lstat(p, &st), 0); /* emptied directories are removed */
	free(p);
	/* And back. */
	th_ok(mlops_dataset_checkout(NULL, f->store, "tree@v1", out, NULL));
	assert_file(out, "a/b/c/deep.txt", "deep\n");
	p = pj(out, "new");
	assert_int_not_equal(lstat(p, &st), 0);
	free(p);
	free(out);
	free(big);
}

static void test_checkout_local_modifications(void **state)
{
	fx *f = *state;
	put(f->work, "keep.txt", "v1\n");
	put(f->work, "gone.txt", "only in v1\n");
	char v1[33], v2[33];
	th_ok(mlops_dataset_commit(v1, NULL, f->store, "m", f->work, NULL));
	put(f->work, "keep.txt", "v2\n");
	char *p = pj(f->work, "gone.txt");
	unlink(p);
	free(p);
	th_ok(mlops_dataset_commit(v2, NULL, f->store, "m", f->work, NULL));

	char *out = pj(f->tmp, "co");
	th_ok(mlops_dataset_checkout(NULL, f->store, "m@v1", out, NULL));
	put(out, "keep.txt", "local edit\n");
	put(out, "untracked.txt", "mine\n");
	/* Refused, nothing changed. */
	th_assert_rc(mlops_dataset_checkout(NULL, f->store, "m@v2", out, NULL), MLOPS_ECONFLICT);
	assert_non_null(strstr(mlops_error_last()->message, "keep.txt"));
	assert_file(out, "keep.txt", "local edit\n");
	assert_file(out, "gone.txt", "only in v1\n");
	char id[33];
	mlops_dataset_status_counts sc = MLOPS_DATASET_STATUS_COUNTS_INIT;
	mlops_dataset_status_iter *si;
	th_ok(mlops_dataset_status(&si, &sc, f->store, out, NULL, NULL));
	assert_string_equal(sc.version_id, v1); /* the head did not move */
	assert_int_equal(sc.modified, 1);
	assert_int_equal(sc.added, 1);
	const mlops_dataset_status_entry *se;
	th_ok(mlops_dataset_status_next(&se, si));
	assert_string_equal(se->path, "keep.txt");
	assert_int_equal(se->change, MLOPS_DATASET_MODIFIED);
	th_ok(mlops_dataset_status_next(&se, si));
	assert_string_equal(se->path, "untracked.txt");
	assert_int_equal(se->change, MLOPS_DATASET_ADDED);
	th_assert_rc(mlops_dataset_status_next(&se, si), MLOPS_ITEROVER);
	mlops_dataset_status_iter_free(si);

	/* A modified file the new version drops is kept, not removed. */
	put(out, "keep.txt", "v1\n");
	put(out, "gone.txt", "edited, gone in v2\n");
	mlops_dataset_checkout_stats cs = MLOPS_DATASET_CHECKOUT_STATS_INIT;
	th_ok(mlops_dataset_checkout(&cs, f->store, "m@v2", out, NULL));
	assert_int_equal(cs.files_kept, 1);
	assert_int_equal(cs.files_removed, 0);
	assert_file(out, "gone.txt", "edited, gone in v2\n");
	assert_file(out, "keep.txt", "v2\n");
	assert_file(out, "untracked.txt", "mine\n");

	/* Forced: local edits are overwritten. */
	put(out, "keep.txt", "edited again\n");
	th_assert_rc(mlops_dataset_checkout(NULL, f->store, "m@v1", out, NULL), MLOPS_ECONFLICT);
	mlops_dataset_checkout_options co = MLOPS_DATASET_CHECKOUT_OPTIONS_INIT;
	co.flags = MLOPS_DATASET_CHECKOUT_FORCE;
	th_ok(mlops_dataset_checkout(NULL, f->store, "m@v1", out, &co));
	assert_file(out, "keep.txt", "v1\n");
	th_ok(mlops_dataset_resolve(id, f->store, "m@v1"));
	sc = (mlops_dataset_status_counts)MLOPS_DATASET_STATUS_COUNTS_INIT;
	th_ok(mlops_dataset_status(NULL, &sc, f->store, out, NULL, NULL));
	assert_string_equal(sc.version_id, id);
	assert_int_equal(sc.modified, 0);

	/* A fresh directory with a different file where the version has one: a conflict too. */
	char *out2 = pj(f->tmp, "co2");
	mkdir(out2, 0755);
	put(out2, "keep.txt", "something else\n");
	th_assert_rc(mlops_dataset_checkout(NULL, f->store, "m@v1", out2, NULL), MLOPS_ECONFLICT);
	/* A symbolic link where the version needs a directory is never followed. */
	char *out3 = pj(f->tmp, "co3");
	mkdir(out3, 0755);
	put(f->work, "sub/x.txt", "x\n");
	th_ok(mlops_dataset_commit(NULL, NULL, f->store, "m", f->work, NULL));
	p = pj(out3, "sub");
	assert_int_equal(symlink(f->tmp, p), 0);
	free(p);
	th_assert_rc(mlops_dataset_checkout(NULL, f->store, "m", out3, NULL), MLOPS_ECONFLICT);
	p = pj(f->tmp, "x.txt");
	struct stat st;
	assert_int_not_equal(lstat(p, &st), 0);
	free(p);
	free(out);
	free(out2);
	free(out3);
}

/* ---- status and the stat cache ---- */

static void test_status_and_racy_cache(void **state)
{
	fx *f = *state;
	for (int i = 0; i < 20; i++) {
		char name[32], text[32];
		snprintf(name, sizeof(name), "d%d/f%02d.txt", i % 3, i);
		snprintf(text, sizeof(text), "content %d\n", i);
		put(f->work, name, text);
		age(f->work, name, 30);
	}
	char v1[33];
	th_ok(mlops_dataset_commit(v1, NULL, f->store, "s", f->work, NULL));
	mlops_dataset_status_counts sc = MLOPS_DATASET_STATUS_COUNTS_INIT;
	th_ok(mlops_dataset_status(NULL, &sc, f->store, f->work, NULL, NULL));
	assert_int_equal(sc.unchanged, 20);
	assert_int_equal(sc.files_read, 0); /* all from the stat cache */

	/* Racy entry: same size, same mtime, same inode... but different content. Forge the cache row so that the
	 * stat matches exactly and the entry was recorded within the racy window of the mtime. */
	put(f->work, "d0/f00.txt", "CONTENT 0\n");
	char *p = pj(f->work, "d0/f00.txt");
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	free(p);
	int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	int64_t ct = (int64_t)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
	char sql[1024];
	snprintf(sql, sizeof(sql),
	         "UPDATE datasets_statcache SET mtime_ns = %lld, ctime_ns = %lld, ino = %llu, cached_ns = %lld "
	         "WHERE path = 'd0/f00.txt'", (long long)mt, (long long)ct, (unsigned long long)st.st_ino,
	         (long long)(mt + 500000000LL));
	th_ok(mlops__db_exec(mlops_store__db(f->store), sql));
	sc = (mlops_dataset_status_counts)MLOPS_DATASET_STATUS_COUNTS_INIT;
	th_ok(mlops_dataset_status(NULL, &sc, f->store, f->work, NULL, NULL));
	assert_int_equal(sc.modified, 1); /* racy: re-read, found modified */
	assert_int_equal(sc.files_read, 1);

	/* The same forged row recorded long after the mtime is trusted: the cache is really used (the content
	 * differs but the stat says unchanged, which is exactly what a stat cache assumes). */
	snprintf(sql, sizeof(sql),
	         "UPDATE datasets_statcache SET mtime_ns = %lld, ctime_ns = %lld, ino = %llu, cached_ns = %lld, "
	         "oid = (SELECT oid FROM datasets_statcache WHERE path = 'd1/f01.txt') WHERE path = 'd0/f00.txt'",
	         (long long)mt, (long long)ct, (unsigned long long)st.st_ino, (long long)(mt + 10000000000LL));
	th_ok(mlops__db_exec(mlops_store__db(f->store), sql));
	mlops_dataset_status_options so = MLOPS_DATASET_STATUS_OPTIONS_INIT;
	so.flags = MLOPS_DATASET_STATUS_NO_UPDATE;
	sc = (mlops_dataset_status_counts)MLOPS_DATASET_STATUS_COUNTS_INIT;
	th_ok(mlops_dataset_status(NULL, &sc, f->store, f->work, NULL, &so));
	assert_int_equal(sc.files_read, 0);
	assert_int_equal(sc.modified, 1); /* trusted row says another content than v1's */
	so.flags = MLOPS_DATASET_STATUS_NO_CACHE;
	sc = (mlops_dataset_status_counts)MLOPS_DATASET_STATUS_COUNTS_INIT;
	th_ok(mlops_dataset_status(NULL, &sc, f->store, f->work, NULL, &so));
	assert_int_equal(sc.files_read, 20);
	assert_int_equal(sc.modified, 1);
	assert_int_equal(sc.unchanged, 19);

	/* Deleted, added, size change, mode change. */
	p = pj(f->work, "d1/f01.txt");
	unlink(p);
	free(p);
	put(f->work, "d2/f02.txt", "longer content now\n");
	put(f->work, "zz.txt", "added\n");
	p = pj(f->work, "d2/f05.txt");
	assert_int_equal(chmod(p, 0600), 0);
	free(p);
	mlops_dataset_status_iter *si;
	sc = (mlops_dataset_status_counts)MLOPS_DATASET_STATUS_COUNTS_INIT;
	th_ok(mlops_dataset_status(&si, &sc, f->store, f->work, "s@v1", NULL));
	assert_int_equal(sc.deleted, 1);
	assert_int_equal(sc.added, 1);
	assert_int_equal(sc.modified, 3);
	assert_int_equal(sc.unchanged, 16);
	const mlops_dataset_status_entry *se;
	int n = 0;
	while (mlops_dataset_status_next(&se, si) == 0) {
		n++;
		if (strcmp(se->path, "d1/f01.txt") == 0) {
			assert_int_equal(se->change, MLOPS_DATASET_DELETED);
			assert_null(se->local_object_id);
			assert_non_null(se->version_object_id);
		}
		if (strcmp(se->path, "zz.txt") == 0)
			assert_int_equal(se->change, MLOPS_DATASET_ADDED);
	}
	assert_int_equal(n, 5);
	mlops_dataset_status_iter_free(si);
	/* Status of a single file against a one-file version. */
	char *single = pj(f->tmp, "one.csv");
	th_write_file(single, "a,b\n1,2\n", 8);
	th_ok(mlops_dataset_commit(NULL, NULL, f->store, "one", single, NULL));
	sc = (mlops_dataset_status_counts)MLOPS_DATASET_STATUS_COUNTS_INIT;
	th_ok(mlops_dataset_status(NULL, &sc, f->store, single, "one", NULL));
	assert_int_equal(sc.unchanged, 1);
	th_write_file(single, "a,b\n1,3\n", 8);
	sc = (mlops_dataset_status_counts)MLOPS_DATASET_STATUS_COUNTS_INIT;
	th_ok(mlops_dataset_status(NULL, &sc, f->store, single, "one", NULL));
	assert_int_equal(sc.modified, 1);
	th_assert_rc(mlops_dataset_status(NULL, NULL, f->store, single, NULL, NULL), MLOPS_ENOTFOUND);
	free(single);
}

/* ---- streams ---- */

static void test_stream_seek(void **state)
{
	fx *f = *state;
	size_t n = (5u << 20) + 123;
	char *data = th_xmalloc(n);
	th_fill_text(data, n, 3);
	char *p = pj(f->work, "big.txt");
	th_write_file(p, data, n);
	free(p);
	put(f->work, "small.txt", "hello");
	th_ok(mlops_dataset_commit(NULL, NULL, f->store, "st", f->work, NULL));
	mlops_dataset_reader *r;
	th_ok(mlops_dataset_file_open(&r, f->store, "st", "big.txt"));
	assert_int_equal(mlops_dataset_file_size(r), n);
	char *back = th_xmalloc(n);
	size_t off = 0, got;
	while ((th_ok(mlops_dataset_file_read(&got, r, back + off, 65537)), got))
		off += got;
	assert_int_equal(off, n);
	assert_memory_equal(back, data, n);
	uint64_t offs[] = {n - 10, 0, 3u << 20, 65536, 1};
	for (int i = 0; i < 5; i++) {
		char buf[100];
		th_ok(mlops_dataset_file_seek(r, offs[i]));
		th_ok(mlops_dataset_file_read(&got, r, buf, sizeof(buf)));
		size_t want = n - offs[i] < sizeof(buf) ? n - offs[i] : sizeof(buf);
		assert_int_equal(got, want);
		assert_memory_equal(buf, data + offs[i], want);
	}
	th_ok(mlops_dataset_file_seek(r, n));
	th_ok(mlops_dataset_file_read(&got, r, back, 10));
	assert_int_equal(got, 0);
	th_assert_rc(mlops_dataset_file_seek(r, n + 1), MLOPS_EINVAL);
	mlops_dataset_reader_free(r);
	th_ok(mlops_dataset_file_open(&r, f->store, "st@v1", "small.txt"));
	th_ok(mlops_dataset_file_read(&got, r, back, 100));
	assert_int_equal(got, 5);
	assert_memory_equal(back, "hello", 5);
	mlops_dataset_reader_free(r);
	th_assert_rc(mlops_dataset_file_open(&r, f->store, "st", "nope.txt"), MLOPS_ENOTFOUND);
	th_assert_rc(mlops_dataset_file_open(&r, f->store, "st", NULL), MLOPS_EINVAL);
	free(back);
	free(data);
}

/* ---- diff, tabular profiles ---- */

static void test_diff_tabular(void **state)
{
	fx *f = *state;
	put(f->work, "t.csv", "id,name,score\n1,a,0.5\n2,b,0.25\n");
	put(f->work, "notes.txt", "n1\n");
	put(f->work, "old.txt", "bye\n");
	th_ok(mlops_dataset_commit(NULL, NULL, f->store, "tab", f->work, NULL));
	put(f->work, "t.csv", "id,name,score,flag\n1,a,x,true\n2,b,y,false\n3,c,z,true\n");
	put(f->work, "notes.txt", "n2\n");
	char *p = pj(f->work, "old.txt");
	unlink(p);
	free(p);
	put(f->work, "bad.csv", "a,b\n1,\"unterminated\n");
	put(f->work, "added.jsonl", "{\"k\":1}\n{\"k\":2}\n");
	mlops_dataset_commit_stats cst = MLOPS_DATASET_COMMIT_STATS_INIT;
	th_ok(mlops_dataset_commit(NULL, &cst, f->store, "tab", f->work, NULL));
	assert_int_equal(cst.files_profiled, 3);

	mlops_dataset_diff *d;
	th_ok(mlops_dataset_diff_new(&d, f->store, "tab@v1", "tab@v2"));
	const mlops_dataset_diff_entry *e;
	int seen = 0;
	while (mlops_dataset_diff_next(&e, d) == 0) {
		seen++;
		if (strcmp(e->path, "t.csv") == 0) {
			assert_int_equal(e->change, MLOPS_DATASET_MODIFIED);
			assert_int_equal(e->old_rows, 2);
			assert_int_equal(e->new_rows, 3);
			assert_non_null(e->schema_change);
			assert_non_null(strstr(e->schema_change, "\"added\":[{\"name\":\"flag\",\"type\":\"bool\"}]"));
			assert_non_null(strstr(e->schema_change, "\"type_changed\":[{\"name\":\"score\",\"from\":\"float\","
			                                        "\"to\":\"string\"}]"));
			assert_non_null(strstr(e->schema_change, "\"removed\":[]"));
		} else if (strcmp(e->path, "notes.txt") == 0) {
			assert_int_equal(e->change, MLOPS_DATASET_MODIFIED);
			assert_int_equal(e->old_size, 3);
			assert_int_equal(e->new_size, 3);
			assert_int_equal(e->old_rows, -1);
			assert_null(e->schema_change);
		} else if (strcmp(e->path, "old.txt") == 0) {
			assert_int_equal(e->change, MLOPS_DATASET_DELETED);
			assert_null(e->new_id);
			assert_non_null(e->old_id);
		} else if (strcmp(e->path, "added.jsonl") == 0) {
			assert_int_equal(e->change, MLOPS_DATASET_ADDED);
			assert_int_equal(e->new_rows, 2);
		} else if (strcmp(e->path, "bad.csv") == 0) {
			assert_int_equal(e->change, MLOPS_DATASET_ADDED);
			assert_int_equal(e->new_rows, -1);
		} else {
			fail_msg("unexpected diff entry %s", e->path);
		}
	}
	assert_int_equal(seen, 5);
	mlops_dataset_diff_free(d);

	/* The malformed CSV is stored, with the reason it is not a table. */
	mlops_dataset_file_iter *fi;
	th_ok(mlops_dataset_files(&fi, f->store, "tab"));
	const mlops_dataset_file *file;
	int bad = 0;
	while (mlops_dataset_files_next(&file, fi) == 0) {
		if (strcmp(file->path, "bad.csv") == 0) {
			bad = 1;
			assert_string_equal(file->format, "csv");
			assert_int_equal(file->rows, -1);
			assert_non_null(file->profile_error);
			assert_non_null(strstr(file->profile_error, "line"));
		}
		if (strcmp(file->path, "t.csv") == 0)
			assert_int_equal(file->rows, 3);
	}
	assert_int_equal(bad, 1);
	mlops_dataset_file_iter_free(fi);

	/* Same version on both sides: no entries. */
	th_ok(mlops_dataset_diff_new(&d, f->store, "tab@v2", "tab"));
	th_assert_rc(mlops_dataset_diff_next(&e, d), MLOPS_ITEROVER);
	mlops_dataset_diff_free(d);
	th_assert_rc(mlops_dataset_diff_new(&d, f->store, "tab@v1", "tab@v9"), MLOPS_ENOTFOUND);
}

/* ---- storing files: whole-file puts and streamed large files ---- */

typedef struct chunk_ids {
	mlops_oid ids[256];
	size_t n;
} chunk_ids;

static int collect_chunk(const mlops_oid *chunk, void *payload)
{
	chunk_ids *c = payload;
	if (c->n == sizeof(c->ids) / sizeof(c->ids[0]))
		return MLOPS_ERROR;
	c->ids[c->n++] = *chunk;
	return 0;
}

/* Files read whole, files streamed (larger than the read buffer), and files whose size changed since the walk are
 * stored as the same objects, with the same chunks, as a one-shot put of their bytes; sizes read are reported. */
static void test_store_files_paths(void **state)
{
	fx *f = *state;
	/* 0 bytes, small, chunked, a few MiB, exactly 8 MiB (the read buffer's limit), more (streamed). With one
	 * thread, files over 1 MiB are streamed; with two, files up to 8 MiB are read whole. */
	static const size_t sizes[] = {0, 100, 300u * 1024u, 3u << 20, 8u << 20, (8u << 20) + 70001u};
	/* What the walk saw: right, or stale (the file grew or shrank before it was read). */
	static const uint64_t seen[] = {0, 5000, 1000, 3u << 20, 8u << 20, 10};
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	size_t total = 0;
	for (size_t i = 0; i < N; i++)
		total += sizes[i];
	char *data = th_xmalloc(total);
	th_fill_random(data, total, 77);
	/* Some compressible runs, so that both stored codecs occur. */
	th_fill_text(data + sizes[2], 128u * 1024u, 3);
	ds_file files[N];
	size_t idx[N];
	memset(files, 0, sizeof(files));
	for (int threads = 1; threads <= 2; threads++) {
		size_t off = 0;
		for (size_t i = 0; i < N; i++) {
			char name[32];
			snprintf(name, sizeof(name), "f%zu.bin", i);
			char *p = pj(f->work, name);
			th_write_file(p, data + off, sizes[i]);
			free(p);
			free(files[i].path);
			files[i] = (ds_file){.path = strdup(name), .size = seen[i], .mode = S_IFREG | 0644, .mtime_ns = 7};
			assert_non_null(files[i].path);
			idx[i] = N - 1 - i; /* order does not matter */
			off += sizes[i];
		}
		uint64_t bytes = 0;
		th_ok(mlops_datasets__store_files(f->store, f->work, false, files, idx, N, threads, &bytes));
		assert_int_equal(bytes, total);
		mlops_backend *mem;
		th_ok(mlops_backend_new(&mem, "memory", NULL, MLOPS_SYNC_NORMAL));
		mlops_odb *ref;
		th_ok(mlops__odb_open(&ref, mem, 3, MLOPS_SYNC_NORMAL));
		off = 0;
		for (size_t i = 0; i < N; i++) {
			const ds_file *e = &files[i];
			assert_int_equal(e->state, DS_FILE_READ);
			assert_int_equal(e->size, sizes[i]);
			/* A size that changed since the walk must never let the stat cache vouch for the file. */
			assert_int_equal(e->mtime_ns, seen[i] == sizes[i] ? 7 : -1);
			mlops_oid want;
			th_ok(mlops__odb_put(&want, ref, data + off, sizes[i]));
			assert_memory_equal(e->oid.bytes, want.bytes, 16);
			void *back;
			size_t n;
			th_ok(mlops__odb_get(&back, &n, mlops_store__odb(f->store), &e->oid));
			assert_int_equal(n, sizes[i]);
			assert_true(n == 0 || memcmp(back, data + off, n) == 0);
			free(back);
			chunk_ids got = {.n = 0}, exp = {.n = 0};
			th_ok(mlops__odb_refs(mlops_store__odb(f->store), &e->oid, collect_chunk, &got));
			th_ok(mlops__odb_refs(ref, &want, collect_chunk, &exp));
			assert_int_equal(got.n, exp.n);
			assert_true(got.n == 0 || memcmp(got.ids, exp.ids, got.n * sizeof(mlops_oid)) == 0);
			if (sizes[i] > 1u << 20)
				assert_true(got.n > 8);
			off += sizes[i];
		}
		mlops__odb_free(ref);
	}
	for (size_t i = 0; i < N; i++)
		free(files[i].path);
	free(data);
}

/* Options initializers accept their own version only and start from the defaults; change names are stable. */
static void test_options_init_and_names(void **state)
{
	(void)state;
	mlops_dataset_commit_options co;
	memset(&co, 0xab, sizeof(co));
	th_ok(mlops_dataset_commit_options_init(&co, MLOPS_DATASET_COMMIT_OPTIONS_VERSION));
	assert_int_equal(co.version, MLOPS_DATASET_COMMIT_OPTIONS_VERSION);
	assert_null(co.ignore);
	assert_int_equal(co.threads, 0);
	th_assert_rc(mlops_dataset_commit_options_init(&co, MLOPS_DATASET_COMMIT_OPTIONS_VERSION + 1), MLOPS_EVERSION);
	mlops_dataset_checkout_options ko;
	memset(&ko, 0xab, sizeof(ko));
	th_ok(mlops_dataset_checkout_options_init(&ko, MLOPS_DATASET_CHECKOUT_OPTIONS_VERSION));
	assert_int_equal(ko.version, MLOPS_DATASET_CHECKOUT_OPTIONS_VERSION);
	th_assert_rc(mlops_dataset_checkout_options_init(&ko, 0), MLOPS_EVERSION);
	mlops_dataset_status_options so;
	memset(&so, 0xab, sizeof(so));
	th_ok(mlops_dataset_status_options_init(&so, MLOPS_DATASET_STATUS_OPTIONS_VERSION));
	assert_int_equal(so.version, MLOPS_DATASET_STATUS_OPTIONS_VERSION);
	assert_null(so.ignore);
	th_assert_rc(mlops_dataset_status_options_init(&so, 99), MLOPS_EVERSION);
	assert_string_equal(mlops_dataset_change_name(MLOPS_DATASET_ADDED), "added");
	assert_string_equal(mlops_dataset_change_name(MLOPS_DATASET_DELETED), "deleted");
	assert_string_equal(mlops_dataset_change_name(MLOPS_DATASET_MODIFIED), "modified");
	assert_string_equal(mlops_dataset_change_name(MLOPS_DATASET_UNCHANGED), "unchanged");
	assert_string_equal(mlops_dataset_change_name(0), "unknown");
	assert_string_equal(mlops_dataset_change_name(-7), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_init_and_names),
		cmocka_unit_test_setup_teardown(test_commit_resolve_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tags_refs_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkout_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkout_local_modifications, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_and_racy_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_seek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_tabular, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_files_paths, setup, teardown),
	};
	return cmocka_run_group_tests_name("datasets", tests, NULL, NULL);
}
