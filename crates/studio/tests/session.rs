//! The desktop app's session on a private copy of the demo workspace, with its real SQLite store
//! and real files: what each screen's actions do, end to end below the window.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use serde_json::json;
use vantage_studio::session::views::*;
use vantage_studio::{ErrorCode, Session, SharedSession};
use vantage_test_support::demo_copy;

const AT: &str = "2026-11-20T12:00:00Z";
const HERO: &str = "entries/home-hero.json";

fn view(profile: &str) -> PreviewRequest {
    PreviewRequest { profile: profile.into(), overrides: None, at: Some(AT.into()) }
}

fn hero_html(frame: &FramePatch) -> &str {
    &frame.slots.iter().find(|s| s.slot == "hero").expect("the hero slot is patched").html
}

fn with_vip_headline(session: &Session, headline: &str) -> serde_json::Value {
    let mut doc = session.read_document(HERO).unwrap().content.0;
    doc["personalizations"][0]["patch"]["headline"] = json!(headline);
    doc
}

#[test]
fn first_open_creates_the_store_with_a_team_and_acts_as_the_marketer() {
    let (_tmp, dir) = demo_copy();
    let session = Session::open(&dir, true).unwrap();
    assert!(dir.join(".vantage/store.db").exists());
    let v = session.view().unwrap();
    assert_eq!((v.user.name.as_str(), v.user.role), ("maria", RoleName::Marketer));
    assert_eq!(v.users.len(), 4);
    assert_eq!(v.pages.len(), 4);
    assert!(v.profiles.iter().any(|p| p.id == "no-consent"));
    let approve = v.permissions.iter().find(|p| p.action == ActionName::Approve).unwrap();
    assert!(!approve.allowed && approve.reason.as_deref().unwrap_or_default().contains("reviewers"));
    let tier = v.catalog.iter().find(|a| a.path == "profile.tier").unwrap();
    assert!(tier.values.contains(&"vip".to_owned()) && tier.operators.contains(&"in".to_owned()));
    // Reopening finds the same store (no second import).
    drop(session);
    let again = Session::open(&dir, true).unwrap();
    assert_eq!(again.change_sets().unwrap().len(), 0);
}

#[test]
fn an_unsaved_edit_of_the_vip_headline_changes_the_vip_preview_only() {
    let (_tmp, dir) = demo_copy();
    let session = Session::open(&dir, true).unwrap();
    let edit = DocumentEdit { path: HERO.into(), content: Json(with_vip_headline(&session, "Early access, just for you")) };
    let preview = session.preview_edit(&edit, "home", &[view("vip-anna"), view("first-time-mobile")]).unwrap();
    assert!(preview.field_errors.is_empty(), "{:?}", preview.field_errors);
    assert_eq!(preview.frames.len(), 2);
    assert!(preview.frames.iter().all(|f| f.slots.iter().all(|s| s.slot == "hero")), "only the edited slot is re-rendered");
    assert!(hero_html(&preview.frames[0]).contains("Early access, just for you"));
    assert!(!hero_html(&preview.frames[1]).contains("Early access"));
    // Nothing was written.
    assert!(!std::fs::read_to_string(dir.join(HERO)).unwrap().contains("Early access"));
}

#[test]
fn typing_a_banned_word_or_breaking_the_schema_shows_field_errors_as_you_type() {
    let (_tmp, dir) = demo_copy();
    let session = Session::open(&dir, true).unwrap();
    let edit = DocumentEdit { path: HERO.into(), content: Json(with_vip_headline(&session, "Cheap jackets for VIPs")) };
    let preview = session.preview_edit(&edit, "home", &[view("vip-anna")]).unwrap();
    let banned = preview.field_errors.iter().find(|e| e.message.contains("cheap")).expect("the banned word is reported");
    assert!(banned.pointer.starts_with("/personalizations/0/patch"), "{}", banned.pointer);

    let mut doc = session.read_document(HERO).unwrap().content.0;
    doc["personalizations"][0]["condition"] = json!({"attr": "profile.tier", "op": "gt", "value": 3});
    let preview = session.preview_edit(&DocumentEdit { path: HERO.into(), content: Json(doc) }, "home", &[view("vip-anna")]).unwrap();
    let wrong_op = preview.field_errors.iter().find(|e| e.pointer.contains("/personalizations/0/condition")).expect("op error");
    assert!(wrong_op.message.contains("does not apply"), "{}", wrong_op.message);
}

