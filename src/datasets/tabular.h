/*
 * Tabular data inside the datasets module (internal): streaming CSV (RFC 4180) and JSON Lines readers, type
 * inference, per-column statistics with bounded-memory sketches, and validation against a schema plus
 * expectations. The versions side of the module (commit, diff, show) calls mlops_datasets__profile() to store a
 * schema and statistics per tabular file; the public tabular API (end of include/mlops/datasets.h) is built on
 * the functions below. Not installed; never included outside src/.
 */
#ifndef MLOPS_DATASETS_TABULAR_H
#define MLOPS_DATASETS_TABULAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlops/common.h"

/* ---- the contract with the versions side ---- */

/* Pull-style byte source: fill buf with up to cap bytes; *out_n = 0 at the end. Returns 0 or a negative
 * MLOPS_E* code (recorded), which the caller passes on unchanged. */
typedef int (*mlops_datasets__read_fn)(size_t *out_n, void *buf, size_t cap, void *payload);

typedef enum {
	MLOPS_DATASETS__FMT_NONE = 0,
	MLOPS_DATASETS__FMT_CSV,
	MLOPS_DATASETS__FMT_JSONL
} mlops_datasets__fmt;

/* Format from a file name: ".csv" -> CSV, ".jsonl"/".ndjson" -> JSONL, else NONE (case-insensitive). */
mlops_datasets__fmt mlops_datasets__format_of(const char *path);

/* Profile a tabular stream in one pass with the default options of fmt: the inferred schema and the per-column
 * statistics as JSON texts (released with free()), and the row count. Any out-parameter may be NULL.
 * Malformed input returns MLOPS_EPARSE with the line number in the message; MLOPS_EINVAL for FMT_NONE;
 * MLOPS_ENOMEM; errors of read are passed on.
 * Schema JSON: {"format":"csv","columns":[{"name":"..","type":"int|float|bool|string|timestamp","nullable":true}]}
 * Stats JSON:  {"rows":N,"columns":{"<name>":{"type":..,"count":..,"nulls":..,"min":..,"max":..,"mean":..,
 *               "std":..,"distinct":..,"top":[{"value":..,"count":..}],
 *               "quantiles":{"0.01":..,"0.05":..,"0.25":..,"0.5":..,"0.75":..,"0.95":..,"0.99":..}}}}
 * (min/max/mean/std/quantiles appear only for the types they make sense for; see docs/api/datasets-tabular.md) */
int mlops_datasets__profile(char **out_schema_json, char **out_stats_json, uint64_t *out_rows,
                            mlops_datasets__fmt fmt, mlops_datasets__read_fn read, void *payload);

/* ---- reader options ---- */

#define MLOPS_DATASETS__MAX_FIELD_DEFAULT ((size_t)16 << 20) /* 16 MiB per field (CSV) or per line (JSONL) */
#define MLOPS_DATASETS__MAX_COLUMNS 65536

typedef struct mlops_datasets__table_opts {
	mlops_datasets__fmt fmt;
	char delimiter;          /* CSV: ',' */
	char quote;              /* CSV: '"' */
	bool has_header;         /* CSV: first record names the columns (else c1, c2, ...) */
	size_t max_field_bytes;  /* 0: MLOPS_DATASETS__MAX_FIELD_DEFAULT */
} mlops_datasets__table_opts;

/* Defaults for fmt: ',', '"', header, 16 MiB. */
void mlops_datasets__table_opts_default(mlops_datasets__table_opts *o, mlops_datasets__fmt fmt);

/* Same as mlops_datasets__profile with explicit options. */
int mlops_datasets__profile_ex(char **out_schema_json, char **out_stats_json, uint64_t *out_rows,
                               const mlops_datasets__table_opts *opts, mlops_datasets__read_fn read,
                               void *payload);

/* ---- streaming row reader (csv.c, jsonl.c, reader.c) ---- */

typedef enum {
	MLOPS_DATASETS__CELL_NULL = 0, /* empty CSV field, JSON null or a key missing from a JSON line */
	MLOPS_DATASETS__CELL_TEXT,     /* CSV field: type inferred from the text */
	MLOPS_DATASETS__CELL_STRING,   /* JSON string (unescaped): string or timestamp */
	MLOPS_DATASETS__CELL_NUMBER,   /* JSON number, its text */
	MLOPS_DATASETS__CELL_BOOL,     /* JSON true/false, text "true"/"false" */
	MLOPS_DATASETS__CELL_RAW       /* JSON array or object kept as its JSON text: a string */
} mlops_datasets__cell_kind;

