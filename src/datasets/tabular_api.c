/*
 * The public tabular API of the datasets module (end of include/mlops/datasets.h): table options, profiling and
 * validation of local files and of files of stored versions. Version files are read through the versions side's
 * public stream (mlops_dataset_file_open/read); stored profiles through mlops_datasets__profile_lookup().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/ds_int.h"
#include "datasets/tabular.h"
#include "util/util.h"

int mlops_dataset_table_options_init(mlops_dataset_table_options *opts, unsigned int version)
{
	if (!opts)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_table_options_init: opts is NULL");
	if (version != MLOPS_DATASET_TABLE_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "dataset table options version %u is not supported (expected %u)",
		                    version, MLOPS_DATASET_TABLE_OPTIONS_VERSION);
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	return 0;
}

/* Internal options from the public ones and the file name. */
static int table_opts(mlops_datasets__table_opts *o, const mlops_dataset_table_options *opts, const char *name)
{
	mlops_datasets__fmt fmt = mlops_datasets__format_of(name);
	if (opts && opts->version != MLOPS_DATASET_TABLE_OPTIONS_VERSION)
		return mlops__error(MLOPS_EVERSION, "dataset table options version %u is not supported (expected %u)",
		                    opts->version, MLOPS_DATASET_TABLE_OPTIONS_VERSION);
	if (opts && opts->format != MLOPS_DATASET_TABLE_AUTO) {
		if (opts->format == MLOPS_DATASET_TABLE_CSV)
			fmt = MLOPS_DATASETS__FMT_CSV;
		else if (opts->format == MLOPS_DATASET_TABLE_JSONL)
			fmt = MLOPS_DATASETS__FMT_JSONL;
		else
			return mlops__error(MLOPS_EINVAL, "dataset table options: unknown format %u", opts->format);
	}
	if (fmt == MLOPS_DATASETS__FMT_NONE)
		return mlops__error(MLOPS_EINVAL, "cannot tell the format of '%s' from its name (expected .csv, .jsonl "
		                    "or .ndjson); set the format in the options", name ? name : "");
	mlops_datasets__table_opts_default(o, fmt);
	if (opts) {
		if (opts->delimiter)
			o->delimiter = opts->delimiter;
		if (opts->quote)
			o->quote = opts->quote;
		o->has_header = !opts->no_header;
		if (opts->max_field_bytes)
			o->max_field_bytes = opts->max_field_bytes > ((uint64_t)1 << 40) ? (size_t)1 << 40
			                                                                  : (size_t)opts->max_field_bytes;
	}
	return 0;
}

static int open_local(int *out_fd, const char *path)
{
	if (mlops__str_empty(path))
		return mlops__error(MLOPS_EINVAL, "a file path is required");
	int fd;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return mlops__error_errno(errno, "opening '%s'", path);
	*out_fd = fd;
	return 0;
}

int mlops_dataset_profile_file(char **out_schema_json, char **out_stats_json, uint64_t *out_rows,
                               const char *path, const mlops_dataset_table_options *opts)
{
	if (out_schema_json)
		*out_schema_json = NULL;
	if (out_stats_json)
		*out_stats_json = NULL;
	if (out_rows)
		*out_rows = 0;
	mlops_datasets__table_opts o;
	int fd = -1;
	int rc = table_opts(&o, opts, path);
	if (rc || (rc = open_local(&fd, path)))
		return rc;
	rc = mlops_datasets__profile_ex(out_schema_json, out_stats_json, out_rows, &o, mlops_datasets__read_fd, &fd);
	close(fd);
	if (rc)
		mlops__error_prefix("%s", path);
	return rc;
}

static int check_validate_args(char **out_report_json, const char *expectations_json, const char *schema_json)
{
	if (!out_report_json)
		return mlops__error(MLOPS_EINVAL, "validate: out_report_json is NULL");
	*out_report_json = NULL;
	if (!expectations_json && !schema_json)
		return mlops__error(MLOPS_EINVAL, "validate: expectations or a schema are required");
	return 0;
}

int mlops_dataset_validate_file(char **out_report_json, int *out_success, const char *path,
                                const char *expectations_json, const char *schema_json,
                                const mlops_dataset_table_options *opts)
{
	if (out_success)
		*out_success = 0;
	int rc = check_validate_args(out_report_json, expectations_json, schema_json);
	if (rc)
		return rc;
	mlops_datasets__table_opts o;
	if ((rc = table_opts(&o, opts, path)))
		return rc;
	/* Bad expectations are reported before the file is touched. */
	if ((rc = mlops_datasets__expectations_check(expectations_json, schema_json)))
		return rc;
	int fd = -1;
	if ((rc = open_local(&fd, path)))
		return rc;
	bool ok = false;
	rc = mlops_datasets__validate(out_report_json, &ok, &o, mlops_datasets__read_fd, &fd, expectations_json,
	                              schema_json);
	close(fd);
	if (rc)
		return mlops__error_prefix("%s", path);
	if (out_success)
		*out_success = ok;
	return 0;
}

static int read_version(size_t *out_n, void *buf, size_t cap, void *payload)
{
	return mlops_dataset_file_read(out_n, payload, buf, cap);
}

