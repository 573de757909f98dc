/*
 * The load balancer: a user-level server that interposes on the kernel
 * Scheduler object. It holds the kernel's Scheduler capability; every client
 * gets a scheduler instance of its own (an IPC gate speaking the same
 * protocol) limited to the CPUs and priority band its policy file entry
 * gives, and the policies of that file (docs/policy-format.md) place and
 * move the threads the clients run. Decisions come from lb_plan() (plan.c)
 * over measured idle and consumed times, once per period and at each new
 * thread. Protocol: uapi/muon/lb.h; design: docs/balancer.md.
 *
 * One thread serves everything: the control gate (init), the instances, and
 * the period, as the timeout of its open wait. With no thread to manage it has
 * no period: it waits without a timeout and costs its CPU nothing.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <muon/user.h>
#include <muon/lb.h>
#include <muon/trace.h>

#include "plan.h"
#include "policy.h"

#define MAX_INST 32
#define INST_LABEL 0x100u            /* instance i's gate label: INST_LABEL + i */
#define FIRST_SLOT 16                /* our capability slots from here on are threads and gates */
#define LOG_MAX 256
#define COST_N 64
#define TS_READY 1                   /* MU_THREAD_INFO state of a thread ready or running */
#define TS_DEAD 5                    /* MU_THREAD_INFO state of a thread that ended */

struct inst {
	bool used;
	unsigned client;
	int group;                       /* -1: the client's own instance */
	unsigned nv;                     /* CPUs in its view */
	uint8_t vmap[POLICY_MAX_CPUS];   /* its CPU v is our CPU vmap[v] */
	uint32_t set;                    /* the CPUs it may use (usable in the policy) */
	unsigned lo, hi;                 /* priority band */
};

struct thr {
	bool used;
	uint32_t slot;                   /* its capability in our table */
	uint32_t kid;                    /* the kernel's id of it */
	unsigned inst;
	bool fixed;                      /* asked for a subset of its instance: placed once, never moved */
	uint32_t want;                   /* fixed: the CPUs it asked for */
	unsigned prio, quantum_us;       /* as given to the kernel */
	unsigned cpu;                    /* LB_NONE until placed */
	unsigned load;                   /* per-mille over the last period */
	unsigned starved;                /* periods in a row it was ready and got no CPU */
	uint64_t consumed_ns;            /* at the last period */
	uint64_t moved_at_ms;
};

struct log_entry {
	uint32_t ms, kid;
	uint8_t event, from, to, reason;
	uint16_t load, busy_from, busy_to;
};
enum { EV_PLACE, EV_MOVE, EV_DROP, EV_REJECT, EV_POWER, EV_CPU };

static struct policy pol;
static struct inst insts[MAX_INST];
static struct thr thrs[LB_MAX_THREADS];
static struct lb_snapshot snap;
static struct lb_plan_out plan_out;
static unsigned ncpus;
static uint32_t online;
static uint64_t cpu_idle[POLICY_MAX_CPUS];
static unsigned cpu_busy[POLICY_MAX_CPUS];
static uint64_t last_ns, start_ns;
static unsigned tick_ms;
static uint32_t periods, moves, dropped, cpus_used;
static uint32_t cpus_off;          /* CPUs we powered off (MU_SCHED_CPU_POWER) */
static bool no_power;              /* the board has no power controller (MU_ENOSYS) */
static uint32_t cost[COST_N];
static unsigned cost_n;
static struct log_entry logbuf[LOG_MAX];
static unsigned log_n, log_lost;
static uint8_t slot_used[MU_CAP_SLOTS];

static uint64_t now_ms(void) { return (mu_clock_ns() - start_ns) / 1000000u; }

