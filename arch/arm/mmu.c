/*
 * Kernel mappings live in boot_l1, shared by every CPU through TTBR1
 * (TTBCR.N = 1 puts [0x80000000, 4G) there). Each task has an 8 KiB table for
 * [0, 0x80000000) in TTBR0. Second-level tables are 1 KiB: one 4 KiB page
 * holds the four that cover an aligned 4 MiB, so no page is wasted.
 */
#include "kernel/kernel.h"
#include "arch/arm/mmu.h"

#define SECT_KERNEL 0x1140eu   /* normal WBWA shareable, priv RW */
#define SECT_DEVICE 0x00416u   /* shareable device, XN, priv RW */
#define L1_COARSE   0x1u
#define L2_SMALL    0x2u
#define L2_XN       0x1u
#define L2_NORMAL   (0x4u | 0x8u | 0x40u | 0x400u)  /* C B, TEX=001, S */
#define L2_NG       0x800u
#define L2_AP_PRIV  0x010u                          /* AP=01: kernel only */
#define L2_AP_RW    0x030u                          /* AP=11: user RW */
#define L2_AP_RO    0x020u                          /* AP=10: user RO */

static uintptr_t io_next = DEVICE_VBASE;   /* guarded by io_lock, with the device sections of boot_l1 */
static spinlock_t io_lock;
static uint32_t vec_l2[256] __attribute__((aligned(1024)));

static void flush_kernel_entry(uint32_t *e, uintptr_t va)
{
	arch_clean_dcache_line((uintptr_t)e);
	arch_dsb();
	arch_tlb_flush_page(va);
	arch_dsb();
	arch_isb();
}

void mmu_map_linear(uint64_t pa, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += SECTION_SIZE) {
		uintptr_t va = pa_to_va(pa + off);
		boot_l1[va >> 20] = (uint32_t)(pa + off) | SECT_KERNEL;
		flush_kernel_entry(&boot_l1[va >> 20], va);
	}
}

uintptr_t ioremap(uint64_t pa, size_t size)
{
	uint64_t base = ALIGN_DOWN(pa, SECTION_SIZE);
	uint64_t end = ALIGN_UP(pa + size, SECTION_SIZE);
	spin_lock(&io_lock);
	/* Reuse a section that already maps this megabyte. */
	for (uintptr_t va = DEVICE_VBASE; va < io_next; va += SECTION_SIZE)
		if ((boot_l1[va >> 20] & ~0xfffffu) == base && end - base == SECTION_SIZE) {
			spin_unlock(&io_lock);
			return va + (uintptr_t)(pa - base);
		}
	uintptr_t va0 = io_next;
	kassert(va0 + (end - base) <= DEVICE_VEND);
	for (uint64_t p = base; p < end; p += SECTION_SIZE, io_next += SECTION_SIZE) {
		boot_l1[io_next >> 20] = (uint32_t)p | SECT_DEVICE;
		flush_kernel_entry(&boot_l1[io_next >> 20], io_next);
	}
	spin_unlock(&io_lock);
	return va0 + (uintptr_t)(pa - base);
}

void mmu_map_vectors(void)
{
	vec_l2[(VECTORS_VA >> 12) & 0xff] = (uint32_t)va_to_pa((uintptr_t)vector_page) | L2_SMALL | L2_NORMAL | L2_AP_PRIV;
	arch_clean_dcache_line((uintptr_t)&vec_l2[(VECTORS_VA >> 12) & 0xff]);
	boot_l1[VECTORS_VA >> 20] = (uint32_t)va_to_pa((uintptr_t)vec_l2) | L1_COARSE;
	flush_kernel_entry(&boot_l1[VECTORS_VA >> 20], VECTORS_VA);
}

void mmu_space_destroy(uint32_t *l1, const struct mmu_alloc *a)
{
	for (unsigned i = 0; i < USER_TOP >> 20; i += 4)
		if (l1[i] & L1_COARSE)
			a->table_free((void *)pa_to_va(l1[i] & ~0x3ffu), a->ctx);
}

static uint32_t *l2_for(uint32_t *l1, uintptr_t va, const struct mmu_alloc *a)
{
	unsigned i = va >> 20;
	if (!(l1[i] & L1_COARSE)) {
		if (!a)
			return NULL;
		uint32_t *pg = a->table_alloc(a->ctx);
		if (!pg)
			return NULL;
		uint32_t pa = (uint32_t)va_to_pa((uintptr_t)pg);
		for (unsigned k = 0; k < 4; k++)
			l1[(i & ~3u) + k] = (pa + k * 1024) | L1_COARSE;
		for (unsigned k = 0; k < 4; k++)
			arch_clean_dcache_line((uintptr_t)&l1[(i & ~3u) + k]);
	}
	return (uint32_t *)pa_to_va(l1[i] & ~0x3ffu);
}

int mmu_map_page(uint32_t *l1, uintptr_t va, uint64_t pa, unsigned prot, const struct mmu_alloc *a)
{
	uint32_t *l2 = l2_for(l1, va, a);
	if (!l2)
		return -1;
	uint32_t e = (uint32_t)pa | L2_SMALL | L2_NORMAL | L2_NG;
	e |= (prot & PROT_W) ? L2_AP_RW : L2_AP_RO;
	if (!(prot & PROT_X))
		e |= L2_XN;
	l2[(va >> 12) & 0xff] = e;
	arch_clean_dcache_line((uintptr_t)&l2[(va >> 12) & 0xff]);
	arch_dsb();
	return 0;
}

void mmu_clear_page(uint32_t *l1, uintptr_t va)
{
	uint32_t *l2 = l2_for(l1, va, NULL);
	if (!l2)
		return;
	l2[(va >> 12) & 0xff] = 0;
	arch_clean_dcache_line((uintptr_t)&l2[(va >> 12) & 0xff]);
	arch_dsb();
}

int64_t mmu_lookup(const uint32_t *l1, uintptr_t va, unsigned *prot)
{
	if (va >= USER_TOP || !(l1[va >> 20] & L1_COARSE))
		return -1;
	const uint32_t *l2 = (const uint32_t *)pa_to_va(l1[va >> 20] & ~0x3ffu);
	uint32_t e = l2[(va >> 12) & 0xff];
	if (!(e & L2_SMALL))
		return -1;
	if (prot)
		*prot = PROT_R | ((e & 0x230u) == L2_AP_RW ? PROT_W : 0) | ((e & L2_XN) ? 0 : PROT_X);
	return (e & ~0xfffu) | (va & 0xfffu);
}
