/* The console object's input and trace operations (console.c). */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

struct thread;

void console_init(void);                                          /* enable the receive interrupt */
bool console_irq(unsigned id);                                    /* irq_dispatch: the console's interrupt? */
int console_op(struct thread *t, uint32_t tag);                    /* MU_CONSOLE_READ, _TRACE, _TRACE_DUMP */

#endif
