/*
 * One TTI of the modem protocol stack as eight stage functions, four per
 * direction, closed through a loopback "air" burst:
 *
 *   uplink:   SDUs -> pl_ul_pdcp -> pl_ul_rlc -> pl_ul_mac -> pl_ul_phy -> air
 *   downlink: air  -> pl_dl_phy  -> pl_dl_mac -> pl_dl_rlc -> pl_dl_pdcp -> SDUs
 *
 * The target runs each stage in a thread of its own and hands the buffers
 * (struct pl_batch, pl_tb, pl_air) from stage to stage. A stage reads only
 * its input buffer and the configuration, writes only its output buffer
 * and its own state structure: no state is shared between stages, so no
 * locks are needed as long as a buffer has one owner at a time. Every
 * buffer carries the TTI it belongs to.
 *
 * The loopback makes the downlink receive what the uplink sent: the
 * receiving PDCP entities use the uplink direction and keys, as a network
 * echoing the data back would. pl_tti() runs all eight stages in order over
 * the buffers of a struct pl_pipeline, for the host driver and tests.
 *
 * No allocation, no globals; all sizes are bounded by the constants below.
 */
#ifndef MUON_MODEM_PIPELINE_H
#define MUON_MODEM_PIPELINE_H

#include "mac.h"
#include "pdcp.h"
#include "phy.h"
#include "rlc.h"

#include <stddef.h>
#include <stdint.h>

#define PL_MAX_BEARERS 4
#define PL_BATCH_ITEMS 64
#define PL_BATCH_BYTES 16384
#define PL_MIN_TB 16
#define PL_MAX_T_REASSEMBLY 1000

enum pl_err {
	PL_OK = 0,
	PL_E_CFG = -1,   /* configuration out of range */
	PL_E_FULL = -2,  /* no room left in a batch */
};

struct pl_cfg {
	unsigned n_bearers;     /* 1..PL_MAX_BEARERS; bearer b is LCID b + 1 */
	unsigned tb_bytes;      /* transport block per TTI: PL_MIN_TB..PHY_MAX_TB */
	unsigned phy_reps;      /* PHY work factor: 1..PHY_MAX_REPS repetitions */
	unsigned phy_fec;       /* enum phy_fec */
	unsigned phy_columns;   /* interleaver columns: 1..PHY_MAX_COLUMNS */
	unsigned cell_id;       /* scrambling identity: 0..PHY_MAX_CELL_ID */
	unsigned priority[PL_MAX_BEARERS]; /* MAC priority 1..16 (1 first) */
	uint32_t pbr[PL_MAX_BEARERS];      /* prioritized bytes per TTI, or MAC_PBR_INFINITE */
	unsigned bsd_ttis;      /* bucket size duration: bucket = pbr x bsd_ttis (>= 1) */
	unsigned t_reassembly;  /* RLC: TTIs before a missing SN is skipped */
	struct pdcp_keys keys;  /* the same for every bearer */
};

/*
 * Defaults: 2 bearers, 64-byte TB, 1 repetition, convolutional code: about
 * 425,000 ARM instructions per TTI for all eight stages (docs/modem.md),
 * under half of a 1 ms TTI at one instruction per ns.
 */
void pl_cfg_default(struct pl_cfg *cfg);

/* PL_OK or PL_E_CFG. */
int pl_cfg_check(const struct pl_cfg *cfg);

/* ---- buffers handed from stage to stage ---- */

struct pl_item {
	uint8_t bearer;
	uint16_t len;
	uint32_t off;           /* bytes at data + off */
};

/* Packets (SDUs or PDUs) of several bearers for one TTI. */
struct pl_batch {
	uint32_t tti;
	unsigned n;             /* items */
	uint32_t used;          /* bytes of data[] in use */
	struct pl_item item[PL_BATCH_ITEMS];
	uint8_t data[PL_BATCH_BYTES];
};

/* A transport block: the MAC PDU of one TTI. */
struct pl_tb {
	uint32_t tti;
	int ok;                 /* 0: lost (CRC failure); the block is not to be used */
	uint16_t len;
	uint8_t data[PHY_MAX_TB];
};

/* One TTI's coded burst on the loopback air. */
struct pl_air {
	uint32_t tti;
	uint32_t len;
	int8_t sym[PHY_MAX_AIR];
};

void pl_batch_clear(struct pl_batch *b, uint32_t tti);

/* Copies one packet in: PL_OK, or PL_E_FULL (b unchanged). */
int pl_batch_add(struct pl_batch *b, unsigned bearer, const uint8_t *p, size_t len);

/* Room for one more packet: bytes at pl_batch_tail(b), 0 if none. */
size_t pl_batch_room(const struct pl_batch *b);
uint8_t *pl_batch_tail(struct pl_batch *b);

/* Appends the len bytes already written at pl_batch_tail(b) (len <= room). */
void pl_batch_commit(struct pl_batch *b, unsigned bearer, size_t len);

/* Items to look at: n, but never more than PL_BATCH_ITEMS. */
unsigned pl_batch_count(const struct pl_batch *b);

/*
 * Item i if it is well formed (inside data[], bearer below n_bearers):
 * returns its bytes and sets *bearer and *len, else NULL. Stages read their
 * input through this, so a damaged batch costs packets, not memory safety.
 */
const uint8_t *pl_batch_get(const struct pl_batch *b, unsigned i,
			    unsigned n_bearers, unsigned *bearer, size_t *len);

/* ---- stage states (each owned by its stage's thread) ---- */

struct pl_ul_pdcp {
	struct pdcp_tx_ctx tx[PL_MAX_BEARERS];
	uint32_t sdus, bytes, errors;
};

struct pl_ul_rlc {
	struct rlc_tx tx[PL_MAX_BEARERS];
	struct mac_sched sched;
	uint32_t pdus, queue_drops;
};

