/*
 * 'mlops runs': list, show, delete, restore and purge runs, and print a metric's history (public API only).
 * Logging from the shell lives in cmd_runs_log.c (declared in cmd_runs.h), the query sub-commands (search,
 * compare, export, import) in cmd_runs_query.c; all are listed in the table at the end of this file.
 */
#include "cli.h"
#include "cmd_runs.h"
#include "cmd_runs_query.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXPERIMENTS 64

/* ---- list ---- */

static const char list_usage[] =
	"Usage: mlops [--store DIR] runs list [--experiment EXP]... [--all | --deleted] [--limit N] [--json]\n"
	"\n"
	"List runs, newest first. Filters and ordering on params and metrics: 'mlops runs search'.\n"
	"\n"
	"Options:\n"
	"  --experiment EXP  only runs of this experiment, an id or a name (an all-digits EXP is tried as an id\n"
	"                    first, then as a name); repeatable; default: all experiments\n"
	"  --all             active and deleted runs\n"
	"  --deleted         deleted runs only\n"
	"  --limit N         at most N runs\n"
	"  --json            JSON output (as 'mlops --json runs list')\n"
	"\n"
	"With --json: an array of {\"run_id\", \"run_name\", \"experiment_id\", \"user_id\", \"status\", \"start_time\",\n"
	"\"end_time\", \"lifecycle_stage\", \"parent_run_id\"} (times in ms since the epoch).\n";

