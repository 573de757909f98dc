/*
 * Starting user level: the root pager sigma0 with every page of user memory,
 * and init with the root factory (all kernel-memory quota), a gate to sigma0
 * as its pager, the console, and the archive of its modules mapped read-only.
 */
#include "kernel/kernel.h"
#include "kernel/factory.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "sched/sched.h"
#include "kernel/gate.h"
#include "kernel/elf.h"
#include "kernel/boot.h"
#include "kernel/syscall.h"
#include "kernel/map.h"
#include "bsp/bsp.h"
#include "arch/arm/mmu.h"
#include "kernel/page.h"

static struct task *sigma0;
static uint64_t pool_pa;
static uint32_t pool_pages;

/* A task from a boot module, with stack, thread and its own capabilities. */
static struct thread *boot_task(struct factory *f, const char *name, const char *img, const char *end)
{
	uintptr_t entry;
	struct task *t = task_create(f, name);
	if (!t || elf_load(t, img, (uint32_t)(end - img), &entry) < 0 ||
	    map_fresh_pages(t, STACK_TOP - STACK_PAGES * PAGE_SIZE, STACK_PAGES, PROT_R | PROT_W) < 0)
		panic("cannot load boot module %s", name);
	struct thread *th = thread_create(f, t, UTCB_VA);
	kassert(th);
	cap_install_root(&t->slots[MU_CAP_TASK], &t->hdr, MU_RIGHTS_ALL);
	cap_install_root(&t->slots[MU_CAP_THREAD], &th->hdr, MU_RIGHTS_ALL);
	cap_install_root(&t->slots[MU_CAP_CONSOLE], console_kobj, MU_RIGHTS_ALL);   /* MU_W: trace dumps */
	th->entry = entry;
	return th;
}

/* sigma0 touches its pool: the kernel maps the frame behind the address. */
bool sigma0_fault(struct thread *t, uint32_t addr)
{
	uint32_t off = addr - MU_SIGMA0_POOL_VA;
	if (t->task != sigma0 || off >= pool_pages * PAGE_SIZE)
		return false;
	obj_lock();
	int err = map_phys(t->task, ALIGN_DOWN(addr, PAGE_SIZE), pool_pa + ALIGN_DOWN(off, PAGE_SIZE),
			   PROT_R | PROT_W | PROT_X);
	obj_unlock();
	return err == MU_OK;
}

void boot_user(void)
{
	/* Half of the free memory is user memory, owned by sigma0; the rest is kernel quota. */
	pool_pages = page_free_count() / 2;
	void *pool = page_take_contig(&pool_pages);
	kassert(pool);
	pool_pa = va_to_pa((uintptr_t)pool);
	/* sigma0 pays for its own mappings of the pool out of a factory of its own. */
	struct factory *f0 = factory_create(&root_factory, 2 * PAGE_SIZE * (8 + pool_pages / 64), 0);
	kassert(f0);
	struct thread *s0 = boot_task(f0, "sigma0", bootmod_sigma0, bootmod_sigma0_end);
	sigma0 = s0->task;
	struct thread *in = boot_task(&root_factory, "init", bootmod_init, bootmod_init_end);
	struct task *it = in->task;
	struct gate *g = gate_create(&root_factory);
	kassert(g);
	s0->kref++;
	g->bound = s0;
	cap_install_root(&it->slots[MU_CAP_PAGER], &g->hdr, MU_R);
	cap_install_root(&it->slots[MU_CAP_FACTORY], &root_factory.hdr, MU_RIGHTS_ALL);
	cap_install_root(&it->slots[MU_CAP_SCHED], sched_kobj, MU_RIGHTS_ALL);
	in->pager = MU_CAP_PAGER;
	for (const char *p = bootmod_archive; p < bootmod_archive_end; p += PAGE_SIZE)
		if (map_phys(it, MU_BOOT_MODULE_VA + (uint32_t)(p - bootmod_archive), va_to_pa((uintptr_t)p), PROT_R))
			panic("cannot map the module archive");
	/* What is left after the boot tasks is init's to hand out. */
	root_factory.quota = root_factory.used + page_free_count() * PAGE_SIZE;
	kprintf("muon: user memory %u KiB (sigma0), kernel quota %u KiB (init), at %llu ns\n", (unsigned)(pool_pages * 4),
		(unsigned)(page_free_count() * 4), (unsigned long long)bsp_clock_ns());
	thread_start(s0, s0->entry, STACK_TOP, pool_pages, 200);
	thread_start(in, in->entry, STACK_TOP, (uint32_t)(bootmod_archive_end - bootmod_archive), 150);
}
