/*
 * The "fs" blob backend: one file per blob at <location>/ab/cdef... (2-character fan-out directory, then the
 * remaining 30 characters of the key), written to <location>/tmp/ first and renamed into place, so a blob only
 * ever appears under its final name complete.
 *
 * Sync modes: FULL fsyncs each temp file, renames it and fsyncs the fan-out directory. NORMAL writes temp files
 * without fsync and keeps them pending (exists/read/list see them); flush() (also every 256 MiB, 4096 loose or
 * 65536 packed blobs, and in free()) makes them durable (fdatasync each, or one syncfs() for a larger batch), then renames every pending
 * file and fsyncs the touched directories: a blob reaches its final name only after its bytes are durable. OFF
 * renames at once and never syncs.
 *
 * Large batches go to pack files (fs_pack.c): in NORMAL and OFF mode, the first SMALL_BATCH_BLOBS blobs written
 * since the last flush are loose files as above, and the rest of the batch is appended to one pack that flush()
 * publishes after the loose files, so blobs still reach readers in write order (chunks before the manifest that
 * lists them). Readers look in the packs first, then for a loose file.
 * An instance is used by one thread at a time (one store handle per thread).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mlops/store.h"
#include "storage/backends.h"
#include "storage/fs_pack.h"
#include "util/util.h"

#define PENDING_MAX_BYTES (256ull * 1024 * 1024)
#define PENDING_MAX_BLOBS 4096   /* loose files pending */
#define PACK_MAX_BLOBS 65536      /* blobs in one pack */
#define STALE_TEMP_SECONDS 3600
#define SMALL_BATCH_BLOBS 16 /* up to this many pending blobs are synced one by one */

typedef struct pending_blob {
	char key[MLOPS_OID_BUFSIZE];
	char *tmp;      /* path of the temp file */
	uint64_t size;
	int64_t mtime;
	bool removed;   /* removed before flush: kept in the order list until then */
} pending_blob;

typedef struct fs_backend {
	mlops_backend base;
	char *root;
	int rootfd;
	int sync;
	unsigned long counter;
	mlops_keymap pending;    /* key -> pending_blob, for lookups */
	pending_blob **order;    /* pending blobs in write order: chunks reach their final names before the
	                            manifest that lists them */
	size_t norder, order_cap;
	uint64_t pending_bytes;
	size_t batch;            /* blobs written since the last flush */
	char absent[4][MLOPS_OID_BUFSIZE]; /* keys exists() just found nowhere: their write skips the same stat */
	unsigned absent_next;
	fs_packs *packs;
	uint8_t have_dir[256 / 8]; /* fan-out directories known to exist: saves a mkdirat per blob */
} fs_backend;

static int check_key(const char *key)
{
	if (!key || !mlops__oid_hex_valid(key))
		return mlops__error(MLOPS_EINVAL, "fs backend: invalid blob key '%s' (want 32 lowercase hex characters)",
		                    key ? key : "(null)");
	return 0;
}

/* "ab/cdef..." relative to the root. */
static void rel_path(char out[MLOPS_OID_BUFSIZE + 1], const char *key)
{
	out[0] = key[0];
	out[1] = key[1];
	out[2] = '/';
	memcpy(out + 3, key + 2, MLOPS_OID_HEXLEN - 2 + 1);
}

