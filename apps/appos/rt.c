/*
 * The app-OS programs' runtime: console lines and reports to init, time,
 * capability slots, threads and their placement through the scheduler
 * instance (MU_CAP_SCHED). Every call to a server has a send timeout, so a
 * server that is gone or stuck costs a retry, never the program.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "appos.h"

const struct mu_env *app_env;
static char app_name[52] = "apps";

void app_set_name(const char *partition, const char *program)
{
	snprintf(app_name, sizeof(app_name), "%s/%s", partition, program);
}

#define UTCB_TOP 0x7fe00000u          /* created threads' UTCBs go down from here, one page each */
#define FIRST_SLOT 64u                /* our own objects: slots from here up (the env's are skipped) */

/* ---- console and reports */

static uint32_t console_slot(void)
{
	const struct mu_env_entry *e = env_find(app_env, "console", MU_ENV_CAP);
	return e ? e->slot : 0;
}

void app_log(const char *fmt, ...)
{
	uint32_t slot = console_slot();
	if (!slot)
		return;
	char line[MU_CONSOLE_MAX];
	int n = snprintf(line, sizeof(line), "%s: ", app_name);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	mr()[0] = (uint32_t)len;
	memcpy(&mr()[1], line, len);
	mu_ipc(slot, MU_TAG(MU_CONSOLE_WRITE, 1 + (len + 3) / 4), MU_SEND | MU_RECV, APP_SEND_TIMEOUT_US, 0, 0);
}

int app_report(uint32_t status, uint32_t v1, uint32_t v2, const char *fmt, ...)
{
	char text[101];
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	uint32_t len = m < 0 ? 0 : (uint32_t)m >= sizeof(text) ? sizeof(text) - 1 : (uint32_t)m;
	int err = MU_ETIMEDOUT;
	/* init may be busy building the system: it takes the report within a few tries. */
	for (unsigned tries = 0; tries < 10 && err == MU_ETIMEDOUT; tries++) {
		mr()[0] = status;
		mr()[1] = v1;
		mr()[2] = v2;
		mr()[3] = len;
		memcpy(&mr()[4], text, len);
		err = mu_ipc(MU_CAP_PARENT, MU_TAG(MU_APP_REPORT, 4 + (len + 3) / 4), MU_SEND | MU_RECV,
			     APP_SEND_TIMEOUT_US, 0, 0);
	}
	if (err)
		app_log("report \"%s\" not delivered: error %d", text, err);
	return err;
}

/* ---- time */

void app_sleep_ms(uint32_t ms)
{
	uint64_t end = mu_clock_ns() + (uint64_t)ms * 1000000u;
	for (;;) {
		uint64_t now = mu_clock_ns();
		if (!now || now >= end)
			return;
		uint64_t left_us = (end - now) / 1000 + 1;
		uint32_t tag, label;
		int err = mu_wait(left_us > 0x7fffffffu ? 0x7fffffffu : (uint32_t)left_us, &tag, &label);
		if (err == MU_OK)   /* nobody should write to us here: refuse whatever came */
			mu_ipc(0, MU_TAG(MU_ENOSYS, 0), MU_REPLY, MU_TIMEOUT_ZERO, 0, 0);
		else if (err != MU_ETIMEDOUT)
			return;   /* the wait itself failed: let the caller's loop go on */
	}
}

bool app_due(uint64_t *next_ns, uint32_t every_ms)
{
	uint64_t now = mu_clock_ns();
	if (now < *next_ns)
		return false;
	*next_ns = now + (uint64_t)every_ms * 1000000u;
	return true;
}

/* ---- capability slots and objects */

static bool env_slot(uint32_t slot)
{
	for (uint32_t i = 0; app_env && i < app_env->n && i < MU_ENV_MAX; i++)
		if ((app_env->e[i].kind == MU_ENV_CAP || app_env->e[i].kind == MU_ENV_SERVE) && app_env->e[i].slot == slot)
			return true;
	return false;
}

static uint32_t next_slot = FIRST_SLOT;

uint32_t app_slot(void)
{
	while (next_slot < MU_CAP_SLOTS && env_slot(next_slot))
		next_slot++;
	return next_slot < MU_CAP_SLOTS ? next_slot++ : 0;
}

/* ---- threads */

static struct {
	uint32_t cap;
	void (*fn)(uint32_t);
	uint32_t arg;
} threads[APP_MAX_THREADS] = { [0] = { MU_CAP_THREAD, 0, 0 } };
static uint64_t stacks[APP_MAX_THREADS][256] __attribute__((aligned(8)));   /* 2 KiB each */
union app_scratch app_scratch[APP_MAX_THREADS];

uint32_t app_thread_cap(unsigned idx)
{
	return idx < APP_MAX_THREADS ? threads[idx].cap : 0;
}

static void thread_entry(uint32_t idx)
{
	threads[idx].fn(threads[idx].arg);
	mr()[0] = 0;
	mu_invoke(threads[idx].cap, MU_TAG(MU_THREAD_EXIT, 1), 0);
	for (;;)
		mu_wait(MU_TIMEOUT_NEVER, 0, 0);
}

