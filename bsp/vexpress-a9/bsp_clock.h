/* The clock for the IPC fast path's switch (sched/switch.h): the A9 global timer, inline. */
#ifndef BSP_CLOCK_H
#define BSP_CLOCK_H
#include "bsp/common/a9_gtimer.h"
#endif
