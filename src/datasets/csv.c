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
 * four times that, so memory stays bounded whatever the input. Fields are not copied: they are terminated and
 * unescaped inside the input buffer (see end_field).
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

/* Make in[pos, len) non-empty unless the input is at its end, keeping the bytes of the current record
 * in[base, len) in the buffer: they move to its front (*shift gets how far) or, for a record longer than the
 * buffer, the buffer grows (up to four times max_field_bytes). One spare byte always stays free so that the
 * last field of the input can be NUL-terminated in place. */
static int csv_fill(tr_reader *r, size_t base, size_t *shift)
{
	*shift = 0;
	while (r->pos >= r->len && !r->eof) {
		if (base > 0) {
			memmove(r->in, r->in + base, r->len - base);
			r->len -= base;
			r->pos -= base;
			*shift += base;
			base = 0;
		}
		if (r->len + 1 >= r->in_cap) {
			size_t limit = r->o.max_field_bytes * 4 + 2;
			if (r->in_cap >= limit)
				return mlops__error(MLOPS_EPARSE, "line %llu: record longer than %zu bytes",
				                    (unsigned long long)r->row_line, limit - 2);
			size_t cap = r->in_cap * 2 < limit ? r->in_cap * 2 : limit;
			char *p = mlops__realloc(r->in, cap);
			if (!p)
				return MLOPS_ENOMEM;
			r->in = p;
			r->in_cap = cap;
		}
		size_t room = r->in_cap - 1 - r->len, n = 0;
		int rc = r->read(&n, r->in + r->len, room, r->payload);
		if (rc)
			return rc;
		if (n > room)
			return mlops__error(MLOPS_EINVAL, "tabular input: the byte source returned %zu bytes for a "
			                    "buffer of %zu", n, room);
		if (!n)
			r->eof = true;
		r->len += n;
	}
	return 0;
}

/* Fields live in the input buffer itself: an unquoted field is NUL-terminated over the delimiter or line break
 * that ends it, a quoted field is unescaped in place (a doubled quote shrinks it) and terminated after its last
 * byte. off[] holds offsets into the buffer, shifted when csv_fill() moves the record. */
static inline __attribute__((always_inline)) int end_field(tr_reader *r, size_t *nf, size_t fstart, size_t n,
                                                          bool null, bool check)
{
	size_t i = *nf;
	if (r->ncols && i >= r->ncols)
		return mlops__error(MLOPS_EPARSE, "line %llu: more than the %zu fields of the header",
		                    (unsigned long long)r->row_line, r->ncols);
	int rc;
	if (i >= r->cells_cap && (rc = mlops_datasets__tr_cells_reserve(r, i + 1)))
		return rc;
	if (n > r->o.max_field_bytes)
		return mlops__error(MLOPS_EPARSE, "line %llu: field %zu is longer than %zu bytes",
		                    (unsigned long long)r->row_line, i + 1, r->o.max_field_bytes);
	if (check && !tr_ascii(r->in + fstart, n) && !mlops__utf8_valid(r->in + fstart, n))
		return mlops__error(MLOPS_EPARSE, "line %llu: field %zu is not valid UTF-8",
		                    (unsigned long long)r->row_line, i + 1);
	r->off[i] = null ? SIZE_MAX : fstart;
	r->cell_n[i] = n;
	r->cells[i].kind = MLOPS_DATASETS__CELL_TEXT;
	if (!null)
		r->in[fstart + n] = '\0';
	*nf = i + 1;
	return 0;
}

static int too_long(tr_reader *r, size_t nf)
{
	return mlops__error(MLOPS_EPARSE, "line %llu: field %zu is longer than %zu bytes",
	                    (unsigned long long)r->row_line, nf + 1, r->o.max_field_bytes);
}

/* One record: 1 with *out_n fields (offsets in off[], lengths in cell_n[]), 0 at the end of the input, or an
 * error. */
