/*
 * Host tests of the load balancer's planner (loadbalancer/plan.c): one case
 * per rule and conflict rule, on policies parsed from small inline texts,
 * and a seeded random run over the shipped configs/ policies that checks the
 * invariants of every placement the planner leaves. Run with the source tree
 * as the only argument.
 */
#include "check.h"
#include "plan.h"
#include "policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *root; /* the source tree */

static bool parse(const char *text, struct policy *p)
{
	char msg[200];
	int err = policy_parse(text, strlen(text), "inline", 4, p, msg, sizeof msg);

	if (err != POLICY_OK)
		printf("  parse: %s\n", msg);
	return err == POLICY_OK;
}

static void snap_init(struct lb_snapshot *s, uint64_t now)
{
	memset(s, 0, sizeof *s);
	s->now_ms = now;
	s->n_cpus = 4;
	s->online = 0xf;
}

/* Adds a thread; its id is its index. */
static void add(struct lb_snapshot *s, unsigned client, int group, unsigned cpu,
		unsigned load)
{
	struct lb_thread *t = &s->threads[s->n_threads];

	t->id = s->n_threads++;
	t->client = client;
	t->group = group;
	t->cpu = cpu;
	t->load = load;
	t->moved_at_ms = 0;
}

/* Makes the moves; returns false if one does not match the snapshot. */
static bool apply(struct lb_snapshot *s, const struct lb_plan_out *out)
{
	for (unsigned k = 0; k < out->n; k++) {
		const struct lb_move *mv = &out->moves[k];

		if (mv->thread_id >= s->n_threads || s->threads[mv->thread_id].cpu != mv->from ||
		    mv->to >= s->n_cpus || mv->reason >= LB_REASONS)
			return false;
		s->threads[mv->thread_id].cpu = mv->to;
		s->threads[mv->thread_id].moved_at_ms = s->now_ms;
	}
	return true;
}

static unsigned cpu_load(const struct lb_snapshot *s, unsigned c)
{
	unsigned sum = 0;

	for (unsigned i = 0; i < s->n_threads; i++)
		if (s->threads[i].cpu == c)
			sum += s->threads[i].load;
	return sum;
}

static unsigned count_reason(const struct lb_plan_out *out, unsigned reason)
{
	unsigned n = 0;

	for (unsigned k = 0; k < out->n; k++)
		n += out->moves[k].reason == reason;
	return n;
}

static struct policy pol;
static struct lb_snapshot snap;
static struct lb_plan_out out;

#define MODEM "client modem {\ncpus 0\npriorities 200-250\npolicy pinned\nreserve 0\n}\n"
#define APPOS(extra) "client appos {\ncpus 0-3\npriorities 10-100\npolicy balance\n" extra "}\n"

static void test_pinned_placed_then_never_moved(void)
{
	CHECK(parse("client rt {\ncpus 1-2\npriorities 200\npolicy pinned\n}\n"
		    APPOS("period 10\nhysteresis 5\n"), &pol));
	snap_init(&snap, 1000);
	add(&snap, 0, -1, LB_NONE, 200);
	add(&snap, 0, -1, LB_NONE, 200);
	add(&snap, 0, -1, LB_NONE, 200);
	lb_plan(&pol, &snap, &out);
	CHECK_EQ(out.n, 3);
	CHECK(apply(&snap, &out));
	/* The first CPU of the set, then round robin over it. */
	CHECK_EQ(snap.threads[0].cpu, 1);
	CHECK_EQ(snap.threads[1].cpu, 2);
	CHECK_EQ(snap.threads[2].cpu, 1);
	CHECK_EQ(count_reason(&out, LB_PLACE), 3);
	/* CPU 1 overloaded by balance threads too: the pinned ones stay. */
	for (unsigned k = 0; k < 6; k++)
		add(&snap, 1, -1, 1, 400);
	for (unsigned round = 0; round < 20; round++) {
		snap.now_ms += 100;
		lb_plan(&pol, &snap, &out);
		for (unsigned k = 0; k < out.n; k++)
			CHECK(out.moves[k].thread_id >= 3);
		CHECK(apply(&snap, &out));
	}
	CHECK_EQ(snap.threads[0].cpu, 1);
	CHECK_EQ(snap.threads[2].cpu, 1);
}

