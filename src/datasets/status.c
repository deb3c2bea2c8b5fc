/*
 * Status of a working directory (or a single file) against a version: walk, take content ids from the stat cache
 * where it vouches for a file, read only the others (a size change alone shows a modification; added files are
 * not read), classify, and write the entries of the files read back into the stat cache so the next status is
 * fast.
 */
#include <stdlib.h>
#include <string.h>

#include "datasets/ds_int.h"

int mlops_dataset_status_options_init(mlops_dataset_status_options *opts, unsigned int version)
{
	if (!opts)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_status_options_init: opts is NULL");
	if (version != MLOPS_DATASET_STATUS_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "dataset status options version %u is not supported (expected %u)",
		                    version, MLOPS_DATASET_STATUS_OPTIONS_VERSION);
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	return 0;
}

typedef struct st_row {
	mlops_dataset_status_entry pub;
	char *path;
	char vhex[MLOPS_OID_BUFSIZE];
	char lhex[MLOPS_OID_BUFSIZE];
	bool has_v, has_l;
} st_row;

struct mlops_dataset_status_iter {
	st_row *rows;
	size_t count, pos;
};

void mlops_dataset_status_iter_free(mlops_dataset_status_iter *iter)
{
	if (!iter)
		return;
	for (size_t i = 0; i < iter->count; i++)
		free(iter->rows[i].path);
	free(iter->rows);
	free(iter);
}

int mlops_dataset_status_next(const mlops_dataset_status_entry **out, mlops_dataset_status_iter *iter)
{
	if (out)
		*out = NULL;
	if (!out || !iter)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_status_next: NULL argument");
	if (iter->pos >= iter->count)
		return MLOPS_ITEROVER;
	st_row *r = &iter->rows[iter->pos++];
	r->pub.path = r->path;
	r->pub.version_object_id = r->has_v ? r->vhex : NULL;
	r->pub.local_object_id = r->has_l ? r->lhex : NULL;
	*out = &r->pub;
	return 0;
}

static int add_row(mlops_dataset_status_iter *it, size_t *cap, const char *path, int change, uint64_t size,
                   const ds_entry *e, const ds_file *f)
{
	if (it->count == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		st_row *p = mlops__realloc(it->rows, *cap * sizeof(*p));
		if (!p)
			return MLOPS_ENOMEM;
		it->rows = p;
	}
	st_row *r = &it->rows[it->count];
	memset(r, 0, sizeof(*r));
	if (!(r->path = mlops__strdup(path)))
		return MLOPS_ENOMEM;
	it->count++;
	r->pub.change = change;
	r->pub.size = size;
	if (e) {
		mlops__oid_to_hex(r->vhex, &e->oid);
		r->has_v = true;
	}
	if (f && f->state != DS_FILE_UNKNOWN) {
		mlops__oid_to_hex(r->lhex, &f->oid);
		r->has_l = true;
	}
	return 0;
}

static bool same_mode(uint32_t local, uint32_t entry)
{
	if (S_ISLNK(local) || S_ISLNK(entry))
		return S_ISLNK(local) && S_ISLNK(entry);
	return (local & 0777) == (entry & 0777);
}

