/*
 * CSV records (RFC 4180) for the tabular reader: quoted fields with doubled quotes, delimiters and line breaks
 * inside quotes, LF, CRLF or CR line endings, an optional UTF-8 byte order mark (skipped by reader.c).
 * Choices where RFC 4180 is silent or strict:
 *  - an empty unquoted field is null; a quoted empty field ("") is the empty string (PostgreSQL's COPY rule);
 *  - a quote inside an unquoted field is kept literally (as Python's csv module does); any character other than
 *    a delimiter or a line break after a closing quote is an error;
 *  - lines with no bytes at all are skipped (pandas' skip_blank_lines), also in one-column files;
 *  - every record must have as many fields as the header (or the first record without header).
 * Errors are MLOPS_EPARSE with the 1-based line number; a field is limited to max_field_bytes and a record to
 * four times that, so memory stays bounded whatever the input.
 */
#include <string.h>

#include "datasets/tabular_reader.h"
#include "util/util.h"

enum { S_START, S_UNQ, S_Q, S_QQ };

#define ONES UINT64_C(0x0101010101010101)

/* Bit 7 of each byte of the result is set where v has a zero byte (exact for the lowest such byte, which is
 * the one used). */
static inline uint64_t has_zero(uint64_t v)
{
	return (v - ONES) & ~v & (ONES * 0x80);
}

/* Inlined: called once or twice per field. */
static inline __attribute__((always_inline)) int append(tr_reader *r, const char *p, size_t n, size_t fstart,
                                                       size_t nf)
{
	if (r->row_len - fstart + n > r->o.max_field_bytes)
		return mlops__error(MLOPS_EPARSE, "line %llu: field %zu is longer than %zu bytes",
		                    (unsigned long long)r->row_line, nf + 1, r->o.max_field_bytes);
	int rc;
	if (r->row_len + n + 1 > r->row_cap && (rc = mlops_datasets__tr_row_reserve(r, n)))
		return rc;
	memcpy(r->row + r->row_len, p, n);
	r->row_len += n;
	return 0;
}

/* check: the field may hold non-ASCII bytes (the unquoted scan knows when it does not) */
static inline __attribute__((always_inline)) int end_field(tr_reader *r, size_t *nf, size_t fstart, bool null,
                                                          bool check)
{
	size_t i = *nf;
	if (r->ncols && i >= r->ncols)
		return mlops__error(MLOPS_EPARSE, "line %llu: more than the %zu fields of the header",
		                    (unsigned long long)r->row_line, r->ncols);
	int rc;
	if (i >= r->cells_cap && (rc = mlops_datasets__tr_cells_reserve(r, i + 1)))
		return rc;
	if (r->row_len + 1 > r->row_cap && (rc = mlops_datasets__tr_row_reserve(r, 0)))
		return rc;
	size_t n = r->row_len - fstart;
	if (check && !tr_ascii(r->row + fstart, n) && !mlops__utf8_valid(r->row + fstart, n))
		return mlops__error(MLOPS_EPARSE, "line %llu: field %zu is not valid UTF-8",
		                    (unsigned long long)r->row_line, i + 1);
	r->off[i] = null ? SIZE_MAX : fstart;
	r->cell_n[i] = n;
	r->cells[i].kind = MLOPS_DATASETS__CELL_TEXT;
	r->row[r->row_len++] = '\0';
	*nf = i + 1;
	return 0;
}

