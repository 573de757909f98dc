/*
 * Host tests for modem-stack/lib/pipeline.c: configuration checks, batches,
 * the closed loop over several configurations (every SDU back intact and
 * in order), a damaged air interface, the stages run as a real pipeline
 * (each stage one TTI behind the one before, as threads would run them),
 * priorities under overload, and damaged batches handed to every stage.
 */
#include "check.h"
#include "pipeline.h"

#include <stdint.h>
#include <string.h>

static struct pl_pipeline p;
static struct pl_batch in, out;

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_cfg(void)
{
	struct pl_cfg c, bad;

	pl_cfg_default(&c);
	CHECK_EQ(pl_cfg_check(&c), PL_OK);
	bad = c; bad.n_bearers = 0;
	CHECK_EQ(pl_cfg_check(&bad), PL_E_CFG);
	bad = c; bad.n_bearers = PL_MAX_BEARERS + 1;
	CHECK_EQ(pl_cfg_check(&bad), PL_E_CFG);
	bad = c; bad.tb_bytes = PL_MIN_TB - 1;
	CHECK_EQ(pl_cfg_check(&bad), PL_E_CFG);
	bad = c; bad.tb_bytes = PHY_MAX_TB + 1;
	CHECK_EQ(pl_cfg_check(&bad), PL_E_CFG);
	bad = c; bad.phy_reps = 0;
	CHECK_EQ(pl_cfg_check(&bad), PL_E_CFG);
	bad = c; bad.phy_fec = 9;
	CHECK_EQ(pl_cfg_check(&bad), PL_E_CFG);
	bad = c; bad.priority[1] = 0;
	CHECK_EQ(pl_cfg_check(&bad), PL_E_CFG);
	bad = c; bad.pbr[0] = PHY_MAX_TB + 1;
	CHECK_EQ(pl_cfg_check(&bad), PL_E_CFG);
	bad = c; bad.bsd_ttis = 0;
	CHECK_EQ(pl_cfg_check(&bad), PL_E_CFG);
	bad = c; bad.t_reassembly = PL_MAX_T_REASSEMBLY + 1;
	CHECK_EQ(pl_cfg_check(&bad), PL_E_CFG);
	CHECK_EQ(pl_init(&p, &bad), PL_E_CFG);
	/* Stages refuse to run with a bad configuration. */
	CHECK_EQ(pl_init(&p, &c), PL_OK);
	pl_batch_clear(&in, 0);
	CHECK_EQ(pl_ul_pdcp(&p.ul_pdcp, &bad, &in, &out), PL_E_CFG);
	CHECK_EQ(pl_dl_phy(&p.dl_phy, &bad, &p.air, &p.dl_tb), PL_E_CFG);
}

static void test_batch(void)
{
	uint8_t data[PL_BATCH_BYTES] = { 1, 2, 3 };
	unsigned bearer;
	size_t len;
	const uint8_t *q;

	pl_batch_clear(&in, 42);
	CHECK_EQ(in.tti, 42);
	CHECK_EQ(pl_batch_add(&in, 1, data, 3), PL_OK);
	CHECK_EQ(pl_batch_add(&in, 1, data, 0), PL_E_FULL);
	q = pl_batch_get(&in, 0, 2, &bearer, &len);
	CHECK(q != NULL && len == 3 && bearer == 1 && q[2] == 3);
	CHECK(pl_batch_get(&in, 0, 1, &bearer, &len) == NULL); /* bearer out of range */
	CHECK(pl_batch_get(&in, 1, 2, &bearer, &len) == NULL);
	CHECK_EQ(pl_batch_add(&in, 0, data, PL_BATCH_BYTES - 3), PL_OK);
	CHECK_EQ(pl_batch_room(&in), 0);
	CHECK_EQ(pl_batch_add(&in, 0, data, 1), PL_E_FULL);
	pl_batch_clear(&in, 0);
	for (int i = 0; i < PL_BATCH_ITEMS; i++)
		CHECK_EQ(pl_batch_add(&in, 0, data, 1), PL_OK);
	CHECK_EQ(pl_batch_add(&in, 0, data, 1), PL_E_FULL);
	/* Damaged items are refused, not followed. */
	in.item[3].off = PL_BATCH_BYTES;
	CHECK(pl_batch_get(&in, 3, 1, &bearer, &len) == NULL);
	in.item[4].off = PL_BATCH_BYTES - 1;
	in.item[4].len = 2;
	CHECK(pl_batch_get(&in, 4, 1, &bearer, &len) == NULL);
	in.n = PL_BATCH_ITEMS + 5;
	CHECK(pl_batch_get(&in, PL_BATCH_ITEMS + 1, 1, &bearer, &len) == NULL);
}

