/* Ready queues: see rq.h. */
#include <stddef.h>
#include "sched/rq.h"

void rq_init(struct rq *q)
{
	q->summary = 0;
	q->count = 0;
	for (unsigned i = 0; i < RQ_PRIOS / 32; i++)
		q->words[i] = 0;
	for (unsigned p = 0; p < RQ_PRIOS; p++)
		q->head[p].next = q->head[p].prev = &q->head[p];
}

static void mark(struct rq *q, unsigned p)
{
	q->words[p / 32] |= 1u << (p % 32);
	q->summary |= 1u << (p / 32);
}

static void insert(struct rq *q, struct rq_link *l, struct rq_link *after)
{
	l->prev = after;
	l->next = after->next;
	after->next->prev = l;
	after->next = l;
	l->queued = true;
	q->count++;
	mark(q, l->prio);
}

void rq_enqueue(struct rq *q, struct rq_link *l) { insert(q, l, q->head[l->prio].prev); }
void rq_enqueue_head(struct rq *q, struct rq_link *l) { insert(q, l, &q->head[l->prio]); }

void rq_dequeue(struct rq *q, struct rq_link *l)
{
	unsigned p = l->prio;
	bool last = l->next == l->prev;   /* only the sentinel on either side */
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->next = l->prev = NULL;
	l->queued = false;
	q->count--;
	if (last) {
		q->words[p / 32] &= ~(1u << (p % 32));
		if (!q->words[p / 32])
			q->summary &= ~(1u << (p / 32));
	}
}

struct rq_link *rq_pick(const struct rq *q)
{
	int p = rq_top_prio(q);
	return p < 0 ? NULL : q->head[p].next;
}
