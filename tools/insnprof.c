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
 *   stretch NAME [OVER]   a kind of stretch (at most 4): per vCPU, the longest
 *                         run of that vCPU's own instructions from a begin PC
 *                         to an end PC, and how many ran longer than OVER
 *   begin NAME ADDR       executing ADDR opens a NAME stretch on that vCPU
 *                         (if none is open); ADDR counts in it
 *   end NAME ADDR         executing ADDR closes it; ADDR does not count in it
 *   wait ADDR             a waiting instruction (WFE): counted in each open
 *                         stretch, which also records the instructions all
 *                         vCPUs executed meanwhile (under -icount, the board
 *                         clock's view of the same stretch)
 *   func NAME START END   a function, for the stretches' breakdown
 *   reset ADDR            executing ADDR writes an R record and every vCPU's
 *                         stretch records so far, then clears them (windows:
 *                         under -icount, where one thread runs every vCPU)
 *
 * out: one record per line:
 *   vcpus N
 *   categories NAME...    the order of the counts below; "other" is last
 *   M NAME VCPU TOTAL C1 .. Cn   at a mark: that vCPU's counts so far
 *   T VCPU TOTAL C1 .. Cn        at exit or dump: each vCPU's counts
 *   H PC VCPU COUNT              at exit or dump, with hist: nonzero cells
 *   S NAME VCPU N OVER MAX ALL WAITS FROM AT END   at exit or dump, per
 *        stretch kind and vCPU: N stretches closed, OVER of them longer than
 *        the stretch's OVER; the longest: MAX own instructions, ALL of every
 *        vCPU meanwhile, WAITS wait instructions in it, FROM the PC the vCPU
 *        executed before AT, where it began, END the PC that closed it
 *   P NAME VCPU FUNC...          the longest one's functions in the order
 *                                they first ran (at most 16; "?" outside any)
 *   F NAME VCPU FUNC COUNT       its 8 functions with the most instructions
 *   W NAME VCPU ALL-MAX MAX ALL WAITS FROM AT   the stretch that waited
 *        longest: the most instructions of other vCPUs (ALL - MAX) in it
 *   O NAME VCPU LEN ALL WAITS FROM AT END FUNC:COUNT...   when a stretch
 *        longer than its OVER closes: as S's longest, with its 4 functions
 *        of the most instructions
 *   R VCPU ALL                   at a reset by VCPU, every vCPU's count so far;
 *                                the S, P, F and W records of the window follow
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

enum { MAX_VCPUS = 16, MAX_CATS = 16, MAX_MARKS = 250, MAX_STRETCH = 4, MAX_FUNCS = 8192 };
enum { PATH_LEN = 16, TOP_FUNCS = 8 };
enum { F_MARK = 1, F_HISTON = 2, F_HISTOFF = 4, F_DUMP = 8, F_WAIT = 16, F_BEGIN = 32, F_END = 64, F_RESET = 128 };

struct insn {			/* one per guest PC ever translated */
	uint64_t pc;
	struct insn *next;	/* hash chain */
	uint8_t cat, flags, mark;
	uint8_t begins, ends;	/* stretch kinds (bits) it opens and closes */
	uint32_t func;		/* index in funcs, nfuncs: none */
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
	uint8_t flags, stretch;
} marks[MAX_MARKS];
static bool hist, hist_from_reset = true;

/* Stretches: per kind and vCPU, written only by the thread running that vCPU. */
struct func {
	uint64_t start, end;
	char *name;
};
static struct func *funcs;
static uint32_t nfuncs, capfuncs;
struct best {			/* one stretch, as the S and W records give it */
	uint64_t len, all, waits, from, at, end;
};
struct stretch_cpu {
	bool open;
	struct best now;	/* the open one: len and all hold the counts at its start */
	uint64_t n, over;
	struct best max, wait;	/* the longest; the one most other vCPUs' instructions ran in */
	uint32_t *fc;		/* per function: the open stretch's instructions there */
	uint32_t *touched, ntouched; /* the functions it ran, in order */
	uint32_t path[PATH_LEN], npath, top[TOP_FUNCS], ntop;
	uint64_t topc[TOP_FUNCS];
};
static int nstretch;
static char *st_name[MAX_STRETCH];
static uint64_t st_over[MAX_STRETCH];
static struct stretch_cpu st[MAX_STRETCH][MAX_VCPUS];
static uint64_t prev_pc[MAX_VCPUS];
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

static const char *func_name(uint32_t f) { return f < nfuncs ? funcs[f].name : "?"; }

static void stretch_lines(int k, int v)
{
	struct stretch_cpu *s = &st[k][v];
	struct best *m = &s->max, *w = &s->wait;

	if (!s->n)
		return;
	fprintf(out, "S %s %d %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIx64 " %" PRIx64
		" %" PRIx64 "\n", st_name[k], v, s->n, s->over, m->len, m->all, m->waits, m->from, m->at, m->end);
	fprintf(out, "P %s %d", st_name[k], v);
	for (uint32_t i = 0; i < s->npath; i++)
		fprintf(out, " %s", func_name(s->path[i]));
	fputc('\n', out);
	for (uint32_t i = 0; i < s->ntop; i++)
		fprintf(out, "F %s %d %s %" PRIu64 "\n", st_name[k], v, func_name(s->top[i]), s->topc[i]);
	fprintf(out, "W %s %d %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIx64 " %" PRIx64 "\n", st_name[k],
		v, w->all - w->len, w->len, w->all, w->waits, w->from, w->at);
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
	for (int k = 0; k < nstretch; k++)
		for (int v = 0; v < nvcpus; v++)
			stretch_lines(k, v);
	fflush(out);
	pthread_mutex_unlock(&lock);
}

/* Every vCPU's instructions so far: under -icount, the virtual clock. */
static uint64_t all_total(void)
{
	uint64_t sum = 0;

	for (int v = 0; v < nvcpus; v++)
		sum += total[v];
	return sum;
}

static void stretch_open(int k, unsigned v, struct insn *in)
{
	struct stretch_cpu *s = &st[k][v];

	if (s->open)
		return;
	s->open = true;
	s->now = (struct best){ .len = total[v], .all = all_total(), .from = prev_pc[v], .at = in->pc };
}

/* The longest one's functions: in the order they first ran, and the most instructions first. */
static void stretch_keep(struct stretch_cpu *s)
{
	s->npath = s->ntouched < PATH_LEN ? s->ntouched : PATH_LEN;
	memcpy(s->path, s->touched, s->npath * sizeof(*s->path));
	for (s->ntop = 0; s->ntop < TOP_FUNCS && s->ntop < s->ntouched; s->ntop++) {
		uint32_t best = 0;

		for (uint32_t i = 1; i < s->ntouched; i++)
			if (s->fc[s->touched[i]] > s->fc[s->touched[best]])
				best = i;
		s->top[s->ntop] = s->touched[best];
		s->topc[s->ntop] = s->fc[s->touched[best]];
		s->fc[s->touched[best]] = 0;   /* taken: the cells are cleared below anyway */
	}
}

/* A stretch over its bound, as it closes: its record, with its heaviest functions (fc still holds them). */
static void stretch_over(int k, unsigned v, const struct stretch_cpu *s, const struct best *b)
{
	uint32_t top[4], ntop = 0;

	for (; ntop < 4 && ntop < s->ntouched; ntop++) {
		uint32_t best = nfuncs + 1;

		for (uint32_t i = 0; i < s->ntouched; i++) {
			uint32_t f = s->touched[i], taken = 0;

			for (uint32_t j = 0; j < ntop; j++)
				taken |= top[j] == f;
			if (!taken && (best > nfuncs || s->fc[f] > s->fc[best]))
				best = f;
		}
		top[ntop] = best;
	}
	pthread_mutex_lock(&lock);
	fprintf(out, "O %s %u %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIx64 " %" PRIx64 " %" PRIx64, st_name[k], v,
		b->len, b->all, b->waits, b->from, b->at, b->end);
	for (uint32_t i = 0; i < ntop; i++)
		fprintf(out, " %s:%u", func_name(top[i]), s->fc[top[i]]);
	fputc('\n', out);
	pthread_mutex_unlock(&lock);
}

static void stretch_close(int k, unsigned v, struct insn *in)
{
	struct stretch_cpu *s = &st[k][v];
	struct best b = s->now;

	if (!s->open)
		return;
	s->open = false;
	b.len = total[v] - b.len;
	b.all = all_total() - b.all;
	b.end = in->pc;
	s->n++;
	if (st_over[k] && b.len > st_over[k]) {
		s->over++;
		stretch_over(k, v, s, &b);
	}
	if (b.all - b.len > s->wait.all - s->wait.len || s->n == 1)
		s->wait = b;
	if (b.len > s->max.len || s->n == 1) {
		s->max = b;
		stretch_keep(s);
	}
	for (uint32_t i = 0; i < s->ntouched; i++)
		s->fc[s->touched[i]] = 0;
	s->ntouched = 0;
}

/* An instruction about to run inside the open stretches of its vCPU. */
static void stretch_count(unsigned v, struct insn *in)
{
	for (int k = 0; k < nstretch; k++) {
		struct stretch_cpu *s = &st[k][v];

		if (!s->open)
			continue;
		s->now.waits += (in->flags & F_WAIT) != 0;
		if (!s->fc[in->func]++)
			s->touched[s->ntouched++] = in->func;
	}
}

/* A window ends: its records out, every vCPU's stretch maxima cleared (open stretches go on). */
static void stretch_reset(unsigned vcpu)
{
	pthread_mutex_lock(&lock);
	fprintf(out, "R %u %" PRIu64 "\n", vcpu, all_total());
	for (int k = 0; k < nstretch; k++)
		for (int v = 0; v < nvcpus; v++) {
			struct stretch_cpu *s = &st[k][v];

			stretch_lines(k, v);
			s->n = s->over = s->npath = s->ntop = 0;
			s->max = s->wait = (struct best){ 0 };
		}
	fflush(out);
	pthread_mutex_unlock(&lock);
}

static void on_insn(unsigned int vcpu, void *udata)
{
	struct insn *in = udata;

	if (vcpu >= (unsigned)nvcpus)
		return;
	for (int k = 0; (in->begins | in->ends) && k < nstretch; k++) {
		if (in->ends & 1u << k)
			stretch_close(k, vcpu, in);
		if (in->begins & 1u << k)
			stretch_open(k, vcpu, in);
	}
	if (in->flags & ~F_WAIT) {
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
		if (in->flags & F_RESET)
			stretch_reset(vcpu);
	}
	if (nstretch)
		stretch_count(vcpu, in);
	total[vcpu]++;
	counts[vcpu][in->cat]++;
	if (hist_on[vcpu])
		in->hits[vcpu]++;
	prev_pc[vcpu] = in->pc;
}

/* The function pc is in (funcs are sorted and do not overlap); nfuncs: none. */
static uint32_t func_of(uint64_t pc)
{
	uint32_t lo = 0, hi = nfuncs;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (funcs[mid].end <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nfuncs && funcs[lo].start <= pc ? lo : nfuncs;
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
		in->func = func_of(pc);
		for (int m = 0; m < nmarks; m++)
			if (marks[m].pc == pc) {
				uint8_t f = marks[m].flags;

				in->flags |= f & ~(F_BEGIN | F_END);
				in->begins |= f & F_BEGIN ? 1u << marks[m].stretch : 0;
				in->ends |= f & F_END ? 1u << marks[m].stretch : 0;
				if (f & F_MARK)
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

static int add_mark(const char *name, uint64_t pc, uint8_t flag, int stretch)
{
	if (nmarks == MAX_MARKS)
		return -1;
	marks[nmarks].name = strdup(name);
	marks[nmarks].pc = pc;
	marks[nmarks].flags = flag;
	marks[nmarks].stretch = (uint8_t)stretch;
	nmarks++;
	return 0;
}

static int stretch_index(const char *name)
{
	for (int k = 0; k < nstretch; k++)
		if (!strcmp(st_name[k], name))
			return k;
	return -1;
}

static int add_func(const char *name, uint64_t start, uint64_t end)
{
	if (nfuncs == MAX_FUNCS)
		return -1;
	if (nfuncs == capfuncs && !(funcs = realloc(funcs, (capfuncs = capfuncs * 2 + 256) * sizeof(*funcs))))
		return -1;
	funcs[nfuncs++] = (struct func){ start, end, strdup(name) };
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct func *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorted, and a function that overlaps the one before it (an alias) dropped. */
static void funcs_sort(void)
{
	uint32_t n = 0;

	qsort(funcs, nfuncs, sizeof(*funcs), by_start);
	for (uint32_t i = 0; i < nfuncs; i++)
		if (!n || funcs[i].start >= funcs[n - 1].end)
			funcs[n++] = funcs[i];
	nfuncs = n;
}

/* The stretches' per-function cells, once the functions are known. */
static int stretch_alloc(void)
{
	for (int k = 0; k < nstretch; k++)
		for (int v = 0; v < nvcpus; v++) {
			st[k][v].fc = calloc(nfuncs + 1, sizeof(uint32_t));
			st[k][v].touched = calloc(nfuncs + 1, sizeof(uint32_t));
			if (!st[k][v].fc || !st[k][v].touched)
				return -1;
		}
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
		} else if (!strcmp(w[0], "stretch") && (n == 2 || n == 3)) {
			if (nstretch == MAX_STRETCH || stretch_index(w[1]) >= 0)
				return conf_error(file, line, "too many stretches, or one named twice");
			st_over[nstretch] = n == 3 ? strtoull(w[2], &end, 10) : 0;
			if (n == 3 && *end)
				return conf_error(file, line, "OVER is not a decimal number");
			st_name[nstretch++] = strdup(w[1]);
		} else if ((!strcmp(w[0], "begin") || !strcmp(w[0], "end")) && n == 3) {
			uint64_t pc = strtoull(w[2], &end, 16);
			int k = stretch_index(w[1]);

			if (*end || k < 0)
				return conf_error(file, line, "expected a stretch named before and a hex ADDR");
			if (add_mark(w[0], pc, w[0][0] == 'b' ? F_BEGIN : F_END, k))
				return conf_error(file, line, "too many marks");
		} else if (!strcmp(w[0], "func") && n == 4) {
			uint64_t start = strtoull(w[2], &end, 16), stop;

			if (*end || (stop = strtoull(w[3], &end, 16)) <= start || *end)
				return conf_error(file, line, "START and END are not hex addresses, END above START");
			if (add_func(w[1], start, stop))
				return conf_error(file, line, "too many functions");
		} else if (!strcmp(w[0], "mark") && n == 3) {
			uint64_t pc = strtoull(w[2], &end, 16);

			if (*end)
				return conf_error(file, line, "ADDR is not a hex address");
			if (add_mark(w[1], pc, F_MARK, 0))
				return conf_error(file, line, "too many marks");
		} else if ((!strcmp(w[0], "histon") || !strcmp(w[0], "histoff") ||
			    !strcmp(w[0], "dump") || !strcmp(w[0], "wait") || !strcmp(w[0], "reset")) && n == 2) {
			uint64_t pc = strtoull(w[1], &end, 16);
			uint8_t flag = w[0][0] == 'w'	? F_WAIT
				       : w[0][0] == 'r' ? F_RESET
				       : w[0][0] == 'd' ? F_DUMP
				       : w[0][5] == 'n' ? F_HISTON
							: F_HISTOFF;

			if (*end)
				return conf_error(file, line, "ADDR is not a hex address");
			if (add_mark(w[0], pc, flag, 0))
				return conf_error(file, line, "too many marks");
			if (flag & (F_HISTON | F_HISTOFF))
				hist = true;
			if (flag == F_HISTON)
				hist_from_reset = false;
		} else {
			return conf_error(file, line, "expected: range NAME START END | mark NAME ADDR | "
					  "histon ADDR | histoff ADDR | dump ADDR | hist | stretch NAME [OVER] | "
					  "begin NAME ADDR | end NAME ADDR | wait ADDR | func NAME START END | reset ADDR");
		}
	}
	fclose(f);
	cat_name[ncats] = "other";
	funcs_sort();
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
	if (stretch_alloc()) {
		fputs("insnprof: out of memory\n", stderr);
		return -1;
	}
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
