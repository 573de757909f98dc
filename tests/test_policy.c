/*
 * Host tests of the load balancer's policy-file parser (loadbalancer/policy.c).
 *
 * Run with the source tree as the only argument: the good files are the
 * two configs/ policies and tests/policy/good_NAME.policy, the bad ones
 * tests/policy/bad_NAME.policy. Every input is parsed from a heap buffer of
 * exactly its length, so AddressSanitizer reports any read past the end.
 */
#include "check.h"
#include "cfgtext.h"
#include "policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *root; /* the source tree */

static const char *const good_files[] = {
	"configs/default.policy",
	"configs/stress.policy",
	"tests/policy/good_minimal.policy",
	"tests/policy/good_syntax.policy",
	"tests/policy/good_defaults.policy",
};
#define N_GOOD (sizeof good_files / sizeof good_files[0])

/* Parses a copy of s[0..n) held in exactly n bytes. */
static int parse_exact(const char *s, size_t n, const char *name, unsigned board,
		       struct policy *out, char *msg, size_t msg_size)
{
	char *copy = malloc(n ? n : 1);
	int r;

	if (!copy)
		abort();
	if (n)
		memcpy(copy, s, n);
	r = policy_parse(n ? copy : NULL, n, name, board, out, msg, msg_size);
	free(copy);
	return r;
}

static int parse_file(const char *rel, unsigned board, struct policy *out, char *msg, size_t size)
{
	struct text t = text_load(root, rel);
	int r;

	if (!t.s) {
		snprintf(msg, size, "cannot read %s/%s", root, rel);
		return 1;
	}
	r = parse_exact(t.s, t.n, base_name(rel), board, out, msg, size);
	free(t.s);
	return r;
}

/* ---- Good files parse to the expected structures ---- */

/* The first field of got that differs from want, or NULL. */
static const char *client_diff(const struct policy_client *got, const struct policy_client *want)
{
	if (strcmp(got->name, want->name))
		return "name";
	if (got->kind != want->kind)
		return "kind";
	if (got->cpus != want->cpus || got->reserved != want->reserved || got->usable != want->usable)
		return "cpus, reserved or usable";
	if (got->prio_lo != want->prio_lo || got->prio_hi != want->prio_hi)
		return "priorities";
	if (got->period_ms != want->period_ms || got->hysteresis != want->hysteresis)
		return "period or hysteresis";
	if (got->low != want->low || got->high != want->high)
		return "low or high";
	return got->line != want->line ? "line" : NULL;
}

static const char *group_diff(const struct policy_group *got, const struct policy_group *want)
{
	if (strcmp(got->name, want->name))
		return "name";
	if (got->kind != want->kind || got->client != want->client || got->threads != want->threads)
		return "kind, client or threads";
	if (got->cpus != want->cpus || got->usable != want->usable)
		return "cpus or usable";
	if (got->period_ms != want->period_ms || got->hysteresis != want->hysteresis)
		return "period or hysteresis";
	return got->line != want->line ? "line" : NULL;
}

/* Parses rel for 4 CPUs and compares it with the expected clients and groups. */
#define CHECK_FILE(rel, clients, groups)                                                 \
	do {                                                                             \
		static struct policy p_;                                                 \
		char msg_[256];                                                          \
		int r_ = parse_file(rel, 4, &p_, msg_, sizeof msg_);                     \
		CHECK_MSG(r_ == POLICY_OK, "%s: %s", rel, msg_);                         \
		CHECK(policy_valid(&p_, 4));                                             \
		CHECK_EQ(p_.n_cpus, 4);                                                  \
		CHECK_EQ(p_.n_clients, sizeof clients / sizeof clients[0]);              \
		CHECK_EQ(p_.n_groups, sizeof groups / sizeof groups[0]);                 \
		for (unsigned i_ = 0; i_ < p_.n_clients; i_++) {                         \
			const char *d_ = client_diff(&p_.clients[i_], &clients[i_]);     \
			CHECK_MSG(!d_, "client %s: %s differs", clients[i_].name, d_);   \
		}                                                                        \
		for (unsigned i_ = 0; i_ < p_.n_groups; i_++) {                          \
			const char *d_ = group_diff(&p_.groups[i_], &groups[i_]);        \
			CHECK_MSG(!d_, "group %s: %s differs", groups[i_].name, d_);     \
		}                                                                        \
	} while (0)

