/*
 * Muon user ABI. The only system call is the invocation of a capability:
 *
 *   svc #0   r0 = capability index (ignored by a pure receive)
 *            r1 = message tag (MU_TAG)
 *            r2 = operation flags (MU_SEND, MU_RECV, MU_REPLY)
 *            r3 = timeout of the blocking phase in microseconds,
 *                 MU_TIMEOUT_NEVER or MU_TIMEOUT_ZERO (0)
 *   returns  r0 = error code (enum mu_err)
 *            r1 = tag of the message received (if any)
 *            r2 = label of the gate it came through (open wait)
 *
 * Message words travel in the message registers of the calling thread's UTCB
 * (User Thread Control Block), whose user address the kernel keeps in
 * TPIDRURW. TPIDRURO holds the thread's TLS pointer (MU_THREAD_SET_TLS).
 *
 * Operations:
 *   send          MU_SEND           to the IPC gate's bound thread
 *   call          MU_SEND|MU_RECV   send, then wait for the reply (never times out)
 *   receive       MU_RECV           open wait (r0 = 0): from any gate bound to the caller and
 *                                   its IRQs; closed wait (r0 = a gate bound to the caller):
 *                                   only messages sent through that gate
 *   reply & wait  MU_REPLY|MU_RECV  answer the last call received, then open wait
 *   reply         MU_REPLY          answer without waiting
 * Kernel objects (task, thread, factory, IRQ, console) answer a call at once.
 *
 * Results: a kernel object answers with r0 = the result and r1 = MU_TAG(result, 0);
 * a server answers a call with r0 = MU_OK (the IPC worked) and its result as the
 * label of the reply tag in r1. So mu_result(r0, r1) = r0 ? r0 : label(r1) reads
 * both alike, and a server can stand in for a kernel object (the Scheduler).
 */
#ifndef MUON_ABI_H
#define MUON_ABI_H

#include <stdint.h>

/* Errors. Every invocation returns one of these in r0. */
enum mu_err {
	MU_OK = 0,
	MU_ECAP = 1,      /* capability index out of range or slot empty */
	MU_ETYPE = 2,     /* the object does not support this operation */
	MU_EPERM = 3,     /* the capability lacks a right the operation needs */
	MU_EMSG = 4,      /* message layout out of range (too many words or items, bad item) */
	MU_ENOMEM = 5,    /* out of memory or kernel-memory quota */
	MU_EFAULT = 6,    /* a buffer or address is not mapped as required */
	MU_EINVAL = 7,    /* an argument is out of range */
	MU_ENOSYS = 8,    /* unknown operation label */
	MU_ETIMEDOUT = 9, /* the timeout expired before a partner was ready */
	MU_ECANCELED = 10, /* the partner or the gate went away while waiting */
	MU_ESTATE = 11,   /* no call to reply to, or a gate with no bound thread */
	MU_EBUSY = 12,    /* the destination slot is in use */
};

/* Message tag: label 31..16, items 11..6, words 5..0 (words counted before items). */
#define MU_TAG(label, words) (((uint32_t)(label) << 16) | ((words) & 0x3fu))
#define MU_TAG_ITEMS(label, words, items) (MU_TAG(label, words) | (((items) & 0x3fu) << 6))
#define MU_TAG_LABEL(t) ((t) >> 16)
#define MU_TAG_WORDS(t) ((t) & 0x3fu)
#define MU_TAG_NITEMS(t) (((t) >> 6) & 0x3fu)
#define MU_MR_COUNT 64

/* Operation flags (r2). */
#define MU_SEND  1u
#define MU_RECV  2u
#define MU_REPLY 4u
#define MU_TIMEOUT_NEVER 0xffffffffu
#define MU_TIMEOUT_ZERO 0u

/* Rights on a capability: they only shrink when it is passed on. What each kernel
 * operation needs is in muon/ops.h. */
#define MU_R 1u   /* invoke / read */
#define MU_W 2u   /* write: modify the object */
#define MU_S 4u   /* special: bind or relabel a gate (only its server holds it) */
#define MU_D 8u   /* delete */
#define MU_RIGHTS_ALL 15u

