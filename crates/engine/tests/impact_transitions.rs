//! A review's impact says who moves from what to what: per slot, each pair of variants before
//! and after, with how many visitors and which named profiles.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use serde_json::Value;
use vantage_engine::bundle::{source_hash, Bundle};
use vantage_engine::load::{load, SourceFiles};

fn compile(files: &SourceFiles) -> Bundle {
    Bundle::compile(load(files).unwrap(), source_hash(files))
}

#[test]
fn removing_the_vip_variant_moves_exactly_its_visitors_elsewhere_and_names_the_vip_profile() {
    let files = vantage_test_support::demo_files();
    let mut hero: Value = serde_json::from_str(&files["entries/home-hero.json"]).unwrap();
    let removed = hero["personalizations"].as_array_mut().unwrap().remove(0);
    assert_eq!(removed["id"], "vip-welcome");
    let mut after = files.clone();
    after.insert("entries/home-hero.json".into(), serde_json::to_string_pretty(&hero).unwrap());

    let impact = vantage_engine::impact::impact(&compile(&files), &compile(&after));
    let slot = impact.slots.iter().find(|s| s.page == "home" && s.slot == "hero").expect("the hero changes");
    assert!(!slot.transitions.is_empty());
    assert_eq!(slot.transitions.iter().map(|t| t.visitors).sum::<usize>(), slot.changed, "every changed visitor is in one move");
    for t in &slot.transitions {
        assert_eq!(t.before, "vip-welcome", "only the removed variant's visitors move: {t:?}");
        assert_ne!(t.after, "vip-welcome");
    }
    assert!(slot.transitions.windows(2).all(|w| w[0].visitors >= w[1].visitors), "most visitors first");
    assert!(slot.transitions.iter().any(|t| t.profiles.iter().any(|p| p == "vip-anna")), "{:?}", slot.transitions);
    assert!(!slot.transitions.iter().any(|t| t.profiles.iter().any(|p| p.starts_with("simulated"))), "only named profiles are listed");
}
