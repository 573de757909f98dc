/*
 * Host tests of the system-file parser (apps/init/sysfile.c) and its checks
 * against the balancer's policy and the machine's memory.
 *
 * Run with the source tree as the only argument: the good files are the two
 * configs/ systems and tests/sysfile/good_NAME.system, the bad ones
 * tests/sysfile/bad_NAME.system (bad_policy_NAME.system parse but disagree
 * with configs/default.policy). Every input is parsed from a heap buffer of
 * exactly its length, so AddressSanitizer reports any read past the end.
 */
#include "check.h"
#include "cfgtext.h"
#include "policy.h"
#include "sysfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *root; /* the source tree */

static const char *const good_files[] = {
	"configs/phone.system",
	"configs/stress.system",
	"configs/samecpu.system",
	"tests/sysfile/good_minimal.system",
	"tests/sysfile/good_syntax.system",
};
#define N_GOOD (sizeof good_files / sizeof good_files[0])

#define MIB (1024u * 1024u)

/* Parses a copy of s[0..n) held in exactly n bytes. */
static int parse_exact(const char *s, size_t n, const char *name, struct system *out,
		       char *msg, size_t msg_size)
{
	char *copy = malloc(n ? n : 1);
	int r;

	if (!copy)
		abort();
	if (n)
		memcpy(copy, s, n);
	r = sysfile_parse(n ? copy : NULL, n, name, out, msg, msg_size);
	free(copy);
	return r;
}

static int parse_file(const char *rel, struct system *out, char *msg, size_t size)
{
	struct text t = text_load(root, rel);
	int r;

	if (!t.s) {
		snprintf(msg, size, "cannot read %s/%s", root, rel);
		return 1;
	}
	r = parse_exact(t.s, t.n, base_name(rel), out, msg, size);
	free(t.s);
	return r;
}

static int parse_policy(const char *rel, struct policy *out, char *msg, size_t size)
{
	struct text t = text_load(root, rel);
	int r;

	if (!t.s) {
		snprintf(msg, size, "cannot read %s/%s", root, rel);
		return 1;
	}
	r = policy_parse(t.s, t.n, base_name(rel), 4, out, msg, size);
	free(t.s);
	return r;
}

/* ---- The parsed structure as text, to compare with what a file says ---- */

struct out {
	char *s;
	size_t size, n;
};

