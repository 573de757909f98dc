/*
 * MAC: logical channel prioritization per TTI, multiplexing of RLC PDUs
 * into one MAC PDU (the transport block) and demultiplexing it again.
 *
 * PDU format (NR style, TS 38.321 6.1.2, subheader before each SDU):
 *
 *   R=0 | F | LCID[5:0]   L (8 bits if F = 0, 16 bits big-endian if F = 1)   SDU
 *   ... repeated ...
 *   R=0 | 0 | 63          padding up to the end of the transport block
 *
 * LCIDs 1..MAC_MAX_LCID carry data, 63 starts padding, the others are
 * reserved and make the PDU malformed. The sender uses the 8-bit L for SDUs
 * up to 255 bytes; the receiver accepts either form.
 *
 * The scheduler follows the logical channel prioritization of TS 36.321
 * 5.4.3.1 (prioritized bit rate with token buckets, then strict priority),
 * documented in docs/modem.md. No allocation, no globals; mac_demux treats
 * the PDU as hostile.
 */
#ifndef MUON_MODEM_MAC_H
#define MUON_MODEM_MAC_H

#include <stddef.h>
#include <stdint.h>

#define MAC_MAX_LCID 32
#define MAC_LCID_PADDING 63
#define MAC_MAX_CHANNELS 8       /* logical channels one scheduler serves */
#define MAC_MAX_SDUS 64          /* SDUs in one MAC PDU */
#define MAC_MAX_TB 65535         /* L is at most 16 bits */
#define MAC_SUBHDR_SHORT 2
#define MAC_SUBHDR_LONG 3
#define MAC_PBR_INFINITE 0xffffffffu

enum mac_err {
	MAC_OK = 0,
	MAC_E_ARG = -1,        /* bad channel configuration or LCID */
	MAC_E_SPACE = -2,      /* the SDUs do not fit in the transport block */
	MAC_E_MALFORMED = -3,  /* reserved bit or LCID, L past the end, truncated subheader */
	MAC_E_TOO_MANY = -4,   /* more SDUs than the caller's array holds */
};

/* Subheader bytes the sender uses for an SDU of len bytes. */
size_t mac_subheader_len(size_t len);

/* ---- logical channel prioritization ---- */

struct mac_lc_cfg {
	uint8_t lcid;          /* 1..MAC_MAX_LCID */
	uint8_t priority;      /* 1 (most important) .. 16 */
	uint32_t pbr;          /* prioritized bytes per TTI, or MAC_PBR_INFINITE */
	uint32_t bucket;       /* token bucket size in bytes (PBR x BSD) */
};

struct mac_sched {
	unsigned n;
	struct mac_lc_cfg lc[MAC_MAX_CHANNELS];
	uint8_t order[MAC_MAX_CHANNELS]; /* channel indexes by priority, then index */
	int64_t tokens[MAC_MAX_CHANNELS]; /* Bj: may go negative (36.321 step 2) */
};

/*
 * Validates n channels (distinct LCIDs, priorities 1..16, bucket >= pbr
 * unless pbr is infinite) and starts every bucket empty.
 */
int mac_sched_init(struct mac_sched *s, const struct mac_lc_cfg *lc, unsigned n);

/*
 * One TTI: bo[j] is what channel j has to send (bytes including its RLC
 * and MAC headers); grant[j] receives the bytes it may put in the TB,
 * MAC subheaders included. The grants sum to at most tbs and grant[j] <=
 * bo[j]. Buckets fill by pbr each call, capped at bucket.
 */
void mac_schedule(struct mac_sched *s, const uint32_t *bo, uint32_t tbs,
		  uint32_t *grant);

/* ---- multiplexing ---- */

struct mac_sdu_in {
	uint8_t lcid;
	const uint8_t *data;
	size_t len;           /* 1..MAC_MAX_TB */
};

/*
 * Writes the n SDUs with their subheaders into tb[0..tbs) and pads the
 * rest: returns tbs, or MAC_E_ARG (LCID out of range, empty SDU, tbs over
 * MAC_MAX_TB) or
 * MAC_E_SPACE. Leftover bytes are padding: one byte of LCID 63 and zeros.
 */
int mac_mux(const struct mac_sdu_in *sdus, unsigned n, uint8_t *tb, size_t tbs);

/* ---- demultiplexing ---- */

struct mac_sdu {
	uint8_t lcid;
	uint16_t off;         /* SDU at pdu + off */
	uint16_t len;
};

/*
 * Splits a MAC PDU of len bytes (at most MAC_MAX_TB) into at most max
 * SDUs, pointing into the PDU: returns how many, or MAC_E_MALFORMED /
 * MAC_E_TOO_MANY; a rejected PDU yields nothing (out[] may be scribbled).
 * Zero-length SDUs are malformed.
 */
int mac_demux(const uint8_t *pdu, size_t len, struct mac_sdu *out, unsigned max);

#endif /* MUON_MODEM_MAC_H */
