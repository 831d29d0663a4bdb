-- retention.sql: the retention EVENT of one bucket size (SPEC 5), run by the
-- server's event scheduler. --init-db drops and re-creates it from the config:
-- @SIZE@ (seconds), @DAYS@ (age), @INTERVAL@ (seconds between runs).
-- A bucket is deleted once all of it is older than the age. Deletes go in
-- batches of @BATCH@ rows, each its own short transaction, so the importer and
-- the responder are never locked out for long.
CREATE EVENT fi_retention_@SIZE@
	ON SCHEDULE EVERY @INTERVAL@ SECOND
	ON COMPLETION PRESERVE ENABLE
	COMMENT 'flowinspector: drop @SIZE@ s buckets older than @DAYS@ days'
DO BEGIN
	DECLARE cutoff BIGINT DEFAULT UNIX_TIMESTAMP() - @DAYS@ * 86400 - @SIZE@;
	REPEAT
		DELETE FROM flows_@SIZE@ WHERE bucket <= cutoff LIMIT @BATCH@;
	UNTIL ROW_COUNT() = 0 END REPEAT;
	REPEAT
		DELETE FROM nodes_@SIZE@ WHERE bucket <= cutoff LIMIT @BATCH@;
	UNTIL ROW_COUNT() = 0 END REPEAT;
	REPEAT
		DELETE FROM ports_@SIZE@ WHERE bucket <= cutoff LIMIT @BATCH@;
	UNTIL ROW_COUNT() = 0 END REPEAT;
	REPEAT
		DELETE FROM totals_@SIZE@ WHERE bucket <= cutoff LIMIT @BATCH@;
	UNTIL ROW_COUNT() = 0 END REPEAT;
END
