/*
 * Boot on CPU0: console, platform description (DTB in r2, else the board
 * table), linear map, page allocator, GIC and timer, secondary CPUs, then the
 * boot tests or init.
 */
#include "kernel/kernel.h"
#include "bsp/bsp.h"
#include "kernel/cpu.h"
#include "kernel/fdt.h"
#include "arch/arm/gic.h"
#include "arch/arm/mmu.h"
#include "kernel/page.h"
#include "kernel/platform.h"
#include "kernel/factory.h"
#include "kernel/thread.h"
#include "sched/sched.h"
#include "kernel/boot.h"
#include "arch/arm/timer.h"
#include "kernel/console.h"
#include "kernel/ktest.h"

struct platform platform;

static void platform_from_board(void)
{
	platform.ram_base = bsp_board.ram_base;
	platform.ram_size = bsp_board.ram_size;
	platform.ncpus = bsp_board.ncpus;
	platform.uart_pa = bsp_board.uart_pa;
	platform.gicd_pa = bsp_board.gicd_pa;
	platform.gicc_pa = bsp_board.gicc_pa;
	platform.twd_pa = bsp_board.twd_pa;
	platform.timer_irq = bsp_board.timer_irq;
	platform.timer_hz = bsp_board.timer_hz;
}

#define FOUR_GIB (1ull << 32)

/* Whether [pa, pa+size) lies below 4 GiB, where a 32-bit kernel can map it. */
static bool mappable(uint64_t pa, uint64_t size)
{
	return pa < FOUR_GIB && size <= FOUR_GIB - pa;
}

/* A device address from the tree, unless it is one the kernel cannot map. */
static bool take_device(const char *what, uint64_t pa, uint64_t *dst)
{
	if (pa == 0)
		return false;
	if (!mappable(pa, 0x1000)) {
		kprintf("muon: warning: device tree: %s at %llx is above 4 GiB, which this kernel cannot map: "
			"using the board table's\n", what, pa);
		return false;
	}
	*dst = pa;
	return true;
}

/*
 * The RAM the kernel runs in: the union of the tree's memory ranges that hold
 * or adjoin the kernel's (each /memory node describes RAM, so a second,
 * larger node is a claim too; QEMU's -dtb adds its own /memory beside those
 * of the tree). A 32-bit kernel uses what lies below 4 GiB and says so.
 */
static bool take_memory(const struct fdt_platform *fp)
{
	uint64_t lo = MUON_RAM_BASE, hi = MUON_RAM_BASE;

	for (unsigned pass = 0; pass < fp->n_mem; pass++)
		for (unsigned i = 0; i < fp->n_mem; i++) {
			uint64_t base = fp->mem[i].base, end = base + fp->mem[i].size;
			if (end < base)
				end = UINT64_MAX;   /* a size that wraps: not mappable anyway */
			if (base <= hi && end > hi) {   /* holds or adjoins what we have */
				lo = base < lo ? base : lo;
				hi = end;
			}
		}
	if (hi == MUON_RAM_BASE)
		return false;
	if (hi > FOUR_GIB) {
		kprintf("muon: warning: device tree: memory %llx-%llx reaches above 4 GiB: only the part below is used\n",
			lo, hi);
		hi = FOUR_GIB;
	}
	platform.ram_base = lo;
	platform.ram_size = hi - lo;
	return true;
}

/* The PSCI conduit the tree names, on boards whose CPUs are started through PSCI. */
static void take_psci(const struct fdt_platform *fp)
{
	if (!bsp_board.cpu_power)
		return;
	platform.psci_smc = fp->psci_hvc == 2;
	if (fp->psci_hvc == 0 && platform.ncpus > 1) {
		kprintf("muon: warning: device tree: no usable /psci node, so no way to start the other CPUs: "
			"running on CPU0 only\n");
		platform.ncpus = 1;
	}
}

static void report_warnings(uint32_t warn)
{
	for (uint32_t bit = 1; bit != 0 && bit <= warn; bit <<= 1) {
		if (!(warn & bit) || (bit == FDT_W_NO_PSCI && !bsp_board.cpu_power))
			continue;   /* only boards that start CPUs through PSCI need /psci */
		kprintf("muon: warning: device tree: %s\n", fdt_warning(bit));
	}
}

