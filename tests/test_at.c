/*
 * Host tests for modem-stack/lib/at.c: each command's set, read, test and
 * action forms, the simulated network (registration, calls, RING), command
 * concatenation, every kind of malformed line, small output buffers, and
 * 100,000 seeded random lines with invariants on response and state.
 */
#include "check.h"
#include "at.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static struct at_state st;
static char resp[AT_RESPONSE_MAX + 64];

/* The response to a command line, NUL-terminated for comparisons. */
static const char *at(const char *line)
{
	size_t n = at_handle(&st, line, strlen(line), resp, AT_RESPONSE_MAX);

	resp[n] = '\0';
	return resp;
}

static const char *tick(void)
{
	size_t n = at_tick(&st, resp, AT_URC_MAX);

	resp[n] = '\0';
	return resp;
}

static void ticks(int n)
{
	while (n-- > 0)
		(void)tick();
}

#define OK "\r\nOK\r\n"
#define ERR "\r\nERROR\r\n"
#define CHECK_STR(a, b) CHECK_MSG(strcmp((a), (b)) == 0, "got \"%s\", want \"%s\"", (a), (b))

/* Fresh modem, registered. */
static void up(void)
{
	at_init(&st, 1);
	ticks(AT_REG_TICKS);
}

static void test_at_basic(void)
{
	at_init(&st, 1);
	CHECK_STR(at("AT"), OK);
	CHECK_STR(at("at"), OK);
	CHECK_STR(at("aT"), OK);
	CHECK_STR(at("AT\r"), OK);
	CHECK_STR(at("AT\r\n"), OK);
	CHECK_STR(at("AT\n"), OK);
	CHECK_STR(at(" A T "), OK);     /* V.250 ignores spaces */
	CHECK_STR(at("ATI"), "\r\nMuon LTE modem (simulated network)\r\nRevision: 1.0\r\n" OK);
	CHECK_STR(at("ATI0"), "\r\nMuon LTE modem (simulated network)\r\nRevision: 1.0\r\n" OK);
	CHECK_STR(at("ATI1"), ERR);
	CHECK_STR(at("AT+CGMI"), "\r\nMuon\r\n" OK);
	CHECK_STR(at("AT+CGMM"), "\r\nMuon-LTE-SIM\r\n" OK);
	CHECK_STR(at("AT+CGMR"), "\r\n1.0\r\n" OK);
	CHECK_STR(at("AT+CGMI=?"), OK);
	CHECK_STR(at("AT+CGMI?"), ERR);
	CHECK_STR(at("ATZ"), OK);
}

static void test_at_echo(void)
{
	at_init(&st, 1);
	CHECK_STR(at("ATE1"), OK);
	CHECK_STR(at("AT"), "AT\r" OK);
	CHECK_STR(at("at+cgmi\r\n"), "at+cgmi\r\r\nMuon\r\n" OK);
	CHECK_STR(at("ATX"), "ATX\r" ERR);
	CHECK_STR(at("AT\x01"), ERR);   /* bad characters are not echoed */
	CHECK_STR(at("ATE0"), "ATE0\r" OK);
	CHECK_STR(at("AT"), OK);
	CHECK_STR(at("ATE2"), ERR);
	CHECK_STR(at("ATE1"), OK);
	CHECK_STR(at("ATZ"), "ATZ\r" OK);
	CHECK_STR(at("AT"), OK);        /* ATZ turned echo off */
}

