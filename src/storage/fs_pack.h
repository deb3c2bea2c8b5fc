/*
 * Pack files of the "fs" backend: many blobs in one file plus a sorted index, so that a large batch of blobs costs
 * a few files instead of one inode, one rename and one directory entry per blob. Layout (docs/format.md):
 *   <objects>/packs/pack-<16 hex>.pack   "MLPK" header, then blob bytes back to back (padded to 4 KiB at the end)
 *   <objects>/packs/pack-<16 hex>.idx    sorted (key, offset, size) entries and a checksum; a pack exists for
 *                                        readers only once its index has been renamed into place
 * fs_pack.c owns the pack set (the directory, the indexes read into one table over all packs), lookups, reads,
 * list, touch and removal; fs_pack_flush.c publishes the pack being written and rewrites or merges packs;
 * fs_pack_write.c writes one pack file; fs_pack_table.c is the key table.
 * Not thread-safe: the fs backend is used by one thread at a time.
 */
#ifndef MLOPS_STORAGE_FS_PACK_H
#define MLOPS_STORAGE_FS_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlops/sys/backend.h"

#define FS_PACK_MAGIC "MLPK"
#define FS_PACK_IDX_MAGIC "MLPI"
#define FS_PACK_VERSION 1
#define FS_PACK_HEADER 16      /* magic, u32 version, 8 reserved bytes */
#define FS_PACK_ALIGN 4096     /* pack files are written in whole 4 KiB blocks */
#define FS_PACK_IDX_ENTRY 32   /* 16-byte key, u64 offset, u64 size */
#define FS_PACK_IDX_HEADER 24  /* magic, u32 version, u64 count, u64 pack size */

typedef struct fs_packs fs_packs;
typedef struct fs_packw fs_packw;

/* Open the pack set of the objects directory rootfd (root is its path, for messages). Nothing is read yet. */
int mlops__packs_new(fs_packs **out, int rootfd, const char *root);
void mlops__packs_free(fs_packs *p);

/* 1 when key is in a pack (published or being written) and not removed, else 0; refresh rescans the pack
 * directory first when another process may have published packs since the last look. */
int mlops__packs_has(fs_packs *p, const char *key, bool refresh);
/* Read a packed blob (mlops_alloc'ed); MLOPS_ENOTFOUND when no pack holds it. */
int mlops__packs_read(fs_packs *p, const char *key, void **out, size_t *out_size);
/* Append a blob to the pack being written (started on first use). */
int mlops__packs_append(fs_packs *p, const char *key, const void *data, size_t size);
/* Blobs and bytes in the pack being written. */
size_t mlops__packs_pending_count(const fs_packs *p);
uint64_t mlops__packs_pending_bytes(const fs_packs *p);
/* Finish the pack being written: its bytes, then its index, durable when sync; then rewrite the packs that hold
 * removed blobs. When a pack failed (here or in an earlier append), its blobs are forgotten and this flush fails
 * once, naming the cause, unless every one of them was written again since. */
int mlops__packs_flush(fs_packs *p, bool sync);
/* key was stored again (loose or packed): it is no longer among the blobs a failed pack lost. */
void mlops__packs_rewritten(fs_packs *p, const char *key);
/* 1 when key was in a pack and is now removed (its pack is rewritten on the next flush), 0 when no pack has it. */
int mlops__packs_remove(fs_packs *p, const char *key);
/* 1 when key is in a pack whose time was set to now, 0 when no pack has it. */
int mlops__packs_touch(fs_packs *p, const char *key);
/* Call cb for every packed blob. */
int mlops__packs_list(fs_packs *p, mlops_backend_list_cb cb, void *payload);
/* MLOPS_ECORRUPT naming the first damaged index seen by a scan (its blobs are unreadable), else 0. */
int mlops__packs_damage(const fs_packs *p);
/* Remove what a crashed writer left: pack data without an index and temporary indexes older than max_age_s. */
void mlops__packs_remove_stale(fs_packs *p, int64_t max_age_s);

/* --- the key table (fs_pack_table.c), used by fs_pack.c only --- */

#define FS_NO_PACK UINT32_MAX

typedef struct fs_pentry {
	uint8_t key[16];
	uint32_t pack;   /* index of the pack; FS_NO_PACK marks an empty slot */
	uint32_t flags;
	uint64_t offset;
	uint64_t size;
} fs_pentry;

typedef struct fs_ptable {
	fs_pentry *tab;
	size_t cap, count;
} fs_ptable;

fs_pentry *mlops__ptable_find(const fs_ptable *t, const uint8_t key[16]);
/* Insert, or with replace overwrite an existing entry of the same key (without replace the old one stays). */
int mlops__ptable_insert(fs_ptable *t, const uint8_t key[16], uint32_t pack, uint64_t offset, uint64_t size,
                         uint32_t flags, bool replace);
/* Remove e; the entry that moves into its slot (if any) must be looked at again by a caller that iterates. */
void mlops__ptable_erase(fs_ptable *t, fs_pentry *e);
/* Remove every entry whose pack < ndrop has drop[pack] set. */
void mlops__ptable_erase_packs(fs_ptable *t, const bool *drop, size_t ndrop);
void mlops__ptable_free(fs_ptable *t);

/* --- the writer (fs_pack_write.c), used by fs_pack.c only --- */

/* Create packs/<name>.pack under rootfd and start writing it; O_DIRECT where the file system allows it, so that a
 * large batch does not go through the page cache. */
int mlops__packw_new(fs_packw **out, int dirfd, const char *dirpath, const char *name);
/* Append bytes; *offset receives where they start in the pack. */
int mlops__packw_append(fs_packw *w, const void *data, size_t size, uint64_t *offset);
/* Copy size bytes at offset (anything appended so far) into buf. */
int mlops__packw_pread(fs_packw *w, void *buf, size_t size, uint64_t offset);
/* Write everything out (the tail padded to FS_PACK_ALIGN), fdatasync when sync; *pack_size is the file size. */
int mlops__packw_finish(fs_packw *w, bool sync, uint64_t *pack_size);
/* Close; with discard, also remove the file. */
void mlops__packw_free(fs_packw *w, bool discard);

#endif