/* Take what the DTB says; a field it lacks keeps the board's value. */
static void platform_apply(const struct fdt_platform *fp)
{
	unsigned t = 0;

	report_warnings(fp->warn);
	if (take_memory(fp))
		t |= PF_MEM;
	else if (fp->n_mem)
		kprintf("muon: warning: device tree: no memory range holds the kernel at %08x\n", MUON_RAM_BASE);
	if (fp->n_cpus) {
		platform.ncpus = fp->n_cpus > MUON_MAX_CPUS ? MUON_MAX_CPUS : fp->n_cpus;
		t |= PF_CPUS;
	}
	if (take_device("uart", fp->uart_base, &platform.uart_pa))
		t |= PF_UART;
	if (fp->gicd_base && fp->gicc_base && mappable(fp->gicc_base, 0x1000) &&
	    take_device("gic distributor", fp->gicd_base, &platform.gicd_pa)) {
		platform.gicc_pa = fp->gicc_base;
		t |= PF_GIC;
	} else if (fp->gicc_base && !mappable(fp->gicc_base, 0x1000)) {
		kprintf("muon: warning: device tree: gic cpu interface at %llx is above 4 GiB: using the board table's\n",
			fp->gicc_base);
	}
	if (take_device("timer", fp->timer_base, &platform.twd_pa))
		t |= PF_TIMER;
	if (fp->timer_irq && (fp->has_generic_timer || t & PF_TIMER)) {
		platform.timer_irq = fp->timer_irq;
		t |= PF_IRQ;
	}
	platform.from_tree = t;
	take_psci(fp);
}

/* Maps [pa, pa+size) of RAM into the linear map, if it lies inside the part the map can hold. */
static bool map_ram(uint64_t pa, uint64_t size)
{
	uint64_t off = pa - MUON_RAM_BASE;   /* wraps to a huge value below the base */

	if (off > LINEAR_MAX || size > LINEAR_MAX - off)
		return false;
	mmu_map_linear(ALIGN_DOWN(pa, SECTION_SIZE), ALIGN_UP(pa + size, SECTION_SIZE) - ALIGN_DOWN(pa, SECTION_SIZE));
	return true;
}

static bool platform_from_dtb(uint64_t pa)
{
	uint32_t size = 0;
	struct fdt_platform fp;

	if (pa == 0 || (pa & 3) || !map_ram(pa, 64)) {
		kprintf("muon: warning: no device tree (r2 %08x is not a word in the kernel's RAM): using the %s board table\n",
			(unsigned)pa, bsp_board.name);
		return false;
	}
	const void *blob = (const void *)pa_to_va(pa);
	int err = fdt_header(blob, &size);
	if (!err && !map_ram(pa, size)) {
		/* Anything that fits the linear map is taken: QEMU's -dtb makes 2 MiB trees. */
		kprintf("muon: warning: device tree at %08x claims %u bytes, beyond the %u MiB the kernel maps: "
			"using the %s board table\n", (unsigned)pa, (unsigned)size, LINEAR_MAX >> 20, bsp_board.name);
		return false;
	}
	if (!err)
		err = fdt_parse_platform(blob, size, &fp);
	if (err) {
		kprintf("muon: warning: no valid device tree at %08x (%s): using the %s board table\n",
			(unsigned)pa, fdt_strerror(err), bsp_board.name);
		return false;
	}
	platform_apply(&fp);
	if (!(platform.from_tree & PF_MEM)) {
		kprintf("muon: warning: device tree gives no memory for the kernel: using the board table's\n");
		platform.ram_base = bsp_board.ram_base;
		platform.ram_size = bsp_board.ram_size;
	}
	platform.dtb_pa = pa;
	platform.dtb_size = size;
	return true;
}

/*
 * Whether RAM answers at pa (linearly mapped): a word written there reads back
 * past the cache, and the kernel's first word does not change with it (RAM
 * that wraps around). Memory that is not there reads as something else on
 * QEMU; real buses may abort instead, after the warning that names the range.
 */
static bool ram_answers(uint64_t pa)
{
	volatile uint32_t *p = (volatile uint32_t *)pa_to_va(pa);
	volatile uint32_t *k = (volatile uint32_t *)pa_to_va(MUON_RAM_BASE);
	uint32_t old = *p, kold = *k, pat = 0x6d756f6eu ^ (uint32_t)pa;
	bool ok = true;

	for (int i = 0; i < 2 && ok; i++, pat = ~pat) {
		*p = pat;
		arch_clean_inv_dcache_line((uintptr_t)p);
		arch_dsb();
		ok = *p == pat && *k == kold;
	}
	*p = old;
	return ok;
}

