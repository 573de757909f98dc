/* User runtime: console stream for picolibc's stdio, exit. */
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
