/*
 * modem-stack in mode `pipeline`: the TTI-paced protocol stack on the
 * target (docs/modem.md, "On the target").
 *
 * Threads, all on the modem's CPU (its scheduler instance pins them):
 *   service  the first thread, the one init starts: builds the rest, then
 *            serves `control` (MODEM_STATS, RESET, CALL, LOAD)      prio p
 *   data     serves `data` (its gate rebound to it): DATA_KICK, and
 *            DATA_WAIT answered when the downlink ring has packets p + 1
 *   stage 1  UL PDCP + UL RLC (takes packets off the uplink ring)   p + 3
 *   stage 2  UL MAC + UL PHY (onto the loopback air)                p + 3
 *   stage 3  DL PHY + DL MAC                                        p + 3
 *   stage 4  DL RLC + DL PDCP (puts packets on the downlink ring)   p + 3
 *   TTI      bound to the 1 ms timer IRQ object: each notification
 *            is a TTI; it calls the four stage threads in turn and
 *            checks they all finished before the next tick          p + 5
 * (p: the program's priority in its band, from the environment.)
 *
 * The stages hand their buffers on in memory of this task (struct
 * pl_pipeline): the TTI thread's call to stage k + 1 happens after stage k
 * replied, so each buffer has one owner at a time and the IPC orders the
 * accesses. Counters shared between threads have one writer each.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <muon/mark.h>
#include <muon/modem.h>
#include <muon/trace.h>
#include "jitter.h"
#include "pipeline.h"
#include "ring.h"
#include "target.h"

/* Our capability slots (the environment's grants and services take 8..27 at most). */
enum {
	S_TTI = 40,             /* the TTI thread */
	S_STAGE = 41,           /* the stage threads, 41..44 */
	S_DATA = 45,            /* the data thread */
	G_STAGE = 48,           /* the stage threads' gates, 48..51: the TTI thread calls them */
	G_START = 52,           /* the TTI thread's: go */
	G_SIGNAL = 53,          /* the data thread's: the downlink ring has packets */
	G_SLEEP = 54,           /* the service thread's: nobody sends through it (a closed wait = a sleep) */
};
enum { L_TIMER = 0x7100, L_STAGE = 0x7110, L_START = 0x7120, L_SIGNAL = 0x7130, L_SLEEP = 0x7140 };
enum { M_RUN = 1, M_GO = 2, M_SIGNAL = 3 };   /* message labels inside the task */

#define NSTAGE 4
#define TTI_NS 1000000u
#define UTCB_BASE 0x7ffe0000u   /* our k-th new thread's UTCB: UTCB_BASE - k pages (init's is 0x7fff0000) */
#define STACK_WORDS 2048u       /* 16 KiB per thread */
#define REPORT_AFTER 10u        /* TTIs run before the pipeline reports itself up */
#define TRACE_EVERY 10u         /* a MODEM_TTI trace event every 10th TTI */
#define STAGE_EVERY 16u         /* each stage timed on every 16th TTI (a clock read costs a system call) */
#define STAGE_TRACE_EVERY 128u  /* and recorded as MODEM_STAGE events on every 128th */
#define DL_QUEUE 32u            /* downlink packets waiting for room in the ring */
#define TIMER_QUIET_US 50000u   /* the TTI thread unmasks again after 50 ms without a tick */
#define CONNECT_TTIS 200u       /* MODEM_CALL: dialling becomes connected after 200 ms */
#define SELF_SEED 0x6d6f646du   /* the self-check traffic on bearer 1 (pl_sdu_make) */
#define MAX_WORK 64u
#define SHARE_PERCENT 20u       /* at start, the work factor is chosen so a TTI's stages take at most this much of it */
#define CALIBRATE_RUNS 15u      /* TTIs timed per work factor tried: the median counts */

static uint64_t stacks[6][STACK_WORDS];

/* ---- the pipeline: states and hand-off buffers (pipeline.h); pl.cfg is the current TTI's */
static struct pl_pipeline pl;
static struct pl_batch ul_in, dl_out;   /* the uplink's SDUs for this TTI, what the downlink delivered */
static _Atomic uint32_t work_req = MODEM_WORK_DEFAULT;   /* MODEM_LOAD asks, the TTI thread applies */
static uint32_t work_now;
static uint32_t work_cost;   /* what a TTI's stages took at start at work_now (ns, median), see calibrate() */
static uint32_t timer_slot, trace_slot;

/*
 * The work factor w: the transport block is 8 w bytes (at least 16, so
 * 16..512), sent once (no repetitions) without the convolutional code: CRC,
 * interleaving, scrambling and soft combining over every coded bit, so the
 * PHY's work per TTI grows linearly with w, and MAC, RLC and PDCP carry what
 * the bigger block lets through. The Viterbi decoder, 520 instructions per
 * bit, would not leave a TTI's work a small part of the TTI under QEMU.
 * docs/modem.md has the costs.
 */
static void work_cfg(uint32_t w, struct pl_cfg *cfg)
{
	cfg->tb_bytes = 8u * w < PL_MIN_TB ? PL_MIN_TB : 8u * w;
	cfg->phy_reps = 1;
	cfg->phy_fec = PHY_FEC_NONE;
}

