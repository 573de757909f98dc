/*
 * RLC UM segmentation and reassembly (see rlc.h and docs/modem.md).
 */
#include "rlc.h"

#include <string.h>

static uint16_t sn_add(uint32_t sn, uint32_t d)
{
	return (uint16_t)((sn + d) % RLC_SN_MOD);
}

/* Distance from a to b going forward, modulo the SN space. */
static uint32_t sn_diff(uint32_t b, uint32_t a)
{
	return (b + RLC_SN_MOD - a) % RLC_SN_MOD;
}

/* ---- transmitting entity ---- */

void rlc_tx_init(struct rlc_tx *tx)
{
	memset(tx, 0, sizeof *tx);
}

int rlc_tx_enqueue(struct rlc_tx *tx, const uint8_t *sdu, size_t len)
{
	unsigned slot;

	if (len == 0 || len > RLC_MAX_SDU)
		return RLC_E_ARG;
	if (tx->count >= RLC_TX_QUEUE) {
		tx->full_drops++;
		return RLC_E_FULL;
	}
	slot = (tx->head + tx->count) % RLC_TX_QUEUE;
	memcpy(tx->buf[slot], sdu, len);
	tx->len[slot] = (uint16_t)len;
	tx->sn[slot] = tx->next_sn;
	tx->next_sn = sn_add(tx->next_sn, 1);
	tx->count++;
	tx->sdus++;
	return RLC_OK;
}

uint32_t rlc_tx_bo(const struct rlc_tx *tx)
{
	uint32_t bo = 0;
	unsigned i, slot;

	for (i = 0; i < tx->count; i++) {
		slot = (tx->head + i) % RLC_TX_QUEUE;
		if (i == 0 && tx->so > 0)
			bo += RLC_HDR_SO + tx->len[slot] - tx->so;
		else
			bo += RLC_HDR_WHOLE + tx->len[slot];
	}
	return bo;
}

unsigned rlc_tx_queued(const struct rlc_tx *tx)
{
	return tx->count;
}

size_t rlc_tx_pdu(struct rlc_tx *tx, uint8_t *out, size_t max)
{
	unsigned slot = tx->head;
	size_t hdr, left, take;
	unsigned si;

	if (tx->count == 0)
		return 0;
	hdr = tx->so > 0 ? RLC_HDR_SO : RLC_HDR_WHOLE;
	if (max <= hdr)
		return 0;
	left = tx->len[slot] - tx->so;
	take = left <= max - hdr ? left : max - hdr;
	if (tx->so == 0)
		si = take == left ? RLC_SI_WHOLE : RLC_SI_FIRST;
	else
		si = take == left ? RLC_SI_LAST : RLC_SI_MIDDLE;
	out[0] = (uint8_t)(si << 6 | tx->sn[slot] >> 8);
	out[1] = (uint8_t)tx->sn[slot];
	if (hdr == RLC_HDR_SO) {
		out[2] = (uint8_t)(tx->so >> 8);
		out[3] = (uint8_t)tx->so;
	}
	memcpy(out + hdr, tx->buf[slot] + tx->so, take);
	tx->pdus++;
	if (take == left) {
		tx->head = (uint16_t)((tx->head + 1) % RLC_TX_QUEUE);
		tx->count--;
		tx->so = 0;
	} else {
		tx->so = (uint16_t)(tx->so + take);
	}
	return hdr + take;
}

/* ---- receiving entity ---- */

void rlc_rx_init(struct rlc_rx *rx, uint32_t t_reassembly)
{
	memset(rx, 0, sizeof *rx);
	rx->t_reassembly = t_reassembly;
}

static struct rlc_rx_slot *slot_of(struct rlc_rx *rx, uint32_t sn)
{
	return &rx->slot[sn % RLC_RX_WINDOW];
}

/* Gives up (or finishes delivering) the head SN and moves the window on. */
static void drop_head(struct rlc_rx *rx)
{
	struct rlc_rx_slot *s = slot_of(rx, rx->next);

	if (s->state == RLC_EMPTY)
		rx->st.lost++;
	else if (s->state != RLC_DONE)
		rx->st.incomplete++;
	s->state = RLC_EMPTY;
	s->got = 0;
	rx->next = sn_add(rx->next, 1);
	rx->stuck = 0;
}

/*
 * A PDU for an SN at or past the window's end pushes the window so that
 * the SN is its last: the SNs that fall out are given up, complete ones
 * included (docs/modem.md: in-order lower layers never get here unless
 * RLC_RX_WINDOW SDUs were lost).
 */
static void push_window(struct rlc_rx *rx, uint32_t sn)
{
	while (sn_diff(sn, rx->next) >= RLC_RX_WINDOW) {
		if (slot_of(rx, rx->next)->state == RLC_DONE)
			rx->st.incomplete++; /* complete but skipped: counted as not delivered */
		drop_head(rx);
	}
}

