//! One pipeline: for every page x every demo profile x three moments (now, a December evening,
//! a date inside the `holiday-cutoff` window), the CLI's HTML, the app session's page preview,
//! the app's slot previews reassembled into a page, the coverage matrix's decisions and a
//! review's before and after all agree byte for byte. A preview is a promise only if every path
//! to it is the same path.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use serde_json::json;
use std::path::Path;
use std::process::Command;
use vantage_studio::session::views::{CoveragePage, PagePreview, PreviewRequest, Side};
use vantage_studio::{Session, SharedSession};
use vantage_test_support::demo_copy;

/// `None` is "now": no moment chosen, so each profile's own `request.now`, else the clock.
const MOMENTS: [Option<&str>; 3] = [None, Some("2026-12-22T19:30:00+01:00"), Some("2026-12-05T10:00:00Z")];

fn cli_html(workspace: &Path, page: &str, profile: &str, at: Option<&str>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vantage"));
    cmd.arg("-w").arg(workspace).arg("--db").arg(workspace.join("no-store.db"));
    if let Some(at) = at {
        cmd.args(["--at", at]);
    }
    let out = cmd.args(["preview", "--page", page, "--profile", profile]).output().unwrap();
    assert!(out.status.success(), "vantage preview {page} {profile} {at:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn view(profile: &str, at: Option<&str>) -> PreviewRequest {
    PreviewRequest { profile: profile.into(), overrides: None, at: at.map(str::to_owned) }
}

/// The page document rebuilt from the sections the app patches into its frames one by one.
fn reassembled(page_html: &str, sections: &[String]) -> String {
    let open = page_html.find("<main").and_then(|i| page_html[i..].find('\n').map(|n| i + n + 1)).unwrap();
    let close = page_html.rfind("</main>").unwrap();
    let mut out = page_html[..open].to_owned();
    for s in sections {
        out.push_str(s);
        out.push('\n');
    }
    out.push_str(&page_html[close..]);
    out
}

fn variants(preview: &PagePreview) -> Vec<String> {
    preview.slots.iter().map(|s| s.variant.clone()).collect()
}

fn matrix_column(coverage: &[CoveragePage], page: &str, profile: &str) -> Vec<String> {
    let page = coverage.iter().find(|p| p.page == page).unwrap();
    let column = page.profiles.iter().position(|p| p == profile).unwrap();
    page.rows.iter().map(|r| r.cells[column].clone()).collect()
}

#[test]
fn the_cli_the_app_its_slot_patches_its_coverage_and_a_review_see_the_same_page() {
    let (_tmp, dir) = demo_copy();
    let (pages, profiles) = {
        let ws = vantage_studio::open_workspace(&dir).unwrap();
        (ws.bundle.workspace.pages.keys().cloned().collect::<Vec<_>>(), ws.bundle.workspace.profiles.keys().cloned().collect::<Vec<_>>())
    };
    assert!(pages.len() >= 4 && profiles.len() >= 10, "the demo has its pages and profiles");

    // What the CLI shows now, before the change under review.
    let mut cli = Vec::new();
    for at in MOMENTS {
        for page in &pages {
            for profile in &profiles {
                cli.push(((at, page.clone(), profile.clone()), cli_html(&dir, page, profile, at)));
            }
        }
    }

    let shared = SharedSession::new(Session::open(&dir, true).unwrap());
    // A change under review: the VIP hero's headline.
    let change = {
        let mut session = shared.lock();
        let mut hero = session.read_document("entries/home-hero.json").unwrap();
        hero.content.0["personalizations"][0]["patch"]["headline"] = json!("Parity holds");
        let base = hero.revision.map(i64::from);
        let (saved, _) = session.save_document("entries/home-hero.json", &hero.content.0, base, false).unwrap();
        i64::from(saved.change_set)
    };
    let after = vantage_studio::open_workspace(&dir).unwrap();

    let mut compared = 0;
    let mut differed_after = 0;
    for at in MOMENTS {
        let coverage = shared.coverage(at).unwrap();
        for ((moment, page, profile), cli_before) in cli.iter().filter(|((m, _, _), _)| *m == at) {
            let what = format!("{page} as {profile} at {moment:?}");
            let v = view(profile, *moment);
            let before = shared.render_review_page(change, Side::Before, page, &v).unwrap();
            assert_eq!(&before.html, cli_before, "review before vs CLI: {what}");
            let app = shared.lock().render_page(page, &v).unwrap();
            let cli_after = vantage_studio::preview(&after, page, profile, *moment, None, false).unwrap().html;
            assert_eq!(app.html, cli_after, "app page vs CLI: {what}");
            let slot_ids: Vec<String> = app.slots.iter().map(|s| s.slot.clone()).collect();
            let patches = shared.lock().render_slots(page, &v, &slot_ids).unwrap();
            let sections: Vec<String> = patches.iter().map(|s| s.html.clone()).collect();
            assert_eq!(reassembled(&app.html, &sections), app.html, "slot patches reassembled vs page: {what}");
            assert_eq!(matrix_column(&coverage, page, profile), variants(&app), "coverage vs page decisions: {what}");
            let review_after = shared.render_review_page(change, Side::After, page, &v).unwrap();
            assert_eq!(review_after.html, app.html, "review after vs app: {what}");
            differed_after += usize::from(review_after.html != before.html);
            compared += 1;
        }
    }
    assert_eq!(compared, MOMENTS.len() * pages.len() * profiles.len());
    assert!(differed_after > 0, "the change under review shows in some after page");
}

#[test]
fn an_explicit_moment_wins_over_a_profile_s_own_which_wins_over_the_clock() {
    let ws = vantage_studio::open_workspace(&vantage_test_support::demo_dir()).unwrap();
    // swiss-vip-evening carries its own request.now (a Friday evening).
    let own = vantage_studio::preview(&ws, "home", "swiss-vip-evening", None, None, true).unwrap();
    assert_eq!(own.moment.at, "2026-11-20T20:00:00Z");
    assert_eq!(serde_json::to_value(&own.moment).unwrap()["source"], "visitor");
    let chosen = vantage_studio::preview(&ws, "home", "swiss-vip-evening", Some("2026-12-05T10:00:00Z"), None, true).unwrap();
    assert_eq!(chosen.moment.at, "2026-12-05T10:00:00Z");
    assert_eq!(serde_json::to_value(&chosen.moment).unwrap()["source"], "explicit");
    let clock = vantage_studio::preview(&ws, "home", "vip-anna", None, None, false).unwrap();
    assert_eq!(serde_json::to_value(&clock.moment).unwrap()["source"], "clock");
    // The footer's holiday rule sees the chosen moment, not the profile's own.
    let footer = |p: &vantage_studio::Preview| p.composed.slots.iter().find(|s| s.entry == "site-footer").unwrap().variant.clone();
    assert_eq!(footer(&chosen), "holiday-cutoff");
    assert_ne!(footer(&own), "holiday-cutoff");
}
