/*
 * fi_capture.h: packet sources for the probe, the one file that touches
 * libpcap: a capture file (pcap or pcapng) or a live interface, with an
 * optional BPF filter. Frames are handed to a callback with their link type
 * mapped to enum fi_link, so the decoder and the meter stay pcap-free.
 */
#ifndef FI_CAPTURE_H
#define FI_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "fi_err.h"
#include "fi_pkt.h"

struct fi_capture;

/* One captured frame, borrowed for the duration of the callback. */
struct fi_capture_frame {
	int64_t ts_us;	     /* capture time, microseconds since the epoch, >= 0 */
	const uint8_t *data; /* caplen bytes */
	uint32_t caplen;     /* bytes captured */
	uint32_t wirelen;    /* bytes on the wire */
};

typedef void (*fi_capture_fn)(void *ctx, const struct fi_capture_frame *frame);

/*
 * Opens a capture file ("-" is standard input) and compiles filter (NULL or
 * "" for none). Returns a new handle, or NULL with err set (FI_EIO: cannot
 * read it; FI_EINVAL: bad filter; FI_EUNAVAIL: unsupported link type).
 */
struct fi_capture *fi_capture_open_file(const char *path, const char *filter,
					struct fi_err *err);

/*
 * Opens interface iface for live capture of the first snaplen bytes of each
 * frame, promiscuous unless promisc is 0, with filter. Returns a new handle,
 * or NULL with err set.
 */
struct fi_capture *fi_capture_open_live(const char *iface, const char *filter,
					int promisc, unsigned snaplen,
					struct fi_err *err);

/* Closes the capture. NULL is a no-op. */
void fi_capture_close(struct fi_capture *c);

/* The link layer of the frames. */
enum fi_link fi_capture_link(const struct fi_capture *c);

/* A name for the link type, e.g. "EN10MB (Ethernet)". Static or owned by c. */
const char *fi_capture_link_name(const struct fi_capture *c);

/*
 * Hands up to max frames to fn (max 0: as many as are ready). A live capture
 * first waits up to wait_ms for frames. Returns the number of frames
 * handled (0 when none arrived in time), FI_ENOTFOUND at the end of a file,
 * or FI_EIO with err set. fi_capture_break from fn or a signal handler ends
 * the call early.
 */
int fi_capture_next(struct fi_capture *c, int max, unsigned wait_ms, fi_capture_fn fn,
		    void *ctx, struct fi_err *err);

/* Makes a running fi_capture_next return soon (async-signal-safe). */
void fi_capture_break(struct fi_capture *c);

/* Live capture: frames the kernel received and dropped so far (0 for files). */
int fi_capture_drops(struct fi_capture *c, uint64_t *received, uint64_t *dropped);

/*
 * File capture: bytes read so far and the file's size (0 when unknown, e.g.
 * a pipe). Returns 0, or FI_EUNAVAIL when there is no position to report.
 */
int fi_capture_progress(struct fi_capture *c, uint64_t *pos, uint64_t *size);

#endif
