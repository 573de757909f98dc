/*
 * dialer: the interactive app. Through the gate `at` (at-server.at) it runs
 * a session of AT commands that must succeed and of malformed ones that must
 * get ERROR; through the shared region `data-ring` and the gate `data`
 * (modem-stack.data) it sends test packets (packet.c) that the modem loops
 * back, and checks that every one comes back intact. It reports the
 * session to init, then keeps going slowly: every DIAL_PERIOD_MS one
 * AT+CSQ and a few packets, reporting when that starts and stops failing.
 */
#include <string.h>
#include "appos.h"
#include <muon/modem.h>

#define DIAL_PERIOD_MS 500u
#define SESSION_PACKETS 64u
#define ROUND_PACKETS 4u
#define AT_TRIES 3u               /* a command the server did not take in time is sent again */
#define DATA_WAIT_MS 100u         /* MODEM_DATA_WAIT's own timeout */
#define DATA_PATIENCE 30u         /* waits without a packet before the rest count as lost */
#define REG_WAIT_MS 10000u        /* for the simulated network to register us */
#define RESP_MAX ((MU_MR_COUNT - 1) * 4)

static uint32_t at_slot, data_slot;
static const struct mu_env_entry *ring;   /* the region `data-ring` */
static char resp[RESP_MAX + 1];
static uint32_t resp_len;
/*
 * Our packets' next sequence number. Each of our lives starts where the
 * clock (in us) is, rounded up to a multiple of 256: the rings outlive us,
 * and what an earlier life of ours sent may still come back after a
 * restart, with numbers of its own that we must not take for ours (they
 * count as foreign, not as ours twice).
 */
static uint32_t next_seq;

/* ---- AT */

/* Send a line of len bytes, claiming `claim` bytes in mr[0]. 0 with the response in resp, else an IPC
 * error or the server's refusal (the reply's label), or MU_EMSG for an answer that does not add up. */
static int at_raw(const char *line, uint32_t len, uint32_t claim)
{
	if (!at_slot)
		return MU_ECAP;
	uint32_t rtag;
	int err = MU_ETIMEDOUT;
	for (unsigned tries = 0; tries < AT_TRIES && err == MU_ETIMEDOUT; tries++) {
		mr()[0] = claim;
		memcpy(&mr()[1], line, len);
		err = mu_ipc(at_slot, MU_TAG(AT_COMMAND, 1 + (len + 3) / 4), MU_SEND | MU_RECV, APP_SEND_TIMEOUT_US, &rtag,
			     0);
	}
	resp_len = 0;
	resp[0] = 0;
	if (err)
		return err;
	if (MU_TAG_LABEL(rtag))
		return (int)MU_TAG_LABEL(rtag);
	uint32_t n = mr()[0], words = MU_TAG_WORDS(rtag);
	if (words < 1 || n > (words - 1) * 4 || n > RESP_MAX)
		return MU_EMSG;
	memcpy(resp, &mr()[1], n);
	resp[n] = 0;
	resp_len = n;
	return MU_OK;
}

static int at(const char *line)
{
	uint32_t n = (uint32_t)strlen(line);
	return at_raw(line, n, n);
}

/* resp without its CR/LF, for a log line. */
static const char *flat(void)
{
	static char f[80];
	size_t n = 0;
	for (uint32_t i = 0; i < resp_len && n < sizeof(f) - 1; i++)
		f[n++] = resp[i] == '\r' || resp[i] == '\n' ? ' ' : resp[i] >= 0x20 && resp[i] < 0x7f ? resp[i] : '?';
	f[n] = 0;
	return f;
}

struct at_case {
	const char *line;
	const char *has;   /* information text the response must hold, or NULL */
};

/* Commands that must end in OK. ATD12345; is a voice call: a data call (no ';') goes over the packet path,
 * and the modem answers it NO CARRIER, as V.250 has it. */
static const struct at_case good[] = {
	{ "AT", NULL },
	{ "ATI", NULL },
	{ "AT+CSQ", "+CSQ: " },
	{ "AT+CGDCONT=1,\"IP\",\"internet\"", NULL },
	{ "AT+CGDCONT?", "+CGDCONT: 1,\"IP\",\"internet\"" },
	{ "AT+CFUN?", "+CFUN: 1" },
	{ "AT+CREG?", "+CREG: " },
	{ "ATD12345;", NULL },
	{ "ATH", NULL },
};

static bool run_good(const struct at_case *c)
{
	int err = at(c->line);
	unsigned rssi, ber;
	int reg = at_creg(resp, resp_len);
	bool ok = !err && at_final(resp, resp_len) == AT_OK && (!c->has || at_has(resp, resp_len, c->has)) &&
		  (strcmp(c->line, "AT+CSQ") || at_csq(resp, resp_len, &rssi, &ber) == 0) &&
		  (strcmp(c->line, "AT+CREG?") || reg == 1 || reg == 5);
	if (!ok)
		app_log("%s: error %d, answer \"%s\"", c->line, err, flat());
	return ok;
}

