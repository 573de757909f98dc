/*
 * Flattened device tree reader; see fdt.h for the contract.
 *
 * Layout of a DTB (Devicetree Specification v0.4, chapter 5): a header of
 * big-endian 32-bit fields, a memory reservation map, a structure block of
 * 4-byte-aligned tokens and a strings block holding property names.
 *
 * Safety rests on two rules: every header offset and size is checked with
 * arithmetic that cannot wrap before any block is read, and every structure
 * read goes through read_tok(), which checks its own bounds. fdt_check() and
 * both passes of fdt_parse_platform() are the same walk().
 */
#include "kernel/fdt.h"

#define FDT_MAGIC 0xd00dfeedu

enum { TOK_BEGIN_NODE = 1, TOK_END_NODE = 2, TOK_PROP = 3, TOK_NOP = 4, TOK_END = 9 };

/* Byte offsets of the header fields; version 17 headers are 40 bytes. */
enum {
	H_MAGIC = 0, H_TOTALSIZE = 4, H_OFF_STRUCT = 8, H_OFF_STRINGS = 12,
	H_OFF_RSVMAP = 16, H_VERSION = 20, H_LAST_COMP = 24, H_BOOT_CPU = 28,
	H_SIZE_STRINGS = 32, H_SIZE_STRUCT = 36, H_LEN_V16 = 36, H_LEN_V17 = 40,
};

/* ---- Freestanding helpers: the kernel has no libc. ---- */

/* Byte loads decode big-endian on any host and never fault on alignment. */
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t str_nlen(const char *s, uint32_t max)
{
	uint32_t n = 0;
	while (n < max && s[n] != '\0')
		n++;
	return n;
}

/* a is a NUL-terminated string already proven to lie inside the blob. */
static int str_eq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/*
 * An initializer such as "= { 0 }" may compile to a call to memset, which
 * the host build of this file (tests/) must not depend on; volatile stores
 * keep the compiler from turning this loop into one. It runs once per parse on about a hundred bytes.
 */
static void zero(void *p, size_t n)
{
	volatile unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = 0;
}

/* Rounds up to the next token boundary; callers keep x <= 0xfffffffc. */
static uint32_t align4(uint32_t x)
{
	return (x + 3u) & ~3u;
}

/* ---- Header and block layout ---- */

/* The parts of the blob every later step reads, after validation. */
struct view {
	const uint8_t *st; /* structure block */
	uint32_t st_size;  /* rounded down to whole tokens */
	const char *str;   /* strings block */
	uint32_t str_size;
};

static int check_ident(const uint8_t *b, size_t len)
{
	if (b == NULL || len < 4)
		return FDT_E_TRUNC;
	if (be32(b + H_MAGIC) != FDT_MAGIC)
		return FDT_E_MAGIC;
	if (len < H_BOOT_CPU)
		return FDT_E_TRUNC;
	if (be32(b + H_VERSION) < 16 || be32(b + H_LAST_COMP) > 17)
		return FDT_E_VERSION;
	return FDT_OK;
}

int fdt_header(const void *blob, uint32_t *totalsize)
{
	int err = check_ident(blob, H_BOOT_CPU);

	if (err == FDT_OK)
		*totalsize = be32((const uint8_t *)blob + H_TOTALSIZE);
	return err;
}

size_t fdt_size(const void *blob)
{
	if (check_ident(blob, H_BOOT_CPU) != FDT_OK)
		return 0;
	return be32((const uint8_t *)blob + H_TOTALSIZE);
}

/* [off, off+len) inside [lo, hi), phrased so that nothing can overflow. */
static int inside(uint32_t off, uint32_t len, uint32_t lo, uint32_t hi)
{
	return off >= lo && off <= hi && len <= hi - off;
}

/* Both ranges are already inside the blob, so the sums cannot wrap. */
static int disjoint(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return alen == 0 || blen == 0 || a + alen <= b || b + blen <= a;
}

