/*
 * test_err.c: the error record (lib/fi_err.c): the first error set wins,
 * a NULL record is allowed, messages are cut at the record's size, and every
 * code has a name of its own.
 */
#include "fi_err.h"
#include "fi_test.h"

static void
test_record(void)
{
	struct fi_err e;
	char long_text[3 * FI_ERR_MSG_MAX];

	fi_err_clear(&e);
	CHECK_INT(e.code, 0);
	CHECK_STR(e.msg, "");
	CHECK_INT(fi_err_set(&e, FI_EINVAL, "bad %s at %d", "value", 7), FI_EINVAL);
	CHECK_INT(e.code, FI_EINVAL);
	CHECK_STR(e.msg, "bad value at 7");
	/* the first error wins, the code is still returned */
	CHECK_INT(fi_err_set(&e, FI_ERANGE, "later"), FI_ERANGE);
	CHECK_INT(e.code, FI_EINVAL);
	CHECK_STR(e.msg, "bad value at 7");
	fi_err_clear(&e);
	CHECK_INT(fi_err_set(&e, FI_ERANGE, "later"), FI_ERANGE);
	CHECK_STR(e.msg, "later");
	CHECK_INT(fi_err_set(NULL, FI_EIO, "nowhere"), FI_EIO);
	fi_err_clear(NULL);

	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = 0;
	fi_err_clear(&e);
	fi_err_set(&e, FI_ETOOBIG, "%s", long_text);
	CHECK_UINT(strlen(e.msg), FI_ERR_MSG_MAX - 1);
}

static void
test_names(void)
{
	static const int codes[] = {FI_OK,	 FI_EINVAL, FI_ERANGE,	  FI_ENOMEM,
				    FI_EIO,	 FI_EDB,    FI_ENOTFOUND, FI_ETOOBIG,
				    FI_EUNAVAIL, FI_EREDIS, FI_ECONFIG,	  FI_EINTERNAL,
				    FI_EEXIST};
	size_t n = sizeof(codes) / sizeof(codes[0]);

	CHECK_STR(fi_strerror(FI_EINVAL), "invalid input");
	CHECK_STR(fi_strerror(12345), "unknown error");
	for (size_t i = 0; i < n; i++) {
		CHECK(strcmp(fi_strerror(codes[i]), "unknown error") != 0);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(fi_strerror(codes[i]), fi_strerror(codes[j])) != 0);
	}
}

int
main(void)
{
	test_record();
	test_names();
	return fi_test_result("test_err");
}
