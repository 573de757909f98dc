/* Host tests of the CPU-set arithmetic of the Scheduler protocol (sched/cpuset.c). */
#include "check.h"
#include "cpuset.h"

#define DESC(offset, gran) (((uint32_t)(gran) << 24) | (offset))

static void test_plain_bitmap(void)
{
	for (unsigned cpu = 0; cpu < 32; cpu++) {
		CHECK(cpuset_has(DESC(0, 0), 1u << cpu, cpu));
		CHECK(!cpuset_has(DESC(0, 0), ~(1u << cpu), cpu));
	}
	CHECK(!cpuset_has(DESC(0, 0), 0xffffffffu, 32));   /* past the map */
}

static void test_offset(void)
{
	CHECK(cpuset_has(DESC(64, 0), 1, 64));
	CHECK(!cpuset_has(DESC(64, 0), 1, 63));
	CHECK(cpuset_has(DESC(64, 0), 1u << 31, 95));
	CHECK(!cpuset_has(DESC(64, 0), 0xffffffffu, 96));
}

static void test_granularity(void)
{
	/* Granule 4: bit 0 = CPUs 0-3, bit 1 = 4-7, ... so 32 bits cover 128 CPUs. */
	CHECK(cpuset_has(DESC(0, 2), 1, 3));
	CHECK(!cpuset_has(DESC(0, 2), 1, 4));
	CHECK(cpuset_has(DESC(0, 2), 2, 7));
	CHECK(cpuset_has(DESC(0, 2), 1u << 31, 127));
	CHECK(!cpuset_has(DESC(0, 2), 0xffffffffu, 128));
	CHECK(cpuset_has(DESC(0, 31), 1, 0x7fffffffu));
	CHECK(!cpuset_has(DESC(0, 32), 0xffffffffu, 0));   /* granularity out of range */
}

static void test_pick_order(void)
{
	uint32_t online = 0xf;
	CHECK_EQ(cpuset_pick(DESC(0, 0), 0xf, online, 2, 1), 2);      /* its own CPU first */
	CHECK_EQ(cpuset_pick(DESC(0, 0), 0x3, online, 2, 1), 1);      /* then the caller's */
	CHECK_EQ(cpuset_pick(DESC(0, 0), 0xc, online, 0, 1), 2);      /* then the first in the set */
	CHECK_EQ(cpuset_pick(DESC(0, 0), 0x0, online, 0, 1), -1);     /* empty */
	CHECK_EQ(cpuset_pick(DESC(0, 0), 0x30, online, 0, 1), -1);    /* offline only */
	CHECK_EQ(cpuset_pick(DESC(0, 0), 0xc, 0x7, 3, 3), 2);         /* CPU3 offline */
	CHECK_EQ(cpuset_pick(DESC(2, 1), 0x1, online, 0, 0), 2);      /* CPUs 2-3 */
}

static void test_exhaustive_small(void)
{
	/* Every map over 4 CPUs and every online set: the pick is in the set, online, and by the rule. */
	for (uint32_t map = 0; map < 16; map++)
		for (uint32_t online = 0; online < 16; online++)
			for (unsigned own = 0; own < 4; own++)
				for (unsigned caller = 0; caller < 4; caller++) {
					int p = cpuset_pick(DESC(0, 0), map, online, own, caller);
					uint32_t ok = map & online;
					if (!ok) {
						CHECK_EQ(p, -1);
						continue;
					}
					CHECK(p >= 0 && (ok >> p) & 1);
					if ((ok >> own) & 1)
						CHECK_EQ(p, (int)own);
					else if ((ok >> caller) & 1)
						CHECK_EQ(p, (int)caller);
					else
						CHECK_EQ(p, __builtin_ctz(ok));
				}
}

int main(void)
{
	RUN(test_plain_bitmap);
	RUN(test_offset);
	RUN(test_granularity);
	RUN(test_pick_order);
	RUN(test_exhaustive_small);
	return check_summary();
}
