/* The ARM motherboard system registers (sysregs.c), shared by RealView and Versatile Express. */
#ifndef SYSREGS_H
#define SYSREGS_H

#include <stdint.h>

extern volatile uint32_t *sysregs;   /* mapped by bsp_sysregs_init */
void bsp_sysregs_init(void);

#endif