typedef struct mlops_datasets__cell {
	const char *s;   /* NUL-terminated (s[n] == 0); "" for nulls */
	size_t n;
	mlops_datasets__cell_kind kind;
} mlops_datasets__cell;

typedef struct mlops_datasets__reader mlops_datasets__reader;

/* Open a reader over read/payload (not owned). CSV reads the header here (MLOPS_EPARSE when malformed). */
int mlops_datasets__reader_open(mlops_datasets__reader **out, const mlops_datasets__table_opts *opts,
                                mlops_datasets__read_fn read, void *payload);
/* Next data row: *out_cells gets ncols cells (valid until the next call). The number of columns of a JSON
 * Lines reader grows as new keys appear; earlier rows had nulls there. Returns 0, MLOPS_ITEROVER at the end,
 * MLOPS_EPARSE (message "line N: ...") or an error of read. */
int mlops_datasets__reader_next(const mlops_datasets__cell **out_cells, size_t *out_ncols,
                                mlops_datasets__reader *r);
size_t mlops_datasets__reader_ncols(const mlops_datasets__reader *r);
const char *mlops_datasets__reader_name(const mlops_datasets__reader *r, size_t col);
/* Index of a column by name, or -1. */
long mlops_datasets__reader_find(const mlops_datasets__reader *r, const char *name);
/* 1-based line on which the last returned row began. */
uint64_t mlops_datasets__reader_line(const mlops_datasets__reader *r);
mlops_datasets__fmt mlops_datasets__reader_fmt(const mlops_datasets__reader *r);
void mlops_datasets__reader_free(mlops_datasets__reader *r);

/* ---- types (infer.c) ---- */

typedef enum {
	MLOPS_DATASETS__TYPE_NONE = 0,  /* no non-null value seen: reported as "string" */
	MLOPS_DATASETS__TYPE_BOOL,
	MLOPS_DATASETS__TYPE_INT,
	MLOPS_DATASETS__TYPE_FLOAT,
	MLOPS_DATASETS__TYPE_TIMESTAMP,
	MLOPS_DATASETS__TYPE_STRING
} mlops_datasets__type;

const char *mlops_datasets__type_name(mlops_datasets__type t);
/* "int"|"float"|"bool"|"string"|"timestamp" -> type; false when unknown. */
bool mlops_datasets__type_parse(mlops_datasets__type *out, const char *name);
/* Smallest type holding both (int+float -> float, NONE+x -> x, any other mix -> string). */
mlops_datasets__type mlops_datasets__widen(mlops_datasets__type a, mlops_datasets__type b);

/* Type of one non-null cell, with its value: *out_num for int/float/bool (0/1) and for timestamps (seconds since
 * the epoch, UTC). */
mlops_datasets__type mlops_datasets__classify(const mlops_datasets__cell *c, double *out_num, int64_t *out_int);

bool mlops_datasets__parse_int(int64_t *out, const char *s, size_t n);
bool mlops_datasets__parse_float(double *out, const char *s, size_t n);
bool mlops_datasets__parse_bool(bool *out, const char *s, size_t n);
/* ISO 8601: YYYY-MM-DD, optionally [T ]hh:mm[:ss[.frac]] and Z or +hh[:mm]/-hh[:mm]. */
bool mlops_datasets__parse_timestamp(double *out_epoch, const char *s, size_t n);
/* Whether a non-null cell conforms to type t (int conforms to float; everything conforms to string). */
bool mlops_datasets__conforms(const mlops_datasets__cell *c, mlops_datasets__type t);

/* ---- sketches (sketch.c) ---- */

/* Distinct count: the exact set of 64-bit hashes while at most MLOPS_DATASETS__HLL_SPARSE_MAX distinct values were
 * seen (at most 8 KiB), then HyperLogLog with 2^14 one-byte registers (16 KiB; standard error 0.81%). Small columns
 * of wide tables thus stay small and exact. */
