/* The kernel's boot tests (ktest.c), run on CPU0 before init when MUON_TESTS is on. */
#ifndef KTEST_H
#define KTEST_H

void ktest_run(void);

#endif