/* The reservation map is unused here, but it must end inside the blob. */
static int rsvmap_len(const uint8_t *b, uint32_t off, uint32_t hdr, uint32_t total,
		      uint32_t *len)
{
	uint32_t p, i, any;

	if (off % 8 != 0 || off < hdr || off > total)
		return FDT_E_RANGE;
	for (p = off; total - p >= 16; p += 16) {
		for (any = 0, i = 0; i < 16; i += 4)
			any |= be32(b + p + i);
		if (any == 0) {
			*len = p + 16 - off;
			return FDT_OK;
		}
	}
	return FDT_E_RANGE;
}

static int check_layout(const uint8_t *b, uint32_t hdr, struct view *v)
{
	uint32_t total = be32(b + H_TOTALSIZE);
	uint32_t o_st = be32(b + H_OFF_STRUCT), o_str = be32(b + H_OFF_STRINGS);
	uint32_t n_str = be32(b + H_SIZE_STRINGS), n_st, n_rsv;
	uint32_t o_rsv = be32(b + H_OFF_RSVMAP);
	int err;

	/* Version 16 has no struct size: it ends where the strings begin. */
	if (hdr >= H_LEN_V17)
		n_st = be32(b + H_SIZE_STRUCT);
	else if (o_st > total)
		return FDT_E_RANGE;
	else
		n_st = (o_str > o_st && o_str <= total ? o_str : total) - o_st;
	if (o_st % 4 != 0 || !inside(o_st, n_st, hdr, total) ||
	    !inside(o_str, n_str, hdr, total))
		return FDT_E_RANGE;
	err = rsvmap_len(b, o_rsv, hdr, total, &n_rsv);
	if (err != FDT_OK)
		return err;
	if (!disjoint(o_st, n_st, o_str, n_str) || !disjoint(o_rsv, n_rsv, o_st, n_st) ||
	    !disjoint(o_rsv, n_rsv, o_str, n_str))
		return FDT_E_RANGE;
	v->st = b + o_st;
	v->st_size = n_st & ~3u; /* a token cannot start in the last 1-3 bytes */
	v->str = (const char *)b + o_str;
	v->str_size = n_str;
	return FDT_OK;
}

/* ---- Tokens ---- */

struct tok {
	uint32_t tag;
	uint32_t next;       /* offset of the following token */
	const char *name;    /* node name or property name */
	const uint8_t *val;  /* property value */
	uint32_t len;        /* property length */
};

static int read_node_name(const struct view *v, uint32_t off, struct tok *t)
{
	uint32_t n = str_nlen((const char *)v->st + off, v->st_size - off);

	if (n == v->st_size - off)
		return FDT_E_BADSTRUCT; /* name runs off the end of the block */
	t->name = (const char *)v->st + off;
	t->next = align4(off + n + 1);
	return FDT_OK;
}

static int read_prop(const struct view *v, uint32_t off, struct tok *t)
{
	uint32_t nameoff;

	if (v->st_size - off < 8)
		return FDT_E_BADSTRUCT;
	t->len = be32(v->st + off);
	nameoff = be32(v->st + off + 4);
	off += 8;
	if (t->len > v->st_size - off)
		return FDT_E_BADSTRUCT;
	if (nameoff >= v->str_size)
		return FDT_E_RANGE;
	if (str_nlen(v->str + nameoff, v->str_size - nameoff) == v->str_size - nameoff)
		return FDT_E_BADSTRUCT; /* name not terminated inside the strings block */
	t->name = v->str + nameoff;
	t->val = v->st + off;
	t->next = align4(off + t->len);
	return FDT_OK;
}

/* Decodes the token at off; t->next is always > off, so walks terminate. */
static int read_tok(const struct view *v, uint32_t off, struct tok *t)
{
	if (off >= v->st_size)
		return FDT_E_BADSTRUCT; /* walked off the block without FDT_END */
	t->tag = be32(v->st + off);
	t->next = off + 4;
	switch (t->tag) {
	case TOK_BEGIN_NODE:
		return read_node_name(v, off + 4, t);
	case TOK_PROP:
		return read_prop(v, off + 4, t);
	case TOK_END_NODE:
	case TOK_NOP:
	case TOK_END:
		return FDT_OK;
	default:
		return FDT_E_BADSTRUCT;
	}
}

