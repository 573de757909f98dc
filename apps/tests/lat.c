/*
 * The kernel's long operations and its own counters (issue 15).
 *
 * long_ops_complete: a range unmap over the whole address space, a
 * thousand mappings revoked at once, a 512-deep chain of mappings and a
 * 64-deep chain of capabilities with 480 copies below it, a capability
 * table filled, and a factory deleted with a task, threads on every CPU,
 * gates and a thousand mappings made through it. The kernel cuts each
 * into slices at preemption points and restarts the system call between
 * them (docs/smp.md, "Preemption points"); here each must still do exactly
 * what it did in one piece: every copy gone, every byte of quota back.
 * It is also the ci/stress phase long-operations, whose kernel latency
 * ci/bench reports (docs/benchmarks.md).
 *
 * kernel_counters: the per-CPU counters of MU_SCHED_INFO move when their
 * events happen: dispatches of another partition's thread, requests and
 * IPIs from another CPU, TLB shootdowns, the longest paths.
 */
#include <string.h>
#include "tests.h"

enum { L_FAC = 40,
       L_TASK = 41,
       L_GATE = 42,
       L_CHILD = 44 /* ..47 */,
       L_THR = 48 /* ..51 */,
       L_OBJ = 52 /* ..55 */,
       L_CAP0 = 64 /* ..127 */ };
#define L_VA	    0x40000000u /* 1024 copies of l_pages, 64 KiB apart */
#define L_CHAIN	    0x40400000u /* the chain, a page each */
#define L_CHAIN_LEN 512
#define L_COPIES    64
#define L_THREADS   4
static uint8_t l_pages[16][4096] __attribute__((aligned(65536)));
static uint64_t l_stack[L_THREADS][128];

static uint32_t used(uint32_t factory)
{
	mu_invoke(factory, MU_TAG(MU_FACTORY_INFO, 0), 0);
	return mu_utcb()->mr[1];
}

/* Operation label of cap with the four words a, b, c, d. */
static int invoke4(uint32_t cap, uint32_t label, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	mu_utcb()->mr[0] = a;
	mu_utcb()->mr[1] = b;
	mu_utcb()->mr[2] = c;
	mu_utcb()->mr[3] = d;
	return mu_invoke(cap, MU_TAG(label, 4), 0);
}

static int create_in(uint32_t factory, uint32_t type, uint32_t slot, uint32_t a, uint32_t b)
{
	return invoke4(factory, MU_FACTORY_CREATE, type, slot, a, b);
}

/* 2^log2 bytes of ours at src into task at dst. */
static int map_mem(uint32_t task, uint32_t src, uint32_t dst, uint32_t log2)
{
	mu_utcb()->mr[0] = 0;
	mu_utcb()->mr[1] = dst;
	mu_utcb()->mr[2] = MU_ITEM_MEM | ((MU_PROT_R | MU_PROT_W) << 4) | (log2 << 8);
	mu_utcb()->mr[3] = src;
	return mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0);
}

static int unmap(uint32_t task, uint32_t kind, uint32_t at, uint32_t log2, uint32_t self)
{
	return invoke4(task, MU_TASK_UNMAP, kind, at, log2, self);
}

static int map_cap(uint32_t task, uint32_t to, uint32_t from)
{
	mu_utcb()->mr[0] = to;
	mu_utcb()->mr[1] = 0;
	mu_utcb()->mr[2] = MU_ITEM_CAP | (MU_RIGHTS_ALL << 4);
	mu_utcb()->mr[3] = from;
	return mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0);
}

/*
 * A thousand mappings of our pages in a task of ours revoked at once; then all
 * 2 GiB of it unmapped. A mapping is paid by the task it is in: this one's
 * factory is ours, so the quota says what is left.
 */
static int lo_unmaps(void)
{
	memset(l_pages, 0x5c, sizeof(l_pages));
	EXPECT(mu_create(MU_OBJ_TASK, L_TASK, 0, 0), MU_OK);
	for (uint32_t k = 0; k < L_COPIES; k++)
		EXPECT(map_mem(L_TASK, (uint32_t)l_pages, L_VA + k * 0x10000u, 16), MU_OK);
	uint32_t u = used(MU_CAP_FACTORY);
	EXPECT(unmap(MU_CAP_TASK, MU_ITEM_MEM, (uint32_t)l_pages, 16, 0), MU_OK);
	if (u - used(MU_CAP_FACTORY) != L_COPIES * 16 * 32) /* every mapping node freed */
		printf("tests: long_ops: %u bytes back of %u\n", (unsigned)(u - used(MU_CAP_FACTORY)), L_COPIES * 16 * 32);
	CHECK(u - used(MU_CAP_FACTORY) == L_COPIES * 16 * 32);
	CHECK(l_pages[15][4095] == 0x5c); /* ours stay */
	/* Copies in eight spans 256 MiB apart: all 2 GiB unmapped in one call. */
	for (uint32_t k = 0; k < 8; k++)
		EXPECT(map_mem(L_TASK, (uint32_t)l_pages, k * 0x10000000u + 0x100000u, 16), MU_OK);
	u = used(MU_CAP_FACTORY);
	EXPECT(unmap(L_TASK, MU_ITEM_MEM, 0, 31, 1), MU_OK);
	CHECK(u - used(MU_CAP_FACTORY) == 8 * 16 * 32);
	EXPECT(unmap(L_TASK, MU_ITEM_MEM, 0, 31, 1), MU_OK); /* nothing left: a scan */
	EXPECT(mu_delete_cap(L_TASK), MU_OK);
	return 0;
}

