/*
 * Capability tables: each task names kernel objects by index into its own
 * table of slots. A slot holds an object pointer and four rights bits, and a
 * node in the mapping database: a capability mapped to another task is a
 * child of its source, so revoking the source empties every copy derived
 * from it, in every table. Rights only ever shrink along the way.
 *
 * A new object's first capability is a child of the factory capability it
 * was made through (cap_install_made), as seL4 hangs objects under the
 * untyped they were retyped from: deleting or revoking a factory capability
 * destroys every object made through it or its copies, whoever holds them,
 * so the factory's owner can always get its quota back (a task holding the
 * only capability to itself cannot outlive its maker's factory capability).
 *
 * Invariants:
 *  - Map and grant copy the object pointer, they never change it: a copy's
 *    subtree names its object, and made objects' subtrees hang below it.
 *  - obj->refs counts the capabilities that name obj, plus any references
 *    the kernel holds itself. When cap_delete drops it to 0, the table's
 *    release() is called once and the kernel destroys the object; when the
 *    kernel drops its own last reference, destroying is the kernel's job.
 *  - An empty slot (obj == NULL) has rights 0 and a detached node.
 *
 * Pure logic, no locks: callers serialize every table an operation touches.
 * Error codes come from the caller (struct cap_errs) so this file does not
 * depend on the user ABI.
 */
#ifndef CAP_H
#define CAP_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/mdb.h"

/* Rights: invoke/read, write, special, delete. */
enum { CAP_R = 1, CAP_W = 2, CAP_S = 4, CAP_D = 8, CAP_ALL = 15 };

/* The header every kernel object starts with. */
struct kobj {
	uint8_t type;     /* the kernel's object type; 0 = none */
	uint32_t refs;    /* capabilities naming this object + kernel references */
};

struct cap_table;

struct cap {
	struct mdb_node node;      /* derivation: a mapped capability is a child of its source */
	struct kobj *obj;          /* NULL: empty slot. Ordering: written under the object lock, with release
				    * after the rights (and stored NULL first on delete); cap_read reads
				    * it lock-free, then the rights after an acquire fence */
	uint8_t rights;            /* CAP_* bits; written under the object lock, read as obj says */
	struct cap_table *table;   /* the table this slot belongs to: set once by cap_table_init */
};

/*
 * The release rule. release(obj, ctx) is called once per object, when the
 * capability that drops obj->refs to 0 is deleted, and only as the very last
 * step of cap_delete: by then every slot involved is empty and detached and
 * cap.c holds no pointers and touches nothing afterwards. So release may free
 * the object and even the table (and task) that held the capability, and may
 * itself call cap_delete.
 *
 * cap_revoke calls release for each made object whose last capability it
 * removes (never for the object of the capability it keeps, which holds a
 * reference), in the middle of its walk: release must then not touch any
 * capability or table. Containers are only queued, and the caller drains
 * the queue once the operation is done.
 *
 * What release must not do is nest without bound. Destroying a task deletes
 * its capabilities, which may release another task, and so on: done by
 * calling straight back down, that is recursion as deep as the chain of
 * tasks, on an 8 KiB stack. A release that destroys containers puts the
 * object on a list, and a single loop drains it (e.g. the outermost release
 * drains while nested ones only queue), calling cap_delete for each slot of
 * each dead task, which may queue more.
 */
struct cap_table {
	struct cap *slots;
	uint32_t n;
	void (*release)(struct kobj *obj, void *ctx);   /* may be NULL: objects are not destroyed */
	void *ctx;   /* passed to release; must outlive the table (e.g. kernel-wide state, not the task) */
};

/* The caller's error codes for cap_lookup. */
struct cap_errs { int ecap, etype, eperm; };

/*
 * Lock-free read of slot idx for the IPC path: the object (NULL if empty or
 * out of range) and its rights, read so that both belong to one state of the
 * slot. Writers (under the kernel's object lock) publish rights before the
 * object and clear the object first; objects outlive a grace period.
 */
static inline struct kobj *cap_read(struct cap_table *t, uint32_t idx, uint8_t *rights)
{
	if (idx >= t->n)
		return NULL;
	const volatile struct cap *c = &t->slots[idx];   /* volatile: single loads, at an offset from the slot */
	struct kobj *o;
	do {
		o = c->obj;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);   /* the object first: the rights and o's contents after it */
		*rights = c->rights;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);   /* the rights before the second look */
	} while (o != c->obj);
	return o;
}

/* Empties all n slots and ties them to t. */
void cap_table_init(struct cap_table *t, struct cap *slots, uint32_t n,
		    void (*release)(struct kobj *, void *), void *ctx);

/*
 * Slot idx holding a capability with at least `rights` and, if type != 0, an
 * object of that type. Otherwise NULL and *err = e->ecap (index out of range
 * or empty slot), e->etype (wrong type) or e->eperm (missing rights).
 */
struct cap *cap_lookup(struct cap_table *t, uint32_t idx, uint8_t type, uint8_t rights,
		       const struct cap_errs *e, int *err);

/* Slot idx, empty or not, or NULL if out of range: where to install or receive. */
static inline struct cap *cap_slot(struct cap_table *t, uint32_t idx)
{
	return idx < t->n ? &t->slots[idx] : NULL;
}

static inline bool cap_empty(const struct cap *c) { return c->obj == NULL; }

/* A new object's first capability: slot must be empty; sets obj->refs = 1. */
void cap_install_root(struct cap *slot, struct kobj *obj, uint8_t rights);

/* The same, for an object made through factory capability maker: a child of it. */
void cap_install_made(struct cap *maker, struct cap *slot, struct kobj *obj, uint8_t rights);

/*
 * Map: dst (an empty slot, in any table) gets src's object with
 * src->rights & mask, as a child of src; refs++. Returns 0, or -1 (and
 * changes nothing) if src is empty or dst is not.
 */
int cap_map(struct cap *src, struct cap *dst, uint8_t mask);

/*
 * Grant: src moves into dst with its rights & mask, keeping its place in the
 * derivation tree and its children; src ends empty. Same returns as cap_map.
 * The children keep their rights even if they exceed the reduced ones: they
 * were passed on under the old rights, and the new holder may revoke them.
 */
int cap_grant(struct cap *src, struct cap *dst, uint8_t mask);

/* Empties every capability derived from c or made through it, in every table; c stays. */
void cap_revoke(struct cap *c);

/* The same in parts (mdb_revoke_some): true once nothing is left below c. */
bool cap_revoke_some(struct cap *c, bool (*stop)(void));

/* cap_revoke, then empties c itself, releasing the object if c was its last
 * capability. An empty c is left alone. */
void cap_delete(struct cap *c);

#endif
