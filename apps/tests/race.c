/*
 * Races between IPC, migration, kills and waits for the object lock (issue 13),
 * and the phases of ci/stress (docs/testing.md).
 *
 * One engine (race_ipc) runs a server and one or two clients while other
 * threads move them between CPUs (the Scheduler's run_thread), keep the object
 * lock busy (MU_TASK_UNMAP of large empty ranges) and delete and re-create
 * them. Each client sends (its id, a sequence number, a mix of both) and
 * checks that the reply is its own and in order; the server checks that the
 * words came through the client's own gate, in order, once each, and counts
 * them. The test's main thread is the watchdog: a client that makes no
 * progress for a few seconds is a failure that names every thread's CPU and
 * state, not a hung boot. The kernel must not panic.
 */
#include <stdio.h>
#include <string.h>
#include <stdbool.h>
#include <muon/user.h>

#include "tests.h"

/* Slots of this file (apps/tests/main.c uses up to 63). */
enum { R_SLEEP = 69, R_SRV = 70, R_CLI = 71, R_MOV = 73, R_BUSY = 78, R_KILL = 80, R_GATE = 81, R_RCV = 83, R_SCRATCH = 84,
       F_FAC = 90, F_FAC2 = 91, F_TASK = 92, F_THR = 93, F_GATE = 97, F_EXC = 98 /* ..101 */,
       Q_FAC = 102, Q_TASK = 103, Q_FIRST = 104 };
enum { F_CHILD_EXC = 14 };   /* the sacrificial task's slots of its threads' pager gates */
#define R_WIN 0x50000000u          /* the server's memory window */
#define R_BUSY_VA 0x40000000u      /* nothing is ever mapped here: a long, empty unmap */
#define R_UTCB(role, gen) (0x60000000u + ((role) * 8u + ((gen) & 7u)) * 0x10000u)
#define NSTACK 12
static uint64_t r_stack[NSTACK][512];

/* Per-thread random numbers (xorshift32): reproducible from the seed. */
static inline uint32_t xs(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;
	x ^= x << 13; x ^= x >> 17; x ^= x << 5;
	return *s = x;
}

static uint32_t ncpu;
static void nap_us(uint32_t us) { if (us) mu_wait(us, 0, 0); else mu_relax(); }
static uint32_t used_bytes(uint32_t factory)
{
	mu_invoke(factory, MU_TAG(MU_FACTORY_INFO, 0), 0);
	return mr()[1];
}
static int unmap_range(uint32_t task, uint32_t va, uint32_t log2, uint32_t self)
{
	mr()[0] = MU_ITEM_MEM; mr()[1] = va; mr()[2] = log2; mr()[3] = self;
	return mu_invoke(task, MU_TAG(MU_TASK_UNMAP, 4), 0);
}
/* A thread of ours at slot, placed on cpu at prio, running fn(arg) on stack `stack`. */
static int thread_on(uint32_t slot, uint32_t utcb, unsigned stack, void (*fn)(uint32_t), uint32_t cpu, uint32_t prio,
		     uint32_t arg)
{
	int e = MU_EBUSY;
	for (int tries = 0; tries < 200; tries++) {   /* the UTCB of a dead thread may still be on its way out */
		e = mu_create(MU_OBJ_THREAD, slot, MU_CAP_TASK, utcb);
		if (e != MU_EBUSY && e != MU_ENOMEM)
			break;
		nap_us(500);
	}
	if (e)
		return e;
	int c = mu_run_thread(MU_CAP_SCHED, slot, prio, MU_CPUSET(cpu % ncpu, 0), 1, 0);
	if (c < 0)
		return -c;
	return start_arg(slot, (void (*)(void))fn, r_stack[stack] + 512, prio, arg);
}

/* ------------------------------------------------------------------ the IPC race engine */
enum {
	RF_MOVE = 1,       /* movers on every CPU move the server and the clients at random */
	RF_BUSY = 2,       /* two threads keep the object lock busy from other CPUs */
	RF_ITEMS = 4,      /* calls carry capability and memory items */
	RF_TIMEOUTS = 8,   /* sends and calls with send timeouts, waits with receive timeouts */
	RF_SELF = 16,      /* a client moves itself or the server right before its call */
	RF_KILL_SRV = 32,  /* a killer deletes and re-creates the server */
	RF_KILL_CLI = 64,  /* ... and/or client 0 */
	RF_SAMECPU = 128,  /* server and client 0 on one CPU (CPU 1), no movers of them */
	RF_ONECLI = 256,   /* one client only */
};
#define RF_KILL (RF_KILL_SRV | RF_KILL_CLI)
enum { SRV_PRIO = 80, CLI_PRIO = 70, MOV_PRIO = 90, BUSY_PRIO = 60, KILL_PRIO = 95 };
enum { K_CALL = 1, K_CAP = 2, K_MEM = 4 };   /* mr[3] of a client's message */
#define REPLY_LABEL 0x77

struct rstate {
	uint32_t flags, seed, nclients;
	volatile uint32_t stop;
	volatile uint32_t srv_count[2], srv_next[2], srv_gen, srv_progress, srv_step;
	volatile uint32_t cli_seq[2], cli_ok[2], cli_progress[2], cli_exited[2], cli_gen[2], cli_timeouts[2];
	volatile uint32_t moves, move_fail, kills, busy_ops, spurious, sleeps, stretched;
	volatile uint32_t err_line, err_a, err_b, err_c;   /* the first failure seen by a thread */
	volatile uint32_t ncancel;
};
static struct rstate rs;
static uint8_t cli_page[2][4096] __attribute__((aligned(4096)));

static volatile uint32_t err_claimed;

/*
 * The pause of a thread that outranks the server and the clients (movers,
 * killer) after an operation that took took_ns: the us it chose, but at
 * least twice the operation when that took over a millisecond. Their
 * operations wait for other CPUs; a host that runs the vCPUs little makes
 * them take 100s of ms while a chosen pause stays a few us of virtual time,
 * and then they would hold their CPUs all the time and starve everyone below
 * them. Twice: a mover and the killer on one CPU leave it a third free.
 */
static void pause_after(uint64_t took_ns, uint32_t us)
{
	if (took_ns > 1000000u && us < took_ns / 500u) {
		us = (uint32_t)(took_ns / 500u);
		rs.stretched++;
	}
	nap_us(us);
}

static void fail_at(uint32_t line, uint32_t a, uint32_t b, uint32_t c)
{
	if (__atomic_exchange_n(&err_claimed, 1, __ATOMIC_SEQ_CST) == 0) {   /* keep the first */
		rs.err_a = a; rs.err_b = b; rs.err_c = c;
		__atomic_store_n(&rs.err_line, line, __ATOMIC_RELEASE);
	}
}
#define RFAIL(a, b, c) fail_at(__LINE__, (a), (b), (c))

static inline uint32_t mix(uint32_t id, uint32_t seq) { return (seq * 2654435761u) ^ (id * 0x5bd1e995u) ^ 0xa5a5u; }

