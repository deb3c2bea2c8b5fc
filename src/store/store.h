/*
 * Internal view of the store handle for the domain modules: the metadata db, the object database, the audit
 * log, lineage, reference counting, and the module table (migrations and gc roots).
 */
#ifndef MLOPS_STORE_STORE_H
#define MLOPS_STORE_STORE_H

#include <stdbool.h>

#include "mlops/store.h"
#include "storage/db.h"
#include "storage/odb.h"
#include "util/util.h"

/* Store format version: PRAGMA user_version of mlops.db. Bump it with a migration of the "store" module. */
#define MLOPS_STORE_FORMAT_VERSION 2

/* One migration step of a module: brings the module's tables from version - 1 to version.
 * Either sql (run as one script) or fn (for steps that need code); both run inside the open transaction. */
typedef struct mlops__migration {
	int version;
	const char *sql;
	int (*fn)(mlops_db *db);
} mlops__migration;

/*
 * A domain module as the store sees it. To add one: define `const mlops__module mlops_<name>__module` in the
 * module's schema file and add one line to the table in src/store/modules.c (the store module stays first).
 *  - Migrations: step k (1-based) has version k and brings the module's tables from k - 1 to k. A released step is
 *    never edited; a schema change is a new step. Every pending step of every module runs in one BEGIN IMMEDIATE
 *    transaction when a store is opened read-write; the module's version is kept in store_modules. A store whose
 *    module version is above the library's latest is refused with MLOPS_EVERSION.
 *  - gc roots: each query returns one TEXT column of object ids the module references. They run in one read
 *    snapshot; the chunks of manifests are added by gc itself; ids that are not 32 hex characters are ignored by
 *    gc and reported by verify as metadata errors.
 *  - Writes: mlops_store__check_writable, then put objects, then mlops_store__begin_write, the change, an audit
 *    row (mlops_store__audit) and lineage edges (mlops_store__lineage_add) in that transaction, then commit.
 */
typedef struct mlops__module {
	const char *name;                     /* also its table prefix, e.g. "runs" -> runs_* tables */
	const mlops__migration *migrations;   /* in ascending version order, starting at 1 */
	size_t n_migrations;
	const char *const *gc_roots;          /* NULL-terminated SQL queries, each returning one TEXT column of
	                                         object ids (32 hex) that gc must keep; may be NULL */
} mlops__module;

/* The modules, in migration order; defined in src/store/modules.c. NULL-terminated. */
extern const mlops__module *const mlops__modules[];

struct mlops_store {
	int refs;            /* the caller's reference plus one per live child handle (atomic) */
	char *path;
	char *actor;
	uint32_t flags;
	int sync;
	mlops_db *db;
	mlops_odb *odb;
};

/* Child handles (runs, readers, iterators, ...) keep the store alive: ref when created, unref when freed. */
void mlops_store__ref(mlops_store *store);
void mlops_store__unref(mlops_store *store);

static inline mlops_db *mlops_store__db(mlops_store *store) { return store->db; }
static inline mlops_odb *mlops_store__odb(mlops_store *store) { return store->odb; }
static inline const char *mlops_store__actor(mlops_store *store) { return store->actor; }

/* MLOPS_EREADONLY with "<what>: store '<path>' is read-only" when opened read-only; else 0. */
int mlops_store__check_writable(mlops_store *store, const char *what);

/* Begin a metadata write transaction (nested calls are counted, see db.h) after making the objects put so far
 * durable: with the single-file "sqlite" backend an unflushed blob batch holds the file's write lock, which the
 * metadata connection would wait on. Domain modules start their write transactions with this. */
int mlops_store__begin_write(mlops_store *store);

/* Append an audit row (when = now, who = actor). Call inside the caller's write transaction so that the row
 * commits or rolls back with the change. detail_json may be NULL ("{}"). */
int mlops_store__audit(mlops_store *store, const char *action, const char *object_kind, const char *object_id,
                       const char *detail_json);

/* Add a lineage edge inside the caller's transaction (the public mlops_lineage_add opens its own). */
int mlops_store__lineage_add(mlops_store *store, const char *from_kind, const char *from_id, const char *to_kind,
                             const char *to_id, const char *relation);

#endif
