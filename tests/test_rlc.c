/*
 * Host tests for modem-stack/lib/rlc.c: segmentation and reassembly, header
 * format, loss, duplicates, window moves, the reassembly timer, SN
 * wrap-around, and seeded runs over damaged and hostile PDU streams.
 */
#include "check.h"
#include "rlc.h"

#include <stdint.h>
#include <string.h>

static struct rlc_tx tx;
static struct rlc_rx rx;

/* An SDU whose bytes say which one it is: seq in the first two bytes. */
static size_t make_sdu(uint8_t *p, unsigned seq, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seq * 31 + i * 7);
	if (len >= 2) {
		p[0] = (uint8_t)(seq >> 8);
		p[1] = (uint8_t)seq;
	}
	return len;
}

static int sdu_ok(const uint8_t *p, size_t len, unsigned *seq)
{
	uint8_t want[RLC_MAX_SDU];

	if (len < 2)
		return 0;
	*seq = (unsigned)p[0] << 8 | p[1];
	make_sdu(want, *seq, len);
	return memcmp(want, p, len) == 0;
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_rlc_whole_and_segments(void)
{
	uint8_t sdu[RLC_MAX_SDU], pdu[RLC_MAX_SDU + 8], out[RLC_MAX_SDU];
	size_t n;

	rlc_tx_init(&tx);
	rlc_rx_init(&rx, 0);
	/* A whole SDU: SI 0, SN 0, 2-byte header. */
	make_sdu(sdu, 0, 10);
	CHECK_EQ(rlc_tx_enqueue(&tx, sdu, 10), RLC_OK);
	CHECK_EQ(rlc_tx_bo(&tx), 12);
	CHECK_EQ(rlc_tx_pdu(&tx, pdu, 100), 12);
	CHECK_EQ(pdu[0], 0x00);
	CHECK_EQ(pdu[1], 0x00);
	CHECK(memcmp(pdu + 2, sdu, 10) == 0);
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, 12), RLC_OK);
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), 10);
	CHECK(memcmp(out, sdu, 10) == 0);
	/* A 25-byte SDU in 8-byte PDUs: first (6), middle (4), ... last. */
	make_sdu(sdu, 1, 25);
	CHECK_EQ(rlc_tx_enqueue(&tx, sdu, 25), RLC_OK);
	CHECK_EQ(rlc_tx_pdu(&tx, pdu, 2), 0); /* no room for a data byte */
	CHECK_EQ(rlc_tx_pdu(&tx, pdu, 8), 8);
	CHECK_EQ(pdu[0], 0x40);               /* SI first, SN 1 */
	CHECK_EQ(pdu[1], 0x01);
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, 8), RLC_OK);
	CHECK_EQ(rlc_tx_bo(&tx), 4 + 19);
	CHECK_EQ(rlc_tx_pdu(&tx, pdu, 4), 0); /* a segment needs 4 + 1 */
	for (int k = 0; (n = rlc_tx_pdu(&tx, pdu, 8)) > 0; k++) {
		unsigned si = pdu[0] >> 6, so = (unsigned)pdu[2] << 8 | pdu[3];

		CHECK_EQ(so, 6 + 4 * k);
		CHECK_EQ(si, so + 4 >= 25 ? RLC_SI_LAST : RLC_SI_MIDDLE);
		CHECK_EQ(rlc_rx_ready(&rx), 0);
		CHECK_EQ(rlc_rx_pdu(&rx, pdu, n), RLC_OK);
	}
	CHECK_EQ(rlc_tx_queued(&tx), 0);
	CHECK_EQ(rlc_tx_bo(&tx), 0);
	CHECK_EQ(rlc_rx_ready(&rx), 25);
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), 25);
	CHECK(memcmp(out, sdu, 25) == 0);
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), 0);
	CHECK_EQ(rx.st.delivered, 2);
}

