/*
 * Host tests for kernel/cap.c: lookup errors, rights that only shrink, grant,
 * revoke across tables, release exactly once and only once nothing names the
 * object any more, releases that free the table they came from, the deferred
 * destruction queue that the release rule asks for, and random operations
 * checked against the invariants in cap.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "check.h"

enum { T_TASK = 1, T_THREAD = 2, T_GATE = 3 };
enum { NT = 3, NS = 8 };

static const struct cap_errs errs = { .ecap = -10, .etype = -11, .eperm = -12 };

/* Three tables of eight slots and a log of releases. */
struct world {
	struct cap slots[NT][NS];
	struct cap_table t[NT];
	struct kobj *released[32];
	unsigned nreleased;
	unsigned live_at_release;   /* slots still naming an object when it was released */
};

static unsigned count_naming(struct world *w, const struct kobj *o)
{
	unsigned n = 0;

	for (int i = 0; i < NT; i++)
		for (int k = 0; k < NS; k++)
			n += w->slots[i][k].obj == o;
	return n;
}

static void log_release(struct kobj *o, void *ctx)
{
	struct world *w = ctx;

	w->live_at_release += count_naming(w, o);
	if (w->nreleased < 32)
		w->released[w->nreleased] = o;
	w->nreleased++;
}

static void world_init(struct world *w)
{
	memset(w, 0x5a, sizeof *w);   /* init must set every field it relies on */
	w->nreleased = w->live_at_release = 0;
	for (int i = 0; i < NT; i++)
		cap_table_init(&w->t[i], w->slots[i], NS, log_release, w);
}

static int empty_slot(const struct cap *c)
{
	return c->obj == NULL && c->rights == 0 && mdb_detached(&c->node) &&
	       c->node.next == NULL && c->node.prev == NULL;
}

/* ---- tables and lookup ---- */

static void test_table_init(void)
{
	static struct world w;

	world_init(&w);
	for (int i = 0; i < NT; i++)
		for (int k = 0; k < NS; k++) {
			CHECK(empty_slot(&w.slots[i][k]));
			CHECK(w.slots[i][k].table == &w.t[i]);
		}
	CHECK(cap_slot(&w.t[1], NS - 1) == &w.slots[1][NS - 1]);
	CHECK(cap_slot(&w.t[1], NS) == NULL);
}

static void test_lookup_errors(void)
{
	static struct world w;
	struct kobj task = { .type = T_TASK };
	int err = 0;

	world_init(&w);
	cap_install_root(&w.slots[0][2], &task, CAP_R | CAP_W);
	CHECK_EQ(task.refs, 1);

	CHECK(cap_lookup(&w.t[0], NS, 0, 0, &errs, &err) == NULL);
	CHECK_EQ(err, errs.ecap);                                   /* out of range */
	err = 0;
	CHECK(cap_lookup(&w.t[0], UINT32_MAX, 0, 0, &errs, &err) == NULL);
	CHECK_EQ(err, errs.ecap);
	err = 0;
	CHECK(cap_lookup(&w.t[0], 1, 0, 0, &errs, &err) == NULL);
	CHECK_EQ(err, errs.ecap);                                   /* empty */
	CHECK(cap_lookup(&w.t[0], 2, T_THREAD, CAP_R, &errs, &err) == NULL);
	CHECK_EQ(err, errs.etype);                                  /* wrong type */
	CHECK(cap_lookup(&w.t[0], 2, T_TASK, CAP_R | CAP_S, &errs, &err) == NULL);
	CHECK_EQ(err, errs.eperm);                                  /* missing S */
	CHECK(cap_lookup(&w.t[0], 2, T_TASK, CAP_D, &errs, &err) == NULL);
	CHECK_EQ(err, errs.eperm);

	err = 12345;
	CHECK(cap_lookup(&w.t[0], 2, T_TASK, CAP_R | CAP_W, &errs, &err) == &w.slots[0][2]);
	CHECK(cap_lookup(&w.t[0], 2, 0, 0, &errs, &err) == &w.slots[0][2]);   /* any type */
	CHECK_EQ(err, 12345);                                       /* untouched on success */
	CHECK(cap_lookup(&w.t[1], 2, 0, 0, &errs, &err) == NULL);   /* tables are separate */
}

