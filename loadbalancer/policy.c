/*
 * The policy-file parser: see policy.h, and docs/policy-format.md for the
 * format.
 *
 * The file is read line by line; a line holds at most one statement. Checks
 * that need only one value are made where the value is read; checks that need
 * a whole block (required keys, keys that do not apply to the policy, a
 * reservation inside the client's set, overlaps with earlier clients) when
 * its '}' is read; checks that need the whole file (reservations made by
 * later clients) at the end. Each error names the place of the value at fault.
 */
#include "policy.h"
#include "cfg.h"

#include <stdarg.h>

#define SATURATE 1000000u /* above every limit: numbers stop growing here */

enum block { B_TOP, B_CLIENT, B_GROUP };

enum key {
	K_CPUS, K_PRIORITIES, K_POLICY, K_RESERVE, K_PERIOD, K_HYSTERESIS,
	K_LOW, K_HIGH, K_CLIENT, K_THREADS, K_COUNT
};

#define BIT(n) (1u << (n))
#define ALL_KINDS (BIT(POLICY_KINDS) - 1)

static const struct key_info {
	const char *name;
	unsigned blocks;   /* BIT(enum block): where it may appear */
	unsigned required; /* BIT(enum block): where it must */
	unsigned kinds;    /* BIT(enum policy_kind): the policies it applies to */
} keys[K_COUNT] = {
	[K_CPUS] = { "cpus", BIT(B_CLIENT) | BIT(B_GROUP), BIT(B_CLIENT), ALL_KINDS },
	[K_PRIORITIES] = { "priorities", BIT(B_CLIENT), BIT(B_CLIENT), ALL_KINDS },
	[K_POLICY] = { "policy", BIT(B_CLIENT) | BIT(B_GROUP), BIT(B_CLIENT) | BIT(B_GROUP), ALL_KINDS },
	[K_RESERVE] = { "reserve", BIT(B_CLIENT), 0, BIT(POLICY_PINNED) },
	[K_PERIOD] = { "period", BIT(B_CLIENT) | BIT(B_GROUP), 0,
		       BIT(POLICY_BALANCE) | BIT(POLICY_POWERSAVE) | BIT(POLICY_VM) },
	[K_HYSTERESIS] = { "hysteresis", BIT(B_CLIENT) | BIT(B_GROUP), 0,
			   BIT(POLICY_BALANCE) | BIT(POLICY_VM) },
	[K_LOW] = { "low", BIT(B_CLIENT), 0, BIT(POLICY_POWERSAVE) },
	[K_HIGH] = { "high", BIT(B_CLIENT), 0, BIT(POLICY_POWERSAVE) },
	[K_CLIENT] = { "client", BIT(B_GROUP), BIT(B_GROUP), ALL_KINDS },
	[K_THREADS] = { "threads", BIT(B_GROUP), BIT(B_GROUP), ALL_KINDS },
};

static const char *const kind_names[POLICY_KINDS] = {
	[POLICY_PINNED] = "pinned", [POLICY_APART] = "apart", [POLICY_VM] = "vm",
	[POLICY_TOGETHER] = "together", [POLICY_BALANCE] = "balance",
	[POLICY_POWERSAVE] = "powersave",
};

#define GROUP_KINDS (BIT(POLICY_PINNED) | BIT(POLICY_APART) | BIT(POLICY_VM) | BIT(POLICY_TOGETHER))
#define SPREAD_KINDS (BIT(POLICY_APART) | BIT(POLICY_VM))

struct parser {
	struct cfg_lex lx;   /* the text, where we read and the message (apps/lib/cfg) */
	unsigned board;      /* CPUs on the board */
	struct policy *out;

	enum block block;                    /* the open block, or B_TOP */
	struct cfg_at open_at;                /* its keyword */
	struct cfg_at key_at[K_COUNT];        /* its keys (line 0: not given) */
	struct cfg_at val_at[K_COUNT];        /* and their values */
	struct cfg_at cpus_at;                /* the top-level `cpus` */
	struct cfg_at client_cpus_at[POLICY_MAX_CLIENTS];
	struct cfg_at group_cpus_at[POLICY_MAX_GROUPS];
	struct cfg_at group_threads_at[POLICY_MAX_GROUPS];
};

/* ---- Small helpers: the parser may not call libc ---- */


