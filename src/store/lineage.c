/*
 * Lineage (store_lineage): adding typed edges between nodes (kind, id) and walking them breadth first in either
 * direction. A walk expands each node once, so every edge is reported once and cycles end the walk.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

#define MAX_FIELD 4096

static int check_field(const char *what, const char *s)
{
	if (mlops__str_empty(s))
		return mlops__error(MLOPS_EINVAL, "lineage: %s is empty", what);
	size_t n = strnlen(s, MAX_FIELD + 1);
	if (n > MAX_FIELD)
		return mlops__error(MLOPS_EINVAL, "lineage: %s '%.40s...' is longer than %d bytes", what, s, MAX_FIELD);
	if (!mlops__utf8_valid(s, n))
		return mlops__error(MLOPS_EINVAL, "lineage: %s is not valid UTF-8", what);
	return 0;
}

static int check_node(const char *side, const char *kind, const char *id)
{
	char what[32];
	strcpy(what, side);
	strcat(what, " kind");
	int rc = check_field(what, kind);
	if (rc)
		return rc;
	strcpy(what, side);
	strcat(what, " id");
	return check_field(what, id);
}

/* 1 when a row was added, 0 when the edge existed. */
static int insert_edge(mlops_store *store, const char *from_kind, const char *from_id, const char *to_kind,
                       const char *to_id, const char *relation)
{
	mlops_db *db = store->db;
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "INSERT OR IGNORE INTO store_lineage(from_kind, from_id, to_kind, to_id, "
	                                    "relation, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!rc)
		rc = mlops__db_bind_text(st, 1, from_kind);
	if (!rc)
		rc = mlops__db_bind_text(st, 2, from_id);
	if (!rc)
		rc = mlops__db_bind_text(st, 3, to_kind);
	if (!rc)
		rc = mlops__db_bind_text(st, 4, to_id);
	if (!rc)
		rc = mlops__db_bind_text(st, 5, relation);
	if (!rc && sqlite3_bind_int64(st, 6, mlops__now_ms()) != SQLITE_OK)
		rc = mlops__db_error(db, sqlite3_errcode(mlops__db_sqlite(db)), "cannot bind a time");
	if (!rc)
		rc = mlops__db_step(db, st, "cannot add a lineage edge");
	mlops__db_done(st);
	if (rc)
		return mlops__error_prefix("lineage %s '%s' -> %s '%s' (%s)", from_kind, from_id, to_kind, to_id, relation);
	return sqlite3_changes(mlops__db_sqlite(db)) > 0 ? 1 : 0;
}

static int check_edge(const char *from_kind, const char *from_id, const char *to_kind, const char *to_id,
                      const char *relation)
{
	int rc = check_node("from", from_kind, from_id);
	if (!rc)
		rc = check_node("to", to_kind, to_id);
	if (!rc)
		rc = check_field("relation", relation);
	return rc;
}

int mlops_store__lineage_add(mlops_store *store, const char *from_kind, const char *from_id, const char *to_kind,
                             const char *to_id, const char *relation)
{
	int rc = check_edge(from_kind, from_id, to_kind, to_id, relation);
	if (rc)
		return rc;
	rc = insert_edge(store, from_kind, from_id, to_kind, to_id, relation);
	return rc < 0 ? rc : 0;
}

int mlops_lineage_add(mlops_store *store, const char *from_kind, const char *from_id, const char *to_kind,
                      const char *to_id, const char *relation)
{
	if (!store)
		return mlops__error(MLOPS_EINVAL, "mlops_lineage_add: store is NULL");
	int rc = check_edge(from_kind, from_id, to_kind, to_id, relation);
	if (!rc)
		rc = mlops_store__check_writable(store, "lineage add");
	if (rc)
		return rc;
	mlops_buf detail = MLOPS_BUF_INIT;
	mlops_json j;
	mlops__json_init(&j, &detail);
	mlops__json_object_begin(&j);
	mlops__json_key(&j, "to_kind");
	mlops__json_string(&j, to_kind);
	mlops__json_key(&j, "to_id");
	mlops__json_string(&j, to_id);
	mlops__json_key(&j, "relation");
	mlops__json_string(&j, relation);
	mlops__json_object_end(&j);
	if ((rc = mlops__json_finish(&j)) != 0)
		goto out;
	if ((rc = mlops_store__begin_write(store)) != 0)
		goto out;
	rc = insert_edge(store, from_kind, from_id, to_kind, to_id, relation);
	if (rc == 1)
		rc = mlops_store__audit(store, "lineage.add", from_kind, from_id, detail.data);
	if (rc == 0)
		rc = mlops__db_commit(store->db);
	else
		mlops__db_rollback(store->db);
out:
	mlops__buf_free(&detail);
	return rc;
}

