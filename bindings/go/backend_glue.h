/* Declarations shared by backend_glue.c and the Go files of Go-implemented blob backends. */
#ifndef MLOPSGO_BACKEND_GLUE_H
#define MLOPSGO_BACKEND_GLUE_H

#include <stdint.h>
#include <mlops/mlops.h>

#define MLOPSGO_HAS_REMOVE 0x1
#define MLOPSGO_HAS_LIST 0x2
#define MLOPSGO_HAS_FLUSH 0x4
#define MLOPSGO_HAS_TOUCH 0x8

mlops_backend *mlopsgo_backend_new(uintptr_t handle, int optional);
int mlopsgo_call_list_cb(void *cb, const char *key, uint64_t size, int64_t mtime_s, void *payload);
int mlopsgo_factory(mlops_backend **out, const char *location, int sync, void *payload);
mlops_backend_factory mlopsgo_factory_ptr(void);

#endif
