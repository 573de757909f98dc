/* Physical page allocator: one bit per 4 KiB page of the RAM the DTB reports. */
#ifndef PAGE_H
#define PAGE_H

#include <stdint.h>

void page_init(uint64_t ram_base, uint64_t ram_size);
void page_reserve(uint64_t pa, uint64_t size);
void *page_alloc(void);                               /* zeroed, or NULL */
void *page_alloc_contig(unsigned n, unsigned align);  /* n pages aligned to align pages */
void *page_take_contig(uint32_t *n);                  /* a run of up to *n pages, not zeroed */
void page_free(void *va);
void page_free_contig(void *va, unsigned n);
unsigned page_free_count(void);
int page_summary_check(void);                         /* ktest: stretches of 1,024 used pages; -1: a summary bit is wrong */

#endif
