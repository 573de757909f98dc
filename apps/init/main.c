/*
 * init, the root task. It holds the root factory and the module archive,
 * keeps the pool of user memory it builds tasks from, starts the load
 * balancer, and builds and serves the system the system file describes
 * (system.c, then its console). A MUON_TESTS build first runs the boot tests
 * (apps/tests/driver/: tests_main), which use the same pool, loader and
 * spawn as the system does.
 */
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <muon/user.h>
#include <muon/lb.h>
#include "init.h"

/* init's own slots: the balancer's. */
enum { LB_FACTORY = 40, LB_BASE = 41, LB_CTL = 46 };
#define LB_QUOTA (512 * 1024)
#define CHILD_UTCB 0x7fff0000u
#define CHILD_STACK_TOP 0x7ff00000u

uint32_t quota_used(uint32_t factory)
{
	mu_invoke(factory, MU_TAG(MU_FACTORY_INFO, 0), 0);
	return mr()[1];
}

/*
 * User memory (docs/system-format.md, Memory). init takes pages from sigma0
 * into a pool of its own at POOL_VA and maps them, keeping its own mapping,
 * into the tasks it builds; each page is charged to an owner (a partition,
 * the boot tests, the balancer). pages_free(owner) revokes every mapping
 * made from the owner's pages, wherever it went on to, and the pages are
 * used again: a partition's restart takes nothing new from sigma0. When
 * sigma0 runs short, give_page fails (init would die of a fault it cannot
 * serve) and SIGMA0_KEEP pages stay for init's own faults.
 */
#define POOL_VA 0x50000000u
#define POOL_PAGES 16384u   /* 64 MiB */
#define SIGMA0_KEEP 32u
static uint8_t owner_of[POOL_PAGES];    /* OWNER_FREE, or whom the page is charged to */
static uint32_t pool_top;               /* pages [0, pool_top) came from sigma0 */
static uint32_t pool_scan;              /* no free page below it */
static uint32_t charged[OWNER_MAX], limit[OWNER_MAX];

/* Pages sigma0 has left to give. */
uint32_t sigma0_left(void)
{
	return mu_rpc(MU_CAP_PAGER, MU_TAG(MU_SIGMA0_LEFT, 0)) == 0 ? mr()[0] : 0;
}

static bool pool_grow(void)
{
	if (pool_top == POOL_PAGES || sigma0_left() <= SIGMA0_KEEP)
		return false;
	(void)*(volatile uint8_t *)(POOL_VA + pool_top * 4096u);   /* sigma0 maps it */
	pool_top++;
	return true;
}

/* A free page of the pool for owner (zeroed by the caller): its address in ours, or 0. */
static uint32_t page_take(unsigned owner)
{
	if (limit[owner] && charged[owner] >= limit[owner])
		return 0;
	uint32_t i = pool_scan;
	while (i < pool_top && owner_of[i] != OWNER_FREE)
		i++;
	pool_scan = i;
	if (i == pool_top && !pool_grow())
		return 0;
	owner_of[i] = (uint8_t)owner;
	charged[owner]++;
	return POOL_VA + i * 4096u;
}

/* Every page charged to owner comes back: each mapping made from it is revoked first. */
void pages_free(unsigned owner)
{
	for (uint32_t i = 0; i < pool_top && charged[owner]; i++) {
		if (owner_of[i] != owner)
			continue;
		mr()[0] = MU_ITEM_MEM; mr()[1] = POOL_VA + i * 4096u; mr()[2] = 12; mr()[3] = 0;   /* not ours */
		if (mu_invoke(MU_CAP_TASK, MU_TAG(MU_TASK_UNMAP, 4), 0) != MU_OK) {
			printf("init: page %u of the pool could not be taken back: kept out of use\n", (unsigned)i);
			owner_of[i] = OWNER_LOST;
			charged[OWNER_LOST]++;
		} else {
			owner_of[i] = OWNER_FREE;
			pool_scan = i < pool_scan ? i : pool_scan;
		}
		charged[owner]--;
	}
}

uint32_t pages_charged(unsigned owner) { return charged[owner]; }
uint32_t pages_pooled(void) { return pool_top; }

/*
 * owner may take up to n pages (0: no limit), and the pool holds them from
 * now on: what every owner may take is taken from sigma0 at once, with the
 * page tables behind it, so that what owners take and give back later never
 * changes our kernel quota (the tests measure it). false: sigma0 has less.
 */
bool pages_commit(unsigned owner, uint32_t n)
{
	limit[owner] = n;
	uint32_t need = 0;
	for (unsigned o = OWNER_LOST; o < OWNER_MAX; o++)
		need += limit[o] > charged[o] ? limit[o] : charged[o];
	while (pool_top < need && pool_grow())
		;
	return pool_top >= need;
}

