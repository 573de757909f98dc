/*
 * Synchronous IPC. Words are copied between the two UTCBs, capability and
 * memory items are mapped or granted (under the object lock). A call leaves
 * the receiver holding an implicit, use-once reply capability (reply_to).
 *
 * A thread's IPC state belongs to one CPU at a time and only that CPU
 * changes it. Normally that is the thread's own CPU; a sender whose receiver
 * lives elsewhere hands its IPC state to the receiver's CPU with a request
 * (the send is done there, and it may wait queued there, its timeout on that
 * CPU's list), and gets it back with a completion request. A reply to a
 * caller on another CPU is copied into the caller's UTCB by the replier's
 * CPU (the caller is blocked) and finished by the caller's CPU. Same-CPU IPC
 * without items takes no lock at all; an operation that moves items takes
 * the object lock before it looks at anything (IPC_NEED_LOCK: the system
 * call takes it and starts again), so no wait inside a rendezvous serves
 * requests (docs/smp.md, "Waits").
 */
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "sched/sched.h"
#include "kernel/gate.h"
#include "kernel/irq.h"
#include "kernel/ipc.h"
#include "kernel/fault.h"
#include "kernel/cpu.h"
#include "bsp/bsp.h"
#include "kernel/map.h"
#include "kernel/trace.h"

/*
 * A send's completion, what finish_send tells a sender whose send is over:
 * MU_OK (delivered), an error (MU_ESTATE, MU_ETIMEDOUT, MU_ECANCELED), or
 * DONE_REPLY_WAIT (delivered, and the caller now waits for the reply). It
 * lies above every enum mu_err value, so a completion is never taken for an
 * error; 0x100 is an immediate for CMP and MOV, as 1 was.
 */
enum ipc_done { DONE_REPLY_WAIT = 0x100 };
_Static_assert((int)MU_EBUSY < (int)DONE_REPLY_WAIT, "MU_EBUSY is the largest enum mu_err value");

static bool here(const struct thread *t) { return t->cpu == this_cpu()->id; }

void ipc_timeout_remove(struct thread *t)
{
	struct thread **p = &this_cpu()->timeouts;
	while (*p && *p != t)
		p = &(*p)->to_next;
	if (*p)
		*p = t->to_next;
	t->timeout = 0;
	t->has_timeout = false;   /* its byte in slow_only (thread.h), written with it */
}

static void timeout_add(struct thread *t, uint32_t us)
{
	if (us == MU_TIMEOUT_NEVER)
		return;
	t->timeout = bsp_clock_ns() + (uint64_t)us * 1000u;
	t->has_timeout = true;
	struct thread **p = &this_cpu()->timeouts;
	while (*p && (*p)->timeout <= t->timeout)
		p = &(*p)->to_next;
	t->to_next = *p;
	*p = t;
	sched_timer_update();
}

/*
 * Wake t (on this CPU) with result err in r0 (a waiting thread's other
 * registers are set already). A thread waiting on its fault message has no
 * result register: when that wait fails, the fault stays unresolved.
 */
static void wake(struct thread *t, int err)
{
	if (t->timeout)
		ipc_timeout_remove(t);
	if (t->state == TS_DEAD)
		return;
	if (t->fault_kind) {
		fault_unresolved(t, "fault handler gone");
		return;
	}
	t->regs.r[0] = (uint32_t)err;
	sched_ready(t);
}

static void block(struct thread *t, uint8_t state, uint32_t timeout)
{
	sched_block(t, state);
	timeout_add(t, timeout);
}

/*
 * A blocked sender's send (or call) is over: result is a completion (MU_OK,
 * an error, or DONE_REPLY_WAIT). Also ends a wait for a reply that will not come.
 */
static void send_over(struct thread *s, uint32_t result)
{
	s->ipc_cpu = s->cpu;
	if (s->state == TS_DEAD)
		return;
	if (result == DONE_REPLY_WAIT) {
		sched_block(s, TS_REPLY);
		return;
	}
	if (s->state == TS_REPLY)
		s->replier = NULL;
	wake(s, (int)result);
}

static void done_fn(struct drq *r)
{
	send_over(container_of(r, struct thread, ipc_drq), r->a);
}

/*
 * Tell sender s (here, or on its CPU) that its send is over. A remote caller
 * now waiting for the reply needs no request: it stays blocked, and its IPC
 * state simply goes home (its ipc_drq must stay free for the reply).
 */
