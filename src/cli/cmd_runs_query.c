/*
 * 'mlops runs search|compare|export|import' (public API only): run search with MLflow's filter grammar, runs side
 * by side (aligned table, CSV or JSON), and MLflow mlruns/ export and import.
 */
#include "cmd_runs_query.h"
#include "cmd_runs.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST 256

/* Shortest text that reads back as the same double (%.17g is always enough; try shorter first). */
static void fmt_num(char out[40], double v)
{
	if (isnan(v)) {
		snprintf(out, 40, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, 40, v > 0 ? "Infinity" : "-Infinity");
		return;
	}
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(out, 40, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static int push_arg(const char **list, size_t *n, const char *arg, const char *cmd, const char *opt)
{
	if (*n == MAX_LIST) {
		cli_usage(cmd, "at most %d %s options", MAX_LIST, opt);
		return -1;
	}
	list[(*n)++] = arg;
	return 0;
}

/* ---- search ---- */

static const char search_usage[] =
	"Usage: mlops [--store DIR] runs search [--filter F] [--order-by K]... [--experiment EXP]... [--max-results N]\n"
	"                                      [--page-token T] [--all | --deleted] [--param K]... [--metric K]...\n"
	"                                      [--tag K]... [--no-params] [--no-metrics] [--no-tags] [--json]\n"
	"\n"
	"Search runs with MLflow's filter grammar plus OR, NOT, parentheses and metric aggregates, for example\n"
	"  --filter \"metrics.acc > 0.9 AND params.opt = 'adam' AND (tags.team LIKE 'vis%' OR metrics.loss.min < 0.2)\"\n"
	"  --order-by 'metrics.acc DESC' --order-by params.lr\n"
	"Grammar and semantics: docs/api/runs-search.md.\n"
	"\n"
	"Options:\n"
	"  --filter F         the filter (default: every run)\n"
	"  --order-by K       an order key, 'metrics.<key>[.min|.max|.last|.count]', 'params.<key>', 'tags.<key>' or an\n"
	"                     attribute, optionally followed by ASC or DESC (repeatable; default start_time DESC)\n"
"  --experiment EXP   only runs of this experiment, an id or a name (an all-digits EXP is tried as an id\n"
	"                     first, then as a name); repeatable; default: all experiments\n"
	"  --max-results N    page size (default 1000, at most 50000)\n"
	"  --page-token T     the page after the one that printed this token\n"
	"  --all, --deleted   active and deleted runs / deleted runs only (default: active runs)\n"
	"  --param K, --metric K, --tag K\n"
	"                     show these params / metrics / tags (repeatable; text output shows none by default)\n"
	"  --no-params, --no-metrics, --no-tags\n"
	"                     leave these out of the JSON rows\n"
	"  --json             JSON output (as 'mlops --json runs search')\n"
	"\n"
	"Text output: one line per run, then the requested metrics and params; the next page's token on stderr.\n"
	"With --json: {\"runs\": [{\"info\": {...as in 'runs list'}, \"data\": {\"params\": {k: v}, \"metrics\":\n"
	"{k: {\"last\", \"step\", \"timestamp\", \"min\", \"max\", \"count\"}}, \"tags\": {k: v}}}], \"next_page_token\": T|null}.\n";

static void json_row(cli_json *j, const mlops_run_row *row)
{
	cli_json_begin_object(j);
	cli_json_key(j, "info");
	cli_runs_json_info(j, row->info);
	cli_json_key(j, "data");
	cli_json_begin_object(j);
	cli_json_key(j, "params");
	cli_json_begin_object(j);
	for (size_t k = 0; k < row->n_params; k++) {
		cli_json_key(j, row->params[k].key);
		cli_json_string(j, row->params[k].value);
	}
	cli_json_end_object(j);
	cli_json_key(j, "metrics");
	cli_json_begin_object(j);
	for (size_t k = 0; k < row->n_metrics; k++) {
		const mlops_metric_summary *m = &row->metrics[k];
		cli_json_key(j, m->key);
		cli_json_begin_object(j);
		cli_json_key(j, "last");
		cli_json_double(j, m->last);
		cli_json_key(j, "step");
		cli_json_int(j, m->last_step);
		cli_json_key(j, "timestamp");
		cli_json_int(j, m->last_timestamp_ms);
		cli_json_key(j, "min");
		cli_json_double(j, m->min);
		cli_json_key(j, "max");
		cli_json_double(j, m->max);
		cli_json_key(j, "count");
		cli_json_uint(j, m->count);
		cli_json_end_object(j);
	}
	cli_json_end_object(j);
	cli_json_key(j, "tags");
	cli_json_begin_object(j);
	for (size_t k = 0; k < row->n_tags; k++) {
		cli_json_key(j, row->tags[k].key);
		cli_json_string(j, row->tags[k].value);
	}
	cli_json_end_object(j);
	cli_json_end_object(j);
	cli_json_end_object(j);
}

static void text_row(const mlops_run_row *row)
{
	char start[32];
	cli_runs_fmt_time(start, row->info->start_ms);
	printf("%-32s %-4s %-9s %-20s %s%s\n", row->info->run_id, row->info->experiment_id,
	       mlops_run_status_name(row->info->status), start, row->info->run_name, row->info->deleted ? " (deleted)" : "");
	for (size_t k = 0; k < row->n_metrics; k++) {
		char v[40];
		fmt_num(v, row->metrics[k].last);
		printf("    metrics.%s = %s\n", row->metrics[k].key, v);
	}
	for (size_t k = 0; k < row->n_params; k++)
		printf("    params.%s = %s\n", row->params[k].key, row->params[k].value);
	for (size_t k = 0; k < row->n_tags; k++)
		printf("    tags.%s = %s\n", row->tags[k].key, row->tags[k].value);
}

int cli_runs_search(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"filter", required_argument, NULL, 'f'},
		{"order-by", required_argument, NULL, 'o'},
		{"experiment", required_argument, NULL, 'e'},
		{"max-results", required_argument, NULL, 'n'},
		{"page-token", required_argument, NULL, 't'},
		{"all", no_argument, NULL, 'a'},
		{"deleted", no_argument, NULL, 'd'},
		{"param", required_argument, NULL, 'P'},
		{"metric", required_argument, NULL, 'M'},
		{"tag", required_argument, NULL, 'T'},
		{"no-params", no_argument, NULL, '1'},
		{"no-metrics", no_argument, NULL, '2'},
		{"no-tags", no_argument, NULL, '3'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const char *order[MAX_LIST], *exps[MAX_LIST], *pk[MAX_LIST], *mk[MAX_LIST], *tk[MAX_LIST];
	static char exp_ids[MAX_LIST][MLOPS_EXPERIMENT_ID_BUFSIZE];
	mlops_run_search_options so = MLOPS_RUN_SEARCH_OPTIONS_INIT;
	size_t n_order = 0, n_exps = 0, n_pk = 0, n_mk = 0, n_tk = 0;
	int64_t n;
	int c;
	const char *cmd = "runs search";

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': so.filter = optarg; break;
		case 'o':
			if (push_arg(order, &n_order, optarg, cmd, "--order-by"))
				return CLI_USAGE;
			break;
		case 'e':
			if (push_arg(exps, &n_exps, optarg, cmd, "--experiment"))
				return CLI_USAGE;
			break;
		case 'n':
			if (!cli_parse_int64(&n, optarg) || n <= 0)
				return cli_usage(cmd, "--max-results needs a positive number, not '%s'", optarg);
			so.max_results = (size_t)n;
			break;
		case 't': so.page_token = optarg; break;
		case 'a': so.view = MLOPS_VIEW_ALL; break;
		case 'd': so.view = MLOPS_VIEW_DELETED_ONLY; break;
		case 'P':
			if (push_arg(pk, &n_pk, optarg, cmd, "--param"))
				return CLI_USAGE;
			break;
		case 'M':
			if (push_arg(mk, &n_mk, optarg, cmd, "--metric"))
				return CLI_USAGE;
			break;
		case 'T':
			if (push_arg(tk, &n_tk, optarg, cmd, "--tag"))
				return CLI_USAGE;
			break;
		case '1': so.flags |= MLOPS_SEARCH_NO_PARAMS; break;
		case '2': so.flags |= MLOPS_SEARCH_NO_METRICS; break;
		case '3': so.flags |= MLOPS_SEARCH_NO_TAGS; break;
		case 'j': ctx->json = true; break;
		case 'h': fputs(search_usage, stdout); return CLI_OK;
		default: return cli_bad_option(cmd, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s' (give the filter with --filter)", argv[optind]);
	so.order_by = n_order ? order : NULL;
	so.n_order_by = n_order;
	/* Text output shows only what was asked for; JSON gives full rows unless projected. */
	if (n_pk || !ctx->json) {
		so.param_keys = pk;
		so.n_param_keys = n_pk;
	}
	if (n_mk || !ctx->json) {
		so.metric_keys = mk;
		so.n_metric_keys = n_mk;
	}
	if (n_tk || !ctx->json) {
		so.tag_keys = tk;
		so.n_tag_keys = n_tk;
	}
	mlops_store *store = cli_store(ctx);
	if (store == NULL)
		return CLI_FAIL;
	for (size_t i = 0; i < n_exps; i++) {
		if (cli_runs_experiment(exp_ids[i], store, cmd, exps[i]) != CLI_OK)
			return CLI_FAIL;
		exps[i] = exp_ids[i];
	}
	so.experiment_ids = n_exps ? exps : NULL;
	so.n_experiment_ids = n_exps;
	mlops_run_search *s;
	if (mlops_runs_search(&s, store, &so) < 0)
		return cli_fail(cmd);
	cli_json j;
	if (ctx->json) {
		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "runs");
		cli_json_begin_array(&j);
	} else {
		printf("%-32s %-4s %-9s %-20s %s\n", "RUN_ID", "EXP", "STATUS", "START", "NAME");
	}
	const mlops_run_row *row;
	int rc;
	while ((rc = mlops_run_search_next(&row, s)) == 0) {
		if (ctx->json)
			json_row(&j, row);
		else
			text_row(row);
	}
	cli_saved_error err;
	cli_error_save(&err);
	const char *token = mlops_run_search_next_page_token(s);
	if (ctx->json) {
		cli_json_end_array(&j);
		cli_json_key(&j, "next_page_token");
		cli_json_string(&j, token);
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else if (token) {
		fprintf(stderr, "mlops: more runs match: add --page-token %s for the next page\n", token);
	}
	mlops_run_search_free(s);
	return rc == MLOPS_ITEROVER ? CLI_OK : cli_error_fail(&err, cmd);
}

/* ---- compare ---- */

static const char compare_usage[] =
	"Usage: mlops [--store DIR] runs compare RUN_ID RUN_ID... [--param K]... [--metric K]... [--min | --max]\n"
	"                                       [--diff] [--csv | --json]\n"
	"\n"
	"Show the params and metrics of runs side by side: one column per run, one line per param, then per metric.\n"
	"Each RUN_ID is a run id or a unique prefix of it (4 or more hex digits), as the table's headers print them.\n"
	"\n"
	"Options:\n"
	"  --param K, --metric K   only these params / metrics (repeatable; default: every key any run has)\n"
	"  --min, --max            metric columns show the minimum / maximum instead of the last value\n"
	"  --diff                  only the keys whose value differs between the runs\n"
	"  --csv                   one CSV line per run: run_id, run_name, then param:<key> and metric:<key> columns\n"
	"  --json                  JSON output (as 'mlops --json runs compare')\n"
	"\n"
	"With --json: {\"columns\": [{\"kind\": \"param\"|\"metric\", \"key\"}], \"runs\": [{\"info\": {...as in 'runs list'},\n"
	"\"values\": [cell per column: a string for a param, a number for a metric, null when absent]}]}.\n";

static void csv_field(const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			putchar('"');
		putchar(*p);
	}
	putchar('"');
}

static const char *kind_name(int kind)
{
	return kind == MLOPS_COMPARE_PARAM ? "param" : "metric";
}

static void compare_csv(const mlops_run_compare *cmp, size_t nr, size_t nc)
{
	const mlops_compare_column *col;
	const mlops_compare_cell *cell;
	const mlops_run_info *info;
	fputs("run_id,run_name", stdout);
	for (size_t j = 0; j < nc; j++) {
		char head[600];
		mlops_run_compare_column(&col, cmp, j);
		snprintf(head, sizeof(head), "%s:%s", kind_name(col->kind), col->key);
		putchar(',');
		csv_field(head);
	}
	putchar('\n');
	for (size_t i = 0; i < nr; i++) {
		mlops_run_compare_run(&info, cmp, i);
		csv_field(info->run_id);
		putchar(',');
		csv_field(info->run_name);
		for (size_t j = 0; j < nc; j++) {
			mlops_run_compare_cell(&cell, cmp, i, j);
			putchar(',');
			if (cell->present) {
				char v[40];
				if (mlops_run_compare_column(&col, cmp, j) == 0 && col->kind == MLOPS_COMPARE_METRIC) {
					fmt_num(v, cell->number);
					csv_field(v);
				} else {
					csv_field(cell->text);
				}
			}
		}
		putchar('\n');
	}
}

static void compare_json(const mlops_run_compare *cmp, size_t nr, size_t nc)
{
	const mlops_compare_column *col;
	const mlops_compare_cell *cell;
	const mlops_run_info *info;
	cli_json j;
	cli_json_init(&j, stdout);
	cli_json_begin_object(&j);
	cli_json_key(&j, "columns");
	cli_json_begin_array(&j);
	for (size_t k = 0; k < nc; k++) {
		mlops_run_compare_column(&col, cmp, k);
		cli_json_begin_object(&j);
		cli_json_key(&j, "kind");
		cli_json_string(&j, kind_name(col->kind));
		cli_json_key(&j, "key");
		cli_json_string(&j, col->key);
		cli_json_end_object(&j);
	}
	cli_json_end_array(&j);
	cli_json_key(&j, "runs");
	cli_json_begin_array(&j);
	for (size_t i = 0; i < nr; i++) {
		mlops_run_compare_run(&info, cmp, i);
		cli_json_begin_object(&j);
		cli_json_key(&j, "info");
		cli_runs_json_info(&j, info);
		cli_json_key(&j, "values");
		cli_json_begin_array(&j);
		for (size_t k = 0; k < nc; k++) {
			mlops_run_compare_column(&col, cmp, k);
			mlops_run_compare_cell(&cell, cmp, i, k);
			if (!cell->present)
				cli_json_null(&j);
			else if (col->kind == MLOPS_COMPARE_METRIC)
				cli_json_double(&j, cell->number);
			else
				cli_json_string(&j, cell->text);
		}
		cli_json_end_array(&j);
		cli_json_end_object(&j);
	}
	cli_json_end_array(&j);
	cli_json_end_object(&j);
	cli_json_end(&j);
}

/* Display width of UTF-8 text (code points; good enough for names and values). */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static void pad(const char *s, size_t width)
{
	fputs(s, stdout);
	for (size_t w = text_width(s); w < width; w++)
		putchar(' ');
}

static void compare_table(const mlops_run_compare *cmp, size_t nr, size_t nc)
{
	const mlops_compare_column *col;
	const mlops_compare_cell *cell;
	const mlops_run_info *info;
	char label[600], v[40];
	size_t w0 = 3;
	for (size_t j = 0; j < nc; j++) {
		mlops_run_compare_column(&col, cmp, j);
		snprintf(label, sizeof(label), "%ss.%s", kind_name(col->kind), col->key);
		if (text_width(label) > w0)
			w0 = text_width(label);
	}
	size_t *w = calloc(nr ? nr : 1, sizeof(*w));
	if (!w)
		return;
	for (size_t i = 0; i < nr; i++) {
		mlops_run_compare_run(&info, cmp, i);
		w[i] = text_width(info->run_name) > 8 ? text_width(info->run_name) : 8;
		for (size_t j = 0; j < nc; j++) {
			mlops_run_compare_cell(&cell, cmp, i, j);
			mlops_run_compare_column(&col, cmp, j);
			const char *t = !cell->present ? "-" : col->kind == MLOPS_COMPARE_METRIC ? (fmt_num(v, cell->number), v)
			                                                                          : cell->text;
			if (text_width(t) > w[i])
				w[i] = text_width(t);
		}
	}
	/* Two header lines: names, then ids shortened to 8 characters. */
	pad("KEY", w0);
	for (size_t i = 0; i < nr; i++) {
		mlops_run_compare_run(&info, cmp, i);
		fputs("  ", stdout);
		pad(info->run_name, w[i]);
	}
	putchar('\n');
	pad("", w0);
	for (size_t i = 0; i < nr; i++) {
		mlops_run_compare_run(&info, cmp, i);
		snprintf(label, sizeof(label), "%.8s", info->run_id);
		fputs("  ", stdout);
		pad(label, w[i]);
	}
	putchar('\n');
	for (size_t j = 0; j < nc; j++) {
		mlops_run_compare_column(&col, cmp, j);
		snprintf(label, sizeof(label), "%ss.%s", kind_name(col->kind), col->key);
		pad(label, w0);
		for (size_t i = 0; i < nr; i++) {
			mlops_run_compare_cell(&cell, cmp, i, j);
			const char *t = !cell->present ? "-" : col->kind == MLOPS_COMPARE_METRIC ? (fmt_num(v, cell->number), v)
			                                                                          : cell->text;
			fputs("  ", stdout);
			if (i + 1 < nr)
				pad(t, w[i]);
			else
				fputs(t, stdout);
		}
		putchar('\n');
	}
	free(w);
}

int cli_runs_compare(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"param", required_argument, NULL, 'P'},
		{"metric", required_argument, NULL, 'M'},
		{"min", no_argument, NULL, 'm'},
		{"max", no_argument, NULL, 'x'},
		{"diff", no_argument, NULL, 'd'},
		{"csv", no_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const char *pk[MAX_LIST], *mk[MAX_LIST];
	mlops_run_compare_options co = MLOPS_RUN_COMPARE_OPTIONS_INIT;
	size_t n_pk = 0, n_mk = 0;
	bool csv = false;
	int c;
	const char *cmd = "runs compare";

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (push_arg(pk, &n_pk, optarg, cmd, "--param"))
				return CLI_USAGE;
			break;
		case 'M':
			if (push_arg(mk, &n_mk, optarg, cmd, "--metric"))
				return CLI_USAGE;
			break;
		case 'm': co.metric_field = MLOPS_METRIC_MIN; break;
		case 'x': co.metric_field = MLOPS_METRIC_MAX; break;
		case 'd': co.flags |= MLOPS_COMPARE_ONLY_DIFFERENT; break;
		case 'c': csv = true; break;
		case 'j': ctx->json = true; break;
		case 'h': fputs(compare_usage, stdout); return CLI_OK;
		default: return cli_bad_option(cmd, c, argv);
		}
	}
	/* Options may follow the run ids too. */
	int first = optind;
	while (optind < argc && argv[optind][0] != '-')
		optind++;
	int n_runs = optind - first;
	if (optind < argc)
		return cli_usage(cmd, "put options before the run ids ('%s')", argv[optind]);
	if (n_runs < 1)
		return cli_usage(cmd, "missing run ids");
	if (csv && ctx->json)
		return cli_usage(cmd, "--csv and --json exclude each other");
	if (n_pk) {
		co.param_keys = pk;
		co.n_param_keys = n_pk;
	}
	if (n_mk) {
		co.metric_keys = mk;
		co.n_metric_keys = n_mk;
	}
	if (n_pk && !n_mk) {
		/* Only params asked for: no metric columns. */
		co.metric_keys = mk;
		co.n_metric_keys = 0;
	}
	if (n_mk && !n_pk) {
		co.param_keys = pk;
		co.n_param_keys = 0;
	}
	mlops_store *store = cli_store(ctx);
	if (store == NULL)
		return CLI_FAIL;
	char(*ids)[MLOPS_RUN_ID_BUFSIZE] = calloc((size_t)n_runs, sizeof(*ids));
	const char **idv = calloc((size_t)n_runs, sizeof(*idv));
	if (!ids || !idv) {
		free(ids);
		free(idv);
		fprintf(stderr, "mlops: %s: out of memory\n", cmd);
		return CLI_FAIL;
	}
	int rc = CLI_OK;
	for (int i = 0; i < n_runs && rc == CLI_OK; i++) {
		rc = cli_runs_run_id(ids[i], store, cmd, argv[first + i]);
		idv[i] = ids[i];
	}
	mlops_run_compare *cmp = NULL;
	if (rc == CLI_OK && mlops_runs_compare(&cmp, store, idv, (size_t)n_runs, &co) < 0)
		rc = cli_fail(cmd);
	free(ids);
	free(idv);
	if (rc != CLI_OK)
		return rc;
	size_t nr = mlops_run_compare_n_runs(cmp), nc = mlops_run_compare_n_columns(cmp);
	if (ctx->json)
		compare_json(cmp, nr, nc);
	else if (csv)
		compare_csv(cmp, nr, nc);
	else
		compare_table(cmp, nr, nc);
	mlops_run_compare_free(cmp);
	return CLI_OK;
}

