/*
 * Bounded-memory sketches for column statistics:
 *  - distinct values: an exact set of 64-bit hashes up to 768 values, then HyperLogLog (2^14 registers, 16 KiB)
 *    with Ertl's improved estimator ("New cardinality estimation algorithms
 *    for HyperLogLog sketches", 2017), which needs no bias tables and is accurate from 0 to 2^64: standard error
 *    1.04/sqrt(2^14) = 0.81%;
 *  - frequent items: Misra-Gries counters with median purges (as Apache DataSketches' frequent-items sketch):
 *    amortized O(1) per value; a value occurring more than 2n/k times is always kept; a kept count is a lower
 *    bound and the true count is at most count + err;
 *  - quantiles: exact while the column has at most MLOPS_DATASETS__QEXACT values, then a KLL sketch (Karnin, Lang,
 *    Liberty 2016; compactor capacities k*(2/3)^depth, k = 256) with a deterministic coin, so a profile of the same
 *    bytes always gives the same figures.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/tabular.h"
#include "util/util.h"

/* ---- HyperLogLog ---- */

#define HLL_M (1u << MLOPS_DATASETS__HLL_P)
#define HLL_Q (64 - MLOPS_DATASETS__HLL_P)

void mlops_datasets__hll_init(mlops_datasets__hll *h)
{
	memset(h, 0, sizeof(*h));
}

void mlops_datasets__hll_free(mlops_datasets__hll *h)
{
	free(h->reg);
	free(h->set);
	memset(h, 0, sizeof(*h));
}

static void hll_dense_add(uint8_t *reg, uint64_t hash)
{
	uint32_t idx = (uint32_t)(hash >> HLL_Q);
	uint64_t w = (hash << MLOPS_DATASETS__HLL_P) | ((uint64_t)1 << (MLOPS_DATASETS__HLL_P - 1));
	uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);
	if (rank > reg[idx])
		reg[idx] = rank;
}

static void set_insert(uint64_t *set, uint32_t cap, uint64_t v)
{
	for (uint32_t i = (uint32_t)v & (cap - 1);; i = (i + 1) & (cap - 1)) {
		if (set[i] == v)
			return;
		if (!set[i]) {
			set[i] = v;
			return;
		}
	}
}

int mlops_datasets__hll_add(mlops_datasets__hll *h, uint64_t hash)
{
	if (h->reg) {
		hll_dense_add(h->reg, hash);
		return 0;
	}
	uint64_t v = hash ? hash : 1;
	if (h->cap) {
		for (uint32_t i = (uint32_t)v & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
			if (h->set[i] == v)
				return 0;
			if (!h->set[i])
				break;
		}
	}
	if ((h->n + 1) * 4 > h->cap * 3) {
		if (h->n + 1 > MLOPS_DATASETS__HLL_SPARSE_MAX) {
			/* Too many for the exact set: switch to registers, replaying the stored hashes. */
			uint8_t *reg = mlops__calloc(HLL_M, 1);
			if (!reg)
				return MLOPS_ENOMEM;
			for (uint32_t i = 0; i < h->cap; i++)
				if (h->set[i])
					hll_dense_add(reg, h->set[i]);
			hll_dense_add(reg, hash);
			free(h->set);
			h->set = NULL;
			h->cap = 0;
			h->reg = reg;
			return 0;
		}
		uint32_t cap = h->cap ? h->cap * 2 : 16;
		uint64_t *set = mlops__calloc(cap, sizeof(*set));
		if (!set)
			return MLOPS_ENOMEM;
		for (uint32_t i = 0; i < h->cap; i++)
			if (h->set[i])
				set_insert(set, cap, h->set[i]);
		free(h->set);
		h->set = set;
		h->cap = cap;
	}
	set_insert(h->set, h->cap, v);
	h->n++;
	return 0;
}

static double hll_sigma(double x)
{
	if (x == 1.0)
		return INFINITY;
	double y = 1, z = x, zp;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (zp != z);
	return z;
}

