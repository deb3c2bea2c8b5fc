/*
 * The CLI's JSON writer for --json output: compact JSON written straight to a FILE.
 *
 * need_comma keeps one bit per nesting level: set once a value was written at that level, so the next key or
 * value is preceded by a comma. A key clears the bit of its level so that its value does not get one.
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BIT(d) ((uint64_t)1 << ((d) & 63))

static void comma(cli_json *j)
{
	if (j->need_comma & BIT(j->depth))
		fputc(',', j->out);
	j->need_comma |= BIT(j->depth);
}

void cli_json_init(cli_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->need_comma = 0;
}

static void begin(cli_json *j, int c)
{
	comma(j);
	fputc(c, j->out);
	j->depth++;
	j->need_comma &= ~BIT(j->depth);
}

static void end(cli_json *j, int c)
{
	j->depth--;
	fputc(c, j->out);
}

void cli_json_begin_object(cli_json *j)
{
	begin(j, '{');
}

void cli_json_end_object(cli_json *j)
{
	end(j, '}');
}

void cli_json_begin_array(cli_json *j)
{
	begin(j, '[');
}

void cli_json_end_array(cli_json *j)
{
	end(j, ']');
}

/* Length of the valid UTF-8 sequence starting at s (1..4), or 0 when it is not valid (RFC 3629). */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

static void write_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	while (*p) {
		size_t n = utf8_len(p);

		if (n == 0) {
			/* Invalid UTF-8 would make the whole document unreadable: replace the byte. */
			fputs("\\ufffd", out);
			p++;
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
		p++;
	}
	fputc('"', out);
}

void cli_json_key(cli_json *j, const char *key)
{
	comma(j);
	write_string(j->out, key);
	fputc(':', j->out);
	j->need_comma &= ~BIT(j->depth);
}

void cli_json_string(cli_json *j, const char *s)
{
	if (s == NULL) {
		cli_json_null(j);
		return;
	}
	comma(j);
	write_string(j->out, s);
}

void cli_json_int(cli_json *j, int64_t v)
{
	comma(j);
	fprintf(j->out, "%lld", (long long)v);
}

void cli_json_uint(cli_json *j, uint64_t v)
{
	comma(j);
	fprintf(j->out, "%llu", (unsigned long long)v);
}

void cli_json_double(cli_json *j, double v)
{
	if (isnan(v)) {
		cli_json_string(j, "NaN");
		return;
	}
	if (isinf(v)) {
		cli_json_string(j, v > 0 ? "Infinity" : "-Infinity");
		return;
	}
	char buf[32];

	comma(j);
	/* The shortest of %.15g..%.17g that reads back as the same double (0.1, not 0.10000000000000001). */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, j->out);
}

void cli_json_bool(cli_json *j, bool v)
{
	comma(j);
	fputs(v ? "true" : "false", j->out);
}

void cli_json_null(cli_json *j)
{
	comma(j);
	fputs("null", j->out);
}

void cli_json_raw(cli_json *j, const char *json)
{
	comma(j);
	fputs(json, j->out);
}

void cli_json_end(cli_json *j)
{
	fputc('\n', j->out);
}

bool cli_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t len;

		if (p[i] == 0)
			return false;
		/* utf8_len may look past n only when the sequence is cut short: check the length first. */
		len = p[i] < 0x80 ? 1 : p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
		if (len > n - i || utf8_len(p + i) != len)
			return false;
		i += len;
	}
	return true;
}
