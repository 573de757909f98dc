/*
 * lbsim: replays a synthetic workload through the load balancer's planner
 * (loadbalancer/plan.c) and two baselines, and prints one JSON object per
 * strategy. Usage and the workload format: docs/balancer.md.
 *
 *     lbsim POLICY_FILE WORKLOAD_FILE [--ms N]
 *
 * Time advances in 1 ms steps. A CPU's demand is the sum of its threads'
 * loads; when it exceeds 1000 per-mille every thread on it progresses in
 * proportion (no priorities: the simulator measures placement, not the
 * kernel's scheduler).
 */
#include "plan.h"
#include "policy.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS LB_MAX_THREADS
#define MAX_PHASES 16
#define NEVER UINT64_MAX

enum strategy { S_MUON, S_NONE, S_GREEDY, S_COUNT };
static const char *const strategy_names[S_COUNT] = { "muon", "none", "greedy" };

struct wl_thread {
	char name[32];
	unsigned client;
	int group;
	uint64_t arrive, exit;     /* ms; exit NEVER if it runs to the end */
	unsigned start_cpu;        /* LB_NONE: the balancer (or first fit) places it */
	unsigned n_phases;
	unsigned phase_load[MAX_PHASES], phase_ms[MAX_PHASES];
	unsigned cycle_ms;         /* sum of phase_ms */
};

struct workload {
	unsigned n_cpus;
	unsigned period;           /* ms between planner calls; 0: from the policy */
	unsigned n;
	struct wl_thread t[MAX_THREADS];
};

/* A thread's state during one run. */
struct run_thread {
	bool alive;
	unsigned cpu;
	uint64_t moved_at;
	uint64_t win_work, win_ms;  /* consumed per-mille-ms and ms alive since the last decision */
};

struct result {
	double imbalance_sum, cpus_used_sum, demand, done;
	uint64_t migrations, interference, misses, ms;
};

static void die(const char *file, unsigned line, const char *why)
{
	fprintf(stderr, "%s:%u: %s\n", file, line, why);
	exit(2);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(2);
	}
	buf = malloc(POLICY_MAX_BYTES + 1);
	if (!buf)
		exit(2);
	*len = fread(buf, 1, POLICY_MAX_BYTES + 1, f);
	fclose(f);
	return buf;
}

static bool parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end == '\0' && errno == 0 && *v <= max;
}

/* The next blank-separated word of *p, NUL-terminated in place; NULL at the end. */
static char *next_tok(char **p)
{
	char *s = *p, *start;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (!*s)
		return NULL;
	start = s;
	while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return start;
}

static int find_name(const struct policy *p, const char *name, bool group)
{
	unsigned n = group ? p->n_groups : p->n_clients;

	for (unsigned k = 0; k < n; k++)
		if (!strcmp(group ? p->groups[k].name : p->clients[k].name, name))
			return (int)k;
	return -1;
}

/* `thread NAME CLIENT GROUP ARRIVE EXIT CPU LOAD@MS...` */
static void parse_thread(const struct policy *p, struct workload *w, const char *file,
			 unsigned line, char *save)
{
	struct wl_thread *t = &w->t[w->n];
	char *tok[6];
	unsigned long long v;

	if (w->n == MAX_THREADS)
		die(file, line, "too many threads");
	for (unsigned k = 0; k < 6; k++)
		if (!(tok[k] = next_tok(&save)))
			die(file, line, "expected NAME CLIENT GROUP ARRIVE EXIT CPU LOAD@MS...");
	snprintf(t->name, sizeof t->name, "%s", tok[0]);
	if (find_name(p, tok[1], false) < 0)
		die(file, line, "unknown client");
	t->client = (unsigned)find_name(p, tok[1], false);
	t->group = strcmp(tok[2], "-") ? find_name(p, tok[2], true) : -1;
	if (strcmp(tok[2], "-") && (t->group < 0 || p->groups[t->group].client != t->client))
		die(file, line, "unknown group, or a group of another client");
	if (!parse_uint(tok[3], 1u << 30, &v))
		die(file, line, "bad ARRIVE");
	t->arrive = v;
	t->exit = NEVER;
	if (strcmp(tok[4], "-")) {
		if (!parse_uint(tok[4], 1u << 30, &v) || v <= t->arrive)
			die(file, line, "bad EXIT (after ARRIVE, or '-')");
		t->exit = v;
	}
	t->start_cpu = LB_NONE;
	if (strcmp(tok[5], "-")) {
		if (!parse_uint(tok[5], w->n_cpus - 1, &v))
			die(file, line, "bad CPU");
		t->start_cpu = (unsigned)v;
	}
	t->n_phases = 0;
	t->cycle_ms = 0;
	for (char *ph; (ph = next_tok(&save));) {
		char *at = strchr(ph, '@');
		unsigned long long ms;

		if (t->n_phases == MAX_PHASES)
			die(file, line, "too many phases");
		if (!at)
			die(file, line, "a phase is LOAD@MS");
		*at = '\0';
		if (!parse_uint(ph, 1000, &v) || !parse_uint(at + 1, 1u << 30, &ms) || ms == 0)
			die(file, line, "a phase is LOAD@MS, LOAD 0..1000, MS >= 1");
		t->phase_load[t->n_phases] = (unsigned)v;
		t->phase_ms[t->n_phases++] = (unsigned)ms;
		t->cycle_ms += (unsigned)ms;
	}
	if (t->n_phases == 0)
		die(file, line, "no phase");
	w->n++;
}

