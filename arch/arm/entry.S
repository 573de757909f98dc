/*
 * Reset entry, boot page table, secondary-CPU entry, exception vectors and
 * kernel entry/exit. One file for ARMv6K and ARMv7-A: the differences are the
 * dsb_/isb_ macros and ACTLR_SMP from arch_cpu.h.
 *
 * The kernel runs with interrupts masked on one stack per CPU. While a CPU
 * runs a user thread, its SVC-mode sp points just past that thread's
 * struct arch_regs, so every exception saves the user registers straight into
 * the thread (SRS stores pc and cpsr, STM^ the user bank) and then loads the
 * CPU's kernel stack. No IRQ, abort or undef mode stack is ever used.
 */
#include "config.h"
#include "arch/arm/arch.h"
#include "muon/mark.h"

#define PV_OFFSET (KERNEL_VBASE - MUON_RAM_BASE)
#define SECT_KERNEL 0x1140e   /* section, normal WBWA shareable, priv RW */
#define SCTLR_BITS  ((1 << 0) | (1 << 2) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 23))
#define REGS_SIZE   68
#define CPU_KSTACK  0         /* offsetof(struct cpu, kstack_top) */

	.section .text.boot, "ax"
	.arm
	.global _start
_start:
	cpsid	aif
	cps	#PSR_SVC
	mov	r10, r2                 /* DTB (or ATAGs) from the boot loader */
	bl	build_boot_l1
	bl	mmu_on
	ldr	sp, =boot_stack_top
	ldr	r0, =__bss_start        /* .bss is zeroed here; the page table and stacks are not in it */
	ldr	r1, =__bss_end          /* both 32-byte aligned by kernel.ld */
	mov	r2, #0
	mov	r3, #0
	mov	r4, #0
	mov	r5, #0
3:	cmp	r0, r1
	stmloia	r0!, {r2-r5}
	stmloia	r0!, {r2-r5}
	blo	3b
	mov	r0, r10
	ldr	r1, =kmain
	bx	r1                      /* now at the kernel's virtual address */

	.global secondary_entry
secondary_entry:
	cpsid	aif
	cps	#PSR_SVC
	bl	mmu_on
	mrc	p15, 0, r0, c0, c0, 5
	and	r0, r0, #0xff           /* MPIDR Aff0: the CPU number */
	ldr	sp, =boot_stack_top
	sub	sp, sp, r0, lsl #13     /* 8 KiB of boot stack per CPU */
	ldr	r1, =kmain_secondary
	bx	r1

/*
 * The boot page table maps the first 4 MiB of RAM at its physical address
 * (for the jump after the MMU goes on) and 16 MiB at KERNEL_VBASE. kmain
 * extends the linear map once the device tree says how much RAM there is.
 */
build_boot_l1:
	ldr	r4, =boot_l1
	ldr	r5, =PV_OFFSET
	sub	r4, r4, r5              /* physical address of boot_l1 */
	mov	r0, #0
	mov	r1, #4096
