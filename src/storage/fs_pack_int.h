/*
 * Private to the pack code of the fs backend (fs_pack.c: the pack set, lookups, reads; fs_pack_flush.c: publishing
 * the pack being written and rewriting or merging packs): the pack set's structure and the helpers both use.
 */
#ifndef MLOPS_STORAGE_FS_PACK_INT_H
#define MLOPS_STORAGE_FS_PACK_INT_H

#include <time.h>

#include "storage/backends.h"
#include "storage/fs_pack.h"

#define NO_PACK FS_NO_PACK
#define F_DEAD 1u
#define F_PENDING 2u
#define MAX_OPEN_PACKS 64
#define SMALL_PACK_BYTES (8ull << 20)
#define SMALL_PACKS_MAX 32             /* this many small packs are merged into one at the next flush */
#define MERGE_MAX_BYTES (256ull << 20)  /* at most this much pack data is merged by one flush */
#define RACY_NS 2000000000ll       /* a directory changed this recently may change again within its mtime tick */
#define RACY_RESCAN_NS 100000000ll

typedef fs_pentry entry;

typedef struct pack {
	char *name;      /* "pack-<16 hex>"; NULL: free slot */
	int fd;          /* read descriptor, -1 until needed */
	int64_t mtime;   /* of the index: the time of every blob in the pack */
	uint64_t size;
	size_t ndead;
	bool seen;
	bool damaged;    /* its index could not be read: never rewritten or merged (that would drop its data) */
} pack;

struct fs_packs {
	int rootfd;
	char *root;
	char *dirpath;   /* <root>/packs */
	int dirfd;       /* -1 until the directory exists */
	fs_ptable t;     /* every packed blob */
	pack *packs;
	size_t npacks, packs_cap;
	int nopen;
	bool scanned, listing;
	struct timespec dir_mtime;
	int64_t last_scan_ns;
	char *damage;    /* the first damaged index found, reported by list */
	fs_packw *w;     /* the pack being written */
	uint32_t wpack;
	uint8_t (*wkeys)[16]; /* keys appended to it, in order (a key written twice is listed twice), so that a
	                         flush visits them instead of the whole table */
	size_t wcount, wkeys_cap;
	uint64_t wbytes;
	mlops_keymap lost; /* keys acknowledged by write() whose pack failed, not written again since */
	char *lost_why;
};

/* Forget the pack being written and every entry of it. */
void mlops__packs_drop_writer(fs_packs *p);
/* The pack being written failed: forget it, remembering its blobs as lost until they are written again. */
void mlops__packs_abandon(fs_packs *p);
int mlops__packs_start_writer(fs_packs *p);
/* Record that key (size bytes) was appended to the pack being written. */
int mlops__packs_note_pending(fs_packs *p, const uint8_t key[16], uint64_t size);
/* Read from a published pack; -ENOENT (no message) when its file is gone. */
int mlops__packs_pread_pack(fs_packs *p, pack *k, void *buf, size_t size, uint64_t offset);
/* Forget every published pack and its entries (they are read again by the next scan). */
void mlops__packs_forget_published(fs_packs *p);
/* Bring the table up to date with the pack directory (force: even when it looks unchanged). */
int mlops__packs_scan(fs_packs *p, bool force);
void mlops__packs_free_pack(fs_packs *p, pack *k);

#endif
