/* The mapping database: see mdb.h. */
#include "kernel/mdb.h"

void mdb_init(struct mdb_node *n)
{
	n->parent = n->first_child = n->next = n->prev = NULL;
}

void mdb_insert_child(struct mdb_node *parent, struct mdb_node *child)
{
	child->parent = parent;
	child->prev = NULL;
	child->next = parent->first_child;
	if (parent->first_child != NULL)
		parent->first_child->prev = child;
	parent->first_child = child;
}

void mdb_move(struct mdb_node *from, struct mdb_node *to)
{
	if (from == to)
		return;
	if (from->prev != NULL)
		from->prev->next = to;
	else if (from->parent != NULL)
		from->parent->first_child = to;
	if (from->next != NULL)
		from->next->prev = to;
	to->parent = from->parent;
	to->prev = from->prev;
	to->next = from->next;
	to->first_child = from->first_child;
	for (struct mdb_node *c = to->first_child; c != NULL; c = c->next)
		c->parent = to;
	mdb_init(from);
}

void mdb_unlink(struct mdb_node *n)
{
	if (n->prev != NULL)
		n->prev->next = n->next;
	else if (n->parent != NULL)
		n->parent->first_child = n->next;
	if (n->next != NULL)
		n->next->prev = n->prev;
	mdb_init(n);
}

/*
 * Post-order without a stack: walk down first children to a leaf, detach it,
 * and go on from its parent. Each node is entered once from its parent and
 * returned to once per child, so the walk is linear in the subtree size and
 * needs no memory beyond two pointers, however deep the tree.
 */
unsigned mdb_revoke(struct mdb_node *n, void (*fn)(struct mdb_node *, void *), void *arg)
{
	struct mdb_node *cur = n;
	unsigned count = 0;

	for (;;) {
		while (cur->first_child != NULL)
			cur = cur->first_child;
		if (cur == n)
			return count;
		struct mdb_node *leaf = cur;
		cur = leaf->parent;      /* read before fn may reuse leaf */
		mdb_unlink(leaf);
		fn(leaf, arg);
		count++;
	}
}

/*
 * Top-down, so that stopping costs nothing to resume: n's first child x
 * hands its children to n (right after x), then leaves and goes to fn.
 * A node is handed up once, when its parent (by then a child of n) goes,
 * so the work is linear in the subtree, and no call walks down first.
 */
unsigned mdb_revoke_some(struct mdb_node *n, void (*fn)(struct mdb_node *, void *), void *arg, bool (*stop)(void))
{
	unsigned count = 0;
	struct mdb_node *x;
	while ((x = n->first_child) != NULL) {
		struct mdb_node *c = x->first_child, *last = c;
		if (c != NULL) {
			for (; last->parent = n, last->next != NULL; last = last->next)
				;
			last->next = x->next;
			if (x->next != NULL)
				x->next->prev = last;
			x->next = c;
			c->prev = x;
			x->first_child = NULL;
		}
		mdb_unlink(x);
		fn(x, arg);
		count++;
		if (stop != NULL && stop())
			break;
	}
	return count;
}

bool mdb_is_ancestor(const struct mdb_node *anc, const struct mdb_node *n)
{
	for (const struct mdb_node *p = n->parent; p != NULL; p = p->parent)
		if (p == anc)
			return true;
	return false;
}
