/*
 * Kernel objects: their types and their end. Every object starts with a
 * struct kobj (cap.h) and lives in memory charged to the factory that made
 * it (factory.h).
 */
#ifndef OBJ_H
#define OBJ_H

#include "kernel/kernel.h"
#include "muon/abi.h"
#include "kernel/cap.h"

/* The user ABI's numbers: the operations table (muon/ops.h) names objects by them. */
enum obj_type { OBJ_NONE, OBJ_TASK = MU_OBJ_TASK, OBJ_THREAD = MU_OBJ_THREAD, OBJ_GATE = MU_OBJ_GATE, OBJ_IRQ = MU_OBJ_IRQ,
		OBJ_FACTORY = MU_OBJ_FACTORY, OBJ_CONSOLE = MU_OBJ_CONSOLE, OBJ_SCHED = MU_OBJ_SCHED };

void obj_release(struct kobj *o, void *ctx);
bool obj_reap(void);   /* destroys the tasks released by capability operations; false: stopped (cpu.h) */
bool cap_remove(struct cap *c, bool del);   /* cap_revoke (del: cap_delete) in parts; false: stopped */

#endif
