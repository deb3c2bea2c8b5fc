/*
 * The parser of the run search language: MLflow's filter grammar (entity prefixes, quoted keys, comparisons)
 * plus OR, NOT, parentheses and metric aggregates, into a syntax tree; and order_by items. Type rules are
 * checked here so that a bad filter is rejected with its position before any SQL is built. The grammar is
 * written out in docs/api/runs-search.md.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "runs/search_int.h"

/* Nesting limit of parentheses and NOT, so that a hostile filter cannot exhaust the stack. */
#define MAX_DEPTH 64

typedef struct parser {
	const srch_tok *t;
	size_t i;
	mlops_runs__arena *a;
	const char *input;
	const char *what;
	int depth;
} parser;

static const srch_tok *peek(const parser *p)
{
	return &p->t[p->i];
}

static int is_kw(const srch_tok *t, const char *kw)
{
	return t->type == SRCH_T_WORD && strcasecmp(t->text, kw) == 0;
}

static int fail(const parser *p, size_t pos, const char *reason)
{
	return mlops_runs__srch_error(p->what, p->input, pos, reason);
}

static const struct {
	const char *name;
	srch_entity entity;
} entities[] = {
	{"metric", SRCH_METRIC}, {"metrics", SRCH_METRIC},
	{"param", SRCH_PARAM}, {"params", SRCH_PARAM}, {"parameter", SRCH_PARAM}, {"parameters", SRCH_PARAM},
	{"tag", SRCH_TAG}, {"tags", SRCH_TAG},
	{"attribute", SRCH_ATTR}, {"attributes", SRCH_ATTR}, {"attr", SRCH_ATTR}, {"run", SRCH_ATTR},
};

/* Attribute names and MLflow's aliases of them (exact spelling). */
static const struct {
	const char *name;
	srch_attr attr;
} attrs[] = {
	{"run_id", SRCH_A_RUN_ID},
	{"run_name", SRCH_A_RUN_NAME}, {"run name", SRCH_A_RUN_NAME}, {"Run name", SRCH_A_RUN_NAME},
	{"Run Name", SRCH_A_RUN_NAME},
	{"status", SRCH_A_STATUS},
	{"user_id", SRCH_A_USER_ID},
	{"lifecycle_stage", SRCH_A_LIFECYCLE},
	{"experiment_id", SRCH_A_EXPERIMENT_ID},
	{"start_time", SRCH_A_START_TIME}, {"created", SRCH_A_START_TIME}, {"Created", SRCH_A_START_TIME},
	{"end_time", SRCH_A_END_TIME},
};

