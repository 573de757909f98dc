/* The boot tasks, sigma0 and init (boot.c). */
#ifndef BOOT_H
#define BOOT_H

#include "kernel/kernel.h"

struct thread;

void boot_user(void);
bool sigma0_fault(struct thread *t, uint32_t addr);

/* bootmod.S: the boot modules linked into the image. */
extern const char bootmod_sigma0[], bootmod_sigma0_end[], bootmod_init[], bootmod_init_end[],
	bootmod_archive[], bootmod_archive_end[];

#endif