/* A 512-deep chain of mappings in our own space (paid by our task's maker), revoked from its root. */
static int lo_chain(void)
{
	uint32_t from = (uint32_t)l_pages[0];
	for (uint32_t k = 0; k < L_CHAIN_LEN; k++, from = L_CHAIN + (k - 1) * 4096)
		EXPECT(map_mem(MU_CAP_TASK, from, L_CHAIN + k * 4096, 12), MU_OK);
	CHECK(*(volatile uint32_t *)(L_CHAIN + (L_CHAIN_LEN - 1) * 4096) == 0x5c5c5c5cu);
	EXPECT(unmap(MU_CAP_TASK, MU_ITEM_MEM, (uint32_t)l_pages[0], 12, 0), MU_OK);
	EXPECT(map_mem(MU_CAP_TASK, (uint32_t)l_pages[1], L_CHAIN, 12), MU_OK); /* its place is free again */
	CHECK(*(volatile uint32_t *)L_CHAIN == 0x5c5c5c5cu);
	EXPECT(unmap(MU_CAP_TASK, MU_ITEM_MEM, (uint32_t)l_pages[1], 12, 0), MU_OK);
	return 0;
}

/* A 64-deep chain of capabilities, four tables filled below it, all revoked from the top. */
static int lo_caps(void)
{
	uint32_t u = used(MU_CAP_FACTORY);
	EXPECT(mu_create(MU_OBJ_GATE, L_GATE, 0, 0), MU_OK);
	EXPECT(map_cap(MU_CAP_TASK, L_CAP0, L_GATE), MU_OK);
	for (uint32_t s = L_CAP0 + 1; s < MU_CAP_SLOTS; s++)
		EXPECT(map_cap(MU_CAP_TASK, s, s - 1), MU_OK);
	for (uint32_t c = 0; c < 4; c++) {
		EXPECT(mu_create(MU_OBJ_TASK, L_CHILD + c, 0, 0), MU_OK);
		for (uint32_t s = 8; s < MU_CAP_SLOTS; s++)
			EXPECT(map_cap(L_CHILD + c, s, MU_CAP_SLOTS - 1), MU_OK);
		EXPECT(map_cap(L_CHILD + c, 8, MU_CAP_SLOTS - 1), MU_EBUSY); /* full */
	}
	EXPECT(unmap(MU_CAP_TASK, MU_ITEM_CAP, L_GATE, 0, 0), MU_OK);
	for (uint32_t s = L_CAP0; s < MU_CAP_SLOTS; s++)
		EXPECT(mu_invoke(s, MU_TAG(MU_GATE_BIND, 2), 0), MU_ECAP); /* empty */
	for (uint32_t c = 0; c < 4; c++) {
		EXPECT(map_cap(L_CHILD + c, 8, L_GATE), MU_OK); /* the slot is free again */
		EXPECT(mu_delete_cap(L_CHILD + c), MU_OK);
	}
	EXPECT(mu_delete_cap(L_GATE), MU_OK);
	CHECK(used(MU_CAP_FACTORY) == u);
	return 0;
}

static void lo_sleeper(void)
{
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}

