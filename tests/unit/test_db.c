/* Unit tests of src/storage/db.c: pragmas, statement cache, nested transactions, error mapping, busy waits. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "storage/db.h"
#include "util/util.h"

typedef struct fixture {
	char *dir;
	char *path;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->dir = th_tmpdir("db");
	f->path = mlops__path_join(f->dir, "meta.db");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	th_rmrf(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static int64_t q(mlops_db *db, const char *sql)
{
	int64_t v = -1;
	th_ok(mlops__db_query_int64(db, &v, sql));
	return v;
}

static char *q_text(mlops_db *db, const char *sql)
{
	sqlite3_stmt *st;
	th_ok(mlops__db_prepare(&st, db, sql));
	assert_int_equal(mlops__db_step(db, st, "query"), 1);
	char *s = strdup((const char *)sqlite3_column_text(st, 0));
	mlops__db_done(st);
	return s;
}

static void test_open_pragmas(void **state)
{
	fixture *f = *state;
	static const struct { int sync; int64_t level; } modes[] = {
		{ MLOPS_SYNC_NORMAL, 1 }, { MLOPS_SYNC_FULL, 2 }, { MLOPS_SYNC_OFF, 0 },
	};
	for (size_t i = 0; i < 3; i++) {
		mlops_db *db;
		th_ok(mlops__db_open(&db, f->path, MLOPS_DB_CREATE, 1234, modes[i].sync));
		char *mode = q_text(db, "PRAGMA journal_mode");
		assert_string_equal(mode, "wal");
		free(mode);
		assert_int_equal(q(db, "PRAGMA foreign_keys"), 1);
		assert_int_equal(q(db, "PRAGMA busy_timeout"), 1234);
		assert_int_equal(q(db, "PRAGMA synchronous"), modes[i].level);
		assert_false(mlops__db_in_tx(db));
		assert_non_null(mlops__db_sqlite(db));
		mlops__db_close(db);
	}
	mlops_db *mem;
	th_ok(mlops__db_open(&mem, NULL, MLOPS_DB_MEMORY, 100, MLOPS_SYNC_NORMAL));
	char *mode = q_text(mem, "PRAGMA journal_mode");
	assert_string_equal(mode, "memory");
	free(mode);
	assert_int_equal(q(mem, "PRAGMA foreign_keys"), 1);
	/* Each in-memory connection is private. */
	th_ok(mlops__db_exec(mem, "CREATE TABLE t(x)"));
	mlops_db *mem2;
	th_ok(mlops__db_open(&mem2, NULL, MLOPS_DB_MEMORY, 100, MLOPS_SYNC_NORMAL));
	assert_int_equal(q(mem2, "SELECT count(*) FROM sqlite_master"), 0);
	assert_int_equal(q(mem, "SELECT count(*) FROM sqlite_master"), 1);
	mlops__db_close(mem2);
	mlops__db_close(mem);
	mlops__db_close(NULL);
}

static void test_open_errors(void **state)
{
	fixture *f = *state;
	mlops_db *db = (mlops_db *)1;
	th_assert_rc(mlops__db_open(&db, f->path, 0, 100, MLOPS_SYNC_NORMAL), MLOPS_ENOTFOUND);
	assert_null(db);
	assert_non_null(strstr(mlops_error_last()->message, f->path));
	th_assert_rc(mlops__db_open(&db, f->path, MLOPS_DB_READONLY, 100, MLOPS_SYNC_NORMAL), MLOPS_ENOTFOUND);
	th_assert_rc(mlops__db_open(&db, "", MLOPS_DB_CREATE, 100, MLOPS_SYNC_NORMAL), MLOPS_EINVAL);
	char *nodir = mlops__path_join(f->dir, "missing/meta.db");
	assert_true(mlops__db_open(&db, nodir, MLOPS_DB_CREATE, 100, MLOPS_SYNC_NORMAL) < 0);
	free(nodir);
	/* A file that is not a database. */
	char *junk = mlops__path_join(f->dir, "junk.db");
	char text[8192];
	th_fill_text(text, sizeof(text), 1);
	th_write_file(junk, text, sizeof(text));
	int rc = mlops__db_open(&db, junk, MLOPS_DB_CREATE, 100, MLOPS_SYNC_NORMAL);
	th_assert_rc(rc, MLOPS_ECORRUPT);
	free(junk);
}

