/*
 * The mapping database: a derivation tree of nodes, used for capabilities
 * and for memory mappings alike. When A maps something to B, B's node becomes
 * a child of A's; revoking A's node removes B's and everything derived from
 * it. A node is embedded in the object that owns it (a capability slot, a
 * page mapping) and found back with container_of.
 *
 * Pure logic: no allocation, no locks (callers serialize every tree they
 * touch), and no recursion: trees may be arbitrarily deep and the kernel
 * stack is 8 KiB, so every traversal is iterative.
 */
#ifndef MDB_H
#define MDB_H

#include <stdbool.h>
#include <stddef.h>

struct mdb_node {
	struct mdb_node *parent;
	struct mdb_node *first_child;
	struct mdb_node *next, *prev;  /* siblings: doubly linked, NULL-terminated */
};

/* Makes n a detached root: no parent, no children, no siblings. */
void mdb_init(struct mdb_node *n);

/* Adds child (detached) as the first child of parent. */
void mdb_insert_child(struct mdb_node *parent, struct mdb_node *child);

/*
 * Grant: `to` (detached) takes `from`'s place in the tree: the same parent,
 * the same position among its siblings, and all of `from`'s children.
 * `from` ends detached. Nothing happens if from == to.
 */
void mdb_move(struct mdb_node *from, struct mdb_node *to);

/*
 * Detaches every descendant of n (not n itself), deepest first (post-order),
 * calling fn(node, arg) on each right after it is detached; returns how many.
 * fn may free or reuse the node it is given: the traversal does not touch a
 * node again after fn. fn must not change any other node of the tree.
 */
unsigned mdb_revoke(struct mdb_node *n, void (*fn)(struct mdb_node *, void *), void *arg);

/*
 * The same in another order, in parts: top-down (a node goes before what
 * was derived from it, which moves up to n meanwhile), and after each node
 * stop() (if not NULL) may end the call; then n keeps the rest
 * (n->first_child != NULL) and a later call goes on without a walk. fn as
 * for mdb_revoke. Returns how many it detached.
 */
unsigned mdb_revoke_some(struct mdb_node *n, void (*fn)(struct mdb_node *, void *), void *arg, bool (*stop)(void));

/* Detaches n from its parent and siblings; n must have no children (revoke first). */
void mdb_unlink(struct mdb_node *n);

/* Whether anc is a proper ancestor of n (a node is not its own ancestor). */
bool mdb_is_ancestor(const struct mdb_node *anc, const struct mdb_node *n);

/* Neither in a tree below anyone nor with anything below it. */
static inline bool mdb_detached(const struct mdb_node *n)
{
	return n->parent == NULL && n->first_child == NULL;
}

#endif
