/*
 * What a board provides. Each bsp/<board>/board.c defines bsp_board (the
 * fallback description used when no valid device tree arrives in r2) and
 * bsp_start_cpu (how that board releases a secondary CPU); bsp/<board>/board.cmake
 * lists its sources (MUON_BSP_SRC): board.c, the console UART's driver and the shared files it uses.
 */
#ifndef BSP_H
#define BSP_H

#include <stdbool.h>
#include <stdint.h>

struct bsp_board {
	const char *name;
	uint64_t ram_base, ram_size;
	unsigned ncpus;
	uint64_t uart_pa;
	uint64_t gicd_pa, gicc_pa;
	uint64_t twd_pa;         /* private timer block; 0 with the generic timer */
	unsigned timer_irq;      /* the per-CPU timer's PPI as a GIC interrupt ID */
	uint32_t timer_hz;       /* private timer input clock (bsp_init may measure it instead) */
	unsigned uart_irq;       /* the console UART's interrupt ID (console input) */
	bool cpu_power;          /* secondaries can be powered off and on again (PSCI) */
};

extern const struct bsp_board bsp_board;

/* Release (or power on again) secondary CPU `cpu` (MPIDR Aff0) to enter at physical
 * entry_pa: 0, or the firmware's error code (nonzero while the CPU is still on its way off). */
int bsp_start_cpu(unsigned cpu, uint32_t entry_pa);
/* Power this CPU off (with cpu_power); returns only if the firmware refused. */
void bsp_cpu_off(void);
/* Monotonic time in nanoseconds from a board clock that runs on every CPU. */
uint64_t bsp_clock_ns(void);
/* Time since reset in nanoseconds (the boot measurement); may be coarse. */
uint64_t bsp_uptime_ns(void);
/* Board setup once the platform is known, before the timers and the other CPUs: starts
 * the clock, and may set platform.timer_hz from a measurement. */
void bsp_init(void);

/* The console UART, polled: bsp/common/pl011.c or imx_uart.c (named in the board's MUON_BSP_SRC). */
void bsp_uart_init(uintptr_t va);
void bsp_uart_putc(char c);
int bsp_uart_getc(void);   /* -1 when nothing is waiting */
void bsp_uart_rx_irq(void); /* interrupt when input arrives (it stays asserted until drained by getc) */

/* The Cortex-A9 global timer as the clock (bsp/common/a9_gtimer.c): started at the
 * private region the TWD sits in, its rate set once known. */
void a9_gtimer_start(void);
uint64_t a9_gtimer_ticks(void);
void a9_gtimer_set_rate(uint32_t hz);

#endif
