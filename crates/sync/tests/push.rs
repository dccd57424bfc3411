//! Draining a real store's outbox through a CMS adapter that misbehaves on cue: order, exactly
//! once (idempotency keys), retries with backoff and Retry-After, stopping at a conflict, and
//! giving up without losing anything. The adapter here is an in-process stand-in used to script
//! faults; the same `push` runs against the real CMS client.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod support;

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;
use vantage_store::{Role, Store};
use vantage_sync::{push, Backoff, CmsAdapter, CmsError, PushOutcome, ReleaseBasis, RemoteAnchor, RemotePage, Versions};
use vantage_test_support::demo_files;

/// A CMS that keeps documents by path, honours idempotency keys, and fails on a script.
#[derive(Default)]
struct ScriptedCms {
    docs: Mutex<BTreeMap<String, (u64, String)>>,
    applied_keys: Mutex<BTreeMap<String, usize>>,
    log: Mutex<Vec<String>>,
    /// Failures to return before doing anything, in order.
    fail_before: Mutex<VecDeque<CmsError>>,
    /// Failures to return after applying (the response got lost).
    fail_after: Mutex<VecDeque<CmsError>>,
    conflict_on: Option<String>,
    anchors: support::AnchorLog,
}

impl ScriptedCms {
    fn apply(&self, key: &str, what: String, f: impl FnOnce()) -> Result<(), CmsError> {
        if let Some(e) = self.fail_before.lock().unwrap().pop_front() {
            return Err(e);
        }
        let mut keys = self.applied_keys.lock().unwrap();
        if !keys.contains_key(key) {
            f();
            self.log.lock().unwrap().push(what);
        }
        *keys.entry(key.to_owned()).or_default() += 1;
        drop(keys);
        match self.fail_after.lock().unwrap().pop_front() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl CmsAdapter for ScriptedCms {
    async fn changes_since(&self, _cursor: Option<&str>) -> Result<RemotePage, CmsError> {
        Ok(RemotePage { changes: Vec::new(), cursor: String::new(), more: false })
    }
    async fn read(&self, path: &str) -> Result<Option<(String, String)>, CmsError> {
        Ok(self.docs.lock().unwrap().get(path).map(|(v, c)| (c.clone(), v.to_string())))
    }
    async fn put(&self, path: &str, content: &str, expected: Option<&str>, key: &str, _basis: &ReleaseBasis) -> Result<String, CmsError> {
        if self.conflict_on.as_deref() == Some(path) {
            return Err(CmsError::Conflict { path: path.into(), current: "99".into() });
        }
        let current = self.docs.lock().unwrap().get(path).map(|(v, _)| v.to_string());
        if current.as_deref() != expected && !self.applied_keys.lock().unwrap().contains_key(key) {
            return Err(CmsError::Conflict { path: path.into(), current: current.unwrap_or_default() });
        }
        self.apply(key, format!("put {path}"), || {
            let mut docs = self.docs.lock().unwrap();
            let next = docs.get(path).map_or(1, |(v, _)| v + 1);
            docs.insert(path.to_owned(), (next, content.to_owned()));
        })?;
        Ok(self.docs.lock().unwrap()[path].0.to_string())
    }
    async fn delete(&self, path: &str, _expected: &str, key: &str, _basis: &ReleaseBasis) -> Result<(), CmsError> {
        self.apply(key, format!("delete {path}"), || {
            self.docs.lock().unwrap().remove(path);
        })
    }
    async fn publish_release(&self, hash: &str, key: &str, _basis: &ReleaseBasis) -> Result<(), CmsError> {
        self.apply(key, format!("release {}", &hash[..8.min(hash.len())]), || {})
    }
    async fn anchor_audit(&self, workspace: &str, seq: i64, hash: &str) -> Result<(), CmsError> {
        self.anchors.anchor(workspace, seq, hash)
    }
    async fn audit_anchors(&self, workspace: &str) -> Result<Vec<RemoteAnchor>, CmsError> {
        Ok(self.anchors.list(workspace))
    }
}

#[derive(Default)]
struct Bases(BTreeMap<String, String>);

impl Versions for Bases {
    fn version_of(&self, path: &str) -> Option<String> {
        self.0.get(path).cloned()
    }
    fn record(&mut self, path: &str, version: Option<String>) {
        match version {
            Some(v) => self.0.insert(path.to_owned(), v),
            None => self.0.remove(path),
        };
    }
}

/// A store whose first release is published, so its outbox holds every document and a marker.
fn published_store(dir: &Path) -> Store {
    let store = Store::open(&dir.join("s.db")).unwrap();
    store.add_user("ada", "ada", Role::Admin).unwrap();
    store.add_user("ada", "mia", Role::Marketer).unwrap();
    store.import("ada", &demo_files()).unwrap();
    let cs = store.create_change_set("mia", "fix the promo").unwrap();
    let path = "entries/sale-promo.json";
    let (rev, text) = store.document(path).unwrap().unwrap();
    store
        .write("mia", cs, path, &text.replace("Cheap outdoor gear that does not feel cheap", "Outdoor gear at outlet prices"), Some(rev))
        .unwrap();
    store.submit("mia", cs).unwrap();
    store.decide("ada", cs, true, "ok").unwrap();
    store.publish("ada", cs).unwrap();
    store
}

fn fast() -> Backoff {
    Backoff { base: Duration::from_millis(100), max: Duration::from_secs(10), attempts: 5 }
}

#[tokio::test(start_paused = true)]
async fn every_entry_reaches_the_cms_once_in_order_and_is_marked_done() {
    let dir = tempfile::tempdir().unwrap();
    let store = published_store(dir.path());
    let queued = store.outbox_status().unwrap().pending as usize;
    let cms = ScriptedCms::default();
    let mut progress = Vec::new();
    let outcome = push(&store, &cms, &mut Bases::default(), fast(), &mut || 0.5, |sent, total| progress.push((sent, total))).await.unwrap();
    assert_eq!(outcome, PushOutcome::Done { sent: queued });
    assert_eq!(store.outbox_status().unwrap().pending, 0);
    let log = cms.log.lock().unwrap();
    assert_eq!(log.len(), queued);
    assert!(log.last().unwrap().starts_with("release "), "the release marker goes last");
    let mut sorted = log[..log.len() - 1].to_vec();
    sorted.sort();
    assert_eq!(&sorted[..], &log[..log.len() - 1], "documents go in outbox (path) order");
    assert_eq!(progress.last(), Some(&(queued, queued)));
}

#[tokio::test(start_paused = true)]
async fn timeouts_5xx_and_429_are_retried_honouring_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let store = published_store(dir.path());
    let cms = ScriptedCms::default();
    cms.fail_before.lock().unwrap().extend([
        CmsError::Transient("connection refused".into()),
        CmsError::RateLimited { retry_after: Some(Duration::from_secs(7)) },
        CmsError::Transient("HTTP 503".into()),
    ]);
    let started = tokio::time::Instant::now();
    let outcome = push(&store, &cms, &mut Bases::default(), fast(), &mut || 0.5, |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::Done { .. }), "{outcome:?}");
    assert!(started.elapsed() >= Duration::from_secs(7), "the Retry-After wait was honoured");
    assert!(cms.applied_keys.lock().unwrap().values().all(|n| *n == 1));
}

