/*
 * libFuzzer entry point for the load balancer's policy-file parser
 * (loadbalancer/policy.c). ci/fuzz builds it with clang's
 * -fsanitize=fuzzer,address,undefined and runs it over tests/fuzz/corpus.
 *
 * Beyond "no crash, no sanitizer report", every input must give either an
 * accepted policy that policy_valid() confirms, or an error in range with a
 * "fuzz:" message; anything else aborts, which libFuzzer reports as a crash.
 */
#include "policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(int r, const struct policy *p, unsigned board, const char *msg)
{
	if (r == POLICY_OK) {
		if (!policy_valid(p, board) || msg[0] != '\0')
			abort();
	} else if (r >= 0 || r <= -POLICY_ERRS || strncmp(msg, "fuzz:", 5) != 0) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy p;
	const char *text = (const char *)data;
	char msg[192], tiny[8];
	int r;

	/* The seeds are written for 4 CPUs; a 2-CPU board reaches the CPU checks. */
	r = policy_parse(text, size, "fuzz", 4, &p, msg, sizeof msg);
	check(r, &p, 4, msg);
	r = policy_parse(text, size, "fuzz", 2, &p, msg, sizeof msg);
	check(r, &p, 2, msg);

	/* A short message buffer is cut, NUL-terminated, and gives the same result. */
	memset(tiny, 'X', sizeof tiny);
	if (policy_parse(text, size, "fuzz", 2, &p, tiny, 5) != r || memchr(tiny, '\0', 5) == NULL ||
	    tiny[5] != 'X')
		abort();
	return 0;
}
