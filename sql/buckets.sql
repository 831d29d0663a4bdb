-- buckets.sql: the tables kept for every bucket size (SPEC 4), in their
-- newest form; @SIZE@ is replaced by the size in seconds, and the counter
-- columns by those of bucket_counters.sql. Run for every configured size on
-- each --init-db, so adding a size just adds its tables.
--
-- Tables 1 to 4 are written by the importer; 5 to 9 (and 4 of a size that
-- is not a detail size) by the roll-up (importer/fi_rollup.c) from finer rows.
--
-- Addresses are BINARY(16), IPv4 mapped into ::ffff:0:0/96, so both families
-- sort and range-scan by prefix. `flows` is DECIMAL(30,9): the importer splits
-- a flow into exact billionths, and sums of DECIMAL are exact and commute.
-- Every counter is summed by INSERT ... ON DUPLICATE KEY UPDATE c = c + VALUES(c).

-- 1. per key: the protocol class of a row follows from `proto`, so the
--    per-class counters of SPEC 4.1 are derived when read, not stored.
CREATE TABLE IF NOT EXISTS flows_@SIZE@ (
	bucket INT UNSIGNED NOT NULL,
	src BINARY(16) NOT NULL,
	dst BINARY(16) NOT NULL,
	sport SMALLINT UNSIGNED NOT NULL,
	dport SMALLINT UNSIGNED NOT NULL,
	proto TINYINT UNSIGNED NOT NULL,
	flows DECIMAL(30,9) NOT NULL DEFAULT 0,
	packets BIGINT UNSIGNED NOT NULL DEFAULT 0,
	bytes BIGINT UNSIGNED NOT NULL DEFAULT 0,
	PRIMARY KEY (bucket, src, dst, sport, dport, proto)
) ENGINE=InnoDB;

-- 2. per bucket: totals by protocol class; the overall total is their sum.
CREATE TABLE IF NOT EXISTS totals_@SIZE@ (
	bucket INT UNSIGNED NOT NULL PRIMARY KEY,
	@COUNTERS@
) ENGINE=InnoDB;

-- 3. per address and bucket, split by direction and protocol class; a node's
--    total and per-class counters are sums of these (a flow from an address
--    to itself counts once as source and once as destination).
CREATE TABLE IF NOT EXISTS nodes_@SIZE@ (
	bucket INT UNSIGNED NOT NULL,
	addr BINARY(16) NOT NULL,
	@SRC_COUNTERS@,
	@DST_COUNTERS@,
	PRIMARY KEY (bucket, addr)
) ENGINE=InnoDB;

-- 4. per port and bucket, same counters: a flow counts for its source port
--    as `src` and for its destination port as `dst`.
CREATE TABLE IF NOT EXISTS ports_@SIZE@ (
	bucket INT UNSIGNED NOT NULL,
	port SMALLINT UNSIGNED NOT NULL,
	@SRC_COUNTERS@,
	@DST_COUNTERS@,
	PRIMARY KEY (bucket, port)
) ENGINE=InnoDB;

-- 5. per host pair and protocol: what the graph, edge bundle and hive plot
--    sum. Rolled up from the next finer size's pairs (the finest size's from
--    its flow rows), so a row is the exact sum of the finer ones; a bucket
--    marked in fi_rollup_dirty is not (yet) and is read from finer tables.
CREATE TABLE IF NOT EXISTS pairs_@SIZE@ (
	bucket INT UNSIGNED NOT NULL,
	src BINARY(16) NOT NULL,
	dst BINARY(16) NOT NULL,
	proto TINYINT UNSIGNED NOT NULL,
	flows DECIMAL(30,9) NOT NULL DEFAULT 0,
	packets BIGINT UNSIGNED NOT NULL DEFAULT 0,
	bytes BIGINT UNSIGNED NOT NULL DEFAULT 0,
	last INT UNSIGNED NULL,
	PRIMARY KEY (bucket, src, dst, proto)
) ENGINE=InnoDB;
-- `last`: the latest bucket of the finest level (the detail size's flow
-- rows the chain starts from) in which the row has traffic, so a coarse row
-- also tells the last bucket of any finer size (last DIV size * size): the
-- host pair lists answer finer sizes from the coarsest one. NULL in rows
-- from before it (added here; their buckets are marked below).
ALTER TABLE pairs_@SIZE@ ADD COLUMN IF NOT EXISTS last INT UNSIGNED NULL;

