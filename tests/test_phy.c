/*
 * Host tests for modem-stack/lib/phy.c: CRC-24A, the Gold sequence against a
 * bit-by-bit reference written from TS 36.211 7.2, the convolutional code
 * against a reference encoder, round trips over the configuration space,
 * error correction under flipped and noisy symbols, CRC detection, and
 * random bursts.
 */
#include "check.h"
#include "phy.h"

#include <stdint.h>
#include <string.h>

static struct phy_scratch sc;
static int8_t air[PHY_MAX_AIR];
static uint8_t tb[PHY_MAX_TB], back[PHY_MAX_TB];

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static uint32_t crc24a_bitwise(const uint8_t *p, size_t n)
{
	uint32_t crc = 0;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint32_t)p[i] << 16;
		for (int b = 0; b < 8; b++) {
			crc <<= 1;
			if (crc & 0x1000000u)
				crc ^= 0x1864cfbu;
		}
	}
	return crc;
}

static void test_crc24a(void)
{
	uint32_t seed = 5;
	uint8_t buf[300];

	/* The CRC catalogue's check value for CRC-24/LTE-A. */
	CHECK_EQ(phy_crc24a((const uint8_t *)"123456789", 9), 0xcde703);
	CHECK_EQ(phy_crc24a(buf, 0), 0);
	for (int i = 0; i < 1000; i++) {
		size_t n = rnd(&seed) % sizeof buf;

		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)rnd(&seed);
		CHECK_EQ(phy_crc24a(buf, n), crc24a_bitwise(buf, n));
	}
	/* A block with its CRC appended has remainder 0. */
	buf[0] = 0x12; buf[1] = 0x34;
	uint32_t c = phy_crc24a(buf, 2);
	buf[2] = (uint8_t)(c >> 16); buf[3] = (uint8_t)(c >> 8); buf[4] = (uint8_t)c;
	CHECK_EQ(phy_crc24a(buf, 5), 0);
}

/* c(n) straight from 36.211 7.2, one bit at a time. */
static void gold_reference(uint32_t c_init, uint8_t *c, size_t len)
{
	static uint8_t x1[1600 + 4096 + 31], x2[1600 + 4096 + 31];
	size_t n;

	memset(x1, 0, sizeof x1);
	x1[0] = 1;
	for (n = 0; n < 31; n++)
		x2[n] = (uint8_t)(c_init >> n & 1u);
	for (n = 0; n + 31 < 1600 + len + 31; n++) {
		x1[n + 31] = (uint8_t)((x1[n + 3] + x1[n]) % 2);
		x2[n + 31] = (uint8_t)((x2[n + 3] + x2[n + 2] + x2[n + 1] + x2[n]) % 2);
	}
	for (n = 0; n < len; n++)
		c[n] = (uint8_t)((x1[n + 1600] + x2[n + 1600]) % 2);
}

/*
 * All-zero TB without coding, one repetition, one column: the coded bits
 * are all 0 (the CRC of zeros is 0), so each symbol's sign is c(n).
 */
static void test_scrambling_sequence(void)
{
	struct phy_cfg cfg = { .tb_bytes = 509, .reps = 1, .fec = PHY_FEC_NONE,
			       .columns = 1, .cell_id = 0 };
	static uint8_t c[4096];
	uint32_t ttis[] = { 0, 7, 12345 };
	int n;

	memset(tb, 0, sizeof tb);
	for (int cell = 0; cell <= PHY_MAX_CELL_ID; cell += 251) {
		for (size_t t = 0; t < 3; t++) {
			uint32_t tti = ttis[t];

			cfg.cell_id = (uint16_t)cell;
			n = phy_encode(&cfg, tti, tb, &sc, air, sizeof air);
			CHECK_EQ(n, (509 + 3) * 8);
			gold_reference(((tti / 10) % 1024) << 14 | (tti % 10) << 9 | (uint32_t)cell,
				       c, (size_t)n);
			for (int i = 0; i < n; i++)
				CHECK_MSG(air[i] == (c[i] ? -PHY_AMPLITUDE : PHY_AMPLITUDE),
					  "cell %d tti %u symbol %d", cell, tti, i);
		}
	}
}

/* The K=7 (133, 171) code, written out tap by tap. */
static void conv_reference(const uint8_t *bits, size_t n, uint8_t *out)
{
	static const int g0[7] = { 1, 0, 1, 1, 0, 1, 1 }; /* 133 octal, newest first */
	static const int g1[7] = { 1, 1, 1, 1, 0, 0, 1 }; /* 171 octal */

	for (size_t i = 0; i < n; i++) {
		int a = 0, b = 0;

		for (int k = 0; k < 7; k++) {
			int bit = i >= (size_t)k ? bits[i - (size_t)k] : 0;

			a ^= g0[6 - k] & bit;
			b ^= g1[6 - k] & bit;
		}
		out[2 * i] = (uint8_t)a;
		out[2 * i + 1] = (uint8_t)b;
	}
}

