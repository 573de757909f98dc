/*
 * Host tests for kernel/fdt.c: the board trees, QEMU's own virt tree,
 * hand-written corner cases, and malformed blobs. Every blob under test is
 * copied into a heap buffer of exactly the length passed to the parser, so
 * AddressSanitizer reports any read past the end.
 *
 * Usage: test_fdt realview.dtb vexpress.dtb virt.dtb qemu-virt.dtb
 *                 ranges.dtb defaults.dtb stdout.dtb
 *                 loaded-realview.dtb loaded-vexpress.dtb loaded-virt.dtb sabrelite.dtb
 * where the loaded-* files are the board trees after QEMU's -dtb loader.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fdt.h"

enum {
	B_REALVIEW, B_VEXPRESS, B_VIRT, B_QEMU_VIRT, B_RANGES, B_DEFAULTS, B_STDOUT,
	B_LOADED_REALVIEW, B_LOADED_VEXPRESS, B_LOADED_VIRT, B_SABRELITE, B_COUNT
};

struct blob {
	const char *path;
	uint8_t *data; /* NULL if the file could not be read */
	size_t len;
};

static struct blob blobs[B_COUNT];

/* Header field offsets, as in the DTB format. */
enum { H_TOTAL = 4, H_OFF_ST = 8, H_OFF_STR = 12, H_OFF_RSV = 16, H_VERSION = 20,
       H_LAST_COMP = 24, H_SIZE_STR = 32, H_SIZE_ST = 36 };

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A heap copy of the first n bytes of src (n may be 0). */
static uint8_t *dup_n(const uint8_t *src, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	if (p == NULL) {
		perror("malloc");
		exit(2);
	}
	memcpy(p, src, n);
	return p;
}

static void load(struct blob *b)
{
	FILE *f = fopen(b->path, "rb");
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		if (f != NULL)
			fclose(f);
		return;
	}
	b->data = malloc((size_t)n);
	if (b->data != NULL && fread(b->data, 1, (size_t)n, f) == (size_t)n)
		b->len = (size_t)n;
	else {
		free(b->data);
		b->data = NULL;
	}
	fclose(f);
}

/* Where the used part of a blob ends: QEMU pads its tree to 1 MiB. */
static size_t used_end(const uint8_t *b)
{
	size_t st = get32(b + H_OFF_ST) + (size_t)get32(b + H_SIZE_ST);
	size_t str = get32(b + H_OFF_STR) + (size_t)get32(b + H_SIZE_STR);
	return st > str ? st : str;
}

/*
 * The blobs the structural tests take apart, cut to their used size
 * (totalsize patched): QEMU pads its trees, and the padding would only make
 * the every-length tests slow.
 */
static uint8_t *valid_blob(int i, size_t *len)
{
	const struct blob *b = &blobs[i];
	uint8_t *p;

	if (b->data == NULL)
		return NULL;
	*len = used_end(b->data);
	if (*len > b->len)
		return NULL;
	p = dup_n(b->data, *len);
	put32(p + H_TOTAL, (uint32_t)*len);
	return p;
}

/* ---- Parsing the real trees ---- */

static void check_platform(const struct fdt_platform *got, const struct fdt_platform *want)
{
	CHECK_EQ(got->n_mem, want->n_mem);
	for (unsigned i = 0; i < FDT_MAX_MEM; i++) {
		CHECK_EQ(got->mem[i].base, want->mem[i].base);
		CHECK_EQ(got->mem[i].size, want->mem[i].size);
	}
	CHECK_EQ(got->n_cpus, want->n_cpus);
	for (unsigned i = 0; i < FDT_MAX_CPUS; i++)
		CHECK_EQ(got->cpu_ids[i], want->cpu_ids[i]);
	CHECK_EQ(got->uart_base, want->uart_base);
	CHECK_EQ(got->gicd_base, want->gicd_base);
	CHECK_EQ(got->gicc_base, want->gicc_base);
	CHECK_EQ(got->timer_base, want->timer_base);
	CHECK_EQ(got->has_generic_timer, want->has_generic_timer);
	CHECK_EQ(got->psci_hvc, want->psci_hvc);
}

static void parse_expect(int i, const struct fdt_platform *want)
{
	const struct blob *b = &blobs[i];
	struct fdt_platform got;
	uint8_t *p;
	int check, err;

	CHECK_MSG(b->data != NULL, "cannot read %s", b->path);
	CHECK_EQ(fdt_size(b->data), b->len);
	p = dup_n(b->data, b->len);
	check = fdt_check(p, b->len);
	memset(&got, 0xa5, sizeof got); /* parse must clear what it does not set */
	err = fdt_parse_platform(p, b->len, &got);
	free(p);
	CHECK_EQ(check, FDT_OK);
	CHECK_MSG(err == FDT_OK, "%s: %s", b->path, fdt_strerror(err));
	check_platform(&got, want);
}

/* What the board trees describe; QEMU's loader sets the memory size. */
static const struct fdt_platform realview_want = {
	.n_mem = 1, .mem = { { 0x00000000, 0x08000000 } },
	.n_cpus = 4, .cpu_ids = { 0, 1, 2, 3 },
	.uart_base = 0x10009000,
	.gicd_base = 0x10101000, .gicc_base = 0x10100100,
	.timer_base = 0x10100600,
};

static const struct fdt_platform vexpress_want = {
	.n_mem = 1, .mem = { { 0x60000000, 0x08000000 } },
	.n_cpus = 4, .cpu_ids = { 0, 1, 2, 3 },
	.uart_base = 0x10009000,
	.gicd_base = 0x1e001000, .gicc_base = 0x1e000100,
	.timer_base = 0x1e000600,
};

