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

static void timeout_remove(struct thread *t)
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
}

/* Wake t with result err in r0 (a waiting thread's other registers are set already). */
static void wake(struct thread *t, int err)
{
	if (t->timeout)
		timeout_remove(t);
	t->regs.r[0] = (uint32_t)err;
	sched_ready(t);
}

static void block(struct thread *t, uint8_t state, uint32_t timeout)
{
	sched_block(t, state);
	timeout_add(t, timeout);
}

/* Capability items: map or grant each into the receiver's slots from br[0] on. */
static unsigned transfer_items(struct thread *s, struct thread *r, unsigned first, unsigned n)
{
	unsigned done = 0, slot = r->utcb->br[0];
	for (unsigned i = 0; i < n; i++) {
		uint32_t d = s->utcb->mr[first + 2 * i], idx = s->utcb->mr[first + 2 * i + 1];
		struct cap *src = cap_slot(&s->task->caps, idx);
		struct cap *dst = cap_slot(&r->task->caps, slot + done);
		if ((d & 7) != MU_ITEM_CAP || !src || !dst || cap_empty(src) || !cap_empty(dst))
			continue;   /* not delivered: the receiver's item count tells */
		int rc = d & MU_ITEM_GRANT ? cap_grant(src, dst, (d >> 4) & 15) : cap_map(src, dst, (d >> 4) & 15);
		if (rc == 0) {
			r->utcb->mr[first + done] = slot + done;   /* where the item landed */
			done++;
		}
	}
	return done;
}

/* Copy the message of s (tag) into r and set r's result registers. */
static void deliver(struct thread *s, struct thread *r, uint32_t tag, uint32_t label)
{
	unsigned words = MU_TAG_WORDS(tag), items = MU_TAG_NITEMS(tag);
	kmemcpy(r->utcb->mr, s->utcb->mr, words * 4);
	s->snd_tag = tag;
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
	if (r->state == TS_RECV) {
		deliver(t, r, tag, g->label);
		wake(r, MU_OK);
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

int ipc_receive(struct thread *t, uint32_t flags, uint32_t timeout)
{
	(void)flags;
	struct thread *s = t->rcv_head;
	if (s) {
		unqueue_sender(s);
		deliver(s, t, s->snd_tag, s->snd_label);
		if (s->timeout)
			timeout_remove(s);
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
	deliver(t, c, tag, 0);
	wake(c, MU_OK);
	return MU_OK;
}

/* t is going away: release everyone waiting on it and leave every queue. */
void ipc_cancel(struct thread *t)
{
	if (t->timeout)
		timeout_remove(t);
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
		if (s->snd_flags & MU_RECV)
			s->regs.r[0] = MU_ECANCELED;
		wake(s, MU_ECANCELED);
	}
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