/* ---- the data path's rings (MODEM_RING_* in muon/modem.h) */
static bool have_ring;
static uint8_t *ring_base;
static uint32_t ring_half, ring_slots;
static struct ring ul_ring, dl_ring;     /* stage 1 consumes the uplink, stage 4 produces the downlink */

struct dl_pkt { uint32_t len; uint8_t data[MODEM_RING_SLOT_BYTES]; };
static struct dl_pkt dl_q[DL_QUEUE];    /* stage 4's, for a downlink ring that is full */
static uint32_t dl_head, dl_n;

/* Counters, each with one writer (named). */
static struct {
	uint32_t ring_resets[2];                           /* stage 1 the uplink's, stage 4 the downlink's */
	uint32_t ul_packets;                               /* stage 1 */
	uint32_t self_sent;                                /* stage 1 */
	uint32_t dl_packets, dl_drops;                     /* stage 4 */
	uint32_t self_ok, self_bad, self_lost;             /* stage 4: intact, damaged, missing in sequence */
	uint32_t self_next;                                /* stage 4: the self-check SDU expected next */
	uint32_t stage_errors, unmask_retries, shed;       /* TTI thread */
	uint32_t kicks;                                    /* data thread */
	uint32_t dials;                                    /* service thread: MODEM_CALL dials accepted */
} cnt;

/* ---- the TTI thread's figures: written by it alone, read by the service thread */
struct tti_stats {
	uint32_t ttis, misses, longest_ns, timer_missed;
	uint32_t stalls;             /* late TTIs and passed periods the guest is not to blame for: tti_record() */
	uint32_t stage_samples;      /* TTIs with their stages timed */
	uint64_t stage_ns[NSTAGE];   /* summed over those, for the means */
	struct jitter_hist jit;
};
static struct tti_stats st;
static _Atomic uint32_t reset_req, reset_done;    /* MODEM_RESET: asked by the service thread, done by the TTI thread */
static _Atomic uint32_t tti_seq;                  /* TTI number, never reset */
static _Atomic uint32_t tti_state;                /* 0 not started, 1 running, else 2 + the unmask error */
static _Atomic uint32_t tti_cpu = ~0u;

static void trace(uint32_t event, uint32_t a, uint32_t b)
{
	if (!trace_slot)
		return;
	mr()[0] = event; mr()[1] = a; mr()[2] = b;
	mu_invoke(trace_slot, MU_TAG(MU_CONSOLE_TRACE, 3), 0);
}

/* ---- rings */

static int ring_setup(unsigned which)
{
	struct ring *r = which ? &dl_ring : &ul_ring;
	void *mem = ring_base + which * ring_half;
	int e = ring_format(mem, ring_half, ring_slots, MODEM_RING_SLOT_BYTES);
	return e ? e : ring_attach(r, mem, ring_half, ring_slots, MODEM_RING_SLOT_BYTES, which ? RING_PRODUCER : RING_CONSUMER);
}

/* The peer broke the ring (an impossible index or length): start it over, empty. */
static void ring_restart(unsigned which)
{
	cnt.ring_resets[which]++;
	(void)ring_setup(which);
}

/* Packets in the downlink ring the app has not taken yet (the data thread asks; 0 without a ring). */
static uint32_t dl_waiting(void)
{
	if (!have_ring)
		return 0;
	uint32_t n = atomic_load_explicit(&dl_ring.sh->head, memory_order_acquire) -
		     atomic_load_explicit(&dl_ring.sh->tail, memory_order_acquire);
	return n > ring_slots ? ring_slots : n;   /* an impossible tail: let the app look */
}

/* ---- the stages: each thread runs two of the eight (pipeline.h) */

/* Uplink SDUs for this TTI: packets from the app's ring (bearer 0), a self-check SDU (bearer 1). */
static void uplink_collect(uint32_t tti)
{
	pl_batch_clear(&ul_in, tti);
	/*
	 * A packet comes off the ring only when the bearer's RLC queue is about
	 * to run dry, one a TTI at most: the air carries a transport block a
	 * TTI anyway, and PDCP's work (80 instructions a byte) then comes a
	 * packet at a time rather than a ring at a time. Nothing is taken while
	 * the app leaves the downlink full.
	 */
	if (have_ring && dl_n <= DL_QUEUE / 4 && rlc_tx_bo(&pl.ul_rlc.tx[0]) < pl.cfg.tb_bytes) {
		int n = ring_pop(&ul_ring, pl_batch_tail(&ul_in), pl_batch_room(&ul_in));
		if (n > 0) {
			pl_batch_commit(&ul_in, 0, (size_t)n);
			cnt.ul_packets++;
		} else if (n != RING_E_EMPTY) {
			ring_restart(0);   /* RING_E_SPACE cannot be: the batch is empty, larger than a slot */
		}
	}
	if (rlc_tx_queued(&pl.ul_rlc.tx[1]) < 2) {
		size_t hi = pl.cfg.tb_bytes / 4 > 16 ? pl.cfg.tb_bytes / 4 : 16;
		size_t len = pl_sdu_len(SELF_SEED, 1, cnt.self_sent, 16, hi);
		if (len <= pl_batch_room(&ul_in)) {
			pl_sdu_make(SELF_SEED, 1, cnt.self_sent, len, pl_batch_tail(&ul_in));
			pl_batch_commit(&ul_in, 1, len);
			cnt.self_sent++;
		}
	}
}

