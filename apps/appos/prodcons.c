/*
 * prodcons: a producer and its consumer exchanging items over IPC; the
 * instance's `together` group keeps them on one CPU. With more than two
 * threads it is a pipeline (decoder, mixer, output...): the producer is
 * thread 0, every other thread k is a stage with a gate bound to it, and
 * each stage hands the item on to the next with a call of its own before it
 * answers; the last stage is the consumer.
 *
 * An item is PC_WORDS words: a sequence number, payload computed from it
 * (the producer's work), an FNV-1a checksum. Every stage checks the whole
 * item; the consumer also checks the order and answers with how many items
 * it has taken, which comes back up the chain to the producer, who checks
 * it against its own count. Items go in bursts of PC_BURST, then the
 * producer rests PC_REST_MS, so programs of lower priority on the CPU
 * progress too.
 */
#include <stdio.h>
#include "appos.h"

#define PC_ITEM 0x5043u    /* the item's label */
#define PC_BAD 0x5044u     /* a stage's answer to a damaged item */
#define PC_GATE_LABEL 0x50u
#define PC_WORDS 8u
#define PC_BURST 32u
#define PC_REST_MS 5u

static unsigned nstages;                  /* threads: the producer and the stages */
static uint32_t gates[APP_MAX_THREADS];   /* gates[k]: bound to thread k (k >= 1) */
static volatile uint32_t consumed, damaged, out_of_order, lost_downstream;

/* Item seq: its words (mr layout), the payload stirred a little: the producer's work. */
static void make_item(uint32_t seq, uint32_t *w)
{
	uint32_t x = seq * 0x9e3779b9u + 1;
	w[0] = seq;
	for (unsigned i = 1; i < PC_WORDS - 1; i++) {
		for (unsigned k = 0; k < 16; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
		}
		w[i] = x;
	}
	w[PC_WORDS - 1] = fnv1a(w, (PC_WORDS - 1) * 4, FNV_SEED);
}

static bool item_ok(const uint32_t *w)
{
	uint32_t want[PC_WORDS];
	make_item(w[0], want);
	for (unsigned i = 0; i < PC_WORDS; i++)
		if (w[i] != want[i])
			return false;
	return true;
}

/* Call stage k with the item in our message registers: 0, an IPC error, or the stage's refusal.
 * mr[0] then holds the consumer's count. */
static int pass_on(unsigned k)
{
	uint32_t rtag;
	int err = mu_ipc(gates[k], MU_TAG(PC_ITEM, PC_WORDS), MU_SEND | MU_RECV, APP_SEND_TIMEOUT_US, &rtag, 0);
	return err ? err : (int)MU_TAG_LABEL(rtag);
}

/* Stage k: check, hand on (or consume, if last), answer upstream. */
static void stage(uint32_t k)
{
	uint32_t tag = 0, label = 0, expect = 0;
	int err = mu_wait(MU_TIMEOUT_NEVER, &tag, &label);
	for (;;) {
		if (err != MU_OK) {
			err = mu_wait(MU_TIMEOUT_NEVER, &tag, &label);
			continue;
		}
		int result = MU_OK;
		if (label != PC_GATE_LABEL + k || MU_TAG_LABEL(tag) != PC_ITEM || MU_TAG_WORDS(tag) != PC_WORDS) {
			result = MU_ENOSYS;
		} else if (!item_ok(mr())) {
			damaged++;
			result = PC_BAD;
		} else if (k + 1 < nstages) {
			result = pass_on(k + 1);   /* the item is still in our registers */
			if (result && result != PC_BAD)
				lost_downstream++;
		} else {
			if (mr()[0] != expect)
				out_of_order++;
			expect = mr()[0] + 1;
			consumed++;
		}
		mr()[0] = consumed;
		err = mu_reply_wait(MU_TAG((uint32_t)result, 1), MU_TIMEOUT_NEVER, &tag, &label);
	}
}

void mode_prodcons(void)
{
	struct group g;
	unsigned want = app_env->threads < 2 ? 2 : app_env->threads;
	nstages = group_start(&g, want, stage);
	int err = MU_OK;
	for (unsigned k = 1; k < nstages && !err; k++)
		err = (gates[k] = app_slot()) ? mu_create(MU_OBJ_GATE, gates[k], app_thread_cap(k), PC_GATE_LABEL + k)
					      : MU_ENOMEM;
	if (nstages < 2 || err) {
		app_report(APP_ETHREAD, nstages, (uint32_t)err, "no consumer (%u threads, gate error %d)", nstages, err);
		for (;;)
			app_sleep_ms(60000);
	}
	group_report(&g, nstages == 2 ? "threads (producer, consumer)" : "threads (producer, stages, consumer)");
	uint64_t next_progress = mu_clock_ns() + APP_PROGRESS_MS * 1000000ull;
	uint32_t produced = 0, failed = 0, miscounted = 0;
	bool failing = false;
	for (;;) {
		for (unsigned i = 0; i < PC_BURST; i++) {
			make_item(produced, mr());
			int e = pass_on(1);
			uint32_t count = mr()[0];
			if (e) {
				failed++;
				if (!failing && e == PC_BAD)
					app_report(APP_EWORK, produced, (uint32_t)e, "item %u not taken: a stage found it damaged",
						   (unsigned)produced);
				else if (!failing)
					app_report(APP_ESERVER, produced, (uint32_t)e, "item %u not taken: error %d",
						   (unsigned)produced, e);
				failing = true;
				app_sleep_ms(APP_RETRY_MS);
				break;
			}
			produced++;
			if (count != produced && !miscounted++)
				app_report(APP_EWORK, produced, count, "consumer counts %u items, producer %u",
					   (unsigned)count, (unsigned)produced);
			if (failing) {
				failing = false;
				app_report(APP_OK, produced, failed, "consumer takes items again");
			}
		}
		group_tend(&g);
		if (app_due(&next_progress, APP_PROGRESS_MS)) {
			char cpus[48];
			group_cpus(&g, cpus, sizeof(cpus));
			app_log("%u items produced, %u consumed, %u damaged, %u out of order, %u failed sends, %s",
				(unsigned)produced, (unsigned)consumed, (unsigned)damaged, (unsigned)out_of_order,
				(unsigned)(failed + lost_downstream), cpus);
		}
		app_sleep_ms(PC_REST_MS);
	}
}
