/*
 * mlops_runs_search(): options, page tokens, the query over the runs tables (built by search_sql.c from the
 * parsed filter and order_by), and the page of rows with their projected params, metric summaries and tags,
 * all read in one read transaction.
 *
 * Page tokens are "p" + 16 hex digits of the offset + 16 hex digits of a hash of the query (filter, order_by,
 * experiments, view), so a token is refused by another query rather than silently paging through it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runs/search_int.h"

#define DEFAULT_MAX_RESULTS 1000
#define MAX_MAX_RESULTS 50000
#define TOKEN_LEN 33

struct mlops_run_search {
	mlops_runs__arena arena;
	mlops_run_row *rows;
	size_t n;
	size_t pos;
	char *next_token;
};

int mlops_run_search_options_init(mlops_run_search_options *opts, unsigned int version)
{
	if (!opts)
		return mlops__error(MLOPS_EINVAL, "mlops_run_search_options_init: NULL options");
	if (version != MLOPS_RUN_SEARCH_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown run search options version %u", version);
	mlops_run_search_options d = MLOPS_RUN_SEARCH_OPTIONS_INIT;
	*opts = d;
	return 0;
}

/* The parts of the options that decide the result set (not the page size nor the projection). */
static int query_hash(uint64_t *out, const mlops_run_search_options *o, int view)
{
	mlops_buf b = MLOPS_BUF_INIT;
	int rc = mlops__buf_printf(&b, "v%d", view);
	if (!rc)
		rc = mlops__buf_put(&b, "", 1);
	if (!rc && o->filter)
		rc = mlops__buf_puts(&b, o->filter);
	if (!rc)
		rc = mlops__buf_put(&b, "\0o", 2);
	for (size_t k = 0; k < o->n_order_by && !rc; k++)
		if (!(rc = mlops__buf_puts(&b, o->order_by[k])))
			rc = mlops__buf_put(&b, "", 1);
	if (!rc)
		rc = mlops__buf_put(&b, "\0e", 2);
	for (size_t k = 0; o->experiment_ids && k < o->n_experiment_ids && !rc; k++)
		if (!(rc = mlops__buf_puts(&b, o->experiment_ids[k])))
			rc = mlops__buf_put(&b, "", 1);
	if (!rc)
		*out = mlops__hash64(b.data, b.len);
	mlops__buf_free(&b);
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_hex64(uint64_t *out, const char *s)
{
	uint64_t v = 0;
	for (int k = 0; k < 16; k++) {
		int h = hexval(s[k]);
		if (h < 0)
			return -1;
		v = (v << 4) | (uint64_t)h;
	}
	*out = v;
	return 0;
}

static int token_parse(uint64_t *offset, const char *token, uint64_t hash)
{
	uint64_t h;
	if (strlen(token) != TOKEN_LEN || token[0] != 'p' || parse_hex64(offset, token + 1) ||
	    parse_hex64(&h, token + 17))
		return mlops__error(MLOPS_EINVAL, "search: malformed page token '%.40s'", token);
	if (h != hash)
		return mlops__error(MLOPS_EINVAL, "search: the page token '%s' belongs to another query (filter, order_by, "
		                    "experiments or view differ)", token);
	if (*offset > INT64_MAX / 2)
		return mlops__error(MLOPS_EINVAL, "search: page token '%s' has an out-of-range offset", token);
	return 0;
}

/* A sorted copy of a projection key list, for bsearch; NULL keys means "all". */
typedef struct keyset {
	int all;
	const char **keys;
	size_t n;
} keyset;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int keyset_init(keyset *ks, mlops_runs__arena *a, const char *const *keys, size_t n, const char *what)
{
	memset(ks, 0, sizeof(*ks));
	if (!keys) {
		ks->all = n == 0;
		if (n)
			return mlops__error(MLOPS_EINVAL, "search: %s is NULL but its count is %zu", what, n);
		return 0;
	}
	int err = 0;
	ks->keys = mlops_runs__arena_alloc(a, (n ? n : 1) * sizeof(*ks->keys), &err);
	if (!ks->keys)
		return err;
	for (size_t k = 0; k < n; k++) {
		if (!keys[k])
			return mlops__error(MLOPS_EINVAL, "search: %s[%zu] is NULL", what, k);
		ks->keys[k] = keys[k];
	}
	ks->n = n;
	qsort(ks->keys, n, sizeof(*ks->keys), cmp_str);
	return 0;
}

static int keyset_has(const keyset *ks, const char *key)
{
	if (ks->all)
		return 1;
	return ks->n && bsearch(&key, ks->keys, ks->n, sizeof(*ks->keys), cmp_str) != NULL;
}

/* Scratch array reused across rows, copied into the arena once a row's items are known. */
typedef struct scratch {
	void *v;
	size_t cap;   /* bytes */
} scratch;

static int scratch_room(scratch *s, size_t bytes)
{
	if (bytes <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 4096;
	while (cap < bytes)
		cap *= 2;
	void *v = mlops__realloc(s->v, cap);
	if (!v)
		return MLOPS_ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

/* Copy the first bytes of the scratch array into the arena, where a row's items stay; NULL with *err set when
 * out of memory. */
static void *scratch_keep(mlops_runs__arena *a, const scratch *sc, size_t bytes, int *err)
{
	void *v = mlops_runs__arena_alloc(a, bytes, err);
	if (v)
		memcpy(v, sc->v, bytes);
	return v;
}

static int fetch_kv(const mlops_runs_kv **out, size_t *out_n, mlops_run_search *s, mlops_db *db, scratch *sc,
                    const char *sql, int64_t rid, const keyset *ks)
{
	*out = NULL;
	*out_n = 0;
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, sql);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, rid);
	size_t n = 0;
	while ((rc = mlops__db_step(db, st, "search: cannot read params or tags")) == 1) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		if (!key || !keyset_has(ks, key))
			continue;
		if ((rc = scratch_room(sc, (n + 1) * sizeof(mlops_runs_kv))) != 0)
			break;
		mlops_runs_kv *kv = (mlops_runs_kv *)sc->v + n;
		int err = 0;
		kv->key = mlops_runs__arena_strdup(&s->arena, key, &err);
		kv->value = mlops_runs__arena_strdup(&s->arena, (const char *)sqlite3_column_text(st, 1), &err);
		if (err) {
			rc = err;
			break;
		}
		n++;
	}
	mlops__db_done(st);
	if (rc)
		return rc;
	if (n) {
		int err = 0;
		const mlops_runs_kv *v = scratch_keep(&s->arena, sc, n * sizeof(*v), &err);
		if (!v)
			return err;
		*out = v;
		*out_n = n;
	}
	return 0;
}