static int csv_record(tr_reader *r, size_t *out_n)
{
	const char d = r->o.delimiter, q = r->o.quote;
	const size_t maxf = r->o.max_field_bytes;
	size_t nf = 0, fstart = 0, w = 0, base = r->pos;
	int st = S_START;
	bool any = false, hi = false;
	uint64_t qline = 0;
	const uint64_t md = ONES * (unsigned char)d;
	int rc;

	r->row_line = r->line;
	for (;;) {
		if (r->pos >= r->len) {
			size_t shift = 0;
			rc = csv_fill(r, base, &shift);
			if (rc)
				return rc;
			if (shift) {
				base -= shift;
				fstart -= shift;
				w -= shift;
				for (size_t i = 0; i < nf; i++)
					if (r->off[i] != SIZE_MAX)
						r->off[i] -= shift;
			}
			if (r->pos >= r->len) {
				if (st == S_Q)
					return mlops__error(MLOPS_EPARSE, "line %llu: unterminated quoted field %zu (the "
					                    "input ends on line %llu)", (unsigned long long)qline, nf + 1,
					                    (unsigned long long)r->line);
				if (!any)
					return 0;
				if (st == S_QQ)
					rc = end_field(r, &nf, fstart, w - fstart, false, true);
				else if (st == S_START) /* after a delimiter: an empty last field */
					rc = end_field(r, &nf, r->pos, 0, true, false);
				else
					rc = end_field(r, &nf, fstart, r->pos - fstart, false, hi);
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
				if (!any)
					base = r->pos;
				continue;
			}
		}
		char *p = r->in + r->pos;
		const char *end = r->in + r->len;
		char c = *p;
		switch (st) {
		case S_START:
			if (c == q) {
				st = S_Q;
				qline = r->line;
				any = true;
				hi = true; /* quoted fields are always validated */
				r->pos++;
				fstart = w = r->pos;
				continue;
			}
			if (c == '\n' || c == '\r') {
				r->pos++;
				r->line++;
				r->skip_lf = c == '\r';
				if (!any) {
					r->row_line = r->line;
					base = r->pos;
					continue;
				}
				rc = end_field(r, &nf, r->pos - 1, 0, true, false);
				if (rc)
					return rc;
				*out_n = nf;
				return 1;
			}
			any = true;
			hi = false;
			fstart = r->pos;
			if (c == d) {
				rc = end_field(r, &nf, fstart, 0, true, false);
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
					uint64_t x;
					memcpy(&x, s, 8);
					uint64_t m = has_zero(x ^ md) | has_zero(x ^ (ONES * '\n')) | has_zero(x ^ (ONES * '\r')) |
					             (x & (ONES * 0x80));
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
			r->pos = (size_t)(s - r->in);
			if (r->pos - fstart > maxf)
				return too_long(r, nf);
			if (s == end)
				continue;
			c = *s;
			r->pos++;
			rc = end_field(r, &nf, fstart, r->pos - 1 - fstart, false, hi);
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
			size_t k = (size_t)(s - p);
			if (w != r->pos && k)
				memmove(r->in + w, p, k);
			w += k;
			r->line += lines;
			r->pos += k;
			if (w - fstart > maxf)
				return too_long(r, nf);
			if (s < end) {
				r->pos++;
				st = S_QQ;
			}
			continue;
		}
		default: /* S_QQ: a quote inside a quoted field, either doubled or closing */
			if (c == q) {
				r->in[w++] = q;
				r->pos++;
				st = S_Q;
				continue;
			}
			if (c == d || c == '\n' || c == '\r') {
				r->pos++;
				rc = end_field(r, &nf, fstart, w - fstart, false, true);
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

static void csv_cells(tr_reader *r, size_t nf)
{
	for (size_t i = 0; i < nf; i++) {
		mlops_datasets__cell *c = &r->cells[i];
		if (r->off[i] == SIZE_MAX) {
			c->s = "";
			c->n = 0;
			c->kind = MLOPS_DATASETS__CELL_NULL;
		} else {
			c->s = r->in + r->off[i];
			c->n = r->cell_n[i];
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
			rc = mlops_datasets__tr_add_column(r, n ? r->in + r->off[i] : "", n);
		} else {
			rc = mlops_datasets__tr_add_column(r, "", 0);
		}
		if (rc)
			return rc;
	}
	if (!r->o.has_header) {
		r->pending = true;
		csv_cells(r, nf);
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
	csv_cells(r, nf);
	return 0;
}
