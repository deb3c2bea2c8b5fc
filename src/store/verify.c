/*
 * Verification of a whole store, read-only: SQLite's integrity and foreign-key checks, every blob read back and
 * re-hashed, and every object a gc root references (with the chunks of manifests) checked for presence.
 * Problems are counted and described in a JSON report; nothing is repaired.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

typedef struct root_ref {
	char *module;
	char *hex;
} root_ref;

typedef struct vstate {
	mlops_store *store;
	mlops_verify_stats *st;
	mlops_json j;
	mlops_buf report;
	uint64_t problems;
	mlops_oidset present;     /* blobs listed by the backend */
	bool listed;              /* the backend can list: `present` is complete */
	mlops_oidset seen;        /* roots and chunks already checked */
	root_ref *roots;
	size_t n, cap;
} vstate;

static void problem(vstate *v, const char *kind, const char *object, const char *message)
{
	v->problems++;
	mlops__json_object_begin(&v->j);
	mlops__json_key(&v->j, "kind");
	mlops__json_string(&v->j, kind);
	mlops__json_key(&v->j, "object");
	mlops__json_string(&v->j, object);
	mlops__json_key(&v->j, "message");
	mlops__json_string(&v->j, message);
	mlops__json_object_end(&v->j);
}

/* integrity_check yields "ok" or one row per problem; foreign_key_check one row per violation. */
static int check_metadata(vstate *v)
{
	mlops_db *db = v->store->db;
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "PRAGMA integrity_check");
	while (!rc && (rc = mlops__db_step(db, st, "integrity_check")) == 1) {
		rc = 0;
		const char *msg = (const char *)sqlite3_column_text(st, 0);
		if (msg && strcmp(msg, "ok") != 0) {
			v->st->metadata_errors++;
			problem(v, "metadata", "integrity_check", msg);
		}
	}
	mlops__db_done(st);
	if (rc < 0)
		return rc;
	rc = mlops__db_prepare(&st, db, "PRAGMA foreign_key_check");
	while (!rc && (rc = mlops__db_step(db, st, "foreign_key_check")) == 1) {
		rc = 0;
		const char *table = (const char *)sqlite3_column_text(st, 0);
		const char *parent = (const char *)sqlite3_column_text(st, 2);
		char *msg = mlops__sprintf("row %lld refers to a missing row of '%s'", (long long)sqlite3_column_int64(st, 1),
		                           parent ? parent : "?");
		if (!msg) {
			rc = MLOPS_ENOMEM;
			break;
		}
		v->st->metadata_errors++;
		problem(v, "metadata", table ? table : "?", msg);
		free(msg);
	}
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

static int collect_root(const char *module, const char *hex, void *payload)
{
	vstate *v = payload;
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 64;
		root_ref *r = mlops__realloc(v->roots, ncap * sizeof(*r));
		if (!r)
			return MLOPS_ENOMEM;
		v->roots = r;
		v->cap = ncap;
	}
	root_ref *r = &v->roots[v->n];
	r->module = mlops__strdup(module);
	r->hex = mlops__strdup(hex);
	if (!r->module || !r->hex) {
		free(r->module);
		free(r->hex);
		return MLOPS_ENOMEM;
	}
	v->n++;
	return 0;
}

typedef struct key_list {
	char (*keys)[MLOPS_OID_BUFSIZE];
	size_t n, cap;
} key_list;

static int collect_key(const char *key, uint64_t size, int64_t mtime_s, void *payload)
{
	(void)size;
	(void)mtime_s;
	key_list *l = payload;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 1024;
		char (*k)[MLOPS_OID_BUFSIZE] = mlops__realloc(l->keys, ncap * sizeof(*k));
		if (!k)
			return MLOPS_ENOMEM;
		l->keys = k;
		l->cap = ncap;
	}
	snprintf(l->keys[l->n], MLOPS_OID_BUFSIZE, "%s", key);
	l->n++;
	return 0;
}

/* Re-hash one blob; 0 when checked (good or corrupt), MLOPS_ENOTFOUND when absent, else an error. */
static int check_blob(vstate *v, const char *key)
{
	uint64_t raw = 0;
	int rc = mlops__odb_verify_blob(&raw, v->store->odb, key);
	if (rc == 0) {
		v->st->objects_checked++;
		v->st->bytes_checked += raw;
		return 0;
	}
	if (rc == MLOPS_ENOTFOUND)
		return rc;
	/* An unreadable blob is as bad as a damaged one for the caller: report it and go on. */
	v->st->objects_checked++;
	v->st->objects_corrupt++;
	problem(v, "corrupt", key, mlops_error_last()->message);
	return 0;
}

static int check_all_blobs(vstate *v)
{
	key_list l = { NULL, 0, 0 };
	int rc = mlops__odb_list(v->store->odb, collect_key, &l);
	if (rc == MLOPS_ECORRUPT) {
		/* A damaged part of the backend (a pack index) was reported after every readable blob was listed:
		   report it, and check what was listed; objects it held then show up as missing. */
		v->st->objects_corrupt++;
		problem(v, "corrupt", "objects", mlops_error_last()->message);
		mlops__error_reset();
		rc = 0;
	}
	for (size_t i = 0; !rc && i < l.n; i++) {
		mlops_oid id;
		if (strlen(l.keys[i]) != MLOPS_OID_HEXLEN || mlops__oid_from_hex(&id, l.keys[i]) != 0) {
			mlops__error_reset();
			continue;
		}
		rc = check_blob(v, l.keys[i]);
		if (rc == MLOPS_ENOTFOUND) {
			rc = 0; /* removed since the listing (a concurrent gc) */
			continue;
		}
		if (!rc)
			rc = mlops__oidset_add(&v->present, &id, NULL);
	}
	free(l.keys);
	return rc;
}

