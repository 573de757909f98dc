/*
 * The app-OS partition's programs: one boot module, `apps`, whose mode (the
 * env page's `mode`, uapi/muon/env.h) picks what it does. docs/apps.md.
 *
 * The first half of this header is pure C (env lookups, AT responses,
 * packets, compute kernels): built for the target and for the host tests
 * (tests/test_appos.c). The second half is the target runtime (rt.c).
 */
#ifndef APPOS_H
#define APPOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <muon/env.h>

/* Report statuses (MU_APP_REPORT mr[0]); docs/apps.md lists them. */
enum app_status {
	APP_OK = 0,
	APP_PROBE_HIGH = 1,   /* probe: a slot >= 64 answered */
	APP_EENV = 2,         /* the env page is missing or malformed */
	APP_EMODE = 3,        /* unknown mode */
	APP_ESCHED = 4,       /* the scheduler instance refused or did not answer */
	APP_ETHREAD = 5,      /* a thread could not be created or started */
	APP_EGRANT = 6,       /* a capability or region the mode needs was not granted */
	APP_EAT = 7,          /* an AT command was not answered as expected */
	APP_EDATA = 8,        /* packets lost or damaged on the data path */
	APP_EWORK = 9,        /* a computation or an exchanged item came out wrong */
	APP_ESERVER = 10,     /* a server did not answer (IPC error) */
	APP_EHIJACK = 11,     /* probe: a gate it holds as a client let it bind, relabel, wait or reply through it */
};

/* ---- the env page: the user library's (apps/lib/env.c) */
#include <muon/envpage.h>

/* ---- AT responses (at.c) */

enum at_final { AT_NONE, AT_OK, AT_ERROR, AT_CONNECT, AT_FAILED };
/* The final result code of a response: its last non-empty line. OK, ERROR (or +CME/+CMS ERROR: n),
 * CONNECT [text], NO CARRIER / BUSY / NO ANSWER / NO DIALTONE (AT_FAILED); anything else AT_NONE. */
enum at_final at_final(const char *resp, size_t len);
/* Whether resp holds `needle` (bytes, bounded by len). */
bool at_has(const char *resp, size_t len, const char *needle);
/* "+CSQ: <rssi>,<ber>": 0 and the values if found and in range (rssi 0..31 or 99, ber 0..7 or 99), else -1. */
int at_csq(const char *resp, size_t len, unsigned *rssi, unsigned *ber);
/* "+CREG: <n>,<stat>[,...]" (the read form): stat 0..5 (1 home, 5 roaming: registered), else -1. */
int at_creg(const char *resp, size_t len);

/* ---- test packets (packet.c) */

/*
 * A packet: "MP", total length (u16), sequence number (u32), payload bytes
 * from a generator seeded by the sequence number, FNV-1a-32 of everything
 * before it (u32). Little-endian, byte by byte: no alignment needed.
 */
#define PKT_MIN 16u
#define PKT_MAX 1000u
enum pkt_err { PKT_INTACT = 0, PKT_SHORT, PKT_MAGIC, PKT_LENGTH, PKT_SUM, PKT_PAYLOAD };
/* Packet seq's length, varied over PKT_MIN..max (max is clamped to PKT_MIN..PKT_MAX, the data path's
 * MTU): seq 0 is the shortest, seq 1 the longest. */
uint32_t pkt_size(uint32_t seq, uint32_t max);
/* Build packet seq into buf: its length, or 0 if cap is too small. */
uint32_t pkt_build(uint32_t seq, uint32_t max, uint8_t *buf, uint32_t cap);
/* Check a packet as received (built with the same max); *seq gets its sequence number if the header
 * is readable. */
enum pkt_err pkt_check(const uint8_t *buf, uint32_t len, uint32_t max, uint32_t *seq);
uint32_t fnv1a(const void *p, size_t n, uint32_t h);
#define FNV_SEED 2166136261u

/* Which of `count` packets from `base` came back, intact, once (a window of at most 256). */
struct pkt_tally {
	uint32_t base, count, max;
	uint32_t seen[8];
	unsigned intact, damaged, duplicate, foreign;
};
void tally_start(struct pkt_tally *t, uint32_t base, uint32_t count, uint32_t max);
void tally_add(struct pkt_tally *t, const uint8_t *buf, uint32_t len);
bool tally_complete(const struct pkt_tally *t);

/* ---- compute kernels (work.c) */

#define WORK_N 16   /* matrices are WORK_N x WORK_N words */
struct work_state {
	uint32_t a[WORK_N * WORK_N], b[WORK_N * WORK_N], c[WORK_N * WORK_N];
	uint32_t seed, blocks, digest;
};
void work_init(struct work_state *w, uint32_t seed);
/* One block: c = a * b (mod 2^32), then a = c with its rows rotated, b stirred; returns the digest so far. */
uint32_t work_block(struct work_state *w);
/* A task: WORK_TASK_BLOCKS blocks from seed `task`; its result (the last digest) depends on nothing else. */
#define WORK_TASK_BLOCKS 32
uint32_t work_task(struct work_state *w, uint32_t task);

