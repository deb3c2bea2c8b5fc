/*
 * Reading files of a working directory with worker threads: storing them into the object store (commit) or only
 * hashing them (status, checkout). Compression dominates the cost of a first commit, so each worker has its own
 * object database (zstd contexts) over a lock-wrapped view of the store's backend (blobcopy.c); the backend is
 * flushed once at the end instead of once per file. A worker reads a file of up to WHOLE_MAX bytes whole into its
 * own buffer and stores it from there (see store_one). Errors of a worker (its thread-local message) are carried
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/ds_int.h"

/* Files up to this size are read whole and stored from memory; larger ones are streamed through a writer. */
#define WHOLE_MAX (8u << 20)
#define HUGE_PAGE (2u << 20)
#define WRITE_PIECE (1u << 20)
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
	uint64_t whole_max;         /* largest file read whole (see store_one) */
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

/* A worker's read buffer: grown to hold a whole file of up to WHOLE_MAX bytes. */
typedef struct wbuf {
	uint8_t *p;
	size_t cap;
} wbuf;

/*
 * Grow to at least want bytes (at most WHOLE_MAX), keeping the first keep bytes. The buffer is aligned and sized in
 * 2 MiB steps and asks for transparent huge pages: the kernel's copy, the hash, the chunker and zstd each pass over
 * all of it, and with 4 KiB pages each pass misses the TLB once per page (about 5% of a first commit's CPU time on
 * this machine's guest). MLOPS_ENOMEM leaves the buffer as it was.
 */
static int wbuf_grow(wbuf *b, size_t want, size_t keep)
{
	size_t cap = b->cap * 2 > want ? b->cap * 2 : want;
	if (cap > WHOLE_MAX)
		cap = WHOLE_MAX;
	cap = (cap + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
	void *p = NULL;
	if (posix_memalign(&p, HUGE_PAGE, cap) != 0)
		return mlops__error(MLOPS_ENOMEM, "out of memory for a %zu-byte read buffer", cap);
#ifdef MADV_HUGEPAGE
	madvise(p, cap, MADV_HUGEPAGE); /* advice only: without huge pages the buffer works the same */
#endif
	if (keep)
		memcpy(p, b->p, keep);
	free(b->p);
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Read from fd into b->p + *got until end of file or a full buffer. */
static int read_fill(int fd, wbuf *b, size_t *got, bool *eof, const char *full)
{
	*eof = false;
	while (*got < b->cap) {
		ssize_t n = read(fd, b->p + *got, b->cap - *got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return mlops__error_errno(errno, "cannot read '%s'", full);
		}
		if (n == 0) {
			*eof = true;
			break;
		}
		*got += (size_t)n;
	}
	return 0;
}

/* A file through a streaming writer, in buffer loads: b->p[0..got) is already read, the end not yet reached. */
static int store_stream(mlops_oid *out, mlops_odb *odb, int fd, wbuf *b, size_t got, const char *full,
                        uint64_t *out_read)
{
	mlops_odb_writer *w = NULL;
	int rc = mlops__odb_writer_new(&w, odb);
	uint64_t total = 0;
	bool eof = false;
	while (!rc) {
		total += got;
		/* In pieces of the size the writer was built around (its window is 1 MiB). */
		for (size_t off = 0; !rc && off < got; off += WRITE_PIECE)
			rc = mlops__odb_writer_write(w, b->p + off, got - off < WRITE_PIECE ? got - off : WRITE_PIECE);
		if (rc || eof)
			break;
		got = 0;
		rc = read_fill(fd, b, &got, &eof, full);
	}
	if (!rc)
		rc = mlops__odb_writer_finish(out, w);
	mlops__odb_writer_free(w);
	*out_read = total;
	return rc;
}

/*
 * Read a file whose walk saw size bytes into b, whole when it is at most WHOLE_MAX bytes (*eof set); otherwise b
 * holds its first *got bytes. A file that grew since the walk grows the buffer and keeps what was read.
 */
static int read_whole(int fd, wbuf *b, uint64_t size, size_t *got, bool *eof, const char *full)
{
	/* One byte more than the size seen by the walk, so that end of file shows in the same read loop. */
	size_t want = size < WHOLE_MAX ? (size_t)size + 1 : WHOLE_MAX;
	if (b->cap < want) {
		int rc = wbuf_grow(b, want, 0);
		if (rc && !b->cap)
			return rc;
		if (rc)
			mlops__error_reset(); /* a smaller buffer will do: the rest is streamed */
	}
	for (;;) {
		int rc = read_fill(fd, b, got, eof, full);
		if (rc || *eof || b->cap >= WHOLE_MAX)
			return rc;
		if (wbuf_grow(b, b->cap * 2, *got) != 0) {
			mlops__error_reset();
			return 0;
		}
	}
}

/*
 * Store one file through odb; sets f->oid and the size actually read. A file of up to whole_max bytes is read
 * whole and stored with one whole-object put, which chunks, hashes and compresses straight from the buffer: no
 * copy into a writer's window, no storing thread to start and feed per file (the pool's threads keep the cores
 * busy). A larger file goes through a streaming writer. Both cut and name chunks the same way, so the stored
 * objects do not depend on the path taken.
 */
static int store_one(mlops_odb *odb, wbuf *b, uint64_t whole_max, const char *full, ds_file *f,
                     uint64_t *out_read)
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
	size_t got = 0;
	bool eof = false;
	if (f->size <= whole_max)
		rc = read_whole(fd, b, f->size, &got, &eof, full);
	else if (!b->cap)
		rc = wbuf_grow(b, WRITE_PIECE, 0);
	if (!rc && eof) {
		*out_read = got;
		rc = mlops__odb_put(&f->oid, odb, b->p, got);
	} else if (!rc) {
		rc = store_stream(&f->oid, odb, fd, b, got, full, out_read);
	}
	close(fd);
	return rc;
}

static void *worker(void *arg)
{
	pool *p = arg;
	mlops_odb *odb = NULL;
	wbuf buf = {0};
	int rc = 0;
	if (p->store)
		rc = mlops_datasets__shared_odb(&odb, p->shared);
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
			rc = store_one(odb, &buf, p->whole_max, full, f, &got);
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
	free(buf.p);
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
	/* A lone worker leaves the second core to the streaming writer's own thread, which a whole-file put has not. */
	p->whole_max = nt > 1 ? WHOLE_MAX : WRITE_PIECE;
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
