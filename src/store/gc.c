/*
 * Garbage collection: mark every object a module's gc roots reference (and the chunks of those that are
 * manifests) in one read snapshot, then sweep the blobs nothing marked, keeping those younger than the grace
 * period (objects of writers that have not committed their metadata yet). Also the root walk verify shares.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

#define DEFAULT_GRACE_S 3600

int mlops_gc_options_init(mlops_gc_options *opts, unsigned int version)
{
	if (!opts)
		return mlops__error(MLOPS_EINVAL, "mlops_gc_options_init: opts is NULL");
	if (version != MLOPS_GC_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "gc options version %u is unknown (this library knows %d)", version,
		                    MLOPS_GC_OPTIONS_VERSION);
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	opts->grace_seconds = -1;
	return 0;
}

int mlops_store__roots(mlops_store *store, mlops_store_root_cb cb, void *payload)
{
	mlops_db *db = store->db;
	for (size_t i = 0; mlops__modules[i]; i++) {
		const mlops__module *m = mlops__modules[i];
		for (size_t q = 0; m->gc_roots && m->gc_roots[q]; q++) {
			sqlite3_stmt *st;
			int rc = mlops__db_prepare(&st, db, m->gc_roots[q]);
			while (!rc && (rc = mlops__db_step(db, st, "cannot read gc roots")) == 1) {
				const char *hex = (const char *)sqlite3_column_text(st, 0);
				rc = hex ? cb(m->name, hex, payload) : 0;
			}
			mlops__db_done(st);
			if (rc < 0)
				return mlops__error_prefix("gc roots of module '%s'", m->name);
			if (rc > 0)
				return rc;
		}
	}
	return 0;
}

typedef struct mark_state {
	mlops_oidset marked;
	mlops_oid *roots;       /* unique roots, in the order found */
	size_t n, cap;
} mark_state;

static int add_root(const char *module, const char *hex, void *payload)
{
	(void)module;
	mark_state *ms = payload;
	mlops_oid id;
	/* An id that is not 32 hex characters names no blob; verify reports it. */
	if (strlen(hex) != MLOPS_OID_HEXLEN || mlops__oid_from_hex(&id, hex) != 0) {
		mlops__error_reset();
		return 0;
	}
	bool added;
	int rc = mlops__oidset_add(&ms->marked, &id, &added);
	if (rc || !added)
		return rc;
	if (ms->n == ms->cap) {
		size_t ncap = ms->cap ? ms->cap * 2 : 256;
		mlops_oid *r = mlops__realloc(ms->roots, ncap * sizeof(*r));
		if (!r)
			return MLOPS_ENOMEM;
		ms->roots = r;
		ms->cap = ncap;
	}
	ms->roots[ms->n++] = id;
	return 0;
}

static int add_chunk(const mlops_oid *chunk, void *payload)
{
	mark_state *ms = payload;
	return mlops__oidset_add(&ms->marked, chunk, NULL);
}

static int mark(mark_state *ms, mlops_store *store)
{
	int rc = mlops__db_begin_read(store->db);
	if (rc)
		return rc;
	rc = mlops_store__check_known_modules(store, "gc");
	if (!rc)
		rc = mlops_store__roots(store, add_root, ms);
	/* A manifest lists plain chunks, so one level of references reaches every blob of an object. */
	for (size_t i = 0; !rc && i < ms->n; i++) {
		rc = mlops__odb_refs(store->odb, &ms->roots[i], add_chunk, ms);
		if (rc == MLOPS_ENOTFOUND) {
			mlops__error_reset();
			rc = 0; /* a missing root has no chunks to keep; verify reports it */
		} else if (rc) {
			char hex[MLOPS_OID_BUFSIZE];
			mlops__oid_to_hex(hex, &ms->roots[i]);
			mlops__error_prefix("gc cannot read the chunk list of '%s', so it removed nothing (run verify)", hex);
		}
	}
	if (rc) {
		mlops__db_rollback(store->db);
		return rc;
	}
	return mlops__db_commit(store->db);
}

typedef struct blob_entry {
	char key[MLOPS_OID_BUFSIZE];
	uint64_t size;
	int64_t mtime;
} blob_entry;

typedef struct blob_list {
	blob_entry *v;
	size_t n, cap;
} blob_list;

static int collect_blob(const char *key, uint64_t size, int64_t mtime_s, void *payload)
{
	blob_list *l = payload;
	if (strlen(key) != MLOPS_OID_HEXLEN)
		return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 1024;
		blob_entry *v = mlops__realloc(l->v, ncap * sizeof(*v));
		if (!v)
			return MLOPS_ENOMEM;
		l->v = v;
		l->cap = ncap;
	}
	memcpy(l->v[l->n].key, key, MLOPS_OID_BUFSIZE);
	l->v[l->n].size = size;
	l->v[l->n].mtime = mtime_s;
	l->n++;
	return 0;
}

