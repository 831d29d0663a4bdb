/*
 * test_num.c: bounded number parsing (the buffers are test_buf.c).
 */
#include <stdlib.h>

#include "fi_buf.h"
#include "fi_err.h"
#include "fi_num.h"
#include "fi_test.h"

static struct fi_str
s(const char *p)
{
	return (struct fi_str){p, strlen(p)};
}

static void
test_numbers(void)
{
	uint64_t u = 42;
	int64_t i = 42;

	CHECK_INT(fi_num_u64(s("0"), 0, 10, &u), 0);
	CHECK_UINT(u, 0);
	CHECK_INT(fi_num_u64(s("18446744073709551615"), 0, UINT64_MAX, &u), 0);
	CHECK_UINT(u, UINT64_MAX);
	CHECK_INT(fi_num_u64(s("18446744073709551616"), 0, UINT64_MAX, &u), FI_ERANGE);
	CHECK_INT(fi_num_u64(s("11"), 0, 10, &u), FI_ERANGE);
	CHECK_INT(fi_num_u64(s(""), 0, 10, &u), FI_EINVAL);
	CHECK_INT(fi_num_u64(s("-1"), 0, 10, &u), FI_EINVAL);
	CHECK_INT(fi_num_u64(s("+1"), 0, 10, &u), FI_EINVAL);
	CHECK_INT(fi_num_u64(s(" 1"), 0, 10, &u), FI_EINVAL);
	CHECK_INT(fi_num_u64(s("1 "), 0, 10, &u), FI_EINVAL);
	CHECK_INT(fi_num_u64(s("1e3"), 0, 10000, &u), FI_EINVAL);
	CHECK_INT(fi_num_u64((struct fi_str){"123", 2}, 0, 1000, &u), 0);
	CHECK_UINT(u, 12);
	CHECK_INT(fi_num_i64(s("-9223372036854775808"), INT64_MIN, INT64_MAX, &i), 0);
	CHECK(i == INT64_MIN);
	CHECK_INT(fi_num_i64(s("9223372036854775808"), INT64_MIN, INT64_MAX, &i),
		  FI_ERANGE);
	CHECK_INT(fi_num_i64(s("-5"), -10, 10, &i), 0);
	CHECK_INT(i, -5);
	CHECK_INT(fi_num_i64(s("-"), -10, 10, &i), FI_EINVAL);
	CHECK_INT(fi_num_u64_hexdec(s("0x0303"), 0, 65535, &u), 0);
	CHECK_UINT(u, 0x303);
	CHECK_INT(fi_num_u64_hexdec(s("0X1f"), 0, 65535, &u), 0);
	CHECK_UINT(u, 31);
	CHECK_INT(fi_num_u64_hexdec(s("443"), 0, 65535, &u), 0);
	CHECK_UINT(u, 443);
	CHECK_INT(fi_num_u64_hexdec(s("0x"), 0, 65535, &u), FI_EINVAL);
	CHECK_INT(fi_num_u64_hexdec(s("0x10000"), 0, 65535, &u), FI_ERANGE);
	CHECK_INT(fi_num_u64_prefix("0012-name.sql", &u), 0);
	CHECK_UINT(u, 12);
	CHECK_INT(fi_num_u64_prefix("name.sql", &u), FI_EINVAL);
}

int
main(void)
{
	test_numbers();
	return fi_test_result("test_num");
}
