/*
 * Muon trace events: what the kernel records in its per-CPU trace buffers,
 * what user programs add with MU_CONSOLE_TRACE, and what ci/trace reads back.
 * One list for the kernel (names in the dump), user programs (numbers) and
 * the host tool (which parses the MU_TRACE_EVENTS lines of this file).
 *
 * A record is (time in ns of the board clock, event, a, b), kept in the ring
 * of the CPU that recorded it. Thread ids are those of MU_THREAD_INFO mr[5];
 * 0 stands for the idle loop. Format of the dump: docs/tracing.md.
 */
#ifndef MUON_TRACE_H
#define MUON_TRACE_H

#include <stdint.h>

/* Events below MU_TRACE_USER are the kernel's; user programs record from MU_TRACE_USER to 0xffff. */
#define MU_TRACE_USER 0x100u
#define MU_TRACE_MAX  0xffffu

/* X(symbol, number, "name in the dump"); the comment gives a and b. */
#define MU_TRACE_EVENTS(X) \
	X(MU_TRACE_SWITCH,      0x01,  "switch")      /* a = thread that ran (0: idle), b = thread that runs now (0: idle) */ \
	X(MU_TRACE_IPC_SEND,    0x02,  "ipc_send")    /* a = sender, b = receiver (the gate's thread); sends and calls */ \
	X(MU_TRACE_IPC_REPLY,   0x03,  "ipc_reply")   /* a = replier, b = the caller it answers */ \
	X(MU_TRACE_IRQ,         0x04,  "irq")         /* a = interrupt ID (0-15 SGI, 16-31 PPI, 32+ SPI) */ \
	X(MU_TRACE_MIGRATE,     0x05,  "migrate")     /* a = thread, b = from CPU << 8 | to CPU (decided; a blocked thread leaves when woken) */ \
	X(MU_TRACE_DRQ,         0x06,  "drq")         /* a = target CPU, b = handler address (a kernel symbol) */ \
	X(MU_TRACE_IPC_CALL,    0x07,  "ipc_call")    /* a switch by the IPC fast path's call: a = caller (ran), b = receiver (runs now) */ \
	X(MU_TRACE_IPC_REPLY_WAIT, 0x08, "ipc_reply_wait") /* a switch by the fast path's reply-and-wait: a = replier (ran), b = caller (runs now) */ \
	X(MU_TRACE_LB_PLACE,    0x100, "lb_place")    /* a = thread, b = MU_TRACE_LB_PLACE_B(cpu, reason, load) */ \
	X(MU_TRACE_LB_MOVE,     0x101, "lb_move")     /* a = thread, b = MU_TRACE_LB_MOVE_B(from, to, reason, load) */ \
	X(MU_TRACE_LB_REJECT,   0x102, "lb_reject")   /* a = client index, b = error (enum mu_err) */ \
	X(MU_TRACE_LB_POWER,    0x103, "lb_power")    /* a = mask of CPUs in use, b = total load in per-mille of one CPU */ \
	X(MU_TRACE_LB_CPU,      0x104, "lb_cpu")      /* a = CPU, b = 1: powered on, 0: powered off (MU_SCHED_CPU_POWER) */ \
	X(MU_TRACE_MODEM_TTI,   0x110, "modem_tti")   /* a = TTI number, b = wake-up jitter in ns (late by) */ \
	X(MU_TRACE_MODEM_MISS,  0x111, "modem_miss")  /* a = TTI number, b = lateness past the deadline in ns */ \
	X(MU_TRACE_MODEM_STAGE, 0x112, "modem_stage") /* a = stage id, b = its duration in ns (recorded when it ends) */


/*
 * Why the balancer placed or moved a thread: the order of enum lb_reason in
 * loadbalancer/plan.h (a host test checks that they agree).
 */
#define MU_TRACE_LB_REASONS(X) \
	X(MU_TRACE_LB_R_PLACE, 0, "place") X(MU_TRACE_LB_R_PINNED, 1, "pinned") \
	X(MU_TRACE_LB_R_APART, 2, "apart") X(MU_TRACE_LB_R_TOGETHER, 3, "together") \
	X(MU_TRACE_LB_R_VM, 4, "vm") X(MU_TRACE_LB_R_BALANCE, 5, "balance") \
	X(MU_TRACE_LB_R_CONSOLIDATE, 6, "consolidate") X(MU_TRACE_LB_R_SPREAD, 7, "spread")

#define MU_TRACE_ENUM_(sym, num, name) sym = num,
enum mu_trace_event { MU_TRACE_EVENTS(MU_TRACE_ENUM_) };
enum mu_trace_lb_reason { MU_TRACE_LB_REASONS(MU_TRACE_ENUM_) };
#undef MU_TRACE_ENUM_

/* LB_PLACE b: bits 0-7 the CPU, 8-15 the reason, 16-31 that CPU's load in per-mille. */
#define MU_TRACE_LB_PLACE_B(cpu, reason, load) \
	(((uint32_t)(cpu) & 0xffu) | ((uint32_t)(reason) & 0xffu) << 8 | ((uint32_t)(load) & 0xffffu) << 16)
/* LB_MOVE b: bits 0-7 from, 8-15 to, 16-21 the reason, 22-31 the thread's load in per-mille (at most 1023). */
#define MU_TRACE_LB_MOVE_B(from, to, reason, load) \
	(((uint32_t)(from) & 0xffu) | ((uint32_t)(to) & 0xffu) << 8 | ((uint32_t)(reason) & 0x3fu) << 16 | \
	 ((uint32_t)(load) > 1023u ? 1023u : (uint32_t)(load)) << 22)

#endif