/* ---- map and grant ---- */

static void test_rights_shrink_through_map(void)
{
	static struct world w;
	struct kobj o = { .type = T_GATE };
	struct cap *a = &w.slots[0][0], *b = &w.slots[1][0], *c = &w.slots[2][0], *d = &w.slots[2][1];

	world_init(&w);
	cap_install_root(a, &o, CAP_ALL);
	CHECK_EQ(a->rights, CAP_ALL);
	CHECK_EQ(cap_map(a, b, CAP_R | CAP_W), 0);
	CHECK_EQ(b->rights, CAP_R | CAP_W);
	CHECK_EQ(cap_map(b, c, CAP_ALL), 0);          /* a wider mask adds nothing */
	CHECK_EQ(c->rights, CAP_R | CAP_W);
	CHECK_EQ(cap_map(c, d, CAP_W | CAP_S | CAP_D), 0);
	CHECK_EQ(d->rights, CAP_W);
	CHECK_EQ(o.refs, 4);
	CHECK(b->obj == &o && c->obj == &o && d->obj == &o);
	CHECK(b->node.parent == &a->node);
	CHECK(c->node.parent == &b->node);
	CHECK(d->node.parent == &c->node);

	cap_install_root(&w.slots[0][1], &(struct kobj){ .type = T_GATE }, 0xff);
	CHECK_EQ(w.slots[0][1].rights, CAP_ALL);      /* only the four rights bits */
}

static void test_rights_shrink_through_grant(void)
{
	static struct world w;
	struct kobj o = { .type = T_GATE };
	struct cap *a = &w.slots[0][0], *b = &w.slots[1][0], *c = &w.slots[2][0], *d = &w.slots[0][5];

	world_init(&w);
	cap_install_root(a, &o, CAP_R | CAP_W | CAP_S);
	CHECK_EQ(cap_grant(a, b, CAP_ALL), 0);
	CHECK_EQ(b->rights, CAP_R | CAP_W | CAP_S);
	CHECK_EQ(cap_grant(b, c, CAP_R | CAP_S | CAP_D), 0);
	CHECK_EQ(c->rights, CAP_R | CAP_S);
	CHECK_EQ(cap_grant(c, d, CAP_W | CAP_S), 0);
	CHECK_EQ(d->rights, CAP_S);
	CHECK_EQ(o.refs, 1);                          /* granting moves, it does not copy */
	CHECK(empty_slot(a) && empty_slot(b) && empty_slot(c));
	CHECK_EQ(count_naming(&w, &o), 1);
}

/* A -> B -> C and A -> B2, then B is granted to another table. */
static void test_grant_moves_node(void)
{
	static struct world w;
	struct kobj o = { .type = T_THREAD };
	struct cap *a = &w.slots[0][0], *b = &w.slots[1][0], *c = &w.slots[2][0];
	struct cap *b2 = &w.slots[2][1], *g = &w.slots[2][7];

	world_init(&w);
	cap_install_root(a, &o, CAP_ALL);
	CHECK_EQ(cap_map(a, b, CAP_ALL), 0);
	CHECK_EQ(cap_map(b, c, CAP_R), 0);
	CHECK_EQ(cap_map(a, b2, CAP_R), 0);
	CHECK_EQ(o.refs, 4);

	CHECK_EQ(cap_grant(b, g, CAP_R | CAP_W), 0);
	CHECK(empty_slot(b));
	CHECK(g->obj == &o && g->rights == (CAP_R | CAP_W));
	CHECK(g->table == &w.t[2]);                   /* the slot keeps its own table */
	CHECK(g->node.parent == &a->node);
	CHECK(a->node.first_child == &b2->node);      /* same position: after B2 */
	CHECK(b2->node.next == &g->node && g->node.prev == &b2->node);
	CHECK(g->node.first_child == &c->node && c->node.parent == &g->node);
	CHECK_EQ(o.refs, 4);

	cap_revoke(a);                                /* the moved cap is still derived from A */
	CHECK(empty_slot(g) && empty_slot(c) && empty_slot(b2));
	CHECK_EQ(o.refs, 1);
	CHECK_EQ(w.nreleased, 0);
}

