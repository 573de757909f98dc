/*
 * The kernel debug console, in the spirit of Fiasco's jdb but small. Ctrl-\
 * on the serial console (KDB_KEY) enters it on the CPU that takes the
 * console's interrupt. It parks every other CPU in a cross-CPU request
 * (spinning with interrupts off until `g`), then reads single-key commands
 * by polling the UART. It only reads kernel state, without locks: the other
 * CPUs are parked at request points, where no list is half-changed. Built
 * only with MUON_KDEBUG (docs/debugging.md).
 */
#include "kernel/kernel.h"

#if MUON_KDEBUG
#include "kernel/obj.h"
#include "kernel/factory.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "kernel/gate.h"
#include "kernel/irq.h"
#include "kernel/cpu.h"
#include "bsp/bsp.h"
#include "kernel/page.h"
#include "kernel/kdb.h"
#include "kernel/trace.h"

#define KDB_THREADS 512
#define KDB_FACTORIES 128

/* Every live thread and factory, for the listings; a full table loses entries (counted). */
static spinlock_t reg_lock;
static struct thread *threads[KDB_THREADS];       /* guarded by reg_lock */
static struct factory *factories[KDB_FACTORIES];  /* guarded by reg_lock */
static unsigned unlisted;                         /* guarded by reg_lock */

static void reg_swap(void **tab, unsigned n, void *old, void *new)
{
	unsigned i = 0;
	spin_lock(&reg_lock);
	while (i < n && tab[i] != old)
		i++;
	if (i < n)
		tab[i] = new;
	else if (new)
		unlisted++;
	spin_unlock(&reg_lock);
}

void kdb_thread_add(struct thread *t) { reg_swap((void **)threads, KDB_THREADS, NULL, t); }
void kdb_thread_del(struct thread *t) { reg_swap((void **)threads, KDB_THREADS, t, NULL); }
void kdb_factory_add(struct factory *f) { reg_swap((void **)factories, KDB_FACTORIES, NULL, f); }
void kdb_factory_del(struct factory *f) { reg_swap((void **)factories, KDB_FACTORIES, f, NULL); }

/* ---- stopping the other CPUs */

static uint32_t active;                    /* atomic: the monitor runs; parked CPUs wait for 0.
					    * Ordering: taken with an acq_rel exchange, cleared with release
					    * at the end; park_fn reads it with acquire */
static uint32_t parked;                    /* atomic: CPUs waiting in park_fn. Ordering: acq_rel adds and
					    * subtracts, read with acquire by the monitor */
static struct drq park_drq[MUON_MAX_CPUS];
static uint32_t park_posted[MUON_MAX_CPUS];   /* atomic: park_drq[i] is queued or running. Ordering: set
					       * with an acq_rel exchange before the post, cleared with release
					       * by park_fn once it is done with park_drq[i] */

static void park_fn(struct drq *r)
{
	__atomic_add_fetch(&parked, 1, __ATOMIC_ACQ_REL);
	arch_sev();
	while (__atomic_load_n(&active, __ATOMIC_ACQUIRE))
		arch_wfe();
	__atomic_sub_fetch(&parked, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&park_posted[r - park_drq], 0, __ATOMIC_RELEASE);
}

/* Park every other online CPU; waits at most a second of board time. Returns how many. */
static unsigned park_others(unsigned *want)
{
	unsigned me = this_cpu()->id;
	*want = 0;
	for (unsigned i = 0; i < ncpus_present; i++) {
		if (i == me || !cpus[i].online)
			continue;
		(*want)++;
		if (!__atomic_exchange_n(&park_posted[i], 1, __ATOMIC_ACQ_REL)) {
			park_drq[i].fn = park_fn;
			park_drq[i].sync = true;   /* it parks a CPU inside a wait too */
			drq_post(i, &park_drq[i]);
		}
	}
	uint64_t end = bsp_clock_ns() + 1000000000ull;
	while (__atomic_load_n(&parked, __ATOMIC_ACQUIRE) < *want && bsp_clock_ns() < end)
		;
	return __atomic_load_n(&parked, __ATOMIC_ACQUIRE);
}

/* ---- commands */

static const char *const state_names[] = { "stopped", "ready", "send", "recv", "reply", "dead" };
static const char *const type_names[] = { "none", "task", "thread", "gate", "irq", "factory", "console", "sched" };

static unsigned tid(const struct thread *t) { return t ? (unsigned)t->id : 0; }
static const char *task_name(const struct thread *t) { return t && t->task ? t->task->name : "-"; }

static void cmd_cpus(void)
{
	for (unsigned i = 0; i < ncpus_present; i++) {
		struct cpu *c = &cpus[i];
		/* The running thread is not queued (lazy queues, docs/ipc.md): current, then the queue. */
		kprintf("cpu%u %s current %u %s ready", i, c->online ? "online" : "offline", tid(c->current),
			task_name(c->current));
		unsigned n = 0;
		for (int p = RQ_PRIOS - 1; p >= 0; p--)
			for (struct rq_link *l = c->rq.head[p].next; l != &c->rq.head[p]; l = l->next, n++)
				kprintf(" %u:%d", tid(container_of(l, struct thread, link)), p);
		kprintf("%s (count %u, summary %x)", n ? "" : " -", c->rq.count, (unsigned)c->rq.summary);
		kprintf(" obj %s, in syscall of %u\n", c->obj_held ? "held" : c->obj_busy ? "waiting" : "-",
			tid(c->current_syscall));
	}
	unsigned next, owner;
	obj_lock_state(&next, &owner);
	kprintf("object lock: next ticket %u, owner %u\n", next, owner);
}