static void test_sdu_helpers(void)
{
	uint8_t sdu[300];
	unsigned b;
	uint32_t seq;

	pl_sdu_make(9, 3, 1234, 300, sdu);
	CHECK_EQ(pl_sdu_check(9, sdu, 300, &b, &seq), 0);
	CHECK_EQ(b, 3);
	CHECK_EQ(seq, 1234);
	CHECK_EQ(pl_sdu_check(8, sdu, 300, &b, &seq), -1); /* another seed */
	CHECK_EQ(pl_sdu_check(9, sdu, 299, &b, &seq), -1); /* truncated */
	sdu[200] ^= 1;
	CHECK_EQ(pl_sdu_check(9, sdu, 300, &b, &seq), -1);
	CHECK_EQ(pl_sdu_check(9, sdu, PL_SDU_HDR - 1, &b, &seq), -1);
	for (uint32_t i = 0; i < 1000; i++) {
		size_t n = pl_sdu_len(5, 1, i, 10, 20);
		CHECK(n >= 10 && n <= 20);
	}
	CHECK_EQ(pl_sdu_len(5, 1, 1, 30, 30), 30);
}

struct loop {
	uint32_t seed;
	uint32_t next_seq[PL_MAX_BEARERS], last_seq[PL_MAX_BEARERS];
	int have_last[PL_MAX_BEARERS];
	unsigned sent, got, corrupt, misordered;
	uint64_t sent_bytes, got_bytes;
};

static void offer(struct loop *l, const struct pl_cfg *c, uint32_t tti, size_t lo, size_t hi,
		  struct pl_batch *b)
{
	uint8_t sdu[PDCP_MAX_SDU];

	pl_batch_clear(b, tti);
	for (unsigned k = 0; k < c->n_bearers; k++) {
		uint32_t seq = l->next_seq[k]++;
		size_t len = pl_sdu_len(l->seed, k, seq, lo, hi);

		pl_sdu_make(l->seed, k, seq, len, sdu);
		if (pl_batch_add(b, k, sdu, len) == PL_OK) {
			l->sent++;
			l->sent_bytes += len;
		}
	}
}

static void take(struct loop *l, const struct pl_cfg *c, const struct pl_batch *b)
{
	for (unsigned i = 0; i < pl_batch_count(b); i++) {
		unsigned bearer, k;
		uint32_t seq;
		size_t len;
		const uint8_t *q = pl_batch_get(b, i, c->n_bearers, &bearer, &len);

		if (q == NULL || pl_sdu_check(l->seed, q, len, &k, &seq) != 0 || k != bearer) {
			l->corrupt++;
			continue;
		}
		if (l->have_last[k] && seq <= l->last_seq[k])
			l->misordered++;
		l->last_seq[k] = seq;
		l->have_last[k] = 1;
		l->got++;
		l->got_bytes += len;
	}
}

/* Runs ttis TTIs of traffic then drains; returns the TTIs run. */
static unsigned run_loop(struct loop *l, const struct pl_cfg *c, unsigned ttis,
			 size_t lo, size_t hi)
{
	unsigned t, quiet = 0;

	memset(l, 0, sizeof *l);
	l->seed = 77;
	if (pl_init(&p, c) != PL_OK)
		return 0;
	for (t = 0; t < ttis; t++) {
		offer(l, c, t, lo, hi, &in);
		(void)pl_tti(&p, &in, &out);
		take(l, c, &out);
	}
	for (; t < ttis + 5000 && quiet <= c->t_reassembly + 1; t++) {
		pl_batch_clear(&in, t);
		(void)pl_tti(&p, &in, &out);
		take(l, c, &out);
		quiet = pl_ul_backlog(&p) == 0 ? quiet + 1 : 0;
	}
	return t;
}

