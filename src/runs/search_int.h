/*
 * Internal declarations of run search: the tokens of the filter language (search_lexer.c), the syntax tree and
 * order_by items (search_parser.c), and their translation to SQL with bound parameters (search_sql.c), used by
 * search.c. Everything a parse produces lives in one arena owned by the caller.
 */
#ifndef MLOPS_RUNS_SEARCH_INT_H
#define MLOPS_RUNS_SEARCH_INT_H

#include "runs/runs_int.h"

/* ---- tokens (search_lexer.c) ---- */

typedef enum srch_tok_type {
	SRCH_T_END = 0,
	SRCH_T_WORD,    /* bare word: letters, digits, '_' (a keyword or an identifier segment) */
	SRCH_T_NUM,     /* number, sign and exponent included */
	SRCH_T_SQ,      /* 'single-quoted' */
	SRCH_T_DQ,      /* "double-quoted" */
	SRCH_T_BQ,      /* `backticked` */
	SRCH_T_DOT,
	SRCH_T_LP,
	SRCH_T_RP,
	SRCH_T_COMMA,
	SRCH_T_EQ,      /* = or == */
	SRCH_T_NE,      /* != or <> */
	SRCH_T_LT,
	SRCH_T_LE,
	SRCH_T_GT,
	SRCH_T_GE
} srch_tok_type;

typedef struct srch_tok {
	srch_tok_type type;
	size_t pos;        /* byte offset of the token's first character in the input */
	size_t end;        /* byte offset just past the token */
	const char *text;  /* WORD: as written; quoted: without quotes, doubled quotes collapsed; NUM: as written */
	double num;        /* NUM */
} srch_tok;

typedef struct srch_toks {
	srch_tok *v;
	size_t n;          /* the last one is SRCH_T_END */
} srch_toks;

/*
 * Split input into tokens (strings in arena, the array in toks->v released with free()). what names the input
 * in messages ("filter", "order_by"). MLOPS_EPARSE with a message that quotes the input and points at the
 * offending position.
 */
int mlops_runs__srch_lex(srch_toks *toks, mlops_runs__arena *arena, const char *what, const char *input);

/* Record MLOPS_EPARSE: "invalid <what> at position <pos + 1> near '<text>': <reason>", then the input and a
 * caret line under pos. Returns MLOPS_EPARSE. */
int mlops_runs__srch_error(const char *what, const char *input, size_t pos, const char *reason);

/* ---- syntax tree (search_parser.c) ---- */

typedef enum srch_entity {
	SRCH_METRIC = 1,
	SRCH_PARAM,
	SRCH_TAG,
	SRCH_ATTR
} srch_entity;

/* Metric summary columns a filter or an order_by item can name (metrics.<key>.<agg>). */
typedef enum srch_agg {
	SRCH_AGG_LAST = 0,
	SRCH_AGG_MIN,
	SRCH_AGG_MAX,
	SRCH_AGG_COUNT
} srch_agg;

typedef enum srch_attr {
	SRCH_A_RUN_ID = 1,
	SRCH_A_RUN_NAME,
	SRCH_A_STATUS,
	SRCH_A_USER_ID,
	SRCH_A_LIFECYCLE,
	SRCH_A_EXPERIMENT_ID,
	SRCH_A_START_TIME,  /* numeric from here on */
	SRCH_A_END_TIME
} srch_attr;

#define SRCH_ATTR_NUMERIC(a) ((a) >= SRCH_A_START_TIME)

typedef enum srch_op {
	SRCH_OP_EQ = 1,
	SRCH_OP_NE,
	SRCH_OP_LT,
	SRCH_OP_LE,
	SRCH_OP_GT,
	SRCH_OP_GE,
	SRCH_OP_LIKE,
	SRCH_OP_ILIKE,
	SRCH_OP_IN,
	SRCH_OP_NOT_IN,
	SRCH_OP_IS_NULL,
	SRCH_OP_IS_NOT_NULL
} srch_op;

/* What a comparison or an order_by item names. */
typedef struct srch_ident {
	srch_entity entity;
	const char *key;   /* metric/param/tag key; NULL for attributes */
	srch_agg agg;      /* metrics */
	srch_attr attr;    /* attributes */
} srch_ident;

