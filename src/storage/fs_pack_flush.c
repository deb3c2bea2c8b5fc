/*
 * Publishing the pack being written (data, then its index under a temporary name, then the rename), and rewriting
 * packs: those holding removed blobs, and small packs once there are many of them. Part of the pack code of the fs
 * backend; docs/format.md describes the files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "storage/fs_pack.h"
#include "storage/fs_pack_int.h"
#include "util/util.h"

static int cmp_key(const void *a, const void *b)
{
	return memcmp(*(const entry *const *)a, *(const entry *const *)b, 16);
}

/* The live entries of the pack being written, sorted by key, each once; NULL (ENOMEM) or *out_n == 0 possible. */
static entry **pending_entries(fs_packs *p, size_t *out_n)
{
	*out_n = 0;
	entry **v = mlops__calloc(p->wcount ? p->wcount : 1, sizeof(*v));
	if (!v)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < p->wcount; i++) {
		entry *e = mlops__ptable_find(&p->t, p->wkeys[i]);
		if (e && e->pack == p->wpack && !(e->flags & F_DEAD))
			v[n++] = e;
	}
	qsort(v, n, sizeof(*v), cmp_key);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	*out_n = k;
	return v;
}

static int write_file(fs_packs *p, const char *name, const uint8_t *data, size_t n, bool sync)
{
	int fd = openat(p->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return mlops__error_errno(errno, "fs backend: cannot create '%s/%s'", p->dirpath, name);
	int err = 0;
	while (n > 0 && !err) {
		ssize_t r = write(fd, data, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			err = r < 0 ? errno : EIO;
		else {
			data += r;
			n -= (size_t)r;
		}
	}
	if (!err && sync && fdatasync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && !err)
		err = errno;
	if (err) {
		unlinkat(p->dirfd, name, 0);
		return mlops__error_errno(err, "fs backend: cannot write '%s/%s'", p->dirpath, name);
	}
	return 0;
}

/* Make the pack being written durable and visible: data, then the index under a temporary name, then the rename
 * that publishes it. A pack whose blobs were all removed meanwhile is dropped instead. */
static int publish(fs_packs *p, bool sync)
{
	size_t n;
	entry **v = pending_entries(p, &n);
	if (!v)
		return MLOPS_ENOMEM;
	if (!n) {
		free(v);
		mlops__packs_drop_writer(p);
		return 0;
	}
	size_t len = FS_PACK_IDX_HEADER + n * FS_PACK_IDX_ENTRY + 8;
	uint8_t *idx = mlops__malloc(len);
	uint64_t size = 0;
	int rc = !idx ? MLOPS_ENOMEM : mlops__packw_finish(p->w, sync, &size);
	if (rc)
		goto out;
	memcpy(idx, FS_PACK_IDX_MAGIC, 4);
	mlops__put_le32(idx + 4, FS_PACK_VERSION);
	mlops__put_le64(idx + 8, n);
	mlops__put_le64(idx + 16, size);
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = idx + FS_PACK_IDX_HEADER + i * FS_PACK_IDX_ENTRY;
		memcpy(e, v[i]->key, 16);
		mlops__put_le64(e + 16, v[i]->offset);
		mlops__put_le64(e + 24, v[i]->size);
	}
	mlops__put_le64(idx + len - 8, mlops__hash64(idx, len - 8));
	pack *pk = &p->packs[p->wpack];
	char tmp[64], fin[64];
	snprintf(tmp, sizeof(tmp), "tmp-%s.idx", pk->name);
	snprintf(fin, sizeof(fin), "%s.idx", pk->name);
	if ((rc = write_file(p, tmp, idx, len, sync)) != 0)
		goto out;
	if (renameat(p->dirfd, tmp, p->dirfd, fin) != 0) {
		rc = mlops__error_errno(errno, "fs backend: cannot rename '%s/%s' to '%s'", p->dirpath, tmp, fin);
		unlinkat(p->dirfd, tmp, 0);
		goto out;
	}
	if (sync && fsync(p->dirfd) != 0) {
		rc = mlops__error_errno(errno, "fs backend: cannot fsync directory '%s'", p->dirpath);
		goto out;
	}
	pk->size = size;
	pk->mtime = (int64_t)time(NULL);
	for (size_t i = 0; i < p->wcount; i++) {
		entry *e = mlops__ptable_find(&p->t, p->wkeys[i]);
		if (e && e->pack == p->wpack && (e->flags & F_DEAD))
			mlops__ptable_erase(&p->t, e);
		else if (e && e->pack == p->wpack)
			e->flags &= ~F_PENDING;
	}
	mlops__packw_free(p->w, false);
	p->w = NULL;
	p->wcount = 0;
	p->wbytes = 0;
out:
	free(v);
	free(idx);
	return rc;
}

/* Choose the packs to rewrite: every pack holding removed blobs and, once SMALL_PACKS_MAX packs are small (many
 * flushes of a few dozen blobs each), small packs up to MERGE_MAX_BYTES, so that readers keep finding few files to
 * open and few indexes to read. */
static bool pick(const fs_packs *p, bool *old, size_t npacks)
{
	bool any = false;
	size_t small = 0;
	for (size_t i = 0; i < npacks; i++) {
		const pack *k = &p->packs[i];
		if (!k->name || k->damaged || (p->w && i == p->wpack))
			continue;
		any |= old[i] = k->ndead > 0;
		small += k->size < SMALL_PACK_BYTES;
	}
	if (small < SMALL_PACKS_MAX)
		return any;
	uint64_t bytes = 0;
	for (size_t i = 0; i < npacks && bytes < MERGE_MAX_BYTES; i++) {
		const pack *k = &p->packs[i];
		if (k->name && !k->damaged && !(p->w && i == p->wpack) && k->size < SMALL_PACK_BYTES && !old[i]) {
			old[i] = any = true;
			bytes += k->size;
		}
	}
	return any;
}

/* Rewrite every pack holding removed blobs: survivors go to a new pack, which is published before the old index
 * and data are unlinked. */
static int collect(fs_packs *p, bool sync)
{
	size_t npacks = p->npacks;
	bool *old = mlops__calloc(npacks ? npacks : 1, sizeof(bool));
	if (!old)
		return MLOPS_ENOMEM;
	bool any = pick(p, old, npacks);
	int rc = 0;
	uint8_t *buf = NULL;
	size_t buf_cap = 0;
	for (size_t i = 0; any && i < p->t.cap && !rc; i++) {
		entry *e = &p->t.tab[i];
		if (e->pack == NO_PACK || e->pack >= npacks || !old[e->pack] || (e->flags & F_DEAD))
			continue;
		if (e->size > buf_cap) {
			uint8_t *nb = mlops__realloc(buf, e->size);
			if (!nb) {
				rc = MLOPS_ENOMEM;
				break;
			}
			buf = nb;
			buf_cap = e->size;
		}
		rc = mlops__packs_pread_pack(p, &p->packs[e->pack], buf, e->size, e->offset);
		if (rc == -ENOENT && !p->packs[e->pack].ndead) {
			/* Merged by another process meanwhile: its blobs are in that process's new pack. */
			rc = 0;
			continue;
		}
		if (rc == -ENOENT)
			rc = mlops__error_errno(ENOENT, "fs backend: pack '%s/%s.pack' vanished while it was rewritten",
			                        p->dirpath, p->packs[e->pack].name);
		if (!rc && !p->w)
			rc = mlops__packs_start_writer(p);
		uint64_t off;
		if (!rc)
			rc = mlops__packw_append(p->w, buf, e->size, &off);
		if (!rc) {
			/* The entry stays in its slot: only its location changes. */
			e->pack = p->wpack;
			e->offset = off;
			e->flags = F_PENDING;
			rc = mlops__packs_note_pending(p, e->key, e->size);
		}
	}
	free(buf);
	if (!rc && any && p->w)
		rc = publish(p, sync);
	if (rc) {
		/* Forget what was moved and read the indexes again: the old packs are all still there. */
		mlops__packs_drop_writer(p);
		mlops__packs_forget_published(p);
		p->scanned = false;
		free(old);
		int src = mlops__packs_scan(p, true);
		(void)src;
		return rc;
	}
	for (size_t i = 0; any && i < npacks; i++) {
		if (!old[i])
			continue;
		char file[64];
		snprintf(file, sizeof(file), "%s.idx", p->packs[i].name);
		if (unlinkat(p->dirfd, file, 0) != 0 && errno != ENOENT)
			rc = mlops__error_errno(errno, "fs backend: cannot remove '%s/%s'", p->dirpath, file);
		snprintf(file, sizeof(file), "%s.pack", p->packs[i].name);
		if (!rc && unlinkat(p->dirfd, file, 0) != 0 && errno != ENOENT)
			rc = mlops__error_errno(errno, "fs backend: cannot remove '%s/%s'", p->dirpath, file);
		if (rc)
			break;
	}
	if (any) {
		mlops__ptable_erase_packs(&p->t, old, npacks);
		for (size_t i = 0; i < npacks; i++)
			if (old[i])
				mlops__packs_free_pack(p, &p->packs[i]);
	}
	free(old);
	return rc;
}

int mlops__packs_flush(fs_packs *p, bool sync)
{
	int rc = p->w ? publish(p, sync) : 0;
	if (rc)
		mlops__packs_abandon(p);
	else if (p->lost.count)
		rc = mlops__error(MLOPS_EIO, "fs backend: %zu blobs written since the last flush were lost when their pack "
		                  "failed (%s); write them again", p->lost.count, p->lost_why ? p->lost_why : "unknown");
	if (rc) {
		mlops__keymap_clear(&p->lost);
		free(p->lost_why);
		p->lost_why = NULL;
		return rc;
	}
	return collect(p, sync);
}
