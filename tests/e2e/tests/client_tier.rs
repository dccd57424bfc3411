//! The client tier in a real browser (Debian's headless Chromium through ChromeDriver): a
//! storefront page holding a slot at its baseline includes `vantage-client.js`; a visitor who
//! adds to the cart sees the big-basket variant decided by `vantage serve` on loopback. With the
//! service stopped, or hanging past the 300 ms timeout, the baseline stays and nothing is shown.
//! Run by `scripts/e2e`; screenshots land beside the app's.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use vantage_delivery::respond::CLIENT_SCRIPT;
use vantage_engine::bundle::{source_hash, Bundle};
use vantage_engine::release::ReleaseFile;
use vantage_engine::static_tier;
use vantage_serve::{run, ServeOptions, Service};

/// ChromeDriver, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn chromium() -> (Driver, Client, tempfile::TempDir) {
    let port = free_port();
    let driver = Command::new(std::env::var("VANTAGE_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()))
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (Debian's chromium-driver; scripts/setup-system installs it)");
    let driver = Driver(driver);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let profile = tempfile::tempdir().unwrap();
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1100,800",
    ];
    let mut args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), json!({"binary": "/usr/bin/chromium", "args": args}));
    let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(caps);
    let client = builder.connect(&format!("http://127.0.0.1:{port}")).await.expect("ChromeDriver starts Chromium");
    (driver, client, profile)
}

/// The storefront: a shop page of its own (no Vantage markup but the slot it leaves to the client
/// tier), the client script it hosts itself, and an "Add to cart" button. `?endpoint=URL` names
/// the decision service the script asks.
/// `/static` serves `static_page` (a file of the static export) as a CDN would.
fn storefront(listener: TcpListener, promo_section: String, static_page: String) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = [0u8; 4096];
            let read = stream.read(&mut head).unwrap_or(0);
            let head = String::from_utf8_lossy(&head[..read]).into_owned();
            let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let (body, kind) = if target.starts_with("/vantage-client.js") {
                (CLIENT_SCRIPT.to_owned(), "text/javascript")
            } else if target.starts_with("/static") {
                (static_page.clone(), "text/html; charset=utf-8")
            } else {
                let endpoint = target.split("endpoint=").nth(1).unwrap_or("").to_owned();
                (shop_page(&promo_section, &endpoint), "text/html; charset=utf-8")
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
}

fn shop_page(promo_section: &str, endpoint: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Northwind Outfitters: jackets</title>
<style>body{{font-family:sans-serif;margin:2rem}} button{{font-size:1rem;padding:.5rem 1rem}}</style></head>
<body><h1>Jackets</h1><main data-page="category-jackets">{promo_section}</main>
<p id="cart">Your basket is empty.</p><button id="add" type="button">Add the Alpine Shell Jacket (180 euros) to the basket</button>
<script>
document.getElementById('add').addEventListener('click', function () {{
  window.vantageFacts = {{ "cart.total": 180, "cart.items": 1 }};
  document.getElementById('cart').textContent = 'Your basket: 1 item, 180 euros.';
  Vantage.personalize(window.vantageFacts);
}});
</script>
<script src="/vantage-client.js" data-endpoint="{endpoint}" data-timeout="300"></script>
</body></html>"#
    )
}

/// A decision service that accepts connections and never answers.
fn hanging() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    address
}

