/* Tags (fixed) and refs (movable) of datasets: one namespace per dataset (datasets_refs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/ds_int.h"

static int audit_ref(mlops_store *store, const char *action, const char *dataset, const char *name,
                     const char *version_id)
{
	mlops_buf d = MLOPS_BUF_INIT;
	mlops_json j;
	mlops__json_init(&j, &d);
	mlops__json_object_begin(&j);
	mlops__json_key(&j, "dataset");
	mlops__json_string(&j, dataset);
	mlops__json_key(&j, "name");
	mlops__json_string(&j, name);
	mlops__json_object_end(&j);
	int rc = mlops__json_finish(&j);
	if (!rc)
		rc = mlops_store__audit(store, action, MLOPS_KIND_DATASET_VERSION, version_id, d.data);
	mlops__buf_free(&d);
	return rc;
}

/* Existing entry of (did, name): *out_vid 0 when none. */
static int ref_lookup(int64_t *out_vid, int *out_is_tag, char out_vhex[MLOPS_OID_BUFSIZE], mlops_store *store,
                      int64_t did, const char *name)
{
	*out_vid = 0;
	*out_is_tag = 0;
	out_vhex[0] = '\0';
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "SELECT r.vid, r.is_tag, v.version_id, v.seq FROM datasets_refs r "
	                                    "JOIN datasets_versions v ON v.vid = r.vid WHERE r.did = ?1 AND r.name = ?2");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, did);
	mlops__db_bind_text(st, 2, name);
	rc = mlops__db_step(db, st, "read dataset tags and refs");
	if (rc == 1) {
		*out_vid = sqlite3_column_int64(st, 0);
		*out_is_tag = sqlite3_column_int(st, 1);
		snprintf(out_vhex, MLOPS_OID_BUFSIZE, "%s", (const char *)sqlite3_column_text(st, 2));
	}
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

static int set_ref(mlops_store *store, const char *spec, const char *name, int is_tag)
{
	const char *what = is_tag ? "tag" : "ref";
	if (!store)
		return mlops__error(MLOPS_EINVAL, "dataset %s: store is NULL", what);
	int rc = mlops_datasets__check_refname(name, what);
	if (!rc)
		rc = mlops_store__check_writable(store, is_tag ? "dataset tag" : "dataset ref");
	if (rc)
		return rc;
	ds_version v;
	if ((rc = mlops_datasets__version_resolve(&v, store, spec)) != 0)
		return rc;
	mlops_db *db = mlops_store__db(store);
	if ((rc = mlops__db_begin_write(db)) != 0) {
		mlops_datasets__version_clear(&v);
		return rc;
	}
	int64_t old_vid;
	int old_is_tag;
	char old_hex[MLOPS_OID_BUFSIZE];
	rc = ref_lookup(&old_vid, &old_is_tag, old_hex, store, v.did, name);
	bool noop = false;
	if (!rc && old_vid) {
		if (old_is_tag != is_tag)
			rc = mlops__error(MLOPS_EEXISTS, "'%s' is already a %s of dataset '%s'", name,
			                  old_is_tag ? "tag" : "ref", v.dataset);
		else if (is_tag && old_vid != v.vid)
			rc = mlops__error(MLOPS_EEXISTS, "tag '%s' of dataset '%s' already points at version %s, refusing %s "
			                  "(delete the tag first)", name, v.dataset, old_hex, v.version_id);
		else if (old_vid == v.vid)
			noop = true;
	}
	if (!rc && !noop) {
		sqlite3_stmt *st;
		rc = mlops__db_prepare(&st, db, "INSERT INTO datasets_refs (did, name, is_tag, vid, updated_ms) "
		                                "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (did, name) DO UPDATE SET "
		                                "vid = excluded.vid, updated_ms = excluded.updated_ms");
		if (!rc) {
			sqlite3_bind_int64(st, 1, v.did);
			mlops__db_bind_text(st, 2, name);
			sqlite3_bind_int(st, 3, is_tag);
			sqlite3_bind_int64(st, 4, v.vid);
			sqlite3_bind_int64(st, 5, mlops__now_ms());
			rc = mlops__db_step(db, st, is_tag ? "tag a dataset version" : "set a dataset ref");
			mlops__db_done(st);
			rc = rc < 0 ? rc : 0;
		}
		if (!rc)
			rc = audit_ref(store, is_tag ? "dataset.tag" : "dataset.ref.set", v.dataset, name, v.version_id);
	}
	if (!rc)
		rc = mlops__db_commit(db);
	else
		mlops__db_rollback(db);
	mlops_datasets__version_clear(&v);
	return rc;
}

int mlops_dataset_tag(mlops_store *store, const char *spec, const char *tag)
{
	return set_ref(store, spec, tag, 1);
}

int mlops_dataset_ref_set(mlops_store *store, const char *spec, const char *ref)
{
	return set_ref(store, spec, ref, 0);
}

