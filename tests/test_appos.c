/*
 * Host tests of the app-OS programs' pure parts (apps/appos): the env page
 * lookups, reading AT responses, the dialer's packets and their tally, the
 * compute kernels and the progress meter.
 */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "appos.h"

/* ---- env */

static struct mu_env env;

static void env_reset(void)
{
	memset(&env, 0, sizeof(env));
	env.magic = MU_ENV_MAGIC;
	strcpy(env.program, "dialer");
	strcpy(env.partition, "appos");
	strcpy(env.mode, "dialer");
}

static void add(const char *name, uint32_t kind, uint32_t slot, uint32_t addr, uint32_t size)
{
	struct mu_env_entry *e = &env.e[env.n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, strlen(name) < 24 ? strlen(name) : 24);
	e->kind = kind;
	e->slot = slot;
	e->addr = addr;
	e->size = size;
}

static void test_env_check(void)
{
	env_reset();
	CHECK(env_check(&env) == NULL);
	CHECK(env_check(NULL) != NULL);
	env.magic = 0;
	CHECK(env_check(&env) != NULL);
	CHECK(env_find(&env, "console", MU_ENV_CAP) == NULL);
	CHECK(!env_mode_is(&env, "dialer"));
	env_reset();
	env.n = MU_ENV_MAX + 1;
	CHECK(env_check(&env) != NULL);
	env.n = MU_ENV_MAX;
	CHECK(env_check(&env) == NULL);
}

static void test_env_find(void)
{
	env_reset();
	add("console", MU_ENV_CAP, 3, 0, 0);
	add("at", MU_ENV_CAP, 8, 0, 0);
	add("data", MU_ENV_CAP, 9, 0, 0);
	add("data-ring", MU_ENV_SHARED, 0, 0x30100000u, 16384);
	add("bad-slot", MU_ENV_CAP, 128, 0, 0);
	add("null-slot", MU_ENV_CAP, 0, 0, 0);
	add("high", MU_ENV_SHARED, 0, 0x7ffff000u, 8192);          /* runs past user space */
	add("odd", MU_ENV_SHARED, 0, 0x30100010u, 4096);           /* not page aligned */
	add("empty", MU_ENV_SHARED, 0, 0x30200000u, 0);
	add("weird", 77, 5, 0, 0);
	add("abcdefghijklmnopqrstuvwx", MU_ENV_CAP, 10, 0, 0);     /* 24 bytes, no NUL */
	const struct mu_env_entry *e = env_find(&env, "at", MU_ENV_CAP);
	CHECK(e && e->slot == 8);
	CHECK(env_find(&env, "at", MU_ENV_SHARED) == NULL);        /* kind matters */
	CHECK(env_find(&env, "a", MU_ENV_CAP) == NULL);            /* no prefix matches */
	CHECK(env_find(&env, "att", MU_ENV_CAP) == NULL);
	e = env_find(&env, "data-ring", MU_ENV_SHARED);
	CHECK(e && e->addr == 0x30100000u && e->size == 16384);
	CHECK(env_find(&env, "bad-slot", MU_ENV_CAP) == NULL);
	CHECK(env_find(&env, "null-slot", MU_ENV_CAP) == NULL);
	CHECK(env_find(&env, "high", MU_ENV_SHARED) == NULL);
	CHECK(env_find(&env, "odd", MU_ENV_SHARED) == NULL);
	CHECK(env_find(&env, "empty", MU_ENV_SHARED) == NULL);
	CHECK(env_find(&env, "weird", 77) == NULL);
	CHECK(env_find(&env, "abcdefghijklmnopqrstuvwx", MU_ENV_CAP) == NULL);   /* names have at most 23 */
	/* Entries past n are not looked at. */
	env.n = 2;
	CHECK(env_find(&env, "data", MU_ENV_CAP) == NULL);
	CHECK(env_find(&env, "at", MU_ENV_CAP) != NULL);
}

static void test_env_names(void)
{
	char out[25];
	env_reset();
	CHECK(env_mode_is(&env, "dialer"));
	CHECK(!env_mode_is(&env, "dial"));
	CHECK(!env_mode_is(&env, "dialers"));
	CHECK(!env_mode_is(&env, ""));
	memset(env.mode, 'x', 24);   /* unterminated */
	CHECK(!env_mode_is(&env, "xxxxxxxxxxxxxxxxxxxxxxxx"));
	env_name(out, env.mode);
	CHECK_EQ(strlen(out), 24u);
	char raw[24] = { 'a', 1, (char)0xff, 'b', 0 };
	env_name(out, raw);
	CHECK(!strcmp(out, "a??b"));
}

