/*
 * probe: reach for everything, and tell init what answered. Every slot
 * 0..127 is invoked with a label nobody serves and timeout zero; any answer
 * but MU_ECAP means the slot holds something. init compares the bitmaps
 * with what it installed. The probe creates nothing first, so slots from 64
 * up (where the other modes put their own objects) must all be empty.
 */
#include <stdio.h>
#include "appos.h"

#define PROBE_LABEL 0x7777u

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
	app_report(high ? APP_PROBE_HIGH : APP_OK, map[0], map[1], "%u slots answer: %s", count,
		   count ? list : "none");
	for (;;)
		app_sleep_ms(60000);
}
