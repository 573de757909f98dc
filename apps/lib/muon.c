/* User runtime: console stream for picolibc's stdio, exit, the object helpers of user.h. */
#include <stdio.h>
#include <string.h>
#include <muon/user.h>

uint32_t mu_start_arg;

int mu_console_write(const char *s, uint32_t n)
{
	struct mu_utcb *u = mu_utcb();
	if (n > MU_CONSOLE_MAX)
		n = MU_CONSOLE_MAX;
	u->mr[0] = n;
	memcpy(&u->mr[1], s, n);
	return mu_invoke(MU_CAP_CONSOLE, MU_TAG(MU_CONSOLE_WRITE, 1 + (n + 3) / 4), 0);
}

void mu_exit(int status)
{
	/* Tell the parent, if there is one; it may end the task right here. */
	mu_utcb()->mr[0] = (uint32_t)status;
	mu_ipc(MU_CAP_PARENT, MU_TAG(MU_LABEL_EXIT, 1), MU_SEND | MU_RECV, MU_TIMEOUT_NEVER, 0, 0);
	mu_utcb()->mr[0] = (uint32_t)status;
	mu_invoke(MU_CAP_THREAD, MU_TAG(MU_THREAD_EXIT, 1), 0);
	for (;;)
		;
}

int mu_factory_create(uint32_t factory, uint32_t type, uint32_t slot, uint32_t a, uint32_t b)
{
	uint32_t *m = mr();
	m[0] = type; m[1] = slot; m[2] = a; m[3] = b;
	return mu_invoke(factory, MU_TAG(MU_FACTORY_CREATE, 4), 0);
}

int mu_bind(uint32_t obj, uint32_t op, uint32_t thread, uint32_t label)
{
	mr()[0] = thread; mr()[1] = label;
	return mu_invoke(obj, MU_TAG(op, 2), 0);
}

int mu_thread_control(uint32_t thread, uint32_t pager, uint32_t exc_handler)
{
	mr()[0] = pager; mr()[1] = exc_handler;
	return mu_invoke(thread, MU_TAG(MU_THREAD_CONTROL, 2), 0);
}

int mu_thread_start(uint32_t thread, void (*fn)(uint32_t), void *stack_top, uint32_t arg, uint32_t prio)
{
	uint32_t *m = mr();
	m[0] = (uint32_t)fn; m[1] = (uint32_t)stack_top; m[2] = arg; m[3] = prio;
	return mu_invoke(thread, MU_TAG(MU_THREAD_START, 4), 0);
}

int mu_delete_cap(uint32_t slot)
{
	uint32_t *m = mr();
	m[0] = MU_ITEM_CAP; m[1] = slot; m[2] = 0; m[3] = 1;
	return mu_invoke(MU_CAP_TASK, MU_TAG(MU_TASK_UNMAP, 4), 0);
}

uint64_t mu_clock_ns(void)
{
	if (mu_invoke(MU_CAP_THREAD, MU_TAG(MU_THREAD_CLOCK, 0), 0) != MU_OK)
		return 0;
	return mr()[0] | (uint64_t)mr()[1] << 32;
}

/*
 * picolibc's own _set_tls writes TPIDRURO, which user mode cannot; the
 * kernel sets it for us. The ARM TLS ABI puts an 8-byte TCB before the block.
 */
void _set_tls(void *tls)
{
	mu_utcb()->mr[0] = (uint32_t)tls - 8;
	mu_invoke(MU_CAP_THREAD, MU_TAG(MU_THREAD_SET_TLS, 1), 0);
}

/* stdout: a line buffer flushed on newline or when full. */
static char line[MU_CONSOLE_MAX];
static uint32_t line_len;

static int flush(FILE *f)
{
	(void)f;
	if (line_len)
		mu_console_write(line, line_len);
	line_len = 0;
	return 0;
}

static int put(char c, FILE *f)
{
	line[line_len++] = c;
	if (c == '\n' || line_len == sizeof(line))
		flush(f);
	return (unsigned char)c;
}

static FILE console = FDEV_SETUP_STREAM(put, NULL, flush, _FDEV_SETUP_WRITE);
FILE *const stdout = &console;
FILE *const stderr = &console;
FILE *const stdin = &console;
