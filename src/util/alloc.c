/* Allocation wrappers that record MLOPS_ENOMEM on failure, string duplication/formatting, mlops_alloc/mlops_free. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static void *oom(size_t size)
{
	mlops__error(MLOPS_ENOMEM, "out of memory allocating %zu bytes", size);
	return NULL;
}

void *mlops__malloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	return p ? p : oom(size);
}

void *mlops__calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return oom(SIZE_MAX);
	void *p = calloc(n ? n : 1, size ? size : 1);
	return p ? p : oom(n * size);
}

void *mlops__realloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	return p ? p : oom(size);
}

char *mlops__strdup(const char *s)
{
	if (!s)
		return NULL;
	return mlops__strndup(s, strlen(s));
}

char *mlops__strndup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	size_t len = strnlen(s, n);
	if (len == SIZE_MAX)
		return oom(len);
	char *p = mlops__malloc(len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *mlops__sprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = NULL;
	int n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0) {
		mlops__error(MLOPS_ENOMEM, "out of memory formatting '%s'", fmt);
		return NULL;
	}
	return p;
}

void *mlops_alloc(size_t size)
{
	return mlops__malloc(size);
}

void mlops_free(void *ptr)
{
	free(ptr);
}

bool mlops__str_empty(const char *s)
{
	return !s || !*s;
}
