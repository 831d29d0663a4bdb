/*
 * fi_ftime.h: times as flow files write them, read exactly: decimal epoch
 * numbers (Zeek's ts and duration, with a fraction or, as a JSON writer
 * prints small numbers, an exponent) and civil UTC times (Zeek's ISO 8601,
 * nfdump's text times), as whole seconds and nanoseconds.
 */
#ifndef FI_FTIME_H
#define FI_FTIME_H

#include <stdint.h>

#include "fi_buf.h"
#include "fi_err.h"

/*
 * A decimal number of seconds ("1709288130.5", "12", "9.5e-7"; no sign):
 * *sec and *nsec (digits past the 9th are dropped). Returns 0 or FI_EINVAL.
 */
int fi_ftime_decimal(struct fi_str s, int64_t *sec, int64_t *nsec);

/*
 * "YYYY-MM-DDThh:mm:ss[.frac]" (or a space for the T) as UNIX time. With
 * zone, a "Z" or "+hh:mm"/"-hh:mm" must end it; without, there is none and
 * the time is UTC. Returns 0 or FI_EINVAL.
 */
int fi_ftime_civil(struct fi_str s, int zone, int64_t *sec, int64_t *nsec);

/* fi_ftime_civil with a zone: ISO 8601 as Zeek's JSON::TS_ISO8601 writes it. */
int fi_ftime_iso8601(struct fi_str s, int64_t *sec, int64_t *nsec);

#endif
