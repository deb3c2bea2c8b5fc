/*
 * Checking out a version into a working directory. Plan first (what is there, what the directory's head version
 * had, what the new version wants), refuse local modifications before touching anything, then remove what the
 * head had and the new version drops (when unmodified), write each new or changed file to a temporary name in its
 * directory and rename it into place (mode set, synced unless the store's sync mode is OFF), and finally record
 * the stat cache and the new head in one transaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/ds_int.h"

#define IO_BUF (1u << 20)
#define MAX_LISTED 10

int mlops_dataset_checkout_options_init(mlops_dataset_checkout_options *opts, unsigned int version)
{
	if (!opts)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_checkout_options_init: opts is NULL");
	if (version != MLOPS_DATASET_CHECKOUT_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "dataset checkout options version %u is not supported (expected %u)",
		                    version, MLOPS_DATASET_CHECKOUT_OPTIONS_VERSION);
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	return 0;
}

enum { ACT_NONE = 0, ACT_WRITE, ACT_CHMOD, ACT_UNCHANGED, ACT_REMOVE, ACT_KEEP, ACT_CONFLICT };

typedef struct item {
	const ds_entry *t;   /* in the new version, or NULL */
	const ds_entry *h;   /* in the head version, or NULL */
	size_t local;        /* index into locals, or SIZE_MAX when nothing is there */
	int action;
} item;

typedef struct co_ctx {
	mlops_store *store;
	char *root;
	bool force;
	ds_version target;
	ds_manifest tm;
	ds_version head;
	ds_manifest hm;
	ds_cache cache;
	item *items;
	size_t n_items;
	ds_file *locals;     /* files present in the directory at a path of either version */
	size_t n_locals;
	mlops_buf conflicts;
	size_t n_conflicts;
	int64_t start_ns;
	const char **removed;
	size_t n_removed;
} co_ctx;

static void ctx_free(co_ctx *c)
{
	free(c->root);
	mlops_datasets__version_clear(&c->target);
	mlops_datasets__manifest_free(&c->tm);
	mlops_datasets__version_clear(&c->head);
	mlops_datasets__manifest_free(&c->hm);
	mlops_datasets__cache_free(&c->cache);
	free(c->items);
	for (size_t i = 0; i < c->n_locals; i++)
		free(c->locals[i].path);
	free(c->locals);
	mlops__buf_free(&c->conflicts);
	free(c->removed);
}

/* What is at root/path: 0 absent, 1 a file or link (st filled), 2 a directory or something else in the way,
 * 3 a parent component that is a symbolic link or not a directory. */
static int probe(const char *root, const char *path, struct stat *st)
{
	char *full = mlops__sprintf("%s/%s", root, path);
	if (!full)
		return -1;
	int kind = 0;
	for (char *s = full + strlen(root) + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		struct stat ps;
		int r = lstat(full, &ps);
		*s = '/';
		if (r != 0)
			break; /* absent parent: created at write time */
		if (!S_ISDIR(ps.st_mode)) {
			kind = 3;
			break;
		}
	}
	if (kind == 0 && lstat(full, st) == 0)
		kind = S_ISREG(st->st_mode) || S_ISLNK(st->st_mode) ? 1 : 2;
	free(full);
	return kind;
}

static void add_conflict(co_ctx *c, const char *path, const char *why)
{
	if (c->n_conflicts < MAX_LISTED)
		mlops__buf_printf(&c->conflicts, "%s'%s' (%s)", c->n_conflicts ? ", " : "", path, why);
	c->n_conflicts++;
}

static bool same_kind(uint32_t local_mode, uint32_t entry_mode)
{
	return S_ISLNK(local_mode) == S_ISLNK(entry_mode);
}

