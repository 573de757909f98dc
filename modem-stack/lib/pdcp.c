/*
 * PDCP ciphering and integrity (see pdcp.h and docs/modem.md).
 */
#include "pdcp.h"

#include "crypto.h"

#include <string.h>

#define DC_DATA 0x80u
#define RESERVED 0x70u

/*
 * The nonce binds a key stream to one PDU: COUNT (big-endian, as 3GPP
 * writes it), then BEARER (5 bits) and DIRECTION (1 bit) in the next byte,
 * the way the 3GPP algorithms take them, and zeros.
 */
static void make_nonce(uint32_t count, unsigned bearer, unsigned dir,
		       uint8_t nonce[CHACHA20_NONCE_BYTES])
{
	memset(nonce, 0, CHACHA20_NONCE_BYTES);
	nonce[0] = (uint8_t)(count >> 24);
	nonce[1] = (uint8_t)(count >> 16);
	nonce[2] = (uint8_t)(count >> 8);
	nonce[3] = (uint8_t)count;
	nonce[4] = (uint8_t)(bearer << 3 | dir << 2);
}

/* MAC-I: Poly1305 over header and plaintext, truncated to 32 bits. */
static void compute_maci(const struct pdcp_keys *keys, const uint8_t nonce[12],
			 const uint8_t hdr[PDCP_HDR_BYTES], const uint8_t *data,
			 size_t len, uint8_t maci[PDCP_MACI_BYTES])
{
	uint8_t otk[POLY1305_KEY_BYTES], tag[POLY1305_TAG_BYTES];
	struct poly1305 p;

	poly1305_key_gen(keys->integ, nonce, otk);
	poly1305_init(&p, otk);
	poly1305_update(&p, hdr, PDCP_HDR_BYTES);
	poly1305_update(&p, data, len);
	poly1305_final(&p, tag);
	memcpy(maci, tag, PDCP_MACI_BYTES);
	memset(otk, 0, sizeof otk);
}

/* What both directions keep of a bearer: its keys, number and direction (checked first). */
static int init_common(struct pdcp_keys *dst, uint8_t *dst_bearer, uint8_t *dst_dir,
		       const struct pdcp_keys *keys, unsigned bearer, unsigned dir)
{
	if (bearer > PDCP_MAX_BEARER || dir > 1)
		return PDCP_E_ARG;
	*dst = *keys;
	*dst_bearer = (uint8_t)bearer;
	*dst_dir = (uint8_t)dir;
	return PDCP_OK;
}

int pdcp_tx_init(struct pdcp_tx_ctx *ctx, const struct pdcp_keys *keys,
		 unsigned bearer, unsigned dir)
{
	int r = init_common(&ctx->keys, &ctx->bearer, &ctx->dir, keys, bearer, dir);

	if (r != PDCP_OK)
		return r;
	ctx->exhausted = 0;
	ctx->tx_next = 0;
	return PDCP_OK;
}

int pdcp_rx_init(struct pdcp_rx_ctx *ctx, const struct pdcp_keys *keys,
		 unsigned bearer, unsigned dir)
{
	int r = init_common(&ctx->keys, &ctx->bearer, &ctx->dir, keys, bearer, dir);

	if (r != PDCP_OK)
		return r;
	ctx->any = 0;
	ctx->rx_next = 0;
	ctx->seen = 0;
	return PDCP_OK;
}

int pdcp_tx(struct pdcp_tx_ctx *ctx, const uint8_t *sdu, size_t len,
	    uint8_t *pdu, size_t cap)
{
	uint8_t nonce[CHACHA20_NONCE_BYTES], maci[PDCP_MACI_BYTES];
	struct chacha20_stream ks;
	uint32_t count = ctx->tx_next;

	if (len > PDCP_MAX_SDU)
		return PDCP_E_ARG;
	if (cap < len + PDCP_OVERHEAD)
		return PDCP_E_SPACE;
	if (ctx->exhausted)
		return PDCP_E_COUNT;
	pdu[0] = (uint8_t)(DC_DATA | ((count >> 8) & 0x0fu));
	pdu[1] = (uint8_t)count;
	make_nonce(count, ctx->bearer, ctx->dir, nonce);
	compute_maci(&ctx->keys, nonce, pdu, sdu, len, maci);
	chacha20_stream_init(&ks, ctx->keys.enc, 1, nonce);
	chacha20_stream_xor(&ks, sdu, pdu + PDCP_HDR_BYTES, len);
	chacha20_stream_xor(&ks, maci, pdu + PDCP_HDR_BYTES + len, PDCP_MACI_BYTES);
	memset(&ks, 0, sizeof ks);
	ctx->tx_next = count + 1;
	if (ctx->tx_next == 0)
		ctx->exhausted = 1;
	return (int)(len + PDCP_OVERHEAD);
}

