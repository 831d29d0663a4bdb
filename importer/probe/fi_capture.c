/*
 * fi_capture.c: libpcap behind fi_capture.h. Files are read in bounded
 * chunks (so the caller can draw progress and see signals); interfaces are
 * read non-blocking behind poll(), so an idle link still lets the caller
 * expire flows and log statistics on time.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fi_capture.h"
#include "fi_flow.h"
#include "fi_log.h"

#define FI_CAPTURE_BUFFER (32 << 20) /* kernel ring for live capture, bytes */
#define FI_CAPTURE_CHUNK  4096	     /* frames per call when reading a file */

struct fi_capture {
	pcap_t *p;
	enum fi_link link;
	int live;	  /* an interface, not a file */
	uint64_t size;	  /* file size, 0 when unknown */
	fi_capture_fn fn; /* during fi_capture_next */
	void *ctx;	  /* during fi_capture_next */
	char link_name[96];
};

static enum fi_link
fi_capture_map_link(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return FI_LINK_ETHERNET;
	case DLT_LINUX_SLL:
		return FI_LINK_SLL;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		return FI_LINK_SLL2;
#endif
	case DLT_RAW:
		return FI_LINK_RAW;
#ifdef DLT_IPV4
	case DLT_IPV4:
		return FI_LINK_IPV4;
#endif
#ifdef DLT_IPV6
	case DLT_IPV6:
		return FI_LINK_IPV6;
#endif
	case DLT_NULL:
		return FI_LINK_NULL;
#ifdef DLT_LOOP
	case DLT_LOOP:
		return FI_LINK_LOOP;
#endif
	default:
		return FI_LINK_UNKNOWN;
	}
}

/* Maps the link type, compiles and sets the filter. */
static int
fi_capture_setup(struct fi_capture *c, const char *what, const char *filter,
		 struct fi_err *err)
{
	int dlt = pcap_datalink(c->p);
	const char *name = pcap_datalink_val_to_name(dlt);
	const char *desc = pcap_datalink_val_to_description(dlt);
	struct bpf_program prog;

