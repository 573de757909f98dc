/* Capability tables: see cap.h, which also states the release rule. */
#include <stddef.h>
#include "kernel/cap.h"

static struct cap *cap_of(struct mdb_node *n)
{
	return (struct cap *)((char *)n - offsetof(struct cap, node));
}

/* Leaves c empty: no object, no rights. Its node is the caller's business. */
static void clear(struct cap *c)
{
	__atomic_store_n(&c->obj, NULL, __ATOMIC_RELEASE);   /* readers without the lock see it empty first */
	c->rights = 0;
}

void cap_table_init(struct cap_table *t, struct cap *slots, uint32_t n,
		    void (*release)(struct kobj *, void *), void *ctx)
{
	t->slots = slots;
	t->n = n;
	t->release = release;
	t->ctx = ctx;
	for (uint32_t i = 0; i < n; i++) {
		mdb_init(&slots[i].node);
		clear(&slots[i]);
		slots[i].table = t;
	}
}

static struct cap *fail(int *err, int code)
{
	*err = code;
	return NULL;
}

struct cap *cap_lookup(struct cap_table *t, uint32_t idx, uint8_t type, uint8_t rights,
		       const struct cap_errs *e, int *err)
{
	struct cap *c = cap_slot(t, idx);

	if (c == NULL || cap_empty(c))
		return fail(err, e->ecap);
	if (type != 0 && c->obj->type != type)
		return fail(err, e->etype);
	if ((c->rights & rights) != rights)
		return fail(err, e->eperm);
	return c;
}

void cap_install_root(struct cap *slot, struct kobj *obj, uint8_t rights)
{
	obj->refs = 1;
	slot->rights = rights & CAP_ALL;
	__atomic_store_n(&slot->obj, obj, __ATOMIC_RELEASE);   /* rights before the object */
}

void cap_install_made(struct cap *maker, struct cap *slot, struct kobj *obj, uint8_t rights)
{
	cap_install_root(slot, obj, rights);
	mdb_insert_child(&maker->node, &slot->node);
}

int cap_map(struct cap *src, struct cap *dst, uint8_t mask)
{
	if (cap_empty(src) || !cap_empty(dst))
		return -1;
	dst->rights = src->rights & mask;
	__atomic_store_n(&dst->obj, src->obj, __ATOMIC_RELEASE);
	dst->obj->refs++;
	mdb_insert_child(&src->node, &dst->node);
	return 0;
}

/* The number of capabilities naming the object does not change: no refs. */
int cap_grant(struct cap *src, struct cap *dst, uint8_t mask)
{
	if (cap_empty(src) || !cap_empty(dst))
		return -1;
	dst->rights = src->rights & mask;
	__atomic_store_n(&dst->obj, src->obj, __ATOMIC_RELEASE);
	mdb_move(&src->node, &dst->node);
	clear(src);
	return 0;
}

/*
 * Called on each capability of the subtree right after its node is detached.
 * refs reaches 0 only for an object made through the subtree: the
 * capability being revoked keeps its own object's reference (cap.h).
 */
static void revoked(struct mdb_node *n, void *arg)
{
	struct cap *c = cap_of(n);
	struct kobj *obj = c->obj;

	(void)arg;
	clear(c);
	if (--obj->refs == 0 && c->table != NULL && c->table->release != NULL)
		c->table->release(obj, c->table->ctx);
}

void cap_revoke(struct cap *c)
{
	if (!cap_empty(c))
		mdb_revoke(&c->node, revoked, NULL);
}

bool cap_revoke_some(struct cap *c, bool (*stop)(void))
{
	if (!cap_empty(c))
		mdb_revoke_some(&c->node, revoked, NULL, stop);
	return c->node.first_child == NULL;
}

void cap_delete(struct cap *c)
{
	struct kobj *obj = c->obj;

	if (obj == NULL)
		return;
	cap_revoke(c);
	mdb_unlink(&c->node);
	clear(c);
	if (--obj->refs == 0 && c->table != NULL && c->table->release != NULL)
		c->table->release(obj, c->table->ctx);   /* last: may free c's table */
}
