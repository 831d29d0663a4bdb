/*
 * probe_main.c: flowinspector-probe, which turns packets (a capture file or
 * an interface) into flow records on the redis queue (SPEC 3.4): capture ->
 * fi_pkt_decode -> fi_meter -> fi_msg_encode -> batches for fi_queue_push.
 * Statistics every 10 s on an interface, a progress bar for a file on a tty.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "fi_backoff.h"
#include "fi_capture.h"
#include "fi_clock.h"
#include "fi_log.h"
#include "fi_meter.h"
#include "fi_msg.h"
#include "fi_num.h"
#include "fi_program.h"
#include "fi_queue.h"

static const char *const probe_name = "flowinspector-probe";

#define FI_PROBE_BATCH	     1000 /* flows per pipelined push */
#define FI_PROBE_SNAPLEN     512  /* default bytes captured per frame */
#define FI_PROBE_STATS_S     10.0 /* seconds between statistics lines (live) */
#define FI_PROBE_PUSH_IDLE_S 1.0  /* live: push a partial batch this old */
#define FI_PROBE_WAIT_MS     250  /* live: longest wait for frames */
#define FI_PROBE_BAR_S	     0.25 /* progress bar refresh */

static volatile sig_atomic_t probe_stop;
static volatile sig_atomic_t probe_hup;
static struct fi_capture *probe_capture; /* for the signal handler */

struct probe_opts {
	const char *file;   /* -r */
	const char *iface;  /* -i */
	const char *output; /* -w: elements to a file instead of the queue */
	int end;	    /* --end */
	int promisc;	    /* not -p */
	int quiet;	    /* -q: no progress bar */
	unsigned snaplen;   /* -s */
	char filter[FI_PROBE_FILTER_MAX];
};

/* A batch of encoded elements, one after the other in buf. */
struct probe_batch {
	struct fi_buf buf;
	size_t off[FI_PROBE_BATCH + 1]; /* element i is buf.data[off[i], off[i+1]) */
	const char *p[FI_PROBE_BATCH];	/* the elements as sent (probe_elements) */
	size_t len[FI_PROBE_BATCH];	/* and their lengths */
	size_t n;
	uint64_t seq; /* its number, once sent */
};

struct probe {
	const struct fi_config *cfg;
	const struct probe_opts *opts;
	struct fi_capture *cap;
	enum fi_link link;
	struct fi_meter *meter;
	struct fi_queue *q; /* NULL with -w */
	FILE *out;	    /* with -w */
	/*
	 * Two batches: one filled by the meter, one sent to redis whose reply
	 * is read only before the next is sent, so redis runs the push while
	 * the probe meters on. A batch in flight is kept for a retry.
	 */
	struct probe_batch batch[2];
	struct probe_batch *fill;
	struct probe_batch *flight; /* n > 0: sent, its reply not read yet */
	double pushed_at;
	/* counters */
	uint64_t frames, wire_bytes, status[FI_PKT_NSTATUS];
	uint64_t flows_out, pushes, push_retries;
	uint64_t seq; /* number of the last batch sent */
	double started, stats_at, bar_at;
	uint64_t stats_frames, stats_flows;
	int bar_shown;
	struct fi_ratelimit push_log;
};

static void
probe_signal(int sig)
{
	if (sig == SIGHUP) {
		probe_hup = 1;
		return;
	}
	probe_stop = 1;
	if (probe_capture != NULL)
		fi_capture_break(probe_capture);
}

static int64_t
probe_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
probe_usage(FILE *out)
{
	fprintf(out,
		"usage: %s [-c FILE] [-n [-v]] (-r FILE | -i IFACE) [-w FILE] [--end]\n"
		"       [-p] [-q] [-s SNAPLEN] [BPF filter expression]\n"
		"\n"
		"Meters flows from packets and pushes them to the queue.\n"
		"\n"
		"  -r, --read FILE    read a capture file (pcap or pcapng; - for stdin)\n"
		"  -i, --interface IF capture on interface IF until SIGTERM or SIGINT\n"
		"  -w, --write FILE   write the flows to FILE (- for stdout), one JSON\n"
		"                     element per line, instead of pushing them\n"
		"      --end          push END after the last flow (the importer "
		"flushes)\n"
		"  -p, --no-promisc   do not put the interface into promiscuous mode\n"
		"  -q, --quiet        no progress bar\n"
		"  -s, --snaplen N    bytes captured per frame on an interface "
		"(%d)\n" FI_PROGRAM_USAGE_CONFIG FI_PROGRAM_USAGE_HELP,
		probe_name, FI_PROBE_SNAPLEN);
}

