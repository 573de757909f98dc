/*
 * Capability invocation, the one system call: decode and check everything,
 * then act. Objects so far: the debug console and the caller's own thread.
 */
#include "kernel.h"
#include "thread.h"
#include "cpu.h"

static int console_invoke(struct thread *t, uint32_t tag)
{
	if (MU_TAG_LABEL(tag) != MU_CONSOLE_WRITE)
		return MU_ENOSYS;
	uint32_t n = t->utcb->mr[0];
	if (n > MU_CONSOLE_MAX || MU_TAG_WORDS(tag) < 1 + (n + 3) / 4)
		return MU_EMSG;
	char buf[MU_CONSOLE_MAX];
	kmemcpy(buf, &t->utcb->mr[1], n);
	kwrite(buf, n);
	return MU_OK;
}

static int thread_invoke(struct thread *t, struct cap *cap, uint32_t tag)
{
	if (cap->obj != t)
		return MU_EINVAL;   /* acting on other threads comes with the thread object */
	switch (MU_TAG_LABEL(tag)) {
	case MU_THREAD_EXIT:
		thread_kill(t, (int)t->utcb->mr[0], "exit");
		return MU_OK;
	case MU_THREAD_SET_TLS:
		t->tls = t->utcb->mr[0];
		arch_set_user_tp(t->tls, UTCB_VA);
		return MU_OK;
	default:
		return MU_ENOSYS;
	}
}

int syscall(struct thread *t)
{
	uint32_t idx = t->regs.r[0], tag = t->regs.r[1];
	int err;
	if (idx >= TASK_CAPS || t->task->caps[idx].type == OBJ_NONE) {
		err = MU_ECAP;
	} else if (MU_TAG_WORDS(tag) > MU_MR_COUNT) {
		err = MU_EMSG;
	} else {
		struct cap *cap = &t->task->caps[idx];
		switch (cap->type) {
		case OBJ_CONSOLE: err = console_invoke(t, tag); break;
		case OBJ_THREAD: err = thread_invoke(t, cap, tag); break;
		default: err = MU_ETYPE; break;
		}
	}
	if (this_cpu()->current == t)   /* not if it exited */
		t->regs.r[0] = (uint32_t)err;
	return err;
}
