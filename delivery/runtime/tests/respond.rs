//! The delivery runtime on the demo workspace: what visitors get equals the engine's preview of
//! the same visitor, and what an attacker sends gets a 400 naming the field, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use vantage_delivery::token::{sign, ProfileClaims};
use vantage_delivery::{respond, Arrival, Config, LiveRelease, Request, Response};
use vantage_engine::release::ReleaseFile;
use vantage_engine::visit::{VisitRequest, Visitor};

const KEY: &str = "the operator's key, thirty-two bytes or more";
const NOW_MS: i64 = 1_795_000_000_000; // 2026-11-18

fn release() -> LiveRelease {
    LiveRelease::from_file(ReleaseFile::of(vantage_test_support::demo_files())).unwrap()
}

fn config() -> Config {
    Config { profile_key: Some(KEY.as_bytes().to_vec()), ..Config::default() }
}

fn arrival() -> Arrival {
    Arrival { now_ms: NOW_MS, fresh_unit: "fresh-unit-1".into() }
}

fn ask(release: &LiveRelease, request: &Request) -> Response {
    respond(release, &config(), request, &arrival()).response
}

fn token(attributes: Value, at: Option<&str>) -> String {
    let claims =
        ProfileClaims { exp: NOW_MS / 1000 + 600, attributes: attributes.as_object().cloned().unwrap(), at: at.map(str::to_owned) };
    sign(&claims, KEY.as_bytes()).unwrap()
}

/// The request a profile's visitor would send: their signed attributes, their consents, the
/// product they look at.
fn profile_request(release: &LiveRelease, page: &str, profile: &str, at: &str) -> Request {
    let p = &release.bundle.workspace.profiles[profile];
    let mut path = format!("/pages/{page}");
    if let Some(sku) = &p.product {
        path.push_str(&format!("?product={sku}"));
    }
    Request::get(&path)
        .with_header("x-vantage-profile", &token(Value::Object(p.attributes.clone()), Some(at)))
        .with_header("x-vantage-consents", &p.consents.join(","))
}

fn error_field(response: &Response) -> String {
    let body: Value = serde_json::from_str(&response.body).unwrap();
    body["error"]["field"].as_str().unwrap().to_owned()
}

