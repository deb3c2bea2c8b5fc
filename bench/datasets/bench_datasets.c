/*
 * bench_datasets: the dataset workloads of issue 4, through the public API.
 * Usage: bench_datasets [SIZE[K|M|G]] [DIR] [SMALL_FILES] [normal|off|full]
 *   SIZE         bytes of the tree and of the CSV (default 1G); DIR for the data and stores (default $TMPDIR or
 *                /tmp); SMALL_FILES for the small-file workload (default 100000, 0 skips it); the stores' sync
 *                mode (default normal: objects durable when a commit returns; off: no fsync, as DVC's cache).
 * Workloads:
 *   1. a tree of 1,000 files totalling SIZE (half text-like, half random in 1 MiB runs): first commit (MB/s),
 *      then status and re-commit of the unchanged tree (times and ratios against the first commit);
 *   2. a CSV of SIZE: commit, append 1% new rows, commit again: new stored bytes / file size;
 *   3. SMALL_FILES files of 100..2,000 bytes in 100 directories: commit and status times.
 * Everything is made under a new directory in DIR and removed at the end. Files are generated, written back to the
 * disk (sync), then their mtimes are left to age past the stat cache's 2-second racy window (as data that exists
 * before it is committed), so the page cache is warm and the disk idle for every tool measured.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mlops/mlops.h"

#define PIECE (1u << 20)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process, worker threads included. */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

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

static void die(const char *what)
{
	const mlops_error *e = mlops_error_last();
	fprintf(stderr, "bench_datasets: %s: %s [%s]\n", what, e->message, mlops_error_name(e->code));
	exit(1);
}

static void write_file(const char *path, const void *data, size_t n, const char *mode)
{
	FILE *f = fopen(path, mode);
	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "bench_datasets: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static uint64_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	uint64_t m = 1;
	if (*end == 'K' || *end == 'k')
		m = 1024;
	else if (*end == 'M' || *end == 'm')
		m = 1024 * 1024;
	else if (*end == 'G' || *end == 'g')
		m = 1024ull * 1024 * 1024;
	return (uint64_t)(v * (double)m);
}

static uint64_t stored_bytes(mlops_store *s)
{
	mlops_store_info info = MLOPS_STORE_INFO_INIT;
	if (mlops_store_info_get(&info, s) != 0)
		die("store info");
	return info.object_bytes;
}

static int sync_mode = MLOPS_SYNC_NORMAL;

static mlops_store *open_store(const char *dir)
{
	mlops_store *s;
	mlops_store_options o = MLOPS_STORE_OPTIONS_INIT;
	o.sync = sync_mode;
	if (mlops_store_open(&s, dir, &o) != 0)
		die("open store");
	return s;
}

/* Data written just now is still being written back to the disk, and inside the stat cache's racy window: let it
 * reach the disk first (a commit measured during the generator's writeback of SIZE bytes would share the disk and
 * the kernel's time with it), then wait out the window once. */
static void let_age(void)
{
	sync();
	sleep(3);
}

