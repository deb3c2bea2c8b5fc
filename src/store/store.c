/*
 * The store handle: options, choosing the layout (directory, single SQLite file, in-memory) and the blob backend,
 * opening the metadata db and the object database, running migrations, reference counting and store info.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_int.h"

#define DEFAULT_LEVEL 3
#define DEFAULT_BUSY_MS 30000

typedef enum layout {
	LAYOUT_MEMORY,
	LAYOUT_DIR,
	LAYOUT_FILE
} layout;

int mlops_store_options_init(mlops_store_options *opts, unsigned int version)
{
	if (!opts)
		return mlops__error(MLOPS_EINVAL, "mlops_store_options_init: opts is NULL");
	if (version != MLOPS_STORE_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "store options version %u is unknown (this library knows %d)", version,
		                    MLOPS_STORE_OPTIONS_VERSION);
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	return 0;
}

void mlops_store__ref(mlops_store *store)
{
	__atomic_add_fetch(&store->refs, 1, __ATOMIC_RELAXED);
}

void mlops_store__unref(mlops_store *store)
{
	if (!store || __atomic_sub_fetch(&store->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	mlops__odb_free(store->odb);
	mlops__db_close(store->db);
	free(store->path);
	free(store->actor);
	free(store);
}

void mlops_store_free(mlops_store *store)
{
	mlops_store__unref(store);
}

const char *mlops_store_path(const mlops_store *store)
{
	return store ? store->path : "";
}

int mlops_store__check_writable(mlops_store *store, const char *what)
{
	if (store->flags & MLOPS_STORE_READONLY)
		return mlops__error(MLOPS_EREADONLY, "%s: store '%s' is read-only", what, store->path);
	return 0;
}

/* Installed as the db's before-write hook: blobs put before a write transaction are durable before its
 * BEGIN (a single-file store's blob batch must not hold the lock) and again before its COMMIT. */
static int flush_objects(void *payload)
{
	mlops_store *store = payload;
	if (!store->odb || mlops__odb_flush(store->odb) == 0)
		return 0;
	return mlops__error_prefix("store '%s': cannot make objects durable before a metadata write", store->path);
}

int mlops_store__begin_write(mlops_store *store)
{
	return mlops__db_begin_write(store->db);
}

static char *pick_actor(const char *given)
{
	const char *a = given;
	if (mlops__str_empty(a))
		a = getenv("MLOPS_ACTOR");
	if (mlops__str_empty(a))
		a = getenv("USER");
	if (mlops__str_empty(a))
		a = "unknown";
	return mlops__strdup(a);
}

/* True when path is a regular file that starts with the SQLite header. */
static int is_sqlite_file(bool *out, const char *path)
{
	*out = false;
	FILE *f = fopen(path, "rb");
	if (!f)
		return mlops__error_errno(errno, "cannot open '%s'", path);
	char head[16];
	size_t n = fread(head, 1, sizeof(head), f);
	fclose(f);
	*out = n == sizeof(head) && memcmp(head, "SQLite format 3", 16) == 0;
	return 0;
}

/*
 * A caller's backend instance becomes the store's only when the open succeeds, while the odb takes ownership of
 * its backend even when it fails to open. A thin forwarding backend bridges the two: it frees the caller's
 * instance only once adopted.
 */
typedef struct proxy_backend {
	mlops_backend base;
	mlops_backend *in;
	bool owns;
} proxy_backend;

static mlops_backend *inner(mlops_backend *b)
{
	return ((proxy_backend *)b)->in;
}

static int px_write(mlops_backend *b, const char *key, const void *data, size_t size)
{
	return inner(b)->write(inner(b), key, data, size);
}

static int px_read(mlops_backend *b, void **out, size_t *out_size, const char *key)
{
	return inner(b)->read(inner(b), out, out_size, key);
}

static int px_exists(mlops_backend *b, int *out, const char *key)
{
	return inner(b)->exists(inner(b), out, key);
}

static int px_remove(mlops_backend *b, const char *key)
{
	return inner(b)->remove(inner(b), key);
}

static int px_list(mlops_backend *b, mlops_backend_list_cb cb, void *payload)
{
	return inner(b)->list(inner(b), cb, payload);
}

static int px_flush(mlops_backend *b)
{
	return inner(b)->flush(inner(b));
}

static int px_touch(mlops_backend *b, const char *key)
{
	return inner(b)->touch(inner(b), key);
}

static void px_free(mlops_backend *b)
{
	proxy_backend *p = (proxy_backend *)b;
	if (p->owns)
		p->in->free(p->in);
	free(p);
}

