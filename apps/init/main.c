/*
 * init, the root task. It holds the root factory and the tests module, and
 * runs the user-level boot tests: each test program is a task of its own,
 * built here from the module (pages of init's pool, mapped into the task), with
 * its own factory, and with init as its parent (exit reports) and exception
 * handler. init judges how each ended and checks that destroying it gave
 * back every byte of kernel-memory quota. One line per test, then
 * `TEST DONE N passed, N failed`.
 */
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <muon/user.h>
#include <muon/lb.h>
#include "init.h"

/* Scenarios of the tests module (apps/tests), passed in r0. */
enum { M_HELLO, M_UNDEF, M_DABT, M_IPC, M_QUOTA, M_HOSTILE, M_SERVER, M_CLIENT, M_BENCH, M_MEMORY, M_IRQ, M_SMP,
       M_XIPC, M_SCHED_API, M_LB_VIEW, M_LB_PIN, M_LB_TOGETHER, M_LB_APART, M_LB_VM, M_LB_BALANCE, M_LB_POWER,
       M_LB_CRASH, M_TRACE, M_CPU_POWER, M_RIGHTS, M_ASID, M_FAST,
       M_RACE_KILL_LOCK, M_RACE_MIGRATE, M_RACE_MIGRATE_LOCK, M_RACE_KILL_MOVE,
       M_STRESS_FUZZ, M_STRESS_FUZZ_MEM, M_STRESS_SELF_DESTRUCT, M_STRESS_QUOTA, M_STRESS_RACE0 };

static const struct test {
	const char *name;
	uint32_t mode;
	int want;          /* exit status, or -(exception kind) */
	int peer;          /* scenario of a server task joined by a gate, or -1 */
	const char *sched; /* balancer instance (configs/test.policy) as its Scheduler; NULL: the kernel's */
	const char *sched2;/* a second instance, in its slot 20 ("kernel": the kernel's, read-only) */
} tests[] = {
	{ "user_thread_runs", M_HELLO, 42, -1, NULL, NULL },
	{ "user_undef_contained", M_UNDEF, -2, -1, NULL, NULL },
	{ "user_dabt_contained", M_DABT, -4, -1, NULL, NULL },
	{ "ipc_same_task", M_IPC, 0, -1, NULL, NULL },
	{ "factory_quota_reclaim", M_QUOTA, 0, -1, NULL, NULL },
	{ "hostile_task", M_HOSTILE, 0, -1, NULL, NULL },
	{ "pager_exceptions_unmap", M_MEMORY, 0, -1, NULL, NULL },
	{ "irq_delivery", M_IRQ, 0, -1, NULL, NULL },
	{ "smp_scheduling", M_SMP, 0, -1, NULL, NULL },
	{ "ipc_cross_cpu", M_XIPC, 0, -1, NULL, NULL },
	{ "cpu_power_off_on", M_CPU_POWER, 0, -1, NULL, NULL },
	{ "asid_rollover", M_ASID, 0, -1, NULL, NULL },
	{ "ipc_two_tasks", M_CLIENT, 0, M_SERVER, NULL, NULL },
	{ "ipc_bench_runs", M_BENCH, 0, M_SERVER, NULL, NULL },
	{ "ipc_fast_path", M_FAST, 0, -1, NULL, NULL },
	{ "sched_api_kernel", M_SCHED_API, 0, -1, NULL, NULL },
	{ "sched_api_balancer", M_SCHED_API, 0, -1, "t_any", NULL },
	{ "lb_instance_view", M_LB_VIEW, 0, -1, "t_view", NULL },
	{ "lb_pinned_reserved", M_LB_PIN, 0, -1, "t_pin", "t_apps" },
	{ "lb_together", M_LB_TOGETHER, 0, -1, "t_tog", NULL },
	{ "lb_apart", M_LB_APART, 0, -1, "t_apart", NULL },
	{ "lb_vm", M_LB_VM, 0, -1, "t_vm", NULL },
	{ "lb_balance_settles", M_LB_BALANCE, 0, -1, "t_apps", NULL },
	{ "lb_powersave", M_LB_POWER, 0, -1, "t_pow", "kernel" },
	{ "lb_client_crash", M_LB_CRASH, -2, -1, "t_apps", NULL },
	{ "lb_serves_after_crash", M_SCHED_API, 0, -1, "t_any", NULL },
	{ "rights_table", M_RIGHTS, 0, -1, NULL, NULL },
	{ "user_runs_after_faults", M_HELLO, 42, -1, NULL, NULL },
	/* Races of IPC with kills, moves and object-lock waits (apps/tests/race.c, issue 13). */
	{ "race_kill_lock_wait", M_RACE_KILL_LOCK, 0, -1, NULL, NULL },
	{ "race_migrate_ipc", M_RACE_MIGRATE, 0, -1, NULL, NULL },
	{ "race_migrate_lock_wait", M_RACE_MIGRATE_LOCK, 0, -1, NULL, NULL },
	{ "race_kill_move", M_RACE_KILL_MOVE, 0, -1, NULL, NULL },
	{ "user_runs_after_races", M_HELLO, 42, -1, NULL, NULL },
	{ "trace_scenario", M_TRACE, 0, -1, NULL, NULL },   /* last: init prints its trace for ci/trace */
};

