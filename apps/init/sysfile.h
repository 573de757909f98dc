/*
 * The system file: what init builds at boot. Format in docs/system-format.md.
 *
 * sysfile_parse() reads a system file held in a buffer (not necessarily
 * NUL-terminated) into a fixed-size struct system, or reports the first error
 * as "file:line:column: reason" in a buffer the caller provides. The input is
 * treated as hostile: every loop is bounded by its length, nothing is read
 * outside it. No allocation, no globals, no recursion, no libc but memset():
 * the same file is built freestanding into init and for the host tests and
 * the fuzzer under sanitizers, like loadbalancer/policy.c. The struct system
 * is about 94 KiB: init keeps it static, never on a stack.
 *
 * What the parser cannot know is checked by two more functions once init has
 * what they need: sysfile_check_policy() against the balancer's parsed policy
 * file (every scheduler instance exists, priorities fit the bands, groups are
 * big enough), and sysfile_check_quotas() against the memory init has to give
 * out. Both report "file:line:column: reason" with the place in the system
 * file. An accepted file satisfies every invariant sysfile_valid() checks.
 */
#ifndef MUON_SYSFILE_H
#define MUON_SYSFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

struct policy; /* loadbalancer/policy.h */

#define SYSFILE_MAX_PARTITIONS 8
#define SYSFILE_MAX_PROGRAMS 8     /* per partition */
#define SYSFILE_MAX_GRANTS 16      /* per program, its partition's included */
#define SYSFILE_MAX_SERVICES 4     /* per program */
#define SYSFILE_MAX_SHARED 16      /* shared regions in the system */
#define SYSFILE_MAX_THREADS 32     /* per program */
#define SYSFILE_PRIO_MAX 255       /* a priority within a band: 0..band width */
#define SYSFILE_NAME_MAX 23        /* characters in a name, without the NUL */
#define SYSFILE_PATH_MAX 63        /* characters in the policy path */
#define SYSFILE_FILE_MAX 63        /* characters of the file name kept for messages */
#define SYSFILE_MAX_BYTES 65536    /* longest file accepted */
#define SYSFILE_PAGE 4096u         /* quotas and regions are whole pages */
#define SYSFILE_SIZE_MAX (1024u * 1024 * 1024) /* largest quota or region: 1024M */
#define SYSFILE_IRQ_MIN 32         /* shared peripheral interrupts of the GIC */
#define SYSFILE_IRQ_MAX 1019
#define SYSFILE_TIMER_MIN 100      /* a timer's period in us (MU_IRQ_TIMER) */
#define SYSFILE_TIMER_MAX 1000000

/* sysfile_parse's results and the checks'. Each kind has a bad example in tests/sysfile/. */
enum sysfile_err {
	SYSFILE_OK = 0,
	SYSFILE_E_SYNTAX = -1,        /* stray character, missing value or name, text after a statement */
	SYSFILE_E_NAME = -2,          /* bad characters in a name or path, or too long */
	SYSFILE_E_UNKNOWN_KEY = -3,   /* a key the format does not have */
	SYSFILE_E_UNKNOWN_VALUE = -4, /* a `restart` or a grant kind the format does not have */
	SYSFILE_E_NUMBER = -5,        /* not a decimal number or size */
	SYSFILE_E_RANGE = -6,         /* a number or size outside its range, or not whole pages */
	SYSFILE_E_DUPLICATE = -7,     /* a name, key, scheduler, IRQ or capability given twice */
	SYSFILE_E_BLOCK = -8,         /* missing '{', stray or missing '}', misplaced block or key */
	SYSFILE_E_NOT_APPLICABLE = -9, /* a key for another block; an IRQ granted to a whole partition */
	SYSFILE_E_MISSING = -10,      /* a required key is absent; no policy, partition or program */
	SYSFILE_E_UNDEFINED = -11,    /* a gate names a program or service that does not exist */
	SYSFILE_E_MISMATCH = -12,     /* a shared region with two sizes, or given to one program only */
	SYSFILE_E_LIMIT = -13,        /* too many partitions, programs, grants, services or regions; file too large */
	SYSFILE_E_QUOTA = -14,        /* programs' quotas above their partition's, or all above the machine's */
	SYSFILE_E_POLICY = -15,       /* disagrees with the policy file (sysfile_check_policy) */
	SYSFILE_ERRS = 16             /* number of results, SYSFILE_OK included */
};