/* Coded bits through a 1-column interleaver and no scrambling sign. */
static void test_conv_code(void)
{
	struct phy_cfg cfg = { .tb_bytes = 20, .reps = 1, .fec = PHY_FEC_CONV,
			       .columns = 1, .cell_id = 3 };
	static uint8_t bits[(20 + 3) * 8 + 6], want[2 * sizeof bits];
	static int8_t zero_air[PHY_MAX_CODED];
	uint32_t seed = 77, crc;
	size_t nbits = sizeof bits;
	int n;

	for (int i = 0; i < 20; i++)
		tb[i] = (uint8_t)rnd(&seed);
	crc = phy_crc24a(tb, 20);
	for (size_t i = 0; i < nbits; i++) {
		if (i < 160)
			bits[i] = (uint8_t)(tb[i / 8] >> (7 - i % 8) & 1u);
		else if (i < 184)
			bits[i] = (uint8_t)(crc >> (23 - (i - 160)) & 1u);
		else
			bits[i] = 0;
	}
	conv_reference(bits, nbits, want);
	/* The scrambling sign comes from the all-zero block's burst. */
	memset(back, 0, 20);
	cfg.fec = PHY_FEC_NONE;
	(void)phy_encode(&cfg, 9, back, &sc, zero_air, sizeof zero_air);
	cfg.fec = PHY_FEC_CONV;
	n = phy_encode(&cfg, 9, tb, &sc, air, sizeof air);
	CHECK_EQ(n, 2 * (int)nbits);
	/* The zero-block burst is only (20 + 3) * 8 long: compare that part
	 * for the sign, which is the same sequence c(n). */
	for (int i = 0; i < (20 + 3) * 8; i++) {
		int sign = zero_air[i] < 0;
		int bit = (air[i] < 0) ^ sign;

		CHECK_MSG(bit == want[i], "coded bit %d", i);
	}
}

static void fill(uint8_t *p, size_t n, uint32_t *seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd(seed);
}

static void test_roundtrip_configs(void)
{
	uint16_t sizes[] = { 1, 2, 16, 100, 257, PHY_MAX_TB };
	uint16_t cols[] = { 1, 3, 32, PHY_MAX_COLUMNS };
	uint32_t seed = 3;

	for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
		for (unsigned fec = 0; fec <= 1; fec++)
			for (unsigned reps = 1; reps <= PHY_MAX_REPS; reps += 3)
				for (size_t ci = 0; ci < 4; ci++) {
					struct phy_cfg cfg = { sizes[si], (uint8_t)reps, (uint8_t)fec,
							       cols[ci], 101 };
					uint32_t tti = rnd(&seed);
					int n;

					fill(tb, sizes[si], &seed);
					n = phy_encode(&cfg, tti, tb, &sc, air, sizeof air);
					CHECK_EQ(n, (int)phy_air_len(&cfg));
					CHECK_EQ(phy_decode(&cfg, tti, air, (size_t)n, &sc, back, sizeof back),
						 sizes[si]);
					CHECK(memcmp(back, tb, sizes[si]) == 0);
					/* Another TTI descrambles differently: CRC failure. */
					CHECK_EQ(phy_decode(&cfg, tti + 1, air, (size_t)n, &sc, back,
							    sizeof back), PHY_E_CRC);
				}
}

static void test_bad_args(void)
{
	struct phy_cfg ok = { 10, 1, PHY_FEC_CONV, 8, 0 }, cfg;
	int n = phy_encode(&ok, 0, tb, &sc, air, sizeof air);

	CHECK(n > 0);
	cfg = ok; cfg.tb_bytes = 0;
	CHECK_EQ(phy_cfg_check(&cfg), PHY_E_ARG);
	cfg = ok; cfg.tb_bytes = PHY_MAX_TB + 1;
	CHECK_EQ(phy_encode(&cfg, 0, tb, &sc, air, sizeof air), PHY_E_ARG);
	cfg = ok; cfg.reps = 0;
	CHECK_EQ(phy_decode(&cfg, 0, air, (size_t)n, &sc, back, sizeof back), PHY_E_ARG);
	cfg = ok; cfg.reps = PHY_MAX_REPS + 1;
	CHECK_EQ(phy_cfg_check(&cfg), PHY_E_ARG);
	cfg = ok; cfg.fec = 2;
	CHECK_EQ(phy_cfg_check(&cfg), PHY_E_ARG);
	cfg = ok; cfg.columns = 0;
	CHECK_EQ(phy_cfg_check(&cfg), PHY_E_ARG);
	cfg = ok; cfg.columns = PHY_MAX_COLUMNS + 1;
	CHECK_EQ(phy_cfg_check(&cfg), PHY_E_ARG);
	cfg = ok; cfg.cell_id = PHY_MAX_CELL_ID + 1;
	CHECK_EQ(phy_cfg_check(&cfg), PHY_E_ARG);
	CHECK_EQ(phy_encode(&ok, 0, tb, &sc, air, (size_t)n - 1), PHY_E_SPACE);
	CHECK_EQ(phy_decode(&ok, 0, air, (size_t)n - 1, &sc, back, sizeof back), PHY_E_LEN);
	CHECK_EQ(phy_decode(&ok, 0, air, (size_t)n + 1, &sc, back, sizeof back), PHY_E_LEN);
	CHECK_EQ(phy_decode(&ok, 0, air, (size_t)n, &sc, back, 9), PHY_E_SPACE);
	CHECK_EQ(phy_decode(&ok, 0, air, (size_t)n, &sc, back, 10), 10);
}

