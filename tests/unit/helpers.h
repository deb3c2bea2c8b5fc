/* Helpers shared by the unit tests: temporary directories and files, and a fault-injecting blob backend. */
#ifndef MLOPS_TEST_HELPERS_H
#define MLOPS_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mlops/mlops.h"

/* Create a fresh directory under $TMPDIR (or /tmp); returns a malloc'd path. */
char *th_tmpdir(const char *tag);
/* Remove a directory tree (like rm -rf). */
void th_rmrf(const char *path);
/* Write n bytes to a file, asserting success. */
void th_write_file(const char *path, const void *data, size_t n);
/* Fill buf with deterministic pseudo-random bytes from seed (xorshift). */
void th_fill_random(void *buf, size_t n, uint64_t seed);
/* Fill buf with compressible text-like bytes from seed. */
void th_fill_text(void *buf, size_t n, uint64_t seed);
/* True when the test runs under `meson test --setup valgrind` (MLOPS_TEST_VALGRIND is set). */
int th_under_valgrind(void);
/* Assert that rc == expected, printing mlops_error_last() when not. */
#define th_assert_rc(rc, expected) th_assert_rc_(rc, expected, __FILE__, __LINE__)
void th_assert_rc_(int rc, int expected, const char *file, int line);
#define th_ok(rc) th_assert_rc(rc, 0)

/* Where the "fs" backend under objects keeps the blob hex: its loose file (offset 0), or the pack file holding it
 * (found through the pack indexes). Returns the path (malloc'ed; NULL when the blob is nowhere) and sets *offset
 * and *size to the blob's bytes in that file. */
char *th_blob_locate(const char *objects, const char *hex, long *offset, long *size);

/* ---- fault-injecting backend (fault_backend.c) ----
 * Wraps another backend; counts calls of each kind and fails the Nth one. */
typedef enum th_fault_op {
	TH_OP_WRITE = 0, TH_OP_READ, TH_OP_EXISTS, TH_OP_REMOVE, TH_OP_LIST, TH_OP_FLUSH, TH_OP_COUNT_
} th_fault_op;

typedef enum th_fault_kind {
	TH_FAULT_NONE = 0,
	TH_FAULT_EIO,        /* the call returns MLOPS_EIO without doing anything */
	TH_FAULT_ENOSPC,     /* the call returns MLOPS_ENOSPC without doing anything */
	TH_FAULT_SHORT_WRITE /* write: stores only the first half of the bytes under the key, then returns MLOPS_EIO
	                        (a backend that breaks its atomicity promise; reads must report MLOPS_ECORRUPT) */
} th_fault_kind;

typedef struct th_fault_backend th_fault_backend;

/* Wrap inner (ownership taken). The returned pointer is a mlops_backend * too (first member). */
th_fault_backend *th_fault_new(mlops_backend *inner);
mlops_backend *th_fault_base(th_fault_backend *f);
/* Fail the nth call (1-based, counted from now) of op with kind; 0 disables. */
void th_fault_arm(th_fault_backend *f, th_fault_op op, unsigned nth, th_fault_kind kind);
/* Number of calls of op since creation. */
unsigned th_fault_calls(th_fault_backend *f, th_fault_op op);
/* Whether the armed fault has fired. */
int th_fault_fired(th_fault_backend *f);

#endif