static int plan(co_ctx *c)
{
	size_t cap = c->tm.count + c->hm.count;
	c->items = mlops__calloc(cap ? cap : 1, sizeof(item));
	c->locals = mlops__calloc(cap ? cap : 1, sizeof(ds_file));
	if (!c->items || !c->locals)
		return MLOPS_ENOMEM;
	size_t i = 0, k = 0;
	while (i < c->tm.count || k < c->hm.count) {
		int d = i >= c->tm.count ? 1 : k >= c->hm.count ? -1 : strcmp(c->tm.entries[i].path, c->hm.entries[k].path);
		item *it = &c->items[c->n_items++];
		it->t = d <= 0 ? &c->tm.entries[i++] : NULL;
		it->h = d >= 0 ? &c->hm.entries[k++] : NULL;
		it->local = SIZE_MAX;
		const char *path = it->t ? it->t->path : it->h->path;
		struct stat st;
		int kind = probe(c->root, path, &st);
		if (kind < 0)
			return MLOPS_ENOMEM;
		if (kind == 3) {
			if (it->t)
				add_conflict(c, path, "a parent is a symbolic link or a file");
			it->action = it->t ? ACT_CONFLICT : ACT_NONE;
			continue;
		}
		if (kind == 2) {
			if (it->t)
				add_conflict(c, path, "a directory or special file is in the way");
			it->action = it->t ? ACT_CONFLICT : ACT_NONE;
			continue;
		}
		if (kind == 1) {
			ds_file *f = &c->locals[c->n_locals];
			memset(f, 0, sizeof(*f));
			if (!(f->path = mlops__strdup(path)))
				return MLOPS_ENOMEM;
			mlops_datasets__file_from_stat(f, &st);
			if (S_ISLNK(st.st_mode))
				f->mode = S_IFLNK | 0777;
			it->local = c->n_locals++;
		}
	}
	/* Content ids of what is there: the stat cache when it vouches, else read (in parallel). */
	size_t *idx = mlops__calloc(c->n_locals ? c->n_locals : 1, sizeof(size_t));
	if (!idx)
		return MLOPS_ENOMEM;
	size_t n_idx = 0;
	for (size_t j = 0; j < c->n_locals; j++) {
		ds_file *f = &c->locals[j];
		const ds_cache_row *r = mlops_datasets__cache_find(&c->cache, f->path);
		if (r && mlops_datasets__cache_trusted(r, f)) {
			f->oid = r->oid;
			f->state = DS_FILE_CACHED;
		} else {
			idx[n_idx++] = j;
		}
	}
	uint64_t bytes;
	int rc = mlops_datasets__hash_files(c->root, false, c->locals, idx, n_idx, 0, &bytes);
	free(idx);
	if (rc)
		return rc;
	for (size_t j = 0; j < c->n_items; j++) {
		item *it = &c->items[j];
		if (it->action)
			continue;
		ds_file *f = it->local == SIZE_MAX ? NULL : &c->locals[it->local];
		const char *path = it->t ? it->t->path : it->h->path;
		if (!it->t) {
			if (!f)
				it->action = ACT_NONE;
			else if (memcmp(f->oid.bytes, it->h->oid.bytes, 16) == 0 && same_kind(f->mode, it->h->mode))
				it->action = ACT_REMOVE;
			else
				it->action = ACT_KEEP;
			continue;
		}
		if (!f) {
			it->action = ACT_WRITE;
		} else if (memcmp(f->oid.bytes, it->t->oid.bytes, 16) == 0 && same_kind(f->mode, it->t->mode)) {
			it->action = S_ISLNK(f->mode) || (f->mode & 0777) == (it->t->mode & 0777) ? ACT_UNCHANGED : ACT_CHMOD;
		} else if (it->h && memcmp(f->oid.bytes, it->h->oid.bytes, 16) == 0 && same_kind(f->mode, it->h->mode)) {
			it->action = ACT_WRITE;
		} else if (c->force) {
			it->action = ACT_WRITE;
		} else {
			it->action = ACT_CONFLICT;
			add_conflict(c, path, "locally modified");
		}
	}
	return 0;
}

