/*
 * Printing the trace buffers (docs/tracing.md). Each CPU prints and empties
 * its own ring in a synchronous cross-CPU request, so no record is read while
 * it is being written.
 */
#include "kernel/kernel.h"
#include "kernel/cpu.h"
#include "kernel/trace.h"
#include "muon/abi.h"

#if MUON_TRACE
struct trace_ring trace_rings[MUON_MAX_CPUS];
static uint32_t dumping;   /* atomic: a dump is running. Ordering: taken with an acquire exchange,
			    * cleared with release at the end: dump_start and the rings are the holder's */
static uint64_t dump_start;   /* written by the dumping CPU before its requests: later records are the dump's own */

static const char *event_name(unsigned event)
{
	switch (event) {
#define NAME_(sym, num, name) case num: return name;
	MU_TRACE_EVENTS(NAME_)
#undef NAME_
	default: return NULL;
	}
}

/* CPU cpu's records up to time until, oldest first: `TRACE cpu ns name a b`. Returns how many. */
static uint32_t print_ring(unsigned cpu, uint64_t until)
{
	const struct trace_ring *r = &trace_rings[cpu];
	uint32_t head = r->head, n = head < TRACE_RECORDS ? head : TRACE_RECORDS;
	if (head > n)
		kprintf("TRACE LOST %u %u\n", cpu, (unsigned)(head - n));
	for (uint32_t i = head - n; i != head; i++) {
		const struct trace_rec *e = &r->rec[i % TRACE_RECORDS];
		uint64_t ns = (uint64_t)e->ts_hi << 32 | e->ts_lo;
		if (ns > until)
			return i - (head - n);
		const char *name = event_name(e->event);
		if (name)
			kprintf("TRACE %u %llu %s %u %u\n", cpu, ns, name, (unsigned)e->a, (unsigned)e->b);
		else
			kprintf("TRACE %u %llu ev%u %u %u\n", cpu, ns, e->event, (unsigned)e->a, (unsigned)e->b);
	}
	return n;
}

/*
 * On its own CPU: print (or count) the records and start again, the first
 * record saying which thread runs, so a reader knows it from the start.
 */
static uint32_t flush_here(bool print)
{
	struct cpu *c = this_cpu();
	struct trace_ring *r = &trace_rings[c->id];
	uint32_t n = print ? print_ring(c->id, dump_start) : (r->head < TRACE_RECORDS ? r->head : TRACE_RECORDS);
	r->head = 0;
	trace_put(r, bsp_clock_ns(), MU_TRACE_SWITCH, r->running, r->running);
	return n;
}

static void flush_fn(struct drq *q)
{
	q->a = flush_here(q->b);
	drq_finish(q);
}

int trace_dump(bool print, uint32_t *count)
{
	uint32_t n = 0;
	unsigned me = this_cpu()->id;
	if (__atomic_exchange_n(&dumping, 1, __ATOMIC_ACQUIRE))
		return MU_EBUSY;
	dump_start = bsp_clock_ns();
	if (print)
		kprintf("TRACE BEGIN %u ns\n", ncpus_present);
	for (unsigned i = 0; i < ncpus_present; i++) {
		struct drq q = { .fn = flush_fn, .b = print };
		if (i == me)
			n += flush_here(print);
		else if (cpus[i].online) {
			drq_call(i, &q);
			n += q.a;
		}
	}
	if (print)
		kprintf("TRACE END %u\n", (unsigned)n);
	__atomic_store_n(&dumping, 0, __ATOMIC_RELEASE);
	*count = n;
	return MU_OK;
}

void trace_print_all(void)
{
	uint32_t n = 0;
	kprintf("TRACE BEGIN %u ns\n", ncpus_present);
	for (unsigned i = 0; i < ncpus_present; i++)
		n += print_ring(i, UINT64_MAX);
	kprintf("TRACE END %u\n", (unsigned)n);
}
#endif