static const struct fdt_platform virt_want = {
	.n_mem = 1, .mem = { { 0x40000000, 0x08000000 } },
	.n_cpus = 4, .cpu_ids = { 0, 1, 2, 3 },
	.uart_base = 0x09000000,
	.gicd_base = 0x08000000, .gicc_base = 0x08010000,
	.has_generic_timer = 1, .psci_hvc = 1,
};

/* The i.MX6Quad: devices under a simple-bus, the console by an alias, no PL011. */
static const struct fdt_platform sabrelite_want = {
	.n_mem = 1, .mem = { { 0x10000000, 0x40000000 } },
	.n_cpus = 4, .cpu_ids = { 0, 1, 2, 3 },
	.uart_base = 0x021e8000,
	.gicd_base = 0x00a01000, .gicc_base = 0x00a00100,
	.timer_base = 0x00a00600,
};

static void test_board_imx6q_sabrelite(void)
{
	parse_expect(B_SABRELITE, &sabrelite_want);
}

static void test_board_realview_eb_mpcore(void)
{
	parse_expect(B_REALVIEW, &realview_want);
}

static void test_board_vexpress_a9(void)
{
	parse_expect(B_VEXPRESS, &vexpress_want);
}

static void test_board_virt(void)
{
	parse_expect(B_VIRT, &virt_want);
}

/* The board trees after QEMU's -dtb loader (-m 256). */
static void test_boards_as_loaded_by_qemu(void)
{
	static const int loaded[] = { B_LOADED_REALVIEW, B_LOADED_VEXPRESS, B_LOADED_VIRT };
	const struct fdt_platform *want[] = { &realview_want, &vexpress_want, &virt_want };

	for (int i = 0; i < 3; i++) {
		struct fdt_platform w = *want[i];

		w.mem[0].size = 0x10000000;
		parse_expect(loaded[i], &w);
	}
}

/* QEMU's generated tree: two-cell addresses, -m 256, padded to 1 MiB. */
static void test_qemu_virt_dump(void)
{
	static const struct fdt_platform want = {
		.n_mem = 1, .mem = { { 0x40000000, 0x10000000 } },
		.n_cpus = 4, .cpu_ids = { 0, 1, 2, 3 },
		.uart_base = 0x09000000,
		.gicd_base = 0x08000000, .gicc_base = 0x08010000,
		.has_generic_timer = 1, .psci_hvc = 1,
	};
	parse_expect(B_QEMU_VIRT, &want);
}

static void test_ranges_translation(void)
{
	static const struct fdt_platform want = {
		.n_mem = 2,
		.mem = { { 0x80000000, 0x40000000 }, { 0x880000000, 0x100000000 } },
		.n_cpus = 2, .cpu_ids = { 0x100, 0x102 },
		.uart_base = 0x1000019000, /* iofpga 0x9000 -> cs1 0x19000 -> 0x10_0001_9000 */
		.gicd_base = 0x20001000, .gicc_base = 0x20002000,
		.timer_base = 0x20000600,
	};
	parse_expect(B_RANGES, &want);
}

static void test_default_cells_and_fallbacks(void)
{
	static const struct fdt_platform want = {
		.n_mem = 1, .mem = { { 0x40000000, 0x10000000 } },
		.n_cpus = 2, .cpu_ids = { 0x0, 0x100 },
		.uart_base = 0x5000, /* not under i2c, not disabled */
		.has_generic_timer = 1, .psci_hvc = 2,
	};
	parse_expect(B_DEFAULTS, &want);
}

static void test_linux_stdout_path(void)
{
	static const struct fdt_platform want = { .uart_base = 0x2000 };
	parse_expect(B_STDOUT, &want);
}

/* ---- A tiny DTB writer for trees dtc refuses to produce ---- */

struct bld {
	uint8_t st[4096];
	uint32_t st_len;
	char str[512];
	uint32_t str_len;
};

/* The writer is test scaffolding: overflowing it is a bug in the test. */
static void b_room(const struct bld *b, size_t st, size_t str)
{
	if (b->st_len + st + 3 > sizeof b->st || b->str_len + str > sizeof b->str) {
		fprintf(stderr, "test_fdt: DTB writer buffer too small\n");
		abort();
	}
}

static void b_u32(struct bld *b, uint32_t v)
{
	b_room(b, 4, 0);
	put32(b->st + b->st_len, v);
	b->st_len += 4;
}

static void b_bytes(struct bld *b, const void *p, uint32_t n)
{
	b_room(b, n, 0);
	memcpy(b->st + b->st_len, p, n);
	b->st_len = (b->st_len + n + 3) & ~3u; /* padding stays zero */
}

static void b_begin(struct bld *b, const char *name)
{
	b_u32(b, 1);
	b_bytes(b, name, (uint32_t)strlen(name) + 1);
}

static void b_end(struct bld *b)
{
	b_u32(b, 2);
}

static void b_prop(struct bld *b, const char *name, const void *val, uint32_t len)
{
	b_room(b, 0, strlen(name) + 1);
	b_u32(b, 3);
	b_u32(b, len);
	b_u32(b, b->str_len);
	memcpy(b->str + b->str_len, name, strlen(name) + 1);
	b->str_len += (uint32_t)strlen(name) + 1;
	b_bytes(b, val, len);
}

static void b_str(struct bld *b, const char *name, const char *s)
{
	b_prop(b, name, s, (uint32_t)strlen(s) + 1);
}

static void b_cells(struct bld *b, const char *name, int n, const uint32_t *v)
{
	uint8_t buf[64];

	for (int i = 0; i < n; i++)
		put32(buf + 4 * i, v[i]);
	b_prop(b, name, buf, (uint32_t)(4 * n));
}

/*
 * Header, reservation map of rsv_entries 16-byte entries (all zero, so the
 * first ends it), then the structure and strings blocks, strings first if
 * asked: that puts the structure block at the very end of the buffer.
 */
