//! The templates' own words ("Sold out", "Only 3 left", a price, the label of the e-mail field)
//! are written in the visitor's language like the content around them: `messages` in
//! `vantage.json` and each `component.json`, taken along the locale's chain, linted per gap.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use serde_json::{json, Map, Value};
use vantage_engine::bundle::{source_hash, Bundle, Diagnostic, Severity};
use vantage_engine::load::{load, SourceFiles};
use vantage_engine::static_tier::{export, PageRoutes};
use vantage_engine::visit::{Render, VisitRequest, Visitor};
use vantage_test_support::edit_json;

const AT: &str = "2026-11-20T12:00:00Z";

fn compile(files: &SourceFiles) -> Bundle {
    Bundle::compile(load(files).unwrap(), source_hash(files))
}

/// `page` as `profile` sees it in `locale`: its whole HTML.
fn page_in(bundle: &Bundle, page: &str, profile: &str, locale: &str) -> String {
    let overrides: Map<String, Value> = [("request.locale".to_owned(), json!(locale))].into_iter().collect();
    let request = VisitRequest {
        moment: Some(AT),
        render: Render::Page,
        overrides: Some(&overrides),
        ..VisitRequest::page(page, Visitor::Profile(profile), AT)
    };
    bundle.visit(&request).unwrap().html.unwrap()
}

/// The words the demo's templates wrote in English before they had messages.
const ENGLISH_TEMPLATE_WORDS: &[&str] = &[
    "Only ",
    "Sold out",
    "E-mail address",
    "Contact us",
    "See the offer",
    "Regular fit",
    "Slim fit",
    "no longer in our range",
    "€1",
    "€2",
];

#[test]
fn a_german_or_french_page_has_no_english_words_from_a_template() {
    let files = vantage_test_support::demo_files();
    let bundle = compile(&files);
    let mut seen = 0;
    for page in bundle.workspace.pages.keys() {
        for profile in bundle.workspace.profiles.keys() {
            for locale in ["de-DE", "fr-FR"] {
                let html = page_in(&bundle, page, profile, locale);
                for english in ENGLISH_TEMPLATE_WORDS {
                    assert!(!html.contains(english), "`{page}` for `{profile}` in {locale} writes the English {english:?}");
                }
                seen += html.matches("\u{a0}€").count();
            }
        }
    }
    assert!(seen > 0, "prices are written the German and French way (239,00 €)");
    let tiles = page_in(&bundle, "product-detail", "low-stock-shopper", "de-DE");
    assert!(tiles.contains("Nur noch 3 Stück"), "the stock count fills the German sentence");
    assert!(tiles.contains("239,00\u{a0}€"));
    let english = page_in(&bundle, "product-detail", "low-stock-shopper", "en-GB");
    assert!(english.contains("Only 3 left") && english.contains("€239.00"), "English pages read as before");
}

/// The demo with the footer's "Contact us" in English, German and Swiss German only.
fn contact_in_three_locales() -> SourceFiles {
    let mut files = vantage_test_support::demo_files();
    edit_json(&mut files, "components/footer-notice/component.json", |c| {
        c["messages"]["contact_us"] = json!({"en-GB": "Contact us", "de-DE": "Kontakt", "de-CH": "Kontaktieren Sie uns"});
    });
    files
}

fn footer_link(html: &str) -> &str {
    let notice = &html[html.find("class=\"footer-notice").unwrap()..];
    let link = &notice[notice.find("<a ").unwrap()..];
    &link[link.find('>').unwrap() + 1..link.find("</a>").unwrap()]
}

#[test]
fn each_template_word_follows_its_locales_chain_and_lint_names_the_gap_in_another_language() {
    let bundle = compile(&contact_in_three_locales());
    let link = |locale| footer_link(&page_in(&bundle, "home", "first-time-mobile", locale)).to_owned();
    assert_eq!(link("de-CH"), "Kontaktieren Sie uns", "its own word");
    assert_eq!(link("de-AT"), "Kontakt", "de-AT falls back to de-DE");
    assert_eq!(link("fr-FR"), "Contact us", "French falls back to English");
    let findings = vantage_engine::lint::lint(&bundle, AT);
    let gaps: Vec<&Diagnostic> = findings.iter().filter(|d| d.pointer.starts_with("/messages/contact_us")).collect();
    assert_eq!(gaps.len(), 1, "only the French gap: de-AT reads German {gaps:#?}");
    assert_eq!((gaps[0].severity, gaps[0].code.as_str()), (Severity::Warning, "missing_translation"));
    assert_eq!(gaps[0].file, "components/footer-notice/component.json");
    assert_eq!(gaps[0].pointer, "/messages/contact_us/fr-FR");
    assert!(gaps[0].message.contains("French (fr-FR)") && gaps[0].message.contains("read the English one"), "{}", gaps[0].message);
}