typedef struct srch_value {
	int is_num;
	double num;
	const char *str;
} srch_value;

typedef enum srch_node_kind {
	SRCH_N_AND = 1,
	SRCH_N_OR,
	SRCH_N_NOT,
	SRCH_N_CMP
} srch_node_kind;

typedef struct srch_node {
	srch_node_kind kind;
	struct srch_node *a, *b;  /* AND/OR: both; NOT: a */
	srch_ident id;            /* CMP */
	srch_op op;
	const srch_value *vals;   /* one value, or the list of IN / NOT IN; none for IS [NOT] NULL */
	size_t n_vals;
	size_t pos;               /* position of the comparison in the input (for messages) */
} srch_node;

typedef struct srch_order {
	srch_ident id;
	int desc;
} srch_order;

/* Parse a filter (NULL or blank gives *out NULL: every run). Nodes live in arena. MLOPS_EPARSE on error. */
int mlops_runs__srch_parse_filter(srch_node **out, mlops_runs__arena *arena, const char *filter);

/* Parse one order_by item ("metrics.acc DESC"). MLOPS_EPARSE on error. */
int mlops_runs__srch_parse_order(srch_order *out, mlops_runs__arena *arena, const char *item);

/* ---- SQL (search_sql.c) ---- */

typedef enum srch_bind_type {
	SRCH_B_INT = 1,
	SRCH_B_DOUBLE,
	SRCH_B_TEXT
} srch_bind_type;

typedef struct srch_bind {
	srch_bind_type type;
	int64_t i;
	double d;
	const char *s;
} srch_bind;

/* A statement being assembled: its text parts and the values bound to its numbered parameters (?1, ?2, ...). */
typedef struct srch_sql {
	mlops_buf from;     /* the FROM clause: "runs_runs r", or the driving table, then runs_runs r */
	mlops_buf joins;    /* " LEFT JOIN ..." of the order_by items */
	const srch_node **conj; /* top-level conjuncts on params, tags and metrics (driver and EXISTS tests) */
	size_t n_conj;
	size_t cap_conj;
	mlops_buf where;    /* conditions, joined with AND */
	mlops_buf order;    /* ORDER BY terms */
	srch_bind *binds;
	size_t n_binds;
	size_t cap_binds;
	size_t n_aliases;   /* table aliases handed out so far */
	mlops_runs__arena *arena;
	mlops_store *store; /* to resolve metric keys to their interned ids (inside the caller's transaction) */
} srch_sql;

void mlops_runs__srch_sql_init(srch_sql *q, mlops_runs__arena *arena, mlops_store *store);
void mlops_runs__srch_sql_free(srch_sql *q);

/* Add a parameter; returns its number (>= 1), or a negative MLOPS code. */
int mlops_runs__srch_bind_int(srch_sql *q, int64_t v);
int mlops_runs__srch_bind_text(srch_sql *q, const char *s);
/* Add the interned id of a metric key as a parameter (-1 when no run has the key). */
int mlops_runs__srch_bind_metric_kid(srch_sql *q, const char *key);

/* Translate a filter tree: of the top-level conjuncts on params, tags and metrics, the most selective (counted
 * through its index, up to a cap) drives the search and the others become EXISTS tests on its rid; everything
 * else is a three-valued condition. Fills from and where. Call before mlops_runs__srch_sql_order(). */
int mlops_runs__srch_sql_filter(srch_sql *q, const srch_node *root);

/* Append the ORDER BY terms of one item (missing values last, NaN after numbers, in both directions). */
int mlops_runs__srch_sql_order(srch_sql *q, const srch_order *o);

/* Bind the parameters of q that st uses (the first sqlite3_bind_parameter_count(st)). */
int mlops_runs__srch_sql_bind(const srch_sql *q, sqlite3_stmt *st);

/* SQL LIKE pattern -> GLOB pattern (case-sensitive LIKE): '%' -> '*', '_' -> '?', GLOB's specials bracketed. */
char *mlops_runs__like_to_glob(mlops_runs__arena *arena, const char *like, int *err);

#endif
