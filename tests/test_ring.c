/*
 * Host tests for modem-stack/ring/ring.c: geometry and attach checks, FIFO
 * order, full and empty, 32-bit index wrap-around, a peer that corrupts
 * indexes, lengths or the header, 100,000 random operations with random
 * corruption of the shared region (which is allocated to its exact size,
 * so AddressSanitizer sees any access outside it), and two threads moving
 * 100,000 packets through a small ring.
 */
#define _POSIX_C_SOURCE 200809L /* sched_yield */

#include "check.h"
#include "ring.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* A formatted region of exactly ring_bytes() bytes, and both sides. */
static void *make(uint32_t slots, uint32_t bytes, struct ring *prod, struct ring *cons)
{
	size_t size = ring_bytes(slots, bytes);
	void *mem = malloc(size);

	if (mem == NULL || ring_format(mem, size, slots, bytes) != RING_OK ||
	    ring_attach(prod, mem, size, slots, bytes, RING_PRODUCER) != RING_OK ||
	    ring_attach(cons, mem, size, slots, bytes, RING_CONSUMER) != RING_OK) {
		free(mem);
		return NULL;
	}
	return mem;
}

static void test_ring_geometry(void)
{
	static uint32_t mem[4096];
	struct ring r;

	CHECK_EQ(ring_bytes(8, 64), RING_HDR_BYTES + 8 * 64);
	CHECK_EQ(ring_bytes(0, 64), 0);
	CHECK_EQ(ring_bytes(6, 64), 0);          /* not a power of two */
	CHECK_EQ(ring_bytes(8, 4), 0);           /* no room for data */
	CHECK_EQ(ring_bytes(8, 66), 0);          /* not a multiple of 4 */
	CHECK_EQ(ring_bytes(131072, 64), 0);
	CHECK_EQ(ring_format(mem, sizeof mem, 8, 64), RING_OK);
	CHECK_EQ(ring_format(mem, ring_bytes(8, 64) - 1, 8, 64), RING_E_ARG);
	CHECK_EQ(ring_format((char *)mem + 2, sizeof mem - 4, 8, 64), RING_E_ARG);
	CHECK_EQ(ring_format(NULL, sizeof mem, 8, 64), RING_E_ARG);
	/* One 4 KiB page: a header and 15 slots of 256 bytes. */
	CHECK(ring_bytes(16, 240) <= 4096);
	/* Attach insists on the geometry both sides were configured with. */
	CHECK_EQ(ring_format(mem, sizeof mem, 8, 64), RING_OK);
	CHECK_EQ(ring_attach(&r, mem, sizeof mem, 8, 64, RING_CONSUMER), RING_OK);
	CHECK_EQ(ring_mtu(&r), 60);
	CHECK_EQ(ring_attach(&r, mem, sizeof mem, 16, 64, RING_CONSUMER), RING_E_CORRUPT);
	CHECK_EQ(ring_attach(&r, mem, sizeof mem, 8, 128, RING_CONSUMER), RING_E_CORRUPT);
	CHECK_EQ(ring_attach(&r, mem, 100, 8, 64, RING_CONSUMER), RING_E_ARG);
	CHECK_EQ(ring_attach(&r, mem, sizeof mem, 8, 64, (enum ring_role)7), RING_E_ARG);
	mem[32] ^= 1;                            /* the magic word */
	CHECK_EQ(ring_attach(&r, mem, sizeof mem, 8, 64, RING_PRODUCER), RING_E_CORRUPT);
	CHECK_EQ(ring_format(mem, sizeof mem, 8, 64), RING_OK);
	mem[0] = 9;                              /* head 9 ahead of tail 0 in 8 slots */
	CHECK_EQ(ring_attach(&r, mem, sizeof mem, 8, 64, RING_PRODUCER), RING_E_CORRUPT);
}

static void test_ring_fifo(void)
{
	struct ring p, c;
	uint8_t pkt[60], out[64];
	void *mem = make(4, 64, &p, &c);

	CHECK(mem != NULL);
	CHECK_EQ(ring_pop(&c, out, sizeof out), RING_E_EMPTY);
	CHECK_EQ(ring_count(&c), 0);
	for (int i = 0; i < 4; i++) {
		memset(pkt, i, sizeof pkt);
		CHECK_EQ(ring_push(&p, pkt, (size_t)(10 + i)), RING_OK);
	}
	CHECK_EQ(ring_push(&p, pkt, 1), RING_E_FULL);
	CHECK_EQ(ring_count(&p), 4);
	CHECK_EQ(ring_count(&c), 4);
	CHECK_EQ(ring_pop(&c, out, 5), RING_E_SPACE); /* stays in the ring */
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(ring_pop(&c, out, sizeof out), 10 + i);
		CHECK_EQ(out[0], i);
		CHECK_EQ(out[9 + i], i);
	}
	CHECK_EQ(ring_pop(&c, out, sizeof out), RING_E_EMPTY);
	/* Bounds and roles. */
	CHECK_EQ(ring_push(&p, pkt, 0), RING_E_ARG);
	CHECK_EQ(ring_push(&p, pkt, 61), RING_E_ARG);
	CHECK_EQ(ring_push(&p, pkt, 60), RING_OK);
	CHECK_EQ(ring_push(&c, pkt, 1), RING_E_ARG);
	CHECK_EQ(ring_pop(&p, out, sizeof out), RING_E_ARG);
	CHECK_EQ(ring_pop(&c, out, sizeof out), 60);
	free(mem);
}

