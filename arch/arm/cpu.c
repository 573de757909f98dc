/* Per-CPU architectural setup and small CP15 accessors. */
#include "kernel/kernel.h"
#include "arch/arm/mmu.h"

uint32_t pv_offset = KERNEL_VBASE - MUON_RAM_BASE;

/* An empty user table: what TTBR0 holds while no user task runs. */
static uint32_t null_l1[2048] __attribute__((aligned(8192)));

void arch_cpu_init(void *cpu)
{
	arch_set_cpu_ptr(cpu);
	/* TTBCR.N = 1: TTBR0 covers [0, 2 GiB), TTBR1 (boot_l1) the rest. */
	__asm__ volatile("mcr p15, 0, %0, c2, c0, 2" :: "r"(1));
	arch_switch_space(va_to_pa((uintptr_t)null_l1), 0, false);
	arch_tlb_flush_all();
	arch_dsb();
	arch_isb();
}

void arch_leave_space(uint64_t pgdir_pa)
{
	uint32_t ttbr0;
	__asm__ volatile("mrc p15, 0, %0, c2, c0, 0" : "=r"(ttbr0));
	if ((ttbr0 & ~0x1fffu) == (uint32_t)pgdir_pa)
		arch_switch_space(va_to_pa((uintptr_t)null_l1), 0, false);
}

uint32_t arch_dfsr(void) { uint32_t v; __asm__ volatile("mrc p15, 0, %0, c5, c0, 0" : "=r"(v)); return v; }
uint32_t arch_dfar(void) { uint32_t v; __asm__ volatile("mrc p15, 0, %0, c6, c0, 0" : "=r"(v)); return v; }
uint32_t arch_ifsr(void) { uint32_t v; __asm__ volatile("mrc p15, 0, %0, c5, c0, 1" : "=r"(v)); return v; }

void arch_sync_icache_range(uintptr_t va, uint32_t len)
{
	for (uintptr_t p = ALIGN_DOWN(va, 32); p < va + len; p += 32)
		arch_clean_dcache_line(p);
	arch_dsb();
	arch_sync_icache();
	arch_dsb();
	arch_isb();
}

uint32_t arch_secondary_entry_pa(void)
{
	return (uint32_t)va_to_pa((uintptr_t)secondary_entry);
}
