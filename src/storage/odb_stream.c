/*
 * Streaming access to objects: the writer (bounded memory, chunks cut, compressed and stored as data arrives, on two
 * threads for large content), the reader (random access through a chunk offset table, each chunk verified before its
 * bytes are returned), and file import/export. Whole-object get (over the reader) is in odb.c.
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

#define IO_BUF (1u << 20)

/*
 * The writer takes content in batches of 1 MiB. Each batch goes through four steps, in order of batches:
 *   cut:    the bytes left over from the previous batch (less than MAX) are put in front of the new ones, chunks are
 *           cut while at least MAX bytes remain (or to the end, for the last batch), so that every cut sees the same
 *           bytes as a one-shot cut of the whole content; each chunk is hashed, and the content hash is fed;
 *   check:  chunks already in the backend are marked, so that nobody compresses them, and the chunk list is built;
 *   encode: each remaining chunk is probed and compressed (any order, either thread);
 *   write:  chunks are stored in order; a raw chunk is written in place, its header over the 16 bytes before it.
 * Content of 1 MiB or more gets one worker thread that cuts, and compresses whenever it has nothing to cut, while
 * the caller's thread copies the next batch in, checks and writes, and compresses too when it would otherwise wait.
 * Only the caller's thread touches the odb and its backend, and only inside writer calls, as a store handle
 * requires (the caller may use the same store, or a second writer, between two writes); the worker works on the
 * writer's own buffers with its own zstd context, and may go on doing so between calls. Memory is bounded by
 * BATCH_COUNT batches (about 10 MiB). Batch s lives in batch[s % BATCH_COUNT]; the sequence counters say which
 * step it is at, and one mutex guards them and the chunk states.
 */
#define BATCH_DATA (1u << 20)
#define BATCH_COUNT 4
#define BATCH_AT (ODB_HEADER_SIZE + MLOPS_CDC_MAX)         /* new bytes start here; the carried tail goes before */
#define BATCH_SIZE (BATCH_AT + BATCH_DATA)
#define BATCH_CHUNKS ((MLOPS_CDC_MAX + BATCH_DATA) / MLOPS_CDC_MIN + 1)
#define ENC_SIZE (BATCH_SIZE + BATCH_CHUNKS * ODB_HEADER_SIZE)

enum { CHUNK_QUEUED, CHUNK_CLAIMED, CHUNK_DONE };

typedef struct wchunk {
	uint32_t off;          /* start in the batch buffer */
	uint32_t n;
	uint32_t csize;        /* zstd payload size (blob in the batch's enc area), 0: stored raw */
	int state;
	bool stored;           /* in the backend already: only touched (or stored again if gc took it meanwhile) */
	int err;               /* compression failure, named by zerr */
	const char *zerr;
	mlops_oid id;
	char key[MLOPS_OID_BUFSIZE];
} wchunk;

typedef struct wbatch {
	uint8_t *buf;          /* BATCH_SIZE */
	uint8_t *enc;          /* ENC_SIZE: the zstd blob of chunk i at off + i * ODB_HEADER_SIZE (csize < n: no overlap) */
	size_t len;            /* new bytes at BATCH_AT */
	bool last;             /* cut to the end */
	wchunk chunks[BATCH_CHUNKS];
	size_t count, claimed, written;
} wbatch;

struct mlops_odb_writer {
	mlops_odb *odb;
	int level;
	wbatch batch[BATCH_COUNT];
	/* fill >= cut >= check >= write: batches [cut, fill) wait to be cut, [check, cut) to be checked, [write, check)
	 * are being encoded and written. fill, check and write move on the caller's thread, cut on the cutting one. */
	uint64_t fill, cut, check, write;
	uint8_t *carry;        /* uncut tail of the last batch cut; the cutting thread's, like hasher */
	size_t carry_len;
	mlops_hasher *hasher;  /* content hash */
	uint64_t total;
	odb_builder bld;
	pthread_mutex_t mu;
	pthread_cond_t to_worker;
	pthread_cond_t to_caller;
	pthread_t thread;
	bool threaded;         /* the worker runs: it cuts */
	bool no_thread;        /* it could not be started: the caller does everything */
	bool worker_waits, caller_waits, stop;
	ZSTD_CCtx *wcctx;      /* the worker's */
	uint8_t *wenc;
	size_t wenc_cap;
	int err;               /* first failure, sticky */
	bool finished;
};