/* ---- AT responses */

static enum at_final fin(const char *s) { return at_final(s, strlen(s)); }

static void test_at_final(void)
{
	CHECK_EQ(fin("\r\nOK\r\n"), AT_OK);
	CHECK_EQ(fin("\r\n+CSQ: 11,99\r\n\r\nOK\r\n"), AT_OK);
	CHECK_EQ(fin("OK"), AT_OK);
	CHECK_EQ(fin("\r\nERROR\r\n"), AT_ERROR);
	CHECK_EQ(fin("\r\n+CME ERROR: 3\r\n"), AT_ERROR);
	CHECK_EQ(fin("\r\nCONNECT\r\n"), AT_CONNECT);
	CHECK_EQ(fin("\r\nCONNECT 9600\r\n"), AT_CONNECT);
	CHECK_EQ(fin("\r\nNO CARRIER\r\n"), AT_FAILED);
	CHECK_EQ(fin("\r\nBUSY\r\n"), AT_FAILED);
	CHECK_EQ(fin(""), AT_NONE);
	CHECK_EQ(fin("\r\n\r\n"), AT_NONE);
	CHECK_EQ(fin("\r\nOKAY\r\n"), AT_NONE);
	CHECK_EQ(fin("\r\nOK\r\n+CSQ: 1,2\r\n"), AT_NONE);     /* OK must be last */
	CHECK_EQ(fin("\r\nERRORS\r\n"), AT_NONE);
	CHECK_EQ(fin("  OK  "), AT_OK);
	CHECK_EQ(at_final("OK", 1), AT_NONE);                   /* bounded by len */
	CHECK_EQ(at_final("\r\nOK\r\nxx", 6), AT_OK);
}

static void test_at_has_csq(void)
{
	const char *r = "\r\n+CSQ: 11,99\r\n\r\nOK\r\n";
	unsigned rssi = 0, ber = 0;
	CHECK(at_has(r, strlen(r), "+CSQ: "));
	CHECK(!at_has(r, 5, "+CSQ: "));
	CHECK(at_has(r, strlen(r), ""));
	CHECK(!at_has("", 0, "x"));
	CHECK_EQ(at_csq(r, strlen(r), &rssi, &ber), 0);
	CHECK_EQ(rssi, 11u);
	CHECK_EQ(ber, 99u);
	CHECK_EQ(at_csq("+CSQ: 31,7", 10, &rssi, &ber), 0);
	CHECK_EQ(rssi, 31u);
	CHECK_EQ(at_csq("+CSQ:99,99", 10, &rssi, &ber), 0);
	CHECK_EQ(at_csq("+CSQ: 32,0", 10, &rssi, &ber), -1);    /* out of range */
	CHECK_EQ(at_csq("+CSQ: 5,8", 9, &rssi, &ber), -1);
	CHECK_EQ(at_csq("+CSQ: 1234,0", 12, &rssi, &ber), -1);  /* too many digits */
	CHECK_EQ(at_csq("+CSQ: ,0", 8, &rssi, &ber), -1);
	CHECK_EQ(at_csq("+CSQ: 5", 7, &rssi, &ber), -1);
	CHECK_EQ(at_csq("+CSQ: 5,", 8, &rssi, &ber), -1);
	CHECK_EQ(at_csq("+CSQ: 5,1", 8, &rssi, &ber), -1);      /* bounded by len */
	CHECK_EQ(at_csq("OK", 2, &rssi, &ber), -1);
}

static int creg(const char *s) { return at_creg(s, strlen(s)); }

static void test_at_creg(void)
{
	CHECK_EQ(creg("\r\n+CREG: 0,1\r\n\r\nOK\r\n"), 1);
	CHECK_EQ(creg("\r\n+CREG: 0,2\r\n\r\nOK\r\n"), 2);
	CHECK_EQ(creg("+CREG: 2,1,\"00C3\",\"0000A13F\""), 1);
	CHECK_EQ(creg("+CREG:1,5"), 5);
	CHECK_EQ(creg("+CREG: 0,6"), -1);
	CHECK_EQ(creg("+CREG: 0,"), -1);
	CHECK_EQ(creg("+CREG: 1"), -1);     /* the URC form has no n: not what AT+CREG? answers */
	CHECK_EQ(creg("+CREG: x,1"), -1);
	CHECK_EQ(creg("OK"), -1);
	CHECK_EQ(at_creg("+CREG: 0,1", 8), -1);
}

/* ---- packets */