struct pl_ul_mac {
	uint32_t tbs, sdus, padding, errors;
};

struct pl_ul_phy {
	struct phy_scratch sc;
	uint32_t bursts, errors;
};

struct pl_dl_phy {
	struct phy_scratch sc;
	uint32_t tbs_ok, crc_errors, errors;
};

struct pl_dl_mac {
	uint32_t tbs, sdus, malformed, unknown_lcid, lost_tbs;
};

struct pl_dl_rlc {
	struct rlc_rx rx[PL_MAX_BEARERS];
	uint32_t sdus;
};

struct pl_dl_pdcp {
	struct pdcp_rx_ctx rx[PL_MAX_BEARERS];
	uint32_t sdus, bytes, integrity, replay, other;
};

/* Each returns PL_OK or PL_E_CFG. */
int pl_ul_pdcp_init(struct pl_ul_pdcp *s, const struct pl_cfg *cfg);
int pl_ul_rlc_init(struct pl_ul_rlc *s, const struct pl_cfg *cfg);
int pl_dl_rlc_init(struct pl_dl_rlc *s, const struct pl_cfg *cfg);
int pl_dl_pdcp_init(struct pl_dl_pdcp *s, const struct pl_cfg *cfg);

/*
 * The stages. Each clears its output, stamps it with the input's TTI and
 * returns the packets (or symbols, or TB bytes) it produced, or PL_E_CFG.
 * Rejected input is counted in the stage's state, never fatal.
 *
 * pl_ul_pdcp: protects each SDU (bearer < n_bearers) into a PDCP PDU.
 * pl_ul_rlc:  queues the PDCP PDUs, runs MAC prioritization for tb_bytes,
 *             and builds the RLC PDUs each bearer's grant allows.
 * pl_ul_mac:  multiplexes the RLC PDUs into one transport block.
 * pl_ul_phy:  CRC, coding, interleaving, repetition, scrambling.
 * pl_dl_phy:  the inverse; out->ok = 0 on a CRC failure.
 * pl_dl_mac:  demultiplexes the transport block into RLC PDUs.
 * pl_dl_rlc:  reassembles, ticks the reassembly timers, delivers PDCP PDUs
 *             in order (what does not fit waits for the next TTI).
 * pl_dl_pdcp: verifies and deciphers into SDUs.
 */
int pl_ul_pdcp(struct pl_ul_pdcp *s, const struct pl_cfg *cfg,
	       const struct pl_batch *in, struct pl_batch *out);
int pl_ul_rlc(struct pl_ul_rlc *s, const struct pl_cfg *cfg,
	      const struct pl_batch *in, struct pl_batch *out);
int pl_ul_mac(struct pl_ul_mac *s, const struct pl_cfg *cfg,
	      const struct pl_batch *in, struct pl_tb *out);
int pl_ul_phy(struct pl_ul_phy *s, const struct pl_cfg *cfg,
	      const struct pl_tb *in, struct pl_air *out);
int pl_dl_phy(struct pl_dl_phy *s, const struct pl_cfg *cfg,
	      const struct pl_air *in, struct pl_tb *out);
int pl_dl_mac(struct pl_dl_mac *s, const struct pl_cfg *cfg,
	      const struct pl_tb *in, struct pl_batch *out);
int pl_dl_rlc(struct pl_dl_rlc *s, const struct pl_cfg *cfg,
	      const struct pl_batch *in, struct pl_batch *out);
int pl_dl_pdcp(struct pl_dl_pdcp *s, const struct pl_cfg *cfg,
	       const struct pl_batch *in, struct pl_batch *out);

/* ---- the whole loop, for the host ---- */

struct pl_pipeline {
	struct pl_cfg cfg;
	struct pl_ul_pdcp ul_pdcp;
	struct pl_ul_rlc ul_rlc;
	struct pl_ul_mac ul_mac;
	struct pl_ul_phy ul_phy;
	struct pl_dl_phy dl_phy;
	struct pl_dl_mac dl_mac;
	struct pl_dl_rlc dl_rlc;
	struct pl_dl_pdcp dl_pdcp;
	struct pl_batch ul_pdcp_out, ul_rlc_out, dl_mac_out, dl_rlc_out;
	struct pl_tb ul_tb, dl_tb;
	struct pl_air air;
};

int pl_init(struct pl_pipeline *p, const struct pl_cfg *cfg);

/*
 * One TTI: sdus_in (stamped with the TTI) up the uplink, the burst through
 * the loopback air, and what the downlink delivers into sdus_out.
 */
int pl_tti(struct pl_pipeline *p, const struct pl_batch *sdus_in,
	   struct pl_batch *sdus_out);

/* Bytes still queued in the uplink RLC entities (0: the loop is drained). */
uint32_t pl_ul_backlog(const struct pl_pipeline *p);

/* ---- test traffic: self-checking SDUs ---- */

#define PL_SDU_HDR 8             /* sequence, bearer, length, check byte */

/*
 * Fills out[0..len) (len >= PL_SDU_HDR) with an SDU whose content follows
 * from (seed, bearer, seq): a header, then pseudo-random bytes.
 */
void pl_sdu_make(uint32_t seed, unsigned bearer, uint32_t seq, size_t len, uint8_t *out);

/* 0 and *bearer, *seq if sdu is such an SDU, intact; -1 if not. */
int pl_sdu_check(uint32_t seed, const uint8_t *sdu, size_t len,
		 unsigned *bearer, uint32_t *seq);

/* A deterministic length in [lo, hi] for (seed, bearer, seq). */
size_t pl_sdu_len(uint32_t seed, unsigned bearer, uint32_t seq, size_t lo, size_t hi);

#endif /* MUON_MODEM_PIPELINE_H */