static void test_at_csq_creg(void)
{
	unsigned rssi, ber;

	at_init(&st, 1);
	CHECK_STR(at("AT+CSQ"), "\r\n+CSQ: 99,99\r\n" OK); /* not registered yet */
	CHECK_STR(at("AT+CREG?"), "\r\n+CREG: 0,2\r\n" OK);
	CHECK_STR(at("AT+CSQ=?"), "\r\n+CSQ: (0-31,99),(0-7,99)\r\n" OK);
	CHECK_STR(at("AT+CREG=?"), "\r\n+CREG: (0-2)\r\n" OK);
	CHECK_STR(at("AT+CREG=1"), OK);
	CHECK_STR(tick(), "");
	CHECK_STR(tick(), "\r\n+CREG: 1\r\n");          /* registered: URC */
	CHECK_STR(at("AT+CREG?"), "\r\n+CREG: 1,1\r\n" OK);
	CHECK_STR(at("AT+CREG=2"), OK);
	CHECK_STR(at("AT+CREG?"), "\r\n+CREG: 2,1,\"00C3\",\"0000A13F\"\r\n" OK);
	CHECK_STR(at("AT+CREG="), OK);                  /* empty: 0 */
	CHECK_STR(at("AT+CREG?"), "\r\n+CREG: 0,1\r\n" OK);
	CHECK_STR(at("AT+CREG=3"), ERR);
	CHECK_STR(at("AT+CREG=1,1"), ERR);
	CHECK_STR(at("AT+CREG"), ERR);
	for (int i = 0; i < 300; i++) {
		CHECK(sscanf(at("AT+CSQ"), "\r\n+CSQ: %u,%u\r\n", &rssi, &ber) == 2);
		CHECK(rssi >= 8 && rssi <= 28 && ber == 99);
		ticks(1);
	}
}

static void test_at_cfun(void)
{
	up();
	CHECK_STR(at("AT+CFUN?"), "\r\n+CFUN: 1\r\n" OK);
	CHECK_STR(at("AT+CFUN=?"), "\r\n+CFUN: (0,1,4),(0,1)\r\n" OK);
	CHECK_STR(at("AT+CREG=1"), OK);
	CHECK_STR(at("AT+CFUN=0"), OK);
	CHECK_STR(at("AT+CFUN?"), "\r\n+CFUN: 0\r\n" OK);
	CHECK_STR(at("AT+CSQ"), "\r\n+CSQ: 99,99\r\n" OK);
	CHECK_STR(tick(), "\r\n+CREG: 0\r\n");
	CHECK_STR(at("AT+CFUN=4"), OK);
	CHECK_STR(at("AT+CFUN?"), "\r\n+CFUN: 4\r\n" OK);
	CHECK_STR(at("AT+CFUN=1"), OK);
	CHECK_STR(tick(), "\r\n+CREG: 2\r\n");
	CHECK_STR(tick(), "\r\n+CREG: 1\r\n");
	CHECK_STR(at("AT+CFUN=1,1"), OK);               /* reset: registers again */
	CHECK_STR(at("AT+CREG?"), "\r\n+CREG: 1,2\r\n" OK);
	CHECK_STR(at("AT+CFUN=0,1"), ERR);              /* reset only with full function */
	CHECK_STR(at("AT+CFUN=2"), ERR);
	CHECK_STR(at("AT+CFUN=5"), ERR);
	CHECK_STR(at("AT+CFUN=1,2"), ERR);
	CHECK_STR(at("AT+CFUN=1,0,0"), ERR);
	CHECK_STR(at("AT+CFUN="), ERR);
	CHECK_STR(at("AT+CFUN=\"1\""), ERR);
	CHECK_STR(at("AT+CFUN"), ERR);
	CHECK_STR(at("AT+CFUN=99999999999"), ERR);     /* too many digits */
}

