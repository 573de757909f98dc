/*
 * The decoder of kernel-object invocations: the operations table
 * (muon/ops.h) checks the label, the capability's rights and the message's
 * size before anything is done. Inline: syscall.c decodes every invocation,
 * and the fast path (fastpath.c) answers one the decoder rejects at once.
 */
#ifndef DECODE_H
#define DECODE_H

#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "muon/ops.h"

/* The operation's row: unknown label, missing right, too short a message. */
static inline __attribute__((always_inline)) int syscall_decode(struct thread *t, struct kobj *o, uint8_t rights,
								uint32_t tag, const struct mu_op **row)
{
	const struct mu_op *op = &mu_ops[MU_TAG_LABEL(tag) < MU_OPS_COUNT ? MU_TAG_LABEL(tag) : 0];
	if (op->obj != o->type)   /* entry 0 and the holes have obj 0, no object's type */
		return MU_ENOSYS;
	uint8_t need = op->rights;
	if ((op->flags & MU_OP_OWN_TASK) && o == &t->task->hdr)
		need &= (uint8_t)~MU_W;
	if ((rights & need) != need)
		return MU_EPERM;
	if (MU_TAG_WORDS(tag) < op->words || MU_TAG_NITEMS(tag) < op->items)
		return MU_EMSG;
	*row = op;
	return MU_OK;
}

#endif
