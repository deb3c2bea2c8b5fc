/* Fixture and file helpers shared by the dataset version tests (test_datasets.c, test_datasets_transfer.c). */
#ifndef MLOPS_TEST_DATASETS_HELPERS_H
#define MLOPS_TEST_DATASETS_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "datasets/ds_int.h"

/* malloc that never returns NULL (the tests abort instead), so the compiler sees no NULL destination. */
static inline void *th_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

typedef struct fx {
	char *tmp;
	char *store_dir;
	char *work;
	mlops_store *store;
} fx;

static inline int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	f->tmp = th_tmpdir("ds");
	f->store_dir = th_xmalloc(strlen(f->tmp) + 16);
	snprintf(f->store_dir, strlen(f->tmp) + 16, "%s/store", f->tmp);
	f->work = th_xmalloc(strlen(f->tmp) + 16);
	snprintf(f->work, strlen(f->tmp) + 16, "%s/work", f->tmp);
	assert_int_equal(mkdir(f->work, 0755), 0);
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.actor = "tester";
	th_ok(mlops_store_open(&f->store, f->store_dir, &o));
	*state = f;
	return 0;
}

static inline int teardown(void **state)
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

static inline char *pj(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = th_xmalloc(la + lb + 2);
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

static inline void mkdirs(const char *root, const char *rel)
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

static inline void put(const char *root, const char *rel, const char *text)
{
	const char *slash = strrchr(rel, '/');
	if (slash) {
		char *dir = strndup(rel, (size_t)(slash - rel));
		if (!dir)
			abort();
		mkdirs(root, dir);
		free(dir);
	}
	char *p = pj(root, rel);
	th_write_file(p, text, strlen(text));
	free(p);
}

static inline char *slurp(const char *root, const char *rel, size_t *out_n)
{
	char *p = pj(root, rel);
	FILE *fp = fopen(p, "rb");
	free(p);
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *buf = th_xmalloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	if (out_n)
		*out_n = (size_t)n;
	return buf;
}

static inline void assert_file(const char *root, const char *rel, const char *text)
{
	char *got = slurp(root, rel, NULL);
	if (!got)
		fail_msg("missing file %s/%s", root, rel);
	assert_string_equal(got, text);
	free(got);
}

/* Set the file's mtime back by secs so the stat cache trusts it (racy-git window). */
static inline void age(const char *root, const char *rel, int secs)
{
	char *p = pj(root, rel);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	struct timespec ts[2] = {{st.st_atim.tv_sec - secs, 0}, {st.st_mtim.tv_sec - secs, st.st_mtim.tv_nsec}};
	assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
	free(p);
}

static inline int count_log(mlops_store *s, const char *spec)
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

#endif
