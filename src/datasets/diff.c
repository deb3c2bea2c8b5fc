/*
 * Diff between two versions: a merge of the two sorted manifests, with, for tabular files, the row counts and
 * the schema changes (columns added or removed, type and nullability changes) read from the stored profiles.
 */
#include <stdlib.h>
#include <string.h>

#include "datasets/ds_int.h"
#include "datasets/tabular.h"

typedef struct diff_row {
	mlops_dataset_diff_entry pub;
	char *path;
	char old_hex[MLOPS_OID_BUFSIZE];
	char new_hex[MLOPS_OID_BUFSIZE];
	char *schema_change;
} diff_row;

struct mlops_dataset_diff {
	diff_row *rows;
	size_t count, pos;
};

void mlops_dataset_diff_free(mlops_dataset_diff *diff)
{
	if (!diff)
		return;
	for (size_t i = 0; i < diff->count; i++) {
		free(diff->rows[i].path);
		free(diff->rows[i].schema_change);
	}
	free(diff->rows);
	free(diff);
}

int mlops_dataset_diff_next(const mlops_dataset_diff_entry **out, mlops_dataset_diff *diff)
{
	if (out)
		*out = NULL;
	if (!out || !diff)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_diff_next: NULL argument");
	if (diff->pos >= diff->count)
		return MLOPS_ITEROVER;
	*out = &diff->rows[diff->pos++].pub;
	return 0;
}

typedef struct column {
	char *name;
	char *type;
	int nullable;
} column;

typedef struct columns {
	column *c;
	size_t n;
} columns;

static void columns_free(columns *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		free(cs->c[i].name);
		free(cs->c[i].type);
	}
	free(cs->c);
	memset(cs, 0, sizeof(*cs));
}

static int read_columns(columns *out, mlops_store *store, const char *schema_json)
{
	memset(out, 0, sizeof(*out));
	mlops_db *db = mlops_store__db(store);
	sqlite3_stmt *st;
	int rc = mlops__db_prepare(&st, db,
	                           "SELECT json_extract(value, '$.name'), json_extract(value, '$.type'), "
	                           "json_extract(value, '$.nullable') FROM json_each(?1, '$.columns') "
	                           "WHERE json_valid(?1)");
	if (rc)
		return rc;
	mlops__db_bind_text(st, 1, schema_json);
	size_t cap = 0;
	while ((rc = mlops__db_step(db, st, "read a stored schema")) == 1) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			column *p = mlops__realloc(out->c, cap * sizeof(*p));
			if (!p) {
				rc = MLOPS_ENOMEM;
				break;
			}
			out->c = p;
		}
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *type = (const char *)sqlite3_column_text(st, 1);
		column *c = &out->c[out->n];
		c->name = mlops__strdup(name ? name : "");
		c->type = mlops__strdup(type ? type : "");
		c->nullable = sqlite3_column_int(st, 2);
		if (!c->name || !c->type) {
			free(c->name);
			free(c->type);
			rc = MLOPS_ENOMEM;
			break;
		}
		out->n++;
	}
	mlops__db_done(st);
	if (rc < 0) {
		columns_free(out);
		return rc;
	}
	return 0;
}

static const column *find_column(const columns *cs, const char *name)
{
	for (size_t i = 0; i < cs->n; i++)
		if (strcmp(cs->c[i].name, name) == 0)
			return &cs->c[i];
	return NULL;
}

static void write_cols(mlops_json *j, const char *key, const columns *from, const columns *other)
{
	mlops__json_key(j, key);
	mlops__json_array_begin(j);
	for (size_t i = 0; i < from->n; i++) {
		if (find_column(other, from->c[i].name))
			continue;
		mlops__json_object_begin(j);
		mlops__json_key(j, "name");
		mlops__json_string(j, from->c[i].name);
		mlops__json_key(j, "type");
		mlops__json_string(j, from->c[i].type);
		mlops__json_object_end(j);
	}
	mlops__json_array_end(j);
}

/* JSON of the schema changes between two stored schemas, or NULL when they agree. */
static int schema_change(char **out, mlops_store *store, const char *old_schema, const char *new_schema)
{
	*out = NULL;
	columns a, b;
	int rc = read_columns(&a, store, old_schema);
	if (rc)
		return rc;
	if ((rc = read_columns(&b, store, new_schema)) != 0) {
		columns_free(&a);
		return rc;
	}
	size_t changes = 0;
	for (size_t i = 0; i < a.n; i++) {
		const column *o = find_column(&b, a.c[i].name);
		changes += !o || strcmp(o->type, a.c[i].type) != 0 || o->nullable != a.c[i].nullable;
	}
	for (size_t i = 0; i < b.n; i++)
		changes += !find_column(&a, b.c[i].name);
	if (changes) {
		mlops_buf buf = MLOPS_BUF_INIT;
		mlops_json j;
		mlops__json_init(&j, &buf);
		mlops__json_object_begin(&j);
		write_cols(&j, "added", &b, &a);
		write_cols(&j, "removed", &a, &b);
		for (int pass = 0; pass < 2; pass++) {
			mlops__json_key(&j, pass == 0 ? "type_changed" : "nullability_changed");
			mlops__json_array_begin(&j);
			for (size_t i = 0; i < a.n; i++) {
				const column *o = find_column(&b, a.c[i].name);
				if (!o)
					continue;
				bool differs = pass == 0 ? strcmp(o->type, a.c[i].type) != 0 : o->nullable != a.c[i].nullable;
				if (!differs)
					continue;
				mlops__json_object_begin(&j);
				mlops__json_key(&j, "name");
				mlops__json_string(&j, a.c[i].name);
				mlops__json_key(&j, "from");
				pass == 0 ? mlops__json_string(&j, a.c[i].type) : mlops__json_bool(&j, a.c[i].nullable);
				mlops__json_key(&j, "to");
				pass == 0 ? mlops__json_string(&j, o->type) : mlops__json_bool(&j, o->nullable);
				mlops__json_object_end(&j);
			}
			mlops__json_array_end(&j);
		}
		mlops__json_object_end(&j);
		rc = mlops__json_finish(&j);
		if (!rc)
			*out = mlops__buf_detach(&buf);
		mlops__buf_free(&buf);
	}
	columns_free(&a);
	columns_free(&b);
	return rc;
}