#define MLOPS_DATASETS__HLL_P 14
#define MLOPS_DATASETS__HLL_SPARSE_MAX 768
typedef struct mlops_datasets__hll {
	uint8_t *reg;      /* dense registers, NULL while sparse */
	uint64_t *set;     /* sparse: open addressing, 0 = empty (a zero hash is stored as 1) */
	uint32_t n, cap;
} mlops_datasets__hll;
void mlops_datasets__hll_init(mlops_datasets__hll *h);
int mlops_datasets__hll_add(mlops_datasets__hll *h, uint64_t hash);   /* MLOPS_ENOMEM */
double mlops_datasets__hll_estimate(const mlops_datasets__hll *h);
void mlops_datasets__hll_free(mlops_datasets__hll *h);

/* Frequent items (Misra-Gries with median purges, k counters): any value with frequency > 2*rows/k is kept; a kept
 * count is a lower bound and the true count lies in [count, count + err]; exact (err = 0) while at most k distinct
 * values were seen. Values are keyed by a 64-bit hash of the full text; at most MLOPS_DATASETS__TOP_VALUE_MAX
 * bytes of each value are kept for display. */
#define MLOPS_DATASETS__TOP_K 64
#define MLOPS_DATASETS__TOP_VALUE_MAX 64
typedef struct mlops_datasets__topk mlops_datasets__topk;
int mlops_datasets__topk_new(mlops_datasets__topk **out, unsigned k);
/* 1 when the value (by hash) already had a counter, 0 when it got one, MLOPS_ENOMEM. */
int mlops_datasets__topk_add(mlops_datasets__topk *t, uint64_t hash, const char *s, size_t n);
/* Counters sorted by count descending (ties by value); pointers valid until the next add/free. */
typedef struct mlops_datasets__topk_item {
	const char *value;
	size_t n;
	bool truncated;    /* value holds the first n bytes only (cut at a UTF-8 boundary) */
	uint64_t count;
	uint64_t err;
} mlops_datasets__topk_item;
int mlops_datasets__topk_items(mlops_datasets__topk_item **out, size_t *out_n, mlops_datasets__topk *t);
void mlops_datasets__topk_free(mlops_datasets__topk *t);

/* Quantiles: exact while at most MLOPS_DATASETS__QEXACT values were added, then a KLL sketch (k=256,
 * deterministic coins) whose rank error is below 1% typically and 1.6% at 99% confidence. */
#define MLOPS_DATASETS__QEXACT 16384
typedef struct mlops_datasets__quant mlops_datasets__quant;
int mlops_datasets__quant_new(mlops_datasets__quant **out);
int mlops_datasets__quant_add(mlops_datasets__quant *q, double v);
/* Values at ranks in [0,1] (nearest rank: the smallest value whose rank reaches rank * count); NaN when empty.
 * Sorts internal buffers (not const). MLOPS_ENOMEM. */
int mlops_datasets__quant_get_many(double *out, const double *ranks, size_t n, mlops_datasets__quant *q);
/* One rank; NaN when empty or out of memory. */
double mlops_datasets__quant_get(mlops_datasets__quant *q, double rank);
uint64_t mlops_datasets__quant_count(const mlops_datasets__quant *q);
bool mlops_datasets__quant_exact(const mlops_datasets__quant *q);
void mlops_datasets__quant_free(mlops_datasets__quant *q);

/* ---- validation (validate.c) ---- */

/* Validate a tabular stream against expectations (JSON text, may be NULL) and an optional schema (JSON in the
 * format of the inferred schema, may be NULL). *out_report gets the report JSON (released with free()),
 * *out_success whether every expectation passed. Bad expectations or schema JSON: MLOPS_EINVAL (or MLOPS_EPARSE
 * for text that is not JSON); malformed data: MLOPS_EPARSE with the line number; errors of read passed on. */
int mlops_datasets__validate(char **out_report, bool *out_success, const mlops_datasets__table_opts *opts,
                             mlops_datasets__read_fn read, void *payload, const char *expectations_json,
                             const char *schema_json);

/* Check expectations (and schema) JSON without data: 0 or MLOPS_EINVAL/MLOPS_EPARSE with a message. */
int mlops_datasets__expectations_check(const char *expectations_json, const char *schema_json);

/* ---- byte sources ---- */

/* A read_fn over an open file descriptor (payload: int *). */
int mlops_datasets__read_fd(size_t *out_n, void *buf, size_t cap, void *payload);
/* A read_fn over memory (payload: mlops_datasets__mem_src *). */
typedef struct mlops_datasets__mem_src {
	const char *data;
	size_t len;
	size_t pos;
} mlops_datasets__mem_src;
int mlops_datasets__read_mem(size_t *out_n, void *buf, size_t cap, void *payload);

#endif
