/*
 * Translation of a parsed run search (filter tree and order_by items) into SQL over the runs tables. Values are
 * never written into the SQL text: each one becomes a numbered parameter (?N) bound afterwards. Only fixed
 * fragments (column names, operators, CASE tables of status names) are pasted.
 *
 * Semantics: a comparison is SQL's three-valued logic, unknown (NULL) when the run lacks the key, so a run
 * without the key never matches, not with != and not under NOT. IS NULL / IS NOT NULL are always true or false.
 * NaN metric values (stored as NULL with a flag) compare false, except with != where they compare true.
 */
#include <math.h>
#include <string.h>

#include "runs/search_int.h"

void mlops_runs__srch_sql_init(srch_sql *q, mlops_runs__arena *arena, mlops_store *store)
{
	memset(q, 0, sizeof(*q));
	q->arena = arena;
	q->store = store;
}

void mlops_runs__srch_sql_free(srch_sql *q)
{
	mlops__buf_free(&q->from);
	mlops__buf_free(&q->joins);
	free(q->conj);
	q->conj = NULL;
	q->n_conj = q->cap_conj = 0;
	mlops__buf_free(&q->where);
	mlops__buf_free(&q->order);
	free(q->binds);
	q->binds = NULL;
	q->n_binds = q->cap_binds = 0;
}

static int bind_push(srch_sql *q, const srch_bind *b)
{
	if (q->n_binds == q->cap_binds) {
		size_t cap = q->cap_binds ? q->cap_binds * 2 : 16;
		srch_bind *v = mlops__realloc(q->binds, cap * sizeof(*v));
		if (!v)
			return MLOPS_ENOMEM;
		q->binds = v;
		q->cap_binds = cap;
	}
	q->binds[q->n_binds++] = *b;
	/* SQLite's default SQLITE_MAX_VARIABLE_NUMBER is 32766. */
	if (q->n_binds > 32000)
		return mlops__error(MLOPS_EINVAL, "search: too many values in the filter (more than 32000)");
	return (int)q->n_binds;
}

int mlops_runs__srch_bind_int(srch_sql *q, int64_t v)
{
	srch_bind b = {.type = SRCH_B_INT, .i = v};
	return bind_push(q, &b);
}

static int bind_double(srch_sql *q, double v)
{
	srch_bind b = {.type = SRCH_B_DOUBLE, .d = v};
	return bind_push(q, &b);
}

int mlops_runs__srch_bind_text(srch_sql *q, const char *s)
{
	srch_bind b = {.type = SRCH_B_TEXT, .s = s};
	return bind_push(q, &b);
}

int mlops_runs__srch_sql_bind(const srch_sql *q, sqlite3_stmt *st)
{
	/* A statement may use only the first parameters (a count without LIMIT and OFFSET). */
	size_t used = (size_t)sqlite3_bind_parameter_count(st);
	for (size_t k = 0; k < q->n_binds && k < used; k++) {
		const srch_bind *b = &q->binds[k];
		int src;
		int idx = (int)k + 1;
		switch (b->type) {
		case SRCH_B_INT: src = sqlite3_bind_int64(st, idx, b->i); break;
		case SRCH_B_DOUBLE: src = sqlite3_bind_double(st, idx, b->d); break;
		default: src = sqlite3_bind_text(st, idx, b->s, -1, SQLITE_STATIC); break;
		}
		if (src != SQLITE_OK)
			return mlops__error(src == SQLITE_NOMEM ? MLOPS_ENOMEM : MLOPS_ERROR,
			                    "search: cannot bind value %d: %s", idx, sqlite3_errstr(src));
	}
	return 0;
}

