-- 0006-heartbeat.sql: one row the server's event scheduler rewrites every
-- second (the event fi_heartbeat, made by --init-db: sql/heartbeat.sql), so
-- a replica shows how old its data is even while no flows arrive: the
-- responder's data_as_of, replica_lag_s and X-Data-As-Of (fcgi/API.md).
CREATE TABLE IF NOT EXISTS fi_heartbeat (
	id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
	ts_ms BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB;
INSERT IGNORE INTO fi_heartbeat VALUES (1, ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000));