static int delete_ref(mlops_store *store, const char *dataset, const char *name, int is_tag)
{
	const char *what = is_tag ? "tag" : "ref";
	if (!store)
		return mlops__error(MLOPS_EINVAL, "dataset %s delete: store is NULL", what);
	int rc = mlops_datasets__check_name(dataset);
	if (!rc)
		rc = mlops_datasets__check_refname(name, what);
	if (!rc)
		rc = mlops_store__check_writable(store, is_tag ? "dataset untag" : "dataset ref delete");
	if (rc)
		return rc;
	mlops_db *db = mlops_store__db(store);
	if ((rc = mlops__db_begin_write(db)) != 0)
		return rc;
	int64_t did = 0, vid = 0;
	int found_is_tag = 0;
	char vhex[MLOPS_OID_BUFSIZE];
	rc = mlops_datasets__dataset_id(&did, store, dataset);
	if (!rc && !did)
		rc = mlops__error(MLOPS_ENOTFOUND, "dataset '%s' not found", dataset);
	if (!rc)
		rc = ref_lookup(&vid, &found_is_tag, vhex, store, did, name);
	if (!rc && (!vid || found_is_tag != is_tag))
		rc = mlops__error(MLOPS_ENOTFOUND, "dataset '%s' has no %s '%s'", dataset, what, name);
	if (!rc) {
		sqlite3_stmt *st;
		rc = mlops__db_prepare(&st, db, "DELETE FROM datasets_refs WHERE did = ?1 AND name = ?2");
		if (!rc) {
			sqlite3_bind_int64(st, 1, did);
			mlops__db_bind_text(st, 2, name);
			rc = mlops__db_step(db, st, "delete a dataset tag or ref");
			mlops__db_done(st);
			rc = rc < 0 ? rc : 0;
		}
	}
	if (!rc)
		rc = audit_ref(store, is_tag ? "dataset.untag" : "dataset.ref.delete", dataset, name, vhex);
	if (!rc)
		rc = mlops__db_commit(db);
	else
		mlops__db_rollback(db);
	return rc;
}

int mlops_dataset_untag(mlops_store *store, const char *dataset, const char *tag)
{
	return delete_ref(store, dataset, tag, 1);
}

int mlops_dataset_ref_delete(mlops_store *store, const char *dataset, const char *ref)
{
	return delete_ref(store, dataset, ref, 0);
}

/* ---- listing ---- */

typedef struct ref_row {
	mlops_dataset_ref pub;
	char *name;
	char vid[MLOPS_OID_BUFSIZE];
} ref_row;

struct mlops_dataset_ref_iter {
	ref_row *rows;
	size_t count, pos;
};

int mlops_dataset_refs(mlops_dataset_ref_iter **out, mlops_store *store, const char *dataset)
{
	if (out)
		*out = NULL;
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_refs: NULL argument");
	int rc = mlops_datasets__check_name(dataset);
	if (rc)
		return rc;
	mlops_dataset_ref_iter *it = mlops__calloc(1, sizeof(*it));
	if (!it)
		return MLOPS_ENOMEM;
	bool began;
	rc = mlops_datasets__begin_read(store, &began);
	int64_t did = 0;
	if (!rc)
		rc = mlops_datasets__dataset_id(&did, store, dataset);
	if (!rc && !did)
		rc = mlops__error(MLOPS_ENOTFOUND, "dataset '%s' not found", dataset);
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st = NULL;
	if (!rc)
		rc = mlops__db_prepare(&st, db, "SELECT r.name, r.is_tag, v.version_id, v.seq, r.updated_ms "
		                                "FROM datasets_refs r JOIN datasets_versions v ON v.vid = r.vid "
		                                "WHERE r.did = ?1 ORDER BY r.name");
	size_t cap = 0;
	if (!rc) {
		sqlite3_bind_int64(st, 1, did);
		while ((rc = mlops__db_step(db, st, "list dataset tags and refs")) == 1) {
			rc = 0;
			if (it->count == cap) {
				cap = cap ? cap * 2 : 8;
				ref_row *p = mlops__realloc(it->rows, cap * sizeof(*p));
				if (!p) {
					rc = MLOPS_ENOMEM;
					break;
				}
				it->rows = p;
			}
			ref_row *r = &it->rows[it->count];
			memset(r, 0, sizeof(*r));
			if (!(r->name = mlops__strdup((const char *)sqlite3_column_text(st, 0)))) {
				rc = MLOPS_ENOMEM;
				break;
			}
			it->count++;
			r->pub.is_tag = sqlite3_column_int(st, 1);
			snprintf(r->vid, sizeof(r->vid), "%s", (const char *)sqlite3_column_text(st, 2));
			r->pub.seq = sqlite3_column_int64(st, 3);
			r->pub.updated_ms = sqlite3_column_int64(st, 4);
		}
		mlops__db_done(st);
	}
	mlops_datasets__end_read(store, began);
	if (rc < 0) {
		mlops_dataset_ref_iter_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

int mlops_dataset_refs_next(const mlops_dataset_ref **out, mlops_dataset_ref_iter *iter)
{
	if (out)
		*out = NULL;
	if (!out || !iter)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_refs_next: NULL argument");
	if (iter->pos >= iter->count)
		return MLOPS_ITEROVER;
	ref_row *r = &iter->rows[iter->pos++];
	r->pub.name = r->name;
	r->pub.version_id = r->vid;
	*out = &r->pub;
	return 0;
}

void mlops_dataset_ref_iter_free(mlops_dataset_ref_iter *iter)
{
	if (!iter)
		return;
	for (size_t i = 0; i < iter->count; i++)
		free(iter->rows[i].name);
	free(iter->rows);
	free(iter);
}
