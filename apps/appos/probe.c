/*
 * probe: reach for everything, and tell init what answered. Every slot
 * 0..127 is invoked with a label nobody serves and timeout zero; any answer
 * but MU_ECAP means the slot holds something. init compares the bitmaps
 * with what it installed. The probe creates nothing first, so slots from 64
 * up (where the other modes put their own objects) must all be empty.
 *
 * Then it tries to take over the modem's gates it holds as a client (`at`,
 * `data`, MU_R only): bind one to its own thread, relabel it, wait on it,
 * reply through it. Each attempt must be refused; init then checks that the
 * modem still gets its traffic.
 */
#include <stdio.h>
#include "appos.h"

#define PROBE_LABEL 0x7777u
#define HIJACK_LABEL 0x6666u

/* The attempts refused as they must be; *tried counts them all. */
static unsigned hijack(unsigned *tried)
{
	static const char *const names[] = { "at", "data" };
	unsigned refused = 0;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct mu_env_entry *e = env_find(app_env, names[i], MU_ENV_CAP);
		if (!e)
			continue;
		for (uint32_t k = 0; k < 2; k++) {   /* bind it to us; bind again: relabel it */
			mr()[0] = MU_CAP_THREAD;
			mr()[1] = HIJACK_LABEL + k;
			refused += mu_invoke(e->slot, MU_TAG(MU_GATE_BIND, 2), 0) == MU_EPERM;
		}
		int err = mu_ipc(e->slot, 0, MU_RECV, MU_TIMEOUT_ZERO, 0, 0);
		if (err == MU_OK)   /* a message stolen from the modem: refuse it, do not hold its sender */
			mu_ipc(0, MU_TAG(MU_ENOSYS, 0), MU_REPLY, MU_TIMEOUT_ZERO, 0, 0);
		refused += err == MU_EINVAL;   /* a closed wait on a gate not bound to us */
		refused += mu_ipc(e->slot, MU_TAG(0, 0), MU_REPLY, MU_TIMEOUT_ZERO, 0, 0) == MU_ESTATE;
		*tried += 4;
	}
	return refused;
}

void mode_probe(void)
{
	uint32_t map[MU_CAP_SLOTS / 32] = { 0 };
	for (uint32_t slot = 0; slot < MU_CAP_SLOTS; slot++)
		if (mu_ipc(slot, MU_TAG(PROBE_LABEL, 0), MU_SEND | MU_RECV, MU_TIMEOUT_ZERO, 0, 0) != MU_ECAP)
			map[slot / 32] |= 1u << (slot % 32);
	char list[96];
	size_t len = 0;
	unsigned count = 0;
	list[0] = 0;
	for (uint32_t slot = 0; slot < MU_CAP_SLOTS; slot++)
		if (map[slot / 32] >> (slot % 32) & 1) {
			count++;
			if (len < sizeof(list))
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u", len ? "," : "", (unsigned)slot);
		}
	bool high = map[2] || map[3];
	unsigned tried = 0, refused = hijack(&tried);
	app_report(refused < tried ? APP_EHIJACK : high ? APP_PROBE_HIGH : APP_OK, map[0], map[1],
		   "gates %u/%u refused, %u slots answer: %s", refused, tried, count, count ? list : "none");
	for (;;)
		app_sleep_ms(60000);
}
