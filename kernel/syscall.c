/*
 * Capability invocation, the one system call. Decode and check everything
 * first (seL4's rule), then act. IPC gates rendezvous with their bound
 * thread; kernel objects answer a call at once, in the caller's UTCB, after
 * the operations table (muon/ops.h) has checked the capability's rights and
 * the message's size: no operation below checks those again.
 */
#include "kernel/kernel.h"
#include "kernel/obj.h"
#include "kernel/factory.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "sched/sched.h"
#include "kernel/gate.h"
#include "kernel/irq.h"
#include "kernel/ipc.h"
#include "kernel/syscall.h"
#include "kernel/cpu.h"
#include "bsp/bsp.h"
#include "kernel/map.h"
#include "arch/arm/gic.h"
#include "kernel/console.h"
#include "kernel/decode.h"

/* stopped at a preemption point (cpu.h): the system call runs again (below enum ipc_result's values) */
#define SYS_RESTART (-4)

static const struct cap_errs errs = { MU_ECAP, MU_ETYPE, MU_EPERM };
static struct kobj console_obj = { OBJ_CONSOLE, 1 };
struct kobj *const console_kobj = &console_obj;

static int console_invoke(struct thread *t, uint32_t tag)
{
	if (MU_TAG_LABEL(tag) != MU_CONSOLE_WRITE)
		return console_op(t, tag);
	uint32_t n = t->utcb->mr[0];
	if (n > MU_CONSOLE_MAX || MU_TAG_WORDS(tag) < 1 + (n + 3) / 4)
		return MU_EMSG;
	char buf[MU_CONSOLE_MAX];
	kmemcpy(buf, &t->utcb->mr[1], n);
	kwrite(buf, n);
	return MU_OK;
}

/* A capability argument from the caller's own table. */
static void *arg_obj(struct thread *t, uint32_t idx, uint8_t type, uint8_t rights, int *err)
{
	struct cap *c = cap_lookup(&t->task->caps, idx, type, rights, &errs, err);
	return c ? c->obj : NULL;
}

/* Threads keep their registers first, so their kobj header is not at offset 0. */
static struct thread *arg_thread(struct thread *t, uint32_t idx, uint8_t rights, int *err)
{
	struct kobj *o = arg_obj(t, idx, OBJ_THREAD, rights, err);
	return o ? container_of(o, struct thread, hdr) : NULL;
}

static int thread_invoke(struct thread *t, struct thread *th, uint32_t tag)
{
	uint32_t *mr = t->utcb->mr;
	switch (MU_TAG_LABEL(tag)) {
	case MU_THREAD_EXIT:
		if (th != t)
			return MU_EINVAL;
		thread_kill(t, (int)mr[0], "exit");
		return MU_OK;
	case MU_THREAD_SET_TLS:
		th->tls = mr[0];
		if (th == t)
			arch_set_user_tp(th->tls, th->utcb_va);
		return MU_OK;
	case MU_THREAD_INFO: {
		uint64_t used = th->consumed_ns, start = cpus[th->cpu].slice_start;
		if (cpus[th->cpu].current == th)   /* running now (here or elsewhere): count its slice so far */
			used += bsp_clock_ns() - start;
		mr[0] = th->cpu;
		mr[1] = (uint32_t)used;
		mr[2] = (uint32_t)(used >> 32);
		mr[3] = th->link.prio;
		mr[4] = th->state;
		mr[5] = th->id;
		mr[6] = th->fast_ipc;
		return MU_OK;
	}
	case MU_THREAD_CLOCK: {
		uint64_t now = bsp_clock_ns();
		mr[0] = (uint32_t)now;
		mr[1] = (uint32_t)(now >> 32);
		return MU_OK;
	}
	case MU_THREAD_START:
		if (th->state != TS_STOPPED || mr[0] >= USER_TOP || mr[3] > 255)
			return th->state != TS_STOPPED ? MU_ESTATE : MU_EINVAL;
		/* Never above the starter: the priority a Scheduler gave (its band) is the only way up. */
		thread_start(th, mr[0], mr[1], mr[2],
			     th->placed ? th->link.prio : mr[3] < t->link.prio ? (uint8_t)mr[3] : t->link.prio);
		return MU_OK;
	case MU_THREAD_CONTROL:
		if ((mr[0] != ~0u && mr[0] >= MU_CAP_SLOTS) || (mr[1] != ~0u && mr[1] >= MU_CAP_SLOTS))
			return MU_EINVAL;
		th->pager = mr[0] != ~0u ? mr[0] : th->pager;
		th->exc_handler = mr[1] != ~0u ? mr[1] : th->exc_handler;
		return MU_OK;
	default:
		return MU_ENOSYS;
	}
}

