//! CDP segment webhooks against `vantage serve` as a process: a signed "Audience Entered" puts a
//! visitor known only by their unit id into VIP for their next request; what was acknowledged
//! survives kill -9; unsigned, wrongly signed, replayed and stale webhooks change nothing; a
//! visitor who declined personalisation sees the same page before and after; and a storm of
//! webhooks is absorbed while pages are served (the p99 of page requests is reported).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use vantage_delivery::segments::signature;
use vantage_engine::release::ReleaseFile;
use vantage_test_support::http::{request, start_serve, Answer, Running};

const SECRET: &str = "a webhook secret of at least thirty-two bytes";

fn serve(state: &Path, release: &Path) -> Running {
    start_serve(
        Path::new(env!("CARGO_BIN_EXE_vantage")),
        &["--release", release.to_str().unwrap(), "--state", state.to_str().unwrap()],
        &[("VANTAGE_WEBHOOK_SECRET", SECRET), ("VANTAGE_DEPLOY_TOKEN", "deploy-token-for-segment-tests")],
    )
}

fn demo_release(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("release.json");
    std::fs::write(&path, serde_json::to_string(&ReleaseFile::of(vantage_test_support::demo_files())).unwrap()).unwrap();
    path
}

fn now_s() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn event(id: &str, unit: &str, segment: &str, entered: bool, at: &str) -> String {
    let event = if entered { "Audience Entered" } else { "Audience Exited" };
    format!(
        r#"{{"messageId":"{id}","type":"track","event":"{event}","userId":"{unit}","timestamp":"{at}","properties":{{"audience_key":"{segment}"}}}}"#
    )
}

/// Sends `body` signed at `signed_at` with `secret`.
fn send_signed(address: &str, body: &str, secret: &str, signed_at: i64) -> Answer {
    let sig = signature(secret.as_bytes(), signed_at, body);
    let stamp = signed_at.to_string();
    let headers = [("x-vantage-timestamp", stamp.as_str()), ("x-vantage-signature", sig.as_str()), ("content-type", "application/json")];
    request(address, "POST", "/webhooks/segments", &headers, body.as_bytes()).expect("the service answers")
}

fn send(address: &str, body: &str) -> Answer {
    send_signed(address, body, SECRET, now_s())
}

/// The home page for a visitor who brings only their unit id and their consents.
fn home(address: &str, unit: &str, consents: &str) -> String {
    let cookie = format!("vantage_uid={unit}");
    let answer = request(address, "GET", "/pages/home", &[("cookie", &cookie), ("x-vantage-consents", consents)], b"").unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

const VIP_HERO: &str = "data-entry=\"home-hero\" data-variant=\"vip-welcome\"";

#[test]
fn a_webhook_moves_a_visitor_known_only_by_unit_id_into_vip_for_their_next_request() {
    let tmp = tempfile::tempdir().unwrap();
    let server = serve(&tmp.path().join("state"), &demo_release(tmp.path()));
    assert!(!home(&server.address, "u-900", "personalization").contains(VIP_HERO));

    let answer = send(&server.address, &event("evt-1", "u-900", "vip", true, "2026-12-07T10:00:00Z"));
    assert_eq!((answer.status, answer.body.as_str()), (200, r#"{"applied":true}"#));
    assert!(home(&server.address, "u-900", "personalization").contains(VIP_HERO), "the VIP variant after the webhook");
    assert!(!home(&server.address, "u-901", "personalization").contains(VIP_HERO), "another visitor is not VIP");

    // An exit older than the entry, arriving late, changes nothing; a newer one takes her out.
    let late = send(&server.address, &event("evt-0", "u-900", "vip", false, "2026-12-07T09:00:00Z"));
    assert_eq!(late.status, 200);
    assert!(late.body.contains("\"applied\":false"), "{}", late.body);
    assert!(home(&server.address, "u-900", "personalization").contains(VIP_HERO));
    assert_eq!(send(&server.address, &event("evt-2", "u-900", "vip", false, "2026-12-07T11:00:00Z")).status, 200);
    assert!(!home(&server.address, "u-900", "personalization").contains(VIP_HERO));
}

#[test]
fn unsigned_wrongly_signed_replayed_and_stale_webhooks_get_401_and_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let server = serve(&tmp.path().join("state"), &demo_release(tmp.path()));
    let body = event("evt-attack", "u-666", "vip", true, "2026-12-07T10:00:00Z");
    let unsigned = request(&server.address, "POST", "/webhooks/segments", &[], body.as_bytes()).unwrap();
    let wrong = send_signed(&server.address, &body, "an attacker's secret, thirty-two bytes long", now_s());
    let stale = send_signed(&server.address, &body, SECRET, now_s() - 301);
    for (what, answer) in [("unsigned", &unsigned), ("wrongly signed", &wrong), ("stale", &stale)] {
        assert_eq!(answer.status, 401, "{what}: {}", answer.body);
    }
    assert!(stale.body.contains("x-vantage-timestamp"), "{}", stale.body);
    assert!(!home(&server.address, "u-666", "personalization").contains(VIP_HERO));

    let exit = event("evt-exit", "u-666", "vip", false, "2026-12-07T12:00:00Z");
    assert_eq!(send(&server.address, &exit).status, 200);
    // The same signed request sent again (a replay of a captured exit after a later entry).
    assert_eq!(send(&server.address, &event("evt-enter", "u-666", "vip", true, "2026-12-07T13:00:00Z")).status, 200);
    let replay = send(&server.address, &exit);
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert!(home(&server.address, "u-666", "personalization").contains(VIP_HERO), "the replay did not take her out");
}

#[test]
fn an_acknowledged_membership_survives_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, release) = (tmp.path().join("state"), demo_release(tmp.path()));
    let mut server = serve(&state, &release);
    for round in 0..3 {
        let unit = format!("u-kill-{round}");
        let answer = send(&server.address, &event(&format!("evt-kill-{round}"), &unit, "vip", true, "2026-12-07T10:00:00Z"));
        assert_eq!(answer.status, 200, "{}", answer.body);
        // SIGKILL right after the 200: no shutdown code runs.
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        server = serve(&state, &release);
        for known in 0..=round {
            assert!(home(&server.address, &format!("u-kill-{known}"), "personalization").contains(VIP_HERO), "round {round}");
        }
    }
}

