/*
 * insnprof: a QEMU TCG plugin that counts, exactly and per vCPU, the
 * instructions a guest executes, for the kernel's per-step budgets
 * (docs/ipc.md) and the modem's per-CPU response times (docs/benchmarks.md).
 *
 * Under -icount the vCPUs share one instruction counter; this plugin gives
 * each vCPU a clock of its own: the number of instructions that vCPU has
 * executed. It counts each instruction when it is about to execute (an
 * instruction that takes an exception counts once per attempt), split into
 * categories by PC range, and it can keep a histogram per PC.
 *
 *   qemu-system-arm ... -icount shift=0 \
 *     -plugin build/host/tests/libinsnprof.so,conf=FILE,out=FILE
 *
 * conf: one directive per line, '#' starts a comment, addresses in hex:
 *   range NAME START END  instructions with START <= pc < END count to NAME
 *                         (first matching range wins; the rest: "other")
 *   mark NAME ADDR        each time ADDR is about to execute, write an M record
 *   histon ADDR           the vCPU that executes ADDR starts its histogram
 *   histoff ADDR          ... and stops it (histograms start off when a
 *                         histon is given, on from reset otherwise)
 *   hist                  keep the per-PC histogram (implied by histon/off)
 *   dump ADDR             executing ADDR writes the T and H records now
 *                         (a guest that never exits can still be profiled)
 *
 * out: one record per line:
 *   vcpus N
 *   categories NAME...    the order of the counts below; "other" is last
 *   M NAME VCPU TOTAL C1 .. Cn   at a mark: that vCPU's counts so far
 *   T VCPU TOTAL C1 .. Cn        at exit or dump: each vCPU's counts
 *   H PC VCPU COUNT              at exit or dump, with hist: nonzero cells
 *
 * Addresses are virtual: user tasks that share addresses share categories
 * and histogram cells. Written against QEMU's plugin API version 1 (QEMU
 * 7.2); the declarations below are the subset it uses.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- QEMU plugin API, version 1: the part used here. */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
	const char *target_name;
	struct {
		int min, cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus, max_vcpus;
		} system;
	};
} qemu_info_t;
enum qemu_plugin_cb_flags { CB_NO_REGS, CB_R_REGS, CB_RW_REGS };
typedef void (*insn_cb_t)(unsigned int vcpu, void *udata);
typedef void (*trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*exit_cb_t)(qemu_plugin_id_t id, void *udata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, insn_cb_t cb,
					    enum qemu_plugin_cb_flags flags, void *udata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, exit_cb_t cb, void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t i);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;
/* ---- end of the API */

enum { MAX_VCPUS = 16, MAX_CATS = 16, MAX_MARKS = 64 };
enum { F_MARK = 1, F_HISTON = 2, F_HISTOFF = 4, F_DUMP = 8 };

struct insn {			/* one per guest PC ever translated */
	uint64_t pc;
	struct insn *next;	/* hash chain */
	uint8_t cat, flags, mark;
	uint64_t hits[];	/* per vCPU, with hist */
};

struct range {
	uint64_t start, end;
};

static int nvcpus, ncats, nmarks;
static char *cat_name[MAX_CATS + 1];
static struct range cat_range[MAX_CATS];
static struct {
	char *name;
	uint64_t pc;
	uint8_t flags;
} marks[MAX_MARKS];
static bool hist, hist_from_reset = true;
static FILE *out;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Per vCPU: written only by the thread running that vCPU. */
static uint64_t total[MAX_VCPUS], counts[MAX_VCPUS][MAX_CATS + 1];
static bool hist_on[MAX_VCPUS];

enum { NBUCKETS = 1 << 16 };
static struct insn *buckets[NBUCKETS];
static struct insn **all;	/* for the H records */
static size_t nall, capall;

static void counts_line(const char *head, unsigned vcpu)
{
	fprintf(out, "%s %u %" PRIu64, head, vcpu, total[vcpu]);
	for (int c = 0; c <= ncats; c++)
		fprintf(out, " %" PRIu64, counts[vcpu][c]);
	fputc('\n', out);
}

static void dump(void)
{
	pthread_mutex_lock(&lock);
	for (int v = 0; v < nvcpus; v++)
		counts_line("T", v);
	for (size_t i = 0; hist && i < nall; i++)
		for (int v = 0; v < nvcpus; v++)
			if (all[i]->hits[v])
				fprintf(out, "H %" PRIx64 " %d %" PRIu64 "\n", all[i]->pc, v,
					all[i]->hits[v]);
	fflush(out);
	pthread_mutex_unlock(&lock);
}

static void on_insn(unsigned int vcpu, void *udata)
{
	struct insn *in = udata;

	if (vcpu >= (unsigned)nvcpus)
		return;
	if (in->flags) {
		if (in->flags & F_MARK) {
			char head[80];

			snprintf(head, sizeof(head), "M %s", marks[in->mark].name);
			pthread_mutex_lock(&lock);
			counts_line(head, vcpu);
			pthread_mutex_unlock(&lock);
		}
		if (in->flags & F_HISTON)
			hist_on[vcpu] = true;
		if (in->flags & F_HISTOFF)
			hist_on[vcpu] = false;
		if (in->flags & F_DUMP)
			dump();
	}
	total[vcpu]++;
	counts[vcpu][in->cat]++;
	if (hist_on[vcpu])
		in->hits[vcpu]++;
}

/* The entry for pc, made on first translation (translations can run in
 * parallel without -icount, hence the lock). */