/* A factory deleted: a task with a thousand mappings, threads of ours on every CPU, gates, a factory. */
static int lo_factory(uint32_t ncpu)
{
	uint32_t u = used(MU_CAP_FACTORY);
	EXPECT(mu_create(MU_OBJ_FACTORY, L_FAC, 128 * 1024, 0), MU_OK);
	EXPECT(create_in(L_FAC, MU_OBJ_TASK, L_TASK, 0, 0), MU_OK);
	for (uint32_t k = 0; k < L_COPIES; k++)
		EXPECT(map_mem(L_TASK, (uint32_t)l_pages, 0x10000000u + k * 0x10000u, 16), MU_OK);
	for (uint32_t i = 0; i < L_THREADS; i++) {
		EXPECT(create_in(L_FAC, MU_OBJ_THREAD, L_THR + i, MU_CAP_TASK, 0x7f000000u + i * 0x10000u), MU_OK);
		CHECK(mu_run_thread(MU_CAP_SCHED, L_THR + i, 100, MU_CPUSET(0, 0), 1u << (i % ncpu), 0) >= 0);
		EXPECT(start_arg(L_THR + i, lo_sleeper, l_stack[i] + 128, 100, 0), MU_OK);
		EXPECT(create_in(L_FAC, MU_OBJ_GATE, L_OBJ + i, L_THR + i, i), MU_OK);
	}
	EXPECT(create_in(L_FAC, MU_OBJ_FACTORY, L_CHILD, 4096, 0), MU_OK);
	EXPECT(mu_wait(2000, 0, 0), MU_ETIMEDOUT); /* they run and wait */
	EXPECT(mu_delete_cap(L_FAC), MU_OK);
	for (uint32_t i = 0; i < L_THREADS; i++)
		EXPECT(mu_invoke(L_THR + i, MU_TAG(MU_THREAD_INFO, 0), 0), MU_ECAP);
	CHECK(used(MU_CAP_FACTORY) == u);
	return 0;
}

/* The longest kernel paths over all CPUs (with reset: they start again after this). */
static void lo_maxima(uint32_t ncpu, uint32_t v[4], uint32_t reset)
{
	memset(v, 0, 4 * sizeof(uint32_t));
	for (uint32_t c = 0; c < ncpu; c++) {
		mu_utcb()->mr[0] = c | reset;
		if (mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 1), 0) != MU_OK)
			continue;
		if (mu_utcb()->mr[MU_CPUSTAT_IRQOFF_MAX] > v[0])
			v[0] = mu_utcb()->mr[MU_CPUSTAT_IRQOFF_MAX], v[1] = mu_utcb()->mr[MU_CPUSTAT_IRQOFF_OP];
		if (mu_utcb()->mr[MU_CPUSTAT_LOCK_MAX] > v[2])
			v[2] = mu_utcb()->mr[MU_CPUSTAT_LOCK_MAX], v[3] = mu_utcb()->mr[MU_CPUSTAT_LOCK_OP];
	}
}

int test_long_ops(uint32_t rounds)
{
	EXPECT(mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0), 0), MU_OK);
	uint32_t ncpu = mu_utcb()->mr[0], v[4];
	lo_maxima(ncpu, v, MU_SCHED_INFO_RESET);
	for (uint32_t r = 0; r < rounds; r++) {
		int e = lo_unmaps();
		e = e ? e : lo_chain();
		e = e ? e : lo_caps();
		e = e ? e : lo_factory(ncpu);
		if (e)
			return e;
	}
	lo_maxima(ncpu, v, 0); /* kept for init's LAT line in a ci/stress image */
	printf("tests: long operations done; longest kernel path %u ns (op %08x), object lock held %u ns (op %08x)\n",
	       (unsigned)v[0], (unsigned)v[1], (unsigned)v[2], (unsigned)v[3]);
	return 0;
}

/* ---- kernel_counters */
enum { C_FAC = 56,
       C_THR = 57 };
static uint64_t c_stack[256];
static volatile uint32_t c_runs;

static void c_sleeper(void)
{
	for (;;) {
		mu_wait(1000, 0, 0);
		c_runs++;
	}
}

static int cpu_stats(uint32_t cpu, uint32_t *v)
{
	mu_utcb()->mr[0] = cpu;
	int e = mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 1), 0);
	memcpy(v, mu_utcb()->mr, MU_CPUSTAT_END * sizeof(uint32_t));
	return e;
}

static int set_owner(uint32_t cpu, uint32_t part)
{
	mu_utcb()->mr[0] = cpu;
	mu_utcb()->mr[1] = part;
	return mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_CPU_OWNER, 2), 0);
}

/* The sleeper's next n wake-ups on its CPU: how many dispatches of another partition that CPU counted. */
static uint32_t foreign_over(uint32_t cpu, uint32_t n)
{
	uint32_t a[MU_CPUSTAT_END], b[MU_CPUSTAT_END], r0 = c_runs;
	cpu_stats(cpu, a);
	for (uint32_t t = 0; t < 1000 && c_runs - r0 < n; t++)
		mu_wait(1000, 0, 0);
	cpu_stats(cpu, b);
	return b[MU_CPUSTAT_FOREIGN] - a[MU_CPUSTAT_FOREIGN];
}

