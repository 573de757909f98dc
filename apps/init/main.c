/*
 * init, the root task. It holds the root factory and the tests module, and
 * runs the user-level boot tests: each test program is a task of its own,
 * built here from the module (pages from sigma0, granted to the task), with
 * its own factory, and with init as its parent (exit reports) and exception
 * handler. init judges how each ended and checks that destroying it gave
 * back every byte of kernel-memory quota. One line per test, then
 * `TEST DONE N passed, N failed`.
 */
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <muon/user.h>

/* Scenarios of the tests module (apps/tests), passed in r0. */
enum { M_HELLO, M_UNDEF, M_DABT, M_IPC, M_QUOTA, M_HOSTILE, M_SERVER, M_CLIENT, M_BENCH, M_MEMORY, M_IRQ, M_SMP, M_XIPC, M_TRACE };

static const struct test {
	const char *name;
	uint32_t mode;
	int want;          /* exit status, or -(exception kind) */
	int peer;          /* scenario of a server task joined by a gate, or -1 */
} tests[] = {
	{ "user_thread_runs", M_HELLO, 42, -1 },
	{ "user_undef_contained", M_UNDEF, -2, -1 },
	{ "user_dabt_contained", M_DABT, -4, -1 },
	{ "ipc_same_task", M_IPC, 0, -1 },
	{ "factory_quota_reclaim", M_QUOTA, 0, -1 },
	{ "hostile_task", M_HOSTILE, 0, -1 },
	{ "pager_exceptions_unmap", M_MEMORY, 0, -1 },
	{ "irq_delivery", M_IRQ, 0, -1 },
	{ "smp_scheduling", M_SMP, 0, -1 },
	{ "ipc_cross_cpu", M_XIPC, 0, -1 },
	{ "ipc_two_tasks", M_CLIENT, 0, M_SERVER },
	{ "ipc_bench_runs", M_BENCH, 0, M_SERVER },
	{ "user_runs_after_faults", M_HELLO, 42, -1 },
	{ "trace_scenario", M_TRACE, 0, -1 },   /* last: init prints its trace for ci/trace */
};

/* init's own slots. */
enum { CHILD_FACTORY = 12, GATE = 13, SLOT0 = 16 };
#define SCRATCH_VA 0x30000000u
#define CHILD_UTCB 0x7fff0000u
#define CHILD_STACK_TOP 0x7ff00000u
#define TEST_QUOTA (1024 * 1024)

static uint32_t *mr(void) { return mu_utcb()->mr; }

static int fcreate(uint32_t factory, uint32_t type, uint32_t slot, uint32_t a, uint32_t b)
{
	mr()[0] = type; mr()[1] = slot; mr()[2] = a; mr()[3] = b;
	return mu_invoke(factory, MU_TAG(MU_FACTORY_CREATE, 4), 0);
}

static int delete_cap(uint32_t slot)
{
	mr()[0] = MU_ITEM_CAP; mr()[1] = slot; mr()[2] = 0; mr()[3] = 1;
	return mu_invoke(MU_CAP_TASK, MU_TAG(MU_TASK_UNMAP, 4), 0);
}

static uint32_t quota_used(uint32_t factory)
{
	mu_invoke(factory, MU_TAG(MU_FACTORY_INFO, 0), 0);
	return mr()[1];
}

/* Give task `task` one page with `prot` at va, filled from src (n bytes at offset off). */
static int give_page(uint32_t task, uint32_t va, unsigned prot, const uint8_t *src, uint32_t off, uint32_t n)
{
	uint8_t *scratch = (uint8_t *)SCRATCH_VA;   /* faults in a fresh page from sigma0 */
	memset(scratch, 0, 4096);
	if (n)
		memcpy(scratch + off, src, n);
	mr()[0] = 0; mr()[1] = va;
	mr()[2] = MU_ITEM_MEM | MU_ITEM_GRANT | (prot << 4) | (12u << 8);
	mr()[3] = SCRATCH_VA;
	return mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0);
}

struct ehdr { uint8_t ident[16]; uint16_t type, machine; uint32_t version, entry, phoff, shoff, flags;
	      uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx; };
struct phdr { uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align; };

