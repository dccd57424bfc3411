//! Pulling and resolving against an in-memory CMS with the same semantics as the Strapi sync
//! API (versions, compare-and-set, a changes feed by sequence, tombstones), so the rules run in
//! plain `cargo test`: a change is applied only where nothing changed locally, otherwise it is
//! a conflict with a field diff, and resolving leaves both sides equal.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod support;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;
use vantage_store::{ChangeSetState, Role, Store};
use vantage_sync::{
    pull, push_and_record, resolve, Backoff, CmsAdapter, CmsError, PushOutcome, ReleaseBasis, RemoteAnchor, RemoteChange, RemotePage,
    Resolution,
};

#[derive(Default)]
struct Doc {
    version: u64,
    content: Option<String>,
    author: String,
    seq: u64,
}

/// Documents by path, a sequence, receipts by idempotency key.
#[derive(Default)]
struct MemoryCms {
    docs: Mutex<BTreeMap<String, Doc>>,
    seq: Mutex<u64>,
    receipts: Mutex<BTreeMap<String, String>>,
    anchors: support::AnchorLog,
}

impl MemoryCms {
    fn write(&self, path: &str, content: Option<&str>, expected: Option<&str>, author: &str) -> Result<String, CmsError> {
        let mut docs = self.docs.lock().unwrap();
        let current = docs.get(path);
        let live = current.filter(|d| d.content.is_some());
        let ok = match (live, expected) {
            (None, None) => true,
            (None, Some(e)) => current.is_some_and(|d| d.version.to_string() == e),
            (Some(d), Some(e)) => d.version.to_string() == e,
            (Some(_), None) => false,
        };
        if !ok {
            return Err(CmsError::Conflict { path: path.into(), current: live.map(|d| d.version.to_string()).unwrap_or_default() });
        }
        let mut seq = self.seq.lock().unwrap();
        *seq += 1;
        let version = current.map_or(1, |d| d.version + 1);
        docs.insert(path.into(), Doc { version, content: content.map(str::to_owned), author: author.into(), seq: *seq });
        Ok(version.to_string())
    }

    /// An edit made by someone in the CMS.
    fn edit(&self, path: &str, f: impl FnOnce(&str) -> String) -> String {
        let (text, version) = {
            let docs = self.docs.lock().unwrap();
            let d = &docs[path];
            (d.content.clone().unwrap(), d.version.to_string())
        };
        let text = f(&text);
        self.write(path, Some(&text), Some(&version), "eve@cms").unwrap();
        text
    }

    fn content(&self, path: &str) -> Option<String> {
        self.docs.lock().unwrap().get(path).and_then(|d| d.content.clone())
    }
}

impl CmsAdapter for MemoryCms {
    async fn changes_since(&self, cursor: Option<&str>) -> Result<RemotePage, CmsError> {
        let since: u64 = cursor.unwrap_or("0").parse().unwrap();
        let docs = self.docs.lock().unwrap();
        let mut changes: Vec<(u64, RemoteChange)> = docs
            .iter()
            .filter(|(_, d)| d.seq > since)
            .map(|(p, d)| {
                (
                    d.seq,
                    RemoteChange { path: p.clone(), version: d.version.to_string(), content: d.content.clone(), author: d.author.clone() },
                )
            })
            .collect();
        changes.sort_by_key(|(s, _)| *s);
        let more = changes.len() > 7;
        changes.truncate(7); // small pages: paging is exercised too
        let cursor = changes.last().map_or(since, |(s, _)| *s).to_string();
        Ok(RemotePage { changes: changes.into_iter().map(|(_, c)| c).collect(), cursor, more })
    }
    async fn read(&self, path: &str) -> Result<Option<(String, String)>, CmsError> {
        Ok(self.docs.lock().unwrap().get(path).and_then(|d| d.content.clone().map(|c| (c, d.version.to_string()))))
    }
    async fn put(&self, path: &str, content: &str, expected: Option<&str>, key: &str, _basis: &ReleaseBasis) -> Result<String, CmsError> {
        if let Some(v) = self.receipts.lock().unwrap().get(key) {
            return Ok(v.clone());
        }
        let v = self.write(path, Some(content), expected, "vantage")?;
        self.receipts.lock().unwrap().insert(key.into(), v.clone());
        Ok(v)
    }
    async fn delete(&self, path: &str, expected: &str, key: &str, _basis: &ReleaseBasis) -> Result<(), CmsError> {
        if self.receipts.lock().unwrap().contains_key(key) {
            return Ok(());
        }
        if self.content(path).is_none() {
            return Ok(());
        }
        let v = self.write(path, None, Some(expected), "vantage")?;
        self.receipts.lock().unwrap().insert(key.into(), v);
        Ok(())
    }
    async fn publish_release(&self, _hash: &str, _key: &str, _basis: &ReleaseBasis) -> Result<(), CmsError> {
        Ok(())
    }
    async fn anchor_audit(&self, workspace: &str, seq: i64, hash: &str) -> Result<(), CmsError> {
        self.anchors.anchor(workspace, seq, hash)
    }
    async fn audit_anchors(&self, workspace: &str) -> Result<Vec<RemoteAnchor>, CmsError> {
        Ok(self.anchors.list(workspace))
    }
}