static void test_readonly(void **state)
{
	fixture *f = *state;
	mlops_db *db;
	th_ok(mlops__db_open(&db, f->path, MLOPS_DB_CREATE, 100, MLOPS_SYNC_NORMAL));
	th_ok(mlops__db_exec(db, "CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (7)"));
	mlops__db_close(db);
	th_ok(mlops__db_open(&db, f->path, MLOPS_DB_READONLY, 100, MLOPS_SYNC_NORMAL));
	assert_int_equal(q(db, "SELECT x FROM t"), 7);
	th_assert_rc(mlops__db_exec(db, "INSERT INTO t VALUES (8)"), MLOPS_EREADONLY);
	assert_non_null(strstr(mlops_error_last()->message, "INSERT INTO t"));
	sqlite3_stmt *st;
	th_ok(mlops__db_prepare(&st, db, "INSERT INTO t VALUES (9)"));
	th_assert_rc(mlops__db_step(db, st, "insert 9"), MLOPS_EREADONLY);
	assert_non_null(strstr(mlops_error_last()->message, "insert 9: "));
	mlops__db_done(st);
	assert_int_equal(q(db, "SELECT count(*) FROM t"), 1);
	mlops__db_close(db);
}

static void test_stmt_cache(void **state)
{
	(void)state;
	mlops_db *db;
	th_ok(mlops__db_open(&db, NULL, MLOPS_DB_MEMORY, 100, MLOPS_SYNC_NORMAL));
	th_ok(mlops__db_exec(db, "CREATE TABLE t(k TEXT PRIMARY KEY, v INTEGER)"));
	sqlite3_stmt *a, *b, *c;
	th_ok(mlops__db_prepare(&a, db, "INSERT INTO t(k, v) VALUES (?1, ?2)"));
	th_ok(mlops__db_bind_text(a, 1, "one"));
	assert_int_equal(sqlite3_bind_int64(a, 2, 1), SQLITE_OK);
	assert_int_equal(mlops__db_step(db, a, "insert"), 0);
	mlops__db_done(a);
	th_ok(mlops__db_prepare(&b, db, "INSERT INTO t(k, v) VALUES (?1, ?2)"));
	assert_ptr_equal(a, b);
	/* Bindings were cleared by mlops__db_done: v is NULL for the second row. */
	th_ok(mlops__db_bind_text(b, 1, "two"));
	assert_int_equal(mlops__db_step(db, b, "insert"), 0);
	mlops__db_done(b);
	assert_int_equal(q(db, "SELECT count(*) FROM t WHERE k = 'two' AND v IS NULL"), 1);
	/* Same text from another buffer still hits the cache. */
	char sql[64];
	snprintf(sql, sizeof(sql), "INSERT INTO t(k, v) VALUES (?1, ?%d)", 2);
	th_ok(mlops__db_prepare(&c, db, sql));
	assert_ptr_equal(a, c);
	mlops__db_done(c);
	/* A statement left mid-iteration is reset by the next prepare. */
	th_ok(mlops__db_prepare(&a, db, "SELECT k FROM t ORDER BY k"));
	assert_int_equal(mlops__db_step(db, a, "select"), 1);
	assert_string_equal((const char *)sqlite3_column_text(a, 0), "one");
	th_ok(mlops__db_prepare(&b, db, "SELECT k FROM t ORDER BY k"));
	assert_ptr_equal(a, b);
	assert_int_equal(mlops__db_step(db, b, "select"), 1);
	assert_string_equal((const char *)sqlite3_column_text(b, 0), "one");
	mlops__db_done(b);
	/* Many distinct statements (past the first table size) all stay cached and distinct. */
	sqlite3_stmt *first[200];
	for (int i = 0; i < 200; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		th_ok(mlops__db_prepare(&first[i], db, sql));
		mlops__db_done(first[i]);
	}
	for (int i = 0; i < 200; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		th_ok(mlops__db_prepare(&a, db, sql));
		assert_ptr_equal(a, first[i]);
		assert_int_equal(mlops__db_step(db, a, "select"), 1);
		assert_int_equal(sqlite3_column_int(a, 0), i);
		mlops__db_done(a);
		if (i > 0)
			assert_ptr_not_equal(first[i], first[i - 1]);
	}
	/* Bad SQL and more than one statement are refused. */
	th_assert_rc(mlops__db_prepare(&a, db, "SELEC nonsense"), MLOPS_ERROR);
	assert_null(a);
	assert_non_null(strstr(mlops_error_last()->message, "SELEC nonsense"));
	th_assert_rc(mlops__db_prepare(&a, db, "SELECT 1; SELECT 2"), MLOPS_EINVAL);
	th_ok(mlops__db_prepare(&a, db, "SELECT 3;  "));
	mlops__db_done(a);
	mlops__db_done(NULL);
	mlops__db_close(db);
}

