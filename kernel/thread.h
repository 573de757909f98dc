/*
 * Threads (task.c): an execution context in a task, scheduled on one CPU
 * (sched/), with its IPC state (ipc.h) and the fault message it may owe.
 */
#ifndef THREAD_H
#define THREAD_H

#include "kernel/kernel.h"
#include "sched/sched.h"
#include "muon/abi.h"
#include "kernel/cap.h"
#include "kernel/cpu.h"

enum thread_state {
	TS_STOPPED,    /* created, not started */
	TS_READY,      /* running (its CPU's current, not queued) or in its CPU's ready queue */
	TS_SEND,       /* queued at a receiver, waiting for it to receive */
	TS_RECV,       /* open wait */
	TS_REPLY,      /* called, waiting for the reply */
	TS_DEAD,
};

struct factory;
struct task;
struct gate;
struct irq;

struct thread {
	struct arch_regs regs;        /* first: the exception entry saves here */
	struct kobj hdr;
	struct rq_link link;          /* in its CPU's ready queue */
	struct task *task;            /* NULL once the task is destroyed */
	struct thread *task_next;
	struct factory *factory;
	struct mu_utcb *utcb;         /* kernel view of the UTCB page */
	uint32_t utcb_va;
	uint32_t tls;                 /* user TLS pointer, TPIDRURO while it runs */
	uint32_t quantum_ns;          /* round-robin slice; owned by its CPU */
	uint64_t quantum_end;         /* owned by its CPU: consumed_ns at which its quantum is spent */
	uint64_t consumed_ns;         /* owned by its CPU: time it ran */
	int migrate_to;               /* owned by its CPU: move there when next ready, or -1 */
	bool placed;                  /* under obj_lock: a Scheduler gave it its CPU and priority */
	struct drq wake_drq;          /* a request to make it ready on its CPU */
	union {                       /* one byte each, every byte written as its field (fastpath.c reads the word) */
		struct {
			bool wake_pending;    /* wake_drq is posted. Ordering: sched_ready sets it with an acq_rel
						 exchange; wake_fn clears it with release before it makes the thread ready */
			bool has_fault;       /* fault_kind != 0 */
			bool has_timeout;     /* timeout != 0 */
			bool has_move;        /* migrate_to >= 0 */
		};
		uint32_t slow_only;   /* any byte set: the IPC fast path leaves the thread to the slow one.
					 Ordering: read relaxed as one word (fastpath.c, needs_slow): each byte
					 keeps its field's rule, and a byte is never torn */
	};
	uint32_t kref;                /* under obj_lock: gates and IRQs bound to it (hdr.refs counts capabilities) */
	unsigned cpu;                 /* the CPU it lives on; only run_thread changes it. Ordering: a move
				 * (sched.c, migrate) stores it last, with release, after the old CPU let go */
	uint8_t state;                /* enum thread_state; owned by its CPU, except the remote finish_send's
				 * TS_SEND -> TS_REPLY. Ordering: that change is a relaxed CAS (so it never
				 * overwrites TS_DEAD, stored relaxed by thread_kill on its CPU), published
				 * by the release store of ipc_cpu after it */
	uint32_t id;                  /* unique for the kernel's lifetime: THREAD_INFO, traces.
				 * Ordering: a relaxed fetch-add of next_id (task.c): unique, nothing more */
	uint32_t fast_ipc;            /* owned by its CPU: its system calls the IPC fast path took (THREAD_INFO mr[6]) */
	/* IPC, all owned by the thread's CPU: */
	struct thread *rcv_head;      /* senders queued at this thread, FIFO */
	struct irq *irq_pending;      /* interrupts to deliver at the next receive */
	struct thread *snd_next;      /* link in the receiver's sender queue */
	struct thread *snd_to;        /* TS_SEND: the receiver whose queue we are in */
	uint32_t snd_label;           /* TS_SEND: label of the gate we sent through */
	struct gate *snd_gate;        /* TS_SEND: that gate (compared, never followed) */
	struct gate *rcv_from;        /* TS_RECV: closed wait on this gate, or NULL: open */
	uint32_t snd_flags;           /* TS_SEND: MU_RECV if it is a call */
	uint32_t snd_tag;             /* TS_SEND: the message tag */
	uint32_t snd_timeout;         /* TS_SEND: its timeout as given */
	unsigned ipc_cpu;             /* the CPU that owns its IPC state: its own, or its receiver's while sending there.
				 * Ordering: a remote finish_send stores it with release after state and replier;
				 * ipc_cancel and cancel_fn read it with acquire */
	struct drq ipc_drq;           /* its one outstanding cross-CPU IPC request */
	uint32_t rpl_tag;             /* the reply's tag, written by the replier's CPU. Ordering: before the
				 * reply's request to the caller's CPU, whose drq_lock publishes it */
	struct thread *reply_to;      /* implicit reply capability: the caller we owe a reply */
	struct thread *replier;       /* TS_REPLY: who owes us the reply */
	uint64_t timeout;             /* absolute ns, 0: none */
	struct thread *to_next;       /* link in the CPU's timeout list */
	uint32_t pager, exc_handler;  /* cap indexes in its task; 0: none */
	uint32_t entry;               /* boot tasks: where the module starts */
	int fault_kind;               /* the trap kind while a fault message is outstanding, else 0 */
	uint32_t fault_addr;
	uint32_t fault_label;         /* MU_LABEL_PAGEFAULT or MU_LABEL_EXCEPTION */
	uint32_t fault_mr[18];        /* the fault message the kernel sends on the thread's behalf */
	uint8_t part;                 /* set once: its factory's partition (MU_CPUSTAT_FOREIGN) */
	uint32_t cont, cont_key, cont_fast; /* its own system calls': a restarted one's progress, which call, and
				       * fast_ipc then (syscall.c) */
};

/* arch/arm/entry.S saves a user thread's registers at the thread, and ipc_fast takes the one for the other. */
_Static_assert(offsetof(struct thread, regs) == 0, "entry.S: a thread starts with its registers");

struct thread *thread_create(struct factory *f, struct task *t, uint32_t utcb_va);
void thread_start(struct thread *th, uintptr_t pc, uintptr_t sp, uint32_t arg, uint8_t prio);
void thread_kill(struct thread *t, int status, const char *why);
void thread_put(struct thread *th);   /* drop a reference held by a gate or IRQ */

#endif
