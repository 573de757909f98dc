/* What the test scenarios share (main.c: kernel scenarios, lb.c: the balancer's). */
#ifndef MUON_TESTS_H
#define MUON_TESTS_H

#include <stdio.h>
#include <muon/user.h>
#include "scenarios.h"

#define CHECK(c) do { if (!(c)) { printf("tests: check failed: %s (line %d)\n", #c, __LINE__); return __LINE__; } } while (0)
#define EXPECT(call, err) do { int e_ = (call); if (e_ != (err)) { \
	printf("tests: %s returned %d, expected %d (line %d)\n", #call, e_, (err), __LINE__); return __LINE__; } } while (0)

int start_arg(uint32_t thread, void (*fn)(void), void *stack_top, uint32_t prio, uint32_t arg);
int lb_test(uint32_t mode);
int test_rights(void);   /* rights.c */
int test_asid(void);   /* asid.c */
int test_fast(void);   /* fast.c: the IPC fast path */
int test_long_ops(uint32_t rounds);   /* lat.c: the kernel's long operations */
int test_counters(void);   /* lat.c: the kernel's per-CPU counters */
int race_test(uint32_t mode, uint32_t seed, uint32_t scale);
int stress_phase(uint32_t mode, uint32_t round);

/* ci/stress builds set these (CMake MUON_STRESS); a normal build runs no stress phase. */
#ifndef MUON_STRESS_SEED
#define MUON_STRESS_SEED 1u
#endif
#ifndef MUON_STRESS_PAUSE
#define MUON_STRESS_PAUSE 0u
#endif
#ifndef MUON_STRESS_PHASE_MS
#define MUON_STRESS_PHASE_MS 8000u
#endif

#endif