/* Cut the next batch in order. Only the cutting thread calls this (the worker, or the caller when there is none). */
static void batch_cut(mlops_odb_writer *w, wbatch *b)
{
	uint8_t *data = b->buf + BATCH_AT - w->carry_len;
	memcpy(data, w->carry, w->carry_len);
	size_t len = w->carry_len + b->len, off = 0;
	b->count = b->claimed = b->written = 0;
	while (off < len && (b->last || len - off >= MLOPS_CDC_MAX)) {
		size_t c = mlops__cdc_cut(data + off, len - off);
		wchunk *ch = &b->chunks[b->count++];
		ch->off = (uint32_t)(data + off - b->buf);
		ch->n = (uint32_t)c;
		ch->csize = 0;
		ch->state = CHUNK_QUEUED;
		ch->stored = false;
		ch->err = 0;
		mlops__hash128(&ch->id, data + off, c);
		mlops__oid_to_hex(ch->key, &ch->id);
		off += c;
	}
	mlops__hasher_update(w->hasher, data, off);
	w->carry_len = len - off;
	memcpy(w->carry, data + off, w->carry_len);
}

/* Caller's thread, before anyone may claim the batch's chunks: mark (as done) the chunks stored already, and list
 * them all in the manifest. */
static int batch_check(mlops_odb_writer *w, wbatch *b)
{
	for (size_t i = 0; i < b->count; i++) {
		wchunk *c = &b->chunks[i];
		int rc = mlops__odb_blob_exists(w->odb, &c->stored, c->key);
		if (c->stored)
			c->state = CHUNK_DONE;
		if (!rc)
			rc = mlops__odb_builder_record(&w->bld, &c->id, c->n);
		if (rc)
			return rc;
	}
	return 0;
}

/* With w->mu held: take the oldest chunk nobody has encoded yet. */
static wchunk *claim(mlops_odb_writer *w, wbatch **out_b)
{
	for (uint64_t s = w->write; s < w->check; s++) {
		wbatch *b = &w->batch[s % BATCH_COUNT];
		while (b->claimed < b->count && b->chunks[b->claimed].stored)
			b->claimed++;
		if (b->claimed < b->count) {
			wchunk *c = &b->chunks[b->claimed++];
			c->state = CHUNK_CLAIMED;
			*out_b = b;
			return c;
		}
	}
	return NULL;
}

/* Without the lock: the chunk is claimed, its bytes and its enc area are nobody else's until it is done. */
static void chunk_encode(mlops_odb_writer *w, wbatch *b, wchunk *c, ZSTD_CCtx *cctx, uint8_t *scratch, size_t cap)
{
	size_t csize;
	c->err = mlops__odb_encode(&csize, &c->zerr, cctx, w->level, b->buf + c->off, c->n, scratch, cap);
	if (!c->err && csize) {
		uint8_t *blob = b->enc + c->off + (size_t)(c - b->chunks) * ODB_HEADER_SIZE;
		mlops__odb_header(blob, ODB_CODEC_ZSTD, ODB_KIND_DATA, c->n);
		memcpy(blob + ODB_HEADER_SIZE, scratch, csize);
	}
	c->csize = c->err ? 0 : (uint32_t)csize;
}

/* Caller's thread, chunks in order. The 16 bytes before a chunk end the previous chunk (stored already, read by
 * nobody any more) or lie in the batch's header room, so a raw chunk gets its header there. */
static int chunk_write(mlops_odb_writer *w, wbatch *b, wchunk *c)
{
	uint8_t *room = b->buf + c->off - ODB_HEADER_SIZE;
	if (c->stored)
		return mlops__odb_store_blob_room(w->odb, c->key, ODB_KIND_DATA, room, c->n);
	if (c->err)
		return mlops__error(c->err, "object store: cannot compress blob '%s' (%u bytes): %s", c->key, c->n,
		                    c->zerr);
	if (c->csize)
		return mlops__odb_write_blob(w->odb, c->key, ODB_KIND_DATA,
		                             b->enc + c->off + (size_t)(c - b->chunks) * ODB_HEADER_SIZE,
		                             ODB_HEADER_SIZE + c->csize);
	mlops__odb_header(room, ODB_CODEC_RAW, ODB_KIND_DATA, c->n);
	return mlops__odb_write_blob(w->odb, c->key, ODB_KIND_DATA, room, ODB_HEADER_SIZE + c->n);
}

