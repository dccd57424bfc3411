//! A workspace whose audiences chain 10,000 deep (each referring to the next) is linted,
//! previewed and put in the coverage matrix with a clear error about the chain, never a stack
//! overflow.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use serde_json::{json, Value};
use vantage_engine::bundle::{source_hash, Bundle};
use vantage_engine::load::load;
use vantage_engine::visit::{VisitRequest, Visitor};

const AT: &str = "2026-11-20T12:00:00Z";

#[test]
fn ten_thousand_chained_audiences_are_linted_previewed_and_matrixed_with_a_clear_error() {
    let mut files = vantage_test_support::demo_files();
    let mut audiences: Value = serde_json::from_str(&files["audiences.json"]).unwrap();
    for i in 0..10_000 {
        let condition = if i == 9_999 { json!({"audience": "vip"}) } else { json!({"audience": format!("chain-{:05}", i + 1)}) };
        audiences["audiences"][format!("chain-{i:05}")] = json!({"name": format!("Link {i}"), "condition": condition});
    }
    files.insert("audiences.json".into(), audiences.to_string());
    let mut hero: Value = serde_json::from_str(&files["entries/home-hero.json"]).unwrap();
    hero["personalizations"][0]["condition"] = json!({"audience": "chain-00000"});
    files.insert("entries/home-hero.json".into(), hero.to_string());

    let hash = source_hash(&files);
    let bundle = Bundle::compile(load(&files).unwrap(), hash);
    let findings = vantage_engine::lint::lint(&bundle, AT);
    assert!(findings.iter().any(|f| f.code == "audience_too_deep" && f.file == "entries/home-hero.json"), "the chain is named");
    let visit = bundle.visit(&VisitRequest { trace: true, ..VisitRequest::page("home", Visitor::Profile("vip-anna"), AT) }).unwrap();
    assert!(visit.html.unwrap().contains("data-slot=\"hero\""), "the page is still drawn");
    let matrix = vantage_engine::matrix::matrix(&bundle, Some(AT), AT).unwrap();
    assert_eq!(matrix.len(), bundle.workspace.pages.len());
}

#[test]
fn a_huge_value_is_never_echoed_back_whole_in_an_error() {
    let huge = "x".repeat(5 * 1024 * 1024);
    // A schema violation in content (the hero's headline has a maximum length) ...
    let mut files = vantage_test_support::demo_files();
    let mut hero: Value = serde_json::from_str(&files["entries/home-hero.json"]).unwrap();
    hero["baseline"]["headline"] = json!(huge);
    files.insert("entries/home-hero.json".into(), hero.to_string());
    let bundle = Bundle::compile(load(&files).unwrap(), String::new());
    let findings = vantage_engine::lint::lint(&bundle, AT);
    let schema = findings.iter().find(|f| f.code == "schema" && f.file == "entries/home-hero.json").expect("the long headline is reported");
    assert!(schema.message.len() < 2_000, "a {} byte message", schema.message.len());
    // ... and a file that does not fit its format.
    let mut files = vantage_test_support::demo_files();
    let mut settings: Value = serde_json::from_str(&files["vantage.json"]).unwrap();
    settings["name"] = json!([huge]);
    files.insert("vantage.json".into(), settings.to_string());
    let errors = load(&files).unwrap_err();
    assert!(errors.0.iter().all(|e| e.message.len() < 2_000), "a {} byte message", errors.0[0].message.len());
    assert!(errors.0.iter().any(|e| e.file == "vantage.json"));
}
