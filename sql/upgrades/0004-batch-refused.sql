-- 0004-batch-refused.sql: queue elements of a batch that were refused
-- because a counter would pass FI_COUNTER_MAX (2^63-1), by their position in
-- the batch's list, with the reason. Written in the same transaction as the
-- batch's totals, so that a batch read again after a crash refuses exactly
-- the elements it refused before, whatever the tables hold by then.
CREATE TABLE IF NOT EXISTS fi_batch_refused (
	consumer VARCHAR(190) NOT NULL,
	batch_id BIGINT UNSIGNED NOT NULL,
	position BIGINT UNSIGNED NOT NULL,
	reason VARCHAR(255) NOT NULL,
	PRIMARY KEY (consumer, batch_id, position)
) ENGINE=InnoDB;
