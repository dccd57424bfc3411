-- Documents the CMS sent that are not applied as they arrive: refused ones (a path outside the
-- workspace's own documents, text that is not valid JSON, over the size limit), kept visible
-- with the CMS's version and the reason until a valid version arrives; and held ones (a change
-- to a template, a schema or the theme: code), kept whole until someone takes them into a
-- change set for review.
CREATE TABLE sync_quarantine (
    id INTEGER PRIMARY KEY,
    -- As the CMS named it, shortened and with control characters escaped.
    path TEXT NOT NULL,
    remote_version TEXT NOT NULL,
    remote_author TEXT NOT NULL,
    -- 'refused' or 'held'.
    kind TEXT NOT NULL CHECK (kind IN ('refused', 'held')),
    reason TEXT NOT NULL,
    -- The start of the CMS's text, so a person can see what arrived.
    excerpt TEXT,
    size INTEGER NOT NULL,
    -- The whole canonical text of a held change (NULL when refused, or a held deletion).
    content TEXT,
    found_at TEXT NOT NULL,
    cleared_at TEXT
);
CREATE UNIQUE INDEX sync_quarantine_open ON sync_quarantine(path) WHERE cleared_at IS NULL;
-- Pulls ask, for every change, whether the document still waits in the outbox.
CREATE INDEX outbox_pending_path ON outbox(path) WHERE state = 'pending';
