//! What the client tier asks of `POST /decide`: the browser's cart as facts (and nothing a
//! browser could use to promote itself), each slot's section to patch in, and CORS only for the
//! storefront origins the operator allowed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use vantage_delivery::respond::{CLIENT_SCRIPT, CLIENT_SCRIPT_PATH};
use vantage_delivery::{respond, Arrival, Config, LiveRelease, Request, Response};
use vantage_engine::release::ReleaseFile;

const SHOP: &str = "https://shop.example";

fn release() -> LiveRelease {
    LiveRelease::from_file(ReleaseFile::of(vantage_test_support::demo_files())).unwrap()
}

fn config() -> Config {
    Config { allowed_origins: vec![SHOP.to_owned()], ..Config::default() }
}

fn arrival() -> Arrival {
    Arrival { now_ms: 1_795_000_000_000, fresh_unit: "fresh-unit-1".into() }
}

fn decide(release: &LiveRelease, body: &str, origin: Option<&str>) -> Response {
    let mut request = Request { method: "POST".into(), path: "/decide".into(), body: body.into(), ..Request::default() };
    if let Some(origin) = origin {
        request = request.with_header("origin", origin);
    }
    respond(release, &config(), &request, &arrival()).response
}

fn json(response: &Response) -> Value {
    serde_json::from_str(&response.body).unwrap()
}

#[test]
fn a_cart_worth_150_euros_sent_by_the_browser_gets_the_big_basket_variant_and_its_section() {
    let release = release();
    let empty = json(&decide(&release, r#"{"page":"category-jackets","sections":true}"#, Some(SHOP)));
    let full = decide(&release, r#"{"page":"category-jackets","facts":{"cart.total":180,"cart.items":3},"sections":true}"#, Some(SHOP));
    assert_eq!(full.status, 200, "{}", full.body);
    let full = json(&full);
    let promo = |answer: &Value| answer["decisions"].as_array().unwrap().iter().find(|d| d["entry"] == "category-promo").cloned().unwrap();
    assert_ne!(promo(&empty)["variant"], "high-cart-shipping");
    assert_eq!(promo(&full)["variant"], "high-cart-shipping");
    let slot = promo(&full)["slot"].as_str().unwrap().to_owned();
    let section = full["sections"][&slot].as_str().unwrap();
    assert!(section.starts_with("<section ") && section.contains("data-variant=\"high-cart-shipping\""), "{section}");
    assert!(section.contains("Your basket qualifies for free express delivery."));
    // Without asking, the answer is what it always was.
    assert!(json(&decide(&release, r#"{"page":"category-jackets"}"#, None)).get("sections").is_none());
}

#[test]
fn a_browser_cannot_claim_a_loyalty_tier_a_country_or_an_unknown_fact() {
    let release = release();
    for (facts, field) in [
        (r#"{"profile.tier":"vip"}"#, "body facts.profile.tier"),
        (r#"{"request.country":"DE"}"#, "body facts.request.country"),
        (r#"{"profile.segments":["vip"]}"#, "body facts.profile.segments"),
        (r#"{"cart.secret":1}"#, "body facts.cart.secret"),
        (r#"{"cart.total":"lots"}"#, "body facts.cart.total"),
    ] {
        let answer = decide(&release, &format!(r#"{{"page":"home","facts":{facts}}}"#), Some(SHOP));
        assert_eq!(answer.status, 400, "{facts}: {}", answer.body);
        assert_eq!(json(&answer)["error"]["field"], field);
    }
    let many: serde_json::Map<String, Value> = (0..65).map(|i| (format!("cart.x{i}"), Value::from(1))).collect();
    let answer = decide(&release, &serde_json::json!({"page": "home", "facts": many}).to_string(), Some(SHOP));
    assert_eq!((answer.status, json(&answer)["error"]["field"].as_str()), (400, Some("body facts")));
}

#[test]
fn only_the_storefront_origins_the_operator_allowed_may_ask_from_a_browser() {
    let release = release();
    let allowed = decide(&release, r#"{"page":"home"}"#, Some(SHOP));
    assert_eq!(allowed.header("access-control-allow-origin"), Some(SHOP));
    assert_eq!(allowed.header("access-control-allow-credentials"), Some("true"));
    let other = decide(&release, r#"{"page":"home"}"#, Some("https://evil.example"));
    assert_eq!(other.header("access-control-allow-origin"), None, "a browser on another site cannot read the answer");
    let preflight = |origin: &str| {
        let request = Request { method: "OPTIONS".into(), path: "/decide".into(), ..Request::default() }.with_header("origin", origin);
        respond(&release, &config(), &request, &arrival()).response
    };
    let ok = preflight(SHOP);
    assert_eq!((ok.status, ok.header("access-control-allow-origin")), (204, Some(SHOP)));
    assert_eq!(preflight("https://evil.example").status, 403);
}

#[test]
fn the_client_script_is_served_small_and_cacheable() {
    let answer = respond(&release(), &config(), &Request::get(CLIENT_SCRIPT_PATH), &arrival()).response;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(answer.body, CLIENT_SCRIPT);
    // The issue's budget is 30 KB gzipped; unminified it is far below that even raw.
    assert!(CLIENT_SCRIPT.len() < 30 * 1024, "{} bytes", CLIENT_SCRIPT.len());
}
