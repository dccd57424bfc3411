-- Edits made in the CMS arrive as change sets waiting for review, by their remote author: a CMS
-- account, not a member of this store's team. So a change set's author is no longer required
-- to be a local user (the store still checks local authors when they act), and `remote_author`
-- says which change sets came from the CMS. SQLite changes a constraint only by rebuilding the
-- table (run with foreign keys off, checked before commit; see db.rs `migrate`).
CREATE TABLE change_sets_rebuilt (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'rejected', 'published')),
    created_at TEXT NOT NULL,
    decided_by TEXT REFERENCES users(name),
    decided_at TEXT,
    decision_comment TEXT,
    -- The newest release when this change set was approved, for conflict checks at publish time.
    approved_after_release INTEGER,
    -- 1 when the CMS's changes feed brought it (its author is a CMS account).
    from_cms INTEGER NOT NULL DEFAULT 0
);
INSERT INTO change_sets_rebuilt (id, title, author, state, created_at, decided_by, decided_at, decision_comment, approved_after_release)
    SELECT id, title, author, state, created_at, decided_by, decided_at, decision_comment, approved_after_release FROM change_sets;
DROP TABLE change_sets;
ALTER TABLE change_sets_rebuilt RENAME TO change_sets;
