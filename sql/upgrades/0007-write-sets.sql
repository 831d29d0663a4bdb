-- 0007-write-sets.sql: a batch's larger tables may be written in pieces of at
-- most write_set_rows rows, one transaction each (bounded Galera write sets).
-- Every record of a batch keeps the piece size it was cut with, so a batch
-- read again after a crash is cut the same way even if the setting changed.
-- Idempotent: the column is added only if missing.
ALTER TABLE fi_batches
	ADD COLUMN IF NOT EXISTS piece_rows INT UNSIGNED NOT NULL DEFAULT 0 AFTER flows;