static void race_server(uint32_t gen)
{
	uint32_t *m = mu_utcb()->mr, *br = mu_utcb()->br;
	bool kill = rs.flags & RF_KILL;
	/* What a killed predecessor may have left: a received capability, a mapped window. */
	mu_delete_cap(R_RCV);
	unmap_range(MU_CAP_TASK, R_WIN, 12, 1);
	uint32_t tag, label, seed = rs.seed ^ (gen * 7919u) ^ 0x5e5e;
	bool reply = false, timed = false;
	uint32_t rtag = 0;
	for (;;) {
		br[0] = R_RCV; br[1] = R_WIN; br[2] = 12;
		timed = (rs.flags & RF_TIMEOUTS) && (xs(&seed) & 1);
		uint32_t to = timed ? 1000 + xs(&seed) % 20000 : MU_TIMEOUT_NEVER;
		rs.srv_step = reply ? 1 : 2;
		int err = reply ? mu_ipc(0, rtag, MU_REPLY | MU_RECV, to, &tag, &label) : mu_wait(to, &tag, &label);
		reply = false;
		rs.srv_progress++;
		rs.srv_step = 3;
		if (err == MU_ETIMEDOUT) {
			if (!timed) {
				rs.spurious++;
				RFAIL(MU_ETIMEDOUT, 0, 0);   /* a wait without timeout timed out */
			}
			continue;
		}
		if (err != MU_OK) {
			if (!kill || (err != MU_ECANCELED && err != MU_ESTATE))
				RFAIL(err, label, 1);
			continue;
		}
		uint32_t id = label - 1;
		if (label < 1 || label > 2 || MU_TAG_LABEL(tag) != 5 || MU_TAG_WORDS(tag) != 4 || m[0] != id) {
			RFAIL(label, tag, m[0]);   /* misdirected: words from another sender, or not through its gate */
			continue;
		}
		uint32_t seq = m[1], kind = m[3];
		if (m[2] != mix(id, seq))
			RFAIL(id, seq, m[2]);
		uint32_t next = rs.srv_next[id];
		/*
		 * In order, once each. With kills: a killed sender or server may repeat
		 * its last message once, and a send delivered to a server killed before
		 * it looked at it is gone (the sender saw MU_OK): never older than that.
		 */
		if (seq != next && !(kill && seq + 1 >= next))
			RFAIL(0x100 + id, seq, next);
		rs.srv_next[id] = seq + 1;
		rs.srv_count[id]++;
		unsigned want = !!(kind & K_CAP) + !!(kind & K_MEM), got = MU_TAG_NITEMS(tag);
		if (got != want && !kill) {   /* an item lost (kind: 2 capability, 4 memory); c: was the slot taken? */
			int slot = mu_invoke(R_RCV, MU_TAG(MU_THREAD_INFO, 0), 0);
			RFAIL(0x200 + id, kind, (uint32_t)slot << 8 | got);
		}
		rs.srv_step = 4;
		if ((kind & K_CAP) && (err = mu_delete_cap(R_RCV)) != MU_OK && !kill)
			RFAIL(0x800, (uint32_t)err, seq);
		rs.srv_step = 5;
		if (kind & K_MEM) {
			/* A call's sender waits: its page still holds this message's mark (a send's may be on to the next). */
			if (got == want && (kind & K_CALL) && *(volatile uint32_t *)R_WIN != mix(id, seq) && !kill)
				RFAIL(0x300 + id, seq, *(volatile uint32_t *)R_WIN);
			rs.srv_step = 6;
			unmap_range(MU_CAP_TASK, R_WIN, 12, 1);
		}
		rs.srv_step = 7;
		if (kind & K_CALL) {
			m[0] = id; m[1] = seq; m[2] = ~mix(id, seq);
			rtag = MU_TAG(REPLY_LABEL, 3);
			reply = true;
		}
	}
}

static void race_client(uint32_t id)
{
	uint32_t *m = mu_utcb()->mr;
	uint32_t seed = rs.seed ^ (id + 1) * 0x1234567u ^ rs.cli_gen[id] * 31u;
	bool kill = rs.flags & RF_KILL;
	while (!rs.stop) {
		uint32_t r = xs(&seed), seq = rs.cli_seq[id];
		uint32_t kind = K_CALL, timeout = MU_TIMEOUT_NEVER, items = 0;
		if (rs.flags & RF_TIMEOUTS) {
			switch (r & 7) {
			case 5: timeout = 500 + (r >> 8) % 5000; break;              /* a call that may time out sending */
			case 6: kind = 0; timeout = 500 + (r >> 8) % 5000; break;    /* a send */
			case 7: kind = 0; timeout = MU_TIMEOUT_NEVER; break;
			}
		}
		if ((rs.flags & RF_SELF) && (r >> 3) % 4 == 0) {
			uint32_t who = (r >> 5) & 1 ? R_CLI + id : R_SRV;   /* ourselves, or our server */
			int c = mu_run_thread(MU_CAP_SCHED, who, who == R_SRV ? SRV_PRIO : CLI_PRIO,
					      MU_CPUSET(0, 0), 1u << ((r >> 12) % ncpu), 0);
			if (c < 0 && !kill)
				RFAIL(-c, who, 0);
		}
		m[0] = id; m[1] = seq; m[2] = mix(id, seq);
		if ((rs.flags & RF_ITEMS) && ((r >> 20) & 1)) {
			kind |= (r >> 21) & 1 ? K_CAP : K_MEM;
		}
		m[3] = kind;
		if (kind & K_CAP) {
			/* a gate of ours, with the delete right: the server deletes its copy */
			m[4 + 2 * items] = MU_ITEM_CAP | ((MU_R | MU_D) << 4); m[5 + 2 * items] = R_SCRATCH; items++;
		}
		if (kind & K_MEM) {
			*(volatile uint32_t *)cli_page[id] = mix(id, seq);
			m[4 + 2 * items] = MU_ITEM_MEM | (MU_PROT_R << 4) | (12u << 8);
			m[5 + 2 * items] = (uint32_t)cli_page[id];
			items++;
		}
		uint32_t rtag = 0;
		int err = mu_ipc(R_GATE + id, MU_TAG_ITEMS(5, 4, items), kind & K_CALL ? MU_SEND | MU_RECV : MU_SEND,
				 timeout, &rtag, 0);
		rs.cli_progress[id]++;
		if (err == MU_OK) {
			if ((kind & K_CALL) && (MU_TAG_LABEL(rtag) != REPLY_LABEL || m[0] != id || m[1] != seq ||
						m[2] != ~mix(id, seq))) {
				RFAIL(0x400 + id, seq, m[1]);   /* a reply that is not ours, or not this call's */
				if (!kill)
					break;
			}
			rs.cli_seq[id] = seq + 1;
			rs.cli_ok[id]++;
		} else if (err == MU_ETIMEDOUT && timeout != MU_TIMEOUT_NEVER) {
			rs.cli_timeouts[id]++;   /* not delivered: the same sequence number again */
		} else if (kill && (err == MU_ECANCELED || err == MU_ESTATE || err == MU_ETIMEDOUT)) {
			rs.ncancel++;
			/* The server may have got it before it died: it accepts a repeat once. */
			if (err == MU_ESTATE)
				nap_us(200);
		} else {
			RFAIL(0x500 + id, (uint32_t)err, seq);
			break;
		}
	}
	rs.cli_exited[id] = 1;
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}

