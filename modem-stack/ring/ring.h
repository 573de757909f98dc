/*
 * A single-producer single-consumer packet ring in memory shared by two
 * tasks (the modem and an app-OS client): the packet data path.
 *
 * Layout of the shared region (all fields little-endian 32-bit words on
 * the target; details in docs/modem.md):
 *
 *   offset 0    head   - written by the producer only: packets pushed
 *   offset 64   tail   - written by the consumer only: packets popped
 *   offset 128  magic, n_slots, slot_bytes (written once by ring_format)
 *   offset 192  n_slots slots of slot_bytes each: a 32-bit length, then data
 *
 * head and tail are free-running counters (modulo 2^32); slot i is used for
 * packets number i, i + n_slots, ... The producer publishes a packet with
 * a release store of head after writing the slot; the consumer reads head
 * with acquire, copies the slot out, then releases the slot with a release
 * store of tail. Each index lives in its own 64-byte line so the two sides
 * do not share a cache line for writing.
 *
 * The peer is not trusted. Each side keeps the geometry and its own index
 * in its private struct ring and only reads the other's index from shared
 * memory: an index or length the peer corrupts is detected (RING_E_CORRUPT)
 * and never leads to an access outside the region. Lengths are read once
 * into a local before they are checked and used. The peer may still change
 * a packet's bytes while they are copied; that costs the peer its own data.
 */
#ifndef MUON_MODEM_RING_H
#define MUON_MODEM_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RING_MAGIC 0x4d52494eu /* "MRIN" */
#define RING_HDR_BYTES 192
#define RING_LEN_BYTES 4       /* the length word at the start of each slot */

enum ring_err {
	RING_OK = 0,
	RING_E_ARG = -1,     /* geometry or region invalid, packet empty or too long */
	RING_E_FULL = -2,    /* push: every slot holds an unread packet */
	RING_E_EMPTY = -3,   /* pop: nothing to read */
	RING_E_CORRUPT = -4, /* the peer's index or a slot length is impossible */
	RING_E_SPACE = -5,   /* pop: the packet is longer than the caller's buffer */
};

enum ring_role {
	RING_PRODUCER,
	RING_CONSUMER,
};

/* The shared header; slots follow at RING_HDR_BYTES. */
struct ring_shared {
	_Atomic uint32_t head;
	uint32_t pad0[15];
	_Atomic uint32_t tail;
	uint32_t pad1[15];
	uint32_t magic, n_slots, slot_bytes;
	uint32_t pad2[13];
};

/* One side's private view: trusted geometry and its own index. */
struct ring {
	struct ring_shared *sh;
	uint8_t *slots;
	uint32_t n_slots;     /* a power of two */
	uint32_t slot_bytes;  /* multiple of 4, > RING_LEN_BYTES */
	uint32_t pos;         /* producer: its head; consumer: its tail */
	uint8_t role;         /* enum ring_role */
	uint8_t broken;       /* a corruption was seen: every call fails */
};

/* Bytes of shared memory a ring of this geometry needs (0 if invalid). */
size_t ring_bytes(uint32_t n_slots, uint32_t slot_bytes);

/* Largest packet a slot holds. */
static inline uint32_t ring_mtu(const struct ring *r)
{
	return r->slot_bytes - RING_LEN_BYTES;
}

/*
 * Initialises a shared region of `size` bytes (the owner, before the peer
 * maps it): indexes 0, header written. The region must be 4-byte aligned.
 */
int ring_format(void *mem, size_t size, uint32_t n_slots, uint32_t slot_bytes);

/*
 * Attaches one side with the geometry both sides were configured with (not
 * taken from shared memory): checks the region's size, alignment, magic and
 * the recorded geometry, then starts from the current shared indexes.
 */
int ring_attach(struct ring *r, void *mem, size_t size, uint32_t n_slots,
		uint32_t slot_bytes, enum ring_role role);

/* Producer: copies one packet of 1..ring_mtu bytes into the next slot. */
int ring_push(struct ring *r, const void *pkt, size_t len);

/*
 * Consumer: copies the oldest packet into out[0..cap) and returns its
 * length (> 0), or a negative enum ring_err. With RING_E_SPACE the packet
 * stays in the ring.
 */
int ring_pop(struct ring *r, void *out, size_t cap);

/* Packets waiting, as this side sees them; RING_E_CORRUPT if impossible. */
int ring_count(struct ring *r);

#endif /* MUON_MODEM_RING_H */