/* A pattern over a word buffer (vCPU "guest memory"): fill, then count the words that differ. */
void pattern_fill(uint32_t *buf, size_t n, uint32_t pass);
size_t pattern_check(const uint32_t *buf, size_t n, uint32_t pass);

/* Progress of a busy loop, burst by burst: units of work per second in each burst; best, worst, mean. */
struct meter {
	uint32_t bursts;                 /* counted, the first (warm-up: placement, page faults) left out */
	uint32_t last, best, worst;      /* units per second */
	uint64_t sum;
};
void meter_add(struct meter *m, uint64_t units, uint64_t elapsed_ns);
/* The worst burst in per-cent of the best (100 before two bursts); the mean rate. */
unsigned meter_dip(const struct meter *m);
uint32_t meter_mean(const struct meter *m);

/* ---- the target runtime (rt.c); not built for the host */
#ifndef APPOS_HOST

#include <muon/user.h>

#define APP_MAX_THREADS 32       /* a program's threads in the system file: 1..32 */
#define APP_PROGRESS_MS 30000u   /* progress lines on the console this often */
#define APP_RETRY_MS 1000u       /* a failed server or scheduler is asked again this often */
/* How long a call waits for a server to take it. A server that is gone fails the call at once; this
 * only bounds a server that is alive but busy, and QEMU on a loaded host can stall a CPU for a while. */
#define APP_SEND_TIMEOUT_US 3000000u

extern const struct mu_env *app_env;
void app_set_name(const char *partition, const char *program);   /* "partition/program" on console lines */

void app_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* MU_APP_REPORT to init: status, two values, text (at most 100 bytes; init prefixes it with
 * partition/program). The call's result. */
int app_report(uint32_t status, uint32_t v1, uint32_t v2, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void app_sleep_ms(uint32_t ms);
bool app_due(uint64_t *next_ns, uint32_t every_ms);   /* true once every every_ms, at most */

/*
 * Threads of the program: thread 0 is the one init started (its capability
 * MU_CAP_THREAD); app_thread creates and starts thread idx (1..) running
 * fn(arg) on a stack of its own. Workers must not use stdio (it is neither
 * thread-safe nor given TLS): app_log and app_report are for thread 0.
 */
int app_thread(unsigned idx, void (*fn)(uint32_t), uint32_t arg);
uint32_t app_thread_cap(unsigned idx);
/* Run thread idx through MU_CAP_SCHED on every CPU of the instance at the env's priority: the policy
 * decides. 0 or an error (enum mu_err). */
int app_place(unsigned idx);
unsigned app_cpu(unsigned idx);          /* where it runs now (THREAD_INFO) */
/* A free capability slot for an object of ours, or 0. */
uint32_t app_slot(void);

/*
 * A group of n threads doing the same job: thread 0 (the caller) and n-1
 * created ones, all placed by the scheduler instance. Placement that failed
 * is retried by group_tend, which thread 0 calls from its loop.
 */
struct group {
	unsigned n;
	int place_err[APP_MAX_THREADS];   /* last placement result per thread */
	uint64_t next_retry;
	bool reported_fail;
};
/* Start threads 1..n-1 running fn(idx) and place all n. Returns how many threads run (>= 1). */
unsigned group_start(struct group *g, unsigned n, void (*fn)(uint32_t));
unsigned group_placed(const struct group *g);
/* The start-up report: "N WHAT running", status 0; APP_ESCHED if a thread was not placed. */
void group_report(struct group *g, const char *what);
/* Thread 0's chore: place again what failed (every APP_RETRY_MS), report when that fails and when it heals. */
void group_tend(struct group *g);
/* "CPUs 1,2,3" for the threads' CPUs now, into buf. */
void group_cpus(const struct group *g, char *buf, size_t size);

/*
 * The data path (datapath.c): the shared region `data-ring` holds the uplink ring (we produce) in its
 * first half and the downlink ring (we consume) in its second, in the modem's ring format
 * (modem-stack/ring/ring.h). dp_attach: 0, or a negative enum ring_err (not formatted yet, or corrupt: try
 * again later). dp_put: 0, 1 if the uplink is full, negative if the ring broke. dp_get: the packet's
 * length, 0 if none waits, negative if the ring broke. A broken ring needs dp_attach again (the modem
 * formats it anew when it restarts).
 */
int dp_attach(void *base, uint32_t size);
bool dp_ready(void);
uint32_t dp_mtu(void);
int dp_put(const uint8_t *pkt, uint32_t len);
int dp_get(uint8_t *buf, uint32_t cap);

/* Per-thread working memory of the modes (one mode runs in a program). */
union app_scratch {
	struct work_state work;   /* compute, sensitive, spin */
	uint32_t page[1024];      /* vm: a page of guest memory */
};
extern union app_scratch app_scratch[APP_MAX_THREADS];

/* Modes. */
void mode_compute(void);
void mode_prodcons(void);
void mode_sensitive(void);
void mode_vm(void);
void mode_spin(void);      /* "spin" or a numeric mode */
void mode_dialer(void);
void mode_probe(void);

#endif /* APPOS_HOST */
#endif