static void test_reserved_cpus_stay_free(void)
{
	CHECK(parse(MODEM APPOS(""), &pol));
	snap_init(&snap, 1000);
	add(&snap, 0, -1, 0, 300);
	add(&snap, 1, -1, 0, 500);       /* started on CPU 0 by the kernel */
	for (unsigned k = 0; k < 8; k++)
		add(&snap, 1, -1, LB_NONE, 100);
	lb_plan(&pol, &snap, &out);
	CHECK(apply(&snap, &out));
	CHECK_EQ(snap.threads[0].cpu, 0);
	for (unsigned i = 1; i < snap.n_threads; i++)
		CHECK_MSG(snap.threads[i].cpu != 0, "thread %u on reserved CPU 0", i);
	CHECK_EQ(out.moves[0].thread_id, 1);
	CHECK_EQ(out.moves[0].reason, LB_PINNED);
	CHECK_EQ(count_reason(&out, LB_PLACE), 8);
}

static void test_apart_never_shares(void)
{
	CHECK(parse(MODEM APPOS("") "group w {\nclient appos\npolicy apart\nthreads 3\n}\n", &pol));
	snap_init(&snap, 1000);
	snap.cpu_busy[2] = 900;
	add(&snap, 1, 0, 1, 100);
	add(&snap, 1, 0, 1, 100);
	add(&snap, 1, 0, LB_NONE, 100);
	lb_plan(&pol, &snap, &out);
	CHECK(apply(&snap, &out));
	CHECK_EQ(out.n, 2);
	CHECK_EQ(snap.threads[0].cpu, 1); /* the first on CPU 1 stays */
	CHECK(snap.threads[1].cpu != snap.threads[2].cpu);
	CHECK(snap.threads[1].cpu >= 2 && snap.threads[2].cpu >= 2);
	CHECK_EQ(out.moves[0].reason, LB_APART);
	CHECK_EQ(out.moves[1].reason, LB_PLACE);
}

static void test_vm_distinct_and_moved_as_unit(void)
{
	CHECK(parse(MODEM APPOS("") "group vm {\nclient appos\npolicy vm\nthreads 2\n"
		    "period 100\nhysteresis 30\n}\n", &pol));
	/* Two vCPUs on one CPU: one moves, the other stays. */
	snap_init(&snap, 1000);
	add(&snap, 1, 0, 2, 500);
	add(&snap, 1, 0, 2, 500);
	lb_plan(&pol, &snap, &out);
	CHECK(apply(&snap, &out));
	CHECK_EQ(out.n, 1);
	CHECK_EQ(out.moves[0].reason, LB_VM);
	CHECK(snap.threads[0].cpu != snap.threads[1].cpu);
	/* CPU 1 loaded by others past the hysteresis: that vCPU moves to 3. */
	snap_init(&snap, 1000);
	add(&snap, 1, 0, 1, 300);
	add(&snap, 1, 0, 2, 300);
	add(&snap, 1, -1, 1, 500);
	snap.threads[0].moved_at_ms = snap.threads[1].moved_at_ms = 950; /* within the period */
	snap.threads[2].moved_at_ms = 990;
	lb_plan(&pol, &snap, &out);
	CHECK_EQ(out.n, 0); /* one vCPU moved 50 ms ago: the whole VM waits */
	snap.threads[1].moved_at_ms = 0;
	snap.threads[0].moved_at_ms = 0;
	lb_plan(&pol, &snap, &out);
	CHECK_EQ(count_reason(&out, LB_VM), 1);
	CHECK(apply(&snap, &out));
	CHECK_EQ(snap.threads[0].cpu, 3);
	CHECK_EQ(snap.threads[1].cpu, 2);
}

static void test_together_never_splits(void)
{
	CHECK(parse(MODEM APPOS("") "group media {\nclient appos\npolicy together\nthreads 4\n}\n", &pol));
	snap_init(&snap, 1000);
	snap.cpu_busy[1] = 800;
	snap.cpu_busy[3] = 500;
	add(&snap, 1, 0, 1, 100);
	add(&snap, 1, 0, 2, 100);
	add(&snap, 1, 0, 3, 100);
	lb_plan(&pol, &snap, &out);
	CHECK(apply(&snap, &out));
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(snap.threads[i].cpu, 2); /* the least loaded by others */
	CHECK_EQ(count_reason(&out, LB_TOGETHER), 2);
	add(&snap, 1, 0, LB_NONE, 100); /* a new member joins them */
	for (unsigned round = 0; round < 10; round++) {
		snap.now_ms += 100;
		lb_plan(&pol, &snap, &out);
		CHECK(apply(&snap, &out));
		for (unsigned i = 1; i < 4; i++)
			CHECK_EQ(snap.threads[i].cpu, snap.threads[0].cpu);
	}
}

