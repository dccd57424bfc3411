//! Hostile insiders and files at the store: user names that would escape a path, a log line or a
//! terminal; the last admin demoting themselves; a document that says one key twice.

use super::*;

#[test]
fn user_names_outside_the_documented_character_set_are_refused() {
    let f = fixture();
    for bad in ["", "../evil", "eve\nadmin", "Eve", "eve smith", "-eve", "e\u{1b}]0;pwned\u{7}", &"a".repeat(33)] {
        let err = f.store.add_user("ada", bad, Role::Marketer).unwrap_err();
        assert_eq!(err.code, ErrorCode::Invalid, "{bad:?} was accepted");
        assert!(
            err.message.contains("cannot be a user name") && !err.message.contains('\n') && !err.message.contains('\u{1b}'),
            "{}",
            err.message
        );
    }
    for good in ["eve", "eve.smith", "eve_2", "e-v-e", &"a".repeat(32)] {
        f.store.add_user("ada", good, Role::Marketer).unwrap();
    }
}

#[test]
fn the_last_admin_cannot_give_up_the_role_but_one_of_two_can() {
    let f = fixture();
    let err = f.store.add_user("ada", "ada", Role::Marketer).unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert!(err.message.contains("last admin"), "{}", err.message);
    assert_eq!(f.store.role("ada").unwrap(), Role::Admin);
    f.store.add_user("ada", "bea", Role::Admin).unwrap();
    f.store.add_user("ada", "ada", Role::Marketer).unwrap();
    assert_eq!(f.store.role("ada").unwrap(), Role::Marketer);
}

#[test]
fn a_document_naming_a_key_twice_is_refused_with_the_key_s_pointer() {
    let f = fixture();
    let cs = f.store.create_change_set("mia", "sneaky").unwrap();
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    let text =
        "{\"id\": \"home-hero\", \"type\": \"hero\", \"baseline\": {\"headline\": \"shown to the reviewer\", \"headline\": \"served\"}}";
    let err = f.store.write("mia", cs, HERO, text, Some(rev)).unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert!(err.message.contains("/baseline/headline") && err.message.contains(HERO), "{}", err.message);
    assert_eq!(f.store.document(HERO).unwrap().unwrap().0, rev, "nothing was written");
}

#[test]
fn only_the_workspace_s_own_documents_in_one_spelling_can_be_edited() {
    let f = fixture();
    let cs = f.store.create_change_set("mia", "reach outside").unwrap();
    for bad in [
        ".git/config",
        ".vantage/store.db",
        "entries/./home-hero.json",
        "entries/../vantage.json",
        "../escape.json",
        "/etc/passwd",
        "C:/x.json",
        "entries\\\\home-hero.json",
        "entries/home\u{1b}hero.json",
        "entries/.hidden.json",
        "notes/todo.json",
        "entries/run.sh",
        "",
    ] {
        let err = f.store.write("mia", cs, bad, "{}", None).unwrap_err();
        assert_eq!(err.code, ErrorCode::Invalid, "{bad:?} was accepted");
        assert!(err.message.contains("is not a workspace document"), "{}", err.message);
        assert!(!err.message.contains('\u{1b}'), "the message echoes no control character");
    }
    // The lock on a document cannot be dodged by another spelling of its path.
    assert!(f.store.write("mia", cs, "entries/./home-hero.json", "{}", None).is_err());
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", cs, HERO, &edited_hero(&f.store, "Still fine"), Some(rev)).unwrap();
}

#[test]
fn a_release_altered_on_disk_is_not_republished_by_a_rollback() {
    let f = fixture();
    let cs = f.store.create_change_set("mia", "fix the promo").unwrap();
    fix_banned_word(&f.store, cs, "mia");
    let first = ship(&f.store, "mia", "rex", cs);
    // Someone with the laptop's disk drops the guard and rewrites the frozen sources.
    let raw = rusqlite::Connection::open(&f.path).unwrap();
    raw.execute_batch("DROP TRIGGER releases_immutable_update").unwrap();
    let sources: String = raw.query_row("SELECT sources FROM releases WHERE id = ?1", [first], |r| r.get(0)).unwrap();
    let tampered = sources.replace("Outdoor gear at outlet prices", "Planted by the attacker");
    assert_ne!(tampered, sources);
    raw.execute("UPDATE releases SET sources = ?1 WHERE id = ?2", rusqlite::params![tampered, first]).unwrap();
    let releases_before = f.store.releases().unwrap().len();
    let err = f.store.rollback("rex", first).unwrap_err();
    assert!(err.message.contains("altered") && err.message.contains(&format!("release {first}")), "{}", err.message);
    assert_eq!(f.store.releases().unwrap().len(), releases_before, "nothing was republished");
}