static double hll_tau(double x)
{
	if (x == 0.0 || x == 1.0)
		return 0.0;
	double y = 1.0, z = 1 - x, zp;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (zp != z);
	return z / 3;
}

double mlops_datasets__hll_estimate(const mlops_datasets__hll *h)
{
	if (!h->reg)
		return h->n;
	uint32_t c[HLL_Q + 2] = { 0 };
	for (uint32_t i = 0; i < HLL_M; i++)
		c[h->reg[i] <= HLL_Q + 1 ? h->reg[i] : HLL_Q + 1]++;
	if (c[0] == HLL_M)
		return 0;
	const double m = HLL_M;
	double z = m * hll_tau(1 - c[HLL_Q + 1] / m);
	for (int k = HLL_Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * hll_sigma(c[0] / m);
	return (m * m / (2 * log(2))) / z;
}

/* ---- frequent items (Misra-Gries with median purges) ---- */

typedef struct topk_slot {
	uint64_t h;
	uint16_t n;
	bool live;
	bool truncated;
	char v[MLOPS_DATASETS__TOP_VALUE_MAX + 1];
} topk_slot;

typedef struct topk_cell {
	uint64_t h;
	uint32_t idx;       /* slot + 1; 0 for an empty cell */
} topk_cell;

/* The probe table carries the hashes and the counts live apart from the values, so that the common case (a hit)
 * touches two small arrays only. */
struct mlops_datasets__topk {
	unsigned k, used;   /* used: live counters */
	topk_slot *slot;    /* grown on demand up to k (columns of few values stay small) */
	unsigned slot_cap;
	uint64_t *count;    /* per slot */
	uint32_t *freel;    /* free slot indices */
	unsigned nfree;
	topk_cell *tab;     /* hash -> slot, linear probing */
	uint32_t tmask;
	uint64_t offset;    /* total subtracted from every counter so far: the error bound */
	uint64_t *tmp;
	mlops_datasets__topk_item *items;
};

int mlops_datasets__topk_new(mlops_datasets__topk **out, unsigned k)
{
	*out = NULL;
	if (k < 2)
		k = 2;
	mlops_datasets__topk *t = mlops__calloc(1, sizeof(*t));
	if (!t)
		return MLOPS_ENOMEM;
	uint32_t tcap = 16;
	while (tcap < 2 * k)
		tcap *= 2;
	t->k = k;
	t->tmask = tcap - 1;
	t->count = mlops__calloc(k, sizeof(*t->count));
	t->freel = mlops__calloc(k, sizeof(*t->freel));
	t->tab = mlops__calloc(tcap, sizeof(*t->tab));
	t->tmp = mlops__calloc(k, sizeof(*t->tmp));
	t->items = mlops__calloc(k, sizeof(*t->items));
	if (!t->count || !t->freel || !t->tab || !t->tmp || !t->items) {
		mlops_datasets__topk_free(t);
		return MLOPS_ENOMEM;
	}
	for (unsigned i = 0; i < k; i++)
		t->freel[i] = k - 1 - i;
	t->nfree = k;
	*out = t;
	return 0;
}

static topk_cell *tab_find(mlops_datasets__topk *t, uint64_t h)
{
	for (uint32_t i = (uint32_t)h & t->tmask;; i = (i + 1) & t->tmask) {
		topk_cell *c = &t->tab[i];
		if (!c->idx || c->h == h)
			return c;
	}
}

static uint64_t select_u64(uint64_t *a, size_t n, size_t kth)
{
	/* Quickselect with a three-way partition: counters are often all equal. */
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		uint64_t pivot = a[lo + (hi - lo) / 2];
		size_t lt = lo, i = lo, gt = hi;
		while (i <= gt) {
			uint64_t x = a[i];
			if (x < pivot) {
				a[i++] = a[lt];
				a[lt++] = x;
			} else if (x > pivot) {
				a[i] = a[gt];
				a[gt--] = x;
			} else {
				i++;
			}
		}
		if (kth < lt)
			hi = lt - 1;
		else if (kth > gt)
			lo = gt + 1;
		else
			return pivot;
	}
	return a[kth];
}