/* Calls the planner every period with the loads it left; returns the calls. */
static unsigned settle(unsigned max_calls, unsigned period, unsigned *moves)
{
	unsigned calls;

	*moves = 0;
	for (calls = 0; calls < max_calls; calls++) {
		snap.now_ms += period;
		lb_plan(&pol, &snap, &out);
		if (out.n == 0 || !apply(&snap, &out))
			break;
		*moves += out.n;
		if (count_reason(&out, LB_BALANCE) > 1)
			return max_calls + 1; /* more than one move per call */
	}
	return calls;
}

static void test_balance_evens_skew(void)
{
	unsigned calls, moves, hi = 0, lo = ~0u;

	CHECK(parse(MODEM APPOS("period 50\nhysteresis 20\n"), &pol));
	snap_init(&snap, 1000);
	for (unsigned k = 0; k < 9; k++)
		add(&snap, 1, -1, 1, 300);
	calls = settle(20, 50, &moves);
	CHECK_MSG(calls <= 8, "%u calls", calls);
	CHECK_EQ(moves, 6);
	for (unsigned c = 1; c < 4; c++) {
		unsigned l = cpu_load(&snap, c);
		hi = l > hi ? l : hi;
		lo = l < lo ? l : lo;
	}
	CHECK_MSG(hi - lo <= 200, "loads %u..%u", lo, hi);
}

static void test_hysteresis_prevents_ping_pong(void)
{
	unsigned moves;

	CHECK(parse(MODEM APPOS("period 50\nhysteresis 20\n"), &pol));
	/* 150 per-mille apart: within the hysteresis, nothing moves. */
	snap_init(&snap, 1000);
	add(&snap, 1, -1, 1, 300);
	add(&snap, 1, -1, 1, 300);
	add(&snap, 1, -1, 2, 450);
	add(&snap, 1, -1, 3, 500);
	lb_plan(&pol, &snap, &out);
	CHECK_EQ(out.n, 0);
	/* Past it, but the only candidate moved 10 ms ago: it stays. */
	snap.threads[0].load = snap.threads[1].load = 400;
	snap.threads[0].moved_at_ms = snap.threads[1].moved_at_ms = 990;
	lb_plan(&pol, &snap, &out);
	CHECK_EQ(out.n, 0);
	/* A lone busy thread never hops between idle CPUs: the move would not
	   lower the busiest CPU's load. */
	snap_init(&snap, 1000);
	add(&snap, 1, -1, 1, 1000);
	CHECK_EQ(settle(50, 10, &moves), 0);
	/* Nearly equal CPUs stay as they are, call after call. */
	snap_init(&snap, 1000);
	add(&snap, 1, -1, 1, 900);
	add(&snap, 1, -1, 2, 900);
	add(&snap, 1, -1, 2, 100);
	add(&snap, 1, -1, 3, 950);
	CHECK_EQ(settle(50, 10, &moves), 0);
}

#define BATCH "client batch {\ncpus 1-3\npriorities 10-50\npolicy powersave\nperiod 100\nlow 20\nhigh 60\n}\n"

static void test_powersave_consolidates_then_spreads(void)
{
	unsigned moves, used = 0;

	CHECK(parse(MODEM BATCH, &pol));
	snap_init(&snap, 1000);
	add(&snap, 1, -1, 1, 100);
	add(&snap, 1, -1, 2, 100);
	add(&snap, 1, -1, 3, 150);
	lb_plan(&pol, &snap, &out);
	CHECK(apply(&snap, &out));
	CHECK_EQ(count_reason(&out, LB_POWER_CONSOLIDATE), out.n);
	CHECK_EQ(out.n, 2);
	CHECK_EQ(__builtin_popcount(out.cpus_used & 0xe), 1);
	CHECK_EQ(snap.threads[0].cpu, 3); /* onto the CPU holding most load */
	/* The load rises past `high`: spread again, and stay spread. */
	for (unsigned i = 0; i < 3; i++)
		snap.threads[i].load = 450;
	settle(10, 100, &moves);
	CHECK(moves >= 2);
	for (unsigned i = 0; i < 3; i++)
		used |= 1u << snap.threads[i].cpu;
	CHECK_EQ(__builtin_popcount(used), 3);
}