/* Every SDU size against every PDU size in a range: bytes come back intact. */
static void test_rlc_sizes(void)
{
	uint8_t sdu[RLC_MAX_SDU], pdu[RLC_MAX_SDU + 8], out[RLC_MAX_SDU];
	unsigned seq = 0, got, delivered = 0;
	size_t lens[] = { 1, 2, 3, 7, 100, 255, 256, 1000, RLC_MAX_SDU };

	rlc_tx_init(&tx);
	rlc_rx_init(&rx, 0);
	for (size_t max = 5; max < 300; max += 7) {
		for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++, seq++) {
			size_t len = make_sdu(sdu, seq & 0xffff, lens[i]), n;
			int r;

			CHECK_EQ(rlc_tx_enqueue(&tx, sdu, len), RLC_OK);
			while ((n = rlc_tx_pdu(&tx, pdu, max)) > 0) {
				CHECK(n <= max);
				CHECK_EQ(rlc_rx_pdu(&rx, pdu, n), RLC_OK);
			}
			r = rlc_rx_pop(&rx, out, sizeof out);
			CHECK_EQ(r, (int)len);
			CHECK(memcmp(out, sdu, len) == 0);
			if (len >= 2) {
				CHECK(sdu_ok(out, len, &got));
				CHECK_EQ(got, seq & 0xffff);
			}
			delivered++;
		}
	}
	CHECK_EQ(rx.st.delivered, delivered);
	CHECK_EQ(rx.st.lost + rx.st.incomplete + rx.st.dup + rx.st.malformed, 0);
}

static void test_rlc_tx_limits(void)
{
	uint8_t sdu[RLC_MAX_SDU + 1] = { 0 }, pdu[64];

	rlc_tx_init(&tx);
	CHECK_EQ(rlc_tx_enqueue(&tx, sdu, 0), RLC_E_ARG);
	CHECK_EQ(rlc_tx_enqueue(&tx, sdu, RLC_MAX_SDU + 1), RLC_E_ARG);
	for (int i = 0; i < RLC_TX_QUEUE; i++)
		CHECK_EQ(rlc_tx_enqueue(&tx, sdu, 10), RLC_OK);
	CHECK_EQ(rlc_tx_enqueue(&tx, sdu, 10), RLC_E_FULL);
	CHECK_EQ(tx.full_drops, 1);
	CHECK_EQ(rlc_tx_bo(&tx), RLC_TX_QUEUE * 12);
	CHECK_EQ(rlc_tx_pdu(&tx, pdu, 12), 12);
	CHECK_EQ(rlc_tx_enqueue(&tx, sdu, 10), RLC_OK); /* a slot came free */
	CHECK_EQ(rlc_tx_pdu(&tx, pdu, 0), 0);
	CHECK_EQ(rlc_tx_pdu(&tx, pdu, 2), 0);
	rlc_tx_init(&tx);
	CHECK_EQ(rlc_tx_pdu(&tx, pdu, sizeof pdu), 0); /* nothing queued */
}

/* Builds the PDUs of SDU seq (len bytes) cut at max into pdus[]. */
static unsigned cut(unsigned seq, size_t len, size_t max, uint8_t pdus[16][64], size_t *plen)
{
	uint8_t sdu[RLC_MAX_SDU];
	unsigned n = 0;

	make_sdu(sdu, seq, len);
	(void)rlc_tx_enqueue(&tx, sdu, len);
	while (n < 16 && (plen[n] = rlc_tx_pdu(&tx, pdus[n], max < 64 ? max : 64)) > 0)
		n++;
	return n;
}

static void test_rlc_lost_segment(void)
{
	uint8_t pdus[16][64], out[RLC_MAX_SDU];
	size_t plen[16];
	unsigned n, seq;

	rlc_tx_init(&tx);
	rlc_rx_init(&rx, 0);
	n = cut(0, 40, 16, pdus, plen);      /* SN 0: 4 PDUs */
	CHECK_EQ(n, 4);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[0], plen[0]), RLC_OK);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[1], plen[1]), RLC_OK);
	/* pdus[2] is lost: the last segment does not join. */
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[3], plen[3]), RLC_E_SEGMENT);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[2], plen[2]), RLC_E_DUP); /* too late: the SDU is broken */
	n = cut(1, 20, 64, pdus, plen);      /* SN 1: whole */
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[0], plen[0]), RLC_OK);
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), 20);
	CHECK(sdu_ok(out, 20, &seq));
	CHECK_EQ(seq, 1);
	CHECK_EQ(rx.st.incomplete, 1);
	CHECK_EQ(rx.st.bad_segment, 1);
	/* A middle segment whose first was lost breaks that SDU only. */
	n = cut(2, 40, 16, pdus, plen);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[1], plen[1]), RLC_E_SEGMENT);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[0], plen[0]), RLC_E_DUP);
	n = cut(3, 10, 64, pdus, plen);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[0], plen[0]), RLC_OK);
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), 10);
	CHECK(sdu_ok(out, 10, &seq));
	CHECK_EQ(seq, 3);
	CHECK_EQ(rx.st.delivered, 2);
}