static void tree_workload(const char *base, uint64_t size)
{
	char dir[2048], store_dir[2048];
	snprintf(dir, sizeof(dir), "%s/tree", base);
	snprintf(store_dir, sizeof(store_dir), "%s/store-tree", base);
	mkdir(dir, 0755);
	size_t files = 1000, per = (size_t)(size / files);
	uint8_t *buf = malloc(per);
	for (size_t i = 0; i < files; i++) {
		char path[4200];
		if (i % 100 == 0) {
			snprintf(path, sizeof(path), "%s/part%02zu", dir, i / 100);
			mkdir(path, 0755);
		}
		for (size_t off = 0, k = 0; off < per; off += PIECE, k++) {
			size_t len = per - off < PIECE ? per - off : PIECE;
			(k + i) % 2 ? fill_random(buf + off, len, i * 7919 + k) : fill_text(buf + off, len, i * 7919 + k);
		}
		snprintf(path, sizeof(path), "%s/part%02zu/file%04zu.bin", dir, i / 100, i);
		write_file(path, buf, per, "wb");
	}
	free(buf);
	let_age();
	mlops_store *s = open_store(store_dir);
	mlops_dataset_commit_stats st = MLOPS_DATASET_COMMIT_STATS_INIT;
	double t0 = now_s(), c0 = cpu_s();
	if (mlops_dataset_commit(NULL, &st, s, "tree", dir, NULL) != 0)
		die("first commit");
	double first = now_s() - t0, first_cpu = cpu_s() - c0;
	uint64_t stored = stored_bytes(s);
	mlops_dataset_status_counts sc = MLOPS_DATASET_STATUS_COUNTS_INIT;
	t0 = now_s();
	c0 = cpu_s();
	if (mlops_dataset_status(NULL, &sc, s, dir, NULL, NULL) != 0)
		die("status");
	double status = now_s() - t0, status_cpu = cpu_s() - c0;
	mlops_dataset_commit_stats st2 = MLOPS_DATASET_COMMIT_STATS_INIT;
	t0 = now_s();
	c0 = cpu_s();
	if (mlops_dataset_commit(NULL, &st2, s, "tree", dir, NULL) != 0)
		die("re-commit");
	double recommit = now_s() - t0, recommit_cpu = cpu_s() - c0;
	double mb = (double)st.bytes / 1e6;
	printf("tree: %zu files, %.1f MB\n", files, mb);
	printf("  first commit       %8.3f s wall %8.3f s CPU  %7.1f MB/s wall  %7.1f MB per CPU second  %.2f cores busy  "
	       "stored %.1f MB\n", first, first_cpu, mb / first, mb / first_cpu, first_cpu / first, (double)stored / 1e6);
	printf("  status (unchanged) %8.3f s wall %8.3f s CPU  %7.1fx faster than the first commit  (%llu files read)\n",
	       status, status_cpu, first / status, (unsigned long long)sc.files_read);
	printf("  re-commit          %8.3f s wall %8.3f s CPU  %7.1fx faster  (created: %d, %llu files read)\n",
	       recommit, recommit_cpu, first / recommit, st2.created, (unsigned long long)st2.files_read);
	mlops_store_free(s);
}

static size_t csv_rows(char *out, size_t cap, uint64_t *row, uint64_t *seed)
{
	size_t n = 0;
	while (n + 128 < cap) {
		uint64_t r = xs(seed);
		n += (size_t)snprintf(out + n, cap - n, "%llu,2026-11-%02u %02u:%02u:%02u,%u.%04u,%s,%llu\n",
		                      (unsigned long long)*row, (unsigned)(1 + r % 28), (unsigned)(r >> 8) % 24,
		                      (unsigned)(r >> 16) % 60, (unsigned)(r >> 24) % 60, (unsigned)(r >> 32) % 1000,
		                      (unsigned)(r >> 40) % 10000, (r >> 50) % 3 ? "train" : "eval",
		                      (unsigned long long)(r % 1000003));
		(*row)++;
	}
	return n;
}

static void csv_workload(const char *base, uint64_t size)
{
	char path[2048], store_dir[2048];
	snprintf(path, sizeof(path), "%s/data.csv", base);
	snprintf(store_dir, sizeof(store_dir), "%s/store-csv", base);
	char *buf = malloc(PIECE);
	uint64_t row = 0, seed = 42, written = 0;
	const char *header = "id,timestamp,value,split,key\n";
	write_file(path, header, strlen(header), "wb");
	written += strlen(header);
	while (written < size) {
		size_t n = csv_rows(buf, PIECE, &row, &seed);
		write_file(path, buf, n, "ab");
		written += n;
	}
	let_age();
	mlops_store *s = open_store(store_dir);
	double t0 = now_s(), c0 = cpu_s();
	if (mlops_dataset_commit(NULL, NULL, s, "csv", path, NULL) != 0)
		die("csv commit");
	double first = now_s() - t0, first_cpu = cpu_s() - c0;
	uint64_t before = stored_bytes(s);
	uint64_t target = written + written / 100, grown = written;
	while (grown < target) {
		/* Whole rows only, stopping near 1% of the file. */
		size_t cap = target - grown + 128 < PIECE ? (size_t)(target - grown) + 128 : PIECE;
		size_t n = csv_rows(buf, cap, &row, &seed);
		if (n == 0)
			break;
		write_file(path, buf, n, "ab");
		grown += n;
	}
	t0 = now_s();
	c0 = cpu_s();
	mlops_dataset_commit_stats st = MLOPS_DATASET_COMMIT_STATS_INIT;
	if (mlops_dataset_commit(NULL, &st, s, "csv", path, NULL) != 0)
		die("csv re-commit");
	double second = now_s() - t0, second_cpu = cpu_s() - c0;
	uint64_t added = stored_bytes(s) - before;
	printf("csv: %.1f MB, %llu rows, appended %.1f MB\n", (double)written / 1e6, (unsigned long long)row,
	       (double)(grown - written) / 1e6);
	printf("  first commit %8.3f s wall %8.3f s CPU (incl. profiling)   commit after append %8.3f s wall "
	       "%8.3f s CPU\n", first, first_cpu, second, second_cpu);
	printf("  new stored bytes %.2f MB = %.2f%% of the file size\n", (double)added / 1e6,
	       100.0 * (double)added / (double)grown);
	free(buf);
	mlops_store_free(s);
}

