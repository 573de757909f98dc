/*
 * init's second job: the system the system file describes (docs/system-format.md).
 * It parses the file and the balancer policy it names, checks one against
 * the other, restarts the balancer with that policy, and builds each
 * partition: a factory with its kernel-memory quota, and for each program a
 * task from its boot module with an environment page (uapi/muon/env.h)
 * listing exactly what the file grants it. Then it serves the console: a
 * status line a second and a few commands.
 */
#include <stdio.h>
#include <string.h>
#include <muon/env.h>
#include <muon/lb.h>
#include <muon/modem.h>
#include "init.h"
#include "system.h"

struct system sys;
struct policy pol;
static char msg[240];
unsigned ncpus;

struct prog progs[MAX_PROGS];
unsigned nprogs;
struct gate_rec gates[MAX_GATES];
unsigned ngates;
bool part_up[SYSFILE_MAX_PARTITIONS], part_fact[SYSFILE_MAX_PARTITIONS], part_want[SYSFILE_MAX_PARTITIONS];
static unsigned part_tries[SYSFILE_MAX_PARTITIONS];
static uint64_t part_retry_at[SYSFILE_MAX_PARTITIONS];
uint32_t root_used_before[SYSFILE_MAX_PARTITIONS];
uint32_t modem_ctl = NO_SLOT, at_gate = NO_SLOT, data_gate = NO_SLOT;

static uint32_t task_of(unsigned k) { return P_TASK + 2 * k; }

static int give_cap(uint32_t task, uint32_t to, uint32_t from, unsigned rights)
{
	mr()[0] = to; mr()[1] = 0;
	mr()[2] = MU_ITEM_CAP | (rights << 4);
	mr()[3] = from;
	return mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0);
}

/*
 * Move our capability `from` into the task (grant): ours is empty after it.
 * For what we make only to hand over: a mapped copy would be a child of
 * ours, and deleting ours revokes its children, the program's copy too.
 */
static int grant_cap(uint32_t task, uint32_t to, uint32_t from, unsigned rights)
{
	mr()[0] = to; mr()[1] = 0;
	mr()[2] = MU_ITEM_CAP | MU_ITEM_GRANT | (rights << 4);
	mr()[3] = from;
	return mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0);
}

static uint32_t inst_of(unsigned k) { return P_INST + k; }

/* Map n pages of ours at va into task at to (shared: both keep them). */
static int share_pages(uint32_t task, uint32_t to, uint32_t va, uint32_t bytes)
{
	for (uint32_t off = 0; off < bytes; off += 4096) {
		(void)*(volatile uint8_t *)(va + off);   /* ours first (from sigma0) */
		mr()[0] = 0; mr()[1] = to + off;
		mr()[2] = MU_ITEM_MEM | ((MU_PROT_R | MU_PROT_W) << 4) | (12u << 8);
		mr()[3] = va + off;
		if (mu_invoke(task, MU_TAG_ITEMS(MU_TASK_MAP, 2, 1), 0) != MU_OK)
			return -1;
	}
	return 0;
}

static int find_gate(unsigned prog, unsigned service)
{
	for (unsigned g = 0; g < ngates; g++)
		if (gates[g].prog == prog && gates[g].service == service)
			return (int)g;
	return -1;
}

static unsigned prog_index(unsigned part, unsigned prog)
{
	for (unsigned k = 0; k < nprogs; k++)
		if (progs[k].part == part && progs[k].sp == &sys.partitions[part].programs[prog])
			return k;
	return MAX_PROGS;
}

static void env_add(struct mu_env *e, const char *name, uint32_t kind, uint32_t slot, uint32_t addr, uint32_t size,
		    uint32_t label)
{
	if (e->n >= MU_ENV_MAX)
		return;
	struct mu_env_entry *x = &e->e[e->n++];
	strncpy(x->name, name, sizeof(x->name) - 1);
	x->kind = kind; x->slot = slot; x->addr = addr; x->size = size; x->label = label;
}

static void mark(struct prog *p, uint32_t slot)
{
	if (slot < 64)
		p->slots[slot / 32] |= 1u << (slot % 32);
}

/* Pass 1 for program k: its task and first thread, and the gates of its services. */
static const char *create_program(unsigned k)
{
	struct prog *p = &progs[k];
	uint32_t f = P_FACTORY + p->part;
	if (mu_factory_create(f, MU_OBJ_TASK, task_of(k), 0, 0) ||
	    mu_factory_create(f, MU_OBJ_THREAD, thread_of(k), task_of(k), PROG_UTCB))
		return "out of kernel memory for its task";
	for (unsigned s = 0; s < p->sp->n_services; s++) {
		int gi = find_gate(k, s);   /* a restart: the same slot and label again */
		if (gi < 0 && ngates == MAX_GATES)
			return "too many services";
		if (gi < 0) {
			gi = (int)ngates++;
			gates[gi] = (struct gate_rec){ k, s, 0x100u + (uint32_t)gi };
		}
		if (mu_factory_create(f, MU_OBJ_GATE, P_GATE + (uint32_t)gi, thread_of(k), gates[gi].label))
			return "out of kernel memory for a service's gate";
	}
	p->up = true;
	return NULL;
}

/* Partition i's user memory in pages: what its pages in init's pool may add up to (0: no limit). */
static uint32_t part_pages(unsigned i) { return sys.partitions[i].memory / 4096u; }
_Static_assert(OWNER_PART0 + SYSFILE_MAX_PARTITIONS <= OWNER_MAX, "a pool owner for every partition");