static void test_default_config(void)
{
	static const struct policy_client clients[] = {
		{ "modem", POLICY_PINNED, 0x1, 0x1, 0x1, 200, 250, 0, 0, 0, 0, 14 },
		{ "appos", POLICY_BALANCE, 0xe, 0, 0xe, 10, 100, 50, 20, 0, 0, 21 },
	};
	static const struct policy_group groups[] = {
		{ "vm1", POLICY_VM, 1, 2, 0xe, 0xe, 50, 20, 29 },
		{ "prodcons", POLICY_TOGETHER, 1, 2, 0xe, 0xe, 0, 0, 35 },
		{ "sensitive", POLICY_APART, 1, 2, 0xe, 0xe, 0, 0, 41 },
	};
	CHECK_FILE("configs/default.policy", clients, groups);
}

static void test_stress_config(void)
{
	static const struct policy_client clients[] = {
		{ "modem", POLICY_PINNED, 0x1, 0x1, 0x1, 200, 250, 0, 0, 0, 0, 11 },
		{ "appos", POLICY_BALANCE, 0xe, 0, 0xe, 100, 150, 20, 10, 0, 0, 18 },
		{ "batch", POLICY_POWERSAVE, 0xe, 0, 0xe, 10, 50, 100, 0, 20, 60, 47 },
		{ "spinners", POLICY_APART, 0xf, 0, 0xe, 60, 90, 0, 0, 0, 0, 56 },
	};
	static const struct policy_group groups[] = {
		{ "media", POLICY_TOGETHER, 1, 3, 0xe, 0xe, 0, 0, 26 },
		{ "workers", POLICY_APART, 1, 3, 0xe, 0xe, 0, 0, 32 },
		{ "vm1", POLICY_VM, 1, 2, 0xc, 0xc, 100, 30, 38 },
	};
	CHECK_FILE("configs/stress.policy", clients, groups);
}

static void test_good_minimal(void)
{
	static const struct policy_client only = {
		"only", POLICY_BALANCE, 0xf, 0, 0xf, 0, 255, 50, 20, 0, 0, 2
	};
	static struct policy p;
	char msg[256];

	CHECK_MSG(parse_file("tests/policy/good_minimal.policy", 4, &p, msg, sizeof msg) == POLICY_OK,
		  "%s", msg);
	CHECK(policy_valid(&p, 4));
	CHECK_EQ(p.n_clients, 1);
	CHECK_EQ(p.n_groups, 0);
	const char *d = client_diff(&p.clients[0], &only);
	CHECK_MSG(!d, "client only: %s differs", d);
}

static void test_good_syntax(void)
{
	static const struct policy_client clients[] = {
		{ "Modem_RT", POLICY_PINNED, 0x5, 0x4, 0x5, 240, 255, 0, 0, 0, 0, 3 },
		{ "app-os", POLICY_TOGETHER, 0xe, 0, 0xa, 7, 7, 0, 0, 0, 0, 9 },
	};
	static const struct policy_group groups[] = {
		{ "g_1", POLICY_APART, 1, 1, 0xe, 0xa, 0, 0, 14 },
	};
	CHECK_FILE("tests/policy/good_syntax.policy", clients, groups);
}

static void test_good_defaults(void)
{
	static const struct policy_client clients[] = {
		{ "bal", POLICY_BALANCE, 0x3, 0, 0x3, 100, 199, 50, 20, 0, 0, 2 },
		{ "saver", POLICY_POWERSAVE, 0xc, 0, 0xc, 10, 20, 50, 0, 0, 70, 8 },
		{ "rt", POLICY_PINNED, 0x8, 0, 0x8, 250, 250, 0, 0, 0, 0, 15 },
	};
	static const struct policy_group groups[] = {
		{ "vm", POLICY_VM, 0, 2, 0x3, 0x3, 50, 20, 21 },
		{ "pair", POLICY_TOGETHER, 1, 32, 0x8, 0x8, 0, 0, 27 },
	};
	CHECK_FILE("tests/policy/good_defaults.policy", clients, groups);
}

/* A file at every limit: 32 CPUs, 16 clients, 16 groups, 23-character names. */
static size_t limits_file(char *buf, size_t size, unsigned clients)
{
	size_t n = (size_t)snprintf(buf, size, "cpus 32\n");
	for (unsigned i = 0; i < clients; i++)
		n += (size_t)snprintf(buf + n, size - n,
				      "client client_%02u_xxxxxxxxxxxxx {\n cpus 0-31\n"
				      " priorities %u\n policy vm\n period 10000\n hysteresis 100\n}\n",
				      i, 255 - i);
	for (unsigned i = 0; i < POLICY_MAX_GROUPS; i++)
		n += (size_t)snprintf(buf + n, size - n,
				      "group group_%02u_xxxxxxxxxxxxxx {\n client client_%02u_xxxxxxxxxxxxx\n"
				      " policy %s\n threads 32\n}\n",
				      i, i % 3, i % 2 ? "apart" : "together");
	return n;
}

