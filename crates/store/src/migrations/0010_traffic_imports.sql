-- Recorded traffic imported for impact and lint on real visitors: the typed Parquet file beside
-- the store is identified by its SHA-256 and row count here, so a file changed outside Vantage
-- is refused rather than measured. Append-only: the latest row is the traffic in use.
CREATE TABLE traffic_imports (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    rows INTEGER NOT NULL CHECK (rows > 0),
    -- The file imported from (its name only) and the report by column (no visitor's values).
    source TEXT NOT NULL,
    report TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TRIGGER traffic_imports_append_only_update BEFORE UPDATE ON traffic_imports
BEGIN SELECT RAISE(ABORT, 'traffic imports are append-only'); END;
CREATE TRIGGER traffic_imports_append_only_delete BEFORE DELETE ON traffic_imports
BEGIN SELECT RAISE(ABORT, 'traffic imports are append-only'); END;
