/*
 * Host tests for sched/rq.c: priority order, FIFO and round robin within a
 * priority, enqueue at the head, dequeue from the middle, the bitmap, every
 * one of the 256 priorities, and random operations compared against a
 * simple model (an array of FIFOs), with a fixed seed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "rq.h"

/* A queue and some links; static because struct rq is several KiB. */
static struct rq q;
static struct rq_link links[512];

static void reset(void)
{
	memset(&q, 0xa5, sizeof q);   /* rq_init must set everything */
	memset(links, 0, sizeof links);
	rq_init(&q);
}

static struct rq_link *at(unsigned i, uint8_t prio)
{
	links[i].prio = prio;
	return &links[i];
}

/* Whether the bitmap says exactly which priorities have a non-empty list. */
static int bitmap_ok(void)
{
	for (unsigned p = 0; p < RQ_PRIOS; p++) {
		int bit = (q.words[p / 32] >> (p % 32)) & 1;
		int nonempty = q.head[p].next != &q.head[p];

		if (bit != nonempty)
			return 0;
	}
	for (unsigned w = 0; w < RQ_PRIOS / 32; w++)
		if (((q.summary >> w) & 1) != (q.words[w] != 0))
			return 0;
	return 1;
}

/* Takes the head off the queue (as the scheduler does when it runs it). */
static struct rq_link *pop(void)
{
	struct rq_link *l = rq_pick(&q);

	if (l != NULL)
		rq_dequeue(&q, l);
	return l;
}

static void test_empty(void)
{
	reset();
	CHECK(rq_pick(&q) == NULL);
	CHECK_EQ(rq_top_prio(&q), -1);
	CHECK_EQ(q.count, 0);
	CHECK_EQ(q.summary, 0);
	CHECK(bitmap_ok());
}

static void test_priority_order(void)
{
	static const uint8_t prios[] = { 5, 200, 0, 255, 17, 31, 32, 33, 128 };
	static const uint8_t sorted[] = { 255, 200, 128, 33, 32, 31, 17, 5, 0 };

	reset();
	for (unsigned i = 0; i < sizeof prios; i++)
		rq_enqueue(&q, at(i, prios[i]));
	CHECK_EQ(q.count, sizeof prios);
	for (unsigned i = 0; i < sizeof sorted; i++) {
		CHECK_EQ(rq_top_prio(&q), sorted[i]);
		struct rq_link *l = pop();
		CHECK(l != NULL && l->prio == sorted[i]);
		CHECK(!l->queued);
	}
	CHECK(pop() == NULL);
	CHECK(bitmap_ok());
}

static void test_fifo_and_round_robin(void)
{
	struct rq_link *a, *b, *c, *lo;

	reset();
	a = at(0, 10);
	b = at(1, 10);
	c = at(2, 10);
	lo = at(3, 9);
	rq_enqueue(&q, lo);
	rq_enqueue(&q, a);
	rq_enqueue(&q, b);
	rq_enqueue(&q, c);
	CHECK(rq_pick(&q) == a);
	for (int round = 0; round < 6; round++) {   /* the head goes to the tail */
		struct rq_link *want = round % 3 == 0 ? a : round % 3 == 1 ? b : c;
		struct rq_link *l = pop();

		CHECK(l == want);
		rq_enqueue(&q, l);
	}
	CHECK(pop() == a && pop() == b && pop() == c);
	CHECK(pop() == lo);                          /* the lower priority waited */
}

static void test_enqueue_head(void)
{
	struct rq_link *a, *b, *c, *d;

	reset();
	a = at(0, 10);
	b = at(1, 10);
	c = at(2, 10);
	d = at(3, 11);
	rq_enqueue(&q, a);
	rq_enqueue(&q, b);
	rq_enqueue_head(&q, c);                      /* a preempted thread keeps its turn */
	CHECK(rq_pick(&q) == c);
	rq_enqueue_head(&q, d);                      /* the head of a higher priority */
	CHECK(pop() == d);
	CHECK(pop() == c && pop() == a && pop() == b);
	CHECK(pop() == NULL);
}

static void test_dequeue_middle(void)
{
	struct rq_link *a, *b, *c, *d;

	reset();
	a = at(0, 7);
	b = at(1, 7);
	c = at(2, 7);
	d = at(3, 7);
	rq_enqueue(&q, a);
	rq_enqueue(&q, b);
	rq_enqueue(&q, c);
	rq_enqueue(&q, d);
	rq_dequeue(&q, c);
	CHECK(!c->queued && c->next == NULL && c->prev == NULL);
	CHECK(b->next == d && d->prev == b);
	rq_dequeue(&q, b);
	CHECK(a->next == d && d->prev == a);
	CHECK_EQ(q.count, 2);
	CHECK(rq_pick(&q) == a);
	rq_dequeue(&q, d);                           /* the tail */
	CHECK(q.head[7].prev == a && a->next == &q.head[7]);
	CHECK(pop() == a && pop() == NULL);
}

static void test_bitmap_clears(void)
{
	struct rq_link *a, *b, *c;

	reset();
	a = at(0, 40);
	b = at(1, 41);
	c = at(2, 41);
	rq_enqueue(&q, a);
	rq_enqueue(&q, b);
	rq_enqueue(&q, c);
	CHECK_EQ(q.words[1], (1u << 8) | (1u << 9));
	CHECK_EQ(q.summary, 1u << 1);
	rq_dequeue(&q, b);
	CHECK_EQ(q.words[1], (1u << 8) | (1u << 9));  /* c is still at 41 */
	rq_dequeue(&q, c);
	CHECK_EQ(q.words[1], 1u << 8);
	CHECK_EQ(q.summary, 1u << 1);
	rq_dequeue(&q, a);
	CHECK_EQ(q.words[1], 0);
	CHECK_EQ(q.summary, 0);
	CHECK_EQ(rq_top_prio(&q), -1);
	CHECK(bitmap_ok());
}

