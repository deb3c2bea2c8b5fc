/*
 * Declarations private to src/store: migrations, the gc-root walk shared by gc and verify, and a small set of
 * object ids. Domain modules use store.h instead.
 */
#ifndef MLOPS_STORE_INT_H
#define MLOPS_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* ---- migrate.c ---- */

/* Bring every module of mlops__modules to its latest version (one BEGIN IMMEDIATE transaction; no write
 * transaction when nothing is pending). backend_name is recorded in store_meta when the store is new.
 * readonly: refuse (MLOPS_EREADONLY) instead of migrating. */
int mlops_store__migrate(mlops_db *db, const char *path, bool readonly, const char *backend_name,
                         const char *actor);

/* Latest version of a module as this library knows it (0 for a module without migrations). */
int mlops_store__module_latest(const mlops__module *m);

/* MLOPS_EVERSION when store_modules lists a module this library does not know (gc could not see its roots). */
int mlops_store__check_known_modules(mlops_store *store, const char *what);

/* Read a store_meta value into a malloc'd string; *out is NULL when the key (or the table) is absent. */
int mlops_store__meta_get(char **out, mlops_db *db, const char *key);

/* ---- oidset.c: a hash set of object ids ---- */

typedef struct mlops_oidset {
	mlops_oid *slots;
	uint8_t *used;
	size_t cap;   /* power of two or 0 */
	size_t count;
} mlops_oidset;

#define MLOPS_OIDSET_INIT { NULL, NULL, 0, 0 }

/* Add id; *out_added (may be NULL) tells whether it was new. MLOPS_ENOMEM when out of memory. */
int mlops__oidset_add(mlops_oidset *s, const mlops_oid *id, bool *out_added);
bool mlops__oidset_has(const mlops_oidset *s, const mlops_oid *id);
void mlops__oidset_free(mlops_oidset *s);

/* ---- gc.c: roots ---- */

/* Called once per root row: module is the module's name, hex the raw text of the column (may be invalid). */
typedef int (*mlops_store_root_cb)(const char *module, const char *hex, void *payload);

/* Run every module's gc_roots queries (the caller holds a read transaction for one snapshot). */
int mlops_store__roots(mlops_store *store, mlops_store_root_cb cb, void *payload);

/* ---- objects_api.c ---- */

/* Parse a public object id argument: MLOPS_EINVAL "invalid object id '<id>': expected 32 hex characters". */
int mlops_store__parse_oid(mlops_oid *out, const char *id);

#endif