/* Subtract the median count from every counter and drop those that reach zero: at least half the counters go,
 * so the O(k) purge runs at most once every k/2 new values (amortized O(1) per value). */
static void purge(mlops_datasets__topk *t)
{
	memcpy(t->tmp, t->count, t->k * sizeof(*t->tmp));
	uint64_t med = select_u64(t->tmp, t->k, t->k / 2);
	t->offset += med;
	memset(t->tab, 0, (t->tmask + 1) * sizeof(*t->tab));
	t->used = 0;
	t->nfree = 0;
	for (unsigned i = 0; i < t->k; i++) {
		topk_slot *sl = &t->slot[i];
		if (t->count[i] <= med) {
			sl->live = false;
			t->count[i] = 0;
			t->freel[t->nfree++] = i;
			continue;
		}
		t->count[i] -= med;
		topk_cell *c = tab_find(t, sl->h);
		c->h = sl->h;
		c->idx = i + 1;
		t->used++;
	}
}

int mlops_datasets__topk_add(mlops_datasets__topk *t, uint64_t hash, const char *s, size_t n)
{
	topk_cell *cell = tab_find(t, hash);
	if (cell->idx) {
		t->count[cell->idx - 1]++;
		return 1;
	}
	if (!t->nfree) {
		purge(t);
		cell = tab_find(t, hash);
	}
	uint32_t idx = t->freel[t->nfree - 1];
	if (idx >= t->slot_cap) {
		unsigned cap = t->slot_cap ? t->slot_cap * 2 : 4;
		while (cap <= idx)
			cap *= 2;
		if (cap > t->k)
			cap = t->k;
		topk_slot *p = mlops__realloc(t->slot, cap * sizeof(*p));
		if (!p)
			return MLOPS_ENOMEM;
		memset(p + t->slot_cap, 0, (cap - t->slot_cap) * sizeof(*p));
		t->slot = p;
		t->slot_cap = cap;
	}
	t->nfree--;
	topk_slot *sl = &t->slot[idx];
	sl->truncated = n > MLOPS_DATASETS__TOP_VALUE_MAX;
	if (sl->truncated) {
		/* Cut before a UTF-8 continuation byte so the shown prefix stays valid text. */
		n = MLOPS_DATASETS__TOP_VALUE_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	sl->h = hash;
	sl->n = (uint16_t)n;
	memcpy(sl->v, s, n);
	sl->v[n] = '\0';
	t->count[idx] = 1;
	sl->live = true;
	cell->h = hash;
	cell->idx = idx + 1;
	t->used++;
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	const mlops_datasets__topk_item *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->value, y->value, n);
	if (c)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

int mlops_datasets__topk_items(mlops_datasets__topk_item **out, size_t *out_n, mlops_datasets__topk *t)
{
	size_t m = 0;
	for (unsigned i = 0; i < t->slot_cap; i++) {
		if (!t->slot[i].live)
			continue;
		t->items[m].value = t->slot[i].v;
		t->items[m].n = t->slot[i].n;
		t->items[m].truncated = t->slot[i].truncated;
		t->items[m].count = t->count[i];
		t->items[m].err = t->offset;
		m++;
	}
	qsort(t->items, m, sizeof(*t->items), item_cmp);
	*out = t->items;
	*out_n = m;
	return 0;
}

void mlops_datasets__topk_free(mlops_datasets__topk *t)
{
	if (!t)
		return;
	free(t->slot);
	free(t->count);
	free(t->freel);
	free(t->tab);
	free(t->tmp);
	free(t->items);
	free(t);
}

/* ---- quantiles: exact buffer, then KLL ---- */

#define KLL_K 256
#define KLL_MAX_LEVELS 64
#define KLL_MIN_WIDTH 8

typedef struct kll_level {
	double *v;
	size_t n, cap;
} kll_level;

struct mlops_datasets__quant {
	uint64_t count;
	double *exact;      /* the first values, until QEXACT */
	size_t exn, excap;
	bool sorted;
	bool kll;
	kll_level lv[KLL_MAX_LEVELS];
	size_t cap[KLL_MAX_LEVELS];
	int H;
	size_t size, maxsize;
	uint64_t rng;
};

int mlops_datasets__quant_new(mlops_datasets__quant **out)
{
	*out = mlops__calloc(1, sizeof(**out));
	if (!*out)
		return MLOPS_ENOMEM;
	(*out)->rng = 0x9E3779B97F4A7C15ull;
	return 0;
}

static size_t kll_capacity(const mlops_datasets__quant *q, int h)
{
	return q->cap[h];
}

static int kll_push(kll_level *l, double v)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		double *p = mlops__realloc(l->v, cap * sizeof(*p));
		if (!p)
			return MLOPS_ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = v;
	return 0;
}