static void race_mover(uint32_t id)
{
	uint32_t seed = rs.seed ^ (id + 11) * 0x9e3779b1u;
	bool kill = rs.flags & RF_KILL;
	while (!rs.stop) {
		uint32_t r = xs(&seed);
		uint32_t v = r % (rs.nclients + 2), slot = v > rs.nclients ? R_SLEEP : v ? R_CLI + v - 1 : R_SRV;
		if ((rs.flags & RF_SAMECPU) && (slot == R_SRV || slot == R_CLI))
			slot = R_CLI + 1;
		uint64_t t = mu_clock_ns();
		int c = mu_run_thread(MU_CAP_SCHED, slot, slot == R_SRV ? SRV_PRIO : slot == R_SLEEP ? MOV_PRIO : CLI_PRIO, MU_CPUSET(0, 0),
				      1u << ((r >> 8) % ncpu), 0);
		t = mu_clock_ns() - t;
		if (c >= 0)
			rs.moves++;
		else if (!kill)
			RFAIL(-c, slot, 0x600);
		else
			rs.move_fail++;
		pause_after(t, (r >> 16) % 4 == 0 ? 0 : (r >> 18) % 300);
	}
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}

/* Waits with short timeouts while the movers move it: every wait must end. */
static void race_sleeper(uint32_t id)
{
	uint32_t seed = rs.seed ^ 0x51ee9u ^ id;
	while (!rs.stop) {
		int e = mu_wait(50 + xs(&seed) % 300, 0, 0);
		if (e != MU_ETIMEDOUT)
			RFAIL(0x900, (uint32_t)e, 0);
		rs.sleeps++;
	}
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}

static void race_busy(uint32_t id)
{
	(void)id;
	while (!rs.stop) {
		unmap_range(MU_CAP_TASK, R_BUSY_VA, 22 + rs.busy_ops % 5, 0);   /* 4-64 MiB: seconds under TCG at 2^28 */
		rs.busy_ops++;
	}
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}

static int start_server(uint32_t gen)
{
	int e = thread_on(R_SRV, R_UTCB(0, gen), 0, race_server, 1, SRV_PRIO, gen);
	for (uint32_t i = 0; !e && i < 2; i++)
		e = mu_bind(R_GATE + i, MU_GATE_BIND, R_SRV, i + 1);
	return e;
}

static int start_client(uint32_t id, uint32_t gen)
{
	rs.cli_gen[id] = gen;
	return thread_on(R_CLI + id, R_UTCB(1 + id, gen), 1 + id, race_client, rs.flags & RF_SAMECPU && !id ? 1 : 2 + id,
			 CLI_PRIO, id);
}

static void race_killer(uint32_t id)
{
	uint32_t seed = rs.seed ^ 0xdeadbeefu ^ id;
	uint64_t took = 0;
	while (!rs.stop) {
		uint32_t r = xs(&seed);
		pause_after(took, r % 301);
		uint64_t t = mu_clock_ns();
		bool srv = (rs.flags & RF_KILL_SRV) && (!(rs.flags & RF_KILL_CLI) || (r >> 12) & 1);
		int e;
		if (srv) {
			mu_delete_cap(R_SRV);
			e = start_server(++rs.srv_gen);
		} else {
			mu_delete_cap(R_CLI);
			e = start_client(0, ++rs.cli_gen[0]);
		}
		if (e)
			RFAIL(e, srv, 0x700);
		rs.kills++;
		took = mu_clock_ns() - t;
	}
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}

static const char *const state_name[] = { "stopped", "ready", "send", "recv", "reply", "dead" };

/* A thread's CPU, state, priority and CPU time used (ns); non-zero: no such thread. */
static int thread_info(uint32_t slot, uint32_t *cpu, uint32_t *state, uint32_t *prio, uint64_t *used)
{
	int e = mu_invoke(slot, MU_TAG(MU_THREAD_INFO, 0), 0);
	*cpu = mr()[0]; *used = mr()[1] | (uint64_t)mr()[2] << 32; *prio = mr()[3]; *state = mr()[4];
	return e;
}

static void dump_thread(const char *what, uint32_t slot)
{
	uint32_t cpu, st, prio;
	uint64_t used;
	if (thread_info(slot, &cpu, &st, &prio, &used))
		printf("race:   %s: no thread\n", what);
	else
		printf("race:   %s: cpu %u state %u (%s) prio %u\n", what, (unsigned)cpu, (unsigned)st,
		       st < 6 ? state_name[st] : "?", (unsigned)prio);
}

/*
 * Every thread of the scenario, and where the time of the last 20 ms went:
 * each thread's CPU time in that window and each CPU's idle time. A thread
 * ready on a CPU that others keep busy is starved (by priority, or by a host
 * that runs that vCPU too little); one blocked while its partner is done, or
 * ready on an idle CPU, is a lost reply or wake-up.
 */
struct snap {
	uint64_t t, used[11], idle[4];
	uint32_t cpu[11], state[11], prio[11], id[11];   /* cpu ~0: no thread */
};

static void snapshot(struct snap *s, const uint32_t *slots, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (thread_info(slots[i], &s->cpu[i], &s->state[i], &s->prio[i], &s->used[i]))
			s->cpu[i] = ~0u;
		s->id[i] = mr()[5];
	}
	for (uint32_t c = 0; c < 4; c++) {
		mu_utcb()->mr[0] = c;
		s->idle[c] = 0;
		if (c < ncpu && mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_IDLE_TIME, 1), 0) == MU_OK)
			s->idle[c] = mu_utcb()->mr[0] | (uint64_t)mu_utcb()->mr[1] << 32;
	}
	s->t = mu_clock_ns();
}

static void dump_all(void)
{
	static const char *const names[] = { "server", "client 0", "client 1", "mover 0", "mover 1", "mover 2", "mover 3",
					     "sleeper", "killer", "lock-busy 0", "lock-busy 1" };
	static const uint32_t slots[] = { R_SRV, R_CLI, R_CLI + 1, R_MOV, R_MOV + 1, R_MOV + 2, R_MOV + 3, R_SLEEP, R_KILL,
					  R_BUSY, R_BUSY + 1 };
	enum { N = sizeof(slots) / sizeof(slots[0]) };
	static struct snap a, b;   /* both taken before anything is printed, which is slow */
	snapshot(&a, slots, N);
	nap_us(20000);
	snapshot(&b, slots, N);
	unsigned dt = (unsigned)((b.t - a.t) / 1000);
	for (unsigned i = 0; i < N; i++)
		if (a.cpu[i] != ~0u && b.cpu[i] != ~0u)
			printf("race:   %s (id %u): cpu %u state %u (%s) prio %u, ran %u us of the last %u us\n", names[i],
			       (unsigned)b.id[i], (unsigned)b.cpu[i], (unsigned)b.state[i],
			       b.state[i] < 6 ? state_name[b.state[i]] : "?", (unsigned)b.prio[i],
			       (unsigned)((b.used[i] - a.used[i]) / 1000), dt);
	for (uint32_t i = 0; i < rs.nclients; i++)
		printf("race:   client %u: seq %u, ok %u, timeouts %u; server got %u, expects seq %u\n", (unsigned)i,
		       (unsigned)rs.cli_seq[i], (unsigned)rs.cli_ok[i], (unsigned)rs.cli_timeouts[i],
		       (unsigned)rs.srv_count[i], (unsigned)rs.srv_next[i]);
	printf("race:   server: %u waits, at step %u (1 reply-and-wait, 2 wait, 3 checks, 4 delete, 5 read, 6 unmap, 7 "
	       "done)\n", (unsigned)rs.srv_progress, (unsigned)rs.srv_step);
	printf("race:   moves %u (failed %u), kills %u, lock-busy unmaps %u, canceled %u, pauses stretched %u\n",
	       (unsigned)rs.moves, (unsigned)rs.move_fail, (unsigned)rs.kills, (unsigned)rs.busy_ops, (unsigned)rs.ncancel,
	       (unsigned)rs.stretched);
	for (uint32_t c = 0; c < ncpu && c < 4; c++)
		printf("race:   cpu %u idle %u us of the last %u us\n", (unsigned)c,
		       (unsigned)((b.idle[c] - a.idle[c]) / 1000), dt);
}