/* Connects to redis, retrying with backoff until it works or a stop. */
static int
probe_connect(struct probe *pr, int patient)
{
	unsigned backoff = 1;

	for (;;) {
		struct fi_err err;

		fi_err_clear(&err);
		if (fi_queue_connect(pr->q, &err) == 0)
			return 0;
		if (!patient || probe_stop) {
			fi_warnx("%s", err.msg);
			return -1;
		}
		fi_warnx_limited(&pr->push_log, "%s; retrying in %u s", err.msg, backoff);
		fi_backoff_wait(&backoff, &probe_stop);
	}
}

/*
 * Pushes n elements to the queue as batch seq (fi_queue_push waits while
 * the queue is longer than max_len), reconnecting first when failed says
 * that the last try failed. On a redis failure it reconnects and sends the
 * batch again under the same number, which redis skips if the failed try
 * got through: exactly once, never dropped, unless a stop comes while redis
 * is down. Returns 0 or -1 (not pushed).
 */
static int
probe_send(struct probe *pr, uint64_t seq, const char *const *p, const size_t *len,
	   size_t n, long long max_len, int failed)
{
	unsigned backoff = 1;

	for (;;) {
		struct fi_err err;

		if (failed) {
			pr->push_retries++;
			fi_backoff_wait(&backoff, &probe_stop);
			fi_queue_disconnect(pr->q);
			if (probe_connect(pr, 1) != 0)
				return -1;
		}
		fi_err_clear(&err);
		if (fi_queue_push(pr->q, seq, p, len, n, max_len, &err) == 0)
			return 0;
		fi_warnx_limited(&pr->push_log, "push of %zu elements failed: %s", n,
				 err.msg);
		failed = 1;
	}
}

/*
 * Points the batch's element views into its buffer, as a push sends them;
 * they hold until the batch is emptied (probe_settle sends them again).
 */
static void
probe_elements(struct probe_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		b->p[i] = b->buf.data + b->off[i];
		b->len[i] = b->off[i + 1] - b->off[i];
	}
}

/* A batch is in: counts it and empties it. */
static void
probe_pushed(struct probe *pr, struct probe_batch *b)
{
	pr->flows_out += b->n;
	pr->pushes++;
	b->n = 0;
	fi_buf_reset(&b->buf);
}

/* Gives up the waiting flows (a stop while redis is down). */
static int
probe_lost(struct probe *pr)
{
	fi_warnx("stopping with %zu flows not pushed", pr->fill->n + pr->flight->n);
	for (int i = 0; i < 2; i++) {
		pr->batch[i].n = 0;
		fi_buf_reset(&pr->batch[i].buf);
	}
	return -1;
}

/*
 * Reads the reply to the batch in flight; when it did not go in (queue
 * full, redis lost the script, the connection failed) pushes it again under
 * its number. Returns 0 or -1 (flows lost).
 */
static int
probe_settle(struct probe *pr)
{
	struct probe_batch *b = pr->flight;
	struct fi_err err;
	int rc;

	if (b->n == 0)
		return 0;
	fi_err_clear(&err);
	rc = fi_queue_push_recv(pr->q, &err);
	if (rc < 0)
		fi_warnx_limited(&pr->push_log, "push of %zu flows failed: %s", b->n,
				 err.msg);
	if (rc != 0) {
		if (probe_send(pr, b->seq, b->p, b->len, b->n,
			       (long long)pr->cfg->probe_max_queue, rc < 0) != 0)
			return probe_lost(pr);
	}
	probe_pushed(pr, b);
	return 0;
}

