/*
 * Version rows: loading a version by id or row id, resolving version specs (name, name@latest, name@v3,
 * name@<tag|ref>, id prefixes), building the public info struct, and the profile lookup of tabular content.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/ds_int.h"

#define VERSION_COLUMNS                                                                                         \
	"SELECT v.vid, v.did, v.version_id, d.name, v.seq, v.manifest_id, v.is_file, v.file_count, v.total_bytes, " \
	"v.message, v.metadata, v.author, v.created_ms, v.run_id "                                                  \
	"FROM datasets_versions v JOIN datasets_datasets d ON d.did = v.did "

void mlops_datasets__version_clear(ds_version *v)
{
	if (!v)
		return;
	free(v->dataset);
	free(v->message);
	free(v->metadata);
	free(v->author);
	free(v->run_id);
	memset(v, 0, sizeof(*v));
}

int mlops_datasets__begin_read(mlops_store *store, bool *out_began)
{
	*out_began = false;
	int rc = mlops__db_begin_read(mlops_store__db(store));
	if (!rc)
		*out_began = true;
	return rc;
}

void mlops_datasets__end_read(mlops_store *store, bool began)
{
	if (began)
		mlops__db_commit(mlops_store__db(store));
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? mlops__strdup(s) : NULL;
}

static int fill_version(ds_version *v, sqlite3_stmt *st)
{
	memset(v, 0, sizeof(*v));
	v->vid = sqlite3_column_int64(st, 0);
	v->did = sqlite3_column_int64(st, 1);
	snprintf(v->version_id, sizeof(v->version_id), "%s", (const char *)sqlite3_column_text(st, 2));
	v->dataset = col_dup(st, 3);
	v->seq = sqlite3_column_int64(st, 4);
	snprintf(v->manifest_id, sizeof(v->manifest_id), "%s", (const char *)sqlite3_column_text(st, 5));
	v->is_file = sqlite3_column_int(st, 6) != 0;
	v->file_count = (uint64_t)sqlite3_column_int64(st, 7);
	v->total_bytes = (uint64_t)sqlite3_column_int64(st, 8);
	v->message = col_dup(st, 9);
	v->metadata = col_dup(st, 10);
	v->author = col_dup(st, 11);
	v->created_ms = sqlite3_column_int64(st, 12);
	v->run_id = col_dup(st, 13);
	if (!v->dataset || !v->message || !v->metadata || !v->author ||
	    (sqlite3_column_type(st, 13) != SQLITE_NULL && !v->run_id)) {
		mlops_datasets__version_clear(v);
		return MLOPS_ENOMEM;
	}
	return 0;
}

int mlops_datasets__version_load(ds_version *v, mlops_store *store, const char *version_id, int64_t vid)
{
	memset(v, 0, sizeof(*v));
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, version_id ? VERSION_COLUMNS "WHERE v.version_id = ?1"
	                                               : VERSION_COLUMNS "WHERE v.vid = ?1");
	if (rc)
		return rc;
	if (version_id)
		mlops__db_bind_text(st, 1, version_id);
	else
		sqlite3_bind_int64(st, 1, vid);
	rc = mlops__db_step(db, st, "read a dataset version");
	if (rc == 1)
		rc = fill_version(v, st);
	else if (rc == 0)
		rc = version_id ? mlops__error(MLOPS_ENOTFOUND, "dataset version %s not found", version_id)
		                : mlops__error(MLOPS_ENOTFOUND, "dataset version #%lld not found", (long long)vid);
	mlops__db_done(st);
	return rc;
}

int mlops_datasets__dataset_id(int64_t *out_did, mlops_store *store, const char *name)
{
	*out_did = 0;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "SELECT did FROM datasets_datasets WHERE name = ?1");
	if (rc)
		return rc;
	mlops__db_bind_text(st, 1, name);
	rc = mlops__db_step(db, st, "read datasets");
	if (rc == 1)
		*out_did = sqlite3_column_int64(st, 0);
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

/* Run a one-row query binding did (when > 0) and text; *out_vid 0 when no row. */
static int query_vid(int64_t *out_vid, mlops_store *store, const char *sql, int64_t did, const char *text,
                     int64_t num)
{
	*out_vid = 0;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, sql);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, did);
	if (text)
		mlops__db_bind_text(st, 2, text);
	else
		sqlite3_bind_int64(st, 2, num);
	rc = mlops__db_step(db, st, "resolve a dataset version");
	if (rc == 1)
		*out_vid = sqlite3_column_int64(st, 0);
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

