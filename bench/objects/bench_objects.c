/*
 * bench_objects: throughput of the object store's building blocks and of put/get on each backend.
 * Usage: bench_objects [SIZE[K|M|G]] [DIR]   (default 1G of data; DIR for the stores, default $TMPDIR or /tmp)
 * Prints memcpy, XXH3-64, XXH128 and FastCDC speeds, then put/get MB/s (get twice: right after the put, then
 * again with the page cache warm) and stored bytes on fs (sync NORMAL and OFF)
 * and sqlite (and the memory backend as a baseline without I/O), for incompressible (random) and mixed (half
 * text-like, half random, in 1 MiB runs) data, and the file system's own cost of writing one 64 KiB file per blob.
 * The cpu column is the process's user+system time, which a shared machine does not inflate.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mlops/mlops.h"
#include "storage/chunker.h"
#include "storage/odb.h"
#include "util/util.h"

#define PIECE (1u << 20)

static uint64_t xs(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t s = seed | 1;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = xs(&s);
		memcpy(p + i, &v, n - i < 8 ? n - i : 8);
	}
}

/* Text-like: words and numbers such as a CSV of metrics, compresses about 3-4x with zstd. */
static void fill_text(uint8_t *p, size_t n, uint64_t seed)
{
	static const char *w[] = {"epoch", "loss", "0.3251", "accuracy", "0.9127", "model", "resnet50", "lr",
	                          "0.001", "\n", ",", ",", "train", "val", "12", "2026-11-23T12:00:00Z"};
	uint64_t s = seed | 1;
	size_t i = 0;
	while (i < n) {
		const char *x = w[xs(&s) % 16];
		size_t l = strlen(x);
		if (l > n - i)
			l = n - i;
		memcpy(p + i, x, l);
		i += l;
	}
}

static void fill_mixed(uint8_t *p, size_t n)
{
	for (size_t off = 0, k = 0; off < n; off += PIECE, k++) {
		size_t len = n - off < PIECE ? n - off : PIECE;
		if (k % 2 == 0)
			fill_text(p + off, len, k + 1);
		else
			fill_random(p + off, len, k + 1);
	}
}

static double secs(uint64_t t0)
{
	return (double)(mlops__mono_ns() - t0) / 1e9;
}

/* CPU seconds (user + system) of this process: on a shared machine, wall time includes other people's work. */
static double cpu_now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

static double cpu0;

static void row(const char *what, const char *data, double bytes, double s, const char *extra)
{
	double cpu = cpu_now() - cpu0;
	printf("%-24s %-7s %8.0f MB/s %8.3f s %8.3f s cpu %s\n", what, data, bytes / s / 1e6, s, cpu,
	       extra ? extra : "");
}

static int die(const char *what)
{
	fprintf(stderr, "bench_objects: %s: %s\n", what, mlops_error_last()->message);
	exit(1);
}

static int sum_cb(const char *key, uint64_t size, int64_t mtime, void *payload)
{
	(void)key; (void)mtime;
	uint64_t *c = payload;
	c[0]++;
	c[1] += size;
	return 0;
}

static void run_backend(const char *label, const char *name, int sync, const char *dir, const uint8_t *data,
                        size_t n, const char *dlabel)
{
	char *root = mlops__sprintf("%s/bench-objects-%d", dir, (int)getpid());
	bool memory = strcmp(name, "memory") == 0;
	if (!root || mlops__mkdir_p(root, 0755))
		die("create bench directory");
	char *loc = mlops__sprintf("%s/%s", root, strcmp(name, "sqlite") == 0 ? "store.db" : "objects");
	mlops_backend *b;
	mlops_odb *odb;
	if (mlops_backend_new(&b, name, memory ? NULL : loc, sync) || mlops__odb_open(&odb, b, 3, sync))
		die("open backend");
	cpu0 = cpu_now();
	uint64_t t0 = mlops__mono_ns();
	mlops_odb_writer *w;
	if (mlops__odb_writer_new(&w, odb))
		die("writer");
	for (size_t off = 0; off < n; off += PIECE)
		if (mlops__odb_writer_write(w, data + off, n - off < PIECE ? n - off : PIECE))
			die("write");
	mlops_oid id;
	if (mlops__odb_writer_finish(&id, w))
		die("finish");
	double tput = secs(t0);
	mlops__odb_writer_free(w);
	uint64_t c[2] = {0, 0};
	if (mlops__odb_list(odb, sum_cb, c))
		die("list");
	char extra[128];
	snprintf(extra, sizeof(extra), "stored %.1f MiB, %llu blobs (%.1f%%)", (double)c[1] / 1048576.0,
	         (unsigned long long)c[0], 100.0 * (double)c[1] / (double)n);
	char what[64];
	snprintf(what, sizeof(what), "put %s", label);
	row(what, dlabel, (double)n, tput, extra);

	uint8_t *buf = malloc(PIECE);
	if (!buf)
		die("allocate");
	/* The first read after the put may come from the device (pack data is written around the page cache); the
	   second one shows reads from memory. */
	for (int pass = 0; pass < 2; pass++) {
		mlops_odb_reader *r;
		cpu0 = cpu_now();
		t0 = mlops__mono_ns();
		if (mlops__odb_reader_new(&r, odb, &id))
			die("reader");
		size_t total = 0, got;
		for (;;) {
			if (mlops__odb_reader_read(&got, r, buf, PIECE))
				die("read");
			if (!got)
				break;
			total += got;
		}
		double tget = secs(t0);
		mlops__odb_reader_free(r);
		if (total != n || memcmp(buf, data + n - (n % PIECE ? n % PIECE : PIECE), n % PIECE ? n % PIECE : PIECE))
			die("read back");
		snprintf(what, sizeof(what), pass ? "get %s again" : "get %s", label);
		row(what, dlabel, (double)n, tget, NULL);
	}
	free(buf);
	mlops__odb_free(odb);
	char *cmd = mlops__sprintf("rm -rf '%s'", root);
	if (!cmd || system(cmd) != 0)
		die("remove bench directory");
	free(cmd);
	free(loc);
	free(root);
}