/* A whole SDU lost: the hole is given up after t_reassembly ticks. */
static void test_rlc_reassembly_timer(void)
{
	uint8_t pdus[16][64], out[RLC_MAX_SDU];
	size_t plen[16];
	unsigned seq;

	rlc_tx_init(&tx);
	rlc_rx_init(&rx, 3);
	(void)cut(0, 10, 64, pdus, plen);    /* SN 0 is lost */
	(void)cut(1, 11, 64, pdus, plen);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[0], plen[0]), RLC_OK);
	(void)cut(2, 12, 8, pdus, plen);     /* SN 2: first segment only, for now */
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[0], plen[0]), RLC_OK);
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), 0); /* SN 0 missing */
	rlc_rx_tick(&rx);                    /* the wait starts */
	rlc_rx_tick(&rx);
	rlc_rx_tick(&rx);
	CHECK_EQ(rlc_rx_ready(&rx), 0);
	CHECK_EQ(rx.st.lost, 0);
	rlc_rx_tick(&rx);                    /* 3 ticks waited: SN 0 goes */
	CHECK_EQ(rx.st.lost, 1);
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), 11);
	CHECK(sdu_ok(out, 11, &seq));
	CHECK_EQ(seq, 1);
	/* SN 2 is partial with nothing after it: it may wait for ever. */
	for (int i = 0; i < 10; i++)
		rlc_rx_tick(&rx);
	CHECK_EQ(rx.st.incomplete, 0);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[1], plen[1]), RLC_OK); /* middle */
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[2], plen[2]), RLC_OK); /* last */
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), 12);
	CHECK(sdu_ok(out, 12, &seq));
	CHECK_EQ(seq, 2);
	/* With later data, a partial head is given up as incomplete. */
	(void)cut(3, 30, 8, pdus, plen);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[0], plen[0]), RLC_OK);
	(void)cut(4, 5, 64, pdus, plen);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[0], plen[0]), RLC_OK);
	for (int i = 0; i < 4; i++)
		rlc_rx_tick(&rx);
	CHECK_EQ(rx.st.incomplete, 1);
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), 5);
}

static void test_rlc_duplicates_and_old(void)
{
	uint8_t pdus[16][64], out[RLC_MAX_SDU];
	size_t plen[16];

	rlc_tx_init(&tx);
	rlc_rx_init(&rx, 0);
	(void)cut(0, 10, 64, pdus, plen);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[0], plen[0]), RLC_OK);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[0], plen[0]), RLC_E_DUP);   /* complete, not popped */
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), 10);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[0], plen[0]), RLC_E_OLD);   /* delivered */
	(void)cut(1, 20, 8, pdus, plen);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[0], plen[0]), RLC_OK);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[0], plen[0]), RLC_E_DUP);   /* a second first segment */
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[1], plen[1]), RLC_OK);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[1], plen[1]), RLC_E_DUP);   /* a segment already held */
	/* 20 bytes in 8-byte PDUs: 6 + 4 + 4 + 4 + 2. */
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[2], plen[2]), RLC_OK);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[3], plen[3]), RLC_OK);
	CHECK_EQ(rlc_rx_ready(&rx), 0);
	CHECK_EQ(rlc_rx_pdu(&rx, pdus[4], plen[4]), RLC_OK);
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), 20);
	CHECK_EQ(rx.st.dup, 3);
	CHECK_EQ(rx.st.old, 1);
}

