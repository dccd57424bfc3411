//! `vantage serve` over real HTTP on loopback: deploys verified and switched atomically under
//! traffic, tampered releases refused while the old one keeps serving, storms shed with 503,
//! oversized requests refused, metrics counted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use vantage_engine::release::ReleaseFile;
use vantage_serve::{run, ServeOptions, Service};

const TOKEN: &str = "deploy-token-for-tests";

/// The demo workspace with `marker` written into two documents (the home hero's headline and
/// the promotion's text), so a page that mixed two releases would show two markers.
fn release(marker: usize) -> ReleaseFile {
    let mut files = vantage_test_support::demo_files();
    for (path, field) in [("entries/home-hero.json", "headline"), ("entries/home-promo.json", "text")] {
        let text = files[path].clone();
        let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        doc["baseline"][field] = serde_json::Value::String(format!("release-marker-{marker}"));
        files.insert(path.into(), serde_json::to_string_pretty(&doc).unwrap());
    }
    ReleaseFile::of(files)
}

struct Running {
    base: String,
    service: Arc<Service>,
    stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(options: ServeOptions, initial: Option<&ReleaseFile>) -> Running {
    let text = initial.map(|r| serde_json::to_string(r).unwrap());
    let (service, _) = Service::start(options, text.as_deref()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(run(listener, Arc::clone(&service), async move {
        let _ = stopped.await;
    }));
    Running { base, service, stop }
}

fn options() -> ServeOptions {
    ServeOptions { deploy_token: Some(TOKEN.into()), ..ServeOptions::default() }
}

async fn put_release(client: &reqwest::Client, base: &str, text: String, hash: &str, token: &str) -> (u16, String) {
    let answer =
        client.put(format!("{base}/release")).bearer_auth(token).header("x-vantage-release-sha256", hash).body(text).send().await.unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_releases_deployed_under_continuous_traffic_fail_no_request_and_mix_none() {
    let first = release(0);
    let server = start(options(), Some(&first)).await;
    let releases: Vec<ReleaseFile> = (1..=20).map(release).collect();
    let markers: std::collections::BTreeMap<String, usize> =
        std::iter::once(&first).chain(&releases).enumerate().map(|(i, r)| (r.hash.clone(), i)).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let (served, mixed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (base, stop, served, mixed, markers) =
            (server.base.clone(), Arc::clone(&stop), Arc::clone(&served), Arc::clone(&mixed), markers.clone());
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut failures = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                match client.get(format!("{base}/pages/home")).header("cookie", "vantage_uid=u-42").send().await {
                    Ok(answer) if answer.status() == 200 => {
                        let release = answer.headers()["x-vantage-release"].to_str().unwrap().to_owned();
                        let body = answer.text().await.unwrap();
                        let marker = markers[&release];
                        let expected = format!("release-marker-{marker}");
                        // Both documents carry this release's marker, and no other release's.
                        let all = body.matches("release-marker-").count();
                        if body.matches(&expected).count() != 2 || all != 2 {
                            mixed.fetch_add(1, Ordering::Relaxed);
                        }
                        served.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(answer) => failures.push(format!("status {}", answer.status())),
                    Err(e) => failures.push(e.to_string()),
                }
            }
            failures
        }));
    }
    let client = reqwest::Client::new();
    for next in &releases {
        let (status, body) = put_release(&client, &server.base, serde_json::to_string(next).unwrap(), &next.hash, TOKEN).await;
        assert_eq!(status, 200, "{body}");
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        let failures = client.await.unwrap();
        assert!(failures.is_empty(), "requests failed during deploys: {failures:?}");
    }
    assert_eq!(mixed.load(Ordering::Relaxed), 0, "a page mixed two releases");
    assert!(served.load(Ordering::Relaxed) > 100, "too little traffic to prove anything: {}", served.load(Ordering::Relaxed));
    assert_eq!(server.service.release_hash(), Some(releases[19].hash.clone()));
    let _ = server.stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_release_is_refused_with_its_hash_and_the_previous_one_keeps_serving() {
    let first = release(0);
    let server = start(options(), Some(&first)).await;
    let client = reqwest::Client::new();
    let mut tampered = release(1);
    let claimed = tampered.hash.clone();
    tampered.files.insert("entries/home-hero.json".into(), tampered.files["entries/home-hero.json"].replace("release-marker-1", "evil"));
    let (status, body) = put_release(&client, &server.base, serde_json::to_string(&tampered).unwrap(), &claimed, TOKEN).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains(&claimed) && body.contains(&format!("still serving release {}", first.hash)), "{body}");
    // Announced under one hash, carrying another release: refused too.
    let other = release(2);
    let (status, body) = put_release(&client, &server.base, serde_json::to_string(&other).unwrap(), &first.hash, TOKEN).await;
    assert_eq!(status, 422, "{body}");
    let page = client.get(format!("{}/pages/home", server.base)).send().await.unwrap();
    assert_eq!(page.headers()["x-vantage-release"].to_str().unwrap(), first.hash);
    assert!(page.text().await.unwrap().contains("release-marker-0"));
    let _ = server.stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploys_and_the_release_itself_need_the_deploy_token() {
    let first = release(0);
    let server = start(options(), Some(&first)).await;
    let client = reqwest::Client::new();
    let next = release(1);
    let (status, body) = put_release(&client, &server.base, serde_json::to_string(&next).unwrap(), &next.hash, "guess").await;
    assert_eq!(status, 401, "{body}");
    let read = client.get(format!("{}/release", server.base)).send().await.unwrap();
    assert_eq!(read.status(), 401, "the release holds scheduled content nobody may read early");
    let read = client.get(format!("{}/release", server.base)).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(read.headers()["x-vantage-release"].to_str().unwrap(), first.hash);
    let off = start(ServeOptions::default(), Some(&first)).await;
    let (status, body) = put_release(&client, &off.base, serde_json::to_string(&next).unwrap(), &next.hash, "").await;
    assert!(status == 403 && body.contains("VANTAGE_DEPLOY_TOKEN"), "{body}");
    let _ = (server.stop.send(()), off.stop.send(()));
}

/// Opens a connection that sends a request's head and part of its body, and holds it.
async fn slow_upload(base: &str) -> tokio::net::TcpStream {
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://")).await.unwrap();
    stream.write_all(b"POST /decide HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{\"page\":").await.unwrap();
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_storm_beyond_capacity_gets_503s_and_the_service_stays_up() {
    let options = ServeOptions { max_in_flight: 4, max_connections: 64, ..options() };
    let server = start(options, Some(&release(0))).await;
    // Four clients that never finish their upload fill the service's capacity...
    let mut holding = Vec::new();
    for _ in 0..4 {
        holding.push(slow_upload(&server.base).await);
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    // ...so a storm on top gets 503s with Retry-After, and nothing crashes.
    let mut storm = Vec::new();
    for i in 0..40 {
        let base = server.base.clone();
        storm.push(tokio::spawn(async move {
            let answer = reqwest::Client::new()
                .get(format!("{base}/pages/home"))
                .header("cookie", format!("vantage_uid=u{i}"))
                .send()
                .await
                .unwrap();
            (answer.status().as_u16(), answer.headers().get("retry-after").is_some())
        }));
    }
    for request in storm {
        assert_eq!(request.await.unwrap(), (503, true));
    }
    drop(holding);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let page = reqwest::get(format!("{}/pages/home", server.base)).await.unwrap();
    assert_eq!(page.status(), 200, "capacity comes back once the slow clients leave");
    let metrics = reqwest::get(format!("{}/metrics", server.base)).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("vantage_shed_total 40"), "{metrics}");
    let _ = server.stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_get_a_503_and_are_closed() {
    let options = ServeOptions { max_connections: 3, ..options() };
    let server = start(options, Some(&release(0))).await;
    let mut holding = Vec::new();
    for _ in 0..3 {
        holding.push(slow_upload(&server.base).await);
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let mut extra = tokio::net::TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    let mut answer = String::new();
    extra.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    drop(holding);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(reqwest::get(format!("{}/healthz", server.base)).await.unwrap().status(), 200);
    let _ = server.stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_heads_and_bodies_are_refused_before_they_are_read_whole() {
    let server = start(options(), Some(&release(0))).await;
    let client = reqwest::Client::new();
    let huge_header = client.get(format!("{}/pages/home", server.base)).header("x-filler", "a".repeat(64 * 1024)).send().await.unwrap();
    assert_eq!(huge_header.status(), 431);
    let huge_body = client.post(format!("{}/decide", server.base)).body("x".repeat(1024 * 1024)).send().await.unwrap();
    assert_eq!(huge_body.status(), 413);
    let deploy_too_big = client
        .put(format!("{}/release", server.base))
        .bearer_auth(TOKEN)
        .header("x-vantage-release-sha256", "0")
        .body(vec![b' '; vantage_serve::RELEASE_MAX_BYTES + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(deploy_too_big.status(), 413);
    // Raw garbage instead of HTTP closes that connection; the service answers the next one.
    let mut raw = tokio::net::TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    raw.write_all(b"\x00\x01GARBAGE\r\n\r\n").await.unwrap();
    let mut sink = Vec::new();
    let _ = raw.read_to_end(&mut sink).await;
    let page = client.get(format!("{}/pages/home", server.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let _ = server.stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_decisions_per_variant_and_name_the_release() {
    let first = release(0);
    let server = start(options(), Some(&first)).await;
    for _ in 0..3 {
        reqwest::get(format!("{}/pages/sale", server.base)).await.unwrap();
    }
    let metrics = reqwest::get(format!("{}/metrics", server.base)).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("vantage_requests_total{route=\"pages\",status=\"200\"} 3"), "{metrics}");
    assert!(metrics.contains(&format!("vantage_release_info{{hash=\"{}\"}} 1", first.hash)), "{metrics}");
    assert!(metrics.contains("vantage_decisions_total{page=\"sale\",slot=\"hero\""), "{metrics}");
    assert!(metrics.contains("vantage_request_duration_seconds_count 3"), "{metrics}");
    let _ = server.stop.send(());
}