/* Lines that must be refused: ERROR in the response, or (for a line longer than the protocol carries)
 * the server's refusal of the message. */
struct bad_line {
	const char *bytes;
	uint32_t len;
};

static const struct bad_line bad_fixed[] = {
	{ "AT+CGDCONT=99999", 16 },           /* context id out of range */
	{ "AT+NOSUCH", 9 },                   /* unknown command */
	{ "AT+CFUN=7", 9 },                   /* value out of range */
	{ "HELLO", 5 },                       /* not a command line */
	{ "AT\x01\x7f\xfe+CSQ\0", 10 },       /* binary bytes, a NUL among them */
};

static bool rejected(unsigned idx, const char *bytes, uint32_t len)
{
	int err = at_raw(bytes, len, len);
	if ((!err && at_final(resp, resp_len) == AT_ERROR) || err == MU_EINVAL || err == MU_EMSG)
		return true;
	app_log("malformed line %u (%u bytes) accepted: error %d, answer \"%s\"", idx, (unsigned)len, err, flat());
	return false;
}

static unsigned run_malformed(unsigned *tried)
{
	static char line[200];
	unsigned n = 0;
	*tried = 0;
	for (unsigned i = 0; i < sizeof(bad_fixed) / sizeof(bad_fixed[0]); i++, (*tried)++)
		n += rejected(*tried, bad_fixed[i].bytes, bad_fixed[i].len);
	/* 128 bytes, the longest line there is, with an APN far past its 63 characters. */
	memset(line, 'a', 128);
	memcpy(line, "AT+CGDCONT=2,\"IP\",\"", 19);
	line[127] = '"';
	n += rejected((*tried)++, line, 128);
	/* 200 bytes: past the protocol's 128. */
	memset(line, 'A', 200);
	memcpy(line, "AT+CSQ;", 7);
	n += rejected((*tried)++, line, 200);
	return n;
}

/* Wait for the simulated network: AT+CREG? until registered (home or roaming). */
static bool registered(void)
{
	uint64_t until = mu_clock_ns() + REG_WAIT_MS * 1000000ull;
	do {
		int stat = at("AT+CREG?") ? -1 : at_creg(resp, resp_len);
		if (stat == 1 || stat == 5)
			return true;
		app_sleep_ms(100);
	} while (mu_clock_ns() < until);
	return false;
}

/* ---- data */

#define DP_BROKEN (-1)   /* a round's error: the rings broke (see dp_attach) */

/* The rings, attached if they were not (or broke): whether they can be used. */
static bool data_ready(void)
{
	if (!data_slot || !ring)
		return false;
	return dp_ready() || dp_attach((void *)ring->addr, ring->size) == 0;
}

/*
 * Send `count` packets from next_seq and take back what comes, until all of
 * ours are back or DATA_PATIENCE waits brought nothing; t tells what came.
 * *err: MU_OK, the last IPC error on `data`, or DP_BROKEN.
 */
static void round_trip(uint32_t count, struct pkt_tally *t, int *err)
{
	static uint8_t pkt[PKT_MAX];
	uint32_t sent = 0, idle = 0;
	*err = MU_OK;
	tally_start(t, next_seq, count, dp_mtu());
	next_seq += count;
	while (t->intact + t->damaged + t->duplicate < count && idle < DATA_PATIENCE) {
		uint32_t pushed = 0;
		int r = 0;
		while (sent < count && (r = dp_put(pkt, pkt_build(t->base + sent, t->max, pkt, sizeof(pkt)))) == 0) {
			sent++;
			pushed++;
		}
		if (r < 0) {
			*err = DP_BROKEN;
			return;
		}
		if (pushed) {
			int e = mu_ipc(data_slot, MU_TAG(MODEM_DATA_KICK, 0), MU_SEND, APP_SEND_TIMEOUT_US, 0, 0);
			if (e)
				*err = e;
		}
		bool got = false;
		int n;
		while ((n = dp_get(pkt, sizeof(pkt))) > 0) {
			tally_add(t, pkt, (uint32_t)n);
			got = true;
		}
		if (n < 0) {
			*err = DP_BROKEN;
			return;
		}
		if (got) {
			idle = 0;
			continue;
		}
		/* Nothing yet: the modem answers when the downlink has packets, or after DATA_WAIT_MS. */
		mr()[0] = DATA_WAIT_MS;
		int e = mu_ipc(data_slot, MU_TAG(MODEM_DATA_WAIT, 1), MU_SEND | MU_RECV, APP_SEND_TIMEOUT_US, 0, 0);
		if (e) {
			*err = e;
			app_sleep_ms(DATA_WAIT_MS);
		}
		idle++;
	}
}