#[test]
fn every_page_for_every_profile_at_three_moments_is_the_engines_preview_byte_for_byte() {
    let release = release();
    let ws = &release.bundle.workspace;
    let mut compared = 0;
    for at in ["2026-11-20T12:00:00Z", "2026-12-24T18:30:00Z", "2027-02-01T07:00:00Z"] {
        for page in ws.pages.keys() {
            for profile in ws.profiles.keys() {
                let preview = release
                    .bundle
                    .visit(&VisitRequest { moment: Some(at), ..VisitRequest::page(page, Visitor::Profile(profile), at) })
                    .unwrap();
                let got = ask(&release, &profile_request(&release, page, profile, at));
                assert_eq!(got.status, 200, "{page} {profile} {at}: {}", got.body);
                assert!(got.body == preview.html.clone().unwrap(), "{page} as {profile} at {at} differs from the preview");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 3 * ws.pages.len() * ws.profiles.len());
}

#[test]
fn decide_returns_each_slots_variant_and_the_composed_page_as_the_preview_has_them() {
    let release = release();
    let at = "2026-11-20T12:00:00Z";
    let mut request = profile_request(&release, "home", "vip-anna", at);
    request.method = "POST".into();
    request.path = "/decide".into();
    request.query.clear();
    request.body = json!({"page": "home"}).to_string();
    let got = ask(&release, &request);
    assert_eq!(got.status, 200, "{}", got.body);
    let body: Value = serde_json::from_str(&got.body).unwrap();
    let preview =
        release.bundle.visit(&VisitRequest { moment: Some(at), ..VisitRequest::page("home", Visitor::Profile("vip-anna"), at) }).unwrap();
    assert_eq!(body["composed"], serde_json::to_value(&preview.composed).unwrap());
    assert_eq!(body["release"], json!(release.hash()));
    let hero = body["decisions"].as_array().unwrap().iter().find(|d| d["slot"] == "hero").unwrap();
    assert_eq!(hero["choice"], "personalization");
}

#[test]
fn a_visitor_who_forges_a_vip_token_gets_a_400_naming_the_header() {
    let release = release();
    let genuine = token(json!({"profile.tier": "standard"}), None);
    let (_, signature) = genuine.rsplit_once('.').unwrap();
    use base64::Engine;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"exp":9999999999,"attributes":{"profile.tier":"vip"}}"#);
    let got = ask(&release, &Request::get("/pages/home").with_header("X-Vantage-Profile", &format!("v1.{payload}.{signature}")));
    assert_eq!((got.status, error_field(&got)), (400, "header x-vantage-profile".to_owned()), "{}", got.body);
    assert!(got.body.contains("signature"), "{}", got.body);
}

#[test]
fn a_token_with_an_unknown_attribute_or_a_wrong_type_is_refused_by_name() {
    let release = release();
    let unknown =
        ask(&release, &Request::get("/pages/home").with_header("x-vantage-profile", &token(json!({"profile.is_admin": true}), None)));
    assert_eq!((unknown.status, error_field(&unknown)), (400, "header x-vantage-profile: attributes.profile.is_admin".to_owned()));
    let wrong = ask(
        &release,
        &Request::get("/pages/home").with_header("x-vantage-profile", &token(json!({"profile.lifetime_value": "lots"}), None)),
    );
    assert_eq!((wrong.status, error_field(&wrong)), (400, "header x-vantage-profile: attributes.profile.lifetime_value".to_owned()));
}

#[test]
fn an_expired_token_or_a_token_without_a_configured_key_is_refused() {
    let release = release();
    let claims = ProfileClaims { exp: NOW_MS / 1000 - 1, attributes: serde_json::Map::new(), at: None };
    let expired = sign(&claims, KEY.as_bytes()).unwrap();
    let got = ask(&release, &Request::get("/pages/home").with_header("x-vantage-profile", &expired));
    assert!(got.status == 400 && got.body.contains("expired"), "{}", got.body);
    let unkeyed = respond(
        &release,
        &Config::default(),
        &Request::get("/pages/home").with_header("x-vantage-profile", &token(json!({}), None)),
        &arrival(),
    );
    assert!(unkeyed.response.status == 400 && unkeyed.response.body.contains("VANTAGE_PROFILE_KEY"), "{}", unkeyed.response.body);
}

#[test]
fn malformed_facts_consents_units_and_products_get_a_400_naming_the_field() {
    let release = release();
    let cases = [
        (Request::get("/pages/home").with_header("x-vantage-timezone", "Mars/Olympus"), "header x-vantage-timezone"),
        (Request::get("/pages/home").with_header("cf-ipcountry", &"D".repeat(300)), "header cf-ipcountry"),
        (Request::get("/pages/home").with_header("x-vantage-device", "phone\u{7}"), "header x-vantage-device"),
        (Request::get("/pages/home").with_header("x-vantage-consents", "personalization,<script>"), "header x-vantage-consents"),
        (Request::get("/pages/home").with_header("cookie", "vantage_consents=a b"), "cookie vantage_consents"),
        (Request::get("/pages/product-detail?product=no-such-thing"), "parameter product"),
        (Request::get("/pages/product-detail?product=../../etc/passwd"), "parameter product"),
    ];
    for (request, field) in cases {
        let got = ask(&release, &request);
        assert_eq!((got.status, error_field(&got)), (400, field.to_owned()), "{request:?}: {}", got.body);
    }
}

#[test]
fn unknown_pages_paths_methods_and_bodies_are_refused_with_json_errors() {
    let release = release();
    let page = ask(&release, &Request::get("/pages/..%2f..%2fvantage.json"));
    assert_eq!((page.status, error_field(&page)), (404, "path".to_owned()));
    let path = ask(&release, &Request::get("/etc/passwd"));
    assert_eq!(path.status, 404);
    let method = ask(&release, &Request { method: "DELETE".into(), ..Request::get("/pages/home") });
    assert_eq!((method.status, error_field(&method)), (405, "method".to_owned()));
    let decide = |body: String| ask(&release, &Request { method: "POST".into(), body, ..Request::get("/decide") });
    let bad_json = decide("{\"page\": ".into());
    assert_eq!((bad_json.status, error_field(&bad_json)), (400, "body".to_owned()));
    let unknown_field = decide(json!({"page": "home", "attributes": {"profile.tier": "vip"}}).to_string());
    assert!(unknown_field.status == 400 && unknown_field.body.contains("attributes"), "{}", unknown_field.body);
    let huge = decide(format!("{{\"page\": \"{}\"}}", "x".repeat(70_000)));
    assert_eq!((huge.status, error_field(&huge)), (413, "body".to_owned()));
    let deep = decide(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)));
    assert_eq!(deep.status, 413);
    let nested = decide(format!("{{\"page\": {}1{}}}", "[".repeat(5_000), "]".repeat(5_000)));
    assert_eq!((nested.status, error_field(&nested)), (400, "body".to_owned()));
}

