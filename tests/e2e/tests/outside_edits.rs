//! The editor follows a file edited outside the app while its entry is open: a broken file is
//! shown and never saved over, a fixed one is followed, and when both changed the author
//! chooses (run by `scripts/e2e`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use serde_json::json;
use std::time::Duration;
use vantage_e2e::{open_vip_hero_variant, scenario, App, VIP};

const HERO: &str = "entries/home-hero.json";

/// Writes the hero entry to disk as another editor would, with the VIP headline `headline`.
fn write_hero_with_vip_headline(app: &App, original: &serde_json::Value, headline: &str) {
    let mut doc = original.clone();
    doc["personalizations"][0]["patch"]["headline"] = json!(headline);
    std::fs::write(app.workspace.join(HERO), serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

async fn wait_headline_field(app: &App, text: &str) {
    app.wait_js_args(
        &format!("the headline field to hold \"{text}\""),
        "const f = document.querySelector('[data-field=\"/headline\"]'); return !!f && f.value === arguments[0];",
        vec![json!(text)],
    )
    .await;
}

async fn wait_save_state(app: &App, text: &str) {
    app.wait_js_args(
        &format!("the save state to read \"{text}\""),
        "const s = document.querySelector('[data-testid=\"save-state\"]'); return !!s && s.innerText.trim() === arguments[0];",
        vec![json!(text)],
    )
    .await;
}

#[tokio::test]
#[ignore = "drives the real window: run scripts/e2e"]
async fn a_file_broken_and_fixed_on_disk_while_open_is_followed_by_its_editor_and_nothing_typed_is_lost() {
    scenario("outside-edits", |mut app| async move {
        let original: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(app.workspace.join(HERO)).unwrap()).unwrap();
        open_vip_hero_variant(&app, &[VIP]).await;

        // Broken by another editor: the editor says so, names the line, and saves nothing.
        let broken = "{\n  \"id\": \"home-hero\",\n  \"component\": \n";
        std::fs::write(app.workspace.join(HERO), broken).unwrap();
        app.wait_js(
            "the editor to say where the file is broken",
            "const d = document.querySelector('[data-testid=\"disk-broken\"]'); return !!d && /line \\d+/.test(d.innerText);",
        )
        .await;
        app.shot("broken-on-disk").await;
        // Fixed there: the editor, which had nothing unsaved, follows the file.
        write_hero_with_vip_headline(&app, &original, "Fixed in another editor");
        wait_headline_field(&app, "Fixed in another editor").await;
        wait_save_state(&app, "Saved").await;
        app.wait_frame_shows(VIP, "Fixed in another editor").await;
        app.shot("followed-the-fixed-file").await;

        // Broken again, and the author types meanwhile: the broken file is not written over.
        std::fs::write(app.workspace.join(HERO), broken).unwrap();
        app.testid("disk-broken").await;
        app.type_into_field("/headline", "Typed while it was broken").await;
        tokio::time::sleep(Duration::from_millis(2000)).await;
        assert_eq!(std::fs::read_to_string(app.workspace.join(HERO)).unwrap(), broken, "the broken file is left as it is");
        wait_save_state(&app, "Not saved: file changed outside").await;
        app.shot("typed-while-broken").await;

        // Fixed on disk while the editor holds unsaved text: the author chooses, and keeps hers.
        write_hero_with_vip_headline(&app, &original, "Fixed a second time");
        app.testid("disk-choice").await;
        wait_headline_field(&app, "Typed while it was broken").await;
        app.shot("keep-mine-or-take-the-file").await;
        app.click("disk-keep-mine").await;
        wait_save_state(&app, "Saved").await;
        let on_disk = std::fs::read_to_string(app.workspace.join(HERO)).unwrap();
        assert!(on_disk.contains("Typed while it was broken"), "keeping mine writes it: {on_disk}");
        app.wait_frame_shows(VIP, "Typed while it was broken").await;
        app.shot("kept-mine").await;
    })
    .await;
}