/* Downlink packets into the ring, oldest first, while it has room; the data thread hears of them. */
static void downlink_flush(void)
{
	bool pushed = false;
	while (dl_n) {
		struct dl_pkt *p = &dl_q[dl_head];
		int e = ring_push(&dl_ring, p->data, p->len);
		if (e == RING_E_FULL)
			break;
		if (e == RING_OK) {
			cnt.dl_packets++;
			pushed = true;
		} else if (e == RING_E_ARG) {
			cnt.dl_drops++;          /* cannot be: it came through the uplink ring */
		} else {
			ring_restart(1);
			break;
		}
		dl_head = (dl_head + 1) % DL_QUEUE;
		dl_n--;
	}
	if (pushed)   /* zero timeout: if the data thread is not waiting it finds them when it looks */
		mu_ipc(G_SIGNAL, MU_TAG(M_SIGNAL, 0), MU_SEND, MU_TIMEOUT_ZERO, 0, 0);
}

static void downlink_deliver(void)
{
	for (unsigned i = 0; i < pl_batch_count(&dl_out); i++) {
		unsigned bearer;
		size_t len;
		const uint8_t *p = pl_batch_get(&dl_out, i, pl.cfg.n_bearers, &bearer, &len);
		uint32_t seq;
		if (!p)
			continue;
		if (bearer == 1) {
			unsigned b;
			if (pl_sdu_check(SELF_SEED, p, len, &b, &seq) != 0 || b != 1) {
				cnt.self_bad++;
				continue;
			}
			cnt.self_ok++;
			if (seq - cnt.self_next < 0x80000000u)   /* RLC gives up a hole after t_reassembly */
				cnt.self_lost += seq - cnt.self_next;
			cnt.self_next = seq + 1;
		} else if (!have_ring || dl_n == DL_QUEUE || len > MODEM_RING_SLOT_BYTES - RING_LEN_BYTES) {
			cnt.dl_drops++;
		} else {
			struct dl_pkt *q = &dl_q[(dl_head + dl_n++) % DL_QUEUE];
			q->len = (uint32_t)len;
			memcpy(q->data, p, len);
		}
	}
	if (have_ring)
		downlink_flush();
}

static uint32_t stage_ul_pdcp_rlc(uint32_t tti)
{
	uplink_collect(tti);
	(void)pl_ul_pdcp(&pl.ul_pdcp, &pl.cfg, &ul_in, &pl.ul_pdcp_out);
	int n = pl_ul_rlc(&pl.ul_rlc, &pl.cfg, &pl.ul_pdcp_out, &pl.ul_rlc_out);
	return n < 0 ? 0 : (uint32_t)n;
}

static uint32_t stage_ul_mac_phy(uint32_t tti)
{
	(void)tti;
	(void)pl_ul_mac(&pl.ul_mac, &pl.cfg, &pl.ul_rlc_out, &pl.ul_tb);
	int n = pl_ul_phy(&pl.ul_phy, &pl.cfg, &pl.ul_tb, &pl.air);
	return n < 0 ? 0 : (uint32_t)n;
}

static uint32_t stage_dl_phy_mac(uint32_t tti)
{
	(void)tti;
	(void)pl_dl_phy(&pl.dl_phy, &pl.cfg, &pl.air, &pl.dl_tb);
	int n = pl_dl_mac(&pl.dl_mac, &pl.cfg, &pl.dl_tb, &pl.dl_mac_out);
	return n < 0 ? 0 : (uint32_t)n;
}

static uint32_t stage_dl_rlc_pdcp(uint32_t tti)
{
	(void)tti;
	(void)pl_dl_rlc(&pl.dl_rlc, &pl.cfg, &pl.dl_mac_out, &pl.dl_rlc_out);
	int n = pl_dl_pdcp(&pl.dl_pdcp, &pl.cfg, &pl.dl_rlc_out, &dl_out);
	downlink_deliver();
	return n < 0 ? 0 : (uint32_t)n;
}

static uint32_t (*const stage_fn[NSTAGE])(uint32_t) = {
	stage_ul_pdcp_rlc, stage_ul_mac_phy, stage_dl_phy_mac, stage_dl_rlc_pdcp,
};
static const char *const stage_name[NSTAGE] = { "ul_pdcp_rlc", "ul_mac_phy", "dl_phy_mac", "dl_rlc_pdcp" };