/* ---- export / import ---- */

static void print_stats(cli_ctx *ctx, const char *verb, const char *dir, const mlops_mlflow_stats *st)
{
	if (ctx->json) {
		cli_json j;
		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "dir");
		cli_json_string(&j, dir);
		static const char *const names[] = {"experiments", "runs", "runs_skipped", "params", "tags",
		                                    "metric_points", "artifacts", "artifact_bytes"};
		const uint64_t vals[] = {st->experiments, st->runs, st->runs_skipped, st->params, st->tags,
		                         st->metric_points, st->artifacts, st->artifact_bytes};
		for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
			cli_json_key(&j, names[k]);
			cli_json_uint(&j, vals[k]);
		}
		cli_json_end_object(&j);
		cli_json_end(&j);
		return;
	}
	printf("%s %s: %llu experiments, %llu runs", verb, dir, (unsigned long long)st->experiments,
	       (unsigned long long)st->runs);
	if (st->runs_skipped)
		printf(" (%llu already stored, skipped)", (unsigned long long)st->runs_skipped);
	printf(", %llu params, %llu tags, %llu metric points, %llu artifacts (%llu bytes)\n",
	       (unsigned long long)st->params, (unsigned long long)st->tags, (unsigned long long)st->metric_points,
	       (unsigned long long)st->artifacts, (unsigned long long)st->artifact_bytes);
}