/* Pass 2: memory, capabilities, the environment, and off it goes. */
static const char *start_program(unsigned k)
{
	struct prog *p = &progs[k];
	const struct sysfile_program *sp = p->sp;
	const struct sysfile_partition *pa = &sys.partitions[p->part];
	uint32_t task = task_of(k), thread = thread_of(k), f = P_FACTORY + p->part;
	static struct mu_env env;
	uint32_t size;
	const uint8_t *img = module(archive_bytes, sp->module, &size);
	if (!img)
		return "no such boot module";
	unsigned owner = OWNER_PART0 + p->part;
	uint32_t entry = load(owner, task, img, size);
	if (!entry)
		return part_pages(p->part) && pages_charged(owner) >= part_pages(p->part)
			       ? "its partition's memory is used up"
			       : "its module is not a program, or init has no memory left";
	for (uint32_t va = STACK_TOP - 4 * 4096; va < STACK_TOP; va += 4096)
		if (give_page(owner, task, va, MU_PROT_R | MU_PROT_W, 0, 0, 0) != MU_OK)
			return "out of memory for its stack";
	memset(&env, 0, sizeof(env));
	memset(p->slots, 0, sizeof(p->slots));
	p->n_clients = 0;
	env.magic = MU_ENV_MAGIC;
	memcpy(env.program, sp->name, sizeof(env.program));
	memcpy(env.partition, pa->name, sizeof(env.partition));
	memcpy(env.mode, sp->mode, sizeof(env.mode));
	env.mode_number = sp->mode_number;
	env.threads = sp->threads;
	env.priority = sp->priority;
	env.memory = sp->memory;
	/* The implicit capabilities: itself, its first thread, its factory, init as parent, its scheduler. */
	if (give_cap(task, MU_CAP_TASK, task, MU_RIGHTS_ALL) || give_cap(task, MU_CAP_THREAD, thread, MU_RIGHTS_ALL))
		return "could not give it its own capabilities";
	if (sp->kmem) {
		mu_delete_cap(S_FACT);   /* empty unless a grant failed before */
		if (mu_factory_create(f, MU_OBJ_FACTORY, S_FACT, sp->kmem, 0) ||
		    grant_cap(task, MU_CAP_FACTORY, S_FACT, MU_RIGHTS_ALL))
			return "out of kernel memory for its factory";
	} else if (give_cap(task, MU_CAP_FACTORY, f, MU_R | MU_W)) {
		return "could not give it its partition's factory";
	}
	mu_delete_cap(S_OBJ);   /* empty unless a grant failed before */
	if (mu_factory_create(f, MU_OBJ_GATE, S_OBJ, MU_CAP_THREAD, PARENT_LABEL + k) ||
	    grant_cap(task, MU_CAP_PARENT, S_OBJ, MU_R))
		return "could not make its parent gate";
	/* Ours stays until the partition goes (kill_partition): deleting it would revoke the program's. */
	mu_delete_cap(inst_of(k));
	p->inst = lb_open(sp->scheduler, inst_of(k));
	if (p->inst < 0 || give_cap(task, MU_CAP_SCHED, inst_of(k), MU_R))
		return "the balancer gave it no scheduler";
	mark(p, MU_CAP_TASK); mark(p, MU_CAP_THREAD); mark(p, MU_CAP_FACTORY); mark(p, MU_CAP_PARENT);
	mark(p, MU_CAP_SCHED);
	/* The grants, in the order the file gives them. */
	uint32_t slot = MU_CAP_FIRST_FREE, region_va = REGION_VA;
	for (unsigned i = 0; i < sp->n_grants; i++) {
		const struct sysfile_grant *g = &sp->grants[i];
		int gi;
		switch (g->kind) {
		case SYSFILE_GRANT_CONSOLE:
		case SYSFILE_GRANT_TRACE:   /* trace events go through the console object */
			if (!(p->slots[0] & 1u << MU_CAP_CONSOLE) && give_cap(task, MU_CAP_CONSOLE, MU_CAP_CONSOLE, MU_R))
				return "could not give it the console";
			mark(p, MU_CAP_CONSOLE);
			env_add(&env, g->name, MU_ENV_CAP, MU_CAP_CONSOLE, 0, 0, 0);
			break;
		case SYSFILE_GRANT_TIMER:
		case SYSFILE_GRANT_IRQ:
			mu_delete_cap(S_OBJ);
			uint32_t irq = g->kind == SYSFILE_GRANT_TIMER ? MU_IRQ_TIMER : g->irq;
			if (mu_factory_create(f, MU_OBJ_IRQ, S_OBJ, irq, g->irq) ||
			    grant_cap(task, slot, S_OBJ, MU_RIGHTS_ALL))
				return "could not make its interrupt object";
			mark(p, slot);
			env_add(&env, g->name, MU_ENV_CAP, slot++, 0, 0, 0);
			break;
		case SYSFILE_GRANT_GATE: {
			unsigned server = prog_index(g->partition, g->program);
			gi = server < MAX_PROGS ? find_gate(server, g->service) : -1;
			if (gi < 0 || give_cap(task, slot, P_GATE + (uint32_t)gi, MU_R))   /* a client: never MU_S */
				return "the service it is granted has no gate";
			if (p->n_clients < SYSFILE_MAX_GRANTS) {   /* given again when the server's partition is rebuilt */
				p->client_slot[p->n_clients] = (uint8_t)slot;
				p->client_gate[p->n_clients++] = (uint8_t)gi;
			}
			mark(p, slot);
			env_add(&env, g->name, MU_ENV_CAP, slot++, 0, 0, 0);
			break;
		}
		case SYSFILE_GRANT_SHARED: {
			uint32_t bytes = sys.shared[g->shared].size;
			if (share_pages(task, region_va, SHARED_VA + g->shared * 0x100000u, bytes))
				return "could not map a shared region";
			env_add(&env, g->name, MU_ENV_SHARED, 0, region_va, bytes, 0);
			region_va += (bytes + 0xfffffu) & ~0xfffffu;
			break;
		}
		default:
			return "a grant init does not know";
		}
	}
	/* Its services' gates: it may bind them to its threads (MU_S); its clients got MU_R only. */
	for (unsigned s = 0; s < sp->n_services; s++) {
		int gi = find_gate(k, s);
		if (gi < 0 || give_cap(task, slot, P_GATE + (uint32_t)gi, MU_R | MU_S))
			return "could not give it its service's gate";
		mark(p, slot);
		env_add(&env, sp->services[s], MU_ENV_SERVE, slot++, 0, 0, gates[gi].label);
	}
	if (give_page(owner, task, MU_ENV_VA, MU_PROT_R, (const uint8_t *)&env, 0, sizeof(env)) != MU_OK)
		return "out of memory for its environment";
	if (mu_thread_control(thread, ~0u, MU_CAP_PARENT) != MU_OK)   /* its exceptions come to us */
		return "could not make init its exception handler";
	if (mu_thread_start(thread, (void (*)(uint32_t))entry, (void *)STACK_TOP, 0, 1) != MU_OK)
		return "could not start it";
	/* Its first thread goes where its scheduler instance says, at its priority. */
	if (mu_rpc(inst_of(k), MU_TAG(MU_SCHED_INFO, 0)) != MU_OK ||
	    mu_run_thread(inst_of(k), thread, sp->priority, MU_CPUSET(0, 0), mr()[2], 0) < 0)
		return "its scheduler refused its first thread";
	p->reports = 0;
	p->ended = false;
	return NULL;
}