static void test_at_cgdcont(void)
{
	up();
	CHECK_STR(at("AT+CGDCONT?"), OK);                /* none defined */
	CHECK_STR(at("AT+CGDCONT=1,\"IP\",\"internet\""), OK);
	CHECK_STR(at("AT+CGDCONT=3,\"ipv4v6\",\"Ims.Example-1\""), OK);
	CHECK_STR(at("AT+CGDCONT=8,\"IPV6\""), OK);
	CHECK_STR(at("AT+CGDCONT=2,,\"x\""), OK);         /* type omitted: IP */
	CHECK_STR(at("AT+CGDCONT?"),
		  "\r\n+CGDCONT: 1,\"IP\",\"internet\",\"\",0,0\r\n"
		  "+CGDCONT: 2,\"IP\",\"x\",\"\",0,0\r\n"
		  "+CGDCONT: 3,\"IPV4V6\",\"Ims.Example-1\",\"\",0,0\r\n"
		  "+CGDCONT: 8,\"IPV6\",\"\",\"\",0,0\r\n" OK);
	CHECK_STR(at("AT+CGDCONT=3"), OK);                /* undefine */
	CHECK_STR(at("AT+CGDCONT=2"), OK);
	CHECK_STR(at("AT+CGDCONT=8"), OK);
	CHECK_STR(at("AT+CGDCONT?"), "\r\n+CGDCONT: 1,\"IP\",\"internet\",\"\",0,0\r\n" OK);
	CHECK_STR(at("AT+CGDCONT=?"),
		  "\r\n+CGDCONT: (1-8),\"IP\",,,(0),(0)\r\n"
		  "+CGDCONT: (1-8),\"IPV6\",,,(0),(0)\r\n"
		  "+CGDCONT: (1-8),\"IPV4V6\",,,(0),(0)\r\n" OK);
	/* Each malformed form leaves the contexts as they were. */
	CHECK_STR(at("AT+CGDCONT=0,\"IP\",\"a\""), ERR);
	CHECK_STR(at("AT+CGDCONT=9,\"IP\",\"a\""), ERR);
	CHECK_STR(at("AT+CGDCONT=,\"IP\",\"a\""), ERR);
	CHECK_STR(at("AT+CGDCONT=1,\"PPP\",\"a\""), ERR);
	CHECK_STR(at("AT+CGDCONT=1,4,\"a\""), ERR);
	CHECK_STR(at("AT+CGDCONT=1,\"IP\",5"), ERR);
	CHECK_STR(at("AT+CGDCONT=1,\"IP\",\"a b\""), ERR);
	CHECK_STR(at("AT+CGDCONT=1,\"IP\",\"a_b\""), ERR);
	CHECK_STR(at("AT+CGDCONT=1,\"IP\",\"a\",\"1.2.3.4\""), ERR);
	CHECK_STR(at("AT+CGDCONT=1,\"IP\",\"internet"), ERR);  /* unbalanced quote */
	CHECK_STR(at("AT+CGDCONT=1,\"IP\"x"), ERR);
	CHECK_STR(at("AT+CGDCONT=1,\"IP\","), OK);               /* empty APN */
	CHECK_STR(at("AT+CGDCONT=1,\"IP\",\"internet\""), OK);
	CHECK_STR(at("AT+CGDCONT=1,\"IP\",\""
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""), ERR); /* 64 */
	CHECK_STR(at("AT+CGDCONT=1,\"IP\",\""
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""), OK); /* 63 */
	CHECK_STR(at("AT+CGDCONT"), ERR);
	CHECK_STR(at("AT+CGDCONT=1,\"IP\",\"internet\""), OK);
	CHECK_STR(at("AT+CGDCONT?"), "\r\n+CGDCONT: 1,\"IP\",\"internet\",\"\",0,0\r\n" OK);
}

static void test_at_calls(void)
{
	at_init(&st, 1);
	CHECK_STR(at("ATD12345;"), "\r\nNO CARRIER\r\n"); /* not registered yet */
	ticks(AT_REG_TICKS);
	/* The callee answers: OK, then CONNECT two ticks after alerting. */
	CHECK_STR(at("ATD+4912345;"), OK);
	CHECK_EQ(st.call, AT_CALL_DIALING);
	CHECK_STR(at("ATD555;"), ERR);                     /* already in a call */
	CHECK_STR(tick(), "");
	CHECK_EQ(st.call, AT_CALL_ALERTING);
	CHECK_STR(tick(), "");
	CHECK_STR(tick(), "\r\nCONNECT\r\n");
	CHECK_EQ(st.call, AT_CALL_ACTIVE);
	unsigned rssi, ber;
	CHECK(sscanf(at("AT+CSQ"), "\r\n+CSQ: %u,%u", &rssi, &ber) == 2 && ber <= 7);
	ticks(20);                                         /* stays up */
	CHECK_EQ(st.call, AT_CALL_ACTIVE);
	CHECK_STR(at("ATH"), OK);
	CHECK_EQ(st.call, AT_CALL_IDLE);
	CHECK_STR(at("ATH0"), OK);                         /* nothing to hang up: still OK */
	CHECK_STR(at("ATH1"), ERR);
	/* Busy (last digit 0). */
	CHECK_STR(at("ATD1230;"), OK);
	CHECK_STR(tick(), "\r\nBUSY\r\n");
	CHECK_EQ(st.call, AT_CALL_IDLE);
	/* No answer (last digit 9). */
	CHECK_STR(at("ATD1239;"), OK);
	CHECK_STR(tick(), "");
	for (int i = 0; i < 4; i++)
		CHECK_STR(tick(), "");
	CHECK_STR(tick(), "\r\nNO ANSWER\r\n");
	/* The far end hangs up (last digit 8). */
	CHECK_STR(at("ATD*31#1238;"), OK);
	ticks(3);
	CHECK_EQ(st.call, AT_CALL_ACTIVE);
	for (int i = 0; i < 9; i++)
		CHECK_STR(tick(), "");
	CHECK_STR(tick(), "\r\nNO CARRIER\r\n");
	CHECK_EQ(st.call, AT_CALL_IDLE);
	/* Hanging up while dialling. */
	CHECK_STR(at("ATD777;"), OK);
	CHECK_STR(at("ATH"), OK);
	CHECK_STR(tick(), "");
	/* CFUN=0 ends a call without a word. */
	CHECK_STR(at("ATD777;"), OK);
	CHECK_STR(at("AT+CFUN=0"), OK);
	CHECK_EQ(st.call, AT_CALL_IDLE);
	CHECK_STR(at("ATD777;"), "\r\nNO CARRIER\r\n");
}