static void test_transactions(void **state)
{
	fixture *f = *state;
	mlops_db *db, *other;
	th_ok(mlops__db_open(&db, f->path, MLOPS_DB_CREATE, 2000, MLOPS_SYNC_NORMAL));
	th_ok(mlops__db_open(&other, f->path, 0, 2000, MLOPS_SYNC_NORMAL));
	th_ok(mlops__db_exec(db, "CREATE TABLE t(x INTEGER)"));
	/* Nested commit: only the outermost one makes the rows visible. */
	th_ok(mlops__db_begin_write(db));
	assert_true(mlops__db_in_tx(db));
	th_ok(mlops__db_exec(db, "INSERT INTO t VALUES (1)"));
	th_ok(mlops__db_begin_write(db));
	th_ok(mlops__db_exec(db, "INSERT INTO t VALUES (2)"));
	th_ok(mlops__db_commit(db));
	assert_true(mlops__db_in_tx(db));
	assert_int_equal(q(other, "SELECT count(*) FROM t"), 0);
	th_ok(mlops__db_commit(db));
	assert_false(mlops__db_in_tx(db));
	assert_int_equal(q(other, "SELECT count(*) FROM t"), 2);
	/* Rollback at the outer level. */
	th_ok(mlops__db_begin_write(db));
	th_ok(mlops__db_exec(db, "INSERT INTO t VALUES (3)"));
	mlops__db_rollback(db);
	assert_false(mlops__db_in_tx(db));
	assert_int_equal(q(db, "SELECT count(*) FROM t"), 2);
	/* Rollback at an inner level rolls everything back and the outer commit reports it. */
	th_ok(mlops__db_begin_write(db));
	th_ok(mlops__db_exec(db, "INSERT INTO t VALUES (4)"));
	th_ok(mlops__db_begin_write(db));
	th_ok(mlops__db_exec(db, "INSERT INTO t VALUES (5)"));
	mlops__db_rollback(db);
	assert_true(mlops__db_in_tx(db));
	th_assert_rc(mlops__db_commit(db), MLOPS_ERROR);
	assert_non_null(strstr(mlops_error_last()->message, "rolled back"));
	assert_false(mlops__db_in_tx(db));
	assert_int_equal(q(db, "SELECT count(*) FROM t"), 2);
	assert_int_equal(q(other, "SELECT count(*) FROM t"), 2);
	/* Inner rollback, outer rollback: quietly nothing. */
	th_ok(mlops__db_begin_read(db));
	th_ok(mlops__db_begin_write(db));
	th_ok(mlops__db_exec(db, "INSERT INTO t VALUES (6)"));
	mlops__db_rollback(db);
	mlops__db_rollback(db);
	assert_false(mlops__db_in_tx(db));
	mlops__db_rollback(db);
	assert_int_equal(q(db, "SELECT count(*) FROM t"), 2);
	/* The next transaction starts clean. */
	th_ok(mlops__db_begin_write(db));
	th_ok(mlops__db_exec(db, "INSERT INTO t VALUES (7)"));
	th_ok(mlops__db_commit(db));
	assert_int_equal(q(other, "SELECT count(*) FROM t"), 3);
	/* A read transaction keeps its snapshot while another connection writes. */
	th_ok(mlops__db_begin_read(db));
	assert_int_equal(q(db, "SELECT count(*) FROM t"), 3);
	th_ok(mlops__db_exec(other, "INSERT INTO t VALUES (8)"));
	assert_int_equal(q(db, "SELECT count(*) FROM t"), 3);
	th_ok(mlops__db_commit(db));
	assert_int_equal(q(db, "SELECT count(*) FROM t"), 4);
	/* Commit without begin. */
	th_assert_rc(mlops__db_commit(db), MLOPS_EINVAL);
	mlops__db_close(other);
	/* Closing inside a transaction rolls it back. */
	th_ok(mlops__db_begin_write(db));
	th_ok(mlops__db_exec(db, "INSERT INTO t VALUES (9)"));
	mlops__db_close(db);
	th_ok(mlops__db_open(&db, f->path, 0, 2000, MLOPS_SYNC_NORMAL));
	assert_int_equal(q(db, "SELECT count(*) FROM t"), 4);
	mlops__db_close(db);
}

