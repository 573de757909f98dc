/*
 * rights_table: every row of the kernel's operations table (muon/ops.h, the
 * same table the kernel decodes with) is invoked with each right it needs
 * missing (a copy of the capability with fewer rights, mapped into our own
 * task), with one message word or item too few, and with everything there:
 * MU_EPERM, MU_EMSG, and then neither. Then a gate held with MU_R only: its
 * holder can neither bind nor relabel it, nor wait or reply through it, and
 * the messages still reach the thread it is bound to. Last, a gate rebound
 * back and forth between two servers from another CPU while we call through
 * it: every message must carry the label of the binding that delivered it.
 * The same for a timer IRQ rebound between two waiting threads: every
 * notification carries the label of the thread that receives it.
 */
#include <string.h>
#include <muon/ops.h>
#include "tests.h"

enum { V_TASK = 100, V_THREAD = 101, V_GATE = 102, V_IRQ = 103, V_FACTORY = 104, COPY = 110,
       H_SRV = 111, H_GATE = 112, H_RO = 113, R_SRV = 114, R_BINDER = 116, R_GATE = 117,
       Q_WAIT = 118, Q_BINDER = 120, Q_IRQ = 121 };
#define UNMAPPED_VA 0x5f000000u
#define HIJACK_LABEL 0x6666u

/* The object a row is tried on, and the rights our capability to it has; -1 for a type we have none of. */
static int victim(uint8_t obj, uint32_t *slot, uint8_t *have)
{
	static const struct { uint8_t obj; uint32_t slot; uint8_t have; } v[] = {
		{ MU_OBJ_CONSOLE, MU_CAP_CONSOLE, MU_R },   /* init gives us no more */
		{ MU_OBJ_THREAD, V_THREAD, MU_RIGHTS_ALL }, { MU_OBJ_TASK, V_TASK, MU_RIGHTS_ALL },
		{ MU_OBJ_FACTORY, V_FACTORY, MU_RIGHTS_ALL }, { MU_OBJ_GATE, V_GATE, MU_RIGHTS_ALL },
		{ MU_OBJ_IRQ, V_IRQ, MU_RIGHTS_ALL }, { MU_OBJ_SCHED, MU_CAP_SCHED, MU_RIGHTS_ALL },
	};
	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i].obj == obj) {
			*slot = v[i].slot;
			*have = v[i].have;
			return 0;
		}
	return -1;
}

/* Arguments with which the operation, once past the table, does no harm (or fails on its own rules). */
static void args(const struct mu_op *op)
{
	memset(mr(), 0, 8 * sizeof(uint32_t));
	switch (op->label) {
	case MU_CONSOLE_TRACE_DUMP: mr()[0] = 1; break;                  /* discard, print nothing */
	case MU_THREAD_START: mr()[0] = ~0u; break;                      /* pc out of range: MU_EINVAL */
	case MU_THREAD_CONTROL: mr()[0] = ~0u; mr()[1] = ~0u; break;     /* keep both */
	case MU_TASK_UNMAP: mr()[0] = MU_ITEM_MEM; mr()[1] = UNMAPPED_VA; mr()[2] = 12; break;
	case MU_FACTORY_CREATE: mr()[1] = COPY + 1; break;               /* type 0: MU_EINVAL */
	case MU_GATE_BIND: case MU_IRQ_BIND: mr()[0] = V_THREAD; mr()[1] = 0x99; break;
	case MU_SCHED_RUN_THREAD: mr()[4] = MU_ITEM_CAP | (MU_RIGHTS_ALL << 4); mr()[5] = V_THREAD; break; /* empty set */
	default: break;   /* THREAD_EXIT on another thread is MU_EINVAL; CPU_POWER of CPU 0 too */
	}
}

/* Slot COPY gets our capability `src` with `rights` only; revoke(src) takes it back. */
static int copy(uint32_t src, uint8_t rights)
{
	mr()[0] = COPY; mr()[1] = 0; mr()[2] = MU_ITEM_CAP | ((uint32_t)rights << 4); mr()[3] = src;
	return mu_invoke(MU_CAP_TASK, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0);
}