static void set_cpu_owners(void);

/* Every program of partition i, or the first error. */
bool start_partition(unsigned i)
{
	const struct sysfile_partition *pa = &sys.partitions[i];
	if (!pages_commit(OWNER_PART0 + i, part_pages(i)))   /* before we measure: the pool's page tables are ours */
		printf("init: %s: partition %s: sigma0 has not all of its memory left\n", sys.file, pa->name);
	root_used_before[i] = quota_used(MU_CAP_FACTORY);
	/* Partition i + 1: the kernel counts its threads' dispatches on CPUs it does not own. */
	if (mu_create(MU_OBJ_FACTORY, P_FACTORY + i, pa->kmem, i + 1) != MU_OK) {
		printf("init: %s: partition %s: not enough kernel memory for its quota\n", sys.file, pa->name);
		return false;
	}
	part_fact[i] = true;
	for (unsigned k = 0; k < nprogs; k++) {
		if (progs[k].part != i)
			continue;
		const char *why = create_program(k);
		if (why) {
			printf("init: %s:%u: program %s: %s\n", sys.file, progs[k].sp->line, progs[k].sp->name, why);
			return false;
		}
	}
	part_up[i] = true;
	return true;
}

bool start_partition_programs(unsigned i)
{
	for (unsigned k = 0; k < nprogs; k++) {
		if (progs[k].part != i)
			continue;
		const char *why = start_program(k);
		if (why) {
			printf("init: %s:%u: program %s: %s\n", sys.file, progs[k].sp->line, progs[k].sp->name, why);
			return false;
		}
	}
	return true;
}

/* Kill a partition: its tasks, its services' gates, its balancer instances, its memory. */
void kill_partition(unsigned i)
{
	for (unsigned k = 0; k < nprogs; k++) {
		if (progs[k].part != i)
			continue;   /* a program killed alone still has its gates: they go too */
		mu_delete_cap(task_of(k));
		mu_delete_cap(thread_of(k));
		for (unsigned g = 0; g < ngates; g++)
			if (gates[g].prog == k)
				mu_delete_cap(P_GATE + g);
		progs[k].up = false;
	}
	/* Gates served elsewhere lose this partition as a client: the AT server forgets its session. */
	if (at_gate != NO_SLOT && progs[gates[at_gate - P_GATE].prog].part != i && progs[gates[at_gate - P_GATE].prog].up)
		mu_rpc(at_gate, MU_TAG(AT_RESET, 0));
	/* The balancer lets go of the dead threads on its own within a period; then the instances go. */
	uint32_t dropped = lb_call(LB_STATS, 0) == MU_OK ? mr()[5] : 0;
	for (unsigned w = 0; w < 50 && lb_call(LB_STATS, 0) == MU_OK && mr()[5] == dropped; w++)
		serve_for(20);   /* never a bare wait: a report taken and not answered leaves its sender stuck */
	for (unsigned k = 0; k < nprogs; k++)
		if (progs[k].part == i && progs[k].inst >= 0) {
			mr()[0] = (uint32_t)progs[k].inst;
			lb_call(LB_CLOSE, 1);
			progs[k].inst = -1;
			mu_delete_cap(inst_of(k));
		}
	pages_free(OWNER_PART0 + i);   /* its user memory, for the next build */
	part_up[i] = false;
}

/* The partition's factory: what is still charged to it (bytes), after its objects went. */
uint32_t partition_used(unsigned i) { return quota_used(P_FACTORY + i); }

/*
 * Delete partition i's factory: everything made through it goes with it
 * (docs/kernel-objects.md), and our quota gets back exactly what the factory
 * took, its quota and its own page. A refund can come a moment later (objects
 * freed after a grace period), so we wait up to a second for it. What did not
 * come back is said on the console: restarts must not leak.
 */
