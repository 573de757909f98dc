/*
 * libFuzzer entry point for the system-file parser (apps/init/sysfile.c).
 * ci/fuzz builds it with clang's -fsanitize=fuzzer,address,undefined and
 * runs it over the configs/ system files and tests/sysfile.
 *
 * Beyond "no crash, no sanitizer report", every input must give either an
 * accepted system that sysfile_valid() confirms, or an error in range with a
 * "fuzz:" message; an accepted system then goes through the checks against a
 * policy (the clients and groups configs/phone.system expects) and against
 * the machine's memory, each of which passes or gives its own error.
 * Anything else aborts, which libFuzzer reports as a crash.
 */
#include "policy.h"
#include "sysfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char policy_text[] =
	"client modem {\ncpus 0\npriorities 200-250\npolicy pinned\nreserve 0\n}\n"
	"client appos {\ncpus 1-3\npriorities 10-100\npolicy balance\n}\n"
	"group vm1 {\nclient appos\npolicy vm\nthreads 2\n}\n"
	"group prodcons {\nclient appos\npolicy together\nthreads 2\n}\n"
	"group sensitive {\nclient appos\npolicy apart\nthreads 2\n}\n";

static bool is_error(int r, int want, const char *msg)
{
	return r == want && strncmp(msg, "fuzz:", 5) == 0;
}

static void check_accepted(const struct system *s, const char *msg)
{
	static struct policy pol;
	static bool have_policy;
	char m[192];
	int r;

	if (!sysfile_valid(s) || msg[0] != '\0')
		abort();
	if (!have_policy) {
		if (policy_parse(policy_text, sizeof policy_text - 1, "p", 4, &pol, NULL, 0) != POLICY_OK)
			abort();
		have_policy = true;
	}
	r = sysfile_check_policy(s, &pol, m, sizeof m);
	if (r != SYSFILE_OK && !is_error(r, SYSFILE_E_POLICY, m))
		abort();
	for (uint32_t total = 1u << 20; total; total <<= 6) {
		r = sysfile_check_quotas(s, total, total, m, sizeof m);
		if (r != SYSFILE_OK && !is_error(r, SYSFILE_E_QUOTA, m))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct system s;
	const char *text = (const char *)data;
	char msg[192], tiny[8];
	int r;

	r = sysfile_parse(text, size, "fuzz", &s, msg, sizeof msg);
	if (r == SYSFILE_OK)
		check_accepted(&s, msg);
	else if (r >= 0 || r <= -SYSFILE_ERRS || strncmp(msg, "fuzz:", 5) != 0)
		abort();

	/* A short message buffer is cut, NUL-terminated, and gives the same result. */
	memset(tiny, 'X', sizeof tiny);
	if (sysfile_parse(text, size, "fuzz", &s, tiny, 5) != r || memchr(tiny, '\0', 5) == NULL ||
	    tiny[5] != 'X')
		abort();
	return 0;
}
