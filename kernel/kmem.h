/* Kernel memory, charged to a factory: pages (factory.c, drq.c) and 32-byte objects (slab.c). */
#ifndef KMEM_H
#define KMEM_H

#include "kernel/kernel.h"

struct factory;

void *kmem_alloc(struct factory *f, unsigned pages);
void kmem_free(struct factory *f, void *p, unsigned pages);
bool kmem_charge(struct factory *f, uint32_t bytes);
void kmem_refund(struct factory *f, uint32_t bytes);
void kmem_free_deferred(struct factory *f, void *page);   /* quota back now, the page after a grace period */
void *slab_alloc(struct factory *f);       /* a zeroed 32-byte object */
void slab_free(struct factory *f, void *p);

#endif
