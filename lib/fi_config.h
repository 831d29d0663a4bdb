/*
 * fi_config.h: the one configuration file all programs read (SPEC 8).
 * `key = value` lines, `#` comment lines. One table in fi_config.c lists every
 * key with its type, default and bounds; it parses, validates and prints.
 */
#ifndef FI_CONFIG_H
#define FI_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "fi_err.h"
#include "fi_limits.h"

#define FI_CONFIG_DEFAULT_PATH "/etc/flowinspector/flowinspector.conf"
#define FI_CONFIG_ENV	       "FLOWINSPECTOR_CONF"

struct fi_config {
	/* database */
	char db_host[FI_CONFIG_STR_MAX];   /* server host, "localhost" uses the socket */
	unsigned db_port;		   /* TCP port */
	char db_socket[FI_CONFIG_STR_MAX]; /* unix socket path, "" = client default */
	char db_name[FI_IDENT_MAX];	   /* database holding the bucket tables */
	char db_user[FI_IDENT_MAX];	   /* importer's account (read/write) */
	char db_password[FI_CONFIG_STR_MAX];	/* its password */
	char db_ro_user[FI_IDENT_MAX];		/* responder's account (SELECT only) */
	char db_ro_password[FI_CONFIG_STR_MAX]; /* its password */
	char db_admin_user[FI_IDENT_MAX];	/* account --init-db uses */
	char db_admin_password[FI_CONFIG_STR_MAX];
	char db_grant_hosts[FI_CONFIG_STR_MAX]; /* hosts the accounts are created for */
	/* aggregation */
	uint32_t bucket_sizes[FI_BUCKET_SIZES_MAX]; /* ascending, seconds */
	unsigned n_bucket_sizes;
	uint32_t retention_days[FI_BUCKET_SIZES_MAX]; /* per size, 0 = forever */
	unsigned n_retention_given; /* entries written; == n_bucket_sizes once finished */
	/*
	 * Detail sizes: the sizes whose per-key flow table and port index are
	 * stored. Another size's per-key rows and ports are the sums of those of
	 * the coarsest detail size that divides it (the slices of a flow add up
	 * exactly across sizes that divide each other), so they are not written.
	 */
	uint32_t detail_sizes[FI_BUCKET_SIZES_MAX]; /* as given */
	unsigned n_detail_given;		    /* 0: the finest size only */
	int detail_all;				    /* "all": every size is stored */
	/* per bucket size index: the size whose flows_ and ports_ tables hold it */
	uint32_t detail_source[FI_BUCKET_SIZES_MAX];
	unsigned retention_interval; /* seconds between retention runs */
	unsigned rollup_workers;     /* roll-up processes the importer runs (0 or 1) */
	unsigned rollup_connections; /* connections the roll-up works with at once */
	unsigned rollup_settle;	     /* quiet seconds before a bucket is rolled up */
	int live_import;	     /* flush when flow time passes max_flow_age */
	unsigned max_flow_age;	     /* seconds of flow time between flushes */
	unsigned max_flow_duration;  /* longer flows are rejected */
	/* queue */
	char redis_host[FI_CONFIG_STR_MAX];
	unsigned redis_port;
	unsigned redis_db;
	char redis_password[FI_CONFIG_STR_MAX];
	char redis_queue[FI_CONFIG_STR_MAX];	  /* list the producers RPUSH to */
	char redis_dead_queue[FI_CONFIG_STR_MAX]; /* list of rejected elements */
	char consumer_name[FI_CONFIG_STR_MAX]; /* this importer's name, "" = host:pid-free
					  default */
	unsigned flush_interval;	       /* wall-clock seconds between flushes */
	unsigned batch_size;		       /* queue elements taken per round trip */
	unsigned max_memory_mb;		       /* flush early when the cache reaches it */
	unsigned db_writers;		       /* connections the importer writes over */
	unsigned write_set_rows; /* bucket rows per transaction at most, 0: no bound */
	/* database sources: one-shot imports of argus / VERMONT tables */
	char src_driver[FI_CONFIG_STR_MAX]; /* source server kind: mysql or postgresql */
	char src_host[FI_CONFIG_STR_MAX];   /* source server host, "localhost": socket */
	unsigned src_port;		    /* its TCP port, 0: the driver's default */
	char src_socket[FI_CONFIG_STR_MAX]; /* its unix socket, "" = client default */
	char src_user[FI_CONFIG_STR_MAX];   /* account that reads the source tables */
	char src_password[FI_CONFIG_STR_MAX]; /* its password */
	char src_database[FI_CONFIG_STR_MAX]; /* database holding the source tables */
	char src_name[FI_CONFIG_STR_MAX];     /* name of the source in fi_source_marks */
	unsigned src_chunk_rows;	      /* source rows per transaction */
	unsigned src_settle;   /* seconds before a finished day counts as complete */
	unsigned src_max_gaps; /* gap ranges kept per table in key mode */
	/* probe */
	unsigned probe_max_queue; /* wait while the queue is this long, 0 = never */
	unsigned probe_inactive_timeout; /* seconds without a packet that end a flow */
	unsigned probe_active_timeout;	 /* seconds after which a long flow is cut */
	unsigned probe_tcp_end_timeout;	 /* seconds a flow lasts after FIN/RST */
	unsigned probe_max_flows;	 /* flow table capacity */
	int probe_icmp_typecode;	 /* ICMP type*256+code as destination port */
	/* responder */
	char fcgi_socket[FI_CONFIG_STR_MAX]; /* host:port or unix socket path */
	unsigned fcgi_workers;		     /* worker processes */
	unsigned fcgi_light_workers;	     /* workers large queries may not take */
	unsigned fcgi_groups_max;   /* groups the responder sums (fi_api_groups.c) */
	unsigned fcgi_read_timeout; /* seconds a client has to send its request */
	unsigned max_rows;	    /* cap on rows one answer returns */
	unsigned query_timeout;	    /* seconds before a query is cut off */
	unsigned max_replica_lag;   /* seconds of lag before data routes answer 503 */
	char geo_country_db[FI_CONFIG_STR_MAX]; /* country database (MaxMind format) */
	char geo_asn_db[FI_CONFIG_STR_MAX];	/* AS database (MaxMind format) */
	/* logging */
	int log_level;			  /* enum fi_log_level */
	char log_file[FI_CONFIG_STR_MAX]; /* "" = stderr */
	/* where the two related keys were set, for fi_config_finish's messages */
	char sizes_where[FI_CONFIG_STR_MAX + 16]; /* "file:line", or "" for the default */
	char retention_where[FI_CONFIG_STR_MAX + 16]; /* likewise */
	char detail_where[FI_CONFIG_STR_MAX + 16];    /* likewise */
};