/* Free-running indexes wrap modulo 2^32 without a hiccup. */
static void test_ring_index_wrap(void)
{
	struct ring p, c;
	uint8_t pkt[8], out[8];
	size_t size = ring_bytes(8, 16);
	struct ring_shared *sh = malloc(size);

	CHECK(sh != NULL);
	CHECK_EQ(ring_format(sh, size, 8, 16), RING_OK);
	atomic_store(&sh->head, UINT32_MAX - 20);
	atomic_store(&sh->tail, UINT32_MAX - 20);
	CHECK_EQ(ring_attach(&p, sh, size, 8, 16, RING_PRODUCER), RING_OK);
	CHECK_EQ(ring_attach(&c, sh, size, 8, 16, RING_CONSUMER), RING_OK);
	for (uint32_t i = 0; i < 100; i++) {
		memcpy(pkt, &i, 4);
		CHECK_EQ(ring_push(&p, pkt, 4 + i % 5), RING_OK);
		if (i % 3 == 0)
			CHECK_EQ(ring_push(&p, pkt, 4), RING_OK);
		CHECK_EQ(ring_pop(&c, out, sizeof out), 4 + (int)(i % 5));
		CHECK(memcmp(out, &i, 4) == 0);
		if (i % 3 == 0)
			CHECK_EQ(ring_pop(&c, out, sizeof out), 4);
	}
	CHECK(atomic_load(&sh->head) < 200); /* it did wrap */
	free(sh);
}

static void test_ring_corrupt_peer(void)
{
	struct ring p, c;
	uint8_t pkt[16] = { 1 }, out[64];
	struct ring_shared *sh = make(8, 64, &p, &c);

	CHECK(sh != NULL);
	/* The producer claims more packets than slots. */
	atomic_store(&sh->head, 9);
	CHECK_EQ(ring_pop(&c, out, sizeof out), RING_E_CORRUPT);
	CHECK_EQ(ring_count(&c), RING_E_CORRUPT);
	atomic_store(&sh->head, 0);                 /* sticky even if "repaired" */
	CHECK_EQ(ring_pop(&c, out, sizeof out), RING_E_CORRUPT);
	free(sh);

	/* The consumer claims to have read packets never written. */
	sh = make(8, 64, &p, &c);
	CHECK_EQ(ring_push(&p, pkt, 16), RING_OK);
	atomic_store(&sh->tail, 5);
	CHECK_EQ(ring_push(&p, pkt, 16), RING_E_CORRUPT);
	CHECK_EQ(ring_count(&p), RING_E_CORRUPT);
	free(sh);

	/* A slot length out of range. */
	sh = make(8, 64, &p, &c);
	CHECK_EQ(ring_push(&p, pkt, 16), RING_OK);
	memset((uint8_t *)sh + RING_HDR_BYTES, 0xff, 4);
	CHECK_EQ(ring_pop(&c, out, sizeof out), RING_E_CORRUPT);
	free(sh);
	sh = make(8, 64, &p, &c);
	CHECK_EQ(ring_push(&p, pkt, 16), RING_OK);
	memset((uint8_t *)sh + RING_HDR_BYTES, 0, 4);
	CHECK_EQ(ring_pop(&c, out, sizeof out), RING_E_CORRUPT);
	free(sh);

	/* A peer scribbling on the index it does not own changes nothing:
	 * each side trusts only its private copy of its own index. */
	sh = make(8, 64, &p, &c);
	CHECK_EQ(ring_push(&p, pkt, 16), RING_OK);
	atomic_store(&sh->tail, 0);                 /* consumer's own index: fine */
	sh->magic = 0;                              /* header: read only at attach */
	CHECK_EQ(ring_pop(&c, out, sizeof out), 16);
	CHECK_EQ(ring_push(&p, pkt, 16), RING_OK);
	CHECK_EQ(ring_pop(&c, out, sizeof out), 16);
	free(sh);
}

