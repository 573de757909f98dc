/*
 * 32-byte kernel objects (mapping nodes), 127 to a page. Each object is
 * charged to a factory; a page goes back to the page allocator as soon as
 * its last object is freed, so nothing is cached behind the quotas' back.
 */
#include "kernel/kernel.h"
#include "kernel/factory.h"
#include "kernel/kmem.h"
#include "kernel/page.h"

#define OBJ 32u

struct slab_page {               /* the first 32 bytes of every slab page */
	struct slab_page *next, *prev;   /* pages with a free object */
	void *free;                      /* free objects, linked through their first word */
	uint32_t used;
};
_Static_assert(sizeof(struct slab_page) <= OBJ, "header fits one object");

static struct slab_page *partial;   /* guarded by slab_lock */
static spinlock_t slab_lock;

static void unlink_page(struct slab_page *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		partial = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->next = p->prev = NULL;
}

static void push_page(struct slab_page *p)
{
	p->prev = NULL;
	p->next = partial;
	if (partial)
		partial->prev = p;
	partial = p;
}

static struct slab_page *new_page(void)
{
	struct slab_page *p = page_alloc();
	if (!p)
		return NULL;
	for (uintptr_t o = (uintptr_t)p + PAGE_SIZE - OBJ; o > (uintptr_t)p; o -= OBJ) {
		*(void **)o = p->free;
		p->free = (void *)o;
	}
	push_page(p);
	return p;
}

void *slab_alloc(struct factory *f)
{
	if (!kmem_charge(f, OBJ))
		return NULL;
	spin_lock(&slab_lock);
	struct slab_page *p = partial ? partial : new_page();
	void *o = NULL;
	if (p) {
		o = p->free;
		p->free = *(void **)o;
		p->used++;
		if (!p->free)
			unlink_page(p);
	}
	spin_unlock(&slab_lock);
	if (!o)
		kmem_refund(f, OBJ);
	return o ? kmemset(o, 0, OBJ) : NULL;
}

void slab_free(struct factory *f, void *o)
{
	struct slab_page *p = (struct slab_page *)ALIGN_DOWN((uintptr_t)o, PAGE_SIZE);
	spin_lock(&slab_lock);
	if (!p->free)
		push_page(p);
	*(void **)o = p->free;
	p->free = o;
	if (--p->used == 0) {
		unlink_page(p);
		page_free(p);
	}
	spin_unlock(&slab_lock);
	kmem_refund(f, OBJ);
}