/* Bind or relabel (the table asked for MU_S): thread and label change in one store. */
static int gate_bind(struct thread *t, struct gate *g)
{
	int err;
	struct thread *th = arg_thread(t, t->utcb->mr[0], MU_W, &err), *old = g->bound;
	if (!th)
		return err;
	th->kref++;
	gate_set(g, th, t->utcb->mr[1]);
	if (old)
		thread_put(old);
	return MU_OK;
}

static int irq_invoke(struct thread *t, struct irq *q, uint32_t tag)
{
	int err;
	switch (MU_TAG_LABEL(tag)) {
	case MU_IRQ_BIND: {
		struct thread *th = arg_thread(t, t->utcb->mr[0], MU_W, &err);
		if (!th)
			return err;
		irq_bind(q, th, t->utcb->mr[1]);
		return MU_OK;
	}
	case MU_IRQ_UNMASK:
		return irq_unmask(q);
	case MU_IRQ_TRIGGER:
		if (q->irq == MU_IRQ_TIMER)
			return MU_EINVAL;
		gic_set_pending(q->irq);
		return MU_OK;
	default:
		return MU_ENOSYS;
	}
}

/* Install a new object's first capability in the caller's slot, below the factory capability. */
static int install(struct kobj *o, struct cap *maker, struct cap *slot)
{
	if (!o)
		return MU_ENOMEM;
	cap_install_made(maker, slot, o, MU_RIGHTS_ALL);
	return MU_OK;
}

static int factory_invoke(struct thread *t, struct cap *maker, struct factory *f, uint32_t tag)
{
	uint32_t *mr = t->utcb->mr;
	int err;
	if (MU_TAG_LABEL(tag) == MU_FACTORY_INFO) {
		mr[0] = f->quota;
		mr[1] = f->used;
		return MU_OK;
	}
	struct cap *slot = cap_slot(&t->task->caps, mr[1]);
	if (!slot)
		return MU_EINVAL;
	if (!cap_empty(slot))
		return MU_EBUSY;
	switch (mr[0]) {
	case MU_OBJ_TASK:
		return install((struct kobj *)task_create(f, "task"), maker, slot);
	case MU_OBJ_THREAD: {
		struct task *tk = arg_obj(t, mr[2], OBJ_TASK, MU_W, &err);
		if (!tk)
			return err;
		struct thread *th = thread_create(f, tk, mr[3]);
		return install(th ? &th->hdr : NULL, maker, slot);
	}
	case MU_OBJ_GATE: {
		struct gate *g = gate_create(f);
		if (g && mr[2]) {
			struct thread *th = arg_thread(t, mr[2], MU_W, &err);
			if (th) {
				th->kref++;
				gate_set(g, th, mr[3]);
			}
		}
		return install((struct kobj *)g, maker, slot);
	}
	case MU_OBJ_FACTORY:
		return mr[3] > 255 ? MU_EINVAL : install((struct kobj *)factory_create(f, mr[2], (uint8_t)mr[3]), maker, slot);
	case MU_OBJ_IRQ: {
		struct irq *q = irq_create(f, mr[2], mr[3], &err);
		return q ? install(&q->hdr, maker, slot) : err;
	}
	default:
		return MU_EINVAL;
	}
}