/* A stage thread: answers the TTI thread's calls, M_RUN with the TTI in mr[0]. */
static void stage_thread(uint32_t k)
{
	uint32_t tag, label, rtag = 0;
	bool reply = false;
	for (;;) {
		int err = next_message(reply, rtag, MU_TIMEOUT_NEVER, &tag, &label);
		reply = err == MU_OK;
		if (!reply)
			continue;
		if (label != L_STAGE + k || MU_TAG_LABEL(tag) != M_RUN || MU_TAG_WORDS(tag) < 1) {
			rtag = MU_TAG(MU_ENOSYS, 0);
			continue;
		}
		mr()[0] = stage_fn[k](mr()[0]);
		rtag = MU_TAG(MU_OK, 1);
	}
}

/* ---- the TTI thread */

static void apply_work(void)
{
	uint32_t w = atomic_load_explicit(&work_req, memory_order_relaxed);
	if (w == work_now || w < 1 || w > MAX_WORK)
		return;
	work_cfg(w, &pl.cfg);
	work_now = w;
}

/*
 * The figures of TTI `tti`, due at `ideal`: it woke at `woke` and its stages
 * ended at `end` (ran), or it was shed (!ran). `skipped` periods before it
 * passed without a TTI, `host_skipped` of them through the host's fault;
 * `host`: if this one is late, the host is to blame (tti_run says when).
 * Returns whether it was late.
 */
static bool tti_record(uint32_t tti, uint64_t woke, uint64_t ideal, uint32_t skipped, uint32_t host_skipped, bool host,
		       const uint32_t *dur, uint64_t end, bool timed, bool ran)
{
	uint32_t want = atomic_load_explicit(&reset_req, memory_order_acquire);
	if (atomic_load_explicit(&reset_done, memory_order_relaxed) != want) {
		MU_MARK(MU_MARK_WINDOW);   /* first: the instruction after a mark at the block's end is shared */
		memset(&st, 0, sizeof(st));
		atomic_store_explicit(&reset_done, want, memory_order_release);
	}
	uint64_t late = woke > ideal ? woke - ideal : 0, deadline = ideal + TTI_NS;
	uint32_t jitter = late > 0xffffffffu ? 0xffffffffu : (uint32_t)late;
	uint64_t took = end - woke;
	st.ttis += ran;
	jh_add(&st.jit, jitter);
	if (took > st.longest_ns)
		st.longest_ns = took > 0xffffffffu ? 0xffffffffu : (uint32_t)took;
	if (timed) {
		st.stage_samples++;
		for (unsigned k = 0; k < NSTAGE; k++)
			st.stage_ns[k] += dur[k];
	}
	if (skipped) {   /* periods that passed with no TTI run: each a miss or a stall */
		st.misses += skipped - host_skipped;
		st.stalls += host_skipped;
		st.timer_missed += skipped;
		trace(MU_TRACE_MODEM_MISS, tti, jitter);
	}
	bool missed = !ran || end > deadline;   /* a shed TTI started after its deadline */
	if (missed) {
		if (host)
			st.stalls++;
		else
			st.misses++;
		uint64_t over = end > deadline ? end - deadline : 0;
		trace(MU_TRACE_MODEM_MISS, tti, over > 0xffffffffu ? 0xffffffffu : (uint32_t)over);
	}
	if (tti % TRACE_EVERY == 0)
		trace(MU_TRACE_MODEM_TTI, tti, jitter);
	if (timed && tti % STAGE_TRACE_EVERY == 0)
		for (unsigned k = 0; k < NSTAGE; k++)
			trace(MU_TRACE_MODEM_STAGE, k + 1, dur[k]);
	return missed;
}

static uint64_t last_end;   /* the TTI thread's: when the last TTI it ran ended */
static bool last_stalled;   /* the TTI thread's: the last TTI was late through the host's fault */

/*
 * One TTI: the four stage threads in turn, each a call (its time includes
 * the call and the reply). `slept`: of the `skipped` periods before it and
 * this one, how many fell due while nothing on the CPU stood in their way
 * (the kernel's mr[2]: it slept in WFI, or ran this thread or one this
 * thread outranks; 0 if this one had something in its way).
 *
 * Whose fault a late TTI is. This thread outranks everything on its CPU:
 * the timer's interrupt preempts whatever runs there at once, and a kernel
 * path that runs then is bounded (docs/smp.md). So when nothing stood in a
 * TTI's way and our own last TTI had ended when it fell due, however late
 * it ends, the hardware made it so (under an emulator, its host did not run
 * the vCPU), and it counts as a host stall, not a miss. So does lateness
 * inherited from such a TTI, one still running when this one fell due.
 * Every other late TTI is a miss: a thread at or above our priority ran on
 * our CPU when it fell due, or our own last TTI still did. (Should the host
 * also have been to blame then, the guest is still charged: a miss is never
 * hidden.)
 */