static int proxy_new(mlops_backend **out, mlops_backend *in)
{
	*out = NULL;
	proxy_backend *p = mlops__calloc(1, sizeof(*p));
	if (!p)
		return MLOPS_ENOMEM;
	p->in = in;
	p->base.version = MLOPS_BACKEND_VERSION;
	p->base.write = px_write;
	p->base.read = px_read;
	p->base.exists = px_exists;
	p->base.remove = in->remove ? px_remove : NULL;
	p->base.list = in->list ? px_list : NULL;
	p->base.flush = in->flush ? px_flush : NULL;
	p->base.touch = in->touch ? px_touch : NULL;
	p->base.free = px_free;
	*out = &p->base;
	return 0;
}

static void proxy_adopt(mlops_backend *b)
{
	((proxy_backend *)b)->owns = true;
}

/* Refuse, before anything writes to it, a SQLite file that holds something other than a store. */
static int check_foreign(const char *path)
{
	mlops_db *db = NULL;
	int rc = mlops__db_open(&db, path, MLOPS_DB_READONLY, DEFAULT_BUSY_MS, MLOPS_SYNC_NORMAL);
	if (rc)
		return mlops__error_prefix("cannot open store '%s'", path);
	int64_t ours = 0, others = 0;
	rc = mlops__db_query_int64(db, &ours, "SELECT count(*) FROM sqlite_master WHERE name = 'store_modules'");
	if (!rc)
		rc = mlops__db_query_int64(db, &others, "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
		                                        "AND name <> 'blobs'");
	mlops__db_close(db);
	if (rc)
		return mlops__error_prefix("cannot open store '%s'", path);
	if (!ours && others)
		return mlops__error(MLOPS_EINVAL, "'%s' is a SQLite database of something else, not a libmlops store",
		                    path);
	return 0;
}

typedef struct open_plan {
	layout kind;
	char *db_path;       /* NULL for memory */
	char *location;      /* backend location; NULL for memory */
	const char *backend; /* NULL: decided after reading store_meta (directory stores) */
} open_plan;

static void plan_free(open_plan *p)
{
	free(p->db_path);
	free(p->location);
}

static int plan_open(open_plan *p, const char *path, const mlops_store_options *o)
{
	memset(p, 0, sizeof(*p));
	bool must_exist = (o->flags & (MLOPS_STORE_MUST_EXIST | MLOPS_STORE_READONLY)) != 0;
	const char *want = o->backend_instance ? NULL : o->backend;
	if (want && *want == '\0')
		return mlops__error(MLOPS_EINVAL, "store '%s': backend name is empty", path);
	if (strcmp(path, ":memory:") == 0) {
		if (want && strcmp(want, "fs") == 0)
			return mlops__error(MLOPS_EINVAL, "store ':memory:': backend 'fs' needs a directory");
		p->kind = LAYOUT_MEMORY;
		p->backend = want ? want : "memory";
		return 0;
	}
	struct stat st;
	bool exists = stat(path, &st) == 0;
	if (!exists && errno != ENOENT)
		return mlops__error_errno(errno, "cannot open store '%s'", path);
	bool single = want && strcmp(want, "sqlite") == 0;
	if (exists && S_ISREG(st.st_mode)) {
		bool sq = false;
		int rc = is_sqlite_file(&sq, path);
		if (rc)
			return rc;
		if (!sq && !(single && st.st_size == 0))
			return mlops__error(MLOPS_EINVAL, "'%s' is a file but not a SQLite database, so not a store", path);
		if (want && !single)
			return mlops__error(MLOPS_EINVAL, "store '%s' is a single SQLite file; backend '%s' needs a directory",
			                    path, want);
		if (sq && (rc = check_foreign(path)) != 0)
			return rc;
		single = true;
	} else if (exists && !S_ISDIR(st.st_mode)) {
		return mlops__error(MLOPS_EINVAL, "'%s' is neither a directory nor a SQLite file", path);
	} else if (exists && single) {
		return mlops__error(MLOPS_EINVAL, "'%s' is a directory; a single-file store (backend 'sqlite') needs a "
		                    "file path", path);
	}
	if (single || (exists && S_ISREG(st.st_mode))) {
		if (!exists && must_exist)
			return mlops__error(MLOPS_ENOTFOUND, "no store at '%s'", path);
		p->kind = LAYOUT_FILE;
		p->db_path = mlops__strdup(path);
		p->location = mlops__strdup(path);
		p->backend = "sqlite";
		return p->db_path && p->location ? 0 : MLOPS_ENOMEM;
	}
	p->kind = LAYOUT_DIR;
	p->backend = want;
	if (!(p->db_path = mlops__path_join(path, "mlops.db")) || !(p->location = mlops__path_join(path, "objects")))
		return MLOPS_ENOMEM;
	if (must_exist && (!exists || access(p->db_path, F_OK) != 0))
		return mlops__error(MLOPS_ENOTFOUND, "no store at '%s'", path);
	return 0;
}

