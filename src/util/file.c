/* File helpers: atomic whole-file writes, whole-file reads, mkdir -p, directory fsync, path joining. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

static int write_all(int fd, const void *data, size_t n, const char *path)
{
	const char *p = data;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return mlops__error_errno(errno, "cannot write '%s'", path);
		}
		if (w == 0)
			return mlops__error(MLOPS_EIO, "cannot write '%s': write returned 0", path);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Directory part of path ("." when it has none); malloc'd. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return mlops__strdup(".");
	if (slash == path)
		return mlops__strdup("/");
	return mlops__strndup(path, (size_t)(slash - path));
}

int mlops__file_write_atomic(const char *path, const void *data, size_t n, bool sync)
{
	char rnd[MLOPS_OID_BUFSIZE];
	int rc = mlops__random_hex32(rnd);
	if (rc)
		return rc;
	char *tmp = mlops__sprintf("%s.tmp-%s", path, rnd);
	if (!tmp)
		return MLOPS_ENOMEM;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = mlops__error_errno(errno, "cannot create '%s'", tmp);
		free(tmp);
		return rc;
	}
	rc = write_all(fd, data, n, tmp);
	if (!rc && sync && fsync(fd) != 0)
		rc = mlops__error_errno(errno, "cannot fsync '%s'", tmp);
	if (close(fd) != 0 && !rc)
		rc = mlops__error_errno(errno, "cannot close '%s'", tmp);
	if (!rc && rename(tmp, path) != 0)
		rc = mlops__error_errno(errno, "cannot rename '%s' to '%s'", tmp, path);
	if (rc) {
		unlink(tmp);
		free(tmp);
		return rc;
	}
	free(tmp);
	if (sync) {
		char *dir = dir_of(path);
		if (!dir)
			return MLOPS_ENOMEM;
		rc = mlops__fsync_dir(dir);
		free(dir);
	}
	return rc;
}

int mlops__file_read_all(char **out, size_t *out_n, const char *path)
{
	*out = NULL;
	if (out_n)
		*out_n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mlops__error_errno(errno, "cannot open '%s'", path);
	mlops_buf b = MLOPS_BUF_INIT;
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) == 0 && st.st_size > 0)
		rc = mlops__buf_grow(&b, (size_t)st.st_size);
	else
		rc = mlops__buf_grow(&b, 4096);
	while (!rc) {
		if (b.cap - b.len - 1 == 0 && (rc = mlops__buf_grow(&b, b.cap)) != 0)
			break;
		ssize_t r = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = mlops__error_errno(errno, "cannot read '%s'", path);
			break;
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
		b.data[b.len] = '\0';
	}
	close(fd);
	if (rc) {
		mlops__buf_free(&b);
		return rc;
	}
	if (out_n)
		*out_n = b.len;
	*out = mlops__buf_detach(&b);
	return 0;
}

int mlops__mkdir_p(const char *path, int mode)
{
	if (mlops__str_empty(path))
		return mlops__error(MLOPS_EINVAL, "cannot create a directory with an empty path");
	char *p = mlops__strdup(path);
	if (!p)
		return MLOPS_ENOMEM;
	size_t len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
			rc = mlops__error_errno(errno, "cannot create directory '%s'", p);
			break;
		}
		*s = saved;
		if (!saved)
			break;
	}
	if (!rc) {
		struct stat st;
		if (stat(p, &st) != 0)
			rc = mlops__error_errno(errno, "cannot stat directory '%s'", p);
		else if (!S_ISDIR(st.st_mode))
			rc = mlops__error(MLOPS_EEXISTS, "'%s' exists and is not a directory", p);
	}
	free(p);
	return rc;
}

int mlops__fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return mlops__error_errno(errno, "cannot open directory '%s' to fsync it", dir);
	int rc = 0;
	/* Some filesystems refuse fsync on directories; that is not a durability failure we can act on. */
	if (fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP)
		rc = mlops__error_errno(errno, "cannot fsync directory '%s'", dir);
	close(fd);
	return rc;
}

char *mlops__path_join(const char *a, const char *b)
{
	if (mlops__str_empty(a))
		return mlops__strdup(b ? b : "");
	if (mlops__str_empty(b))
		return mlops__strdup(a);
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (la == 1 && a[0] == '/')
		return mlops__sprintf("/%s", b);
	return mlops__sprintf("%.*s/%s", (int)la, a, b);
}

long long mlops__pread_full(int fd, void *buf, size_t n, uint64_t offset)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(offset + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -(long long)errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (long long)got;
}
