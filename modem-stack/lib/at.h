/*
 * The modem's AT command server: a V.250 / 3GPP TS 27.007 command
 * interpreter over a simulated network. The commands, the simulated
 * network's rules and example sessions are in docs/modem.md.
 *
 * at_handle() takes one command line (without or with its CR/LF) and writes
 * the complete response: optional echo, information text, and a final
 * result code, with V.250 verbose framing ("\r\nOK\r\n"). at_tick()
 * advances the simulated network by one step and writes the unsolicited
 * result codes it causes (RING, BUSY, NO ANSWER, NO CARRIER, +CREG: ...).
 *
 * Every line is hostile: too long, non-printable characters, unknown or
 * malformed commands, missing or out-of-range arguments all give ERROR.
 * Nothing is ever written past out[cap - 1]; a response that does not fit
 * becomes "\r\nERROR\r\n" (or nothing, if even that does not fit). No
 * allocation, no globals except const tables, no libc beyond <string.h>.
 */
#ifndef MUON_MODEM_AT_H
#define MUON_MODEM_AT_H

#include <stddef.h>
#include <stdint.h>

#define AT_LINE_MAX 128         /* characters in a line, without CR/LF */
#define AT_RESPONSE_MAX 1024    /* at_handle never writes more (longer: ERROR) */
#define AT_URC_MAX 128          /* at_tick never writes more */
#define AT_MAX_CID 8            /* PDP contexts 1..AT_MAX_CID */
#define AT_APN_MAX 63
#define AT_NUMBER_MAX 20        /* dialled digits */
#define AT_REG_TICKS 2          /* ticks from CFUN=1 to registration */

enum at_call {
	AT_CALL_IDLE,
	AT_CALL_DIALING,   /* ATD accepted, the network is reaching the callee */
	AT_CALL_ALERTING,  /* the callee's phone rings */
	AT_CALL_ACTIVE,
	AT_CALL_INCOMING,  /* RING: waiting for ATA */
};

enum at_pdp_type {
	AT_PDP_IP = 1,
	AT_PDP_IPV6 = 2,
	AT_PDP_IPV4V6 = 3,
};

struct at_pdp {
	uint8_t type;                /* 0: undefined, else enum at_pdp_type */
	char apn[AT_APN_MAX + 1];    /* NUL-terminated */
};

struct at_state {
	uint8_t echo;                /* ATE1: echo the command line */
	uint8_t cfun;                /* 0 minimum, 1 full, 4 radio off */
	uint8_t creg_n;              /* +CREG URC mode 0..2 */
	uint8_t reg;                 /* +CREG stat: 0 not, 1 home, 2 searching */
	uint8_t reg_shown;           /* the stat the last +CREG URC reported */
	uint8_t call;                /* enum at_call */
	uint8_t rings;               /* RINGs sent for the incoming call */
	uint32_t ticks;              /* simulated time in at_tick steps */
	uint32_t reg_at;             /* tick at which searching turns into registered */
	uint32_t call_at;            /* tick of the call's next event */
	uint32_t seed;               /* the simulated radio channel */
	char number[AT_NUMBER_MAX + 2]; /* dialled or calling number, NUL-terminated */
	struct at_pdp pdp[AT_MAX_CID];
};

/* Power-on state: CFUN 1, searching for AT_REG_TICKS ticks, no contexts. */
void at_init(struct at_state *s, uint32_t seed);

/*
 * Executes one command line of len bytes (need not be NUL-terminated; a
 * trailing "\r", "\n" or "\r\n" is ignored) and writes the response into
 * out[0..cap). Returns the bytes written (at most AT_RESPONSE_MAX); no NUL
 * is appended.
 */
size_t at_handle(struct at_state *s, const char *line, size_t len, char *out, size_t cap);

/*
 * One step of the simulated network (the target calls it every 100 ms):
 * registration, call progress, RING. Writes the unsolicited result codes
 * into out[0..cap) and returns their length (at most AT_URC_MAX).
 */
size_t at_tick(struct at_state *s, char *out, size_t cap);

/*
 * The simulated network offers an incoming call from number (digits, '+',
 * '*', '#'; at most AT_NUMBER_MAX): 0, or -1 if the modem is not registered,
 * busy, or the number is malformed. RING follows on each at_tick.
 */
int at_incoming(struct at_state *s, const char *number, size_t len);

#endif /* MUON_MODEM_AT_H */
