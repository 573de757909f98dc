/*
 * The TTI pipeline's stages (see pipeline.h and docs/modem.md).
 */
#include "pipeline.h"

#include <string.h>

/* ---- configuration ---- */

void pl_cfg_default(struct pl_cfg *cfg)
{
	unsigned b, i;

	memset(cfg, 0, sizeof *cfg);
	cfg->n_bearers = 2;
	cfg->tb_bytes = 64;
	cfg->phy_reps = 1;
	cfg->phy_fec = PHY_FEC_CONV;
	cfg->phy_columns = 32;
	cfg->cell_id = 1;
	for (b = 0; b < PL_MAX_BEARERS; b++) {
		cfg->priority[b] = b + 1;
		cfg->pbr[b] = 64;
	}
	cfg->bsd_ttis = 4;
	cfg->t_reassembly = 2;
	for (i = 0; i < PDCP_KEY_BYTES; i++) {
		cfg->keys.enc[i] = (uint8_t)(0x10 + i);
		cfg->keys.integ[i] = (uint8_t)(0x80 + i);
	}
}

static void phy_cfg_of(const struct pl_cfg *cfg, struct phy_cfg *phy)
{
	phy->tb_bytes = (uint16_t)cfg->tb_bytes;
	phy->reps = (uint8_t)cfg->phy_reps;
	phy->fec = (uint8_t)cfg->phy_fec;
	phy->columns = (uint16_t)cfg->phy_columns;
	phy->cell_id = (uint16_t)cfg->cell_id;
}

int pl_cfg_check(const struct pl_cfg *cfg)
{
	struct phy_cfg phy;
	unsigned b;

	if (cfg->n_bearers < 1 || cfg->n_bearers > PL_MAX_BEARERS ||
	    cfg->tb_bytes < PL_MIN_TB || cfg->tb_bytes > PHY_MAX_TB ||
	    cfg->phy_reps < 1 || cfg->phy_reps > PHY_MAX_REPS ||
	    cfg->phy_fec > PHY_FEC_CONV ||
	    cfg->phy_columns < 1 || cfg->phy_columns > PHY_MAX_COLUMNS ||
	    cfg->cell_id > PHY_MAX_CELL_ID ||
	    cfg->bsd_ttis < 1 || cfg->bsd_ttis > 1000 ||
	    cfg->t_reassembly > PL_MAX_T_REASSEMBLY)
		return PL_E_CFG;
	for (b = 0; b < cfg->n_bearers; b++)
		if (cfg->priority[b] < 1 || cfg->priority[b] > 16 ||
		    (cfg->pbr[b] != MAC_PBR_INFINITE && cfg->pbr[b] > PHY_MAX_TB))
			return PL_E_CFG;
	phy_cfg_of(cfg, &phy);
	return phy_cfg_check(&phy) == PHY_OK ? PL_OK : PL_E_CFG;
}

/* ---- batches ---- */

void pl_batch_clear(struct pl_batch *b, uint32_t tti)
{
	b->tti = tti;
	b->n = 0;
	b->used = 0;
}

size_t pl_batch_room(const struct pl_batch *b)
{
	if (b->n >= PL_BATCH_ITEMS || b->used >= PL_BATCH_BYTES)
		return 0;
	return PL_BATCH_BYTES - b->used;
}

uint8_t *pl_batch_tail(struct pl_batch *b)
{
	return b->data + (b->used < PL_BATCH_BYTES ? b->used : PL_BATCH_BYTES);
}

void pl_batch_commit(struct pl_batch *b, unsigned bearer, size_t len)
{
	if (len == 0 || len > pl_batch_room(b) || len > UINT16_MAX)
		return;
	b->item[b->n].bearer = (uint8_t)bearer;
	b->item[b->n].len = (uint16_t)len;
	b->item[b->n].off = b->used;
	b->n++;
	b->used += (uint32_t)len;
}

int pl_batch_add(struct pl_batch *b, unsigned bearer, const uint8_t *p, size_t len)
{
	if (len == 0 || len > pl_batch_room(b) || len > UINT16_MAX)
		return PL_E_FULL;
	memcpy(pl_batch_tail(b), p, len);
	pl_batch_commit(b, bearer, len);
	return PL_OK;
}

unsigned pl_batch_count(const struct pl_batch *b)
{
	return b->n < PL_BATCH_ITEMS ? b->n : PL_BATCH_ITEMS;
}