static void test_limits(void)
{
	static char buf[8192];
	static struct policy p;
	char msg[256];
	size_t n = limits_file(buf, sizeof buf, POLICY_MAX_CLIENTS);

	CHECK(n < sizeof buf);
	CHECK_MSG(parse_exact(buf, n, "limits", 32, &p, msg, sizeof msg) == POLICY_OK, "%s", msg);
	CHECK(policy_valid(&p, 32));
	CHECK_EQ(p.n_clients, POLICY_MAX_CLIENTS);
	CHECK_EQ(p.n_groups, POLICY_MAX_GROUPS);
	CHECK_EQ(strlen(p.clients[15].name), POLICY_NAME_MAX);
	CHECK_EQ(p.clients[15].prio_lo, 240);
	CHECK_EQ(p.clients[0].cpus, 0xffffffffu);
	CHECK_EQ(p.clients[0].period_ms, POLICY_PERIOD_MAX);
	CHECK_EQ(p.groups[15].threads, POLICY_MAX_THREADS);

	n = limits_file(buf, sizeof buf, POLICY_MAX_CLIENTS + 1);
	CHECK(n < sizeof buf);
	CHECK_EQ(parse_exact(buf, n, "limits", 32, &p, msg, sizeof msg), POLICY_E_LIMIT);
	CHECK_MSG(!strcmp(msg, "limits:114:1: more than 16 clients"), "%s", msg);
}

static void test_one_cpu_board(void)
{
	static const char text[] = "cpus 1\nclient a {\ncpus 0\npriorities 1\npolicy balance\n}\n";
	static struct policy p;
	char msg[256];

	CHECK_MSG(parse_exact(text, sizeof text - 1, "one", 1, &p, msg, sizeof msg) == POLICY_OK,
		  "%s", msg);
	CHECK(policy_valid(&p, 1));
	CHECK(!policy_valid(&p, 2)); /* n_cpus is the board's */
	CHECK_EQ(parse_exact(text, sizeof text - 1, "one", 2, &p, msg, sizeof msg), POLICY_E_BOARD);
	CHECK_MSG(!strcmp(msg, "one:1:6: cpus 1 but the board has 2 CPUs"), "%s", msg);
}

/* ---- Every error kind, with its place ---- */