static unsigned cpu_count(uint32_t set)
{
	unsigned n = 0;
	for (; set; set &= set - 1)
		n++;
	return n;
}

/* CPUs lo..hi, both below 32. */
static uint32_t cpu_range(unsigned lo, unsigned hi)
{
	uint32_t upto_hi = hi >= 31 ? 0xffffffffu : BIT(hi + 1) - 1;
	return upto_hi & ~(BIT(lo) - 1);
}

static uint32_t board_set(unsigned cpus)
{
	return cpu_range(0, cpus - 1);
}

/* ---- Messages ---- */

/* A CPU set as the file writes it: runs of three or more as a range. */
static void put_set(struct cfg_msg *m, uint32_t set)
{
	bool first = true;
	for (unsigned i = 0; i < POLICY_MAX_CPUS; i++) {
		if (!(set & BIT(i)) || (i > 0 && (set & BIT(i - 1))))
			continue;
		unsigned j = i;
		while (j + 1 < POLICY_MAX_CPUS && (set & BIT(j + 1)))
			j++;
		if (!first)
			cfg_put_c(m, ',');
		first = false;
		cfg_put_u(m, i);
		if (j > i) {
			cfg_put_c(m, j == i + 1 ? ',' : '-');
			cfg_put_u(m, j);
		}
	}
}

/* The policy's own conversions in messages (cfg_vfail does the rest): %S a CPU set (uint32_t),
 * %C "CPU n" or "CPUs set". */
static bool put_conv(struct cfg_msg *m, char conv, va_list *ap)
{
	uint32_t set;

	switch (conv) {
	case 'S': put_set(m, va_arg(*ap, uint32_t)); return true;
	case 'C':
		set = va_arg(*ap, uint32_t);
		cfg_put_s(m, cpu_count(set) == 1 ? "CPU " : "CPUs ");
		put_set(m, set);
		return true;
	default: return false;
	}
}

/* Writes "file:line:col: reason" (cfg_vfail) and returns kind, so that callers can `return fail(...)`. */
static int fail(struct parser *p, int kind, struct cfg_at at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cfg_vfail(&p->lx.m, p->lx.file, kind, at, put_conv, fmt, ap);
	va_end(ap);
	return kind;
}

/* ---- Scanning within the current line ---- */

/* Whether the rest of the line (comment aside) ends with '{'. */
static bool opens_block(const struct parser *p)
{
	char last = 0;
	for (size_t i = p->lx.pos; i < p->lx.eol && p->lx.text[i] != '#'; i++)
		if (!cfg_is_blank(p->lx.text[i]))
			last = p->lx.text[i];
	return last == '{';
}

static int expect_end(struct parser *p, const char *after)
{
	cfg_skip_blank(&p->lx);
	if (cfg_at_end(&p->lx))
		return POLICY_OK;
	return fail(p, POLICY_E_SYNTAX, cfg_here(&p->lx), "unexpected %t after %s",
		    cfg_token_at(&p->lx), after);
}

/* ---- Values ---- */

/*
 * A decimal number (saturating at SATURATE); its text in *tok for messages.
 * With stop_dash it ends at '-', as in ranges.
 */
static int number(struct parser *p, bool stop_dash, unsigned *v, struct cfg_span *tok)
{
	struct cfg_at at = cfg_here(&p->lx);
	struct cfg_span t = cfg_word(&p->lx, stop_dash);
	unsigned n = 0;

	*tok = t;
	if (t.n == 0) {
		if (cfg_at_end(&p->lx))
			return fail(p, POLICY_E_NUMBER, at, "a number is missing");
		return fail(p, POLICY_E_NUMBER, at, "%t is not a number", cfg_token_at(&p->lx));
	}
	for (size_t i = 0; i < t.n; i++) {
		if (!cfg_is_digit(t.s[i]))
			return fail(p, POLICY_E_NUMBER, at, "%t is not a number", t);
		if (n < SATURATE)
			n = n * 10 + (unsigned)(t.s[i] - '0');
	}
	*v = n;
	return POLICY_OK;
}

