/*
 * The audit log (store_audit): appending a row inside the caller's transaction, and the public iterator.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

int mlops_store__audit(mlops_store *store, const char *action, const char *object_kind, const char *object_id,
                       const char *detail_json)
{
	mlops_db *db = store->db;
	if (mlops__str_empty(action))
		return mlops__error(MLOPS_EINVAL, "audit: action is empty");
	if (!mlops__db_in_tx(db))
		return mlops__error(MLOPS_EINVAL, "audit '%s' outside a transaction on store '%s'", action, store->path);
	sqlite3_stmt *st;
	/* json() normalizes the detail; text that is not JSON becomes NULL and fails the NOT NULL constraint. */
	int rc = mlops__db_prepare(&st, db, "INSERT INTO store_audit(time_ms, actor, action, object_kind, object_id, "
	                                    "detail) VALUES (?1, ?2, ?3, ?4, ?5, "
	                                    "CASE WHEN json_valid(?6) THEN json(?6) END)");
	if (!rc && sqlite3_bind_int64(st, 1, mlops__now_ms()) != SQLITE_OK)
		rc = mlops__db_error(db, sqlite3_errcode(mlops__db_sqlite(db)), "cannot bind a time");
	if (!rc)
		rc = mlops__db_bind_text(st, 2, store->actor);
	if (!rc)
		rc = mlops__db_bind_text(st, 3, action);
	if (!rc)
		rc = mlops__db_bind_text(st, 4, object_kind ? object_kind : "");
	if (!rc)
		rc = mlops__db_bind_text(st, 5, object_id ? object_id : "");
	if (!rc)
		rc = mlops__db_bind_text(st, 6, detail_json ? detail_json : "{}");
	if (!rc)
		rc = mlops__db_step(db, st, "cannot write the audit log");
	mlops__db_done(st);
	if (rc == MLOPS_EINVAL)
		return mlops__error(MLOPS_EINVAL, "audit '%s': detail is not valid JSON: '%.100s'", action,
		                    detail_json ? detail_json : "");
	if (rc)
		return mlops__error_prefix("audit '%s' of %s '%s'", action, object_kind ? object_kind : "",
		                           object_id ? object_id : "");
	return 0;
}

struct mlops_audit_iter {
	mlops_store *store;
	int64_t since_ms;
	int64_t last_id;
	char *strings;  /* the current row's strings, one allocation */
	bool done;
};

int mlops_audit_iter_new(mlops_audit_iter **out, mlops_store *store, int64_t since_ms)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_audit_iter_new: out and store must not be NULL");
	*out = NULL;
	mlops_audit_iter *it = mlops__calloc(1, sizeof(*it));
	if (!it)
		return MLOPS_ENOMEM;
	it->store = store;
	it->since_ms = since_ms;
	mlops_store__ref(store);
	*out = it;
	return 0;
}

/* Rows are fetched one at a time by id (keyset paging), so the iterator holds no statement or read transaction
 * between calls and other handles of the store stay free to write. */
int mlops_audit_next(mlops_audit_entry *out, mlops_audit_iter *it)
{
	if (!out || !it)
		return mlops__error(MLOPS_EINVAL, "mlops_audit_next: out and iter must not be NULL");
	if (it->done)
		return MLOPS_ITEROVER;
	mlops_db *db = it->store->db;
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "SELECT id, time_ms, actor, action, object_kind, object_id, detail "
	                                    "FROM store_audit WHERE id > ?1 AND time_ms >= ?2 ORDER BY id LIMIT 1");
	if (rc)
		return rc;
	if (sqlite3_bind_int64(st, 1, it->last_id) != SQLITE_OK || sqlite3_bind_int64(st, 2, it->since_ms) != SQLITE_OK) {
		rc = mlops__db_error(db, sqlite3_errcode(mlops__db_sqlite(db)), "cannot bind audit query");
		mlops__db_done(st);
		return rc;
	}
	rc = mlops__db_step(db, st, "cannot read the audit log");
	if (rc == 0) {
		it->done = true;
		rc = MLOPS_ITEROVER;
	} else if (rc == 1) {
		const char *col[5];
		size_t len[5], total = 0;
		for (int i = 0; i < 5; i++) {
			col[i] = (const char *)sqlite3_column_text(st, 2 + i);
			len[i] = col[i] ? strlen(col[i]) : 0;
			total += len[i] + 1;
		}
		char *buf = mlops__malloc(total);
		if (!buf) {
			rc = MLOPS_ENOMEM;
		} else {
			free(it->strings);
			it->strings = buf;
			const char *p[5];
			for (int i = 0; i < 5; i++) {
				if (len[i])
					memcpy(buf, col[i], len[i]);
				buf[len[i]] = '\0';
				p[i] = buf;
				buf += len[i] + 1;
			}
			it->last_id = sqlite3_column_int64(st, 0);
			out->id = it->last_id;
			out->time_ms = sqlite3_column_int64(st, 1);
			out->actor = p[0];
			out->action = p[1];
			out->object_kind = p[2];
			out->object_id = p[3];
			out->detail = *p[4] ? p[4] : "{}";
			rc = 0;
		}
	} else {
		mlops__error_prefix("store '%s'", it->store->path);
	}
	mlops__db_done(st);
	return rc;
}

void mlops_audit_iter_free(mlops_audit_iter *it)
{
	if (!it)
		return;
	free(it->strings);
	mlops_store__unref(it->store);
	free(it);
}