static int fetch_metrics(mlops_run_row *row, mlops_run_search *s, mlops_db *db, scratch *sc, int64_t rid,
                         const keyset *ks)
{
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db, "SELECT " MLOPS_RUNS__SUMMARY_COLUMNS " FROM runs_metrics m JOIN "
	                           "runs_metric_keys k ON k.kid = m.kid WHERE m.rid = ? ORDER BY k.key");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, rid);
	size_t n = 0;
	while ((rc = mlops__db_step(db, st, "search: cannot read metric summaries")) == 1) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		if (!key || !keyset_has(ks, key))
			continue;
		if ((rc = scratch_room(sc, (n + 1) * sizeof(mlops_metric_summary))) != 0)
			break;
		if ((rc = mlops_runs__summary_read((mlops_metric_summary *)sc->v + n, &s->arena, st, 0)) != 0)
			break;
		n++;
	}
	mlops__db_done(st);
	if (rc)
		return rc;
	if (n) {
		int err = 0;
		const mlops_metric_summary *v = scratch_keep(&s->arena, sc, n * sizeof(*v), &err);
		if (!v)
			return err;
		row->metrics = v;
		row->n_metrics = n;
	}
	return 0;
}

static const char *view_cond(int view, int plus)
{
	/* A leading '+' keeps SQLite from driving the search from the experiment index when a filter join is more
	 * selective (without statistics the planner would otherwise prefer it). */
	switch (view) {
	case 0:
	case MLOPS_VIEW_ACTIVE_ONLY: return plus ? "+r.lifecycle = 0" : "r.lifecycle = 0";
	case MLOPS_VIEW_DELETED_ONLY: return plus ? "+r.lifecycle = 1" : "r.lifecycle = 1";
	default: return "1 = 1";
	}
}

