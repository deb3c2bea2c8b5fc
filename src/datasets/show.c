/* Reading versions: log (a dataset's versions or a version's ancestors), the list of datasets, and the files of
 * a version with their tabular profiles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/ds_int.h"
#include "datasets/tabular.h"

const char *mlops_dataset_change_name(int change)
{
	switch (change) {
	case MLOPS_DATASET_ADDED:
		return "added";
	case MLOPS_DATASET_DELETED:
		return "deleted";
	case MLOPS_DATASET_MODIFIED:
		return "modified";
	case MLOPS_DATASET_UNCHANGED:
		return "unchanged";
	default:
		return "unknown";
	}
}

/* ---- log ---- */

struct mlops_dataset_version_iter {
	mlops_store *store;
	int64_t *vids;
	size_t count, pos;
	mlops_dataset_version_info *cur;
};

static int collect_vids(mlops_dataset_version_iter *it, sqlite3_stmt *st, mlops_db *db, size_t limit)
{
	size_t cap = 0;
	int rc;
	while ((rc = mlops__db_step(db, st, "list dataset versions")) == 1) {
		if (limit && it->count >= limit)
			break;
		if (it->count == cap) {
			cap = cap ? cap * 2 : 16;
			int64_t *p = mlops__realloc(it->vids, cap * sizeof(*p));
			if (!p) {
				rc = MLOPS_ENOMEM;
				break;
			}
			it->vids = p;
		}
		it->vids[it->count++] = sqlite3_column_int64(st, 0);
	}
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

int mlops_dataset_log(mlops_dataset_version_iter **out, mlops_store *store, const char *spec, size_t limit)
{
	if (out)
		*out = NULL;
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_log: NULL argument");
	if (mlops__str_empty(spec))
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_log: empty spec");
	mlops_dataset_version_iter *it = mlops__calloc(1, sizeof(*it));
	if (!it)
		return MLOPS_ENOMEM;
	mlops_db *db = mlops_store__db(store);
	bool began;
	int rc = mlops_datasets__begin_read(store, &began);
	int64_t did = 0;
	if (!rc && !strchr(spec, '@') && mlops_datasets__check_name(spec) == 0)
		rc = mlops_datasets__dataset_id(&did, store, spec);
	mlops__error_reset();
	sqlite3_stmt *st = NULL;
	if (!rc && did) {
		rc = mlops__db_prepare(&st, db, "SELECT vid FROM datasets_versions WHERE did = ?1 ORDER BY seq DESC");
		if (!rc) {
			sqlite3_bind_int64(st, 1, did);
			rc = collect_vids(it, st, db, limit);
		}
	} else if (!rc) {
		ds_version v;
		rc = mlops_datasets__version_resolve(&v, store, spec);
		if (!rc) {
			/* UNION (not UNION ALL) drops repeats, which also cuts cycles. */
			rc = mlops__db_prepare(&st, db,
			                       "WITH RECURSIVE anc(id) AS (SELECT ?1 UNION "
			                       "  SELECT p.parent_id FROM anc JOIN datasets_versions x ON x.version_id = anc.id "
			                       "  JOIN datasets_parents p ON p.vid = x.vid) "
			                       "SELECT v.vid FROM anc JOIN datasets_versions v ON v.version_id = anc.id "
			                       "ORDER BY v.created_ms DESC, v.vid DESC");
			if (!rc) {
				mlops__db_bind_text(st, 1, v.version_id);
				rc = collect_vids(it, st, db, limit);
			}
			mlops_datasets__version_clear(&v);
		}
	}
	mlops_datasets__end_read(store, began);
	if (rc) {
		free(it->vids);
		free(it);
		return rc;
	}
	it->store = store;
	mlops_store__ref(store);
	*out = it;
	return 0;
}

int mlops_dataset_log_next(const mlops_dataset_version_info **out, mlops_dataset_version_iter *iter)
{
	if (out)
		*out = NULL;
	if (!out || !iter)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_log_next: NULL argument");
	mlops_dataset_version_info_free(iter->cur);
	iter->cur = NULL;
	if (iter->pos >= iter->count)
		return MLOPS_ITEROVER;
	ds_version v;
	bool began;
	int rc = mlops_datasets__begin_read(iter->store, &began);
	if (!rc)
		rc = mlops_datasets__version_load(&v, iter->store, NULL, iter->vids[iter->pos]);
	if (!rc) {
		rc = mlops_datasets__info_build(&iter->cur, iter->store, &v);
		mlops_datasets__version_clear(&v);
	}
	mlops_datasets__end_read(iter->store, began);
	if (rc)
		return rc;
	iter->pos++;
	*out = iter->cur;
	return 0;
}

void mlops_dataset_version_iter_free(mlops_dataset_version_iter *iter)
{
	if (!iter)
		return;
	mlops_dataset_version_info_free(iter->cur);
	free(iter->vids);
	mlops_store__unref(iter->store);
	free(iter);
}

/* ---- list of datasets ---- */

typedef struct ds_list_row {
	mlops_dataset_info pub;
	char *name;
	char latest[MLOPS_OID_BUFSIZE];
} ds_list_row;

struct mlops_dataset_iter {
	ds_list_row *rows;
	size_t count, pos;
};

int mlops_dataset_list(mlops_dataset_iter **out, mlops_store *store)
{
	if (out)
		*out = NULL;
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_list: NULL argument");
	mlops_dataset_iter *it = mlops__calloc(1, sizeof(*it));
	if (!it)
		return MLOPS_ENOMEM;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st = NULL;
	int rc = mlops__db_prepare(&st, db,
	                           "SELECT d.name, d.created_ms, (SELECT COUNT(*) FROM datasets_versions c "
	                           "WHERE c.did = d.did), l.version_id, l.seq, l.created_ms "
	                           "FROM datasets_datasets d JOIN datasets_versions l ON l.did = d.did AND l.seq = "
	                           "(SELECT MAX(seq) FROM datasets_versions m WHERE m.did = d.did) ORDER BY d.name");
	size_t cap = 0;
	while (!rc && (rc = mlops__db_step(db, st, "list datasets")) == 1) {
		rc = 0;
		if (it->count == cap) {
			cap = cap ? cap * 2 : 16;
			ds_list_row *p = mlops__realloc(it->rows, cap * sizeof(*p));
			if (!p) {
				rc = MLOPS_ENOMEM;
				break;
			}
			it->rows = p;
		}
		ds_list_row *r = &it->rows[it->count];
		memset(r, 0, sizeof(*r));
		if (!(r->name = mlops__strdup((const char *)sqlite3_column_text(st, 0)))) {
			rc = MLOPS_ENOMEM;
			break;
		}
		it->count++;
		r->pub.created_ms = sqlite3_column_int64(st, 1);
		r->pub.versions = sqlite3_column_int64(st, 2);
		snprintf(r->latest, sizeof(r->latest), "%s", (const char *)sqlite3_column_text(st, 3));
		r->pub.latest_seq = sqlite3_column_int64(st, 4);
		r->pub.latest_created_ms = sqlite3_column_int64(st, 5);
	}
	if (st)
		mlops__db_done(st);
	if (rc < 0) {
		mlops_dataset_iter_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

int mlops_dataset_list_next(const mlops_dataset_info **out, mlops_dataset_iter *iter)
{
	if (out)
		*out = NULL;
	if (!out || !iter)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_list_next: NULL argument");
	if (iter->pos >= iter->count)
		return MLOPS_ITEROVER;
	ds_list_row *r = &iter->rows[iter->pos++];
	r->pub.name = r->name;
	r->pub.latest_version_id = r->latest;
	*out = &r->pub;
	return 0;
}

void mlops_dataset_iter_free(mlops_dataset_iter *iter)
{
	if (!iter)
		return;
	for (size_t i = 0; i < iter->count; i++)
		free(iter->rows[i].name);
	free(iter->rows);
	free(iter);
}

/* ---- files of a version ---- */

struct mlops_dataset_file_iter {
	mlops_store *store;
	ds_manifest m;
	size_t pos;
	mlops_dataset_file cur;
	char oid[MLOPS_OID_BUFSIZE];
	char *profile_error;
};

int mlops_dataset_files(mlops_dataset_file_iter **out, mlops_store *store, const char *spec)
{
	if (out)
		*out = NULL;
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_files: NULL argument");
	ds_version v;
	int rc = mlops_datasets__version_resolve(&v, store, spec);
	if (rc)
		return rc;
	mlops_dataset_file_iter *it = mlops__calloc(1, sizeof(*it));
	if (!it) {
		mlops_datasets__version_clear(&v);
		return MLOPS_ENOMEM;
	}
	rc = mlops_datasets__manifest_load(&it->m, store, v.manifest_id);
	mlops_datasets__version_clear(&v);
	if (rc) {
		free(it);
		return rc;
	}
	it->store = store;
	mlops_store__ref(store);
	*out = it;
	return 0;
}

int mlops_dataset_files_next(const mlops_dataset_file **out, mlops_dataset_file_iter *iter)
{
	if (out)
		*out = NULL;
	if (!out || !iter)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_files_next: NULL argument");
	free(iter->profile_error);
	iter->profile_error = NULL;
	if (iter->pos >= iter->m.count)
		return MLOPS_ITEROVER;
	const ds_entry *e = &iter->m.entries[iter->pos];
	mlops_dataset_file *f = &iter->cur;
	memset(f, 0, sizeof(*f));
	mlops__oid_to_hex(iter->oid, &e->oid);
	f->path = e->path;
	f->size = e->size;
	f->mode = e->mode;
	f->object_id = iter->oid;
	f->rows = -1;
	mlops_datasets__fmt fmt = S_ISLNK(e->mode) ? MLOPS_DATASETS__FMT_NONE : mlops_datasets__format_of(e->path);
	if (fmt != MLOPS_DATASETS__FMT_NONE) {
		f->format = fmt == MLOPS_DATASETS__FMT_CSV ? "csv" : "jsonl";
		int found = 0;
		int rc = mlops_datasets__profile_lookup(&found, &f->rows, NULL, NULL, &iter->profile_error, iter->store,
		                                        iter->oid, f->format);
		if (rc)
			return rc;
		f->profile_error = iter->profile_error;
	}
	iter->pos++;
	*out = f;
	return 0;
}

void mlops_dataset_file_iter_free(mlops_dataset_file_iter *iter)
{
	if (!iter)
		return;
	mlops_datasets__manifest_free(&iter->m);
	free(iter->profile_error);
	mlops_store__unref(iter->store);
	free(iter);
}
