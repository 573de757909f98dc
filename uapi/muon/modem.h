/*
 * The modem partition's services (modem-stack/, docs/modem.md), as the
 * system file names them: `modem-stack.control`, `modem-stack.data`,
 * `at-server.at`. Results come as the reply's label (mu_rpc).
 */
#ifndef MUON_MODEM_H
#define MUON_MODEM_H

/* modem-stack.control */
enum {
	MODEM_STATS = 0x300,  /* reply mr[0] = TTIs run, mr[1] = deadline misses, mr[2..4] = wake-up jitter
	                         p50 / p99 / max in ns, mr[5] = the CPU of the TTI thread, mr[6] = longest
	                         TTI (all stages) in ns, mr[7] = TTI periods the timer reported missed */
	MODEM_RESET = 0x301,  /* zero the counters and the jitter histogram */
	MODEM_CALL = 0x302,   /* call control for the AT server: mr[0] = 1 dial (number in mr[1..4], NUL-padded),
	                         2 hang up, 3 state; reply mr[0] = state (0 idle, 1 dialling, 2 connected) */
	MODEM_LOAD = 0x303,   /* mr[0] = PHY work factor (1..64): the computation per TTI */
};

/* modem-stack.data: the shared region `data-ring` holds two rings (uplink
 * app -> modem, downlink modem -> app); see docs/modem.md. */
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
