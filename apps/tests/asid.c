/*
 * asid_rollover: more tasks alive at once than the hardware has ASIDs (255),
 * each with a thread on one of the CPUs that writes its own page at an
 * address every task uses (its UTCB, at the same place in each) and reports
 * what it reads back through a gate. A TLB entry of another task under a
 * reused ASID would show another task's number or count. Then everything is
 * destroyed and our factory must be back to the byte.
 */
#include <string.h>
#include "tests.h"

enum { N_TASKS = 320, ROUNDS = 3, PRIO = 90, PER_KEEPER = 120 };
enum { KEEPERS = (N_TASKS + PER_KEEPER - 1) / PER_KEEPER };
enum { C_TASK = 20, C_THREAD = 21, C_GATE = 22, KEEP0 = 30 };   /* our slots */
enum { CHILD_GATE = 8, CHILD_THREAD = 9 };                          /* the child's */

/*
 * The child's program: one page of code and no stack. r0 = its number j.
 * mr[63] = j, then per round: mr[62] += 1 64 times, call the gate (slot 8)
 * with mr[0] = mr[63], mr[1] = rounds done, mr[2] = mr[62]; a reply with
 * mr[0] != 0 (or a failed call) ends it in an open wait.
 */
extern const char asid_child[];
__asm__(
	"	.pushsection .text.asid_child, \"ax\"\n"
	"	.arm\n"
	"	.balign 4096\n"
	"	.global asid_child\n"
	"asid_child:\n"
	"	mrc	p15, 0, r4, c13, c0, 2\n"   /* r4 = our UTCB (TPIDRURW) */
	"	str	r0, [r4, #252]\n"
	"	mov	r6, #0\n"
	"	str	r6, [r4, #248]\n"
	"1:	mov	r7, #64\n"
	"2:	ldr	r8, [r4, #248]\n"
	"	add	r8, r8, #1\n"
	"	str	r8, [r4, #248]\n"
	"	subs	r7, r7, #1\n"
	"	bne	2b\n"
	"	ldr	r8, [r4, #252]\n"
	"	str	r8, [r4]\n"
	"	str	r6, [r4, #4]\n"
	"	ldr	r8, [r4, #248]\n"
	"	str	r8, [r4, #8]\n"
	"	mov	r0, #8\n"                   /* CHILD_GATE */
	"	ldr	r1, =0x10003\n"             /* MU_TAG(1, 3) */
	"	mov	r2, #3\n"                   /* MU_SEND | MU_RECV */
	"	mvn	r3, #0\n"                   /* MU_TIMEOUT_NEVER */
	"	svc	#0\n"
	"	add	r6, r6, #1\n"
	"	cmp	r0, #0\n"
	"	bne	3f\n"
	"	ldr	r8, [r4]\n"
	"	cmp	r8, #0\n"
	"	beq	1b\n"
	"3:	mov	r0, #0\n"
	"	mov	r1, #0\n"
	"	mov	r2, #2\n"                   /* MU_RECV: nothing is bound to it, it waits for good */
	"	mvn	r3, #0\n"
	"	svc	#0\n"
	"	b	3b\n"
	"	.ltorg\n"
	"	.popsection\n");

static uint32_t used_now(void)
{
	mu_invoke(MU_CAP_FACTORY, MU_TAG(MU_FACTORY_INFO, 0), 0);
	return mr()[1];
}

/* Move (grant) our capability `from` to slot `to` of task `task`. */
static int grant_cap(uint32_t task, uint32_t to, uint32_t from)
{
	mr()[0] = to; mr()[1] = 0;
	mr()[2] = MU_ITEM_CAP | MU_ITEM_GRANT | (MU_RIGHTS_ALL << 4); mr()[3] = from;
	int e = mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0);
	return e ? e : mr()[0] == 1 ? MU_OK : MU_EBUSY;
}

static uint8_t rounds[N_TASKS];