static void finish_send(struct thread *s, uint32_t result)
{
	if (here(s)) {
		send_over(s, result);
		return;
	}
	if (result == DONE_REPLY_WAIT) {
		/* Its own CPU may be killing it now: TS_REPLY never overwrites TS_DEAD. */
		uint8_t sending = TS_SEND;
		__atomic_compare_exchange_n(&s->state, &sending, TS_REPLY, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
		/* Ordering: release, so that its CPU, reading ipc_cpu (acquire), sees replier and state. */
		__atomic_store_n(&s->ipc_cpu, s->cpu, __ATOMIC_RELEASE);
		return;
	}
	s->ipc_drq.fn = done_fn;
	s->ipc_drq.a = result;
	drq_post(s->cpu, &s->ipc_drq);
}

/* One item from s's message registers into r; returns where it landed or -1. */
static int64_t transfer_item(struct thread *s, uint32_t d, uint32_t arg, struct thread *r, uint32_t cap_slot_idx,
			     uint32_t win, unsigned win_log2)
{
	bool grant = d & MU_ITEM_GRANT;
	unsigned mask = (d >> 4) & 15;
	if ((d & 7) == MU_ITEM_CAP) {
		struct cap *src = cap_slot(&s->task->caps, arg);
		struct cap *dst = cap_slot(&r->task->caps, cap_slot_idx);
		if (!src || !dst || cap_empty(src) || !cap_empty(dst))
			return -1;
		return (grant ? cap_grant(src, dst, mask) : cap_map(src, dst, mask)) == 0 ? (int64_t)cap_slot_idx : -1;
	}
	unsigned log2 = (d >> 8) & 31;
	if ((d & 7) != MU_ITEM_MEM || log2 < 12 || win_log2 < 12 || (arg & ((1u << log2) - 1)) || (win & 0xfff))
		return -1;
	unsigned pages = 1u << ((log2 < win_log2 ? log2 : win_log2) - 12);
	unsigned next = 0;   /* no preemption point in IPC: it runs to the end */
	return map_transfer(s->task, arg, r->task, win, pages, mask, grant, &next) > 0 ? (int64_t)win : -1;
}

/* Items follow the words: caps land in r's slots from br[0] on, memory in its window. */
static unsigned transfer_items(struct thread *s, struct thread *r, unsigned first, unsigned n)
{
	unsigned done = 0;
	uint32_t *br = r->utcb->br;
	if (!n || (r->fault_kind && r->fault_label != MU_LABEL_PAGEFAULT) || r->task->dying)
		return 0;   /* an exception reply carries registers, not items; a task being destroyed takes none */
	kcheck(obj_held());   /* taken at the start of the operation */
	for (unsigned i = 0; i < n; i++) {
		uint32_t d = s->utcb->mr[first + 2 * i], arg = s->utcb->mr[first + 2 * i + 1];
		int64_t at = r->fault_kind ? transfer_item(s, d, arg, r, 0, r->fault_addr & ~0xfffu, 12)
					   : transfer_item(s, d, arg, r, br[0] + done, br[1], br[2]);
		if (at >= 0 && !r->fault_kind)
			r->utcb->mr[first + done] = (uint32_t)at;   /* where the item landed */
		done += at >= 0;
	}
	return done;
}

/*
 * Copy the message of s (tag) into r's UTCB and return the tag r receives.
 * A faulting thread sends the message the kernel wrote for it; a reply to a
 * faulting thread is kept for fault_reply (registers into r's fault_mr).
 */
static uint32_t deliver(struct thread *s, struct thread *r, uint32_t tag)
{
	unsigned words = MU_TAG_WORDS(tag), items = MU_TAG_NITEMS(tag);
	s->snd_tag = tag;
	if (r->fault_kind) {
		items = transfer_items(s, r, words, items);
		for (unsigned i = 0; i < 17 && i < words; i++)
			r->fault_mr[i] = s->utcb->mr[i];
	} else {
		const uint32_t *from = s->fault_kind ? s->fault_mr : s->utcb->mr;
		for (unsigned i = 0; i < words; i++)
			r->utcb->mr[i] = from[i];
		if (items)
			items = transfer_items(s, r, words, items);
	}
	return (tag & ~(0x3fu << 6)) | (items << 6);
}

static int check_tag(uint32_t tag)
{
	unsigned words = MU_TAG_WORDS(tag), items = MU_TAG_NITEMS(tag);
	return words + 2 * items <= MU_MR_COUNT ? MU_OK : MU_EMSG;
}

/*
 * Receiver r (here) takes s's message; a call leaves r the reply capability.
 * Returns s's completion: MU_OK, or DONE_REPLY_WAIT for a call.
 */
static uint32_t rendezvous(struct thread *s, struct thread *r)
{
	kcheck(r->cpu == this_cpu()->id && r->state != TS_DEAD);   /* s may be dying on its own CPU: its completion is dropped */
	r->regs.r[1] = deliver(s, r, s->snd_tag);
	r->regs.r[2] = s->snd_label;
	if (!(s->snd_flags & MU_RECV))
		return MU_OK;
	r->reply_to = s;
	s->replier = r;
	return DONE_REPLY_WAIT;
}

/*
 * On the receiver's CPU: deliver now, queue s (with its timeout on this
 * CPU), or fail. A delivery finishes the sender's side first (waiting for
 * the reply, or done) and only then wakes r, which may run at once, even on
 * another CPU, and reply. Returns IPC_SENT, IPC_BLOCKED (queued) or an
 * error for the caller to finish s with.
 */
static int send_here(struct thread *s, struct thread *r)
{
	if (r->state == TS_DEAD || r->state == TS_STOPPED)
		return MU_ESTATE;
	if (r->state == TS_RECV && (!r->rcv_from || r->rcv_from == s->snd_gate)) {
		finish_send(s, rendezvous(s, r));
		wake(r, MU_OK);
		return IPC_SENT;
	}
	if (s->snd_timeout == MU_TIMEOUT_ZERO)
		return MU_ETIMEDOUT;
	struct thread **p = &r->rcv_head;
	while (*p)
		p = &(*p)->snd_next;
	*p = s;
	s->snd_next = NULL;
	if (here(s))
		sched_block(s, TS_SEND);
	timeout_add(s, s->snd_timeout);
	return IPC_BLOCKED;
}

/*
 * On the receiver's CPU, at the top (an asynchronous request), for a sender
 * elsewhere. Items: the lock first, then everything is read under it.
 */
static void send_fn(struct drq *q)
{
	struct thread *s = container_of(q, struct thread, ipc_drq);
	bool lock = MU_TAG_NITEMS(s->snd_tag) != 0;
	if (lock) {
		lat_set_op(this_cpu(), MU_LAT_OP(MU_LAT_REQUEST, MU_OBJ_GATE, s->snd_flags));
		obj_lock();
	}
	struct thread *r = s->snd_to;
	if (s->state != TS_SEND || s->ipc_cpu != this_cpu()->id) {
		/* killed meanwhile: ipc_cancel took its send back */
	} else if (!here(r)) {   /* it moved on: follow it */
		s->ipc_cpu = r->cpu;
		drq_post(r->cpu, q);
	} else {
		int res = send_here(s, r);
		if (res != IPC_SENT && res != IPC_BLOCKED)
			finish_send(s, (uint32_t)res);
	}
	if (lock)
		obj_unlock();
}

int ipc_invoke_gate(struct thread *t, struct gate *g, uint32_t tag, uint32_t flags, uint32_t timeout)
{
	uint32_t label;
	struct thread *r = gate_peer(g, &label);   /* thread and label of one binding */
	if (check_tag(tag))
		return MU_EMSG;
	if (!r || r->state == TS_DEAD || r->state == TS_STOPPED)
		return MU_ESTATE;
	if (MU_TAG_NITEMS(tag) && here(r) && !obj_held())
		return IPC_NEED_LOCK;
	t->snd_to = r;
	t->snd_label = label;
	t->snd_gate = g;
	t->snd_flags = flags;
	t->snd_tag = tag;
	t->snd_timeout = timeout;
	trace(MU_TRACE_IPC_SEND, t->id, r->id);
	if (!here(r)) {
		/* Our IPC state goes to r's CPU until it sends the completion back. */
		sched_block(t, TS_SEND);
		t->ipc_cpu = r->cpu;
		t->ipc_drq.fn = send_fn;
		drq_post(r->cpu, &t->ipc_drq);
		return IPC_BLOCKED;
	}
	int res = send_here(t, r);
	if (res == IPC_SENT)   /* finish_send blocked t for the reply, or it is done */
		return t->state == TS_REPLY ? IPC_BLOCKED : MU_OK;
	return res;
}

static void unqueue_sender(struct thread *s)
{
	struct thread **p = &s->snd_to->rcv_head;
	while (*p && *p != s)
		p = &(*p)->snd_next;
	if (*p)
		*p = s->snd_next;
}

/* Open wait (from NULL): any sender and pending interrupts; closed: only through gate `from`. */
int ipc_receive(struct thread *t, struct gate *from, uint32_t timeout)
{
	if (!from && irq_deliver_pending(t))
		return MU_OK;
	struct thread *s = t->rcv_head;
	while (s && from && s->snd_gate != from)
		s = s->snd_next;
	if (s && MU_TAG_NITEMS(s->snd_tag) && !obj_held())
		return IPC_NEED_LOCK;
	t->rcv_from = from;
	if (s) {
		unqueue_sender(s);
		if (s->timeout)
			ipc_timeout_remove(s);
		finish_send(s, rendezvous(s, t));
		t->regs.r[0] = MU_OK;
		return MU_OK;
	}
	if (timeout == MU_TIMEOUT_ZERO)
		return MU_ETIMEDOUT;
	block(t, TS_RECV, timeout);
	return IPC_BLOCKED;
}

/* On the caller's CPU: the reply is in its UTCB (or fault_mr); set its registers and go. */
static void apply_reply(struct thread *c)
{
	c->replier = NULL;
	if (c->fault_kind) {
		fault_reply(c, c->rpl_tag, MU_TAG_NITEMS(c->rpl_tag));
		return;
	}
	c->regs.r[1] = c->rpl_tag;
	c->regs.r[2] = 0;
	wake(c, MU_OK);
}

/* The caller is in TS_REPLY before its replier can run (send_here); anything else is a dead caller. */
static void reply_fn(struct drq *q)
{
	struct thread *c = container_of(q, struct thread, ipc_drq);
	if (c->state == TS_REPLY)
		apply_reply(c);
}

int ipc_reply(struct thread *t, uint32_t tag)
{
	struct thread *c = t->reply_to;
	if (check_tag(tag))
		return MU_EMSG;
	if (!c)
		return MU_ESTATE;   /* no call pending, or already answered */
	if (MU_TAG_NITEMS(tag) && !obj_held())
		return IPC_NEED_LOCK;
	kcheck(c->replier == t);   /* partners agree */
	t->reply_to = NULL;
	trace(MU_TRACE_IPC_REPLY, t->id, c->id);
	c->rpl_tag = deliver(t, c, tag);   /* c is blocked: its UTCB is ours to write */
	if (here(c)) {
		reply_fn(&c->ipc_drq);
	} else {
		c->ipc_drq.fn = reply_fn;
		drq_post(c->cpu, &c->ipc_drq);
	}
	return MU_OK;
}

/*
 * On the CPU that holds a remote sender's IPC state: take it out of the
 * queue (or the request queue, if its send has not run yet) and hand it back.
 */
static void cancel_fn(struct drq *q)
{
	struct thread *s = q->arg;
	unsigned at = __atomic_load_n(&s->ipc_cpu, __ATOMIC_ACQUIRE);
	if (at != this_cpu()->id && at != s->cpu) {
		struct drq r = { .fn = cancel_fn, .arg = s };
		drq_call(at, &r);   /* it was forwarded */
	} else if (at == this_cpu()->id) {
		drq_unqueue(&s->ipc_drq);
		if (here(s->snd_to))   /* queued there only if so: a receiver with senders stays put */
			unqueue_sender(s);
		if (s->timeout)
			ipc_timeout_remove(s);
		s->ipc_cpu = s->cpu;
	}
	drq_finish(q);
}

/* On the replier's CPU (following it if it moved): it owes caller q->c nothing any more. */
static void unreply_fn(struct drq *q)
{
	struct thread *r = q->arg;
	if (!here(r)) {
		struct drq f = { .fn = unreply_fn, .arg = r, .c = q->c };
		drq_call(r->cpu, &f);
	} else if (r->reply_to == (struct thread *)q->c) {
		r->reply_to = NULL;
	}
	drq_finish(q);
}

/* t (here, just marked dead; it was in state `was`): release everyone waiting on it and leave every queue. */
void ipc_cancel(struct thread *t, uint8_t was)
{
	if (__atomic_load_n(&t->ipc_cpu, __ATOMIC_ACQUIRE) != t->cpu) {   /* its send is held elsewhere */
		struct drq r = { .fn = cancel_fn, .arg = t };
		drq_call(t->ipc_cpu, &r);
		t->ipc_cpu = t->cpu;
	}
	if (t->timeout)
		ipc_timeout_remove(t);
	if (was == TS_SEND && here(t->snd_to))
		unqueue_sender(t);
	if (t->replier) {
		struct drq q = { .fn = unreply_fn, .arg = t->replier, .c = (uint32_t)t };
		unreply_fn(&q);
		t->replier = NULL;
	}
	if (t->reply_to) {
		struct thread *c = t->reply_to;
		t->reply_to = NULL;
		finish_send(c, MU_ECANCELED);
	}
	while (t->rcv_head) {
		struct thread *s = t->rcv_head;
		unqueue_sender(s);
		if (s->timeout)
			ipc_timeout_remove(s);
		finish_send(s, MU_ECANCELED);
	}
	while (irq_deliver_pending(t))
		;   /* forget pending notifications */
}

/* From the timer interrupt: every thread whose timeout has passed on this CPU. */
void ipc_timeouts(uint64_t now)
{
	struct cpu *c = this_cpu();
	while (c->timeouts && c->timeouts->timeout <= now) {
		struct thread *t = c->timeouts;
		c->timeouts = t->to_next;
		t->timeout = 0;
		t->has_timeout = false;
		if (t->state == TS_SEND) {
			unqueue_sender(t);
			finish_send(t, MU_ETIMEDOUT);
		} else {
			wake(t, MU_ETIMEDOUT);
		}
	}
}
