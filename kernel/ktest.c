/*
 * Boot tests, built in when MUON_TESTS is on. Kernel-side tests run first on
 * CPU0; then the user tests start one task at a time from the init boot
 * module and judge each by how it ended. Each prints one line,
 * `TEST PASS name` or `TEST FAIL name: reason`, and the last line is
 * `TEST DONE N passed, N failed`.
 */
#include "kernel.h"
#include "bsp.h"
#include "cpu.h"
#include "gic.h"
#include "mmu.h"
#include "page.h"
#include "platform.h"
#include "thread.h"

extern const char bootmod_init[], bootmod_init_end[];

static unsigned passed, failed;

static void result(const char *name, const char *why)
{
	if (why) {
		failed++;
		kprintf("TEST FAIL %s: %s\n", name, why);
	} else {
		passed++;
		kprintf("TEST PASS %s\n", name);
	}
}

/* Poll interrupts on CPU0 until cond() holds or ms of virtual time pass. */
static bool wait_for(bool (*cond)(void), unsigned ms)
{
	uint64_t end = bsp_clock_ns() + ms * 1000000ull;
	while (!cond()) {
		if (bsp_clock_ns() > end)
			return false;
		irq_dispatch();
	}
	return true;
}

static const char *t_cpus_online(void)
{
	if (cpus_online() != platform.ncpus)
		return "not every CPU the platform describes came online";
	return platform.ncpus == MUON_EXPECT_CPUS ? NULL : "CPU count differs from the expected count";
}

static bool all_pairs_pinged(void)
{
	for (unsigned to = 0; to < ncpus_present; to++)
		for (unsigned from = 0; from < ncpus_present; from++)
			if (from != to && cpus[to].ipi_rx[from] == 0)
				return false;
	return true;
}

/* CPU0 asks every CPU (itself too) to ping all others: every ordered pair sees one SGI. */
static const char *t_ipi_all_pairs(void)
{
	for (unsigned i = 1; i < ncpus_present; i++)
		smp_send(i, SGI_PING_ALL);
	for (unsigned i = 1; i < ncpus_present; i++)
		smp_send(i, SGI_PING);
	return wait_for(all_pairs_pinged, 1000) ? NULL : "an SGI between some pair of CPUs did not arrive";
}

static uint32_t timer_base[MUON_MAX_CPUS];

static bool all_timers_ticked(void)
{
	for (unsigned i = 0; i < ncpus_present; i++)
		if (cpus[i].timer_irqs < timer_base[i] + 3)
			return false;
	return true;
}

static const char *t_timer_all_cpus(void)
{
	for (unsigned i = 0; i < ncpus_present; i++)
		timer_base[i] = cpus[i].timer_irqs;
	return wait_for(all_timers_ticked, 1000) ? NULL : "some CPU saw fewer than 3 timer interrupts";
}

static const char *t_dtb_matches_board(void)
{
	if (!platform.from_dtb)
		return "no device tree was parsed";
	if (platform.uart_pa != bsp_board.uart_pa || platform.gicd_pa != bsp_board.gicd_pa ||
	    platform.gicc_pa != bsp_board.gicc_pa || platform.twd_pa != bsp_board.twd_pa ||
	    platform.timer_irq != bsp_board.timer_irq)
		return "device addresses differ from the board's";
	if (platform.ram_base != bsp_board.ram_base || platform.ram_size != (uint64_t)MUON_EXPECT_MEM_MB << 20)
		return "memory differs from what QEMU was given";
	return NULL;
}

static const char *t_page_alloc(void)
{
	unsigned before = page_free_count();
	void *a = page_alloc(), *b = page_alloc_contig(2, 2);
	if (!a || !b || ((uintptr_t)b & 0x1fff) || page_free_count() != before - 3)
		return "allocation counts or alignment wrong";
	if (((uint32_t *)b)[2047] != 0)
		return "pages are not zeroed";
	page_free(a);
	page_free_contig(b, 2);
	return page_free_count() == before ? NULL : "pages not returned";
}

/*
 * User tests: tasks made from the init module, told their scenario by the
 * argument in r0, each ending with an exit status (or -trap) that the kernel
 * compares. A pair runs two tasks joined by an IPC gate.
 */