#[test]
fn a_components_own_word_overrides_the_shared_one_of_the_same_key() {
    let mut files = vantage_test_support::demo_files();
    edit_json(&mut files, "components/urgency-badge/component.json", |c| {
        c["messages"] = json!({"only_left": {"en-GB": "{n} to go", "de-DE": "Noch {n} da", "fr-FR": "Encore {n}"}});
    });
    let bundle = compile(&files);
    let page = page_in(&bundle, "product-detail", "low-stock-shopper", "de-DE");
    assert!(page.contains("<span class=\"badge-stock\">Noch 3 da</span>"), "the badge's own word");
    assert!(page.contains("Jacken") || page.contains("Funktionswäsche") || page.contains("Fleecejacken"), "shared words stay");
}

#[test]
fn lint_refuses_a_word_nobody_defined_a_word_without_the_default_text_and_an_undeclared_locale() {
    let mut files = vantage_test_support::demo_files();
    files.insert(
        "components/newsletter/template.html".into(),
        files["components/newsletter/template.html"].replace("messages.email_label", "messages.email_lable"),
    );
    edit_json(&mut files, "vantage.json", |s| {
        s["messages"]["sold_out"] = json!({"de-DE": "Ausverkauft", "xx-YY": "?"});
    });
    let findings = vantage_engine::lint::lint(&compile(&files), AT);
    let error = |file: &str, pointer: &str| {
        findings.iter().find(|d| d.file == file && d.pointer == pointer && d.code == "message" && d.severity == Severity::Error)
    };
    let typo = error("components/newsletter/template.html", "").expect("the misspelt key is named");
    assert!(typo.message.contains("`messages.email_lable`"), "{}", typo.message);
    assert!(error("vantage.json", "/messages/sold_out/en-GB").is_some(), "the default's text is required");
    assert!(error("vantage.json", "/messages/sold_out/xx-YY").is_some(), "an undeclared locale");
}

#[test]
fn words_per_locale_in_a_workspace_without_locales_are_an_error_and_the_page_still_renders() {
    let mut files = vantage_test_support::demo_files();
    edit_json(&mut files, "vantage.json", |s| {
        s.as_object_mut().unwrap().remove("locales");
    });
    let bundle = compile(&files);
    let findings = vantage_engine::lint::lint(&bundle, AT);
    assert!(findings.iter().any(|d| d.file == "vantage.json" && d.pointer == "/messages" && d.code == "message"));
    let overrides = Map::new();
    let request = VisitRequest {
        moment: Some(AT),
        render: Render::Page,
        overrides: Some(&overrides),
        ..VisitRequest::page("product-detail", Visitor::Profile("low-stock-shopper"), AT)
    };
    let html = bundle.visit(&request).unwrap().html.unwrap();
    assert!(html.contains("badge-stock"), "a word is still written");
}

#[test]
fn a_locale_whose_template_words_differ_gets_its_own_static_file() {
    let mut files = contact_in_three_locales();
    edit_json(&mut files, "components/footer-notice/component.json", |c| {
        c["messages"]["contact_us"]["de-AT"] = json!("Kontaktieren Sie uns bitte");
    });
    let exported = export(&compile(&files), AT).unwrap();
    let PageRoutes::Static(home) = &exported.manifest.pages["home"] else { panic!("home is static") };
    let locale = home.dimensions.iter().find(|d| d.attribute == "request.locale").unwrap();
    assert_eq!(locale.same_as.get("de-AT"), None, "de-AT's footer differs from de-DE's: it cannot share its file");
    assert!(exported.files.values().any(|html| html.contains(">Kontaktieren Sie uns bitte</a>")));
}
