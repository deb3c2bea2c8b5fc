/*
 * The public object API: whole-object put/get, streaming readers and writers (which keep the store alive), and
 * pins (store_pins, gc roots) with their audit rows.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

#define MAX_PIN_NAME 1024

int mlops_store__parse_oid(mlops_oid *out, const char *id)
{
	if (!id)
		return mlops__error(MLOPS_EINVAL, "invalid object id (null): expected 32 hex characters");
	size_t n = strnlen(id, 64);
	bool ok = n == MLOPS_OID_HEXLEN;
	for (size_t i = 0; ok && i < n; i++)
		ok = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f') || (id[i] >= 'A' && id[i] <= 'F');
	if (!ok || mlops__oid_from_hex(out, id) != 0)
		return mlops__error(MLOPS_EINVAL, "invalid object id '%.64s': expected 32 hex characters", id);
	return 0;
}

static int check_store(mlops_store *store, const char *fn)
{
	if (!store)
		return mlops__error(MLOPS_EINVAL, "%s: store is NULL", fn);
	return 0;
}

/* Objects are durable when put returns: flush the backend (this also ends the sqlite backend's open batch, which
 * would otherwise hold the single-file store's write lock). */
static int finish_put(mlops_store *store, const mlops_oid *oid, char *out_id)
{
	int rc = mlops__odb_flush(store->odb);
	if (rc)
		return mlops__error_prefix("store '%s': cannot make the object durable", store->path);
	mlops__oid_to_hex(out_id, oid);
	return 0;
}

int mlops_object_put(char *out_id, mlops_store *store, const void *data, size_t size)
{
	int rc = check_store(store, "mlops_object_put");
	if (rc)
		return rc;
	if (!out_id || (!data && size))
		return mlops__error(MLOPS_EINVAL, "mlops_object_put: out_id is NULL or data is NULL with size %zu", size);
	out_id[0] = '\0';
	if ((rc = mlops_store__check_writable(store, "object put")) != 0)
		return rc;
	mlops_oid oid;
	if ((rc = mlops__odb_put(&oid, store->odb, size ? data : "", size)) != 0)
		return mlops__error_prefix("store '%s': cannot store an object of %zu bytes", store->path, size);
	return finish_put(store, &oid, out_id);
}

int mlops_object_put_file(char *out_id, mlops_store *store, const char *path)
{
	int rc = check_store(store, "mlops_object_put_file");
	if (rc)
		return rc;
	if (!out_id || mlops__str_empty(path))
		return mlops__error(MLOPS_EINVAL, "mlops_object_put_file: out_id is NULL or path is empty");
	out_id[0] = '\0';
	if ((rc = mlops_store__check_writable(store, "object put")) != 0)
		return rc;
	mlops_oid oid;
	if ((rc = mlops__odb_put_file(&oid, store->odb, path)) != 0)
		return mlops__error_prefix("store '%s': cannot store file '%s'", store->path, path);
	return finish_put(store, &oid, out_id);
}

int mlops_object_get(void **out_data, size_t *out_size, mlops_store *store, const char *id)
{
	if (!out_data || !out_size)
		return mlops__error(MLOPS_EINVAL, "mlops_object_get: out_data and out_size must not be NULL");
	*out_data = NULL;
	*out_size = 0;
	mlops_oid oid;
	int rc = check_store(store, "mlops_object_get");
	if (!rc)
		rc = mlops_store__parse_oid(&oid, id);
	if (rc)
		return rc;
	void *data = NULL;
	size_t n = 0;
	if ((rc = mlops__odb_get(&data, &n, store->odb, &oid)) != 0)
		return rc;
	if (!data && !(data = mlops_alloc(1)))
		return MLOPS_ENOMEM;
	*out_data = data;
	*out_size = n;
	return 0;
}

int mlops_object_get_file(mlops_store *store, const char *id, const char *path)
{
	mlops_oid oid;
	int rc = check_store(store, "mlops_object_get_file");
	if (!rc)
		rc = mlops_store__parse_oid(&oid, id);
	if (!rc && mlops__str_empty(path))
		rc = mlops__error(MLOPS_EINVAL, "mlops_object_get_file: path is empty");
	if (rc)
		return rc;
	return mlops__odb_get_file(store->odb, &oid, path);
}