static void test_error_mapping(void **state)
{
	(void)state;
	mlops_db *db;
	th_ok(mlops__db_open(&db, NULL, MLOPS_DB_MEMORY, 100, MLOPS_SYNC_NORMAL));
	th_ok(mlops__db_exec(db, "CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	                         "CREATE TABLE c(pid INTEGER NOT NULL REFERENCES p(id), tag TEXT CHECK (tag <> 'bad'));"
	                         "CREATE TABLE k(a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;"
	                         "INSERT INTO p VALUES (1, 'alpha'); INSERT INTO k VALUES ('x', 'y')"));
	th_assert_rc(mlops__db_exec(db, "INSERT INTO p VALUES (2, 'alpha')"), MLOPS_EEXISTS);
	assert_non_null(strstr(mlops_error_last()->message, "UNIQUE constraint failed: p.name"));
	th_assert_rc(mlops__db_exec(db, "INSERT INTO p VALUES (1, 'beta')"), MLOPS_EEXISTS);
	th_assert_rc(mlops__db_exec(db, "INSERT INTO k VALUES ('x', 'y')"), MLOPS_EEXISTS);
	th_assert_rc(mlops__db_exec(db, "INSERT INTO p VALUES (3, NULL)"), MLOPS_EINVAL);
	th_assert_rc(mlops__db_exec(db, "INSERT INTO c VALUES (99, 'ok')"), MLOPS_EINVAL);
	assert_non_null(strstr(mlops_error_last()->message, "FOREIGN KEY"));
	th_assert_rc(mlops__db_exec(db, "INSERT INTO c VALUES (1, 'bad')"), MLOPS_EINVAL);
	th_ok(mlops__db_exec(db, "INSERT INTO c VALUES (1, 'ok')"));
	th_assert_rc(mlops__db_exec(db, "SELECT * FROM nope"), MLOPS_ERROR);
	/* Through a cached statement: step reports the extended code. */
	sqlite3_stmt *st;
	th_ok(mlops__db_prepare(&st, db, "INSERT INTO p(id, name) VALUES (?1, ?2)"));
	assert_int_equal(sqlite3_bind_int(st, 1, 10), SQLITE_OK);
	th_ok(mlops__db_bind_text(st, 2, "alpha"));
	th_assert_rc(mlops__db_step(db, st, "insert p 'alpha'"), MLOPS_EEXISTS);
	assert_non_null(strstr(mlops_error_last()->message, "insert p 'alpha': UNIQUE"));
	mlops__db_done(st);
	th_ok(mlops__db_prepare(&st, db, "INSERT INTO p(id, name) VALUES (?1, ?2)"));
	assert_int_equal(sqlite3_bind_int(st, 1, 11), SQLITE_OK);
	th_ok(mlops__db_bind_text(st, 2, NULL));
	th_assert_rc(mlops__db_step(db, st, "insert NULL name"), MLOPS_EINVAL);
	mlops__db_done(st);
	/* Direct mapping of primary codes. */
	static const struct { int rc; int code; } m[] = {
		{ SQLITE_BUSY, MLOPS_EBUSY }, { SQLITE_LOCKED, MLOPS_EBUSY }, { SQLITE_CORRUPT, MLOPS_ECORRUPT },
		{ SQLITE_NOTADB, MLOPS_ECORRUPT }, { SQLITE_FULL, MLOPS_ENOSPC }, { SQLITE_IOERR, MLOPS_EIO },
		{ SQLITE_IOERR_WRITE, MLOPS_EIO }, { SQLITE_READONLY, MLOPS_EREADONLY }, { SQLITE_NOMEM, MLOPS_ENOMEM },
		{ SQLITE_CONSTRAINT_UNIQUE, MLOPS_EEXISTS }, { SQLITE_CONSTRAINT_PRIMARYKEY, MLOPS_EEXISTS },
		{ SQLITE_CONSTRAINT_CHECK, MLOPS_EINVAL }, { SQLITE_CONSTRAINT_NOTNULL, MLOPS_EINVAL },
		{ SQLITE_MISUSE, MLOPS_ERROR }, { SQLITE_ERROR, MLOPS_ERROR }, { SQLITE_CANTOPEN, MLOPS_ERROR },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		assert_int_equal(mlops__db_error(db, m[i].rc, "what"), m[i].code);
		assert_int_equal(mlops_error_last()->code, m[i].code);
		assert_memory_equal(mlops_error_last()->message, "what: ", 6);
	}
	assert_int_equal(mlops__db_error(NULL, SQLITE_FULL, "no db"), MLOPS_ENOSPC);
	assert_string_equal(mlops_error_last()->message, "no db: database or disk is full");
	mlops__db_close(db);
}