static int write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_at(fs_backend *f, const char *dir)
{
	int fd = openat(f->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return mlops__error_errno(errno, "fs backend: cannot open directory '%s/%s'", f->root, dir);
	int rc = 0;
	if (fsync(fd) != 0)
		rc = mlops__error_errno(errno, "fs backend: cannot fsync directory '%s/%s'", f->root, dir);
	close(fd);
	return rc;
}

/* Create the fan-out directory of key if needed; *created tells whether it was new. */
static int ensure_fanout(fs_backend *f, const char *key, bool *created)
{
	char dir[3] = {key[0], key[1], '\0'};
	*created = false;
	unsigned idx = 0;
	sscanf(dir, "%2x", &idx);
	uint8_t bit = (uint8_t)(1u << (idx & 7));
	if (f->have_dir[idx >> 3] & bit)
		return 0;
	if (mkdirat(f->rootfd, dir, 0755) == 0) {
		*created = true;
		f->have_dir[idx >> 3] |= bit;
		return 0;
	}
	if (errno == EEXIST) {
		f->have_dir[idx >> 3] |= bit;
		return 0;
	}
	return mlops__error_errno(errno, "fs backend: cannot create directory '%s/%s'", f->root, dir);
}

/* Rename a temp file to its blob's final name, creating the fan-out directory when needed. */
static int rename_into(fs_backend *f, const char *tmp, const char *key, bool *created)
{
	char rel[MLOPS_OID_BUFSIZE + 1];
	rel_path(rel, key);
	for (int attempt = 0;; attempt++) {
		int rc = ensure_fanout(f, key, created);
		if (rc)
			return rc;
		if (renameat(f->rootfd, tmp, f->rootfd, rel) == 0)
			return 0;
		if (errno != ENOENT || attempt > 0)
			break;
		/* The fan-out directory was removed behind our back: forget it and create it again. */
		unsigned idx = 0;
		sscanf(key, "%2x", &idx);
		f->have_dir[(idx & 0xff) >> 3] &= (uint8_t)~(1u << (idx & 7));
	}
	return mlops__error_errno(errno, "fs backend: cannot rename '%s/%s' to '%s/%s'", f->root, tmp, f->root, rel);
}

/* Put a temp file in place; with sync, make the directory entries durable. */
static int place(fs_backend *f, const char *tmp, const char *key, bool sync)
{
	bool created;
	int rc = rename_into(f, tmp, key, &created);
	if (!rc && sync) {
		char dir[3] = {key[0], key[1], '\0'};
		rc = fsync_at(f, dir);
		if (!rc && created)
			rc = fsync_at(f, ".");
	}
	return rc;
}

static bool final_exists(fs_backend *f, const char *key)
{
	char rel[MLOPS_OID_BUFSIZE + 1];
	rel_path(rel, key);
	struct stat st;
	return fstatat(f->rootfd, rel, &st, 0) == 0;
}

static int fs_flush(mlops_backend *b);

/* Whether exists() has just reported key absent (the object store asks before every write); forgets it. */
static bool just_absent(fs_backend *f, const char *key)
{
	for (unsigned i = 0; i < 4; i++) {
		if (strcmp(f->absent[i], key) == 0) {
			f->absent[i][0] = '\0';
			return true;
		}
	}
	return false;
}

static int fs_write(mlops_backend *b, const char *key, const void *data, size_t size)
{
	fs_backend *f = (fs_backend *)b;
	int rc = check_key(key);
	if (rc)
		return rc;
	if (mlops__keymap_get(&f->pending, key))
		return 0;
	if ((rc = mlops__packs_has(f->packs, key, false)) != 0 || (!just_absent(f, key) && final_exists(f, key)))
		return rc < 0 ? rc : 0;
	if (f->sync != MLOPS_SYNC_FULL && f->batch++ >= SMALL_BATCH_BLOBS) {
		rc = mlops__packs_append(f->packs, key, data, size);
		if (rc)
			return mlops__error_prefix("fs backend: cannot store blob '%s' (%zu bytes)", key, size);
		mlops__packs_rewritten(f->packs, key);
		if (f->pending_bytes + mlops__packs_pending_bytes(f->packs) >= PENDING_MAX_BYTES ||
		    mlops__packs_pending_count(f->packs) >= PACK_MAX_BLOBS)
			return fs_flush(b);
		return 0;
	}
	char *tmp = mlops__sprintf("tmp/%s.%ld.%lu", key, (long)getpid(), ++f->counter);
	if (!tmp)
		return MLOPS_ENOMEM;
	int fd = openat(f->rootfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = mlops__error_errno(errno, "fs backend: cannot create '%s/%s'", f->root, tmp);
		free(tmp);
		return rc;
	}
	int err = write_all(fd, data, size);
	if (!err && f->sync == MLOPS_SYNC_FULL && fsync(fd) != 0)
		err = -errno;
	if (close(fd) != 0 && !err)
		err = -errno;
	if (err) {
		rc = mlops__error_errno(-err, "fs backend: cannot write blob '%s' (%zu bytes) to '%s/%s'", key, size,
		                        f->root, tmp);
		goto fail;
	}
	if (f->sync != MLOPS_SYNC_NORMAL) {
		rc = place(f, tmp, key, f->sync == MLOPS_SYNC_FULL);
		if (rc)
			goto fail;
		free(tmp);
		mlops__packs_rewritten(f->packs, key);
		return 0;
	}
	if (f->norder == f->order_cap) {
		size_t ncap = f->order_cap ? f->order_cap * 2 : 256;
		pending_blob **o = mlops__realloc(f->order, ncap * sizeof(*o));
		if (!o) {
			rc = MLOPS_ENOMEM;
			goto fail;
		}
		f->order = o;
		f->order_cap = ncap;
	}
	pending_blob *p = mlops__calloc(1, sizeof(*p));
	if (!p) {
		rc = MLOPS_ENOMEM;
		goto fail;
	}
	memcpy(p->key, key, MLOPS_OID_BUFSIZE);
	p->tmp = tmp;
	p->size = size;
	p->mtime = (int64_t)time(NULL);
	rc = mlops__keymap_put(&f->pending, key, p);
	if (rc) {
		free(p);
		goto fail;
	}
	f->order[f->norder++] = p;
	f->pending_bytes += size;
	mlops__packs_rewritten(f->packs, key);
	if (f->pending_bytes + mlops__packs_pending_bytes(f->packs) >= PENDING_MAX_BYTES ||
	    f->pending.count >= PENDING_MAX_BLOBS)
		return fs_flush(b);
	return 0;
fail:
	unlinkat(f->rootfd, tmp, 0);
	free(tmp);
	return rc;
}

static int read_file_at(fs_backend *f, const char *rel, const char *key, void **out, size_t *out_size)
{
	int fd = openat(f->rootfd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return mlops__error(MLOPS_ENOTFOUND, "blob '%s' not found in '%s'", key, f->root);
		return mlops__error_errno(errno, "fs backend: cannot open blob '%s/%s'", f->root, rel);
	}
	int rc = 0;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		rc = mlops__error_errno(errno, "fs backend: cannot stat blob '%s/%s'", f->root, rel);
		goto out;
	}
	size_t size = (size_t)st.st_size;
	char *buf = mlops_alloc(size);
	if (!buf) {
		rc = MLOPS_ENOMEM;
		goto out;
	}
	long long got = mlops__pread_full(fd, buf, size, 0); /* short when truncated under us: the object layer
	                                                        reports the size mismatch */
	if (got < 0) {
		rc = mlops__error_errno((int)-got, "fs backend: cannot read blob '%s/%s'", f->root, rel);
		mlops_free(buf);
		goto out;
	}
	*out = buf;
	*out_size = (size_t)got;
out:
	close(fd);
	return rc;
}

