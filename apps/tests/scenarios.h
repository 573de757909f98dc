/*
 * The scenarios of the tests program, passed in r0 by init's test driver:
 * the one list both sides read (apps/tests/main.c picks the scenario,
 * apps/tests/driver/boot.c names the tests that run them).
 */
#ifndef MUON_SCENARIOS_H
#define MUON_SCENARIOS_H

enum { M_HELLO, M_UNDEF, M_DABT, M_IPC, M_QUOTA, M_HOSTILE, M_SERVER, M_CLIENT, M_BENCH, M_MEMORY, M_IRQ, M_SMP,
       M_XIPC, M_SCHED_API, M_LB_VIEW, M_LB_PIN, M_LB_TOGETHER, M_LB_APART, M_LB_VM, M_LB_BALANCE, M_LB_POWER,
       M_LB_CRASH, M_TRACE, M_CPU_POWER, M_RIGHTS, M_ASID, M_FAST, M_LONG_OPS, M_COUNTERS,
       /* race.c: ci/test's race scenarios, then ci/stress's phases (r0 = mode | round << 8) */
       M_RACE_KILL_LOCK, M_RACE_MIGRATE, M_RACE_MIGRATE_LOCK, M_RACE_KILL_MOVE,
       M_STRESS_FUZZ, M_STRESS_FUZZ_MEM, M_STRESS_SELF_DESTRUCT, M_STRESS_QUOTA, M_STRESS_LONG_OPS,
       M_STRESS_RACE0 /* + the race scenario's index: M_RACE_KILL_LOCK.. */ };

#endif
