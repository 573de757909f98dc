/*
 * The load balancer's policy file: format in docs/policy-format.md.
 *
 * policy_parse() reads a policy file held in a buffer (not necessarily
 * NUL-terminated) into a fixed-size struct policy, or reports the first error
 * as "file:line:column: reason" in a buffer the caller provides. The input is
 * treated as hostile: every loop is bounded by its length, nothing is read
 * outside it. No allocation, no globals, no recursion, no libc: the same file
 * is built freestanding into the balancer and for the host tests and the
 * fuzzer under sanitizers.
 *
 * An accepted file satisfies every invariant policy_valid() checks, so the
 * balancer never meets an unsatisfiable configuration at run time.
 */
#ifndef MUON_POLICY_H
#define MUON_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLICY_MAX_CPUS 32      /* CPU sets are 32-bit maps: bit n is CPU n */
#define POLICY_MAX_CLIENTS 16
#define POLICY_MAX_GROUPS 16
#define POLICY_MAX_THREADS 32   /* per group */
#define POLICY_NAME_MAX 23      /* characters in a name, without the NUL */
#define POLICY_MAX_BYTES 65536  /* longest file accepted */
#define POLICY_PRIO_MAX 255
#define POLICY_PERIOD_MAX 10000 /* ms */

/* What a file leaves out, for the keys that apply to its policy. */
#define POLICY_DEFAULT_PERIOD 50     /* ms */
#define POLICY_DEFAULT_HYSTERESIS 20 /* percent */
#define POLICY_DEFAULT_LOW 30        /* percent */
#define POLICY_DEFAULT_HIGH 70       /* percent */

/*
 * The policies, in the order the balancer satisfies conflicting wishes:
 * pinned first, then the distinct-CPU policies (apart, and vm which is apart
 * moved as a unit), then together, then balance; powersave consolidates only
 * with the headroom the others leave.
 */
enum policy_kind {
	POLICY_PINNED,    /* threads never move; the client may reserve CPUs */
	POLICY_APART,     /* a group's threads on distinct CPUs */
	POLICY_VM,        /* vCPUs: distinct CPUs, rebalanced as a unit */
	POLICY_TOGETHER,  /* a group's threads on one CPU */
	POLICY_BALANCE,   /* spread over the set, rebalanced with hysteresis */
	POLICY_POWERSAVE, /* consolidate below `low` percent, spread above `high` */
	POLICY_KINDS
};

/* policy_parse's results. Each kind has a bad example in tests/policy/. */
enum policy_err {
	POLICY_OK = 0,
	POLICY_E_SYNTAX = -1,           /* stray character, missing value or name, text after a statement */
	POLICY_E_NAME = -2,             /* bad characters in a name, or longer than POLICY_NAME_MAX */
	POLICY_E_UNKNOWN_KEY = -3,      /* a key the format does not have */
	POLICY_E_UNKNOWN_POLICY = -4,   /* `policy` names no policy */
	POLICY_E_NUMBER = -5,           /* not a decimal number */
	POLICY_E_RANGE = -6,            /* a number outside its range */
	POLICY_E_REVERSED = -7,         /* a range N-M with M < N, or low not below high */
	POLICY_E_CPU = -8,              /* a CPU beyond the board */
	POLICY_E_BOARD = -9,            /* `cpus N` differs from the board (or the board is unsupported) */
	POLICY_E_PRIO_OVERLAP = -10,    /* two clients' priority bands overlap */
	POLICY_E_RESERVE_OVERLAP = -11, /* two clients reserve the same CPU */
	POLICY_E_OUTSIDE = -12,         /* a reservation or group CPU set outside its client's CPUs */
	POLICY_E_UNKNOWN_CLIENT = -13,  /* a group names a client not defined before it */
	POLICY_E_DUPLICATE = -14,       /* a name, a key in one block, or a CPU in one set given twice */
	POLICY_E_BLOCK = -15,           /* missing '{', stray or missing '}', nested block, key outside a block */
	POLICY_E_NOT_APPLICABLE = -16,  /* a key for another block or policy; a client-only policy in a group */
	POLICY_E_MISSING = -17,         /* a required key is absent, or no client at all */
	POLICY_E_LIMIT = -18,           /* too many clients or groups, or the file is too large */
	POLICY_E_UNSATISFIABLE = -19,   /* apart/vm threads > usable CPUs; all CPUs reserved by others */
	POLICY_ERRS = 20                /* number of results, POLICY_OK included */
};