char *mlops_runs__like_to_glob(mlops_runs__arena *arena, const char *like, int *err)
{
	size_t n = strlen(like);
	/* Each character becomes at most three ("[*]"). */
	char *out = mlops_runs__arena_alloc(arena, 3 * n + 1, err);
	if (!out)
		return NULL;
	size_t k = 0;
	for (const char *p = like; *p; p++) {
		switch (*p) {
		case '%': out[k++] = '*'; break;
		case '_': out[k++] = '?'; break;
		case '*': memcpy(out + k, "[*]", 3); k += 3; break;
		case '?': memcpy(out + k, "[?]", 3); k += 3; break;
		case '[': memcpy(out + k, "[[]", 3); k += 3; break;
		default: out[k++] = *p; break;
		}
	}
	out[k] = '\0';
	return out;
}

static const char *metric_col(srch_agg agg)
{
	switch (agg) {
	case SRCH_AGG_MIN: return "min_val";
	case SRCH_AGG_MAX: return "max_val";
	case SRCH_AGG_COUNT: return "n_points";
	default: return "last_val";
	}
}

static const char *op_sql(srch_op op)
{
	switch (op) {
	case SRCH_OP_EQ: return "=";
	case SRCH_OP_NE: return "!=";
	case SRCH_OP_LT: return "<";
	case SRCH_OP_LE: return "<=";
	case SRCH_OP_GT: return ">";
	default: return ">=";
	}
}

/* Fixed SQL expressions of the attributes over `runs_runs r`. Status and lifecycle compare by their names. */
static const char *attr_sql(srch_attr a)
{
	switch (a) {
	case SRCH_A_RUN_ID: return "r.run_id";
	case SRCH_A_RUN_NAME: return "r.name";
	case SRCH_A_STATUS:
		return "(CASE r.status WHEN 1 THEN 'RUNNING' WHEN 2 THEN 'SCHEDULED' WHEN 3 THEN 'FINISHED' "
		       "WHEN 4 THEN 'FAILED' WHEN 5 THEN 'KILLED' END)";
	case SRCH_A_USER_ID: return "r.user_name";
	case SRCH_A_LIFECYCLE: return "(CASE r.lifecycle WHEN 0 THEN 'active' ELSE 'deleted' END)";
	case SRCH_A_EXPERIMENT_ID: return "CAST(r.experiment_id AS TEXT)";
	case SRCH_A_START_TIME: return "r.start_ms";
	default: return "r.end_ms";
	}
}

/* Order by experiment id numerically rather than by its text. */
static const char *attr_order_sql(srch_attr a)
{
	return a == SRCH_A_EXPERIMENT_ID ? "r.experiment_id" : attr_sql(a);
}

/* "<expr> <op> <params>" for a string comparison; expr is fixed SQL. */
static int string_cond(srch_sql *q, mlops_buf *out, const char *expr, const srch_node *c)
{
	int rc = 0, n;
	switch (c->op) {
	case SRCH_OP_EQ:
	case SRCH_OP_NE:
		if ((n = mlops_runs__srch_bind_text(q, c->vals[0].str)) < 0)
			return n;
		return mlops__buf_printf(out, "%s %s ?%d", expr, op_sql(c->op), n);
	case SRCH_OP_LIKE: {
		/* SQLite's LIKE ignores case; MLflow's LIKE does not: GLOB with the translated pattern does not either. */
		const char *glob = mlops_runs__like_to_glob(q->arena, c->vals[0].str, &rc);
		if (!glob)
			return rc;
		if ((n = mlops_runs__srch_bind_text(q, glob)) < 0)
			return n;
		return mlops__buf_printf(out, "%s GLOB ?%d", expr, n);
	}
	case SRCH_OP_ILIKE:
		if ((n = mlops_runs__srch_bind_text(q, c->vals[0].str)) < 0)
			return n;
		return mlops__buf_printf(out, "%s LIKE ?%d", expr, n);
	case SRCH_OP_IN:
	case SRCH_OP_NOT_IN:
		rc = mlops__buf_printf(out, "%s %sIN (", expr, c->op == SRCH_OP_NOT_IN ? "NOT " : "");
		for (size_t k = 0; k < c->n_vals && !rc; k++) {
			if ((n = mlops_runs__srch_bind_text(q, c->vals[k].str)) < 0)
				return n;
			rc = mlops__buf_printf(out, "%s?%d", k ? ", " : "", n);
		}
		return rc ? rc : mlops__buf_putc(out, ')');
	default:
		return mlops__error(MLOPS_ERROR, "search: operator %d is not a string comparison", (int)c->op);
	}
}

