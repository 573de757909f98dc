/*
 * The i.MX UART (i.MX6 reference manual, chapter "UART"), polled: the kernel
 * console and debug input. The boot loader has set the baud rate; the kernel
 * only makes sure the UART, its transmitter and its receiver are on.
 */
#include <stdint.h>
#include "bsp/bsp.h"

#define URXD     0x00
#define RX_DATA  0xffu
#define UTXD     0x40
#define UCR1     0x80
#define UCR1_UARTEN (1u << 0)
#define UCR1_RRDYEN (1u << 9)    /* RX FIFO above its trigger level */
#define UCR1_TRDYEN (1u << 13)   /* TX FIFO below its trigger level */
#define UCR2     0x84
#define UCR2_SRST (1u << 0)      /* writing 0 resets the UART: always written as 1 */
#define UCR2_RXEN (1u << 1)
#define UCR2_TXEN (1u << 2)
#define UCR4     0x8c
#define UCR4_DREN (1u << 0)      /* receive data ready: asserted while a byte waits */
#define USR2     0x98
#define USR2_RDR (1u << 0)
#define UTS      0xb4
#define UTS_TXFULL (1u << 4)

static volatile uint32_t *uart;

static inline volatile uint32_t *reg(unsigned off) { return uart + off / 4; }

void bsp_uart_init(uintptr_t va)
{
	uart = (volatile uint32_t *)va;
	*reg(UCR2) |= UCR2_SRST | UCR2_RXEN | UCR2_TXEN;
	*reg(UCR1) |= UCR1_UARTEN;
}

void bsp_uart_putc(char c)
{
	if (!uart)
		return;
	while (*reg(UTS) & UTS_TXFULL)
		;
	*reg(UTXD) = (uint8_t)c;
}

int bsp_uart_getc(void)
{
	if (!uart || !(*reg(USR2) & USR2_RDR))
		return -1;
	return (int)(*reg(URXD) & RX_DATA);
}

/* One level interrupt while data waits; the FIFO-level ones stay off. */
void bsp_uart_rx_irq(void)
{
	if (!uart)
		return;
	*reg(UCR1) &= ~(UCR1_RRDYEN | UCR1_TRDYEN);
	*reg(UCR4) |= UCR4_DREN;
}
