/*
 * The scheduler's interface (sched/), the only sched/ header kernel/ includes:
 * the ready-queue types a thread and a CPU embed (rq.h) and what the kernel
 * calls. Everything here runs on the current CPU; a thread that lives on
 * another CPU is reached through a cross-CPU request (docs/smp.md).
 */
#ifndef SCHED_H
#define SCHED_H

#include <stdint.h>
#include "sched/rq.h"

#define DEFAULT_QUANTUM_NS 10000000u

struct thread;
struct kobj;
struct cpu;

void sched_ready(struct thread *t);
void sched_block(struct thread *t, uint8_t state);
void sched_timer(void);
void sched_cpu_init(struct cpu *c, uint64_t now);   /* a CPU comes on at now: nothing queued, a slice begins */
void sched_move(struct thread *t, unsigned cpu, uint8_t prio, uint32_t quantum_ns);
int sched_invoke(struct thread *t, uint32_t tag);
extern struct kobj *const sched_kobj;
void sched_timer_update(void);
void sched_count(struct thread *t, int d);   /* cpus[].nthreads around a change of cpu or migrate_to */
__attribute__((noreturn)) void schedule(void);

#endif
