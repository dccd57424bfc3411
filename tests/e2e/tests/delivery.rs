//! Delivery in the real window: an admin adds two delivery targets in History (a real `vantage
//! serve` on loopback and an address where nothing listens), deploys, and sees one serving what
//! is published and the other behind with the reason (run by `scripts/e2e`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::sync::Arc;
use vantage_e2e::scenario;
use vantage_serve::{run, ServeOptions, Service};

#[tokio::test]
#[ignore = "drives the real window: run scripts/e2e"]
async fn an_admin_deploys_to_a_server_and_sees_it_serving_while_a_target_that_is_down_shows_behind() {
    // The token scripts/e2e gives the app.
    let options = ServeOptions { deploy_token: Some("e2e-deploy-token".into()), ..ServeOptions::default() };
    let (service, _) = Service::start(options, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
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
    })
    .await;
    let _ = stop.send(());
}
