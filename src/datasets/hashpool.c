/*
 * Reading files of a working directory with worker threads: storing them into the object store (commit) or only
 * hashing them (status, checkout). Compression dominates the cost of a first commit, so each worker has its own
 * object database (zstd contexts) over a lock-wrapped view of the store's backend (blobcopy.c); the backend is
 * flushed once at the end instead of once per file. Errors of a worker (its thread-local message) are carried
 * back to the calling thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/ds_int.h"

#define IO_BUF (1u << 20)
#define MAX_THREADS 4
/* Below this much work a second thread costs more than it saves. */
#define PARALLEL_MIN_BYTES (8u << 20)

typedef struct pool {
	const char *root;
	bool single;
	ds_file *files;
	const size_t *idx;
	size_t n;
	bool store;                 /* store (commit) or only hash */
	ds_shared_backend *shared;
	atomic_size_t next;
	atomic_int stop;
	atomic_uint_fast64_t bytes;
	pthread_mutex_t err_mu;
	int err;
	char err_msg[1024];
} pool;

static void pool_fail(pool *p, int rc)
{
	pthread_mutex_lock(&p->err_mu);
	if (!p->err) {
		p->err = rc;
		snprintf(p->err_msg, sizeof(p->err_msg), "%s", mlops_error_last()->message);
	}
	pthread_mutex_unlock(&p->err_mu);
	atomic_store(&p->stop, 1);
}

/* Store one file through odb; sets f->oid and the size actually read. */
static int store_one(mlops_odb *odb, uint8_t *buf, const char *full, ds_file *f, uint64_t *out_read)
{
	if (S_ISLNK(f->mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(full, target, sizeof(target));
		if (n < 0)
			return mlops__error_errno(errno, "cannot read the link '%s'", full);
		*out_read = (uint64_t)n;
		return mlops__odb_put(&f->oid, odb, target, (size_t)n);
	}
	int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mlops__error_errno(errno, "cannot open '%s'", full);
	int rc = 0;
	uint64_t total = 0;
	if (f->size < MLOPS_CHUNK_THRESHOLD) {
		/* Small file: one read into the buffer and a whole-object put (no writer set-up per file). */
		size_t got = 0;
		while (got < IO_BUF) {
			ssize_t n = read(fd, buf + got, IO_BUF - got);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				rc = mlops__error_errno(errno, "cannot read '%s'", full);
				break;
			}
			if (n == 0)
				break;
			got += (size_t)n;
			if (got >= MLOPS_CHUNK_THRESHOLD)
				break; /* grew meanwhile: take the streaming path below */
		}
		if (!rc && got < MLOPS_CHUNK_THRESHOLD) {
			close(fd);
			*out_read = got;
			return mlops__odb_put(&f->oid, odb, buf, got);
		}
		if (!rc && lseek(fd, 0, SEEK_SET) != 0)
			rc = mlops__error_errno(errno, "cannot seek in '%s'", full);
	}
	mlops_odb_writer *w = NULL;
	if (!rc)
		rc = mlops__odb_writer_new(&w, odb);
	while (!rc) {
		ssize_t n = read(fd, buf, IO_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = mlops__error_errno(errno, "cannot read '%s'", full);
			break;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		rc = mlops__odb_writer_write(w, buf, (size_t)n);
	}
	if (!rc)
		rc = mlops__odb_writer_finish(&f->oid, w);
	mlops__odb_writer_free(w);
	close(fd);
	*out_read = total;
	return rc;
}

static void *worker(void *arg)
{
	pool *p = arg;
	mlops_odb *odb = NULL;
	uint8_t *buf = NULL;
	int rc = 0;
	if (p->store) {
		buf = mlops__malloc(IO_BUF);
		rc = buf ? mlops_datasets__shared_odb(&odb, p->shared) : MLOPS_ENOMEM;
	}
	while (!rc && !atomic_load(&p->stop)) {
		size_t k = atomic_fetch_add(&p->next, 1);
		if (k >= p->n)
			break;
		ds_file *f = &p->files[p->idx[k]];
		char *full = mlops_datasets__full_path(p->root, p->single, f->path);
		if (!full) {
			rc = MLOPS_ENOMEM;
			break;
		}
		uint64_t got = 0;
		if (p->store)
			rc = store_one(odb, buf, full, f, &got);
		else
			rc = mlops_datasets__hash_file(&f->oid, &got, full, f->mode);
		free(full);
		if (rc)
			break;
		/* Changed while read: the manifest takes the bytes read, the cache entry must never match. */
		if (got != f->size) {
			f->size = got;
			f->mtime_ns = -1;
		}
		f->state = DS_FILE_READ;
		atomic_fetch_add(&p->bytes, got);
	}
	if (rc)
		pool_fail(p, rc);
	mlops__odb_free(odb);
	free(buf);
	return NULL;
}

static int run_pool(pool *p, int threads, uint64_t *out_bytes)
{
	*out_bytes = 0;
	if (p->n == 0)
		return 0;
	uint64_t work = 0;
	for (size_t i = 0; i < p->n; i++)
		work += p->files[p->idx[i]].size;
	int nt = threads;
	if (nt <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		nt = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
	}
	if (nt > MAX_THREADS * 4)
		nt = MAX_THREADS * 4;
	if ((size_t)nt > p->n)
		nt = (int)p->n;
	if (work < PARALLEL_MIN_BYTES && p->n < 64)
		nt = 1;
	if (pthread_mutex_init(&p->err_mu, NULL) != 0)
		return mlops__error(MLOPS_ENOMEM, "cannot create a mutex");
	atomic_init(&p->next, 0);
	atomic_init(&p->stop, 0);
	atomic_init(&p->bytes, 0);
	pthread_t tids[MAX_THREADS * 4];
	int started = 0;
	for (int i = 1; i < nt; i++) {
		if (pthread_create(&tids[started], NULL, worker, p) != 0)
			break; /* fewer threads: the others share the work */
		started++;
	}
	worker(p);
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&p->err_mu);
	*out_bytes = atomic_load(&p->bytes);
	if (p->err)
		return mlops__error(p->err, "%s", p->err_msg);
	return 0;
}

int mlops_datasets__store_files(mlops_store *store, const char *root, bool single, ds_file *files,
                                const size_t *idx, size_t n, int threads, uint64_t *out_bytes)
{
	*out_bytes = 0;
	pool p = {.root = root, .single = single, .files = files, .idx = idx, .n = n, .store = true};
	int rc = mlops_datasets__shared_new(&p.shared, mlops_store__odb(store));
	if (rc)
		return rc;
	rc = run_pool(&p, threads, out_bytes);
	/* Objects are durable before the caller records metadata that references them. */
	if (!rc)
		rc = mlops_datasets__shared_flush(p.shared);
	mlops_datasets__shared_free(p.shared);
	return rc;
}

int mlops_datasets__hash_files(const char *root, bool single, ds_file *files, const size_t *idx, size_t n,
                               int threads, uint64_t *out_bytes)
{
	pool p = {.root = root, .single = single, .files = files, .idx = idx, .n = n, .store = false};
	return run_pool(&p, threads, out_bytes);
}
