/*
 * prodcons: a producer (thread 0) and a consumer (thread 1) exchanging
 * items over IPC, through a gate bound to the consumer; the instance's
 * `together` group keeps them on one CPU. An item is PC_WORDS words: a
 * sequence number, payload computed from it, a checksum. The consumer
 * checks each and answers with how many it has taken; the producer checks
 * that count. Items go in bursts of PC_BURST, then the producer rests
 * PC_REST_MS, so programs of lower priority on the CPU progress too.
 */
#include <stdio.h>
#include "appos.h"

#define PC_ITEM 0x5043u    /* the item's label */
#define PC_BAD 0x5044u     /* the consumer's answer to a damaged item */
#define PC_GATE_LABEL 0x50u
#define PC_WORDS 8u
#define PC_BURST 32u
#define PC_REST_MS 5u
#define PC_TIMEOUT_US 1000000u

static uint32_t gate;
static volatile uint32_t consumed, damaged, out_of_order;

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

static void consumer(uint32_t idx)
{
	(void)idx;
	uint32_t tag = 0, label = 0, expect = 0;
	int err = mu_wait(MU_TIMEOUT_NEVER, &tag, &label);
	for (;;) {
		if (err != MU_OK) {
			err = mu_wait(MU_TIMEOUT_NEVER, &tag, &label);
			continue;
		}
		uint32_t result = MU_OK;
		if (label != PC_GATE_LABEL || MU_TAG_LABEL(tag) != PC_ITEM || MU_TAG_WORDS(tag) != PC_WORDS) {
			result = MU_ENOSYS;
		} else if (!item_ok(mr())) {
			damaged++;
			result = PC_BAD;
		} else {
			if (mr()[0] != expect)
				out_of_order++;
			expect = mr()[0] + 1;
			consumed++;
		}
		mr()[0] = consumed;
		err = mu_reply_wait(MU_TAG(result, 1), MU_TIMEOUT_NEVER, &tag, &label);
	}
}

/* Send item seq: 0, an IPC error, or the consumer's refusal (its label). *count gets its count. */
static int produce(uint32_t seq, uint32_t *count)
{
	uint32_t rtag;
	make_item(seq, mr());
	int err = mu_ipc(gate, MU_TAG(PC_ITEM, PC_WORDS), MU_SEND | MU_RECV, PC_TIMEOUT_US, &rtag, 0);
	if (!err)
		err = (int)MU_TAG_LABEL(rtag);
	*count = mr()[0];
	return err;
}

void mode_prodcons(void)
{
	struct group g;
	unsigned n = group_start(&g, 2, consumer);
	int err = MU_OK;
	if (n == 2 && (gate = app_slot()) != 0)
		err = app_create(MU_OBJ_GATE, gate, app_thread_cap(1), PC_GATE_LABEL);
	if (n < 2 || !gate || err) {
		app_report(APP_ETHREAD, n, (uint32_t)err, "no consumer (%u threads, gate error %d)", n, err);
		for (;;)
			app_sleep_ms(60000);
	}
	group_report(&g, "threads (producer, consumer)");
	uint64_t next_progress = app_now_ns() + APP_PROGRESS_MS * 1000000ull;
	uint32_t produced = 0, failed = 0, miscounted = 0;
	bool failing = false;
	for (;;) {
		for (unsigned i = 0; i < PC_BURST; i++) {
			uint32_t count = 0;
			int e = produce(produced, &count);
			if (e) {
				failed++;
				if (!failing)
					app_report(e == PC_BAD ? APP_EWORK : APP_ESERVER, produced, (uint32_t)e,
						   "item %u not taken: %s %d", (unsigned)produced,
						   e == PC_BAD ? "consumer found it damaged," : "error", e);
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
				(unsigned)failed, cpus);
		}
		app_sleep_ms(PC_REST_MS);
	}
}
