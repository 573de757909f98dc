/*
 * The load balancer's planner: a pure function from a snapshot of the
 * threads and CPU loads to a list of moves. Rules and their order are in
 * docs/balancer.md; the policies come from policy_parse() (policy.h).
 *
 * No allocation, no globals, no recursion, no libc: the same file is built
 * freestanding into the balancer and for the host tests and the simulator
 * (tools/lbsim.c).
 */
#ifndef MUON_PLAN_H
#define MUON_PLAN_H

#include "policy.h"

#include <stdint.h>

#define LB_MAX_THREADS 128
#define LB_NONE 0xffffffffu /* lb_thread.cpu of a thread not yet placed */

/* Why a thread is placed or moved: every move carries one. */
enum lb_reason {
	LB_PLACE,             /* a new thread's first CPU */
	LB_PINNED,            /* evicted from a CPU another client reserves */
	LB_APART,             /* an apart group (or client) shared a CPU or left its set */
	LB_TOGETHER,          /* a together group was split or left its set */
	LB_VM,                /* a VM's vCPUs, placed or rebalanced as a unit */
	LB_BALANCE,           /* busiest to idlest CPU past the hysteresis */
	LB_POWER_CONSOLIDATE, /* powersave below `low`: packed onto fewer CPUs */
	LB_POWER_SPREAD,      /* powersave above `high`: spread again */
	LB_REASONS
};

struct lb_thread {
	unsigned id;          /* the caller's name for it, copied into moves */
	unsigned client;      /* index in policy.clients[] */
	int group;            /* index in policy.groups[], or -1: none */
	unsigned cpu;         /* current CPU, or LB_NONE if new */
	unsigned load;        /* per-mille of one CPU over the last period */
	uint64_t moved_at_ms; /* last placement or move (arrival for a new one) */
};

struct lb_snapshot {
	uint64_t now_ms;
	unsigned n_cpus;      /* 1..POLICY_MAX_CPUS */
	uint32_t online;      /* CPUs that may run threads */
	unsigned n_threads;   /* 0..LB_MAX_THREADS */
	struct lb_thread threads[LB_MAX_THREADS];
	unsigned cpu_busy[POLICY_MAX_CPUS]; /* per-mille, from idle time */
};

struct lb_move {
	unsigned thread_id;
	unsigned from, to;    /* from is LB_NONE for a placement */
	unsigned reason;      /* enum lb_reason */
};

struct lb_plan_out {
	unsigned n;           /* each thread moves at most once per call */
	struct lb_move moves[LB_MAX_THREADS];
	uint32_t cpus_used;   /* CPUs holding a thread once the moves are made */
};

/*
 * Plans the moves that bring the threads of *s in line with *p. A thread
 * whose client index is out of range is left where it is (its load still
 * counts); a group index out of range or naming another client's group is
 * read as -1. Loads above 1000 are read as 1000. The caller makes the moves and sets
 * moved_at_ms of the moved threads to now_ms for the next call.
 */
void lb_plan(const struct policy *p, const struct lb_snapshot *s,
	     struct lb_plan_out *out);

/* "place", "pinned", ... for traces; "?" for an invalid reason. */
const char *lb_reason_name(unsigned reason);

#endif /* MUON_PLAN_H */
