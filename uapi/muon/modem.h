/*
 * The modem partition's services (modem-stack/, docs/modem.md), as the
 * system file names them: `modem-stack.control`, `modem-stack.data`,
 * `at-server.at`. Results come as the reply's label (mu_rpc).
 */
#ifndef MUON_MODEM_H
#define MUON_MODEM_H

#include <stdint.h>

/* modem-stack.control */
enum {
	MODEM_STATS = 0x300,  /* reply mr[0] = TTIs run, mr[1] = deadline misses (the guest's: a thread at
	                         or above the TTI thread's priority ran on its CPU when the TTI fell due, or
	                         the modem's last TTI still did), mr[2..4] = wake-up jitter
	                         p50 / p99 / max in ns, mr[5] = the CPU of the TTI thread, mr[6] = longest
	                         TTI (all stages) in ns, mr[7] = TTI periods the timer reported missed,
	                         mr[8] = host stalls (late TTIs and passed periods nothing on the CPU stood
	                         in the way of: the hardware's or emulator's fault, not in mr[1]), mr[9] = the
	                         work factor, mr[10] = what a TTI's stages took at start at that factor
	                         (ns), mr[11] = the share of a TTI in percent the factor was chosen for.
	                         With mr[0] = 1 (one word at least) the modem also prints its figures on the
	                         console for ci/bench, mr[1] = the load the caller set up (MODEM_LOAD_*),
	                         mr[2] = the CPUs in use as the caller measured them:
	                         MODEM load=idle ttis=N misses=N stalls=N p50=NS p99=NS max=NS cpus_used=N
	                         MODEM stages ul_pdcp_rlc=NS ul_mac_phy=NS dl_phy_mac=NS dl_rlc_pdcp=NS tti_max=NS
	                         work=W tb=BYTES selfcheck_ok=N selfcheck_bad=N selfcheck_lost=N (mean ns per TTI)
	                         MODEM data ul_packets=N dl_packets=N dl_drops=N ring_resets=N kicks=N dials=N
	                         stage_errors=N unmask_retries=N shed=N */
	MODEM_RESET = 0x301,  /* zero the counters and the jitter histogram */
	MODEM_CALL = 0x302,   /* call control for the AT server: mr[0] = 1 dial (number in mr[1..4], NUL-padded),
	                         2 hang up, 3 state; reply mr[0] = state (0 idle, 1 dialling, 2 connected) */
	MODEM_LOAD = 0x303,   /* mr[0] = PHY work factor (1..64): the computation per TTI; reply mr[0] = the
	                         factor before (docs/modem.md: what a factor costs). At start the modem takes
	                         MODEM_WORK_DEFAULT, or less where a TTI's stages would take over 20 % of it */
};
enum { MODEM_LOAD_IDLE, MODEM_LOAD_SATURATED, MODEM_LOAD_POWERSAVE, MODEM_LOAD_SAME_CPU };   /* MODEM_STATS mr[1] */
#define MODEM_WORK_DEFAULT 4u

/* modem-stack.data: the shared region `data-ring` holds two rings (uplink
 * app -> modem, downlink modem -> app); see docs/modem.md. */

/*
 * The data-ring region: the uplink ring (app -> modem) in its first half,
 * the downlink ring (modem -> app) in its second, each a modem-stack/ring/ring.h
 * ring of MODEM_RING_SLOT_BYTES-byte slots (a packet of at most
 * MODEM_RING_SLOT_BYTES - 4 bytes), as many slots as fit in the half, a
 * power of two: 4 per ring in a 16K region, 16 in a 64K one. The modem
 * formats both when it starts (again after a restart); the app attaches
 * with ring_attach(half, region / 2, modem_ring_slots(region), MODEM_RING_SLOT_BYTES, role).
 */
#define MODEM_RING_HDR_BYTES 192u     /* RING_HDR_BYTES of modem-stack/ring/ring.h */
#define MODEM_RING_SLOT_BYTES 1024u

/* Slots per ring for a region of region_bytes, 0 if it is too small for one. */
static inline uint32_t modem_ring_slots(uint32_t region_bytes)
{
	uint32_t half = region_bytes / 2, n = 0;
	while (n < 65536u && MODEM_RING_HDR_BYTES + (uint64_t)(n ? 2 * n : 1) * MODEM_RING_SLOT_BYTES <= half)
		n = n ? 2 * n : 1;
	return n;
}
enum {
	MODEM_DATA_KICK = 0x310,  /* uplink has packets (a send, no reply needed) */
	MODEM_DATA_WAIT = 0x311,  /* call: reply when the downlink has packets, mr[0] = how many, or
	                             MU_ETIMEDOUT after mr[0] ms */
};

/* at-server.at */
enum {
	AT_COMMAND = 0x320,   /* mr[0] = length (<= 128), the line from mr[1]; reply mr[0] = length, the
	                         response (V.250 text ending in OK or ERROR) from mr[1] */
	AT_RESET = 0x321,     /* init: the client is gone, drop its session (hang up, forget contexts) */
};

#endif