static void test_loop_configs(void)
{
	static const struct {
		unsigned bearers, tb, reps, fec, columns;
		size_t lo, hi;
	} cases[] = {
		{ 1, 16, 1, PHY_FEC_CONV, 1, 8, 8 },         /* smallest TB: 8-byte SDUs */
		{ 2, 64, 1, PHY_FEC_CONV, 32, 8, 24 },       /* the default */
		{ 2, 256, 1, PHY_FEC_CONV, 32, 16, 96 },
		{ 4, 128, 2, PHY_FEC_NONE, 7, 8, 40 },
		{ 3, 1024, 1, PHY_FEC_NONE, 64, 100, 600 },  /* SDUs bigger than... */
		{ 2, 64, 3, PHY_FEC_CONV, 16, 200, 1500 },   /* ...the TB: segmented */
		{ 1, PHY_MAX_TB, 1, PHY_FEC_NONE, 256, 1500, 1500 },
	};
	struct loop l;
	struct pl_cfg c;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned ttis = cases[i].hi > 1000 && cases[i].tb < 200 ? 40 : 150;

		pl_cfg_default(&c);
		c.n_bearers = cases[i].bearers;
		c.tb_bytes = cases[i].tb;
		c.phy_reps = cases[i].reps;
		c.phy_fec = cases[i].fec;
		c.phy_columns = cases[i].columns;
		/* Large SDUs on a small TB: offer less often than the TB drains. */
		(void)run_loop(&l, &c, ttis, cases[i].lo, cases[i].hi);
		CHECK_MSG(l.corrupt == 0 && l.misordered == 0, "case %zu: %u corrupt, %u misordered",
			  i, l.corrupt, l.misordered);
		CHECK_MSG(pl_ul_backlog(&p) == 0, "case %zu: not drained", i);
		CHECK_MSG(l.got + p.ul_rlc.queue_drops == l.sent,
			  "case %zu: sent %u, got %u, queue drops %u", i, l.sent, l.got,
			  p.ul_rlc.queue_drops);
		CHECK_MSG(l.got > 0, "case %zu: nothing delivered", i);
		CHECK_EQ(p.dl_phy.crc_errors, 0);
		CHECK_EQ(p.dl_pdcp.integrity, 0);
	}
}

/* A load the TB carries: no queue drops, so everything arrives. */
static void test_loop_exact(void)
{
	struct loop l;
	struct pl_cfg c;

	pl_cfg_default(&c);
	c.tb_bytes = 256;
	(void)run_loop(&l, &c, 500, 16, 96);
	CHECK_EQ(p.ul_rlc.queue_drops, 0);
	CHECK_EQ(l.got, l.sent);
	CHECK_EQ(l.got, 1000);
	CHECK_EQ(l.got_bytes, l.sent_bytes);
	CHECK_EQ(p.dl_pdcp.sdus, 1000);
	CHECK_EQ(p.ul_mac.tbs, p.dl_mac.tbs);
}

/* Inverted symbols beyond what the code corrects: TBs are lost, RLC
 * counts the SNs, and nothing wrong is delivered. */
