/* Loading an ELF boot module into a task (elf.c). */
#ifndef ELF_H
#define ELF_H

#include "kernel/kernel.h"

struct task;

int elf_load(struct task *t, const void *image, uint32_t size, uintptr_t *entry);

#endif
