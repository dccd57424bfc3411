-- Every release records the audit log's head when it was published (entry number and hash),
-- so a release can be checked against the log and `audit verify` has anchors to check the log
-- against. NULL for releases published before this migration.
ALTER TABLE releases ADD COLUMN audit_seq INTEGER;
ALTER TABLE releases ADD COLUMN audit_hash TEXT;
