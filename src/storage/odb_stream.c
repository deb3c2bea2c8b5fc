/*
 * Streaming access to objects: the writer (constant memory, chunks cut and stored as data arrives, by a second
 * thread for large content), the reader (random access through a chunk offset table, each chunk verified before its
 * bytes are returned), whole-object get, and file import/export.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mlops/store.h"
#include "storage/chunker.h"
#include "storage/odb_int.h"

/* The writer cuts chunks only while at least MAX bytes are buffered (or at the end), so that every cut sees the
 * same bytes as a one-shot cut of the whole content would. */
#define WRITER_BUF (4u * MLOPS_CDC_MAX)
#define IO_BUF (1u << 20)

/*
 * Pipeline for large content: once a writer has a full buffer (1 MiB of content), one worker thread compresses and
 * stores the chunks while the caller's thread cuts and hashes the next ones. The worker is the only thread that
 * touches the odb and its backend while it has work, and every writer call waits until the worker is idle before it
 * returns: between calls the backend is used by the caller alone, as a store handle requires (the caller may use the
 * same store, or a second writer, between two writes). Memory is bounded by PIPE_SLOTS chunk buffers (4 MiB).
 * Each side wakes the other only when that one sleeps, and a caller waiting for room sleeps until half the slots
 * are free: a wake-up per chunk costs two context switches, more than storing a small chunk on a busy machine.
 */
#define PIPE_SLOTS 16

typedef struct pipe_slot {
	uint8_t *room;                 /* ODB_HEADER_SIZE bytes of header room, then the chunk */
	size_t n;
	char key[MLOPS_OID_BUFSIZE];
} pipe_slot;

typedef struct odb_pipe {
	mlops_odb *odb;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;           /* to the worker: a slot was queued, or stop */
	pthread_cond_t done;           /* to the caller: a slot was stored */
	pipe_slot slots[PIPE_SLOTS];
	size_t head, count;            /* queued slots [head, head + count), the one being stored included */
	size_t wake_at;                /* the caller sleeps until count <= wake_at */
	bool caller_waits;
	bool worker_waits;
	bool stop;
	int err;                       /* first failure of the worker; later slots are dropped unstored */
	char msg[1024];                /* its thread-local error message, carried to the caller's thread */
} odb_pipe;

struct mlops_odb_writer {
	mlops_odb *odb;
	mlops_hasher *hasher;
	uint8_t *buf;
	size_t len;
	uint64_t total;
	odb_builder bld;
	odb_pipe *pipe;    /* NULL until the content reaches WRITER_BUF */
	bool no_pipe;      /* the storing thread could not be started */
	int err;           /* first failure, sticky */
	bool finished;
};

static void *pipe_main(void *arg)
{
	odb_pipe *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->count && !p->stop) {
			p->worker_waits = true;
			pthread_cond_wait(&p->work, &p->mu);
			p->worker_waits = false;
		}
		if (!p->count)
			break;
		pipe_slot *s = &p->slots[p->head];
		bool skip = p->err != 0;
		pthread_mutex_unlock(&p->mu);
		int rc = skip ? 0 : mlops__odb_store_blob_room(p->odb, s->key, ODB_KIND_DATA, s->room, s->n);
		const mlops_error *e = rc ? mlops_error_last() : NULL;
		pthread_mutex_lock(&p->mu);
		if (rc && !p->err) {
			p->err = rc;
			snprintf(p->msg, sizeof(p->msg), "%s", e->code == rc && e->message[0] ? e->message : "");
		}
		p->head = (p->head + 1) % PIPE_SLOTS;
		p->count--;
		if (p->caller_waits && p->count <= p->wake_at)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void pipe_free(odb_pipe *p)
{
	for (int i = 0; i < PIPE_SLOTS; i++)
		free(p->slots[i].room);
	free(p);
}