/* What init does when a partition's last program ends or dies. */
enum sysfile_restart {
	SYSFILE_RESTART_MANUAL, /* nothing; the console's `restart NAME` starts it again (default) */
	SYSFILE_RESTART_ALWAYS, /* init starts it again at once; the console may too */
	SYSFILE_RESTART_NEVER,  /* it stays down; the console's `restart` is refused */
	SYSFILE_RESTARTS
};

enum sysfile_grant_kind {
	SYSFILE_GRANT_CONSOLE, /* the debug console (write) */
	SYSFILE_GRANT_TRACE,   /* the trace buffer (read) */
	SYSFILE_GRANT_IRQ,     /* an IRQ object for interrupt `irq`, to bind to a thread */
	SYSFILE_GRANT_GATE,    /* a client capability to service `service` of program `program` */
	SYSFILE_GRANT_SHARED,  /* shared region `shared`, mapped read-write */
	SYSFILE_GRANT_TIMER,   /* a periodic timer IRQ object (MU_IRQ_TIMER), period `irq` in us */
	SYSFILE_GRANT_KINDS
};

/* A place in the file: line and column (bytes) from 1; line 0: not given (struct cfg_at, apps/lib/cfg/cfg.h). */

/*
 * One capability a program receives, under a name of its own: the name it
 * asks init for (`as NAME`, or the default: console, trace, irqN, the service
 * or the region). Names are unique within a program, its services included.
 */
struct sysfile_grant {
	char name[SYSFILE_NAME_MAX + 1];
	enum sysfile_grant_kind kind;
	unsigned irq;          /* IRQ: SYSFILE_IRQ_MIN..SYSFILE_IRQ_MAX, granted once in the system */
	unsigned partition;    /* GATE: the serving program is */
	unsigned program;      /*   partitions[partition].programs[program], */
	unsigned service;      /*   the service its services[service]; else 0 */
	unsigned shared;       /* SHARED: index in system.shared; else 0 */
	bool inherited;        /* granted to the whole partition, copied to each program */
	struct cfg_at at;  /* the word `grant` */
	struct cfg_at value_at; /* what follows the kind (the IRQ, the gate, the region) */
};

struct sysfile_program {
	char name[SYSFILE_NAME_MAX + 1];      /* unique among partitions and programs */
	char module[SYSFILE_NAME_MAX + 1];    /* the boot module it runs: `module`, else its name */
	char mode[SYSFILE_NAME_MAX + 1];      /* its mode or role as written; "" if none */
	bool mode_is_number;                  /* mode is decimal digits, */
	uint32_t mode_number;                 /* worth this; else 0 */
	unsigned threads;                     /* 1..SYSFILE_MAX_THREADS (default 1) */
	unsigned priority;                    /* within its scheduler's band: 0 is the band's lowest */
	char scheduler[SYSFILE_NAME_MAX + 1]; /* its partition's client, or a group of that client */
	uint32_t memory;                      /* bytes, whole pages; 0: draws on its partition's */
	uint32_t kmem;                        /* bytes, whole pages; 0: draws on its partition's */
	unsigned n_services;                  /* 0..SYSFILE_MAX_SERVICES */
	char services[SYSFILE_MAX_SERVICES][SYSFILE_NAME_MAX + 1]; /* gates it serves */
	unsigned n_grants;                    /* 0..SYSFILE_MAX_GRANTS */
	struct sysfile_grant grants[SYSFILE_MAX_GRANTS]; /* its partition's first, then its own */
	unsigned line;                        /* its `program` line */
	struct cfg_at scheduler_at, threads_at, priority_at; /* line 0: not given */
};

