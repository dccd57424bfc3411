#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use super::dims::{combinations, dimensions, enumerate, purposes};
use super::reads::{Reader, SlotReads};
use super::*;
use crate::bundle::source_hash;
use crate::catalog::Catalog;
use crate::condition::Condition;
use serde_json::{json, Value};

const AT: &str = "2026-11-20T12:00:00Z";

fn catalog() -> Catalog {
    Catalog::from_contract_json(&json!({
        "request.country": {"type": "string"},
        "request.referrer": {"type": "string"},
        "profile.segments": {"type": "string_list", "consent": "personalization"},
        "profile.tier": {"type": "string", "consent": "personalization"},
    }))
    .unwrap()
}

fn reads(condition: Value) -> SlotReads {
    let catalog = catalog();
    let audiences =
        [("dach".to_owned(), Condition::from_json(&json!({"attr": "request.country", "op": "in", "value": ["DE", "AT", "CH"]})).unwrap())]
            .into_iter()
            .collect();
    let reader = Reader { catalog: &catalog, audiences: &audiences, segments: SEGMENTS };
    let mut out = SlotReads::default();
    reader.read(&Condition::from_json(&condition).unwrap(), "rule `r`", &mut out);
    out
}

#[test]
fn candidates_are_each_mentioned_value_another_and_absent_and_every_subset_of_segments() {
    let r = reads(json!({"all": [
        {"audience": "dach"},
        {"attr": "request.country", "op": "neq", "value": "FR"},
        {"attr": "profile.segments", "op": "any_of", "value": ["vip"]},
        {"not": {"attr": "profile.segments", "op": "none_of", "value": ["loyal"]}}
    ]}));
    assert!(r.per_visitor.is_none());
    let dims = dimensions(&catalog(), &r.tests).unwrap();
    assert_eq!(
        dims.iter().map(|d| (d.attribute.as_str(), d.values.join(","))).collect::<Vec<_>>(),
        [("profile.segments", "loyal,vip".to_owned()), ("request.country", "AT,CH,DE,FR".to_owned())]
    );
    let purposes = purposes(&dims);
    assert_eq!(purposes, ["personalization"]);
    // Segments unreadable: country only (6); readable: 4 subsets + absent, times 6.
    assert_eq!(combinations(&dims, &purposes), 6 + 5 * 6);
    let all = enumerate(&dims, &purposes, AT);
    assert_eq!(all.len(), 36);
    let keys: Vec<&str> = all.iter().map(|(k, _)| k.as_str()).collect();
    assert!(keys.contains(&"profile.segments=!&request.country=!&consent.personalization=0"));
    assert!(keys.contains(&"profile.segments=loyal+vip&request.country=*&consent.personalization=1"));
    assert!(keys.contains(&"profile.segments=&request.country=DE&consent.personalization=1"));
    let (_, flat) = all.iter().find(|(k, _)| k == "profile.segments=vip&request.country=*&consent.personalization=1").unwrap();
    assert_eq!(flat["profile.segments"], json!(["vip"]));
    assert!(!["AT", "CH", "DE", "FR"].contains(&flat["request.country"].as_str().unwrap()));
    assert_eq!(flat["consents"], json!(["personalization"]));
}

#[test]
fn a_profile_attribute_or_a_rollout_makes_a_slot_the_client_tiers() {
    let tier = reads(json!({"attr": "profile.tier", "op": "eq", "value": "vip"}));
    assert!(tier.per_visitor.unwrap().contains("profile.tier"));
    let rollout = reads(json!({"rollout": {"unit": "profile.id", "salt": "s", "percent": 5}}));
    assert!(rollout.per_visitor.unwrap().contains("rollout"));
    let hour = reads(json!({"attr": "request.now", "op": "hour_between", "value": [18, 23]}));
    assert!(hour.per_visitor.unwrap().contains("time zone"));
    let window = reads(json!({"attr": "request.now", "op": "before", "value": "2026-12-01T00:00:00Z"}));
    assert!(window.per_visitor.is_none() && window.tests.is_empty());
}

#[test]
fn a_pattern_on_a_dimension_cannot_be_enumerated_and_the_reason_names_rule_attribute_and_operator() {
    let r = reads(json!({"any": [{"audience": "dach"}, {"attr": "request.referrer", "op": "matches", "value": "^https://news"}]}));
    let why = dimensions(&catalog(), &r.tests).unwrap_err();
    assert!(why.contains("rule `r`") && why.contains("request.referrer matches"), "{why}");
}

#[test]
fn keys_encode_constants_so_markers_and_separators_stay_the_keys_own() {
    assert_eq!(encode("black-week"), "black-week");
    assert_eq!(encode("a+b&c=*!"), "a%2Bb%26c%3D%2A%21");
    assert_eq!(encode("https://x/"), "https%3A%2F%2Fx%2F");
}