static void tti_run(uint64_t woke, uint64_t ideal, uint32_t skipped, uint32_t slept)
{
	uint32_t tti = atomic_load_explicit(&tti_seq, memory_order_relaxed) + 1, dur[NSTAGE] = { 0 }, rtag;
	bool timed = tti % STAGE_EVERY == 0;
	uint64_t t = woke;
	uint64_t first_due = ideal - (uint64_t)skipped * TTI_NS;
	bool inherited = last_stalled && last_end > first_due;
	if (last_end > first_due && !inherited)
		slept = 0;   /* our own last TTI was still running: ours, however the rest went */
	bool host = slept > 0 || inherited;
	uint32_t host_skipped = inherited || slept > skipped ? skipped : slept ? slept - 1 : 0;
	if (woke >= ideal + TTI_NS && last_end > ideal) {
		/*
		 * Our own work overran into this TTI and we start it only after its
		 * deadline: it could only end later still, and TTIs run back to back
		 * would leave the CPU to nobody below the modem, init included. A
		 * miss either way; shed it. (Late for other reasons, the emulator's
		 * host not running us, say, it runs: late data beats no data.)
		 */
		cnt.shed++;
		last_stalled = tti_record(tti, woke, ideal, skipped, host_skipped, host, dur, woke, false, false) && host;
		MU_MARK(MU_MARK_TTI_SHED);   /* for ci/bench's per-CPU count (tools/ttiprof.py): this TTI is over */
		atomic_store_explicit(&tti_seq, tti, memory_order_release);
		return;
	}
	apply_work();
	for (unsigned k = 0; k < NSTAGE; k++) {
		mr()[0] = tti;
		if (mu_ipc(G_STAGE + k, MU_TAG(M_RUN, 1), MU_SEND | MU_RECV, MU_TIMEOUT_NEVER, &rtag, 0) != MU_OK ||
		    MU_TAG_LABEL(rtag) != MU_OK)
			cnt.stage_errors++;
		if (timed || k == NSTAGE - 1) {
			uint64_t now = mu_clock_ns();
			dur[k] = (uint32_t)(now - t);
			t = now;
		}
	}
	last_end = t;
	last_stalled = tti_record(tti, woke, ideal, skipped, host_skipped, host, dur, t, timed, true) && host;
	MU_MARK(MU_MARK_TTI_END);
	atomic_store_explicit(&tti_seq, tti, memory_order_release);
}

static void tti_thread(uint32_t arg)
{
	uint32_t tag, label;
	(void)arg;
	/* Until the service thread says go: it has seen us on our CPU. */
	while (mu_ipc(G_START, 0, MU_RECV, MU_TIMEOUT_NEVER, &tag, &label) != MU_OK || MU_TAG_LABEL(tag) != M_GO)
		continue;
	if (mu_invoke(S_TTI, MU_TAG(MU_THREAD_INFO, 0), 0) == MU_OK)
		atomic_store(&tti_cpu, mr()[0]);
	/*
	 * The kernel starts the timer's grid at its own clock read in the first
	 * unmask, a little after ours: tick k is due at base + k ms, and the
	 * jitter we measure is at most that little (one system call) too high.
	 */
	uint64_t base = mu_clock_ns(), k = 0;
	int err = mu_rpc(timer_slot, MU_TAG(MU_IRQ_UNMASK, 0));
	atomic_store(&tti_state, err ? 2u + (uint32_t)err : 1u);
	while (err)   /* nothing to pace us: wait for good (the service thread reports it) */
		mu_ipc(G_START, 0, MU_RECV, MU_TIMEOUT_NEVER, 0, 0);
	for (;;) {
		int e = mu_wait(TIMER_QUIET_US, &tag, &label);
		if (e == MU_ETIMEDOUT) {   /* 50 periods without a notification: unmask again (it cannot hurt) */
			cnt.unmask_retries++;
			mu_rpc(timer_slot, MU_TAG(MU_IRQ_UNMASK, 0));
			continue;
		}
		if (e != MU_OK || label != L_TIMER || MU_TAG_LABEL(tag) != MU_LABEL_IRQ)
			continue;
		uint32_t skipped = mr()[1];   /* periods that passed while the object was masked */
		uint32_t slept = MU_TAG_WORDS(tag) >= 3 ? mr()[2] : 0;   /* of those and this one, fell due asleep */
		uint64_t woke = mu_clock_ns();
		mu_rpc(timer_slot, MU_TAG(MU_IRQ_UNMASK, 0));   /* at once: the next period is timed meanwhile */
		k += 1 + (uint64_t)skipped;
		tti_run(woke, base + k * TTI_NS, skipped, slept);
	}
}

/* ---- the data thread: `data` (its gate is rebound to this thread) */

static uint32_t data_wait(uint32_t ms)
{
	if (!have_ring)
		return MU_TAG(MU_ESTATE, 0);
	if (ms > 60000)
		ms = 60000;
	uint64_t end = mu_clock_ns() + ms * 1000000ull;
	for (;;) {
		uint32_t n = dl_waiting();
		uint64_t now = mu_clock_ns();
		if (n || now >= end) {
			mr()[0] = n;
			return MU_TAG(n ? MU_OK : MU_ETIMEDOUT, 1);
		}
		/* Only stage 4's signal wakes us early; a signal sent while we were not waiting is
		 * covered by looking again at least every 2 ms. */
		uint64_t left = (end - now) / 1000 + 1;
		mu_ipc(G_SIGNAL, 0, MU_RECV, left > 2000 ? 2000 : (uint32_t)left, 0, 0);
	}
}