static void test_packet_round_trip(void)
{
	static uint8_t buf[PKT_MAX];
	unsigned sizes_seen_min = 0, sizes_seen_max = 0;
	uint32_t lo = PKT_MAX, hi = 0;
	for (uint32_t seq = 0; seq < 5000; seq++) {
		uint32_t len = pkt_build(seq, PKT_MAX, buf, sizeof(buf)), got = ~0u;
		CHECK(len >= PKT_MIN && len <= PKT_MAX);
		CHECK_EQ(len, pkt_size(seq, PKT_MAX));
		CHECK_EQ(pkt_check(buf, len, PKT_MAX, &got), PKT_INTACT);
		CHECK_EQ(got, seq);
		lo = len < lo ? len : lo;
		hi = len > hi ? len : hi;
		sizes_seen_min += len == PKT_MIN;
		sizes_seen_max += len == PKT_MAX;
	}
	CHECK_EQ(lo, PKT_MIN);
	CHECK_EQ(hi, PKT_MAX);
	CHECK(sizes_seen_min >= 1 && sizes_seen_max >= 1);
	CHECK_EQ(pkt_build(1, PKT_MAX, buf, PKT_MAX - 1), 0u);   /* too small a buffer */
}

static void test_packet_max(void)
{
	static uint8_t buf[PKT_MAX];
	uint32_t seq;
	for (uint32_t max = 0; max < PKT_MAX + 50; max += 7) {
		uint32_t want = max < PKT_MIN ? PKT_MIN : max > PKT_MAX ? PKT_MAX : max;
		CHECK_EQ(pkt_size(1, max), want);
		for (uint32_t s = 0; s < 200; s++) {
			uint32_t len = pkt_build(s, max, buf, sizeof(buf));
			CHECK(len >= PKT_MIN && len <= want);
			CHECK_EQ(pkt_check(buf, len, max, &seq), PKT_INTACT);
		}
	}
	/* Built for one MTU, checked against another: the length no longer fits the sequence number. */
	uint32_t len = pkt_build(1, 500, buf, sizeof(buf));
	CHECK_EQ(pkt_check(buf, len, 600, &seq), PKT_LENGTH);
}

