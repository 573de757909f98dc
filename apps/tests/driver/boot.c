/*
 * init's boot-test driver (MUON_TESTS builds only): the table of target tests
 * of the tests program (apps/tests), each run as a task of its own, built
 * by init from the module (pages of init's pool, mapped into the task), with
 * its own factory, and with init as its parent (exit reports) and exception
 * handler. The driver judges how each ended and checks that destroying it
 * gave back every byte of kernel-memory quota. Then init builds the system
 * and the driver runs the system tests (systests.c). One line per test, then
 * `TEST DONE N passed, N failed`. A ci/bench build runs the system alone and
 * measures the modem (bench.c); a ci/stress build runs the stress phases.
 */
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <muon/user.h>
#include <muon/lb.h>
#include "init.h"
#include "driver.h"
#include "scenarios.h"

/* init's slots for the tests (P_INST of system.h reuses SLOT0's once they are done). */
enum { CHILD_FACTORY = 12, GATE = 13, SLOT0 = 16, INST = 47, INST2 = 48 };
#define CHILD_SCHED2 20
#define TEST_QUOTA (1024 * 1024)
#define TEST_PAGES 512   /* a test's two tasks of the tests program: free in the pool before its quota is measured */
#define CHILD_QUOTA (256 * 1024)
/* asid_rollover keeps 320 tasks alive: about 32 KiB of kernel memory each. */
#define ASID_TEST_QUOTA (16 * 1024 * 1024)

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
	{ "long_ops_complete", M_LONG_OPS, 0, -1, NULL, NULL },
	{ "kernel_counters", M_COUNTERS, 0, -1, NULL, NULL },
	{ "user_runs_after_faults", M_HELLO, 42, -1, NULL, NULL },
	/* Races of IPC with kills, moves and object-lock waits (apps/tests/race.c, issue 13). */
	{ "race_kill_lock_wait", M_RACE_KILL_LOCK, 0, -1, NULL, NULL },
	{ "race_migrate_ipc", M_RACE_MIGRATE, 0, -1, NULL, NULL },
	{ "race_migrate_lock_wait", M_RACE_MIGRATE_LOCK, 0, -1, NULL, NULL },
	{ "race_kill_move", M_RACE_KILL_MOVE, 0, -1, NULL, NULL },
	{ "user_runs_after_races", M_HELLO, 42, -1, NULL, NULL },
	{ "trace_scenario", M_TRACE, 0, -1, NULL, NULL },   /* last: init prints its trace for ci/trace */
};

static const uint8_t *tests_img;
static uint32_t tests_size;
static unsigned passed, failed;

void result(const char *name, const char *fail)
{
	if (fail) {
		printf("TEST FAIL %s: %s\n", name, fail);
		failed++;
	} else {
		printf("TEST PASS %s\n", name);
		passed++;
	}
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

/* Before a test's tasks: the pool holds their pages; our quota now, for quota_check. */
static uint32_t tasks_begin(void)
{
	pages_commit(OWNER_TESTS, TEST_PAGES);
	return quota_used(MU_CAP_FACTORY);
}

/* Every capability the test's tasks had in our slots. */
static void tasks_delete(void)
{
	for (uint32_t s = SLOT0; s < SLOT0 + 16; s++)
		mu_delete_cap(s);
	mu_delete_cap(GATE);
}

/* After them: their factory must be back to zero and ours at `before`; fail, or why not. */
static const char *quota_check(uint32_t before, const char *fail)
{
	static char why[96];
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

static void run(const struct test *t)
{
	static char why[80];
	uint32_t before = tasks_begin();
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
	tasks_delete();
	if (t->sched && lb_up) {
		const char *f = lb_forget(t, id, id2);
		fail = fail ? fail : f;
	}
	result(t->name, quota_check(before, fail));
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
	{ "long-operations", M_STRESS_LONG_OPS },
	{ "race-kill-lock-wait", M_STRESS_RACE0 }, { "race-migrate-ipc", M_STRESS_RACE0 + 1 },
	{ "race-migrate-lock-wait", M_STRESS_RACE0 + 2 }, { "race-kill-move", M_STRESS_RACE0 + 3 },
};

/* One task with r0 = arg: its exit status in *status, or why it failed. */
static const char *stress_task(uint32_t arg, int *status)
{
	static char why[96];
	uint32_t before = tasks_begin();
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
	tasks_delete();
	return quota_check(before, fail);
}

/* The longest kernel paths (interrupts off; the object lock held) over every CPU since the last call
 * (0 unless the kernel measures them: MUON_LATENCY). */
static void lat_line(const char *phase)
{
	uint32_t v[6] = { 0 }, n;
	mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0), 0);
	n = mu_utcb()->mr[0];
	for (uint32_t c = 0; c < n; c++) {
		uint32_t *m = mu_utcb()->mr;
		m[0] = c | MU_SCHED_INFO_RESET;
		if (mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 1), 0) != MU_OK)
			continue;
		if (m[MU_CPUSTAT_IRQOFF_MAX] > v[0])
			v[0] = m[MU_CPUSTAT_IRQOFF_MAX], v[1] = m[MU_CPUSTAT_IRQOFF_OP], v[2] = c;
		if (m[MU_CPUSTAT_LOCK_MAX] > v[3])
			v[3] = m[MU_CPUSTAT_LOCK_MAX], v[4] = m[MU_CPUSTAT_LOCK_OP], v[5] = c;
	}
	if (phase)
		printf("LAT %s irqoff %u %08x cpu %u lock %u %08x cpu %u\n", phase, (unsigned)v[0], (unsigned)v[1],
		       (unsigned)v[2], (unsigned)v[3], (unsigned)v[4], (unsigned)v[5]);
}