static int pipe_start(odb_pipe **out, mlops_odb *odb)
{
	*out = NULL;
	odb_pipe *p = mlops__calloc(1, sizeof(*p));
	if (!p)
		return MLOPS_ENOMEM;
	p->odb = odb;
	for (int i = 0; i < PIPE_SLOTS; i++) {
		if (!(p->slots[i].room = mlops__malloc(ODB_HEADER_SIZE + MLOPS_CDC_MAX))) {
			pipe_free(p);
			return MLOPS_ENOMEM;
		}
	}
	int e = pthread_mutex_init(&p->mu, NULL);
	if (!e && (e = pthread_cond_init(&p->work, NULL)) != 0)
		pthread_mutex_destroy(&p->mu);
	if (!e && (e = pthread_cond_init(&p->done, NULL)) != 0) {
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->mu);
	}
	if (!e && (e = pthread_create(&p->thread, NULL, pipe_main, p)) != 0) {
		pthread_cond_destroy(&p->done);
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->mu);
	}
	if (e) {
		pipe_free(p);
		return mlops__error_errno(e, "object writer: cannot start its storing thread");
	}
	*out = p;
	return 0;
}

/* The worker's failure as the caller's error (0 when none). Call with the worker idle or joined. */
static int pipe_error(odb_pipe *p)
{
	if (!p->err)
		return 0;
	if (p->msg[0])
		return mlops__error(p->err, "%s", p->msg);
	return mlops__error(p->err, "object store: storing a chunk failed with %s", mlops_error_name(p->err));
}

