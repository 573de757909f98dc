/*
 * libFuzzer entry point for the modem stack's parsers of hostile input
 * (modem-stack/): `ci/fuzz modem` builds it with clang's
 * -fsanitize=fuzzer,address,undefined and runs it over tests/fuzz/modem/.
 *
 * The first byte picks the target, the rest is its input:
 *
 *   0  at_handle:  lines separated by '\n', through one server, with ticks
 *   1  pdcp_rx:    the input as a PDU; and as an SDU protected, then
 *                  damaged at a position the input chooses
 *   2  mac_demux:  the input as a MAC PDU; what it yields is multiplexed
 *                  again and must demultiplex to the same list
 *   3  rlc_rx:     PDUs with one length byte each, popped as they complete
 *   4  ring:       operations on a small ring whose shared region the
 *                  input also scribbles on
 *   5  phy_decode: the input as air symbols (repeated to the burst length)
 *
 * Beyond "no crash, no sanitizer report", each target checks the module's
 * promises (bounded output, final result codes, no forged PDU accepted,
 * SDUs inside the PDU, defined error codes) and aborts if one breaks.
 */
#include "at.h"
#include "mac.h"
#include "pdcp.h"
#include "phy.h"
#include "ring.h"
#include "rlc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ends_with(const char *p, size_t n, const char *tail)
{
	size_t t = strlen(tail);

	return n >= t && memcmp(p + n - t, tail, t) == 0;
}

static void fuzz_at(const uint8_t *d, size_t n)
{
	static char out[AT_RESPONSE_MAX + 1];
	struct at_state st;
	size_t start = 0, r;

	at_init(&st, 1);
	for (size_t i = 0; i <= n; i++) {
		if (i < n && d[i] != '\n')
			continue;
		r = at_handle(&st, (const char *)d + start, i - start, out, sizeof out);
		if (r > AT_RESPONSE_MAX ||
		    !(ends_with(out, r, "\r\nOK\r\n") || ends_with(out, r, "\r\nERROR\r\n") ||
		      ends_with(out, r, "\r\nNO CARRIER\r\n")))
			abort();
		/* The same line into a tiny buffer: bounded, never past cap. */
		out[7] = '#';
		if (at_handle(&st, (const char *)d + start, i - start, out, 7) > 7 || out[7] != '#')
			abort();
		if (at_tick(&st, out, sizeof out) > AT_URC_MAX)
			abort();
		if ((i - start) % 7 == 3)
			(void)at_incoming(&st, (const char *)d + start, (i - start) % 25);
		start = i + 1;
	}
}