const uint8_t *pl_batch_get(const struct pl_batch *b, unsigned i,
			    unsigned n_bearers, unsigned *bearer, size_t *len)
{
	const struct pl_item *it;

	if (i >= b->n || i >= PL_BATCH_ITEMS)
		return NULL;
	it = &b->item[i];
	if (it->bearer >= n_bearers || it->len == 0 || it->off > PL_BATCH_BYTES ||
	    it->len > PL_BATCH_BYTES - it->off)
		return NULL;
	*bearer = it->bearer;
	*len = it->len;
	return b->data + it->off;
}

/* ---- stage initialisation ---- */

int pl_ul_pdcp_init(struct pl_ul_pdcp *s, const struct pl_cfg *cfg)
{
	unsigned b;

	if (pl_cfg_check(cfg) != PL_OK)
		return PL_E_CFG;
	memset(s, 0, sizeof *s);
	for (b = 0; b < cfg->n_bearers; b++)
		(void)pdcp_tx_init(&s->tx[b], &cfg->keys, b, PDCP_UPLINK);
	return PL_OK;
}

int pl_ul_rlc_init(struct pl_ul_rlc *s, const struct pl_cfg *cfg)
{
	struct mac_lc_cfg lc[PL_MAX_BEARERS];
	unsigned b;

	if (pl_cfg_check(cfg) != PL_OK)
		return PL_E_CFG;
	memset(s, 0, sizeof *s);
	for (b = 0; b < cfg->n_bearers; b++) {
		rlc_tx_init(&s->tx[b]);
		lc[b].lcid = (uint8_t)(b + 1);
		lc[b].priority = (uint8_t)cfg->priority[b];
		lc[b].pbr = cfg->pbr[b];
		lc[b].bucket = cfg->pbr[b] == MAC_PBR_INFINITE ? 0 : cfg->pbr[b] * cfg->bsd_ttis;
	}
	return mac_sched_init(&s->sched, lc, cfg->n_bearers) == MAC_OK ? PL_OK : PL_E_CFG;
}

int pl_dl_rlc_init(struct pl_dl_rlc *s, const struct pl_cfg *cfg)
{
	unsigned b;

	if (pl_cfg_check(cfg) != PL_OK)
		return PL_E_CFG;
	memset(s, 0, sizeof *s);
	for (b = 0; b < cfg->n_bearers; b++)
		rlc_rx_init(&s->rx[b], cfg->t_reassembly);
	return PL_OK;
}

int pl_dl_pdcp_init(struct pl_dl_pdcp *s, const struct pl_cfg *cfg)
{
	unsigned b;

	if (pl_cfg_check(cfg) != PL_OK)
		return PL_E_CFG;
	memset(s, 0, sizeof *s);
	/* Loopback: the peer of the uplink transmitter. */
	for (b = 0; b < cfg->n_bearers; b++)
		(void)pdcp_rx_init(&s->rx[b], &cfg->keys, b, PDCP_UPLINK);
	return PL_OK;
}

/* ---- uplink ---- */

/* A stage's step begins so: a valid configuration, and out emptied for the input's TTI. */
static int stage_start(const struct pl_cfg *cfg, uint32_t tti, struct pl_batch *out)
{
	if (pl_cfg_check(cfg) != PL_OK)
		return PL_E_CFG;
	pl_batch_clear(out, tti);
	return PL_OK;
}

int pl_ul_pdcp(struct pl_ul_pdcp *s, const struct pl_cfg *cfg,
	       const struct pl_batch *in, struct pl_batch *out)
{
	const uint8_t *sdu;
	unsigned i, bearer;
	size_t len;
	int n;

	if (stage_start(cfg, in->tti, out) != PL_OK)
		return PL_E_CFG;
	for (i = 0; i < pl_batch_count(in); i++) {
		sdu = pl_batch_get(in, i, cfg->n_bearers, &bearer, &len);
		if (sdu == NULL) {
			s->errors++;
			continue;
		}
		n = pdcp_tx(&s->tx[bearer], sdu, len, pl_batch_tail(out), pl_batch_room(out));
		if (n < 0) {
			s->errors++;
			continue;
		}
		pl_batch_commit(out, bearer, (size_t)n);
		s->sdus++;
		s->bytes += (uint32_t)len;
	}
	return (int)out->n;
}

/* Builds bearer b's RLC PDUs within its grant into out. */
static void fill_grant(struct pl_ul_rlc *s, unsigned b, uint32_t grant,
		       struct pl_batch *out)
{
	size_t max, n, room;

