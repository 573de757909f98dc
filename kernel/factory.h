/* Factories (factory.c): the quota every kernel object is charged to. */
#ifndef FACTORY_H
#define FACTORY_H

#include "kernel/kernel.h"
#include "kernel/cap.h"

struct factory {
	struct kobj hdr;
	struct factory *parent;
	uint32_t quota, used;         /* bytes; guarded by quota_lock (factory.c) */
	uint8_t part;                 /* set once: the partition its objects belong to, 0: none */
};

extern struct factory root_factory;
struct factory *factory_create(struct factory *parent, uint32_t quota, uint8_t part);
void factory_get(struct factory *f);
void factory_put(struct factory *f);   /* an object it paid for is gone */
void factory_destroy(struct factory *f);

/* A new object's header, and the factory that paid for it (kept alive while the object lives). */
static inline void obj_init(struct kobj *h, uint8_t type, struct factory **owner, struct factory *f)
{
	h->type = type;
	*owner = f;
	factory_get(f);
}

#endif
