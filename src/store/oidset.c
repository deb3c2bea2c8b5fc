/*
 * A hash set of object ids (open addressing over the ids' own bytes, which are already uniformly distributed),
 * used by gc's mark phase and by verify.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static size_t slot_of(const mlops_oid *id, size_t cap)
{
	uint64_t h;
	memcpy(&h, id->bytes, sizeof(h));
	return (size_t)h & (cap - 1);
}

static int grow(mlops_oidset *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 1024;
	mlops_oid *slots = mlops__malloc(ncap * sizeof(*slots));
	uint8_t *used = mlops__calloc(ncap, 1);
	if (!slots || !used) {
		free(slots);
		free(used);
		return MLOPS_ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->used[i])
			continue;
		size_t j = slot_of(&s->slots[i], ncap);
		while (used[j])
			j = (j + 1) & (ncap - 1);
		slots[j] = s->slots[i];
		used[j] = 1;
	}
	free(s->slots);
	free(s->used);
	s->slots = slots;
	s->used = used;
	s->cap = ncap;
	return 0;
}

int mlops__oidset_add(mlops_oidset *s, const mlops_oid *id, bool *out_added)
{
	if (out_added)
		*out_added = false;
	if ((s->count + 1) * 4 > s->cap * 3) {
		int rc = grow(s);
		if (rc)
			return rc;
	}
	size_t j = slot_of(id, s->cap);
	while (s->used[j]) {
		if (memcmp(s->slots[j].bytes, id->bytes, sizeof(id->bytes)) == 0)
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
	s->slots[j] = *id;
	s->used[j] = 1;
	s->count++;
	if (out_added)
		*out_added = true;
	return 0;
}

bool mlops__oidset_has(const mlops_oidset *s, const mlops_oid *id)
{
	if (!s->cap)
		return false;
	size_t j = slot_of(id, s->cap);
	while (s->used[j]) {
		if (memcmp(s->slots[j].bytes, id->bytes, sizeof(id->bytes)) == 0)
			return true;
		j = (j + 1) & (s->cap - 1);
	}
	return false;
}

void mlops__oidset_free(mlops_oidset *s)
{
	free(s->slots);
	free(s->used);
	s->slots = NULL;
	s->used = NULL;
	s->cap = s->count = 0;
}
