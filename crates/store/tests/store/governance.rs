//! What a release contains and who may touch what: one open change set per document, releases
//! made of the live workspace plus the published change set only, four eyes over everyone who
//! edited, rejection and rollback giving documents back their live content.

use super::*;

fn canonical_demo(path: &str) -> String {
    let mut t = serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&demo_files()[path]).unwrap()).unwrap();
    t.push('\n');
    t
}

#[test]
fn a_release_holds_the_live_workspace_plus_its_own_change_set_and_no_other_draft() {
    let f = fixture();
    // Mia's unreviewed draft rewrites the hero (with a banned word, even).
    let draft = f.store.create_change_set("mia", "hero draft").unwrap();
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", draft, HERO, &edited_hero(&f.store, "Cheap thrills"), Some(rev)).unwrap();
    // Max's change is reviewed and published meanwhile; Mia's draft does not block it ...
    let fix = f.store.create_change_set("max", "fix the promo").unwrap();
    fix_banned_word(&f.store, fix, "max");
    let release = ship(&f.store, "max", "rex", fix);
    // ... and does not ride along.
    let frozen = f.store.release_sources(release).unwrap();
    assert_eq!(frozen[HERO], canonical_demo(HERO), "the unreviewed draft is not in the release");
    assert!(frozen["entries/sale-promo.json"].contains("outlet prices"));
    assert!(f.store.document(HERO).unwrap().unwrap().1.contains("Cheap thrills"), "the draft is still being worked on");
    let err = f.store.submit("mia", draft).unwrap_err();
    assert_eq!(err.code, ErrorCode::LintFailed, "the draft is linted on its own merits");
    assert!(err.message.contains(HERO) && !err.message.contains("sale-promo"), "{}", err.message);
}

#[test]
fn a_document_with_unpublished_edits_in_another_change_set_cannot_be_edited_until_it_is_decided() {
    let f = fixture();
    let a = f.store.create_change_set("mia", "promo and hero").unwrap();
    fix_banned_word(&f.store, a, "mia");
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    let mias = f.store.write("mia", a, HERO, &edited_hero(&f.store, "Mia's"), Some(rev)).unwrap();
    let b = f.store.create_change_set("max", "hero").unwrap();
    // Up to date with Mia's revision, but it belongs to her open change set.
    let err = f.store.write("max", b, HERO, &edited_hero(&f.store, "Max's"), Some(mias)).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains(&format!("change set {a}")) && err.message.contains("`mia`"), "{}", err.message);
    assert_eq!(f.store.undo("max", b, HERO).unwrap_err().code, ErrorCode::Conflict, "nor undone from another change set");
    assert_eq!(f.store.delete("max", b, HERO, mias).unwrap_err().code, ErrorCode::Conflict, "nor deleted");
    f.store.submit("mia", a).unwrap();
    assert_eq!(f.store.write("max", b, HERO, "{}", Some(mias)).unwrap_err().code, ErrorCode::Conflict, "submitted still owns it");
    // Sent back for changes, it is still Mia's draft: still hers to revise.
    f.store.decide("rex", a, false, "Not this week").unwrap();
    assert_eq!(f.store.write("max", b, HERO, "{}", Some(mias)).unwrap_err().code, ErrorCode::Conflict, "a returned draft still owns it");
    f.store.submit("mia", a).unwrap();
    f.store.decide("rex", a, true, "Fine now").unwrap();
    f.store.publish("rex", a).unwrap();
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("max", b, HERO, &edited_hero(&f.store, "Max's"), Some(rev)).unwrap();
}

