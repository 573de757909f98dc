/* IRQ objects (irq.c): an interrupt, or a periodic timer, delivered to a bound thread as a notification. */
#ifndef IRQ_H
#define IRQ_H

#include "kernel/kernel.h"
#include "kernel/cap.h"
#include "kernel/cpu.h"
#include "kernel/binding.h"

struct factory;

struct irq {
	struct kobj hdr;
	struct factory *factory;
	unsigned irq;                 /* GIC interrupt ID (a shared peripheral interrupt) */
	union {
		BINDING;                  /* under obj_lock: the thread (kref) and label, or NULL */
		uint64_t binding;
	};
	bool pending;                 /* owned by bound's CPU: fired while the thread was not waiting */
	struct irq *next_pending;     /* owned by bound's CPU: in bound->irq_pending */
	uint32_t pending_label;       /* owned by bound's CPU: the label of the binding it fired for */
	struct drq drq;               /* the notification, to the bound thread's CPU */
	/* MU_IRQ_TIMER only: */
	uint32_t period_ns;
	int cpu;                      /* the CPU it paces (it first unmasked there), or -1. Ordering: set once
				       * under obj_lock, read relaxed by irq_unmask without it */
	bool masked;                  /* atomic: fired and not yet unmasked. Ordering: set with release (irq_pace)
				 * or an acq_rel exchange (irq_signal), cleared with release by irq_unmask,
				 * read with acquire by irq_pace */
	uint32_t missed, report;      /* owned by its CPU: periods that found it masked; in the last notification */
	uint32_t missed_slept;        /* owned by its CPU: of missed, those nothing stood in the way of (irq_pace) */
	uint32_t slept;               /* owned by its CPU: of report + 1, those nothing stood in the way of (irq_pace);
				       * 0 if the notified one had something in its way */
};

struct irq *irq_create(struct factory *f, unsigned irq, uint32_t period_us, int *err);
void irq_signal(unsigned id);   /* console_irq: input for the MU_IRQ_CONSOLE object's thread */
int irq_unmask(struct irq *q);
void irq_pace(uint64_t now);                /* the timer fired: this CPU's MU_IRQ_TIMER object, if due */
void irq_free(struct irq *q);
void irq_bind(struct irq *q, struct thread *th, uint32_t label);
bool irq_fire(unsigned id);                  /* from irq_dispatch: true if an IRQ object took it */
bool irq_deliver_pending(struct thread *t);  /* at receive: one pending notification delivered */
void irq_dispatch(void);                     /* smp.c: this CPU's pending interrupts, all of them */

#endif
