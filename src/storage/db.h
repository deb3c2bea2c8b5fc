/*
 * Internal metadata database access: one SQLite connection with WAL, busy timeout, foreign keys and a
 * prepared-statement cache. All SQLite specifics live here so that another metadata backend can be added
 * without touching the domain modules; domain modules write plain, standard SQL.
 */
#ifndef MLOPS_STORAGE_DB_H
#define MLOPS_STORAGE_DB_H

#include <stdbool.h>
#include <sqlite3.h>

typedef struct mlops_db mlops_db;

#define MLOPS_DB_READONLY 0x1u
#define MLOPS_DB_CREATE 0x2u
#define MLOPS_DB_MEMORY 0x4u   /* path ignored: a private in-memory database */

/* Open a connection: WAL (not for MEMORY), busy_timeout, foreign_keys=ON, synchronous from sync
 * (NORMAL for MLOPS_SYNC_NORMAL, FULL, OFF). */
int mlops__db_open(mlops_db **out, const char *path, unsigned flags, int busy_timeout_ms, int sync);
void mlops__db_close(mlops_db *db);
sqlite3 *mlops__db_sqlite(mlops_db *db);

/* Return a cached prepared statement for sql (compared by content), reset and with bindings cleared.
 * Do not finalize it; call mlops__db_done() when finished so it is reset for the next user. */
int mlops__db_prepare(sqlite3_stmt **out, mlops_db *db, const char *sql);
void mlops__db_done(sqlite3_stmt *stmt);

/* Run SQL with no results (may contain several statements). */
int mlops__db_exec(mlops_db *db, const char *sql);

/* Transactions. begin_write uses BEGIN IMMEDIATE (retried while busy up to the busy timeout), so a writer never
 * fails on a read-to-write upgrade. Nesting is counted: only the outermost begin/commit touch SQLite, and a
 * rollback at any depth rolls the whole transaction back. */
int mlops__db_begin_read(mlops_db *db);
int mlops__db_begin_write(mlops_db *db);
int mlops__db_commit(mlops_db *db);
void mlops__db_rollback(mlops_db *db);
bool mlops__db_in_tx(mlops_db *db);

/* Call fn before the outermost BEGIN IMMEDIATE and before the outermost COMMIT of a write transaction; a
 * non-zero return fails the begin/commit (the transaction is then rolled back). The store uses it to make
 * pending blobs durable before any metadata that may reference them is committed, and so that a single-file
 * store's blob batch never holds the write lock while metadata waits for it. */
void mlops__db_set_before_write(mlops_db *db, int (*fn)(void *payload), void *payload);

/* Map a SQLite result code to an MLOPS_E* code and record "<what>: <sqlite message>"; returns the code.
 * SQLITE_BUSY/LOCKED -> MLOPS_EBUSY, SQLITE_CORRUPT/NOTADB -> MLOPS_ECORRUPT, SQLITE_FULL -> MLOPS_ENOSPC,
 * SQLITE_IOERR -> MLOPS_EIO, SQLITE_READONLY -> MLOPS_EREADONLY, SQLITE_NOMEM -> MLOPS_ENOMEM,
 * SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY -> MLOPS_EEXISTS, other constraints -> MLOPS_EINVAL, else MLOPS_ERROR. */
int mlops__db_error(mlops_db *db, int rc, const char *what);

/* Step helpers: return 0 for SQLITE_DONE, 1 for SQLITE_ROW, negative MLOPS code (recorded) on error. */
int mlops__db_step(mlops_db *db, sqlite3_stmt *stmt, const char *what);

/* Convenience: bind text (NULL binds NULL) with SQLITE_TRANSIENT. */
int mlops__db_bind_text(sqlite3_stmt *stmt, int idx, const char *s);

/* Scalar queries: run sql (no parameters) and return the first column of the first row. */
int mlops__db_query_int64(mlops_db *db, int64_t *out, const char *sql);

/* Size of the database file(s) in bytes (page_count * page_size). */
int mlops__db_size(mlops_db *db, uint64_t *out);

#endif
