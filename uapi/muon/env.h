/*
 * What init hands each program of a partition (docs/system-format.md): one
 * read-only page at MU_ENV_VA describing the program and everything the
 * system file grants it. Nothing else is reachable: its other capability
 * slots are empty but for the implicit ones (task, thread, factory, parent,
 * scheduler instance; the console only if granted).
 *
 * Capabilities (grants of console, trace, timer, irq, gate; and the gates of
 * the services it serves) are in the slots the entries name; shared regions
 * are mapped read-write at the addresses they name. A service's messages
 * arrive at the program's first thread with the entry's label.
 */
#ifndef MUON_ENV_H
#define MUON_ENV_H

#include <stdint.h>

#define MU_ENV_VA 0x2ff00000u
#define MU_ENV_MAGIC 0x564e454du   /* "MENV" */
#define MU_ENV_MAX 24

enum mu_env_kind {
	MU_ENV_CAP = 1,     /* a capability in `slot` (console, trace, timer, irq, a client gate) */
	MU_ENV_SHARED = 2,  /* a region at `addr`, `size` bytes, read-write */
	MU_ENV_SERVE = 3,   /* a service: its gate is `slot` (bound to our first thread), messages carry `label` */
};

struct mu_env_entry {
	char name[24];      /* as the system file names it (`as NAME`, or the service's name) */
	uint32_t kind, slot, addr, size, label;
};

struct mu_env {
	uint32_t magic, n;
	char program[24], partition[24], mode[24];
	uint32_t mode_number;   /* the mode if it is a number, else 0 */
	uint32_t threads;       /* threads the system file gives it (its first included) */
	uint32_t priority;      /* its priority within its scheduler instance's band */
	uint32_t memory;        /* bytes of user memory it may still be given (not used yet) */
	struct mu_env_entry e[MU_ENV_MAX];
};

/* Sent to MU_CAP_PARENT (init) by a program with something to report:
 * mr[0] = a status (0: all is well), mr[1..2] = values, then up to 100
 * bytes of text from mr[3] (mr[3] = its length). init logs it as
 * `program: text` and its system tests read the status. */
#define MU_APP_REPORT 0x330u

#endif