/* "<col> <op> ?v" for a metric column, with NaN (NULL) false except for != (true). Where only a true result
 * selects the row (the driver, an EXISTS test) a NULL already excludes it, and the bare comparison lets SQLite use
 * the (kid, last_val) index for a range; in a three-valued condition the value must be a definite 0 so that NOT
 * turns it into a match. */
static int metric_cond(srch_sql *q, mlops_buf *out, const char *alias, const srch_node *c, int in_join)
{
	int n = bind_double(q, c->vals[0].num);
	if (n < 0)
		return n;
	const char *col = metric_col(c->id.agg);
	if (c->op == SRCH_OP_NE)
		return mlops__buf_printf(out, "(%s.%s IS NULL OR %s.%s != ?%d)", alias, col, alias, col, n);
	if (in_join)
		return mlops__buf_printf(out, "%s.%s %s ?%d", alias, col, op_sql(c->op), n);
	return mlops__buf_printf(out, "COALESCE(%s.%s %s ?%d, 0)", alias, col, op_sql(c->op), n);
}

/* The interned id of a metric key, or -1 when no run ever logged it (nothing can match then). */
static int metric_kid_param(srch_sql *q, const char *key)
{
	int64_t kid;
	int rc = mlops_runs__metric_kid(&kid, q->store, key, false);
	if (rc == MLOPS_ENOTFOUND) {
		mlops__error_reset();
		kid = -1;
	} else if (rc) {
		return rc;
	}
	return mlops_runs__srch_bind_int(q, kid);
}

int mlops_runs__srch_bind_metric_kid(srch_sql *q, const char *key)
{
	return metric_kid_param(q, key);
}

static const char *kv_table(srch_entity e)
{
	return e == SRCH_PARAM ? "runs_params" : "runs_tags";
}

/* A comparison as a three-valued SQL expression (NULL when the run lacks the key). */
static int cmp_sql(srch_sql *q, mlops_buf *out, const srch_node *c)
{
	char alias[24];
	snprintf(alias, sizeof(alias), "s%zu", ++q->n_aliases);
	int rc, k;
	switch (c->id.entity) {
	case SRCH_METRIC:
		if ((k = metric_kid_param(q, c->id.key)) < 0)
			return k;
		if ((rc = mlops__buf_puts(out, "(SELECT ")) != 0 || (rc = metric_cond(q, out, alias, c, 0)) != 0)
			return rc;
		return mlops__buf_printf(out, " FROM runs_metrics %s WHERE %s.rid = r.rid AND %s.kid = ?%d)", alias, alias,
		                         alias, k);
	case SRCH_PARAM:
	case SRCH_TAG:
		if ((k = mlops_runs__srch_bind_text(q, c->id.key)) < 0)
			return k;
		if (c->op == SRCH_OP_IS_NULL || c->op == SRCH_OP_IS_NOT_NULL)
			return mlops__buf_printf(out, "(%sEXISTS (SELECT 1 FROM %s %s WHERE %s.rid = r.rid AND %s.key = ?%d))",
			                         c->op == SRCH_OP_IS_NULL ? "NOT " : "", kv_table(c->id.entity), alias, alias,
			                         alias, k);
		if ((rc = mlops__buf_puts(out, "(SELECT ")) != 0)
			return rc;
		{
			char col[32];
			snprintf(col, sizeof(col), "%s.value", alias);
			if ((rc = string_cond(q, out, col, c)) != 0)
				return rc;
		}
		return mlops__buf_printf(out, " FROM %s %s WHERE %s.rid = r.rid AND %s.key = ?%d)", kv_table(c->id.entity),
		                         alias, alias, alias, k);
	default:
		if ((rc = mlops__buf_putc(out, '(')) != 0)
			return rc;
		if (SRCH_ATTR_NUMERIC(c->id.attr)) {
			if ((k = bind_double(q, c->vals[0].num)) < 0)
				return k;
			rc = mlops__buf_printf(out, "%s %s ?%d", attr_sql(c->id.attr), op_sql(c->op), k);
		} else {
			rc = string_cond(q, out, attr_sql(c->id.attr), c);
		}
		return rc ? rc : mlops__buf_putc(out, ')');
	}
}