#[test]
fn every_release_records_the_audit_head_and_a_log_cut_back_past_a_release_fails_verify() {
    let f = fixture();
    let cs = f.store.create_change_set("mia", "fix the promo").unwrap();
    fix_banned_word(&f.store, cs, "mia");
    let (head_before, hash_before) = f.store.audit_head().unwrap();
    let release = ship(&f.store, "mia", "rex", cs);
    let recorded = f.store.releases().unwrap().into_iter().find(|r| r.id == release).unwrap().audit_head.unwrap();
    assert!(recorded.0 >= head_before, "the release records the head at publishing");
    assert_eq!(
        f.store.audit_log(None, None, 1000).unwrap().iter().find(|e| e.seq == recorded.0).map(|e| e.hash.clone()),
        Some(recorded.1.clone())
    );
    assert_ne!((recorded.0, &recorded.1), (0, &hash_before));
    let ChainStatus::Intact { anchors, anchored_through, .. } = f.store.verify_audit().unwrap() else { panic!("intact before tampering") };
    assert!(anchors >= 1 && anchored_through == recorded.0);

    // Cutting the log back to before the release: the chain left is valid, the release's
    // record of the head is not in it.
    let raw = rusqlite::Connection::open(&f.path).unwrap();
    raw.execute_batch("DROP TRIGGER audit_append_only_delete").unwrap();
    raw.execute("DELETE FROM audit WHERE seq >= ?1", [recorded.0]).unwrap();
    match f.store.verify_audit().unwrap() {
        ChainStatus::Broken { seq, reason } => {
            assert_eq!(seq, recorded.0);
            assert!(reason.contains(&format!("release {release}")) && reason.contains("missing"), "{reason}");
        }
        other => panic!("the cut was not detected: {other:?}"),
    }
}

#[test]
fn a_rollback_that_would_bring_back_a_lint_error_is_refused() {
    let f = fixture();
    // The first release still carries the demo's banned word (it was live then, not introduced).
    let cs = f.store.create_change_set("mia", "hero copy").unwrap();
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", cs, HERO, &edited_hero(&f.store, "Fresh copy"), Some(rev)).unwrap();
    let with_banned_word = ship(&f.store, "mia", "rex", cs);
    let fix = f.store.create_change_set("mia", "fix the promo").unwrap();
    fix_banned_word(&f.store, fix, "mia");
    ship(&f.store, "mia", "rex", fix);
    let err = f.store.rollback("rex", with_banned_word).unwrap_err();
    assert_eq!(err.code, ErrorCode::LintFailed);
    assert!(err.message.contains("banned word") || err.message.contains("cheap"), "{}", err.message);
}

/// An approved change set scheduled by the reviewer for `due`.
fn scheduled(f: &Fixture, due: &str) -> i64 {
    let a = f.store.create_change_set("mia", "fix the promo").unwrap();
    fix_banned_word(&f.store, a, "mia");
    f.store.submit("mia", a).unwrap();
    f.store.decide("rex", a, true, "ok").unwrap();
    f.store.schedule_publish("rex", a, due).unwrap();
    a
}

#[test]
fn only_a_publisher_runs_schedules_and_never_as_of_a_moment_ahead_of_the_clock() {
    let f = fixture(); // its clock reads 2026-11-20
    scheduled(&f, "2027-03-01T08:00:00Z");
    assert_eq!(f.store.run_due("mia", "2026-11-20T12:00:00Z").unwrap_err().code, ErrorCode::Forbidden, "marketers cannot fire schedules");
    let early = f.store.run_due("rex", "2027-03-01T08:00:00Z").unwrap_err();
    assert_eq!(early.code, ErrorCode::Invalid, "firing months early is refused");
    assert!(early.message.contains("later than now"), "{}", early.message);
    assert!(f.store.releases().unwrap().is_empty());
    let future_entries = f.store.audit_log(None, None, 1000).unwrap().into_iter().filter(|e| e.at.as_str() > "2026-12").count();
    assert_eq!(future_entries, 0, "nothing in the audit log is dated in the future");
}

#[test]
fn a_change_is_scheduled_once() {
    let f = fixture();
    let a = scheduled(&f, "2026-12-01T08:00:00Z");
    let err = f.store.schedule_publish("rex", a, "2026-12-02T08:00:00Z").unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert!(err.message.contains("already scheduled"), "{}", err.message);
}

#[test]
fn a_schedule_whose_author_lost_the_right_to_publish_is_refused_when_due() {
    let f = fixture_with_clock(ticking_from(DECEMBER_3));
    scheduled(&f, "2026-12-01T08:00:00Z");
    f.store.add_user("ada", "rex", Role::Qa).unwrap();
    f.store.add_user("ada", "rita", Role::Reviewer).unwrap();
    let fired = f.store.run_due("rita", "2026-12-02T08:00:00Z").unwrap();
    assert_eq!(fired.len(), 1);
    let reason = fired[0].1.clone().unwrap_err();
    assert!(reason.contains("rex") && reason.contains("no longer publish"), "{reason}");
    assert!(f.store.releases().unwrap().is_empty());
}

#[test]
fn a_document_over_the_size_the_cms_accepts_is_refused_on_edit_and_nothing_is_written() {
    let f = fixture();
    let cs = f.store.create_change_set("mia", "huge").unwrap();
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    let huge = format!("{{\"id\": \"home-hero\", \"pad\": \"{}\"}}", "x".repeat(vantage_store::DOCUMENT_MAX_BYTES));
    let err = f.store.write("mia", cs, HERO, &huge, Some(rev)).unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert!(err.message.contains("at most 4 MB") && err.message.len() < 300, "{}", err.message);
    assert_eq!(f.store.document(HERO).unwrap().unwrap().0, rev);
}
