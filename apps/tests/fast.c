/*
 * The IPC fast path (docs/ipc.md): which calls take it (MU_THREAD_INFO
 * mr[6] counts a thread's system calls that did), and that a call whose
 * precondition fails goes the slow way and still behaves: a long message, a
 * receiver waiting with a timeout, a partner on another CPU, and a thread
 * ready at or above the partner's priority, which must run first (a direct
 * switch must never invert priorities). An invocation of a kernel object
 * that the decoder rejects is answered on the fast path too, with the slow
 * path's registers. The same checks hold without the fast path built in
 * (MUON_FASTPATH=0: nothing counts, the order is the same).
 */
#include <muon/user.h>
#include "tests.h"

#ifndef MUON_FASTPATH
#define MUON_FASTPATH 1
#endif

enum { F_SRV = 60, F_GATE = 61, F_HOG = 62, F_HOG2 = 63 };
#define F_CALLS 40
static uint64_t f_srv_stack[256], f_hog_stack[2][256];
static volatile uint32_t f_seq, f_srv_at, f_hog_at[2];
static volatile uint32_t f_srv_timeout = MU_TIMEOUT_NEVER;   /* the server's next wait */

static uint32_t info(uint32_t slot, unsigned word)
{
	mu_invoke(slot, MU_TAG(MU_THREAD_INFO, 0), 0);
	return mr()[word];
}

/* Answers label + 1 with each word + 1; notes (once per f_srv_at reset) when it took a message. */
static void f_server(void)
{
	uint32_t tag = 0, label;
	int err = mu_wait(MU_TIMEOUT_NEVER, &tag, &label);
	for (;;) {
		if (err != MU_OK) {   /* a wait that timed out: wait again */
			err = mu_wait(f_srv_timeout, &tag, &label);
			continue;
		}
		if (!f_srv_at)
			f_srv_at = ++f_seq;
		uint32_t *m = mu_utcb()->mr;
		unsigned n = MU_TAG_WORDS(tag);
		for (unsigned i = 0; i < n; i++)
			m[i] += 1;
		err = mu_ipc(0, MU_TAG(MU_TAG_LABEL(tag) + 1, n), MU_REPLY | MU_RECV, f_srv_timeout, &tag, &label);
	}
}

/* A thread made ready below the caller: it notes when it ran, then waits for good. */
static void f_hog(uint32_t i)
{
	f_hog_at[i] = ++f_seq;
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}

/* One call of `words` words; 0 if the answer is right. */
static int f_call(unsigned words, uint32_t label)
{
	for (unsigned i = 0; i < words; i++)
		mr()[i] = label * 100 + i;
	uint32_t tag;
	int err = mu_ipc(F_GATE, MU_TAG(label, words), MU_SEND | MU_RECV, MU_TIMEOUT_NEVER, &tag, 0);
	if (err)
		return err;
	if (MU_TAG_LABEL(tag) != label + 1 || MU_TAG_WORDS(tag) != words)
		return 100;
	for (unsigned i = 0; i < words; i++)
		if (mr()[i] != label * 100 + i + 1)
			return 101;
	return 0;
}

/* cpu's counter `word` (MU_CPUSTAT_*). */
static uint32_t cpu_stat(uint32_t cpu, unsigned word)
{
	mr()[0] = cpu;
	mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 1), 0);
	return mr()[word];
}

static void set_owner(uint32_t cpu, uint32_t part)
{
	mr()[0] = cpu;
	mr()[1] = part;
	mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_CPU_OWNER, 2), 0);
}

/* F_CALLS calls while partition part owns cpu: its foreign dispatches meanwhile; *seen: the owner it said. */
static uint32_t owned_calls(uint32_t cpu, uint32_t part, uint32_t *seen)
{
	uint32_t before = cpu_stat(cpu, MU_CPUSTAT_OWNER);
	set_owner(cpu, part);
	uint32_t f0 = cpu_stat(cpu, MU_CPUSTAT_FOREIGN);
	for (uint32_t i = 0; i < F_CALLS; i++)
		f_call(1, i);
	uint32_t n = cpu_stat(cpu, MU_CPUSTAT_FOREIGN) - f0;
	*seen = cpu_stat(cpu, MU_CPUSTAT_OWNER);
	set_owner(cpu, before);
	return n;
}

