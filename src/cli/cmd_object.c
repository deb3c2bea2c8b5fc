/*
 * 'mlops object': content-addressed objects from the command line (put, get, cat, pin, unpin).
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define IO_BUF (256 * 1024)

/* ---- put ---- */

static const char put_usage[] =
	"Usage: mlops [--store DIR] object put [--no-pin] [--name NAME] FILE|-\n"
	"\n"
	"Store the content of FILE (or of standard input for '-') and print its object id (XXH128 of the\n"
	"content, 32 hex characters). The object is pinned under the name 'cli/<id>' so that gc keeps it.\n"
	"\n"
	"Options:\n"
	"  --no-pin          do not pin the object (gc removes it once the grace period has passed)\n"
	"  --name NAME       pin under NAME instead of 'cli/<id>' (replaces a pin of that name)\n"
	"\n"
	"With --json: {\"id\", \"size\", \"pin\": NAME or null}.\n";

static int put_stdin(char *out_id, mlops_store *store)
{
	mlops_object_writer *w = NULL;
	char *buf = malloc(IO_BUF);
	size_t n;
	int rc = CLI_FAIL;

	if (buf == NULL) {
		fprintf(stderr, "mlops: object put: out of memory\n");
		return CLI_FAIL;
	}
	if (mlops_object_writer_open(&w, store) < 0) {
		cli_fail("object put: open writer");
		goto out;
	}
	while ((n = fread(buf, 1, IO_BUF, stdin)) > 0) {
		if (mlops_object_writer_write(w, buf, n) < 0) {
			cli_fail("object put: write");
			goto out;
		}
	}
	if (ferror(stdin)) {
		fprintf(stderr, "mlops: object put: error reading standard input\n");
		goto out;
	}
	if (mlops_object_writer_commit(out_id, w) < 0) {
		cli_fail("object put: commit");
		goto out;
	}
	rc = CLI_OK;
out:
	mlops_object_writer_free(w);
	free(buf);
	return rc;
}

