/*
 * Synchronous IPC: rendezvous between a sender and a receiver on the same
 * CPU. Words are copied between the two UTCBs, capability items are mapped
 * or granted into the receiver's table. A call leaves the receiver holding
 * an implicit, use-once reply capability (reply_to). Everything here is
 * owned by the current CPU: no lock is taken.
 */
#include "kernel.h"
#include "thread.h"
#include "cpu.h"
#include "bsp.h"
#include "map.h"

void ipc_timeout_remove(struct thread *t)
{
	struct thread **p = &cpus[t->cpu].timeouts;
	while (*p && *p != t)
		p = &(*p)->to_next;
	if (*p)
		*p = t->to_next;
	t->timeout = 0;
}

static void timeout_add(struct thread *t, uint32_t us)
{
	if (us == MU_TIMEOUT_NEVER)
		return;
	t->timeout = bsp_clock_ns() + (uint64_t)us * 1000u;
	struct thread **p = &cpus[t->cpu].timeouts;
	while (*p && (*p)->timeout <= t->timeout)
		p = &(*p)->to_next;
	t->to_next = *p;
	*p = t;
	sched_timer_update();
}

/*
 * Wake t with result err in r0 (a waiting thread's other registers are set
 * already). A thread waiting on its fault message has no result register:
 * when that wait fails, the fault stays unresolved.
 */
static void wake(struct thread *t, int err)
{
	if (t->timeout)
		ipc_timeout_remove(t);
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
	return map_transfer(s->task, arg, r->task, win, pages, mask, grant) > 0 ? (int64_t)win : -1;
}

/* Items follow the words: caps land in r's slots from br[0] on, memory in its window. */
static unsigned transfer_items(struct thread *s, struct thread *r, unsigned first, unsigned n)
{
	unsigned done = 0;
	uint32_t *br = r->utcb->br;
	if (!n || (r->fault_kind && r->fault_label != MU_LABEL_PAGEFAULT))
		return 0;   /* an exception reply carries registers, not items */
	obj_lock();
	for (unsigned i = 0; i < n; i++) {
		uint32_t d = s->utcb->mr[first + 2 * i], arg = s->utcb->mr[first + 2 * i + 1];
		int64_t at = r->fault_kind ? transfer_item(s, d, arg, r, 0, r->fault_addr & ~0xfffu, 12)
					   : transfer_item(s, d, arg, r, br[0] + done, br[1], br[2]);
		if (at >= 0 && !r->fault_kind)
			r->utcb->mr[first + done] = (uint32_t)at;   /* where the item landed */
		done += at >= 0;
	}
	obj_unlock();
	return done;
}

/*
 * Copy the message of s (tag) into r and set r's result registers. A
 * faulting thread sends the message the kernel wrote for it; a reply to a
 * faulting thread is interpreted by fault_reply instead of delivered.
 */
static void deliver(struct thread *s, struct thread *r, uint32_t tag, uint32_t label)
{
	unsigned words = MU_TAG_WORDS(tag), items = MU_TAG_NITEMS(tag);
	s->snd_tag = tag;
	if (r->fault_kind) {
		fault_reply(s, r, tag, transfer_items(s, r, words, items));
		return;
	}
	const uint32_t *from = s->fault_kind ? s->fault_mr : s->utcb->mr;
	for (unsigned i = 0; i < words; i++)
		r->utcb->mr[i] = from[i];
	if (items)
		items = transfer_items(s, r, words, items);
	r->regs.r[1] = (tag & ~(0x3fu << 6)) | (items << 6);
	r->regs.r[2] = label;
}

/* The message is in: a call now waits for the reply, a send is done. */
static void after_send(struct thread *s, struct thread *r, uint32_t flags)
{
	if (flags & MU_RECV) {
		r->reply_to = s;
		s->replier = r;
		sched_block(s, TS_REPLY);
	}
}

static int check_tag(uint32_t tag)
{
	unsigned words = MU_TAG_WORDS(tag), items = MU_TAG_NITEMS(tag);
	return words + 2 * items <= MU_MR_COUNT ? MU_OK : MU_EMSG;
}

