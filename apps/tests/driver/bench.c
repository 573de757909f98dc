/*
 * ci/bench's modem figures (MUON_BENCH_TTIS builds): the system of the
 * system file under one load, measured (docs/benchmarks.md).
 */
#include <stdio.h>
#include <muon/modem.h>
#include "init.h"
#include "system.h"
#include "driver.h"

static uint64_t idle_ns(unsigned cpu)
{
	mr()[0] = cpu;
	if (mu_rpc(MU_CAP_SCHED, MU_TAG(MU_SCHED_IDLE_TIME, 1)) != MU_OK)
		return 0;
	return mr()[0] | (uint64_t)mr()[1] << 32;
}

/*
 * Once every program has reported (or after 5 s of warm-up), the modem's
 * counters are reset and `ttis` TTI periods (1 ms each, whether the TTI ran
 * or was missed) are counted. A CPU counts as used when
 * it was busy for at least 1 % of that window; the others slept in WFI. The
 * modem prints the figures (MODEM_STATS with mr[0] = 1).
 */
void system_bench(unsigned load, uint32_t ttis)
{
	uint32_t v[MODEM_STATS_WORDS];
	uint64_t idle0[8], t0;
	if (!all_reported(1) || modem_ctl == NO_SLOT)
		wait_reports(1, 5000);
	/*
	 * The default work, whatever the modem's calibration chose: under icount its clock counts
	 * every vCPU's instructions, so a busy app OS would make it choose less, and the loads
	 * would not measure the same work. The reset applies it (at the next TTI).
	 */
	mr()[0] = MODEM_WORK_DEFAULT;
	if (modem_ctl != NO_SLOT)
		mu_rpc(modem_ctl, MU_TAG(MODEM_LOAD, 1));
	if (modem_ctl == NO_SLOT || mu_rpc(modem_ctl, MU_TAG(MODEM_RESET, 0)) != MU_OK) {
		printf("init: bench: no modem to measure\nTEST DONE 0 passed, 1 failed\n");
		return;
	}
	t0 = mu_clock_ns();
	for (unsigned c = 0; c < ncpus && c < 8; c++)
		idle0[c] = idle_ns(c);
	while (!modem_stats(v) && v[0] + v[7] < ttis)   /* periods: TTIs run and TTIs the timer saw pass */
		serve_for(100);
	uint64_t wall = mu_clock_ns() - t0;
	unsigned used = 0;
	for (unsigned c = 0; c < ncpus && c < 8; c++) {
		uint64_t idle = idle_ns(c) - idle0[c];
		used += idle < wall && (wall - idle) * 100 >= wall;
	}
	mr()[0] = 1;
	mr()[1] = load;
	mr()[2] = used;
	int err = mu_rpc(modem_ctl, MU_TAG(MODEM_STATS, 3));
	printf("TEST DONE %u passed, %u failed\n", err ? 0u : 1u, err ? 1u : 0u);
}
