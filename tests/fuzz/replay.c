/*
 * Standalone driver for the fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput over every file named on
 * the command line (directories are walked one level), so the seed corpus and every crash input fixed so far run
 * as an ordinary test in CI.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return 1;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fclose(f);
			fprintf(stderr, "replay: out of memory on %s\n", path);
			return 1;
		}
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		uint8_t *p = realloc(buf, cap * 2);
		if (!p)
			free(buf);
		buf = p;
		cap *= 2;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		fprintf(stderr, "replay: error reading %s\n", path);
		return 1;
	}
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int failed = 0;
	size_t count = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: cannot stat %s\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed |= run_file(argv[i]);
			count++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (!d) {
			fprintf(stderr, "replay: cannot open directory %s\n", argv[i]);
			return 1;
		}
		char **names = NULL;
		size_t nn = 0;
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char **p = realloc(names, (nn + 1) * sizeof(*p));
			if (!p)
				return 1;
			names = p;
			size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
			names[nn] = malloc(len);
			if (!names[nn])
				return 1;
			snprintf(names[nn], len, "%s/%s", argv[i], e->d_name);
			nn++;
		}
		closedir(d);
		qsort(names, nn, sizeof(*names), name_cmp);
		for (size_t k = 0; k < nn; k++) {
			failed |= run_file(names[k]);
			count++;
			free(names[k]);
		}
		free(names);
	}
	printf("replayed %zu inputs\n", count);
	if (!count) {
		fprintf(stderr, "replay: no inputs\n");
		return 1;
	}
	return failed;
}