#[test]
fn saving_writes_the_store_and_the_file_and_undo_takes_it_back() {
    let (_tmp, dir) = demo_copy();
    let mut session = Session::open(&dir, true).unwrap();
    let base = session.read_document(HERO).unwrap().revision.map(i64::from);
    let (saved, _) = session.save_document(HERO, &with_vip_headline(&session, "Welcome back, Anna"), base, false).unwrap();
    assert!(saved.affected.contains(&SlotRefView { page: "home".into(), slot: "hero".into() }));
    assert!(std::fs::read_to_string(dir.join(HERO)).unwrap().contains("Welcome back, Anna"));
    let page = session.render_page("home", &view("vip-anna")).unwrap();
    assert!(page.html.contains("Welcome back, Anna"));
    let drafts = session.change_sets().unwrap();
    assert_eq!((drafts.len(), drafts[0].state, drafts[0].mine), (1, ChangeState::Draft, true));

    // Saving over a stale revision is a conflict, not a silent overwrite.
    let stale = session.save_document(HERO, &with_vip_headline(&session, "Other"), base, false).unwrap_err();
    assert_eq!(stale.code, ErrorCode::Conflict);

    session.undo_document(HERO).unwrap();
    assert!(!std::fs::read_to_string(dir.join(HERO)).unwrap().contains("Welcome back, Anna"));
    session.redo_document(HERO).unwrap();
    assert!(std::fs::read_to_string(dir.join(HERO)).unwrap().contains("Welcome back, Anna"));
}

#[test]
fn the_author_cannot_approve_their_own_change_and_a_reviewer_approves_and_publishes() {
    let (_tmp, dir) = demo_copy();
    let shared = SharedSession::new(Session::open(&dir, true).unwrap());
    let id = {
        let mut session = shared.lock();
        let base = session.read_document(HERO).unwrap().revision.map(i64::from);
        let edited = with_vip_headline(&session, "Your preview is open");
        let (saved, _) = session.save_document(HERO, &edited, base, false).unwrap();
        let id = i64::from(saved.change_set);
        assert_eq!(session.submit_change(id, None).unwrap().state, ChangeState::Submitted);
        assert_eq!(session.decide_change(id, true, "fine").unwrap_err().code, ErrorCode::Forbidden, "marketers cannot approve");
        session.switch_user("rita").unwrap();
        id
    };
    let review = shared.review_change(id, Some(AT), |_| {}).unwrap();
    assert!(review.diff.iter().any(|d| d.subject.contains("home-hero")), "{:?}", review.diff);
    let hero = review.impact.slots.iter().find(|s| s.page == "home" && s.slot == "hero").expect("hero impact");
    assert!(
        hero.changed_share > 0.0 && hero.summary.contains("% of simulated visitors (") && hero.summary.ends_with("change on home/hero")
    );
    assert!(review.affected_profiles.contains(&"vip-anna".to_owned()));
    assert!(!review.affected_profiles.contains(&"first-time-mobile".to_owned()));
    let after = shared.render_review_page(id, Side::After, "home", &view("vip-anna")).unwrap();
    let before = shared.render_review_page(id, Side::Before, "home", &view("vip-anna")).unwrap();
    assert!(after.html.contains("Your preview is open") && !before.html.contains("Your preview is open"));
    let mut session = shared.lock();
    session.decide_change(id, true, "Reads well").unwrap();
    let (release, _) = session.publish_change(id).unwrap();
    assert_eq!(session.releases().unwrap()[0].id as i64, release);
    let audit = session.audit_log(Some("rita"), None, 50).unwrap();
    assert!(audit.chain.ok && audit.entries.iter().any(|e| e.action == "publish"), "{:?}", audit.entries);
}