static void out_f(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_f(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(o->s + o->n, o->size - o->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->n = o->n + (size_t)k < o->size ? o->n + (size_t)k : o->size - 1;
}

/* name=kind[:what], '^' marking a grant inherited from the partition. */
static void dump_grant(struct out *o, const struct system *s, const struct sysfile_grant *g)
{
	const struct sysfile_program *srv;

	out_f(o, " %s%s=%s", g->inherited ? "^" : "", g->name, sysfile_grant_kind_name(g->kind));
	if (g->kind == SYSFILE_GRANT_IRQ || g->kind == SYSFILE_GRANT_TIMER)
		out_f(o, ":%u", g->irq);
	if (g->kind == SYSFILE_GRANT_GATE) {
		srv = &s->partitions[g->partition].programs[g->program];
		out_f(o, ":%s.%s", srv->name, srv->services[g->service]);
	}
	if (g->kind == SYSFILE_GRANT_SHARED)
		out_f(o, ":%s", s->shared[g->shared].name);
}

/*
 * One line per partition, program and region:
 *   policy PATH
 *   partition NAME scheduler=S memory=B kmem=B restart=R [grants...]
 *   program NAME module=M mode=X[#N] threads=T priority=P scheduler=S memory=B kmem=B serve=A,B [grants...]
 *   shared NAME size=B users=U
 */
static void dump(char *buf, size_t size, const struct system *s)
{
	struct out o = { buf, size, 0 };

	buf[0] = '\0';
	out_f(&o, "policy %s\n", s->policy);
	for (unsigned i = 0; i < s->n_partitions; i++) {
		const struct sysfile_partition *pa = &s->partitions[i];
		out_f(&o, "partition %s scheduler=%s memory=%u kmem=%u restart=%s", pa->name, pa->scheduler,
		      (unsigned)pa->memory, (unsigned)pa->kmem, sysfile_restart_name(pa->restart));
		for (unsigned k = 0; k < pa->n_grants; k++)
			dump_grant(&o, s, &pa->grants[k]);
		out_f(&o, "\n");
		for (unsigned j = 0; j < pa->n_programs; j++) {
			const struct sysfile_program *pr = &pa->programs[j];
			out_f(&o, "program %s module=%s mode=%s", pr->name, pr->module, pr->mode);
			if (pr->mode_is_number)
				out_f(&o, "#%u", (unsigned)pr->mode_number);
			out_f(&o, " threads=%u priority=%u scheduler=%s memory=%u kmem=%u serve=", pr->threads,
			      pr->priority, pr->scheduler, (unsigned)pr->memory, (unsigned)pr->kmem);
			for (unsigned k = 0; k < pr->n_services; k++)
				out_f(&o, "%s%s", k ? "," : "", pr->services[k]);
			for (unsigned k = 0; k < pr->n_grants; k++)
				dump_grant(&o, s, &pr->grants[k]);
			out_f(&o, "\n");
		}
	}
	for (unsigned r = 0; r < s->n_shared; r++)
		out_f(&o, "shared %s size=%u users=%u\n", s->shared[r].name, (unsigned)s->shared[r].size,
		      s->shared[r].users);
}

/* The first line where got and want differ, in buf; NULL if none. */
static const char *first_diff(const char *got, const char *want, char *buf, size_t size)
{
	unsigned line = 1;
	const char *g = got, *w = want;

	while (*g && *g == *w) {
		if (*g == '\n') {
			line++;
			got = g + 1, want = w + 1;
		}
		g++, w++;
	}
	if (!*g && !*w)
		return NULL;
	snprintf(buf, size, "line %u: got \"%.*s\", want \"%.*s\"", line,
		 (int)strcspn(got, "\n"), got, (int)strcspn(want, "\n"), want);
	return buf;
}

/* Parses rel, checks it against its policy and 64M + 64M, and compares its dump with want. */
static const char *check_good(const char *rel, const char *policy, const char *want,
			      char *why, size_t why_size)
{
	static struct system s;
	static struct policy pol;
	static char got[8192];
	char msg[256];

	if (parse_file(rel, &s, msg, sizeof msg) != SYSFILE_OK) {
		snprintf(why, why_size, "%s", msg);
		return why;
	}
	if (!sysfile_valid(&s))
		return "not valid";
	if (msg[0])
		return "a message on success";
	if (policy) {
		if (strcmp(s.policy, policy))
			return "names another policy file";
		if (parse_policy(policy, &pol, msg, sizeof msg) != POLICY_OK ||
		    sysfile_check_policy(&s, &pol, msg, sizeof msg) != SYSFILE_OK ||
		    sysfile_check_quotas(&s, 64 * MIB, 64 * MIB, msg, sizeof msg) != SYSFILE_OK) {
			snprintf(why, why_size, "%s", msg);
			return why;
		}
	}
	dump(got, sizeof got, &s);
	return first_diff(got, want, why, why_size);
}

#define CHECK_GOOD(rel, policy, want)                                      \
	do {                                                               \
		char why_[512];                                            \
		const char *d_ = check_good(rel, policy, want, why_, sizeof why_); \
		CHECK_MSG(!d_, "%s: %s", rel, d_);                         \
	} while (0)

static void test_phone_config(void)
{
	CHECK_GOOD("configs/phone.system", "configs/default.policy",
		   "policy configs/default.policy\n"
		   "partition modem scheduler=modem memory=8388608 kmem=524288 restart=always\n"
		   "program modem-stack module=modem-stack mode=pipeline threads=7 priority=40 scheduler=modem"
		   " memory=4194304 kmem=0 serve=control,data tti=timer:1000 data-ring=shared:data-ring trace=trace\n"
		   "program at-server module=modem-stack mode=at threads=1 priority=20 scheduler=modem memory=0 kmem=0"
		   " serve=at control=gate:modem-stack.control console=console\n"
		   "partition appos scheduler=appos memory=33554432 kmem=2097152 restart=manual console=console\n"
		   "program compute module=apps mode=compute threads=3 priority=10 scheduler=appos memory=0 kmem=0"
		   " serve= ^console=console\n"
		   "program prodcons module=apps mode=prodcons threads=2 priority=20 scheduler=prodcons memory=0"
		   " kmem=0 serve= ^console=console\n"
		   "program sensitive module=apps mode=sensitive threads=2 priority=30 scheduler=sensitive"
		   " memory=0 kmem=0 serve= ^console=console\n"
		   "program vm module=apps mode=vm threads=2 priority=15 scheduler=vm1 memory=0 kmem=0"
		   " serve= ^console=console\n"
		   "program dialer module=apps mode=dialer threads=1 priority=50 scheduler=appos memory=0 kmem=0"
		   " serve= ^console=console at=gate:at-server.at data=gate:modem-stack.data"
		   " data-ring=shared:data-ring\n"
		   "program probe module=apps mode=probe threads=1 priority=5 scheduler=appos memory=0 kmem=0"
		   " serve= ^console=console at=gate:at-server.at data=gate:modem-stack.data\n"
		   "shared data-ring size=16384 users=2\n");
}

static void test_stress_config(void)
{
	CHECK_GOOD("configs/stress.system", "configs/stress.policy",
		   "policy configs/stress.policy\n"
		   "partition modem scheduler=modem memory=8388608 kmem=524288 restart=always\n"
		   "program modem-stack module=modem-stack mode=pipeline threads=7 priority=40 scheduler=modem"
		   " memory=4194304 kmem=0 serve=control,data tti=timer:1000 data-ring=shared:data-ring trace=trace\n"
		   "program at-server module=modem-stack mode=at threads=1 priority=20 scheduler=modem memory=0 kmem=0"
		   " serve=at control=gate:modem-stack.control console=console\n"
		   "partition appos scheduler=appos memory=41943040 kmem=4194304 restart=manual console=console\n"
		   "program compute module=apps mode=compute threads=8 priority=10 scheduler=appos"
		   " memory=16777216 kmem=0 serve= ^console=console\n"
		   "program media module=apps mode=prodcons threads=3 priority=30 scheduler=media memory=0 kmem=0"
		   " serve= ^console=console\n"
		   "program workers module=apps mode=sensitive threads=3 priority=20 scheduler=workers memory=0"
		   " kmem=0 serve= ^console=console\n"
		   "program vm module=apps mode=vm threads=2 priority=15 scheduler=vm1 memory=0 kmem=0"
		   " serve= ^console=console\n"
		   "program dialer module=apps mode=dialer threads=1 priority=50 scheduler=appos memory=0 kmem=0"
		   " serve= ^console=console at=gate:at-server.at data=gate:modem-stack.data"
		   " data-ring=shared:data-ring\n"
		   "partition batch scheduler=batch memory=8388608 kmem=524288 restart=manual\n"
		   "program batch-job module=apps mode=compute threads=3 priority=0 scheduler=batch memory=0"
		   " kmem=0 serve=\n"
		   "partition spinners scheduler=spinners memory=4194304 kmem=524288 restart=never\n"
		   "program spin module=apps mode=7#7 threads=3 priority=0 scheduler=spinners memory=0 kmem=0"
		   " serve=\n"
		   "shared data-ring size=65536 users=2\n");
}

static void test_good_minimal(void)
{
	CHECK_GOOD("tests/sysfile/good_minimal.system", NULL,
		   "policy p\n"
		   "partition a scheduler=c memory=4096 kmem=4096 restart=manual\n"
		   "program b module=b mode= threads=1 priority=0 scheduler=c memory=0 kmem=0 serve=\n");
}

static void test_good_syntax(void)
{
	CHECK_GOOD("tests/sysfile/good_syntax.system", NULL,
		   "policy ./configs/x-1.policy\n"
		   "partition _first-part scheduler=Client_1 memory=1048576 kmem=8192 restart=manual"
		   " log=console\n"
		   "program srv module=srv mode= threads=1 priority=0 scheduler=Client_1 memory=0 kmem=4096"
		   " serve=svc ^log=console back=gate:late.back ring=shared:ring\n"
		   "partition p2 scheduler=c2 memory=4096 kmem=4096 restart=never\n"
		   "program late module=srv mode=0042#42 threads=32 priority=255 scheduler=c2 memory=0 kmem=0"
		   " serve=back r=shared:ring svc=gate:srv.svc irq1019=irq:1019 trace=trace\n"
		   "shared ring size=4096 users=2\n");
}

/* ---- Limits ---- */

enum { L_PARTITIONS, L_PROGRAMS, L_GRANTS, L_INHERITED, L_SERVICES, L_SHARED, L_NONE };

/*
 * A file at every limit: 8 partitions of 8 programs, each with 4 services
 * and 16 grants (one from its partition), 16 shared regions, 23-character
 * names (programs have short ones, to keep the file below 64 KiB); `over`
 * adds one more of a kind.
 */
static size_t limits_file(char *buf, size_t size, int over)
{
	unsigned parts = SYSFILE_MAX_PARTITIONS + (over == L_PARTITIONS);
	size_t n = (size_t)snprintf(buf, size, "policy %063u\n", 0);

	for (unsigned i = 0; i < parts; i++) {
		unsigned progs = SYSFILE_MAX_PROGRAMS + (over == L_PROGRAMS && i == 7);
		n += (size_t)snprintf(buf + n, size - n,
				      "partition part_%u_xxxxxxxxxxxxxxxx {\n scheduler client_%u_xxxxxxxxxxxxxx\n"
				      " memory 1024M\n kmem 1024M\n restart always\n grant console as c\n%s",
				      i, i, over == L_INHERITED && i == 7 ? " grant trace as t\n" : "");
		for (unsigned j = 0; j < progs; j++) {
			unsigned me = i * 8 + j, other = (me + 1) % 64;
			n += (size_t)snprintf(buf + n, size - n,
					      " program p%02u {\n module module_xxxxxxxxxxxxxxxx\n"
					      " mode mode_xxxxxxxxxxxxxxxxxx\n threads 32\n priority 255\n"
					      " memory 128M\n kmem 128M\n",
					      me);
			for (unsigned k = 0; k < SYSFILE_MAX_SERVICES + (unsigned)(over == L_SERVICES && me == 63); k++)
				n += (size_t)snprintf(buf + n, size - n, " serve s%u\n", k);
			/* 15 own grants: an IRQ, a region and 13 gates (two more with L_GRANTS). */
			n += (size_t)snprintf(buf + n, size - n, " grant irq %u as i\n grant shared "
					      "region_%02u_xxxxxxxxxxxxx size 1024M as s\n",
					      SYSFILE_IRQ_MAX - me,
					      over == L_SHARED && me == 63 ? 16 : me % 16);
			for (unsigned k = 0; k < 13u + 2 * (unsigned)(over == L_GRANTS && me == 63); k++)
				n += (size_t)snprintf(buf + n, size - n,
						      " grant gate p%02u.s%u as g%u\n",
						      (other + k / 4) % 64, k % 4, k);
			n += (size_t)snprintf(buf + n, size - n, " }\n");
		}
		n += (size_t)snprintf(buf + n, size - n, "}\n");
	}
	return n;
}

static void test_limits(void)
{
	static char buf[SYSFILE_MAX_BYTES * 2];
	static struct system s;
	char msg[256];
	size_t n = limits_file(buf, sizeof buf, L_NONE);

	CHECK_MSG(n < SYSFILE_MAX_BYTES, "the file at the limits has %zu bytes", n);
	CHECK_MSG(parse_exact(buf, n, "limits", &s, msg, sizeof msg) == SYSFILE_OK, "%s", msg);
	CHECK(sysfile_valid(&s));
	CHECK_EQ(s.n_partitions, SYSFILE_MAX_PARTITIONS);
	CHECK_EQ(s.n_shared, SYSFILE_MAX_SHARED);
	CHECK_EQ(strlen(s.policy), SYSFILE_PATH_MAX);
	for (unsigned i = 0; i < s.n_partitions; i++) {
		CHECK_EQ(s.partitions[i].n_programs, SYSFILE_MAX_PROGRAMS);
		for (unsigned j = 0; j < SYSFILE_MAX_PROGRAMS; j++) {
			const struct sysfile_program *pr = &s.partitions[i].programs[j];
			CHECK_EQ(pr->n_grants, SYSFILE_MAX_GRANTS);
			CHECK_EQ(pr->n_services, SYSFILE_MAX_SERVICES);
			CHECK_EQ(strlen(pr->module), SYSFILE_NAME_MAX);
			CHECK_EQ(pr->threads, SYSFILE_MAX_THREADS);
		}
	}
	CHECK_EQ(s.shared[15].users, 4);
	CHECK_EQ(s.partitions[7].memory, SYSFILE_SIZE_MAX);
	/* Each limit passed by one: the message and its place. */
	static const struct {
		int over;
		const char *msg;
	} over[] = {
		{ L_PARTITIONS, "limits:1786:1: more than 8 partitions" },
		{ L_PROGRAMS, "limits:1785:2: more than 8 programs in partition 'part_7_xxxxxxxxxxxxxxxx'" },
		{ L_GRANTS, "limits:1785:2: more than 16 grants in program 'p63'" },
		{ L_INHERITED, "limits:1569:2: program 'p56' (line 1570) would hold 17 grants with its "
			       "partition's 2 (at most 16)" },
		{ L_SERVICES, "limits:1769:2: more than 4 services in program 'p63'" },
		{ L_SHARED, "limits:1770:15: more than 16 shared regions" },
	};
	for (unsigned i = 0; i < sizeof over / sizeof over[0]; i++) {
		n = limits_file(buf, sizeof buf, over[i].over);
		int r = parse_exact(buf, n, "limits", &s, msg, sizeof msg);
		CHECK_MSG(r == SYSFILE_E_LIMIT, "over %d: result %d: %s", over[i].over, r, msg);
		CHECK_MSG(!strcmp(msg, over[i].msg), "over %d: got \"%s\", want \"%s\"", over[i].over, msg,
			  over[i].msg);
	}
}

/* ---- Every error kind, with its place ---- */

static const struct bad_file {
	const char *file;
	int err;
	const char *msg; /* after "file:" */
} bad_files[] = {
	{ "bad_syntax.system", SYSFILE_E_SYNTAX, "5:15: unexpected '4K' after the value" },
	{ "bad_gate.system", SYSFILE_E_SYNTAX, "5:20: expected PROGRAM.SERVICE after 'gate', not 'at-server'" },
	{ "bad_name.system", SYSFILE_E_NAME, "3:11: bad name '9lives': it starts with a letter or '_'" },
	{ "bad_name_long.system", SYSFILE_E_NAME,
	  "4:13: name 'a_name_of_twenty_four_ch' is longer than 23 characters" },
	{ "bad_mode.system", SYSFILE_E_NAME, "5:14: bad mode '1st': a name or a number" },
	{ "bad_path.system", SYSFILE_E_NAME, "2:8: bad path '\"': letters, digits, '_', '-', '.' and '/'" },
	{ "bad_unknown_key.system", SYSFILE_E_UNKNOWN_KEY, "5:5: unknown key 'memroy'" },
	{ "bad_unknown_restart.system", SYSFILE_E_UNKNOWN_VALUE,
	  "5:13: unknown restart 'sometimes' (manual, always or never)" },
	{ "bad_unknown_grant.system", SYSFILE_E_UNKNOWN_VALUE,
	  "6:15: unknown grant 'consol' (console, trace, irq, gate, shared or timer)" },
	{ "bad_number.system", SYSFILE_E_NUMBER, "5:17: '5O' is not a number" },
	{ "bad_size.system", SYSFILE_E_NUMBER, "5:12: '8MB' is not a size (bytes, or a number with K or M)" },
	{ "bad_size_range.system", SYSFILE_E_RANGE, "6:10: kmem 0 is out of range 4K..1024M" },
	{ "bad_size_pages.system", SYSFILE_E_RANGE, "5:12: memory 6000 is not a whole number of pages (4K)" },
	{ "bad_range.system", SYSFILE_E_RANGE, "5:18: priority 256 is out of range 0..255" },
	{ "bad_irq.system", SYSFILE_E_RANGE, "5:19: IRQ 29 is out of range 32..1019" },
	{ "bad_duplicate_name.system", SYSFILE_E_DUPLICATE, "7:13: duplicate name 'modem' (partition at line 3)" },
	{ "bad_duplicate_key.system", SYSFILE_E_DUPLICATE, "7:5: duplicate 'memory' (first at line 5)" },
	{ "bad_duplicate_grant.system", SYSFILE_E_DUPLICATE,
	  "14:9: duplicate name 'ctl' in program 'at-server' (first at line 13)" },
	{ "bad_duplicate_inherited.system", SYSFILE_E_DUPLICATE,
	  "10:5: duplicate name 'console' in program 'dialer' (first at line 8)" },
	{ "bad_duplicate_irq.system", SYSFILE_E_DUPLICATE,
	  "11:19: IRQ 34 already granted to program 'modem-stack' (line 8)" },
	{ "bad_duplicate_scheduler.system", SYSFILE_E_DUPLICATE,
	  "11:15: scheduler 'appos' already given to partition 'appos' (line 3)" },
	{ "bad_duplicate_cap.system", SYSFILE_E_DUPLICATE,
	  "9:9: program 'compute' already holds the console as 'console' (line 7)" },
	{ "bad_missing_brace.system", SYSFILE_E_BLOCK, "3:16: expected '{' after partition 'modem'" },
	{ "bad_unterminated.system", SYSFILE_E_BLOCK, "3:1: partition 'modem' is never closed: '}' missing" },
	{ "bad_nested.system", SYSFILE_E_BLOCK,
	  "7:1: 'partition' inside partition 'modem' (line 3): is a '}' missing?" },
	{ "bad_stray_brace.system", SYSFILE_E_BLOCK, "10:1: '}' without an open block" },
	{ "bad_outside_block.system", SYSFILE_E_BLOCK, "3:1: 'memory' outside a partition or program block" },
	{ "bad_program_outside.system", SYSFILE_E_BLOCK, "3:1: 'program' outside a partition block" },
	{ "bad_key_block.system", SYSFILE_E_NOT_APPLICABLE, "6:9: 'restart' does not apply to a program" },
	{ "bad_irq_partition.system", SYSFILE_E_NOT_APPLICABLE,
	  "5:5: 'grant irq' does not apply to a partition: an interrupt goes to one program" },
	{ "bad_missing_key.system", SYSFILE_E_MISSING, "3:1: partition 'modem' has no 'kmem'" },
	{ "bad_no_program.system", SYSFILE_E_MISSING, "3:1: partition 'modem' has no program" },
	{ "bad_no_policy.system", SYSFILE_E_MISSING, "9:1: no 'policy' statement (the balancer's policy file)" },
	{ "bad_no_partition.system", SYSFILE_E_MISSING, "3:1: no partition defined" },
	{ "bad_unknown_program.system", SYSFILE_E_UNDEFINED, "8:20: no program 'at-srv' in the system" },
	{ "bad_unknown_service.system", SYSFILE_E_UNDEFINED, "8:30: program 'at-server' (line 15) serves no 'atx'" },
	{ "bad_shared_size.system", SYSFILE_E_MISMATCH,
	  "11:37: size 8K of shared region 'data-ring' differs from 16K (line 8)" },
	{ "bad_shared_alone.system", SYSFILE_E_MISMATCH,
	  "8:22: shared region 'data-ring' is granted to program 'modem-stack' only: it needs two programs" },
	{ "bad_too_many_services.system", SYSFILE_E_LIMIT, "9:9: more than 4 services in program 'at-server'" },
	{ "bad_quota.system", SYSFILE_E_QUOTA,
	  "11:16: programs' memory adds up to 10M, more than the 8M of partition 'modem'" },
	/* These parse, and disagree with configs/default.policy. */
	{ "bad_policy_client.system", SYSFILE_E_POLICY,
	  "4:15: scheduler 'app' is not a client of configs/default.policy" },
	{ "bad_policy_group.system", SYSFILE_E_POLICY,
	  "4:15: scheduler 'vm1' is a group of configs/default.policy: a partition's scheduler is a client" },
	{ "bad_policy_other_client.system", SYSFILE_E_POLICY,
	  "15:19: scheduler 'modem' is another client: a program of partition 'appos' has client 'appos' "
	  "or one of its groups" },
	{ "bad_policy_no_group.system", SYSFILE_E_POLICY,
	  "8:19: scheduler 'vm2' is neither client 'appos' nor a group of configs/default.policy" },
	{ "bad_policy_foreign_group.system", SYSFILE_E_POLICY,
	  "8:19: group 'vm1' belongs to client 'appos', not to 'modem'" },
	{ "bad_policy_priority.system", SYSFILE_E_POLICY,
	  "8:18: priority 51 is beyond the band of client 'modem' (200-250: 0..50 within it)" },
	{ "bad_policy_threads.system", SYSFILE_E_POLICY, "11:1: group 'vm1' holds 2 threads, its programs have 3" },
};
#define N_BAD (sizeof bad_files / sizeof bad_files[0])

static unsigned bad_index; /* the entry test_bad_file checks */

static void test_bad_file(void)
{
	const struct bad_file *b = &bad_files[bad_index];
	char rel[256], want[512], msg[512];
	static struct system s;
	static struct policy pol;
	int r;

	snprintf(rel, sizeof rel, "tests/sysfile/%s", b->file);
	snprintf(want, sizeof want, "%s:%s", b->file, b->msg);
	r = parse_file(rel, &s, msg, sizeof msg);
	if (b->err == SYSFILE_E_POLICY) {
		CHECK_MSG(r == SYSFILE_OK, "result %d: %s", r, msg);
		CHECK(sysfile_valid(&s));
		CHECK_EQ(parse_policy(s.policy, &pol, msg, sizeof msg), POLICY_OK);
		r = sysfile_check_policy(&s, &pol, msg, sizeof msg);
	}
	CHECK_MSG(r == b->err, "result %d, want %d: %s", r, b->err, msg);
	CHECK_MSG(!strcmp(msg, want), "got \"%s\", want \"%s\"", msg, want);
}

/* Inline cases: corners of the syntax and the errors without a place. */
static const struct inline_case {
	const char *text;
	size_t len; /* 0: strlen(text) */
	int err;
	const char *msg; /* the whole message, file name "t" */
} inline_cases[] = {
#define P "policy p\n"
#define PART "partition a {\nscheduler c\nmemory 4K\nkmem 4K\n"
	{ "", 0, SYSFILE_E_MISSING, "t:1:1: no 'policy' statement (the balancer's policy file)" },
	{ "policy p # only a comment", 0, SYSFILE_E_MISSING, "t:1:26: no partition defined" },
	{ "policy\n", 0, SYSFILE_E_SYNTAX, "t:1:7: 'policy' needs a value" },
	{ "policy a\npolicy b\n", 0, SYSFILE_E_DUPLICATE, "t:2:1: duplicate 'policy' (first at line 1)" },
	{ "policy a b\n", 0, SYSFILE_E_SYNTAX, "t:1:10: unexpected 'b' after the value" },
	{ "policy " "0123456789012345678901234567890123456789012345678901234567890123\n", 0, SYSFILE_E_NAME,
	  "t:1:8: path '01234567890123456789012345678901...' is longer than 63 characters" },
	{ "\tfoo 1\n", 0, SYSFILE_E_UNKNOWN_KEY, "t:1:2: unknown key 'foo'" },
	{ "partition {\n", 0, SYSFILE_E_SYNTAX, "t:1:11: 'partition' needs a name" },
	{ "partition a { scheduler c\n", 0, SYSFILE_E_SYNTAX,
	  "t:1:15: unexpected 'scheduler' after '{' (one statement per line)" },
	{ P PART "program b {\n}\n} x\n", 0, SYSFILE_E_SYNTAX, "t:8:3: unexpected 'x' after '}'" },
	{ "{\n", 0, SYSFILE_E_BLOCK,
	  "t:1:1: unexpected '{': a block starts with 'partition NAME {' or 'program NAME {'" },
	{ "partition a {\x01\n", 0, SYSFILE_E_SYNTAX,
	  "t:1:14: unexpected '\\x01' after '{' (one statement per line)" },
	{ "policy\0 p\n", 10, SYSFILE_E_NAME,
	  "t:1:7: bad path '\\x00': letters, digits, '_', '-', '.' and '/'" },
	{ "=\n", 0, SYSFILE_E_SYNTAX, "t:1:1: unexpected '='" },
	{ "partition a.b {\n", 0, SYSFILE_E_NAME, "t:1:11: bad name 'a.b': letters, digits, '_' and '-' only" },
	{ "partition a {\nprogram b {\nprogram c {\n", 0, SYSFILE_E_BLOCK,
	  "t:3:1: 'program' inside program 'b' (line 2): is a '}' missing?" },
	{ "partition a {\nprogram b {\npartition c {\n", 0, SYSFILE_E_BLOCK,
	  "t:3:1: 'partition' inside program 'b' (line 2): is a '}' missing?" },
	{ "partition a {\npolicy p\n", 0, SYSFILE_E_NOT_APPLICABLE, "t:2:1: 'policy' does not apply to a partition" },
	{ "partition a {\nmodule m\n", 0, SYSFILE_E_NOT_APPLICABLE, "t:2:1: 'module' does not apply to a partition" },
	{ "partition a {\nmemory\n", 0, SYSFILE_E_SYNTAX, "t:2:7: 'memory' needs a value" },
	{ "partition a {\nmemory K\n", 0, SYSFILE_E_NUMBER,
	  "t:2:8: 'K' is not a size (bytes, or a number with K or M)" },
	{ "partition a {\nmemory 16k\n", 0, SYSFILE_E_NUMBER,
	  "t:2:8: '16k' is not a size (bytes, or a number with K or M)" },
	{ "partition a {\nmemory -4K\n", 0, SYSFILE_E_NUMBER,
	  "t:2:8: '-4K' is not a size (bytes, or a number with K or M)" },
	{ "partition a {\nmemory 1025M\n", 0, SYSFILE_E_RANGE, "t:2:8: memory 1025M is out of range 4K..1024M" },
	{ "partition a {\nmemory 99999999999999999999M\n", 0, SYSFILE_E_RANGE,
	  "t:2:8: memory 99999999999999999999M is out of range 4K..1024M" },
	{ "partition a {\nkmem 2K\n", 0, SYSFILE_E_RANGE, "t:2:6: kmem 2K is out of range 4K..1024M" },
	{ "partition a {\nkmem 6K\n", 0, SYSFILE_E_RANGE, "t:2:6: kmem 6K is not a whole number of pages (4K)" },
	{ "partition a {\nscheduler 1c\n", 0, SYSFILE_E_NAME,
	  "t:2:11: bad scheduler '1c': it starts with a letter or '_'" },
	{ "partition a {\nscheduler {\n", 0, SYSFILE_E_NAME,
	  "t:2:11: bad scheduler '{': it starts with a letter or '_'" },
	{ "partition a {\nprogram b {\nthreads 0\n", 0, SYSFILE_E_RANGE, "t:3:9: threads 0 is out of range 1..32" },
	{ "partition a {\nprogram b {\nthreads 33\n", 0, SYSFILE_E_RANGE,
	  "t:3:9: threads 33 is out of range 1..32" },
	{ "partition a {\nprogram b {\npriority -1\n", 0, SYSFILE_E_NUMBER, "t:3:10: '-1' is not a number" },
	{ "partition a {\nprogram b {\nmode 4294967296\n", 0, SYSFILE_E_RANGE,
	  "t:3:6: mode 4294967296 is out of range 0..4294967295" },
	{ "partition a {\nprogram b {\nmode 00000000001\n", 0, SYSFILE_E_RANGE,
	  "t:3:6: mode 00000000001 is out of range 0..4294967295" },
	{ "partition a {\nprogram b {\nmode a.b\n", 0, SYSFILE_E_NAME,
	  "t:3:6: bad mode 'a.b': letters, digits, '_' and '-' only" },
	{ "partition a {\nprogram b {\nmodule m\nmodule m\n", 0, SYSFILE_E_DUPLICATE,
	  "t:4:1: duplicate 'module' (first at line 3)" },
	{ "partition a {\nprogram b {\nserve s\nserve s\n", 0, SYSFILE_E_DUPLICATE,
	  "t:4:7: duplicate name 's' in program 'b' (first at line 3)" },
	{ "partition a {\nprogram b {\ngrant console as s\nserve s\n", 0, SYSFILE_E_DUPLICATE,
	  "t:4:7: duplicate name 's' in program 'b' (first at line 3)" },
	{ "partition a {\ngrant console\ngrant trace as console\n", 0, SYSFILE_E_DUPLICATE,
	  "t:3:1: duplicate name 'console' in partition 'a' (first at line 2)" },
	{ "partition a {\nprogram b {\ngrant\n", 0, SYSFILE_E_SYNTAX, "t:3:6: 'grant' needs a value" },
	{ "partition a {\nprogram b {\ngrant irq\n", 0, SYSFILE_E_SYNTAX, "t:3:10: 'grant irq' needs a value" },
	{ "partition a {\nprogram b {\ngrant irq 1020\n", 0, SYSFILE_E_RANGE,
	  "t:3:11: IRQ 1020 is out of range 32..1019" },
	{ "partition a {\nprogram b {\ngrant console please\n", 0, SYSFILE_E_SYNTAX,
	  "t:3:15: unexpected 'please' after the grant (only 'as NAME' may follow)" },
	{ "partition a {\nprogram b {\ngrant console as\n", 0, SYSFILE_E_SYNTAX, "t:3:17: 'as' needs a name" },
	{ "partition a {\nprogram b {\ngrant console as 9\n", 0, SYSFILE_E_NAME,
	  "t:3:18: bad name '9': it starts with a letter or '_'" },
	{ "partition a {\nprogram b {\ngrant console as x y\n", 0, SYSFILE_E_SYNTAX,
	  "t:3:20: unexpected 'y' after the grant" },
	{ "partition a {\nprogram b {\ngrant gate x.y.z\n", 0, SYSFILE_E_NAME,
	  "t:3:14: bad service name 'y.z': letters, digits, '_' and '-' only" },
	{ "partition a {\nprogram b {\ngrant gate .y\n", 0, SYSFILE_E_NAME,
	  "t:3:12: bad program name '': it starts with a letter or '_'" },
	{ "partition a {\nprogram b {\ngrant gate x.\n", 0, SYSFILE_E_NAME,
	  "t:3:14: bad service name '': it starts with a letter or '_'" },
	{ "partition a {\nprogram b {\ngrant shared r\n", 0, SYSFILE_E_SYNTAX,
	  "t:3:15: expected 'size' after the region's name" },
	{ "partition a {\nprogram b {\ngrant shared r sz 4K\n", 0, SYSFILE_E_SYNTAX,
	  "t:3:16: expected 'size' after the region's name" },
	{ "partition a {\nprogram b {\ngrant shared r size\n", 0, SYSFILE_E_SYNTAX,
	  "t:3:20: 'size' needs a value" },
	{ "partition a {\nprogram b {\ngrant shared r size 5000\n", 0, SYSFILE_E_RANGE,
	  "t:3:21: size 5000 is not a whole number of pages (4K)" },
	{ "partition a {\nprogram b {\ngrant shared r size 4K as\n", 0, SYSFILE_E_SYNTAX,
	  "t:3:26: 'as' needs a name" },
	{ P PART "program b {\nkmem 8K\n}\n}\n", 0, SYSFILE_E_QUOTA,
	  "t:7:6: programs' kmem adds up to 8K, more than the 4K of partition 'a'" },
	{ P PART "program b {\n}\nprogram a {\n", 0, SYSFILE_E_DUPLICATE,
	  "t:8:9: duplicate name 'a' (partition at line 2)" },
	{ P PART "program b {\n}\n}\npartition b {\n", 0, SYSFILE_E_DUPLICATE,
	  "t:9:11: duplicate name 'b' (program at line 6)" },
	{ P PART "program b {\n}\n}\npartition c {\nprogram d {\n", 0, SYSFILE_E_BLOCK,
	  "t:10:1: program 'd' is never closed: '}' missing" },
	{ P PART "program b {\ngrant gate b.s\n}\n}\n", 0, SYSFILE_E_UNDEFINED,
	  "t:7:14: program 'b' (line 6) serves no 's'" },
	/* A gate to one's own service is allowed; the same gate twice is not. */
	{ P PART "program b {\nserve s\ngrant gate b.s as t\n}\n}\n", 0, SYSFILE_OK, "" },
	{ P PART "grant gate b.s as u\nprogram b {\nserve s\ngrant gate b.s as t\n}\n}\n", 0,
	  SYSFILE_E_DUPLICATE, "t:9:1: program 'b' already holds gate b.s as 'u' (line 6)" },
	{ P PART "program b {\ngrant shared r size 4K\ngrant shared r size 4K as q\n}\n}\n", 0,
	  SYSFILE_E_DUPLICATE, "t:8:1: program 'b' already holds shared region 'r' as 'r' (line 7)" },
	/* A region given to a whole partition of two programs is shared. */
	{ P PART "grant shared r size 4K\nprogram b {\n}\nprogram c {\n}\n}\n", 0, SYSFILE_OK, "" },
	{ P PART "grant shared r size 4K\nprogram b {\n}\n}\n", 0, SYSFILE_E_MISMATCH,
	  "t:6:14: shared region 'r' is granted to program 'b' only: it needs two programs" },
#undef P
#undef PART
};
#define N_INLINE (sizeof inline_cases / sizeof inline_cases[0])

static void test_inline_errors(void)
{
	static struct system s;
	char msg[512];

	for (unsigned i = 0; i < N_INLINE; i++) {
		const struct inline_case *c = &inline_cases[i];
		size_t len = c->len ? c->len : strlen(c->text);
		int r = parse_exact(c->text, len, "t", &s, msg, sizeof msg);
		CHECK_MSG(r == c->err, "case %u: result %d, want %d: %s", i, r, c->err, msg);
		CHECK_MSG(!strcmp(msg, c->msg), "case %u: got \"%s\", want \"%s\"", i, msg, c->msg);
		CHECK_MSG(r != SYSFILE_OK || sysfile_valid(&s), "case %u: accepted but not valid", i);
	}
}

/* Each error kind is shown by a file or an inline case (E_LIMIT, E_QUOTA also below). */
static void test_every_kind_has_an_example(void)
{
	for (int err = -1; err > -SYSFILE_ERRS; err--) {
		int found = 0;
		for (unsigned i = 0; i < N_BAD; i++)
			found |= bad_files[i].err == err;
		for (unsigned i = 0; i < N_INLINE; i++)
			found |= inline_cases[i].err == err;
		CHECK_MSG(found, "no bad example of error %d", err);
	}
}

/* The machine's memory: the partitions' quotas, then the regions, in file order. */
static void test_check_quotas(void)
{
	static struct system s;
	char msg[256];

	CHECK_EQ(parse_file("configs/phone.system", &s, msg, sizeof msg), SYSFILE_OK);
	/* 8M + 32M of memory and a 16K region; 512K + 2M of kernel memory. */
	CHECK_EQ(sysfile_check_quotas(&s, 40 * MIB + 16384, 2 * MIB + 512 * 1024, msg, sizeof msg), SYSFILE_OK);
	CHECK_EQ(msg[0], '\0');
	CHECK_EQ(sysfile_check_quotas(&s, 40 * MIB + 12288, 64 * MIB, msg, sizeof msg), SYSFILE_E_QUOTA);
	CHECK_MSG(!strcmp(msg, "phone.system:25:22: shared region 'data-ring' brings memory to 40976K, "
			       "more than the 40972K available"), "%s", msg);
	CHECK_EQ(sysfile_check_quotas(&s, 39 * MIB, 64 * MIB, msg, sizeof msg), SYSFILE_E_QUOTA);
	CHECK_MSG(!strcmp(msg, "phone.system:41:12: memory quotas add up to 40M at partition 'appos', "
			       "more than the 39M available"), "%s", msg);
	CHECK_EQ(sysfile_check_quotas(&s, 64 * MIB, 2 * MIB, msg, sizeof msg), SYSFILE_E_QUOTA);
	CHECK_MSG(!strcmp(msg, "phone.system:42:10: kmem quotas add up to 2560K at partition 'appos', "
			       "more than the 2M available"), "%s", msg);
	CHECK_EQ(sysfile_check_quotas(&s, 0, 0, NULL, 0), SYSFILE_E_QUOTA);
}

static void test_too_large(void)
{
	static struct system s;
	char msg[256];
	size_t n = SYSFILE_MAX_BYTES + 1;
	char *big = malloc(n);

	CHECK(big);
	memset(big, ' ', n);
	int r = sysfile_parse(big, n, "big", &s, msg, sizeof msg);
	free(big);
	CHECK_EQ(r, SYSFILE_E_LIMIT);
	CHECK_MSG(!strcmp(msg, "big: larger than 65536 bytes"), "%s", msg);
}

/* The message is cut to the buffer and always ends in a NUL; nothing is written past it. */
static void test_message_buffer(void)
{
	static const char text[] = "partition a {\n  memroy 4K\n";
	static const char full[] = "m:2:3: unknown key 'memroy'";
	static struct system s;
	char buf[64];

	CHECK_EQ(sysfile_parse(text, sizeof text - 1, "m", &s, NULL, 0), SYSFILE_E_UNKNOWN_KEY);
	CHECK_EQ(sysfile_parse(text, sizeof text - 1, "m", &s, NULL, 10), SYSFILE_E_UNKNOWN_KEY);
	for (size_t size = 0; size <= sizeof full + 1; size++) {
		memset(buf, 'X', sizeof buf);
		CHECK_EQ(sysfile_parse(text, sizeof text - 1, "m", &s, buf, size), SYSFILE_E_UNKNOWN_KEY);
		for (size_t i = size; i < sizeof buf; i++)
			CHECK_MSG(buf[i] == 'X', "size %zu: byte %zu written", size, i);
		if (size == 0)
			continue;
		size_t want = size - 1 < sizeof full - 1 ? size - 1 : sizeof full - 1;
		CHECK_EQ(strlen(buf), want);
		CHECK(!strncmp(buf, full, want));
	}
	/* A success leaves an empty message; a NULL file name reads "system". */
	CHECK_EQ(sysfile_parse("#\n", 2, NULL, &s, buf, sizeof buf), SYSFILE_E_MISSING);
	CHECK_MSG(!strcmp(buf, "system:2:1: no 'policy' statement (the balancer's policy file)"), "%s", buf);
	CHECK_EQ(parse_file("configs/phone.system", &s, buf, sizeof buf), SYSFILE_OK);
	CHECK_EQ(buf[0], '\0');
	/* The checks keep the file's name, cut to SYSFILE_FILE_MAX characters. */
	char longname[100];
	memset(longname, 'f', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	struct text t = text_load(root, "configs/phone.system");
	CHECK(t.s);
	CHECK_EQ(sysfile_parse(t.s, t.n, longname, &s, buf, sizeof buf), SYSFILE_OK);
	free(t.s);
	CHECK_EQ(strlen(s.file), SYSFILE_FILE_MAX);
}

/* ---- Robustness: truncations and random mutations ---- */

/*
 * A result is a success with a valid system, or an error with its message.
 * An accepted system is checked against default.policy and the machine
 * too: each check passes or gives its own error.
 */
static int check_result(int r, const struct system *s, const struct policy *pol, const char *name,
			const char *msg)
{
	size_t n = strlen(name);
	char m[256];
	int c;

	if (r != SYSFILE_OK)
		return r < 0 && r > -SYSFILE_ERRS && !strncmp(msg, name, n) && msg[n] == ':';
	if (!sysfile_valid(s) || msg[0] != '\0')
		return 0;
	c = sysfile_check_policy(s, pol, m, sizeof m);
	if (c != SYSFILE_OK && (c != SYSFILE_E_POLICY || strncmp(m, name, n) || m[n] != ':'))
		return 0;
	c = sysfile_check_quotas(s, 64 * MIB, 64 * MIB, m, sizeof m);
	return c == SYSFILE_OK || (c == SYSFILE_E_QUOTA && !strncmp(m, name, n) && m[n] == ':');
}

static struct policy default_policy;

static void test_truncations(void)
{
	static struct system s;
	char msg[512];

	CHECK_EQ(parse_policy("configs/default.policy", &default_policy, msg, sizeof msg), POLICY_OK);
	for (unsigned f = 0; f < N_GOOD; f++) {
		struct text t = text_load(root, good_files[f]);
		unsigned ok = 0;
		CHECK_MSG(t.s, "cannot read %s", good_files[f]);
		for (size_t len = 0; len <= t.n; len++) {
			int r = parse_exact(t.s, len, "cut", &s, msg, sizeof msg);
			if (!check_result(r, &s, &default_policy, "cut", msg)) {
				free(t.s);
				CHECK_MSG(0, "%s cut at %zu: result %d: %s", good_files[f], len, r, msg);
			}
			ok += r == SYSFILE_OK;
		}
		free(t.s);
		CHECK_MSG(ok >= 1, "%s: no prefix accepted", good_files[f]);
	}
}

/* The bytes that matter in this language, for text_mutate. */
static const char mutate_chars[] = "0123456789KM.-{}# \t\r\n\0\x80\xff" "acdegiklmnoprstuvy";

/*
 * 100,000 seeded mutants of the good files: each gives a valid system or an
 * error with its message, the same twice in a row.
 */
static void test_mutations(void)
{
	static struct system s, again;
	struct text good[N_GOOD];
	static char buf[8192];
	char msg[512], msg2[512];
	uint32_t seed = 0x6d756f6e; /* "muon" */
	unsigned accepted = 0, rounds = 100000;

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
		int r = parse_exact(buf, n, "mut", &s, msg, sizeof msg);
		int bad = !check_result(r, &s, &default_policy, "mut", msg);
		if (!bad && i % 16 == 0) { /* a second parse gives the same, to the byte */
			int r2 = parse_exact(buf, n, "mut", &again, msg2, sizeof msg2);
			bad = r != r2 || strcmp(msg, msg2) || (r == SYSFILE_OK && memcmp(&s, &again, sizeof s));
		}
		if (bad) {
			fwrite(buf, 1, n, stderr);
			for (unsigned f = 0; f < N_GOOD; f++)
				free(good[f].s);
			CHECK_MSG(0, "round %u: result %d: %s (input above)", i, r, msg);
		}
		accepted += r == SYSFILE_OK;
	}
	for (unsigned f = 0; f < N_GOOD; f++)
		free(good[f].s);
	/* Some edits fall in comments: the accepted share shows the mutations reach both paths. */
	CHECK_MSG(accepted > rounds / 50 && accepted < rounds - rounds / 10,
		  "%u of %u mutants accepted", accepted, rounds);
}

/* ---- sysfile_valid itself rejects broken structures ---- */

static void test_valid_rejects(void)
{
	static struct system good, p;
	char msg[256];

	CHECK_EQ(parse_file("configs/phone.system", &good, msg, sizeof msg), SYSFILE_OK);
	CHECK(sysfile_valid(&good));
#define BROKEN(stmt)                                                    \
	do {                                                            \
		p = good;                                               \
		stmt;                                                   \
		CHECK_MSG(!sysfile_valid(&p), "accepted: %s", #stmt);   \
	} while (0)
#define MODEM p.partitions[0]
#define APPOS p.partitions[1]
#define STACK MODEM.programs[0]
#define DIALER APPOS.programs[4]
	BROKEN(p.policy[0] = '\0');
	BROKEN(p.policy[3] = ' ');
	BROKEN(p.n_partitions = 0);
	BROKEN(p.n_partitions = SYSFILE_MAX_PARTITIONS + 1);
	BROKEN(p.n_shared = 0);                             /* a grant names region 0 */
	BROKEN(memcpy(APPOS.name, "modem", 6));
	BROKEN(memcpy(APPOS.programs[0].name, "dialer", 7)); /* programs share the name space */
	BROKEN(memcpy(APPOS.scheduler, "modem", 6));        /* one scheduler per partition */
	BROKEN(MODEM.memory = 0);
	BROKEN(MODEM.kmem = 4095);
	BROKEN(MODEM.memory = 2 * MIB);                     /* below modem-stack's 4M */
	BROKEN(MODEM.restart = SYSFILE_RESTARTS);
	BROKEN(MODEM.n_programs = 0);
	BROKEN(APPOS.grants[0].inherited = true);
	BROKEN(APPOS.n_grants = 0);                         /* the programs' copies remain */
	BROKEN(STACK.threads = 0);
	BROKEN(STACK.threads = SYSFILE_MAX_THREADS + 1);
	BROKEN(STACK.priority = SYSFILE_PRIO_MAX + 1);
	BROKEN(STACK.module[0] = '\0');
	BROKEN(STACK.scheduler[0] = '-');
	BROKEN(STACK.mode_number = 1);
	BROKEN(STACK.mode_is_number = true);
	BROKEN(APPOS.programs[0].mode[0] = '\0'; APPOS.programs[0].mode_is_number = true);
	BROKEN(STACK.memory = 100);
	BROKEN(STACK.n_services = SYSFILE_MAX_SERVICES + 1);
	BROKEN(memcpy(STACK.services[1], "control", 8));
	BROKEN(memcpy(STACK.services[0], "tti", 4));        /* a grant's name */
	BROKEN(STACK.grants[0].irq = 31);
	BROKEN(STACK.grants[0].kind = SYSFILE_GRANT_KINDS);
	BROKEN(STACK.grants[0].inherited = true);
	BROKEN(STACK.grants[0].irq = 99);                   /* a timer's period below 100 us */
	BROKEN(memcpy(STACK.grants[2].name, "tti", 4));
	BROKEN(MODEM.programs[1].grants[0].kind = SYSFILE_GRANT_CONSOLE); /* two consoles */
	BROKEN(STACK.grants[1].shared = 1);
	BROKEN(STACK.grants[2].shared = 1);                 /* not a region */
	BROKEN(DIALER.grants[1].service = 1);               /* at-server serves one */
	BROKEN(DIALER.grants[1].program = 2);
	BROKEN(DIALER.grants[1].partition = 2);
	BROKEN(DIALER.grants[2] = DIALER.grants[1]; memcpy(DIALER.grants[2].name, "x", 2));
	BROKEN(DIALER.grants[0].name[0] = 'x');             /* no longer its partition's */
	BROKEN(DIALER.n_grants = SYSFILE_MAX_GRANTS + 1);
	BROKEN(p.shared[0].users = 3);
	BROKEN(p.shared[0].size = 0);
	BROKEN(DIALER.n_grants = 3);                        /* the region has one user left */
#undef MODEM
#undef APPOS
#undef STACK
#undef DIALER
#undef BROKEN
}

/* Where s[0..n) holds what[0..m), or n if nowhere. */
static size_t find(const char *s, size_t n, const char *what, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (!memcmp(s + i, what, m))
			return i;
	return n;
}

/* docs/system-format.md shows configs/phone.system from its policy statement to its end. */
static void test_doc_example(void)
{
	static const char start[] = "policy configs/";
	struct text doc = text_load(root, "docs/system-format.md"), phone = text_load(root, "configs/phone.system");
	size_t from = phone.s ? find(phone.s, phone.n, start, sizeof start - 1) : 0;
	int read = doc.s && phone.s && from < phone.n;
	int found = read && find(doc.s, doc.n, phone.s + from, phone.n - from) < doc.n;

	free(doc.s);
	free(phone.s);
	CHECK_MSG(read, "cannot read docs/system-format.md or configs/phone.system");
	CHECK_MSG(found, "docs/system-format.md does not show configs/phone.system as it is");
}

static void test_names(void)
{
	CHECK(!strcmp(sysfile_restart_name(SYSFILE_RESTART_ALWAYS), "always"));
	CHECK(!strcmp(sysfile_restart_name(SYSFILE_RESTARTS), "?"));
	CHECK(!strcmp(sysfile_grant_kind_name(SYSFILE_GRANT_SHARED), "shared"));
	CHECK(!strcmp(sysfile_grant_kind_name(SYSFILE_GRANT_KINDS), "?"));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s SOURCE_TREE\n", argv[0]);
		return 2;
	}
	root = argv[1];
	RUN(test_phone_config);
	RUN(test_stress_config);
	RUN(test_good_minimal);
	RUN(test_good_syntax);
	RUN(test_limits);
	for (bad_index = 0; bad_index < N_BAD; bad_index++)
		check_run_(bad_files[bad_index].file, test_bad_file);
	RUN(test_inline_errors);
	RUN(test_every_kind_has_an_example);
	RUN(test_check_quotas);
	RUN(test_too_large);
	RUN(test_message_buffer);
	RUN(test_truncations);
	RUN(test_mutations);
	RUN(test_valid_rejects);
	RUN(test_doc_example);
	RUN(test_names);
	return check_summary();
}
