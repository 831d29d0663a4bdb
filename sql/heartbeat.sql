-- heartbeat.sql: the EVENT that writes the time into fi_heartbeat every
-- second (0006-heartbeat.sql). --init-db drops and re-creates it ENABLEd:
-- on a replica the replicated event is SLAVESIDE_DISABLED, so after a
-- failover --init-db on the new primary starts it there (README, "Past
-- one machine"). Its row reaches the replicas by replication.
CREATE EVENT fi_heartbeat
	ON SCHEDULE EVERY 1 SECOND
	ON COMPLETION PRESERVE ENABLE
	COMMENT 'flowinspector: the time, every second, for replicas to show their lag'
DO UPDATE fi_heartbeat SET ts_ms = ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) WHERE id = 1