/* A number in min..max; `what` names it in the message. */
static int bounded(struct parser *p, bool stop_dash, const char *what,
		   unsigned min, unsigned max, unsigned *v)
{
	struct cfg_at at = cfg_here(&p->lx);
	struct cfg_span tok;
	int err = number(p, stop_dash, v, &tok);
	if (err)
		return err;
	if (*v < min || *v > max)
		return fail(p, POLICY_E_RANGE, at, "%s %w is out of range %u..%u",
			    what, tok, min, max);
	return POLICY_OK;
}

static int cpu(struct parser *p, unsigned *v)
{
	struct cfg_at at = cfg_here(&p->lx);
	struct cfg_span tok;
	int err = number(p, true, v, &tok);
	if (err)
		return err;
	if (*v >= p->board)
		return fail(p, POLICY_E_CPU, at, "CPU %w is beyond the board's %u CPUs (%S)",
			    tok, p->board, board_set(p->board));
	return POLICY_OK;
}

/* If a '-' follows (blanks allowed around it), skips it and returns true. */
static bool dash(struct parser *p)
{
	size_t pos = p->lx.pos;
	cfg_skip_blank(&p->lx);
	if (cfg_at_char(&p->lx, '-')) {
		p->lx.pos++;
		cfg_skip_blank(&p->lx);
		return true;
	}
	p->lx.pos = pos;
	return false;
}

/* CPU set: N or N-M, separated by commas; blanks are allowed around both. */
static int cpu_set(struct parser *p, uint32_t *set)
{
	*set = 0;
	for (;;) {
		struct cfg_at at = cfg_here(&p->lx);
		unsigned lo, hi;
		int err = cpu(p, &lo);
		if (err)
			return err;
		hi = lo;
		if (dash(p)) {
			if ((err = cpu(p, &hi)))
				return err;
			if (hi < lo)
				return fail(p, POLICY_E_REVERSED, at, "range %u-%u is reversed", lo, hi);
		}
		uint32_t bits = cpu_range(lo, hi);
		if (*set & bits)
			return fail(p, POLICY_E_DUPLICATE, at, "%C listed twice", *set & bits);
		*set |= bits;
		cfg_skip_blank(&p->lx);
		if (!cfg_at_char(&p->lx, ','))
			return POLICY_OK;
		p->lx.pos++;
		cfg_skip_blank(&p->lx);
	}
}

/* Priority band: N or N-M. */
static int band(struct parser *p, unsigned *lo, unsigned *hi)
{
	struct cfg_at at = cfg_here(&p->lx);
	int err = bounded(p, true, "priority", 0, POLICY_PRIO_MAX, lo);
	if (err)
		return err;
	*hi = *lo;
	if (!dash(p))
		return POLICY_OK;
	if ((err = bounded(p, true, "priority", 0, POLICY_PRIO_MAX, hi)))
		return err;
	if (*hi < *lo)
		return fail(p, POLICY_E_REVERSED, at, "range %u-%u is reversed", *lo, *hi);
	return POLICY_OK;
}

static int kind_value(struct parser *p, enum policy_kind *kind)
{
	struct cfg_at at = cfg_here(&p->lx);
	struct cfg_span t = cfg_value_word(&p->lx);

	for (unsigned k = 0; k < POLICY_KINDS; k++) {
		if (!cfg_span_is(t, kind_names[k]))
			continue;
		if (p->block == B_GROUP && !(GROUP_KINDS & BIT(k)))
			return fail(p, POLICY_E_NOT_APPLICABLE, at,
				    "policy %t does not apply to a group (pinned, together, apart or vm)", t);
		*kind = (enum policy_kind)k;
		return POLICY_OK;
	}
	return fail(p, POLICY_E_UNKNOWN_POLICY, at,
		    "unknown policy %t (pinned, together, apart, balance, powersave or vm)", t);
}

/* The client a group belongs to: it must be defined before the group. */
static int client_value(struct parser *p, unsigned *client)
{
	struct cfg_at at = cfg_here(&p->lx);
	struct cfg_span t = cfg_value_word(&p->lx);

	for (unsigned i = 0; i < p->out->n_clients; i++) {
		if (cfg_span_is(t, p->out->clients[i].name)) {
			*client = i;
			return POLICY_OK;
		}
	}
	return fail(p, POLICY_E_UNKNOWN_CLIENT, at,
		    "unknown client %t (a client is defined before its groups)", t);
}

/* ---- Statements ---- */

