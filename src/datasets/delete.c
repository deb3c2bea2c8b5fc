/* Deleting a dataset: its versions and everything that hangs off them, in one transaction (objects are left to
 * gc, lineage and audit rows stay as history). */
#include <stdlib.h>
#include <string.h>

#include "datasets/ds_int.h"

static int exec_did(mlops_db *db, const char *sql, int64_t did, const char *what)
{
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, sql);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, did);
	rc = mlops__db_step(db, st, what);
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

int mlops_dataset_delete(mlops_store *store, const char *name)
{
	if (!store)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_delete: store is NULL");
	int rc = mlops_datasets__check_name(name);
	if (!rc)
		rc = mlops_store__check_writable(store, "dataset delete");
	if (rc)
		return rc;
	mlops_db *db = mlops_store__db(store);
	if ((rc = mlops__db_begin_write(db)) != 0)
		return rc;
	int64_t did = 0, versions = 0;
	rc = mlops_datasets__dataset_id(&did, store, name);
	if (!rc && !did)
		rc = mlops__error(MLOPS_ENOTFOUND, "dataset '%s' not found", name);
	if (!rc) {
		sqlite3_stmt *st;
		rc = mlops__db_prepare(&st, db, "SELECT COUNT(*) FROM datasets_versions WHERE did = ?1");
		if (!rc) {
			sqlite3_bind_int64(st, 1, did);
			if ((rc = mlops__db_step(db, st, "count dataset versions")) == 1)
				versions = sqlite3_column_int64(st, 0);
			mlops__db_done(st);
			rc = rc < 0 ? rc : 0;
		}
	}
	/* Parents, referenced objects and heads follow the versions through their foreign keys (CASCADE and
	 * SET NULL); refs name the dataset too, so they go first. */
	if (!rc)
		rc = exec_did(db, "DELETE FROM datasets_refs WHERE did = ?1", did, "delete dataset refs");
	if (!rc)
		rc = exec_did(db, "DELETE FROM datasets_versions WHERE did = ?1", did, "delete dataset versions");
	if (!rc)
		rc = exec_did(db, "DELETE FROM datasets_datasets WHERE did = ?1", did, "delete a dataset");
	if (!rc) {
		char *detail = mlops__sprintf("{\"versions\":%lld}", (long long)versions);
		rc = detail ? mlops_store__audit(store, "dataset.delete", "dataset", name, detail) : MLOPS_ENOMEM;
		free(detail);
	}
	if (!rc)
		return mlops__db_commit(db);
	mlops__db_rollback(db);
	return rc;
}
