/*
 * The kernel Scheduler object: mechanism only. It tells which CPUs there are
 * and how idle they have been, and places a thread on a CPU of a given set
 * with a priority and quantum. All policy is a user-level server's.
 */
#include "kernel.h"
#include "thread.h"
#include "cpu.h"
#include "bsp.h"

static struct kobj sched_obj = { OBJ_SCHED, 1 };
struct kobj *const sched_kobj = &sched_obj;
static const struct cap_errs errs = { MU_ECAP, MU_ETYPE, MU_EPERM };

bool cpuset_has(uint32_t desc, uint32_t map, unsigned cpu)
{
	uint32_t offset = desc & 0xffffffu, gran = desc >> 24;
	if (gran > 31 || cpu < offset)
		return false;
	uint32_t idx = (cpu - offset) >> gran;
	return idx < 32 && (map >> idx) & 1;
}

static bool usable(uint32_t desc, uint32_t map, unsigned cpu)
{
	return cpu < ncpus_present && cpus[cpu].online && cpuset_has(desc, map, cpu);
}

/* The thread's own CPU if in the set, else the caller's, else the first online one. */
int cpuset_pick(uint32_t desc, uint32_t map, unsigned own, unsigned caller)
{
	if (usable(desc, map, own))
		return (int)own;
	if (usable(desc, map, caller))
		return (int)caller;
	for (unsigned i = 0; i < ncpus_present; i++)
		if (usable(desc, map, i))
			return (int)i;
	return -1;
}

static int run_thread(struct thread *t, uint32_t *mr)
{
	int err;
	struct cap *c = cap_lookup(&t->task->caps, mr[0], OBJ_THREAD, MU_W, &errs, &err);
	if (!c)
		return err;
	struct thread *th = container_of(c->obj, struct thread, hdr);
	if (mr[1] > 255 || mr[4] > 10000000u)
		return MU_EINVAL;
	int cpu = cpuset_pick(mr[2], mr[3], th->cpu, this_cpu()->id);
	if (cpu < 0)
		return MU_EINVAL;
	sched_move(th, (unsigned)cpu, (uint8_t)mr[1], mr[4] ? mr[4] * 1000u : DEFAULT_QUANTUM_NS);
	mr[0] = (uint32_t)cpu;
	return MU_OK;
}

int sched_invoke(struct thread *t, uint32_t tag)
{
	uint32_t *mr = t->utcb->mr;
	switch (MU_TAG_LABEL(tag)) {
	case MU_SCHED_INFO: {
		uint32_t online = 0;
		for (unsigned i = 0; i < ncpus_present; i++)
			online |= (uint32_t)cpus[i].online << i;
		mr[0] = ncpus_present;
		mr[1] = MU_CPUSET(0, 0);
		mr[2] = online;
		return MU_OK;
	}
	case MU_SCHED_RUN_THREAD:
		return MU_TAG_WORDS(tag) < 5 ? MU_EMSG : run_thread(t, mr);
	case MU_SCHED_IDLE_TIME: {
		if (mr[0] >= ncpus_present || !cpus[mr[0]].online)
			return MU_EINVAL;
		/* Count the sleep in progress too; re-read until both fields are from one moment. */
		struct cpu *c = &cpus[mr[0]];
		uint64_t idle, since;
		do {
			idle = c->idle_ns;
			since = __atomic_load_n(&c->idle_since, __ATOMIC_ACQUIRE);
		} while (idle != c->idle_ns);
		if (since)
			idle += bsp_clock_ns() - since;
		mr[0] = (uint32_t)idle;
		mr[1] = (uint32_t)(idle >> 32);
		return MU_OK;
	}
	default:
		return MU_ENOSYS;
	}
}
