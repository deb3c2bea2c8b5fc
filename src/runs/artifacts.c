/*
 * Run artifacts: files and directory trees logged into the object store (deduplicated by content) and listed in
 * runs_artifacts; listing by path prefix, restoring to local files (atomic per file, modes kept) and streaming.
 * Objects are stored before the metadata transaction opens (odb.h's rule), so a failure leaves at worst
 * unreferenced objects that gc removes.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>

#include "runs/runs_int.h"

typedef struct artifact_entry {
	char *path;      /* artifact path */
	char *local;     /* local file, NULL for in-memory data */
	char oid[MLOPS_OID_BUFSIZE];
	uint64_t size;
	uint32_t mode;
} artifact_entry;

typedef struct entry_list {
	artifact_entry *e;
	size_t n, cap;
} entry_list;

static void entries_free(entry_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->e[i].path);
		free(l->e[i].local);
	}
	free(l->e);
	memset(l, 0, sizeof(*l));
}

static int entries_add(entry_list *l, char *path, char *local, uint64_t size, uint32_t mode)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		artifact_entry *p = mlops__realloc(l->e, cap * sizeof(*p));
		if (!p) {
			free(path);
			free(local);
			return MLOPS_ENOMEM;
		}
		l->e = p;
		l->cap = cap;
	}
	artifact_entry *e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	e->path = path;
	e->local = local;
	e->size = size;
	e->mode = mode;
	return 0;
}

/* "a" + "b" -> "a/b"; an empty or NULL prefix gives "b". */
static char *join_artifact(const char *prefix, const char *name)
{
	if (mlops__str_empty(prefix))
		return mlops__strdup(name);
	return mlops__sprintf("%s/%s", prefix, name);
}

static int walk(entry_list *l, const char *dir, const char *prefix, int depth)
{
	if (depth > 64)
		return mlops__error(MLOPS_EINVAL, "artifact directory '%s' is nested more than 64 levels deep", dir);
	DIR *d = opendir(dir);
	if (!d)
		return mlops__error_errno(errno, "cannot open artifact directory '%s'", dir);
	int rc = 0;
	struct dirent *de;
	errno = 0;
	while (!rc && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *local = mlops__path_join(dir, de->d_name);
		char *path = join_artifact(prefix, de->d_name);
		struct stat sb;
		if (!local || !path) {
			rc = MLOPS_ENOMEM;
		} else if (stat(local, &sb) != 0) {
			rc = mlops__error_errno(errno, "cannot stat '%s'", local);
		} else if (S_ISDIR(sb.st_mode)) {
			rc = walk(l, local, path, depth + 1);
		} else if (S_ISREG(sb.st_mode)) {
			if ((rc = mlops_runs__check_artifact_path(path, false)) == 0) {
				rc = entries_add(l, path, local, (uint64_t)sb.st_size, (uint32_t)(sb.st_mode & 07777));
				path = local = NULL;
			}
		}
		free(local);
		free(path);
		errno = 0;
	}
	if (!rc && errno)
		rc = mlops__error_errno(errno, "cannot read artifact directory '%s'", dir);
	closedir(d);
	return rc;
}

/* Store every entry's content (outside any transaction), then record the rows in one transaction. */
static int commit_entries(mlops_run *run, entry_list *l, const char *logged)
{
	int rc = 0;
	mlops_odb *odb = mlops_store__odb(run->store);
	for (size_t i = 0; i < l->n && !rc; i++) {
		mlops_oid oid;
		if ((rc = mlops__odb_put_file(&oid, odb, l->e[i].local)) != 0)
			break;
		mlops__oid_to_hex(l->e[i].oid, &oid);
	}
	if (rc)
		return rc;
	mlops_runs__run_state st;
	if ((rc = mlops_runs__begin_run_write(&st, run->store, run->run_id, "log artifact", false, true)) != 0)
		return rc;
	int64_t now = mlops__now_ms();
	for (size_t i = 0; i < l->n && !rc; i++)
		rc = mlops_runs__put_artifact(run->store, st.rid, l->e[i].path, l->e[i].oid, l->e[i].size, l->e[i].mode,
		                              now);
	if (!rc) {
		char files[24];
		snprintf(files, sizeof(files), "%zu", l->n);
		rc = mlops_runs__audit(run->store, "artifact.log", "run", run->run_id, "path", logged, "files", files);
	}
	return mlops_runs__end_tx(mlops_store__db(run->store), rc);
}

