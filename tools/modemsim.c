/*
 * modemsim: drives the modem pipeline (modem-stack/lib/pipeline.c) through K
 * TTIs of closed loop and checks the data path end to end. Each TTI every
 * bearer offers one self-checking SDU (pl_sdu_make) to the uplink; the
 * eight stages run one after the other, the burst crosses the loopback air
 * (optionally damaged), and every SDU the downlink delivers is verified.
 * After the K TTIs the loop runs on without new SDUs until it is drained.
 *
 *     modemsim [--name NAME] [--ttis K] [--bearers N] [--sdu MIN-MAX]
 *              [--tb BYTES] [--reps R] [--fec conv|none] [--columns C]
 *              [--pbr BYTES] [--flip PER_MILLE] [--noise AMPLITUDE]
 *              [--seed S]
 *
 * Always checked: every delivered SDU is intact (content, length, bearer)
 * and each bearer's SDUs arrive in increasing order without duplicates.
 * With a clean channel and no SDU refused for a full queue, every SDU sent
 * must arrive. Prints one JSON line of counts and host time per stage, then
 * "PASS modemsim_NAME" or "FAIL modemsim_NAME: reason" (the host tests'
 * format), and exits non-zero on failure. docs/modem.md has the figures.
 */
#define _POSIX_C_SOURCE 200809L

#include "pipeline.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STAGES 8

static const char *const stage_names[STAGES] = {
	"ul_pdcp", "ul_rlc", "ul_mac", "ul_phy", "dl_phy", "dl_mac", "dl_rlc", "dl_pdcp",
};

struct opts {
	const char *name;
	unsigned long ttis;
	unsigned sdu_min, sdu_max;
	unsigned flip;      /* per-mille of symbols inverted */
	unsigned noise;     /* uniform noise amplitude added to symbols */
	uint32_t seed;
	struct pl_cfg cfg;
};

struct tally {
	uint64_t sent_sdus, sent_bytes, got_sdus, got_bytes;
	uint64_t corrupt, misordered, ttis;
	uint32_t next_seq[PL_MAX_BEARERS];
	uint32_t last_seq[PL_MAX_BEARERS];
	int have_last[PL_MAX_BEARERS];
	uint64_t ns[STAGES];
};

static struct pl_pipeline pipe_;
static struct pl_batch in_, out_;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int usage(void)
{
	fprintf(stderr, "usage: modemsim [--name NAME] [--ttis K] [--bearers N] [--sdu MIN-MAX]\n"
			"                [--tb BYTES] [--reps R] [--fec conv|none] [--columns C]\n"
			"                [--pbr BYTES] [--flip PER_MILLE] [--noise AMPLITUDE] [--seed S]\n");
	return 2;
}

static int num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	*v = strtoul(s, &end, 10);
	return *end == '\0' && *v <= max ? 0 : -1;
}