static struct policy_client *cur_client(struct parser *p)
{
	return &p->out->clients[p->out->n_clients - 1];
}

static struct policy_group *cur_group(struct parser *p)
{
	return &p->out->groups[p->out->n_groups - 1];
}

static const char *cur_name(struct parser *p)
{
	return p->block == B_CLIENT ? cur_client(p)->name : cur_group(p)->name;
}

static const char *block_word(enum block b)
{
	return b == B_CLIENT ? "client" : "group";
}

static int client_key(struct parser *p, enum key k)
{
	struct policy_client *c = cur_client(p);

	switch (k) {
	case K_CPUS: return cpu_set(p, &c->cpus);
	case K_PRIORITIES: return band(p, &c->prio_lo, &c->prio_hi);
	case K_POLICY: return kind_value(p, &c->kind);
	case K_RESERVE: return cpu_set(p, &c->reserved);
	case K_PERIOD: return bounded(p, false, "period", 1, POLICY_PERIOD_MAX, &c->period_ms);
	case K_HYSTERESIS: return bounded(p, false, "hysteresis", 0, 100, &c->hysteresis);
	case K_LOW: return bounded(p, false, "low", 0, 100, &c->low);
	case K_HIGH: return bounded(p, false, "high", 0, 100, &c->high);
	default: return POLICY_OK; /* not a client key: refused by the caller */
	}
}

static int group_key(struct parser *p, enum key k)
{
	struct policy_group *g = cur_group(p);

	switch (k) {
	case K_CPUS: return cpu_set(p, &g->cpus);
	case K_POLICY: return kind_value(p, &g->kind);
	case K_PERIOD: return bounded(p, false, "period", 1, POLICY_PERIOD_MAX, &g->period_ms);
	case K_HYSTERESIS: return bounded(p, false, "hysteresis", 0, 100, &g->hysteresis);
	case K_CLIENT: return client_value(p, &g->client);
	case K_THREADS: return bounded(p, false, "threads", 1, POLICY_MAX_THREADS, &g->threads);
	default: return POLICY_OK; /* not a group key: refused by the caller */
	}
}

/* `key value` inside a block; pos is just after the key. */
static int key_statement(struct parser *p, enum key k, struct cfg_span t, struct cfg_at at)
{
	int err;

	if (!(keys[k].blocks & BIT(p->block)))
		return fail(p, POLICY_E_NOT_APPLICABLE, at, "%t does not apply to a %s",
			    t, block_word(p->block));
	if (p->key_at[k].line)
		return fail(p, POLICY_E_DUPLICATE, at, "duplicate %t (first at line %u)",
			    t, p->key_at[k].line);
	cfg_skip_blank(&p->lx);
	if (cfg_at_end(&p->lx))
		return fail(p, POLICY_E_SYNTAX, cfg_here(&p->lx), "%t needs a value", t);
	p->key_at[k] = at;
	p->val_at[k] = cfg_here(&p->lx);
	err = p->block == B_CLIENT ? client_key(p, k) : group_key(p, k);
	return err ? err : expect_end(p, "the value");
}

/* The top-level `cpus N`: a check that the file is meant for this board. */
static int board_statement(struct parser *p, struct cfg_at at)
{
	unsigned n;
	struct cfg_at val;
	int err;

	if (p->cpus_at.line)
		return fail(p, POLICY_E_DUPLICATE, at, "duplicate 'cpus' (first at line %u)",
			    p->cpus_at.line);
	p->cpus_at = at;
	cfg_skip_blank(&p->lx);
	val = cfg_here(&p->lx);
	if (cfg_at_end(&p->lx))
		return fail(p, POLICY_E_SYNTAX, val, "'cpus' needs a value");
	if ((err = bounded(p, false, "cpus", 1, POLICY_MAX_CPUS, &n)))
		return err;
	if (n != p->board)
		return fail(p, POLICY_E_BOARD, val, "cpus %u but the board has %u CPUs",
			    n, p->board);
	return expect_end(p, "the value");
}

