/*
 * libmlops: common definitions shared by every public header.
 *
 * Conventions (see docs/architecture.md):
 *  - a call that can fail returns int: 0 on success, a negative MLOPS_E* code otherwise;
 *    the thread-local mlops_error_last() then carries the code and a message;
 *  - out-parameters come first; handles are opaque and released by a *_free() that accepts NULL;
 *  - memory the library returns to the caller is released with mlops_free().
 */
#ifndef MLOPS_COMMON_H
#define MLOPS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define MLOPS_BEGIN_DECLS extern "C" {
#define MLOPS_END_DECLS }
#else
#define MLOPS_BEGIN_DECLS
#define MLOPS_END_DECLS
#endif

#if defined(MLOPS_BUILDING_LIBRARY) && defined(__GNUC__)
#define MLOPS_API __attribute__((visibility("default")))
#else
#define MLOPS_API
#endif

MLOPS_BEGIN_DECLS

#define MLOPS_VERSION_MAJOR 0
#define MLOPS_VERSION_MINOR 1
#define MLOPS_VERSION_PATCH 0
#define MLOPS_VERSION_NUMBER (MLOPS_VERSION_MAJOR * 10000 + MLOPS_VERSION_MINOR * 100 + MLOPS_VERSION_PATCH)
#define MLOPS_VERSION_STRING "0.1.0"

/* Length of an object id in hexadecimal characters, and the size of a buffer holding one with its NUL. */
#define MLOPS_OID_HEXLEN 32
#define MLOPS_OID_BUFSIZE 33

/* Error codes. Only failures a caller acts on get a code of their own. */
typedef enum mlops_error_code {
	MLOPS_OK = 0,
	MLOPS_ERROR = -1,      /* a failure with no more specific code */
	MLOPS_EINVAL = -2,     /* an argument or an input is invalid */
	MLOPS_ENOTFOUND = -3,  /* the named object does not exist */
	MLOPS_EEXISTS = -4,    /* an object with that name already exists */
	MLOPS_ECONFLICT = -5,  /* the call conflicts with stored state (e.g. a param logged with another value) */
	MLOPS_EBUSY = -6,      /* the store stayed locked by another writer past the busy timeout */
	MLOPS_ECORRUPT = -7,   /* stored data failed verification; no wrong bytes were returned */
	MLOPS_EIO = -8,        /* an I/O error from the operating system or a backend */
	MLOPS_ENOSPC = -9,     /* no space left on the device */
	MLOPS_ENOMEM = -10,    /* out of memory */
	MLOPS_EREADONLY = -11, /* the store was opened read-only */
	MLOPS_EVERSION = -12,  /* an unknown options/backend version or a store format newer than this library */
	MLOPS_EPARSE = -13,    /* malformed text input (filter expression, CSV, JSON); the message gives the position */
	MLOPS_EUSER = -30,     /* a user callback asked to stop */
	MLOPS_ITEROVER = -31   /* an iterator has no more items; not an error */
} mlops_error_code;

/* The last error of the calling thread. */
typedef struct mlops_error {
	int code;            /* an mlops_error_code, MLOPS_OK when no error was recorded */
	const char *message; /* never NULL; "" when no error was recorded */
} mlops_error;

/*
 * Return the last error recorded on the calling thread. Never fails and never returns NULL.
 * The pointer stays valid until the next libmlops call on the same thread.
 */
MLOPS_API const mlops_error *mlops_error_last(void);

/* Forget the calling thread's last error. Never fails. */
MLOPS_API void mlops_error_clear(void);

/* Return a short static name for an error code, such as "MLOPS_ENOTFOUND". Never fails, never NULL. */
MLOPS_API const char *mlops_error_name(int code);

/* Return MLOPS_VERSION_NUMBER of the library loaded at run time. Never fails. */
MLOPS_API int mlops_version_number(void);

/* Return MLOPS_VERSION_STRING of the library loaded at run time. Never fails, never NULL. */
MLOPS_API const char *mlops_version_string(void);

/*
 * Allocate size bytes (at least 1) that the library may later release with mlops_free(); used by
 * custom backends for the buffers they hand to the library. Returns NULL and records MLOPS_ENOMEM when out of memory.
 */
MLOPS_API void *mlops_alloc(size_t size);

/* Release memory returned by the library (strings, buffers, reports). NULL is a no-op. Never fails. */
MLOPS_API void mlops_free(void *ptr);

MLOPS_END_DECLS

#endif