static uint8_t *b_layout(const struct bld *b, size_t *len, uint32_t rsv_entries,
			 int strings_first)
{
	uint32_t off_rsv = 40, off_st = off_rsv + 16 * rsv_entries, off_str;
	uint8_t *p;

	if (strings_first) {
		off_str = off_st;
		off_st = (off_str + b->str_len + 3) & ~3u;
		*len = off_st + b->st_len;
	} else {
		off_str = off_st + b->st_len;
		*len = off_str + b->str_len;
	}
	p = calloc(1, *len);
	if (p == NULL)
		exit(2);
	put32(p, 0xd00dfeed);
	put32(p + H_TOTAL, (uint32_t)*len);
	put32(p + H_OFF_ST, off_st);
	put32(p + H_OFF_STR, off_str);
	put32(p + H_OFF_RSV, off_rsv);
	put32(p + H_VERSION, 17);
	put32(p + H_LAST_COMP, 16);
	put32(p + H_SIZE_STR, b->str_len);
	put32(p + H_SIZE_ST, b->st_len);
	memcpy(p + off_st, b->st, b->st_len);
	memcpy(p + off_str, b->str, b->str_len);
	return p;
}

static uint8_t *b_finish(const struct bld *b, size_t *len)
{
	return b_layout(b, len, 1, 0);
}

static int check_built(const struct bld *b)
{
	size_t len;
	uint8_t *p = b_finish(b, &len);
	int err = fdt_check(p, len);

	free(p);
	return err;
}

/* ---- Malformed blobs ---- */

/* Every prefix of every blob: an error until the whole blob is there. */
static void test_truncated_every_length(void)
{
	for (int i = 0; i < B_COUNT; i++) {
		struct fdt_platform pl;
		size_t len;
		uint8_t *full = valid_blob(i, &len);

		CHECK_MSG(full != NULL, "cannot read %s", blobs[i].path);
		for (size_t n = 0; n <= len; n++) {
			uint8_t *p = dup_n(full, n);
			int c = fdt_check(p, n), r = fdt_parse_platform(p, n, &pl);

			int ok = n < len ? c < 0 && r == c : c == FDT_OK && r == FDT_OK;

			free(p);
			if (!ok)
				free(full);
			CHECK_MSG(ok, "%s cut to %zu: check %d, parse %d", blobs[i].path, n, c, r);
		}
		free(full);
	}
}

/*
 * Prefixes whose header is patched to claim only what is there (totalsize
 * and block sizes clipped), so the parser walks into the cut itself. Every
 * string in a dtc strings block is used, so only the whole blob is valid.
 */
static void test_truncated_consistent_header(void)
{
	for (int i = 0; i < B_COUNT; i++) {
		size_t len;
		uint8_t *full = valid_blob(i, &len);

		CHECK_MSG(full != NULL, "cannot read %s", blobs[i].path);
		for (size_t n = 40; n <= len; n++) {
			uint8_t *p = dup_n(full, n);
			struct fdt_platform pl;
			int r;

			put32(p + H_TOTAL, (uint32_t)n);
			for (int f = 0; f < 2; f++) {
				uint32_t off = get32(p + (f ? H_OFF_STR : H_OFF_ST));
				uint32_t sz = get32(p + (f ? H_SIZE_STR : H_SIZE_ST));
				uint32_t room = off < n ? (uint32_t)n - off : 0;
				put32(p + (f ? H_SIZE_STR : H_SIZE_ST), sz < room ? sz : room);
			}
			r = fdt_parse_platform(p, n, &pl);
			free(p);
			if (n < len ? r >= 0 : r != FDT_OK)
				free(full);
			CHECK_MSG(n < len ? r < 0 : r == FDT_OK, "%s cut to %zu: %d",
				  blobs[i].path, n, r);
		}
		free(full);
	}
}

/* Patches one header field of the virt board blob and checks both calls. */
static int patched(uint32_t field, uint32_t value, int want)
{
	size_t len;
	uint8_t *p = valid_blob(B_VIRT, &len);
	struct fdt_platform pl;
	int c, r;

	put32(p + field, value);
	c = fdt_check(p, len);
	r = fdt_parse_platform(p, len, &pl);
	free(p);
	if (c != want || r != want)
		fprintf(stderr, "field %u = 0x%x: check %d parse %d, want %d\n", field,
			value, c, r, want);
	return c == want && r == want;
}

static uint32_t virt_field(uint32_t field)
{
	return get32(blobs[B_VIRT].data + field);
}

static void test_bad_magic_and_version(void)
{
	size_t len;
	uint8_t *p;

	CHECK(blobs[B_VIRT].data != NULL);
	CHECK(patched(0, 0xd00dfeee, FDT_E_MAGIC));
	CHECK(patched(0, 0xedfe0dd0, FDT_E_MAGIC)); /* byte-swapped */
	CHECK(patched(H_VERSION, 15, FDT_E_VERSION));
	CHECK(patched(H_LAST_COMP, 18, FDT_E_VERSION));
	CHECK(patched(H_VERSION, 16, FDT_OK)); /* no size_dt_struct: still walks */
	p = valid_blob(B_VIRT, &len);
	p[1] ^= 0x40;
	CHECK_EQ(fdt_size(p), 0);
	free(p);
}

static void test_totalsize_vs_buffer(void)
{
	size_t len = blobs[B_VIRT].len;

	CHECK(blobs[B_VIRT].data != NULL);
	CHECK(patched(H_TOTAL, (uint32_t)len + 1, FDT_E_TRUNC));
	CHECK(patched(H_TOTAL, 0xffffffff, FDT_E_TRUNC));
	CHECK(patched(H_TOTAL, 8, FDT_E_RANGE)); /* smaller than the header */
	CHECK(patched(H_TOTAL, (uint32_t)len - 1, FDT_E_RANGE)); /* strings end outside */
}

