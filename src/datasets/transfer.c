/*
 * push/pull: copying one version from a store to another. The blobs the destination lacks travel as stored
 * (blobcopy.c), files first and the manifest last, and are flushed; then one transaction on the destination
 * records the dataset, the version under the same id with the destination's next sequence number, parents,
 * referenced objects, profiles, free tags, lineage and an audit row. An interrupted copy records nothing; a
 * re-run finds the blobs already copied and skips them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/ds_int.h"

typedef struct prof {
	char *oid;
	char *format;
	int64_t rows;
	bool has_rows;
	char *schema;
	char *stats;
	char *error;
	int64_t created_ms;
} prof;

typedef struct xfer {
	mlops_store *src, *dst;
	ds_version v;
	ds_manifest m;
	mlops_dataset_version_info *info; /* parents and tags in src */
	mlops_oid *oids;                  /* distinct file contents, then the manifest */
	size_t n_oids;
	prof *profs;
	size_t n_profs;
} xfer;

static void xfer_free(xfer *x)
{
	mlops_datasets__version_clear(&x->v);
	mlops_datasets__manifest_free(&x->m);
	mlops_dataset_version_info_free(x->info);
	free(x->oids);
	for (size_t i = 0; i < x->n_profs; i++) {
		free(x->profs[i].oid);
		free(x->profs[i].format);
		free(x->profs[i].schema);
		free(x->profs[i].stats);
		free(x->profs[i].error);
	}
	free(x->profs);
}

static int cmp_oid(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(mlops_oid));
}

static char *dup_col(sqlite3_stmt *st, int i, int *rc)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	char *s = mlops__strdup((const char *)sqlite3_column_text(st, i));
	if (!s)
		*rc = MLOPS_ENOMEM;
	return s;
}

/* The profiles src has for the version's contents. */
static int read_profiles(xfer *x)
{
	mlops_db *db = mlops_store__db(x->src);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "SELECT oid, format, rows, schema_json, stats_json, error, created_ms "
	                                    "FROM datasets_profiles WHERE oid = ?1");
	if (rc)
		return rc;
	size_t cap = 0;
	for (size_t i = 0; !rc && i + 1 < x->n_oids; i++) {
		char hex[MLOPS_OID_BUFSIZE];
		mlops__oid_to_hex(hex, &x->oids[i]);
		sqlite3_reset(st);
		mlops__db_bind_text(st, 1, hex);
		while ((rc = mlops__db_step(db, st, "read tabular profiles")) == 1) {
			rc = 0;
			if (x->n_profs == cap) {
				cap = cap ? cap * 2 : 8;
				prof *p = mlops__realloc(x->profs, cap * sizeof(*p));
				if (!p) {
					rc = MLOPS_ENOMEM;
					break;
				}
				x->profs = p;
			}
			prof *p = &x->profs[x->n_profs++];
			memset(p, 0, sizeof(*p));
			p->oid = dup_col(st, 0, &rc);
			p->format = dup_col(st, 1, &rc);
			p->has_rows = sqlite3_column_type(st, 2) != SQLITE_NULL;
			p->rows = sqlite3_column_int64(st, 2);
			p->schema = dup_col(st, 3, &rc);
			p->stats = dup_col(st, 4, &rc);
			p->error = dup_col(st, 5, &rc);
			p->created_ms = sqlite3_column_int64(st, 6);
			if (rc)
				break;
		}
		rc = rc < 0 ? rc : 0;
	}
	mlops__db_done(st);
	return rc;
}

static int prepare_source(xfer *x, const char *spec)
{
	bool began;
	int rc = mlops_datasets__begin_read(x->src, &began);
	if (rc)
		return rc;
	rc = mlops_datasets__version_resolve(&x->v, x->src, spec);
	if (!rc)
		rc = mlops_datasets__info_build(&x->info, x->src, &x->v);
	if (!rc)
		rc = mlops_datasets__manifest_load(&x->m, x->src, x->v.manifest_id);
	if (!rc && !(x->oids = mlops__calloc(x->m.count + 1, sizeof(mlops_oid))))
		rc = MLOPS_ENOMEM;
	if (!rc) {
		for (size_t i = 0; i < x->m.count; i++)
			x->oids[i] = x->m.entries[i].oid;
		qsort(x->oids, x->m.count, sizeof(mlops_oid), cmp_oid);
		size_t n = 0;
		for (size_t i = 0; i < x->m.count; i++)
			if (n == 0 || memcmp(&x->oids[n - 1], &x->oids[i], sizeof(mlops_oid)) != 0)
				x->oids[n++] = x->oids[i];
		rc = mlops__oid_from_hex(&x->oids[n], x->v.manifest_id);
		x->n_oids = n + 1;
	}
	if (!rc)
		rc = read_profiles(x);
	mlops_datasets__end_read(x->src, began);
	return rc;
}