	while (grant > MAC_SUBHDR_SHORT) {
		max = grant - MAC_SUBHDR_SHORT <= 255 ? grant - MAC_SUBHDR_SHORT
						      : grant - MAC_SUBHDR_LONG;
		room = pl_batch_room(out);
		if (max > room)
			max = room;
		n = rlc_tx_pdu(&s->tx[b], pl_batch_tail(out), max);
		if (n == 0)
			return;
		pl_batch_commit(out, b, n);
		s->pdus++;
		grant -= (uint32_t)(mac_subheader_len(n) + n);
	}
}

int pl_ul_rlc(struct pl_ul_rlc *s, const struct pl_cfg *cfg,
	      const struct pl_batch *in, struct pl_batch *out)
{
	uint32_t bo[PL_MAX_BEARERS], grant[PL_MAX_BEARERS];
	const uint8_t *pdu;
	unsigned i, b;
	size_t len;

	if (stage_start(cfg, in->tti, out) != PL_OK)
		return PL_E_CFG;
	for (i = 0; i < pl_batch_count(in); i++) {
		pdu = pl_batch_get(in, i, cfg->n_bearers, &b, &len);
		if (pdu == NULL || rlc_tx_enqueue(&s->tx[b], pdu, len) != RLC_OK)
			s->queue_drops++;
	}
	/* Buffer occupancy with a long MAC subheader per queued SDU. */
	for (b = 0; b < cfg->n_bearers; b++)
		bo[b] = rlc_tx_bo(&s->tx[b]) + MAC_SUBHDR_LONG * rlc_tx_queued(&s->tx[b]);
	mac_schedule(&s->sched, bo, cfg->tb_bytes, grant);
	for (b = 0; b < cfg->n_bearers; b++)
		fill_grant(s, b, grant[b], out);
	return (int)out->n;
}

int pl_ul_mac(struct pl_ul_mac *s, const struct pl_cfg *cfg,
	      const struct pl_batch *in, struct pl_tb *out)
{
	struct mac_sdu_in sdus[PL_BATCH_ITEMS];
	unsigned i, n = 0, b;
	size_t len, payload = 0;
	int r;

	if (pl_cfg_check(cfg) != PL_OK)
		return PL_E_CFG;
	out->tti = in->tti;
	out->len = (uint16_t)cfg->tb_bytes;
	for (i = 0; i < pl_batch_count(in); i++) {
		sdus[n].data = pl_batch_get(in, i, cfg->n_bearers, &b, &len);
		if (sdus[n].data == NULL) {
			s->errors++;
			continue;
		}
		sdus[n].lcid = (uint8_t)(b + 1);
		sdus[n].len = len;
		payload += mac_subheader_len(len) + len;
		n++;
	}
	r = mac_mux(sdus, n, out->data, cfg->tb_bytes);
	if (r < 0) {
		/* The RLC stage never overfills; a damaged batch sends padding. */
		s->errors++;
		(void)mac_mux(sdus, 0, out->data, cfg->tb_bytes);
		n = 0;
		payload = 0;
	}
	out->ok = 1;
	s->tbs++;
	s->sdus += n;
	s->padding += (uint32_t)(cfg->tb_bytes - payload);
	return (int)cfg->tb_bytes;
}

int pl_ul_phy(struct pl_ul_phy *s, const struct pl_cfg *cfg,
	      const struct pl_tb *in, struct pl_air *out)
{
	struct phy_cfg phy;
	int n;

	if (pl_cfg_check(cfg) != PL_OK)
		return PL_E_CFG;
	phy_cfg_of(cfg, &phy);
	out->tti = in->tti;
	out->len = 0;
	if (!in->ok || in->len != cfg->tb_bytes) {
		s->errors++;
		return 0;
	}
	n = phy_encode(&phy, in->tti, in->data, &s->sc, out->sym, sizeof out->sym);
	if (n < 0) {
		s->errors++;
		return 0;
	}
	out->len = (uint32_t)n;
	s->bursts++;
	return n;
}

/* ---- downlink ---- */

