/*
 * The load balancer's planner: see plan.h, and docs/balancer.md for the rules.
 *
 * lb_plan() works on a copy of the placement (struct plan): each rule reads
 * the CPU loads as the earlier rules left them, so the combining order of
 * enum policy_kind is the order in which the rules run. Every thread moves at
 * most once per call. Loads are per-mille of one CPU throughout.
 */
#include "plan.h"

#include <stdbool.h>

#define BIT(n) (1u << (n))
#define LOAD_MAX 1000u

struct plan {
	const struct policy *p;
	const struct lb_snapshot *s;
	struct lb_plan_out *out;
	unsigned n;                        /* threads looked at: at most LB_MAX_THREADS */
	uint32_t cpus;                     /* on the board and online */
	unsigned cpu[LB_MAX_THREADS];      /* planned CPU of each thread */
	bool moved[LB_MAX_THREADS];        /* moved by this call */
	unsigned est[POLICY_MAX_CPUS];     /* planned load of each CPU */
};

/* The threads one rule places: a group's, or a client's outside any group. */
struct members {
	unsigned n;
	unsigned idx[LB_MAX_THREADS];      /* indices in snapshot.threads[] */
	uint32_t mask;                     /* where they may run */
	unsigned period_ms, hysteresis;    /* from the group (vm) or the client */
	unsigned client;
};

const char *lb_reason_name(unsigned reason)
{
	static const char *const names[LB_REASONS] = {
		"place", "pinned", "apart", "together", "vm", "balance",
		"power_consolidate", "power_spread",
	};
	return reason < LB_REASONS ? names[reason] : "?";
}

static unsigned popcount(uint32_t m)
{
	unsigned n = 0;

	for (; m; m &= m - 1)
		n++;
	return n;
}

static bool valid_cpu(unsigned c) { return c < POLICY_MAX_CPUS; }

static bool in_set(uint32_t m, unsigned c) { return valid_cpu(c) && (m & BIT(c)); }

static unsigned load_of(const struct plan *pl, unsigned i)
{
	unsigned l = pl->s->threads[i].load;
	return l > LOAD_MAX ? LOAD_MAX : l;
}

/* The thread's group, or -1 when it has none or names a wrong one. */
static int group_of(const struct plan *pl, unsigned i)
{
	const struct lb_thread *t = &pl->s->threads[i];

	if (t->group < 0 || (unsigned)t->group >= pl->p->n_groups ||
	    pl->p->groups[t->group].client != t->client)
		return -1;
	return t->group;
}

/* Whether the thread moved within its period: it must not move again yet. */
static bool recent(const struct plan *pl, unsigned i, unsigned period_ms)
{
	uint64_t now = pl->s->now_ms, at = pl->s->threads[i].moved_at_ms;
	return pl->moved[i] || at > now || now - at < period_ms;
}

static unsigned least_loaded(const struct plan *pl, uint32_t m)
{
	unsigned best = LB_NONE;

	for (unsigned c = 0; c < POLICY_MAX_CPUS; c++)
		if ((m & BIT(c)) && (best == LB_NONE || pl->est[c] < pl->est[best]))
			best = c;
	return best;
}

/* Whether CPU c is reserved by a client other than `client`. */
static bool reserved_by_other(const struct plan *pl, unsigned client, unsigned c)
{
	for (unsigned k = 0; k < pl->p->n_clients; k++)
		if (k != client && in_set(pl->p->clients[k].reserved, c))
			return true;
	return false;
}

/* The reason for moving a thread that is new or outside its set. */
static unsigned fix_reason(const struct plan *pl, unsigned i, unsigned rule)
{
	const struct lb_thread *t = &pl->s->threads[i];

	if (t->cpu == LB_NONE)
		return LB_PLACE;
	if (reserved_by_other(pl, t->client, t->cpu))
		return LB_PINNED;
	return rule;
}