/* init's own slots. */
enum { CHILD_FACTORY = 12, GATE = 13, SLOT0 = 16, LB_FACTORY = 40, LB_BASE = 41, LB_CTL = 46, INST = 47, INST2 = 48 };
#define CHILD_SCHED2 20
#define LB_QUOTA (512 * 1024)
#define CHILD_UTCB 0x7fff0000u
#define CHILD_STACK_TOP 0x7ff00000u
#define TEST_QUOTA (1024 * 1024)
#define TEST_PAGES 512   /* a test's two tasks of the tests program: free in the pool before its quota is measured */
#define CHILD_QUOTA (256 * 1024)
/* asid_rollover keeps 320 tasks alive: about 32 KiB of kernel memory each. */
#define ASID_TEST_QUOTA (16 * 1024 * 1024)


uint32_t quota_used(uint32_t factory)
{
	mu_invoke(factory, MU_TAG(MU_FACTORY_INFO, 0), 0);
	return mr()[1];
}

/*
 * User memory (docs/system-format.md, Memory). init takes pages from sigma0
 * into a pool of its own at POOL_VA and maps them, keeping its own mapping,
 * into the tasks it builds; each page is charged to an owner (a partition,
 * the boot tests, the balancer). pages_free(owner) revokes every mapping
 * made from the owner's pages, wherever it went on to, and the pages are
 * used again: a partition's restart takes nothing new from sigma0. When
 * sigma0 runs short, give_page fails (init would die of a fault it cannot
 * serve) and SIGMA0_KEEP pages stay for init's own faults.
 */
#define POOL_VA 0x50000000u
#define POOL_PAGES 16384u   /* 64 MiB */
#define SIGMA0_KEEP 32u
static uint8_t owner_of[POOL_PAGES];    /* OWNER_FREE, or whom the page is charged to */
static uint32_t pool_top;               /* pages [0, pool_top) came from sigma0 */
static uint32_t pool_scan;              /* no free page below it */
static uint32_t charged[OWNER_MAX], limit[OWNER_MAX];

/* Pages sigma0 has left to give. */
uint32_t sigma0_left(void)
{
	return mu_rpc(MU_CAP_PAGER, MU_TAG(MU_SIGMA0_LEFT, 0)) == 0 ? mr()[0] : 0;
}

static bool pool_grow(void)
{
	if (pool_top == POOL_PAGES || sigma0_left() <= SIGMA0_KEEP)
		return false;
	(void)*(volatile uint8_t *)(POOL_VA + pool_top * 4096u);   /* sigma0 maps it */
	pool_top++;
	return true;
}

/* A free page of the pool for owner (zeroed by the caller): its address in ours, or 0. */
static uint32_t page_take(unsigned owner)
{
	if (limit[owner] && charged[owner] >= limit[owner])
		return 0;
	uint32_t i = pool_scan;
	while (i < pool_top && owner_of[i] != OWNER_FREE)
		i++;
	pool_scan = i;
	if (i == pool_top && !pool_grow())
		return 0;
	owner_of[i] = (uint8_t)owner;
	charged[owner]++;
	return POOL_VA + i * 4096u;
}