fn fast() -> Backoff {
    Backoff { base: Duration::from_millis(1), max: Duration::from_millis(10), attempts: 3 }
}

fn files() -> BTreeMap<String, String> {
    (0..20).map(|i| (format!("profiles/n{i:02}.json"), format!("{{\"id\": \"n{i:02}\", \"name\": \"Note {i}\", \"description\": \"text {i}\", \"attributes\": {{}}, \"consents\": []}}"))).collect()
}

/// A store with a published first release, pushed to `cms`.
async fn synced(dir: &std::path::Path, cms: &MemoryCms) -> Store {
    let store = Store::open(&dir.join("s.db")).unwrap();
    store.add_user("ada", "ada", Role::Admin).unwrap();
    store.add_user("ada", "mia", Role::Marketer).unwrap();
    store.import("ada", &files()).unwrap();
    publish(&store, &[]);
    let (outcome, _) = push_and_record(&store, cms, fast(), &mut || 0.5, |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::Done { .. }), "{outcome:?}");
    store
}

fn publish(store: &Store, edits: &[(&str, &str)]) {
    let cs = store.create_change_set("mia", "edits").unwrap();
    for (path, content) in edits {
        let rev = store.document(path).unwrap().map(|(r, _)| r);
        store.write("mia", cs, path, content, rev).unwrap();
    }
    store.submit("mia", cs).unwrap();
    store.decide("ada", cs, true, "ok").unwrap();
    store.publish("ada", cs).unwrap();
}

#[tokio::test]
async fn remote_changes_are_applied_by_their_author_where_nothing_changed_here() {
    let dir = tempfile::tempdir().unwrap();
    let cms = MemoryCms::default();
    let store = synced(dir.path(), &cms).await;
    let theirs = cms.edit("profiles/n03.json", |t| t.replace("Note 3", "Note three"));
    cms.write("profiles/new.json", Some("{\"id\": \"new\", \"name\": \"From the CMS\"}"), None, "eve@cms").unwrap();
    let report = pull(&store, &cms, fast(), &mut || 0.5).await.unwrap();
    assert_eq!((report.applied, report.conflicts.len()), (2, 0), "{report:?}");
    assert_eq!(report.unchanged, 19, "our own pushes come back as known");
    let (_, local) = store.document("profiles/n03.json").unwrap().unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&local).unwrap(), serde_json::from_str::<serde_json::Value>(&theirs).unwrap());
    assert_eq!(store.history("profiles/n03.json").unwrap()[0].author, "eve@cms");
    assert!(store.document("profiles/new.json").unwrap().is_some());

    // A deletion in the CMS deletes here too; pulling again changes nothing.
    let version = cms.docs.lock().unwrap()["profiles/n04.json"].version.to_string();
    cms.write("profiles/n04.json", None, Some(&version), "eve@cms").unwrap();
    let report = pull(&store, &cms, fast(), &mut || 0.5).await.unwrap();
    assert_eq!(report.applied, 1);
    assert!(store.document("profiles/n04.json").unwrap().is_none());
    let again = pull(&store, &cms, fast(), &mut || 0.5).await.unwrap();
    assert_eq!((again.applied, again.unchanged, again.conflicts.len()), (0, 0, 0));
}

