-- A rollback can make the workspace as it was imported live again (undoing the first release):
-- such a release restores no earlier release, so it says so here.
ALTER TABLE releases ADD COLUMN restores_import INTEGER NOT NULL DEFAULT 0;
