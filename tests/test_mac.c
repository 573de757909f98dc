/*
 * Host tests for modem-stack/lib/mac.c: the logical channel prioritization
 * rules, multiplexing and demultiplexing round trips, the PDU format, every
 * malformed-PDU rejection, and 100,000 random and mutated PDUs.
 */
#include "check.h"
#include "mac.h"

#include <stdint.h>
#include <string.h>

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_mac_sched_config(void)
{
	struct mac_sched s;
	struct mac_lc_cfg lc[MAC_MAX_CHANNELS + 1] = {
		{ 1, 1, 10, 40 }, { 2, 2, 10, 40 },
	};

	CHECK_EQ(mac_sched_init(&s, lc, 2), MAC_OK);
	lc[1].lcid = 1;                   /* duplicate LCID */
	CHECK_EQ(mac_sched_init(&s, lc, 2), MAC_E_ARG);
	lc[1].lcid = 33;                  /* out of range */
	CHECK_EQ(mac_sched_init(&s, lc, 2), MAC_E_ARG);
	lc[1].lcid = 0;
	CHECK_EQ(mac_sched_init(&s, lc, 2), MAC_E_ARG);
	lc[1].lcid = 2;
	lc[1].priority = 17;
	CHECK_EQ(mac_sched_init(&s, lc, 2), MAC_E_ARG);
	lc[1].priority = 0;
	CHECK_EQ(mac_sched_init(&s, lc, 2), MAC_E_ARG);
	lc[1].priority = 2;
	lc[1].bucket = 5;                 /* smaller than one TTI's PBR */
	CHECK_EQ(mac_sched_init(&s, lc, 2), MAC_E_ARG);
	lc[1].pbr = MAC_PBR_INFINITE;     /* then the bucket does not matter */
	CHECK_EQ(mac_sched_init(&s, lc, 2), MAC_OK);
	CHECK_EQ(mac_sched_init(&s, lc, MAC_MAX_CHANNELS + 1), MAC_E_ARG);
	CHECK_EQ(mac_sched_init(&s, lc, 0), MAC_OK);
}

/* Strict priority when nobody has a PBR. */
static void test_mac_sched_strict(void)
{
	struct mac_sched s;
	struct mac_lc_cfg lc[3] = {
		{ 1, 3, 0, 0 }, { 2, 1, 0, 0 }, { 3, 2, 0, 0 },
	};
	uint32_t bo[3] = { 100, 100, 100 }, g[3];

	CHECK_EQ(mac_sched_init(&s, lc, 3), MAC_OK);
	mac_schedule(&s, bo, 150, g);
	CHECK_EQ(g[1], 100);              /* priority 1 first */
	CHECK_EQ(g[2], 50);
	CHECK_EQ(g[0], 0);
	mac_schedule(&s, bo, 1000, g);
	CHECK_EQ(g[0] + g[1] + g[2], 300); /* never more than asked for */
	bo[1] = 0;
	mac_schedule(&s, bo, 150, g);
	CHECK_EQ(g[1], 0);
	CHECK_EQ(g[2], 100);
	CHECK_EQ(g[0], 50);
}

/* The prioritized bit rate protects a low-priority channel from starving. */
static void test_mac_sched_pbr(void)
{
	struct mac_sched s;
	struct mac_lc_cfg lc[2] = {
		{ 1, 1, 0, 0 },       /* high priority, no PBR */
		{ 2, 2, 30, 90 },     /* low priority, 30 bytes per TTI, bucket 3 TTIs */
	};
	uint32_t bo[2] = { 1000, 1000 }, g[2], total = 0;

	CHECK_EQ(mac_sched_init(&s, lc, 2), MAC_OK);
	for (int t = 0; t < 100; t++) {
		mac_schedule(&s, bo, 200, g);
		CHECK_EQ(g[0] + g[1], 200);
		CHECK_EQ(g[1], 30);   /* exactly its PBR, every TTI */
		total += g[1];
	}
	CHECK_EQ(total, 3000);
	/* Idle for a while: the bucket saves up to 90 bytes, not more. */
	bo[1] = 0;
	for (int t = 0; t < 10; t++)
		mac_schedule(&s, bo, 200, g);
	bo[1] = 1000;
	mac_schedule(&s, bo, 200, g);
	CHECK_EQ(g[1], 90);
	CHECK_EQ(g[0], 110);
	mac_schedule(&s, bo, 200, g);
	CHECK_EQ(g[1], 30);
	/* Served above its tokens in step 3, it goes negative and waits. */
	bo[0] = 0;
	mac_schedule(&s, bo, 200, g);
	CHECK_EQ(g[1], 200);
	CHECK_EQ(s.tokens[1], 30 - 30); /* step 2 charges only the step-1 bytes */
	bo[0] = 1000;
	mac_schedule(&s, bo, 200, g);
	CHECK_EQ(g[1], 30);
}

