/*
 * Value types of tabular cells: parsing of int, float, bool and ISO 8601 timestamps, classification of a cell,
 * widening. The decisions (also in docs/api/datasets-tabular.md):
 *  - int: optional sign and decimal digits that fit int64 ("007" is 7); no spaces, no thousands separators;
 *  - float: decimal with optional fraction and exponent, or nan / inf / infinity with optional sign, any case
 *    (hexadecimal floats are strings);
 *  - bool: true / false in any case; 0 and 1 are ints (a 0/1 column stays int, so no column changes type when a
 *    2 appears later);
 *  - timestamp: YYYY-MM-DD, optionally followed by 'T' or ' ' and hh:mm[:ss[.fraction]] and Z or +hh[:mm] / -hh[:mm];
 *  - JSON Lines keep JSON's own types: numbers are int or float, strings are strings or timestamps (never
 *    numbers), true/false are bools, nested values are strings;
 *  - types only widen over the whole stream: int and float give float, any other mix gives string.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datasets/tabular.h"

static const char *const type_names[] = { "string", "bool", "int", "float", "timestamp", "string" };

const char *mlops_datasets__type_name(mlops_datasets__type t)
{
	return (unsigned)t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t] : "string";
}

bool mlops_datasets__type_parse(mlops_datasets__type *out, const char *name)
{
	static const struct { const char *n; mlops_datasets__type t; } map[] = {
		{ "bool", MLOPS_DATASETS__TYPE_BOOL }, { "int", MLOPS_DATASETS__TYPE_INT },
		{ "float", MLOPS_DATASETS__TYPE_FLOAT }, { "timestamp", MLOPS_DATASETS__TYPE_TIMESTAMP },
		{ "string", MLOPS_DATASETS__TYPE_STRING },
	};
	if (!name)
		return false;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].n, name)) {
			*out = map[i].t;
			return true;
		}
	return false;
}

mlops_datasets__type mlops_datasets__widen(mlops_datasets__type a, mlops_datasets__type b)
{
	if (a == b || b == MLOPS_DATASETS__TYPE_NONE)
		return a;
	if (a == MLOPS_DATASETS__TYPE_NONE)
		return b;
	if ((a == MLOPS_DATASETS__TYPE_INT && b == MLOPS_DATASETS__TYPE_FLOAT) ||
	    (a == MLOPS_DATASETS__TYPE_FLOAT && b == MLOPS_DATASETS__TYPE_INT))
		return MLOPS_DATASETS__TYPE_FLOAT;
	return MLOPS_DATASETS__TYPE_STRING;
}

bool mlops_datasets__parse_int(int64_t *out, const char *s, size_t n)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && (s[i] == '-' || s[i] == '+')) {
		neg = s[i] == '-';
		i++;
	}
	if (i >= n)
		return false;
	uint64_t v = 0;
	for (; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';
		if (d > 9)
			return false;
		/* UINT64_MAX = 18446744073709551615: no division on the hot path */
		if (v >= UINT64_C(1844674407370955161) && (v > UINT64_C(1844674407370955161) || d > 5))
			return false;
		v = v * 10 + d;
	}
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return false;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return false;
		*out = (int64_t)v;
	}
	return true;
}

static bool special_float(double *out, const char *s, size_t n)
{
	double sign = 1;
	if (n && (*s == '-' || *s == '+')) {
		sign = *s == '-' ? -1 : 1;
		s++;
		n--;
	}
	if (n == 3 && !strncasecmp(s, "nan", 3)) {
		*out = NAN;
		return true;
	}
	if ((n == 3 && !strncasecmp(s, "inf", 3)) || (n == 8 && !strncasecmp(s, "infinity", 8))) {
		*out = sign * INFINITY;
		return true;
	}
	return false;
}

