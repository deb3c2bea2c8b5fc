/*
 * The datasets module's tables (prefix datasets_), their migrations and gc roots, as the store sees them
 * (mlops_datasets__module). The tables are described in docs/format.md, section "Datasets".
 *
 * Conventions shared by the tables:
 *  - datasets, versions and working directories are referenced by integer row ids inside the module (did, vid,
 *    wid) and by their public names / 32-hex ids outside it;
 *  - a version's tree (paths, sizes, modes, content ids) lives in a manifest object in the object store, not in
 *    rows; the rows keep what queries need: the version's header, its parents, the set of objects it references
 *    (the gc root) and, per tabular content, its profile;
 *  - times are int64 milliseconds since the epoch, file times int64 nanoseconds.
 */
#include "store/store.h"

static const char datasets_schema_v1[] =
	/* Datasets by name; `did` is internal. A dataset exists from its first version on. */
	"CREATE TABLE datasets_datasets ("
	"  did INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created_ms INTEGER NOT NULL"
	");"
	/* Versions. `version_id` is the public id (XXH128 of the canonical version text, docs/format.md);
	 * `seq` numbers the versions of a dataset in this store from 1 (name@v<seq>), allocated inside the
	 * committing transaction as max + 1. `manifest_id` is the tree manifest object. `is_file` is 1 for a
	 * version committed from a single file. `metadata` is a JSON object text. `run_id` is the producing run
	 * (also a lineage edge), NULL when none. */
	"CREATE TABLE datasets_versions ("
	"  vid INTEGER PRIMARY KEY,"
	"  version_id TEXT NOT NULL UNIQUE,"
	"  did INTEGER NOT NULL REFERENCES datasets_datasets(did),"
	"  seq INTEGER NOT NULL,"
	"  manifest_id TEXT NOT NULL,"
	"  is_file INTEGER NOT NULL CHECK (is_file IN (0, 1)),"
	"  file_count INTEGER NOT NULL,"
	"  total_bytes INTEGER NOT NULL,"
	"  message TEXT NOT NULL DEFAULT '',"
	"  metadata TEXT NOT NULL DEFAULT '{}',"
	"  author TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  run_id TEXT,"
	"  UNIQUE (did, seq)"
	");"
	"CREATE INDEX datasets_versions_by_manifest ON datasets_versions(manifest_id);"
	/* Parents of a version in order (position 0 is the first parent). `parent_id` is the parent's public id
	 * as text, without a foreign key: a version received by push/pull may name parents the store lacks. */
	"CREATE TABLE datasets_parents ("
	"  vid INTEGER NOT NULL REFERENCES datasets_versions(vid) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"
	"  parent_id TEXT NOT NULL,"
	"  PRIMARY KEY (vid, position)"
	") WITHOUT ROWID;"
	/* Tags (is_tag 1: fixed) and refs (is_tag 0: movable) of a dataset share one namespace per dataset, which
	 * the primary key enforces. */
	"CREATE TABLE datasets_refs ("
	"  did INTEGER NOT NULL REFERENCES datasets_datasets(did),"
	"  name TEXT NOT NULL,"
	"  is_tag INTEGER NOT NULL CHECK (is_tag IN (0, 1)),"
	"  vid INTEGER NOT NULL REFERENCES datasets_versions(vid) ON DELETE CASCADE,"
	"  updated_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (did, name)"
	") WITHOUT ROWID;"
	"CREATE INDEX datasets_refs_by_version ON datasets_refs(vid);"
	/* Every object a version references: its manifest and the content of each of its files, once per
	 * (object, version). This is the module's gc root, and tells a commit that a content id found in the stat
	 * cache is stored (and kept by gc) in this store. */
	"CREATE TABLE datasets_objects ("
	"  oid TEXT NOT NULL,"
	"  vid INTEGER NOT NULL REFERENCES datasets_versions(vid) ON DELETE CASCADE,"
	"  PRIMARY KEY (oid, vid)"
	") WITHOUT ROWID;"
	"CREATE INDEX datasets_objects_by_version ON datasets_objects(vid);"
	/* Profiles of tabular content, keyed by content id and format (the format follows the file name), so that
	 * identical content is profiled once whatever its path or version. Either rows/schema_json/stats_json are
	 * set (the JSON texts of mlops_datasets__profile) or `error` says why the content did not parse. */
	"CREATE TABLE datasets_profiles ("
	"  oid TEXT NOT NULL,"
	"  format TEXT NOT NULL,"
	"  rows INTEGER,"
	"  schema_json TEXT,"
	"  stats_json TEXT,"
	"  error TEXT,"
	"  created_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (oid, format)"
	") WITHOUT ROWID;"
	/* Working directories (and parent directories of committed single files) by absolute, symlink-free path.
	 * `vid` is the directory's head: the version last committed from or checked out into it, NULL when none. */
	"CREATE TABLE datasets_workdirs ("
	"  wid INTEGER PRIMARY KEY,"
	"  root TEXT NOT NULL UNIQUE,"
	"  vid INTEGER REFERENCES datasets_versions(vid) ON DELETE SET NULL,"
	"  updated_ms INTEGER NOT NULL"
	");"
	/* The stat cache of a working directory: what lstat said about a file (size, mtime, ctime, inode, mode)
	 * when its content id was computed, and when that was (`cached_ns`, taken before the file was read). An
	 * entry is trusted only when the stat still matches and mtime_ns is at least 2 s older than cached_ns
	 * (racy-git rule). `oid` is a content id; it is stored in this store only if datasets_objects lists it. */
	"CREATE TABLE datasets_statcache ("
	"  wid INTEGER NOT NULL REFERENCES datasets_workdirs(wid) ON DELETE CASCADE,"
	"  path TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  mtime_ns INTEGER NOT NULL,"
	"  ctime_ns INTEGER NOT NULL,"
	"  ino INTEGER NOT NULL,"
	"  mode INTEGER NOT NULL,"
	"  oid TEXT NOT NULL,"
	"  cached_ns INTEGER NOT NULL,"
	"  PRIMARY KEY (wid, path)"
	") WITHOUT ROWID;";

static const mlops__migration datasets_migrations[] = {
	{ .version = 1, .sql = datasets_schema_v1, .fn = NULL },
};

static const char *const datasets_gc_roots[] = {
	"SELECT DISTINCT oid FROM datasets_objects",
	"SELECT manifest_id FROM datasets_versions",
	NULL,
};

const mlops__module mlops_datasets__module = {
	.name = "datasets",
	.migrations = datasets_migrations,
	.n_migrations = sizeof(datasets_migrations) / sizeof(datasets_migrations[0]),
	.gc_roots = datasets_gc_roots,
};