int mlops_object_exists(int *out_exists, mlops_store *store, const char *id)
{
	if (!out_exists)
		return mlops__error(MLOPS_EINVAL, "mlops_object_exists: out_exists is NULL");
	*out_exists = 0;
	mlops_oid oid;
	int rc = check_store(store, "mlops_object_exists");
	if (!rc)
		rc = mlops_store__parse_oid(&oid, id);
	if (rc)
		return rc;
	bool has = false;
	if ((rc = mlops__odb_exists(&has, store->odb, &oid)) != 0)
		return rc;
	*out_exists = has ? 1 : 0;
	return 0;
}

int mlops_object_size(uint64_t *out_size, mlops_store *store, const char *id)
{
	if (!out_size)
		return mlops__error(MLOPS_EINVAL, "mlops_object_size: out_size is NULL");
	*out_size = 0;
	mlops_oid oid;
	int rc = check_store(store, "mlops_object_size");
	if (!rc)
		rc = mlops_store__parse_oid(&oid, id);
	if (rc)
		return rc;
	return mlops__odb_size(out_size, store->odb, &oid);
}

/* ---- streaming reader ---- */

struct mlops_object_reader {
	mlops_store *store;
	mlops_odb_reader *r;
};

int mlops_object_reader_open(mlops_object_reader **out, mlops_store *store, const char *id)
{
	if (!out)
		return mlops__error(MLOPS_EINVAL, "mlops_object_reader_open: out is NULL");
	*out = NULL;
	mlops_oid oid;
	int rc = check_store(store, "mlops_object_reader_open");
	if (!rc)
		rc = mlops_store__parse_oid(&oid, id);
	if (rc)
		return rc;
	mlops_object_reader *rd = mlops__calloc(1, sizeof(*rd));
	if (!rd)
		return MLOPS_ENOMEM;
	if ((rc = mlops__odb_reader_new(&rd->r, store->odb, &oid)) != 0) {
		free(rd);
		return rc;
	}
	rd->store = store;
	mlops_store__ref(store);
	*out = rd;
	return 0;
}

int mlops_object_reader_read(size_t *out_read, mlops_object_reader *reader, void *buf, size_t cap)
{
	if (!out_read || !reader || (!buf && cap))
		return mlops__error(MLOPS_EINVAL, "mlops_object_reader_read: out_read, reader and buf must not be NULL");
	*out_read = 0;
	return mlops__odb_reader_read(out_read, reader->r, buf, cap);
}

int mlops_object_reader_seek(mlops_object_reader *reader, uint64_t offset)
{
	if (!reader)
		return mlops__error(MLOPS_EINVAL, "mlops_object_reader_seek: reader is NULL");
	return mlops__odb_reader_seek(reader->r, offset);
}

uint64_t mlops_object_reader_size(const mlops_object_reader *reader)
{
	return reader ? mlops__odb_reader_size(reader->r) : 0;
}

void mlops_object_reader_free(mlops_object_reader *reader)
{
	if (!reader)
		return;
	mlops__odb_reader_free(reader->r);
	mlops_store__unref(reader->store);
	free(reader);
}

/* ---- streaming writer ---- */

struct mlops_object_writer {
	mlops_store *store;
	mlops_odb_writer *w;
	bool committed;
	bool failed;
};

int mlops_object_writer_open(mlops_object_writer **out, mlops_store *store)
{
	if (!out)
		return mlops__error(MLOPS_EINVAL, "mlops_object_writer_open: out is NULL");
	*out = NULL;
	int rc = check_store(store, "mlops_object_writer_open");
	if (!rc)
		rc = mlops_store__check_writable(store, "object writer");
	if (rc)
		return rc;
	mlops_object_writer *wr = mlops__calloc(1, sizeof(*wr));
	if (!wr)
		return MLOPS_ENOMEM;
	if ((rc = mlops__odb_writer_new(&wr->w, store->odb)) != 0) {
		free(wr);
		return rc;
	}
	wr->store = store;
	mlops_store__ref(store);
	*out = wr;
	return 0;
}

