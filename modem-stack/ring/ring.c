/*
 * SPSC packet ring in shared memory (see ring.h and docs/modem.md).
 */
#include "ring.h"

#include <string.h>

_Static_assert(sizeof(struct ring_shared) == RING_HDR_BYTES, "ring header layout");
_Static_assert(offsetof(struct ring_shared, tail) == 64, "ring tail offset");
_Static_assert(offsetof(struct ring_shared, magic) == 128, "ring magic offset");

#define RING_MAX_SLOTS 65536u
#define RING_MAX_SLOT_BYTES 65536u

static int geometry_ok(uint32_t n_slots, uint32_t slot_bytes)
{
	return n_slots >= 1 && n_slots <= RING_MAX_SLOTS && (n_slots & (n_slots - 1)) == 0 &&
	       slot_bytes > RING_LEN_BYTES && slot_bytes <= RING_MAX_SLOT_BYTES &&
	       slot_bytes % 4 == 0;
}

size_t ring_bytes(uint32_t n_slots, uint32_t slot_bytes)
{
	if (!geometry_ok(n_slots, slot_bytes))
		return 0;
	return RING_HDR_BYTES + (size_t)n_slots * slot_bytes;
}

static int region_ok(const void *mem, size_t size, uint32_t n_slots, uint32_t slot_bytes)
{
	size_t need = ring_bytes(n_slots, slot_bytes);

	return mem != NULL && need != 0 && size >= need && ((uintptr_t)mem & 3u) == 0;
}

int ring_format(void *mem, size_t size, uint32_t n_slots, uint32_t slot_bytes)
{
	struct ring_shared *sh = mem;

	if (!region_ok(mem, size, n_slots, slot_bytes))
		return RING_E_ARG;
	memset(mem, 0, ring_bytes(n_slots, slot_bytes));
	atomic_store_explicit(&sh->head, 0, memory_order_relaxed);
	atomic_store_explicit(&sh->tail, 0, memory_order_relaxed);
	sh->magic = RING_MAGIC;
	sh->n_slots = n_slots;
	sh->slot_bytes = slot_bytes;
	atomic_thread_fence(memory_order_release);
	return RING_OK;
}

int ring_attach(struct ring *r, void *mem, size_t size, uint32_t n_slots,
		uint32_t slot_bytes, enum ring_role role)
{
	struct ring_shared *sh = mem;
	uint32_t head, tail;

	if (!region_ok(mem, size, n_slots, slot_bytes) ||
	    (role != RING_PRODUCER && role != RING_CONSUMER))
		return RING_E_ARG;
	if (sh->magic != RING_MAGIC || sh->n_slots != n_slots || sh->slot_bytes != slot_bytes)
		return RING_E_CORRUPT;
	head = atomic_load_explicit(&sh->head, memory_order_acquire);
	tail = atomic_load_explicit(&sh->tail, memory_order_acquire);
	if (head - tail > n_slots)
		return RING_E_CORRUPT;
	r->sh = sh;
	r->slots = (uint8_t *)mem + RING_HDR_BYTES;
	r->n_slots = n_slots;
	r->slot_bytes = slot_bytes;
	r->pos = role == RING_PRODUCER ? head : tail;
	r->role = (uint8_t)role;
	r->broken = 0;
	return RING_OK;
}

static uint8_t *slot(const struct ring *r, uint32_t index)
{
	return r->slots + (size_t)(index & (r->n_slots - 1)) * r->slot_bytes;
}

/* Packets in the ring from this side's view, or -1 if the peer lied. */
static long occupancy(struct ring *r)
{
	uint32_t head, tail, used;

	if (r->role == RING_PRODUCER) {
		head = r->pos;
		tail = atomic_load_explicit(&r->sh->tail, memory_order_acquire);
	} else {
		head = atomic_load_explicit(&r->sh->head, memory_order_acquire);
		tail = r->pos;
	}
	used = head - tail;
	if (used > r->n_slots) {
		r->broken = 1;
		return -1;
	}
	return (long)used;
}

int ring_count(struct ring *r)
{
	long used;

	if (r->broken)
		return RING_E_CORRUPT;
	used = occupancy(r);
	return used < 0 ? RING_E_CORRUPT : (int)used;
}

int ring_push(struct ring *r, const void *pkt, size_t len)
{
	uint8_t *s;
	uint32_t n32 = (uint32_t)len;
	long used;

	if (r->role != RING_PRODUCER || len == 0 || len > ring_mtu(r))
		return RING_E_ARG;
	if (r->broken)
		return RING_E_CORRUPT;
	used = occupancy(r);
	if (used < 0)
		return RING_E_CORRUPT;
	if ((uint32_t)used == r->n_slots)
		return RING_E_FULL;
	s = slot(r, r->pos);
	memcpy(s, &n32, RING_LEN_BYTES);
	memcpy(s + RING_LEN_BYTES, pkt, len);
	r->pos++;
	atomic_store_explicit(&r->sh->head, r->pos, memory_order_release);
	return RING_OK;
}

int ring_pop(struct ring *r, void *out, size_t cap)
{
	const uint8_t *s;
	uint32_t len;
	long used;

	if (r->role != RING_CONSUMER)
		return RING_E_ARG;
	if (r->broken)
		return RING_E_CORRUPT;
	used = occupancy(r);
	if (used < 0)
		return RING_E_CORRUPT;
	if (used == 0)
		return RING_E_EMPTY;
	s = slot(r, r->pos);
	/* Read once through a volatile access: the peer may rewrite the word,
	 * but the value checked is the value used. */
	len = *(const volatile uint32_t *)(const void *)s;
	if (len == 0 || len > ring_mtu(r)) {
		r->broken = 1;
		return RING_E_CORRUPT;
	}
	if (len > cap)
		return RING_E_SPACE;
	memcpy(out, s + RING_LEN_BYTES, len);
	r->pos++;
	atomic_store_explicit(&r->sh->tail, r->pos, memory_order_release);
	return (int)len;
}
