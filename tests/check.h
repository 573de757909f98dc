/*
 * A header-only unit test framework for the host tests.
 *
 * A test case is a void function without arguments. RUN(fn) runs it and
 * prints exactly one line, "PASS fn" or "FAIL fn: file:line: reason"; the
 * first failed CHECK ends the case (it returns from the function it is in,
 * so helpers that check should return a value the case checks in turn).
 * check_summary() prints "N passed, N failed" and gives main's exit status.
 *
 *     static void test_sum(void) { CHECK_EQ(1 + 1, 2); }
 *     int main(void) { RUN(test_sum); return check_summary(); }
 */
#ifndef MUON_CHECK_H
#define MUON_CHECK_H

#include <stdarg.h>
#include <stdio.h>

struct check_state {
	int passed, failed;
	int case_failed;   /* the running case has failed */
	char reason[512];  /* why, with file:line */
};

/* One instance per test program, without a global in a header. */
static inline struct check_state *check_state(void)
{
	static struct check_state s;
	return &s;
}

/* Records only the first failure of a case: later ones are consequences. */
static inline void check_fail_(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void check_fail_(const char *file, int line, const char *fmt, ...)
{
	struct check_state *s = check_state();
	va_list ap;
	int n;

	if (s->case_failed)
		return;
	s->case_failed = 1;
	n = snprintf(s->reason, sizeof s->reason, "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= sizeof s->reason)
		return;
	va_start(ap, fmt);
	vsnprintf(s->reason + n, sizeof s->reason - (size_t)n, fmt, ap);
	va_end(ap);
}

static inline void check_run_(const char *name, void (*fn)(void))
{
	struct check_state *s = check_state();

	s->case_failed = 0;
	fn();
	if (s->case_failed) {
		s->failed++;
		printf("FAIL %s: %s\n", name, s->reason);
	} else {
		s->passed++;
		printf("PASS %s\n", name);
	}
	fflush(stdout);
}

static inline int check_summary(void)
{
	struct check_state *s = check_state();

	printf("%d passed, %d failed\n", s->passed, s->failed);
	return s->failed != 0;
}

#define RUN(fn) check_run_(#fn, fn)

/* Fails the case with a printf-style reason and returns from the function. */
#define CHECK_MSG(cond, ...)                                   \
	do {                                                   \
		if (!(cond)) {                                 \
			check_fail_(__FILE__, __LINE__, __VA_ARGS__); \
			return;                                \
		}                                              \
	} while (0)

#define CHECK(cond) CHECK_MSG(cond, "%s", #cond)

/* Integer equality that shows both values (as signed and as hex). */
#define CHECK_EQ(a, b)                                                          \
	do {                                                                    \
		unsigned long long a_ = (unsigned long long)(a);                \
		unsigned long long b_ = (unsigned long long)(b);                \
		CHECK_MSG(a_ == b_, "%s == %s: %lld (0x%llx) != %lld (0x%llx)", \
			  #a, #b, (long long)a_, a_, (long long)b_, b_);        \
	} while (0)

#endif /* MUON_CHECK_H */