static void small_workload(const char *base, size_t count)
{
	char dir[2048], store_dir[2048];
	snprintf(dir, sizeof(dir), "%s/small", base);
	snprintf(store_dir, sizeof(store_dir), "%s/store-small", base);
	mkdir(dir, 0755);
	uint8_t buf[2048];
	uint64_t seed = 7, total = 0;
	for (size_t i = 0; i < count; i++) {
		char path[4200];
		if (i % (count / 100 ? count / 100 : 1) == 0) {
			snprintf(path, sizeof(path), "%s/d%03zu", dir, i / (count / 100 ? count / 100 : 1));
			mkdir(path, 0755);
		}
		size_t n = 100 + xs(&seed) % 1900;
		fill_text(buf, n, i + 1);
		snprintf(path, sizeof(path), "%s/d%03zu/f%06zu.txt", dir, i / (count / 100 ? count / 100 : 1), i);
		write_file(path, buf, n, "wb");
		total += n;
	}
	let_age();
	mlops_store *s = open_store(store_dir);
	double t0 = now_s(), c0 = cpu_s();
	if (mlops_dataset_commit(NULL, NULL, s, "small", dir, NULL) != 0)
		die("small commit");
	double commit = now_s() - t0, commit_cpu = cpu_s() - c0;
	mlops_dataset_status_counts sc = MLOPS_DATASET_STATUS_COUNTS_INIT;
	t0 = now_s();
	c0 = cpu_s();
	if (mlops_dataset_status(NULL, &sc, s, dir, NULL, NULL) != 0)
		die("small status");
	double status = now_s() - t0, status_cpu = cpu_s() - c0;
	printf("small files: %zu files, %.1f MB\n", count, (double)total / 1e6);
	printf("  commit %8.3f s wall %8.3f s CPU   status %8.3f s wall %8.3f s CPU (%llu unchanged, %llu files read)\n",
	       commit, commit_cpu, status, status_cpu, (unsigned long long)sc.unchanged,
	       (unsigned long long)sc.files_read);
	mlops_store_free(s);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t size = argc > 1 ? parse_size(argv[1]) : (1ull << 30);
	const char *tmp = getenv("TMPDIR");
	const char *parent = argc > 2 ? argv[2] : (tmp && *tmp ? tmp : "/tmp");
	size_t small = argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : 100000;
	if (argc > 4 && strcmp(argv[4], "off") == 0)
		sync_mode = MLOPS_SYNC_OFF;
	else if (argc > 4 && strcmp(argv[4], "full") == 0)
		sync_mode = MLOPS_SYNC_FULL;
	if (size < (1u << 20)) {
		fprintf(stderr, "usage: bench_datasets [SIZE[K|M|G]] [DIR] [SMALL_FILES] [normal|off|full]  (SIZE >= 1M)\n");
		return 2;
	}
	char base[1024];
	snprintf(base, sizeof(base), "%s/bench-datasets-XXXXXX", parent);
	if (!mkdtemp(base)) {
		fprintf(stderr, "bench_datasets: cannot create a directory under %s: %s\n", parent, strerror(errno));
		return 1;
	}
	printf("libmlops %s, data under %s, sync %s\n", mlops_version_string(), base,
	       sync_mode == MLOPS_SYNC_OFF ? "off" : sync_mode == MLOPS_SYNC_FULL ? "full" : "normal");
	tree_workload(base, size);
	csv_workload(base, size);
	if (small)
		small_workload(base, small);
	nftw(base, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
	return 0;
}