static void move(struct plan *pl, unsigned i, unsigned to, unsigned reason)
{
	struct lb_plan_out *out = pl->out;
	unsigned from = pl->cpu[i], l = load_of(pl, i);

	if (to == from || !valid_cpu(to))
		return;
	if (valid_cpu(from))
		pl->est[from] -= l;
	pl->est[to] += l;
	pl->cpu[i] = to;
	if (pl->moved[i]) {
		/* Not reached by the rules as written; kept safe all the same. */
		for (unsigned k = 0; k < out->n; k++)
			if (out->moves[k].thread_id == pl->s->threads[i].id)
				out->moves[k].to = to;
		return;
	}
	pl->moved[i] = true;
	if (out->n < LB_MAX_THREADS)
		out->moves[out->n++] = (struct lb_move){
			pl->s->threads[i].id, pl->s->threads[i].cpu, to, reason };
}

static void collect(const struct plan *pl, unsigned client, int group,
		    struct members *m)
{
	const struct policy *p = pl->p;
	const struct policy_client *c = &p->clients[client];

	m->n = 0;
	m->client = client;
	m->mask = (group < 0 ? c->usable : p->groups[group].usable) & pl->cpus;
	m->period_ms = c->period_ms;
	m->hysteresis = c->hysteresis;
	if (group >= 0 && p->groups[group].kind == POLICY_VM) {
		m->period_ms = p->groups[group].period_ms;
		m->hysteresis = p->groups[group].hysteresis;
	}
	for (unsigned i = 0; i < pl->n; i++)
		if (pl->s->threads[i].client == client && group_of(pl, i) == group)
			m->idx[m->n++] = i;
}

/* Load of the members on CPU c. */
static unsigned members_on(const struct plan *pl, const struct members *m, unsigned c)
{
	unsigned sum = 0;

	for (unsigned j = 0; j < m->n; j++)
		if (pl->cpu[m->idx[j]] == c)
			sum += load_of(pl, m->idx[j]);
	return sum;
}

/* Whether any member moved within the period: the set decides as a unit. */
static bool any_recent(const struct plan *pl, const struct members *m)
{
	for (unsigned j = 0; j < m->n; j++)
		if (recent(pl, m->idx[j], m->period_ms))
			return true;
	return false;
}

/*
 * Pinned: a placed thread never moves. A new one goes to the CPU of the set
 * with the fewest of its siblings, lowest first: the first CPU, then round
 * robin.
 */
static void plan_pinned(struct plan *pl, const struct members *m)
{
	for (unsigned j = 0; j < m->n; j++) {
		unsigned i = m->idx[j], best = LB_NONE, best_n = 0;

		if (pl->s->threads[i].cpu != LB_NONE)
			continue;
		for (unsigned c = 0; c < POLICY_MAX_CPUS; c++) {
			unsigned k = 0;

			if (!(m->mask & BIT(c)))
				continue;
			for (unsigned x = 0; x < m->n; x++)
				k += pl->cpu[m->idx[x]] == c;
			if (best == LB_NONE || k < best_n) {
				best = c;
				best_n = k;
			}
		}
		move(pl, i, best, LB_PLACE);
	}
}

/*
 * VM rebalancing, once the vCPUs are on distinct CPUs: in one decision per
 * period for the whole VM, each vCPU whose CPU is busier than the idlest CPU
 * the VM does not use by more than the hysteresis moves there.
 */
static void rebalance_vm(struct plan *pl, const struct members *m)
{
	unsigned h = m->hysteresis * 10;

	if (any_recent(pl, m))
		return;
	for (unsigned round = 0; round < m->n; round++) {
		uint32_t used = 0;
		unsigned src = LB_NONE, dst;

		for (unsigned j = 0; j < m->n; j++) {
			unsigned i = m->idx[j], c = pl->cpu[i];

			used |= BIT(c);
			if (!pl->moved[i] && (src == LB_NONE ||
					      pl->est[c] > pl->est[pl->cpu[src]]))
				src = i;
		}
		dst = least_loaded(pl, m->mask & ~used);
		if (src == LB_NONE || dst == LB_NONE)
			return;
		unsigned from = pl->cpu[src], diff = pl->est[from] - pl->est[dst];
		if (pl->est[from] <= pl->est[dst] || diff <= h || load_of(pl, src) >= diff)
			return;
		move(pl, src, dst, LB_VM);
	}
}

/*
 * Apart and vm: members on distinct CPUs. Those already alone on a CPU of
 * the set stay; the others go, one by one, to the least loaded free CPU (or
 * the least loaded CPU when the set is too small, which the parser prevents
 * for groups but not for online masks or client-wide apart).
 */
