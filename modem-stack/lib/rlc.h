/*
 * RLC segmentation and reassembly, unacknowledged mode, modelled on 3GPP
 * TS 38.322 (NR RLC UM) with two differences written down in
 * docs/modem.md: every PDU carries the SDU's 12-bit SN (NR leaves it out of
 * unsegmented SDUs), so the receiver sees lost and duplicated whole SDUs;
 * and SDUs are delivered in SN order, a hole being given up after
 * t_reassembly TTIs.
 *
 *   byte 0: SI[1:0] | R R | SN[11:8]   byte 1: SN[7:0]
 *   bytes 2-3 (middle and last segments only): SO, big-endian
 *   then at least one data byte
 *
 *   SI: 0 = whole SDU, 1 = first segment, 2 = last, 3 = middle.
 *
 * One PDU holds one SDU or one segment of one; MAC multiplexes several.
 * Every buffer is a fixed array in the entity; input PDUs are hostile: a
 * malformed, duplicate or out-of-window PDU is counted and dropped, an SDU
 * whose segments do not join up is discarded whole, never delivered.
 */
#ifndef MUON_MODEM_RLC_H
#define MUON_MODEM_RLC_H

#include <stddef.h>
#include <stdint.h>

#define RLC_SN_MOD 4096u
#define RLC_HALF (RLC_SN_MOD / 2)
#define RLC_HDR_WHOLE 2         /* whole SDU and first segment */
#define RLC_HDR_SO 4            /* middle and last segments */
#define RLC_MAX_SDU 1536        /* >= PDCP_MAX_PDU */
#define RLC_TX_QUEUE 8          /* SDUs waiting in a transmitting entity */
#define RLC_RX_WINDOW 16        /* SNs a receiving entity reassembles at once */

enum rlc_si {
	RLC_SI_WHOLE = 0,
	RLC_SI_FIRST = 1,
	RLC_SI_LAST = 2,
	RLC_SI_MIDDLE = 3,
};

enum rlc_err {
	RLC_OK = 0,
	RLC_E_ARG = -1,       /* empty SDU or longer than RLC_MAX_SDU */
	RLC_E_FULL = -2,      /* the transmit queue is full */
	RLC_E_SHORT = -3,     /* PDU without room for its header and one data byte */
	RLC_E_HEADER = -4,    /* reserved bits set */
	RLC_E_DUP = -5,       /* SN or segment already received */
	RLC_E_OLD = -6,       /* SN behind the window (already delivered or given up) */
	RLC_E_SEGMENT = -7,   /* a segment that does not join the bytes received: SDU discarded */
	RLC_E_SPACE = -8,     /* output buffer too small: that SDU is discarded */
};

struct rlc_tx {
	uint16_t next_sn;              /* SN of the next SDU enqueued */
	uint16_t head, count;          /* queue of SDUs: head index, how many */
	uint16_t so;                   /* bytes of the head SDU already sent */
	uint16_t len[RLC_TX_QUEUE];
	uint16_t sn[RLC_TX_QUEUE];
	uint8_t buf[RLC_TX_QUEUE][RLC_MAX_SDU];
	uint32_t sdus, pdus, full_drops; /* statistics */
};

enum rlc_slot_state {
	RLC_EMPTY,                     /* nothing received for this SN */
	RLC_PARTIAL,                   /* bytes [0, got) received */
	RLC_DONE,                      /* whole SDU of `got` bytes */
	RLC_BROKEN,                    /* segments did not join: to be discarded */
};

struct rlc_rx_slot {
	uint8_t state;                 /* enum rlc_slot_state */
	uint16_t got;
	uint8_t buf[RLC_MAX_SDU];
};

struct rlc_rx_stats {
	uint32_t pdus;                 /* accepted PDUs */
	uint32_t delivered;            /* SDUs handed up */
	uint32_t lost;                 /* SNs skipped with nothing received */
	uint32_t incomplete;           /* SNs discarded with some bytes received */
	uint32_t dup, old, malformed, bad_segment, too_big;
};

struct rlc_rx {
	uint16_t next;                 /* oldest SN not yet delivered or given up */
	uint8_t stuck;                 /* the head has waited since stuck_since */
	uint32_t now, stuck_since;     /* TTIs counted by rlc_rx_tick */
	uint32_t t_reassembly;         /* TTIs a hole may wait */
	struct rlc_rx_slot slot[RLC_RX_WINDOW]; /* SN n in slot n % RLC_RX_WINDOW */
	struct rlc_rx_stats st;
};

void rlc_tx_init(struct rlc_tx *tx);

/* Queues one SDU (1..RLC_MAX_SDU bytes) and gives it the next SN. */
int rlc_tx_enqueue(struct rlc_tx *tx, const uint8_t *sdu, size_t len);

/* Buffer occupancy: bytes of RLC PDUs needed to send the whole queue. */
uint32_t rlc_tx_bo(const struct rlc_tx *tx);

/* SDUs queued or partly sent. */
unsigned rlc_tx_queued(const struct rlc_tx *tx);

/*
 * Builds the next PDU, at most max bytes, into out (which has room for max
 * bytes): the rest of the head SDU if it fits, else a segment of it.
 * Returns the PDU length, or 0 when nothing is queued or max leaves no room
 * for a header and one data byte.
 */
size_t rlc_tx_pdu(struct rlc_tx *tx, uint8_t *out, size_t max);

/* t_reassembly: TTIs a receiver waits for a missing SN before skipping it. */
void rlc_rx_init(struct rlc_rx *rx, uint32_t t_reassembly);

/* Takes one PDU: RLC_OK, or a negative enum rlc_err (counted and dropped). */
int rlc_rx_pdu(struct rlc_rx *rx, const uint8_t *pdu, size_t len);

/* Length of the SDU rlc_rx_pop would deliver now, 0 if none. */
size_t rlc_rx_ready(struct rlc_rx *rx);

/*
 * Delivers the next SDU in SN order into out[0..cap): its length, 0 if the
 * next SN is not complete, or RLC_E_SPACE if cap is smaller than the SDU
 * (which is then discarded so that the entity cannot stall).
 */
int rlc_rx_pop(struct rlc_rx *rx, uint8_t *out, size_t cap);

/*
 * One TTI has passed: if the head SN is incomplete while a later SN has
 * data, and has been for t_reassembly TTIs, it is given up (lost or
 * incomplete) and the window moves on. Call after the TTI's PDUs.
 */
void rlc_rx_tick(struct rlc_rx *rx);

#endif /* MUON_MODEM_RLC_H */
