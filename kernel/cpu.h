/* Per-CPU kernel state, reached through this_cpu() (TPIDRPRW). */
#ifndef CPU_H
#define CPU_H

#include "kernel/kernel.h"
#include "sched/sched.h"
#include "arch/arm/gic.h"
#include "muon/abi.h"
#include MUON_BSP_CLOCK_H

enum { SGI_DRQ = SGI_RESCHED };

struct thread;
struct trace_ring;

/*
 * A cross-CPU request: work on another CPU's state is done by that CPU.
 * The sender fills in fn and arguments and posts it; the target runs fn in
 * its next kernel entry (an SGI brings it there). A synchronous sender
 * waits for `done`, running synchronous requests to it meanwhile so that two
 * CPUs asking each other cannot deadlock. Asynchronous requests run only at
 * the top of a CPU's kernel entry, never inside a wait (drq.c). Handlers
 * never take obj_lock, except an IPC send with items, which runs at the top.
 */
struct drq {
	struct drq *next;               /* guarded by the target's drq_lock while queued */
	void (*fn)(struct drq *);       /* fn, sync and the arguments: written by the sender before drq_post;
					 * Ordering: the target's drq_lock (release by the poster, acquire
					 * by drq_run) makes them visible to the handler */
	volatile uint32_t done;       /* Ordering: drq_finish stores 1 with release after the handler's
				 * writes; drq_call waits for it with acquire */
	bool sync;      /* set by drq_call: it may run inside a wait (drq.c); drq_post keeps the caller's value */
	void *arg;
	uint32_t a, b, c, d;
};