static const struct bad_file {
	const char *file;
	int err;
	const char *msg; /* after "file:" */
} bad_files[] = {
	{ "bad_syntax.policy", POLICY_E_SYNTAX, "3:12: unexpected '1' after the value" },
	{ "bad_name.policy", POLICY_E_NAME, "2:8: bad name '9lives': it starts with a letter or '_'" },
	{ "bad_name_long.policy", POLICY_E_NAME,
	  "2:8: name 'a_name_of_twenty_four_ch' is longer than 23 characters" },
	{ "bad_unknown_key.policy", POLICY_E_UNKNOWN_KEY, "3:5: unknown key 'cpu'" },
	{ "bad_unknown_policy.policy", POLICY_E_UNKNOWN_POLICY,
	  "5:12: unknown policy 'balanced' (pinned, together, apart, balance, powersave or vm)" },
	{ "bad_number.policy", POLICY_E_NUMBER, "6:12: '5O' is not a number" },
	{ "bad_range.policy", POLICY_E_RANGE, "4:19: priority 300 is out of range 0..255" },
	{ "bad_reversed.policy", POLICY_E_REVERSED, "3:13: range 3-1 is reversed" },
	{ "bad_low_high.policy", POLICY_E_REVERSED, "7:9: low 60 is not below high 60" },
	{ "bad_cpu.policy", POLICY_E_CPU, "3:12: CPU 4 is beyond the board's 4 CPUs (0-3)" },
	{ "bad_board.policy", POLICY_E_BOARD, "2:6: cpus 2 but the board has 4 CPUs" },
	{ "bad_prio_overlap.policy", POLICY_E_PRIO_OVERLAP,
	  "9:16: priorities 10-200 overlap client 'modem' (200-250, line 2)" },
	{ "bad_reserve_overlap.policy", POLICY_E_RESERVE_OVERLAP,
	  "12:13: CPU 1 already reserved by client 'rt1' (line 2)" },
	{ "bad_reserve_outside.policy", POLICY_E_OUTSIDE,
	  "3:13: reservation 1,2 is not within the client's CPUs 0,1" },
	{ "bad_group_outside.policy", POLICY_E_OUTSIDE,
	  "11:10: CPUs 2,3 are not within the CPUs of client 'app' (1,2)" },
	{ "bad_unknown_client.policy", POLICY_E_UNKNOWN_CLIENT,
	  "3:12: unknown client 'app' (a client is defined before its groups)" },
	{ "bad_duplicate_name.policy", POLICY_E_DUPLICATE, "7:7: duplicate name 'app' (client at line 2)" },
	{ "bad_duplicate_key.policy", POLICY_E_DUPLICATE, "6:5: duplicate 'cpus' (first at line 3)" },
	{ "bad_duplicate_cpu.policy", POLICY_E_DUPLICATE, "3:14: CPU 2 listed twice" },
	{ "bad_missing_brace.policy", POLICY_E_BLOCK, "2:11: expected '{' after client 'app'" },
	{ "bad_unterminated.policy", POLICY_E_BLOCK, "7:1: group 'g' is never closed: '}' missing" },
	{ "bad_nested.policy", POLICY_E_BLOCK,
	  "7:1: 'client' inside client 'app' (line 2): is a '}' missing?" },
	{ "bad_stray_brace.policy", POLICY_E_BLOCK, "7:1: '}' without an open block" },
	{ "bad_outside_block.policy", POLICY_E_BLOCK, "2:1: 'policy' outside a client or group block" },
	{ "bad_key_policy.policy", POLICY_E_NOT_APPLICABLE, "5:5: 'reserve' does not apply to policy balance" },
	{ "bad_key_block.policy", POLICY_E_NOT_APPLICABLE, "6:5: 'threads' does not apply to a client" },
	{ "bad_group_policy.policy", POLICY_E_NOT_APPLICABLE,
	  "9:12: policy 'balance' does not apply to a group (pinned, together, apart or vm)" },
	{ "bad_missing_key.policy", POLICY_E_MISSING, "2:1: client 'app' has no 'priorities'" },
	{ "bad_no_client.policy", POLICY_E_MISSING, "3:1: no client defined" },
	{ "bad_too_many_groups.policy", POLICY_E_LIMIT, "87:1: more than 16 groups" },
	{ "bad_apart_threads.policy", POLICY_E_UNSATISFIABLE,
	  "16:13: 3 threads need distinct CPUs but group 'workers' can use only 2 (1,2)" },
	{ "bad_vm_threads.policy", POLICY_E_UNSATISFIABLE,
	  "10:13: 4 threads need distinct CPUs but group 'vm1' can use only 3 (1-3)" },
	{ "bad_all_reserved.policy", POLICY_E_UNSATISFIABLE,
	  "3:10: all CPUs of client 'app' (0) are reserved by other clients" },
};
#define N_BAD (sizeof bad_files / sizeof bad_files[0])

static unsigned bad_index; /* the entry test_bad_file checks */

static void test_bad_file(void)
{
	const struct bad_file *b = &bad_files[bad_index];
	char rel[256], want[512], msg[512];
	static struct policy p;
	int r;

	snprintf(rel, sizeof rel, "tests/policy/%s", b->file);
	snprintf(want, sizeof want, "%s:%s", b->file, b->msg);
	r = parse_file(rel, 4, &p, msg, sizeof msg);
	CHECK_MSG(r == b->err, "result %d, want %d: %s", r, b->err, msg);
	CHECK_MSG(!strcmp(msg, want), "got \"%s\", want \"%s\"", msg, want);
}

/* Each error kind is shown by a file, or by an inline case below. */
static const int inline_kinds[] = { POLICY_E_LIMIT, POLICY_E_BOARD };

static void test_every_kind_has_a_bad_file(void)
{
	for (int err = -1; err > -POLICY_ERRS; err--) {
		int found = 0;
		for (unsigned i = 0; i < N_BAD; i++)
			found |= bad_files[i].err == err;
		for (unsigned i = 0; i < sizeof inline_kinds / sizeof inline_kinds[0]; i++)
			found |= inline_kinds[i] == err;
		CHECK_MSG(found, "no bad example of error %d", err);
	}
}

