/*
 * PHY channel coding (see phy.h and docs/modem.md).
 */
#include "phy.h"

#include <string.h>

#define G0 0133u /* generator polynomials; bit 0 is the newest input bit */
#define G1 0171u
#define STATES 64
#define NC 1600  /* Gold sequence offset (36.211 7.2) */
#define MASK28 0x0fffffffu

/* CRC-24A four bits at a time: entry n is n x^24 mod the polynomial. */
static const uint32_t crc24a_nibble[16] = {
	0x000000, 0x864cfb, 0x8ad50d, 0x0c99f6, 0x93e6e1, 0x15aa1a, 0x1933ec, 0x9f7f17,
	0xa18139, 0x27cdc2, 0x2b5434, 0xad18cf, 0x3267d8, 0xb42b23, 0xb8b2d5, 0x3efe2e,
};

uint32_t phy_crc24a(const uint8_t *data, size_t len)
{
	uint32_t crc = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		crc = ((crc << 4) & 0xffffffu) ^ crc24a_nibble[((crc >> 20) ^ (data[i] >> 4)) & 15u];
		crc = ((crc << 4) & 0xffffffu) ^ crc24a_nibble[((crc >> 20) ^ data[i]) & 15u];
	}
	return crc;
}

int phy_cfg_check(const struct phy_cfg *cfg)
{
	if (cfg->tb_bytes < 1 || cfg->tb_bytes > PHY_MAX_TB ||
	    cfg->reps < 1 || cfg->reps > PHY_MAX_REPS ||
	    cfg->fec > PHY_FEC_CONV ||
	    cfg->columns < 1 || cfg->columns > PHY_MAX_COLUMNS ||
	    cfg->cell_id > PHY_MAX_CELL_ID)
		return PHY_E_ARG;
	return PHY_OK;
}

/* Bits into the coder: TB and CRC, plus the tail with the code. */
static size_t info_bits(const struct phy_cfg *cfg)
{
	size_t n = ((size_t)cfg->tb_bytes + PHY_CRC_BYTES) * 8;

	return cfg->fec == PHY_FEC_CONV ? n + PHY_TAIL_BITS : n;
}

static size_t coded_bits(const struct phy_cfg *cfg)
{
	return cfg->fec == PHY_FEC_CONV ? 2 * info_bits(cfg) : info_bits(cfg);
}

size_t phy_air_len(const struct phy_cfg *cfg)
{
	return coded_bits(cfg) * cfg->reps;
}

static unsigned parity7(unsigned v)
{
	v ^= v >> 4;
	v ^= v >> 2;
	v ^= v >> 1;
	return v & 1u;
}

/* ---- Gold sequence, 28 bits per step ---- */

struct gold {
	uint32_t x1, x2; /* bit i holds x(n + i), i = 0..30 */
};

/*
 * c(n..n+27), then n += 28. New bits 0..27 need x(n+i+3) at most, which
 * the 31-bit registers hold, so 28 of them come from one shift-and-XOR.
 */
static uint32_t gold_next28(struct gold *g)
{
	uint32_t c = (g->x1 ^ g->x2) & MASK28;
	uint32_t n1 = ((g->x1 >> 3) ^ g->x1) & MASK28;
	uint32_t n2 = ((g->x2 >> 3) ^ (g->x2 >> 2) ^ (g->x2 >> 1) ^ g->x2) & MASK28;

	g->x1 = (g->x1 >> 28) | (n1 << 3);
	g->x2 = (g->x2 >> 28) | (n2 << 3);
	return c;
}

static void gold_init(struct gold *g, uint32_t c_init)
{
	unsigned i;

	g->x1 = 1;
	g->x2 = c_init & 0x7fffffffu;
	/* Skip NC = 1600 bits: 57 x 28 = 1596, then 4 single steps. */
	for (i = 0; i < NC / 28; i++)
		(void)gold_next28(g);
	for (i = 0; i < NC % 28; i++) {
		uint32_t n1 = ((g->x1 >> 3) ^ g->x1) & 1u;
		uint32_t n2 = ((g->x2 >> 3) ^ (g->x2 >> 2) ^ (g->x2 >> 1) ^ g->x2) & 1u;

		g->x1 = (g->x1 >> 1) | (n1 << 30);
		g->x2 = (g->x2 >> 1) | (n2 << 30);
	}
}

/* Like 36.211's PDSCH c_init, from the frame, subframe and cell. */
static uint32_t scrambling_init(const struct phy_cfg *cfg, uint32_t tti)
{
	return ((tti / 10) % 1024) << 14 | (tti % 10) << 9 | cfg->cell_id;
}

/*
 * Repetition r starts at another point of the interleaved sequence, like a
 * redundancy version: its first symbol carries interleaved bit
 * rep_start(r), and it wraps around.
 */
static size_t rep_start(size_t ncoded, unsigned r, unsigned reps)
{
	size_t shift = r * ncoded / reps;

	return shift == 0 ? 0 : ncoded - shift;
}