int test_fast(void)
{
	uint32_t prio = info(MU_CAP_THREAD, 3), cpu = info(MU_CAP_THREAD, 0);
	CHECK(prio >= 30);
	EXPECT(mu_create(MU_OBJ_THREAD, F_SRV, MU_CAP_TASK, 0x7ffe0000u), MU_OK);
	EXPECT(mu_create(MU_OBJ_GATE, F_GATE, F_SRV, 7), MU_OK);
	EXPECT(start_arg(F_SRV, f_server, f_srv_stack + 256, prio - 20, 0), MU_OK);
	EXPECT(f_call(1, 1), 0);   /* the server was not waiting yet: the slow path */

	/* Short calls to a waiting server below us: every call and every reply-and-wait is fast. */
	uint32_t me0 = info(MU_CAP_THREAD, 6), srv0 = info(F_SRV, 6);
	for (uint32_t i = 0; i < F_CALLS; i++)
		EXPECT(f_call(1 + i % 8, i), 0);
	uint32_t me = info(MU_CAP_THREAD, 6) - me0, srv = info(F_SRV, 6) - srv0;
	printf("tests: fast path: %u of %u calls, %u of %u replies\n", (unsigned)me, F_CALLS, (unsigned)srv, F_CALLS);
	if (MUON_FASTPATH) {
		/* A request or interrupt arriving in the few instructions of a check may send one the slow way. */
		CHECK(me >= F_CALLS - 2 && me <= F_CALLS && srv >= F_CALLS - 2 && srv <= F_CALLS);
	} else {
		CHECK(me == 0 && srv == 0);
	}

	/*
	 * On a CPU that another partition owns, each switch to the server and
	 * back is a dispatch of another partition's thread (MU_CPUSTAT_FOREIGN),
	 * direct switches included: 2 a call, fast path or not.
	 */
	uint32_t owner_kept, foreign = owned_calls(cpu, 200, &owner_kept);
	printf("tests: fast path: %u foreign dispatches in %u calls\n", (unsigned)foreign, F_CALLS);
	CHECK(foreign >= 2 * F_CALLS - 2 && owner_kept == 200);

	/* Kernel-object invocations the decoder rejects: answered at once, as the slow path answers them. */
	me0 = info(MU_CAP_THREAD, 6);
	uint32_t rtag;
	CHECK(mu_ipc(MU_CAP_CONSOLE, MU_TAG(0, 0), MU_SEND | MU_RECV, 0, &rtag, 0) == MU_ENOSYS);   /* no such label */
	CHECK(rtag == MU_TAG(MU_ENOSYS, 0));
	CHECK(mu_ipc(MU_CAP_CONSOLE, MU_TAG(MU_CONSOLE_TRACE, 2), MU_SEND | MU_RECV, 0, &rtag, 0) == MU_EMSG);   /* too short */
	CHECK(rtag == MU_TAG(MU_EMSG, 0));
	CHECK(info(MU_CAP_THREAD, 6) - me0 == (MUON_FASTPATH ? 2u : 0u));
	/* No capability there: the slow path's MU_ECAP, which leaves r1 as it was. */
	CHECK(mu_ipc(1000, MU_TAG(5, 1), MU_SEND | MU_RECV, 0, &rtag, 0) == MU_ECAP && rtag == MU_TAG(5, 1));
	CHECK(info(MU_CAP_THREAD, 6) - me0 == (MUON_FASTPATH ? 2u : 0u));

	/* A long message (more than 8 words): the slow path, the same answer. */
	me0 = info(MU_CAP_THREAD, 6);
	EXPECT(f_call(9, 50), 0);
	EXPECT(f_call(MU_MR_COUNT - 1, 51), 0);
	CHECK(info(MU_CAP_THREAD, 6) == me0);

	/* The server waits with a timeout (its next reply-and-wait too): slow, and it still answers. */
	f_srv_timeout = 1000000;
	EXPECT(f_call(2, 60), 0);   /* its reply-and-wait now has a timeout */
	me0 = info(MU_CAP_THREAD, 6);
	EXPECT(f_call(2, 61), 0);   /* so this call finds a receiver with a timeout */
	CHECK(info(MU_CAP_THREAD, 6) == me0);
	f_srv_timeout = MU_TIMEOUT_NEVER;
	EXPECT(f_call(2, 62), 0);
	EXPECT(f_call(2, 63), 0);

	/*
	 * Priorities: a thread ready between us and the server (and then one
	 * equal to the server, first in line) must run before the server gets
	 * the call. Both wait on this CPU until we block: we outrank them.
	 */
	static const uint32_t hog_prio[2] = { 10, 20 };   /* below us: between us and the server, the server's own */
	for (uint32_t i = 0; i < 2; i++) {
		EXPECT(mu_create(MU_OBJ_THREAD, F_HOG + i, MU_CAP_TASK, 0x7ffd0000u - i * 0x10000u), MU_OK);
		f_seq = 0;
		f_srv_at = 0;
		f_hog_at[i] = 0;
		me0 = info(MU_CAP_THREAD, 6);
		EXPECT(start_arg(F_HOG + i, (void (*)(void))f_hog, f_hog_stack[i] + 256, prio - hog_prio[i], i), MU_OK);
		CHECK(f_hog_at[i] == 0);   /* ready, not running */
		EXPECT(f_call(1, 70 + i), 0);
		if (f_hog_at[i] != 1 || f_srv_at != 2)
			printf("tests: hog %u (priority %u) ran %u, server (%u) %u\n", (unsigned)i,
			       (unsigned)(prio - hog_prio[i]), (unsigned)f_hog_at[i], (unsigned)(prio - 20), (unsigned)f_srv_at);
		CHECK(f_hog_at[i] == 1 && f_srv_at == 2);
		CHECK(info(MU_CAP_THREAD, 6) == me0);   /* our call went the slow way */
	}
	me0 = info(MU_CAP_THREAD, 6);
	EXPECT(f_call(3, 80), 0);   /* the hogs wait again: fast again */
	CHECK(info(MU_CAP_THREAD, 6) - me0 == (MUON_FASTPATH ? 1u : 0u));

	/* The server on another CPU: the cross-CPU path, the same answers. */
	mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0), 0);
	if (mr()[0] > 1) {
		uint32_t other = cpu == 0 ? 1 : 0;
		CHECK(mu_run_thread(MU_CAP_SCHED, F_SRV, prio - 20, MU_CPUSET(other, 0), 1, 0) == (int)other);
		me0 = info(MU_CAP_THREAD, 6);
		for (uint32_t i = 0; i < 5; i++)
			EXPECT(f_call(2, 90 + i), 0);
		CHECK(info(F_SRV, 0) == other);
		CHECK(info(MU_CAP_THREAD, 6) == me0);
	}
	for (uint32_t s = F_SRV; s <= F_HOG2; s++)
		EXPECT(mu_delete_cap(s), MU_OK);
	puts("tests: fast path ok");
	return 0;
}