/*
 * The watchdog's clock: of the dt ns just past, the time every CPU had to
 * spare for the server and the clients, that is dt less what the threads
 * above them (movers, sleeper, killer) used on the CPU where they used the
 * most. used[] holds what each of those had used at the last call.
 */
enum { N_ABOVE = 6 };
static uint64_t spare_ns(uint64_t dt, uint64_t used[N_ABOVE])
{
	const uint32_t slots[N_ABOVE] = { R_MOV, R_MOV + 1, R_MOV + 2, R_MOV + 3, R_SLEEP, R_KILL };
	uint64_t busy[4] = { 0 }, spare = dt;
	for (unsigned i = 0; i < N_ABOVE; i++) {
		uint32_t cpu, st, prio;
		uint64_t u;
		if (thread_info(slots[i], &cpu, &st, &prio, &u) || cpu >= 4)
			continue;
		if (u >= used[i])
			busy[cpu] += u - used[i];   /* the sleeper moves: its time goes to where it is now */
		used[i] = u;
	}
	for (uint32_t c = 0; c < ncpu && c < 4; c++) {
		uint64_t free = busy[c] >= dt ? 0 : dt - busy[c];
		spare = free < spare ? free : spare;
	}
	return spare;
}

uint32_t race_ops;   /* operations of the last race_ipc (ci/stress counts them) */

/*
 * Run one scenario for budget_ms of virtual time. Returns 0, or the line
 * of the check that failed (after printing why).
 */
static int race_ipc(const char *name, uint32_t flags, uint32_t seed, uint32_t budget_ms)
{
	memset((void *)&rs, 0, sizeof(rs));
	err_claimed = 0;
	rs.flags = flags;
	rs.seed = seed;
	rs.nclients = flags & (RF_ONECLI | RF_SAMECPU) ? 1 : 2;
	EXPECT(mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0), 0), MU_OK);
	ncpu = mr()[0];
	for (uint32_t i = 0; i < 2; i++)
		EXPECT(mu_create(MU_OBJ_GATE, R_GATE + i, 0, 0), MU_OK);
	EXPECT(mu_create(MU_OBJ_GATE, R_SCRATCH, 0, 0), MU_OK);   /* what the capability items carry */
	EXPECT(start_server(0), MU_OK);
	for (uint32_t i = 0; i < rs.nclients; i++)
		EXPECT(start_client(i, 0), MU_OK);
	unsigned nmov = 0, nbusy = 0, nkill = 0;
	if (flags & RF_MOVE)   /* and a thread in timed waits, moved too */
		EXPECT(thread_on(R_SLEEP, R_UTCB(11, 0), 10, race_sleeper, 1, MOV_PRIO, 0), MU_OK);
	if (flags & RF_MOVE)
		for (; nmov < ncpu; nmov++)
			EXPECT(thread_on(R_MOV + nmov, R_UTCB(4 + nmov, 0), 3 + nmov, race_mover, nmov, MOV_PRIO, nmov), MU_OK);
	if (flags & RF_BUSY)
		for (; nbusy < 2; nbusy++)
			EXPECT(thread_on(R_BUSY + nbusy, R_UTCB(8 + nbusy, 0), 7 + nbusy, race_busy, 2 + nbusy, BUSY_PRIO, nbusy),
			       MU_OK);
	if (flags & RF_KILL)
	{
		EXPECT(thread_on(R_KILL, R_UTCB(10, 0), 9, race_killer, ncpu > 3 ? 3 : 0, KILL_PRIO, 0), MU_OK);
		nkill = 1;
	}
	/*
	 * The watchdog: every client must get on within STALL while the others
	 * finish at least LOCK_TURNS operations that take the object lock (moves,
	 * lock-busy unmaps, kills). The lock is a ticket lock, so by then a
	 * client waiting for it had its turn. STALL counts only time that every
	 * CPU had to spare for the server and the clients (spare_ns): a host that
	 * runs the vCPUs too little lets the threads above them hold their CPUs,
	 * and that starvation is no lost reply.
	 */
	const uint64_t stall = 4000000000ull;
	const uint32_t LOCK_TURNS = 16;
	uint64_t t0 = mu_clock_ns(), tprev = t0, last[2] = { t0, t0 }, stalled[2] = { 0, 0 }, sleep_stalled = 0;
	uint64_t above[N_ABOVE] = { 0 };
	uint32_t seen[2] = { 0, 0 }, seen_sleeps = 0, turns_at[2] = { 0, 0 }, sleep_turns_at = 0;
	uint64_t last_sleep = t0;
	int fail = 0;
	spare_ns(0, above);
	while (!fail && !rs.err_line) {
		nap_us(20000);
		uint64_t t = mu_clock_ns(), spare = spare_ns(t - tprev, above);
		tprev = t;
		uint32_t turns = rs.moves + rs.busy_ops + rs.kills;
		for (uint32_t i = 0; i < rs.nclients; i++) {
			if (rs.cli_progress[i] != seen[i]) {
				seen[i] = rs.cli_progress[i];
				last[i] = t;
				stalled[i] = 0;
				turns_at[i] = turns;
			} else if ((stalled[i] += spare) > stall && turns - turns_at[i] >= LOCK_TURNS) {
				printf("race: %s: client %u made no progress for %u ms (%u ms of them with time to spare on "
				       "every CPU) and %u lock turns (a lost reply or wake-up):\n", name, (unsigned)i,
				       (unsigned)((t - last[i]) / 1000000), (unsigned)(stalled[i] / 1000000),
				       (unsigned)(turns - turns_at[i]));
				fail = __LINE__;
			}
		}
		if (flags & RF_MOVE) {
			if (rs.sleeps != seen_sleeps) {
				seen_sleeps = rs.sleeps;
				last_sleep = t;
				sleep_stalled = 0;
				sleep_turns_at = turns;
			} else if ((sleep_stalled += spare) > stall && turns - sleep_turns_at >= LOCK_TURNS) {
				printf("race: %s: a thread in waits with 50-350 us timeouts did not wake for %u ms (%u ms with "
				       "time to spare):\n", name, (unsigned)((t - last_sleep) / 1000000),
				       (unsigned)(sleep_stalled / 1000000));
				dump_thread("sleeper", R_SLEEP);
				fail = __LINE__;
			}
		}
		if (fail) {
			dump_all();   /* now, before the others stop */
			if (MUON_STRESS_PAUSE) {   /* ci/stress --kdb: time to enter the debug console */
				printf("race: pausing for kdb\n");
				nap_us(MUON_STRESS_PAUSE * 1000u);
			}
		}
		if (t - t0 > (uint64_t)budget_ms * 1000000u)
			break;
	}
	rs.stop = 1;
	/* The clients finish the call they are in, and stop. */
	uint64_t t1 = mu_clock_ns();
	while (!fail && !rs.err_line) {
		uint32_t done = 0;
		for (uint32_t i = 0; i < rs.nclients; i++)
			done += rs.cli_exited[i];
		if (done == rs.nclients)
			break;
		if (mu_clock_ns() - t1 > 3 * stall) {   /* behind at most the unmaps in progress */
			printf("race: %s: a client never returned from its last call:\n", name);
			dump_all();
			fail = __LINE__;
		}
		nap_us(10000);
	}
	nap_us(30000);   /* the server counts the last sends */
	if (!fail && rs.err_line) {
		printf("race: %s: check at race.c:%u failed (%u, %u, %u)\n", name, (unsigned)rs.err_line,
		       (unsigned)rs.err_a, (unsigned)rs.err_b, (unsigned)rs.err_c);
		fail = (int)rs.err_line;
	}
	if (!fail && !(flags & RF_KILL))
		for (uint32_t i = 0; i < rs.nclients; i++)
			if (rs.srv_count[i] != rs.cli_ok[i] || rs.srv_next[i] != rs.cli_seq[i]) {
				printf("race: %s: client %u had %u messages answered, the server got %u\n", name, (unsigned)i,
				       (unsigned)rs.cli_ok[i], (unsigned)rs.srv_count[i]);
				fail = __LINE__;
				dump_all();
			}
	/* Tear down: every thread of the scenario, dead in whatever state it is in. */
	if (nkill)
		mu_delete_cap(R_KILL);
	mu_delete_cap(R_SLEEP);
	for (unsigned i = 0; i < nmov; i++)
		mu_delete_cap(R_MOV + i);
	for (unsigned i = 0; i < nbusy; i++)
		mu_delete_cap(R_BUSY + i);
	for (uint32_t i = 0; i < 2; i++)
		mu_delete_cap(R_CLI + i);
	mu_delete_cap(R_SRV);
	for (uint32_t i = 0; i < 2; i++)
		mu_delete_cap(R_GATE + i);
	mu_delete_cap(R_RCV);
	mu_delete_cap(R_SCRATCH);
	unmap_range(MU_CAP_TASK, R_WIN, 12, 1);
	race_ops = rs.cli_progress[0] + rs.cli_progress[1] + rs.moves + rs.kills + rs.busy_ops + rs.sleeps;
	if (!fail)
		printf("race: %s ok: %u calls and sends (%u+%u answered), %u moves, %u kills, %u lock-busy unmaps, "
		       "%u timed waits, %u pauses stretched\n", name, (unsigned)(rs.cli_progress[0] + rs.cli_progress[1]),
		       (unsigned)rs.cli_ok[0], (unsigned)rs.cli_ok[1], (unsigned)rs.moves, (unsigned)rs.kills,
		       (unsigned)rs.busy_ops, (unsigned)rs.sleeps, (unsigned)rs.stretched);
	return fail;
}

