/* The user runtime: system call stubs over the uapi ABI, and console I/O. */
#ifndef MUON_USER_H
#define MUON_USER_H

#include <stdint.h>
#include <muon/abi.h>

static inline struct mu_utcb *mu_utcb(void)
{
	struct mu_utcb *u;
	__asm__ volatile("mrc p15, 0, %0, c13, c0, 2" : "=r"(u));
	return u;
}

/* This thread's message registers: mr()[i] is word i of the message sent or received. */
static inline uint32_t *mr(void) { return mu_utcb()->mr; }

/* The raw system call: returns enum mu_err; *tag and *label get r1 and r2. */
static inline int mu_ipc(uint32_t cap, uint32_t tag, uint32_t flags, uint32_t timeout,
			 uint32_t *rtag, uint32_t *label)
{
	register uint32_t r0 __asm__("r0") = cap;
	register uint32_t r1 __asm__("r1") = tag;
	register uint32_t r2 __asm__("r2") = flags;
	register uint32_t r3 __asm__("r3") = timeout;
	__asm__ volatile("svc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory", "r12", "lr");
	if (rtag)
		*rtag = r1;
	if (label)
		*label = r2;
	return (int)r0;
}

/*
 * The hint for a busy loop (YIELD, ARMv6K and later). The hardware treats it
 * as a no-op; QEMU's single-threaded TCG, which -icount (ci/bench) uses,
 * switches to the next vCPU on it. A vCPU that computes without it, and
 * without entering WFI or WFE, otherwise keeps every vCPU after it from
 * running until the next timer deadline (docs/benchmarks.md).
 */
static inline void mu_relax(void) { __asm__ volatile("yield" ::: "memory"); }

/* Call a kernel object or a server: send, then wait for the reply. */
static inline int mu_invoke(uint32_t cap, uint32_t tag, uint32_t flags)
{
	return mu_ipc(cap, tag, flags ? flags : MU_SEND | MU_RECV, MU_TIMEOUT_NEVER, 0, 0);
}
static inline int mu_call(uint32_t cap, uint32_t tag, uint32_t *rtag)
{
	return mu_ipc(cap, tag, MU_SEND | MU_RECV, MU_TIMEOUT_NEVER, rtag, 0);
}
static inline int mu_wait(uint32_t timeout, uint32_t *tag, uint32_t *label)
{
	return mu_ipc(0, 0, MU_RECV, timeout, tag, label);
}
static inline int mu_reply_wait(uint32_t tag, uint32_t timeout, uint32_t *rtag, uint32_t *label)
{
	return mu_ipc(0, tag, MU_REPLY | MU_RECV, timeout, rtag, label);
}

/* A call to a kernel object or a server, read alike: r0 if the IPC failed, else the reply's label. */
static inline int mu_rpc(uint32_t cap, uint32_t tag)
{
	uint32_t rtag;
	int err = mu_ipc(cap, tag, MU_SEND | MU_RECV, MU_TIMEOUT_NEVER, &rtag, 0);
	return err ? err : (int)MU_TAG_LABEL(rtag);
}

/* The Scheduler protocol (abi.h): the kernel's object or a balancer instance alike. */
static inline int mu_run_thread(uint32_t sched, uint32_t thread, uint32_t prio, uint32_t desc, uint32_t map,
				uint32_t quantum_us)
{
	uint32_t *mr = mu_utcb()->mr;
	mr[0] = prio; mr[1] = desc; mr[2] = map; mr[3] = quantum_us;
	mr[4] = MU_ITEM_CAP | (MU_RIGHTS_ALL << 4); mr[5] = thread;
	int err = mu_rpc(sched, MU_TAG_ITEMS(MU_SCHED_RUN_THREAD, 4, 1));
	return err ? -err : (int)mr[0];
}

/*
 * Object helpers (muon.c), one message each. Each returns MU_OK or the
 * error (enum mu_err) of the invocation.
 */
/* MU_FACTORY_CREATE on `factory`: an object of `type` in our slot `slot`, a and b as abi.h says per type. */
int mu_factory_create(uint32_t factory, uint32_t type, uint32_t slot, uint32_t a, uint32_t b);
/* The same on our own factory (MU_CAP_FACTORY). */
static inline int mu_create(uint32_t type, uint32_t slot, uint32_t a, uint32_t b)
{
	return mu_factory_create(MU_CAP_FACTORY, type, slot, a, b);
}
/* MU_GATE_BIND or MU_IRQ_BIND (op) on obj: messages through it go to `thread` with `label`. */
int mu_bind(uint32_t obj, uint32_t op, uint32_t thread, uint32_t label);
/* MU_THREAD_CONTROL: the thread's pager and exception handler (~0u: leave the pager as it is). */
int mu_thread_control(uint32_t thread, uint32_t pager, uint32_t exc_handler);
/* MU_THREAD_START: run fn(arg) on the stack ending at stack_top, at priority prio (at most the caller's). */
int mu_thread_start(uint32_t thread, void (*fn)(uint32_t), void *stack_top, uint32_t arg, uint32_t prio);
/* MU_TASK_UNMAP of one capability slot of our own task: the capability is deleted. */
int mu_delete_cap(uint32_t slot);
/* The board clock in ns (MU_THREAD_CLOCK on our first thread: any thread of the task may ask); 0 if it fails. */
uint64_t mu_clock_ns(void);

extern uint32_t mu_start_arg;   /* the argument the creator passed in r0 */

int mu_console_write(const char *s, uint32_t n);
__attribute__((noreturn)) void mu_exit(int status);

#endif