static void test_at_dial_malformed(void)
{
	up();
	CHECK_STR(at("ATD"), ERR);
	CHECK_STR(at("ATD;"), ERR);
	CHECK_STR(at("ATD12a4;"), ERR);
	CHECK_STR(at("ATD1+2;"), ERR);
	CHECK_STR(at("ATD12;;"), ERR);
	CHECK_STR(at("ATD12;+CSQ"), ERR);                  /* D must end the line */
	CHECK_STR(at("ATD123456789012345678901;"), ERR);   /* 21 digits */
	CHECK_STR(at("ATD12345678901234567890;"), OK);     /* 20 */
	CHECK_STR(at("ATH"), OK);
	CHECK_STR(at("ATD12345"), "\r\nNO CARRIER\r\n");   /* data call: not offered */
	CHECK_STR(at("ATD 555 123;"), OK);                 /* spaces are ignored */
	CHECK_STR(at("ATH"), OK);
}

static void test_at_incoming(void)
{
	up();
	CHECK_EQ(at_incoming(&st, "5551234", 7), 0);
	CHECK_EQ(at_incoming(&st, "5551234", 7), -1);      /* busy */
	CHECK_STR(tick(), "\r\nRING\r\n");
	CHECK_STR(tick(), "\r\nRING\r\n");
	CHECK_STR(at("ATA"), OK);
	CHECK_EQ(st.call, AT_CALL_ACTIVE);
	CHECK_STR(at("ATA"), "\r\nNO CARRIER\r\n");        /* nothing to answer */
	CHECK_STR(at("ATH"), OK);
	/* Unanswered: five RINGs, then the caller gives up. */
	CHECK_EQ(at_incoming(&st, "+15550000", 9), 0);
	for (int i = 0; i < 5; i++)
		CHECK_STR(tick(), "\r\nRING\r\n");
	CHECK_STR(tick(), "\r\nNO CARRIER\r\n");
	CHECK_EQ(st.call, AT_CALL_IDLE);
	/* Bad numbers, and no calls when not registered. */
	CHECK_EQ(at_incoming(&st, "", 0), -1);
	CHECK_EQ(at_incoming(&st, "12x", 3), -1);
	CHECK_EQ(at_incoming(&st, "123456789012345678901", 21), -1);
	CHECK_STR(at("AT+CFUN=4"), OK);
	CHECK_EQ(at_incoming(&st, "123", 3), -1);
}

static void test_at_concatenation(void)
{
	up();
	CHECK_STR(at("AT+CFUN?;+CGMI"), "\r\n+CFUN: 1\r\nMuon\r\n" OK);
	CHECK_STR(at("ATE0I"), "\r\nMuon LTE modem (simulated network)\r\nRevision: 1.0\r\n" OK);
	CHECK_STR(at("AT+CGMI;;+CGMM"), "\r\nMuon\r\nMuon-LTE-SIM\r\n" OK);
	CHECK_STR(at("AT+CGMI;+COPS?"), "\r\nMuon\r\n" ERR);  /* stops at the unknown one */
	CHECK_STR(at("ATH+CGMI"), "\r\nMuon\r\n" OK);
	CHECK_STR(at("AT+CGDCONT=1,\"IP\",\"a;b\""), ERR);    /* ';' inside a string */
	CHECK_STR(at("AT+CREG=1;+CREG?"), "\r\n+CREG: 1,1\r\n" OK);
}