/* The scenarios of ci/test (each about 4 s of virtual time per round). */
int race_test(uint32_t mode, uint32_t seed, uint32_t scale)
{
	int e;
	uint32_t ms = 4000 * scale;
	switch (mode) {
	case M_RACE_KILL_LOCK:
		/* A receiver and a sender on CPU 1 pass items while the lock is busy; the receiver, then the sender, is killed. */
		if ((e = race_ipc("kill receiver in lock wait", RF_SAMECPU | RF_ITEMS | RF_BUSY | RF_KILL_SRV, seed, ms)))
			return e;
		return race_ipc("kill sender in lock wait", RF_SAMECPU | RF_ITEMS | RF_BUSY | RF_KILL_CLI, seed + 1, ms);
	case M_RACE_MIGRATE:
		return race_ipc("migrate during ipc", RF_MOVE | RF_TIMEOUTS, seed, ms + ms / 4);
	case M_RACE_MIGRATE_LOCK:
		return race_ipc("migrate during lock waits", RF_MOVE | RF_BUSY | RF_ITEMS | RF_SELF | RF_TIMEOUTS, seed,
				ms + ms / 4);
	case M_RACE_KILL_MOVE:
		return race_ipc("kill during moves", RF_MOVE | RF_ITEMS | RF_KILL | RF_TIMEOUTS, seed, ms);
	default:
		return __LINE__;
	}
}

/* ------------------------------------------------------------------ ci/stress: random invocations */
/*
 * Sacrificial tasks: each epoch makes a task that shares our program's pages
 * (mapped from ours: its view of them is its own), gives it a small factory,
 * its own task and threads, a gate to one of its threads and one to our
 * thread (its pager and exception handler), and starts a thread on every CPU
 * that makes random invocations: random capability index, tag, flags,
 * timeout, message words, items and buffer registers, from raw `svc #0`. The
 * task may wreck itself (unmap its code, delete its threads, exhaust its
 * quota); it is destroyed at the end of the epoch and every byte must be back.
 */
#define FZ_THREADS 4
static volatile uint32_t fz_count[FZ_THREADS], fz_profile;
static uint32_t fz_seed[FZ_THREADS];
static uint64_t fz_stack[FZ_THREADS][512];
extern char __bss_end[];

static const uint32_t fz_addr[] = {
	0x0, 0x1000, 0x10000, 0x11000, 0x7fff0000u, 0x7ffe0000u, 0x7fef0000u, 0x7ffff000u, 0x80000000u, 0xbffff000u,
	0xc0000000u, 0xc0001000u, 0xc0100000u, 0xe0000000u, 0xfff00000u, 0xffff0000u, 0xfffff000u, R_WIN, 0x20000000u,
};
static const uint16_t fz_labels[] = {
	MU_CONSOLE_WRITE, MU_CONSOLE_READ, MU_CONSOLE_TRACE, MU_CONSOLE_TRACE_DUMP, MU_THREAD_EXIT, MU_THREAD_SET_TLS,
	MU_THREAD_START, MU_THREAD_CONTROL, MU_THREAD_CLOCK, MU_THREAD_INFO, MU_TASK_MAP, MU_TASK_UNMAP,
	MU_FACTORY_CREATE, MU_FACTORY_INFO, MU_GATE_BIND, MU_IRQ_BIND, MU_IRQ_UNMASK, MU_IRQ_TRIGGER, MU_SCHED_INFO,
	MU_SCHED_RUN_THREAD, MU_SCHED_IDLE_TIME, MU_SCHED_CPU_POWER, 0, 0xffff, MU_LABEL_EXCEPTION,
};