/* Every page charged to owner comes back: each mapping made from it is revoked first. */
void pages_free(unsigned owner)
{
	for (uint32_t i = 0; i < pool_top && charged[owner]; i++) {
		if (owner_of[i] != owner)
			continue;
		mr()[0] = MU_ITEM_MEM; mr()[1] = POOL_VA + i * 4096u; mr()[2] = 12; mr()[3] = 0;   /* not ours */
		if (mu_invoke(MU_CAP_TASK, MU_TAG(MU_TASK_UNMAP, 4), 0) != MU_OK) {
			printf("init: page %u of the pool could not be taken back: kept out of use\n", (unsigned)i);
			owner_of[i] = OWNER_LOST;
			charged[OWNER_LOST]++;
		} else {
			owner_of[i] = OWNER_FREE;
			pool_scan = i < pool_scan ? i : pool_scan;
		}
		charged[owner]--;
	}
}

uint32_t pages_charged(unsigned owner) { return charged[owner]; }
uint32_t pages_pooled(void) { return pool_top; }

/*
 * owner may take up to n pages (0: no limit), and the pool holds them from
 * now on: what every owner may take is taken from sigma0 at once, with the
 * page tables behind it, so that what owners take and give back later never
 * changes our kernel quota (the tests measure it). false: sigma0 has less.
 */
bool pages_commit(unsigned owner, uint32_t n)
{
	limit[owner] = n;
	uint32_t need = 0;
	for (unsigned o = OWNER_LOST; o < OWNER_MAX; o++)
		need += limit[o] > charged[o] ? limit[o] : charged[o];
	while (pool_top < need && pool_grow())
		;
	return pool_top >= need;
}

/* Give task one page of owner's with `prot` at va, filled from src (n bytes at offset off). */
int give_page(unsigned owner, uint32_t task, uint32_t va, unsigned prot, const uint8_t *src, uint32_t off,
	      uint32_t n)
{
	uint32_t page = page_take(owner);
	if (!page)
		return MU_ENOMEM;
	memset((void *)page, 0, 4096);
	if (n)
		memcpy((uint8_t *)page + off, src, n);
	mr()[0] = 0; mr()[1] = va;
	mr()[2] = MU_ITEM_MEM | (prot << 4) | (12u << 8);
	mr()[3] = page;
	return mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0);   /* a failed one stays charged till freed */
}

struct ehdr { uint8_t ident[16]; uint16_t type, machine; uint32_t version, entry, phoff, shoff, flags;
	      uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx; };
struct phdr { uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align; };

/* Load the tests module into `task` page by page; returns the entry point or 0. */
uint32_t load(unsigned owner, uint32_t task, const uint8_t *img, uint32_t size)
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
			if (give_page(owner, task, va, prot, img + ph->offset + (lo - ph->vaddr), lo - va, n) != MU_OK)
				return 0;
		}
	}
	return eh->entry;
}

uint32_t archive_bytes;
static const uint8_t *tests_img, *lb_img;
static uint32_t tests_size, lb_size;

/* A module of the archive at MU_BOOT_MODULE_VA, or NULL. */
const uint8_t *module(uint32_t archive_size, const char *name, uint32_t *size)
{
	const struct mu_modules *m = (const void *)MU_BOOT_MODULE_VA;
	if (archive_size < sizeof(*m) || memcmp(m->magic, MU_MODULES_MAGIC, 8) ||
	    m->count > (archive_size - sizeof(*m)) / sizeof(m->mod[0]))
		return NULL;
	for (uint32_t i = 0; i < m->count; i++)
		if (!strncmp(m->mod[i].name, name, sizeof(m->mod[i].name)) && m->mod[i].offset <= archive_size &&
		    m->mod[i].size <= archive_size - m->mod[i].offset) {
			*size = m->mod[i].size;
			return (const uint8_t *)MU_BOOT_MODULE_VA + m->mod[i].offset;
		}
	return NULL;
}

/*
 * A task running program img with r0 = arg, made from `factory`; slots
 * base..base+3 get its task, thread, factory (quota bytes) and a gate to our
 * thread with `label` (its parent: exit and exception reports). It gets
 * `sched` of ours as its Scheduler.
 */
