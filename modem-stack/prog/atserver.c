/*
 * modem-stack in mode `at`: the AT command server (docs/modem.md). One
 * thread serves `at` with at.c's interpreter over its simulated network,
 * which it steps every 100 ms (at_tick). Call control goes on to the
 * pipeline's `control` service (MODEM_CALL): a dial when a call starts, a
 * hang-up when it ends, whichever way it ends. Unsolicited result codes
 * (RING, CONNECT, NO CARRIER, +CREG: ...) have no channel of their own in
 * a request/reply protocol: they wait and go out in front of the next
 * response, as a modem's serial line would have shown them by then.
 *
 * AT_COMMAND: mr[0] = length (<= 128), the line from mr[1]; a length out
 * of range or beyond the words sent is refused with MU_EINVAL as the reply's
 * label (and "ERROR" as its text), everything else gets at.c's response.
 */
#include <string.h>
#include <muon/modem.h>
#include "at.h"
#include "target.h"

#define TICK_NS 100000000ull          /* at_tick every 100 ms */
#define RESP_MAX ((MU_MR_COUNT - 1) * 4)  /* what a reply carries after its length word: 252 bytes */
#define CALL_SEND_US 50000u           /* how long a MODEM_CALL waits for the pipeline to take it */

static struct at_state at;
static uint32_t control_slot;
static char urc[RESP_MAX];            /* unsolicited result codes not yet shown */
static uint32_t urc_len, urc_lost, call_errors;   /* the last two for a debugger's eyes */
static char resp[RESP_MAX];

/* MODEM_CALL on the pipeline's control service: op 1 dial, 2 hang up. Errors are counted, never fatal. */
static void modem_call(uint32_t op, const char *number)
{
	if (!control_slot)
		return;
	memset(&mr()[1], 0, 16);
	if (number)
		memcpy(&mr()[1], number, bounded_len(number, 16));   /* MODEM_CALL carries 16 digits at most */
	mr()[0] = op;
	uint32_t rtag;
	int err = mu_ipc(control_slot, MU_TAG(MODEM_CALL, 5), MU_SEND | MU_RECV, CALL_SEND_US, &rtag, 0);
	if (err || MU_TAG_LABEL(rtag) != MU_OK)
		call_errors++;
}

/* The call's state changed under at.c (a command or a network event): tell the pipeline. */
static void call_sync(uint8_t before)
{
	if (before == AT_CALL_IDLE && at.call == AT_CALL_DIALING)
		modem_call(1, at.number);
	else if (before != AT_CALL_IDLE && at.call == AT_CALL_IDLE)
		modem_call(2, NULL);
}

static void urc_add(const char *s, size_t n)
{
	if (n > sizeof(urc))
		n = 0;
	if (urc_len + n > sizeof(urc)) {   /* nobody asked for a while: keep the newest */
		urc_lost += urc_len;
		urc_len = 0;
	}
	memcpy(urc + urc_len, s, n);
	urc_len += (uint32_t)n;
}

static void tick(void)
{
	char out[AT_URC_MAX];
	uint8_t before = at.call;
	size_t n = at_tick(&at, out, sizeof(out));
	urc_add(out, n);
	call_sync(before);
}

/* A reply carrying text: label, mr[0] = length, the bytes from mr[1]. */
static uint32_t text_reply(uint32_t label, const char *s, uint32_t n)
{
	mr()[0] = n;
	memcpy(&mr()[1], s, n);
	return MU_TAG(label, 1 + (n + 3) / 4);
}

static uint32_t command(uint32_t tag, const uint32_t *in)
{
	static const char refused[] = "\r\nERROR\r\n";
	char line[AT_LINE_MAX];
	uint32_t words = MU_TAG_WORDS(tag), len = words >= 1 ? in[0] : ~0u;
	if (words < 1 || len > AT_LINE_MAX || len > (words - 1) * 4)
		return text_reply(MU_EINVAL, refused, sizeof(refused) - 1);
	memcpy(line, &in[1], len);
	uint8_t before = at.call;
	size_t n = at_handle(&at, line, len, resp, sizeof(resp));
	call_sync(before);
	/* The waiting URCs go in front if the response leaves room; else they wait on. */
	if (urc_len && urc_len + n <= sizeof(resp)) {
		memmove(resp + urc_len, resp, n);
		memcpy(resp, urc, urc_len);
		n += urc_len;
		urc_len = 0;
	}
	return text_reply(MU_OK, resp, (uint32_t)n);
}

/* AT_RESET: the client went away. A new one finds the modem on the network, no call, no contexts. */
static void drop_session(void)
{
	char out[64];
	uint8_t before = at.call;
	at_handle(&at, "ATZ", 3, out, sizeof(out));
	at_handle(&at, "AT+CFUN=1", 9, out, sizeof(out));
	memset(at.pdp, 0, sizeof(at.pdp));
	urc_len = 0;
	call_sync(before);
}

void at_main(const struct mu_env *env)
{
	const struct mu_env_entry *serve = env_find(env, "at", MU_ENV_SERVE), *ctl = env_find(env, "control", MU_ENV_CAP);
	uint32_t at_label = serve ? serve->label : ~0u, rtag = 0, tag, label;
	static uint32_t in[MU_MR_COUNT];
	bool reported = false, reply = false;
	control_slot = ctl ? ctl->slot : 0;
	uint64_t next_tick = mu_clock_ns();
	at_init(&at, (uint32_t)next_tick ^ 0x41542b43u);
	next_tick += TICK_NS;
	uint32_t wait = 0;
	for (;;) {
		/* The reply goes out with the next receive: nothing may use the message registers
		 * between composing it and that (the clock and the pipeline's calls do). */
		if (reply)
			mu_ipc(0, rtag, MU_REPLY, 0, 0, 0);
		int err = mu_ipc(0, 0, MU_RECV, wait, &tag, &label);
		reply = false;
		if (err == MU_OK)
			memcpy(in, mr(), MU_TAG_WORDS(tag) * sizeof(uint32_t));
		uint64_t now = mu_clock_ns();
		for (unsigned k = 0; now >= next_tick && k < 10; k++, next_tick += TICK_NS)
			tick();
		if (now >= next_tick)   /* more than a second behind: the network's time jumps */
			next_tick = now + TICK_NS;
		if (!reported)   /* init may be calling us (AT_RESET) right now: do not wait behind it */
			reported = report(serve ? 0 : 1, 0, 0, serve ? "at-server: ready" : "at-server: no 'at' service to serve",
					  20000) != MU_ETIMEDOUT;
		now = mu_clock_ns();
		wait = now >= next_tick ? 0 : (uint32_t)((next_tick - now) / 1000) + 1;
		if (!reported && wait > 100000)
			wait = 100000;
		if (err != MU_OK)
			continue;
		reply = true;
		if (label != at_label)
			rtag = MU_TAG(MU_ENOSYS, 0);
		else if (MU_TAG_LABEL(tag) == AT_COMMAND)
			rtag = command(tag, in);
		else if (MU_TAG_LABEL(tag) == AT_RESET) {
			drop_session();
			rtag = MU_TAG(MU_OK, 0);
		} else
			rtag = MU_TAG(MU_ENOSYS, 0);
	}
}
