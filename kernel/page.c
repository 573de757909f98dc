/*
 * Physical page allocator. A bitmap (1 = used) over the linearly mapped RAM;
 * allocation scans from a moving hint, so the common case is short. A
 * summary bit per bitmap word says the word is full, so a scan steps over
 * 1,024 used pages at once and its worst case is some 200 summary words
 * (768 MiB), not a walk proportional to RAM with the object lock held
 * (docs/benchmarks.md). Kernel objects are charged to factory quotas above
 * this layer.
 */
#include "kernel/kernel.h"
#include "kernel/page.h"

#define MAX_PAGES (LINEAR_MAX / PAGE_SIZE)

static uint32_t bitmap[MAX_PAGES / 32];  /* guarded by page_lock */
static uint32_t full[MAX_PAGES / 1024];  /* guarded by page_lock: bit w % 32 of full[w / 32]: bitmap[w] is ~0 */
static unsigned npages, nfree, hint;     /* guarded by page_lock */
static uint64_t base_pa;
static spinlock_t page_lock;

static bool used(unsigned i) { return bitmap[i / 32] & (1u << (i % 32)); }
static void set(unsigned i)
{
	if ((bitmap[i / 32] |= 1u << (i % 32)) == ~0u)
		full[i / 1024] |= 1u << (i / 32 % 32);
}
static void clear(unsigned i)
{
	bitmap[i / 32] &= ~(1u << (i % 32));
	full[i / 1024] &= ~(1u << (i / 32 % 32));
}

void page_init(uint64_t ram_base, uint64_t ram_size)
{
	base_pa = ram_base;
	npages = (unsigned)(ram_size / PAGE_SIZE);
	if (npages > MAX_PAGES)
		npages = MAX_PAGES;
	nfree = npages;
	hint = 0;
}

void page_reserve(uint64_t pa, uint64_t size)
{
	uint64_t end = pa + size;
	spin_lock(&page_lock);
	for (uint64_t p = ALIGN_DOWN(pa, PAGE_SIZE); p < end; p += PAGE_SIZE) {
		if (p < base_pa || p >= base_pa + (uint64_t)npages * PAGE_SIZE)
			continue;
		unsigned i = (unsigned)((p - base_pa) / PAGE_SIZE);
		if (!used(i))
			set(i), nfree--;
	}
	spin_unlock(&page_lock);
}

/* How many of the n pages from i are free before the first used one (n: all of them). */
static unsigned free_run(unsigned i, unsigned n)
{
	unsigned k = 0;
	while (k < n && i + k < npages && !used(i + k))
		k++;
	return k;
}

static bool run_free(unsigned i, unsigned n) { return free_run(i, n) == n; }

void *page_alloc_contig(unsigned n, unsigned align)
{
	spin_lock(&page_lock);
	for (unsigned scanned = 0; scanned < npages; scanned += align) {
		/* hint <= npages (a run ends there at most): one subtraction wraps, no division a step */
		unsigned i = hint + scanned;
		i = ALIGN_DOWN(i < npages ? i : i - npages, align);
		if (full[i / 1024] == ~0u) {   /* 1,024 used pages: one step */
			scanned += 1024 - i % 1024 - align;
			continue;
		}
		if (bitmap[i / 32] == ~0u) {   /* 32 used pages: one step (align divides 32), not 32 */
			scanned += 32 - i % 32 - align;
			continue;
		}
		if (!run_free(i, n))
			continue;
		for (unsigned k = 0; k < n; k++)
			set(i + k);
		nfree -= n;
		hint = i + n;
		spin_unlock(&page_lock);
		void *va = (void *)pa_to_va(base_pa + (uint64_t)i * PAGE_SIZE);
		return kmemset(va, 0, n * PAGE_SIZE);
	}
	spin_unlock(&page_lock);
	return NULL;
}

void *page_alloc(void) { return page_alloc_contig(1, 1); }

/* Take a run of up to *n pages (fewer if memory is fragmented), not zeroed. */
void *page_take_contig(uint32_t *n)
{
	for (; *n; *n /= 2) {
		spin_lock(&page_lock);
		for (unsigned i = 0, k; i + *n <= npages; i += k + 1) {
			if ((k = free_run(i, *n)) < *n)
				continue;   /* page i + k is used: no run starts before it */
			for (unsigned k = 0; k < *n; k++)
				set(i + k);
			nfree -= *n;
			spin_unlock(&page_lock);
			return (void *)pa_to_va(base_pa + (uint64_t)i * PAGE_SIZE);
		}
		spin_unlock(&page_lock);
	}
	return NULL;
}

void page_free_contig(void *va, unsigned n)
{
	unsigned i = (unsigned)((va_to_pa((uintptr_t)va) - base_pa) / PAGE_SIZE);
	spin_lock(&page_lock);
	for (unsigned k = 0; k < n; k++) {
		kassert(i + k < npages && used(i + k));
		clear(i + k);
	}
	nfree += n;
	spin_unlock(&page_lock);
}

void page_free(void *va) { page_free_contig(va, 1); }

int page_summary_check(void)
{
	int n = 0;
	spin_lock(&page_lock);
	for (unsigned w = 0; w < MAX_PAGES / 32 && n >= 0; w++)
		if (!!(full[w / 32] & (1u << (w % 32))) != (bitmap[w] == ~0u))
			n = -1;
	for (unsigned v = 0; v < MAX_PAGES / 1024 && n >= 0; v++)
		n += full[v] == ~0u;
	spin_unlock(&page_lock);
	return n;
}

unsigned page_free_count(void) { return nfree; }