/*
 * A long operation stopped at a preemption point returns SYS_RESTART: the
 * caller's system call runs again from its svc with the same registers,
 * after any interrupt that came meanwhile. What it did stays done; where it
 * stopped is kept in the thread (cont), for that re-run only: the next
 * system call of the thread that reaches syscall() (which clears cont), if
 * it is the same call (cont_key: the registers and first words) and the IPC
 * fast path answered none in between (fast_ipc unchanged: a re-run the fast
 * path rejected, because the slot changed meanwhile, never reaches
 * syscall(), and a later call with the same arguments starts afresh).
 */
static uint32_t cont_key(const struct thread *t)
{
	const uint32_t *mr = t->utcb->mr;
	return t->regs.r[0] ^ t->regs.r[1] * 31u ^ mr[0] * 961u ^ mr[1] ^ mr[2] << 12 ^ mr[3] << 20;
}

static uint32_t cont_get(const struct thread *t)
{
	return t->cont && t->cont_key == cont_key(t) && t->cont_fast == t->fast_ipc ? t->cont : 0;
}

static int cont_set(struct thread *t, uint32_t pos)
{
	t->cont_key = cont_key(t);
	t->cont_fast = t->fast_ipc;
	t->cont = pos;
	return SYS_RESTART;
}

/* Memory: revoke what was derived from the pages of [addr, addr + 2^log2), and with self the pages too. */
static int unmap_mem(struct thread *t, struct task *tk, uint32_t addr, uint32_t log2, bool self)
{
	if (log2 < 12 || log2 > 31 || (addr & ((1u << log2) - 1)) || addr >= USER_TOP)
		return MU_EINVAL;
	uint32_t va = addr + cont_get(t);
	return map_unmap_range(tk, &va, addr + ((1u << log2) - 1) + 1, self) ? MU_OK : cont_set(t, va - addr);
}

/*
 * Map items from the caller into task tk: caps land from slot mr[0] on,
 * memory at mr[1]. Restarted, it skips the items done (cont: 1 << 30 if
 * that item mapped a page already | items done << 24 | item << 19 | its
 * page to go on with).
 */
static int task_map(struct thread *t, struct task *tk, const uint32_t *mr, unsigned words, unsigned n)
{
	uint32_t pos = cont_get(t);
	unsigned done = pos >> 24, first = (pos >> 19) & 31;
	uint32_t dst_mem = mr[1];
	for (unsigned i = 0; i < n; i++) {
		uint32_t d = mr[words + 2 * i], arg = mr[words + 2 * i + 1];
		bool grant = d & MU_ITEM_GRANT;
		if ((d & 7) == MU_ITEM_MEM) {
			unsigned log2 = (d >> 8) & 31;
			if (log2 < 12 || log2 > 30 || (arg & ((1u << log2) - 1)) || (dst_mem & ((1u << log2) - 1)))
				return MU_EMSG;
			if (i >= first) {
				unsigned next = i == first ? pos & 0x7ffff : 0, pages = 1u << (log2 - 12);
				int r = map_transfer(t->task, arg, tk, dst_mem, pages, (d >> 4) & 15, grant, &next);
				bool any = r > 0 || (i == first && (pos >> 30));
				if (r < 0)
					return -r;
				if (next < pages)
					return cont_set(t, (uint32_t)any << 30 | done << 24 | i << 19 | next);
				if (!any)
					return MU_EFAULT;   /* nothing mapped there in the caller */
				done++;
			}
			dst_mem += 1u << log2;
			continue;
		}
		if (i < first)
			continue;
		struct cap *src = cap_slot(&t->task->caps, arg);
		struct cap *dst = cap_slot(&tk->caps, mr[0] + i);
		if ((d & 7) != MU_ITEM_CAP || !src || cap_empty(src))
			return MU_EMSG;
		if (!dst || !cap_empty(dst))
			return MU_EBUSY;
		if ((grant ? cap_grant(src, dst, (d >> 4) & 15) : cap_map(src, dst, (d >> 4) & 15)) == 0)
			done++;
	}
	t->utcb->mr[0] = done;
	return MU_OK;
}

