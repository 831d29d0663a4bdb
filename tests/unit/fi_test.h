/*
 * fi_test.h: typed assertions for the unit tests. Each prints both sides
 * with file and line and marks the test failed; main() returns
 * fi_test_result() so ctest sees the failure.
 */
#ifndef FI_TEST_H
#define FI_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int fi_test_failures;
static int fi_test_checks;

#define FI_FAIL_AT(...)                                                                  \
	do {                                                                             \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                          \
		fprintf(stderr, __VA_ARGS__);                                            \
		fputc('\n', stderr);                                                     \
		fi_test_failures++;                                                      \
	} while (0)

#define CHECK(cond)                                                                      \
	do {                                                                             \
		fi_test_checks++;                                                        \
		if (!(cond))                                                             \
			FI_FAIL_AT("check failed: %s", #cond);                           \
	} while (0)

/* Compares a and b converted to type T, printed with the conversion FMT. */
#define FI_CHECK_EQ_AS(T, fmt, a, b)                                                     \
	do {                                                                             \
		T fi_a_ = (T)(a), fi_b_ = (T)(b);                                        \
		fi_test_checks++;                                                        \
		if (fi_a_ != fi_b_)                                                      \
			FI_FAIL_AT("%s == %s: " fmt " != " fmt, #a, #b, fi_a_, fi_b_);   \
	} while (0)

#define CHECK_INT(a, b)	 FI_CHECK_EQ_AS(long long, "%lld", a, b)
#define CHECK_UINT(a, b) FI_CHECK_EQ_AS(unsigned long long, "%llu", a, b)

#define CHECK_STR(a, b)                                                                  \
	do {                                                                             \
		const char *fi_a_ = (a), *fi_b_ = (b);                                   \
		fi_test_checks++;                                                        \
		if (fi_a_ == NULL || fi_b_ == NULL || strcmp(fi_a_, fi_b_) != 0)         \
			FI_FAIL_AT("%s == %s: \"%s\" != \"%s\"", #a, #b,                 \
				   fi_a_ ? fi_a_ : "(null)", fi_b_ ? fi_b_ : "(null)");  \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                      \
	do {                                                                             \
		const char *fi_h_ = (hay), *fi_n_ = (needle);                            \
		fi_test_checks++;                                                        \
		if (fi_h_ == NULL || strstr(fi_h_, fi_n_) == NULL)                       \
			FI_FAIL_AT("%s contains %s: \"%s\" lacks \"%s\"", #hay, #needle, \
				   fi_h_ ? fi_h_ : "(null)", fi_n_);                     \
	} while (0)

/* Prints a summary and returns the exit status for main(). */
static inline int
fi_test_result(const char *name)
{
	if (fi_test_checks == 0) {
		fprintf(stderr, "%s: no checks ran\n", name);
		return 1;
	}
	fprintf(stderr, "%s: %d checks, %d failed\n", name, fi_test_checks,
		fi_test_failures);
	return fi_test_failures ? 1 : 0;
}

#endif