static int exec1(mlops_db *db, sqlite3_stmt *st, const char *what)
{
	int rc = mlops__db_step(db, st, what);
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

static int record(xfer *x, const char *action, mlops_dataset_transfer_stats *st)
{
	mlops_store *dst = x->dst;
	mlops_db *db = mlops_store__db(dst);
	sqlite3_stmt *q;
	int64_t now = mlops__now_ms();
	int rc = mlops__db_prepare(&q, db, "SELECT seq FROM datasets_versions WHERE version_id = ?1");
	if (rc)
		return rc;
	mlops__db_bind_text(q, 1, x->v.version_id);
	if ((rc = mlops__db_step(db, q, "look up a dataset version")) == 1) {
		st->seq = sqlite3_column_int64(q, 0);
		st->created = 0;
	}
	mlops__db_done(q);
	if (rc != 0)
		return rc < 0 ? rc : 0; /* already there (a concurrent transfer won) */
	if ((rc = mlops__db_prepare(&q, db, "INSERT INTO datasets_datasets (name, created_ms) VALUES (?1, ?2) "
	                                    "ON CONFLICT (name) DO NOTHING")))
		return rc;
	mlops__db_bind_text(q, 1, x->v.dataset);
	sqlite3_bind_int64(q, 2, now);
	if ((rc = exec1(db, q, "create a dataset")))
		return rc;
	int64_t did = 0;
	if ((rc = mlops_datasets__dataset_id(&did, dst, x->v.dataset)))
		return rc;
	if ((rc = mlops__db_prepare(&q, db, "SELECT COALESCE(MAX(seq), 0) + 1 FROM datasets_versions WHERE did = ?1")))
		return rc;
	sqlite3_bind_int64(q, 1, did);
	if ((rc = mlops__db_step(db, q, "number a dataset version")) == 1)
		st->seq = sqlite3_column_int64(q, 0);
	mlops__db_done(q);
	if (rc < 0)
		return rc;
	if ((rc = mlops__db_prepare(&q, db, "INSERT INTO datasets_versions (version_id, did, seq, manifest_id, is_file, "
	                                    "file_count, total_bytes, message, metadata, author, created_ms, run_id) "
	                                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")))
		return rc;
	const ds_version *v = &x->v;
	mlops__db_bind_text(q, 1, v->version_id);
	sqlite3_bind_int64(q, 2, did);
	sqlite3_bind_int64(q, 3, st->seq);
	mlops__db_bind_text(q, 4, v->manifest_id);
	sqlite3_bind_int(q, 5, v->is_file);
	sqlite3_bind_int64(q, 6, (int64_t)v->file_count);
	sqlite3_bind_int64(q, 7, (int64_t)v->total_bytes);
	mlops__db_bind_text(q, 8, v->message);
	mlops__db_bind_text(q, 9, v->metadata);
	mlops__db_bind_text(q, 10, v->author);
	sqlite3_bind_int64(q, 11, v->created_ms);
	mlops__db_bind_text(q, 12, v->run_id);
	if ((rc = exec1(db, q, "record a dataset version")))
		return rc;
	int64_t vid = sqlite3_last_insert_rowid(mlops__db_sqlite(db));
	st->created = 1;
	for (size_t i = 0; !rc && i < x->info->n_parents; i++) {
		if ((rc = mlops__db_prepare(&q, db, "INSERT INTO datasets_parents (vid, position, parent_id) "
		                                    "VALUES (?1, ?2, ?3)")))
			break;
		sqlite3_bind_int64(q, 1, vid);
		sqlite3_bind_int64(q, 2, (int64_t)i);
		mlops__db_bind_text(q, 3, x->info->parents[i]);
		if (!(rc = exec1(db, q, "record a parent version")))
			rc = mlops_store__lineage_add(dst, MLOPS_KIND_DATASET_VERSION, x->info->parents[i],
			                              MLOPS_KIND_DATASET_VERSION, v->version_id, "parent");
	}
	if (!rc && v->run_id)
		rc = mlops_store__lineage_add(dst, MLOPS_KIND_RUN, v->run_id, MLOPS_KIND_DATASET_VERSION, v->version_id,
		                              "produced");
	for (size_t i = 0; !rc && i < x->n_oids; i++) {
		char hex[MLOPS_OID_BUFSIZE];
		mlops__oid_to_hex(hex, &x->oids[i]);
		if ((rc = mlops__db_prepare(&q, db, "INSERT OR IGNORE INTO datasets_objects (oid, vid) VALUES (?1, ?2)")))
			break;
		mlops__db_bind_text(q, 1, hex);
		sqlite3_bind_int64(q, 2, vid);
		rc = exec1(db, q, "record the objects of a dataset version");
	}
	for (size_t i = 0; !rc && i < x->n_profs; i++) {
		prof *p = &x->profs[i];
		if ((rc = mlops__db_prepare(&q, db, "INSERT OR IGNORE INTO datasets_profiles (oid, format, rows, "
		                                    "schema_json, stats_json, error, created_ms) "
		                                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")))
			break;
		mlops__db_bind_text(q, 1, p->oid);
		mlops__db_bind_text(q, 2, p->format);
		if (p->has_rows)
			sqlite3_bind_int64(q, 3, p->rows);
		mlops__db_bind_text(q, 4, p->schema);
		mlops__db_bind_text(q, 5, p->stats);
		mlops__db_bind_text(q, 6, p->error);
		sqlite3_bind_int64(q, 7, p->created_ms);
		rc = exec1(db, q, "record a tabular profile");
	}
	/* Tags travel when the destination does not use the name for something else. */
	for (size_t i = 0; !rc && i < x->info->n_tags; i++) {
		if ((rc = mlops__db_prepare(&q, db, "INSERT INTO datasets_refs (did, name, is_tag, vid, updated_ms) "
		                                    "VALUES (?1, ?2, 1, ?3, ?4) ON CONFLICT (did, name) DO NOTHING")))
			break;
		sqlite3_bind_int64(q, 1, did);
		mlops__db_bind_text(q, 2, x->info->tags[i]);
		sqlite3_bind_int64(q, 3, vid);
		sqlite3_bind_int64(q, 4, now);
		rc = exec1(db, q, "copy a tag");
	}
	if (!rc) {
		mlops_buf d = MLOPS_BUF_INIT;
		mlops_json j;
		mlops__json_init(&j, &d);
		mlops__json_object_begin(&j);
		mlops__json_key(&j, "dataset");
		mlops__json_string(&j, v->dataset);
		mlops__json_key(&j, "from");
		mlops__json_string(&j, mlops_store_path(x->src));
		mlops__json_key(&j, "seq");
		mlops__json_int(&j, st->seq);
		mlops__json_key(&j, "blobs_copied");
		mlops__json_uint(&j, st->blobs_copied);
		mlops__json_key(&j, "bytes_copied");
		mlops__json_uint(&j, st->bytes_copied);
		mlops__json_object_end(&j);
		rc = mlops__json_finish(&j);
		if (!rc)
			rc = mlops_store__audit(dst, action, MLOPS_KIND_DATASET_VERSION, v->version_id, d.data);
		mlops__buf_free(&d);
	}
	return rc;
}

static int transfer(mlops_dataset_transfer_stats *out_stats, mlops_store *src, mlops_store *dst, const char *spec,
                    const char *action)
{
	if (!src || !dst)
		return mlops__error(MLOPS_EINVAL, "%s: store is NULL", action);
	if (src == dst)
		return mlops__error(MLOPS_EINVAL, "%s: source and destination are the same store handle", action);
	if (out_stats && out_stats->version != MLOPS_DATASET_TRANSFER_STATS_VERSION)
		return mlops__error(MLOPS_EVERSION, "dataset transfer stats version %u is not supported (expected %u)",
		                    out_stats->version, MLOPS_DATASET_TRANSFER_STATS_VERSION);
	int rc = mlops_store__check_writable(dst, action);
	if (rc)
		return rc;
	mlops_dataset_transfer_stats st = {.version = MLOPS_DATASET_TRANSFER_STATS_VERSION};
	xfer x;
	memset(&x, 0, sizeof(x));
	x.src = src;
	x.dst = dst;
	rc = prepare_source(&x, spec);
	if (!rc) {
		memcpy(st.version_id, x.v.version_id, sizeof(st.version_id));
		st.objects = x.n_oids;
	}
	mlops_odb *so = mlops_store__odb(src), *dodb = mlops_store__odb(dst);
	for (size_t i = 0; !rc && i < x.n_oids; i++)
		rc = mlops_datasets__copy_object(so, dodb, &x.oids[i], &st.blobs_copied, &st.bytes_copied,
		                                 &st.blobs_present);
	/* Blobs are durable before the metadata that references them. */
	if (!rc)
		rc = mlops__odb_flush(dodb);
	if (!rc) {
		mlops_db *db = mlops_store__db(dst);
		rc = mlops__db_begin_write(db);
		if (!rc) {
			rc = record(&x, action, &st);
			if (!rc)
				rc = mlops__db_commit(db);
			else
				mlops__db_rollback(db);
		}
	}
	if (rc)
		mlops__error_prefix("cannot copy dataset version '%s' from '%s' to '%s'", spec ? spec : "(null)",
		                    mlops_store_path(src), mlops_store_path(dst));
	else if (out_stats)
		*out_stats = st;
	xfer_free(&x);
	return rc;
}

int mlops_dataset_push(mlops_dataset_transfer_stats *out_stats, mlops_store *src, mlops_store *dst,
                       const char *spec)
{
	return transfer(out_stats, src, dst, spec, "dataset.push");
}

int mlops_dataset_pull(mlops_dataset_transfer_stats *out_stats, mlops_store *dst, mlops_store *src,
                       const char *spec)
{
	return transfer(out_stats, src, dst, spec, "dataset.pull");
}