/* ---- the session, then the slow loop */

void mode_dialer(void)
{
	struct group g;
	const uint32_t first_seq = next_seq = ((uint32_t)(mu_clock_ns() / 1000u) | 255u) + 1u;   /* pkt_size */
	group_start(&g, 1, NULL);
	group_report(&g, "thread");
	const struct mu_env_entry *a = env_find(app_env, "at", MU_ENV_CAP), *d = env_find(app_env, "data", MU_ENV_CAP);
	ring = env_find(app_env, "data-ring", MU_ENV_SHARED);
	at_slot = a ? a->slot : 0;
	data_slot = d ? d->slot : 0;
	if (!a || !d || !ring)
		app_report(APP_EGRANT, 0, 0, "not granted:%s%s%s", a ? "" : " at", d ? "" : " data", ring ? "" : " data-ring");

	/* The session: AT commands good and bad, then packets through the modem and back. */
	unsigned at_ok = 0, tried = 0, refused = 0, intact = 0;
	bool reg = at_slot && registered();
	for (unsigned i = 0; at_slot && i < sizeof(good) / sizeof(good[0]); i++)
		at_ok += (reg || strncmp(good[i].line, "ATD", 3)) && run_good(&good[i]);
	if (at_slot)
		refused = run_malformed(&tried);
	if (at_slot && !reg)
		app_log("the network did not register us: no call");
	bool rings = false;
	for (unsigned w = 0; w < 50 && !(rings = data_ready()) && data_slot && ring; w++)
		app_sleep_ms(100);   /* the modem formats the rings when it starts */
	int derr = MU_OK;
	if (rings) {
		struct pkt_tally t;
		round_trip(SESSION_PACKETS, &t, &derr);
		intact = t.intact;
		if (intact != SESSION_PACKETS)
			app_log("packets: %u intact, %u damaged, %u twice, %u foreign of %u (error %d)", t.intact, t.damaged,
				t.duplicate, t.foreign, SESSION_PACKETS, derr);
	} else if (data_slot && ring) {
		app_log("the data-ring region holds no rings");
	}
	unsigned ngood = sizeof(good) / sizeof(good[0]);
	uint32_t status = !a || !d || !ring ? APP_EGRANT
			  : at_ok != ngood || refused != tried ? APP_EAT
			  : intact == SESSION_PACKETS ? APP_OK
			  : derr > 0 ? APP_ESERVER : APP_EDATA;
	app_report(status, at_ok | tried << 8 | refused << 16 | ngood << 24, intact | SESSION_PACKETS << 16,
		   "%u/%u AT ok, %u/%u malformed rejected, %u/%u packets intact", at_ok, ngood, refused, tried, intact,
		   SESSION_PACKETS);

	/* The slow loop: one AT+CSQ and a few packets a period; a report when that starts or stops failing. */
	bool failing = status != APP_OK;
	uint32_t rounds = 0, round_fail = 0;
	uint64_t next_progress = mu_clock_ns() + APP_PROGRESS_MS * 1000000ull;
	for (;;) {
		app_sleep_ms(DIAL_PERIOD_MS);
		group_tend(&g);
		rounds++;
		int err = at("AT+CSQ");
		unsigned rssi = 0, ber = 0, back = 0;
		bool at_good = !err && at_final(resp, resp_len) == AT_OK && !at_csq(resp, resp_len, &rssi, &ber);
		derr = MU_OK;
		if (data_ready()) {
			struct pkt_tally t;
			round_trip(ROUND_PACKETS, &t, &derr);
			back = t.intact;
		} else {
			derr = DP_BROKEN;
		}
		bool good_round = at_good && back == ROUND_PACKETS;
		if (!good_round) {
			round_fail++;
			if (!failing)
				app_report(err > 0 && err != MU_EMSG ? APP_ESERVER : !at_good ? APP_EAT
					   : derr > 0 ? APP_ESERVER : APP_EDATA, (uint32_t)err, back,
					   "round %u: AT+CSQ %s (error %d), %u/%u packets back (error %d)", (unsigned)rounds,
					   at_good ? "ok" : "failed", err, back, ROUND_PACKETS, derr);
			failing = true;
		} else if (failing) {
			app_report(APP_OK, rounds, round_fail, "round %u: AT and data path work", (unsigned)rounds);
			failing = false;
		}
		if (app_due(&next_progress, APP_PROGRESS_MS))
			app_log("%u rounds, %u failed; signal %u, %u packets sent", (unsigned)rounds, (unsigned)round_fail,
				rssi, (unsigned)(next_seq - first_seq));
	}
}
