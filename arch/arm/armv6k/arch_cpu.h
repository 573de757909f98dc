/*
 * ARMv6K (ARM11MPCore) differences. Barriers are CP15 operations on v6, the
 * SMP bit sits at ACTLR[5], and TLB maintenance is never broadcast in hardware.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#define ARCH_NAME "armv6k"
#define ACTLR_SMP (1u << 5)
#define ARCH_TLB_BROADCAST 0   /* other CPUs must be asked to flush */
/* TTBR walk attributes: inner cacheable (C), shareable (S), outer WBWA (RGN=01). */
#define TTBR_WALK 0x0bu

#ifdef __ASSEMBLER__
.macro dsb_ rt
	mcr p15, 0, \rt, c7, c10, 4
.endm
.macro isb_ rt
	mcr p15, 0, \rt, c7, c5, 4
.endm
#else
static inline void arch_dsb(void) { __asm__ volatile("mcr p15, 0, %0, c7, c10, 4" :: "r"(0) : "memory"); }
static inline void arch_dmb(void) { __asm__ volatile("mcr p15, 0, %0, c7, c10, 5" :: "r"(0) : "memory"); }
static inline void arch_isb(void) { __asm__ volatile("mcr p15, 0, %0, c7, c5, 4" :: "r"(0) : "memory"); }
/* Local TLB only: ARM11MPCore has no broadcast maintenance. */
static inline void arch_tlb_flush_all(void) { __asm__ volatile("mcr p15, 0, %0, c8, c7, 0" :: "r"(0) : "memory"); }
static inline void arch_tlb_flush_local(void) { arch_tlb_flush_all(); }
static inline void arch_tlb_flush_page(unsigned long va) { __asm__ volatile("mcr p15, 0, %0, c8, c7, 1" :: "r"(va) : "memory"); }
static inline void arch_tlb_flush_asid(unsigned asid) { __asm__ volatile("mcr p15, 0, %0, c8, c7, 2" :: "r"(asid) : "memory"); }
/* Clean the D-cache line and invalidate the I-cache so that new code is fetched. */
static inline void arch_sync_icache(void) { __asm__ volatile("mcr p15, 0, %0, c7, c10, 0\n mcr p15, 0, %0, c7, c5, 0" :: "r"(0) : "memory"); }
static inline void arch_clean_dcache_line(unsigned long va) { __asm__ volatile("mcr p15, 0, %0, c7, c10, 1" :: "r"(va) : "memory"); }
static inline void arch_clean_inv_dcache_line(unsigned long va) { __asm__ volatile("mcr p15, 0, %0, c7, c14, 1" :: "r"(va) : "memory"); }
#endif
#endif
