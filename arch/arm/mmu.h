/* Short-descriptor page tables: the kernel's sections and user 4 KiB pages. */
#ifndef MMU_H
#define MMU_H

#include <stdint.h>
#include <stddef.h>

enum { PROT_R = 1, PROT_W = 2, PROT_X = 4 };

extern uint32_t boot_l1[4096];

void mmu_map_linear(uint64_t pa, uint64_t size);       /* RAM at pa_to_va(pa), 1 MiB sections */
uintptr_t ioremap(uint64_t pa, size_t size);           /* device memory, never unmapped */
void mmu_map_vectors(void);

/*
 * A user address space: an 8 KiB first-level table for [0, USER_TOP), whose
 * memory the caller provides. Second-level tables come from table_alloc and
 * go back through table_free, so the kernel can charge them to a quota.
 */
struct mmu_alloc { void *(*table_alloc)(void *ctx); void (*table_free)(void *page, void *ctx); void *ctx; };
void mmu_space_destroy(uint32_t *l1, const struct mmu_alloc *a);   /* frees the second-level tables */
int mmu_map_page(uint32_t *l1, uintptr_t va, uint64_t pa, unsigned prot, const struct mmu_alloc *a); /* 0 or -1: no memory */
/* The entry for va is gone from the table (and the walker's view: DSB); the TLB is the caller's (task_flush_page). */
void mmu_clear_page(uint32_t *l1, uintptr_t va);
/* Physical address mapped at va (and its prot), or -1 if none. */
int64_t mmu_lookup(const uint32_t *l1, uintptr_t va, unsigned *prot);

#endif