#[test]
fn an_anonymous_page_may_be_shared_by_a_cache_and_a_page_read_from_a_token_may_not() {
    let release = release();
    let anonymous =
        ask(&release, &Request::get("/pages/home").with_header("cf-ipcountry", "DE").with_header("x-vantage-consents", "personalization"));
    let personal = ask(&release, &profile_request(&release, "home", "vip-anna", "2026-11-20T12:00:00Z"));
    assert_eq!(personal.header("cache-control"), Some("private, no-store"));
    assert_ne!(anonymous.header("etag"), personal.header("etag"));
    let bucketed = anonymous.header("set-cookie").is_some();
    if bucketed {
        assert_eq!(anonymous.header("cache-control"), Some("private, no-store"), "a page that set a unit id is one visitor's");
    } else {
        assert_eq!(anonymous.header("cache-control"), Some("public, max-age=60"));
        assert!(anonymous.header("vary").unwrap().contains("cf-ipcountry"));
    }
}

#[test]
fn a_visitor_without_a_unit_id_gets_one_and_keeps_the_same_page_with_it() {
    let release = release();
    let first = respond(&release, &config(), &Request::get("/pages/home"), &arrival());
    let Some(cookie) = first.response.header("set-cookie") else { return };
    assert!(cookie.starts_with("vantage_uid=fresh-unit-1;") && cookie.contains("HttpOnly") && cookie.contains("Secure"));
    let again = ask(&release, &Request::get("/pages/home").with_header("cookie", "vantage_uid=fresh-unit-1"));
    assert_eq!(again.body, first.response.body);
    assert!(again.header("set-cookie").is_none());
    let junk = ask(&release, &Request::get("/pages/home").with_header("cookie", "vantage_uid=<junk>"));
    assert_eq!((junk.status, error_field(&junk)), (400, "cookie vantage_uid".to_owned()));
}

#[test]
fn a_matching_etag_gets_a_304_without_the_body() {
    let release = release();
    let first = ask(&release, &Request::get("/pages/home").with_header("cookie", "vantage_uid=u-1"));
    let etag = first.header("etag").unwrap().to_owned();
    let again = ask(&release, &Request::get("/pages/home").with_header("cookie", "vantage_uid=u-1").with_header("if-none-match", &etag));
    assert_eq!((again.status, again.body.as_str()), (304, ""));
}