#[tokio::test]
async fn a_document_changed_on_both_sides_is_never_overwritten_and_resolves_three_ways() {
    let dir = tempfile::tempdir().unwrap();
    let cms = MemoryCms::default();
    let store = synced(dir.path(), &cms).await;
    let paths = ["profiles/n01.json", "profiles/n02.json", "profiles/n05.json"];
    let mut theirs = Vec::new();
    for p in paths {
        theirs.push(cms.edit(p, |t| t.replace("text", "CMS text")));
    }
    let profile = |p: &str, name: &str, description: &str| {
        let id = p.trim_start_matches("profiles/").trim_end_matches(".json");
        format!("{{\"id\": \"{id}\", \"name\": \"{name}\", \"description\": \"{description}\", \"attributes\": {{}}, \"consents\": []}}")
    };
    let mine: Vec<String> = paths.iter().map(|p| profile(p, &format!("mine {p}"), "local")).collect();
    publish(&store, &paths.iter().zip(&mine).map(|(p, m)| (*p, m.as_str())).collect::<Vec<_>>());
    let before: Vec<String> = paths.iter().map(|p| store.document(p).unwrap().unwrap().1).collect();

    let (outcome, pulled) = push_and_record(&store, &cms, fast(), &mut || 0.5, |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::Stopped { error: CmsError::Conflict { .. }, .. }), "{outcome:?}");
    let mut conflicts = pulled.unwrap().conflicts;
    conflicts.sort();
    assert_eq!(conflicts, paths);
    for (p, b) in paths.iter().zip(&before) {
        assert_eq!(&store.document(p).unwrap().unwrap().1, b, "{p} untouched");
    }
    let c = store.sync_conflict(paths[0]).unwrap().unwrap();
    let pointers: Vec<&str> = c.diff.as_array().unwrap().iter().map(|d| d["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["/description", "/name"]);
    assert_eq!(c.remote_author, "eve@cms");

    // A newer remote change replaces the open conflict instead of adding one.
    let newest = cms.edit(paths[1], |t| t.replace("CMS text", "newer CMS text"));
    pull(&store, &cms, fast(), &mut || 0.5).await.unwrap();
    assert_eq!(store.sync_conflicts().unwrap().len(), 3);
    assert_eq!(store.sync_conflict(paths[1]).unwrap().unwrap().remote_content.as_deref().map(|t| t.contains("newer")), Some(true));

    resolve(&store, &cms, "mia", paths[0], Resolution::Mine, fast(), &mut || 0.5).await.unwrap();
    assert_eq!(cms.content(paths[0]), Some(before[0].clone()));
    resolve(&store, &cms, "mia", paths[1], Resolution::Theirs, fast(), &mut || 0.5).await.unwrap();
    let local = store.document(paths[1]).unwrap().unwrap().1;
    assert_eq!(serde_json::from_str::<serde_json::Value>(&local).unwrap(), serde_json::from_str::<serde_json::Value>(&newest).unwrap());
    resolve(&store, &cms, "mia", paths[2], Resolution::Merged(profile(paths[2], "both", "merged")), fast(), &mut || 0.5).await.unwrap();
    assert_eq!(cms.content(paths[2]), Some(store.document(paths[2]).unwrap().unwrap().1));
    assert!(store.sync_conflicts().unwrap().is_empty());

    // Nothing stale is pushed afterwards, and a pull finds nothing new.
    let (outcome, _) = push_and_record(&store, &cms, fast(), &mut || 0.5, |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::Done { .. }), "{outcome:?}");
    let report = pull(&store, &cms, fast(), &mut || 0.5).await.unwrap();
    assert!(report.applied == 0 && report.conflicts.is_empty(), "{report:?}");
    for (path, content) in store.export().unwrap() {
        let remote = cms.content(&path).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&remote).unwrap(),
            serde_json::from_str::<serde_json::Value>(&content).unwrap(),
            "{path}"
        );
    }
    // Nothing is left to resolve.
    assert!(resolve(&store, &cms, "mia", paths[0], Resolution::Mine, fast(), &mut || 0.5).await.is_err());
}

