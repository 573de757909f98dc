/*
 * Kernel-side boot tests, built in when MUON_TESTS is on: they run on CPU0
 * before init starts, one line each, `TEST PASS name` or `TEST FAIL name:
 * reason`. init runs the user-level tests and prints the closing line.
 */
#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "bsp/bsp.h"
#include "kernel/cpu.h"
#include "arch/arm/gic.h"
#include "arch/arm/mmu.h"
#include "kernel/page.h"
#include "kernel/platform.h"
#include "kernel/irq.h"
#include "arch/arm/timer.h"

static unsigned passed, failed;

static void result(const char *name, const char *why)
{
	if (why) {
		failed++;
		kprintf("TEST FAIL %s: %s\n", name, why);
	} else {
		passed++;
		kprintf("TEST PASS %s\n", name);
	}
}

/* Poll interrupts on CPU0 until cond() holds or ms of virtual time pass. */
static bool wait_for(bool (*cond)(void), unsigned ms)
{
	uint64_t end = bsp_clock_ns() + ms * 1000000ull;
	while (!cond()) {
		if (bsp_clock_ns() > end)
			return false;
		irq_dispatch();
		arch_wfe();   /* SGIs and timer interrupts elsewhere send events */
	}
	return true;
}

static const char *t_cpus_online(void)
{
	/* Whether that is the count QEMU was given, ci/muon.py checks from the console. */
	return cpus_online() == platform.ncpus ? NULL : "not every CPU the platform describes came online";
}

static bool all_pairs_pinged(void)
{
	for (unsigned to = 0; to < ncpus_present; to++)
		for (unsigned from = 0; from < ncpus_present; from++)
			if (from != to && cpus[to].ipi_rx[from] == 0)
				return false;
	return true;
}

/* CPU0 asks every CPU (itself too) to ping all others: every ordered pair sees one SGI. */
static const char *t_ipi_all_pairs(void)
{
	for (unsigned i = 1; i < ncpus_present; i++)
		smp_send(i, SGI_PING_ALL);
	for (unsigned i = 1; i < ncpus_present; i++)
		smp_send(i, SGI_PING);
	return wait_for(all_pairs_pinged, 1000) ? NULL : "an SGI between some pair of CPUs did not arrive";
}

static uint32_t timer_base[MUON_MAX_CPUS];

static bool all_timers_ticked(void)
{
	for (unsigned i = 0; i < ncpus_present; i++)
		if (cpus[i].timer_irqs <= timer_base[i])
			return false;
	return true;
}

static void arm_fn(struct drq *r)
{
	this_cpu()->test_deadline = bsp_clock_ns() + r->a * 1000ull;
	drq_finish(r);
}

/* Tickless: each CPU is asked for a one-shot wake-up 2 ms out, three times over. */
static const char *t_timer_all_cpus(void)
{
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < ncpus_present; i++) {
			struct drq r = { .fn = arm_fn, .a = 2000 };
			timer_base[i] = cpus[i].timer_irqs;
			drq_call(i, &r);
		}
		cpus[0].deadline = 1;   /* reprogram ours: we poll instead of scheduling */
		uint64_t end = bsp_clock_ns() + 1000000000ull;
		while (!all_timers_ticked() && bsp_clock_ns() < end) {
			if (cpus[0].test_deadline && bsp_clock_ns() >= cpus[0].test_deadline)
				arch_timer_oneshot_ns(0);
			irq_dispatch();
			arch_wfe();
		}
		if (!all_timers_ticked())
			return "some CPU's one-shot timer did not fire";
	}
	return NULL;
}

static int cmp64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }

/* Not a test: the SGI latency from CPU0 to CPU1, median of 21 (for ci/bench). */
static void bench_ipi(void)
{
	uint64_t v[21];
	if (ncpus_present < 2)
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(v); i++) {
		uint64_t t0 = bsp_clock_ns(), end = t0 + 100000000ull;
		smp_send(1, SGI_PING);
		while (cpus[1].ping_ns < t0 && bsp_clock_ns() < end)
			arch_wfe();
		v[i] = cpus[1].ping_ns - t0;
	}
	for (unsigned i = 1; i < ARRAY_SIZE(v); i++)   /* insertion sort: 21 values */
		for (unsigned k = i; k && cmp64(v[k - 1], v[k]) > 0; k--) {
			uint64_t x = v[k];
			v[k] = v[k - 1];
			v[k - 1] = x;
		}
	kprintf("BENCH ipi_latency %u\n", (unsigned)v[ARRAY_SIZE(v) / 2]);
}