static void test_loop_damaged_air(void)
{
	struct loop l;
	struct pl_cfg c;
	uint32_t s = 3;
	unsigned t;

	pl_cfg_default(&c);
	c.tb_bytes = 256;
	c.phy_fec = PHY_FEC_NONE;
	memset(&l, 0, sizeof l);
	l.seed = 5;
	CHECK_EQ(pl_init(&p, &c), PL_OK);
	for (t = 0; t < 400; t++) {
		offer(&l, &c, t, 16, 96, &in);
		(void)pl_ul_pdcp(&p.ul_pdcp, &c, &in, &p.ul_pdcp_out);
		(void)pl_ul_rlc(&p.ul_rlc, &c, &p.ul_pdcp_out, &p.ul_rlc_out);
		(void)pl_ul_mac(&p.ul_mac, &c, &p.ul_rlc_out, &p.ul_tb);
		(void)pl_ul_phy(&p.ul_phy, &c, &p.ul_tb, &p.air);
		if (rnd(&s) % 4 == 0)
			p.air.sym[rnd(&s) % p.air.len] ^= (int8_t)0x80; /* one symbol hit */
		if (rnd(&s) % 50 == 0)
			p.air.len--;                                    /* a short burst */
		(void)pl_dl_phy(&p.dl_phy, &c, &p.air, &p.dl_tb);
		(void)pl_dl_mac(&p.dl_mac, &c, &p.dl_tb, &p.dl_mac_out);
		(void)pl_dl_rlc(&p.dl_rlc, &c, &p.dl_mac_out, &p.dl_rlc_out);
		(void)pl_dl_pdcp(&p.dl_pdcp, &c, &p.dl_rlc_out, &out);
		take(&l, &c, &out);
	}
	CHECK_EQ(l.corrupt, 0);
	CHECK_EQ(l.misordered, 0);
	CHECK(p.dl_phy.crc_errors + p.dl_phy.errors > 50);
	CHECK(p.dl_rlc.rx[0].st.lost + p.dl_rlc.rx[0].st.incomplete > 0);
	CHECK(l.got < l.sent && l.got > l.sent / 2);
	CHECK_EQ(p.dl_mac.lost_tbs, p.dl_phy.crc_errors + p.dl_phy.errors);
}

/*
 * The stages as a pipeline: in each step every stage works on what its
 * predecessor produced in the previous step, as eight threads handing
 * buffers along would. Each buffer has one writer and one reader per step.
 */
static void test_pipelined_stages(void)
{
	static struct pl_batch b_in, b_pdcp, b_rlc, b_dmac, b_drlc, b_out;
	static struct pl_tb tb_ul, tb_dl;
	static struct pl_air air;
	struct loop l;
	struct pl_cfg c;
	unsigned t;

	pl_cfg_default(&c);
	c.n_bearers = 3;
	c.tb_bytes = 256;
	memset(&l, 0, sizeof l);
	l.seed = 11;
	CHECK_EQ(pl_init(&p, &c), PL_OK);
	pl_batch_clear(&b_in, 0);
	pl_batch_clear(&b_pdcp, 0);
	pl_batch_clear(&b_rlc, 0);
	pl_batch_clear(&b_dmac, 0);
	pl_batch_clear(&b_drlc, 0);
	tb_ul.ok = tb_dl.ok = 0;
	air.len = 0;
	for (t = 0; t < 400; t++) {
		/* Last stage first, so each reads the previous step's output. */
		(void)pl_dl_pdcp(&p.dl_pdcp, &c, &b_drlc, &b_out);
		take(&l, &c, &b_out);
		(void)pl_dl_rlc(&p.dl_rlc, &c, &b_dmac, &b_drlc);
		(void)pl_dl_mac(&p.dl_mac, &c, &tb_dl, &b_dmac);
		if (air.len > 0)
			(void)pl_dl_phy(&p.dl_phy, &c, &air, &tb_dl);
		if (tb_ul.ok)
			(void)pl_ul_phy(&p.ul_phy, &c, &tb_ul, &air);
		(void)pl_ul_mac(&p.ul_mac, &c, &b_rlc, &tb_ul);
		(void)pl_ul_rlc(&p.ul_rlc, &c, &b_pdcp, &b_rlc);
		(void)pl_ul_pdcp(&p.ul_pdcp, &c, &b_in, &b_pdcp);
		if (t < 300)
			offer(&l, &c, t, 10, 60, &b_in);
		else
			pl_batch_clear(&b_in, t);
		/* Every buffer carries the TTI it was stamped with at entry. */
		CHECK(b_out.n == 0 || b_out.tti + 8 == t);
	}
	CHECK_EQ(l.corrupt, 0);
	CHECK_EQ(l.misordered, 0);
	CHECK_EQ(p.ul_rlc.queue_drops, 0);
	CHECK_EQ(l.got, l.sent);
	CHECK_EQ(l.sent, 900);
}