static void test_packet_damage(void)
{
	static uint8_t buf[PKT_MAX], copy[PKT_MAX];
	uint32_t seq;
	for (uint32_t s = 0; s < 40; s++) {
		uint32_t len = pkt_build(s, PKT_MAX, buf, sizeof(buf));
		for (uint32_t i = 0; i < len; i++)
			for (unsigned bit = 0; bit < 8; bit++) {
				memcpy(copy, buf, len);
				copy[i] ^= (uint8_t)(1u << bit);
				CHECK(pkt_check(copy, len, PKT_MAX, &seq) != PKT_INTACT);
			}
		CHECK(pkt_check(buf, len - 1, PKT_MAX, &seq) != PKT_INTACT);     /* truncated */
		CHECK_EQ(pkt_check(buf, PKT_MIN - 1, PKT_MAX, &seq), PKT_SHORT);
	}
	/* Random bytes are never taken for a packet. */
	srand(7);
	for (unsigned k = 0; k < 20000; k++) {
		uint32_t len = (uint32_t)rand() % (PKT_MAX + 1);
		for (uint32_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand();
		if (k % 2 && len >= 8) {   /* a plausible header */
			buf[0] = 'M';
			buf[1] = 'P';
			buf[2] = (uint8_t)len;
			buf[3] = (uint8_t)(len >> 8);
		}
		CHECK(pkt_check(buf, len, PKT_MAX, &seq) != PKT_INTACT);
	}
}

static void test_tally(void)
{
	static uint8_t buf[PKT_MAX];
	struct pkt_tally t;
	tally_start(&t, 100, 4, PKT_MAX);
	for (uint32_t s = 100; s < 104; s++) {
		CHECK(!tally_complete(&t));
		tally_add(&t, buf, pkt_build(s, PKT_MAX, buf, sizeof(buf)));
	}
	CHECK(tally_complete(&t));
	tally_add(&t, buf, pkt_build(101, PKT_MAX, buf, sizeof(buf)));   /* again */
	tally_add(&t, buf, pkt_build(99, PKT_MAX, buf, sizeof(buf)));    /* before the window */
	tally_add(&t, buf, pkt_build(104, PKT_MAX, buf, sizeof(buf)));   /* after it */
	uint32_t len = pkt_build(102, PKT_MAX, buf, sizeof(buf));
	buf[len / 2] ^= 1;
	tally_add(&t, buf, len);
	CHECK_EQ(t.intact, 4u);
	CHECK_EQ(t.duplicate, 1u);
	CHECK_EQ(t.foreign, 2u);
	CHECK_EQ(t.damaged, 1u);
	tally_start(&t, 0xfffffffeu, 300, PKT_MAX);   /* the window is at most 256, and may wrap */
	CHECK_EQ(t.count, 256u);
	tally_add(&t, buf, pkt_build(1, PKT_MAX, buf, sizeof(buf)));
	CHECK_EQ(t.intact, 1u);
}

/* ---- computation */

static void test_work_block(void)
{
	static struct work_state w;
	uint32_t ref[WORK_N * WORK_N];
	work_init(&w, 5);
	for (unsigned r = 0; r < WORK_N; r++)   /* the product, done the slow way first */
		for (unsigned c = 0; c < WORK_N; c++) {
			uint64_t s = 0;
			for (unsigned k = 0; k < WORK_N; k++)
				s += (uint64_t)w.a[r * WORK_N + k] * w.b[k * WORK_N + c];
			ref[r * WORK_N + c] = (uint32_t)s;
		}
	uint32_t d = work_block(&w);
	CHECK(!memcmp(w.c, ref, sizeof(ref)));
	CHECK_EQ(d, fnv1a(ref, sizeof(ref), FNV_SEED));
	CHECK_EQ(w.blocks, 1u);
	CHECK(!memcmp(&w.a[WORK_N], ref, WORK_N * sizeof(uint32_t)));   /* rows rotated into a */
}

static void test_work_task(void)
{
	static struct work_state w1, w2;
	uint32_t a = work_task(&w1, 42), b = work_task(&w2, 42);
	CHECK_EQ(a, b);
	CHECK_EQ(w1.blocks, (uint32_t)WORK_TASK_BLOCKS);
	work_task(&w2, 7);   /* whatever ran before does not matter */
	CHECK_EQ(work_task(&w2, 42), a);
	unsigned same = 0;
	for (uint32_t t = 0; t < 64; t++)
		same += work_task(&w1, t) == work_task(&w2, t + 1);
	CHECK(same == 0);
}

static void test_pattern(void)
{
	uint32_t buf[1024];
	pattern_fill(buf, 1024, 3);
	CHECK_EQ(pattern_check(buf, 1024, 3), 0u);
	CHECK(pattern_check(buf, 1024, 4) > 1000u);
	buf[17] ^= 0x100;
	buf[1000] = 0;
	CHECK_EQ(pattern_check(buf, 1024, 3), 2u);
	pattern_fill(buf, 1024, 0);
	CHECK_EQ(pattern_check(buf, 1024, 0), 0u);
	pattern_fill(buf, 1024, 32);
	CHECK_EQ(pattern_check(buf, 1024, 32), 0u);
}

static void test_meter(void)
{
	struct meter m;
	memset(&m, 0, sizeof(m));
	CHECK_EQ(meter_dip(&m), 100u);
	CHECK_EQ(meter_mean(&m), 0u);
	meter_add(&m, 1, 1000000);         /* warm-up: not counted */
	CHECK_EQ(meter_mean(&m), 0u);
	meter_add(&m, 40, 4000000);        /* 10 per ms: 10000 per second */
	meter_add(&m, 80, 4000000);        /* 20000 */
	meter_add(&m, 20, 4000000);        /* 5000 */
	CHECK_EQ(m.best, 20000u);
	CHECK_EQ(m.worst, 5000u);
	CHECK_EQ(m.last, 5000u);
	CHECK_EQ(meter_dip(&m), 25u);
	CHECK_EQ(meter_mean(&m), 11666u);
	meter_add(&m, 60, 250000000);      /* a burst held up for 250 ms: 240 per second, still counted */
	CHECK_EQ(m.worst, 240u);
	CHECK_EQ(meter_dip(&m), 1u);
	meter_add(&m, 5, 0);               /* no time: no division by zero */
	CHECK(m.best > 20000u);
	meter_add(&m, 0xffffffffu, 1);     /* saturates */
	CHECK_EQ(m.last, 0xffffffffu);
}

int main(void)
{
	RUN(test_env_check);
	RUN(test_env_find);
	RUN(test_env_names);
	RUN(test_at_final);
	RUN(test_at_has_csq);
	RUN(test_at_creg);
	RUN(test_packet_round_trip);
	RUN(test_packet_max);
	RUN(test_packet_damage);
	RUN(test_tally);
	RUN(test_work_block);
	RUN(test_work_task);
	RUN(test_pattern);
	RUN(test_meter);
	return check_summary();
}
