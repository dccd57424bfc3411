//! A link that would run script (`javascript:`, hidden with a tab as browsers forgive, or
//! `vbscript:`, `data:text/html`) never reaches a page: it is drawn inert in every visit and
//! lint names it as an error, with its file and field.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use serde_json::Value;
use vantage_engine::bundle::{source_hash, Bundle};
use vantage_engine::load::load;
use vantage_engine::visit::{VisitRequest, Visitor};

const AT: &str = "2026-11-20T12:00:00Z";

fn demo_with_vip_cta(href: &str) -> Bundle {
    let mut files = vantage_test_support::demo_files();
    let mut hero: Value = serde_json::from_str(&files["entries/home-hero.json"]).unwrap();
    hero["personalizations"][0]["patch"]["cta"] = serde_json::json!({"label": "Claim it", "href": href});
    // The VIP's own German button text would replace "Claim it" for vip-anna (de-DE).
    hero["personalizations"][0]["translations"].as_object_mut().unwrap().values_mut().for_each(|t| {
        t.as_object_mut().unwrap().remove("cta");
    });
    files.insert("entries/home-hero.json".into(), serde_json::to_string_pretty(&hero).unwrap());
    let hash = source_hash(&files);
    Bundle::compile(load(&files).unwrap(), hash)
}

#[test]
fn a_script_link_is_drawn_inert_and_is_a_lint_error() {
    for href in ["javascript:alert(1)", "java\tscript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>"] {
        let bundle = demo_with_vip_cta(href);
        let visit = bundle.visit(&VisitRequest::page("home", Visitor::Profile("vip-anna"), AT)).unwrap();
        let html = visit.html.unwrap();
        assert!(html.contains("Claim it"), "the VIP sees the variant");
        assert!(!html.contains("script:") && !html.contains("data:text"), "{href:?} reached the page");
        assert!(html.contains("href=\"#\""), "the link is inert");
        let findings = vantage_engine::lint::lint(&bundle, AT);
        let unsafe_link = findings.iter().find(|f| f.code == "unsafe_url").expect("lint names the unsafe link");
        assert_eq!(unsafe_link.file, "entries/home-hero.json");
        assert!(unsafe_link.pointer.ends_with("/cta/href"), "{}", unsafe_link.pointer);
    }
}

#[test]
fn a_script_link_smuggled_in_through_a_translation_never_reaches_a_page_and_is_a_lint_error() {
    let mut files = vantage_test_support::demo_files();
    let mut sidebar: Value = serde_json::from_str(&files["entries/home-sidebar.json"]).unwrap();
    sidebar["translations"]["de-DE"]["links"][0]["href"] = serde_json::json!("javascript:alert(1)");
    files.insert("entries/home-sidebar.json".into(), serde_json::to_string_pretty(&sidebar).unwrap());
    let bundle = Bundle::compile(load(&files).unwrap(), source_hash(&files));
    let german: serde_json::Map<String, Value> =
        [("request.locale".to_owned(), serde_json::json!("de-DE")), ("consents".to_owned(), serde_json::json!([]))].into_iter().collect();
    let visit = bundle.visit(&VisitRequest::page("home", Visitor::Context(&german), AT)).unwrap();
    assert_eq!(visit.composed.locale.as_deref(), Some("de-DE"));
    let html = visit.html.unwrap();
    assert!(html.contains("Mit Fachleuten chatten"), "the German link text is shown");
    assert!(!html.contains("javascript:"), "a translation only carries texts: the link stays the content's");
    let findings = vantage_engine::lint::lint(&bundle, AT);
    let refused = findings.iter().find(|f| f.code == "translation" && f.file == "entries/home-sidebar.json").expect("lint names it");
    assert_eq!(refused.pointer, "/translations/de-DE/links/0/href");
}

#[test]
fn web_links_are_drawn_as_written() {
    let bundle = demo_with_vip_cta("https://northwind.example/vip");
    let visit = bundle.visit(&VisitRequest::page("home", Visitor::Profile("vip-anna"), AT)).unwrap();
    let hero = visit.composed.slots.iter().find(|s| s.slot == "hero").unwrap();
    assert_eq!(hero.content["cta"]["href"], "https://northwind.example/vip");
    assert!(visit.html.unwrap().contains("northwind.example"));
    assert!(!vantage_engine::lint::lint(&bundle, AT).iter().any(|f| f.code == "unsafe_url"));
}

#[test]
fn a_template_that_writes_content_unescaped_is_a_lint_error_naming_the_line() {
    let mut files = vantage_test_support::demo_files();
    let template = "components/hero/template.html";
    let text = format!("{}\n<p>{{{{ content.headline | safe }}}}</p>\n", files[template]);
    let line = text.lines().count();
    files.insert(template.into(), text);
    let bundle = Bundle::compile(load(&files).unwrap(), String::new());
    let findings = vantage_engine::lint::lint(&bundle, AT);
    let found = findings.iter().find(|f| f.code == "unescaped_output").expect("the |safe is found");
    assert_eq!(found.file, template);
    assert!(found.message.starts_with(&format!("line {line}:")), "{}", found.message);
    assert!(
        !vantage_engine::lint::lint(&demo_with_vip_cta("/ok"), AT).iter().any(|f| f.code == "unescaped_output"),
        "the demo's templates escape"
    );
}
