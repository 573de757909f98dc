/*
 * The console object beyond MU_CONSOLE_WRITE: input typed on the serial
 * line, and the trace buffer (MU_CONSOLE_TRACE, MU_CONSOLE_TRACE_DUMP).
 * Input arrives by the UART's receive interrupt (routed to CPU0, like every
 * shared interrupt) into a ring; a read drains the UART as well, so
 * nothing depends on which CPU takes the interrupt. New input notifies the
 * MU_IRQ_CONSOLE object's thread (init), which reads at once instead of
 * polling. When the ring is full, input is dropped from there on until the
 * reader has emptied the ring and then up to the end of a line; the read
 * that empties the ring says how many bytes were lost (mr[MU_CONSOLE_LOST]).
 * So a loss is a gap at a known place in the stream, and what follows it
 * starts a line: the reader drops the piece of a line it holds and never
 * joins pieces of two lines. In a MUON_KDEBUG build the KDB_KEY byte enters the debug console
 * instead of the ring.
 */
#include "kernel/kernel.h"
#include "kernel/thread.h"
#include "kernel/irq.h"
#include "bsp/bsp.h"
#include "arch/arm/gic.h"
#include "kernel/console.h"
#include "kernel/kdb.h"
#include "kernel/trace.h"

#define IN_SIZE 4096   /* a power of two */

static spinlock_t in_lock;
static char in_buf[IN_SIZE];       /* guarded by in_lock */
static uint32_t in_head, in_tail;  /* guarded by in_lock: bytes in, bytes out */
static uint32_t in_lost;           /* guarded by in_lock: bytes dropped and not yet reported, */
static uint32_t in_gap_at;         /* guarded by in_lock: ... which were between byte in_gap_at - 1 and it */
static enum { KEEP, DROP_TO_EMPTY, DROP_TO_LINE_END } in_drop;   /* guarded by in_lock */
static bool in_dropped_eol;        /* guarded by in_lock: the last byte dropped ended a line */

void console_init(void)
{
	bsp_uart_rx_irq();
	if (bsp_board.uart_irq)
		gic_enable(bsp_board.uart_irq);
}

/*
 * A byte that finds the ring full starts a gap at in_head: input is dropped
 * until the reader has taken everything before the gap, and then up to a
 * line end (unless the last byte dropped ended one). If the ring fills again before the reader reached the gap, what
 * came after the gap is dropped too (the reader never took any of it), so
 * there is only ever one gap to report.
 */
static void drop(int ch)
{
	if (in_drop == KEEP) {
		if (in_lost) {
			in_lost += in_head - in_gap_at;
			in_head = in_gap_at;
		} else {
			in_gap_at = in_head;
		}
		in_drop = DROP_TO_EMPTY;
	} else if (in_drop == DROP_TO_LINE_END && (ch == '\r' || ch == '\n')) {
		in_drop = KEEP;
	}
	in_dropped_eol = ch == '\r' || ch == '\n';
	in_lost++;
}

/* Move what the UART holds into the ring (dropping as above); *got: anything came. */
static bool drain(bool *got)
{
	bool key = false;
	int ch;
	spin_lock(&in_lock);
	while ((ch = bsp_uart_getc()) >= 0) {
		*got = true;
		if (MUON_KDEBUG && ch == KDB_KEY) {
			key = true;
		} else if (in_drop != KEEP || in_head - in_tail == IN_SIZE) {
			drop(ch);
		} else {
			in_buf[in_head++ % IN_SIZE] = (char)ch;
		}
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
	uint32_t end = in_lost ? in_gap_at : in_head;   /* up to the gap, which is then reported */
	while (n < MU_CONSOLE_MAX && in_tail != end)
		buf[n++] = in_buf[in_tail++ % IN_SIZE];
	if (in_lost && in_tail == in_gap_at) {
		lost = in_lost;
		in_lost = 0;
		if (in_drop == DROP_TO_EMPTY)   /* what follows the gap must start a line */
			in_drop = in_dropped_eol ? KEEP : DROP_TO_LINE_END;
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