/* An infinite PBR channel takes everything it wants first. */
static void test_mac_sched_infinite(void)
{
	struct mac_sched s;
	struct mac_lc_cfg lc[2] = {
		{ 5, 1, 50, 100 },
		{ 6, 2, MAC_PBR_INFINITE, 0 },
	};
	uint32_t bo[2] = { 500, 120 }, g[2];

	CHECK_EQ(mac_sched_init(&s, lc, 2), MAC_OK);
	mac_schedule(&s, bo, 150, g);
	CHECK_EQ(g[0], 50);   /* its tokens first (higher priority) */
	CHECK_EQ(g[1], 100);  /* then the infinite one, up to what is left */
	mac_schedule(&s, bo, 300, g);
	CHECK_EQ(g[0], 180);
	CHECK_EQ(g[1], 120);
}

/* Random schedules keep the invariants: sum <= tbs, grant <= bo. */
static void test_mac_sched_invariants(void)
{
	struct mac_sched s;
	struct mac_lc_cfg lc[MAC_MAX_CHANNELS];
	uint32_t bo[MAC_MAX_CHANNELS], g[MAC_MAX_CHANNELS], seed = 7;

	for (int round = 0; round < 200; round++) {
		unsigned n = 1 + rnd(&seed) % MAC_MAX_CHANNELS;

		for (unsigned j = 0; j < n; j++) {
			lc[j].lcid = (uint8_t)(j + 1);
			lc[j].priority = (uint8_t)(1 + rnd(&seed) % 16);
			lc[j].pbr = rnd(&seed) % 5 == 0 ? MAC_PBR_INFINITE : rnd(&seed) % 200;
			lc[j].bucket = lc[j].pbr == MAC_PBR_INFINITE ? 0 : lc[j].pbr * (1 + rnd(&seed) % 8);
		}
		CHECK_EQ(mac_sched_init(&s, lc, n), MAC_OK);
		for (int t = 0; t < 50; t++) {
			uint32_t tbs = rnd(&seed) % 2000, sum = 0, want = 0;

			for (unsigned j = 0; j < n; j++)
				bo[j] = rnd(&seed) % 3 == 0 ? 0 : rnd(&seed) % 1500;
			mac_schedule(&s, bo, tbs, g);
			for (unsigned j = 0; j < n; j++) {
				CHECK(g[j] <= bo[j]);
				sum += g[j];
				want += bo[j];
			}
			CHECK(sum <= tbs);
			CHECK_EQ(sum, want < tbs ? want : tbs); /* work-conserving */
		}
	}
}

