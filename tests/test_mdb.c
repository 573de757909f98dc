/*
 * Host tests for kernel/mdb.c: insertion and unlinking, move (grant),
 * post-order revoke with callbacks that free or scribble on the node,
 * a 100000-deep chain revoked on a 64 KiB thread stack (a recursive walk
 * would overflow it), a wide tree, is_ancestor, and random operations
 * compared against a parent array; revoke in parts (mdb_revoke_some) on the
 * same chain and in the random operations, the tree checked after each part.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mdb.h"

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		perror("calloc");
		exit(2);
	}
	return p;
}

static void init_all(struct mdb_node *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mdb_init(&v[i]);
}

static unsigned stops;   /* calls of the stop() functions given to mdb_revoke_some */

static int all_null(const struct mdb_node *n)
{
	return !n->parent && !n->first_child && !n->next && !n->prev;
}

/* Children of p in sibling order, checking prev links and parent pointers. */
static size_t children(const struct mdb_node *p, const struct mdb_node **out, size_t max)
{
	const struct mdb_node *prev = NULL;
	size_t k = 0;

	for (const struct mdb_node *c = p->first_child; c != NULL; c = c->next) {
		if (c->prev != prev || c->parent != p || k == max)
			return (size_t)-1;
		out[k++] = c;
		prev = c;
	}
	return k;
}