static int node_sql(srch_sql *q, mlops_buf *out, const srch_node *n)
{
	int rc;
	switch (n->kind) {
	case SRCH_N_AND:
	case SRCH_N_OR:
		if ((rc = mlops__buf_putc(out, '(')) != 0 || (rc = node_sql(q, out, n->a)) != 0 ||
		    (rc = mlops__buf_puts(out, n->kind == SRCH_N_AND ? " AND " : " OR ")) != 0 ||
		    (rc = node_sql(q, out, n->b)) != 0)
			return rc;
		return mlops__buf_putc(out, ')');
	case SRCH_N_NOT:
		if ((rc = mlops__buf_puts(out, "(NOT ")) != 0 || (rc = node_sql(q, out, n->a)) != 0)
			return rc;
		return mlops__buf_putc(out, ')');
	default:
		return cmp_sql(q, out, n);
	}
}

/* The condition of a conjunct on the table aliased `alias`: key equality, then the value test. */
static int conjunct_cond(srch_sql *q, mlops_buf *out, const char *alias, const srch_node *c)
{
	int rc, k;
	if (c->id.entity == SRCH_METRIC) {
		if ((k = metric_kid_param(q, c->id.key)) < 0)
			return k;
		if ((rc = mlops__buf_printf(out, "%s.kid = ?%d AND ", alias, k)) != 0)
			return rc;
		return metric_cond(q, out, alias, c, 1);
	}
	if ((k = mlops_runs__srch_bind_text(q, c->id.key)) < 0)
		return k;
	if ((rc = mlops__buf_printf(out, "%s.key = ?%d", alias, k)) != 0)
		return rc;
	if (c->op == SRCH_OP_IS_NOT_NULL)
		return 0;
	char col[40];
	snprintf(col, sizeof(col), "%s.value", alias);
	if ((rc = mlops__buf_puts(out, " AND ")) != 0)
		return rc;
	return string_cond(q, out, col, c);
}

/* Rows the conjunct matches, counted up to PROBE_CAP through its index: cheap, and enough to pick the table
 * that should drive the search (SQLite has no statistics to tell an equality on a param from a wide range on a
 * metric). */
#define PROBE_CAP 20000

static int probe_count(int64_t *out, srch_sql *q, const srch_node *c, int64_t cap)
{
	srch_sql t;
	mlops_runs__srch_sql_init(&t, q->arena, q->store);
	mlops_buf sql = MLOPS_BUF_INIT;
	int rc = mlops__buf_printf(&sql, "SELECT count(*) FROM (SELECT 1 FROM %s p WHERE ",
	                           c->id.entity == SRCH_METRIC ? "runs_metrics" : kv_table(c->id.entity));
	if (!rc)
		rc = conjunct_cond(&t, &sql, "p", c);
	if (!rc)
		rc = mlops__buf_printf(&sql, " LIMIT %lld)", (long long)cap);
	sqlite3_stmt *st = NULL;
	mlops_db *db = mlops_store__db(q->store);
	if (!rc) {
		int src = sqlite3_prepare_v2(mlops__db_sqlite(db), sql.data, -1, &st, NULL);
		if (src != SQLITE_OK)
			rc = mlops__db_error(db, src, "search: cannot prepare a selectivity probe");
	}
	if (!rc)
		rc = mlops_runs__srch_sql_bind(&t, st);
	if (!rc) {
		rc = mlops__db_step(db, st, "search: cannot run a selectivity probe");
		if (rc == 1) {
			*out = sqlite3_column_int64(st, 0);
			rc = 0;
		} else if (rc == 0) {
			rc = mlops__error(MLOPS_ERROR, "search: selectivity probe returned no row");
		}
	}
	sqlite3_finalize(st);
	mlops__buf_free(&sql);
	mlops_runs__srch_sql_free(&t);
	return rc;
}