/*
 * Random pushes and pops while a hostile peer writes random bytes into
 * random places of the region: every result is a defined code, every
 * packet popped before the first corruption is the one pushed.
 */
static void test_ring_fuzz(void)
{
	uint32_t s = 777;
	uint8_t pkt[300], out[300];

	for (int round = 0; round < 100; round++) {
		uint32_t slots = 1u << (rnd(&s) % 5), bytes = 4 * (2 + rnd(&s) % 70);
		size_t size = ring_bytes(slots, bytes);
		struct ring p, c;
		uint8_t *mem = make(slots, bytes, &p, &c);
		uint32_t pushed = 0, popped = 0;
		int damaged = 0;

		CHECK(mem != NULL);
		for (int i = 0; i < 1000; i++) {
			uint32_t op = rnd(&s) % 100;
			int r;

			if (op < 45) {
				size_t len = 1 + rnd(&s) % (ring_mtu(&p) + 2);

				memset(pkt, (int)(pushed & 0xff), sizeof pkt);
				memcpy(pkt, &pushed, len < 4 ? len : 4);
				r = ring_push(&p, pkt, len);
				CHECK(r == RING_OK || r == RING_E_FULL || r == RING_E_ARG ||
				      (damaged && r == RING_E_CORRUPT));
				if (r == RING_OK)
					pushed++;
			} else if (op < 90) {
				size_t cap = rnd(&s) % 8 == 0 ? rnd(&s) % 8 : sizeof out;

				r = ring_pop(&c, out, cap);
				CHECK(r > 0 || r == RING_E_EMPTY || r == RING_E_SPACE ||
				      (damaged && r == RING_E_CORRUPT));
				CHECK(r <= (int)ring_mtu(&c) && (r < 0 || (size_t)r <= cap));
				if (r > 0 && !damaged) {
					uint32_t want = popped;
					CHECK(memcmp(out, &want, (size_t)r < 4 ? (size_t)r : 4) == 0);
				}
				if (r > 0)
					popped++;
			} else if (op < 97) {
				mem[rnd(&s) % size] = (uint8_t)rnd(&s); /* the peer scribbles */
				damaged = 1;
			} else {
				uint32_t v = rnd(&s);                   /* or sets an index */
				atomic_store((_Atomic uint32_t *)(mem + (rnd(&s) % 2) * 64), v);
				damaged = 1;
			}
			(void)ring_count(&p);
			(void)ring_count(&c);
		}
		free(mem);
	}
}

#define STREAM 100000

struct stream {
	struct ring *r;
	int bad;
	atomic_int stop;      /* the consumer gave up: do not wait for room */
};

static void *producer(void *arg)
{
	struct stream *st = arg;
	uint8_t pkt[124];

	for (uint32_t i = 0; i < STREAM && !atomic_load(&st->stop);) {
		size_t len = 4 + i % 120;

		memset(pkt, (int)(i * 7), sizeof pkt);
		memcpy(pkt, &i, 4);
		int r = ring_push(st->r, pkt, len);
		if (r == RING_OK)
			i++;
		else if (r == RING_E_FULL)
			sched_yield();
		else
			st->bad = 1;
	}
	return NULL;
}

/* Two threads, a four-slot ring: order and content survive the race. */
static void test_ring_threads(void)
{
	struct ring p, c;
	struct stream st = { &p, 0, 0 };
	uint8_t out[128];
	void *mem = make(4, 128, &p, &c);
	pthread_t th;
	uint32_t next = 0;
	int bad = 0;

	CHECK(mem != NULL);
	CHECK_EQ(pthread_create(&th, NULL, producer, &st), 0);
	while (next < STREAM && !bad) {
		int r = ring_pop(&c, out, sizeof out);
		uint32_t seq;

		if (r == RING_E_EMPTY) {
			sched_yield();
			continue;
		}
		memcpy(&seq, out, 4);
		if (r != (int)(4 + next % 120) || seq != next ||
		    (r > 4 && out[r - 1] != (uint8_t)(next * 7)))
			bad = 1;
		next++;
	}
	atomic_store(&st.stop, 1);
	pthread_join(th, NULL);
	CHECK_EQ(bad, 0);
	CHECK_EQ(st.bad, 0);
	CHECK_EQ(next, STREAM);
	CHECK_EQ(ring_pop(&c, out, sizeof out), RING_E_EMPTY);
	free(mem);
}

int main(void)
{
	RUN(test_ring_geometry);
	RUN(test_ring_fifo);
	RUN(test_ring_index_wrap);
	RUN(test_ring_corrupt_peer);
	RUN(test_ring_fuzz);
	RUN(test_ring_threads);
	return check_summary();
}