typedef struct locker {
	const char *path;
	int hold_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int locked;
	int rc;
} locker;

static void *hold_write_lock(void *p)
{
	locker *l = p;
	mlops_db *db;
	l->rc = mlops__db_open(&db, l->path, 0, 100, MLOPS_SYNC_NORMAL);
	if (!l->rc)
		l->rc = mlops__db_begin_write(db);
	if (!l->rc)
		l->rc = mlops__db_exec(db, "INSERT INTO t VALUES (100)");
	pthread_mutex_lock(&l->mu);
	l->locked = l->rc ? -1 : 1;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	if (l->rc)
		return NULL;
	usleep((useconds_t)l->hold_ms * 1000);
	l->rc = mlops__db_commit(db);
	mlops__db_close(db);
	return NULL;
}

static void start_locker(locker *l, pthread_t *t, const char *path, int hold_ms)
{
	memset(l, 0, sizeof(*l));
	l->path = path;
	l->hold_ms = hold_ms;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	assert_int_equal(pthread_create(t, NULL, hold_write_lock, l), 0);
	pthread_mutex_lock(&l->mu);
	while (!l->locked)
		pthread_cond_wait(&l->cv, &l->mu);
	pthread_mutex_unlock(&l->mu);
	assert_int_equal(l->locked, 1);
}

static void stop_locker(locker *l, pthread_t t)
{
	pthread_join(t, NULL);
	th_ok(l->rc);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
}

static void test_busy_wait(void **state)
{
	fixture *f = *state;
	mlops_db *db;
	th_ok(mlops__db_open(&db, f->path, MLOPS_DB_CREATE, 5000, MLOPS_SYNC_NORMAL));
	th_ok(mlops__db_exec(db, "CREATE TABLE t(x INTEGER)"));
	locker l;
	pthread_t t;
	start_locker(&l, &t, f->path, 200);
	uint64_t t0 = mlops__mono_ns();
	th_ok(mlops__db_begin_write(db));
	uint64_t waited_ms = (mlops__mono_ns() - t0) / 1000000u;
	/* The other connection committed before we got the lock: its row is visible inside our transaction. */
	assert_int_equal(q(db, "SELECT count(*) FROM t WHERE x = 100"), 1);
	th_ok(mlops__db_exec(db, "INSERT INTO t VALUES (1)"));
	th_ok(mlops__db_commit(db));
	stop_locker(&l, t);
	assert_true(waited_ms >= 150);
	assert_true(waited_ms < 4000);
	mlops__db_close(db);
}

