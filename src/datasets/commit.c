/*
 * Committing a file or a directory tree as a new dataset version: walk, reuse the stat cache, store what
 * changed (worker threads), build and store the tree manifest, profile new tabular content, then record
 * everything in one metadata transaction (version, parents, referenced objects, profiles, lineage, audit,
 * stat cache, head of the directory).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/ds_int.h"
#include "datasets/tabular.h"

int mlops_dataset_commit_options_init(mlops_dataset_commit_options *opts, unsigned int version)
{
	if (!opts)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_commit_options_init: opts is NULL");
	if (version != MLOPS_DATASET_COMMIT_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "dataset commit options version %u is not supported (expected %u)",
		                    version, MLOPS_DATASET_COMMIT_OPTIONS_VERSION);
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	return 0;
}

/* A profile computed before the transaction, inserted in it. */
typedef struct profile_row {
	char oid[MLOPS_OID_BUFSIZE];
	const char *format;
	int64_t rows;
	char *schema;
	char *stats;
	char *error;
} profile_row;

typedef struct commit_ctx {
	mlops_store *store;
	const char *name;
	const char *path;        /* as given */
	const mlops_dataset_commit_options *o;
	char *metadata;          /* normalized JSON object */
	char **parents;          /* version ids */
	size_t n_parents;
	ds_version first_parent; /* vid 0 when none */
	ds_walk walk;
	char *root;              /* realpath of the directory (the file's directory for a single file) */
	ds_cache cache;
	ds_manifest parent_tree;
	ds_entry *entries;
	char manifest_hex[MLOPS_OID_BUFSIZE];
	profile_row *profiles;
	size_t n_profiles;
	int64_t start_ns;
} commit_ctx;

static void ctx_free(commit_ctx *c)
{
	free(c->metadata);
	for (size_t i = 0; i < c->n_parents; i++)
		free(c->parents[i]);
	free(c->parents);
	mlops_datasets__version_clear(&c->first_parent);
	mlops_datasets__walk_free(&c->walk);
	free(c->root);
	mlops_datasets__cache_free(&c->cache);
	mlops_datasets__manifest_free(&c->parent_tree);
	free(c->entries);
	for (size_t i = 0; i < c->n_profiles; i++) {
		free(c->profiles[i].schema);
		free(c->profiles[i].stats);
		free(c->profiles[i].error);
	}
	free(c->profiles);
}

/* Validate the metadata text as a JSON object and keep SQLite's compact form of it. */
static int normalize_metadata(commit_ctx *c)
{
	const char *in = c->o->metadata_json;
	if (!in) {
		c->metadata = mlops__strdup("{}");
		return c->metadata ? 0 : MLOPS_ENOMEM;
	}
	mlops_db *db = mlops_store__db(c->store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "SELECT CASE WHEN json_valid(?1) AND json_type(?1) = 'object' "
	                                    "THEN json(?1) END");
	if (rc)
		return rc;
	mlops__db_bind_text(st, 1, in);
	rc = mlops__db_step(db, st, "check dataset metadata");
	if (rc == 1) {
		const char *out = (const char *)sqlite3_column_text(st, 0);
		rc = 0;
		if (!out)
			rc = mlops__error(MLOPS_EINVAL, "dataset metadata is not a JSON object: '%.80s'", in);
		else if (!(c->metadata = mlops__strdup(out)))
			rc = MLOPS_ENOMEM;
	}
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

static int resolve_parents(commit_ctx *c)
{
	const mlops_dataset_commit_options *o = c->o;
	if (o->flags & MLOPS_DATASET_COMMIT_ROOT) {
		if (o->n_parents)
			return mlops__error(MLOPS_EINVAL, "dataset '%s': a root commit cannot have parents", c->name);
		return 0;
	}
	if (o->n_parents && !o->parents)
		return mlops__error(MLOPS_EINVAL, "dataset '%s': %zu parents but no parent array", c->name, o->n_parents);
	size_t want = o->n_parents ? o->n_parents : 1;
	c->parents = mlops__calloc(want, sizeof(char *));
	if (!c->parents)
		return MLOPS_ENOMEM;
	if (!o->n_parents) {
		int64_t did;
		int rc = mlops_datasets__dataset_id(&did, c->store, c->name);
		if (rc || !did)
			return rc;
		rc = mlops_datasets__version_resolve(&c->first_parent, c->store, c->name);
		if (rc)
			return rc;
		if (!(c->parents[0] = mlops__strdup(c->first_parent.version_id)))
			return MLOPS_ENOMEM;
		c->n_parents = 1;
		return 0;
	}
	for (size_t i = 0; i < o->n_parents; i++) {
		ds_version v;
		int rc = mlops_datasets__version_resolve(&v, c->store, o->parents[i]);
		if (rc)
			return mlops__error_prefix("dataset '%s': parent '%s'", c->name,
			                           o->parents[i] ? o->parents[i] : "(null)");
		bool dup = false;
		for (size_t k = 0; k < c->n_parents; k++)
			dup |= strcmp(c->parents[k], v.version_id) == 0;
		if (!dup) {
			if (!(c->parents[c->n_parents] = mlops__strdup(v.version_id))) {
				mlops_datasets__version_clear(&v);
				return MLOPS_ENOMEM;
			}
			c->n_parents++;
		}
		if (i == 0)
			c->first_parent = v;
		else
			mlops_datasets__version_clear(&v);
	}
	return 0;
}

static int is_stored(bool *out, commit_ctx *c, const ds_file *f)
{
	const ds_entry *e = c->parent_tree.count ? mlops_datasets__manifest_find(&c->parent_tree, f->path) : NULL;
	if (e && memcmp(e->oid.bytes, f->oid.bytes, 16) == 0) {
		*out = true;
		return 0;
	}
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, &f->oid);
	mlops_db *db = mlops_store__db(c->store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "SELECT 1 FROM datasets_objects WHERE oid = ?1 LIMIT 1");
	if (rc)
		return rc;
	mlops__db_bind_text(st, 1, hex);
	rc = mlops__db_step(db, st, "look up dataset objects");
	mlops__db_done(st);
	*out = rc == 1;
	return rc < 0 ? rc : 0;
}