static struct insn *lookup(uint64_t pc)
{
	unsigned h = (unsigned)((pc >> 1) ^ (pc >> 17)) & (NBUCKETS - 1);
	struct insn *in;

	pthread_mutex_lock(&lock);
	for (in = buckets[h]; in && in->pc != pc; in = in->next)
		;
	if (!in) {
		in = calloc(1, sizeof(*in) + (hist ? nvcpus * sizeof(uint64_t) : 0));
		if (!in || (nall == capall && !(all = realloc(all, (capall = capall * 2 + 4096) * sizeof(*all))))) {
			fprintf(stderr, "insnprof: out of memory\n");
			abort();
		}
		in->pc = pc;
		in->cat = ncats;
		for (int c = 0; c < ncats; c++)
			if (pc >= cat_range[c].start && pc < cat_range[c].end) {
				in->cat = c;
				break;
			}
		for (int m = 0; m < nmarks; m++)
			if (marks[m].pc == pc) {
				in->flags |= marks[m].flags;
				if (marks[m].flags & F_MARK)
					in->mark = m;
			}
		in->next = buckets[h];
		buckets[h] = in;
		all[nall++] = in;
	}
	pthread_mutex_unlock(&lock);
	return in;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	for (size_t i = 0, n = qemu_plugin_tb_n_insns(tb); i < n; i++) {
		struct qemu_plugin_insn *qi = qemu_plugin_tb_get_insn(tb, i);

		qemu_plugin_register_vcpu_insn_exec_cb(qi, on_insn, CB_NO_REGS,
						       lookup(qemu_plugin_insn_vaddr(qi)));
	}
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id, (void)udata;
	dump();
	fclose(out);
}

static int conf_error(const char *file, int line, const char *why)
{
	fprintf(stderr, "insnprof: %s:%d: %s\n", file, line, why);
	return -1;
}

static int add_mark(const char *name, uint64_t pc, uint8_t flag)
{
	if (nmarks == MAX_MARKS)
		return -1;
	marks[nmarks].name = strdup(name);
	marks[nmarks].pc = pc;
	marks[nmarks].flags = flag;
	nmarks++;
	return 0;
}

static int read_conf(const char *file)
{
	FILE *f = fopen(file, "r");
	char buf[512], w[5][128];
	int line = 0;

	if (!f)
		return conf_error(file, 0, "cannot open the conf= file");
	while (fgets(buf, sizeof(buf), f)) {
		char *hash = strchr(buf, '#');
		char *end;
		int n;

		line++;
		if (hash)
			*hash = 0;
		n = sscanf(buf, "%127s %127s %127s %127s %127s", w[0], w[1], w[2], w[3], w[4]);
		if (n <= 0)
			continue;
		if (!strcmp(w[0], "hist") && n == 1) {
			hist = true;
		} else if (!strcmp(w[0], "range") && n == 4) {
			if (ncats == MAX_CATS)
				return conf_error(file, line, "too many ranges");
			cat_name[ncats] = strdup(w[1]);
			cat_range[ncats].start = strtoull(w[2], &end, 16);
			if (*end)
				return conf_error(file, line, "START is not a hex address");
			cat_range[ncats].end = strtoull(w[3], &end, 16);
			if (*end || cat_range[ncats].end <= cat_range[ncats].start)
				return conf_error(file, line, "END is not a hex address above START");
			ncats++;
		} else if (!strcmp(w[0], "mark") && n == 3) {
			uint64_t pc = strtoull(w[2], &end, 16);

			if (*end)
				return conf_error(file, line, "ADDR is not a hex address");
			if (add_mark(w[1], pc, F_MARK))
				return conf_error(file, line, "too many marks");
		} else if ((!strcmp(w[0], "histon") || !strcmp(w[0], "histoff") ||
			    !strcmp(w[0], "dump")) && n == 2) {
			uint64_t pc = strtoull(w[1], &end, 16);
			uint8_t flag = w[0][0] == 'd' ? F_DUMP : w[0][5] == 'n' ? F_HISTON : F_HISTOFF;

			if (*end)
				return conf_error(file, line, "ADDR is not a hex address");
			if (add_mark(w[0], pc, flag))
				return conf_error(file, line, "too many marks");
			if (flag & (F_HISTON | F_HISTOFF))
				hist = true;
			if (flag == F_HISTON)
				hist_from_reset = false;
		} else {
			return conf_error(file, line, "expected: range NAME START END | mark NAME ADDR | "
					  "histon ADDR | histoff ADDR | dump ADDR | hist");
		}
	}
	fclose(f);
	cat_name[ncats] = "other";
	return 0;
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
							       int argc, char **argv)
{
	const char *conf = NULL, *path = NULL;

	cat_name[0] = "other";
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "conf=", 5))
			conf = argv[i] + 5;
		else if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else {
			fputs("insnprof: arguments are conf=FILE and out=FILE\n", stderr);
			return -1;
		}
	}
	if (!info->system_emulation || info->system.max_vcpus > MAX_VCPUS) {
		fputs("insnprof: system emulation with at most 16 vCPUs only\n", stderr);
		return -1;
	}
	nvcpus = info->system.max_vcpus;
	if (conf && read_conf(conf))
		return -1;
	out = path ? fopen(path, "w") : stdout;
	if (!out) {
		fputs("insnprof: cannot create the out= file\n", stderr);
		return -1;
	}
	for (int v = 0; v < nvcpus; v++)
		hist_on[v] = hist && hist_from_reset;
	fprintf(out, "vcpus %d\ncategories", nvcpus);
	for (int c = 0; c <= ncats; c++)
		fprintf(out, " %s", cat_name[c]);
	fputc('\n', out);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