static int list_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"experiment", required_argument, NULL, 'e'},
		{"all", no_argument, NULL, 'a'},
		{"deleted", no_argument, NULL, 'd'},
		{"limit", required_argument, NULL, 'l'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *args[MAX_EXPERIMENTS], *exps[MAX_EXPERIMENTS];
	static char ids[MAX_EXPERIMENTS][MLOPS_EXPERIMENT_ID_BUFSIZE];
	mlops_run_list_options lo = MLOPS_RUN_LIST_OPTIONS_INIT;
	int64_t limit;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (lo.n_experiment_ids == MAX_EXPERIMENTS)
				return cli_usage("runs list", "at most %d --experiment options", MAX_EXPERIMENTS);
			args[lo.n_experiment_ids++] = optarg;
			break;
		case 'j': ctx->json = true; break;
		case 'a': lo.view = MLOPS_VIEW_ALL; break;
		case 'd': lo.view = MLOPS_VIEW_DELETED_ONLY; break;
		case 'l':
			if (!cli_parse_int64(&limit, optarg) || limit <= 0)
				return cli_usage("runs list", "--limit needs a positive number, not '%s'", optarg);
			lo.limit = (size_t)limit;
			break;
		case 'h': fputs(list_usage, stdout); return CLI_OK;
		default: return cli_bad_option("runs list", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("runs list", "unexpected argument '%s'", argv[optind]);
	mlops_store *store = cli_store(ctx);
	if (store == NULL)
		return CLI_FAIL;
	for (size_t i = 0; i < lo.n_experiment_ids; i++) {
		if (cli_runs_experiment(ids[i], store, "runs list", args[i]) != CLI_OK)
			return CLI_FAIL;
		exps[i] = ids[i];
	}
	if (lo.n_experiment_ids)
		lo.experiment_ids = exps;
	mlops_run_iter *it;
	if (mlops_runs_list(&it, store, &lo) < 0)
		return cli_fail("runs list");
	cli_json j;
	if (ctx->json) {
		cli_json_init(&j, stdout);
		cli_json_begin_array(&j);
	} else {
		printf("%-32s %-4s %-9s %-20s %s\n", "RUN_ID", "EXP", "STATUS", "START", "NAME");
	}
	const mlops_run_info *r;
	int rc;
	while ((rc = mlops_runs_next(&r, it)) == 0) {
		if (ctx->json) {
			cli_runs_json_info(&j, r);
		} else {
			char start[32];
			cli_runs_fmt_time(start, r->start_ms);
			printf("%-32s %-4s %-9s %-20s %s%s\n", r->run_id, r->experiment_id, mlops_run_status_name(r->status),
			       start, r->run_name, r->deleted ? " (deleted)" : "");
		}
	}
	cli_saved_error err;
	cli_error_save(&err);
	mlops_run_iter_free(it);
	if (ctx->json) {
		cli_json_end_array(&j);
		cli_json_end(&j);
	}
	return rc == MLOPS_ITEROVER ? CLI_OK : cli_error_fail(&err, "runs list");
}

/* ---- show ---- */

static const char show_usage[] =
	"Usage: mlops [--store DIR] runs show [--json] RUN_ID\n"
	"\n"
	"Print a run: info, params, metrics (last, min, max, count, steps), tags, artifacts and inputs.\n"
	"RUN_ID is a run id or a unique prefix of it (4 or more hex digits).\n"
	"\n"
	"With --json: {\"info\": {...as in 'runs list'}, \"data\": {\"params\": {k: v}, \"metrics\": {k: {\"last\",\n"
	"\"step\", \"timestamp\", \"min\", \"max\", \"count\", \"first_step\"}}, \"tags\": {k: v}}, \"artifacts\":\n"
	"[{\"path\", \"object_id\", \"size\", \"mode\"}], \"inputs\": [{\"kind\", \"id\", \"context\"}]}.\n";

/* The first failure of an iteration, kept for the end (later calls may set another error). */
static void keep_first(int rc, int *first, cli_saved_error *err)
{
	if (rc != MLOPS_ITEROVER && *first == MLOPS_ITEROVER) {
		*first = rc;
		cli_error_save(err);
	}
}

static void show_kv(cli_ctx *ctx, cli_json *j, mlops_runs_kv_iter *it, const char *title, int *first,
                    cli_saved_error *err)
{
	const mlops_runs_kv *kv;
	int rc;
	if (ctx->json)
		cli_json_begin_object(j);
	else
		printf("%s:\n", title);
	while ((rc = mlops_runs_kv_next(&kv, it)) == 0) {
		if (ctx->json) {
			cli_json_key(j, kv->key);
			cli_json_string(j, kv->value);
		} else {
			printf("  %-30s %s\n", kv->key, kv->value);
		}
	}
	if (ctx->json)
		cli_json_end_object(j);
	keep_first(rc, first, err);
	mlops_runs_kv_iter_free(it);
}

static int show_run(cli_ctx *ctx, int argc, char **argv)
{
	int rc = cli_runs_json_operands(ctx, "runs show", show_usage, 1, 1, argc, argv);
	if (rc >= 0)
		return rc;
	mlops_store *store;
	char id[MLOPS_RUN_ID_BUFSIZE];
	if (cli_runs_open_run(&store, id, ctx, "runs show", argv[optind]) != CLI_OK)
		return CLI_FAIL;
	mlops_run_info *info;
	cli_saved_error err;
	int first = MLOPS_ITEROVER;
	mlops_runs_kv_iter *params = NULL, *tags = NULL;
	mlops_metric_iter *metrics = NULL;
	mlops_artifact_iter *arts = NULL;
	mlops_input_iter *inputs = NULL;
	if (mlops_runs_get(&info, store, id) < 0)
		return cli_fail("runs show");
	if (mlops_runs_params(&params, store, id) < 0 || mlops_runs_tags(&tags, store, id) < 0 ||
	    mlops_runs_metrics(&metrics, store, id) < 0 || mlops_runs_artifacts(&arts, store, id, NULL) < 0 ||
	    mlops_runs_inputs(&inputs, store, id) < 0) {
		rc = cli_fail("runs show");
		mlops_runs_kv_iter_free(params);
		mlops_runs_kv_iter_free(tags);
		mlops_metric_iter_free(metrics);
		mlops_artifact_iter_free(arts);
		mlops_input_iter_free(inputs);
		mlops_run_info_free(info);
		return rc;
	}
	cli_json j;
	char t1[32], t2[32];
	if (ctx->json) {
		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "info");
		cli_runs_json_info(&j, info);
		cli_json_key(&j, "data");
		cli_json_begin_object(&j);
		cli_json_key(&j, "params");
	} else {
		cli_runs_fmt_time(t1, info->start_ms);
		cli_runs_fmt_time(t2, info->end_ms);
		printf("run %s '%s'\n  experiment %s, %s%s, user %s\n  start %s, end %s\n", info->run_id, info->run_name,
		       info->experiment_id, mlops_run_status_name(info->status), info->deleted ? " (deleted)" : "",
		       info->user, t1, t2);
		if (info->parent_run_id)
			printf("  parent %s\n", info->parent_run_id);
	}
	show_kv(ctx, &j, params, "params", &first, &err);
	const mlops_metric_summary *m;
	if (ctx->json) {
		cli_json_key(&j, "metrics");
		cli_json_begin_object(&j);
	} else {
		printf("metrics:%s\n", "");
		printf("  %-30s %-14s %-8s %-14s %-14s %s\n", "KEY", "LAST", "STEP", "MIN", "MAX", "COUNT");
	}
	int mrc;
	while ((mrc = mlops_metric_next(&m, metrics)) == 0) {
		if (ctx->json) {
			cli_json_key(&j, m->key);
			cli_json_begin_object(&j);
			cli_json_key(&j, "last");
			cli_json_double(&j, m->last);
			cli_json_key(&j, "step");
			cli_json_int(&j, m->last_step);
			cli_json_key(&j, "timestamp");
			cli_json_int(&j, m->last_timestamp_ms);
			cli_json_key(&j, "min");
			cli_json_double(&j, m->min);
			cli_json_key(&j, "max");
			cli_json_double(&j, m->max);
			cli_json_key(&j, "count");
			cli_json_uint(&j, m->count);
			cli_json_key(&j, "first_step");
			cli_json_int(&j, m->first_step);
			cli_json_end_object(&j);
		} else {
			printf("  %-30s %-14.6g %-8lld %-14.6g %-14.6g %llu\n", m->key, m->last, (long long)m->last_step,
			       m->min, m->max, (unsigned long long)m->count);
		}
	}
	keep_first(mrc, &first, &err);
	mlops_metric_iter_free(metrics);
	if (ctx->json) {
		cli_json_end_object(&j);
		cli_json_key(&j, "tags");
	}
	show_kv(ctx, &j, tags, "tags", &first, &err);
	const mlops_artifact_info *a;
	if (ctx->json) {
		cli_json_end_object(&j);
		cli_json_key(&j, "artifacts");
		cli_json_begin_array(&j);
	} else {
		printf("artifacts:\n");
	}
	int arc;
	while ((arc = mlops_artifact_next(&a, arts)) == 0) {
		if (ctx->json) {
			cli_runs_json_artifact(&j, a);
		} else {
			printf("  %-40s %10llu  %04o  %s\n", a->path, (unsigned long long)a->size, (unsigned)a->mode,
			       a->object_id);
		}
	}
	keep_first(arc, &first, &err);
	mlops_artifact_iter_free(arts);
	const mlops_run_input *in;
	if (ctx->json) {
		cli_json_end_array(&j);
		cli_json_key(&j, "inputs");
		cli_json_begin_array(&j);
	} else {
		printf("inputs:\n");
	}
	int irc;
	while ((irc = mlops_input_next(&in, inputs)) == 0) {
		if (ctx->json) {
			cli_json_begin_object(&j);
			cli_json_key(&j, "kind");
			cli_json_string(&j, in->kind);
			cli_json_key(&j, "id");
			cli_json_string(&j, in->id);
			cli_json_key(&j, "context");
			cli_json_string(&j, in->context);
			cli_json_end_object(&j);
		} else {
			printf("  %-16s %s%s%s\n", in->kind, in->id, in->context ? "  " : "", in->context ? in->context : "");
		}
	}
	keep_first(irc, &first, &err);
	mlops_input_iter_free(inputs);
	if (ctx->json) {
		cli_json_end_array(&j);
		cli_json_end_object(&j);
		cli_json_end(&j);
	}
	mlops_run_info_free(info);
	return first == MLOPS_ITEROVER ? CLI_OK : cli_error_fail(&err, "runs show");
}