static uint32_t manifest_mode(uint32_t st_mode)
{
	return S_ISLNK(st_mode) ? (S_IFLNK | 0777) : (S_IFREG | (st_mode & 0777));
}

/* Decide which files must be read: those without a trusted cache entry whose content is known to be stored. */
static int plan_reads(commit_ctx *c, size_t **out_idx, size_t *out_n)
{
	*out_idx = NULL;
	*out_n = 0;
	size_t *idx = mlops__calloc(c->walk.count ? c->walk.count : 1, sizeof(size_t));
	if (!idx)
		return MLOPS_ENOMEM;
	bool use_cache = !(c->o->flags & MLOPS_DATASET_COMMIT_NO_CACHE);
	bool began;
	int rc = mlops_datasets__begin_read(c->store, &began);
	for (size_t i = 0; !rc && i < c->walk.count; i++) {
		ds_file *f = &c->walk.files[i];
		const ds_cache_row *r = use_cache ? mlops_datasets__cache_find(&c->cache, f->path) : NULL;
		if (r && mlops_datasets__cache_trusted(r, f)) {
			f->oid = r->oid;
			bool stored = false;
			rc = is_stored(&stored, c, f);
			if (!rc && stored) {
				f->state = DS_FILE_CACHED;
				continue;
			}
		}
		idx[(*out_n)++] = i;
	}
	mlops_datasets__end_read(c->store, began);
	if (rc) {
		free(idx);
		*out_n = 0;
		return rc;
	}
	*out_idx = idx;
	return 0;
}

static int read_from_object(size_t *out_n, void *buf, size_t cap, void *payload)
{
	return mlops__odb_reader_read(out_n, payload, buf, cap);
}

static const char *format_name(mlops_datasets__fmt f)
{
	return f == MLOPS_DATASETS__FMT_CSV ? "csv" : f == MLOPS_DATASETS__FMT_JSONL ? "jsonl" : NULL;
}