/* Into the kernel's trace buffer (uapi/muon/trace.h, docs/tracing.md) and our own log. */
static void trace(unsigned event, uint32_t kid, unsigned from, unsigned to, unsigned reason, unsigned load)
{
	uint32_t a = kid, b;
	switch (event) {
	case EV_PLACE: b = MU_TRACE_LB_PLACE_B(to, reason, to < ncpus ? cpu_busy[to] : 0); break;
	case EV_MOVE: b = MU_TRACE_LB_MOVE_B(from, to, reason, load > 1000 ? 1000 : load); break;
	case EV_REJECT: b = reason; break;
	case EV_POWER: {
		b = 0;
		for (unsigned c = 0; c < ncpus; c++)
			b += cpu_busy[c];
		break;
	}
	case EV_CPU: a = from; b = to; break;
	default: a = 0; break;   /* a drop: our log only */
	}
	static const uint16_t kind[] = { MU_TRACE_LB_PLACE, MU_TRACE_LB_MOVE, 0, MU_TRACE_LB_REJECT, MU_TRACE_LB_POWER,
					 MU_TRACE_LB_CPU };
	if (kind[event]) {
		mr()[0] = kind[event];
		mr()[1] = a;
		mr()[2] = b;
		mu_rpc(MU_CAP_CONSOLE, MU_TAG(MU_CONSOLE_TRACE, 3));
	}
	if (log_n == LOG_MAX) {
		log_lost++;
		return;
	}
	logbuf[log_n++] = (struct log_entry){ (uint32_t)now_ms(), kid, (uint8_t)event, (uint8_t)from, (uint8_t)to,
		(uint8_t)reason, (uint16_t)load, (uint16_t)(from < ncpus ? cpu_busy[from] : 0),
		(uint16_t)(to < ncpus ? cpu_busy[to] : 0) };
}

static void dump_log(void)
{
	static const char *const ev[] = { "place", "move", "drop", "reject", "power" };
	for (unsigned i = 0; i < log_n; i++) {
		const struct log_entry *e = &logbuf[i];
		if (e->event == EV_POWER)
			printf("LB %u power cpus_used=0x%x\n", (unsigned)e->ms, (unsigned)e->kid);
		else if (e->event == EV_CPU)
			printf("LB %u cpu%u %s\n", (unsigned)e->ms, e->from, e->to ? "on" : "off");
		else if (e->event == EV_REJECT)
			printf("LB %u reject instance=%u error=%u\n", (unsigned)e->ms, (unsigned)e->kid, e->reason);
		else
			printf("LB %u %s thread=%u from=%d to=%d reason=%s load=%u busy_from=%u busy_to=%u\n",
			       (unsigned)e->ms, ev[e->event], (unsigned)e->kid, e->from == 0xff ? -1 : e->from,
			       e->to == 0xff ? -1 : e->to, lb_reason_name(e->reason), e->load, e->busy_from, e->busy_to);
	}
	if (log_lost)
		printf("LB %u entries lost (log full)\n", log_lost);
	log_n = log_lost = 0;
}

/* ---- capabilities */
static void delete_cap(uint32_t slot)
{
	uint32_t keep[4];   /* a reply may be waiting in the message registers */
	if (slot < FIRST_SLOT || slot >= MU_CAP_SLOTS)
		return;
	memcpy(keep, mr(), sizeof(keep));
	mr()[0] = MU_ITEM_CAP; mr()[1] = slot; mr()[2] = 0; mr()[3] = 1;
	mu_invoke(MU_CAP_TASK, MU_TAG(MU_TASK_UNMAP, 4), 0);
	memcpy(mr(), keep, sizeof(keep));
	slot_used[slot] = 0;
}

static uint32_t free_slot(void)
{
	for (uint32_t s = FIRST_SLOT; s < MU_CAP_SLOTS; s++)
		if (!slot_used[s])
			return s;
	return 0;
}

/* ---- the kernel's Scheduler */
/* Power a CPU on or off through the kernel Scheduler; traced when it changes. */
static int cpu_power(unsigned cpu, bool on)
{
	mr()[0] = cpu;
	mr()[1] = on;
	int err = mu_rpc(MU_CAP_SCHED, MU_TAG(MU_SCHED_CPU_POWER, 2));
	if (err == MU_ENOSYS)
		no_power = true;
	if (err == MU_OK) {
		cpus_off = on ? cpus_off & ~(1u << cpu) : cpus_off | 1u << cpu;
		trace(EV_CPU, 0, cpu, on, 0, 0);
	}
	return err;
}