static int parse(int argc, char **argv, struct opts *o)
{
	unsigned long v, w;

	pl_cfg_default(&o->cfg);
	o->name = "default";
	o->ttis = 2000;
	o->sdu_min = 8;
	o->sdu_max = 24;
	o->flip = 0;
	o->noise = 0;
	o->seed = 1;
	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *a = i + 1 < argc ? argv[i + 1] : NULL;

		if (a == NULL)
			return -1;
		if (strcmp(k, "--name") == 0) {
			o->name = a;
		} else if (strcmp(k, "--ttis") == 0 && num(a, 10000000, &v) == 0) {
			o->ttis = v;
		} else if (strcmp(k, "--bearers") == 0 && num(a, PL_MAX_BEARERS, &v) == 0) {
			o->cfg.n_bearers = (unsigned)v;
		} else if (strcmp(k, "--sdu") == 0) {
			char lo[16];
			const char *dash = strchr(a, '-');

			if (dash == NULL || (size_t)(dash - a) >= sizeof lo)
				return -1;
			memcpy(lo, a, (size_t)(dash - a));
			lo[dash - a] = '\0';
			if (num(lo, PDCP_MAX_SDU, &v) != 0 || num(dash + 1, PDCP_MAX_SDU, &w) != 0 ||
			    v < PL_SDU_HDR || w < v)
				return -1;
			o->sdu_min = (unsigned)v;
			o->sdu_max = (unsigned)w;
		} else if (strcmp(k, "--tb") == 0 && num(a, PHY_MAX_TB, &v) == 0) {
			o->cfg.tb_bytes = (unsigned)v;
		} else if (strcmp(k, "--reps") == 0 && num(a, PHY_MAX_REPS, &v) == 0) {
			o->cfg.phy_reps = (unsigned)v;
		} else if (strcmp(k, "--fec") == 0 && (strcmp(a, "conv") == 0 || strcmp(a, "none") == 0)) {
			o->cfg.phy_fec = strcmp(a, "conv") == 0 ? PHY_FEC_CONV : PHY_FEC_NONE;
		} else if (strcmp(k, "--columns") == 0 && num(a, PHY_MAX_COLUMNS, &v) == 0) {
			o->cfg.phy_columns = (unsigned)v;
		} else if (strcmp(k, "--pbr") == 0 && num(a, PHY_MAX_TB, &v) == 0) {
			for (unsigned b = 0; b < PL_MAX_BEARERS; b++)
				o->cfg.pbr[b] = (uint32_t)v;
		} else if (strcmp(k, "--flip") == 0 && num(a, 1000, &v) == 0) {
			o->flip = (unsigned)v;
		} else if (strcmp(k, "--noise") == 0 && num(a, 255, &v) == 0) {
			o->noise = (unsigned)v;
		} else if (strcmp(k, "--seed") == 0 && num(a, UINT32_MAX, &v) == 0) {
			o->seed = (uint32_t)v;
		} else {
			return -1;
		}
	}
	return pl_cfg_check(&o->cfg) == PL_OK ? 0 : -1;
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* The loopback air: inverted symbols and uniform noise, saturating. */
static void channel(const struct opts *o, struct pl_air *air, uint32_t *rs)
{
	if (o->flip == 0 && o->noise == 0)
		return;
	for (uint32_t i = 0; i < air->len; i++) {
		int v = air->sym[i];

		if (o->flip > 0 && rnd(rs) % 1000 < o->flip)
			v = -v;
		if (o->noise > 0)
			v += (int)(rnd(rs) % (2 * o->noise + 1)) - (int)o->noise;
		air->sym[i] = (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
	}
}

static void offer(const struct opts *o, struct tally *t, uint32_t tti)
{
	uint8_t sdu[PDCP_MAX_SDU];

	pl_batch_clear(&in_, tti);
	for (unsigned b = 0; b < o->cfg.n_bearers; b++) {
		uint32_t seq = t->next_seq[b]++;
		size_t len = pl_sdu_len(o->seed, b, seq, o->sdu_min, o->sdu_max);

		pl_sdu_make(o->seed, b, seq, len, sdu);
		if (pl_batch_add(&in_, b, sdu, len) == PL_OK) {
			t->sent_sdus++;
			t->sent_bytes += len;
		}
	}
}

static void check_out(const struct opts *o, struct tally *t)
{
	for (unsigned i = 0; i < pl_batch_count(&out_); i++) {
		unsigned bearer, b;
		uint32_t seq;
		size_t len;
		const uint8_t *p = pl_batch_get(&out_, i, o->cfg.n_bearers, &bearer, &len);

		if (p == NULL || pl_sdu_check(o->seed, p, len, &b, &seq) != 0 || b != bearer) {
			t->corrupt++;
			continue;
		}
		if (t->have_last[b] && seq <= t->last_seq[b])
			t->misordered++;
		t->last_seq[b] = seq;
		t->have_last[b] = 1;
		t->got_sdus++;
		t->got_bytes += len;
	}
}

/* One TTI, stage by stage, timing each. */
static void tti(const struct opts *o, struct tally *t, uint32_t n, uint32_t *rs)
{
	struct pl_pipeline *p = &pipe_;
	const struct pl_cfg *c = &p->cfg;
	uint64_t t0 = now_ns(), t1;

#define STAGE(i, call) do { (void)(call); t1 = now_ns(); t->ns[i] += t1 - t0; t0 = t1; } while (0)
	STAGE(0, pl_ul_pdcp(&p->ul_pdcp, c, &in_, &p->ul_pdcp_out));
	STAGE(1, pl_ul_rlc(&p->ul_rlc, c, &p->ul_pdcp_out, &p->ul_rlc_out));
	STAGE(2, pl_ul_mac(&p->ul_mac, c, &p->ul_rlc_out, &p->ul_tb));
	STAGE(3, pl_ul_phy(&p->ul_phy, c, &p->ul_tb, &p->air));
	channel(o, &p->air, rs);
	t0 = now_ns();
	STAGE(4, pl_dl_phy(&p->dl_phy, c, &p->air, &p->dl_tb));
	STAGE(5, pl_dl_mac(&p->dl_mac, c, &p->dl_tb, &p->dl_mac_out));
	STAGE(6, pl_dl_rlc(&p->dl_rlc, c, &p->dl_mac_out, &p->dl_rlc_out));
	STAGE(7, pl_dl_pdcp(&p->dl_pdcp, c, &p->dl_rlc_out, &out_));
#undef STAGE
	(void)n;
	check_out(o, t);
	t->ttis++;
}

static void report(const struct opts *o, const struct tally *t, const char *verdict)
{
	const struct pl_pipeline *p = &pipe_;
	uint64_t lost = 0, incomplete = 0;

	for (unsigned b = 0; b < o->cfg.n_bearers; b++) {
		lost += p->dl_rlc.rx[b].st.lost;
		incomplete += p->dl_rlc.rx[b].st.incomplete;
	}
	printf("{\"name\": \"%s\", \"ttis\": %" PRIu64 ", \"bearers\": %u, \"tb_bytes\": %u, "
	       "\"phy_reps\": %u, \"phy_fec\": \"%s\", \"sent_sdus\": %" PRIu64 ", "
	       "\"sent_bytes\": %" PRIu64 ", \"delivered_sdus\": %" PRIu64 ", "
	       "\"delivered_bytes\": %" PRIu64 ", \"corrupt\": %" PRIu64 ", \"misordered\": %" PRIu64 ", "
	       "\"queue_drops\": %u, \"crc_errors\": %u, \"rlc_lost\": %" PRIu64 ", "
	       "\"rlc_incomplete\": %" PRIu64 ", \"pdcp_integrity\": %u, \"ns_per_tti\": {",
	       o->name, t->ttis, o->cfg.n_bearers, o->cfg.tb_bytes, o->cfg.phy_reps,
	       o->cfg.phy_fec == PHY_FEC_CONV ? "conv" : "none", t->sent_sdus, t->sent_bytes,
	       t->got_sdus, t->got_bytes, t->corrupt, t->misordered, p->ul_rlc.queue_drops,
	       p->dl_phy.crc_errors, lost, incomplete, p->dl_pdcp.integrity);
	for (int i = 0; i < STAGES; i++)
		printf("%s\"%s\": %" PRIu64, i ? ", " : "", stage_names[i],
		       t->ttis ? t->ns[i] / t->ttis : 0);
	printf("}}\n");
	if (verdict == NULL)
		printf("PASS modemsim_%s\n", o->name);
	else
		printf("FAIL modemsim_%s: %s\n", o->name, verdict);
}

int main(int argc, char **argv)
{
	static struct opts o;
	static struct tally t;
	const char *verdict = NULL;
	uint32_t rs;
	unsigned long n, quiet = 0;
	char why[160];

	if (parse(argc, argv, &o) != 0)
		return usage();
	rs = o.seed * 2654435761u | 1u;
	if (pl_init(&pipe_, &o.cfg) != PL_OK)
		return usage();
	for (n = 0; n < o.ttis; n++) {
		offer(&o, &t, (uint32_t)n);
		tti(&o, &t, (uint32_t)n, &rs);
	}
	/* Drain: no new SDUs until the uplink queues are empty and the
	 * reassembly timers have had their time. */
	for (; n < o.ttis + 100000 && quiet <= o.cfg.t_reassembly + 1; n++) {
		pl_batch_clear(&in_, (uint32_t)n);
		tti(&o, &t, (uint32_t)n, &rs);
		quiet = pl_ul_backlog(&pipe_) == 0 ? quiet + 1 : 0;
	}
	if (t.corrupt > 0) {
		snprintf(why, sizeof why, "%" PRIu64 " SDUs corrupted", t.corrupt);
		verdict = why;
	} else if (t.misordered > 0) {
		snprintf(why, sizeof why, "%" PRIu64 " SDUs out of order or duplicated", t.misordered);
		verdict = why;
	} else if (pl_ul_backlog(&pipe_) != 0) {
		verdict = "the uplink did not drain";
	} else if (o.flip == 0 && o.noise == 0 && pipe_.ul_rlc.queue_drops == 0 &&
		   t.got_sdus != t.sent_sdus) {
		snprintf(why, sizeof why, "clean loop delivered %" PRIu64 " of %" PRIu64 " SDUs",
			 t.got_sdus, t.sent_sdus);
		verdict = why;
	} else if (t.got_sdus == 0 && t.sent_sdus > 0) {
		verdict = "nothing delivered";
	}
	report(&o, &t, verdict);
	return verdict == NULL ? 0 : 1;
}
