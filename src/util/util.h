/*
 * Internal utilities shared by every module: errors, allocation, buffers, strings, hashing (xxhash),
 * compression (zstd), clocks, a JSON writer and file helpers. Not installed; never included outside src/.
 */
#ifndef MLOPS_UTIL_H
#define MLOPS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlops/common.h"

/* ---- errors (error.c) ---- */

/* Record code and a printf-style message on the calling thread's error slot; returns code (so callers can
 * `return mlops__error(MLOPS_EINVAL, "param key '%s' ...", key);`). */
int mlops__error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Same as mlops__error with the message " (<strerror(errnum)>)" appended; code derived from errnum
 * (ENOENT -> ENOTFOUND, ENOSPC/EDQUOT -> ENOSPC, ENOMEM -> ENOMEM, EEXIST -> EEXISTS, EACCES/EROFS -> EIO, else EIO). */
int mlops__error_errno(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Map an errno value to an MLOPS_E* code as above. */
int mlops__errno_code(int errnum);

/* Prefix the current thread's message with "<prefix>: " keeping its code; returns the code. */
int mlops__error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reset the thread's error to MLOPS_OK / "". */
void mlops__error_reset(void);

/* ---- allocation (alloc.c): every allocation fails cleanly with MLOPS_ENOMEM recorded ---- */

void *mlops__malloc(size_t size);
void *mlops__calloc(size_t n, size_t size);
void *mlops__realloc(void *ptr, size_t size);
char *mlops__strdup(const char *s);                   /* NULL in -> NULL out without error */
char *mlops__strndup(const char *s, size_t n);
char *mlops__sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define mlops__free(p) free(p)

/* ---- growable byte buffer (buf.c) ---- */

typedef struct mlops_buf {
	char *data;  /* always NUL-terminated when not NULL */
	size_t len;
	size_t cap;
} mlops_buf;

#define MLOPS_BUF_INIT { NULL, 0, 0 }

int mlops__buf_grow(mlops_buf *b, size_t extra);           /* ensure room for extra more bytes + NUL */
int mlops__buf_put(mlops_buf *b, const void *data, size_t n);
int mlops__buf_puts(mlops_buf *b, const char *s);
int mlops__buf_putc(mlops_buf *b, char c);
int mlops__buf_printf(mlops_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mlops__buf_vprintf(mlops_buf *b, const char *fmt, va_list ap);
void mlops__buf_clear(mlops_buf *b);                        /* len = 0, keeps memory */
char *mlops__buf_detach(mlops_buf *b);                      /* returns data (never NULL: "" when empty), resets b */
void mlops__buf_free(mlops_buf *b);

/* ---- hashing (hash.c): XXH3 / XXH128 ---- */

typedef struct mlops_oid {
	uint8_t bytes[16]; /* XXH128 canonical (big-endian) form */
} mlops_oid;

void mlops__hash128(mlops_oid *out, const void *data, size_t n);
uint64_t mlops__hash64(const void *data, size_t n);        /* XXH3_64bits */

typedef struct mlops_hasher mlops_hasher;                   /* streaming XXH3-128 */
int mlops__hasher_new(mlops_hasher **out);
void mlops__hasher_reset(mlops_hasher *h);
void mlops__hasher_update(mlops_hasher *h, const void *data, size_t n);
void mlops__hasher_final(mlops_oid *out, mlops_hasher *h);
void mlops__hasher_free(mlops_hasher *h);

void mlops__oid_to_hex(char out[MLOPS_OID_BUFSIZE], const mlops_oid *oid);
/* Parse 32 hex characters (upper or lower case, exactly 32, then NUL); MLOPS_EINVAL with a message otherwise. */
int mlops__oid_from_hex(mlops_oid *out, const char *hex);
bool mlops__oid_hex_valid(const char *hex);                 /* exactly 32 lowercase hex chars */
/* Generate 16 random bytes as 32 lowercase hex characters (getrandom; used for run ids and temp names). */
int mlops__random_hex32(char out[MLOPS_OID_BUFSIZE]);

/* Little-endian fields of the binary formats (docs/format.md). */
static inline void mlops__put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void mlops__put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t mlops__get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t mlops__get_le64(const uint8_t *p)
{
	return (uint64_t)mlops__get_le32(p) | (uint64_t)mlops__get_le32(p + 4) << 32;
}

/* ---- compression (compress.c): zstd ---- */

size_t mlops__zstd_bound(size_t n);
/* Compress src into dst (capacity cap); *out_n gets the compressed size. */
int mlops__zstd_compress(void *dst, size_t cap, size_t *out_n, const void *src, size_t n, int level);
/* Decompress exactly raw_size bytes; a frame of another size or a damaged frame is MLOPS_ECORRUPT. */
int mlops__zstd_decompress(void *dst, size_t raw_size, const void *src, size_t n);

/* Streaming compression for payloads larger than memory. */
typedef struct mlops_zstream mlops_zstream;
int mlops__zstream_compress_new(mlops_zstream **out, int level);
int mlops__zstream_decompress_new(mlops_zstream **out);
/* Feed n bytes (n may be 0 with end=true to finish); output is appended to *out. */
int mlops__zstream_run(mlops_zstream *z, mlops_buf *out, const void *in, size_t n, bool end);
void mlops__zstream_free(mlops_zstream *z);

/* ---- clocks (clock.c) ---- */

int64_t mlops__now_ms(void);      /* wall clock, ms since the epoch */
int64_t mlops__now_ns(void);      /* wall clock, ns since the epoch */
uint64_t mlops__mono_ns(void);    /* monotonic clock, for durations */

/* ---- JSON writer (json.c): compact output into a mlops_buf; reading JSON goes through SQLite ---- */

typedef struct mlops_json {
	mlops_buf *out;
	int depth;
	uint64_t need_comma;   /* bit per depth: a value was written at this depth */
	int err;               /* first error, sticky */
} mlops_json;

void mlops__json_init(mlops_json *j, mlops_buf *out);
void mlops__json_object_begin(mlops_json *j);
void mlops__json_object_end(mlops_json *j);
void mlops__json_array_begin(mlops_json *j);
void mlops__json_array_end(mlops_json *j);
void mlops__json_key(mlops_json *j, const char *key);
void mlops__json_string(mlops_json *j, const char *s);     /* NULL writes null; invalid UTF-8 is replaced by U+FFFD */
void mlops__json_string_n(mlops_json *j, const char *s, size_t n);
void mlops__json_int(mlops_json *j, int64_t v);
void mlops__json_uint(mlops_json *j, uint64_t v);
void mlops__json_double(mlops_json *j, double v);          /* shortest round-trip form; NaN/Inf written as strings
                                                              "NaN", "Infinity", "-Infinity" */
void mlops__json_bool(mlops_json *j, bool v);
void mlops__json_null(mlops_json *j);
void mlops__json_raw(mlops_json *j, const char *json);     /* already valid JSON text */
int mlops__json_finish(mlops_json *j);                     /* 0 or the sticky error */

/* Format a double so that strtod gives it back exactly ("%.17g" trimmed); nan/inf as "NaN", "Infinity", "-Infinity". */
void mlops__fmt_double(char out[32], double v);

/* ---- files (file.c) ---- */

/* Write data to path atomically: temp file in the same directory, fsync (unless !sync), rename, fsync dir. */
int mlops__file_write_atomic(const char *path, const void *data, size_t n, bool sync);
/* Read a whole file into a NUL-terminated buffer released with free(). */
int mlops__file_read_all(char **out, size_t *out_n, const char *path);
/* pread until n bytes or the end of the file, retrying EINTR: the bytes read (fewer only at the end), or -errno. */
long long mlops__pread_full(int fd, void *buf, size_t n, uint64_t offset);
int mlops__mkdir_p(const char *path, int mode);
int mlops__fsync_dir(const char *dir);
/* Join two path parts with one '/'; returns NULL (ENOMEM recorded) on failure. */
char *mlops__path_join(const char *a, const char *b);

/* ---- strings ---- */

bool mlops__str_empty(const char *s);                       /* NULL or "" */
bool mlops__utf8_valid(const char *s, size_t n);

#endif
