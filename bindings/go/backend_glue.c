/* C side of Go-implemented blob backends: a vtable whose functions forward to exported Go functions with the
 * cgo.Handle of the Go value, and the factory trampoline handed to mlops_backend_register. */
#include <stdint.h>
#include <stdlib.h>
#include <mlops/mlops.h>
#include "_cgo_export.h"
#include "backend_glue.h"

typedef struct mlopsgo_backend {
	mlops_backend base; /* first, so the library's mlops_backend * is this struct's address */
	uintptr_t handle;
} mlopsgo_backend;

static uintptr_t handle_of(mlops_backend *b)
{
	return ((mlopsgo_backend *)b)->handle;
}

static int gb_write(mlops_backend *b, const char *key, const void *data, size_t size)
{
	return mlopsgoBackendWrite(handle_of(b), (char *)key, (void *)data, size);
}

static int gb_read(mlops_backend *b, void **out_data, size_t *out_size, const char *key)
{
	return mlopsgoBackendRead(handle_of(b), out_data, out_size, (char *)key);
}

static int gb_exists(mlops_backend *b, int *out_exists, const char *key)
{
	return mlopsgoBackendExists(handle_of(b), out_exists, (char *)key);
}

static int gb_remove(mlops_backend *b, const char *key)
{
	return mlopsgoBackendRemove(handle_of(b), (char *)key);
}

static int gb_list(mlops_backend *b, mlops_backend_list_cb cb, void *payload)
{
	return mlopsgoBackendList(handle_of(b), (void *)cb, payload);
}

static int gb_flush(mlops_backend *b)
{
	return mlopsgoBackendFlush(handle_of(b));
}

static int gb_touch(mlops_backend *b, const char *key)
{
	return mlopsgoBackendTouch(handle_of(b), (char *)key);
}

static void gb_free(mlops_backend *b)
{
	mlopsgoBackendFree(handle_of(b));
	free(b);
}

mlops_backend *mlopsgo_backend_new(uintptr_t handle, int optional)
{
	mlopsgo_backend *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->base.version = MLOPS_BACKEND_VERSION;
	g->base.write = gb_write;
	g->base.read = gb_read;
	g->base.exists = gb_exists;
	g->base.free = gb_free;
	if (optional & MLOPSGO_HAS_REMOVE)
		g->base.remove = gb_remove;
	if (optional & MLOPSGO_HAS_LIST)
		g->base.list = gb_list;
	if (optional & MLOPSGO_HAS_FLUSH)
		g->base.flush = gb_flush;
	if (optional & MLOPSGO_HAS_TOUCH)
		g->base.touch = gb_touch;
	g->handle = handle;
	return &g->base;
}

int mlopsgo_call_list_cb(void *cb, const char *key, uint64_t size, int64_t mtime_s, void *payload)
{
	return ((mlops_backend_list_cb)cb)(key, size, mtime_s, payload);
}

int mlopsgo_factory(mlops_backend **out, const char *location, int sync, void *payload)
{
	return mlopsgoFactory(out, (char *)location, sync, *(uintptr_t *)payload);
}

mlops_backend_factory mlopsgo_factory_ptr(void)
{
	return mlopsgo_factory;
}
