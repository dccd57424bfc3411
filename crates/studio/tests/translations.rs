//! What the app's editor is told about translations, on a private copy of the demo with its real
//! SQLite store: which entries leave readers of a language short, and which translations were
//! written for an original text that has since changed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use serde_json::json;
use vantage_studio::Session;
use vantage_test_support::demo_copy;

const HERO: &str = "entries/home-hero.json";

fn gaps(session: &Session, entry: &str) -> Vec<(String, u32)> {
    let view = session.view().unwrap();
    let node = view.pages.iter().flat_map(|p| &p.slots).find(|s| s.entry.id == entry).unwrap();
    node.entry.untranslated.iter().map(|g| (g.locale.clone(), g.texts)).collect()
}

#[test]
fn the_tree_names_the_entries_whose_readers_get_another_language_and_how_many_texts() {
    let (_tmp, dir) = demo_copy();
    let session = Session::open(&dir, true).unwrap();
    // The demo leaves the winter-fan headline without French on purpose.
    assert_eq!(gaps(&session, "home-hero"), vec![("fr-FR".to_owned(), 1)]);
    assert!(gaps(&session, "home-story").is_empty(), "a fully translated entry has no badge");
}

#[test]
fn a_translation_written_before_its_english_text_changed_is_marked_stale_with_the_old_text() {
    let (_tmp, dir) = demo_copy();
    let mut session = Session::open(&dir, true).unwrap();
    assert!(session.read_document(HERO).unwrap().stale.is_empty(), "an imported workspace starts current");

    let doc = session.read_document(HERO).unwrap();
    let before = doc.content.0["personalizations"][0]["patch"]["headline"].clone();
    let mut edited = doc.content.0.clone();
    edited["personalizations"][0]["patch"]["headline"] = json!("Welcome back: your early access is open");
    session.save_document(HERO, &edited, doc.revision.map(i64::from), false).unwrap();

    let stale = session.read_document(HERO).unwrap().stale;
    let pointers: Vec<&str> = stale.iter().map(|s| s.pointer.as_str()).collect();
    assert_eq!(pointers, ["/personalizations/0/translations/de-DE/headline", "/personalizations/0/translations/fr-FR/headline"]);
    assert!(stale.iter().all(|s| s.original_then.0 == before), "each names the English it was translated from");

    // The German is rewritten: only the French stays stale.
    let doc = session.read_document(HERO).unwrap();
    let mut translated = doc.content.0.clone();
    translated["personalizations"][0]["translations"]["de-DE"]["headline"] = json!("Willkommen zurück: Ihr Vorabzugang ist offen");
    session.save_document(HERO, &translated, doc.revision.map(i64::from), false).unwrap();
    let stale = session.read_document(HERO).unwrap().stale;
    assert_eq!(stale.iter().map(|s| s.locale.as_str()).collect::<Vec<_>>(), ["fr-FR"]);
}

#[test]
fn a_save_that_fills_the_last_french_gap_tells_the_tree_the_entry_is_complete() {
    let (_tmp, dir) = demo_copy();
    let mut session = Session::open(&dir, true).unwrap();
    let doc = session.read_document(HERO).unwrap();
    let mut filled = doc.content.0.clone();
    let winter = filled["personalizations"].as_array_mut().unwrap().iter_mut().find(|p| p["id"] == "winter-fan").unwrap();
    winter["translations"]["fr-FR"]["headline"] = json!("Place à la neige");
    let (saved, _) = session.save_document(HERO, &filled, doc.revision.map(i64::from), false).unwrap();
    let hero = saved.untranslated.iter().find(|g| g.entry == "home-hero").expect("the saved entry's gaps are reported");
    assert!(hero.gaps.is_empty(), "French is complete now: {:?}", hero.gaps.iter().map(|g| &g.locale).collect::<Vec<_>>());
    assert!(gaps(&session, "home-hero").is_empty(), "and the session agrees");
}

#[test]
fn an_experiment_arms_translations_go_stale_when_the_arms_own_english_text_is_rewritten() {
    let (_tmp, dir) = demo_copy();
    let mut session = Session::open(&dir, true).unwrap();
    const EXPERIMENTS: &str = "experiments.json";
    let doc = session.read_document(EXPERIMENTS).unwrap();
    assert!(doc.stale.is_empty(), "an imported workspace starts current");
    let mut edited = doc.content.0.clone();
    edited["experiments"][0]["arms"][1]["patch"]["headline"] = json!("Go further than the map");
    session.save_document(EXPERIMENTS, &edited, doc.revision.map(i64::from), false).unwrap();
    let stale = session.read_document(EXPERIMENTS).unwrap().stale;
    let pointers: Vec<&str> = stale.iter().map(|s| s.pointer.as_str()).collect();
    assert_eq!(pointers, ["/experiments/0/arms/1/translations/de-DE/headline", "/experiments/0/arms/1/translations/fr-FR/headline"]);
    assert_eq!(stale[0].original_then.0, doc.content.0["experiments"][0]["arms"][1]["patch"]["headline"]);
}
