/*
 * Kernel objects: tasks, threads, IPC gates, factories. Every object starts
 * with a struct kobj and lives in memory charged to the factory that made it.
 */
#ifndef THREAD_H
#define THREAD_H

#include "kernel.h"
#include "rq.h"
#include "abi.h"
#include "cap.h"
#include "cpu.h"

#define UTCB_VA   0x7fff0000u
#define STACK_TOP 0x7ff00000u
#define STACK_PAGES 4
#define DEFAULT_QUANTUM_NS 10000000u

/* The user ABI's numbers: the operations table (muon/ops.h) names objects by them. */
enum obj_type { OBJ_NONE, OBJ_TASK = MU_OBJ_TASK, OBJ_THREAD = MU_OBJ_THREAD, OBJ_GATE = MU_OBJ_GATE, OBJ_IRQ = MU_OBJ_IRQ,
		OBJ_FACTORY = MU_OBJ_FACTORY, OBJ_CONSOLE = MU_OBJ_CONSOLE, OBJ_SCHED = MU_OBJ_SCHED };

enum thread_state {
	TS_STOPPED,    /* created, not started */
	TS_READY,      /* running (its CPU's current, not queued) or in its CPU's ready queue */
	TS_SEND,       /* queued at a receiver, waiting for it to receive */
	TS_RECV,       /* open wait */
	TS_REPLY,      /* called, waiting for the reply */
	TS_DEAD,
};

struct factory {
	struct kobj hdr;
	struct factory *parent;
	uint32_t quota, used;         /* bytes; guarded by quota_lock (factory.c) */
};

struct task {
	struct kobj hdr;
	struct factory *factory;      /* pays for the task, its tables and threads */
	uint32_t *l1;                 /* user page table (kernel VA) */
	uint32_t l1_pa;               /* its physical address, for TTBR0 */
	void *shadow_dir;             /* map.c: one page of pointers to mapping shadows */
	uint64_t asid_ctx;            /* asid.c: ASID generation << 8 | tag, ASID_NONE before its first run */
	struct thread *threads;       /* under obj_lock: its threads, linked through task_next */
	const char *name;
	struct cap_table caps;
	struct cap slots[MU_CAP_SLOTS];   /* written under obj_lock, read lock-free by IPC (cap_read) */
	struct task *next_dead;       /* under obj_lock: on the list of tasks waiting to be destroyed */
};

struct gate;

#include "asid.h"

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
			bool wake_pending;    /* atomic: wake_drq is posted */
			bool has_fault;       /* fault_kind != 0 */
			bool has_timeout;     /* timeout != 0 */
			bool has_move;        /* migrate_to >= 0 */
		};
		uint32_t slow_only;   /* any byte set: the IPC fast path leaves the thread to the slow one */
	};
	uint32_t kref;                /* under obj_lock: gates and IRQs bound to it (hdr.refs counts capabilities) */
	unsigned cpu;                 /* the CPU it lives on; only run_thread changes it */
	uint8_t state;                /* enum thread_state */
	uint32_t id;                  /* unique for the kernel's lifetime: THREAD_INFO, traces */
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
	unsigned ipc_cpu;             /* the CPU that owns its IPC state: its own, or its receiver's while sending there */
	struct drq ipc_drq;           /* its one outstanding cross-CPU IPC request */
	uint32_t rpl_tag;             /* the reply's tag, written by the replier's CPU */
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
};

/*
 * A gate's or IRQ's binding, thread and label, is one 64-bit word: written
 * whole under obj_lock (binding_set), read whole and lock-free (binding_get)
 * with one single-copy-atomic load (LDREXD, arch_load64), so a sender or
 * a notification never pairs one binding's thread with another's label.
 */
#define BINDING struct { struct thread *bound; uint32_t label; }

static inline void binding_set(uint64_t *w, struct thread *th, uint32_t label)
{
	union { BINDING; uint64_t binding; } b = { { th, label } };
	__atomic_store_n(w, b.binding, __ATOMIC_RELEASE);
}

static inline struct thread *binding_get(const uint64_t *w, uint32_t *label)
{
	union { BINDING; uint64_t binding; } b;
	b.binding = arch_load64(w);
	*label = b.label;
	return b.bound;
}

struct irq {
	struct kobj hdr;
	struct factory *factory;
	unsigned irq;                 /* GIC interrupt ID (a shared peripheral interrupt) */
	union {
		BINDING;                  /* under obj_lock: the thread (kref) and label, or NULL */
		uint64_t binding;
	};
	bool pending;                 /* owned by bound's CPU: fired while the thread was not waiting */
	struct irq *next_pending;     /* owned by bound's CPU: in bound->irq_pending */
	uint32_t pending_label;       /* owned by bound's CPU: the label of the binding it fired for */
	struct drq drq;               /* the notification, to the bound thread's CPU */
	/* MU_IRQ_TIMER only: */
	uint32_t period_ns;
	int cpu;                      /* the CPU it paces (it first unmasked there), or -1 */
	bool masked;                  /* fired and not yet unmasked */
	uint32_t missed, report;      /* owned by its CPU: periods that found it masked; in the last notification */
	uint32_t slept;               /* owned by its CPU: of report + 1, those that fell due while the CPU slept (irq_pace) */
};

