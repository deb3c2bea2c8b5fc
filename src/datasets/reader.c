/*
 * The streaming row reader shared by the CSV and JSON Lines parsers: input buffering over a pull-style byte
 * source, row assembly with NUL-terminated cells, column names (unique, hashed), format detection and the
 * simple byte sources (fd, memory).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "datasets/tabular_reader.h"
#include "util/util.h"

mlops_datasets__fmt mlops_datasets__format_of(const char *path)
{
	if (!path)
		return MLOPS_DATASETS__FMT_NONE;
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (!dot || (slash && dot < slash))
		return MLOPS_DATASETS__FMT_NONE;
	if (!strcasecmp(dot, ".csv"))
		return MLOPS_DATASETS__FMT_CSV;
	if (!strcasecmp(dot, ".jsonl") || !strcasecmp(dot, ".ndjson"))
		return MLOPS_DATASETS__FMT_JSONL;
	return MLOPS_DATASETS__FMT_NONE;
}

void mlops_datasets__table_opts_default(mlops_datasets__table_opts *o, mlops_datasets__fmt fmt)
{
	o->fmt = fmt;
	o->delimiter = ',';
	o->quote = '"';
	o->has_header = true;
	o->max_field_bytes = MLOPS_DATASETS__MAX_FIELD_DEFAULT;
}

int mlops_datasets__read_fd(size_t *out_n, void *buf, size_t cap, void *payload)
{
	int fd = *(int *)payload;
	for (;;) {
		ssize_t n = read(fd, buf, cap);
		if (n >= 0) {
			*out_n = (size_t)n;
			return 0;
		}
		if (errno != EINTR)
			return mlops__error_errno(errno, "reading tabular input");
	}
}

int mlops_datasets__read_mem(size_t *out_n, void *buf, size_t cap, void *payload)
{
	mlops_datasets__mem_src *m = payload;
	size_t n = m->len - m->pos;
	if (n > cap)
		n = cap;
	if (n)
		memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*out_n = n;
	return 0;
}

int mlops_datasets__tr_fill(tr_reader *r)
{
	while (r->pos >= r->len && !r->eof) {
		size_t n = 0;
		r->pos = r->len = 0;
		int rc = r->read(&n, r->in, TR_INBUF, r->payload);
		if (rc)
			return rc;
		if (n > TR_INBUF)
			return mlops__error(MLOPS_EINVAL, "tabular input: the byte source returned %zu bytes for a "
			                    "buffer of %u", n, TR_INBUF);
		if (!n)
			r->eof = true;
		r->len = n;
	}
	return 0;
}

int mlops_datasets__tr_row_reserve(tr_reader *r, size_t n)
{
	size_t limit = r->o.max_field_bytes * 2; /* JSON Lines: the values of one line of at most max_field_bytes */
	if (r->row_len + n + 1 <= r->row_cap)
		return 0;
	if (r->row_len + n > limit)
		return mlops__error(MLOPS_EPARSE, "line %llu: record longer than %zu bytes",
		                    (unsigned long long)r->row_line, limit);
	size_t cap = r->row_cap ? r->row_cap : 4096;
	while (cap < r->row_len + n + 1)
		cap *= 2;
	char *p = mlops__realloc(r->row, cap);
	if (!p)
		return MLOPS_ENOMEM;
	r->row = p;
	r->row_cap = cap;
	return 0;
}

int mlops_datasets__tr_cells_reserve(tr_reader *r, size_t ncols)
{
	if (ncols <= r->cells_cap)
		return 0;
	if (ncols > MLOPS_DATASETS__MAX_COLUMNS)
		return mlops__error(MLOPS_EPARSE, "line %llu: more than %d columns", (unsigned long long)r->row_line,
		                    MLOPS_DATASETS__MAX_COLUMNS);
	size_t cap = r->cells_cap ? r->cells_cap : 16;
	while (cap < ncols)
		cap *= 2;
	size_t *off = mlops__realloc(r->off, cap * sizeof(*off));
	if (!off)
		return MLOPS_ENOMEM;
	r->off = off;
	size_t *cn = mlops__realloc(r->cell_n, cap * sizeof(*cn));
	if (!cn)
		return MLOPS_ENOMEM;
	r->cell_n = cn;
	mlops_datasets__cell *cells = mlops__realloc(r->cells, cap * sizeof(*cells));
	if (!cells)
		return MLOPS_ENOMEM;
	r->cells = cells;
	char **names = mlops__realloc(r->names, cap * sizeof(*names));
	if (!names)
		return MLOPS_ENOMEM;
	r->names = names;
	uint64_t *stamp = mlops__realloc(r->stamp, cap * sizeof(*stamp));
	if (!stamp)
		return MLOPS_ENOMEM;
	r->stamp = stamp;
	for (size_t i = r->cells_cap; i < cap; i++) {
		names[i] = NULL;
		stamp[i] = 0;
		cells[i].kind = MLOPS_DATASETS__CELL_NULL;
		cells[i].s = "";
		cells[i].n = 0;
	}
	r->cells_cap = cap;
	return 0;
}

