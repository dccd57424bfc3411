-- Documents the CMS sent that this workspace refuses (a path outside its own documents, text
-- that is not valid JSON, over the size limit): never applied, kept visible with the CMS's
-- version and the reason until a valid version of the same document arrives.
CREATE TABLE sync_quarantine (
    id INTEGER PRIMARY KEY,
    -- As the CMS named it, shortened and with control characters escaped.
    path TEXT NOT NULL,
    remote_version TEXT NOT NULL,
    remote_author TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- The start of the CMS's text, so a person can see what arrived.
    excerpt TEXT,
    size INTEGER NOT NULL,
    found_at TEXT NOT NULL,
    cleared_at TEXT
);
CREATE UNIQUE INDEX sync_quarantine_open ON sync_quarantine(path) WHERE cleared_at IS NULL;
-- Pulls ask, for every change, whether the document still waits in the outbox.
CREATE INDEX outbox_pending_path ON outbox(path) WHERE state = 'pending';