/* Inline cases: corners of the syntax and the errors without a place. */
static const struct inline_case {
	const char *text;
	size_t len; /* 0: strlen(text) */
	unsigned board;
	int err;
	const char *msg; /* the whole message, file name "t" */
} inline_cases[] = {
	{ "", 0, 0, POLICY_E_BOARD, "t: a board of 0 CPUs is not supported (1..32)" },
	{ "", 0, 33, POLICY_E_BOARD, "t: a board of 33 CPUs is not supported (1..32)" },
	{ "", 0, 4, POLICY_E_MISSING, "t:1:1: no client defined" },
	{ "# only a comment", 0, 4, POLICY_E_MISSING, "t:1:17: no client defined" },
	{ "cpus 0\n", 0, 4, POLICY_E_RANGE, "t:1:6: cpus 0 is out of range 1..32" },
	{ "cpus 4\ncpus 4\n", 0, 4, POLICY_E_DUPLICATE, "t:2:1: duplicate 'cpus' (first at line 1)" },
	{ "cpus\n", 0, 4, POLICY_E_SYNTAX, "t:1:5: 'cpus' needs a value" },
	{ "\tfoo 1\n", 0, 4, POLICY_E_UNKNOWN_KEY, "t:1:2: unknown key 'foo'" },
	{ "a_key_that_is_much_longer_than_thirty_two 1", 0, 4, POLICY_E_UNKNOWN_KEY,
	  "t:1:1: unknown key 'a_key_that_is_much_longer_than_t...'" },
	{ "client {\n", 0, 4, POLICY_E_SYNTAX, "t:1:8: 'client' needs a name" },
	{ "client a { cpus 0\n", 0, 4, POLICY_E_SYNTAX,
	  "t:1:12: unexpected 'cpus' after '{' (one statement per line)" },
	{ "client a {\n} x\n", 0, 4, POLICY_E_SYNTAX, "t:2:3: unexpected 'x' after '}'" },
	{ "{\n", 0, 4, POLICY_E_BLOCK,
	  "t:1:1: unexpected '{': a block starts with 'client NAME {' or 'group NAME {'" },
	{ "client a {\x01\n", 0, 4, POLICY_E_SYNTAX,
	  "t:1:11: unexpected '\\x01' after '{' (one statement per line)" },
	{ "cpus\0 4\n", 8, 4, POLICY_E_NUMBER, "t:1:5: '\\x00' is not a number" },
	{ "client a {\n  cpus\n", 0, 4, POLICY_E_SYNTAX, "t:2:7: 'cpus' needs a value" },
	{ "client a {\n  cpus 1-\n", 0, 4, POLICY_E_NUMBER, "t:2:10: a number is missing" },
	{ "client a {\n  cpus ,1\n", 0, 4, POLICY_E_NUMBER, "t:2:8: ',' is not a number" },
	{ "client a {\n  cpus 99999999999999999999\n", 0, 4, POLICY_E_CPU,
	  "t:2:8: CPU 99999999999999999999 is beyond the board's 4 CPUs (0-3)" },
	{ "client a {\n  period 99999999999999999999\n", 0, 4, POLICY_E_RANGE,
	  "t:2:10: period 99999999999999999999 is out of range 1..10000" },
	{ "client a {\n  period -5\n", 0, 4, POLICY_E_NUMBER, "t:2:10: '-5' is not a number" },
	{ "client a {\n  hysteresis 101\n", 0, 4, POLICY_E_RANGE,
	  "t:2:14: hysteresis 101 is out of range 0..100" },
	{ "client a {\n  policy\tvm # c\n}\n", 0, 4, POLICY_E_MISSING, "t:1:1: client 'a' has no 'cpus'" },
	{ "client a.b {\n", 0, 4, POLICY_E_NAME, "t:1:8: bad name 'a.b': letters, digits, '_' and '-' only" },
	{ "client a {\ncpus 0\npriorities 1\npolicy pinned\n}\ngroup g {\nthreads 0\n", 0, 4,
	  POLICY_E_RANGE, "t:7:9: threads 0 is out of range 1..32" },
	{ "client a {\ncpus 0-1\npriorities 1\npolicy pinned\n}\ngroup g {\nclient a\nthreads 2\n"
	  "policy apart\nhysteresis 5\n}\n", 0, 4, POLICY_E_NOT_APPLICABLE,
	  "t:10:1: 'hysteresis' does not apply to policy apart" },
	{ "client a {\ncpus 0-1\npriorities 1\npolicy powersave\nhysteresis 5\n}\n", 0, 4,
	  POLICY_E_NOT_APPLICABLE, "t:5:1: 'hysteresis' does not apply to policy powersave" },
	{ "client a {\ncpus 0-1\npriorities 1\npolicy powersave\nlow 80\n}\n", 0, 4,
	  POLICY_E_REVERSED, "t:5:5: low 80 is not below high 70" },
	{ "client a {\ncpus 0-1\npriorities 9-3\n", 0, 4, POLICY_E_REVERSED,
	  "t:3:12: range 9-3 is reversed" },
	{ "client a {\ncpus 0\npriorities 1\npolicy pinned\n}\ngroup g {\nclient a {\n", 0, 4,
	  POLICY_E_BLOCK, "t:7:1: 'client' inside group 'g' (line 6): is a '}' missing?" },
	{ "client a {\ncpus 0\npriorities 1\npolicy pinned\n}\ngroup g {\ngroup h {\n", 0, 4,
	  POLICY_E_BLOCK, "t:7:1: 'group' inside group 'g' (line 6): is a '}' missing?" },
	{ "client a {\ncpus 0\npriorities 1\npolicy pinned\n}\ngroup g {\nclient a\nclient a\n", 0, 4,
	  POLICY_E_DUPLICATE, "t:8:1: duplicate 'client' (first at line 7)" },
	{ "client a {\ncpus 0\npriorities 1\npolicy pinned\nreserve 0\n}\n"
	  "client b {\ncpus 0-1\npriorities 2\npolicy apart\n}\n"
	  "group g {\nclient b\ncpus 0\npolicy together\nthreads 2\n}\n", 0, 4, POLICY_E_UNSATISFIABLE,
	  "t:14:6: all CPUs of group 'g' (0) are reserved by other clients" },
	{ "client a {\ncpus 0\npriorities 1\npolicy balance\n}\ngroup a {\n", 0, 4, POLICY_E_DUPLICATE,
	  "t:6:7: duplicate name 'a' (client at line 1)" },
	{ "client a {\ncpus 0\npriorities 1\npolicy balance\n}\ngroup b {\nclient a\npolicy pinned\n"
	  "threads 1\n}\ngroup b {\n", 0, 4, POLICY_E_DUPLICATE,
	  "t:11:7: duplicate name 'b' (group at line 6)" },
	{ "client a {\ncpus 0\npriorities 1\npolicy balance\n}\ngroup b {\n\n}\n", 0, 4, POLICY_E_MISSING,
	  "t:6:1: group 'b' has no 'policy'" },
	{ "client a {\ncpus 0-3\npriorities 1\npolicy pinned\nreserve 0-3\n}\n"
	  "client b {\ncpus 1-2\npriorities 2\npolicy apart\n}\n", 0, 4, POLICY_E_UNSATISFIABLE,
	  "t:8:6: all CPUs of client 'b' (1,2) are reserved by other clients" },
};
#define N_INLINE (sizeof inline_cases / sizeof inline_cases[0])