#[test]
fn a_rejection_returns_the_draft_to_its_author_and_the_folder_keeps_her_work() {
    let (_tmp, dir) = demo_copy();
    let mut session = Session::open(&dir, true).unwrap();
    let base = session.read_document(HERO).unwrap().revision.map(i64::from);
    let (saved, _) = session.save_document(HERO, &with_vip_headline(&session, "Too pushy"), base, false).unwrap();
    let id = i64::from(saved.change_set);
    session.submit_change(id, None).unwrap();
    session.switch_user("rita").unwrap();
    assert_eq!(session.decide_change(id, false, "  ").unwrap_err().code, ErrorCode::BadInput, "a rejection needs a reason");
    let (change, _) = session.decide_change(id, false, "Too pushy for VIPs").unwrap();
    assert_eq!((change.state, change.decision_comment.as_deref()), (ChangeState::Draft, Some("Too pushy for VIPs")));
    assert!(std::fs::read_to_string(dir.join(HERO)).unwrap().contains("Too pushy"), "her work is still in the folder");
    session.switch_user("maria").unwrap();
    assert!(session.change_sets().unwrap().iter().any(|c| c.id == id as i32 && c.mine && c.state == ChangeState::Draft));
    // She names it as she submits it again; a name on two lines or an empty one is refused.
    assert_eq!(session.submit_change(id, Some("  ")).unwrap_err().code, ErrorCode::BadInput);
    assert_eq!(session.submit_change(id, Some("VIP\nwelcome")).unwrap_err().code, ErrorCode::BadInput);
    let named = session.submit_change(id, Some("A calmer VIP welcome")).unwrap();
    assert_eq!((named.title.as_str(), named.state), ("A calmer VIP welcome", ChangeState::Submitted));
}

#[test]
fn the_why_panel_explains_the_vip_hero_and_the_visitor_without_consent() {
    let (_tmp, dir) = demo_copy();
    let session = Session::open(&dir, true).unwrap();
    let why = session.explain_slot("home", &view("vip-anna"), "hero").unwrap();
    assert_eq!(why.chosen, "vip-welcome");
    let chosen = why.steps.iter().find(|s| s.outcome == Outcome::Chosen).unwrap();
    assert!(!chosen.trace.is_empty() && chosen.name == "VIP welcome back");
    let nobody = session.explain_slot("home", &view("no-consent"), "hero").unwrap();
    assert!(nobody.steps.iter().any(|s| s.outcome == Outcome::Unknown), "{:?}", nobody.steps);
}

#[test]
fn overrides_and_the_preview_moment_change_what_a_profile_sees() {
    let (_tmp, dir) = demo_copy();
    let session = Session::open(&dir, true).unwrap();
    let mut standard = view("vip-anna");
    standard.overrides = Some(Json(json!({"profile.tier": "standard", "profile.lifetime_value": 10})));
    let as_standard = session.render_slots("home", &standard, &["hero".into()]).unwrap();
    assert_ne!(as_standard[0].variant, "vip-welcome");
    assert_eq!(session.render_slots("home", &view("vip-anna"), &["hero".into()]).unwrap()[0].variant, "vip-welcome");
    let mut bad_time = view("vip-anna");
    bad_time.at = Some("yesterday".into());
    assert_eq!(session.render_page("home", &bad_time).unwrap_err().code, ErrorCode::BadInput);
}

#[test]
fn qa_saves_a_reusable_profile_but_cannot_edit_content() {
    let (_tmp, dir) = demo_copy();
    let mut session = Session::open(&dir, true).unwrap();
    session.switch_user("quinn").unwrap();
    let (profile, _) =
        session.save_profile("tablet-tom", "Tom on a tablet", &json!({"request.device": "tablet", "request.country": "GB"}), &[]).unwrap();
    assert_eq!(profile.id, "tablet-tom");
    assert!(dir.join("profiles/tablet-tom.json").exists());
    assert!(session.view().unwrap().profiles.iter().any(|p| p.id == "tablet-tom"));
    let base = session.read_document(HERO).unwrap().revision.map(i64::from);
    assert_eq!(session.save_document(HERO, &with_vip_headline(&session, "x"), base, false).unwrap_err().code, ErrorCode::Forbidden);
    assert_eq!(session.save_profile("Bad Id", "x", &json!({}), &[]).unwrap_err().code, ErrorCode::BadInput);
}

#[test]
fn author_markup_in_a_variant_is_escaped_in_every_preview() {
    let (_tmp, dir) = demo_copy();
    let mut session = Session::open(&dir, true).unwrap();
    let base = session.read_document(HERO).unwrap().revision.map(i64::from);
    let payload = "<script>window.parent.pwned=1</script><img src=x onerror=\"alert(1)\">";
    session.save_document(HERO, &with_vip_headline(&session, payload), base, false).unwrap();
    let html = session.render_page("home", &view("vip-anna")).unwrap().html;
    assert!(!html.contains("<script>window") && !html.contains("<img src=x"), "author markup must be text");
    assert!(html.contains("&lt;script&gt;"));
}

