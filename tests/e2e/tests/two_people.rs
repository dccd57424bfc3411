//! Two people with their own accounts on a real Strapi: each signs in, the author cannot approve
//! their own change, and a reviewer's approval is recorded by the CMS under the reviewer's name.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use vantage_e2e::cms::Cms;
use vantage_e2e::{open_vip_hero_variant, save, scenario, App, FIRST_TIME, VIP};

const PASSWORD: &str = "Vantage-Person-1";

/// Opens the sign-in form and signs in (`cms`: the CMS address, asked for while the workspace
/// has none).
async fn sign_in(app: &App, cms: Option<&str>, name: &str, password: &str) {
    if app.js("return !document.querySelector('[data-testid=\"sign-in-form\"]');", vec![]).await == serde_json::json!(true) {
        app.click("sign-in-open").await;
    }
    if let Some(cms) = cms {
        app.fill("sign-in-cms", cms).await;
    }
    app.fill("sign-in-name", name).await;
    app.fill("sign-in-password", password).await;
    app.click("sign-in-submit").await;
}

#[tokio::test]
#[ignore = "drives the real window and a real Strapi: run scripts/e2e"]
async fn people_sign_in_the_author_cannot_approve_and_the_cms_records_the_reviewer_s_approval() {
    let cms = Cms::start(&[("alex", "admin"), ("maria", "marketer"), ("rita", "reviewer")], PASSWORD);
    let (url, db) = (cms.url.clone(), cms.db());
    scenario("two-people", move |mut app| async move {
        app.testid("identity-unverified").await;
        // The local admin connects the workspace by signing in with the CMS's address.
        app.select("user-switcher", "alex").await;
        app.wait_text("You are now working as alex").await;
        sign_in(&app, Some(&url), "alex", PASSWORD).await;
        app.wait_text("Signed in as alex (admin)").await;
        app.click("sign-out").await;
        app.testid("identity-unverified").await;

        // maria: a wrong password is refused beside the form, then she signs in.
        sign_in(&app, None, "maria", "not her password").await;
        app.wait_js(
            "the refusal to show",
            "const e = document.querySelector('[data-testid=\"sign-in-error\"]'); return !!e && e.innerText.includes('did not accept');",
        )
        .await;
        app.shot("wrong-password-refused").await;
        sign_in(&app, None, "maria", PASSWORD).await;
        app.wait_text("Signed in as maria (marketer)").await;
        let switcher = app.js("return !!document.querySelector('[data-testid=\"user-switcher\"]');", vec![]).await;
        assert_eq!(switcher, serde_json::json!(false), "signed in, she cannot switch to another name");
        app.shot("signed-in-as-author").await;

        // She edits and submits; the CMS records her submission; she cannot approve it.
        open_vip_hero_variant(&app, &[VIP, FIRST_TIME]).await;
        app.type_into_field("/headline", "Members first, always").await;
        app.wait_frame_shows(VIP, "Members first, always").await;
        save(&app, "entries/home-hero.json", "Members first, always").await;
        app.click("nav-review").await;
        app.click("change-1").await;
        app.fill("change-title", "Members first on the home hero").await;
        app.click("submit-change").await;
        // The success notice appears only once the CMS recorded the submission too.
        app.wait_text("Sent for review.").await;
        let approve = app.testid("approve-change").await;
        assert!(!approve.is_enabled().await.unwrap(), "the author cannot approve");
        app.shot("author-cannot-approve").await;

        // rita signs in on the same computer and approves: on the CMS first, under her name.
        app.click("sign-out").await;
        sign_in(&app, None, "rita", PASSWORD).await;
        app.wait_text("Signed in as rita (reviewer)").await;
        app.click("nav-review").await;
        app.click("change-1").await;
        app.testid("review-diff").await;
        app.testid("decision-comment").await.send_keys("Clear and warm. Approved.").await.unwrap();
        app.click("approve-change").await;
        app.wait_text("Approved.").await;
        app.shot("reviewer-approved-on-the-cms").await;

        let conn = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let (submitted, approved, state): (String, String, String) = conn
            .query_row("SELECT submitted_by, approved_by, state FROM vantage_proposals WHERE change_set = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!((submitted.as_str(), approved.as_str(), state.as_str()), ("maria", "rita", "approved"));
    })
    .await;
    drop(cms);
}
