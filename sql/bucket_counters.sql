-- bucket_counters.sql: the counters of each protocol class (flows, packets,
-- bytes) that the tables of buckets.sql hold: once in totals (SIDE empty),
-- per direction in nodes and ports (SIDE src_ and dst_). --init-db expands
-- it into the COUNTERS, SRC_COUNTERS and DST_COUNTERS of buckets.sql.
	@SIDE@tcp_flows DECIMAL(30,9) NOT NULL DEFAULT 0,
	@SIDE@tcp_packets BIGINT UNSIGNED NOT NULL DEFAULT 0,
	@SIDE@tcp_bytes BIGINT UNSIGNED NOT NULL DEFAULT 0,
	@SIDE@udp_flows DECIMAL(30,9) NOT NULL DEFAULT 0,
	@SIDE@udp_packets BIGINT UNSIGNED NOT NULL DEFAULT 0,
	@SIDE@udp_bytes BIGINT UNSIGNED NOT NULL DEFAULT 0,
	@SIDE@icmp_flows DECIMAL(30,9) NOT NULL DEFAULT 0,
	@SIDE@icmp_packets BIGINT UNSIGNED NOT NULL DEFAULT 0,
	@SIDE@icmp_bytes BIGINT UNSIGNED NOT NULL DEFAULT 0,
	@SIDE@other_flows DECIMAL(30,9) NOT NULL DEFAULT 0,
	@SIDE@other_packets BIGINT UNSIGNED NOT NULL DEFAULT 0,
	@SIDE@other_bytes BIGINT UNSIGNED NOT NULL DEFAULT 0
