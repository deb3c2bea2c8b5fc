/*
 * JSON Lines records for the tabular reader: one flat JSON object per line; keys become columns in order of
 * first appearance. Values: strings (escapes and surrogate pairs decoded), numbers (kept as their text), true,
 * false, null; arrays and objects are kept as their JSON text and count as strings.
 *
 * Why a small scalar reader and not SQLite's json_each (the project's general JSON path): a profile runs once
 * per line, and preparing/stepping a json_each statement per line costs microseconds, several times the parse
 * itself; this reader only needs the flat-object subset and does it in one pass without recursion (nested values
 * are skipped by counting brackets), so no input can exhaust the stack.
 *
 * Errors are MLOPS_EPARSE with the line number: invalid UTF-8, a line that is not one object, duplicate or empty
 * keys, bad escapes or numbers, trailing text, a line longer than max_field_bytes. Blank lines are skipped.
 */
#include <string.h>

#include "datasets/tabular_reader.h"
#include "util/util.h"

#define PERR(r, ...) jerr(r, __VA_ARGS__)

static int jerr(tr_reader *r, const char *what)
{
	return mlops__error(MLOPS_EPARSE, "line %llu: %s", (unsigned long long)r->row_line, what);
}

static const char *ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

static int hex4(const char *p, const char *e, unsigned *out)
{
	if (e - p < 4)
		return -1;
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Decode the string starting after its opening quote into dst (room for e - p bytes: decoding never grows).
 * Returns the position after the closing quote, or NULL (error recorded). */
static const char *unescape(tr_reader *r, char *dst, size_t *out_n, const char *p, const char *e)
{
	size_t n = 0;
	while (p < e) {
		unsigned char c = (unsigned char)*p;
		if (c == '"') {
			*out_n = n;
			return p + 1;
		}
		if (c < 0x20) {
			PERR(r, "control character inside a JSON string");
			return NULL;
		}
		if (c != '\\') {
			dst[n++] = (char)c;
			p++;
			continue;
		}
		if (++p >= e)
			break;
		char x = *p++;
		switch (x) {
		case '"': dst[n++] = '"'; break;
		case '\\': dst[n++] = '\\'; break;
		case '/': dst[n++] = '/'; break;
		case 'b': dst[n++] = '\b'; break;
		case 'f': dst[n++] = '\f'; break;
		case 'n': dst[n++] = '\n'; break;
		case 'r': dst[n++] = '\r'; break;
		case 't': dst[n++] = '\t'; break;
		case 'u': {
			unsigned u, lo;
			if (hex4(p, e, &u)) {
				PERR(r, "bad \\u escape in a JSON string");
				return NULL;
			}
			p += 4;
			if (u >= 0xD800 && u <= 0xDBFF) {
				if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, e, &lo) || lo < 0xDC00 ||
				    lo > 0xDFFF) {
					PERR(r, "unpaired surrogate in a JSON string");
					return NULL;
				}
				p += 6;
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			} else if (u >= 0xDC00 && u <= 0xDFFF) {
				PERR(r, "unpaired surrogate in a JSON string");
				return NULL;
			}
			/* 6 (or 12) escape bytes always cover the at most 4 UTF-8 bytes written. */
			if (u < 0x80) {
				dst[n++] = (char)u;
			} else if (u < 0x800) {
				dst[n++] = (char)(0xC0 | (u >> 6));
				dst[n++] = (char)(0x80 | (u & 0x3F));
			} else if (u < 0x10000) {
				dst[n++] = (char)(0xE0 | (u >> 12));
				dst[n++] = (char)(0x80 | ((u >> 6) & 0x3F));
				dst[n++] = (char)(0x80 | (u & 0x3F));
			} else {
				dst[n++] = (char)(0xF0 | (u >> 18));
				dst[n++] = (char)(0x80 | ((u >> 12) & 0x3F));
				dst[n++] = (char)(0x80 | ((u >> 6) & 0x3F));
				dst[n++] = (char)(0x80 | (u & 0x3F));
			}
			break;
		}
		default:
			PERR(r, "bad escape in a JSON string");
			return NULL;
		}
	}
	PERR(r, "unterminated JSON string");
	return NULL;
}

