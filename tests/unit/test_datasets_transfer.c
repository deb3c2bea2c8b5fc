/* Unit tests of dataset versions, second part: deduplication across versions and datasets, push/pull between
 * stores (an interrupted push resumed), gc and dataset deletion, and bad inputs. */
#include "datasets_helpers.h"

/* ---- deduplication ---- */

static uint64_t object_bytes(mlops_store *s)
{
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	th_ok(mlops_store_info_get(&info, s));
	return info.object_bytes;
}

static void test_dedup_append(void **state)
{
	fx *f = *state;
	/* 8 MiB of CSV-like random rows (poorly compressible), then 1% appended. */
	size_t n = 8u << 20;
	char *data = th_xmalloc(n + n / 100);
	th_fill_random(data, n + n / 100, 11);
	for (size_t i = 0; i < n + n / 100; i++)
		data[i] = (char)(((unsigned char)data[i] % 64 == 0) ? '\n' : 'a' + ((unsigned char)data[i] % 26));
	char *p = pj(f->work, "big.dat");
	th_write_file(p, data, n);
	th_ok(mlops_dataset_commit(NULL, NULL, f->store, "big", f->work, NULL));
	uint64_t before = object_bytes(f->store);
	th_write_file(p, data, n + n / 100);
	th_ok(mlops_dataset_commit(NULL, NULL, f->store, "big", f->work, NULL));
	uint64_t added = object_bytes(f->store) - before;
	/* The append plus at most a few chunks around the old end, compressed: well under 3% of the file. */
	assert_true(added < (n + n / 100) * 3 / 100);
	assert_true(added > 0);
	/* The same content under another dataset costs only a manifest. */
	before = object_bytes(f->store);
	th_ok(mlops_dataset_commit(NULL, NULL, f->store, "big-copy", f->work, NULL));
	assert_true(object_bytes(f->store) - before < 4096);
	free(p);
	free(data);
}

/* ---- push / pull ---- */

static mlops_store *open_faulty(const char *dir, th_fault_backend **out_fb)
{
	char loc[4096];
	snprintf(loc, sizeof(loc), "%s/objects", dir);
	mkdir(dir, 0755);
	mlops_backend *inner = NULL;
	th_ok(mlops_backend_new(&inner, "fs", loc, MLOPS_SYNC_NORMAL));
	*out_fb = th_fault_new(inner);
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.backend_instance = th_fault_base(*out_fb);
	mlops_store *s;
	th_ok(mlops_store_open(&s, dir, &o));
	return s;
}

