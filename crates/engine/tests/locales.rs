//! Content per locale: a visitor's `request.locale` picks the texts, each missing text falls back
//! along its locale's chain, decisions never change with the language, and lint names every gap.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use serde_json::{json, Map, Value};
use vantage_engine::bundle::{source_hash, Bundle, Severity};
use vantage_engine::load::{load, SourceFiles};
use vantage_engine::visit::{Render, Visit, VisitRequest, Visitor};
use vantage_test_support::edit_json;

const AT: &str = "2026-11-20T12:00:00Z";

fn compile(files: &SourceFiles) -> Bundle {
    Bundle::compile(load(files).unwrap(), source_hash(files))
}

/// The demo with known locales and known hero texts: de-CH -> de-DE -> en-GB, fr-FR -> en-GB,
/// it-IT with no chain; the baseline in de-DE and de-CH (headline only), the VIP variant in de-DE.
fn shop() -> SourceFiles {
    let mut files = vantage_test_support::demo_files();
    edit_json(&mut files, "vantage.json", |s| {
        s["locales"] = json!([
            {"code": "en-GB", "name": "English"},
            {"code": "de-DE", "name": "German", "fallback": ["en-GB"]},
            {"code": "de-CH", "name": "German (Switzerland)", "fallback": ["de-DE", "en-GB"]},
            {"code": "fr-FR", "name": "French", "fallback": ["en-GB"]},
            {"code": "it-IT", "name": "Italian"}
        ]);
    });
    edit_json(&mut files, "components/hero/component.json", |c| {
        c["schema"]["properties"]["headline"]["x-localized"] = json!(true);
        c["schema"]["properties"]["subline"]["x-localized"] = json!(true);
        c["schema"]["properties"]["cta"]["properties"]["label"]["x-localized"] = json!(true);
    });
    edit_json(&mut files, "entries/home-hero.json", |e| {
        e["translations"] = json!({
            "de-DE": {"headline": "Gemacht für den langen Weg", "subline": "Wasserdichte Jacken.", "cta": {"label": "Neuheiten ansehen"}},
            "de-CH": {"headline": "Gemacht für den langen Weg, grüezi"},
            "fr-FR": {"headline": "Conçu pour le long chemin", "subline": "Des vestes étanches.", "cta": {"label": "Voir les nouveautés"}},
            "it-IT": {"headline": "Fatto per la strada lunga", "subline": "Giacche impermeabili.", "cta": {"label": "Scopri le novità"}}
        });
        let vip = &mut e["personalizations"][0];
        assert_eq!(vip["id"], "vip-welcome");
        vip["translations"] = json!({"de-DE": {"headline": "Willkommen zurück", "cta": {"label": "Zur Vorschau"}}});
        for p in e["personalizations"].as_array_mut().unwrap().iter_mut().skip(1) {
            p.as_object_mut().unwrap().remove("translations");
        }
    });
    files
}

fn visit(bundle: &Bundle, profile: &str, locale: Option<&str>) -> Visit {
    let overrides: Option<Map<String, Value>> = locale.map(|l| [("request.locale".to_owned(), json!(l))].into_iter().collect());
    let request = VisitRequest {
        moment: Some(AT),
        render: Render::Page,
        overrides: overrides.as_ref(),
        ..VisitRequest::page("home", Visitor::Profile(profile), AT)
    };
    bundle.visit(&request).unwrap()
}

/// A visitor who only says their language (no rule matches them: they see the baseline).
fn stranger(bundle: &Bundle, locale: &str) -> Visit {
    let flat: Map<String, Value> = [("request.locale".to_owned(), json!(locale)), ("consents".to_owned(), json!([]))].into_iter().collect();
    let request = VisitRequest { moment: Some(AT), render: Render::Nothing, ..VisitRequest::page("home", Visitor::Context(&flat), AT) };
    bundle.visit(&request).unwrap()
}

fn hero(visit: &Visit) -> &Value {
    &visit.composed.slots.iter().find(|s| s.slot == "hero").unwrap().content
}

#[test]
fn a_visitors_locale_picks_the_texts_and_never_the_variant() {
    let bundle = compile(&shop());
    let english = visit(&bundle, "first-time-mobile", Some("en-GB"));
    let german = visit(&bundle, "first-time-mobile", Some("de-DE"));
    assert_eq!(english.decisions, german.decisions, "the language changes no decision");
    assert_eq!(german.composed.locale.as_deref(), Some("de-DE"));
    assert!(german.html.as_deref().unwrap().contains("<html lang=\"de\">"), "screen readers get the page's language");
    let (en, de) = (hero(&english), hero(&german));
    assert_eq!(en["tone"], de["tone"], "a field that is not localized is the same in every locale");
    if english.composed.slots.iter().any(|s| s.slot == "hero" && s.variant == "baseline") {
        assert_eq!(de["headline"], "Gemacht für den langen Weg");
    }
}

