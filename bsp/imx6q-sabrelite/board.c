/*
 * NXP i.MX6Quad SABRE Lite: four Cortex-A9 with the A9 MPCore's GIC, private
 * timers (TWD) and global timer (the clock, bsp/common/a9_gtimer.c), UART2 as
 * the console (bsp/common/imx_uart.c), and cores 1-3 released through the
 * System Reset Controller (SRC). The fallback table when no DTB is passed.
 *
 * What the hardware needs and QEMU does not model is written from the i.MX6DQ
 * and Cortex-A9 MPCore reference manuals and untested on a board
 * (docs/booting.md): the SCU turned on before the first secondary, each
 * secondary's L1 data cache invalidated (cache.S), the PL310 L2 cache left
 * off, and the private timers' rate counted against the 24 MHz oscillator.
 */
#include "kernel/kernel.h"
#include "bsp/bsp.h"
#include "arch/arm/mmu.h"
#include "kernel/platform.h"
#include "bsp/imx6q-sabrelite/cache.h"

const struct bsp_board bsp_board = {
	.name = "imx6q-sabrelite",
	.ram_base = 0x10000000, .ram_size = 1024u << 20,
	.ncpus = 4,
	.uart_pa = 0x021e8000,
	.gicd_pa = 0x00a01000, .gicc_pa = 0x00a00100,
	.twd_pa = 0x00a00600, .timer_irq = 29,
	.timer_hz = 100000000,   /* QEMU's; bsp_init measures the board's */
	.uart_irq = 59,          /* UART2: SPI 27 */
};

#define SCU_CTRL    0x00        /* from the private region, 0x600 below the TWD */
#define SCU_INV_ALL 0x0c        /* secure invalidate of the duplicate tags, 4 bits per CPU */

#define L2C_PA           0x00a02000u   /* PL310 */
#define L2C_CTRL         0x100
#define L2C_AUX          0x104
#define L2C_AUX_16WAY    (1u << 16)
#define L2C_SYNC         0x730
#define L2C_CLEAN_INV_WAY 0x7fc

#define SRC_PA       0x020d8000u
#define SRC_SCR      0x00
#define SRC_GPR1     0x20       /* core n: entry in GPR(2n+1), argument in GPR(2n+2) */
#define SCR_CORE_RST(n) (1u << (13 + (n)))   /* self-clearing */
#define SCR_CORE_EN(n)  (1u << (21 + (n)))   /* n = 1..3 */

#define GPT_PA       0x02098000u
#define GPT_CR       0x00
#define GPT_PR       0x04
#define GPT_SR       0x08
#define GPT_IR       0x0c
#define GPT_CNT      0x24
#define CR_EN        (1u << 0)
#define CR_ENMOD     (1u << 1)  /* the count restarts from 0 when enabled */
#define CR_CLK_32K   (4u << 6)  /* the 32.768 kHz crystal oscillator */
#define CR_CLK_OSC   (5u << 6)  /* the 24 MHz crystal oscillator */
#define CR_FRR       (1u << 9)  /* free-running */
#define CR_EN_24M    (1u << 10)
#define PR_24M_DIV8  (7u << 12) /* PRESCALER24M: 24 MHz / 8 */

static volatile uint32_t *scu, *src, *gpt;   /* mapped by bsp_init, before any secondary runs */

static inline volatile uint32_t *r32(volatile uint32_t *base, unsigned off) { return base + off / 4; }

/*
 * U-Boot turns the PL310 off before bootm, and the kernel runs on the L1
 * caches alone. Should a loader leave it on, its contents go back to memory
 * (the L1's first, into it) and it is turned off.
 */
static void l2_off(void)
{
	volatile uint32_t *l2 = (volatile uint32_t *)ioremap(L2C_PA, 0x1000);
	uint32_t ways = *r32(l2, L2C_AUX) & L2C_AUX_16WAY ? 0xffffu : 0xffu;

	if (!(*r32(l2, L2C_CTRL) & 1))
		return;
	imx6_dcache_setway(1);
	*r32(l2, L2C_CLEAN_INV_WAY) = ways;
	for (unsigned i = 0; i < 10000000u && (*r32(l2, L2C_CLEAN_INV_WAY) & ways); i++)
		;
	*r32(l2, L2C_SYNC) = 0;
	for (unsigned i = 0; i < 10000000u && (*r32(l2, L2C_SYNC) & 1); i++)
		;
	*r32(l2, L2C_CTRL) = 0;
	arch_dsb();
	kprintf("muon: imx6: the boot loader left the PL310 L2 cache on: written back and turned off\n");
}

/* A GPT count and a global-timer count read between two GPT reads at most a tick apart. */
static bool sample(uint32_t *g, uint64_t *t)
{
	for (int i = 0; i < 1000; i++) {
		uint32_t a = *r32(gpt, GPT_CNT);
		*t = a9_gtimer_ticks();
		uint32_t b = *r32(gpt, GPT_CNT);
		if (b - a <= 1) {
			*g = a;
			return true;
		}
	}
	return false;
}

