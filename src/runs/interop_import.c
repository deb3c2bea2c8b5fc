/*
 * Import of an MLflow file store (mlruns/ layout, as written by MLflow's FileStore or by the export) into the
 * store: experiments matched by name (created when missing, deleted ones from .trash/), then each run in one
 * transaction with its info, params, tags, metric histories and artifacts.
 *
 * meta.yaml files are flat mappings of scalars as PyYAML's safe_dump writes them (plain, 'single' or "double"
 * quoted, long scalars folded onto indented continuation lines); nothing else of YAML is needed or read.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runs/runs_int.h"

/* ---- meta.yaml ---- */

typedef struct yaml_kv {
	char *key;
	char *raw;    /* the scalar as written, continuation lines joined with a space */
} yaml_kv;

typedef struct yaml_map {
	yaml_kv *v;
	size_t n;
	char *path;
} yaml_map;

static void yaml_free(yaml_map *m)
{
	for (size_t k = 0; k < m->n; k++) {
		free(m->v[k].key);
		free(m->v[k].raw);
	}
	free(m->v);
	free(m->path);
	memset(m, 0, sizeof(*m));
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int yaml_read(yaml_map *m, const char *path)
{
	memset(m, 0, sizeof(*m));
	char *text = NULL;
	size_t len = 0;
	int rc = mlops__file_read_all(&text, &len, path);
	if (rc)
		return mlops__error_prefix("mlflow import: cannot read '%s'", path);
	if (!(m->path = mlops__strdup(path))) {
		free(text);
		return MLOPS_ENOMEM;
	}
	size_t cap = 0, lineno = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (line[0] == '#' || trim(line)[0] == '\0')
			continue;
		if (line[0] == ' ' || line[0] == '\t' || line[0] == '-') {
			/* A folded continuation of the previous scalar, or an item of a block list (tags:). */
			if (m->n && line[0] != '-') {
				char *joined = mlops__sprintf("%s %s", m->v[m->n - 1].raw, trim(line));
				if (!joined) {
					rc = MLOPS_ENOMEM;
					break;
				}
				free(m->v[m->n - 1].raw);
				m->v[m->n - 1].raw = joined;
			}
			continue;
		}
		char *colon = strchr(line, ':');
		if (!colon || (colon[1] != '\0' && colon[1] != ' ')) {
			rc = mlops__error(MLOPS_EPARSE, "mlflow import: %s:%zu: expected 'key: value'", path, lineno);
			break;
		}
		*colon = '\0';
		if (m->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			yaml_kv *v = mlops__realloc(m->v, ncap * sizeof(*v));
			if (!v) {
				rc = MLOPS_ENOMEM;
				break;
			}
			m->v = v;
			cap = ncap;
		}
		m->v[m->n].key = mlops__strdup(trim(line));
		m->v[m->n].raw = mlops__strdup(trim(colon + 1));
		m->n++;
		if (!m->v[m->n - 1].key || !m->v[m->n - 1].raw)
			rc = MLOPS_ENOMEM;
	}
	free(text);
	if (rc)
		yaml_free(m);
	return rc;
}