async fn wait_for(client: &Client, what: &str, script: &str) {
    for _ in 0..100 {
        if client.execute(script, vec![]).await.unwrap().as_bool() == Some(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("waited 10 s for {what}");
}

async fn promo_variant(client: &Client) -> String {
    let variant = client.execute("return document.querySelector('section[data-slot=\"promo\"]').dataset.variant", vec![]).await.unwrap();
    variant.as_str().unwrap_or_default().to_owned()
}

async fn add_to_cart(client: &Client) {
    client.execute("document.documentElement.removeAttribute('data-vantage')", vec![]).await.unwrap();
    client.find(Locator::Id("add")).await.unwrap().click().await.unwrap();
}

async fn shot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(vantage_e2e::output_dir().join(format!("client-tier-{name}.png")), png).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives a real browser: run scripts/e2e"]
async fn a_visitor_who_adds_to_the_cart_sees_the_big_basket_variant_and_the_baseline_stays_when_the_service_fails() {
    let shop = TcpListener::bind("127.0.0.1:0").unwrap();
    let shop_url = format!("http://{}", shop.local_addr().unwrap());
    let release = serde_json::to_string(&ReleaseFile::of(vantage_test_support::demo_files())).unwrap();
    let mut options = ServeOptions::default();
    options.config.allowed_origins = vec![shop_url.clone()];
    let (service, _) = Service::start(options, Some(&release)).unwrap();
    // The service runs on a runtime of its own, so that stopping it closes its open connections
    // too, as a crashed or stopped process would.
    let service_runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let service_url = format!("http://{}", listener.local_addr().unwrap());
    service_runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        run(listener, Arc::clone(&service), std::future::pending()).await;
    });

    // The slot the shop leaves to the client tier: the server tier's anonymous baseline, marked.
    let page = vantage_test_support::http::request(&service_url["http://".len()..], "GET", "/pages/category-jackets", &[], b"").unwrap();
    let start = page.body.find("<section data-page=\"category-jackets\" data-slot=\"promo\"").unwrap();
    let end = start + page.body[start..].find("</section>").unwrap() + "</section>".len();
    let promo = page.body[start..end].replacen("<section ", "<section data-vantage-client=\"\" ", 1);
    // The category page as the static export writes it for a CDN, its slots left to the client
    // tier that asks this service.
    let files = vantage_test_support::demo_files();
    let bundle = Bundle::compile(vantage_engine::load::load(&files).unwrap(), source_hash(&files));
    let export = static_tier::export_bounded(&bundle, "2026-11-20T12:00:00Z", static_tier::MAX_COMBINATIONS, Some(&service_url)).unwrap();
    let static_tier::PageRoutes::Static(category) = &export.manifest.pages["category-jackets"] else { panic!("a static page") };
    assert!(category.client_slots.contains(&"promo".to_owned()));
    let static_page = export.files[&category.routes[0].file].clone();
    storefront(shop, promo, static_page);

    let (_driver, client, _profile) = chromium().await;
    client.goto(&format!("{shop_url}/?endpoint={service_url}")).await.unwrap();
    wait_for(&client, "the first decision", "return document.documentElement.dataset.vantage === 'personalized'").await;
    let baseline = promo_variant(&client).await;
    assert_ne!(baseline, "high-cart-shipping");
    shot(&client, "empty-basket").await;
    add_to_cart(&client).await;
    wait_for(
        &client,
        "the big-basket variant",
        "return document.querySelector('section[data-slot=\"promo\"]').dataset.variant === 'high-cart-shipping'",
    )
    .await;
    let text = client.find(Locator::Css("section[data-slot=\"promo\"]")).await.unwrap().text().await.unwrap();
    assert!(text.contains("Your basket qualifies for free express delivery."), "{text}");
    shot(&client, "big-basket").await;

    // The exported static page: the client tier runs under its CSP and patches its slots.
    client.goto(&format!("{shop_url}/static")).await.unwrap();
    wait_for(&client, "the static page's first decision", "return document.documentElement.dataset.vantage === 'personalized'").await;
    assert_eq!(promo_variant(&client).await, baseline);
    client
        .execute(
            "document.documentElement.removeAttribute('data-vantage'); Vantage.personalize({'cart.total': 180, 'cart.items': 1});",
            vec![],
        )
        .await
        .unwrap();
    wait_for(
        &client,
        "the big-basket variant on the static page",
        "return document.querySelector('section[data-slot=\"promo\"]').dataset.variant === 'high-cart-shipping'",
    )
    .await;
    let marked = client.execute("return document.querySelectorAll('section[data-vantage-client]').length", vec![]).await.unwrap();
    assert_eq!(marked.as_u64(), Some(category.client_slots.len() as u64), "every slot left to the client tier is still there");
    shot(&client, "static-page-big-basket").await;

    // A decision service that hangs: after the 300 ms timeout the baseline stays.
    client.goto(&format!("{shop_url}/?endpoint={}", hanging())).await.unwrap();
    wait_for(&client, "the timeout at load", "return document.documentElement.dataset.vantage === 'baseline'").await;
    add_to_cart(&client).await;
    wait_for(&client, "the timeout after adding to the cart", "return document.documentElement.dataset.vantage === 'baseline'").await;
    assert_eq!(promo_variant(&client).await, baseline);
    shot(&client, "service-hanging").await;

    // The service stopped: the baseline stays, and the visitor sees no error.
    service_runtime.shutdown_background();
    client.goto(&format!("{shop_url}/?endpoint={service_url}")).await.unwrap();
    wait_for(&client, "the failure at load", "return document.documentElement.dataset.vantage === 'baseline'").await;
    add_to_cart(&client).await;
    wait_for(&client, "the failure after adding to the cart", "return document.documentElement.dataset.vantage === 'baseline'").await;
    assert_eq!(promo_variant(&client).await, baseline);
    let body = client.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    assert!(!body.to_lowercase().contains("error") && !body.to_lowercase().contains("failed"), "{body}");
    assert!(body.contains("Your basket: 1 item, 180 euros."));
    shot(&client, "service-down").await;
    client.close().await.unwrap();
}