static void test_push_pull(void **state)
{
	fx *f = *state;
	size_t n = 2u << 20;
	char *data = th_xmalloc(n);
	th_fill_random(data, n, 5);
	char *p = pj(f->work, "blob.bin");
	th_write_file(p, data, n);
	free(p);
	put(f->work, "t.csv", "a,b\n1,2\n");
	put(f->work, "x/y.txt", "why\n");
	char v1[33];
	th_ok(mlops_dataset_commit(v1, NULL, f->store, "px", f->work, NULL));
	th_ok(mlops_dataset_tag(f->store, "px", "release"));

	char *dst_dir = pj(f->tmp, "remote");
	th_fault_backend *fb;
	mlops_store *dst = open_faulty(dst_dir, &fb);
	/* Interrupted: the 5th blob write on the destination fails. Nothing is recorded there. */
	th_fault_arm(fb, TH_OP_WRITE, 5, TH_FAULT_EIO);
	mlops_dataset_transfer_stats ts = MLOPS_DATASET_TRANSFER_STATS_INIT;
	th_assert_rc(mlops_dataset_push(&ts, f->store, dst, "px@release"), MLOPS_EIO);
	assert_true(th_fault_fired(fb));
	char id[33];
	th_assert_rc(mlops_dataset_resolve(id, dst, "px"), MLOPS_ENOTFOUND);
	/* Resumed: only what is missing travels. */
	unsigned writes_before = th_fault_calls(fb, TH_OP_WRITE);
	ts = (mlops_dataset_transfer_stats)MLOPS_DATASET_TRANSFER_STATS_INIT;
	th_ok(mlops_dataset_push(&ts, f->store, dst, "px@release"));
	assert_int_equal(ts.created, 1);
	assert_int_equal(ts.seq, 1);
	assert_string_equal(ts.version_id, v1);
	assert_true(ts.blobs_present >= 4);
	assert_int_equal(th_fault_calls(fb, TH_OP_WRITE) - writes_before, ts.blobs_copied);
	th_ok(mlops_dataset_resolve(id, dst, "px@release"));
	assert_string_equal(id, v1);
	/* Byte-identical checkout from the destination, profiles travelled. */
	char *out = pj(f->tmp, "from-remote");
	th_ok(mlops_dataset_checkout(NULL, dst, "px", out, NULL));
	size_t got_n;
	char *got = slurp(out, "blob.bin", &got_n);
	assert_int_equal(got_n, n);
	assert_memory_equal(got, data, n);
	free(got);
	assert_file(out, "x/y.txt", "why\n");
	mlops_dataset_file_iter *fi;
	th_ok(mlops_dataset_files(&fi, dst, "px"));
	const mlops_dataset_file *file;
	th_ok(mlops_dataset_files_next(&file, fi));
	th_ok(mlops_dataset_files_next(&file, fi));
	assert_string_equal(file->path, "t.csv");
	assert_int_equal(file->rows, 1);
	mlops_dataset_file_iter_free(fi);
	/* Pushing again copies nothing. */
	ts = (mlops_dataset_transfer_stats)MLOPS_DATASET_TRANSFER_STATS_INIT;
	th_ok(mlops_dataset_push(&ts, f->store, dst, "px"));
	assert_int_equal(ts.created, 0);
	assert_int_equal(ts.blobs_copied, 0);

	/* v2 in the destination, pulled back: only the changed file travels. */
	char *w2 = pj(f->tmp, "w2");
	th_ok(mlops_dataset_checkout(NULL, dst, "px", w2, NULL));
	put(w2, "x/y.txt", "changed remotely\n");
	char v2[33];
	th_ok(mlops_dataset_commit(v2, NULL, dst, "px", w2, NULL));
	ts = (mlops_dataset_transfer_stats)MLOPS_DATASET_TRANSFER_STATS_INIT;
	th_ok(mlops_dataset_pull(&ts, f->store, dst, "px"));
	assert_int_equal(ts.created, 1);
	assert_int_equal(ts.seq, 2);
	assert_int_equal(ts.blobs_copied, 2); /* the new file and the new manifest */
	mlops_dataset_version_info *info;
	th_ok(mlops_dataset_version_get(&info, f->store, "px@v2"));
	assert_string_equal(info->version_id, v2);
	assert_int_equal(info->n_parents, 1);
	assert_string_equal(info->parents[0], v1);
	mlops_dataset_version_info_free(info);

	/* gc in both stores keeps everything the versions reference. */
	mlops_gc_options go = MLOPS_GC_OPTIONS_INIT;
	go.grace_seconds = 0;
	mlops_gc_stats gs = MLOPS_GC_STATS_INIT;
	th_ok(mlops_store_gc(&gs, dst, &go));
	gs = (mlops_gc_stats)MLOPS_GC_STATS_INIT;
	th_ok(mlops_store_gc(&gs, f->store, &go));
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	th_ok(mlops_store_verify(&vs, NULL, dst));
	assert_int_equal(vs.objects_missing + vs.objects_corrupt, 0);
	char *out2 = pj(f->tmp, "after-gc");
	th_ok(mlops_dataset_checkout(NULL, f->store, "px@v2", out2, NULL));
	got = slurp(out2, "blob.bin", &got_n);
	assert_int_equal(got_n, n);
	assert_memory_equal(got, data, n);
	free(got);
	assert_file(out2, "x/y.txt", "changed remotely\n");
	th_assert_rc(mlops_dataset_push(NULL, f->store, f->store, "px"), MLOPS_EINVAL);
	mlops_store_free(dst);
	free(dst_dir);
	free(out);
	free(out2);
	free(w2);
	free(data);
}

