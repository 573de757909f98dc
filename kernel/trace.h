/*
 * The kernel trace buffer: one ring of records per CPU, written only by its
 * own CPU with interrupts off, so recording takes no lock and no atomic
 * operation: a few loads and stores, plus a clock read where the caller has
 * no time at hand. Events and their arguments: uapi/muon/trace.h. With
 * MUON_TRACE off every hook is empty.
 */
#ifndef KTRACE_H
#define KTRACE_H

#include "kernel/kernel.h"
#include "kernel/cpu.h"
#include "bsp/bsp.h"
#include MUON_BSP_CLOCK_H
#include "muon/abi.h"
#include "muon/trace.h"

#define TRACE_RECORDS 512   /* per CPU; a power of two */

/* 16 bytes: the time in ns is 48 bits wide (78 hours), split so that no shift is needed. */
struct trace_rec {
	uint32_t ts_lo;
	uint16_t ts_hi;
	uint16_t event;
	uint32_t a, b;
};

struct trace_ring {
	uint32_t head;        /* records written since the ring was last emptied */
	uint32_t running;     /* the thread the last switch record named (0: idle) */
	struct trace_rec rec[TRACE_RECORDS];
} __attribute__((aligned(64)));

#if MUON_TRACE
/* Each owned by its CPU; read by another CPU only while it is stopped (kdb). */
extern struct trace_ring trace_rings[MUON_MAX_CPUS];

static inline void trace_init_cpu(struct cpu *c) { c->trace = &trace_rings[c->id]; }

static inline void trace_put(struct trace_ring *r, uint64_t ns, unsigned event, uint32_t a, uint32_t b)
{
	uint32_t h = r->head;
	struct trace_rec *e = &r->rec[h % TRACE_RECORDS];
	r->head = h + 1;
	e->ts_lo = (uint32_t)ns;
	e->ts_hi = (uint16_t)(ns >> 32);
	e->event = (uint16_t)event;
	e->a = a;
	e->b = b;
}

/* Record on this CPU at time ns. */
static inline void trace_at(uint64_t ns, unsigned event, uint32_t a, uint32_t b)
{
	trace_put(this_cpu()->trace, ns, event, a, b);
}

/*
 * A record's time where the caller has none at hand: the slice's start and
 * the counter word's ticks since (sched_slice_begin, sched/switch.h), not a
 * full clock read (on realview-eb-mpcore a fifth of its cost). It never
 * passes the clock and never goes back on this CPU: a direct switch moves
 * the slice on by exactly this, and a decision starts it at the true clock.
 */
static inline void trace(unsigned event, uint32_t a, uint32_t b)
{
	struct cpu *c = this_cpu();
	trace_put(c->trace, c->slice_start + bsp_raw_ns(bsp_clock_raw() - c->slice_raw), event, a, b);
}

/* Thread `to` (0: idle) runs on this CPU from time ns: a switch record if that is news. */
static inline void trace_switch(uint64_t ns, uint32_t to)
{
	struct trace_ring *r = this_cpu()->trace;
	if (r->running != to) {
		trace_put(r, ns, MU_TRACE_SWITCH, r->running, to);
		r->running = to;
	}
}

/* The IPC fast path's direct switch from thread `from` to `to` at ns: one record says both. */
static inline void trace_direct(struct cpu *c, uint64_t ns, unsigned event, uint32_t from, uint32_t to)
{
	struct trace_ring *r = c->trace;
	trace_put(r, ns, event, from, to);
	r->running = to;
}

/*
 * MU_CONSOLE_TRACE_DUMP: every CPU prints (print) or drops its own records,
 * oldest first, framed by TRACE BEGIN / TRACE END, and empties its ring.
 * *count gets the number of records. MU_EBUSY while another dump runs.
 */
int trace_dump(bool print, uint32_t *count);
/* Print every CPU's records without emptying (the debug console, other CPUs stopped). */
void trace_print_all(void);

#else
static inline void trace_init_cpu(struct cpu *c) { (void)c; }
static inline void trace_at(uint64_t ns, unsigned event, uint32_t a, uint32_t b) { (void)ns; (void)event; (void)a; (void)b; }
static inline void trace(unsigned event, uint32_t a, uint32_t b) { (void)event; (void)a; (void)b; }
static inline void trace_switch(uint64_t ns, uint32_t to) { (void)ns; (void)to; }
static inline void trace_direct(struct cpu *c, uint64_t ns, unsigned event, uint32_t from, uint32_t to) { (void)c; (void)ns; (void)event; (void)from; (void)to; }
static inline int trace_dump(bool print, uint32_t *count) { (void)print; *count = 0; return MU_ENOSYS; }
static inline void trace_print_all(void) { kprintf("trace: not built in (MUON_TRACE is off)\n"); }
#endif

#endif
