/*
 * fi_progress.h: a one-line progress bar for long imports on a terminal:
 * rows done of the total, rows per second and the time left. Drawn on one
 * stream with carriage returns; never used when that stream is not a tty.
 */
#ifndef FI_PROGRESS_H
#define FI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FI_PROGRESS_LINE_MAX 128 /* bytes of one drawn line, with NUL */

struct fi_progress {
	FILE *out;	 /* where to draw; NULL: disabled */
	char label[40];	 /* what is being read, e.g. the table name */
	uint64_t total;	 /* rows expected, 0 if unknown */
	uint64_t done;	 /* rows so far */
	double start;	 /* monotonic seconds at fi_progress_begin */
	double drawn_at; /* when the line was last drawn, or 0 */
	size_t width;	 /* characters on screen now, 0: line clear */
};

/*
 * Starts a bar for label with total rows (0: unknown) on out; with out NULL
 * every call is a no-op. label is copied (truncated if long).
 */
void fi_progress_begin(struct fi_progress *p, FILE *out, const char *label,
		       uint64_t total);

/* Records done rows; redraws at most five times a second. */
void fi_progress_update(struct fi_progress *p, uint64_t done);

/* Erases the line (before other output, and at the end). */
void fi_progress_clear(struct fi_progress *p);

/*
 * Formats the bar into buf: "label [#####.....]  45%  1234/2742 rows
 * 8200 rows/s  ETA 0:18"; without a known total just the rows and the rate.
 * elapsed is in seconds. Returns buf.
 */
char *fi_progress_format(char *buf, size_t size, const char *label, uint64_t done,
			 uint64_t total, double elapsed);

#endif