/*
 * RCVD_COUNT from the SN (TS 38.323 5.2.2.1), with RX_NEXT as the
 * reference: the HFN one above or below RX_NEXT's when the SN is more than
 * half the SN space away. Fails when the HFN would leave 0..2^20-1.
 */
static int estimate_count(const struct pdcp_rx_ctx *ctx, uint32_t sn, uint32_t *count)
{
	uint32_t ref_sn = ctx->rx_next % PDCP_SN_MOD;
	uint32_t ref_hfn = ctx->rx_next / PDCP_SN_MOD;
	uint32_t hfn = ref_hfn;

	if (ref_sn >= PDCP_WINDOW && sn < ref_sn - PDCP_WINDOW) {
		if (ref_hfn == (UINT32_MAX >> PDCP_SN_BITS))
			return PDCP_E_COUNT;
		hfn = ref_hfn + 1;
	} else if (sn >= ref_sn + PDCP_WINDOW) {
		if (ref_hfn == 0)
			return PDCP_E_REPLAY;
		hfn = ref_hfn - 1;
	}
	*count = hfn << PDCP_SN_BITS | sn;
	return PDCP_OK;
}

/* Whether COUNT is new: above everything accepted, or a gap in the window. */
static int replay_check(const struct pdcp_rx_ctx *ctx, uint32_t count)
{
	uint32_t back;

	if (!ctx->any || count >= ctx->rx_next)
		return PDCP_OK;
	back = ctx->rx_next - 1 - count;
	if (back >= PDCP_REPLAY_BITS || (ctx->seen >> back & 1u))
		return PDCP_E_REPLAY;
	return PDCP_OK;
}

static void replay_mark(struct pdcp_rx_ctx *ctx, uint32_t count)
{
	uint32_t shift;

	if (!ctx->any) {
		ctx->any = 1;
		ctx->rx_next = count + 1;
		ctx->seen = 1;
	} else if (count >= ctx->rx_next) {
		shift = count - ctx->rx_next + 1;
		ctx->seen = shift >= 64 ? 1 : (ctx->seen << shift) | 1u;
		ctx->rx_next = count + 1;
	} else {
		ctx->seen |= (uint64_t)1 << (ctx->rx_next - 1 - count);
	}
}

int pdcp_rx(struct pdcp_rx_ctx *ctx, const uint8_t *pdu, size_t len,
	    uint8_t *sdu, size_t cap, uint32_t *count_out)
{
	uint8_t nonce[CHACHA20_NONCE_BYTES], maci[PDCP_MACI_BYTES], want[PDCP_MACI_BYTES];
	struct chacha20_stream ks;
	uint32_t count;
	size_t n;
	int r;

	if (len < PDCP_OVERHEAD || len > PDCP_MAX_PDU)
		return PDCP_E_SHORT;
	n = len - PDCP_OVERHEAD;
	if (cap < n)
		return PDCP_E_SPACE;
	if ((pdu[0] & DC_DATA) == 0 || (pdu[0] & RESERVED) != 0)
		return PDCP_E_HEADER;
	/* Once COUNT 2^32 - 1 is accepted nothing can be newer: refuse. */
	if (ctx->any && ctx->rx_next == 0)
		return PDCP_E_COUNT;
	r = estimate_count(ctx, (uint32_t)(pdu[0] & 0x0fu) << 8 | pdu[1], &count);
	if (r == PDCP_OK)
		r = replay_check(ctx, count);
	if (r != PDCP_OK)
		return r;

	make_nonce(count, ctx->bearer, ctx->dir, nonce);
	chacha20_stream_init(&ks, ctx->keys.enc, 1, nonce);
	chacha20_stream_xor(&ks, pdu + PDCP_HDR_BYTES, sdu, n);
	chacha20_stream_xor(&ks, pdu + PDCP_HDR_BYTES + n, maci, PDCP_MACI_BYTES);
	memset(&ks, 0, sizeof ks);
	compute_maci(&ctx->keys, nonce, pdu, sdu, n, want);
	if (!crypto_equal(maci, want, PDCP_MACI_BYTES)) {
		memset(sdu, 0, n);
		return PDCP_E_INTEGRITY;
	}
	replay_mark(ctx, count);
	if (count_out != NULL)
		*count_out = count;
	return (int)n;
}
