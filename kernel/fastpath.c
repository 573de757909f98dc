/*
 * The IPC fast path (docs/ipc.md): call and reply-and-wait between two
 * threads of this CPU, taken first thing for a system call (svc_entry),
 * before trap() and the generic decoder. It does what the slow path would
 * do for the common case, and nothing else: copy a few words, hand over the
 * reply right, mark the caller's side first (docs/smp.md, Waits rule 4),
 * and switch straight to the partner (sched_direct, sched/switch.h: no
 * ready queue, no schedule(), no timer).
 *
 * Every precondition is a few loads. If one fails, ipc_fast returns having
 * changed nothing, and the unchanged slow path (syscall(), schedule()) runs,
 * which stays the reference. One exception: a partner on another CPU, where
 * ipc.c's operations themselves run at once, without trap() and the
 * decoder (fast_remote). The preconditions and why each is needed:
 *
 *  - the CPU is quiet: no request queued (drq_head), no tick (the timer
 *    fired, an equal arrived or the timer must be set again), no memory
 *    waiting for a grace period: all of them are schedule()'s and trap()'s
 *    work at the top, which the fast path skips;
 *  - a short message of words only: items need obj_lock (Waits rule 2);
 *  - the partner lives here and its IPC state is at home (no request of
 *    another CPU can be half-way through it), it waits exactly for this
 *    (TS_RECV open or closed on this gate; TS_REPLY, so the caller we owe
 *    the reply, whose replier we are), is not waiting for a fault reply (a
 *    fault reply has its own path), has no timeout (its removal could
 *    change the timer), no move recorded (migrate_to: sched_ready would
 *    move it) and no wake-up in flight (wake_pending: set before its
 *    request reaches drq_head, so the queue check alone can miss it);
 *    those four are one load (needs_slow, below). Some cannot fail today
 *    (a thread in TS_RECV has no fault reply outstanding, one in TS_REPLY
 *    no timeout); they are tested anyway, so that a change elsewhere sends
 *    the fast path to the slow one rather than past a check;
 *  - nobody ready at or above the partner's priority: then the slow path's
 *    schedule() would pick the partner too (FIFO among equals puts a woken
 *    thread behind one already waiting), so the direct switch never
 *    inverts priorities, and the partner needs no quantum timer. The
 *    timer keeps what it has: the nearest timeout is unchanged (neither
 *    thread has one, the blocking side takes none), and a quantum deadline
 *    left from the caller can only fire early, when schedule() sets it again;
 *  - the caller: a reply-and-wait blocks for good (timeout never) with
 *    nothing waiting for it (no queued sender, no pending interrupt); no
 *    fault outstanding, no move recorded, no wake-up in flight for the
 *    caller either (the slow path's sched_ready and trap() act on those).
 */
#include "kernel/kernel.h"
#include "kernel/obj.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "kernel/gate.h"
#include "kernel/ipc.h"
#include "kernel/cpu.h"
#include "sched/switch.h"
#include "kernel/decode.h"

#if MUON_FASTPATH

#define FAST_WORDS 8   /* at most this many message words (copy_words) */

/*
 * Nothing for schedule() or trap() to do first on this CPU (no tick, no
 * request queued, no memory waiting for a grace period), and nobody ready
 * here at or above priority prio. One test when nothing at all is ready.
 */
static inline __attribute__((always_inline)) bool cpu_quiet_below(const struct cpu *c, int prio)
{
	uintptr_t busy = (uintptr_t)c->tick | (uintptr_t)c->deferred |
			 (uintptr_t)__atomic_load_n(&c->drq_head, __ATOMIC_RELAXED);
	if (__builtin_expect(!(busy | c->rq.summary), 1))
		return true;
	return !busy && rq_top_prio(&c->rq) < prio;
}

/*
 * A fault outstanding (fault_kind), a timeout on the list, a move recorded
 * (migrate_to) or a wake-up in flight (wake_pending): one load. Each is a
 * byte of slow_only (thread.h), written where its field is written, by the
 * same CPU under the same rules (fault.c, ipc.c, sched.c; wake_pending is
 * that byte itself), so this load sees what four loads of the fields would:
 * for the caller and a partner whose IPC state is at home here, the first
 * three are written by this CPU only, and wake_pending is read relaxed as
 * before. Single-copy atomicity is per byte under a word load (ARMv6K and
 * later), so a byte written elsewhere at the same time is seen old or new,
 * never torn; GCC's word-sized atomic load on the union is one LDR. A kcheck
 * build compares the bytes with the fields.
 */