static int fs_read(mlops_backend *b, void **out, size_t *out_size, const char *key)
{
	fs_backend *f = (fs_backend *)b;
	*out = NULL;
	*out_size = 0;
	int rc = check_key(key);
	if (rc)
		return rc;
	pending_blob *p = mlops__keymap_get(&f->pending, key);
	if (p)
		return read_file_at(f, p->tmp, key, out, out_size);
	rc = mlops__packs_read(f->packs, key, out, out_size);
	if (rc != MLOPS_ENOTFOUND)
		return rc;
	char rel[MLOPS_OID_BUFSIZE + 1];
	rel_path(rel, key);
	return read_file_at(f, rel, key, out, out_size);
}

static int fs_exists(mlops_backend *b, int *out, const char *key)
{
	fs_backend *f = (fs_backend *)b;
	*out = 0;
	int rc = check_key(key);
	if (rc)
		return rc;
	if (mlops__keymap_get(&f->pending, key)) {
		*out = 1;
		return 0;
	}
	if ((rc = mlops__packs_has(f->packs, key, true)) != 0) {
		*out = rc > 0;
		return rc < 0 ? rc : 0;
	}
	char rel[MLOPS_OID_BUFSIZE + 1];
	rel_path(rel, key);
	struct stat st;
	if (fstatat(f->rootfd, rel, &st, 0) == 0) {
		*out = 1;
		return 0;
	}
	if (errno == ENOENT) {
		memcpy(f->absent[f->absent_next++ & 3], key, MLOPS_OID_BUFSIZE);
		return 0;
	}
	return mlops__error_errno(errno, "fs backend: cannot stat blob '%s/%s'", f->root, rel);
}

