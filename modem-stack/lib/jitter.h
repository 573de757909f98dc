/*
 * The TTI wake-up jitter histogram: how late the TTI thread woke, in ns,
 * in bins of JH_BIN_NS up to JH_BINS * JH_BIN_NS (2.048 ms); anything later
 * lands in the last bin, and the exact maximum is kept apart. Percentiles
 * come out as the upper edge of their bin, never above the maximum.
 *
 * One writer (the TTI thread) and readers that take a copy first: a copy
 * made during an update may be off by the one sample, never unsafe.
 * Pure C: no allocation, no globals, host-tested (tests/test_jitter.c).
 */
#ifndef MUON_MODEM_JITTER_H
#define MUON_MODEM_JITTER_H

#include <stdint.h>

#define JH_BIN_NS 500u
#define JH_BINS 4096u

struct jitter_hist {
	uint32_t n;                 /* samples */
	uint32_t max;               /* the largest sample, exact */
	uint32_t bin[JH_BINS];
};

void jh_reset(struct jitter_hist *h);
void jh_add(struct jitter_hist *h, uint32_t ns);

/*
 * The per_mille quantile (500: median, 990: 99th percentile, 1000: the
 * maximum): the smallest bin edge that at least per_mille / 1000 of the
 * samples do not exceed, capped at the maximum. 0 with no samples.
 */
uint32_t jh_quantile(const struct jitter_hist *h, uint32_t per_mille);

#endif /* MUON_MODEM_JITTER_H */