/* ---- delete, restore, purge ---- */

static const char delete_usage[] =
	"Usage: mlops [--store DIR] runs delete [--json] RUN_ID\n"
	"\n"
	"Soft-delete a run: it leaves the listings and refuses writes; 'runs restore' brings it back and\n"
	"'runs purge' removes it for good. RUN_ID is a run id or a unique prefix of it (4 or more hex digits).\n"
	"With --json: {\"run_id\", \"lifecycle_stage\"}.\n";

static const char restore_usage[] =
	"Usage: mlops [--store DIR] runs restore [--json] RUN_ID\n"
	"\n"
	"Restore a soft-deleted run. RUN_ID is a run id or a unique prefix of it (4 or more hex digits).\n"
	"With --json: {\"run_id\", \"lifecycle_stage\"}.\n";

static int state_change(cli_ctx *ctx, const char *cmd, const char *usage, bool del, int argc, char **argv)
{
	int rc = cli_runs_json_operands(ctx, cmd, usage, 1, 1, argc, argv);
	if (rc >= 0)
		return rc;
	mlops_store *store;
	char id[MLOPS_RUN_ID_BUFSIZE];
	if (cli_runs_open_run(&store, id, ctx, cmd, argv[optind]) != CLI_OK)
		return CLI_FAIL;
	if ((del ? mlops_runs_delete(store, id) : mlops_runs_restore(store, id)) < 0)
		return cli_fail(cmd);
	if (ctx->json) {
		cli_json j;
		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "run_id");
		cli_json_string(&j, id);
		cli_json_key(&j, "lifecycle_stage");
		cli_json_string(&j, del ? "deleted" : "active");
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else {
		printf("%s run %s\n", del ? "deleted" : "restored", id);
	}
	return CLI_OK;
}