#[test]
fn coverage_lists_every_page_and_flags_variants_nobody_sees() {
    let (_tmp, dir) = demo_copy();
    let shared = SharedSession::new(Session::open(&dir, true).unwrap());
    let coverage = shared.coverage(Some(AT)).unwrap();
    assert_eq!(coverage.len(), 4);
    let home = coverage.iter().find(|p| p.page == "home").unwrap();
    assert!(home.rows.iter().all(|r| r.cells.len() == home.profiles.len() && r.cell_names.len() == r.cells.len()));
    assert!(coverage.iter().flat_map(|p| &p.rows).any(|r| !r.unseen.is_empty() && r.unseen_names.len() == r.unseen.len()));
    // People read names: the VIP's hero is "“VIP welcome back”", not `vip-welcome`.
    let hero = home.rows.iter().find(|r| r.slot == "hero").unwrap();
    let anna = home.profiles.iter().position(|p| p == "vip-anna").unwrap();
    assert_eq!((hero.cells[anna].as_str(), hero.cell_names[anna].as_str()), ("vip-welcome", "“VIP welcome back”"));
}

#[test]
fn syncing_without_a_cms_address_or_with_the_cms_down_says_so_and_keeps_everything_queued() {
    let (_tmp, dir) = demo_copy();
    let mut session = Session::open(&dir, true).unwrap();
    let base = session.read_document(HERO).unwrap().revision.map(i64::from);
    let (saved, _) = session.save_document(HERO, &with_vip_headline(&session, "Queued for the CMS"), base, false).unwrap();
    let id = i64::from(saved.change_set);
    session.submit_change(id, None).unwrap();
    session.switch_user("rita").unwrap();
    session.decide_change(id, true, "ok").unwrap();
    session.publish_change(id).unwrap();
    let pending = session.sync_status().unwrap().pending;
    assert!(pending > 0);

    let no_url = vantage_studio::session::sync_now(&dir, "rita", None, |_, _| {}).unwrap_err();
    assert_eq!(no_url.code, ErrorCode::BadInput);
    assert!(no_url.message.contains("CMS address"), "{}", no_url.message);

    // A port nobody listens on: the push gives up for now, and nothing leaves the queue.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    std::env::set_var("VANTAGE_CMS_TOKEN", "test-token");
    std::env::set_var("VANTAGE_CMS_TOKEN_URL", &closed);
    // Where the token goes is an admin's decision, and only somewhere safe.
    let not_admin = vantage_studio::session::sync_now(&dir, "rita", Some(&closed), |_, _| {}).unwrap_err();
    assert_eq!(not_admin.code, ErrorCode::Forbidden, "{not_admin:?}");
    let plain_http = vantage_studio::session::sync_now(&dir, "alex", Some("http://cms.example.com"), |_, _| {}).unwrap_err();
    assert_eq!(plain_http.code, ErrorCode::BadInput, "{plain_http:?}");
    assert!(plain_http.message.contains("https"), "{}", plain_http.message);
    let outcome = vantage_studio::session::sync_now(&dir, "alex", Some(&closed), |_, _| {});
    match outcome {
        Ok(summary) => assert!(!summary.complete && summary.sent == 0, "{summary:?}"),
        Err(e) => assert_eq!(e.code, ErrorCode::Io, "{e:?}"),
    }
    assert_eq!(session.sync_status().unwrap().pending, pending, "nothing is lost while the CMS is down");
    let changes = session.audit_log(Some("alex"), Some("sync"), 10).unwrap().entries;
    assert!(changes.iter().any(|e| e.subject == "cms_url" && e.detail.contains(&closed)), "the address change is audited: {changes:?}");
    assert!(!changes.iter().any(|e| e.detail.contains("cms.example.com")), "a refused address is not saved");
}

#[test]
fn saving_one_document_never_overwrites_another_file_edited_outside_the_app() {
    let (_tmp, dir) = demo_copy();
    let mut session = Session::open(&dir, true).unwrap();
    let template = dir.join("components/hero/template.html");
    let edited = std::fs::read_to_string(&template).unwrap() + "\n<p>edited in another editor</p>\n";
    std::fs::write(&template, &edited).unwrap();
    session.apply_disk_changes(&["components/hero/template.html".into()]);
    let base = session.read_document(HERO).unwrap().revision.map(i64::from);
    session.save_document(HERO, &with_vip_headline(&session, "Saved meanwhile"), base, false).unwrap();
    assert_eq!(std::fs::read_to_string(&template).unwrap(), edited);
    assert!(session.render_page("home", &view("vip-anna")).unwrap().html.contains("edited in another editor"));
}