int test_counters(void)
{
	uint32_t a[MU_CPUSTAT_END], b[MU_CPUSTAT_END];
	EXPECT(mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0), 0), MU_OK);
	uint32_t ncpu = mu_utcb()->mr[0];
	EXPECT(mu_invoke(MU_CAP_THREAD, MU_TAG(MU_THREAD_INFO, 0), 0), MU_OK);
	uint32_t me = mu_utcb()->mr[0], cpu = (me + 1) % ncpu;
	mu_utcb()->mr[0] = ncpu;
	EXPECT(mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 1), 0), MU_EINVAL);
	EXPECT(set_owner(ncpu, 1), MU_EINVAL);
	EXPECT(mu_create(MU_OBJ_FACTORY, C_FAC, 4096, 256), MU_EINVAL);
	/* A thread of partition 7 on a CPU partition 9 owns: each dispatch there counts. */
	EXPECT(mu_create(MU_OBJ_FACTORY, C_FAC, 64 * 1024, 7), MU_OK);
	EXPECT(create_in(C_FAC, MU_OBJ_THREAD, C_THR, MU_CAP_TASK, 0x7ff80000u), MU_OK);
	EXPECT(set_owner(cpu, 9), MU_OK);
	EXPECT(cpu_stats(cpu, a), MU_OK);
	CHECK(a[MU_CPUSTAT_OWNER] == 9);
	CHECK(mu_run_thread(MU_CAP_SCHED, C_THR, 100, MU_CPUSET(cpu, 0), 1, 0) == (int)cpu);
	EXPECT(start_arg(C_THR, c_sleeper, c_stack + 256, 100, 0), MU_OK);
	uint32_t foreign = foreign_over(cpu, 20), own;
	EXPECT(cpu_stats(cpu, b), MU_OK);
	CHECK(foreign >= 20);
	CHECK(b[MU_CPUSTAT_REQUESTS] > a[MU_CPUSTAT_REQUESTS] && b[MU_CPUSTAT_IPIS] > a[MU_CPUSTAT_IPIS]);
	/* Its own partition's CPU: its dispatches count no more. */
	EXPECT(set_owner(cpu, 7), MU_OK);
	own = foreign_over(cpu, 20);
	CHECK(own < 20);
	EXPECT(set_owner(cpu, 0), MU_OK);
	EXPECT(mu_delete_cap(C_THR), MU_OK);
	EXPECT(mu_delete_cap(C_FAC), MU_OK);
	/* An unmapping sends a TLB shootdown (ARMv6K: other CPUs flush on request and count it). */
	uint32_t served0 = 0, served = 0;
	for (uint32_t c = 0; c < ncpu; c++)
		served0 += c != me && cpu_stats(c, b) == MU_OK ? b[MU_CPUSTAT_TLB_SERVED] : 0;
	EXPECT(cpu_stats(me, b), MU_OK);
	memset(l_pages[0], 1, 4096);
	EXPECT(map_mem(MU_CAP_TASK, (uint32_t)l_pages[0], L_VA, 12), MU_OK);
	CHECK(*(volatile uint8_t *)L_VA == 1);
	EXPECT(unmap(MU_CAP_TASK, MU_ITEM_MEM, L_VA, 12, 1), MU_OK);
	for (uint32_t c = 0; c < ncpu; c++)
		served += c != me && cpu_stats(c, a) == MU_OK ? a[MU_CPUSTAT_TLB_SERVED] : 0;
	EXPECT(cpu_stats(me, a), MU_OK);
	CHECK(a[MU_CPUSTAT_TLB_SENT] > b[MU_CPUSTAT_TLB_SENT]);
	served -= served0;
	/* The longest paths: this CPU has been in the kernel, held the lock, and knows for what
	 * (a MUON_LATENCY kernel; others do not measure them and say 0). */
	uint32_t kind = a[MU_CPUSTAT_IRQOFF_OP] >> 24;
	if (MUON_LATENCY) {
		CHECK(a[MU_CPUSTAT_IRQOFF_MAX] > 0 && kind >= MU_LAT_SYSCALL && kind <= MU_LAT_IDLE);
		CHECK(a[MU_CPUSTAT_LOCK_MAX] > 0 && a[MU_CPUSTAT_LOCK_OP] >> 24 >= MU_LAT_SYSCALL);
	} else {
		CHECK(!a[MU_CPUSTAT_IRQOFF_MAX] && !a[MU_CPUSTAT_IRQOFF_OP] && !a[MU_CPUSTAT_LOCK_MAX]);
	}
	printf("tests: counters ok (cpu%u: %u foreign dispatches of 20, then %u; shootdowns served elsewhere %u; "
	       "longest path %u ns, lock %u ns)\n",
	       (unsigned)cpu, (unsigned)foreign, (unsigned)own, (unsigned)served,
	       (unsigned)a[MU_CPUSTAT_IRQOFF_MAX], (unsigned)a[MU_CPUSTAT_LOCK_MAX]);
	return 0;
}