/* Merge the sorted run src[0,m) into the sorted level dst, from the back, in place. */
static int kll_merge(kll_level *dst, const double *src, size_t m)
{
	size_t need = dst->n + m;
	if (need > dst->cap) {
		size_t cap = dst->cap ? dst->cap : 64;
		while (cap < need)
			cap *= 2;
		double *p = mlops__realloc(dst->v, cap * sizeof(*p));
		if (!p)
			return MLOPS_ENOMEM;
		dst->v = p;
		dst->cap = cap;
	}
	size_t i = dst->n, j = m, k = need;
	while (j > 0) {
		if (i > 0 && dst->v[i - 1] > src[j - 1])
			dst->v[--k] = dst->v[--i];
		else
			dst->v[--k] = src[--j];
	}
	dst->n = need;
	return 0;
}

static void kll_grow(mlops_datasets__quant *q)
{
	q->H++;
	q->maxsize = 0;
	for (int h = 0; h < q->H; h++) {
		size_t cap = (size_t)ceil(KLL_K * pow(2.0 / 3.0, q->H - 1 - h)) + 1;
		q->cap[h] = cap < KLL_MIN_WIDTH ? KLL_MIN_WIDTH : cap;
		q->maxsize += q->cap[h];
	}
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* In-place sort of doubles without NaN (quicksort, median of three, insertion sort below 16, recursion only into
 * the smaller part): qsort's indirect comparisons dominated the profile. */
static void sort_doubles(double *a, size_t n)
{
	while (n > 16) {
		double x = a[0], y = a[n / 2], z = a[n - 1];
		double p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		size_t i = 0, j = n - 1;
		for (;;) {
			while (a[i] < p)
				i++;
			while (a[j] > p)
				j--;
			if (i >= j)
				break;
			double t = a[i];
			a[i] = a[j];
			a[j] = t;
			i++;
			j--;
		}
		/* a[0..j] <= p <= a[j+1..n) */
		size_t left = j + 1;
		if (left >= n)
			break; /* cannot happen with a median-of-three pivot; the insertion sort below stays correct */
		if (left < n - left) {
			sort_doubles(a, left);
			a += left;
			n -= left;
		} else {
			sort_doubles(a + left, n - left);
			n = left;
		}
	}
	for (size_t i = 1; i < n; i++) {
		double v = a[i];
		size_t j = i;
		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

static int kll_compress(mlops_datasets__quant *q)
{
	for (int h = 0; h < q->H; h++) {
		kll_level *l = &q->lv[h];
		if (l->n < kll_capacity(q, h))
			continue;
		if (h + 1 >= q->H) {
			if (q->H >= KLL_MAX_LEVELS)
				return mlops__error(MLOPS_ERROR, "quantile sketch: too many levels");
			kll_grow(q);
		}
		/* Level 0 takes values as they come; every other level only ever receives sorted runs, merged in,
		 * so it is sorted already. */
		if (h == 0)
			sort_doubles(l->v, l->n);
		q->rng ^= q->rng << 13;
		q->rng ^= q->rng >> 7;
		q->rng ^= q->rng << 17;
		size_t start = l->n & 1, off = q->rng & 1, m = 0;
		for (size_t i = start; i + 1 < l->n; i += 2)
			l->v[start + m++] = l->v[i + off];
		int rc = kll_merge(&q->lv[h + 1], l->v + start, m);
		if (rc)
			return rc;
		q->size -= l->n - start - m;
		l->n = start;
		return 0;
	}
	return 0;
}

int mlops_datasets__quant_add(mlops_datasets__quant *q, double v)
{
	if (!q->kll) {
		if (q->exn == q->excap && q->excap < MLOPS_DATASETS__QEXACT) {
			size_t cap = q->excap ? q->excap * 2 : 256;
			double *p = mlops__realloc(q->exact, cap * sizeof(double));
			if (!p)
				return MLOPS_ENOMEM;
			q->exact = p;
			q->excap = cap;
		}
		if (q->exn < q->excap) {
			q->exact[q->exn++] = v;
			q->count++;
			q->sorted = false;
			return 0;
		}
		/* Past the exact budget: from here on a KLL sketch, fed with the buffered values first. */
		q->kll = true;
		q->H = 0;
		kll_grow(q);
		for (size_t i = 0; i < q->exn; i++) {
			int rc = kll_push(&q->lv[0], q->exact[i]);
			if (!rc && ++q->size >= q->maxsize)
				rc = kll_compress(q);
			if (rc)
				return rc;
		}
		free(q->exact);
		q->exact = NULL;
		q->exn = q->excap = 0;
	}
	int rc = kll_push(&q->lv[0], v);
	if (rc)
		return rc;
	q->count++;
	if (++q->size >= q->maxsize)
		return kll_compress(q);
	return 0;
}

typedef struct wv {
	double v;
	uint64_t w;
} wv;

static int wv_cmp(const void *a, const void *b)
{
	return dbl_cmp(&((const wv *)a)->v, &((const wv *)b)->v);
}

int mlops_datasets__quant_get_many(double *out, const double *ranks, size_t n, mlops_datasets__quant *q)
{
	for (size_t k = 0; k < n; k++)
		out[k] = NAN;
	if (!q->count)
		return 0;
	if (!q->kll) {
		if (!q->sorted) {
			sort_doubles(q->exact, q->exn);
			q->sorted = true;
		}
		for (size_t k = 0; k < n; k++) {
			double r = ranks[k] < 0 ? 0 : ranks[k] > 1 ? 1 : ranks[k];
			double want = ceil(r * (double)q->exn);
			size_t i = want < 1 ? 0 : (size_t)want - 1;
			out[k] = q->exact[i < q->exn ? i : q->exn - 1];
		}
		return 0;
	}
	wv *all = mlops__malloc(q->size * sizeof(*all));
	if (!all)
		return MLOPS_ENOMEM;
	size_t m = 0;
	uint64_t total = 0;
	for (int h = 0; h < q->H; h++)
		for (size_t i = 0; i < q->lv[h].n; i++) {
			all[m].v = q->lv[h].v[i];
			all[m].w = (uint64_t)1 << h;
			total += all[m].w;
			m++;
		}
	qsort(all, m, sizeof(*all), wv_cmp);
	for (size_t k = 0; k < n; k++) {
		double r = ranks[k] < 0 ? 0 : ranks[k] > 1 ? 1 : ranks[k];
		double want = r * (double)total;
		uint64_t cum = 0;
		out[k] = m ? all[m - 1].v : NAN;
		for (size_t i = 0; i < m; i++) {
			cum += all[i].w;
			if ((double)cum >= want) {
				out[k] = all[i].v;
				break;
			}
		}
	}
	free(all);
	return 0;
}

double mlops_datasets__quant_get(mlops_datasets__quant *q, double rank)
{
	double v;
	return mlops_datasets__quant_get_many(&v, &rank, 1, q) ? NAN : v;
}

uint64_t mlops_datasets__quant_count(const mlops_datasets__quant *q)
{
	return q->count;
}

bool mlops_datasets__quant_exact(const mlops_datasets__quant *q)
{
	return !q->kll;
}

void mlops_datasets__quant_free(mlops_datasets__quant *q)
{
	if (!q)
		return;
	free(q->exact);
	for (int h = 0; h < KLL_MAX_LEVELS; h++)
		free(q->lv[h].v);
	free(q);
}
