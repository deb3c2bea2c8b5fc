/*
 * FastCDC content-defined chunking (normalized chunking, level 2; min/avg/max 16/64/256 KiB; left-shift gear
 * hash over the committed table in gear_table.h). Chunk boundaries are part of the storage format: golden
 * vectors in tests/unit/test_chunker.c pin them.
 */
#ifndef MLOPS_STORAGE_CHUNKER_H
#define MLOPS_STORAGE_CHUNKER_H

#include <stddef.h>
#include <stdint.h>

#define MLOPS_CDC_MIN (16u * 1024u)
#define MLOPS_CDC_AVG (64u * 1024u)
#define MLOPS_CDC_MAX (256u * 1024u)

/* Return the length of the first chunk of data[0..n). With n < MLOPS_CDC_MAX the caller must pass all the data that
 * remains (end of stream): the result is then at most n. Never returns 0 for n > 0. */
size_t mlops__cdc_cut(const uint8_t *data, size_t n);

extern const uint64_t mlops__gear[256];

#endif