static void test_map_into_nonempty_fails(void)
{
	static struct world w;
	struct kobj o1 = { .type = T_GATE }, o2 = { .type = T_GATE };
	struct cap *a = &w.slots[0][0], *b = &w.slots[1][0], *e = &w.slots[1][1];

	world_init(&w);
	cap_install_root(a, &o1, CAP_ALL);
	cap_install_root(b, &o2, CAP_R);
	CHECK_EQ(cap_map(a, b, CAP_ALL), -1);
	CHECK_EQ(cap_grant(a, b, CAP_ALL), -1);
	CHECK_EQ(cap_map(a, a, CAP_ALL), -1);         /* onto itself: not empty either */
	CHECK_EQ(cap_grant(a, a, CAP_ALL), -1);
	CHECK_EQ(cap_map(e, &w.slots[2][0], CAP_ALL), -1);   /* from an empty slot */
	CHECK_EQ(cap_grant(e, &w.slots[2][0], CAP_ALL), -1);
	CHECK(a->obj == &o1 && a->rights == CAP_ALL && mdb_detached(&a->node));
	CHECK(b->obj == &o2 && b->rights == CAP_R && mdb_detached(&b->node));
	CHECK(empty_slot(e) && empty_slot(&w.slots[2][0]));
	CHECK_EQ(o1.refs, 1);
	CHECK_EQ(o2.refs, 1);
}

/* ---- revoke, delete, release ---- */

/* A -> B -> C and A -> B2, across three tables, beside an unrelated object. */
static void test_revoke_three_tables(void)
{
	static struct world w;
	struct kobj o = { .type = T_TASK }, other = { .type = T_TASK };
	struct cap *a = &w.slots[0][3], *b = &w.slots[1][4], *c = &w.slots[2][5], *b2 = &w.slots[2][0];
	struct cap *x = &w.slots[1][0], *y = &w.slots[2][1];

	world_init(&w);
	cap_install_root(a, &o, CAP_ALL);
	cap_install_root(x, &other, CAP_ALL);
	CHECK_EQ(cap_map(x, y, CAP_R), 0);
	CHECK_EQ(cap_map(a, b, CAP_R | CAP_W | CAP_D), 0);
	CHECK_EQ(cap_map(b, c, CAP_R), 0);
	CHECK_EQ(cap_map(a, b2, CAP_R | CAP_D), 0);
	CHECK_EQ(o.refs, 4);

	cap_revoke(b);                                /* the middle level: C goes */
	CHECK(empty_slot(c));
	CHECK(b->obj == &o && b->node.parent == &a->node && b->node.first_child == NULL);
	CHECK_EQ(o.refs, 3);
	CHECK_EQ(cap_map(b, c, CAP_R), 0);            /* the slot can be used again */

	cap_revoke(a);
	CHECK(empty_slot(b) && empty_slot(c) && empty_slot(b2));
	CHECK(a->obj == &o && a->rights == CAP_ALL && mdb_detached(&a->node));
	CHECK_EQ(o.refs, 1);
	CHECK_EQ(w.nreleased, 0);                     /* A still names the object */
	CHECK(y->obj == &other && y->node.parent == &x->node);
	CHECK_EQ(other.refs, 2);

	cap_revoke(a);                                /* nothing left below A */
	CHECK_EQ(o.refs, 1);
}

static void test_release_once_on_last_cap(void)
{
	static struct world w;
	struct kobj o = { .type = T_GATE };
	struct cap *a = &w.slots[0][0], *b = &w.slots[1][0], *c = &w.slots[2][0];

	world_init(&w);
	cap_install_root(a, &o, CAP_ALL);
	CHECK_EQ(cap_map(a, b, CAP_ALL), 0);
	CHECK_EQ(cap_map(b, c, CAP_ALL), 0);

	cap_delete(b);                                /* a middle cap: takes C with it */
	CHECK(empty_slot(b) && empty_slot(c));
	CHECK(mdb_detached(&a->node));
	CHECK_EQ(o.refs, 1);
	CHECK_EQ(w.nreleased, 0);

	CHECK_EQ(cap_map(a, b, CAP_R), 0);
	CHECK_EQ(cap_grant(a, c, CAP_ALL), 0);        /* the root moves; B follows it */
	CHECK(b->node.parent == &c->node);
	cap_delete(b);
	CHECK_EQ(w.nreleased, 0);
	cap_delete(c);                                /* the last one */
	CHECK_EQ(w.nreleased, 1);
	CHECK(w.released[0] == &o);
	CHECK_EQ(o.refs, 0);
	CHECK_EQ(w.live_at_release, 0);
}

