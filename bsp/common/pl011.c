/* PL011 UART, polled: the kernel console and debug input. */
#include <stdint.h>
#include "bsp/bsp.h"

#define UARTDR   0x00
#define UARTFR   0x18
#define FR_TXFF  (1u << 5)
#define FR_RXFE  (1u << 4)
#define UARTIMSC 0x38
#define IM_RX    (1u << 4)
#define IM_RT    (1u << 6)   /* receive timeout: fewer bytes than the FIFO level wait */

static volatile uint32_t *uart;

static inline volatile uint32_t *reg(unsigned off) { return uart + off / 4; }

void bsp_uart_init(uintptr_t va) { uart = (volatile uint32_t *)va; }

void bsp_uart_putc(char c)
{
	if (!uart)
		return;
	while (*reg(UARTFR) & FR_TXFF)
		;
	*reg(UARTDR) = (uint8_t)c;
}

int bsp_uart_getc(void)
{
	if (!uart || (*reg(UARTFR) & FR_RXFE))
		return -1;
	return (int)(*reg(UARTDR) & 0xff);
}

void bsp_uart_rx_irq(void)
{
	if (uart)
		*reg(UARTIMSC) |= IM_RX | IM_RT;
}