static void drop_factory(unsigned i)
{
	if (!part_fact[i])
		return;
	uint32_t left = partition_used(i), before = quota_used(MU_CAP_FACTORY);
	uint32_t want = ((sys.partitions[i].kmem + 4095u) & ~4095u) + 4096u, back = 0;
	mu_delete_cap(P_FACTORY + i);
	part_fact[i] = false;
	for (unsigned t = 0; t < 50 && (back = before - quota_used(MU_CAP_FACTORY)) != want; t++)
		serve_for(20);
	if (left || back != want)
		printf("init: partition %s: quota not returned: %u bytes were left in its factory, %u of %u came back\n",
		       sys.partitions[i].name, (unsigned)left, (unsigned)back, (unsigned)want);
}

/* Free partition i: its programs, its balancer instances, its factory. Nothing of it is left. */
void free_partition(unsigned i)
{
	kill_partition(i);
	drop_factory(i);
}

/* Clients in other partitions get the gates of partition i's services again, in the same slots. */
static void regrant_clients(unsigned i)
{
	for (unsigned k = 0; k < nprogs; k++)
		for (unsigned c = 0; progs[k].part != i && progs[k].up && c < progs[k].n_clients; c++)
			if (progs[gates[progs[k].client_gate[c]].prog].part == i &&
			    give_cap(task_of(k), progs[k].client_slot[c], P_GATE + progs[k].client_gate[c], MU_R) != MU_OK)
				printf("init: %s: could not give back its gate to %s\n", progs[k].sp->name,
				       sys.partitions[i].name);
}

/*
 * Build partition i from its description. A failure frees what was built
 * (nothing is left half built) and schedules another try: 1, 2, 4 ... 30 s.
 */
bool build_partition(unsigned i)
{
	const char *name = sys.partitions[i].name;
	if (start_partition(i) && start_partition_programs(i)) {
		regrant_clients(i);
		part_want[i] = false;
		part_tries[i] = 0;
		printf("init: partition %s restarted\n", name);
		return true;
	}
	free_partition(i);
	unsigned wait = part_tries[i] < 5 ? 1u << part_tries[i] : 30;
	part_tries[i]++;
	part_want[i] = true;
	part_retry_at[i] = mu_clock_ns() + wait * 1000000000ull;
	printf("init: partition %s did not restart (try %u); its quota is back, next try in %u s\n", name,
	       part_tries[i], wait);
	return false;
}

/* Free partition i and build it again: it never needs more kernel memory than it had. */
static bool rebuild_partition(unsigned i)
{
	free_partition(i);
	return build_partition(i);
}

/* Stop program k (its task and thread go; its gates stay until its partition goes). */
static void stop_program(unsigned k)
{
	mu_delete_cap(task_of(k));
	mu_delete_cap(thread_of(k));
	progs[k].up = false;
}

static const char *const restart_words[] = { "manual", "always", "never" };

static const char *restart_word(unsigned i)
{
	unsigned r = (unsigned)sys.partitions[i].restart;
	return r < 3 ? restart_words[r] : "?";
}

/*
 * The restart policy (docs/system-format.md), carried out from the console
 * loop, never from inside a report: a partition with a program down is
 * rebuilt at once under `always`; under `manual` and `never` it is freed
 * when its last program is down. Failed restarts are tried again.
 */
void supervise(void)
{
	for (unsigned i = 0; i < sys.n_partitions; i++) {
		unsigned down = 0, n = 0;
		for (unsigned k = 0; k < nprogs; k++)
			if (progs[k].part == i) {
				n++;
				down += !progs[k].up;
			}
		if (part_up[i] && down && sys.partitions[i].restart == SYSFILE_RESTART_ALWAYS) {
			printf("init: partition %s: a program is down: rebuilt (restart always)\n", sys.partitions[i].name);
			rebuild_partition(i);
		} else if (part_up[i] && down == n) {
			free_partition(i);
			printf("init: partition %s: its last program is down: freed (restart %s)\n", sys.partitions[i].name,
			       restart_word(i));
		} else if (!part_up[i] && part_want[i] && mu_clock_ns() >= part_retry_at[i]) {
			printf("init: partition %s: trying its restart again\n", sys.partitions[i].name);
			build_partition(i);
		}
	}
}

/* ---- reports from programs */
static bool input_signalled;    /* console input is waiting (the console loop reads it) */
#define CONSOLE_LABEL 0x3000u

static void handle(uint32_t tag, uint32_t label)
{
	unsigned k = label - PARENT_LABEL;
	if (MU_TAG_LABEL(tag) == MU_LABEL_IRQ && label == CONSOLE_LABEL) {
		input_signalled = true;
		return;
	}
	if (label < PARENT_LABEL || k >= nprogs) {
		mu_ipc(0, MU_TAG(MU_ENOSYS, 0), MU_REPLY, 0, 0, 0);
		return;
	}
	struct prog *p = &progs[k];
	switch (MU_TAG_LABEL(tag)) {
	case MU_APP_REPORT: {
		p->reports++;
		p->status = mr()[0];
		p->v1 = mr()[1];
		p->v2 = mr()[2];
		uint32_t n = MU_TAG_WORDS(tag) > 3 ? mr()[3] : 0;
		if (n > 100 || n > (MU_TAG_WORDS(tag) - 4) * 4)
			n = 0;
		memcpy(p->text, &mr()[4], n);
		p->text[n] = 0;
		printf("%s/%s: %s%s\n", sys.partitions[p->part].name, p->sp->name, p->text,
		       p->status ? " (failed)" : "");
		mu_ipc(0, MU_TAG(MU_OK, 0), MU_REPLY, 0, 0, 0);   /* if it was a call */
		return;
	}
	case MU_LABEL_EXIT:
	case MU_LABEL_EXCEPTION:
		p->ended = true;
		printf("init: %s/%s ended (%s %d)\n", sys.partitions[p->part].name, p->sp->name,
		       MU_TAG_LABEL(tag) == MU_LABEL_EXIT ? "status" : "exception", (int)(MU_TAG_LABEL(tag) == MU_LABEL_EXIT ? mr()[0] : mr()[17]));
		if (p->up)
			stop_program(k);   /* the restart policy is supervise()'s, in the console loop */
		return;
	default:
		mu_ipc(0, MU_TAG(MU_ENOSYS, 0), MU_REPLY, 0, 0, 0);
	}
}