static void parse_workload(const struct policy *p, struct workload *w, const char *file)
{
	FILE *f = fopen(file, "r");
	char buf[1024];
	unsigned line = 0;

	if (!f) {
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
		exit(2);
	}
	while (fgets(buf, sizeof buf, f)) {
		char *save = buf, *hash = strchr(buf, '#'), *key;
		unsigned long long v;

		line++;
		if (hash)
			*hash = '\0';
		if (!(key = next_tok(&save)))
			continue;
		if (!strcmp(key, "thread")) {
			parse_thread(p, w, file, line, save);
		} else if (!strcmp(key, "period")) {
			if (!parse_uint(next_tok(&save), POLICY_PERIOD_MAX, &v) || !v)
				die(file, line, "bad period");
			w->period = (unsigned)v;
		} else {
			die(file, line, "unknown statement (thread or period)");
		}
	}
	fclose(f);
}

/* The thread's demand at ms `now` (0 if not alive). */
static unsigned demand(const struct wl_thread *t, uint64_t now)
{
	uint64_t into;

	if (now < t->arrive || now >= t->exit)
		return 0;
	into = (now - t->arrive) % t->cycle_ms;
	for (unsigned k = 0; k < t->n_phases; k++) {
		if (into < t->phase_ms[k])
			return t->phase_load[k];
		into -= t->phase_ms[k];
	}
	return 0;
}

static enum policy_kind kind_of(const struct policy *p, const struct wl_thread *t)
{
	return t->group >= 0 ? p->groups[t->group].kind : p->clients[t->client].kind;
}

static uint32_t usable_of(const struct policy *p, const struct wl_thread *t)
{
	return t->group >= 0 ? p->groups[t->group].usable : p->clients[t->client].usable;
}

/* The kernel's placement: the given CPU, else the first CPU of the set. */
static unsigned first_fit(const struct policy *p, const struct wl_thread *t)
{
	uint32_t m = usable_of(p, t);

	if (t->start_cpu != LB_NONE)
		return t->start_cpu;
	for (unsigned c = 0; c < POLICY_MAX_CPUS; c++)
		if (m & (1u << c))
			return c;
	return 0;
}

static unsigned default_period(const struct policy *p)
{
	unsigned best = 0;

	for (unsigned k = 0; k < p->n_clients; k++)
		if (p->clients[k].period_ms && (!best || p->clients[k].period_ms < best))
			best = p->clients[k].period_ms;
	for (unsigned k = 0; k < p->n_groups; k++)
		if (p->groups[k].period_ms && (!best || p->groups[k].period_ms < best))
			best = p->groups[k].period_ms;
	return best ? best : POLICY_DEFAULT_PERIOD;
}

struct sim {
	const struct policy *p;
	const struct workload *w;
	struct run_thread rt[MAX_THREADS];
	uint64_t win_busy[POLICY_MAX_CPUS], win_len;
	uint32_t shared;           /* CPUs nobody reserves: where imbalance is measured */
	struct lb_snapshot snap;
	struct lb_plan_out out;
};

static unsigned window_load(const struct sim *s, unsigned i, uint64_t now)
{
	const struct run_thread *r = &s->rt[i];

	if (r->win_ms == 0)
		return demand(&s->w->t[i], now);
	return (unsigned)(r->win_work / r->win_ms);
}