/* The path, content id and format name of the file of a version (path NULL/"" for a one-file version). */
static int version_entry(char **out_path, char *out_oid, mlops_store *store, const char *spec, const char *path)
{
	ds_version v;
	memset(&v, 0, sizeof(v));
	int rc = mlops_datasets__version_resolve(&v, store, spec);
	if (rc)
		return rc;
	ds_manifest m;
	memset(&m, 0, sizeof(m));
	rc = mlops_datasets__manifest_load(&m, store, v.manifest_id);
	if (rc)
		goto out;
	const ds_entry *e = NULL;
	if (mlops__str_empty(path)) {
		if (m.count != 1) {
			rc = mlops__error(MLOPS_EINVAL, "version '%s' holds %zu files: a path is required", spec, m.count);
			goto out;
		}
		e = &m.entries[0];
	} else {
		e = mlops_datasets__manifest_find(&m, path);
		if (!e) {
			rc = mlops__error(MLOPS_ENOTFOUND, "no file '%s' in version '%s'", path, spec);
			goto out;
		}
	}
	mlops__oid_to_hex(out_oid, &e->oid);
	*out_path = mlops__strdup(e->path);
	if (!*out_path)
		rc = MLOPS_ENOMEM;
out:
	mlops_datasets__manifest_free(&m);
	mlops_datasets__version_clear(&v);
	return rc;
}

int mlops_dataset_file_profile(char **out_schema_json, char **out_stats_json, uint64_t *out_rows,
                               mlops_store *store, const char *spec, const char *path,
                               const mlops_dataset_table_options *opts)
{
	if (out_schema_json)
		*out_schema_json = NULL;
	if (out_stats_json)
		*out_stats_json = NULL;
	if (out_rows)
		*out_rows = 0;
	if (!store || mlops__str_empty(spec))
		return mlops__error(MLOPS_EINVAL, "file profile: a store and a version spec are required");
	char *epath = NULL;
	char oid[MLOPS_OID_BUFSIZE];
	int rc = version_entry(&epath, oid, store, spec, path);
	if (rc)
		return rc;
	mlops_datasets__table_opts o;
	if ((rc = table_opts(&o, opts, epath)))
		goto out;
	if (!opts) {
		int found = 0;
		int64_t rows = -1;
		char *err = NULL;
		const char *fname = o.fmt == MLOPS_DATASETS__FMT_CSV ? "csv" : "jsonl";
		rc = mlops_datasets__profile_lookup(&found, &rows, out_schema_json, out_stats_json, &err, store, oid,
		                                    fname);
		if (!rc && found && err) {
			rc = mlops__error(MLOPS_EPARSE, "%s: %s", epath, err);
			free(err);
			goto out;
		}
		free(err);
		if (rc || (found && rows >= 0)) {
			if (!rc && out_rows)
				*out_rows = (uint64_t)rows;
			goto out;
		}
		/* Not profiled at commit (e.g. MLOPS_DATASET_COMMIT_NO_PROFILE): profile it now. */
		if (out_schema_json) {
			free(*out_schema_json);
			*out_schema_json = NULL;
		}
		if (out_stats_json) {
			free(*out_stats_json);
			*out_stats_json = NULL;
		}
	}
	mlops_dataset_reader *rd = NULL;
	if ((rc = mlops_dataset_file_open(&rd, store, spec, epath)))
		goto out;
	rc = mlops_datasets__profile_ex(out_schema_json, out_stats_json, out_rows, &o, read_version, rd);
	mlops_dataset_reader_free(rd);
	if (rc)
		mlops__error_prefix("%s", epath);
out:
	free(epath);
	return rc;
}

int mlops_dataset_validate(char **out_report_json, int *out_success, mlops_store *store, const char *spec,
                           const char *path, const char *expectations_json, const char *schema_json,
                           const mlops_dataset_table_options *opts)
{
	if (out_success)
		*out_success = 0;
	int rc = check_validate_args(out_report_json, expectations_json, schema_json);
	if (rc)
		return rc;
	if (!store || mlops__str_empty(spec))
		return mlops__error(MLOPS_EINVAL, "validate: a store and a version spec are required");
	if ((rc = mlops_datasets__expectations_check(expectations_json, schema_json)))
		return rc;
	char *epath = NULL;
	char oid[MLOPS_OID_BUFSIZE];
	if ((rc = version_entry(&epath, oid, store, spec, path)))
		return rc;
	mlops_datasets__table_opts o;
	mlops_dataset_reader *rd = NULL;
	if ((rc = table_opts(&o, opts, epath)) || (rc = mlops_dataset_file_open(&rd, store, spec, epath)))
		goto out;
	bool ok = false;
	rc = mlops_datasets__validate(out_report_json, &ok, &o, read_version, rd, expectations_json, schema_json);
	mlops_dataset_reader_free(rd);
	if (rc) {
		mlops__error_prefix("%s", epath);
		goto out;
	}
	if (out_success)
		*out_success = ok;
out:
	free(epath);
	return rc;
}

int mlops_dataset_expectations_check(const char *expectations_json, const char *schema_json)
{
	if (!expectations_json && !schema_json)
		return mlops__error(MLOPS_EINVAL, "expectations or a schema are required");
	return mlops_datasets__expectations_check(expectations_json, schema_json);
}