static void test_block_offsets(void)
{
	uint32_t total = virt_field(H_TOTAL), off_st = virt_field(H_OFF_ST);

	CHECK(blobs[B_VIRT].data != NULL);
	CHECK(patched(H_OFF_ST, total + 4, FDT_E_RANGE));
	CHECK(patched(H_OFF_ST, 0xfffffffc, FDT_E_RANGE));
	CHECK(patched(H_OFF_ST, off_st + 2, FDT_E_RANGE));  /* misaligned */
	CHECK(patched(H_OFF_ST, 0, FDT_E_RANGE));           /* over the header */
	CHECK(patched(H_OFF_STR, total, FDT_E_RANGE));
	CHECK(patched(H_OFF_STR, off_st, FDT_E_RANGE));     /* overlaps struct */
	CHECK(patched(H_SIZE_ST, total, FDT_E_RANGE));
	CHECK(patched(H_SIZE_ST, 0xfffffff0, FDT_E_RANGE));
	CHECK(patched(H_SIZE_STR, 0xffffffff, FDT_E_RANGE));
	/* Offset + size wraps to exactly 0: must not pass as "inside". */
	CHECK(patched(H_SIZE_STR, 0u - virt_field(H_OFF_STR), FDT_E_RANGE));
	CHECK(patched(H_OFF_RSV, off_st, FDT_E_RANGE));     /* overlaps struct */
	CHECK(patched(H_OFF_RSV, 44, FDT_E_RANGE));         /* misaligned */
	CHECK(patched(H_OFF_RSV, 0, FDT_E_RANGE));          /* inside the header */
	CHECK(patched(H_OFF_RSV, total, FDT_E_RANGE));      /* no terminator */
}

/* Offset in the blob of the first FDT_PROP token (dtc puts the root's first). */
static uint32_t first_prop(const uint8_t *p)
{
	uint32_t off = get32(p + H_OFF_ST);

	while (get32(p + off) != 3)
		off += 4;
	return off;
}

static int patched_at(uint32_t at, uint32_t value)
{
	size_t len;
	uint8_t *p = valid_blob(B_VIRT, &len);
	struct fdt_platform pl;
	int c, r;

	put32(p + at, value);
	c = fdt_check(p, len);
	r = fdt_parse_platform(p, len, &pl);
	free(p);
	return c == r ? c : 1000;
}

static void test_property_fields(void)
{
	const uint8_t *v = blobs[B_VIRT].data;
	uint32_t prop;

	CHECK(v != NULL);
	prop = first_prop(v);
	CHECK_EQ(patched_at(prop + 8, get32(v + H_SIZE_STR)), FDT_E_RANGE); /* nameoff */
	CHECK_EQ(patched_at(prop + 8, 0xffffffff), FDT_E_RANGE);
	CHECK_EQ(patched_at(prop + 4, 0xfffffff0), FDT_E_BADSTRUCT);         /* length */
	CHECK_EQ(patched_at(prop + 4, get32(v + H_SIZE_ST)), FDT_E_BADSTRUCT);
	/* A length whose end wraps around 2^32 back onto this very token. */
	CHECK_EQ(patched_at(prop + 4, 0u - 12), FDT_E_BADSTRUCT);
	/* The last property name loses its NUL when the strings block shrinks. */
	CHECK(patched(H_SIZE_STR, get32(v + H_SIZE_STR) - 1, FDT_E_BADSTRUCT));
}

static void test_corrupted_tokens(void)
{
	const uint8_t *v = blobs[B_VIRT].data;
	uint32_t st, end;

	CHECK(v != NULL);
	st = get32(v + H_OFF_ST);
	end = st + get32(v + H_SIZE_ST) - 4; /* the FDT_END token */
	CHECK_EQ(get32(v + end), 9);
	CHECK_EQ(patched_at(st, 7), FDT_E_BADSTRUCT);
	CHECK_EQ(patched_at(st, 0x80000001), FDT_E_BADSTRUCT);
	CHECK_EQ(patched_at(first_prop(v), 5), FDT_E_BADSTRUCT);
	CHECK_EQ(patched_at(first_prop(v), 0), FDT_E_BADSTRUCT);
	CHECK_EQ(patched_at(end, 4), FDT_E_BADSTRUCT);  /* END becomes NOP: no END */
	CHECK_EQ(patched_at(end, 2), FDT_E_BADSTRUCT);  /* one END_NODE too many */
	CHECK_EQ(patched_at(end - 4, 4), FDT_E_BADSTRUCT); /* root left open */
	CHECK(patched(H_SIZE_ST, get32(v + H_SIZE_ST) - 4, FDT_E_BADSTRUCT));
}

/*
 * A structure block that ends the buffer with a ragged size (not a multiple
 * of 4) and no FDT_END: the last 2 bytes must not be read as a token.
 */
static void test_ragged_struct_end(void)
{
	static struct bld b;
	size_t len;
	uint8_t *p, *q;
	int err;

	memset(&b, 0, sizeof b);
	b_begin(&b, "");
	b_str(&b, "model", "m");
	b_end(&b);
	p = b_layout(&b, &len, 1, 1);
	q = calloc(1, len + 2);
	if (q == NULL)
		exit(2);
	memcpy(q, p, len);
	put32(q + H_TOTAL, (uint32_t)len + 2);
	put32(q + H_SIZE_ST, b.st_len + 2);
	err = fdt_check(q, len + 2);
	free(q);
	CHECK_EQ(get32(p + H_OFF_ST) + b.st_len, len); /* struct block was last */
	free(p);
	CHECK_EQ(err, FDT_E_BADSTRUCT);
}