static uint32_t fz_word(uint32_t *s)
{
	uint32_t r = xs(s);
	switch (r & 7) {
	case 0: return r >> 3;
	case 1: case 2: return (r >> 3) % 24;                        /* a slot or a small number */
	case 3: return fz_addr[(r >> 3) % (sizeof(fz_addr) / 4)];    /* an interesting address */
	case 4: return (fz_addr[(r >> 3) % (sizeof(fz_addr) / 4)] + ((r >> 8) & 0xf) * 4096u);
	case 5: return MU_ITEM_CAP | ((r >> 3) & 0xf0) | ((r >> 3) & MU_ITEM_GRANT);
	case 6: return MU_ITEM_MEM | ((r >> 3) & 0x7f0) | ((12 + (r >> 11) % 20) << 8) | ((r >> 3) & MU_ITEM_GRANT);
	default: return fz_labels[(r >> 3) % (sizeof(fz_labels) / 2)];
	}
}

static void fuzz_thread(uint32_t id)
{
	uint32_t s = fz_seed[id & 3];
	id &= 3;
	struct mu_utcb *u = mu_utcb();
	for (;;) {
		uint32_t r = xs(&s);
		unsigned words = r % 8 == 0 ? xs(&s) % 64 : r % 6, items = (r >> 3) % 4 == 0 ? (r >> 5) % 4 : 0;
		if (fz_profile == 1 && (r >> 7) % 2)
			items = 1 + (r >> 8) % 3;
		for (unsigned i = 0; i < words + 2 * items && i < MU_MR_COUNT; i++)
			u->mr[i] = fz_word(&s);
		for (unsigned i = 0; i < items; i++) {   /* well-formed items over interesting places */
			uint32_t q = xs(&s), w = words + 2 * i;
			if (w + 1 >= MU_MR_COUNT)
				break;
			if (q & 1) {
				u->mr[w] = MU_ITEM_CAP | (q & MU_ITEM_GRANT) | ((q >> 4) & 0xf0);
				u->mr[w + 1] = (q >> 8) % 24;
			} else {
				u->mr[w] = MU_ITEM_MEM | (q & MU_ITEM_GRANT) | (((q >> 4) & 7) << 4) | ((12 + (q >> 8) % 8) << 8);
				u->mr[w + 1] = fz_addr[(q >> 12) % (sizeof(fz_addr) / 4)];
			}
		}
		u->br[0] = (r >> 9) % 4 ? (r >> 11) % 24 : fz_word(&s);
		u->br[1] = fz_addr[(r >> 13) % (sizeof(fz_addr) / 4)];
		u->br[2] = (r >> 17) % 4 ? 12 + (r >> 19) % 8 : fz_word(&s) & 63;
		uint32_t q = xs(&s);
		uint32_t cap = q % 16 ? q % 20 : xs(&s);
		uint32_t label = q % 7 ? fz_labels[(q >> 4) % (sizeof(fz_labels) / 2)] : (q >> 4) & 0xffff;
		uint32_t tag = (q >> 20) % 16 ? MU_TAG_ITEMS(label, words, items) : xs(&s);
		uint32_t flags = (q >> 24) % 8 ? MU_SEND | MU_RECV : (q >> 27);
		uint32_t t = xs(&s);
		uint32_t timeout = t % 8192 == 0 ? MU_TIMEOUT_NEVER : (t >> 13) % 4 ? 0 : (t >> 15) % 500;
		bool gate = cap == MU_CAP_PAGER || cap == 8 || (cap >= F_CHILD_EXC && cap < F_CHILD_EXC + FZ_THREADS);
		if (gate && (t >> 20) % 4)   /* IPC to a thread: mostly sends, which cannot wait for a reply forever */
			flags = MU_SEND;
		if (fz_profile == 2 && q % 512 == 0) {   /* the sacrificial task destroys itself: it holds its only capability */
			u->mr[0] = MU_ITEM_CAP; u->mr[1] = MU_CAP_TASK; u->mr[2] = 0; u->mr[3] = 1;
			cap = MU_CAP_TASK; tag = MU_TAG(MU_TASK_UNMAP, 4); flags = MU_SEND | MU_RECV;
		}
		if (fz_profile == 1 && (q & 3) == 0) {   /* memory profile: map, grant and unmap over interesting ranges */
			u->mr[0] = MU_ITEM_MEM; u->mr[1] = fz_addr[(q >> 4) % (sizeof(fz_addr) / 4)];
			u->mr[2] = 12 + (q >> 9) % 20; u->mr[3] = (q >> 14) & 1;
			cap = 1; tag = MU_TAG(MU_TASK_UNMAP, 4); flags = MU_SEND | MU_RECV;
		}
		fz_count[id]++;
		register uint32_t r0 __asm__("r0") = cap;
		register uint32_t r1 __asm__("r1") = tag;
		register uint32_t r2 __asm__("r2") = flags;
		register uint32_t r3 __asm__("r3") = timeout;
		__asm__ volatile("svc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory", "r12", "lr");
	}
}

/* Map our program (text, data, bss: the fuzz threads' code, counters and stacks) into task `task`. */
static int share_image(uint32_t task)
{
	for (uint32_t va = 0x10000; va < (uint32_t)__bss_end; va += 4096) {
		mr()[0] = 0; mr()[1] = va;
		mr()[2] = MU_ITEM_MEM | ((MU_PROT_R | MU_PROT_W | MU_PROT_X) << 4) | (12u << 8);
		mr()[3] = va;
		int e = mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0);
		if (e && e != MU_EFAULT)   /* a hole between the segments maps nothing */
			return e;
	}
	return MU_OK;
}

static int map_cap(uint32_t task, uint32_t to, uint32_t from, uint32_t rights)
{
	mr()[0] = to; mr()[1] = 0; mr()[2] = MU_ITEM_CAP | (rights << 4); mr()[3] = from;
	return mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0);
}

static uint32_t fz_exceptions, fz_msgs, fz_epochs;