/* ---- walking ---- */

typedef struct edge {
	char *strs;          /* from_kind, from_id, to_kind, to_id, relation, NUL-separated */
	int64_t created_ms;
	int depth;
} edge;

struct mlops_lineage_iter {
	mlops_store *store;
	edge *edges;
	size_t n, cap, pos;
};

/* Nodes already expanded, as "kind\0id" keys in an open-addressing table. */
typedef struct seen_set {
	char **keys;
	size_t cap, count;
} seen_set;

static uint64_t node_hash(const char *kind, const char *id)
{
	size_t a = strlen(kind), b = strlen(id);
	return mlops__hash64(kind, a) * 31u ^ mlops__hash64(id, b);
}

static bool same_node(const char *key, const char *kind, const char *id)
{
	size_t a = strlen(kind);
	return strcmp(key, kind) == 0 && strcmp(key + a + 1, id) == 0;
}

/* 1 when added, 0 when present, negative on error. */
static int seen_add(seen_set *s, const char *kind, const char *id)
{
	if ((s->count + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		char **nk = mlops__calloc(ncap, sizeof(*nk));
		if (!nk)
			return MLOPS_ENOMEM;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->keys[i])
				continue;
			const char *k = s->keys[i];
			size_t j = node_hash(k, k + strlen(k) + 1) & (ncap - 1);
			while (nk[j])
				j = (j + 1) & (ncap - 1);
			nk[j] = s->keys[i];
		}
		free(s->keys);
		s->keys = nk;
		s->cap = ncap;
	}
	size_t j = node_hash(kind, id) & (s->cap - 1);
	while (s->keys[j]) {
		if (same_node(s->keys[j], kind, id))
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
	size_t a = strlen(kind), b = strlen(id);
	char *k = mlops__malloc(a + b + 2);
	if (!k)
		return MLOPS_ENOMEM;
	memcpy(k, kind, a + 1);
	memcpy(k + a + 1, id, b + 1);
	s->keys[j] = k;
	s->count++;
	return 1;
}

static void seen_free(seen_set *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->keys[i]);
	free(s->keys);
}

static const char *field(const char *strs, int k)
{
	while (k-- > 0)
		strs += strlen(strs) + 1;
	return strs;
}

static int push_edge(mlops_lineage_iter *it, sqlite3_stmt *st, int depth)
{
	if (it->n == it->cap) {
		size_t ncap = it->cap ? it->cap * 2 : 16;
		edge *e = mlops__realloc(it->edges, ncap * sizeof(*e));
		if (!e)
			return MLOPS_ENOMEM;
		it->edges = e;
		it->cap = ncap;
	}
	size_t len[5], total = 0;
	for (int i = 0; i < 5; i++) {
		const char *s = (const char *)sqlite3_column_text(st, i);
		len[i] = s ? strlen(s) : 0;
		total += len[i] + 1;
	}
	char *buf = mlops__malloc(total), *p = buf;
	if (!buf)
		return MLOPS_ENOMEM;
	for (int i = 0; i < 5; i++) {
		const char *s = (const char *)sqlite3_column_text(st, i);
		if (len[i])
			memcpy(p, s, len[i]);
		p[len[i]] = '\0';
		p += len[i] + 1;
	}
	it->edges[it->n].strs = buf;
	it->edges[it->n].created_ms = sqlite3_column_int64(st, 5);
	it->edges[it->n].depth = depth;
	it->n++;
	return 0;
}