static int sweep(mlops_gc_stats *st, mlops_store *store, const mark_state *ms, int64_t grace, bool dry_run)
{
	blob_list l = { NULL, 0, 0 };
	int rc = mlops__odb_list(store->odb, collect_blob, &l);
	if (rc) {
		free(l.v);
		return mlops__error_prefix("gc cannot list the blobs of store '%s'", store->path);
	}
	int64_t now_s = mlops__now_ms() / 1000;
	for (size_t i = 0; i < l.n && !rc; i++) {
		mlops_oid id;
		if (mlops__oid_from_hex(&id, l.v[i].key) != 0) {
			mlops__error_reset();
			continue;
		}
		if (mlops__oidset_has(&ms->marked, &id)) {
			st->objects_kept++;
			continue;
		}
		/* An unknown mtime (0) cannot prove the blob old. */
		if (grace > 0 && (l.v[i].mtime <= 0 || l.v[i].mtime > now_s - grace)) {
			st->objects_young++;
			continue;
		}
		if (!dry_run) {
			rc = mlops__odb_remove(store->odb, l.v[i].key);
			if (rc == MLOPS_ENOTFOUND) {
				mlops__error_reset();
				rc = 0; /* another gc got there first */
				continue;
			}
			if (rc) {
				mlops__error_prefix("gc of store '%s'", store->path);
				break;
			}
		}
		st->objects_removed++;
		st->bytes_removed += l.v[i].size;
	}
	free(l.v);
	return rc;
}

static int gc_audit(mlops_store *store, const mlops_gc_stats *st, int64_t grace)
{
	mlops_buf detail = MLOPS_BUF_INIT;
	mlops_json j;
	mlops__json_init(&j, &detail);
	mlops__json_object_begin(&j);
	mlops__json_key(&j, "kept");
	mlops__json_uint(&j, st->objects_kept);
	mlops__json_key(&j, "removed");
	mlops__json_uint(&j, st->objects_removed);
	mlops__json_key(&j, "bytes_removed");
	mlops__json_uint(&j, st->bytes_removed);
	mlops__json_key(&j, "young");
	mlops__json_uint(&j, st->objects_young);
	mlops__json_key(&j, "grace_seconds");
	mlops__json_int(&j, grace);
	mlops__json_object_end(&j);
	int rc = mlops__json_finish(&j);
	if (!rc && (rc = mlops_store__begin_write(store)) == 0) {
		rc = mlops_store__audit(store, "store.gc", "store", "", detail.data);
		if (!rc)
			rc = mlops__db_commit(store->db);
		else
			mlops__db_rollback(store->db);
	}
	mlops__buf_free(&detail);
	return rc;
}

int mlops_store_gc(mlops_gc_stats *out, mlops_store *store, const mlops_gc_options *opts)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_store_gc: out and store must not be NULL");
	if (out->version != MLOPS_GC_STATS_VERSION)
		return mlops__error(MLOPS_EVERSION, "gc stats version %u is unknown (this library knows %d)", out->version,
		                    MLOPS_GC_STATS_VERSION);
	mlops_gc_options defaults = MLOPS_GC_OPTIONS_INIT;
	const mlops_gc_options *o = opts ? opts : &defaults;
	if (o->version != MLOPS_GC_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "gc options version %u is unknown (this library knows %d)", o->version,
		                    MLOPS_GC_OPTIONS_VERSION);
	bool dry_run = o->dry_run != 0;
	int64_t grace = o->grace_seconds < 0 ? DEFAULT_GRACE_S : o->grace_seconds;
	int rc = dry_run ? 0 : mlops_store__check_writable(store, "gc");
	if (rc)
		return rc;
	mlops_backend *b = mlops__odb_backend(store->odb);
	if (!b->list || (!dry_run && !b->remove))
		return mlops__error(MLOPS_EINVAL, "gc: the blob backend of store '%s' cannot %s blobs", store->path,
		                    b->list ? "remove" : "list");
	mlops_gc_stats st = { .version = out->version };
	mark_state ms = { MLOPS_OIDSET_INIT, NULL, 0, 0 };
	rc = mark(&ms, store);
	if (!rc)
		rc = sweep(&st, store, &ms, grace, dry_run);
	if (!rc && !dry_run)
		rc = mlops__odb_flush(store->odb);
	mlops__oidset_free(&ms.marked);
	free(ms.roots);
	/* Report what happened even when the sweep stopped half-way. */
	*out = st;
	if (!rc && !dry_run)
		rc = gc_audit(store, &st, grace);
	return rc;
}
