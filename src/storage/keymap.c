/* A small open-addressing hash map from blob keys to pointers, used by the memory and fs backends. */
#include <stdlib.h>
#include <string.h>

#include "storage/backends.h"
#include "util/util.h"

static char tombstone_;
#define TOMB (&tombstone_)

static uint64_t hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ^ (h >> 29);
}

static size_t find_slot(const mlops_keymap *m, const char *key, bool *found)
{
	size_t mask = m->cap - 1, i = (size_t)hash_key(key) & mask, first_free = SIZE_MAX;
	for (;;) {
		char *k = m->keys[i];
		if (!k) {
			*found = false;
			return first_free != SIZE_MAX ? first_free : i;
		}
		if (k == TOMB) {
			if (first_free == SIZE_MAX)
				first_free = i;
		} else if (strcmp(k, key) == 0) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

void *mlops__keymap_get(const mlops_keymap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	bool found;
	size_t i = find_slot(m, key, &found);
	return found ? m->vals[i] : NULL;
}

static int rehash(mlops_keymap *m, size_t cap)
{
	char **keys = mlops__calloc(cap, sizeof(*keys));
	void **vals = mlops__calloc(cap, sizeof(*vals));
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return MLOPS_ENOMEM;
	}
	mlops_keymap n = {keys, vals, cap, 0, 0};
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i] && m->keys[i] != TOMB) {
			bool found;
			size_t j = find_slot(&n, m->keys[i], &found);
			n.keys[j] = m->keys[i];
			n.vals[j] = m->vals[i];
			n.count++;
			n.used++;
		}
	}
	free(m->keys);
	free(m->vals);
	*m = n;
	return 0;
}

int mlops__keymap_put(mlops_keymap *m, const char *key, void *val)
{
	if ((m->used + 1) * 4 >= m->cap * 3) {
		size_t cap = m->cap ? m->cap : 64;
		while ((m->count + 1) * 2 >= cap)
			cap *= 2;
		int rc = rehash(m, cap);
		if (rc)
			return rc;
	}
	bool found;
	size_t i = find_slot(m, key, &found);
	if (found) {
		m->vals[i] = val;
		return 0;
	}
	char *copy = mlops__strdup(key);
	if (!copy)
		return MLOPS_ENOMEM;
	if (!m->keys[i])
		m->used++;
	m->keys[i] = copy;
	m->vals[i] = val;
	m->count++;
	return 0;
}

void *mlops__keymap_del(mlops_keymap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	bool found;
	size_t i = find_slot(m, key, &found);
	if (!found)
		return NULL;
	void *v = m->vals[i];
	free(m->keys[i]);
	m->keys[i] = TOMB;
	m->vals[i] = NULL;
	m->count--;
	return v;
}

bool mlops__keymap_next(const mlops_keymap *m, size_t *pos, const char **key, void **val)
{
	for (size_t i = *pos; i < m->cap; i++) {
		if (m->keys[i] && m->keys[i] != TOMB) {
			*key = m->keys[i];
			*val = m->vals[i];
			*pos = i + 1;
			return true;
		}
	}
	*pos = m->cap;
	return false;
}

void mlops__keymap_clear(mlops_keymap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i] && m->keys[i] != TOMB)
			free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