static void muon_step(struct sim *s, uint64_t now, struct result *res)
{
	struct lb_snapshot *snap = &s->snap;
	memset(snap, 0, sizeof *snap);
	snap->now_ms = now;
	snap->n_cpus = s->w->n_cpus;
	snap->online = s->w->n_cpus >= 32 ? ~0u : (1u << s->w->n_cpus) - 1;
	for (unsigned i = 0; i < s->w->n; i++) {
		struct lb_thread *t = &snap->threads[snap->n_threads];

		if (!s->rt[i].alive)
			continue;
		snap->n_threads++;
		t->id = i;
		t->client = s->w->t[i].client;
		t->group = s->w->t[i].group;
		t->cpu = s->rt[i].cpu;
		t->load = window_load(s, i, now);
		t->moved_at_ms = s->rt[i].moved_at;
	}
	for (unsigned c = 0; c < s->w->n_cpus && s->win_len; c++)
		snap->cpu_busy[c] = (unsigned)(s->win_busy[c] / s->win_len);
	lb_plan(s->p, snap, &s->out);
	for (unsigned k = 0; k < s->out.n; k++) {
		struct lb_move *mv = &s->out.moves[k];

		if (mv->from != LB_NONE)
			res->migrations++;
		s->rt[mv->thread_id].cpu = mv->to;
		s->rt[mv->thread_id].moved_at = now;
	}
}

/* Greedy: the busiest thread of the busiest CPU to the idlest CPU. */
static void greedy_step(struct sim *s, uint64_t now, struct result *res)
{
	unsigned load[POLICY_MAX_CPUS] = { 0 }, hi = 0, lo = 0, pick = LB_NONE;

	for (unsigned i = 0; i < s->w->n; i++)
		if (s->rt[i].alive && s->rt[i].cpu < s->w->n_cpus)
			load[s->rt[i].cpu] += window_load(s, i, now);
	for (unsigned c = 1; c < s->w->n_cpus; c++) {
		hi = load[c] > load[hi] ? c : hi;
		lo = load[c] < load[lo] ? c : lo;
	}
	if (load[hi] <= load[lo])
		return;
	for (unsigned i = 0; i < s->w->n; i++)
		if (s->rt[i].alive && s->rt[i].cpu == hi &&
		    (pick == LB_NONE || window_load(s, i, now) > window_load(s, pick, now)))
			pick = i;
	if (pick != LB_NONE) {
		s->rt[pick].cpu = lo;
		s->rt[pick].moved_at = now;
		res->migrations++;
	}
}

/* One ms of execution: progress, and the measurements. */
static void execute(struct sim *s, uint64_t now, struct result *res)
{
	unsigned dem[POLICY_MAX_CPUS] = { 0 }, busy, hi = 0, lo = 1000, used = 0;
	unsigned other[POLICY_MAX_CPUS] = { 0 }; /* demand of non-pinned threads */

	for (unsigned i = 0; i < s->w->n; i++) {
		if (!s->rt[i].alive || s->rt[i].cpu >= s->w->n_cpus)
			continue;
		dem[s->rt[i].cpu] += demand(&s->w->t[i], now);
		if (kind_of(s->p, &s->w->t[i]) != POLICY_PINNED)
			other[s->rt[i].cpu] += demand(&s->w->t[i], now);
	}
	for (unsigned i = 0; i < s->w->n; i++) {
		const struct wl_thread *t = &s->w->t[i];
		unsigned d = demand(t, now), c = s->rt[i].cpu;
		double got;

		if (!s->rt[i].alive || c >= s->w->n_cpus)
			continue; /* not placed yet: it waits */
		got = dem[c] > 1000 ? (double)d * 1000.0 / dem[c] : d;
		res->demand += d;
		res->done += got;
		s->rt[i].win_work += (uint64_t)got;
		s->rt[i].win_ms++;
		if (kind_of(s->p, t) == POLICY_PINNED && d > 0) {
			res->interference += other[c] > 0;
			res->misses += got + 0.5 < d;
		}
	}
	for (unsigned c = 0; c < s->w->n_cpus; c++) {
		busy = dem[c] > 1000 ? 1000 : dem[c];
		s->win_busy[c] += busy;
		used += busy > 0;
		if (!(s->shared & (1u << c)))
			continue;
		hi = busy > hi ? busy : hi;
		lo = busy < lo ? busy : lo;
	}
	s->win_len++;
	res->imbalance_sum += hi - lo;
	res->cpus_used_sum += used;
	res->ms++;
}