-- 6. the flow table's first rows, for a size that is not a detail size:
--    per bucket the FI_ROLLUP_TOP (importer/fi_rollup.c) largest 5-tuples by
--    flows, by packets and by bytes (the union), summed from the detail
--    size's rows by the roll-up; and per bucket how many 5-tuples it has
--    and, per counter, the largest value of a 5-tuple left out (NULL when
--    none is). A page sorted by a counter is exact from these rows while its
--    last row is larger than every bucket's left-out value (fcgi/fi_api_top.c).
CREATE TABLE IF NOT EXISTS flowtop_@SIZE@ (
	bucket INT UNSIGNED NOT NULL,
	src BINARY(16) NOT NULL,
	dst BINARY(16) NOT NULL,
	sport SMALLINT UNSIGNED NOT NULL,
	dport SMALLINT UNSIGNED NOT NULL,
	proto TINYINT UNSIGNED NOT NULL,
	flows DECIMAL(30,9) NOT NULL DEFAULT 0,
	packets BIGINT UNSIGNED NOT NULL DEFAULT 0,
	bytes BIGINT UNSIGNED NOT NULL DEFAULT 0,
	PRIMARY KEY (bucket, src, dst, sport, dport, proto)
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS flowgroups_@SIZE@ (
	bucket INT UNSIGNED NOT NULL PRIMARY KEY,
	tuples BIGINT UNSIGNED NOT NULL,
	out_flows DECIMAL(30,9) NULL,
	out_packets BIGINT UNSIGNED NULL,
	out_bytes BIGINT UNSIGNED NULL
) ENGINE=InnoDB;

-- 7. the node index's first rows, at every size: per bucket and counter
--    (ctr 0 flows, 1 packets, 2 bytes; a host's value is its total, the sum
--    of its src_ and dst_ columns of every class) the hosts of nodes_S
--    ranked by value, largest first, ties by address, ranks 1 to
--    FI_NODETOP_RANKS + 1 (lib/fi_limits.h); and per bucket how many hosts
--    it has and how many ranks per counter were kept. The roll-up writes
--    them from nodes_S of the same bucket; the unfiltered node index sorted
--    by a total reads its candidates here and is exact while every host
--    left out is below its last row (fcgi/fi_api_indextop.c).
CREATE TABLE IF NOT EXISTS nodetop_@SIZE@ (
	bucket INT UNSIGNED NOT NULL,
	ctr TINYINT UNSIGNED NOT NULL,
	rnk SMALLINT UNSIGNED NOT NULL,
	addr BINARY(16) NOT NULL,
	value DECIMAL(30,9) NOT NULL,
	PRIMARY KEY (bucket, ctr, rnk)
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS nodegroups_@SIZE@ (
	bucket INT UNSIGNED NOT NULL PRIMARY KEY,
	hosts INT UNSIGNED NOT NULL,
	ranks SMALLINT UNSIGNED NOT NULL
) ENGINE=InnoDB;

-- 8. the port index's first rows, at every size, as 7 for nodes: per bucket
--    and counter the ports of ports_S ranked by their total (the sum of
--    their src_ and dst_ columns of every class), ties by port, and per
--    bucket how many ports it has and how many ranks were kept. Written
--    from ports_S of the same bucket (of a size that is not a detail size
--    right after the roll-up summed them); read by the unfiltered port
--    index sorted by a total (fcgi/fi_api_indextop.c).
CREATE TABLE IF NOT EXISTS porttop_@SIZE@ (
	bucket INT UNSIGNED NOT NULL,
	ctr TINYINT UNSIGNED NOT NULL,
	rnk SMALLINT UNSIGNED NOT NULL,
	port SMALLINT UNSIGNED NOT NULL,
	value DECIMAL(30,9) NOT NULL,
	PRIMARY KEY (bucket, ctr, rnk)
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS portgroups_@SIZE@ (
	bucket INT UNSIGNED NOT NULL PRIMARY KEY,
	ports INT UNSIGNED NOT NULL,
	ranks SMALLINT UNSIGNED NOT NULL
) ENGINE=InnoDB;

-- 9. the host pairs' first rows, at the coarsest size only (the roll-up
--    keeps none elsewhere, lib/fi_config.c fi_config_pair_lists): per bucket
--    and counter (ctr as in 7) the (src, dst) pairs of pairs_S, summed over
--    their protocols, ranked by value, largest first, ties by src then dst,
--    ranks 1 to FI_PAIRTOP_RANKS + 1 (lib/fi_limits.h); and per bucket how
--    many pairs it has and how many ranks per counter were kept. The
--    unfiltered host pairs sorted by a total read their candidates here
--    (fcgi/fi_api_pairtop.c).
CREATE TABLE IF NOT EXISTS pairtop_@SIZE@ (
	bucket INT UNSIGNED NOT NULL,
	ctr TINYINT UNSIGNED NOT NULL,
	rnk MEDIUMINT UNSIGNED NOT NULL,
	src BINARY(16) NOT NULL,
	dst BINARY(16) NOT NULL,
	value DECIMAL(30,9) NOT NULL,
	PRIMARY KEY (bucket, ctr, rnk)
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS pairgroups_@SIZE@ (
	bucket INT UNSIGNED NOT NULL PRIMARY KEY,
	pairs INT UNSIGNED NOT NULL,
	ranks MEDIUMINT UNSIGNED NOT NULL
) ENGINE=InnoDB;

-- 10. buckets with data that were never rolled up (a database from before
--    roll-ups, or a size added to the config) are marked, so the roll-up
--    fills them; a bucket with data has pair rows once rolled up, so this
--    marks nothing twice and is idempotent.
INSERT IGNORE INTO fi_rollup_dirty (size, bucket)
	SELECT @SIZE@, t.bucket FROM totals_@SIZE@ t
	WHERE NOT EXISTS (SELECT 1 FROM pairs_@SIZE@ p WHERE p.bucket = t.bucket);
-- 11. likewise the buckets rolled up before the node index's first rows
--    (they have pair rows but no nodegroups_S row); idempotent the same way.
INSERT IGNORE INTO fi_rollup_dirty (size, bucket)
	SELECT @SIZE@, t.bucket FROM totals_@SIZE@ t
	WHERE NOT EXISTS (SELECT 1 FROM nodegroups_@SIZE@ g WHERE g.bucket = t.bucket);
-- 12. and those rolled up before the port index's first rows (no
--    portgroups_S row). A detail size's ports_S rows of buckets whose
--    totals_S row is gone are not marked: the responder does not read the
--    lists for a range with such rows before its first portgroups_S row.
INSERT IGNORE INTO fi_rollup_dirty (size, bucket)
	SELECT @SIZE@, t.bucket FROM totals_@SIZE@ t
	WHERE NOT EXISTS (SELECT 1 FROM portgroups_@SIZE@ g WHERE g.bucket = t.bucket);
-- 13. and, at the size with host pair lists (@PAIR_LISTS@ is 1 there, else
--    0), those rolled up before them (no pairgroups_S row).
INSERT IGNORE INTO fi_rollup_dirty (size, bucket)
	SELECT @SIZE@, t.bucket FROM totals_@SIZE@ t
	WHERE @PAIR_LISTS@ = 1
	AND NOT EXISTS (SELECT 1 FROM pairgroups_@SIZE@ g WHERE g.bucket = t.bucket);
-- 14. a size without host pair lists keeps none: a former coarsest size's
--    would go stale, as the roll-up no longer writes them.
DELETE FROM pairgroups_@SIZE@ WHERE @PAIR_LISTS@ = 0;
DELETE FROM pairtop_@SIZE@ WHERE @PAIR_LISTS@ = 0;
-- 15. buckets with pair rows from before `last`: rolled up again (finest
--    size first), so that every pair row has it.
INSERT IGNORE INTO fi_rollup_dirty (size, bucket)
	SELECT DISTINCT @SIZE@, bucket FROM pairs_@SIZE@ WHERE last IS NULL;