/* The reservation map: 8-byte aligned, and not overlapping other blocks. */
static void test_rsvmap_placement(void)
{
	static struct bld b;
	static const uint8_t zeros[16];
	size_t len;
	uint8_t *p;
	uint32_t val;
	int ok, misaligned, second, overlap;

	memset(&b, 0, sizeof b);
	b_begin(&b, "");
	b_prop(&b, "a", "", 0);
	b_prop(&b, "z", zeros, 16); /* 16 zero bytes: looks like a map's end */
	b_end(&b);
	b_u32(&b, 9);
	p = b_layout(&b, &len, 2, 0); /* two zero entries at 40 and 56 */
	ok = fdt_check(p, len);
	put32(p + H_OFF_RSV, 44);
	misaligned = fdt_check(p, len);
	put32(p + H_OFF_RSV, 56);
	second = fdt_check(p, len);
	val = get32(p + H_OFF_ST) + 4 + 4 + 12 + 12; /* root, name, "a", "z" header */
	put32(p + H_OFF_RSV, val);
	overlap = fdt_check(p, len);
	free(p);
	CHECK_EQ(ok, FDT_OK);
	CHECK_EQ(misaligned, FDT_E_RANGE);
	CHECK_EQ(second, FDT_OK);
	CHECK_EQ(val % 8, 0);
	CHECK_EQ(overlap, FDT_E_RANGE);
}

static void nest(struct bld *b, int depth)
{
	for (int i = 0; i < depth; i++)
		b_begin(b, i == 0 ? "" : "n");
	for (int i = 0; i < depth; i++)
		b_end(b);
	b_u32(b, 9);
}

static void test_nesting_depth(void)
{
	static struct bld b;

	memset(&b, 0, sizeof b);
	nest(&b, FDT_MAX_DEPTH);
	CHECK_EQ(check_built(&b), FDT_OK);
	memset(&b, 0, sizeof b);
	nest(&b, FDT_MAX_DEPTH + 1);
	CHECK_EQ(check_built(&b), FDT_E_DEPTH);
	memset(&b, 0, sizeof b);
	nest(&b, 300);
	CHECK_EQ(check_built(&b), FDT_E_DEPTH);
}

static void test_unbalanced_structure(void)
{
	static struct bld b;

	memset(&b, 0, sizeof b); /* nothing but END */
	b_u32(&b, 9);
	CHECK_EQ(check_built(&b), FDT_E_BADSTRUCT);
	memset(&b, 0, sizeof b); /* two roots */
	b_begin(&b, "");
	b_end(&b);
	b_begin(&b, "");
	b_end(&b);
	b_u32(&b, 9);
	CHECK_EQ(check_built(&b), FDT_E_BADSTRUCT);
	memset(&b, 0, sizeof b); /* a property before the root */
	b_str(&b, "model", "x");
	b_begin(&b, "");
	b_end(&b);
	b_u32(&b, 9);
	CHECK_EQ(check_built(&b), FDT_E_BADSTRUCT);
	memset(&b, 0, sizeof b); /* END inside the root */
	b_begin(&b, "");
	b_u32(&b, 9);
	CHECK_EQ(check_built(&b), FDT_E_BADSTRUCT);
	memset(&b, 0, sizeof b); /* a node name that runs off the block */
	b_begin(&b, "");
	b_u32(&b, 1);
	b_u32(&b, 0x61626364);
	CHECK_EQ(check_built(&b), FDT_E_BADSTRUCT);
}

/*
 * String values without their NUL are ignored, never read past: a stdout
 * path (alias_too: an alias's value), compatible, method, device_type.
 */
static int unterminated_tree(int alias_too, struct fdt_platform *pl)
{
	static struct bld b;
	static const uint32_t one = 1, uart1[] = { 0x1000, 0x100 }, uart2[] = { 0x2000, 0x100 };
	size_t len;
	uint8_t *p;
	int err;

	memset(&b, 0, sizeof b);
	b_begin(&b, "");
	b_cells(&b, "#address-cells", 1, &one);
	b_cells(&b, "#size-cells", 1, &one);
	b_begin(&b, "aliases");
	b_prop(&b, "serial0", "/uart@1000", 10);
	b_end(&b);
	b_begin(&b, "chosen");
	if (alias_too)
		b_str(&b, "stdout-path", "serial0:115200");
	else
		b_prop(&b, "stdout-path", "/uart@1000", 10);
	b_end(&b);
	b_begin(&b, "psci");
	b_prop(&b, "method", "hvc", 3);
	b_end(&b);
	b_begin(&b, "uart@1000");
	b_prop(&b, "compatible", "arm,pl011", 9);
	b_cells(&b, "reg", 2, uart1);
	b_end(&b);
	b_begin(&b, "uart@2000");
	b_prop(&b, "compatible", "x\0arm,pl011", 12);
	b_cells(&b, "reg", 2, uart2);
	b_end(&b);
	b_begin(&b, "memory");
	b_prop(&b, "device_type", "memory", 6);
	b_cells(&b, "reg", 2, uart2);
	b_end(&b);
	b_end(&b);
	b_u32(&b, 9);
	p = b_finish(&b, &len);
	err = fdt_parse_platform(p, len, pl);
	free(p);
	return err;
}

static void test_unterminated_values(void)
{
	struct fdt_platform pl;

	for (int alias_too = 0; alias_too < 2; alias_too++) {
		CHECK_EQ(unterminated_tree(alias_too, &pl), FDT_OK);
		CHECK_EQ(pl.uart_base, 0x2000);
		CHECK_EQ(pl.psci_hvc, 0);
		CHECK_EQ(pl.n_mem, 0);
	}
}

