-- grants.sql: the two accounts of SPEC 5, for one client host (@HOST@).
-- @USER@ is the importer (reads and writes the tables), @RO_USER@ the
-- responder (SELECT only). Passwords are set separately by --init-db from
-- a hash the server computes through a prepared statement.
CREATE USER IF NOT EXISTS @USER@@@HOST@;
CREATE USER IF NOT EXISTS @RO_USER@@@HOST@;
GRANT SELECT, INSERT, UPDATE, DELETE ON @DB@.* TO @USER@@@HOST@;
GRANT SELECT ON @DB@.* TO @RO_USER@@@HOST@;
