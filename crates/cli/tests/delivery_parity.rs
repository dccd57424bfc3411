//! Proven identical: every page x demo profile x three moments, decided and rendered by the
//! studio's preview, by `vantage serve` over HTTP and by the edge Worker in workerd, with equal
//! decisions and byte-identical HTML; and every case of the conformance contract (and Vantage's
//! own cases) passed by the server's native build and by the Worker's WebAssembly build. CDP
//! segment webhooks reach the Worker too (kept in its Durable Object, on disk): a signed one puts
//! a visitor into a segment for their next page, bad ones change nothing, a visitor who declined
//! sees the same bytes, memberships survive a restart, and the server and the Worker answer the
//! same webhooks and pages with the same bytes.
//!
//! Needs the edge module and workerd (`scripts/edge`): run by `scripts/test` with `--ignored`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use std::path::Path;
use vantage_delivery::segments::signature;
use vantage_delivery::token::{sign, ProfileClaims};
use vantage_test_support::http::{request, start_serve, start_workerd, start_workerd_with_storage, Answer, Running};

const PROFILE_KEY: &str = "profile key for the parity test, 32+ bytes";
const DEPLOY_TOKEN: &str = "deploy token for the parity test";
const MOMENTS: [&str; 3] = ["2026-11-20T12:00:00Z", "2026-12-22T19:30:00+01:00", "2026-12-05T10:00:00Z"];

/// The headers a profile's visitor sends: their attributes signed (with the moment), their
/// consents.
fn visitor_headers(profile: &vantage_engine::model::Profile, at: &str) -> Vec<(String, String)> {
    let exp = jiff::Timestamp::now().as_second() + 3600;
    let claims = ProfileClaims { exp, attributes: profile.attributes.clone(), at: Some(at.to_owned()) };
    vec![
        ("x-vantage-profile".into(), sign(&claims, PROFILE_KEY.as_bytes()).unwrap()),
        ("x-vantage-consents".into(), profile.consents.join(",")),
    ]
}

fn ask(address: &str, method: &str, path: &str, headers: &[(String, String)], body: &str) -> Answer {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    request(address, method, path, &headers, body.as_bytes()).unwrap_or_else(|| panic!("{address} did not answer {method} {path}"))
}

/// The demo with `marker` as the home hero's headline and the promotion's text: a page that
/// mixed two releases would show two different markers.
fn marked_release(marker: usize) -> vantage_engine::release::ReleaseFile {
    let mut files = vantage_test_support::demo_files();
    for (path, field) in [("entries/home-hero.json", "headline"), ("entries/home-promo.json", "text")] {
        let mut doc: Value = serde_json::from_str(&files[path]).unwrap();
        doc["baseline"][field] = Value::String(format!("release-marker-{marker}"));
        files.insert(path.into(), serde_json::to_string_pretty(&doc).unwrap());
    }
    vantage_engine::release::ReleaseFile::of(files)
}

#[test]
#[ignore = "needs the edge module and workerd: scripts/edge, then run with --ignored (scripts/test does)"]
fn twenty_releases_deployed_to_the_worker_under_traffic_fail_no_request_and_mix_none() {
    let first = marked_release(0);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("first.json");
    std::fs::write(&path, serde_json::to_string(&first).unwrap()).unwrap();
    let env = [("VANTAGE_DEPLOY_TOKEN", DEPLOY_TOKEN)];
    let server = start_serve(std::path::Path::new(env!("CARGO_BIN_EXE_vantage")), &["--release", path.to_str().unwrap()], &env);
    let origin = format!("http://{}", server.address);
    let edge = start_workerd(&server.address, &[env[0], ("VANTAGE_ORIGIN", origin.as_str()), ("VANTAGE_ORIGIN_TOKEN", DEPLOY_TOKEN)]);
    assert_eq!(ask(&edge.address, "GET", "/healthz", &[], "").status, 200);
    let releases: Vec<_> = (1..=20).map(marked_release).collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let visitors: Vec<_> = (0..4)
        .map(|_| {
            let (address, stop) = (edge.address.clone(), std::sync::Arc::clone(&stop));
            std::thread::spawn(move || {
                let (mut served, mut problems) = (0, Vec::new());
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    match request(&address, "GET", "/pages/home", &[("cookie", "vantage_uid=u-7")], b"") {
                        Some(page) if page.status == 200 => {
                            let markers: std::collections::BTreeSet<String> = page
                                .body
                                .split("release-marker-")
                                .skip(1)
                                .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect())
                                .collect();
                            if markers.len() != 1 || page.body.matches("release-marker-").count() != 2 {
                                problems.push(format!("a page mixed releases: {markers:?}"));
                            }
                            served += 1;
                        }
                        Some(page) => problems.push(format!("status {}: {}", page.status, page.body)),
                        None => problems.push("no answer".into()),
                    }
                }
                (served, problems)
            })
        })
        .collect();
    let auth = format!("Bearer {DEPLOY_TOKEN}");
    for next in &releases {
        let text = serde_json::to_string(next).unwrap();
        let headers = [("authorization", auth.as_str()), ("x-vantage-release-sha256", next.hash.as_str())];
        let deployed = request(&edge.address, "PUT", "/release", &headers, text.as_bytes()).unwrap();
        assert_eq!(deployed.status, 200, "{}", deployed.body);
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut served = 0;
    for visitor in visitors {
        let (count, problems) = visitor.join().unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        served += count;
    }
    assert!(served > 50, "too little traffic to prove anything: {served}");
    let health = ask(&edge.address, "GET", "/healthz", &[], "");
    assert!(health.body.contains(&releases[19].hash), "{}", health.body);
}