#[tokio::test]
async fn a_push_stopped_at_a_conflict_always_records_it_and_overwrites_neither_side() {
    // Reproduces the data loss: a document published twice (changed, then changed back) while
    // someone edited it in the CMS. The push stops at the first entry; the pull that follows
    // used to see "nothing changed here" (the head equals the base again), apply the CMS's edit
    // and record no conflict, and the next push wrote the old release text over that edit.
    let dir = tempfile::tempdir().unwrap();
    let cms = MemoryCms::default();
    let store = synced(dir.path(), &cms).await;
    let path = "profiles/n07.json";
    let original = store.document(path).unwrap().unwrap().1;
    let theirs = cms.edit(path, |t| t.replace("text 7", "edited in the CMS"));
    publish(&store, &[(path, &original.replace("Note 7", "Release text"))]);
    publish(&store, &[(path, &original)]);

    let (outcome, pulled) = push_and_record(&store, &cms, fast(), &mut || 0.5, |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::Stopped { error: CmsError::Conflict { .. }, .. }), "{outcome:?}");
    assert_eq!(pulled.unwrap().conflicts, [path], "the conflict the push met is recorded");
    let conflict = store.sync_conflict(path).unwrap().expect("an open conflict");
    assert_eq!(conflict.remote_content.as_deref().map(|t| t.contains("edited in the CMS")), Some(true));
    assert_eq!(store.document(path).unwrap().unwrap().1, original, "the local document is untouched");

    // Pushing again sends nothing over the CMS's edit while the conflict is open.
    let (outcome, _) = push_and_record(&store, &cms, fast(), &mut || 0.5, |_, _| {}).await.unwrap();
    assert!(!matches!(outcome, PushOutcome::Done { .. }), "{outcome:?}");
    assert_eq!(cms.content(path), Some(theirs.clone()), "the CMS's edit survives");

    // Taking theirs settles it: both sides hold the CMS's edit and the stale entries are retired.
    resolve(&store, &cms, "mia", path, Resolution::Theirs, fast(), &mut || 0.5).await.unwrap();
    let (outcome, _) = push_and_record(&store, &cms, fast(), &mut || 0.5, |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::Done { .. }), "{outcome:?}");
    assert_eq!(cms.content(path), Some(theirs));
    assert!(store.document(path).unwrap().unwrap().1.contains("edited in the CMS"));
}