static inline __attribute__((always_inline)) uint32_t needs_slow(const struct thread *p)
{
	kcheck(p->has_fault == (p->fault_kind != 0) && p->has_timeout == (p->timeout != 0) &&
	       p->has_move == (p->migrate_to >= 0));
	return __atomic_load_n(&p->slow_only, __ATOMIC_RELAXED);
}

/*
 * p (waiting) may take this CPU from the caller now: see above. Its IPC
 * state is at home: a thread blocks in TS_RECV on its own CPU, and a caller
 * is TS_REPLY with its state home before its replier can run (finish_send).
 */
static inline __attribute__((always_inline)) bool can_switch_to(const struct cpu *c, const struct thread *p)
{
	kcheck(p->cpu == c->id && p->ipc_cpu == c->id);   /* the caller checked cpu first */
	return !needs_slow(p) && cpu_quiet_below(c, p->link.prio);
}

/* At most FAST_WORDS: one jump, then a load and a store a word (a loop costs 4 more for one word). */
static inline __attribute__((always_inline)) void copy_words(struct thread *to, const struct thread *from, unsigned words)
{
	uint32_t *d = to->utcb->mr;
	const uint32_t *s = from->utcb->mr;
	switch (words) {
	case 8: d[7] = s[7]; /* fall through */
	case 7: d[6] = s[6]; /* fall through */
	case 6: d[5] = s[5]; /* fall through */
	case 5: d[4] = s[4]; /* fall through */
	case 4: d[3] = s[3]; /* fall through */
	case 3: d[2] = s[2]; /* fall through */
	case 2: d[1] = s[1]; /* fall through */
	case 1: d[0] = s[0]; /* fall through */
	default: break;
	}
}

/*
 * The partner lives on another CPU: a call (to gate g) or a reply-and-wait
 * (on g, or open) done by ipc.c's operations, which post the requests to
 * the partner's CPU, without trap() and the decoder, whose checks are made.
 * Without items they take no lock, so they serve no request and nothing
 * changes under them (the caller has no move, fault or wake-up recorded,
 * and a reply-and-wait here blocks: see fast_reply_wait). Then what
 * syscall() and trap() do after an operation. Out of line, so that the
 * direct switch keeps its registers.
 */
static __attribute__((noinline, noreturn)) void fast_remote(struct thread *t, struct gate *g, uint32_t tag, bool call)
{
	lat_begin(this_cpu(), MU_LAT_OP(MU_LAT_SYSCALL, 0, TRAP_SVC_N));
	int err = call ? ipc_invoke_gate(t, g, tag, MU_SEND | MU_RECV, t->regs.r[3]) : ipc_reply(t, tag);
	if (!call && !err)
		err = ipc_receive(t, g, MU_TIMEOUT_NEVER);
	if (err != IPC_BLOCKED)
		t->regs.r[0] = (uint32_t)err;
	schedule();
}

/* MU_SEND|MU_RECV on a gate (invoke right, not the bind operation) whose thread waits for it here. */
static inline __attribute__((always_inline)) void fast_call(struct cpu *c, struct thread *t, struct gate *g, uint32_t tag)
{
	uint32_t label;
	struct thread *r = gate_peer(g, &label);   /* thread and label of one binding */
	if (!r || r->cpu != c->id || r->state != TS_RECV || (r->rcv_from && r->rcv_from != g) || !can_switch_to(c, r)) {
		if (r && r->cpu != c->id)
			fast_remote(t, g, tag, true);   /* ipc_invoke_gate looks at r again, and posts the send */
		return;
	}
	copy_words(r, t, MU_TAG_WORDS(tag));
	t->snd_tag = tag;
	r->regs.r[0] = MU_OK;
	r->regs.r[1] = tag;
	r->regs.r[2] = label;
	r->reply_to = t;
	t->replier = r;
	t->state = TS_REPLY;   /* the caller's side first */
	t->fast_ipc++;
	sched_direct(c, t, r, MU_TRACE_IPC_CALL);
}

