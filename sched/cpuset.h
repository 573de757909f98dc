/*
 * CPU sets as the Scheduler protocol describes them (uapi/muon/abi.h): a
 * descriptor (offset in bits 23..0, log2 granularity in bits 31..24) and a
 * 32-bit map, bit i standing for CPUs offset + (i << g) .. offset + ((i + 1) << g) - 1.
 * Pure functions, tested on the host.
 */
#ifndef CPUSET_H
#define CPUSET_H

#include <stdbool.h>
#include <stdint.h>

bool cpuset_has(uint32_t desc, uint32_t map, unsigned cpu);
/*
 * run_thread's choice among the CPUs in `online` (a bitmap of the first 32):
 * own if in the set, else caller, else the lowest online CPU of the set; -1 if none.
 */
int cpuset_pick(uint32_t desc, uint32_t map, uint32_t online, unsigned own, unsigned caller);

#endif