#[test]
fn every_preview_path_records_whose_data_it_read() {
    let (_tmp, dir) = demo_copy();
    let shared = SharedSession::new(Session::open(&dir, true).unwrap());
    let id = {
        let mut session = shared.lock();
        session.render_slots("home", &view("vip-anna"), &["hero".into()]).unwrap();
        session.explain_slot("home", &view("first-time-mobile"), "hero").unwrap();
        let edit = DocumentEdit { path: HERO.into(), content: Json(with_vip_headline(&session, "Audited")) };
        session.preview_edit(&edit, "home", &[view("no-consent"), view("lapsed-vienna")]).unwrap();
        let edited = with_vip_headline(&session, "Audited");
        let base = session.read_document(HERO).unwrap().revision.map(i64::from);
        let (saved, _) = session.save_document(HERO, &edited, base, false).unwrap();
        i64::from(saved.change_set)
    };
    shared.render_review_page(id, Side::After, "home", &view("high-cart")).unwrap();
    shared.coverage(Some(AT)).unwrap();
    let reads = shared.lock().audit_log(None, Some("profile_read"), 500).unwrap().entries;
    let read = |profile: &str, purpose: &str| {
        reads.iter().any(|e| e.subject == format!("profiles/{profile}.json") && e.detail.contains(purpose) && e.actor == "maria")
    };
    assert!(read("vip-anna", "\"preview\""), "a slot preview");
    assert!(read("first-time-mobile", "\"why\""), "the why trace");
    assert!(read("no-consent", "live edit preview") && read("lapsed-vienna", "live edit preview"), "a live edit's previews");
    assert!(read("high-cart", "\"review\""), "a review's before or after");
    assert!(read("swiss-vip-evening", "coverage"), "coverage reads every profile");
}

#[test]
fn typing_with_four_live_previews_records_each_visitor_read_once_not_per_keystroke() {
    let (_tmp, dir) = demo_copy();
    let session = Session::open(&dir, true).unwrap();
    let views = [view("vip-anna"), view("no-consent"), view("first-time-mobile"), view("lapsed-vienna")];
    for headline in ["W", "We", "Wel", "Welc", "Welco"] {
        let edit = DocumentEdit { path: HERO.into(), content: Json(with_vip_headline(&session, headline)) };
        session.preview_edit(&edit, "home", &views).unwrap();
    }
    let reads = session.audit_log(None, Some("profile_read"), 500).unwrap().entries;
    let live: Vec<&str> = reads.iter().filter(|e| e.detail.contains("live edit preview")).map(|e| e.subject.as_str()).collect();
    assert_eq!(live.len(), 4, "one entry per visitor read: {live:?}");
    for v in &views {
        assert!(live.contains(&format!("profiles/{}.json", v.profile).as_str()), "{} is recorded: {live:?}", v.profile);
    }
}

#[test]
fn a_change_to_a_template_is_called_out_as_code_in_review() {
    let (_tmp, dir) = demo_copy();
    let shared = SharedSession::new(Session::open(&dir, true).unwrap());
    let template = "components/hero/template.html";
    let id = {
        let session = shared.lock();
        let store = session.store();
        let cs = store.create_change_set("maria", "hero markup").unwrap();
        let (rev, text) = store.document(template).unwrap().unwrap();
        store.write("maria", cs, template, &(text + "<p>{{ content.headline }}</p>\n"), Some(rev)).unwrap();
        cs
    };
    let review = shared.review_change(id, Some(AT), |_| {}).unwrap();
    let code = review.diff.first().expect("the diff has lines");
    assert_eq!((code.kind.as_str(), code.subject.as_str()), ("code", template), "{:?}", review.diff);
    assert!(code.detail.contains("developer"));
}

#[test]
fn someone_signed_in_at_the_workspace_s_cms_goes_on_as_themselves_and_cannot_switch_names() {
    let (_tmp, dir) = demo_copy();
    drop(Session::open(&dir, true).unwrap());
    // The workspace is connected, and rita signed in at its CMS on this computer.
    let url = format!("http://127.0.0.1:9/{}", dir.display().to_string().replace('/', "-"));
    let store = vantage_studio::open_store(&vantage_studio::store_path(&dir)).unwrap();
    vantage_sync::set_cms_url(&store, "alex", &url).unwrap();
    drop(store);
    vantage_sync::secrets::save_session(&url, "rita", "refresh-token");

    let mut session = Session::open(&dir, true).unwrap();
    let v = session.view().unwrap();
    assert_eq!((v.user.name.as_str(), v.user.role), ("rita", RoleName::Reviewer));
    let me = v.cms.unwrap().signed_in.unwrap();
    assert_eq!(me.name, "rita");
    let refused = session.switch_user("maria").unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    assert!(refused.message.contains("signed in at the CMS as rita"), "{}", refused.message);

    // Signed out, names are claims again and the switcher works.
    session.sign_out().unwrap();
    assert!(session.view().unwrap().cms.unwrap().signed_in.is_none());
    session.switch_user("maria").unwrap();
}