static const double pow10_exact[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

bool mlops_datasets__parse_float(double *out, const char *s, size_t n)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && (s[i] == '-' || s[i] == '+')) {
		neg = s[i] == '-';
		i++;
	}
	uint64_t mant = 0;
	int digits = 0, frac = 0, sig = 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
		if (sig < 19 && (mant || s[i] != '0')) {
			mant = mant * 10 + (uint64_t)(s[i] - '0');
			sig++;
		} else if (sig >= 19) {
			sig = 99;
		}
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++, frac++)
			if (sig < 19 && (mant || s[i] != '0')) {
				mant = mant * 10 + (uint64_t)(s[i] - '0');
				sig++;
			} else if (sig >= 19 || s[i] != '0') {
				sig = 99;
			}
	}
	if (!digits)
		return special_float(out, s, n);
	long ex = 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		bool eneg = false;
		if (i < n && (s[i] == '-' || s[i] == '+')) {
			eneg = s[i] == '-';
			i++;
		}
		if (i >= n || s[i] < '0' || s[i] > '9')
			return false;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (ex < 100000)
				ex = ex * 10 + (s[i] - '0');
		if (eneg)
			ex = -ex;
	}
	if (i != n)
		return false;
	long e10 = ex - frac;
	/* Clinger's fast path: both the mantissa and the power of ten are exact doubles, so one operation rounds
	 * correctly. Everything else goes to strtod. */
	if (sig <= 15 && e10 >= -22 && e10 <= 22) {
		double v = (double)mant;
		v = e10 < 0 ? v / pow10_exact[-e10] : v * pow10_exact[e10];
		*out = neg ? -v : v;
		return true;
	}
	char tmp[512];
	if (n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*out = strtod(tmp, NULL);
	return true;
}

bool mlops_datasets__parse_bool(bool *out, const char *s, size_t n)
{
	/* ASCII case folding by hand: strncasecmp is locale-aware and slow on the hot path. */
	static const char t[] = "true", f[] = "false";
	const char *w = n == 4 ? t : n == 5 ? f : NULL;
	if (!w)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((s[i] | 0x20) != w[i])
			return false;
	*out = n == 4;
	return true;
}

static int digits(const char *s, int k)
{
	int v = 0;
	for (int i = 0; i < k; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

bool mlops_datasets__parse_timestamp(double *out_epoch, const char *s, size_t n)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (n < 10 || s[4] != '-' || s[7] != '-')
		return false;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap))
		return false;
	double t = (double)days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400.0;
	size_t i = 10;
	if (i == n)
		goto ok;
	if (s[i] != 'T' && s[i] != ' ')
		return false;
	i++;
	if (n - i < 5 || s[i + 2] != ':')
		return false;
	int hh = digits(s + i, 2), mi = digits(s + i + 3, 2);
	if (hh < 0 || hh > 23 || mi < 0 || mi > 59)
		return false;
	t += hh * 3600.0 + mi * 60.0;
	i += 5;
	if (i < n && s[i] == ':') {
		if (n - i < 3)
			return false;
		int ss = digits(s + i + 1, 2);
		if (ss < 0 || ss > 60)
			return false;
		t += ss;
		i += 3;
		if (i < n && (s[i] == '.' || s[i] == ',')) {
			double scale = 0.1, f = 0;
			size_t j = i + 1;
			for (; j < n && s[j] >= '0' && s[j] <= '9'; j++, scale /= 10)
				f += (s[j] - '0') * scale;
			if (j == i + 1)
				return false;
			t += f;
			i = j;
		}
	}
	if (i == n)
		goto ok;
	if (s[i] == 'Z' && i + 1 == n)
		goto ok;
	if (s[i] == '+' || s[i] == '-') {
		int sign = s[i] == '-' ? -1 : 1;
		size_t rest = n - i - 1;
		int oh, om = 0;
		if (rest == 2) {
			oh = digits(s + i + 1, 2);
		} else if (rest == 4) {
			oh = digits(s + i + 1, 2);
			om = digits(s + i + 3, 2);
		} else if (rest == 5 && s[i + 3] == ':') {
			oh = digits(s + i + 1, 2);
			om = digits(s + i + 4, 2);
		} else {
			return false;
		}
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return false;
		t -= sign * (oh * 3600.0 + om * 60.0);
		goto ok;
	}
	return false;
