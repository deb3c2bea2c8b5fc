/*
 * What the runs and experiments commands accept for the things they name: an experiment as an id or a name, a run
 * as its id or a unique prefix of it (as 'runs compare' prints them shortened), and the library's error kept
 * across the clean-up calls made before it is printed.
 */
#include "cmd_runs.h"

#include <ctype.h>
#include <string.h>

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int cli_runs_find_experiment(char out[MLOPS_EXPERIMENT_ID_BUFSIZE], mlops_store *store, const char *arg)
{
	mlops_experiment_info *e;
	if (all_digits(arg)) {
		int rc = mlops_experiment_get(&e, store, arg);
		if (rc == 0) {
			snprintf(out, MLOPS_EXPERIMENT_ID_BUFSIZE, "%s", e->experiment_id);
			mlops_experiment_info_free(e);
			return 0;
		}
		/* An id too long to be one (EINVAL) or no such id: it may still be a name. */
		if (rc != MLOPS_ENOTFOUND && rc != MLOPS_EINVAL)
			return rc;
	}
	int rc = mlops_experiment_get_by_name(&e, store, arg);
	if (rc < 0)
		return rc;
	snprintf(out, MLOPS_EXPERIMENT_ID_BUFSIZE, "%s", e->experiment_id);
	mlops_experiment_info_free(e);
	return 0;
}

int cli_runs_experiment(char out[MLOPS_EXPERIMENT_ID_BUFSIZE], mlops_store *store, const char *cmd,
                        const char *arg)
{
	int rc = cli_runs_find_experiment(out, store, arg);
	if (rc == 0)
		return CLI_OK;
	if (rc == MLOPS_ENOTFOUND) {
		fflush(stdout);
		fprintf(stderr, "mlops: %s: no experiment with id or name '%s' [MLOPS_ENOTFOUND]\n", cmd, arg);
		return CLI_FAIL;
	}
	return cli_fail(cmd);
}

/* 4 to 32 hex digits (32: a whole id). Anything else goes to the library as it is, for its message. */
static bool is_hex_id(const char *arg)
{
	size_t n = strlen(arg);
	if (n < 4 || n > MLOPS_RUN_ID_BUFSIZE - 1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)arg[i]))
			return false;
	return true;
}

#define MAX_CANDIDATES 10

int cli_runs_run_id(char out[MLOPS_RUN_ID_BUFSIZE], mlops_store *store, const char *cmd, const char *arg)
{
	if (!is_hex_id(arg)) {
		snprintf(out, MLOPS_RUN_ID_BUFSIZE, "%s", arg);
		return CLI_OK;
	}
	/* Ids are stored in lowercase; an id copied in uppercase names the same run. */
	char lower[MLOPS_RUN_ID_BUFSIZE], filter[96];
	size_t n = strlen(arg);
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)arg[i]);
	if (n == MLOPS_RUN_ID_BUFSIZE - 1) {
		memcpy(out, lower, MLOPS_RUN_ID_BUFSIZE);
		return CLI_OK;
	}
	/* Hex digits hold no LIKE wildcard nor quote, so the prefix can sit in the filter text. */
	snprintf(filter, sizeof(filter), "attributes.run_id LIKE '%s%%'", lower);
	mlops_run_search_options so = MLOPS_RUN_SEARCH_OPTIONS_INIT;
	so.filter = filter;
	so.view = MLOPS_VIEW_ALL;
	so.max_results = MAX_CANDIDATES + 1;
	so.flags = MLOPS_SEARCH_NO_PARAMS | MLOPS_SEARCH_NO_METRICS | MLOPS_SEARCH_NO_TAGS;
	mlops_run_search *s;
	if (mlops_runs_search(&s, store, &so) < 0)
		return cli_fail(cmd);
	char found[MAX_CANDIDATES + 1][MLOPS_RUN_ID_BUFSIZE];
	size_t count = 0;
	const mlops_run_row *row;
	int rc;
	while ((rc = mlops_run_search_next(&row, s)) == 0) {
		if (count < MAX_CANDIDATES + 1)
			snprintf(found[count++], MLOPS_RUN_ID_BUFSIZE, "%s", row->info->run_id);
	}
	if (rc != MLOPS_ITEROVER) {
		cli_saved_error e;
		cli_error_save(&e);
		mlops_run_search_free(s);
		return cli_error_fail(&e, cmd);
	}
	mlops_run_search_free(s);
	fflush(stdout);
	if (count == 0) {
		fprintf(stderr, "mlops: %s: no run with id prefix '%s' [MLOPS_ENOTFOUND]\n", cmd, arg);
		return CLI_FAIL;
	}
	if (count > 1) {
		fprintf(stderr, "mlops: %s: run id prefix '%s' is ambiguous; it matches:", cmd, arg);
		for (size_t i = 0; i < count && i < MAX_CANDIDATES; i++)
			fprintf(stderr, " %s", found[i]);
		fprintf(stderr, "%s [MLOPS_EINVAL]\n", count > MAX_CANDIDATES ? " ..." : "");
		return CLI_FAIL;
	}
	memcpy(out, found[0], MLOPS_RUN_ID_BUFSIZE);
	return CLI_OK;
}

void cli_error_save(cli_saved_error *e)
{
	const mlops_error *last = mlops_error_last();
	e->code = last->code;
	snprintf(e->message, sizeof(e->message), "%s", last->message ? last->message : "");
}

int cli_error_fail(const cli_saved_error *e, const char *what)
{
	fflush(stdout);
	fprintf(stderr, "mlops: %s: %s [%s]\n", what, e->message[0] ? e->message : "unknown error",
	        mlops_error_name(e->code));
	return CLI_FAIL;
}