static int check_name(struct parser *p, struct cfg_span name, struct cfg_at at)
{
	const struct policy *pol = p->out;

	if (!(cfg_is_alpha(name.s[0]) || name.s[0] == '_'))
		return fail(p, POLICY_E_NAME, at, "bad name %t: it starts with a letter or '_'", name);
	for (size_t i = 0; i < name.n; i++)
		if (name.s[i] == '.')
			return fail(p, POLICY_E_NAME, at,
				    "bad name %t: letters, digits, '_' and '-' only", name);
	if (name.n > POLICY_NAME_MAX)
		return fail(p, POLICY_E_NAME, at, "name %t is longer than %u characters",
			    name, POLICY_NAME_MAX);
	for (unsigned i = 0; i < pol->n_clients; i++)
		if (cfg_span_is(name, pol->clients[i].name))
			return fail(p, POLICY_E_DUPLICATE, at, "duplicate name %t (client at line %u)",
				    name, pol->clients[i].line);
	for (unsigned i = 0; i < pol->n_groups; i++)
		if (cfg_span_is(name, pol->groups[i].name))
			return fail(p, POLICY_E_DUPLICATE, at, "duplicate name %t (group at line %u)",
				    name, pol->groups[i].line);
	return POLICY_OK;
}

/* `client NAME {` or `group NAME {`; pos is just after the keyword. */
static int open_block(struct parser *p, enum block b, struct cfg_at at)
{
	struct policy *pol = p->out;
	const char *what = block_word(b);
	struct cfg_at name_at;
	struct cfg_span name;
	char *dst;
	int err;

	if (p->block != B_TOP)
		return fail(p, POLICY_E_BLOCK, at, "'%s' inside %s '%s' (line %u): is a '}' missing?",
			    what, block_word(p->block), cur_name(p), p->open_at.line);
	cfg_skip_blank(&p->lx);
	name_at = cfg_here(&p->lx);
	name = cfg_word(&p->lx, false);
	if (name.n == 0)
		return fail(p, POLICY_E_SYNTAX, name_at, "'%s' needs a name", what);
	if ((err = check_name(p, name, name_at)))
		return err;
	if ((b == B_CLIENT ? pol->n_clients : pol->n_groups) ==
	    (b == B_CLIENT ? POLICY_MAX_CLIENTS : POLICY_MAX_GROUPS))
		return fail(p, POLICY_E_LIMIT, at, "more than %u %ss", b == B_CLIENT ?
			    POLICY_MAX_CLIENTS : POLICY_MAX_GROUPS, what);
	cfg_skip_blank(&p->lx);
	if (!cfg_at_char(&p->lx, '{'))
		return fail(p, POLICY_E_BLOCK, cfg_here(&p->lx), "expected '{' after %s %t", what, name);
	p->lx.pos++;
	if ((err = expect_end(p, "'{' (one statement per line)")))
		return err;

	if (b == B_CLIENT) {
		struct policy_client *c = &pol->clients[pol->n_clients++];
		c->line = at.line;
		dst = c->name;
	} else {
		struct policy_group *g = &pol->groups[pol->n_groups++];
		g->line = at.line;
		dst = g->name;
	}
	for (size_t i = 0; i < name.n; i++)
		dst[i] = name.s[i];
	dst[name.n] = '\0';
	p->block = b;
	p->open_at = at;
	for (unsigned k = 0; k < K_COUNT; k++)
		p->key_at[k] = p->val_at[k] = (struct cfg_at){ 0, 0 };
	return POLICY_OK;
}

/* Required keys present, and every key given applies to the policy. */
static int check_keys(struct parser *p, enum policy_kind kind)
{
	for (unsigned k = 0; k < K_COUNT; k++)
		if ((keys[k].required & BIT(p->block)) && !p->key_at[k].line)
			return fail(p, POLICY_E_MISSING, p->open_at, "%s '%s' has no '%s'",
				    block_word(p->block), cur_name(p), keys[k].name);
	for (unsigned k = 0; k < K_COUNT; k++)
		if (p->key_at[k].line && !(keys[k].kinds & BIT(kind)))
			return fail(p, POLICY_E_NOT_APPLICABLE, p->key_at[k],
				    "'%s' does not apply to policy %s", keys[k].name, kind_names[kind]);
	return POLICY_OK;
}

static bool given(const struct parser *p, enum key k)
{
	return p->key_at[k].line != 0;
}

/* Whether key k applies to kind and was left out: then it takes its default. */
static bool defaulted(const struct parser *p, enum key k, enum policy_kind kind)
{
	return (keys[k].kinds & BIT(kind)) && !given(p, k);
}