static int spawn(unsigned owner, uint32_t base, uint32_t factory, const uint8_t *img, uint32_t size, uint32_t arg, uint32_t label,
		 uint32_t sched, uint32_t quota, uint32_t prio, const uint8_t *data, uint32_t data_len)
{
	uint32_t task = base, thread = base + 1;
	if (mu_factory_create(factory, MU_OBJ_TASK, task, 0, 0) ||
	    mu_factory_create(factory, MU_OBJ_THREAD, thread, task, CHILD_UTCB))
		return -1;
	uint32_t entry = load(owner, task, img, size);
	for (uint32_t va = CHILD_STACK_TOP - 4 * 4096; va < CHILD_STACK_TOP; va += 4096)
		if (give_page(owner, task, va, MU_PROT_R | MU_PROT_W, 0, 0, 0) != MU_OK)
			return -1;
	/* Its capabilities: itself, its thread, a factory, init as parent, and the console. */
	if (mu_factory_create(factory, MU_OBJ_FACTORY, base + 2, quota, 0) ||
	    mu_factory_create(factory, MU_OBJ_GATE, base + 3, MU_CAP_THREAD, label))
		return -1;
	static const uint8_t to[] = { MU_CAP_TASK, MU_CAP_THREAD, MU_CAP_FACTORY, MU_CAP_PARENT, MU_CAP_CONSOLE, MU_CAP_SCHED };
	for (unsigned i = 0; i < sizeof(to); i++) {
		mr()[0] = to[i]; mr()[1] = 0;
		mr()[2] = MU_ITEM_CAP | ((to[i] == MU_CAP_CONSOLE ? MU_R : MU_RIGHTS_ALL) << 4);
		mr()[3] = to[i] == MU_CAP_CONSOLE ? MU_CAP_CONSOLE : to[i] == MU_CAP_SCHED ? sched : base + i;
		if (mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0) != MU_OK)
			return -1;
	}
	for (uint32_t off = 0; off < data_len; off += 4096)   /* data for it, read-only at LB_POLICY_VA */
		if (give_page(owner, task, LB_POLICY_VA + off, MU_PROT_R, data + off, 0,
			      data_len - off < 4096 ? data_len - off : 4096) != MU_OK)
			return -1;
	/* Exceptions come to us too. */
	if (!entry || mu_thread_control(thread, ~0u, MU_CAP_PARENT) != MU_OK)
		return -1;
	/* Placed first, where we run: a start alone gives it at most our own priority. */
	if (mu_rpc(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0)) != MU_OK ||
	    mu_run_thread(MU_CAP_SCHED, thread, prio, MU_CPUSET(0, 0), mr()[2], 0) < 0)
		return -1;
	return mu_thread_start(thread, (void (*)(uint32_t))entry, (void *)CHILD_STACK_TOP, arg, prio) == MU_OK ? 0 : -1;
}

/* ---- the load balancer: started once, with configs/test.policy, before the tests */
bool lb_up;

/* One control call to the balancer: its result. */
int lb_call(uint32_t label, uint32_t words)
{
	return mu_rpc(LB_CTL, MU_TAG(label, words));
}


/* (Re)start the balancer with policy module `policy` (killing the one running): 0 or -1. */
int start_balancer(const char *policy_name)
{
	uint32_t plen;
	const uint8_t *policy = module(archive_bytes, policy_name, &plen);
	for (uint32_t s = LB_BASE; s < LB_BASE + 4; s++)
		mu_delete_cap(s);
	mu_delete_cap(LB_CTL);
	mu_delete_cap(LB_FACTORY);
	pages_free(OWNER_LB);
	lb_up = false;
	if (!lb_img || !policy || plen > 16 * 4096)
		return -1;
	if (mu_create(MU_OBJ_FACTORY, LB_FACTORY, LB_QUOTA, 0) != MU_OK)
		return -1;
	if (spawn(OWNER_LB, LB_BASE, LB_FACTORY, lb_img, lb_size, plen, 3, MU_CAP_SCHED, LB_QUOTA / 2, 250, policy, plen) < 0 ||
	    mu_factory_create(LB_FACTORY, MU_OBJ_GATE, LB_CTL, LB_BASE + 1, LB_CONTROL_LABEL) != MU_OK)
		return -1;
	/* A balancer that refuses its policy (one written for another CPU count) exits, and its
	 * exit report waits for us to receive: so the first call gives up after 3 s. */
	uint32_t rtag;
	int e = mu_ipc(LB_CTL, MU_TAG(LB_STATS, 0), MU_SEND | MU_RECV, 3000000, &rtag, 0);
	lb_up = e == MU_OK && MU_TAG_LABEL(rtag) == MU_OK;
	return lb_up ? 0 : -1;
}

