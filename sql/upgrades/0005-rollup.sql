-- 0005-rollup.sql: the buckets whose rolled-up rows (pairs_S, and ports_S of
-- a size that is not a detail size) are not, or no longer, the sums of the
-- finer rows (README "Roll-ups"). The importer marks every bucket of every
-- size its flow and port rows touch, in the transaction that writes them
-- (an existing mark gets gen + 1); the roll-up rolls a marked bucket and
-- deletes the mark only if gen is still what it read before reading the
-- finer rows, so a flow written meanwhile leaves it marked. A bucket without
-- a mark is rolled up: readers take it from its own size's table, a marked
-- one from the finer tables. marked_at is when the mark last changed: a
-- bucket is rolled up once it has been quiet for rollup_settle seconds.
CREATE TABLE IF NOT EXISTS fi_rollup_dirty (
	size INT UNSIGNED NOT NULL,
	bucket INT UNSIGNED NOT NULL,
	gen BIGINT UNSIGNED NOT NULL DEFAULT 0,
	marked_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
	PRIMARY KEY (size, bucket),
	KEY (marked_at)
) ENGINE=InnoDB;
