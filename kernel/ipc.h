/*
 * IPC (ipc.c, and the fast path in fastpath.c). The operations return an int
 * that is either an enum mu_err (MU_OK or an error, all >= 0: the result a
 * thread sees in r0) or an enum ipc_result (all < 0: what the kernel does
 * next). The asserts below keep the two sets of values apart.
 */
#ifndef IPC_H
#define IPC_H

#include "kernel/kernel.h"
#include "kernel/thread.h"

struct gate;
struct cpu;

enum ipc_result {
	IPC_BLOCKED = -1,     /* the caller waits; its result registers are set on wake-up */
	IPC_NEED_LOCK = -2,   /* the operation moves items and the caller does not hold the object
			       * lock: nothing was done; take the lock and call again */
	IPC_SENT = -3,        /* ipc.c only: delivered, the sender's side finished */
};
_Static_assert((enum mu_err)(-1) > 0, "enum mu_err has no negative value (its type is unsigned)");
_Static_assert(IPC_BLOCKED < 0 && IPC_NEED_LOCK < 0 && IPC_SENT < 0,
	       "an enum ipc_result is never an enum mu_err");

int ipc_invoke_gate(struct thread *t, struct gate *g, uint32_t tag, uint32_t flags, uint32_t timeout);
int ipc_receive(struct thread *t, struct gate *from, uint32_t timeout);
int ipc_reply(struct thread *t, uint32_t tag);
void ipc_cancel(struct thread *t, uint8_t was);
void ipc_timeouts(uint64_t now);
void ipc_timeout_remove(struct thread *t);
/* The IPC fast path (fastpath.c), from svc_entry: returns (t) only if it does not apply; then trap() runs. */
struct thread *ipc_fast(struct thread *t, struct cpu *c);

/*
 * What the scheduler (sched/) needs of a thread's IPC state, which it never
 * reads or writes itself: the IPC fields belong to the CPU in ipc_cpu
 * (docs/smp.md, "Ownership"). All three run on the CPU that owns t.
 */
/* Senders wait in t's queue: t's IPC state must stay on this CPU (sched_ready defers a move). */
static inline bool ipc_has_senders(const struct thread *t) { return t->rcv_head; }
/* t moves to CPU cpu (or starts there): its IPC state is owned there from now on. Returns cpu. */
static inline unsigned ipc_move(struct thread *t, unsigned cpu) { return t->ipc_cpu = cpu; }
/* For kcheck: CPU cpu owns t's IPC state. */
static inline bool ipc_owned_by(const struct thread *t, unsigned cpu) { return t->ipc_cpu == cpu; }

#endif