/* The caller's instance (behind a proxy until the open succeeds) or a new instance of the named backend. */
static int make_backend(mlops_backend **out, const char *name, const open_plan *p, const mlops_store_options *o,
                        const char *path)
{
	*out = NULL;
	mlops_backend *in = o->backend_instance;
	if (!in) {
		int rc = mlops_backend_new(out, name, p->location, o->sync);
		return rc ? mlops__error_prefix("cannot open store '%s'", path) : 0;
	}
	if (in->version < 1 || in->version > MLOPS_BACKEND_VERSION || !in->write || !in->read || !in->exists ||
	    !in->free)
		return mlops__error(MLOPS_EVERSION, "store '%s': backend instance has version %u or lacks "
		                    "write/read/exists/free (this library knows version 1..%d)", path, in->version,
		                    MLOPS_BACKEND_VERSION);
	return proxy_new(out, in);
}

static int check_options(const mlops_store_options *o, const char *path)
{
	if (o->version != MLOPS_STORE_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "store '%s': options version %u is unknown (this library knows %d)",
		                    path, o->version, MLOPS_STORE_OPTIONS_VERSION);
	if (o->flags & ~(MLOPS_STORE_READONLY | MLOPS_STORE_MUST_EXIST))
		return mlops__error(MLOPS_EINVAL, "store '%s': unknown flags 0x%x", path,
		                    (unsigned)(o->flags & ~(MLOPS_STORE_READONLY | MLOPS_STORE_MUST_EXIST)));
	if (o->compression_level < 0 || o->compression_level > 19)
		return mlops__error(MLOPS_EINVAL, "store '%s': compression level %d is outside 1..19", path,
		                    o->compression_level);
	if (o->sync != MLOPS_SYNC_NORMAL && o->sync != MLOPS_SYNC_FULL && o->sync != MLOPS_SYNC_OFF)
		return mlops__error(MLOPS_EINVAL, "store '%s': unknown sync mode %d", path, o->sync);
	if (o->busy_timeout_ms < 0)
		return mlops__error(MLOPS_EINVAL, "store '%s': busy timeout %d ms is negative", path, o->busy_timeout_ms);
	return 0;
}

/* A directory store opened without a backend name uses the one recorded when it was created. */
static int recorded_backend(char **out, mlops_db *db)
{
	*out = NULL;
	char *name = NULL;
	int rc = mlops_store__meta_get(&name, db, "backend");
	if (rc)
		return rc;
	if (name && (strcmp(name, "fs") == 0 || strcmp(name, "custom") == 0 || strcmp(name, "sqlite") == 0)) {
		free(name);
		name = NULL;
	}
	*out = name;
	return 0;
}

