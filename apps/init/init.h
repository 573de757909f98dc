/* What init's parts share: main.c (boot tests, the balancer), system.c (partitions, console). */
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

/* system.c: build the system file's partitions, test them, then serve the console. */
unsigned system_run(const char *file, bool tests);
void console_claim(void);   /* the console's interrupt object, before anyone else takes it */
void console_loop(void);
void system_bench(unsigned load, uint32_t ttis);   /* ci/bench: the modem's figures under a load */

#endif
