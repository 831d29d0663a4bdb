-- retention_delete.sql: one table's part of a retention EVENT (retention.sql):
-- its buckets before the cutoff (BEFORE) go, in batches of BATCH rows.
	REPEAT
		DELETE FROM @TABLE@_@SIZE@ WHERE bucket @BEFORE@ LIMIT @BATCH@;
	UNTIL ROW_COUNT() = 0 END REPEAT;