static uint32_t data_label;

static void data_thread(uint32_t arg)
{
	uint32_t tag, label, rtag = 0;
	bool reply = false;
	(void)arg;
	for (;;) {
		int err = next_message(reply, rtag, MU_TIMEOUT_NEVER, &tag, &label);
		reply = err == MU_OK && label == data_label;   /* stale signals need no answer */
		if (!reply)
			continue;
		switch (MU_TAG_LABEL(tag)) {
		case MODEM_DATA_KICK:   /* a send: stage 1 looks at the ring every TTI anyway */
			cnt.kicks++;
			rtag = MU_TAG(MU_OK, 0);   /* answered only if it came as a call */
			break;
		case MODEM_DATA_WAIT:
			rtag = data_wait(MU_TAG_WORDS(tag) >= 1 ? mr()[0] : 0);
			break;
		default:
			rtag = MU_TAG(MU_ENOSYS, 0);
		}
	}
}

/* ---- the service thread: `control` */

static void sleep_us(uint32_t us) { mu_ipc(G_SLEEP, 0, MU_RECV, us, 0, 0); }

static uint32_t call_state, call_since;   /* MODEM_CALL: 0 idle, 1 dialling (since TTI call_since) */
static char call_number[17];

static uint32_t call_now(void)
{
	uint32_t tti = atomic_load_explicit(&tti_seq, memory_order_relaxed);
	if (call_state == 1 && tti - call_since >= CONNECT_TTIS)
		call_state = 2;
	return call_state;
}

static bool dial_number_ok(const char *p, size_t n)
{
	if (n < 1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '*' || p[i] == '#'))
			return false;
	return true;
}

static uint32_t op_call(uint32_t words)
{
	uint32_t op = words >= 1 ? mr()[0] : 0, err = MU_OK;
	if (op == 1) {
		char num[17] = { 0 };
		uint32_t have = words > 1 ? (words - 1 > 4 ? 4 : words - 1) : 0;
		memcpy(num, &mr()[1], have * 4);
		size_t n = bounded_len(num, 16);
		if (!dial_number_ok(num, n))
			err = MU_EINVAL;
		else if (call_now() != 0)
			err = MU_EBUSY;
		else {
			memcpy(call_number, num, sizeof(call_number));
			call_state = 1;
			cnt.dials++;
			call_since = atomic_load_explicit(&tti_seq, memory_order_relaxed);
		}
	} else if (op == 2) {
		call_state = 0;
		call_number[0] = 0;
	} else if (op != 3) {
		err = MU_EINVAL;
	}
	mr()[0] = call_now();
	return MU_TAG(err, 1);
}

static void reset_stats(void)
{
	uint32_t want = atomic_fetch_add(&reset_req, 1) + 1;
	if (atomic_load(&tti_state) != 1) {   /* no TTI thread running: nobody else writes them */
		memset(&st, 0, sizeof(st));
		atomic_store(&reset_done, want);
		return;
	}
	for (unsigned t = 0; t < 100 && atomic_load_explicit(&reset_done, memory_order_acquire) != want; t++)
		sleep_us(1000);   /* the TTI thread does it at its next TTI */
}

static const char *load_name(uint32_t load)
{
	static const char *const names[] = { "idle", "saturated", "powersave", "same_cpu_saturated" };
	return load < sizeof(names) / sizeof(names[0]) ? names[load] : "unknown";
}

static uint32_t op_stats(uint32_t words)
{
	static struct tti_stats s;
	bool print = words >= 1 && mr()[0] == 1;
	uint32_t load = words >= 2 ? mr()[1] : ~0u, cpus = words >= 3 ? mr()[2] : 0;
	memcpy(&s, &st, sizeof(s));   /* a copy: the TTI thread may update st meanwhile */
	uint32_t p50 = jh_quantile(&s.jit, 500), p99 = jh_quantile(&s.jit, 990), max = jh_quantile(&s.jit, 1000);
	uint32_t cpu = atomic_load(&tti_cpu);
	if (print) {
		uint32_t n = s.stage_samples ? s.stage_samples : 1;
		MU_MARK(MU_MARK_STATS);
		printf("MODEM load=%s ttis=%u misses=%u stalls=%u p50=%u p99=%u max=%u cpus_used=%u\n", load_name(load),
		       (unsigned)s.ttis, (unsigned)s.misses, (unsigned)s.stalls, (unsigned)p50, (unsigned)p99,
		       (unsigned)max, (unsigned)cpus);
		printf("MODEM stages");
		for (unsigned k = 0; k < NSTAGE; k++)
			printf(" %s=%u", stage_name[k], (unsigned)(s.stage_ns[k] / n));
		printf(" tti_max=%u work=%u tb=%u selfcheck_ok=%u selfcheck_bad=%u selfcheck_lost=%u\n",
		       (unsigned)s.longest_ns, (unsigned)work_now, (unsigned)pl.cfg.tb_bytes, (unsigned)cnt.self_ok,
		       (unsigned)cnt.self_bad, (unsigned)cnt.self_lost);
		printf("MODEM data ul_packets=%u dl_packets=%u dl_drops=%u ring_resets=%u kicks=%u dials=%u "
		       "stage_errors=%u unmask_retries=%u shed=%u\n", (unsigned)cnt.ul_packets, (unsigned)cnt.dl_packets,
		       (unsigned)cnt.dl_drops, (unsigned)(cnt.ring_resets[0] + cnt.ring_resets[1]), (unsigned)cnt.kicks,
		       (unsigned)cnt.dials, (unsigned)cnt.stage_errors, (unsigned)cnt.unmask_retries, (unsigned)cnt.shed);
	}
	mr()[0] = s.ttis; mr()[1] = s.misses; mr()[2] = p50; mr()[3] = p99; mr()[4] = max;
	mr()[5] = cpu; mr()[6] = s.longest_ns; mr()[7] = s.timer_missed;
	mr()[8] = s.stalls; mr()[9] = work_now; mr()[10] = work_cost; mr()[11] = SHARE_PERCENT;
	return MU_TAG(MU_OK, 12);
}