static void run(struct sim *s, enum strategy st, uint64_t ms, unsigned period,
		struct result *res)
{
	memset(res, 0, sizeof *res);
	memset(s->rt, 0, sizeof s->rt);
	memset(s->win_busy, 0, sizeof s->win_busy);
	s->win_len = 0;
	for (uint64_t now = 0; now < ms; now++) {
		bool unplaced = false, decide = now % period == 0;

		for (unsigned i = 0; i < s->w->n; i++) {
			const struct wl_thread *t = &s->w->t[i];
			struct run_thread *r = &s->rt[i];

			if (now == t->arrive) {
				r->alive = true;
				r->cpu = st == S_MUON ? t->start_cpu : first_fit(s->p, t);
				r->moved_at = now;
			}
			if (now == t->exit)
				r->alive = false;
			unplaced = unplaced || (r->alive && r->cpu == LB_NONE);
		}
		if (st == S_MUON && (decide || unplaced))
			muon_step(s, now, res);
		else if (st == S_GREEDY && decide && now > 0)
			greedy_step(s, now, res);
		if (decide) {
			for (unsigned i = 0; i < s->w->n; i++)
				s->rt[i].win_work = s->rt[i].win_ms = 0;
			memset(s->win_busy, 0, sizeof s->win_busy);
			s->win_len = 0;
		}
		execute(s, now, res);
	}
}

static void print(enum strategy st, const char *policy, const char *wl, unsigned period,
		  const struct result *r)
{
	double ms = r->ms ? (double)r->ms : 1.0;
	const char *pb = strrchr(policy, '/'), *wb = strrchr(wl, '/');

	printf("{\"strategy\": \"%s\", \"policy\": \"%s\", \"workload\": \"%s\", "
	       "\"ms\": %llu, \"period_ms\": %u, \"imbalance_avg\": %.1f, "
	       "\"migrations_per_s\": %.2f, \"cpus_used_avg\": %.2f, "
	       "\"pinned_interference\": %llu, \"deadline_misses\": %llu, "
	       "\"work_done\": %.3f}\n",
	       strategy_names[st], pb ? pb + 1 : policy, wb ? wb + 1 : wl,
	       (unsigned long long)r->ms, period, r->imbalance_sum / ms,
	       (double)r->migrations * 1000.0 / ms, r->cpus_used_sum / ms,
	       (unsigned long long)r->interference, (unsigned long long)r->misses,
	       r->demand > 0 ? r->done / r->demand : 1.0);
}

int main(int argc, char **argv)
{
	static struct policy pol;
	static struct workload wl;
	static struct sim sim;
	struct result res;
	char msg[256], *text;
	size_t len;
	uint64_t ms = 0;
	unsigned period;
	unsigned long long v;

	if (argc != 3 && !(argc == 5 && !strcmp(argv[3], "--ms") &&
			   parse_uint(argv[4], 1u << 30, &v) && v > 0)) {
		fprintf(stderr, "usage: %s POLICY_FILE WORKLOAD_FILE [--ms N]\n", argv[0]);
		return 2;
	}
	if (argc == 5)
		ms = v;
	wl.n_cpus = 4;
	text = read_file(argv[1], &len);
	if (policy_parse(text, len, argv[1], wl.n_cpus, &pol, msg, sizeof msg) != POLICY_OK) {
		fprintf(stderr, "%s\n", msg);
		free(text);
		return 2;
	}
	free(text);
	parse_workload(&pol, &wl, argv[2]);
	if (!ms)
		ms = 10000;
	period = wl.period ? wl.period : default_period(&pol);
	sim.p = &pol;
	sim.w = &wl;
	sim.shared = (1u << wl.n_cpus) - 1;
	for (unsigned k = 0; k < pol.n_clients; k++)
		sim.shared &= ~pol.clients[k].reserved;
	if (!sim.shared)
		sim.shared = (1u << wl.n_cpus) - 1;
	for (enum strategy st = 0; st < S_COUNT; st++) {
		run(&sim, st, ms, period, &res);
		print(st, argv[1], argv[2], period, &res);
	}
	return 0;
}