/* A CPU we powered off comes back before anything is placed there. */
static int kernel_run(const struct thr *t, unsigned cpu)
{
	if (cpus_off >> cpu & 1 && cpu_power(cpu, true) != MU_OK)
		return -MU_EBUSY;
	return mu_run_thread(MU_CAP_SCHED, t->slot, t->prio, MU_CPUSET(cpu, 0), 1, t->quantum_us);
}

/*
 * Power saving (docs/balancer.md): while a powersave client has threads, the
 * CPUs of its set that no managed thread uses go offline, CPU 0 excepted; the
 * kernel refuses (MU_EBUSY) where a thread of anyone else lives, and we ask
 * again next period. A CPU comes back when a move needs it (kernel_run) or
 * when no powersave client has threads left.
 */
static void power_save(uint32_t used)
{
	if (no_power)
		return;
	uint32_t want_off = 0;
	for (unsigned i = 0; i < LB_MAX_THREADS; i++)
		if (thrs[i].used && pol.clients[insts[thrs[i].inst].client].kind == POLICY_POWERSAVE)
			want_off |= insts[thrs[i].inst].set;
	want_off &= online & ~used & ~1u;
	for (unsigned c = 1; c < ncpus && !no_power; c++) {
		bool off = cpus_off >> c & 1;
		if (!off && want_off >> c & 1)
			cpu_power(c, false);
		else if (off && !(want_off >> c & 1))
			cpu_power(c, true);
	}
}

static uint64_t kernel_idle(unsigned cpu)
{
	mr()[0] = cpu;
	if (mu_rpc(MU_CAP_SCHED, MU_TAG(MU_SCHED_IDLE_TIME, 1)) != MU_OK)
		return 0;
	return mr()[0] | (uint64_t)mr()[1] << 32;
}

/* THREAD_INFO: MU_OK with *cpu, *used, *state, *kid filled, or the error. */
static int thread_info(uint32_t slot, unsigned *cpu, uint64_t *used, unsigned *state, uint32_t *kid)
{
	int err = mu_rpc(slot, MU_TAG(MU_THREAD_INFO, 0));
	if (err)
		return err;
	*cpu = mr()[0];
	*used = mr()[1] | (uint64_t)mr()[2] << 32;
	*state = mr()[4];
	*kid = mr()[5];
	return MU_OK;
}

/* ---- decisions */
/* Plan over every managed thread and carry out the moves. */
static void decide(void)
{
	snap.now_ms = now_ms();
	snap.n_cpus = ncpus;
	snap.online = online;
	snap.n_threads = 0;
	for (unsigned c = 0; c < POLICY_MAX_CPUS; c++)
		snap.cpu_busy[c] = c < ncpus ? cpu_busy[c] : 0;
	for (unsigned i = 0; i < LB_MAX_THREADS; i++) {
		const struct thr *t = &thrs[i];
		if (!t->used)
			continue;
		const struct inst *in = &insts[t->inst];
		/* A fixed thread counts as load only: no client of that index. */
		snap.threads[snap.n_threads++] = (struct lb_thread){ i, t->fixed ? POLICY_MAX_CLIENTS : in->client,
			in->group, t->cpu, t->load, t->moved_at_ms };
	}
	uint64_t t0 = mu_clock_ns();
	lb_plan(&pol, &snap, &plan_out);
	uint64_t dt = mu_clock_ns() - t0;
	cost[cost_n++ % COST_N] = (uint32_t)dt;
	for (unsigned k = 0; k < plan_out.n; k++) {
		const struct lb_move *mv = &plan_out.moves[k];
		struct thr *t = &thrs[mv->thread_id];
		if (mv->thread_id >= LB_MAX_THREADS || !t->used || mv->to >= ncpus)
			continue;
		if (kernel_run(t, mv->to) < 0) {
			trace(EV_REJECT, t->inst, 0, 0, MU_EINVAL, 0);
			continue;
		}
		trace(t->cpu == LB_NONE ? EV_PLACE : EV_MOVE, t->kid, t->cpu, mv->to, mv->reason, t->load);
		moves += t->cpu != LB_NONE;
		t->cpu = mv->to;
		t->moved_at_ms = snap.now_ms;
	}
	uint32_t used = 0;
	for (unsigned i = 0; i < LB_MAX_THREADS; i++)
		if (thrs[i].used && thrs[i].cpu < ncpus)
			used |= 1u << thrs[i].cpu;
	if (used != cpus_used) {
		cpus_used = used;
		trace(EV_POWER, used, 0, 0, 0, 0);
	}
	power_save(used);
}