static void plan_distinct(struct plan *pl, const struct members *m, bool vm)
{
	bool stay[LB_MAX_THREADS];
	uint32_t taken = 0;
	bool all_stay = true;

	for (unsigned j = 0; j < m->n; j++) {
		unsigned c = pl->cpu[m->idx[j]];

		stay[j] = in_set(m->mask, c) && !(taken & BIT(c));
		if (stay[j])
			taken |= BIT(c);
		all_stay = all_stay && stay[j];
	}
	for (unsigned j = 0; j < m->n; j++) {
		unsigned i = m->idx[j], to;

		if (stay[j])
			continue;
		to = least_loaded(pl, (m->mask & ~taken) ? m->mask & ~taken : m->mask);
		move(pl, i, to, fix_reason(pl, i, vm ? LB_VM : LB_APART));
		if (valid_cpu(to))
			taken |= BIT(to);
	}
	if (vm && all_stay)
		rebalance_vm(pl, m);
}

/*
 * Together: all members on one CPU. If the placed members already share a
 * CPU of the set, the new ones join them; otherwise the group goes to the CPU
 * of the set least loaded by others.
 */
static void plan_together(struct plan *pl, const struct members *m)
{
	unsigned target = LB_NONE;
	bool split = false;

	for (unsigned j = 0; j < m->n; j++) {
		unsigned c = pl->cpu[m->idx[j]];

		if (c == LB_NONE)
			continue;
		if (target == LB_NONE)
			target = c;
		split = split || c != target;
	}
	if (target == LB_NONE || split || !in_set(m->mask, target)) {
		target = LB_NONE;
		for (unsigned c = 0; c < POLICY_MAX_CPUS; c++) {
			if (!(m->mask & BIT(c)))
				continue;
			if (target == LB_NONE || pl->est[c] - members_on(pl, m, c) <
			    pl->est[target] - members_on(pl, m, target))
				target = c;
		}
	}
	for (unsigned j = 0; j < m->n; j++)
		move(pl, m->idx[j], target, fix_reason(pl, m->idx[j], LB_TOGETHER));
}

/* New members, and members outside the set, to the least loaded CPU of it. */
static void place_strays(struct plan *pl, const struct members *m, unsigned rule)
{
	for (unsigned j = 0; j < m->n; j++) {
		unsigned i = m->idx[j];

		if (!in_set(m->mask, pl->cpu[i]))
			move(pl, i, least_loaded(pl, m->mask), fix_reason(pl, i, rule));
	}
}

/*
 * The member to move from the busiest CPU of `from` to dst: on the busiest
 * such CPU that is busier than dst by more than min_diff, not moved within
 * the period, with a load below the difference (so the move lowers the
 * maximum), the one closest to half of it. LB_NONE if there is none.
 */
static unsigned pick_mover(const struct plan *pl, const struct members *m,
			   uint32_t from, unsigned dst, unsigned min_diff)
{
	unsigned best = LB_NONE, best_cpu_load = 0, best_gap = 0;

	for (unsigned j = 0; j < m->n; j++) {
		unsigned i = m->idx[j], c = pl->cpu[i], l = load_of(pl, i);
		unsigned diff, gap;

		if (!in_set(from, c) || c == dst || pl->est[c] <= pl->est[dst])
			continue;
		diff = pl->est[c] - pl->est[dst];
		if (diff <= min_diff || l == 0 || l >= diff || recent(pl, i, m->period_ms))
			continue;
		gap = 2 * l > diff ? 2 * l - diff : diff - 2 * l;
		if (best == LB_NONE || pl->est[c] > best_cpu_load ||
		    (pl->est[c] == best_cpu_load && gap < best_gap)) {
			best = i;
			best_cpu_load = pl->est[c];
			best_gap = gap;
		}
	}
	return best;
}

/* Balance: place the strays, then at most one move past the hysteresis. */
static void plan_balance(struct plan *pl, const struct members *m)
{
	unsigned dst, i;

	place_strays(pl, m, LB_BALANCE);
	dst = least_loaded(pl, m->mask);
	if (dst == LB_NONE)
		return;
	i = pick_mover(pl, m, m->mask, dst, m->hysteresis * 10);
	if (i != LB_NONE)
		move(pl, i, dst, LB_BALANCE);
}

