/* Versatile Express A9x4: the fallback table when no DTB is passed. */
#include "bsp.h"

const struct bsp_board bsp_board = {
	.name = "vexpress-a9",
	.ram_base = 0x60000000, .ram_size = 128u << 20,
	.ncpus = 4,
	.uart_pa = 0x10009000,
	.gicd_pa = 0x1e001000, .gicc_pa = 0x1e000100,
	.twd_pa = 0x1e000600, .timer_irq = 29, .timer_hz = 100000000,
};
