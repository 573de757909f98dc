/*
 * Bringing up the secondary CPUs, inter-processor interrupts, interrupt
 * dispatch and panic (which stops every CPU).
 */
#include "kernel/kernel.h"
#include "kernel/cpu.h"
#include "arch/arm/gic.h"
#include "arch/arm/timer.h"
#include "bsp/bsp.h"
#include "kernel/platform.h"
#include "kernel/thread.h"
#include "sched/sched.h"
#include "kernel/irq.h"
#include "kernel/trace.h"
#include "kernel/console.h"
#include "muon/mark.h"

struct cpu cpus[MUON_MAX_CPUS];
unsigned ncpus_present;
static volatile bool panicking;   /* Ordering: a seq_cst exchange: one CPU panics, the others park */

unsigned cpus_online(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MUON_MAX_CPUS; i++)
		n += cpus[i].online;
	return n;
}

void smp_send(unsigned dst, unsigned sgi)
{
	__atomic_or_fetch(&cpus[dst].ipi_pending[sgi], 1u << this_cpu()->id, __ATOMIC_RELEASE);
	gic_send_sgi(1u << dst, sgi);
	arch_sev();   /* a CPU waiting in WFE with interrupts masked is woken by events only */
}

/* One SGI may stand for several senders: the pending mask says which. */
static void ipi(struct cpu *c, unsigned sgi)
{
	if (sgi == SGI_STOP)
		for (;;)
			arch_wfi();
	if (sgi >= SGI_COUNT)
		return;
	uint32_t from = __atomic_exchange_n(&c->ipi_pending[sgi], 0, __ATOMIC_ACQUIRE);
	for (uint32_t m = from; m; m &= m - 1)
		c->ipi_rx[__builtin_ctz(m)]++;
	if (sgi == SGI_DRQ)
		drq_run();
	if (sgi == SGI_PING) {
		c->ping_ns = bsp_clock_ns();
		arch_sev();
	}
	if (sgi == SGI_PING_ALL && from)
		for (unsigned i = 0; i < ncpus_present; i++)
			if (i != c->id && cpus[i].online)
				smp_send(i, SGI_PING);
}

void irq_dispatch(void)
{
	struct cpu *c = this_cpu();
	for (;;) {
		uint32_t iar = gic_ack();
		unsigned id = iar & 0x3ff;
		if (id >= GIC_SPURIOUS - 3)
			return;
		trace(MU_TRACE_IRQ, id, 0);
		if (id < 16) {
			MU_MARK(MU_MARK_IPI_BEGIN);
			ipi(c, id);
			MU_MARK(MU_MARK_IPI_END);
		} else if (id == platform.timer_irq)
			sched_timer();
		else if (console_irq(id))
			;
		else if (irq_fire(id))
			;
		else
			kprintf("muon: cpu%u: unexpected interrupt %u\n", c->id, id);
		gic_eoi(iar);
	}
}

/*
 * The sleep that began at c->idle_since is over: add it to idle_ns. The
 * clock is read inside the seqcount, so a reader that counted the sleep in
 * progress (with a clock read of its own) read it before this one, and idle
 * time never runs backwards.
 */