/* Serve reports for ms milliseconds. */
void serve_for(uint32_t ms)
{
	uint64_t end, now;
	mu_invoke(MU_CAP_THREAD, MU_TAG(MU_THREAD_CLOCK, 0), 0);
	now = mr()[0] | (uint64_t)mr()[1] << 32;
	end = now + ms * 1000000ull;
	while (now < end) {
		uint32_t tag, label;
		if (mu_wait((uint32_t)((end - now) / 1000) + 1, &tag, &label) == MU_OK)
			handle(tag, label);
		mu_invoke(MU_CAP_THREAD, MU_TAG(MU_THREAD_CLOCK, 0), 0);
		now = mr()[0] | (uint64_t)mr()[1] << 32;
	}
}

bool all_reported(unsigned part)
{
	for (unsigned k = 0; k < nprogs; k++)
		if (progs[k].part == part && !progs[k].reports)
			return false;
	return true;
}

bool wait_reports(unsigned part, unsigned ms)
{
	for (unsigned t = 0; t < ms && !all_reported(part); t += 100)
		serve_for(100);
	return all_reported(part);
}

/* MODEM_STATS into v[0..MODEM_STATS_WORDS) (muon/modem.h): 0, or -1 without a modem. */
int modem_stats(uint32_t *v)
{
	if (modem_ctl == NO_SLOT || !progs[gates[modem_ctl - P_GATE].prog].up || mu_rpc(modem_ctl, MU_TAG(MODEM_STATS, 0)) != MU_OK)
		return -1;
	memcpy(v, mr(), MODEM_STATS_WORDS * sizeof(uint32_t));
	return 0;
}

int find_part(const char *name)
{
	for (unsigned i = 0; i < sys.n_partitions; i++)
		if (!strcmp(sys.partitions[i].name, name))
			return (int)i;
	return -1;
}

int find_prog(const char *name)
{
	for (unsigned k = 0; k < nprogs; k++)
		if (!strcmp(progs[k].sp->name, name))
			return (int)k;
	return -1;
}

/*
 * The balancer's priority on CPU `cpu`: 250, above every client's band, so
 * that it places threads at once; but below the band of the highest pinned
 * client that shares that CPU (the modem on a one-CPU machine), whose
 * real-time threads must never wait for it. (Only that one: below every
 * pinned band it could starve under an app OS that is pinned too.)
 */
static uint32_t balancer_prio(unsigned cpu)
{
	const struct policy_client *top = NULL;
	for (unsigned c = 0; c < pol.n_clients; c++) {
		const struct policy_client *pc = &pol.clients[c];
		if (pc->kind == POLICY_PINNED && (pc->cpus >> cpu & 1) && (!top || pc->prio_hi > top->prio_hi))
			top = pc;
	}
	return top && top->prio_lo > 0 && top->prio_lo <= 250 ? top->prio_lo - 1 : 250;
}