#[test]
fn each_fallback_case_gives_the_text_its_chain_promises() {
    let bundle = compile(&shop());
    let headline = |locale: &str| {
        let v = stranger(&bundle, locale);
        assert_eq!(v.composed.slots.iter().find(|s| s.slot == "hero").unwrap().variant, "baseline");
        (v.composed.locale.clone().unwrap(), hero(&v)["headline"].as_str().unwrap().to_owned(), hero(&v)["cta"]["label"].clone())
    };
    assert_eq!(
        headline("de-CH"),
        ("de-CH".into(), "Gemacht für den langen Weg, grüezi".into(), json!("Neuheiten ansehen")),
        "own text, then de-DE's"
    );
    assert_eq!(headline("de-AT").0, "de-DE", "an undeclared tag reads the first locale of its language");
    assert_eq!(headline("de-AT").1, "Gemacht für den langen Weg");
    assert_eq!(headline("fr-FR").1, "Conçu pour le long chemin");
    assert_eq!(
        headline("nl-NL"),
        ("en-GB".into(), "Built for the long way round".into(), json!("Shop new arrivals")),
        "another language: the default"
    );
    assert_eq!(headline("it-IT").1, "Fatto per la strada lunga", "a locale without a chain still has its own texts");
}

#[test]
fn a_variant_without_its_own_translation_keeps_its_message_in_the_default_language() {
    let bundle = compile(&shop());
    let vip = visit(&bundle, "vip-anna", Some("fr-FR"));
    let slot = vip.composed.slots.iter().find(|s| s.slot == "hero").unwrap();
    assert_eq!(slot.variant, "vip-welcome");
    assert_eq!(slot.content["headline"], "Welcome back. Your early access has started", "never the baseline's French headline");
    let german = visit(&bundle, "vip-anna", Some("de-DE"));
    assert_eq!(hero(&german)["headline"], "Willkommen zurück");
    assert_eq!(hero(&german)["cta"]["label"], "Zur Vorschau");
}

#[test]
fn lint_warns_per_missing_text_errs_where_no_fallback_has_it_and_refuses_what_cannot_be_translated() {
    let mut files = shop();
    edit_json(&mut files, "entries/home-hero.json", |e| {
        e["translations"]["it-IT"].as_object_mut().unwrap().remove("subline");
        e["translations"]["xx-YY"] = json!({"headline": "?"});
        e["translations"]["de-DE"]["tone"] = json!("night");
    });
    let findings = vantage_engine::lint::lint(&compile(&files), AT);
    let about = |code: &str, pointer: &str| {
        findings.iter().filter(|d| d.file == "entries/home-hero.json" && d.code == code && d.pointer == pointer).collect::<Vec<_>>()
    };
    let vip_fr = about("missing_translation", "/personalizations/0/translations/fr-FR/headline");
    assert_eq!(vip_fr.len(), 1, "{findings:#?}");
    assert_eq!(vip_fr[0].severity, Severity::Warning);
    assert!(vip_fr[0].message.contains("no French (fr-FR) headline") && vip_fr[0].message.contains("English"), "{}", vip_fr[0].message);
    let italian = about("no_fallback", "/translations/it-IT/subline");
    assert_eq!(italian.len(), 1, "{findings:#?}");
    assert_eq!(italian[0].severity, Severity::Error);
    assert!(about("missing_translation", "/translations/de-CH/subline").is_empty(), "de-CH reading de-DE is the chain at work");
    assert_eq!(about("translation", "/translations/xx-YY").len(), 1, "a locale the workspace does not declare");
    assert_eq!(about("translation", "/translations/de-DE/tone").len(), 1, "a field the schema does not localize");
    assert!(
        !findings.iter().any(|d| d.code == "missing_translation"
            && d.pointer.starts_with("/personalizations/1/translations")
            && d.file == "entries/home-hero.json"
            && d.pointer.ends_with("/tone")),
        "only localized fields are counted"
    );
}

#[test]
fn a_declared_chain_naming_an_unknown_locale_or_the_default_with_a_chain_is_an_error() {
    let mut files = shop();
    edit_json(&mut files, "vantage.json", |s| {
        s["locales"][0]["fallback"] = json!(["de-DE"]);
        s["locales"][3]["fallback"] = json!(["fr-CA"]);
    });
    let findings = vantage_engine::lint::lint(&compile(&files), AT);
    let on = |pointer: &str| {
        findings.iter().any(|d| d.file == "vantage.json" && d.code == "locale" && d.pointer == pointer && d.severity == Severity::Error)
    };
    assert!(on("/locales/0/fallback"), "{findings:#?}");
    assert!(on("/locales/3/fallback/0"), "{findings:#?}");
}

#[test]
fn an_edited_translation_is_what_the_quick_entry_edit_and_a_full_compile_both_show() {
    let before = compile(&shop());
    let mut files = shop();
    edit_json(&mut files, "entries/home-hero.json", |e| e["translations"]["de-DE"]["headline"] = json!("Für jeden Weg gemacht"));
    let workspace = load(&files).unwrap();
    assert!(before.only_entry_content_changed(&workspace, "home-hero"));
    let quick = before.with_entry_content(workspace, source_hash(&files), "home-hero");
    assert_eq!(quick.contents, compile(&files).contents);
    assert_eq!(hero(&stranger(&quick, "de-CH"))["subline"], "Wasserdichte Jacken.");
    assert_eq!(hero(&stranger(&quick, "de-DE"))["headline"], "Für jeden Weg gemacht");
}