/*
 * Task: map capabilities and memory into it (items from the caller), or
 * unmap: revoke what was derived from one of its capabilities or pages and,
 * with mr[3], remove those too (a capability needs the delete right).
 */
static int task_invoke(struct thread *t, struct task *tk, uint32_t tag)
{
	uint32_t *mr = t->utcb->mr;
	switch (MU_TAG_LABEL(tag)) {
	case MU_TASK_MAP:
		return task_map(t, tk, mr, MU_TAG_WORDS(tag), MU_TAG_NITEMS(tag));
	case MU_TASK_UNMAP: {
		if (mr[0] != MU_ITEM_CAP && mr[0] != MU_ITEM_MEM)
			return MU_EMSG;
		if (mr[0] == MU_ITEM_MEM)
			return unmap_mem(t, tk, mr[1], mr[2], mr[3]);
		struct cap *c = cap_slot(&tk->caps, mr[1]);
		if (!c)
			return MU_ECAP;
		if (mr[3] && !cap_empty(c) && !(c->rights & MU_D))
			return MU_EPERM;
		if (cont_get(t))
			return MU_OK;   /* restarted for the tasks it released (invoke() destroyed them) */
		if (!cap_remove(c, mr[3]))
			return SYS_RESTART;
		return obj_reap() ? MU_OK : cont_set(t, 1);
	}
	default:
		return MU_ENOSYS;
	}
}

static int dispatch(struct thread *t, uint32_t idx, struct kobj *o, uint32_t tag)
{
	switch (o->type) {
	case OBJ_CONSOLE: return console_invoke(t, tag);
	case OBJ_THREAD: return thread_invoke(t, container_of(o, struct thread, hdr), tag);
	case OBJ_TASK: return task_invoke(t, (struct task *)o, tag);
	case OBJ_FACTORY: return factory_invoke(t, cap_slot(&t->task->caps, idx), (struct factory *)o, tag);
	case OBJ_GATE: return gate_bind(t, (struct gate *)o);
	case OBJ_IRQ: return irq_invoke(t, (struct irq *)o, tag);
	case OBJ_SCHED: return sched_invoke(t, tag);
	default: return MU_ETYPE;
	}
}

/*
 * The object lock, first: nothing has been looked at yet, so the requests
 * served while waiting for it cannot invalidate anything but the caller
 * itself, and a killed caller goes no further. syscall() lets it go.
 */
static bool lock_first(struct thread *t)
{
	if (!obj_held())
		obj_lock();
	return t->state != TS_DEAD;
}

/*
 * Kernel objects: a call answered at once. What changes shared state runs
 * under the object lock, one CPU at a time, with the slot read and decoded
 * again under the lock; what only reads (MU_OP_NOLOCK) runs as on the IPC path,
 * and under the lock after all if it says it needs it (IPC_NEED_LOCK).
 */
static int invoke(struct thread *t, uint32_t idx, struct kobj *o, uint8_t rights, uint32_t tag)
{
	const struct mu_op *op;
	struct cpu *c = this_cpu();
	int err = syscall_decode(t, o, rights, tag, &op);
	lat_set_op(c, MU_LAT_OP(MU_LAT_SYSCALL, o->type, MU_TAG_LABEL(tag)));
	if (err)
		return err;
	if ((op->flags & MU_OP_NOLOCK) && (err = dispatch(t, idx, o, tag)) != IPC_NEED_LOCK)
		return err;   /* else it found it needs the lock after all (irq_unmask): as below */
	if (!lock_first(t))
		return MU_ECANCELED;
	c->op_start = cpu_now();   /* its slices count from here (preempt_due) */
	c->preemptible = true;
	if (!obj_reap())
		err = SYS_RESTART;    /* half-destroyed tasks are finished first */
	else if (t->state == TS_DEAD)
		err = MU_ECANCELED;   /* its own task was among them */
	else if (!(o = cap_read(&t->task->caps, idx, &rights)))
		err = MU_ECAP;
	else if ((err = syscall_decode(t, o, rights, tag, &op)) == MU_OK)
		err = dispatch(t, idx, o, tag);
	c->preemptible = false;
	return err;
}