int pl_dl_phy(struct pl_dl_phy *s, const struct pl_cfg *cfg,
	      const struct pl_air *in, struct pl_tb *out)
{
	struct phy_cfg phy;
	size_t len = in->len < PHY_MAX_AIR ? in->len : PHY_MAX_AIR;
	int n;

	if (pl_cfg_check(cfg) != PL_OK)
		return PL_E_CFG;
	phy_cfg_of(cfg, &phy);
	out->tti = in->tti;
	out->ok = 0;
	out->len = 0;
	n = phy_decode(&phy, in->tti, in->sym, len, &s->sc, out->data, sizeof out->data);
	if (n == PHY_E_CRC) {
		s->crc_errors++;
		return 0;
	}
	if (n < 0) {
		s->errors++;
		return 0;
	}
	out->ok = 1;
	out->len = (uint16_t)n;
	s->tbs_ok++;
	return n;
}

int pl_dl_mac(struct pl_dl_mac *s, const struct pl_cfg *cfg,
	      const struct pl_tb *in, struct pl_batch *out)
{
	struct mac_sdu sdu[PL_BATCH_ITEMS];
	size_t len = in->len < PHY_MAX_TB ? in->len : PHY_MAX_TB;
	unsigned i;
	int n;

	if (stage_start(cfg, in->tti, out) != PL_OK)
		return PL_E_CFG;
	if (!in->ok) {
		s->lost_tbs++;
		return 0;
	}
	s->tbs++;
	n = mac_demux(in->data, len, sdu, PL_BATCH_ITEMS);
	if (n < 0) {
		s->malformed++;
		return 0;
	}
	for (i = 0; i < (unsigned)n; i++) {
		if (sdu[i].lcid > cfg->n_bearers) {
			s->unknown_lcid++;
			continue;
		}
		if (pl_batch_add(out, sdu[i].lcid - 1u, in->data + sdu[i].off, sdu[i].len) == PL_OK)
			s->sdus++;
	}
	return (int)out->n;
}

/* Hands up the bearer's in-order SDUs while the batch has room for them. */
static void deliver(struct pl_dl_rlc *s, unsigned b, struct pl_batch *out)
{
	size_t n;
	int r;

	while ((n = rlc_rx_ready(&s->rx[b])) > 0 && n <= pl_batch_room(out)) {
		r = rlc_rx_pop(&s->rx[b], pl_batch_tail(out), pl_batch_room(out));
		if (r <= 0)
			return;
		pl_batch_commit(out, b, (size_t)r);
		s->sdus++;
	}
}

int pl_dl_rlc(struct pl_dl_rlc *s, const struct pl_cfg *cfg,
	      const struct pl_batch *in, struct pl_batch *out)
{
	const uint8_t *pdu;
	unsigned i, b;
	size_t len;

	if (stage_start(cfg, in->tti, out) != PL_OK)
		return PL_E_CFG;
	for (i = 0; i < pl_batch_count(in); i++) {
		pdu = pl_batch_get(in, i, cfg->n_bearers, &b, &len);
		if (pdu == NULL)
			continue;
		(void)rlc_rx_pdu(&s->rx[b], pdu, len); /* rejects are counted in rx */
		deliver(s, b, out);
	}
	for (b = 0; b < cfg->n_bearers; b++) {
		rlc_rx_tick(&s->rx[b]);
		deliver(s, b, out);
	}
	return (int)out->n;
}

int pl_dl_pdcp(struct pl_dl_pdcp *s, const struct pl_cfg *cfg,
	       const struct pl_batch *in, struct pl_batch *out)
{
	const uint8_t *pdu;
	unsigned i, b;
	size_t len;
	int n;

	if (stage_start(cfg, in->tti, out) != PL_OK)
		return PL_E_CFG;
	for (i = 0; i < pl_batch_count(in); i++) {
		pdu = pl_batch_get(in, i, cfg->n_bearers, &b, &len);
		if (pdu == NULL) {
			s->other++;
			continue;
		}
		n = pdcp_rx(&s->rx[b], pdu, len, pl_batch_tail(out), pl_batch_room(out), NULL);
		if (n == PDCP_E_INTEGRITY)
			s->integrity++;
		else if (n == PDCP_E_REPLAY)
			s->replay++;
		else if (n <= 0)
			s->other += n < 0; /* an empty SDU is valid but not batched */
		if (n <= 0)
			continue;
		pl_batch_commit(out, b, (size_t)n);
		s->sdus++;
		s->bytes += (uint32_t)n;
	}
	return (int)out->n;
}

/* ---- the whole loop ---- */