/* Versions whose id starts with prefix (in dataset did, or all when did is 0). */
static int resolve_prefix(int64_t *out_vid, mlops_store *store, int64_t did, const char *spec, const char *prefix)
{
	*out_vid = 0;
	size_t n = strlen(prefix);
	if (n < 4 || n > 32 || !mlops_datasets__is_hex(prefix, n))
		return mlops__error(MLOPS_ENOTFOUND, "no dataset version matches '%s'", spec);
	char lo[MLOPS_OID_BUFSIZE], hi[MLOPS_OID_BUFSIZE + 1];
	for (size_t i = 0; i < n; i++)
		lo[i] = (char)tolower((unsigned char)prefix[i]);
	lo[n] = '\0';
	memcpy(hi, lo, n);
	hi[n] = 'g'; /* every hex digit sorts before 'g' */
	hi[n + 1] = '\0';
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db,
	                           "SELECT v.vid, v.version_id, d.name, v.seq FROM datasets_versions v "
	                           "JOIN datasets_datasets d ON d.did = v.did "
	                           "WHERE v.version_id >= ?1 AND v.version_id < ?2 AND (?3 = 0 OR v.did = ?3) "
	                           "ORDER BY v.version_id LIMIT 11");
	if (rc)
		return rc;
	mlops__db_bind_text(st, 1, lo);
	mlops__db_bind_text(st, 2, hi);
	sqlite3_bind_int64(st, 3, did);
	mlops_buf cands = MLOPS_BUF_INIT;
	int found = 0;
	while ((rc = mlops__db_step(db, st, "resolve a version id prefix")) == 1) {
		if (found == 0)
			*out_vid = sqlite3_column_int64(st, 0);
		if (found < 10)
			mlops__buf_printf(&cands, "%s%s (%s@v%lld)", found ? ", " : "", sqlite3_column_text(st, 1),
			                  sqlite3_column_text(st, 2), (long long)sqlite3_column_int64(st, 3));
		found++;
	}
	mlops__db_done(st);
	if (rc < 0) {
		mlops__buf_free(&cands);
		return rc;
	}
	if (found == 0)
		rc = mlops__error(MLOPS_ENOTFOUND, "no dataset version matches '%s'", spec);
	else if (found > 1)
		rc = mlops__error(MLOPS_EINVAL, "version prefix '%s' is ambiguous: %s%s", prefix,
		                  cands.data ? cands.data : "", found > 10 ? ", ..." : "");
	mlops__buf_free(&cands);
	if (rc)
		*out_vid = 0;
	return rc;
}