static int delete_run(cli_ctx *ctx, int argc, char **argv)
{
	return state_change(ctx, "runs delete", delete_usage, true, argc, argv);
}

static int restore_run(cli_ctx *ctx, int argc, char **argv)
{
	return state_change(ctx, "runs restore", restore_usage, false, argc, argv);
}

static const char purge_usage[] =
	"Usage: mlops [--store DIR] runs purge [--older-than SECONDS] [--json] [RUN_ID]\n"
	"\n"
	"Remove soft-deleted runs for good (all of them, or those deleted more than SECONDS ago, or the one\n"
	"given: a run id or a unique prefix of it, 4 or more hex digits). Their artifacts become garbage that\n"
	"'mlops gc' reclaims. With --json: {\"purged\": N}.\n";

static int purge_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"older-than", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int64_t older = 0;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!cli_parse_int64(&older, optarg) || older < 0 || older > INT64_MAX / 1000)
				return cli_usage("runs purge", "--older-than needs a number of seconds, not '%s'", optarg);
			break;
		case 'j': ctx->json = true; break;
		case 'h': fputs(purge_usage, stdout); return CLI_OK;
		default: return cli_bad_option("runs purge", c, argv);
		}
	}
	if (argc - optind > 1)
		return cli_usage("runs purge", "unexpected argument '%s'", argv[optind + 1]);
	mlops_store *store = cli_store(ctx);
	if (store == NULL)
		return CLI_FAIL;
	char id[MLOPS_RUN_ID_BUFSIZE];
	if (optind < argc && cli_runs_run_id(id, store, "runs purge", argv[optind]) != CLI_OK)
		return CLI_FAIL;
	uint64_t n = 0;
	if (mlops_runs_purge(&n, store, optind < argc ? id : NULL, older * 1000) < 0)
		return cli_fail("runs purge");
	if (ctx->json) {
		cli_json j;
		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "purged");
		cli_json_uint(&j, n);
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else {
		printf("purged %llu run%s\n", (unsigned long long)n, n == 1 ? "" : "s");
	}
	return CLI_OK;
}

/* ---- metric-history ---- */