/*
 * Phases of a search. PHASE_ALL is the one query of most searches. A search without a filter conjunct to drive it
 * whose first order key is a metric's last value runs as three queries instead, so that the (kid, last_val) index
 * gives the order and the query stops after one page instead of sorting every run: the runs with a number for the
 * metric, then those with NaN, then those without it (the order the semantics ask for, in both directions).
 */
enum { PHASE_ALL = 0, PHASE_VALUES, PHASE_NAN, PHASE_MISSING };

typedef struct query_text {
	srch_sql q;
	mlops_buf select;   /* rows, LIMIT ?lim OFFSET ?off */
	mlops_buf count;    /* count(*) of the same rows, for a page that starts past this phase */
	int lim, off;       /* parameter numbers */
} query_text;

static void query_text_free(query_text *t)
{
	mlops_runs__srch_sql_free(&t->q);
	mlops__buf_free(&t->select);
	mlops__buf_free(&t->count);
}

static int build_query(query_text *t, mlops_run_search *s, mlops_store *store, const mlops_run_search_options *o,
                       int view, const srch_node *filter, const srch_order *orders, int phase)
{
	memset(t, 0, sizeof(*t));
	mlops_runs__srch_sql_init(&t->q, &s->arena, store);
	srch_sql *q = &t->q;
	int rc = mlops_runs__srch_sql_filter(q, filter);
	int driven = q->n_conj > 0 || phase == PHASE_VALUES || phase == PHASE_NAN;
	mlops_buf first = MLOPS_BUF_INIT, cond = MLOPS_BUF_INIT;
	if (!rc && phase != PHASE_ALL) {
		int k = mlops_runs__srch_bind_metric_kid(q, orders[0].id.key);
		if (k < 0) {
			rc = k;
		} else if (phase == PHASE_MISSING) {
			rc = mlops__buf_printf(&cond, " AND NOT EXISTS (SELECT 1 FROM runs_metrics o0 WHERE o0.rid = r.rid AND "
			                       "o0.kid = ?%d)", k);
		} else {
			mlops__buf_clear(&q->from);
			rc = mlops__buf_puts(&q->from, "runs_metrics o0 CROSS JOIN runs_runs r ON r.rid = o0.rid");
			if (!rc)
				rc = mlops__buf_printf(&cond, " AND o0.kid = ?%d AND o0.last_val IS %sNULL", k,
				                       phase == PHASE_VALUES ? "NOT " : "");
			if (!rc && phase == PHASE_VALUES)
				rc = mlops__buf_printf(&first, "o0.last_val %s, ", orders[0].desc ? "DESC" : "ASC");
		}
	}
	for (size_t k = phase == PHASE_ALL ? 0 : 1; k < o->n_order_by && !rc; k++)
		rc = mlops_runs__srch_sql_order(q, &orders[k]);
	mlops_buf body = MLOPS_BUF_INIT;
	if (!rc)
		rc = mlops__buf_printf(&body, " FROM %s%s WHERE %s%s", q->from.data, q->joins.data ? q->joins.data : "",
		                       view_cond(view, driven), cond.data ? cond.data : "");
	if (!rc && o->experiment_ids) {
		rc = mlops__buf_puts(&body, driven ? " AND +r.experiment_id IN (" : " AND r.experiment_id IN (");
		for (size_t k = 0; k < o->n_experiment_ids && !rc; k++) {
			int64_t id;
			int n;
			if ((rc = mlops_runs__parse_experiment_id(&id, o->experiment_ids[k])) != 0)
				break;
			if ((n = mlops_runs__srch_bind_int(q, id)) < 0)
				rc = n;
			else
				rc = mlops__buf_printf(&body, "%s?%d", k ? ", " : "", n);
		}
		if (!rc)
			rc = mlops__buf_puts(&body, o->n_experiment_ids ? ")" : "NULL)");
	}
	if (!rc && q->where.len)
		rc = mlops__buf_printf(&body, " AND (%s)", q->where.data);
	if (!rc)
		rc = mlops__buf_printf(&t->count, "SELECT count(*)%s", body.data);
	if (!rc && (t->lim = mlops_runs__srch_bind_int(q, 0)) < 0)
		rc = t->lim;
	if (!rc && (t->off = mlops_runs__srch_bind_int(q, 0)) < 0)
		rc = t->off;
	if (!rc)
		rc = mlops__buf_printf(&t->select, "SELECT r.rid, " MLOPS_RUNS__INFO_COLUMNS "%s ORDER BY %s%s%sr.start_ms "
		                       "DESC, r.run_id ASC LIMIT ?%d OFFSET ?%d", body.data, first.data ? first.data : "",
		                       q->order.len ? q->order.data : "", q->order.len ? ", " : "", t->lim, t->off);
	mlops__buf_free(&body);
	mlops__buf_free(&first);
	mlops__buf_free(&cond);
	if (rc)
		query_text_free(t);
	return rc;
}

