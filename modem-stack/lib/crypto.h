/*
 * ChaCha20 and Poly1305, written from the descriptions in RFC 8439
 * (sections 2.1-2.6). PDCP (pdcp.c) ciphers with ChaCha20 and computes its
 * MAC-I with Poly1305 under a one-time key per COUNT.
 *
 * Pure C11: no allocation, no globals, nothing from libc beyond memcpy and
 * memset; built freestanding for the target and with sanitizers for the host
 * tests. Not hardened against timing side channels beyond what the
 * arithmetic gives for free (no secret-dependent branches or table indexes;
 * crypto_equal compares in constant time).
 */
#ifndef MUON_MODEM_CRYPTO_H
#define MUON_MODEM_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHACHA20_KEY_BYTES 32
#define CHACHA20_NONCE_BYTES 12
#define CHACHA20_BLOCK_BYTES 64
#define POLY1305_KEY_BYTES 32
#define POLY1305_TAG_BYTES 16

/* One 64-byte key-stream block (RFC 8439 2.3). */
void chacha20_block(const uint8_t key[CHACHA20_KEY_BYTES], uint32_t counter,
		    const uint8_t nonce[CHACHA20_NONCE_BYTES],
		    uint8_t out[CHACHA20_BLOCK_BYTES]);

/*
 * A key stream that can be consumed in pieces of any size: XOR-ing a
 * message in several calls gives the same bytes as one call (RFC 8439 2.4
 * with the block counter starting at `counter`). The block counter wraps
 * modulo 2^32; callers keep messages far below 256 GiB.
 */
struct chacha20_stream {
	uint32_t key[8];
	uint32_t nonce[3];
	uint32_t counter;                  /* of the next block to generate */
	uint8_t block[CHACHA20_BLOCK_BYTES];
	unsigned used;                     /* bytes of block[] consumed */
};

void chacha20_stream_init(struct chacha20_stream *s,
			  const uint8_t key[CHACHA20_KEY_BYTES], uint32_t counter,
			  const uint8_t nonce[CHACHA20_NONCE_BYTES]);

/* out[i] = in[i] ^ next key-stream byte; in and out may be the same buffer. */
void chacha20_stream_xor(struct chacha20_stream *s, const uint8_t *in,
			 uint8_t *out, size_t len);

/* Incremental Poly1305 (RFC 8439 2.5): 26-bit limbs, 32x32->64 multiplies. */
struct poly1305 {
	uint32_t r[5];   /* clamped r in 26-bit limbs */
	uint32_t h[5];   /* accumulator, partially reduced */
	uint32_t pad[4]; /* s, the second key half */
	uint8_t buf[16]; /* a partial block awaiting more input */
	unsigned used;   /* bytes in buf */
};

void poly1305_init(struct poly1305 *p, const uint8_t key[POLY1305_KEY_BYTES]);
void poly1305_update(struct poly1305 *p, const uint8_t *msg, size_t len);
void poly1305_final(struct poly1305 *p, uint8_t tag[POLY1305_TAG_BYTES]);

/* The one-time key for Poly1305 from ChaCha20 block 0 (RFC 8439 2.6). */
void poly1305_key_gen(const uint8_t key[CHACHA20_KEY_BYTES],
		      const uint8_t nonce[CHACHA20_NONCE_BYTES],
		      uint8_t otk[POLY1305_KEY_BYTES]);

/* True if a and b hold the same n bytes; the time taken depends on n only. */
bool crypto_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif /* MUON_MODEM_CRYPTO_H */
