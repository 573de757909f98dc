/*
 * The kernel Scheduler object: mechanism only. It tells which CPUs there are
 * and how idle they have been, and places a thread on a CPU of a given set
 * with a priority and quantum. All policy is a user-level server's.
 */
#include "kernel/kernel.h"
#include "sched/sched.h"
#include "kernel/obj.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "kernel/cpu.h"
#include "bsp/bsp.h"
#include "sched/cpuset.h"
#include "muon/mark.h"

static struct kobj sched_obj = { OBJ_SCHED, 1 };
struct kobj *const sched_kobj = &sched_obj;
static const struct cap_errs errs = { MU_ECAP, MU_ETYPE, MU_EPERM };

static uint32_t online_mask(void)
{
	uint32_t m = 0;
	for (unsigned i = 0; i < ncpus_present; i++)
		m |= (uint32_t)cpus[i].online << i;
	return m;
}

/* The thread comes as a capability item (mr[4..5]): a server interposing on
 * this object receives the same message with the capability in its table. */
static int run_thread(struct thread *t, uint32_t *mr)
{
	int err;
	if ((mr[4] & 0xfu) != MU_ITEM_CAP)
		return MU_EMSG;
	struct cap *c = cap_lookup(&t->task->caps, mr[5], OBJ_THREAD, MU_W, &errs, &err);
	if (!c)
		return err;
	struct thread *th = container_of(c->obj, struct thread, hdr);
	if (mr[0] > 255 || mr[3] > 10000000u)
		return MU_EINVAL;
	int cpu = cpuset_pick(mr[1], mr[2], online_mask(), th->cpu, this_cpu()->id);
	if (cpu < 0)
		return MU_EINVAL;
	th->placed = true;
	sched_move(th, (unsigned)cpu, (uint8_t)mr[0], mr[3] ? mr[3] * 1000u : DEFAULT_QUANTUM_NS);
	mr[0] = (uint32_t)cpu;
	return MU_OK;
}

/*
 * INFO with a CPU: its counters (MU_CPUSTAT_*). They are read as they are,
 * without a lock; the maxima (ns) are 0 unless the kernel measures them (MUON_LATENCY).
 */
static int cpu_stats(uint32_t *mr)
{
	unsigned id = mr[0] & ~MU_SCHED_INFO_RESET;
	if (id >= ncpus_present)
		return MU_EINVAL;
	struct cpu *c = &cpus[id];
	for (unsigned k = MU_CPUSTAT_OWNER; k < MU_CPUSTAT_END; k++)
		mr[k] = c->stat[k];
	uint32_t since = mr[MU_CPUSTAT_FOREIGN] - __atomic_load_n(&c->foreign_base, __ATOMIC_RELAXED);
	mr[MU_CPUSTAT_FOREIGN] = (int32_t)since > 0 ? since : 0;   /* 0 if the base was set after the count was read */
	mr[MU_CPUSTAT_IPIS] = 0;
	for (unsigned i = 0; i < MUON_MAX_CPUS; i++)
		mr[MU_CPUSTAT_IPIS] += i != id ? c->ipi_rx[i] : 0;
	if (mr[0] & MU_SCHED_INFO_RESET) {
		MU_MARK(MU_MARK_LAT_RESET);   /* insnprof's windows end with the kernel's (tools/latprof.py) */
		c->stat[MU_CPUSTAT_IRQOFF_MAX] = c->stat[MU_CPUSTAT_LOCK_MAX] = 0;
	}
	return MU_OK;
}

/* Rights and message sizes are checked already (muon/ops.h). */
int sched_invoke(struct thread *t, uint32_t tag)
{
	uint32_t *mr = t->utcb->mr;
	switch (MU_TAG_LABEL(tag)) {
	case MU_SCHED_INFO:
		if (MU_TAG_WORDS(tag) && cpu_stats(mr) != MU_OK)
			return MU_EINVAL;
		mr[0] = ncpus_present;
		mr[1] = MU_CPUSET(0, 0);
		mr[2] = online_mask();
		return MU_OK;
	case MU_SCHED_RUN_THREAD:
		return run_thread(t, mr);
	case MU_SCHED_IDLE_TIME: {
		if (mr[0] >= ncpus_present)
			return MU_EINVAL;
		/* Count the sleep in progress too: both fields and the clock from one moment (idle_seq). */
		struct cpu *c = &cpus[mr[0]];
		uint64_t idle, since, now;
		uint32_t seq;
		do {
			seq = __atomic_load_n(&c->idle_seq, __ATOMIC_ACQUIRE);
			idle = c->idle_ns;
			since = __atomic_load_n(&c->idle_since, __ATOMIC_RELAXED);
			now = since ? bsp_clock_ns() : 0;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
		} while ((seq & 1) || seq != __atomic_load_n(&c->idle_seq, __ATOMIC_RELAXED));
		if (since)
			idle += now - since;
		mr[0] = (uint32_t)idle;
		mr[1] = (uint32_t)(idle >> 32);
		return MU_OK;
	}
	case MU_SCHED_CPU_POWER:
		return mr[1] > 1 ? MU_EINVAL : cpu_power(mr[0], mr[1]);
	case MU_SCHED_CPU_OWNER: {
		if (mr[0] >= ncpus_present || mr[1] > 255)
			return MU_EINVAL;
		/*
		 * Any CPU writes these, one word each. The count only its own CPU
		 * writes: it starts afresh from a base, not from a store of 0
		 * that an increment under way there could undo.
		 */
		struct cpu *c = &cpus[mr[0]];
		c->stat[MU_CPUSTAT_OWNER] = mr[1];
		__atomic_store_n(&c->foreign_base, __atomic_load_n(&c->stat[MU_CPUSTAT_FOREIGN], __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
		return MU_OK;
	}
	default:
		return MU_ENOSYS;
	}
}