/* Load the tests module into `task` page by page; returns the entry point or 0. */
static uint32_t load(uint32_t task, const uint8_t *img, uint32_t size)
{
	const struct ehdr *eh = (const void *)img;
	if (size < sizeof(*eh) || memcmp(img, "\177ELF", 4) || eh->phoff > size ||
	    eh->phnum > (size - eh->phoff) / sizeof(struct phdr))
		return 0;
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct phdr *ph = (const void *)(img + eh->phoff + i * sizeof(struct phdr));
		if (ph->type != 1)
			continue;
		if (ph->offset > size || ph->filesz > size - ph->offset)
			return 0;
		unsigned prot = MU_PROT_R | (ph->flags & 2 ? MU_PROT_W : 0) | (ph->flags & 1 ? MU_PROT_X : 0);
		for (uint32_t va = ph->vaddr & ~0xfffu; va < ph->vaddr + ph->memsz; va += 4096) {
			uint32_t lo = va > ph->vaddr ? va : ph->vaddr, hi = va + 4096;
			if (hi > ph->vaddr + ph->filesz)
				hi = ph->vaddr + ph->filesz;
			uint32_t n = hi > lo ? hi - lo : 0;
			if (give_page(task, va, prot, img + ph->offset + (lo - ph->vaddr), lo - va, n) != MU_OK)
				return 0;
		}
	}
	return eh->entry;
}

/* A task running scenario `mode`, with slots base..base+1 = its task and thread caps in init. */
static int spawn(uint32_t base, uint32_t mode, uint32_t label, uint32_t module_size)
{
	uint32_t task = base, thread = base + 1;
	if (fcreate(CHILD_FACTORY, MU_OBJ_TASK, task, 0, 0) || fcreate(CHILD_FACTORY, MU_OBJ_THREAD, thread, task, CHILD_UTCB))
		return -1;
	uint32_t entry = load(task, (const uint8_t *)MU_BOOT_MODULE_VA, module_size);
	for (uint32_t va = CHILD_STACK_TOP - 4 * 4096; va < CHILD_STACK_TOP; va += 4096)
		if (give_page(task, va, MU_PROT_R | MU_PROT_W, 0, 0, 0) != MU_OK)
			return -1;
	/* Its capabilities: itself, its thread, a factory, init as parent, and the console. */
	if (fcreate(CHILD_FACTORY, MU_OBJ_FACTORY, base + 2, 256 * 1024, 0) ||
	    fcreate(CHILD_FACTORY, MU_OBJ_GATE, base + 3, MU_CAP_THREAD, label))
		return -1;
	static const uint8_t to[] = { MU_CAP_TASK, MU_CAP_THREAD, MU_CAP_FACTORY, MU_CAP_PARENT, MU_CAP_CONSOLE, MU_CAP_SCHED };
	for (unsigned i = 0; i < sizeof(to); i++) {
		bool ours = to[i] == MU_CAP_CONSOLE || to[i] == MU_CAP_SCHED;
		mr()[0] = to[i]; mr()[1] = 0;
		mr()[2] = MU_ITEM_CAP | ((to[i] == MU_CAP_CONSOLE ? MU_R : MU_RIGHTS_ALL) << 4);
		mr()[3] = ours ? to[i] : base + i;
		if (mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0) != MU_OK)
			return -1;
	}
	mr()[0] = ~0u; mr()[1] = MU_CAP_PARENT;   /* exceptions come to us too */
	if (!entry || mu_invoke(thread, MU_TAG(MU_THREAD_CONTROL, 2), 0) != MU_OK)
		return -1;
	mr()[0] = entry; mr()[1] = CHILD_STACK_TOP; mr()[2] = mode; mr()[3] = 100;
	return mu_invoke(thread, MU_TAG(MU_THREAD_START, 4), 0) == MU_OK ? 0 : -1;
}

/* Wait for the report of every task of the test; *status gets the first that differs from want. */
static const char *await(int ntasks, int want, int *status)
{
	uint32_t tag, label;
	*status = want;
	while (ntasks) {
		int err = mu_wait(30000000, &tag, &label);   /* 30 s of virtual time */
		if (err == MU_ETIMEDOUT)
			return "timed out";
		if (err != MU_OK)
			return "receive failed";
		if (MU_TAG_LABEL(tag) != MU_LABEL_EXIT && MU_TAG_LABEL(tag) != MU_LABEL_EXCEPTION) {
			mu_ipc(0, MU_TAG(MU_ENOSYS, 0), MU_REPLY, 0, 0, 0);   /* not a report: refuse, keep waiting */
			continue;
		}
		int s = MU_TAG_LABEL(tag) == MU_LABEL_EXIT ? (int)mr()[0] : -(int)mr()[17];
		if (label == 1 && s != want)
			*status = s;
		else if (label == 2 && s != 0)
			*status = s;
		ntasks--;
	}
	return NULL;
}