static void test_all_priorities(void)
{
	reset();
	for (unsigned p = 0; p < RQ_PRIOS; p++) {   /* alone */
		struct rq_link *l = at(p, (uint8_t)p);

		rq_enqueue(&q, l);
		CHECK_EQ(rq_top_prio(&q), p);
		CHECK(rq_pick(&q) == l);
		CHECK(bitmap_ok());
		rq_dequeue(&q, l);
		CHECK_EQ(rq_top_prio(&q), -1);
		CHECK_EQ(q.summary, 0);
	}
	for (unsigned p = 0; p < RQ_PRIOS; p++) {   /* each one above the rest */
		rq_enqueue(&q, at(p, (uint8_t)p));
		CHECK_EQ(rq_top_prio(&q), p);
	}
	for (unsigned p = 0; p < RQ_PRIOS; p++) {   /* under all the others */
		rq_enqueue(&q, at(RQ_PRIOS + p, (uint8_t)p));
		CHECK_EQ(rq_top_prio(&q), RQ_PRIOS - 1);
	}
	for (int p = RQ_PRIOS - 1; p >= 0; p--) {
		CHECK_EQ(rq_top_prio(&q), p);
		CHECK(pop() == &links[p]);
		CHECK(pop() == &links[RQ_PRIOS + p]);
		CHECK(bitmap_ok());
	}
	CHECK_EQ(q.count, 0);
}

/* ---- random operations against a model ---- */

enum { RL = 64, RPRIOS = 8 };

/* The model: one FIFO of link indices per priority, in queue order. */
struct model {
	int fifo[RQ_PRIOS][RL];
	int len[RQ_PRIOS];
	unsigned count;
};

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void model_insert(struct model *m, int i, int head)
{
	int p = links[i].prio, *f = m->fifo[p];

	if (head) {
		memmove(f + 1, f, (size_t)m->len[p] * sizeof *f);
		f[0] = i;
	} else {
		f[m->len[p]] = i;
	}
	m->len[p]++;
	m->count++;
}

static void model_remove(struct model *m, int i)
{
	int p = links[i].prio, *f = m->fifo[p], k = 0;

	while (f[k] != i)
		k++;
	memmove(f + k, f + k + 1, (size_t)(m->len[p] - k - 1) * sizeof *f);
	m->len[p]--;
	m->count--;
}

static int model_top(const struct model *m)
{
	for (int p = RQ_PRIOS - 1; p >= 0; p--)
		if (m->len[p] > 0)
			return p;
	return -1;
}

/* The queue holds exactly the model's lists, in order, both ways round. */
static int matches(const struct model *m)
{
	int top = model_top(m);

	if (q.count != m->count || rq_top_prio(&q) != top || !bitmap_ok())
		return 0;
	if (rq_pick(&q) != (top < 0 ? NULL : &links[m->fifo[top][0]]))
		return 0;
	for (int p = 0; p < RQ_PRIOS; p++) {
		const struct rq_link *l = &q.head[p];

		for (int k = 0; k < m->len[p]; k++) {
			if (l->next->prev != l)
				return 0;
			l = l->next;
			if (l != &links[m->fifo[p][k]] || !l->queued)
				return 0;
		}
		if (l->next != &q.head[p] || q.head[p].prev != l)
			return 0;
	}
	return 1;
}

static void random_op(struct model *m, uint32_t *seed)
{
	int i = (int)(rnd(seed) % RL);
	struct rq_link *top;

	switch (rnd(seed) % 4) {
	case 0:   /* enqueue at the tail or the head */
		if (!links[i].queued) {
			int head = rnd(seed) % 3 == 0;
			/* a few busy priorities and the extremes */
			uint32_t v = rnd(seed) % (RPRIOS + 2);

			links[i].prio = v == RPRIOS ? 0 : v == RPRIOS + 1 ? 255 : (uint8_t)(100 + v);
			(head ? rq_enqueue_head : rq_enqueue)(&q, &links[i]);
			model_insert(m, i, head);
		}
		break;
	case 1:   /* dequeue wherever it is */
		if (links[i].queued) {
			rq_dequeue(&q, &links[i]);
			model_remove(m, i);
		}
		break;
	default:  /* round robin: the head goes to the tail */
		top = rq_pick(&q);
		if (top != NULL) {
			rq_dequeue(&q, top);
			rq_enqueue(&q, top);
			model_remove(m, (int)(top - links));
			model_insert(m, (int)(top - links), 0);
		}
		break;
	}
}

static void test_random_against_model(void)
{
	static struct model m;
	uint32_t seed = 0x72710001;

	reset();
	for (int step = 0; step < 100000; step++) {
		random_op(&m, &seed);
		CHECK_MSG(matches(&m), "step %d", step);
	}
}

int main(void)
{
	RUN(test_empty);
	RUN(test_priority_order);
	RUN(test_fifo_and_round_robin);
	RUN(test_enqueue_head);
	RUN(test_dequeue_middle);
	RUN(test_bitmap_clears);
	RUN(test_all_priorities);
	RUN(test_random_against_model);
	return check_summary();
}
