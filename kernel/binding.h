/*
 * A gate's or IRQ's binding, thread and label, is one 64-bit word: written
 * whole under obj_lock (binding_set), read whole and lock-free (binding_get)
 * with one single-copy-atomic load (LDREXD, arch_load64), so a sender or
 * a notification never pairs one binding's thread with another's label.
 * Ordering: binding_set stores the word with release (under obj_lock);
 * binding_get's load is relaxed and single-copy atomic: the thread it names
 * is held by its kref, and what the sender then reads of the thread follows
 * that thread's own rules (thread.h).
 */
#ifndef BINDING_H
#define BINDING_H

#include "kernel/kernel.h"

struct thread;

#define BINDING struct { struct thread *bound; uint32_t label; }

static inline void binding_set(uint64_t *w, struct thread *th, uint32_t label)
{
	union { BINDING; uint64_t binding; } b = { { th, label } };
	__atomic_store_n(w, b.binding, __ATOMIC_RELEASE);
}

static inline struct thread *binding_get(const uint64_t *w, uint32_t *label)
{
	union { BINDING; uint64_t binding; } b;
	b.binding = arch_load64(w);
	*label = b.label;
	return b.bound;
}

#endif