enum { M_HELLO, M_UNDEF, M_DABT, M_IPC, M_QUOTA, M_HOSTILE, M_SERVER, M_CLIENT, M_BENCH, M_MEMORY, M_IRQ };
static const struct { const char *name; uint32_t arg; int want; int peer_arg; } user_tests[] = {
	{ "user_thread_runs", M_HELLO, 42, -1 },
	{ "user_undef_contained", M_UNDEF, -TRAP_UNDEF_N, -1 },
	{ "user_dabt_contained", M_DABT, -TRAP_DABT_N, -1 },
	{ "ipc_same_task", M_IPC, 0, -1 },
	{ "factory_quota_reclaim", M_QUOTA, 0, -1 },
	{ "hostile_task", M_HOSTILE, 0, -1 },
	{ "pager_exceptions_unmap", M_MEMORY, 0, -1 },
	{ "irq_delivery", M_IRQ, 0, -1 },
	{ "ipc_two_tasks", M_CLIENT, 0, M_SERVER },
	{ "ipc_bench_runs", M_BENCH, 0, M_SERVER },
	{ "user_runs_after_faults", M_HELLO, 42, -1 },
};
static unsigned user_next, pending;
static int first_status;
static const char *first_why;
static unsigned pages_before;

static void start_user_test(void);

static void user_test_done(int status, const char *why)
{
	/* A pair ends when both tasks have; the client's status decides. */
	if (pending == 2) {
		first_status = status;
		first_why = why;
		pending = 1;
		return;
	}
	unsigned i = user_next - 1;
	if (user_tests[i].peer_arg >= 0 && first_status != user_tests[i].want)
		status = first_status, why = first_why;
	result(user_tests[i].name, status == user_tests[i].want ? NULL : why);
	start_user_test();
}

static void finish(void)
{
	/* Checked after the last task is gone: every page came back. */
	result("user_memory_reclaimed", page_free_count() == pages_before ? NULL : "pages leaked");
	result("root_quota_restored", root_factory.used == 0 ? NULL : "root factory quota not restored");
	kprintf("TEST DONE %u passed, %u failed\n", passed, failed);
}

/* A task running the init module in mode arg, with a child factory of 64 KiB. */
static struct thread *spawn(const char *name, uint32_t arg)
{
	extern struct kobj *const console_kobj;
	struct task *t = task_create(&root_factory, name);
	uintptr_t entry;
	if (!t || elf_load(t, bootmod_init, (uint32_t)(bootmod_init_end - bootmod_init), &entry) < 0 ||
	    map_fresh_pages(t, STACK_TOP - STACK_PAGES * PAGE_SIZE, STACK_PAGES, PROT_R | PROT_W) < 0)
		panic("cannot load the init module for %s", name);
	struct thread *th = thread_create(&root_factory, t, UTCB_VA);
	struct factory *f = factory_create(&root_factory, 64 * 1024);
	kassert(th && f);
	cap_install_root(&t->slots[MU_CAP_TASK], &t->hdr, MU_RIGHTS_ALL);
	cap_install_root(&t->slots[MU_CAP_THREAD], &th->hdr, MU_RIGHTS_ALL);
	cap_install_root(&t->slots[MU_CAP_CONSOLE], console_kobj, MU_R);
	cap_install_root(&t->slots[MU_CAP_FACTORY], &f->hdr, MU_RIGHTS_ALL);
	t->on_exit = user_test_done;
	thread_start(th, entry, STACK_TOP, arg, 100);
	return th;
}

static void start_user_test(void)
{
	if (user_next == ARRAY_SIZE(user_tests)) {
		finish();
		return;
	}
	unsigned i = user_next++;
	struct thread *c = spawn(user_tests[i].name, user_tests[i].arg);
	pending = 1;
	if (user_tests[i].peer_arg < 0)
		return;
	/* The server owns a gate bound to its thread; the client gets a copy in slot 8. */
	struct thread *s = spawn("server", (uint32_t)user_tests[i].peer_arg);
	struct gate *g = gate_create(&root_factory);
	kassert(g);
	s->hdr.refs++;
	g->bound = s;
	g->label = 0x5e;
	cap_install_root(&s->task->slots[MU_CAP_FIRST_FREE], &g->hdr, MU_RIGHTS_ALL);
	cap_map(&s->task->slots[MU_CAP_FIRST_FREE], &c->task->slots[MU_CAP_FIRST_FREE], MU_R);
	pending = 2;
}

void ktest_run(void)
{
	static const struct { const char *name; const char *(*fn)(void); } tests[] = {
		{ "cpus_online", t_cpus_online },
		{ "ipi_all_pairs", t_ipi_all_pairs },
		{ "timer_all_cpus", t_timer_all_cpus },
		{ "dtb_matches_board", t_dtb_matches_board },
		{ "page_alloc", t_page_alloc },
	};
	if (!MUON_TESTS)
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(tests); i++)
		result(tests[i].name, tests[i].fn());
	pages_before = page_free_count();
	start_user_test();
}