/* Fills cfg with every key's default. */
void fi_config_defaults(struct fi_config *cfg);

/*
 * Reads the file at path over the current contents of cfg (call
 * fi_config_defaults first). Errors name the file and line in err->msg and
 * return FI_ECONFIG (bad content) or FI_EIO (unreadable).
 */
int fi_config_load(struct fi_config *cfg, const char *path, struct fi_err *err);

/*
 * Sets one key from text, as a config line would; `where` names the origin
 * for messages (e.g. "command line"). Returns 0 or FI_ECONFIG.
 */
int fi_config_set(struct fi_config *cfg, const char *key, const char *value,
		  const char *where, struct fi_err *err);

/*
 * Checks the relations between keys (e.g. retention_days against
 * flow_bucket_sizes) and completes derived values. Returns 0 or FI_ECONFIG.
 */
int fi_config_finish(struct fi_config *cfg, struct fi_err *err);

/*
 * The path to read: explicit (from -c) if not NULL, else $FLOWINSPECTOR_CONF,
 * else the default path. *required tells whether a missing file is an error
 * (the default path may be absent: then the defaults apply).
 */
const char *fi_config_path(const char *explicit_path, int *required);

/*
 * Everything a program does at start: defaults, the file (see
 * fi_config_path), finish. Returns 0, FI_ECONFIG or FI_EIO.
 */
int fi_config_read(struct fi_config *cfg, const char *explicit_path, struct fi_err *err);

/* Prints the effective configuration as a config file; secrets are masked. */
void fi_config_print(const struct fi_config *cfg, FILE *out);

/* Prints every key with its default and description (for --help). */
void fi_config_print_keys(FILE *out);

/*
 * The size whose flows_ and ports_ tables hold the per-key rows and ports of
 * bucket size index i: the size itself when it is a detail size.
 */
uint32_t fi_config_detail_source(const struct fi_config *cfg, unsigned i);

/*
 * Whether the roll-up keeps the host pair lists (pairtop_S) of bucket size
 * index i: only the coarsest size's, whose few buckets span long ranges;
 * finer sizes would write a copy of nearly every pair row.
 */
int fi_config_pair_lists(const struct fi_config *cfg, unsigned i);

/* Whether bucket size index i stores its own per-key rows and ports. */
int fi_config_is_detail(const struct fi_config *cfg, unsigned i);

/*
 * The size that bucket size index i's roll-up tables (pairs_, and ports_ of
 * a size that is not a detail size) are summed from: the index of the
 * coarsest configured size below it that divides it, or -1 (the finest size
 * of its chain: its pairs are summed from its detail source's flow rows).
 */
int fi_config_rollup_prev(const struct fi_config *cfg, unsigned i);

/* The bucket size index of size, or -1. */
int fi_config_bucket_index(const struct fi_config *cfg, uint32_t size);

#endif
