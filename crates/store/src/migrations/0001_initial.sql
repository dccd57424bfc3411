CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('marketer', 'qa', 'reviewer', 'admin'))
);

CREATE TABLE change_sets (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    author TEXT NOT NULL REFERENCES users(name),
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'rejected', 'published')),
    created_at TEXT NOT NULL,
    decided_by TEXT REFERENCES users(name),
    decided_at TEXT,
    decision_comment TEXT,
    -- The newest release when this change set was approved, for conflict checks at publish time.
    approved_after_release INTEGER
);

-- Append-only history. `position` is the edit whose content this revision holds (itself for an
-- edit; the restored edit for an undo or redo); `parent_edit` is the position an edit was made
-- on (the undo tree).
CREATE TABLE revisions (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    parent INTEGER REFERENCES revisions(id),
    author TEXT NOT NULL,
    at TEXT NOT NULL,
    change_set INTEGER REFERENCES change_sets(id),
    content TEXT,
    is_edit INTEGER NOT NULL,
    position INTEGER NOT NULL,
    parent_edit INTEGER
);
CREATE INDEX revisions_by_path ON revisions(path, id);
CREATE INDEX revisions_by_parent_edit ON revisions(path, parent_edit);

CREATE TABLE documents (
    path TEXT PRIMARY KEY,
    head INTEGER NOT NULL REFERENCES revisions(id)
);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    change_set INTEGER REFERENCES change_sets(id),
    path TEXT,
    author TEXT NOT NULL,
    at TEXT NOT NULL,
    text TEXT NOT NULL
);

CREATE TABLE releases (
    id INTEGER PRIMARY KEY,
    change_set INTEGER REFERENCES change_sets(id),
    hash TEXT NOT NULL,
    sources TEXT NOT NULL,
    published_by TEXT NOT NULL,
    at TEXT NOT NULL,
    rollback_of INTEGER REFERENCES releases(id)
);

CREATE TABLE scheduled_publishes (
    id INTEGER PRIMARY KEY,
    change_set INTEGER NOT NULL REFERENCES change_sets(id),
    due TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'published', 'refused')),
    reason TEXT
);

CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

-- History, releases and the audit log are append-only.
CREATE TRIGGER revisions_append_only_update BEFORE UPDATE ON revisions BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER revisions_append_only_delete BEFORE DELETE ON revisions BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER releases_immutable_update BEFORE UPDATE ON releases BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER releases_immutable_delete BEFORE DELETE ON releases BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
