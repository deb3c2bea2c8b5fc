/*
 * The stat cache of working directories (datasets_statcache) and their heads (datasets_workdirs): what lstat said
 * about each file when its content id was computed, so that commit and status read only files whose stat changed,
 * as git's index does. The racy-git rule: an entry is trusted only when the file's mtime is at least
 * DS_RACY_WINDOW_NS older than the moment the entry was recorded (taken before the file was read), because a
 * write within the timestamp granularity of that moment may leave the stat unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "datasets/ds_int.h"

void mlops_datasets__cache_free(ds_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->count; i++)
		free(c->rows[i].path);
	free(c->rows);
	memset(c, 0, sizeof(*c));
}

static int load_rows(ds_cache *c, mlops_db *db)
{
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db,
	                           "SELECT path, size, mtime_ns, ctime_ns, ino, mode, oid, cached_ns "
	                           "FROM datasets_statcache WHERE wid = ?1 ORDER BY path");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, c->wid);
	size_t cap = 0;
	while ((rc = mlops__db_step(db, st, "read the stat cache")) == 1) {
		if (c->count == cap) {
			cap = cap ? cap * 2 : 256;
			ds_cache_row *p = mlops__realloc(c->rows, cap * sizeof(*p));
			if (!p) {
				rc = MLOPS_ENOMEM;
				break;
			}
			c->rows = p;
		}
		ds_cache_row *r = &c->rows[c->count];
		const char *oid = (const char *)sqlite3_column_text(st, 6);
		/* A row with a damaged id is simply not trusted: drop it. */
		if (!oid || mlops__oid_from_hex(&r->oid, oid) != 0) {
			mlops__error_reset();
			continue;
		}
		r->path = mlops__strdup((const char *)sqlite3_column_text(st, 0));
		if (!r->path) {
			rc = MLOPS_ENOMEM;
			break;
		}
		r->size = (uint64_t)sqlite3_column_int64(st, 1);
		r->mtime_ns = sqlite3_column_int64(st, 2);
		r->ctime_ns = sqlite3_column_int64(st, 3);
		r->ino = (uint64_t)sqlite3_column_int64(st, 4);
		r->mode = (uint32_t)sqlite3_column_int64(st, 5);
		r->cached_ns = sqlite3_column_int64(st, 7);
		c->count++;
	}
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

int mlops_datasets__cache_load(ds_cache *c, mlops_store *store, const char *root)
{
	memset(c, 0, sizeof(*c));
	mlops_db *db = mlops_store__db(store);
	int rc = mlops__db_begin_read(db);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	rc = mlops__db_prepare(&st, db, "SELECT wid, vid FROM datasets_workdirs WHERE root = ?1");
	if (!rc) {
		mlops__db_bind_text(st, 1, root);
		rc = mlops__db_step(db, st, "read working directories");
		if (rc == 1) {
			c->wid = sqlite3_column_int64(st, 0);
			c->head_vid = sqlite3_column_int64(st, 1);
			rc = 0;
		}
		mlops__db_done(st);
	}
	if (!rc && c->wid)
		rc = load_rows(c, db);
	int crc = mlops__db_commit(db);
	if (!rc)
		rc = crc;
	if (rc)
		mlops_datasets__cache_free(c);
	return rc;
}

bool mlops_datasets__cache_trusted(const ds_cache_row *r, const ds_file *f)
{
	if (r->size != f->size || r->mtime_ns != f->mtime_ns || r->ctime_ns != f->ctime_ns || r->ino != f->ino ||
	    r->mode != f->mode)
		return false;
	/* As git, only mtime decides raciness: ctime is compared for equality above, and a ctime close to the
	 * cache time (e.g. after a chmod or a utime) is no reason to distrust content whose mtime is old. */
	return f->mtime_ns <= r->cached_ns - DS_RACY_WINDOW_NS;
}

const ds_cache_row *mlops_datasets__cache_find(const ds_cache *c, const char *path)
{
	size_t lo = 0, hi = c->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(c->rows[mid].path, path);
		if (d == 0)
			return &c->rows[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int mlops_datasets__workdir_id(int64_t *out_wid, mlops_store *store, const char *root)
{
	*out_wid = 0;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db,
	                           "INSERT INTO datasets_workdirs (root, vid, updated_ms) VALUES (?1, NULL, ?2) "
	                           "ON CONFLICT (root) DO NOTHING");
	if (rc)
		return rc;
	mlops__db_bind_text(st, 1, root);
	sqlite3_bind_int64(st, 2, mlops__now_ms());
	rc = mlops__db_step(db, st, "record a working directory");
	mlops__db_done(st);
	if (rc < 0)
		return rc;
	if ((rc = mlops__db_prepare(&st, db, "SELECT wid FROM datasets_workdirs WHERE root = ?1")) != 0)
		return rc;
	mlops__db_bind_text(st, 1, root);
	rc = mlops__db_step(db, st, "read working directories");
	if (rc == 1) {
		*out_wid = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (rc == 0) {
		rc = mlops__error(MLOPS_ERROR, "working directory '%s' vanished from the store", root);
	}
	mlops__db_done(st);
	return rc;
}

int mlops_datasets__cache_write(mlops_store *store, int64_t wid, const ds_file *files, size_t n,
                                int64_t cached_ns, const char *const *stale, size_t n_stale)
{
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = 0;
	if (n_stale) {
		if ((rc = mlops__db_prepare(&st, db, "DELETE FROM datasets_statcache WHERE wid = ?1 AND path = ?2")) != 0)
			return rc;
		for (size_t i = 0; i < n_stale && !rc; i++) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, wid);
			mlops__db_bind_text(st, 2, stale[i]);
			rc = mlops__db_step(db, st, "update the stat cache");
			rc = rc < 0 ? rc : 0;
		}
		mlops__db_done(st);
		if (rc)
			return rc;
	}
	rc = mlops__db_prepare(&st, db,
	                       "INSERT INTO datasets_statcache "
	                       "(wid, path, size, mtime_ns, ctime_ns, ino, mode, oid, cached_ns) "
	                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
	                       "ON CONFLICT (wid, path) DO UPDATE SET size = excluded.size, "
	                       "mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, ino = excluded.ino, "
	                       "mode = excluded.mode, oid = excluded.oid, cached_ns = excluded.cached_ns");
	if (rc)
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		const ds_file *f = &files[i];
		if (f->state != DS_FILE_READ)
			continue;
		char hex[MLOPS_OID_BUFSIZE];
		mlops__oid_to_hex(hex, &f->oid);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, wid);
		mlops__db_bind_text(st, 2, f->path);
		sqlite3_bind_int64(st, 3, (int64_t)f->size);
		sqlite3_bind_int64(st, 4, f->mtime_ns);
		sqlite3_bind_int64(st, 5, f->ctime_ns);
		sqlite3_bind_int64(st, 6, (int64_t)f->ino);
		sqlite3_bind_int64(st, 7, (int64_t)f->mode);
		mlops__db_bind_text(st, 8, hex);
		sqlite3_bind_int64(st, 9, cached_ns);
		rc = mlops__db_step(db, st, "update the stat cache");
		rc = rc < 0 ? rc : 0;
	}
	mlops__db_done(st);
	return rc;
}

int mlops_datasets__head_set(mlops_store *store, int64_t wid, int64_t vid)
{
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "UPDATE datasets_workdirs SET vid = ?2, updated_ms = ?3 WHERE wid = ?1");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, wid);
	if (vid)
		sqlite3_bind_int64(st, 2, vid);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, mlops__now_ms());
	rc = mlops__db_step(db, st, "set the head of a working directory");
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}