static void drop(struct thr *t)
{
	delete_cap(t->slot);
	t->used = false;
}

static unsigned managed(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < LB_MAX_THREADS; i++)
		n += thrs[i].used;
	return n;
}

/* Each CPU's busy per-mille since the last measurement (el ns ago). */
static void measure_cpus(uint64_t el)
{
	for (unsigned c = 0; c < ncpus; c++) {
		uint64_t idle = kernel_idle(c), d = idle - cpu_idle[c];
		cpu_idle[c] = idle;
		cpu_busy[c] = d >= el ? 0 : (unsigned)(1000 - d * 1000 / el);
	}
}

/* Once a period: measure, drop the dead, plan. */
static void period(void)
{
	uint64_t now = mu_clock_ns(), el = now - last_ns;
	if (!el)
		return;
	measure_cpus(el);
	for (unsigned i = 0; i < LB_MAX_THREADS; i++) {
		struct thr *t = &thrs[i];
		unsigned cpu, state;
		uint64_t used;
		uint32_t kid;
		if (!t->used)
			continue;
		if (thread_info(t->slot, &cpu, &used, &state, &kid) != MU_OK || state == TS_DEAD) {
			trace(EV_DROP, t->kid, t->cpu, LB_NONE, 0, 0);
			dropped++;
			drop(t);
			continue;
		}
		uint64_t d = used - t->consumed_ns;
		t->consumed_ns = used;
		t->load = d >= el ? 1000 : (unsigned)(d * 1000 / el);
		/*
		 * Ready at two period ends in a row with under 1 % of a CPU between:
		 * higher priorities on its CPU leave it nothing, so what it consumes
		 * says nothing of what it needs. It counts as a whole CPU's load, and
		 * the policy moves it where there is room (a compute job's first
		 * thread under a busy producer/consumer pair, say).
		 */
		t->starved = state == TS_READY && t->load < 10 ? t->starved + 1 : 0;
		if (t->starved >= 2)
			t->load = 1000;
		t->cpu = cpu;   /* the kernel's word for it */
	}
	last_ns = now;
	periods++;
	decide();
}

/* ---- the instances' protocol */
static uint32_t view_to_phys(const struct inst *in, uint32_t desc, uint32_t map)
{
	unsigned off = desc & 0xffffffu, g = desc >> 24;
	uint32_t phys = 0;
	if (g > 5)
		return 0;
	for (unsigned v = 0; v < in->nv; v++) {
		if (v < off)
			continue;
		unsigned bit = (v - off) >> g;
		if (bit < 32 && (map >> bit & 1))
			phys |= 1u << in->vmap[v];
	}
	return phys;
}

static unsigned phys_to_view(const struct inst *in, unsigned cpu)
{
	for (unsigned v = 0; v < in->nv; v++)
		if (in->vmap[v] == cpu)
			return v;
	return 0;
}

static unsigned least_busy(uint32_t set)
{
	unsigned best = LB_NONE, best_load = 0;
	for (unsigned c = 0; c < ncpus; c++) {
		if (!(set >> c & 1))
			continue;
		unsigned l = cpu_busy[c];
		for (unsigned i = 0; i < LB_MAX_THREADS; i++)
			if (thrs[i].used && thrs[i].cpu == c)
				l += thrs[i].load + 1;
		if (best == LB_NONE || l < best_load) {
			best = c;
			best_load = l;
		}
	}
	return best;
}