/* Row-in, column-out order: perm[k] is the k-th transmitted coded bit. */
static void build_perm(size_t n, unsigned columns, uint16_t *perm)
{
	size_t rows = (n + columns - 1) / columns, r, k = 0, idx;
	unsigned c;

	for (c = 0; c < columns; c++)
		for (r = 0; r < rows; r++) {
			idx = r * columns + c;
			if (idx < n)
				perm[k++] = (uint16_t)idx;
		}
}

static unsigned get_bit(const uint8_t *p, size_t i)
{
	return (p[i / 8] >> (7 - i % 8)) & 1u;
}

/* The TB and its CRC (MSB first) as one block. */
static void attach_crc(const struct phy_cfg *cfg, const uint8_t *tb, uint8_t *block)
{
	uint32_t crc = phy_crc24a(tb, cfg->tb_bytes);

	memcpy(block, tb, cfg->tb_bytes);
	block[cfg->tb_bytes] = (uint8_t)(crc >> 16);
	block[cfg->tb_bytes + 1] = (uint8_t)(crc >> 8);
	block[cfg->tb_bytes + 2] = (uint8_t)crc;
}

static void conv_encode(const uint8_t *block, size_t nbits, uint8_t *coded)
{
	uint8_t out[2 * STATES];
	unsigned reg = 0, b;
	size_t i;

	for (reg = 0; reg < 2 * STATES; reg++)
		out[reg] = (uint8_t)(parity7(reg & G0) << 1 | parity7(reg & G1));
	reg = 0;
	for (i = 0; i < nbits; i++) {
		b = i < nbits - PHY_TAIL_BITS ? get_bit(block, i) : 0;
		reg = ((reg << 1) | b) & 0x7fu;
		coded[2 * i] = out[reg] >> 1;
		coded[2 * i + 1] = out[reg] & 1u;
	}
}

int phy_encode(const struct phy_cfg *cfg, uint32_t tti, const uint8_t *tb,
	       struct phy_scratch *sc, int8_t *air, size_t cap)
{
	size_t nbits, ncoded, k, i, n = 0;
	struct gold g;
	uint32_t c = 0;
	unsigned r, left = 0;

	if (phy_cfg_check(cfg) != PHY_OK)
		return PHY_E_ARG;
	if (cap < phy_air_len(cfg))
		return PHY_E_SPACE;
	nbits = info_bits(cfg);
	ncoded = coded_bits(cfg);
	attach_crc(cfg, tb, sc->block);
	if (cfg->fec == PHY_FEC_CONV)
		conv_encode(sc->block, nbits, sc->coded);
	else
		for (i = 0; i < nbits; i++)
			sc->coded[i] = (uint8_t)get_bit(sc->block, i);
	build_perm(ncoded, cfg->columns, sc->perm);
	/* Interleave, repeat, map to symbols and scramble in one pass over
	 * the burst, so the scrambling bits come in order. */
	gold_init(&g, scrambling_init(cfg, tti));
	for (r = 0; r < cfg->reps; r++) {
		k = rep_start(ncoded, r, cfg->reps);
		for (i = 0; i < ncoded; i++, n++) {
			if (left == 0) {
				c = gold_next28(&g);
				left = 28;
			}
			air[n] = (sc->coded[sc->perm[k]] ^ (c & 1u)) ? -PHY_AMPLITUDE : PHY_AMPLITUDE;
			c >>= 1;
			left--;
			if (++k == ncoded)
				k = 0;
		}
	}
	return (int)phy_air_len(cfg);
}

/* Descrambles, deinterleaves and sums the repetitions into sc->soft. */
static void combine(const struct phy_cfg *cfg, uint32_t tti, const int8_t *air,
		    struct phy_scratch *sc)
{
	size_t ncoded = coded_bits(cfg), n = 0, k;
	struct gold g;
	uint32_t c = 0;
	unsigned r, left = 0;
	int v;

	memset(sc->soft, 0, ncoded * sizeof sc->soft[0]);
	build_perm(ncoded, cfg->columns, sc->perm);
	gold_init(&g, scrambling_init(cfg, tti));
	for (r = 0; r < cfg->reps; r++) {
		k = rep_start(ncoded, r, cfg->reps);
		for (size_t i = 0; i < ncoded; i++, n++) {
			if (left == 0) {
				c = gold_next28(&g);
				left = 28;
			}
			v = (c & 1u) ? -air[n] : air[n];
			c >>= 1;
			left--;
			sc->soft[sc->perm[k]] = (int16_t)(sc->soft[sc->perm[k]] + v);
			if (++k == ncoded)
				k = 0;
		}
	}
}

/*
 * Which of the four output pairs (o0 << 1 | o1) the branch j -> 2j emits,
 * for j = 0..31: the (133, 171) code's outputs for register value 2j.
 * A wrong entry breaks decoding, which test_phy.c's round trips catch.
 */
