/*
 * Host tests for modem-stack/lib/jitter.c, the TTI wake-up jitter histogram:
 * empty and single samples, quantiles against a sorted reference over
 * random samples (each within one bin of the exact order statistic, never
 * below it, never above the maximum), samples past the last bin, reset,
 * and a copy taken half-way through an update (counts that disagree with n)
 * that must still give a value no larger than the maximum.
 */
#include "check.h"
#include "jitter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct jitter_hist h;

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void test_jitter_empty_and_one(void)
{
	jh_reset(&h);
	CHECK_EQ(jh_quantile(&h, 500), 0u);
	CHECK_EQ(jh_quantile(&h, 1000), 0u);
	jh_add(&h, 1234);
	CHECK_EQ(h.n, 1u);
	CHECK_EQ(h.max, 1234u);
	/* One sample: every quantile is its bin's upper edge capped at the maximum, i.e. the sample. */
	CHECK_EQ(jh_quantile(&h, 1), 1234u);
	CHECK_EQ(jh_quantile(&h, 500), 1234u);
	CHECK_EQ(jh_quantile(&h, 990), 1234u);
	CHECK_EQ(jh_quantile(&h, 1000), 1234u);
	jh_add(&h, 0);
	CHECK_EQ(jh_quantile(&h, 500), JH_BIN_NS);   /* the lower of two: 0, reported as its bin's edge */
	jh_reset(&h);
	CHECK_EQ(h.n, 0u);
	CHECK_EQ(jh_quantile(&h, 990), 0u);
}

/* The reference: the rank-th smallest (1-based), rank = ceil(n * pm / 1000). */
static uint32_t exact(const uint32_t *sorted, uint32_t n, uint32_t pm)
{
	uint64_t rank = ((uint64_t)n * pm + 999) / 1000;
	return sorted[rank ? rank - 1 : 0];
}

static void test_jitter_quantiles(void)
{
	static uint32_t v[20000];
	static const uint32_t pms[] = { 1, 100, 500, 900, 990, 999, 1000 };
	uint32_t s = 12345;
	for (unsigned round = 0; round < 50; round++) {
		uint32_t n = 1 + rnd(&s) % 20000, spread = 1 + rnd(&s) % (3 * JH_BINS * JH_BIN_NS);
		jh_reset(&h);
		for (uint32_t i = 0; i < n; i++) {
			v[i] = rnd(&s) % spread;
			if (rnd(&s) % 100 == 0)
				v[i] = rnd(&s);   /* a few far out: past the last bin */
			jh_add(&h, v[i]);
		}
		qsort(v, n, sizeof(v[0]), cmp_u32);
		CHECK_EQ(h.n, n);
		CHECK_EQ(h.max, v[n - 1]);
		for (unsigned i = 0; i < sizeof(pms) / sizeof(pms[0]); i++) {
			uint32_t q = jh_quantile(&h, pms[i]), e = exact(v, n, pms[i]);
			CHECK(q >= e);
			CHECK(q <= h.max);
			/* Within the bin, unless the sample is in the last bin (then only the maximum is known). */
			if (e < (JH_BINS - 1) * JH_BIN_NS)
				CHECK(q - e <= JH_BIN_NS);
			else
				CHECK_EQ(q, h.max);
		}
	}
}

static void test_jitter_torn_copy(void)
{
	uint32_t s = 99;
	jh_reset(&h);
	for (unsigned i = 0; i < 1000; i++)
		jh_add(&h, rnd(&s) % 100000);
	/* A reader copied n after the update but bins before it: the counts fall short of n. */
	struct jitter_hist c = h;
	c.n += 5;
	CHECK(jh_quantile(&c, 1000) == c.max);
	CHECK(jh_quantile(&c, 999) <= c.max);
	/* Or garbage counts altogether: still no read outside, still at most the maximum. */
	memset(c.bin, 0xff, sizeof(c.bin));
	CHECK(jh_quantile(&c, 500) <= c.max);
	memset(c.bin, 0, sizeof(c.bin));
	CHECK_EQ(jh_quantile(&c, 500), c.max);
}

int main(void)
{
	RUN(test_jitter_empty_and_one);
	RUN(test_jitter_quantiles);
	RUN(test_jitter_torn_copy);
	return check_summary();
}