/* More cpus and memory ranges than the arrays hold: the rest is dropped. */
static void test_array_limits(void)
{
	static struct bld b;
	static const uint32_t one = 1, zero = 0;
	uint32_t regs[2 * (FDT_MAX_MEM + 2)];
	struct fdt_platform pl;
	size_t len;
	uint8_t *p;
	int err;

	memset(&b, 0, sizeof b);
	b_begin(&b, "");
	b_cells(&b, "#address-cells", 1, &one);
	b_cells(&b, "#size-cells", 1, &one);
	b_begin(&b, "cpus");
	b_cells(&b, "#address-cells", 1, &one);
	b_cells(&b, "#size-cells", 1, &zero);
	for (uint32_t i = 0; i < FDT_MAX_CPUS + 3; i++) {
		b_begin(&b, "cpu");
		b_str(&b, "device_type", "cpu");
		b_cells(&b, "reg", 1, &i);
		b_end(&b);
	}
	b_end(&b);
	for (uint32_t i = 0; i < FDT_MAX_MEM + 2; i++) {
		regs[2 * i] = 0x1000 * i;
		regs[2 * i + 1] = 0x100;
	}
	b_begin(&b, "memory");
	b_str(&b, "device_type", "memory");
	b_cells(&b, "reg", 2 * (FDT_MAX_MEM + 2), regs);
	b_end(&b);
	b_end(&b);
	b_u32(&b, 9);
	p = b_finish(&b, &len);
	err = fdt_parse_platform(p, len, &pl);
	free(p);
	CHECK_EQ(err, FDT_OK);
	CHECK_EQ(pl.n_cpus, FDT_MAX_CPUS);
	CHECK_EQ(pl.cpu_ids[FDT_MAX_CPUS - 1], FDT_MAX_CPUS - 1);
	CHECK_EQ(pl.n_mem, FDT_MAX_MEM);
	CHECK_EQ(pl.mem[FDT_MAX_MEM - 1].base, 0x1000 * (FDT_MAX_MEM - 1));
	CHECK(pl.warn & FDT_W_MEM_MANY);
}

/* ---- What a tree written by others may say or leave out ---- */

static void built_parse(const struct bld *b, struct fdt_platform *pl)
{
	size_t len;
	uint8_t *p = b_finish(b, &len);
	int err = fdt_parse_platform(p, len, pl);

	free(p);
	CHECK_EQ(err, FDT_OK);
}

static void b_root(struct bld *b, uint32_t ac, uint32_t sc)
{
	memset(b, 0, sizeof *b);
	b_begin(b, "");
	b_cells(b, "#address-cells", 1, &ac);
	b_cells(b, "#size-cells", 1, &sc);
}

static void b_close(struct bld *b)
{
	b_end(b);
	b_u32(b, 9);
}

/* Two-cell addresses and sizes are kept whole, above 4 GiB too, per node. */
static void test_64bit_cells(void)
{
	static struct bld b;
	static const uint32_t mem[] = { 0x1, 0x0, 0x1, 0x0 }, one = 1;
	static const uint32_t uart[] = { 0x1, 0x40010000, 0x0, 0x1000 };
	static const uint32_t soc_ranges[] = { 0x0, 0x2, 0x0, 0x10000000 };
	static const uint32_t gic[] = { 0x1000, 0x1000, 0x2000, 0x100 };
	struct fdt_platform pl;

	b_root(&b, 2, 2);
	b_begin(&b, "memory@100000000");
	b_str(&b, "device_type", "memory");
	b_cells(&b, "reg", 4, mem);
	b_end(&b);
	b_begin(&b, "serial@140010000");
	b_str(&b, "compatible", "arm,pl011");
	b_cells(&b, "reg", 4, uart);
	b_end(&b);
	b_begin(&b, "soc"); /* one-cell child addresses, mapped to 0x2_0000_0000 */
	b_cells(&b, "#address-cells", 1, &one);
	b_cells(&b, "#size-cells", 1, &one);
	b_cells(&b, "ranges", 4, soc_ranges);
	b_begin(&b, "interrupt-controller@1000");
	b_str(&b, "compatible", "arm,cortex-a15-gic");
	b_prop(&b, "interrupt-controller", "", 0);
	b_cells(&b, "reg", 4, gic);
	b_end(&b);
	b_end(&b);
	b_close(&b);
	built_parse(&b, &pl);
	CHECK_EQ(pl.n_mem, 1);
	CHECK_EQ(pl.mem[0].base, 0x100000000ull);
	CHECK_EQ(pl.mem[0].size, 0x100000000ull);
	CHECK_EQ(pl.uart_base, 0x140010000ull);
	CHECK_EQ(pl.gicd_base, 0x200001000ull);
	CHECK_EQ(pl.gicc_base, 0x200002000ull);
	CHECK_EQ(pl.warn & FDT_W_REG_CELLS, 0);
}

/* Silent before: no /memory, no /psci, a timer with no interrupts. */
static void test_missing_nodes_warn(void)
{
	static struct bld b;
	struct fdt_platform pl;

	b_root(&b, 1, 1);
	b_begin(&b, "timer");
	b_str(&b, "compatible", "arm,armv7-timer");
	b_end(&b);
	b_close(&b);
	built_parse(&b, &pl);
	CHECK_EQ(pl.n_mem, 0);
	CHECK_EQ(pl.has_generic_timer, 1);
	CHECK_EQ(pl.timer_irq, 0);
	CHECK_EQ(pl.warn, FDT_W_NO_MEMORY | FDT_W_NO_PSCI | FDT_W_TIMER_NO_IRQ);

	b_root(&b, 1, 1);
	b_close(&b);
	built_parse(&b, &pl);
	CHECK_EQ(pl.warn, FDT_W_NO_MEMORY | FDT_W_NO_PSCI | FDT_W_NO_TIMER);
}

