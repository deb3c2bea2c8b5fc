/* The thread-local error slot behind mlops_error_last(), error names, and errno mapping. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

#define MLOPS_ERRMSG_SIZE 4096

typedef struct error_slot {
	mlops_error pub;
	char message[MLOPS_ERRMSG_SIZE];
} error_slot;

static _Thread_local error_slot tls_error;

static error_slot *slot(void)
{
	error_slot *s = &tls_error;
	/* Thread-locals start zeroed, so message may still be NULL on a fresh thread. */
	if (!s->pub.message)
		s->pub.message = s->message;
	return s;
}

/* Arguments may point into the current message (e.g. when prefixing), so format into a scratch buffer first. */
static void set_message(error_slot *s, const char *fmt, va_list ap, const char *suffix)
{
	char tmp[MLOPS_ERRMSG_SIZE];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	if (n < 0) {
		snprintf(tmp, sizeof(tmp), "(unformattable error message)");
		n = (int)strlen(tmp);
	}
	size_t len = (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1;
	bool truncated = (size_t)n >= sizeof(tmp);
	if (suffix) {
		size_t sl = strlen(suffix);
		if (len + sl < sizeof(tmp)) {
			memcpy(tmp + len, suffix, sl + 1);
			len += sl;
		} else {
			truncated = true;
		}
	}
	if (truncated)
		memcpy(tmp + sizeof(tmp) - 4, "...", 4);
	memcpy(s->message, tmp, sizeof(tmp));
	s->pub.message = s->message;
}

int mlops__error(int code, const char *fmt, ...)
{
	error_slot *s = slot();
	va_list ap;
	va_start(ap, fmt);
	set_message(s, fmt, ap, NULL);
	va_end(ap);
	s->pub.code = code;
	return code;
}

int mlops__errno_code(int errnum)
{
	switch (errnum) {
	case ENOENT:
		return MLOPS_ENOTFOUND;
	case ENOSPC:
	case EDQUOT:
		return MLOPS_ENOSPC;
	case ENOMEM:
		return MLOPS_ENOMEM;
	case EEXIST:
		return MLOPS_EEXISTS;
	default:
		return MLOPS_EIO;
	}
}

int mlops__error_errno(int errnum, const char *fmt, ...)
{
	error_slot *s = slot();
	char suffix[256];
	char ebuf[200];
	/* GNU strerror_r returns a pointer that may or may not be ebuf. */
	const char *es = strerror_r(errnum, ebuf, sizeof(ebuf));
	snprintf(suffix, sizeof(suffix), " (%s)", es ? es : "unknown error");
	va_list ap;
	va_start(ap, fmt);
	set_message(s, fmt, ap, suffix);
	va_end(ap);
	s->pub.code = mlops__errno_code(errnum);
	return s->pub.code;
}

int mlops__error_prefix(const char *fmt, ...)
{
	error_slot *s = slot();
	char prefix[MLOPS_ERRMSG_SIZE];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (n < 0)
		prefix[0] = '\0';
	/* prefix is already a private copy; s->message is read by mlops__error before it is overwritten. */
	mlops__error(s->pub.code, "%s: %s", prefix, s->message);
	return s->pub.code;
}

void mlops__error_reset(void)
{
	error_slot *s = slot();
	s->pub.code = MLOPS_OK;
	s->message[0] = '\0';
}

const mlops_error *mlops_error_last(void)
{
	return &slot()->pub;
}

void mlops_error_clear(void)
{
	mlops__error_reset();
}

const char *mlops_error_name(int code)
{
	switch (code) {
	case MLOPS_OK: return "MLOPS_OK";
	case MLOPS_ERROR: return "MLOPS_ERROR";
	case MLOPS_EINVAL: return "MLOPS_EINVAL";
	case MLOPS_ENOTFOUND: return "MLOPS_ENOTFOUND";
	case MLOPS_EEXISTS: return "MLOPS_EEXISTS";
	case MLOPS_ECONFLICT: return "MLOPS_ECONFLICT";
	case MLOPS_EBUSY: return "MLOPS_EBUSY";
	case MLOPS_ECORRUPT: return "MLOPS_ECORRUPT";
	case MLOPS_EIO: return "MLOPS_EIO";
	case MLOPS_ENOSPC: return "MLOPS_ENOSPC";
	case MLOPS_ENOMEM: return "MLOPS_ENOMEM";
	case MLOPS_EREADONLY: return "MLOPS_EREADONLY";
	case MLOPS_EVERSION: return "MLOPS_EVERSION";
	case MLOPS_EPARSE: return "MLOPS_EPARSE";
	case MLOPS_EUSER: return "MLOPS_EUSER";
	case MLOPS_ITEROVER: return "MLOPS_ITEROVER";
	default: return "MLOPS_E?";
	}
}

int mlops_version_number(void)
{
	return MLOPS_VERSION_NUMBER;
}

const char *mlops_version_string(void)
{
	return MLOPS_VERSION_STRING;
}