static void test_gc_keeps_versions(void **state)
{
	fx *f = *state;
	put(f->work, "a.txt", "kept\n");
	th_ok(mlops_dataset_commit(NULL, NULL, f->store, "g", f->work, NULL));
	/* Durable when commit returns: another handle (its own backend instance) reads it while this one is open. */
	mlops_store *other;
	th_ok(mlops_store_open(&other, f->store_dir, NULL));
	char *out0 = pj(f->tmp, "other");
	th_ok(mlops_dataset_checkout(NULL, other, "g", out0, NULL));
	assert_file(out0, "a.txt", "kept\n");
	mlops_store_free(other);
	free(out0);
	char junk[33];
	th_ok(mlops_object_put(junk, f->store, "unreferenced", 12));
	mlops_gc_options go = MLOPS_GC_OPTIONS_INIT;
	go.grace_seconds = 0;
	mlops_gc_stats gs = MLOPS_GC_STATS_INIT;
	th_ok(mlops_store_gc(&gs, f->store, &go));
	assert_int_equal(gs.objects_removed, 1);
	int exists = 1;
	th_ok(mlops_object_exists(&exists, f->store, junk));
	assert_int_equal(exists, 0);
	char *out = pj(f->tmp, "o");
	th_ok(mlops_dataset_checkout(NULL, f->store, "g", out, NULL));
	assert_file(out, "a.txt", "kept\n");
	free(out);

	/* Deleting a dataset turns what only it referenced into garbage; content shared with another dataset stays. */
	put(f->work, "only-g.txt", "only in g\n");
	th_ok(mlops_dataset_commit(NULL, NULL, f->store, "g", f->work, NULL));
	char *other_dir = pj(f->tmp, "h");
	mkdir(other_dir, 0755);
	put(other_dir, "a.txt", "kept\n");
	th_ok(mlops_dataset_commit(NULL, NULL, f->store, "h", other_dir, NULL));
	th_assert_rc(mlops_dataset_delete(f->store, "nope"), MLOPS_ENOTFOUND);
	th_assert_rc(mlops_dataset_delete(f->store, "../g"), MLOPS_EINVAL);
	th_ok(mlops_dataset_tag(f->store, "g", "t"));
	th_ok(mlops_dataset_delete(f->store, "g"));
	char id[33];
	th_assert_rc(mlops_dataset_resolve(id, f->store, "g"), MLOPS_ENOTFOUND);
	gs = (mlops_gc_stats)MLOPS_GC_STATS_INIT;
	th_ok(mlops_store_gc(&gs, f->store, &go));
	/* only-g.txt and the manifest of g@v2; g@v1 has the same tree as h, so the same manifest object */
	assert_int_equal(gs.objects_removed, 2);
	out = pj(f->tmp, "o2");
	th_ok(mlops_dataset_checkout(NULL, f->store, "h", out, NULL));
	assert_file(out, "a.txt", "kept\n");
	mlops_verify_stats vs = MLOPS_VERIFY_STATS_INIT;
	th_ok(mlops_store_verify(&vs, NULL, f->store));
	assert_int_equal(vs.objects_missing + vs.objects_corrupt + vs.metadata_errors, 0);
	/* The name can be used again, from v1. */
	mlops_dataset_commit_stats st = MLOPS_DATASET_COMMIT_STATS_INIT;
	th_ok(mlops_dataset_commit(NULL, &st, f->store, "g", f->work, NULL));
	assert_int_equal(st.seq, 1);
	free(out);
	free(other_dir);
}

/* ---- bad inputs ---- */

