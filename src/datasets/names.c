/* Validation of dataset names, tag and ref names, and the relative paths a manifest may hold. */
#include <string.h>

#include "datasets/ds_int.h"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool mlops_datasets__is_hex(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

int mlops_datasets__check_name(const char *name)
{
	if (mlops__str_empty(name))
		return mlops__error(MLOPS_EINVAL, "dataset name is empty");
	size_t n = strlen(name);
	if (n > DS_NAME_MAX)
		return mlops__error(MLOPS_EINVAL, "dataset name '%.40s...' is %zu bytes long (at most %d)", name, n,
		                    DS_NAME_MAX);
	if (!is_alnum(name[0]))
		return mlops__error(MLOPS_EINVAL, "dataset name '%s' must start with a letter or a digit", name);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!is_alnum(c) && c != '_' && c != '-' && c != '.' && c != '/')
			return mlops__error(MLOPS_EINVAL,
			                    "dataset name '%s' contains '%c' (allowed: letters, digits, '_', '-', '.', '/')",
			                    name, (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f ? c : '?');
	}
	if (name[n - 1] == '/')
		return mlops__error(MLOPS_EINVAL, "dataset name '%s' ends with '/'", name);
	const char *seg = name;
	for (;;) {
		const char *slash = strchr(seg, '/');
		size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
		if (len == 0)
			return mlops__error(MLOPS_EINVAL, "dataset name '%s' has an empty segment", name);
		if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return mlops__error(MLOPS_EINVAL, "dataset name '%s' has a '.' or '..' segment", name);
		if (!slash)
			break;
		seg = slash + 1;
	}
	return 0;
}

int mlops_datasets__check_refname(const char *ref, const char *what)
{
	if (mlops__str_empty(ref))
		return mlops__error(MLOPS_EINVAL, "%s name is empty", what);
	size_t n = strlen(ref);
	if (n > DS_REF_MAX)
		return mlops__error(MLOPS_EINVAL, "%s name '%.40s...' is %zu bytes long (at most %d)", what, ref, n,
		                    DS_REF_MAX);
	if (!is_alnum(ref[0]))
		return mlops__error(MLOPS_EINVAL, "%s name '%s' must start with a letter or a digit", what, ref);
	for (size_t i = 0; i < n; i++) {
		char c = ref[i];
		if (!is_alnum(c) && c != '_' && c != '-' && c != '.')
			return mlops__error(MLOPS_EINVAL,
			                    "%s name '%s' contains '%c' (allowed: letters, digits, '_', '-', '.')", what, ref,
			                    (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f ? c : '?');
	}
	if (strcmp(ref, "latest") == 0)
		return mlops__error(MLOPS_EINVAL, "%s name 'latest' is reserved", what);
	if (ref[0] == 'v' && n > 1 && strspn(ref + 1, "0123456789") == n - 1)
		return mlops__error(MLOPS_EINVAL, "%s name '%s' is reserved (v<N> names a sequence number)", what, ref);
	return 0;
}

int mlops_datasets__check_path(const char *path, size_t n)
{
	if (n == 0)
		return mlops__error(MLOPS_EINVAL, "empty path in a dataset");
	if (memchr(path, '\0', n))
		return mlops__error(MLOPS_EINVAL, "path '%s' contains a NUL byte", path);
	if (path[0] == '/')
		return mlops__error(MLOPS_EINVAL, "path '%.*s' is absolute (dataset paths are relative)", (int)n, path);
	if (!mlops__utf8_valid(path, n))
		return mlops__error(MLOPS_EINVAL, "path '%.*s' is not valid UTF-8", (int)n, path);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c < 0x20 || c == 0x7f)
			return mlops__error(MLOPS_EINVAL, "path '%.*s' contains a control character (0x%02x)", (int)n, path,
			                    c);
	}
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && path[i] != '/')
			continue;
		size_t len = i - start;
		if (len == 0)
			return mlops__error(MLOPS_EINVAL, "path '%.*s' has an empty segment", (int)n, path);
		if ((len == 1 && path[start] == '.') || (len == 2 && path[start] == '.' && path[start + 1] == '.'))
			return mlops__error(MLOPS_EINVAL, "path '%.*s' has a '.' or '..' segment", (int)n, path);
		start = i + 1;
	}
	return 0;
}