static void test_mac_mux_format(void)
{
	uint8_t a[3] = { 0xa1, 0xa2, 0xa3 }, b[300], tb[400];
	struct mac_sdu_in in[2] = { { 4, a, 3 }, { 32, b, 300 } };
	struct mac_sdu out[4];

	memset(b, 0xbb, sizeof b);
	CHECK_EQ(mac_mux(in, 2, tb, 320), 320);
	CHECK_EQ(tb[0], 0x04);      /* R=0 F=0 LCID 4 */
	CHECK_EQ(tb[1], 3);
	CHECK(memcmp(tb + 2, a, 3) == 0);
	CHECK_EQ(tb[5], 0x40 | 32); /* F=1: 16-bit L */
	CHECK_EQ(tb[6], 300 >> 8);
	CHECK_EQ(tb[7], 300 & 0xff);
	CHECK_EQ(tb[308], MAC_LCID_PADDING);
	for (int i = 309; i < 320; i++)
		CHECK_EQ(tb[i], 0);
	CHECK_EQ(mac_demux(tb, 320, out, 4), 2);
	CHECK_EQ(out[0].lcid, 4);
	CHECK_EQ(out[0].off, 2);
	CHECK_EQ(out[0].len, 3);
	CHECK_EQ(out[1].lcid, 32);
	CHECK_EQ(out[1].off, 8);
	CHECK_EQ(out[1].len, 300);
	/* Exactly full: no padding subheader. */
	CHECK_EQ(mac_mux(in, 2, tb, 308), 308);
	CHECK_EQ(mac_demux(tb, 308, out, 4), 2);
	/* One byte short. */
	CHECK_EQ(mac_mux(in, 2, tb, 307), MAC_E_SPACE);
	/* Nothing to send: all padding. */
	CHECK_EQ(mac_mux(in, 0, tb, 50), 50);
	CHECK_EQ(mac_demux(tb, 50, out, 4), 0);
	CHECK_EQ(mac_mux(in, 0, tb, 0), 0);
	CHECK_EQ(mac_demux(tb, 0, out, 4), 0);
	/* Bad SDUs. */
	in[0].lcid = 0;
	CHECK_EQ(mac_mux(in, 1, tb, 50), MAC_E_ARG);
	in[0].lcid = 33;
	CHECK_EQ(mac_mux(in, 1, tb, 50), MAC_E_ARG);
	in[0].lcid = 1;
	in[0].len = 0;
	CHECK_EQ(mac_mux(in, 1, tb, 50), MAC_E_ARG);
	CHECK_EQ(mac_mux(in, 0, tb, MAC_MAX_TB + 1), MAC_E_ARG);
}

static void test_mac_demux_malformed(void)
{
	struct mac_sdu out[4];
	uint8_t p[8];

	/* Reserved bit. */
	p[0] = 0x81; p[1] = 1; p[2] = 0;
	CHECK_EQ(mac_demux(p, 3, out, 4), MAC_E_MALFORMED);
	/* Reserved LCIDs 0 and 33..62. */
	p[0] = 0x00;
	CHECK_EQ(mac_demux(p, 3, out, 4), MAC_E_MALFORMED);
	p[0] = 33;
	CHECK_EQ(mac_demux(p, 3, out, 4), MAC_E_MALFORMED);
	p[0] = 62;
	CHECK_EQ(mac_demux(p, 3, out, 4), MAC_E_MALFORMED);
	/* Truncated subheaders. */
	p[0] = 1;
	CHECK_EQ(mac_demux(p, 1, out, 4), MAC_E_MALFORMED);
	p[0] = 0x41; p[1] = 0;
	CHECK_EQ(mac_demux(p, 2, out, 4), MAC_E_MALFORMED);
	/* L past the end, and L = 0. */
	p[0] = 1; p[1] = 2; p[2] = 9;
	CHECK_EQ(mac_demux(p, 3, out, 4), MAC_E_MALFORMED);
	p[1] = 0;
	CHECK_EQ(mac_demux(p, 3, out, 4), MAC_E_MALFORMED);
	p[0] = 0x41; p[1] = 0xff; p[2] = 0xff; p[3] = 1;
	CHECK_EQ(mac_demux(p, 4, out, 4), MAC_E_MALFORMED);
	/* Longer than any transport block. */
	CHECK_EQ(mac_demux(p, MAC_MAX_TB + 1, out, 4), MAC_E_MALFORMED);
	/* More SDUs than the caller holds. */
	for (int i = 0; i < 4; i++) {
		p[2 * i] = 1;
		p[2 * i + 1] = 0;
	}
	p[0] = 1; p[1] = 1; p[2] = 0xee; p[3] = 2; p[4] = 1; p[5] = 0xdd;
	CHECK_EQ(mac_demux(p, 6, out, 2), 2);
	CHECK_EQ(mac_demux(p, 6, out, 1), MAC_E_TOO_MANY);
	/* Padding hides anything after it, even garbage. */
	p[0] = MAC_LCID_PADDING; p[1] = 0xff;
	CHECK_EQ(mac_demux(p, 2, out, 4), 0);
	/* The long form is accepted for short SDUs too. */
	p[0] = 0x42; p[1] = 0; p[2] = 1; p[3] = 0x77;
	CHECK_EQ(mac_demux(p, 4, out, 4), 1);
	CHECK_EQ(out[0].lcid, 2);
	CHECK_EQ(out[0].len, 1);
	CHECK_EQ(out[0].off, 3);
}

