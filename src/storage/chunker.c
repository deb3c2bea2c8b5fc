/*
 * FastCDC content-defined chunking (Xia et al. 2020, algorithm 2: gear hash, sub-minimum skipping, normalized
 * chunking level 2). Owns the cut-point function only; the gear table is in gear_table.c.
 *
 * The hash is h = (h << 1) + gear[b], starting at 0 at offset MIN. Offsets [MIN, AVG) use MASK_S (18 one-bits,
 * harder to hit), offsets [AVG, MAX) use MASK_L (14 one-bits); the chunk ends before the byte i for which
 * (h & mask) == 0 after absorbing byte i, or at MAX (or at the end of the data).
 *
 * Speed: the inner loop absorbs 8 bytes per step. After 8 bytes h' = (h << 8) + sum(g_t << (7 - t)), and the
 * intermediate hash after byte j, shifted left by 7 - j, is (h << 8) + the same sum truncated at j. Because the
 * masks' top bit is bit 47, (h_j & m) == 0 exactly when ((h_j << (7 - j)) & (m << (7 - j))) == 0. So the loop-carried
 * dependency is one shift and one add per 8 bytes, and the 8 tests merge into one rarely taken branch.
 */
#include <stdbool.h>

#include "storage/chunker.h"

#define MASK_S 0x0000d90707537000ull
#define MASK_L 0x0000d90313530000ull

/* Scan data[i..end) with mask; on a cut return its offset, else return end with *hp updated. */
static inline size_t scan(const uint8_t *data, size_t i, size_t end, uint64_t *hp, uint64_t m, bool *cut)
{
	const uint64_t *gear = mlops__gear;
	uint64_t h = *hp;
	const uint64_t m0 = m << 7, m1 = m << 6, m2 = m << 5, m3 = m << 4;
	const uint64_t m4 = m << 3, m5 = m << 2, m6 = m << 1;

	while (i + 8 <= end) {
		const uint8_t *p = data + i;
		uint64_t c0 = gear[p[0]] << 7;
		uint64_t c1 = c0 + (gear[p[1]] << 6);
		uint64_t c2 = c1 + (gear[p[2]] << 5);
		uint64_t c3 = c2 + (gear[p[3]] << 4);
		uint64_t c4 = c3 + (gear[p[4]] << 3);
		uint64_t c5 = c4 + (gear[p[5]] << 2);
		uint64_t c6 = c5 + (gear[p[6]] << 1);
		uint64_t c7 = c6 + gear[p[7]];
		uint64_t hs = h << 8;
		uint64_t q0 = hs + c0, q1 = hs + c1, q2 = hs + c2, q3 = hs + c3;
		uint64_t q4 = hs + c4, q5 = hs + c5, q6 = hs + c6, q7 = hs + c7;
		bool hit = ((q0 & m0) == 0) | ((q1 & m1) == 0) | ((q2 & m2) == 0) | ((q3 & m3) == 0) |
		           ((q4 & m4) == 0) | ((q5 & m5) == 0) | ((q6 & m6) == 0) | ((q7 & m) == 0);
		if (__builtin_expect(hit, 0)) {
			/* Replay the 8 bytes one at a time to find the first cut. */
			for (int j = 0; j < 8; j++) {
				h = (h << 1) + gear[p[j]];
				if ((h & m) == 0) {
					*cut = true;
					return i + (size_t)j;
				}
			}
		}
		h = q7;
		i += 8;
	}
	for (; i < end; i++) {
		h = (h << 1) + gear[data[i]];
		if ((h & m) == 0) {
			*cut = true;
			return i;
		}
	}
	*hp = h;
	return end;
}

size_t mlops__cdc_cut(const uint8_t *data, size_t n)
{
	if (n <= MLOPS_CDC_MIN)
		return n;
	if (n > MLOPS_CDC_MAX)
		n = MLOPS_CDC_MAX;
	size_t normal = n < MLOPS_CDC_AVG ? n : MLOPS_CDC_AVG;
	uint64_t h = 0;
	bool cut = false;
	size_t i = scan(data, MLOPS_CDC_MIN, normal, &h, MASK_S, &cut);
	if (cut)
		return i;
	i = scan(data, i, n, &h, MASK_L, &cut);
	return i;
}