static const uint8_t conv_q[STATES / 2] = {
	0, 2, 0, 2, 3, 1, 3, 1, 3, 1, 3, 1, 0, 2, 0, 2,
	1, 3, 1, 3, 2, 0, 2, 0, 2, 0, 2, 0, 1, 3, 1, 3,
};

/*
 * One add-compare-select pair for butterfly j: states j and j + 32 lead to
 * 2j and 2j + 1 with branch metrics +a, -a (into 2j) and -a, +a (into
 * 2j + 1). The decisions (1: from j + 32) enter dd at the top.
 */
static inline uint32_t butterfly(const int32_t *pm, int32_t *next, unsigned j,
				 int32_t a, uint32_t dd)
{
	int32_t m0 = pm[j] + a, m1 = pm[j + 32] - a;
	int32_t m2 = pm[j] - a, m3 = pm[j + 32] + a;
	/* Metrics stay far below 2^30, so differences cannot overflow. */
	uint32_t d0 = (uint32_t)(m0 - m1) >> 31, d1 = (uint32_t)(m2 - m3) >> 31;

	next[2 * j] = d0 ? m1 : m0;
	next[2 * j + 1] = d1 ? m3 : m2;
	return dd >> 2 | d0 << 30 | d1 << 31;
}

/*
 * Soft-decision Viterbi over nbits steps ending in state 0. The state is
 * the last 6 input bits, newest in bit 0; states j and j + 32 lead to 2j
 * and 2j + 1. Both polynomials tap the newest and the oldest bit, so the
 * four branches of a butterfly have metrics +A, -A, -A, +A: one metric per
 * butterfly. Decisions go into two 32-bit words per step (states 0-31,
 * 32-63), which suits the 32-bit target.
 */
static void viterbi(const int16_t *soft, size_t nbits, uint32_t (*surv)[2], uint8_t *block)
{
	int32_t buf_a[STATES], buf_b[STATES], *pm = buf_a, *next = buf_b, *tmp;
	int32_t bm[4];
	uint32_t dd;
	unsigned j, s, x;
	size_t t;

	for (s = 0; s < STATES; s++)
		pm[s] = s == 0 ? 0 : -(1 << 28);
	for (t = 0; t < nbits; t++) {
		int32_t y0 = soft[2 * t], y1 = soft[2 * t + 1];

		/* Correlation with the symbols a branch would have sent. */
		bm[0] = y0 + y1;
		bm[1] = y0 - y1;
		bm[2] = -bm[1];
		bm[3] = -bm[0];
		dd = 0;
#pragma GCC unroll 16
		for (j = 0; j < 16; j++)
			dd = butterfly(pm, next, j, bm[conv_q[j]], dd);
		surv[t][0] = dd;
		dd = 0;
#pragma GCC unroll 16
		for (j = 16; j < 32; j++)
			dd = butterfly(pm, next, j, bm[conv_q[j]], dd);
		surv[t][1] = dd;
		tmp = pm;
		pm = next;
		next = tmp;
	}
	/* Trace back from state 0; the bit entering at step t is bit 0 of
	 * the state after it. */
	memset(block, 0, (nbits - PHY_TAIL_BITS) / 8);
	s = 0;
	for (t = nbits; t-- > 0;) {
		if (t < nbits - PHY_TAIL_BITS && (s & 1u))
			block[t / 8] |= (uint8_t)(0x80u >> (t % 8));
		x = (surv[t][s >> 5] >> (s & 31)) & 1u;
		s = ((x << 6) | s) >> 1;
	}
}

int phy_decode(const struct phy_cfg *cfg, uint32_t tti, const int8_t *air,
	       size_t len, struct phy_scratch *sc, uint8_t *tb, size_t cap)
{
	size_t nbits, i, crc_at;
	uint32_t crc;

	if (phy_cfg_check(cfg) != PHY_OK)
		return PHY_E_ARG;
	if (cap < cfg->tb_bytes)
		return PHY_E_SPACE;
	if (len != phy_air_len(cfg))
		return PHY_E_LEN;
	nbits = info_bits(cfg);
	combine(cfg, tti, air, sc);
	if (cfg->fec == PHY_FEC_CONV) {
		viterbi(sc->soft, nbits, sc->surv, sc->block);
	} else {
		memset(sc->block, 0, nbits / 8);
		for (i = 0; i < nbits; i++)
			if (sc->soft[i] < 0)
				sc->block[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	}
	crc_at = cfg->tb_bytes;
	crc = (uint32_t)sc->block[crc_at] << 16 | (uint32_t)sc->block[crc_at + 1] << 8 |
	      sc->block[crc_at + 2];
	memcpy(tb, sc->block, cfg->tb_bytes);
	if (crc != phy_crc24a(sc->block, cfg->tb_bytes))
		return PHY_E_CRC;
	return cfg->tb_bytes;
}
