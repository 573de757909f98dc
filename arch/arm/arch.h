/*
 * The arch_ hooks: everything generic kernel code may ask of the CPU.
 * One declaration each; the ARMv6K/ARMv7-A differences live in arch_cpu.h.
 */
#ifndef ARCH_H
#define ARCH_H

#include "config.h"
#include MUON_ARCH_CPU_H   /* arch/arm/armv6k or armv7a: the CPU variant's hooks */

/* Kernel virtual layout: RAM linearly at KERNEL_VBASE, devices above. */
#define KERNEL_VBASE   0xc0000000u
#define LINEAR_MAX     0x30000000u   /* at most 768 MiB of RAM is mapped */
#define DEVICE_VBASE   0xf0000000u
#define DEVICE_VEND    0xfff00000u
#define VECTORS_VA     0xffff0000u
#define USER_TOP       0x80000000u   /* TTBR0 covers [0, USER_TOP) */
#define PAGE_SIZE      4096u
#define SECTION_SIZE   0x100000u

/* CPSR modes and bits. */
#define PSR_USR 0x10u
#define PSR_SVC 0x13u
#define PSR_MODE_MASK 0x1fu
#define PSR_I (1u << 7)
#define PSR_F (1u << 6)
#define PSR_A (1u << 8)

/* Trap kinds passed from entry.S to trap(). */
#define TRAP_SVC_N   0
#define TRAP_IRQ_N   1
#define TRAP_UNDEF_N 2
#define TRAP_PABT_N  3
#define TRAP_DABT_N  4

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* A user thread's registers as the exception entry saves them. */
struct arch_regs {
	uint32_t r[13];
	uint32_t sp, lr, pc, cpsr;
};
/* entry.S: STM^ stores r0-r14 at the start, SRS stores pc and cpsr at 60 and 64 (svc_entry, trap_common). */
_Static_assert(offsetof(struct arch_regs, pc) == 60 && offsetof(struct arch_regs, cpsr) == 64 &&
	       sizeof(struct arch_regs) == 68, "entry.S: the saved registers' layout");


extern uint32_t pv_offset;  /* virtual minus physical for linear addresses */
static inline uintptr_t pa_to_va(uint64_t pa) { return (uintptr_t)(pa + pv_offset); }
static inline uint64_t va_to_pa(uintptr_t va) { return (uint32_t)(va - pv_offset); }

/* Per-CPU data pointer in TPIDRPRW (ARMv6K and later). */
static inline void *arch_cpu_ptr(void)
{
	void *p;
	__asm__ volatile("mrc p15, 0, %0, c13, c0, 4" : "=r"(p));
	return p;
}
static inline void arch_set_cpu_ptr(void *p) { __asm__ volatile("mcr p15, 0, %0, c13, c0, 4" :: "r"(p)); }
static inline unsigned arch_cpu_hwid(void)
{
	uint32_t mpidr;
	__asm__ volatile("mrc p15, 0, %0, c0, c0, 5" : "=r"(mpidr));
	return mpidr & 0xffu;
}
/* TPIDRURO (read-only to user: the TLS pointer) and TPIDRURW (the UTCB address). */
static inline void arch_set_user_tp(uint32_t ro, uint32_t rw)
{
	__asm__ volatile("mcr p15, 0, %0, c13, c0, 3\n mcr p15, 0, %1, c13, c0, 2" :: "r"(ro), "r"(rw));
}
static inline void arch_irq_disable(void) { __asm__ volatile("cpsid i" ::: "memory"); }
static inline void arch_wfi(void) { arch_dsb(); __asm__ volatile("wfi" ::: "memory"); }
static inline void arch_wfe(void) { __asm__ volatile("wfe" ::: "memory"); }
static inline void arch_sev(void) { arch_dsb(); __asm__ volatile("sev" ::: "memory"); }

/*
 * A single-copy-atomic 64-bit load (relaxed). LDREXD is one on ARMv6K and
 * later; GCC's own choice with LPAE, LDRD, is one on the hardware too, but
 * QEMU 7.2's TCG splits an A32 LDRD into two 32-bit loads, and a store
 * between them tore gate bindings on virt (rights_table, ci/fresh). CLREX
 * drops the reservation the load made.
 */
static inline uint64_t arch_load64(const uint64_t *p)
{
	uint64_t v;
	__asm__ volatile("ldrexd %0, %H0, [%1]\n\tclrex" : "=&r"(v) : "r"(p) : "memory");
	return v;
}

/* Fault status and address of the last abort. */
uint32_t arch_dfsr(void);
uint32_t arch_dfar(void);
uint32_t arch_ifsr(void);

/*
 * Enter user mode (or resume a thread) with the registers in r. Never
 * returns. CLREX: the thread may be another than the one whose LDREX left
 * the monitor open. sp goes to r's pc and cpsr first, the user registers
 * below it load from there, and RFE leaves sp just past r (entry.S). No NOP
 * after the LDM of the user registers: only ARMv5T and earlier need one
 * before the next access of a banked register.
 */
static inline __attribute__((always_inline, noreturn)) void arch_user_return(struct arch_regs *r)
{
	__asm__ volatile("add sp, %0, #60\n\tclrex\n\tldmdb sp, {r0-r14}^\n\trfeia sp!"
			 :: "r"(r) : "memory");
	__builtin_unreachable();
}
/*
 * Switch the user address space: TTBR0 to pgdir (physical) under asid. With
 * flush, this CPU's whole TLB is invalidated while it runs under the reserved
 * ASID 0, after it stopped using the old one and before it uses the new one.
 * ASID 0 comes first, so that no walk of the new table is ever tagged with
 * the old ASID, then the table, then the new ASID. Inline: every switch
 * between address spaces runs it (the IPC fast path too).
 */
static inline __attribute__((always_inline)) void arch_switch_space(uint64_t pgdir_pa, unsigned asid, bool flush)
{
	__asm__ volatile("mcr p15, 0, %0, c13, c0, 1" :: "r"(0) : "memory");
	arch_isb();
	__asm__ volatile("mcr p15, 0, %0, c2, c0, 0" :: "r"((uint32_t)pgdir_pa | TTBR_WALK) : "memory");
	arch_isb();
	if (flush) {
		arch_tlb_flush_local();
		arch_dsb();
		arch_isb();
	}
	__asm__ volatile("mcr p15, 0, %0, c13, c0, 1" :: "r"(asid) : "memory");
	/* no ISB: only global kernel mappings are used until the exception return, which synchronizes */
}
/* Switch to the empty user table if TTBR0 is pgdir (before freeing it). */
void arch_leave_space(uint64_t pgdir_pa);
/* Second stage of boot for every CPU: vectors, per-CPU pointer, TTBCR split. */
void arch_cpu_init(void *cpu);
/* Clean new code to the point of unification and invalidate the I-cache. */
void arch_sync_icache_range(uintptr_t va, uint32_t len);
/* Physical address at which secondary CPUs enter the kernel. */
uint32_t arch_secondary_entry_pa(void);

/* Symbols of entry.S and kernel.ld. */
extern char vector_page[], secondary_entry[], boot_stack_top[];   /* entry.S */
extern char _kernel_end[];                                        /* kernel.ld: the image's end */


#endif
#endif