/* One record into row/off/cell_n: 1 with *out_n fields, 0 at the end of the input, or an error. */
static int csv_record(tr_reader *r, size_t *out_n)
{
	const char d = r->o.delimiter, q = r->o.quote;
	size_t nf = 0, fstart = 0;
	int st = S_START;
	bool any = false, hi = false;
	uint64_t qline = 0;
	const uint64_t md = ONES * (unsigned char)d;
	int rc;

	r->row_len = 0;
	r->row_line = r->line;
	for (;;) {
		if (r->pos >= r->len) {
			rc = mlops_datasets__tr_fill(r);
			if (rc)
				return rc;
			if (r->pos >= r->len) {
				if (st == S_Q)
					return mlops__error(MLOPS_EPARSE, "line %llu: unterminated quoted field %zu (the "
					                    "input ends on line %llu)", (unsigned long long)qline, nf + 1,
					                    (unsigned long long)r->line);
				if (!any)
					return 0;
				rc = end_field(r, &nf, fstart, st == S_START, hi);
				if (rc)
					return rc;
				*out_n = nf;
				return 1;
			}
		}
		if (r->skip_lf) {
			r->skip_lf = false;
			if (r->in[r->pos] == '\n') {
				r->pos++;
				continue;
			}
		}
		const char *p = r->in + r->pos, *end = r->in + r->len;
		char c = *p;
		switch (st) {
		case S_START:
			if (c == q) {
				st = S_Q;
				qline = r->line;
				any = true;
				hi = true; /* quoted fields are always validated */
				fstart = r->row_len;
				r->pos++;
				continue;
			}
			if (c == '\n' || c == '\r') {
				r->pos++;
				r->line++;
				r->skip_lf = c == '\r';
				if (!any) {
					r->row_line = r->line;
					continue;
				}
				rc = end_field(r, &nf, r->row_len, true, false);
				if (rc)
					return rc;
				*out_n = nf;
				return 1;
			}
			any = true;
			hi = false;
			fstart = r->row_len;
			if (c == d) {
				rc = end_field(r, &nf, fstart, true, false);
				if (rc)
					return rc;
				r->pos++;
				continue;
			}
			st = S_UNQ;
			/* fall through */
		case S_UNQ: {
			/* Eight bytes at a time (SWAR): stop at a delimiter, a line break or a non-ASCII byte; the latter
			 * only marks the field for UTF-8 validation. */
			const char *s = p;
			for (;;) {
				while (s + 8 <= end) {
					uint64_t w;
					memcpy(&w, s, 8);
					uint64_t m = has_zero(w ^ md) | has_zero(w ^ (ONES * '\n')) | has_zero(w ^ (ONES * '\r')) |
					             (w & (ONES * 0x80));
					if (m) {
						s += __builtin_ctzll(m) >> 3;
						break;
					}
					s += 8;
				}
				while (s < end && !r->unq_stop[(unsigned char)*s] && !((unsigned char)*s & 0x80))
					s++;
				if (s < end && ((unsigned char)*s & 0x80)) {
					hi = true;
					s++;
					continue;
				}
				break;
			}
			if (s > p) {
				rc = append(r, p, (size_t)(s - p), fstart, nf);
				if (rc)
					return rc;
			}
			r->pos += (size_t)(s - p);
			if (s == end)
				continue;
			c = *s;
			r->pos++;
			rc = end_field(r, &nf, fstart, false, hi);
			if (rc)
				return rc;
			st = S_START;
			if (c == d)
				continue;
			r->line++;
			r->skip_lf = c == '\r';
			*out_n = nf;
			return 1;
		}
		case S_Q: {
			const char *s = p;
			uint64_t lines = 0;
			while (s < end && *s != q) {
				lines += *s == '\n';
				s++;
			}
			if (s > p) {
				rc = append(r, p, (size_t)(s - p), fstart, nf);
				if (rc)
					return rc;
			}
			r->line += lines;
			r->pos += (size_t)(s - p);
			if (s < end) {
				r->pos++;
				st = S_QQ;
			}
			continue;
		}
		default: /* S_QQ: a quote inside a quoted field, either doubled or closing */
			if (c == q) {
				rc = append(r, p, 1, fstart, nf);
				if (rc)
					return rc;
				r->pos++;
				st = S_Q;
				continue;
			}
			if (c == d || c == '\n' || c == '\r') {
				r->pos++;
				rc = end_field(r, &nf, fstart, false, true);
				if (rc)
					return rc;
				st = S_START;
				if (c == d)
					continue;
				r->line++;
				r->skip_lf = c == '\r';
				*out_n = nf;
				return 1;
			}
			return mlops__error(MLOPS_EPARSE, "line %llu: unexpected character after the closing quote of "
			                    "field %zu", (unsigned long long)r->line, nf + 1);
		}
	}
}

int mlops_datasets__csv_header(tr_reader *r)
{
	memset(r->unq_stop, 0, sizeof(r->unq_stop));
	r->unq_stop[(unsigned char)r->o.delimiter] = 1;
	r->unq_stop['\n'] = 1;
	r->unq_stop['\r'] = 1;
	size_t nf = 0;
	int rc = csv_record(r, &nf);
	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < nf; i++) {
		if (r->o.has_header) {
			size_t n = r->off[i] == SIZE_MAX ? 0 : r->cell_n[i];
			rc = mlops_datasets__tr_add_column(r, n ? r->row + r->off[i] : "", n);
		} else {
			rc = mlops_datasets__tr_add_column(r, "", 0);
		}
		if (rc)
			return rc;
	}
	if (!r->o.has_header) {
		r->pending = true;
		mlops_datasets__tr_finish_row(r, nf);
	}
	return 0;
}

int mlops_datasets__csv_next(tr_reader *r)
{
	if (r->pending) {
		r->pending = false;
		return 0;
	}
	if (!r->ncols)
		return MLOPS_ITEROVER;
	size_t nf = 0;
	int rc = csv_record(r, &nf);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return MLOPS_ITEROVER;
	if (nf != r->ncols)
		return mlops__error(MLOPS_EPARSE, "line %llu: %zu fields, expected %zu as in the header",
		                    (unsigned long long)r->row_line, nf, r->ncols);
	mlops_datasets__tr_finish_row(r, nf);
	return 0;
}