static const char *tab_format(const ds_entry *e)
{
	if (!e || S_ISLNK(e->mode))
		return NULL;
	mlops_datasets__fmt f = mlops_datasets__format_of(e->path);
	return f == MLOPS_DATASETS__FMT_CSV ? "csv" : f == MLOPS_DATASETS__FMT_JSONL ? "jsonl" : NULL;
}

static int fill_tabular(diff_row *r, mlops_store *store, const ds_entry *o, const ds_entry *n)
{
	const char *fo = tab_format(o), *fn = tab_format(n);
	char *so = NULL, *sn = NULL;
	int found = 0, rc = 0;
	if (fo)
		rc = mlops_datasets__profile_lookup(&found, &r->pub.old_rows, &so, NULL, NULL, store, r->old_hex, fo);
	if (!rc && fn)
		rc = mlops_datasets__profile_lookup(&found, &r->pub.new_rows, &sn, NULL, NULL, store, r->new_hex, fn);
	if (!rc && so && sn)
		rc = schema_change(&r->schema_change, store, so, sn);
	free(so);
	free(sn);
	r->pub.schema_change = r->schema_change;
	return rc;
}

static int add_row(mlops_dataset_diff *d, size_t *cap, mlops_store *store, const ds_entry *o, const ds_entry *n)
{
	if (d->count == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		diff_row *p = mlops__realloc(d->rows, *cap * sizeof(*p));
		if (!p)
			return MLOPS_ENOMEM;
		d->rows = p;
	}
	diff_row *r = &d->rows[d->count];
	memset(r, 0, sizeof(*r));
	if (!(r->path = mlops__strdup(o ? o->path : n->path)))
		return MLOPS_ENOMEM;
	d->count++;
	r->pub.path = r->path;
	r->pub.change = !o ? MLOPS_DATASET_ADDED : !n ? MLOPS_DATASET_DELETED : MLOPS_DATASET_MODIFIED;
	r->pub.old_rows = r->pub.new_rows = -1;
	if (o) {
		mlops__oid_to_hex(r->old_hex, &o->oid);
		r->pub.old_id = r->old_hex;
		r->pub.old_size = o->size;
		r->pub.old_mode = o->mode;
	}
	if (n) {
		mlops__oid_to_hex(r->new_hex, &n->oid);
		r->pub.new_id = r->new_hex;
		r->pub.new_size = n->size;
		r->pub.new_mode = n->mode;
	}
	return fill_tabular(r, store, o, n);
}

int mlops_dataset_diff_new(mlops_dataset_diff **out, mlops_store *store, const char *old_spec,
                           const char *new_spec)
{
	if (out)
		*out = NULL;
	if (!out || !store)
		return mlops__error(MLOPS_EINVAL, "mlops_dataset_diff_new: NULL argument");
	ds_version a, b;
	ds_manifest ma, mb;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&ma, 0, sizeof(ma));
	memset(&mb, 0, sizeof(mb));
	mlops_dataset_diff *d = mlops__calloc(1, sizeof(*d));
	if (!d)
		return MLOPS_ENOMEM;
	bool began;
	int rc = mlops_datasets__begin_read(store, &began);
	if (!rc)
		rc = mlops_datasets__version_resolve(&a, store, old_spec);
	if (!rc)
		rc = mlops_datasets__version_resolve(&b, store, new_spec);
	if (!rc)
		rc = mlops_datasets__manifest_load(&ma, store, a.manifest_id);
	if (!rc)
		rc = mlops_datasets__manifest_load(&mb, store, b.manifest_id);
	size_t cap = 0, i = 0, k = 0;
	while (!rc && (i < ma.count || k < mb.count)) {
		int c = i >= ma.count ? 1 : k >= mb.count ? -1 : strcmp(ma.entries[i].path, mb.entries[k].path);
		if (c < 0) {
			rc = add_row(d, &cap, store, &ma.entries[i++], NULL);
		} else if (c > 0) {
			rc = add_row(d, &cap, store, NULL, &mb.entries[k++]);
		} else {
			const ds_entry *o = &ma.entries[i++], *n = &mb.entries[k++];
			if (memcmp(o->oid.bytes, n->oid.bytes, 16) != 0 || o->mode != n->mode)
				rc = add_row(d, &cap, store, o, n);
		}
	}
	mlops_datasets__end_read(store, began);
	mlops_datasets__manifest_free(&ma);
	mlops_datasets__manifest_free(&mb);
	mlops_datasets__version_clear(&a);
	mlops_datasets__version_clear(&b);
	if (rc) {
		mlops_dataset_diff_free(d);
		return rc;
	}
	*out = d;
	return 0;
}
