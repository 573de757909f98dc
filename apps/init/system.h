/*
 * init's system builder (system.c), as the parts of init that run inside the
 * built system see it: the test driver (apps/tests/driver/, MUON_TESTS) reads
 * the programs' reports and kills and rebuilds partitions through this.
 */
#ifndef MUON_INIT_SYSTEM_H
#define MUON_INIT_SYSTEM_H

#include <stdbool.h>
#include <stdint.h>
#include "sysfile.h"
#include "policy.h"

/* init's slots for the system. */
enum {
	P_TASK = 56,      /* program k: task 56 + 2k, thread 57 + 2k (k < 16) */
	P_GATE = 88,      /* the services' gates, in the order they are made (up to 24) */
	P_FACTORY = 112,  /* partition i's factory: 112 + i */
	S_INST = 120, S_OBJ = 121, S_FACT = 122,
	S_HOG = 124,      /* the test driver's factory holding the memory a restart needs (restart_retry) */
	P_INST = 16,      /* program k's balancer instance: 16 + k (the boot tests' slots, free by now) */
};
#define MAX_PROGS 16
#define MAX_GATES 24
#define SHARED_VA 0x40000000u   /* init's view of shared region r: SHARED_VA + r * 1 MiB */
#define REGION_VA 0x30100000u   /* a program's view of its regions: one after the other from here */
#define STACK_TOP 0x7ff00000u
#define PROG_UTCB 0x7fff0000u
#define PARENT_LABEL 0x4000u    /* a program's reports come through a gate labelled 0x4000 + k */
#define NO_SLOT 0xffu

struct prog {
	const struct sysfile_program *sp;
	unsigned part;
	bool up;                    /* its task exists */
	int inst;                   /* its balancer instance id, or -1 */
	uint32_t reports, status, v1, v2;
	char text[104];
	uint32_t slots[2];          /* slots 0..63 installed in it, for the isolation check */
	bool ended;
	unsigned n_clients;         /* the gates it holds as a client: its slot and the gate's index */
	uint8_t client_slot[SYSFILE_MAX_GRANTS], client_gate[SYSFILE_MAX_GRANTS];
};
struct gate_rec { unsigned prog, service; uint32_t label; };

/* The system as built (init's thread only: init is single-threaded). */
extern struct system sys;
extern struct policy pol;
extern unsigned ncpus;
extern struct prog progs[MAX_PROGS];
extern unsigned nprogs;
extern struct gate_rec gates[MAX_GATES];
extern unsigned ngates;
extern bool part_up[SYSFILE_MAX_PARTITIONS];      /* built: its programs were made */
extern bool part_fact[SYSFILE_MAX_PARTITIONS];    /* its factory exists (slot P_FACTORY + i) */
extern bool part_want[SYSFILE_MAX_PARTITIONS];    /* a restart failed: it is tried again at part_retry_at */
extern uint32_t root_used_before[SYSFILE_MAX_PARTITIONS];   /* our quota used before it was built */
extern uint32_t modem_ctl, at_gate, data_gate;    /* init's own clients of the modem (NO_SLOT: none) */

static inline uint32_t thread_of(unsigned k) { return P_TASK + 2 * k + 1; }

int find_part(const char *name);    /* partition index, or -1 */
int find_prog(const char *name);    /* program index, or -1 */
bool start_partition(unsigned i);   /* its factory and the tasks of its programs */
bool start_partition_programs(unsigned i);
void kill_partition(unsigned i);    /* its tasks, gates, balancer instances and memory */
uint32_t partition_used(unsigned i);   /* bytes still charged to its factory */
void free_partition(unsigned i);    /* kill_partition, then its factory */
bool build_partition(unsigned i);   /* false: it is tried again later (supervise) */
void supervise(void);               /* the restart policies, applied */
void serve_for(uint32_t ms);        /* serve the programs' reports for ms milliseconds */
bool all_reported(unsigned part);
bool wait_reports(unsigned part, unsigned ms);
#define MODEM_STATS_WORDS 12
int modem_stats(uint32_t *v);       /* MODEM_STATS into v[0..MODEM_STATS_WORDS) (muon/modem.h): 0, or -1 without a modem */

#endif