static int open_blob(const void *blob, size_t buf_len, struct view *v)
{
	const uint8_t *b = blob;
	uint32_t hdr;
	int err = check_ident(b, buf_len);

	if (err != FDT_OK)
		return err;
	hdr = be32(b + H_VERSION) >= 17 ? H_LEN_V17 : H_LEN_V16;
	if (buf_len < hdr || be32(b + H_TOTALSIZE) > buf_len)
		return FDT_E_TRUNC;
	return check_layout(b, hdr, v);
}

/* ---- Nodes and properties ---- */

enum { P_REG, P_COMPAT, P_DTYPE, P_STATUS, P_METHOD, P_RANGES, P_ACELLS, P_SCELLS,
       P_INTC, P_STDOUT, P_LINUX_STDOUT, P_IRQS, P_COUNT };

static const char *const prop_names[P_COUNT] = {
	[P_REG] = "reg", [P_COMPAT] = "compatible", [P_DTYPE] = "device_type",
	[P_STATUS] = "status", [P_METHOD] = "method", [P_RANGES] = "ranges",
	[P_ACELLS] = "#address-cells", [P_SCELLS] = "#size-cells",
	[P_INTC] = "interrupt-controller", [P_STDOUT] = "stdout-path",
	[P_LINUX_STDOUT] = "linux,stdout-path", [P_IRQS] = "interrupts",
};

struct prop {
	const uint8_t *val; /* NULL when absent; non-NULL even when empty */
	uint32_t len;
};

struct node {
	const char *name;
	uint32_t props; /* offset of the node's first property token */
	struct prop p[P_COUNT];
};

/* Per open node: how its children's reg and ranges are to be read. */
struct level {
	uint32_t ac, sc;    /* #address-cells, #size-cells for the children */
	struct prop ranges; /* maps child addresses to this node's parent's */
	int32_t path;       /* end of the stdout path prefix this node matches, or -1 */
	int is_cpus;
};

/* Gathers the properties listed in prop_names; *end gets the next token. */
static int read_props(const struct view *v, uint32_t off, struct node *n, uint32_t *end)
{
	struct tok t;
	int i, err;

	n->props = off;
	for (i = 0; i < P_COUNT; i++)
		n->p[i].val = NULL;
	for (; off < v->st_size; off = t.next) {
		if ((err = read_tok(v, off, &t)) != FDT_OK)
			return err;
		if (t.tag != TOK_PROP && t.tag != TOK_NOP) {
			*end = off;
			return FDT_OK;
		}
		for (i = 0; t.tag == TOK_PROP && i < P_COUNT; i++)
			if (str_eq(t.name, prop_names[i]))
				n->p[i] = (struct prop){ t.val, t.len };
	}
	return FDT_E_BADSTRUCT;
}

/* Length of a string property, or -1 if it is not NUL-terminated in place. */
static int32_t str_len(const struct prop *p)
{
	uint32_t n;

	if (p->val == NULL || p->len == 0 || p->len > INT32_MAX)
		return -1;
	n = str_nlen((const char *)p->val, p->len);
	return n < p->len ? (int32_t)n : -1;
}

static int is_str(const struct prop *p, const char *s)
{
	return str_len(p) >= 0 && str_eq((const char *)p->val, s);
}

/* compatible is a list of strings; any entry may match. */
static int has_compat(const struct node *n, const char *want)
{
	const struct prop *c = &n->p[P_COMPAT];
	uint32_t i, l;

	for (i = 0; c->val != NULL && i < c->len; i += l + 1) {
		l = str_nlen((const char *)c->val + i, c->len - i);
		if (l < c->len - i && str_eq((const char *)c->val + i, want))
			return 1;
	}
	return 0;
}

/* Node "name" or "name@unit-address". */
static int node_is(const char *name, const char *base)
{
	while (*base != '\0' && *name == *base) {
		name++;
		base++;
	}
	return *base == '\0' && (*name == '\0' || *name == '@');
}

static int enabled(const struct node *n)
{
	const struct prop *s = &n->p[P_STATUS];
	return s->val == NULL || is_str(s, "okay") || is_str(s, "ok");
}