static void *worker_main(void *arg)
{
	mlops_odb_writer *w = arg;
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		wbatch *b;
		wchunk *c = NULL;
		if (w->cut < w->fill) {
			b = &w->batch[w->cut % BATCH_COUNT];
			pthread_mutex_unlock(&w->mu);
			batch_cut(w, b);
			pthread_mutex_lock(&w->mu);
			w->cut++;
		} else if ((c = claim(w, &b)) != NULL) {
			pthread_mutex_unlock(&w->mu);
			chunk_encode(w, b, c, w->wcctx, w->wenc, w->wenc_cap);
			pthread_mutex_lock(&w->mu);
			c->state = CHUNK_DONE;
		} else {
			w->worker_waits = true;
			pthread_cond_wait(&w->to_worker, &w->mu);
			w->worker_waits = false;
			continue;
		}
		if (w->caller_waits)
			pthread_cond_signal(&w->to_caller);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static int worker_start(mlops_odb_writer *w)
{
	w->wcctx = ZSTD_createCCtx();
	w->wenc_cap = ZSTD_compressBound(MLOPS_CDC_MAX);
	w->wenc = mlops__malloc(w->wenc_cap);
	if (!w->wcctx || !w->wenc)
		return MLOPS_ENOMEM;
	int e = pthread_create(&w->thread, NULL, worker_main, w);
	if (e)
		return mlops__error_errno(e, "object writer: cannot start its worker thread");
	w->threaded = true;
	return 0;
}

static void worker_stop(mlops_odb_writer *w)
{
	if (w->threaded) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_signal(&w->to_worker);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		w->threaded = false;
	}
	ZSTD_freeCCtx(w->wcctx);
	w->wcctx = NULL;
	free(w->wenc);
	w->wenc = NULL;
}

enum { UNTIL_IDLE, UNTIL_ROOM, UNTIL_DONE };

/*
 * The caller's share: cut (when there is no worker), check and write whatever is ready. UNTIL_IDLE returns when
 * nothing is ready; UNTIL_ROOM when a batch is free to fill; UNTIL_DONE when every batch is written. The last two
 * compress chunks rather than sleep, and sleep only while the worker holds the next piece of work.
 */
