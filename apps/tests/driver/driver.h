/* What the files of init's test driver share (boot.c, systests.c, bench.c); built with MUON_TESTS only. */
#ifndef MUON_DRIVER_H
#define MUON_DRIVER_H

#include <stdint.h>

void result(const char *name, const char *fail);   /* `TEST PASS name` or `TEST FAIL name: fail`, counted */
void system_tests(void);                           /* systests.c: once the system is up */
void system_bench(unsigned load, uint32_t ttis);   /* bench.c: the modem's figures under a load */

#endif
