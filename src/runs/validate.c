/*
 * Validation of what callers hand to the runs module: param/metric/tag keys and values (MLflow's rules), run and
 * experiment ids, experiment names and artifact paths. Every check runs before any write, so bad input never
 * changes stored data.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runs/runs_int.h"

/* MLflow accepts `[/\w.\- ]` and rejects a name that posixpath.normpath() would change: no leading '/', no empty,
 * "." or ".." segment. \w is Unicode-aware there, so non-ASCII UTF-8 is let through. */
static bool key_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
	       c == '.' || c == ' ' || c == '/' || c >= 0x80;
}

/* Returns a description of the first bad segment, or NULL when every '/'-separated segment is a plain name. */
static const char *bad_segment(const char *s)
{
	const char *p = s;
	for (;;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0)
			return p == s ? "starts with '/'" : "has an empty path segment ('//' or a trailing '/')";
		if (n == 1 && p[0] == '.')
			return "has a '.' path segment";
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return "has a '..' path segment";
		if (!e)
			return NULL;
		p = e + 1;
	}
}

int mlops_runs__check_key(const char *what, const char *key)
{
	if (!key)
		return mlops__error(MLOPS_EINVAL, "%s key is NULL", what);
	size_t n = strlen(key);
	if (n == 0)
		return mlops__error(MLOPS_EINVAL, "%s key is empty", what);
	if (n > MLOPS_RUNS__MAX_KEY)
		return mlops__error(MLOPS_EINVAL, "%s key '%.40s...' is %zu bytes long, more than %d", what, key, n,
		                    MLOPS_RUNS__MAX_KEY);
	if (!mlops__utf8_valid(key, n))
		return mlops__error(MLOPS_EINVAL, "%s key '%s' is not valid UTF-8", what, key);
	for (size_t i = 0; i < n; i++) {
		if (!key_char_ok((unsigned char)key[i]))
			return mlops__error(MLOPS_EINVAL,
			                    "%s key '%s' has the character '%c' at offset %zu; keys may contain only "
			                    "letters, digits, '_', '-', '.', ' ' and '/'",
			                    what, key, key[i] >= 0x20 && key[i] < 0x7f ? key[i] : '?', i);
	}
	const char *bad = bad_segment(key);
	if (bad)
		return mlops__error(MLOPS_EINVAL, "%s key '%s' %s", what, key, bad);
	return 0;
}

int mlops_runs__check_value(const char *what, const char *key, const char *value, size_t max)
{
	if (!value)
		return mlops__error(MLOPS_EINVAL, "%s '%s': value is NULL", what, key);
	size_t n = strlen(value);
	if (n > max)
		return mlops__error(MLOPS_EINVAL, "%s '%s': value is %zu bytes long, more than %zu", what, key, n, max);
	if (!mlops__utf8_valid(value, n))
		return mlops__error(MLOPS_EINVAL, "%s '%s': value is not valid UTF-8", what, key);
	return 0;
}

int mlops_runs__check_run_id(const char *run_id)
{
	if (!run_id)
		return mlops__error(MLOPS_EINVAL, "run id is NULL");
	if (!mlops__oid_hex_valid(run_id))
		return mlops__error(MLOPS_EINVAL, "'%.80s' is not a run id (32 lowercase hex characters)", run_id);
	return 0;
}

int mlops_runs__parse_experiment_id(int64_t *out, const char *experiment_id)
{
	*out = -1;
	if (!experiment_id)
		return mlops__error(MLOPS_EINVAL, "experiment id is NULL");
	const char *p = experiment_id;
	if (*p < '0' || *p > '9' || strlen(p) > 19)
		return mlops__error(MLOPS_EINVAL, "'%.80s' is not an experiment id (a decimal number)", experiment_id);
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return mlops__error(MLOPS_EINVAL, "'%.80s' is not an experiment id (a decimal number)",
			                    experiment_id);
	errno = 0;
	char *end = NULL;
	long long v = strtoll(p, &end, 10);
	if (errno || v < 0)
		return mlops__error(MLOPS_EINVAL, "experiment id '%s' is out of range", experiment_id);
	*out = (int64_t)v;
	return 0;
}

int mlops_runs__check_experiment_name(const char *name)
{
	if (mlops__str_empty(name))
		return mlops__error(MLOPS_EINVAL, "experiment name is empty");
	size_t n = strlen(name);
	if (n > MLOPS_RUNS__MAX_EXPERIMENT_NAME)
		return mlops__error(MLOPS_EINVAL, "experiment name '%.40s...' is %zu bytes long, more than %d", name, n,
		                    MLOPS_RUNS__MAX_EXPERIMENT_NAME);
	if (!mlops__utf8_valid(name, n))
		return mlops__error(MLOPS_EINVAL, "experiment name is not valid UTF-8");
	return 0;
}

int mlops_runs__check_artifact_path(const char *path, bool allow_root)
{
	if (mlops__str_empty(path)) {
		if (allow_root)
			return 0;
		return mlops__error(MLOPS_EINVAL, "artifact path is empty");
	}
	size_t n = strlen(path);
	if (n > 4096)
		return mlops__error(MLOPS_EINVAL, "artifact path '%.40s...' is longer than 4096 bytes", path);
	if (!mlops__utf8_valid(path, n))
		return mlops__error(MLOPS_EINVAL, "artifact path is not valid UTF-8");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)path[i] < 0x20 || path[i] == '\\')
			return mlops__error(MLOPS_EINVAL, "artifact path '%s' has a control character or '\\' at offset %zu",
			                    path, i);
	const char *bad = bad_segment(path);
	if (bad)
		return mlops__error(MLOPS_EINVAL, "artifact path '%s' %s", path, bad);
	return 0;
}

int mlops_run_status_parse(int *out_status, const char *name)
{
	static const char *const names[] = { "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED" };
	if (out_status)
		*out_status = 0;
	if (!out_status || !name)
		return mlops__error(MLOPS_EINVAL, "run status: NULL argument");
	for (int i = 0; i < 5; i++) {
		if (strcasecmp(name, names[i]) == 0) {
			*out_status = i + 1;
			return 0;
		}
	}
	return mlops__error(MLOPS_EINVAL, "'%.40s' is not a run status (RUNNING, SCHEDULED, FINISHED, FAILED, KILLED)",
	                    name);
}

const char *mlops_run_status_name(int status)
{
	switch (status) {
	case MLOPS_RUN_RUNNING: return "RUNNING";
	case MLOPS_RUN_SCHEDULED: return "SCHEDULED";
	case MLOPS_RUN_FINISHED: return "FINISHED";
	case MLOPS_RUN_FAILED: return "FAILED";
	case MLOPS_RUN_KILLED: return "KILLED";
	default: return "UNKNOWN";
	}
}

int mlops_runs__check_mlflow_args(const mlops_store *store, const char *dir, const mlops_mlflow_options *o,
                                  const mlops_mlflow_stats *out, const char *fn)
{
	if (!store || !dir || !dir[0])
		return mlops__error(MLOPS_EINVAL, "%s: NULL argument", fn);
	if (o->version != MLOPS_MLFLOW_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown mlflow options version %u", o->version);
	if (out && out->version != MLOPS_MLFLOW_STATS_VERSION)
		return mlops__error(MLOPS_EVERSION, "unknown mlflow stats version %u", out->version);
	return 0;
}