/* #address-cells = 2 over a reg of one address cell and one size cell. */
static void test_reg_short_of_cells(void)
{
	static struct bld b;
	static const uint32_t reg[] = { 0x40000000, 0x10000000 };
	struct fdt_platform pl;

	b_root(&b, 2, 1);
	b_begin(&b, "memory@40000000");
	b_str(&b, "device_type", "memory");
	b_cells(&b, "reg", 2, reg);
	b_end(&b);
	b_close(&b);
	built_parse(&b, &pl);
	CHECK_EQ(pl.n_mem, 0); /* not read as 0x4000_0000_1000_0000 of size ? */
	CHECK(pl.warn & FDT_W_REG_CELLS);
	CHECK(pl.warn & FDT_W_NO_MEMORY);
}

/* PSCI methods, Linux's names for the GIC and TWD, and the timers' PPIs. */
static void test_psci_and_timer_irqs(void)
{
	static struct bld b;
	static const uint32_t twd_irq[] = { 1, 13, 0x304 }, twd_reg[] = { 0x1f000600, 0x20 };
	static const uint32_t gic_reg[] = { 0x1f001000, 0x1000, 0x1f000100, 0x100 };
	static const uint32_t gt_irq[] = { 1, 13, 0xf08, 1, 14, 0xf08, 1, 11, 0xf08, 1, 10, 0xf08 };
	static const char *const methods[] = { "smc", "hvc", "firmware" };
	static const int want_psci[] = { 2, 1, 0 };
	struct fdt_platform pl;

	for (int m = 0; m < 3; m++) {
		b_root(&b, 1, 1);
		b_begin(&b, "psci");
		b_str(&b, "compatible", "arm,psci-0.2");
		b_str(&b, "method", methods[m]);
		b_end(&b);
		b_begin(&b, "interrupt-controller@1f001000"); /* Linux's realview EB 11MPCore name */
		b_str(&b, "compatible", "arm,eb11mp-gic");
		b_prop(&b, "interrupt-controller", "", 0);
		b_cells(&b, "reg", 4, gic_reg);
		b_end(&b);
		b_begin(&b, "timer@1f000600");
		b_str(&b, "compatible", "arm,arm11mp-twd-timer");
		b_cells(&b, "reg", 2, twd_reg);
		b_cells(&b, "interrupts", 3, twd_irq);
		b_end(&b);
		b_begin(&b, "timer");
		b_str(&b, "compatible", "arm,armv8-timer");
		b_cells(&b, "interrupts", 12, gt_irq);
		b_end(&b);
		b_close(&b);
		built_parse(&b, &pl);
		CHECK_EQ(pl.psci_hvc, want_psci[m]);
		CHECK_EQ(!!(pl.warn & FDT_W_PSCI_METHOD), m == 2);
		CHECK_EQ(pl.warn & (FDT_W_NO_PSCI | FDT_W_TIMER_NO_IRQ | FDT_W_NO_TIMER), 0);
		CHECK_EQ(pl.gicd_base, 0x1f001000);
		CHECK_EQ(pl.gicc_base, 0x1f000100);
		CHECK_EQ(pl.timer_base, 0x1f000600);
		CHECK_EQ(pl.timer_irq, 29); /* the TWD comes first: PPI 13 */
		CHECK_EQ(pl.has_generic_timer, 1);
	}
}

/*
 * Trees far beyond 1 MiB: QEMU's -dtb loader grows its own 1 MiB virt tree
 * to about 2 MiB, and nothing in the format bounds totalsize.
 */
static void test_large_tree(void)
{
	const struct blob *q = &blobs[B_QEMU_VIRT];
	static const uint32_t sizes[] = { 0x100000, 0x20a000, 0x800000 };
	struct fdt_platform pl;
	uint32_t total = 0;

	CHECK(q->data != NULL);
	CHECK(q->len >= 0x100000);
	for (int i = 0; i < 3; i++) {
		uint8_t *p = calloc(1, sizes[i]);

		CHECK(p != NULL);
		memcpy(p, q->data, used_end(q->data));
		put32(p + H_TOTAL, sizes[i]);
		CHECK_EQ(fdt_header(p, &total), FDT_OK);
		CHECK_EQ(total, sizes[i]);
		CHECK_EQ(fdt_parse_platform(p, sizes[i], &pl), FDT_OK);
		CHECK_EQ(pl.mem[0].base, 0x40000000);
		CHECK_EQ(pl.uart_base, 0x09000000);
		free(p);
	}
}

/* fdt_header tells the reasons apart, so the kernel can say which it is. */
static void test_header_reasons(void)
{
	const struct blob *v = &blobs[B_VIRT];
	uint8_t *p;
	uint32_t total = 0;

	CHECK(v->data != NULL);
	p = dup_n(v->data, v->len);
	CHECK_EQ(fdt_header(p, &total), FDT_OK);
	CHECK_EQ(total, v->len);
	put32(p + H_VERSION, 15);
	CHECK_EQ(fdt_header(p, &total), FDT_E_VERSION);
	put32(p, 0xedfe0dd0); /* byte-swapped magic */
	CHECK_EQ(fdt_header(p, &total), FDT_E_MAGIC);
	free(p);
	CHECK_EQ(fdt_header(NULL, &total), FDT_E_TRUNC);
	for (uint32_t i = 0; i < FDT_W_COUNT; i++)
		for (uint32_t j = 0; j < FDT_W_COUNT; j++)
			CHECK(i == j || strcmp(fdt_warning(1u << i), fdt_warning(1u << j)) != 0);
	CHECK(strcmp(fdt_warning(1u << FDT_W_COUNT), "unknown warning") == 0);
}