static int revoke(uint32_t src)
{
	mr()[0] = MU_ITEM_CAP; mr()[1] = src; mr()[2] = 0; mr()[3] = 0;
	return mu_invoke(MU_CAP_TASK, MU_TAG(MU_TASK_UNMAP, 4), 0);
}

#define ROW_EXPECT(call, want) do { int e_ = (call); if (e_ != (want)) { printf("tests: row obj %u label %u: %s " \
	"returned %d, expected %d (line %d)\n", op->obj, op->label, #call, e_, (want), __LINE__); return __LINE__; } } while (0)
#define ROW_PAST(call) do { int e_ = (call); if (e_ == MU_EPERM || e_ == MU_EMSG) { printf( \
	"tests: row obj %u label %u: %s returned %d with all rights and words (line %d)\n", op->obj, op->label, #call, \
	e_, __LINE__); return __LINE__; } } while (0)

static int try_row(const struct mu_op *op, unsigned *perm, unsigned *shortmsg, unsigned *full)
{
	uint32_t src, tag = MU_TAG_ITEMS(op->label, op->words, op->items);
	uint8_t have;
	if (victim(op->obj, &src, &have)) {
		printf("tests: row obj %u label %u: the test has no object of that type\n", op->obj, op->label);
		return __LINE__;
	}
	CHECK(op->rights & MU_R);   /* nothing is invoked without it */
	for (uint8_t r = MU_R; r <= MU_D; r <<= 1) {
		if (!(op->rights & r))
			continue;
		EXPECT(copy(src, have & (uint8_t)~r), MU_OK);
		args(op);
		ROW_EXPECT(mu_invoke(COPY, tag, 0), MU_EPERM);
		EXPECT(revoke(src), MU_OK);
		(*perm)++;
	}
	if ((have & op->rights) != op->rights)
		return 0;   /* we hold too little to go further (the console's MU_W) */
	EXPECT(copy(src, op->rights), MU_OK);   /* exactly what the row asks for */
	if (op->words) {
		args(op);
		ROW_EXPECT(mu_invoke(COPY, MU_TAG_ITEMS(op->label, op->words - 1u, op->items), 0), MU_EMSG);
		(*shortmsg)++;
	}
	if (op->items) {
		args(op);
		ROW_EXPECT(mu_invoke(COPY, MU_TAG_ITEMS(op->label, op->words, op->items - 1u), 0), MU_EMSG);
		(*shortmsg)++;
	}
	args(op);
	if (op->label != MU_CONSOLE_READ) {   /* it would take what was typed from the trace test (ci/test types) */
		ROW_PAST(mu_invoke(COPY, tag, 0));
		(*full)++;
	}
	EXPECT(revoke(src), MU_OK);
	/* On our own task the row may waive MU_W. */
	if (op->flags & MU_OP_OWN_TASK) {
		EXPECT(copy(MU_CAP_TASK, MU_R), MU_OK);
		args(op);
		ROW_PAST(mu_invoke(COPY, tag, 0));
		EXPECT(revoke(MU_CAP_TASK), MU_OK);
	}
	return 0;
}

/* ---- a gate held with MU_R only */
static volatile uint32_t srv_got, srv_label;
static uint64_t srv_stack[256];

static void hijack_server(void)
{
	uint32_t tag, label;
	int err = mu_wait(MU_TIMEOUT_NEVER, &tag, &label);
	while (err == MU_OK) {
		srv_got++;
		srv_label = label;
		mr()[0] = label;
		err = mu_reply_wait(MU_TAG(0, 1), MU_TIMEOUT_NEVER, &tag, &label);
	}
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}

static int bind(uint32_t gate, uint32_t thread, uint32_t label)
{
	mr()[0] = thread;
	mr()[1] = label;
	return mu_invoke(gate, MU_TAG(MU_GATE_BIND, 2), 0);
}