/*
 * Message items follow the words: two message registers each.
 *   cap item:    mr[i] = MU_ITEM_CAP | GRANT? | rights << 4,  mr[i+1] = sender's cap index
 *   memory item: mr[i] = MU_ITEM_MEM | GRANT? | prot << 4 | log2size << 8, mr[i+1] = sender's address (aligned)
 * The receiver says where items land in its buffer registers:
 *   br[0] = first cap slot for received caps, br[1] = receive window base for
 *   memory, br[2] = log2 of its size (0: accept no memory).
 * A page fault reply needs no window: the page lands at the fault address.
 */
#define MU_ITEM_CAP   1u
#define MU_ITEM_MEM   2u
#define MU_ITEM_GRANT 8u
#define MU_PROT_R 1u
#define MU_PROT_W 2u
#define MU_PROT_X 4u

struct mu_utcb {
	uint32_t mr[MU_MR_COUNT];     /* message registers */
	uint32_t br[16];              /* buffer registers (receive descriptors) */
};

/* Capability slots every task starts with (the rest is free for its use). */
enum { MU_CAP_NULL = 0, MU_CAP_TASK = 1, MU_CAP_THREAD = 2, MU_CAP_CONSOLE = 3,
       MU_CAP_FACTORY = 4, MU_CAP_PAGER = 5, MU_CAP_PARENT = 6, MU_CAP_SCHED = 7, MU_CAP_FIRST_FREE = 8 };

/*
 * Boot: the kernel starts the root pager (sigma0) and init from boot modules.
 * sigma0 gets r0 = the number of pages of user memory it owns, mapped on
 * demand at MU_SIGMA0_POOL_VA. init gets its task, thread, console, the root
 * factory (all kernel-memory quota), a gate to sigma0 as its pager, and
 * r0 = the size of the module archive, mapped read-only at MU_BOOT_MODULE_VA.
 */
/*
 * init's boot modules come as one archive (tools/mkmods.py): this header and
 * directory, then each module starting on a page boundary (offsets from the
 * archive's start). Names: the program (`tests`, `balancer`) or the config
 * file (`test.policy`).
 */
struct mu_module { char name[24]; uint32_t offset, size; };
struct mu_modules { char magic[8]; uint32_t count, reserved; struct mu_module mod[]; };
#define MU_MODULES_MAGIC "MUONMODS"

#define MU_SIGMA0_POOL_VA 0x10000000u
#define MU_SIGMA0_LEFT 1u   /* a call to sigma0 with this label: mr[0] = pages it has left to give */
#define MU_BOOT_MODULE_VA 0x20000000u
#define MU_CAP_SLOTS 128

/* Protocol labels of kernel objects. */
enum {
	MU_CONSOLE_WRITE = 1,   /* mr[0] = byte count (<= 200), bytes from mr[1] */
	MU_CONSOLE_READ = 2,    /* never blocks; reply: mr[0] = bytes typed since the last read (0..200), bytes from mr[1];
	                           mr[MU_CONSOLE_LOST] = bytes lost after these when the kernel's buffer was full */
	MU_CONSOLE_TRACE = 3,   /* mr[0] = event (MU_TRACE_USER..0xffff, muon/trace.h), mr[1] = a, mr[2] = b:
	                           recorded with the time in the calling CPU's trace buffer */
	MU_CONSOLE_TRACE_DUMP = 4, /* needs MU_W. mr[0] = 0 (or no words): print every CPU's trace buffer (docs/tracing.md),
	                           1: discard it; then the buffers are empty. Reply mr[0] = records printed or discarded;
	                           MU_EBUSY while another dump runs */
	MU_THREAD_EXIT = 16,    /* mr[0] = exit status; never returns */
	MU_THREAD_SET_TLS = 17, /* needs MU_W. mr[0] = TLS pointer, read back with TPIDRURO */
	MU_THREAD_START = 18,   /* mr[0] = pc, mr[1] = sp, mr[2] = r0, mr[3] = priority: at most the
				 * caller's own; a thread a Scheduler placed keeps the priority it gave */
	MU_THREAD_CONTROL = 19, /* mr[0] = pager cap, mr[1] = exception handler cap (in its task; ~0: keep) */
	MU_THREAD_CLOCK = 20,   /* reply: mr[0..1] = board clock in ns (low, high) */
	MU_THREAD_INFO = 21,    /* reply: mr[0] = CPU, mr[1..2] = consumed ns, mr[3] = priority, mr[4] = state
	                           (0 stopped, 1 ready, 2 send, 3 recv, 4 reply, 5 dead), mr[5] = thread id,
	                           mr[6] = its system calls the IPC fast path took (0 without MUON_FASTPATH) */
	MU_TASK_MAP = 32,       /* items (caps, memory) go from the caller into this task; br-like targets in mr */
	MU_TASK_UNMAP = 33,     /* mr[0] = MU_ITEM_CAP/MEM, mr[1] = index or address, mr[2] = log2 size: revoke what was derived (own too if mr[3]) */
	MU_FACTORY_CREATE = 48, /* mr[0] = MU_OBJ_*, then per type: see below; mr[1] = cap slot for the new object */
	MU_GATE_BIND = 64,      /* needs MU_S. mr[0] = thread cap (MU_W), mr[1] = label: bind or relabel */
	MU_IRQ_BIND = 80,       /* mr[0] = thread cap, mr[1] = label */
	MU_IRQ_UNMASK = 81,     /* acknowledge and unmask */
	MU_IRQ_TRIGGER = 82,    /* make the interrupt pending in the controller (tests, simulated devices) */
	MU_FACTORY_INFO = 49,   /* reply: mr[0] = quota, mr[1] = used (bytes) */
};

