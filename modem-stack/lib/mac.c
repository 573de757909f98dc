/*
 * MAC prioritization, multiplexing and demultiplexing (see mac.h).
 */
#include "mac.h"

#include <string.h>

#define F_BIT 0x40u
#define R_BIT 0x80u
#define LCID_MASK 0x3fu

size_t mac_subheader_len(size_t len)
{
	return len <= 255 ? MAC_SUBHDR_SHORT : MAC_SUBHDR_LONG;
}

int mac_sched_init(struct mac_sched *s, const struct mac_lc_cfg *lc, unsigned n)
{
	unsigned i, j, k;

	if (n > MAC_MAX_CHANNELS)
		return MAC_E_ARG;
	for (i = 0; i < n; i++) {
		if (lc[i].lcid < 1 || lc[i].lcid > MAC_MAX_LCID ||
		    lc[i].priority < 1 || lc[i].priority > 16 ||
		    (lc[i].pbr != MAC_PBR_INFINITE && lc[i].bucket < lc[i].pbr))
			return MAC_E_ARG;
		for (j = 0; j < i; j++)
			if (lc[j].lcid == lc[i].lcid)
				return MAC_E_ARG;
	}
	s->n = n;
	for (i = 0; i < n; i++) {
		s->lc[i] = lc[i];
		s->tokens[i] = 0;
	}
	/* Insertion sort by priority; equal priorities keep their order. */
	for (i = 0; i < n; i++) {
		for (k = i; k > 0 && lc[s->order[k - 1]].priority > lc[i].priority; k--)
			s->order[k] = s->order[k - 1];
		s->order[k] = (uint8_t)i;
	}
	return MAC_OK;
}

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

void mac_schedule(struct mac_sched *s, const uint32_t *bo, uint32_t tbs,
		  uint32_t *grant)
{
	uint32_t left = tbs, give;
	unsigned i, j;

	for (j = 0; j < s->n; j++) {
		grant[j] = 0;
		if (s->lc[j].pbr == MAC_PBR_INFINITE)
			continue;
		s->tokens[j] += s->lc[j].pbr;
		if (s->tokens[j] > (int64_t)s->lc[j].bucket)
			s->tokens[j] = s->lc[j].bucket;
	}
	/* Step 1: channels with tokens, by priority, up to their tokens. */
	for (i = 0; i < s->n; i++) {
		j = s->order[i];
		if (s->lc[j].pbr == MAC_PBR_INFINITE)
			give = min32(bo[j], left);
		else if (s->tokens[j] > 0)
			give = min32(min32(bo[j], left), (uint32_t)s->tokens[j]);
		else
			continue;
		grant[j] = give;
		left -= give;
		/* Step 2: Bj goes down by what step 1 served, possibly below 0. */
		if (s->lc[j].pbr != MAC_PBR_INFINITE)
			s->tokens[j] -= give;
	}
	/* Step 3: what is left, in strict priority order. */
	for (i = 0; i < s->n && left > 0; i++) {
		j = s->order[i];
		give = min32(bo[j] - grant[j], left);
		grant[j] += give;
		left -= give;
	}
}

int mac_mux(const struct mac_sdu_in *sdus, unsigned n, uint8_t *tb, size_t tbs)
{
	size_t pos = 0, need;
	unsigned i;

	if (tbs > MAC_MAX_TB)
		return MAC_E_ARG;
	for (i = 0; i < n; i++) {
		if (sdus[i].lcid < 1 || sdus[i].lcid > MAC_MAX_LCID ||
		    sdus[i].len == 0 || sdus[i].len > MAC_MAX_TB)
			return MAC_E_ARG;
		need = mac_subheader_len(sdus[i].len) + sdus[i].len;
		if (need > tbs - pos)
			return MAC_E_SPACE;
		if (sdus[i].len <= 255) {
			tb[pos++] = sdus[i].lcid;
		} else {
			tb[pos++] = (uint8_t)(F_BIT | sdus[i].lcid);
			tb[pos++] = (uint8_t)(sdus[i].len >> 8);
		}
		tb[pos++] = (uint8_t)sdus[i].len;
		memcpy(tb + pos, sdus[i].data, sdus[i].len);
		pos += sdus[i].len;
	}
	if (pos < tbs) {
		tb[pos] = MAC_LCID_PADDING;
		memset(tb + pos + 1, 0, tbs - pos - 1);
	}
	return (int)tbs;
}

int mac_demux(const uint8_t *pdu, size_t len, struct mac_sdu *out, unsigned max)
{
	size_t pos = 0, l;
	unsigned n = 0, lcid;

	if (len > MAC_MAX_TB)
		return MAC_E_MALFORMED;
	while (pos < len) {
		if (pdu[pos] & R_BIT)
			return MAC_E_MALFORMED;
		lcid = pdu[pos] & LCID_MASK;
		if (lcid == MAC_LCID_PADDING)
			break; /* the rest is padding, whatever it holds */
		if (lcid < 1 || lcid > MAC_MAX_LCID)
			return MAC_E_MALFORMED;
		if (pdu[pos] & F_BIT) {
			if (len - pos < MAC_SUBHDR_LONG)
				return MAC_E_MALFORMED;
			l = (size_t)pdu[pos + 1] << 8 | pdu[pos + 2];
			pos += MAC_SUBHDR_LONG;
		} else {
			if (len - pos < MAC_SUBHDR_SHORT)
				return MAC_E_MALFORMED;
			l = pdu[pos + 1];
			pos += MAC_SUBHDR_SHORT;
		}
		if (l == 0 || l > len - pos)
			return MAC_E_MALFORMED;
		if (n == max)
			return MAC_E_TOO_MANY;
		out[n].lcid = (uint8_t)lcid;
		out[n].off = (uint16_t)pos;
		out[n].len = (uint16_t)l;
		n++;
		pos += l;
	}
	return (int)n;
}