static void cmd_threads(void)
{
	kprintf("   id state   cpu prio consumed-us task (ipc: > sends to, < replier, r owes a reply to, "
		"q first queued sender, w wake posted, m moving to)\n");
	for (unsigned i = 0; i < KDB_THREADS; i++) {
		const struct thread *t = threads[i];
		if (t) {
			kprintf("%5u %7s %3u %4u %11llu %s %p pc %x", tid(t), t->state <= TS_DEAD ? state_names[t->state] : "?",
				t->cpu, t->link.prio, t->consumed_ns / 1000, task_name(t), (void *)t->task, (unsigned)t->regs.pc);
			if (t->state == TS_SEND)
				kprintf(" >%u", tid(t->snd_to));
			if (t->state == TS_REPLY)
				kprintf(" <%u", tid(t->replier));
			if (t->reply_to)
				kprintf(" r%u", tid(t->reply_to));
			if (t->rcv_head)
				kprintf(" q%u", tid(t->rcv_head));
			if (t->wake_pending)
				kprintf(" w");
			if (t->migrate_to >= 0)
				kprintf(" m%d", t->migrate_to);
			kprintf("%s\n", t->fault_kind ? " fault" : "");
		}
	}
	if (unlisted)
		kprintf("(%u threads or factories were not registered: table full)\n", unlisted);
}

static struct thread *find_thread(uint32_t id)
{
	for (unsigned i = 0; i < KDB_THREADS; i++)
		if (threads[i] && threads[i]->id == id)
			return threads[i];
	return NULL;
}

/* What a capability names, in a few words. */
static void print_object(const struct kobj *o)
{
	switch (o->type) {
	case OBJ_THREAD: kprintf("thread %u", tid(container_of(o, struct thread, hdr))); break;
	case OBJ_TASK: kprintf("task %s %p", ((const struct task *)o)->name, (const void *)o); break;
	case OBJ_GATE: {
		const struct gate *g = (const void *)o;
		kprintf("gate -> thread %u label %x", tid(g->bound), (unsigned)g->label);
		break;
	}
	case OBJ_IRQ: kprintf("irq %u -> thread %u", ((const struct irq *)o)->irq, tid(((const struct irq *)o)->bound)); break;
	case OBJ_FACTORY: kprintf("factory %p", (const void *)o); break;
	default: kprintf("%s", o->type < ARRAY_SIZE(type_names) ? type_names[o->type] : "?"); break;
	}
}

static void cmd_caps(uint32_t id)
{
	const struct thread *t = find_thread(id);
	if (!t || !t->task) {
		kprintf("no thread %u with a task (t lists them)\n", (unsigned)id);
		return;
	}
	kprintf("task %s %p of thread %u:\n", t->task->name, (void *)t->task, (unsigned)id);
	for (unsigned i = 0; i < t->task->caps.n; i++) {
		const struct cap *c = &t->task->slots[i];
		if (cap_empty(c))
			continue;
		kprintf("%4u %c%c%c%c ", i, c->rights & MU_R ? 'r' : '-', c->rights & MU_W ? 'w' : '-',
			c->rights & MU_S ? 's' : '-', c->rights & MU_D ? 'd' : '-');
		print_object(c->obj);
		kprintf("\n");
	}
}

static void print_factory(const struct factory *f)
{
	kprintf("factory %p parent %p quota %u KiB used %u KiB\n", (const void *)f, (const void *)f->parent,
		(unsigned)(f->quota / 1024), (unsigned)(f->used / 1024));
}

static void cmd_memory(void)
{
	kprintf("free pages %u (%u KiB)\n", page_free_count(), page_free_count() * 4);
	print_factory(&root_factory);
	for (unsigned i = 0; i < KDB_FACTORIES; i++)
		if (factories[i])
			print_factory(factories[i]);
}

static int getkey(void)
{
	int ch;
	while ((ch = bsp_uart_getc()) < 0)
		;
	return ch;
}

/* A decimal number typed after `k`, ended by Enter; echoed. */
static uint32_t read_number(void)
{
	uint32_t v = 0;
	for (int ch = getkey(); ch != '\r' && ch != '\n'; ch = getkey()) {
		if (ch >= '0' && ch <= '9') {
			v = v * 10 + (uint32_t)(ch - '0');
			kprintf("%c", ch);
		}
	}
	kprintf("\n");
	return v;
}

static const char help[] =
	"kdb commands: c cpus (current and ready threads), t threads, k <thread id> capabilities of its task,\n"
	"  m kernel memory per factory, r trace buffer, g continue\n";

/* One command; false when it is `g`. */
static bool command(int ch)
{
	switch (ch) {
	case 'c': cmd_cpus(); break;
	case 't': cmd_threads(); break;
	case 'k': kprintf("thread id: "); cmd_caps(read_number()); break;
	case 'm': cmd_memory(); break;
	case 'r': trace_print_all(); break;
	case 'g': return false;
	case '\r': case '\n': case ' ': case KDB_KEY: break;
	default: kprintf("%s", help); break;
	}
	return true;
}

void kdb_enter(void)
{
	unsigned want;
	if (__atomic_exchange_n(&active, 1, __ATOMIC_ACQ_REL))
		return;   /* another CPU runs it: this one gets parked */
	unsigned got = park_others(&want);
	kprintf("\nkdb: on cpu%u, %u of %u other cpus stopped (h: help)\n", this_cpu()->id, got, want);
	for (;;) {
		kprintf("kdb> ");
		int ch = getkey();
		kprintf("%c\n", ch >= ' ' && ch < 127 ? ch : ' ');
		if (!command(ch))
			break;
	}
	kprintf("kdb: continuing\n");
	__atomic_store_n(&active, 0, __ATOMIC_RELEASE);
	arch_sev();
}
#endif
