/*
 * A bump allocator that owns the strings and arrays of the info structs the runs module hands out (iterators,
 * results, single gets), so that one free releases everything a caller was given.
 */
#include <stdlib.h>
#include <string.h>

#include "runs/runs_int.h"

struct mlops_runs__arena_block {
	struct mlops_runs__arena_block *next;
	size_t used;
	size_t cap;
	max_align_t data[];
};

#define ARENA_BLOCK (16u * 1024u)

void *mlops_runs__arena_alloc(mlops_runs__arena *a, size_t size, int *err)
{
	size_t need = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (need == 0)
		need = sizeof(max_align_t);
	struct mlops_runs__arena_block *b = a->head;
	if (!b || b->cap - b->used < need) {
		size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;
		b = mlops__malloc(sizeof(*b) + cap);
		if (!b) {
			if (err)
				*err = MLOPS_ENOMEM;
			return NULL;
		}
		b->used = 0;
		b->cap = cap;
		b->next = a->head;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += need;
	return p;
}

const char *mlops_runs__arena_strdup(mlops_runs__arena *a, const char *s, int *err)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = mlops_runs__arena_alloc(a, n, err);
	if (p)
		memcpy(p, s, n);
	return p;
}

void mlops_runs__arena_reset(mlops_runs__arena *a)
{
	struct mlops_runs__arena_block *b = a->head;
	if (!b)
		return;
	struct mlops_runs__arena_block *rest = b->next;
	while (rest) {
		struct mlops_runs__arena_block *next = rest->next;
		free(rest);
		rest = next;
	}
	b->next = NULL;
	b->used = 0;
}

void mlops_runs__arena_free(mlops_runs__arena *a)
{
	struct mlops_runs__arena_block *b = a->head;
	while (b) {
		struct mlops_runs__arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
}