static void test_at_malformed(void)
{
	char line[AT_LINE_MAX + 8];

	up();
	CHECK_STR(at(""), ERR);
	CHECK_STR(at("\r\n"), ERR);
	CHECK_STR(at("A"), ERR);
	CHECK_STR(at("XT"), ERR);
	CHECK_STR(at("TA"), ERR);
	CHECK_STR(at("AT+"), ERR);
	CHECK_STR(at("AT+?"), ERR);
	CHECK_STR(at("AT+=?"), ERR);
	CHECK_STR(at("AT+COPS?"), ERR);
	CHECK_STR(at("AT+CSQ?"), ERR);
	CHECK_STR(at("AT+CSQ=1"), ERR);
	CHECK_STR(at("AT+CSQ1"), ERR);
	CHECK_STR(at("AT+CSQQQQQQQQQQ"), ERR);
	CHECK_STR(at("AT+CFUN=1,,,,,,,"), ERR);
	CHECK_STR(at("ATQ"), ERR);
	CHECK_STR(at("AT5"), ERR);
	CHECK_STR(at("AT\"\""), ERR);
	CHECK_STR(at("AT\t"), ERR);
	CHECK_STR(at("AT\x7f"), ERR);
	CHECK_STR(at("AT\xc3\xa9"), ERR);
	CHECK_STR(at("AT\r\r"), ERR);
	{
		/* NUL inside the line. */
		size_t n = at_handle(&st, "AT\0I", 4, resp, AT_RESPONSE_MAX);
		resp[n] = '\0';
		CHECK_STR(resp, ERR);
	}
	/* 128 characters are allowed, 129 are not. */
	memset(line, ' ', sizeof line);
	memcpy(line, "AT", 2);
	line[AT_LINE_MAX] = '\0';
	CHECK_STR(at(line), OK);
	line[AT_LINE_MAX] = ' ';
	line[AT_LINE_MAX + 1] = '\0';
	CHECK_STR(at(line), ERR);
	/* The state survived all of it. */
	CHECK_STR(at("AT+CFUN?"), "\r\n+CFUN: 1\r\n" OK);
}

