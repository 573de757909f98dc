/* The computation the app-OS programs do (pure C, host-tested): integer matrix products, memory
 * patterns, and a progress meter. Deterministic, so any thread can check another's result. */
#include <string.h>
#include "appos.h"

static uint32_t xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

void work_init(struct work_state *w, uint32_t seed)
{
	uint32_t x = seed * 0x85ebca6bu + 0xc2b2ae35u;
	if (!x)
		x = 1;
	for (unsigned i = 0; i < WORK_N * WORK_N; i++) {
		w->a[i] = xorshift(&x);
		w->b[i] = xorshift(&x);
	}
	w->seed = seed;
	w->blocks = 0;
	w->digest = FNV_SEED;
}

uint32_t work_block(struct work_state *w)
{
	for (unsigned r = 0; r < WORK_N; r++)
		for (unsigned c = 0; c < WORK_N; c++) {
			uint32_t s = 0;
			for (unsigned k = 0; k < WORK_N; k++)
				s += w->a[r * WORK_N + k] * w->b[k * WORK_N + c];
			w->c[r * WORK_N + c] = s;
		}
	uint32_t d = fnv1a(w->c, sizeof(w->c), w->digest);
	/* The next block multiplies the product, its rows rotated, by b stirred with the digest. */
	for (unsigned r = 0; r < WORK_N; r++)
		memcpy(&w->a[((r + 1) % WORK_N) * WORK_N], &w->c[r * WORK_N], WORK_N * sizeof(uint32_t));
	for (unsigned i = 0; i < WORK_N * WORK_N; i++)
		w->b[i] = (w->b[i] ^ d) * 2654435761u + i;
	w->digest = d;
	w->blocks++;
	return d;
}

uint32_t work_task(struct work_state *w, uint32_t task)
{
	work_init(w, task);
	uint32_t d = 0;
	for (unsigned i = 0; i < WORK_TASK_BLOCKS; i++)
		d = work_block(w);
	return d;
}

static uint32_t pattern_word(size_t i, uint32_t pass)
{
	uint32_t v = (uint32_t)i * 0x9e3779b9u ^ pass * 0x27d4eb2fu;
	unsigned s = pass % 32;
	return s ? v << s | v >> (32 - s) : v;
}

void pattern_fill(uint32_t *buf, size_t n, uint32_t pass)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = pattern_word(i, pass);
}

size_t pattern_check(const uint32_t *buf, size_t n, uint32_t pass)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += buf[i] != pattern_word(i, pass);
	return bad;
}

void meter_add(struct meter *m, uint64_t units, uint64_t elapsed_ns)
{
	if (!elapsed_ns)
		elapsed_ns = 1;
	uint64_t rate = units > UINT64_MAX / 1000000000u ? UINT64_MAX : units * 1000000000u / elapsed_ns;   /* per s */
	uint32_t r = rate > 0xffffffffu ? 0xffffffffu : (uint32_t)rate;
	m->last = r;
	if (m->bursts++ == 0)
		return;   /* warm-up */
	if (m->bursts == 2 || r > m->best)
		m->best = r;
	if (m->bursts == 2 || r < m->worst)
		m->worst = r;
	m->sum += r;
}

unsigned meter_dip(const struct meter *m)
{
	if (m->bursts < 3 || !m->best)
		return 100;
	return (unsigned)((uint64_t)m->worst * 100 / m->best);
}

uint32_t meter_mean(const struct meter *m)
{
	return m->bursts < 2 ? 0 : (uint32_t)(m->sum / (m->bursts - 1));
}
