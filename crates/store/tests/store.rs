//! The store against real SQLite files: history, conflicts, undo/redo, roles, four eyes,
//! releases, the audit chain, import/export, crash safety and refusal of bad files.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use vantage_store::{ChainStatus, ChangeSetState, ErrorCode, Role, RollbackTarget, Store};
use vantage_test_support::demo_files;

/// A clock that ticks one second per call from 2026-11-20T12:00:00Z.
fn ticking() -> impl Fn() -> String + Send + Sync + 'static {
    ticking_from(1_795_176_000)
}

/// A clock that ticks one second per call from `start` (seconds since 1970).
fn ticking_from(start: i64) -> impl Fn() -> String + Send + Sync + 'static {
    let t = Arc::new(AtomicU64::new(0));
    move || {
        let s = t.fetch_add(1, Ordering::SeqCst);
        jiff::Timestamp::from_second(start + s as i64).unwrap().to_string()
    }
}

/// 2026-12-03T00:00:00Z: after every schedule the tests set, so they may fall due.
const DECEMBER_3: i64 = 1_796_256_000;

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Store,
}

/// A store with the demo workspace imported and one user per role.
fn fixture() -> Fixture {
    fixture_with_clock(ticking())
}

fn fixture_with_clock(clock: impl Fn() -> String + Send + Sync + 'static) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("workspace.db");
    let store = Store::open(&path).unwrap().with_clock(clock);
    store.add_user("ada", "ada", Role::Admin).unwrap();
    for (name, role) in [("mia", Role::Marketer), ("max", Role::Marketer), ("rex", Role::Reviewer), ("quinn", Role::Qa)] {
        store.add_user("ada", name, role).unwrap();
    }
    store.import("ada", &demo_files()).unwrap();
    Fixture { _dir: dir, path, store }
}

const HERO: &str = "entries/home-hero.json";

fn edited_hero(store: &Store, headline: &str) -> String {
    let (_, text) = store.document(HERO).unwrap().unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["personalizations"][0]["patch"]["headline"] = serde_json::json!(headline);
    v.to_string()
}

#[test]
fn import_then_export_gives_byte_identical_canonical_json() {
    let f = fixture();
    let exported = f.store.export().unwrap();
    let original = demo_files();
    assert_eq!(exported.len(), original.len());
    for (path, text) in &original {
        let canonical = if path.ends_with(".json") {
            let mut t = serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(text).unwrap()).unwrap();
            t.push('\n');
            t
        } else {
            text.clone()
        };
        assert_eq!(exported[path], canonical, "{path}");
    }
    // Export, re-import into a fresh store, export again: the same bytes.
    let dir = tempfile::tempdir().unwrap();
    let again = Store::open(&dir.path().join("b.db")).unwrap();
    again.add_user("ada", "ada", Role::Admin).unwrap();
    again.import("ada", &exported).unwrap();
    assert_eq!(again.export().unwrap(), exported);
}

#[test]
fn every_write_is_a_revision_and_history_lists_them_newest_first() {
    let f = fixture();
    let cs = f.store.create_change_set("mia", "VIP hero copy").unwrap();
    let (base, _) = f.store.document(HERO).unwrap().unwrap();
    let r1 = f.store.write("mia", cs, HERO, &edited_hero(&f.store, "One"), Some(base)).unwrap();
    let r2 = f.store.write("mia", cs, HERO, &edited_hero(&f.store, "Two"), Some(r1)).unwrap();
    let history = f.store.history(HERO).unwrap();
    assert_eq!(history.iter().map(|r| r.id).collect::<Vec<_>>(), vec![r2, r1, base]);
    assert_eq!(history[0].author, "mia");
    assert_eq!(history[0].change_set, Some(cs));
}

