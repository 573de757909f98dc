/* Tasks (task.c): an address space and a capability table. */
#ifndef TASK_H
#define TASK_H

#include "kernel/kernel.h"
#include "muon/abi.h"
#include "kernel/cap.h"
#include "kernel/cpu.h"

#define UTCB_VA   0x7fff0000u
#define STACK_TOP 0x7ff00000u
#define STACK_PAGES 4

struct factory;
struct thread;

struct task {
	struct kobj hdr;
	struct factory *factory;      /* pays for the task, its tables and threads */
	uint32_t *l1;                 /* user page table (kernel VA) */
	uint32_t l1_pa;               /* its physical address, for TTBR0 */
	void *shadow_dir;             /* map.c: one page of pointers to mapping shadows */
	uint64_t asid_ctx;            /* asid.c: ASID generation << 8 | tag, ASID_NONE before its first run */
	struct thread *threads;       /* under obj_lock: its threads, linked through task_next */
	const char *name;
	struct cap_table caps;
	struct cap slots[MU_CAP_SLOTS];   /* written under obj_lock, read lock-free by IPC (cap_read) */
	struct task *next_dead;       /* under obj_lock: on the list of tasks waiting to be destroyed */
	uint32_t reap_slot;           /* under obj_lock: on that list, the first slot not yet deleted */
	bool dying;                   /* under obj_lock: on that list: no item may land in it any more */
};

#include "kernel/asid.h"

struct task *task_create(struct factory *f, const char *name);
int map_fresh_pages(struct task *t, uintptr_t va, unsigned n, unsigned prot);  /* 0 or -1 */

#endif