#[test]
fn a_rejection_returns_the_change_to_its_author_as_a_draft_with_the_comment_and_loses_nothing() {
    let f = fixture();
    let live = f.store.published().unwrap();
    let a = f.store.create_change_set("mia", "new page and hero").unwrap();
    fix_banned_word(&f.store, a, "mia");
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", a, HERO, &edited_hero(&f.store, "First try"), Some(rev)).unwrap();
    let idea = r#"{"id": "new-idea", "name": "A new idea", "attributes": {}, "consents": []}"#;
    f.store.write("mia", a, "profiles/new-idea.json", idea, None).unwrap();
    f.store.submit("mia", a).unwrap();
    f.store.decide("rex", a, false, "Warmer, please").unwrap();

    // Back with its author, everything in it, the reason beside it; nothing went live.
    let change = f.store.change_sets().unwrap().into_iter().find(|c| c.id == a).unwrap();
    assert_eq!(change.state, ChangeSetState::Draft);
    assert_eq!((change.decided_by.as_deref(), change.decision_comment.as_deref()), (Some("rex"), Some("Warmer, please")));
    assert!(f.store.document(HERO).unwrap().unwrap().1.contains("First try"));
    assert!(f.store.document("profiles/new-idea.json").unwrap().is_some(), "what the change created is still there");
    assert!(f.store.comments(a).unwrap().iter().any(|c| c.text.contains("Warmer, please")), "the comment is kept");
    assert_eq!(f.store.published().unwrap(), live, "the live workspace is as published");

    // She revises and resubmits; the old decision is cleared and a reviewer approves.
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", a, HERO, &edited_hero(&f.store, "Second, warmer try"), Some(rev)).unwrap();
    f.store.submit("mia", a).unwrap();
    let change = f.store.change_sets().unwrap().into_iter().find(|c| c.id == a).unwrap();
    assert_eq!((change.state, change.decided_by), (ChangeSetState::Submitted, None));
    f.store.decide("rex", a, true, "Lovely").unwrap();
    f.store.publish("rex", a).unwrap();
    assert!(f.store.published().unwrap()[HERO].contains("Second, warmer try"));
    assert!(matches!(f.store.verify_audit().unwrap(), ChainStatus::Intact { .. }));
}

#[test]
fn nobody_approves_a_change_set_they_edited_in_even_an_admin() {
    let f = fixture();
    let cs = f.store.create_change_set("mia", "promo").unwrap();
    fix_banned_word(&f.store, cs, "mia");
    // The admin fixes a typo in Mia's draft, then tries to approve it.
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("ada", cs, HERO, &edited_hero(&f.store, "Typo fixed"), Some(rev)).unwrap();
    f.store.submit("mia", cs).unwrap();
    let err = f.store.decide("ada", cs, true, "fine").unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert!(err.message.contains("four eyes") && err.message.contains(&format!("change set {cs}")), "{}", err.message);
    f.store.decide("rex", cs, true, "fine").unwrap();
}

#[test]
fn rolling_back_makes_the_workspace_show_the_restored_release_except_documents_in_open_change_sets() {
    let f = fixture();
    let c0 = f.store.create_change_set("mia", "fix the promo").unwrap();
    fix_banned_word(&f.store, c0, "mia");
    let first = ship(&f.store, "mia", "rex", c0);
    let c1 = f.store.create_change_set("mia", "hero").unwrap();
    let (rev, _) = f.store.document(HERO).unwrap().unwrap();
    f.store.write("mia", c1, HERO, &edited_hero(&f.store, "Published copy"), Some(rev)).unwrap();
    ship(&f.store, "mia", "rex", c1);
    let open = f.store.create_change_set("max", "catalog tweak").unwrap();
    let (rev, text) = f.store.document("catalog.json").unwrap().unwrap();
    let draft = f.store.write("max", open, "catalog.json", &text, Some(rev)).unwrap();
    f.store.rollback("rex", first).unwrap();
    let restored = f.store.release_sources(first).unwrap();
    assert_eq!(f.store.document(HERO).unwrap().unwrap().1, restored[HERO], "the hero shows the restored release");
    assert_eq!(f.store.document("catalog.json").unwrap().unwrap().0, draft, "an open change set keeps its document");
    assert_eq!(f.store.audit_log(None, Some("reset"), 10).unwrap().len(), 1, "only the hero needed resetting");
}

#[test]
fn stores_opening_a_fresh_file_at_the_same_moment_all_succeed() {
    for round in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = Arc::new(dir.path().join("fresh.db"));
        let barrier = Arc::new(std::sync::Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&path).map(|_| ()).map_err(|e| e.message)
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), Ok(()), "round {round}");
        }
        let version: i64 = rusqlite::Connection::open(&*path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, vantage_store::SCHEMA_VERSION);
    }
}

#[test]
fn a_schedule_with_a_time_that_is_not_rfc_3339_is_refused() {
    let f = fixture();
    let a = f.store.create_change_set("mia", "promo").unwrap();
    fix_banned_word(&f.store, a, "mia");
    f.store.submit("mia", a).unwrap();
    f.store.decide("rex", a, true, "ok").unwrap();
    let err = f.store.schedule_publish("rex", a, "tomorrow 8am").unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert!(err.message.contains("tomorrow 8am"), "{}", err.message);
    assert_eq!(f.store.run_due("rex", "now").unwrap_err().code, ErrorCode::Invalid);
}
