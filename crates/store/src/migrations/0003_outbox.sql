-- Everything that must reach the remote CMS, queued in the transaction that publishes it and
-- drained in order by the sync worker. An entry is done only after the CMS confirmed it.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    release INTEGER NOT NULL REFERENCES releases(id),
    -- NULL for the release marker that follows a release's documents.
    path TEXT,
    -- NULL for a deletion (and the marker).
    content TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_attempt_at TEXT,
    done_at TEXT
);
CREATE INDEX outbox_pending ON outbox(state, id);