/* The shortest decimal form that reads back to the same double (%.15g, else %.16g, else %.17g). */
static const char *shortest(double v)
{
	static char buf[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

static const char history_usage[] =
	"Usage: mlops [--store DIR] runs metric-history [--from STEP] [--to STEP] [--max-points N] [--json]\n"
	"                                               RUN_ID KEY\n"
	"\n"
	"Print the points of metric KEY of a run, ordered by step: 'step timestamp_ms value' per line.\n"
	"RUN_ID is a run id or a unique prefix of it (4 or more hex digits).\n"
	"\n"
	"Options:\n"
	"  --from STEP, --to STEP  only steps in this range (inclusive)\n"
	"  --max-points N          downsample to at most N points, keeping each bucket's min and max\n"
	"  --json                  JSON output (as 'mlops --json runs metric-history')\n"
	"\n"
	"With --json: {\"run_id\", \"key\", \"points\": [{\"step\", \"timestamp\", \"value\"}]} (NaN and infinities as\n"
	"the strings \"NaN\", \"Infinity\", \"-Infinity\").\n";

static int history_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"max-points", required_argument, NULL, 'm'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	mlops_history_options ho = MLOPS_HISTORY_OPTIONS_INIT;
	int64_t v;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 't':
			if (!cli_parse_int64(&v, optarg))
				return cli_usage("runs metric-history", "--%s needs a step number, not '%s'",
				                 c == 'f' ? "from" : "to", optarg);
			if (c == 'f')
				ho.step_min = v;
			else
				ho.step_max = v;
			break;
		case 'm':
			if (!cli_parse_int64(&v, optarg) || v < 2)
				return cli_usage("runs metric-history", "--max-points needs a number >= 2, not '%s'", optarg);
			ho.max_points = (size_t)v;
			break;
		case 'j': ctx->json = true; break;
		case 'h': fputs(history_usage, stdout); return CLI_OK;
		default: return cli_bad_option("runs metric-history", c, argv);
		}
	}
	if (argc - optind != 2)
		return cli_usage("runs metric-history", argc - optind < 2 ? "missing RUN_ID or KEY"
		                                                          : "unexpected argument '%s'",
		                 argv[argc - 1]);
	const char *key = argv[optind + 1];
	mlops_store *store;
	char id[MLOPS_RUN_ID_BUFSIZE];
	if (cli_runs_open_run(&store, id, ctx, "runs metric-history", argv[optind]) != CLI_OK)
		return CLI_FAIL;
	mlops_metric_history *h;
	if (mlops_runs_metric_history(&h, store, id, key, &ho) < 0)
		return cli_fail("runs metric-history");
	size_t n = mlops_metric_history_count(h);
	const int64_t *st = mlops_metric_history_steps(h), *ts = mlops_metric_history_timestamps(h);
	const double *val = mlops_metric_history_values(h);
	if (ctx->json) {
		cli_json j;
		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "run_id");
		cli_json_string(&j, id);
		cli_json_key(&j, "key");
		cli_json_string(&j, key);
		cli_json_key(&j, "points");
		cli_json_begin_array(&j);
		for (size_t i = 0; i < n; i++) {
			cli_json_begin_object(&j);
			cli_json_key(&j, "step");
			cli_json_int(&j, st[i]);
			cli_json_key(&j, "timestamp");
			cli_json_int(&j, ts[i]);
			cli_json_key(&j, "value");
			cli_json_double(&j, val[i]);
			cli_json_end_object(&j);
		}
		cli_json_end_array(&j);
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else {
		for (size_t i = 0; i < n; i++) {
			if (isnan(val[i]))
				printf("%lld %lld NaN\n", (long long)st[i], (long long)ts[i]);
			else
				printf("%lld %lld %s\n", (long long)st[i], (long long)ts[i], shortest(val[i]));
		}
	}
	mlops_metric_history_free(h);
	return CLI_OK;
}

/* The query sub-commands (cmd_runs_query.c) add their entries to this table. */
static const cli_command runs_subs[] = {
	{"list", "list runs, newest first", list_run},
	{"show", "print a run: info, params, metrics, tags, artifacts, inputs", show_run},
	{"delete", "soft-delete a run", delete_run},
	{"restore", "restore a soft-deleted run", restore_run},
	{"purge", "remove soft-deleted runs for good", purge_run},
	{"metric-history", "print the points of one metric", history_run},
	{"start", "start a run and print its id", cli_runs_start_run},
	{"log-param", "log a param of a running run", cli_runs_log_param_run},
	{"log-metric", "log one metric point", cli_runs_log_metric_run},
	{"set-tag", "set or delete a run tag (notes: mlflow.note.content)", cli_runs_set_tag_run},
	{"log-artifact", "store a file or directory as artifacts of a running run", cli_runs_log_artifact_run},
	{"end", "set a run's final status", cli_runs_end_run},
	{"search", "search runs with a filter (MLflow grammar plus OR, NOT, parentheses, aggregates)", cli_runs_search},
	{"compare", "params and metrics of runs side by side (table, CSV or JSON)", cli_runs_compare},
	{"export", "write experiments and runs in MLflow's mlruns/ layout", cli_runs_export},
	{"import", "import an MLflow mlruns/ directory", cli_runs_import},
	{NULL, NULL, NULL},
};

static int runs_run(cli_ctx *ctx, int argc, char **argv)
{
	return cli_run_subcommand(ctx, "runs", "Runs: params, metrics, tags and artifacts of training runs.",
	                          runs_subs, argc, argv);
}

const cli_command cli_cmd_runs = {"runs", "start, log, list, show, delete, restore and purge runs; metric histories",
                                  runs_run};
