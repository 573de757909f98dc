/* Faults become calls to the pager or exception handler (fault.c). */
#ifndef FAULT_H
#define FAULT_H

#include "kernel/kernel.h"

struct thread;

void fault_raise(struct thread *t, unsigned kind);
void fault_reply(struct thread *t, uint32_t tag, unsigned items_done);   /* reply registers in t->fault_mr */
void fault_unresolved(struct thread *t, const char *why);

#endif