static void test_bad_inputs(void **state)
{
	fx *f = *state;
	put(f->work, "a.txt", "a");
	char id[33];
	const char *bad_names[] = {"", "-x", ".x", "a//b", "a/", "a/../b", "a@b", "sp ace", "a/./b"};
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		th_assert_rc(mlops_dataset_commit(id, NULL, f->store, bad_names[i], f->work, NULL), MLOPS_EINVAL);
	th_assert_rc(mlops_dataset_commit(id, NULL, f->store, NULL, f->work, NULL), MLOPS_EINVAL);
	char *missing = pj(f->tmp, "does-not-exist");
	th_assert_rc(mlops_dataset_commit(id, NULL, f->store, "ok", missing, NULL), MLOPS_ENOTFOUND);
	free(missing);
	mlops_dataset_commit_options o = MLOPS_DATASET_COMMIT_OPTIONS_INIT;
	o.metadata_json = "[1,2]";
	th_assert_rc(mlops_dataset_commit(id, NULL, f->store, "ok", f->work, &o), MLOPS_EINVAL);
	o.metadata_json = "{not json";
	th_assert_rc(mlops_dataset_commit(id, NULL, f->store, "ok", f->work, &o), MLOPS_EINVAL);
	o.metadata_json = NULL;
	o.run_id = "xyz";
	th_assert_rc(mlops_dataset_commit(id, NULL, f->store, "ok", f->work, &o), MLOPS_EINVAL);
	o.run_id = NULL;
	const char *parents[] = {"nope@v1"};
	o.parents = parents;
	o.n_parents = 1;
	th_assert_rc(mlops_dataset_commit(id, NULL, f->store, "ok", f->work, &o), MLOPS_ENOTFOUND);
	o.n_parents = 0;
	o.version = 99;
	th_assert_rc(mlops_dataset_commit(id, NULL, f->store, "ok", f->work, &o), MLOPS_EVERSION);
	mlops_dataset_commit_stats bad_stats = {.version = 7};
	th_assert_rc(mlops_dataset_commit(id, &bad_stats, f->store, "ok", f->work, NULL), MLOPS_EVERSION);
	/* A fifo is refused with its name. */
	char *fifo = pj(f->work, "pipe");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	th_assert_rc(mlops_dataset_commit(id, NULL, f->store, "ok", f->work, NULL), MLOPS_EINVAL);
	assert_non_null(strstr(mlops_error_last()->message, "pipe"));
	/* ...unless ignored. */
	const char *ign[] = {"pipe"};
	mlops_dataset_commit_options o2 = MLOPS_DATASET_COMMIT_OPTIONS_INIT;
	o2.ignore = ign;
	o2.n_ignore = 1;
	th_ok(mlops_dataset_commit(id, NULL, f->store, "ok", f->work, &o2));
	unlink(fifo);
	free(fifo);
	/* Nothing was recorded by the failed calls: only the last commit exists. */
	assert_int_equal(count_log(f->store, "ok"), 1);
	/* Paths of manifests. */
	assert_int_equal(mlops_datasets__check_path("../x", 4), MLOPS_EINVAL);
	assert_int_equal(mlops_datasets__check_path("/abs", 4), MLOPS_EINVAL);
	assert_int_equal(mlops_datasets__check_path("a//b", 4), MLOPS_EINVAL);
	assert_int_equal(mlops_datasets__check_path("a/./b", 5), MLOPS_EINVAL);
	assert_int_equal(mlops_datasets__check_path("a\0b", 3), MLOPS_EINVAL);
	assert_int_equal(mlops_datasets__check_path("ok/\xc3\xa9t\xc3\xa9.txt", 12), 0);
	assert_int_equal(mlops_datasets__check_path("bad\xff", 4), MLOPS_EINVAL);
	/* A damaged manifest is detected, never trusted. */
	ds_manifest m;
	uint8_t junk[40] = "MLDSTREE\x01\0\0\0\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\x7f";
	assert_int_equal(mlops_datasets__manifest_decode(&m, junk, sizeof(junk), "test"), MLOPS_ECORRUPT);
	/* Bad specs and handles. */
	th_assert_rc(mlops_dataset_resolve(id, f->store, "ok@"), MLOPS_EINVAL);
	th_assert_rc(mlops_dataset_resolve(id, f->store, "@v1"), MLOPS_EINVAL);
	th_assert_rc(mlops_dataset_resolve(id, f->store, NULL), MLOPS_EINVAL);
	th_assert_rc(mlops_dataset_checkout(NULL, f->store, "ok", "", NULL), MLOPS_EINVAL);
	th_assert_rc(mlops_dataset_checkout(NULL, f->store, "ok@v5", f->work, NULL), MLOPS_ENOTFOUND);
	th_assert_rc(mlops_dataset_tag(f->store, "ok", "../x"), MLOPS_EINVAL);
	/* Read-only store: writes refused, reads work. */
	mlops_store *ro;
	mlops_store_options so = MLOPS_STORE_OPTIONS_INIT;
	so.flags = MLOPS_STORE_READONLY | MLOPS_STORE_MUST_EXIST;
	th_ok(mlops_store_open(&ro, f->store_dir, &so));
	th_assert_rc(mlops_dataset_commit(id, NULL, ro, "ok", f->work, NULL), MLOPS_EREADONLY);
	th_assert_rc(mlops_dataset_tag(ro, "ok", "t1"), MLOPS_EREADONLY);
	th_ok(mlops_dataset_resolve(id, ro, "ok"));
	mlops_dataset_status_counts sc = MLOPS_DATASET_STATUS_COUNTS_INIT;
	th_ok(mlops_dataset_status(NULL, &sc, ro, f->work, "ok", NULL));
	mlops_store_free(ro);
	/* Iterators outlive the store handle. */
	mlops_dataset_version_iter *it;
	th_ok(mlops_dataset_log(&it, f->store, "ok", 0));
	mlops_store_free(f->store);
	f->store = NULL;
	const mlops_dataset_version_info *vi;
	th_ok(mlops_dataset_log_next(&vi, it));
	assert_string_equal(vi->dataset, "ok");
	mlops_dataset_version_iter_free(it);
	mlops_dataset_version_iter_free(NULL);
	mlops_dataset_reader_free(NULL);
	mlops_dataset_diff_free(NULL);
	mlops_dataset_version_info_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dedup_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_pull, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_keeps_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_inputs, setup, teardown),
	};
	return cmocka_run_group_tests_name("datasets_transfer", tests, NULL, NULL);
}
