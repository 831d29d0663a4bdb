-- 0001-base.sql: the tables that do not depend on the bucket sizes.
-- Applied once by `flowinspector-importer --init-db`, recorded in
-- fi_schema_version. Every statement is idempotent, because DDL is not
-- transactional and an interrupted upgrade is simply run again.

-- The bucket sizes that have tables, with the retention last configured.
CREATE TABLE IF NOT EXISTS fi_bucket_sizes (
	size INT UNSIGNED NOT NULL PRIMARY KEY,
	retention_days INT UNSIGNED NOT NULL DEFAULT 0,
	created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB;

-- Queue batches already written, per consumer: written in the same
-- transaction as the batch's data, so a batch is either wholly in the
-- database with its row here, or not at all.
CREATE TABLE IF NOT EXISTS fi_batches (
	consumer VARCHAR(190) NOT NULL,
	batch_id BIGINT UNSIGNED NOT NULL,
	flows BIGINT UNSIGNED NOT NULL DEFAULT 0,
	committed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
	PRIMARY KEY (consumer, batch_id)
) ENGINE=InnoDB;

-- How far a database source has been imported, per source and table;
-- advanced in the same transaction as the imported data.
CREATE TABLE IF NOT EXISTS fi_source_marks (
	source VARCHAR(190) NOT NULL,
	source_table VARCHAR(64) NOT NULL,
	mark VARBINARY(255) NOT NULL,
	rows_imported BIGINT UNSIGNED NOT NULL DEFAULT 0,
	updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
	PRIMARY KEY (source, source_table)
) ENGINE=InnoDB;

-- Small facts the API reports (e.g. the last import time).
CREATE TABLE IF NOT EXISTS fi_meta (
	name VARCHAR(64) NOT NULL PRIMARY KEY,
	value VARCHAR(255) NOT NULL,
	updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
) ENGINE=InnoDB;