/* One epoch: a sacrificial task fuzzed from every CPU for up to ms. */
static int fuzz_epoch(uint32_t *seed, uint32_t ms)
{
	EXPECT(mu_create(MU_OBJ_FACTORY, F_FAC, 160 * 1024, 0), MU_OK);
	mr()[0] = MU_OBJ_FACTORY; mr()[1] = F_FAC2; mr()[2] = 48 * 1024;
	EXPECT(mu_invoke(F_FAC, MU_TAG(MU_FACTORY_CREATE, 4), 0), MU_OK);
	mr()[0] = MU_OBJ_TASK; mr()[1] = F_TASK;
	EXPECT(mu_invoke(F_FAC, MU_TAG(MU_FACTORY_CREATE, 4), 0), MU_OK);
	EXPECT(share_image(F_TASK), MU_OK);
	for (uint32_t i = 0; i < FZ_THREADS; i++) {   /* its threads' pager and exception handler: us, label 0xe0 + i */
		mr()[0] = MU_OBJ_GATE; mr()[1] = F_EXC + i; mr()[2] = MU_CAP_THREAD; mr()[3] = 0xe0 + i;
		EXPECT(mu_invoke(F_FAC, MU_TAG(MU_FACTORY_CREATE, 4), 0), MU_OK);
	}
	for (uint32_t i = 0; i < FZ_THREADS; i++) {
		mr()[0] = MU_OBJ_THREAD; mr()[1] = F_THR + i; mr()[2] = F_TASK; mr()[3] = 0x7fff0000u - i * 0x10000u;
		EXPECT(mu_invoke(F_FAC, MU_TAG(MU_FACTORY_CREATE, 4), 0), MU_OK);
	}
	mr()[0] = MU_OBJ_GATE; mr()[1] = F_GATE; mr()[2] = F_THR; mr()[3] = 0x111;
	EXPECT(mu_invoke(F_FAC, MU_TAG(MU_FACTORY_CREATE, 4), 0), MU_OK);
	/* Its table: itself, a thread, a factory, the gates, its threads, a read-only copy of itself. */
	bool self_destruct = fz_profile == 2 && xs(seed) % 2;
	if (!self_destruct)
		EXPECT(map_cap(F_TASK, MU_CAP_TASK, F_TASK, MU_RIGHTS_ALL), MU_OK);
	EXPECT(map_cap(F_TASK, MU_CAP_THREAD, F_THR, MU_RIGHTS_ALL), MU_OK);
	EXPECT(map_cap(F_TASK, MU_CAP_FACTORY, F_FAC2, MU_RIGHTS_ALL), MU_OK);
	EXPECT(map_cap(F_TASK, MU_CAP_PAGER, F_EXC, MU_R), MU_OK);
	for (uint32_t i = 0; i < FZ_THREADS; i++)
		EXPECT(map_cap(F_TASK, F_CHILD_EXC + i, F_EXC + i, MU_R), MU_OK);
	EXPECT(map_cap(F_TASK, 8, F_GATE, MU_RIGHTS_ALL), MU_OK);
	for (uint32_t i = 0; i < FZ_THREADS; i++)
		EXPECT(map_cap(F_TASK, 9 + i, F_THR + i, MU_RIGHTS_ALL), MU_OK);
	if (!self_destruct)
		EXPECT(map_cap(F_TASK, 13, F_TASK, MU_R), MU_OK);
	if (self_destruct) {   /* last: its only capability to itself, deleting it ends the task */
		mr()[0] = MU_CAP_TASK; mr()[1] = 0; mr()[2] = MU_ITEM_CAP | MU_ITEM_GRANT | (MU_RIGHTS_ALL << 4); mr()[3] = F_TASK;
		EXPECT(mu_invoke(F_TASK, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0), MU_OK);
	}
	uint32_t c0[FZ_THREADS];
	for (uint32_t i = 0; i < FZ_THREADS; i++) {
		fz_seed[i] = xs(seed);
		c0[i] = fz_count[i];
		mr()[0] = F_CHILD_EXC + i; mr()[1] = F_CHILD_EXC + i;   /* pager and exception handler: our gate */
		EXPECT(mu_invoke(F_THR + i, MU_TAG(MU_THREAD_CONTROL, 2), 0), MU_OK);
		int c = mu_run_thread(MU_CAP_SCHED, F_THR + i, 40, MU_CPUSET(0, 0), 1u << (i % ncpu), 0);
		CHECK(c >= 0);
		int e = start_arg(F_THR + i, (void (*)(void))fuzz_thread, fz_stack[i] + 512, 40, i);
		CHECK(e == MU_OK || e == MU_ESTATE);   /* a sibling may have started it already, at a random pc */
	}
	/*
	 * Serve it: a page fault inside our program gets our page back (it may
	 * have unmapped its own code), an exception restarts the thread with a
	 * new seed, anything else is refused. End when it stops or time is up.
	 */
	uint64_t t0 = mu_clock_ns(), quiet = t0;
	uint32_t last = 0, restarts = 0;
	for (;;) {
		uint32_t tag, label, *m = mr();
		mu_utcb()->br[0] = 120; mu_utcb()->br[1] = 0; mu_utcb()->br[2] = 0;
		int e = mu_wait(5000, &tag, &label);
		if (e == MU_OK) {
			uint32_t i = label - 0xe0, kind = MU_TAG_LABEL(tag), rtag = MU_TAG(MU_ENOSYS, 0);
			if (i < FZ_THREADS && kind == MU_LABEL_PAGEFAULT) {
				uint32_t va = m[0] & ~0xfffu;
				fz_exceptions++;
				rtag = MU_TAG(0, 0);   /* not resolved: it becomes an exception */
				if (va >= 0x10000 && va < (uint32_t)__bss_end) {
					m[0] = MU_ITEM_MEM | ((MU_PROT_R | MU_PROT_W | MU_PROT_X) << 4) | (12u << 8);
					m[1] = va;
					rtag = MU_TAG_ITEMS(0, 0, 1);
				}
			} else if (i < FZ_THREADS && kind == MU_LABEL_EXCEPTION && restarts++ < 64) {
				fz_exceptions++;
				fz_seed[i] = xs(seed);
				m[0] = i; m[13] = (uint32_t)(fz_stack[i] + 512); m[15] = (uint32_t)fuzz_thread; m[16] = 0x10;
				rtag = MU_TAG(0, 17);
			} else {
				fz_msgs++;
			}
			mu_ipc(0, rtag, MU_REPLY, 0, 0, 0);
			for (uint32_t s = 120; s < 128; s++)
				mu_delete_cap(s);
		}
		uint64_t t = mu_clock_ns();
		uint32_t sum = 0;
		for (uint32_t i = 0; i < FZ_THREADS; i++)
			sum += fz_count[i];
		if (sum != last) {
			last = sum;
			quiet = t;
		}
		if (t - t0 > (uint64_t)ms * 1000000u || t - quiet > 30000000u)
			break;
	}
	for (uint32_t i = 0; i < FZ_THREADS; i++)
		mu_delete_cap(F_THR + i);
	mu_delete_cap(F_GATE);
	mu_delete_cap(F_TASK);
	for (uint32_t i = 0; i < FZ_THREADS; i++)
		mu_delete_cap(F_EXC + i);
	mu_delete_cap(F_FAC2);
	mu_delete_cap(F_FAC);
	fz_epochs++;
	uint32_t n = 0;
	for (uint32_t i = 0; i < FZ_THREADS; i++)
		n += fz_count[i] - c0[i];
	return -(int)n - 1;   /* < 0: the invocations made, plus one */
}

static uint32_t stress_invocations;