static int resolve_vid(int64_t *out_vid, mlops_store *store, const char *spec)
{
	*out_vid = 0;
	if (mlops__str_empty(spec))
		return mlops__error(MLOPS_EINVAL, "empty dataset version spec");
	const char *at = strchr(spec, '@');
	char *name = at ? mlops__strndup(spec, (size_t)(at - spec)) : mlops__strdup(spec);
	if (!name)
		return MLOPS_ENOMEM;
	int rc = 0;
	int64_t did = 0;
	if (!at) {
		if (mlops_datasets__check_name(name) == 0) {
			if ((rc = mlops_datasets__dataset_id(&did, store, name)) != 0)
				goto out;
		}
		mlops__error_reset();
		if (did) {
			rc = query_vid(out_vid, store, "SELECT vid FROM datasets_versions WHERE did = ?1 AND ?2 = 0 "
			                               "ORDER BY seq DESC LIMIT 1", did, NULL, 0);
		} else if (mlops_datasets__is_hex(spec, strlen(spec)) && strlen(spec) >= 4) {
			rc = resolve_prefix(out_vid, store, 0, spec, spec);
		} else if ((rc = mlops_datasets__check_name(spec)) != 0) {
			mlops__error_prefix("bad version spec '%s'", spec);
		} else {
			rc = mlops__error(MLOPS_ENOTFOUND, "dataset '%s' not found", spec);
		}
		goto out;
	}
	const char *rev = at + 1;
	if ((rc = mlops_datasets__check_name(name)) != 0) {
		mlops__error_prefix("bad version spec '%s'", spec);
		goto out;
	}
	if (!*rev) {
		rc = mlops__error(MLOPS_EINVAL, "bad version spec '%s': nothing after '@'", spec);
		goto out;
	}
	if ((rc = mlops_datasets__dataset_id(&did, store, name)) != 0)
		goto out;
	if (!did) {
		rc = mlops__error(MLOPS_ENOTFOUND, "dataset '%s' not found", name);
		goto out;
	}
	size_t rn = strlen(rev);
	if (strcmp(rev, "latest") == 0) {
		rc = query_vid(out_vid, store, "SELECT vid FROM datasets_versions WHERE did = ?1 AND ?2 = 0 "
		                               "ORDER BY seq DESC LIMIT 1", did, NULL, 0);
	} else if (rev[0] == 'v' && rn > 1 && rn < 19 && strspn(rev + 1, "0123456789") == rn - 1) {
		rc = query_vid(out_vid, store, "SELECT vid FROM datasets_versions WHERE did = ?1 AND seq = ?2", did, NULL,
		               strtoll(rev + 1, NULL, 10));
		if (!rc && !*out_vid)
			rc = mlops__error(MLOPS_ENOTFOUND, "dataset '%s' has no version %s", name, rev);
	} else {
		rc = query_vid(out_vid, store, "SELECT vid FROM datasets_refs WHERE did = ?1 AND name = ?2", did, rev, 0);
		if (!rc && !*out_vid) {
			if (mlops_datasets__is_hex(rev, rn) && rn >= 4)
				rc = resolve_prefix(out_vid, store, did, spec, rev);
			else
				rc = mlops__error(MLOPS_ENOTFOUND, "dataset '%s' has no tag, ref or version '%s'", name, rev);
		}
	}
out:
	if (!rc && !*out_vid)
		rc = mlops__error(MLOPS_ENOTFOUND, "dataset version '%s' not found", spec);
	free(name);
	return rc;
}

int mlops_datasets__version_resolve(ds_version *v, mlops_store *store, const char *spec)
{
	memset(v, 0, sizeof(*v));
	bool began;
	int rc = mlops_datasets__begin_read(store, &began);
	if (rc)
		return rc;
	int64_t vid = 0;
	rc = resolve_vid(&vid, store, spec);
	if (!rc)
		rc = mlops_datasets__version_load(v, store, NULL, vid);
	mlops_datasets__end_read(store, began);
	return rc;
}

/* ---- public info ---- */

typedef struct info_alloc {
	mlops_dataset_version_info pub; /* first: the public pointer is this struct */
	ds_version v;
	char **parents;
	char **tags;
} info_alloc;

static int read_strings(char ***out, size_t *out_n, mlops_store *store, const char *sql, int64_t vid)
{
	*out = NULL;
	*out_n = 0;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, sql);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, vid);
	size_t cap = 0;
	while ((rc = mlops__db_step(db, st, "read a dataset version")) == 1) {
		if (*out_n == cap) {
			cap = cap ? cap * 2 : 4;
			char **p = mlops__realloc(*out, cap * sizeof(*p));
			if (!p) {
				rc = MLOPS_ENOMEM;
				break;
			}
			*out = p;
		}
		char *s = col_dup(st, 0);
		if (!s) {
			rc = MLOPS_ENOMEM;
			break;
		}
		(*out)[(*out_n)++] = s;
	}
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

void mlops_dataset_version_info_free(mlops_dataset_version_info *info)
{
	if (!info)
		return;
	info_alloc *a = (info_alloc *)info;
	for (size_t i = 0; i < info->n_parents; i++)
		free(a->parents[i]);
	for (size_t i = 0; i < info->n_tags; i++)
		free(a->tags[i]);
	free(a->parents);
	free(a->tags);
	mlops_datasets__version_clear(&a->v);
	free(a);
}