static int fs_remove(mlops_backend *b, const char *key)
{
	fs_backend *f = (fs_backend *)b;
	int rc = check_key(key);
	if (rc)
		return rc;
	pending_blob *p = mlops__keymap_get(&f->pending, key);
	if (p) {
		if (unlinkat(f->rootfd, p->tmp, 0) != 0 && errno != ENOENT)
			return mlops__error_errno(errno, "fs backend: cannot remove '%s/%s'", f->root, p->tmp);
		mlops__keymap_del(&f->pending, key);
		f->pending_bytes -= p->size;
		p->removed = true;
		return 0;
	}
	if ((rc = mlops__packs_remove(f->packs, key)) != 0)
		return rc < 0 ? rc : 0;
	char rel[MLOPS_OID_BUFSIZE + 1];
	rel_path(rel, key);
	if (unlinkat(f->rootfd, rel, 0) != 0) {
		if (errno == ENOENT)
			return mlops__error(MLOPS_ENOTFOUND, "blob '%s' not found in '%s'", key, f->root);
		return mlops__error_errno(errno, "fs backend: cannot remove '%s/%s'", f->root, rel);
	}
	return 0;
}

static int fs_touch(mlops_backend *b, const char *key)
{
	fs_backend *f = (fs_backend *)b;
	int rc = check_key(key);
	if (rc)
		return rc;
	pending_blob *p = mlops__keymap_get(&f->pending, key);
	if (p) {
		p->mtime = (int64_t)time(NULL);
		if (utimensat(f->rootfd, p->tmp, NULL, 0) != 0)
			return mlops__error_errno(errno, "fs backend: cannot touch '%s/%s'", f->root, p->tmp);
		return 0;
	}
	if ((rc = mlops__packs_touch(f->packs, key)) != 0)
		return rc < 0 ? rc : 0;
	char rel[MLOPS_OID_BUFSIZE + 1];
	rel_path(rel, key);
	if (utimensat(f->rootfd, rel, NULL, 0) != 0) {
		if (errno == ENOENT)
			return mlops__error(MLOPS_ENOTFOUND, "blob '%s' not found in '%s'", key, f->root);
		return mlops__error_errno(errno, "fs backend: cannot touch '%s/%s'", f->root, rel);
	}
	return 0;
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

static int list_fanout(fs_backend *f, const char *dirname, mlops_backend_list_cb cb, void *payload)
{
	int fd = openat(f->rootfd, dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return mlops__error_errno(errno, "fs backend: cannot open directory '%s/%s'", f->root, dirname);
	DIR *d = fdopendir(fd);
	if (!d) {
		int rc = mlops__error_errno(errno, "fs backend: cannot list directory '%s/%s'", f->root, dirname);
		close(fd);
		return rc;
	}
	int rc = 0;
	struct dirent *e;
	char key[MLOPS_OID_BUFSIZE];
	while (!rc && (errno = 0, e = readdir(d))) {
		if (strlen(e->d_name) != MLOPS_OID_HEXLEN - 2 || !is_hex(e->d_name, MLOPS_OID_HEXLEN - 2))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				continue; /* removed concurrently */
			rc = mlops__error_errno(errno, "fs backend: cannot stat '%s/%s/%s'", f->root, dirname, e->d_name);
			break;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		key[0] = dirname[0];
		key[1] = dirname[1];
		memcpy(key + 2, e->d_name, MLOPS_OID_HEXLEN - 2 + 1);
		rc = cb(key, (uint64_t)st.st_size, (int64_t)st.st_mtime, payload);
	}
	if (!rc && errno)
		rc = mlops__error_errno(errno, "fs backend: cannot list directory '%s/%s'", f->root, dirname);
	closedir(d);
	return rc;
}

/* The callback may remove blobs (gc does), so pending blobs are listed from a snapshot. */
static int list_pending(fs_backend *f, mlops_backend_list_cb cb, void *payload)
{
	size_t n = f->pending.count, k = 0, pos = 0;
	if (!n)
		return 0;
	typedef struct { char key[MLOPS_OID_BUFSIZE]; uint64_t size; int64_t mtime; } entry;
	entry *snap = mlops__calloc(n, sizeof(*snap));
	if (!snap)
		return MLOPS_ENOMEM;
	const char *key;
	void *val;
	while (k < n && mlops__keymap_next(&f->pending, &pos, &key, &val)) {
		pending_blob *p = val;
		memcpy(snap[k].key, key, MLOPS_OID_BUFSIZE);
		snap[k].size = p->size;
		snap[k].mtime = p->mtime;
		k++;
	}
	int rc = 0;
	for (size_t i = 0; i < k && !rc; i++)
		rc = cb(snap[i].key, snap[i].size, snap[i].mtime, payload);
	free(snap);
	return rc;
}

static int fs_list(mlops_backend *b, mlops_backend_list_cb cb, void *payload)
{
	fs_backend *f = (fs_backend *)b;
	int rc = list_pending(f, cb, payload);
	if (rc)
		return rc;
	if ((rc = mlops__packs_list(f->packs, cb, payload)) != 0)
		return rc;
	int fd = openat(f->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return mlops__error_errno(errno, "fs backend: cannot open '%s'", f->root);
	DIR *d = fdopendir(fd);
	if (!d) {
		rc = mlops__error_errno(errno, "fs backend: cannot list '%s'", f->root);
		close(fd);
		return rc;
	}
	struct dirent *e;
	while (!rc && (errno = 0, e = readdir(d))) {
		if (strlen(e->d_name) == 2 && is_hex(e->d_name, 2))
			rc = list_fanout(f, e->d_name, cb, payload);
	}
	if (!rc && errno)
		rc = mlops__error_errno(errno, "fs backend: cannot list '%s'", f->root);
	closedir(d);
	if (!rc) /* a damaged pack index, after every readable blob was listed */
		rc = mlops__packs_damage(f->packs);
	return rc;
}

/* Drop the first n entries of the order list (renamed or removed). */
static void drop_order(fs_backend *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pending_blob *p = f->order[i];
		if (!p->removed) {
			mlops__keymap_del(&f->pending, p->key);
			f->pending_bytes -= p->size;
		}
		free(p->tmp);
		free(p);
	}
	if (n && f->norder > n)
		memmove(f->order, f->order + n, (f->norder - n) * sizeof(*f->order));
	f->norder -= n;
}

/* Make the pending temp files durable before any of them is renamed. A few blobs (a small object, a run's
 * artifact) are fdatasync'ed one by one; a large batch takes one syncfs(), which is cheaper than thousands of
 * fdatasyncs but flushes the whole file system, so it would be the slower choice for a handful of files. */
static int sync_pending(fs_backend *f)
{
	if (!f->pending.count)
		return 0;
	if (f->norder > SMALL_BATCH_BLOBS) {
		if (syncfs(f->rootfd) != 0)
			return mlops__error_errno(errno, "fs backend: syncfs of '%s' failed", f->root);
		return 0;
	}
	for (size_t i = 0; i < f->norder; i++) {
		pending_blob *p = f->order[i];
		if (p->removed)
			continue;
		int fd = openat(f->rootfd, p->tmp, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return mlops__error_errno(errno, "fs backend: cannot open '%s/%s' to sync it", f->root, p->tmp);
		int rc = fdatasync(fd);
		int err = errno;
		close(fd);
		if (rc != 0)
			return mlops__error_errno(err, "fs backend: fdatasync of '%s/%s' failed", f->root, p->tmp);
	}
	return 0;
}

static int flush_loose(fs_backend *f);

static int fs_flush(mlops_backend *b)
{
	fs_backend *f = (fs_backend *)b;
	int rc = flush_loose(f);
	if (!rc)
		rc = mlops__packs_flush(f->packs, f->sync == MLOPS_SYNC_NORMAL);
	if (!rc)
		f->batch = 0;
	return rc;
}

static int flush_loose(fs_backend *f)
{
	if (!f->norder)
		return 0;
	int rc = sync_pending(f);
	if (rc)
		return rc;
	bool touched[256] = {false};
	bool root_dirty = false;
	size_t done = 0;
	for (; done < f->norder; done++) {
		pending_blob *p = f->order[done];
		if (p->removed)
			continue;
		bool created;
		rc = rename_into(f, p->tmp, p->key, &created);
		if (rc)
			break;
		root_dirty |= created;
		unsigned idx = 0;
		sscanf(p->key, "%2x", &idx);
		touched[idx & 0xff] = true;
	}
	drop_order(f, done);
	for (unsigned i = 0; i < 256 && !rc; i++) {
		if (touched[i]) {
			static const char hex[] = "0123456789abcdef";
			char dir[3] = {hex[i >> 4], hex[i & 15], '\0'};
			rc = fsync_at(f, dir);
		}
	}
	if (!rc && root_dirty)
		rc = fsync_at(f, ".");
	return rc;
}

static void fs_free(mlops_backend *b)
{
	fs_backend *f = (fs_backend *)b;
	if (!f)
		return;
	fs_flush(b); /* a failure leaves temp files behind; they are ignored and removed later as stale */
	drop_order(f, f->norder);
	free(f->order);
	mlops__keymap_clear(&f->pending);
	mlops__packs_free(f->packs);
	if (f->rootfd >= 0)
		close(f->rootfd);
	free(f->root);
	free(f);
}

/* Remove temp files that a crashed writer left more than an hour ago. */
static void remove_stale_temps(fs_backend *f)
{
	int fd = openat(f->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	time_t now = time(NULL);
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISREG(st.st_mode) && now - st.st_mtime > STALE_TEMP_SECONDS)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

int mlops__backend_fs_new(mlops_backend **out, const char *location, int sync, void *payload)
{
	(void)payload;
	*out = NULL;
	if (mlops__str_empty(location))
		return mlops__error(MLOPS_EINVAL, "fs backend: no location (objects directory) given");
	if (sync != MLOPS_SYNC_NORMAL && sync != MLOPS_SYNC_FULL && sync != MLOPS_SYNC_OFF)
		return mlops__error(MLOPS_EINVAL, "fs backend: unknown sync mode %d", sync);
	int rc = mlops__mkdir_p(location, 0755);
	if (rc)
		return mlops__error_prefix("fs backend: cannot create '%s'", location);
	fs_backend *f = mlops__calloc(1, sizeof(*f));
	if (!f)
		return MLOPS_ENOMEM;
	f->rootfd = -1;
	f->sync = sync;
	f->root = mlops__strdup(location);
	if (!f->root) {
		rc = MLOPS_ENOMEM;
		goto fail;
	}
	f->rootfd = open(location, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->rootfd < 0) {
		rc = mlops__error_errno(errno, "fs backend: cannot open '%s'", location);
		goto fail;
	}
	if (mkdirat(f->rootfd, "tmp", 0755) != 0 && errno != EEXIST) {
		rc = mlops__error_errno(errno, "fs backend: cannot create '%s/tmp'", location);
		goto fail;
	}
	remove_stale_temps(f);
	if ((rc = mlops__packs_new(&f->packs, f->rootfd, location)) != 0)
		goto fail;
	mlops__packs_remove_stale(f->packs, STALE_TEMP_SECONDS);
	f->base.version = MLOPS_BACKEND_VERSION;
	f->base.write = fs_write;
	f->base.read = fs_read;
	f->base.exists = fs_exists;
	f->base.remove = fs_remove;
	f->base.list = fs_list;
	f->base.flush = fs_flush;
	f->base.touch = fs_touch;
	f->base.free = fs_free;
	*out = &f->base;
	return 0;
fail:
	if (f->rootfd >= 0)
		close(f->rootfd);
	free(f->root);
	free(f);
	return rc;
}