#[test]
fn a_file_broken_on_disk_while_its_entry_is_open_is_shown_to_the_editor_and_never_overwritten_by_a_save() {
    let (_tmp, dir) = demo_copy();
    let mut session = Session::open(&dir, true).unwrap();
    let opened = session.read_document(HERO).unwrap();
    assert_eq!(opened.disk, DiskView::InStep);
    let broken = "{\n  \"id\": \"home-hero\",\n  \"component\": \n";
    std::fs::write(dir.join(HERO), broken).unwrap();
    session.apply_disk_changes(&[HERO.into()]);

    let DiskView::Broken { problem } = session.read_document(HERO).unwrap().disk else { panic!("the editor is told the file is broken") };
    assert!(problem.contains("line"), "the problem names where: {problem}");
    let base = opened.revision.map(i64::from);
    let refused = session.save_document(HERO, &with_vip_headline(&session, "Typed after the break"), base, false).unwrap_err();
    assert_eq!(refused.code, ErrorCode::ChangedOnDisk);
    assert!(refused.message.contains(HERO) && refused.message.contains("outside"), "{}", refused.message);
    assert_eq!(std::fs::read_to_string(dir.join(HERO)).unwrap(), broken, "the broken file is left for its author to fix");

    // "Keep mine" is a deliberate choice, and only then is the file replaced.
    session.save_document(HERO, &with_vip_headline(&session, "Kept mine"), base, true).unwrap();
    assert!(std::fs::read_to_string(dir.join(HERO)).unwrap().contains("Kept mine"));
    assert_eq!(session.read_document(HERO).unwrap().disk, DiskView::InStep);
}

#[test]
fn a_file_fixed_on_disk_is_offered_to_its_editor_and_taking_it_puts_the_file_s_text_in_the_draft() {
    let (_tmp, dir) = demo_copy();
    let mut session = Session::open(&dir, true).unwrap();
    let opened = session.read_document(HERO).unwrap();
    std::fs::write(dir.join(HERO), "{ not json").unwrap();
    session.apply_disk_changes(&[HERO.into()]);
    let mut fixed = opened.content.0.clone();
    fixed["personalizations"][0]["patch"]["headline"] = json!("Fixed in another editor");
    std::fs::write(dir.join(HERO), serde_json::to_string_pretty(&fixed).unwrap()).unwrap();
    session.apply_disk_changes(&[HERO.into()]);

    let after = session.read_document(HERO).unwrap();
    assert_eq!(after.content, opened.content, "the store still holds what the editor loaded");
    assert_eq!(after.disk, DiskView::Changed { content: Json(fixed.clone()) }, "the file's version is offered");
    // Taking the file's version saves exactly what is on disk: no choice is needed for that.
    let (saved, _) = session.save_document(HERO, &fixed, after.revision.map(i64::from), false).unwrap();
    let now = session.read_document(HERO).unwrap();
    assert_eq!((now.content.0, now.disk), (fixed, DiskView::InStep));
    let draft = session.change_sets().unwrap().into_iter().find(|c| c.id == saved.change_set).unwrap();
    assert_eq!(draft.state, ChangeState::Draft);
}