static int test_gate_hijack(void)
{
	uint32_t tag;
	EXPECT(mu_create(MU_OBJ_THREAD, H_SRV, MU_CAP_TASK, 0x7ffe0000), MU_OK);
	EXPECT(mu_create(MU_OBJ_GATE, H_GATE, H_SRV, 0x5e5e), MU_OK);
	EXPECT(start_arg(H_SRV, hijack_server, srv_stack + 256, 100, 0), MU_OK);
	mr()[0] = H_RO; mr()[1] = 0; mr()[2] = MU_ITEM_CAP | (MU_R << 4); mr()[3] = H_GATE;
	EXPECT(mu_invoke(MU_CAP_TASK, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0), MU_OK);
	EXPECT(bind(H_RO, MU_CAP_THREAD, HIJACK_LABEL), MU_EPERM);   /* take it over */
	EXPECT(bind(H_RO, H_SRV, HIJACK_LABEL), MU_EPERM);           /* relabel it */
	EXPECT(bind(H_RO, 0, HIJACK_LABEL), MU_EPERM);               /* rights come before arguments */
	EXPECT(mu_ipc(H_RO, 0, MU_RECV, MU_TIMEOUT_ZERO, 0, 0), MU_EINVAL);             /* not bound to us */
	EXPECT(mu_ipc(H_RO, MU_TAG(0, 0), MU_REPLY, MU_TIMEOUT_ZERO, 0, 0), MU_ESTATE); /* no call of ours to answer */
	EXPECT(mu_ipc(H_RO, MU_TAG(0, 0), MU_REPLY | MU_RECV, MU_TIMEOUT_ZERO, 0, 0), MU_ESTATE);
	/* The server still gets every message, with its label. */
	for (uint32_t i = 1; i <= 10; i++) {
		EXPECT(mu_call(H_RO, MU_TAG(5, 0), &tag), MU_OK);
		CHECK(srv_got == i && srv_label == 0x5e5e && mr()[0] == 0x5e5e);
	}
	/* The gate's own capability (MU_S) relabels it: the next message carries the new label. */
	EXPECT(bind(H_GATE, H_SRV, 0x1234), MU_OK);
	EXPECT(mu_call(H_RO, MU_TAG(5, 0), &tag), MU_OK);
	CHECK(srv_got == 11 && mr()[0] == 0x1234);
	EXPECT(mu_delete_cap(H_RO), MU_EPERM);   /* no delete right on the copy: revoke it */
	EXPECT(revoke(H_GATE), MU_OK);
	EXPECT(mu_delete_cap(H_GATE), MU_OK);
	EXPECT(mu_delete_cap(H_SRV), MU_OK);
	return 0;
}

/* ---- rebinding races: servers A and B (R_SRV, R_SRV + 1) take turns on R_GATE */
#define RACE_CALLS 3000u
static const uint32_t race_label[2] = { 0xa0a0, 0xb0b0 };
static volatile uint32_t race_stop, race_flips;
static uint64_t race_stack[3][256];

static void race_server(uint32_t id)
{
	uint32_t tag, label;
	int err = mu_wait(MU_TIMEOUT_NEVER, &tag, &label);
	while (err == MU_OK) {
		mr()[0] = id;
		mr()[1] = label;
		err = mu_reply_wait(MU_TAG(0, 2), MU_TIMEOUT_NEVER, &tag, &label);
	}
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}

static void race_binder(uint32_t arg)
{
	(void)arg;
	while (!race_stop) {
		for (uint32_t k = 0; k < 2; k++)
			bind(R_GATE, R_SRV + k, race_label[k]);
		race_flips++;
		mu_relax();   /* under -icount (ci/bench) the other vCPUs run on this hint */
	}
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}

static int spawn_at(uint32_t slot, unsigned k, void (*fn)(uint32_t), uint32_t cpu, uint32_t prio, uint32_t arg)
{
	int e = mu_create(MU_OBJ_THREAD, slot, MU_CAP_TASK, 0x7ffc0000u - k * 0x10000u);
	if (e)
		return e;
	if (mu_run_thread(MU_CAP_SCHED, slot, prio, MU_CPUSET(cpu, 0), 1, 0) != (int)cpu)
		return MU_EINVAL;
	return start_arg(slot, (void (*)(void))fn, race_stack[k] + 256, prio, arg);
}