static int hexdig(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* Decode the scalar of key into *out (malloc'd; NULL for a missing key or null). */
static int yaml_get(char **out, const yaml_map *m, const char *key)
{
	*out = NULL;
	const char *raw = NULL;
	for (size_t k = 0; k < m->n; k++)
		if (strcmp(m->v[k].key, key) == 0)
			raw = m->v[k].raw;
	if (!raw || !raw[0] || strcmp(raw, "null") == 0 || strcmp(raw, "~") == 0 || strcmp(raw, "Null") == 0)
		return 0;
	mlops_buf b = MLOPS_BUF_INIT;
	int rc = mlops__buf_puts(&b, "");
	if (raw[0] == '\'') {
		const char *p = raw + 1;
		for (; *p && !rc; p++) {
			if (*p == '\'') {
				if (p[1] != '\'')
					break;
				p++;
			}
			rc = mlops__buf_putc(&b, *p);
		}
		if (!rc && *p != '\'')
			rc = mlops__error(MLOPS_EPARSE, "mlflow import: %s: unterminated quoted value of '%s'", m->path, key);
	} else if (raw[0] == '"') {
		const char *p = raw + 1;
		for (; *p && *p != '"' && !rc; p++) {
			if (*p != '\\') {
				rc = mlops__buf_putc(&b, *p);
				continue;
			}
			p++;
			switch (*p) {
			case 'n': rc = mlops__buf_putc(&b, '\n'); break;
			case 't': rc = mlops__buf_putc(&b, '\t'); break;
			case 'r': rc = mlops__buf_putc(&b, '\r'); break;
			case '0': rc = mlops__buf_putc(&b, '\0'); break;
			case 'x':
				if (hexdig((unsigned char)p[1]) < 0 || hexdig((unsigned char)p[2]) < 0) {
					rc = mlops__error(MLOPS_EPARSE, "mlflow import: %s: bad \\x escape in '%s'", m->path, key);
					break;
				}
				rc = mlops__buf_putc(&b, (char)(hexdig((unsigned char)p[1]) * 16 + hexdig((unsigned char)p[2])));
				p += 2;
				break;
			case '\0':
				rc = mlops__error(MLOPS_EPARSE, "mlflow import: %s: dangling '\\' in '%s'", m->path, key);
				p--;
				break;
			default: rc = mlops__buf_putc(&b, *p); break;
			}
		}
		if (!rc && *p != '"')
			rc = mlops__error(MLOPS_EPARSE, "mlflow import: %s: unterminated quoted value of '%s'", m->path, key);
	} else {
		rc = mlops__buf_puts(&b, raw);
	}
	if (rc) {
		mlops__buf_free(&b);
		return rc;
	}
	*out = mlops__buf_detach(&b);
	return 0;
}

static int yaml_int(int64_t *out, const yaml_map *m, const char *key, int64_t dflt)
{
	char *s;
	int rc = yaml_get(&s, m, key);
	if (rc)
		return rc;
	*out = dflt;
	if (!s)
		return 0;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		rc = mlops__error(MLOPS_EPARSE, "mlflow import: %s: '%s' is not an integer ('%s')", m->path, key, s);
	else
		*out = v;
	free(s);
	return rc;
}

/* ---- walking a directory of keyed files (params/, tags/, metrics/, artifacts/) ---- */

typedef int (*file_cb)(const char *rel, const char *path, const struct stat *sb, void *payload);

static int walk(const char *dir, const char *rel, file_cb cb, void *payload, int depth)
{
	if (depth > 64)
		return mlops__error(MLOPS_EINVAL, "mlflow import: '%s' nests too deeply", dir);
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return errno == ENOENT ? 0 : mlops__error_errno(errno, "mlflow import: cannot list '%s'", dir);
	int rc = 0;
	for (int k = 0; k < n; k++) {
		const char *name = names[k]->d_name;
		if (rc || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		char *path = mlops__path_join(dir, name);
		char *r = rel ? mlops__sprintf("%s/%s", rel, name) : mlops__strdup(name);
		struct stat sb;
		if (!path || !r)
			rc = MLOPS_ENOMEM;
		else if (stat(path, &sb) != 0)
			rc = mlops__error_errno(errno, "mlflow import: cannot stat '%s'", path);
		else if (S_ISDIR(sb.st_mode))
			rc = walk(path, r, cb, payload, depth + 1);
		else if (S_ISREG(sb.st_mode))
			rc = cb(r, path, &sb, payload);
		free(path);
		free(r);
	}
	for (int k = 0; k < n; k++)
		free(names[k]);
	free(names);
	return rc;
}

typedef struct run_ctx {
	mlops_store *store;
	int64_t rid;
	const char *run_id;
	mlops_mlflow_stats *st;
	char *parent;      /* mlflow.parentRunId tag */
	char *name_tag;    /* mlflow.runName tag */
} run_ctx;

static int read_value(char **out, const char *path, const char *what, const char *key, size_t max)
{
	size_t n;
	int rc = mlops__file_read_all(out, &n, path);
	if (rc)
		return mlops__error_prefix("mlflow import: cannot read '%s'", path);
	if (strlen(*out) != n)
		rc = mlops__error(MLOPS_EPARSE, "mlflow import: %s holds a NUL byte", path);
	if (!rc)
		rc = mlops_runs__check_key(what, key);
	if (!rc)
		rc = mlops_runs__check_value(what, key, *out, max);
	if (rc) {
		free(*out);
		*out = NULL;
		return rc == MLOPS_EPARSE ? rc : mlops__error_prefix("mlflow import: %s", path);
	}
	return 0;
}

static int on_param(const char *rel, const char *path, const struct stat *sb, void *payload)
{
	run_ctx *c = payload;
	char *v;
	int rc = read_value(&v, path, "param", rel, MLOPS_RUNS__MAX_PARAM_VALUE);
	if (rc)
		return rc;
	rc = mlops_runs__put_param(c->store, c->rid, c->run_id, rel, v, 0);
	free(v);
	if (!rc)
		c->st->params++;
	return rc;
}

static int on_tag(const char *rel, const char *path, const struct stat *sb, void *payload)
{
	run_ctx *c = payload;
	char *v;
	int rc = read_value(&v, path, "tag", rel, MLOPS_RUNS__MAX_TAG_VALUE);
	if (rc)
		return rc;
	rc = mlops_runs__put_tag(c->store, c->rid, rel, v);
	free(v);
	if (!rc)
		c->st->tags++;
	return rc;
}

/* Collect the tags that shape the run row (parent, name) before the row exists. */
static int on_tag_peek(const char *rel, const char *path, const struct stat *sb, void *payload)
{
	run_ctx *c = payload;
	char **slot = strcmp(rel, MLOPS_TAG_PARENT_RUN_ID) == 0 ? &c->parent
	              : strcmp(rel, MLOPS_TAG_RUN_NAME) == 0  ? &c->name_tag
	                                                       : NULL;
	if (!slot)
		return 0;
	size_t n;
	free(*slot);
	*slot = NULL;
	int rc = mlops__file_read_all(slot, &n, path);
	return rc ? mlops__error_prefix("mlflow import: cannot read '%s'", path) : 0;
}

static int parse_ll(long long *out, const char *s)
{
	char *end;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return !errno && end != s && *end == '\0';
}

/* Python's str(float) gives "nan", "inf", "-inf"; strtod reads those and the export's "NaN", "Infinity". */
static int parse_double(double *out, const char *s)
{
	char *end;
	*out = strtod(s, &end);
	return end != s && *end == '\0';
}

static int on_metric(const char *rel, const char *path, const struct stat *sb, void *payload)
{
	run_ctx *c = payload;
	int rc = mlops_runs__check_key("metric", rel);
	if (rc)
		return mlops__error_prefix("mlflow import: %s", path);
	char *text;
	size_t len;
	if ((rc = mlops__file_read_all(&text, &len, path)) != 0)
		return mlops__error_prefix("mlflow import: cannot read '%s'", path);
	size_t cap = 64, n = 0, lineno = 0;
	int64_t *steps = mlops__malloc(cap * sizeof(*steps)), *ts = mlops__malloc(cap * sizeof(*ts));
	double *vals = mlops__malloc(cap * sizeof(*vals));
	if (!steps || !ts || !vals)
		rc = MLOPS_ENOMEM;
	char *save = NULL;
	for (char *line = rc ? NULL : strtok_r(text, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *p = trim(line);
		if (!*p)
			continue;
		if (n == cap) {
			cap *= 2;
			int64_t *s2 = mlops__realloc(steps, cap * sizeof(*s2));
			if (s2)
				steps = s2;
			int64_t *t2 = mlops__realloc(ts, cap * sizeof(*t2));
			if (t2)
				ts = t2;
			double *v2 = mlops__realloc(vals, cap * sizeof(*v2));
			if (v2)
				vals = v2;
			if (!s2 || !t2 || !v2) {
				rc = MLOPS_ENOMEM;
				break;
			}
		}
		/* "<timestamp_ms> <value> [<step>]": MLflow before 1.0 wrote no step. */
		char *tok[4], *save2 = NULL;
		int nt = 0;
		for (char *t = strtok_r(p, " \t", &save2); t && nt < 4; t = strtok_r(NULL, " \t", &save2))
			tok[nt++] = t;
		long long t = 0, s = 0;
		double v = 0;
		if ((nt != 2 && nt != 3) || !parse_ll(&t, tok[0]) || !parse_double(&v, tok[1]) ||
		    (nt == 3 && !parse_ll(&s, tok[2]))) {
			rc = mlops__error(MLOPS_EPARSE, "mlflow import: %s:%zu: expected '<timestamp_ms> <value> <step>'", path,
			                  lineno);
			break;
		}
		ts[n] = t;
		vals[n] = v;
		steps[n] = s;
		n++;
	}
	if (!rc && n)
		rc = mlops_runs__append_points(c->store, c->rid, rel, steps, ts, vals, n);
	if (!rc)
		c->st->metric_points += n;
	free(steps);
	free(ts);
	free(vals);
	free(text);
	return rc;
}

static int on_artifact(const char *rel, const char *path, const struct stat *sb, void *payload)
{
	run_ctx *c = payload;
	int rc = mlops_runs__check_artifact_path(rel, false);
	if (rc)
		return mlops__error_prefix("mlflow import: %s", path);
	mlops_oid oid;
	if ((rc = mlops__odb_put_file(&oid, mlops_store__odb(c->store), path)) != 0)
		return mlops__error_prefix("mlflow import: cannot store '%s'", path);
	char hex[MLOPS_OID_BUFSIZE];
	mlops__oid_to_hex(hex, &oid);
	int64_t mtime = (int64_t)sb->st_mtim.tv_sec * 1000 + sb->st_mtim.tv_nsec / 1000000;
	rc = mlops_runs__put_artifact(c->store, c->rid, rel, hex, (uint64_t)sb->st_size, sb->st_mode & 0777, mtime);
	if (!rc) {
		c->st->artifacts++;
		c->st->artifact_bytes += (uint64_t)sb->st_size;
	}
	return rc;
}

/* ---- runs and experiments ---- */

typedef struct import_ctx {
	mlops_store *store;
	uint32_t flags;
	mlops_mlflow_stats st;
} import_ctx;

static int is_run_dir_name(const char *s)
{
	return mlops__oid_hex_valid(s);
}

static int sub_path(char **out, const char *dir, const char *name)
{
	*out = mlops__path_join(dir, name);
	return *out ? 0 : MLOPS_ENOMEM;
}

/* Parse a status written as MLflow's file store does (an int) or by name. */
static int run_status(int *out, const yaml_map *m)
{
	char *s;
	int rc = yaml_get(&s, m, "status");
	if (rc)
		return rc;
	*out = MLOPS_RUN_RUNNING;
	if (!s)
		return 0;
	long long v;
	if (parse_ll(&v, s)) {
		if (v < MLOPS_RUN_RUNNING || v > MLOPS_RUN_KILLED)
			rc = mlops__error(MLOPS_EPARSE, "mlflow import: %s: unknown status %lld", m->path, v);
		else
			*out = (int)v;
	} else if (mlops_run_status_parse(out, s) != 0) {
		rc = mlops__error(MLOPS_EPARSE, "mlflow import: %s: unknown status '%s'", m->path, s);
	}
	free(s);
	return rc;
}

static int import_run_tx(import_ctx *x, run_ctx *c, const char *run_dir, const yaml_map *m, int64_t eid,
                         int exp_deleted)
{
	char *run_name = NULL, *user = NULL, *stage = NULL, *p = NULL;
	int64_t start = 0, end = 0, deleted_ms = 0;
	int status = 0;
	int rc = yaml_get(&run_name, m, "run_name");
	if (!rc)
		rc = yaml_get(&user, m, "user_id");
	if (!rc)
		rc = yaml_get(&stage, m, "lifecycle_stage");
	if (!rc)
		rc = yaml_int(&start, m, "start_time", 0);
	if (!rc)
		rc = yaml_int(&end, m, "end_time", 0);
	if (!rc)
		rc = yaml_int(&deleted_ms, m, "deleted_time", 0);
	if (!rc)
		rc = run_status(&status, m);
	if (!rc && stage && strcmp(stage, "active") != 0 && strcmp(stage, "deleted") != 0)
		rc = mlops__error(MLOPS_EPARSE, "mlflow import: %s: unknown lifecycle_stage '%s'", m->path, stage);
	/* Tags that the run row carries: parent and, for runs of MLflow < 1.30 without run_name, the name. */
	if (!rc && (rc = sub_path(&p, run_dir, "tags")) == 0)
		rc = walk(p, NULL, on_tag_peek, c, 0);
	free(p);
	p = NULL;
	char gen[64];
	const char *name = run_name && run_name[0] ? run_name : c->name_tag;
	if (!rc && !name && (rc = mlops_runs__generate_name(gen, sizeof(gen))) == 0)
		name = gen;
	int own_delete = stage && strcmp(stage, "deleted") == 0;
	mlops_run_info info = {.run_id = c->run_id, .experiment_id = NULL, .run_name = name, .user = user ? user : "",
	                       .parent_run_id = c->parent && mlops__oid_hex_valid(c->parent) ? c->parent : NULL,
	                       .status = status, .start_ms = start, .end_ms = end, .deleted = own_delete,
	                       .deleted_ms = deleted_ms ? deleted_ms : end};
	if (!rc)
		rc = mlops_runs__insert_run(&c->rid, x->store, eid, &info, "runs.import");
	if (!rc && exp_deleted && !own_delete) {
		/* A run of a deleted experiment is hidden with it, and comes back when the experiment is restored. */
		sqlite3_stmt *st;
		mlops_db *db = mlops_store__db(x->store);
		if ((rc = mlops__db_prepare(&st, db, "UPDATE runs_runs SET lifecycle = 1, deleted_by_experiment = 1, "
		                            "deleted_ms = ? WHERE rid = ?")) == 0) {
			sqlite3_bind_int64(st, 1, end ? end : mlops__now_ms());
			sqlite3_bind_int64(st, 2, c->rid);
			rc = mlops__db_step(db, st, "mlflow import: cannot mark run deleted");
			mlops__db_done(st);
		}
	}
	static const struct {
		const char *sub;
		file_cb cb;
	} parts[] = {{"params", on_param}, {"tags", on_tag}, {"metrics", on_metric}, {"artifacts", on_artifact}};
	for (size_t k = 0; k < sizeof(parts) / sizeof(parts[0]) && !rc; k++) {
		if (parts[k].cb == on_artifact && (x->flags & MLOPS_MLFLOW_NO_ARTIFACTS))
			continue;
		if ((rc = sub_path(&p, run_dir, parts[k].sub)) == 0)
			rc = walk(p, NULL, parts[k].cb, c, 0);
		free(p);
		p = NULL;
	}
	free(run_name);
	free(user);
	free(stage);
	return rc;
}

static int import_run(import_ctx *x, const char *run_dir, int64_t eid, int exp_deleted)
{
	yaml_map m;
	char *meta = NULL, *run_id = NULL;
	int rc = sub_path(&meta, run_dir, "meta.yaml");
	if (!rc)
		rc = yaml_read(&m, meta);
	free(meta);
	if (rc)
		return rc;
	if ((rc = yaml_get(&run_id, &m, "run_id")) == 0 && !run_id)
		rc = yaml_get(&run_id, &m, "run_uuid");
	if (!rc && (!run_id || !mlops__oid_hex_valid(run_id)))
		rc = mlops__error(MLOPS_EPARSE, "mlflow import: %s: run_id '%s' is not 32 lowercase hex characters", m.path,
		                  run_id ? run_id : "");
	mlops_db *db = mlops_store__db(x->store);
	if (!rc)
		rc = mlops_runs__begin_write(x->store, "mlflow import");
	if (rc) {
		free(run_id);
		yaml_free(&m);
		return rc;
	}
	mlops_runs__run_state rs;
	int exists = mlops_runs__run_lookup(&rs, x->store, run_id);
	if (exists == 0) {
		if (x->flags & MLOPS_MLFLOW_SKIP_EXISTING) {
			x->st.runs_skipped++;
			rc = 0;
		} else {
			rc = mlops__error(MLOPS_EEXISTS, "mlflow import: run %s (%s) is already in the store", run_id, run_dir);
		}
		mlops__db_rollback(db);
		free(run_id);
		yaml_free(&m);
		return rc;
	}
	if (exists != MLOPS_ENOTFOUND) {
		mlops__db_rollback(db);
		free(run_id);
		yaml_free(&m);
		return exists;
	}
	mlops__error_reset();
	/* Counted into a copy so that a run rolled back leaves the totals as they were. */
	mlops_mlflow_stats st = x->st;
	run_ctx c = {.store = x->store, .run_id = run_id, .st = &st};
	rc = import_run_tx(x, &c, run_dir, &m, eid, exp_deleted);
	rc = mlops_runs__end_tx(db, rc);
	if (!rc) {
		st.runs++;
		x->st = st;
	}
	free(c.parent);
	free(c.name_tag);
	free(run_id);
	yaml_free(&m);
	return rc;
}

typedef struct exp_tag_ctx {
	mlops_store *store;
	int64_t eid;
} exp_tag_ctx;

static int on_exp_tag(const char *rel, const char *path, const struct stat *sb, void *payload)
{
	const exp_tag_ctx *ctx = payload;
	mlops_store *store = ctx->store;
	char *v;
	int rc = read_value(&v, path, "tag", rel, MLOPS_RUNS__MAX_TAG_VALUE);
	if (rc)
		return rc;
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	if ((rc = mlops__db_prepare(&st, db, "INSERT OR REPLACE INTO runs_experiment_tags (experiment_id, key, value) "
	                            "VALUES (?, ?, ?)")) == 0) {
		sqlite3_bind_int64(st, 1, ctx->eid);
		if ((rc = mlops__db_bind_text(st, 2, rel)) == 0 && (rc = mlops__db_bind_text(st, 3, v)) == 0)
			rc = mlops__db_step(db, st, "mlflow import: cannot set experiment tag");
		mlops__db_done(st);
	}
	if (rc >= 0) {
		char eid[MLOPS_EXPERIMENT_ID_BUFSIZE];
		snprintf(eid, sizeof(eid), "%lld", (long long)ctx->eid);
		rc = mlops_runs__audit(store, "experiment.tag.set", "experiment", eid, "key", rel, "value", v);
	}
	free(v);
	return rc;
}

/* The artifact location to keep: none when it points into the directory being imported (the runs' artifacts are
 * copied into the store), else as written. */
static const char *kept_location(const char *loc, const char *exp_dir)
{
	if (!loc)
		return NULL;
	const char *p = strncmp(loc, "file://", 7) == 0 ? loc + 7 : loc;
	char *real = realpath(exp_dir, NULL);
	int inside = real && strncmp(p, real, strlen(real)) == 0 && (p[strlen(real)] == '\0' || p[strlen(real)] == '/');
	free(real);
	return inside ? NULL : loc;
}

static int import_experiment(import_ctx *x, const char *exp_dir, int in_trash)
{
	yaml_map m;
	char *meta = NULL, *name = NULL, *loc = NULL, *stage = NULL, *tags = NULL;
	int64_t created = 0;
	int rc = sub_path(&meta, exp_dir, "meta.yaml");
	if (!rc)
		rc = yaml_read(&m, meta);
	free(meta);
	if (rc)
		return rc;
	if ((rc = yaml_get(&name, &m, "name")) == 0 && (!name || !name[0]))
		rc = mlops__error(MLOPS_EPARSE, "mlflow import: %s: no experiment name", m.path);
	if (!rc)
		rc = yaml_get(&loc, &m, "artifact_location");
	if (!rc)
		rc = yaml_get(&stage, &m, "lifecycle_stage");
	if (!rc)
		rc = yaml_int(&created, &m, "creation_time", 0);
	int deleted = in_trash || (stage && strcmp(stage, "deleted") == 0);
	int64_t eid = -1;
	int lifecycle = 0;
	mlops_db *db = mlops_store__db(x->store);
	if (!rc && (rc = mlops_runs__begin_write(x->store, "mlflow import")) == 0) {
		rc = mlops_runs__experiment_ensure(&eid, x->store, name, kept_location(loc, exp_dir), created,
		                                   deleted ? MLOPS_RUNS__DELETED : MLOPS_RUNS__ACTIVE);
		if (!rc)
			rc = mlops_runs__experiment_state(&lifecycle, x->store, eid);
		exp_tag_ctx ctx = {.store = x->store, .eid = eid};
		if (!rc && (rc = sub_path(&tags, exp_dir, "tags")) == 0)
			rc = walk(tags, NULL, on_exp_tag, &ctx, 0);
		rc = mlops_runs__end_tx(db, rc);
	}
	free(tags);
	free(name);
	free(loc);
	free(stage);
	yaml_free(&m);
	if (rc)
		return rc;
	struct dirent **names = NULL;
	int n = scandir(exp_dir, &names, NULL, alphasort);
	if (n < 0)
		return mlops__error_errno(errno, "mlflow import: cannot list '%s'", exp_dir);
	for (int k = 0; k < n; k++) {
		if (!rc && is_run_dir_name(names[k]->d_name)) {
			char *run_dir = mlops__path_join(exp_dir, names[k]->d_name);
			char *run_meta = run_dir ? mlops__path_join(run_dir, "meta.yaml") : NULL;
			struct stat sb;
			if (!run_meta)
				rc = MLOPS_ENOMEM;
			else if (stat(run_meta, &sb) == 0 && S_ISREG(sb.st_mode))
				rc = import_run(x, run_dir, eid, lifecycle == MLOPS_RUNS__DELETED);
			free(run_meta);
			free(run_dir);
		}
		free(names[k]);
	}
	free(names);
	if (!rc)
		x->st.experiments++;
	return rc;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Import the experiment directories directly under dir (numeric names holding a meta.yaml). */
static int import_level(import_ctx *x, const char *dir, int in_trash)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return errno == ENOENT && in_trash ? 0 : mlops__error_errno(errno, "mlflow import: cannot list '%s'", dir);
	int rc = 0;
	for (int k = 0; k < n; k++) {
		if (!rc && all_digits(names[k]->d_name)) {
			char *exp_dir = mlops__path_join(dir, names[k]->d_name);
			char *meta = exp_dir ? mlops__path_join(exp_dir, "meta.yaml") : NULL;
			struct stat sb;
			if (!meta)
				rc = MLOPS_ENOMEM;
			else if (stat(meta, &sb) == 0 && S_ISREG(sb.st_mode))
				rc = import_experiment(x, exp_dir, in_trash);
			free(meta);
			free(exp_dir);
		}
		free(names[k]);
	}
	free(names);
	return rc;
}

int mlops_runs_import_mlflow(mlops_mlflow_stats *out, mlops_store *store, const char *dir,
                             const mlops_mlflow_options *opts)
{
	mlops_mlflow_options d = MLOPS_MLFLOW_OPTIONS_INIT;
	const mlops_mlflow_options *o = opts ? opts : &d;
	int rc = mlops_runs__check_mlflow_args(store, dir, o, out, "mlops_runs_import_mlflow");
	if (rc)
		return rc;
	struct stat sb;
	if (stat(dir, &sb) != 0)
		return mlops__error_errno(errno, "mlflow import: cannot open '%s'", dir);
	if (!S_ISDIR(sb.st_mode))
		return mlops__error(MLOPS_EINVAL, "mlflow import: '%s' is not a directory", dir);
	rc = mlops_store__check_writable(store, "mlflow import");
	if (rc)
		return rc;
	import_ctx x = {.store = store, .flags = o->flags};
	rc = import_level(&x, dir, 0);
	if (!rc) {
		char *trash = mlops__path_join(dir, ".trash");
		rc = trash ? import_level(&x, trash, 1) : MLOPS_ENOMEM;
		free(trash);
	}
	if (out) {
		/* What was imported before a failure stays imported: the counts say how much. */
		x.st.version = MLOPS_MLFLOW_STATS_VERSION;
		*out = x.st;
	}
	return rc;
}
