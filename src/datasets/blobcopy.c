/*
 * Backend-level helpers of the datasets module that the object database API does not offer:
 *  - copying an object's blobs as stored (compressed, not re-encoded) from one store's backend to another's,
 *    chunks before the blob that lists them, skipping blobs the destination has (push/pull, resumable);
 *  - a lock-wrapped view of a store's backend so that worker threads, each with an object database of its own
 *    (own zstd contexts and buffers), can store files into one backend at once; their flushes are deferred to
 *    one flush of the real backend when all workers are done, instead of one per file.
 * Workers open their object databases with the store's compression level and sync mode, so they encode
 * exactly as the store would.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/ds_int.h"

/* ---- raw copy ---- */

static int backend_err(int rc, const char *what, const char *key)
{
	const mlops_error *e = mlops_error_last();
	if (e->code == rc && e->message[0])
		return mlops__error_prefix("cannot %s blob '%s'", what, key);
	return mlops__error(rc, "cannot %s blob '%s': the backend returned %s", what, key, mlops_error_name(rc));
}

static int blob_present(mlops_backend *b, const char *key, bool *out)
{
	int e = 0;
	mlops__error_reset();
	int rc = b->exists(b, &e, key);
	*out = e != 0;
	return rc ? backend_err(rc, "look up", key) : 0;
}

static int copy_blob(mlops_backend *src, mlops_backend *dst, const char *key, uint64_t *blobs, uint64_t *bytes,
                     uint64_t *present)
{
	bool have;
	int rc = blob_present(dst, key, &have);
	if (rc)
		return rc;
	if (have) {
		(*present)++;
		return 0;
	}
	void *data = NULL;
	size_t n = 0;
	mlops__error_reset();
	rc = src->read(src, &data, &n, key);
	if (rc) {
		mlops_free(data);
		return backend_err(rc, "read", key);
	}
	mlops__error_reset();
	rc = dst->write(dst, key, data, n);
	mlops_free(data);
	if (rc)
		return backend_err(rc, "write", key);
	(*blobs)++;
	*bytes += n;
	return 0;
}

typedef struct chunk_list {
	mlops_oid *ids;
	size_t count, cap;
} chunk_list;

static int collect_chunk(const mlops_oid *chunk, void *payload)
{
	chunk_list *l = payload;
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		mlops_oid *p = mlops__realloc(l->ids, cap * sizeof(*p));
		if (!p)
			return MLOPS_ENOMEM;
		l->ids = p;
		l->cap = cap;
	}
	l->ids[l->count++] = *chunk;
	return 0;
}

int mlops_datasets__copy_object(mlops_odb *src, mlops_odb *dst, const mlops_oid *id, uint64_t *blobs_copied,
                                uint64_t *bytes_copied, uint64_t *blobs_present)
{
	mlops_backend *sb = mlops__odb_backend(src), *db = mlops__odb_backend(dst);
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, id);
	bool have;
	int rc = blob_present(db, hex, &have);
	if (rc)
		return rc;
	if (have) {
		(*blobs_present)++;
		return 0;
	}
	chunk_list l = {0};
	rc = mlops__odb_refs(src, id, collect_chunk, &l);
	for (size_t i = 0; !rc && i < l.count; i++) {
		char ch[MLOPS_OID_BUFSIZE];
		mlops__oid_to_hex(ch, &l.ids[i]);
		rc = copy_blob(sb, db, ch, blobs_copied, bytes_copied, blobs_present);
	}
	free(l.ids);
	if (!rc)
		rc = copy_blob(sb, db, hex, blobs_copied, bytes_copied, blobs_present);
	if (rc)
		return mlops__error_prefix("cannot copy object %s", hex);
	return 0;
}

/* ---- shared, lock-wrapped backend ---- */

struct ds_shared_backend {
	mlops_odb *odb;          /* the store's object database (not owned) */
	mlops_backend *inner;    /* its backend */
	pthread_mutex_t mu;
	int level;
	int sync;
};

typedef struct locked_backend {
	mlops_backend base;
	ds_shared_backend *s;
} locked_backend;

#define LOCKED(b) (((locked_backend *)(b))->s)

static int l_write(mlops_backend *b, const char *key, const void *data, size_t size)
{
	ds_shared_backend *s = LOCKED(b);
	pthread_mutex_lock(&s->mu);
	int rc = s->inner->write(s->inner, key, data, size);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int l_read(mlops_backend *b, void **out, size_t *out_size, const char *key)
{
	ds_shared_backend *s = LOCKED(b);
	pthread_mutex_lock(&s->mu);
	int rc = s->inner->read(s->inner, out, out_size, key);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int l_exists(mlops_backend *b, int *out, const char *key)
{
	ds_shared_backend *s = LOCKED(b);
	pthread_mutex_lock(&s->mu);
	int rc = s->inner->exists(s->inner, out, key);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int l_remove(mlops_backend *b, const char *key)
{
	ds_shared_backend *s = LOCKED(b);
	pthread_mutex_lock(&s->mu);
	int rc = s->inner->remove(s->inner, key);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int l_touch(mlops_backend *b, const char *key)
{
	ds_shared_backend *s = LOCKED(b);
	pthread_mutex_lock(&s->mu);
	int rc = s->inner->touch(s->inner, key);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* Deferred: the pool flushes the real backend once, after every worker is done. */
static int l_flush(mlops_backend *b)
{
	(void)b;
	return 0;
}

static void l_free(mlops_backend *b)
{
	free(b);
}

int mlops_datasets__shared_new(ds_shared_backend **out, mlops_odb *odb)
{
	*out = NULL;
	ds_shared_backend *s = mlops__calloc(1, sizeof(*s));
	if (!s)
		return MLOPS_ENOMEM;
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		return mlops__error(MLOPS_ENOMEM, "cannot create a mutex");
	}
	s->odb = odb;
	s->inner = mlops__odb_backend(odb);
	s->level = mlops__odb_level(odb);
	s->sync = mlops__odb_sync(odb);
	*out = s;
	return 0;
}

int mlops_datasets__shared_odb(mlops_odb **out, ds_shared_backend *s)
{
	*out = NULL;
	locked_backend *l = mlops__calloc(1, sizeof(*l));
	if (!l)
		return MLOPS_ENOMEM;
	l->base.version = MLOPS_BACKEND_VERSION;
	l->base.write = l_write;
	l->base.read = l_read;
	l->base.exists = l_exists;
	l->base.remove = s->inner->remove ? l_remove : NULL;
	l->base.list = NULL;
	l->base.flush = l_flush;
	l->base.touch = s->inner->touch ? l_touch : NULL;
	l->base.free = l_free;
	l->s = s;
	return mlops__odb_open(out, &l->base, s->level, s->sync);
}

int mlops_datasets__shared_flush(ds_shared_backend *s)
{
	/* Always: whole-object puts of small files never ask for a flush, yet their blobs must be durable before
	 * the metadata that references them commits. */
	return mlops__odb_flush(s->odb);
}

void mlops_datasets__shared_free(ds_shared_backend *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->mu);
	free(s);
}