int mlops_datasets__info_build(mlops_dataset_version_info **out, mlops_store *store, const ds_version *v)
{
	*out = NULL;
	info_alloc *a = mlops__calloc(1, sizeof(*a));
	if (!a)
		return MLOPS_ENOMEM;
	a->v = *v;
	a->v.dataset = mlops__strdup(v->dataset);
	a->v.message = mlops__strdup(v->message);
	a->v.metadata = mlops__strdup(v->metadata);
	a->v.author = mlops__strdup(v->author);
	a->v.run_id = v->run_id ? mlops__strdup(v->run_id) : NULL;
	int rc = (!a->v.dataset || !a->v.message || !a->v.metadata || !a->v.author || (v->run_id && !a->v.run_id))
	                 ? MLOPS_ENOMEM
	                 : 0;
	if (!rc)
		rc = read_strings(&a->parents, &a->pub.n_parents, store,
		                  "SELECT parent_id FROM datasets_parents WHERE vid = ?1 ORDER BY position", v->vid);
	if (!rc)
		rc = read_strings(&a->tags, &a->pub.n_tags, store,
		                  "SELECT name FROM datasets_refs WHERE vid = ?1 AND is_tag = 1 ORDER BY name", v->vid);
	if (rc) {
		mlops_dataset_version_info_free(&a->pub);
		return rc;
	}
	mlops_dataset_version_info *p = &a->pub;
	p->version_id = a->v.version_id;
	p->dataset = a->v.dataset;
	p->seq = a->v.seq;
	p->manifest_id = a->v.manifest_id;
	p->is_file = a->v.is_file;
	p->file_count = a->v.file_count;
	p->total_bytes = a->v.total_bytes;
	p->message = a->v.message;
	p->metadata_json = a->v.metadata;
	p->author = a->v.author;
	p->created_ms = a->v.created_ms;
	p->run_id = a->v.run_id;
	p->parents = (const char *const *)a->parents;
	p->tags = (const char *const *)a->tags;
	*out = p;
	return 0;
}

/* ---- profiles ---- */

int mlops_datasets__profile_lookup(int *out_found, int64_t *out_rows, char **out_schema_json,
                                   char **out_stats_json, char **out_error, mlops_store *store, const char *oid,
                                   const char *format)
{
	*out_found = 0;
	if (out_rows)
		*out_rows = -1;
	if (out_schema_json)
		*out_schema_json = NULL;
	if (out_stats_json)
		*out_stats_json = NULL;
	if (out_error)
		*out_error = NULL;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db,
	                           "SELECT rows, schema_json, stats_json, error FROM datasets_profiles "
	                           "WHERE oid = ?1 AND format = ?2");
	if (rc)
		return rc;
	mlops__db_bind_text(st, 1, oid);
	mlops__db_bind_text(st, 2, format);
	rc = mlops__db_step(db, st, "read a tabular profile");
	if (rc == 1) {
		rc = 0;
		*out_found = 1;
		if (out_rows && sqlite3_column_type(st, 0) != SQLITE_NULL)
			*out_rows = sqlite3_column_int64(st, 0);
		char **outs[3] = {out_schema_json, out_stats_json, out_error};
		for (int i = 0; i < 3 && !rc; i++) {
			if (outs[i] && sqlite3_column_type(st, i + 1) != SQLITE_NULL && !(*outs[i] = col_dup(st, i + 1)))
				rc = MLOPS_ENOMEM;
		}
	}
	mlops__db_done(st);
	if (rc < 0) {
		*out_found = 0;
		if (out_schema_json) {
			free(*out_schema_json);
			*out_schema_json = NULL;
		}
		if (out_stats_json) {
			free(*out_stats_json);
			*out_stats_json = NULL;
		}
		if (out_error) {
			free(*out_error);
			*out_error = NULL;
		}
		return rc;
	}
	return 0;
}

/* Public wrapper: resolve into an id. */
int mlops_dataset_resolve(char *out_version_id, mlops_store *store, const char *spec)
{
	if (out_version_id)
		out_version_id[0] = '\0';
	if (!store || !out_version_id)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_resolve: NULL argument");
	ds_version v;
	int rc = mlops_datasets__version_resolve(&v, store, spec);
	if (rc)
		return rc;
	memcpy(out_version_id, v.version_id, MLOPS_OID_BUFSIZE);
	mlops_datasets__version_clear(&v);
	return 0;
}

int mlops_dataset_version_get(mlops_dataset_version_info **out, mlops_store *store, const char *spec)
{
	if (out)
		*out = NULL;
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_version_get: NULL argument");
	ds_version v;
	bool began;
	int rc = mlops_datasets__begin_read(store, &began);
	if (rc)
		return rc;
	rc = mlops_datasets__version_resolve(&v, store, spec);
	if (!rc)
		rc = mlops_datasets__info_build(out, store, &v);
	mlops_datasets__version_clear(&v);
	mlops_datasets__end_read(store, began);
	return rc;
}