static int stress_fuzz(uint32_t seed, uint32_t profile, uint32_t ms)
{
	fz_profile = profile;
	uint32_t before = used_bytes(MU_CAP_FACTORY);
	uint64_t t0 = mu_clock_ns();
	while (mu_clock_ns() - t0 < (uint64_t)ms * 1000000u) {
		int r = fuzz_epoch(&seed, 150 + xs(&seed) % 300);
		if (r > 0)
			return r;
		stress_invocations += (uint32_t)(-r - 1);
		uint32_t used = used_bytes(MU_CAP_FACTORY);
		for (int k = 0; k < 100 && used != before; k++) {
			nap_us(1000);
			used = used_bytes(MU_CAP_FACTORY);
		}
		if (used != before) {
			printf("stress: after a sacrificial task %d bytes of quota are not back\n", (int)(used - before));
			return __LINE__;
		}
		/* The kernel still answers a call. */
		EXPECT(mu_invoke(MU_CAP_THREAD, MU_TAG(MU_THREAD_INFO, 0), 0), MU_OK);
	}
	printf("stress: %u epochs, %u exception reports, %u other messages\n", (unsigned)fz_epochs,
	       (unsigned)fz_exceptions, (unsigned)fz_msgs);
	return 0;
}

/* ------------------------------------------------------------------ ci/stress: quotas and the capability table */
static int stress_quota(uint32_t seed, uint32_t ms)
{
	uint32_t before = used_bytes(MU_CAP_FACTORY);
	uint64_t t0 = mu_clock_ns();
	EXPECT(mu_create(MU_OBJ_GATE, R_SCRATCH, 0, 0), MU_OK);   /* what fills the tables: copies we may delete */
	before = used_bytes(MU_CAP_FACTORY);
	while (mu_clock_ns() - t0 < (uint64_t)ms * 1000000u) {
		/* Exhaust a small factory with random objects, check it is full, give it all back in random order. */
		uint32_t quota = (8 + xs(&seed) % 24) * 4096;
		EXPECT(mu_create(MU_OBJ_FACTORY, Q_FAC, quota, 0), MU_OK);
		mr()[0] = MU_OBJ_TASK; mr()[1] = Q_TASK;
		EXPECT(mu_invoke(Q_FAC, MU_TAG(MU_FACTORY_CREATE, 4), 0), MU_OK);
		uint32_t n = 0;
		int e = MU_OK;
		while (Q_FIRST + n < MU_CAP_SLOTS) {
			uint32_t r = xs(&seed), type = r % 3;
			mr()[0] = type == 0 ? MU_OBJ_GATE : type == 1 ? MU_OBJ_THREAD : MU_OBJ_FACTORY;
			mr()[1] = Q_FIRST + n;
			mr()[2] = type == 1 ? Q_TASK : type == 2 ? 4096 * ((r >> 8) % 3) : 0;
			mr()[3] = type == 1 ? 0x1000u + n * 0x1000u : 0;
			e = mu_invoke(Q_FAC, MU_TAG(MU_FACTORY_CREATE, 4), 0);
			stress_invocations++;
			if (e == MU_ENOMEM)
				break;
			if (e != MU_OK) {
				printf("stress: quota: create of type %u returned %d\n", (unsigned)mr()[0], e);
				return __LINE__;
			}
			n++;
		}
		CHECK(used_bytes(Q_FAC) <= quota);
		for (uint32_t k = 0; k < n; k++) {   /* delete in a random order */
			uint32_t i = (k + xs(&seed)) % n, tries = 0;
			while (mu_delete_cap(Q_FIRST + i) != MU_OK && tries++ < n)
				i = (i + 1) % n;
			stress_invocations++;
		}
		for (uint32_t i = 0; i < n; i++)
			mu_delete_cap(Q_FIRST + i);
		EXPECT(mu_delete_cap(Q_TASK), MU_OK);
		if (used_bytes(Q_FAC) != 0) {
			printf("stress: quota: %u bytes used in an empty factory\n", (unsigned)used_bytes(Q_FAC));
			return __LINE__;
		}
		/* Fill a fresh task's capability table through MU_TASK_MAP, and ours with IPC-free copies. */
		mr()[0] = MU_OBJ_TASK; mr()[1] = Q_TASK;
		EXPECT(mu_invoke(Q_FAC, MU_TAG(MU_FACTORY_CREATE, 4), 0), MU_OK);
		uint32_t filled = 0;
		bool nomem = false;
		for (uint32_t s = 0; s < MU_CAP_SLOTS + 4; s++) {
			e = map_cap(Q_TASK, s, R_SCRATCH, MU_R | MU_D);
			stress_invocations++;
			if (e == MU_OK)
				filled++;
			nomem |= e == MU_ENOMEM;
			if (e != MU_OK && e != MU_ENOMEM && (s < MU_CAP_SLOTS ? e != MU_EBUSY || s > 0 : e != MU_EBUSY)) {
				printf("stress: cap fill: slot %u: %d\n", (unsigned)s, e);
				return __LINE__;
			}
		}
		CHECK(filled >= MU_CAP_SLOTS - 1 || nomem);
		CHECK(map_cap(Q_TASK, MU_CAP_SLOTS - 1, R_SCRATCH, MU_R | MU_D) != MU_OK);   /* full */
		for (uint32_t s = Q_FIRST; s < MU_CAP_SLOTS; s++)
			EXPECT(map_cap(MU_CAP_TASK, s, R_SCRATCH, MU_R | MU_D), MU_OK);
		EXPECT(map_cap(MU_CAP_TASK, Q_FIRST, R_SCRATCH, MU_R | MU_D), MU_EBUSY);
		for (uint32_t s = Q_FIRST; s < MU_CAP_SLOTS; s++)
			EXPECT(mu_delete_cap(s), MU_OK);
		stress_invocations += 2 * (MU_CAP_SLOTS - Q_FIRST);
		EXPECT(mu_delete_cap(Q_TASK), MU_OK);
		EXPECT(mu_delete_cap(Q_FAC), MU_OK);
		if (used_bytes(MU_CAP_FACTORY) != before) {
			printf("stress: quota: %d bytes not back in our factory\n", (int)(used_bytes(MU_CAP_FACTORY) - before));
			return __LINE__;
		}
	}
	EXPECT(mu_delete_cap(R_SCRATCH), MU_OK);
	return 0;
}

/*
 * ci/stress phases: r0 = mode | round << 8. Exit status: the invocations
 * made (>= 0), or minus the line of the check that failed.
 */
int stress_phase(uint32_t mode, uint32_t round)
{
	EXPECT(mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0), 0), MU_OK);
	ncpu = mr()[0];
	uint32_t seed = MUON_STRESS_SEED + round * 0x10001u + mode * 0x3d;
	int r;
	stress_invocations = 0;
	switch (mode) {
	case M_STRESS_FUZZ: r = stress_fuzz(seed, 0, MUON_STRESS_PHASE_MS); break;
	case M_STRESS_FUZZ_MEM: r = stress_fuzz(seed, 1, MUON_STRESS_PHASE_MS); break;
	case M_STRESS_SELF_DESTRUCT: r = stress_fuzz(seed, 2, MUON_STRESS_PHASE_MS / 2); break;
	case M_STRESS_QUOTA: r = stress_quota(seed, MUON_STRESS_PHASE_MS / 2); break;
	case M_STRESS_LONG_OPS: r = test_long_ops(1); break;
	default:
		r = race_test(mode - M_STRESS_RACE0 + M_RACE_KILL_LOCK, seed, MUON_STRESS_PHASE_MS / 4000 + 1);
		stress_invocations = race_ops;
		break;
	}
	return r ? -r : (int)stress_invocations;
}