static void test_conflicts_follow_the_order(void)
{
	CHECK(parse("client rt {\ncpus 1\npriorities 200\npolicy pinned\n}\n"
		    APPOS("") "group w {\nclient appos\npolicy apart\nthreads 2\ncpus 1-3\n}\n"
		    "group m {\nclient appos\npolicy together\nthreads 2\ncpus 1-3\n}\n", &pol));
	snap_init(&snap, 1000);
	add(&snap, 0, -1, LB_NONE, 900); /* a pinned thread loads CPU 1 */
	add(&snap, 1, 0, LB_NONE, 100);
	add(&snap, 1, 0, LB_NONE, 100);
	add(&snap, 1, 1, LB_NONE, 50);
	add(&snap, 1, 1, LB_NONE, 50);
	lb_plan(&pol, &snap, &out);
	CHECK(apply(&snap, &out));
	CHECK_EQ(snap.threads[0].cpu, 1);
	/* apart avoids the pinned CPU, together takes what apart leaves least loaded */
	CHECK(snap.threads[1].cpu != 1 && snap.threads[2].cpu != 1);
	CHECK(snap.threads[1].cpu != snap.threads[2].cpu);
	CHECK_EQ(snap.threads[3].cpu, snap.threads[4].cpu);
	CHECK(snap.threads[3].cpu != 1);

	/* Powersave only with headroom: no CPU can take the batch without passing high. */
	CHECK(parse(MODEM BATCH, &pol));
	snap_init(&snap, 1000);
	snap.cpu_busy[1] = snap.cpu_busy[2] = snap.cpu_busy[3] = 560;
	add(&snap, 1, -1, 1, 50);
	add(&snap, 1, -1, 2, 50);
	lb_plan(&pol, &snap, &out);
	CHECK_EQ(out.n, 0);
}

/* ---- Seeded random snapshots over the shipped configs ---- */

static uint64_t rng_state;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (unsigned)(rng_state % n) : 0;
}

static unsigned popc(uint32_t m) { return (unsigned)__builtin_popcount(m); }

static uint32_t usable_of(const struct policy *p, const struct lb_thread *t)
{
	return t->group >= 0 ? p->groups[t->group].usable : p->clients[t->client].usable;
}

static enum policy_kind kind_of(const struct policy *p, const struct lb_thread *t)
{
	return t->group >= 0 ? p->groups[t->group].kind : p->clients[t->client].kind;
}

static void random_snapshot(const struct policy *p, struct lb_snapshot *s)
{
	unsigned in_group[POLICY_MAX_GROUPS] = { 0 }, n = rnd(48);

	snap_init(s, 1000 + rnd(100000));
	for (unsigned c = 0; c < 4; c++)
		s->cpu_busy[c] = rnd(3) ? 0 : rnd(1100);
	for (unsigned k = 0; k < n; k++) {
		unsigned client = rnd(p->n_clients), g = rnd(p->n_groups + 1);
		int group = -1;
		struct lb_thread *t = &s->threads[s->n_threads];

		if (g < p->n_groups && p->groups[g].client == client &&
		    in_group[g] < p->groups[g].threads) {
			group = (int)g;
			in_group[g]++;
		}
		add(s, client, group, rnd(5) ? rnd(4) : LB_NONE, rnd(1200));
		if (kind_of(p, t) == POLICY_PINNED && t->cpu != LB_NONE &&
		    !(usable_of(p, t) & (1u << t->cpu)))
			t->cpu = LB_NONE; /* a placed pinned thread is where its policy allows */
		t->moved_at_ms = s->now_ms - rnd(300);
	}
}