#[test]
fn the_first_release_is_undone_after_a_confirmation_that_shows_what_comes_back_and_the_history_tells_who_did_what() {
    let (_tmp, dir) = demo_copy();
    let mut session = Session::open(&dir, true).unwrap();
    let imported = session.read_document(HERO).unwrap().content;
    let base = session.read_document(HERO).unwrap().revision.map(i64::from);
    let (saved, _) = session.save_document(HERO, &with_vip_headline(&session, "Your preview is open"), base, false).unwrap();
    let id = i64::from(saved.change_set);
    session.submit_change(id, Some("VIP preview headline")).unwrap();
    session.switch_user("rita").unwrap();
    session.decide_change(id, true, "Reads well").unwrap();
    let (first, _) = session.publish_change(id).unwrap();
    let release = &session.releases().unwrap()[0];
    assert_eq!(release.title.as_deref(), Some("VIP preview headline"));
    assert_eq!(release.story, "Submitted by maria, approved by rita, published by rita");

    session.switch_user("alex").unwrap();
    let preview = session.rollback_preview(None).unwrap();
    assert_eq!(preview.target, "the workspace as it was imported");
    assert!(
        preview.changes.iter().any(|c| c.subject.contains("home-hero") && c.detail.contains("Your preview is open")),
        "the confirmation shows the headline that goes: {:?}",
        preview.changes
    );
    let (undo, _) = session.rollback(None).unwrap();
    assert!(undo > first);
    assert_eq!(session.read_document(HERO).unwrap().content, imported);
    assert!(!std::fs::read_to_string(dir.join(HERO)).unwrap().contains("Your preview is open"), "the folder shows the import again");
    let release = &session.releases().unwrap()[0];
    assert!(release.restores_import);
    assert_eq!(release.story, "alex rolled back to the workspace as it was imported");
}

#[test]
fn an_audience_is_created_by_name_and_a_taken_id_or_name_or_a_broken_rule_is_refused_naming_the_field() {
    let (_tmp, dir) = demo_copy();
    let mut session = Session::open(&dir, true).unwrap();
    let rainy = json!({ "attr": "request.country", "op": "in", "value": ["GB", "NL", "IE"] });
    let (audience, _) = session.create_audience("rainy-day-shoppers", "Rainy day shoppers", "", &rainy).unwrap();
    assert_eq!((audience.id.as_str(), audience.name.as_str()), ("rainy-day-shoppers", "Rainy day shoppers"));
    assert!(session.view().unwrap().audiences.iter().any(|a| a.name == "Rainy day shoppers"), "the live workspace has it");
    let on_disk = std::fs::read_to_string(dir.join("audiences.json")).unwrap();
    assert!(on_disk.contains("Rainy day shoppers"), "it is saved into the draft and the folder");

    let taken = session.create_audience("rainy-day-shoppers", "Drizzle", "", &rainy).unwrap_err();
    assert!(taken.message.contains("rainy-day-shoppers"), "{}", taken.message);
    let same_name = session.create_audience("rainy-2", " rainy day SHOPPERS ", "", &rainy).unwrap_err();
    assert!(same_name.message.contains("Rainy day shoppers"), "{}", same_name.message);
    let bad_id = session.create_audience("Rainy Day!", "Rainy", "", &rainy).unwrap_err();
    assert_eq!(bad_id.code, ErrorCode::BadInput);
    let unknown = json!({ "attr": "request.weather", "op": "eq", "value": "rain" });
    let broken = session.create_audience("weather", "Weather", "", &unknown).unwrap_err();
    assert!(broken.message.contains("request.weather"), "the problem names the rule: {}", broken.message);
    assert!(!std::fs::read_to_string(dir.join("audiences.json")).unwrap().contains("Weather"), "nothing broken is saved");
}

#[test]
fn a_review_tells_who_moves_from_what_to_what_shows_old_and_new_copy_and_puts_what_the_change_introduces_first() {
    let (_tmp, dir) = demo_copy();
    let shared = SharedSession::new(Session::open(&dir, true).unwrap());
    let id = {
        let mut session = shared.lock();
        let base = session.read_document(HERO).unwrap().revision.map(i64::from);
        let edited = with_vip_headline(&session, "Cheap thrills for our VIPs");
        let (saved, _) = session.save_document(HERO, &edited, base, false).unwrap();
        i64::from(saved.change_set)
    };
    let review = shared.review_change(id, Some(AT), |_| {}).unwrap();
    assert_eq!(review.at, AT, "the review says the moment it evaluated");

    let introduced: Vec<&Finding> = review.checks.introduced.iter().filter(|f| f.file == HERO).collect();
    assert!(!introduced.is_empty(), "the banned word this change types is introduced: {:?}", review.checks);
    assert!(
        review.checks.existing.iter().any(|f| f.file == "entries/sale-promo.json"),
        "the live banned word is apart: {:?}",
        review.checks
    );
    assert!(!review.checks.introduced.iter().any(|f| f.file == "entries/sale-promo.json"));

    let headline = review.diff.iter().find(|d| d.aspect.contains("headline")).expect("the headline change is listed");
    assert_eq!(headline.after.as_deref(), Some("Cheap thrills for our VIPs"));
    assert!(headline.before.as_deref().is_some_and(|b| b.contains("Welcome back")), "{headline:?}");

    let hero = review.impact.slots.iter().find(|s| s.page == "home" && s.slot == "hero").unwrap();
    let vip = hero.transitions.iter().find(|t| t.profiles.iter().any(|p| p.starts_with("Anna"))).expect("Anna is named");
    assert_eq!(vip.before, "“VIP welcome back”");
    assert!(vip.sentence.contains("who see “VIP welcome back” get changed content"), "{}", vip.sentence);
}

