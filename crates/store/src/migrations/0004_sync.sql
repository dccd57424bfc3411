-- Sync with the remote CMS: settings (the CMS URL, the changes-feed cursor), the base of every
-- synced document (the CMS version and the content both sides last agreed on), and conflicts
-- found when pulling (a document changed on both sides since the last sync).
CREATE TABLE sync_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE sync_bases (
    path TEXT PRIMARY KEY,
    -- The CMS version last seen; NULL when the CMS deleted the document.
    remote_version TEXT,
    -- The content both sides agreed on at that version; NULL for a deletion.
    content TEXT,
    at TEXT NOT NULL
);

CREATE TABLE sync_conflicts (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    -- The local head when the conflict was found (NULL: the document is absent or deleted here).
    local_revision INTEGER REFERENCES revisions(id),
    local_content TEXT,
    remote_version TEXT NOT NULL,
    -- NULL when the CMS deleted the document.
    remote_content TEXT,
    remote_author TEXT NOT NULL,
    -- The field-level diff (JSON array of {path, mine, theirs}).
    diff TEXT NOT NULL,
    found_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    -- 'mine', 'theirs' or 'merged'.
    resolution TEXT
);
-- At most one open conflict per document: a newer remote change replaces the open one.
CREATE UNIQUE INDEX sync_conflicts_open ON sync_conflicts(path) WHERE resolved_at IS NULL;
