//! Delivery in the real window: an admin adds two delivery targets in History (a real `vantage
//! serve` on loopback and an address where nothing listens), deploys, and sees one serving what
//! is published and the other behind with the reason; then QA looks up a visitor the CDP has put
//! in VIP by webhook and previews the page as the CDP sees them now, and exports static pages
//! for a CDN (run by `scripts/e2e`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::sync::Arc;
use vantage_e2e::scenario;
use vantage_serve::{run, ServeOptions, Service, WebhookSecret};

const WEBHOOK_SECRET: &str = "the e2e CDP's webhook secret, 32 bytes or more";

/// The CDP puts `unit` into the VIP segment, by signed webhook.
fn cdp_puts_in_vip(address: &str, unit: &str) {
    let body = format!(
        r#"{{"messageId":"e2e-{unit}","type":"track","event":"Audience Entered","userId":"{unit}","timestamp":"2026-12-07T10:00:00Z","properties":{{"audience_key":"vip"}}}}"#
    );
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let signature = vantage_delivery::segments::signature(WEBHOOK_SECRET.as_bytes(), now, &body);
    let stamp = now.to_string();
    let headers = [("x-vantage-timestamp", stamp.as_str()), ("x-vantage-signature", signature.as_str())];
    let answer = vantage_test_support::http::request(address, "POST", "/webhooks/segments", &headers, body.as_bytes()).unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
#[ignore = "drives the real window: run scripts/e2e"]
async fn an_admin_deploys_to_a_server_and_sees_it_serving_while_a_target_that_is_down_shows_behind() {
    // The token scripts/e2e gives the app.
    let options = ServeOptions {
        deploy_token: Some("e2e-deploy-token".into()),
        webhook_secret: Some(WebhookSecret::new(WEBHOOK_SECRET).unwrap()),
        ..ServeOptions::default()
    };
    let (service, _) = Service::start(options, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let address = url["http://".len()..].to_owned();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(run(listener, Arc::clone(&service), async move {
        let _ = stopped.await;
    }));
    let served = Arc::clone(&service);
    scenario("delivery", move |mut app| async move {
        app.select("user-switcher", "alex").await;
        app.click("nav-history").await;
        app.wait_text("No delivery targets yet").await;
        app.shot("no-targets").await;
        app.fill("new-target", "http://deliver.example.com").await;
        app.wait_text("must not travel readable").await;
        app.fill("new-target", &url).await;
        app.click("add-target").await;
        app.fill("new-target", "http://127.0.0.1:9").await;
        app.click("add-target").await;
        app.wait_js("two targets listed", "return document.querySelectorAll('[data-testid=\"target\"]').length === 2").await;
        app.shot("two-targets").await;
        app.click("deploy-now").await;
        app.wait_js(
            "one target serving and one behind",
            "return [...document.querySelectorAll('[data-testid=\"target\"]')].map((t) => t.dataset.state).sort().join() === 'behind,serving';",
        )
        .await;
        app.wait_text("Behind: still serves an older release").await;
        app.shot("one-serving-one-behind").await;
        assert!(served.release_hash().is_some(), "the server received the published release");

        // QA previews a visitor as the CDP sees them now.
        // Off the test's one thread, which also runs the service.
        let cdp = address.clone();
        tokio::task::spawn_blocking(move || cdp_puts_in_vip(&cdp, "u-900")).await.unwrap();
        app.click("nav-preview").await;
        app.select("preview-page", "home").await;
        app.select("preview-profile-0", "bargain-hunter").await;
        app.wait_frame_shows("bargain-hunter", "Built for the long way round").await;
        app.click("adjust-0").await;
        app.fill("cdp-unit-0", "u-900").await;
        app.click("cdp-look-up-0").await;
        app.wait_text("has u-900 in").await;
        app.shot("cdp-memberships").await;
        app.click("cdp-use-0").await;
        app.wait_frame_shows("bargain-hunter", "Welcome back. Your early access has started").await;
        app.shot("preview-as-the-cdp-sees-them").await;

        // Static pages for a CDN, from History.
        app.click("nav-history").await;
        app.click("export-static").await;
        app.wait_text("Wrote 10 page files").await; // the demo's pages in each language they are written in
        app.wait_text("Left to the server").await;
        app.shot("static-pages-exported").await;
    })
    .await;
    let _ = stop.send(());
}
