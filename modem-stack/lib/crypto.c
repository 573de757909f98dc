/*
 * ChaCha20 and Poly1305 from RFC 8439's description (see crypto.h).
 */
#include "crypto.h"

#include <string.h>

#define LIMB26 0x3ffffffu

static uint32_t load32_le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void store32_le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t rotl32(uint32_t v, unsigned n)
{
	return (v << n) | (v >> (32 - n));
}

/* The quarter round of RFC 8439 2.1 on four words of the state. */
static void quarter(uint32_t *x, unsigned a, unsigned b, unsigned c, unsigned d)
{
	x[a] += x[b]; x[d] ^= x[a]; x[d] = rotl32(x[d], 16);
	x[c] += x[d]; x[b] ^= x[c]; x[b] = rotl32(x[b], 12);
	x[a] += x[b]; x[d] ^= x[a]; x[d] = rotl32(x[d], 8);
	x[c] += x[d]; x[b] ^= x[c]; x[b] = rotl32(x[b], 7);
}

/* State layout (2.3): 4 constant words, 8 key words, counter, 3 nonce words. */
static void block_words(const uint32_t key[8], uint32_t counter,
			const uint32_t nonce[3], uint8_t out[CHACHA20_BLOCK_BYTES])
{
	uint32_t in[16], x[16];
	unsigned i;

	in[0] = 0x61707865u; /* "expand 32-byte k" as little-endian words */
	in[1] = 0x3320646eu;
	in[2] = 0x79622d32u;
	in[3] = 0x6b206574u;
	for (i = 0; i < 8; i++)
		in[4 + i] = key[i];
	in[12] = counter;
	in[13] = nonce[0];
	in[14] = nonce[1];
	in[15] = nonce[2];
	memcpy(x, in, sizeof x);
	for (i = 0; i < 10; i++) {
		/* A column round, then a diagonal round. */
		quarter(x, 0, 4, 8, 12);
		quarter(x, 1, 5, 9, 13);
		quarter(x, 2, 6, 10, 14);
		quarter(x, 3, 7, 11, 15);
		quarter(x, 0, 5, 10, 15);
		quarter(x, 1, 6, 11, 12);
		quarter(x, 2, 7, 8, 13);
		quarter(x, 3, 4, 9, 14);
	}
	for (i = 0; i < 16; i++)
		store32_le(out + 4 * i, x[i] + in[i]);
}

void chacha20_stream_init(struct chacha20_stream *s,
			  const uint8_t key[CHACHA20_KEY_BYTES], uint32_t counter,
			  const uint8_t nonce[CHACHA20_NONCE_BYTES])
{
	unsigned i;

	for (i = 0; i < 8; i++)
		s->key[i] = load32_le(key + 4 * i);
	for (i = 0; i < 3; i++)
		s->nonce[i] = load32_le(nonce + 4 * i);
	s->counter = counter;
	s->used = CHACHA20_BLOCK_BYTES; /* no block generated yet */
}

void chacha20_block(const uint8_t key[CHACHA20_KEY_BYTES], uint32_t counter,
		    const uint8_t nonce[CHACHA20_NONCE_BYTES],
		    uint8_t out[CHACHA20_BLOCK_BYTES])
{
	struct chacha20_stream s;

	chacha20_stream_init(&s, key, counter, nonce);
	block_words(s.key, counter, s.nonce, out);
}

void chacha20_stream_xor(struct chacha20_stream *s, const uint8_t *in,
			 uint8_t *out, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s->used == CHACHA20_BLOCK_BYTES) {
			block_words(s->key, s->counter, s->nonce, s->block);
			s->counter++;
			s->used = 0;
		}
		out[i] = in[i] ^ s->block[s->used++];
	}
}

void poly1305_key_gen(const uint8_t key[CHACHA20_KEY_BYTES],
		      const uint8_t nonce[CHACHA20_NONCE_BYTES],
		      uint8_t otk[POLY1305_KEY_BYTES])
{
	uint8_t block[CHACHA20_BLOCK_BYTES];

	chacha20_block(key, 0, nonce, block);
	memcpy(otk, block, POLY1305_KEY_BYTES);
	memset(block, 0, sizeof block);
}

void poly1305_init(struct poly1305 *p, const uint8_t key[POLY1305_KEY_BYTES])
{
	uint8_t r[16];
	uint32_t t0, t1, t2, t3;
	unsigned i;

	/* Clamp r (2.5): the top four bits of bytes 3, 7, 11, 15 and the
	 * bottom two bits of bytes 4, 8, 12 are cleared. */
	memcpy(r, key, 16);
	r[3] &= 15; r[7] &= 15; r[11] &= 15; r[15] &= 15;
	r[4] &= 252; r[8] &= 252; r[12] &= 252;
	t0 = load32_le(r);
	t1 = load32_le(r + 4);
	t2 = load32_le(r + 8);
	t3 = load32_le(r + 12);
	/* The 128-bit r as five 26-bit limbs (bits 0, 26, 52, 78, 104). */
	p->r[0] = t0 & LIMB26;
	p->r[1] = ((t0 >> 26) | (t1 << 6)) & LIMB26;
	p->r[2] = ((t1 >> 20) | (t2 << 12)) & LIMB26;
	p->r[3] = ((t2 >> 14) | (t3 << 18)) & LIMB26;
	p->r[4] = t3 >> 8;
	for (i = 0; i < 5; i++)
		p->h[i] = 0;
	for (i = 0; i < 4; i++)
		p->pad[i] = load32_le(key + 16 + 4 * i);
	p->used = 0;
}

/*
 * h = (h + m) * r mod 2^130 - 5 for one 16-byte block m; `hibit` is 2^128
 * as limb 4's bit 24 for a full block, 0 for the padded final one (whose
 * 0x01 byte the caller has already appended).
 */