/* RUN_THREAD with the thread's capability landed in `slot`: returns the result. */
static int run_thread(unsigned ii, uint32_t slot, uint32_t *cpu_out)
{
	const struct inst *in = &insts[ii];
	uint32_t prio = mr()[0], desc = mr()[1], map = mr()[2], quantum = mr()[3];
	unsigned cpu, state;
	uint64_t used;
	uint32_t kid;
	int err = thread_info(slot, &cpu, &used, &state, &kid);
	if (err)
		return MU_ETYPE;   /* a capability came, so it names something: not a thread */
	if (prio > 255 || quantum > 10000000u)
		return MU_EINVAL;
	uint32_t want = view_to_phys(in, desc, map) & in->set & online;
	if (!want)
		return MU_EINVAL;
	struct thr *t = NULL;
	for (unsigned i = 0; i < LB_MAX_THREADS && !t; i++)
		if (thrs[i].used && thrs[i].kid == kid)
			t = &thrs[i];
	if (t) {
		delete_cap(slot);   /* known already: keep the capability we have */
	} else {
		for (unsigned i = 0; i < LB_MAX_THREADS && !t; i++)
			if (!thrs[i].used)
				t = &thrs[i];
		if (!t)
			return MU_ENOMEM;
		if (!managed()) {   /* we slept without periods: the CPUs' load since then, and periods from now */
			uint64_t now = mu_clock_ns();
			if (now > last_ns)
				measure_cpus(now - last_ns);
			last_ns = now;
		}
		*t = (struct thr){ .used = true, .slot = slot, .kid = kid, .cpu = LB_NONE, .consumed_ns = used,
				   .moved_at_ms = now_ms() };
		slot_used[slot] = 1;
	}
	t->inst = ii;
	t->prio = in->lo + prio > in->hi ? in->hi : in->lo + prio;
	t->quantum_us = quantum;
	t->fixed = want != (in->set & online);
	t->want = want;
	if (t->fixed) {
		unsigned to = t->cpu < ncpus && (want >> t->cpu & 1) ? t->cpu : least_busy(want);
		if (kernel_run(t, to) < 0)
			return MU_EINVAL;
		if (to != t->cpu)
			trace(t->cpu == LB_NONE ? EV_PLACE : EV_MOVE, kid, t->cpu, to, LB_PLACE, t->load);
		t->cpu = to;
	} else {
		unsigned before = t->cpu;
		decide();
		if (t->cpu == before) {   /* the plan left it: same CPU, new priority (or first CPU if never placed) */
			unsigned to = t->cpu < ncpus ? t->cpu : least_busy(in->set & online);
			if (kernel_run(t, to) < 0)
				return MU_EINVAL;
			if (to != t->cpu)
				trace(EV_PLACE, kid, t->cpu, to, LB_PLACE, t->load);
			t->cpu = to;
		}
	}
	*cpu_out = phys_to_view(in, t->cpu);
	return MU_OK;
}

/* One instance request; returns the reply tag. *kept says whether the first capability that came was adopted. */
static uint32_t instance_call(unsigned ii, uint32_t tag, bool *kept)
{
	const struct inst *in = &insts[ii];
	unsigned words = MU_TAG_WORDS(tag), items = MU_TAG_NITEMS(tag);
	int err = MU_ENOSYS;
	uint32_t landed = items ? mr()[words] : 0;
	switch (MU_TAG_LABEL(tag)) {
	case MU_SCHED_INFO: {
		uint32_t vonline = 0;
		for (unsigned v = 0; v < in->nv; v++)
			vonline |= (uint32_t)(online >> in->vmap[v] & 1) << v;
		mr()[0] = in->nv;
		mr()[1] = MU_CPUSET(0, 0);
		mr()[2] = vonline;
		err = MU_OK;
		break;
	}
	case MU_SCHED_IDLE_TIME: {
		if (words < 1 || mr()[0] >= in->nv || !(online >> in->vmap[mr()[0]] & 1)) {
			err = MU_EINVAL;
			break;
		}
		uint64_t idle = kernel_idle(in->vmap[mr()[0]]);
		mr()[0] = (uint32_t)idle;
		mr()[1] = (uint32_t)(idle >> 32);
		err = MU_OK;
		break;
	}
	case MU_SCHED_RUN_THREAD: {
		uint32_t cpu = 0;
		if (words < 4)
			err = MU_EMSG;
		else if (!items)
			err = MU_ECAP;   /* no capability came: not one, or not a valid one */
		else {
			err = run_thread(ii, landed, &cpu);
			*kept = err == MU_OK;   /* adopted, or deleted as a duplicate */
		}
		if (err)
			trace(EV_REJECT, ii, 0, 0, (unsigned)err, 0);
		mr()[0] = cpu;
		break;
	}
	}
	return MU_TAG(err, err ? 0 : 3);
}

