/*
 * The system-file parser: see sysfile.h, and docs/system-format.md for the
 * format.
 *
 * The file is read line by line; a line holds at most one statement. Checks
 * that need only one value are made where the value is read (ranges, a name
 * given twice in one program, an IRQ granted twice, a region's size); checks
 * that need a whole partition when its '}' is read (required keys, programs'
 * quotas within the partition's, the partition's grants copied into each
 * program); checks that need the whole file at the end (gates may name a
 * program defined further down). Each error names the place of the value at
 * fault. The lexical rules and messages are the shared ones of apps/lib/cfg (cfg.h),
 * as for loadbalancer/policy.c.
 */
#include "sysfile.h"
#include "policy.h"

#include <stdarg.h>
#include <string.h>

#define SATURATE (1ull << 40)  /* above every limit: numbers stop growing here */
#define KIB 1024u
#define MIB (1024u * 1024u)

typedef struct cfg_at where_t;

enum block { B_TOP, B_PARTITION, B_PROGRAM };

enum key {
	K_POLICY, K_SCHEDULER, K_MEMORY, K_KMEM, K_RESTART, K_MODULE, K_MODE,
	K_THREADS, K_PRIORITY, K_SERVE, K_GRANT, K_COUNT
};

#define BIT(n) (1u << (n))

static const struct key_info {
	const char *name;
	unsigned blocks;   /* BIT(enum block): where it may appear */
	unsigned required; /* BIT(enum block): where it must */
	bool repeats;      /* may be given more than once in a block */
} keys[K_COUNT] = {
	[K_POLICY] = { "policy", BIT(B_TOP), BIT(B_TOP), false },
	[K_SCHEDULER] = { "scheduler", BIT(B_PARTITION) | BIT(B_PROGRAM), BIT(B_PARTITION), false },
	[K_MEMORY] = { "memory", BIT(B_PARTITION) | BIT(B_PROGRAM), BIT(B_PARTITION), false },
	[K_KMEM] = { "kmem", BIT(B_PARTITION) | BIT(B_PROGRAM), BIT(B_PARTITION), false },
	[K_RESTART] = { "restart", BIT(B_PARTITION), 0, false },
	[K_MODULE] = { "module", BIT(B_PROGRAM), 0, false },
	[K_MODE] = { "mode", BIT(B_PROGRAM), 0, false },
	[K_THREADS] = { "threads", BIT(B_PROGRAM), 0, false },
	[K_PRIORITY] = { "priority", BIT(B_PROGRAM), 0, false },
	[K_SERVE] = { "serve", BIT(B_PROGRAM), 0, true },
	[K_GRANT] = { "grant", BIT(B_PARTITION) | BIT(B_PROGRAM), 0, true },
};

static const char *const restart_names[SYSFILE_RESTARTS] = {
	[SYSFILE_RESTART_MANUAL] = "manual",
	[SYSFILE_RESTART_ALWAYS] = "always",
	[SYSFILE_RESTART_NEVER] = "never",
};

static const char *const grant_names[SYSFILE_GRANT_KINDS] = {
	[SYSFILE_GRANT_CONSOLE] = "console",
	[SYSFILE_GRANT_TRACE] = "trace",
	[SYSFILE_GRANT_IRQ] = "irq",
	[SYSFILE_GRANT_GATE] = "gate",
	[SYSFILE_GRANT_SHARED] = "shared",
	[SYSFILE_GRANT_TIMER] = "timer",
};

struct parser {
	struct cfg_lex lx;                 /* the text, where we read and the message (apps/lib/cfg) */
	struct system *out;

	enum block block;                  /* the innermost open block, or B_TOP */
	where_t part_open, prog_open;      /* the open blocks' keywords */
	where_t top_key[K_COUNT];          /* keys given at the top level, */
	where_t part_key[K_COUNT];         /* in the open partition, */
	where_t prog_key[K_COUNT];         /* in the open program (line 0: not given) */
	/* Of the open partition's programs, for messages at its '}'. */
	where_t prog_memory_at[SYSFILE_MAX_PROGRAMS], prog_kmem_at[SYSFILE_MAX_PROGRAMS];
	where_t serve_at[SYSFILE_MAX_PROGRAMS][SYSFILE_MAX_SERVICES];
};

/* ---- Small helpers: the parser may not call libc ---- */


static bool is_path(char c)
{
	return cfg_is_word(c) || c == '/';
}

/* Copies t (at most max characters, checked by the caller) with a NUL. */
static void copy_span(char *dst, struct cfg_span t)
{
	for (size_t i = 0; i < t.n; i++)
		dst[i] = t.s[i];
	dst[t.n] = '\0';
}

