/*
 * What the parts of the modem-stack program on the target share (main.c,
 * tti.c for mode `pipeline`, atserver.c for mode `at`): the environment
 * page, the clock, thread creation and the report to init. Not used by the
 * host tests: the protocol libraries beside it stay pure C.
 */
#ifndef MUON_MODEM_TARGET_H
#define MUON_MODEM_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <muon/user.h>
#include <muon/envpage.h>

/* strlen that stops at max (C11 has no strnlen). */
static inline uint32_t bounded_len(const char *s, uint32_t max)
{
	uint32_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

/*
 * Tell init how we are (MU_APP_REPORT on MU_CAP_PARENT): status, two values,
 * text. A call whose send phase gives up after timeout_us, so a parent that
 * is itself calling us cannot deadlock with us: MU_OK, or the IPC error
 * (MU_ETIMEDOUT: try again later).
 */
int report(uint32_t status, uint32_t v1, uint32_t v2, const char *text, uint32_t timeout_us);

/*
 * Receive the next message, first answering the last one when `reply` is
 * set (reply tag `rtag`). A reply that finds its caller gone still
 * receives. Returns the receive's error; *tag and *label as mu_ipc's.
 */
int next_message(bool reply, uint32_t rtag, uint32_t timeout, uint32_t *tag, uint32_t *label);

/*
 * Start the thread we made in slot `slot` at fn(arg) on the stack ending at
 * stack_top, its exceptions going to init, and have our scheduler instance
 * (MU_CAP_SCHED) place it at priority prio within our band, on the
 * instance's CPUs. Returns MU_OK or the error.
 */
int spawn(uint32_t slot, void (*fn)(uint32_t), void *stack_top, uint32_t arg, uint32_t prio);

/*
 * Report status and text to init, then park for good, answering every call
 * with MU_ENOSYS: a program of a `restart always` partition must not end, it
 * would be restarted in a loop.
 */
__attribute__((noreturn)) void park(uint32_t status, const char *text);

/* The two modes. */
__attribute__((noreturn)) void pipeline_main(const struct mu_env *env);
__attribute__((noreturn)) void at_main(const struct mu_env *env);

#endif