int mlops_object_writer_write(mlops_object_writer *writer, const void *data, size_t size)
{
	if (!writer || (!data && size))
		return mlops__error(MLOPS_EINVAL, "mlops_object_writer_write: writer and data must not be NULL");
	if (writer->committed)
		return mlops__error(MLOPS_EINVAL, "object writer on store '%s' is committed and takes no more bytes",
		                    writer->store->path);
	if (writer->failed)
		return mlops__error(MLOPS_EINVAL, "object writer on store '%s' failed earlier; open a new one",
		                    writer->store->path);
	if (!size)
		return 0;
	int rc = mlops__odb_writer_write(writer->w, data, size);
	if (rc)
		writer->failed = true;
	return rc;
}

int mlops_object_writer_commit(char *out_id, mlops_object_writer *writer)
{
	if (!out_id || !writer)
		return mlops__error(MLOPS_EINVAL, "mlops_object_writer_commit: out_id and writer must not be NULL");
	out_id[0] = '\0';
	if (writer->committed)
		return mlops__error(MLOPS_EINVAL, "object writer on store '%s' is already committed", writer->store->path);
	if (writer->failed)
		return mlops__error(MLOPS_EINVAL, "object writer on store '%s' failed earlier; open a new one",
		                    writer->store->path);
	mlops_oid oid;
	int rc = mlops__odb_writer_finish(&oid, writer->w);
	if (rc) {
		writer->failed = true;
		return mlops__error_prefix("store '%s': cannot commit object", writer->store->path);
	}
	writer->committed = true;
	mlops__oid_to_hex(out_id, &oid);
	return 0;
}

void mlops_object_writer_free(mlops_object_writer *writer)
{
	if (!writer)
		return;
	mlops__odb_writer_free(writer->w);
	mlops_store__unref(writer->store);
	free(writer);
}

/* ---- pins ---- */

static int check_pin_name(const char *name)
{
	if (mlops__str_empty(name))
		return mlops__error(MLOPS_EINVAL, "pin name is empty");
	size_t n = strnlen(name, MAX_PIN_NAME + 1);
	if (n > MAX_PIN_NAME)
		return mlops__error(MLOPS_EINVAL, "pin name '%.40s...' is longer than %d bytes", name, MAX_PIN_NAME);
	if (!mlops__utf8_valid(name, n))
		return mlops__error(MLOPS_EINVAL, "pin name is not valid UTF-8");
	return 0;
}

/* The pinned id under name into out (33 bytes); 0, MLOPS_ENOTFOUND (no message) or an error. */
static int pin_lookup(char *out, mlops_store *store, const char *name)
{
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, store->db, "SELECT oid FROM store_pins WHERE name = ?1");
	if (!rc)
		rc = mlops__db_bind_text(st, 1, name);
	if (!rc)
		rc = mlops__db_step(store->db, st, "cannot read pins");
	if (rc == 1) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		size_t n = v ? strlen(v) : 0;
		if (n > MLOPS_OID_HEXLEN)
			n = MLOPS_OID_HEXLEN;
		if (n)
			memcpy(out, v, n);
		out[n] = '\0';
		rc = 0;
	} else if (rc == 0) {
		rc = MLOPS_ENOTFOUND;
	}
	mlops__db_done(st);
	return rc;
}

static int pin_detail(mlops_buf *b, const char *name, const char *previous)
{
	mlops_json j;
	mlops__json_init(&j, b);
	mlops__json_object_begin(&j);
	mlops__json_key(&j, "name");
	mlops__json_string(&j, name);
	mlops__json_key(&j, "previous");
	if (previous && *previous)
		mlops__json_string(&j, previous);
	else
		mlops__json_null(&j);
	mlops__json_object_end(&j);
	return mlops__json_finish(&j);
}

