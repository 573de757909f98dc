/*
 * Page faults and exceptions as IPC. A faulting thread calls its pager (for
 * aborts) or its exception handler (anything else, and aborts its pager could
 * not resolve) with a message the kernel writes for it. The pager answers
 * with a memory item that lands at the fault address; the exception handler
 * answers label 0 to resume with the registers it sends, or MU_EXC_KILL.
 * Without a handler, or when the handler goes away, the thread is killed.
 */
#include "kernel/kernel.h"
#include "kernel/obj.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "sched/sched.h"
#include "kernel/gate.h"
#include "kernel/ipc.h"
#include "kernel/fault.h"
#include "kernel/boot.h"
#include "kernel/cpu.h"

static const char *const trap_names[] = { "svc", "irq", "undefined instruction", "prefetch abort", "data abort" };

/* fault_kind and its byte in slow_only (thread.h), which the IPC fast path reads instead. */
static void set_fault(struct thread *t, int kind)
{
	t->fault_kind = kind;
	t->has_fault = kind != 0;
}

static void fault_kill(struct thread *t, unsigned kind, const char *why)
{
	kprintf("muon: cpu%u: task %s: %s at pc %08x addr %08x: %s: thread killed\n", this_cpu()->id,
		t->task->name, trap_names[kind], (unsigned)t->regs.pc, (unsigned)t->fault_addr, why);
	set_fault(t, 0);
	thread_kill(t, -(int)kind, trap_names[kind]);
}

/* Call the gate in t's slot idx with the fault message; false if that cannot be done. */
static bool fault_call(struct thread *t, uint32_t idx, unsigned kind, uint32_t label, unsigned words)
{
	uint8_t rights;
	struct kobj *o = idx ? cap_read(&t->task->caps, idx, &rights) : NULL;
	if (!o || o->type != OBJ_GATE || !(rights & MU_R))
		return false;
	set_fault(t, (int)kind);
	t->fault_label = label;
	int err = ipc_invoke_gate(t, (struct gate *)o, MU_TAG(label, words), MU_SEND | MU_RECV, MU_TIMEOUT_NEVER);
	if (err == IPC_BLOCKED)
		return true;
	set_fault(t, 0);
	return false;
}

static void raise_exception(struct thread *t, unsigned kind)
{
	kmemcpy(t->fault_mr, &t->regs, sizeof(t->regs));
	t->fault_mr[17] = kind;
	if (!fault_call(t, t->exc_handler, kind, MU_LABEL_EXCEPTION, 18))
		fault_kill(t, kind, t->exc_handler ? "exception handler unreachable" : "no exception handler");
}

void fault_raise(struct thread *t, unsigned kind)
{
	t->fault_addr = kind == TRAP_DABT_N ? arch_dfar() : t->regs.pc;
	bool write = kind == TRAP_DABT_N && (arch_dfsr() & (1u << 11));
	if ((kind == TRAP_DABT_N || kind == TRAP_PABT_N) && sigma0_fault(t, t->fault_addr))
		return;   /* the root pager's own memory: mapped, and the access runs again */
	if (kind == TRAP_DABT_N || kind == TRAP_PABT_N) {
		t->fault_mr[0] = t->fault_addr;
		t->fault_mr[1] = t->regs.pc;
		t->fault_mr[2] = write;
		if (fault_call(t, t->pager, kind, MU_LABEL_PAGEFAULT, 3))
			return;
	}
	raise_exception(t, kind);
}

void fault_unresolved(struct thread *t, const char *why)
{
	unsigned kind = (unsigned)t->fault_kind;
	set_fault(t, 0);
	if (kind == TRAP_DABT_N || kind == TRAP_PABT_N) {
		if (t->exc_handler) {
			raise_exception(t, kind);   /* the pager could not help: the handler decides */
			return;
		}
	}
	fault_kill(t, kind, why);
}

/* The handler's reply to t's fault message (memory items already mapped: items_done). */
void fault_reply(struct thread *t, uint32_t tag, unsigned items_done)
{
	unsigned kind = (unsigned)t->fault_kind;
	if (t->fault_label == MU_LABEL_PAGEFAULT) {
		if (!items_done)
			return fault_unresolved(t, "pager sent no page");
		set_fault(t, 0);
		sched_ready(t);   /* the instruction runs again */
		return;
	}
	if (MU_TAG_LABEL(tag) != 0 || MU_TAG_WORDS(tag) < 17)
		return fault_kill(t, kind, "killed by its exception handler");
	const uint32_t *mr = t->fault_mr;   /* the handler's registers, copied by the replier's CPU */
	kmemcpy(&t->regs, mr, 16 * 4);
	/* Flags, GE, E and T may change; the mode stays user and interrupts stay on. */
	t->regs.cpsr = (mr[16] & 0xf80f0220u) | PSR_USR;
	set_fault(t, 0);
	sched_ready(t);
}