/*
 * Flipped symbols: the convolutional code corrects scattered errors (its
 * free distance is 10), repetitions correct by combining.
 */
static void test_error_correction(void)
{
	struct phy_cfg cfg = { 128, 1, PHY_FEC_CONV, 32, 7 };
	uint32_t seed = 11;
	int n, fixed = 0;

	for (int round = 0; round < 50; round++) {
		fill(tb, 128, &seed);
		n = phy_encode(&cfg, (uint32_t)round, tb, &sc, air, sizeof air);
		/* 2% of the symbols flipped; the interleaver spreads them. */
		for (int k = 0; k < n / 50; k++) {
			int i = (int)(rnd(&seed) % (uint32_t)n);
			air[i] = (int8_t)-air[i];
		}
		if (phy_decode(&cfg, (uint32_t)round, air, (size_t)n, &sc, back, sizeof back) == 128) {
			CHECK(memcmp(back, tb, 128) == 0);
			fixed++;
		}
	}
	CHECK_MSG(fixed >= 48, "only %d of 50 blocks decoded", fixed);
	/* No code, 3 repetitions: a whole repetition inverted is outvoted. */
	cfg.fec = PHY_FEC_NONE;
	cfg.reps = 3;
	fill(tb, 128, &seed);
	n = phy_encode(&cfg, 1, tb, &sc, air, sizeof air);
	for (int i = n / 3; i < 2 * n / 3; i++)
		air[i] = (int8_t)-air[i];
	CHECK_EQ(phy_decode(&cfg, 1, air, (size_t)n, &sc, back, sizeof back), 128);
	CHECK(memcmp(back, tb, 128) == 0);
	/* 2 repetitions, one erased (all zero): decoded from the other. */
	cfg.reps = 2;
	n = phy_encode(&cfg, 1, tb, &sc, air, sizeof air);
	memset(air, 0, (size_t)n / 2);
	CHECK_EQ(phy_decode(&cfg, 1, air, (size_t)n, &sc, back, sizeof back), 128);
	CHECK(memcmp(back, tb, 128) == 0);
	/* One repetition, no code: a single flip is a CRC failure. */
	cfg.reps = 1;
	n = phy_encode(&cfg, 1, tb, &sc, air, sizeof air);
	air[100] = (int8_t)-air[100];
	CHECK_EQ(phy_decode(&cfg, 1, air, (size_t)n, &sc, back, sizeof back), PHY_E_CRC);
}

/* Soft noise: uniform noise of amplitude up to 2x the signal, decoded with reps. */
static void test_soft_noise(void)
{
	struct phy_cfg cfg = { 64, 4, PHY_FEC_CONV, 16, 9 };
	uint32_t seed = 23;
	int ok = 0, n;

	for (int round = 0; round < 20; round++) {
		fill(tb, 64, &seed);
		n = phy_encode(&cfg, 5, tb, &sc, air, sizeof air);
		for (int i = 0; i < n; i++) {
			int v = air[i] + (int)(rnd(&seed) % 257) - 128;

			air[i] = (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
		}
		if (phy_decode(&cfg, 5, air, (size_t)n, &sc, back, sizeof back) == 64) {
			CHECK(memcmp(back, tb, 64) == 0);
			ok++;
		}
	}
	CHECK_MSG(ok == 20, "%d of 20", ok);
}

/* Random bursts, extreme values included: CRC failure, no bad access. */
static void test_random_bursts(void)
{
	struct phy_cfg cfg = { 40, 2, PHY_FEC_CONV, 5, 1 };
	uint32_t seed = 8;
	int n = (int)phy_air_len(&cfg), passed = 0;

	for (int round = 0; round < 300; round++) {
		cfg.fec = (uint8_t)(round % 2);
		n = (int)phy_air_len(&cfg);
		for (int i = 0; i < n; i++) {
			uint32_t r = rnd(&seed);
			air[i] = (int8_t)(r % 4 == 0 ? (r & 256 ? 127 : -128) : (int)(r >> 8));
		}
		if (phy_decode(&cfg, (uint32_t)round, air, (size_t)n, &sc, back, sizeof back) >= 0)
			passed++;
	}
	CHECK_EQ(passed, 0);
}

int main(void)
{
	RUN(test_crc24a);
	RUN(test_scrambling_sequence);
	RUN(test_conv_code);
	RUN(test_roundtrip_configs);
	RUN(test_bad_args);
	RUN(test_error_correction);
	RUN(test_soft_noise);
	RUN(test_random_bursts);
	return check_summary();
}