/* Give task one page of owner's with `prot` at va, filled from src (n bytes at offset off). */
int give_page(unsigned owner, uint32_t task, uint32_t va, unsigned prot, const uint8_t *src, uint32_t off,
	      uint32_t n)
{
	uint32_t page = page_take(owner);
	if (!page)
		return MU_ENOMEM;
	memset((void *)page, 0, 4096);
	if (n)
		memcpy((uint8_t *)page + off, src, n);
	mr()[0] = 0; mr()[1] = va;
	mr()[2] = MU_ITEM_MEM | (prot << 4) | (12u << 8);
	mr()[3] = page;
	return mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0);   /* a failed one stays charged till freed */
}

struct ehdr { uint8_t ident[16]; uint16_t type, machine; uint32_t version, entry, phoff, shoff, flags;
	      uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx; };
struct phdr { uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align; };

/* Load a program's ELF module into `task` page by page; returns the entry point or 0. */
uint32_t load(unsigned owner, uint32_t task, const uint8_t *img, uint32_t size)
{
	const struct ehdr *eh = (const void *)img;
	if (size < sizeof(*eh) || memcmp(img, "\177ELF", 4) || eh->phoff > size ||
	    eh->phnum > (size - eh->phoff) / sizeof(struct phdr))
		return 0;
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct phdr *ph = (const void *)(img + eh->phoff + i * sizeof(struct phdr));
		if (ph->type != 1)
			continue;
		if (ph->offset > size || ph->filesz > size - ph->offset)
			return 0;
		unsigned prot = MU_PROT_R | (ph->flags & 2 ? MU_PROT_W : 0) | (ph->flags & 1 ? MU_PROT_X : 0);
		for (uint32_t va = ph->vaddr & ~0xfffu; va < ph->vaddr + ph->memsz; va += 4096) {
			uint32_t lo = va > ph->vaddr ? va : ph->vaddr, hi = va + 4096;
			if (hi > ph->vaddr + ph->filesz)
				hi = ph->vaddr + ph->filesz;
			uint32_t n = hi > lo ? hi - lo : 0;
			if (give_page(owner, task, va, prot, img + ph->offset + (lo - ph->vaddr), lo - va, n) != MU_OK)
				return 0;
		}
	}
	return eh->entry;
}

uint32_t archive_bytes;
static const uint8_t *lb_img;
static uint32_t lb_size;

/* A module of the archive at MU_BOOT_MODULE_VA, or NULL. */
const uint8_t *module(uint32_t archive_size, const char *name, uint32_t *size)
{
	const struct mu_modules *m = (const void *)MU_BOOT_MODULE_VA;
	if (archive_size < sizeof(*m) || memcmp(m->magic, MU_MODULES_MAGIC, 8) ||
	    m->count > (archive_size - sizeof(*m)) / sizeof(m->mod[0]))
		return NULL;
	for (uint32_t i = 0; i < m->count; i++)
		if (!strncmp(m->mod[i].name, name, sizeof(m->mod[i].name)) && m->mod[i].offset <= archive_size &&
		    m->mod[i].size <= archive_size - m->mod[i].offset) {
			*size = m->mod[i].size;
			return (const uint8_t *)MU_BOOT_MODULE_VA + m->mod[i].offset;
		}
	return NULL;
}

/*
 * A task running program img with r0 = arg, made from `factory`; slots
 * base..base+3 get its task, thread, factory (quota bytes) and a gate to our
 * thread with `label` (its parent: exit and exception reports). It gets
 * `sched` of ours as its Scheduler.
 */