static void poly_block(struct poly1305 *p, const uint8_t m[16], uint32_t hibit)
{
	const uint32_t *r = p->r;
	uint32_t *h = p->h;
	uint32_t s1 = r[1] * 5, s2 = r[2] * 5, s3 = r[3] * 5, s4 = r[4] * 5;
	uint32_t t0 = load32_le(m), t1 = load32_le(m + 4);
	uint32_t t2 = load32_le(m + 8), t3 = load32_le(m + 12);
	uint64_t d0, d1, d2, d3, d4;
	uint32_t c;

	h[0] += t0 & LIMB26;
	h[1] += ((t0 >> 26) | (t1 << 6)) & LIMB26;
	h[2] += ((t1 >> 20) | (t2 << 12)) & LIMB26;
	h[3] += ((t2 >> 14) | (t3 << 18)) & LIMB26;
	h[4] += (t3 >> 8) | hibit;

	/* Schoolbook product; a term at limb i+j >= 5 wraps to limb i+j-5
	 * times 5, because 2^130 = 5 modulo the prime. */
	d0 = (uint64_t)h[0] * r[0] + (uint64_t)h[1] * s4 + (uint64_t)h[2] * s3 +
	     (uint64_t)h[3] * s2 + (uint64_t)h[4] * s1;
	d1 = (uint64_t)h[0] * r[1] + (uint64_t)h[1] * r[0] + (uint64_t)h[2] * s4 +
	     (uint64_t)h[3] * s3 + (uint64_t)h[4] * s2;
	d2 = (uint64_t)h[0] * r[2] + (uint64_t)h[1] * r[1] + (uint64_t)h[2] * r[0] +
	     (uint64_t)h[3] * s4 + (uint64_t)h[4] * s3;
	d3 = (uint64_t)h[0] * r[3] + (uint64_t)h[1] * r[2] + (uint64_t)h[2] * r[1] +
	     (uint64_t)h[3] * r[0] + (uint64_t)h[4] * s4;
	d4 = (uint64_t)h[0] * r[4] + (uint64_t)h[1] * r[3] + (uint64_t)h[2] * r[2] +
	     (uint64_t)h[3] * r[1] + (uint64_t)h[4] * r[0];

	/* Partial carry: every limb back under 2^26 except a small h[1]. */
	d1 += d0 >> 26; h[0] = (uint32_t)d0 & LIMB26;
	d2 += d1 >> 26; h[1] = (uint32_t)d1 & LIMB26;
	d3 += d2 >> 26; h[2] = (uint32_t)d2 & LIMB26;
	d4 += d3 >> 26; h[3] = (uint32_t)d3 & LIMB26;
	d0 = (uint64_t)h[0] + (d4 >> 26) * 5; h[4] = (uint32_t)d4 & LIMB26;
	h[0] = (uint32_t)d0 & LIMB26;
	c = (uint32_t)(d0 >> 26);
	h[1] += c;
}

void poly1305_update(struct poly1305 *p, const uint8_t *msg, size_t len)
{
	size_t take;

	if (p->used > 0) {
		take = 16 - p->used;
		if (take > len)
			take = len;
		memcpy(p->buf + p->used, msg, take);
		p->used += (unsigned)take;
		msg += take;
		len -= take;
		if (p->used < 16)
			return;
		poly_block(p, p->buf, 1u << 24);
		p->used = 0;
	}
	while (len >= 16) {
		poly_block(p, msg, 1u << 24);
		msg += 16;
		len -= 16;
	}
	memcpy(p->buf, msg, len);
	p->used = (unsigned)len;
}

void poly1305_final(struct poly1305 *p, uint8_t tag[POLY1305_TAG_BYTES])
{
	uint32_t *h = p->h;
	uint32_t g[5], keep, w[4];
	uint64_t f;
	unsigned i, pass;

	if (p->used > 0) {
		/* The last partial block gets a 0x01 byte and zero padding. */
		p->buf[p->used] = 1;
		memset(p->buf + p->used + 1, 0, 15 - p->used);
		poly_block(p, p->buf, 0);
	}
	/* Two full carry passes leave every limb below 2^26 (the second
	 * pass can only carry out of h[4] when h[0] is already small), then
	 * h mod p: take g = h + 5 - 2^130 if it is not negative. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < 4; i++) {
			h[i + 1] += h[i] >> 26;
			h[i] &= LIMB26;
		}
		h[0] += (h[4] >> 26) * 5;
		h[4] &= LIMB26;
	}
	g[0] = h[0] + 5;
	for (i = 1; i < 5; i++) {
		g[i] = h[i] + (g[i - 1] >> 26);
		g[i - 1] &= LIMB26;
	}
	g[4] -= 1u << 26;
	keep = (g[4] >> 31) - 1; /* all ones when g is not negative */
	for (i = 0; i < 5; i++)
		h[i] = (h[i] & ~keep) | (g[i] & keep & LIMB26);

	/* h mod 2^128 as four words, plus s (the pad), modulo 2^128. */
	w[0] = h[0] | (h[1] << 26);
	w[1] = (h[1] >> 6) | (h[2] << 20);
	w[2] = (h[2] >> 12) | (h[3] << 14);
	w[3] = (h[3] >> 18) | (h[4] << 8);
	f = 0;
	for (i = 0; i < 4; i++) {
		f = (uint64_t)w[i] + p->pad[i] + (f >> 32);
		store32_le(tag + 4 * i, (uint32_t)f);
	}
	memset(p, 0, sizeof *p);
}

bool crypto_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t diff = 0;
	size_t i;

	for (i = 0; i < n; i++)
		diff |= (uint8_t)(a[i] ^ b[i]);
	return diff == 0;
}