const char *system_run(const char *file, const char **test)
{
	uint32_t len, plen;
	const char *text = (const char *)module(archive_bytes, file, &len);
	*test = "sys_config_valid";
	if (!text) {
		snprintf(msg, sizeof(msg), "no system file %s among the boot modules", file);
		printf("init: %s\n", msg);
		return msg;
	}
	if (mu_rpc(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0)) != MU_OK)
		return "the Scheduler gave no CPU count";
	ncpus = mr()[0];
	int err = sysfile_parse(text, len, file, &sys, msg, sizeof(msg));
	const char *pname = err ? NULL : strrchr(sys.policy, '/');
	pname = pname ? pname + 1 : sys.policy;
	const char *ptext = err ? NULL : (const char *)module(archive_bytes, pname, &plen);
	if (!err && !ptext) {
		snprintf(msg, sizeof(msg), "%s:%u: no policy file %s among the boot modules", file, sys.policy_at.line,
			 pname);
		err = -1;
	}
	if (!err && (err = policy_parse(ptext, plen, pname, ncpus, &pol, msg, sizeof(msg))) == 0)
		err = sysfile_check_policy(&sys, &pol, msg, sizeof(msg));
	for (unsigned i = 0; !err && i < sys.n_partitions; i++)
		for (unsigned j = 0; j < sys.partitions[i].n_programs; j++) {
			uint32_t n;
			if (!module(archive_bytes, sys.partitions[i].programs[j].module, &n)) {
				snprintf(msg, sizeof(msg), "%s:%u: program %s: no boot module '%s'", file,
					 sys.partitions[i].programs[j].line, sys.partitions[i].programs[j].name,
					 sys.partitions[i].programs[j].module);
				err = -1;
			}
		}
	if (err) {
		printf("init: %s\ninit: boot stopped\n", msg);
		return msg;
	}
	if (start_balancer(pname) < 0) {
		printf("init: the load balancer did not start with %s\ninit: boot stopped\n", pname);
		*test = "sys_balancer_up";
		return "no balancer";
	}
	/* The balancer and init itself run on the last CPU, out of the modem's way (CPU 0 is its). */
	mu_run_thread(MU_CAP_SCHED, LB_THREAD_SLOT, balancer_prio(ncpus - 1), MU_CPUSET(ncpus - 1, 0), 1, 0);
	mu_run_thread(MU_CAP_SCHED, MU_CAP_THREAD, 150, MU_CPUSET(ncpus - 1, 0), 1, 0);
	printf("init: %s: %u partitions, policy %s\n", file, sys.n_partitions, pname);
	nprogs = 0;
	for (unsigned i = 0; i < sys.n_partitions; i++)
		for (unsigned j = 0; j < sys.partitions[i].n_programs && nprogs < MAX_PROGS; j++)
			progs[nprogs++] = (struct prog){ .sp = &sys.partitions[i].programs[j], .part = i, .inst = -1 };
	/* The shared regions are init's pages first: touched now, before any partition's quota is counted. */
	for (unsigned r = 0; r < sys.n_shared; r++)
		for (uint32_t off = 0; off < sys.shared[r].size; off += 4096)
			(void)*(volatile uint8_t *)(SHARED_VA + r * 0x100000u + off);
	bool ok = true;
	for (unsigned i = 0; ok && i < sys.n_partitions; i++)
		ok = start_partition(i);
	for (unsigned g = 0; g < ngates; g++) {   /* init's own clients: the modem's control, the AT server */
		const struct sysfile_program *sp = progs[gates[g].prog].sp;
		if (!strcmp(sp->services[gates[g].service], "control") && modem_ctl == NO_SLOT)
			modem_ctl = P_GATE + g;
		if (!strcmp(sp->services[gates[g].service], "at") && at_gate == NO_SLOT)
			at_gate = P_GATE + g;
		if (!strcmp(sp->services[gates[g].service], "data") && data_gate == NO_SLOT)
			data_gate = P_GATE + g;
	}
	for (unsigned i = 0; ok && i < sys.n_partitions; i++)
		ok = start_partition_programs(i);
	set_cpu_owners();
	if (!ok) {
		printf("init: boot stopped\n");
		*test = "sys_partitions_up";
		return "a partition could not be built";
	}
	return NULL;
}

/*
 * Each CPU's owner for the kernel's interference counters (MU_CPUSTAT_FOREIGN):
 * the partition whose client reserves it, else the first whose client may use it.
 */
static void set_cpu_owners(void)
{
	for (unsigned c = 0; c < ncpus && c < 32; c++) {
		unsigned reserved = 0, usable = 0;
		for (unsigned i = 0; i < sys.n_partitions; i++)
			for (unsigned k = 0; k < pol.n_clients; k++) {
				if (strcmp(pol.clients[k].name, sys.partitions[i].scheduler))
					continue;
				reserved = !reserved && (pol.clients[k].reserved & 1u << c) ? i + 1 : reserved;
				usable = !usable && (pol.clients[k].usable & 1u << c) ? i + 1 : usable;
			}
		mr()[0] = c;
		mr()[1] = reserved ? reserved : usable;
		mu_invoke(MU_CAP_SCHED, MU_TAG(MU_SCHED_CPU_OWNER, 2), 0);
	}
}

/* ---- the console: a status line a second, and commands */

/* The kernel's counters per CPU (`status`): owner, other partitions' dispatches, requests and
 * IPIs from other CPUs, TLB shootdowns served and sent, the longest path with interrupts off
 * (measured in a MUON_LATENCY build only: "-" elsewhere). */