static void copy_str(char *dst, const char *src, size_t max)
{
	size_t i = 0;
	for (; i < max && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

static bool later(where_t a, where_t b)
{
	return a.line > b.line || (a.line == b.line && a.col > b.col);
}

/* ---- Messages ---- */

/* A size as a file would write it: 16K, 8M, or bytes. */
static void put_size(struct cfg_msg *m, unsigned long long bytes)
{
	if (bytes && bytes % MIB == 0) {
		cfg_put_u(m, bytes / MIB);
		cfg_put_c(m, 'M');
	} else if (bytes && bytes % KIB == 0) {
		cfg_put_u(m, bytes / KIB);
		cfg_put_c(m, 'K');
	} else {
		cfg_put_u(m, bytes);
	}
}

/* A capability in words: "the console", "IRQ 34", "gate at-server.at", ... */
static void put_grant(struct cfg_msg *m, const struct system *sys, const struct sysfile_grant *g)
{
	const struct sysfile_program *server;

	switch (g->kind) {
	case SYSFILE_GRANT_CONSOLE: cfg_put_s(m, "the console"); break;
	case SYSFILE_GRANT_TRACE: cfg_put_s(m, "the trace buffer"); break;
	case SYSFILE_GRANT_IRQ: cfg_put_s(m, "IRQ "); cfg_put_u(m, g->irq); break;
	case SYSFILE_GRANT_TIMER: cfg_put_s(m, "a timer of "); cfg_put_u(m, g->irq); cfg_put_s(m, " us"); break;
	case SYSFILE_GRANT_GATE:
		server = &sys->partitions[g->partition].programs[g->program];
		cfg_put_s(m, "gate ");
		cfg_put_s(m, server->name);
		cfg_put_c(m, '.');
		cfg_put_s(m, server->services[g->service]);
		break;
	default:
		cfg_put_s(m, "shared region '");
		cfg_put_s(m, sys->shared[g->shared].name);
		cfg_put_c(m, '\'');
		break;
	}
}

/*
 * The system file's own conversions in messages (cfg_vfail does the rest):
 * %z a size in bytes (an unsigned) and %G a capability (a const struct
 * system * and a const struct sysfile_grant *).
 */
static bool put_conv(struct cfg_msg *m, char conv, va_list *ap)
{
	const struct system *sys;

	switch (conv) {
	case 'z': put_size(m, va_arg(*ap, unsigned)); return true;
	case 'G':
		sys = va_arg(*ap, const struct system *);
		put_grant(m, sys, va_arg(*ap, const struct sysfile_grant *));
		return true;
	default: return false;
	}
}

static int vreport(struct cfg_msg *m, const char *file, int kind, where_t at, const char *fmt, va_list ap)
{
	return cfg_vfail(m, file, kind, at, put_conv, fmt, ap);
}

static int fail(struct parser *p, int kind, where_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(&p->lx.m, p->lx.file, kind, at, fmt, ap);
	va_end(ap);
	return kind;
}

/* ---- Scanning within the current line ---- */

static int expect_end(struct parser *p, const char *after)
{
	cfg_skip_blank(&p->lx);
	if (cfg_at_end(&p->lx))
		return SYSFILE_OK;
	return fail(p, SYSFILE_E_SYNTAX, cfg_here(&p->lx), "unexpected %t after %s", cfg_token_at(&p->lx), after);
}

/* ---- Values ---- */

/* Whether t is a name: letters, digits, '_' and '-', starting with a letter or '_'. */
static int check_name(struct parser *p, struct cfg_span t, where_t at, const char *what)
{
	if (t.n == 0 || !(cfg_is_alpha(t.s[0]) || t.s[0] == '_'))
		return fail(p, SYSFILE_E_NAME, at, "bad %s %t: it starts with a letter or '_'", what, t);
	for (size_t i = 0; i < t.n; i++)
		if (t.s[i] == '.')
			return fail(p, SYSFILE_E_NAME, at, "bad %s %t: letters, digits, '_' and '-' only",
				    what, t);
	if (t.n > SYSFILE_NAME_MAX)
		return fail(p, SYSFILE_E_NAME, at, "%s %t is longer than %u characters",
			    what, t, SYSFILE_NAME_MAX);
	return SYSFILE_OK;
}

/* A name at pos, into dst (SYSFILE_NAME_MAX + 1 bytes); `what` names it in messages. */
static int name_value(struct parser *p, const char *what, char *dst)
{
	where_t at = cfg_here(&p->lx);
	struct cfg_span t = cfg_value_word(&p->lx);
	int err = check_name(p, t, at, what);
	if (!err)
		copy_span(dst, t);
	return err;
}

/* Decimal digits into *v, which stops growing past SATURATE; false if t holds anything else. */
static bool digits(struct cfg_span t, unsigned long long *v)
{
	unsigned long long n = 0;
	if (t.n == 0)
		return false;
	for (size_t i = 0; i < t.n; i++) {
		if (!cfg_is_digit(t.s[i]))
			return false;
		if (n < SATURATE)
			n = n * 10 + (unsigned)(t.s[i] - '0');
	}
	*v = n;
	return true;
}

/* A number in min..max; `what` names it in the message. */
static int bounded(struct parser *p, const char *what, unsigned min, unsigned max, unsigned *v)
{
	where_t at = cfg_here(&p->lx);
	struct cfg_span t = cfg_value_word(&p->lx);
	unsigned long long n;

	if (!digits(t, &n))
		return fail(p, SYSFILE_E_NUMBER, at, "%t is not a number", t);
	if (n < min || n > max)
		return fail(p, SYSFILE_E_RANGE, at, "%s %w is out of range %u..%u", what, t, min, max);
	*v = (unsigned)n;
	return SYSFILE_OK;
}

/* A size: bytes, or a number with K (KiB) or M (MiB); whole pages, 4K..1024M. */
static int size_value(struct parser *p, const char *what, uint32_t *v)
{
	where_t at = cfg_here(&p->lx);
	struct cfg_span t = cfg_value_word(&p->lx);
	struct cfg_span num = t;
	unsigned long long n, unit = 1;

	if (t.n > 1 && (t.s[t.n - 1] == 'K' || t.s[t.n - 1] == 'M')) {
		unit = t.s[t.n - 1] == 'K' ? KIB : MIB;
		num.n--;
	}
	if (!digits(num, &n))
		return fail(p, SYSFILE_E_NUMBER, at, "%t is not a size (bytes, or a number with K or M)", t);
	n *= unit; /* at most 2^40 * 2^20 */
	if (n < SYSFILE_PAGE || n > SYSFILE_SIZE_MAX)
		return fail(p, SYSFILE_E_RANGE, at, "%s %w is out of range %z..%z",
			    what, t, SYSFILE_PAGE, SYSFILE_SIZE_MAX);
	if (n % SYSFILE_PAGE)
		return fail(p, SYSFILE_E_RANGE, at, "%s %w is not a whole number of pages (%z)",
			    what, t, SYSFILE_PAGE);
	*v = (uint32_t)n;
	return SYSFILE_OK;
}

/* ---- The blocks and their keys ---- */

static struct sysfile_partition *cur_part(struct parser *p)
{
	return &p->out->partitions[p->out->n_partitions - 1];
}

static struct sysfile_program *cur_prog(struct parser *p)
{
	struct sysfile_partition *pa = cur_part(p);
	return &pa->programs[pa->n_programs - 1];
}

static const char *block_word(enum block b)
{
	return b == B_PARTITION ? "partition" : "program";
}

static const char *cur_name(struct parser *p, enum block b)
{
	return b == B_PARTITION ? cur_part(p)->name : cur_prog(p)->name;
}

static where_t *key_at(struct parser *p, enum block b)
{
	return b == B_TOP ? p->top_key : b == B_PARTITION ? p->part_key : p->prog_key;
}

/* `policy PATH`: which policy file the balancer loads. */
static int policy_value(struct parser *p)
{
	where_t at = cfg_here(&p->lx);
	size_t start = p->lx.pos;
	struct cfg_span t;

	while (p->lx.pos < p->lx.eol && is_path(p->lx.text[p->lx.pos]))
		p->lx.pos++;
	t = (struct cfg_span){ p->lx.text + start, p->lx.pos - start };
	if (t.n == 0)
		return fail(p, SYSFILE_E_NAME, at, "bad path %t: letters, digits, '_', '-', '.' and '/'",
			    cfg_token_at(&p->lx));
	if (t.n > SYSFILE_PATH_MAX)
		return fail(p, SYSFILE_E_NAME, at, "path %t is longer than %u characters",
			    t, SYSFILE_PATH_MAX);
	copy_span(p->out->policy, t);
	p->out->policy_at = at;
	return SYSFILE_OK;
}

/* A partition's scheduler: no two partitions share a scheduler instance. */
static int part_scheduler(struct parser *p)
{
	struct sysfile_partition *pa = cur_part(p);
	where_t at = cfg_here(&p->lx);
	int err = name_value(p, "scheduler", pa->scheduler);

	if (err)
		return err;
	pa->scheduler_at = at;
	for (unsigned i = 0; i + 1 < p->out->n_partitions; i++) {
		const struct sysfile_partition *o = &p->out->partitions[i];
		if (cfg_str_eq(o->scheduler, pa->scheduler))
			return fail(p, SYSFILE_E_DUPLICATE, at,
				    "scheduler '%s' already given to partition '%s' (line %u)",
				    pa->scheduler, o->name, o->line);
	}
	return SYSFILE_OK;
}

static int restart_value(struct parser *p, enum sysfile_restart *r)
{
	where_t at = cfg_here(&p->lx);
	struct cfg_span t = cfg_value_word(&p->lx);

	for (unsigned i = 0; i < SYSFILE_RESTARTS; i++) {
		if (cfg_span_is(t, restart_names[i])) {
			*r = (enum sysfile_restart)i;
			return SYSFILE_OK;
		}
	}
	return fail(p, SYSFILE_E_UNKNOWN_VALUE, at, "unknown restart %t (manual, always or never)", t);
}

/* `mode M`: a name or a decimal number below 2^32. */
static int mode_value(struct parser *p, struct sysfile_program *pr)
{
	where_t at = cfg_here(&p->lx);
	struct cfg_span t = cfg_token_at(&p->lx);
	unsigned long long n;

	if (t.n && cfg_is_digit(t.s[0]) && !digits(t, &n))
		return fail(p, SYSFILE_E_NAME, at, "bad mode %t: a name or a number", t);
	if (!digits(t, &n))
		return name_value(p, "mode", pr->mode);
	p->lx.pos += t.n;
	if (n > 0xffffffffu || t.n > 10)
		return fail(p, SYSFILE_E_RANGE, at, "mode %w is out of range 0..4294967295", t);
	copy_span(pr->mode, t);
	pr->mode_is_number = true;
	pr->mode_number = (uint32_t)n;
	return SYSFILE_OK;
}

/* Whether a program already uses `name`: a service or a grant. */
static bool prog_has_name(struct parser *p, const struct sysfile_program *pr, unsigned index,
			  const char *name, where_t *first)
{
	for (unsigned i = 0; i < pr->n_services; i++) {
		if (cfg_str_eq(pr->services[i], name)) {
			*first = p->serve_at[index][i];
			return true;
		}
	}
	for (unsigned i = 0; i < pr->n_grants; i++) {
		if (cfg_str_eq(pr->grants[i].name, name)) {
			*first = pr->grants[i].at;
			return true;
		}
	}
	return false;
}

static int serve_value(struct parser *p)
{
	struct sysfile_program *pr = cur_prog(p);
	unsigned index = cur_part(p)->n_programs - 1;
	where_t at = cfg_here(&p->lx), first;
	char name[SYSFILE_NAME_MAX + 1];
	int err;

	if (pr->n_services == SYSFILE_MAX_SERVICES)
		return fail(p, SYSFILE_E_LIMIT, p->prog_key[K_SERVE], "more than %u services in program '%s'",
			    SYSFILE_MAX_SERVICES, pr->name);
	if ((err = name_value(p, "service", name)))
		return err;
	if (prog_has_name(p, pr, index, name, &first))
		return fail(p, SYSFILE_E_DUPLICATE, at, "duplicate name '%s' in program '%s' (first at line %u)",
			    name, pr->name, first.line);
	copy_str(pr->services[pr->n_services], name, SYSFILE_NAME_MAX);
	p->serve_at[index][pr->n_services++] = p->prog_key[K_SERVE];
	return SYSFILE_OK;
}

/* ---- Grants ---- */

static int grant_kind(struct parser *p, enum sysfile_grant_kind *kind)
{
	where_t at = cfg_here(&p->lx);
	struct cfg_span t = cfg_value_word(&p->lx);

	for (unsigned k = 0; k < SYSFILE_GRANT_KINDS; k++) {
		if (cfg_span_is(t, grant_names[k])) {
			*kind = (enum sysfile_grant_kind)k;
			return SYSFILE_OK;
		}
	}
	return fail(p, SYSFILE_E_UNKNOWN_VALUE, at,
		    "unknown grant %t (console, trace, irq, gate, shared or timer)", t);
}

/* A periodic timer: an IRQ object of its own for one program (MU_IRQ_TIMER). */
static int grant_timer(struct parser *p, struct sysfile_grant *g)
{
	if (p->block == B_PARTITION)
		return fail(p, SYSFILE_E_NOT_APPLICABLE, g->at,
			    "'grant timer' does not apply to a partition: a timer goes to one program");
	int err = bounded(p, "period", SYSFILE_TIMER_MIN, SYSFILE_TIMER_MAX, &g->irq);
	if (!err)
		copy_str(g->name, "timer", SYSFILE_NAME_MAX);
	return err;
}

/* An interrupt goes to one program, once in the system. */
static int grant_irq(struct parser *p, struct sysfile_grant *g)
{
	const struct system *sys = p->out;
	where_t at = cfg_here(&p->lx);
	int err;

	if (p->block == B_PARTITION)
		return fail(p, SYSFILE_E_NOT_APPLICABLE, g->at,
			    "'grant irq' does not apply to a partition: an interrupt goes to one program");
	if ((err = bounded(p, "IRQ", SYSFILE_IRQ_MIN, SYSFILE_IRQ_MAX, &g->irq)))
		return err;
	for (unsigned i = 0; i < sys->n_partitions; i++) {
		const struct sysfile_partition *pa = &sys->partitions[i];
		for (unsigned j = 0; j < pa->n_programs; j++) {
			const struct sysfile_program *pr = &pa->programs[j];
			for (unsigned k = 0; k < pr->n_grants; k++)
				if (pr->grants[k].kind == SYSFILE_GRANT_IRQ && pr->grants[k].irq == g->irq)
					return fail(p, SYSFILE_E_DUPLICATE, at,
						    "IRQ %u already granted to program '%s' (line %u)",
						    g->irq, pr->name, pr->grants[k].at.line);
		}
	}
	g->name[0] = 'i', g->name[1] = 'r', g->name[2] = 'q';
	char *d = g->name + 3;
	if (g->irq >= 1000)
		*d++ = (char)('0' + g->irq / 1000);
	if (g->irq >= 100)
		*d++ = (char)('0' + g->irq / 100 % 10);
	*d++ = (char)('0' + g->irq / 10 % 10); /* IRQs have two digits at least */
	*d++ = (char)('0' + g->irq % 10);
	*d = '\0';
	return SYSFILE_OK;
}

/* PROGRAM.SERVICE: checked here, resolved at the end of the file. */
static int grant_gate(struct parser *p, struct sysfile_grant *g)
{
	where_t at = cfg_here(&p->lx);
	struct cfg_span t = cfg_value_word(&p->lx), prog = t, svc;
	size_t dot = 0;
	int err;

	while (dot < t.n && t.s[dot] != '.')
		dot++;
	if (dot == t.n)
		return fail(p, SYSFILE_E_SYNTAX, at, "expected PROGRAM.SERVICE after 'gate', not %t", t);
	prog.n = dot;
	svc = (struct cfg_span){ t.s + dot + 1, t.n - dot - 1 };
	if ((err = check_name(p, prog, at, "program name")))
		return err;
	if ((err = check_name(p, svc, (where_t){ at.line, at.col + (unsigned)dot + 1 }, "service name")))
		return err;
	copy_span(g->name, svc);
	return SYSFILE_OK;
}

/* REGION size SIZE: the first grant of a region sets its size, the others repeat it. */
static int grant_shared(struct parser *p, struct sysfile_grant *g)
{
	struct system *sys = p->out;
	where_t at = cfg_here(&p->lx), size_at;
	char name[SYSFILE_NAME_MAX + 1];
	uint32_t size;
	unsigned i;
	int err;

	if ((err = name_value(p, "region name", name)))
		return err;
	cfg_skip_blank(&p->lx);
	size_at = cfg_here(&p->lx);
	if (!cfg_span_is(cfg_word(&p->lx, false), "size"))
		return fail(p, SYSFILE_E_SYNTAX, size_at, "expected 'size' after the region's name");
	cfg_skip_blank(&p->lx);
	if (cfg_at_end(&p->lx))
		return fail(p, SYSFILE_E_SYNTAX, cfg_here(&p->lx), "'size' needs a value");
	size_at = cfg_here(&p->lx);
	if ((err = size_value(p, "size", &size)))
		return err;
	for (i = 0; i < sys->n_shared && !cfg_str_eq(sys->shared[i].name, name); i++)
		;
	if (i < sys->n_shared && sys->shared[i].size != size)
		return fail(p, SYSFILE_E_MISMATCH, size_at, "size %z of shared region '%s' differs from %z (line %u)",
			    (unsigned)size, name, (unsigned)sys->shared[i].size, sys->shared[i].at.line);
	if (i == SYSFILE_MAX_SHARED)
		return fail(p, SYSFILE_E_LIMIT, at, "more than %u shared regions", SYSFILE_MAX_SHARED);
	if (i == sys->n_shared) {
		copy_str(sys->shared[i].name, name, SYSFILE_NAME_MAX);
		sys->shared[i].size = size;
		sys->shared[i].at = at;
		sys->n_shared++;
	}
	g->shared = i;
	copy_str(g->name, name, SYSFILE_NAME_MAX);
	return SYSFILE_OK;
}

/* What follows the grant: nothing, or `as NAME`. */
static int grant_as(struct parser *p, struct sysfile_grant *g)
{
	where_t at;

	cfg_skip_blank(&p->lx);
	if (cfg_at_end(&p->lx))
		return SYSFILE_OK;
	at = cfg_here(&p->lx);
	if (!cfg_span_is(cfg_token_at(&p->lx), "as"))
		return fail(p, SYSFILE_E_SYNTAX, at, "unexpected %t after the grant (only 'as NAME' may follow)",
			    cfg_token_at(&p->lx));
	p->lx.pos += 2;
	cfg_skip_blank(&p->lx);
	if (cfg_at_end(&p->lx))
		return fail(p, SYSFILE_E_SYNTAX, cfg_here(&p->lx), "'as' needs a name");
	return name_value(p, "name", g->name);
}

/* `grant KIND ... [as NAME]` in a partition or a program. */
static int grant_statement(struct parser *p)
{
	bool in_prog = p->block == B_PROGRAM;
	struct sysfile_partition *pa = cur_part(p);
	struct sysfile_program *pr = in_prog ? cur_prog(p) : NULL;
	unsigned *n = in_prog ? &pr->n_grants : &pa->n_grants;
	struct sysfile_grant *g = in_prog ? &pr->grants[*n] : &pa->grants[*n];
	where_t at = key_at(p, p->block)[K_GRANT], first;
	int err;

	if (*n == SYSFILE_MAX_GRANTS)
		return fail(p, SYSFILE_E_LIMIT, at, "more than %u grants in %s '%s'",
			    SYSFILE_MAX_GRANTS, block_word(p->block), cur_name(p, p->block));
	*g = (struct sysfile_grant){ .at = at };
	if ((err = grant_kind(p, &g->kind)))
		return err;
	cfg_skip_blank(&p->lx);
	g->value_at = cfg_here(&p->lx);
	if (g->kind != SYSFILE_GRANT_CONSOLE && g->kind != SYSFILE_GRANT_TRACE && cfg_at_end(&p->lx))
		return fail(p, SYSFILE_E_SYNTAX, g->value_at, "'grant %s' needs a value", grant_names[g->kind]);
	switch (g->kind) {
	case SYSFILE_GRANT_IRQ: err = grant_irq(p, g); break;
	case SYSFILE_GRANT_TIMER: err = grant_timer(p, g); break;
	case SYSFILE_GRANT_GATE: err = grant_gate(p, g); break;
	case SYSFILE_GRANT_SHARED: err = grant_shared(p, g); break;
	default: copy_str(g->name, grant_names[g->kind], SYSFILE_NAME_MAX); break;
	}
	if (err || (err = grant_as(p, g)))
		return err;
	if (in_prog && prog_has_name(p, pr, pa->n_programs - 1, g->name, &first))
		return fail(p, SYSFILE_E_DUPLICATE, at, "duplicate name '%s' in program '%s' (first at line %u)",
			    g->name, pr->name, first.line);
	for (unsigned i = 0; !in_prog && i < pa->n_grants; i++)
		if (cfg_str_eq(pa->grants[i].name, g->name))
			return fail(p, SYSFILE_E_DUPLICATE, at,
				    "duplicate name '%s' in partition '%s' (first at line %u)",
				    g->name, pa->name, pa->grants[i].at.line);
	++*n;
	return SYSFILE_OK;
}

/* ---- Statements ---- */

static int part_key(struct parser *p, enum key k)
{
	struct sysfile_partition *pa = cur_part(p);

	switch (k) {
	case K_SCHEDULER: return part_scheduler(p);
	case K_MEMORY: pa->memory_at = cfg_here(&p->lx); return size_value(p, "memory", &pa->memory);
	case K_KMEM: pa->kmem_at = cfg_here(&p->lx); return size_value(p, "kmem", &pa->kmem);
	case K_RESTART: return restart_value(p, &pa->restart);
	case K_GRANT: return grant_statement(p);
	default: return SYSFILE_OK; /* not a partition key: refused by the caller */
	}
}

static int prog_key(struct parser *p, enum key k)
{
	struct sysfile_program *pr = cur_prog(p);
	unsigned index = cur_part(p)->n_programs - 1;

	switch (k) {
	case K_SCHEDULER: pr->scheduler_at = cfg_here(&p->lx); return name_value(p, "scheduler", pr->scheduler);
	case K_MEMORY:
		p->prog_memory_at[index] = cfg_here(&p->lx);
		return size_value(p, "memory", &pr->memory);
	case K_KMEM:
		p->prog_kmem_at[index] = cfg_here(&p->lx);
		return size_value(p, "kmem", &pr->kmem);
	case K_MODULE: return name_value(p, "module", pr->module);
	case K_MODE: return mode_value(p, pr);
	case K_THREADS:
		pr->threads_at = cfg_here(&p->lx);
		return bounded(p, "threads", 1, SYSFILE_MAX_THREADS, &pr->threads);
	case K_PRIORITY:
		pr->priority_at = cfg_here(&p->lx);
		return bounded(p, "priority", 0, SYSFILE_PRIO_MAX, &pr->priority);
	case K_SERVE: return serve_value(p);
	case K_GRANT: return grant_statement(p);
	default: return SYSFILE_OK; /* not a program key: refused by the caller */
	}
}

/* `key value`; pos is just after the key. */
static int key_statement(struct parser *p, enum key k, struct cfg_span t, where_t at)
{
	where_t *given = key_at(p, p->block);
	int err;

	if (!(keys[k].blocks & BIT(p->block))) {
		if (p->block == B_TOP)
			return fail(p, SYSFILE_E_BLOCK, at, "%t outside a partition or program block", t);
		return fail(p, SYSFILE_E_NOT_APPLICABLE, at, "%t does not apply to a %s",
			    t, block_word(p->block));
	}
	if (given[k].line && !keys[k].repeats)
		return fail(p, SYSFILE_E_DUPLICATE, at, "duplicate %t (first at line %u)", t, given[k].line);
	cfg_skip_blank(&p->lx);
	if (cfg_at_end(&p->lx))
		return fail(p, SYSFILE_E_SYNTAX, cfg_here(&p->lx), "%t needs a value", t);
	given[k] = at;
	if (p->block == B_TOP)
		err = policy_value(p);
	else
		err = p->block == B_PARTITION ? part_key(p, k) : prog_key(p, k);
	return err ? err : expect_end(p, k == K_GRANT ? "the grant" : "the value");
}

/* Partitions and programs share one name space. */
static int check_new_name(struct parser *p, struct cfg_span name, where_t at)
{
	const struct system *sys = p->out;
	int err = check_name(p, name, at, "name");

	if (err)
		return err;
	for (unsigned i = 0; i < sys->n_partitions; i++) {
		const struct sysfile_partition *pa = &sys->partitions[i];
		if (cfg_span_is(name, pa->name))
			return fail(p, SYSFILE_E_DUPLICATE, at, "duplicate name %t (partition at line %u)",
				    name, pa->line);
		for (unsigned j = 0; j < pa->n_programs; j++)
			if (cfg_span_is(name, pa->programs[j].name))
				return fail(p, SYSFILE_E_DUPLICATE, at, "duplicate name %t (program at line %u)",
					    name, pa->programs[j].line);
	}
	return SYSFILE_OK;
}

static void start_partition(struct parser *p, struct cfg_span name, where_t at)
{
	struct sysfile_partition *pa = &p->out->partitions[p->out->n_partitions++];

	copy_span(pa->name, name);
	pa->line = at.line;
	pa->restart = SYSFILE_RESTART_MANUAL;
	p->part_open = at;
	for (unsigned k = 0; k < K_COUNT; k++)
		p->part_key[k] = (where_t){ 0, 0 };
	for (unsigned i = 0; i < SYSFILE_MAX_PROGRAMS; i++)
		p->prog_memory_at[i] = p->prog_kmem_at[i] = (where_t){ 0, 0 };
}

static void start_program(struct parser *p, struct cfg_span name, where_t at)
{
	struct sysfile_partition *pa = cur_part(p);
	struct sysfile_program *pr = &pa->programs[pa->n_programs++];

	copy_span(pr->name, name);
	pr->line = at.line;
	pr->threads = 1;
	p->prog_open = at;
	for (unsigned k = 0; k < K_COUNT; k++)
		p->prog_key[k] = (where_t){ 0, 0 };
}

/* `partition NAME {` or `program NAME {`; pos is just after the keyword. */
static int open_block(struct parser *p, enum block b, where_t at)
{
	enum block outer = b == B_PARTITION ? B_TOP : B_PARTITION;
	const char *what = block_word(b);
	where_t name_at;
	struct cfg_span name;
	int err;

	if (p->block > outer)
		return fail(p, SYSFILE_E_BLOCK, at, "'%s' inside %s '%s' (line %u): is a '}' missing?",
			    what, block_word(p->block), cur_name(p, p->block),
			    (p->block == B_PARTITION ? p->part_open : p->prog_open).line);
	if (p->block < outer)
		return fail(p, SYSFILE_E_BLOCK, at, "'program' outside a partition block");
	cfg_skip_blank(&p->lx);
	name_at = cfg_here(&p->lx);
	name = cfg_word(&p->lx, false);
	if (name.n == 0)
		return fail(p, SYSFILE_E_SYNTAX, name_at, "'%s' needs a name", what);
	if ((err = check_new_name(p, name, name_at)))
		return err;
	if (b == B_PARTITION ? p->out->n_partitions == SYSFILE_MAX_PARTITIONS
			     : cur_part(p)->n_programs == SYSFILE_MAX_PROGRAMS)
		return b == B_PARTITION
			? fail(p, SYSFILE_E_LIMIT, at, "more than %u partitions", SYSFILE_MAX_PARTITIONS)
			: fail(p, SYSFILE_E_LIMIT, at, "more than %u programs in partition '%s'",
			       SYSFILE_MAX_PROGRAMS, cur_part(p)->name);
	cfg_skip_blank(&p->lx);
	if (!cfg_at_char(&p->lx, '{'))
		return fail(p, SYSFILE_E_BLOCK, cfg_here(&p->lx), "expected '{' after %s %t", what, name);
	p->lx.pos++;
	if ((err = expect_end(p, "'{' (one statement per line)")))
		return err;
	if (b == B_PARTITION)
		start_partition(p, name, at);
	else
		start_program(p, name, at);
	p->block = b;
	return SYSFILE_OK;
}

static int check_required(struct parser *p, enum block b, where_t open, const where_t *given)
{
	for (unsigned k = 0; k < K_COUNT; k++)
		if ((keys[k].required & BIT(b)) && !given[k].line)
			return fail(p, SYSFILE_E_MISSING, open, "%s '%s' has no '%s'",
				    block_word(b), cur_name(p, b), keys[k].name);
	return SYSFILE_OK;
}

static int finish_program(struct parser *p)
{
	struct sysfile_program *pr = cur_prog(p);

	if (!pr->module[0])
		copy_str(pr->module, pr->name, SYSFILE_NAME_MAX);
	return SYSFILE_OK;
}

/* The programs' own quotas, added up in file order, stay within the partition's. */
static int check_program_quotas(struct parser *p)
{
	const struct sysfile_partition *pa = cur_part(p);
	unsigned long long memory = 0, kmem = 0;

	for (unsigned i = 0; i < pa->n_programs; i++) {
		memory += pa->programs[i].memory;
		kmem += pa->programs[i].kmem;
		if (memory > pa->memory)
			return fail(p, SYSFILE_E_QUOTA, p->prog_memory_at[i],
				    "programs' memory adds up to %z, more than the %z of partition '%s'",
				    (unsigned)memory, (unsigned)pa->memory, pa->name);
		if (kmem > pa->kmem)
			return fail(p, SYSFILE_E_QUOTA, p->prog_kmem_at[i],
				    "programs' kmem adds up to %z, more than the %z of partition '%s'",
				    (unsigned)kmem, (unsigned)pa->kmem, pa->name);
	}
	return SYSFILE_OK;
}

/*
 * Copies the partition's grants in front of each program's own, after
 * checking that the names stay unique and the count within the limit. A clash
 * is reported at whichever of the two statements comes later in the file.
 */
static int inherit_grants(struct parser *p)
{
	struct sysfile_partition *pa = cur_part(p);

	for (unsigned i = 0; i < pa->n_programs; i++) {
		struct sysfile_program *pr = &pa->programs[i];
		unsigned n = pa->n_grants;
		where_t first;

		if (pr->n_grants + n > SYSFILE_MAX_GRANTS)
			return fail(p, SYSFILE_E_LIMIT, pa->grants[n - 1].at,
				    "program '%s' (line %u) would hold %u grants with its partition's %u (at most %u)",
				    pr->name, pr->line, pr->n_grants + n, n, SYSFILE_MAX_GRANTS);
		for (unsigned j = 0; j < n; j++) {
			const struct sysfile_grant *g = &pa->grants[j];
			if (!prog_has_name(p, pr, i, g->name, &first))
				continue;
			return fail(p, SYSFILE_E_DUPLICATE, later(g->at, first) ? g->at : first,
				    "duplicate name '%s' in program '%s' (first at line %u)", g->name, pr->name,
				    (later(g->at, first) ? first : g->at).line);
		}
		for (unsigned j = pr->n_grants; j-- > 0;)
			pr->grants[j + n] = pr->grants[j];
		for (unsigned j = 0; j < n; j++) {
			pr->grants[j] = pa->grants[j];
			pr->grants[j].inherited = true;
		}
		pr->n_grants += n;
	}
	return SYSFILE_OK;
}

static int finish_partition(struct parser *p)
{
	struct sysfile_partition *pa = cur_part(p);
	int err = check_required(p, B_PARTITION, p->part_open, p->part_key);

	if (err)
		return err;
	if (pa->n_programs == 0)
		return fail(p, SYSFILE_E_MISSING, p->part_open, "partition '%s' has no program", pa->name);
	if ((err = check_program_quotas(p)))
		return err;
	for (unsigned i = 0; i < pa->n_programs; i++)
		if (!pa->programs[i].scheduler[0])
			copy_str(pa->programs[i].scheduler, pa->scheduler, SYSFILE_NAME_MAX);
	return inherit_grants(p);
}

static int close_block(struct parser *p)
{
	where_t at = cfg_here(&p->lx);
	int err;

	if (p->block == B_TOP)
		return fail(p, SYSFILE_E_BLOCK, at, "'}' without an open block");
	p->lx.pos++;
	if ((err = expect_end(p, "'}'")))
		return err;
	if (p->block == B_PROGRAM) {
		p->block = B_PARTITION;
		return finish_program(p);
	}
	p->block = B_TOP;
	return finish_partition(p);
}

static int statement(struct parser *p)
{
	where_t at;
	struct cfg_span t;

	cfg_skip_blank(&p->lx);
	if (cfg_at_end(&p->lx))
		return SYSFILE_OK;
	at = cfg_here(&p->lx);
	if (cfg_at_char(&p->lx, '}'))
		return close_block(p);
	if (cfg_at_char(&p->lx, '{'))
		return fail(p, SYSFILE_E_BLOCK, at,
			    "unexpected '{': a block starts with 'partition NAME {' or 'program NAME {'");
	t = cfg_word(&p->lx, false);
	if (t.n == 0)
		return fail(p, SYSFILE_E_SYNTAX, at, "unexpected %t", cfg_token_at(&p->lx));
	if (cfg_span_is(t, "partition"))
		return open_block(p, B_PARTITION, at);
	if (cfg_span_is(t, "program"))
		return open_block(p, B_PROGRAM, at);
	for (unsigned k = 0; k < K_COUNT; k++)
		if (cfg_span_is(t, keys[k].name))
			return key_statement(p, (enum key)k, t, at);
	return fail(p, SYSFILE_E_UNKNOWN_KEY, at, "unknown key %t", t);
}

/* ---- The whole file ---- */

/* Finds the program and service a gate names; pos is at its PROGRAM.SERVICE. */
static int resolve_gate(struct parser *p, struct sysfile_grant *g)
{
	const struct system *sys = p->out;
	where_t at = cfg_here(&p->lx);
	struct cfg_span t = cfg_word(&p->lx, false), prog = t;
	size_t dot = 0;

	while (t.s[dot] != '.') /* checked when read */
		dot++;
	prog.n = dot;
	struct cfg_span svc = { t.s + dot + 1, t.n - dot - 1 };
	for (unsigned i = 0; i < sys->n_partitions; i++) {
		const struct sysfile_partition *pa = &sys->partitions[i];
		for (unsigned j = 0; j < pa->n_programs; j++) {
			const struct sysfile_program *pr = &pa->programs[j];
			if (!cfg_span_is(prog, pr->name))
				continue;
			for (unsigned k = 0; k < pr->n_services; k++) {
				if (cfg_span_is(svc, pr->services[k])) {
					g->partition = i, g->program = j, g->service = k;
					return SYSFILE_OK;
				}
			}
			return fail(p, SYSFILE_E_UNDEFINED, (where_t){ at.line, at.col + (unsigned)dot + 1 },
				    "program '%s' (line %u) serves no %t", pr->name, pr->line, svc);
		}
	}
	return fail(p, SYSFILE_E_UNDEFINED, at, "no program %t in the system", prog);
}

/* Every gate, the partitions' first (their copies in the programs follow them). */
static int resolve_gates(struct parser *p)
{
	struct system *sys = p->out;
	int err;

	for (unsigned i = 0; i < sys->n_partitions; i++) {
		struct sysfile_partition *pa = &sys->partitions[i];
		for (unsigned k = 0; k < pa->n_grants; k++) {
			if (pa->grants[k].kind != SYSFILE_GRANT_GATE)
				continue;
			cfg_seek(&p->lx, pa->grants[k].value_at);
			if ((err = resolve_gate(p, &pa->grants[k])))
				return err;
		}
		for (unsigned j = 0; j < pa->n_programs; j++) {
			struct sysfile_program *pr = &pa->programs[j];
			for (unsigned k = 0; k < pr->n_grants; k++) {
				struct sysfile_grant *g = &pr->grants[k];
				if (g->kind != SYSFILE_GRANT_GATE)
					continue;
				if (g->inherited) {
					*g = pa->grants[k];
					g->inherited = true;
					continue;
				}
				cfg_seek(&p->lx, g->value_at);
				if ((err = resolve_gate(p, g)))
					return err;
			}
		}
	}
	return SYSFILE_OK;
}

static bool same_cap(const struct sysfile_grant *a, const struct sysfile_grant *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case SYSFILE_GRANT_IRQ: return a->irq == b->irq;
	case SYSFILE_GRANT_TIMER: return true;   /* one timer per program */
	case SYSFILE_GRANT_GATE:
		return a->partition == b->partition && a->program == b->program && a->service == b->service;
	case SYSFILE_GRANT_SHARED: return a->shared == b->shared;
	default: return true;
	}
}

/* No program holds one capability twice, under two names. */
static int check_same_caps(struct parser *p)
{
	const struct system *sys = p->out;

	for (unsigned i = 0; i < sys->n_partitions; i++) {
		const struct sysfile_partition *pa = &sys->partitions[i];
		for (unsigned j = 0; j < pa->n_programs; j++) {
			const struct sysfile_program *pr = &pa->programs[j];
			for (unsigned b = 1; b < pr->n_grants; b++) {
				for (unsigned a = 0; a < b; a++) {
					const struct sysfile_grant *x = &pr->grants[a], *y = &pr->grants[b];
					if (!same_cap(x, y))
						continue;
					if (later(x->at, y->at))
						x = y, y = &pr->grants[a];
					return fail(p, SYSFILE_E_DUPLICATE, y->at,
						    "program '%s' already holds %G as '%s' (line %u)",
						    pr->name, sys, x, x->name, x->at.line);
				}
			}
		}
	}
	return SYSFILE_OK;
}

/* A shared region is granted to two programs or more. */
static int count_users(struct parser *p)
{
	struct system *sys = p->out;

	for (unsigned r = 0; r < sys->n_shared; r++) {
		const struct sysfile_program *user = NULL;
		sys->shared[r].users = 0;
		for (unsigned i = 0; i < sys->n_partitions; i++) {
			const struct sysfile_partition *pa = &sys->partitions[i];
			for (unsigned j = 0; j < pa->n_programs; j++)
				for (unsigned k = 0; k < pa->programs[j].n_grants; k++)
					if (pa->programs[j].grants[k].kind == SYSFILE_GRANT_SHARED &&
					    pa->programs[j].grants[k].shared == r) {
						sys->shared[r].users++;
						user = &pa->programs[j];
					}
		}
		if (sys->shared[r].users < 2)
			return fail(p, SYSFILE_E_MISMATCH, sys->shared[r].at,
				    "shared region '%s' is granted to program '%s' only: it needs two programs",
				    sys->shared[r].name, user ? user->name : "?");
	}
	return SYSFILE_OK;
}

static int finish_file(struct parser *p)
{
	int err;

	p->lx.pos = p->lx.len;
	if (p->block != B_TOP)
		return fail(p, SYSFILE_E_BLOCK, p->block == B_PROGRAM ? p->prog_open : p->part_open,
			    "%s '%s' is never closed: '}' missing", block_word(p->block),
			    cur_name(p, p->block));
	if (!p->top_key[K_POLICY].line)
		return fail(p, SYSFILE_E_MISSING, cfg_here(&p->lx),
			    "no 'policy' statement (the balancer's policy file)");
	if (p->out->n_partitions == 0)
		return fail(p, SYSFILE_E_MISSING, cfg_here(&p->lx), "no partition defined");
	if ((err = resolve_gates(p)) || (err = check_same_caps(p)))
		return err;
	return count_users(p);
}

int sysfile_parse(const char *text, size_t len, const char *file, struct system *out,
		  char *msg, size_t msg_size)
{
	struct parser p = { .out = out };
	int err;

	cfg_start(&p.lx, text, len, file ? file : "system", msg, msg_size);
	memset(out, 0, sizeof *out); /* about 94 KiB: <string.h> does it fastest */
	copy_str(out->file, p.lx.file, SYSFILE_FILE_MAX);
	if (p.lx.len > SYSFILE_MAX_BYTES)
		return fail(&p, SYSFILE_E_LIMIT, (where_t){ 0, 0 }, "larger than %u bytes",
			    SYSFILE_MAX_BYTES);
	do {
		if ((err = statement(&p)))
			return err;
	} while (cfg_next_line(&p.lx));
	return finish_file(&p);
}

/* ---- Checks against the policy and the machine ---- */

static int report(struct cfg_msg *m, const struct system *sys, int kind, where_t at,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(m, sys->file, kind, at, fmt, ap);
	va_end(ap);
	return kind;
}

static const struct policy_client *find_client(const struct policy *pol, const char *name)
{
	for (unsigned i = 0; i < pol->n_clients && i < POLICY_MAX_CLIENTS; i++)
		if (cfg_str_eq(pol->clients[i].name, name))
			return &pol->clients[i];
	return NULL;
}

static const struct policy_group *find_group(const struct policy *pol, const char *name)
{
	for (unsigned i = 0; i < pol->n_groups && i < POLICY_MAX_GROUPS; i++)
		if (cfg_str_eq(pol->groups[i].name, name))
			return &pol->groups[i];
	return NULL;
}

static where_t at_or_line(where_t at, unsigned line)
{
	return at.line ? at : (where_t){ line, 1 };
}

/* A program's scheduler: its partition's client c, or a group of c. */
static int check_program_scheduler(struct cfg_msg *m, const struct system *sys,
				   const struct policy *pol, const struct policy_client *c,
				   const struct sysfile_partition *pa, const struct sysfile_program *pr)
{
	where_t at = at_or_line(pr->scheduler_at, pr->line);
	const struct policy_group *g;
	unsigned width = c->prio_hi - c->prio_lo;

	if (!cfg_str_eq(pr->scheduler, c->name)) {
		g = find_group(pol, pr->scheduler);
		if (!g && find_client(pol, pr->scheduler))
			return report(m, sys, SYSFILE_E_POLICY, at,
				      "scheduler '%s' is another client: a program of partition '%s' has "
				      "client '%s' or one of its groups", pr->scheduler, pa->name, c->name);
		if (!g)
			return report(m, sys, SYSFILE_E_POLICY, at,
				      "scheduler '%s' is neither client '%s' nor a group of %s",
				      pr->scheduler, c->name, sys->policy);
		if (g->client >= pol->n_clients || &pol->clients[g->client] != c)
			return report(m, sys, SYSFILE_E_POLICY, at,
				      "group '%s' belongs to client '%s', not to '%s'", g->name,
				      g->client < pol->n_clients ? pol->clients[g->client].name : "?", c->name);
	}
	if (pr->priority > width)
		return report(m, sys, SYSFILE_E_POLICY, at_or_line(pr->priority_at, pr->line),
			      "priority %u is beyond the band of client '%s' (%u-%u: 0..%u within it)",
			      pr->priority, c->name, c->prio_lo, c->prio_hi, width);
	return SYSFILE_OK;
}

/* A group's programs, in file order, have no more threads than the group holds. */
static int check_group_threads(struct cfg_msg *m, const struct system *sys, const struct policy_group *g)
{
	unsigned threads = 0;

	for (unsigned i = 0; i < sys->n_partitions; i++) {
		const struct sysfile_partition *pa = &sys->partitions[i];
		for (unsigned j = 0; j < pa->n_programs; j++) {
			const struct sysfile_program *pr = &pa->programs[j];
			if (!cfg_str_eq(pr->scheduler, g->name))
				continue;
			threads += pr->threads;
			if (threads > g->threads)
				return report(m, sys, SYSFILE_E_POLICY, at_or_line(pr->threads_at, pr->line),
					      "group '%s' holds %u threads, its programs have %u",
					      g->name, g->threads, threads);
		}
	}
	return SYSFILE_OK;
}

int sysfile_check_policy(const struct system *sys, const struct policy *pol,
			 char *msg, size_t msg_size)
{
	struct cfg_msg m = { msg, msg ? msg_size : 0, 0 };
	int err;

	if (m.size)
		msg[0] = '\0';
	for (unsigned i = 0; i < sys->n_partitions; i++) {
		const struct sysfile_partition *pa = &sys->partitions[i];
		const struct policy_client *c = find_client(pol, pa->scheduler);
		if (!c && find_group(pol, pa->scheduler))
			return report(&m, sys, SYSFILE_E_POLICY, pa->scheduler_at,
				      "scheduler '%s' is a group of %s: a partition's scheduler is a client",
				      pa->scheduler, sys->policy);
		if (!c)
			return report(&m, sys, SYSFILE_E_POLICY, pa->scheduler_at,
				      "scheduler '%s' is not a client of %s", pa->scheduler, sys->policy);
		for (unsigned j = 0; j < pa->n_programs; j++)
			if ((err = check_program_scheduler(&m, sys, pol, c, pa, &pa->programs[j])))
				return err;
	}
	for (unsigned i = 0; i < pol->n_groups && i < POLICY_MAX_GROUPS; i++)
		if ((err = check_group_threads(&m, sys, &pol->groups[i])))
			return err;
	return SYSFILE_OK;
}

int sysfile_check_quotas(const struct system *sys, uint32_t memory, uint32_t kmem,
			 char *msg, size_t msg_size)
{
	struct cfg_msg m = { msg, msg ? msg_size : 0, 0 };
	unsigned long long mem_sum = 0, kmem_sum = 0;

	if (m.size)
		msg[0] = '\0';
	for (unsigned i = 0; i < sys->n_partitions; i++) {
		const struct sysfile_partition *pa = &sys->partitions[i];
		mem_sum += pa->memory;
		kmem_sum += pa->kmem;
		if (mem_sum > memory)
			return report(&m, sys, SYSFILE_E_QUOTA, pa->memory_at,
				      "memory quotas add up to %z at partition '%s', more than the %z available",
				      (unsigned)(mem_sum > 0xffffffffu ? 0xffffffffu : mem_sum), pa->name, (unsigned)memory);
		if (kmem_sum > kmem)
			return report(&m, sys, SYSFILE_E_QUOTA, pa->kmem_at,
				      "kmem quotas add up to %z at partition '%s', more than the %z available",
				      (unsigned)(kmem_sum > 0xffffffffu ? 0xffffffffu : kmem_sum), pa->name, (unsigned)kmem);
	}
	for (unsigned r = 0; r < sys->n_shared; r++) {
		mem_sum += sys->shared[r].size;
		if (mem_sum > memory)
			return report(&m, sys, SYSFILE_E_QUOTA, sys->shared[r].at,
				      "shared region '%s' brings memory to %z, more than the %z available",
				      sys->shared[r].name,
				      (unsigned)(mem_sum > 0xffffffffu ? 0xffffffffu : mem_sum), (unsigned)memory);
	}
	return SYSFILE_OK;
}

/* ---- The invariants, checked without the parser's help ---- */

static bool name_ok(const char *name) { return cfg_name_ok(name, SYSFILE_NAME_MAX); }

static bool path_ok(const char *path)
{
	size_t n = 0;
	for (; n <= SYSFILE_PATH_MAX && path[n]; n++)
		if (!is_path(path[n]))
			return false;
	return n >= 1 && n <= SYSFILE_PATH_MAX;
}

static bool size_ok(uint32_t size)
{
	return size >= SYSFILE_PAGE && size <= SYSFILE_SIZE_MAX && size % SYSFILE_PAGE == 0;
}

static bool mode_ok(const struct sysfile_program *pr)
{
	unsigned long long n = 0;
	size_t i = 0;

	if (!pr->mode_is_number)
		return pr->mode_number == 0 && (!pr->mode[0] || name_ok(pr->mode));
	for (; i <= SYSFILE_NAME_MAX && cfg_is_digit(pr->mode[i]); i++)
		n = n * 10 + (unsigned)(pr->mode[i] - '0');
	return i >= 1 && i <= 10 && !pr->mode[i] && n == pr->mode_number;
}

static const struct sysfile_program *program_at(const struct system *sys, unsigned pa, unsigned pr)
{
	if (pa >= sys->n_partitions || pr >= sys->partitions[pa].n_programs)
		return NULL;
	return &sys->partitions[pa].programs[pr];
}

static bool grant_ok(const struct system *sys, const struct sysfile_grant *g, bool in_partition)
{
	const struct sysfile_program *server;

	if (!name_ok(g->name) || (unsigned)g->kind >= SYSFILE_GRANT_KINDS || g->at.line == 0)
		return false;
	if (g->kind == SYSFILE_GRANT_IRQ) {
		if (in_partition || g->irq < SYSFILE_IRQ_MIN || g->irq > SYSFILE_IRQ_MAX)
			return false;
	} else if (g->kind == SYSFILE_GRANT_TIMER) {
		if (in_partition || g->irq < SYSFILE_TIMER_MIN || g->irq > SYSFILE_TIMER_MAX)
			return false;
	} else if (g->irq) {
		return false;
	}
	if (g->kind == SYSFILE_GRANT_GATE) {
		server = program_at(sys, g->partition, g->program);
		if (!server || g->service >= server->n_services)
			return false;
	} else if (g->partition || g->program || g->service) {
		return false;
	}
	if (g->kind == SYSFILE_GRANT_SHARED)
		return g->shared < sys->n_shared;
	return g->shared == 0;
}

static bool same_grant(const struct sysfile_grant *a, const struct sysfile_grant *b)
{
	return cfg_str_eq(a->name, b->name) && same_cap(a, b) && a->at.line == b->at.line &&
	       a->at.col == b->at.col;
}

/* Names unique within the program, services included; no capability twice. */
static bool program_grants_ok(const struct system *sys, const struct sysfile_partition *pa,
			      const struct sysfile_program *pr)
{
	if (pr->n_grants > SYSFILE_MAX_GRANTS || pr->n_grants < pa->n_grants ||
	    pr->n_services > SYSFILE_MAX_SERVICES)
		return false;
	for (unsigned i = 0; i < pr->n_services; i++) {
		if (!name_ok(pr->services[i]))
			return false;
		for (unsigned j = 0; j < i; j++)
			if (cfg_str_eq(pr->services[i], pr->services[j]))
				return false;
	}
	for (unsigned i = 0; i < pr->n_grants; i++) {
		const struct sysfile_grant *g = &pr->grants[i];
		if (!grant_ok(sys, g, false) || g->inherited != (i < pa->n_grants))
			return false;
		if (i < pa->n_grants && !same_grant(g, &pa->grants[i]))
			return false;
		for (unsigned j = 0; j < pr->n_services; j++)
			if (cfg_str_eq(g->name, pr->services[j]))
				return false;
		for (unsigned j = 0; j < i; j++)
			if (cfg_str_eq(g->name, pr->grants[j].name) || same_cap(g, &pr->grants[j]))
				return false;
	}
	return true;
}

static bool program_ok(const struct system *sys, const struct sysfile_partition *pa,
		       const struct sysfile_program *pr)
{
	if (!name_ok(pr->name) || !name_ok(pr->module) || !name_ok(pr->scheduler) || !mode_ok(pr))
		return false;
	if (pr->threads < 1 || pr->threads > SYSFILE_MAX_THREADS || pr->priority > SYSFILE_PRIO_MAX)
		return false;
	if ((pr->memory && !size_ok(pr->memory)) || (pr->kmem && !size_ok(pr->kmem)))
		return false;
	return pr->line > pa->line && program_grants_ok(sys, pa, pr);
}

static bool partition_ok(const struct system *sys, const struct sysfile_partition *pa)
{
	unsigned long long memory = 0, kmem = 0;

	if (!name_ok(pa->name) || !name_ok(pa->scheduler) || (unsigned)pa->restart >= SYSFILE_RESTARTS)
		return false;
	if (!size_ok(pa->memory) || !size_ok(pa->kmem) || pa->line == 0)
		return false;
	if (pa->n_programs < 1 || pa->n_programs > SYSFILE_MAX_PROGRAMS || pa->n_grants > SYSFILE_MAX_GRANTS)
		return false;
	for (unsigned i = 0; i < pa->n_grants; i++) {
		if (!grant_ok(sys, &pa->grants[i], true) || pa->grants[i].inherited)
			return false;
		for (unsigned j = 0; j < i; j++)
			if (cfg_str_eq(pa->grants[i].name, pa->grants[j].name))
				return false;
	}
	for (unsigned i = 0; i < pa->n_programs; i++) {
		if (!program_ok(sys, pa, &pa->programs[i]))
			return false;
		memory += pa->programs[i].memory;
		kmem += pa->programs[i].kmem;
	}
	return memory <= pa->memory && kmem <= pa->kmem;
}

/* Partitions and programs share one name space; partitions have their own schedulers. */
static bool names_unique(const struct system *sys)
{
	const char *names[SYSFILE_MAX_PARTITIONS * (SYSFILE_MAX_PROGRAMS + 1)];
	unsigned n = 0;

	for (unsigned i = 0; i < sys->n_partitions; i++) {
		names[n++] = sys->partitions[i].name;
		for (unsigned j = 0; j < sys->partitions[i].n_programs; j++)
			names[n++] = sys->partitions[i].programs[j].name;
		for (unsigned j = 0; j < i; j++)
			if (cfg_str_eq(sys->partitions[i].scheduler, sys->partitions[j].scheduler))
				return false;
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < i; j++)
			if (cfg_str_eq(names[i], names[j]))
				return false;
	return true;
}

/* Each IRQ granted once; each region's users counted right, and two at least. */
static bool system_grants_ok(const struct system *sys)
{
	unsigned users[SYSFILE_MAX_SHARED] = { 0 };

	for (unsigned i = 0; i < sys->n_partitions; i++) {
		for (unsigned j = 0; j < sys->partitions[i].n_programs; j++) {
			const struct sysfile_program *pr = &sys->partitions[i].programs[j];
			for (unsigned k = 0; k < pr->n_grants; k++) {
				const struct sysfile_grant *g = &pr->grants[k];
				if (g->kind == SYSFILE_GRANT_SHARED)
					users[g->shared]++;
				if (g->kind != SYSFILE_GRANT_IRQ)
					continue;
				for (unsigned a = 0; a <= i; a++)
					for (unsigned b = 0; b < (a < i ? sys->partitions[a].n_programs : j); b++)
						for (unsigned c = 0; c < sys->partitions[a].programs[b].n_grants; c++)
							if (sys->partitions[a].programs[b].grants[c].kind == SYSFILE_GRANT_IRQ &&
							    sys->partitions[a].programs[b].grants[c].irq == g->irq)
								return false;
			}
		}
	}
	for (unsigned r = 0; r < sys->n_shared; r++) {
		const struct sysfile_shared *s = &sys->shared[r];
		if (!name_ok(s->name) || !size_ok(s->size) || s->users < 2 || s->users != users[r])
			return false;
		for (unsigned q = 0; q < r; q++)
			if (cfg_str_eq(s->name, sys->shared[q].name))
				return false;
	}
	return true;
}

bool sysfile_valid(const struct system *sys)
{
	if (!path_ok(sys->policy) || sys->policy_at.line == 0)
		return false;
	if (sys->n_partitions < 1 || sys->n_partitions > SYSFILE_MAX_PARTITIONS ||
	    sys->n_shared > SYSFILE_MAX_SHARED)
		return false;
	for (unsigned i = 0; i < sys->n_partitions; i++)
		if (!partition_ok(sys, &sys->partitions[i]))
			return false;
	return names_unique(sys) && system_grants_ok(sys);
}

const char *sysfile_restart_name(enum sysfile_restart r)
{
	return (unsigned)r < SYSFILE_RESTARTS ? restart_names[r] : "?";
}

const char *sysfile_grant_kind_name(enum sysfile_grant_kind k)
{
	return (unsigned)k < SYSFILE_GRANT_KINDS ? grant_names[k] : "?";
}