/* ---- control */
static uint32_t median_cost(void)
{
	uint32_t v[COST_N];
	unsigned n = cost_n < COST_N ? cost_n : COST_N;
	if (!n)
		return 0;
	memcpy(v, cost, sizeof(v));
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint32_t x = v[j]; v[j] = v[j - 1]; v[j - 1] = x;
		}
	return v[n / 2];
}

static int open_instance(uint32_t *gate_slot, uint32_t *id)
{
	char name[POLICY_NAME_MAX + 1];
	memcpy(name, mr(), POLICY_NAME_MAX);
	name[POLICY_NAME_MAX] = 0;
	int client = -1, group = -1;
	for (unsigned c = 0; c < pol.n_clients; c++)
		if (!strcmp(pol.clients[c].name, name))
			client = (int)c;
	for (unsigned g = 0; g < pol.n_groups; g++)
		if (!strcmp(pol.groups[g].name, name)) {
			group = (int)g;
			client = (int)pol.groups[g].client;
		}
	if (client < 0)
		return MU_EINVAL;
	unsigned ii = 0;
	while (ii < MAX_INST && insts[ii].used)
		ii++;
	uint32_t slot = free_slot();
	if (ii == MAX_INST || !slot)
		return MU_ENOMEM;
	struct inst *in = &insts[ii];
	const struct policy_client *pc = &pol.clients[client];
	in->client = (unsigned)client;
	in->group = group;
	in->set = group < 0 ? pc->usable : pol.groups[group].usable;
	in->lo = pc->prio_lo;
	in->hi = pc->prio_hi;
	in->nv = 0;
	for (unsigned c = 0; c < ncpus; c++)
		if (in->set >> c & 1)
			in->vmap[in->nv++] = (uint8_t)c;
	int err = mu_create(MU_OBJ_GATE, slot, MU_CAP_THREAD, INST_LABEL + ii);
	if (err)
		return err;
	in->used = true;
	*gate_slot = slot;
	*id = ii;
	return MU_OK;
}

static uint32_t control_call(uint32_t tag)
{
	unsigned words = MU_TAG_WORDS(tag);
	switch (MU_TAG_LABEL(tag)) {
	case LB_OPEN: {
		uint32_t slot, id;
		int err = words < 6 ? MU_EMSG : open_instance(&slot, &id);
		if (err)
			return MU_TAG(err, 0);
		mr()[0] = id;
		mr()[1] = MU_ITEM_CAP | MU_ITEM_GRANT | ((MU_R | MU_D) << 4);   /* invoke and delete, never bind */
		mr()[2] = slot;
		return MU_TAG_ITEMS(MU_OK, 1, 1);
	}
	case LB_CLOSE:
		if (words < 1 || mr()[0] >= MAX_INST || !insts[mr()[0]].used)
			return MU_TAG(MU_EINVAL, 0);
		for (unsigned i = 0; i < LB_MAX_THREADS; i++)
			if (thrs[i].used && thrs[i].inst == mr()[0])
				drop(&thrs[i]);
		insts[mr()[0]].used = false;
		return MU_TAG(MU_OK, 0);
	case LB_STATS: {
		uint32_t ni = 0, nt = 0;
		for (unsigned i = 0; i < MAX_INST; i++)
			ni += insts[i].used;
		for (unsigned i = 0; i < LB_MAX_THREADS; i++)
			nt += thrs[i].used;
		mr()[0] = ni; mr()[1] = nt; mr()[2] = periods; mr()[3] = moves;
		mr()[4] = median_cost(); mr()[5] = dropped; mr()[6] = cpus_used;
		return MU_TAG(MU_OK, 7);
	}
	case LB_DUMP:
		dump_log();
		return MU_TAG(MU_OK, 0);
	default:
		return MU_TAG(MU_ENOSYS, 0);
	}
}

