-- 0002-batch-parts.sql: a batch is written one table at a time (possibly by
-- several connections in parallel), each table in its own transaction that
-- records (consumer, part, batch_id); part is the table name, e.g. flows_600.
-- Idempotent: the column is added only if missing, the key rebuilt.
ALTER TABLE fi_batches
	ADD COLUMN IF NOT EXISTS part VARCHAR(32) NOT NULL DEFAULT '' AFTER consumer,
	DROP PRIMARY KEY,
	ADD PRIMARY KEY (consumer, part, batch_id);