/* Fails the case unless p's children are exactly want[0..n) in order. */
#define CHECK_CHILDREN(p, ...)                                                      \
	do {                                                                        \
		const struct mdb_node *want_[] = { __VA_ARGS__ };                   \
		const struct mdb_node *got_[16];                                    \
		size_t n_ = sizeof want_ / sizeof want_[0];                         \
		CHECK_EQ(children((p), got_, 16), n_);                              \
		for (size_t i_ = 0; i_ < n_; i_++)                                  \
			CHECK_MSG(got_[i_] == want_[i_], "child %zu of %s", i_, #p); \
	} while (0)

/* ---- insert, unlink, move ---- */

static void test_init_detached(void)
{
	struct mdb_node n;

	memset(&n, 0x5a, sizeof n);
	mdb_init(&n);
	CHECK(all_null(&n));
	CHECK(mdb_detached(&n));
}

static void test_insert_unlink(void)
{
	struct mdb_node r, a, b, c;

	mdb_init(&r);
	mdb_init(&a);
	mdb_init(&b);
	mdb_init(&c);
	mdb_insert_child(&r, &a);
	mdb_insert_child(&r, &b);
	mdb_insert_child(&r, &c);
	CHECK_CHILDREN(&r, &c, &b, &a);   /* new children go first */
	CHECK(!mdb_detached(&r));
	CHECK(!mdb_detached(&a));

	mdb_unlink(&b);                   /* middle */
	CHECK(all_null(&b));
	CHECK_CHILDREN(&r, &c, &a);
	mdb_unlink(&c);                   /* first */
	CHECK(all_null(&c));
	CHECK_CHILDREN(&r, &a);
	mdb_unlink(&a);                   /* last and only */
	CHECK(all_null(&a));
	CHECK(all_null(&r));

	mdb_unlink(&a);                   /* a detached root: nothing to do */
	CHECK(all_null(&a));
}

static void test_move_keeps_place(void)
{
	struct mdb_node v[8];
	struct mdb_node *p = &v[0], *x = &v[1], *y = &v[2], *z = &v[3];
	struct mdb_node *y1 = &v[4], *y2 = &v[5], *t = &v[6], *u = &v[7];

	init_all(v, 8);
	mdb_insert_child(p, x);
	mdb_insert_child(p, y);
	mdb_insert_child(p, z);
	mdb_insert_child(y, y1);
	mdb_insert_child(y, y2);
	CHECK_CHILDREN(p, z, y, x);

	mdb_move(y, t);                   /* a middle child with children */
	CHECK(all_null(y));
	CHECK(t->parent == p);
	CHECK_CHILDREN(p, z, t, x);
	CHECK_CHILDREN(t, y2, y1);

	mdb_move(z, u);                   /* the first child */
	CHECK_CHILDREN(p, u, t, x);
	mdb_move(x, z);                   /* the last child, into a reused node */
	CHECK_CHILDREN(p, u, t, z);
	CHECK(all_null(x));

	mdb_move(p, y);                   /* a root with children */
	CHECK(y->parent == NULL && y->next == NULL && y->prev == NULL);
	CHECK_CHILDREN(y, u, t, z);
	CHECK(all_null(p));

	mdb_move(y, y);                   /* onto itself: nothing happens */
	CHECK_CHILDREN(y, u, t, z);
}

/* ---- revoke ---- */

struct trace {
	struct mdb_node *base;
	int order[64];
	unsigned n;
	int scribble;   /* overwrite each node once it has been handed over */
};

static void record(struct mdb_node *n, void *arg)
{
	struct trace *t = arg;

	if (!all_null(n))
		t->order[t->n++] = -1;   /* not detached when handed over */
	else
		t->order[t->n++] = (int)(n - t->base);
	if (t->scribble)
		memset(n, 0xa5, sizeof *n);
}

/*
 *        0
 *      /   \
 *     1     2
 *    / \     \
 *   3   4     5
 *   |
 *   6
 * inserted so that sibling order is 1, 2 and 3, 4.
 */
static void build_three_levels(struct mdb_node *v)
{
	init_all(v, 7);
	mdb_insert_child(&v[0], &v[2]);
	mdb_insert_child(&v[0], &v[1]);
	mdb_insert_child(&v[1], &v[4]);
	mdb_insert_child(&v[1], &v[3]);
	mdb_insert_child(&v[2], &v[5]);
	mdb_insert_child(&v[3], &v[6]);
}

static void test_revoke_three_levels(void)
{
	static const int want[] = { 6, 3, 4, 1, 5, 2 };
	struct mdb_node v[7];
	struct trace t = { .base = v, .scribble = 1 };

	build_three_levels(v);
	CHECK_EQ(mdb_revoke(&v[0], record, &t), 6);
	CHECK_EQ(t.n, 6);
	for (unsigned i = 0; i < 6; i++)
		CHECK_MSG(t.order[i] == want[i], "position %u: node %d, want %d", i, t.order[i], want[i]);
	CHECK(all_null(&v[0]));
	CHECK_EQ(mdb_revoke(&v[0], record, &t), 0);
}

static void test_revoke_subtree(void)
{
	static const int want[] = { 6, 3, 4 };
	struct mdb_node v[7];
	struct trace t = { .base = v };

	build_three_levels(v);
	CHECK_EQ(mdb_revoke(&v[1], record, &t), 3);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(t.order[i], want[i]);
	CHECK(v[1].first_child == NULL && v[1].parent == &v[0]);   /* v[1] itself stays */
	CHECK_CHILDREN(&v[0], &v[1], &v[2]);
	CHECK_CHILDREN(&v[2], &v[5]);
	CHECK_EQ(mdb_revoke(&v[5], record, &t), 0);                /* a leaf */
	CHECK(all_null(&v[3]) && all_null(&v[4]) && all_null(&v[6]));
}

static void free_node(struct mdb_node *n, void *arg)
{
	(*(unsigned *)arg)++;
	free(n);
}

/* Each node is its own allocation, freed by the callback: ASan sees any later touch. */
static void test_revoke_callback_frees(void)
{
	struct mdb_node root, *nodes[7];
	unsigned freed = 0;

	mdb_init(&root);
	for (int i = 0; i < 7; i++) {
		nodes[i] = xcalloc(1, sizeof *nodes[i]);
		mdb_init(nodes[i]);
	}
	mdb_insert_child(&root, nodes[0]);
	mdb_insert_child(&root, nodes[1]);
	mdb_insert_child(nodes[0], nodes[2]);
	mdb_insert_child(nodes[0], nodes[3]);
	mdb_insert_child(nodes[3], nodes[4]);
	mdb_insert_child(nodes[4], nodes[5]);
	mdb_insert_child(nodes[1], nodes[6]);
	CHECK_EQ(mdb_revoke(&root, free_node, &freed), 7);
	CHECK_EQ(freed, 7);
	CHECK(all_null(&root));
}

/* Runs fn(arg) on a thread whose stack is only `stack` bytes. */
static int run_on_small_stack(void *(*fn)(void *), void *arg, size_t stack)
{
	pthread_attr_t attr;
	pthread_t th;
	int err;

	if (pthread_attr_init(&attr) != 0 || pthread_attr_setstacksize(&attr, stack) != 0)
		return -1;
	err = pthread_create(&th, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	if (err == 0)
		err = pthread_join(th, NULL);
	return err;
}

enum { DEEP = 100000 };

struct deep_job {
	struct mdb_node *v;
	unsigned revoked;
	int ancestor_found;
};

static void count_detached(struct mdb_node *n, void *arg)
{
	struct deep_job *j = arg;

	if (all_null(n))
		j->revoked++;
}

static void *deep_revoke(void *arg)
{
	struct deep_job *j = arg;

	j->ancestor_found = mdb_is_ancestor(&j->v[0], &j->v[DEEP - 1]);
	mdb_revoke(&j->v[0], count_detached, j);
	return NULL;
}

static void test_revoke_deep_chain(void)
{
	struct deep_job j = { .v = xcalloc(DEEP, sizeof(struct mdb_node)) };

	init_all(j.v, DEEP);
	for (size_t i = 1; i < DEEP; i++)
		mdb_insert_child(&j.v[i - 1], &j.v[i]);
	CHECK_EQ(run_on_small_stack(deep_revoke, &j, 64 * 1024), 0);
	CHECK(j.ancestor_found);
	CHECK_EQ(j.revoked, DEEP - 1);
	for (size_t i = 0; i < DEEP; i++)
		CHECK_MSG(all_null(&j.v[i]), "node %zu not detached", i);
	free(j.v);
}

static unsigned part_calls;
static bool stop_every_1000(void) { return ++stops % 1000 == 0; }

/* The chain in parts of 1000: no part walks down the chain first (each ends at once when done). */
static void test_revoke_some_deep_chain(void)
{
	struct deep_job j = { .v = xcalloc(DEEP, sizeof(struct mdb_node)) };
	unsigned got = 0;

	init_all(j.v, DEEP);
	for (size_t i = 1; i < DEEP; i++)
		mdb_insert_child(&j.v[i - 1], &j.v[i]);
	stops = 0;
	while (j.v[0].first_child != NULL && part_calls < DEEP) {
		got += mdb_revoke_some(&j.v[0], count_detached, &j, stop_every_1000);
		part_calls++;
	}
	CHECK_EQ(got, DEEP - 1);
	CHECK_EQ(j.revoked, DEEP - 1);
	CHECK_EQ(part_calls, (DEEP - 1 + 999) / 1000);
	for (size_t i = 0; i < DEEP; i++)
		CHECK_MSG(all_null(&j.v[i]), "node %zu not detached", i);
	free(j.v);
}

/* A root with 1000 children of 100 children each. */
static void test_revoke_wide(void)
{
	enum { FAN = 1000, LEAVES = 100, N = 1 + FAN + FAN * LEAVES };
	struct mdb_node *v = xcalloc(N, sizeof *v);
	struct deep_job j = { .v = v };

	init_all(v, N);
	for (size_t i = 0; i < FAN; i++) {
		mdb_insert_child(&v[0], &v[1 + i]);
		for (size_t k = 0; k < LEAVES; k++)
			mdb_insert_child(&v[1 + i], &v[1 + FAN + i * LEAVES + k]);
	}
	CHECK_EQ(mdb_revoke(&v[0], count_detached, &j), N - 1);
	CHECK_EQ(j.revoked, N - 1);
	for (size_t i = 0; i < N; i++)
		CHECK_MSG(all_null(&v[i]), "node %zu not detached", i);
	free(v);
}

static void test_is_ancestor(void)
{
	struct mdb_node v[7], other;

	build_three_levels(v);
	mdb_init(&other);
	CHECK(mdb_is_ancestor(&v[0], &v[6]));
	CHECK(mdb_is_ancestor(&v[1], &v[6]));
	CHECK(mdb_is_ancestor(&v[3], &v[6]));
	CHECK(mdb_is_ancestor(&v[0], &v[5]));
	CHECK(!mdb_is_ancestor(&v[6], &v[6]));   /* not its own ancestor */
	CHECK(!mdb_is_ancestor(&v[6], &v[0]));   /* the other way round */
	CHECK(!mdb_is_ancestor(&v[2], &v[6]));   /* another branch */
	CHECK(!mdb_is_ancestor(&v[4], &v[3]));   /* a sibling */
	CHECK(!mdb_is_ancestor(&other, &v[6]));
	CHECK(!mdb_is_ancestor(&v[0], &other));
}

/* ---- random operations against a parent array ---- */

enum { RN = 48 };

struct model {
	struct mdb_node v[RN];
	int parent[RN];   /* -1: none */
};

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int model_has_children(const struct model *m, int i)
{
	for (int k = 0; k < RN; k++)
		if (m->parent[k] == i)
			return 1;
	return 0;
}

static int model_is_ancestor(const struct model *m, int a, int i)
{
	for (int p = m->parent[i]; p >= 0; p = m->parent[p])
		if (p == a)
			return 1;
	return 0;
}

/* The tree matches the model: every parent pointer, and every child list. */
static int model_matches(const struct model *m)
{
	const struct mdb_node *kids[RN];

	for (int i = 0; i < RN; i++) {
		const struct mdb_node *want = m->parent[i] < 0 ? NULL : &m->v[m->parent[i]];
		size_t n = children(&m->v[i], kids, RN), count = 0;

		if (m->v[i].parent != want || n == (size_t)-1)
			return 0;
		for (int k = 0; k < RN; k++)
			count += m->parent[k] == i;
		if (n != count)
			return 0;
	}
	return 1;
}

struct revoke_model {
	struct model *m;
	int ok;
	int root;   /* mdb_revoke_some: the node revoked below */
};

/* The model forgets each node's parent as mdb hands it over; a child first. */
static void model_revoked(struct mdb_node *n, void *arg)
{
	struct revoke_model *r = arg;
	int i = (int)(n - r->m->v);

	if (model_has_children(r->m, i) || !all_null(n))
		r->ok = 0;
	r->m->parent[i] = -1;
}

/* Top-down: a child of the root goes, and its children become the root's. */
static void model_revoked_top(struct mdb_node *n, void *arg)
{
	struct revoke_model *r = arg;
	int i = (int)(n - r->m->v);

	if (!all_null(n) || r->m->parent[i] != r->root)
		r->ok = 0;
	for (int k = 0; k < RN; k++)
		if (r->m->parent[k] == i)
			r->m->parent[k] = r->root;
	r->m->parent[i] = -1;
}

static bool stop_every_third(void) { return ++stops % 3 == 0; }

static int random_step(struct model *m, uint32_t *seed)
{
	int a = (int)(rnd(seed) % RN), b = (int)(rnd(seed) % RN);
	struct revoke_model r = { m, 1, a };
	unsigned want = 0, got = 0, part;

	switch (rnd(seed) % 5) {
	case 0:   /* insert b below a, if b is detached and not a itself */
		if (a != b && m->parent[b] < 0 && !model_has_children(m, b)) {
			mdb_insert_child(&m->v[a], &m->v[b]);
			m->parent[b] = a;
		}
		break;
	case 1:   /* unlink a leaf */
		if (!model_has_children(m, a)) {
			mdb_unlink(&m->v[a]);
			m->parent[a] = -1;
		}
		break;
	case 2:   /* move a into b, if b is detached */
		if (a != b && m->parent[b] < 0 && !model_has_children(m, b)) {
			mdb_move(&m->v[a], &m->v[b]);
			for (int k = 0; k < RN; k++)
				if (m->parent[k] == a)
					m->parent[k] = b;
			m->parent[b] = m->parent[a];
			m->parent[a] = -1;
		}
		break;
	case 3:   /* revoke below a */
		for (int k = 0; k < RN; k++)
			want += (unsigned)model_is_ancestor(m, a, k);
		if (mdb_revoke(&m->v[a], model_revoked, &r) != want)
			return 0;
		break;
	default:  /* revoke below a in parts: a consistent tree after each */
		for (int k = 0; k < RN; k++)
			want += (unsigned)model_is_ancestor(m, a, k);
		while (got < want) {
			part = mdb_revoke_some(&m->v[a], model_revoked_top, &r, stop_every_third);
			if (part == 0 || !r.ok || !model_matches(m))
				return 0;
			got += part;
		}
		if (got != want || m->v[a].first_child != NULL)
			return 0;
		break;
	}
	return r.ok && model_matches(m) &&
	       mdb_is_ancestor(&m->v[a], &m->v[b]) == model_is_ancestor(m, a, b);
}

static void test_random_against_model(void)
{
	static struct model m;
	uint32_t seed = 0x6d646221;

	init_all(m.v, RN);
	for (int i = 0; i < RN; i++)
		m.parent[i] = -1;
	for (int step = 0; step < 20000; step++)
		CHECK_MSG(random_step(&m, &seed), "step %d", step);
}

int main(void)
{
	RUN(test_init_detached);
	RUN(test_insert_unlink);
	RUN(test_move_keeps_place);
	RUN(test_revoke_three_levels);
	RUN(test_revoke_subtree);
	RUN(test_revoke_callback_frees);
	RUN(test_revoke_deep_chain);
	RUN(test_revoke_some_deep_chain);
	RUN(test_revoke_wide);
	RUN(test_is_ancestor);
	RUN(test_random_against_model);
	return check_summary();
}