static int pump(mlops_odb_writer *w, int until)
{
	int rc = 0;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		if ((until == UNTIL_ROOM && w->fill - w->write < BATCH_COUNT) || (until == UNTIL_DONE && w->write == w->fill))
			break;
		wbatch *b;
		wchunk *c;
		if (!w->threaded && w->cut < w->fill) {
			b = &w->batch[w->cut % BATCH_COUNT];
			pthread_mutex_unlock(&w->mu);
			batch_cut(w, b);
			pthread_mutex_lock(&w->mu);
			w->cut++;
			continue;
		}
		if (w->check < w->cut) {
			b = &w->batch[w->check % BATCH_COUNT];
			pthread_mutex_unlock(&w->mu);
			rc = batch_check(w, b);
			pthread_mutex_lock(&w->mu);
			if (rc)
				break;
			w->check++;
			if (w->worker_waits)
				pthread_cond_signal(&w->to_worker);
			continue;
		}
		if (w->write < w->check) {
			b = &w->batch[w->write % BATCH_COUNT];
			if (b->written == b->count) {
				b->len = 0;
				w->write++;
				continue;
			}
			c = &b->chunks[b->written];
			if (c->state == CHUNK_DONE) {
				pthread_mutex_unlock(&w->mu);
				rc = chunk_write(w, b, c);
				pthread_mutex_lock(&w->mu);
				if (rc)
					break;
				b->written++;
				continue;
			}
		}
		if (until == UNTIL_IDLE)
			break;
		if ((c = claim(w, &b)) != NULL) {
			pthread_mutex_unlock(&w->mu);
			chunk_encode(w, b, c, w->odb->cctx, w->odb->enc, w->odb->enc_cap);
			pthread_mutex_lock(&w->mu);
			c->state = CHUNK_DONE;
			continue;
		}
		w->caller_waits = true;
		pthread_cond_wait(&w->to_caller, &w->mu);
		w->caller_waits = false;
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* Hand the batch being filled over to the cutting thread. */
static void submit(mlops_odb_writer *w, bool last)
{
	w->batch[w->fill % BATCH_COUNT].last = last;
	pthread_mutex_lock(&w->mu);
	w->fill++;
	if (w->worker_waits)
		pthread_cond_signal(&w->to_worker);
	pthread_mutex_unlock(&w->mu);
}

/* The batch to fill next, with its buffers (allocated on first use: small content needs one batch). */
static int fill_batch(wbatch **out, mlops_odb_writer *w)
{
	if (w->fill - w->write == BATCH_COUNT) {
		int rc = pump(w, UNTIL_ROOM);
		if (rc)
			return rc;
	}
	wbatch *b = &w->batch[w->fill % BATCH_COUNT];
	if (!b->buf && !(b->buf = mlops__malloc(BATCH_SIZE)))
		return MLOPS_ENOMEM;
	if (!b->enc && !(b->enc = mlops__malloc(ENC_SIZE)))
		return MLOPS_ENOMEM;
	*out = b;
	return 0;
}

int mlops__odb_writer_new(mlops_odb_writer **out, mlops_odb *odb)
{
	*out = NULL;
	mlops_odb_writer *w = mlops__calloc(1, sizeof(*w));
	if (!w)
		return MLOPS_ENOMEM;
	w->odb = odb;
	w->level = mlops__odb_level(odb);
	int e = pthread_mutex_init(&w->mu, NULL);
	if (!e && (e = pthread_cond_init(&w->to_worker, NULL)) != 0)
		pthread_mutex_destroy(&w->mu);
	if (!e && (e = pthread_cond_init(&w->to_caller, NULL)) != 0) {
		pthread_cond_destroy(&w->to_worker);
		pthread_mutex_destroy(&w->mu);
	}
	if (e) {
		free(w);
		return mlops__error_errno(e, "object writer: cannot create its lock");
	}
	int rc = mlops__hasher_new(&w->hasher);
	if (!rc && !(w->carry = mlops__malloc(MLOPS_CDC_MAX)))
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
		wbatch *b;
		if ((rc = fill_batch(&b, w)) != 0)
			break;
		size_t k = BATCH_DATA - b->len < left ? BATCH_DATA - b->len : left;
		memcpy(b->buf + BATCH_AT + b->len, p, k);
		b->len += k;
		w->total += k;
		p += k;
		left -= k;
		if (b->len == BATCH_DATA) {
			if (!w->threaded && !w->no_thread && worker_start(w) != 0) {
				/* No thread or no memory for it: the caller does all the work. */
				worker_stop(w);
				w->no_thread = true;
				mlops__error_reset();
			}
			submit(w, false);
			if ((rc = pump(w, UNTIL_IDLE)) != 0)
				break;
		}
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
	int rc = 0;
	if (w->total < MLOPS_CHUNK_THRESHOLD) {
		/* One blob, still in the first batch (nothing was handed over yet). */
		wbatch *b = &w->batch[0];
		mlops__hash128(&id, b->buf ? b->buf + BATCH_AT : (const uint8_t *)"", b->len);
		mlops__oid_to_hex(hex, &id);
		if (b->buf)
			rc = mlops__odb_store_blob_room(w->odb, hex, ODB_KIND_DATA, b->buf + BATCH_AT - ODB_HEADER_SIZE, b->len);
		else
			rc = mlops__odb_store_blob(w->odb, hex, ODB_KIND_DATA, "", 0);
	} else {
		wbatch *b;
		rc = fill_batch(&b, w);
		if (!rc) {
			submit(w, true);
			rc = pump(w, UNTIL_DONE);
		}
		/* From here on the content hash and the chunk list are complete, and the caller is alone again. */
		worker_stop(w);
		mlops__hasher_final(&id, w->hasher);
		mlops__oid_to_hex(hex, &id);
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
	worker_stop(w);
	pthread_cond_destroy(&w->to_caller);
	pthread_cond_destroy(&w->to_worker);
	pthread_mutex_destroy(&w->mu);
	for (int i = 0; i < BATCH_COUNT; i++) {
		free(w->batch[i].buf);
		free(w->batch[i].enc);
	}
	free(w->carry);
	mlops__hasher_free(w->hasher);
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