/* The invariants of the placement after the moves; NULL when they hold. */
static const char *check_placement(const struct policy *p, const struct lb_snapshot *before,
				   const struct lb_snapshot *after, const struct lb_plan_out *o)
{
	unsigned balance_moves[POLICY_MAX_CLIENTS] = { 0 };
	static char why[160];

	for (unsigned k = 0; k < o->n; k++) {
		const struct lb_thread *t = &before->threads[o->moves[k].thread_id];
		for (unsigned x = 0; x < k; x++)
			if (o->moves[x].thread_id == o->moves[k].thread_id)
				return "a thread moved twice in one call";
		if (kind_of(p, t) == POLICY_PINNED && t->cpu != LB_NONE)
			return "a pinned thread moved";
		if (o->moves[k].reason == LB_BALANCE && ++balance_moves[t->client] > 1)
			return "two balance moves for one client";
	}
	for (unsigned i = 0; i < after->n_threads; i++) {
		const struct lb_thread *t = &after->threads[i];

		if (t->cpu >= 4 || !(usable_of(p, t) & (1u << t->cpu))) {
			snprintf(why, sizeof why, "thread %u on CPU %u outside its set", i, t->cpu);
			return why;
		}
		for (unsigned c = 0; c < p->n_clients; c++)
			if (c != t->client && (p->clients[c].reserved & (1u << t->cpu)))
				return "a thread on another client's reserved CPU";
	}
	/* Groups, and clients with a distinct-CPU or together policy. */
	for (unsigned e = 0; e < p->n_groups + p->n_clients; e++) {
		bool grp = e < p->n_groups;
		unsigned client = grp ? p->groups[e].client : e - p->n_groups;
		enum policy_kind kind = grp ? p->groups[e].kind : p->clients[client].kind;
		uint32_t seen = 0, mask = grp ? p->groups[e].usable : p->clients[client].usable;
		unsigned n = 0, first = LB_NONE;

		for (unsigned i = 0; i < after->n_threads; i++) {
			const struct lb_thread *t = &after->threads[i];
			if (t->client != client || t->group != (grp ? (int)e : -1))
				continue;
			n++;
			seen |= 1u << t->cpu;
			if (kind == POLICY_TOGETHER && first != LB_NONE && t->cpu != first)
				return "a together group is split";
			first = t->cpu;
		}
		if ((kind == POLICY_APART || kind == POLICY_VM) && n <= popc(mask) && popc(seen) != n)
			return "an apart or vm set shares a CPU";
	}
	return NULL;
}

static void test_random_configs_keep_invariants(void)
{
	static const char *const files[] = { "configs/default.policy", "configs/stress.policy" };
	static struct lb_snapshot before;
	char path[1024], text[8192];
	unsigned moves = 0;

	for (unsigned f = 0; f < 2; f++) {
		FILE *fp;
		size_t len;

		snprintf(path, sizeof path, "%s/%s", root, files[f]);
		fp = fopen(path, "rb");
		CHECK_MSG(fp, "cannot open %s", path);
		len = fread(text, 1, sizeof text, fp);
		fclose(fp);
		CHECK_EQ(policy_parse(text, len, files[f], 4, &pol, NULL, 0), POLICY_OK);
		for (unsigned seed = 1; seed <= 300; seed++) {
			rng_state = 0x9e3779b97f4a7c15ull * seed;
			random_snapshot(&pol, &snap);
			for (unsigned step = 0; step < 8; step++) {
				const char *why;

				before = snap;
				lb_plan(&pol, &snap, &out);
				CHECK_MSG(apply(&snap, &out), "%s seed %u step %u: bad move", files[f], seed, step);
				moves += out.n;
				why = check_placement(&pol, &before, &snap, &out);
				CHECK_MSG(!why, "%s seed %u step %u: %s", files[f], seed, step, why);
				snap.now_ms += 10 + rnd(200);
				for (unsigned i = 0; i < snap.n_threads; i++)
					snap.threads[i].load = rnd(4) ? snap.threads[i].load : rnd(1000);
			}
		}
	}
	CHECK_MSG(moves > 1000, "only %u moves: the run checks little", moves);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s SOURCE_TREE\n", argv[0]);
		return 2;
	}
	root = argv[1];
	RUN(test_pinned_placed_then_never_moved);
	RUN(test_reserved_cpus_stay_free);
	RUN(test_apart_never_shares);
	RUN(test_vm_distinct_and_moved_as_unit);
	RUN(test_together_never_splits);
	RUN(test_balance_evens_skew);
	RUN(test_hysteresis_prevents_ping_pong);
	RUN(test_powersave_consolidates_then_spreads);
	RUN(test_conflicts_follow_the_order);
	RUN(test_random_configs_keep_invariants);
	return check_summary();
}
