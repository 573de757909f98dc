/*
 * User memory mappings and their derivation tree. Every mapped user page has
 * a struct mapping, found through a shadow of the page tables. A page the
 * kernel allocated for a task is a root that owns its frame; mapping it on
 * (IPC memory items, page-fault replies, task map) makes children, and
 * unmapping revokes the whole subtree from every task.
 */
#ifndef MAP_H
#define MAP_H

#include "kernel/kernel.h"
#include "kernel/mdb.h"

struct task;
struct factory;

struct mapping {
	struct mdb_node node;
	struct task *task;
	uint32_t va;               /* page address, with MAP_* bits below 12 */
	struct factory *owner;     /* pays for the frame if MAP_OWNS */
};
#define MAP_PROT  7u           /* PROT_R | PROT_W | PROT_X */
#define MAP_OWNS  8u

struct mapping *map_find(struct task *t, uint32_t va);
/* A fresh zeroed page, charged to t's factory, at va. MU_OK, MU_ENOMEM or MU_EBUSY. */
int map_fresh(struct task *t, uint32_t va, unsigned prot);
/* A root mapping of a frame the task does not own (sigma0's pool, boot modules). */
int map_phys(struct task *t, uint32_t va, uint64_t pa, unsigned prot);
/* The frame of mapping m. */
uint64_t map_frame(const struct mapping *m);
/*
 * The long operations below stop at a preemption point (preempt_due, cpu.h:
 * only inside an operation that can be restarted) and say so; what they did
 * stays done, and a later call goes on from there.
 */
/* Map pages *next..pages-1 from one task to another (grant moves them); returns how many were
 * mapped or -MU_ENOMEM; *next: where it stopped (pages: done). */
int map_transfer(struct task *from, uint32_t src, struct task *to, uint32_t dst, unsigned pages,
		 unsigned prot_mask, bool grant, unsigned *next);
#define MAP_STOPPED (-0x100)   /* map.c: a transfer stopped at a preemption point */
/* Revoke everything derived from m; with self, m goes too. false: stopped first. */
bool map_unmap(struct mapping *m, bool self);
/* map_unmap for every page t has in [*va, end); false: stopped, *va where to go on. */
bool map_unmap_range(struct task *t, uint32_t *va, uint32_t end, bool self);
/* Remove every mapping of t and free its shadow tables; false: stopped first. */
bool map_destroy_space(struct task *t);

#endif