static int push_conjunct(srch_sql *q, const srch_node *c)
{
	if (q->n_conj == q->cap_conj) {
		size_t cap = q->cap_conj ? q->cap_conj * 2 : 8;
		const srch_node **v = mlops__realloc(q->conj, cap * sizeof(*v));
		if (!v)
			return MLOPS_ENOMEM;
		q->conj = v;
		q->cap_conj = cap;
	}
	q->conj[q->n_conj++] = c;
	return 0;
}

static int conjuncts(srch_sql *q, const srch_node *n)
{
	int rc;
	if (n->kind == SRCH_N_AND) {
		if ((rc = conjuncts(q, n->a)) != 0)
			return rc;
		return conjuncts(q, n->b);
	}
	if (n->kind == SRCH_N_CMP && n->id.entity != SRCH_ATTR && n->op != SRCH_OP_IS_NULL)
		return push_conjunct(q, n);
	if (q->where.len && (rc = mlops__buf_puts(&q->where, " AND ")) != 0)
		return rc;
	return node_sql(q, &q->where, n);
}

/* Equality tests on a param or tag can be checked through the (key, value) index, whose entries for one value
 * are few pages that stay in the cache, instead of a random read of the table: cheaper than any other test. */
static int index_checkable(const srch_node *c)
{
	return c->id.entity != SRCH_METRIC && (c->op == SRCH_OP_EQ || c->op == SRCH_OP_IN);
}

/*
 * The most selective conjunct drives the search: the first table of the FROM clause, read through its index. The
 * others become EXISTS tests on the driver's rid, index-checkable ones first, then by selectivity, so that SQLite
 * evaluates them in the driver's loop and reads runs_runs (and the order_by joins) only for the candidates that
 * pass them. A top-level conjunct is true exactly when its row exists and satisfies it, which is what a match
 * needs. Probes are capped by the best count so far: a larger count cannot make a conjunct the driver.
 */