/* A one-cell property such as #address-cells, or dflt if absent or odd. */
static uint32_t cell_prop(const struct prop *p, uint32_t dflt)
{
	return p->val != NULL && p->len == 4 ? be32(p->val) : dflt;
}

/* ---- Addresses ---- */

/* Reads a 0-, 1- or 2-cell number; callers reject wider ones (PCI's 3). */
static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
	if (cells == 2)
		return (uint64_t)be32(p) << 32 | be32(p + 4);
	return cells == 1 ? be32(p) : 0;
}

/* Maps addr from bus's child address space into up's through bus's ranges. */
static int map_range(const struct level *bus, const struct level *up, uint64_t *addr)
{
	uint32_t entry, i;
	uint64_t child, parent, size;

	if (bus->ac < 1 || bus->ac > 2 || up->ac < 1 || up->ac > 2 || bus->sc > 2)
		return FDT_E_RANGE;
	entry = (bus->ac + up->ac + bus->sc) * 4;
	for (i = 0; bus->ranges.len - i >= entry; i += entry) {
		child = read_cells(bus->ranges.val + i, bus->ac);
		parent = read_cells(bus->ranges.val + i + bus->ac * 4, up->ac);
		size = read_cells(bus->ranges.val + i + (bus->ac + up->ac) * 4, bus->sc);
		if (*addr >= child && *addr - child < size) {
			*addr = parent + (*addr - child);
			return FDT_OK;
		}
	}
	return FDT_E_NOTFOUND;
}

/*
 * Translates an address in lv[d]'s child space up to the root's. A bus with
 * no ranges property is not visible to the CPU (e.g. an I2C bus), and an
 * empty ranges means the bus adds no offset.
 */
static int translate(const struct level *lv, int d, uint64_t *addr)
{
	int err;

	for (; d > 0; d--) {
		if (lv[d].ranges.val == NULL)
			return FDT_E_NOTFOUND;
		if (lv[d].ranges.len == 0)
			continue;
		if ((err = map_range(&lv[d], &lv[d - 1], addr)) != FDT_OK)
			return err;
	}
	return FDT_OK;
}

/*
 * Entry idx of node n's reg as a CPU physical address; writes *base and *size
 * only on success, and flags a reg that ends inside an entry in *warn.
 */
static int reg_get(const struct level *lv, int d, const struct node *n, uint32_t idx,
		   uint64_t *base, uint64_t *size, uint32_t *warn)
{
	const struct level *up = &lv[d - 1];
	const struct prop *reg = &n->p[P_REG];
	uint64_t b, sz;
	uint32_t entry;
	int err;

	if (reg->val == NULL || up->ac < 1 || up->ac > 2 || up->sc > 2)
		return FDT_E_NOTFOUND;
	entry = (up->ac + up->sc) * 4;
	if ((uint64_t)idx * entry + entry > reg->len) { /* no divide: ARMv6/v7-A lack one */
		if ((uint64_t)idx * entry < reg->len)
			*warn |= FDT_W_REG_CELLS; /* e.g. one cell under #address-cells = 2 */
		return FDT_E_NOTFOUND;
	}
	b = read_cells(reg->val + idx * entry, up->ac);
	sz = read_cells(reg->val + idx * entry + up->ac * 4, up->sc);
	if ((err = translate(lv, d - 1, &b)) != FDT_OK)
		return err;
	*base = b;
	*size = sz;
	return FDT_OK;
}

/* ---- The platform scan ---- */

struct scan {
	struct fdt_platform *out;
	const struct view *v;
	struct prop stdout_path; /* from /chosen */
	uint32_t aliases;        /* property offset of /aliases, if have_aliases */
	int have_aliases;
	const char *target;      /* resolved stdout path, ":options" cut off */
	uint32_t target_len;
	int have_stdout, have_pl011, have_gic, have_twd, have_psci;
	uint64_t stdout_base, pl011_base;
};

typedef void visit_fn(struct scan *s, const struct level *lv, int d, const struct node *n);