static void kernel_line(void)
{
	char line[320];
	unsigned n = 0;
	for (unsigned c = 0; c < ncpus && c < 8 && n < sizeof(line); c++) {
		mr()[0] = c;
		if (mu_rpc(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 1)) != MU_OK)
			break;
		const uint32_t *v = mr();
		uint32_t o = v[MU_CPUSTAT_OWNER];
		char irqoff[16] = "-";
		if (v[MU_CPUSTAT_IRQOFF_MAX])
			snprintf(irqoff, sizeof(irqoff), "%u us", (unsigned)(v[MU_CPUSTAT_IRQOFF_MAX] / 1000));
		n += (unsigned)snprintf(line + n, sizeof(line) - n, "%s cpu%u %s foreign %u req %u ipi %u tlb %u/%u irqoff %s",
					c ? " |" : "", c, o && o <= sys.n_partitions ? sys.partitions[o - 1].name : "-",
					(unsigned)v[MU_CPUSTAT_FOREIGN], (unsigned)v[MU_CPUSTAT_REQUESTS],
					(unsigned)v[MU_CPUSTAT_IPIS], (unsigned)v[MU_CPUSTAT_TLB_SERVED],
					(unsigned)v[MU_CPUSTAT_TLB_SENT], irqoff);
	}
	printf("kernel:%s\n", line);
}
static void status_line(void)
{
	uint32_t v[MODEM_STATS_WORDS];
	char load[64];
	unsigned n = 0;
	static uint64_t idle0[8], t0;
	mu_invoke(MU_CAP_THREAD, MU_TAG(MU_THREAD_CLOCK, 0), 0);
	uint64_t now = mr()[0] | (uint64_t)mr()[1] << 32;
	for (unsigned c = 0; c < ncpus && c < 8; c++) {
		mr()[0] = c;
		mu_rpc(MU_CAP_SCHED, MU_TAG(MU_SCHED_IDLE_TIME, 1));
		uint64_t idle = mr()[0] | (uint64_t)mr()[1] << 32, d = idle - idle0[c];
		idle0[c] = idle;
		unsigned busy = t0 && now > t0 ? (unsigned)(100 - (d * 100 / (now - t0) > 100 ? 100 : d * 100 / (now - t0))) : 0;
		n += (unsigned)snprintf(load + n, sizeof(load) - n, "%s%u%%", c ? " " : "", busy);
	}
	t0 = now;
	uint32_t moves = 0, threads = 0;
	if (lb_call(LB_STATS, 0) == MU_OK) {
		threads = mr()[1];
		moves = mr()[3];
	}
	char parts[96];
	n = 0;
	for (unsigned i = 0; i < sys.n_partitions && n < sizeof(parts); i++)
		n += (unsigned)snprintf(parts + n, sizeof(parts) - n, " %s %s", sys.partitions[i].name,
					part_up[i] ? "up" : "down");
	static bool said_work;
	char work[80] = "";
	bool modem = modem_stats(v) == 0;
	if (modem && !said_work) {   /* the first line says how the modem sized its work (the partitions stay last) */
		snprintf(work, sizeof(work), " | modem work factor %u: %u us of each 1 ms TTI (at most %u %%)",
			 (unsigned)v[9], (unsigned)(v[10] / 1000), (unsigned)v[11]);
		said_work = true;
	}
	if (modem)
		printf("status: tti %u miss %u stall %u jitter p50 %u us p99 %u us max %u us | cpu %s | lb %u threads %u moves%s |%s\n",
		       (unsigned)v[0], (unsigned)v[1], (unsigned)v[8], (unsigned)(v[2] / 1000), (unsigned)(v[3] / 1000),
		       (unsigned)(v[4] / 1000), load, (unsigned)threads, (unsigned)moves, work, parts);
	else
		printf("status: modem service down | cpu %s | lb %u threads %u moves |%s\n", load, (unsigned)threads,
		       (unsigned)moves, parts);
}

/* Kernel memory: init's quota and each partition's, in bytes; then each partition's user memory. */
static void quota_lines(void)
{
	printf("quota: init %u bytes used\n", (unsigned)quota_used(MU_CAP_FACTORY));
	for (unsigned i = 0; i < sys.n_partitions; i++)
		if (part_fact[i])
			printf("quota: partition %s %u of %u bytes used\n", sys.partitions[i].name,
			       (unsigned)partition_used(i), (unsigned)sys.partitions[i].kmem);
		else
			printf("quota: partition %s down, nothing held\n", sys.partitions[i].name);
	printf("memory: init's pool %u KiB, sigma0 has %u KiB left\n", (unsigned)pages_pooled() * 4,
	       (unsigned)sigma0_left() * 4);
	for (unsigned i = 0; i < sys.n_partitions; i++)
		printf("memory: partition %s %u of %u KiB used\n", sys.partitions[i].name,
		       (unsigned)pages_charged(OWNER_PART0 + i) * 4, (unsigned)sys.partitions[i].memory / 1024);
}

/* `kill NAME`: a partition is freed, a program stopped; supervise() applies the restart policy after. */
static void kill_command(const char *arg)
{
	int i = find_part(arg), k = find_prog(arg);
	if (i >= 0 && part_up[i]) {
		free_partition((unsigned)i);
		part_want[i] = false;
		printf("init: partition %s killed\n", arg);
		if (sys.partitions[i].restart == SYSFILE_RESTART_ALWAYS) {
			printf("init: partition %s: rebuilt (restart always)\n", arg);
			build_partition((unsigned)i);
		}
	} else if (k >= 0 && progs[k].up) {
		stop_program((unsigned)k);
		printf("init: program %s killed\n", arg);
	} else if (i >= 0 || k >= 0) {
		printf("init: %s '%s' is not running\n", i >= 0 ? "partition" : "program", arg);
	} else {
		printf("init: no partition or program '%s'\n", arg);
	}
}

static void help(void)
{
	printf("commands: help, status, threads, quota, policy, kill <partition|program>, restart <partition>, "
	       "echo <text>, hold <ms>, trace\n");
}

static void command(char *line)
{
	char *arg = strchr(line, ' ');
	if (arg) {
		*arg++ = 0;
		while (*arg == ' ')
			arg++;
	}
	if (!strcmp(line, "help")) {
		help();
	} else if (!strcmp(line, "status")) {
		status_line();
		kernel_line();
	} else if (!strcmp(line, "threads")) {
		for (unsigned k = 0; k < nprogs; k++)
			printf("  %s/%s: %s, %u threads, scheduler %s, %u reports%s%s\n", sys.partitions[progs[k].part].name,
			       progs[k].sp->name, progs[k].up ? "up" : "down", progs[k].sp->threads, progs[k].sp->scheduler,
			       (unsigned)progs[k].reports, progs[k].text[0] ? ": " : "", progs[k].text);
	} else if (!strcmp(line, "quota")) {
		quota_lines();
	} else if (!strcmp(line, "echo")) {
		printf("echo: %s\n", arg ? arg : "");
	} else if (!strcmp(line, "policy")) {
		for (unsigned c = 0; c < pol.n_clients; c++)
			printf("  %s\n", (policy_client_text(&pol, c, msg, sizeof(msg)), msg));
		for (unsigned g = 0; g < pol.n_groups; g++)
			printf("  %s\n", (policy_group_text(&pol, g, msg, sizeof(msg)), msg));
		lb_call(LB_DUMP, 0);
	} else if (!strcmp(line, "kill") && arg) {
		kill_command(arg);
	} else if (!strcmp(line, "restart") && arg) {
		int i = find_part(arg);
		if (i < 0)
			printf("init: no partition '%s'\n", arg);
		else if (sys.partitions[i].restart == SYSFILE_RESTART_NEVER)
			printf("init: partition %s is never restarted (system file)\n", arg);
		else
			rebuild_partition((unsigned)i);
	} else if (!strcmp(line, "hold") && arg) {
		uint32_t ms = 0;
		const char *d = arg;
		while (*d >= '0' && *d <= '9' && ms <= 10000)
			ms = ms * 10 + (uint32_t)(*d++ - '0');
		if (*d || ms < 1 || ms > 10000)
			printf("init: hold takes a time of 1 to 10000 ms\n");
		else
			serve_for(ms);   /* reports are served; input waits in the kernel, which may drop some */
	} else if (!strcmp(line, "trace")) {
		mr()[0] = 0;
		mu_invoke(MU_CAP_CONSOLE, MU_TAG(MU_CONSOLE_TRACE_DUMP, 1), 0);
	} else if (line[0]) {
		printf("unknown command '%s'\n", line);
		help();
	}
}