static const char export_usage[] =
	"Usage: mlops [--store DIR] runs export DIR [--experiment EXP]... [--active] [--no-artifacts] [--json]\n"
	"\n"
	"Write experiments and their runs to DIR in MLflow's mlruns/ file-store layout, which MLflow reads\n"
	"(MlflowClient(tracking_uri=\"file:DIR\"), 'mlflow ui --backend-store-uri DIR'). Deleted experiments go to\n"
	"DIR/.trash/ as MLflow keeps them. An experiment directory that already exists is refused.\n"
	"\n"
	"Options:\n"
	"  --experiment EXP  only this experiment, an id or a name (an all-digits EXP is tried as an id first, then\n"
	"                    as a name); repeatable; default: all\n"
	"  --active          only active experiments and runs (default: deleted ones too)\n"
	"  --no-artifacts    metadata only\n"
	"  --json            JSON output (as 'mlops --json runs export')\n"
	"\n"
	"With --json: {\"dir\", \"experiments\", \"runs\", \"runs_skipped\", \"params\", \"tags\", \"metric_points\",\n"
	"\"artifacts\", \"artifact_bytes\"}.\n";

int cli_runs_export(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"experiment", required_argument, NULL, 'e'},
		{"active", no_argument, NULL, 'a'},
		{"no-artifacts", no_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const char *exps[MAX_LIST];
	static char exp_ids[MAX_LIST][MLOPS_EXPERIMENT_ID_BUFSIZE];
	size_t n_exps = 0;
	mlops_mlflow_options mo = MLOPS_MLFLOW_OPTIONS_INIT;
	int c;
	const char *cmd = "runs export";

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (push_arg(exps, &n_exps, optarg, cmd, "--experiment"))
				return CLI_USAGE;
			break;
		case 'a': mo.view = MLOPS_VIEW_ACTIVE_ONLY; break;
		case 'n': mo.flags |= MLOPS_MLFLOW_NO_ARTIFACTS; break;
		case 'j': ctx->json = true; break;
		case 'h': fputs(export_usage, stdout); return CLI_OK;
		default: return cli_bad_option(cmd, c, argv);
		}
	}
	int rc = cli_runs_operand_count(cmd, "missing DIR", 1, 1, argc, argv);
	if (rc >= 0)
		return rc;
	const char *dir = argv[optind];
	mlops_store *store = cli_store(ctx);
	if (store == NULL)
		return CLI_FAIL;
	for (size_t i = 0; i < n_exps; i++) {
		if (cli_runs_experiment(exp_ids[i], store, cmd, exps[i]) != CLI_OK)
			return CLI_FAIL;
		exps[i] = exp_ids[i];
	}
	if (n_exps) {
		mo.experiment_ids = exps;
		mo.n_experiment_ids = n_exps;
	}
	mlops_mlflow_stats st = MLOPS_MLFLOW_STATS_INIT;
	if (mlops_runs_export_mlflow(&st, store, dir, &mo) < 0)
		return cli_fail(cmd);
	print_stats(ctx, "exported to", dir, &st);
	return CLI_OK;
}