int main(void)
{
	static char msg[160];
	uint32_t len = mu_start_arg;
	if (mu_rpc(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0)) != MU_OK)
		return 1;
	ncpus = mr()[0] > POLICY_MAX_CPUS ? POLICY_MAX_CPUS : mr()[0];
	online = mr()[2];
	int err = policy_parse((const char *)LB_POLICY_VA, len > POLICY_MAX_BYTES ? POLICY_MAX_BYTES + 1 : len,
			       "policy", ncpus, &pol, msg, sizeof(msg));
	if (err) {
		printf("balancer: %s\n", msg);
		return 2;
	}
	tick_ms = 0;
	for (unsigned c = 0; c < pol.n_clients; c++)
		if (pol.clients[c].period_ms && (!tick_ms || pol.clients[c].period_ms < tick_ms))
			tick_ms = pol.clients[c].period_ms;
	for (unsigned g = 0; g < pol.n_groups; g++)
		if (pol.groups[g].period_ms && (!tick_ms || pol.groups[g].period_ms < tick_ms))
			tick_ms = pol.groups[g].period_ms;
	if (!tick_ms)
		tick_ms = POLICY_DEFAULT_PERIOD;
	start_ns = last_ns = mu_clock_ns();
	for (unsigned c = 0; c < ncpus; c++)
		cpu_idle[c] = kernel_idle(c);
	printf("balancer: %u clients, %u groups on %u CPUs, tick %u ms (the shortest period)\n", pol.n_clients,
	       pol.n_groups, ncpus, tick_ms);
	for (unsigned c = 0; c < pol.n_clients; c++)   /* every effective value: a change of the file shows here */
		printf("balancer: %s\n", (policy_client_text(&pol, c, msg, sizeof(msg)), msg));
	for (unsigned g = 0; g < pol.n_groups; g++)
		printf("balancer: %s\n", (policy_group_text(&pol, g, msg, sizeof(msg)), msg));
	for (uint32_t s = 0; s < FIRST_SLOT; s++)
		slot_used[s] = 1;

	uint32_t tag = 0, label = 0, reply = 0;
	bool replying = false;
	uint32_t timeout = tick_ms * 1000;
	for (;;) {
		mu_utcb()->br[0] = free_slot();
		mu_utcb()->br[1] = 0;
		mu_utcb()->br[2] = 0;
		err = replying ? mu_reply_wait(reply, timeout ? timeout : 1, &tag, &label)
			       : mu_wait(timeout ? timeout : 1, &tag, &label);
		replying = false;
		if (err == MU_OK) {
		/* Capabilities that came with the message: kept only by RUN_THREAD. */
		uint32_t got[MU_MR_COUNT];
		unsigned ngot = MU_TAG_NITEMS(tag);
		for (unsigned k = 0; k < ngot && MU_TAG_WORDS(tag) + k < MU_MR_COUNT; k++)
			got[k] = mr()[MU_TAG_WORDS(tag) + k];
		bool kept = false;
		if (label == LB_CONTROL_LABEL)
			reply = control_call(tag);
		else if (label >= INST_LABEL && label < INST_LABEL + MAX_INST && insts[label - INST_LABEL].used)
			reply = instance_call(label - INST_LABEL, tag, &kept);
		else
			reply = MU_TAG(MU_ECANCELED, 0);   /* a closed instance */
		for (unsigned k = kept; k < ngot && MU_TAG_WORDS(tag) + k < MU_MR_COUNT; k++)
			delete_cap(got[k]);
		replying = true;
		}
		uint32_t keep[8];   /* the reply waits in the message registers */
		memcpy(keep, mr(), sizeof(keep));
		if (managed()) {
			uint64_t now = mu_clock_ns(), next = last_ns + tick_ms * 1000000ull;
			if (now >= next) {
				period();
				now = mu_clock_ns();
				next = last_ns + tick_ms * 1000000ull;
			}
			timeout = next > now ? (uint32_t)((next - now) / 1000) : 0;
		} else {
			timeout = MU_TIMEOUT_NEVER;   /* nothing to watch: no periods until a thread comes */
		}
		memcpy(mr(), keep, sizeof(keep));
	}
}