static void test_null_and_strerror(void)
{
	static const int codes[] = { FDT_OK, FDT_E_MAGIC, FDT_E_TRUNC, FDT_E_VERSION,
				     FDT_E_BADSTRUCT, FDT_E_DEPTH, FDT_E_NOTFOUND, FDT_E_RANGE };
	struct fdt_platform pl;
	const int n = (int)(sizeof codes / sizeof codes[0]);

	CHECK_EQ(fdt_size(NULL), 0);
	CHECK_EQ(fdt_check(NULL, 100), FDT_E_TRUNC);
	CHECK_EQ(fdt_parse_platform(NULL, 100, &pl), FDT_E_TRUNC);
	CHECK(blobs[B_VIRT].data != NULL);
	CHECK_EQ(fdt_parse_platform(blobs[B_VIRT].data, blobs[B_VIRT].len, NULL), FDT_E_RANGE);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			CHECK(i == j || strcmp(fdt_strerror(codes[i]), fdt_strerror(codes[j])) != 0);
	CHECK(strcmp(fdt_strerror(-99), "unknown error") == 0);
}

/* ---- Random corruption ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rnd(uint32_t n) /* xorshift64*, uniform enough below 2^32 */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

static void mutate(uint8_t *p, size_t len, const uint8_t *orig)
{
	const uint32_t words[] = { 0, 1, 2, 3, 4, 9, 16, 17, 0xd00dfeed, 0x7fffffff,
				   0xffffffff, 0xfffffffc, (uint32_t)len, (uint32_t)len - 1,
				   get32(orig + H_SIZE_ST), get32(orig + H_SIZE_STR) };
	size_t at = rnd((uint32_t)len);

	switch (rnd(4)) {
	case 0:
		p[at] ^= (uint8_t)(1u << rnd(8));
		break;
	case 1:
		p[at] = (uint8_t)rnd(256);
		break;
	case 2: /* a header field: offsets and sizes are where bounds bugs live */
		at = 4 * rnd(10);
		/* fall through */
	default:
		at &= ~(size_t)3;
		if (at + 4 <= len)
			put32(p + at, rnd(2) ? words[rnd(sizeof words / sizeof words[0])]
					     : get32(orig + at) + rnd(9) - 4);
	}
}

/*
 * Sanitizers turn any stray read into a failure; beyond that the two calls
 * must agree and a success must leave the counts inside their arrays. One
 * run in eight also hands the parser a random prefix of the mutant.
 */
static void test_random_mutations(void)
{
	for (int i = 0; i < B_COUNT; i++) {
		size_t len;
		uint8_t *orig = valid_blob(i, &len), *p;
		int bad = -1, c = 0, r = 0;

		CHECK_MSG(orig != NULL, "cannot read %s", blobs[i].path);
		p = dup_n(orig, len);
		for (int iter = 0; iter < 20000 && bad < 0; iter++) {
			size_t n = rnd(8) == 0 ? rnd((uint32_t)len + 1) : len;
			uint8_t *q = p;
			struct fdt_platform pl;

			memcpy(p, orig, len);
			for (int k = 1 + (int)rnd(4); k > 0; k--)
				mutate(p, len, orig);
			if (n < len)
				q = dup_n(p, n); /* exactly the bytes the parser may read */
			c = fdt_check(q, n);
			r = fdt_parse_platform(q, n, &pl);
			if (n >= 28)
				(void)fdt_size(q);
			if (q != p)
				free(q);
			if (c != r || c > 0 || c < FDT_E_RANGE ||
			    (r == FDT_OK && (pl.n_mem > FDT_MAX_MEM || pl.n_cpus > FDT_MAX_CPUS)))
				bad = iter;
		}
		free(p);
		free(orig);
		CHECK_MSG(bad < 0, "%s iteration %d: check %d, parse %d", blobs[i].path, bad, c, r);
	}
}

int main(int argc, char **argv)
{
	if (argc != B_COUNT + 1) {
		fprintf(stderr, "usage: %s realview.dtb vexpress.dtb virt.dtb qemu-virt.dtb "
			"ranges.dtb defaults.dtb stdout.dtb loaded-realview.dtb "
			"loaded-vexpress.dtb loaded-virt.dtb sabrelite.dtb\n", argv[0]);
		return 2;
	}
	for (int i = 0; i < B_COUNT; i++) {
		blobs[i].path = argv[i + 1];
		load(&blobs[i]);
	}
	RUN(test_board_realview_eb_mpcore);
	RUN(test_board_vexpress_a9);
	RUN(test_board_virt);
	RUN(test_board_imx6q_sabrelite);
	RUN(test_qemu_virt_dump);
	RUN(test_boards_as_loaded_by_qemu);
	RUN(test_ranges_translation);
	RUN(test_default_cells_and_fallbacks);
	RUN(test_linux_stdout_path);
	RUN(test_truncated_every_length);
	RUN(test_truncated_consistent_header);
	RUN(test_bad_magic_and_version);
	RUN(test_totalsize_vs_buffer);
	RUN(test_block_offsets);
	RUN(test_property_fields);
	RUN(test_corrupted_tokens);
	RUN(test_ragged_struct_end);
	RUN(test_rsvmap_placement);
	RUN(test_nesting_depth);
	RUN(test_unbalanced_structure);
	RUN(test_unterminated_values);
	RUN(test_array_limits);
	RUN(test_64bit_cells);
	RUN(test_missing_nodes_warn);
	RUN(test_reg_short_of_cells);
	RUN(test_psci_and_timer_irqs);
	RUN(test_large_tree);
	RUN(test_header_reasons);
	RUN(test_null_and_strerror);
	RUN(test_random_mutations);
	for (int i = 0; i < B_COUNT; i++)
		free(blobs[i].data);
	return check_summary();
}
