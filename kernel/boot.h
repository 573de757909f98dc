/* The boot tasks, sigma0 and init (boot.c). */
#ifndef BOOT_H
#define BOOT_H

#include "kernel/kernel.h"

struct thread;

void boot_user(void);
bool sigma0_fault(struct thread *t, uint32_t addr);

#endif