uint64_t cpu_idle_end(struct cpu *c)
{
	__atomic_store_n(&c->idle_seq, c->idle_seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint64_t now = bsp_clock_ns();
	c->idle_ns += now - c->idle_since;
	c->idle_since = 0;
	__atomic_store_n(&c->idle_seq, c->idle_seq + 1, __ATOMIC_RELEASE);
	return now;
}

/* Per-CPU bring-up shared by CPU0 and the secondaries, at boot and when powered on again. */
void cpu_start(unsigned id)
{
	struct cpu *c = &cpus[id];
	uint64_t now = c->idle_since ? cpu_idle_end(c) : bsp_clock_ns();   /* its time offline counts as idle */
	c->space = NULL;       /* arch_cpu_init leaves every task's space */
	c->deadline = 0;
	c->id = id;
	c->kstack_top = (uintptr_t)boot_stack_top - id * 8192;
	lat_begin(c, MU_LAT_OP(MU_LAT_IDLE, 0, 0));   /* as from WFI */
	trace_init_cpu(c);
	sched_cpu_init(c, now);
	arch_cpu_init(c);
	gic_init_cpu();
	arch_timer_init_cpu();
	gic_enable(platform.timer_irq);
	kprintf("muon: cpu%u online\n", id);
	arch_dmb();
	spin_lock(&c->drq_lock);
	c->online = true;   /* it takes requests from now on */
	spin_unlock(&c->drq_lock);
	arch_sev();
}

/*
 * CPU power (MU_SCHED_CPU_POWER; the caller holds obj_lock, which every
 * placement takes too). A CPU goes offline only while no live thread is on it
 * or on its way to it (nthreads, kept by sched_count) and it paces no timer:
 * it stops taking requests at once and powers off from its idle loop, where
 * it holds nothing. CPU 0 stays: shared interrupts go to it.
 */
static void off_fn(struct drq *r)
{
	struct cpu *c = this_cpu();
	r->a = MU_EBUSY;
	if (!__atomic_load_n(&c->nthreads, __ATOMIC_ACQUIRE) && !c->pacer && !c->timeouts && !c->obj_busy) {
		spin_lock(&c->drq_lock);
		c->online = false;   /* drq_post skips it from now on */
		spin_unlock(&c->drq_lock);
		c->going_off = true;
		r->a = MU_OK;
	}
	drq_finish(r);
}

/* From the idle loop of a CPU that agreed to go off. Returns only if the firmware refused. */
void cpu_off(struct cpu *c)
{
	c->going_off = false;
	drq_run();   /* what came before it stopped taking requests */
	arch_timer_stop();
	kprintf("muon: cpu%u offline\n", c->id);
	__atomic_store_n(&c->idle_since, bsp_clock_ns(), __ATOMIC_RELEASE);
	bsp_cpu_off();
	kprintf("muon: cpu%u: the firmware did not power it off\n", c->id);
	cpu_start(c->id);
}

int cpu_power(unsigned id, bool on)
{
	if (id == 0 || id >= ncpus_present)
		return MU_EINVAL;
	if (!bsp_board.cpu_power)
		return MU_ENOSYS;
	struct cpu *c = &cpus[id];
	if (c->online == on)
		return MU_OK;
	if (!on) {
		struct drq r = { .fn = off_fn };   /* the CPU itself checks that nothing lives there */
		drq_call(id, &r);
		return (int)r.a;
	}
	/* The firmware refuses while the CPU is still on its way off: try again, for a bounded time. */
	uint64_t end = bsp_clock_ns() + 1000000000ull;
	while (bsp_start_cpu(id, arch_secondary_entry_pa()) && bsp_clock_ns() < end)
		drq_wait();
	while (!c->online && bsp_clock_ns() < end) {
		drq_wait();
		arch_wfe();
	}
	return c->online ? MU_OK : MU_ETIMEDOUT;
}

void kmain_secondary(unsigned hwid)
{
	if (hwid >= MUON_MAX_CPUS || hwid >= ncpus_present)
		for (;;)
			arch_wfi();
	cpu_start(hwid);
	schedule();
}

/* Release CPUs 1..n-1 and wait (bounded) until they say they are online. */
void smp_boot(void)
{
	uint32_t entry = arch_secondary_entry_pa();
	kprintf("muon: releasing secondaries at %llu ns\n", bsp_clock_ns());
	for (unsigned i = 1; i < ncpus_present; i++) {
		int err = bsp_start_cpu(i, entry);
		if (err)
			kprintf("muon: starting cpu%u failed: %d\n", i, err);
	}
	uint64_t deadline = bsp_clock_ns() + 2000000000ull;
	while (cpus_online() < ncpus_present && bsp_clock_ns() < deadline)
		arch_wfe();   /* each new CPU sends SEV; under QEMU this also yields the host thread */
	uint64_t now = bsp_uptime_ns();
	kprintf("muon: %u cpus online\n", cpus_online());
	kprintf("muon: boot took %llu ns of virtual time\n", now);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	uint32_t sp;
	arch_irq_disable();
	if (__atomic_exchange_n(&panicking, true, __ATOMIC_SEQ_CST))
		for (;;)
			arch_wfi();
	for (unsigned i = 0; i < ncpus_present; i++)
		if (cpus[i].online && &cpus[i] != this_cpu())
			gic_send_sgi(1u << i, SGI_STOP);
	__asm__ volatile("mov %0, sp" : "=r"(sp));
	kputs_raw("\nmuon: PANIC: ", 14);
	va_start(ap, fmt);
	kvprintf_nolock(fmt, ap);
	va_end(ap);
	struct cpu *c = this_cpu();
	struct thread *t = c->current;
	kvprintf_nolock_args("\nmuon: cpu%u caller %p sp %08x thread %p pc %08x\nmuon: all cpus stopped\n",
			     c->id, __builtin_return_address(0), sp, (void *)t, t ? t->regs.pc : 0);
	for (;;)
		arch_wfi();
}
