/*
 * Writing one pack file. Blobs are copied into one of two aligned buffers; a full buffer goes to the file from a
 * second thread while the caller fills the other one, so compression and disk writes overlap. Writes use O_DIRECT
 * where the file system accepts it: a batch of hundreds of MiB then goes from the buffer to the device without
 * first being copied into the page cache, which on a guest whose free memory is handed back to the host costs more
 * CPU than the copy itself. The last buffer is padded to FS_PACK_ALIGN, so the file is a whole number of blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/fs_pack.h"
#include "util/util.h"

#define BUF_SIZE (8u << 20)

struct fs_packw {
	int dirfd;
	char *name;     /* "<name>.pack", relative to dirfd */
	char *path;     /* for messages */
	int fd;         /* written (O_DIRECT when direct) */
	int rfd;        /* read back through the page cache, opened on first need */
	bool direct;
	uint8_t *buf[2];
	int cur;
	size_t fill;    /* bytes in buf[cur] */
	uint64_t base;  /* file offset of buf[cur][0] */

	pthread_t thread;
	bool threaded;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool busy, stop;
	const uint8_t *job;
	size_t job_len;
	uint64_t job_off;
	int io_err;     /* errno of a failed write, sticky */
};

static int pwrite_all(fs_packw *w, const uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t r = pwrite(w->fd, p, n, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EINVAL && w->direct) {
				/* The device wants a larger alignment than ours: go on through the page cache. */
				int fl = fcntl(w->fd, F_GETFL);
				if (fl >= 0 && fcntl(w->fd, F_SETFL, fl & ~O_DIRECT) == 0) {
					w->direct = false;
					continue;
				}
			}
			return errno;
		}
		if (r == 0)
			return EIO;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static void *io_main(void *arg)
{
	fs_packw *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->busy && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->busy)
			break;
		const uint8_t *p = w->job;
		size_t n = w->job_len;
		uint64_t off = w->job_off;
		pthread_mutex_unlock(&w->mu);
		int err = pwrite_all(w, p, n, off);
		pthread_mutex_lock(&w->mu);
		if (err && !w->io_err)
			w->io_err = err;
		w->busy = false;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Wait until no buffer is being written; the error of an earlier write, if any. */