/* Where the stdout path stands after node name, given its parent stood at at. */
static int32_t match_path(const struct scan *s, int32_t at, const char *name)
{
	uint32_t p, e, i;

	if (at < 0 || (uint32_t)at >= s->target_len || s->target[at] != '/')
		return -1;
	p = (uint32_t)at + 1;
	for (e = p; e < s->target_len && s->target[e] != '/'; e++)
		;
	for (i = 0; p + i < e && name[i] == s->target[p + i]; i++)
		;
	/* The unit address may be left out of a path when it is unambiguous. */
	if (p + i == e && (name[i] == '\0' || name[i] == '@'))
		return (int32_t)e;
	return -1;
}

static void enter(struct scan *s, struct level *lv, int d, const struct node *n)
{
	lv[d].ac = cell_prop(&n->p[P_ACELLS], 2); /* defaults from the spec */
	lv[d].sc = cell_prop(&n->p[P_SCELLS], 1);
	lv[d].ranges = n->p[P_RANGES];
	lv[d].is_cpus = d == 1 && node_is(n->name, "cpus");
	if (d == 0)
		lv[d].path = s->target != NULL ? 0 : -1;
	else
		lv[d].path = match_path(s, lv[d - 1].path, n->name);
}

/*
 * Visits every node in document order (d is 0 for the root) and enforces
 * the structure rules on the way: exactly one root, balanced nesting within
 * FDT_MAX_DEPTH, properties only inside nodes, and a final FDT_END. Every
 * token read advances off, and read_tok fails past the block, so it ends.
 */
static int walk(const struct view *v, struct scan *s, visit_fn *visit)
{
	struct level lv[FDT_MAX_DEPTH];
	struct node n;
	struct tok t;
	uint32_t off = 0;
	int d = 0, roots = 0, err;

	while (off < v->st_size) {
		if ((err = read_tok(v, off, &t)) != FDT_OK)
			return err;
		if (t.tag == TOK_END)
			return d == 0 && roots == 1 ? FDT_OK : FDT_E_BADSTRUCT;
		if (t.tag != TOK_BEGIN_NODE) {
			if (d == 0 && t.tag != TOK_NOP)
				return FDT_E_BADSTRUCT; /* nothing to close, or stray prop */
			if (t.tag == TOK_END_NODE)
				d--;
			off = t.next;
			continue;
		}
		if (d == 0 && roots++ > 0)
			return FDT_E_BADSTRUCT; /* a second root */
		if (d >= FDT_MAX_DEPTH)
			return FDT_E_DEPTH;
		n.name = t.name;
		if ((err = read_props(v, t.next, &n, &off)) != FDT_OK)
			return err;
		enter(s, lv, d, &n);
		if (visit != NULL)
			visit(s, lv, d, &n);
		d++;
	}
	return FDT_E_BADSTRUCT; /* ran off the block without FDT_END */
}

int fdt_check(const void *blob, size_t buf_len)
{
	struct view v;
	struct scan s;
	int err = open_blob(blob, buf_len, &v);

	if (err != FDT_OK)
		return err;
	zero(&s, sizeof s);
	return walk(&v, &s, NULL);
}

static void find_chosen(struct scan *s, const struct level *lv, int d, const struct node *n)
{
	(void)lv;
	if (d == 1 && str_eq(n->name, "chosen")) {
		s->stdout_path = n->p[P_STDOUT];
		if (s->stdout_path.val == NULL)
			s->stdout_path = n->p[P_LINUX_STDOUT];
	}
	if (d == 1 && str_eq(n->name, "aliases")) {
		s->aliases = n->props;
		s->have_aliases = 1;
	}
}

/* The value of /aliases property name[0..len), which must be a string. */
static const char *find_alias(const struct scan *s, const char *name, uint32_t len)
{
	struct tok t;
	struct prop p;
	uint32_t off, i;

	for (off = s->aliases; s->have_aliases && off < s->v->st_size; off = t.next) {
		if (read_tok(s->v, off, &t) != FDT_OK)
			return NULL;
		if (t.tag == TOK_NOP)
			continue;
		if (t.tag != TOK_PROP)
			return NULL; /* end of the /aliases properties */
		for (i = 0; i < len && t.name[i] == name[i]; i++)
			;
		if (i < len || t.name[i] != '\0')
			continue;
		p = (struct prop){ t.val, t.len };
		return str_len(&p) >= 0 ? (const char *)t.val : NULL;
	}
	return NULL;
}

