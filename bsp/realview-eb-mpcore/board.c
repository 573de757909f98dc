/* RealView EB with ARM11MPCore: the fallback table when no DTB is passed. */
#include "bsp/bsp.h"

const struct bsp_board bsp_board = {
	.name = "realview-eb-mpcore",
	.ram_base = 0x00000000, .ram_size = 128u << 20,
	.ncpus = 4,
	.uart_pa = 0x10009000,
	.gicd_pa = 0x10101000, .gicc_pa = 0x10100100,
	.twd_pa = 0x10100600, .timer_irq = 29, .timer_hz = 100000000,
	.uart_irq = 36,
};