/*
 * The Scheduler protocol (the kernel's Scheduler object, and any server that
 * interposes on it, speak it alike):
 *   MU_SCHED_INFO        reply mr[0] = CPU count, mr[1] = set descriptor, mr[2] = online bitmap
 *   MU_SCHED_RUN_THREAD  needs MU_W (the kernel's object). tag MU_TAG_ITEMS(MU_SCHED_RUN_THREAD, 4, 1):
 *                        mr[0] = priority (0..255, 255 highest), mr[1] = set descriptor,
 *                        mr[2] = bitmap, mr[3] = quantum in us (0: 10 ms),
 *                        mr[4..5] = the thread as a capability item (needs MU_W)
 *                        reply mr[0] = the CPU chosen: the thread's own if in the set, else
 *                        the caller's, else the first online one; an empty or offline set
 *                        is MU_EINVAL. The thread stays there: the kernel never moves it.
 *   MU_SCHED_IDLE_TIME   mr[0] = CPU; reply mr[0..1] = its idle time in ns (offline time counts)
 *   MU_SCHED_CPU_POWER   mr[0] = CPU, mr[1] = 1 on / 0 off: power a secondary CPU off (PSCI
 *                        CPU_OFF) or on again. Off only while no live thread is on it or placed
 *                        there (else MU_EBUSY); MU_ENOSYS on a board without a power controller,
 *                        MU_EINVAL for CPU 0 or none. Placement skips an offline CPU.
 *   MU_SCHED_INFO        with one word, mr[0] = a CPU (| MU_SCHED_INFO_RESET: its two maxima
 *                        start again after this read): also that CPU's counters in
 *                        mr[MU_CPUSTAT_OWNER..MU_CPUSTAT_END - 1] (docs/kernel-objects.md)
 *   MU_SCHED_CPU_OWNER   needs MU_W. mr[0] = CPU, mr[1] = the partition that owns it (1..255,
 *                        0: none): dispatches of other partitions' threads there are counted
 *                        from then on (MU_CPUSTAT_FOREIGN starts at 0)
 * A CPU set is a descriptor (offset in bits 23..0, log2 granularity in bits
 * 31..24) and a 32-bit map: bit i stands for CPUs offset + (i << g) up to
 * offset + ((i + 1) << g) - 1, so sets scale past 32 CPUs as in L4Re.
 */
enum { MU_SCHED_INFO = 96, MU_SCHED_RUN_THREAD = 97, MU_SCHED_IDLE_TIME = 98, MU_SCHED_CPU_POWER = 99,
       MU_SCHED_CPU_OWNER = 100 };