/* stdout-path is "/full/path[:options]" or "alias[:options]". */
static void resolve_stdout(struct scan *s)
{
	const char *p = (const char *)s->stdout_path.val;
	int32_t len = str_len(&s->stdout_path), i;

	if (len <= 0)
		return;
	for (i = 0; i < len && p[i] != ':'; i++)
		;
	if (p[0] != '/' && (p = find_alias(s, p, (uint32_t)i)) == NULL)
		return;
	for (i = 0; p[i] != '\0' && p[i] != ':'; i++)
		;
	s->target = p;
	s->target_len = (uint32_t)i;
}

static void add_memory(struct scan *s, const struct level *lv, int d, const struct node *n)
{
	struct fdt_platform *o = s->out;
	uint64_t base, size;

	for (uint32_t i = 0; reg_get(lv, d, n, i, &base, &size, &o->warn) == FDT_OK; i++) {
		if (size == 0)
			continue;
		if (o->n_mem == FDT_MAX_MEM) {
			o->warn |= FDT_W_MEM_MANY;
			return;
		}
		o->mem[o->n_mem].base = base;
		o->mem[o->n_mem++].size = size;
	}
}

/* A cpu's reg is its MPIDR affinity, not an address: no translation. */
static void add_cpu(struct scan *s, const struct level *cpus, const struct node *n)
{
	const struct prop *reg = &n->p[P_REG];

	if (s->out->n_cpus >= FDT_MAX_CPUS || reg->val == NULL || cpus->ac < 1 ||
	    cpus->ac > 2 || reg->len < cpus->ac * 4)
		return;
	s->out->cpu_ids[s->out->n_cpus++] = (uint32_t)read_cells(reg->val, cpus->ac);
}

static int has_any(const struct node *n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (has_compat(n, *list))
			return 1;
	return 0;
}

/* The names Linux's and QEMU's trees give the GICv1/v2 of the supported SoCs. */
static const char *const gic_compat[] = {
	"arm,arm11mp-gic", "arm,eb11mp-gic", "arm,tc11mp-gic", "arm,cortex-a9-gic",
	"arm,cortex-a15-gic", "arm,cortex-a7-gic", "arm,gic-400", "arm,pl390", NULL,
};
static const char *const twd_compat[] = {
	"arm,arm11mp-twd-timer", "arm,cortex-a9-twd-timer", "arm,cortex-a5-twd-timer", NULL,
};
static const char *const gtimer_compat[] = { "arm,armv7-timer", "arm,armv8-timer", NULL };

/*
 * Entry idx of a GIC interrupts property (3 cells: SPI 0 / PPI 1, number,
 * flags) as a GIC interrupt ID, or 0 if the property has no such entry.
 */
static unsigned gic_irq(const struct node *n, uint32_t idx)
{
	const struct prop *p = &n->p[P_IRQS];
	uint32_t type, num;

	if (p->val == NULL || p->len < (idx + 1) * 12)
		return 0;
	type = be32(p->val + idx * 12);
	num = be32(p->val + idx * 12 + 4);
	if (type == 1 && num < 16)
		return 16 + num;
	return type == 0 && num < 988 ? 32 + num : 0;
}

/*
 * A timer's interrupt: the TWD has one, the generic timer lists secure,
 * non-secure, virtual and hypervisor PPIs and the kernel runs on the
 * non-secure physical one.
 */
static void add_timer(struct scan *s, const struct node *n, uint32_t idx)
{
	unsigned irq = gic_irq(n, idx);

	if (irq == 0)
		s->out->warn |= FDT_W_TIMER_NO_IRQ;
	else if (s->out->timer_irq == 0)
		s->out->timer_irq = irq;
}

