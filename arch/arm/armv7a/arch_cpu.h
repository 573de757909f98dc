/*
 * ARMv7-A (Cortex-A9, Cortex-A15) differences. Barriers are instructions, the
 * SMP bit sits at ACTLR[6], and TLB maintenance is broadcast to the inner
 * shareable domain, so no TLB shoot-down IPIs are needed.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#define ARCH_NAME "armv7a"
#define ACTLR_SMP (1u << 6)
#define ARCH_TLB_BROADCAST 1   /* inner-shareable maintenance reaches every CPU */
/* TTBR walk attributes: IRGN=WBWA, shareable, RGN=WBWA. */
#define TTBR_WALK 0x4au

#ifdef __ASSEMBLER__
.macro dsb_ rt
	dsb
.endm
.macro isb_ rt
	isb
.endm
#else
static inline void arch_dsb(void) { __asm__ volatile("dsb" ::: "memory"); }
static inline void arch_dmb(void) { __asm__ volatile("dmb" ::: "memory"); }
static inline void arch_isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void arch_tlb_flush_all(void) { __asm__ volatile("mcr p15, 0, %0, c8, c3, 0" :: "r"(0) : "memory"); }
/* This CPU's TLB only (TLBIALL): a CPU joining a new ASID generation. */
static inline void arch_tlb_flush_local(void) { __asm__ volatile("mcr p15, 0, %0, c8, c7, 0" :: "r"(0) : "memory"); }
static inline void arch_tlb_flush_page(unsigned long va) { __asm__ volatile("mcr p15, 0, %0, c8, c3, 3" :: "r"(va) : "memory"); }
static inline void arch_tlb_flush_asid(unsigned asid) { __asm__ volatile("mcr p15, 0, %0, c8, c3, 2" :: "r"(asid) : "memory"); }
static inline void arch_sync_icache(void) { __asm__ volatile("mcr p15, 0, %0, c7, c1, 0" :: "r"(0) : "memory"); }
static inline void arch_clean_dcache_line(unsigned long va) { __asm__ volatile("mcr p15, 0, %0, c7, c11, 1" :: "r"(va) : "memory"); }
static inline void arch_clean_inv_dcache_line(unsigned long va) { __asm__ volatile("mcr p15, 0, %0, c7, c14, 1" :: "r"(va) : "memory"); }
#endif
#endif