static const char *t_dtb_matches_board(void)
{
	if (!platform.from_dtb)
		return "no device tree was parsed";
	if (platform.uart_pa != bsp_board.uart_pa || platform.gicd_pa != bsp_board.gicd_pa ||
	    platform.gicc_pa != bsp_board.gicc_pa || platform.twd_pa != bsp_board.twd_pa ||
	    platform.timer_irq != bsp_board.timer_irq)
		return "device addresses differ from the board's";
	/* The size may be anything (-m); ci/muon.py compares the printed size with it. */
	if (platform.ram_base != bsp_board.ram_base || platform.ram_size < SECTION_SIZE)
		return "memory base differs from the board's";
	return NULL;
}

static const char *t_page_alloc(void)
{
	unsigned before = page_free_count();
	void *a = page_alloc(), *b = page_alloc_contig(2, 2);
	if (!a || !b || ((uintptr_t)b & 0x1fff) || page_free_count() != before - 3)
		return "allocation counts or alignment wrong";
	if (((uint32_t *)b)[2047] != 0)
		return "pages are not zeroed";
	page_free(a);
	page_free_contig(b, 2);
	if (page_free_count() != before)
		return "pages not returned";
	/* 2,048 pages in a row fill at least one aligned stretch of 1,024: its summary word says so, then not. */
	int full0 = page_summary_check();
	void *c = page_alloc_contig(2048, 32);
	int full1 = page_summary_check();
	if (c)
		page_free_contig(c, 2048);
	if (!c || full0 < 0 || full1 < full0 + 1 || page_summary_check() != full0 || page_free_count() != before)
		return "the bitmap's summary (full stretches) is wrong";
	return NULL;
}

static volatile bool held;

/* A request that keeps its CPU at its top until held is cleared (b: it began). */
static void hold_fn(struct drq *r)
{
	__atomic_store_n(&r->b, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&held, __ATOMIC_ACQUIRE))
		arch_wfe();
	drq_finish(r);
}

/* Serve CPU0's requests (it is at its top) until `pages` pages are free or ms pass. */
static bool pages_back(unsigned pages, unsigned ms)
{
	uint64_t end = bsp_clock_ns() + ms * 1000000ull;
	while (page_free_count() != pages && bsp_clock_ns() < end) {
		drq_run();
		arch_wfe();
	}
	return page_free_count() == pages;
}

/*
 * A grace period (drq.c) does not hold up the CPU that frees: with CPU1 kept
 * busy by a request, CPU0 hands a page to a grace period and goes on (it
 * used to wait here for CPU1's top, with interrupts off); the page comes
 * back only after CPU1 is free again. Nothing else runs yet.
 */
static const char *t_grace_period(void)
{
	if (ncpus_present < 2 || !cpus[1].online)
		return "needs CPU1";
	unsigned before = page_free_count();
	static struct drq hold;   /* CPU1 writes it until drq_finish: not on this stack */
	hold = (struct drq){ .fn = hold_fn };
	held = true;
	drq_post(1, &hold);
	uint64_t end = bsp_clock_ns() + 1000000000ull;
	while (!__atomic_load_n(&hold.b, __ATOMIC_ACQUIRE) && bsp_clock_ns() < end)
		arch_wfe();
	defer_free(page_alloc());
	defer_flush();
	const char *why = !hold.b ? "CPU1 did not take the request" : NULL;
	if (!why && pages_back(before, 2))   /* 2 ms with CPU1 busy: the page must not come back */
		why = "the grace period ended while CPU1 had not passed its top";
	__atomic_store_n(&held, false, __ATOMIC_RELEASE);
	arch_sev();
	while (!__atomic_load_n(&hold.done, __ATOMIC_ACQUIRE) && bsp_clock_ns() < end)
		arch_wfe();
	if (!pages_back(before, 1000))
		return why ? why : "the page did not come back";
	return why;
}

void ktest_run(void)
{
	static const struct { const char *name; const char *(*fn)(void); } tests[] = {
		{ "cpus_online", t_cpus_online },
		{ "ipi_all_pairs", t_ipi_all_pairs },
		{ "timer_all_cpus", t_timer_all_cpus },
		{ "dtb_matches_board", t_dtb_matches_board },
		{ "page_alloc", t_page_alloc },
		{ "grace_period", t_grace_period },
	};
	if (!MUON_TESTS)
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(tests); i++)
		result(tests[i].name, tests[i].fn());
	bench_ipi();
}