static int emit_joins(srch_sql *q)
{
	int rc = 0;
	if (q->n_conj == 0)
		return mlops__buf_puts(&q->from, "runs_runs r");
	int64_t *counts = mlops__calloc(q->n_conj, sizeof(*counts));
	size_t *order = mlops__calloc(q->n_conj, sizeof(*order));
	if (!counts || !order) {
		free(counts);
		free(order);
		return MLOPS_ENOMEM;
	}
	int64_t best = PROBE_CAP + 1;
	size_t driver = 0;
	/* Probe the index-checkable conjuncts first: they are the likely drivers and lower the cap for the rest. */
	for (int pass = 0; pass < 2 && !rc && q->n_conj > 1; pass++)
		for (size_t k = 0; k < q->n_conj && !rc; k++) {
			if (index_checkable(q->conj[k]) != (pass == 0))
				continue;
			rc = probe_count(&counts[k], q, q->conj[k], best <= PROBE_CAP ? best : PROBE_CAP);
			if (!rc && counts[k] < best) {
				best = counts[k];
				driver = k;
			}
		}
	/* The driver first, then the index-checkable tests, then the others, each group by count. */
	size_t n = 0;
	order[n++] = driver;
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < q->n_conj; k++)
			if (k != driver && index_checkable(q->conj[k]) == (pass == 0)) {
				size_t m = n++;
				for (; m > 1 && index_checkable(q->conj[order[m - 1]]) == (pass == 0) &&
				       counts[order[m - 1]] > counts[k]; m--)
					order[m] = order[m - 1];
				order[m] = k;
			}
	mlops_buf w = MLOPS_BUF_INIT;
	char driver_alias[24] = "";
	for (size_t k = 0; k < q->n_conj && !rc; k++) {
		const srch_node *c = q->conj[order[k]];
		const char *table = c->id.entity == SRCH_METRIC ? "runs_metrics" : kv_table(c->id.entity);
		char alias[24];
		snprintf(alias, sizeof(alias), "j%zu", ++q->n_aliases);
		if (k == 0) {
			snprintf(driver_alias, sizeof(driver_alias), "%s", alias);
			if ((rc = mlops__buf_printf(&q->from, "%s %s CROSS JOIN runs_runs r ON r.rid = %s.rid", table, alias,
			                            alias)) == 0)
				rc = conjunct_cond(q, &w, alias, c);
			continue;
		}
		/* runs_params_by_key / runs_tags_by_key are (key, value) indexes of the schema; the rid is in them as the
		 * trailing primary key column, so the test is one probe into a compact part of the index. */
		const char *indexed = !index_checkable(c) ? "" : c->id.entity == SRCH_PARAM ? " INDEXED BY runs_params_by_key"
		                                                                            : " INDEXED BY runs_tags_by_key";
		if ((rc = mlops__buf_printf(&w, " AND EXISTS (SELECT 1 FROM %s %s%s WHERE %s.rid = %s.rid AND ", table, alias,
		                            indexed, alias, driver_alias)) == 0 &&
		    (rc = conjunct_cond(q, &w, alias, c)) == 0)
			rc = mlops__buf_putc(&w, ')');
	}
	if (!rc && q->where.len)
		rc = mlops__buf_printf(&w, " AND %s", q->where.data);
	if (!rc) {
		mlops__buf_free(&q->where);
		q->where = w;
	} else {
		mlops__buf_free(&w);
	}
	free(counts);
	free(order);
	return rc;
}

int mlops_runs__srch_sql_filter(srch_sql *q, const srch_node *root)
{
	int rc = root ? conjuncts(q, root) : 0;
	return rc ? rc : emit_joins(q);
}

int mlops_runs__srch_sql_order(srch_sql *q, const srch_order *o)
{
	const char *dir = o->desc ? "DESC" : "ASC";
	int rc = 0, k;
	if (q->order.len && (rc = mlops__buf_puts(&q->order, ", ")) != 0)
		return rc;
	char alias[24];
	snprintf(alias, sizeof(alias), "o%zu", ++q->n_aliases);
	switch (o->id.entity) {
	case SRCH_METRIC: {
		if ((k = metric_kid_param(q, o->id.key)) < 0)
			return k;
		if ((rc = mlops__buf_printf(&q->joins, " LEFT JOIN runs_metrics %s ON %s.rid = r.rid AND %s.kid = ?%d", alias,
		                            alias, alias, k)) != 0)
			return rc;
		const char *col = metric_col(o->id.agg);
		/* Missing last, then NaN (a NULL value in a present row), in both directions. */
		return mlops__buf_printf(&q->order, "%s.rid IS NULL, %s.%s IS NULL, %s.%s %s", alias, alias, col, alias, col,
		                         dir);
	}
	case SRCH_PARAM:
	case SRCH_TAG:
		if ((k = mlops_runs__srch_bind_text(q, o->id.key)) < 0)
			return k;
		if ((rc = mlops__buf_printf(&q->joins, " LEFT JOIN %s %s ON %s.rid = r.rid AND %s.key = ?%d",
		                            kv_table(o->id.entity), alias, alias, alias, k)) != 0)
			return rc;
		return mlops__buf_printf(&q->order, "%s.rid IS NULL, %s.value %s", alias, alias, dir);
	default: {
		const char *e = attr_order_sql(o->id.attr);
		return mlops__buf_printf(&q->order, "%s IS NULL, %s %s", e, e, dir);
	}
	}
}