#[tokio::test]
async fn documents_the_workspace_refuses_are_quarantined_and_the_rest_of_the_pull_applies() {
    let dir = tempfile::tempdir().unwrap();
    let cms = MemoryCms::default();
    let store = synced(dir.path(), &cms).await;
    let outside = dir.path().join("escape.json");
    std::fs::write(&outside, "precious").unwrap();
    // A hostile or broken CMS: paths out of the workspace, bad JSON, a document over the limit.
    cms.write("../../escape.json", Some("{\"owned\": true}"), None, "eve@cms").unwrap();
    cms.write("/etc/vantage.json", Some("{}"), None, "eve@cms").unwrap();
    cms.write("profiles/broken.json", Some("{\"id\": \"broken\", "), None, "eve@cms").unwrap();
    let huge = format!("{{\"id\": \"huge\", \"name\": \"{}\"}}", "x".repeat(5 * 1024 * 1024));
    cms.write("profiles/huge.json", Some(&huge), None, "eve\u{1b}]0;pwned\u{7}").unwrap();
    // ... and, behind them, a valid change that must still arrive.
    let theirs = cms.edit("profiles/n03.json", |t| t.replace("Note 3", "Note three"));

    let report = pull(&store, &cms, fast(), &mut || 0.5).await.unwrap();
    assert_eq!(report.applied, 1, "{report:?}");
    let mut refused: Vec<&str> = report.quarantined.iter().map(|(p, _)| p.as_str()).collect();
    refused.sort();
    assert_eq!(refused, ["../../escape.json", "/etc/vantage.json", "profiles/broken.json", "profiles/huge.json"]);
    assert!(store.document("profiles/n03.json").unwrap().unwrap().1.contains("Note three"), "{theirs}");
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious");
    assert!(store.export().unwrap().keys().all(|p| !p.contains("..") && !p.starts_with('/') && !p.contains("broken")));

    // Each refusal is visible with the CMS's version and why, and in the audit log.
    let quarantine = store.sync_quarantine().unwrap();
    assert_eq!(quarantine.len(), 4);
    let broken = quarantine.iter().find(|q| q.path == "profiles/broken.json").unwrap();
    assert!(broken.reason.contains("not valid JSON"), "{}", broken.reason);
    assert_eq!(broken.excerpt.as_deref(), Some("{\"id\": \"broken\", "));
    let huge_entry = quarantine.iter().find(|q| q.path == "profiles/huge.json").unwrap();
    assert!(huge_entry.reason.contains("at most 4 MB"), "{}", huge_entry.reason);
    assert!(!huge_entry.remote_author.contains('\u{1b}'), "the author's terminal escape is escaped");
    assert!(huge_entry.excerpt.as_ref().unwrap().len() <= 2_000 * 4);
    let escape = quarantine.iter().find(|q| q.path == "../../escape.json").unwrap();
    assert!(!escape.reason.is_empty());
    assert_eq!(store.audit_log(None, Some("sync quarantine"), 100).unwrap().len(), 4);

    // The cursor moved past them: pulling again changes nothing. A valid version clears one.
    let again = pull(&store, &cms, fast(), &mut || 0.5).await.unwrap();
    assert!(again.quarantined.is_empty() && again.applied == 0, "{again:?}");
    cms.edit("profiles/broken.json", |_| "{\"id\": \"broken\", \"name\": \"Fixed\", \"attributes\": {}, \"consents\": []}".into());
    pull(&store, &cms, fast(), &mut || 0.5).await.unwrap();
    assert!(store.document("profiles/broken.json").unwrap().is_some());
    assert_eq!(store.sync_quarantine().unwrap().len(), 3);
}

/// Opens the store's file without the store, drops the append-only triggers and runs `sql`:
/// what someone with the laptop's disk can do.
fn tamper(dir: &std::path::Path, sql: &str) {
    let raw = rusqlite::Connection::open(dir.join("s.db")).unwrap();
    raw.execute_batch("DROP TRIGGER IF EXISTS audit_append_only_update; DROP TRIGGER IF EXISTS audit_append_only_delete;").unwrap();
    raw.execute_batch(sql).unwrap();
}

#[tokio::test]
async fn cutting_the_newest_audit_entries_is_caught_by_the_cms_s_anchor() {
    let dir = tempfile::tempdir().unwrap();
    let cms = MemoryCms::default();
    let store = synced(dir.path(), &cms).await;
    let report = pull(&store, &cms, fast(), &mut || 0.5).await.unwrap();
    let (head, _) = store.audit_head().unwrap();
    assert_eq!(report.anchored, head, "each sync anchors the log's head on the CMS");
    assert!(matches!(store.verify_audit().unwrap(), vantage_store::ChainStatus::Intact { .. }));
    drop(store);

    // Someone deletes the newest entries: the chain that is left is still a valid chain...
    tamper(dir.path(), &format!("DELETE FROM audit WHERE seq > {}", head - 3));
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    // ... and offline the cut is invisible beyond the last release's anchor, but the CMS's
    // anchor names it, and the next sync refuses to anchor a log that went back.
    match vantage_sync::verify_with_cms(&store, &cms, fast(), &mut || 0.5).await.unwrap() {
        vantage_store::ChainStatus::Broken { seq, reason } => {
            assert_eq!(seq, head - 2);
            assert!(reason.contains("missing") && reason.contains("the CMS"), "{reason}");
        }
        other => panic!("the cut was not detected: {other:?}"),
    }
    let refused = pull(&store, &cms, fast(), &mut || 0.5).await.unwrap_err();
    assert!(matches!(refused, vantage_sync::SyncError::AuditLog(_)), "{refused:?}");
}