static void test_delete_root(void)
{
	static struct world w;
	struct kobj o = { .type = T_TASK };
	struct cap *a = &w.slots[0][0];

	world_init(&w);
	cap_install_root(a, &o, CAP_ALL);
	for (int i = 1; i < NS; i++)                  /* a wide fan, some two deep */
		CHECK_EQ(cap_map(i % 2 ? a : &w.slots[1][i - 1], &w.slots[1][i], CAP_R), 0);
	CHECK_EQ(cap_map(&w.slots[1][1], &w.slots[2][0], CAP_R), 0);
	CHECK_EQ(o.refs, NS + 1);

	cap_delete(a);
	CHECK_EQ(w.nreleased, 1);
	CHECK(w.released[0] == &o);
	CHECK_EQ(w.live_at_release, 0);               /* nothing named it when released */
	for (int i = 0; i < NT; i++)
		for (int k = 0; k < NS; k++)
			CHECK(empty_slot(&w.slots[i][k]));
}

/*
 * Objects hang below the factory capability they were made through: deleting
 * a copy of the factory capability destroys what was made through the copy,
 * wherever its capabilities went (even a task holding the only one to
 * itself), and never the factory, which its root still names.
 */
static void test_made_objects_die_with_maker(void)
{
	static struct world w;
	struct kobj fac = { .type = T_GATE }, task = { .type = T_TASK }, th = { .type = T_THREAD };
	struct cap *froot = &w.slots[0][0], *fcopy = &w.slots[1][0];

	world_init(&w);
	cap_install_root(froot, &fac, CAP_ALL);
	CHECK_EQ(cap_map(froot, fcopy, CAP_ALL), 0);
	cap_install_made(fcopy, &w.slots[1][1], &task, CAP_ALL);   /* made through the copy */
	cap_install_made(froot, &w.slots[0][1], &th, CAP_ALL);     /* made through the root */
	CHECK_EQ(cap_grant(&w.slots[1][1], &w.slots[2][0], CAP_ALL), 0);   /* its only capability, elsewhere */
	CHECK_EQ(cap_map(&w.slots[2][0], &w.slots[2][1], CAP_R), 0);
	CHECK(empty_slot(&w.slots[1][1]));

	cap_revoke(&w.slots[0][1]);                   /* revoking a made object's own cap kills nothing */
	CHECK_EQ(w.nreleased, 0);
	cap_delete(fcopy);
	CHECK_EQ(w.nreleased, 1);
	CHECK(w.released[0] == &task);
	CHECK_EQ(task.refs, 0);
	CHECK_EQ(w.live_at_release, 0);
	CHECK(empty_slot(&w.slots[2][0]) && empty_slot(&w.slots[2][1]));
	CHECK_EQ(fac.refs, 1);
	CHECK(w.slots[0][1].obj == &th);              /* made through the root: still there */

	cap_revoke(froot);                            /* the factory stays, what it made goes */
	CHECK_EQ(w.nreleased, 2);
	CHECK(w.released[1] == &th);
	CHECK(froot->obj == &fac && fac.refs == 1 && empty_slot(&w.slots[0][1]));
}

static void test_double_delete_harmless(void)
{
	static struct world w;
	struct kobj o = { .type = T_GATE }, p = { .type = T_GATE };
	struct cap *a = &w.slots[0][0], *b = &w.slots[0][1];

	world_init(&w);
	cap_install_root(a, &o, CAP_ALL);
	cap_install_root(b, &p, CAP_ALL);
	cap_delete(a);
	CHECK_EQ(w.nreleased, 1);
	cap_delete(a);
	cap_delete(a);
	cap_revoke(a);
	CHECK_EQ(w.nreleased, 1);
	CHECK(empty_slot(a));
	CHECK_EQ(o.refs, 0);
	CHECK(b->obj == &p && p.refs == 1);
	cap_delete(&w.slots[2][7]);                   /* never used */
	CHECK_EQ(w.nreleased, 1);
}

