/*
 * fi_nfdump.c: nfdump's lines as flows, see fi_nfdump.h. What nfdump 1.7
 * (Debian 12) does that this relies on: `-o fmt:` prints the named fields
 * separated as given, padded with spaces; `-N` prints counts unscaled and
 * the protocol as its number; `-6` prints IPv6 addresses whole; `-q` drops
 * the header and the summary; %ts and %te print the local time
 * "YYYY-MM-DD hh:mm:ss.mmm" (UTC here: nfdump runs with TZ=UTC); %dp of an
 * ICMP flow is "type.code"; %fl is the number of flows a record stands for;
 * counts are stored already multiplied by the sampling rate nfcapd applied
 * (its -s option or the exporter's announced rate). The fractional %tsr and
 * %ter are not used: 1.7.1 prints their milliseconds wrongly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fi_addr.h"
#include "fi_ftime.h"
#include "fi_nfdump.h"
#include "fi_num.h"

enum { NF_TS, NF_TE, NF_PR, NF_SA, NF_DA, NF_SP, NF_DP, NF_PKT, NF_BYT, NF_FL, NF_N };

int
fi_nfdump_check(const char *path, struct fi_err *err)
{
	/* the file header's first field: 0xA50C, little-endian, in every layout */
	unsigned char magic[2];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return fi_err_set(err, FI_EIO, "cannot open it: %s", strerror(errno));
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (n != sizeof(magic) || magic[0] != 0x0c || magic[1] != 0xa5)
		return fi_err_set(err, FI_EINVAL,
				  "not an nfcapd file (no nfdump magic number)");
	return 0;
}

int
fi_nfdump_is_record(struct fi_str line)
{
	return line.n > 0 && !fi_str_eq(line, "No matching flows");
}

void
fi_nfdump_argv(const char *path, const char *argv[FI_NFDUMP_ARGV])
{
	const char *a[FI_NFDUMP_ARGV] = {
	    "nfdump", "-r", path, "-q",
	    "-N",     "-6", "-o", "fmt:%ts|%te|%pr|%sa|%da|%sp|%dp|%pkt|%byt|%fl",
	    NULL};

	memcpy(argv, a, sizeof(a));
}

static struct fi_str
fi_nfdump_trim(struct fi_str s)
{
	while (s.n > 0 && s.p[0] == ' ') {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && s.p[s.n - 1] == ' ')
		s.n--;
	return s;
}

static int
fi_nfdump_bad(struct fi_err *err, const char *what, struct fi_str v)
{
	return fi_err_set(err, FI_EINVAL, "%s %.*s: does not parse", what,
			  (int)(v.n > 48 ? 48 : v.n), v.p);
}

/* The destination port: a number, or an ICMP "type.code". */
static int
fi_nfdump_dport(struct fi_str v, uint16_t *out)
{
	const char *dot = memchr(v.p, '.', v.n);
	uint64_t a, b;

	if (dot == NULL) {
		if (fi_num_u64(v, 0, 65535, &a) != 0)
			return FI_EINVAL;
		*out = (uint16_t)a;
		return 0;
	}
	if (fi_num_u64((struct fi_str){v.p, (size_t)(dot - v.p)}, 0, 255, &a) != 0 ||
	    fi_num_u64((struct fi_str){dot + 1, v.n - (size_t)(dot - v.p) - 1}, 0, 255,
		       &b) != 0)
		return FI_EINVAL;
	*out = (uint16_t)(a << 8 | b);
	return 0;
}

int
fi_nfdump_line(struct fi_str line, int64_t max_duration, struct fi_flow *f, unsigned *n,
	       struct fi_err *err)
{
	struct fi_str v[NF_N];
	const char *p = line.p, *e = line.p + line.n;
	unsigned k = 0;
	int64_t ns;
	uint64_t x;

	*n = 0;
	for (;;) {
		const char *bar = memchr(p, '|', (size_t)(e - p));
		const char *end = bar != NULL ? bar : e;

		if (k == NF_N)
			return fi_err_set(err, FI_EINVAL, "more than %d fields", NF_N);
		v[k++] = fi_nfdump_trim((struct fi_str){p, (size_t)(end - p)});
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	if (k != NF_N)
		return fi_err_set(err, FI_EINVAL, "%u fields, not %d", k, NF_N);
	memset(f, 0, sizeof(*f));
	if (fi_ftime_civil(v[NF_TS], 0, &f->first, &ns) != 0)
		return fi_nfdump_bad(err, "start", v[NF_TS]);
	if (fi_ftime_civil(v[NF_TE], 0, &f->last, &ns) != 0)
		return fi_nfdump_bad(err, "end", v[NF_TE]);
	if (f->last < f->first)
		return fi_err_set(err, FI_EINVAL, "it ends before it starts");
	if (f->last > UINT32_MAX)
		return fi_err_set(err, FI_EINVAL, "it ends past the year 2106");
	if (f->last - f->first + 1 > max_duration)
		return fi_err_set(err, FI_EINVAL,
				  "the flow lasts %lld s, longer than max_flow_duration",
				  (long long)(f->last - f->first + 1));
	if (fi_num_u64(v[NF_PR], 0, 255, &x) != 0)
		return fi_nfdump_bad(err, "protocol", v[NF_PR]);
	f->proto = (uint8_t)x;
	if (fi_addr_parse(v[NF_SA], 0, &f->src) != 0)
		return fi_nfdump_bad(err, "source address", v[NF_SA]);
	if (fi_addr_parse(v[NF_DA], 0, &f->dst) != 0)
		return fi_nfdump_bad(err, "destination address", v[NF_DA]);
	if (fi_num_u64(v[NF_SP], 0, 65535, &x) != 0)
		return fi_nfdump_bad(err, "source port", v[NF_SP]);
	f->sport = (uint16_t)x;
	if (fi_nfdump_dport(v[NF_DP], &f->dport) != 0)
		return fi_nfdump_bad(err, "destination port", v[NF_DP]);
	if (fi_num_u64(v[NF_PKT], 0, INT64_MAX, &f->packets) != 0)
		return fi_nfdump_bad(err, "packets", v[NF_PKT]);
	if (fi_num_u64(v[NF_BYT], 0, INT64_MAX, &f->bytes) != 0)
		return fi_nfdump_bad(err, "bytes", v[NF_BYT]);
	if (fi_num_u64(v[NF_FL], 1, 1000000000, &x) != 0)
		return fi_nfdump_bad(err, "flows", v[NF_FL]);
	f->flows = x * FI_FLOW_UNIT;
	*n = 1;
	return 0;
}