/* Open an instance by name into slot `slot`: its id, or -1. */
int lb_open(const char *name, uint32_t slot)
{
	memset(mr(), 0, 24);
	strncpy((char *)mr(), name, 23);
	uint32_t rtag;
	mu_utcb()->br[0] = slot;
	int e = mu_ipc(LB_CTL, MU_TAG(LB_OPEN, 6), MU_SEND | MU_RECV, MU_TIMEOUT_NEVER, &rtag, 0);
	mu_utcb()->br[0] = 0;
	if (e != MU_OK || MU_TAG_LABEL(rtag) != MU_OK || MU_TAG_NITEMS(rtag) != 1)
		printf("init: the balancer's instance %s: error %d, result %u, %u capabilities\n", name, e,
		       (unsigned)MU_TAG_LABEL(rtag), (unsigned)MU_TAG_NITEMS(rtag));
	return e == MU_OK && MU_TAG_LABEL(rtag) == MU_OK && MU_TAG_NITEMS(rtag) == 1 ? (int)mr()[0] : -1;
}

/* Wait for the report of every task of the test; *status gets the first that differs from want. */
static uint32_t await_us = 30000000;   /* 30 s of virtual time (a ci/stress phase: longer) */

static const char *await(int ntasks, int want, int *status)
{
	uint32_t tag, label;
	*status = want;
	while (ntasks) {
		int err = mu_wait(await_us, &tag, &label);
		if (err == MU_ETIMEDOUT)
			return "timed out";
		if (err != MU_OK)
			return "receive failed";
		if (MU_TAG_LABEL(tag) != MU_LABEL_EXIT && MU_TAG_LABEL(tag) != MU_LABEL_EXCEPTION) {
			mu_ipc(0, MU_TAG(MU_ENOSYS, 0), MU_REPLY, 0, 0, 0);   /* not a report: refuse, keep waiting */
			continue;
		}
		int s = MU_TAG_LABEL(tag) == MU_LABEL_EXIT ? (int)mr()[0] : -(int)mr()[17];
		if (label == 3) {   /* the balancer: it never ends but on a bad policy file */
			printf("init: the load balancer ended with %d\n", s);
			lb_up = false;
			continue;
		}
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

/* After a client of the balancer is gone: it must let go of the client's threads on its own. */
static const char *lb_forget(const struct test *t, int id, int id2)
{
	const char *fail = NULL;
	unsigned waited = 0;
	while (lb_call(LB_STATS, 0) == MU_OK && mr()[1] != 0 && waited++ < 200)
		mu_wait(10000, 0, 0);
	if (lb_call(LB_STATS, 0) != MU_OK || mr()[1] != 0)
		fail = "the balancer kept a dead client's threads";
	else if (!strcmp(t->name, "lb_balance_settles") && mr()[4])
		printf("BENCH lb_decision %u\n", (unsigned)mr()[4]);
	if ((id >= 0 && lb_call(LB_CLOSE, (mr()[0] = (uint32_t)id, 1)) != MU_OK) ||
	    (id2 >= 0 && lb_call(LB_CLOSE, (mr()[0] = (uint32_t)id2, 1)) != MU_OK))
		fail = fail ? fail : "closing the instance failed";
	mu_delete_cap(INST);
	mu_delete_cap(INST2);
	return fail;
}

static int run(const struct test *t)
{
	static char why[80];
	pages_commit(OWNER_TESTS, TEST_PAGES);
	uint32_t before = quota_used(MU_CAP_FACTORY);
	const char *fail = NULL;
	int status = 0, id = -1, id2 = -1;
	if (t->mode == M_TRACE)
		fail = trace_dump(1);   /* the trace printed after the test shows only it */
	if (!fail && t->sched && (!lb_up || (id = lb_open(t->sched, INST)) < 0 ||
			 (t->sched2 && strcmp(t->sched2, "kernel") && (id2 = lb_open(t->sched2, INST2)) < 0)))
		fail = lb_up ? "the balancer opened no instance" : "no balancer";
	bool big = t->mode == M_ASID;
	if (!fail && (mu_create(MU_OBJ_FACTORY, CHILD_FACTORY, big ? ASID_TEST_QUOTA + TEST_QUOTA : TEST_QUOTA,
			      0) != MU_OK ||
		      spawn(OWNER_TESTS, SLOT0, CHILD_FACTORY, tests_img, tests_size, t->mode, 1, t->sched ? INST : MU_CAP_SCHED,
			    big ? ASID_TEST_QUOTA : CHILD_QUOTA, 100, NULL, 0) < 0))
		fail = "could not start the test task";
	if (!fail && t->sched2) {
		mr()[0] = CHILD_SCHED2; mr()[1] = 0; mr()[2] = MU_ITEM_CAP | (MU_R << 4);
		mr()[3] = strcmp(t->sched2, "kernel") ? INST2 : MU_CAP_SCHED;
		if (mu_invoke(SLOT0, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0) != MU_OK)
			fail = "could not map the second instance";
	}
	if (!fail && t->peer >= 0) {
		/* The server task gets a gate bound to its thread in slot 8 (MU_S: it may rebind it), the client a copy. */
		if (spawn(OWNER_TESTS, SLOT0 + 8, CHILD_FACTORY, tests_img, tests_size, (uint32_t)t->peer, 2, MU_CAP_SCHED,
			  CHILD_QUOTA, 100, NULL, 0) < 0 ||
		    mu_factory_create(CHILD_FACTORY, MU_OBJ_GATE, GATE, SLOT0 + 9, 0x5e) != MU_OK)
			fail = "could not start the server task";
		for (uint32_t task = SLOT0; !fail && task <= SLOT0 + 8; task += 8) {
			mr()[0] = MU_CAP_FIRST_FREE; mr()[1] = 0; mr()[3] = GATE;
			mr()[2] = MU_ITEM_CAP | ((task == SLOT0 + 8 ? MU_R | MU_S : MU_R) << 4);
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
		mu_delete_cap(s);
	mu_delete_cap(GATE);
	if (t->sched && lb_up) {
		const char *f = lb_forget(t, id, id2);
		fail = fail ? fail : f;
	}
	uint32_t left = quota_used(CHILD_FACTORY);
	mu_delete_cap(CHILD_FACTORY);
	pages_free(OWNER_TESTS);
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

#if MUON_STRESS
/*
 * A ci/stress build (docs/testing.md): no boot tests, but the stress phases
 * of apps/tests/race.c in rounds until MUON_STRESS_MINUTES have passed. Each
 * phase is a test task of its own: it exits with the number of invocations
 * it made (or minus the line of a failed check); init then checks that every
 * byte of quota came back and that the kernel still runs a task that answers.
 */
static const struct { const char *name; uint32_t mode; } phases[] = {
	{ "fuzz-invocations", M_STRESS_FUZZ }, { "fuzz-memory-items", M_STRESS_FUZZ_MEM },
	{ "sacrificial-tasks", M_STRESS_SELF_DESTRUCT }, { "quota-and-cap-table", M_STRESS_QUOTA },
	{ "race-kill-lock-wait", M_STRESS_RACE0 }, { "race-migrate-ipc", M_STRESS_RACE0 + 1 },
	{ "race-migrate-lock-wait", M_STRESS_RACE0 + 2 }, { "race-kill-move", M_STRESS_RACE0 + 3 },
};

/* One task with r0 = arg: its exit status in *status, or why it failed. */
static const char *stress_task(uint32_t arg, int *status)
{
	static char why[96];
	pages_commit(OWNER_TESTS, TEST_PAGES);
	uint32_t before = quota_used(MU_CAP_FACTORY);
	const char *fail = NULL;
	if (mu_create(MU_OBJ_FACTORY, CHILD_FACTORY, TEST_QUOTA, 0) != MU_OK ||
	    spawn(OWNER_TESTS, SLOT0, CHILD_FACTORY, tests_img, tests_size, arg, 1, MU_CAP_SCHED, CHILD_QUOTA, 100, NULL, 0) < 0)
		fail = "could not start the task";
	if (!fail)
		fail = await(1, 0, status);
	if (!fail && *status < 0) {
		snprintf(why, sizeof(why), "check at apps/tests/race.c:%d failed", -*status);
		fail = why;
	}
	for (uint32_t s = SLOT0; s < SLOT0 + 16; s++)
		mu_delete_cap(s);
	uint32_t left = quota_used(CHILD_FACTORY);
	mu_delete_cap(CHILD_FACTORY);
	pages_free(OWNER_TESTS);
	if (!fail && (left || quota_used(MU_CAP_FACTORY) != before)) {
		snprintf(why, sizeof(why), "quota not restored: %u bytes in its factory, %d in ours", (unsigned)left,
			 (int)(quota_used(MU_CAP_FACTORY) - before));
		fail = why;
	}
	return fail;
}

static __attribute__((noreturn)) void stress_main(void)
{
	unsigned passed = 0, failed = 0;
	uint64_t total = 0, t0 = mu_clock_ns(), budget = (uint64_t)MUON_STRESS_MINUTES * 60000000000ull;
	await_us = 120000000;
	printf("STRESS BEGIN seed %u, %u minutes, %u phases a round\n", (unsigned)MUON_STRESS_SEED,
	       (unsigned)MUON_STRESS_MINUTES, (unsigned)(sizeof(phases) / sizeof(phases[0])));
	for (uint32_t round = 0; round == 0 || mu_clock_ns() - t0 < budget; round++) {
		for (unsigned i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
			int status = 0, alive = 0;
			if (strncmp(phases[i].name, MUON_STRESS_ONLY, strlen(MUON_STRESS_ONLY)))
				continue;   /* ci/stress --phase: only the phases named so */
			const char *fail = stress_task(phases[i].mode | round << 8, &status);
			/* The kernel still answers: a task runs, prints, and reports its exit. */
			const char *dead = stress_task(M_HELLO, &alive);
			if (!fail && (dead || alive != 42))
				fail = dead ? dead : "the kernel no longer runs a task to its end";
			if (fail) {
				failed++;
				printf("STRESS FAIL %s (round %u): %s\n", phases[i].name, (unsigned)round, fail);
			} else {
				passed++;
				total += (uint32_t)status;
				printf("STRESS PASS %s: %u invocations (round %u)\n", phases[i].name, (unsigned)status,
				       (unsigned)round);
			}
		}
	}
	printf("STRESS DONE %u passed, %u failed, %llu invocations, seed %u\n", passed, failed,
	       (unsigned long long)total, (unsigned)MUON_STRESS_SEED);
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}
#endif

int main(void)
{
	uint32_t archive_size = mu_start_arg;
	archive_bytes = archive_size;
	unsigned failed = 0;
	console_claim();
	tests_img = module(archive_size, "tests", &tests_size);
	lb_img = module(archive_size, "balancer", &lb_size);
	if (!tests_img) {
		printf("init: no tests module in the archive\n");
		printf("TEST DONE 0 passed, 1 failed\n");
		for (;;)
			mu_wait(MU_TIMEOUT_NEVER, 0, 0);
	}
#if MUON_BENCH_TTIS
	/* A ci/bench build: no tests, the system under one load, the modem's figures (docs/benchmarks.md). */
	system_run(MUON_SYSTEM_FILE, false);
	system_bench(MUON_BENCH_LOAD, MUON_BENCH_TTIS);
	console_loop();
#endif
	printf("init: running %u test tasks\n", (unsigned)(sizeof(tests) / sizeof(tests[0])));
	/* Each child's parent gate is bound to our own thread: its reports arrive in our waits. */
#if MUON_STRESS
	stress_main();
#endif
	if (start_balancer("test.policy") < 0)
		printf("init: the load balancer did not start\n");
	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		failed += run(&tests[i]);
	unsigned n = sizeof(tests) / sizeof(tests[0]);
	/* Then the system itself, with its own tests, and the console. */
	unsigned sys_failed = system_run(MUON_SYSTEM_FILE, true);
	extern unsigned system_passed(void);
	n += system_passed() + sys_failed;
	failed += sys_failed;
	printf("TEST DONE %u passed, %u failed\n", n - failed, failed);
	console_loop();
}
