/*
 * The packs of an "fs" objects directory: one open-addressing table from blob key to (pack, offset, size) over
 * every published pack and the one being written, loaded from the .idx files and refreshed when the pack
 * directory changes (another process published or rewrote a pack). Removing a packed blob marks it; the next
 * flush rewrites each pack that holds removed blobs into a new pack, publishes it, then unlinks the old one, so a
 * crash at any point leaves every surviving blob in at least one published pack. Format: docs/format.md.
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

#include "storage/backends.h"
#include "storage/fs_pack.h"
#include "storage/fs_pack_int.h"
#include "util/util.h"

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* ---- packs ---- */

static void close_pack(fs_packs *p, pack *k)
{
	if (k->fd >= 0) {
		close(k->fd);
		k->fd = -1;
		p->nopen--;
	}
}

void mlops__packs_free_pack(fs_packs *p, pack *k)
{
	close_pack(p, k);
	free(k->name);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

static int new_pack(fs_packs *p, uint32_t *out, const char *name)
{
	size_t i = 0;
	while (i < p->npacks && p->packs[i].name)
		i++;
	if (i == p->npacks) {
		if (p->npacks == p->packs_cap) {
			size_t ncap = p->packs_cap ? p->packs_cap * 2 : 16;
			pack *n = mlops__realloc(p->packs, ncap * sizeof(*n));
			if (!n)
				return MLOPS_ENOMEM;
			p->packs = n;
			p->packs_cap = ncap;
		}
		p->npacks++;
	}
	pack *k = &p->packs[i];
	memset(k, 0, sizeof(*k));
	k->fd = -1;
	k->name = mlops__strdup(name);
	if (!k->name)
		return MLOPS_ENOMEM;
	*out = (uint32_t)i;
	return 0;
}

static int open_dir(fs_packs *p, bool create)
{
	if (p->dirfd >= 0)
		return 0;
	if (create && mkdirat(p->rootfd, "packs", 0755) != 0 && errno != EEXIST)
		return mlops__error_errno(errno, "fs backend: cannot create '%s'", p->dirpath);
	p->dirfd = openat(p->rootfd, "packs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->dirfd < 0) {
		if (errno == ENOENT && !create)
			return 0;
		return mlops__error_errno(errno, "fs backend: cannot open '%s'", p->dirpath);
	}
	return 0;
}

static void note_damage(fs_packs *p, const char *name, const char *why)
{
	if (!p->damage)
		p->damage = mlops__sprintf("pack index '%s/%s.idx' is damaged (%s); its blobs cannot be read",
		                           p->dirpath, name, why);
}

/* Read packs/<name>.idx and add its entries. A damaged index is noted and its pack kept without entries, so it
 * is not read again at every scan. */
static int load_index(fs_packs *p, const char *name)
{
	char idx[64];
	snprintf(idx, sizeof(idx), "%s.idx", name);
	int fd = openat(p->dirfd, idx, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : mlops__error_errno(errno, "fs backend: cannot open '%s/%s'", p->dirpath, idx);
	struct stat st;
	uint8_t *buf = NULL;
	int rc = 0;
	if (fstat(fd, &st) != 0) {
		rc = mlops__error_errno(errno, "fs backend: cannot stat '%s/%s'", p->dirpath, idx);
		goto out;
	}
	size_t n = (size_t)st.st_size;
	buf = mlops__malloc(n ? n : 1);
	if (!buf) {
		rc = MLOPS_ENOMEM;
		goto out;
	}
	long long got = mlops__pread_full(fd, buf, n, 0);
	if (got < 0) {
		rc = mlops__error_errno((int)-got, "fs backend: cannot read '%s/%s'", p->dirpath, idx);
		goto out;
	}
	uint32_t pk;
	if ((rc = new_pack(p, &pk, name)) != 0)
		goto out;
	pack *k = &p->packs[pk];
	k->seen = true;
	k->mtime = (int64_t)st.st_mtime;
	const char *why = NULL;
	uint64_t count = 0;
	if ((size_t)got != n || n < FS_PACK_IDX_HEADER + 8 || memcmp(buf, FS_PACK_IDX_MAGIC, 4) != 0)
		why = "not a pack index";
	else if (mlops__get_le32(buf + 4) != FS_PACK_VERSION)
		why = "unknown version";
	else if ((count = mlops__get_le64(buf + 8)) != (n - FS_PACK_IDX_HEADER - 8) / FS_PACK_IDX_ENTRY ||
	         n != FS_PACK_IDX_HEADER + count * FS_PACK_IDX_ENTRY + 8)
		why = "wrong length";
	else if (mlops__get_le64(buf + n - 8) != mlops__hash64(buf, n - 8))
		why = "checksum mismatch";
	if (!why) {
		k->size = mlops__get_le64(buf + 16);
		for (uint64_t i = 0; i < count && !why; i++) {
			const uint8_t *e = buf + FS_PACK_IDX_HEADER + i * FS_PACK_IDX_ENTRY;
			uint64_t off = mlops__get_le64(e + 16), sz = mlops__get_le64(e + 24);
			if (off < FS_PACK_HEADER || off > k->size || sz > k->size - off)
				why = "entry outside the pack";
		}
	}
	if (why) {
		note_damage(p, name, why);
		k->damaged = true;
		goto out;
	}
	for (uint64_t i = 0; i < count && !rc; i++) {
		const uint8_t *e = buf + FS_PACK_IDX_HEADER + i * FS_PACK_IDX_ENTRY;
		rc = mlops__ptable_insert(&p->t, e, pk, mlops__get_le64(e + 16), mlops__get_le64(e + 24), 0, false);
	}
out:
	free(buf);
	close(fd);
	return rc;
}

static bool pack_name(const char *d_name, char name[32])
{
	size_t n = strlen(d_name);
	if (n != 5 + 16 + 4 || strncmp(d_name, "pack-", 5) != 0 || strcmp(d_name + n - 4, ".idx") != 0)
		return false;
	memcpy(name, d_name, n - 4);
	name[n - 4] = '\0';
	return true;
}

void mlops__packs_forget_published(fs_packs *p)
{
	bool *drop = mlops__calloc(p->npacks ? p->npacks : 1, sizeof(bool));
	for (size_t i = 0; i < p->npacks; i++)
		if (p->packs[i].name && !(p->w && i == p->wpack))
			drop[i] = true;
	if (drop) {
		mlops__ptable_erase_packs(&p->t, drop, p->npacks);
		for (size_t i = 0; i < p->npacks; i++)
			if (drop[i])
				mlops__packs_free_pack(p, &p->packs[i]);
	}
	free(drop);
}

/* Bring the table up to date with the pack directory. When a pack vanished (rewritten elsewhere), every index is
 * read again: a blob may also sit in another pack whose entry was skipped as a duplicate. */
int mlops__packs_scan(fs_packs *p, bool force)
{
	if (p->listing)
		return 0;
	int rc = open_dir(p, false);
	if (rc || p->dirfd < 0)
		return rc;
	struct stat st;
	if (fstat(p->dirfd, &st) != 0)
		return mlops__error_errno(errno, "fs backend: cannot stat '%s'", p->dirpath);
	int64_t now = now_ns();
	int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec;
	bool same = p->scanned && st.st_mtim.tv_sec == p->dir_mtime.tv_sec && st.st_mtim.tv_nsec == p->dir_mtime.tv_nsec;
	if (!force && same && !(now - mt < RACY_NS && now - p->last_scan_ns >= RACY_RESCAN_NS))
		return 0;
	int dfd = openat(p->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		rc = mlops__error_errno(errno, "fs backend: cannot list '%s'", p->dirpath);
		if (dfd >= 0)
			close(dfd);
		return rc;
	}
	for (size_t i = 0; i < p->npacks; i++)
		p->packs[i].seen = p->w && i == p->wpack;
	struct dirent *de;
	char name[32];
	while (!rc && (errno = 0, de = readdir(d))) {
		if (!pack_name(de->d_name, name))
			continue;
		size_t i = 0;
		while (i < p->npacks && !(p->packs[i].name && strcmp(p->packs[i].name, name) == 0))
			i++;
		if (i < p->npacks)
			p->packs[i].seen = true;
		else
			rc = load_index(p, name);
	}
	if (!rc && errno)
		rc = mlops__error_errno(errno, "fs backend: cannot list '%s'", p->dirpath);
	closedir(d);
	if (rc)
		return rc;
	bool vanished = false;
	for (size_t i = 0; i < p->npacks; i++)
		vanished |= p->packs[i].name && !p->packs[i].seen;
	p->dir_mtime = st.st_mtim;
	p->last_scan_ns = now;
	p->scanned = true;
	if (vanished) {
		mlops__packs_forget_published(p);
		free(p->damage);
		p->damage = NULL;
		p->scanned = false;
		return mlops__packs_scan(p, true);
	}
	return 0;
}

int mlops__packs_new(fs_packs **out, int rootfd, const char *root)
{
	*out = NULL;
	fs_packs *p = mlops__calloc(1, sizeof(*p));
	if (!p)
		return MLOPS_ENOMEM;
	p->rootfd = rootfd;
	p->dirfd = -1;
	p->root = mlops__strdup(root);
	p->dirpath = mlops__sprintf("%s/packs", root);
	if (!p->root || !p->dirpath) {
		mlops__packs_free(p);
		return MLOPS_ENOMEM;
	}
	*out = p;
	return 0;
}

void mlops__packs_drop_writer(fs_packs *p)
{
	if (!p->w)
		return;
	for (size_t i = 0; i < p->wcount; i++) {
		entry *e = mlops__ptable_find(&p->t, p->wkeys[i]);
		if (e && e->pack == p->wpack)
			mlops__ptable_erase(&p->t, e);
	}
	mlops__packw_free(p->w, true);
	p->w = NULL;
	mlops__packs_free_pack(p, &p->packs[p->wpack]);
	p->wcount = 0;
	p->wbytes = 0;
}

/* The pack being written failed: forget it, but remember its blobs, whose writes had succeeded, until they are
 * written again; the next flush reports them (once), so no caller commits metadata that points at them. */
void mlops__packs_abandon(fs_packs *p)
{
	if (!p->w)
		return;
	if (!p->lost_why)
		p->lost_why = mlops__strdup(mlops_error_last()->message);
	char hex[MLOPS_OID_BUFSIZE];
	for (size_t i = 0; i < p->wcount; i++) {
		const entry *e = mlops__ptable_find(&p->t, p->wkeys[i]);
		if (e && e->pack == p->wpack && !(e->flags & F_DEAD)) {
			mlops__oid_to_hex(hex, (const mlops_oid *)e->key);
			if (mlops__keymap_put(&p->lost, hex, p) != 0)
				break;
		}
	}
	mlops__packs_drop_writer(p);
}

void mlops__packs_rewritten(fs_packs *p, const char *key)
{
	if (p->lost.count)
		mlops__keymap_del(&p->lost, key);
}

void mlops__packs_free(fs_packs *p)
{
	if (!p)
		return;
	mlops__packs_drop_writer(p);
	mlops__keymap_clear(&p->lost);
	free(p->lost_why);
	for (size_t i = 0; i < p->npacks; i++)
		mlops__packs_free_pack(p, &p->packs[i]);
	free(p->packs);
	mlops__ptable_free(&p->t);
	free(p->wkeys);
	if (p->dirfd >= 0)
		close(p->dirfd);
	free(p->damage);
	free(p->dirpath);
	free(p->root);
	free(p);
}

static entry *lookup(fs_packs *p, const char *key, bool refresh, int *rc)
{
	mlops_oid oid;
	*rc = 0;
	if (mlops__oid_from_hex(&oid, key) != 0) {
		*rc = MLOPS_EINVAL;
		return NULL;
	}
	entry *e = mlops__ptable_find(&p->t, oid.bytes);
	if ((!e || (e->flags & F_DEAD)) && refresh) {
		if ((*rc = mlops__packs_scan(p, false)) != 0)
			return NULL;
		e = mlops__ptable_find(&p->t, oid.bytes);
	}
	return e && !(e->flags & F_DEAD) ? e : NULL;
}

int mlops__packs_has(fs_packs *p, const char *key, bool refresh)
{
	int rc;
	entry *e = lookup(p, key, refresh, &rc);
	return rc ? rc : e != NULL;
}

int mlops__packs_pread_pack(fs_packs *p, pack *k, void *buf, size_t size, uint64_t offset)
{
	if (k->fd < 0) {
		if (p->nopen >= MAX_OPEN_PACKS)
			for (size_t i = 0; i < p->npacks; i++)
				close_pack(p, &p->packs[i]);
		char file[64];
		snprintf(file, sizeof(file), "%s.pack", k->name);
		k->fd = openat(p->dirfd, file, O_RDONLY | O_CLOEXEC);
		if (k->fd < 0)
			return -errno;
		p->nopen++;
	}
	long long got = mlops__pread_full(k->fd, buf, size, offset);
	if (got < 0)
		return mlops__error_errno((int)-got, "fs backend: cannot read pack '%s/%s.pack'", p->dirpath, k->name);
	if ((size_t)got < size)
		return mlops__error(MLOPS_ECORRUPT, "fs backend: pack '%s/%s.pack' is shorter than its index says",
		                    p->dirpath, k->name);
	return 0;
}

/* Copy the bytes of e into buf; a pack that vanished under us (rewritten by another process) is looked up again. */
static int read_entry(fs_packs *p, const char *key, entry *e, void *buf)
{
	uint64_t size = e->size;
	if (p->w && e->pack == p->wpack)
		return mlops__packw_pread(p->w, buf, size, e->offset);
	int rc = mlops__packs_pread_pack(p, &p->packs[e->pack], buf, size, e->offset);
	if (rc != -ENOENT)
		return rc;
	if ((rc = mlops__packs_scan(p, true)) != 0) /* may move or free e */
		return rc;
	entry *again = lookup(p, key, false, &rc);
	if (!again)
		return rc ? rc : MLOPS_ENOTFOUND;
	if (again->size != size)
		return MLOPS_ENOTFOUND;
	rc = mlops__packs_pread_pack(p, &p->packs[again->pack], buf, again->size, again->offset);
	if (rc == -ENOENT)
		return MLOPS_ENOTFOUND;
	return rc;
}

int mlops__packs_read(fs_packs *p, const char *key, void **out, size_t *out_size)
{
	int rc;
	*out = NULL;
	*out_size = 0;
	entry *e = lookup(p, key, true, &rc);
	if (!e)
		return rc ? rc : MLOPS_ENOTFOUND;
	void *buf = mlops_alloc(e->size ? e->size : 1);
	if (!buf)
		return MLOPS_ENOMEM;
	size_t size = e->size;
	rc = read_entry(p, key, e, buf);
	if (rc) {
		mlops_free(buf);
		return rc;
	}
	*out = buf;
	*out_size = size;
	return 0;
}

int mlops__packs_start_writer(fs_packs *p)
{
	int rc = open_dir(p, true);
	if (rc)
		return rc;
	char rnd[MLOPS_OID_BUFSIZE], name[32];
	if ((rc = mlops__random_hex32(rnd)) != 0)
		return rc;
	snprintf(name, sizeof(name), "pack-%.16s", rnd);
	if ((rc = new_pack(p, &p->wpack, name)) != 0)
		return rc;
	p->packs[p->wpack].seen = true;
	if ((rc = mlops__packw_new(&p->w, p->dirfd, p->dirpath, name)) != 0) {
		mlops__packs_free_pack(p, &p->packs[p->wpack]);
		return rc;
	}
	p->wcount = 0;
	p->wbytes = 0;
	return 0;
}

int mlops__packs_append(fs_packs *p, const char *key, const void *data, size_t size)
{
	mlops_oid oid;
	int rc = mlops__oid_from_hex(&oid, key);
	if (!rc && !p->w)
		rc = mlops__packs_start_writer(p);
	uint64_t off;
	if (!rc && (rc = mlops__packw_append(p->w, data, size, &off)) != 0) {
		mlops__packs_abandon(p);
		return rc;
	}
	if (!rc)
		rc = mlops__ptable_insert(&p->t, oid.bytes, p->wpack, off, size, F_PENDING, true);
	if (!rc)
		rc = mlops__packs_note_pending(p, oid.bytes, size);
	return rc;
}

int mlops__packs_note_pending(fs_packs *p, const uint8_t key[16], uint64_t size)
{
	if (p->wcount == p->wkeys_cap) {
		size_t ncap = p->wkeys_cap ? p->wkeys_cap * 2 : 1024;
		uint8_t(*n)[16] = mlops__realloc(p->wkeys, ncap * sizeof(*n));
		if (!n)
			return MLOPS_ENOMEM;
		p->wkeys = n;
		p->wkeys_cap = ncap;
	}
	memcpy(p->wkeys[p->wcount++], key, 16);
	p->wbytes += size;
	return 0;
}

size_t mlops__packs_pending_count(const fs_packs *p)
{
	return p->w ? p->wcount : 0;
}

uint64_t mlops__packs_pending_bytes(const fs_packs *p)
{
	return p->w ? p->wbytes : 0;
}

int mlops__packs_remove(fs_packs *p, const char *key)
{
	int rc;
	entry *e = lookup(p, key, true, &rc);
	if (!e)
		return rc;
	e->flags |= F_DEAD;
	if (!(p->w && e->pack == p->wpack))
		p->packs[e->pack].ndead++;
	return 1;
}

int mlops__packs_touch(fs_packs *p, const char *key)
{
	for (int attempt = 0;; attempt++) {
		int rc;
		entry *e = lookup(p, key, true, &rc);
		if (!e)
			return rc;
		if (p->w && e->pack == p->wpack)
			return 1;
		pack *k = &p->packs[e->pack];
		char file[64];
		snprintf(file, sizeof(file), "%s.idx", k->name);
		if (utimensat(p->dirfd, file, NULL, 0) == 0) {
			k->mtime = (int64_t)time(NULL);
			return 1;
		}
		if (errno != ENOENT || attempt > 0)
			return mlops__error_errno(errno, "fs backend: cannot touch '%s/%s'", p->dirpath, file);
		/* Rewritten by another process: touch the pack that holds the blob now. */
		if ((rc = mlops__packs_scan(p, true)) != 0)
			return rc;
	}
}

int mlops__packs_list(fs_packs *p, mlops_backend_list_cb cb, void *payload)
{
	int rc = mlops__packs_scan(p, true);
	if (rc)
		return rc;
	p->listing = true;
	char hex[MLOPS_OID_BUFSIZE];
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < p->t.cap && !rc; i++) {
		const entry *e = &p->t.tab[i];
		if (e->pack == NO_PACK || (e->flags & F_DEAD))
			continue;
		mlops__oid_to_hex(hex, (const mlops_oid *)e->key);
		rc = cb(hex, e->size, (e->flags & F_PENDING) ? now : p->packs[e->pack].mtime, payload);
	}
	p->listing = false;
	return rc;
}

int mlops__packs_damage(const fs_packs *p)
{
	return p->damage ? mlops__error(MLOPS_ECORRUPT, "fs backend: %s", p->damage) : 0;
}

void mlops__packs_remove_stale(fs_packs *p, int64_t max_age_s)
{
	if (open_dir(p, false) != 0 || p->dirfd < 0)
		return;
	int dfd = openat(p->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	time_t now = time(NULL);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		bool tmp_idx = strncmp(de->d_name, "tmp-", 4) == 0;
		bool data = n > 5 && strcmp(de->d_name + n - 5, ".pack") == 0;
		if (!tmp_idx && !data)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || now - st.st_mtime <= max_age_s)
			continue;
		if (data) {
			char idx[300];
			snprintf(idx, sizeof(idx), "%.*s.idx", (int)(n - 5), de->d_name);
			if (fstatat(dirfd(d), idx, &st, 0) == 0 || errno != ENOENT)
				continue;
		}
		unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}