static const char *const keywords[] = {"AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "ILIKE"};

static int is_keyword(const srch_tok *t)
{
	for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
		if (is_kw(t, keywords[k]))
			return 1;
	return 0;
}

static int is_segment(const srch_tok *t)
{
	return t->type == SRCH_T_WORD || t->type == SRCH_T_DQ || t->type == SRCH_T_BQ;
}

/* Join segments [from, to) of the identifier with dots into the arena. */
static const char *join_segs(parser *p, const srch_tok *const *segs, size_t from, size_t to, int *err)
{
	mlops_buf b = MLOPS_BUF_INIT;
	int rc = mlops__buf_puts(&b, "");
	for (size_t k = from; k < to && !rc; k++) {
		if (k > from)
			rc = mlops__buf_putc(&b, '.');
		if (!rc)
			rc = mlops__buf_puts(&b, segs[k]->text);
	}
	const char *s = NULL;
	if (!rc)
		s = mlops_runs__arena_strdup(p->a, b.data, &rc);
	mlops__buf_free(&b);
	if (rc)
		*err = rc;
	return s;
}

#define MAX_SEGS 64

/* identifier := segment ('.' segment)*, resolved to an entity, a key and an aggregate or an attribute. */
static int parse_ident(parser *p, srch_ident *out)
{
	memset(out, 0, sizeof(*out));
	const srch_tok *segs[MAX_SEGS];
	size_t n = 0;
	const srch_tok *t = peek(p);
	if (!is_segment(t) || (t->type == SRCH_T_WORD && is_keyword(t)))
		return fail(p, t->pos, "expected a name such as metrics.<key>, params.<key>, tags.<key> or an attribute");
	segs[n++] = t;
	p->i++;
	while (peek(p)->type == SRCH_T_DOT) {
		p->i++;
		t = peek(p);
		if (!is_segment(t))
			return fail(p, t->pos, "expected a name after '.'");
		if (n == MAX_SEGS)
			return fail(p, t->pos, "too many '.'-separated parts in a name");
		segs[n++] = t;
		p->i++;
	}
	int err = 0;
	if (n == 1) {
		out->entity = SRCH_ATTR;
	} else {
		size_t k;
		for (k = 0; k < sizeof(entities) / sizeof(entities[0]); k++)
			if (strcasecmp(segs[0]->text, entities[k].name) == 0)
				break;
		if (k == sizeof(entities) / sizeof(entities[0])) {
			if (strcasecmp(segs[0]->text, "dataset") == 0 || strcasecmp(segs[0]->text, "datasets") == 0)
				return fail(p, segs[0]->pos, "dataset filters are not supported (runs record inputs by id)");
			char reason[160];
			snprintf(reason, sizeof(reason),
			         "unknown entity type '%.40s' (use metrics., params., tags. or attributes.)", segs[0]->text);
			return fail(p, segs[0]->pos, reason);
		}
		out->entity = entities[k].entity;
	}
	size_t first = n == 1 ? 0 : 1;
	if (out->entity == SRCH_ATTR) {
		const char *name = join_segs(p, segs, first, n, &err);
		if (err)
			return err;
		for (size_t k = 0; k < sizeof(attrs) / sizeof(attrs[0]); k++)
			if (strcmp(name, attrs[k].name) == 0) {
				out->attr = attrs[k].attr;
				return 0;
			}
		char reason[200];
		snprintf(reason, sizeof(reason),
		         "unknown attribute '%.40s' (attributes: run_id, run_name, status, user_id, start_time, end_time, "
		         "lifecycle_stage, experiment_id)", name);
		return fail(p, segs[first]->pos, reason);
	}
	size_t last = n;
	if (out->entity == SRCH_METRIC && n >= 3 && segs[n - 1]->type == SRCH_T_WORD) {
		static const struct {
			const char *name;
			srch_agg agg;
		} aggs[] = {{"last", SRCH_AGG_LAST}, {"min", SRCH_AGG_MIN}, {"max", SRCH_AGG_MAX},
		            {"count", SRCH_AGG_COUNT}};
		for (size_t k = 0; k < sizeof(aggs) / sizeof(aggs[0]); k++)
			if (strcmp(segs[n - 1]->text, aggs[k].name) == 0) {
				out->agg = aggs[k].agg;
				last = n - 1;
				break;
			}
	}
	out->key = join_segs(p, segs, first, last, &err);
	if (err)
		return err;
	if (out->key[0] == '\0')
		return fail(p, segs[first]->pos, "empty key");
	return 0;
}

static const char *entity_name(srch_entity e)
{
	switch (e) {
	case SRCH_METRIC: return "metric";
	case SRCH_PARAM: return "param";
	case SRCH_TAG: return "tag";
	default: return "attribute";
	}
}

/* Check that the operator and the value types fit what the comparison names (MLflow's rules). */
static int check_types(parser *p, const srch_node *c, size_t op_pos, size_t val_pos)
{
	char reason[200];
	int numeric = c->id.entity == SRCH_METRIC || (c->id.entity == SRCH_ATTR && SRCH_ATTR_NUMERIC(c->id.attr));
	const char *subject = c->id.entity == SRCH_ATTR ? "attribute" : entity_name(c->id.entity);
	if (c->op == SRCH_OP_IS_NULL || c->op == SRCH_OP_IS_NOT_NULL) {
		if (c->id.entity == SRCH_PARAM || c->id.entity == SRCH_TAG)
			return 0;
		snprintf(reason, sizeof(reason), "IS NULL / IS NOT NULL apply to params and tags only, not to %ss",
		         subject);
		return fail(p, op_pos, reason);
	}
	if (numeric) {
		if (c->op > SRCH_OP_GE) {
			snprintf(reason, sizeof(reason),
			         "operator not valid for a numeric %s (use =, !=, <, <=, >, >=)", subject);
			return fail(p, op_pos, reason);
		}
		if (!c->vals[0].is_num) {
			snprintf(reason, sizeof(reason), "a %s is compared with a number, not a quoted string", subject);
			return fail(p, val_pos, reason);
		}
		return 0;
	}
	if (c->op >= SRCH_OP_LT && c->op <= SRCH_OP_GE) {
		snprintf(reason, sizeof(reason),
		         "operator not valid for a %s (use =, !=, LIKE, ILIKE, IN, NOT IN%s)", subject,
		         c->id.entity == SRCH_ATTR ? "" : ", IS NULL, IS NOT NULL");
		return fail(p, op_pos, reason);
	}
	for (size_t k = 0; k < c->n_vals; k++)
		if (c->vals[k].is_num) {
			snprintf(reason, sizeof(reason), "a %s is compared with a quoted string, not a number", subject);
			return fail(p, val_pos, reason);
		}
	return 0;
}

/* A value token: a number or a single- or double-quoted string. */
static int parse_value(parser *p, srch_value *v)
{
	const srch_tok *t = peek(p);
	memset(v, 0, sizeof(*v));
	if (t->type == SRCH_T_NUM) {
		v->is_num = 1;
		v->num = t->num;
		v->str = t->text;
	} else if (t->type == SRCH_T_SQ || t->type == SRCH_T_DQ) {
		v->str = t->text;
	} else if (t->type == SRCH_T_END) {
		return fail(p, t->pos, "expected a value (a number or a quoted string) at the end of the input");
	} else {
		return fail(p, t->pos, "expected a value: a number or a string in single or double quotes");
	}
	p->i++;
	return 0;
}

static int parse_comparison(parser *p, srch_node **out)
{
	int err = 0;
	srch_node *c = mlops_runs__arena_alloc(p->a, sizeof(*c), &err);
	if (!c)
		return err;
	memset(c, 0, sizeof(*c));
	c->kind = SRCH_N_CMP;
	c->pos = peek(p)->pos;
	int rc = parse_ident(p, &c->id);
	if (rc)
		return rc;
	const srch_tok *t = peek(p);
	size_t op_pos = t->pos;
	size_t val_pos = t->pos;
	switch (t->type) {
	case SRCH_T_EQ: c->op = SRCH_OP_EQ; break;
	case SRCH_T_NE: c->op = SRCH_OP_NE; break;
	case SRCH_T_LT: c->op = SRCH_OP_LT; break;
	case SRCH_T_LE: c->op = SRCH_OP_LE; break;
	case SRCH_T_GT: c->op = SRCH_OP_GT; break;
	case SRCH_T_GE: c->op = SRCH_OP_GE; break;
	default:
		if (is_kw(t, "LIKE"))
			c->op = SRCH_OP_LIKE;
		else if (is_kw(t, "ILIKE"))
			c->op = SRCH_OP_ILIKE;
		else if (is_kw(t, "IN"))
			c->op = SRCH_OP_IN;
		else if (is_kw(t, "NOT") && is_kw(&p->t[p->i + 1], "IN")) {
			c->op = SRCH_OP_NOT_IN;
			p->i++;
		} else if (is_kw(t, "IS")) {
			p->i++;
			if (is_kw(peek(p), "NOT")) {
				c->op = SRCH_OP_IS_NOT_NULL;
				p->i++;
			} else {
				c->op = SRCH_OP_IS_NULL;
			}
			if (!is_kw(peek(p), "NULL"))
				return fail(p, peek(p)->pos, "expected NULL after IS / IS NOT");
			p->i++;
			*out = c;
			return check_types(p, c, op_pos, op_pos);
		} else {
			return fail(p, t->pos, "expected a comparison operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, "
			                       "NOT IN, IS NULL, IS NOT NULL)");
		}
		break;
	}
	p->i++;
	val_pos = peek(p)->pos;
	if (c->op == SRCH_OP_IN || c->op == SRCH_OP_NOT_IN) {
		if (peek(p)->type != SRCH_T_LP)
			return fail(p, peek(p)->pos, "expected '(' and a list of quoted strings after IN");
		p->i++;
		size_t cap = 4, n = 0;
		srch_value *vals = mlops_runs__arena_alloc(p->a, cap * sizeof(*vals), &err);
		if (!vals)
			return err;
		for (;;) {
			if (n == cap) {
				srch_value *nv = mlops_runs__arena_alloc(p->a, 2 * cap * sizeof(*vals), &err);
				if (!nv)
					return err;
				memcpy(nv, vals, n * sizeof(*vals));
				vals = nv;
				cap *= 2;
			}
			if ((rc = parse_value(p, &vals[n])) != 0)
				return rc;
			n++;
			if (peek(p)->type == SRCH_T_COMMA) {
				p->i++;
				continue;
			}
			if (peek(p)->type == SRCH_T_RP) {
				p->i++;
				break;
			}
			return fail(p, peek(p)->pos, "expected ',' or ')' in the IN list");
		}
		c->vals = vals;
		c->n_vals = n;
	} else {
		srch_value *v = mlops_runs__arena_alloc(p->a, sizeof(*v), &err);
		if (!v)
			return err;
		if ((rc = parse_value(p, v)) != 0)
			return rc;
		if ((c->op == SRCH_OP_LIKE || c->op == SRCH_OP_ILIKE) && v->is_num)
			return fail(p, val_pos, "LIKE and ILIKE take a pattern in quotes");
		c->vals = v;
		c->n_vals = 1;
	}
	*out = c;
	return check_types(p, c, op_pos, val_pos);
}

static int parse_or(parser *p, srch_node **out);

static srch_node *new_node(parser *p, srch_node_kind kind, srch_node *a, srch_node *b, size_t pos, int *err)
{
	srch_node *n = mlops_runs__arena_alloc(p->a, sizeof(*n), err);
	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->a = a;
	n->b = b;
	n->pos = pos;
	return n;
}

static int parse_unary(parser *p, srch_node **out)
{
	const srch_tok *t = peek(p);
	if (++p->depth > MAX_DEPTH)
		return fail(p, t->pos, "too deeply nested (more than 64 levels of parentheses and NOT)");
	int rc;
	int err = 0;
	if (is_kw(t, "NOT") && p->t[p->i + 1].type != SRCH_T_DOT) {
		p->i++;
		srch_node *a;
		if ((rc = parse_unary(p, &a)) != 0)
			return rc;
		if (!(*out = new_node(p, SRCH_N_NOT, a, NULL, t->pos, &err)))
			return err;
	} else if (t->type == SRCH_T_LP) {
		p->i++;
		if ((rc = parse_or(p, out)) != 0)
			return rc;
		if (peek(p)->type != SRCH_T_RP) {
			char reason[96];
			snprintf(reason, sizeof(reason), "expected ')' to close the '(' at position %zu", t->pos + 1);
			return fail(p, peek(p)->pos, reason);
		}
		p->i++;
	} else if ((rc = parse_comparison(p, out)) != 0) {
		return rc;
	}
	p->depth--;
	return 0;
}

static int parse_and(parser *p, srch_node **out)
{
	int rc = parse_unary(p, out);
	int err = 0;
	while (!rc && is_kw(peek(p), "AND")) {
		size_t pos = peek(p)->pos;
		p->i++;
		srch_node *b;
		if ((rc = parse_unary(p, &b)) != 0)
			break;
		if (!(*out = new_node(p, SRCH_N_AND, *out, b, pos, &err)))
			return err;
	}
	return rc;
}

static int parse_or(parser *p, srch_node **out)
{
	int rc = parse_and(p, out);
	int err = 0;
	while (!rc && is_kw(peek(p), "OR")) {
		size_t pos = peek(p)->pos;
		p->i++;
		srch_node *b;
		if ((rc = parse_and(p, &b)) != 0)
			break;
		if (!(*out = new_node(p, SRCH_N_OR, *out, b, pos, &err)))
			return err;
	}
	return rc;
}

int mlops_runs__srch_parse_filter(srch_node **out, mlops_runs__arena *arena, const char *filter)
{
	*out = NULL;
	if (!filter)
		return 0;
	srch_toks toks;
	int rc = mlops_runs__srch_lex(&toks, arena, "filter", filter);
	if (rc)
		return rc;
	parser p = {.t = toks.v, .i = 0, .a = arena, .input = filter, .what = "filter", .depth = 0};
	if (toks.v[0].type != SRCH_T_END) {
		rc = parse_or(&p, out);
		if (!rc && peek(&p)->type != SRCH_T_END)
			rc = fail(&p, peek(&p)->pos, peek(&p)->type == SRCH_T_RP ? "unbalanced ')'"
			                                                         : "expected AND, OR or the end of the filter");
	}
	free(toks.v);
	if (rc)
		*out = NULL;
	return rc;
}

int mlops_runs__srch_parse_order(srch_order *out, mlops_runs__arena *arena, const char *item)
{
	memset(out, 0, sizeof(*out));
	if (!item)
		return mlops__error(MLOPS_EINVAL, "order_by: NULL item");
	srch_toks toks;
	int rc = mlops_runs__srch_lex(&toks, arena, "order_by", item);
	if (rc)
		return rc;
	parser p = {.t = toks.v, .i = 0, .a = arena, .input = item, .what = "order_by", .depth = 0};
	if (toks.v[0].type == SRCH_T_END) {
		rc = fail(&p, 0, "empty order_by item");
	} else if ((rc = parse_ident(&p, &out->id)) == 0) {
		if (is_kw(peek(&p), "DESC")) {
			out->desc = 1;
			p.i++;
		} else if (is_kw(peek(&p), "ASC")) {
			p.i++;
		}
		if (peek(&p)->type != SRCH_T_END)
			rc = fail(&p, peek(&p)->pos, "expected ASC, DESC or the end of the order_by item");
	}
	free(toks.v);
	return rc;
}