/* Appends a segment at offset so of the SDU in s. */
static int add_segment(struct rlc_rx *rx, struct rlc_rx_slot *s, unsigned si,
		       uint32_t so, const uint8_t *data, size_t n)
{
	if (s->state == RLC_DONE || s->state == RLC_BROKEN) {
		rx->st.dup++;
		return RLC_E_DUP;
	}
	if (s->state == RLC_EMPTY && so == 0 && (si == RLC_SI_WHOLE || si == RLC_SI_FIRST)) {
		s->got = 0; /* fall through to the append below */
	} else if (s->state == RLC_EMPTY || si == RLC_SI_WHOLE || si == RLC_SI_FIRST) {
		if (s->state == RLC_PARTIAL) {
			rx->st.dup++; /* a second start for an SDU under way */
			return RLC_E_DUP;
		}
		s->state = RLC_BROKEN; /* a middle or last segment without its start */
		rx->st.bad_segment++;
		return RLC_E_SEGMENT;
	} else if (so + n <= s->got) {
		rx->st.dup++;
		return RLC_E_DUP;
	} else if (so != s->got || so + n > RLC_MAX_SDU) {
		s->state = RLC_BROKEN;
		rx->st.bad_segment++;
		return RLC_E_SEGMENT;
	}
	memcpy(s->buf + so, data, n);
	s->got = (uint16_t)(so + n);
	s->state = (si == RLC_SI_WHOLE || si == RLC_SI_LAST) ? RLC_DONE : RLC_PARTIAL;
	rx->st.pdus++;
	return RLC_OK;
}

int rlc_rx_pdu(struct rlc_rx *rx, const uint8_t *pdu, size_t len)
{
	unsigned si;
	uint32_t sn, so = 0;
	size_t hdr;

	if (len < RLC_HDR_WHOLE + 1) {
		rx->st.malformed++;
		return RLC_E_SHORT;
	}
	si = pdu[0] >> 6;
	if (pdu[0] & 0x30u) {
		rx->st.malformed++;
		return RLC_E_HEADER;
	}
	sn = (uint32_t)(pdu[0] & 0x0fu) << 8 | pdu[1];
	hdr = (si == RLC_SI_LAST || si == RLC_SI_MIDDLE) ? RLC_HDR_SO : RLC_HDR_WHOLE;
	if (len < hdr + 1 || len - hdr > RLC_MAX_SDU) {
		rx->st.malformed++;
		return RLC_E_SHORT;
	}
	if (hdr == RLC_HDR_SO)
		so = (uint32_t)pdu[2] << 8 | pdu[3];
	if (sn_diff(sn, rx->next) >= RLC_HALF) {
		rx->st.old++;
		return RLC_E_OLD;
	}
	push_window(rx, sn);
	return add_segment(rx, slot_of(rx, sn), si, so, pdu + hdr, len - hdr);
}

/* Discards broken SDUs at the head: they can never complete. */
static void skip_broken(struct rlc_rx *rx)
{
	unsigned i;

	for (i = 0; i < RLC_RX_WINDOW && slot_of(rx, rx->next)->state == RLC_BROKEN; i++)
		drop_head(rx);
}

size_t rlc_rx_ready(struct rlc_rx *rx)
{
	struct rlc_rx_slot *s;

	skip_broken(rx);
	s = slot_of(rx, rx->next);
	return s->state == RLC_DONE ? s->got : 0;
}

int rlc_rx_pop(struct rlc_rx *rx, uint8_t *out, size_t cap)
{
	struct rlc_rx_slot *s;
	size_t n = rlc_rx_ready(rx);

	if (n == 0)
		return 0;
	s = slot_of(rx, rx->next);
	if (n > cap) {
		rx->st.too_big++;
		drop_head(rx);
		return RLC_E_SPACE;
	}
	memcpy(out, s->buf, n);
	rx->st.delivered++;
	drop_head(rx);
	return (int)n;
}

/* Whether any SN after the head has received something. */
static int later_data(struct rlc_rx *rx)
{
	unsigned d;

	for (d = 1; d < RLC_RX_WINDOW; d++)
		if (slot_of(rx, sn_add(rx->next, d))->state != RLC_EMPTY)
			return 1;
	return 0;
}

void rlc_rx_tick(struct rlc_rx *rx)
{
	unsigned i;

	rx->now++;
	skip_broken(rx);
	if (slot_of(rx, rx->next)->state == RLC_DONE || !later_data(rx)) {
		rx->stuck = 0;
		return;
	}
	if (!rx->stuck) {
		rx->stuck = 1;
		rx->stuck_since = rx->now;
	}
	if (rx->now - rx->stuck_since < rx->t_reassembly)
		return;
	/* Expired: as on NR's t-Reassembly expiry, every hole before the next
	 * complete SDU (or before the last SN with data) is given up at once. */
	for (i = 0; i < RLC_RX_WINDOW; i++) {
		if (slot_of(rx, rx->next)->state == RLC_DONE || !later_data(rx))
			break;
		drop_head(rx);
		skip_broken(rx);
	}
}