/* Random multiplexes come back exactly. */
static void test_mac_roundtrip_random(void)
{
	static uint8_t data[MAC_MAX_SDUS][600];
	static uint8_t tb[MAC_MAX_TB];
	struct mac_sdu_in in[MAC_MAX_SDUS];
	struct mac_sdu out[MAC_MAX_SDUS];
	uint32_t seed = 31337;

	for (int round = 0; round < 2000; round++) {
		unsigned n = rnd(&seed) % MAC_MAX_SDUS;
		size_t used = 0, tbs;

		for (unsigned i = 0; i < n; i++) {
			in[i].lcid = (uint8_t)(1 + rnd(&seed) % MAC_MAX_LCID);
			in[i].len = 1 + rnd(&seed) % (rnd(&seed) % 4 == 0 ? 600 : 40);
			for (size_t k = 0; k < in[i].len; k++)
				data[i][k] = (uint8_t)rnd(&seed);
			in[i].data = data[i];
			used += mac_subheader_len(in[i].len) + in[i].len;
		}
		tbs = used + rnd(&seed) % 20; /* at most 64 x 603 + 19 < MAC_MAX_TB */
		CHECK((size_t)mac_mux(in, n, tb, tbs) == tbs);
		CHECK_EQ(mac_demux(tb, tbs, out, MAC_MAX_SDUS), n);
		for (unsigned i = 0; i < n; i++) {
			CHECK_EQ(out[i].lcid, in[i].lcid);
			CHECK_EQ(out[i].len, in[i].len);
			CHECK(memcmp(tb + out[i].off, in[i].data, in[i].len) == 0);
		}
	}
}

/* 100,000 hostile PDUs: every SDU reported lies inside the PDU. */
static void test_mac_demux_fuzz(void)
{
	static uint8_t p[2048];
	struct mac_sdu out[MAC_MAX_SDUS];
	uint32_t seed = 2024;

	for (int i = 0; i < 100000; i++) {
		size_t len = rnd(&seed) % (rnd(&seed) % 16 == 0 ? sizeof p : 64);
		int n;

		for (size_t k = 0; k < len; k++) {
			uint32_t r = rnd(&seed);
			/* Mostly plausible subheader bytes and small lengths. */
			p[k] = (uint8_t)(r % 3 == 0 ? (r >> 8) % 40 : r >> 16);
		}
		n = mac_demux(p, len, out, (unsigned)(1 + rnd(&seed) % MAC_MAX_SDUS));
		CHECK(n >= MAC_E_TOO_MANY);
		for (int k = 0; k < n; k++) {
			CHECK(out[k].lcid >= 1 && out[k].lcid <= MAC_MAX_LCID);
			CHECK(out[k].len >= 1 && (size_t)out[k].off + out[k].len <= len);
			CHECK(k == 0 || out[k].off >= out[k - 1].off + out[k - 1].len);
		}
	}
}

int main(void)
{
	RUN(test_mac_sched_config);
	RUN(test_mac_sched_strict);
	RUN(test_mac_sched_pbr);
	RUN(test_mac_sched_infinite);
	RUN(test_mac_sched_invariants);
	RUN(test_mac_mux_format);
	RUN(test_mac_demux_malformed);
	RUN(test_mac_roundtrip_random);
	RUN(test_mac_demux_fuzz);
	return check_summary();
}
