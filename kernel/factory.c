/*
 * Kernel memory and factories. Every page the kernel takes for an object is
 * charged to a factory's quota and returned to it when the object dies. A
 * child factory's quota is carved out of its parent's: creating it charges
 * the parent the quota plus the factory's own page. Objects made through a
 * factory capability hang below it in the mapping database (cap.h), so when
 * a factory's last capability goes, everything it paid for goes too; the
 * factory itself stays until the last such object is gone.
 */
#include "kernel/kernel.h"
#include "kernel/obj.h"
#include "kernel/factory.h"
#include "kernel/kmem.h"
#include "kernel/page.h"
#include "kernel/cpu.h"
#include "kernel/kdb.h"

struct factory root_factory = { .hdr = { OBJ_FACTORY, 1 } };
static spinlock_t quota_lock;   /* guards quota and used of every factory */

bool kmem_charge(struct factory *f, uint32_t bytes)
{
	spin_lock(&quota_lock);
	bool ok = f->quota - f->used >= bytes;
	if (ok)
		f->used += bytes;
	spin_unlock(&quota_lock);
	return ok;
}

void kmem_refund(struct factory *f, uint32_t bytes)
{
	spin_lock(&quota_lock);
	kassert(f->used >= bytes);
	f->used -= bytes;
	spin_unlock(&quota_lock);
}

void *kmem_alloc(struct factory *f, unsigned pages)
{
	if (!kmem_charge(f, pages * PAGE_SIZE))
		return NULL;
	void *p = page_alloc_contig(pages, pages);
	if (!p)
		kmem_refund(f, pages * PAGE_SIZE);
	return p;
}

void kmem_free(struct factory *f, void *p, unsigned pages)
{
	page_free_contig(p, pages);
	kmem_refund(f, pages * PAGE_SIZE);
}

struct factory *factory_create(struct factory *parent, uint32_t quota, uint8_t part)
{
	quota = ALIGN_DOWN(quota, PAGE_SIZE);
	if (quota > UINT32_MAX - PAGE_SIZE || !kmem_charge(parent, quota + PAGE_SIZE))
		return NULL;
	struct factory *f = page_alloc();
	if (!f) {
		kmem_refund(parent, quota + PAGE_SIZE);
		return NULL;
	}
	obj_init(&f->hdr, OBJ_FACTORY, &f->parent, parent);
	kdb_factory_add(f);
	f->quota = quota;
	f->part = parent->part ? parent->part : part;   /* a partition's factories stay its own */
	return f;
}

/*
 * hdr.refs counts capabilities and live objects paid by this factory, so the
 * factory goes when the last of either goes (release() or factory_put()).
 */
void factory_get(struct factory *f) { f->hdr.refs++; }

void factory_destroy(struct factory *f)
{
	struct factory *parent = f->parent;
	if (f == &root_factory)
		return;
	kassert(f->used == 0);
	kdb_factory_del(f);
	defer_free(f);
	kmem_refund(parent, f->quota + PAGE_SIZE);
	factory_put(parent);
}

void factory_put(struct factory *f)
{
	if (--f->hdr.refs == 0)
		factory_destroy(f);
}
