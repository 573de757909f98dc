/* The per-CPU one-shot timer: the Cortex-A9/11MPCore private timer or the generic timer. */
#ifndef TIMER_H
#define TIMER_H

#include <stdint.h>

void arch_timer_init(uintptr_t twd_va, uint32_t hz); /* once; twd_va is 0 for the generic timer */
void arch_timer_init_cpu(void);                      /* on every CPU */
void arch_timer_oneshot_ns(uint64_t ns);             /* interrupt after ns (at most about 1 s) */
void arch_timer_stop(void);
void arch_timer_ack(void);                           /* clear and stop the current expiry */

#endif