/* Of two keys, the one given later in the block (one of them is given). */
static enum key later(const struct parser *p, enum key a, enum key b)
{
	return p->key_at[a].line > p->key_at[b].line ? a : b;
}

/* Checks against the earlier clients: priority bands and reservations. */
static int check_client_overlaps(struct parser *p, const struct policy_client *c)
{
	for (unsigned i = 0; i + 1 < p->out->n_clients; i++) {
		const struct policy_client *o = &p->out->clients[i];
		if (c->prio_lo <= o->prio_hi && o->prio_lo <= c->prio_hi)
			return fail(p, POLICY_E_PRIO_OVERLAP, p->val_at[K_PRIORITIES],
				    "priorities %u-%u overlap client '%s' (%u-%u, line %u)",
				    c->prio_lo, c->prio_hi, o->name, o->prio_lo, o->prio_hi, o->line);
		if (c->reserved & o->reserved)
			return fail(p, POLICY_E_RESERVE_OVERLAP, p->val_at[K_RESERVE],
				    "%C already reserved by client '%s' (line %u)",
				    (uint32_t)(c->reserved & o->reserved), o->name, o->line);
	}
	return POLICY_OK;
}

static int finish_client(struct parser *p)
{
	struct policy_client *c = cur_client(p);
	int err = check_keys(p, c->kind);

	if (err)
		return err;
	if (defaulted(p, K_PERIOD, c->kind))
		c->period_ms = POLICY_DEFAULT_PERIOD;
	if (defaulted(p, K_HYSTERESIS, c->kind))
		c->hysteresis = POLICY_DEFAULT_HYSTERESIS;
	if (defaulted(p, K_LOW, c->kind))
		c->low = POLICY_DEFAULT_LOW;
	if (defaulted(p, K_HIGH, c->kind))
		c->high = POLICY_DEFAULT_HIGH;
	if (c->kind == POLICY_POWERSAVE && c->low >= c->high)
		return fail(p, POLICY_E_REVERSED, p->val_at[later(p, K_LOW, K_HIGH)],
			    "low %u is not below high %u", c->low, c->high);
	if (c->reserved & ~c->cpus)
		return fail(p, POLICY_E_OUTSIDE, p->val_at[K_RESERVE],
			    "reservation %S is not within the client's CPUs %S", c->reserved, c->cpus);
	p->client_cpus_at[p->out->n_clients - 1] = p->val_at[K_CPUS];
	return check_client_overlaps(p, c);
}

static int finish_group(struct parser *p)
{
	struct policy_group *g = cur_group(p);
	const struct policy_client *c;
	int err = check_keys(p, g->kind);

	if (err)
		return err;
	if (defaulted(p, K_PERIOD, g->kind))
		g->period_ms = POLICY_DEFAULT_PERIOD;
	if (defaulted(p, K_HYSTERESIS, g->kind))
		g->hysteresis = POLICY_DEFAULT_HYSTERESIS;
	c = &p->out->clients[g->client];
	if (!given(p, K_CPUS))
		g->cpus = c->cpus;
	if (g->cpus & ~c->cpus)
		return fail(p, POLICY_E_OUTSIDE, p->val_at[K_CPUS],
			    "CPUs %S are not within the CPUs of client '%s' (%S)",
			    g->cpus, c->name, c->cpus);
	p->group_cpus_at[p->out->n_groups - 1] = p->val_at[K_CPUS];
	p->group_threads_at[p->out->n_groups - 1] = p->val_at[K_THREADS];
	return POLICY_OK;
}

static int close_block(struct parser *p)
{
	struct cfg_at at = cfg_here(&p->lx);
	int err;

	if (p->block == B_TOP)
		return fail(p, POLICY_E_BLOCK, at, "'}' without an open block");
	p->lx.pos++;
	if ((err = expect_end(p, "'}'")))
		return err;
	err = p->block == B_CLIENT ? finish_client(p) : finish_group(p);
	p->block = B_TOP;
	return err;
}