#[test]
fn while_authoring_each_personalization_shows_its_reach_and_a_copy_below_the_vip_rule_is_warned_of_losing_its_audience() {
    let (_tmp, dir) = demo_copy();
    let session = Session::open(&dir, true).unwrap();
    let mut hero = session.read_document(HERO).unwrap().content.0;
    let mut copy = hero["personalizations"][0].clone();
    copy["id"] = json!("vip-copy");
    copy["name"] = json!("VIP copy");
    hero["personalizations"].as_array_mut().unwrap().push(copy);
    let reach = session.personalization_reach(&DocumentEdit { path: HERO.into(), content: Json(hero) }).unwrap();
    let vip = &reach[0];
    assert!(vip.shown_share > 0.0 && vip.warning.is_none(), "{vip:?}");
    assert!(vip.profiles.iter().any(|p| p.starts_with("Anna")), "{:?}", vip.profiles);
    assert!(vip.sentence.starts_with("Seen by "), "{}", vip.sentence);
    let copy = reach.last().unwrap();
    assert_eq!(copy.shown_share, 0.0);
    let warning = copy.warning.as_deref().expect("the copy is warned");
    assert!(warning.contains("“VIP welcome back”") && warning.contains("Anna"), "{warning}");
}

#[test]
fn a_review_flags_a_saved_visitor_who_loses_a_personalization_and_a_new_one_that_a_higher_priority_one_shadows() {
    let (_tmp, dir) = demo_copy();
    let shared = SharedSession::new(Session::open(&dir, true).unwrap());
    let id = {
        let mut session = shared.lock();
        let opened = session.read_document(HERO).unwrap();
        let mut hero = opened.content.0;
        let list = hero["personalizations"].as_array_mut().unwrap();
        list.remove(0);
        let mut copy = list[0].clone();
        copy["id"] = json!("winter-copy");
        copy["name"] = json!("Winter copy");
        list.push(copy);
        let (saved, _) = session.save_document(HERO, &hero, opened.revision.map(i64::from), false).unwrap();
        i64::from(saved.change_set)
    };
    let review = shared.review_change(id, Some(AT), |_| {}).unwrap();
    assert!(
        review.flags.iter().any(|f| f.contains("Anna") && f.contains("no longer see “VIP welcome back”")),
        "the VIP who loses her welcome is flagged: {:?}",
        review.flags
    );
    assert!(
        review.flags.iter().any(|f| f.starts_with("“Winter copy” is not seen by") && f.contains("“Winter sports”")),
        "the shadowed copy is flagged: {:?}",
        review.flags
    );
    assert!(review.diff.iter().any(|d| d.subject == "the personalization “Winter copy” of the entry home-hero"), "{:?}", review.diff);
}

#[test]
fn history_exports_the_published_release_as_static_pages_into_a_new_folder_beside_the_workspace() {
    let (_tmp, dir) = demo_copy();
    let session = Session::open(&dir, true).unwrap();
    drop(session);
    let done = vantage_studio::session::export_static_pages(&dir).unwrap();
    let folder = std::path::PathBuf::from(&done.folder);
    assert_eq!(folder.parent(), dir.parent(), "beside the workspace, never inside it");
    assert!(folder.file_name().unwrap().to_string_lossy().starts_with("demo-store-static-"));
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(folder.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "vantage-static/1");
    assert_eq!((done.pages, done.static_pages), (4, 3));
    assert_eq!(done.server_pages.len(), 1);
    assert!(done.server_pages[0].contains("depends on the product in view"), "{:?}", done.server_pages);
    assert!(done.page_per_segment > f64::from(done.files));
    assert_eq!(done.decide_url, None, "no delivery target is configured");
    let html_files =
        std::fs::read_dir(&folder).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "html")).count();
    assert_eq!(html_files as u32, done.files);
}