/* A table without release: objects are not destroyed, nothing is called. */
static void test_no_release_hook(void)
{
	struct cap slots[2];
	struct cap_table t;
	struct kobj o = { .type = T_GATE };

	cap_table_init(&t, slots, 2, NULL, NULL);
	cap_install_root(&slots[0], &o, CAP_ALL);
	CHECK_EQ(cap_map(&slots[0], &slots[1], CAP_R), 0);
	cap_delete(&slots[0]);
	CHECK(empty_slot(&slots[0]) && empty_slot(&slots[1]));
	CHECK_EQ(o.refs, 0);
}

/* ---- releases that free memory ---- */

/* A task object that holds its own capability table. */
struct task {
	struct kobj k;
	struct task *next_dead;   /* the kernel's queue of objects to destroy */
	struct cap_table t;
	struct cap slots[4];
};

struct kernel {
	struct task *dead;   /* released tasks waiting to be destroyed */
	int draining;
	unsigned destroyed;
};

/* Frees the task at once: allowed, since release is cap_delete's last step. */
static void free_task(struct kobj *o, void *ctx)
{
	(*(unsigned *)ctx)++;
	free(o);
}

static struct task *new_task(void (*release)(struct kobj *, void *), void *ctx)
{
	struct task *t = calloc(1, sizeof *t);

	if (t == NULL) {
		perror("calloc");
		exit(2);
	}
	t->k.type = T_TASK;
	cap_table_init(&t->t, t->slots, 4, release, ctx);
	return t;
}

/* The last capability to a task lives in the task's own table. */
static void test_release_frees_own_table(void)
{
	unsigned freed = 0;
	struct task *t = new_task(free_task, &freed);
	struct task *u = new_task(free_task, &freed);

	cap_install_root(&t->slots[0], &t->k, CAP_ALL);
	CHECK_EQ(cap_map(&t->slots[0], &u->slots[1], CAP_R), 0);
	CHECK_EQ(cap_map(&u->slots[1], &t->slots[2], CAP_R), 0);
	CHECK_EQ(t->k.refs, 3);
	cap_delete(&u->slots[1]);                     /* takes t->slots[2] too */
	CHECK_EQ(freed, 0);
	CHECK_EQ(t->k.refs, 1);
	cap_delete(&t->slots[0]);                     /* frees t: ASan checks nothing touches it */
	CHECK_EQ(freed, 1);
	free(u);
}

/*
 * The release rule in practice: release queues the task, and the outermost
 * release drains the queue in one flat loop, calling cap_delete from inside
 * release (cap.c holds nothing by then); nested releases only queue.
 */
static void drain(struct kernel *k)
{
	k->draining = 1;
	while (k->dead != NULL) {
		struct task *t = k->dead;

		k->dead = t->next_dead;
		for (int i = 0; i < 4; i++)
			cap_delete(&t->slots[i]);   /* may queue more */
		free(t);
		k->destroyed++;
	}
	k->draining = 0;
}

static void queue_task(struct kobj *o, void *ctx)
{
	struct kernel *k = ctx;
	struct task *t = (struct task *)o;

	t->next_dead = k->dead;
	k->dead = t;
	if (!k->draining)
		drain(k);
}

/* Task i holds the only capability to task i + 1: a chain 10000 long. */
static void test_release_queue_drains_chain(void)
{
	enum { CHAIN = 10000 };
	struct kernel k = { 0 };
	struct cap boot[1];
	struct cap_table bt;
	struct task *first = new_task(queue_task, &k), *t = first;

	cap_table_init(&bt, boot, 1, queue_task, &k);
	cap_install_root(&boot[0], &first->k, CAP_ALL);
	for (int i = 1; i < CHAIN; i++) {
		struct task *next = new_task(queue_task, &k);

		cap_install_root(&t->slots[i % 4], &next->k, CAP_ALL);
		t = next;
	}
	cap_delete(&boot[0]);
	CHECK_EQ(k.destroyed, CHAIN);
	CHECK(k.dead == NULL && !k.draining);
	CHECK(empty_slot(&boot[0]));
}

/* ---- random operations against the invariants ---- */

enum { NOBJ = 5 };

