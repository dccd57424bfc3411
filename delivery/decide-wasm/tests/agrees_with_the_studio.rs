//! The decide-only module, given the demo workspace's rules, picks for every page and profile
//! exactly the variants the studio's preview shows.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use serde_json::Value;
use vantage_decide_wasm::Decider;
use vantage_engine::bundle::{rules_of, Bundle};
use vantage_engine::compose::profile_context;
use vantage_engine::load::load;
use vantage_engine::visit::{Render, VisitRequest, Visitor};

const AT: &str = "2026-11-20T12:00:00Z";

#[test]
fn the_module_decides_every_demo_page_as_the_studio_previews_it() {
    let workspace = load(&vantage_test_support::demo_files()).unwrap();
    let (rules, problems) = rules_of(&workspace);
    assert!(problems.is_empty(), "{problems:?}");
    let mut decider = Decider::load(&serde_json::to_string(&rules).unwrap()).unwrap();
    let bundle = Bundle::compile(workspace, String::new());
    let ws = &bundle.workspace;
    let mut checked = 0;
    for (page_id, page) in &ws.pages {
        for profile in ws.profiles.values() {
            let mut flat = profile_context(ws, profile, page);
            flat.entry("request.now").or_insert_with(|| Value::String(AT.into()));
            let raw = Value::Object(flat.clone()).to_string();
            let answer: serde_json::Map<String, Value> = serde_json::from_str(&decider.decide(page_id, &raw).unwrap()).unwrap();
            let request = VisitRequest { render: Render::Nothing, ..VisitRequest::page(page_id, Visitor::Context(&flat), AT) };
            let studio = bundle.visit(&request).unwrap();
            for slot in &studio.composed.slots {
                assert_eq!(answer[&slot.slot], Value::String(slot.variant.clone()), "{page_id}/{} as {}", slot.slot, profile.id);
                checked += 1;
            }
        }
    }
    assert!(checked > 100);
}

#[test]
fn bad_rules_and_bad_visitors_are_refused_with_where() {
    assert!(Decider::load("{").unwrap_err().contains("line 1"));
    let broken = r#"{"catalog":{"attributes":{}},"audiences":{},"entries":{"e":{"personalizations":[{"id":"p","condition":{"attr":"profile.nope","op":"eq","value":1}}]}},"experiments":[],"pages":{}}"#;
    assert!(Decider::load(broken).unwrap_err().contains("entries/e.json"));
    let ok = r#"{"catalog":{"attributes":{}},"audiences":{},"entries":{},"experiments":[],"pages":{"home":[]}}"#;
    let mut decider = Decider::load(ok).unwrap();
    assert!(decider.decide("nowhere", "{}").unwrap_err().contains("nowhere"));
    assert!(decider.decide("home", "[").unwrap_err().starts_with("visitor"));
}
