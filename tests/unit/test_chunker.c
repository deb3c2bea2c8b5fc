/* Tests of the FastCDC chunker: gear table, golden cut points, agreement with a plain reference loop,
 * size bounds and content-defined boundaries. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "storage/chunker.h"

#define GOLDEN_SIZE (4u << 20)
#define MASK_S 0x0000d90707537000ull
#define MASK_L 0x0000d90313530000ull

/* Own generators, so that a change to the shared test helpers can never move the golden vectors. */
static uint64_t xs(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void golden_random(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t s = seed;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = xs(&s);
		memcpy(p + i, &v, n - i < 8 ? n - i : 8);
	}
}

static void golden_text(uint8_t *p, size_t n, uint64_t seed)
{
	static const char *w[] = {"the ", "model ", "loss=", "0.25", "\n", "epoch ", "accuracy ", "dataset,",
	                          "feature_", "12345", ", ", "run "};
	uint64_t s = seed;
	size_t i = 0;
	while (i < n) {
		const char *x = w[xs(&s) % 12];
		size_t l = strlen(x);
		if (l > n - i)
			l = n - i;
		memcpy(p + i, x, l);
		i += l;
	}
}

/* The algorithm as written in the paper, one byte at a time. */
static size_t ref_cut(const uint8_t *src, size_t n)
{
	if (n <= MLOPS_CDC_MIN)
		return n;
	if (n > MLOPS_CDC_MAX)
		n = MLOPS_CDC_MAX;
	size_t normal = n < MLOPS_CDC_AVG ? n : MLOPS_CDC_AVG;
	uint64_t h = 0;
	size_t i = MLOPS_CDC_MIN;
	for (; i < normal; i++) {
		h = (h << 1) + mlops__gear[src[i]];
		if (!(h & MASK_S))
			return i;
	}
	for (; i < n; i++) {
		h = (h << 1) + mlops__gear[src[i]];
		if (!(h & MASK_L))
			return i;
	}
	return i;
}

/* Cut the whole buffer; returns the number of chunks, end offsets in ends (cap entries). */
static size_t cut_all(const uint8_t *p, size_t n, size_t *ends, size_t cap)
{
	size_t off = 0, k = 0;
	while (off < n) {
		size_t c = mlops__cdc_cut(p + off, n - off);
		assert_true(c > 0);
		assert_true(c <= n - off);
		off += c;
		if (k < cap)
			ends[k] = off;
		k++;
	}
	return k;
}

static void test_gear_table(void **state)
{
	(void)state;
	uint64_t s = 0x6d6c6f7073636463ull; /* "mlopscdc" */
	for (int i = 0; i < 256; i++) {
		s += 0x9e3779b97f4a7c15ull;
		uint64_t z = s;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		assert_true(mlops__gear[i] == z);
	}
}

static void test_masks_bits(void **state)
{
	(void)state;
	assert_int_equal(__builtin_popcountll(MASK_S), 18);
	assert_int_equal(__builtin_popcountll(MASK_L), 14);
}

static const size_t golden_random_ends[] = {
	89679, 186283, 253140, 355384, 406559, 470584, 538821, 603647,
	695525, 770308, 805319, 887683, 945112, 992594, 1058142, 1137129,
	1248016, 1319498, 1399500, 1497941, 1582176, 1649382, 1671039, 1737818,
	1760575, 1844799, 1905745, 1991713, 2015506, 2093858, 2143968, 2210760,
	2295825, 2337372, 2475826, 2582999, 2649188, 2729153, 2799850, 2871829,
	2976199, 3043679, 3126307, 3222220, 3251166, 3318440, 3404104, 3474095,
	3544841, 3611814, 3687639, 3784956, 3879235, 3947549, 4028409, 4110850,
	4161748, 4194304,
};

static const size_t golden_text_ends[] = {
	77093, 144703, 242083, 320732, 412183, 478718, 581992, 656582,
	726744, 767311, 838047, 886379, 954996, 1024457, 1098966, 1165200,
	1192665, 1284632, 1358097, 1479434, 1549561, 1613992, 1700808, 1768596,
	1804825, 1891364, 1958316, 2038533, 2119393, 2196919, 2286277, 2374640,
	2438993, 2511774, 2577820, 2654691, 2736856, 2854663, 2923830, 3013098,
	3101376, 3179796, 3247356, 3332834, 3404427, 3470167, 3559238, 3644997,
	3715958, 3795204, 3866116, 3941896, 4049762, 4144822, 4178935, 4194304,
};

static void check_golden(const uint8_t *buf, const size_t *want, size_t nwant)
{
	size_t ends[256];
	size_t k = cut_all(buf, GOLDEN_SIZE, ends, 256);
	assert_int_equal(k, nwant);
	for (size_t i = 0; i < k; i++)
		assert_int_equal(ends[i], want[i]);
}

static void test_golden_random(void **state)
{
	(void)state;
	uint8_t *buf = malloc(GOLDEN_SIZE);
	assert_non_null(buf);
	golden_random(buf, GOLDEN_SIZE, 0x6d6c6f7073746573ull);
	check_golden(buf, golden_random_ends, sizeof(golden_random_ends) / sizeof(golden_random_ends[0]));
	free(buf);
}