/*
 * Sends the filled batch: to the -w file, or to the queue (after the reply
 * to the batch before it; with back-pressure at probe_max_queue), without
 * waiting for its reply. Returns 0 or -1 (flows lost).
 */
static int
probe_push(struct probe *pr)
{
	struct probe_batch *b = pr->fill;
	struct fi_err err;
	long long max_len = (long long)pr->cfg->probe_max_queue;

	if (b->n == 0)
		return 0;
	probe_elements(b);
	if (pr->out != NULL) {
		for (size_t i = 0; i < b->n; i++) {
			fwrite(b->p[i], 1, b->len[i], pr->out);
			fputc('\n', pr->out);
		}
		probe_pushed(pr, b);
		pr->pushed_at = fi_clock_now();
		return 0;
	}
	if (probe_settle(pr) != 0)
		return -1;
	pr->fill = pr->flight;
	pr->flight = b;
	b->seq = ++pr->seq; /* a new batch, retried under this number */
	fi_err_clear(&err);
	if (fi_queue_push_send(pr->q, b->seq, b->p, b->len, b->n, max_len, &err) != 0) {
		fi_warnx_limited(&pr->push_log, "push of %zu flows failed: %s", b->n,
				 err.msg);
		if (probe_send(pr, b->seq, b->p, b->len, b->n, max_len, 1) != 0)
			return probe_lost(pr);
		probe_pushed(pr, b);
	}
	pr->pushed_at = fi_clock_now();
	return 0;
}

/* The meter's export callback: encodes the flow and pushes full batches. */
static int
probe_export(void *ctx, const struct fi_flow *flow, enum fi_meter_reason why)
{
	struct probe *pr = ctx;
	struct probe_batch *b = pr->fill;

	(void)why;
	if (b->n == 0)
		b->off[0] = 0;
	if (fi_msg_encode(flow, &b->buf) != 0) {
		fi_warnx("cannot encode a flow: out of memory");
		return FI_ENOMEM;
	}
	b->off[++b->n] = b->buf.len;
	if (b->n == FI_PROBE_BATCH)
		return probe_push(pr) == 0 ? 0 : FI_EUNAVAIL;
	return 0;
}

static void
probe_frame(void *ctx, const struct fi_capture_frame *fr)
{
	struct probe *pr = ctx;
	struct fi_pkt pkt;
	enum fi_pkt_status s =
	    fi_pkt_decode(pr->link, fr->data, fr->caplen, fr->wirelen, &pkt);

	pr->frames++;
	pr->wire_bytes += fr->wirelen;
	pr->status[s]++;
	if (s == FI_PKT_OK)
		fi_meter_packet(pr->meter, &pkt, fr->ts_us);
	else
		fi_meter_advance(pr->meter, fr->ts_us); /* time passes all the same */
}

static uint64_t
probe_skipped(const struct probe *pr)
{
	uint64_t n = 0;

	for (int s = FI_PKT_NOT_IP; s < FI_PKT_NSTATUS; s++)
		n += pr->status[s];
	return n;
}

static void
probe_stats(struct probe *pr, double now)
{
	struct fi_meter_stats ms;
	uint64_t recv = 0, drop = 0;
	double dt = now - pr->stats_at;
	long long qlen = pr->q != NULL ? fi_queue_length(pr->q) : -1;

	fi_meter_get_stats(pr->meter, &ms);
	fi_capture_drops(pr->cap, &recv, &drop);
	fi_info("%.1f packets/s, %.1f flows/s pushed, %llu flows open, %llu frames "
		"dropped by the kernel, %llu skipped (truncated %llu, malformed %llu, "
		"unsupported %llu, not IP %llu), queue %lld",
		dt > 0 ? (double)(pr->frames - pr->stats_frames) / dt : 0.0,
		dt > 0 ? (double)(pr->flows_out - pr->stats_flows) / dt : 0.0,
		(unsigned long long)ms.flows_active, (unsigned long long)drop,
		(unsigned long long)probe_skipped(pr),
		(unsigned long long)pr->status[FI_PKT_TRUNCATED],
		(unsigned long long)pr->status[FI_PKT_MALFORMED],
		(unsigned long long)pr->status[FI_PKT_UNSUPPORTED],
		(unsigned long long)pr->status[FI_PKT_NOT_IP], qlen);
	pr->stats_at = now;
	pr->stats_frames = pr->frames;
	pr->stats_flows = pr->flows_out;
}