/* A CPU's counters since boot, kept by the kernel (MU_SCHED_INFO with a CPU). */
enum {
	MU_CPUSTAT_OWNER = 3,   /* the partition that owns the CPU, 0: none */
	MU_CPUSTAT_FOREIGN,     /* dispatches of threads of other partitions than the owner, since it was set */
	MU_CPUSTAT_REQUESTS,    /* cross-CPU requests other CPUs posted to it */
	MU_CPUSTAT_IPIS,        /* inter-processor interrupts it took from other CPUs */
	MU_CPUSTAT_TLB_SERVED,  /* TLB flushes it did for another CPU's unmapping (ARMv6K; ARMv7 broadcasts) */
	MU_CPUSTAT_TLB_SENT,    /* TLB invalidations it sent to every CPU (broadcast or requests) */
	MU_CPUSTAT_IRQOFF_MAX,  /* its longest path in the kernel (interrupts off), ns of the board clock */
	MU_CPUSTAT_IRQOFF_OP,   /* what that was: MU_LAT_OP */
	MU_CPUSTAT_LOCK_MAX,    /* its longest hold of the kernel's object lock, ns */
	MU_CPUSTAT_LOCK_OP,     /* what that was: MU_LAT_OP */
	MU_CPUSTAT_END
};
#define MU_SCHED_INFO_RESET 0x80000000u
/* An operation of the latency figures: kind, object type (MU_OBJ_*, 0: none) and label (a
 * kernel object's operation; for IPC the flags; for an interrupt its ID). */
#define MU_LAT_OP(kind, obj, label) ((uint32_t)(kind) << 24 | (uint32_t)(obj) << 16 | ((label) & 0xffffu))
enum { MU_LAT_SYSCALL = 1, MU_LAT_IRQ, MU_LAT_FAULT, MU_LAT_REQUEST, MU_LAT_IDLE };
#define MU_CPUSET(offset, gran) (((uint32_t)(gran) << 24) | ((offset) & 0xffffffu))

#define MU_IRQ_TIMER 1020u   /* the IRQ object of a periodic CPU timer (MU_FACTORY_CREATE) */
#define MU_IRQ_CONSOLE 1021u /* the IRQ object told when console input arrives (one; unmask, then read) */

/* Object types for MU_FACTORY_CREATE; the console and the Scheduler exist once and are not made
 * (their numbers serve the operations table, muon/ops.h). */
enum { MU_OBJ_TASK = 1, MU_OBJ_THREAD = 2, MU_OBJ_GATE = 3, MU_OBJ_IRQ = 4, MU_OBJ_FACTORY = 5,
       MU_OBJ_CONSOLE = 6, MU_OBJ_SCHED = 7 };
/*   task:    -
 *   thread:  mr[2] = task cap, mr[3] = UTCB address in that task
 *   gate:    mr[2] = thread cap to bind (or 0), mr[3] = label
 *   irq:     mr[2] = interrupt number (a shared peripheral interrupt), or MU_IRQ_TIMER with
 *            mr[3] = a period in us (100..1000000): the timer of the CPU that first unmasks it
 *            fires it every period (one per CPU, else MU_EBUSY on that unmask). Like a device
 *            it masks itself when it fires; periods that pass masked are counted and the
 *            next notification says how many (mr[1]). MU_IRQ_TRIGGER does not apply.
 *   factory: mr[2] = quota in bytes (taken from this factory's), mr[3] = the partition its
 *            objects belong to (1..255; 0 or a factory of a partition already: the same as this
 *            one's): threads made through it count as that partition's (MU_CPUSTAT_FOREIGN) */

/* Labels of messages the kernel sends on a thread's behalf. */
enum {
	MU_LABEL_PAGEFAULT = 0xfff0,  /* mr[0] = address, mr[1] = pc, mr[2] = 1 if write */
	MU_LABEL_EXCEPTION = 0xfff1,  /* mr[0..16] = r0..r12, sp, lr, pc, cpsr; mr[17] = kind */
	MU_LABEL_IRQ = 0xfff2,        /* notification: mr[0] = interrupt number; MU_IRQ_TIMER: mr[1] = periods
	                                 missed, mr[2] = how many of these mr[1] + 1 periods fell due while
	                                 nothing on the CPU stood in their way (it slept in WFI, or ran the
	                                 bound thread or a lower-priority one), 0 if the one notified had
	                                 something in its way: late only because the hardware (an
	                                 emulator's host) did not run the CPU in time, or the bound
	                                 thread's own work */
	MU_LABEL_EXIT = 0xfff3,       /* a task tells its parent (MU_CAP_PARENT) it ends: mr[0] = status */
};
/* Exception reply: label 0 resumes with mr[0..16] as the registers; MU_EXC_KILL kills. */
#define MU_EXC_KILL 1u

#define MU_CONSOLE_MAX 200
#define MU_CONSOLE_LOST 51   /* 1 + MU_CONSOLE_MAX / 4 */

#endif