#[test]
fn a_webhook_never_makes_segments_visible_to_a_visitor_who_declined_personalisation() {
    let tmp = tempfile::tempdir().unwrap();
    let server = serve(&tmp.path().join("state"), &demo_release(tmp.path()));
    let before = home(&server.address, "u-7000", "");
    assert_eq!(send(&server.address, &event("evt-nc", "u-7000", "vip", true, "2026-12-07T10:00:00Z")).status, 200);
    assert_eq!(home(&server.address, "u-7000", ""), before, "byte for byte the same page");
    assert_eq!(home(&server.address, "u-7000", "marketing_email"), home(&server.address, "u-7000", "marketing_email"));
    assert!(!home(&server.address, "u-7000", "marketing_email").contains(VIP_HERO));
    // QA can see what the service holds for her, behind the deploy token.
    let held =
        request(&server.address, "GET", "/segments/u-7000", &[("authorization", "Bearer deploy-token-for-segment-tests")], b"").unwrap();
    assert_eq!((held.status, held.body.as_str()), (200, r#"{"segments":["vip"],"unit":"u-7000"}"#));
    assert_eq!(request(&server.address, "GET", "/segments/u-7000", &[], b"").unwrap().status, 401, "not without the token");
}

#[test]
fn ten_thousand_webhooks_are_absorbed_while_pages_are_served() {
    let tmp = tempfile::tempdir().unwrap();
    let server = serve(&tmp.path().join("state"), &demo_release(tmp.path()));
    let address = server.address.clone();
    let storm_over = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pages = {
        let (address, over) = (address.clone(), std::sync::Arc::clone(&storm_over));
        std::thread::spawn(move || {
            let mut took = Vec::new();
            while !over.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                let page = request(&address, "GET", "/pages/home", &[("cookie", "vantage_uid=u-reader")], b"").unwrap();
                assert_eq!(page.status, 200);
                took.push(started.elapsed());
                std::thread::sleep(Duration::from_millis(2));
            }
            took
        })
    };
    let started = Instant::now();
    let senders: Vec<_> = (0..4)
        .map(|sender| {
            let address = address.clone();
            std::thread::spawn(move || {
                for i in 0..2500 {
                    let segment = ["vip", "loyal", "high-value"][i % 3];
                    let body =
                        event(&format!("storm-{sender}-{i}"), &format!("u-storm-{}", i % 500), segment, true, "2026-12-07T10:00:00Z");
                    let answer = send(&address, &body);
                    assert_eq!(answer.status, 200, "{}", answer.body);
                }
            })
        })
        .collect();
    for sender in senders {
        sender.join().unwrap();
    }
    let storm = started.elapsed();
    storm_over.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut took = pages.join().unwrap();
    took.sort();
    let p = |q: f64| took[((took.len() as f64 * q) as usize).min(took.len() - 1)];
    let report = format!(
        "10,000 signed webhooks in {:.1} s ({:.0} a minute) with pages served beside them: {} page requests, median {:?}, p99 {:?}\n",
        storm.as_secs_f64(),
        10_000.0 / storm.as_secs_f64() * 60.0,
        took.len(),
        p(0.5),
        p(0.99)
    );
    print!("{report}");
    std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join("webhook-storm.txt"), &report).unwrap();
    // Every webhook was acknowledged (above) and every page answered while they arrived.
    assert!(took.len() > 10, "pages were served during the storm");
    assert!(home(&address, "u-storm-1", "personalization").contains(VIP_HERO));
}
