/*
 * modembench: ARM instructions per TTI for each pipeline stage, and per AT
 * command, measured bare-metal in QEMU. tools/modembench builds it with
 * picolibc's semihosting and runs it on the virt board (Cortex-A15) with
 * -icount shift=0, where the PMU cycle counter advances by one per guest
 * instruction, so each figure is an exact instruction count of the -O2
 * target code. It prints one JSON line per configuration (the mean and
 * the largest TTI, and the mean of each stage) and per AT command.
 *
 * Not a host test and not part of the kernel image: a measuring tool whose
 * figures docs/modem.md records. The configurations are the table below.
 */
#include "at.h"
#include "pipeline.h"

#include <stdio.h>
#include <string.h>

#define STAGES 8
#define TTIS 200

static const char *const stage_names[STAGES] = {
	"ul_pdcp", "ul_rlc", "ul_mac", "ul_phy", "dl_phy", "dl_mac", "dl_rlc", "dl_pdcp",
};

static const struct bench {
	const char *name;
	unsigned bearers, tb, reps, fec, sdu_lo, sdu_hi;
} benches[] = {
	{ "conv_tb64", 2, 64, 1, PHY_FEC_CONV, 8, 24 },      /* pl_cfg_default() */
	{ "conv_tb128", 2, 128, 1, PHY_FEC_CONV, 8, 48 },
	{ "conv_tb256", 2, 256, 1, PHY_FEC_CONV, 16, 96 },
	{ "conv_tb64_reps4", 2, 64, 4, PHY_FEC_CONV, 8, 20 },
	{ "none_tb256", 2, 256, 1, PHY_FEC_NONE, 16, 96 },
	{ "none_tb256_reps4", 2, 256, 4, PHY_FEC_NONE, 16, 96 },
	{ "none_tb512_reps2", 4, 512, 2, PHY_FEC_NONE, 8, 100 },
	{ "none_tb1024", 1, 1024, 1, PHY_FEC_NONE, 400, 900 },
};

static struct pl_pipeline pipe_;
static struct pl_batch in_, out_;

/* PMCCNTR: with -icount shift=0 QEMU counts one per instruction. */
static inline uint32_t count(void)
{
	uint32_t v;

	__asm__ volatile("mrc p15, 0, %0, c9, c13, 0" : "=r"(v));
	return v;
}

static void pmu_start(void)
{
	uint32_t pmcr = 1u | 4u, enable = 1u << 31; /* enable, reset the cycle counter */

	__asm__ volatile("mcr p15, 0, %0, c9, c12, 0" : : "r"(pmcr));
	__asm__ volatile("mcr p15, 0, %0, c9, c12, 1" : : "r"(enable));
}

static void offer(const struct bench *b, uint32_t tti, uint32_t *seq)
{
	static uint8_t sdu[PDCP_MAX_SDU];

	pl_batch_clear(&in_, tti);
	for (unsigned k = 0; k < b->bearers; k++) {
		size_t len = pl_sdu_len(1, k, seq[k], b->sdu_lo, b->sdu_hi);

		pl_sdu_make(1, k, seq[k]++, len, sdu);
		(void)pl_batch_add(&in_, k, sdu, len);
	}
}

static void run(const struct bench *b)
{
	struct pl_pipeline *p = &pipe_;
	struct pl_cfg c;
	uint64_t st[STAGES] = { 0 }, total = 0;
	uint32_t seq[PL_MAX_BEARERS] = { 0 }, most = 0, t0, t1, start;
	unsigned got = 0;

	pl_cfg_default(&c);
	c.n_bearers = b->bearers;
	c.tb_bytes = b->tb;
	c.phy_reps = b->reps;
	c.phy_fec = b->fec;
	if (pl_init(p, &c) != PL_OK) {
		printf("{\"name\": \"%s\", \"error\": \"bad configuration\"}\n", b->name);
		return;
	}
	for (uint32_t t = 0; t < TTIS; t++) {
		offer(b, t, seq);
		start = t0 = count();
#define STAGE(i, call) do { (void)(call); t1 = count(); st[i] += t1 - t0; t0 = t1; } while (0)
		STAGE(0, pl_ul_pdcp(&p->ul_pdcp, &c, &in_, &p->ul_pdcp_out));
		STAGE(1, pl_ul_rlc(&p->ul_rlc, &c, &p->ul_pdcp_out, &p->ul_rlc_out));
		STAGE(2, pl_ul_mac(&p->ul_mac, &c, &p->ul_rlc_out, &p->ul_tb));
		STAGE(3, pl_ul_phy(&p->ul_phy, &c, &p->ul_tb, &p->air));
		STAGE(4, pl_dl_phy(&p->dl_phy, &c, &p->air, &p->dl_tb));
		STAGE(5, pl_dl_mac(&p->dl_mac, &c, &p->dl_tb, &p->dl_mac_out));
		STAGE(6, pl_dl_rlc(&p->dl_rlc, &c, &p->dl_mac_out, &p->dl_rlc_out));
		STAGE(7, pl_dl_pdcp(&p->dl_pdcp, &c, &p->dl_rlc_out, &out_));
#undef STAGE
		if (t1 - start > most)
			most = t1 - start;
		total += t1 - start;
		got += out_.n;
	}
	printf("{\"name\": \"%s\", \"bearers\": %u, \"tb_bytes\": %u, \"phy_reps\": %u, "
	       "\"phy_fec\": \"%s\", \"sdu\": \"%u-%u\", \"ttis\": %u, \"sdus_sent\": %u, "
	       "\"sdus_delivered\": %u, \"insn_per_tti\": %lu, \"insn_max_tti\": %lu",
	       b->name, b->bearers, b->tb, b->reps, b->fec == PHY_FEC_CONV ? "conv" : "none",
	       b->sdu_lo, b->sdu_hi, TTIS, TTIS * b->bearers, got,
	       (unsigned long)(total / TTIS), (unsigned long)most);
	for (int i = 0; i < STAGES; i++)
		printf(", \"%s\": %lu", stage_names[i], (unsigned long)(st[i] / TTIS));
	printf("}\n");
}

static void at_costs(void)
{
	static const char *const lines[] = {
		"AT", "ATI", "AT+CSQ", "AT+CGDCONT=1,\"IP\",\"internet\"", "AT+CGDCONT?",
		"AT+CFUN?", "ATD+4912345;", "ATH", "AT+FOO=1,2,3",
	};
	static struct at_state s;
	static char out[AT_RESPONSE_MAX];

	at_init(&s, 1);
	(void)at_tick(&s, out, sizeof out);
	(void)at_tick(&s, out, sizeof out);
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		uint32_t t0 = count(), t1;
		size_t n = at_handle(&s, lines[i], strlen(lines[i]), out, sizeof out);

		t1 = count();
		printf("{\"name\": \"at\", \"line\": \"");
		for (const char *q = lines[i]; *q; q++)
			printf(*q == '"' ? "\\\"" : "%c", *q);
		printf("\", \"insn\": %lu, \"response_bytes\": %u}\n", (unsigned long)(t1 - t0),
		       (unsigned)n);
	}
}

int main(void)
{
	pmu_start();
	for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++)
		run(&benches[i]);
	at_costs();
	return 0;
}
