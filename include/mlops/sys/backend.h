/*
 * libmlops: the blob backend interface (an extension point, stable within a minor release).
 *
 * A backend stores immutable blobs under keys (object ids: 32 lowercase hex characters). The object store above it
 * does compression, chunking and verification; a backend only keeps bytes. Like sqlite3_vfs, the struct starts with
 * its version; `free` is required, every other member may be NULL where stated, and members added in later versions
 * are read only when `version` is high enough. A custom backend embeds this struct as its first member.
 *
 * Every function returns 0 or a negative MLOPS_E* code; a backend reports details by returning the code (the library
 * adds a message naming the backend and the key).
 */
#ifndef MLOPS_SYS_BACKEND_H
#define MLOPS_SYS_BACKEND_H

#include "../common.h"

MLOPS_BEGIN_DECLS

#define MLOPS_BACKEND_VERSION 1

typedef struct mlops_backend mlops_backend;

/* Called by list() once per blob; a non-zero return stops the listing and is returned by list(). */
typedef int (*mlops_backend_list_cb)(const char *key, uint64_t size, int64_t mtime_s, void *payload);

struct mlops_backend {
	unsigned int version; /* MLOPS_BACKEND_VERSION */

	/* Store size bytes under key. Must be atomic: after a crash the key holds all the bytes or does not exist.
	   Writing a key that exists already succeeds and leaves the blob as it was. Required. */
	int (*write)(mlops_backend *backend, const char *key, const void *data, size_t size);

	/* Read a whole blob into a buffer allocated with mlops_alloc() (the library frees it with mlops_free()).
	   MLOPS_ENOTFOUND when the key is absent. Required. */
	int (*read)(mlops_backend *backend, void **out_data, size_t *out_size, const char *key);

	/* Set *out_exists to 1 or 0. Required. */
	int (*exists)(mlops_backend *backend, int *out_exists, const char *key);

	/* Remove a blob; MLOPS_ENOTFOUND when absent. May be NULL (the store then never collects garbage). */
	int (*remove)(mlops_backend *backend, const char *key);

	/* Call cb for every blob (any order). mtime_s is the time the blob was written (seconds since the epoch), or 0
	   when unknown. May be NULL (verify and gc then report that the backend cannot list). */
	int (*list)(mlops_backend *backend, mlops_backend_list_cb cb, void *payload);

	/* Make every write so far durable. May be NULL (writes are durable when write() returns). */
	int (*flush)(mlops_backend *backend);

	/* Mark an existing blob as just used (set its mtime to now), so that a concurrent gc keeps a blob that a
	   writer found already stored and is about to reference. MLOPS_ENOTFOUND when absent. May be NULL
	   (gc's grace period then cannot protect deduplicated writes; such a backend should not be collected
	   while others write). */
	int (*touch)(mlops_backend *backend, const char *key);

	/* Release the backend. Required. */
	void (*free)(mlops_backend *backend);
};

/* Sync modes a factory receives (same values as mlops_sync_mode). */

/*
 * Create a backend instance. location is the path the store derives for blobs ("<store>/objects" for a directory
 * store, the database file for "sqlite", NULL for ":memory:"); sync is an mlops_sync_mode.
 */
typedef int (*mlops_backend_factory)(mlops_backend **out, const char *location, int sync, void *payload);

/*
 * Register a backend under name so that mlops_store_options.backend can select it. Registering a name again
 * replaces the factory. The built-in names "fs", "memory" and "sqlite" cannot be replaced (MLOPS_EEXISTS).
 * Thread-safe.
 */
MLOPS_API int mlops_backend_register(const char *name, mlops_backend_factory factory, void *payload);

/* Remove a registered backend. Errors: MLOPS_ENOTFOUND, MLOPS_EINVAL for a built-in name. Thread-safe. */
MLOPS_API int mlops_backend_unregister(const char *name);

/* Create an instance of a built-in or registered backend, e.g. to wrap it in a caching or fault-injecting backend. */
MLOPS_API int mlops_backend_new(mlops_backend **out, const char *name, const char *location, int sync);

/* Call backend->free. NULL is a no-op. */
MLOPS_API void mlops_backend_free(mlops_backend *backend);

MLOPS_END_DECLS

#endif
