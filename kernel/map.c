/* Memory mappings: see map.h. */
#include "kernel/map.h"
#include "kernel/factory.h"
#include "kernel/kmem.h"
#include "kernel/task.h"
#include "kernel/cpu.h"
#include "arch/arm/mmu.h"
#include "muon/abi.h"

#define SHADOW_SPAN (4u << 20)    /* one shadow page per 4 MiB: 1024 pointers */

static void *table_alloc(void *f) { return kmem_alloc(f, 1); }
static void table_free(void *p, void *f) { kmem_free(f, p, 1); }

static struct mapping **slot(struct task *t, uint32_t va, bool alloc)
{
	if (va >= USER_TOP)
		return NULL;
	struct mapping ***dir = (struct mapping ***)t->shadow_dir;
	struct mapping **page = dir[va / SHADOW_SPAN];
	if (!page) {
		if (!alloc || !(page = kmem_alloc(t->factory, 1)))
			return NULL;
		dir[va / SHADOW_SPAN] = page;
	}
	return &page[(va % SHADOW_SPAN) / PAGE_SIZE];
}

struct mapping *map_find(struct task *t, uint32_t va)
{
	struct mapping **s = slot(t, va, false);
	return s ? *s : NULL;
}

uint64_t map_frame(const struct mapping *m)
{
	return (uint64_t)mmu_lookup(m->task->l1, m->va & ~0xfffu, NULL) & ~0xfffull;
}

/* Enter a mapping at va (which must be free) under parent (NULL: a root). */
static struct mapping *insert(struct task *t, uint32_t va, uint64_t pa, unsigned prot, struct mapping *parent)
{
	struct mapping **s = slot(t, va, true);
	if (!s)
		return NULL;
	struct mapping *m = slab_alloc(t->factory);
	struct mmu_alloc a = { table_alloc, table_free, t->factory };
	if (!m || mmu_map_page(t->l1, va, pa, prot, &a) < 0) {
		if (m)
			slab_free(t->factory, m);
		return NULL;
	}
	mdb_init(&m->node);
	if (parent)
		mdb_insert_child(&parent->node, &m->node);
	m->task = t;
	m->va = va | (prot & MAP_PROT);
	*s = m;
	if (prot & PROT_X)
		arch_sync_icache_range(pa_to_va(pa), PAGE_SIZE);   /* code written through another mapping */
	return m;
}

int map_fresh(struct task *t, uint32_t va, unsigned prot)
{
	if (va >= USER_TOP || (va & 0xfff))
		return MU_EINVAL;
	if (mmu_lookup(t->l1, va, NULL) >= 0)
		return MU_EBUSY;
	void *pg = kmem_alloc(t->factory, 1);
	struct mapping *m = pg ? insert(t, va, va_to_pa((uintptr_t)pg), prot, NULL) : NULL;
	if (!m) {
		if (pg)
			kmem_free(t->factory, pg, 1);
		return MU_ENOMEM;
	}
	m->va |= MAP_OWNS;
	m->owner = t->factory;
	return MU_OK;
}

int map_phys(struct task *t, uint32_t va, uint64_t pa, unsigned prot)
{
	if (va >= USER_TOP || (va & 0xfff) || mmu_lookup(t->l1, va, NULL) >= 0)
		return MU_EBUSY;
	return insert(t, va, pa, prot, NULL) ? MU_OK : MU_ENOMEM;
}

/* Take m out of its task's page table and shadow, free the frame if it owns it, free m. */
static void drop(struct mapping *m)
{
	struct task *t = m->task;
	uint32_t va = m->va & ~0xfffu;
	uint64_t pa = map_frame(m);
	mmu_clear_page(t->l1, va);
	task_flush_page(t, va);
	*slot(t, va, false) = NULL;
	if (m->va & MAP_OWNS)
		kmem_free(m->owner, (void *)pa_to_va(pa), 1);
	slab_free(t->factory, m);
}

static void drop_node(struct mdb_node *n, void *arg)
{
	(void)arg;
	drop(container_of(n, struct mapping, node));
}

