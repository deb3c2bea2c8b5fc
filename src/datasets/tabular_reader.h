/*
 * Private to the tabular readers (reader.c, csv.c, jsonl.c): the reader state shared by the format parsers.
 * Everything else uses the functions declared in tabular.h.
 */
#ifndef MLOPS_DATASETS_TABULAR_READER_H
#define MLOPS_DATASETS_TABULAR_READER_H

#include "datasets/tabular.h"

#define TR_INBUF (1u << 20)

struct mlops_datasets__reader {
	mlops_datasets__table_opts o;
	mlops_datasets__read_fn read;
	void *payload;

	/* input window: bytes in[pos, len) not yet consumed */
	char *in;
	size_t len, pos;
	size_t in_cap;       /* bytes allocated for in (CSV records longer than the buffer grow it) */
	bool eof;
	bool skip_lf;        /* the last record ended on '\r': a '\n' right after belongs to it */
	uint64_t line;       /* 1-based line of in[pos] */
	uint64_t row_line;   /* line on which the last returned row began */
	uint64_t rows;
	bool pending;        /* CSV without header: the first record was read to count the columns */
	unsigned char unq_stop[256]; /* CSV: bytes that end an unquoted run (delimiter, CR, LF) */

	/* JSON Lines row assembly: decoded values, each followed by a NUL (CSV fields stay in `in`, see csv.c) */
	char *row;
	size_t row_len, row_cap;
	size_t *off;         /* per cell: offset into row (JSON Lines) or into in (CSV), SIZE_MAX for null */
	size_t *cell_n;
	mlops_datasets__cell *cells;
	size_t cells_cap;    /* capacity of off, cell_n, cells, stamp, names */

	/* columns */
	size_t ncols;
	char **names;
	uint64_t *stamp;     /* JSONL: row number that last set this column (duplicate keys) */
	uint32_t *htab;      /* name -> column + 1, open addressing, size hcap (power of two) */
	size_t hcap;

	/* JSONL: the current line */
	char *lbuf;
	size_t lbuf_len, lbuf_cap;
	char *kbuf;          /* unescaped key */
	size_t kbuf_cap;
};

typedef struct mlops_datasets__reader tr_reader;

/* Refill: makes in[pos, len) non-empty unless at the end; returns 0 or the read error. */
int mlops_datasets__tr_fill(tr_reader *r);
/* Make room for n more bytes in row (plus a NUL); MLOPS_EPARSE when the row exceeds its limit. */
int mlops_datasets__tr_row_reserve(tr_reader *r, size_t n);
/* Ensure capacity for ncols cells. */
int mlops_datasets__tr_cells_reserve(tr_reader *r, size_t ncols);
/* Add a column name (copied). Names are made unique by appending ".1", ".2", ... */
int mlops_datasets__tr_add_column(tr_reader *r, const char *name, size_t n);
long mlops_datasets__tr_lookup(const tr_reader *r, const char *name, size_t n);
/* Resolve cell pointers from offsets once the row is complete. */
void mlops_datasets__tr_finish_row(tr_reader *r, size_t ncells);
/* Whether s[0,n) is all ASCII (the common case, checked inline before the full UTF-8 check). */
static inline bool tr_ascii(const char *s, size_t n)
{
	uint64_t acc = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		__builtin_memcpy(&w, s + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= (unsigned char)s[i];
	return !(acc & 0x8080808080808080ull);
}

/* Whether s[0,n) is valid UTF-8 (ASCII fast path). */
bool mlops_datasets__tr_utf8_ok(const char *s, size_t n);

int mlops_datasets__csv_header(tr_reader *r);
int mlops_datasets__csv_next(tr_reader *r);      /* 0 row, MLOPS_ITEROVER, error */
int mlops_datasets__jsonl_next(tr_reader *r);    /* 0 row, MLOPS_ITEROVER, error */

#endif