static const char *number_end(const char *p, const char *e)
{
	const char *s = p;
	if (p < e && *p == '-')
		p++;
	if (p >= e)
		return NULL;
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	} else {
		return NULL;
	}
	if (p < e && *p == '.') {
		p++;
		const char *d = p;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return NULL;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		const char *d = p;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return NULL;
	}
	return p > s ? p : NULL;
}

/* Skip a nested array or object starting at p ('[' or '{'); returns the position after it or NULL. Brackets are
 * matched with an explicit stack (no recursion), nesting limited to NESTED_MAX. */
#define NESTED_MAX 256

static const char *skip_nested(const char *p, const char *e)
{
	char stack[NESTED_MAX];
	size_t depth = 0;
	while (p < e) {
		char c = *p++;
		if (c == '[' || c == '{') {
			if (depth == NESTED_MAX)
				return NULL;
			stack[depth++] = c == '[' ? ']' : '}';
		} else if (c == ']' || c == '}') {
			if (!depth || stack[depth - 1] != c)
				return NULL;
			if (--depth == 0)
				return p;
		} else if (c == '"') {
			while (p < e && *p != '"') {
				if (*p == '\\')
					p++;
				p++;
			}
			if (p >= e)
				return NULL;
			p++;
		}
	}
	return NULL;
}

static int put_value(tr_reader *r, const char *s, size_t n)
{
	int rc = mlops_datasets__tr_row_reserve(r, n);
	if (rc)
		return rc;
	memcpy(r->row + r->row_len, s, n);
	r->row_len += n;
	r->row[r->row_len++] = '\0';
	return 0;
}