/* Profile new tabular content from the stored objects, so the profile describes exactly the stored bytes. */
static int profile_new(commit_ctx *c, uint64_t *out_profiled)
{
	*out_profiled = 0;
	for (size_t i = 0; i < c->walk.count; i++) {
		ds_entry *e = &c->entries[i];
		if (S_ISLNK(e->mode))
			continue;
		mlops_datasets__fmt fmt = mlops_datasets__format_of(e->path);
		if (fmt == MLOPS_DATASETS__FMT_NONE)
			continue;
		char hex[MLOPS_OID_BUFSIZE];
		mlops__oid_to_hex(hex, &e->oid);
		bool seen = false;
		for (size_t k = 0; k < c->n_profiles; k++)
			seen |= strcmp(c->profiles[k].oid, hex) == 0 && strcmp(c->profiles[k].format, format_name(fmt)) == 0;
		int found = 0;
		int rc = seen ? 0 : mlops_datasets__profile_lookup(&found, NULL, NULL, NULL, NULL, c->store, hex,
		                                                   format_name(fmt));
		if (rc)
			return rc;
		if (seen || found)
			continue;
		profile_row *p = mlops__realloc(c->profiles, (c->n_profiles + 1) * sizeof(*p));
		if (!p)
			return MLOPS_ENOMEM;
		c->profiles = p;
		p = &c->profiles[c->n_profiles++];
		memset(p, 0, sizeof(*p));
		memcpy(p->oid, hex, sizeof(hex));
		p->format = format_name(fmt);
		p->rows = -1;
		mlops_odb_reader *r;
		if ((rc = mlops__odb_reader_new(&r, mlops_store__odb(c->store), &e->oid)) != 0)
			return rc;
		uint64_t rows = 0;
		rc = mlops_datasets__profile(&p->schema, &p->stats, &rows, fmt, read_from_object, r);
		mlops__odb_reader_free(r);
		if (rc == MLOPS_EPARSE || rc == MLOPS_EINVAL) {
			/* Bad tabular data is still data: the version keeps it, the profile records why it is not a table. */
			p->error = mlops__strdup(mlops_error_last()->message);
			free(p->schema);
			free(p->stats);
			p->schema = p->stats = NULL;
			mlops__error_reset();
			if (!p->error)
				return MLOPS_ENOMEM;
		} else if (rc) {
			return mlops__error_prefix("cannot profile '%s'", e->path);
		} else {
			p->rows = (int64_t)rows;
		}
		(*out_profiled)++;
	}
	return 0;
}

static int version_id_of(char out[MLOPS_OID_BUFSIZE], commit_ctx *c, int64_t seq, int64_t created_ms)
{
	mlops_buf b = MLOPS_BUF_INIT;
	int rc = mlops__buf_printf(&b, "mlops-dataset-version 1\ndataset %s\nseq %lld\nmanifest %s\n", c->name,
	                           (long long)seq, c->manifest_hex);
	for (size_t i = 0; !rc && i < c->n_parents; i++)
		rc = mlops__buf_printf(&b, "parent %s\n", c->parents[i]);
	if (!rc && c->o->run_id)
		rc = mlops__buf_printf(&b, "run %s\n", c->o->run_id);
	if (!rc)
		rc = mlops__buf_printf(&b, "author %s\ncreated_ms %lld\nmetadata %s\nmessage %s",
		                       mlops_store__actor(c->store), (long long)created_ms, c->metadata,
		                       c->o->message ? c->o->message : "");
	if (!rc) {
		mlops_oid id;
		mlops__hash128(&id, b.data, b.len);
		mlops__oid_to_hex(out, &id);
	}
	mlops__buf_free(&b);
	return rc;
}