static void test_rlc_window(void)
{
	uint8_t pdu[8] = { 0 }, out[RLC_MAX_SDU];

	rlc_rx_init(&rx, 0);
	/* SN 5 within the window waits for 0..4. */
	pdu[0] = 0x00; pdu[1] = 5; pdu[2] = 0xaa;
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, 3), RLC_OK);
	CHECK_EQ(rlc_rx_ready(&rx), 0);
	/* SN 100 pushes the window: 0..84 fall out, 5 among them. */
	pdu[1] = 100;
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, 3), RLC_OK);
	CHECK_EQ(rx.next, 100 - RLC_RX_WINDOW + 1);
	CHECK_EQ(rx.st.lost, 100 - RLC_RX_WINDOW);
	CHECK_EQ(rx.st.incomplete, 1);
	/* SN 5 is now behind the window. */
	pdu[1] = 5;
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, 3), RLC_E_OLD);
	/* Half the SN space ahead counts as behind. */
	pdu[0] = (uint8_t)((100 + RLC_HALF) >> 8 & 0x0f);
	pdu[1] = (uint8_t)(100 + RLC_HALF);
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, 3), RLC_E_OLD);
	rlc_rx_tick(&rx);
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), 1);
	CHECK_EQ(out[0], 0xaa);
}

static void test_rlc_malformed(void)
{
	uint8_t pdu[RLC_MAX_SDU + 8] = { 0 }, out[4];

	rlc_rx_init(&rx, 0);
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, 0), RLC_E_SHORT);
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, 2), RLC_E_SHORT);   /* header, no data */
	pdu[0] = 0xc0;                                    /* middle: needs SO */
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, 4), RLC_E_SHORT);
	pdu[0] = 0x10;                                    /* reserved bit */
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, 5), RLC_E_HEADER);
	pdu[0] = 0x00;
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, RLC_MAX_SDU + 3), RLC_E_SHORT); /* longer than any SDU */
	/* A first segment, then a last one that would pass RLC_MAX_SDU. */
	pdu[0] = 0x40;
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, 12), RLC_OK);
	pdu[0] = 0x80; pdu[2] = (RLC_MAX_SDU - 5) >> 8; pdu[3] = (uint8_t)(RLC_MAX_SDU - 5);
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, 14), RLC_E_SEGMENT);
	CHECK_EQ(rx.st.malformed, 5);
	/* A complete SDU that does not fit the caller's buffer is dropped. */
	pdu[0] = 0x00; pdu[1] = 1;
	CHECK_EQ(rlc_rx_pdu(&rx, pdu, 12), RLC_OK);
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), RLC_E_SPACE);
	CHECK_EQ(rx.st.too_big, 1);
	CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), 0);
}

/* 10,000 SDUs: the 12-bit SN wraps twice on both sides. */
static void test_rlc_sn_wrap(void)
{
	uint8_t sdu[64], pdu[64], out[RLC_MAX_SDU];
	unsigned seq;

	rlc_tx_init(&tx);
	rlc_rx_init(&rx, 0);
	for (unsigned i = 0; i < 10000; i++) {
		size_t n, len = make_sdu(sdu, i & 0xffff, 2 + i % 40);

		CHECK_EQ(rlc_tx_enqueue(&tx, sdu, len), RLC_OK);
		while ((n = rlc_tx_pdu(&tx, pdu, 17)) > 0)
			CHECK_EQ(rlc_rx_pdu(&rx, pdu, n), RLC_OK);
		CHECK_EQ(rlc_rx_pop(&rx, out, sizeof out), (int)len);
		CHECK(sdu_ok(out, len, &seq));
		CHECK_EQ(seq, i);
	}
	CHECK_EQ(tx.next_sn, 10000 % RLC_SN_MOD);
}

/*
 * A genuine stream through a damaging channel: PDUs lost, duplicated,
 * swapped with the next and corrupted. Whatever happens, every SDU handed
 * up is one that was sent, intact, and in increasing order.
 */