struct cpu {
	uintptr_t kstack_top;             /* first: entry.S loads it; set at boot */
	unsigned id;                      /* set at boot */
	struct thread *current;           /* owned by this CPU */
	struct task *space;               /* owned by this CPU: whose table TTBR0 holds, NULL: none */
	/* What every IPC fast-path switch reads (kernel/fastpath.c): near the start, in reach of LDRD. */
	uint64_t slice_start;             /* owned by this CPU: when current's time began (sched_slice_begin) */
	uint32_t slice_raw;               /* owned by this CPU: the clock's counter word read at or after slice_start */
	bool tick;                        /* owned by this CPU: the timer fired, an equal arrived, or the timer must be set again, since the last decision */
	void *deferred;                   /* owned by this CPU: memory to free after a grace period */
	struct drq *drq_head, *drq_tail;  /* guarded by drq_lock. Ordering: drq_run's first look at drq_head
					   * is lock-free with acquire, the queue then read under the lock; the
					   * relaxed looks (trap.c, fastpath.c) only choose the way out, and a
					   * request they miss is brought in by its SGI */
	struct trace_ring *trace;         /* set at boot: this CPU's trace buffer (trace.h) */
	uint64_t asid_gen;                /* asid.c: ASID generation it flushed for (<< ASID_BITS), 0 after a rollover.
					   * Ordering: relaxed stores and single-copy loads (arch_load64), ordered
					   * against asid_active by the DMB pair of asid_switch and rollover (asid.c) */
	uint32_t asid_active;             /* asid.c: written by this CPU only: the ASID it runs or is about to.
					   * Ordering: as asid_gen (rollover reads it relaxed after its DMB) */
	struct rq rq;                     /* owned by this CPU: nobody else touches it */
	uint64_t idle_ns;                 /* written by this CPU only, inside idle_seq */
	uint64_t idle_since;              /* written by this CPU only: when its current sleep began, 0: awake.
					   * Ordering: stored with release (schedule, cpu_off); MU_SCHED_IDLE_TIME
					   * reads it relaxed inside idle_seq */
	uint32_t idle_seq;                /* written by this CPU only: odd while a sleep moves from idle_since into idle_ns.
					   * Ordering: a seqcount (cpu_idle_end; read by MU_SCHED_IDLE_TIME, which
					   * reads the clock inside it), so idle time never runs backwards */
	uint64_t woke_from;               /* owned by this CPU: while it serves the interrupts that woke it, when that sleep began; else 0 */
	struct thread *slept_after;       /* owned by this CPU: with woke_from, the thread that blocked into that sleep, or NULL */
	struct thread *timeouts;          /* owned by this CPU: waiting threads, earliest first */
	volatile uint32_t timer_irqs;     /* written by this CPU only. Ordering: none (a count the boot
					   * tests poll from CPU0; volatile: one load each time) */
	uint32_t ipi_pending[SGI_COUNT];  /* atomic: per SGI, a bit per sending CPU. Ordering: smp_send ORs
					   * with release before the SGI; the receiver exchanges it with acquire */
	volatile uint32_t ipi_rx[MUON_MAX_CPUS]; /* written by this CPU only: SGIs seen per sender.
					   * Ordering: none (the boot tests poll it, as timer_irqs) */
	volatile uint64_t ping_ns;        /* written by this CPU only: when it last took SGI_PING.
					   * Ordering: none (the boot tests poll it; a torn read only makes a
					   * latency sample wrong, never the kernel) */
	volatile bool online;             /* under drq_lock: it takes requests (cpu_start, off_fn).
					   * Ordering: written under drq_lock, where drq_post decides; read
					   * without it (cpus_online, trace, kdb, task) only as a hint */
	bool going_off;                   /* owned by this CPU: power off at the next idle */
	uint32_t nthreads;                /* atomic: live threads on it or on their way to it (sched_count).
					   * Ordering: sched_count adds with release; off_fn reads it with acquire */
	spinlock_t drq_lock;              /* guards drq_head, drq_tail and online */
	uint64_t deadline;                /* owned by this CPU: timer expiry programmed, 0: none */
	uint64_t test_deadline;           /* owned by this CPU: a wake-up the boot tests ask for */
	struct irq *pacer;                /* owned by this CPU: its periodic timer IRQ object (MU_IRQ_TIMER), or NULL */
	uint64_t pacer_next;              /* owned by this CPU: when it fires next */
	struct thread *current_syscall;   /* owned by this CPU: whose system call is running */
	bool obj_busy;                    /* owned by this CPU: it holds the object lock or waits for it */
	bool obj_held;                    /* owned by this CPU: it holds the object lock */
	/* MU_SCHED_INFO's counters (MU_CPUSTAT_*), written by this CPU only unless they say otherwise: */
	uint32_t stat[MU_CPUSTAT_END];    /* the two maxima in ns (MUON_LATENCY); REQUESTS under drq_lock */
	uint32_t foreign_base;            /* any CPU: stat[MU_CPUSTAT_FOREIGN] when the owner was set */
	uint32_t op_start;                /* owned by this CPU: when the running operation took obj_lock (ns, low word) */
	bool preemptible;                 /* owned by this CPU: the operation running can be restarted (syscall.c) */
	uint32_t lat_start, lat_op;       /* MUON_LATENCY: when this interrupts-off stretch began (ns), and why */
	uint32_t lock_start;              /* MUON_LATENCY: when it took obj_lock (ns) */
};

extern struct cpu cpus[MUON_MAX_CPUS];
extern unsigned ncpus_present;        /* CPUs the platform describes; set before release */

static inline struct cpu *this_cpu(void) { return (struct cpu *)arch_cpu_ptr(); }
void cpu_start(unsigned id);   /* a CPU's bring-up, at boot and when powered on again */
void smp_boot(void);            /* CPU0 releases the others */
unsigned cpus_online(void);
int cpu_power(unsigned id, bool on);   /* MU_SCHED_CPU_POWER, under obj_lock */
void cpu_off(struct cpu *c);           /* from the idle loop once off_fn agreed */
/* Send SGI `sgi` to CPU `dst`; the receiver learns the sender from ipi_pending. */
void smp_send(unsigned dst, unsigned sgi);