struct policy_client {
	char name[POLICY_NAME_MAX + 1];
	enum policy_kind kind;
	uint32_t cpus;       /* CPUs it may use: not empty, on the board */
	uint32_t reserved;   /* pinned only: subset of cpus that no other client uses */
	uint32_t usable;     /* cpus minus other clients' reservations: not empty */
	unsigned prio_lo;    /* priority band prio_lo..prio_hi, disjoint from */
	unsigned prio_hi;    /* every other client's; prio_hi <= POLICY_PRIO_MAX */
	unsigned period_ms;  /* balance, powersave, vm: 1..POLICY_PERIOD_MAX; else 0 */
	unsigned hysteresis; /* balance, vm: percent 0..100; else 0 */
	unsigned low, high;  /* powersave: percent, low < high <= 100; else 0 */
	unsigned line;       /* where its block starts, for traces */
};

struct policy_group {
	char name[POLICY_NAME_MAX + 1]; /* distinct from every client's and group's */
	enum policy_kind kind; /* pinned, together, apart or vm */
	unsigned client;       /* index in clients[] */
	unsigned threads;      /* 1..POLICY_MAX_THREADS */
	uint32_t cpus;         /* subset of the client's cpus (all of them if not given) */
	uint32_t usable;       /* cpus minus other clients' reservations: not empty;
				  apart and vm: at least `threads` CPUs */
	unsigned period_ms;    /* vm: 1..POLICY_PERIOD_MAX; else 0 */
	unsigned hysteresis;   /* vm: percent 0..100; else 0 */
	unsigned line;
};

struct policy {
	unsigned n_cpus;       /* the board's */
	unsigned n_clients;    /* 1..POLICY_MAX_CLIENTS */
	unsigned n_groups;     /* 0..POLICY_MAX_GROUPS */
	struct policy_client clients[POLICY_MAX_CLIENTS];
	struct policy_group groups[POLICY_MAX_GROUPS];
};

/*
 * Parses text[0..len) for a board with board_cpus CPUs (1..POLICY_MAX_CPUS).
 * Returns POLICY_OK with *out filled, or a negative enum policy_err with
 * "file:line:column: reason" in msg (NUL-terminated, cut to msg_size; msg may
 * be NULL if msg_size is 0); *out is then meaningless. Lines and columns count
 * from 1, columns in bytes. An error that has no place in the text (board
 * count, file size) reads "file: reason". Stops at the first error.
 */
int policy_parse(const char *text, size_t len, const char *file,
		 unsigned board_cpus, struct policy *out,
		 char *msg, size_t msg_size);

/*
 * Whether *p satisfies every invariant documented on the structures above
 * for a board with board_cpus CPUs. Independent of the parser: the tests and
 * the fuzzer check every accepted file with it.
 */
bool policy_valid(const struct policy *p, unsigned board_cpus);

/* "pinned", "apart", ... as written in the file; "?" for an invalid kind. */
const char *policy_kind_name(enum policy_kind kind);
/*
 * policy_text.c (hosted, snprintf): client c or group g as one line with
 * every effective value, periods included; snprintf's result.
 */
int policy_client_text(const struct policy *p, unsigned c, char *buf, size_t size);
int policy_group_text(const struct policy *p, unsigned g, char *buf, size_t size);

#endif /* MUON_POLICY_H */