int pl_init(struct pl_pipeline *p, const struct pl_cfg *cfg)
{
	if (pl_cfg_check(cfg) != PL_OK)
		return PL_E_CFG;
	memset(p, 0, sizeof *p);
	p->cfg = *cfg;
	(void)pl_ul_pdcp_init(&p->ul_pdcp, cfg);
	if (pl_ul_rlc_init(&p->ul_rlc, cfg) != PL_OK)
		return PL_E_CFG;
	(void)pl_dl_rlc_init(&p->dl_rlc, cfg);
	(void)pl_dl_pdcp_init(&p->dl_pdcp, cfg);
	return PL_OK;
}

int pl_tti(struct pl_pipeline *p, const struct pl_batch *sdus_in,
	   struct pl_batch *sdus_out)
{
	const struct pl_cfg *cfg = &p->cfg;

	if (pl_ul_pdcp(&p->ul_pdcp, cfg, sdus_in, &p->ul_pdcp_out) < 0)
		return PL_E_CFG;
	(void)pl_ul_rlc(&p->ul_rlc, cfg, &p->ul_pdcp_out, &p->ul_rlc_out);
	(void)pl_ul_mac(&p->ul_mac, cfg, &p->ul_rlc_out, &p->ul_tb);
	(void)pl_ul_phy(&p->ul_phy, cfg, &p->ul_tb, &p->air);
	(void)pl_dl_phy(&p->dl_phy, cfg, &p->air, &p->dl_tb);
	(void)pl_dl_mac(&p->dl_mac, cfg, &p->dl_tb, &p->dl_mac_out);
	(void)pl_dl_rlc(&p->dl_rlc, cfg, &p->dl_mac_out, &p->dl_rlc_out);
	return pl_dl_pdcp(&p->dl_pdcp, cfg, &p->dl_rlc_out, sdus_out);
}

uint32_t pl_ul_backlog(const struct pl_pipeline *p)
{
	uint32_t bo = 0;
	unsigned b;

	for (b = 0; b < p->cfg.n_bearers; b++)
		bo += rlc_tx_bo(&p->ul_rlc.tx[b]);
	return bo;
}

/* ---- test traffic ---- */

/* A 32-bit mixing function (a multiply-xorshift finaliser). */
static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

static uint32_t sdu_key(uint32_t seed, unsigned bearer, uint32_t seq)
{
	return mix32(seed ^ mix32(seq * 8u + bearer + 1u));
}

size_t pl_sdu_len(uint32_t seed, unsigned bearer, uint32_t seq, size_t lo, size_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + mix32(sdu_key(seed, bearer, seq) ^ 0x5bd1e995u) % (hi - lo + 1);
}

static uint8_t sdu_byte(uint32_t *x)
{
	/* xorshift32 */
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return (uint8_t)(*x >> 24);
}

static void sdu_header(uint32_t seed, unsigned bearer, uint32_t seq, size_t len, uint8_t *h)
{
	h[0] = (uint8_t)(seq >> 24);
	h[1] = (uint8_t)(seq >> 16);
	h[2] = (uint8_t)(seq >> 8);
	h[3] = (uint8_t)seq;
	h[4] = (uint8_t)bearer;
	h[5] = (uint8_t)(len >> 8);
	h[6] = (uint8_t)len;
	h[7] = (uint8_t)sdu_key(seed, bearer, seq);
}

void pl_sdu_make(uint32_t seed, unsigned bearer, uint32_t seq, size_t len, uint8_t *out)
{
	uint32_t x = sdu_key(seed, bearer, seq) | 1u;
	size_t i;

	if (len < PL_SDU_HDR)
		return;
	sdu_header(seed, bearer, seq, len, out);
	for (i = PL_SDU_HDR; i < len; i++)
		out[i] = sdu_byte(&x);
}

int pl_sdu_check(uint32_t seed, const uint8_t *sdu, size_t len,
		 unsigned *bearer, uint32_t *seq)
{
	uint8_t h[PL_SDU_HDR];
	uint32_t s, x;
	unsigned b;
	size_t i;

	if (len < PL_SDU_HDR || len > UINT16_MAX)
		return -1;
	s = (uint32_t)sdu[0] << 24 | (uint32_t)sdu[1] << 16 | (uint32_t)sdu[2] << 8 | sdu[3];
	b = sdu[4];
	sdu_header(seed, b, s, len, h);
	if (memcmp(h, sdu, PL_SDU_HDR) != 0)
		return -1;
	x = sdu_key(seed, b, s) | 1u;
	for (i = PL_SDU_HDR; i < len; i++)
		if (sdu[i] != sdu_byte(&x))
			return -1;
	*bearer = b;
	*seq = s;
	return 0;
}
