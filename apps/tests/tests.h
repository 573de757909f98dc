/* What the test scenarios share (main.c: kernel scenarios, lb.c: the balancer's). */
#ifndef MUON_TESTS_H
#define MUON_TESTS_H

#include <stdio.h>
#include <muon/user.h>

/* Scenarios, passed in r0 by init (apps/init/main.c keeps the same list). */
enum { M_HELLO, M_UNDEF, M_DABT, M_IPC, M_QUOTA, M_HOSTILE, M_SERVER, M_CLIENT, M_BENCH, M_MEMORY, M_IRQ, M_SMP,
       M_XIPC, M_SCHED_API, M_LB_VIEW, M_LB_PIN, M_LB_TOGETHER, M_LB_APART, M_LB_VM, M_LB_BALANCE, M_LB_POWER,
       M_LB_CRASH, M_TRACE, M_CPU_POWER, M_RIGHTS, M_ASID, M_FAST };

#define CHECK(c) do { if (!(c)) { printf("tests: check failed: %s (line %d)\n", #c, __LINE__); return __LINE__; } } while (0)
#define EXPECT(call, err) do { int e_ = (call); if (e_ != (err)) { \
	printf("tests: %s returned %d, expected %d (line %d)\n", #call, e_, (err), __LINE__); return __LINE__; } } while (0)

static inline uint32_t *mr(void) { return mu_utcb()->mr; }

int create(uint32_t type, uint32_t slot, uint32_t a, uint32_t b);
int delete_cap(uint32_t slot);
int start_arg(uint32_t thread, void (*fn)(void), void *stack_top, uint32_t prio, uint32_t arg);
int lb_test(uint32_t mode);
int test_rights(void);   /* rights.c */
int test_asid(void);   /* asid.c */
int test_fast(void);   /* fast.c: the IPC fast path */

#endif
