-- Where published releases are delivered (each a `vantage serve` or edge Worker address), added
-- by an admin, and what each was last seen serving: the release it confirmed, or that it is
-- behind and why.
CREATE TABLE deploy_targets (
    url TEXT PRIMARY KEY,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    -- The release hash the target last confirmed serving (NULL: never confirmed one).
    serving TEXT,
    -- 'serving' (the latest published release), 'behind' or 'new'.
    state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'serving', 'behind')),
    detail TEXT,
    checked_at TEXT
);