static void test_inline_errors(void)
{
	static struct policy p;
	char msg[512];

	for (unsigned i = 0; i < N_INLINE; i++) {
		const struct inline_case *c = &inline_cases[i];
		size_t len = c->len ? c->len : strlen(c->text);
		int r = parse_exact(c->text, len, "t", c->board, &p, msg, sizeof msg);
		CHECK_MSG(r == c->err, "case %u: result %d, want %d: %s", i, r, c->err, msg);
		CHECK_MSG(!strcmp(msg, c->msg), "case %u: got \"%s\", want \"%s\"", i, msg, c->msg);
	}
}

static void test_too_large(void)
{
	static struct policy p;
	char msg[256];
	size_t n = POLICY_MAX_BYTES + 1;
	char *big = malloc(n);

	CHECK(big);
	memset(big, ' ', n);
	int r = policy_parse(big, n, "big", 4, &p, msg, sizeof msg);
	free(big);
	CHECK_EQ(r, POLICY_E_LIMIT);
	CHECK_MSG(!strcmp(msg, "big: larger than 65536 bytes"), "%s", msg);
}

/* The message is cut to the buffer and always ends in a NUL; nothing is written past it. */
static void test_message_buffer(void)
{
	static const char text[] = "client a {\n  cpu 0\n";
	static const char full[] = "m:2:3: unknown key 'cpu'";
	static struct policy p;
	char buf[64];

	CHECK_EQ(policy_parse(text, sizeof text - 1, "m", 4, &p, NULL, 0), POLICY_E_UNKNOWN_KEY);
	CHECK_EQ(policy_parse(text, sizeof text - 1, "m", 4, &p, NULL, 10), POLICY_E_UNKNOWN_KEY);
	for (size_t size = 0; size <= sizeof full + 1; size++) {
		memset(buf, 'X', sizeof buf);
		CHECK_EQ(policy_parse(text, sizeof text - 1, "m", 4, &p, buf, size), POLICY_E_UNKNOWN_KEY);
		for (size_t i = size; i < sizeof buf; i++)
			CHECK_MSG(buf[i] == 'X', "size %zu: byte %zu written", size, i);
		if (size == 0)
			continue;
		size_t want = size - 1 < sizeof full - 1 ? size - 1 : sizeof full - 1;
		CHECK_EQ(strlen(buf), want);
		CHECK(!strncmp(buf, full, want));
	}
	/* A success leaves an empty message; a NULL file name reads "policy". */
	CHECK_EQ(policy_parse("#\n", 2, NULL, 4, &p, buf, sizeof buf), POLICY_E_MISSING);
	CHECK_MSG(!strcmp(buf, "policy:2:1: no client defined"), "%s", buf);
	CHECK_EQ(parse_file("configs/default.policy", 4, &p, buf, sizeof buf), POLICY_OK);
	CHECK_EQ(buf[0], '\0');
}

