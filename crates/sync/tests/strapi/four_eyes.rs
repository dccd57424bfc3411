//! Four eyes kept by the CMS: each person signs in with their own Strapi account, and the server
//! refuses what a laptop's store (which its owner controls) cannot be trusted to refuse.

use crate::harness::*;
use vantage_sync::{approve_with_cms, proposal_hash, proposal_of, push_and_record, submit_for_review, CmsAdapter, CmsError, PushOutcome};

/// A store pushed to a fresh Strapi (its first release adopted by ada), and a change set by mia
/// editing the promo entry, still a draft.
async fn pushed_store_with_a_draft(cms: &Strapi, dir: &std::path::Path) -> (vantage_store::Store, i64) {
    let store = published_store(dir, 0);
    store.add_user("ada", "ravi", vantage_store::Role::Reviewer).unwrap();
    store.add_user("ada", "rita", vantage_store::Role::Marketer).unwrap();
    let (outcome, _) = push_and_record(&store, &cms.adapter("ada"), fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::Done { .. }), "{outcome:?}");
    let cs = store.create_change_set("mia", "bigger sale").unwrap();
    edit(&store, cs, "entries/sale-promo.json", "Outdoor gear at outlet prices", "Outdoor gear at half price");
    (store, cs)
}

fn forbidden(error: &CmsError) -> bool {
    matches!(error, CmsError::Permanent(why) if why.contains("403"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn the_author_cannot_approve_their_own_change_by_any_means() {
    let _ = NEEDS;
    let cms = Strapi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (store, cs) = pushed_store_with_a_draft(&cms, dir.path()).await;
    let submitted = submit_for_review(&store, &cms.adapter("mia"), "mia", cs).await.unwrap();
    assert_eq!((submitted.submitted_by.as_str(), submitted.state.as_str()), ("mia", "submitted"));

    // With her own credential, through the sync API: refused.
    let hash = proposal_hash(&proposal_of(&store, cs).unwrap());
    let own = cms.adapter("mia").approve_proposal(cs, &hash).await.unwrap_err();
    assert!(forbidden(&own) && own.to_string().contains("four eyes"), "{own}");
    // Another marketer is no reviewer.
    let peer = cms.adapter("rita").approve_proposal(cs, &hash).await.unwrap_err();
    assert!(forbidden(&peer), "{peer}");
    // An admin who puts the same change forward becomes one of its editors: not its reviewer.
    cms.adapter("ada").submit_proposal(cs, &proposal_of(&store, cs).unwrap(), false).await.unwrap();
    let admin = cms.adapter("ada").approve_proposal(cs, &hash).await.unwrap_err();
    assert!(forbidden(&admin) && admin.to_string().contains("four eyes"), "{admin}");

    // Her laptop's store is hers: she makes it say that ravi approved (editing the SQLite file),
    // publishes, and pushes with the admin's session she borrowed. The CMS writes nothing.
    drop(store);
    let file = dir.path().join("s.db");
    let conn = rusqlite::Connection::open(&file).unwrap();
    conn.execute(
        "UPDATE change_sets SET state = 'approved', decided_by = 'ravi', approved_after_release = (SELECT MAX(id) FROM releases) WHERE id = ?1",
        [cs],
    )
    .unwrap();
    drop(conn);
    let store = vantage_store::Store::open(&file).unwrap();
    store.publish("ada", cs).unwrap();
    let before = cms.rows();
    let (outcome, _) = push_and_record(&store, &cms.adapter("ada"), fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    let PushOutcome::Stopped { error, .. } = &outcome else { panic!("the unapproved release was pushed: {outcome:?}") };
    assert!(forbidden(error) && error.to_string().contains("not approved on the CMS"), "{error}");
    assert_eq!(cms.rows(), before, "nothing was written");
    assert_eq!(cms.count("SELECT COUNT(*) FROM vantage_releases"), 1, "only the adopted release is on record");

    // Once ravi approves what he sees, with his own account, the same release goes out, and the
    // CMS records who wrote it from the credential.
    let approved = cms.adapter("ravi").approve_proposal(cs, &hash).await.unwrap();
    assert_eq!(approved.approved_by.as_deref(), Some("ravi"));
    let (outcome, _) = push_and_record(&store, &cms.adapter("ravi"), fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::Done { .. }), "{outcome:?}");
    let (_, content, _) = &cms.rows()["entries/sale-promo.json"];
    assert!(content.as_deref().unwrap_or_default().contains("half price"));
    let author: String = rusqlite::Connection::open(cms.db())
        .unwrap()
        .query_row("SELECT author FROM vantage_documents WHERE path = 'entries/sale-promo.json'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(author, "ravi");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn an_approval_covers_only_what_the_reviewer_saw_and_only_that_is_written() {
    let cms = Strapi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (store, cs) = pushed_store_with_a_draft(&cms, dir.path()).await;
    submit_for_review(&store, &cms.adapter("mia"), "mia", cs).await.unwrap();
    let seen = proposal_hash(&proposal_of(&store, cs).unwrap());

    // mia submits again with another edit before ravi looks: ravi's approval of what he saw
    // earlier is stale.
    let other = cms.adapter("mia");
    let mut changed = proposal_of(&store, cs).unwrap();
    changed.insert("entries/home-promo.json".into(), Some("0".repeat(64)));
    other.submit_proposal(cs, &changed, false).await.unwrap();
    let stale = cms.adapter("ravi").approve_proposal(cs, &seen).await.unwrap_err();
    assert!(matches!(&stale, CmsError::Conflict { .. }), "{stale:?}");

    // Approved as it is now, a write of content the proposal does not hold is refused.
    let now = proposal_hash(&changed);
    cms.adapter("ravi").approve_proposal(cs, &now).await.unwrap();
    let basis = vantage_sync::ReleaseBasis::ChangeSet { change_set: cs };
    let (_, version) = cms.token_adapter().read("entries/sale-recs.json").await.unwrap().unwrap();
    let smuggled = cms.adapter("ravi").put("entries/sale-recs.json", "{}", Some(&version), "smuggle", &basis).await.unwrap_err();
    assert!(forbidden(&smuggled) && smuggled.to_string().contains("not what change set"), "{smuggled}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn people_sign_in_with_their_own_accounts_and_an_api_token_only_reads() {
    let cms = Strapi::start().await;
    let wrong = cms.sign_in("mia", "not her password").await.unwrap_err();
    assert!(wrong.to_string().contains("did not accept"), "{wrong}");
    let (access, refresh) = cms.sign_in("ravi", PERSON_PASSWORD).await.unwrap();
    let client = vantage_sync::StrapiAdapter::new(&cms.url(), &access, std::time::Duration::from_secs(10)).unwrap();
    let me = client.whoami().await.unwrap();
    assert_eq!((me.username.as_str(), me.role.as_deref()), ("ravi", Some("reviewer")));
    // The refresh token is rotated: it works once.
    let (fresh, _) = client.refresh(&refresh).await.unwrap();
    assert_ne!(fresh, access);
    assert!(client.refresh(&refresh).await.is_err(), "a used refresh token is refused");

    // The API token names nobody: it reads, but writes nothing, not even as a claimed author.
    let token = cms.token_adapter();
    assert!(token.read("vantage.json").await.unwrap().is_none());
    let write = token.put("vantage.json", "{}", None, "token-write", &vantage_sync::ReleaseBasis::First).await.unwrap_err();
    assert!(forbidden(&write) && write.to_string().contains("API token"), "{write}");
    // A person's write names its author in the body: ignored, the credential decides.
    let answer = reqwest::Client::new()
        .put(format!("{}/api/vantage/document", cms.url()))
        .bearer_auth(&cms.people["ada"])
        .json(&serde_json::json!({"path": "vantage.json", "content": "{}", "key": "claimed", "author": "rita",
                                  "warrant": {"workspace": "test-workspace", "adoption": true}}))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.text().await.unwrap());
    let author: String =
        rusqlite::Connection::open(cms.db()).unwrap().query_row("SELECT author FROM vantage_documents", [], |r| r.get(0)).unwrap();
    assert_eq!(author, "ada");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn the_review_helpers_record_submitter_and_approver_here_and_on_the_cms() {
    let cms = Strapi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (store, cs) = pushed_store_with_a_draft(&cms, dir.path()).await;
    submit_for_review(&store, &cms.adapter("mia"), "mia", cs).await.unwrap();
    // The local four-eyes check agrees: mia cannot approve here either.
    assert!(approve_with_cms(&store, &cms.adapter("mia"), "mia", cs, "mine").await.is_err());
    let approved = approve_with_cms(&store, &cms.adapter("ravi"), "ravi", cs, "fine").await.unwrap();
    assert_eq!((approved.submitted_by.as_str(), approved.approved_by.as_deref()), ("mia", Some("ravi")));
    let local = store.change_sets().unwrap().into_iter().find(|c| c.id == cs).unwrap();
    assert_eq!(local.decided_by.as_deref(), Some("ravi"));
    store.publish("ravi", cs).unwrap();
    let (outcome, _) = push_and_record(&store, &cms.adapter("ravi"), fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::Done { .. }), "{outcome:?}");
    let held = cms.adapter("mia").proposal(cs).await.unwrap().unwrap();
    assert_eq!(held.state, "released");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Strapi: run scripts/test-strapi"]
async fn an_edit_in_the_strapi_admin_waits_for_review_under_its_author_and_goes_out_once_approved() {
    let cms = Strapi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = pushed_store_with_a_draft(&cms, dir.path()).await;
    let path = "entries/home-promo.json";
    let live = store.published().unwrap();
    let edited = live[path].replace("Delivery and returns", "Free delivery & returns");
    cms.admin_write(path, &edited).await;

    let report = vantage_sync::pull(&store, &cms.adapter("ada"), fast(), &mut no_jitter()).await.unwrap();
    let [inbox] = report.for_review.as_slice() else { panic!("{report:?}") };
    let change = store.change_sets().unwrap().into_iter().find(|c| c.id == *inbox).unwrap();
    assert_eq!((change.author.as_str(), change.from_cms), (ADMIN_EMAIL, true));
    assert_eq!(change.state, vantage_store::ChangeSetState::Submitted);
    assert_eq!(store.published().unwrap()[path], live[path], "not live before review");

    // Nobody may claim it for the CMS with content the CMS does not hold.
    let mut forged = proposal_of(&store, *inbox).unwrap();
    forged.insert(path.into(), Some("0".repeat(64)));
    let refused = cms.adapter("mia").submit_proposal(*inbox, &forged, true).await.unwrap_err();
    assert!(matches!(refused, CmsError::Conflict { .. }), "{refused:?}");

    // A reviewer approves it (the CMS records its Strapi editor as the author) and it goes out.
    let approved = approve_with_cms(&store, &cms.adapter("ravi"), "ravi", *inbox, "checked").await.unwrap();
    assert_eq!((approved.submitted_by.as_str(), approved.approved_by.as_deref()), (ADMIN_EMAIL, Some("ravi")));
    store.publish("ravi", *inbox).unwrap();
    let (outcome, _) = push_and_record(&store, &cms.adapter("ravi"), fast(), &mut no_jitter(), |_, _| {}).await.unwrap();
    assert!(matches!(outcome, PushOutcome::Done { .. }), "{outcome:?}");
    assert_eq!(cms.rows()[path].1.as_deref(), Some(edited.as_str()));
    assert_eq!(cms.adapter("ravi").proposal(*inbox).await.unwrap().unwrap().state, "released");
}