/* Presence of a referenced object; without a listing the blob is verified on the spot. */
static int check_present(bool *out, vstate *v, const mlops_oid *id)
{
	if (v->listed) {
		*out = mlops__oidset_has(&v->present, id);
		return 0;
	}
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, id);
	int rc = check_blob(v, hex);
	*out = rc == 0;
	if (rc == MLOPS_ENOTFOUND) {
		mlops__error_reset();
		rc = 0;
	}
	return rc;
}

typedef struct chunk_ctx {
	vstate *v;
	const char *root;
} chunk_ctx;

static int check_chunk(const mlops_oid *chunk, void *payload)
{
	chunk_ctx *c = payload;
	bool added;
	int rc = mlops__oidset_add(&c->v->seen, chunk, &added);
	if (rc || !added)
		return rc;
	bool present;
	if ((rc = check_present(&present, c->v, chunk)) != 0)
		return rc;
	if (!present) {
		char hex[MLOPS_OID_BUFSIZE];
		mlops__oid_to_hex(hex, chunk);
		char *msg = mlops__sprintf("chunk of object '%s' is absent", c->root);
		if (!msg)
			return MLOPS_ENOMEM;
		c->v->st->objects_missing++;
		problem(c->v, "missing", hex, msg);
		free(msg);
	}
	return 0;
}

static int check_roots(vstate *v)
{
	int rc = 0;
	for (size_t i = 0; i < v->n && !rc; i++) {
		const root_ref *r = &v->roots[i];
		mlops_oid id;
		if (strlen(r->hex) != MLOPS_OID_HEXLEN || mlops__oid_from_hex(&id, r->hex) != 0) {
			mlops__error_reset();
			char *msg = mlops__sprintf("module '%s' references an invalid object id", r->module);
			if (!msg)
				return MLOPS_ENOMEM;
			v->st->metadata_errors++;
			problem(v, "metadata", r->hex, msg);
			free(msg);
			continue;
		}
		bool added, present;
		if ((rc = mlops__oidset_add(&v->seen, &id, &added)) != 0 || !added)
			continue;
		if ((rc = check_present(&present, v, &id)) != 0)
			break;
		if (!present) {
			char *msg = mlops__sprintf("referenced by module '%s' but absent", r->module);
			if (!msg)
				return MLOPS_ENOMEM;
			v->st->objects_missing++;
			problem(v, "missing", r->hex, msg);
			free(msg);
			continue;
		}
		chunk_ctx c = { v, r->hex };
		rc = mlops__odb_refs(v->store->odb, &id, check_chunk, &c);
		if (rc == MLOPS_ENOTFOUND || rc == MLOPS_ECORRUPT) {
			mlops__error_reset();
			rc = 0; /* vanished since the listing, or a damaged manifest already reported as corrupt */
		}
	}
	return rc;
}

int mlops_store_verify(mlops_verify_stats *out, char **out_report, mlops_store *store)
{
	if (out_report)
		*out_report = NULL;
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_store_verify: out and store must not be NULL");
	if (out->version != MLOPS_VERIFY_STATS_VERSION)
		return mlops__error(MLOPS_EVERSION, "verify stats version %u is unknown (this library knows %d)",
		                    out->version, MLOPS_VERIFY_STATS_VERSION);
	mlops_verify_stats st = { .version = out->version };
	vstate v;
	memset(&v, 0, sizeof(v));
	v.store = store;
	v.st = &st;
	mlops__json_init(&v.j, &v.report);
	mlops__json_array_begin(&v.j);
	v.listed = mlops__odb_backend(store->odb)->list != NULL;
	/* One snapshot for the metadata checks and the root set. */
	int rc = mlops__db_begin_read(store->db);
	if (!rc) {
		rc = check_metadata(&v);
		if (!rc)
			rc = mlops_store__roots(store, collect_root, &v);
		if (rc)
			mlops__db_rollback(store->db);
		else
			rc = mlops__db_commit(store->db);
	}
	if (!rc && v.listed)
		rc = check_all_blobs(&v);
	if (!rc)
		rc = check_roots(&v);
	mlops__json_array_end(&v.j);
	if (!rc)
		rc = mlops__json_finish(&v.j);
	for (size_t i = 0; i < v.n; i++) {
		free(v.roots[i].module);
		free(v.roots[i].hex);
	}
	free(v.roots);
	mlops__oidset_free(&v.present);
	mlops__oidset_free(&v.seen);
	if (rc) {
		mlops__buf_free(&v.report);
		return mlops__error_prefix("verify of store '%s'", store->path);
	}
	*out = st;
	if (out_report && v.problems) {
		/* The caller releases the report with mlops_free(), which is free(). */
		*out_report = mlops__buf_detach(&v.report);
	} else {
		mlops__buf_free(&v.report);
	}
	return 0;
}
