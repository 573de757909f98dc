/*
 * compute: a multithreaded job, placed by the instance's balance policy.
 * The job is an endless list of tasks (WORK_TASK_BLOCKS 16x16 integer
 * matrix products from a seed, work.c); every thread takes the next task
 * number from a shared counter. Results are deterministic, so thread 0
 * recomputes a sample of every thread's results once a second: a thread
 * whose registers or memory a migration damaged would be caught.
 *
 * It is the partition's batch job, of the lowest priority but for the
 * probe: it rests COMPUTE_REST_MS in every COMPUTE_RUN_MS so that nothing
 * below it starves (the kernel's priorities are strict), and fills every
 * CPU it runs on otherwise.
 */
#include <stdio.h>
#include "appos.h"

#define SAMPLE_EVERY 16     /* a thread publishes one result in this many */
#define COMPUTE_RUN_MS 49u
#define COMPUTE_REST_MS 1u

static uint32_t next_task;
static volatile uint32_t done[APP_MAX_THREADS];
static struct work_state check_state;

/* The last published result of each thread, under a sequence lock (odd: being written). */
static struct sample {
	volatile uint32_t seq, task, result;
} sample[APP_MAX_THREADS];

static void one_task(unsigned idx)
{
	uint32_t task = __atomic_fetch_add(&next_task, 1, __ATOMIC_RELAXED);
	uint32_t result = work_task(&app_scratch[idx].work, task);
	done[idx]++;
	if (done[idx] % SAMPLE_EVERY == 0) {
		struct sample *s = &sample[idx];
		s->seq++;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		s->task = task;
		s->result = result;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		s->seq++;
	}
}

/* Tasks for COMPUTE_RUN_MS, then a rest. */
static void run(unsigned idx)
{
	uint64_t t0 = mu_clock_ns();
	do
		one_task(idx);
	while (mu_clock_ns() - t0 < COMPUTE_RUN_MS * 1000000ull);
	app_sleep_ms(COMPUTE_REST_MS);
}

static void worker(uint32_t idx)
{
	for (;;)
		run(idx);
}

/* Recompute each thread's published result: how many were wrong; *checked counts those compared. */
static unsigned check_samples(unsigned n, unsigned *checked, uint32_t *bad_task, uint32_t *bad_result)
{
	unsigned wrong = 0;
	for (unsigned i = 0; i < n; i++) {
		struct sample *s = &sample[i];
		uint32_t seq = s->seq;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		uint32_t task = s->task, result = s->result;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if ((seq & 1) || !seq || s->seq != seq)
			continue;   /* nothing yet, or being rewritten: next time */
		(*checked)++;
		if (work_task(&check_state, task) != result) {
			wrong++;
			*bad_task = task;
			*bad_result = result;
		}
	}
	return wrong;
}

void mode_compute(void)
{
	struct group g;
	unsigned n = group_start(&g, app_env->threads, worker);
	group_report(&g, "threads");
	uint64_t next_check = 0, next_progress = mu_clock_ns() + APP_PROGRESS_MS * 1000000ull;
	unsigned checked = 0, wrong = 0;
	for (;;) {
		run(0);
		group_tend(&g);
		if (app_due(&next_check, 1000)) {
			uint32_t task = 0, result = 0;
			unsigned w = check_samples(n, &checked, &task, &result);
			if (w && !wrong)
				app_report(APP_EWORK, task, result, "task %u gave %08x, which is wrong",
					   (unsigned)task, (unsigned)result);
			wrong += w;
		}
		if (app_due(&next_progress, APP_PROGRESS_MS)) {
			char cpus[48], per[72];
			uint32_t total = 0;
			size_t len = 0;
			per[0] = 0;
			for (unsigned i = 0; i < n; i++) {
				total += done[i];
				if (len < sizeof(per))
					len += (size_t)snprintf(per + len, sizeof(per) - len, "%s%u", i ? "/" : "",
								(unsigned)done[i]);
			}
			group_cpus(&g, cpus, sizeof(cpus));
			app_log("%u tasks (%s), %u checked, %u wrong, %s", (unsigned)total, per, checked, wrong, cpus);
		}
	}
}