struct rworld {
	struct world w;
	struct kobj objs[NOBJ];
	unsigned releases[NOBJ];   /* how often each object was released */
	unsigned deaths[NOBJ];     /* how often the test saw refs go to 0 */
};

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * One slot against cap.h's invariants; returns 0 if broken. A child may hold
 * more rights than its parent: a grant with a smaller mask does not shrink
 * what was derived before. random_op checks each map and grant instead.
 */
static int slot_ok(const struct cap *c)
{
	const struct cap *parent;

	if (c->obj == NULL)
		return empty_slot(c);
	if ((c->rights & ~CAP_ALL) != 0)
		return 0;
	for (const struct mdb_node *n = c->node.first_child; n != NULL; n = n->next)
		if (n->parent != &c->node || (n->next != NULL && n->next->prev != n))
			return 0;
	if (c->node.parent == NULL)
		return c->node.prev == NULL && c->node.next == NULL;
	parent = (const struct cap *)c->node.parent;   /* node is the first member */
	return parent->obj == c->obj;
}

static int rworld_ok(struct rworld *r)
{
	for (int i = 0; i < NT; i++)
		for (int k = 0; k < NS; k++)
			if (!slot_ok(&r->w.slots[i][k]))
				return 0;
	for (int o = 0; o < NOBJ; o++)
		if (r->objs[o].refs != count_naming(&r->w, &r->objs[o]) ||
		    r->releases[o] != r->deaths[o])
			return 0;
	return r->w.live_at_release == 0;
}

static void count_release(struct kobj *o, void *ctx)
{
	struct rworld *r = ctx;

	r->w.live_at_release += count_naming(&r->w, o);
	r->releases[o - r->objs]++;
}

static struct cap *any_slot(struct rworld *r, uint32_t *seed)
{
	uint32_t v = rnd(seed);

	return &r->w.slots[v % NT][(v / NT) % NS];
}

/* Returns 0 if a map or grant gave more than src's rights & mask. */
static int random_op(struct rworld *r, uint32_t *seed)
{
	struct cap *a = any_slot(r, seed), *b = any_slot(r, seed);
	uint8_t mask = (uint8_t)(rnd(seed) & CAP_ALL), want = a->rights & mask;
	unsigned o = rnd(seed) % NOBJ;

	switch (rnd(seed) % 6) {
	case 0:
		if (r->objs[o].refs == 0 && a->obj == NULL)
			cap_install_root(a, &r->objs[o], mask);
		return 1;
	case 1:
	case 2:
		return cap_map(a, b, mask) != 0 || b->rights == want;
	case 3:
		return cap_grant(a, b, mask) != 0 || b->rights == want;
	case 4:
		cap_revoke(a);
		return 1;
	default:
		cap_delete(a);
		return 1;
	}
}

static void test_random_against_invariants(void)
{
	static struct rworld r;
	uint32_t seed = 0x63617073;

	memset(&r, 0, sizeof r);
	world_init(&r.w);
	for (int i = 0; i < NT; i++)
		cap_table_init(&r.w.t[i], r.w.slots[i], NS, count_release, &r);
	for (int o = 0; o < NOBJ; o++)
		r.objs[o].type = (uint8_t)(1 + o % 3);
	for (int step = 0; step < 50000; step++) {
		unsigned alive[NOBJ];

		for (int o = 0; o < NOBJ; o++)
			alive[o] = r.objs[o].refs != 0;
		CHECK_MSG(random_op(&r, &seed), "step %d: rights grew", step);
		for (int o = 0; o < NOBJ; o++)   /* the last cap went: one release due */
			r.deaths[o] += alive[o] && r.objs[o].refs == 0;
		CHECK_MSG(rworld_ok(&r), "step %d", step);
	}
}

int main(void)
{
	RUN(test_table_init);
	RUN(test_lookup_errors);
	RUN(test_rights_shrink_through_map);
	RUN(test_rights_shrink_through_grant);
	RUN(test_grant_moves_node);
	RUN(test_map_into_nonempty_fails);
	RUN(test_revoke_three_tables);
	RUN(test_release_once_on_last_cap);
	RUN(test_delete_root);
	RUN(test_made_objects_die_with_maker);
	RUN(test_double_delete_harmless);
	RUN(test_no_release_hook);
	RUN(test_release_frees_own_table);
	RUN(test_release_queue_drains_chain);
	RUN(test_random_against_invariants);
	return check_summary();
}
