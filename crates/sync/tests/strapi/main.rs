//! Sync against a real Strapi 5 (the project in `cms/strapi`), started by these tests from the
//! install dir in `$VANTAGE_STRAPI_HOME` on a free loopback port with a fresh data dir, and
//! stopped by pid afterwards. Run them with `scripts/test-strapi` (it installs Strapi first);
//! plain `cargo test` skips them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

mod four_eyes;
mod harness;

use harness::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use vantage_store::Store;
use vantage_sync::{pull, push_and_record, resolve, Backoff, CmsAdapter, CmsError, PushOutcome, Resolution};

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn the_demo_workspace_is_pushed_and_read_back_identical() {
    let _ = NEEDS;
    let cms = Strapi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = published_store(dir.path(), 0);
    let queued = store.outbox_status().unwrap().pending as usize;
    let adapter = cms.adapter("ada");
    let (outcome, pulled) = push_and_record(&store, &adapter, fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    assert_eq!(outcome, PushOutcome::Done { sent: queued });
    assert!(pulled.is_none());
    let files = store.export().unwrap();
    for (path, content) in &files {
        let (remote, version) = adapter.read(path).await.unwrap().unwrap_or_else(|| panic!("{path} is missing on the CMS"));
        assert_eq!(&remote, content, "{path}");
        assert_eq!(version, "1");
        assert_eq!(store.sync_base(path).unwrap().unwrap().remote_version.as_deref(), Some("1"));
    }
    assert_cms_holds_once(&cms, &store);

    // Our own pushes come back through the feed as known: nothing to apply, no conflict.
    let report = pull(&store, &adapter, fast(), &mut no_jitter()).await.unwrap();
    assert_eq!((report.applied, report.conflicts.len()), (0, 0), "{report:?}");
    assert_eq!(report.unchanged, files.len());

    // A fresh store pulls the same workspace, written by the remote author.
    let fresh = empty_store(dir.path(), "fresh.db");
    let report = pull(&fresh, &adapter, fast(), &mut no_jitter()).await.unwrap();
    assert_eq!(report.applied, files.len());
    assert_eq!(fresh.export().unwrap(), files);
    assert_eq!(fresh.history("vantage.json").unwrap()[0].author, "ada");
    // Translations are part of an entry's one document (docs/locales.md): German and French
    // came back with the rest, through the CMS.
    let hero: serde_json::Value = serde_json::from_str(&fresh.export().unwrap()["entries/home-hero.json"]).unwrap();
    for locale in ["de-DE", "fr-FR"] {
        assert!(hero["translations"][locale]["headline"].is_string(), "{locale}: {hero}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn an_edit_in_the_strapi_admin_reaches_vantage_by_its_editor_and_moves_the_version() {
    let cms = Strapi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = published_store(dir.path(), 0);
    let adapter = cms.adapter("ada");
    push_and_record(&store, &adapter, fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    let path = "entries/home-promo.json";
    let (_, text) = store.document(path).unwrap().unwrap();
    let edited = text.replace("Delivery and returns", "Delivery & returns (admin)");
    cms.admin_edit(path, &edited).await;
    assert_eq!(adapter.read(path).await.unwrap().unwrap(), (edited.clone(), "2".to_owned()), "the admin edit bumped the version");
    let report = pull(&store, &adapter, fast(), &mut no_jitter()).await.unwrap();
    assert_eq!((report.applied, report.conflicts.len()), (1, 0), "{report:?}");
    assert_eq!(store.document(path).unwrap().unwrap().1, edited);
    assert_eq!(store.history(path).unwrap()[0].author, ADMIN_EMAIL);
    // A write based on the version before the admin's edit is refused.
    // (under a warrant the CMS accepts: the content as the first release brought it in)
    let release = vantage_sync::ReleaseBasis::Rollback { hash: store.releases().unwrap().last().unwrap().hash.clone() };
    let stale = adapter.put(path, &text, Some("1"), "stale-write", &release).await.unwrap_err();
    assert_eq!(stale, CmsError::Conflict { path: path.into(), current: "2".into() });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn edits_on_both_sides_conflict_with_a_field_diff_and_resolve_mine_or_theirs_while_an_unreviewed_merge_is_refused() {
    let cms = Strapi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = published_store(dir.path(), 0);
    let ours = cms.adapter("ada");
    push_and_record(&store, &ours, fast(), &mut no_jitter(), |_, _| {}).await.unwrap();

    // Someone edits four documents in Strapi.
    let cms = &cms;
    let remote_edit = |path: &'static str| async move {
        let (text, _) = cms.token_adapter().read(path).await.unwrap().unwrap();
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["description"] = serde_json::json!(format!("{} (edited in the CMS)", value["description"].as_str().unwrap_or(path)));
        let text = serde_json::to_string_pretty(&value).unwrap() + "\n";
        cms.admin_write(path, &text).await;
        text
    };
    let (a, b, c, d) = ("entries/home-featured.json", "entries/home-promo.json", "entries/home-recs.json", "entries/sale-recs.json");
    let theirs_b = remote_edit(b).await;
    remote_edit(a).await;
    remote_edit(c).await;
    let theirs_d = remote_edit(d).await;

    // Meanwhile three of them are edited and published here.
    let cs = store.create_change_set("mia", "local edits").unwrap();
    for path in [a, b, c] {
        let (rev, text) = store.document(path).unwrap().unwrap();
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["description"] = serde_json::json!(format!("{} (edited in Vantage)", value["description"].as_str().unwrap_or(path)));
        store.write("mia", cs, path, &serde_json::to_string(&value).unwrap(), Some(rev)).unwrap();
    }
    review_and_publish(cms, &store, cs).await;
    let mine_a = store.document(a).unwrap().unwrap().1;

    // The push stops at the first conflict and the pull that follows records all three; the
    // fourth document, unchanged here, is taken from the CMS by its remote author.
    let (outcome, pulled) = push_and_record(&store, &ours, fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    let PushOutcome::Stopped { error: CmsError::Conflict { path, current }, .. } = &outcome else { panic!("{outcome:?}") };
    assert_eq!((path.as_str(), current.as_str()), (a, "2"));
    let mut pulled = pulled.unwrap();
    pulled.conflicts.sort();
    assert_eq!(pulled.conflicts, vec![a.to_owned(), b.to_owned(), c.to_owned()]);
    assert_eq!(pulled.applied, 1);
    assert_eq!(store.document(d).unwrap().unwrap().1, theirs_d);
    assert_eq!(store.history(d).unwrap()[0].author, ADMIN_EMAIL);

    let conflict = store.sync_conflict(b).unwrap().unwrap();
    assert_eq!(conflict.remote_author, ADMIN_EMAIL);
    assert_eq!(conflict.remote_version, "2");
    assert_eq!(conflict.remote_content.as_deref(), Some(theirs_b.as_str()));
    let diff = conflict.diff.as_array().unwrap();
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert_eq!(diff[0]["pointer"], "/description");
    assert!(diff[0]["mine"].as_str().unwrap().ends_with("(edited in Vantage)"));
    assert!(diff[0]["theirs"].as_str().unwrap().ends_with("(edited in the CMS)"));
    assert!(store.document(b).unwrap().unwrap().1.contains("edited in Vantage"), "a conflict never overwrites the local document");

    // Mine: the CMS gets the local content.
    let done = resolve(&store, &ours, "mia", a, Resolution::Mine, fast(), &mut no_jitter()).await.unwrap();
    assert_eq!(done.cms_version.as_deref(), Some("3"));
    assert_eq!(ours.read(a).await.unwrap().unwrap(), (mine_a.clone(), "3".to_owned()));
    // Theirs: the local document takes the CMS's content.
    let done = resolve(&store, &ours, "mia", b, Resolution::Theirs, fast(), &mut no_jitter()).await.unwrap();
    assert!(done.revision.is_some());
    assert_eq!(store.document(b).unwrap().unwrap().1, theirs_b);
    assert_eq!(ours.read(b).await.unwrap().unwrap().0, theirs_b);
    // Merged: both sides get the given content.
    let merged = r#"{"merged": true}"#;
    let (_, local_c) = store.document(c).unwrap().unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&local_c).unwrap();
    value["description"] = serde_json::json!("merged by hand");
    let merged = if value.is_object() { serde_json::to_string(&value).unwrap() } else { merged.to_owned() };
    // Merged: new content nobody reviewed, which a CMS keeping four eyes refuses; nothing is
    // written on either side and the conflict stays open until kept, taken, or merged in review.
    let (_, before_c) = store.document(c).unwrap().unwrap();
    let refused = resolve(&store, &ours, "mia", c, Resolution::Merged(merged), fast(), &mut no_jitter()).await.unwrap_err();
    assert!(refused.to_string().contains("only after review"), "{refused}");
    assert_eq!(store.document(c).unwrap().unwrap().1, before_c);
    assert!(!ours.read(c).await.unwrap().unwrap().0.contains("merged by hand"));
    assert_eq!(store.sync_conflicts().unwrap().len(), 1);
    resolve(&store, &ours, "mia", c, Resolution::Mine, fast(), &mut no_jitter()).await.unwrap();
    assert!(store.sync_conflicts().unwrap().is_empty());
    assert!(resolve(&store, &ours, "mia", c, Resolution::Mine, fast(), &mut no_jitter()).await.is_err(), "nothing left to resolve");

    // The rest of the outbox (the release marker) goes through, and both sides now agree.
    let (outcome, _) = push_and_record(&store, &ours, fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::Done { .. }), "{outcome:?}");
    let report = pull(&store, &ours, fast(), &mut no_jitter()).await.unwrap();
    assert!(report.conflicts.is_empty() && report.applied == 0, "{report:?}");
    let rows = cms.rows();
    for (path, content) in store.export().unwrap() {
        assert_eq!(rows[&path].1.as_deref(), Some(content.as_str()), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn a_cms_killed_in_the_middle_of_a_1000_change_push_ends_with_every_change_once() {
    let mut cms = Strapi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = published_store(dir.path(), 1000);
    let queued = store.outbox_status().unwrap().pending as usize;
    assert!(queued > 1000);
    let adapter = cms.adapter("ada");
    let sent = Arc::new(AtomicUsize::new(0));

    // SIGKILL from another thread once 400 changes are confirmed: it lands whenever it lands,
    // typically with a request in flight.
    let pid = cms.pid();
    let killer = {
        let sent = Arc::clone(&sent);
        std::thread::spawn(move || {
            while sent.load(Ordering::SeqCst) < 400 {
                std::thread::sleep(Duration::from_millis(2));
            }
            Command::new("kill").arg("-KILL").arg(pid.to_string()).status().unwrap();
        })
    };
    let short = Backoff { base: Duration::from_millis(50), max: Duration::from_millis(400), attempts: 4 };
    let (outcome, _) = push_and_record(&store, &adapter, short, &mut no_jitter(), |n, _| sent.store(n, Ordering::SeqCst)).await.unwrap();
    killer.join().unwrap();
    let PushOutcome::GaveUp { sent: before, error, .. } = outcome else { panic!("{outcome:?}") };
    assert!(matches!(error, CmsError::Transient(_)), "{error:?}");
    assert!(before >= 400 && before < queued, "{before}");
    cms.kill(); // reap it
    assert_eq!(store.outbox_status().unwrap().pending as usize, queued - before);

    cms.launch();
    let started = Instant::now();
    let (outcome, _) = push_and_record(&store, &adapter, fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    assert_eq!(outcome, PushOutcome::Done { sent: queued - before });
    eprintln!("finished the push after the restart: {} changes in {:.1} s", queued - before, started.elapsed().as_secs_f64());
    assert_cms_holds_once(&cms, &store);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn throughput_of_1000_changes_pushed_and_pulled() {
    let cms = Strapi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = published_store(dir.path(), 1000);
    let queued = store.outbox_status().unwrap().pending as usize;
    let adapter = cms.adapter("ada");
    let started = Instant::now();
    let (outcome, _) = push_and_record(&store, &adapter, fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    let push_time = started.elapsed();
    assert_eq!(outcome, PushOutcome::Done { sent: queued });

    assert_cms_holds_once(&cms, &store);

    let fresh = empty_store(dir.path(), "fresh.db");
    let started = Instant::now();
    let report = pull(&fresh, &adapter, fast(), &mut no_jitter()).await.unwrap();
    let pull_time = started.elapsed();
    let files = store.export().unwrap();
    assert_eq!((report.applied, report.conflicts.len()), (files.len(), 0), "{report:?}");
    assert_eq!(fresh.export().unwrap(), files);

    // How fast is a figure to report, not a condition to pass: it depends on the machine.
    let push_rate = queued as f64 / push_time.as_secs_f64();
    let pull_rate = report.applied as f64 / pull_time.as_secs_f64();
    eprintln!(
        "THROUGHPUT push: {queued} changes in {:.1} s = {push_rate:.0}/s; pull: {} changes in {:.1} s = {pull_rate:.0}/s",
        push_time.as_secs_f64(),
        report.applied,
        pull_time.as_secs_f64()
    );
    write_report(
        "throughput.json",
        &serde_json::json!({
            "what": "sync with a real Strapi on loopback: the demo workspace plus 1000 visitor profiles pushed, then pulled into a fresh store",
            "push": {"changes": queued, "seconds": push_time.as_secs_f64(), "changes_per_second": push_rate},
            "pull": {"changes": report.applied, "seconds": pull_time.as_secs_f64(), "changes_per_second": pull_rate},
            "target_push_seconds": 30,
        }),
    );
}

/// Writes a measurement report to `$CARGO_TARGET_DIR/strapi/<name>` (`target/strapi/` of the
/// workspace when `CARGO_TARGET_DIR` is unset). A report that cannot be written is said on
/// stderr, never a test failure.
fn write_report(name: &str, report: &serde_json::Value) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()).map(PathBuf::from) {
        // A relative CARGO_TARGET_DIR is relative to where cargo ran (the workspace), not to this
        // test's working directory (the crate).
        Some(dir) if dir.is_relative() => workspace.join(dir),
        Some(dir) => dir,
        None => workspace.join("target"),
    };
    let dir = target.join("strapi");
    let file = dir.join(name);
    let text = serde_json::to_string_pretty(report).unwrap_or_else(|_| report.to_string()) + "\n";
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, &text)) {
        Ok(()) => eprintln!("report written to {}", file.display()),
        Err(e) => eprintln!("could not write the report {}: {e}\n{text}", file.display()),
    }
}

// ---------------------------------------------------------------------------------------------
// A fault-injecting HTTP proxy: one request per connection, faults on a fixed schedule.

#[derive(Default)]
struct Faults {
    requests: AtomicUsize,
    injected: std::sync::Mutex<BTreeMap<&'static str, usize>>,
}

async fn read_request(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let length = head.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(0, |v| v.trim().parse::<usize>().unwrap());
            while buf.len() < end + 4 + length {
                let n = client.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            // One request per connection: ask the server to close after answering.
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let head: Vec<&str> = head.split("\r\n").filter(|l| !l.to_lowercase().starts_with("connection:")).collect();
            let mut out = head.join("\r\n").into_bytes();
            out.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
            out.extend_from_slice(&buf[end + 4..]);
            return Some(out);
        }
    }
}

async fn forward(upstream: u16, request: &[u8]) -> Option<Vec<u8>> {
    let mut server = TcpStream::connect(("127.0.0.1", upstream)).await.ok()?;
    server.write_all(request).await.ok()?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).await.ok()?;
    Some(answer)
}

async fn proxy_connection(mut client: TcpStream, upstream: u16, faults: Arc<Faults>) {
    let Some(request) = read_request(&mut client).await else { return };
    let n = faults.requests.fetch_add(1, Ordering::SeqCst);
    let note = |what: &'static str| *faults.injected.lock().unwrap().entry(what).or_default() += 1;
    let reply = |status: &str, extra: &str| {
        format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: 2\r\nConnection: close\r\n\r\n{{}}")
    };
    match n % 23 {
        1 | 12 => {
            note("500 before forwarding");
            let _ = client.write_all(reply("500 Internal Server Error", "").as_bytes()).await;
        }
        4 => {
            note("429 with Retry-After: 1");
            let _ = client.write_all(reply("429 Too Many Requests", "Retry-After: 1\r\n").as_bytes()).await;
        }
        7 => {
            note("connection dropped before forwarding");
        }
        9 | 17 => {
            // Applied upstream, but the answer never arrives.
            note("connection dropped after the CMS applied it");
            let _ = forward(upstream, &request).await;
        }
        15 => {
            note("502 after the CMS applied it");
            let _ = forward(upstream, &request).await;
            let _ = client.write_all(reply("502 Bad Gateway", "").as_bytes()).await;
        }
        20 => {
            // Slower than the client's timeout: the client gives up and retries while this
            // one still reaches the CMS later.
            note("delayed past the client timeout");
            tokio::time::sleep(Duration::from_millis(1500)).await;
            if let Some(answer) = forward(upstream, &request).await {
                let _ = client.write_all(&answer).await;
            }
        }
        m => {
            if m % 3 == 0 {
                note("delayed 150 ms");
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            if let Some(answer) = forward(upstream, &request).await {
                let _ = client.write_all(&answer).await;
            }
        }
    }
    let _ = client.shutdown().await;
}

async fn start_proxy(upstream: u16) -> (u16, Arc<Faults>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let faults = Arc::new(Faults::default());
    let shared = Arc::clone(&faults);
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else { return };
            tokio::spawn(proxy_connection(client, upstream, Arc::clone(&shared)));
        }
    });
    (port, faults)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn through_a_faulty_network_the_end_state_is_the_same() {
    let cms = Strapi::start().await;
    let (proxy, faults) = start_proxy(cms.port).await;
    let dir = tempfile::tempdir().unwrap();
    let store = published_store(dir.path(), 100);
    let queued = store.outbox_status().unwrap().pending as usize;
    let flaky = cms.adapter_at(&format!("http://127.0.0.1:{proxy}"), "ada", Duration::from_secs(1));

    let started = Instant::now();
    let (outcome, _) = push_and_record(&store, &flaky, fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    assert_eq!(outcome, PushOutcome::Done { sent: queued });
    assert_cms_holds_once(&cms, &store);

    // A remote edit, then pulls through the same proxy: into this store and into a fresh one.
    let (text, _) = cms.token_adapter().read("profiles/load-0007.json").await.unwrap().unwrap();
    let edited = text.replace("Load test visitor 7\"", "Load test visitor 7, edited in the CMS\"");
    assert_ne!(edited, text);
    cms.admin_write("profiles/load-0007.json", &edited).await;
    let report = pull(&store, &flaky, fast(), &mut no_jitter()).await.unwrap();
    assert_eq!((report.applied, report.conflicts.len()), (1, 0), "{report:?}");
    let fresh = empty_store(dir.path(), "fresh.db");
    let report = pull(&fresh, &flaky, fast(), &mut no_jitter()).await.unwrap();
    assert_eq!(report.applied, queued - 1);
    assert_eq!(fresh.export().unwrap(), store.export().unwrap());
    let injected = faults.injected.lock().unwrap().clone();
    eprintln!(
        "faulty network: {} requests, {} faults injected in {:.1} s: {injected:?}",
        faults.requests.load(Ordering::SeqCst),
        injected.values().sum::<usize>(),
        started.elapsed().as_secs_f64()
    );
    for kind in [
        "500 before forwarding",
        "429 with Retry-After: 1",
        "connection dropped before forwarding",
        "connection dropped after the CMS applied it",
        "delayed past the client timeout",
    ] {
        assert!(injected.get(kind).copied().unwrap_or(0) > 0, "no {kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn a_document_changed_and_changed_back_here_while_edited_in_strapi_conflicts_and_neither_side_is_overwritten() {
    let cms = Strapi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = published_store(dir.path(), 0);
    let ours = cms.adapter("ada");
    push_and_record(&store, &ours, fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    let path = "entries/home-promo.json";
    let (_, original) = store.document(path).unwrap().unwrap();
    let edited = original.replace("Delivery and returns", "Delivery & returns (edited in Strapi)");
    cms.admin_edit(path, &edited).await;
    // Here: a release changes the document, the next one changes it back (the head equals the
    // last synced text again, with two entries still queued).
    for text in [original.replace("Delivery and returns", "Release text"), original.clone()] {
        let cs = store.create_change_set("mia", "promo").unwrap();
        let (rev, _) = store.document(path).unwrap().unwrap();
        store.write("mia", cs, path, &text, Some(rev)).unwrap();
        review_and_publish(&cms, &store, cs).await;
    }

    let (outcome, pulled) = push_and_record(&store, &ours, fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::Stopped { error: CmsError::Conflict { .. }, .. }), "{outcome:?}");
    assert_eq!(pulled.unwrap().conflicts, [path], "the conflict is recorded, never an empty list");
    assert_eq!(store.sync_conflict(path).unwrap().unwrap().remote_content.as_deref(), Some(edited.as_str()));
    assert_eq!(store.document(path).unwrap().unwrap().1, original, "the local document is untouched");
    // Pushing again does not write the release's text over the Strapi edit.
    push_and_record(&store, &ours, fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    assert_eq!(ours.read(path).await.unwrap().unwrap().0, edited, "the Strapi edit survives");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn hostile_documents_in_strapi_are_set_aside_a_template_change_is_held_and_the_rest_of_the_pull_applies() {
    let cms = Strapi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    std::fs::create_dir_all(&workspace).unwrap();
    std::fs::write(dir.path().join("escape.json"), "precious").unwrap();
    let store = published_store(&workspace, 0);
    let ours = cms.adapter("ada");
    push_and_record(&store, &ours, fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    // Someone with the Strapi admin writes documents no workspace should take.
    let huge = format!("{{\"id\": \"huge\", \"name\": \"{}\", \"attributes\": {{}}, \"consents\": []}}", "x".repeat(5 * 1024 * 1024));
    let hostile = [
        ("../escape.json", "{\"owned\": true}".to_owned()),
        ("/tmp/vantage-absolute.json", "{}".to_owned()),
        ("profiles/broken.json", "{\"id\": \"broken\", ".to_owned()),
        ("profiles/huge.json", huge),
    ];
    for (path, content) in &hostile {
        cms.admin_write(path, content).await;
    }
    // A template rewritten to write content unescaped: code, held for review, not applied.
    let template = "components/hero/template.html";
    let (original_template, _) = ours.read(template).await.unwrap().unwrap();
    let unescaped = original_template.replacen("}}", " | safe }}", 1);
    cms.admin_write(template, &unescaped).await;
    // ... and, behind them in the feed, an ordinary edit.
    let path = "entries/home-promo.json";
    let edited = store.document(path).unwrap().unwrap().1.replace("Delivery and returns", "Delivery & returns (admin)");
    cms.admin_edit(path, &edited).await;

    let report = pull(&store, &ours, fast(), &mut no_jitter()).await.unwrap();
    assert_eq!(report.applied, 1, "{report:?}");
    assert_eq!(store.document(path).unwrap().unwrap().1, edited);
    assert_eq!(report.held, [template]);
    assert_eq!(store.document(template).unwrap().unwrap().1, original_template, "the template change is not applied");
    let mut refused: Vec<String> = store.sync_quarantine().unwrap().into_iter().filter(|q| q.kind == "refused").map(|q| q.path).collect();
    refused.sort();
    assert_eq!(refused, ["../escape.json", "/tmp/vantage-absolute.json", "profiles/broken.json", "profiles/huge.json"]);
    assert_eq!(std::fs::read_to_string(dir.path().join("escape.json")).unwrap(), "precious");
    assert!(store.export().unwrap().keys().all(|p| p.starts_with("entries/") || !p.contains("broken") && !p.contains("..")));
    // The cursor moved on: the next pull is quiet.
    let again = pull(&store, &ours, fast(), &mut no_jitter()).await.unwrap();
    assert!(again.applied == 0 && again.quarantined.is_empty() && again.held.is_empty() && again.conflicts.is_empty(), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn the_audit_log_s_head_is_anchored_on_strapi_and_a_cut_log_is_caught() {
    let cms = Strapi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = published_store(dir.path(), 0);
    let ours = cms.adapter("ada");
    push_and_record(&store, &ours, fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    store.record_profile_read("quinn", "profiles/vip-anna.json", "preview").unwrap();
    let report = pull(&store, &ours, fast(), &mut no_jitter()).await.unwrap();
    let (head, hash) = store.audit_head().unwrap();
    assert_eq!(report.anchored, head);
    let workspace = vantage_sync::workspace_id(&store).unwrap();
    let anchors = ours.audit_anchors(&workspace).await.unwrap();
    assert_eq!(anchors.last().map(|a| (a.seq, a.hash.clone())), Some((head, hash.clone())));
    // Anchoring the same head again is fine; another hash for it, or an older entry, is not.
    ours.anchor_audit(&workspace, head, &hash).await.unwrap();
    let other = "f".repeat(64);
    assert!(matches!(ours.anchor_audit(&workspace, head, &other).await, Err(CmsError::Conflict { .. })));
    assert!(matches!(ours.anchor_audit(&workspace, head - 1, &other).await, Err(CmsError::Conflict { .. })));
    drop(store);

    // The newest entries (the profile read among them) are cut on the laptop's disk.
    let raw = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    raw.execute_batch("DROP TRIGGER audit_append_only_delete").unwrap();
    raw.execute("DELETE FROM audit WHERE seq > ?1", [head - 2]).unwrap();
    drop(raw);
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    match vantage_sync::verify_with_cms(&store, &ours, fast(), &mut no_jitter()).await.unwrap() {
        vantage_store::ChainStatus::Broken { seq, reason } => assert_eq!(seq, head - 1, "{reason}"),
        other => panic!("the cut was not detected: {other:?}"),
    }
    let refused = pull(&store, &ours, fast(), &mut no_jitter()).await.unwrap_err();
    assert!(matches!(refused, vantage_sync::SyncError::AuditLog(_)), "{refused:?}");
}
