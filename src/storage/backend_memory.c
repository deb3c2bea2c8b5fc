/* The "memory" blob backend: blobs in a hash map, for ":memory:" stores and tests. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/backends.h"
#include "util/util.h"

typedef struct mem_blob {
	size_t size;
	int64_t mtime;
	unsigned char data[];
} mem_blob;

typedef struct mem_backend {
	mlops_backend base;
	pthread_mutex_t lock; /* a store handle is used by one thread, but a user may share a backend instance */
	mlops_keymap map;
} mem_backend;

static int check_key(const char *key)
{
	if (!key || !mlops__oid_hex_valid(key))
		return mlops__error(MLOPS_EINVAL, "memory backend: invalid blob key '%s' (want 32 lowercase hex characters)",
		                    key ? key : "(null)");
	return 0;
}

static int mem_write(mlops_backend *b, const char *key, const void *data, size_t size)
{
	mem_backend *m = (mem_backend *)b;
	int rc = check_key(key);
	if (rc)
		return rc;
	pthread_mutex_lock(&m->lock);
	if (mlops__keymap_get(&m->map, key))
		goto out;
	mem_blob *blob = mlops__malloc(sizeof(*blob) + size);
	if (!blob) {
		rc = MLOPS_ENOMEM;
		goto out;
	}
	blob->size = size;
	blob->mtime = (int64_t)time(NULL);
	if (size)
		memcpy(blob->data, data, size);
	rc = mlops__keymap_put(&m->map, key, blob);
	if (rc)
		free(blob);
out:
	pthread_mutex_unlock(&m->lock);
	return rc;
}

static int mem_read(mlops_backend *b, void **out, size_t *out_size, const char *key)
{
	mem_backend *m = (mem_backend *)b;
	*out = NULL;
	*out_size = 0;
	int rc = check_key(key);
	if (rc)
		return rc;
	pthread_mutex_lock(&m->lock);
	mem_blob *blob = mlops__keymap_get(&m->map, key);
	if (!blob) {
		rc = mlops__error(MLOPS_ENOTFOUND, "blob '%s' not found in the memory backend", key);
		goto out;
	}
	void *p = mlops_alloc(blob->size);
	if (!p) {
		rc = MLOPS_ENOMEM;
		goto out;
	}
	if (blob->size)
		memcpy(p, blob->data, blob->size);
	*out = p;
	*out_size = blob->size;
out:
	pthread_mutex_unlock(&m->lock);
	return rc;
}

static int mem_exists(mlops_backend *b, int *out, const char *key)
{
	mem_backend *m = (mem_backend *)b;
	*out = 0;
	int rc = check_key(key);
	if (rc)
		return rc;
	pthread_mutex_lock(&m->lock);
	*out = mlops__keymap_get(&m->map, key) != NULL;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static int mem_remove(mlops_backend *b, const char *key)
{
	mem_backend *m = (mem_backend *)b;
	int rc = check_key(key);
	if (rc)
		return rc;
	pthread_mutex_lock(&m->lock);
	mem_blob *blob = mlops__keymap_del(&m->map, key);
	pthread_mutex_unlock(&m->lock);
	if (!blob)
		return mlops__error(MLOPS_ENOTFOUND, "blob '%s' not found in the memory backend", key);
	free(blob);
	return 0;
}

static int mem_touch(mlops_backend *b, const char *key)
{
	mem_backend *m = (mem_backend *)b;
	int rc = check_key(key);
	if (rc)
		return rc;
	pthread_mutex_lock(&m->lock);
	mem_blob *blob = mlops__keymap_get(&m->map, key);
	if (blob)
		blob->mtime = (int64_t)time(NULL);
	pthread_mutex_unlock(&m->lock);
	if (!blob)
		return mlops__error(MLOPS_ENOTFOUND, "blob '%s' not found in the memory backend", key);
	return 0;
}

/* The callback may remove blobs (gc does), so the listing works on a snapshot of keys. */
static int mem_list(mlops_backend *b, mlops_backend_list_cb cb, void *payload)
{
	mem_backend *m = (mem_backend *)b;
	typedef struct { char *key; uint64_t size; int64_t mtime; } entry;
	pthread_mutex_lock(&m->lock);
	size_t n = m->map.count, k = 0, pos = 0;
	entry *snap = mlops__calloc(n ? n : 1, sizeof(*snap));
	if (!snap) {
		pthread_mutex_unlock(&m->lock);
		return MLOPS_ENOMEM;
	}
	const char *key;
	void *val;
	while (k < n && mlops__keymap_next(&m->map, &pos, &key, &val)) {
		mem_blob *blob = val;
		snap[k].key = strdup(key);
		if (!snap[k].key)
			break;
		snap[k].size = blob->size;
		snap[k].mtime = blob->mtime;
		k++;
	}
	pthread_mutex_unlock(&m->lock);
	int rc = k < n ? mlops__error(MLOPS_ENOMEM, "out of memory listing the memory backend") : 0;
	for (size_t i = 0; i < k && !rc; i++)
		rc = cb(snap[i].key, snap[i].size, snap[i].mtime, payload);
	for (size_t i = 0; i < k; i++)
		free(snap[i].key);
	free(snap);
	return rc;
}

static int mem_flush(mlops_backend *b)
{
	(void)b;
	return 0;
}

static void mem_free(mlops_backend *b)
{
	mem_backend *m = (mem_backend *)b;
	size_t pos = 0;
	const char *key;
	void *val;
	while (mlops__keymap_next(&m->map, &pos, &key, &val))
		free(val);
	mlops__keymap_clear(&m->map);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

int mlops__backend_memory_new(mlops_backend **out, const char *location, int sync, void *payload)
{
	(void)location;
	(void)sync;
	(void)payload;
	*out = NULL;
	mem_backend *m = mlops__calloc(1, sizeof(*m));
	if (!m)
		return MLOPS_ENOMEM;
	m->base.version = MLOPS_BACKEND_VERSION;
	m->base.write = mem_write;
	m->base.read = mem_read;
	m->base.exists = mem_exists;
	m->base.remove = mem_remove;
	m->base.list = mem_list;
	m->base.flush = mem_flush;
	m->base.touch = mem_touch;
	m->base.free = mem_free;
	pthread_mutex_init(&m->lock, NULL);
	*out = &m->base;
	return 0;
}