/*
 * PERIPHCLK, which drives the TWD and the global timer, is half the ARM clock
 * (396 MHz at 792 MHz), which the boot loader chose: its ticks are counted
 * over `ticks` of a GPT clocked from source at gpt_hz, and rounded to whole
 * MHz, as the TWD driver counts. 0 if the GPT does not count.
 */
static uint32_t count_periphclk(uint32_t source, uint32_t prescale, uint32_t gpt_hz, uint32_t ticks)
{
	/* Global-timer ticks to give up after: twice the window at 1 GHz, 100 GPT ticks at 1 GHz
	 * if the GPT does not move at all. */
	uint64_t limit = (uint64_t)ticks * 2000000000u / gpt_hz, idle = 100000000000ull / gpt_hz;
	uint32_t g0, g1, g;
	uint64_t t0, t1, t;

	*r32(gpt, GPT_CR) = 0;
	*r32(gpt, GPT_IR) = 0;
	*r32(gpt, GPT_PR) = prescale;
	*r32(gpt, GPT_CR) = source | CR_FRR | CR_ENMOD;
	*r32(gpt, GPT_SR) = 0x3f;
	*r32(gpt, GPT_CR) |= CR_EN;
	if (!sample(&g0, &t0))
		return 0;
	do {
		g = *r32(gpt, GPT_CNT);
		t = a9_gtimer_ticks() - t0;
	} while (g - g0 < ticks && t < limit && (g != g0 || t < idle));
	if (!sample(&g1, &t1) || g1 - g0 < ticks)
		return 0;
	uint64_t hz = (t1 - t0) * gpt_hz / (g1 - g0);
	if (hz < 10000000u || hz > 1000000000u)
		return 0;
	return (uint32_t)((hz + 500000u) / 1000000u * 1000000u);
}

/*
 * The reference is the 24 MHz oscillator, which the GPT divides by 8
 * (CLKSRC 101 needs i.MX6Quad rev 1.1 or later), over 3 ms; else the 32.768
 * kHz one over 62.5 ms (QEMU 7.2 clocks its GPT from that one, not the 24 MHz).
 */
static void measure_timer_rate(void)
{
	const char *by = "the 24 MHz oscillator";
	uint32_t hz;

	gpt = (volatile uint32_t *)ioremap(GPT_PA, 0x1000);
	hz = count_periphclk(CR_CLK_OSC | CR_EN_24M, PR_24M_DIV8, 3000000u, 9000u);
	if (!hz) {
		by = "the 32 kHz oscillator (the GPT does not count the 24 MHz one)";
		hz = count_periphclk(CR_CLK_32K, 0, 32768u, 2048u);
	}
	*r32(gpt, GPT_CR) = 0;
	if (hz) {
		platform.timer_hz = hz;
		kprintf("muon: imx6: private timers at %u MHz, counted against %s\n", (unsigned)(hz / 1000000u), by);
	} else {
		kprintf("muon: imx6: warning: the GPT counts no oscillator: private timers taken to run at "
			"the board table's %u MHz\n", (unsigned)(platform.timer_hz / 1000000u));
	}
}

void bsp_init(void)
{
	scu = (volatile uint32_t *)ioremap(platform.twd_pa - 0x600, 0x100);
	src = (volatile uint32_t *)ioremap(SRC_PA, 0x1000);
	l2_off();
	a9_gtimer_start();
	measure_timer_rate();
	a9_gtimer_set_rate(platform.timer_hz);
}

uint64_t bsp_uptime_ns(void) { return bsp_clock_ns(); }   /* since bsp_init: nothing counts from reset */

/*
 * The SCU keeps the L1 data caches coherent; the boot loader leaves it off.
 * Its duplicate tags are invalidated before it goes on, and CPU0's lines,
 * which it filled while the SCU was not looking, are written back and dropped.
 */
static void scu_on(void)
{
	if (*r32(scu, SCU_CTRL) & 1)
		return;
	*r32(scu, SCU_INV_ALL) = 0xffffu;
	*r32(scu, SCU_CTRL) |= 1;
	arch_dsb();
	imx6_dcache_setway(1);
}

/* Core n enters imx6_secondary_entry, which invalidates its L1 and goes on to the kernel's entry. */
int bsp_start_cpu(unsigned cpu, uint32_t entry_pa)
{
	if (cpu < 1 || cpu > 3 || entry_pa != arch_secondary_entry_pa())
		return -1;
	scu_on();
	*r32(src, SRC_GPR1 + 8 * cpu) = (uint32_t)va_to_pa((uintptr_t)imx6_secondary_entry);
	*r32(src, SRC_GPR1 + 8 * cpu + 4) = 0;
	arch_dsb();
	*r32(src, SRC_SCR) |= SCR_CORE_EN(cpu) | SCR_CORE_RST(cpu);
	return 0;
}

/* cpu_power is false: the SRC could switch a core off, but only another core can. Never called. */
void bsp_cpu_off(void) {}
