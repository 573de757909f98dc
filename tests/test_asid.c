/*
 * The ASID allocator (kernel/asid.c) on the host, with a model of each CPU's
 * TLB: four CPUs switch among more tasks than there are ASIDs, tasks unmap
 * pages and die, and every step checks that a CPU never runs a task under a
 * tag its TLB holds entries of another task (or stale ones of the same task)
 * for. The kernel's headers are replaced by the few declarations asid.c uses.
 */
#define KERNEL_H
#define TASK_H
#define CPU_H
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

#define MUON_MAX_CPUS 4
typedef struct { int held; } spinlock_t;
struct task { uint64_t asid_ctx; int id; };
struct cpu { unsigned id; uint64_t asid_gen; uint32_t asid_active; };
static struct cpu cpus[MUON_MAX_CPUS];
static unsigned ncpus_present = MUON_MAX_CPUS;
static void spin_lock(spinlock_t *l) { l->held++; }
static void spin_unlock(spinlock_t *l) { l->held--; }
static void arch_dmb(void) {}
static void arch_dsb(void) {}
static uint64_t arch_load64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static void arch_tlb_flush_page(unsigned long va_asid);
static void tlb_shootdown(unsigned asid);
#include "../kernel/asid.h"
#include "../kernel/asid.c"

/* The TLB model: per CPU and tag, the task whose entries it holds and their version (-1: none). */
enum { NTASKS = 400, STEPS = 400000 };
static int tlb_owner[MUON_MAX_CPUS][256], tlb_ver[MUON_MAX_CPUS][256];
static int hw_tag[MUON_MAX_CPUS];            /* the tag each CPU runs, 0: none */
static struct task *running[MUON_MAX_CPUS];  /* whose table TTBR0 holds (c->space) */
static struct task tasks[NTASKS];
static int version[NTASKS];                  /* bumped by every unmap */
static unsigned flushes;

static void flush_tag_everywhere(unsigned tag)
{
	for (unsigned c = 0; c < MUON_MAX_CPUS; c++)
		tlb_owner[c][tag] = -1;
}
static void arch_tlb_flush_page(unsigned long va_asid) { flush_tag_everywhere(va_asid & 0xff); }
static void tlb_shootdown(unsigned asid) { flush_tag_everywhere(asid); }

static void tlb_init(void)
{
	memset(tlb_owner, 0xff, sizeof(tlb_owner));
	memset(hw_tag, 0, sizeof(hw_tag));
	memset(running, 0, sizeof(running));
}

/* CPU c runs t under hw_tag[c]: its TLB must hold nothing else there; then it fills. */
static int touch(unsigned c, struct task *t)
{
	int tag = hw_tag[c];
	if (tlb_owner[c][tag] >= 0 && (tlb_owner[c][tag] != t->id || tlb_ver[c][tag] != version[t->id]))
		return -1;
	tlb_owner[c][tag] = t->id;
	tlb_ver[c][tag] = version[t->id];
	return 0;
}

static int switch_to(unsigned c, struct task *t)
{
	if (running[c] == t)
		return touch(c, t);
	unsigned got = asid_switch(&cpus[c], t), tag = ASID_TAG(got);
	bool flush = got & ASID_FLUSH;
	if (tag == 0 || (got & ~(ASID_FLUSH | (ASID_COUNT - 1))))
		return -2;
	if (flush) {
		for (unsigned a = 0; a < 256; a++)
			tlb_owner[c][a] = -1;
		flushes++;
	}
	hw_tag[c] = (int)tag;
	running[c] = t;
	return touch(c, t);
}

/* No two CPUs run different tasks under one tag unless one of them has flushed since (it cannot have). */
static int unique_running(void)
{
	for (unsigned a = 0; a < MUON_MAX_CPUS; a++)
		for (unsigned b = a + 1; b < MUON_MAX_CPUS; b++)
			if (running[a] && running[b] && running[a] != running[b] && hw_tag[a] == hw_tag[b])
				return -1;
	/* A task runs under one tag everywhere, and that is what task_asid says (TLB maintenance). */
	for (unsigned a = 0; a < MUON_MAX_CPUS; a++)
		if (running[a] && (unsigned)hw_tag[a] != task_asid(running[a]))
			return -2;
	return 0;
}

static void random_steps(void)
{
	srand(7);
	tlb_init();
	for (unsigned i = 0; i < NTASKS; i++)
		tasks[i] = (struct task){ ASID_NONE, (int)i };
	for (unsigned s = 0; s < STEPS; s++) {
		unsigned c = (unsigned)rand() % MUON_MAX_CPUS;
		/* Mostly a few hot tasks per CPU, sometimes any of them: rollovers with reserved tags. */
		unsigned t = rand() % 4 ? c * 8 + (unsigned)rand() % 8 : (unsigned)rand() % NTASKS;
		int r = rand() % 16;
		if (r == 0) {
			/* t unmaps a page: mmu_clear_page, then task_flush_page. */
			version[t]++;
			task_flush_page(&tasks[t], 0x10000);
		} else if (r == 1 && !(running[0] == &tasks[t] || running[1] == &tasks[t] ||
				       running[2] == &tasks[t] || running[3] == &tasks[t])) {
			/* t dies and its memory becomes a new task (task_destroy's leave_fn flush, task_create). */
			flush_tag_everywhere(task_asid(&tasks[t]));
			version[t]++;
			tasks[t].asid_ctx = ASID_NONE;
		} else {
			int e = switch_to(c, &tasks[t]);
			CHECK_MSG(e == 0, "step %u: cpu %u runs task %u under tag %d: %s", s, c, t, hw_tag[c],
				  e == -1 ? "another task's (or stale) TLB entries there" : "bad tag");
		}
		for (unsigned k = 0; k < MUON_MAX_CPUS; k++)
			if (running[k])
				CHECK_MSG(touch(k, running[k]) == 0, "step %u: cpu %u running task %d hits a stale entry", s,
					  k, running[k]->id);
		int u = unique_running();
		CHECK_MSG(u == 0, "step %u: %s", s, u == -1 ? "two tasks share a tag" : "a task's tag is not what it runs under");
	}
	CHECK_MSG(flushes > 4, "only %u flushes: no rollover happened", flushes);
}

/* A CPU that keeps running one task over many rollovers keeps its tag, and the task keeps it elsewhere too. */
static void reserved_survives(void)
{
	static struct task keep = { ASID_NONE, 0 }, many[2000];
	unsigned tag = ASID_TAG(asid_switch(&cpus[0], &keep));
	for (unsigned i = 0; i < 2000; i++) {   /* about eight rollovers on the other CPUs */
		many[i] = (struct task){ ASID_NONE, 1 };
		CHECK(ASID_TAG(asid_switch(&cpus[1 + i % 3], &many[i])) != tag);
	}
	CHECK_MSG(ASID_TAG(asid_switch(&cpus[2], &keep)) == tag, "the running task lost its tag");
	CHECK(task_asid(&keep) == tag);
}

int main(void)
{
	RUN(random_steps);
	RUN(reserved_survives);
	return check_summary();
}