static int wait_idle(fs_packw *w)
{
	if (!w->threaded)
		return w->io_err;
	pthread_mutex_lock(&w->mu);
	while (w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	int err = w->io_err;
	pthread_mutex_unlock(&w->mu);
	return err;
}

static int io_error(fs_packw *w, int err)
{
	return mlops__error_errno(err, "fs backend: cannot write pack '%s'", w->path);
}

/* Hand buf[cur][0..len) to the writing thread (or write it here) and switch buffers. */
static int submit(fs_packw *w, size_t len)
{
	int err = wait_idle(w);
	if (err)
		return io_error(w, err);
	if (w->threaded) {
		pthread_mutex_lock(&w->mu);
		w->job = w->buf[w->cur];
		w->job_len = len;
		w->job_off = w->base;
		w->busy = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	} else if ((err = pwrite_all(w, w->buf[w->cur], len, w->base)) != 0) {
		w->io_err = err;
		return io_error(w, err);
	}
	w->cur ^= 1;
	w->base += len;
	w->fill = 0;
	return 0;
}

int mlops__packw_new(fs_packw **out, int dirfd, const char *dirpath, const char *name)
{
	*out = NULL;
	fs_packw *w = mlops__calloc(1, sizeof(*w));
	if (!w)
		return MLOPS_ENOMEM;
	w->dirfd = dirfd;
	w->fd = w->rfd = -1;
	int rc = 0;
	w->name = mlops__sprintf("%s.pack", name);
	w->path = mlops__sprintf("%s/%s.pack", dirpath, name);
	if (!w->name || !w->path) {
		rc = MLOPS_ENOMEM;
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		void *b = NULL;
		if (posix_memalign(&b, FS_PACK_ALIGN, BUF_SIZE) != 0) {
			rc = mlops__error(MLOPS_ENOMEM, "fs backend: cannot allocate a %u-byte pack buffer", BUF_SIZE);
			goto fail;
		}
		w->buf[i] = b;
	}
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
	w->fd = openat(dirfd, w->name, flags | O_DIRECT, 0644);
	w->direct = w->fd >= 0;
	if (w->fd < 0 && errno == EINVAL)
		w->fd = openat(dirfd, w->name, flags, 0644);
	if (w->fd < 0) {
		rc = mlops__error_errno(errno, "fs backend: cannot create pack '%s'", w->path);
		goto fail;
	}
	memcpy(w->buf[0], FS_PACK_MAGIC, 4);
	mlops__put_le32(w->buf[0] + 4, FS_PACK_VERSION);
	memset(w->buf[0] + 8, 0, FS_PACK_HEADER - 8);
	w->fill = FS_PACK_HEADER;
	if (pthread_mutex_init(&w->mu, NULL) == 0) {
		if (pthread_cond_init(&w->cv, NULL) == 0) {
			if (pthread_create(&w->thread, NULL, io_main, w) == 0)
				w->threaded = true;
			else
				pthread_cond_destroy(&w->cv);
		}
		if (!w->threaded)
			pthread_mutex_destroy(&w->mu);
	}
	*out = w;
	return 0;
fail:
	mlops__packw_free(w, true);
	return rc;
}

int mlops__packw_append(fs_packw *w, const void *data, size_t size, uint64_t *offset)
{
	*offset = w->base + w->fill; /* a failed earlier write is reported by the next submit */
	const uint8_t *p = data;
	while (size > 0) {
		size_t n = BUF_SIZE - w->fill;
		if (n > size)
			n = size;
		memcpy(w->buf[w->cur] + w->fill, p, n);
		w->fill += n;
		p += n;
		size -= n;
		if (w->fill == BUF_SIZE) {
			int rc = submit(w, BUF_SIZE);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int mlops__packw_pread(fs_packw *w, void *buf, size_t size, uint64_t offset)
{
	uint8_t *out = buf;
	if (offset + size > w->base + w->fill || offset < FS_PACK_HEADER)
		return mlops__error(MLOPS_ECORRUPT, "fs backend: range %llu+%zu is outside pack '%s'",
		                    (unsigned long long)offset, size, w->path);
	if (offset < w->base) {
		int err = wait_idle(w);
		if (err)
			return io_error(w, err);
		if (w->rfd < 0) {
			w->rfd = openat(w->dirfd, w->name, O_RDONLY | O_CLOEXEC);
			if (w->rfd < 0)
				return mlops__error_errno(errno, "fs backend: cannot open pack '%s'", w->path);
		}
		size_t n = w->base - offset < size ? (size_t)(w->base - offset) : size;
		long long got = mlops__pread_full(w->rfd, out, n, offset);
		if (got < 0 || (size_t)got < n)
			return mlops__error_errno(got < 0 ? (int)-got : EIO, "fs backend: cannot read pack '%s'", w->path);
		out += n;
		size -= n;
		offset += n;
	}
	if (size)
		memcpy(out, w->buf[w->cur] + (offset - w->base), size);
	return 0;
}

int mlops__packw_finish(fs_packw *w, bool sync, uint64_t *pack_size)
{
	if (w->fill) {
		size_t len = (w->fill + FS_PACK_ALIGN - 1) / FS_PACK_ALIGN * FS_PACK_ALIGN;
		memset(w->buf[w->cur] + w->fill, 0, len - w->fill);
		int rc = submit(w, len);
		if (rc)
			return rc;
	}
	int err = wait_idle(w);
	if (err)
		return io_error(w, err);
	if (sync && fdatasync(w->fd) != 0)
		return mlops__error_errno(errno, "fs backend: fdatasync of pack '%s' failed", w->path);
	*pack_size = w->base;
	return 0;
}

void mlops__packw_free(fs_packw *w, bool discard)
{
	if (!w)
		return;
	if (w->threaded) {
		pthread_mutex_lock(&w->mu);
		while (w->busy)
			pthread_cond_wait(&w->cv, &w->mu);
		w->stop = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
	}
	if (w->fd >= 0)
		close(w->fd);
	if (w->rfd >= 0)
		close(w->rfd);
	if (discard && w->name && w->fd >= 0)
		unlinkat(w->dirfd, w->name, 0);
	free(w->buf[0]);
	free(w->buf[1]);
	free(w->name);
	free(w->path);
	free(w);
}