static size_t name_hash(const char *s, size_t n)
{
	return (size_t)mlops__hash64(s, n);
}

long mlops_datasets__tr_lookup(const tr_reader *r, const char *name, size_t n)
{
	if (!r->hcap)
		return -1;
	size_t mask = r->hcap - 1;
	for (size_t i = name_hash(name, n) & mask;; i = (i + 1) & mask) {
		uint32_t v = r->htab[i];
		if (!v)
			return -1;
		const char *c = r->names[v - 1];
		if (strlen(c) == n && !memcmp(c, name, n))
			return (long)(v - 1);
	}
}

static int htab_insert(tr_reader *r, size_t col)
{
	if ((r->ncols + 1) * 2 > r->hcap) {
		size_t cap = r->hcap ? r->hcap * 2 : 64;
		uint32_t *t = mlops__calloc(cap, sizeof(*t));
		if (!t)
			return MLOPS_ENOMEM;
		free(r->htab);
		r->htab = t;
		r->hcap = cap;
		for (size_t c = 0; c < r->ncols; c++)
			if (c != col) {
				const char *nm = r->names[c];
				size_t i = name_hash(nm, strlen(nm)) & (cap - 1);
				while (t[i])
					i = (i + 1) & (cap - 1);
				t[i] = (uint32_t)(c + 1);
			}
	}
	const char *nm = r->names[col];
	size_t i = name_hash(nm, strlen(nm)) & (r->hcap - 1);
	while (r->htab[i])
		i = (i + 1) & (r->hcap - 1);
	r->htab[i] = (uint32_t)(col + 1);
	return 0;
}

int mlops_datasets__tr_add_column(tr_reader *r, const char *name, size_t n)
{
	int rc = mlops_datasets__tr_cells_reserve(r, r->ncols + 1);
	if (rc)
		return rc;
	char *nm;
	if (n == 0)
		nm = mlops__sprintf("c%zu", r->ncols + 1);
	else
		nm = mlops__strndup(name, n);
	if (!nm)
		return MLOPS_ENOMEM;
	/* Same rule as pandas' mangle_dupe_cols: the second "x" becomes "x.1". */
	for (unsigned k = 1; mlops_datasets__tr_lookup(r, nm, strlen(nm)) >= 0; k++) {
		char *alt = n ? mlops__sprintf("%.*s.%u", (int)n, name, k) : mlops__sprintf("c%zu.%u", r->ncols + 1, k);
		free(nm);
		if (!alt)
			return MLOPS_ENOMEM;
		nm = alt;
	}
	size_t col = r->ncols;
	r->names[col] = nm;
	r->stamp[col] = 0;
	rc = htab_insert(r, col);
	if (rc) {
		free(nm);
		r->names[col] = NULL;
		return rc;
	}
	r->ncols++;
	return 0;
}

void mlops_datasets__tr_finish_row(tr_reader *r, size_t ncells)
{
	for (size_t i = 0; i < ncells; i++) {
		mlops_datasets__cell *c = &r->cells[i];
		if (r->off[i] == SIZE_MAX) {
			c->s = "";
			c->n = 0;
			c->kind = MLOPS_DATASETS__CELL_NULL;
		} else {
			c->s = r->row + r->off[i];
			c->n = r->cell_n[i];
		}
	}
}

bool mlops_datasets__tr_utf8_ok(const char *s, size_t n)
{
	size_t i = 0;
	uint64_t acc = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= (unsigned char)s[i];
	if (!(acc & 0x8080808080808080ull))
		return true;
	return mlops__utf8_valid(s, n);
}