/* Overload: priority 1 with a PBR gets through; the lowest priority drops. */
static void test_priorities(void)
{
	struct loop l;
	struct pl_cfg c;
	unsigned drops[PL_MAX_BEARERS] = { 0 };

	pl_cfg_default(&c);
	c.n_bearers = 3;
	c.tb_bytes = 200;
	c.pbr[0] = 64;
	c.pbr[1] = 40;
	c.pbr[2] = 0;
	(void)run_loop(&l, &c, 300, 60, 80);
	for (unsigned b = 0; b < 3; b++)
		drops[b] = p.ul_rlc.tx[b].full_drops;
	CHECK_EQ(l.corrupt, 0);
	CHECK_EQ(l.misordered, 0);
	CHECK_EQ(drops[0], 0);
	CHECK(drops[2] > drops[1]);
	CHECK(drops[2] > 100);
}

/* Random batches, TBs and bursts into every stage: counted, never fatal. */
static void test_hostile_buffers(void)
{
	static struct pl_batch b1, b2;
	static struct pl_tb tb;
	struct pl_cfg c;
	uint32_t s = 1;

	pl_cfg_default(&c);
	c.n_bearers = 4;
	c.phy_fec = PHY_FEC_NONE; /* quicker; the decoder is fuzzed in test_phy */
	CHECK_EQ(pl_init(&p, &c), PL_OK);
	for (int i = 0; i < 3000; i++) {
		uint8_t *raw = (uint8_t *)&b1;

		for (size_t k = 0; k < sizeof b1; k += 1 + rnd(&s) % 64)
			raw[k] = (uint8_t)rnd(&s);
		if (rnd(&s) % 2) {
			b1.n = rnd(&s) % (PL_BATCH_ITEMS + 2);
			for (unsigned k = 0; k < PL_BATCH_ITEMS; k++) {
				b1.item[k].bearer = (uint8_t)(rnd(&s) % 5);
				b1.item[k].off = rnd(&s) % (PL_BATCH_BYTES + 10);
				b1.item[k].len = (uint16_t)(rnd(&s) % 300);
			}
		}
		switch (rnd(&s) % 6) {
		case 0: (void)pl_ul_pdcp(&p.ul_pdcp, &c, &b1, &b2); break;
		case 1: (void)pl_ul_rlc(&p.ul_rlc, &c, &b1, &b2); break;
		case 2: (void)pl_ul_mac(&p.ul_mac, &c, &b1, &tb); break;
		case 3: (void)pl_dl_rlc(&p.dl_rlc, &c, &b1, &b2); break;
		case 4: (void)pl_dl_pdcp(&p.dl_pdcp, &c, &b1, &b2); break;
		default:
			for (size_t k = 0; k < sizeof tb.data; k++)
				tb.data[k] = (uint8_t)(rnd(&s) % 3 ? rnd(&s) % 40 : rnd(&s));
			tb.ok = 1;
			tb.len = (uint16_t)rnd(&s);
			(void)pl_dl_mac(&p.dl_mac, &c, &tb, &b2);
			(void)pl_dl_rlc(&p.dl_rlc, &c, &b2, &b1);
			(void)pl_dl_pdcp(&p.dl_pdcp, &c, &b1, &b2);
			CHECK_EQ(b2.n, 0); /* nothing forged passes PDCP */
			break;
		}
		CHECK(b2.n <= PL_BATCH_ITEMS && b2.used <= PL_BATCH_BYTES);
		if (i % 100 == 0) {
			for (uint32_t k = 0; k < PHY_MAX_AIR; k += 1 + rnd(&s) % 8)
				p.air.sym[k] = (int8_t)rnd(&s);
			p.air.len = rnd(&s) % 2 ? (uint32_t)phy_air_len(&(struct phy_cfg){
				(uint16_t)c.tb_bytes, (uint8_t)c.phy_reps, (uint8_t)c.phy_fec,
				(uint16_t)c.phy_columns, (uint16_t)c.cell_id }) : rnd(&s);
			(void)pl_dl_phy(&p.dl_phy, &c, &p.air, &tb);
			CHECK(!tb.ok || tb.len == c.tb_bytes);
		}
	}
	CHECK_EQ(p.dl_pdcp.sdus, 0);
}

int main(void)
{
	RUN(test_cfg);
	RUN(test_batch);
	RUN(test_sdu_helpers);
	RUN(test_loop_configs);
	RUN(test_loop_exact);
	RUN(test_loop_damaged_air);
	RUN(test_pipelined_stages);
	RUN(test_priorities);
	RUN(test_hostile_buffers);
	return check_summary();
}
