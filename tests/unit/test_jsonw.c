/*
 * test_jsonw.c: the JSON writer: separators at every nesting level, string
 * escaping (quotes, backslashes, control and non-ASCII bytes), 128-bit
 * numbers, the sticky error for misuse and for the buffer's cap.
 */
#include "fi_err.h"
#include "fi_jsonw.h"
#include "fi_test.h"

/* Starts w writing into b, empty, of at most max bytes (0: the default cap). */
static void
jw_start(struct fi_buf *b, struct fi_jsonw *w, size_t max)
{
	fi_buf_init(b, max);
	fi_jsonw_init(w, b);
}

static void
test_nesting(void)
{
	struct fi_buf b;
	struct fi_jsonw w;

	jw_start(&b, &w, 0);
	fi_jsonw_obj_begin(&w);
	fi_jsonw_key(&w, "a");
	fi_jsonw_arr_begin(&w);
	fi_jsonw_int(&w, -1);
	fi_jsonw_uint(&w, 18446744073709551615ULL);
	fi_jsonw_obj_begin(&w);
	fi_jsonw_obj_end(&w);
	fi_jsonw_arr_begin(&w);
	fi_jsonw_arr_end(&w);
	fi_jsonw_null(&w);
	fi_jsonw_bool(&w, 1);
	fi_jsonw_bool(&w, 0);
	fi_jsonw_arr_end(&w);
	fi_jsonw_key(&w, "b");
	fi_jsonw_obj_begin(&w);
	fi_jsonw_key(&w, "c");
	fi_jsonw_i128(&w, (__int128)1 << 100);
	fi_jsonw_key(&w, "d");
	fi_jsonw_i128(&w, -((__int128)1 << 100));
	fi_jsonw_obj_end(&w);
	fi_jsonw_obj_end(&w);
	CHECK_INT(fi_jsonw_error(&w), 0);
	CHECK_STR(b.data, "{\"a\":[-1,18446744073709551615,{},[],null,true,false],"
			  "\"b\":{\"c\":1267650600228229401496703205376,"
			  "\"d\":-1267650600228229401496703205376}}");
	fi_buf_fini(&b);
}

/* numbers across the 64-bit boundary; keys escaped or long */
static void
test_wide(void)
{
	struct fi_buf b;
	struct fi_jsonw w;
	const char *long_key =
	    "k123456789012345678901234567890123456789012345678901234567890123";

	jw_start(&b, &w, 0);
	fi_jsonw_obj_begin(&w);
	fi_jsonw_key(&w, "e\"q");
	fi_jsonw_i128(&w, (__int128)10000000000000000000ULL);
	fi_jsonw_key(&w, long_key);
	fi_jsonw_i128(&w, (__int128)UINT64_MAX + 1);
	fi_jsonw_key(&w, "z");
	fi_jsonw_i128(&w, -((__int128)10000000000000000000ULL * 10000000000000000000ULL));
	fi_jsonw_obj_end(&w);
	CHECK_INT(fi_jsonw_error(&w), 0);
	CHECK_STR(b.data,
		  "{\"e\\\"q\":10000000000000000000,"
		  "\"k123456789012345678901234567890123456789012345678901234567890123\":"
		  "18446744073709551616,\"z\":-100000000000000000000000000000000000000}");
	fi_buf_fini(&b);
}

static void
test_escape(void)
{
	struct fi_buf b;
	struct fi_jsonw w;
	const char in[] = "q\"b\\n\nt\tz\0e\x7f\xc3\xa9";

	jw_start(&b, &w, 0);
	fi_jsonw_str(&w, in, sizeof(in) - 1);
	CHECK_INT(fi_jsonw_error(&w), 0);
	CHECK_STR(b.data, "\"q\\\"b\\\\n\\nt\\tz\\u0000e\x7f\\u00c3\\u00a9\"");
	fi_buf_fini(&b);
}

static void
test_errors(void)
{
	struct fi_buf b;
	struct fi_jsonw w;

	jw_start(&b, &w, 0);
	fi_jsonw_obj_begin(&w);
	CHECK_INT(fi_jsonw_error(&w), FI_EINTERNAL); /* left open */
	fi_jsonw_arr_end(&w);
	fi_jsonw_obj_end(&w);
	CHECK_INT(fi_jsonw_error(&w), FI_EINTERNAL); /* still: the first error sticks */
	fi_buf_fini(&b);

	jw_start(&b, &w, 10);
	fi_jsonw_cstr(&w, "longer than ten bytes");
	CHECK_INT(fi_jsonw_error(&w), FI_ETOOBIG);
	fi_buf_fini(&b);

	jw_start(&b, &w, 0);
	fi_jsonw_arr_begin(&w);
	fi_jsonw_key(&w, "k"); /* a key inside an array */
	CHECK_INT(fi_jsonw_error(&w), FI_EINTERNAL);
	fi_buf_fini(&b);

	jw_start(&b, &w, 0);
	fi_jsonw_obj_begin(&w);
	fi_jsonw_arr_end(&w); /* the wrong closer */
	CHECK_INT(fi_jsonw_error(&w), FI_EINTERNAL);
	fi_buf_fini(&b);
}

int
main(void)
{
	test_nesting();
	test_wide();
	test_escape();
	test_errors();
	return fi_test_result("test_jsonw");
}
