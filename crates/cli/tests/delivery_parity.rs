//! Proven identical: every page x demo profile x three moments, decided and rendered by the
//! studio's preview, by `vantage serve` over HTTP and by the edge Worker in workerd, with equal
//! decisions and byte-identical HTML; and every case of the conformance contract (and Vantage's
//! own cases) passed by the server's native build and by the Worker's WebAssembly build.
//!
//! Needs the edge module and workerd (`scripts/edge`): run by `scripts/test` with `--ignored`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use vantage_delivery::token::{sign, ProfileClaims};
use vantage_test_support::http::{request, start_serve, start_workerd, Answer};

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
    for at in MOMENTS {
        for (page_id, page) in &ws.bundle.workspace.pages {
            for (profile_id, profile) in &ws.bundle.workspace.profiles {
                let preview = vantage_studio::preview(&ws, page_id, profile_id, Some(at), false).unwrap();
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
