/* Streams: reading one file of a version (sequentially or with seeks) straight from the object store. */
#include <stdlib.h>
#include <string.h>

#include "datasets/ds_int.h"

struct mlops_dataset_reader {
	mlops_store *store;
	mlops_odb_reader *r;
	uint64_t size;
};

int mlops_dataset_file_open(mlops_dataset_reader **out, mlops_store *store, const char *spec, const char *path)
{
	if (out)
		*out = NULL;
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_file_open: NULL argument");
	ds_version v;
	int rc = mlops_datasets__version_resolve(&v, store, spec);
	if (rc)
		return rc;
	ds_manifest m;
	rc = mlops_datasets__manifest_load(&m, store, v.manifest_id);
	const ds_entry *e = NULL;
	if (!rc) {
		if (mlops__str_empty(path)) {
			if (m.count == 1)
				e = &m.entries[0];
			else
				rc = mlops__error(MLOPS_EINVAL, "version %s of dataset '%s' holds %zu files: name one", v.version_id,
				                  v.dataset, m.count);
		} else if (!(e = mlops_datasets__manifest_find(&m, path))) {
			rc = mlops__error(MLOPS_ENOTFOUND, "version %s of dataset '%s' has no file '%s'", v.version_id, v.dataset,
			                  path);
		}
	}
	mlops_dataset_reader *rd = NULL;
	if (!rc && !(rd = mlops__calloc(1, sizeof(*rd))))
		rc = MLOPS_ENOMEM;
	if (!rc)
		rc = mlops__odb_reader_new(&rd->r, mlops_store__odb(store), &e->oid);
	if (!rc) {
		rd->size = mlops__odb_reader_size(rd->r);
		rd->store = store;
		mlops_store__ref(store);
		*out = rd;
		rd = NULL;
	} else if (e) {
		mlops__error_prefix("cannot open '%s' of dataset version %s", e->path, v.version_id);
	}
	free(rd);
	mlops_datasets__manifest_free(&m);
	mlops_datasets__version_clear(&v);
	return rc;
}

int mlops_dataset_file_read(size_t *out_read, mlops_dataset_reader *reader, void *buf, size_t cap)
{
	if (out_read)
		*out_read = 0;
	if (!out_read || !reader || (!buf && cap))
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_file_read: NULL argument");
	return mlops__odb_reader_read(out_read, reader->r, buf, cap);
}

int mlops_dataset_file_seek(mlops_dataset_reader *reader, uint64_t offset)
{
	if (!reader)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_file_seek: reader is NULL");
	if (offset > reader->size)
		return mlops__error(MLOPS_EINVAL, "cannot seek to %llu: the file has %llu bytes",
		                    (unsigned long long)offset, (unsigned long long)reader->size);
	return mlops__odb_reader_seek(reader->r, offset);
}

uint64_t mlops_dataset_file_size(const mlops_dataset_reader *reader)
{
	return reader ? reader->size : 0;
}

void mlops_dataset_reader_free(mlops_dataset_reader *reader)
{
	if (!reader)
		return;
	mlops__odb_reader_free(reader->r);
	mlops_store__unref(reader->store);
	free(reader);
}
