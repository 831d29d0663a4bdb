/*
 * fi_progress.c: the progress bar. The text is built by a pure function
 * (unit-tested); drawing rewrites one line with "\r" and pads over what
 * the previous, longer, line left behind.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fi_clock.h"
#include "fi_progress.h"

#define FI_PROGRESS_BAR	     20	 /* characters of the bar itself */
#define FI_PROGRESS_INTERVAL 0.2 /* seconds between redraws */

void
fi_progress_begin(struct fi_progress *p, FILE *out, const char *label, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	snprintf(p->label, sizeof(p->label), "%s", label);
	p->total = total;
	p->start = fi_clock_now();
	p->drawn_at = p->start; /* the first line after an interval: a rate to show */
}

/* Appends "H:MM:SS" or "M:SS" for seconds s. */
static int
fi_progress_clock(char *buf, size_t size, double s)
{
	unsigned long t = s > 0 && s < 360000000.0 ? (unsigned long)(s + 0.5) : 0;

	if (t >= 3600)
		return snprintf(buf, size, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60,
				t % 60);
	return snprintf(buf, size, "%lu:%02lu", t / 60, t % 60);
}

char *
fi_progress_format(char *buf, size_t size, const char *label, uint64_t done,
		   uint64_t total, double elapsed)
{
	double rate = elapsed > 0 ? (double)done / elapsed : 0;
	size_t n = 0;
	int w;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (total > 0 && done <= total) {
		unsigned fill =
		    (unsigned)((double)done / (double)total * FI_PROGRESS_BAR);
		char bar[FI_PROGRESS_BAR + 1];
		char eta[24] = "-:--";

		memset(bar, '#', fill);
		memset(bar + fill, '.', FI_PROGRESS_BAR - fill);
		bar[FI_PROGRESS_BAR] = '\0';
		if (rate > 0)
			fi_progress_clock(eta, sizeof(eta),
					  (double)(total - done) / rate);
		w = snprintf(
		    buf, size, "%s [%s] %3u%%  %llu/%llu rows  %.0f rows/s  ETA %s",
		    label, bar, (unsigned)((double)done * 100 / (double)total),
		    (unsigned long long)done, (unsigned long long)total, rate, eta);
	} else {
		w = snprintf(buf, size, "%s  %llu rows  %.0f rows/s", label,
			     (unsigned long long)done, rate);
	}
	n = w < 0 ? 0 : (size_t)w;
	if (n >= size)
		buf[size - 1] = '\0';
	return buf;
}

void
fi_progress_update(struct fi_progress *p, uint64_t done)
{
	char line[FI_PROGRESS_LINE_MAX];
	double now;
	size_t len;

	p->done = done;
	if (p->out == NULL)
		return;
	now = fi_clock_now();
	if (now - p->drawn_at < FI_PROGRESS_INTERVAL)
		return;
	p->drawn_at = now;
	fi_progress_format(line, sizeof(line), p->label, done, p->total, now - p->start);
	len = strlen(line);
	fprintf(p->out, "\r%s%*s", line, p->width > len ? (int)(p->width - len) : 0, "");
	fflush(p->out);
	p->width = len;
}

void
fi_progress_clear(struct fi_progress *p)
{
	if (p->out == NULL || p->width == 0)
		return;
	fprintf(p->out, "\r%*s\r", (int)p->width, "");
	fflush(p->out);
	p->width = 0;
	p->drawn_at = 0;
}
