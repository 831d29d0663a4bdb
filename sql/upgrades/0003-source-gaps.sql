-- 0003-source-gaps.sql: keys of a source table followed by its
-- AUTO_INCREMENT column (mark mode "key") that were skipped below the mark,
-- as ranges [lo, hi]: a row committed late by a concurrent writer shows up
-- there later. Written in the same transaction as the mark and the flows;
-- first_seen (UNIX seconds) lets a range be given up after src_settle.
CREATE TABLE IF NOT EXISTS fi_source_gaps (
	source VARCHAR(190) NOT NULL,
	source_table VARCHAR(64) NOT NULL,
	lo BIGINT NOT NULL,
	hi BIGINT NOT NULL,
	first_seen BIGINT NOT NULL,
	PRIMARY KEY (source, source_table, lo)
) ENGINE=InnoDB;