int mlops_datasets__reader_open(mlops_datasets__reader **out, const mlops_datasets__table_opts *opts,
                                mlops_datasets__read_fn read, void *payload)
{
	*out = NULL;
	if (!opts || !read)
		return mlops__error(MLOPS_EINVAL, "tabular reader: options and a byte source are required");
	if (opts->fmt != MLOPS_DATASETS__FMT_CSV && opts->fmt != MLOPS_DATASETS__FMT_JSONL)
		return mlops__error(MLOPS_EINVAL, "tabular reader: unknown format %d (expected CSV or JSON Lines)",
		                    (int)opts->fmt);
	if (opts->fmt == MLOPS_DATASETS__FMT_CSV &&
	    (opts->delimiter == opts->quote || opts->delimiter == '\n' || opts->delimiter == '\r' ||
	     opts->quote == '\n' || opts->quote == '\r' || !opts->delimiter || !opts->quote))
		return mlops__error(MLOPS_EINVAL, "CSV options: delimiter %d and quote %d must differ and not be a "
		                    "line break or NUL", opts->delimiter, opts->quote);
	tr_reader *r = mlops__calloc(1, sizeof(*r));
	if (!r)
		return MLOPS_ENOMEM;
	r->o = *opts;
	if (!r->o.max_field_bytes)
		r->o.max_field_bytes = MLOPS_DATASETS__MAX_FIELD_DEFAULT;
	if (r->o.max_field_bytes > ((size_t)1 << 40))
		r->o.max_field_bytes = (size_t)1 << 40;
	r->read = read;
	r->payload = payload;
	r->line = 1;
	r->row_line = 1;
	int rc = MLOPS_ENOMEM;
	r->in = mlops__malloc(TR_INBUF + 1);
	if (!r->in)
		goto fail;
	r->in_cap = TR_INBUF + 1;
	/* A UTF-8 byte order mark may precede the first record; read until 3 bytes are there to see it. */
	while (!r->eof && r->len < 3) {
		size_t n = 0;
		rc = r->read(&n, r->in + r->len, TR_INBUF - r->len, r->payload);
		if (rc)
			goto fail;
		if (n > TR_INBUF - r->len) {
			rc = mlops__error(MLOPS_EINVAL, "tabular input: the byte source overfilled its buffer");
			goto fail;
		}
		if (!n)
			r->eof = true;
		r->len += n;
	}
	if (r->len >= 3 && !memcmp(r->in, "\xEF\xBB\xBF", 3))
		r->pos = 3;
	if (r->o.fmt == MLOPS_DATASETS__FMT_CSV) {
		rc = mlops_datasets__csv_header(r);
		if (rc)
			goto fail;
	}
	*out = r;
	return 0;
fail:
	mlops_datasets__reader_free(r);
	return rc;
}

int mlops_datasets__reader_next(const mlops_datasets__cell **out_cells, size_t *out_ncols,
                                mlops_datasets__reader *r)
{
	int rc = r->o.fmt == MLOPS_DATASETS__FMT_CSV ? mlops_datasets__csv_next(r) : mlops_datasets__jsonl_next(r);
	if (rc)
		return rc;
	r->rows++;
	*out_cells = r->cells;
	*out_ncols = r->ncols;
	return 0;
}

size_t mlops_datasets__reader_ncols(const mlops_datasets__reader *r)
{
	return r->ncols;
}

const char *mlops_datasets__reader_name(const mlops_datasets__reader *r, size_t col)
{
	return col < r->ncols ? r->names[col] : NULL;
}

long mlops_datasets__reader_find(const mlops_datasets__reader *r, const char *name)
{
	return mlops_datasets__tr_lookup(r, name, strlen(name));
}

uint64_t mlops_datasets__reader_line(const mlops_datasets__reader *r)
{
	return r->row_line;
}

mlops_datasets__fmt mlops_datasets__reader_fmt(const mlops_datasets__reader *r)
{
	return r->o.fmt;
}

void mlops_datasets__reader_free(mlops_datasets__reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ncols; i++)
		free(r->names[i]);
	free(r->names);
	free(r->in);
	free(r->row);
	free(r->off);
	free(r->cell_n);
	free(r->cells);
	free(r->stamp);
	free(r->htab);
	free(r->lbuf);
	free(r->kbuf);
	free(r);
}
