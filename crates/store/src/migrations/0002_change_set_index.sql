-- Listing change sets reads the documents each touched; without this it scans all history.
CREATE INDEX revisions_by_change_set ON revisions(change_set, path);