static int statement(struct parser *p)
{
	struct cfg_at at;
	struct cfg_span t;

	cfg_skip_blank(&p->lx);
	if (cfg_at_end(&p->lx))
		return POLICY_OK;
	at = cfg_here(&p->lx);
	if (cfg_at_char(&p->lx, '}'))
		return close_block(p);
	if (cfg_at_char(&p->lx, '{'))
		return fail(p, POLICY_E_BLOCK, at, "unexpected '{': a block starts with 'client NAME {' or 'group NAME {'");
	t = cfg_word(&p->lx, false);
	if (t.n == 0)
		return fail(p, POLICY_E_SYNTAX, at, "unexpected %t", cfg_token_at(&p->lx));
	if (cfg_span_is(t, "group") || (cfg_span_is(t, "client") && (p->block != B_GROUP || opens_block(p))))
		return open_block(p, cfg_span_is(t, "group") ? B_GROUP : B_CLIENT, at);
	for (unsigned k = 0; k < K_COUNT; k++) {
		if (!cfg_span_is(t, keys[k].name))
			continue;
		if (p->block != B_TOP)
			return key_statement(p, (enum key)k, t, at);
		if (k == K_CPUS)
			return board_statement(p, at);
		return fail(p, POLICY_E_BLOCK, at, "%t outside a client or group block", t);
	}
	return fail(p, POLICY_E_UNKNOWN_KEY, at, "unknown key %t", t);
}

/* ---- The whole file ---- */

static uint32_t reserved_by_others(const struct policy *pol, unsigned client)
{
	uint32_t set = 0;
	for (unsigned i = 0; i < pol->n_clients; i++)
		if (i != client)
			set |= pol->clients[i].reserved;
	return set;
}

/* What needs every reservation: the CPUs each client and group can use. */
static int check_usable(struct parser *p)
{
	struct policy *pol = p->out;

	for (unsigned i = 0; i < pol->n_clients; i++) {
		struct policy_client *c = &pol->clients[i];
		c->usable = c->cpus & ~reserved_by_others(pol, i);
		if (!c->usable)
			return fail(p, POLICY_E_UNSATISFIABLE, p->client_cpus_at[i],
				    "all CPUs of client '%s' (%S) are reserved by other clients",
				    c->name, c->cpus);
	}
	for (unsigned i = 0; i < pol->n_groups; i++) {
		struct policy_group *g = &pol->groups[i];
		g->usable = g->cpus & ~reserved_by_others(pol, g->client);
		if (!g->usable)
			return fail(p, POLICY_E_UNSATISFIABLE, p->group_cpus_at[i],
				    "all CPUs of group '%s' (%S) are reserved by other clients",
				    g->name, g->cpus);
		if ((SPREAD_KINDS & BIT(g->kind)) && g->threads > cpu_count(g->usable))
			return fail(p, POLICY_E_UNSATISFIABLE, p->group_threads_at[i],
				    "%u threads need distinct CPUs but group '%s' can use only %u (%S)",
				    g->threads, g->name, cpu_count(g->usable), g->usable);
	}
	return POLICY_OK;
}

static void clear(struct policy *pol)
{
	unsigned char *b = (unsigned char *)pol;
	for (size_t i = 0; i < sizeof *pol; i++)
		b[i] = 0;
}

int policy_parse(const char *text, size_t len, const char *file,
		 unsigned board_cpus, struct policy *out,
		 char *msg, size_t msg_size)
{
	struct parser p = { .board = board_cpus, .out = out };
	const struct cfg_at nowhere = { 0, 0 };
	int err;

	cfg_start(&p.lx, text, len, file ? file : "policy", msg, msg_size);
	clear(out);
	if (board_cpus < 1 || board_cpus > POLICY_MAX_CPUS)
		return fail(&p, POLICY_E_BOARD, nowhere, "a board of %u CPUs is not supported (1..%u)",
			    board_cpus, POLICY_MAX_CPUS);
	if (p.lx.len > POLICY_MAX_BYTES)
		return fail(&p, POLICY_E_LIMIT, nowhere, "larger than %u bytes", POLICY_MAX_BYTES);
	out->n_cpus = board_cpus;
	do {
		if ((err = statement(&p)))
			return err;
	} while (cfg_next_line(&p.lx));
	p.lx.pos = p.lx.len;
	if (p.block != B_TOP)
		return fail(&p, POLICY_E_BLOCK, p.open_at, "%s '%s' is never closed: '}' missing",
			    block_word(p.block), cur_name(&p));
	if (out->n_clients == 0)
		return fail(&p, POLICY_E_MISSING, cfg_here(&p.lx), "no client defined");
	return check_usable(&p);
}

