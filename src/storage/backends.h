/*
 * Internal declarations of the built-in blob backends ("fs", "memory", "sqlite") and the key map they share.
 * The factories have the mlops_backend_factory signature; backend_registry.c selects them by name.
 */
#ifndef MLOPS_STORAGE_BACKENDS_H
#define MLOPS_STORAGE_BACKENDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlops/sys/backend.h"

int mlops__backend_fs_new(mlops_backend **out, const char *location, int sync, void *payload);
int mlops__backend_memory_new(mlops_backend **out, const char *location, int sync, void *payload);
int mlops__backend_sqlite_new(mlops_backend **out, const char *location, int sync, void *payload);

/* Open-addressing map from a blob key (a short string) to a pointer value; keys are copied. Not thread-safe. */
typedef struct mlops_keymap {
	char **keys;
	void **vals;
	size_t cap;   /* power of two, or 0 */
	size_t count; /* live entries */
	size_t used;  /* live entries + tombstones */
} mlops_keymap;

void *mlops__keymap_get(const mlops_keymap *m, const char *key);
/* Insert or replace; returns MLOPS_ENOMEM (recorded) when out of memory. */
int mlops__keymap_put(mlops_keymap *m, const char *key, void *val);
/* Remove key and return its value (NULL when absent). */
void *mlops__keymap_del(mlops_keymap *m, const char *key);
/* Iterate: *pos starts at 0; returns false at the end. */
bool mlops__keymap_next(const mlops_keymap *m, size_t *pos, const char **key, void **val);
void mlops__keymap_clear(mlops_keymap *m); /* frees keys, not values */

#endif