void drq_post(unsigned cpu, struct drq *r);   /* run r->fn on cpu (at once if it is this one) */
void drq_call(unsigned cpu, struct drq *r);   /* the same, and wait until it ran */
void drq_run(void);                           /* at the top: this CPU's pending requests, all of them */
void drq_wait(void);                          /* inside a wait: the synchronous ones only */
void drq_finish(struct drq *r);               /* a synchronous request's handler is done */
void drq_unqueue(struct drq *r);              /* r, posted to this CPU, is not to run after all */

/*
 * obj_lock guards capability tables, derivation trees, mappings, gate and
 * IRQ bindings: everything shared between CPUs that is not a CPU's own. It
 * is taken with synchronous requests still served, so a CPU waiting for it
 * never blocks a synchronous request of the holder; and so it is taken only
 * at the start of an operation (lock first, then look: docs/smp.md).
 */
static inline bool obj_held(void) { return this_cpu()->obj_held; }
void obj_lock(void);
void obj_unlock(void);
void obj_lock_state(unsigned *next, unsigned *owner);   /* kdb (MUON_KDEBUG only): the ticket lock's words */

uint64_t cpu_idle_end(struct cpu *c);   /* the sleep since idle_since is over: into idle_ns; returns the clock */
/* Free kernel memory once no CPU can still hold a pointer to it. */
void defer_free(void *p);
void defer_flush(void);    /* at the top: a grace period for what was freed, unless one is under way */
/* After unmapping in address space asid: other CPUs' TLBs too (a no-op where hardware broadcasts). */
void tlb_shootdown(unsigned asid);

/*
 * Preemption points (docs/smp.md): a long operation under obj_lock looks
 * at the clock between steps; once it has held the lock PREEMPT_NS it
 * stops there, consistent, and its system call runs again (SYS_RESTART,
 * syscall.c), so interrupts and other CPUs' lock turns come in between.
 * Only inside an operation that can be restarted (preemptible).
 */
#define PREEMPT_NS 4000   /* a slice: three CPUs ahead in the lock queue and one's own stay below 20 us */
static inline uint32_t cpu_now(void)
{
	return (uint32_t)bsp_clock_inline();
}
static inline bool preempt_due(void)
{
	struct cpu *c = this_cpu();
	return c->preemptible && cpu_now() - c->op_start >= PREEMPT_NS;
}

/*
 * Latency (docs/benchmarks.md), in a MUON_LATENCY build only (the bench and
 * stress images): the kernel runs with interrupts off from trap() (or a
 * wake-up from WFI) to its return to user mode or WFI: a stretch, whose
 * longest per CPU is kept with its operation (MU_LAT_OP), as is the longest
 * hold of obj_lock. The IPC fast path is neither measured nor charged: it
 * is straight-line. Elsewhere these are empty and the maxima stay 0.
 */
static inline void stat_max(struct cpu *c, unsigned i, uint32_t v, uint32_t op)
{
	if (v > c->stat[i]) {
		c->stat[i] = v;
		c->stat[i + 1] = op;
	}
}
#if MUON_LATENCY
static inline void lat_begin(struct cpu *c, uint32_t op)
{
	c->lat_start = cpu_now();
	c->lat_op = op;
}
static inline void lat_end(struct cpu *c) { stat_max(c, MU_CPUSTAT_IRQOFF_MAX, cpu_now() - c->lat_start, c->lat_op); }
static inline void lat_set_op(struct cpu *c, uint32_t op) { c->lat_op = op; }
#else
static inline void lat_begin(struct cpu *c, uint32_t op)
{
	(void)c;
	(void)op;
}
static inline void lat_end(struct cpu *c) { (void)c; }
static inline void lat_set_op(struct cpu *c, uint32_t op)
{
	(void)c;
	(void)op;
}
#endif

/* arch/arm/entry.S loads the kernel stack at CPU_KSTACK (0) from the struct cpu in TPIDRPRW. */
_Static_assert(offsetof(struct cpu, kstack_top) == 0, "entry.S: CPU_KSTACK");

#endif
