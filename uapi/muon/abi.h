/*
 * Muon user ABI. The only system call is the invocation of a capability:
 *
 *   svc #0   r0 = capability index, r1 = message tag, r2 = flags
 *            returns r0 = error code (enum mu_err), r1 = reply tag
 *
 * Message words travel in the message registers of the calling thread's UTCB
 * (User Thread Control Block), whose user address the kernel keeps in
 * TPIDRURW. TPIDRURO holds the thread's TLS pointer (MU_THREAD_SET_TLS).
 */
#ifndef MUON_ABI_H
#define MUON_ABI_H

#include <stdint.h>

/* Errors. Every invocation returns one of these in r0. */
enum mu_err {
	MU_OK = 0,
	MU_ECAP = 1,      /* capability index out of range or slot empty */
	MU_ETYPE = 2,     /* the object does not support this operation */
	MU_EPERM = 3,     /* the capability lacks a right the operation needs */
	MU_EMSG = 4,      /* message layout out of range (too many words or items) */
	MU_ENOMEM = 5,    /* out of memory or kernel-memory quota */
	MU_EFAULT = 6,    /* a buffer or address is not mapped as required */
	MU_EINVAL = 7,    /* an argument is out of range */
	MU_ENOSYS = 8,    /* unknown operation label */
};

/* Message tag: label in bits 31..16, number of message words in 5..0. */
#define MU_TAG(label, words) (((uint32_t)(label) << 16) | ((words) & 0x3fu))
#define MU_TAG_LABEL(t) ((t) >> 16)
#define MU_TAG_WORDS(t) ((t) & 0x3fu)
#define MU_MR_COUNT 64

struct mu_utcb {
	uint32_t mr[MU_MR_COUNT];     /* message registers */
	uint32_t br[16];              /* buffer registers (receive descriptors) */
};

/* Capability slots every task starts with. */
enum { MU_CAP_NULL = 0, MU_CAP_TASK = 1, MU_CAP_THREAD = 2, MU_CAP_CONSOLE = 3 };

/* Protocol labels of kernel objects. */
enum {
	MU_CONSOLE_WRITE = 1,   /* mr[0] = byte count (<= 200), bytes from mr[1] */
	MU_THREAD_EXIT = 16,    /* mr[0] = exit status; never returns */
	MU_THREAD_SET_TLS = 17, /* mr[0] = TLS pointer, read back with TPIDRURO */
};

#define MU_CONSOLE_MAX 200

#endif
