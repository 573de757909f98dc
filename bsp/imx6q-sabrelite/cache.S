/*
 * i.MX6 SABRE Lite: set/way maintenance of one CPU's L1 data cache, and the
 * first instructions of a secondary CPU released by the SRC.
 *
 * The Cortex-A9 does not invalidate its L1 data cache at reset (Cortex-A9 TRM,
 * "Cache and TLB initialization"); whatever the RAM cells hold would become
 * valid, possibly dirty, lines once the cache goes on. A secondary therefore
 * invalidates its own before it enters the kernel's secondary_entry, which
 * turns the MMU and caches on. QEMU's caches are not modelled: untested on
 * hardware (docs/booting.md).
 */
	.text
	.arm

/*
 * Every line of this CPU's level-1 data cache by set and way (CSSELR level 0,
 * geometry from CCSIDR): r0 = 0 invalidates, otherwise cleans and invalidates.
 * Uses r0-r6 and no stack (the secondary calls it with the MMU off).
 */
l1_dcache_setway:
	mov	r6, r0
	mov	r0, #0
	mcr	p15, 2, r0, c0, c0, 0   /* CSSELR: level 1, data */
	isb
	mrc	p15, 1, r0, c0, c0, 0   /* CCSIDR */
	and	r1, r0, #7
	add	r1, r1, #4              /* r1: log2 of the line size in bytes */
	ubfx	r2, r0, #3, #10         /* r2: ways - 1, counted down */
	clz	r3, r2                  /* r3: where the way number sits in the operand */
	ubfx	r4, r0, #13, #15        /* r4: sets - 1 */
1:	mov	r5, r4                  /* r5: the set, counted down */
2:	lsl	r0, r2, r3
	orr	r0, r0, r5, lsl r1      /* way, set, level 0 */
	cmp	r6, #0
	mcreq	p15, 0, r0, c7, c6, 2   /* DCISW */
	mcrne	p15, 0, r0, c7, c14, 2  /* DCCISW */
	subs	r5, r5, #1
	bge	2b
	subs	r2, r2, #1
	bge	1b
	dsb
	bx	lr

/* void imx6_dcache_setway(unsigned clean): the same from C. */
	.global	imx6_dcache_setway
imx6_dcache_setway:
	push	{r4-r6, lr}
	bl	l1_dcache_setway
	pop	{r4-r6, pc}

/*
 * Where the SRC starts cores 1-3 (SRC_GPR(2n+1)): secure SVC, MMU and caches
 * off. Both branches are PC-relative, so they work at the physical address.
 */
	.global	imx6_secondary_entry
imx6_secondary_entry:
	cpsid	aif
	mov	r0, #0
	bl	l1_dcache_setway
	b	secondary_entry
