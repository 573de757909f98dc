/*
 * The dialer's end of the packet data path: the shared region `data-ring`
 * holds the uplink ring (app -> modem, we produce) in its first half and the
 * downlink ring (modem -> app, we consume) in its second, in the modem's
 * format (modem-stack/ring/ring.h, docs/modem.md). The modem formats them; we
 * only attach, and attach again when a ring breaks (the modem formats
 * afresh when it restarts, which our old indexes see as corruption).
 *
 * The geometry both sides agree on is MODEM_RING_SLOT_BYTES-byte slots,
 * modem_ring_slots(region) of them (uapi/muon/modem.h). Where that header
 * does not define them yet, the geometry the modem wrote into each ring's
 * header is taken, once per attach; ring_attach checks that it fits the
 * half region either way, so a lying header costs packets, never an access
 * outside the region.
 */
#include "appos.h"
#include "ring.h"
#include <muon/modem.h>

#define DP_BUF 4096u   /* the largest slot we accept: a packet we cannot hold could never be taken */

static struct ring up, down;
static bool attached;

static int attach_half(struct ring *r, uint8_t *mem, uint32_t size, enum ring_role role)
{
	const volatile struct ring_shared *sh = (const volatile struct ring_shared *)mem;
	if (size < RING_HDR_BYTES || sh->magic != RING_MAGIC)
		return RING_E_EMPTY;   /* not formatted yet */
#ifdef MODEM_RING_SLOT_BYTES
	uint32_t n_slots = modem_ring_slots(2 * size), slot_bytes = MODEM_RING_SLOT_BYTES;
#else
	uint32_t n_slots = sh->n_slots, slot_bytes = sh->slot_bytes;   /* read once */
#endif
	if (slot_bytes > DP_BUF)
		return RING_E_ARG;
	return ring_attach(r, mem, size, n_slots, slot_bytes, role);
}

int dp_attach(void *base, uint32_t size)
{
	attached = false;
	if (!base || size < 2 * RING_HDR_BYTES || ((uintptr_t)base & 3u))
		return RING_E_ARG;
	uint32_t half = size / 2 & ~3u;
	int err = attach_half(&up, base, half, RING_PRODUCER);
	if (!err)
		err = attach_half(&down, (uint8_t *)base + half, half, RING_CONSUMER);
	attached = err == RING_OK;
	return err;
}

bool dp_ready(void)
{
	return attached && !up.broken && !down.broken;
}

uint32_t dp_mtu(void)
{
	if (!attached)
		return 0;
	uint32_t a = ring_mtu(&up), b = ring_mtu(&down);
	return a < b ? a : b;
}

int dp_put(const uint8_t *pkt, uint32_t len)
{
	if (!dp_ready())
		return RING_E_CORRUPT;
	int err = ring_push(&up, pkt, len);
	return err == RING_OK ? 0 : err == RING_E_FULL ? 1 : err;
}

int dp_get(uint8_t *buf, uint32_t cap)
{
	static uint8_t slot[DP_BUF];
	if (!dp_ready())
		return RING_E_CORRUPT;
	int n = ring_pop(&down, slot, sizeof(slot));
	if (n == RING_E_EMPTY)
		return 0;
	if (n < 0)
		return n;
	/* Longer than the caller takes: it is not one of ours; hand over what fits, the check rejects it. */
	uint32_t len = (uint32_t)n < cap ? (uint32_t)n : cap;
	for (uint32_t i = 0; i < len; i++)
		buf[i] = slot[i];
	return len ? (int)len : -1;
}