	snprintf(c->link_name, sizeof(c->link_name), "%s (%s)", name ? name : "?",
		 desc ? desc : "unknown");
	c->link = fi_capture_map_link(dlt);
	if (c->link == FI_LINK_UNKNOWN)
		return fi_err_set(err, FI_EUNAVAIL,
				  "%s: link type %d %s is not supported (Ethernet, Linux "
				  "cooked, raw IP and BSD loopback are)",
				  what, dlt, c->link_name);
	if (filter == NULL || filter[0] == '\0')
		return 0;
	if (pcap_compile(c->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0)
		return fi_err_set(err, FI_EINVAL, "filter \"%s\": %s", filter,
				  pcap_geterr(c->p));
	if (pcap_setfilter(c->p, &prog) != 0) {
		pcap_freecode(&prog);
		return fi_err_set(err, FI_EINVAL, "filter \"%s\": %s", filter,
				  pcap_geterr(c->p));
	}
	pcap_freecode(&prog);
	return 0;
}

/*
 * A new capture around p, the handle just opened for what; NULL with err set
 * when there is none (p is NULL: errbuf says why) or memory ran out (p is
 * closed).
 */
static struct fi_capture *
fi_capture_new(pcap_t *p, const char *what, const char *errbuf, struct fi_err *err)
{
	struct fi_capture *c;

	if (p == NULL) {
		fi_err_set(err, FI_EIO, "%s: %s", what, errbuf);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		pcap_close(p);
		fi_err_set(err, FI_ENOMEM, "out of memory");
		return NULL;
	}
	c->p = p;
	return c;
}

struct fi_capture *
fi_capture_open_file(const char *path, const char *filter, struct fi_err *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct fi_capture *c =
	    fi_capture_new(pcap_open_offline_with_tstamp_precision(
			       path, PCAP_TSTAMP_PRECISION_MICRO, errbuf),
			   path, errbuf, err);
	struct stat st;

	if (c == NULL)
		return NULL;
	if (fstat(fileno(pcap_file(c->p)), &st) == 0 && S_ISREG(st.st_mode))
		c->size = (uint64_t)st.st_size;
	if (fi_capture_setup(c, path, filter, err) != 0) {
		fi_capture_close(c);
		return NULL;
	}
	return c;
}

struct fi_capture *
fi_capture_open_live(const char *iface, const char *filter, int promisc, unsigned snaplen,
		     struct fi_err *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct fi_capture *c =
	    fi_capture_new(pcap_create(iface, errbuf), iface, errbuf, err);
	int rc;

	if (c == NULL)
		return NULL;
	c->live = 1;
	pcap_set_snaplen(c->p, (int)snaplen);
	pcap_set_promisc(c->p, promisc ? 1 : 0);
	pcap_set_timeout(c->p, 100);
	pcap_set_buffer_size(c->p, FI_CAPTURE_BUFFER);
	rc = pcap_activate(c->p);
	if (rc < 0) {
		fi_err_set(err, FI_EIO, "%s: %s", iface,
			   rc == PCAP_ERROR ? pcap_geterr(c->p) : pcap_statustostr(rc));
		goto fail;
	}
	if (rc > 0)
		fi_warnx("%s: %s", iface,
			 rc == PCAP_WARNING ? pcap_geterr(c->p) : pcap_statustostr(rc));
	if (fi_capture_setup(c, iface, filter, err) != 0)
		goto fail;
	if (pcap_setnonblock(c->p, 1, errbuf) != 0) {
		fi_err_set(err, FI_EIO, "%s: %s", iface, errbuf);
		goto fail;
	}
	return c;
fail:
	fi_capture_close(c);
	return NULL;
}

void
fi_capture_close(struct fi_capture *c)
{
	if (c == NULL)
		return;
	if (c->p != NULL)
		pcap_close(c->p);
	free(c);
}

enum fi_link
fi_capture_link(const struct fi_capture *c)
{
	return c->link;
}

const char *
fi_capture_link_name(const struct fi_capture *c)
{
	return c->link_name;
}

static void
fi_capture_handler(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct fi_capture *c = (struct fi_capture *)(void *)user;
	struct fi_capture_frame f;
	int64_t sec = (int64_t)h->ts.tv_sec, usec = (int64_t)h->ts.tv_usec;

	/* a corrupt file can hold any number here; keep to storable times */
	if (sec < 0)
		sec = usec = 0;
	if (sec > FI_TIME_MAX)
		sec = FI_TIME_MAX;
	if (usec < 0 || usec > 999999)
		usec = 0;
	f.ts_us = sec * 1000000 + usec;
	f.data = bytes;
	f.caplen = h->caplen;
	f.wirelen = h->len;
	c->fn(c->ctx, &f);
}

int
fi_capture_next(struct fi_capture *c, int max, unsigned wait_ms, fi_capture_fn fn,
		void *ctx, struct fi_err *err)
{
	int n;

	c->fn = fn;
	c->ctx = ctx;
	if (c->live) {
		int fd = pcap_get_selectable_fd(c->p);

		if (fd >= 0 && wait_ms > 0) {
			struct pollfd pfd = {fd, POLLIN, 0};

			if (poll(&pfd, 1, (int)wait_ms) < 0 && errno != EINTR)
				return fi_err_set(err, FI_EIO, "poll: %s",
						  strerror(errno));
		}
		n = pcap_dispatch(c->p, max > 0 ? max : -1, fi_capture_handler,
				  (u_char *)(void *)c);
	} else {
		n = pcap_dispatch(c->p, max > 0 ? max : FI_CAPTURE_CHUNK,
				  fi_capture_handler, (u_char *)(void *)c);
		if (n == 0)
			return FI_ENOTFOUND;
	}
	if (n == PCAP_ERROR_BREAK)
		return 0;
	if (n < 0)
		return fi_err_set(err, FI_EIO, "%s", pcap_geterr(c->p));
	return n;
}

void
fi_capture_break(struct fi_capture *c)
{
	pcap_breakloop(c->p);
}

int
fi_capture_drops(struct fi_capture *c, uint64_t *received, uint64_t *dropped)
{
	struct pcap_stat ps;

	*received = *dropped = 0;
	if (!c->live)
		return 0;
	if (pcap_stats(c->p, &ps) != 0)
		return FI_EIO;
	*received = ps.ps_recv;
	*dropped = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	return 0;
}

int
fi_capture_progress(struct fi_capture *c, uint64_t *pos, uint64_t *size)
{
	FILE *fp;
	off_t off;

	*pos = 0;
	*size = c->size;
	if (c->live || (fp = pcap_file(c->p)) == NULL)
		return FI_EUNAVAIL;
	off = ftello(fp);
	if (off < 0)
		return FI_EUNAVAIL;
	*pos = (uint64_t)off;
	return 0;
}