static const char import_usage[] =
	"Usage: mlops [--store DIR] runs import DIR [--skip-existing] [--no-artifacts] [--json]\n"
	"\n"
	"Import an MLflow file store (an mlruns/ directory, as MLflow or 'mlops runs export' wrote it): experiments\n"
	"(matched by name, created when missing), runs with their ids, names, status, times, params, metric histories,\n"
	"tags and artifacts. Each run is imported in one transaction.\n"
	"\n"
	"Options:\n"
	"  --skip-existing   skip runs whose id is already stored (default: fail)\n"
	"  --no-artifacts    metadata only\n"
	"  --json            JSON output (as 'mlops --json runs import')\n"
	"\n"
	"With --json: the counts, as for 'runs export'.\n";

int cli_runs_import(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"skip-existing", no_argument, NULL, 's'},
		{"no-artifacts", no_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	mlops_mlflow_options mo = MLOPS_MLFLOW_OPTIONS_INIT;
	int c;
	const char *cmd = "runs import";

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': mo.flags |= MLOPS_MLFLOW_SKIP_EXISTING; break;
		case 'n': mo.flags |= MLOPS_MLFLOW_NO_ARTIFACTS; break;
		case 'j': ctx->json = true; break;
		case 'h': fputs(import_usage, stdout); return CLI_OK;
		default: return cli_bad_option(cmd, c, argv);
		}
	}
	int rc = cli_runs_operand_count(cmd, "missing DIR", 1, 1, argc, argv);
	if (rc >= 0)
		return rc;
	const char *dir = argv[optind];
	mlops_store *store = cli_store(ctx);
	if (store == NULL)
		return CLI_FAIL;
	mlops_mlflow_stats st = MLOPS_MLFLOW_STATS_INIT;
	rc = mlops_runs_import_mlflow(&st, store, dir, &mo);
	if (rc < 0) {
		rc = cli_fail(cmd);
		if (st.runs)
			fprintf(stderr, "mlops: %llu runs were imported before the failure\n", (unsigned long long)st.runs);
		return rc;
	}
	print_stats(ctx, "imported from", dir, &st);
	return CLI_OK;
}
