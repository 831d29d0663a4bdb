-- grants.sql: the two accounts of SPEC 5, for one client host (@HOST@).
-- @USER@ is the importer (reads and writes the tables), @RO_USER@ the
-- responder (SELECT only). Passwords are set separately by --init-db from
-- a hash the server computes through a prepared statement. The roll-up
-- (the importer's account) sums a bucket's flow rows into a temporary table.
CREATE USER IF NOT EXISTS @USER@@@HOST@;
CREATE USER IF NOT EXISTS @RO_USER@@@HOST@;
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE TEMPORARY TABLES ON @DB@.* TO @USER@@@HOST@;
GRANT SELECT ON @DB@.* TO @RO_USER@@@HOST@;
