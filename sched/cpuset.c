/* CPU sets: see cpuset.h. */
#include "sched/cpuset.h"

bool cpuset_has(uint32_t desc, uint32_t map, unsigned cpu)
{
	uint32_t offset = desc & 0xffffffu, gran = desc >> 24;
	if (gran > 31 || cpu < offset)
		return false;
	uint32_t idx = (cpu - offset) >> gran;
	return idx < 32 && (map >> idx) & 1;
}

static bool usable(uint32_t desc, uint32_t map, uint32_t online, unsigned cpu)
{
	return cpu < 32 && (online >> cpu) & 1 && cpuset_has(desc, map, cpu);
}

int cpuset_pick(uint32_t desc, uint32_t map, uint32_t online, unsigned own, unsigned caller)
{
	if (usable(desc, map, online, own))
		return (int)own;
	if (usable(desc, map, online, caller))
		return (int)caller;
	for (unsigned i = 0; i < 32; i++)
		if (usable(desc, map, online, i))
			return (int)i;
	return -1;
}
