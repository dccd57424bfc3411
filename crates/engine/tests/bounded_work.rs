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
    let matrix = vantage_engine::matrix::matrix(&bundle, Some(AT), AT, None).unwrap();
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

/// An entry with `n` personalizations: the demo's own, repeated with new ids (so most are
/// shadowed by an identical earlier condition), each with a small patch.
fn entry_with_variants(n: usize) -> vantage_engine::load::SourceFiles {
    let mut files = vantage_test_support::demo_files();
    let mut hero: Value = serde_json::from_str(&files["entries/home-hero.json"]).unwrap();
    let own = hero["personalizations"].as_array().unwrap().clone();
    let many: Vec<Value> = (0..n)
        .map(|i| {
            let mut p = own[i % own.len()].clone();
            p["id"] = json!(format!("variant-{i:06}"));
            p["name"] = json!(format!("Variant {i}"));
            p["patch"] = json!({"headline": format!("Headline {i}")});
            p
        })
        .collect();
    hero["personalizations"] = json!(many);
    files.insert("entries/home-hero.json".into(), hero.to_string());
    files
}

#[test]
fn lint_preview_matrix_and_impact_of_an_entry_with_150_000_variants_stay_linear() {
    // This used to grow quadratically (a priority matrix of variants by variants, and every
    // pair compared): 150,000 variants were killed after 20 s at 8.7 GB.
    let n = 150_000;
    let files = entry_with_variants(n);
    let bundle = Bundle::compile(load(&files).unwrap(), String::new());
    let findings = vantage_engine::lint::lint(&bundle, AT);
    let shadowed = findings.iter().filter(|f| f.code == "shadowed" && f.file == "entries/home-hero.json").count();
    let own = bundle.workspace.entries["home-hero"]
        .personalizations
        .iter()
        .map(|p| vantage_engine::condition::print(&p.condition))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert!(shadowed >= n - own, "every repeat of an earlier condition is named: {shadowed}");
    let sampled = findings.iter().find(|f| f.code == "reachability_sampled").expect("the sample size is said");
    assert!(sampled.message.contains("personalizations"), "{}", sampled.message);
    // Decisions index personalizations in 16 bits: past the limit they are an error naming the
    // entry, never a wrong variant served.
    let limit = findings.iter().find(|f| f.code == "too_many_personalizations").expect("the limit is named");
    assert!(limit.file == "entries/home-hero.json" && limit.message.contains("150000"), "{limit:?}");
    // Previewing, the coverage matrix and a review's impact stay linear too.
    let visit = bundle.visit(&VisitRequest::page("home", Visitor::Profile("vip-anna"), AT)).unwrap();
    assert!(visit.html.unwrap().contains("data-slot=\"hero\""));
    assert_eq!(vantage_engine::matrix::matrix(&bundle, Some(AT), AT, None).unwrap().len(), bundle.workspace.pages.len());
    let before = Bundle::compile(load(&entry_with_variants(n - 1)).unwrap(), String::new());
    let impact = vantage_engine::impact::impact(&before, &bundle);
    assert!(!format!("{impact:?}").is_empty());
}
