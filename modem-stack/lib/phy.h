/*
 * The PHY-facing stage: channel coding of one transport block per TTI,
 * modelled on the LTE downlink shared channel chain (TS 36.212/36.211),
 * simplified as docs/modem.md says:
 *
 *   encode: TB + CRC-24A -> K=7 rate-1/2 convolutional code (polynomials
 *           133, 171 octal, zero tail) -> block interleaver (row in, column
 *           out) -> `reps` repetitions, each cyclically shifted -> BPSK
 *           symbols (+64 for bit 0, -64 for bit 1) -> Gold-sequence
 *           scrambling (36.211 7.2) over the whole burst
 *   decode: descramble, deinterleave and combine the repetitions into soft
 *           values, soft-decision Viterbi, CRC-24A check
 *
 * The "air" is one signed byte per coded symbol, so a test can add noise.
 * The work per TTI grows linearly with tb_bytes and with reps (the PHY work
 * factor): reps x coded bits for scrambling and interleaving, and 64 states
 * x info bits for the Viterbi decoder. fec = PHY_FEC_NONE leaves out the
 * convolutional code (hard decision on the combined soft values).
 *
 * Pure computation over caller buffers: no allocation, no globals except
 * const tables. Input symbols are arbitrary: decode never reads or writes
 * outside its buffers, whatever they hold.
 */
#ifndef MUON_MODEM_PHY_H
#define MUON_MODEM_PHY_H

#include <stddef.h>
#include <stdint.h>

#define PHY_MAX_TB 1024
#define PHY_CRC_BYTES 3
#define PHY_MAX_REPS 8
#define PHY_MAX_COLUMNS 256
#define PHY_TAIL_BITS 6
#define PHY_MAX_BITS ((PHY_MAX_TB + PHY_CRC_BYTES) * 8 + PHY_TAIL_BITS)
#define PHY_MAX_CODED (2 * PHY_MAX_BITS)
#define PHY_MAX_AIR (PHY_MAX_CODED * PHY_MAX_REPS)
#define PHY_AMPLITUDE 64
#define PHY_MAX_CELL_ID 503

enum phy_fec {
	PHY_FEC_NONE = 0,
	PHY_FEC_CONV = 1,
};

enum phy_err {
	PHY_OK = 0,
	PHY_E_ARG = -1,    /* configuration out of range */
	PHY_E_SPACE = -2,  /* output buffer too small */
	PHY_E_LEN = -3,    /* air burst of the wrong length */
	PHY_E_CRC = -4,    /* CRC-24A mismatch: the transport block is lost */
};

struct phy_cfg {
	uint16_t tb_bytes; /* 1..PHY_MAX_TB */
	uint8_t reps;      /* 1..PHY_MAX_REPS: the PHY work factor */
	uint8_t fec;       /* enum phy_fec */
	uint16_t columns;  /* interleaver columns, 1..PHY_MAX_COLUMNS */
	uint16_t cell_id;  /* scrambling identity, 0..PHY_MAX_CELL_ID */
};

/* Working memory for one encoding or decoding thread (about 150 KiB). */
struct phy_scratch {
	uint16_t perm[PHY_MAX_CODED];  /* interleaver: k-th sent bit's index */
	int16_t soft[PHY_MAX_CODED];   /* combined soft values */
	uint8_t coded[PHY_MAX_CODED];  /* coded bits, one per byte */
	uint32_t surv[PHY_MAX_BITS][2]; /* Viterbi decisions, a bit per state */
	uint8_t block[PHY_MAX_TB + PHY_CRC_BYTES];
};

/* PHY_OK or PHY_E_ARG. */
int phy_cfg_check(const struct phy_cfg *cfg);

/* Air symbols per TTI for a valid configuration. */
size_t phy_air_len(const struct phy_cfg *cfg);

/* CRC-24A (36.212 5.1.1): polynomial 0x864cfb, initial 0, MSB first. */
uint32_t phy_crc24a(const uint8_t *data, size_t len);

/*
 * Encodes cfg->tb_bytes of tb for TTI tti into air[0..cap): returns the
 * number of symbols (phy_air_len) or a negative enum phy_err.
 */
int phy_encode(const struct phy_cfg *cfg, uint32_t tti, const uint8_t *tb,
	       struct phy_scratch *sc, int8_t *air, size_t cap);

/*
 * Decodes a burst of len symbols for TTI tti into tb[0..cap): returns
 * cfg->tb_bytes, or PHY_E_CRC (tb then holds what was decoded, unusable),
 * PHY_E_LEN, PHY_E_SPACE or PHY_E_ARG.
 */
int phy_decode(const struct phy_cfg *cfg, uint32_t tti, const int8_t *air,
	       size_t len, struct phy_scratch *sc, uint8_t *tb, size_t cap);

#endif /* MUON_MODEM_PHY_H */
