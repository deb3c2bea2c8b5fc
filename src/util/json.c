/* Compact JSON writer into a mlops_buf, shortest round-trip formatting of doubles, and UTF-8 validation. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* The need_comma bitmask has one bit per depth. */
#define JSON_MAX_DEPTH 63

void mlops__fmt_double(char out[32], double v)
{
	if (isnan(v)) {
		strcpy(out, "NaN");
		return;
	}
	if (isinf(v)) {
		strcpy(out, v > 0 ? "Infinity" : "-Infinity");
		return;
	}
	/* Shortest of %.15g/%.16g/%.17g that strtod gives back bit for bit (%.17g always does). */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, 32, "%.*g", prec, v);
		if (prec == 17)
			break;
		double back = strtod(out, NULL);
		if (memcmp(&back, &v, sizeof(v)) == 0)
			break;
	}
}

void mlops__json_init(mlops_json *j, mlops_buf *out)
{
	j->out = out;
	j->depth = 0;
	j->need_comma = 0;
	j->err = 0;
}

static void put(mlops_json *j, const char *s, size_t n)
{
	if (j->err)
		return;
	int rc = mlops__buf_put(j->out, s, n);
	if (rc)
		j->err = rc;
}

static void puts_(mlops_json *j, const char *s)
{
	put(j, s, strlen(s));
}

/* Called before every value: writes the separating comma unless the value follows a key. */
static void before_value(mlops_json *j)
{
	uint64_t bit = 1ull << j->depth;
	if (j->need_comma & bit)
		put(j, ",", 1);
	j->need_comma |= bit;
}

static void begin(mlops_json *j, char c)
{
	before_value(j);
	if (j->depth >= JSON_MAX_DEPTH) {
		if (!j->err)
			j->err = mlops__error(MLOPS_EINVAL, "JSON nesting deeper than %d levels", JSON_MAX_DEPTH);
		return;
	}
	put(j, &c, 1);
	j->depth++;
	j->need_comma &= ~(1ull << j->depth);
}

static void end(mlops_json *j, char c)
{
	if (j->depth <= 0) {
		if (!j->err)
			j->err = mlops__error(MLOPS_EINVAL, "JSON '%c' without a matching open", c);
		return;
	}
	j->need_comma &= ~(1ull << j->depth);
	j->depth--;
	put(j, &c, 1);
}

void mlops__json_object_begin(mlops_json *j) { begin(j, '{'); }
void mlops__json_object_end(mlops_json *j) { end(j, '}'); }
void mlops__json_array_begin(mlops_json *j) { begin(j, '['); }
void mlops__json_array_end(mlops_json *j) { end(j, ']'); }

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	uint32_t cp, min;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2; cp = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3; cp = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4; cp = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool mlops__utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t l = utf8_seq(p + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

static void write_string(mlops_json *j, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	put(j, "\"", 1);
	size_t run = 0; /* start of the pending run of bytes copied verbatim */
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		const char *esc = NULL;
		char ubuf[8];
		size_t l = 1;
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c == '\b')
			esc = "\\b";
		else if (c == '\f')
			esc = "\\f";
		else if (c < 0x20 || c == 0x7f) {
			snprintf(ubuf, sizeof(ubuf), "\\u%04x", c);
			esc = ubuf;
		} else if (c >= 0x80) {
			l = utf8_seq(p + i, n - i);
			if (!l) {
				esc = "\xef\xbf\xbd"; /* U+FFFD */
				l = 1;
			}
		}
		if (esc) {
			put(j, s + run, i - run);
			puts_(j, esc);
			run = i + l;
		}
		i += l;
	}
	put(j, s + run, n - run);
	put(j, "\"", 1);
}

void mlops__json_key(mlops_json *j, const char *key)
{
	before_value(j);
	write_string(j, key ? key : "", key ? strlen(key) : 0);
	put(j, ":", 1);
	/* The value that follows the key must not be preceded by a comma. */
	j->need_comma &= ~(1ull << j->depth);
}

void mlops__json_string_n(mlops_json *j, const char *s, size_t n)
{
	before_value(j);
	if (!s)
		put(j, "null", 4);
	else
		write_string(j, s, n);
}

void mlops__json_string(mlops_json *j, const char *s)
{
	mlops__json_string_n(j, s, s ? strlen(s) : 0);
}

void mlops__json_int(mlops_json *j, int64_t v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%" PRId64, v);
	before_value(j);
	put(j, b, (size_t)n);
}

void mlops__json_uint(mlops_json *j, uint64_t v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%" PRIu64, v);
	before_value(j);
	put(j, b, (size_t)n);
}

void mlops__json_double(mlops_json *j, double v)
{
	char b[32];
	mlops__fmt_double(b, v);
	before_value(j);
	if (!isfinite(v)) {
		put(j, "\"", 1);
		puts_(j, b);
		put(j, "\"", 1);
	} else {
		puts_(j, b);
	}
}

void mlops__json_bool(mlops_json *j, bool v)
{
	before_value(j);
	puts_(j, v ? "true" : "false");
}

void mlops__json_null(mlops_json *j)
{
	before_value(j);
	put(j, "null", 4);
}

void mlops__json_raw(mlops_json *j, const char *json)
{
	before_value(j);
	puts_(j, json ? json : "null");
}

int mlops__json_finish(mlops_json *j)
{
	if (!j->err && j->depth != 0)
		j->err = mlops__error(MLOPS_EINVAL, "JSON document left %d level(s) open", j->depth);
	return j->err;
}