static int step_sql(mlops_db *db, sqlite3_stmt *st, const char *what)
{
	int rc = mlops__db_step(db, st, what);
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

/* Inside the write transaction: the version and everything that hangs off it. */
static int record_version(commit_ctx *c, char out_id[MLOPS_OID_BUFSIZE], int64_t *out_vid, int64_t *out_seq,
                          uint64_t total_bytes)
{
	mlops_db *db = mlops_store__db(c->store);
	sqlite3_stmt *st;
	int64_t now = mlops__now_ms();
	int rc = mlops__db_prepare(&st, db, "INSERT INTO datasets_datasets (name, created_ms) VALUES (?1, ?2) "
	                                    "ON CONFLICT (name) DO NOTHING");
	if (rc)
		return rc;
	mlops__db_bind_text(st, 1, c->name);
	sqlite3_bind_int64(st, 2, now);
	if ((rc = step_sql(db, st, "create a dataset")) != 0)
		return rc;
	int64_t did = 0;
	if ((rc = mlops_datasets__dataset_id(&did, c->store, c->name)) != 0)
		return rc;
	if ((rc = mlops__db_prepare(&st, db, "SELECT COALESCE(MAX(seq), 0) + 1 FROM datasets_versions WHERE did = ?1")))
		return rc;
	sqlite3_bind_int64(st, 1, did);
	int64_t seq = 1;
	if ((rc = mlops__db_step(db, st, "number a dataset version")) == 1)
		seq = sqlite3_column_int64(st, 0);
	mlops__db_done(st);
	if (rc < 0)
		return rc;
	if ((rc = version_id_of(out_id, c, seq, now)) != 0)
		return rc;
	rc = mlops__db_prepare(&st, db,
	                       "INSERT INTO datasets_versions (version_id, did, seq, manifest_id, is_file, file_count, "
	                       "total_bytes, message, metadata, author, created_ms, run_id) "
	                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
	if (rc)
		return rc;
	mlops__db_bind_text(st, 1, out_id);
	sqlite3_bind_int64(st, 2, did);
	sqlite3_bind_int64(st, 3, seq);
	mlops__db_bind_text(st, 4, c->manifest_hex);
	sqlite3_bind_int(st, 5, c->walk.single ? 1 : 0);
	sqlite3_bind_int64(st, 6, (int64_t)c->walk.count);
	sqlite3_bind_int64(st, 7, (int64_t)total_bytes);
	mlops__db_bind_text(st, 8, c->o->message ? c->o->message : "");
	mlops__db_bind_text(st, 9, c->metadata);
	mlops__db_bind_text(st, 10, mlops_store__actor(c->store));
	sqlite3_bind_int64(st, 11, now);
	mlops__db_bind_text(st, 12, c->o->run_id);
	if ((rc = step_sql(db, st, "record a dataset version")) != 0)
		return rc;
	int64_t vid = sqlite3_last_insert_rowid(mlops__db_sqlite(db));
	for (size_t i = 0; i < c->n_parents && !rc; i++) {
		if ((rc = mlops__db_prepare(&st, db, "INSERT INTO datasets_parents (vid, position, parent_id) "
		                                     "VALUES (?1, ?2, ?3)")))
			break;
		sqlite3_bind_int64(st, 1, vid);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		mlops__db_bind_text(st, 3, c->parents[i]);
		if (!(rc = step_sql(db, st, "record a parent version")))
			rc = mlops_store__lineage_add(c->store, MLOPS_KIND_DATASET_VERSION, c->parents[i],
			                              MLOPS_KIND_DATASET_VERSION, out_id, "parent");
	}
	if (!rc && c->o->run_id)
		rc = mlops_store__lineage_add(c->store, MLOPS_KIND_RUN, c->o->run_id, MLOPS_KIND_DATASET_VERSION, out_id,
		                              "produced");
	if (!rc)
		rc = mlops__db_prepare(&st, db, "INSERT OR IGNORE INTO datasets_objects (oid, vid) VALUES (?1, ?2)");
	for (size_t i = 0; !rc && i <= c->walk.count; i++) {
		char hex[MLOPS_OID_BUFSIZE];
		if (i < c->walk.count)
			mlops__oid_to_hex(hex, &c->entries[i].oid);
		else
			memcpy(hex, c->manifest_hex, sizeof(hex));
		sqlite3_reset(st);
		mlops__db_bind_text(st, 1, hex);
		sqlite3_bind_int64(st, 2, vid);
		rc = mlops__db_step(db, st, "record the objects of a dataset version");
		rc = rc < 0 ? rc : 0;
		if (rc || i == c->walk.count)
			mlops__db_done(st);
	}
	for (size_t i = 0; !rc && i < c->n_profiles; i++) {
		profile_row *p = &c->profiles[i];
		if ((rc = mlops__db_prepare(&st, db, "INSERT OR IGNORE INTO datasets_profiles (oid, format, rows, "
		                                     "schema_json, stats_json, error, created_ms) "
		                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")))
			break;
		mlops__db_bind_text(st, 1, p->oid);
		mlops__db_bind_text(st, 2, p->format);
		if (p->rows >= 0)
			sqlite3_bind_int64(st, 3, p->rows);
		mlops__db_bind_text(st, 4, p->schema);
		mlops__db_bind_text(st, 5, p->stats);
		mlops__db_bind_text(st, 6, p->error);
		sqlite3_bind_int64(st, 7, now);
		rc = step_sql(db, st, "record a tabular profile");
	}
	if (!rc) {
		mlops_buf d = MLOPS_BUF_INIT;
		mlops_json j;
		mlops__json_init(&j, &d);
		mlops__json_object_begin(&j);
		mlops__json_key(&j, "dataset");
		mlops__json_string(&j, c->name);
		mlops__json_key(&j, "seq");
		mlops__json_int(&j, seq);
		mlops__json_key(&j, "manifest");
		mlops__json_string(&j, c->manifest_hex);
		mlops__json_key(&j, "files");
		mlops__json_uint(&j, c->walk.count);
		mlops__json_key(&j, "bytes");
		mlops__json_uint(&j, total_bytes);
		mlops__json_object_end(&j);
		rc = mlops__json_finish(&j);
		if (!rc)
			rc = mlops_store__audit(c->store, "dataset.commit", MLOPS_KIND_DATASET_VERSION, out_id, d.data);
		mlops__buf_free(&d);
	}
	*out_vid = vid;
	*out_seq = seq;
	return rc;
}

/* Cache rows of a directory whose files are gone. */
static int stale_paths(commit_ctx *c, const char ***out, size_t *out_n)
{
	*out = NULL;
	*out_n = 0;
	if (c->walk.single || !c->cache.count)
		return 0;
	const char **s = mlops__calloc(c->cache.count, sizeof(char *));
	if (!s)
		return MLOPS_ENOMEM;
	size_t i = 0, k = 0;
	while (k < c->cache.count) {
		int d = i < c->walk.count ? strcmp(c->walk.files[i].path, c->cache.rows[k].path) : 1;
		if (d == 0) {
			i++;
			k++;
		} else if (d < 0) {
			i++;
		} else {
			s[(*out_n)++] = c->cache.rows[k++].path;
		}
	}
	*out = s;
	return 0;
}

static int commit_run(commit_ctx *c, char *out_version_id, mlops_dataset_commit_stats *st)
{
	const mlops_dataset_commit_options *o = c->o;
	int rc = normalize_metadata(c);
	if (!rc && o->run_id && !mlops__oid_hex_valid(o->run_id))
		rc = mlops__error(MLOPS_EINVAL, "run id '%s' is not 32 lowercase hex characters", o->run_id);
	if (!rc)
		rc = resolve_parents(c);
	if (rc)
		return rc;
	c->start_ns = mlops__now_ns();
	ds_ignore ig;
	mlops_datasets__ignore_init(&ig, o->ignore, o->n_ignore);
	if ((rc = mlops_datasets__walk(&c->walk, c->path, &ig)) != 0)
		return rc;
	/* The stat cache is keyed by the real directory: of the tree, or of a single file. */
	if (c->walk.single) {
		char *dir = mlops__strdup(c->walk.root);
		if (!dir)
			return MLOPS_ENOMEM;
		char *slash = strrchr(dir, '/');
		if (slash)
			slash == dir ? (void)(slash[1] = '\0') : (void)(*slash = '\0');
		rc = mlops_datasets__realdir(&c->root, slash ? dir : ".");
		free(dir);
	} else {
		rc = mlops_datasets__realdir(&c->root, c->path);
	}
	if (!rc)
		rc = mlops_datasets__cache_load(&c->cache, c->store, c->root);
	if (!rc && c->first_parent.vid)
		rc = mlops_datasets__manifest_load(&c->parent_tree, c->store, c->first_parent.manifest_id);
	size_t *idx = NULL, n_read = 0;
	if (!rc)
		rc = plan_reads(c, &idx, &n_read);
	uint64_t bytes_read = 0;
	if (!rc)
		rc = mlops_datasets__store_files(c->store, c->walk.root, c->walk.single, c->walk.files, idx, n_read,
		                                 o->threads, &bytes_read);
	free(idx);
	if (rc)
		return rc;
	c->entries = mlops__calloc(c->walk.count ? c->walk.count : 1, sizeof(ds_entry));
	if (!c->entries)
		return MLOPS_ENOMEM;
	uint64_t total = 0;
	for (size_t i = 0; i < c->walk.count; i++) {
		ds_file *f = &c->walk.files[i];
		c->entries[i] = (ds_entry){.path = f->path, .size = f->size, .mode = manifest_mode(f->mode), .oid = f->oid};
		total += f->size;
	}
	uint8_t *enc = NULL;
	size_t enc_n = 0;
	if ((rc = mlops_datasets__manifest_encode(&enc, &enc_n, c->entries, c->walk.count, c->walk.single)) != 0)
		return rc;
	mlops_oid mid;
	mlops__hash128(&mid, enc, enc_n);
	mlops__oid_to_hex(c->manifest_hex, &mid);
	bool unchanged = c->first_parent.vid && strcmp(c->first_parent.manifest_id, c->manifest_hex) == 0 &&
	                 !(o->flags & MLOPS_DATASET_COMMIT_ALWAYS);
	uint64_t profiled = 0;
	if (!unchanged) {
		rc = mlops__odb_put(&mid, mlops_store__odb(c->store), enc, enc_n);
		if (!rc)
			rc = mlops__odb_flush(mlops_store__odb(c->store));
		if (!rc && !(o->flags & MLOPS_DATASET_COMMIT_NO_PROFILE))
			rc = profile_new(c, &profiled);
	}
	free(enc);
	if (rc)
		return rc;
	const char **stale = NULL;
	size_t n_stale = 0;
	if ((rc = stale_paths(c, &stale, &n_stale)) != 0)
		return rc;
	mlops_db *db = mlops_store__db(c->store);
	char vid_hex[MLOPS_OID_BUFSIZE];
	int64_t vid = c->first_parent.vid, seq = c->first_parent.seq;
	memcpy(vid_hex, c->first_parent.version_id, sizeof(vid_hex));
	if ((rc = mlops__db_begin_write(db)) != 0) {
		free(stale);
		return rc;
	}
	if (!unchanged)
		rc = record_version(c, vid_hex, &vid, &seq, total);
	int64_t wid = 0;
	if (!rc)
		rc = mlops_datasets__workdir_id(&wid, c->store, c->root);
	if (!rc)
		rc = mlops_datasets__cache_write(c->store, wid, c->walk.files, c->walk.count, c->start_ns, stale, n_stale);
	if (!rc && !c->walk.single)
		rc = mlops_datasets__head_set(c->store, wid, vid);
	free(stale);
	if (!rc)
		rc = mlops__db_commit(db);
	else
		mlops__db_rollback(db);
	if (rc)
		return rc;
	if (out_version_id)
		memcpy(out_version_id, vid_hex, MLOPS_OID_BUFSIZE);
	if (st) {
		st->created = !unchanged;
		st->seq = seq;
		st->files = c->walk.count;
		st->bytes = total;
		st->files_read = n_read;
		st->bytes_read = bytes_read;
		st->files_profiled = profiled;
	}
	return 0;
}

int mlops_dataset_commit(char *out_version_id, mlops_dataset_commit_stats *out_stats, mlops_store *store,
                         const char *name, const char *path, const mlops_dataset_commit_options *opts)
{
	if (out_version_id)
		out_version_id[0] = '\0';
	mlops_dataset_commit_options defaults = MLOPS_DATASET_COMMIT_OPTIONS_INIT;
	if (!opts)
		opts = &defaults;
	if (!store)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_commit: store is NULL");
	if (opts->version != MLOPS_DATASET_COMMIT_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "dataset commit options version %u is not supported (expected %u)",
		                    opts->version, MLOPS_DATASET_COMMIT_OPTIONS_VERSION);
	if (out_stats && out_stats->version != MLOPS_DATASET_COMMIT_STATS_VERSION)
		return mlops__error(MLOPS_EVERSION, "dataset commit stats version %u is not supported (expected %u)",
		                    out_stats->version, MLOPS_DATASET_COMMIT_STATS_VERSION);
	int rc = mlops_store__check_writable(store, "dataset commit");
	if (!rc)
		rc = mlops_datasets__check_name(name);
	if (!rc && mlops__str_empty(path))
		rc = mlops__error(MLOPS_EINVAL, "dataset '%s': no path to commit", name);
	if (rc)
		return rc;
	commit_ctx c;
	memset(&c, 0, sizeof(c));
	c.store = store;
	c.name = name;
	c.path = path;
	c.o = opts;
	if (out_stats) {
		unsigned v = out_stats->version;
		memset(out_stats, 0, sizeof(*out_stats));
		out_stats->version = v;
	}
	rc = commit_run(&c, out_version_id, out_stats);
	if (rc)
		mlops__error_prefix("cannot commit '%s' as dataset '%s'", path, name);
	ctx_free(&c);
	return rc;
}