bool map_unmap(struct mapping *m, bool self)
{
	mdb_revoke_some(&m->node, drop_node, NULL, preempt_due);
	if (m->node.first_child)
		return false;
	if (self) {
		mdb_unlink(&m->node);
		drop(m);
	}
	return true;
}

/* Where the 4 MiB span of va ends (USER_TOP at most: no wrap). */
static uint32_t span_end(uint32_t va) { return ALIGN_DOWN(va, SHADOW_SPAN) + SHADOW_SPAN; }
static bool span_empty(struct task *t, uint32_t va) { return !((struct mapping ***)t->shadow_dir)[va / SHADOW_SPAN]; }

bool map_unmap_range(struct task *t, uint32_t *va, uint32_t end, bool self)
{
	for (uint32_t v = *va; v < end && v < USER_TOP; v += PAGE_SIZE) {
		if (span_empty(t, v)) {
			v = span_end(v) - PAGE_SIZE;
			continue;
		}
		struct mapping *m = map_find(t, v);
		bool stopped = m && !map_unmap(m, self);
		if (stopped || ((m || (v & 0xffff) == 0) && preempt_due())) {
			*va = stopped ? v : v + PAGE_SIZE;
			return false;
		}
	}
	return true;
}

static int transfer_one(struct mapping *m, struct task *to, uint32_t dst, unsigned prot_mask, bool grant)
{
	struct mapping *old = map_find(to, dst);
	if (old == m || (old && mdb_is_ancestor(&old->node, &m->node)))
		return 0;   /* onto itself or onto where it came from */
	if (!old && mmu_lookup(to->l1, dst, NULL) >= 0)
		return 0;   /* a kernel-owned page (a UTCB) */
	if (old && !map_unmap(old, true))
		return MAP_STOPPED;
	unsigned prot = (m->va & MAP_PROT) & (prot_mask | PROT_R);
	uint64_t pa = map_frame(m);
	struct mapping *n = insert(to, dst, pa, prot, grant ? NULL : m);
	if (!n)
		return -MU_ENOMEM;
	if (grant) {
		/* The new mapping takes m's place, children and frame ownership. */
		mdb_move(&m->node, &n->node);
		n->va |= m->va & MAP_OWNS;
		n->owner = m->owner;
		m->va &= ~MAP_OWNS;
		drop(m);
	}
	return 1;
}

int map_transfer(struct task *from, uint32_t src, struct task *to, uint32_t dst, unsigned pages,
		 unsigned prot_mask, bool grant, unsigned *next)
{
	int done = 0;
	unsigned i = *next;
	for (; i < pages; i++) {
		uint32_t s = src + i * PAGE_SIZE, d = dst + i * PAGE_SIZE;
		if (s >= USER_TOP || d >= USER_TOP) {
			i = pages;   /* the rest is out of range too (and must not wrap around) */
			break;
		}
		struct mapping *m = span_empty(from, s) ? NULL : map_find(from, s);
		if (!m && span_empty(from, s))
			i += (span_end(s) - s) / PAGE_SIZE - 1;   /* nothing in the rest of this span */
		int r = m ? transfer_one(m, to, d, prot_mask, grant) : 0;
		if (r < 0 && r != MAP_STOPPED)
			return r;
		done += r > 0;
		if ((r || (i & 63) == 63) && preempt_due()) {
			i += r != MAP_STOPPED;
			break;
		}
	}
	*next = i < pages ? i : pages;
	return done;
}

bool map_destroy_space(struct task *t)
{
	struct mapping ***dir = (struct mapping ***)t->shadow_dir;
	for (unsigned d = 0; d < USER_TOP / SHADOW_SPAN; d++) {
		if (!dir[d])
			continue;
		for (unsigned i = 0; i < SHADOW_SPAN / PAGE_SIZE; i++)
			if (dir[d][i] && (!map_unmap(dir[d][i], true) || preempt_due()))
				return false;   /* the slots it emptied stay empty: the next call goes on */
		kmem_free(t->factory, dir[d], 1);
		dir[d] = NULL;
		if (preempt_due())
			return false;
	}
	return true;
}
