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

/* Invoke capability `cap` with message tag `tag`; returns enum mu_err. */
static inline int mu_invoke(uint32_t cap, uint32_t tag, uint32_t flags)
{
	register uint32_t r0 __asm__("r0") = cap;
	register uint32_t r1 __asm__("r1") = tag;
	register uint32_t r2 __asm__("r2") = flags;
	__asm__ volatile("svc #0" : "+r"(r0), "+r"(r1), "+r"(r2) : : "memory", "r3", "r12", "lr");
	return (int)r0;
}

extern uint32_t mu_start_arg;   /* the argument the creator passed in r0 */

int mu_console_write(const char *s, uint32_t n);
__attribute__((noreturn)) void mu_exit(int status);

#endif