int test_asid(void)
{
	uint32_t code = (uint32_t)asid_child;
	CHECK((code & 0xfff) == 0);
	uint32_t used0 = used_now();
	CHECK(mu_rpc(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0)) == MU_OK);
	uint32_t online = mr()[2], percpu[32] = { 0 };
	for (unsigned k = 0; k < KEEPERS; k++)
		EXPECT(mu_create(MU_OBJ_TASK, KEEP0 + k, 0, 0), MU_OK);
	unsigned cpu = 0;
	for (uint32_t j = 0; j < N_TASKS; j++) {
		int e = mu_create(MU_OBJ_TASK, C_TASK, 0, 0);
		if (e != MU_OK) {
			printf("tests: task %u of %u: creation failed with %d\n", (unsigned)j, N_TASKS, e);
			return __LINE__;
		}
		/* Our code page, read-only, at the same address; the UTCB on the next page. */
		mr()[0] = 0; mr()[1] = code;
		mr()[2] = MU_ITEM_MEM | ((MU_PROT_R | MU_PROT_X) << 4) | (12u << 8); mr()[3] = code;
		EXPECT(mu_invoke(C_TASK, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0), MU_OK);
		EXPECT(mu_create(MU_OBJ_THREAD, C_THREAD, C_TASK, code + 4096), MU_OK);
		EXPECT(mu_create(MU_OBJ_GATE, C_GATE, MU_CAP_THREAD, j), MU_OK);
		EXPECT(grant_cap(C_TASK, CHILD_GATE, C_GATE), MU_OK);
		do
			cpu = (cpu + 1) % 32;
		while (!(online & (1u << cpu)));
		int on = mu_run_thread(MU_CAP_SCHED, C_THREAD, PRIO, MU_CPUSET(0, 0), 1u << cpu, 0);
		CHECK(on >= 0 && on < 32);
		percpu[on]++;
		EXPECT(start_arg(C_THREAD, (void (*)(void))code, 0, PRIO, j), MU_OK);
		EXPECT(grant_cap(C_TASK, CHILD_THREAD, C_THREAD), MU_OK);
		EXPECT(grant_cap(KEEP0 + j / PER_KEEPER, MU_CAP_FIRST_FREE + j % PER_KEEPER, C_TASK), MU_OK);
	}
	uint32_t per_task = (used_now() - used0) / N_TASKS;
	/* Every task answers ROUNDS times from its own page; the last reply ends it. */
	uint32_t tag, label;
	int err = mu_wait(10000000, &tag, &label);
	for (unsigned n = 0; n < N_TASKS * ROUNDS; n++) {
		if (err != MU_OK) {
			printf("tests: call %u of %u: receive failed with %d\n", n, N_TASKS * ROUNDS, err);
			return __LINE__;
		}
		CHECK(label < N_TASKS && rounds[label] < ROUNDS && MU_TAG_WORDS(tag) == 3);
		uint32_t r = rounds[label]++;
		if (mr()[0] != label || mr()[1] != r || mr()[2] != 64 * (r + 1)) {
			printf("tests: task %u (round %u) saw %u, round %u, count %u: not its own page\n", (unsigned)label,
			       (unsigned)r, (unsigned)mr()[0], (unsigned)mr()[1], (unsigned)mr()[2]);
			return __LINE__;
		}
		mr()[0] = rounds[label] == ROUNDS;
		if (n + 1 < N_TASKS * ROUNDS)
			err = mu_reply_wait(MU_TAG(0, 1), 10000000, &tag, &label);
		else
			EXPECT(mu_ipc(0, MU_TAG(0, 1), MU_REPLY, 0, 0, 0), MU_OK);
	}
	mu_wait(50000, 0, 0);   /* 50 ms: the last ones reach their final wait */
	for (unsigned k = 0; k < KEEPERS; k++)
		EXPECT(mu_delete_cap(KEEP0 + k), MU_OK);
	uint32_t left = used_now() - used0;
	if (left) {
		printf("tests: %u bytes of quota not returned\n", (unsigned)left);
		return __LINE__;
	}
	printf("tests: asid_rollover ok (%u tasks alive at once, %u bytes each, %u calls; per CPU %u %u %u %u)\n",
	       N_TASKS, (unsigned)per_task, N_TASKS * ROUNDS, (unsigned)percpu[0], (unsigned)percpu[1],
	       (unsigned)percpu[2], (unsigned)percpu[3]);
	return 0;
}