int app_thread(unsigned idx, void (*fn)(uint32_t), uint32_t arg)
{
	if (idx == 0 || idx >= APP_MAX_THREADS || threads[idx].cap)
		return MU_EINVAL;
	/* Start it where we run, at our own priority; app_place hands it to the scheduler. */
	if (mu_invoke(MU_CAP_THREAD, MU_TAG(MU_THREAD_INFO, 0), 0) != MU_OK)
		return MU_ESTATE;
	uint32_t prio = mr()[3];
	int err = MU_ENOMEM;
	uint32_t slot;
	while ((slot = app_slot()) != 0 &&
	       (err = mu_create(MU_OBJ_THREAD, slot, MU_CAP_TASK, UTCB_TOP - idx * 4096u)) == MU_EBUSY)
		;
	if (!slot || err)
		return err ? err : MU_ENOMEM;
	threads[idx].cap = slot;
	threads[idx].fn = fn;
	threads[idx].arg = arg;
	/* Our pager serves its page faults; init hears of its exceptions, as of ours. */
	if ((err = mu_thread_control(slot, MU_CAP_PAGER, MU_CAP_PARENT)) != MU_OK)
		return err;
	return mu_thread_start(slot, thread_entry, stacks[idx] + 256, idx, prio);
}

/* A call with a send timeout: the IPC error, else the reply's label. */
static int rpc(uint32_t cap, uint32_t tag)
{
	uint32_t rtag;
	int err = mu_ipc(cap, tag, MU_SEND | MU_RECV, APP_SEND_TIMEOUT_US, &rtag, 0);
	return err ? err : (int)MU_TAG_LABEL(rtag);
}

int app_place(unsigned idx)
{
	uint32_t cap = app_thread_cap(idx);
	if (!cap)
		return MU_EINVAL;
	int err = rpc(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0));
	if (err)
		return err;
	uint32_t online = mr()[2];
	if (!online)
		return MU_EINVAL;
	uint32_t prio = app_env->priority > 255 ? 255 : app_env->priority;
	mr()[0] = prio;
	mr()[1] = MU_CPUSET(0, 0);
	mr()[2] = online;
	mr()[3] = 0;
	mr()[4] = MU_ITEM_CAP | (MU_RIGHTS_ALL << 4);
	mr()[5] = cap;
	return rpc(MU_CAP_SCHED, MU_TAG_ITEMS(MU_SCHED_RUN_THREAD, 4, 1));
}

unsigned app_cpu(unsigned idx)
{
	uint32_t cap = app_thread_cap(idx);
	if (!cap || mu_invoke(cap, MU_TAG(MU_THREAD_INFO, 0), 0) != MU_OK)
		return ~0u;
	return mr()[0];
}

/* ---- groups of threads */

unsigned group_start(struct group *g, unsigned n, void (*fn)(uint32_t))
{
	memset(g, 0, sizeof(*g));
	if (n < 1)
		n = 1;
	if (n > APP_MAX_THREADS)
		n = APP_MAX_THREADS;
	g->n = 1;
	for (unsigned i = 1; i < n; i++) {
		int err = app_thread(i, fn, i);
		if (err) {
			app_log("thread %u not started: error %d", i, err);
			break;
		}
		g->n++;
	}
	for (unsigned i = 0; i < g->n; i++)
		g->place_err[i] = app_place(i);
	return g->n;
}

unsigned group_placed(const struct group *g)
{
	unsigned n = 0;
	for (unsigned i = 0; i < g->n; i++)
		n += g->place_err[i] == MU_OK;
	return n;
}

void group_tend(struct group *g)
{
	if (group_placed(g) == g->n || !app_due(&g->next_retry, APP_RETRY_MS))
		return;
	int last = MU_OK;
	for (unsigned i = 0; i < g->n; i++)
		if (g->place_err[i] != MU_OK && (g->place_err[i] = app_place(i)) != MU_OK)
			last = g->place_err[i];
	if (last != MU_OK && !g->reported_fail) {
		g->reported_fail = true;
		app_report(APP_ESCHED, (uint32_t)last, group_placed(g), "%u of %u threads not placed (error %d), retrying",
			   g->n - group_placed(g), g->n, last);
	} else if (last == MU_OK && g->reported_fail) {
		g->reported_fail = false;
		app_report(APP_OK, 0, g->n, "all %u threads placed", g->n);
	}
}

void group_report(struct group *g, const char *what)
{
	unsigned placed = group_placed(g);
	int err = MU_OK;
	for (unsigned i = 0; i < g->n && !err; i++)
		err = g->place_err[i];
	if (placed == g->n)
		app_report(APP_OK, g->n, 0, "%u %s running", g->n, what);
	else
		app_report(APP_ESCHED, g->n, (uint32_t)err, "%u %s running, %u not placed (error %d)", g->n, what,
			   g->n - placed, err);
	g->reported_fail = placed != g->n;
}

void group_cpus(const struct group *g, char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "CPUs");
	for (unsigned i = 0; i < g->n && len < size; i++) {
		unsigned c = app_cpu(i);
		len += (size_t)(c == ~0u ? snprintf(buf + len, size - len, "%s?", i ? "," : " ")
					 : snprintf(buf + len, size - len, "%s%u", i ? "," : " ", c));
	}
}