/* ---- Robustness: truncations and random mutations ---- */

/* A result is a success with a valid policy, or an error with its message. */
static int check_result(int r, const struct policy *p, unsigned board, const char *name, const char *msg)
{
	size_t n = strlen(name);
	if (r == POLICY_OK)
		return policy_valid(p, board) && msg[0] == '\0';
	return r < 0 && r > -POLICY_ERRS && !strncmp(msg, name, n) && msg[n] == ':';
}

static void test_truncations(void)
{
	static struct policy p;
	char msg[512];

	for (unsigned f = 0; f < N_GOOD; f++) {
		struct text t = text_load(root, good_files[f]);
		unsigned ok = 0;
		CHECK_MSG(t.s, "cannot read %s", good_files[f]);
		for (size_t len = 0; len <= t.n; len++) {
			int r = parse_exact(t.s, len, "cut", 4, &p, msg, sizeof msg);
			if (!check_result(r, &p, 4, "cut", msg)) {
				free(t.s);
				CHECK_MSG(0, "%s cut at %zu: result %d: %s", good_files[f], len, r, msg);
			}
			ok += r == POLICY_OK;
		}
		free(t.s);
		CHECK_MSG(ok >= 1, "%s: no prefix accepted", good_files[f]);
	}
}

/* The bytes that matter in this language, for text_mutate. */
static const char mutate_chars[] = "0123456789-,{}# \t\r\n\0\x80\xff" "acdeghiklnoprstuvwy";

static void test_mutations(void)
{
	static struct policy p, again;
	struct text good[N_GOOD];
	char buf[4096], msg[512], msg2[512];
	uint32_t seed = 0x6d756f6e; /* "muon" */
	unsigned accepted = 0, rounds = 20000;

	for (unsigned f = 0; f < N_GOOD; f++) {
		good[f] = text_load(root, good_files[f]);
		CHECK_MSG(good[f].s && good[f].n < sizeof buf / 2, "cannot read %s", good_files[f]);
	}
	for (unsigned i = 0; i < rounds; i++) {
		const struct text *t = &good[xorshift(&seed) % N_GOOD];
		size_t n = t->n;
		unsigned edits = 1 + xorshift(&seed) % 4;
		memcpy(buf, t->s, n);
		while (edits--)
			text_mutate(buf, &n, sizeof buf, &seed, mutate_chars, sizeof mutate_chars - 1);
		int r = parse_exact(buf, n, "mut", 4, &p, msg, sizeof msg);
		int r2 = parse_exact(buf, n, "mut", 4, &again, msg2, sizeof msg2);
		if (!check_result(r, &p, 4, "mut", msg) || r != r2 || strcmp(msg, msg2) ||
		    (r == POLICY_OK && memcmp(&p, &again, sizeof p))) {
			fwrite(buf, 1, n, stderr);
			for (unsigned f = 0; f < N_GOOD; f++)
				free(good[f].s);
			CHECK_MSG(0, "round %u: result %d: %s (input above)", i, r, msg);
		}
		accepted += r == POLICY_OK;
	}
	for (unsigned f = 0; f < N_GOOD; f++)
		free(good[f].s);
	/* Some edits fall in comments: the accepted share shows the mutations reach both paths. */
	CHECK_MSG(accepted > rounds / 50 && accepted < rounds - rounds / 10,
		  "%u of %u mutants accepted", accepted, rounds);
}

/* ---- policy_valid itself rejects broken structures ---- */