#[tokio::test(start_paused = true)]
async fn a_lost_response_is_retried_with_the_same_key_and_applied_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = published_store(dir.path());
    let queued = store.outbox_status().unwrap().pending as usize;
    let cms = ScriptedCms::default();
    cms.fail_after.lock().unwrap().push_back(CmsError::Transient("connection reset after the write".into()));
    let outcome = push(&store, &cms, &mut Bases::default(), fast(), &mut || 0.5, |_, _| {}).await.unwrap();
    assert_eq!(outcome, PushOutcome::Done { sent: queued });
    assert_eq!(cms.log.lock().unwrap().len(), queued, "no duplicate on the CMS");
    assert_eq!(cms.applied_keys.lock().unwrap().values().filter(|n| **n == 2).count(), 1, "exactly one request was sent twice");
}

#[tokio::test(start_paused = true)]
async fn a_conflict_stops_the_drain_with_the_entry_still_pending() {
    let dir = tempfile::tempdir().unwrap();
    let store = published_store(dir.path());
    let cms = ScriptedCms { conflict_on: Some("catalog.json".into()), ..ScriptedCms::default() };
    let outcome = push(&store, &cms, &mut Bases::default(), fast(), &mut || 0.5, |_, _| {}).await.unwrap();
    let PushOutcome::Stopped { entry, error, sent } = outcome else { panic!("{outcome:?}") };
    assert!(matches!(error, CmsError::Conflict { .. }));
    let pending = store.outbox_pending(1).unwrap();
    assert_eq!(pending[0].id, entry, "the conflicting entry is next, not skipped");
    assert_eq!(pending[0].path.as_deref(), Some("catalog.json"));
    assert_eq!(cms.log.lock().unwrap().len(), sent, "nothing after it was sent");
    assert!(store.outbox_status().unwrap().last_error.unwrap().contains("catalog.json"));
}

#[tokio::test(start_paused = true)]
async fn giving_up_keeps_everything_for_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = published_store(dir.path());
    let queued = store.outbox_status().unwrap().pending as usize;
    let down = ScriptedCms::default();
    down.fail_before.lock().unwrap().extend((0..10).map(|_| CmsError::Transient("connection refused".into())));
    let backoff = Backoff { attempts: 3, ..fast() };
    let outcome = push(&store, &down, &mut Bases::default(), backoff, &mut || 1.0, |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::GaveUp { sent: 0, .. }), "{outcome:?}");
    assert_eq!(store.outbox_status().unwrap().pending as usize, queued);
    let up = ScriptedCms::default();
    let outcome = push(&store, &up, &mut Bases::default(), backoff, &mut || 1.0, |_, _| {}).await.unwrap();
    assert_eq!(outcome, PushOutcome::Done { sent: queued }, "the CMS is back: the push catches up");
}