int mlops_dataset_status(mlops_dataset_status_iter **out_iter, mlops_dataset_status_counts *out_counts,
                         mlops_store *store, const char *path, const char *spec,
                         const mlops_dataset_status_options *opts)
{
	if (out_iter)
		*out_iter = NULL;
	mlops_dataset_status_options defaults = MLOPS_DATASET_STATUS_OPTIONS_INIT;
	if (!opts)
		opts = &defaults;
	if (!store)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_status: store is NULL");
	if (opts->version != MLOPS_DATASET_STATUS_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "dataset status options version %u is not supported (expected %u)",
		                    opts->version, MLOPS_DATASET_STATUS_OPTIONS_VERSION);
	if (out_counts && out_counts->version != MLOPS_DATASET_STATUS_COUNTS_VERSION)
		return mlops__error(MLOPS_EVERSION, "dataset status counts version %u is not supported (expected %u)",
		                    out_counts->version, MLOPS_DATASET_STATUS_COUNTS_VERSION);
	mlops_dataset_status_counts cnt = {.version = MLOPS_DATASET_STATUS_COUNTS_VERSION};
	int64_t start_ns = mlops__now_ns();
	ds_ignore ig;
	mlops_datasets__ignore_init(&ig, opts->ignore, opts->n_ignore);
	ds_walk w;
	ds_cache cache;
	ds_version v;
	ds_manifest m;
	memset(&cache, 0, sizeof(cache));
	memset(&v, 0, sizeof(v));
	memset(&m, 0, sizeof(m));
	char *root = NULL;
	size_t *idx = NULL;
	mlops_dataset_status_iter *it = NULL;
	int rc = mlops_datasets__walk(&w, path, &ig);
	if (!rc) {
		if (w.single) {
			char *dir = mlops__strdup(path);
			char *slash = dir ? strrchr(dir, '/') : NULL;
			if (slash)
				slash == dir ? (void)(slash[1] = '\0') : (void)(*slash = '\0');
			rc = dir ? mlops_datasets__realdir(&root, slash ? dir : ".") : MLOPS_ENOMEM;
			free(dir);
		} else {
			rc = mlops_datasets__realdir(&root, path);
		}
	}
	if (!rc)
		rc = mlops_datasets__cache_load(&cache, store, root);
	if (!rc) {
		if (spec)
			rc = mlops_datasets__version_resolve(&v, store, spec);
		else if (cache.head_vid && !w.single)
			rc = mlops_datasets__version_load(&v, store, NULL, cache.head_vid);
		else
			rc = mlops__error(MLOPS_ENOTFOUND, "'%s' has no version checked out or committed from it; name the "
			                  "version to compare with", path);
	}
	if (!rc)
		rc = mlops_datasets__manifest_load(&m, store, v.manifest_id);
	if (!rc && !(idx = mlops__calloc(w.count ? w.count : 1, sizeof(size_t))))
		rc = MLOPS_ENOMEM;
	size_t n_idx = 0;
	bool use_cache = !(opts->flags & MLOPS_DATASET_STATUS_NO_CACHE);
	for (size_t i = 0; !rc && i < w.count; i++) {
		ds_file *f = &w.files[i];
		const ds_entry *e = mlops_datasets__manifest_find(&m, f->path);
		if (!e)
			continue; /* added: no need to read it */
		const ds_cache_row *r = use_cache ? mlops_datasets__cache_find(&cache, f->path) : NULL;
		if (r && mlops_datasets__cache_trusted(r, f)) {
			f->oid = r->oid;
			f->state = DS_FILE_CACHED;
		} else if (e->size == f->size) {
			idx[n_idx++] = i;
		}
	}
	uint64_t bytes_read = 0;
	if (!rc)
		rc = mlops_datasets__hash_files(w.root, w.single, w.files, idx, n_idx, 0, &bytes_read);
	cnt.files_read = n_idx;
	cnt.bytes_read = bytes_read;
	if (!rc && !(it = mlops__calloc(1, sizeof(*it))))
		rc = MLOPS_ENOMEM;
	bool all = (opts->flags & MLOPS_DATASET_STATUS_UNCHANGED) != 0;
	size_t cap = 0, i = 0, k = 0;
	while (!rc && (i < w.count || (!w.single && k < m.count))) {
		int d;
		if (w.single)
			d = -1; /* a single file is compared with the entry of its name only */
		else
			d = i >= w.count ? 1 : k >= m.count ? -1 : strcmp(w.files[i].path, m.entries[k].path);
		if (d < 0) {
			ds_file *f = &w.files[i++];
			const ds_entry *e = w.single ? mlops_datasets__manifest_find(&m, f->path) : NULL;
			if (!e) {
				cnt.added++;
				rc = add_row(it, &cap, f->path, MLOPS_DATASET_ADDED, f->size, NULL, f);
				continue;
			}
			d = 0;
			bool same = f->state != DS_FILE_UNKNOWN && memcmp(f->oid.bytes, e->oid.bytes, 16) == 0 &&
			            same_mode(f->mode, e->mode);
			same ? cnt.unchanged++ : cnt.modified++;
			if (!same || all)
				rc = add_row(it, &cap, f->path, same ? MLOPS_DATASET_UNCHANGED : MLOPS_DATASET_MODIFIED,
				             f->size, e, f);
			continue;
		}
		if (d > 0) {
			const ds_entry *e = &m.entries[k++];
			cnt.deleted++;
			rc = add_row(it, &cap, e->path, MLOPS_DATASET_DELETED, e->size, e, NULL);
			continue;
		}
		ds_file *f = &w.files[i++];
		const ds_entry *e = &m.entries[k++];
		bool same = f->state != DS_FILE_UNKNOWN && memcmp(f->oid.bytes, e->oid.bytes, 16) == 0 &&
		            same_mode(f->mode, e->mode);
		same ? cnt.unchanged++ : cnt.modified++;
		if (!same || all)
			rc = add_row(it, &cap, f->path, same ? MLOPS_DATASET_UNCHANGED : MLOPS_DATASET_MODIFIED, f->size, e,
			             f);
	}
	/* Remember what was read, so the next status (or commit) need not read it again. */
	if (!rc && n_idx && !(opts->flags & MLOPS_DATASET_STATUS_NO_UPDATE) &&
	    !(store->flags & MLOPS_STORE_READONLY)) {
		mlops_db *db = mlops_store__db(store);
		rc = mlops__db_begin_write(db);
		int64_t wid = 0;
		if (!rc) {
			rc = mlops_datasets__workdir_id(&wid, store, root);
			if (!rc)
				rc = mlops_datasets__cache_write(store, wid, w.files, w.count, start_ns, NULL, 0);
			if (!rc)
				rc = mlops__db_commit(db);
			else
				mlops__db_rollback(db);
		}
	}
	if (!rc) {
		memcpy(cnt.version_id, v.version_id, sizeof(cnt.version_id));
		if (out_counts)
			*out_counts = cnt;
		if (out_iter) {
			*out_iter = it;
			it = NULL;
		}
	} else {
		mlops__error_prefix("cannot compare '%s' with %s", path ? path : "(null)", spec ? spec : "its head");
	}
	mlops_dataset_status_iter_free(it);
	free(idx);
	free(root);
	mlops_datasets__manifest_free(&m);
	mlops_datasets__version_clear(&v);
	mlops_datasets__cache_free(&cache);
	mlops_datasets__walk_free(&w);
	return rc;
}