/* Create the parent directories of path under root, refusing to go through anything but real directories. */
static int make_parents(const char *root, const char *path)
{
	char *full = mlops__sprintf("%s/%s", root, path);
	if (!full)
		return MLOPS_ENOMEM;
	int rc = 0;
	for (char *s = full + strlen(root) + 1; *s && !rc; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		struct stat st;
		if (lstat(full, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				rc = mlops__error(MLOPS_ECONFLICT, "cannot create '%s/%s': '%s' is not a directory", root, path,
				                  full);
		} else if (errno != ENOENT || (mkdir(full, 0755) != 0 && errno != EEXIST)) {
			rc = mlops__error_errno(errno, "cannot create directory '%s'", full);
		}
		*s = '/';
	}
	free(full);
	return rc;
}

static int write_all(int fd, const uint8_t *p, size_t n, const char *path)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return mlops__error_errno(errno, "cannot write '%s'", path);
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write one entry atomically: temporary name in the same directory, then rename over the old file. */
static int write_entry(co_ctx *c, const ds_entry *e, uint8_t *buf)
{
	int rc = make_parents(c->root, e->path);
	if (rc)
		return rc;
	char rnd[MLOPS_OID_BUFSIZE];
	if ((rc = mlops__random_hex32(rnd)) != 0)
		return rc;
	const char *slash = strrchr(e->path, '/');
	const char *base = slash ? slash + 1 : e->path;
	char *full = mlops__sprintf("%s/%s", c->root, e->path);
	char *tmp = slash ? mlops__sprintf("%s/%.*s/.%s.mlops-tmp-%.16s", c->root, (int)(slash - e->path), e->path,
	                                   base, rnd)
	                  : mlops__sprintf("%s/.%s.mlops-tmp-%.16s", c->root, base, rnd);
	if (!full || !tmp) {
		free(full);
		free(tmp);
		return MLOPS_ENOMEM;
	}
	mlops_odb *odb = mlops_store__odb(c->store);
	bool sync = c->store->sync != MLOPS_SYNC_OFF;
	if (S_ISLNK(e->mode)) {
		void *target = NULL;
		size_t n = 0;
		rc = mlops__odb_get(&target, &n, odb, &e->oid);
		char *t = rc ? NULL : mlops__strndup(target, n);
		free(target);
		if (!rc && !t)
			rc = MLOPS_ENOMEM;
		if (!rc && symlink(t, tmp) != 0)
			rc = mlops__error_errno(errno, "cannot create the link '%s'", tmp);
		free(t);
	} else {
		mlops_odb_reader *r = NULL;
		rc = mlops__odb_reader_new(&r, odb, &e->oid);
		int fd = -1;
		if (!rc && (fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
			rc = mlops__error_errno(errno, "cannot create '%s'", tmp);
		while (!rc) {
			size_t n;
			if ((rc = mlops__odb_reader_read(&n, r, buf, IO_BUF)) != 0 || n == 0)
				break;
			rc = write_all(fd, buf, n, tmp);
		}
		if (!rc && fchmod(fd, (mode_t)(e->mode & 0777)) != 0)
			rc = mlops__error_errno(errno, "cannot set the mode of '%s'", tmp);
		if (!rc && sync && fsync(fd) != 0)
			rc = mlops__error_errno(errno, "cannot fsync '%s'", tmp);
		if (fd >= 0 && close(fd) != 0 && !rc)
			rc = mlops__error_errno(errno, "cannot close '%s'", tmp);
		mlops__odb_reader_free(r);
	}
	if (!rc && rename(tmp, full) != 0)
		rc = mlops__error_errno(errno, "cannot rename '%s' to '%s'", tmp, full);
	if (rc) {
		unlink(tmp);
		mlops__error_prefix("cannot check out '%s'", e->path);
	}
	free(tmp);
	free(full);
	return rc;
}

/* Remove the directories that removing path may have emptied, up to (not including) root. */
static void prune_dirs(const char *root, const char *path)
{
	char *full = mlops__sprintf("%s/%s", root, path);
	if (!full)
		return;
	size_t rootlen = strlen(root);
	for (;;) {
		char *slash = strrchr(full, '/');
		if (!slash || (size_t)(slash - full) <= rootlen)
			break;
		*slash = '\0';
		if (rmdir(full) != 0)
			break;
	}
	free(full);
}

static int execute(co_ctx *c, mlops_dataset_checkout_stats *st)
{
	c->removed = mlops__calloc(c->n_items ? c->n_items : 1, sizeof(char *));
	if (!c->removed)
		return MLOPS_ENOMEM;
	for (size_t j = 0; j < c->n_items; j++) {
		item *it = &c->items[j];
		if (it->action == ACT_KEEP)
			st->files_kept++;
		if (it->action != ACT_REMOVE)
			continue;
		char *full = mlops__sprintf("%s/%s", c->root, it->h->path);
		if (!full)
			return MLOPS_ENOMEM;
		int r = unlink(full);
		int e = errno;
		free(full);
		if (r != 0 && e != ENOENT)
			return mlops__error_errno(e, "cannot remove '%s/%s'", c->root, it->h->path);
		c->removed[c->n_removed++] = it->h->path;
		prune_dirs(c->root, it->h->path);
		st->files_removed++;
	}
	uint8_t *buf = mlops__malloc(IO_BUF);
	if (!buf)
		return MLOPS_ENOMEM;
	int rc = 0;
	for (size_t j = 0; j < c->n_items && !rc; j++) {
		item *it = &c->items[j];
		if (it->action == ACT_UNCHANGED) {
			st->files_unchanged++;
		} else if (it->action == ACT_CHMOD) {
			char *full = mlops__sprintf("%s/%s", c->root, it->t->path);
			if (!full)
				rc = MLOPS_ENOMEM;
			else if (chmod(full, (mode_t)(it->t->mode & 0777)) != 0)
				rc = mlops__error_errno(errno, "cannot set the mode of '%s'", full);
			free(full);
			st->files_unchanged++;
		} else if (it->action == ACT_WRITE) {
			rc = write_entry(c, it->t, buf);
			if (!rc) {
				st->files_written++;
				st->bytes_written += it->t->size;
			}
		}
	}
	free(buf);
	return rc;
}

/* The stat cache rows after the checkout: every file of the new version as it now is on disk. */
static int collect_cache(co_ctx *c, ds_file **out, size_t *out_n)
{
	*out = NULL;
	*out_n = 0;
	ds_file *files = mlops__calloc(c->tm.count ? c->tm.count : 1, sizeof(ds_file));
	if (!files)
		return MLOPS_ENOMEM;
	size_t n = 0;
	for (size_t j = 0; j < c->n_items; j++) {
		item *it = &c->items[j];
		if (!it->t || (it->action != ACT_WRITE && it->action != ACT_UNCHANGED && it->action != ACT_CHMOD))
			continue;
		if (it->action == ACT_UNCHANGED && it->local != SIZE_MAX && c->locals[it->local].state == DS_FILE_CACHED)
			continue; /* its cache row stays as it is */
		char *full = mlops__sprintf("%s/%s", c->root, it->t->path);
		if (!full) {
			free(files);
			return MLOPS_ENOMEM;
		}
		struct stat st;
		int r = lstat(full, &st);
		free(full);
		if (r != 0)
			continue;
		ds_file *f = &files[n++];
		memset(f, 0, sizeof(*f));
		f->path = (char *)it->t->path;
		mlops_datasets__file_from_stat(f, &st);
		if (S_ISLNK(st.st_mode))
			f->mode = S_IFLNK | 0777;
		f->oid = it->t->oid;
		f->state = DS_FILE_READ;
	}
	*out = files;
	*out_n = n;
	return 0;
}

static int record(co_ctx *c, const mlops_dataset_checkout_stats *st)
{
	ds_file *files;
	size_t n;
	int rc = collect_cache(c, &files, &n);
	if (rc)
		return rc;
	mlops_db *db = mlops_store__db(c->store);
	if ((rc = mlops__db_begin_write(db)) != 0) {
		free(files);
		return rc;
	}
	int64_t wid = 0;
	rc = mlops_datasets__workdir_id(&wid, c->store, c->root);
	if (!rc)
		rc = mlops_datasets__cache_write(c->store, wid, files, n, c->start_ns, c->removed, c->n_removed);
	if (!rc)
		rc = mlops_datasets__head_set(c->store, wid, c->target.vid);
	if (!rc) {
		mlops_buf d = MLOPS_BUF_INIT;
		mlops_json j;
		mlops__json_init(&j, &d);
		mlops__json_object_begin(&j);
		mlops__json_key(&j, "dataset");
		mlops__json_string(&j, c->target.dataset);
		mlops__json_key(&j, "dir");
		mlops__json_string(&j, c->root);
		mlops__json_key(&j, "written");
		mlops__json_uint(&j, st->files_written);
		mlops__json_key(&j, "removed");
		mlops__json_uint(&j, st->files_removed);
		mlops__json_object_end(&j);
		rc = mlops__json_finish(&j);
		if (!rc)
			rc = mlops_store__audit(c->store, "dataset.checkout", MLOPS_KIND_DATASET_VERSION,
			                        c->target.version_id, d.data);
		mlops__buf_free(&d);
	}
	free(files);
	if (!rc)
		return mlops__db_commit(db);
	mlops__db_rollback(db);
	return rc;
}

int mlops_dataset_checkout(mlops_dataset_checkout_stats *out_stats, mlops_store *store, const char *spec,
                           const char *dir, const mlops_dataset_checkout_options *opts)
{
	mlops_dataset_checkout_options defaults = MLOPS_DATASET_CHECKOUT_OPTIONS_INIT;
	if (!opts)
		opts = &defaults;
	if (!store)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_checkout: store is NULL");
	if (opts->version != MLOPS_DATASET_CHECKOUT_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "dataset checkout options version %u is not supported (expected %u)",
		                    opts->version, MLOPS_DATASET_CHECKOUT_OPTIONS_VERSION);
	if (out_stats && out_stats->version != MLOPS_DATASET_CHECKOUT_STATS_VERSION)
		return mlops__error(MLOPS_EVERSION, "dataset checkout stats version %u is not supported (expected %u)",
		                    out_stats->version, MLOPS_DATASET_CHECKOUT_STATS_VERSION);
	if (mlops__str_empty(dir))
		return mlops__error(MLOPS_EINVAL, "dataset checkout: no directory given");
	int rc = mlops_store__check_writable(store, "dataset checkout");
	if (rc)
		return rc;
	co_ctx c;
	memset(&c, 0, sizeof(c));
	c.store = store;
	c.force = (opts->flags & MLOPS_DATASET_CHECKOUT_FORCE) != 0;
	c.start_ns = mlops__now_ns();
	mlops_dataset_checkout_stats st = {.version = MLOPS_DATASET_CHECKOUT_STATS_VERSION};
	rc = mlops_datasets__version_resolve(&c.target, store, spec);
	if (!rc)
		rc = mlops_datasets__manifest_load(&c.tm, store, c.target.manifest_id);
	if (!rc)
		rc = mlops__mkdir_p(dir, 0755);
	if (!rc)
		rc = mlops_datasets__realdir(&c.root, dir);
	if (!rc)
		rc = mlops_datasets__cache_load(&c.cache, store, c.root);
	if (!rc && c.cache.head_vid) {
		rc = mlops_datasets__version_load(&c.head, store, NULL, c.cache.head_vid);
		if (!rc)
			rc = mlops_datasets__manifest_load(&c.hm, store, c.head.manifest_id);
	}
	if (!rc)
		rc = plan(&c);
	if (!rc && c.n_conflicts)
		rc = mlops__error(MLOPS_ECONFLICT, "%zu file(s) would be overwritten: %s%s; nothing was changed "
		                  "(commit them, move them away, or force the checkout)", c.n_conflicts,
		                  c.conflicts.data ? c.conflicts.data : "", c.n_conflicts > MAX_LISTED ? ", ..." : "");
	if (!rc)
		rc = execute(&c, &st);
	if (!rc)
		rc = record(&c, &st);
	if (rc)
		mlops__error_prefix("cannot check out '%s' into '%s'", spec ? spec : "(null)", dir);
	else if (out_stats)
		*out_stats = st;
	ctx_free(&c);
	return rc;
}