static void fuzz_pdcp(const uint8_t *d, size_t n)
{
	static uint8_t sdu[PDCP_MAX_PDU], pdu[PDCP_MAX_PDU];
	struct pdcp_keys k;
	struct pdcp_tx_ctx tx;
	struct pdcp_rx_ctx rx;
	int len, r;

	memset(&k, 0x5a, sizeof k);
	(void)pdcp_tx_init(&tx, &k, 3, PDCP_UPLINK);
	(void)pdcp_rx_init(&rx, &k, 3, PDCP_UPLINK);
	/* Forged: nothing the fuzzer writes carries a valid MAC-I. */
	if (pdcp_rx(&rx, d, n, sdu, sizeof sdu, NULL) >= 0)
		abort();
	/* Genuine, then damaged at an input-chosen bit: accepted once
	 * intact, never damaged. */
	if (n > PDCP_MAX_SDU)
		n = PDCP_MAX_SDU;
	len = pdcp_tx(&tx, d, n, pdu, sizeof pdu);
	if (len != (int)n + PDCP_OVERHEAD)
		abort();
	if (n > 0) {
		size_t bit = ((size_t)d[0] << 8 | d[n - 1]) % ((size_t)len * 8);

		pdu[bit / 8] ^= (uint8_t)(1u << bit % 8);
		if (pdcp_rx(&rx, pdu, (size_t)len, sdu, sizeof sdu, NULL) >= 0)
			abort();
		pdu[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
	r = pdcp_rx(&rx, pdu, (size_t)len, sdu, sizeof sdu, NULL);
	if (r != (int)n || memcmp(sdu, d, n) != 0)
		abort();
	if (pdcp_rx(&rx, pdu, (size_t)len, sdu, sizeof sdu, NULL) != PDCP_E_REPLAY)
		abort();
}

static void fuzz_mac(const uint8_t *d, size_t n)
{
	static struct mac_sdu a[MAC_MAX_SDUS], b[MAC_MAX_SDUS];
	static struct mac_sdu_in in[MAC_MAX_SDUS];
	static uint8_t tb[MAC_MAX_TB];
	int na, nb;

	na = mac_demux(d, n, a, MAC_MAX_SDUS);
	if (na < MAC_E_TOO_MANY)
		abort();
	for (int i = 0; i < na; i++) {
		if (a[i].lcid < 1 || a[i].lcid > MAC_MAX_LCID || a[i].len == 0 ||
		    (size_t)a[i].off + a[i].len > n)
			abort();
		in[i].lcid = a[i].lcid;
		in[i].data = d + a[i].off;
		in[i].len = a[i].len;
	}
	if (na <= 0)
		return;
	/* Multiplexed with the sender's subheaders it may shrink (16-bit L
	 * for short SDUs), never grow: it fits in n bytes. */
	if (mac_mux(in, (unsigned)na, tb, n) != (int)n)
		abort();
	nb = mac_demux(tb, n, b, MAC_MAX_SDUS);
	if (nb != na)
		abort();
	for (int i = 0; i < nb; i++)
		if (b[i].lcid != a[i].lcid || b[i].len != a[i].len ||
		    memcmp(tb + b[i].off, d + a[i].off, a[i].len) != 0)
			abort();
}

static void fuzz_rlc(const uint8_t *d, size_t n)
{
	static struct rlc_rx rx;
	static uint8_t out[RLC_MAX_SDU];
	size_t pos = 0;
	int r;

	rlc_rx_init(&rx, n > 0 ? d[0] % 4 : 0);
	while (pos < n) {
		size_t len = d[pos++];

		if (len > n - pos)
			len = n - pos;
		r = rlc_rx_pdu(&rx, d + pos, len);
		if (r > 0 || r < RLC_E_SPACE)
			abort();
		pos += len;
		if (len % 3 == 0)
			rlc_rx_tick(&rx);
		while ((r = rlc_rx_pop(&rx, out, len % 5 == 0 ? 16 : sizeof out)) != 0)
			if (r != RLC_E_SPACE && (r < 0 || r > RLC_MAX_SDU))
				abort();
	}
	if (rx.next >= RLC_SN_MOD)
		abort();
}

static void fuzz_ring(const uint8_t *d, size_t n)
{
	enum { SLOTS = 4, BYTES = 32 };
	static _Alignas(8) uint8_t mem[RING_HDR_BYTES + SLOTS * BYTES];
	uint8_t buf[BYTES];
	struct ring p, c;
	size_t i;
	int r;

	if (ring_format(mem, sizeof mem, SLOTS, BYTES) != RING_OK ||
	    ring_attach(&p, mem, sizeof mem, SLOTS, BYTES, RING_PRODUCER) != RING_OK ||
	    ring_attach(&c, mem, sizeof mem, SLOTS, BYTES, RING_CONSUMER) != RING_OK)
		abort();
	for (i = 0; i + 1 < n; i += 2) {
		unsigned op = d[i] % 4, arg = d[i + 1];

		if (op == 0) {
			memset(buf, (int)arg, sizeof buf);
			r = ring_push(&p, buf, arg % (BYTES + 2));
			if (r > 0 || r < RING_E_SPACE)
				abort();
		} else if (op == 1) {
			r = ring_pop(&c, buf, arg % (BYTES + 2));
			if (r > (int)ring_mtu(&c) || r < RING_E_SPACE || (r > 0 && r > (int)(arg % (BYTES + 2))))
				abort();
		} else if (op == 2) {
			mem[(arg * 7u) % sizeof mem] = d[i]; /* the peer scribbles */
		} else if (ring_count(&p) > SLOTS || ring_count(&c) > SLOTS) {
			abort();
		}
	}
}

static void fuzz_phy(const uint8_t *d, size_t n)
{
	static struct phy_scratch sc;
	static int8_t air[PHY_MAX_AIR];
	static uint8_t tb[64];
	struct phy_cfg cfg = { 24, 2, PHY_FEC_CONV, 7, 5 };
	size_t len;

	if (n == 0)
		return;
	cfg.fec = d[0] & 1;
	len = phy_air_len(&cfg);
	for (size_t i = 0; i < len; i++)
		air[i] = (int8_t)d[i % n];
	/* Accepted only with a matching CRC-24A behind the block. */
	if (phy_decode(&cfg, d[0], air, len, &sc, tb, sizeof tb) == 24) {
		uint32_t crc = phy_crc24a(tb, 24);

		if (sc.block[24] != (uint8_t)(crc >> 16) || sc.block[25] != (uint8_t)(crc >> 8) ||
		    sc.block[26] != (uint8_t)crc)
			abort();
	}
	if (phy_decode(&cfg, 0, air, len - 1, &sc, tb, sizeof tb) != PHY_E_LEN)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 6) {
	case 0: fuzz_at(data + 1, size - 1); break;
	case 1: fuzz_pdcp(data + 1, size - 1); break;
	case 2: fuzz_mac(data + 1, size - 1); break;
	case 3: fuzz_rlc(data + 1, size - 1); break;
	case 4: fuzz_ring(data + 1, size - 1); break;
	default: fuzz_phy(data + 1, size - 1); break;
	}
	return 0;
}