static void test_golden_text(void **state)
{
	(void)state;
	uint8_t *buf = malloc(GOLDEN_SIZE);
	assert_non_null(buf);
	golden_text(buf, GOLDEN_SIZE, 0x74657874ull);
	check_golden(buf, golden_text_ends, sizeof(golden_text_ends) / sizeof(golden_text_ends[0]));
	free(buf);
}

/* The unrolled loop must cut exactly where the byte-at-a-time loop does, at every length and alignment. */
static void test_matches_reference(void **state)
{
	(void)state;
	size_t n = 8u << 20;
	uint8_t *buf = malloc(n);
	assert_non_null(buf);
	th_fill_random(buf, n / 2, 7);
	th_fill_text(buf + n / 2, n / 2, 8);
	size_t off = 0, chunks = 0;
	while (off < n) {
		size_t a = mlops__cdc_cut(buf + off, n - off), b = ref_cut(buf + off, n - off);
		assert_int_equal(a, b);
		off += a;
		chunks++;
	}
	assert_true(chunks > 8u * 1024 * 1024 / MLOPS_CDC_MAX);
	/* Short remainders: every length around the region limits, from many starting points. */
	static const size_t lens[] = {0, 1, 7, 8, 9, MLOPS_CDC_MIN - 1, MLOPS_CDC_MIN, MLOPS_CDC_MIN + 1,
	                              MLOPS_CDC_MIN + 7, MLOPS_CDC_MIN + 9, MLOPS_CDC_AVG - 1, MLOPS_CDC_AVG,
	                              MLOPS_CDC_AVG + 1, MLOPS_CDC_AVG + 5, MLOPS_CDC_MAX - 1, MLOPS_CDC_MAX,
	                              MLOPS_CDC_MAX + 1, 100000, 200003};
	for (size_t s = 0; s < 64; s++) {
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t start = s * 65537 + s;
			assert_int_equal(mlops__cdc_cut(buf + start, lens[i]), ref_cut(buf + start, lens[i]));
		}
	}
	free(buf);
}

static void test_bounds(void **state)
{
	(void)state;
	size_t n = 16u << 20;
	uint8_t *buf = malloc(n);
	assert_non_null(buf);
	th_fill_random(buf, n, 99);
	size_t off = 0, chunks = 0, at_max = 0;
	while (off < n) {
		size_t c = mlops__cdc_cut(buf + off, n - off);
		if (off + c < n)
			assert_true(c >= MLOPS_CDC_MIN);
		assert_true(c <= MLOPS_CDC_MAX);
		at_max += c == MLOPS_CDC_MAX;
		off += c;
		chunks++;
	}
	assert_int_equal(off, n);
	/* Normalized chunking keeps the mean near the 64 KiB target on random data. */
	size_t mean = n / chunks;
	assert_true(mean > 48 * 1024 && mean < 96 * 1024);
	assert_true(at_max < chunks / 20);
	/* Small inputs are one chunk; constant input (no cut point) is cut at MAX. */
	assert_int_equal(mlops__cdc_cut(buf, 1), 1);
	assert_int_equal(mlops__cdc_cut(buf, MLOPS_CDC_MIN), MLOPS_CDC_MIN);
	memset(buf, 0, MLOPS_CDC_MAX * 2);
	size_t z = mlops__cdc_cut(buf, MLOPS_CDC_MAX * 2);
	assert_true(z >= MLOPS_CDC_MIN && z <= MLOPS_CDC_MAX);
	assert_int_equal(z, ref_cut(buf, MLOPS_CDC_MAX * 2));
	free(buf);
}

/* Inserting bytes at the front moves only the first cut points; the rest shift by the insertion. */
static void test_content_defined(void **state)
{
	(void)state;
	size_t n = 8u << 20, ins = 1000;
	uint8_t *a = malloc(n), *b = malloc(n + ins);
	assert_non_null(a);
	assert_non_null(b);
	th_fill_random(a, n, 1234);
	th_fill_random(b, ins, 5678);
	memcpy(b + ins, a, n);
	size_t ea[512], eb[512];
	size_t ka = cut_all(a, n, ea, 512), kb = cut_all(b, n + ins, eb, 512);
	assert_true(ka < 512 && kb < 512);
	size_t common = 0;
	for (size_t i = 0, j = 0; i < ka && j < kb;) {
		if (eb[j] - ins == ea[i] && eb[j] >= ins) {
			common++;
			i++;
			j++;
		} else if (eb[j] < ins || eb[j] - ins < ea[i]) {
			j++;
		} else {
			i++;
		}
	}
	assert_true(common + 3 >= ka);
	/* And a changed byte in the middle changes at most the chunks around it. */
	a[n / 2] ^= 0x5a;
	size_t ec[512];
	size_t kc = cut_all(a, n, ec, 512);
	size_t same = 0;
	for (size_t i = 0, j = 0; i < ka && j < kc;) {
		if (ea[i] == ec[j]) {
			same++;
			i++;
			j++;
		} else if (ea[i] < ec[j]) {
			i++;
		} else {
			j++;
		}
	}
	assert_true(same + 3 >= ka);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gear_table),
		cmocka_unit_test(test_masks_bits),
		cmocka_unit_test(test_golden_random),
		cmocka_unit_test(test_golden_text),
		cmocka_unit_test(test_matches_reference),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_content_defined),
	};
	return cmocka_run_group_tests_name("chunker", tests, NULL, NULL);
}
