/*
 * Loads a boot module (an ELF32 ARM executable) into a task: every PT_LOAD
 * segment gets fresh pages with the segment's permissions. The image comes
 * from the kernel's own boot modules, but it is still checked like input.
 */
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/elf.h"
#include "arch/arm/mmu.h"
#include "kernel/map.h"

struct ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr { uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align; };

#define PT_LOAD 1
#define EM_ARM 40

static int load_segment(struct task *t, const uint8_t *img, const struct phdr *ph)
{
	unsigned prot = PROT_R | (ph->flags & 2 ? PROT_W : 0) | (ph->flags & 1 ? PROT_X : 0);
	for (uint32_t va = ALIGN_DOWN(ph->vaddr, PAGE_SIZE); va < ph->vaddr + ph->memsz; va += PAGE_SIZE) {
		if (map_fresh(t, va, prot) != MU_OK)
			return -1;   /* also when segments share a page */
		uint8_t *pg = (uint8_t *)pa_to_va((uint64_t)mmu_lookup(t->l1, va, NULL));
		/* Copy the part of [va, va + 4K) that the file backs. */
		for (uint32_t off = 0; off < PAGE_SIZE; off++) {
			uint32_t a = va + off;
			if (a >= ph->vaddr && a < ph->vaddr + ph->filesz)
				pg[off] = img[ph->offset + (a - ph->vaddr)];
		}
		arch_sync_icache_range((uintptr_t)pg, PAGE_SIZE);
	}
	return 0;
}

int elf_load(struct task *t, const void *image, uint32_t size, uintptr_t *entry)
{
	const uint8_t *img = image;
	const struct ehdr *eh = image;
	if (size < sizeof(*eh) || img[0] != 0x7f || img[1] != 'E' || img[2] != 'L' || img[3] != 'F' ||
	    eh->machine != EM_ARM || eh->phentsize != sizeof(struct phdr) ||
	    eh->phoff > size || eh->phnum > (size - eh->phoff) / sizeof(struct phdr))
		return -1;
	const struct phdr *ph = (const struct phdr *)(img + eh->phoff);
	for (unsigned i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD)
			continue;
		if (ph[i].offset > size || ph[i].filesz > size - ph[i].offset || ph[i].filesz > ph[i].memsz ||
		    ph[i].vaddr >= USER_TOP || ph[i].memsz > USER_TOP - ph[i].vaddr)
			return -1;
		if (load_segment(t, img, &ph[i]) < 0)
			return -1;
	}
	*entry = eh->entry;
	return 0;
}
