/* What init's parts share: main.c (the pool, loader, balancer), system.c (partitions, console),
 * and with MUON_TESTS the test driver (apps/tests/driver/). */
#ifndef MUON_INIT_H
#define MUON_INIT_H

#include <stdbool.h>
#include <stdint.h>
#include <muon/user.h>

extern uint32_t archive_bytes;   /* the module archive at MU_BOOT_MODULE_VA */
extern bool lb_up;
#define LB_THREAD_SLOT 42   /* the balancer's thread, in our table (main.c: LB_BASE + 1) */

uint32_t quota_used(uint32_t factory);
/* User memory: init's pool of pages from sigma0, each charged to an owner (main.c). */
enum { OWNER_FREE, OWNER_LOST, OWNER_TESTS, OWNER_LB, OWNER_PART0, OWNER_MAX = OWNER_PART0 + 8 };
int give_page(unsigned owner, uint32_t task, uint32_t va, unsigned prot, const uint8_t *src, uint32_t off,
	      uint32_t n);
uint32_t load(unsigned owner, uint32_t task, const uint8_t *img, uint32_t size);
void pages_free(unsigned owner);
bool pages_commit(unsigned owner, uint32_t n);      /* up to n pages for owner, in the pool now */
uint32_t pages_charged(unsigned owner);
uint32_t pages_pooled(void);                        /* pages the pool took from sigma0 */
uint32_t sigma0_left(void);
const uint8_t *module(uint32_t archive_size, const char *name, uint32_t *size);
int start_balancer(const char *policy_module);
int lb_call(uint32_t label, uint32_t words);
int lb_open(const char *name, uint32_t slot);
/* A task of program img (r0 = arg) from factory into slots base..base+3 (task, thread, factory with
 * quota bytes, a gate to us with label: its exit and exception reports), with sched as its Scheduler. */
int spawn(unsigned owner, uint32_t base, uint32_t factory, const uint8_t *img, uint32_t size, uint32_t arg,
	  uint32_t label, uint32_t sched, uint32_t quota, uint32_t prio, const uint8_t *data, uint32_t data_len);

/* system.c: build the system file's partitions, then serve the console. system_run: NULL once
 * the system is up, else why not, with *test the boot test that reports it. */
const char *system_run(const char *file, const char **test);
void console_claim(void);   /* the console's interrupt object, before anyone else takes it */
__attribute__((noreturn)) void console_loop(void);

/* apps/tests/driver/ (MUON_TESTS): the boot tests, then the system and its tests, TEST DONE. */
void tests_main(void);

#endif