struct gate {
	struct kobj hdr;
	struct factory *factory;
	union {
		BINDING;                  /* bound: the receiver (kref), or NULL */
		uint64_t binding;
	};
};

static inline void gate_set(struct gate *g, struct thread *th, uint32_t label) { binding_set(&g->binding, th, label); }
static inline struct thread *gate_peer(const struct gate *g, uint32_t *label) { return binding_get(&g->binding, label); }

/* Kernel memory, charged to a factory. */
void *kmem_alloc(struct factory *f, unsigned pages);
void kmem_free(struct factory *f, void *p, unsigned pages);
bool kmem_charge(struct factory *f, uint32_t bytes);
void kmem_refund(struct factory *f, uint32_t bytes);
void kmem_free_deferred(struct factory *f, void *page);   /* quota back now, the page after a grace period */
void *slab_alloc(struct factory *f);       /* a zeroed 32-byte object */
void slab_free(struct factory *f, void *p);
extern struct factory root_factory;
struct factory *factory_create(struct factory *parent, uint32_t quota);
void factory_get(struct factory *f);
void factory_put(struct factory *f);   /* an object it paid for is gone */
void factory_destroy(struct factory *f);

/* A new object's header, and the factory that paid for it (kept alive while the object lives). */
static inline void obj_init(struct kobj *h, uint8_t type, struct factory **owner, struct factory *f)
{
	h->type = type;
	*owner = f;
	factory_get(f);
}

struct task *task_create(struct factory *f, const char *name);
struct thread *thread_create(struct factory *f, struct task *t, uint32_t utcb_va);
void thread_start(struct thread *th, uintptr_t pc, uintptr_t sp, uint32_t arg, uint8_t prio);
void thread_kill(struct thread *t, int status, const char *why);
struct gate *gate_create(struct factory *f);
void obj_release(struct kobj *o, void *ctx);
void obj_reap(void);   /* destroys the tasks released by the last capability operation */
struct irq *irq_create(struct factory *f, unsigned irq, uint32_t period_us, int *err);
void irq_signal(unsigned id);   /* console_irq: input for the MU_IRQ_CONSOLE object's thread */
int irq_unmask(struct irq *q);
void irq_pace(uint64_t now);                /* the timer fired: this CPU's MU_IRQ_TIMER object, if due */
void irq_free(struct irq *q);
void irq_bind(struct irq *q, struct thread *th, uint32_t label);
bool irq_fire(unsigned id);                  /* from irq_dispatch: true if an IRQ object took it */
bool irq_deliver_pending(struct thread *t);  /* at receive: one pending notification delivered */
int elf_load(struct task *t, const void *image, uint32_t size, uintptr_t *entry);
int map_fresh_pages(struct task *t, uintptr_t va, unsigned n, unsigned prot);  /* 0 or -1 */
void thread_put(struct thread *th);   /* drop a reference held by a gate or IRQ */

/*
 * IPC. IPC_BLOCKED: the caller waits; its result registers are set on
 * wake-up. IPC_NEED_LOCK: the operation moves items and the caller does not
 * hold the object lock: nothing was done; take the lock and call again.
 */
#define IPC_BLOCKED (-1)
#define IPC_NEED_LOCK (-2)
#define IPC_SENT (-3)   /* ipc.c only: delivered, the sender's side finished */
int ipc_invoke_gate(struct thread *t, struct gate *g, uint32_t tag, uint32_t flags, uint32_t timeout);
int ipc_receive(struct thread *t, struct gate *from, uint32_t timeout);
int ipc_reply(struct thread *t, uint32_t tag);
void ipc_cancel(struct thread *t, uint8_t was);
void ipc_timeouts(uint64_t now);
void ipc_timeout_remove(struct thread *t);
/* Faults become calls to the pager or exception handler (fault.c). */
void fault_raise(struct thread *t, unsigned kind);
void fault_reply(struct thread *t, uint32_t tag, unsigned items_done);   /* reply registers in t->fault_mr */
void fault_unresolved(struct thread *t, const char *why);

void boot_user(void);
bool sigma0_fault(struct thread *t, uint32_t addr);

/* Scheduling on the current CPU. */
void sched_ready(struct thread *t);
void sched_block(struct thread *t, uint8_t state);
void sched_timer(void);
void sched_move(struct thread *t, unsigned cpu, uint8_t prio, uint32_t quantum_ns);
int sched_invoke(struct thread *t, uint32_t tag);
extern struct kobj *const sched_kobj;
void sched_timer_update(void);
void sched_count(struct thread *t, int d);   /* cpus[].nthreads around a change of cpu or migrate_to */
__attribute__((noreturn)) void schedule(void);
/* The IPC fast path (fastpath.c), from svc_entry: returns (t) only if it does not apply; then trap() runs. */
struct thread *ipc_fast(struct thread *t, struct cpu *c);
void irq_dispatch(void);
int syscall(struct thread *t);

#endif