static __attribute__((noreturn)) void stress_main(void)
{
	unsigned passed = 0, failed = 0;
	uint64_t total = 0, t0 = mu_clock_ns(), budget = (uint64_t)MUON_STRESS_MINUTES * 60000000000ull;
	await_us = 120000000;
	printf("STRESS BEGIN seed %u, %u minutes, %u phases a round\n", (unsigned)MUON_STRESS_SEED,
	       (unsigned)MUON_STRESS_MINUTES, (unsigned)(sizeof(phases) / sizeof(phases[0])));
	lat_line(NULL);   /* what the boot did is not the load's */
	for (uint32_t round = 0; round == 0 || mu_clock_ns() - t0 < budget; round++) {
		for (unsigned i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
			int status = 0, alive = 0;
			if (strncmp(phases[i].name, MUON_STRESS_ONLY, strlen(MUON_STRESS_ONLY)))
				continue;   /* ci/stress --phase: only the phases named so */
			const char *fail = stress_task(phases[i].mode | round << 8, &status);
			/* The kernel still answers: a task runs, prints, and reports its exit. */
			const char *dead = stress_task(M_HELLO, &alive);
			lat_line(phases[i].name);
			if (!fail && (dead || alive != 42))
				fail = dead ? dead : "the kernel no longer runs a task to its end";
			if (fail) {
				failed++;
				printf("STRESS FAIL %s (round %u): %s\n", phases[i].name, (unsigned)round, fail);
				if (MUON_STRESS_PAUSE && !strcmp(fail, "timed out")) {   /* --kdb: its threads as they are */
					printf("race: pausing for kdb\n");
					mu_wait(MUON_STRESS_PAUSE * 1000u, 0, 0);
				}
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

void tests_main(void)
{
	tests_img = module(archive_bytes, "tests", &tests_size);
	if (!tests_img) {
		printf("init: no tests module in the archive\n");
		printf("TEST DONE 0 passed, 1 failed\n");
		for (;;)
			mu_wait(MU_TIMEOUT_NEVER, 0, 0);
	}
	const char *test, *fail;
#if MUON_BENCH_TTIS
	/* A ci/bench build: no tests, the system under one load, the modem's figures (docs/benchmarks.md). */
	system_run(MUON_SYSTEM_FILE, &test);
	system_bench(MUON_BENCH_LOAD, MUON_BENCH_TTIS);
	return;
#endif
	printf("init: running %u test tasks\n", (unsigned)(sizeof(tests) / sizeof(tests[0])));
	/* Each child's parent gate is bound to our own thread: its reports arrive in our waits. */
#if MUON_STRESS
	stress_main();
#endif
	if (start_balancer("test.policy") < 0)
		printf("init: the load balancer did not start\n");
	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		run(&tests[i]);
	/* Then the system itself, with its own tests; init serves the console after. */
	fail = system_run(MUON_SYSTEM_FILE, &test);
	if (fail)
		result(test, fail);
	else
		system_tests();
	printf("TEST DONE %u passed, %u failed\n", passed, failed);
}
