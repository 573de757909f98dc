/*
 * The console object beyond MU_CONSOLE_WRITE: input typed on the serial
 * line, and the trace buffer (MU_CONSOLE_TRACE, MU_CONSOLE_TRACE_DUMP).
 * Input arrives by the UART's receive interrupt (routed to CPU0, like every
 * shared interrupt) into a ring; a read drains the UART as well, so
 * nothing depends on which CPU takes the interrupt. New input notifies the
 * MU_IRQ_CONSOLE object's thread (init), which reads at once instead of
 * polling. When the ring is full, input is dropped from there on until the
 * reader has emptied the ring, and that read says how many bytes were lost
 * (mr[MU_CONSOLE_LOST]): the loss is one gap at a known place in the
 * stream, so the reader can drop the lines it cut instead of merging the
 * pieces. In a MUON_KDEBUG build the KDB_KEY byte enters the debug console
 * instead of the ring.
 */
#include "kernel.h"
#include "thread.h"
#include "bsp.h"
#include "gic.h"
#include "console.h"
#include "kdb.h"
#include "trace.h"

#define IN_SIZE 4096   /* a power of two */

static spinlock_t in_lock;
static char in_buf[IN_SIZE];       /* guarded by in_lock */
static uint32_t in_head, in_tail;  /* guarded by in_lock: bytes in, bytes out */
static uint32_t in_lost;           /* guarded by in_lock: bytes dropped since the ring was last full */

void console_init(void)
{
	bsp_uart_rx_irq();
	if (bsp_board.uart_irq)
		gic_enable(bsp_board.uart_irq);
}

/* Move what the UART holds into the ring (dropping bytes while it is or was full); *got: anything came. */
static bool drain(bool *got)
{
	bool key = false;
	int ch;
	spin_lock(&in_lock);
	while ((ch = bsp_uart_getc()) >= 0) {
		*got = true;
		if (MUON_KDEBUG && ch == KDB_KEY)
			key = true;
		else if (in_head - in_tail < IN_SIZE && !in_lost)
			in_buf[in_head++ % IN_SIZE] = (char)ch;
		else
			in_lost++;
	}
	spin_unlock(&in_lock);
	return key;
}

/* From irq_dispatch: true if id is the console's interrupt. */
bool console_irq(unsigned id)
{
	bool got = false;
	if (id != bsp_board.uart_irq || !id)
		return false;
	if (drain(&got))
		kdb_enter();
	if (got)
		irq_signal(id);
	return true;
}

static int console_read(uint32_t *mr)
{
	char buf[MU_CONSOLE_MAX];
	uint32_t n = 0, lost = 0;
	bool got = false;
	if (drain(&got))
		kdb_enter();
	spin_lock(&in_lock);
	while (n < MU_CONSOLE_MAX && in_tail != in_head)
		buf[n++] = in_buf[in_tail++ % IN_SIZE];
	if (in_tail == in_head) {   /* the gap comes after the last byte taken: report it, take input again */
		lost = in_lost;
		in_lost = 0;
	}
	spin_unlock(&in_lock);
	mr[0] = n;
	kmemcpy(&mr[1], buf, n);
	mr[MU_CONSOLE_LOST] = lost;
	return MU_OK;
}

/* Console labels other than MU_CONSOLE_WRITE; rights and sizes are checked already (muon/ops.h). */
int console_op(struct thread *t, uint32_t tag)
{
	uint32_t *mr = t->utcb->mr;
	switch (MU_TAG_LABEL(tag)) {
	case MU_CONSOLE_READ:
		return console_read(mr);
	case MU_CONSOLE_TRACE:
		if (!MUON_TRACE)
			return MU_ENOSYS;
		if (mr[0] < MU_TRACE_USER || mr[0] > MU_TRACE_MAX)
			return MU_EINVAL;
		trace(mr[0], mr[1], mr[2]);
		return MU_OK;
	case MU_CONSOLE_TRACE_DUMP:
		if (!MUON_TRACE)
			return MU_ENOSYS;
		if (MU_TAG_WORDS(tag) >= 1 && mr[0] > 1)
			return MU_EINVAL;
		return trace_dump(MU_TAG_WORDS(tag) == 0 || mr[0] == 0, &mr[0]);
	default:
		return MU_ENOSYS;
	}
}
