/*
 * The key table of the fs backend's packs: open addressing with linear probing over 16-byte blob keys (XXH128
 * output, so the first 8 bytes are a good hash), 32 bytes of location per blob, deletion by backward shift so
 * that probe chains never need tombstones.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/fs_pack.h"
#include "util/util.h"

static size_t slot_of(const fs_ptable *p, const uint8_t key[16])
{
	return (size_t)mlops__get_le64(key) & (p->cap - 1);
}

fs_pentry *mlops__ptable_find(const fs_ptable *p, const uint8_t key[16])
{
	if (!p->cap)
		return NULL;
	for (size_t i = slot_of(p, key);; i = (i + 1) & (p->cap - 1)) {
		fs_pentry *e = &p->tab[i];
		if (e->pack == FS_NO_PACK)
			return NULL;
		if (memcmp(e->key, key, 16) == 0)
			return e;
	}
}

static fs_pentry *place(fs_ptable *p, const uint8_t key[16])
{
	size_t i = slot_of(p, key);
	while (p->tab[i].pack != FS_NO_PACK && memcmp(p->tab[i].key, key, 16) != 0)
		i = (i + 1) & (p->cap - 1);
	return &p->tab[i];
}

static int grow(fs_ptable *p)
{
	if ((p->count + 1) * 10 < p->cap * 7)
		return 0;
	size_t ncap = p->cap ? p->cap * 2 : 1024;
	fs_pentry *nt = mlops__calloc(ncap, sizeof(*nt));
	if (!nt)
		return MLOPS_ENOMEM;
	for (size_t i = 0; i < ncap; i++)
		nt[i].pack = FS_NO_PACK;
	fs_pentry *old = p->tab;
	size_t ocap = p->cap;
	p->tab = nt;
	p->cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].pack != FS_NO_PACK)
			*place(p, old[i].key) = old[i];
	free(old);
	return 0;
}

/* Insert, or with replace overwrite an existing entry of the same key. */
int mlops__ptable_insert(fs_ptable *p, const uint8_t key[16], uint32_t pk, uint64_t offset, uint64_t size, uint32_t flags,
                  bool replace)
{
	int rc = grow(p);
	if (rc)
		return rc;
	fs_pentry *e = place(p, key);
	if (e->pack != FS_NO_PACK && !replace)
		return 0;
	if (e->pack == FS_NO_PACK)
		p->count++;
	memcpy(e->key, key, 16);
	e->pack = pk;
	e->flags = flags;
	e->offset = offset;
	e->size = size;
	return 0;
}

/* Backward-shift deletion keeps every probe chain unbroken without tombstones. */
void mlops__ptable_erase(fs_ptable *p, fs_pentry *e)
{
	size_t i = (size_t)(e - p->tab), mask = p->cap - 1;
	p->tab[i].pack = FS_NO_PACK;
	p->count--;
	for (size_t j = (i + 1) & mask; p->tab[j].pack != FS_NO_PACK; j = (j + 1) & mask) {
		size_t home = slot_of(p, p->tab[j].key);
		/* Move j back to the hole i when i lies on j's probe path (between home and j, cyclically). */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			p->tab[i] = p->tab[j];
			p->tab[j].pack = FS_NO_PACK;
			i = j;
		}
	}
}

/* Remove every entry whose pack < ndrop has drop[pack] set (one pass; a slot is looked at again after a shift). */
void mlops__ptable_erase_packs(fs_ptable *p, const bool *drop, size_t ndrop)
{
	for (size_t i = 0; i < p->cap;) {
		fs_pentry *e = &p->tab[i];
		if (e->pack != FS_NO_PACK && e->pack < ndrop && drop[e->pack])
			mlops__ptable_erase(p, e);
		else
			i++;
	}
}

void mlops__ptable_free(fs_ptable *p)
{
	free(p->tab);
	p->tab = NULL;
	p->cap = p->count = 0;
}