/* Empty (discard) or print every CPU's trace buffer; returns why it failed, or NULL. */
static const char *trace_dump(uint32_t discard)
{
	mr()[0] = discard;
	if (mu_invoke(MU_CAP_CONSOLE, MU_TAG(MU_CONSOLE_TRACE_DUMP, 1), 0) != MU_OK)
		return "trace dump refused";
	return discard || mr()[0] > 0 ? NULL : "trace buffers empty";
}

static int run(const struct test *t, uint32_t module_size)
{
	static char why[80];
	uint32_t before = quota_used(MU_CAP_FACTORY);
	const char *fail = NULL;
	int status = 0;
	if (t->mode == M_TRACE)
		fail = trace_dump(1);   /* the trace printed after the test shows only it */
	if (!fail && (fcreate(MU_CAP_FACTORY, MU_OBJ_FACTORY, CHILD_FACTORY, TEST_QUOTA, 0) != MU_OK ||
	    spawn(SLOT0, t->mode, 1, module_size) < 0))
		fail = "could not start the test task";
	if (!fail && t->peer >= 0) {
		/* The server task gets a gate bound to its thread in slot 8, the client a copy. */
		if (spawn(SLOT0 + 8, (uint32_t)t->peer, 2, module_size) < 0 ||
		    fcreate(CHILD_FACTORY, MU_OBJ_GATE, GATE, SLOT0 + 9, 0x5e) != MU_OK)
			fail = "could not start the server task";
		for (uint32_t task = SLOT0; !fail && task <= SLOT0 + 8; task += 8) {
			mr()[0] = MU_CAP_FIRST_FREE; mr()[1] = 0; mr()[2] = MU_ITEM_CAP | (MU_R << 4); mr()[3] = GATE;
			if (mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0) != MU_OK)
				fail = "could not map the gate";
		}
	}
	if (!fail)
		fail = await(t->peer >= 0 ? 2 : 1, t->want, &status);
	if (!fail && t->mode == M_TRACE)
		fail = trace_dump(0);   /* before TEST DONE: ci/trace reads it from the console */
	if (!fail && status != t->want) {
		snprintf(why, sizeof(why), "ended with %d, expected %d", status, t->want);
		fail = why;
	}
	/* Destroy everything it had: its factory must be back to zero, ours to where it was. */
	for (uint32_t s = SLOT0; s < SLOT0 + 16; s++)
		delete_cap(s);
	delete_cap(GATE);
	uint32_t left = quota_used(CHILD_FACTORY);
	delete_cap(CHILD_FACTORY);
	if (!fail && (left || quota_used(MU_CAP_FACTORY) != before)) {
		snprintf(why, sizeof(why), "quota not restored: %u bytes in its factory, %d in ours", (unsigned)left,
			 (int)(quota_used(MU_CAP_FACTORY) - before));
		fail = why;
	}
	if (fail)
		printf("TEST FAIL %s: %s\n", t->name, fail);
	else
		printf("TEST PASS %s\n", t->name);
	return fail ? 1 : 0;
}

int main(void)
{
	uint32_t module_size = mu_start_arg;
	unsigned failed = 0;
	printf("init: running %u test tasks\n", (unsigned)(sizeof(tests) / sizeof(tests[0])));
	/* Each child's parent gate is bound to our own thread: its reports arrive in our waits.
	 * Touch the scratch page once first: the page table and shadow behind it stay ours. */
	*(volatile uint8_t *)SCRATCH_VA = 0;
	mr()[0] = MU_ITEM_MEM; mr()[1] = SCRATCH_VA; mr()[2] = 12; mr()[3] = 1;
	mu_invoke(MU_CAP_TASK, MU_TAG(MU_TASK_UNMAP, 4), 0);
	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		failed += run(&tests[i], module_size);
	unsigned n = sizeof(tests) / sizeof(tests[0]);
	printf("TEST DONE %u passed, %u failed\n", n - failed, failed);
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}