#[test]
#[ignore = "needs the edge module and workerd: scripts/edge, then run with --ignored (scripts/test does)"]
fn studio_server_and_edge_decide_and_render_every_page_profile_and_moment_identically_and_pass_the_contract() {
    let demo = vantage_test_support::demo_dir();
    let ws = vantage_studio::open_workspace(&demo).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let release = tmp.path().join("release.json");
    std::fs::write(&release, serde_json::to_string(&vantage_studio::bundle_file(&ws)).unwrap()).unwrap();
    let env = [("VANTAGE_PROFILE_KEY", PROFILE_KEY), ("VANTAGE_DEPLOY_TOKEN", DEPLOY_TOKEN)];
    let server = start_serve(std::path::Path::new(env!("CARGO_BIN_EXE_vantage")), &["--release", release.to_str().unwrap()], &env);
    // The Worker starts empty and fetches the release from the server tier, verifying its hash.
    let origin = format!("http://{}", server.address);
    let edge_env = [env[0], env[1], ("VANTAGE_ORIGIN", origin.as_str()), ("VANTAGE_ORIGIN_TOKEN", DEPLOY_TOKEN)];
    let edge = start_workerd(&server.address, &edge_env);
    let health = ask(&edge.address, "GET", "/healthz", &[], "");
    assert_eq!(health.status, 200, "{}", health.body);
    assert!(health.body.contains(&ws.bundle.hash), "{}", health.body);

    let mut compared = 0;
    let mut locales = std::collections::BTreeSet::new();
    for at in MOMENTS {
        for (page_id, page) in &ws.bundle.workspace.pages {
            for (profile_id, profile) in &ws.bundle.workspace.profiles {
                let preview = vantage_studio::preview(&ws, page_id, profile_id, Some(at), None, false).unwrap();
                locales.extend(preview.composed.locale.clone());
                let headers = visitor_headers(profile, at);
                let product = profile.product.as_deref().filter(|_| page.product_page);
                let path = product.map_or_else(|| format!("/pages/{page_id}"), |sku| format!("/pages/{page_id}?product={sku}"));
                let what = format!("{page_id} as {profile_id} at {at}");
                let served = ask(&server.address, "GET", &path, &headers, "");
                let edged = ask(&edge.address, "GET", &path, &headers, "");
                assert_eq!((served.status, edged.status), (200, 200), "{what}: {} / {}", served.body, edged.body);
                assert!(served.body == preview.html, "{what}: vantage serve differs from the studio's preview");
                assert!(edged.body == preview.html, "{what}: the Worker differs from the studio's preview");
                assert_eq!(served.header("etag"), edged.header("etag"), "{what}");
                assert_eq!(served.header("cache-control"), edged.header("cache-control"), "{what}");

                let body = json!({ "page": page_id, "product": product }).to_string();
                let served = ask(&server.address, "POST", "/decide", &headers, &body);
                let edged = ask(&edge.address, "POST", "/decide", &headers, &body);
                assert_eq!(served.status, 200, "{what}: {}", served.body);
                assert!(served.body == edged.body, "{what}: decisions differ between the server and the Worker");
                let decided: Value = serde_json::from_str(&served.body).unwrap();
                assert_eq!(decided["composed"], serde_json::to_value(&preview.composed).unwrap(), "{what}");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, MOMENTS.len() * ws.bundle.workspace.pages.len() * ws.bundle.workspace.profiles.len());
    for locale in ["de-DE", "fr-FR"] {
        assert!(locales.contains(locale), "the three tiers were compared on pages in {locale}: {locales:?}");
    }

    let contract = vantage_test_support::repo().join("fixtures/conformance");
    let files = ["contract/conditions.json", "contract/bucketing.json", "vantage-extra.json"];
    let auth = [("authorization".to_owned(), format!("Bearer {DEPLOY_TOKEN}"))];
    for file in files {
        let cases = std::fs::read_to_string(contract.join(file)).unwrap();
        let served = ask(&server.address, "POST", "/conform", &auth, &cases);
        let edged = ask(&edge.address, "POST", "/conform", &auth, &cases);
        let (served, edged): (Value, Value) = (serde_json::from_str(&served.body).unwrap(), serde_json::from_str(&edged.body).unwrap());
        assert_eq!(served["failures"], json!([]), "{file} on the server");
        assert_eq!(edged["failures"], json!([]), "{file} in the Worker");
        assert!(served["passed"].as_u64().unwrap() > 0 && served["passed"] == edged["passed"], "{file}: {served} / {edged}");
    }
}

const WEBHOOK_SECRET: &str = "a webhook secret of at least thirty-two bytes";
const VIP_HERO: &str = "data-entry=\"home-hero\" data-variant=\"vip-welcome\"";

fn now_s() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn segment_event(id: &str, unit: &str, segment: &str, entered: bool, at: &str) -> String {
    let event = if entered { "Audience Entered" } else { "Audience Exited" };
    format!(
        r#"{{"messageId":"{id}","type":"track","event":"{event}","userId":"{unit}","timestamp":"{at}","properties":{{"audience_key":"{segment}"}}}}"#
    )
}

/// A webhook as a CDP sends it: `body` signed at `signed_at` with `secret` (the headers and body,
/// so that the very same request can be sent again).
fn signed(body: &str, secret: &str, signed_at: i64) -> (Vec<(String, String)>, String) {
    let headers = vec![
        ("x-vantage-timestamp".to_owned(), signed_at.to_string()),
        ("x-vantage-signature".to_owned(), signature(secret.as_bytes(), signed_at, body)),
        ("content-type".to_owned(), "application/json".to_owned()),
    ];
    (headers, body.to_owned())
}

fn post_webhook(address: &str, (headers, body): &(Vec<(String, String)>, String)) -> Answer {
    ask(address, "POST", "/webhooks/segments", headers, body)
}

/// The home page for a visitor who brings only their unit id and their consents.
fn home(address: &str, unit: &str, consents: &str) -> Answer {
    let headers = [("cookie".to_owned(), format!("vantage_uid={unit}")), ("x-vantage-consents".to_owned(), consents.to_owned())];
    let page = ask(address, "GET", "/pages/home", &headers, "");
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

/// Status, body and the caching headers: what must not change for a visitor who declined.
fn seen_by_visitor(page: &Answer) -> (u16, String, Option<String>, Option<String>, Option<String>) {
    let header = |name| page.header(name).map(str::to_owned);
    (page.status, page.body.clone(), header("etag"), header("cache-control"), header("vary"))
}

/// The demo's release in a file of `dir`, and `vantage serve` on it (the Worker's origin).
fn serve_demo(dir: &Path, env: &[(&str, &str)]) -> Running {
    let release = dir.join("release.json");
    let file = vantage_engine::release::ReleaseFile::of(vantage_test_support::demo_files());
    std::fs::write(&release, serde_json::to_string(&file).unwrap()).unwrap();
    let state = dir.join("server-state");
    let args = ["--release", release.to_str().unwrap(), "--state", state.to_str().unwrap()];
    start_serve(Path::new(env!("CARGO_BIN_EXE_vantage")), &args, env)
}

#[test]
#[ignore = "needs the edge module and workerd: scripts/edge, then run with --ignored (scripts/test does)"]
fn a_signed_webhook_to_the_worker_puts_a_unit_only_visitor_into_vip_bad_ones_change_nothing_and_it_survives_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let server = serve_demo(tmp.path(), &[("VANTAGE_DEPLOY_TOKEN", DEPLOY_TOKEN)]);
    let origin = format!("http://{}", server.address);
    let edge_env = [
        ("VANTAGE_DEPLOY_TOKEN", DEPLOY_TOKEN),
        ("VANTAGE_ORIGIN", origin.as_str()),
        ("VANTAGE_ORIGIN_TOKEN", DEPLOY_TOKEN),
        ("VANTAGE_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ];
    let storage = tmp.path().join("edge-state");
    let mut edge = start_workerd_with_storage(&server.address, &edge_env, &storage);
    let declined_before = seen_by_visitor(&home(&edge.address, "u-900", ""));
    let other_purpose_before = seen_by_visitor(&home(&edge.address, "u-900", "marketing_email"));
    assert!(!home(&edge.address, "u-900", "personalization").body.contains(VIP_HERO));

    // Unsigned, wrongly signed, stale and oversized webhooks: refused, nothing kept.
    let entry = segment_event("evt-1", "u-900", "vip", true, "2026-12-07T10:00:00Z");
    let unsigned = ask(&edge.address, "POST", "/webhooks/segments", &[], &entry);
    let wrong = post_webhook(&edge.address, &signed(&entry, "an attacker's secret, thirty-two bytes long", now_s()));
    let stale = post_webhook(&edge.address, &signed(&entry, WEBHOOK_SECRET, now_s() - 301));
    let tampered = {
        let (headers, _) = signed(&entry, WEBHOOK_SECRET, now_s());
        post_webhook(&edge.address, &(headers, entry.replace("u-900", "u-901")))
    };
    for (what, answer) in [("unsigned", &unsigned), ("wrongly signed", &wrong), ("stale", &stale), ("tampered", &tampered)] {
        assert_eq!(answer.status, 401, "{what}: {}", answer.body);
    }
    assert!(stale.body.contains("header x-vantage-timestamp"), "{}", stale.body);
    let huge = format!("{}{}", entry, " ".repeat(16 * 1024));
    assert_eq!(post_webhook(&edge.address, &signed(&huge, WEBHOOK_SECRET, now_s())).status, 413);
    assert!(!home(&edge.address, "u-900", "personalization").body.contains(VIP_HERO), "a refused webhook kept something");

    // A signed entry: the visitor, known only by her unit id, is VIP on her next request.
    let answer = post_webhook(&edge.address, &signed(&entry, WEBHOOK_SECRET, now_s()));
    assert_eq!((answer.status, answer.body.as_str()), (200, r#"{"applied":true}"#));
    let vip = home(&edge.address, "u-900", "personalization");
    assert!(vip.body.contains(VIP_HERO), "the VIP variant after the webhook");
    assert_eq!(vip.header("cache-control"), Some("private, no-store"), "one visitor's memberships are never shared");
    assert!(!home(&edge.address, "u-901", "personalization").body.contains(VIP_HERO), "another visitor is not VIP");
    // Consent first: without the purpose, byte for byte the page she had before.
    assert_eq!(seen_by_visitor(&home(&edge.address, "u-900", "")), declined_before);
    assert_eq!(seen_by_visitor(&home(&edge.address, "u-900", "marketing_email")), other_purpose_before);

    // Out of order: an older exit arriving late changes nothing.
    let late = post_webhook(
        &edge.address,
        &signed(&segment_event("evt-0", "u-900", "vip", false, "2026-12-07T09:00:00Z"), WEBHOOK_SECRET, now_s()),
    );
    assert_eq!(late.status, 200);
    assert!(late.body.contains("\"applied\":false"), "{}", late.body);
    assert!(home(&edge.address, "u-900", "personalization").body.contains(VIP_HERO));
    // A captured exit sent again after a later entry: a replay, refused.
    let exit = signed(&segment_event("evt-exit", "u-900", "vip", false, "2026-12-07T12:00:00Z"), WEBHOOK_SECRET, now_s());
    assert_eq!(post_webhook(&edge.address, &exit).status, 200);
    assert!(!home(&edge.address, "u-900", "personalization").body.contains(VIP_HERO));
    let enter = signed(&segment_event("evt-enter", "u-900", "vip", true, "2026-12-07T13:00:00Z"), WEBHOOK_SECRET, now_s());
    assert_eq!(post_webhook(&edge.address, &enter).status, 200);
    let replay = post_webhook(&edge.address, &exit);
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert!(replay.body.contains("body messageId"), "{}", replay.body);
    assert!(home(&edge.address, "u-900", "personalization").body.contains(VIP_HERO), "the replay did not take her out");

    // workerd killed (SIGKILL) and started again on the same folder: the membership and the
    // seen event ids are still there.
    edge.child.kill().unwrap();
    edge.child.wait().unwrap();
    drop(edge);
    let edge = start_workerd_with_storage(&server.address, &edge_env, &storage);
    assert!(home(&edge.address, "u-900", "personalization").body.contains(VIP_HERO), "the membership survived the restart");
    assert_eq!(post_webhook(&edge.address, &exit).status, 401, "a replay after the restart is still refused");
    assert_eq!(seen_by_visitor(&home(&edge.address, "u-900", "")), declined_before);
    let auth = [("authorization".to_owned(), format!("Bearer {DEPLOY_TOKEN}"))];
    let held = ask(&edge.address, "GET", "/segments/u-900", &auth, "");
    assert_eq!((held.status, held.body.as_str()), (200, r#"{"segments":["vip"],"unit":"u-900"}"#));
    assert_eq!(ask(&edge.address, "GET", "/segments/u-900", &[], "").status, 401, "not without the token");

    // A Worker without the secret takes no webhooks.
    let off = start_workerd(&server.address, &edge_env[..3]);
    let refused = post_webhook(&off.address, &signed(&entry, WEBHOOK_SECRET, now_s()));
    assert_eq!(refused.status, 403, "{}", refused.body);
}

#[test]
#[ignore = "needs the edge module and workerd: scripts/edge, then run with --ignored (scripts/test does)"]
fn the_server_and_the_worker_answer_the_same_webhooks_and_pages_for_the_same_memberships() {
    let tmp = tempfile::tempdir().unwrap();
    let env = [("VANTAGE_DEPLOY_TOKEN", DEPLOY_TOKEN), ("VANTAGE_WEBHOOK_SECRET", WEBHOOK_SECRET)];
    let server = serve_demo(tmp.path(), &env);
    let origin = format!("http://{}", server.address);
    let edge =
        start_workerd(&server.address, &[env[0], env[1], ("VANTAGE_ORIGIN", origin.as_str()), ("VANTAGE_ORIGIN_TOKEN", DEPLOY_TOKEN)]);
    let webhooks = [
        signed(&segment_event("p-1", "u-1", "vip", true, "2026-12-07T10:00:00Z"), WEBHOOK_SECRET, now_s()),
        signed(&segment_event("p-2", "u-2", "loyal", true, "2026-12-07T10:00:00Z"), WEBHOOK_SECRET, now_s()),
        signed(&segment_event("p-3", "u-2", "vip", true, "2026-12-07T10:00:00Z"), WEBHOOK_SECRET, now_s()),
        signed(&segment_event("p-4", "u-3", "vip", true, "2026-12-07T10:00:00Z"), WEBHOOK_SECRET, now_s()),
        signed(&segment_event("p-5", "u-3", "vip", false, "2026-12-07T11:00:00Z"), WEBHOOK_SECRET, now_s()),
        // Late (outdated), a replay, and a wrong signature.
        signed(&segment_event("p-6", "u-1", "vip", false, "2026-12-07T09:00:00Z"), WEBHOOK_SECRET, now_s()),
        signed(&segment_event("p-1", "u-1", "vip", true, "2026-12-07T10:00:00Z"), WEBHOOK_SECRET, now_s()),
        signed(&segment_event("p-7", "u-1", "loyal", true, "2026-12-07T10:00:00Z"), "not the secret, but thirty-two bytes long", now_s()),
    ];
    for webhook in &webhooks {
        let (served, edged) = (post_webhook(&server.address, webhook), post_webhook(&edge.address, webhook));
        assert_eq!((served.status, &served.body), (edged.status, &edged.body), "{}", webhook.1);
        assert_eq!(served.header("content-type"), edged.header("content-type"));
    }
    let mut compared = 0;
    for unit in ["u-1", "u-2", "u-3", "u-4"] {
        for consents in ["", "personalization", "marketing_email", "personalization,marketing_email"] {
            let (served, edged) = (home(&server.address, unit, consents), home(&edge.address, unit, consents));
            assert!(
                seen_by_visitor(&served) == seen_by_visitor(&edged),
                "{unit} with consents `{consents}`: the server and the Worker differ"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 16);
    assert!(home(&edge.address, "u-1", "personalization").body.contains(VIP_HERO));
    assert!(!home(&edge.address, "u-3", "personalization").body.contains(VIP_HERO));
}