static int handle_ok(mlops_run *run, const char *what)
{
	if (!run)
		return mlops__error(MLOPS_EINVAL, "%s: NULL run", what);
	if (run->ended)
		return mlops__error(MLOPS_ECONFLICT, "%s: run %s has ended; resume it to log more", what, run->run_id);
	return 0;
}

/* Log local_path under prefix; with_name adds the file's or directory's own name below prefix. */
static int log_path(mlops_run *run, const char *local_path, const char *artifact_path, bool with_name,
                    bool dir_only)
{
	const char *what = dir_only ? "log artifacts" : "log artifact";
	int rc = handle_ok(run, what);
	if (rc)
		return rc;
	if (!local_path)
		return mlops__error(MLOPS_EINVAL, "%s: NULL local path", what);
	if ((rc = mlops_runs__check_artifact_path(artifact_path, true)) != 0)
		return rc;
	char real[PATH_MAX];
	struct stat sb;
	if (!realpath(local_path, real) || stat(real, &sb) != 0)
		return mlops__error_errno(errno, "%s: cannot find '%s'", what, local_path);
	if (dir_only && !S_ISDIR(sb.st_mode))
		return mlops__error(MLOPS_EINVAL, "%s: '%s' is not a directory", what, local_path);
	if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
		return mlops__error(MLOPS_EINVAL, "%s: '%s' is neither a regular file nor a directory", what, local_path);
	const char *base = strrchr(real, '/');
	base = base && base[1] ? base + 1 : real;
	char *prefix = with_name ? join_artifact(artifact_path, base) : mlops__strdup(artifact_path ? artifact_path : "");
	if (!prefix)
		return MLOPS_ENOMEM;
	entry_list l = { 0 };
	if (S_ISDIR(sb.st_mode)) {
		rc = walk(&l, real, prefix, 0);
	} else if ((rc = mlops_runs__check_artifact_path(prefix, false)) == 0) {
		char *p = mlops__strdup(prefix), *loc = mlops__strdup(real);
		rc = p && loc ? entries_add(&l, p, loc, (uint64_t)sb.st_size, (uint32_t)(sb.st_mode & 07777))
		              : (free(p), free(loc), MLOPS_ENOMEM);
	}
	if (!rc)
		rc = commit_entries(run, &l, mlops__str_empty(prefix) ? "." : prefix);
	entries_free(&l);
	free(prefix);
	return rc;
}

int mlops_run_log_artifact(mlops_run *run, const char *local_path, const char *artifact_path)
{
	return log_path(run, local_path, artifact_path, true, false);
}

int mlops_run_log_artifacts(mlops_run *run, const char *local_dir, const char *artifact_path)
{
	return log_path(run, local_dir, artifact_path, false, true);
}

int mlops_run_log_artifact_data(mlops_run *run, const char *path, const void *data, size_t size)
{
	int rc = handle_ok(run, "log artifact data");
	if (rc)
		return rc;
	if (!data && size)
		return mlops__error(MLOPS_EINVAL, "log artifact data '%s': NULL data", path ? path : "(null)");
	if ((rc = mlops_runs__check_artifact_path(path, false)) != 0)
		return rc;
	mlops_oid oid;
	if ((rc = mlops__odb_put(&oid, mlops_store__odb(run->store), data ? data : "", size)) != 0)
		return rc;
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, &oid);
	mlops_runs__run_state st;
	if ((rc = mlops_runs__begin_run_write(&st, run->store, run->run_id, "log artifact", false, true)) != 0)
		return rc;
	rc = mlops_runs__put_artifact(run->store, st.rid, path, hex, size, 0644, mlops__now_ms());
	if (!rc)
		rc = mlops_runs__audit(run->store, "artifact.log", "run", run->run_id, "path", path, "files", "1");
	return mlops_runs__end_tx(mlops_store__db(run->store), rc);
}

/* ---- reading ---- */

struct mlops_artifact_iter {
	mlops_runs__list list;
};

static int artifact_row(mlops_runs__list *l, sqlite3_stmt *st)
{
	int err = 0;
	mlops_artifact_info a;
	a.path = mlops_runs__arena_strdup(&l->arena, (const char *)sqlite3_column_text(st, 0), &err);
	a.object_id = mlops_runs__arena_strdup(&l->arena, (const char *)sqlite3_column_text(st, 1), &err);
	a.size = (uint64_t)sqlite3_column_int64(st, 2);
	a.mode = (uint32_t)sqlite3_column_int64(st, 3);
	a.created_ms = sqlite3_column_int64(st, 4);
	return err ? err : mlops_runs__list_push(l, &a, sizeof(a));
}