ok:
	*out_epoch = t;
	return true;
}

mlops_datasets__type mlops_datasets__classify(const mlops_datasets__cell *c, double *out_num, int64_t *out_int)
{
	const char *s = c->s;
	size_t n = c->n;
	int64_t iv;
	double dv;
	bool bv;

	switch (c->kind) {
	case MLOPS_DATASETS__CELL_NULL:
		return MLOPS_DATASETS__TYPE_NONE;
	case MLOPS_DATASETS__CELL_BOOL:
		*out_num = s[0] == 't';
		*out_int = s[0] == 't';
		return MLOPS_DATASETS__TYPE_BOOL;
	case MLOPS_DATASETS__CELL_NUMBER:
		if (mlops_datasets__parse_int(&iv, s, n)) {
			*out_int = iv;
			*out_num = (double)iv;
			return MLOPS_DATASETS__TYPE_INT;
		}
		*out_num = strtod(s, NULL);
		return MLOPS_DATASETS__TYPE_FLOAT;
	case MLOPS_DATASETS__CELL_STRING:
		if (n >= 10 && s[0] >= '0' && s[0] <= '9' && mlops_datasets__parse_timestamp(&dv, s, n)) {
			*out_num = dv;
			return MLOPS_DATASETS__TYPE_TIMESTAMP;
		}
		return MLOPS_DATASETS__TYPE_STRING;
	case MLOPS_DATASETS__CELL_RAW:
		return MLOPS_DATASETS__TYPE_STRING;
	case MLOPS_DATASETS__CELL_TEXT:
		break;
	}
	if (!n)
		return MLOPS_DATASETS__TYPE_STRING;
	char f = s[0];
	if ((f >= '0' && f <= '9') || f == '-' || f == '+' || f == '.') {
		if (mlops_datasets__parse_int(&iv, s, n)) {
			*out_int = iv;
			*out_num = (double)iv;
			return MLOPS_DATASETS__TYPE_INT;
		}
		if (mlops_datasets__parse_float(&dv, s, n)) {
			*out_num = dv;
			return MLOPS_DATASETS__TYPE_FLOAT;
		}
		if (n >= 10 && mlops_datasets__parse_timestamp(&dv, s, n)) {
			*out_num = dv;
			return MLOPS_DATASETS__TYPE_TIMESTAMP;
		}
		return MLOPS_DATASETS__TYPE_STRING;
	}
	if (f == 't' || f == 'T' || f == 'f' || f == 'F') {
		if (mlops_datasets__parse_bool(&bv, s, n)) {
			*out_num = bv;
			*out_int = bv;
			return MLOPS_DATASETS__TYPE_BOOL;
		}
		return MLOPS_DATASETS__TYPE_STRING;
	}
	if ((f == 'n' || f == 'N' || f == 'i' || f == 'I') && special_float(&dv, s, n)) {
		*out_num = dv;
		return MLOPS_DATASETS__TYPE_FLOAT;
	}
	return MLOPS_DATASETS__TYPE_STRING;
}

bool mlops_datasets__conforms(const mlops_datasets__cell *c, mlops_datasets__type t)
{
	if (t == MLOPS_DATASETS__TYPE_STRING || t == MLOPS_DATASETS__TYPE_NONE)
		return true;
	double d;
	int64_t i;
	mlops_datasets__type got = mlops_datasets__classify(c, &d, &i);
	if (got == t)
		return true;
	return t == MLOPS_DATASETS__TYPE_FLOAT && got == MLOPS_DATASETS__TYPE_INT;
}
