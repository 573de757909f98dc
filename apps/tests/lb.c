/*
 * Scheduler scenarios: the Scheduler protocol as a client sees it (the same
 * program against the kernel's object and against a balancer instance), and
 * the balancer's policies as the kernel carries them out. init gives each
 * scenario the instance its test names in MU_CAP_SCHED (and a second one in
 * SCHED2); the instances are those of configs/test.policy. Where a thread
 * really runs comes from THREAD_INFO, which the balancer does not interpose.
 */
#include <stdbool.h>
#include <string.h>
#include "tests.h"

#define SCHED2 20             /* a second instance, for the scenarios that need one */
#define T_SLOT 60             /* our threads' capabilities */
#define NT 8
#define PERIOD_MS 20          /* configs/test.policy */
#define UTCB_BASE 0x7fe00000u

static uint64_t stacks[NT][256];
static volatile uint32_t duty[NT];     /* per-mille of the time a thread spins; 0: it only sleeps */
static volatile uint32_t ran[NT];

static void sleep_ms(uint32_t ms) { mu_wait(ms * 1000, 0, 0); }

/* Spins for duty/1000 of every 10 ms and sleeps the rest. */
static void worker(uint32_t id)
{
	for (;;) {
		ran[id]++;
		uint32_t d = duty[id];
		if (d >= 1000) {
			for (volatile int k = 0; k < 20000; k++)
				;
			mu_relax();
			continue;
		}
		uint64_t end = mu_clock_ns() + d * 10000ull;
		while (d && mu_clock_ns() < end)
			mu_relax();
		mu_wait((1000 - d) * 10, 0, 0);
	}
}

static int new_thread(unsigned i, uint32_t d)
{
	duty[i] = d;
	int e = mu_create(MU_OBJ_THREAD, T_SLOT + i, MU_CAP_TASK, UTCB_BASE - i * 0x1000u);
	return e ? e : start_arg(T_SLOT + i, (void (*)(void))worker, stacks[i] + 256, 1, i);
}

static int info(uint32_t sched, uint32_t *n, uint32_t *online)
{
	int e = mu_rpc(sched, MU_TAG(MU_SCHED_INFO, 0));
	*n = mr()[0];
	*online = mr()[2];
	return e;
}

static int run(uint32_t sched, unsigned i, uint32_t prio, uint32_t desc, uint32_t map)
{
	return mu_run_thread(sched, T_SLOT + i, prio, desc, map, 0);
}

/* Every CPU of the instance: the policy decides. */
static int run_any(uint32_t sched, unsigned i)
{
	uint32_t n, online;
	int e = info(sched, &n, &online);
	return e ? -e : run(sched, i, 10, MU_CPUSET(0, 0), online);
}

static int idle_time(uint32_t sched, uint32_t cpu, uint64_t *t)
{
	mr()[0] = cpu;
	int e = mu_rpc(sched, MU_TAG(MU_SCHED_IDLE_TIME, 1));
	*t = mr()[0] | (uint64_t)mr()[1] << 32;
	return e;
}

static unsigned where(unsigned i)
{
	mu_invoke(T_SLOT + i, MU_TAG(MU_THREAD_INFO, 0), 0);
	return mr()[0];
}

static unsigned prio_of(unsigned i)
{
	mu_invoke(T_SLOT + i, MU_TAG(MU_THREAD_INFO, 0), 0);
	return mr()[3];
}

/* Wait up to ms for where(i) == cpu (a move is carried out by the thread's CPU). */
static bool lands(unsigned i, unsigned cpu, unsigned ms)
{
	for (unsigned t = 0; t < ms; t += 5) {
		if (where(i) == cpu)
			return true;
		sleep_ms(5);
	}
	return where(i) == cpu;
}