/* Receive: open with capability index 0, closed on a gate bound to the caller otherwise. */
static int receive_once(struct thread *t, uint32_t idx, uint32_t timeout)
{
	struct gate *g = NULL;
	if (idx) {
		uint8_t rights;
		struct kobj *o = cap_read(&t->task->caps, idx, &rights);
		if (!o)
			return MU_ECAP;
		if (o->type != OBJ_GATE)
			return MU_ETYPE;
		if (!(rights & MU_R))
			return MU_EPERM;
		g = (struct gate *)o;
		if (g->bound != t)
			return MU_EINVAL;   /* one can only wait on one's own gates */
	}
	return ipc_receive(t, g, timeout);
}

static int receive(struct thread *t, uint32_t idx, uint32_t timeout)
{
	int err = receive_once(t, idx, timeout);
	if (err == IPC_NEED_LOCK)   /* a sender with items: look again under the lock */
		err = lock_first(t) ? receive_once(t, idx, timeout) : MU_ECANCELED;
	return err;
}

int syscall(struct thread *t)
{
	uint32_t idx = t->regs.r[0], tag = t->regs.r[1], flags = t->regs.r[2], timeout = t->regs.r[3];
	int err = MU_OK;
	lat_set_op(this_cpu(), MU_LAT_OP(MU_LAT_SYSCALL, MU_OBJ_GATE, flags));   /* IPC, unless invoke() says otherwise */
	if (MU_TAG_WORDS(tag) + 2 * MU_TAG_NITEMS(tag) > MU_MR_COUNT || flags > 7) {
		err = MU_EMSG;
	} else if (MU_TAG_NITEMS(tag) && flags != MU_RECV && !lock_first(t)) {
		err = MU_ECANCELED;   /* items move under the object lock (IPC_NEED_LOCK) */
	} else if (flags & MU_REPLY) {
		err = ipc_reply(t, tag);
		if (err == MU_OK && (flags & MU_RECV))
			err = receive(t, idx, timeout);
	} else if (flags == MU_RECV) {
		err = receive(t, idx, timeout);
	} else {
		uint8_t rights;
		struct kobj *o = cap_read(&t->task->caps, idx, &rights);
		if (!o)
			err = MU_ECAP;
		else if (!(rights & MU_R))
			err = MU_EPERM;
		else if (o->type == OBJ_GATE && MU_TAG_LABEL(tag) != MU_GATE_BIND)
			err = ipc_invoke_gate(t, (struct gate *)o, tag, flags, timeout);
		else {
			err = invoke(t, idx, o, rights, tag);
			if (err != SYS_RESTART)
				t->regs.r[1] = MU_TAG(err, 0);   /* answered like a server's reply: label = result */
		}
	}
	if (obj_held())
		obj_unlock();
	kcheck(err != IPC_NEED_LOCK);
	if (err == SYS_RESTART) {
		t->regs.pc -= t->regs.cpsr & 0x20u ? 2 : 4;   /* the svc again (Thumb: 2 bytes), r0-r3 as they were */
		return err;
	}
	t->cont = 0;
	if (err != IPC_BLOCKED && t->state != TS_DEAD)   /* not if it exited or blocked */
		t->regs.r[0] = (uint32_t)err;
	return err;
}