/* The CPUs of the set holding members. */
static uint32_t members_cpus(const struct plan *pl, const struct members *m)
{
	uint32_t used = 0;

	for (unsigned j = 0; j < m->n; j++)
		if (in_set(m->mask, pl->cpu[m->idx[j]]))
			used |= BIT(pl->cpu[m->idx[j]]);
	return used;
}

/*
 * Powersave consolidation, best fit decreasing: the heaviest member first,
 * onto the fullest target CPU it fits on (others' load + assigned <= high),
 * a new target being the used CPU holding most of the client's load. Applied
 * only if it empties at least one CPU; given up if some member fits nowhere.
 */
static void consolidate(struct plan *pl, const struct members *m, uint32_t used)
{
	unsigned cap = pl->p->clients[m->client].high * 10;
	unsigned fill[POLICY_MAX_CPUS], own[POLICY_MAX_CPUS];
	unsigned target[LB_MAX_THREADS];
	bool done[LB_MAX_THREADS];
	uint32_t open = 0;

	for (unsigned j = 0; j < m->n; j++)
		done[j] = false;
	for (unsigned c = 0; c < POLICY_MAX_CPUS; c++) {
		own[c] = (used & BIT(c)) ? members_on(pl, m, c) : 0;
		fill[c] = pl->est[c] - own[c];
	}
	for (unsigned round = 0; round < m->n; round++) {
		unsigned jb = LB_NONE, l, to = LB_NONE;

		for (unsigned j = 0; j < m->n; j++)
			if (!done[j] && (jb == LB_NONE || load_of(pl, m->idx[j]) >
					 load_of(pl, m->idx[jb])))
				jb = j;
		if (jb == LB_NONE)   /* cannot happen (n rounds, one member each), but nothing may index by it */
			break;
		done[jb] = true;
		l = load_of(pl, m->idx[jb]);
		for (unsigned c = 0; c < POLICY_MAX_CPUS; c++)
			if ((open & BIT(c)) && fill[c] + l <= cap &&
			    (to == LB_NONE || fill[c] > fill[to]))
				to = c;
		if (to == LB_NONE) {
			for (unsigned c = 0; c < POLICY_MAX_CPUS; c++)
				if ((used & ~open & BIT(c)) && fill[c] + l <= cap &&
				    (to == LB_NONE || own[c] > own[to]))
					to = c;
			if (to == LB_NONE)
				return; /* no headroom: stay spread */
			open |= BIT(to);
		}
		fill[to] += l;
		target[jb] = to;
	}
	if (popcount(open) >= popcount(used))
		return;
	for (unsigned j = 0; j < m->n; j++)
		move(pl, m->idx[j], target[j], LB_POWER_CONSOLIDATE);
}

/*
 * Powersave: strays join the fullest used CPU they fit on below `high`
 * (else the least loaded CPU). Then, once per period: consolidate when the
 * members' load is below `low` per used CPU; spread, one move at a time,
 * while a used CPU is above `high`.
 */
static void plan_powersave(struct plan *pl, const struct members *m)
{
	const struct policy_client *c = &pl->p->clients[m->client];
	unsigned total = 0, low = c->low * 10, high = c->high * 10;
	uint32_t used = members_cpus(pl, m);

	for (unsigned j = 0; j < m->n; j++) {
		unsigned i = m->idx[j], l = load_of(pl, i), to = LB_NONE;

		total += l;
		if (in_set(m->mask, pl->cpu[i]))
			continue;
		for (unsigned x = 0; x < POLICY_MAX_CPUS; x++)
			if ((used & BIT(x)) && pl->est[x] + l <= high &&
			    (to == LB_NONE || pl->est[x] > pl->est[to]))
				to = x;
		if (to == LB_NONE)
			to = least_loaded(pl, m->mask);
		move(pl, i, to, fix_reason(pl, i, LB_POWER_SPREAD));
		if (valid_cpu(to))
			used |= BIT(to);
	}
	if (any_recent(pl, m))
		return;
	if (popcount(used) > 1 && total < low * popcount(used)) {
		consolidate(pl, m, used);
		return;
	}
	for (unsigned round = 0; round < m->n; round++) {
		unsigned src = LB_NONE, dst = least_loaded(pl, m->mask), i;

		for (unsigned x = 0; x < POLICY_MAX_CPUS; x++)
			if ((used & BIT(x)) && pl->est[x] > high &&
			    (src == LB_NONE || pl->est[x] > pl->est[src]))
				src = x;
		if (src == LB_NONE || dst == LB_NONE)
			return;
		i = pick_mover(pl, m, BIT(src), dst, 0);
		if (i == LB_NONE)
			return;
		move(pl, i, dst, LB_POWER_SPREAD);
		used |= BIT(dst);
	}
}