/* The first match of each kind wins, as in document order. */
static void add_devices(struct scan *s, const struct level *lv, int d, const struct node *n)
{
	struct fdt_platform *o = s->out;
	uint64_t size, dist;

	if (!s->have_stdout && s->target != NULL && lv[d].path == (int32_t)s->target_len)
		s->have_stdout = reg_get(lv, d, n, 0, &s->stdout_base, &size, &o->warn) == FDT_OK;
	if (!s->have_pl011 && has_compat(n, "arm,pl011"))
		s->have_pl011 = reg_get(lv, d, n, 0, &s->pl011_base, &size, &o->warn) == FDT_OK;
	if (!s->have_gic && n->p[P_INTC].val != NULL && has_any(n, gic_compat) &&
	    reg_get(lv, d, n, 0, &dist, &size, &o->warn) == FDT_OK &&
	    reg_get(lv, d, n, 1, &o->gicc_base, &size, &o->warn) == FDT_OK) {
		o->gicd_base = dist;
		s->have_gic = 1;
	}
	if (!s->have_twd && has_any(n, twd_compat)) {
		s->have_twd = reg_get(lv, d, n, 0, &o->timer_base, &size, &o->warn) == FDT_OK;
		add_timer(s, n, 0);
	}
	if (!o->has_generic_timer && has_any(n, gtimer_compat)) {
		o->has_generic_timer = 1;
		add_timer(s, n, 1);
	}
}

static void add_psci(struct scan *s, const struct node *n)
{
	s->have_psci = 1;
	if (is_str(&n->p[P_METHOD], "hvc"))
		s->out->psci_hvc = 1;
	else if (is_str(&n->p[P_METHOD], "smc"))
		s->out->psci_hvc = 2;
	else
		s->out->warn |= FDT_W_PSCI_METHOD;
}

static void collect(struct scan *s, const struct level *lv, int d, const struct node *n)
{
	if (d == 0 || !enabled(n))
		return;
	if (d == 1 && is_str(&n->p[P_DTYPE], "memory"))
		add_memory(s, lv, d, n);
	if (d == 2 && lv[1].is_cpus && is_str(&n->p[P_DTYPE], "cpu"))
		add_cpu(s, &lv[1], n);
	if (d == 1 && node_is(n->name, "psci"))
		add_psci(s, n);
	add_devices(s, lv, d, n);
}

int fdt_parse_platform(const void *blob, size_t buf_len, struct fdt_platform *out)
{
	struct view v;
	struct scan s;
	int err;

	if (out == NULL)
		return FDT_E_RANGE;
	zero(out, sizeof *out);
	zero(&s, sizeof s);
	if ((err = open_blob(blob, buf_len, &v)) != FDT_OK)
		return err;
	s.out = out;
	s.v = &v;
	/*
	 * The first pass validates the whole structure (it is fdt_check) and
	 * finds the stdout path, since /chosen often comes last.
	 */
	if ((err = walk(&v, &s, find_chosen)) != FDT_OK)
		return err;
	resolve_stdout(&s);
	if ((err = walk(&v, &s, collect)) != FDT_OK)
		return err;
	out->uart_base = s.have_stdout ? s.stdout_base : s.pl011_base;
	if (out->n_mem == 0)
		out->warn |= FDT_W_NO_MEMORY;
	if (!s.have_psci)
		out->warn |= FDT_W_NO_PSCI;
	if (!s.have_twd && !out->has_generic_timer)
		out->warn |= FDT_W_NO_TIMER;
	return FDT_OK;
}

const char *fdt_warning(uint32_t bit)
{
	static const char *const text[FDT_W_COUNT] = {
		"no /memory node with a usable reg",
		"more memory ranges than the kernel keeps: the rest are ignored",
		"a reg property ends inside an entry (#address-cells/#size-cells do not fit it)",
		"no /psci node",
		"/psci method is neither \"hvc\" nor \"smc\"",
		"a timer node has no usable interrupts property",
		"no timer node (TWD or arm,armv7-timer)",
	};

	for (uint32_t i = 0; i < FDT_W_COUNT; i++)
		if (bit == 1u << i)
			return text[i];
	return "unknown warning";
}

const char *fdt_strerror(int err)
{
	static const char *const text[] = {
		"ok", "bad magic", "truncated", "unsupported version",
		"malformed structure block", "nested too deeply", "not found",
		"offset or size out of range",
	};

	return err <= 0 && err >= FDT_E_RANGE ? text[-err] : "unknown error";
}
