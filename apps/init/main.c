/*
 * init. For now it runs one of the boot tests' user scenarios, chosen by the
 * argument the kernel passes: 0 prints through picolibc's printf and exits
 * with the length of what it printed, 1 executes an undefined instruction,
 * 2 loads from an unmapped address. The kernel judges how each one ended.
 */
#include <stdio.h>
#include <string.h>
#include <muon/user.h>

/* An address no segment maps; volatile so the compiler keeps the load. */
static volatile uintptr_t unmapped = 0x10;

int main(void)
{
	char msg[64];
	switch (mu_start_arg) {
	case 0:
		snprintf(msg, sizeof(msg), "init: hello from user mode, %d + %d = %d", 20, 22, 20 + 22);
		puts(msg);
		return (int)strlen(msg) + 2;   /* 42 only if printf formatted right */
	case 1:
		__asm__ volatile(".word 0xe7f000f0");   /* permanently undefined */
		break;
	case 2:
		return *(volatile int *)unmapped;
	}
	return -1;
}