static void
probe_bar(struct probe *pr, int done)
{
	uint64_t pos, size;
	char bar[41];
	int width = (int)sizeof(bar) - 1, fill = 0;
	double pct = 0;

	if (fi_capture_progress(pr->cap, &pos, &size) == 0 && size > 0) {
		pct = done ? 100.0 : 100.0 * (double)pos / (double)size;
		if (pct > 100)
			pct = 100;
		fill = (int)(pct * width / 100);
	}
	for (int i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[width] = '\0';
	fprintf(stderr, "\r%s: [%s] %5.1f%%  %llu packets  %llu flows pushed ",
		probe_name, bar, pct, (unsigned long long)pr->frames,
		(unsigned long long)(pr->flows_out + pr->fill->n + pr->flight->n));
	if (done)
		fputc('\n', stderr);
	pr->bar_shown = 1;
}

static void
probe_summary(struct probe *pr)
{
	struct fi_meter_stats ms;
	struct rusage ru;
	double secs = fi_clock_now() - pr->started;
	uint64_t recv = 0, drop = 0;

	fi_meter_get_stats(pr->meter, &ms);
	fi_capture_drops(pr->cap, &recv, &drop);
	getrusage(RUSAGE_SELF, &ru);
	fi_info(
	    "summary: %llu frames (%llu bytes on the wire), %llu packets "
	    "(%llu IP bytes) metered into %llu flows, %llu pushed; skipped: not IP "
	    "%llu, truncated %llu, malformed %llu, unsupported %llu; later fragments "
	    "%llu matched, %llu without ports; flows ended by inactive %llu, active "
	    "%llu, tcp-end %llu, evicted %llu, flush %llu; kernel drops %llu; %.2f s, "
	    "%.0f packets/s, cpu %.2f s",
	    (unsigned long long)pr->frames, (unsigned long long)pr->wire_bytes,
	    (unsigned long long)ms.packets, (unsigned long long)ms.bytes,
	    (unsigned long long)(ms.exported[0] + ms.exported[1] + ms.exported[2] +
				 ms.exported[3] + ms.exported[4]),
	    (unsigned long long)pr->flows_out,
	    (unsigned long long)pr->status[FI_PKT_NOT_IP],
	    (unsigned long long)pr->status[FI_PKT_TRUNCATED],
	    (unsigned long long)pr->status[FI_PKT_MALFORMED],
	    (unsigned long long)pr->status[FI_PKT_UNSUPPORTED],
	    (unsigned long long)ms.frag_matched, (unsigned long long)ms.frag_unmatched,
	    (unsigned long long)ms.exported[FI_METER_INACTIVE],
	    (unsigned long long)ms.exported[FI_METER_ACTIVE],
	    (unsigned long long)ms.exported[FI_METER_TCP_END],
	    (unsigned long long)ms.exported[FI_METER_EVICTED],
	    (unsigned long long)ms.exported[FI_METER_FLUSH], (unsigned long long)drop,
	    secs, secs > 0 ? (double)pr->frames / secs : 0.0,
	    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
}

/* Reads until the end of the file, a stop, or an error. Returns 0, 1 or -1. */
static int
probe_loop(struct probe *pr)
{
	int live = pr->opts->iface != NULL;
	int bar = !live && !pr->opts->quiet && isatty(2);

	for (;;) {
		struct fi_err err;
		double now;
		int n;

		if (probe_stop)
			return 1;
		if (probe_hup) {
			probe_hup = 0;
			fi_log_reopen();
		}
		fi_err_clear(&err);
		n = fi_capture_next(pr->cap, 0, FI_PROBE_WAIT_MS, probe_frame, pr, &err);
		if (n == FI_ENOTFOUND)
			return 0;
		if (n < 0) {
			fi_warnx("capture: %s", err.msg);
			return -1;
		}
		now = fi_clock_now();
		if (live) {
			/* an idle link: the clock, not packets, moves time on */
			fi_meter_advance(pr->meter, probe_wall_us());
			if (pr->fill->n + pr->flight->n > 0 &&
			    now - pr->pushed_at >= FI_PROBE_PUSH_IDLE_S &&
			    (probe_push(pr) != 0 || probe_settle(pr) != 0))
				return -1;
			if (now - pr->stats_at >= FI_PROBE_STATS_S) {
				/* its LLEN must not come between a push and its reply */
				if (probe_settle(pr) != 0)
					return -1;
				probe_stats(pr, now);
			}
		} else if (bar && now - pr->bar_at >= FI_PROBE_BAR_S) {
			probe_bar(pr, 0);
			pr->bar_at = now;
		}
	}
}

enum { PROBE_OPT_END = 256 };

static const struct option probe_longopts[] = {
    {"read", required_argument, NULL, 'r'},
    {"interface", required_argument, NULL, 'i'},
    {"write", required_argument, NULL, 'w'},
    {"no-promisc", no_argument, NULL, 'p'},
    {"quiet", no_argument, NULL, 'q'},
    {"snaplen", required_argument, NULL, 's'},
    {"end", no_argument, NULL, PROBE_OPT_END},
    {NULL, 0, NULL, 0},
};

static int
probe_option(void *ctx, int ch, const char *longname, char *arg)
{
	struct probe_opts *o = ctx;
	uint64_t u;

	(void)longname;
	switch (ch) {
	case 'r':
		o->file = arg;
		break;
	case 'i':
		o->iface = arg;
		break;
	case 'w':
		o->output = arg;
		break;
	case 'p':
		o->promisc = 0;
		break;
	case 'q':
		o->quiet = 1;
		break;
	case 's':
		if (fi_num_u64_cstr(arg, 64, 262144, &u) != 0) {
			fprintf(stderr, "%s: -s: a number from 64 to 262144\n",
				probe_name);
			return 2;
		}
		o->snaplen = (unsigned)u;
		break;
	case PROBE_OPT_END:
		o->end = 1;
		break;
	default:
		return 2;
	}
	return -1;
}

/* The operands are the filter, words joined by spaces as tcpdump does. */
static int
probe_filter(void *ctx, int argc, char **argv)
{
	struct probe_opts *o = ctx;
	size_t used = 0;

	for (int i = 0; i < argc; i++) {
		int w = snprintf(o->filter + used, sizeof(o->filter) - used, "%s%s",
				 used ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof(o->filter) - used) {
			fprintf(stderr, "%s: the filter is longer than %d bytes\n",
				probe_name, FI_PROBE_FILTER_MAX - 1);
			return 2;
		}
		used += (size_t)w;
	}
	return -1;
}

/* Opens the source, the meter and the sink. Returns 0 or the exit status. */
static int
probe_open(struct probe *pr, const struct fi_config *cfg, const struct probe_opts *o)
{
	struct fi_meter_config mc = {
	    cfg->probe_inactive_timeout, cfg->probe_active_timeout,
	    cfg->probe_tcp_end_timeout, cfg->probe_max_flows, cfg->probe_icmp_typecode};
	struct fi_err err;

	fi_err_clear(&err);
	pr->cap = o->file ? fi_capture_open_file(o->file, o->filter, &err)
			  : fi_capture_open_live(o->iface, o->filter, o->promisc,
						 o->snaplen, &err);
	if (pr->cap == NULL) {
		fi_warnx("%s", err.msg);
		return 1;
	}
	pr->link = fi_capture_link(pr->cap);
	pr->meter = fi_meter_new(&mc, probe_export, pr);
	if (pr->meter == NULL) {
		fi_warnx("cannot allocate a flow table of %u flows",
			 cfg->probe_max_flows);
		return 1;
	}
	if (o->output != NULL) {
		pr->out = strcmp(o->output, "-") == 0 ? stdout : fopen(o->output, "w");
		if (pr->out == NULL) {
			fi_warn("%s", o->output);
			return 1;
		}
		return 0;
	}
	pr->q = fi_queue_new(cfg, NULL);
	if (pr->q == NULL) {
		fi_warnx("out of memory");
		return 1;
	}
	/* a file import fails at once without redis; a capture waits for it */
	if (probe_connect(pr, o->iface != NULL) != 0)
		return 1;
	return 0;
}

static void
probe_close(struct probe *pr)
{
	fi_capture_close(pr->cap);
	probe_capture = NULL;
	fi_meter_free(pr->meter);
	if (pr->q != NULL && pr->flight->n == 0)
		fi_queue_push_end(pr->q); /* no push is retried after this */
	fi_queue_free(pr->q);
	if (pr->out != NULL && pr->out != stdout)
		fclose(pr->out);
	else if (pr->out != NULL)
		fflush(stdout);
	fi_buf_fini(&pr->batch[0].buf);
	fi_buf_fini(&pr->batch[1].buf);
}

static int
probe_run(const struct fi_config *cfg, const struct probe_opts *o)
{
	struct probe pr;
	struct sigaction sa;
	int status, rc;

	memset(&pr, 0, sizeof(pr));
	pr.cfg = cfg;
	pr.opts = o;
	fi_buf_init(&pr.batch[0].buf, 0);
	fi_buf_init(&pr.batch[1].buf, 0);
	pr.fill = &pr.batch[0];
	pr.flight = &pr.batch[1];
	pr.push_log = (struct fi_ratelimit){60, 5, 0, 0, 0};
	status = probe_open(&pr, cfg, o);
	if (status != 0) {
		probe_close(&pr);
		return status;
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = probe_signal;
	sigaction(SIGHUP, &sa, NULL);
	/* a second TERM or INT ends the probe at once, even inside a push */
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	probe_capture = pr.cap;

	fi_info("metering %s %s (%s)%s%s%s into %s", o->file ? "file" : "interface",
		o->file ? o->file : o->iface, fi_capture_link_name(pr.cap),
		o->filter[0] ? ", filter \"" : "", o->filter, o->filter[0] ? "\"" : "",
		o->output ? o->output : cfg->redis_queue);
	pr.started = pr.stats_at = pr.pushed_at = fi_clock_now();
	rc = probe_loop(&pr);
	/* after a stop or a read error (a file cut short) the flows so far still count */
	fi_meter_flush(pr.meter);
	if (probe_push(&pr) != 0 || probe_settle(&pr) != 0)
		rc = -1;
	if (pr.bar_shown)
		probe_bar(&pr, rc == 0);
	if (rc == 0 && o->end && pr.q != NULL) {
		const char *end = "END";
		size_t len = 3;

		if (probe_send(&pr, ++pr.seq, &end, &len, 1, 0, 0) != 0) {
			fi_warnx("cannot push END");
			rc = -1;
		}
	} else if (rc == 0 && o->end && pr.out != NULL) {
		fputs("END\n", pr.out);
	}
	probe_summary(&pr);
	if (rc == 1 && o->file != NULL)
		fi_warnx("interrupted before the end of %s", o->file);
	status = rc < 0 || (rc == 1 && o->file != NULL) ? 1 : 0;
	probe_close(&pr);
	return status;
}

int
main(int argc, char **argv)
{
	struct probe_opts opts = {.promisc = 1, .snaplen = FI_PROBE_SNAPLEN};
	struct fi_program_cli cli = {
	    .name = probe_name,
	    .usage = probe_usage,
	    .shortopts = "r:i:w:pqs:",
	    .longopts = probe_longopts,
	    .option = probe_option,
	    .operands = probe_filter,
	    .ctx = &opts,
	};
	struct fi_config cfg;
	int rc = fi_program_start(&cli, argc, argv, &cfg);

	if (rc >= 0)
		return rc;
	if ((opts.file == NULL) == (opts.iface == NULL)) {
		fprintf(stderr, "%s: give one of -r FILE or -i IFACE\n", probe_name);
		return 2;
	}
	return probe_run(&cfg, &opts);
}