#[test]
fn a_stale_write_is_a_conflict_naming_who_changed_the_document() {
    let f = fixture();
    let a = f.store.create_change_set("mia", "a").unwrap();
    let b = f.store.create_change_set("max", "b").unwrap();
    let (base, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", a, HERO, &edited_hero(&f.store, "Mia's"), Some(base)).unwrap();
    let err = f.store.write("max", b, HERO, &edited_hero(&f.store, "Max's"), Some(base)).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("`mia`"), "{}", err.message);
    assert!(f.store.document(HERO).unwrap().unwrap().1.contains("Mia's"), "the first write is kept, not overwritten");
}

#[test]
fn undo_and_redo_walk_the_revisions_and_a_new_edit_starts_a_new_branch() {
    let f = fixture();
    let cs = f.store.create_change_set("mia", "copy").unwrap();
    let (base, original) = f.store.document(HERO).unwrap().unwrap();
    let r1 = f.store.write("mia", cs, HERO, &edited_hero(&f.store, "One"), Some(base)).unwrap();
    f.store.write("mia", cs, HERO, &edited_hero(&f.store, "Two"), Some(r1)).unwrap();
    let content = |s: &Store| s.document(HERO).unwrap().unwrap().1;
    f.store.undo("mia", cs, HERO).unwrap();
    assert!(content(&f.store).contains("One"));
    f.store.undo("mia", cs, HERO).unwrap();
    assert_eq!(content(&f.store), original);
    assert_eq!(f.store.undo("mia", cs, HERO).unwrap_err().code, ErrorCode::Invalid, "nothing left to undo");
    f.store.redo("mia", cs, HERO).unwrap();
    assert!(content(&f.store).contains("One"));
    f.store.redo("mia", cs, HERO).unwrap();
    assert!(content(&f.store).contains("Two"));
    assert_eq!(f.store.redo("mia", cs, HERO).unwrap_err().code, ErrorCode::Invalid);
    f.store.undo("mia", cs, HERO).unwrap();
    let (head, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", cs, HERO, &edited_hero(&f.store, "Three"), Some(head)).unwrap();
    assert_eq!(f.store.redo("mia", cs, HERO).unwrap_err().code, ErrorCode::Invalid, "a new edit drops the redo");
    f.store.undo("mia", cs, HERO).unwrap();
    assert!(content(&f.store).contains("One"), "undo after the new edit goes back to what it was made on");
}

#[test]
fn roles_are_enforced_by_the_store() {
    let f = fixture();
    // QA keeps the visitor profiles (test data) but may not touch content or rules.
    let qa = f.store.create_change_set("quinn", "a profile for tablets").unwrap();
    let (base, _) = f.store.document(HERO).unwrap().unwrap();
    assert_eq!(f.store.write("quinn", qa, HERO, &edited_hero(&f.store, "x"), Some(base)).unwrap_err().code, ErrorCode::Forbidden);
    let profile = r#"{"id": "tablet-tom", "name": "Tom on a tablet", "attributes": {"request.device": "tablet"}}"#;
    assert!(f.store.write("quinn", qa, "profiles/tablet-tom.json", profile, None).is_ok());
    assert_eq!(f.store.create_change_set("rex", "reviewers do not author").unwrap_err().code, ErrorCode::Forbidden);
    assert_eq!(f.store.add_user("mia", "eve", Role::Admin).unwrap_err().code, ErrorCode::Forbidden);
    assert_eq!(f.store.create_change_set("mallory", "not a user").unwrap_err().code, ErrorCode::Forbidden);
    let cs = f.store.create_change_set("mia", "mine").unwrap();
    let (base, _) = f.store.document(HERO).unwrap().unwrap();
    let err = f.store.write("max", cs, HERO, &edited_hero(&f.store, "x"), Some(base)).unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden, "another marketer's draft is theirs");
    assert!(f.store.comment("quinn", Some(cs), Some(HERO), "Looks good on mobile").is_ok());
}

/// A demo workspace with its deliberate lint error (the banned word) removed.
fn fix_banned_word(store: &Store, cs: i64, user: &str) {
    let path = "entries/sale-promo.json";
    let (rev, text) = store.document(path).unwrap().unwrap();
    store
        .write(user, cs, path, &text.replace("Cheap outdoor gear that does not feel cheap", "Outdoor gear at outlet prices"), Some(rev))
        .unwrap();
}