int mlops_object_pin(mlops_store *store, const char *name, const char *id)
{
	mlops_oid oid;
	int rc = check_store(store, "mlops_object_pin");
	if (!rc)
		rc = check_pin_name(name);
	if (!rc)
		rc = mlops_store__parse_oid(&oid, id);
	if (!rc)
		rc = mlops_store__check_writable(store, "object pin");
	if (rc)
		return rc;
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, &oid);
	bool has = false;
	if ((rc = mlops__odb_exists(&has, store->odb, &oid)) != 0)
		return mlops__error_prefix("cannot pin '%s' as '%s'", hex, name);
	if (!has)
		return mlops__error(MLOPS_ENOTFOUND, "cannot pin '%s' as '%s': object not found in store '%s'", hex, name,
		                    store->path);
	mlops_buf detail = MLOPS_BUF_INIT;
	char previous[MLOPS_OID_BUFSIZE] = "";
	if ((rc = mlops_store__begin_write(store)) != 0)
		goto out;
	rc = pin_lookup(previous, store, name);
	if (rc == MLOPS_ENOTFOUND)
		rc = 0;
	if (!rc)
		rc = pin_detail(&detail, name, previous);
	if (!rc) {
		sqlite3_stmt *st;
		rc = mlops__db_prepare(&st, store->db, "INSERT INTO store_pins(name, oid, created_ms) VALUES (?1, ?2, ?3) "
		                                       "ON CONFLICT(name) DO UPDATE SET oid = excluded.oid, "
		                                       "created_ms = excluded.created_ms");
		if (!rc)
			rc = mlops__db_bind_text(st, 1, name);
		if (!rc)
			rc = mlops__db_bind_text(st, 2, hex);
		if (!rc && sqlite3_bind_int64(st, 3, mlops__now_ms()) != SQLITE_OK)
			rc = mlops__db_error(store->db, sqlite3_errcode(mlops__db_sqlite(store->db)), "cannot bind a time");
		if (!rc)
			rc = mlops__db_step(store->db, st, "cannot write pin");
		mlops__db_done(st);
	}
	if (!rc)
		rc = mlops_store__audit(store, "object.pin", MLOPS_KIND_OBJECT, hex, detail.data);
	if (!rc)
		rc = mlops__db_commit(store->db);
	else
		mlops__db_rollback(store->db);
out:
	mlops__buf_free(&detail);
	if (rc)
		mlops__error_prefix("cannot pin '%s' as '%s'", hex, name);
	return rc;
}

int mlops_object_unpin(mlops_store *store, const char *name)
{
	int rc = check_store(store, "mlops_object_unpin");
	if (!rc)
		rc = check_pin_name(name);
	if (!rc)
		rc = mlops_store__check_writable(store, "object unpin");
	if (rc)
		return rc;
	mlops_buf detail = MLOPS_BUF_INIT;
	char previous[MLOPS_OID_BUFSIZE] = "";
	if ((rc = mlops_store__begin_write(store)) != 0)
		goto out;
	rc = pin_lookup(previous, store, name);
	if (rc == MLOPS_ENOTFOUND)
		rc = mlops__error(MLOPS_ENOTFOUND, "no pin named '%s' in store '%s'", name, store->path);
	if (!rc) {
		sqlite3_stmt *st;
		rc = mlops__db_prepare(&st, store->db, "DELETE FROM store_pins WHERE name = ?1");
		if (!rc)
			rc = mlops__db_bind_text(st, 1, name);
		if (!rc)
			rc = mlops__db_step(store->db, st, "cannot remove pin");
		mlops__db_done(st);
	}
	if (!rc)
		rc = pin_detail(&detail, name, NULL);
	if (!rc)
		rc = mlops_store__audit(store, "object.unpin", MLOPS_KIND_OBJECT, previous, detail.data);
	if (!rc)
		rc = mlops__db_commit(store->db);
	else
		mlops__db_rollback(store->db);
out:
	mlops__buf_free(&detail);
	return rc;
}

int mlops_object_pin_get(char *out_id, mlops_store *store, const char *name)
{
	if (!out_id)
		return mlops__error(MLOPS_EINVAL, "mlops_object_pin_get: out_id is NULL");
	out_id[0] = '\0';
	int rc = check_store(store, "mlops_object_pin_get");
	if (!rc)
		rc = check_pin_name(name);
	if (rc)
		return rc;
	rc = pin_lookup(out_id, store, name);
	if (rc == MLOPS_ENOTFOUND)
		return mlops__error(MLOPS_ENOTFOUND, "no pin named '%s' in store '%s'", name, store->path);
	return rc;
}