static uint32_t control(uint32_t tag)
{
	uint32_t words = MU_TAG_WORDS(tag);
	switch (MU_TAG_LABEL(tag)) {
	case MODEM_STATS:
		return op_stats(words);
	case MODEM_RESET:
		reset_stats();
		return MU_TAG(MU_OK, 0);
	case MODEM_CALL:
		return op_call(words);
	case MODEM_LOAD: {
		uint32_t w = words >= 1 ? mr()[0] : 0;
		if (w < 1 || w > MAX_WORK)
			return MU_TAG(MU_EINVAL, 0);
		mr()[0] = atomic_exchange(&work_req, w);
		return MU_TAG(MU_OK, 1);
	}
	default:
		return MU_TAG(MU_ENOSYS, 0);
	}
}

/* ---- start */

/*
 * What a TTI's stages cost here at work factor w: the four stage pairs run
 * once untimed (under an emulator that translates the code), then
 * CALIBRATE_RUNS times, each TTI timed whole, without the threads and IPC
 * around them (the service thread, before any of them runs). Returns the
 * median in ns: a TTI the host interrupted does not count. The caller
 * starts the pipeline afresh afterwards.
 */
static uint32_t calibrate(uint32_t w)
{
	uint32_t ns[CALIBRATE_RUNS];
	work_cfg(w, &pl.cfg);
	for (unsigned k = 0; k < NSTAGE; k++)
		stage_fn[k](0);
	for (unsigned i = 0; i < CALIBRATE_RUNS; i++) {
		uint64_t t0 = mu_clock_ns();
		for (unsigned k = 0; k < NSTAGE; k++)
			stage_fn[k](i + 1);
		uint64_t d = mu_clock_ns() - t0;
		uint32_t v = d > 0xffffffffu ? 0xffffffffu : (uint32_t)d, j = i;
		for (; j > 0 && ns[j - 1] > v; j--)   /* insertion: ns[0..i] stays sorted */
			ns[j] = ns[j - 1];
		ns[j] = v;
	}
	return ns[CALIBRATE_RUNS / 2];
}

/*
 * The work factor for this machine: the default, or less until a TTI's
 * stages take at most SHARE_PERCENT of the TTI. On hardware (or under
 * -icount shift=0, where the default is 52,000 instructions, 5 %) that is
 * the default; an emulator translating every instruction may need less, so
 * that the TTI keeps room for the host's delays. Sets work_now, work_cost.
 */
static void choose_work(void)
{
	for (work_now = MODEM_WORK_DEFAULT;; work_now--) {
		work_cost = calibrate(work_now);
		if (work_now == 1 || work_cost <= TTI_NS / 100u * SHARE_PERCENT)
			break;
	}
	atomic_store(&work_req, work_now);
}

static uint32_t cpu_of(uint32_t thread)
{
	return mu_invoke(thread, MU_TAG(MU_THREAD_INFO, 0), 0) == MU_OK ? mr()[0] : ~0u;
}

