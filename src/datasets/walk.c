/*
 * Walking a working directory: every regular file and symbolic link under it (links not followed), skipping
 * ignored names and the temporary files of an interrupted checkout, sorted by path. Also hashing one file's
 * content the way the object store names it (XXH128 of the bytes), without storing it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/ds_int.h"

static const char *const default_ignore[] = {".mlops", ".git", ".dvc", ".DS_Store"};

/* Temporary names of checkout.c ("<dir>/.<name>.mlops-tmp-<random>"); never part of a tree. */
#define TMP_PATTERN ".*.mlops-tmp-*"

void mlops_datasets__ignore_init(ds_ignore *ig, const char *const *patterns, size_t n)
{
	if (patterns) {
		ig->patterns = patterns;
		ig->count = n;
	} else {
		ig->patterns = default_ignore;
		ig->count = sizeof(default_ignore) / sizeof(default_ignore[0]);
	}
}

bool mlops_datasets__ignored(const ds_ignore *ig, const char *name)
{
	if (fnmatch(TMP_PATTERN, name, FNM_PERIOD) == 0)
		return true;
	for (size_t i = 0; ig && i < ig->count; i++)
		if (ig->patterns[i] && fnmatch(ig->patterns[i], name, 0) == 0)
			return true;
	return false;
}

void mlops_datasets__file_from_stat(ds_file *f, const struct stat *st)
{
	f->size = (uint64_t)st->st_size;
	f->mode = (uint32_t)st->st_mode;
	f->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
	f->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000LL + st->st_ctim.tv_nsec;
	f->ino = (uint64_t)st->st_ino;
}

static int add_file(ds_walk *w, char *rel, const struct stat *st)
{
	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		ds_file *p = mlops__realloc(w->files, cap * sizeof(*p));
		if (!p) {
			free(rel);
			return MLOPS_ENOMEM;
		}
		w->files = p;
		w->cap = cap;
	}
	ds_file *f = &w->files[w->count++];
	memset(f, 0, sizeof(*f));
	f->path = rel;
	mlops_datasets__file_from_stat(f, st);
	if (S_ISLNK(st->st_mode))
		f->mode = S_IFLNK | 0777;
	return 0;
}

static int walk_dir(ds_walk *w, int dfd, const char *prefix, const ds_ignore *ig)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		int e = errno;
		close(dfd);
		return mlops__error_errno(e, "cannot read directory '%s/%s'", w->root, prefix);
	}
	int rc = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				rc = mlops__error_errno(errno, "cannot read directory '%s/%s'", w->root, prefix);
			break;
		}
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || mlops_datasets__ignored(ig, name))
			continue;
		char *rel = prefix[0] ? mlops__sprintf("%s/%s", prefix, name) : mlops__strdup(name);
		if (!rel) {
			rc = MLOPS_ENOMEM;
			break;
		}
		struct stat st;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT) { /* removed while walking */
				free(rel);
				continue;
			}
			rc = mlops__error_errno(errno, "cannot stat '%s/%s'", w->root, rel);
			free(rel);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				rc = mlops__error_errno(errno, "cannot open directory '%s/%s'", w->root, rel);
				free(rel);
				break;
			}
			rc = walk_dir(w, sub, rel, ig);
			free(rel);
			if (rc)
				break;
			continue;
		}
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
			rc = mlops__error(MLOPS_EINVAL,
			                  "'%s/%s' is a special file (fifo, socket or device); datasets hold regular files "
			                  "and symbolic links only (add it to the ignore list)", w->root, rel);
			free(rel);
			break;
		}
		if ((rc = mlops_datasets__check_path(rel, strlen(rel))) != 0) {
			mlops__error_prefix("cannot commit '%s/%s'", w->root, rel);
			free(rel);
			break;
		}
		if ((rc = add_file(w, rel, &st)) != 0)
			break;
	}
	closedir(d);
	return rc;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const ds_file *)a)->path, ((const ds_file *)b)->path);
}

int mlops_datasets__walk(ds_walk *w, const char *path, const ds_ignore *ig)
{
	memset(w, 0, sizeof(*w));
	if (mlops__str_empty(path))
		return mlops__error(MLOPS_EINVAL, "no path given");
	struct stat st;
	if (stat(path, &st) != 0)
		return mlops__error_errno(errno, "cannot stat '%s'", path);
	w->root = mlops__strdup(path);
	if (!w->root)
		return MLOPS_ENOMEM;
	int rc;
	if (S_ISREG(st.st_mode)) {
		const char *slash = strrchr(path, '/');
		const char *base = slash ? slash + 1 : path;
		char *rel = mlops__strdup(base);
		if (!rel)
			return MLOPS_ENOMEM;
		w->single = true;
		if ((rc = mlops_datasets__check_path(rel, strlen(rel))) != 0) {
			free(rel);
			return mlops__error_prefix("cannot use '%s'", path);
		}
		return add_file(w, rel, &st);
	}
	if (!S_ISDIR(st.st_mode))
		return mlops__error(MLOPS_EINVAL, "'%s' is neither a regular file nor a directory", path);
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return mlops__error_errno(errno, "cannot open directory '%s'", path);
	if ((rc = walk_dir(w, dfd, "", ig)) != 0)
		return rc;
	if (w->count > 1)
		qsort(w->files, w->count, sizeof(ds_file), cmp_file);
	return 0;
}

void mlops_datasets__walk_free(ds_walk *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->count; i++)
		free(w->files[i].path);
	free(w->files);
	free(w->root);
	memset(w, 0, sizeof(*w));
}

int mlops_datasets__realdir(char **out, const char *dir)
{
	*out = NULL;
	char *r = realpath(dir, NULL);
	if (!r)
		return mlops__error_errno(errno, "cannot resolve the path '%s'", dir);
	*out = r;
	return 0;
}

char *mlops_datasets__full_path(const char *root, bool single, const char *path)
{
	return single ? mlops__strdup(root) : mlops__sprintf("%s/%s", root, path);
}

#define HASH_BUF (1u << 20)

int mlops_datasets__hash_file(mlops_oid *out, uint64_t *out_size, const char *full, uint32_t mode)
{
	if (S_ISLNK(mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(full, target, sizeof(target));
		if (n < 0)
			return mlops__error_errno(errno, "cannot read the link '%s'", full);
		mlops__hash128(out, target, (size_t)n);
		*out_size = (uint64_t)n;
		return 0;
	}
	int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mlops__error_errno(errno, "cannot open '%s'", full);
	mlops_hasher *h = NULL;
	uint8_t *buf = mlops__malloc(HASH_BUF);
	int rc = buf ? mlops__hasher_new(&h) : MLOPS_ENOMEM;
	uint64_t total = 0;
	while (!rc) {
		ssize_t n = read(fd, buf, HASH_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = mlops__error_errno(errno, "cannot read '%s'", full);
			break;
		}
		if (n == 0)
			break;
		mlops__hasher_update(h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	if (!rc) {
		mlops__hasher_final(out, h);
		*out_size = total;
	}
	mlops__hasher_free(h);
	free(buf);
	close(fd);
	return rc;
}
