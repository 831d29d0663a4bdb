/*
 * test_buf.c: capped buffers (lib/fi_buf.c): appends up to the cap and not a
 * byte past it, a refused append leaving the buffer as it was, growth over
 * many appends, reset and steal, the counted-string comparisons, and
 * growable arrays.
 */
#include <stdlib.h>

#include "fi_buf.h"
#include "fi_err.h"
#include "fi_test.h"

static struct fi_str
s(const char *p)
{
	return (struct fi_str){p, strlen(p)};
}

static void
test_cap(void)
{
	struct fi_buf b;
	char *p;

	fi_buf_init(&b, 10);
	CHECK_INT(fi_buf_puts(&b, "hello"), 0);
	CHECK_INT(fi_buf_printf(&b, "%d", 12345), 0);
	CHECK_STR(b.data, "hello12345");
	CHECK_UINT(b.len, 10);
	CHECK_INT(fi_buf_puts(&b, "x"), FI_ETOOBIG);
	CHECK_INT(fi_buf_printf(&b, "%s", "y"), FI_ETOOBIG);
	CHECK_INT(fi_buf_append(&b, "z", 1), FI_ETOOBIG);
	CHECK_STR(b.data, "hello12345");
	CHECK_UINT(b.len, 10);
	fi_buf_reset(&b);
	CHECK_STR(b.data, "");
	CHECK_UINT(b.len, 0);
	/* a formatted append that would pass the cap is refused whole */
	CHECK_INT(fi_buf_puts(&b, "abcdefgh"), 0);
	CHECK_INT(fi_buf_printf(&b, "%s", "123"), FI_ETOOBIG);
	CHECK_STR(b.data, "abcdefgh");
	CHECK_INT(fi_buf_printf(&b, "%s", "12"), 0);
	CHECK_STR(b.data, "abcdefgh12");
	fi_buf_reset(&b);
	CHECK_INT(fi_buf_append(&b, "abc", 3), 0);
	p = fi_buf_steal(&b);
	CHECK_STR(p, "abc");
	free(p);
	CHECK(b.data == NULL);
	CHECK_UINT(b.len, 0);
	fi_buf_fini(&b);
	fi_buf_fini(NULL);
}

static void
test_insert(void)
{
	struct fi_buf b;

	fi_buf_init(&b, 12);
	CHECK_INT(fi_buf_insert(&b, 0, "ab", 2), 0);
	CHECK_INT(fi_buf_insert(&b, 1, "XY", 2), 0);
	CHECK_STR(b.data, "aXYb");
	CHECK_INT(fi_buf_insert(&b, 4, "!", 1), 0);
	CHECK_INT(fi_buf_insert(&b, 0, "<", 1), 0);
	CHECK_STR(b.data, "<aXYb!");
	CHECK_UINT(b.len, 6);
	/* past the end, or past the cap: refused, the buffer unchanged */
	CHECK_INT(fi_buf_insert(&b, 7, "z", 1), FI_EINTERNAL);
	CHECK_INT(fi_buf_insert(&b, 2, "1234567", 7), FI_ETOOBIG);
	CHECK_STR(b.data, "<aXYb!");
	CHECK_INT(fi_buf_insert(&b, 2, "", 0), 0);
	CHECK_STR(b.data, "<aXYb!");
	fi_buf_fini(&b);
}

static void
test_growth(void)
{
	struct fi_buf b;
	int ok = 1;

	fi_buf_init(&b, 0); /* the default cap */
	CHECK(b.max > 100000);
	for (int i = 0; i < 100000; i++)
		if (fi_buf_append(&b, (i % 2) ? "b" : "a", 1) != 0)
			ok = 0;
	CHECK(ok);
	CHECK_UINT(b.len, 100000);
	CHECK(b.cap > b.len); /* room for the NUL */
	CHECK_INT(b.data[b.len], 0);
	CHECK_INT(b.data[0], 'a');
	CHECK_INT(b.data[99999], 'b');
	fi_buf_fini(&b);

	/* an empty steal still gives an owned, empty string */
	fi_buf_init(&b, 8);
	char *p = fi_buf_steal(&b);
	CHECK(p != NULL);
	if (p != NULL)
		CHECK_STR(p, "");
	free(p);
	fi_buf_fini(&b);
}

static void
test_str(void)
{
	CHECK(fi_str_eq(s("abc"), "abc"));
	CHECK(!fi_str_eq(s("abc"), "ab"));
	CHECK(!fi_str_eq(s("ab"), "abc"));
	CHECK(fi_str_eq((struct fi_str){NULL, 0}, ""));
	CHECK(fi_str_eq(FI_STR("flows"), "flows"));
	CHECK(fi_str_caseeq(s("FlowStartSeconds"), "flowstartseconds"));
	CHECK(!fi_str_caseeq(s("FlowStart"), "flowstartseconds"));
	/* a counted string is compared by its length, not up to a NUL */
	CHECK(fi_str_eq((struct fi_str){"abcdef", 3}, "abc"));
}

/* Arrays: room is made only when full, by doubling from 64, up to max. */
static void
test_array(void)
{
	uint32_t *v = NULL;
	size_t cap = 0, n;

	CHECK_INT(fi_buf_grow_array(&v, &cap, 0, sizeof(*v), 1000), 0);
	CHECK_UINT(cap, 64);
	for (n = 0; n < 256; n++) {
		if (fi_buf_grow_array(&v, &cap, n, sizeof(*v), 256) != 0)
			break;
		v[n] = (uint32_t)n;
	}
	CHECK_UINT(n, 256);
	CHECK_UINT(cap, 256);
	CHECK_UINT(v[255], 255);
	CHECK_UINT(v[63], 63); /* kept through the moves */
	/* full at max: refused, the array as it was */
	CHECK_INT(fi_buf_grow_array(&v, &cap, 256, sizeof(*v), 256), FI_ETOOBIG);
	CHECK_UINT(cap, 256);
	CHECK_UINT(v[255], 255);
	CHECK_INT(fi_buf_grow_array(&v, &cap, 256, sizeof(*v), SIZE_MAX), 0);
	CHECK_UINT(cap, 512);
	/* a size whose doubled array cannot be counted in bytes */
	CHECK_INT(fi_buf_grow_array(&v, &cap, 512, SIZE_MAX / 600, SIZE_MAX), FI_ETOOBIG);
	CHECK_UINT(cap, 512);
	free(v);
}

int
main(void)
{
	test_cap();
	test_insert();
	test_growth();
	test_str();
	test_array();
	return fi_test_result("test_buf");
}
