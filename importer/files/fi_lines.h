/*
 * fi_lines.h: complete lines of a text file, plain or gzip-compressed (zlib
 * reads both), of standard input, or of what a program (ra, nfdump) prints
 * when it reads a binary flow file, with the byte offset and line number
 * after the last line handed out and a digest (fi_digest.h) of every byte
 * up to there: what a file source's mark records. A last line without its
 * newline is not handed out (a file being written); fi_lines_more tries
 * again after the file grew.
 */
#ifndef FI_LINES_H
#define FI_LINES_H

#include <stdint.h>

#include "fi_buf.h"
#include "fi_digest.h"
#include "fi_err.h"

#define FI_LINES_MAX (1u << 20) /* a longer line is an error of the file */

struct fi_lines {
	void *gz;  /* gzFile */
	int child; /* the program's pid, or 0 */
	char *buf;
	size_t cap, start, end;	 /* buf[start, end) read, not handed out */
	size_t scan;		 /* buf[start, scan) has no newline */
	int eof;		 /* the last read found the end */
	uint64_t off;		 /* bytes handed out (newlines included) */
	uint64_t line;		 /* lines handed out */
	struct fi_digest digest; /* of those bytes */
};

/* Opens path ("-": standard input, left open at close). Returns 0 or FI_EIO. */
int fi_lines_open(struct fi_lines *l, const char *path, struct fi_err *err);

/*
 * Starts argv[0] (found on PATH, no shell) with argv, standard input from
 * /dev/null, TZ=UTC and LC_ALL=C in its environment, and reads what it
 * prints. Returns 0 or FI_EIO.
 */
int fi_lines_open_cmd(struct fi_lines *l, const char *const *argv, struct fi_err *err);

/*
 * The next complete line, without its newline, in *line (valid until the
 * next call). Returns 1; 0 when no complete line is left for now; FI_EIO
 * (a read error, a broken gzip stream) or FI_ETOOBIG (a line over
 * FI_LINES_MAX).
 */
int fi_lines_next(struct fi_lines *l, struct fi_str *line, struct fi_err *err);

/* Bytes read after the last complete line (a line being written). */
size_t fi_lines_pending(const struct fi_lines *l);

/* Whether l reads a plain file (not gzip, so its offsets are the file's). */
int fi_lines_plain(const struct fi_lines *l);

/* After fi_lines_next returned 0: look for more data on the next call. */
void fi_lines_more(struct fi_lines *l);

/*
 * Closes l; for a program, waits for it. Returns 0, or FI_EIO when the
 * program failed (err says how: its exit status or signal).
 */
int fi_lines_close(struct fi_lines *l, struct fi_err *err);

#endif