static int parse_object(tr_reader *r, const char *p, const char *e)
{
	uint64_t rowno = r->rows + 1;
	int rc;

	if (!mlops_datasets__tr_utf8_ok(p, (size_t)(e - p)))
		return PERR(r, "not valid UTF-8");
	for (size_t c = 0; c < r->ncols; c++)
		r->off[c] = SIZE_MAX;
	r->row_len = 0;
	p = ws(p, e);
	if (p >= e || *p != '{')
		return PERR(r, "expected a JSON object");
	p = ws(p + 1, e);
	if (p < e && *p == '}') {
		p++;
		goto done;
	}
	if ((size_t)(e - p) + 1 > r->kbuf_cap) {
		char *k = mlops__realloc(r->kbuf, (size_t)(e - p) + 1);
		if (!k)
			return MLOPS_ENOMEM;
		r->kbuf = k;
		r->kbuf_cap = (size_t)(e - p) + 1;
	}
	for (;;) {
		if (p >= e || *p != '"')
			return PERR(r, "expected a string key");
		size_t kn = 0;
		p = unescape(r, r->kbuf, &kn, p + 1, e);
		if (!p)
			return MLOPS_EPARSE;
		if (!kn)
			return PERR(r, "empty key");
		if (memchr(r->kbuf, '\0', kn))
			return PERR(r, "key contains a NUL character");
		p = ws(p, e);
		if (p >= e || *p != ':')
			return PERR(r, "expected ':' after a key");
		p = ws(p + 1, e);
		if (p >= e)
			return PERR(r, "missing value");

		long col = mlops_datasets__tr_lookup(r, r->kbuf, kn);
		if (col < 0) {
			rc = mlops_datasets__tr_add_column(r, r->kbuf, kn);
			if (rc)
				return rc;
			col = (long)r->ncols - 1;
			r->off[col] = SIZE_MAX;
		}
		if (r->stamp[col] == rowno) {
			mlops__error(MLOPS_EPARSE, "line %llu: duplicate key '%s'", (unsigned long long)r->row_line,
			             r->names[col]);
			return MLOPS_EPARSE;
		}
		r->stamp[col] = rowno;

		size_t at = r->row_len;
		mlops_datasets__cell_kind kind;
		char c = *p;
		if (c == '"') {
			size_t vn = 0;
			rc = mlops_datasets__tr_row_reserve(r, (size_t)(e - p));
			if (rc)
				return rc;
			p = unescape(r, r->row + at, &vn, p + 1, e);
			if (!p)
				return MLOPS_EPARSE;
			r->row_len = at + vn;
			r->row[r->row_len++] = '\0';
			kind = MLOPS_DATASETS__CELL_STRING;
			r->cell_n[col] = vn;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			const char *q = number_end(p, e);
			if (!q)
				return PERR(r, "bad number");
			rc = put_value(r, p, (size_t)(q - p));
			if (rc)
				return rc;
			r->cell_n[col] = (size_t)(q - p);
			kind = MLOPS_DATASETS__CELL_NUMBER;
			p = q;
		} else if (c == '[' || c == '{') {
			const char *q = skip_nested(p, e);
			if (!q)
				return PERR(r, "unterminated, mismatched or too deeply nested value");
			rc = put_value(r, p, (size_t)(q - p));
			if (rc)
				return rc;
			r->cell_n[col] = (size_t)(q - p);
			kind = MLOPS_DATASETS__CELL_RAW;
			p = q;
		} else if (e - p >= 4 && !memcmp(p, "true", 4)) {
			rc = put_value(r, "true", 4);
			if (rc)
				return rc;
			r->cell_n[col] = 4;
			kind = MLOPS_DATASETS__CELL_BOOL;
			p += 4;
		} else if (e - p >= 5 && !memcmp(p, "false", 5)) {
			rc = put_value(r, "false", 5);
			if (rc)
				return rc;
			r->cell_n[col] = 5;
			kind = MLOPS_DATASETS__CELL_BOOL;
			p += 5;
		} else if (e - p >= 4 && !memcmp(p, "null", 4)) {
			kind = MLOPS_DATASETS__CELL_NULL;
			p += 4;
		} else {
			return PERR(r, "bad value");
		}
		if (kind != MLOPS_DATASETS__CELL_NULL)
			r->off[col] = at;
		r->cells[col].kind = kind;
		p = ws(p, e);
		if (p < e && *p == ',') {
			p = ws(p + 1, e);
			continue;
		}
		if (p < e && *p == '}') {
			p++;
			break;
		}
		return PERR(r, "expected ',' or '}' after a value");
	}
done:
	p = ws(p, e);
	if (p != e)
		return PERR(r, "text after the JSON object");
	mlops_datasets__tr_finish_row(r, r->ncols);
	return 0;
}

int mlops_datasets__jsonl_next(tr_reader *r)
{
	size_t maxl = r->o.max_field_bytes;
	for (;;) {
		bool have = false, nl = false;
		r->lbuf_len = 0;
		r->row_line = r->line;
		while (!nl) {
			int rc = mlops_datasets__tr_fill(r);
			if (rc)
				return rc;
			if (r->pos >= r->len)
				break;
			const char *p = r->in + r->pos;
			const char *q = memchr(p, '\n', r->len - r->pos);
			size_t take = q ? (size_t)(q - p) : r->len - r->pos;
			have = true;
			if (r->lbuf_len + take > maxl)
				return mlops__error(MLOPS_EPARSE, "line %llu: longer than %zu bytes",
				                    (unsigned long long)r->row_line, maxl);
			if (r->lbuf_len + take + 1 > r->lbuf_cap) {
				size_t cap = r->lbuf_cap ? r->lbuf_cap : 4096;
				while (cap < r->lbuf_len + take + 1)
					cap *= 2;
				char *b = mlops__realloc(r->lbuf, cap);
				if (!b)
					return MLOPS_ENOMEM;
				r->lbuf = b;
				r->lbuf_cap = cap;
			}
			memcpy(r->lbuf + r->lbuf_len, p, take);
			r->lbuf_len += take;
			r->pos += take;
			if (q) {
				r->pos++;
				r->line++;
				nl = true;
			}
		}
		if (!have)
			return MLOPS_ITEROVER;
		const char *b = r->lbuf, *e = r->lbuf + r->lbuf_len;
		if (ws(b, e) == e)
			continue;
		return parse_object(r, b, e);
	}
}