/* ---- the protocol, as any client sees it: kernel object or balancer instance */
static int sched_api(void)
{
	uint32_t n, online;
	uint64_t a, b;
	EXPECT(info(MU_CAP_SCHED, &n, &online), MU_OK);
	CHECK(n >= 1 && n <= 8 && online == (1u << n) - 1);
	for (unsigned v = 0; v < n; v++) {
		CHECK(new_thread(v, 0) == MU_OK);
		EXPECT(run(MU_CAP_SCHED, v, 10, MU_CPUSET(v, 0), 1), (int)v);
		int any = run(MU_CAP_SCHED, v, 20, MU_CPUSET(0, 0), online);
		CHECK(any >= 0 && (uint32_t)any < n);
		EXPECT(idle_time(MU_CAP_SCHED, v, &a), MU_OK);
		sleep_ms(2);
		EXPECT(idle_time(MU_CAP_SCHED, v, &b), MU_OK);
		CHECK(b >= a);
	}
	int two = run(MU_CAP_SCHED, 0, 10, MU_CPUSET(0, 1), 1);   /* granule 2: CPUs 0-1 */
	CHECK(two == 0 || (two == 1 && n > 1));
	EXPECT(idle_time(MU_CAP_SCHED, n, &a), MU_EINVAL);
	EXPECT(run(MU_CAP_SCHED, 0, 10, MU_CPUSET(0, 0), 0), -MU_EINVAL);   /* empty set */
	EXPECT(run(MU_CAP_SCHED, 0, 10, MU_CPUSET(n, 0), 1), -MU_EINVAL);   /* no such CPU */
	EXPECT(run(MU_CAP_SCHED, 0, 256, MU_CPUSET(0, 0), 1), -MU_EINVAL);  /* priority */
	EXPECT(mu_run_thread(MU_CAP_SCHED, T_SLOT, 10, MU_CPUSET(0, 0), 1, 20000000), -MU_EINVAL);
	EXPECT(mu_run_thread(MU_CAP_SCHED, MU_CAP_CONSOLE, 10, MU_CPUSET(0, 0), 1, 0), -MU_ETYPE);
	EXPECT(mu_run_thread(MU_CAP_SCHED, 110, 10, MU_CPUSET(0, 0), 1, 0), -MU_ECAP);   /* empty slot */
	EXPECT(mu_rpc(MU_CAP_SCHED, MU_TAG(0x77, 0)), MU_ENOSYS);
	for (unsigned v = 0; v < n; v++)
		CHECK(ran[v]);
	return 0;
}

/* ---- a client sees only its own CPUs and band: t_view is CPUs 2-3, priorities 40-60 */
static int lb_view(void)
{
	uint32_t n, online;
	uint64_t t;
	EXPECT(info(MU_CAP_SCHED, &n, &online), MU_OK);
	CHECK(n == 2 && online == 3);
	mr()[0] = 1; mr()[1] = 0;   /* power is the balancer's business: a client cannot switch CPUs off */
	EXPECT(mu_rpc(MU_CAP_SCHED, MU_TAG(MU_SCHED_CPU_POWER, 2)), MU_ENOSYS);
	CHECK(new_thread(0, 0) == MU_OK);
	int v = run(MU_CAP_SCHED, 0, 255, MU_CPUSET(0, 0), 3);
	CHECK(v == 0 || v == 1);
	CHECK(lands(0, 2 + (unsigned)v, 1000));
	CHECK(prio_of(0) == 60);                        /* 40 + 255, clamped at the band's top */
	EXPECT(run(MU_CAP_SCHED, 0, 5, MU_CPUSET(1, 0), 1), 1);
	CHECK(lands(0, 3, 1000) && prio_of(0) == 45);   /* its CPU 1 is CPU 3 */
	EXPECT(run(MU_CAP_SCHED, 0, 5, MU_CPUSET(0, 0), 1), 0);
	CHECK(lands(0, 2, 1000));
	EXPECT(run(MU_CAP_SCHED, 0, 5, MU_CPUSET(2, 0), 1), -MU_EINVAL);   /* beyond its view */
	EXPECT(run(MU_CAP_SCHED, 0, 5, MU_CPUSET(0, 0), 4), -MU_EINVAL);
	EXPECT(idle_time(MU_CAP_SCHED, 2, &t), MU_EINVAL);
	EXPECT(idle_time(MU_CAP_SCHED, 1, &t), MU_OK);
	return 0;
}

/* ---- pinned with a reservation: t_pin owns CPU 0; t_apps (SCHED2) may never run there */
static int lb_pin(void)
{
	CHECK(new_thread(0, 200) == MU_OK);
	EXPECT(run_any(MU_CAP_SCHED, 0), 0);
	for (unsigned i = 1; i <= 4; i++) {
		CHECK(new_thread(i, 1000) == MU_OK);
		CHECK(run_any(SCHED2, i) >= 0);
	}
	for (unsigned k = 0; k < 25; k++) {
		sleep_ms(PERIOD_MS);
		CHECK(where(0) == 0);
		for (unsigned i = 1; i <= 4; i++)
			CHECK(where(i) != 0);
	}
	CHECK(prio_of(0) >= 200 && prio_of(0) <= 210);
	return 0;
}

/* All threads of the group on one CPU, or each on its own. */
static bool placed(unsigned nt, bool together)
{
	for (unsigned i = 0; i < nt; i++)
		for (unsigned j = i + 1; j < nt; j++)
			if ((where(i) == where(j)) != together)
				return false;
	return true;
}

static int lb_group(unsigned nt, bool together)
{
	for (unsigned i = 0; i < nt; i++) {
		CHECK(new_thread(i, 1000) == MU_OK);
		CHECK(run_any(MU_CAP_SCHED, i) >= 0);
	}
	unsigned t = 0;
	while (!placed(nt, together) && t++ < 50)
		sleep_ms(PERIOD_MS);
	CHECK(placed(nt, together));
	for (unsigned k = 0; k < 10; k++) {   /* and it stays so under load */
		sleep_ms(PERIOD_MS);
		CHECK(placed(nt, together));
		for (unsigned i = 0; i < nt; i++)
			CHECK(where(i) != 0);
	}
	return 0;
}

