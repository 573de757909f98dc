/*
 * Boot on CPU0: console, platform description (DTB in r2, else the board
 * table), linear map, page allocator, GIC and timer, secondary CPUs, then the
 * boot tests or init.
 */
#include "kernel.h"
#include "bsp.h"
#include "cpu.h"
#include "fdt.h"
#include "gic.h"
#include "mmu.h"
#include "page.h"
#include "platform.h"
#include "thread.h"
#include "timer.h"
#include "console.h"

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
}

/* Take what the DTB says; a field it lacks keeps the board's value. */
static void platform_apply(const struct fdt_platform *fp)
{
	if (fp->n_mem) {
		platform.ram_base = fp->mem[0].base;
		platform.ram_size = fp->mem[0].size;
	}
	if (fp->n_cpus)
		platform.ncpus = fp->n_cpus > MUON_MAX_CPUS ? MUON_MAX_CPUS : fp->n_cpus;
	if (fp->uart_base)
		platform.uart_pa = fp->uart_base;
	if (fp->gicd_base && fp->gicc_base) {
		platform.gicd_pa = fp->gicd_base;
		platform.gicc_pa = fp->gicc_base;
	}
	if (fp->timer_base)
		platform.twd_pa = fp->timer_base;
	platform.timer_irq = fp->has_generic_timer ? 30 : fp->timer_base ? 29 : platform.timer_irq;
}

static bool platform_from_dtb(uint64_t pa)
{
	if (pa - MUON_RAM_BASE >= LINEAR_MAX - 2 * SECTION_SIZE || (pa & 3))   /* also below the base */
		return false;
	mmu_map_linear(ALIGN_DOWN(pa, SECTION_SIZE), 2 * SECTION_SIZE);
	const void *blob = (const void *)pa_to_va(pa);
	size_t size = fdt_size(blob);
	struct fdt_platform fp;
	int err = size && size <= SECTION_SIZE ? fdt_parse_platform(blob, size, &fp) : FDT_E_MAGIC;
	if (err) {
		kprintf("muon: warning: no valid device tree at %08x (%s): using the %s board table\n",
			(unsigned)pa, fdt_strerror(err), bsp_board.name);
		return false;
	}
	platform_apply(&fp);
	if (MUON_RAM_BASE < platform.ram_base || MUON_RAM_BASE >= platform.ram_base + platform.ram_size) {
		kprintf("muon: warning: device tree memory does not hold the kernel: using the board table\n");
		platform_from_board();
		return false;
	}
	platform.dtb_pa = pa;
	platform.dtb_size = (uint32_t)size;
	return true;
}

static void memory_init(void)
{
	extern char _kernel_end[];
	uint64_t size = platform.ram_size;
	uint64_t offset = MUON_RAM_BASE - platform.ram_base;
	/* The linear map starts at the kernel's RAM base and is at most LINEAR_MAX. */
	size = size - offset > LINEAR_MAX ? LINEAR_MAX : size - offset;
	mmu_map_linear(MUON_RAM_BASE, size);
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

void kmain(uint32_t r2)
{
	arch_set_cpu_ptr(&cpus[0]);
	platform_from_board();
	bsp_uart_init(ioremap(platform.uart_pa, 0x1000));
	kprintf("\nmuon: at %llu ns booting on %s (%s), r2 %08x\n", 0ull, bsp_board.name, ARCH_NAME, (unsigned)r2);
	platform.from_dtb = platform_from_dtb(r2);
	if (platform.from_dtb) {
		bsp_uart_init(ioremap(platform.uart_pa, 0x1000));
		kprintf("muon: device tree: %u cpus, uart %08llx, gic %08llx/%08llx, timer irq %u\n",
			platform.ncpus, platform.uart_pa, platform.gicd_pa, platform.gicc_pa, platform.timer_irq);
	}
	memory_init();
	mmu_map_vectors();
	gic_init(ioremap(platform.gicd_pa, 0x1000), ioremap(platform.gicc_pa, 0x1000));
	arch_timer_init(platform.twd_pa ? ioremap(platform.twd_pa, 0x100) : 0, bsp_board.timer_hz);
	bsp_clock_init();
	ncpus_present = platform.ncpus;
	cpu_start(0);
	smp_boot();
	ktest_run();
	console_init();
	boot_user();
	schedule();
}