static void plan_members(struct plan *pl, enum policy_kind kind, const struct members *m)
{
	switch (kind) {
	case POLICY_PINNED: plan_pinned(pl, m); break;
	case POLICY_APART: plan_distinct(pl, m, false); break;
	case POLICY_VM: plan_distinct(pl, m, true); break;
	case POLICY_TOGETHER: plan_together(pl, m); break;
	case POLICY_BALANCE: plan_balance(pl, m); break;
	case POLICY_POWERSAVE: plan_powersave(pl, m); break;
	default: break;
	}
}

/* Which step of the combining order a policy belongs to. */
static unsigned step_of(enum policy_kind kind)
{
	switch (kind) {
	case POLICY_PINNED: return 0;
	case POLICY_APART: case POLICY_VM: return 1;
	case POLICY_TOGETHER: return 2;
	case POLICY_BALANCE: return 3;
	default: return 4;
	}
}

/* The rules of one step: the groups first, then the clients' other threads. */
static void plan_step(struct plan *pl, unsigned step, struct members *m)
{
	const struct policy *p = pl->p;

	for (unsigned g = 0; g < p->n_groups && g < POLICY_MAX_GROUPS; g++) {
		if (step_of(p->groups[g].kind) != step ||
		    p->groups[g].client >= p->n_clients)
			continue;
		collect(pl, p->groups[g].client, (int)g, m);
		plan_members(pl, p->groups[g].kind, m);
	}
	for (unsigned c = 0; c < p->n_clients && c < POLICY_MAX_CLIENTS; c++) {
		if (step_of(p->clients[c].kind) != step)
			continue;
		collect(pl, c, -1, m);
		plan_members(pl, p->clients[c].kind, m);
	}
}

/* The planned loads: the threads' loads, or the measured load if higher. */
static void init_plan(struct plan *pl)
{
	const struct lb_snapshot *s = pl->s;
	unsigned n = s->n_cpus > POLICY_MAX_CPUS ? POLICY_MAX_CPUS : s->n_cpus;

	pl->cpus = (n == POLICY_MAX_CPUS ? ~0u : BIT(n) - 1) & s->online;
	for (unsigned c = 0; c < POLICY_MAX_CPUS; c++)
		pl->est[c] = 0;
	for (unsigned i = 0; i < pl->n; i++) {
		pl->cpu[i] = valid_cpu(s->threads[i].cpu) ? s->threads[i].cpu : LB_NONE;
		pl->moved[i] = false;
		if (valid_cpu(pl->cpu[i]))
			pl->est[pl->cpu[i]] += load_of(pl, i);
	}
	for (unsigned c = 0; c < POLICY_MAX_CPUS; c++) {
		unsigned busy = s->cpu_busy[c] > LOAD_MAX ? LOAD_MAX : s->cpu_busy[c];
		if (busy > pl->est[c])
			pl->est[c] = busy;
	}
}

void lb_plan(const struct policy *p, const struct lb_snapshot *s,
	     struct lb_plan_out *out)
{
	struct plan pl = { .p = p, .s = s, .out = out };
	struct members m;

	/* Threads past LB_MAX_THREADS are not looked at. */
	pl.n = s->n_threads > LB_MAX_THREADS ? LB_MAX_THREADS : s->n_threads;
	out->n = 0;
	out->cpus_used = 0;
	init_plan(&pl);
	for (unsigned step = 0; step < 5; step++)
		plan_step(&pl, step, &m);
	for (unsigned i = 0; i < pl.n; i++)
		if (valid_cpu(pl.cpu[i]))
			out->cpus_used |= BIT(pl.cpu[i]);
}