static void test_valid_rejects(void)
{
	static struct policy good, p;
	char msg[256];

	CHECK_EQ(parse_file("configs/stress.policy", 4, &good, msg, sizeof msg), POLICY_OK);
	CHECK(policy_valid(&good, 4));
	CHECK(!policy_valid(&good, 8));
#define BROKEN(stmt)                                               \
	do {                                                       \
		p = good;                                          \
		stmt;                                              \
		CHECK_MSG(!policy_valid(&p, 4), "accepted: %s", #stmt); \
	} while (0)
	BROKEN(p.n_clients = 0);
	BROKEN(p.n_groups = POLICY_MAX_GROUPS + 1);
	BROKEN(p.clients[1].name[0] = '9');
	BROKEN(p.clients[1].kind = POLICY_KINDS);
	BROKEN(p.clients[1].cpus = 0x10);
	BROKEN(p.clients[1].reserved = 0x2);               /* not pinned */
	BROKEN(p.clients[0].reserved = 0x3);               /* outside its cpus */
	BROKEN(p.clients[3].usable = 0xf);                 /* ignores the modem's reservation */
	BROKEN(p.clients[1].prio_lo = 151);
	BROKEN(p.clients[1].prio_hi = 200);                /* overlaps the modem */
	BROKEN(p.clients[1].period_ms = 0);
	BROKEN(p.clients[0].period_ms = 50);               /* pinned has no period */
	BROKEN(p.clients[1].low = 10);
	BROKEN(p.clients[2].low = 60);
	BROKEN(p.clients[2].hysteresis = 5);
	BROKEN(memcpy(p.clients[3].name, "media", 6));     /* a group's name */
	BROKEN(p.groups[0].kind = POLICY_BALANCE);
	BROKEN(p.groups[0].client = 4);
	BROKEN(p.groups[0].threads = 0);
	BROKEN(p.groups[1].threads = 4);                    /* apart on 3 CPUs */
	BROKEN(p.groups[2].cpus = 0x3);
	BROKEN(p.groups[2].usable = 0x4);
	BROKEN(p.groups[2].hysteresis = 101);
	BROKEN(p.groups[0].period_ms = 50);
#undef BROKEN
}

static void test_kind_names(void)
{
	CHECK(!strcmp(policy_kind_name(POLICY_PINNED), "pinned"));
	CHECK(!strcmp(policy_kind_name(POLICY_POWERSAVE), "powersave"));
	CHECK(!strcmp(policy_kind_name(POLICY_KINDS), "?"));
}

/* A client `a` balanced with `period`, a powersave client with defaults, a vm group of `a` with period 70. */
static void text_policy(unsigned period, struct policy *p)
{
	char text[400], msg[160];
	int n = snprintf(text, sizeof(text),
			 "cpus 4\nclient a {\n cpus 1-3\n priorities 10-100\n policy balance\n period %u\n}\n"
			 "client s {\n cpus 0\n priorities 200\n policy powersave\n}\n"
			 "group g {\n client a\n policy vm\n threads 2\n period 70\n}\n", period);
	CHECK(policy_parse(text, (size_t)n, "t", 4, p, msg, sizeof(msg)) == POLICY_OK);
}

/* The text of `policy` and of the balancer's log: every effective value, and a changed period shows. */
static void test_text(void)
{
	char line[200];
	struct policy p;
	text_policy(50, &p);
	policy_client_text(&p, 0, line, sizeof(line));
	CHECK(!strcmp(line, "client a: balance, cpus 0xe, reserved 0x0, usable 0xe, priorities 10-100, period 50 ms, "
			    "hysteresis 20%"));
	policy_client_text(&p, 1, line, sizeof(line));
	CHECK(!strcmp(line, "client s: powersave, cpus 0x1, reserved 0x0, usable 0x1, priorities 200-200, "
			    "period 50 ms, low 30%, high 70%"));
	policy_group_text(&p, 0, line, sizeof(line));
	CHECK(!strcmp(line, "group g of a: vm, 2 threads, cpus 0xe, usable 0xe, period 70 ms, hysteresis 20%"));
	text_policy(200, &p);
	policy_client_text(&p, 0, line, sizeof(line));
	CHECK(strstr(line, ", period 200 ms,") != NULL);
	CHECK(policy_client_text(&p, 0, line, 10) > 10 && strlen(line) == 9);   /* cut, terminated */
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s SOURCE_TREE\n", argv[0]);
		return 2;
	}
	root = argv[1];
	RUN(test_default_config);
	RUN(test_stress_config);
	RUN(test_good_minimal);
	RUN(test_good_syntax);
	RUN(test_good_defaults);
	RUN(test_limits);
	RUN(test_one_cpu_board);
	for (bad_index = 0; bad_index < N_BAD; bad_index++)
		check_run_(bad_files[bad_index].file, test_bad_file);
	RUN(test_every_kind_has_a_bad_file);
	RUN(test_inline_errors);
	RUN(test_too_large);
	RUN(test_message_buffer);
	RUN(test_truncations);
	RUN(test_mutations);
	RUN(test_valid_rejects);
	RUN(test_kind_names);
	RUN(test_text);
	return check_summary();
}