#[test]
fn submit_is_refused_when_the_change_introduces_lint_errors_but_not_for_errors_already_live() {
    let f = fixture();
    let cs = f.store.create_change_set("mia", "copy").unwrap();
    // The demo's live banned word is someone else's to fix: it does not block this change.
    let (rev, text) = f.store.document(HERO).unwrap().unwrap();
    let cheap = text.replacen("Built for the long way round", "Cheap layers for the long way round", 1);
    assert_ne!(cheap, text);
    f.store.write("mia", cs, HERO, &cheap, Some(rev)).unwrap();
    let err = f.store.submit("mia", cs).unwrap_err();
    assert_eq!(err.code, ErrorCode::LintFailed);
    assert!(err.message.contains("home-hero") && err.message.contains("banned word"), "{}", err.message);
    assert!(!err.message.contains("sale-promo"), "errors already live are not this change's: {}", err.message);
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", cs, HERO, &text, Some(rev)).unwrap();
    f.store.submit("mia", cs).unwrap();
}

#[test]
fn four_eyes_then_publish_then_rollback() {
    let f = fixture();
    f.store.add_user("ada", "rita", Role::Reviewer).unwrap();
    let cs = f.store.create_change_set("ada", "admin's own change").unwrap();
    fix_banned_word(&f.store, cs, "ada");
    f.store.submit("ada", cs).unwrap();
    let err = f.store.decide("ada", cs, true, "self-approval").unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(err.message.contains("four eyes"), "{}", err.message);
    f.store.decide("rex", cs, true, "Copy checked").unwrap();
    let first = f.store.publish("rex", cs).unwrap();
    assert_eq!(f.store.change_sets().unwrap()[0].state, ChangeSetState::Published);
    let cs2 = f.store.create_change_set("mia", "hero").unwrap();
    let (base, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", cs2, HERO, &edited_hero(&f.store, "New VIP copy"), Some(base)).unwrap();
    f.store.submit("mia", cs2).unwrap();
    f.store.decide("rita", cs2, true, "ok").unwrap();
    let second = f.store.publish("rita", cs2).unwrap();
    let back = f.store.rollback("rex", first).unwrap();
    let releases = f.store.releases().unwrap();
    assert_eq!(releases.len(), 3);
    assert_eq!(releases[2].rollback_of, Some(first));
    assert_eq!(releases[2].hash, releases[0].hash);
    assert_ne!(releases[1].hash, releases[0].hash);
    assert_eq!(f.store.release_sources(back).unwrap(), f.store.release_sources(first).unwrap());
    assert!(second > first);
    // Releases are immutable even to raw SQL.
    let raw = rusqlite::Connection::open(&f.path).unwrap();
    assert!(raw.execute("UPDATE releases SET hash = 'x' WHERE id = 1", []).is_err());
    assert!(raw.execute("DELETE FROM releases", []).is_err());
}

#[test]
fn the_first_release_can_be_undone_back_to_the_workspace_as_imported() {
    let f = fixture();
    let imported = f.store.export().unwrap();
    let cs = f.store.create_change_set("mia", "New VIP copy").unwrap();
    let (base, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", cs, HERO, &edited_hero(&f.store, "New VIP copy"), Some(base)).unwrap();
    let first = ship(&f.store, "mia", "rex", cs);
    let (live, then) = f.store.rollback_sources(RollbackTarget::Imported).unwrap();
    assert_eq!((live, &then), (f.store.release_sources(first).unwrap(), &imported), "the confirmation compares live with the import");

    assert_eq!(f.store.rollback_to("mia", RollbackTarget::Imported).unwrap_err().code, ErrorCode::Forbidden);
    // The published change keeps its review record: what it changed, not "no differences".
    let (before, after) = f.store.change_set_sources(cs).unwrap();
    assert_eq!((before, after.get(HERO).cloned()), (imported.clone(), f.store.document(HERO).unwrap().map(|(_, t)| t)));
    let back = f.store.rollback_to("rex", RollbackTarget::Imported).unwrap();
    let release = f.store.releases().unwrap().into_iter().find(|r| r.id == back).unwrap();
    assert!(release.restores_import && release.rollback_of.is_none());
    assert_eq!(f.store.release_sources(back).unwrap(), imported);
    assert_eq!(f.store.export().unwrap(), imported, "the workspace shows the import again");
    let audit = f.store.audit_log(None, Some("rollback"), 5).unwrap();
    assert!(audit.iter().any(|e| e.detail.contains("imported")), "{audit:?}");
}

/// Submits `cs` as `author`, has `reviewer` approve it and publish it; returns the release.
fn ship(store: &Store, author: &str, reviewer: &str, cs: i64) -> i64 {
    store.submit(author, cs).unwrap();
    store.decide(reviewer, cs, true, "ok").unwrap();
    store.publish(reviewer, cs).unwrap()
}

#[test]
fn a_scheduled_publish_is_revalidated_when_it_fires() {
    let f = fixture_with_clock(ticking_from(DECEMBER_3));
    let c0 = f.store.create_change_set("mia", "fix the promo").unwrap();
    fix_banned_word(&f.store, c0, "mia");
    let first = ship(&f.store, "mia", "rex", c0);
    let c1 = f.store.create_change_set("mia", "hero one").unwrap();
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", c1, HERO, &edited_hero(&f.store, "First"), Some(rev)).unwrap();
    ship(&f.store, "mia", "rex", c1);
    let a = f.store.create_change_set("max", "hero two").unwrap();
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("max", a, HERO, &edited_hero(&f.store, "Second"), Some(rev)).unwrap();
    f.store.submit("max", a).unwrap();
    f.store.decide("rex", a, true, "ok").unwrap();
    f.store.schedule_publish("rex", a, "2026-12-01T08:00:00Z").unwrap();
    assert!(f.store.run_due("rex", "2026-11-30T08:00:00Z").unwrap().is_empty(), "not due yet");
    // Meanwhile the live hero changes under the approved change set: a rollback.
    f.store.rollback("rex", first).unwrap();
    let fired = f.store.run_due("rex", "2026-12-01T08:00:01Z").unwrap();
    assert_eq!(fired.len(), 1);
    let reason = fired[0].1.clone().unwrap_err();
    assert!(reason.contains("published meanwhile") && reason.contains(HERO), "{reason}");
    assert_eq!(f.store.releases().unwrap().len(), 3, "refused, not published blindly");
    assert!(f.store.run_due("rex", "2026-12-02T08:00:00Z").unwrap().is_empty(), "a refused schedule does not fire again");
    let err = f.store.publish("rex", a).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "publishing by hand is refused the same way: {}", err.message);
    assert!(err.message.contains(&format!("change set {a}")), "{}", err.message);
    let refusals = f.store.audit_log(None, Some("publish_refused"), 10).unwrap();
    assert_eq!(refusals.len(), 1, "the refusal is in the audit log");
}

#[test]
fn a_scheduled_publish_that_is_still_valid_publishes_when_due() {
    let f = fixture_with_clock(ticking_from(DECEMBER_3));
    let a = f.store.create_change_set("mia", "fix the promo").unwrap();
    fix_banned_word(&f.store, a, "mia");
    f.store.submit("mia", a).unwrap();
    f.store.decide("rex", a, true, "ok").unwrap();
    let schedule = f.store.schedule_publish("rex", a, "2026-12-01T08:00:00+01:00").unwrap();
    assert!(f.store.run_due("rex", "2026-12-01T06:59:59Z").unwrap().is_empty(), "time zones are respected");
    let fired = f.store.run_due("rex", "2026-12-01T07:00:00Z").unwrap();
    let releases = f.store.releases().unwrap();
    assert_eq!(fired, vec![(schedule, Ok(releases[0].id))]);
    assert_eq!(releases[0].change_set, Some(a));
    assert_eq!(f.store.change_sets().unwrap()[0].state, ChangeSetState::Published);
}

#[test]
fn audit_verify_names_exactly_the_altered_row() {
    let f = fixture();
    let cs = f.store.create_change_set("mia", "copy").unwrap();
    let (base, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", cs, HERO, &edited_hero(&f.store, "x"), Some(base)).unwrap();
    f.store.record_profile_read("quinn", "profiles/vip-anna.json", "preview").unwrap();
    let ChainStatus::Intact { entries, .. } = f.store.verify_audit().unwrap() else { panic!("chain broken before tampering") };
    assert!(entries >= 8);
    drop(f.store);
    let raw = rusqlite::Connection::open(&f.path).unwrap();
    raw.execute_batch("DROP TRIGGER audit_append_only_update").unwrap();
    raw.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 4", []).unwrap();
    drop(raw);
    let store = Store::open(&f.path).unwrap();
    match store.verify_audit().unwrap() {
        ChainStatus::Broken { seq, .. } => assert_eq!(seq, 4),
        other => panic!("tampering not detected: {other:?}"),
    }
}

#[test]
fn a_database_from_a_newer_version_is_refused_with_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    drop(Store::open(&path).unwrap());
    rusqlite::Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let err = Store::open(&path).err().unwrap();
    assert_eq!(err.code, ErrorCode::SchemaTooNew);
    assert!(err.message.contains("99") && err.message.contains(&vantage_store::SCHEMA_VERSION.to_string()), "{}", err.message);
}

#[test]
fn a_read_only_database_gives_a_clear_error_and_stays_as_it_was() {
    let f = fixture();
    let before = f.store.export().unwrap();
    drop(f.store);
    let store = Store::open_read_only(&f.path).unwrap();
    let cs = store.create_change_set("mia", "x");
    let err = cs.unwrap_err();
    assert_eq!(err.code, ErrorCode::ReadOnly, "{}", err.message);
    assert!(err.message.contains("nothing was changed"), "{}", err.message);
    drop(store);
    assert_eq!(Store::open(&f.path).unwrap().export().unwrap(), before);
}

/// The child side of the two-process test: 40 rounds of a private write and a contended one.
#[test]
#[ignore = "run by two_processes_at_once_lose_nothing_and_report_conflicts as a child process"]
fn two_process_child_editor() {
    let (Some(path), Some(user)) = (std::env::var_os("VANTAGE_RACE_DB"), std::env::var("VANTAGE_RACE_USER").ok()) else { return };
    let store = Store::open(Path::new(&path)).unwrap();
    let cs = store.create_change_set(&user, "race").unwrap();
    let doc = format!("profiles/{user}-draft.json");
    for i in 0..40 {
        let mine = store.document(&doc).unwrap().map(|(r, _)| r);
        println!("wrote {}", store.write(&user, cs, &doc, &format!("{{\"n\": {i}}}"), mine).unwrap());
        let shared = store.document(HERO).unwrap().map(|(r, _)| r);
        match store.write(&user, cs, HERO, &format!("{{\"by\": \"{user}\", \"i\": {i}}}"), shared) {
            Ok(r) => println!("wrote {r}"),
            Err(e) if e.code == ErrorCode::Conflict => println!("conflict"),
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn two_processes_at_once_lose_nothing_and_report_conflicts() {
    use std::process::{Command, Stdio};
    let f = fixture();
    drop(f.store);
    let children: Vec<_> = ["mia", "max"]
        .into_iter()
        .map(|user| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "two_process_child_editor", "--ignored", "--nocapture", "--test-threads=1"])
                .env("VANTAGE_RACE_DB", &f.path)
                .env("VANTAGE_RACE_USER", user)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    let store = Store::open(&f.path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let mut all_ids = std::collections::BTreeSet::new();
    for doc in [HERO, "profiles/mia-draft.json", "profiles/max-draft.json"] {
        all_ids.extend(store.history(doc).unwrap().iter().map(|r| r.id));
    }
    let mut writes = 0;
    for out in &outputs {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some(id) = line.strip_prefix("wrote ") {
                assert!(all_ids.contains(&id.parse::<i64>().unwrap()), "revision {id} lost");
                writes += 1;
            }
        }
    }
    assert!(writes >= 80, "every private write landed ({writes} writes)");
    for user in ["mia", "max"] {
        assert_eq!(store.document(&format!("profiles/{user}-draft.json")).unwrap().unwrap().1, "{\n  \"n\": 39\n}\n");
    }
    assert!(matches!(store.verify_audit().unwrap(), ChainStatus::Intact { .. }));
}

/// The child side of the crash test: writes revisions forever, printing each committed id.
#[test]
#[ignore = "run by killed_writer_never_loses_a_reported_revision as a child process"]
fn crash_child_writer() {
    let Some(path) = std::env::var_os("VANTAGE_CRASH_DB") else { return };
    let store = Store::open(Path::new(&path)).unwrap();
    let user = format!("writer-{}", std::process::id());
    store.add_user("ada", &user, Role::Marketer).unwrap();
    let cs = store.create_change_set(&user, "crash loop").unwrap();
    let doc = format!("profiles/{user}.json");
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let head = store.document(&doc).unwrap().map(|(r, _)| r);
        let id = store.write(&user, cs, &doc, &format!("{{\"n\": {i}}}"), head).unwrap();
        writeln!(out, "committed {id}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn killed_writer_never_loses_a_reported_revision() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let f = fixture();
    drop(f.store);
    let mut seed: u64 = 0x5eed;
    for round in 0..20 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child_writer", "--ignored", "--nocapture", "--test-threads=1"])
            .env("VANTAGE_CRASH_DB", &f.path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let lines_before_kill = 5 + (seed >> 33) % 60;
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut reported = Vec::new();
        let mut line = String::new();
        while (reported.len() as u64) < lines_before_kill {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
            if let Some(id) = line.trim().strip_prefix("committed ") {
                reported.push(id.parse::<i64>().unwrap());
            }
        }
        child.kill().unwrap(); // SIGKILL, mid-write or between writes
                               // Whatever was already in the pipe was committed too.
        for rest in reader.lines().map_while(Result::ok) {
            if let Some(id) = rest.trim().strip_prefix("committed ") {
                reported.push(id.parse::<i64>().unwrap());
            }
        }
        child.wait().unwrap();
        let store = Store::open(&f.path).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok", "round {round}");
        assert!(!reported.is_empty(), "round {round}: the child reported nothing");
        let doc = format!("profiles/writer-{}.json", child.id());
        let kept: std::collections::BTreeSet<i64> = store.history(&doc).unwrap().iter().map(|r| r.id).collect();
        for id in &reported {
            assert!(kept.contains(id), "round {round}: revision {id} was reported committed but is gone");
        }
        assert_eq!(store.verify_audit().unwrap(), store.verify_audit().unwrap());
        assert!(matches!(store.verify_audit().unwrap(), ChainStatus::Intact { .. }), "round {round}");
    }
}

#[test]
fn an_older_database_is_migrated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // A database at schema version 1, as the first release wrote it.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../src/migrations/0001_initial.sql")).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute("INSERT INTO users (name, role) VALUES ('ada', 'admin')", []).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.role("ada").unwrap(), Role::Admin, "data survives the migration");
    let version: i64 = rusqlite::Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, vantage_store::SCHEMA_VERSION);
}

#[test]
fn change_sets_survive_the_rebuild_that_lets_cms_editors_author_them_and_foreign_keys_hold_after() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v6.db");
    {
        // A database at schema version 6 with a change set, its edit and a comment on it.
        let conn = rusqlite::Connection::open(&path).unwrap();
        for sql in [
            include_str!("../src/migrations/0001_initial.sql"),
            include_str!("../src/migrations/0002_change_set_index.sql"),
            include_str!("../src/migrations/0003_outbox.sql"),
            include_str!("../src/migrations/0004_sync.sql"),
            include_str!("../src/migrations/0005_sync_quarantine.sql"),
            include_str!("../src/migrations/0006_audit_anchors.sql"),
        ] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
        conn.execute_batch(
            "INSERT INTO users (name, role) VALUES ('ada', 'admin'), ('mia', 'marketer');
             INSERT INTO change_sets (id, title, author, state, created_at) VALUES (7, 'spring sale', 'mia', 'draft', '2026-01-01T00:00:00Z');",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let [change] = store.change_sets().unwrap().try_into().unwrap();
    assert_eq!((change.id, change.title.as_str(), change.author.as_str(), change.from_cms), (7, "spring sale", "mia", false));
    // The store goes on working: an edit in that change set refers to it as before.
    store.write("mia", 7, "profiles/p.json", r#"{"id": "p", "name": "P", "attributes": {}, "consents": []}"#, None).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let dangling: i64 = conn.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    assert_eq!(dangling, 0, "every revision, comment and release still refers to a change set that exists");
}

#[test]
fn a_full_disk_gives_a_clear_error_and_leaves_the_database_as_it_was() {
    let f = fixture();
    let cs = f.store.create_change_set("mia", "big").unwrap();
    let before = f.store.export().unwrap();
    let history_before = f.store.history(HERO).unwrap().len();
    // No room to grow: the next write that needs a new page fails as on a full disk.
    f.store.set_max_pages(f.store.page_count().unwrap()).unwrap();
    let (base, _) = f.store.document(HERO).unwrap().unwrap();
    let huge = format!("{{\"filler\": \"{}\"}}", "x".repeat(200_000));
    let err = f.store.write("mia", cs, HERO, &huge, Some(base)).unwrap_err();
    assert_eq!(err.code, ErrorCode::ReadOnly, "{}", err.message);
    assert!(err.message.contains("full") && err.message.contains("nothing was changed"), "{}", err.message);
    assert_eq!(f.store.export().unwrap(), before);
    assert_eq!(f.store.history(HERO).unwrap().len(), history_before);
    assert_eq!(f.store.integrity_check().unwrap(), "ok");
    assert!(matches!(f.store.verify_audit().unwrap(), ChainStatus::Intact { .. }));
}

#[test]
fn publishing_queues_exactly_the_changed_documents_then_the_release_marker() {
    let f = fixture();
    f.store.add_user("ada", "rita", Role::Reviewer).unwrap();
    let a = f.store.create_change_set("mia", "fix the promo").unwrap();
    fix_banned_word(&f.store, a, "mia");
    f.store.submit("mia", a).unwrap();
    f.store.decide("rex", a, true, "ok").unwrap();
    let first = f.store.publish("rex", a).unwrap();
    let all = f.store.outbox_pending(10_000).unwrap();
    assert_eq!(all.len(), demo_files().len() + 1, "the first release sends every document and its marker");
    assert_eq!(all.last().unwrap().path, None);
    for e in &all {
        f.store.outbox_done(e.id).unwrap();
    }
    let b = f.store.create_change_set("mia", "hero").unwrap();
    let (base, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", b, HERO, &edited_hero(&f.store, "Queued headline"), Some(base)).unwrap();
    f.store.submit("mia", b).unwrap();
    f.store.decide("rita", b, true, "ok").unwrap();
    let second = f.store.publish("rita", b).unwrap();
    let queued = f.store.outbox_pending(100).unwrap();
    assert_eq!(queued.iter().map(|e| e.path.clone()).collect::<Vec<_>>(), vec![Some(HERO.to_owned()), None]);
    assert_eq!(queued[0].release, second);
    assert!(queued[0].content.as_deref().unwrap().contains("Queued headline"));
    assert_eq!(queued[0].idempotency_key, format!("release-{second}:{HERO}"));
    f.store.outbox_failed(queued[0].id, "connection refused").unwrap();
    let status = f.store.outbox_status().unwrap();
    assert_eq!((status.pending, status.last_error.as_deref()), (2, Some("connection refused")));
    assert!(status.last_success.is_some());
    assert_eq!(f.store.outbox_pending(100).unwrap()[0].attempts, 1, "a failed entry stays, in order");
    for e in f.store.outbox_pending(100).unwrap() {
        f.store.outbox_done(e.id).unwrap();
    }
    f.store.rollback("rex", first).unwrap();
    let back = f.store.outbox_pending(100).unwrap();
    assert_eq!(back.len(), 2, "rolling back sends the hero's earlier content and a marker");
    assert!(!back[0].content.as_deref().unwrap().contains("Queued headline"));
}

#[test]
fn a_publish_refused_by_lint_queues_nothing_and_changes_nothing() {
    let f = fixture();
    let c0 = f.store.create_change_set("mia", "fix the promo").unwrap();
    fix_banned_word(&f.store, c0, "mia");
    let first = ship(&f.store, "mia", "rex", c0);
    // A second release adds an audience ...
    let c1 = f.store.create_change_set("mia", "night owls").unwrap();
    let (rev, text) = f.store.document("audiences.json").unwrap().unwrap();
    let mut audiences: serde_json::Value = serde_json::from_str(&text).unwrap();
    audiences["audiences"]["night-owls"] = audiences["audiences"]["vip"].clone();
    f.store.write("mia", c1, "audiences.json", &audiences.to_string(), Some(rev)).unwrap();
    ship(&f.store, "mia", "rex", c1);
    // ... that an approved change uses ...
    let a = f.store.create_change_set("max", "hero for night owls").unwrap();
    let (rev, text) = f.store.document(HERO).unwrap().unwrap();
    let mut hero: serde_json::Value = serde_json::from_str(&text).unwrap();
    hero["personalizations"][0]["condition"] = serde_json::json!({"audience": "night-owls"});
    f.store.write("max", a, HERO, &hero.to_string(), Some(rev)).unwrap();
    f.store.submit("max", a).unwrap();
    f.store.decide("rex", a, true, "ok").unwrap();
    // ... and a rollback removes it again: the approved change no longer lints.
    f.store.rollback("rex", first).unwrap();
    let pending = f.store.outbox_pending(10_000).unwrap();
    let err = f.store.publish("rex", a).unwrap_err();
    assert_eq!(err.code, ErrorCode::LintFailed, "{}", err.message);
    assert!(err.message.contains("night-owls") && err.message.contains(&format!("change set {a}")), "{}", err.message);
    assert_eq!(f.store.outbox_pending(10_000).unwrap(), pending, "nothing queued");
    assert_eq!(f.store.releases().unwrap().len(), 3);
    assert_eq!(f.store.change_sets().unwrap()[2].state, ChangeSetState::Approved);
}

#[path = "store/governance.rs"]
mod governance;
#[path = "store/hostile.rs"]
mod hostile;

#[test]
fn a_person_signed_in_at_the_cms_gets_the_cms_s_role_here_and_never_more() {
    let f = fixture();
    // The CMS says ada is a marketer: the local admin role is lowered, the last admin included.
    f.store.mirror_cms_user("ada", Role::Marketer).unwrap();
    assert_eq!(f.store.role("ada").unwrap(), Role::Marketer);
    // Someone the local team does not know joins with the CMS's role.
    f.store.mirror_cms_user("nora", Role::Reviewer).unwrap();
    assert_eq!(f.store.role("nora").unwrap(), Role::Reviewer);
    let entry = &f.store.audit_log(None, Some("user"), 1).unwrap()[0];
    assert_eq!((entry.actor.as_str(), entry.subject.as_str()), ("the CMS", "nora"));
    // A name outside the documented character set is refused, as for any user.
    assert!(f.store.mirror_cms_user("nora\u{1b}[2J", Role::Admin).is_err());
}
#[path = "store/deploy_targets.rs"]
mod deploy_targets;