static int prepare(sqlite3_stmt **st, mlops_db *db, const char *sql, const srch_sql *q)
{
	/* Query text varies with every filter: prepared directly rather than through the statement cache. */
	int src = sqlite3_prepare_v2(mlops__db_sqlite(db), sql, -1, st, NULL);
	if (src != SQLITE_OK)
		return mlops__db_error(db, src, "search: cannot prepare the query");
	int rc = mlops_runs__srch_sql_bind(q, *st);
	if (rc) {
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return rc;
}

/* Run one phase: append up to `want` rows after skipping *off; when it yields nothing, take the rows it holds
 * off *off (the page starts in a later phase). */
static int run_phase(mlops_run_search *s, int64_t *rids, size_t *n, size_t want, uint64_t *off, mlops_db *db,
                     query_text *t)
{
	srch_bind *bl = &t->q.binds[t->lim - 1], *bo = &t->q.binds[t->off - 1];
	bl->i = (int64_t)want;
	bo->i = (int64_t)*off;
	sqlite3_stmt *st;
	int rc = prepare(&st, db, t->select.data, &t->q);
	if (rc)
		return rc;
	size_t got = 0;
	int err = 0;
	while ((rc = mlops__db_step(db, st, "search: cannot run the query")) == 1) {
		mlops_run_info *info = mlops_runs__arena_alloc(&s->arena, sizeof(*info), &err);
		if (!info) {
			rc = err;
			break;
		}
		if ((rc = mlops_runs__run_info_read(info, &s->arena, st, 1)) != 0)
			break;
		memset(&s->rows[*n], 0, sizeof(s->rows[*n]));
		s->rows[*n].info = info;
		rids[(*n)++] = sqlite3_column_int64(st, 0);
		got++;
	}
	sqlite3_finalize(st);
	if (rc)
		return rc;
	if (got || *off == 0) {
		*off = 0;
		return 0;
	}
	if ((rc = prepare(&st, db, t->count.data, &t->q)) != 0)
		return rc;
	rc = mlops__db_step(db, st, "search: cannot count a phase");
	if (rc == 1) {
		uint64_t c = (uint64_t)sqlite3_column_int64(st, 0);
		*off = *off > c ? *off - c : 0;
		rc = 0;
	} else if (rc == 0) {
		rc = mlops__error(MLOPS_ERROR, "search: count returned no row");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Build and run the query; fills s->rows[].info and rids (n_found may be max_results + 1). */
static int run_query(mlops_run_search *s, int64_t **out_rids, size_t *n_found, mlops_store *store,
                     const mlops_run_search_options *o, int view, const srch_node *filter,
                     const srch_order *orders, size_t limit, uint64_t offset)
{
	mlops_db *db = mlops_store__db(store);
	int err = 0;
	int64_t *rids = mlops__malloc((limit + 1) * sizeof(*rids));
	s->rows = mlops_runs__arena_alloc(&s->arena, (limit + 1) * sizeof(*s->rows), &err);
	if (!rids || !s->rows) {
		free(rids);
		return MLOPS_ENOMEM;
	}
	query_text t;
	int rc = build_query(&t, s, store, o, view, filter, orders, PHASE_ALL);
	if (rc) {
		free(rids);
		return rc;
	}
	int phased = t.q.n_conj == 0 && o->n_order_by && orders[0].id.entity == SRCH_METRIC &&
	             orders[0].id.agg == SRCH_AGG_LAST;
	size_t n = 0;
	uint64_t off = offset;
	if (!phased)
		rc = run_phase(s, rids, &n, limit + 1, &off, db, &t);
	query_text_free(&t);
	for (int phase = PHASE_VALUES; phased && !rc && phase <= PHASE_MISSING && n <= limit; phase++) {
		if ((rc = build_query(&t, s, store, o, view, filter, orders, phase)) != 0)
			break;
		rc = run_phase(s, rids, &n, limit + 1 - n, &off, db, &t);
		query_text_free(&t);
	}
	if (rc) {
		free(rids);
		return rc;
	}
	*out_rids = rids;
	*n_found = n;
	return 0;
}

static int fill_rows(mlops_run_search *s, mlops_store *store, const int64_t *rids, const mlops_run_search_options *o)
{
	keyset pk, mk, tk;
	int rc;
	if ((rc = keyset_init(&pk, &s->arena, o->param_keys, o->n_param_keys, "param_keys")) != 0 ||
	    (rc = keyset_init(&mk, &s->arena, o->metric_keys, o->n_metric_keys, "metric_keys")) != 0 ||
	    (rc = keyset_init(&tk, &s->arena, o->tag_keys, o->n_tag_keys, "tag_keys")) != 0)
		return rc;
	mlops_db *db = mlops_store__db(store);
	scratch sc = {0};
	for (size_t k = 0; k < s->n && !rc; k++) {
		mlops_run_row *row = &s->rows[k];
		if (!(o->flags & MLOPS_SEARCH_NO_PARAMS))
			rc = fetch_kv(&row->params, &row->n_params, s, db, &sc,
			              "SELECT key, value FROM runs_params WHERE rid = ? ORDER BY key", rids[k], &pk);
		if (!rc && !(o->flags & MLOPS_SEARCH_NO_METRICS))
			rc = fetch_metrics(row, s, db, &sc, rids[k], &mk);
		if (!rc && !(o->flags & MLOPS_SEARCH_NO_TAGS))
			rc = fetch_kv(&row->tags, &row->n_tags, s, db, &sc,
			              "SELECT key, value FROM runs_tags WHERE rid = ? ORDER BY key", rids[k], &tk);
	}
	free(sc.v);
	return rc;
}

static int check_list(const char *const *v, size_t n, const char *what)
{
	if (n && !v)
		return mlops__error(MLOPS_EINVAL, "search: %s is NULL but its count is %zu", what, n);
	for (size_t k = 0; v && k < n; k++)
		if (!v[k])
			return mlops__error(MLOPS_EINVAL, "search: %s[%zu] is NULL", what, k);
	return 0;
}

int mlops_runs_search(mlops_run_search **out, mlops_store *store, const mlops_run_search_options *opts)
{
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_runs_search: NULL argument");
	*out = NULL;
	mlops_run_search_options d = MLOPS_RUN_SEARCH_OPTIONS_INIT;
	const mlops_run_search_options *o = opts ? opts : &d;
	if (o->version != MLOPS_RUN_SEARCH_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown run search options version %u", o->version);
	if (!mlops_runs__view_sql(o->view))
		return mlops__error(MLOPS_EINVAL, "search: unknown view type %d", o->view);
	int view = o->view ? o->view : MLOPS_VIEW_ACTIVE_ONLY;
	size_t limit = o->max_results ? o->max_results : DEFAULT_MAX_RESULTS;
	if (limit > MAX_MAX_RESULTS)
		return mlops__error(MLOPS_EINVAL, "search: max_results %zu is over the limit of %d", limit,
		                    MAX_MAX_RESULTS);
	int rc;
	if ((rc = check_list(o->experiment_ids, o->n_experiment_ids, "experiment_ids")) != 0 ||
	    (rc = check_list(o->order_by, o->n_order_by, "order_by")) != 0)
		return rc;
	for (size_t k = 0; o->experiment_ids && k < o->n_experiment_ids; k++) {
		int64_t id;
		if ((rc = mlops_runs__parse_experiment_id(&id, o->experiment_ids[k])) != 0)
			return rc;
	}
	mlops_run_search *s = mlops__calloc(1, sizeof(*s));
	if (!s)
		return MLOPS_ENOMEM;
	srch_node *filter = NULL;
	srch_order *orders = NULL;
	int err = 0;
	rc = mlops_runs__srch_parse_filter(&filter, &s->arena, o->filter);
	if (!rc && o->n_order_by && !(orders = mlops_runs__arena_alloc(&s->arena, o->n_order_by * sizeof(*orders), &err)))
		rc = err;
	for (size_t k = 0; k < o->n_order_by && !rc; k++)
		rc = mlops_runs__srch_parse_order(&orders[k], &s->arena, o->order_by[k]);
	uint64_t hash = 0, offset = 0;
	if (!rc)
		rc = query_hash(&hash, o, view);
	if (!rc && o->page_token && o->page_token[0])
		rc = token_parse(&offset, o->page_token, hash);
	if (rc) {
		mlops_run_search_free(s);
		return rc;
	}
	mlops_db *db = mlops_store__db(store);
	if ((rc = mlops__db_begin_read(db)) != 0) {
		mlops_run_search_free(s);
		return rc;
	}
	int64_t *rids = NULL;
	size_t found = 0;
	rc = run_query(s, &rids, &found, store, o, view, filter, orders, limit, offset);
	if (!rc) {
		s->n = found > limit ? limit : found;
		rc = fill_rows(s, store, rids, o);
	}
	mlops__db_commit(db);
	free(rids);
	if (!rc && found > limit) {
		char tok[TOKEN_LEN + 1];
		snprintf(tok, sizeof(tok), "p%016llx%016llx", (unsigned long long)(offset + limit),
		         (unsigned long long)hash);
		if (!(s->next_token = (char *)mlops_runs__arena_strdup(&s->arena, tok, &err)))
			rc = err;
	}
	if (rc) {
		mlops_run_search_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int mlops_run_search_next(const mlops_run_row **out, mlops_run_search *search)
{
	if (out)
		*out = NULL;
	if (!out || !search)
		return mlops__error(MLOPS_EINVAL, "mlops_run_search_next: NULL argument");
	if (search->pos >= search->n)
		return MLOPS_ITEROVER;
	*out = &search->rows[search->pos++];
	return 0;
}

const char *mlops_run_search_next_page_token(const mlops_run_search *search)
{
	return search ? search->next_token : NULL;
}

void mlops_run_search_free(mlops_run_search *search)
{
	if (!search)
		return;
	mlops_runs__arena_free(&search->arena);
	free(search);
}
