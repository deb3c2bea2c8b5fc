/* Growable NUL-terminated byte buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

int mlops__buf_grow(mlops_buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1)
		return mlops__error(MLOPS_ENOMEM, "buffer of %zu bytes cannot grow by %zu bytes", b->len, extra);
	size_t need = b->len + extra + 1;
	if (b->data && need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = mlops__realloc(b->data, cap);
	if (!p)
		return MLOPS_ENOMEM;
	if (!b->data)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
	return 0;
}

int mlops__buf_put(mlops_buf *b, const void *data, size_t n)
{
	int rc = mlops__buf_grow(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int mlops__buf_puts(mlops_buf *b, const char *s)
{
	return mlops__buf_put(b, s, strlen(s));
}

int mlops__buf_putc(mlops_buf *b, char c)
{
	return mlops__buf_put(b, &c, 1);
}

int mlops__buf_vprintf(mlops_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int rc = mlops__buf_grow(b, 0);
	if (rc) {
		va_end(ap2);
		return rc;
	}
	size_t room = b->cap - b->len;
	int n = vsnprintf(b->data + b->len, room, fmt, ap);
	if (n < 0) {
		b->data[b->len] = '\0';
		va_end(ap2);
		return mlops__error(MLOPS_EINVAL, "cannot format '%s'", fmt);
	}
	if ((size_t)n >= room) {
		rc = mlops__buf_grow(b, (size_t)n);
		if (rc) {
			b->data[b->len] = '\0';
			va_end(ap2);
			return rc;
		}
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	}
	va_end(ap2);
	b->len += (size_t)n;
	return 0;
}

int mlops__buf_printf(mlops_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = mlops__buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void mlops__buf_clear(mlops_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *mlops__buf_detach(mlops_buf *b)
{
	char *p = b->data;
	if (!p) {
		p = malloc(1);
		if (p)
			p[0] = '\0';
		else
			mlops__error(MLOPS_ENOMEM, "out of memory allocating 1 bytes");
	}
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

void mlops__buf_free(mlops_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
