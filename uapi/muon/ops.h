/*
 * The kernel objects' operations: one row each, the only place that says
 * what an invocation of a kernel object must bring. kernel/syscall.c decodes
 * every such invocation through this table before anything happens, in this
 * order:
 *   no row for (object type, the tag's label)   MU_ENOSYS
 *   the capability lacks a right of `rights`    MU_EPERM
 *   fewer message words or items than the row's MU_EMSG
 * and then dispatches. apps/tests/rights.c tries every row with each right
 * missing and with too few words, so a new row is tested as it is added.
 *
 * What is not a right of the invoked capability stays with the operation:
 * rules about the arguments (THREAD_EXIT only on oneself, ranges, states) and
 * the rights of capabilities the message names (a thread to bind needs MU_W).
 * A gate's other labels are IPC to its bound thread (needing MU_R), not rows.
 */
#ifndef MUON_OPS_H
#define MUON_OPS_H

#include <stdint.h>
#include "abi.h"

enum {
	MU_OP_NOLOCK = 1,   /* reads only, or touches only the caller, or (IRQ_UNMASK of a timer that paces)
			     * one flag: runs without the kernel's object lock, unless it finds it needs it */
	MU_OP_OWN_TASK = 2, /* on the caller's own task MU_W is not needed (undoing one's own mappings) */
};

struct mu_op {
	uint8_t obj;        /* MU_OBJ_* */
	uint8_t rights;     /* MU_R, MU_W, MU_S, MU_D the capability must hold */
	uint8_t words;      /* message words the operation reads, at least */
	uint8_t items;      /* message items, at least */
	uint8_t flags;      /* MU_OP_* */
	uint16_t label;
};

/* Indexed by label (labels are unique across object types): decoding is one load. */
#define MU_OP(obj, rights, words, items, flags, label) [label] = { obj, rights, words, items, flags, label }
static const struct mu_op mu_ops[] = {
	/*    obj             rights       words items flags           label */
	MU_OP(MU_OBJ_CONSOLE, MU_R,         1, 0, MU_OP_NOLOCK,   MU_CONSOLE_WRITE),
	MU_OP(MU_OBJ_CONSOLE, MU_R,         0, 0, MU_OP_NOLOCK,   MU_CONSOLE_READ),
	MU_OP(MU_OBJ_CONSOLE, MU_R,         3, 0, MU_OP_NOLOCK,   MU_CONSOLE_TRACE),
	MU_OP(MU_OBJ_CONSOLE, MU_R | MU_W,  0, 0, MU_OP_NOLOCK,   MU_CONSOLE_TRACE_DUMP),
	MU_OP(MU_OBJ_THREAD,  MU_R,         1, 0, 0,              MU_THREAD_EXIT),
	MU_OP(MU_OBJ_THREAD,  MU_R | MU_W,  1, 0, 0,              MU_THREAD_SET_TLS),
	MU_OP(MU_OBJ_THREAD,  MU_R | MU_W,  4, 0, 0,              MU_THREAD_START),
	MU_OP(MU_OBJ_THREAD,  MU_R | MU_W,  2, 0, 0,              MU_THREAD_CONTROL),
	MU_OP(MU_OBJ_THREAD,  MU_R,         0, 0, MU_OP_NOLOCK,   MU_THREAD_CLOCK),
	MU_OP(MU_OBJ_THREAD,  MU_R,         0, 0, MU_OP_NOLOCK,   MU_THREAD_INFO),
	MU_OP(MU_OBJ_TASK,    MU_R | MU_W,  2, 0, 0,              MU_TASK_MAP),
	MU_OP(MU_OBJ_TASK,    MU_R | MU_W,  4, 0, MU_OP_OWN_TASK, MU_TASK_UNMAP),
	MU_OP(MU_OBJ_FACTORY, MU_R | MU_W,  4, 0, 0,              MU_FACTORY_CREATE),
	MU_OP(MU_OBJ_FACTORY, MU_R,         0, 0, MU_OP_NOLOCK,   MU_FACTORY_INFO),
	MU_OP(MU_OBJ_GATE,    MU_R | MU_S,  2, 0, 0,              MU_GATE_BIND),
	MU_OP(MU_OBJ_IRQ,     MU_R | MU_W,  2, 0, 0,              MU_IRQ_BIND),
	MU_OP(MU_OBJ_IRQ,     MU_R | MU_W,  0, 0, MU_OP_NOLOCK,   MU_IRQ_UNMASK),
	MU_OP(MU_OBJ_IRQ,     MU_R | MU_W,  0, 0, 0,              MU_IRQ_TRIGGER),
	MU_OP(MU_OBJ_SCHED,   MU_R,         0, 0, MU_OP_NOLOCK,   MU_SCHED_INFO),
	MU_OP(MU_OBJ_SCHED,   MU_R | MU_W,  4, 1, 0,              MU_SCHED_RUN_THREAD),
	MU_OP(MU_OBJ_SCHED,   MU_R,         1, 0, MU_OP_NOLOCK,   MU_SCHED_IDLE_TIME),
	MU_OP(MU_OBJ_SCHED,   MU_R | MU_W,  2, 0, 0,              MU_SCHED_CPU_POWER),
	MU_OP(MU_OBJ_SCHED,   MU_R | MU_W,  2, 0, MU_OP_NOLOCK,   MU_SCHED_CPU_OWNER),
};
/* Entries of mu_ops, rows and holes (obj 0: no such operation). */
#define MU_OPS_COUNT (sizeof(mu_ops) / sizeof(mu_ops[0]))

#endif