1:	subs	r1, r1, #1
	str	r0, [r4, r1, lsl #2]
	bne	1b
	ldr	r6, =SECT_KERNEL
	ldr	r7, =MUON_RAM_BASE
	mov	r1, #0
2:	add	r2, r7, r1, lsl #20     /* physical address of section r1 */
	orr	r3, r2, r6
	cmp	r1, #4
	strlo	r3, [r4, r2, lsr #18]   /* identity entry */
	add	r0, r2, r5
	str	r3, [r4, r0, lsr #18]   /* linear entry */
	add	r1, r1, #1
	cmp	r1, #16
	blo	2b
	bx	lr

mmu_on:
	mrc	p15, 0, r0, c1, c0, 1
	tst	r0, #ACTLR_SMP          /* join coherency before caches go on */
	orreq	r0, r0, #ACTLR_SMP
	mcreq	p15, 0, r0, c1, c0, 1
	ldr	r4, =boot_l1
	ldr	r5, =PV_OFFSET
	sub	r4, r4, r5
	orr	r4, r4, #TTBR_WALK
	mcr	p15, 0, r4, c2, c0, 0   /* TTBR0 */
	mcr	p15, 0, r4, c2, c0, 1   /* TTBR1 */
	mov	r0, #0
	mcr	p15, 0, r0, c2, c0, 2   /* TTBCR: TTBR0 only, for now */
	mcr	p15, 0, r0, c13, c0, 1  /* CONTEXTIDR: ASID 0 */
	mov	r0, #1
	mcr	p15, 0, r0, c3, c0, 0   /* DACR: domain 0 client */
	mov	r0, #0
	mcr	p15, 0, r0, c8, c7, 0   /* invalidate TLBs */
	mcr	p15, 0, r0, c7, c5, 0   /* invalidate I-cache */
	dsb_	r0
	mrc	p15, 0, r0, c1, c0, 0
	ldr	r1, =SCTLR_BITS
	orr	r0, r0, r1
	orr	r0, r0, #(1 << 13)      /* V: vectors at 0xffff0000 */
	mcr	p15, 0, r0, c1, c0, 0
	isb_	r0
	bx	lr

	.ltorg

/* Exception vectors: one page, mapped at VECTORS_VA by mmu_map_vectors (boot). */
	.section .vectors, "ax"
	.align	12
	.global	vector_page
vector_page:
	b	.
	ldr	pc, v_undef
	ldr	pc, v_svc
	ldr	pc, v_pabt
	ldr	pc, v_dabt
	b	.
	ldr	pc, v_irq
	b	.
v_undef: .word undef_entry
v_svc:	 .word svc_entry
v_pabt:	 .word pabt_entry
v_dabt:	 .word dabt_entry
v_irq:	 .word irq_entry

	.text
/* Save the interrupted context at sp_svc, then call trap(regs, kind). */
.macro save_and_trap kind
	srsdb	sp!, #PSR_SVC
	cps	#PSR_SVC
	stmdb	sp, {r0-r14}^
	sub	sp, sp, #60
	mov	r1, #\kind
	b	trap_common
.endm

/*
 * A system call from user mode tries the IPC fast path first (kernel/fastpath.c):
 * ipc_fast(thread, cpu) switches to the partner itself, or returns the thread
 * (whose registers come first in it) for trap().
 */
svc_entry:
#if MUON_FASTPATH
	srsdb	sp!, #PSR_SVC
	stmdb	sp, {r0-r14}^
	ldr	r2, [sp, #4]            /* saved cpsr */
	tst	r2, #(PSR_MODE_MASK & ~PSR_USR)   /* user mode is the only one with these bits clear */
	bne	svc_from_kernel
	sub	r0, sp, #60
	mrc	p15, 0, r1, c13, c0, 4
	ldr	sp, [r1, #CPU_KSTACK]
	bl	ipc_fast
	mov	r1, #TRAP_SVC_N
	bl	trap
	b	.
svc_from_kernel:                        /* a bug: trap() says so */
	sub	sp, sp, #60
	mov	r1, #TRAP_SVC_N
	b	trap_common
#else
	save_and_trap TRAP_SVC_N
#endif
irq_entry:
	sub	lr, lr, #4
	save_and_trap TRAP_IRQ_N
	.pushsection .insnprof, "", %progbits   /* uapi/muon/mark.h */
	.word	irq_entry, MU_MARK_IRQ
	.popsection
undef_entry:
	sub	lr, lr, #4
	save_and_trap TRAP_UNDEF_N
pabt_entry:
	sub	lr, lr, #4
	save_and_trap TRAP_PABT_N
dabt_entry:
	sub	lr, lr, #8
	save_and_trap TRAP_DABT_N

trap_common:
	mov	r0, sp
	ldr	r2, [r0, #64]           /* saved cpsr */
	and	r2, r2, #PSR_MODE_MASK
	cmp	r2, #PSR_USR
	mrceq	p15, 0, r2, c13, c0, 4
	ldreq	sp, [r2, #CPU_KSTACK]   /* from user: fresh kernel stack */
	bl	trap
	b	.

/* The way back to user mode is arch_user_return (arch.h), inline in C. */

	.section .pgtable, "aw", %nobits
	.align	14
	.global	boot_l1
boot_l1:
	.space	16384
	.align	3
	.space	8192 * MUON_MAX_CPUS
	.global	boot_stack_top
boot_stack_top:
