//! Content per locale in the real window (docs/locales.md): a marketer opens the home hero on
//! its German tab, translates the headline beside the English original, sees the English text a
//! German reader would get while the German one is empty, and watches a German reader's live
//! preview follow as she types; the Preview screen then shows each visitor in their own
//! language, named under their name.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use serde_json::json;
use std::path::Path;
use std::time::Duration;
use vantage_e2e::{save, scenario_on, App};
use vantage_test_support::{copy_dir, repo};

/// A German reader outside the DACH markets (Bolzano, Italy), no VIP, no skier, who has ordered
/// before: none of the home hero's personalizations is for him, so he reads the baseline in
/// German. Every German reader of the demo is in DACH and sees the DACH variant instead.
const GERMAN_READER: &str = "hiker-south-tyrol";
/// Camille in Lyon (fr-FR): no personalization of the hero is for her either, so she reads the
/// baseline in French.
const FRENCH_READER: &str = "weekend-camper-lyon";
/// Lea, a Swiss VIP (de-CH): she sees the VIP welcome, whose German text she reads through
/// German (Switzerland)'s fallback to German, never the baseline's German headline.
const SWISS_VIP: &str = "swiss-vip-evening";
/// The baseline headline's German input on the German tab.
const GERMAN_HEADLINE: &str = "[data-field=\"/headline\"][data-locale=\"de-DE\"]";
/// The home hero's headline inside a preview frame.
const HERO_HEADLINE: &str = "[data-slot=\"hero\"] .hero-headline";

const ENGLISH: &str = "Built for the long way round";
const GERMAN: &str = "Gemacht für die große Runde";
const NEW_GERMAN: &str = "Gemacht für jeden Weg";
const FRENCH: &str = "Taillé pour les longues échappées";
const VIP_GERMAN: &str = "Willkommen zurück. Ihr Vorabzugang hat begonnen";

/// The demo workspace with one more visitor profile: [`GERMAN_READER`].
fn demo_with_a_german_reader_outside_dach(dir: &Path) {
    copy_dir(&repo().join("fixtures/demo-store"), dir);
    let profile = json!({
        "id": GERMAN_READER,
        "name": "Lukas, hiking in South Tyrol",
        "description": "Reads German in Bolzano, Italy, outside our DACH markets; two orders, no VIP.",
        "attributes": {
            "profile.id": "u-1311",
            "profile.tier": "standard",
            "profile.lifetime_value": 240,
            "profile.orders_count": 2,
            "profile.interests": ["hiking"],
            "request.country": "IT",
            "request.device": "desktop",
            "request.locale": "de-DE",
            "request.timezone": "Europe/Rome"
        },
        "consents": ["personalization"],
        "product": "trailhead-2p-tent"
    });
    let file = dir.join("profiles").join(format!("{GERMAN_READER}.json"));
    std::fs::write(file, serde_json::to_string_pretty(&profile).unwrap()).unwrap();
}

/// Waits until the element matching `css` in the app's document satisfies `test` (a JS
/// expression over `e`, the element, and `arguments[1]`, `value`).
async fn wait_element(app: &App, what: &str, css: &str, test: &str, value: &str) {
    app.wait_js_args(
        what,
        &format!("const e = document.querySelector(arguments[0]); return !!e && ({test});"),
        vec![json!(css), json!(value)],
    )
    .await;
}

/// Types `text` into the input matching `css` until it holds exactly that (keys can be dropped
/// while the field re-renders, as `App::fill` knows).
async fn type_exactly(app: &App, css: &str, text: &str) {
    for _ in 0..5 {
        let field = app.css(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
        if field.prop("value").await.unwrap().as_deref() == Some(text) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the field {css} did not keep {text:?}");
}

/// Waits until the editor's header counts `missing` texts of the entry without a `code` version
/// in that language (`completeness-<code>`'s `data-missing`); `what` says why.
async fn wait_missing(app: &App, code: &str, missing: usize, what: &str) {
    wait_element(app, what, &format!("[data-testid=\"completeness-{code}\"]"), "e.dataset.missing === arguments[1]", &missing.to_string())
        .await;
}

/// Waits until the Preview screen's `preview-locale-<profile>` label names `name`.
async fn wait_locale_label(app: &App, profile: &str, name: &str) {
    wait_element(
        app,
        &format!("{profile}'s preview to say they read {name}"),
        &format!("[data-testid=\"preview-locale-{profile}\"]"),
        "e.innerText.trim() === arguments[1]",
        name,
    )
    .await;
}

/// Waits until the preview frame of `profile` is a page in `lang` (`<html lang>`).
async fn wait_frame_lang(app: &App, profile: &str, lang: &str) {
    app.wait_js_args(
        &format!("{profile}'s preview to be a page in {lang}"),
        "const f = document.querySelector(`[data-testid=\"preview-frame-${arguments[0]}\"]`);\
         return !!(f && f.contentDocument && f.contentDocument.documentElement.lang === arguments[1]);",
        vec![json!(profile), json!(lang)],
    )
    .await;
}

#[tokio::test]
#[ignore = "drives the real window: run scripts/e2e"]
async fn a_marketer_translates_a_headline_beside_the_english_and_each_preview_keeps_its_visitor_s_language() {
    scenario_on("locales", demo_with_a_german_reader_outside_dach, |mut app| async move {
        app.click("nav-author").await;
        app.click("tree-entry-home-hero").await;
        app.css("[data-field=\"/headline\"]").await;
        // The live preview: the German reader of the baseline, and Lea, a Swiss VIP.
        app.click("live-count-2").await;
        app.select("live-profile-0", GERMAN_READER).await;
        app.select("live-profile-1", SWISS_VIP).await;
        app.wait_frame_element_reads(GERMAN_READER, HERO_HEADLINE, GERMAN).await;
        app.wait_frame_element_reads(SWISS_VIP, HERO_HEADLINE, VIP_GERMAN).await;

        // The German tab: only the texts, each beside its English original.
        app.click("locale-tab-de-DE").await;
        wait_element(
            &app,
            "the German tab to be chosen",
            "[data-testid=\"locale-tab-de-DE\"]",
            "e.getAttribute('aria-pressed') === 'true'",
            "",
        )
        .await;
        wait_element(&app, "the German headline in its input", GERMAN_HEADLINE, "e.value === arguments[1]", GERMAN).await;
        wait_element(
            &app,
            "the English headline beside it",
            "[data-row=\"/headline\"][data-locale=\"de-DE\"] [data-testid=\"locale-source\"]",
            "e.innerText.includes('English:') && e.innerText.includes(arguments[1])",
            ENGLISH,
        )
        .await;
        let links = app.js("return document.querySelectorAll('[data-locale=\"de-DE\"][data-field=\"/cta/href\"]').length", vec![]).await;
        assert_eq!(links, json!(0), "the button's link is not translated, so it is not on the German tab");
        wait_missing(&app, "de-DE", 0, "German to be complete").await;

        // Emptied, the headline shows what German readers get instead: the English text.
        app.css(GERMAN_HEADLINE).await.clear().await.unwrap();
        // Clearing through WebDriver need not fire `input`: tell the form as typing would.
        app.js(
            "const f = document.querySelector(arguments[0]); f.value = ''; f.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![json!(GERMAN_HEADLINE)],
        )
        .await;
        wait_element(
            &app,
            "the English fallback greyed in the empty German headline",
            GERMAN_HEADLINE,
            "e.value === '' && e.placeholder === arguments[1]",
            ENGLISH,
        )
        .await;
        wait_element(
            &app,
            "the note to say German readers get the English text",
            "[data-row=\"/headline\"][data-locale=\"de-DE\"] [data-testid=\"locale-note\"]",
            "e.innerText.includes('visitors in German (de-DE) read the English')",
            "",
        )
        .await;
        wait_missing(&app, "de-DE", 1, "German to miss one text").await;
        app.wait_frame_element_reads(GERMAN_READER, HERO_HEADLINE, ENGLISH).await;
        app.shot("german-headline-empty-reads-english").await;

        // A new German headline reaches the German reader's live preview as it is typed; Lea
        // keeps the VIP's own German headline.
        type_exactly(&app, GERMAN_HEADLINE, NEW_GERMAN).await;
        app.wait_frame_element_reads(GERMAN_READER, HERO_HEADLINE, NEW_GERMAN).await;
        app.wait_frame_element_reads(SWISS_VIP, HERO_HEADLINE, VIP_GERMAN).await;
        wait_missing(&app, "de-DE", 0, "German to be complete again").await;
        app.shot("german-headline-typed-live-preview").await;

        save(&app, "entries/home-hero.json", NEW_GERMAN).await;
        let text = std::fs::read_to_string(app.workspace.join("entries/home-hero.json")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["translations"]["de-DE"]["headline"], NEW_GERMAN);
        assert_eq!(doc["baseline"]["headline"], ENGLISH, "the English original is untouched");
        assert_eq!(doc["translations"]["de-DE"]["cta"]["label"], "Neuheiten entdecken", "the other German texts stay");
        assert_eq!(doc["translations"]["fr-FR"]["headline"], FRENCH, "the French texts stay");

        // Preview: three visitors side by side, each in their own language.
        app.click("nav-preview").await;
        app.select("preview-page", "home").await;
        for i in 0..3 {
            let exists =
                app.js("return !!document.querySelector(`[data-testid=\"preview-profile-${arguments[0]}\"]`)", vec![json!(i)]).await;
            if exists != json!(true) {
                app.click("preview-add-visitor").await;
                app.testid(&format!("preview-profile-{i}")).await;
            }
        }
        app.select("preview-profile-0", GERMAN_READER).await;
        app.select("preview-profile-1", FRENCH_READER).await;
        app.select("preview-profile-2", SWISS_VIP).await;
        app.wait_frame_element_reads(GERMAN_READER, HERO_HEADLINE, NEW_GERMAN).await;
        app.wait_frame_element_reads(FRENCH_READER, HERO_HEADLINE, FRENCH).await;
        app.wait_frame_element_reads(SWISS_VIP, HERO_HEADLINE, VIP_GERMAN).await;
        wait_frame_lang(&app, GERMAN_READER, "de").await;
        wait_frame_lang(&app, FRENCH_READER, "fr").await;
        wait_locale_label(&app, GERMAN_READER, "German").await;
        wait_locale_label(&app, FRENCH_READER, "French").await;
        wait_frame_lang(&app, SWISS_VIP, "de").await;
        wait_locale_label(&app, SWISS_VIP, "German (Switzerland)").await;
        app.shot("preview-each-in-their-own-language").await;
    })
    .await;
}

/// Double-clicks the home hero's headline in `profile`'s live preview (hit-tested from the
/// app's side, at the headline's centre: the frame runs no script).
async fn double_click_headline(app: &App, profile: &str) {
    app.js(
        "const f = document.querySelector(`[data-testid=\"preview-frame-${arguments[0]}\"]`);\
         const h = f.contentDocument.querySelector('[data-slot=\"hero\"] .hero-headline');\
         const r = h.getBoundingClientRect(), box = f.getBoundingClientRect();\
         const scale = box.width / f.offsetWidth;\
         const x = box.left + (r.left + r.width / 2) * scale, y = box.top + (r.top + r.height / 2) * scale;\
         f.parentElement.dispatchEvent(new MouseEvent('dblclick', {clientX: x, clientY: y, bubbles: true}));",
        vec![json!(profile)],
    )
    .await;
}

#[tokio::test]
#[ignore = "drives the real window: run scripts/e2e"]
async fn a_marketer_sees_what_french_lacks_types_german_onto_a_german_preview_and_sees_translations_go_stale() {
    const TYPED_GERMAN: &str = "Gemacht für jeden Gipfel";
    const NEW_ENGLISH: &str = "Built for every long way round";
    scenario_on("locales-corners", demo_with_a_german_reader_outside_dach, |mut app| async move {
        app.click("nav-author").await;
        // The tree marks the hero: the demo leaves one French text out on purpose.
        wait_element(
            &app,
            "the hero's tree entry to say French is not complete",
            "[data-testid=\"tree-untranslated-home-hero\"]",
            "e.innerText.includes('French')",
            "",
        )
        .await;
        app.click("tree-entry-home-hero").await;
        app.css("[data-field=\"/headline\"]").await;
        app.click("live-count-2").await;
        app.select("live-profile-0", GERMAN_READER).await;
        app.select("live-profile-1", FRENCH_READER).await;
        app.wait_frame_element_reads(GERMAN_READER, HERO_HEADLINE, GERMAN).await;
        app.shot("tree-marks-french-gaps").await;

        // Typed straight onto the German reader's preview, the words go to the German text.
        double_click_headline(&app, GERMAN_READER).await;
        let input = app.testid("in-place-editor").await;
        input.send_keys(TYPED_GERMAN).await.unwrap();
        app.wait_frame_element_reads(GERMAN_READER, HERO_HEADLINE, TYPED_GERMAN).await;
        app.wait_frame_element_reads(FRENCH_READER, HERO_HEADLINE, FRENCH).await;
        input.send_keys("\u{E007}").await.unwrap(); // Enter: done
        app.wait_js("the in-place editor to close", "return !document.querySelector('[data-testid=\"in-place-editor\"]');").await;
        save(&app, "entries/home-hero.json", TYPED_GERMAN).await;
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(app.workspace.join("entries/home-hero.json")).unwrap()).unwrap();
        assert_eq!(doc["translations"]["de-DE"]["headline"], TYPED_GERMAN);
        assert_eq!(doc["baseline"]["headline"], ENGLISH, "the English original is untouched");

        // The English is rewritten: the French (and the German) were made from the old one.
        app.type_into_field("/headline", NEW_ENGLISH).await;
        save(&app, "entries/home-hero.json", NEW_ENGLISH).await;
        app.click("locale-tab-fr-FR").await;
        wait_element(
            &app,
            "the French headline to be marked as made from the old English",
            "[data-testid=\"stale-text\"][data-pointer=\"/translations/fr-FR/headline\"]",
            "e.innerText.includes(arguments[1])",
            ENGLISH,
        )
        .await;
        app.shot("french-headline-stale").await;
        // Rewritten, the French is current again.
        type_exactly(&app, "[data-field=\"/headline\"][data-locale=\"fr-FR\"]", "Taillé pour chaque longue échappée").await;
        app.wait_js(
            "the stale mark to go once the French is rewritten",
            "return !document.querySelector('[data-testid=\"stale-text\"][data-pointer=\"/translations/fr-FR/headline\"]');",
        )
        .await;
        save(&app, "entries/home-hero.json", "Taillé pour chaque longue échappée").await;

        // The one French gap: the winter sports headline. Translated and saved, the tree's
        // badge goes.
        app.click("variant-winter-fan").await;
        let winter_french = "[data-field=\"/headline\"][data-locale=\"fr-FR\"]";
        app.css(winter_french).await;
        type_exactly(&app, winter_french, "Place à la neige : tout pour l’hiver").await;
        save(&app, "entries/home-hero.json", "Place à la neige").await;
        app.wait_js(
            "the hero's tree badge to go once French is complete",
            "return !document.querySelector('[data-testid=\"tree-untranslated-home-hero\"]');",
        )
        .await;
        app.shot("french-complete-badge-gone").await;
    })
    .await;
}