/* ---- balance: three spinners start on one CPU and spread within a bounded time */
static int lb_balance(void)
{
	for (unsigned i = 0; i < 3; i++) {
		CHECK(new_thread(i, 1000) == MU_OK);
		EXPECT(run(MU_CAP_SCHED, i, 10, MU_CPUSET(0, 0), 1), 0);   /* all on its CPU 0: skewed */
	}
	for (unsigned i = 0; i < 3; i++)
		CHECK(lands(i, 1, 1000));
	uint64_t t0 = mu_clock_ns();
	for (unsigned i = 0; i < 3; i++)
		CHECK(run_any(MU_CAP_SCHED, i) >= 0);   /* now the policy's */
	unsigned periods = 0;
	while (!placed(3, false) && periods++ < 100)
		sleep_ms(PERIOD_MS / 4);
	CHECK(placed(3, false));
	printf("BENCH lb_settle %u\n", (unsigned)(mu_clock_ns() - t0));
	unsigned cpu[3] = { where(0), where(1), where(2) };
	for (unsigned k = 0; k < 10; k++) {   /* no ping-pong once balanced */
		sleep_ms(PERIOD_MS);
		for (unsigned i = 0; i < 3; i++)
			CHECK(where(i) == cpu[i]);
	}
	return 0;
}

static unsigned cpus_used(unsigned nt)
{
	uint32_t m = 0;
	for (unsigned i = 0; i < nt; i++)
		m |= 1u << where(i);
	unsigned n = 0;
	for (; m; m &= m - 1)
		n++;
	return n;
}

static uint32_t kernel_online(void)
{
	mu_invoke(SCHED2, MU_TAG(MU_SCHED_INFO, 0), 0);
	return mr()[2];
}

/* ---- powersave (t_pow, low 30 %, high 70 %): light threads pack onto one CPU, busy ones spread */
static int lb_power(void)
{
	for (unsigned i = 0; i < 3; i++) {
		CHECK(new_thread(i, 80) == MU_OK);
		EXPECT(run(MU_CAP_SCHED, i, 10, MU_CPUSET(i, 0), 1), (int)i);   /* spread to begin with */
	}
	for (unsigned i = 0; i < 3; i++)
		CHECK(run_any(MU_CAP_SCHED, i) >= 0);
	unsigned t = 0;
	while (cpus_used(3) > 1 && t++ < 100)
		sleep_ms(PERIOD_MS);
	CHECK(cpus_used(3) == 1);
	/* The kernel's view (SCHED2, read-only): on a board with PSCI the two emptied CPUs go offline. */
#if MUON_CPU_POWER
	uint32_t in_use = 1u << where(0), empty = 0xeu & ~in_use;   /* t_pow has CPUs 1-3 */
	for (t = 0; kernel_online() & empty && t < 20; t++)
		sleep_ms(PERIOD_MS);
	if (kernel_online() & empty)
		printf("tests: powersave: online 0x%x, in use 0x%x\n", (unsigned)kernel_online(), (unsigned)in_use);
	CHECK(!(kernel_online() & empty) && kernel_online() & in_use);
#else
	CHECK(kernel_online() == 0xfu);   /* no power controller: they idle in WFI */
#endif
	for (unsigned i = 0; i < 3; i++)
		duty[i] = 1000;
	t = 0;
	while (cpus_used(3) < 3 && t++ < 100)
		sleep_ms(PERIOD_MS);
	CHECK(cpus_used(3) == 3);   /* three busy threads: above `high`, spread over all three */
	CHECK(kernel_online() == 0xfu);   /* and the CPUs are back */
	return 0;
}

/* ---- a client that crashes with threads placed: init checks the balancer lets go of them */
static int lb_crash(void)
{
	for (unsigned i = 0; i < 2; i++) {
		CHECK(new_thread(i, 1000) == MU_OK);
		CHECK(run_any(MU_CAP_SCHED, i) >= 0);
	}
	sleep_ms(3 * PERIOD_MS);
	__asm__ volatile(".word 0xe7f000f0");   /* permanently undefined */
	return 0;
}

int lb_test(uint32_t mode)
{
	switch (mode) {
	case M_SCHED_API: return sched_api();
	case M_LB_VIEW: return lb_view();
	case M_LB_PIN: return lb_pin();
	case M_LB_TOGETHER: return lb_group(3, true);
	case M_LB_APART: return lb_group(3, false);
	case M_LB_VM: return lb_group(2, false);
	case M_LB_BALANCE: return lb_balance();
	case M_LB_POWER: return lb_power();
	case M_LB_CRASH: return lb_crash();
	}
	return -1;
}
