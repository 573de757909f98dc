/*
 * Host tests for modem-stack/lib/crypto.c and modem-stack/lib/pdcp.c: the RFC 8439
 * test vectors for ChaCha20 and Poly1305, PDCP round trips, COUNT and
 * replay handling, every rejection, and a seeded mutation run of pdcp_rx.
 */
#include "check.h"
#include "crypto.h"
#include "pdcp.h"

#include <stdint.h>
#include <string.h>

static void seq_bytes(uint8_t *p, size_t n, unsigned start)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

/* RFC 8439 2.3.2: the block function. */
static void test_chacha20_block_rfc(void)
{
	static const uint8_t want[64] = {
		0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
		0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
		0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
		0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
	};
	static const uint8_t nonce[12] = { 0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0 };
	uint8_t key[32], out[64];

	seq_bytes(key, 32, 0);
	chacha20_block(key, 1, nonce, out);
	CHECK(memcmp(out, want, 64) == 0);
}

/* RFC 8439 2.4.2: encryption of the "sunscreen" text, in uneven pieces. */
static void test_chacha20_encrypt_rfc(void)
{
	static const char text[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
				   "only one tip for the future, sunscreen would be it.";
	static const uint8_t want[114] = {
		0x6e, 0x2e, 0x35, 0x9a, 0x25, 0x68, 0xf9, 0x80, 0x41, 0xba, 0x07, 0x28, 0xdd, 0x0d, 0x69, 0x81,
		0xe9, 0x7e, 0x7a, 0xec, 0x1d, 0x43, 0x60, 0xc2, 0x0a, 0x27, 0xaf, 0xcc, 0xfd, 0x9f, 0xae, 0x0b,
		0xf9, 0x1b, 0x65, 0xc5, 0x52, 0x47, 0x33, 0xab, 0x8f, 0x59, 0x3d, 0xab, 0xcd, 0x62, 0xb3, 0x57,
		0x16, 0x39, 0xd6, 0x24, 0xe6, 0x51, 0x52, 0xab, 0x8f, 0x53, 0x0c, 0x35, 0x9f, 0x08, 0x61, 0xd8,
		0x07, 0xca, 0x0d, 0xbf, 0x50, 0x0d, 0x6a, 0x61, 0x56, 0xa3, 0x8e, 0x08, 0x8a, 0x22, 0xb6, 0x5e,
		0x52, 0xbc, 0x51, 0x4d, 0x16, 0xcc, 0xf8, 0x06, 0x81, 0x8c, 0xe9, 0x1a, 0xb7, 0x79, 0x37, 0x36,
		0x5a, 0xf9, 0x0b, 0xbf, 0x74, 0xa3, 0x5b, 0xe6, 0xb4, 0x0b, 0x8e, 0xed, 0xf2, 0x78, 0x5e, 0x42,
		0x87, 0x4d,
	};
	static const uint8_t nonce[12] = { 0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0 };
	struct chacha20_stream s;
	uint8_t key[32], out[114];

	CHECK_EQ(sizeof text - 1, 114);
	seq_bytes(key, 32, 0);
	chacha20_stream_init(&s, key, 1, nonce);
	chacha20_stream_xor(&s, (const uint8_t *)text, out, 1);
	chacha20_stream_xor(&s, (const uint8_t *)text + 1, out + 1, 70);
	chacha20_stream_xor(&s, (const uint8_t *)text + 71, out + 71, 43);
	CHECK(memcmp(out, want, 114) == 0);
	/* Deciphering in place gives the text back. */
	chacha20_stream_init(&s, key, 1, nonce);
	chacha20_stream_xor(&s, out, out, 114);
	CHECK(memcmp(out, text, 114) == 0);
}

static void tag_of(const uint8_t key[32], const uint8_t *msg, size_t len, uint8_t tag[16])
{
	struct poly1305 p;

	poly1305_init(&p, key);
	poly1305_update(&p, msg, len);
	poly1305_final(&p, tag);
}

/* RFC 8439 2.5.2: "Cryptographic Forum Research Group". */
static void test_poly1305_rfc(void)
{
	static const uint8_t key[32] = {
		0x85, 0xd6, 0xbe, 0x78, 0x57, 0x55, 0x6d, 0x33, 0x7f, 0x44, 0x52, 0xfe, 0x42, 0xd5, 0x06, 0xa8,
		0x01, 0x03, 0x80, 0x8a, 0xfb, 0x0d, 0xb2, 0xfd, 0x4a, 0xbf, 0xf6, 0xaf, 0x41, 0x49, 0xf5, 0x1b,
	};
	static const uint8_t want[16] = {
		0xa8, 0x06, 0x1d, 0xc1, 0x30, 0x51, 0x36, 0xc6, 0xc2, 0x2b, 0x8b, 0xaf, 0x0c, 0x01, 0x27, 0xa9,
	};
	static const char msg[] = "Cryptographic Forum Research Group";
	struct poly1305 p;
	uint8_t tag[16];
	size_t i;

	tag_of(key, (const uint8_t *)msg, sizeof msg - 1, tag);
	CHECK(memcmp(tag, want, 16) == 0);
	/* Byte by byte gives the same tag. */
	poly1305_init(&p, key);
	for (i = 0; i < sizeof msg - 1; i++)
		poly1305_update(&p, (const uint8_t *)msg + i, 1);
	poly1305_final(&p, tag);
	CHECK(memcmp(tag, want, 16) == 0);
}

/* RFC 8439 A.3: the vectors that exercise the final reduction. */
static void test_poly1305_edges_rfc(void)
{
	uint8_t key[32], msg[48], tag[16], want[16];

	/* #5: R = 2, S = 0, data FF x 16 -> 03 00... */
	memset(key, 0, 32);
	key[0] = 2;
	memset(msg, 0xff, 16);
	memset(want, 0, 16);
	want[0] = 3;
	tag_of(key, msg, 16, tag);
	CHECK(memcmp(tag, want, 16) == 0);
	/* #6: R = 2, S = FF x 16, data 02 00... -> 03 00... */
	memset(key + 16, 0xff, 16);
	memset(msg, 0, 16);
	msg[0] = 2;
	tag_of(key, msg, 16, tag);
	CHECK(memcmp(tag, want, 16) == 0);
	/* #7: R = 1, S = 0, data FF x 16, F0 FF x 15, 11 00 x 15 -> 05 00... */
	memset(key, 0, 32);
	key[0] = 1;
	memset(msg, 0xff, 32);
	msg[16] = 0xf0;
	memset(msg + 32, 0, 16);
	msg[32] = 0x11;
	want[0] = 5;
	tag_of(key, msg, 48, tag);
	CHECK(memcmp(tag, want, 16) == 0);
	/* #8: R = 1, data FF x 16, FB FE x 15, 01 x 16 -> 00... */
	memset(msg, 0xff, 16);
	memset(msg + 16, 0xfe, 16);
	msg[16] = 0xfb;
	memset(msg + 32, 0x01, 16);
	memset(want, 0, 16);
	tag_of(key, msg, 48, tag);
	CHECK(memcmp(tag, want, 16) == 0);
	/* #9: R = 2, data FD FF x 15 -> FA FF x 15 */
	key[0] = 2;
	memset(msg, 0xff, 16);
	msg[0] = 0xfd;
	memset(want, 0xff, 16);
	want[0] = 0xfa;
	tag_of(key, msg, 16, tag);
	CHECK(memcmp(tag, want, 16) == 0);
	/* #1: all zero key and message -> zero tag. */
	memset(key, 0, 32);
	memset(msg, 0, 48);
	memset(want, 0, 16);
	tag_of(key, msg, 48, tag);
	CHECK(memcmp(tag, want, 16) == 0);
}

/* RFC 8439 2.6.2: the Poly1305 key from ChaCha20 block 0. */
static void test_poly1305_keygen_rfc(void)
{
	static const uint8_t nonce[12] = { 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7 };
	static const uint8_t want[32] = {
		0x8a, 0xd5, 0xa0, 0x8b, 0x90, 0x5f, 0x81, 0xcc, 0x81, 0x50, 0x40, 0x27, 0x4a, 0xb2, 0x94, 0x71,
		0xa8, 0x33, 0xb6, 0x37, 0xe3, 0xfd, 0x0d, 0xa5, 0x08, 0xdb, 0xb8, 0xe2, 0xfd, 0xd1, 0xa6, 0x46,
	};
	uint8_t key[32], otk[32];

	seq_bytes(key, 32, 0x80);
	poly1305_key_gen(key, nonce, otk);
	CHECK(memcmp(otk, want, 32) == 0);
}

static void test_crypto_equal(void)
{
	uint8_t a[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, b[8];

	memcpy(b, a, 8);
	CHECK(crypto_equal(a, b, 8));
	b[7] ^= 0x80;
	CHECK(!crypto_equal(a, b, 8));
	CHECK(crypto_equal(a, b, 0));
}

/* ---- PDCP ---- */

static void keys_of(struct pdcp_keys *k, unsigned salt)
{
	for (unsigned i = 0; i < PDCP_KEY_BYTES; i++) {
		k->enc[i] = (uint8_t)(salt + 3 * i);
		k->integ[i] = (uint8_t)(salt * 7 + i);
	}
}

static void pair(struct pdcp_tx_ctx *tx, struct pdcp_rx_ctx *rx, unsigned bearer, unsigned dir)
{
	struct pdcp_keys k;

	keys_of(&k, 5);
	(void)pdcp_tx_init(tx, &k, bearer, dir);
	(void)pdcp_rx_init(rx, &k, bearer, dir);
}

static void test_pdcp_roundtrip(void)
{
	struct pdcp_tx_ctx tx;
	struct pdcp_rx_ctx rx;
	uint8_t sdu[PDCP_MAX_SDU], pdu[PDCP_MAX_PDU], back[PDCP_MAX_SDU];
	size_t lens[] = { 0, 1, 16, 63, 64, 65, 1000, PDCP_MAX_SDU };
	uint32_t count;

	pair(&tx, &rx, 3, PDCP_UPLINK);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		seq_bytes(sdu, lens[i], (unsigned)i);
		int n = pdcp_tx(&tx, sdu, lens[i], pdu, sizeof pdu);
		CHECK_EQ(n, (int)(lens[i] + PDCP_OVERHEAD));
		CHECK_EQ(pdu[0], 0x80);         /* D/C = 1, SN < 256 */
		CHECK_EQ(pdu[1], i);            /* SN */
		if (lens[i] >= 16)
			CHECK(memcmp(pdu + 2, sdu, 16) != 0); /* ciphered */
		CHECK_EQ(pdcp_rx(&rx, pdu, (size_t)n, back, sizeof back, &count), (int)lens[i]);
		CHECK_EQ(count, i);
		CHECK(memcmp(back, sdu, lens[i]) == 0);
	}
	CHECK_EQ(tx.tx_next, 8);
}

static void test_pdcp_bad_args(void)
{
	struct pdcp_tx_ctx tx;
	struct pdcp_rx_ctx rx;
	struct pdcp_keys k;
	uint8_t sdu[PDCP_MAX_SDU + 1] = { 0 }, pdu[PDCP_MAX_PDU + 8];

	keys_of(&k, 1);
	CHECK_EQ(pdcp_tx_init(&tx, &k, 32, 0), PDCP_E_ARG);
	CHECK_EQ(pdcp_tx_init(&tx, &k, 0, 2), PDCP_E_ARG);
	CHECK_EQ(pdcp_rx_init(&rx, &k, 99, 0), PDCP_E_ARG);
	pair(&tx, &rx, 31, PDCP_DOWNLINK);
	CHECK_EQ(pdcp_tx(&tx, sdu, PDCP_MAX_SDU + 1, pdu, sizeof pdu), PDCP_E_ARG);
	CHECK_EQ(pdcp_tx(&tx, sdu, 10, pdu, 15), PDCP_E_SPACE);
	CHECK_EQ(tx.tx_next, 0); /* failures take no COUNT */
	CHECK_EQ(pdcp_tx(&tx, sdu, 10, pdu, 16), 16);
	CHECK_EQ(pdcp_rx(&rx, pdu, 16, sdu, 9, NULL), PDCP_E_SPACE);
	CHECK_EQ(pdcp_rx(&rx, pdu, 16, sdu, 10, NULL), 10);
}

static void test_pdcp_rejects(void)
{
	struct pdcp_tx_ctx tx;
	struct pdcp_rx_ctx rx;
	uint8_t sdu[100], pdu[200], bad[200], back[200];
	int n;

	pair(&tx, &rx, 1, PDCP_UPLINK);
	seq_bytes(sdu, 100, 9);
	n = pdcp_tx(&tx, sdu, 100, pdu, sizeof pdu);
	CHECK_EQ(n, 106);
	/* Too short for header + MAC-I, too long for any SDU. */
	for (size_t len = 0; len < PDCP_OVERHEAD; len++)
		CHECK_EQ(pdcp_rx(&rx, pdu, len, back, sizeof back, NULL), PDCP_E_SHORT);
	CHECK_EQ(pdcp_rx(&rx, pdu, PDCP_MAX_PDU + 1, back, sizeof back, NULL), PDCP_E_SHORT);
	/* A control PDU and reserved bits. */
	memcpy(bad, pdu, (size_t)n);
	bad[0] &= 0x7f;
	CHECK_EQ(pdcp_rx(&rx, bad, (size_t)n, back, sizeof back, NULL), PDCP_E_HEADER);
	memcpy(bad, pdu, (size_t)n);
	bad[0] |= 0x10;
	CHECK_EQ(pdcp_rx(&rx, bad, (size_t)n, back, sizeof back, NULL), PDCP_E_HEADER);
	/* Every single-bit flip of SN, payload or MAC-I is rejected: a flip
	 * in the SN may also move COUNT behind the window. */
	for (int bit = 4; bit < n * 8; bit++) {
		memcpy(bad, pdu, (size_t)n);
		bad[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		memset(back, 0xaa, sizeof back);
		int r = pdcp_rx(&rx, bad, (size_t)n, back, sizeof back, NULL);
		CHECK_MSG(r == PDCP_E_INTEGRITY || (bit < 16 && r == PDCP_E_REPLAY),
			  "bit %d: %d", bit, r);
		for (int i = 0; i < n - PDCP_OVERHEAD; i++)
			CHECK_MSG(back[i] == (r == PDCP_E_INTEGRITY ? 0 : 0xaa),
				  "plaintext left behind after bit %d", bit);
	}
	/* Truncation by one byte fails integrity too. */
	CHECK_EQ(pdcp_rx(&rx, pdu, (size_t)n - 1, back, sizeof back, NULL), PDCP_E_INTEGRITY);
	/* A different bearer, direction or key cannot read it. */
	{
		struct pdcp_rx_ctx other;
		struct pdcp_keys k;

		keys_of(&k, 5);
		(void)pdcp_rx_init(&other, &k, 2, PDCP_UPLINK);
		CHECK_EQ(pdcp_rx(&other, pdu, (size_t)n, back, sizeof back, NULL), PDCP_E_INTEGRITY);
		(void)pdcp_rx_init(&other, &k, 1, PDCP_DOWNLINK);
		CHECK_EQ(pdcp_rx(&other, pdu, (size_t)n, back, sizeof back, NULL), PDCP_E_INTEGRITY);
		keys_of(&k, 6);
		(void)pdcp_rx_init(&other, &k, 1, PDCP_UPLINK);
		CHECK_EQ(pdcp_rx(&other, pdu, (size_t)n, back, sizeof back, NULL), PDCP_E_INTEGRITY);
	}
	/* After all that the genuine PDU is still accepted, once. */
	CHECK_EQ(pdcp_rx(&rx, pdu, (size_t)n, back, sizeof back, NULL), 100);
	CHECK(memcmp(back, sdu, 100) == 0);
	CHECK_EQ(pdcp_rx(&rx, pdu, (size_t)n, back, sizeof back, NULL), PDCP_E_REPLAY);
}

/* Out-of-order arrival within the window, duplicates and too-old COUNTs. */
static void test_pdcp_replay_window(void)
{
	static uint8_t pdus[200][20];
	struct pdcp_tx_ctx tx;
	struct pdcp_rx_ctx rx;
	uint8_t sdu[14], back[14];
	uint32_t count;

	pair(&tx, &rx, 0, PDCP_UPLINK);
	for (unsigned i = 0; i < 200; i++) {
		seq_bytes(sdu, 14, i);
		CHECK_EQ(pdcp_tx(&tx, sdu, 14, pdus[i], 20), 20);
	}
	CHECK_EQ(pdcp_rx(&rx, pdus[100], 20, back, 14, &count), 14);
	CHECK_EQ(count, 100);
	/* Within 64 below the highest: accepted once each. */
	CHECK_EQ(pdcp_rx(&rx, pdus[40], 20, back, 14, &count), 14);
	CHECK_EQ(pdcp_rx(&rx, pdus[99], 20, back, 14, &count), 14);
	CHECK_EQ(pdcp_rx(&rx, pdus[99], 20, back, 14, &count), PDCP_E_REPLAY);
	CHECK_EQ(pdcp_rx(&rx, pdus[37], 20, back, 14, &count), 14);
	/* 36 is 64 below 100: outside the window. */
	CHECK_EQ(pdcp_rx(&rx, pdus[36], 20, back, 14, &count), PDCP_E_REPLAY);
	CHECK_EQ(pdcp_rx(&rx, pdus[100], 20, back, 14, &count), PDCP_E_REPLAY);
	/* A jump ahead moves the window. */
	CHECK_EQ(pdcp_rx(&rx, pdus[199], 20, back, 14, &count), 14);
	CHECK_EQ(count, 199);
	CHECK_EQ(pdcp_rx(&rx, pdus[135], 20, back, 14, &count), PDCP_E_REPLAY);
	CHECK_EQ(pdcp_rx(&rx, pdus[136], 20, back, 14, &count), 14);
	seq_bytes(sdu, 14, 136);
	CHECK(memcmp(back, sdu, 14) == 0);
}

/* COUNT crosses SN wrap-arounds: the HFN is tracked on both sides. */
static void test_pdcp_hfn(void)
{
	struct pdcp_tx_ctx tx;
	struct pdcp_rx_ctx rx;
	uint8_t sdu[4] = { 1, 2, 3, 4 }, pdu[10], back[4];
	uint32_t count;

	pair(&tx, &rx, 4, PDCP_DOWNLINK);
	for (uint32_t i = 0; i < 3 * PDCP_SN_MOD + 5; i++) {
		CHECK_EQ(pdcp_tx(&tx, sdu, 4, pdu, sizeof pdu), 10);
		if (i % 3 == 2)
			continue; /* a third of the PDUs is lost */
		CHECK_EQ(pdcp_rx(&rx, pdu, 10, back, 4, &count), 4);
		CHECK_EQ(count, i);
	}
	/* Near the end of COUNT space: the transmitter refuses to wrap. */
	tx.tx_next = UINT32_MAX;
	CHECK_EQ(pdcp_tx(&tx, sdu, 4, pdu, sizeof pdu), 10);
	CHECK_EQ(pdcp_tx(&tx, sdu, 4, pdu, sizeof pdu), PDCP_E_COUNT);
	CHECK_EQ(pdcp_tx(&tx, sdu, 4, pdu, sizeof pdu), PDCP_E_COUNT);
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * 100,000 hostile PDUs: random bytes, and genuine PDUs with random bit
 * flips, truncations and extensions. None may be accepted unless it is an
 * unmodified genuine PDU, and the sanitizers watch every access.
 */
static void test_pdcp_fuzz(void)
{
	static uint8_t genuine[64][PDCP_MAX_PDU];
	static int glen[64];
	struct pdcp_tx_ctx tx;
	struct pdcp_rx_ctx rx;
	uint8_t pdu[PDCP_MAX_PDU + 16], back[PDCP_MAX_SDU];
	uint32_t seed = 12345;
	unsigned accepted = 0, i;

	pair(&tx, &rx, 7, PDCP_UPLINK);
	for (i = 0; i < 64; i++) {
		uint8_t sdu[200];
		size_t len = rnd(&seed) % 200;

		seq_bytes(sdu, len, i);
		glen[i] = pdcp_tx(&tx, sdu, len, genuine[i], PDCP_MAX_PDU);
		CHECK(glen[i] > 0);
	}
	for (i = 0; i < 100000; i++) {
		unsigned g = rnd(&seed) % 64, kind = rnd(&seed) % 4;
		size_t len = (size_t)glen[g];
		int r;

		memcpy(pdu, genuine[g], len);
		if (kind == 0) {
			len = rnd(&seed) % sizeof pdu;
			for (size_t k = 0; k < len; k++)
				pdu[k] = (uint8_t)rnd(&seed);
		} else if (kind == 1) {
			unsigned flips = 1 + rnd(&seed) % 3;
			for (unsigned f = 0; f < flips; f++) {
				unsigned bit = rnd(&seed) % (unsigned)(len * 8);
				pdu[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			}
			if (memcmp(pdu, genuine[g], len) == 0)
				pdu[len - 1] ^= 1; /* flips that cancelled out */
		} else if (kind == 2) {
			len = rnd(&seed) % len;
		} else {
			size_t extra = 1 + rnd(&seed) % 16;
			for (size_t k = 0; k < extra; k++)
				pdu[len + k] = (uint8_t)rnd(&seed);
			len += extra;
		}
		r = pdcp_rx(&rx, pdu, len, back, rnd(&seed) % 8 == 0 ? rnd(&seed) % 64 : sizeof back, NULL);
		CHECK_MSG(r < 0 || kind == 0, "mutated PDU %u (kind %u) accepted", i, kind);
		if (r >= 0)
			accepted++;
	}
	/* Random bytes pass a 32-bit MAC with probability 2^-32. */
	CHECK_EQ(accepted, 0);
	/* The entity still works for the genuine PDUs. */
	CHECK_EQ(pdcp_rx(&rx, genuine[5], (size_t)glen[5], back, sizeof back, NULL), glen[5] - PDCP_OVERHEAD);
}

int main(void)
{
	RUN(test_chacha20_block_rfc);
	RUN(test_chacha20_encrypt_rfc);
	RUN(test_poly1305_rfc);
	RUN(test_poly1305_edges_rfc);
	RUN(test_poly1305_keygen_rfc);
	RUN(test_crypto_equal);
	RUN(test_pdcp_roundtrip);
	RUN(test_pdcp_bad_args);
	RUN(test_pdcp_rejects);
	RUN(test_pdcp_replay_window);
	RUN(test_pdcp_hfn);
	RUN(test_pdcp_fuzz);
	return check_summary();
}
