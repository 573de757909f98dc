/*
 * PDCP data PDUs with ciphering and integrity protection, modelled on
 * 3GPP TS 38.323 (NR PDCP) with a 12-bit SN. Format and key use are in
 * docs/modem.md; in short:
 *
 *   byte 0: D/C=1 | R R R | SN[11:8]    byte 1: SN[7:0]
 *   then the ciphered payload, then the ciphered 4-byte MAC-I
 *
 * COUNT = HFN << 12 | SN. MAC-I is the first 4 bytes of Poly1305 over the
 * header and the plaintext payload, under a one-time key that ChaCha20
 * block 0 of the integrity key gives for (COUNT, bearer, direction); the
 * payload and MAC-I are then ciphered with ChaCha20 under the ciphering key
 * from block 1 on, with the same nonce. As in NR, integrity covers the
 * header and plaintext and the MAC-I is ciphered with the data.
 *
 * A transmitting and a receiving entity are separate structures so that the
 * uplink and downlink stages (different threads) share nothing. Input PDUs
 * are hostile: every length is checked, nothing outside [pdu, pdu + len) is
 * read, nothing outside [out, out + cap) is written, and a PDU that fails any
 * check leaves the entity as it was. No allocation, no globals.
 */
#ifndef MUON_MODEM_PDCP_H
#define MUON_MODEM_PDCP_H

#include <stddef.h>
#include <stdint.h>

#define PDCP_SN_BITS 12
#define PDCP_SN_MOD (1u << PDCP_SN_BITS)
#define PDCP_WINDOW (PDCP_SN_MOD / 2)   /* COUNT estimation window (38.323 5.2.2.1) */
#define PDCP_HDR_BYTES 2
#define PDCP_MACI_BYTES 4
#define PDCP_OVERHEAD (PDCP_HDR_BYTES + PDCP_MACI_BYTES)
#define PDCP_MAX_SDU 1500
#define PDCP_MAX_PDU (PDCP_MAX_SDU + PDCP_OVERHEAD)
#define PDCP_REPLAY_BITS 64              /* COUNTs below the highest still accepted */
#define PDCP_MAX_BEARER 31               /* BEARER is 5 bits */
#define PDCP_KEY_BYTES 32

enum pdcp_dir {
	PDCP_UPLINK = 0,
	PDCP_DOWNLINK = 1,
};

enum pdcp_err {
	PDCP_OK = 0,
	PDCP_E_ARG = -1,       /* bad bearer/direction, SDU longer than PDCP_MAX_SDU */
	PDCP_E_SPACE = -2,     /* the output buffer is too small */
	PDCP_E_SHORT = -3,     /* PDU shorter than header + MAC-I, or longer than PDCP_MAX_PDU */
	PDCP_E_HEADER = -4,    /* a control PDU (D/C = 0) or reserved bits set */
	PDCP_E_INTEGRITY = -5, /* MAC-I mismatch: the PDU is discarded */
	PDCP_E_REPLAY = -6,    /* COUNT already received or older than the replay window */
	PDCP_E_COUNT = -7,     /* COUNT space exhausted: the keys must change */
};

struct pdcp_keys {
	uint8_t enc[PDCP_KEY_BYTES];  /* ciphering key */
	uint8_t integ[PDCP_KEY_BYTES]; /* integrity key */
};

struct pdcp_tx_ctx {
	struct pdcp_keys keys;
	uint8_t bearer;     /* 0..PDCP_MAX_BEARER */
	uint8_t dir;        /* enum pdcp_dir of the PDUs this entity sends */
	uint8_t exhausted;  /* TX_NEXT wrapped: refuse rather than reuse a COUNT */
	uint32_t tx_next;   /* COUNT of the next PDU */
};

struct pdcp_rx_ctx {
	struct pdcp_keys keys;
	uint8_t bearer;
	uint8_t dir;        /* enum pdcp_dir of the PDUs this entity receives */
	uint8_t any;        /* a PDU has been accepted */
	uint32_t rx_next;   /* highest accepted COUNT + 1 (0 before the first) */
	uint64_t seen;      /* bit i: COUNT rx_next - 1 - i was accepted */
};

/* 0 or PDCP_E_ARG (bearer > PDCP_MAX_BEARER or dir not 0/1). */
int pdcp_tx_init(struct pdcp_tx_ctx *ctx, const struct pdcp_keys *keys,
		 unsigned bearer, unsigned dir);
int pdcp_rx_init(struct pdcp_rx_ctx *ctx, const struct pdcp_keys *keys,
		 unsigned bearer, unsigned dir);

/*
 * Protects one SDU into pdu[0..cap): returns the PDU length (len +
 * PDCP_OVERHEAD) or a negative enum pdcp_err, in which case TX_NEXT is
 * unchanged. An empty SDU is allowed.
 */
int pdcp_tx(struct pdcp_tx_ctx *ctx, const uint8_t *sdu, size_t len,
	    uint8_t *pdu, size_t cap);

/*
 * Verifies and deciphers one PDU into sdu[0..cap): returns the SDU length
 * or a negative enum pdcp_err. On error the entity is unchanged and
 * sdu[0..cap) holds no plaintext of the rejected PDU. PDUs may arrive out of
 * order within PDCP_REPLAY_BITS of the highest COUNT; each COUNT is
 * accepted once. If count is not NULL it receives the PDU's COUNT.
 */
int pdcp_rx(struct pdcp_rx_ctx *ctx, const uint8_t *pdu, size_t len,
	    uint8_t *sdu, size_t cap, uint32_t *count);

#endif /* MUON_MODEM_PDCP_H */
