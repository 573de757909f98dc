/*
 * Threads that spin in bursts: `sensitive` (interference-sensitive threads,
 * the instance's `apart` group) and `vm` (the vCPUs of a virtual machine,
 * its `vm` group). Each burst is busy for a few ms, then the thread rests,
 * so programs of lower priority on the same CPU progress too.
 *
 * sensitive: each burst counts the matrix blocks (work.c) it gets through;
 *   the rate per burst shows interference (a busy CPU neighbour, a move, an
 *   interrupt; under QEMU also the host descheduling the virtual CPU).
 * vm: each vCPU writes a pattern over a page of its "guest memory" and
 *   reads it back; thread 0 watches that every vCPU keeps running.
 * spin (or a numeric mode): threads that compute without a pause, for the
 *   stress layouts: they starve whatever has a lower priority on their CPUs.
 */
#include <stdio.h>
#include "appos.h"

#define SENS_BURST_MS 4u
#define SENS_REST_MS 6u
#define VM_RUN_MS 5u
#define VM_HALT_MS 5u
#define VM_WORDS 1024u           /* a page of guest memory per vCPU (app_scratch) */
#define SPIN_CHECK 64u           /* blocks between thread 0's looks at the clock */
#define VM_STALL_MS 5000u        /* a vCPU without progress this long is reported */

static struct meter meters[APP_MAX_THREADS];
static volatile uint32_t passes[APP_MAX_THREADS], corrupt[APP_MAX_THREADS];

static uint32_t elapsed_ms(uint64_t since)
{
	return (uint32_t)((mu_clock_ns() - since) / 1000000u);
}

/* ---- sensitive */

static void sensitive_burst(unsigned idx)
{
	uint64_t t0 = mu_clock_ns(), units = 0;
	do {
		work_block(&app_scratch[idx].work);
		units++;
	} while (elapsed_ms(t0) < SENS_BURST_MS);
	meter_add(&meters[idx], units, mu_clock_ns() - t0);
}

static void sensitive_thread(uint32_t idx)
{
	work_init(&app_scratch[idx].work, idx);
	for (;;) {
		sensitive_burst(idx);
		app_sleep_ms(SENS_REST_MS);
	}
}

/* Starts the mode's threads, at least two (env threads), and says how many started. */
static unsigned start_two_or_more(struct group *g, void (*fn)(uint32_t), const char *what)
{
	unsigned n = group_start(g, app_env->threads < 2 ? 2 : app_env->threads, fn);
	group_report(g, what);
	return n;
}

void mode_sensitive(void)
{
	struct group g;
	unsigned n = start_two_or_more(&g, sensitive_thread, "threads");
	work_init(&app_scratch[0].work, 0);
	uint64_t next_progress = mu_clock_ns() + APP_PROGRESS_MS * 1000000ull;
	for (;;) {
		sensitive_burst(0);
		group_tend(&g);
		if (app_due(&next_progress, APP_PROGRESS_MS)) {
			char line[120], cpus[48];
			size_t len = 0;
			for (unsigned i = 0; i < n && len < sizeof(line); i++)
				len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%u/s (worst %u%%)",
							i ? ", " : "", (unsigned)meter_mean(&meters[i]),
							meter_dip(&meters[i]));
			group_cpus(&g, cpus, sizeof(cpus));
			app_log("blocks %s, %s", line, cpus);
		}
		app_sleep_ms(SENS_REST_MS);
	}
}

/* ---- vm */

static void vcpu_run(unsigned idx)
{
	uint64_t t0 = mu_clock_ns();
	do {
		uint32_t pass = passes[idx] + (idx << 24);
		pattern_fill(app_scratch[idx].page, VM_WORDS, pass);
		if (pattern_check(app_scratch[idx].page, VM_WORDS, pass))
			corrupt[idx]++;
		passes[idx]++;
	} while (elapsed_ms(t0) < VM_RUN_MS);
}

static void vcpu_thread(uint32_t idx)
{
	for (;;) {
		vcpu_run(idx);
		app_sleep_ms(VM_HALT_MS);
	}
}

void mode_vm(void)
{
	struct group g;
	unsigned n = start_two_or_more(&g, vcpu_thread, "vCPUs");
	uint64_t next_progress = mu_clock_ns() + APP_PROGRESS_MS * 1000000ull, next_watch = 0;
	uint32_t seen[APP_MAX_THREADS] = { 0 }, reported_corrupt = 0;
	uint64_t moved_at[APP_MAX_THREADS];
	bool stalled[APP_MAX_THREADS] = { false };
	for (unsigned i = 0; i < n; i++)
		moved_at[i] = mu_clock_ns();
	for (;;) {
		vcpu_run(0);
		group_tend(&g);
		if (app_due(&next_watch, 1000)) {
			for (unsigned i = 1; i < n; i++) {
				if (passes[i] != seen[i]) {
					seen[i] = passes[i];
					moved_at[i] = mu_clock_ns();
					if (stalled[i])
						app_report(APP_OK, i, 0, "vCPU %u runs again", i);
					stalled[i] = false;
				} else if (!stalled[i] && elapsed_ms(moved_at[i]) > VM_STALL_MS) {
					stalled[i] = true;
					app_report(APP_EWORK, i, elapsed_ms(moved_at[i]), "vCPU %u made no progress for %u ms",
						   i, (unsigned)elapsed_ms(moved_at[i]));
				}
			}
			uint32_t bad = 0;
			for (unsigned i = 0; i < n; i++)
				bad += corrupt[i];
			if (bad != reported_corrupt) {
				app_report(APP_EWORK, bad, 0, "guest memory pattern wrong %u times", (unsigned)bad);
				reported_corrupt = bad;
			}
		}
		if (app_due(&next_progress, APP_PROGRESS_MS)) {
			char line[100], cpus[48];
			size_t len = 0;
			for (unsigned i = 0; i < n && len < sizeof(line); i++)
				len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%u", i ? "/" : "", (unsigned)passes[i]);
			group_cpus(&g, cpus, sizeof(cpus));
			app_log("vCPU passes %s, %s", line, cpus);
		}
		app_sleep_ms(VM_HALT_MS);
	}
}

/* ---- spin */

static volatile uint32_t spun[APP_MAX_THREADS];

static void spin_thread(uint32_t idx)
{
	work_init(&app_scratch[idx].work, idx);
	for (;;) {
		work_block(&app_scratch[idx].work);
		spun[idx]++;
	}
}

void mode_spin(void)
{
	char mode[25], what[48];
	env_name(mode, app_env->mode);
	snprintf(what, sizeof(what), "spinners (mode %s)", mode);
	struct group g;
	unsigned n = group_start(&g, app_env->threads, spin_thread);
	group_report(&g, what);
	work_init(&app_scratch[0].work, 0);
	uint64_t next_progress = mu_clock_ns() + APP_PROGRESS_MS * 1000000ull;
	for (;;) {
		for (unsigned i = 0; i < SPIN_CHECK; i++) {
			work_block(&app_scratch[0].work);
			spun[0]++;
		}
		group_tend(&g);
		if (app_due(&next_progress, APP_PROGRESS_MS)) {
			char line[100], cpus[48];
			size_t len = 0;
			line[0] = 0;
			for (unsigned i = 0; i < n && len < sizeof(line); i++)
				len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%u", i ? "/" : "", (unsigned)spun[i]);
			group_cpus(&g, cpus, sizeof(cpus));
			app_log("blocks %s, %s", line, cpus);
		}
	}
}