/*
 * Console input, line by line. Every line is taken whole or refused whole:
 * a line longer than LINE_MAX, or with a byte that is not printable ASCII,
 * is refused with a message; when the kernel lost input (its buffer was
 * full), it resumes at a line start and we drop the piece of a line we
 * hold, so the lines the gap cut go whole; the console says how many bytes. Pieces of two lines are never joined into one command.
 */
#define LINE_MAX 120
#define CONSOLE_IRQ_SLOT 123

static struct {
	char line[LINE_MAX + 1];
	uint32_t len;       /* bytes of the line so far, kept or not */
	int bad;            /* the first byte that is not printable, or -1 */
	uint32_t bad_at;
} in = { .bad = -1 };

static void end_of_line(void)
{
	if (in.len > LINE_MAX)
		printf("console: line of %u bytes refused (at most %u)\n", (unsigned)in.len, LINE_MAX);
	else if (in.bad >= 0)
		printf("console: line refused: byte 0x%02x at column %u is not printable\n", (unsigned)in.bad,
		       (unsigned)in.bad_at);
	else if (in.len) {
		in.line[in.len] = 0;
		command(in.line);
	}
	in.len = 0;
	in.bad = -1;
}

static void input_byte(uint8_t c)
{
	if (c == '\r' || c == '\n') {
		end_of_line();
		return;
	}
	if (in.bad < 0 && (c < ' ' || c > '~')) {
		in.bad = c;
		in.bad_at = in.len + 1;
	}
	if (in.len < LINE_MAX)
		in.line[in.len] = (char)c;
	if (in.len < 0xffffffu)
		in.len++;
}

/* Read everything the kernel holds; true if anything came. */
static bool read_input(void)
{
	bool any = false;
	for (unsigned rounds = 0; rounds < 64; rounds++) {
		mr()[0] = 0;
		mr()[MU_CONSOLE_LOST] = 0;
		if (mu_invoke(MU_CAP_CONSOLE, MU_TAG(MU_CONSOLE_READ, 0), 0) != MU_OK)
			return any;
		uint32_t got = mr()[0] > MU_CONSOLE_MAX ? 0 : mr()[0], lost = mr()[MU_CONSOLE_LOST];
		uint8_t buf[MU_CONSOLE_MAX];
		memcpy(buf, &mr()[1], got);
		for (uint32_t i = 0; i < got; i++)
			input_byte(buf[i]);   /* may run a command, which uses the message registers */
		if (lost) {   /* the gap follows these bytes, and what follows it starts a line: drop our piece */
			printf("console: %u bytes dropped (input came faster than it was read); whole lines only\n",
			       (unsigned)(lost + in.len));
			in.len = 0;
			in.bad = -1;
		}
		if (!got && !lost)
			return any;
		any = true;
	}
	return any;
}

static bool irq;   /* we hold the MU_IRQ_CONSOLE object */

/* Claimed first thing at boot, before any other program could take it. */
void console_claim(void)
{
	irq = mu_create(MU_OBJ_IRQ, CONSOLE_IRQ_SLOT, MU_IRQ_CONSOLE, 0) == MU_OK;
	if (irq) {
		mr()[0] = MU_CAP_THREAD;
		mr()[1] = CONSOLE_LABEL;
		irq = mu_invoke(CONSOLE_IRQ_SLOT, MU_TAG(MU_IRQ_BIND, 2), 0) == MU_OK;
	}
}

void console_loop(void)
{
	/* Input wakes us (MU_IRQ_CONSOLE); without it, the status tick reads it once a second. */
	if (!irq)
		printf("init: no console interrupt: input is read once a second\n");
	uint64_t next_tick = mu_clock_ns() + 1000000000ull;
	for (;;) {
		uint64_t now = mu_clock_ns();
		if (input_signalled || now >= next_tick) {
			input_signalled = false;
			if (irq)
				mu_invoke(CONSOLE_IRQ_SLOT, MU_TAG(MU_IRQ_UNMASK, 0), 0);   /* first: input after it tells us again */
			read_input();
		}
		supervise();
		now = mu_clock_ns();
		if (now >= next_tick) {
			next_tick = now + 1000000000ull;
			if (nprogs)
				status_line();
		}
		uint32_t tag, label;
		if (!input_signalled && mu_wait((uint32_t)((next_tick - now) / 1000) + 1, &tag, &label) == MU_OK)
			handle(tag, label);
	}
}