/* ---- The invariants, checked without the parser's help ---- */

static bool name_ok(const char *name) { return cfg_name_ok(name, POLICY_NAME_MAX); }

/* The tuning fields hold a value exactly where they apply. */
static bool tuning_ok(unsigned kind, unsigned period, unsigned hysteresis)
{
	bool has_period = keys[K_PERIOD].kinds & BIT(kind);
	bool has_hyst = keys[K_HYSTERESIS].kinds & BIT(kind);
	if (has_period ? period < 1 || period > POLICY_PERIOD_MAX : period != 0)
		return false;
	return has_hyst ? hysteresis <= 100 : hysteresis == 0;
}

static bool client_ok(const struct policy *p, unsigned i, uint32_t board)
{
	const struct policy_client *c = &p->clients[i];
	uint32_t others = reserved_by_others(p, i);

	if (!name_ok(c->name) || (unsigned)c->kind >= POLICY_KINDS)
		return false;
	if (!c->cpus || (c->cpus & ~board) || (c->reserved & ~c->cpus))
		return false;
	if ((c->reserved && c->kind != POLICY_PINNED) || c->usable != (c->cpus & ~others) || !c->usable)
		return false;
	if (c->prio_lo > c->prio_hi || c->prio_hi > POLICY_PRIO_MAX)
		return false;
	if (!tuning_ok(c->kind, c->period_ms, c->hysteresis))
		return false;
	if (c->kind == POLICY_POWERSAVE)
		return c->low < c->high && c->high <= 100;
	return c->low == 0 && c->high == 0;
}

static bool group_ok(const struct policy *p, unsigned i)
{
	const struct policy_group *g = &p->groups[i];
	const struct policy_client *c;

	if (!name_ok(g->name) || (unsigned)g->kind >= POLICY_KINDS || !(GROUP_KINDS & BIT(g->kind)))
		return false;
	if (g->client >= p->n_clients || g->threads < 1 || g->threads > POLICY_MAX_THREADS)
		return false;
	c = &p->clients[g->client];
	if (!g->cpus || (g->cpus & ~c->cpus))
		return false;
	if (g->usable != (g->cpus & ~reserved_by_others(p, g->client)) || !g->usable)
		return false;
	if ((SPREAD_KINDS & BIT(g->kind)) && g->threads > cpu_count(g->usable))
		return false;
	return tuning_ok(g->kind, g->period_ms, g->hysteresis);
}

/* Names unique over clients and groups; bands and reservations disjoint. */
static bool pairs_ok(const struct policy *p)
{
	unsigned n = p->n_clients + p->n_groups;
	for (unsigned i = 0; i < n; i++) {
		const char *a = i < p->n_clients ? p->clients[i].name : p->groups[i - p->n_clients].name;
		for (unsigned j = i + 1; j < n; j++) {
			const char *b = j < p->n_clients ? p->clients[j].name
							 : p->groups[j - p->n_clients].name;
			if (cfg_str_eq(a, b))
				return false;
			if (j >= p->n_clients)
				continue;
			const struct policy_client *x = &p->clients[i], *y = &p->clients[j];
			if (x->prio_lo <= y->prio_hi && y->prio_lo <= x->prio_hi)
				return false;
			if (x->reserved & y->reserved)
				return false;
		}
	}
	return true;
}

bool policy_valid(const struct policy *p, unsigned board_cpus)
{
	if (board_cpus < 1 || board_cpus > POLICY_MAX_CPUS || p->n_cpus != board_cpus)
		return false;
	if (p->n_clients < 1 || p->n_clients > POLICY_MAX_CLIENTS || p->n_groups > POLICY_MAX_GROUPS)
		return false;
	for (unsigned i = 0; i < p->n_clients; i++)
		if (!client_ok(p, i, board_set(board_cpus)))
			return false;
	for (unsigned i = 0; i < p->n_groups; i++)
		if (!group_ok(p, i))
			return false;
	return pairs_ok(p);
}

const char *policy_kind_name(enum policy_kind kind)
{
	return (unsigned)kind < POLICY_KINDS ? kind_names[kind] : "?";
}