struct sysfile_partition {
	char name[SYSFILE_NAME_MAX + 1];      /* unique among partitions and programs */
	char scheduler[SYSFILE_NAME_MAX + 1]; /* a client of the policy, no other partition's */
	uint32_t memory;                      /* user memory: bytes, whole pages, 4K..1024M */
	uint32_t kmem;                        /* kernel-memory quota: likewise */
	enum sysfile_restart restart;
	unsigned n_programs;                  /* 1..SYSFILE_MAX_PROGRAMS */
	struct sysfile_program programs[SYSFILE_MAX_PROGRAMS];
	unsigned n_grants;                    /* what the file grants the whole partition: */
	struct sysfile_grant grants[SYSFILE_MAX_GRANTS]; /* copied into every program */
	unsigned line;                        /* its `partition` line */
	struct cfg_at scheduler_at, memory_at, kmem_at;
};

/* A region of memory init allocates and maps into every program granted it. */
struct sysfile_shared {
	char name[SYSFILE_NAME_MAX + 1];
	uint32_t size;                        /* bytes, whole pages, 4K..1024M */
	unsigned users;                       /* programs granted it: at least 2 */
	struct cfg_at at;                 /* its first grant's region name */
};

struct system {
	char file[SYSFILE_FILE_MAX + 1];      /* as given to sysfile_parse, for the checks' messages */
	char policy[SYSFILE_PATH_MAX + 1];    /* the policy file the balancer loads */
	struct cfg_at policy_at;
	unsigned n_partitions;                /* 1..SYSFILE_MAX_PARTITIONS */
	struct sysfile_partition partitions[SYSFILE_MAX_PARTITIONS];
	unsigned n_shared;                    /* 0..SYSFILE_MAX_SHARED */
	struct sysfile_shared shared[SYSFILE_MAX_SHARED];
};

/*
 * Parses text[0..len) into *out. Returns SYSFILE_OK, or a negative enum
 * sysfile_err with "file:line:column: reason" in msg (NUL-terminated, cut to
 * msg_size; msg may be NULL if msg_size is 0); *out is then meaningless.
 * Lines and columns count from 1, columns in bytes. A file larger than
 * SYSFILE_MAX_BYTES gives "file: reason". Stops at the first error.
 */
int sysfile_parse(const char *text, size_t len, const char *file, struct system *out,
		  char *msg, size_t msg_size);

/*
 * Checks *sys against the policy file the balancer loaded (policy_parse()
 * accepted it): every partition's scheduler is a client, every program's is
 * its partition's client or one of that client's groups, every priority lies
 * within its client's band, and a group's programs have no more threads than
 * the group holds. Returns SYSFILE_OK or SYSFILE_E_POLICY with the message.
 */
int sysfile_check_policy(const struct system *sys, const struct policy *pol,
			 char *msg, size_t msg_size);

/*
 * Checks that the partitions' quotas fit what init can give: their memory
 * and the shared regions within `memory` bytes, their kernel-memory quotas
 * within `kmem` bytes. Returns SYSFILE_OK or SYSFILE_E_QUOTA, pointing at
 * the quota or region that goes over.
 */
int sysfile_check_quotas(const struct system *sys, uint32_t memory, uint32_t kmem,
			 char *msg, size_t msg_size);

/*
 * Whether *sys satisfies every invariant documented on the structures above.
 * Independent of the parser: the tests and the fuzzer check every accepted
 * file with it.
 */
bool sysfile_valid(const struct system *sys);

/* "manual", "always", "never"; "?" for an invalid value. */
const char *sysfile_restart_name(enum sysfile_restart r);

/* "console", "trace", "irq", "gate", "shared"; "?" for an invalid kind. */
const char *sysfile_grant_kind_name(enum sysfile_grant_kind k);

#endif /* MUON_SYSFILE_H */
