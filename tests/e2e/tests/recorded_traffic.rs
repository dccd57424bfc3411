//! A review measured on the team's recorded traffic, in the real window: QA imported an export
//! before the app opened, so the reviewer reads figures on recorded visitors (and is told so)
//! and opens one affected recorded visitor's page before and after, side by side; History names
//! the visitors in use, and the coverage matrix what nobody among them sees.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use vantage_e2e::{open_vip_hero_variant, save, scenario_on, VIP};
use vantage_test_support::{copy_dir, repo};

/// The demo workspace with 3,000 recorded visitors imported by QA beside its store.
fn demo_with_recorded_traffic(dir: &std::path::Path) {
    copy_dir(&repo().join("fixtures/demo-store"), dir);
    let db = vantage_studio::store_path(dir);
    vantage_studio::init_store(&db, vantage_studio::STARTER_TEAM, Some(dir)).unwrap();
    let workspace = vantage_studio::open_workspace(dir).unwrap().bundle.workspace.clone();
    let export = dir.with_file_name("warehouse-export.parquet");
    vantage_traffic::generate::generate(&workspace, 3_000, 7, &export).unwrap();
    vantage_studio::traffic::import_traffic(&db, "quinn", &workspace.catalog, &export, None).unwrap();
}

#[tokio::test]
#[ignore = "drives the real window: run scripts/e2e"]
async fn a_reviewer_reads_impact_on_recorded_visitors_and_previews_one_of_them_before_and_after() {
    scenario_on("recorded-traffic", demo_with_recorded_traffic, |mut app| async move {
        open_vip_hero_variant(&app, &[VIP]).await;
        app.type_into_field("/headline", "Your winter edit is ready").await;
        save(&app, "entries/home-hero.json", "Your winter edit is ready").await;
        app.click("nav-review").await;
        app.click("change-1").await;
        app.wait_js(
            "the review to say its figures count recorded visitors",
            "const p = document.querySelector('[data-testid=\"impact-population\"]');\
             return !!p && p.innerText.includes('3000 recorded visitors from warehouse-export.parquet');",
        )
        .await;
        app.wait_js(
            "the hero's moves to be counted among recorded visitors",
            "const l = document.querySelector('[data-testid=\"transitions-home-hero\"]'); return !!l && l.innerText.includes('of 3000 recorded visitors');",
        )
        .await;
        app.shot("impact-on-recorded-visitors").await;
        app.js("document.querySelector('[data-testid=\"samples-home-hero\"] button').click()", vec![]).await;
        app.wait_js(
            "the recorded visitor's page before and after, with the new headline only after",
            "const before = document.querySelector('[data-testid^=\"recorded-before-\"] iframe, iframe[data-testid^=\"recorded-before-\"]');\
             const after = document.querySelector('[data-testid^=\"recorded-after-\"] iframe, iframe[data-testid^=\"recorded-after-\"]');\
             const text = (f) => f && f.contentDocument && f.contentDocument.body ? f.contentDocument.body.innerText : '';\
             return text(after).includes('Your winter edit is ready') && text(before).length > 0 && !text(before).includes('Your winter edit is ready');",
        )
        .await;
        app.js("document.querySelector('[data-testid=\"recorded-before-after\"]').scrollIntoView()", vec![]).await;
        app.shot("recorded-visitor-before-and-after").await;
        // History says which visitors reviews count; the marketer may not import others.
        app.click("nav-history").await;
        app.wait_js(
            "History to name the recorded visitors in use",
            "const s = document.querySelector('[data-testid=\"traffic-status\"]'); return !!s && s.innerText.includes('3000 recorded visitors from warehouse-export.parquet, imported ');",
        )
        .await;
        app.wait_js("the import to be QA's", "return document.querySelector('[data-testid=\"import-traffic\"]').disabled;").await;
        app.js("document.querySelector('[data-testid=\"recorded-traffic\"]').scrollIntoView()", vec![]).await;
        app.shot("recorded-visitors-in-history").await;
        // The coverage matrix, asked, names what nobody among them sees on the home page.
        app.click("nav-preview").await;
        app.click("coverage-recorded").await;
        app.wait_js(
            "the matrix to say what nobody among the recorded visitors sees",
            "const l = document.querySelector('[data-testid=\"coverage-recorded-label\"]');             return !!l && l.innerText.includes('3000 recorded visitors') && !!document.querySelector('[data-testid=\"recorded-nobody-hero\"]');",
        )
        .await;
        app.js("document.querySelector('[data-testid=\"coverage-matrix\"]').scrollIntoView()", vec![]).await;
        app.shot("coverage-on-recorded-visitors").await;
    })
    .await;
}