/* The file system's own cost of one file per blob: create, write and close 64 KiB files, no library code. */
static void files_baseline(const char *dir, const uint8_t *data)
{
	const size_t bs = 65536, count = 2048;
	char *root = mlops__sprintf("%s/bench-files-%d", dir, (int)getpid());
	if (!root || mlops__mkdir_p(root, 0755))
		die("create baseline directory");
	cpu0 = cpu_now();
	uint64_t t0 = mlops__mono_ns();
	for (size_t i = 0; i < count; i++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/f%zu", root, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, data + i * 64, bs) != (ssize_t)bs || close(fd) != 0) {
			fprintf(stderr, "bench_objects: cannot write '%s'\n", path);
			exit(1);
		}
	}
	double t = secs(t0);
	row("64 KiB files", "random", (double)(bs * count), t, "file system baseline: open+write+close per file");
	char *cmd = mlops__sprintf("rm -rf '%s'", root);
	if (!cmd || system(cmd) != 0)
		die("remove baseline directory");
	free(cmd);
	free(root);
}

static size_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	switch (*end) {
	case 'k': case 'K': v *= 1024; break;
	case 'm': case 'M': v *= 1048576; break;
	case 'g': case 'G': v *= 1073741824.0; break;
	case '\0': break;
	default: fprintf(stderr, "bench_objects: bad size '%s'\n", s); exit(2);
	}
	if (v < 1)
		exit(2);
	return (size_t)v;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? parse_size(argv[1]) : (size_t)1 << 30;
	const char *dir = argc > 2 ? argv[2] : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	uint8_t *data = malloc(n);
	size_t cpy = n < (256u << 20) ? n : (256u << 20);
	uint8_t *dst = malloc(cpy);
	if (!data || !dst) {
		fprintf(stderr, "bench_objects: cannot allocate %zu bytes\n", n + cpy);
		return 1;
	}
	printf("bench_objects: %.0f MiB per run, stores under %s\n", (double)n / 1048576.0, dir);
	printf("%-24s %-7s %13s %10s %12s\n", "operation", "data", "throughput", "wall", "cpu");
	fill_random(data, n, 42);
	memcpy(dst, data, cpy); /* fault the pages in */

	cpu0 = cpu_now();
	uint64_t t0 = mlops__mono_ns();
	for (size_t off = 0; off < n; off += cpy)
		memcpy(dst, data + off, n - off < cpy ? n - off : cpy);
	row("memcpy", "random", (double)n, secs(t0), NULL);

	cpu0 = cpu_now();
	t0 = mlops__mono_ns();
	volatile uint64_t h64 = mlops__hash64(data, n);
	row("XXH3-64", "random", (double)n, secs(t0), NULL);
	(void)h64;
	mlops_oid oid;
	cpu0 = cpu_now();
	t0 = mlops__mono_ns();
	mlops__hash128(&oid, data, n);
	row("XXH128", "random", (double)n, secs(t0), NULL);

	if (n >= 64 * 2048 + 65536)
		files_baseline(dir, data);

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			fill_mixed(data, n);
		const char *dl = pass ? "mixed" : "random";
		size_t chunks = 0;
		cpu0 = cpu_now();
		t0 = mlops__mono_ns();
		for (size_t off = 0; off < n; chunks++)
			off += mlops__cdc_cut(data + off, n - off);
		char extra[64];
		snprintf(extra, sizeof(extra), "%zu chunks, mean %.1f KiB", chunks, (double)n / (double)chunks / 1024.0);
		row("FastCDC", dl, (double)n, secs(t0), extra);
		run_backend("memory", "memory", MLOPS_SYNC_NORMAL, dir, data, n, dl);
		run_backend("fs NORMAL", "fs", MLOPS_SYNC_NORMAL, dir, data, n, dl);
		run_backend("fs OFF", "fs", MLOPS_SYNC_OFF, dir, data, n, dl);
		run_backend("sqlite NORMAL", "sqlite", MLOPS_SYNC_NORMAL, dir, data, n, dl);
	}
	free(data);
	free(dst);
	return 0;
}