/* Append the edges of one node (at depth - 1) to the iterator. */
static int expand(mlops_lineage_iter *it, const char *kind, const char *id, int direction, int depth)
{
	mlops_db *db = it->store->db;
	const char *sql = direction == MLOPS_LINEAGE_DOWNSTREAM
	                      ? "SELECT from_kind, from_id, to_kind, to_id, relation, created_ms FROM store_lineage "
	                        "WHERE from_kind = ?1 AND from_id = ?2 ORDER BY id"
	                      : "SELECT from_kind, from_id, to_kind, to_id, relation, created_ms FROM store_lineage "
	                        "WHERE to_kind = ?1 AND to_id = ?2 ORDER BY id";
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, sql);
	if (!rc)
		rc = mlops__db_bind_text(st, 1, kind);
	if (!rc)
		rc = mlops__db_bind_text(st, 2, id);
	while (!rc && (rc = mlops__db_step(db, st, "cannot read lineage")) == 1)
		rc = push_edge(it, st, depth);
	mlops__db_done(st);
	return rc < 0 ? rc : 0;
}

static int walk(mlops_lineage_iter *it, const char *kind, const char *id, int direction, int max_depth)
{
	seen_set seen = { NULL, 0, 0 };
	int rc = seen_add(&seen, kind, id);
	if (rc < 0)
		goto out;
	rc = expand(it, kind, id, direction, 1);
	/* it->edges doubles as the BFS queue: edge i leads to the node that is expanded next. */
	for (size_t i = 0; !rc && i < it->n; i++) {
		int d = it->edges[i].depth;
		if (max_depth > 0 && d >= max_depth)
			break; /* edges are in depth order: nothing later is shallower */
		const char *nk = field(it->edges[i].strs, direction == MLOPS_LINEAGE_DOWNSTREAM ? 2 : 0);
		const char *ni = field(it->edges[i].strs, direction == MLOPS_LINEAGE_DOWNSTREAM ? 3 : 1);
		rc = seen_add(&seen, nk, ni);
		if (rc == 1)
			rc = expand(it, nk, ni, direction, d + 1);
	}
out:
	seen_free(&seen);
	return rc < 0 ? rc : 0;
}

void mlops_lineage_iter_free(mlops_lineage_iter *it)
{
	if (!it)
		return;
	for (size_t i = 0; i < it->n; i++)
		free(it->edges[i].strs);
	free(it->edges);
	mlops_store__unref(it->store);
	free(it);
}

int mlops_lineage_walk(mlops_lineage_iter **out, mlops_store *store, const char *kind, const char *id,
                       int direction, int max_depth)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_lineage_walk: out and store must not be NULL");
	*out = NULL;
	int rc = check_node("start", kind, id);
	if (rc)
		return rc;
	if (direction != MLOPS_LINEAGE_DOWNSTREAM && direction != MLOPS_LINEAGE_UPSTREAM)
		return mlops__error(MLOPS_EINVAL, "lineage walk: unknown direction %d", direction);
	if (max_depth < 0)
		return mlops__error(MLOPS_EINVAL, "lineage walk: max_depth %d is negative", max_depth);
	mlops_lineage_iter *it = mlops__calloc(1, sizeof(*it));
	if (!it)
		return MLOPS_ENOMEM;
	it->store = store;
	mlops_store__ref(store);
	/* One read transaction: the walk sees one snapshot of the graph. */
	if ((rc = mlops__db_begin_read(store->db)) == 0) {
		rc = walk(it, kind, id, direction, max_depth);
		if (rc)
			mlops__db_rollback(store->db);
		else
			rc = mlops__db_commit(store->db);
	}
	if (rc) {
		mlops__error_prefix("lineage walk from %s '%s'", kind, id);
		mlops_lineage_iter_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

int mlops_lineage_next(mlops_lineage_edge *out, mlops_lineage_iter *it)
{
	if (!out || !it)
		return mlops__error(MLOPS_EINVAL, "mlops_lineage_next: out and iter must not be NULL");
	if (it->pos >= it->n)
		return MLOPS_ITEROVER;
	const edge *e = &it->edges[it->pos++];
	out->from_kind = field(e->strs, 0);
	out->from_id = field(e->strs, 1);
	out->to_kind = field(e->strs, 2);
	out->to_id = field(e->strs, 3);
	out->relation = field(e->strs, 4);
	out->created_ms = e->created_ms;
	out->depth = e->depth;
	return 0;
}
