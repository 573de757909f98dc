/* The dialer's test packets (pure C, host-tested): each says its own sequence number and length, and
 * carries a payload anyone can regenerate from the sequence number, under a checksum. */
#include <string.h>
#include "appos.h"

#define HDR 8u     /* "MP", length, sequence number */
#define TRAILER 4u /* FNV-1a */

uint32_t fnv1a(const void *p, size_t n, uint32_t h)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

uint32_t pkt_size(uint32_t seq, uint32_t max)
{
	max = max < PKT_MIN ? PKT_MIN : max > PKT_MAX ? PKT_MAX : max;
	if (seq % 256 == 0)   /* a session starts at such a number: its first is the shortest, */
		return PKT_MIN;
	if (seq % 256 == 1)   /* its second the longest */
		return max;
	return PKT_MIN + ((seq * 2654435761u) >> 16) % (max - PKT_MIN + 1);
}

static uint32_t gen_seed(uint32_t seq)
{
	uint32_t x = seq * 0x9e3779b9u + 0x7f4a7c15u;
	return x ? x : 1;
}

static uint8_t gen_next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return (uint8_t)(*x >> 24);
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static uint32_t get16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }

uint32_t pkt_build(uint32_t seq, uint32_t max, uint8_t *buf, uint32_t cap)
{
	uint32_t len = pkt_size(seq, max);
	if (cap < len)
		return 0;
	buf[0] = 'M';
	buf[1] = 'P';
	put16(buf + 2, len);
	put32(buf + 4, seq);
	uint32_t x = gen_seed(seq);
	for (uint32_t i = HDR; i < len - TRAILER; i++)
		buf[i] = gen_next(&x);
	put32(buf + len - TRAILER, fnv1a(buf, len - TRAILER, FNV_SEED));
	return len;
}

enum pkt_err pkt_check(const uint8_t *buf, uint32_t len, uint32_t max, uint32_t *seq)
{
	if (len < PKT_MIN)
		return PKT_SHORT;
	if (buf[0] != 'M' || buf[1] != 'P')
		return PKT_MAGIC;
	*seq = get32(buf + 4);
	if (get16(buf + 2) != len || len != pkt_size(*seq, max))
		return PKT_LENGTH;
	if (get32(buf + len - TRAILER) != fnv1a(buf, len - TRAILER, FNV_SEED))
		return PKT_SUM;
	uint32_t x = gen_seed(*seq);
	for (uint32_t i = HDR; i < len - TRAILER; i++)
		if (buf[i] != gen_next(&x))
			return PKT_PAYLOAD;
	return PKT_INTACT;
}

void tally_start(struct pkt_tally *t, uint32_t base, uint32_t count, uint32_t max)
{
	memset(t, 0, sizeof(*t));
	t->base = base;
	t->max = max;
	t->count = count > 256 ? 256 : count;
}

void tally_add(struct pkt_tally *t, const uint8_t *buf, uint32_t len)
{
	uint32_t seq = 0;
	if (pkt_check(buf, len, t->max, &seq) != PKT_INTACT) {
		t->damaged++;
		return;
	}
	uint32_t i = seq - t->base;   /* wraps for seq < base: then it is foreign too */
	if (i >= t->count) {
		t->foreign++;
		return;
	}
	if (t->seen[i / 32] >> (i % 32) & 1) {
		t->duplicate++;
		return;
	}
	t->seen[i / 32] |= 1u << (i % 32);
	t->intact++;
}

bool tally_complete(const struct pkt_tally *t)
{
	return t->intact == t->count;
}
