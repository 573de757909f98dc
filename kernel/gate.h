/* IPC gates (task.c): a capability to send to the thread bound to it, with its label. */
#ifndef GATE_H
#define GATE_H

#include "kernel/kernel.h"
#include "kernel/cap.h"
#include "kernel/binding.h"

struct factory;

struct gate {
	struct kobj hdr;
	struct factory *factory;
	union {
		BINDING;                  /* bound: the receiver (kref), or NULL */
		uint64_t binding;
	};
};

static inline void gate_set(struct gate *g, struct thread *th, uint32_t label) { binding_set(&g->binding, th, label); }
static inline struct thread *gate_peer(const struct gate *g, uint32_t *label) { return binding_get(&g->binding, label); }

struct gate *gate_create(struct factory *f);

#endif