/*
 * The tree may claim more RAM than the machine has (a tree for a bigger
 * board, or one nobody fixed up). The highest MiB that answers bounds the
 * RAM used; found by bisection, since RAM is one range from the kernel up.
 */
static uint64_t ram_probe(uint64_t size)
{
	uint64_t lo = 1, hi = size >> 20;   /* MiB 0 holds the kernel; MiB hi is unknown */

	if (ram_answers(MUON_RAM_BASE + size - 4))
		return size;
	kprintf("muon: warning: the device tree claims %llu MiB of memory at %08llx, but its last word used does not answer: "
		"probing\n", platform.ram_size >> 20, platform.ram_base);
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (ram_answers(MUON_RAM_BASE + (mid << 20) - 4))
			lo = mid;
		else
			hi = mid;
	}
	kprintf("muon: warning: only %llu MiB of the memory the device tree claims are there: using those\n", lo);
	return lo << 20;
}

static void memory_init(void)
{
	uint64_t size = platform.ram_size;
	uint64_t offset = MUON_RAM_BASE - platform.ram_base;
	/* The linear map starts at the kernel's RAM base and is at most LINEAR_MAX. */
	size = size - offset > LINEAR_MAX ? LINEAR_MAX : size - offset;
	mmu_map_linear(MUON_RAM_BASE, size);
	if (platform.from_dtb && (platform.from_tree & PF_MEM)) {
		uint64_t there = ram_probe(size);
		if (there < size) {
			platform.ram_size = offset + there;
			size = there;
		}
	}
	page_init(MUON_RAM_BASE, size);
	page_reserve(MUON_RAM_BASE, va_to_pa((uintptr_t)_kernel_end) - MUON_RAM_BASE);
	if (platform.from_dtb)
		page_reserve(platform.dtb_pa, platform.dtb_size);
	root_factory.quota = page_free_count() * PAGE_SIZE;
	kprintf("muon: memory %llu MiB at %08llx, %u pages free\n", platform.ram_size >> 20,
		platform.ram_base, page_free_count());
	if (size < platform.ram_size - offset)
		kprintf("muon: warning: only the first %llu MiB are used (linear map limit)\n", (offset + size) >> 20);
}

/* What the kernel took from the tree; each value the tree did not give is marked. */
static void print_platform(void)
{
	static const char fb[] = " (board table)";
	unsigned t = platform.from_tree;

	kprintf("muon: device tree: memory %llu MiB at %08llx%s, %u cpus%s, uart %08llx%s, gic %08llx/%08llx%s, ",
		platform.ram_size >> 20, platform.ram_base, t & PF_MEM ? "" : fb, platform.ncpus, t & PF_CPUS ? "" : fb,
		platform.uart_pa, t & PF_UART ? "" : fb, platform.gicd_pa, platform.gicc_pa, t & PF_GIC ? "" : fb);
	if (platform.twd_pa)
		kprintf("timer %08llx%s, ", platform.twd_pa, t & PF_TIMER ? "" : fb);
	kprintf("timer irq %u%s\n", platform.timer_irq, t & PF_IRQ ? "" : fb);
}

void kmain(uint32_t r2)
{
	arch_set_cpu_ptr(&cpus[0]);
	platform_from_board();
	bsp_uart_init(ioremap(platform.uart_pa, 0x1000));
	kprintf("\nmuon: at %llu ns booting on %s (%s), r2 %08x\n", 0ull, bsp_board.name, ARCH_NAME, (unsigned)r2);
	platform.from_dtb = platform_from_dtb(r2);
	if (platform.from_dtb) {
		bsp_uart_init(ioremap(platform.uart_pa, 0x1000));
		print_platform();
	}
	memory_init();
	mmu_map_vectors();
	gic_init(ioremap(platform.gicd_pa, 0x1000), ioremap(platform.gicc_pa, 0x1000));
	bsp_init();
	arch_timer_init(platform.twd_pa ? ioremap(platform.twd_pa, 0x100) : 0, platform.timer_hz);
	ncpus_present = platform.ncpus;
	cpu_start(0);
	smp_boot();
	ktest_run();
	console_init();
	boot_user();
	lat_begin(this_cpu(), MU_LAT_OP(MU_LAT_IDLE, 0, 0));   /* the boot is no kernel entry */
	schedule();
}