/* Rows under prefix (a path or a directory; NULL/"" for all) in path order, into a list of mlops_artifact_info. */
static int artifacts_read(mlops_runs__list *l, mlops_store *store, const char *run_id, const char *prefix)
{
	int rc = mlops_runs__check_artifact_path(prefix, true);
	if (rc)
		return rc;
	return mlops_runs__run_rows(l, store, run_id,
	                            "SELECT path, oid, size, mode, created_ms FROM runs_artifacts WHERE rid = ?1 "
	                            "AND (?2 = '' OR path = ?2 OR substr(path, 1, length(?2) + 1) = ?2 || '/') "
	                            "ORDER BY path",
	                            prefix ? prefix : "", "cannot list artifacts", artifact_row);
}

int mlops_runs_artifacts(mlops_artifact_iter **out, mlops_store *store, const char *run_id, const char *prefix)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_artifacts: NULL argument");
	*out = NULL;
	mlops_artifact_iter *it = mlops__calloc(1, sizeof(*it));
	if (!it)
		return MLOPS_ENOMEM;
	int rc = artifacts_read(&it->list, store, run_id, prefix);
	if (rc) {
		mlops_artifact_iter_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

MLOPS_RUNS__LIST_ITER(mlops_artifact_next, mlops_artifact_iter_free, mlops_artifact_iter, mlops_artifact_info)

static int restore_file(mlops_store *store, const mlops_artifact_info *a, const char *dest)
{
	mlops_oid oid;
	int rc = mlops__oid_from_hex(&oid, a->object_id);
	if (rc)
		return mlops__error(MLOPS_ECORRUPT, "artifact '%s' has a malformed object id '%s'", a->path, a->object_id);
	char *dir = mlops__strdup(dest);
	if (!dir)
		return MLOPS_ENOMEM;
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		rc = mlops__mkdir_p(dir, 0777);
	}
	free(dir);
	if (rc)
		return rc;
	if ((rc = mlops__odb_get_file(mlops_store__odb(store), &oid, dest)) != 0)
		return mlops__error_prefix("restore artifact '%s'", a->path);
	if (chmod(dest, (mode_t)(a->mode & 07777)) != 0)
		return mlops__error_errno(errno, "cannot set the mode of '%s'", dest);
	return 0;
}

int mlops_runs_artifact_restore(mlops_store *store, const char *run_id, const char *artifact_path,
                                const char *dest_path)
{
	if (!store || !dest_path)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_artifact_restore: NULL argument");
	mlops_runs__list l = { 0 };
	int rc = artifacts_read(&l, store, run_id, artifact_path);
	if (!rc && l.n == 0)
		rc = mlops__error(MLOPS_ENOTFOUND, "run %s has no artifact at '%s'", run_id,
		                  mlops__str_empty(artifact_path) ? "." : artifact_path);
	const mlops_artifact_info *items = l.items;
	size_t plen = artifact_path ? strlen(artifact_path) : 0;
	for (size_t i = 0; !rc && i < l.n; i++) {
		const mlops_artifact_info *a = &items[i];
		if (plen && strcmp(a->path, artifact_path) == 0) {
			rc = restore_file(store, a, dest_path);
			continue;
		}
		char *dest = mlops__path_join(dest_path, a->path + (plen ? plen + 1 : 0));
		rc = dest ? restore_file(store, a, dest) : MLOPS_ENOMEM;
		free(dest);
	}
	mlops_runs__list_free(&l);
	return rc;
}

int mlops_runs_artifact_open(mlops_object_reader **out, mlops_store *store, const char *run_id,
                             const char *artifact_path)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_artifact_open: NULL argument");
	*out = NULL;
	int rc = mlops_runs__check_artifact_path(artifact_path, false);
	if (rc)
		return rc;
	mlops_runs__list l = { 0 };
	rc = artifacts_read(&l, store, run_id, artifact_path);
	const mlops_artifact_info *items = l.items;
	if (!rc && (l.n == 0 || strcmp(items[0].path, artifact_path) != 0))
		rc = mlops__error(MLOPS_ENOTFOUND, "run %s has no artifact file '%s'", run_id, artifact_path);
	if (!rc)
		rc = mlops_object_reader_open(out, store, items[0].object_id);
	mlops_runs__list_free(&l);
	return rc;
}
