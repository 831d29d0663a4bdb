-- retention.sql: the retention EVENT of one bucket size (SPEC 5), run by the
-- server's event scheduler. --init-db drops and re-creates it from the config:
-- @SIZE@ (seconds), @DAYS@ (age), @INTERVAL@ (seconds between runs); the
-- DELETES are retention_delete.sql once for each table of buckets.sql.
-- A bucket is deleted once all of it is older than the age. Deletes go in
-- batches of @BATCH@ rows, each its own short transaction, so the importer and
-- the responder are never locked out for long.
-- The per-key rows and ports of a detail size (flow_detail_sizes) also answer
-- the coarser sizes summed from them: they go only below @DETAIL_CUTOFF@, the
-- first bucket that some of those sizes still keeps (--init-db computes it;
-- for a size that is not a detail size it is just past `cutoff`).
CREATE EVENT fi_retention_@SIZE@
	ON SCHEDULE EVERY @INTERVAL@ SECOND
	ON COMPLETION PRESERVE ENABLE
	COMMENT 'flowinspector: drop @SIZE@ s buckets older than @DAYS@ days'
DO BEGIN
	DECLARE cutoff BIGINT DEFAULT UNIX_TIMESTAMP() - @DAYS@ * 86400 - @SIZE@;
	DECLARE detail_cutoff BIGINT DEFAULT @DETAIL_CUTOFF@;
@DELETES@
END
