//! The last technical corners of authoring, in the real window: an experiment's arm is edited in
//! the entry's own form (no JSON) with its weights added up as they are typed, and a preview is
//! driven from the keyboard alone, its components named for screen readers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use fantoccini::key::Key;
use vantage_e2e::{save, scenario, VIP};

#[tokio::test]
#[ignore = "drives the real window: run scripts/e2e"]
async fn an_experiment_arm_is_edited_in_the_entry_s_form_with_its_weights_added_up_as_they_are_typed() {
    scenario("experiment-arms", |mut app| async move {
        app.click("nav-author").await;
        app.click("author-tab-experiments").await;
        app.wait_js("the hero experiment's two arms", "return !!document.querySelector('[data-testid=\"arm-1\"]');").await;
        // 50 + 40: the total says what is left, and nothing is saved while it is wrong.
        app.fill("arm-weight-1", "40").await;
        app.wait_js(
            "the running total to say 10 are left",
            "const t = document.querySelector('[data-testid=\"weights-total\"]'); return !!t && t.innerText.includes('90 of 100') && t.innerText.includes('10 left to assign');",
        )
        .await;
        app.wait_js("the save to wait for the weights", "return !!document.querySelector('[data-testid=\"experiments-blocked\"]');").await;
        app.shot("weights-that-do-not-add-up").await;
        app.fill("arm-weight-1", "50").await;
        app.wait_js("the total to be right", "return document.querySelector('[data-testid=\"arm-weight-total\"]').dataset.ok === 'true';").await;

        // The adventure arm's headline, in the hero's own form; its baseline shows where empty.
        app.click("arm-edit-1").await;
        app.wait_js(
            "the arm's form with the entry's own subline greyed where the arm leaves it",
            "const f = document.querySelector('[data-testid=\"arm-1\"] [data-field=\"/headline\"]'); return !!f && f.value.includes('adventure');",
        )
        .await;
        app.type_into_field("/headline", "Adventure starts at the door").await;
        app.wait_js(
            "the arm's summary to name what it changes",
            "return document.querySelector('[data-testid=\"arm-summary-1\"]').innerText.startsWith('Changes');",
        )
        .await;
        app.shot("arm-in-the-entry-form").await;
        save(&app, "experiments.json", "Adventure starts at the door").await;
        let text = std::fs::read_to_string(app.workspace.join("experiments.json")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["experiments"][0]["arms"][1]["patch"]["headline"], "Adventure starts at the door");
        assert_eq!(doc["experiments"][0]["arms"][1]["weight"], 50);

        // The same arm in German: its own headline, typed beside the English one, lands in the
        // arm's translations (docs/locales.md).
        app.wait_js(
            "the arm's German tab",
            "const b = document.querySelector('[data-testid=\"arm-locales-1\"] [data-testid=\"locale-tab-de-DE\"]'); if (b) b.click(); return !!b;",
        )
        .await;
        // Its German headline was made from the English just rewritten: marked, with that English.
        app.wait_js(
            "the arm's German headline to be marked as made from the old English",
            "const m = document.querySelector('[data-testid=\"arm-1\"] [data-testid=\"stale-text\"][data-pointer=\"/personalizations/0/translations/de-DE/headline\"]');\
             return !!m && m.innerText.includes('It said');",
        )
        .await;
        app.shot("arm-german-stale").await;
        let german = app.css("[data-testid=\"arm-1\"] [data-locale=\"de-DE\"][data-field=\"/headline\"]").await;
        german.clear().await.unwrap();
        german.send_keys("Das Abenteuer beginnt gleich hier").await.unwrap();
        app.wait_js(
            "the mark to go once the German is rewritten",
            "return !document.querySelector('[data-testid=\"arm-1\"] [data-testid=\"stale-text\"]');",
        )
        .await;
        app.shot("arm-in-german").await;
        save(&app, "experiments.json", "Das Abenteuer beginnt gleich hier").await;
        let text = std::fs::read_to_string(app.workspace.join("experiments.json")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["experiments"][0]["arms"][1]["translations"]["de-DE"]["headline"], "Das Abenteuer beginnt gleich hier");
        assert_eq!(doc["experiments"][0]["arms"][1]["patch"]["headline"], "Adventure starts at the door", "the English stays");
    })
    .await;
}

#[tokio::test]
#[ignore = "drives the real window: run scripts/e2e"]
async fn a_preview_is_driven_from_the_keyboard_and_enter_explains_the_component_named_aloud() {
    scenario("keyboard-preview", |mut app| async move {
        app.click("nav-preview").await;
        app.select("preview-page", "home").await;
        app.select("preview-profile-0", VIP).await;
        app.wait_frame_shows(VIP, "Welcome back").await;
        let frame_box = app.testid(&format!("box-preview-frame-{VIP}")).await;
        let down: char = Key::Down.into();
        let enter: char = Key::Enter.into();
        frame_box.send_keys(&format!("{down}{down}")).await.unwrap();
        app.wait_js(
            "the second component to be announced by name, never by id",
            &format!(
                "const a = document.querySelector('[data-testid=\"announce-preview-frame-{VIP}\"]');\
                 return !!a && a.innerText.includes('Component 2 of') && a.innerText.includes('—');"
            ),
        )
        .await;
        app.shot("second-component-highlighted").await;
        frame_box.send_keys(&enter.to_string()).await.unwrap();
        app.wait_js("the why panel to explain it", "return !!document.querySelector('[data-testid=\"why-chosen\"]');").await;
        app.wait_js("the way to its entry", "return !!document.querySelector('[data-testid=\"why-edit-entry\"]');").await;
        app.shot("enter-explains-it").await;
    })
    .await;
}