/* Threads and gates; NULL or what failed (err set). */
static const char *build(const struct mu_env *env, const struct mu_env_entry *data, int *err)
{
	static const uint32_t slots[6] = { S_STAGE, S_STAGE + 1, S_STAGE + 2, S_STAGE + 3, S_DATA, S_TTI };
	static const int prio[6] = { 3, 3, 3, 3, 1, 5 };
	void (*const fn[6])(uint32_t) = { stage_thread, stage_thread, stage_thread, stage_thread, data_thread,
					  tti_thread };
	for (unsigned k = 0; k < 6; k++) {   /* threads first, not yet started: gates bind to them */
		if ((*err = mu_create(MU_OBJ_THREAD, slots[k], MU_CAP_TASK, UTCB_BASE - k * 4096u)) != MU_OK)
			return "no thread";
	}
	for (unsigned k = 0; k < NSTAGE; k++)
		if ((*err = mu_create(MU_OBJ_GATE, G_STAGE + k, S_STAGE + k, L_STAGE + k)) != MU_OK)
			return "no gate";
	if ((*err = mu_create(MU_OBJ_GATE, G_START, S_TTI, L_START)) ||
	    (*err = mu_create(MU_OBJ_GATE, G_SIGNAL, S_DATA, L_SIGNAL)) ||
	    (*err = mu_create(MU_OBJ_GATE, G_SLEEP, MU_CAP_THREAD, L_SLEEP)))
		return "no gate";
	if ((*err = mu_bind(timer_slot, MU_IRQ_BIND, S_TTI, L_TIMER)) != MU_OK)
		return "the timer would not bind";
	if (data && (*err = mu_bind(data->slot, MU_GATE_BIND, S_DATA, data->label)) != MU_OK)
		return "the data gate would not bind";
	for (unsigned k = 0; k < 6; k++)
		if ((*err = spawn(slots[k], fn[k], stacks[k] + STACK_WORDS, k < NSTAGE ? k : 0, env->priority + prio[k])))
			return "a thread would not start";
	return NULL;
}

/* Up to 2 s for the TTI thread to run where we run, start the timer, and run its first TTIs. */
static const char *start_tti(char *why, size_t size)
{
	uint32_t here = cpu_of(MU_CAP_THREAD);
	for (unsigned t = 0; t < 100 && cpu_of(S_TTI) != here; t++)
		sleep_us(1000);
	mu_ipc(G_START, MU_TAG(M_GO, 0), MU_SEND, MU_TIMEOUT_NEVER, 0, 0);
	for (unsigned t = 0; t < 2000; t++) {
		uint32_t s = atomic_load(&tti_state);
		if (s > 1) {
			snprintf(why, size, "modem: the TTI timer would not start (error %u)", (unsigned)(s - 2));
			return why;
		}
		if (s == 1 && atomic_load(&tti_seq) >= REPORT_AFTER)
			return NULL;
		sleep_us(1000);
	}
	snprintf(why, size, "modem: no TTI within 2 s of starting the timer");
	return why;
}

void pipeline_main(const struct mu_env *env)
{
	static char text[104];
	const struct mu_env_entry *tti = env_find(env, "tti", MU_ENV_CAP), *tr = env_find(env, "trace", MU_ENV_CAP),
				  *reg = env_find(env, "data-ring", MU_ENV_SHARED),
				  *ctl = env_find(env, "control", MU_ENV_SERVE), *data = env_find(env, "data", MU_ENV_SERVE);
	struct pl_cfg cfg;
	int err = 0;
	const char *why = NULL;
	trace_slot = tr ? tr->slot : 0;
	pl_cfg_default(&cfg);
	work_now = MODEM_WORK_DEFAULT;
	work_cfg(work_now, &cfg);
	if (!tti)
		why = "modem: no timer granted as 'tti'";
	else if (pl_init(&pl, &cfg) != PL_OK)
		why = "modem: the pipeline's configuration is invalid";
	if (!why) {   /* the work this machine leaves room for; then the pipeline starts afresh */
		choose_work();
		memset(&cnt, 0, sizeof(cnt));
		work_cfg(work_now, &cfg);
		(void)pl_init(&pl, &cfg);
	}
	if (!why && reg && (ring_slots = modem_ring_slots(reg->size)) > 0) {
		ring_base = (uint8_t *)reg->addr;
		ring_half = reg->size / 2;
		have_ring = ring_setup(0) == RING_OK && ring_setup(1) == RING_OK;
	}
	if (!why) {
		timer_slot = tti->slot;
		data_label = data ? data->label : ~0u;
		why = build(env, data, &err);
		if (why) {
			snprintf(text, sizeof(text), "modem: %s (error %d)", why, err);
			why = text;
		}
	}
	if (!why)
		why = start_tti(text, sizeof(text));
	if (why)
		park(1, why);
	snprintf(text, sizeof(text), "modem: pipeline up on cpu %u, work factor %u (%u us of a 1 ms TTI, %u%% at most), data ring %s",
		 (unsigned)atomic_load(&tti_cpu), (unsigned)work_now, (unsigned)(work_cost / 1000), SHARE_PERCENT,
		 have_ring ? "ok" : "missing");
	bool reported = report(0, st.ttis, st.misses, text, 20000) != MU_ETIMEDOUT, reply = false;
	uint32_t rtag = 0, tag, label, ctl_label = ctl ? ctl->label : ~0u;
	for (;;) {
		int e = next_message(reply, rtag, reported ? MU_TIMEOUT_NEVER : 100000, &tag, &label);
		reply = e == MU_OK;
		if (reply)
			rtag = label == ctl_label ? control(tag) : MU_TAG(MU_ENOSYS, 0);
		if (reported)
			continue;
		/* init may have been calling us while we called it: its send waited behind ours. Again. */
		if (reply)
			mu_ipc(0, rtag, MU_REPLY, 0, 0, 0);
		reply = false;
		reported = report(0, st.ttis, st.misses, text, 20000) != MU_ETIMEDOUT;
	}
}