#[test]
fn the_same_decisions_in_german_and_in_french_are_two_pages_with_two_etags_never_one_kept_for_both() {
    let release = release();
    // The same visitor, deciding the same variants, in two languages: one composition each.
    let asking = |locale: &str, etag: Option<&str>| {
        let mut request =
            Request::get("/pages/category-jackets").with_header("cookie", "vantage_uid=u-7").with_header("x-vantage-locale", locale);
        if let Some(tag) = etag {
            request = request.with_header("if-none-match", tag);
        }
        ask(&release, &request)
    };
    let german = asking("de-DE", None);
    let french = asking("fr-FR", None);
    assert_eq!((german.status, french.status), (200, 200));
    assert!(german.body.contains("<h1 class=\"category-title\">Jacken</h1>"), "{}", german.body);
    assert!(french.body.contains("<html lang=\"fr\">"));
    assert!(!french.body.contains("Jacken"), "the German page kept for the same decisions was not served to a French reader");
    assert_ne!(german.header("etag"), french.header("etag"));
    let again = asking("de-LI", german.header("etag"));
    assert_eq!(again.status, 304, "de-LI is not declared: it reads de-DE, the same page");
    let stale = asking("fr-FR", german.header("etag"));
    assert_eq!(stale.status, 200, "a French reader holding the German page's ETag gets the French page");
}

/// A segment store that remembers every unit it was asked about.
struct Watched(std::cell::RefCell<Vec<String>>);

impl vantage_delivery::SegmentSource for Watched {
    fn segments_of(&self, unit: &str) -> Vec<String> {
        self.0.borrow_mut().push(unit.to_owned());
        vec!["vip".to_owned()]
    }
}

#[test]
fn pushed_segments_are_not_even_looked_up_for_a_visitor_who_has_not_granted_their_purpose() {
    let release = release();
    let store = Watched(std::cell::RefCell::new(Vec::new()));
    let ask_with = |consents: &str| {
        let request = Request::get("/pages/home").with_header("cookie", "vantage_uid=u-42").with_header("x-vantage-consents", consents);
        vantage_delivery::respond_with(&release, &config(), &request, &arrival(), &store).response
    };
    let declined = ask_with("marketing_email");
    assert!(store.0.borrow().is_empty(), "looked up without the personalization consent");
    assert!(!declined.body.contains("data-variant=\"vip-welcome\""));
    let granted = ask_with("personalization");
    assert_eq!(*store.0.borrow(), vec!["u-42".to_owned()]);
    assert!(granted.body.contains("data-entry=\"home-hero\" data-variant=\"vip-welcome\""));
    assert_eq!(granted.header("cache-control"), Some("private, no-store"), "one visitor's memberships are never shared");
}

#[test]
fn a_tier_that_reads_memberships_first_is_told_a_unit_only_for_a_page_or_decision_of_a_visitor_who_granted_the_purpose() {
    let release = release();
    let ask_for = |request: Request| vantage_delivery::segments_to_look_up(&release, &config(), &request).map(str::to_owned);
    let page =
        |consents: &str| Request::get("/pages/home").with_header("cookie", "vantage_uid=u-42").with_header("x-vantage-consents", consents);
    assert_eq!(ask_for(page("personalization")), Some("u-42".to_owned()));
    assert_eq!(ask_for(page("marketing_email")), None, "not granted: nothing is looked up");
    assert_eq!(ask_for(page("")), None);
    assert_eq!(ask_for(page("personalization,not a purpose")), None, "consents the answer refuses: nothing is looked up");
    let cookie_consent = Request::get("/pages/home").with_header("cookie", "vantage_uid=u-42; vantage_consents=personalization");
    assert_eq!(ask_for(cookie_consent), Some("u-42".to_owned()), "consents from the cookie count as the answer reads them");
    assert_eq!(ask_for(Request::get("/pages/home").with_header("x-vantage-consents", "personalization")), None, "no unit id");
    let bad_unit =
        Request::get("/pages/home").with_header("cookie", "vantage_uid=u 42!").with_header("x-vantage-consents", "personalization");
    assert_eq!(ask_for(bad_unit), None);
    let decide = Request { method: "POST".into(), ..page("personalization") };
    assert_eq!(ask_for(Request { path: "/decide".into(), ..decide.clone() }), Some("u-42".to_owned()));
    assert_eq!(ask_for(decide), None, "POST /pages/home reads no visitor (405)");
    assert_eq!(ask_for(Request { path: "/vantage-client.js".into(), ..page("personalization") }), None);
}
