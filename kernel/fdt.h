/*
 * Flattened device tree (DTB) reader.
 *
 * The boot loader hands the kernel a DTB it did not check, so every function
 * here treats the blob as hostile: it never reads outside [blob, blob+buf_len),
 * every loop is bounded by the buffer size, and every failure is a negative
 * enum fdt_err. No globals, no allocation, no libc: the same file is built
 * freestanding into the kernel and for the host tests under sanitizers.
 */
#ifndef MUON_FDT_H
#define MUON_FDT_H

#include <stddef.h>
#include <stdint.h>

enum fdt_err {
	FDT_OK = 0,
	FDT_E_MAGIC = -1,     /* not a DTB: wrong magic */
	FDT_E_TRUNC = -2,     /* buffer shorter than the header or totalsize */
	FDT_E_VERSION = -3,   /* version < 16 or last_comp_version > 17 */
	FDT_E_BADSTRUCT = -4, /* malformed token stream or unterminated name */
	FDT_E_DEPTH = -5,     /* nodes nested deeper than FDT_MAX_DEPTH */
	FDT_E_NOTFOUND = -6,  /* a looked-up node or property does not exist */
	FDT_E_RANGE = -7,     /* a block, offset or size lies outside the blob */
};

/*
 * Things a tree may say or leave out that the kernel can live with but should
 * not pass over in silence: bits of fdt_platform.warn, each with a text from
 * fdt_warning().
 */
enum fdt_warn {
	FDT_W_NO_MEMORY = 1 << 0,    /* no usable /memory node */
	FDT_W_MEM_MANY = 1 << 1,     /* more memory ranges than FDT_MAX_MEM: rest ignored */
	FDT_W_REG_CELLS = 1 << 2,    /* a reg is not a whole number of (address, size) entries */
	FDT_W_NO_PSCI = 1 << 3,      /* no /psci node */
	FDT_W_PSCI_METHOD = 1 << 4,  /* /psci method neither "hvc" nor "smc" */
	FDT_W_TIMER_NO_IRQ = 1 << 5, /* the timer node has no usable interrupts property */
	FDT_W_NO_TIMER = 1 << 6,     /* neither a private (TWD) nor a generic timer */
	FDT_W_COUNT = 7,
};

#define FDT_MAX_DEPTH 16 /* root is depth 1; real trees stay below 8 */
#define FDT_MAX_MEM 4
#define FDT_MAX_CPUS 8

/* What the kernel needs from the tree; all addresses are CPU physical. */
struct fdt_platform {
	unsigned n_mem; /* /memory* nodes (device_type "memory") */
	struct {
		uint64_t base, size;
	} mem[FDT_MAX_MEM];
	unsigned n_cpus;                /* enabled device_type "cpu" under /cpus */
	uint32_t cpu_ids[FDT_MAX_CPUS]; /* their reg values (MPIDR affinity) */
	uint64_t uart_base;             /* /chosen stdout-path, else first pl011 */
	uint64_t gicd_base, gicc_base;  /* GICv1/v2 distributor, CPU interface */
	uint64_t timer_base;            /* ARM11MPCore / Cortex-A9 private timer */
	int has_generic_timer;          /* "arm,armv7-timer" present */
	unsigned timer_irq;             /* the timer's interrupt ID from the tree, or 0 */
	int psci_hvc;                   /* /psci method: 1 "hvc", 2 "smc", 0 none or other */
	uint32_t warn;                  /* enum fdt_warn bits */
};

/* totalsize if the header is valid (magic, version), else 0. Reads 28 bytes. */
size_t fdt_size(const void *blob);

/*
 * Checks the header's magic and version (reading 28 bytes) and gives its
 * totalsize: FDT_OK, FDT_E_MAGIC or FDT_E_VERSION. The caller decides whether
 * it can map that many bytes before calling fdt_parse_platform.
 */
int fdt_header(const void *blob, uint32_t *totalsize);

/* Full structural validation of a blob held in buf_len readable bytes. */
int fdt_check(const void *blob, size_t buf_len);

/*
 * Validates the blob, then fills *out (zeroed first) from it. Nodes whose
 * addresses cannot be translated to CPU physical addresses, or whose status
 * is neither absent nor "okay"/"ok", are ignored; what the tree leaves out or
 * gets wrong in a way the kernel can survive is reported in out->warn.
 * Addresses and sizes are 64-bit as in the tree: mapping them is the caller's
 * business.
 */
int fdt_parse_platform(const void *blob, size_t buf_len,
		       struct fdt_platform *out);

/* A short English text for one enum fdt_warn bit. */
const char *fdt_warning(uint32_t bit);

/* A short English text for an fdt_err (or "unknown error"). */
const char *fdt_strerror(int err);

#endif /* MUON_FDT_H */