/* Output buffers too small for the response. */
static void test_at_small_buffers(void)
{
	char small[32];
	size_t n;

	up();
	(void)at("AT+CGDCONT=1,\"IP\",\"internet\"");
	memset(small, 'X', sizeof small);
	n = at_handle(&st, "AT+CGDCONT?", 11, small, 20);
	CHECK_EQ(n, 9);
	CHECK(memcmp(small, ERR, 9) == 0);
	CHECK_EQ(small[20], 'X');
	n = at_handle(&st, "AT", 2, small, 6);
	CHECK_EQ(n, 6);
	CHECK(memcmp(small, OK, 6) == 0);
	n = at_handle(&st, "AT+CGMI", 7, small, 8);
	CHECK_EQ(n, 0);                        /* not even ERROR fits */
	n = at_handle(&st, "AT", 2, small, 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(at_tick(&st, small, 0), 0);
	/* A response over AT_RESPONSE_MAX is an ERROR, whatever the buffer. */
	{
		static char big[4096];
		/* 11 test commands: about 1,150 bytes of information text. */
		const char *l = "AT+CGDCONT=?;+CGDCONT=?;+CGDCONT=?;+CGDCONT=?;+CGDCONT=?;"
				"+CGDCONT=?;+CGDCONT=?;+CGDCONT=?;+CGDCONT=?;+CGDCONT=?;"
				"+CGDCONT=?";

		CHECK(strlen(l) <= AT_LINE_MAX);
		n = at_handle(&st, l, strlen(l), big, sizeof big);
		CHECK_EQ(n, 9);
		CHECK(memcmp(big, ERR, 9) == 0);
	}
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int ends_with(const char *p, size_t n, const char *tail)
{
	size_t t = strlen(tail);

	return n >= t && memcmp(p + n - t, tail, t) == 0;
}

/*
 * 100,000 random lines built from command fragments, digits, quotes,
 * separators and arbitrary bytes, with random buffer sizes, ticks and
 * incoming calls in between. Invariants: the response fits the buffer and
 * AT_RESPONSE_MAX, ends in a final result code when the buffer is large
 * enough, and the state stays in range.
 */
static void test_at_fuzz(void)
{
	static const char *const frag[] = {
		"AT", "at", "+CSQ", "+CFUN", "+CGDCONT", "+CREG", "+CGMI", "+CGMM", "+CGMR", "+COPS",
		"=", "?", "=?", ";", ",", "\"", "\"IP\"", "\"IPV6\"", "\"internet\"", "D", "H", "E",
		"I", "Z", "A", "0", "1", "4", "9", "8", "12345", "+49", "*#", " ", "\r", "\n",
		"99999999999", "\x01", "\xff", "aaaaaaaaaaaaaaaaaaaa",
	};
	static char line[AT_LINE_MAX * 2], out[AT_RESPONSE_MAX + 16];
	uint32_t s = 20240501;
	unsigned oks = 0, errors = 0;

	at_init(&st, 7);
	for (int i = 0; i < 100000; i++) {
		size_t len = 0, cap, n;
		unsigned parts = rnd(&s) % 12;

		if (rnd(&s) % 3)
			len = (size_t)snprintf(line, sizeof line, "AT");
		for (unsigned k = 0; k < parts; k++) {
			const char *f = frag[rnd(&s) % (sizeof frag / sizeof frag[0])];
			size_t fl = strlen(f);

			if (rnd(&s) % 10 == 0) {
				if (len < sizeof line)
					line[len++] = (char)rnd(&s);
				continue;
			}
			if (len + fl > sizeof line)
				break;
			memcpy(line + len, f, fl);
			len += fl;
		}
		cap = rnd(&s) % 8 == 0 ? rnd(&s) % 40 : AT_RESPONSE_MAX + (rnd(&s) % 16);
		memset(out, '#', sizeof out);
		n = at_handle(&st, line, len, out, cap);
		CHECK(n <= cap && n <= AT_RESPONSE_MAX);
		CHECK(cap >= sizeof out || out[cap] == '#');
		if (cap >= AT_RESPONSE_MAX) {
			CHECK_MSG(ends_with(out, n, OK) || ends_with(out, n, ERR) ||
				  ends_with(out, n, "\r\nNO CARRIER\r\n"),
				  "line %d: no final result code", i);
			oks += ends_with(out, n, OK);
			errors += ends_with(out, n, ERR);
		}
		if (rnd(&s) % 5 == 0) {
			n = at_tick(&st, out, rnd(&s) % 2 ? AT_URC_MAX : rnd(&s) % 16);
			CHECK(n <= AT_URC_MAX);
		}
		if (rnd(&s) % 50 == 0)
			(void)at_incoming(&st, line, len % 24);
		CHECK(st.cfun == 0 || st.cfun == 1 || st.cfun == 4);
		CHECK(st.creg_n <= 2 && st.reg <= 2 && st.call <= AT_CALL_INCOMING);
		CHECK(memchr(st.number, '\0', sizeof st.number) != NULL);
		for (int c = 0; c < AT_MAX_CID; c++) {
			CHECK(st.pdp[c].type <= AT_PDP_IPV4V6);
			CHECK(memchr(st.pdp[c].apn, '\0', sizeof st.pdp[c].apn) != NULL);
		}
	}
	/* The generator reaches both outcomes often. */
	CHECK(oks > 1000 && errors > 10000);
}

int main(void)
{
	RUN(test_at_basic);
	RUN(test_at_echo);
	RUN(test_at_csq_creg);
	RUN(test_at_cfun);
	RUN(test_at_cgdcont);
	RUN(test_at_calls);
	RUN(test_at_dial_malformed);
	RUN(test_at_incoming);
	RUN(test_at_concatenation);
	RUN(test_at_malformed);
	RUN(test_at_small_buffers);
	RUN(test_at_fuzz);
	return check_summary();
}