int ipc_invoke_gate(struct thread *t, struct gate *g, uint32_t tag, uint32_t flags, uint32_t timeout)
{
	struct thread *r = g->bound;
	if (check_tag(tag))
		return MU_EMSG;
	if (!r || r->state == TS_DEAD || r->state == TS_STOPPED)
		return MU_ESTATE;
	if (r->cpu != t->cpu)
		return MU_EINVAL;   /* cross-CPU IPC arrives with the SMP issue */
	if (r->state == TS_RECV && (!r->rcv_from || r->rcv_from == g)) {
		deliver(t, r, tag, g->label);
		wake(r, MU_OK);
		if (!t->fault_kind)
			t->regs.r[0] = MU_OK;
		after_send(t, r, flags);
		return flags & MU_RECV ? IPC_BLOCKED : MU_OK;
	}
	if (timeout == MU_TIMEOUT_ZERO)
		return MU_ETIMEDOUT;
	struct thread **p = &r->rcv_head;
	while (*p)
		p = &(*p)->snd_next;
	*p = t;
	t->snd_next = NULL;
	t->snd_to = r;
	t->snd_label = g->label;
	t->snd_gate = g;
	t->snd_flags = flags;
	t->snd_tag = tag;
	block(t, TS_SEND, timeout);
	return IPC_BLOCKED;
}

static void unqueue_sender(struct thread *s)
{
	struct thread **p = &s->snd_to->rcv_head;
	while (*p && *p != s)
		p = &(*p)->snd_next;
	if (*p)
		*p = s->snd_next;
	s->snd_to = NULL;
}

/* Open wait (from NULL): any sender and pending interrupts; closed: only through gate `from`. */
int ipc_receive(struct thread *t, struct gate *from, uint32_t timeout)
{
	if (!from && irq_deliver_pending(t))
		return MU_OK;
	struct thread *s = t->rcv_head;
	while (s && from && s->snd_gate != from)
		s = s->snd_next;
	t->rcv_from = from;
	if (s) {
		unqueue_sender(s);
		deliver(s, t, s->snd_tag, s->snd_label);
		if (s->timeout)
			ipc_timeout_remove(s);
		if (!s->fault_kind)
			s->regs.r[0] = MU_OK;
		if (s->snd_flags & MU_RECV) {
			t->reply_to = s;
			s->replier = t;
			s->state = TS_REPLY;
		} else {
			sched_ready(s);
		}
		t->regs.r[0] = MU_OK;
		return MU_OK;
	}
	if (timeout == MU_TIMEOUT_ZERO)
		return MU_ETIMEDOUT;
	block(t, TS_RECV, timeout);
	return IPC_BLOCKED;
}

int ipc_reply(struct thread *t, uint32_t tag)
{
	struct thread *c = t->reply_to;
	if (check_tag(tag))
		return MU_EMSG;
	if (!c)
		return MU_ESTATE;   /* no call pending, or already answered */
	t->reply_to = NULL;
	c->replier = NULL;
	if (c->fault_kind) {
		deliver(t, c, tag, 0);   /* fault_reply resumes, escalates or kills c */
		return MU_OK;
	}
	deliver(t, c, tag, 0);
	wake(c, MU_OK);
	return MU_OK;
}

/* t is going away: release everyone waiting on it and leave every queue. */
void ipc_cancel(struct thread *t)
{
	if (t->timeout)
		ipc_timeout_remove(t);
	if (t->state == TS_SEND)
		unqueue_sender(t);
	if (t->replier) {
		t->replier->reply_to = NULL;
		t->replier = NULL;
	}
	if (t->reply_to) {
		struct thread *c = t->reply_to;
		t->reply_to = NULL;
		c->replier = NULL;
		wake(c, MU_ECANCELED);
	}
	while (t->rcv_head) {
		struct thread *s = t->rcv_head;
		unqueue_sender(s);
		wake(s, MU_ECANCELED);
	}
	while (irq_deliver_pending(t))
		;   /* forget pending notifications */
}

/* From the timer interrupt: wake every thread whose timeout has passed. */
void ipc_timeouts(uint64_t now)
{
	struct cpu *c = this_cpu();
	while (c->timeouts && c->timeouts->timeout <= now) {
		struct thread *t = c->timeouts;
		c->timeouts = t->to_next;
		t->timeout = 0;
		if (t->state == TS_SEND)
			unqueue_sender(t);
		wake(t, MU_ETIMEDOUT);
	}
}
