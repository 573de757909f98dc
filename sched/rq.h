/*
 * A CPU's ready queues: 256 fixed priorities (255 is the highest), FIFO within
 * a priority, and a two-level bitmap so that picking is O(1). Pure logic, no
 * locks: each queue belongs to one CPU. Built for the host tests too.
 */
#ifndef RQ_H
#define RQ_H

#include <stdint.h>
#include <stdbool.h>

#define RQ_PRIOS 256

struct rq_link {
	struct rq_link *next, *prev;
	uint8_t prio;
	bool queued;
};

struct rq {
	uint32_t summary;                 /* bit i: words[i] is non-zero */
	uint32_t words[RQ_PRIOS / 32];    /* bit p % 32 of words[p / 32]: queue p non-empty */
	struct rq_link head[RQ_PRIOS];    /* circular lists with sentinels */
	unsigned count;
};

void rq_init(struct rq *q);
void rq_enqueue(struct rq *q, struct rq_link *l);       /* at the tail of its priority */
void rq_enqueue_head(struct rq *q, struct rq_link *l);  /* at the head: a preempted thread keeps its turn */
void rq_dequeue(struct rq *q, struct rq_link *l);
struct rq_link *rq_pick(const struct rq *q);            /* highest priority, first in line; NULL if empty */
/* The highest priority with a thread queued, -1 if empty (inline: the IPC fast path asks it). */
static inline int rq_top_prio(const struct rq *q)
{
	if (!q->summary)
		return -1;
	int w = 31 - __builtin_clz(q->summary);
	return w * 32 + 31 - __builtin_clz(q->words[w]);
}

#endif