/// The demo with the hero's rules replaced by `rules` (personalization conditions in order).
fn demo_with_hero(rules: &[Value]) -> Bundle {
    let mut files = vantage_test_support::demo_files();
    let mut hero: Value = serde_json::from_str(&files["entries/home-hero.json"]).unwrap();
    let personalizations = hero["personalizations"].as_array_mut().unwrap();
    personalizations.truncate(rules.len());
    for (p, rule) in personalizations.iter_mut().zip(rules) {
        p["condition"] = rule.clone();
    }
    files.insert("entries/home-hero.json".into(), serde_json::to_string(&hero).unwrap());
    // The hero's experiment would make it the client tier's whatever its rules.
    let mut experiments: Value = serde_json::from_str(&files["experiments.json"]).unwrap();
    experiments["experiments"].as_array_mut().unwrap().retain(|x| x["entry"] != "home-hero");
    files.insert("experiments.json".into(), serde_json::to_string(&experiments).unwrap());
    Bundle::compile(crate::load::load(&files).unwrap(), source_hash(&files))
}

#[test]
fn a_regex_rule_in_a_static_slot_sends_its_page_to_the_server_tier_naming_it() {
    let bundle = demo_with_hero(&[json!({"attr": "request.referrer", "op": "matches", "value": "^https://newsletter"})]);
    let export = export(&bundle, AT).unwrap();
    let PageRoutes::Server { reason } = &export.manifest.pages["home"] else { panic!("home falls back") };
    assert!(reason.contains("entry `home-hero`") && reason.contains("request.referrer matches"), "{reason}");
    assert!(export.report.fallbacks.iter().any(|(page, _)| page == "home"));
}

#[test]
fn a_page_past_the_bound_falls_back_and_says_how_many_combinations_it_has() {
    let bundle = demo_with_hero(&[
        json!({"attr": "request.country", "op": "in", "value": ["DE", "AT", "CH", "FR"]}),
        json!({"attr": "request.utm_campaign", "op": "in", "value": ["a", "b", "c"]}),
    ]);
    let within = export(&bundle, AT).unwrap();
    let PageRoutes::Static(home) = &within.manifest.pages["home"] else { panic!("home is static") };
    let locale = home.dimensions.iter().find(|d| d.attribute == "request.locale").expect("home is translated");
    let languages = locale.values.len() - locale.same_as.len();
    assert_eq!(languages, 4, "English, German, Swiss German (the hero has its own texts) and French; de-AT reads de-DE");
    assert_eq!(locale.same_as.get("de-AT").map(String::as_str), Some("de-DE"));
    assert_eq!(home.routes.len(), 6 * 5 * languages);
    assert!(!home.client_slots.contains(&"hero".to_owned()));
    let bounded = export_bounded(&bundle, AT, 29, None).unwrap();
    let PageRoutes::Server { reason } = &bounded.manifest.pages["home"] else { panic!("home falls back") };
    assert!(reason.starts_with("30 combinations of request.country, request.utm_campaign"), "the bound is per language: {reason}");
}

#[test]
fn a_decision_service_address_must_be_https_or_this_machine_and_cannot_break_out_of_html_or_csp() {
    assert_eq!(check_decide_url("https://decide.shop.example/"), Ok("https://decide.shop.example".to_owned()));
    assert_eq!(check_decide_url("http://127.0.0.1:8080"), Ok("http://127.0.0.1:8080".to_owned()));
    for bad in [
        "http://decide.shop.example",
        "https://x.example\" onload=\"alert(1)",
        "https://x.example; script-src *",
        "https://x.example/path",
        "javascript:alert(1)",
        "",
    ] {
        assert!(check_decide_url(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_page_with_client_tier_slots_loads_the_client_script_from_the_decision_service_and_may_reach_only_it() {
    let files = vantage_test_support::demo_files();
    let bundle = Bundle::compile(crate::load::load(&files).unwrap(), source_hash(&files));
    let url = "https://decide.shop.example";
    let export = export_bounded(&bundle, AT, MAX_COMBINATIONS, Some(url)).unwrap();
    let PageRoutes::Static(home) = &export.manifest.pages["home"] else { panic!("home is static") };
    assert!(!home.client_slots.is_empty());
    let html = &export.files[&home.routes[0].file];
    assert!(html.ends_with(&format!("<script src=\"{url}/vantage-client.js\" data-endpoint=\"{url}\" defer></script>\n</body></html>\n")));
    assert!(html.contains(&format!("script-src {url}/vantage-client.js; connect-src {url}\"")), "{}", &html[..400]);
    assert_eq!(html.matches("<script").count(), 1);
    let without = export_bounded(&bundle, AT, MAX_COMBINATIONS, None).unwrap();
    assert!(!without.files.values().any(|f| f.contains("<script")));
}