static void test_rlc_damaged_stream(void)
{
	static uint8_t q[8][RLC_MAX_SDU + 8];
	uint8_t sdu[RLC_MAX_SDU], out[RLC_MAX_SDU];
	size_t qlen[8];
	uint32_t s = 99;
	unsigned sent = 0, last = 0, got, delivered = 0;
	int r, have_last = 0;

	rlc_tx_init(&tx);
	rlc_rx_init(&rx, 1);
	for (unsigned tti = 0; tti < 20000; tti++) {
		unsigned nq = 0;

		if (rlc_tx_queued(&tx) < 4) {
			size_t len = 2 + rnd(&s) % 300;

			make_sdu(sdu, sent & 0xffff, len);
			CHECK_EQ(rlc_tx_enqueue(&tx, sdu, len), RLC_OK);
			sent++;
		}
		while (nq < 8 && (qlen[nq] = rlc_tx_pdu(&tx, q[nq], 10 + rnd(&s) % 120)) > 0)
			nq++;
		for (unsigned i = 0; i < nq; i++) {
			unsigned k = i, fate = rnd(&s) % 100;

			if (fate < 3)
				continue;                             /* lost */
			if (fate < 6 && i + 1 < nq)
				k = i + 1;                            /* swapped */
			if (fate < 8 && qlen[k] > 4)
				q[k][4 + rnd(&s) % (qlen[k] - 4)] ^= 0x5a; /* corrupted data */
			(void)rlc_rx_pdu(&rx, q[k], qlen[k]);
			if (fate < 10)
				(void)rlc_rx_pdu(&rx, q[k], qlen[k]);  /* duplicated */
		}
		rlc_rx_tick(&rx);
		while ((r = rlc_rx_pop(&rx, out, sizeof out)) > 0) {
			/* Corrupted data may come through (RLC has no checksum; PDCP's
			 * MAC-I catches it); misassembly must not. */
			if (sdu_ok(out, (size_t)r, &got)) {
				CHECK_MSG(!have_last || got > last || (last > 60000 && got < 1000),
					  "SDU %u after %u", got, last);
				last = got;
				have_last = 1;
			}
			delivered++;
		}
	}
	CHECK(delivered > sent / 2);
	CHECK_EQ(rx.st.delivered, delivered);
}

/* 100,000 random PDUs into a receiver: nothing but counters may change. */
static void test_rlc_fuzz(void)
{
	uint8_t pdu[RLC_MAX_SDU + 16], out[RLC_MAX_SDU];
	uint32_t s = 4242;
	unsigned i;

	rlc_rx_init(&rx, 2);
	for (i = 0; i < 100000; i++) {
		size_t len = rnd(&s) % 8 == 0 ? rnd(&s) % sizeof pdu : rnd(&s) % 24;
		int r;

		for (size_t k = 0; k < len; k++)
			pdu[k] = (uint8_t)rnd(&s);
		if (rnd(&s) % 2)
			pdu[0] &= 0xcf; /* mostly valid headers, to go deeper */
		if (len > 1 && rnd(&s) % 2)
			pdu[1] = (uint8_t)(rx.next + rnd(&s) % 20); /* near the window */
		r = rlc_rx_pdu(&rx, pdu, len);
		CHECK(r <= 0 && r >= RLC_E_SPACE);
		if (rnd(&s) % 4 == 0)
			rlc_rx_tick(&rx);
		while ((r = rlc_rx_pop(&rx, out, rnd(&s) % 16 == 0 ? 8 : sizeof out)) != 0)
			CHECK(r == RLC_E_SPACE || (r > 0 && r <= RLC_MAX_SDU));
	}
	CHECK(rx.next < RLC_SN_MOD);
}

int main(void)
{
	RUN(test_rlc_whole_and_segments);
	RUN(test_rlc_sizes);
	RUN(test_rlc_tx_limits);
	RUN(test_rlc_lost_segment);
	RUN(test_rlc_reassembly_timer);
	RUN(test_rlc_duplicates_and_old);
	RUN(test_rlc_window);
	RUN(test_rlc_malformed);
	RUN(test_rlc_sn_wrap);
	RUN(test_rlc_damaged_stream);
	RUN(test_rlc_fuzz);
	return check_summary();
}