#[tokio::test]
async fn a_rewritten_audit_entry_with_a_recomputed_chain_is_caught_by_the_cms_s_anchor() {
    let dir = tempfile::tempdir().unwrap();
    let cms = MemoryCms::default();
    let store = synced(dir.path(), &cms).await;
    pull(&store, &cms, fast(), &mut || 0.5).await.unwrap();
    let (head, _) = store.audit_head().unwrap();
    drop(store);

    // Rewrite an early entry and recompute every hash after it, as the chain's code does.
    let raw = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    raw.execute_batch("DROP TRIGGER IF EXISTS audit_append_only_update").unwrap();
    raw.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2", []).unwrap();
    let rows: Vec<(i64, String, String, String, String, String)> = raw
        .prepare("SELECT seq, at, actor, action, subject, detail FROM audit ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev = "0".repeat(64);
    for (seq, at, actor, action, subject, detail) in rows {
        let mut h = <sha2::Sha256 as sha2::Digest>::new();
        for part in [prev.as_str(), &seq.to_string(), &at, &actor, &action, &subject, &detail] {
            sha2::Digest::update(&mut h, (part.len() as u64).to_le_bytes());
            sha2::Digest::update(&mut h, part.as_bytes());
        }
        let hash: String = sha2::Digest::finalize(h).iter().map(|b| format!("{b:02x}")).collect();
        raw.execute("UPDATE audit SET prev_hash = ?1, hash = ?2 WHERE seq = ?3", rusqlite::params![prev, hash, seq]).unwrap();
        prev = hash;
    }
    // The releases' anchors are in the same file: rewritten too, by someone thorough.
    raw.execute_batch("DROP TRIGGER IF EXISTS releases_immutable_update").unwrap();
    raw.execute("UPDATE releases SET audit_hash = (SELECT hash FROM audit WHERE seq = releases.audit_seq)", []).unwrap();
    drop(raw);

    let store = Store::open(&dir.path().join("s.db")).unwrap();
    assert!(matches!(store.verify_audit().unwrap(), vantage_store::ChainStatus::Intact { .. }), "offline, a thorough rewrite passes");
    match vantage_sync::verify_with_cms(&store, &cms, fast(), &mut || 0.5).await.unwrap() {
        vantage_store::ChainStatus::Broken { seq, reason } => {
            assert!(seq <= head, "{seq}");
            assert!(reason.contains("rewritten"), "{reason}");
        }
        other => panic!("the rewrite was not detected: {other:?}"),
    }
    assert!(matches!(pull(&store, &cms, fast(), &mut || 0.5).await.unwrap_err(), vantage_sync::SyncError::AuditLog(_)));
}

#[tokio::test]
async fn a_template_changed_on_the_cms_is_held_for_review_not_applied_even_through_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let cms = MemoryCms::default();
    let store = synced(dir.path(), &cms).await;
    let template = "components/note/template.html";
    publish(&store, &[(template, "<p>{{ content.text }}</p>\n")]);
    push_and_record(&store, &cms, fast(), &mut || 0.5, |_, _| {}).await.unwrap();

    // Someone with a CMS token rewrites the template to emit content unescaped.
    let hostile = cms.edit(template, |_| "<p>{{ content.text | safe }}</p>\n".into());
    let report = pull(&store, &cms, fast(), &mut || 0.5).await.unwrap();
    assert_eq!((report.applied, report.held.as_slice()), (0, [template.to_owned()].as_slice()), "{report:?}");
    assert_eq!(store.document(template).unwrap().unwrap().1, "<p>{{ content.text }}</p>\n", "not applied");
    assert_eq!(store.published().unwrap()[template], "<p>{{ content.text }}</p>\n", "not in what is live");
    let held = store.sync_quarantine().unwrap();
    assert_eq!((held[0].kind.as_str(), held[0].path.as_str()), ("held", template));

    // Taken into a change set, it goes through review like any change: its author cannot
    // approve it, another person can, and publishing sends it back to the CMS unchanged.
    let change = store.take_held("mia", template).unwrap();
    assert!(store.sync_quarantine().unwrap().is_empty());
    assert_eq!(store.document(template).unwrap().unwrap().1, hostile);
    store.submit("mia", change).unwrap();
    assert!(store.decide("mia", change, true, "mine").is_err(), "four eyes");
    store.decide("ada", change, true, "reviewed").unwrap();
    store.publish("ada", change).unwrap();
    let (outcome, _) = push_and_record(&store, &cms, fast(), &mut || 0.5, |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::Done { .. }), "{outcome:?}");
    assert_eq!(cms.content(template), Some(hostile));
    assert!(store.take_held("mia", template).is_err(), "nothing is waiting any more");

    // Changed on both sides: taking theirs holds the CMS's template for review too.
    publish(&store, &[(template, "<p>{{ content.text }} (local)</p>\n")]);
    cms.edit(template, |_| "<p>{{ content.text | safe }} (cms)</p>\n".into());
    let (_, pulled) = push_and_record(&store, &cms, fast(), &mut || 0.5, |_, _| {}).await.unwrap();
    assert_eq!(pulled.unwrap().conflicts, [template]);
    let merged = resolve(&store, &cms, "mia", template, Resolution::Merged("<p>merged</p>\n".into()), fast(), &mut || 0.5).await;
    assert!(merged.is_err(), "a merged template is written in a change, not straight in");
    let done = resolve(&store, &cms, "mia", template, Resolution::Theirs, fast(), &mut || 0.5).await.unwrap();
    assert_eq!(done.resolution, "held");
    assert!(store.document(template).unwrap().unwrap().1.contains("(local)"), "not applied");
    assert_eq!(store.sync_quarantine().unwrap()[0].kind, "held");
    assert!(store.sync_conflicts().unwrap().is_empty());
}