static int test_rebind_race(void)
{
	uint32_t tag, got[2] = { 0, 0 }, torn = 0;
	EXPECT(mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0), 0), MU_OK);
	uint32_t n = mr()[0];
	EXPECT(mu_invoke(MU_CAP_THREAD, MU_TAG(MU_THREAD_INFO, 0), 0), MU_OK);
	uint32_t here = mr()[0];
	for (uint32_t k = 0; k < 2; k++)
		EXPECT(spawn_at(R_SRV + k, k, race_server, (here + 1) % n, 100, k), MU_OK);
	EXPECT(mu_create(MU_OBJ_GATE, R_GATE, R_SRV, race_label[0]), MU_OK);
	/* Below the servers: where it shares their CPU (two CPUs), it runs while they wait. */
	EXPECT(spawn_at(R_BINDER, 2, race_binder, (here + n - 1) % n, 90, 0), MU_OK);
	for (uint32_t i = 0; i < RACE_CALLS; i++) {
		EXPECT(mu_call(R_GATE, MU_TAG(1, 0), &tag), MU_OK);
		CHECK(mr()[0] < 2);
		got[mr()[0]]++;
		torn += mr()[1] != race_label[mr()[0]];
	}
	race_stop = 1;
	for (uint32_t s = R_SRV; s <= R_GATE; s++)
		EXPECT(mu_delete_cap(s), MU_OK);
	if (torn)
		printf("tests: %u of %u messages carried the other binding's label\n", (unsigned)torn, RACE_CALLS);
	CHECK(torn == 0 && race_flips > 0);
	printf("tests: rebinding race: %u calls to A, %u to B, %u rebindings, no label torn\n", (unsigned)got[0],
	       (unsigned)got[1], (unsigned)race_flips);
	return 0;
}

/* ---- an IRQ rebound while it fires: thread and label arrive together */
#define IRQ_NOTES 1000u
static volatile uint32_t irq_got[2], irq_torn, irq_flips, irq_other[2], irq_other_err, irq_other_tag;

static void irq_waiter(uint32_t id)
{
	uint32_t tag, label;
	for (;;) {
		int e = mu_wait(MU_TIMEOUT_NEVER, &tag, &label);
		if (e != MU_OK || MU_TAG_LABEL(tag) != MU_LABEL_IRQ) {
			irq_other[id]++;   /* said when the test fails: a wake-up that is no notification */
			irq_other_err = (uint32_t)e;
			irq_other_tag = tag;
			continue;
		}
		irq_got[id]++;
		irq_torn += label != race_label[id];
		mu_invoke(Q_IRQ, MU_TAG(MU_IRQ_UNMASK, 0), 0);
	}
}

static int irq_bind_to(uint32_t thread, uint32_t label)
{
	mr()[0] = thread;
	mr()[1] = label;
	return mu_invoke(Q_IRQ, MU_TAG(MU_IRQ_BIND, 2), 0);
}

static void irq_binder(uint32_t arg)
{
	(void)arg;
	while (!race_stop) {
		for (uint32_t k = 0; k < 2; k++)
			irq_bind_to(Q_WAIT + k, race_label[k]);
		irq_flips++;
		mu_relax();
	}
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}