/* The gate of a closed wait (capability idx: ours, bound to t, invoke right) in *g, NULL for an open one. */
static inline __attribute__((always_inline)) bool wait_gate(const struct thread *t, uint32_t idx, struct gate **g)
{
	*g = NULL;
	if (!idx)
		return true;
	uint8_t rights;
	struct kobj *o = cap_read(&t->task->caps, idx, &rights);
	*g = (struct gate *)o;
	return o && o->type == OBJ_GATE && (rights & MU_R) && (*g)->bound == t;
}

/* A wait that blocks for good: timeout never, no sender queued, no interrupt pending. */
static inline __attribute__((always_inline)) bool wait_blocks(const struct thread *t, uint32_t timeout)
{
	return timeout == MU_TIMEOUT_NEVER && !((uintptr_t)t->rcv_head | (uintptr_t)t->irq_pending);
}

/* The caller we owe the reply waits on another CPU, and the wait blocks: see fast_remote. */
static __attribute__((noinline)) void fast_remote_reply(struct thread *t, uint32_t idx, uint32_t tag, uint32_t timeout)
{
	struct gate *g;
	if (t->reply_to && t->reply_to->cpu != this_cpu()->id && wait_blocks(t, timeout) && wait_gate(t, idx, &g))
		fast_remote(t, g, tag, false);
}

/* MU_REPLY|MU_RECV: the caller we owe the reply waits here; then wait, open or on a gate of ours. */
static inline __attribute__((always_inline)) void fast_reply_wait(struct cpu *c, struct thread *t, uint32_t idx,
								   uint32_t tag, uint32_t timeout)
{
	struct thread *k = t->reply_to;
	struct gate *g;
	if (!k || k->cpu != c->id || !wait_blocks(t, timeout) || k->state != TS_REPLY || k->replier != t ||
	    !can_switch_to(c, k)) {
		fast_remote_reply(t, idx, tag, timeout);
		return;
	}
	if (!wait_gate(t, idx, &g))
		return;
	copy_words(k, t, MU_TAG_WORDS(tag));
	t->snd_tag = tag;
	t->reply_to = NULL;
	t->rcv_from = g;
	t->state = TS_RECV;
	k->rpl_tag = tag;
	k->replier = NULL;
	k->regs.r[0] = MU_OK;
	k->regs.r[1] = tag;
	k->regs.r[2] = 0;
	t->fast_ipc++;
	sched_direct(c, t, k, MU_TRACE_IPC_REPLY_WAIT);
}

/*
 * MU_SEND|MU_RECV on a kernel object that the decoder rejects (unknown
 * label, missing right, message too short): the slow path would change
 * nothing but the caller's result registers, and then let it go on unless
 * something is pending (trap()'s check: a move recorded, requests, memory
 * to free, a higher priority ready). So the answer goes back at once.
 */
static inline __attribute__((always_inline)) void fast_reject(struct cpu *c, struct thread *t, struct kobj *o,
							       uint8_t rights, uint32_t tag)
{
	const struct mu_op *op;
	int err = syscall_decode(t, o, rights, tag, &op);
	if (!err || !cpu_quiet_below(c, t->link.prio + 1))
		return;
	t->regs.r[0] = (uint32_t)err;
	t->regs.r[1] = MU_TAG(err, 0);   /* answered like a server's reply: label = result (syscall()) */
	t->fast_ipc++;
	arch_user_return(&t->regs);
}

/* From svc_entry (entry.S), for a system call from user mode; returns t if the fast path does not apply. */
struct thread *ipc_fast(struct thread *t, struct cpu *c)
{
	uint32_t tag = t->regs.r[1], flags = t->regs.r[2];
	kcheck(c->current == t && t->state == TS_READY && !t->link.queued);
	if ((tag & 0xfffu) > FAST_WORDS || needs_slow(t))
		return t;   /* items count above the words: the first says no items and at most FAST_WORDS words */
	if (flags == (MU_SEND | MU_RECV)) {
		uint8_t rights;
		struct kobj *o = cap_read(&t->task->caps, t->regs.r[0], &rights);
		if (!o || !(rights & MU_R))
			return t;   /* the slow path's error */
		if (o->type != OBJ_GATE)
			fast_reject(c, t, o, rights, tag);
		else if (MU_TAG_LABEL(tag) != MU_GATE_BIND)
			fast_call(c, t, (struct gate *)o, tag);
	} else if (flags == (MU_REPLY | MU_RECV)) {
		fast_reply_wait(c, t, t->regs.r[0], tag, t->regs.r[3]);
	}
	return t;
}

#endif