#[tokio::test]
async fn an_edit_made_in_the_cms_waits_for_review_by_its_author_and_no_unrelated_release_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let cms = MemoryCms::default();
    let store = synced(dir.path(), &cms).await;
    store.add_user("ada", "ravi", Role::Reviewer).unwrap();
    let live_before = store.published().unwrap();
    let theirs = cms.edit("profiles/n03.json", |t| t.replace("Note 3", "Note three"));
    let report = pull(&store, &cms, fast(), &mut || 0.5).await.unwrap();
    assert_eq!(report.applied, 1, "{report:?}");

    // It waits in the review inbox as a change by its CMS author, and is not live.
    let [inbox] = report.for_review.as_slice() else { panic!("{report:?}") };
    let change = store.change_sets().unwrap().into_iter().find(|c| c.id == *inbox).unwrap();
    assert_eq!((change.author.as_str(), change.state, change.from_cms), ("eve@cms", ChangeSetState::Submitted, true));
    assert_eq!(change.documents, ["profiles/n03.json"]);
    assert_eq!(store.published().unwrap(), live_before, "nothing from the CMS is live before review");

    // An unrelated change is published: its release does not carry the CMS's edit.
    publish(&store, &[("profiles/n07.json", "{\"id\": \"n07\", \"name\": \"Seven\", \"attributes\": {}, \"consents\": []}")]);
    let release = store.releases().unwrap().last().unwrap().id;
    assert_eq!(store.release_sources(release).unwrap()["profiles/n03.json"], live_before["profiles/n03.json"]);

    // A later edit by the same author joins the same change, which a reviewer approves.
    let theirs_again = cms.edit("profiles/n03.json", |t| t.replace("Note three", "Note 3 (again)"));
    assert_ne!(theirs, theirs_again);
    let report = pull(&store, &cms, fast(), &mut || 0.5).await.unwrap();
    assert_eq!(report.for_review, [*inbox]);
    assert!(store.decide("mia", *inbox, true, "looks fine").is_err(), "a marketer approves nothing");
    store.decide("ravi", *inbox, true, "checked").unwrap();
    store.publish("ravi", *inbox).unwrap();
    let release = store.releases().unwrap().last().unwrap().id;
    let released: serde_json::Value = serde_json::from_str(&store.release_sources(release).unwrap()["profiles/n03.json"]).unwrap();
    assert_eq!(released, serde_json::from_str::<serde_json::Value>(&theirs_again).unwrap());
}
