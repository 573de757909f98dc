/* Threads and tasks: the objects a CPU runs and the address spaces they run in. */
#ifndef THREAD_H
#define THREAD_H

#include "kernel.h"
#include "rq.h"
#include "abi.h"

#define TASK_CAPS 16
#define UTCB_VA   0x7fff0000u
#define STACK_TOP 0x7ff00000u
#define STACK_PAGES 4

enum obj_type { OBJ_NONE, OBJ_TASK, OBJ_THREAD, OBJ_CONSOLE };
enum thread_state { TS_READY, TS_RUNNING, TS_DEAD };

struct cap {
	uint8_t type;    /* enum obj_type */
	uint8_t rights;
	void *obj;
};

struct task {
	uint32_t *l1;                 /* user page table (kernel VA) */
	unsigned asid;
	unsigned nthreads;            /* guarded by the owning CPU for now */
	struct cap caps[TASK_CAPS];
	const char *name;
	void (*on_exit)(int status, const char *why);  /* the boot tests' observer, called after teardown */
};

struct thread {
	struct arch_regs regs;        /* first: the exception entry saves here */
	struct rq_link link;          /* in its CPU's ready queue */
	struct task *task;
	struct mu_utcb *utcb;         /* kernel view of the UTCB page */
	uint32_t tls;                 /* user TLS pointer, TPIDRURO while it runs */
	unsigned cpu;                 /* the CPU it lives on; only run_thread changes it */
	uint8_t state;                /* enum thread_state */
};

struct task *task_create(const char *name);
struct thread *thread_create(struct task *t, uintptr_t entry, uintptr_t sp, uint32_t arg, uint8_t prio);
void thread_kill(struct thread *t, int status, const char *why);
int elf_load(struct task *t, const void *image, uint32_t size, uintptr_t *entry);

/* Scheduling on the current CPU. */
void sched_ready(struct thread *t);
__attribute__((noreturn)) void schedule(void);
void irq_dispatch(void);
int syscall(struct thread *t);

#endif