static void test_busy_timeout(void **state)
{
	fixture *f = *state;
	mlops_db *db;
	th_ok(mlops__db_open(&db, f->path, MLOPS_DB_CREATE, 100, MLOPS_SYNC_NORMAL));
	th_ok(mlops__db_exec(db, "CREATE TABLE t(x INTEGER)"));
	locker l;
	pthread_t t;
	start_locker(&l, &t, f->path, 1500);
	uint64_t t0 = mlops__mono_ns();
	th_assert_rc(mlops__db_begin_write(db), MLOPS_EBUSY);
	uint64_t waited_ms = (mlops__mono_ns() - t0) / 1000000u;
	assert_non_null(strstr(mlops_error_last()->message, f->path));
	assert_false(mlops__db_in_tx(db));
	assert_true(waited_ms >= 90);
	assert_true(waited_ms < 1400);
	stop_locker(&l, t);
	/* Once the lock is released the same connection writes normally. */
	th_ok(mlops__db_begin_write(db));
	th_ok(mlops__db_exec(db, "INSERT INTO t VALUES (1)"));
	th_ok(mlops__db_commit(db));
	assert_int_equal(q(db, "SELECT count(*) FROM t"), 2);
	mlops__db_close(db);
}

typedef struct opener {
	const char *path;
	pthread_barrier_t *barrier;
	int rc;
} opener;

static void *open_same(void *p)
{
	opener *o = p;
	mlops_db *db;
	pthread_barrier_wait(o->barrier);
	o->rc = mlops__db_open(&db, o->path, MLOPS_DB_CREATE, 5000, MLOPS_SYNC_NORMAL);
	if (!o->rc) {
		o->rc = mlops__db_begin_write(db);
		if (!o->rc)
			o->rc = mlops__db_exec(db, "CREATE TABLE IF NOT EXISTS t(x INTEGER); INSERT INTO t VALUES (1)");
		if (!o->rc)
			o->rc = mlops__db_commit(db);
		else
			mlops__db_rollback(db);
		mlops__db_close(db);
	}
	return NULL;
}

static void test_concurrent_create(void **state)
{
	fixture *f = *state;
	enum { N = 4 };
	for (int round = 0; round < 5; round++) {
		char name[32];
		snprintf(name, sizeof(name), "new%d.db", round);
		char *path = mlops__path_join(f->dir, name);
		pthread_barrier_t barrier;
		pthread_barrier_init(&barrier, NULL, N);
		opener o[N];
		pthread_t t[N];
		for (int i = 0; i < N; i++) {
			o[i] = (opener){ path, &barrier, -1 };
			assert_int_equal(pthread_create(&t[i], NULL, open_same, &o[i]), 0);
		}
		for (int i = 0; i < N; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&barrier);
		for (int i = 0; i < N; i++)
			th_ok(o[i].rc);
		mlops_db *db;
		th_ok(mlops__db_open(&db, path, 0, 100, MLOPS_SYNC_NORMAL));
		assert_int_equal(q(db, "SELECT count(*) FROM t"), N);
		char *mode = q_text(db, "PRAGMA journal_mode");
		assert_string_equal(mode, "wal");
		free(mode);
		mlops__db_close(db);
		free(path);
	}
}

static void test_query_and_size(void **state)
{
	fixture *f = *state;
	mlops_db *db;
	th_ok(mlops__db_open(&db, f->path, MLOPS_DB_CREATE, 100, MLOPS_SYNC_NORMAL));
	uint64_t size0, size1;
	th_ok(mlops__db_size(db, &size0));
	th_ok(mlops__db_exec(db, "CREATE TABLE b(x BLOB); INSERT INTO b VALUES (zeroblob(1000000))"));
	th_ok(mlops__db_size(db, &size1));
	int64_t pages = q(db, "PRAGMA page_count"), psize = q(db, "PRAGMA page_size");
	assert_int_equal(size1, (uint64_t)(pages * psize));
	assert_true(size1 >= 1000000 && size1 > size0);
	int64_t v;
	th_ok(mlops__db_query_int64(db, &v, "SELECT 40 + 2"));
	assert_int_equal(v, 42);
	th_ok(mlops__db_query_int64(db, &v, "SELECT 9007199254740993"));
	assert_int_equal(v, 9007199254740993LL);
	th_assert_rc(mlops__db_query_int64(db, &v, "SELECT 1 WHERE 0"), MLOPS_ENOTFOUND);
	assert_int_equal(v, 0);
	th_assert_rc(mlops__db_query_int64(db, &v, "SELECT x FROM missing"), MLOPS_ERROR);
	mlops__db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_pragmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stmt_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_and_size, setup, teardown),
	};
	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