/* Queue a copy of one chunk for the worker; waits for a free slot. */
static int pipe_push(odb_pipe *p, const char *key, const uint8_t *chunk, size_t n)
{
	pthread_mutex_lock(&p->mu);
	if (p->count == PIPE_SLOTS) {
		p->wake_at = PIPE_SLOTS / 2;
		p->caller_waits = true;
		while (p->count > p->wake_at)
			pthread_cond_wait(&p->done, &p->mu);
		p->caller_waits = false;
	}
	bool failed = p->err != 0;
	size_t idx = (p->head + p->count) % PIPE_SLOTS;
	pthread_mutex_unlock(&p->mu);
	if (failed)
		return 0; /* reported by pipe_wait; nothing more is stored */
	/* The worker does not look at slot idx until count covers it. */
	pipe_slot *s = &p->slots[idx];
	memcpy(s->room + ODB_HEADER_SIZE, chunk, n);
	s->n = n;
	memcpy(s->key, key, MLOPS_OID_BUFSIZE);
	pthread_mutex_lock(&p->mu);
	p->count++;
	if (p->worker_waits)
		pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/* Wait until every queued chunk is stored (or dropped after a failure); returns the worker's failure. */
static int pipe_wait(odb_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->wake_at = 0;
	p->caller_waits = true;
	while (p->count)
		pthread_cond_wait(&p->done, &p->mu);
	p->caller_waits = false;
	pthread_mutex_unlock(&p->mu);
	return pipe_error(p);
}

static void pipe_stop(odb_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	pipe_free(p);
}

int mlops__odb_writer_new(mlops_odb_writer **out, mlops_odb *odb)
{
	*out = NULL;
	mlops_odb_writer *w = mlops__calloc(1, sizeof(*w));
	if (!w)
		return MLOPS_ENOMEM;
	w->odb = odb;
	int rc = mlops__hasher_new(&w->hasher);
	if (!rc && !(w->buf = mlops__malloc(WRITER_BUF)))
		rc = MLOPS_ENOMEM;
	if (!rc)
		rc = mlops__odb_builder_init(&w->bld);
	if (rc) {
		mlops__odb_writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

/* One chunk: stored here, or hashed here and queued for the worker. */
static int writer_chunk(mlops_odb_writer *w, const uint8_t *chunk, size_t n)
{
	if (!w->pipe)
		return mlops__odb_builder_add(w->odb, &w->bld, chunk, n);
	mlops_oid id;
	char hex[MLOPS_OID_BUFSIZE];
	mlops__hash128(&id, chunk, n);
	mlops__oid_to_hex(hex, &id);
	int rc = mlops__odb_builder_record(&w->bld, &id, n);
	return rc ? rc : pipe_push(w->pipe, hex, chunk, n);
}

/* Cut chunks from the buffer and store or queue them; with !end, only while a full MAX window is available. */
static int writer_drain(mlops_odb_writer *w, bool end)
{
	size_t off = 0;
	int rc = 0;
	while (off < w->len && (end || w->len - off >= MLOPS_CDC_MAX)) {
		size_t c = mlops__cdc_cut(w->buf + off, w->len - off);
		rc = writer_chunk(w, w->buf + off, c);
		if (rc)
			break;
		off += c;
	}
	if (off) {
		memmove(w->buf, w->buf + off, w->len - off);
		w->len -= off;
	}
	return rc;
}

int mlops__odb_writer_write(mlops_odb_writer *w, const void *data, size_t n)
{
	if (w->err)
		return mlops__error(w->err, "object writer failed earlier (%s); start a new one",
		                    mlops_error_name(w->err));
	if (w->finished)
		return mlops__error(MLOPS_EINVAL, "object writer already finished");
	if (!data && n)
		return mlops__error(MLOPS_EINVAL, "object writer: write of %zu bytes from NULL", n);
	const uint8_t *p = data;
	size_t left = n;
	int rc = 0;
	while (left) {
		size_t k = WRITER_BUF - w->len < left ? WRITER_BUF - w->len : left;
		memcpy(w->buf + w->len, p, k);
		w->len += k;
		p += k;
		left -= k;
		if (w->len == WRITER_BUF) {
			if (!w->pipe && !w->no_pipe && pipe_start(&w->pipe, w->odb) != 0) {
				/* No thread or no memory for the queue: store the chunks on this thread instead. */
				w->no_pipe = true;
				mlops__error_reset();
			}
			if ((rc = writer_drain(w, false)) != 0)
				break;
		}
	}
	/* The content hash runs while the worker stores the chunks just queued. */
	if (!rc)
		mlops__hasher_update(w->hasher, data, n);
	w->total += n;
	if (w->pipe) {
		int wrc = pipe_wait(w->pipe);
		if (!rc)
			rc = wrc;
	}
	if (rc)
		w->err = rc;
	return rc;
}

int mlops__odb_writer_finish(mlops_oid *out, mlops_odb_writer *w)
{
	memset(out, 0, sizeof(*out));
	if (w->err)
		return mlops__error(w->err, "object writer failed earlier (%s)", mlops_error_name(w->err));
	if (w->finished)
		return mlops__error(MLOPS_EINVAL, "object writer already finished");
	mlops_oid id;
	char hex[MLOPS_OID_BUFSIZE];
	mlops__hasher_final(&id, w->hasher);
	mlops__oid_to_hex(hex, &id);
	int rc;
	if (w->total < MLOPS_CHUNK_THRESHOLD) {
		rc = mlops__odb_store_blob(w->odb, hex, ODB_KIND_DATA, w->buf, w->len);
	} else {
		rc = writer_drain(w, true);
		if (w->pipe) {
			/* Joined before the manifest is stored: chunks reach the backend first, and from here on the
			 * caller's thread is the only user of the backend again. */
			int wrc = pipe_wait(w->pipe);
			if (!rc)
				rc = wrc;
			pipe_stop(w->pipe);
			w->pipe = NULL;
		}
		if (!rc)
			rc = mlops__odb_builder_finish(w->odb, &w->bld, &id);
	}
	if (!rc)
		rc = mlops__odb_flush(w->odb);
	if (rc) {
		w->err = rc;
		return mlops__error_prefix("cannot store object %s (%llu bytes)", hex, (unsigned long long)w->total);
	}
	w->finished = true;
	*out = id;
	return 0;
}

uint64_t mlops__odb_writer_size(const mlops_odb_writer *w)
{
	return w->total;
}

void mlops__odb_writer_free(mlops_odb_writer *w)
{
	if (!w)
		return;
	if (w->pipe)
		pipe_stop(w->pipe);
	mlops__hasher_free(w->hasher);
	free(w->buf);
	mlops__odb_builder_free(&w->bld);
	free(w);
}

/* ---- reader ---- */

struct mlops_odb_reader {
	mlops_odb *odb;
	mlops_oid id;
	char hex[MLOPS_OID_BUFSIZE];
	uint64_t size;
	uint64_t pos;
	odb_manifest m;        /* m.raw == NULL for a plain blob */
	uint64_t *offsets;     /* count + 1 chunk start offsets */
	uint8_t *chunk;        /* current chunk, verified */
	size_t chunk_len;
	uint64_t chunk_idx;    /* UINT64_MAX: none loaded */
	mlops_hasher *hasher;  /* whole-content check on a sequential read from offset 0 */
	uint64_t hashed;
	bool sequential;
	bool checked;
};

int mlops__odb_reader_new(mlops_odb_reader **out, mlops_odb *odb, const mlops_oid *id)
{
	*out = NULL;
	mlops_odb_reader *r = mlops__calloc(1, sizeof(*r));
	if (!r)
		return MLOPS_ENOMEM;
	r->odb = odb;
	r->id = *id;
	mlops__oid_to_hex(r->hex, id);
	r->chunk_idx = UINT64_MAX;
	int kind;
	uint8_t *raw;
	size_t n;
	int rc = mlops__odb_load_blob(odb, r->hex, -1, UINT64_MAX, &kind, &raw, &n);
	if (rc == MLOPS_ENOTFOUND)
		rc = mlops__error(MLOPS_ENOTFOUND, "object %s not found", r->hex);
	if (rc)
		goto fail;
	if (kind == ODB_KIND_DATA) {
		/* A plain blob was verified against the id as a whole. */
		r->chunk = raw;
		r->chunk_len = n;
		r->chunk_idx = 0;
		r->size = n;
		r->checked = true;
		*out = r;
		return 0;
	}
	rc = mlops__odb_manifest_parse(&r->m, r->hex, raw, n);
	if (rc)
		goto fail;
	r->size = r->m.total;
	if (r->m.count >= SIZE_MAX / sizeof(uint64_t) ||
	    !(r->offsets = mlops__malloc((size_t)(r->m.count + 1) * sizeof(uint64_t)))) {
		rc = MLOPS_ENOMEM;
		goto fail;
	}
	uint64_t off = 0;
	for (uint64_t i = 0; i < r->m.count; i++) {
		r->offsets[i] = off;
		off += odb_manifest_size(&r->m, i);
	}
	r->offsets[r->m.count] = off;
	rc = mlops__hasher_new(&r->hasher);
	if (rc)
		goto fail;
	r->sequential = true;
	*out = r;
	return 0;
fail:
	mlops__odb_reader_free(r);
	return rc;
}

uint64_t mlops__odb_reader_size(const mlops_odb_reader *r)
{
	return r->size;
}

/* Index of the chunk holding offset pos (< size). */
static uint64_t locate(const mlops_odb_reader *r, uint64_t pos)
{
	uint64_t lo = 0, hi = r->m.count; /* offsets[lo] <= pos < offsets[hi] */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (r->offsets[mid] <= pos)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static int load_chunk(mlops_odb_reader *r, uint64_t idx)
{
	mlops_oid cid;
	char chex[MLOPS_OID_BUFSIZE];
	memcpy(cid.bytes, odb_manifest_id(&r->m, idx), 16);
	mlops__oid_to_hex(chex, &cid);
	free(r->chunk);
	r->chunk = NULL;
	r->chunk_idx = UINT64_MAX;
	int kind;
	uint8_t *raw;
	size_t n;
	int rc = mlops__odb_load_blob(r->odb, chex, ODB_KIND_DATA, odb_manifest_size(&r->m, idx), &kind, &raw, &n);
	if (rc == MLOPS_ENOTFOUND)
		rc = mlops__error(MLOPS_ECORRUPT, "chunk %s is missing", chex);
	if (rc)
		return mlops__error_prefix("object %s, chunk %llu of %llu", r->hex, (unsigned long long)idx + 1,
		                           (unsigned long long)r->m.count);
	r->chunk = raw;
	r->chunk_len = n;
	r->chunk_idx = idx;
	return 0;
}

int mlops__odb_reader_read(size_t *out_n, mlops_odb_reader *r, void *buf, size_t cap)
{
	*out_n = 0;
	if (!buf && cap)
		return mlops__error(MLOPS_EINVAL, "object reader: read into NULL");
	uint8_t *dst = buf;
	size_t done = 0;
	uint64_t start = r->pos;
	while (done < cap && r->pos < r->size) {
		uint64_t idx = 0, base = 0;
		if (r->m.raw) {
			idx = (r->chunk_idx != UINT64_MAX && r->pos >= r->offsets[r->chunk_idx] &&
			       r->pos < r->offsets[r->chunk_idx + 1]) ? r->chunk_idx : locate(r, r->pos);
			if (idx != r->chunk_idx) {
				int rc = load_chunk(r, idx);
				if (rc) {
					/* Nothing is returned, so nothing is consumed: a retry starts at the same offset. */
					r->pos = start;
					return rc;
				}
			}
			base = r->offsets[idx];
		}
		size_t in = (size_t)(r->pos - base);
		size_t k = r->chunk_len - in;
		if (k > cap - done)
			k = cap - done;
		memcpy(dst + done, r->chunk + in, k);
		done += k;
		r->pos += k;
	}
	if (!r->checked && r->sequential && r->hashed == start) {
		mlops__hasher_update(r->hasher, dst, done);
		r->hashed += done;
		if (r->hashed == r->size) {
			mlops_oid got;
			mlops__hasher_final(&got, r->hasher);
			if (memcmp(got.bytes, r->id.bytes, 16) != 0) {
				char hex[MLOPS_OID_BUFSIZE];
				mlops__oid_to_hex(hex, &got);
				return mlops__error(MLOPS_ECORRUPT, "object %s is damaged: its chunks verify but the whole "
				                    "content hashes to %s", r->hex, hex);
			}
			r->checked = true;
		}
	}
	*out_n = done;
	return 0;
}

int mlops__odb_reader_seek(mlops_odb_reader *r, uint64_t offset)
{
	if (offset > r->size)
		return mlops__error(MLOPS_EINVAL, "object %s: seek to %llu beyond its size %llu", r->hex,
		                    (unsigned long long)offset, (unsigned long long)r->size);
	r->pos = offset;
	if (r->checked)
		return 0;
	if (offset == 0) {
		mlops__hasher_reset(r->hasher);
		r->hashed = 0;
		r->sequential = true;
	} else if (offset != r->hashed) {
		r->sequential = false;
	}
	return 0;
}

void mlops__odb_reader_free(mlops_odb_reader *r)
{
	if (!r)
		return;
	mlops__odb_manifest_free(&r->m);
	free(r->offsets);
	free(r->chunk);
	mlops__hasher_free(r->hasher);
	free(r);
}

int mlops__odb_get(void **out, size_t *out_n, mlops_odb *odb, const mlops_oid *id)
{
	*out = NULL;
	*out_n = 0;
	mlops_odb_reader *r;
	int rc = mlops__odb_reader_new(&r, odb, id);
	if (rc)
		return rc;
	if (r->size >= SIZE_MAX) {
		rc = mlops__error(MLOPS_ENOMEM, "object %s is too large to read into memory", r->hex);
		mlops__odb_reader_free(r);
		return rc;
	}
	uint8_t *buf = mlops__malloc((size_t)r->size);
	if (!buf) {
		mlops__odb_reader_free(r);
		return MLOPS_ENOMEM;
	}
	size_t n = 0;
	while (!rc && n < r->size) {
		size_t got;
		rc = mlops__odb_reader_read(&got, r, buf + n, (size_t)r->size - n);
		if (!rc && got == 0)
			rc = mlops__error(MLOPS_EIO, "object %s: read stopped at %zu of %llu bytes", r->hex, n,
			                  (unsigned long long)r->size);
		n += got;
	}
	mlops__odb_reader_free(r);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*out_n = n;
	return 0;
}

/* ---- files ---- */

int mlops__odb_put_file(mlops_oid *out, mlops_odb *odb, const char *path)
{
	memset(out, 0, sizeof(*out));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mlops__error_errno(errno, "cannot open '%s'", path);
	mlops_odb_writer *w = NULL;
	uint8_t *buf = mlops__malloc(IO_BUF);
	int rc = buf ? mlops__odb_writer_new(&w, odb) : MLOPS_ENOMEM;
	while (!rc) {
		ssize_t n = read(fd, buf, IO_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = mlops__error_errno(errno, "cannot read '%s'", path);
			break;
		}
		if (n == 0)
			break;
		rc = mlops__odb_writer_write(w, buf, (size_t)n);
	}
	if (!rc)
		rc = mlops__odb_writer_finish(out, w);
	if (rc)
		mlops__error_prefix("cannot store file '%s'", path);
	mlops__odb_writer_free(w);
	free(buf);
	close(fd);
	return rc;
}

static int write_all(int fd, const uint8_t *p, size_t n, const char *path)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return mlops__error_errno(errno, "cannot write '%s'", path);
		}
		if (w == 0)
			return mlops__error(MLOPS_EIO, "cannot write '%s': write returned 0", path);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int mlops__odb_get_file(mlops_odb *odb, const mlops_oid *id, const char *path)
{
	if (mlops__str_empty(path))
		return mlops__error(MLOPS_EINVAL, "get_file: empty path");
	mlops_odb_reader *r;
	int rc = mlops__odb_reader_new(&r, odb, id);
	if (rc)
		return rc;
	char rnd[MLOPS_OID_BUFSIZE];
	char *tmp = NULL, *dir = NULL;
	uint8_t *buf = NULL;
	int fd = -1;
	if ((rc = mlops__random_hex32(rnd)) != 0)
		goto out;
	tmp = mlops__sprintf("%s.tmp-%.16s", path, rnd);
	buf = mlops__malloc(IO_BUF);
	if (!tmp || !buf) {
		rc = MLOPS_ENOMEM;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = mlops__error_errno(errno, "cannot create '%s'", tmp);
		goto out;
	}
	for (;;) {
		size_t n;
		rc = mlops__odb_reader_read(&n, r, buf, IO_BUF);
		if (rc || n == 0)
			break;
		if ((rc = write_all(fd, buf, n, tmp)) != 0)
			break;
	}
	if (!rc && odb->sync != MLOPS_SYNC_OFF && fsync(fd) != 0)
		rc = mlops__error_errno(errno, "cannot fsync '%s'", tmp);
	if (close(fd) != 0 && !rc)
		rc = mlops__error_errno(errno, "cannot close '%s'", tmp);
	fd = -1;
	if (!rc && rename(tmp, path) != 0)
		rc = mlops__error_errno(errno, "cannot rename '%s' to '%s'", tmp, path);
	if (!rc && odb->sync != MLOPS_SYNC_OFF) {
		const char *slash = strrchr(path, '/');
		dir = slash ? (slash == path ? mlops__strdup("/") : mlops__strndup(path, (size_t)(slash - path)))
		            : mlops__strdup(".");
		rc = dir ? mlops__fsync_dir(dir) : MLOPS_ENOMEM;
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc && tmp)
		unlink(tmp);
	if (rc)
		mlops__error_prefix("cannot write object %s to '%s'", r->hex, path);
	free(tmp);
	free(dir);
	free(buf);
	mlops__odb_reader_free(r);
	return rc;
}