static int test_irq_rebind_race(void)
{
	EXPECT(mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0), 0), MU_OK);
	uint32_t n = mr()[0];
	EXPECT(mu_invoke(MU_CAP_THREAD, MU_TAG(MU_THREAD_INFO, 0), 0), MU_OK);
	uint32_t here = mr()[0];
	race_stop = 0;
	for (uint32_t k = 0; k < 2; k++)
		EXPECT(spawn_at(Q_WAIT + k, k, irq_waiter, (here + 1 + k) % n, 100, k), MU_OK);
	EXPECT(mu_create(MU_OBJ_IRQ, Q_IRQ, MU_IRQ_TIMER, 200), MU_OK);   /* every 200 us, paced here */
	EXPECT(irq_bind_to(Q_WAIT, race_label[0]), MU_OK);
	EXPECT(spawn_at(Q_BINDER, 2, irq_binder, (here + n - 1) % n, 90, 0), MU_OK);
	EXPECT(mu_invoke(Q_IRQ, MU_TAG(MU_IRQ_UNMASK, 0), 0), MU_OK);
	/*
	 * Until IRQ_NOTES came, or none for 2,000 naps of 1 ms in a row: a lost
	 * notification leaves the line masked for good, while a host too busy to
	 * run the vCPUs only slows them down (and the naps with them).
	 */
	for (uint32_t seen = 0, idle = 0; idle < 2000 && irq_got[0] + irq_got[1] < IRQ_NOTES; idle++) {
		mu_wait(1000, 0, 0);   /* nothing comes: a 1 ms nap */
		if (irq_got[0] + irq_got[1] != seen) {
			seen = irq_got[0] + irq_got[1];
			idle = 0;
		}
	}
	race_stop = 1;
	uint32_t got = irq_got[0] + irq_got[1];
	for (uint32_t s = Q_WAIT; s <= Q_IRQ; s++)
		EXPECT(mu_delete_cap(s), MU_OK);
	if (irq_torn)
		printf("tests: %u of %u IRQ notifications carried the other binding's label\n", (unsigned)irq_torn,
		       (unsigned)got);
	if (got < IRQ_NOTES || !irq_flips)
		printf("tests: IRQ rebinding race: none for 2 s after %u+%u notifications, %u rebindings, other wake-ups %u+%u "
		       "(last error %d, tag %08x)\n", (unsigned)irq_got[0], (unsigned)irq_got[1], (unsigned)irq_flips,
		       (unsigned)irq_other[0], (unsigned)irq_other[1], (int)irq_other_err, (unsigned)irq_other_tag);
	CHECK(irq_torn == 0 && irq_flips > 0 && got >= IRQ_NOTES);
	printf("tests: IRQ rebinding race: %u notifications to A, %u to B, %u rebindings, no label torn\n",
	       (unsigned)irq_got[0], (unsigned)irq_got[1], (unsigned)irq_flips);
	return 0;
}

int test_rights(void)
{
	unsigned perm = 0, shortmsg = 0, full = 0, kinds = 0;
	EXPECT(mu_create(MU_OBJ_TASK, V_TASK, 0, 0), MU_OK);
	EXPECT(mu_create(MU_OBJ_THREAD, V_THREAD, MU_CAP_TASK, 0x7ffd0000), MU_OK);
	EXPECT(mu_create(MU_OBJ_GATE, V_GATE, 0, 0), MU_OK);
	EXPECT(mu_create(MU_OBJ_IRQ, V_IRQ, MU_IRQ_TIMER, 1000000), MU_OK);
	/* A copy of our factory capability: revoking it takes back only what was made through it (cap.h). */
	mr()[0] = V_FACTORY; mr()[1] = 0; mr()[2] = MU_ITEM_CAP | (MU_RIGHTS_ALL << 4); mr()[3] = MU_CAP_FACTORY;
	EXPECT(mu_invoke(MU_CAP_TASK, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0), MU_OK);
	unsigned rows = 0;
	for (unsigned i = 0; i < MU_OPS_COUNT; i++) {
		if (!mu_ops[i].obj)
			continue;   /* a hole: no operation has this label */
		CHECK(mu_ops[i].label == i);
		rows++;
		int line = try_row(&mu_ops[i], &perm, &shortmsg, &full);
		if (line)
			return line;
	}
	/* A label no row has: MU_ENOSYS on every kernel object (a gate's are IPC). */
	for (uint8_t obj = MU_OBJ_TASK; obj <= MU_OBJ_SCHED; obj++) {
		uint32_t src;
		uint8_t have;
		if (obj == MU_OBJ_GATE || victim(obj, &src, &have))
			continue;
		EXPECT(mu_invoke(src, MU_TAG(0x7ffe, 8), 0), MU_ENOSYS);
		kinds++;
	}
	int line = test_gate_hijack();
	if (line || (line = test_rebind_race()))
		return line;
	EXPECT(mu_delete_cap(V_IRQ), MU_OK);   /* it paces our CPU since its row unmasked it: one timer IRQ per CPU */
	if ((line = test_irq_rebind_race()))
		return line;
	for (uint32_t s = V_TASK; s <= V_FACTORY; s++)
		EXPECT(mu_delete_cap(s), MU_OK);
	printf("tests: rights ok (%u rows: %u with a right missing, %u too short, %u with all; %u object types)\n",
	       rows, perm, shortmsg, full, kinds);
	return 0;
}