int mlops_store_open(mlops_store **out, const char *path, const mlops_store_options *opts)
{
	if (!out)
		return mlops__error(MLOPS_EINVAL, "mlops_store_open: out is NULL");
	*out = NULL;
	if (mlops__str_empty(path))
		return mlops__error(MLOPS_EINVAL, "mlops_store_open: path is empty");
	mlops_store_options defaults = MLOPS_STORE_OPTIONS_INIT;
	const mlops_store_options *o = opts ? opts : &defaults;
	int rc = check_options(o, path);
	if (rc)
		return rc;
	mlops_store *s = mlops__calloc(1, sizeof(*s));
	if (!s)
		return MLOPS_ENOMEM;
	s->refs = 1;
	s->flags = o->flags;
	s->sync = o->sync;
	s->path = mlops__strdup(path);
	s->actor = pick_actor(o->actor);
	open_plan plan;
	memset(&plan, 0, sizeof(plan));
	char *recorded = NULL;
	mlops_backend *backend = NULL;
	if (!s->path || !s->actor) {
		rc = MLOPS_ENOMEM;
		goto fail;
	}
	if ((rc = plan_open(&plan, path, o)) != 0)
		goto fail;
	/* A backend known up front is created before anything is written, so that a bad name or a failing backend
	 * leaves no half-made store behind. */
	const char *backend_name = o->backend_instance ? "custom" : plan.backend;
	if (backend_name && (rc = make_backend(&backend, backend_name, &plan, o, path)) != 0)
		goto fail;
	bool readonly = (o->flags & MLOPS_STORE_READONLY) != 0;
	if (plan.kind == LAYOUT_DIR && !(o->flags & (MLOPS_STORE_MUST_EXIST | MLOPS_STORE_READONLY)) &&
	    (rc = mlops__mkdir_p(path, 0755)) != 0) {
		mlops__error_prefix("cannot create store '%s'", path);
		goto fail;
	}
	unsigned dbflags = plan.kind == LAYOUT_MEMORY ? MLOPS_DB_MEMORY
	                   : readonly                 ? MLOPS_DB_READONLY
	                   : (o->flags & MLOPS_STORE_MUST_EXIST) ? 0
	                                                         : MLOPS_DB_CREATE;
	int busy = o->busy_timeout_ms > 0 ? o->busy_timeout_ms : DEFAULT_BUSY_MS;
	if ((rc = mlops__db_open(&s->db, plan.db_path, dbflags, busy, o->sync)) != 0) {
		if (rc == MLOPS_ENOTFOUND)
			rc = mlops__error(MLOPS_ENOTFOUND, "no store at '%s'", path);
		goto fail;
	}
	if (!backend_name) {
		/* a directory store opened without a name: the backend it was created with */
		if ((rc = recorded_backend(&recorded, s->db)) != 0)
			goto fail;
		backend_name = recorded ? recorded : "fs";
		if ((rc = make_backend(&backend, backend_name, &plan, o, path)) != 0)
			goto fail;
	}
	if ((rc = mlops_store__migrate(s->db, path, readonly, backend_name, s->actor)) != 0)
		goto fail;
	int level = o->compression_level ? o->compression_level : DEFAULT_LEVEL;
	rc = mlops__odb_open(&s->odb, backend, level, o->sync);
	backend = NULL; /* the odb owns it now, also on failure */
	if (rc)
		goto fail;
	mlops__db_set_before_write(s->db, flush_objects, s);
	if (o->backend_instance)
		proxy_adopt(mlops__odb_backend(s->odb));
	free(recorded);
	plan_free(&plan);
	*out = s;
	return 0;
fail:
	mlops_backend_free(backend);
	free(recorded);
	plan_free(&plan);
	mlops__db_close(s->db);
	free(s->path);
	free(s->actor);
	free(s);
	return rc;
}

typedef struct count_acc {
	uint64_t n, bytes;
} count_acc;

static int count_blob(const char *key, uint64_t size, int64_t mtime_s, void *payload)
{
	(void)key;
	(void)mtime_s;
	count_acc *a = payload;
	a->n++;
	a->bytes += size;
	return 0;
}

static int count_rows(uint64_t *out, mlops_db *db, const char *sql)
{
	int64_t v = 0;
	int rc = mlops__db_query_int64(db, &v, sql);
	*out = v > 0 ? (uint64_t)v : 0;
	return rc;
}

int mlops_store_info_get(mlops_store_info *out, mlops_store *store)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_store_info_get: out and store must not be NULL");
	if (out->version != MLOPS_STORE_INFO_VERSION)
		return mlops__error(MLOPS_EVERSION, "store info version %u is unknown (this library knows %d)",
		                    out->version, MLOPS_STORE_INFO_VERSION);
	mlops_store_info info = { .version = out->version };
	int64_t uv = 0;
	int rc = mlops__db_begin_read(store->db);
	if (rc)
		return mlops__error_prefix("store '%s'", store->path);
	if (!(rc = mlops__db_query_int64(store->db, &uv, "PRAGMA user_version")) &&
	    !(rc = mlops__db_size(store->db, &info.metadata_bytes)) &&
	    !(rc = count_rows(&info.pin_count, store->db, "SELECT count(*) FROM store_pins")) &&
	    !(rc = count_rows(&info.lineage_edges, store->db, "SELECT count(*) FROM store_lineage")))
		rc = count_rows(&info.audit_rows, store->db, "SELECT count(*) FROM store_audit");
	if (rc) {
		mlops__db_rollback(store->db);
		return mlops__error_prefix("store '%s': cannot read info", store->path);
	}
	if ((rc = mlops__db_commit(store->db)) != 0)
		return mlops__error_prefix("store '%s'", store->path);
	info.format_version = (int)uv;
	if (mlops__odb_backend(store->odb)->list) {
		count_acc acc = { 0, 0 };
		if ((rc = mlops__odb_list(store->odb, count_blob, &acc)) != 0)
			return mlops__error_prefix("store '%s': cannot list blobs", store->path);
		info.object_count = acc.n;
		info.object_bytes = acc.bytes;
	}
	*out = info;
	return 0;
}
