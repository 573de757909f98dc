/*
 * A policy as text: one line per client and per group with every value the
 * balancer acts on, defaults included (the parser fills them in), so that a
 * change of the file shows in init's `policy` command and in the balancer's
 * log. Kept apart from policy.c, which is freestanding and uses no libc.
 */
#include <stdio.h>
#include "policy.h"

/* The values that apply to its kind: period and hysteresis (balance, vm), low and high (powersave). */
static int tuning(enum policy_kind kind, unsigned period, unsigned hyst, unsigned low, unsigned high, char *buf,
		  size_t size)
{
	if (kind == POLICY_BALANCE || kind == POLICY_VM)
		return snprintf(buf, size, ", period %u ms, hysteresis %u%%", period, hyst);
	if (kind == POLICY_POWERSAVE)
		return snprintf(buf, size, ", period %u ms, low %u%%, high %u%%", period, low, high);
	return snprintf(buf, size, "%s", "");
}

int policy_client_text(const struct policy *p, unsigned c, char *buf, size_t size)
{
	const struct policy_client *x = &p->clients[c];
	int n = snprintf(buf, size, "client %s: %s, cpus 0x%x, reserved 0x%x, usable 0x%x, priorities %u-%u", x->name,
			 policy_kind_name(x->kind), (unsigned)x->cpus, (unsigned)x->reserved, (unsigned)x->usable,
			 x->prio_lo, x->prio_hi);
	if (n < 0 || (size_t)n >= size)
		return n;
	return n + tuning(x->kind, x->period_ms, x->hysteresis, x->low, x->high, buf + n, size - (size_t)n);
}

int policy_group_text(const struct policy *p, unsigned g, char *buf, size_t size)
{
	const struct policy_group *x = &p->groups[g];
	int n = snprintf(buf, size, "group %s of %s: %s, %u threads, cpus 0x%x, usable 0x%x", x->name,
			 p->clients[x->client].name, policy_kind_name(x->kind), x->threads, (unsigned)x->cpus,
			 (unsigned)x->usable);
	if (n < 0 || (size_t)n >= size)
		return n;
	return n + tuning(x->kind, x->period_ms, x->hysteresis, 0, 0, buf + n, size - (size_t)n);
}