static int put_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"no-pin", no_argument, NULL, 'P'},
		{"name", required_argument, NULL, 'N'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char id[MLOPS_OID_BUFSIZE], pin[MLOPS_OID_BUFSIZE + 8], what[4200];
	const char *name = NULL, *src;
	bool do_pin = true;
	uint64_t size = 0;
	mlops_store *store;
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'P': do_pin = false; break;
		case 'N': name = optarg; break;
		case 'h': fputs(put_usage, stdout); return CLI_OK;
		default: return cli_bad_option("object put", c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage("object put", "missing FILE (use '-' for standard input)");
	if (argc - optind > 1)
		return cli_usage("object put", "unexpected argument '%s'", argv[optind + 1]);
	if (!do_pin && name != NULL)
		return cli_usage("object put", "--no-pin and --name exclude each other");
	if (name != NULL && name[0] == '\0')
		return cli_usage("object put", "--name needs a non-empty name");
	src = argv[optind];
	if ((store = cli_store(ctx)) == NULL)
		return CLI_FAIL;

	if (strcmp(src, "-") == 0) {
		if (put_stdin(id, store) != CLI_OK)
			return CLI_FAIL;
	} else if (mlops_object_put_file(id, store, src) < 0) {
		snprintf(what, sizeof(what), "object put '%s'", src);
		return cli_fail(what);
	}
	if (mlops_object_size(&size, store, id) < 0)
		return cli_fail("object put: size");
	if (do_pin) {
		if (name == NULL) {
			snprintf(pin, sizeof(pin), "cli/%s", id);
			name = pin;
		}
		if (mlops_object_pin(store, name, id) < 0) {
			snprintf(what, sizeof(what), "object put: pin '%s'", name);
			return cli_fail(what);
		}
	}
	if (ctx->json) {
		cli_json j;

		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "id");
		cli_json_string(&j, id);
		cli_json_key(&j, "size");
		cli_json_uint(&j, size);
		cli_json_key(&j, "pin");
		cli_json_string(&j, do_pin ? name : NULL);
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else {
		printf("%s\n", id);
	}
	return CLI_OK;
}

/* ---- get / cat ---- */

/* Copy the object to stdout through the streaming reader: constant memory, each chunk verified first. */
static int stream_to_stdout(mlops_store *store, const char *id, const char *cmd)
{
	mlops_object_reader *r = NULL;
	char *buf = malloc(IO_BUF);
	char what[128];
	size_t n;
	int rc = CLI_FAIL;

	snprintf(what, sizeof(what), "%s %s", cmd, id);
	if (buf == NULL) {
		fprintf(stderr, "mlops: %s: out of memory\n", what);
		return CLI_FAIL;
	}
	if (mlops_object_reader_open(&r, store, id) < 0) {
		cli_fail(what);
		goto out;
	}
	for (;;) {
		if (mlops_object_reader_read(&n, r, buf, IO_BUF) < 0) {
			cli_fail(what);
			goto out;
		}
		if (n == 0)
			break;
		if (fwrite(buf, 1, n, stdout) != n) {
			fprintf(stderr, "mlops: %s: error writing to standard output\n", what);
			goto out;
		}
	}
	rc = CLI_OK;
out:
	mlops_object_reader_free(r);
	free(buf);
	return rc;
}

static char *base64(const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);

		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* --json form of the content: UTF-8 text as a string, anything else in base64. */
static int content_json(mlops_store *store, const char *id, const char *cmd)
{
	void *data = NULL;
	size_t size = 0;
	char what[128];
	bool text;
	char *b64 = NULL;
	cli_json j;

	snprintf(what, sizeof(what), "%s %s", cmd, id);
	if (mlops_object_get(&data, &size, store, id) < 0)
		return cli_fail(what);
	text = cli_utf8_valid(data, size);
	if (!text && (b64 = base64(data, size)) == NULL) {
		mlops_free(data);
		fprintf(stderr, "mlops: %s: out of memory\n", what);
		return CLI_FAIL;
	}
	cli_json_init(&j, stdout);
	cli_json_begin_object(&j);
	cli_json_key(&j, "id");
	cli_json_string(&j, id);
	cli_json_key(&j, "size");
	cli_json_uint(&j, size);
	cli_json_key(&j, "encoding");
	cli_json_string(&j, text ? "utf-8" : "base64");
	cli_json_key(&j, "content");
	if (text) {
		/* cli_json_string needs a NUL-terminated string; the object holds none inside. */
		char *s = malloc(size + 1);

		if (s == NULL) {
			mlops_free(data);
			fprintf(stderr, "mlops: %s: out of memory\n", what);
			return CLI_FAIL;
		}
		memcpy(s, data, size);
		s[size] = '\0';
		cli_json_string(&j, s);
		free(s);
	} else {
		cli_json_string(&j, b64);
	}
	cli_json_end_object(&j);
	cli_json_end(&j);
	free(b64);
	mlops_free(data);
	return CLI_OK;
}

static const char get_usage[] =
	"Usage: mlops [--store DIR] object get ID [-o FILE]\n"
	"\n"
	"Write the content of object ID to FILE, atomically (temporary file, fsync, rename), or to standard\n"
	"output when -o is absent or '-'. Every chunk is verified before any of its bytes are written:\n"
	"a corrupt object fails with MLOPS_ECORRUPT (exit 1).\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE   write to FILE instead of standard output\n"
	"\n"
	"With --json and -o FILE: {\"id\", \"size\", \"path\"}; with --json and no FILE: the content as in\n"
	"'mlops --json object cat'.\n";

static int get_run(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL, *id;
	mlops_store *store;
	uint64_t size = 0;
	char what[4200];
	int c;

	/* Options may follow the id ("get ID -o FILE"): no '+' here, GNU getopt permutes. */
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h': fputs(get_usage, stdout); return CLI_OK;
		default: return cli_bad_option("object get", c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage("object get", "missing object ID");
	if (argc - optind > 1)
		return cli_usage("object get", "unexpected argument '%s'", argv[optind + 1]);
	id = argv[optind];
	if ((store = cli_store(ctx)) == NULL)
		return CLI_FAIL;
	if (out == NULL || strcmp(out, "-") == 0)
		return ctx->json ? content_json(store, id, "object get") : stream_to_stdout(store, id, "object get");

	snprintf(what, sizeof(what), "object get %s -o '%s'", id, out);
	if (mlops_object_get_file(store, id, out) < 0 || mlops_object_size(&size, store, id) < 0)
		return cli_fail(what);
	if (ctx->json) {
		cli_json j;

		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "id");
		cli_json_string(&j, id);
		cli_json_key(&j, "size");
		cli_json_uint(&j, size);
		cli_json_key(&j, "path");
		cli_json_string(&j, out);
		cli_json_end_object(&j);
		cli_json_end(&j);
	}
	return CLI_OK;
}

static const char cat_usage[] =
	"Usage: mlops [--store DIR] object cat ID\n"
	"\n"
	"Print the content of object ID on standard output (streamed, verified chunk by chunk).\n"
	"With --json: {\"id\", \"size\", \"encoding\": \"utf-8\"|\"base64\", \"content\"}: UTF-8 text as it is,\n"
	"anything else (binary, NUL bytes) in base64.\n";

static int cat_run(cli_ctx *ctx, int argc, char **argv)
{
	mlops_store *store;
	int rc = cli_parse_operands("object cat", cat_usage, 1, 1, argc, argv);

	if (rc >= 0)
		return rc;
	if ((store = cli_store(ctx)) == NULL)
		return CLI_FAIL;
	if (ctx->json)
		return content_json(store, argv[optind], "object cat");
	return stream_to_stdout(store, argv[optind], "object cat");
}

/* ---- pin / unpin ---- */

/* What pin and unpin print: {"name", "id"} with --json, else one line. */
static int pin_result(cli_ctx *ctx, const char *name, const char *id, bool pinned)
{
	if (ctx->json) {
		cli_json j;

		cli_json_init(&j, stdout);
		cli_json_begin_object(&j);
		cli_json_key(&j, "name");
		cli_json_string(&j, name);
		cli_json_key(&j, "id");
		cli_json_string(&j, id);
		cli_json_end_object(&j);
		cli_json_end(&j);
	} else if (pinned) {
		printf("pinned %s -> %s\n", name, id);
	} else {
		printf("unpinned %s (was %s)\n", name, id);
	}
	return CLI_OK;
}

static const char pin_usage[] =
	"Usage: mlops [--store DIR] object pin NAME ID\n"
	"\n"
	"Pin object ID under NAME so that gc keeps it; an existing pin of that name is replaced.\n"
	"With --json: {\"name\", \"id\"}.\n";

static int pin_run(cli_ctx *ctx, int argc, char **argv)
{
	mlops_store *store;
	const char *name, *id;
	char what[4200];
	int rc = cli_parse_operands("object pin", pin_usage, 2, 2, argc, argv);

	if (rc >= 0)
		return rc;
	name = argv[optind];
	id = argv[optind + 1];
	if ((store = cli_store(ctx)) == NULL)
		return CLI_FAIL;
	if (mlops_object_pin(store, name, id) < 0) {
		snprintf(what, sizeof(what), "object pin '%s'", name);
		return cli_fail(what);
	}
	return pin_result(ctx, name, id, true);
}

static const char unpin_usage[] =
	"Usage: mlops [--store DIR] object unpin NAME\n"
	"\n"
	"Remove the pin NAME (the object stays until gc finds nothing else referencing it).\n"
	"Fails with MLOPS_ENOTFOUND (exit 1) when there is no such pin.\n"
	"With --json: {\"name\", \"id\"} (the id the pin held).\n";

static int unpin_run(cli_ctx *ctx, int argc, char **argv)
{
	mlops_store *store;
	const char *name;
	char what[4200], id[MLOPS_OID_BUFSIZE];
	int rc = cli_parse_operands("object unpin", unpin_usage, 1, 1, argc, argv);

	if (rc >= 0)
		return rc;
	name = argv[optind];
	if ((store = cli_store(ctx)) == NULL)
		return CLI_FAIL;
	snprintf(what, sizeof(what), "object unpin '%s'", name);
	if (mlops_object_pin_get(id, store, name) < 0 || mlops_object_unpin(store, name) < 0)
		return cli_fail(what);
	return pin_result(ctx, name, id, false);
}

/* ---- the group ---- */

static const cli_command object_subs[] = {
	{"put", "store a file or standard input, print its id", put_run},
	{"get", "write an object to a file or standard output", get_run},
	{"cat", "print an object on standard output", cat_run},
	{"pin", "pin an object under a name so that gc keeps it", pin_run},
	{"unpin", "remove a pin", unpin_run},
	{NULL, NULL, NULL},
};

static int object_run(cli_ctx *ctx, int argc, char **argv)
{
	return cli_run_subcommand(ctx, "object",
	                          "Content-addressed objects: stored once, compressed, verified on every read.",
	                          object_subs, argc, argv);
}

const cli_command cli_cmd_object = {"object", "put, get, cat, pin and unpin objects", object_run};
