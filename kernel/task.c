/*
 * Tasks and threads, as much as the boot needs: an address space with a
 * UTCB and a stack per thread, a small capability table, exit and kill.
 * Factories, quotas and the capability derivation tree come with IPC.
 */
#include "kernel.h"
#include "thread.h"
#include "mmu.h"
#include "page.h"
#include "cpu.h"

static spinlock_t asid_lock;
static unsigned asid_next = 1;   /* guarded by asid_lock; ASID 0 is reserved */

static struct task *free_task(struct task *t)
{
	if (t->l1)
		mmu_space_destroy(t->l1);
	page_free(t);
	return NULL;
}

struct task *task_create(const char *name)
{
	_Static_assert(sizeof(struct task) <= PAGE_SIZE, "task fits a page");
	struct task *t = page_alloc();
	if (!t)
		return NULL;
	t->l1 = mmu_space_create();
	if (!t->l1)
		return free_task(t);
	spin_lock(&asid_lock);
	t->asid = asid_next++;
	spin_unlock(&asid_lock);
	kassert(t->asid < 256);
	t->name = name;
	t->caps[MU_CAP_TASK] = (struct cap){ OBJ_TASK, 0xf, t };
	t->caps[MU_CAP_CONSOLE] = (struct cap){ OBJ_CONSOLE, 0x1, NULL };
	return t;
}

static int map_new_page(struct task *t, uintptr_t va, unsigned prot, void **kva)
{
	void *pg = page_alloc();
	if (!pg)
		return -1;
	if (mmu_map_page(t->l1, va, va_to_pa((uintptr_t)pg), prot) < 0) {
		page_free(pg);
		return -1;
	}
	if (kva)
		*kva = pg;
	return 0;
}

struct thread *thread_create(struct task *t, uintptr_t entry, uintptr_t sp, uint32_t arg, uint8_t prio)
{
	struct thread *th = page_alloc();
	void *utcb;
	if (!th)
		return NULL;
	if (map_new_page(t, UTCB_VA, PROT_R | PROT_W, &utcb) < 0) {
		page_free(th);
		return NULL;
	}
	for (unsigned i = 1; i <= STACK_PAGES; i++)
		if (map_new_page(t, sp - i * PAGE_SIZE, PROT_R | PROT_W, NULL) < 0)
			return NULL;   /* the task's teardown frees what was mapped */
	th->utcb = utcb;
	th->task = t;
	th->regs.pc = entry;
	th->regs.sp = sp;
	th->regs.r[0] = arg;
	th->regs.cpsr = PSR_USR;
	th->link.prio = prio;
	th->cpu = this_cpu()->id;
	t->caps[MU_CAP_THREAD] = (struct cap){ OBJ_THREAD, 0xf, th };
	t->nthreads++;
	return th;
}

/* Free every user page, then the tables. Pages are owned by exactly one task here. */
static void task_destroy(struct task *t)
{
	for (uintptr_t va = 0; va < USER_TOP; va += SECTION_SIZE) {
		if (!(t->l1[va >> 20] & 1))
			continue;
		for (uintptr_t p = va; p < va + SECTION_SIZE; p += PAGE_SIZE) {
			int64_t pa = mmu_lookup(t->l1, p, NULL);
			if (pa >= 0)
				page_free((void *)pa_to_va((uint64_t)pa & ~0xfffull));
		}
	}
	arch_leave_space(va_to_pa((uintptr_t)t->l1));
	arch_tlb_flush_asid(t->asid);
	free_task(t);
}

void thread_kill(struct thread *th, int status, const char *why)
{
	struct task *t = th->task;
	struct cpu *c = this_cpu();
	if (th->link.queued)
		rq_dequeue(&c->rq, &th->link);
	if (c->current == th)
		c->current = NULL;
	th->state = TS_DEAD;
	page_free(th);
	if (--t->nthreads)
		return;
	void (*on_exit)(int, const char *) = t->on_exit;
	task_destroy(t);
	if (on_exit)
		on_exit(status, why);
}
