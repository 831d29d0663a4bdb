/*
 * fi_num.h: bounded number parsing on counted strings (strtonum-style).
 * No leading/trailing space, no sign on unsigned values, no empty input:
 * anything but a whole number inside [min, max] is an error.
 */
#ifndef FI_NUM_H
#define FI_NUM_H

#include <stdint.h>

#include "fi_buf.h"

/* Parses a decimal unsigned integer. Returns 0, FI_EINVAL or FI_ERANGE. */
int fi_num_u64(struct fi_str s, uint64_t min, uint64_t max, uint64_t *out);

/* Parses a decimal signed integer (optional leading '-'). */
int fi_num_i64(struct fi_str s, int64_t min, int64_t max, int64_t *out);

/* The value of a hex digit (0-9, a-f, A-F), or -1. */
int fi_num_hex_digit(char c);

/* Parses "0x" hex or decimal unsigned (argus writes ICMP ports as 0x0303). */
int fi_num_u64_hexdec(struct fi_str s, uint64_t min, uint64_t max, uint64_t *out);

/* NUL-terminated conveniences of the above. */
int fi_num_u64_cstr(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int fi_num_i64_cstr(const char *s, int64_t min, int64_t max, int64_t *out);

/*
 * Parses the decimal digits at the start of s (at least one) into *out;
 * for names like "0002-foo.sql". Returns 0, FI_EINVAL or FI_ERANGE.
 */
int fi_num_u64_prefix(const char *s, uint64_t *out);

#endif
