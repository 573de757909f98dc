/*
 * modem-stack: the modem partition's program (docs/modem.md). One boot
 * module, two roles chosen by the environment's mode:
 *
 *   pipeline  the TTI-paced protocol stack: a service thread (this one),
 *             the TTI thread, four stage threads and a data thread (tti.c)
 *   at        the AT command server over the simulated network (atserver.c)
 *
 * Whatever goes wrong at start is reported to init and the program then
 * parks: it answers every call with MU_ENOSYS instead of ending, since the
 * modem partition is restarted whenever its programs end.
 */
#include <stdio.h>
#include <string.h>
#include <muon/env.h>
#include "target.h"

int report(uint32_t status, uint32_t v1, uint32_t v2, const char *text, uint32_t timeout_us)
{
	uint32_t n = (uint32_t)strlen(text);
	if (n > 100)
		n = 100;
	mr()[0] = status;
	mr()[1] = v1;
	mr()[2] = v2;
	mr()[3] = n;
	memcpy(&mr()[4], text, n);
	return mu_ipc(MU_CAP_PARENT, MU_TAG(MU_APP_REPORT, 4 + (n + 3) / 4), MU_SEND | MU_RECV, timeout_us, 0, 0);
}

int next_message(bool reply, uint32_t rtag, uint32_t timeout, uint32_t *tag, uint32_t *label)
{
	if (reply) {
		int err = mu_ipc(0, rtag, MU_REPLY | MU_RECV, timeout, tag, label);
		if (err != MU_ESTATE && err != MU_EMSG)
			return err;
		/* The caller is gone (or the reply was malformed): nobody to answer, just receive. */
	}
	return mu_ipc(0, 0, MU_RECV, timeout, tag, label);
}

int spawn(uint32_t slot, void (*fn)(uint32_t), void *stack_top, uint32_t arg, uint32_t prio)
{
	int err;
	/* A crash goes to init, which restarts the partition. */
	if ((err = mu_thread_control(slot, ~0u, MU_CAP_PARENT)) != MU_OK)
		return err;
	/* Started at the lowest priority: it runs for real once the instance places it. */
	if ((err = mu_thread_start(slot, fn, stack_top, arg, 1)) != MU_OK)
		return err;
	if ((err = mu_rpc(MU_CAP_SCHED, MU_TAG(MU_SCHED_INFO, 0))) != MU_OK)
		return err;
	uint32_t online = mr()[2];
	int cpu = mu_run_thread(MU_CAP_SCHED, slot, prio > 255 ? 255 : prio, MU_CPUSET(0, 0), online, 0);
	return cpu < 0 ? -cpu : MU_OK;
}

void park(uint32_t status, const char *text)
{
	uint32_t tag, label;
	bool reply = false, reported = false;
	for (;;) {
		if (!reported) {   /* init may be calling us right now: no send of ours may wait for good */
			if (reply)
				mu_ipc(0, MU_TAG(MU_ENOSYS, 0), MU_REPLY, 0, 0, 0);
			reply = false;
			reported = report(status, 0, 0, text, 20000) != MU_ETIMEDOUT;
		}
		int err = next_message(reply, MU_TAG(MU_ENOSYS, 0), reported ? MU_TIMEOUT_NEVER : 100000, &tag, &label);
		reply = err == MU_OK;
	}
}

int main(void)
{
	const struct mu_env *env = (const struct mu_env *)MU_ENV_VA;
	char mode[sizeof(env->mode) + 1];
	if (env->magic != MU_ENV_MAGIC)
		park(1, "modem-stack: no environment page");
	memcpy(mode, env->mode, sizeof(env->mode));
	mode[sizeof(env->mode)] = 0;
	if (!strcmp(mode, "pipeline"))
		pipeline_main(env);
	if (!strcmp(mode, "at"))
		at_main(env);
	char text[80];
	snprintf(text, sizeof(text), "modem-stack: unknown mode '%.24s' (pipeline or at)", mode);
	park(1, text);
}