int spawn(unsigned owner, uint32_t base, uint32_t factory, const uint8_t *img, uint32_t size, uint32_t arg, uint32_t label,
		 uint32_t sched, uint32_t quota, uint32_t prio, const uint8_t *data, uint32_t data_len)
{
	uint32_t task = base, thread = base + 1;
	if (mu_factory_create(factory, MU_OBJ_TASK, task, 0, 0) ||
	    mu_factory_create(factory, MU_OBJ_THREAD, thread, task, CHILD_UTCB))
		return -1;
	uint32_t entry = load(owner, task, img, size);
	for (uint32_t va = CHILD_STACK_TOP - 4 * 4096; va < CHILD_STACK_TOP; va += 4096)
		if (give_page(owner, task, va, MU_PROT_R | MU_PROT_W, 0, 0, 0) != MU_OK)
			return -1;
	/* Its capabilities: itself, its thread, a factory, init as parent, and the console. */
	if (mu_factory_create(factory, MU_OBJ_FACTORY, base + 2, quota, 0) ||
	    mu_factory_create(factory, MU_OBJ_GATE, base + 3, MU_CAP_THREAD, label))
		return -1;
	static const uint8_t to[] = { MU_CAP_TASK, MU_CAP_THREAD, MU_CAP_FACTORY, MU_CAP_PARENT, MU_CAP_CONSOLE, MU_CAP_SCHED };
	for (unsigned i = 0; i < sizeof(to); i++) {
		mr()[0] = to[i]; mr()[1] = 0;
		mr()[2] = MU_ITEM_CAP | ((to[i] == MU_CAP_CONSOLE ? MU_R : MU_RIGHTS_ALL) << 4);
		mr()[3] = to[i] == MU_CAP_CONSOLE ? MU_CAP_CONSOLE : to[i] == MU_CAP_SCHED ? sched : base + i;
		if (mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0) != MU_OK)
			return -1;
	}
	for (uint32_t off = 0; off < data_len; off += 4096)   /* data for it, read-only at LB_POLICY_VA */
		if (give_page(owner, task, LB_POLICY_VA + off, MU_PROT_R, data + off, 0,
			      data_len - off < 4096 ? data_len - off : 4096) != MU_OK)
			return -1;
	/* Exceptions come to us too. */
	if (!entry || mu_thread_control(thread, ~0u, MU_CAP_PARENT) != MU_OK)
		return -1;
	/* Placed first, where we run: a start alone gives it at most our own priority. */
	if (mu_rpc(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0)) != MU_OK ||
	    mu_run_thread(MU_CAP_SCHED, thread, prio, MU_CPUSET(0, 0), mr()[2], 0) < 0)
		return -1;
	return mu_thread_start(thread, (void (*)(uint32_t))entry, (void *)CHILD_STACK_TOP, arg, prio) == MU_OK ? 0 : -1;
}

/* ---- the load balancer: started once, with configs/test.policy, before the tests */
bool lb_up;

/* One control call to the balancer: its result. */
int lb_call(uint32_t label, uint32_t words)
{
	return mu_rpc(LB_CTL, MU_TAG(label, words));
}


/* (Re)start the balancer with policy module `policy` (killing the one running): 0 or -1. */
int start_balancer(const char *policy_name)
{
	uint32_t plen;
	const uint8_t *policy = module(archive_bytes, policy_name, &plen);
	for (uint32_t s = LB_BASE; s < LB_BASE + 4; s++)
		mu_delete_cap(s);
	mu_delete_cap(LB_CTL);
	mu_delete_cap(LB_FACTORY);
	pages_free(OWNER_LB);
	lb_up = false;
	if (!lb_img || !policy || plen > 16 * 4096)
		return -1;
	if (mu_create(MU_OBJ_FACTORY, LB_FACTORY, LB_QUOTA, 0) != MU_OK)
		return -1;
	if (spawn(OWNER_LB, LB_BASE, LB_FACTORY, lb_img, lb_size, plen, 3, MU_CAP_SCHED, LB_QUOTA / 2, 250, policy, plen) < 0 ||
	    mu_factory_create(LB_FACTORY, MU_OBJ_GATE, LB_CTL, LB_BASE + 1, LB_CONTROL_LABEL) != MU_OK)
		return -1;
	/* A balancer that refuses its policy (one written for another CPU count) exits, and its
	 * exit report waits for us to receive: so the first call gives up after 3 s. */
	uint32_t rtag;
	int e = mu_ipc(LB_CTL, MU_TAG(LB_STATS, 0), MU_SEND | MU_RECV, 3000000, &rtag, 0);
	lb_up = e == MU_OK && MU_TAG_LABEL(rtag) == MU_OK;
	return lb_up ? 0 : -1;
}

/* Open an instance by name into slot `slot`: its id, or -1. */
int lb_open(const char *name, uint32_t slot)
{
	memset(mr(), 0, 24);
	strncpy((char *)mr(), name, 23);
	uint32_t rtag;
	mu_utcb()->br[0] = slot;
	int e = mu_ipc(LB_CTL, MU_TAG(LB_OPEN, 6), MU_SEND | MU_RECV, MU_TIMEOUT_NEVER, &rtag, 0);
	mu_utcb()->br[0] = 0;
	if (e != MU_OK || MU_TAG_LABEL(rtag) != MU_OK || MU_TAG_NITEMS(rtag) != 1)
		printf("init: the balancer's instance %s: error %d, result %u, %u capabilities\n", name, e,
		       (unsigned)MU_TAG_LABEL(rtag), (unsigned)MU_TAG_NITEMS(rtag));
	return e == MU_OK && MU_TAG_LABEL(rtag) == MU_OK && MU_TAG_NITEMS(rtag) == 1 ? (int)mr()[0] : -1;
}

int main(void)
{
	archive_bytes = mu_start_arg;
	console_claim();
	lb_img = module(archive_bytes, "balancer", &lb_size);
#if MUON_TESTS
	/* The boot tests, then the system with its own tests (or a ci/bench or ci/stress run). */
	tests_main();
#else
	const char *test, *fail = system_run(MUON_SYSTEM_FILE, &test);
	if (fail)
		printf("init: the system did not come up: %s\n", fail);
#endif
	console_loop();
}
