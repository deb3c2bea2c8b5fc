/*
 * Private to validation (expect.c parses, validate.c evaluates): one expectation, its parameters and its running
 * result. Everything else uses mlops_datasets__validate() in tabular.h.
 */
#ifndef MLOPS_DATASETS_EXPECT_H
#define MLOPS_DATASETS_EXPECT_H

#include <regex.h>

#include "datasets/tabular.h"

#define EX_EXAMPLES 20

typedef enum {
	EX_NOT_NULL = 0,
	EX_BETWEEN,
	EX_IN_SET,
	EX_UNIQUE,
	EX_REGEX,
	EX_ROW_COUNT,
	EX_MAX_NULL_SHARE,
	EX_COLUMN,
	EX_SCHEMA_COLUMNS  /* generated from a schema: no column beyond the schema's */
} ex_kind;

typedef struct ex_uentry {
	uint64_t h1, h2;
	uint64_t row;      /* first row with the value; top bit: that row was counted as unexpected */
} ex_uentry;

typedef struct ex {
	ex_kind kind;
	char *json;        /* the expectation as given, compact JSON (or generated from the schema) */
	char *column;      /* NULL for table-level expectations */
	bool from_schema;  /* generated from a schema column */
	long col;          /* index in the reader, -1 until the column is seen */
	double mostly;     /* fraction of non-null values (of rows for not_null) that must pass; 1 by default */

	/* between: bounds as numbers, or as instants when given as ISO 8601 strings */
	bool has_min, has_max, strict_min, strict_max, time_bounds;
	double min, max;
	/* in_set */
	char **set;        /* texts, sorted by strcmp */
	size_t nset;
	double *nums;      /* numbers, sorted */
	size_t nnums;
	bool set_true, set_false;
	/* regex */
	regex_t re;
	bool re_ok;
	/* row_count */
	bool has_rmin, has_rmax;
	uint64_t rmin, rmax;
	/* max_null_share */
	double share;
	/* column */
	bool has_dtype;
	mlops_datasets__type dtype, observed;
	/* unique: exact set of 128-bit hashes (memory grows with distinct values: 24 bytes each, half full) */
	ex_uentry *utab;
	size_t ucap, ucount;

	/* running result */
	uint64_t unexpected, nonnull, nulls;
	uint64_t examples[EX_EXAMPLES];
	size_t nex;
	char **extra;      /* schema_columns: names of unexpected columns */
	size_t nextra;
} ex;

/* Parse expectations (may be NULL) and a schema (may be NULL) into *out (n entries; free with ex_free_all).
 * MLOPS_EPARSE for text that is not JSON, MLOPS_EINVAL for JSON of the wrong shape (the message names the
 * expectation by index and the field), MLOPS_ENOMEM. */
int mlops_datasets__ex_parse(ex **out, size_t *out_n, const char *expectations_json, const char *schema_json);
void mlops_datasets__ex_free(ex *e, size_t n);

#endif
